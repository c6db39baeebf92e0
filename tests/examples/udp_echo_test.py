#!/usr/bin/env python3
"""udp_echo, driven by Python's socket module, socat and nc; also in --batch mode
(receive_many/send_many), which says how many datagrams each system call moved."""

import os
import re
import signal
import socket

from harness import (TIMEOUT, Server, abstract_name, check, is_socket_file, main, program,
                     require_ipv6, run, temp_path)


def server(endpoint, *flags):
    return Server([program("udp_echo"), "--listen", endpoint, *flags])


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


PER_CALL = re.compile(r"received (\d+) datagrams in (\d+) calls \(([\d.]+) a call\), "
                      r"sent (\d+) in (\d+) calls \(([\d.]+) a call\)")


def calls_of(srv):
    """Stops a --batch server; (received, receive calls, sent, send calls) from what it said."""
    srv.stop(signal.SIGTERM)
    out = srv.stdout.text()
    m = PER_CALL.search(out)
    check(m, f"no datagrams-per-call line on stdout: {out!r}")
    print(m.group(0))
    return int(m.group(1)), int(m.group(2)), int(m.group(4)), int(m.group(5))


def test_batch():
    """--batch serves as the plain server does: boundaries, sizes up to 60000, empty
    datagrams, several clients."""
    with server("127.0.0.1:0", "--batch") as srv:
        exercise(srv, lambda: None)
        received, _, sent, _ = calls_of(srv)
        check(received == sent and received > 0, f"received {received}, sent {sent}")


def test_batch_burst():
    """64 datagrams that wait while the server is stopped are taken 32 a call each way."""
    with server("127.0.0.1:0", "--batch") as srv, client(srv) as c:
        burst = [f"burst {i}".encode() for i in range(64)]
        os.kill(srv.pid, signal.SIGSTOP)
        try:
            for m in burst:
                c.sendto(m, srv.address)
        finally:
            os.kill(srv.pid, signal.SIGCONT)
        replies = [c.recv(100) for _ in burst]
        check(sorted(replies) == sorted(burst), "the burst did not come back whole")
        received, receive_calls, sent, send_calls = calls_of(srv)
        check(received == 64 and sent == 64, f"received {received}, sent {sent}")
        # Two calls each way would do; a spurious wake-up or two are allowed.
        check(receive_calls <= 4 and send_calls <= 4,
              f"{receive_calls} receive calls and {send_calls} send calls for 64 datagrams")


def test_batch_unix():
    """--batch on unix datagrams: an unnamed client's answer is dropped, the others served."""
    path = temp_path("udp-batch.sock")
    with server(path, "--batch") as srv:
        n = iter(range(100))
        exercise(srv, lambda: temp_path(f"client{next(n)}.sock"))
        with client(srv) as unnamed:
            unnamed.sendto(b"to nobody", srv.address)
        with client(srv, temp_path("after.sock")) as c:
            exchange(c, srv, b"still serving")
        calls_of(srv)  # and the file is gone


if __name__ == "__main__":
    main({
        "inet": test_inet,
        "inet6": test_inet6,
        "unix": test_unix,
        "abstract": test_abstract,
        "errors": test_errors,
        "batch": test_batch,
        "batch_burst": test_batch_burst,
        "batch_unix": test_batch_unix,
    })
