#!/usr/bin/env bash
# steppe atlas: the bundled partner-region atlas writes its 12 maps with 2
# workers; --where selects pages without changing what is drawn; failures
# name the feature, the other pages are still written, exit status 1; a
# template that would write two pages to one file is a usage error.
source "$(dirname "$0")/lib.bash"
harness_init atlas

"$STEPPE" atlas "$SRC/styles/partner-region.yaml" --layer partner_regions \
  -o "$WORK/regions/{iso}.png" -j 2 2>"$WORK/err"
rc=$?
[ $rc -eq 0 ] && ok "atlas exit 0" || bad "atlas exit $rc: $(cat "$WORK/err")"
n=$(ls "$WORK/regions" 2>/dev/null | grep -c '\.png$')
[ "$n" -eq 12 ] && ok "12 partner-region maps written" || bad "$n maps written, want 12"
for iso in RU-MOW RU-MOS RU-CHE RU-SVE RU-ORE RU-NVS RU-KGN RU-ALT RU-KYA RU-BA RU-TA RU-KK; do
  head -c 8 "$WORK/regions/$iso.png" 2>/dev/null | od -An -tx1 | grep -q '89 50 4e 47' || bad "$iso.png is not a PNG"
done
grep -q "wrote 12 of 12 maps in .* s (2 jobs)" "$WORK/err" && ok "summary line" || bad "summary line: $(cat "$WORK/err")"
ls -a "$WORK/regions" | grep -q '\.tmp$' && bad "temporary files left" || ok "no temporary files left"

# Pages differ from each other (each is framed on its own region).
cmp -s "$WORK/regions/RU-TA.png" "$WORK/regions/RU-BA.png" && bad "pages identical" || ok "pages differ"

# --where picks pages.
"$STEPPE" atlas "$SRC/styles/partner-region.yaml" --layer partner_regions -q \
  -o "$WORK/some/{iso}.svg" --where '{type: republic}'
n=$(ls "$WORK/some" | wc -l)
[ "$n" -eq 3 ] && ok "--where '{type: republic}' gives 3 maps (BA, TA, KK)" || bad "--where gave $n maps"

# A failing page names its feature; the others are written; exit 1.
mkdir -p "$WORK/bad"
touch "$WORK/bad/RU-TA"      # a file where RU-TA's folder would be
"$STEPPE" atlas "$SRC/styles/partner-region.yaml" --layer partner_regions -q \
  -o "$WORK/bad/{iso}/map.png" 2>"$WORK/err2"
rc=$?
[ $rc -eq 1 ] && ok "failure exits 1" || bad "failure exit $rc"
grep -q "RU-TA" "$WORK/err2" && ok "failure names the feature" || bad "failure message: $(cat "$WORK/err2")"
n=$(ls "$WORK"/bad/*/map.png 2>/dev/null | wc -l)
[ "$n" -eq 0 ] || [ "$n" -eq 11 ] && ok "other pages handled ($n written)" || bad "$n pages written"

# Two pages to one file: usage error before anything is written.
"$STEPPE" atlas "$SRC/styles/partner-region.yaml" --layer partner_regions -q -o "$WORK/same.png" 2>"$WORK/err3"
rc=$?
[ $rc -eq 2 ] && ok "constant template refused (exit 2)" || bad "constant template exit $rc"
[ ! -e "$WORK/same.png" ] && ok "nothing written" || bad "same.png written"

harness_finish
