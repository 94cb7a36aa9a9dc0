#!/usr/bin/env bash
# libsteppe as a library user meets it: installed into a scratch prefix,
# the programs of examples/ built against it with pkg-config (examples/
# Makefile) and with CMake (examples/CMakeLists.txt, find_package(steppe)),
# each both shared and static, and run.
#
#   STEPPE_BUILD_DIR=build STEPPE_SOURCE_DIR=. bash tests/cli/library.sh
#
# Also checks that libsteppe.so has its SONAME and exports exactly the
# functions the public headers declare with STEPPE_API, and that a shared
# link records libsteppe.so.N while a static one does not.
# The last line is "N passed, M failed"; exit 1 on failure.
set -u -o pipefail

SRC=${STEPPE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${STEPPE_BUILD_DIR:-$SRC/build}
SRC=$(cd "$SRC" && pwd)
BUILD=$(cd "$BUILD" && pwd)
unset STEPPE_DATA_DIR

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() {
  fail=$((fail + 1))
  echo "FAIL $1${2:+: $2}"
  if [ -n "${3:-}" ] && [ -s "$3" ]; then sed -n '1,15s/^/       | /p' "$3"; fi
}
finish() {
  echo "$pass passed, $fail failed"
  [ "$fail" -eq 0 ]
  exit $?
}
is_png() { [ "$(od -An -tx1 -N8 "$1" 2>/dev/null | tr -d ' \n')" = "89504e470d0a1a0a" ]; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/steppe-library.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
P=$TMP/prefix

if cmake --install "$BUILD" --prefix "$P" >"$TMP/install.log" 2>&1; then
  ok "cmake --install --prefix"
else
  bad "cmake --install --prefix" "" "$TMP/install.log"
  finish
fi
LIBDIR=$(dirname "$(find "$P" -name 'libsteppe.so' | head -1)")

# ---- the shared library itself ----------------------------------------------
so=$(readlink -f "$LIBDIR/libsteppe.so")
soname=$(objdump -p "$so" 2>/dev/null | awk '$1 == "SONAME" {print $2}')
case "$soname" in
  libsteppe.so.[0-9]*) ok "SONAME $soname ($(basename "$so"))" ;;
  *) bad "libsteppe.so has a SONAME libsteppe.so.N" "got '$soname'" ;;
esac
[ -e "$LIBDIR/$soname" ] && ok "$soname installed" || bad "$soname installed"
[ -e "$LIBDIR/libsteppe.a" ] && ok "libsteppe.a installed beside it" || bad "libsteppe.a installed"

sed -n 's/^STEPPE_API[^(]*[ *]\(steppe_[a-z_]*\)(.*/\1/p' "$SRC"/include/steppe/*.h | sort -u >"$TMP/declared"
nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort -u >"$TMP/exported"
if [ -s "$TMP/declared" ] && cmp -s "$TMP/declared" "$TMP/exported"; then
  ok "exports exactly the $(wc -l <"$TMP/declared") STEPPE_API functions"
else
  diff "$TMP/declared" "$TMP/exported" >"$TMP/exports.diff"
  bad "exports exactly the STEPPE_API functions (< declared only, > exported only)" "" "$TMP/exports.diff"
fi

# A sanitizer build's libraries need the sanitizer runtimes in every program.
san=""
if grep -q '^STEPPE_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
  san="-fsanitize=address,undefined"
  export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
fi

STYLE=$P/share/steppe/styles/forum.yaml
# run_examples HOW DIR NEEDED: runs the three programs built in DIR; NEEDED
# is 1 when they must record libsteppe's SONAME, 0 when they must not.
run_examples() {
  local how=$1 dir=$2 needed=$3 out=$TMP/out-${1// /-}
  mkdir -p "$out"
  if readelf -d "$dir/render_style" 2>/dev/null | grep -q "NEEDED.*\[$soname\]"; then
    [ "$needed" = 1 ] && ok "$how: linked to $soname" || bad "$how: links $soname, should be static"
  else
    [ "$needed" = 0 ] && ok "$how: libsteppe linked in" || bad "$how: does not record $soname"
  fi
  if (cd "$TMP" && LD_LIBRARY_PATH=$LIBDIR "$dir/render_style" "$STYLE" "$out/a.png" "$out/a.svg") >"$TMP/run.log" 2>&1 &&
    is_png "$out/a.png" && grep -q '<svg' "$out/a.svg"; then
    ok "$how: render_style writes PNG and SVG"
  else
    bad "$how: render_style" "" "$TMP/run.log"
  fi
  if LD_LIBRARY_PATH=$LIBDIR "$dir/render_overrides" "$STYLE" "$out/b.png" 'title.text=Overridden' >"$TMP/run.log" 2>&1 &&
    is_png "$out/b.png" && grep -q 'warning(s)' "$TMP/run.log"; then
    ok "$how: render_overrides"
  else
    bad "$how: render_overrides" "" "$TMP/run.log"
  fi
  # A bad override fails as a style error (exit 2) naming the key, writing nothing.
  LD_LIBRARY_PATH=$LIBDIR "$dir/render_overrides" "$STYLE" "$out/c.png" 'map.nosuchkey=1' >"$TMP/run.log" 2>&1
  rc=$?
  if [ "$rc" -eq 2 ] && grep -q nosuchkey "$TMP/run.log" && [ ! -e "$out/c.png" ]; then
    ok "$how: render_overrides rejects a bad key (exit 2)"
  else
    bad "$how: render_overrides with a bad key" "exit $rc" "$TMP/run.log"
  fi
  if LD_LIBRARY_PATH=$LIBDIR "$dir/read_report" "$STYLE" "$out/d.png" "$out/d.json" >"$TMP/run.log" 2>&1 &&
    grep -q '^countries  *38$' "$TMP/run.log" && grep -q '^[0-9][0-9]* layers, [0-9]* features$' "$TMP/run.log"; then
    ok "$how: read_report ($(tail -1 "$TMP/run.log"))"
  else
    bad "$how: read_report" "" "$TMP/run.log"
  fi
}

# ---- pkg-config ---------------------------------------------------------------
export PKG_CONFIG_PATH=$LIBDIR/pkgconfig
for mode in shared static; do
  d=$TMP/pc-$mode
  cp -r "$SRC/examples" "$d"
  static=0
  [ $mode = static ] && static=1
  if make -C "$d" STATIC=$static CFLAGS="-O2 -Wall -Wextra -Werror $san" LDFLAGS="$san" >"$TMP/make.log" 2>&1; then
    ok "pkg-config $mode: examples build"
    run_examples "pkg-config $mode" "$d" $((1 - static))
  else
    bad "pkg-config $mode: examples build" "" "$TMP/make.log"
  fi
done
unset PKG_CONFIG_PATH

# ---- CMake --------------------------------------------------------------------
for mode in shared static; do
  d=$TMP/cmake-$mode
  static=OFF
  [ $mode = static ] && static=ON
  if cmake -S "$SRC/examples" -B "$d" -DCMAKE_PREFIX_PATH="$P" -DSTEPPE_STATIC=$static \
    -DCMAKE_C_FLAGS="-Werror $san" -DCMAKE_EXE_LINKER_FLAGS="$san" >"$TMP/cmake.log" 2>&1 &&
    cmake --build "$d" >>"$TMP/cmake.log" 2>&1; then
    ok "CMake $mode: find_package(steppe) and build"
    needed=1
    [ $mode = static ] && needed=0
    run_examples "CMake $mode" "$d" $needed
  else
    bad "CMake $mode: find_package(steppe) and build" "" "$TMP/cmake.log"
  fi
done

# The version file: 0.1 is found, a later minor version is not.
mkdir -p "$TMP/vers"
cat >"$TMP/vers/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(v LANGUAGES C)
find_package(steppe 99.0 QUIET)
if(steppe_FOUND)
  message(FATAL_ERROR "steppe 99.0 accepted")
endif()
CM
if cmake -S "$TMP/vers" -B "$TMP/vers/b" -DCMAKE_PREFIX_PATH="$P" >"$TMP/cmake.log" 2>&1; then
  ok "find_package(steppe 99.0) is refused by the version file"
else
  bad "find_package(steppe 99.0) is refused" "" "$TMP/cmake.log"
fi

finish
