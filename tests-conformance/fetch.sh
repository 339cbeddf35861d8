#!/bin/sh
# Fetch libevent 2.1.12's Debian source package (the reference, with Debian's security
# patches), verify the upstream tarball, and build libevent and its test programs in
# $OUT (default build/conformance), never inside the repository's tracked tree.
# Idempotent: a finished build is reused. Autotools, as Debian builds it: the CMake build
# hides internal symbols that Debian's patched regress needs (evhttp_str_is_chunked_).
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=${OUT:-$ROOT/build/conformance}
VERSION=2.1.12-stable-8+deb12u1
# sha256 of upstream's libevent-2.1.12-stable.tar.gz (Debian ships it as the .orig tarball)
ORIG_SHA256=92e6de1be9ec176428fd2367677e61ceffc2ee1cb119035037a27d346b0403bb
PROGS="regress test-init test-eof test-weof test-closed test-changelist test-fdleak test-time test-dumpevents test-ratelim bench bench_cascade bench_http"

if [ -f "$OUT/build/.done" ]; then exit 0; fi
mkdir -p "$OUT/dl"

need=""
command -v dpkg-source >/dev/null 2>&1 || need="$need dpkg-dev"
command -v make >/dev/null 2>&1 || need="$need make"
[ -f /usr/include/zlib.h ] || need="$need zlib1g-dev"
[ -f /usr/include/openssl/ssl.h ] || need="$need libssl-dev"
command -v ip >/dev/null 2>&1 || need="$need iproute2"
command -v unshare >/dev/null 2>&1 || need="$need util-linux"
if [ -n "$need" ]; then
  echo "conformance: installing$need"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi

cd "$OUT/dl"
if [ ! -f "libevent_$VERSION.dsc" ]; then
  # apt needs a deb-src line: derive one from the mirror apt already uses.
  if ! apt-get source --download-only "libevent=$VERSION" >/dev/null 2>&1; then
    src=/etc/apt/sources.list.d/levent-deb-src.sources
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed -e 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$src"
    elif [ -f /etc/apt/sources.list ]; then
      grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > /etc/apt/sources.list.d/levent-deb-src.list
    fi
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get source --download-only "libevent=$VERSION" >/dev/null 2>&1 ||
      { echo "conformance: apt-get source libevent=$VERSION failed"; exit 1; }
  fi
fi
sum=$(sha256sum libevent_2.1.12-stable.orig.tar.gz | cut -d' ' -f1)
[ "$sum" = "$ORIG_SHA256" ] || { echo "conformance: upstream tarball checksum mismatch: $sum"; exit 1; }

rm -rf "$OUT/src" "$OUT/build"
# dpkg-source checks the .dsc's checksums and applies Debian's patches (the security fixes).
dpkg-source -q -x "libevent_$VERSION.dsc" "$OUT/src" >"$OUT/dpkg-source.log" 2>&1 ||
  { echo "conformance: dpkg-source -x failed (see $OUT/dpkg-source.log)"; exit 1; }
cd "$OUT/src"
# The patches touch Makefile.am; keep make from regenerating the autotools outputs.
touch aclocal.m4 && touch configure Makefile.in config.h.in
mkdir -p "$OUT/build" && cd "$OUT/build"
"$OUT/src/configure" -q --disable-samples --disable-static >"$OUT/configure.log" 2>&1 ||
  { echo "conformance: configure failed (see $OUT/configure.log)"; exit 1; }
make -j2 >"$OUT/make.log" 2>&1 || { echo "conformance: make failed (see $OUT/make.log)"; exit 1; }
targets=""; for p in $PROGS; do targets="$targets test/$p"; done
make -j2 $targets >>"$OUT/make.log" 2>&1 || { echo "conformance: building the tests failed (see $OUT/make.log)"; exit 1; }
for p in $PROGS; do [ -x "$OUT/build/test/.libs/$p" ] || { echo "conformance: no test/.libs/$p"; exit 1; }; done
touch "$OUT/build/.done"
echo "conformance: libevent $VERSION and its tests built in $OUT/build"
