#!/bin/bash
# make_tmp_install.sh BUILDDIR DEST — a private, relocated copy of the PostgreSQL server
# with pg_durable installed into it (nothing under /usr is touched). Prints the bin dir.
# Real copies of bin/ (PostgreSQL finds share/ and lib/ from its own symlink-resolved
# path); symlink trees for lib/ and share/.
set -euo pipefail
BUILD=$(realpath "$1"); T=$2
SYS_BINDIR=$(pg_config --bindir); SYS_LIBDIR=$(pg_config --pkglibdir); SYS_SHAREDIR=$(pg_config --sharedir)
mkdir -p "$T$(dirname "$SYS_BINDIR")" "$T$(dirname "$SYS_SHAREDIR")"
cp -a "$SYS_BINDIR" "$T$SYS_BINDIR"
cp -as "$SYS_LIBDIR" "$T$SYS_LIBDIR"
cp -as "$SYS_SHAREDIR" "$T$SYS_SHAREDIR"
meson install -C "$BUILD" --no-rebuild --quiet --destdir "$T" >/dev/null
echo "$T$SYS_BINDIR"
