#!/usr/bin/env bash
# Runs one libFuzzer binary for a bounded time, as ctest's fuzz.<name>:
#   run_fuzzer.sh FUZZER SEED_CORPUS WORK_DIR SECONDS
# The seeds are copied into WORK_DIR/corpus, which libFuzzer grows; the source tree is never
# written. A crash, leak, timeout or oversized allocation leaves its input in WORK_DIR and fails
# the test; reproduce it with `FUZZER WORK_DIR/crash-...` (or the fuzz_replay_<name> binary).
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3 seconds=$4

if [[ ! -x $fuzzer ]]; then
  echo "run_fuzzer: $fuzzer is missing: build the fuzz tree (--target wharf_fuzzers)" >&2
  exit 1
fi
rm -rf "$work"
mkdir -p "$work/corpus"
cp "$seeds"/* "$work/corpus/"

# -malloc_limit_mb: one allocation above 64 MiB is a length the peer only claimed.
# -timeout: no single input may take 10 s. Leak checking stays on (ASan's default).
status=0
"$fuzzer" -max_total_time="$seconds" -max_len=70000 -timeout=10 -malloc_limit_mb=64 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" \
  >"$work/log" 2>&1 || status=$?
# The stats and the outcome; the whole log stays in WORK_DIR.
grep -E '^(stat::|#[0-9]+ +DONE|INFO: Seed|Done [0-9]+ runs)|ERROR|SUMMARY|invariant|internal error' \
  "$work/log" | tail -n 40 || true
if ((status != 0)); then
  echo "run_fuzzer: $(basename "$fuzzer") failed (exit $status); log and reproducer in $work" >&2
  tail -n 60 "$work/log" >&2
fi
exit "$status"
