#!/bin/bash
# smoke.sh — run every libFuzzer harness; fail on any crash, leak, timeout, memory
# blow-up or property violation.
#   fuzz/smoke.sh BUILD_DIR            deterministic (what `tools/dev test` and CI run):
#                                      replay fuzz/corpus/<harness>/ (every finding is
#                                      kept there), then a fixed-seed run of FUZZ_RUNS
#                                      (default 2000) inputs
#   fuzz/smoke.sh BUILD_DIR SECONDS    random long run of SECONDS per harness (tools/dev fuzz;
#                                      FUZZ_HARNESSES="fuzz_cron ..." runs only those)
# BUILD_DIR is configured with -Dfuzz=true. Runs work on a copy of the corpus; a finding
# is left in BUILD_DIR/fuzz-artifacts/ to be added to the corpus with its fix.
set -u
BUILD=${1:?usage: smoke.sh BUILD_DIR [SECONDS]}
SECONDS_EACH=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
status=0
# -timeout and -rss_limit_mb make slow or memory-hungry inputs findings too.
# The replay allows 60 s per input so a loaded CI machine cannot make it flaky.
common=(-max_len=4096 -rss_limit_mb=2048 -artifact_prefix="$WORK/")
# FUZZ_HARNESSES picks some (e.g. one at a time on a shared machine); default all.
for harness in ${FUZZ_HARNESSES:-fuzz_parser fuzz_wire_json fuzz_cron fuzz_compile fuzz_substitute}; do
  bin="$BUILD/fuzz/$harness"
  if [ ! -x "$bin" ]; then
    echo "smoke.sh: $bin not built (configure with -Dfuzz=true)" >&2
    exit 2
  fi
  mkdir -p "$WORK/$harness"
  cp "$HERE/corpus/$harness/"* "$WORK/$harness/" 2>/dev/null
  if [ -n "$SECONDS_EACH" ]; then
    echo "== $harness (random, ${SECONDS_EACH}s)"
    runs=("$bin" "${common[@]}" -timeout=10 -max_total_time="$SECONDS_EACH" "$WORK/$harness")
  else
    echo "== $harness (corpus replay + seed 1, ${FUZZ_RUNS:-2000} runs)"
    # A copy as the output directory keeps the checked-in corpus unchanged.
    runs=("$bin" "${common[@]}" -timeout=60 -seed=1 -runs="${FUZZ_RUNS:-2000}" "$WORK/$harness")
  fi
  if ! "${runs[@]}" >"$WORK/$harness.log" 2>&1; then
    echo "FAILED: $harness"; tail -40 "$WORK/$harness.log"
    mkdir -p "$BUILD/fuzz-artifacts" && cp "$WORK"/crash-* "$WORK"/leak-* "$WORK"/oom-* "$WORK"/timeout-* "$BUILD/fuzz-artifacts/" 2>/dev/null
    status=1
  else
    grep -E "^Done [0-9]+ runs" "$WORK/$harness.log" || tail -2 "$WORK/$harness.log"
  fi
done
exit $status
