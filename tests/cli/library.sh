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
set -o pipefail

source "$(dirname "$0")/lib.bash"
harness_init library
unset STEPPE_DATA_DIR


P=$WORK/prefix

install_or_stop "$P"
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

sed -n 's/^STEPPE_API[^(]*[ *]\(steppe_[a-z_]*\)(.*/\1/p' "$SRC"/include/steppe/*.h | sort -u >"$WORK/declared"
nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort -u >"$WORK/exported"
if [ -s "$WORK/declared" ] && cmp -s "$WORK/declared" "$WORK/exported"; then
  ok "exports exactly the $(wc -l <"$WORK/declared") STEPPE_API functions"
else
  diff "$WORK/declared" "$WORK/exported" >"$WORK/exports.diff"
  bad "exports exactly the STEPPE_API functions (< declared only, > exported only)" "" "$WORK/exports.diff"
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
  local how=$1 dir=$2 needed=$3 out=$WORK/out-${1// /-}
  mkdir -p "$out"
  if readelf -d "$dir/render_style" 2>/dev/null | grep -q "NEEDED.*\[$soname\]"; then
    [ "$needed" = 1 ] && ok "$how: linked to $soname" || bad "$how: links $soname, should be static"
  else
    [ "$needed" = 0 ] && ok "$how: libsteppe linked in" || bad "$how: does not record $soname"
  fi
  if (cd "$WORK" && LD_LIBRARY_PATH=$LIBDIR "$dir/render_style" "$STYLE" "$out/a.png" "$out/a.svg") >"$WORK/run.log" 2>&1 &&
    is_png "$out/a.png" && grep -q '<svg' "$out/a.svg"; then
    ok "$how: render_style writes PNG and SVG"
  else
    bad "$how: render_style" "" "$WORK/run.log"
  fi
  if LD_LIBRARY_PATH=$LIBDIR "$dir/render_overrides" "$STYLE" "$out/b.png" 'title.text=Overridden' >"$WORK/run.log" 2>&1 &&
    is_png "$out/b.png" && grep -q 'warning(s)' "$WORK/run.log"; then
    ok "$how: render_overrides"
  else
    bad "$how: render_overrides" "" "$WORK/run.log"
  fi
  # A bad override fails as a style error (exit 2) naming the key, writing nothing.
  LD_LIBRARY_PATH=$LIBDIR "$dir/render_overrides" "$STYLE" "$out/c.png" 'map.nosuchkey=1' >"$WORK/run.log" 2>&1
  rc=$?
  if [ "$rc" -eq 2 ] && grep -q nosuchkey "$WORK/run.log" && [ ! -e "$out/c.png" ]; then
    ok "$how: render_overrides rejects a bad key (exit 2)"
  else
    bad "$how: render_overrides with a bad key" "exit $rc" "$WORK/run.log"
  fi
  if LD_LIBRARY_PATH=$LIBDIR "$dir/read_report" "$STYLE" "$out/d.png" "$out/d.json" >"$WORK/run.log" 2>&1 &&
    grep -q '^countries  *38$' "$WORK/run.log" && grep -q '^[0-9][0-9]* layers, [0-9]* features$' "$WORK/run.log"; then
    ok "$how: read_report ($(tail -1 "$WORK/run.log"))"
  else
    bad "$how: read_report" "" "$WORK/run.log"
  fi
}

# ---- pkg-config ---------------------------------------------------------------
export PKG_CONFIG_PATH=$LIBDIR/pkgconfig
for mode in shared static; do
  d=$WORK/pc-$mode
  cp -r "$SRC/examples" "$d"
  static=0
  [ $mode = static ] && static=1
  if make -C "$d" STATIC=$static CFLAGS="-O2 -Wall -Wextra -Werror $san" LDFLAGS="$san" >"$WORK/make.log" 2>&1; then
    ok "pkg-config $mode: examples build"
    run_examples "pkg-config $mode" "$d" $((1 - static))
  else
    bad "pkg-config $mode: examples build" "" "$WORK/make.log"
  fi
done
unset PKG_CONFIG_PATH

# ---- CMake --------------------------------------------------------------------
for mode in shared static; do
  d=$WORK/cmake-$mode
  static=OFF
  [ $mode = static ] && static=ON
  if cmake -S "$SRC/examples" -B "$d" -DCMAKE_PREFIX_PATH="$P" -DSTEPPE_STATIC=$static \
    -DCMAKE_C_FLAGS="-Werror $san" -DCMAKE_EXE_LINKER_FLAGS="$san" >"$WORK/cmake.log" 2>&1 &&
    cmake --build "$d" >>"$WORK/cmake.log" 2>&1; then
    ok "CMake $mode: find_package(steppe) and build"
    needed=1
    [ $mode = static ] && needed=0
    run_examples "CMake $mode" "$d" $needed
  else
    bad "CMake $mode: find_package(steppe) and build" "" "$WORK/cmake.log"
  fi
done

# The version file: 0.1 is found, a later minor version is not.
mkdir -p "$WORK/vers"
cat >"$WORK/vers/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.18)
project(v LANGUAGES C)
find_package(steppe 99.0 QUIET)
if(steppe_FOUND)
  message(FATAL_ERROR "steppe 99.0 accepted")
endif()
CM
if cmake -S "$WORK/vers" -B "$WORK/vers/b" -DCMAKE_PREFIX_PATH="$P" >"$WORK/cmake.log" 2>&1; then
  ok "find_package(steppe 99.0) is refused by the version file"
else
  bad "find_package(steppe 99.0) is refused" "" "$WORK/cmake.log"
fi

harness_finish
