#!/usr/bin/env python3
"""The README's echo server, run and driven by real clients.

It listens on the fixed port 7000, so it runs in a network namespace of its own that this
script creates (`unshare -n` as root, `unshare -rn` with a user namespace otherwise),
where nothing else can hold the port and nothing outside can reach it. Inside, loopback
is brought up, the server is started, and Python's socket module (and nc, when given)
check that it answers at once, echoes every byte back, serves clients concurrently (a
thread per connection) and closes a connection whose client shut its sending side down.

    python3 echo_test.py <readme_echo_server> [nc=<path>]

Exit status 77 (skipped) only when no network namespace can be made here at all, with
the reason printed.
"""

import fcntl
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading

INSIDE = "--inside-namespace"
ADDRESS = ("127.0.0.1", 7000)  # what the README's code listens on
SKIP = 77


def fail(text):
    print(f"readme echo server: {text}", file=sys.stderr)
    sys.exit(1)


# -- outside: make the namespace ------------------------------------------------------------

def namespace_commands():
    """The unshare invocations to try, the likeliest first."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    plain = [unshare, "--net"]
    with_user = [unshare, "--map-root-user", "--net"]
    return [plain, with_user] if os.geteuid() == 0 else [with_user, plain]


def outside(argv):
    commands = namespace_commands()
    if commands is None:
        print("skipped: no unshare program (util-linux) to make a network namespace with")
        return SKIP
    reasons = []
    for command in commands:
        probe = subprocess.run(command + ["true"], capture_output=True, text=True, timeout=30)
        if probe.returncode == 0:
            print("network namespace:", " ".join(command), flush=True)
            return subprocess.run(command + [sys.executable, __file__, INSIDE] + argv[1:],
                                  timeout=120).returncode
        reasons.append(f"{' '.join(command)}: {probe.stderr.strip() or probe.returncode}")
    print("skipped: no network namespace can be made here, so the fixed port 7000 cannot be"
          " kept private:\n  " + "\n  ".join(reasons))
    return SKIP


# -- inside: run and drive the server -------------------------------------------------------

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def loopback_up():
    """What `ip link set lo up` does: a new namespace's loopback starts down."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH22x", b"lo", 0)  # struct ifreq: name, flags, padding
        flags = struct.unpack("16sH22x", fcntl.ioctl(s, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def connect():
    c = socket.create_connection(ADDRESS, timeout=10)
    c.settimeout(10)
    return c


def echo(c, payload):
    """Sends payload from a thread while reading the echo here (a large payload would fill
    both directions' buffers otherwise), shuts the sending side down, and returns every
    byte read until the server closed."""
    sender = threading.Thread(target=lambda: (c.sendall(payload), c.shutdown(socket.SHUT_WR)))
    sender.start()
    received = bytearray()
    while True:
        chunk = c.recv(65536)
        if not chunk:
            break
        received += chunk
    sender.join()
    return bytes(received)


def inside(argv):
    try:
        return drive(argv)
    except OSError as error:  # a refused connection, a timeout: the server did not answer
        fail(f"{type(error).__name__}: {error}")


def drive(argv):
    server_path = argv[1]
    tools = dict(arg.split("=", 1) for arg in argv[2:])
    loopback_up()
    with socket.socket() as probe:  # a fresh namespace: the port is free before we start
        probe.bind(ADDRESS)

    server = subprocess.Popen([server_path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ready, _, _ = select.select([server.stdout], [], [], 30)
        if not ready:
            fail("no 'listening on' line within 30 s")
        line = server.stdout.readline().decode().strip()
        if line != "listening on 127.0.0.1:7000":
            fail(f"first line {line!r}, expected 'listening on 127.0.0.1:7000'")

        # Two connections at once: the second is served while the first is open and idle.
        idle = connect()
        busy = connect()
        busy.sendall(b"second first\n")
        if busy.recv(64) != b"second first\n":
            fail("the second connection was not echoed while the first was open")
        if echo(idle, b"ping\n") != b"ping\n":
            fail("the first connection was not echoed")
        if echo(busy, b"") != b"":
            fail("bytes after the shutdown on the second connection")
        idle.close()
        busy.close()

        # Every byte of a payload far larger than the server's 4096-byte buffer, from
        # several clients at once.
        payloads = [os.urandom(1 << 20) for _ in range(3)]
        results = [None] * len(payloads)

        def run(i):
            with connect() as c:
                results[i] = echo(c, payloads[i])

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(payloads))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for i, (sent, got) in enumerate(zip(payloads, results)):
            if got != sent:
                fail(f"client {i}: sent {len(sent)} bytes, got {len(got or b'')} back"
                     f"{' (different bytes)' if got and len(got) == len(sent) else ''}")

        # As the README says: `nc 127.0.0.1 7000` (OpenBSD nc; -N ends on end of input).
        if "nc" in tools:
            out = subprocess.run([tools["nc"], "-N", "127.0.0.1", "7000"],
                                 input=b"hello from nc\n", capture_output=True, timeout=30)
            if out.returncode != 0 or out.stdout != b"hello from nc\n":
                fail(f"nc got {out.stdout!r} (exit {out.returncode}): {out.stderr!r}")

        if server.poll() is not None:
            fail(f"the server exited ({server.returncode}): {server.stderr.read().decode()}")
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)  # the README's server runs until killed
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        errors = server.stderr.read().decode()
        server.stdout.close()
        server.stderr.close()
    if server.returncode != -signal.SIGTERM or errors:
        fail(f"the server ended with {server.returncode}, not by SIGTERM; stderr: {errors!r}")
    print("readme echo server: listened on 127.0.0.1:7000, echoed concurrent clients"
          f"{' and nc' if 'nc' in tools else ''}, and stopped on SIGTERM")
    return 0


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == INSIDE:
        return inside(sys.argv[1:])
    if len(sys.argv) < 2:
        fail("usage: echo_test.py <readme_echo_server> [nc=<path>]")
    return outside(sys.argv)


if __name__ == "__main__":
    sys.exit(main())
