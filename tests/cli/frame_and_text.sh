#!/bin/bash
# Hardening of the frame and of text (issue 15): lon/lat extents across
# the antimeridian render both sides; a frame the projection blows up, a
# frame that straddles the map's seam and a map whose layers all miss the
# canvas fail with one line at the style's extent; unknown CRSs are named
# as such; huge text sizes and titles neither overflow nor eat memory;
# writing to a full disk fails cleanly.
#
# Run by ctest with STEPPE=path of the binary and STEPPE_SOURCE_DIR; by hand:
#   STEPPE=build/steppe STEPPE_SOURCE_DIR=. bash tests/cli/frame_and_text.sh
source "$(dirname "$0")/lib.bash"
harness_init frame
SHP=$SRC/shapes/countries.shp
FULL=$WORK/full
on_exit() {
    if mountpoint -q "$FULL" 2>/dev/null; then umount "$FULL"; fi
}
# expect_line DESCRIPTION TEXT: stderr is exactly the one line TEXT.
expect_line() {
    if [ "$(cat err.txt)" = "$2" ]; then ok; else bad "$1: stderr is not '$2'"; fi
}
no_output() {
    if [ ! -e "$1" ] && [ -z "$(find . -name '.*.tmp' -print -quit)" ]; then ok; else bad "$2: left $1"; fi
}

# style NAME CRS EXTENT [LAYERS]: writes NAME.yaml, a map of countries.
style() {
    {
        echo "map:"
        echo "  width: 800"
        echo "  height: 500"
        [ -n "$2" ] && echo "  crs: \"$2\""
        echo "  extent:"
        echo "    lonlat: $3"
        echo "scalebar: {show: true}"
        echo "layers:"
        echo "  countries:"
        echo "    source: $SHP"
        echo "    style: {fill: \"#6a9a40\", stroke: \"#204010\"}"
        [ -n "${4:-}" ] && printf '%s\n' "$4"
    } >"$1.yaml"
}

# styled NAME CRS EXTENT [MORE]: style, then a render of NAME.yaml to NAME.png.
styled() {
    style "$@"
    run render "$1.yaml" -o "$1.png"
}

# ---- the antimeridian --------------------------------------------------------
# Chukotka to Alaska, centred on 180°: land on both sides of the dateline.
LAEA180="+proj=laea +lat_0=62 +lon_0=180 +datum=WGS84 +units=m +no_defs"
styled am "$LAEA180" "[170, 50, -170, 70]"
expect 0 "antimeridian extent renders"
if command -v python3 >/dev/null 2>&1 && [ -f am.png ]; then
    # Share of land-green pixels in the west (Asia) and east (America)
    # halves; the meridian 180° runs down the middle of the frame.
    read -r west east < <(python3 - am.png <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
pos, idat, w, h = 8, b'', 0, 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
        bpp = {2: 3, 6: 4}[ctype]
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
west = east = 0
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    for x in range(w):
        r, g, bl = line[x * bpp:x * bpp + 3]
        if abs(r - 0x6a) < 8 and abs(g - 0x9a) < 8 and abs(bl - 0x40) < 8:
            if x < w // 2: west += 1
            else: east += 1
print(west * 100 // (w * h // 2), east * 100 // (w * h // 2))
EOF
)
    # Chukotka and Kamchatka fill a good part of the west, Alaska of the east
    if [ "${west:-0}" -ge 10 ] && [ "${east:-0}" -ge 10 ]; then
        ok
    else
        bad "antimeridian: land west ${west:-?}%, east ${east:-?}% of their halves"
    fi
else
    echo "note: python3 not found; antimeridian pixel check skipped"
fi
# east + 360 is not a longitude: the crossing is written west > east
styled am360 "$LAEA180" "[170, 50, 190, 70]"
expect 2 "east + 360"
expect_grep err.txt "a longitude must lie within -180..180, got 190" "east + 360 message"

# a map whose seam runs through the box cannot show it in one piece
styled seam "" "[170, 50, -170, 70]"
expect 2 "extent straddling the seam"
expect_line "seam message" "steppe: seam.yaml:5:5: extent [170, 50, -170, 70] straddles the map projection's seam at longitude 180 (its central meridian is 0): use a map crs centred inside the extent, e.g. with +lon_0=180"
no_output seam.png "seam"

# west == east is no box at all
styled flat "" "[20, 50, 20, 70]"
expect 2 "west == east"
expect_grep err.txt '^steppe: flat.yaml:5:13: map.extent.lonlat: expected \[west, south, east, north\]' "west == east message"

# ---- degenerate frames ---------------------------------------------------------
for crs in "+proj=stere +lat_0=90 +lon_0=0 +datum=WGS84 +units=m +no_defs" "EPSG:3413" "EPSG:3857"; do
    styled polar "$crs" "[-180, -90, 180, 90]"
    expect 2 "whole world in $crs"
    expect_grep err.txt "^steppe: polar.yaml:6:5: extent projects to a frame of .* km across, far larger than the Earth" "whole world in $crs: message"
    if [ "$(wc -l <err.txt)" -eq 1 ]; then ok; else bad "whole world in $crs: more than one line"; fi
    no_output polar.png "whole world in $crs"
done
# the northern hemisphere in the polar projection is a fine map
styled north "+proj=stere +lat_0=90 +lon_0=0 +datum=WGS84 +units=m +no_defs" "[-180, 30, 180, 90]"
expect 0 "northern hemisphere, polar stereographic"

# a frame a millimetre wide (inside Germany) has no sensible scale bar
styled tiny "" "[10, 50, 10.00000001, 50.00000001]"
expect 0 "a millimetre-wide frame"
expect_grep err.txt "^steppe: warning: tiny.yaml: the scale bar would measure .* km, which is not a sensible length for this map; no scale bar" "no nonsense scale bar"

# ---- nothing on the canvas -------------------------------------------------------
# the South Atlantic holds no country of countries.shp, nor a place
style sea "" "[-30, -50, -20, -40]" "  places:
    source: $SRC/shapes/places.csv"
run render sea.yaml -o sea.png
expect 1 "all layers off the canvas"
expect_line "off-canvas message" "steppe: sea.yaml:5:5: nothing to draw: no feature of the 2 layers ('countries', ...) lies in the map's frame (check map.extent and map.crs against the data)"
no_output sea.png "off-canvas"
styled sea1 "" "[-30, -50, -20, -40]"
expect 1 "one layer off the canvas"
expect_line "off-canvas message, one layer" "steppe: sea1.yaml:5:5: nothing to draw: no feature of layer 'countries' lies in the map's frame (check map.extent and map.crs against the data)"
# a hidden layer does not count; a style with no data layers draws its furniture
printf 'map:\n  width: 300\n  height: 200\ntitle:\n  text: "Only a title"\n' >nolayers.yaml
run render nolayers.yaml -o nolayers.png
expect 0 "a style without data layers"

# ---- CRS messages ----------------------------------------------------------------
styled epsg "EPSG:99999" "[60, 40, 80, 50]"
expect 2 "unknown EPSG code"
expect_line "unknown EPSG message" "steppe: epsg.yaml:4:8: unknown CRS 'EPSG:99999': not in PROJ's database"
styled projfoo "+proj=nonesuch" "[60, 40, 80, 50]"
expect 2 "unknown projection"
expect_line "unknown projection message" "steppe: projfoo.yaml:4:8: unknown CRS '+proj=nonesuch': Unknown projection"
styled lcrs "" "[60, 40, 80, 50]" "    crs: \"EPSG:99999\""
expect 2 "unknown layer CRS"
expect_line "unknown layer CRS message" "steppe: lcrs.yaml:11:10: unknown CRS 'EPSG:99999': not in PROJ's database"
if grep -q "Unknown error" err.txt; then bad "PROJ's errno text in a message"; else ok; fi

# ---- huge text -------------------------------------------------------------------
style text "" "[40, 35, 90, 60]" "    label: {text: \"{name}\"}
title:
  text: \"A title\""
# Absurd sizes stop at the style's ranges (the schema); the library's own
# clamps for callers that bypass them are tested in check_text.
for set in layers.countries.label.size=1e6 layers.countries.label.size=1e9 title.size=3e6 \
    layers.countries.label.halo-width=1e6; do
    run render text.yaml -o text.png -o text.svg --set "$set"
    expect 2 "--set $set"
    expect_grep err.txt "^steppe: --set ${set%%=*}=.*: expected a number in " "--set $set message"
done
# the largest sizes the schema allows still render
for set in layers.countries.label.size=1000 layers.countries.label.halo-width=1000; do
    run render text.yaml -o text.png -o text.svg --set "$set"
    expect 0 "--set $set"
    if grep -qiE "freetype|critical|assert" err.txt; then bad "--set $set: $(head -1 err.txt)"; else ok; fi
done
# the densest and the widest hatch the schema allows
for sp in 0.01 1000; do
    for fmt in png svg; do
        run render text.yaml -o "hatch.$fmt" --set "layers.countries.style={fill: \"#ffffff\", hatch: diagonal, hatch-spacing: $sp}"
        expect 0 "hatch-spacing $sp, $fmt"
        if grep -qiE "invalid|error" err.txt; then bad "hatch-spacing $sp, $fmt: $(head -1 err.txt)"; else ok; fi
    done
done
run render text.yaml -o text.png --set title.size=1000
expect_grep err.txt "the title does not fit on the map" "a title too big for the canvas is reported"

# A 15 MB title: cut before layout (it took 1.6 GB and 10 s to lay out).
python3 -c "import sys; sys.stdout.write('Omsk Pavlodar ' * (15 * 1024 * 1024 // 14))" >title.txt 2>/dev/null ||
    head -c 15728640 /dev/zero | tr '\0' 'a' >title.txt
{ printf 'title:\n  text: "'; cat title.txt; printf '"\n'; } >huge_title.yaml
sed '/^title:/,$d' text.yaml >huge.yaml
cat huge_title.yaml >>huge.yaml
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o mem.txt "$STEPPE" render huge.yaml -o huge.png >out.txt 2>err.txt
    rc=$?
    expect 0 "15 MB title"
    kb=$(tail -1 mem.txt)
    # 75 MB with the cut; before it, 2 GB
    if [ "${kb:-999999999}" -lt 400000 ]; then ok; else bad "15 MB title: peak RSS $kb kB"; fi
else
    run render huge.yaml -o huge.png
    expect 0 "15 MB title"
    echo "note: /usr/bin/time not found; peak memory not checked"
fi
expect_grep err.txt "the title does not fit on the map" "a 15 MB title is reported as not fitting"

# ---- a full disk -------------------------------------------------------------------
mkdir -p "$FULL"
if mount -t tmpfs -o size=8k tmpfs "$FULL" 2>/dev/null; then
    for fmt in svg png pdf; do
        run render text.yaml -o "$FULL/map.$fmt"
        expect 1 "full disk, $fmt"
        expect_grep err.txt "^steppe: .*$FULL/map.$fmt" "full disk, $fmt: the message names the file"
        if [ -z "$(ls -A "$FULL")" ]; then ok; else bad "full disk, $fmt: left $(ls -A "$FULL")"; fi
    done
    umount "$FULL"
else
    echo "SKIP: cannot mount a small tmpfs (not root, or not permitted here); full-disk checks skipped"
fi

harness_finish
