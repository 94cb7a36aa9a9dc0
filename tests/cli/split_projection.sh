#!/bin/bash
# A big source file is projected in two halves on two threads
# (render.c project_source). The halves must give the map one file gives:
# every feature drawn, in order, and one warning for the features that
# cannot be projected, counted over both halves and naming the first.
#
# The data: 70 lines of latitude, 801 points each (56,070 vertices, over
# the 50,000 at which a file is split). Under an orthographic projection
# centred on 0°E, lines 5 and 60 reach 150°E, on the far side of the
# globe — one in each half.
#
# Run by ctest with STEPPE and STEPPE_SOURCE_DIR; by hand:
#   STEPPE=build/steppe STEPPE_SOURCE_DIR=. bash tests/cli/split_projection.sh
source "$(dirname "$0")/lib.bash"
harness_init split

if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 is needed to write the test data"
    exit 0
fi

# lines.shp/.shx/.dbf: polylines (type 3) with one numeric field "n".
python3 - <<'EOF'
import struct

lines = []
for i in range(70):
    lat = -34.5 + i
    east = 150.0 if i in (5, 60) else 80.0
    n = 801
    lines.append([(-80.0 + (east + 80.0) * k / (n - 1), lat) for k in range(n)])

records = []
for pts in lines:
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    body = struct.pack('<i4d2i', 3, min(xs), min(ys), max(xs), max(ys), 1, len(pts))
    body += struct.pack('<i', 0)
    body += b''.join(struct.pack('<2d', x, y) for x, y in pts)
    records.append(body)

allx = [x for pts in lines for x, _ in pts]
ally = [y for pts in lines for _, y in pts]
bbox = (min(allx), min(ally), max(allx), max(ally))

def header(length_words):
    return (struct.pack('>i5ii', 9994, 0, 0, 0, 0, 0, length_words) +
            struct.pack('<2i4d4d', 1000, 3, *bbox, 0, 0, 0, 0))

shp = b''
shx = b''
offset = 50
for i, body in enumerate(records):
    shp += struct.pack('>2i', i + 1, len(body) // 2) + body
    shx += struct.pack('>2i', offset, len(body) // 2)
    offset += 4 + len(body) // 2
open('lines.shp', 'wb').write(header(50 + len(shp) // 2) + shp)
open('lines.shx', 'wb').write(header(50 + len(shx) // 2) + shx)

fields = [(b'n', b'N', 5, 0)]
rec_len = 1 + sum(f[2] for f in fields)
hdr_len = 32 + 32 * len(fields) + 1
dbf = struct.pack('<4BIHH20x', 3, 126, 1, 1, len(lines), hdr_len, rec_len)
for name, kind, size, dec in fields:
    dbf += struct.pack('<11sc4xBB14x', name, kind, size, dec)
dbf += b'\r'
for i in range(len(lines)):
    dbf += b' ' + str(i).rjust(5).encode()
dbf += b'\x1a'
open('lines.dbf', 'wb').write(dbf)
EOF

cat >map.yaml <<'EOF'
map:
  width: 600
  height: 600
  crs: "+proj=ortho +lat_0=0 +lon_0=0 +ellps=WGS84"
  extent:
    bbox: [-6500000, -6500000, 6500000, 6500000]
  background: "#ffffff"
legend: {show: false}
scalebar: {show: false}
layers:
  lines:
    source: lines.shp
    crs: "EPSG:4326"
    style: {stroke: "#000000", width: 0.75}
EOF

"$STEPPE" render map.yaml -o map.png --report report.json >out.txt 2>err.txt
rc=$?
if [ $rc -eq 0 ] && [ -s map.png ]; then ok; else bad "render: exit $rc"; fi

# One warning for the whole file, counting both halves' failures.
n=$(grep -c 'could not be projected' err.txt)
if [ "$n" -eq 1 ]; then ok; else bad "$n projection warnings, expected 1"; fi
if grep -q 'lines.shp: 2 features could not be projected (wholly or partly; first: record 5)$' err.txt; then
    ok
else
    bad "the warning does not count 2 features from record 5"
fi

# Every line is kept, with the far-side points of lines 5 and 60 dropped: the report counts the layer's features and vertices (each
# line keeps its two ends at least).
read -r features vertices < <(python3 -c 'import json
d = json.load(open("report.json"))
l = [l for l in d["layers"] if l["name"] == "lines"][0]
print(l.get("features", -1), l.get("vertices", -1))')
if [ "$features" = 70 ]; then ok; else bad "layer has $features features, expected 70"; fi
if [ "$vertices" -ge 140 ]; then ok; else bad "layer has $vertices vertices, expected at least 140"; fi

harness_finish
