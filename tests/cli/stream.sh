#!/bin/bash
# A big Shapefile layer that is only drawn is streamed (render/read.c):
# read in batches, each projected, generalised, drawn and dropped, and
# read again for every drawing, so memory holds a batch, not the file.
# It must give the map, report and warnings of a whole read, and its
# memory must not grow with the file.
#
# STEPPE_STREAM_RECORDS=N streams every layer that may be streamed, in
# batches of N features, whatever its size: the small files here are
# rendered whole and streamed in batches of 7 and compared byte for byte
# (PNG in two bands, SVG in one pass), with a broken ring and a record
# that cannot be projected for the warnings. Then a file of 400,000 tiny
# polygons (54 MB) is streamed by default, and its peak memory must stay
# within 40 MB of a small map's (held whole it took 150 MB more).
#
# Run by ctest with STEPPE and STEPPE_SOURCE_DIR; by hand:
#   STEPPE=build/steppe STEPPE_SOURCE_DIR=. bash tests/cli/stream.sh
source "$(dirname "$0")/lib.bash"
harness_init stream

if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 is needed to write the test data"
    exit 0
fi

# write.py NAME TYPE N: NAME.shp/.shx/.dbf of N polygons (TYPE 5) or
# lines (TYPE 3), seeded; fields "id" (N) and "name" (C). Polygons: mostly
# squares of 0.01° to 2° over 60-120°E, 40-70°N; record 3's ring is left
# unclosed (a warning); record 5 runs from the centre of the orthographic
# map below round to the far side of the globe (cannot be projected
# wholly: a warning). Fewer than 4,096 vertices in all, so that the whole
# read projects every vertex exactly, as batches of 7 features do
# (project_approx.c interpolates in bigger batches only).
cat >write.py <<'EOF'
import random, struct, sys

name, kind, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(18)
records = []
bounds = [180.0, 90.0, -180.0, -90.0]
for i in range(n):
    x = rnd.uniform(60, 120)
    y = rnd.uniform(40, 70)
    s = 0.01 if i % 4 else rnd.uniform(0.1, 2.0)
    if i == 5:
        # from the map's centre round to its far side
        pts = [(90, 50), (90, 20), (90, -10), (90, -40), (-90, -50)]
        pts += [(-89, -50), (91, 50), (90, 50)] if kind == 5 else []
    elif kind == 5:
        pts = [(x, y), (x, y + s), (x + s, y + s), (x + s, y), (x, y)]
        if i == 3:
            pts = pts[:-1]
    else:
        pts = [(x + s * k / 6, y + s * ((k % 2) - 0.5)) for k in range(7)]
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    bounds = [min(bounds[0], min(xs)), min(bounds[1], min(ys)),
              max(bounds[2], max(xs)), max(bounds[3], max(ys))]
    body = struct.pack('<i4d2ii', kind, min(xs), min(ys), max(xs), max(ys), 1, len(pts), 0)
    body += b''.join(struct.pack('<2d', px, py) for px, py in pts)
    records.append(body)

def header(length_words):
    return (struct.pack('>i5ii', 9994, 0, 0, 0, 0, 0, length_words) +
            struct.pack('<2i4d4d', 1000, kind, *bounds, 0, 0, 0, 0))

shp = []
shx = []
offset = 50
for i, body in enumerate(records):
    shp.append(struct.pack('>2i', i + 1, len(body) // 2) + body)
    shx.append(struct.pack('>2i', offset, len(body) // 2))
    offset += 4 + len(body) // 2
shp = b''.join(shp)
shx = b''.join(shx)
open(name + '.shp', 'wb').write(header(50 + len(shp) // 2) + shp)
open(name + '.shx', 'wb').write(header(50 + len(shx) // 2) + shx)

fields = [(b'id', b'N', 7, 0), (b'name', b'C', 8, 0)]
rec_len = 1 + sum(f[2] for f in fields)
hdr_len = 32 + 32 * len(fields) + 1
dbf = [struct.pack('<4BIHH20x', 3, 126, 1, 1, n, hdr_len, rec_len)]
for fname, ftype, size, dec in fields:
    dbf.append(struct.pack('<11sc4xBB14x', fname, ftype, size, dec))
dbf.append(b'\r')
for i in range(n):
    dbf.append(b' ' + str(i).rjust(7).encode() + ('p%d' % i).ljust(8)[:8].encode())
dbf.append(b'\x1a')
open(name + '.dbf', 'wb').write(b''.join(dbf))
EOF

# map.yaml SOURCE STYLE: the map of the tests (orthographic, so that a
# record can fail to project).
style() {
    cat <<EOF
map:
  width: 1200
  height: 900
  crs: "+proj=ortho +lat_0=55 +lon_0=90 +ellps=WGS84"
  extent:
    bbox: [-2600000, -1900000, 2600000, 1900000]
  background: "#ccdef0"
legend: {show: false}
scalebar: {show: false}
layers:
  data:
    source: $1
    crs: "EPSG:4326"
    style: $2
EOF
}

python3 write.py polys 5 600 && python3 write.py lines 3 500 || {
    bad "writing the test data"
    harness_finish
    exit 1
}
style polys.shp '{fill: "#f2ede3", stroke: "#646464", width: 0.75}' >polys.yaml
style lines.shp '{stroke: "#202060", width: 1.2}' >lines.yaml

# The report without its timings, one key a line.
report_counts() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for l in d["layers"]:
    print(l["name"], l["features"], l["vertices"], l["source_vertices"])' "$1"
}

mkdir whole streamed
for name in polys lines; do
    for fmt in png svg; do
        cd whole && "$STEPPE" render "../$name.yaml" -o "map.$fmt" --report report.json >../out.txt 2>../err.txt
        rc=$?
        cd ..
        expect 0 "$name.$fmt rendered whole"
        cp err.txt whole.err
        cd streamed && STEPPE_STREAM_RECORDS=7 "$STEPPE" render "../$name.yaml" -o "map.$fmt" \
            --report report.json >../out.txt 2>../err.txt
        rc=$?
        cd ..
        expect 0 "$name.$fmt streamed"
        cp err.txt streamed.err
        if cmp -s "whole/map.$fmt" "streamed/map.$fmt"; then
            ok "$name: the streamed $fmt is byte for byte the whole one"
        else
            bad "$name: the streamed $fmt differs from the whole one"
        fi
        if cmp -s whole.err streamed.err && [ -s whole.err ]; then
            ok "$name: the same warnings ($(wc -l <whole.err))"
        else
            bad "$name: warnings differ: $(diff whole.err streamed.err | head -4 | tr '\n' ' ')"
        fi
        if [ "$(report_counts whole/report.json)" = "$(report_counts streamed/report.json)" ]; then
            ok "$name: the same report counts ($(report_counts whole/report.json))"
        else
            bad "$name: report counts $(report_counts streamed/report.json), whole $(report_counts whole/report.json)"
        fi
    done
done
expect_grep whole.err 'lines.shp: 1 features could not be projected.*first: record 5' \
    "the warning of the record round the globe"

# A streamed layer of which nothing meets the canvas is read whole, and
# the map is refused as a whole read refuses it.
style polys.shp '{fill: "#f2ede3"}' | sed 's/lat_0=55 +lon_0=90/lat_0=-55 +lon_0=-90/' >away.yaml
STEPPE_STREAM_RECORDS=7 "$STEPPE" render away.yaml -o away.png >out.txt 2>err.txt
rc=$?
expect 1 "a streamed layer outside the frame"
expect_grep err.txt 'nothing to draw' "its error"

# Peak memory: a 54 MB file of tiny polygons, streamed by default, against
# a small map. GNU time gives the peak resident size. Not under
# AddressSanitizer, whose shadow memory and quarantine measure the tool.
if [ -n "${ASAN_OPTIONS:-}" ] || nm -D "$STEPPE" 2>/dev/null | grep -q __asan_init; then
    echo "skip: peak memory is not measured under AddressSanitizer"
elif [ -x /usr/bin/time ]; then
    python3 write.py big 5 400000
    style big.shp '{fill: "#f2ede3", stroke: "#646464", width: 0.75}' >big.yaml
    /usr/bin/time -f '%M' -o small.rss "$STEPPE" render polys.yaml -q -o small.png 2>/dev/null
    /usr/bin/time -f '%M' -o big.rss "$STEPPE" render big.yaml -q -o big.png 2>err.txt
    rc=$?
    expect 0 "the big file rendered"
    small=$(tail -1 small.rss)
    big=$(tail -1 big.rss)
    if [ "$big" -lt $((small + 40 * 1024)) ]; then
        ok "peak memory ${big} kB for 400,000 polygons, ${small} kB for 600"
    else
        bad "peak memory ${big} kB for 400,000 polygons, over ${small} kB for 600 + 40 MB"
    fi
else
    echo "skip: no /usr/bin/time for the memory check"
fi

harness_finish
