#!/usr/bin/env python3
"""step_by_step, walked through as the tutorial does: Enter before each step, and between
steps the socket is looked at with ss and /proc and poked with a Python client."""

import errno
import os
import re
import signal
import socket
import subprocess
import time

from harness import (TIMEOUT, Server, TestFailure, abstract_name, check, connection_refused,
                     is_socket_file, main, program, read_line, recv_to_end, sockets_of,
                     temp_path)


class Walk:
    """step_by_step with a pipe on stdin: each Enter is one step."""

    def __init__(self, endpoint):
        self.process = subprocess.Popen([program("step_by_step"), "--listen", endpoint],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        self.pid = self.process.pid

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(TIMEOUT)

    def prompt(self, step):
        """Reads stderr up to the prompt of `step` ("3." ...); returns what was said before it."""
        said = []
        deadline = time.monotonic() + TIMEOUT
        while True:
            line = read_line(self.process.stderr.fileno(), deadline)
            check(line, f"stderr ended before the prompt for step {step}: {said}")
            if line.endswith("[press Enter]\n"):
                check(line.startswith(step), f"expected step {step}, got {line!r}")
                return "".join(said)
            said.append(line)

    def enter(self):
        self.process.stdin.write(b"\n")
        self.process.stdin.flush()

    def stdout_line(self):
        return read_line(self.process.stdout.fileno(), time.monotonic() + TIMEOUT).rstrip("\n")

    def exit_status(self):
        try:
            return self.process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            raise TestFailure(f"step_by_step still running {TIMEOUT} s after its last step")


def ss(*args):
    done = subprocess.run([program("ss"), "-H", *args], capture_output=True, text=True, timeout=TIMEOUT)
    check(done.returncode == 0, f"ss {args}: {done.stderr}")
    return done.stdout


def test_inet():
    with Walk("127.0.0.1:0") as walk:
        walk.prompt("1.")
        check(sockets_of(walk.pid) == set(), "a socket exists before step 1")
        walk.enter()

        said = walk.prompt("2.")
        check(len(sockets_of(walk.pid)) == 1, "step 1 did not make one socket")
        check(re.search(r"descriptor \d+", said), f"step 1 said: {said!r}")
        walk.enter()

        said = walk.prompt("3.")
        bound = re.search(r"bound to 127\.0\.0\.1:(\d+)", said)
        check(bound and bound.group(1) != "0", f"step 2 said: {said!r}")
        port = int(bound.group(1))
        address = ("127.0.0.1", port)
        # Bound, not listening: the port is taken, yet nobody can connect.
        with socket.socket() as other:
            try:
                other.bind(address)
                raise TestFailure("a second socket could bind the port after step 2")
            except OSError as e:
                check(e.errno == errno.EADDRINUSE, f"second bind: {e}")
        check(ss("-ltn", f"sport = :{port}") == "", "LISTEN before listen()")
        check(connection_refused(socket.AF_INET, address), "a connect succeeded before listen()")
        walk.enter()

        check(walk.stdout_line() == f"listening on 127.0.0.1:{port}", "step 3: no 'listening on'")
        walk.prompt("4.")
        check("LISTEN" in ss("-ltn", f"sport = :{port}"), "ss shows no LISTEN after listen()")
        client = socket.create_connection(address, timeout=TIMEOUT)  # queued before accept()
        with client:
            walk.enter()
            peer = "127.0.0.1:%d" % client.getsockname()[1]
            check(walk.stdout_line() == f"accepted a connection from {peer}", "step 4: wrong peer")
            walk.prompt("5.")
            check("ESTAB" in ss("-tn", f"sport = :{port}"), "ss shows no ESTAB after accept()")
            walk.enter()

            client.sendall(b"hello\n")
            check(walk.stdout_line() == "received 6 bytes: hello", "step 5: wrong bytes received")
            check(client.recv(100) == b"hello\n", "step 5: not echoed")
            walk.prompt("6.")
            walk.enter()
            check(recv_to_end(client) == b"", "step 6: the connection was not closed")
        check(walk.exit_status() == 0, f"exit status {walk.process.returncode}")
        check(ss("-ltn", f"sport = :{port}") == "", "still LISTEN after close()")


def test_unix():
    path = temp_path("step.sock")
    with Walk(path) as walk:
        walk.prompt("1.")
        walk.enter()
        walk.prompt("2.")
        check(not os.path.exists(path), "the file exists before bind()")
        walk.enter()
        walk.prompt("3.")
        check(is_socket_file(path), "bind() made no socket file")
        state = ss("-xa", "src", path)  # a bound unix socket that does not listen yet
        check("UNCONN" in state and "LISTEN" not in state, f"after bind(), ss -xa shows {state!r}")
        walk.enter()
        check(walk.stdout_line() == f"listening on {path}", "step 3: no 'listening on'")
        walk.prompt("4.")
        check("LISTEN" in ss("-xl", "src", path), "ss -xl shows no LISTEN after listen()")
        with socket.socket(socket.AF_UNIX) as client:
            client.settimeout(TIMEOUT)
            client.connect(path)
            walk.enter()
            check(walk.stdout_line() == "accepted a connection from an unnamed unix socket",
                  "step 4: wrong peer")
            walk.prompt("5.")
            # Stopped while it waits for Enter: exit status 0, and the file removed.
            walk.process.send_signal(signal.SIGTERM)
            check(walk.exit_status() == 0, f"SIGTERM: exit status {walk.process.returncode}")
            check(recv_to_end(client) == b"", "the connection was not closed at exit")
        check(not os.path.exists(path), f"{path} left behind")


def test_without_pauses():
    """With stdin at its end, the steps follow one another: it serves one client."""
    name = abstract_name()
    with Server([program("step_by_step"), "--listen", name]) as srv:
        check(srv.endpoint == name, srv.endpoint)
        with srv.connect() as client:
            client.sendall(b"ping")
            check(client.recv(100) == b"ping", "not echoed")
            check(recv_to_end(client) == b"", "not closed")
        check(srv.process.wait(TIMEOUT) == 0, f"exit status {srv.process.returncode}")
    with Server([program("step_by_step"), "--listen", "127.0.0.1:0"]) as srv:
        srv.stop(signal.SIGINT)  # while it waits in accept()


if __name__ == "__main__":
    main({"inet": test_inet, "unix": test_unix, "without_pauses": test_without_pauses})
