#!/bin/bash
# The steppe command line: help, version, usage errors and their exit
# statuses, info, diff, and (with the bundled shapes) render's outputs,
# atomic writes and cleanup on SIGTERM.
#
# Run by ctest with STEPPE=path of the binary and STEPPE_SOURCE_DIR; by hand:
#   STEPPE=build/steppe STEPPE_SOURCE_DIR=. bash tests/cli/cli_basics.sh
source "$(dirname "$0")/lib.bash"
harness_init cli

# expect_err_line DESCRIPTION: stderr is exactly one line starting "steppe: ".
expect_err_line() {
    if [ "$(wc -l <err.txt)" -eq 1 ] && grep -q '^steppe: ' err.txt; then
        ok
    else
        bad "$1: stderr is not one 'steppe: ' line"
    fi
}


no_tmp_files() {
    [ -z "$(find . -name '.*.tmp' -print -quit)" ]
}

# ---- help and version ----------------------------------------------------------

run --help
expect 0 "--help"
expect_grep out.txt '^Usage: steppe COMMAND' "--help"

run -h
expect 0 "-h"

for cmd in render check info diff; do
    run "$cmd" --help
    expect 0 "$cmd --help"
    expect_grep out.txt "^Usage: steppe $cmd" "$cmd --help"
done

run --version
expect 0 "--version"
expect_grep out.txt '^steppe [0-9]+\.[0-9]+\.[0-9]+ \(cairo [0-9.]+, PROJ [0-9.]+, pango [0-9.]+, GEOS [0-9.]+, shapelib\)$' "--version"

# ---- usage errors: exit 2, one "steppe: " line ---------------------------------------

run
expect 2 "no command"

for args in "--frobnicate" "frobnicate" "render --frobnicate" "render -Z" "diff --nope a b" \
    "render --width" "render --width abc" "render --width 0" "render --height -5" \
    "render --dpi zero" "render --dpi 0" "render --png-level 12" "render --max-pixels lots" \
    "render a.yaml b.yaml" "check" "info" "info a.shp b.shp" "diff a.png" \
    "diff a.png b.png --tolerance 2" "diff a.png b.png --tolerance 150%" \
    "diff a.png b.png --tolerance x" "diff a.png b.png --threshold 256"; do
    # shellcheck disable=SC2086
    run $args
    expect 2 "steppe $args"
    expect_err_line "steppe $args"
done

run --frobnicate
expect_grep err.txt "^steppe: unknown option '--frobnicate'" "unknown option message"
run render --width abc
expect_grep err.txt "^steppe: --width: 'abc' is not a whole number" "--width abc message"

# ---- missing inputs ----------------------------------------------------------------

run render "$WORK/no-such-style.yaml"
expect 2 "render of a missing style"
expect_err_line "render of a missing style"
expect_grep err.txt 'no-such-style.yaml' "render of a missing style names the file"

run check "$WORK/no-such-style.yaml"
expect 2 "check of a missing style"

run info "$WORK/no-such.shp"
expect 1 "info of a missing Shapefile"
expect_err_line "info of a missing Shapefile"
expect_grep err.txt 'no-such.shp' "info of a missing Shapefile names the file"

# ---- diff --------------------------------------------------------------------------

# mkpng FILE W H [X Y]: an RGB PNG, a flat map-like blue with a darker band,
# and pixel (X,Y) red if given; written with python3's zlib and struct.
mkpng() {
    python3 - "$@" <<'EOF'
import struct, sys, zlib
path, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
mark = (int(sys.argv[4]), int(sys.argv[5])) if len(sys.argv) > 5 else None
rows = []
for y in range(h):
    row = bytearray(b"\0")
    for x in range(w):
        if (x, y) == mark:
            row += bytes((255, 0, 0))
        elif h // 3 <= y < h // 2:
            row += bytes((40, 60, 120))
        else:
            row += bytes((200, 220, 240))
    rows.append(bytes(row))
def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b"")
open(path, "wb").write(png)
EOF
}

if command -v python3 >/dev/null 2>&1; then
    mkpng a.png 40 30
    mkpng a2.png 40 30
    mkpng b.png 40 30 7 11
    mkpng c.png 41 30

    run diff a.png a2.png
    expect 0 "diff of identical images"
    expect_grep out.txt '^identical$' "diff of identical images"

    run diff a.png b.png
    expect 1 "diff of different images"
    expect_grep out.txt '^differing pixels: 0\.083% \(1 of 1200\); changed region: 7,11–7,11$' "diff report"

    run diff a.png b.png --tolerance 0.1%
    expect 0 "diff within a percentage tolerance"
    run diff a.png b.png -t 0.0005
    expect 1 "diff over a fractional tolerance"
    run diff a.png b.png --threshold 255
    expect 0 "diff with the largest threshold"

    run diff a.png c.png
    expect 1 "diff of images of different sizes"
    expect_grep err.txt 'sizes differ' "diff of images of different sizes"

    run diff a.png b.png -o hl.png
    expect 1 "diff -o"
    if head -c 8 hl.png 2>/dev/null | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a'; then ok; else bad "diff -o wrote no PNG"; fi
    if no_tmp_files; then ok; else bad "diff -o left a temporary file"; fi

    echo "not a png" >text.png
    run diff a.png text.png
    expect 1 "diff of a file that is not a PNG"
    expect_err_line "diff of a file that is not a PNG"

    run diff a.png missing.png
    expect 1 "diff of a missing file"
else
    echo "note: python3 not found; diff checks skipped"
fi

# ---- render (needs the bundled shapes) --------------------------------------------------

SHP=$SRC/shapes/countries.shp
if [ -f "$SHP" ]; then
    run render "$SHP" -q --width 320 --height 200
    expect 0 "quick-look render to the default output"
    if [ -s out/countries.png ]; then ok; else bad "render wrote no out/countries.png"; fi
    if [ ! -s err.txt ]; then ok; else bad "render -q printed something"; fi

    printf 'previous' >keep.png
    printf 'a file' >"$WORK/notdir"
    run render "$SHP" -q -o keep.png -o "$WORK/notdir/x.png" --width 320 --height 200
    expect 1 "render to a folder that cannot be created"
    expect_err_line "render to a folder that cannot be created"
    if [ "$(cat keep.png)" = previous ]; then ok; else bad "a failed render replaced another output"; fi
    if no_tmp_files; then ok; else bad "a failed render left a temporary file"; fi

    run render "$SHP" -q -o map.jpg
    expect 2 "render to an unknown format"
    expect_grep err.txt "unknown output format '.jpg'" "render to an unknown format"

    run render "$SHP" -q -o a.png -o a.svg -o a.pdf --width 320 --height 200 --dpi 300
    expect 0 "render to three formats"
    if [ -s a.png ] && [ -s a.svg ] && [ -s a.pdf ]; then ok; else bad "render to three formats: a file is missing"; fi
    if command -v pngcheck >/dev/null 2>&1; then
        if pngcheck -q a.png >/dev/null; then ok; else bad "pngcheck rejects the rendered PNG"; fi
    fi

    run render "$SHP" -q -o again.png --width 320 --height 200 --dpi 300
    run diff a.png again.png
    expect 0 "two renders of one map are identical"

    # SIGTERM while an output is in flight: the temporary file goes too.
    "$STEPPE" render "$SHP" -q -o sig.svg -o sig.png --width 6000 --height 4000 >/dev/null 2>&1 &
    pid=$!
    seen=0
    for _ in $(seq 1 300); do
        if ! no_tmp_files; then seen=1; break; fi
        sleep 0.01
    done
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
    rc=$?
    if [ "$seen" -eq 1 ] && [ "$rc" -eq 143 ]; then
        if no_tmp_files; then ok; else bad "SIGTERM left a temporary file"; fi
        if [ ! -e sig.svg ] && [ ! -e sig.png ]; then ok; else bad "SIGTERM left a partial output"; fi
    else
        echo "note: render finished before SIGTERM; cleanup check skipped"
    fi
else
    echo "note: $SHP not found; render checks skipped"
fi

harness_finish
