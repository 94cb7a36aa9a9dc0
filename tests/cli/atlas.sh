#!/usr/bin/env bash
# steppe atlas: the bundled partner-region atlas writes its 12 maps with 2
# workers; --where selects pages without changing what is drawn; failures
# name the feature, the other pages are still written, exit status 1; a
# template that would write two pages to one file is a usage error.
set -u
src=${STEPPE_SOURCE_DIR:?}
steppe=${STEPPE:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }

"$steppe" atlas "$src/styles/partner-region.yaml" --layer partner_regions \
  -o "$work/regions/{iso}.png" -j 2 2>"$work/err"
rc=$?
[ $rc -eq 0 ] && ok "atlas exit 0" || ko "atlas exit $rc: $(cat "$work/err")"
n=$(ls "$work/regions" 2>/dev/null | grep -c '\.png$')
[ "$n" -eq 12 ] && ok "12 partner-region maps written" || ko "$n maps written, want 12"
for iso in RU-MOW RU-MOS RU-CHE RU-SVE RU-ORE RU-NVS RU-KGN RU-ALT RU-KYA RU-BA RU-TA RU-KK; do
  head -c 8 "$work/regions/$iso.png" 2>/dev/null | od -An -tx1 | grep -q '89 50 4e 47' || ko "$iso.png is not a PNG"
done
grep -q "wrote 12 of 12 maps in .* s (2 jobs)" "$work/err" && ok "summary line" || ko "summary line: $(cat "$work/err")"
ls -a "$work/regions" | grep -q '\.tmp$' && ko "temporary files left" || ok "no temporary files left"

# Pages differ from each other (each is framed on its own region).
cmp -s "$work/regions/RU-TA.png" "$work/regions/RU-BA.png" && ko "pages identical" || ok "pages differ"

# --where picks pages.
"$steppe" atlas "$src/styles/partner-region.yaml" --layer partner_regions -q \
  -o "$work/some/{iso}.svg" --where '{type: republic}'
n=$(ls "$work/some" | wc -l)
[ "$n" -eq 3 ] && ok "--where '{type: republic}' gives 3 maps (BA, TA, KK)" || ko "--where gave $n maps"

# A failing page names its feature; the others are written; exit 1.
mkdir -p "$work/bad"
touch "$work/bad/RU-TA"      # a file where RU-TA's folder would be
"$steppe" atlas "$src/styles/partner-region.yaml" --layer partner_regions -q \
  -o "$work/bad/{iso}/map.png" 2>"$work/err2"
rc=$?
[ $rc -eq 1 ] && ok "failure exits 1" || ko "failure exit $rc"
grep -q "RU-TA" "$work/err2" && ok "failure names the feature" || ko "failure message: $(cat "$work/err2")"
n=$(ls "$work"/bad/*/map.png 2>/dev/null | wc -l)
[ "$n" -eq 0 ] || [ "$n" -eq 11 ] && ok "other pages handled ($n written)" || ko "$n pages written"

# Two pages to one file: usage error before anything is written.
"$steppe" atlas "$src/styles/partner-region.yaml" --layer partner_regions -q -o "$work/same.png" 2>"$work/err3"
rc=$?
[ $rc -eq 2 ] && ok "constant template refused (exit 2)" || ko "constant template exit $rc"
[ ! -e "$work/same.png" ] && ok "nothing written" || ko "same.png written"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
