#!/usr/bin/env bash
# Builds the Debian package (xfnode_VERSION-N_ARCH.deb) with CPack.
#   packaging/build-deb.sh [--build-dir DIR] [--out DIR]
#       configures DIR (default build-deb/) with CMAKE_INSTALL_PREFIX=/usr,
#       Debian's hardening flags (dpkg-buildflags) and no tests, builds it
#       and packages it
#   packaging/build-deb.sh --from-build DIR [--out DIR]
#       packages an already-built tree (configured with the default prefix
#       /usr) without configuring or building it again; the tests use this
# The .deb goes to --out (default: the build dir); its path is the last line
# printed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build-deb
OUT=
FROM_BUILD=
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) BUILD=$2; shift 2 ;;
    --from-build) FROM_BUILD=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "usage: packaging/build-deb.sh [--build-dir DIR | --from-build DIR] [--out DIR]" >&2; exit 2 ;;
  esac
done

if [ -n "$FROM_BUILD" ]; then
  BUILD=$(cd "$FROM_BUILD" && pwd)
  prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
  if [ "$prefix" != /usr ]; then
    echo "build-deb: $BUILD was configured with CMAKE_INSTALL_PREFIX=$prefix; the package needs /usr" >&2
    echo "build-deb: run packaging/build-deb.sh --build-dir DIR to configure a tree for it" >&2
    exit 1
  fi
else
  # Debian's compiler and linker hardening (fortify, stack protector, relro, bindnow).
  export DEB_BUILD_MAINT_OPTIONS=hardening=+all
  CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS)
  CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS) $CPPFLAGS"
  LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
    -DXF_BUILD_TESTS=OFF -DCMAKE_CXX_FLAGS="$CXXFLAGS" -DCMAKE_EXE_LINKER_FLAGS="$LDFLAGS" >/dev/null
  cmake --build "$BUILD" --parallel "${XF_JOBS:-$(nproc)}"
fi

OUT=${OUT:-$BUILD}
mkdir -p "$OUT"
# The tree is built already: CPack only installs it into its staging dir.
cpack --config "$BUILD/CPackConfig.cmake" -B "$OUT" >&2
find "$OUT" -maxdepth 1 -name 'xfnode_*.deb' -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2-
