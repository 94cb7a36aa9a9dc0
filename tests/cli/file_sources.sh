#!/usr/bin/env bash
# (file_sources.sh) The file sources behind the driver interface: GeoJSON (a FeatureCollection
# and newline-delimited), GeoPackage (a table, an sql: query) made from the
# bundled Shapefiles by ogr2ogr at test time. The forum map rendered from
# each copy must be byte-identical to the Shapefile render; render FILE and
# info FILE work on each; a file's type comes from its content whatever its
# name; bad input is one line naming the place, exit 1 and no output file.
source "$(dirname "$0")/lib.bash"
harness_init file-sources
if ! command -v ogr2ogr >/dev/null; then
  bad "ogr2ogr not found" "tools/bootstrap.sh test installs gdal-bin, which makes the test copies"
  harness_finish
  exit
fi

# ---- the copies ----------------------------------------------------------------
for f in countries ru_regions kz_regions; do
  ogr2ogr -f GeoJSON "$WORK/$f.geojson" "$SRC/shapes/$f.shp" 2>/dev/null
  ogr2ogr -f GPKG -nlt PROMOTE_TO_MULTI "$WORK/$f.gpkg" "$SRC/shapes/$f.shp" 2>/dev/null
done
# Newline-delimited: one feature a line, split from the GeoJSON copies by
# Python (its float repr round-trips; GDAL's GeoJSONSeq rounds to 7 digits).
python3 - "$WORK" <<'PY'
import json, sys
for f in ("countries", "ru_regions", "kz_regions"):
    d = json.load(open("%s/%s.geojson" % (sys.argv[1], f), encoding="utf-8"))
    with open("%s/%s.geojsonl" % (sys.argv[1], f), "w", encoding="utf-8") as out:
        for feat in d["features"]:
            out.write(json.dumps(feat, ensure_ascii=False) + "\n")
PY
ogr2ogr -f GPKG -nlt PROMOTE_TO_MULTI "$WORK/all.gpkg" "$SRC/shapes/countries.shp" 2>/dev/null
ogr2ogr -update -f GPKG -nlt PROMOTE_TO_MULTI "$WORK/all.gpkg" "$SRC/shapes/kz_regions.shp" 2>/dev/null
ogr2ogr -update -f GPKG -nlt PROMOTE_TO_MULTI "$WORK/all.gpkg" "$SRC/shapes/ru_regions.shp" 2>/dev/null
for f in countries.geojson countries.gpkg countries.geojsonl all.gpkg; do
  [ -s "$WORK/$f" ] || bad "ogr2ogr did not write $f"
done

# ---- the forum map from every format ---------------------------------------------
"$STEPPE" render "$SRC/styles/forum.yaml" -q -o "$WORK/shp.png" || bad "forum map from Shapefiles"
# over FORMAT EXT [extra --set ...]: the forum map's four polygon layers from the copies
over() {
  local ext=$1
  shift
  "$STEPPE" render "$SRC/styles/forum.yaml" -q -o "$WORK/$ext.png" \
    --set "layers.countries.source=$WORK/countries.$ext" --set "layers.ru_regions.source=$WORK/ru_regions.$ext" \
    --set "layers.partner_regions.source=$WORK/ru_regions.$ext" \
    --set "layers.kz_regions.source=$WORK/kz_regions.$ext" "$@"
}
# The inset reads its layer again (border-zone.yaml's inset shows countries):
# from a copy it must be drawn as from the Shapefile.
"$STEPPE" render "$SRC/styles/border-zone.yaml" -q -o "$WORK/zone-shp.png" || bad "border zone from Shapefiles"
if "$STEPPE" render "$SRC/styles/border-zone.yaml" -q -o "$WORK/zone-gpkg.png" \
    --set "layers.countries.source=$WORK/countries.gpkg" && cmp -s "$WORK/zone-shp.png" "$WORK/zone-gpkg.png"; then
  ok "an inset on a GeoPackage layer is drawn as from the Shapefile"
else
  bad "inset from .gpkg differs: $("$STEPPE" diff "$WORK/zone-shp.png" "$WORK/zone-gpkg.png" 2>&1)"
fi
for ext in geojson geojsonl gpkg; do
  if over $ext && cmp -s "$WORK/shp.png" "$WORK/$ext.png"; then
    ok "forum map from .$ext copies is byte-identical to the Shapefile render"
  else
    bad "forum map from .$ext differs: $("$STEPPE" diff "$WORK/shp.png" "$WORK/$ext.png" 2>&1)"
  fi
done
# One GeoPackage of three tables, chosen with layer:, and the same through sql:.
"$STEPPE" render "$SRC/styles/forum.yaml" -q -o "$WORK/layers.png" \
  --set "layers.countries.source=$WORK/all.gpkg" --set "layers.countries.layer=countries" \
  --set "layers.ru_regions.source=$WORK/all.gpkg" --set "layers.ru_regions.layer=ru_regions" \
  --set "layers.partner_regions.source=$WORK/all.gpkg" --set "layers.partner_regions.layer=ru_regions" \
  --set "layers.kz_regions.source=$WORK/all.gpkg" --set "layers.kz_regions.sql=SELECT * FROM kz_regions" &&
  cmp -s "$WORK/shp.png" "$WORK/layers.png" &&
  ok "one GeoPackage of three tables (layer: and sql:) gives the same map" || bad "layer:/sql: render differs"
# Without the R-tree the whole table is read: the same map.
cp "$WORK/countries.gpkg" "$WORK/nortree.gpkg"
python3 - "$WORK/nortree.gpkg" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
    db.execute('DROP TRIGGER "%s"' % name)
db.execute("DROP TABLE rtree_countries_geom")
db.commit()
PY
"$STEPPE" render "$SRC/styles/forum.yaml" -q -o "$WORK/nortree.png" --set "layers.countries.source=$WORK/nortree.gpkg" &&
  cmp -s "$WORK/shp.png" "$WORK/nortree.png" && ok "a GeoPackage without its R-tree gives the same map" ||
  bad "no-rtree render differs"

# ---- render FILE and info FILE; the type from the content ------------------------------
cp "$WORK/kz_regions.geojson" "$WORK/kz.txt"
cp "$WORK/kz_regions.gpkg" "$WORK/kz.dat"
for f in kz_regions.geojson kz_regions.geojsonl kz_regions.gpkg kz.txt kz.dat; do
  out="$WORK/ql-$f.png"
  if "$STEPPE" render "$WORK/$f" -q -o "$out" && [ -s "$out" ]; then ok "render $f"; else bad "render $f"; fi
  "$STEPPE" info "$WORK/$f" >"$WORK/info.txt" 2>&1 && grep -q "records:   17" "$WORK/info.txt" &&
    ok "info $f: 17 records" || bad "info $f: $(cat "$WORK/info.txt")"
done
"$STEPPE" info "$WORK/kz.txt" | grep -q "type:      Polygon (GeoJSON)" && ok "a GeoJSON named .txt is read as GeoJSON" ||
  bad "GeoJSON by content"
"$STEPPE" info "$WORK/kz.dat" | grep -q "type:      Polygon (GeoPackage)" && ok "a GeoPackage named .dat is read as one" ||
  bad "GeoPackage by content"
"$STEPPE" info "$WORK/all.gpkg" >"$WORK/info.txt" 2>&1
grep -q "layers:    3" "$WORK/info.txt" && grep -q "ru_regions  MULTIPOLYGON  83 rows" "$WORK/info.txt" &&
  ok "info lists a GeoPackage's layers" || bad "gpkg layers: $(cat "$WORK/info.txt")"
cat >"$WORK/types.geojson" <<'EOF'
{"type": "FeatureCollection", "features": [
{"type": "Feature", "id": "a", "properties": {"n": 1, "r": 2.5, "b": true, "s": "x", "o": {"k": [1, 2]}, "m": 1},
 "geometry": {"type": "Point", "coordinates": [10, 50]}},
{"type": "Feature", "id": 2, "properties": {"n": 2, "r": 3, "b": false, "s": null, "o": null, "m": "two"},
 "geometry": {"type": "MultiPoint", "coordinates": [[11, 51], [12, 52]]}}
]}
EOF
"$STEPPE" info "$WORK/types.geojson" >"$WORK/info.txt" 2>&1
for want in "id        string" "n         integer" "r         real" "b         boolean" "s         string" \
  "o         JSON" "m         string" "records:   2"; do
  grep -q "$want" "$WORK/info.txt" && ok "info types.geojson: $want" || bad "info: no '$want' in $(cat "$WORK/info.txt")"
done
"$STEPPE" info "$WORK/types.geojson" --field o | grep -q '{"k":\[1,2\]}' && ok "a nested property is its JSON text" ||
  bad "nested property"
# The obsolete crs member: honoured, with a warning.
cat >"$WORK/merc.geojson" <<'EOF'
{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
 "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "LineString",
 "coordinates": [[5000000, 6000000], [8000000, 7000000]]}}]}
EOF
err=$("$STEPPE" render "$WORK/merc.geojson" -o "$WORK/merc.png" 2>&1)
[ -s "$WORK/merc.png" ] && echo "$err" | grep -q 'merc.geojson:1: the obsolete "crs" member names urn:ogc:def:crs:EPSG::3857' &&
  ok "crs member honoured with a warning" || bad "crs member: $err"
"$STEPPE" info "$WORK/merc.geojson" 2>/dev/null | grep -q "EPSG:3857" && ok "info shows the crs member's CRS" ||
  bad "info crs"

# ---- bad input: one line, the place, exit 1, nothing written ------------------------------
# bad_input NAME FILE EXPECTED: the forum map with countries from FILE must fail so.
bad_input() {
  local name=$1 file=$2 want=$3
  local out="$WORK/bad-$name.png"
  local err rc
  err=$("$STEPPE" render "$SRC/styles/forum.yaml" -q -o "$out" --set "layers.countries.source=$file" 2>&1)
  rc=$?
  if [ $rc -eq 1 ] && [ ! -e "$out" ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
    printf '%s' "$err" | grep -qF -- "$want"; then
    ok "$name: exit 1, one line, no output"
  else
    bad "$name: exit $rc, output $([ -e "$out" ] && echo written || echo none): $err"
  fi
}
head -c 300000 "$WORK/countries.geojson" >"$WORK/trunc.geojson"
# The place is the end of the file: its last line, one past its last character.
end=$(python3 -c "import sys; t = open(sys.argv[1], encoding='utf-8', errors='replace').read(); print('%d:%d' % (t.count(chr(10)) + 1, len(t) - t.rfind(chr(10))))" "$WORK/trunc.geojson")
bad_input "truncated JSON" "$WORK/trunc.geojson" "trunc.geojson:$end: the JSON text ends too early"
printf '%s\n' '{"type": "FeatureCollection", "features": [' \
  '{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[30, 40], [31, 40], [31, 41], [30, 40]]}}]}' \
  >"$WORK/depth.geojson"
bad_input "wrong coordinate depth" "$WORK/depth.geojson" "depth.geojson:2:88: feature 1.geometry.coordinates[0]: a number where a position"
printf '%s\n' '{"type": "FeatureCollection", "features": [' \
  '  {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[30, 40], [31, 40], [31, 41], [30, 41]]]}}]}' \
  >"$WORK/open.geojson"
bad_input "unclosed ring" "$WORK/open.geojson" "open.geojson:2:89: feature 1.geometry.coordinates[0]: ring not closed"
printf '%s\n' '{"type": "FeatureCollection", "features": [' \
  '{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [1e999, 40]}}]}' \
  >"$WORK/range.geojson"
bad_input "coordinate out of range" "$WORK/range.geojson" 'range.geojson:2:85: feature 1: "coordinates": number out of range'
printf '%s\n' '{"type": "Feature", "properties": {"pop": 123456789012345678901234567890},' \
  '"geometry": {"type": "Point", "coordinates": [1, 2]}}' >"$WORK/big.geojson"
bad_input "property out of range" "$WORK/big.geojson" 'big.geojson:1:1: feature 1: property "pop" is a number out of range'
printf '{"type": "FeatureCollection", "features": [1, 2,]}' >"$WORK/syntax.geojson"
bad_input "JSON syntax" "$WORK/syntax.geojson" "syntax.geojson:1:"
echo "not a database" >"$WORK/text.gpkg"
bad_input "not a GeoPackage" "$WORK/text.gpkg" "text.gpkg: not a GeoPackage (not an SQLite database)"
head -c 20000 "$WORK/countries.gpkg" >"$WORK/cut.gpkg"
bad_input "corrupt GeoPackage" "$WORK/cut.gpkg" "cut.gpkg: not a GeoPackage (database disk image is malformed)"
# A free-page count that lies: reads never see it, the integrity check does (on request only).
cp "$WORK/countries.gpkg" "$WORK/freelist.gpkg"
printf '\000\000\000\007' | dd of="$WORK/freelist.gpkg" bs=1 seek=36 conv=notrunc status=none
"$STEPPE" render "$SRC/styles/forum.yaml" -q -o "$WORK/fl.png" --set "layers.countries.source=$WORK/freelist.gpkg" &&
  cmp -s "$WORK/shp.png" "$WORK/fl.png" && ok "no integrity check unless asked" || bad "freelist read"
bad_ic() {
  local err rc
  err=$("$STEPPE" render "$SRC/styles/forum.yaml" -q -o "$WORK/ic.png" --set "layers.countries.source=$WORK/freelist.gpkg" \
    --set layers.countries.integrity-check=true 2>&1)
  rc=$?
  [ $rc -eq 1 ] && [ ! -e "$WORK/ic.png" ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
    printf '%s' "$err" | grep -q "freelist.gpkg: corrupt GeoPackage: integrity check: Main freelist: size is 0 but should be 7"
}
bad_ic && ok "integrity-check: true finds the corruption: one line, exit 1, no output" || bad "integrity check"
python3 - "$WORK/plain.sqlite" <<'PY'
import sqlite3, sys
sqlite3.connect(sys.argv[1]).execute("CREATE TABLE t (x)")
PY
bad_input "an SQLite file that is no GeoPackage" "$WORK/plain.sqlite" "plain.sqlite: not a GeoPackage (no gpkg_contents"
# A WKB blob whose ring count exceeds its length (row 3 of the copy).
cp "$WORK/countries.gpkg" "$WORK/wkb.gpkg"
python3 - "$WORK/wkb.gpkg" <<'PY'
import sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
    db.execute('DROP TRIGGER "%s"' % name)
blob = b"GP\x00\x01" + struct.pack("<i", 4326) + b"\x01" + struct.pack("<II", 6, 1) + b"\x01" + struct.pack("<II", 3, 1000000) + b"\x00" * 40
db.execute("UPDATE countries SET geom = ? WHERE fid = 3", (blob,))
db.commit()
PY
bad_input "WKB counts beyond the blob" "$WORK/wkb.gpkg" "wkb.gpkg: table countries, row 3: bad WKB geometry: byte 14: 1000000 rings need 4000000 bytes, 40 left"
err=$("$STEPPE" render "$SRC/styles/forum.yaml" -q -o "$WORK/nolayer.png" --set "layers.countries.source=$WORK/all.gpkg" \
  --set layers.countries.layer=lands 2>&1)
[ $? -eq 1 ] && [ ! -e "$WORK/nolayer.png" ] && echo "$err" | grep -q "no feature table 'lands' (tables: countries, kz_regions, ru_regions)" &&
  ok "a missing layer: names the tables" || bad "missing layer: $err"
err=$("$STEPPE" render "$SRC/styles/forum.yaml" -q -o "$WORK/sql.png" --set "layers.countries.source=$WORK/all.gpkg" \
  --set "layers.countries.sql=SELEC * FROM countries" 2>&1)
[ $? -eq 1 ] && [ ! -e "$WORK/sql.png" ] && echo "$err" | grep -q 'all.gpkg: sql: near "SELEC": syntax error' &&
  ok "an SQL error: one line" || bad "sql error: $err"
head -c 2000 /bin/sh >"$WORK/blob.bin"
err=$("$STEPPE" info "$WORK/blob.bin" 2>&1)
[ $? -eq 1 ] && echo "$err" | grep -q "blob.bin: not a format steppe reads (Shapefile (.shp), CSV of points (.csv), GeoJSON" &&
  ok "an unsupported file: one line naming the formats" || bad "unsupported: $err"
err=$("$STEPPE" render "$WORK/blob.bin" -o "$WORK/blob.png" 2>&1)
[ $? -ne 0 ] && [ ! -e "$WORK/blob.png" ] && ok "render of an unsupported file fails, nothing written" || bad "render blob: $err"

harness_finish
