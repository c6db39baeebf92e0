#!/usr/bin/env python3
"""echo_server and echo_client, driven by Python's socket module, socat and nc."""

import os
import resource
import signal
import socket
import threading

from harness import (SPINNING, TIMEOUT, Server, Skip, TestFailure, abstract_name, check,
                     children_of, closed_by_server, cpu_share, descriptors, is_socket_file,
                     main, one_line_error, program, recv_exactly, require_ipv6, run, temp_path,
                     wait_until)

PAYLOAD = os.urandom(200 * 1024)  # 200 kB of every byte value


def server(endpoint):
    return Server([program("echo_server"), "--listen", endpoint])


def round_trip(srv, data):
    """Sends `data` from one thread while reading the echo in this one (neither side can
    then fill its buffers and wait for the other), and checks every byte came back."""
    with srv.connect() as s:
        sender = threading.Thread(target=s.sendall, args=(data,))
        sender.start()
        echoed = recv_exactly(s, len(data))
        sender.join(TIMEOUT)
        s.shutdown(socket.SHUT_WR)
        check(s.recv(1) == b"", "the server did not close after our end of stream")
    check(echoed == data, f"{len(data)} bytes sent, different bytes echoed")


def concurrent_clients(srv, count=20):
    """`count` clients connected at the same time, each answered while all the others stay
    connected: a server that served one connection at a time would never answer the second."""
    clients = [srv.connect() for _ in range(count)]
    barrier = threading.Barrier(count, timeout=TIMEOUT)
    errors = []

    def talk(i, s):
        try:
            message = f"client {i} ".encode() * 500
            s.sendall(message)
            check(recv_exactly(s, len(message)) == message, f"client {i}: wrong echo")
            barrier.wait()  # nobody closes before everybody was answered
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(f"client {i}: {e!r}")
            barrier.abort()

    threads = [threading.Thread(target=talk, args=(i, s)) for i, s in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 2)
    for s in clients:
        s.close()
    check(not errors, "; ".join(errors))


def exercise(srv):
    round_trip(srv, b"hello\n")
    round_trip(srv, PAYLOAD)
    concurrent_clients(srv)


def test_tcp4():
    with server("127.0.0.1:0") as srv:
        check(srv.endpoint.startswith("127.0.0.1:") and srv.port != 0,
              f"'listening on {srv.endpoint}': expected the port that was bound")
        exercise(srv)
        srv.stop(signal.SIGTERM)
    # Started with SIGINT ignored (`echo_server ... &` in a script): Ctrl-C still stops it.
    with Server([program("echo_server"), "--listen", "127.0.0.1:0"], ignore_sigint=True) as srv:
        round_trip(srv, b"background")
        srv.stop(signal.SIGINT)


def test_tcp6():
    require_ipv6()
    with server("[::1]:0") as srv:
        check(srv.endpoint.startswith("[::1]:") and srv.port != 0, srv.endpoint)
        exercise(srv)
        srv.stop(signal.SIGINT)


def test_unix():
    path = temp_path("echo.sock")
    with server(path) as srv:
        check(srv.endpoint == path, f"'listening on {srv.endpoint}', expected {path}")
        check(is_socket_file(path), f"{path} is not a socket file while the server runs")
        exercise(srv)
        srv.stop(signal.SIGINT)  # also checks that the file is gone
    with server(path) as srv:  # the path is free again
        round_trip(srv, b"again")
        srv.stop(signal.SIGTERM)


def test_abstract():
    name = abstract_name()
    with server(name) as srv:
        check(srv.endpoint == name, f"'listening on {srv.endpoint}', expected {name}")
        exercise(srv)
        srv.stop(signal.SIGTERM)


def test_errors():
    echo_server = program("echo_server")
    status, out, err = run([echo_server])
    check(status == 2 and out == b"", f"no arguments: status {status}")
    one_line_error(err, "echo_server:", "--listen")

    status, out, err = run([echo_server, "--listen"])
    check(status == 2 and out == b"", f"--listen without a value: status {status}")
    one_line_error(err, "--listen")

    status, out, err = run([echo_server, "--listen", "127.0.0.1:0", "--verbose"])
    check(status == 2 and out == b"", f"an unknown argument: status {status}")
    one_line_error(err, "--verbose")

    for text in ["not-an-endpoint", "127.0.0.1", "127.0.0.1:99999", "[::1]:", "@"]:
        status, out, err = run([echo_server, "--listen", text])
        check(status == 2 and out == b"", f"--listen {text}: status {status}")
        one_line_error(err, f"'{text}'")

    # A port in use: held by a listening Python socket.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        endpoint = f"127.0.0.1:{taken.getsockname()[1]}"
        status, out, err = run([echo_server, "--listen", endpoint])
        check(status != 0 and out == b"", f"port in use: status {status}")
        one_line_error(err, f"cannot listen on {endpoint}", "Address already in use")

    # A path that exists already belongs to someone else: refused, and left alone.
    path = temp_path("taken.sock")
    with open(path, "w") as f:
        f.write("not ours")
    status, out, err = run([echo_server, "--listen", path])
    check(status != 0 and out == b"", f"existing path: status {status}")
    one_line_error(err, path, "Address already in use")
    check(open(path).read() == "not ours", f"{path} was touched by a server that failed")

    missing = os.path.join(os.path.dirname(path), "no-such-dir", "x.sock")
    status, out, err = run([echo_server, "--listen", missing])
    check(status != 0 and out == b"", f"path in a missing directory: status {status}")
    one_line_error(err, "No such file or directory")

    # echo_client: nobody listening.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        endpoint = f"127.0.0.1:{s.getsockname()[1]}"  # bound, not listening: refused
        status, out, err = run([program("echo_client"), "--connect", endpoint])
    check(status != 0 and out == b"", f"echo_client to a closed port: status {status}")
    one_line_error(err, f"cannot connect to {endpoint}", "Connection refused")

    status, out, err = run([program("echo_client")])
    check(status == 2, f"echo_client without --connect: status {status}")
    one_line_error(err, "--connect")


def test_client():
    """echo_client against echo_server in every family, and against a Python server."""
    echo_client = program("echo_client")
    for endpoint in ["127.0.0.1:0", temp_path("client.sock"), abstract_name()]:
        with server(endpoint) as srv:
            status, out, err = run([echo_client, "--connect", srv.endpoint], input=PAYLOAD)
            check(status == 0, f"echo_client --connect {srv.endpoint}: status {status}, {err!r}")
            check(out == PAYLOAD, f"echo_client --connect {srv.endpoint}: printed {len(out)} bytes")
            srv.stop()

    # A server that is not ours: it reads to the end, then answers once, in upper case.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(TIMEOUT)

        def answer():
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(TIMEOUT)
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
                conn.sendall(data.upper())

        t = threading.Thread(target=answer)
        t.start()
        endpoint = f"127.0.0.1:{listener.getsockname()[1]}"
        status, out, err = run([echo_client, "--connect", endpoint], input=b"shout\n")
        t.join(TIMEOUT)
    check(status == 0 and out == b"SHOUT\n", f"echo_client with a Python server: {status} {out!r} {err!r}")


def echoes(s, message):
    """Whether the connection `s` still echoes: `message` sent, the same bytes back."""
    s.sendall(message)
    return recv_exactly(s, len(message)) == message


def test_thread_limit():
    """No thread can start (RLIMIT_NPROC 1 for the server's user): each new connection is
    closed at once (the client reads the end of the stream instead of waiting) and said so
    on stderr; the server stays up, keeps serving the connections it has, leaks no
    descriptor, and serves new clients again once threads can start."""
    with Server([program("echo_server"), "--listen", "127.0.0.1:0"], unprivileged=True) as srv:
        live = [srv.connect() for _ in range(3)]
        for i, s in enumerate(live):
            check(echoes(s, b"before %d" % i), f"connection {i}: no echo before the limit")
        before = descriptors(srv.pid)

        srv.set_soft_limit(resource.RLIMIT_NPROC, 1)  # no new thread or process for its user
        refused = 10
        for i in range(refused):
            with srv.connect() as s:
                s.sendall(b"anyone there?")
                check(closed_by_server(s) is not None,
                      f"new connection {i} under the thread limit: neither served nor closed")
            srv.check_alive("under the thread limit")
        for i, s in enumerate(live):
            check(echoes(s, b"during %d" % i), f"connection {i}: no echo under the thread limit")
        wait_until(lambda: srv.stderr.data.count(b"\n") >= refused,
                   "one stderr line per closed connection")
        lines = srv.stderr.data.decode(errors="replace").splitlines()
        check(all(line.startswith("echo_server: ") and "thread" in line for line in lines),
              f"stderr under the thread limit: {lines!r}")
        wait_until(lambda: descriptors(srv.pid).keys() == before.keys(),
                   f"back to its descriptors (before: {before}, now: {descriptors(srv.pid)})")

        srv.set_soft_limit(resource.RLIMIT_NPROC, None)  # the pressure goes
        round_trip(srv, b"served again")
        for i, s in enumerate(live):
            check(echoes(s, b"after %d" % i), f"connection {i}: no echo after the limit")
            s.close()
        srv.stop()


def echoed_or_closed(s, message):
    """'echoed' when `s` echoes `message`, 'closed' when the server closed it instead; fails
    when neither happens within 5 s (a client left waiting)."""
    data = b""
    try:
        s.sendall(message)
        s.settimeout(5.0)
        while len(data) < len(message):
            chunk = s.recv(len(message) - len(data))
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, BrokenPipeError):
        pass
    except socket.timeout:
        raise TestFailure(f"a client was neither echoed nor closed within 5 s (got {data!r})")
    s.settimeout(TIMEOUT)
    if data == message:
        return "echoed"
    check(data == b"", f"part of an echo, then the end of the stream: {data!r}")
    return "closed"


def served_again(srv, message=b"served again"):
    """Whether a new client is echoed, trying until connections that just closed have
    given their descriptors back."""
    def attempt():
        with srv.connect() as s:
            return echoed_or_closed(s, message) == "echoed"
    wait_until(attempt, "serving new clients again")


def test_descriptor_limit():
    """At a limit of 32 descriptors, 60 clients: the server stays up; the first 20 are served
    throughout; of the 40 that come after, those without a descriptor are closed at once
    instead of waiting; the server does not spin while they are waiting; and it serves new
    clients again once clients leave."""
    with Server([program("echo_server"), "--listen", "127.0.0.1:0"],
                limits={resource.RLIMIT_NOFILE: 32}) as srv:
        first = [srv.connect() for _ in range(20)]
        for i, s in enumerate(first):
            check(echoes(s, b"first %d" % i), f"client {i}: no echo")
        more = [srv.connect() for _ in range(40)]  # the kernel completes each connection
        share = cpu_share(srv)
        srv.check_alive("at its descriptor limit")
        check(share < SPINNING, f"the server used {share:.0%} of a core while clients waited "
                                f"beyond its descriptor limit: it spins")
        outcomes = [echoed_or_closed(s, b"more %d" % i) for i, s in enumerate(more)]
        check(outcomes.count("closed") > 0, f"60 clients at 32 descriptors, none closed: {outcomes}")
        srv.check_alive("after closing the clients it had no descriptor for")
        for i, s in enumerate(first):
            check(echoes(s, PAYLOAD[:20000]), f"client {i}: not every byte echoed at the limit")
        err = srv.stderr.data.decode(errors="replace")
        check("Too many open files" in err, f"nothing said on stderr: {err!r}")
        for s in first + more:
            s.close()
        served_again(srv)
        srv.stop()


def traced_server(inject, log=os.devnull):
    """echo_server run by strace, which tampers with its accept4 calls as `inject` says (an
    `-e inject=` expression) and logs them to `log` with their times. LeakSanitizer cannot
    run under ptrace, so it is off. Skips the test where strace cannot trace."""
    strace = program("strace")
    status, _, err = run([strace, "-o", os.devnull, "true"])
    if status != 0:
        raise Skip(f"strace cannot trace here: {err.strip()}")
    argv = [strace, "-o", log, "-ttt", "-e", "trace=accept4", "-e", f"inject={inject}",
            program("echo_server"), "--listen", "127.0.0.1:0"]
    no_leak_check = os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    srv = Server(argv, env={"ASAN_OPTIONS": no_leak_check})
    wait_until(lambda: len(children_of(srv.pid)) == 1, "echo_server started by strace")
    srv.traced_pid = next(iter(children_of(srv.pid)))
    return srv


def stop_traced(srv, what):
    """Stops echo_server under strace (which exits with its status) and checks it exits 0."""
    os.kill(srv.traced_pid, signal.SIGTERM)
    status = srv.process.wait(TIMEOUT)
    check(status == 0, f"{what}: exit status {status} after SIGTERM; stderr {srv.stderr.text()!r}")


def check_echoes_or_alive(srv, s, message, what):
    """Checks that `s` echoes `message`; when it fails, says first if the server died."""
    try:
        check(echoes(s, message), f"{what}: no echo")
    except OSError:
        srv.check_alive(what, grace=1.0)
        raise


def test_accept_failures():
    """accept() failing with ENFILE (no file left in the whole system) and ENOMEM, ten times
    each, injected by strace: the server stays up and keeps its connection, pauses between
    attempts instead of retrying at once, and serves the waiting client once accept works."""
    for error in ["ENFILE", "ENOMEM"]:
        log = temp_path(f"strace-{error}.log")
        # The first accept4 works; the next ten fail.
        with traced_server(f"accept4:error={error}:when=2..11", log) as srv:
            with srv.connect() as live:
                check_echoes_or_alive(srv, live, b"before", "before accept fails")
                with srv.connect() as waiting:
                    check_echoes_or_alive(srv, waiting, b"waiting",
                                          f"the client waiting while accept failed with {error}")
                    srv.check_alive(f"after accept failed with {error}")
                    check(echoes(live, b"after"), f"{error}: the live connection stopped")
            with open(log) as f:
                failed = [float(line.split()[0]) for line in f
                          if "accept4(" in line and "INJECTED" in line]
            check(len(failed) == 10, f"{error}: {len(failed)} failed accept4 calls, expected 10")
            check(failed[-1] - failed[0] > 0.25, f"{error}: ten failed accepts within "
                  f"{failed[-1] - failed[0]:.3f} s: retried without pausing")
            err = srv.stderr.data.decode(errors="replace")
            check(err and all(line.startswith("echo_server: accept: ") for line in err.splitlines()),
                  f"{error}: stderr {err!r}")
            stop_traced(srv, error)


def test_connection_errors():
    """Errors that concern one new connection only, which Linux reports through accept (a
    network error the connection already had, a firewall's EPERM), injected by strace: the
    server goes on and serves the waiting client with the next accept."""
    for error in ["ECONNABORTED", "EPROTO", "ENETUNREACH", "EHOSTUNREACH", "ETIMEDOUT", "EPERM"]:
        with traced_server(f"accept4:error={error}:when=1..2") as srv:
            with srv.connect() as s:
                check_echoes_or_alive(srv, s, b"hello", f"after accept failed with {error}")
            stop_traced(srv, error)


def tool_round_trips(make_argv):
    """Runs a tool for each family (argv from make_argv(server)) with a payload on stdin;
    what it prints must be the payload."""
    data = PAYLOAD[:100 * 1024]
    endpoints = ["127.0.0.1:0", temp_path("tool.sock"), abstract_name()]
    try:
        require_ipv6()
        endpoints.append("[::1]:0")
    except Exception:  # noqa: BLE001 (IPv6 is optional here; test_tcp6 reports its absence)
        print("note: no IPv6 loopback; the tool is tried over IPv4 and unix sockets")
    for endpoint in endpoints:
        with server(endpoint) as srv:
            argv = make_argv(srv)
            if argv is None:
                srv.stop()
                continue
            status, out, err = run(argv, input=data)
            check(status == 0, f"{argv}: status {status}, {err!r}")
            check(out == data, f"{argv}: {len(data)} bytes in, {len(out)} different bytes out")
            srv.stop()


def test_socat():
    def argv(srv):
        if srv.endpoint.startswith("["):
            target = f"TCP6:{srv.endpoint}"
        elif srv.endpoint.startswith("@"):
            target = f"ABSTRACT-CONNECT:{srv.endpoint[1:]}"
        elif srv.family == socket.AF_UNIX:
            target = f"UNIX-CONNECT:{srv.endpoint}"
        else:
            target = f"TCP4:{srv.endpoint}"
        return [program("socat"), "-t", str(int(TIMEOUT)), "-", target]

    tool_round_trips(argv)


def test_netcat():
    def argv(srv):
        nc = program("nc")
        # -N: shut down the sending side at the end of stdin, so the server sees it.
        if srv.endpoint.startswith("@"):
            return None  # OpenBSD nc has no abstract names
        if srv.family == socket.AF_UNIX:
            return [nc, "-N", "-U", srv.endpoint]
        host, port = srv.address[0], str(srv.address[1])
        return [nc, "-N", "-6" if srv.family == socket.AF_INET6 else "-4", host, port]

    tool_round_trips(argv)


if __name__ == "__main__":
    main({
        "tcp4": test_tcp4,
        "tcp6": test_tcp6,
        "unix": test_unix,
        "abstract": test_abstract,
        "errors": test_errors,
        "client": test_client,
        "socat": test_socat,
        "netcat": test_netcat,
        "thread_limit": test_thread_limit,
        "descriptor_limit": test_descriptor_limit,
        "accept_failures": test_accept_failures,
        "connection_errors": test_connection_errors,
    })
