#!/usr/bin/env python3
"""fd_passing: a server opens a file for each client and hands it the open descriptor over a
unix socket; the client reads the file through it.

Run as root (CI), the file is readable by its owner only, in a directory only its owner can
enter, and the client runs as nobody (uid 65534): /bin/cat as nobody cannot open the file,
and the client reads it all the same, through the descriptor. Run as any other user, the
client runs as that user, who could open the file itself: the descriptor still travels and
is read, and the server still says who it served, but that the right came with the
descriptor is not shown (say so, and check the rest).
"""

import os
import shutil
import signal
import subprocess

from harness import (TIMEOUT, UNPRIVILEGED_UID, Server, TestFailure, abstract_name, become, check,
                     descriptors, main, one_line_error, program, run, temp_path)

SECRET = b"a line that only the file's owner may read\n" * 200
AS_ROOT = os.getuid() == 0


def secret_file(name="secret.txt"):
    path = temp_path(name)  # in a fresh directory of mode 0700: nobody else can even reach it
    with open(path, "wb") as f:
        f.write(SECRET)
    os.chmod(path, 0o600)
    return path


def server(endpoint, file):
    return Server([program("fd_passing"), "--listen", endpoint, "--file", file])


_client_copy = []


def client_program():
    """The client: as root, a copy in a directory nobody can reach, to run as nobody (the
    build tree may be out of that user's reach); else the program itself."""
    if not AS_ROOT:
        return program("fd_passing")
    if not _client_copy:
        copy = temp_path("fd_passing")
        os.chmod(os.path.dirname(copy), 0o755)
        shutil.copy2(program("fd_passing"), copy)
        os.chmod(copy, 0o755)
        _client_copy.append(copy)
    return _client_copy[0]


def as_client(argv):
    """Runs `argv` as the client's user: (status, stdout bytes, stderr text)."""
    try:
        done = subprocess.run(argv, capture_output=True, timeout=TIMEOUT,
                              preexec_fn=(lambda: become(UNPRIVILEGED_UID, UNPRIVILEGED_UID)) if AS_ROOT else None)
    except subprocess.TimeoutExpired:
        raise TestFailure(f"{argv} did not finish within {TIMEOUT} s")
    return done.returncode, done.stdout, done.stderr.decode(errors="replace")


def fetch(srv):
    return as_client([client_program(), "--connect", srv.endpoint])


def test_pass():
    file = secret_file()
    with server(abstract_name(), file) as srv:
        if AS_ROOT:
            status, _, err = as_client(["/bin/cat", file])
            check(status != 0 and "Permission denied" in err, f"nobody could read {file}: {status} {err!r}")
        else:
            print("not root: the client runs as this user, who may open the file itself; "
                  "the descriptor is still passed and read")
        before = len(descriptors(srv.pid))
        for _ in range(20):
            status, out, err = fetch(srv)
            check(status == 0 and out == SECRET, f"client: status {status}, {len(out)} bytes, {err!r}")
        check(len(descriptors(srv.pid)) == before, "the server keeps descriptors it handed over")
        err = srv.stop()
    said = srv.stdout.text().splitlines()
    check(len(said) == 20, f"the server told {len(said)} clients: {said}")
    uid = UNPRIVILEGED_UID if AS_ROOT else os.getuid()
    check(all(line.startswith(f"handed {file} to pid ") and line.endswith(f", uid {uid}") for line in said),
          f"who was served: {said}")
    check(err == "", f"stderr: {err!r}")


def test_path():
    """A socket bound to a path works as well, and its file is gone when the server stops."""
    file = secret_file()
    path = temp_path("files.sock")
    with server(path, file) as srv:
        check(srv.endpoint == path, srv.endpoint)
        status, out, err = run([program("fd_passing"), "--connect", path])  # as this user: the socket's mode
        check(status == 0 and out == SECRET, f"client: status {status}, {err!r}")
        srv.stop(signal.SIGINT)


def test_errors():
    """A file the server cannot open is told to the client, which exits with status 1; the
    server goes on. Bad endpoints are usage errors."""
    missing = os.path.join(os.path.dirname(secret_file()), "missing.txt")
    with server(abstract_name(), missing) as srv:
        status, out, err = fetch(srv)
        check(status == 1 and out == b"", f"missing file: status {status}, {out!r}")
        one_line_error(err, "fd_passing: the server cannot open the file: No such file or directory")
        srv.check_alive("after a file it could not open")
        with open(missing, "wb") as f:
            f.write(SECRET)
        os.chmod(missing, 0o600)
        status, out, _ = fetch(srv)
        check(status == 0 and out == SECRET, f"after the file came: status {status}")
        err = srv.stop()
        check("cannot open" in err, f"the server said nothing of the missing file: {err!r}")
    status, _, err = run([program("fd_passing"), "--connect", abstract_name()])
    check(status == 1, f"nobody listening: status {status}")
    one_line_error(err, "cannot connect to @")
    status, _, err = run([program("fd_passing"), "--listen", "127.0.0.1:0", "--file", missing])
    check(status == 2, f"an inet endpoint: status {status}")
    one_line_error(err, "not a unix socket")
    status, _, err = run([program("fd_passing"), "--connect", abstract_name(), "--file", missing])
    check(status == 2, f"--connect with --file: status {status}")


if __name__ == "__main__":
    main({
        "pass": test_pass,
        "path": test_path,
        "errors": test_errors,
    })
