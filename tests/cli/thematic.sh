#!/bin/bash
# Thematic maps (issue 11) from the command line: classify, categorize,
# size and join in a style; each bad input is one line with its place and
# the right exit status, and leaves no output; a layer all no-data renders
# with one warning; the report lists method, breaks, colours and counts.
#
# Run by ctest with STEPPE=path of the binary and STEPPE_SOURCE_DIR; by hand:
#   STEPPE=build/steppe STEPPE_SOURCE_DIR=. bash tests/cli/thematic.sh
source "$(dirname "$0")/lib.bash"
harness_init thematic
run() {
    rm -f out.png
    "$STEPPE" "$@" >out.txt 2>err.txt
    rc=$?
}

SHP=$SRC/shapes/ru_regions.shp

# A small point table: v has two distinct values, neg a negative one,
# empty no value at all.
cat >pts.csv <<'CSV'
name,lon,lat,v,neg,empty,kind
a,37.6,55.7,1,3,,x
b,30.3,59.9,2,-1,,y
c,82.9,55.0,2,4,,x
d,49.1,55.8,1,5,,y
CSV

# style NAME LAYER-YAML: a style of one layer (the rest fixed).
style() {
    {
        printf 'map: {width: 400, height: 300, crs: "EPSG:4326", extent: {lonlat: [20, 40, 180, 80]}}\n'
        printf 'layers:\n  l:\n'
        printf '%s\n' "$2"
    } >"$1.yaml"
}

# bad_case NAME STATUS PATTERN LAYER-YAML: the render fails with STATUS, one
# line on stderr matching PATTERN (a regular expression), and no output.
bad_case() {
    style "$1" "$4"
    run render "$1.yaml" -o out.png
    if [ "$rc" -ne "$2" ]; then bad "$1: exit $rc, expected $2"; return; fi
    if [ -e out.png ]; then bad "$1: output written"; return; fi
    if [ "$(grep -c . err.txt)" -ne 1 ]; then bad "$1: expected one line on stderr"; return; fi
    if ! grep -Eq "$3" err.txt; then bad "$1: message does not match '$3'"; return; fi
    ok
}

bad_case not_numeric 2 'not_numeric\.yaml:[0-9]+:[0-9]+: .*name_en.*(not numeric|numeric)' \
    "    source: $SHP
    classify: {field: name_en, classes: 3}"
bad_case size_not_numeric 2 'size_not_numeric\.yaml:[0-9]+:[0-9]+: .*name' \
    "    source: pts.csv
    size: {field: name}"
bad_case too_many_classes 2 'too_many_classes\.yaml:[0-9]+:[0-9]+: .*distinct' \
    "    source: pts.csv
    classify: {field: v, classes: 3, method: equal}"
bad_case unknown_ramp 2 "unknown_ramp\.yaml:[0-9]+:[0-9]+: .*did you mean 'YlOrRd'" \
    "    source: pts.csv
    classify: {field: v, classes: 2, ramp: YlOrRdd}"
bad_case zero_classes 2 'zero_classes\.yaml:[0-9]+:[0-9]+: .*classes' \
    "    source: pts.csv
    classify: {field: v, classes: 0}"
bad_case negative_size 2 'negative_size\.yaml:[0-9]+:[0-9]+: .*negative' \
    "    source: pts.csv
    size: {field: neg}"
bad_case join_missing 2 'join_missing\.yaml:[0-9]+:[0-9]+: .*nothere\.csv' \
    "    source: $SHP
    join: {source: nothere.csv, on: iso, key: code}"
printf 'code,x\nRU-MOW,1\n"RU-SPE,2\n' >broken.csv
bad_case join_not_table 1 'broken\.csv:[0-9]+: ' \
    "    source: $SHP
    join: {source: broken.csv, on: iso, key: code}"
bad_case label_field 2 "label_field\.yaml:[0-9]+:[0-9]+: .*nmae.*did you mean 'name'" \
    "    source: pts.csv
    label: \"{nmae}\""

# All no-data: renders, one warning.
style nodata "    source: pts.csv
    classify: {field: empty, classes: 2}"
run render nodata.yaml -o out.png
if [ "$rc" -eq 0 ] && [ -s out.png ] && [ "$(grep -ci warning err.txt)" -eq 1 ]; then ok; else
    bad "all no-data: exit $rc, expected 0 with one warning"
fi

# A join and a classification of the joined column; the report.
printf 'code,score\nRU-MOW,10\nRU-SPE,20\nRU-NVS,30\nRU-TA,40\nNOWHERE,50\n' >stats.csv
style joined "    source: $SHP
    join: {source: stats.csv, on: iso, key: code}
    classify: {field: score, method: quantile, classes: 2, ramp: Blues}
    label: \"{name_en} {area_km2}\""
run render joined.yaml -o out.png --report report.json
if [ "$rc" -eq 0 ] && [ -s out.png ]; then ok; else bad "join render: exit $rc"; fi
if python3 - <<'PY'; then ok; else bad "report: thematic and join fields"; fi
import json, sys
r = json.load(open("report.json"))
t = r["layers"][0]["thematic"]
j = r["layers"][0]["joins"][0]
assert t["kind"] == "classify" and t["method"] == "quantile" and t["field"] == "score", t
assert t["breaks"] == [10, 25, 40], t["breaks"]
assert [e["count"] for e in t["entries"]] == [2, 2], t
assert all(e["rgb"].startswith("#") and len(e["rgb"]) == 7 for e in t["entries"]), t
assert t["nodata"] == 79, t["nodata"]
assert j["rows"] == 5 and j["matched_features"] == 4 and j["unmatched_rows"] == 1, j
assert j["first_unmatched_row"] == "NOWHERE", j
PY
if grep -q 'NOWHERE' err.txt; then ok; else bad "join: no warning about the unmatched row"; fi

# The bundled thematic styles render and report their classes.
for s in regions-area regions-type regions-circles; do
    run render "$SRC/styles/$s.yaml" -o out.png --report r.json
    if [ "$rc" -eq 0 ] && python3 -c 'import json,sys; t=json.load(open("r.json"))["layers"][0]["thematic"]; sys.exit(0 if t["entries"] or t.get("size_vmax") else 1)'; then
        ok
    else
        bad "$s: exit $rc or no thematic report"
    fi
done

# method: fisher is classInt's name for natural: the same breaks, reported
# as natural.
run render "$SRC/styles/regions-area.yaml" -o out.png --report natural.json
run render "$SRC/styles/regions-area.yaml" -o out.png --report fisher.json --set layers.regions.classify.method=fisher
if [ "$rc" -eq 0 ] && python3 - <<'PY'; then ok; else bad "method fisher: exit $rc or not the natural breaks"; fi
import json
n = json.load(open("natural.json"))["layers"][0]["thematic"]
f = json.load(open("fisher.json"))["layers"][0]["thematic"]
assert f["method"] == "natural" and f["method_classint"] == "fisher", f
assert f["breaks"] == n["breaks"] and f["entries"] == n["entries"], (f, n)
PY

# Labels keep clear of proportional markers: a size: layer's own labels sit
# beside their circles, another layer's labels are not drawn over them
# (the circles are obstacles of their own size, not of style.size).
# EPSG:4326 on 600x300 px fits [40,50,160,75] at 5 px per degree, the
# latitudes centred: lon, lat -> x = 5 (lon - 40), y = 150 - 5 (lat - 62.5).
printf 'name,lon,lat,v\nAlpha,60,60,100\nBravo,100,65,50\nCharlie,140,60,25\n' >circ.csv
cat >circles.yaml <<'YAML'
map: {width: 600, height: 300, crs: "EPSG:4326", extent: {lonlat: [40, 50, 160, 75]}, dpi: 96}
legend: {show: false}
scalebar: {show: false}
layers:
  big:
    source: circ.csv
    style: {fill: "#dd3322", stroke: "#ffffff", width: 0.5, size: 1}
    size: {field: v, max: 40, scale: sqrt}
    label: {text: "{name}", size: 9}
  names:
    source: circ.csv
    style: {marker: circle, size: 2, fill: "#000000"}
    label: {text: "{name} again", size: 9}
YAML
run render circles.yaml -o out.png --report circles.json
if [ "$rc" -eq 0 ] && python3 - <<'PY'; then ok; else bad "labels over proportional markers: exit $rc"; fi
import json, math
r = json.load(open("circles.json"))
pts = {"Alpha": (60, 60, 100), "Bravo": (100, 65, 50), "Charlie": (140, 60, 25)}
placed = {l["text"]: l for l in r["labels"]}
for name in pts:
    assert name in placed, ("own label dropped", name, r["dropped_labels"])
for l in r["labels"]:
    for name, (lon, lat, v) in pts.items():
        x, y = 5 * (lon - 40), 150 - 5 * (lat - 62.5)
        rad = (40 * math.sqrt(v / 100) / 2 + 0.5) * 96 / 72 - 0.5
        inside = l["x"] < x + rad and x - rad < l["x"] + l["width"] and l["y"] < y + rad and y - rad < l["y"] + l["height"]
        assert not inside, ("label over the marker", l["text"], name, l)
PY

# legend.direction takes only its two words.
run render "$SRC/styles/regions-area.yaml" -o out.png --set legend.direction=diagonal
if [ "$rc" -eq 2 ] && [ ! -e out.png ] && grep -q 'legend.direction' err.txt; then
    ok
else
    bad "legend.direction diagonal: exit $rc, expected 2 and the key named"
fi

harness_finish
