#!/usr/bin/env bash
# Other programs read steppe's outputs the way steppe drew them.
#
#   STEPPE=build/steppe bash tests/cli/viewers.sh
#
# forum.yaml is rendered once to PNG, SVG and PDF (same canvas), then:
#   (a) pngcheck accepts the PNG;
#   (b) rsvg-convert rasterises the SVG at the map's dpi to exactly the PNG's
#       pixel size, and the result matches steppe's PNG within tolerance;
#   (c) headless Chromium shows the SVG — inline in HTML and as <img> — at
#       W×H CSS px, and the screenshots match (SKIP if chromium is absent);
#   (d) pdftoppm rasterises the PDF at the map's dpi to the same pixel size and
#       matches; pdffonts lists every font as embedded.
# Matching is `steppe diff`, twice per image:
#   shades: --threshold 32, a pixel counts when a channel is off by more than
#           32 of 255 — catches a wrong fill colour, lost transparency, a shift;
#   marks:  --threshold 128, a pixel counts only when it is a different colour
#           altogether — catches lost text, symbols or lines, which at the
#           default threshold (8) drown in antialiasing differences.
# The renderers rasterise glyphs and the edges of hairlines differently, so the
# tolerances are the measured figures below plus headroom, not zero.
#
# Packages (Debian 12): pngcheck, librsvg2-bin, poppler-utils, chromium.
# The last line is "N passed, M failed"; SKIP lines are listed separately;
# exit 1 on failure.
set -o pipefail

source "$(dirname "$0")/lib.bash"
harness_init viewers

# Measured on forum.yaml (1600x1100 px, 96 dpi) on Debian 12 — cairo 1.16.0,
# librsvg 2.54, poppler 22.12, Chromium 156 — share of differing pixels:
#                        threshold 8    threshold 32   threshold 128
#   rsvg-convert SVG       1.738%         0.985%         0.007%
#   Chromium SVG inline    4.769%         1.045%         0.013%
#   Chromium SVG <img>     4.727%         1.038%         0.013%
#   pdftoppm PDF           4.792%         1.626%         0.227%
# (The figures grow a little with every label the style gains; an earlier
# version of the style gave 0.920 / 0.984 / 1.569% at threshold 32 for
# rsvg / Chromium inline / pdftoppm.)
# For scale: the same SVG with every glyph removed, through rsvg-convert,
# differs from steppe's PNG by 1.901% at threshold 8 (barely more than the
# intact SVG: a 2% tolerance there would pass a map without text), 1.565% at
# threshold 32 and 0.782% at threshold 128 — the marks check is the one that
# sees lost text, with a wide margin.
# Differences sit on glyph edges and on the graticule and boundary hairlines
# (poppler's Splash rasteriser adjusts thin strokes to pixel boundaries; Skia
# and librsvg antialias edges differently from cairo's image backend), nowhere
# else.
TOL_RSVG=${TOL_RSVG:-2%}          # threshold 32
TOL_RSVG_MARKS=${TOL_RSVG_MARKS:-0.1%}
TOL_CHROMIUM=${TOL_CHROMIUM:-2%}
TOL_CHROMIUM_MARKS=${TOL_CHROMIUM_MARKS:-0.1%}
TOL_PDFTOPPM=${TOL_PDFTOPPM:-3%}
TOL_PDFTOPPM_MARKS=${TOL_PDFTOPPM_MARKS:-0.4%}

have() { command -v "$1" >/dev/null 2>&1; }

if [ ! -x "$STEPPE" ]; then
  bad "binary" "no executable at $STEPPE (set STEPPE)"
  harness_finish
  exit
fi

cd "$WORK" || exit 1

# within LABEL IMAGE THRESHOLD TOLERANCE: steppe diff against map.png.
within() {
  local label=$1 img=$2 thr=$3 tol=$4
  if "$STEPPE" diff map.png "$img" --threshold "$thr" --tolerance "$tol" -o "$img.diff-$thr.png" \
    >"$WORK/diff.log" 2>&1; then
    ok "$label: within $tol at threshold $thr ($(head -1 "$WORK/diff.log"))"
  else
    bad "$label: within $tol at threshold $thr" "" "$WORK/diff.log"
    # Keep the evidence when asked to.
    if [ -n "${STEPPE_KEEP:-}" ]; then
      mkdir -p "$STEPPE_KEEP" && cp map.png map.svg map.pdf "$img" "$img.diff-$thr.png" "$STEPPE_KEEP"/ 2>/dev/null
    fi
  fi
}

# compare LABEL IMAGE TOL_SHADES TOL_MARKS: size first (steppe diff refuses
# different sizes, but say so plainly), then shades and marks.
compare() {
  local label=$1 img=$2 size
  size=$(png_size "$img")
  if [ "$size" != "${W}x${H}" ]; then
    bad "$label: pixel size" "got ${size:-nothing}, expected ${W}x${H}"
    return
  fi
  ok "$label: pixel size ${W}x${H}"
  # For the record, not judged: the figure at steppe diff's default threshold.
  "$STEPPE" diff map.png "$img" --tolerance 100% >"$WORK/diff.log" 2>&1
  echo "     $label at threshold 8: $(head -1 "$WORK/diff.log")"
  within "$label" "$img" 32 "$3"
  within "$label" "$img" 128 "$4"
}

# ---- the three outputs, one render ------------------------------------------
if "$STEPPE" render -q "$SRC/styles/forum.yaml" -o map.png -o map.svg -o map.pdf >render.log 2>&1; then
  ok "render forum.yaml to png, svg, pdf"
else
  bad "render forum.yaml to png, svg, pdf" "" render.log
  harness_finish
  exit
fi
size=$(png_size map.png)
W=${size%x*}
H=${size#*x}
# The map's dpi from the PNG's pHYs chunk (pixels per metre), 96 if absent.
DPI=96
if have pngcheck && pngcheck -v map.png >pngcheck.txt 2>&1; then
  ppm=$(sed -n 's/.*pHYs.*: *\([0-9][0-9]*\)x\([0-9][0-9]*\) pixels\/meter.*/\1/p' pngcheck.txt | head -1)
  [ -z "$ppm" ] && ppm=$(grep -A1 pHYs pngcheck.txt | sed -n 's/^ *\([0-9][0-9]*\)x[0-9][0-9]* pixels\/meter.*/\1/p' | head -1)
  [ -n "$ppm" ] && DPI=$(awk -v p="$ppm" 'BEGIN { printf "%d", p * 0.0254 + 0.5 }')
fi
echo "     map: ${W}x${H} px at $DPI dpi"

# ---- (a) pngcheck ------------------------------------------------------------
if have pngcheck; then
  if pngcheck map.png >pngcheck.log 2>&1; then
    ok "pngcheck: $(tail -1 pngcheck.log)"
  else
    bad "pngcheck" "" pngcheck.log
  fi
else
  bad "pngcheck" "not installed (Debian package pngcheck)"
fi

# ---- (b) librsvg -------------------------------------------------------------
if have rsvg-convert; then
  # No -w/-h: the SVG's own width/height (in pt) at the map's dpi must give
  # the PNG's pixel size, so a wrong physical size fails here.
  if rsvg-convert --dpi-x "$DPI" --dpi-y "$DPI" -f png -o rsvg.png map.svg >rsvg.log 2>&1; then
    compare "rsvg-convert SVG" rsvg.png "$TOL_RSVG" "$TOL_RSVG_MARKS"
  else
    bad "rsvg-convert renders the SVG" "" rsvg.log
  fi
else
  bad "rsvg-convert" "not installed (Debian package librsvg2-bin)"
fi

# ---- (c) Chromium ------------------------------------------------------------
chrome=""
for c in chromium chromium-browser; do
  if have "$c"; then
    chrome=$c
    break
  fi
done
if [ -z "$chrome" ]; then
  skip "chromium SVG (inline and <img>)" "chromium is not installed (Debian package chromium)"
else
  css="html,body{margin:0;padding:0;overflow:hidden;background:#fff}svg,img{display:block;width:${W}px;height:${H}px}"
  # Inline: the SVG document without its XML declaration, straight in <body>.
  {
    printf '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><style>%s</style></head><body>\n' "$css"
    sed '1{/^<?xml/d}' map.svg
    printf '</body></html>\n'
  } >inline.html
  printf '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><style>%s</style></head><body><img src="map.svg" alt="map"></body></html>\n' \
    "$css" >img.html
  for page in inline img; do
    if chromium_shot "$chrome" "$page.html" "$W" "$H" "chromium-$page.png" && [ -s "chromium-$page.png" ]; then
      compare "chromium SVG ($page)" "chromium-$page.png" "$TOL_CHROMIUM" "$TOL_CHROMIUM_MARKS"
    else
      bad "chromium screenshot of the SVG ($page)" "" "chromium-$page.png.log"
    fi
  done
fi

# ---- (d) poppler -------------------------------------------------------------
if have pdftoppm; then
  if pdftoppm -png -r "$DPI" -singlefile map.pdf pdftoppm >pdftoppm.log 2>&1; then
    compare "pdftoppm PDF" pdftoppm.png "$TOL_PDFTOPPM" "$TOL_PDFTOPPM_MARKS"
  else
    bad "pdftoppm renders the PDF" "" pdftoppm.log
  fi
else
  bad "pdftoppm" "not installed (Debian package poppler-utils)"
fi

if have pdffonts; then
  if pdffonts map.pdf >pdffonts.txt 2>&1; then
    # Columns are fixed-width; their spans come from the dashed rule under the
    # header (the type column holds blanks, as in "CID TrueType").
    fonts=$(awk '
      NR == 2 { n = 0; start = 0
                for (i = 1; i <= length($0) + 1; i++) {
                  ch = substr($0, i, 1)
                  if (ch == "-" && !start) start = i
                  if (ch != "-" && start) { n++; s[n] = start; l[n] = i - start; start = 0 }
                } next }
      NR > 2 && NF { name = substr($0, s[1], l[1]); emb = substr($0, s[4], l[4])
                     gsub(/ /, "", name); gsub(/ /, "", emb)
                     print (emb == "yes" ? "yes" : "no"), name }' pdffonts.txt)
    total=$(printf '%s\n' "$fonts" | grep -c .)
    notemb=$(printf '%s\n' "$fonts" | grep -v '^yes ' | grep -c .)
    if [ "$total" -eq 0 ]; then
      bad "pdffonts: the PDF has fonts" "none listed (is the text missing?)" pdffonts.txt
    elif [ "$notemb" -eq 0 ]; then
      ok "pdffonts: all $total fonts embedded ($(printf '%s\n' "$fonts" | cut -d' ' -f2 | sort -u | tr '\n' ' '))"
    else
      bad "pdffonts: all fonts embedded" "$notemb of $total not embedded" pdffonts.txt
    fi
  else
    bad "pdffonts" "" pdffonts.txt
  fi
else
  bad "pdffonts" "not installed (Debian package poppler-utils)"
fi

harness_finish
