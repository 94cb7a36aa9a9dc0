#!/bin/bash
# The border-regions layer kind (issue 13, items 3 and 4): on the bundled
# forum map it finds the 12 Russian and 7 Kazakh regions along the border,
# their shares add up to the border's length (to 0.5 %), border_km is usable
# in labels and filters; a bad tolerance or border is a style error at its
# place, and a layer that finds nothing is a warning naming it.
#
# Run by ctest with STEPPE=path of the binary and STEPPE_SOURCE_DIR; by hand:
#   STEPPE=build/steppe STEPPE_SOURCE_DIR=. bash tests/cli/border_regions.sh
source "$(dirname "$0")/lib.bash"
harness_init border

STYLE=$SRC/styles/forum.yaml

# shares FILE KEY: "n km shares_km" and one region name per line
shares() {
    python3 - "$1" "$2" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["measurements"][sys.argv[2]]
print(len(m["regions"]), m["km"], m["shares_km"])
for x in m["regions"]:
    print("%s|%.1f|%.1f" % (x["name"], x["km"], x["reach_km"]))
PY
}

# ---- the bundled forum map ------------------------------------------------------------
run render "$STYLE" -q -o forum.png --report forum.json
expect 0 "forum.yaml renders"
shares forum.json ru_border_regions >ru.txt
shares forum.json kz_border_regions >kz.txt
read -r n km sum <ru.txt
if [ "$n" = 12 ]; then ok; else bad "12 Russian border regions, got $n"; fi
if python3 -c "import sys; sys.exit(not (abs($km - 6661.4) < 1 and abs($sum - $km) < 0.005 * $km))"; then ok; else
    bad "Russian shares $sum km add up to the border $km km (0.5 %)"
fi
for r in "Astrakhan Oblast" "Volgograd Oblast" "Saratov Oblast" "Samara Oblast" "Orenburg Oblast" \
    "Chelyabinsk Oblast" "Kurgan Oblast" "Tyumen Oblast" "Omsk Oblast" "Novosibirsk Oblast" "Altai Krai" \
    "Altai Republic"; do
    expect_grep ru.txt "^$r\|" "$r is a border region"
done
expect_grep ru.txt '^Samara Oblast\|0\.0\|1[0-9]\.[0-9]$' "Samara: found by its reach (10-20 km), share 0"
read -r n km sum <kz.txt
if [ "$n" = 7 ]; then ok; else bad "7 Kazakh border regions, got $n"; fi
if python3 -c "import sys; sys.exit(not (abs($sum - $km) < 0.005 * $km))"; then ok; else
    bad "Kazakh shares $sum km add up to the border $km km"
fi
for r in "Atyrau Region" "West Kazakhstan Region" "Aktobe Region" "Kostanay Region" "North Kazakhstan Region" \
    "Pavlodar Region" "East Kazakhstan Region"; do
    expect_grep kz.txt "^$r\|" "$r is a border region"
done

# ---- border_km in labels and filters --------------------------------------------------
cat >lab.yaml <<EOF2
extends: $STYLE
layers:
  kz_border_regions:
    where: {border_km: {gt: 1100}}
    label: {text: "{name_en}: {border_km} km", size: 7, priority: 100, placement: polygon}
EOF2
run render lab.yaml -q -o lab.png --report lab.json
expect 0 "border_km in a label and a filter"
expect_grep lab.json '"West Kazakhstan Region: 1274\.3 km"' "the label shows the share"
shares lab.json kz_border_regions >lab.txt
if ! grep -q '"Pavlodar Region: ' lab.json; then ok; else bad "where: border_km > 1100 keeps Pavlodar (750 km) out"; fi

# ---- bad tolerance, bad border -------------------------------------------------------
for t in -1 500; do
    cat >tol.yaml <<EOF2
extends: $STYLE
layers:
  ru_border_regions:
    tolerance: $t
EOF2
    run render tol.yaml -o tol.png
    expect 2 "tolerance $t"
    expect_grep err.txt "^steppe: tol\.yaml:4:16: layers\.ru_border_regions\.tolerance: " "tolerance $t at FILE:LINE:COL"
    if [ ! -e tol.png ]; then ok; else bad "no output after tolerance $t"; fi
done
cat >bord.yaml <<EOF2
extends: $STYLE
layers:
  ru_border_regions:
    border: countries
EOF2
run render bord.yaml -o bord.png
expect 2 "border naming a shapefile layer"
expect_grep err.txt "bord\.yaml:4:13: layers\.ru_border_regions\.border: 'countries' is a shapefile layer" "border error at its place"

# ---- nothing found: a warning naming the layer -----------------------------------------
cat >far.yaml <<EOF2
extends: $STYLE
layers:
  ukraine:
    source: $SRC/shapes/countries.shp
    where: {iso_n3: "804"}
    visible: false
  far_regions:
    type: border-regions
    of: ukraine
    border: border
EOF2
run render far.yaml -o far.png
expect 0 "an empty border-regions layer still renders"
expect_grep err.txt "far\.yaml:7:3: layer 'far_regions': no region of .*countries\.shp lies along the border within 10 km" \
    "empty result: a warning naming the layer"

harness_finish
