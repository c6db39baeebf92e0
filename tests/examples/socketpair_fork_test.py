#!/usr/bin/env python3
"""socketpair_fork: both exchanges complete, message boundaries hold over seqpacket, and
both children exit with status 0 and are waited for."""

from harness import check, main, program, run

EXPECTED = """\
stream: sent "hello from the parent", then shut down the sending side
stream: received "HELLO FROM THE PARENT"
stream: the child exited with status 0
seqpacket: sent "one", "two", "three"
seqpacket: received message 1 was "one" (3 bytes)
seqpacket: received message 2 was "two" (3 bytes)
seqpacket: received message 3 was "three" (5 bytes)
seqpacket: the child exited with status 0
"""


def test_run():
    for _ in range(3):  # the children's timing differs from run to run; the output must not
        status, out, err = run([program("socketpair_fork")])
        check(status == 0, f"status {status}; stderr {err!r}")
        check(err == "", f"stderr {err!r}")
        check(out.decode() == EXPECTED, f"output:\n{out.decode()}")


if __name__ == "__main__":
    main({"run": test_run})
