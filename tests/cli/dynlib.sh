#!/bin/bash
# PROJ, GEOS and pango are loaded at run time (src/core/dynlib.h,
# dynlib_pango.h): the binary does not link them; a render of lon/lat data
# does not open PROJ's database; a map without text does not load pango; a
# library that cannot be loaded ends the run with one error line and exit
# status 1, never a crash.
#
# Run by ctest with STEPPE, STEPPE_SOURCE_DIR, STEPPE_PROJ_SONAME and
# STEPPE_GEOS_SONAME (the SONAMEs CMake found); by hand:
#   STEPPE=build/steppe STEPPE_SOURCE_DIR=. STEPPE_PROJ_SONAME=libproj.so.25 \
#     STEPPE_GEOS_SONAME=libgeos_c.so.1 bash tests/cli/dynlib.sh
source "$(dirname "$0")/lib.bash"
harness_init dynlib
PROJ_SONAME=${STEPPE_PROJ_SONAME:?set STEPPE_PROJ_SONAME}
GEOS_SONAME=${STEPPE_GEOS_SONAME:?set STEPPE_GEOS_SONAME}
PANGO_SONAME=${STEPPE_PANGO_SONAME:?set STEPPE_PANGO_SONAME}

# Lon/lat data without a .prj: its quick look needs no transformation.
for ext in shp shx dbf; do cp "$SRC/shapes/countries.$ext" "lonlat.$ext"; done

# A folder where the dynamic loader finds a broken library of the given
# SONAME before the real one.
broken() {
    mkdir -p "broken-$1"
    echo "not a shared library" >"broken-$1/$1"
    echo "$WORK/broken-$1"
}

# ---- not linked ----------------------------------------------------------
if ldd "$STEPPE" >ldd.txt 2>&1; then
    if grep -qE "$PROJ_SONAME|$GEOS_SONAME|libpango" ldd.txt; then
        bad "steppe links PROJ, GEOS or pango: $(grep -E "$PROJ_SONAME|$GEOS_SONAME|libpango" ldd.txt | tr -s ' \n' ' ')"
    else
        ok
    fi
fi

# ---- everything there ------------------------------------------------------
"$STEPPE" --version >out.txt 2>err.txt
if [ $? -eq 0 ] && grep -qE 'PROJ [0-9]+\.[0-9]+.*GEOS [0-9]+\.[0-9]+' out.txt; then ok; else bad "--version"; fi

# A quick look of lon/lat data opens neither PROJ's database nor GEOS.
if command -v strace >/dev/null 2>&1; then
    # LeakSanitizer (a sanitizer build) cannot run under ptrace.
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
        strace -f -e trace=openat,open -o trace.txt "$STEPPE" render -q lonlat.shp --width 256 --height 256 \
        -o ql.png 2>err.txt
    rc=$?
    if [ $rc -ne 0 ]; then
        bad "quick look under strace: exit $rc"
    elif grep -q 'proj\.db' trace.txt; then
        bad "the quick look of lon/lat data opened PROJ's database"
    elif grep -q "$GEOS_SONAME" trace.txt; then
        bad "the quick look of lon/lat data loaded GEOS"
    else
        ok
    fi
fi

# ---- PROJ cannot be loaded ---------------------------------------------------
dir=$(broken "$PROJ_SONAME")
# expect_load_error WHAT DESCRIPTION ARGS...: exit 1, one line naming WHAT.
expect_load_error() {
    local what=$1 desc=$2
    shift 2
    LD_LIBRARY_PATH=$dir "$STEPPE" "$@" >out.txt 2>err.txt
    local rc=$?
    if [ $rc -ne 1 ]; then
        bad "$desc: exit $rc, expected 1"
    elif [ "$(wc -l <err.txt)" -ne 1 ] || ! grep -q "^steppe: cannot load $what: .*$dir" err.txt; then
        bad "$desc: expected one line 'steppe: cannot load $what: ...'"
    else
        ok
    fi
}
expect_load_error PROJ "--version without PROJ" --version
expect_load_error PROJ "projected render without PROJ" render -q "$SRC/styles/forum.yaml" -o forum.png
if [ -e forum.png ]; then bad "an output was written although PROJ is missing"; else ok; fi
# A quick look of lon/lat data needs no PROJ at all (the scale bar is
# measured along the parallel), so it still works.
LD_LIBRARY_PATH=$dir "$STEPPE" render -q lonlat.shp --width 256 --height 256 -o ql2.png >out.txt 2>err.txt
if [ $? -eq 0 ] && [ -s ql2.png ]; then ok; else bad "lon/lat quick look without PROJ: $(cat err.txt)"; fi
# Commands that need no PROJ still work.
LD_LIBRARY_PATH=$dir "$STEPPE" diff ql.png ql.png >out.txt 2>err.txt
if [ $? -eq 0 ]; then ok; else bad "diff without PROJ: exit $?"; fi

# ---- GEOS cannot be loaded: only the derived boundary needs it ---------------
dir=$(broken "$GEOS_SONAME")
expect_load_error GEOS "--version without GEOS" --version
expect_load_error GEOS "shared-boundary render without GEOS" render -q "$SRC/styles/forum.yaml" -o forum.png
LD_LIBRARY_PATH=$dir "$STEPPE" render -q lonlat.shp --width 256 --height 256 -o ql3.png >out.txt 2>err.txt
if [ $? -eq 0 ] && [ -s ql3.png ]; then ok; else bad "quick look without GEOS"; fi

# ---- pango cannot be loaded: only text needs it -------------------------------
dir=$(broken "$PANGO_SONAME")
expect_load_error pango "--version without pango" --version
expect_load_error pango "a map with text without pango" render -q "$SRC/styles/forum.yaml" -o forum.png
if [ -e forum.png ]; then bad "an output was written although pango is missing"; else ok; fi
# A map without text (no title, legend or scale bar) is drawn without it,
# and does not even look for it.
cat >notext.yaml <<END
map: {width: 300, height: 200, crs: "EPSG:4326", background: "#ccdef0"}
legend: {show: false}
scalebar: {show: false}
layers:
  countries:
    source: lonlat.shp
    style: {fill: "#f2ede3", stroke: "#646464", width: 0.5}
END
LD_LIBRARY_PATH=$dir "$STEPPE" render -q notext.yaml -o notext.png >out.txt 2>err.txt
if [ $? -eq 0 ] && [ -s notext.png ]; then ok; else bad "a map without text without pango: $(cat err.txt)"; fi
if command -v strace >/dev/null 2>&1; then
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
        strace -f -e trace=openat,open -o trace2.txt "$STEPPE" render -q notext.yaml -o notext2.png 2>err.txt
    if grep -q "libpango" trace2.txt; then bad "a map without text loaded pango"; else ok; fi
fi

harness_finish
