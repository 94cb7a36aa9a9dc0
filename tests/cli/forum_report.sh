#!/usr/bin/env bash
# The forum map's render report (--report) carries what the map promises:
# all 9 host cities labelled, the 12 partner regions drawn and labelled, a
# measured border of 6,000 to 8,000 km, a corridor through 18 towns with its legs,
# and no two label boxes overlapping or leaving the canvas.
set -u
src=${STEPPE_SOURCE_DIR:?}
steppe=${STEPPE:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for style in forum forum-ru border-zone forum-print; do
  # One run, three formats: the data is read and projected once.
  if ! "$steppe" render "$src/styles/$style.yaml" -q -o "$work/$style.png" -o "$work/$style.svg" \
       -o "$work/$style.pdf" --report "$work/$style.json"; then
    echo "FAIL $style: render failed"
    echo "0 passed, 1 failed"
    exit 1
  fi
done
python3 - "$work" <<'PY'
import json, sys, os
work = sys.argv[1]
passed = failed = 0
def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print("ok  ", what)
    else:
        failed += 1
        print("FAIL", what)

hosts = ["Omsk", "Chelyabinsk", "Novosibirsk", "Orenburg", "Astrakhan",
         "Uralsk", "Aktyubinsk", "Ust-Kamenogorsk", "Pavlodar"]
hosts_ru = ["Омск", "Челябинск", "Новосибирск", "Оренбург", "Астрахань",
            "Уральск", "Актюбинск", "Усть-Каменогорск", "Павлодар"]
for style in ["forum", "forum-ru", "border-zone", "forum-print"]:
    r = json.load(open(os.path.join(work, style + ".json")))
    heads = {"png": b"\x89PNG\r\n\x1a\n", "svg": b"<?xml", "pdf": b"%PDF-"}
    for ext, magic in heads.items():
        with open(os.path.join(work, style + "." + ext), "rb") as f:
            check(f.read(len(magic)) == magic, f"{style}: a valid .{ext} written")
    check([o["format"] for o in r["outputs"]] == ["png", "svg", "pdf"], f"{style}: report lists the three outputs")
    W, H = r["width"], r["height"]
    labels = r["labels"]
    names = hosts_ru if style == "forum-ru" else hosts
    host_labels = [l["text"] for l in labels if l["layer"] == "hosts"]
    for h in names:
        check(any(t.startswith(h) for t in host_labels), f"{style}: host city {h} labelled")
    layers = {l["name"]: l for l in r["layers"]}
    if style != "border-zone":
        check(layers["partner_regions"]["features"] == 12, f"{style}: 12 partner regions drawn")
    km = r["measurements"]["border"]["km"]
    check(6000 <= km <= 8000, f"{style}: border {km:.0f} km within 6,000..8,000")
    cor = r["measurements"]["corridor"]
    check(cor["stops"] == 18 and len(cor["legs"]) == 17, f"{style}: corridor through 18 towns, 17 legs")
    check(abs(sum(l["km"] for l in cor["legs"]) - cor["km"]) < 1e-6 * cor["km"] + 0.01,
          f"{style}: corridor legs add up to its length")
    inside = all(l["x"] >= 0 and l["y"] >= 0 and l["x"] + l["width"] <= W and l["y"] + l["height"] <= H
                 for l in labels)
    check(inside, f"{style}: every label inside the canvas")
    # Curved labels list the boxes of their glyphs ("parts"); those, not
    # their union, are what must stay clear of other labels.
    def boxes(l):
        return [tuple(p) for p in l["parts"]] if "parts" in l else [(l["x"], l["y"], l["width"], l["height"])]
    def hit(p, q):
        return p[0] < q[0] + q[2] and q[0] < p[0] + p[2] and p[1] < q[1] + q[3] and q[1] < p[1] + p[3]
    overlap = []
    for i in range(len(labels)):
        a = labels[i]
        for b in labels[i + 1:]:
            if any(hit(p, q) for p in boxes(a) for q in boxes(b)):
                overlap.append((a["text"], b["text"]))
    check(not overlap, f"{style}: no two label boxes overlap {overlap[:3]}")
    check(any(l["layer"] == "corridor" for l in labels), f"{style}: corridor labelled")
    if style == "forum":
        partner = [l["text"] for l in labels if l["layer"] == "partner_regions"]
        check(len(partner) >= 10, f"{style}: at least 10 of 12 partner regions labelled ({len(partner)})")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
