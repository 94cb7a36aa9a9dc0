#!/bin/bash
# Routes through via points (issue 13, item 5): the bundled forum map's
# corridor runs through the towns of shapes/corridor.csv in order (south by
# Kyzylorda and Shymkent), measures about 4,500 km along them and reports
# every leg; a misspelt via point is a style error at the place it is
# written, naming the point, the file and the closest name; stops that are
# not among the via points are refused; without via the geodesic legs
# between the stops remain.
#
# Run by ctest with STEPPE=path of the binary and STEPPE_SOURCE_DIR; by hand:
#   STEPPE=build/steppe STEPPE_SOURCE_DIR=. bash tests/cli/route_via.sh
source "$(dirname "$0")/lib.bash"
harness_init via

STYLE=$SRC/styles/forum.yaml
# legs FILE: "n km first-from last-to" of the corridor in a report, and every leg as from>to.
legs() {
    python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m = r["measurements"]["corridor"]
legs = m["legs"]
print(len(legs), round(m["km"], 1), round(sum(l["km"] for l in legs), 1))
for l in legs:
    print("%s>%s %.1f" % (l["from"], l["to"], l["km"]))
PY
}

# ---- the bundled corridor ----------------------------------------------------------
run render "$STYLE" -q -o via.png --report via.json
expect 0 "forum.yaml renders"
legs via.json >legs.txt
read -r n km sum <legs.txt
if [ "$n" = 17 ]; then ok; else bad "17 legs through the 18 towns, got $n"; fi
if python3 -c "import sys; sys.exit(not (4400 < $km < 4650 and abs($km - $sum) < 0.5))"; then ok; else
    bad "corridor along the towns about 4,500 km (= the legs' sum), got $km (legs $sum)"
fi
expect_grep legs.txt '^Baikonur>Kyzylorda ' "the corridor passes Kyzylorda"
expect_grep legs.txt '^Turkestan>Shymkent ' "the corridor passes Shymkent"
expect_grep legs.txt '^Taraz>Almaty ' "then Taraz to Almaty"

# ---- without via: the geodesic legs between the stops ------------------------------
run render "$STYLE" -q -o legs.png --report legs.json --set 'layers.corridor.via=~'
expect 0 "via: ~ renders the geodesic legs"
legs legs.json >legs2.txt
read -r n2 km2 _ <legs2.txt
if [ "$n2" = 5 ]; then ok; else bad "5 geodesic legs between the 6 stops, got $n2"; fi
expect_grep legs2.txt '^Aktyubinsk>Almaty ' "geodesic form: Aktyubinsk straight to Almaty"
if python3 -c "import sys; sys.exit(not ($km2 < $km - 400))"; then ok; else
    bad "the straight legs ($km2 km) are shorter than the towns' alignment ($km km)"
fi

# ---- a misspelt via point -------------------------------------------------------------
cat >bad.yaml <<EOF2
extends: $STYLE
layers:
  corridor:
    via: [St Petersburg, Kazan, Orenburg, Aktyubinsk, Kyzilorda, Almaty, Khorgos]
EOF2
run render bad.yaml -o bad.png
expect 2 "a via point not in the file is a style error"
expect_grep err.txt "^steppe: bad\.yaml:4:55: via point 'Kyzilorda' not found in [^ ]*shapes/corridor\.csv \(field 'name'\); did you mean 'Kyzylorda'\?$" \
    "the error names the point, FILE:LINE:COL, the file and the closest name"
if [ ! -e bad.png ]; then ok; else bad "no output after a via error"; fi

# ---- stops that are not via points, in order ------------------------------------------
cat >order.yaml <<EOF2
extends: $STYLE
layers:
  corridor:
    stops: [St Petersburg, Almaty, Kazan]
EOF2
run render order.yaml -o order.png
expect 2 "stops out of the via order"
expect_grep err.txt "order\.yaml:4:36: .*stops\[2\]: 'Kazan' is not among the via points" "the error is at the stop"
if [ ! -e order.png ]; then ok; else bad "no output after a stops error"; fi

cat >few.yaml <<EOF2
extends: $STYLE
layers:
  corridor:
    via: [Kazan]
EOF2
run render few.yaml -o few.png
expect 2 "one via point"
expect_grep err.txt "few\.yaml:4:10: .*via: a route needs at least 2 via points" "at least 2 via points"

harness_finish
