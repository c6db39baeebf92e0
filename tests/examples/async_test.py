#!/usr/bin/env python3
"""async_echo_server, async_http_hello and async_chat_server, driven by Python's socket
module, socat and wrk, on each backend: a case is NAME-BACKEND, e.g. echo_tcp4-io_uring.
Where the kernel refuses io_uring the io_uring cases are skipped, saying so."""

import os
import re
import resource
import signal
import socket
import threading
import time

from echo_test import concurrent_clients, echoed_or_closed, round_trip
from http_test import check_body_framing
from harness import (SPINNING, TIMEOUT, Server, Skip, TestFailure, abstract_name, check,
                     closed_by_server, cpu_share, descriptors, main, program, recv_exactly, require_ipv6,
                     run, temp_path, wait_until)

PAYLOAD = os.urandom(200 * 1024)
BACKEND = "epoll"


def start(name, endpoint, *extra, **options):
    """The example `name` on BACKEND; a kernel without io_uring skips the test."""
    argv = [program(name), "--listen", endpoint, "--backend", BACKEND, *extra]
    try:
        return Server(argv, **options)
    except TestFailure as e:
        if "Function not implemented" in str(e) or "not supported" in str(e):
            raise Skip(f"io_uring not available here: {e}")
        raise


def raise_own_limit(n):
    """Lets this process hold `n` descriptors (clients), up to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(max(soft, n), hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < n:
        raise Skip(f"{n} client sockets need RLIMIT_NOFILE {n}; the hard limit here is {hard}")


# ---- async_echo_server -------------------------------------------------------------------

def exercise(srv):
    round_trip(srv, b"hello\n")
    round_trip(srv, PAYLOAD)
    concurrent_clients(srv)


def test_echo_tcp4():
    with start("async_echo_server", "127.0.0.1:0") as srv:
        check(srv.endpoint.startswith("127.0.0.1:") and srv.port != 0, srv.endpoint)
        exercise(srv)
        srv.stop(signal.SIGTERM)


def test_echo_tcp6():
    require_ipv6()
    with start("async_echo_server", "[::1]:0") as srv:
        exercise(srv)
        srv.stop(signal.SIGINT)


def test_echo_unix():
    path = temp_path("echo.sock")
    with start("async_echo_server", path) as srv:
        exercise(srv)
        srv.stop(signal.SIGINT)  # also checks that the file is gone


def test_echo_abstract():
    with start("async_echo_server", abstract_name()) as srv:
        exercise(srv)
        srv.stop(signal.SIGTERM)


def test_echo_threads():
    """--threads 2: two loops, each with its own SO_REUSEPORT listener on the one port;
    both threads take connections (the kernel spreads them), every client is echoed."""
    with start("async_echo_server", "127.0.0.1:0", "--threads", "2") as srv:
        tasks = os.listdir(f"/proc/{srv.pid}/task")
        check(len(tasks) >= 2, f"--threads 2: {len(tasks)} threads")
        before = {t: cpu_of_thread(srv.pid, t) for t in tasks}
        for _ in range(4):
            concurrent_clients(srv, 40)
        busy = [t for t in tasks if cpu_of_thread(srv.pid, t) - before[t] > 1000000]
        check(len(busy) >= 2, f"only {len(busy)} thread(s) did any work with --threads 2")
        srv.stop()


def cpu_of_thread(pid, tid):
    """Nanoseconds thread `tid` ran, from /proc/PID/task/TID/schedstat."""
    try:
        with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def test_echo_socat():
    with start("async_echo_server", "127.0.0.1:0") as srv:
        status, out, err = run([program("socat"), "-t5", "-", f"TCP:127.0.0.1:{srv.port}"],
                               input=PAYLOAD[:50000])
        check(status == 0 and out == PAYLOAD[:50000], f"socat: status {status}, {len(out)} bytes; {err}")
        srv.stop()


def test_echo_descriptor_limit():
    """10,000 clients against a server limited to 1,024 descriptors: accept reports EMFILE
    (said on stderr), the clients beyond the limit are closed at once rather than left
    waiting, the server does not spin, the first clients are served throughout, and new
    clients are served again once others leave."""
    raise_own_limit(10100)
    with start("async_echo_server", "127.0.0.1:0", limits={resource.RLIMIT_NOFILE: 1024}) as srv:
        idle = len(descriptors(srv.pid))
        first = [srv.connect() for _ in range(200)]
        for i, s in enumerate(first):
            check(echoed_or_closed(s, b"first %d" % i) == "echoed", f"client {i}: no echo")
        more = []
        for _ in range(9800):
            s = socket.socket(srv.family, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(srv.address)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                s.close()
                continue
            more.append(s)
        share = cpu_share(srv, 1.0)
        srv.check_alive("at its descriptor limit")
        check(share < SPINNING, f"the server used {share:.0%} of a core beyond its descriptor limit: it spins")
        for i, s in enumerate(first[:50]):
            check(echoed_or_closed(s, PAYLOAD[:20000]) == "echoed", f"client {i}: not echoed at the limit")
        err = srv.stderr.data.decode(errors="replace")
        check("Too many open files" in err, f"nothing said on stderr: {err[-500:]!r}")
        for s in more:
            s.close()
        for s in first:
            s.close()

        # Once every client left, the very first new one is served: accept4 says EMFILE
        # before it looks at the queue, and a refusing accept left waiting on an empty
        # queue took (and closed) the next client that came.
        wait_until(lambda: len(descriptors(srv.pid)) <= idle, "the server closed its clients")
        time.sleep(0.2)
        with srv.connect() as s:
            check(echoed_or_closed(s, b"again") == "echoed",
                  "the first client after the others left was closed at once")
        srv.stop()


def test_echo_many_connections():
    """10,000 connections open at once, all served by one thread: each echoes."""
    raise_own_limit(10100)
    with start("async_echo_server", "127.0.0.1:0") as srv:
        clients = []
        for _ in range(10000):
            s = socket.socket(srv.family, socket.SOCK_STREAM)
            s.settimeout(TIMEOUT)
            s.connect(srv.address)
            clients.append(s)
        for i, s in enumerate(clients):
            s.sendall(b"%05d" % i)
        for i, s in enumerate(clients):
            check(recv_exactly(s, 5) == b"%05d" % i, f"client {i}: wrong echo")
        for s in clients:
            s.close()
        srv.stop()


# ---- async_http_hello --------------------------------------------------------------------

GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
HELLO = b"Hello, world!"


def read_response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        check(chunk, f"end of stream in a response head: {data!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"Content-Length: (\d+)", head).group(1))
    while len(rest) < length:
        chunk = s.recv(4096)
        check(chunk, "end of stream in a body")
        rest += chunk
    return head, rest[:length], rest[length:]


def test_http_protocol():
    with start("async_http_hello", "127.0.0.1:0") as srv:
        with srv.connect() as s:  # keep-alive, then pipelined, then split over writes
            for _ in range(3):
                s.sendall(GET)
                head, body, extra = read_response(s)
                check(head.startswith(b"HTTP/1.1 200") and body == HELLO and not extra, repr(head))
            s.sendall(GET * 3)
            data = b""
            while data.count(HELLO) < 3:
                chunk = s.recv(4096)
                check(chunk, "end of stream during pipelined requests")
                data += chunk
            for piece in (b"GET / HT", b"TP/1.1\r\nHo", b"st: x\r\n", b"\r\n"):
                s.sendall(piece)
                time.sleep(0.01)
            head, body, _ = read_response(s)
            check(body == HELLO, "a request split over four writes")
        with srv.connect() as s:  # Connection: close
            s.sendall(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
            head, body, _ = read_response(s)
            check(b"Connection: close" in head and s.recv(1) == b"", "not closed after Connection: close")
        with srv.connect() as s:  # HTTP/1.0 closes unless told
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            head, body, _ = read_response(s)
            check(body == HELLO and s.recv(1) == b"", "HTTP/1.0 without keep-alive stayed open")
        with srv.connect() as s:  # a body is skipped
            s.sendall(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde" + GET)
            _, body, extra = read_response(s)
            if not extra:
                _, body2, _ = read_response(s)
            check(body == HELLO, "POST with a body")
        check_body_framing(srv)
        with srv.connect() as s:  # garbage: 400 and closed
            s.sendall(b"nonsense\r\n\r\n")
            data = s.recv(4096)
            check(data.startswith(b"HTTP/1.1 400"), repr(data))
        with srv.connect() as s:  # a head too long: 431
            s.sendall(b"GET / HTTP/1.1\r\n" + b"X: " + b"y" * 9000 + b"\r\n\r\n")
            data = s.recv(4096)
            check(data.startswith(b"HTTP/1.1 431"), repr(data))
        srv.stop()


def wrk(srv, connections, seconds):
    raise_own_limit(connections + 100)
    status, out, err = run([program("wrk"), "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
                            f"http://127.0.0.1:{srv.port}/"], timeout=seconds + 3 * TIMEOUT)
    text = out.decode(errors="replace")
    check(status == 0, f"wrk: status {status}: {err}{text}")
    done = re.search(r"(\d+) requests in", text)
    check(done and int(done.group(1)) > 0, f"wrk made no requests:\n{text}")
    check("Socket errors" not in text, f"wrk saw socket errors:\n{text}")
    check("Non-2xx" not in text, f"wrk saw non-2xx responses:\n{text}")
    print(text)


def test_http_wrk():
    """1,000 kept-alive connections for 3 s."""
    with start("async_http_hello", "127.0.0.1:0") as srv:
        wrk(srv, 1000, 3)
        srv.stop()


def test_http_wrk_10000():
    """10,000 concurrent kept-alive connections (wrk opens them all, then requests on each)."""
    with start("async_http_hello", "127.0.0.1:0", "--threads", "2") as srv:
        wrk(srv, 10000, 4)
        srv.stop()


def test_http_curl():
    with start("async_http_hello", "127.0.0.1:0") as srv:
        status, out, err = run([program("curl"), "-s", "-i", f"http://127.0.0.1:{srv.port}/"])
        check(status == 0 and out.endswith(HELLO) and out.startswith(b"HTTP/1.1 200"), f"curl: {status} {out!r} {err}")
        srv.stop()


# ---- async_chat_server -------------------------------------------------------------------

def lines_of(s, count):
    data = b""
    while data.count(b"\n") < count:
        chunk = s.recv(4096)
        check(chunk, f"end of stream after {data!r}")
        data += chunk
    return data.split(b"\n")[:count]


def test_chat():
    with start("async_chat_server", "127.0.0.1:0") as srv:
        a, b, c = srv.connect(), srv.connect(), srv.connect()
        time.sleep(0.1)  # all three in the room
        a.sendall(b"hello from a\n")
        check(lines_of(b, 1) == [b"hello from a"], "b did not get a's line")
        check(lines_of(c, 1) == [b"hello from a"], "c did not get a's line")
        b.sendall(b"one from b\ntwo ")
        b.sendall(b"from b\n")
        check(lines_of(a, 2) == [b"one from b", b"two from b"], "a did not get b's lines, whole")
        check(lines_of(c, 2) == [b"one from b", b"two from b"], "c did not get b's lines")
        a.settimeout(0.2)
        try:
            extra = a.recv(100)
        except socket.timeout:
            extra = None
        check(extra is None, f"a got its own line back: {extra!r}")
        a.settimeout(TIMEOUT)
        c.close()  # one leaves: the others go on
        a.sendall(b"still here\n")
        check(lines_of(b, 1) == [b"still here"], "b lost lines after c left")
        many = [srv.connect() for _ in range(30)]
        time.sleep(0.1)
        b.sendall(b"to everyone\n")
        for s in many + [a]:
            check(lines_of(s, 1) == [b"to everyone"], "a client missed a broadcast")
        for s in many + [a, b]:
            s.close()
        srv.stop()


def test_chat_flood():
    """One client sends 10 MB in one go, far faster than the room can pass it on: the talker
    is paced, so every client that reads gets every line, in order; one that never reads is
    dropped (its connection ends) instead of holding them all up; the talker stays. (10 MB:
    the kernel holds up to 4 MB for a socket before the server has to.)"""
    with start("async_chat_server", "127.0.0.1:0") as srv:
        silent = srv.connect()
        silent.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        readers = [srv.connect() for _ in range(3)]
        talker = srv.connect()
        time.sleep(0.1)  # all in the room
        flood = b"".join(b"%07d " % i + b"y" * 991 + b"\n" for i in range(10000))
        got = [None] * len(readers)

        def read(i):
            try:
                got[i] = recv_exactly(readers[i], len(flood))
            except (OSError, TestFailure) as e:
                got[i] = e

        threads = [threading.Thread(target=read, args=(i,)) for i in range(len(readers))]
        for t in threads:
            t.start()
        talker.sendall(flood)
        for t in threads:
            t.join(4 * TIMEOUT)
        for i, data in enumerate(got):
            check(isinstance(data, bytes), f"reader {i} did not get the flood: {data!r}")
            check(data == flood, f"reader {i} got the flood changed")
        check(closed_by_server(silent, within=TIMEOUT) is not None,
              "the client that never reads was not disconnected")
        srv.check_alive("after a flood")
        talker.sendall(b"still here\n")
        for s in readers:
            check(lines_of(s, 1) == [b"still here"], "the talker was dropped after its flood")
        for s in readers + [talker, silent]:
            s.close()
        srv.stop()


def test_chat_slow_reader():
    """A client that never reads holds the others up for at most a moment (the server waits
    2 s for it to take something), then it is dropped and the room goes on."""
    with start("async_chat_server", "127.0.0.1:0") as srv:
        slow = srv.connect()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        fast, talker = srv.connect(), srv.connect()
        time.sleep(0.1)
        line = b"x" * 1000 + b"\n"
        got = b""
        fast.settimeout(TIMEOUT)
        for _ in range(6000):  # 6 MB through the room (the kernel holds up to 4 MB for slow)
            talker.sendall(line)
            while len(got) < len(line):
                got += fast.recv(65536)
            got = got[len(line):]
        srv.check_alive("with a client that does not read")
        check(closed_by_server(slow, within=TIMEOUT) is not None,
              "the client that never reads was not disconnected")
        for s in (slow, fast, talker):
            s.close()
        srv.stop()


MAX_LINE = 64 * 1024  # async_chat_server's longest line, its newline included


def recv_until(s, end, limit=1 << 20):
    """What `s` receives until `end` is in it (or its stream ends, or `limit` bytes came)."""
    data = b""
    while end not in data and len(data) < limit:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_chat_long_line():
    """A line of 64 kB (its newline included) arrives whole. A client that sends a longer
    one, slowly, while another client talks, is disconnected once it has sent 64 kB of it,
    and none of that line is passed on: the listener gets the other client's lines whole
    and in order, never inside the long one, and the room goes on without the long talker."""
    with start("async_chat_server", "127.0.0.1:0") as srv:
        listener, long_talker, talker = srv.connect(), srv.connect(), srv.connect()
        time.sleep(0.1)  # all three in the room
        longest = b"x" * (MAX_LINE - 1) + b"\n"
        for i in range(0, len(longest), 8192):  # in pieces, as a slow client sends it
            long_talker.sendall(longest[i:i + 8192])
            time.sleep(0.01)
        check(recv_exactly(listener, len(longest)) == longest, "a line of 64 kB did not arrive whole")
        check(recv_exactly(talker, len(longest)) == longest, "a line of 64 kB did not arrive whole")

        short = []
        for i in range(12):  # 96 kB of one line, a short line of another client after each 8 kB
            try:
                long_talker.sendall(b"L" * 8192)
            except OSError:
                pass  # disconnected: what the test expects, after 64 kB
            time.sleep(0.02)
            short.append(b"short line %d\n" % i)
            talker.sendall(short[-1])
        try:
            long_talker.sendall(b"\n")
        except OSError:
            pass
        short.append(b"after the long line\n")
        talker.sendall(short[-1])
        got = recv_until(listener, short[-1])
        for line in got.split(b"\n"):
            check(not (b"L" in line and b"short" in line),
                  f"a short line landed inside the long one: ...{line[-60:]!r}")
        check(b"L" not in got, f"{got.count(b'L')} bytes of the over-long line were passed on")
        check(got == b"".join(short), f"the listener got {got[:200]!r}..., not the short lines in order")
        check(closed_by_server(long_talker, within=TIMEOUT) is not None,
              "the client that sent a line longer than 64 kB was not disconnected")
        srv.check_alive("after a line longer than 64 kB")
        listener.sendall(b"still here\n")
        check(lines_of(talker, 1) == [b"still here"], "the room did not go on after the long line")
        for s in (listener, long_talker, talker):
            s.close()
        srv.stop()


def rss_mb(pid):
    """The resident set of process `pid` now, in MB (VmRSS of /proc/PID/status)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def test_chat_tiny_lines():
    """Five clients each send 36 kB of 6-byte lines to 300 clients that never read and one
    that does: the reader gets every line, whole and each talker's in order; the server
    stays small (a read's lines are one buffer, shared by every listener, not a string per
    line per listener: 300 listeners x 30,000 lines once took 300 MB and more); and with the
    300 still connected it exits within moments of SIGTERM."""
    silent_count, talker_count, lines_each = 300, 5, 6000
    raise_own_limit(silent_count + talker_count + 100)
    with start("async_chat_server", "127.0.0.1:0") as srv:
        silent, reader, talkers = [], None, []
        try:
            silent = [srv.connect() for _ in range(silent_count)]
            reader = srv.connect()
            talkers = [srv.connect() for _ in range(talker_count)]
            time.sleep(0.2)  # all in the room
            floods = [b"".join(b"%c%04d\n" % (ord("a") + t, i % 10000) for i in range(lines_each))
                      for t in range(talker_count)]
            peak = [rss_mb(srv.pid)]
            done = threading.Event()

            def sample():  # the server's peak resident set while the lines go round
                while not done.is_set():
                    try:
                        peak[0] = max(peak[0], rss_mb(srv.pid))
                    except OSError:
                        return
                    time.sleep(0.01)

            def talk(s, flood):
                try:
                    s.sendall(flood)
                except OSError:
                    pass  # the reader's check says what went wrong

            threads = [threading.Thread(target=sample)]
            threads += [threading.Thread(target=talk, args=(s, f)) for s, f in zip(talkers, floods)]
            for t in threads:
                t.start()
            want = sum(len(f) for f in floods)
            got = b""
            try:
                while len(got) < want:
                    chunk = reader.recv(65536)
                    if not chunk:
                        break
                    got += chunk
            except OSError:
                pass
            done.set()
            for t in threads:
                t.join(TIMEOUT)
            check(peak[0] < 100, f"the server's resident set reached {peak[0]:.0f} MB "
                                 f"for {want // 1000} kB of lines to {silent_count} listeners")
            check(len(got) == want, f"the reader got {len(got)} of {want} bytes")
            lines = got.split(b"\n")[:-1]
            check(all(len(line) == 5 for line in lines), "the reader got a line cut or mixed with another")
            for t in range(talker_count):
                mine = [line for line in lines if line[0] == ord("a") + t]
                check(mine == floods[t].split(b"\n")[:-1],
                      f"the reader got talker {t}'s lines changed or out of order")
            srv.check_alive("after the lines went round")
            started = time.monotonic()
            srv.stop()  # the 300 listeners still connected
            took = time.monotonic() - started
            print(f"peak resident set {peak[0]:.0f} MB; exited {took:.2f} s after SIGTERM")
            check(took < 5.0, f"the server took {took:.1f} s to exit after SIGTERM")
        finally:
            for s in silent + talkers + ([reader] if reader else []):
                s.close()


TESTS = {
    "echo_tcp4": test_echo_tcp4, "echo_tcp6": test_echo_tcp6, "echo_unix": test_echo_unix,
    "echo_abstract": test_echo_abstract, "echo_threads": test_echo_threads,
    "echo_socat": test_echo_socat, "echo_descriptor_limit": test_echo_descriptor_limit,
    "echo_many_connections": test_echo_many_connections,
    "http_protocol": test_http_protocol, "http_curl": test_http_curl, "http_wrk": test_http_wrk,
    "http_wrk_10000": test_http_wrk_10000,
    "chat": test_chat, "chat_flood": test_chat_flood, "chat_slow_reader": test_chat_slow_reader,
    "chat_long_line": test_chat_long_line, "chat_tiny_lines": test_chat_tiny_lines,
}


def run_case(case):
    global BACKEND
    name, _, backend = case.rpartition("-")
    BACKEND = backend
    TESTS[name]()


if __name__ == "__main__":
    cases = {f"{name}-{backend}": (lambda n=f"{name}-{backend}": run_case(n))
             for name in TESTS for backend in ("epoll", "io_uring")}
    main(cases)
