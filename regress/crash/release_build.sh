#!/bin/bash
# release_build.sh TAG — builds the library and install script of a tagged release (for the
# upgrade tests) into $ROOT/build-TAG/src/build, reused when already built, and prints that
# build directory. The sources come from `git archive TAG`, so the checkout is untouched;
# ccache (when present) makes a rebuild of an unchanged release cheap.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TAG=$1
DIR="$ROOT/build-$TAG"
if [ ! -f "$DIR/built" ]; then
  git -C "$ROOT" rev-parse -q --verify "refs/tags/$TAG" >/dev/null \
    || { echo "release_build.sh: tag $TAG is missing; run: git fetch --tags" >&2; exit 1; }
  rm -rf "$DIR"; mkdir -p "$DIR/src"
  git -C "$ROOT" archive "$TAG" | tar -x -C "$DIR/src"
  cc=(); command -v ccache >/dev/null && cc=(env CC="ccache gcc" CXX="ccache g++")
  "${cc[@]}" meson setup "$DIR/src/build" "$DIR/src" >&2
  ninja -C "$DIR/src/build" >&2
  touch "$DIR/built"
fi
echo "$DIR/src/build"
