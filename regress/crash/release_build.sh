#!/bin/bash
# release_build.sh TAG — builds the library and install script of a tagged release (for the
# upgrade tests) into $ROOT/build-TAG/src/build, reused when already built, and prints that
# build directory. The sources come from `git archive TAG`, so the checkout is untouched;
# ccache (when present) makes a rebuild of an unchanged release cheap.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAG=$1
DIR="$ROOT/build-$TAG"
# A clone made without tags still has the released commits: each release's commit is
# pinned here, so the upgrade tests never depend on tags being fetched.
case "$TAG" in
  v0.2.6) REV=1408c479597314edf5300695ca7df284a64b91c0 ;;
  *) REV=$TAG ;;
esac
if [ ! -f "$DIR/built" ]; then
  git -C "$ROOT" rev-parse -q --verify "$REV^{commit}" >/dev/null \
    || { echo "release_build.sh: release $TAG ($REV) is not in this clone" >&2; exit 1; }
  rm -rf "$DIR"; mkdir -p "$DIR/src"
  git -C "$ROOT" archive "$REV" | tar -x -C "$DIR/src"
  cc=(); command -v ccache >/dev/null && cc=(env CC="ccache gcc" CXX="ccache g++")
  "${cc[@]}" meson setup "$DIR/src/build" "$DIR/src" >&2
  ninja -C "$DIR/src/build" >&2
  touch "$DIR/built"
fi
echo "$DIR/src/build"
