#!/bin/bash
# Every command under a memory cap and a time limit, on adversarial input.
#
# The guarantees stated in README ("Limits"): whatever the input, each
# command ends within LIMIT_SECONDS (20 s) and within LIMIT_MB (2 GiB) of
# memory, by itself, with exit 0, 1 or 2 — never a signal, never the
# timeout; a failure is one "steppe: " line on stderr and leaves no output
# and no temporary file; no input is changed.
#
# The inputs are made here, at test time (a few MB that are not worth
# committing): YAML and alias bombs, huge and absurd numbers, a 15 MB title,
# FIFOs and devices where files are expected, a CSV with a 1,000,000-column
# header, a whole-world polar map, a map whose data all lies off the canvas.
# Each case runs check, render (PNG, SVG and PDF) and, where it applies,
# info, atlas and diff.
#
# Memory: `ulimit -v` on a normal build. A sanitizer build reserves terabytes
# of address space up front, so there the cap is ASan's own RSS limit.
#
#   STEPPE=build/steppe STEPPE_SOURCE_DIR=. bash tests/cli/limits.sh
source "$(dirname "$0")/lib.bash"
harness_init limits
LIMIT_MB=${LIMIT_MB:-2048}

if ldd "$STEPPE" 2>/dev/null | grep -q libasan; then
    sanitized=1
    # fast_unwind_on_malloc=1: the sanitizer build records allocation stacks
    # with the slow DWARF unwinder (src/render/render.c says why), which makes
    # a 200,000-key style take 24 s instead of 0.8 s; nothing here renders
    # the translucent SVG group whose cairo leak needs the slow stacks.
    export ASAN_OPTIONS="detect_leaks=1:exitcode=86:hard_rss_limit_mb=$LIMIT_MB:allocator_may_return_null=1:fast_unwind_on_malloc=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87"
    export LSAN_OPTIONS="suppressions=$SRC/tests/fuzz/lsan.supp:print_suppressions=0"
else
    sanitized=0
fi
# The 20 s guarantee is the normal build's. A sanitizer build allocates ten
# to thirty times slower, and on a loaded CI runner the largest inputs here
# (a 15 MB title, 200,000 keys, 5,000 layers) took over 20 s under ASan while
# taking 0.5-1 s on an idle machine; there the limit only has to catch a hang.
if [ $sanitized = 1 ]; then
    LIMIT_SECONDS=${LIMIT_SECONDS:-120}
else
    LIMIT_SECONDS=${LIMIT_SECONDS:-20}
fi

# limited CMD...: runs steppe with the memory cap and the time limit.
limited() {
    if [ $sanitized = 1 ]; then
        timeout -s KILL "$LIMIT_SECONDS" "$STEPPE" "$@" >out.txt 2>err.txt </dev/null
    else
        # (the braces keep bash's own "Killed" job notice out of the log)
        { (ulimit -v $((LIMIT_MB * 1024)) && exec timeout -s KILL "$LIMIT_SECONDS" "$STEPPE" "$@") \
            >out.txt 2>err.txt </dev/null; } 2>/dev/null
    fi
    rc=$?
}

inputs_sum() { find in -type f -exec sha256sum {} + 2>/dev/null | sort; }

# case NAME ARGS...: one command; checks the guarantees above.
check_case() {
    local name=$1
    shift
    rm -rf o && mkdir o
    local before
    before=$(inputs_sum)
    limited "$@"
    if [ $rc -gt 2 ]; then
        if [ $rc -eq 137 ]; then
            bad "$name: killed after ${LIMIT_SECONDS}s (a hang or unbounded time)"
        else
            bad "$name: exit $rc (a signal, a sanitizer report or an allocation failure)"
        fi
        return
    fi
    if [ $rc -ne 0 ]; then
        if [ "$(grep -vc '^steppe: warning' err.txt)" -ne 1 ] || ! grep -v '^steppe: warning' err.txt | grep -q '^steppe: '; then
            bad "$name: exit $rc without exactly one 'steppe: ' error line"
            return
        fi
        if [ "$(wc -c <err.txt)" -gt 4096 ]; then
            bad "$name: error output of $(wc -c <err.txt) bytes"
            return
        fi
        if [ -n "$(find o -type f -print -quit)" ]; then
            bad "$name: failed but left $(find o -type f | head -1)"
            return
        fi
    fi
    if [ -n "$(find . -name '.*.tmp' -print -quit)" ]; then
        bad "$name: a temporary file outlived the process"
        return
    fi
    if [ "$before" != "$(inputs_sum)" ]; then
        bad "$name: an input changed"
        return
    fi
    passed=$((passed + 1))
}

# style_case NAME FILE: check, then render to each format.
style_case() {
    check_case "$1 check" check "$2"
    check_case "$1 render" render "$2" -q -o o/m.png -o o/m.svg -o o/m.pdf -r o/m.json
}

mkdir in
SHAPES=$SRC/shapes
PY=python3

# ---- styles ---------------------------------------------------------------
base_map() { # base_map EXTRA-YAML: a small valid map with one layer
    cat <<EOF
map: {width: 300, height: 200}
layers:
  countries:
    source: $SHAPES/countries.shp
    style: {fill: "#eeeeee", stroke: "#333333"}
$1
EOF
}

# Absurd numbers in every kind of size the schema has.
for key in "style.size: 1e300" "style.size: 1e20" "style.width: 1e300" "style.dash: [0, 0]" \
    "style.dash: [1e300, 1]" "style.hatch-spacing: 1e-300" "style.casing-width: 1e300" \
    "label: {text: '{name}', size: 1e6}" "label: {text: '{name}', size: 1e300}" \
    "label: {text: '{name}', halo-width: 1e300}" "label: {text: '{name}', offset: 1e300}" \
    "label: {text: '{name}', letter-spacing: 1e300}" "label: {text: '{name}', letter-spacing: -1e300}"; do
    k=${key%%:*}
    v=${key#*: }
    f=in/num-$(echo "$k-$v" | tr -c 'a-zA-Z0-9.-' '_').yaml
    {
        echo "map: {width: 300, height: 200}"
        echo "layers:"
        echo "  countries:"
        echo "    source: $SHAPES/countries.shp"
        case $k in
        style.*) echo "    style: {${k#style.}: $v}" ;;
        *) echo "    $k: $v" ;;
        esac
    } >"$f"
    style_case "number $key" "$f"
done
for m in "width: 1e300" "width: 32768" "height: 1e9" "dpi: 1e300" "width: -5" "width: .nan"; do
    f=in/map-$(echo "$m" | tr -c 'a-zA-Z0-9.-' '_').yaml
    base_map "" | sed "s/^map: {width: 300, height: 200}/map: {width: 300, height: 200, ${m%%:*}: ${m#*: }}/" |
        awk '!seen[$0]++' >"$f"
    # the later key of a flow mapping wins or is refused as a duplicate; either is fine
    style_case "map $m" "$f"
done
for t in "title: {text: 'T', size: 1e300}" "legend: {size: 1e300}" "graticule: {show: true, step: 1e-300}" \
    "scalebar: {max-width: 1e300}" "attribution: {text: 'a', size: 1e7}"; do
    f=in/furn-$(echo "$t" | tr -c 'a-zA-Z0-9.-' '_').yaml
    base_map "$t" >"$f"
    style_case "furniture $t" "$f"
done

# A 15 MB title.
$PY - <<'EOF' >in/title-big.yaml || exit 1
import sys
print("map: {width: 300, height: 200}")
print('title: "' + "Steppe " * (15 * 1024 * 1024 // 7) + '"')
EOF
echo "layers: {countries: {source: $SHAPES/countries.shp}}" >>in/title-big.yaml
style_case "15 MB title" in/title-big.yaml

# A 3 MB string reused by alias 20 times (60 MB expanded; 4 GB before).
$PY - <<'EOF' >in/alias-bomb.yaml || exit 1
print('big: &s "' + "x" * (3 * 1024 * 1024) + '"')
print("more: [" + ", ".join(["*s"] * 20) + "]")
print("map: {width: 300, height: 200}")
EOF
style_case "alias bomb" in/alias-bomb.yaml

# Billion laughs.
$PY - <<'EOF' >in/laughs.yaml || exit 1
print('a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]')
for i in range(1, 10):
    print(f"a{i}: &a{i} [" + ",".join([f"*a{i-1}"] * 10) + "]")
EOF
style_case "billion laughs" in/laughs.yaml

# 200,000 keys; 100,000 anchors.
$PY -c 'print("\n".join(f"k{i}: {i}" for i in range(200000)))' >in/keys.yaml
style_case "200,000 keys" in/keys.yaml
$PY -c 'print("\n".join(f"k{i}: &a{i} {i}" for i in range(100000)))' >in/anchors.yaml
style_case "100,000 anchors" in/anchors.yaml

# Many layers: a style of 20,000 layers on one file is refused at its layers
# key (at most ST_MAX_LAYERS, 10,000); 5,000 are checked with one read.
$PY - "$SHAPES" <<'EOF' || exit 1
import sys
for n, name in ((20000, "in/layers-20k.yaml"), (5000, "in/layers-5k.yaml")):
    with open(name, "w") as f:
        f.write("map: {width: 200, height: 100}\nlayers:\n")
        for i in range(n):
            f.write(f"  l{i}: {{source: {sys.argv[1]}/countries.shp}}\n")
EOF
style_case "20,000 layers" in/layers-20k.yaml
if [ $rc -eq 2 ] && grep -q "layers-20k.yaml:3:3: layers: 20000 layers, more than the 10000 a map may have" err.txt; then
    passed=$((passed + 1))
else
    bad "20,000 layers: exit $rc, not refused at the layers key"
fi
check_case "5,000 layers check" check in/layers-5k.yaml
if [ $rc -eq 0 ]; then passed=$((passed + 1)); else bad "5,000 layers check: exit $rc"; fi

# Deep nesting.
$PY -c 'print("a: " + "[" * 100000 + "]" * 100000)' >in/deep.yaml
style_case "deep nesting" in/deep.yaml

# NUL escapes.
base_map "" | sed 's/^map: {width: 300, height: 200}/map: {width: "300\\0garbage", height: 200}/' >in/nul.yaml
style_case "NUL escape" in/nul.yaml

# Not regular files where a style is expected.
mkfifo in/fifo.yaml
style_case "FIFO style" in/fifo.yaml
style_case "/dev/zero style" /dev/zero
style_case "/proc style" /proc/self/status
style_case "directory style" in
echo "extends: $WORK/in/fifo.yaml" >in/extends-fifo.yaml
style_case "FIFO extends" in/extends-fifo.yaml
echo "extends: /dev/zero" >in/extends-zero.yaml
style_case "/dev/zero extends" in/extends-zero.yaml
head -c 200000 /dev/urandom | base64 >in/unrelated.txt
echo "extends: $WORK/in/unrelated.txt" >in/extends-unrelated.yaml
style_case "unrelated extends" in/extends-unrelated.yaml

# Extents: a polar projection of the whole world; data all off the canvas;
# longitudes out of range.
base_map "" | sed 's|^map: {width: 300, height: 200}|map: {width: 300, height: 200, crs: "+proj=stere +lat_0=90 +lon_0=0 +datum=WGS84", extent: {lonlat: [-180, -90, 180, 90]}}|' >in/polar.yaml
style_case "polar whole world" in/polar.yaml
base_map "" | sed 's|^map: {width: 300, height: 200}|map: {width: 300, height: 200, extent: {lonlat: [-179, -89.9, -178.9, -89.8]}}|' >in/offcanvas.yaml
style_case "data off the canvas" in/offcanvas.yaml
base_map "" | sed 's|^map: {width: 300, height: 200}|map: {width: 300, height: 200, extent: {lonlat: [-500, 10, 900, 20]}}|' >in/lon-range.yaml
style_case "longitudes out of range" in/lon-range.yaml
base_map "" | sed 's|^map: {width: 300, height: 200}|map: {width: 300, height: 200, crs: "EPSG:99999"}|' >in/epsg.yaml
style_case "unknown EPSG" in/epsg.yaml

# ---- CSV sources ----------------------------------------------------------
$PY - <<'EOF' >in/wide.csv || exit 1
cols = 1000000
print("lon,lat," + ",".join(f"c{i}" for i in range(cols)))
# Rows as short as the issue's trial had them: the header is the bomb.
for _ in range(600):
    print("10,20,1")
EOF
printf 'map: {width: 300, height: 200, extent: {lonlat: [0, 0, 30, 30]}}\nlayers:\n  p: {source: %s/in/wide.csv}\n' "$WORK" >in/wide.yaml
style_case "CSV 1,000,000 columns" in/wide.yaml
head -c 30000000 /dev/zero | tr '\0' 'x' >in/longline.csv
printf 'map: {width: 300, height: 200, extent: {lonlat: [0, 0, 30, 30]}}\nlayers:\n  p: {source: %s/in/longline.csv}\n' "$WORK" >in/longline.yaml
style_case "CSV one 30 MB line" in/longline.yaml
mkfifo in/fifo.csv
printf 'map: {width: 300, height: 200, extent: {lonlat: [0, 0, 30, 30]}}\nlayers:\n  p: {source: %s/in/fifo.csv}\n' "$WORK" >in/fifo-csv.yaml
style_case "FIFO CSV" in/fifo-csv.yaml

# ---- Shapefiles, info and atlas ------------------------------------------
check_case "info FIFO" info in/fifo.csv
check_case "info /dev/zero" info /dev/zero
mkfifo in/fifo.shp
check_case "render FIFO shp" render in/fifo.shp -q -o o/q.png
$PY - <<'EOF' || exit 1
# A .shp whose one polygon has 5,000,000 vertices in 1 ring (80 MB): bounded
# by the time limit, not refused.
import struct
n = 5_000_000
pts = bytearray()
for i in range(n):
    x = 10 + (i % 1000) * 0.001
    y = 10 + (i // 1000) * 0.001 + (0.0005 if i % 2 else 0)
    pts += struct.pack("<2d", x, y)
content = struct.pack("<i4d2i", 5, 10, 10, 11, 15, 1, n) + struct.pack("<i", 0) + bytes(pts)
rec = struct.pack(">2i", 1, len(content) // 2) + content
flen = (100 + len(rec)) // 2
hdr = struct.pack(">7i", 9994, 0, 0, 0, 0, 0, flen) + struct.pack("<2i4d4d", 1000, 5, 10, 10, 11, 15, 0, 0, 0, 0)
open("in/dense.shp", "wb").write(hdr + rec)
shx = struct.pack(">7i", 9994, 0, 0, 0, 0, 0, 54) + struct.pack("<2i4d4d", 1000, 5, 10, 10, 11, 15, 0, 0, 0, 0) + struct.pack(">2i", 50, len(content) // 2)
open("in/dense.shx", "wb").write(shx)
EOF
check_case "info 5M-vertex ring" info in/dense.shp
check_case "render 5M-vertex ring" render in/dense.shp -q -o o/q.png
atlas_style=in/atlas.yaml
printf 'map: {width: 120, height: 80}\nlayers:\n  countries: {source: %s/countries.shp}\n' "$SHAPES" >"$atlas_style"
check_case "atlas nothing matches" atlas "$atlas_style" --layer countries --where 'iso_a3=XXX' -q -o 'o/{iso_a3}.png'

# ---- diff ----------------------------------------------------------------
"$STEPPE" render "$SHAPES/countries.shp" -q -W 64 -H 48 -o in/a.png 2>/dev/null
check_case "diff FIFO" diff in/a.png in/fifo.csv
check_case "diff /dev/zero" diff /dev/zero in/a.png
check_case "diff -o .svg" diff in/a.png in/a.png -o o/d.svg
check_case "diff -o over an input" diff in/a.png in/a.png -o in/a.png
printf '\x89PNG\r\n\x1a\n\0\0\0\rIHDR\x7f\xff\xff\xff\x7f\xff\xff\xff\x08\x06\0\0\0\0\0\0\0' >in/huge.png
check_case "diff huge header" diff in/huge.png in/a.png

harness_finish
