#!/usr/bin/env python3
"""docs/integration.md's snippets, run as they are written, so the page cannot drift.

Every fenced block with a language (cmake, sh, make, ini, ...) must be marked on the line
before it with `<!-- doc-test: NAME -->`, NAME one of the checks below (CHECKS), or with
`<!-- doc-test: skip (why) -->`. An unmarked block, a mark without a check, or a check
whose block is gone fails the test. Each check works in a fresh directory of its own
under --work, with these stand-ins for what the page leaves to the reader:

  /path/to/berth   --repository: a clone (branch main) of a snapshot of the working tree
  /opt/berth       <work>/opt/berth, the prefix the install block fills
  berth            (a relative path, in `cmake -S berth`) a link to the same clone
  main.cpp         --main: a round trip over a socketpair, which must exit 0
  third_party/     a link to the clone, for add_subdirectory

and with the build's compiler, flags, generator and build type passed on through CXX,
CXXFLAGS, CMAKE_GENERATOR and CMAKE_BUILD_TYPE, and a `c++` first on PATH that is that
compiler with those flags. Nothing is downloaded; git clones only the local clone.

    python3 integration_doc.py --doc docs/integration.md --work DIR --repository DIR
        --main FILE --cxx COMPILER --cxx-flags FLAGS --generator GEN --build-type TYPE
"""

import argparse
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys

MARK = re.compile(r"^<!-- doc-test: (\S+)(?: \((.*)\))? -->$")
FENCE = re.compile(r"^(`{3,})(\S*)\s*$")


class Failure(Exception):
    pass


def blocks(lines):
    """(line number, language, mark, skip reason, text) for each fenced block."""
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, language = opening.group(1), opening.group(2)
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != fence:
            j += 1
        if j == len(lines):
            raise Failure(f"integration.md:{i + 1}: code block never closed")
        mark = MARK.match(lines[i - 1].strip()) if i > 0 else None
        yield (i + 1, language, mark.group(1) if mark else None, mark.group(2) if mark else None,
               "\n".join(lines[i + 1:j]) + "\n")
        i = j + 1


class Runner:
    def __init__(self, args):
        self.args = args
        self.work = os.path.abspath(args.work)
        self.repository = os.path.abspath(args.repository)
        self.prefix = os.path.join(self.work, "opt", "berth")
        bin_dir = os.path.join(self.work, "bin")
        os.makedirs(bin_dir, exist_ok=True)
        wrapper = os.path.join(bin_dir, "c++")
        with open(wrapper, "w") as f:
            f.write(f'#!/bin/sh\nexec {shlex.quote(args.cxx)} {args.cxx_flags} "$@"\n')
        os.chmod(wrapper, stat.S_IRWXU)
        self.env = dict(os.environ, CXX=args.cxx, CXXFLAGS=args.cxx_flags,
                        CMAKE_GENERATOR=args.generator, CMAKE_BUILD_TYPE=args.build_type,
                        CMAKE_BUILD_PARALLEL_LEVEL="2",
                        PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
        self.env.pop("PKG_CONFIG_PATH", None)
        self.env.pop("CMAKE_PREFIX_PATH", None)

    def substitute(self, text):
        return text.replace("/path/to/berth", self.repository).replace("/opt/berth", self.prefix)

    def directory(self, name):
        """A fresh directory for one check, holding main.cpp."""
        path = os.path.join(self.work, name)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
        shutil.copyfile(self.args.main, os.path.join(path, "main.cpp"))
        return path

    def run(self, command, cwd, env=None, expect_failure=False):
        shown = command if isinstance(command, str) else " ".join(map(shlex.quote, command))
        print(f"[{os.path.relpath(cwd, self.work)}] $ {shown}", flush=True)
        done = subprocess.run(command, cwd=cwd, env=env or self.env, shell=isinstance(command, str),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=600)
        if expect_failure:
            if done.returncode == 0:
                raise Failure(f"{shown} succeeded where it should fail:\n{done.stdout}")
        elif done.returncode != 0:
            raise Failure(f"{shown} failed ({done.returncode}):\n{done.stdout}")
        return done.stdout

    def run_sh(self, block, cwd, env=None):
        return self.run(["sh", "-e", "-x", "-c", self.substitute(block)], cwd, env)

    def run_app(self, program, cwd):
        output = self.run([program], cwd)
        if "ping came back" not in output:
            raise Failure(f"{program} printed {output!r}")
        print("   ", output.strip())

    def cmake_project(self, name, project):
        """Writes the project as <name>/CMakeLists.txt, configures, builds, runs app."""
        path = self.directory(name)
        with open(os.path.join(path, "CMakeLists.txt"), "w") as f:
            f.write(self.substitute(project))
        self.run(["cmake", "-S", ".", "-B", "build"], path)
        self.run(["cmake", "--build", "build"], path)
        self.run_app(os.path.join(path, "build", "app"), path)
        return path


def replace_call(project, command, replacement):
    """The project with its `command(...)` call (parentheses balanced) replaced."""
    start = project.find(command + "(")
    if start < 0:
        raise Failure(f"the project has no {command}(...) to replace")
    depth, end = 0, start
    for end in range(start, len(project)):
        depth += {"(": 1, ")": -1}.get(project[end], 0)
        if depth == 0 and project[end] == ")":
            break
    return project[:start] + replacement.strip() + project[end + 1:]


def check_fetchcontent(r, blocks):
    project = blocks["fetchcontent"]
    r.cmake_project("fetchcontent", project)

    def with_tag(tag):
        changed, count = re.subn(r"(GIT_TAG\s+)[^\s)]+", lambda m: m.group(1) + tag, project)
        if count != 1:
            raise Failure("the FetchContent snippet does not have one GIT_TAG")
        return changed

    # The pinned form the text describes: the hash `git -C /path/to/berth rev-parse HEAD` prints.
    commit = r.run(["git", "-C", r.repository, "rev-parse", "HEAD"], r.work).strip()
    r.cmake_project("fetchcontent-pinned", with_tag(commit))
    # A hash the repository does not have stops configure.
    path = r.directory("fetchcontent-unknown-commit")
    with open(os.path.join(path, "CMakeLists.txt"), "w") as f:
        f.write(r.substitute(with_tag("0" * 40)))
    r.run(["cmake", "-S", ".", "-B", "build"], path, expect_failure=True)
    # SOURCE_DIR in place of the git declaration.
    r.cmake_project("fetchcontent-source-dir",
                    replace_call(project, "FetchContent_Declare", blocks["fetchcontent-source-dir"]))


def check_add_subdirectory(r, blocks):
    project = blocks["add_subdirectory"]
    if "add_subdirectory(third_party/berth)" not in project:
        raise Failure("the add_subdirectory snippet no longer adds third_party/berth")
    path = r.directory("add_subdirectory")
    os.makedirs(os.path.join(path, "third_party"))
    os.symlink(r.repository, os.path.join(path, "third_party", "berth"))
    with open(os.path.join(path, "CMakeLists.txt"), "w") as f:
        f.write(r.substitute(project))
    r.run(["cmake", "-S", ".", "-B", "build"], path)
    r.run(["cmake", "--build", "build"], path)
    r.run_app(os.path.join(path, "build", "app"), path)
    # The form for a directory outside the source tree.
    r.cmake_project("add_subdirectory-outside",
                    replace_call(project, "add_subdirectory", blocks["add_subdirectory-outside"]))


def check_installed(r, blocks):
    # The install commands, from a directory where `berth` is the checkout.
    path = r.directory("install")
    os.symlink(r.repository, os.path.join(path, "berth"))
    r.run_sh(blocks["install"], path)
    config = os.path.join(r.prefix, "share", "cmake", "berth", "berthConfig.cmake")
    if not os.path.isfile(config):
        raise Failure(f"the install commands left no {config}")
    # find_package: the project in app/, configured by the page's command.
    path = r.directory("find_package")
    os.makedirs(os.path.join(path, "app"))
    os.rename(os.path.join(path, "main.cpp"), os.path.join(path, "app", "main.cpp"))
    with open(os.path.join(path, "app", "CMakeLists.txt"), "w") as f:
        f.write(r.substitute(blocks["find_package"]))
    r.run_sh(blocks["find_package-configure"], path)
    r.run(["cmake", "--build", "app-build"], path)
    r.run_app(os.path.join(path, "app-build", "app"), path)
    # pkg-config: the block as a script, then every `pkg-config ...  # output` line's
    # output must be what its comment says.
    path = r.directory("pkg-config")
    block = blocks["pkg-config"]
    r.run_sh(block, path)
    r.run_app(os.path.join(path, "app"), path)
    exported = re.search(r"^export PKG_CONFIG_PATH=(\S+)$", block, re.M)
    if not exported:
        raise Failure("the pkg-config block no longer exports PKG_CONFIG_PATH")
    env = dict(r.env, PKG_CONFIG_PATH=r.substitute(exported.group(1)))
    claims = re.findall(r"^(pkg-config [^#\n]*?)\s+#\s+(\S[^\n]*)$", block, re.M)
    if not claims:
        raise Failure("the pkg-config block shows no output in its comments any more")
    for command, claimed in claims:
        got = r.run(command, path, env).strip()
        if got != r.substitute(claimed).strip():
            raise Failure(f"`{command}` prints {got!r}; the page says {claimed!r}")
    # The Makefile, with PKG_CONFIG_PATH exported as the page says.
    path = r.directory("makefile")
    with open(os.path.join(path, "Makefile"), "w") as f:
        f.write(r.substitute(blocks["makefile"]))
    if shutil.which("make") is None:
        print("    make not installed: the Makefile is not run (Debian: make)")
    else:
        r.run(["make", "app"], path, env)
        r.run_app(os.path.join(path, "app"), path)


def check_plain_compiler(r, blocks):
    path = r.directory("plain-compiler")
    r.run_sh(blocks["plain-compiler"], path)
    r.run_app(os.path.join(path, "app"), path)


# check -> the marks whose blocks it runs
CHECKS = {
    check_fetchcontent: ["fetchcontent", "fetchcontent-source-dir"],
    check_add_subdirectory: ["add_subdirectory", "add_subdirectory-outside"],
    check_installed: ["install", "find_package", "find_package-configure", "pkg-config", "makefile"],
    check_plain_compiler: ["plain-compiler"],
}


def main():
    parser = argparse.ArgumentParser()
    for option in ("doc", "work", "repository", "main", "cxx", "cxx-flags", "generator", "build-type"):
        parser.add_argument("--" + option, required=True)
    args = parser.parse_args()
    with open(args.doc) as f:
        lines = f.read().split("\n")
    known = {mark for marks in CHECKS.values() for mark in marks}
    found = {}
    problems = []
    skipped = []
    for line, language, mark, reason, text in blocks(lines):
        if not language:
            continue  # a listing or an output, not something to run
        if mark is None:
            problems.append(f"integration.md:{line}: a ```{language} block without "
                            "'<!-- doc-test: NAME -->' (or 'skip (why)') on the line before it")
        elif mark == "skip":
            if not reason:
                problems.append(f"integration.md:{line}: 'skip' needs a reason in parentheses")
            skipped.append(f"integration.md:{line} ({reason})")
        elif mark not in known:
            problems.append(f"integration.md:{line}: no check runs blocks marked '{mark}'")
        elif mark in found:
            problems.append(f"integration.md:{line}: a second block marked '{mark}'")
        else:
            found[mark] = text
    for mark in sorted(known - set(found)):
        problems.append(f"integration.md: no block is marked '{mark}' any more")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    runner = Runner(args)
    try:
        for check in CHECKS:
            print(f"-- {check.__name__}", flush=True)
            check(runner, found)
    except Failure as failure:
        print(f"integration.md: {failure}", file=sys.stderr)
        return 1
    print(f"integration.md: ran {len(found)} snippets; skipped {len(skipped)}: " + ", ".join(skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
