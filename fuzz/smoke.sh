#!/bin/bash
# smoke.sh — run every libFuzzer harness for SECONDS each; fail on any crash, leak or
# property violation. The seed corpus in fuzz/corpus/<harness>/ is copied first, so runs
# never modify the checked-in corpus.
# usage: fuzz/smoke.sh BUILD_DIR SECONDS   (BUILD_DIR configured with -Dfuzz=true)
set -u
BUILD=${1:?usage: smoke.sh BUILD_DIR SECONDS}
SECONDS_EACH=${2:?usage: smoke.sh BUILD_DIR SECONDS}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
status=0
for harness in fuzz_parser fuzz_wire_json fuzz_cron fuzz_substitute; do
  bin="$BUILD/fuzz/$harness"
  if [ ! -x "$bin" ]; then
    echo "smoke.sh: $bin not built (configure with -Dfuzz=true)" >&2
    exit 2
  fi
  mkdir -p "$WORK/$harness"
  cp "$HERE/corpus/$harness/"* "$WORK/$harness/" 2>/dev/null
  echo "== $harness (${SECONDS_EACH}s)"
  if ! "$bin" -max_total_time="$SECONDS_EACH" -max_len=4096 -rss_limit_mb=4096 \
      -artifact_prefix="$WORK/" "$WORK/$harness" >"$WORK/$harness.log" 2>&1; then
    echo "FAILED: $harness"; tail -40 "$WORK/$harness.log"
    mkdir -p "$BUILD/fuzz-artifacts" && cp "$WORK"/crash-* "$WORK"/leak-* "$WORK"/oom-* "$BUILD/fuzz-artifacts/" 2>/dev/null
    status=1
  else
    grep -E "^Done [0-9]+ runs" "$WORK/$harness.log" || tail -2 "$WORK/$harness.log"
  fi
done
exit $status
