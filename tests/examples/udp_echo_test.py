#!/usr/bin/env python3
"""udp_echo, driven by Python's socket module, socat and nc."""

import os
import signal
import socket

from harness import (TIMEOUT, Server, abstract_name, check, is_socket_file, main, program,
                     require_ipv6, run, temp_path)


def server(endpoint):
    return Server([program("udp_echo"), "--listen", endpoint])


def client(srv, bind_to=None):
    s = socket.socket(srv.family, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    if bind_to is not None:
        s.bind(bind_to)
    return s


def exchange(s, srv, message):
    s.sendto(message, srv.address)
    reply, sender = s.recvfrom(1 << 17)
    check(reply == message, f"sent {len(message)} bytes, got back {len(reply)} different bytes")
    return sender


def exercise(srv, own_address):
    """Two clients, interleaved: each gets its own datagrams back, whole, from the server.
    `own_address()` gives a fresh address for a client to bind (None: the kernel picks)."""
    a, b = client(srv, own_address()), client(srv, own_address())
    with a, b:
        for i in range(5):
            exchange(a, srv, f"a{i}".encode())
            exchange(b, srv, f"b{i}".encode() * (i + 1))
        # Several datagrams sent before any is read: they come back as separate datagrams.
        for m in [b"one", b"two", b"three"]:
            a.sendto(m, srv.address)
        check([a.recv(100) for _ in range(3)] == [b"one", b"two", b"three"], "boundaries lost")
        big = os.urandom(60000)
        exchange(a, srv, big)
        exchange(b, srv, b"")  # an empty datagram is a datagram too


def test_inet():
    with server("127.0.0.1:0") as srv:
        check(srv.endpoint.startswith("127.0.0.1:") and srv.port != 0, srv.endpoint)
        exercise(srv, lambda: None)
        with client(srv) as c:
            sender = exchange(c, srv, b"who answers?")
            check(sender == srv.address, f"reply from {sender}, expected {srv.address}")

        # nc: -u UDP, -W 1 exit after one datagram received (-w: give up after a while).
        status, out, err = run([program("nc"), "-u", "-W", "1", "-w", str(int(TIMEOUT)), "127.0.0.1",
                                str(srv.port)], input=b"hello from nc\n")
        check(status == 0 and out == b"hello from nc\n", f"nc -u: {status} {out!r} {err!r}")

        # socat: stdin sent as a datagram; replies printed until -T seconds of silence.
        status, out, err = run([program("socat"), "-T", "1", "-", f"UDP4:{srv.endpoint}"],
                               input=b"hello from socat\n")
        check(status == 0 and out == b"hello from socat\n", f"socat: {status} {out!r} {err!r}")
        srv.stop(signal.SIGINT)


def test_inet6():
    require_ipv6()
    with server("[::1]:0") as srv:
        check(srv.endpoint.startswith("[::1]:") and srv.port != 0, srv.endpoint)
        exercise(srv, lambda: None)
        status, out, err = run([program("socat"), "-T", "1", "-", f"UDP6:{srv.endpoint}"],
                               input=b"over v6\n")
        check(status == 0 and out == b"over v6\n", f"socat UDP6: {status} {out!r} {err!r}")
        srv.stop()


def test_unix():
    path = temp_path("udp.sock")
    with server(path) as srv:
        check(srv.endpoint == path and is_socket_file(path), srv.endpoint)
        n = iter(range(100))
        exercise(srv, lambda: temp_path(f"client{next(n)}.sock"))

        # A client that never bound has no address to be answered at; the server drops
        # that answer and goes on serving the others.
        with client(srv) as unnamed:
            unnamed.sendto(b"to nobody", srv.address)
        with client(srv, temp_path("after.sock")) as c:
            exchange(c, srv, b"still serving")
        srv.stop(signal.SIGTERM)  # and the file is gone


def test_abstract():
    name = abstract_name()
    with server(name) as srv:
        check(srv.endpoint == name, srv.endpoint)
        exercise(srv, lambda: "")  # binding "" gives a unix socket an abstract name (autobind)
        status, out, err = run([program("socat"), "-T", "1", "-",
                                f"ABSTRACT-SENDTO:{name[1:]},bind={abstract_name()[1:]}"],
                               input=b"abstract\n")
        check(status == 0 and out == b"abstract\n", f"socat ABSTRACT-SENDTO: {status} {out!r} {err!r}")
        srv.stop()


def test_errors():
    udp_echo = program("udp_echo")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        endpoint = f"127.0.0.1:{taken.getsockname()[1]}"
        status, out, err = run([udp_echo, "--listen", endpoint])
    check(status != 0 and out == b"", f"port in use: status {status}")
    check(f"cannot listen on {endpoint}: Address already in use" in err and err.count("\n") == 1,
          f"port in use: {err!r}")
    status, out, err = run([udp_echo, "--listen", "nowhere"])
    check(status == 2 and "'nowhere'" in err and err.count("\n") == 1, f"bad endpoint: {status} {err!r}")


if __name__ == "__main__":
    main({
        "inet": test_inet,
        "inet6": test_inet6,
        "unix": test_unix,
        "abstract": test_abstract,
        "errors": test_errors,
    })
