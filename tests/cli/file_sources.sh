#!/usr/bin/env bash
# (file_sources.sh) The file sources behind the driver interface: GeoJSON (a FeatureCollection
# and newline-delimited), GeoPackage (a table, an sql: query) made from the
# bundled Shapefiles by ogr2ogr at test time. The forum map rendered from
# each copy must be byte-identical to the Shapefile render; render FILE and
# info FILE work on each; a file's type comes from its content whatever its
# name; bad input is one line naming the place, exit 1 and no output file.
set -u
src=${STEPPE_SOURCE_DIR:?}
steppe=${STEPPE:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }
if ! command -v ogr2ogr >/dev/null; then
  echo "FAIL ogr2ogr not found: tools/bootstrap.sh test installs gdal-bin, which makes the test copies"
  echo "0 passed, 1 failed"
  exit 1
fi

# ---- the copies ----------------------------------------------------------------
for f in countries ru_regions kz_regions; do
  ogr2ogr -f GeoJSON "$work/$f.geojson" "$src/shapes/$f.shp" 2>/dev/null
  ogr2ogr -f GPKG -nlt PROMOTE_TO_MULTI "$work/$f.gpkg" "$src/shapes/$f.shp" 2>/dev/null
done
# Newline-delimited: one feature a line, split from the GeoJSON copies by
# Python (its float repr round-trips; GDAL's GeoJSONSeq rounds to 7 digits).
python3 - "$work" <<'PY'
import json, sys
for f in ("countries", "ru_regions", "kz_regions"):
    d = json.load(open("%s/%s.geojson" % (sys.argv[1], f), encoding="utf-8"))
    with open("%s/%s.geojsonl" % (sys.argv[1], f), "w", encoding="utf-8") as out:
        for feat in d["features"]:
            out.write(json.dumps(feat, ensure_ascii=False) + "\n")
PY
ogr2ogr -f GPKG -nlt PROMOTE_TO_MULTI "$work/all.gpkg" "$src/shapes/countries.shp" 2>/dev/null
ogr2ogr -update -f GPKG -nlt PROMOTE_TO_MULTI "$work/all.gpkg" "$src/shapes/kz_regions.shp" 2>/dev/null
ogr2ogr -update -f GPKG -nlt PROMOTE_TO_MULTI "$work/all.gpkg" "$src/shapes/ru_regions.shp" 2>/dev/null
for f in countries.geojson countries.gpkg countries.geojsonl all.gpkg; do
  [ -s "$work/$f" ] || ko "ogr2ogr did not write $f"
done

# ---- the forum map from every format ---------------------------------------------
"$steppe" render "$src/styles/forum.yaml" -q -o "$work/shp.png" || ko "forum map from Shapefiles"
# over FORMAT EXT [extra --set ...]: the forum map's four polygon layers from the copies
over() {
  local ext=$1
  shift
  "$steppe" render "$src/styles/forum.yaml" -q -o "$work/$ext.png" \
    --set "layers.countries.source=$work/countries.$ext" --set "layers.ru_regions.source=$work/ru_regions.$ext" \
    --set "layers.partner_regions.source=$work/ru_regions.$ext" \
    --set "layers.kz_regions.source=$work/kz_regions.$ext" "$@"
}
for ext in geojson geojsonl gpkg; do
  if over $ext && cmp -s "$work/shp.png" "$work/$ext.png"; then
    ok "forum map from .$ext copies is byte-identical to the Shapefile render"
  else
    ko "forum map from .$ext differs: $("$steppe" diff "$work/shp.png" "$work/$ext.png" 2>&1)"
  fi
done
# One GeoPackage of three tables, chosen with layer:, and the same through sql:.
"$steppe" render "$src/styles/forum.yaml" -q -o "$work/layers.png" \
  --set "layers.countries.source=$work/all.gpkg" --set "layers.countries.layer=countries" \
  --set "layers.ru_regions.source=$work/all.gpkg" --set "layers.ru_regions.layer=ru_regions" \
  --set "layers.partner_regions.source=$work/all.gpkg" --set "layers.partner_regions.layer=ru_regions" \
  --set "layers.kz_regions.source=$work/all.gpkg" --set "layers.kz_regions.sql=SELECT * FROM kz_regions" &&
  cmp -s "$work/shp.png" "$work/layers.png" &&
  ok "one GeoPackage of three tables (layer: and sql:) gives the same map" || ko "layer:/sql: render differs"
# Without the R-tree the whole table is read: the same map.
cp "$work/countries.gpkg" "$work/nortree.gpkg"
python3 - "$work/nortree.gpkg" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
    db.execute('DROP TRIGGER "%s"' % name)
db.execute("DROP TABLE rtree_countries_geom")
db.commit()
PY
"$steppe" render "$src/styles/forum.yaml" -q -o "$work/nortree.png" --set "layers.countries.source=$work/nortree.gpkg" &&
  cmp -s "$work/shp.png" "$work/nortree.png" && ok "a GeoPackage without its R-tree gives the same map" ||
  ko "no-rtree render differs"

# ---- render FILE and info FILE; the type from the content ------------------------------
cp "$work/kz_regions.geojson" "$work/kz.txt"
cp "$work/kz_regions.gpkg" "$work/kz.dat"
for f in kz_regions.geojson kz_regions.geojsonl kz_regions.gpkg kz.txt kz.dat; do
  out="$work/ql-$f.png"
  if "$steppe" render "$work/$f" -q -o "$out" && [ -s "$out" ]; then ok "render $f"; else ko "render $f"; fi
  "$steppe" info "$work/$f" >"$work/info.txt" 2>&1 && grep -q "records:   17" "$work/info.txt" &&
    ok "info $f: 17 records" || ko "info $f: $(cat "$work/info.txt")"
done
"$steppe" info "$work/kz.txt" | grep -q "type:      Polygon (GeoJSON)" && ok "a GeoJSON named .txt is read as GeoJSON" ||
  ko "GeoJSON by content"
"$steppe" info "$work/kz.dat" | grep -q "type:      Polygon (GeoPackage)" && ok "a GeoPackage named .dat is read as one" ||
  ko "GeoPackage by content"
"$steppe" info "$work/all.gpkg" >"$work/info.txt" 2>&1
grep -q "layers:    3" "$work/info.txt" && grep -q "ru_regions  MULTIPOLYGON  83 rows" "$work/info.txt" &&
  ok "info lists a GeoPackage's layers" || ko "gpkg layers: $(cat "$work/info.txt")"
cat >"$work/types.geojson" <<'EOF'
{"type": "FeatureCollection", "features": [
{"type": "Feature", "id": "a", "properties": {"n": 1, "r": 2.5, "b": true, "s": "x", "o": {"k": [1, 2]}, "m": 1},
 "geometry": {"type": "Point", "coordinates": [10, 50]}},
{"type": "Feature", "id": 2, "properties": {"n": 2, "r": 3, "b": false, "s": null, "o": null, "m": "two"},
 "geometry": {"type": "MultiPoint", "coordinates": [[11, 51], [12, 52]]}}
]}
EOF
"$steppe" info "$work/types.geojson" >"$work/info.txt" 2>&1
for want in "id        string" "n         integer" "r         real" "b         boolean" "s         string" \
  "o         JSON" "m         string" "records:   2"; do
  grep -q "$want" "$work/info.txt" && ok "info types.geojson: $want" || ko "info: no '$want' in $(cat "$work/info.txt")"
done
"$steppe" info "$work/types.geojson" --field o | grep -q '{"k":\[1,2\]}' && ok "a nested property is its JSON text" ||
  ko "nested property"
# The obsolete crs member: honoured, with a warning.
cat >"$work/merc.geojson" <<'EOF'
{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
 "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "LineString",
 "coordinates": [[5000000, 6000000], [8000000, 7000000]]}}]}
EOF
err=$("$steppe" render "$work/merc.geojson" -o "$work/merc.png" 2>&1)
[ -s "$work/merc.png" ] && echo "$err" | grep -q 'merc.geojson:1: the obsolete "crs" member names urn:ogc:def:crs:EPSG::3857' &&
  ok "crs member honoured with a warning" || ko "crs member: $err"
"$steppe" info "$work/merc.geojson" 2>/dev/null | grep -q "EPSG:3857" && ok "info shows the crs member's CRS" ||
  ko "info crs"

# ---- bad input: one line, the place, exit 1, nothing written ------------------------------
# bad NAME FILE EXPECTED: the forum map with countries from FILE must fail so.
bad() {
  local name=$1 file=$2 want=$3
  local out="$work/bad-$name.png"
  local err rc
  err=$("$steppe" render "$src/styles/forum.yaml" -q -o "$out" --set "layers.countries.source=$file" 2>&1)
  rc=$?
  if [ $rc -eq 1 ] && [ ! -e "$out" ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
    printf '%s' "$err" | grep -qF -- "$want"; then
    ok "$name: exit 1, one line, no output"
  else
    ko "$name: exit $rc, output $([ -e "$out" ] && echo written || echo none): $err"
  fi
}
head -c 300000 "$work/countries.geojson" >"$work/trunc.geojson"
# The place is the end of the file: its last line, one past its last character.
end=$(python3 -c "import sys; t = open(sys.argv[1], encoding='utf-8', errors='replace').read(); print('%d:%d' % (t.count(chr(10)) + 1, len(t) - t.rfind(chr(10))))" "$work/trunc.geojson")
bad "truncated JSON" "$work/trunc.geojson" "trunc.geojson:$end: the JSON text ends too early"
printf '%s\n' '{"type": "FeatureCollection", "features": [' \
  '{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[30, 40], [31, 40], [31, 41], [30, 40]]}}]}' \
  >"$work/depth.geojson"
bad "wrong coordinate depth" "$work/depth.geojson" "depth.geojson:2:88: feature 1.geometry.coordinates[0]: a number where a position"
printf '%s\n' '{"type": "FeatureCollection", "features": [' \
  '  {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[30, 40], [31, 40], [31, 41], [30, 41]]]}}]}' \
  >"$work/open.geojson"
bad "unclosed ring" "$work/open.geojson" "open.geojson:2:89: feature 1.geometry.coordinates[0]: ring not closed"
printf '%s\n' '{"type": "FeatureCollection", "features": [' \
  '{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [1e999, 40]}}]}' \
  >"$work/range.geojson"
bad "coordinate out of range" "$work/range.geojson" 'range.geojson:2:85: feature 1: "coordinates": number out of range'
printf '%s\n' '{"type": "Feature", "properties": {"pop": 123456789012345678901234567890},' \
  '"geometry": {"type": "Point", "coordinates": [1, 2]}}' >"$work/big.geojson"
bad "property out of range" "$work/big.geojson" 'big.geojson:1:1: feature 1: property "pop" is a number out of range'
printf '{"type": "FeatureCollection", "features": [1, 2,]}' >"$work/syntax.geojson"
bad "JSON syntax" "$work/syntax.geojson" "syntax.geojson:1:"
echo "not a database" >"$work/text.gpkg"
bad "not a GeoPackage" "$work/text.gpkg" "text.gpkg: not a GeoPackage (not an SQLite database)"
head -c 20000 "$work/countries.gpkg" >"$work/cut.gpkg"
bad "corrupt GeoPackage" "$work/cut.gpkg" "cut.gpkg: not a GeoPackage (database disk image is malformed)"
# A free-page count that lies: reads never see it, the integrity check does (on request only).
cp "$work/countries.gpkg" "$work/freelist.gpkg"
printf '\000\000\000\007' | dd of="$work/freelist.gpkg" bs=1 seek=36 conv=notrunc status=none
"$steppe" render "$src/styles/forum.yaml" -q -o "$work/fl.png" --set "layers.countries.source=$work/freelist.gpkg" &&
  cmp -s "$work/shp.png" "$work/fl.png" && ok "no integrity check unless asked" || ko "freelist read"
bad_ic() {
  local err rc
  err=$("$steppe" render "$src/styles/forum.yaml" -q -o "$work/ic.png" --set "layers.countries.source=$work/freelist.gpkg" \
    --set layers.countries.integrity-check=true 2>&1)
  rc=$?
  [ $rc -eq 1 ] && [ ! -e "$work/ic.png" ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
    printf '%s' "$err" | grep -q "freelist.gpkg: corrupt GeoPackage: integrity check: Main freelist: size is 0 but should be 7"
}
bad_ic && ok "integrity-check: true finds the corruption: one line, exit 1, no output" || ko "integrity check"
python3 - "$work/plain.sqlite" <<'PY'
import sqlite3, sys
sqlite3.connect(sys.argv[1]).execute("CREATE TABLE t (x)")
PY
bad "an SQLite file that is no GeoPackage" "$work/plain.sqlite" "plain.sqlite: not a GeoPackage (no gpkg_contents"
# A WKB blob whose ring count exceeds its length (row 3 of the copy).
cp "$work/countries.gpkg" "$work/wkb.gpkg"
python3 - "$work/wkb.gpkg" <<'PY'
import sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
    db.execute('DROP TRIGGER "%s"' % name)
blob = b"GP\x00\x01" + struct.pack("<i", 4326) + b"\x01" + struct.pack("<II", 6, 1) + b"\x01" + struct.pack("<II", 3, 1000000) + b"\x00" * 40
db.execute("UPDATE countries SET geom = ? WHERE fid = 3", (blob,))
db.commit()
PY
bad "WKB counts beyond the blob" "$work/wkb.gpkg" "wkb.gpkg: table countries, row 3: bad WKB geometry: byte 14: 1000000 rings need 4000000 bytes, 40 left"
err=$("$steppe" render "$src/styles/forum.yaml" -q -o "$work/nolayer.png" --set "layers.countries.source=$work/all.gpkg" \
  --set layers.countries.layer=lands 2>&1)
[ $? -eq 1 ] && [ ! -e "$work/nolayer.png" ] && echo "$err" | grep -q "no feature table 'lands' (tables: countries, kz_regions, ru_regions)" &&
  ok "a missing layer: names the tables" || ko "missing layer: $err"
err=$("$steppe" render "$src/styles/forum.yaml" -q -o "$work/sql.png" --set "layers.countries.source=$work/all.gpkg" \
  --set "layers.countries.sql=SELEC * FROM countries" 2>&1)
[ $? -eq 1 ] && [ ! -e "$work/sql.png" ] && echo "$err" | grep -q 'all.gpkg: sql: near "SELEC": syntax error' &&
  ok "an SQL error: one line" || ko "sql error: $err"
head -c 2000 /bin/sh >"$work/blob.bin"
err=$("$steppe" info "$work/blob.bin" 2>&1)
[ $? -eq 1 ] && echo "$err" | grep -q "blob.bin: not a format steppe reads (Shapefile (.shp), CSV of points (.csv), GeoJSON" &&
  ok "an unsupported file: one line naming the formats" || ko "unsupported: $err"
err=$("$steppe" render "$work/blob.bin" -o "$work/blob.png" 2>&1)
[ $? -ne 0 ] && [ ! -e "$work/blob.png" ] && ok "render of an unsupported file fails, nothing written" || ko "render blob: $err"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
