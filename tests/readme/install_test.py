#!/usr/bin/env python3
"""The README's install line works for root and for a user with sudo, and installs what
CI (.ci/run) installs.

The README's first ```sh block is run with sh twice, with stand-ins first on PATH for
`id` (saying uid 0, then uid 1000), `sudo` and `apt-get` that only log how they were
called, so nothing is installed and no root is needed. As root it must call apt-get
itself, never sudo (a root shell in a container often has none); as a user, apt-get
through sudo. Either way `apt-get update` comes first (a fresh machine has no package
lists), then one `apt-get install -y` of exactly the packages .ci/run checks for.

    python3 install_test.py <project source dir>
"""

import os
import re
import shlex
import stat
import subprocess
import sys
import tempfile


def fail(text):
    print(f"readme install line: {text}", file=sys.stderr)
    sys.exit(1)


def first_sh_block(readme):
    match = re.search(r"^```sh\n(.*?)^```", readme, re.M | re.S)
    if not match:
        fail("README.md has no ```sh block")
    return match.group(1)


def ci_packages(ci):
    match = re.search(r"^packages=\((.*?)\)", ci, re.M | re.S)
    if not match:
        fail(".ci/run has no packages=( ... ) list")
    return set(match.group(1).split())


def stand_in(directory, name, body):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, stat.S_IRWXU)


def run_as(uid, block, directory):
    log = os.path.join(directory, f"calls-{uid}.log")
    bin_dir = os.path.join(directory, f"bin-{uid}")
    os.mkdir(bin_dir)
    record = f'printf "%s\\n" "$(basename "$0") $*" >> {shlex.quote(log)}\n'
    stand_in(bin_dir, "id", f'[ "$1" = -u ] && {{ echo {uid}; exit 0; }}\nexec /usr/bin/id "$@"\n')
    stand_in(bin_dir, "apt-get", record)
    stand_in(bin_dir, "sudo", record)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run(["sh", "-e", "-c", block], env=env, capture_output=True, text=True,
                          timeout=60)
    if done.returncode != 0:
        fail(f"as uid {uid} the block failed ({done.returncode}): {done.stderr}")
    with open(log) as f:
        return [line.split() for line in f.read().splitlines()]


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "README.md")) as f:
        block = first_sh_block(f.read())
    with open(os.path.join(root, ".ci", "run")) as f:
        wanted = ci_packages(f.read())
    with tempfile.TemporaryDirectory(prefix="berth-readme-install-") as directory:
        for uid, prefix in ((0, []), (1000, ["sudo"])):
            calls = run_as(uid, block, directory)
            if [c[:len(prefix) + 1] for c in calls] != [prefix + ["apt-get"]] * 2:
                fail(f"as uid {uid}: the calls were {calls}, expected two, each "
                     f"{' '.join(prefix + ['apt-get'])}")
            update, install = (c[len(prefix) + 1:] for c in calls)
            if update != ["update"]:
                fail(f"as uid {uid}: the first call is apt-get {' '.join(update)}, not update")
            if install[:2] != ["install", "-y"]:
                fail(f"as uid {uid}: the second call is apt-get {' '.join(install)}")
            packages = set(install[2:])
            if packages != wanted:
                fail(f"the README installs {sorted(packages - wanted)} that .ci/run does not, and"
                     f" misses {sorted(wanted - packages)} that it does")
    print(f"readme install line: as root apt-get update, then install of the {len(wanted)} "
          "packages .ci/run checks for; as a user the same through sudo")
    return 0


if __name__ == "__main__":
    sys.exit(main())
