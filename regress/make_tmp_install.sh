#!/bin/bash
# make_tmp_install.sh BUILDDIR DEST — a private, relocated copy of the PostgreSQL server
# with pg_durable installed into it (nothing under /usr is touched). Prints the bin dir.
# Real copies of bin/ (PostgreSQL finds share/ and lib/ from its own symlink-resolved
# path); symlink trees for lib/ and share/.
# With DF_SANITIZE_RUNTIME=DIR (tools/dev test --sanitize) bin/postgres becomes
# tools/sanitize/postgres_wrapper.sh.in, which sources DIR/env (LD_PRELOAD of the sanitizer
# runtime and its options) and runs the real server, renamed postgres.bin.
set -euo pipefail
BUILD=$(realpath "$1"); T=$2
SYS_BINDIR=$(pg_config --bindir); SYS_LIBDIR=$(pg_config --pkglibdir); SYS_SHAREDIR=$(pg_config --sharedir)
mkdir -p "$T$(dirname "$SYS_BINDIR")" "$T$(dirname "$SYS_SHAREDIR")"
cp -a "$SYS_BINDIR" "$T$SYS_BINDIR"
cp -as "$SYS_LIBDIR" "$T$SYS_LIBDIR"
cp -as "$SYS_SHAREDIR" "$T$SYS_SHAREDIR"
meson install -C "$BUILD" --no-rebuild --quiet --destdir "$T" >/dev/null
if [ -n "${DF_SANITIZE_RUNTIME:-}" ]; then
  [ -f "$DF_SANITIZE_RUNTIME/env" ] || { echo "make_tmp_install.sh: no $DF_SANITIZE_RUNTIME/env" >&2; exit 1; }
  mv "$T$SYS_BINDIR/postgres" "$T$SYS_BINDIR/postgres.bin"
  sed "s|@DF_SANITIZE_RUNTIME@|$DF_SANITIZE_RUNTIME|" \
    "$(dirname "$0")/../tools/sanitize/postgres_wrapper.sh.in" > "$T$SYS_BINDIR/postgres"
  chmod 755 "$T$SYS_BINDIR/postgres"
fi
echo "$T$SYS_BINDIR"
