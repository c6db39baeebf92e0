#!/usr/bin/env python3
"""http_hello, driven by curl, wrk and raw HTTP from Python's socket module, in the
thread-per-connection and the --fork modes."""

import os
import re
import resource
import signal
import socket
import threading
import time

from harness import (SPINNING, TIMEOUT, Server, Skip, TestFailure, abstract_name, check, children_of,
                     closed_by_server, connection_refused, cpu_share, descriptors, main,
                     one_line_error, program, recv_to_end, require_ipv6, run, sockets_of,
                     temp_path, wait_until)

HELLO = b"Hello, world!"


def server(endpoint, *flags, **options):
    return Server([program("http_hello"), "--listen", endpoint, *flags], **options)


def url(srv, path="/"):
    host = srv.endpoint if srv.family != socket.AF_UNIX else "localhost"
    return f"http://{host}{path}"


# ---- reading responses the way a client does --------------------------------------------

class Reader:
    """Reads HTTP/1.1 responses from a socket, one at a time, by their Content-Length."""

    def __init__(self, s):
        self.s = s
        self.buffer = b""

    def _fill(self):
        chunk = self.s.recv(65536)
        check(chunk, f"the server closed the connection; unread: {self.buffer!r}")
        self.buffer += chunk

    def response(self, head_only=False):
        """(status line, {lower-case header: value}, body)."""
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = 0 if head_only else int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return lines[0], headers, body

    def at_end(self):
        """Whether the server closed the connection with nothing more to read."""
        return self.buffer == b"" and recv_to_end(self.s) == b""


def check_hello(response, closing=False):
    status, headers, body = response
    check(status == "HTTP/1.1 200 OK", f"status line {status!r}")
    check(headers.get("content-length") == "13", f"headers {headers}")
    check(body == HELLO, f"body {body!r}")
    if closing:
        check(headers.get("connection", "").lower() == "close", f"no 'Connection: close' in {headers}")


# ---- curl -------------------------------------------------------------------------------

def curl(*args):
    status, out, err = run([program("curl"), "-sS", *args])
    check(status == 0, f"curl {' '.join(args)}: status {status}: {err}")
    return out.decode(errors="replace"), err


def check_curl_hello(target_args):
    out, _ = curl("-i", *target_args)
    head, _, body = out.partition("\r\n\r\n")
    lines = head.split("\r\n")
    check(lines[0] == "HTTP/1.1 200 OK", f"status line {lines[0]!r}")
    check("Content-Length: 13" in lines, f"no 'Content-Length: 13' in {lines}")
    check(body == "Hello, world!", f"body {body!r}")


def test_curl():
    with server("127.0.0.1:0") as srv:
        u = url(srv)
        check_curl_hello([u])

        # Two requests, one connection: curl reuses it because the server kept it open.
        out, err = curl("-v", u, url(srv, "/second"))
        check(out == "Hello, world!" * 2, f"two bodies expected, got {out!r}")
        check("Re-using existing connection" in err, "HTTP/1.1 connection not kept alive")

        # HTTP/1.0: the server closes after each response, and says so.
        out, err = curl("-v", "--http1.0", u, u)
        check(out == "Hello, world!" * 2, f"HTTP/1.0: {out!r}")
        check("< Connection: close" in err, "HTTP/1.0 without keep-alive: no 'Connection: close'")
        check("Re-using existing connection" not in err, "HTTP/1.0 connection reused")

        # Asked to close: "Connection: close" and a new connection for the next request.
        out, err = curl("-v", "-H", "Connection: close", u, u)
        check("< Connection: close" in err and "Re-using existing connection" not in err,
              "'Connection: close' request not honoured")

        # HEAD: the headers alone.
        out, _ = curl("-I", u)
        check(out.startswith("HTTP/1.1 200 OK\r\n") and "Content-Length: 13\r\n" in out
              and HELLO.decode() not in out, f"HEAD: {out!r}")

        # POST bodies are skipped, and the connection reused.
        out, err = curl("-v", "-d", "name=value&more=x", u, url(srv, "/again"))
        check(out == "Hello, world!" * 2, f"POST: {out!r}")
        check("Re-using existing connection" in err, "connection not reused after a POST body")
        srv.stop()


def test_curl_unix():
    path = temp_path("http.sock")
    with server(path) as srv:
        check_curl_hello(["--unix-socket", path, url(srv)])
        srv.stop(signal.SIGINT)
    name = abstract_name()
    with server(name) as srv:
        check_curl_hello(["--abstract-unix-socket", name[1:], url(srv)])
        srv.stop()


def test_curl_ipv6():
    require_ipv6()
    with server("[::1]:0") as srv:
        check_curl_hello(["-g", url(srv)])
        srv.stop()


# ---- HTTP from Python: pipelining, split heads, keep-alive rules, limits -----------------

def check_body_framing(srv):
    """Where one request ends and the next begins, the part of HTTP that request smuggling
    attacks: a chunked body the server does not read, and Content-Lengths that disagree.
    Shared by http_hello and async_http_hello."""
    get = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"

    # A chunked body is not read, so the request is the connection's last, even when it
    # asks to be kept alive after saying so: answered, closed, and its body (which looks
    # like a request) never taken for one.
    with srv.connect() as s:
        s.sendall(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
                  b"1a\r\n" + get[:-2] + b"\r\n0\r\n\r\n" + get)
        r = Reader(s)
        check_hello(r.response(), closing=True)
        rest = closed_by_server(s)
        check(rest == b"" and r.buffer == b"",
              f"chunked body: a second answer or no end of stream: {r.buffer!r} {rest!r}")

    # The same, with a large body the server never reads: the answer still arrives whole
    # and the connection ends. (The servers read and drop what follows before they close,
    # since a close with unread bytes sends a reset; on loopback Linux still delivers the
    # answer queued before a reset, so this checks the answer and the end, not the drain.)
    with srv.connect() as s:
        s.sendall(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        s.sendall((b"1000\r\n" + b"z" * 4096 + b"\r\n") * 64)
        r = Reader(s)
        check_hello(r.response(), closing=True)
        check(closed_by_server(s) == b"", "large unread chunked body: no clean end of stream")

    # Two Content-Lengths that differ: 400, closed.
    with srv.connect() as s:
        s.sendall(b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 16\r\n\r\nabcde" + get)
        r = Reader(s)
        status, _, _ = r.response()
        check(status.startswith("HTTP/1.1 400"), f"two different Content-Lengths: {status!r}")
        check(closed_by_server(s) == b"" and r.buffer == b"", "two Content-Lengths: not closed after 400")

    # The same Content-Length twice is one length: the body is skipped, the next request read.
    with srv.connect() as s:
        s.sendall(b"POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\nabcde" + get)
        r = Reader(s)
        check_hello(r.response())
        check_hello(r.response())


def test_protocol():
    with server("127.0.0.1:0") as srv:
        get = b"GET / HTTP/1.1\r\nHost: test\r\n\r\n"

        # Three requests in one send (pipelined): three responses, in order.
        with srv.connect() as s:
            s.sendall(get * 3)
            r = Reader(s)
            for _ in range(3):
                check_hello(r.response())

        # A head that arrives in pieces, byte by byte at the end.
        with srv.connect() as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for piece in [b"GE", b"T /split HT", b"TP/1.1\r\nHost: te", b"st\r\n\r"]:
                s.sendall(piece)
                time.sleep(0.02)
            s.sendall(b"\n")
            check_hello(Reader(s).response())

        # HTTP/1.0 closes unless asked to keep the connection open.
        with srv.connect() as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            r = Reader(s)
            check_hello(r.response(), closing=True)
            check(r.at_end(), "HTTP/1.0: connection not closed after the response")
        with srv.connect() as s:
            r = Reader(s)
            for _ in range(2):
                s.sendall(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
                response = r.response()
                check_hello(response)
                check(response[1].get("connection", "").lower() == "keep-alive",
                      f"HTTP/1.0 keep-alive not confirmed: {response[1]}")

        # HTTP/1.1 with "Connection: close": the response, then the end of the stream.
        with srv.connect() as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            r = Reader(s)
            check_hello(r.response(), closing=True)
            check(r.at_end(), "'Connection: close': connection not closed")

        # HEAD sends no body: the GET after it on the same connection reads cleanly.
        with srv.connect() as s:
            s.sendall(b"HEAD / HTTP/1.1\r\n\r\n" + get)
            r = Reader(s)
            status, headers, body = r.response(head_only=True)
            check(status == "HTTP/1.1 200 OK" and headers.get("content-length") == "13", status)
            check_hello(r.response())

        # A request body (Content-Length) is skipped, even when it arrives with the next
        # request, and even when it looks like a head: read as one, it would get a 400.
        with srv.connect() as s:
            body = b"not a request\r\n\r\n" * 1000
            s.sendall(b"POST /form HTTP/1.1\r\nContent-Length: %d\r\n\r\n" % len(body) + body + get)
            r = Reader(s)
            check_hello(r.response())
            check_hello(r.response())

        check_body_framing(srv)

        # Bare newlines, as typed into nc.
        with srv.connect() as s:
            s.sendall(b"GET / HTTP/1.1\nHost: x\n\n")
            check_hello(Reader(s).response())

        # A head over 8 KiB: 431, then the connection closes.
        with srv.connect() as s:
            s.sendall(b"GET / HTTP/1.1\r\n" + b"X-Filler: " + b"a" * 9000 + b"\r\n")
            r = Reader(s)
            status, headers, _ = r.response()
            check(status.startswith("HTTP/1.1 431"), f"oversized head: {status!r}")
            check(r.at_end(), "oversized head: connection not closed")

        # Not HTTP: 400, then the connection closes.
        with srv.connect() as s:
            s.sendall(b"hello there\r\n\r\n")
            r = Reader(s)
            status, _, _ = r.response()
            check(status.startswith("HTTP/1.1 400"), f"garbage: {status!r}")
            check(r.at_end(), "garbage: connection not closed")

        # Twenty keep-alive clients at once, five requests each.
        errors = []

        def client(i):
            try:
                with srv.connect() as s:
                    r = Reader(s)
                    for _ in range(5):
                        s.sendall(get)
                        check_hello(r.response())
            except Exception as e:  # noqa: BLE001 (reported below)
                errors.append(f"client {i}: {e!r}")

        threads = [threading.Thread(target=client, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT)
        check(not errors, "; ".join(errors))

        # An idle keep-alive connection does not keep the server from stopping.
        idle = srv.connect()
        idle.sendall(get)
        check_hello(Reader(idle).response())
        srv.stop()
        idle.close()


# ---- wrk --------------------------------------------------------------------------------

def load(srv, seconds=2):
    """A few seconds of wrk; checks it counted requests, no socket errors, no non-2xx."""
    status, out, err = run([program("wrk"), "-t2", "-c16", f"-d{seconds}s", "--timeout", "5s",
                            url(srv)], timeout=seconds + TIMEOUT)
    text = out.decode(errors="replace")
    check(status == 0, f"wrk: status {status}: {err}{text}")
    done = re.search(r"(\d+) requests in", text)
    check(done and int(done.group(1)) > 0, f"wrk made no requests:\n{text}")
    check("Socket errors" not in text, f"wrk saw socket errors:\n{text}")
    check("Non-2xx" not in text, f"wrk saw non-2xx responses:\n{text}")
    print(text)


def no_children_left(srv):
    """Waits until every child of the server exited and was reaped: none left, zombie or not."""
    def none_left():
        return not children_of(srv.pid)
    try:
        wait_until(none_left, "reaped")
    except TestFailure:
        raise TestFailure(f"children of the server left: {children_of(srv.pid)} (Z = zombie)")


def test_wrk():
    with server("127.0.0.1:0") as srv:
        load(srv)
        srv.stop()


def test_wrk_fork():
    with server("127.0.0.1:0", "--fork") as srv:
        load(srv)
        no_children_left(srv)
        srv.stop()


# ---- --fork: a process per connection ---------------------------------------------------

def test_fork():
    with server("127.0.0.1:0", "--fork") as srv:
        get = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        # One open keep-alive connection: one child serving it.
        held = srv.connect()
        held.sendall(get)
        held_reader = Reader(held)
        check_hello(held_reader.response())
        wait_until(lambda: len(children_of(srv.pid)) == 1, "one child for one connection")
        child = next(iter(children_of(srv.pid)))

        # The child holds the connection and nothing else of the parent's: not the listening
        # socket (else the port would stay open after the server stops), not the signalfd.
        child_sockets = sockets_of(child)
        parent_sockets = sockets_of(srv.pid)
        check(len(parent_sockets) == 1,
              f"the parent kept a connection it handed over: {descriptors(srv.pid)}")
        check(len(child_sockets) == 1, f"the child has {len(child_sockets)} sockets: {descriptors(child)}")
        check(not child_sockets & parent_sockets,
              f"the child kept the parent's listening socket: {descriptors(child)}")
        check(not any("signalfd" in t for t in descriptors(child).values()),
              f"the child kept the parent's signalfd: {descriptors(child)}")

        # Thirty short connections: all answered, all children reaped (no zombies).
        for _ in range(30):
            with srv.connect() as s:
                s.sendall(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
                r = Reader(s)
                check_hello(r.response(), closing=True)
                check(r.at_end(), "'Connection: close' in --fork mode: not closed")
        wait_until(lambda: list(children_of(srv.pid)) == [child],
                   f"only the held connection's child left (children: {children_of(srv.pid)})")

        # The held connection still works, and its child exits once it closes.
        held.sendall(get)
        check_hello(held_reader.response())
        held.close()
        no_children_left(srv)

        # Stopped, the server leaves nothing listening: no child kept the port open.
        address = srv.address
        srv.stop()
        check(connection_refused(socket.AF_INET, address), "the port still accepts after the stop")


def test_fork_unix():
    """A child must not run the parent's clean-up: the socket file stays while the parent
    runs, however many children have exited, and goes when the parent stops."""
    path = temp_path("fork.sock")
    with server(path, "--fork") as srv:
        for _ in range(3):
            check_curl_hello(["--unix-socket", path, url(srv)])
            no_children_left(srv)
            check(os.path.exists(path), f"{path} removed by an exiting child")
        srv.stop()  # checks that the file is gone now


# ---- under pressure: no thread or process can start ------------------------------------

GET = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"


def test_thread_limit():
    """No thread (or, with --fork, no process) can start for the server's user: each new
    connection is closed at once and said so on stderr, the connections being served go on,
    no descriptor leaks, and new clients are served again once the limit is lifted."""
    for flags in [[], ["--fork"]]:
        with server("127.0.0.1:0", *flags, unprivileged=True) as srv:
            live = [srv.connect() for _ in range(3)]
            readers = [Reader(s) for s in live]
            for s, r in zip(live, readers):
                s.sendall(GET)
                check_hello(r.response())
            if flags:
                wait_until(lambda: len(children_of(srv.pid)) == len(live),
                           "one child per connection")
            before = descriptors(srv.pid)

            srv.set_soft_limit(resource.RLIMIT_NPROC, 1)
            refused = 5
            for i in range(refused):
                with srv.connect() as s:
                    s.sendall(GET)
                    check(closed_by_server(s) is not None,
                          f"{flags}: connection {i} under the limit neither served nor closed")
                srv.check_alive(f"{flags}: under the thread and process limit")
            for s, r in zip(live, readers):
                s.sendall(GET)
                check_hello(r.response())
            wait_until(lambda: srv.stderr.data.count(b"\n") >= refused,
                       "a stderr line per closed connection")
            lines = srv.stderr.data.decode(errors="replace").splitlines()
            check(all(line.startswith("http_hello: ") for line in lines), f"stderr: {lines!r}")
            wait_until(lambda: descriptors(srv.pid).keys() == before.keys(),
                       f"{flags}: back to its descriptors "
                       f"(before: {before}, now: {descriptors(srv.pid)})")

            srv.set_soft_limit(resource.RLIMIT_NPROC, None)
            with srv.connect() as s:
                s.sendall(GET)
                check_hello(Reader(s).response())
            for s, r in zip(live, readers):
                s.sendall(GET)
                check_hello(r.response())
                s.close()
            if flags:
                no_children_left(srv)
            srv.stop()


# ---- under pressure: out of descriptors --------------------------------------------------

def answered_or_closed(s, request=GET):
    """'answered' when `request` on `s` gets Hello, world!, 'refused' when it gets a 503,
    'closed' when the server closed the connection instead; fails when none of these
    happens within 5 s (a client left waiting)."""
    try:
        s.sendall(request)
        s.settimeout(5.0)
        first = s.recv(65536)
    except (ConnectionResetError, BrokenPipeError):
        return "closed"
    except socket.timeout:
        raise TestFailure("a client was neither answered nor closed within 5 s")
    if not first:
        return "closed"
    s.settimeout(TIMEOUT)
    r = Reader(s)
    r.buffer = first
    response = r.response()
    if response[0].startswith("HTTP/1.1 503 "):
        return "refused"  # over --max-connections
    check_hello(response)
    return "answered"


def test_descriptor_limit():
    """At a limit of 32 descriptors, 60 keep-alive clients: the server stays up and keeps
    answering the first 20; of the 40 after them, those without a descriptor are closed at
    once instead of waiting; it does not spin; it answers new clients once clients leave."""
    with server("127.0.0.1:0", limits={resource.RLIMIT_NOFILE: 32}) as srv:
        first = [srv.connect() for _ in range(20)]
        readers = [Reader(s) for s in first]
        for s, r in zip(first, readers):
            s.sendall(GET)
            check_hello(r.response())
        more = [srv.connect() for _ in range(40)]
        share = cpu_share(srv)
        srv.check_alive("at its descriptor limit")
        check(share < SPINNING, f"the server used {share:.0%} of a core while clients waited "
                                f"beyond its descriptor limit: it spins")
        outcomes = [answered_or_closed(s) for s in more]
        check(outcomes.count("closed") > 0, f"60 clients at 32 descriptors, none closed: {outcomes}")
        srv.check_alive("after closing the clients it had no descriptor for")
        for s, r in zip(first, readers):
            s.sendall(GET * 3)
            for _ in range(3):
                check_hello(r.response())
        err = srv.stderr.data.decode(errors="replace")
        check("Too many open files" in err, f"nothing said on stderr: {err!r}")
        for s in first + more:
            s.close()

        def answered():
            with srv.connect() as s:
                return answered_or_closed(s) == "answered"
        wait_until(answered, "answering new clients again")
        srv.stop()


# ---- limits: slow clients, idle clients, too many clients --------------------------------

def trickle(s, data, interval, give_up):
    """Sends `data` one byte every `interval` seconds until the server closes the connection
    (or answers): (seconds from the first byte until then, what the server sent). Fails if
    the connection is still open after `give_up` seconds, or once all of `data` went out."""
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    start = time.monotonic()
    for i in range(len(data)):
        try:
            s.sendall(data[i:i + 1])
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - start, b""
        answer = closed_by_server(s, within=interval)
        if answer is not None:
            return time.monotonic() - start, answer
        check(time.monotonic() - start < give_up,
              f"sending a byte every {interval} s: still open after {give_up} s ({i + 1} bytes)")
    raise TestFailure(f"all {len(data)} bytes sent, one every {interval} s, and still open")


SLOW_HEAD = b"GET /slow HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 40 + b"\r\n\r\n"


def check_timed_out(elapsed, answer, limit, what):
    """The server ended a request that took too long: after `limit` seconds (not before),
    promptly (a generous bound), with a 408 or nothing."""
    check(answer == b"" or answer.startswith(b"HTTP/1.1 408 "), f"{what}: answered {answer!r}")
    check(limit * 0.75 <= elapsed <= limit + 4, f"{what}: ended {elapsed:.1f} s after its first "
                                                  f"byte, for a {limit} s limit")


def test_slow_requests():
    """--request-timeout 2: a request that trickles in (a byte every 0.5 s, each of which
    would reset a plain receive timeout) is ended 2 s after its first byte, with a 408, in
    both modes; so is a body that trickles, and blank lines sent to hold the connection.
    --idle-timeout 1: a silent keep-alive connection is closed after 1 s, one that is quiet
    for less is still served. Other clients are served meanwhile."""
    for flags in [[], ["--fork"]]:
        with server("127.0.0.1:0", "--request-timeout", "2", "--idle-timeout", "1", *flags) as srv:
            with srv.connect() as slow:
                elapsed, answer = trickle(slow, SLOW_HEAD, 0.5, give_up=2 + 4)
                check_timed_out(elapsed, answer, 2, f"{flags} a head a byte every 0.5 s")
                check(answer.startswith(b"HTTP/1.1 408 "), f"{flags}: a slow head got {answer!r}")
            with srv.connect() as s:
                check(answered_or_closed(s) == "answered", f"{flags}: not answered after it")
            if flags:
                srv.stop()
                continue

            # A body that trickles: the head is answered, then the connection ends 2 s after
            # the request's first byte.
            with srv.connect() as s:
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                start = time.monotonic()
                s.sendall(b"POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n")
                r = Reader(s)
                check_hello(r.response())
                waited = time.monotonic() - start
                elapsed, _ = trickle(s, b"b" * 100, 0.5, give_up=2 + 4)
                check_timed_out(elapsed + waited, b"", 2, "a body a byte every 0.5 s")

            # Blank lines, which a server skips before a request, do not hold it either.
            with srv.connect() as s:
                s.sendall(GET)
                check_hello(Reader(s).response())
                elapsed, answer = trickle(s, b"\r\n" * 20, 0.5, give_up=2 + 4)
                check(elapsed <= 2 + 4, f"blank lines held the connection {elapsed:.1f} s")

            # Idle between requests: closed after 1 s; quiet for 0.3 s is fine.
            with srv.connect() as s:
                r = Reader(s)
                s.sendall(GET)
                check_hello(r.response())
                time.sleep(0.3)
                s.sendall(GET)
                check_hello(r.response())
                start = time.monotonic()
                check(closed_by_server(s, within=1 + 4) == b"", "an idle connection was not closed")
                idle = time.monotonic() - start
                check(0.75 <= idle, f"an idle connection closed after {idle:.2f} s, limit 1 s")
            srv.stop()


def test_request_timeout_default():
    """Without options, a request whose head trickles in (a byte every 2 s, well inside the
    idle limit) is ended 10 s after its first byte: before, every byte restarted a 30 s
    receive timeout and one byte every 29 s held a thread for ever."""
    with server("127.0.0.1:0") as srv:
        with srv.connect() as slow:
            elapsed, answer = trickle(slow, SLOW_HEAD, 2.0, give_up=10 + 4)
            check_timed_out(elapsed, answer, 10, "a head a byte every 2 s")
        srv.stop()


def test_max_connections():
    """--max-connections 4: four keep-alive clients are served; a fifth gets a 503 at once
    and is closed; the four go on; once one leaves, a new client is served again. The same
    with --fork, where the limit counts the children."""
    for flags in [[], ["--fork"]]:
        with server("127.0.0.1:0", "--max-connections", "4", *flags) as srv:
            held = [srv.connect() for _ in range(4)]
            readers = [Reader(s) for s in held]
            for s, r in zip(held, readers):
                s.sendall(GET)
                check_hello(r.response())
            for _ in range(3):
                with srv.connect() as extra:
                    start = time.monotonic()
                    extra.sendall(GET)
                    answer = closed_by_server(extra, within=5.0)
                    check(answer is not None, f"{flags}: a fifth client neither refused nor closed")
                    check(answer.startswith(b"HTTP/1.1 503 "), f"{flags}: the fifth got {answer!r}")
                    check(time.monotonic() - start < 5, f"{flags}: the 503 took too long")
            for s, r in zip(held, readers):
                s.sendall(GET)
                check_hello(r.response())
            held.pop().close()

            def answered():
                with srv.connect() as s:
                    return answered_or_closed(s) == "answered"
            wait_until(answered, f"{flags}: serving again after a client left")
            for s in held:
                s.close()
            srv.stop()


def test_options():
    """Limits on the command line: a bad value is a usage error that names the option."""
    http_hello = program("http_hello")
    for option, value in [("--max-connections", "0"), ("--max-connections", "-3"),
                          ("--max-connections", "many"), ("--max-connections", "4x"),
                          ("--request-timeout", "0"), ("--request-timeout", "-1"),
                          ("--request-timeout", "soon"), ("--request-timeout", "nan"),
                          ("--request-timeout", "inf"), ("--idle-timeout", "1e300"),
                          ("--idle-timeout", "")]:
        status, out, err = run([http_hello, "--listen", "127.0.0.1:0", option, value])
        check(status == 2 and out == b"", f"{option} {value!r}: status {status}, stdout {out!r}")
        one_line_error(err, "http_hello:", option)
    status, _, err = run([http_hello, "--help"])
    check(status == 0, f"--help: status {status}")
    with server("127.0.0.1:0", "--max-connections", "1", "--request-timeout", "0.5",
                "--idle-timeout", "30") as srv:
        with srv.connect() as s:
            check(answered_or_closed(s) == "answered", "not answered with every limit given")
        srv.stop()


def test_gather():
    """Each answer is one gather write: one sendmsg (MSG_NOSIGNAL) of two buffers, the head
    and the body (empty for HEAD), as strace shows them; nothing else writes an answer."""
    strace = program("strace")
    status, _, err = run([strace, "-o", os.devnull, "true"])
    if status != 0:
        raise Skip(f"strace cannot trace here: {err.strip()}")
    log = temp_path("sends.log")
    argv = [strace, "-f", "-o", log, "-s", "64", "-e", "trace=sendmsg,sendto,write,writev",
            program("http_hello"), "--listen", "127.0.0.1:0"]
    no_leak_check = os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"  # LSan cannot run under ptrace
    with Server(argv, env={"ASAN_OPTIONS": no_leak_check}) as srv:
        wait_until(lambda: len(children_of(srv.pid)) == 1, "http_hello started by strace")
        traced = next(iter(children_of(srv.pid)))
        with srv.connect() as s:
            r = Reader(s)
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 2 + b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
            check_hello(r.response())
            check_hello(r.response())
            status_line, headers, _ = r.response(head_only=True)
            check(status_line == "HTTP/1.1 200 OK", f"HEAD: {status_line!r}")
        os.kill(traced, signal.SIGTERM)
        check(srv.process.wait(TIMEOUT) == 0, f"http_hello under strace: stderr {srv.stderr.text()!r}")
    with open(log) as f:
        calls = [line for line in f if "HTTP/1.1 200" in line]
    check(len(calls) == 3, f"{len(calls)} calls carried an answer, expected 3: {calls}")
    for line in calls:
        check("sendmsg(" in line and "msg_iovlen=2" in line and "MSG_NOSIGNAL" in line,
              f"not one gather sendmsg of two buffers: {line!r}")
    check(sum('"Hello, world!"' in line for line in calls) == 2, f"the bodies: {calls}")
    check(sum("iov_len=0}]" in line for line in calls) == 1, f"HEAD's empty body: {calls}")


if __name__ == "__main__":
    main({
        "curl": test_curl,
        "curl_unix": test_curl_unix,
        "curl_ipv6": test_curl_ipv6,
        "protocol": test_protocol,
        "wrk": test_wrk,
        "wrk_fork": test_wrk_fork,
        "fork": test_fork,
        "fork_unix": test_fork_unix,
        "thread_limit": test_thread_limit,
        "descriptor_limit": test_descriptor_limit,
        "slow_requests": test_slow_requests,
        "request_timeout_default": test_request_timeout_default,
        "max_connections": test_max_connections,
        "options": test_options,
        "gather": test_gather,
    })
