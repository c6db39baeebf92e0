#!/usr/bin/env python3
"""What the example tests share.

Each test script is run by CTest as

    python3 <script>.py <test name> name=/path/to/program ...

with the example programs (and the tools found at configure time: curl, socat, nc, wrk,
ss) passed as name=path. A test starts an example server on port 0, a temporary path or
a unique abstract name, learns where it listens from its first line on stdout
("listening on <endpoint>"), drives it with real clients, then stops it with a signal and
checks that it exited with status 0 (and removed its socket file). Every wait is bounded.
Only the standard library is used.
"""

import errno
import itertools
import os
import resource
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import traceback

TIMEOUT = 15.0  # seconds: the bound on every wait; a healthy run needs a fraction of it
SKIP = 77  # CTest's SKIP_RETURN_CODE for these tests

UNPRIVILEGED_UID = 65534  # nobody: the servers that must feel a thread limit run as it under root
PROGRAMS = {}  # name -> path, from the command line
_hosts_file = None  # see with_test_hosts
_temp_dirs = []
_names = itertools.count()


class TestFailure(Exception):
    pass


class Skip(Exception):
    pass


def check(condition, message):
    """Fails the test with `message` unless `condition` holds."""
    if not condition:
        raise TestFailure(message)


def program(name):
    check(name in PROGRAMS, f"the test needs {name}=PATH on its command line")
    return PROGRAMS[name]


def main(tests):
    """Runs the test named on the command line: exit status 0 (passed), 1 (failed), 77 (skipped)."""
    names = []
    for arg in sys.argv[1:]:
        name, eq, path = arg.partition("=")
        if eq:
            PROGRAMS[name] = path
        else:
            names.append(arg)
    if len(names) != 1 or names[0] not in tests:
        print(f"usage: {sys.argv[0]} {{{'|'.join(tests)}}} name=path...", file=sys.stderr)
        sys.exit(2)
    try:
        tests[names[0]]()
    except Skip as e:
        print(f"skipped: {e}")
        sys.exit(SKIP)
    except Exception:
        traceback.print_exc()
        sys.exit(1)
    finally:
        for d in _temp_dirs:
            shutil.rmtree(d, ignore_errors=True)
    print(f"passed: {names[0]}")


def temp_path(name):
    """A path in a fresh temporary directory (removed at the end), unique to this run."""
    d = tempfile.mkdtemp(prefix="berth-ex-")
    _temp_dirs.append(d)
    path = os.path.join(d, name)
    check(len(path.encode()) <= 107, f"temporary path too long for a unix socket: {path}")
    return path


def abstract_name():
    """A unique abstract unix name, as the examples read it: '@berth-example-<pid>-<n>'."""
    return f"@berth-example-{os.getpid()}-{next(_names)}"


def require_ipv6():
    """Skips the test (visibly) where the loopback has no IPv6."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError as e:
        raise Skip(f"no IPv6 loopback here ({e})")


# The names the example tests resolve; each *.test name is only here. With an empty
# /etc/gai.conf (RFC 6724's defaults) both.test resolves to ::1 first, then 127.0.0.1.
TEST_HOSTS = """127.0.0.1 localhost
::1 localhost
127.0.0.1 v4.test
::1 v6.test
::1 both.test
127.0.0.1 both.test
"""


def with_test_hosts(argv):
    """`argv` run by berth_hosts_namespace with TEST_HOSTS as /etc/hosts and "hosts: files":
    whatever names it resolves come from there, and nothing is asked of a name server. A
    machine that cannot make the namespace skips the test (berth_hosts_namespace exits 77;
    check_namespace says so first)."""
    global _hosts_file
    if _hosts_file is None:
        _hosts_file = temp_path("hosts")
        with open(_hosts_file, "w") as f:
            f.write(TEST_HOSTS)
    return [program("berth_hosts_namespace"), _hosts_file, *argv]


def check_namespace():
    """Skips the test, saying why, when no namespace for /etc/hosts can be made here."""
    done = subprocess.run(with_test_hosts(["true"]), capture_output=True, text=True, timeout=TIMEOUT)
    if done.returncode == SKIP:
        raise Skip(done.stderr.strip())
    check(done.returncode == 0, f"berth_hosts_namespace: status {done.returncode}: {done.stderr!r}")


def black_hole(family, port=0):
    """A listener whose accept queue is full (listen(2) with a backlog of 0 holds one, the
    filler), so that the kernel drops every further SYN: a connection attempt to it pends
    until TCP gives up, as to a black-holed address. (listener, filler, port); None when
    `port` is taken."""
    host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.bind((host, port))
    except OSError:
        listener.close()
        return None
    listener.listen(0)
    port = listener.getsockname()[1]
    filler = socket.create_connection((host, port), timeout=TIMEOUT)
    return listener, filler, port


def address_of(endpoint):
    """The family and Python socket address of an endpoint as the examples print it."""
    if endpoint.startswith("["):
        host, _, port = endpoint[1:].rpartition("]:")
        return socket.AF_INET6, (host, int(port))
    if endpoint.startswith("@"):
        return socket.AF_UNIX, "\0" + endpoint[1:]
    if endpoint.startswith("/") or endpoint.startswith("."):
        return socket.AF_UNIX, endpoint
    host, _, port = endpoint.rpartition(":")
    return socket.AF_INET, (host, int(port))


def read_line(fd, deadline):
    """One line from a pipe, without Python's buffering (so nothing is read past it)."""
    data = b""
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(left, 0))
        if not ready:
            raise TestFailure(f"no complete line within {TIMEOUT} s (got {data!r})")
        chunk = os.read(fd, 1)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")


class Drain(threading.Thread):
    """Reads a pipe to its end in the background, so the program never blocks writing."""

    def __init__(self, pipe):
        super().__init__(daemon=True)
        self.pipe = pipe
        self.data = b""
        self.start()

    def run(self):
        while True:
            chunk = os.read(self.pipe.fileno(), 65536)
            if not chunk:
                return
            self.data += chunk

    def text(self):
        self.join(TIMEOUT)
        return self.data.decode(errors="replace")


class Server:
    """An example server, started and waited for: `with Server([prog, "--listen", ep]) as s:`."""

    def __init__(self, argv, ignore_sigint=False, limits=None, unprivileged=False, env=None):
        """ignore_sigint: started as a shell starts a background job, with SIGINT ignored.
        env: variables added to the environment.
        limits: {resource.RLIMIT_...: soft and hard value} set in the server before it starts.
        unprivileged: when the tests run as root, the server runs as UNPRIVILEGED_UID (the
        kernel does not apply RLIMIT_NPROC to root; see set_soft_limit)."""
        self.argv = argv
        self.uid = UNPRIVILEGED_UID if unprivileged and os.getuid() == 0 else os.getuid()
        self.gid = UNPRIVILEGED_UID if self.uid != os.getuid() else os.getgid()
        if self.uid != os.getuid():
            # The build tree may be out of that user's reach (under /root, mode 700): it runs
            # a copy. berth is header-only and the sanitizers' runtimes are system libraries.
            d = tempfile.mkdtemp(prefix="berth-ex-")
            _temp_dirs.append(d)
            os.chmod(d, 0o755)
            copy = os.path.join(d, os.path.basename(argv[0]))
            shutil.copy2(argv[0], copy)
            os.chmod(copy, 0o755)
            argv = [copy, *argv[1:]]

        def prepare():  # in the child, between fork and exec
            if ignore_sigint:
                signal.signal(signal.SIGINT, signal.SIG_IGN)
            for which, value in (limits or {}).items():
                resource.setrlimit(which, (value, value))
            if self.uid != os.getuid():
                become(self.uid, self.gid)

        self.process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            preexec_fn=prepare if ignore_sigint or limits or self.uid != os.getuid() else None,
            env={**os.environ, **env} if env else None,
        )
        self.pid = self.process.pid
        self.stderr = Drain(self.process.stderr)
        first = read_line(self.process.stdout.fileno(), time.monotonic() + TIMEOUT)
        if not first.startswith("listening on "):
            self.process.kill()
            self.process.wait(TIMEOUT)
            raise TestFailure(
                f"{argv}: first line {first!r}, expected 'listening on ...'; "
                f"stderr: {self.stderr.text()!r}"
            )
        self.stdout = Drain(self.process.stdout)
        self.endpoint = first[len("listening on "):].rstrip("\n")
        self.family, self.address = address_of(self.endpoint)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:  # a failed test: do not leave the server running
            self.process.kill()
            self.process.wait(TIMEOUT)

    def alive(self):
        return self.process.poll() is None

    def check_alive(self, when, grace=0.0):
        """Fails the test, with the server's exit status and stderr, unless it still runs
        (`grace` seconds later: when a failure suggests that it is exiting)."""
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            pass
        if self.process.poll() is not None:
            raise TestFailure(f"{self.argv} died {when}: status {self.process.returncode}; "
                              f"stderr: {self.stderr.text()!r}")

    def set_soft_limit(self, which, soft):
        """Changes the running server's soft limit `which` (resource.RLIMIT_...); None puts
        back the one it started with (ours). Root here may lack CAP_SYS_RESOURCE, which
        changing another user's limits needs; the server's own user may always do it, so
        then it is done by prlimit(1) running as that user."""
        if soft is None:
            soft = resource.getrlimit(which)[0]
        hard = resource.getrlimit(which)[1]
        try:
            resource.prlimit(self.pid, which, (soft, hard))
            return
        except PermissionError:
            if self.uid == os.getuid():
                raise
        tool = shutil.which("prlimit")
        if tool is None:
            raise Skip("running as root: changing the server's limits needs prlimit (util-linux)")
        option = {resource.RLIMIT_NPROC: "--nproc", resource.RLIMIT_NOFILE: "--nofile"}[which]
        value = "unlimited" if soft == resource.RLIM_INFINITY else str(soft)
        done = subprocess.run([tool, f"--pid={self.pid}", f"{option}={value}:"],
                              preexec_fn=lambda: become(self.uid, self.gid),
                              capture_output=True, text=True, timeout=TIMEOUT)
        check(done.returncode == 0, f"prlimit as uid {self.uid}: {done.stderr.strip()}")

    def cpu_seconds(self):
        """User and system CPU time the server used so far, from /proc/PID/stat."""
        with open(f"/proc/{self.pid}/stat") as f:
            text = f.read()
        fields = text[text.rfind(")") + 2:].split()  # after "pid (comm) "; utime is field 14
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @property
    def port(self):
        return self.address[1]

    def connect(self, kind=socket.SOCK_STREAM):
        s = socket.socket(self.family, kind)
        s.settimeout(TIMEOUT)
        if kind == socket.SOCK_STREAM:
            try:
                s.connect(self.address)
            except OSError:
                s.close()
                self.check_alive("before a client connected", grace=1.0)
                raise
        return s

    def stop(self, sig=signal.SIGTERM):
        """Sends `sig` and checks that the server exits with status 0, and that a unix
        socket path it listened on is gone."""
        check(self.process.poll() is None, f"{self.argv} exited early: {self.process.returncode}")
        self.process.send_signal(sig)
        try:
            status = self.process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(TIMEOUT)
            raise TestFailure(f"{self.argv} still running {TIMEOUT} s after {sig.name}")
        err = self.stderr.text()
        check(status == 0, f"{self.argv}: exit status {status} after {sig.name}; stderr: {err!r}")
        if self.family == socket.AF_UNIX and not self.endpoint.startswith("@"):
            check(not os.path.exists(self.endpoint), f"{self.endpoint} left behind after {sig.name}")
        return err


def become(uid, gid):
    """Drops root for `uid` and `gid` (no supplementary groups): in a child, before exec."""
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


def recv_exactly(s, size):
    data = b""
    while len(data) < size:
        chunk = s.recv(min(size - len(data), 1 << 16))
        check(chunk, f"end of stream after {len(data)} of {size} bytes")
        data += chunk
    return data


def recv_to_end(s):
    data = b""
    while True:
        chunk = s.recv(1 << 16)
        if not chunk:
            return data
        data += chunk


def closed_by_server(s, within=5.0):
    """The bytes the server sent on `s` before it closed the connection (end of stream or a
    reset), or None when it was still open `within` seconds after the last byte it sent (or
    after the call, when it sent none): a client left hanging. Each byte that arrives starts
    the wait again, so an answer whose end comes a moment after its bytes (a busy machine
    can hold the server between its write and its shutdown) is not mistaken for none."""
    data = b""
    deadline = time.monotonic() + within
    last_deadline = deadline + 10 * within  # bounded, however the server trickles
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return None
        except (ConnectionResetError, BrokenPipeError):
            return data
        if not chunk:
            return data
        data += chunk
        deadline = min(time.monotonic() + within, last_deadline)


def cpu_share(srv, seconds=1.0):
    """The share of one core the server used over the next `seconds` (0.5: half a core)."""
    used, start = srv.cpu_seconds(), time.monotonic()
    time.sleep(seconds)
    return (srv.cpu_seconds() - used) / (time.monotonic() - start)


# A server that merely retried a failing accept() would use a whole core; one that waits for
# something to change uses next to nothing. Half a core tells the two apart on a loaded machine.
SPINNING = 0.5


def run(argv, input=b"", timeout=TIMEOUT):
    """Runs a program to its end with `input` on stdin: (status, stdout bytes, stderr text)."""
    try:
        done = subprocess.run(argv, input=input, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TestFailure(f"{argv} did not finish within {timeout} s")
    return done.returncode, done.stdout, done.stderr.decode(errors="replace")


def is_socket_file(path):
    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except FileNotFoundError:
        return False


def children_of(pid):
    """{child pid: state letter} of the processes whose parent is `pid`, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:
            continue  # it exited meanwhile
        fields = text[text.rfind(")") + 2:].split()  # after "pid (comm) "
        if int(fields[1]) == pid:
            children[int(entry)] = fields[0]
    return children


def wait_until(condition, what):
    """Polls `condition` until it holds, for TIMEOUT seconds at most."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        check(time.monotonic() < deadline, f"still not {what} after {TIMEOUT} s")
        time.sleep(0.02)


def descriptors(pid):
    """{fd: link target} of a process, e.g. {3: 'socket:[1234]', 4: 'anon_inode:[signalfd]'}."""
    result = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            result[int(fd)] = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            pass
    return result


def sockets_of(pid):
    return {t for t in descriptors(pid).values() if t.startswith("socket:")}


def one_line_error(err, *needles):
    """Checks that `err` is one line that contains every needle."""
    lines = err.strip("\n").split("\n")
    check(len(lines) == 1 and lines[0], f"expected a one-line error, got {err!r}")
    for n in needles:
        check(n in err, f"expected {n!r} in the error {err!r}")


def connection_refused(family, address):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    try:
        s.connect(address)
    except ConnectionRefusedError:
        return True
    except OSError as e:
        return e.errno in (errno.ECONNREFUSED, errno.ENOENT)
    finally:
        s.close()
    return False
