#!/usr/bin/env python3
"""The examples with host names: http_get (resolve, Happy Eyeballs, one request), and the
servers' --listen and echo_client's --connect given a name. Every name comes from the test's
own /etc/hosts, in a private mount namespace (harness.with_test_hosts): nothing is ever
asked of a name server."""

import socket
import threading
import time

from harness import (TIMEOUT, Server, black_hole, check, check_namespace, main, one_line_error,
                     program, require_ipv6, run, with_test_hosts)

PAYLOAD = b"names and addresses\n" * 1000


def hello_server():
    return Server([program("http_hello"), "--listen", "127.0.0.1:0"])


def test_http_get():
    """http_get against http_hello, by address: the whole response on stdout, status 0."""
    http_get = program("http_get")
    with hello_server() as srv:
        status, out, err = run([http_get, "127.0.0.1", str(srv.port)])
        check(status == 0, f"http_get: status {status}, {err!r}")
        check(out.startswith(b"HTTP/1.1 200 OK\r\n") and out.endswith(b"\r\n\r\nHello, world!"),
              f"http_get printed {out!r}")
        check(err == "", f"http_get wrote on stderr: {err!r}")
        status, out, err = run([http_get, "127.0.0.1", str(srv.port), "/some/path?x=1", "--timeout", "5"])
        check(status == 0 and b"Hello, world!" in out, f"with a path: {status} {out!r} {err!r}")
        status, out, err = run([http_get, "127.0.0.1", str(srv.port), "--verbose"])
        check(status == 0 and f"connected to 127.0.0.1:{srv.port}" in err, f"--verbose: {status} {err!r}")
        srv.stop()


def test_http_get_errors():
    http_get = program("http_get")
    for argv, needle in (([], "HOST"), (["127.0.0.1"], "PORT"), (["127.0.0.1", "80", "/", "x"], "'x'"),
                         (["127.0.0.1", "80", "no-slash"], "PATH"), (["127.0.0.1", "80", "/a b"], "PATH"),
                         (["127.0.0.1", "80", "--timeout", "0"], "--timeout")):
        status, out, err = run([http_get, *argv])
        check(status == 2 and out == b"", f"http_get {argv}: status {status}")
        one_line_error(err, "http_get:", needle)

    # Nobody listening: refused.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        status, out, err = run([http_get, "127.0.0.1", str(port)])
    check(status == 1 and out == b"", f"a closed port: status {status}")
    one_line_error(err, f"cannot connect to 127.0.0.1:{port}", "Connection refused")

    # A server that reads the request, then closes without a word; one that never answers.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(TIMEOUT)
        port = str(listener.getsockname()[1])

        def read_request_and_close():
            conn, _ = listener.accept()
            with conn:
                conn.settimeout(TIMEOUT)
                data = b""
                while b"\r\n\r\n" not in data and (chunk := conn.recv(4096)):
                    data += chunk

        closer = threading.Thread(target=read_request_and_close)
        closer.start()
        status, out, err = run([http_get, "127.0.0.1", port, "--timeout", "5"])
        closer.join(TIMEOUT)
        check(status == 1 and out == b"", f"closed without an answer: status {status}")
        one_line_error(err, "closed the connection without an answer")

        start = time.monotonic()  # the connection waits in the queue, never accepted
        status, out, err = run([http_get, "127.0.0.1", port, "--timeout", "0.5"])
        elapsed = time.monotonic() - start
        check(status == 1 and out == b"", f"no answer: status {status}")
        one_line_error(err, "no answer from", "within 500 ms")
        check(elapsed < 5, f"no answer: gave up after {elapsed:.1f} s")


def test_happy_eyeballs():
    """both.test is ::1 first, then 127.0.0.1. With ::1 black-holed on the port http_hello
    listens on over IPv4, http_get connects through IPv4 a Connection Attempt Delay (250
    ms) later, not after a TCP timeout."""
    require_ipv6()
    check_namespace()
    for _ in range(20):
        with hello_server() as srv:
            hole = black_hole(socket.AF_INET6, srv.port)
            if hole is None:  # ::1 has that port taken: another port
                srv.stop()
                continue
            listener, filler, port = hole
            with listener, filler:
                start = time.monotonic()
                status, out, err = run(with_test_hosts([program("http_get"), "both.test", str(port), "--verbose"]))
                elapsed = time.monotonic() - start
            print(f"http_get both.test with ::1 black-holed: {elapsed * 1000:.0f} ms in all "
                  f"(the program's start included); it says: {err.strip()}")
            check(status == 0 and out.endswith(b"Hello, world!"), f"http_get: status {status}, {err!r}")
            check(f"connected to 127.0.0.1:{port}" in err, f"not through IPv4: {err!r}")
            check(elapsed < 3, f"took {elapsed:.1f} s: it waited for the black hole")
            srv.stop()
            return
    check(False, "no port free on both loopbacks")


def test_servers_and_clients():
    """--listen NAME:PORT listens on the name's first address; --connect NAME:PORT connects
    by name (Happy Eyeballs)."""
    require_ipv6()
    check_namespace()
    with Server(with_test_hosts([program("echo_server"), "--listen", "both.test:0"])) as srv:
        check(srv.endpoint.startswith("[::1]:"), f"echo_server --listen both.test:0: on {srv.endpoint}")
        for name in ("both.test", "v6.test", "localhost"):
            status, out, err = run(with_test_hosts([program("echo_client"), "--connect", f"{name}:{srv.port}"]),
                                   input=PAYLOAD)
            check(status == 0 and out == PAYLOAD, f"echo_client --connect {name}:{srv.port}: {status} {err!r}")
        srv.stop()

    with Server(with_test_hosts([program("udp_echo"), "--listen", "v4.test:0"])) as srv:
        check(srv.endpoint.startswith("127.0.0.1:"), f"udp_echo --listen v4.test:0: on {srv.endpoint}")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(TIMEOUT)
            s.sendto(b"ping", srv.address)
            check(s.recv(16) == b"ping", "udp_echo did not answer")
        srv.stop()

    with Server(with_test_hosts([program("http_hello"), "--listen", "v4.test:0"])) as srv:
        check(srv.endpoint.startswith("127.0.0.1:"), f"http_hello --listen v4.test:0: on {srv.endpoint}")
        status, out, err = run(with_test_hosts([program("http_get"), "v4.test", str(srv.port)]))
        check(status == 0 and out.endswith(b"Hello, world!"), f"http_get v4.test: {status} {err!r}")
        srv.stop()


def test_unknown_names():
    """A name that is not known: a one-line error that says so, status 1."""
    check_namespace()
    status, out, err = run(with_test_hosts([program("echo_server"), "--listen", "no-such-name.test:0"]))
    check(status == 1 and out == b"", f"echo_server: status {status}")
    one_line_error(err, "cannot resolve 'no-such-name.test:0'", "not known")
    status, out, err = run(with_test_hosts([program("echo_client"), "--connect", "no-such-name.test:80"]))
    check(status == 1 and out == b"", f"echo_client: status {status}")
    one_line_error(err, "cannot connect to no-such-name.test:80", "not known")
    status, out, err = run(with_test_hosts([program("http_get"), "no-such-name.test", "80"]))
    check(status == 1 and out == b"", f"http_get: status {status}")
    one_line_error(err, "cannot connect to no-such-name.test:80", "not known")
    # Not a name at all: a usage error, as before names were taken.
    for text in ("no-port.test", "v4.test:", "v4.test:99999", ":80"):
        status, out, err = run(with_test_hosts([program("echo_server"), "--listen", text]))
        check(status == 2 and out == b"", f"echo_server --listen {text}: status {status}")
        one_line_error(err, f"'{text}'")


if __name__ == "__main__":
    main({
        "http_get": test_http_get,
        "http_get_errors": test_http_get_errors,
        "happy_eyeballs": test_happy_eyeballs,
        "servers_and_clients": test_servers_and_clients,
        "unknown_names": test_unknown_names,
    })
