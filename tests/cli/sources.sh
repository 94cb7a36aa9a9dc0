#!/bin/bash
# Source files through the command line: a FIFO or a folder named as a
# source (or beside a Shapefile) is refused with one line naming it and exit
# 1, instead of blocking forever; a CSV whose header is too wide is refused
# with one line, without the gigabytes it used to take. Each run is bounded
# by a timeout: a hang is a failure (exit 124), not a stuck test.
#
# Run by ctest with STEPPE=path of the binary and STEPPE_SOURCE_DIR; by hand:
#   STEPPE=build/steppe STEPPE_SOURCE_DIR=. bash tests/cli/sources.sh
source "$(dirname "$0")/lib.bash"
harness_init sources

# run ARGS...: runs steppe for at most 10 s, keeping stderr and the status.
run() {
    timeout -k 2 "${STEPPE_HANG_SECONDS:-10}" "$STEPPE" "$@" >out.txt 2>err.txt </dev/null
    rc=$?
}

# expect_error DESCRIPTION LINE: exit 1, stderr exactly LINE, no output file.
expect_error() {
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        bad "$1: timed out (the read blocked)"
    elif [ "$rc" -ne 1 ]; then
        bad "$1: exit $rc, expected 1"
    elif [ "$(cat err.txt)" != "$2" ]; then
        bad "$1: stderr is not exactly '$2'"
    elif [ -e out.png ]; then
        bad "$1: an output was written"
    else
        ok
    fi
    rm -f out.png
}

# A fresh copy of the corpus's good Shapefile as g.*.
good_copy() {
    local e
    rm -rf g.*
    for e in shp shx dbf prj cpg; do cp "$SRC/tests/corpus/shp/good.$e" "g.$e"; done
}

# A style drawing SOURCE as its one layer.
style_for() {
    printf 'map: {width: 64, height: 64}\nlayers:\n  l:\n    source: %s\n    style: {marker: circle, size: 3, fill: red}\n' \
        "$1" >s.yaml
}

# ---- FIFOs and folders --------------------------------------------------------

rm -f f.csv && mkfifo f.csv
run info f.csv
expect_error "info of a FIFO .csv" "steppe: f.csv: cannot open: not a regular file (a FIFO)"
style_for f.csv
run render s.yaml -o out.png
expect_error "render of a style with a FIFO .csv" \
    "steppe: $WORK/f.csv: cannot open: not a regular file (a FIFO)"
rm -f f.csv && mkdir f.csv
run info f.csv
expect_error "info of a folder .csv" "steppe: f.csv: cannot open: is a directory"
rmdir f.csv

# Each file of a Shapefile replaced by a FIFO, read by a quick look. (A
# FIFO .prj is read by a style render before the reader: not tested here.)
for e in shp shx dbf prj cpg; do
    good_copy
    rm "g.$e" && mkfifo "g.$e"
    run render g.shp -o out.png --width 64 --height 64
    expect_error "quick look with a FIFO .$e" "steppe: g.$e: cannot open: not a regular file (a FIFO)"
    run info g.shp
    expect_error "info with a FIFO .$e" "steppe: g.$e: cannot open: not a regular file (a FIFO)"
done
good_copy
rm g.dbf && mkdir g.dbf
run render g.shp -o out.png --width 64 --height 64
expect_error "quick look with a folder .dbf" "steppe: g.dbf: cannot open: is a directory"
rmdir g.dbf

# ---- wide CSV -------------------------------------------------------------------

# The issue's case: a header of 10^6 columns over 600 rows (4.8 GB before).
python3 - <<'EOF'
with open("wide.csv", "w") as f:
    f.write("lon,lat," + ",".join("c%d" % i for i in range(2, 1000000)) + "\n")
    f.write("1,2\n" * 600)
EOF
run info wide.csv
expect_error "info of a CSV of 10^6 columns" \
    "steppe: wide.csv:1: the header has 1000000 columns, more than the 4096 steppe reads"
style_for wide.csv
run render s.yaml -o out.png
expect_error "render of a CSV of 10^6 columns" \
    "steppe: $WORK/wide.csv:1: the header has 1000000 columns, more than the 4096 steppe reads"


# A wide table whose attributes would pass the budget renders, because a
# render keeps only the columns its style uses (here lon, lat and name).
python3 - <<'EOF2'
cols = 4000
row = ",".join("1" for _ in range(cols))
with open("table.csv", "w") as f:
    f.write("lon,lat,name," + ",".join("c%d" % i for i in range(cols)) + "\n")
    for i in range(3000):
        f.write("%d,%d,p%d,%s\n" % (10 + i % 20, 20 + i % 10, i, row))
EOF2
printf 'map: {width: 64, height: 64, extent: {lonlat: [0, 0, 40, 40]}}\nlayers:\n  l: {source: %s, label: name}\n' \
    "$WORK/table.csv" >t.yaml
run render t.yaml -q -o table.png
if [ "$rc" -eq 0 ] && [ -s table.png ]; then ok; else bad "render of a 4,000-column CSV using 3 columns: exit $rc"; fi

harness_finish
