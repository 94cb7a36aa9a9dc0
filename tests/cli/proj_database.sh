#!/bin/bash
# A map in a projection of WGS 84 written as a PROJ string, over WGS 84
# data, needs nothing from PROJ's database (project.c wgs84_pipeline,
# ctx.c st_ctx_proj_plain): opening it costs 5 ms per thread, and PROJ
# opens it for any operation it builds unless told otherwise.
# - strace must see no proj.db opened by the forum map, and must see it
#   opened for a map in EPSG:3576 (which shows the check can fail);
# - with PROJ_DATA pointing at an empty folder the forum map must render
#   byte for byte as with the database, and EPSG:3576 must fail as a style
#   error naming its place.
#
# Run by ctest with STEPPE and STEPPE_SOURCE_DIR; by hand:
#   STEPPE=build/steppe STEPPE_SOURCE_DIR=. bash tests/cli/proj_database.sh
source "$(dirname "$0")/lib.bash"
harness_init projdb
mkdir empty
nodb() { PROJ_DATA=$WORK/empty PROJ_LIB=$WORK/empty "$@"; }

"$STEPPE" render -q "$SRC/styles/forum.yaml" -o with.png 2>err.txt
rc=$?
[ $rc -eq 0 ] && ok || bad "forum map with the database: exit $rc"

nodb "$STEPPE" render -q "$SRC/styles/forum.yaml" -o without.png 2>err.txt
rc=$?
[ $rc -eq 0 ] && ok || bad "forum map without the database: exit $rc"
if [ -s with.png ] && cmp -s with.png without.png; then ok; else bad "the two forum maps differ"; fi

# EPSG codes are looked up in the database.
sed 's|^  crs: .*|  crs: "EPSG:3576"|' "$SRC/styles/forum.yaml" | sed "s|\.\./shapes/|$SRC/shapes/|" >epsg.yaml

if command -v strace >/dev/null 2>&1; then
    opened() { grep -v 'ENOENT' "$1" | grep -c 'proj\.db'; }
    strace -f -qq -z -e trace=open,openat -o forum.trace "$STEPPE" render -q "$SRC/styles/forum.yaml" -o traced.png 2>err.txt
    n=$(opened forum.trace)
    [ "$n" -eq 0 ] && ok || bad "the forum map opened proj.db $n times"
    strace -f -qq -z -e trace=open,openat -o epsg.trace "$STEPPE" render -q epsg.yaml -o epsg-db.png 2>err.txt
    n=$(opened epsg.trace)
    [ "$n" -gt 0 ] && ok || bad "strace saw no proj.db opened for EPSG:3576"
else
    echo "SKIP: strace is not installed; the database is not traced"
fi
line=$(grep -n '^  crs:' epsg.yaml | cut -d: -f1)
nodb "$STEPPE" render -q epsg.yaml -o epsg.png 2>err.txt
rc=$?
[ $rc -eq 2 ] && ok || bad "EPSG:3576 without the database: exit $rc, expected 2"
grep -q "^steppe: epsg.yaml:$line:[0-9]*: .*EPSG:3576" err.txt && ok || bad "no FILE:LINE:COL error for EPSG:3576"
[ "$(wc -l <err.txt)" -eq 1 ] && ok || bad "expected one line on stderr"
[ ! -e epsg.png ] && ok || bad "a failed render left epsg.png"

harness_finish
