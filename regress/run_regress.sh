#!/bin/bash
# run_regress.sh — run the pg_regress suite against a temporary PostgreSQL instance with
# pg_durable preloaded, installed into a private relocated copy of the server (nothing
# under /usr is touched).
#
# usage: run_regress.sh SRCDIR BUILDDIR [pg_regress args...]
# Everything runs in a scratch directory outside the checkout, owned by the unprivileged
# `postgres` OS user when started as root (PostgreSQL refuses to run as root, and a
# checkout under /root is not readable by other users).
set -euo pipefail
SRC=$(realpath "$1"); BUILD=$(realpath "$2"); shift 2

OUT=$(mktemp -d "${TMPDIR:-/tmp}/pg_durable-regress.XXXXXX")
chmod 755 "$OUT"
mkdir -p "$OUT/input"
cp -r "$SRC/regress/sql" "$SRC/regress/expected" "$SRC/regress/schedule" \
      "$SRC/regress/regress.conf" "$OUT/input/"
# docs_reference compares the settings table and function list with the server.
cp "$SRC/docs/reference.md" "$OUT/input/"

PGREGRESS=$(dirname "$(pg_config --pgxs)")/../test/regress/pg_regress
if [ "${REGRESS_USE_SYSTEM_INSTALL:-0}" = 1 ]; then
  BINDIR=$(pg_config --bindir)
else
  BINDIR=$("$SRC/regress/make_tmp_install.sh" "$BUILD" "$OUT/tmp_install")
fi

RUN=()
if [ "$(id -u)" = 0 ]; then chown -R postgres: "$OUT"; RUN=(runuser -u postgres --); fi
cd "$OUT"
rc=0
"${RUN[@]}" "$PGREGRESS" --bindir="$BINDIR" \
  --inputdir="$OUT/input" --outputdir="$OUT" \
  --temp-instance="$OUT/tmp_check" --temp-config="$OUT/input/regress.conf" \
  --dbname=contrib_regression --load-extension=pg_durable \
  --schedule="$OUT/input/schedule" "$@" || rc=$?
if [ $rc -ne 0 ]; then
  [ -f "$OUT/regression.diffs" ] && head -c 60000 "$OUT/regression.diffs"
  echo "regress output kept in $OUT (server log: $OUT/log/postmaster.log)"
  # Keep the results for `tools/dev` to copy when it asks for them.
  if [ -n "${REGRESS_RESULTS_DIR:-}" ]; then rm -rf "$REGRESS_RESULTS_DIR"; cp -r "$OUT" "$REGRESS_RESULTS_DIR"; fi
else
  if [ -n "${REGRESS_RESULTS_DIR:-}" ]; then rm -rf "$REGRESS_RESULTS_DIR"; cp -r "$OUT" "$REGRESS_RESULTS_DIR"; fi
  rm -rf "$OUT"
fi
exit $rc
