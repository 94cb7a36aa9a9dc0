#!/usr/bin/env bash
# The HTML recipes of docs/embedding.md work as written: each <img> snippet
# (the SVG one and the PNG-with-srcset one), copied verbatim from the doc
# into a page, shows the forum map in headless Chromium at its stated size,
# 1600 x 1100 CSS px: the screenshot of a window of exactly that size is
# steppe's own PNG (text, symbols and lines in place: `steppe diff` at
# threshold 128, as tests/cli/viewers.sh measures), and in a window 400 px
# wider the extra column is blank (the map keeps its width). SKIP without
# chromium.
source "$(dirname "$0")/lib.bash"
harness_init html-recipe
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
  echo "SKIP chromium is not installed (Debian package chromium)"
  exit 0
fi
cd "$WORK" || exit 1
"$STEPPE" render "$SRC/styles/forum.yaml" -q -o forum.png -o forum.svg
cp forum.png forum@2x.png # the 1x/2x pair of the recipe; only 1x is used at scale 1

# The html blocks of the doc that embed forum.svg or forum.png with <img>.
python3 - "$SRC/docs/embedding.md" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
blocks = re.findall(r"```html\n(.*?)```", text, re.S)
n = 0
for b in blocks:
    if re.search(r'<img src="forum\.(svg|png)"', b):
        n += 1
        with open("recipe%d.html" % n, "w", encoding="utf-8") as f:
            f.write('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><style>body{margin:0}</style></head><body>\n')
            f.write(b.replace('alt="…"', 'alt="map"'))
            f.write("</body></html>\n")
print(n)
PY
n=$(ls recipe*.html 2>/dev/null | wc -l)
[ "$n" -eq 2 ] && ok "two <img> recipes in docs/embedding.md" || bad "$n <img> recipes found"

for page in recipe*.html; do
  kind=$(grep -o 'src="forum\.[a-z]*"' "$page" | head -1)
  if chromium_shot "$chrome" "$page" 1600 1100 "$page.png" && [ -s "$page.png" ]; then
    # Under the sanitizer phase's load Chromium's shot of the SVG has
    # differed by 0.117 % all over the map, twice the same 2,054 pixels
    # (2026-12-06 and 12-07; once also 0.131 % on the retry), while the same
    # page alone gives 0-0.016 % and steppe's PNG and SVG are the same
    # bytes run after run under the same load: Chromium takes another
    # raster path when the machine is busy. Up to three shots settle it; a
    # page that is really wrong fails all three.
    first=""
    for retry in 2 3; do
      if msg=$("$STEPPE" diff forum.png "$page.png" --threshold 128 --tolerance 0.1% 2>&1) ||
         ! chromium_shot "$chrome" "$page" 1600 1100 "$page.png" || [ ! -s "$page.png" ]; then
        break
      fi
      first="$first; shot $((retry - 1)) differed: $msg"
      msg=$("$STEPPE" diff forum.png "$page.png" --threshold 128 --tolerance 0.1% 2>&1)
    done
    if "$STEPPE" diff forum.png "$page.png" --threshold 128 --tolerance 0.1% >/dev/null 2>&1; then
      ok "$kind recipe: the map at 1600 x 1100 CSS px ($msg$first)"
    else
      bad "$kind recipe: not the map at 1600 x 1100: $msg$first"
    fi
  else
    bad "$kind recipe: no screenshot: $(tail -2 "$page.png.log")"
  fi
  # Wider window: the map stays 1600 px wide, the rest of the page is blank.
  if chromium_shot "$chrome" "$page" 2000 1100 "$page.wide.png"; then
    python3 - "$page.wide.png" <<'PY' && ok "$kind recipe: 1600 px wide in a 2000 px window" || bad "$kind recipe: the map is not 1600 px wide in a 2000 px window"
import struct, sys, zlib
# Minimal PNG reader (8-bit RGB/RGBA, non-interlaced, as Chromium writes).
data = open(sys.argv[1], "rb").read()
pos, chunks = 8, []
w = h = ctype = None
idat = b""
while pos < len(data):
    n, t = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if t == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif t == b"IDAT":
        idat += body
    pos += 12 + n
bpp = 4 if ctype == 6 else 3
raw = zlib.decompress(idat)
stride = w * bpp
rows, prev = [], bytearray(stride)
i = 0
for y in range(h):
    f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]; c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
def px(x, y): return tuple(rows[y][x * bpp:x * bpp + 3])
# Column 1599 carries the map (its background or the frame's edge), every
# column from 1601 on is the page's white.
left_map = sum(1 for y in range(0, h, 7) if px(1598, y) != (255, 255, 255))
right_blank = all(px(x, y) == (255, 255, 255) for x in range(1601, w, 13) for y in range(0, h, 13))
sys.exit(0 if w == 2000 and left_map > h // 14 and right_blank else 1)
PY
  else
    bad "$kind recipe: no wide screenshot"
  fi
done
harness_finish
