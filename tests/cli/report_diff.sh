#!/usr/bin/env bash
# steppe diff OLD.json NEW.json: two render reports compared in words —
# features per layer, class breaks and counts, labels added, dropped or
# moved, measurements — exit 1 on a change, 0 and "no change" without one;
# a file that is not JSON or not a report is one line, exit 1.
set -u
src=${STEPPE_SOURCE_DIR:?}
steppe=${STEPPE:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }
cd "$work" || exit 1

"$steppe" render "$src/styles/forum.yaml" -q -o a.png -r a.json
"$steppe" render "$src/styles/forum.yaml" -q -o a2.png -r a2.json
"$steppe" diff a.json a2.json >out 2>err
rc=$?
[ $rc -eq 0 ] && [ "$(cat out)" = "no change" ] && ok "same map: 'no change', exit 0" || ko "same map: exit $rc $(cat out err)"

# Two hosts fewer, a corridor without its via points.
"$steppe" render "$src/styles/forum.yaml" -q -o b.png -r b.json \
  --set 'layers.hosts.where={role: host}' --set 'layers.corridor.via=null'
"$steppe" diff a.json b.json >out 2>err
rc=$?
[ $rc -eq 1 ] && ok "changed map: exit 1" || ko "changed map: exit $rc $(cat err)"
grep -qx "layer 'hosts': 7 features drawn, was 9" out && ok "features per layer" || ko "no feature count: $(head -5 out)"
grep -q "^label removed: 'Orenburg' (layer hosts)$" out && ok "a label removed" || ko "no removed label"
grep -q "^measurement 'corridor': [0-9.]* km, was 452[0-9]\.[0-9] km (-[0-9.]* km)$" out \
  && ok "a measurement in km" || ko "no measurement: $(grep measurement out)"

# A classification with one class fewer.
"$steppe" render "$src/styles/regions-area.yaml" -q -o c.png -r c.json
"$steppe" render "$src/styles/regions-area.yaml" -q -o d.png -r d.json --set layers.regions.classify.classes=4
"$steppe" diff c.json d.json >out 2>err
rc=$?
[ $rc -eq 1 ] && grep -q "^layer 'regions': class breaks \[.*\] -> \[.*\]$" out && ok "class breaks" \
  || ko "breaks: exit $rc $(head -3 out)"
grep -q "^layer 'regions': class '.*' \(has [0-9]* features, was [0-9]*\|removed (.* features)\|added (.* features)\)$" out \
  && ok "class counts" || ko "no class count: $(head -5 out)"

# Labels that moved: only past --moved.
"$steppe" render "$src/styles/forum.yaml" -q -o e.png -r e.json -W 1700
"$steppe" diff a.json e.json >out
grep -q "^label moved [0-9]* px: " out && ok "labels moved" || ko "no moved label"
n1=$(grep -c "^label moved" out)
"$steppe" diff a.json e.json --moved 200 >out2
n2=$(grep -c "^label moved" out2)
[ "$n2" -lt "$n1" ] && ok "--moved 200 reports fewer ($n2 < $n1)" || ko "--moved: $n2 vs $n1"

# Bad input.
printf '{"layers": [1, 2' >bad.json
"$steppe" diff a.json bad.json >out 2>err
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <err)" -eq 1 ] && grep -q "bad.json:1:" err && ok "not JSON: one line with its place, exit 1" \
  || ko "not JSON: exit $rc $(cat err)"
printf '{"a": 1}\n' >other.json
"$steppe" diff a.json other.json 2>err
rc=$?
[ $rc -eq 1 ] && grep -q "other.json: not a steppe render report" err && ok "not a report" || ko "not a report: $rc $(cat err)"
"$steppe" diff a.json missing.json 2>err
[ $? -eq 1 ] && grep -q "missing.json: cannot open" err && ok "missing file" || ko "missing: $(cat err)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
