#!/usr/bin/env bash
# Build mediasoup's C++ worker offline against Debian bookworm system libraries
# and put it where mediasoup looks for it by default
# (node_modules/mediasoup/worker/out/Release/mediasoup-worker).
# Used by scripts/setup.mjs when mediasoup's prebuilt worker cannot be downloaded
# (no access to its release host). Adapted from the project's verified notes.
#
# usage: build-debian.sh [path/to/node_modules/mediasoup]
#
# Needs (Debian): g++ pkg-config meson ninja-build libssl-dev libuv1-dev
#   libsrtp2-dev libusrsctp-dev libabsl-dev libflatbuffers-dev
#   flatbuffers-compiler liburing-dev
# Env:
#   MS_SHIMS_DIR           meson subproject shims (default: ./shims next to this script)
#   MS_WORKER_CACHE_DIR    keeps built binaries across `npm ci` (default ~/.cache/regie/mediasoup-worker)
#   MS_MESON_ARGS          extra `meson setup` args (e.g. -Dms_disable_liburing=true)
set -euo pipefail

MS_DIR=$(cd "${1:-node_modules/mediasoup}" && pwd)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SHIMS=${MS_SHIMS_DIR:-$HERE/shims}
CACHE_ROOT=${MS_WORKER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/regie/mediasoup-worker}
TESTED_VERSIONS="3.19.3"

VERSION=$(node -p "require('$MS_DIR/package.json').version")
case " $TESTED_VERSIONS " in
  *" $VERSION "*) ;;
  *) echo "build-debian: WARNING: shims were tested with mediasoup $TESTED_VERSIONS, not $VERSION" >&2 ;;
esac

# Cache key: mediasoup version + shim contents + the build recipe + extra meson args.
# Bump RECIPE whenever the build steps below change what gets built.
RECIPE=1
SHIM_HASH=$( (cd "$SHIMS" && find . -type f -print0 | sort -z | xargs -0 sha256sum; echo "recipe $RECIPE"; echo "${MS_MESON_ARGS:-}") | sha256sum | cut -c1-12)
CACHED="$CACHE_ROOT/$VERSION-$SHIM_HASH/mediasoup-worker"
DEST="$MS_DIR/worker/out/Release/mediasoup-worker"

if [ -x "$CACHED" ]; then
  echo "build-debian: using the cached worker $CACHED"
elif [ -n "${MS_WORKER_CACHE_ONLY:-}" ]; then
  exit 3   # asked for the cache only, and there is nothing cached for this version/recipe
else
  for tool in meson ninja pkg-config flatc c++; do
    command -v "$tool" >/dev/null || { echo "build-debian: missing $tool (apt-get install it)" >&2; exit 1; }
  done
  BUILD_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/mediasoup-worker-build.XXXXXX")
  trap 'rm -rf "$BUILD_ROOT"' EXIT
  cp -r "$MS_DIR/worker" "$BUILD_ROOT/worker"
  cd "$BUILD_ROOT/worker"
  rm -rf out subprojects/*.wrap subprojects/packagefiles   # no downloads: use the shims
  cp -r "$SHIMS"/. subprojects/
  # Fix mediasoup's DTLS write-BIO callback: it returns 1 instead of the real
  # result for the post-call (BIO_CB_RETURN|op) phase of every BIO_ctrl(), so
  # e.g. BIO_get_ktls_send() reads as "kernel TLS on". Upstream's static
  # OpenSSL is built without KTLS and never asks; Debian's libssl3 is built
  # with KTLS, asks, and then segfaults in SSL_read() on the first DTLS
  # handshake (seen with headless Chromium). Pass the real result through.
  sed -i 's/(operationType == BIO_CB_RETURN)/(operationType \& BIO_CB_RETURN)/' src/RTC/DtlsTransport.cpp
  grep -q '(operationType & BIO_CB_RETURN)' src/RTC/DtlsTransport.cpp ||
    { echo "build-debian: DTLS BIO callback patch did not apply" >&2; exit 1; }
  # Debian bookworm's meson is 1.0.1; mediasoup only asks for >= 1.1.0 and
  # configures and builds fine with 1.0.1.
  sed -i "s/meson_version: *'>= *1\.[0-9.]*'/meson_version: '>= 1.0.0'/" meson.build
  # Keep pip-installed meson/pyenv modules out of Debian's meson.
  env -u PYTHONPATH meson setup --buildtype release -Db_ndebug=true --wrap-mode=nodownload ${MS_MESON_ARGS:-} build
  env -u PYTHONPATH meson compile -C build flatbuffers-generator
  echo "build-debian: compiling the worker (about 2-3 minutes on 2 cores)..."
  # ninja prints one [n/N] line per step: that is the progress a user sees.
  env -u PYTHONPATH meson compile -C build -j "$(nproc)" mediasoup-worker
  mkdir -p "$(dirname "$CACHED")"
  cp build/mediasoup-worker "$CACHED.tmp" && mv "$CACHED.tmp" "$CACHED"
fi

mkdir -p "$(dirname "$DEST")"
cp "$CACHED" "$DEST"
echo "build-debian: mediasoup $VERSION worker -> $DEST (cache: $CACHED)"
