#!/usr/bin/env bash
# The LaTeX recipe of docs/embedding.md builds a real document with pdfTeX:
# the figure is rendered with the command of the doc's LaTeX section
# (forum-report.yaml, 170 mm at 300 dpi, -o fig/forum.pdf), the doc's ```latex block is placed in an
# article as written, and pdflatex must build it. Then the document's page,
# rasterised at 100 dpi, must show the map at its stated size: the map's ink
# box has the same width and height in the document as in fig/forum.pdf
# rasterised alone (within 2 px, 0.5 mm) and the pixels inside it agree
# (at most 2 % differ by more than a quarter of the grey scale; the figure
# sits at a sub-pixel offset on the page, so edges antialias differently).
# The fonts of the figure are embedded in the document. SKIP without
# pdflatex (Debian package texlive-latex-base, installed by
# tools/bootstrap.sh test in about a minute).
source "$(dirname "$0")/lib.bash"
harness_init latex_recipe

if ! command -v pdflatex >/dev/null || ! command -v pdftoppm >/dev/null; then
    echo "SKIP pdflatex or pdftoppm is not installed (texlive-latex-base, poppler-utils)"
    exit 0
fi
doc=$SRC/docs/embedding.md

# The render command of the doc's LaTeX section (its sh block), run with
# this build's binary and styles.
python3 - "$doc" >render.sh <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
section = text.split("## LaTeX", 1)[1].split("\n## ", 1)[0]
for b in re.findall(r"```sh\n(.*?)```", section, re.S):
    print(" ".join(line.strip().rstrip("\\") for line in b.strip().splitlines()))
PY
if grep -q -- '-o fig/forum.pdf' render.sh; then ok "the LaTeX section's render command: $(cat render.sh)"; else bad "the LaTeX section has no sh block writing fig/forum.pdf"; fi
sed -i -e "s#build/steppe#\"\$STEPPE\"#" -e "s#styles/#$SRC/styles/#g" render.sh
if STEPPE=$STEPPE bash render.sh >out.txt 2>err.txt && [ -s fig/forum.pdf ]; then
    ok "fig/forum.pdf rendered"
else
    bad "the doc's render command failed"
fi

# The doc's latex block, verbatim, in a minimal article (A4, 20 mm margins
# so a 170 mm figure fits the text block as in a report).
python3 - "$doc" >doc.tex <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
blocks = [b for b in re.findall(r"```latex\n(.*?)```", text, re.S) if "includegraphics" in b]
if not blocks:
    sys.exit(1)
preamble, body = [], []
for line in blocks[0].splitlines():
    if line.strip() == "…":
        continue
    (preamble if line.startswith("\\usepackage") else body).append(line.replace("…", "The forum map."))
print("\\documentclass[a4paper]{article}")
print("\\usepackage[margin=20mm]{geometry}")
print("\n".join(preamble))
print("\\begin{document}")
print("\n".join(body))
print("\\end{document}")
PY
if grep -q 'includegraphics\[width=170mm\]{fig/forum.pdf}' doc.tex; then ok "the doc's latex block"; else bad "no latex block with includegraphics in $doc"; fi

if timeout 120 pdflatex -interaction=nonstopmode -halt-on-error doc.tex >latex.log 2>&1 && [ -s doc.pdf ]; then
    ok "pdflatex built doc.pdf"
else
    bad "pdflatex failed: $(grep -m1 '^!' latex.log)"
fi
pages=$(pdfinfo doc.pdf 2>/dev/null | awk '/^Pages:/ {print $2}')
[ "${pages:-0}" = 1 ] && ok "one page" || bad "doc.pdf has ${pages:-no} pages"
if pdffonts doc.pdf 2>/dev/null | awk 'NR > 2 && $(NF-4) != "yes" {bad = 1} END {exit bad}'; then
    ok "every font in the document is embedded"
else
    bad "a font of the document is not embedded: $(pdffonts doc.pdf | tail -n +3)"
fi

pdftoppm -r 150 -gray -singlefile doc.pdf page 2>/dev/null
pdftoppm -r 150 -gray -singlefile fig/forum.pdf fig 2>/dev/null
if python3 - page.pgm fig.pgm >cmp.txt <<'PY'; then ok "$(cat cmp.txt)"; else bad "$(cat cmp.txt)"; fi
import sys

def pgm(path):
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    w, h = int(fields[1]), int(fields[2])
    pix = data[pos + 1:pos + 1 + w * h]
    return w, h, pix

def ink_box(w, h, pix, rows=None):
    xs, ys = [], []
    for y in range(h) if rows is None else rows:
        row = pix[y * w:(y + 1) * w]
        dark = [x for x in range(w) if row[x] < 250]
        if dark:
            xs += [dark[0], dark[-1]]
            ys.append(y)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None

pw, ph, page = pgm(sys.argv[1])
fw, fh, fig = pgm(sys.argv[2])
fb = ink_box(fw, fh, fig)
pb = ink_box(pw, ph, page)
if fb is None or pb is None:
    print("no ink on the page or in the figure")
    sys.exit(1)
fwid, fhei = fb[2] - fb[0], fb[3] - fb[1]
# The map is the page's first ink from the top; the caption and the page
# number lie below it, so the page's box is searched within the map's height.
pb = ink_box(pw, ph, page, range(pb[1], min(ph, pb[1] + fhei + 1)))
pwid, phei = pb[2] - pb[0], pb[3] - pb[1]
if abs(pwid - fwid) > 2 or abs(phei - fhei) > 2:
    print("the map is %d x %d px on the page, %d x %d px alone (150 dpi)" % (pwid, phei, fwid, fhei))
    sys.exit(1)
def differing(dx, dy):
    n = 0
    for y in range(1, fhei):
        prow = (pb[1] + y + dy) * pw + pb[0] + dx
        frow = (fb[1] + y) * fw + fb[0]
        for x in range(1, fwid):
            if abs(page[prow + x] - fig[frow + x]) > 128:
                n += 1
    return n

# An antialiased edge may start the ink box one pixel early: the best of the
# alignments within one pixel is the figure's place.
differ = min(differing(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1))
share = differ / ((fwid - 1) * (fhei - 1))
mm = (fwid + 1) / 150 * 25.4
if share > 0.02:
    print("the map on the page differs from fig/forum.pdf in %.2f %% of its pixels" % (100 * share))
    sys.exit(1)
print("the map on the page: %.1f mm of ink wide, as in fig/forum.pdf; %.2f %% of pixels differ" % (mm, 100 * share))
PY

harness_finish
