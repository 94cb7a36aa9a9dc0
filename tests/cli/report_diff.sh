#!/usr/bin/env bash
# steppe diff OLD.json NEW.json: two render reports compared in words —
# features per layer, class breaks and counts, labels added, dropped or
# moved, measurements — exit 1 on a change, 0 and "no change" without one;
# a file that is not JSON or not a report is one line, exit 1.
source "$(dirname "$0")/lib.bash"
harness_init report-diff
cd "$WORK" || exit 1

"$STEPPE" render "$SRC/styles/forum.yaml" -q -o a.png -r a.json
"$STEPPE" render "$SRC/styles/forum.yaml" -q -o a2.png -r a2.json
"$STEPPE" diff a.json a2.json >out 2>err
rc=$?
[ $rc -eq 0 ] && [ "$(cat out)" = "no change" ] && ok "same map: 'no change', exit 0" || bad "same map: exit $rc $(cat out err)"

# Two hosts fewer, a corridor without its via points.
"$STEPPE" render "$SRC/styles/forum.yaml" -q -o b.png -r b.json \
  --set 'layers.hosts.where={role: host}' --set 'layers.corridor.via=null'
"$STEPPE" diff a.json b.json >out 2>err
rc=$?
[ $rc -eq 1 ] && ok "changed map: exit 1" || bad "changed map: exit $rc $(cat err)"
grep -qx "layer 'hosts': 7 features drawn, was 9" out && ok "features per layer" || bad "no feature count: $(head -5 out)"
grep -q "^label removed: 'Orenburg' (layer hosts)$" out && ok "a label removed" || bad "no removed label"
grep -q "^measurement 'corridor': [0-9.]* km, was 452[0-9]\.[0-9] km (-[0-9.]* km)$" out \
  && ok "a measurement in km" || bad "no measurement: $(grep measurement out)"

# A classification with one class fewer.
"$STEPPE" render "$SRC/styles/regions-area.yaml" -q -o c.png -r c.json
"$STEPPE" render "$SRC/styles/regions-area.yaml" -q -o d.png -r d.json --set layers.regions.classify.classes=4
"$STEPPE" diff c.json d.json >out 2>err
rc=$?
[ $rc -eq 1 ] && grep -q "^layer 'regions': class breaks \[.*\] -> \[.*\]$" out && ok "class breaks" \
  || bad "breaks: exit $rc $(head -3 out)"
grep -q "^layer 'regions': class '.*' \(has [0-9]* features, was [0-9]*\|removed (.* features)\|added (.* features)\)$" out \
  && ok "class counts" || bad "no class count: $(head -5 out)"

# Labels that moved: only past --moved.
"$STEPPE" render "$SRC/styles/forum.yaml" -q -o e.png -r e.json -W 1700
"$STEPPE" diff a.json e.json >out
grep -q "^label moved [0-9]* px: " out && ok "labels moved" || bad "no moved label"
n1=$(grep -c "^label moved" out)
"$STEPPE" diff a.json e.json --moved 200 >out2
n2=$(grep -c "^label moved" out2)
[ "$n2" -lt "$n1" ] && ok "--moved 200 reports fewer ($n2 < $n1)" || bad "--moved: $n2 vs $n1"

# Bad input.
printf '{"layers": [1, 2' >bad.json
"$STEPPE" diff a.json bad.json >out 2>err
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <err)" -eq 1 ] && grep -q "bad.json:1:" err && ok "not JSON: one line with its place, exit 1" \
  || bad "not JSON: exit $rc $(cat err)"
printf '{"a": 1}\n' >other.json
"$STEPPE" diff a.json other.json 2>err
rc=$?
[ $rc -eq 1 ] && grep -q "other.json: not a steppe render report" err && ok "not a report" || bad "not a report: $rc $(cat err)"
"$STEPPE" diff a.json missing.json 2>err
[ $? -eq 1 ] && grep -q "missing.json: cannot open" err && ok "missing file" || bad "missing: $(cat err)"

harness_finish
