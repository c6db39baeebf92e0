#!/bin/sh
# Runs a libFuzzer target for a bounded time, starting from its seed corpus. New corpus
# entries go to a temporary directory removed afterwards (the seeds stay untouched);
# crash reproducers go to <artifact-dir>.
# usage: run_fuzzer.sh <fuzzer> <artifact-dir> <seed-dir>...
set -eu
fuzzer=$1
artifacts=$2
shift 2
work=$(mktemp -d "${TMPDIR:-/tmp}/berth-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
mkdir -p "$artifacts"
"$fuzzer" -max_total_time=4 -timeout=5 -max_len=512 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "$work" "$@"
