#!/usr/bin/env python3
"""W1 fixture: what the peers need to draw styles/forum.yaml's base map.

Usage: forumprep.py STYLE OUT_DIR
Writes OUT_DIR/forum.env (shell: FORUM_WIDTH, FORUM_HEIGHT, FORUM_EXTENT,
FORUM_CRS) and OUT_DIR/corridor.csv (one WKT line through the corridor stops
of places.csv, in lon/lat).

The extent repeats steppe's `extent: {fit: countries, where: ..., margin: m}`
(src/project.h, st_view_init): the bounding box of the selected countries in
the map CRS, grown by m times its size on each side, then widened on one
axis about its centre to the canvas aspect ratio. Vertices are projected with
PROJ's cs2cs, so the numbers are PROJ's own. The style is read with a few
regular expressions for the keys involved, not a YAML parser (stdlib only).
"""

import csv
import os
import re
import subprocess
import sys

import shputil

HERE = os.path.dirname(os.path.abspath(__file__))


def style_values(text):
    def one(pattern, cast=str):
        m = re.search(pattern, text, re.M)
        if not m:
            raise SystemExit("forumprep: %s not found in style" % pattern)
        return cast(m.group(1))

    width = one(r"^  width:\s*(\d+)", int)
    height = one(r"^  height:\s*(\d+)", int)
    crs = one(r'^  crs:\s*"([^"]+)"')
    margin = one(r"^    margin:\s*([0-9.]+)", float)
    fit_layer = one(r"^    fit:\s*(\w+)")
    where = re.search(r'^    where:\s*\{(\w+):\s*\{in:\s*\[([^\]]*)\]\}\}', text, re.M)
    field = where.group(1)
    values = [v.strip().strip('"') for v in where.group(2).split(",")]
    stops = one(r"^    stops:\s*\[([^\]]*)\]")
    stops = [s.strip().strip('"') for s in stops.split(",")]
    stop_field = one(r"^    stop-field:\s*(\w+)")
    return dict(width=width, height=height, crs=crs, margin=margin,
                fit_layer=fit_layer, field=field, values=values,
                stops=stops, stop_field=stop_field)


def project(points, crs):
    text = "".join("%.10f %.10f\n" % p for p in points)
    out = subprocess.run(["cs2cs", "-f", "%.4f", "+proj=longlat", "+datum=WGS84",
                          "+to"] + crs.split(),
                         input=text, capture_output=True, text=True, check=True).stdout
    xy = []
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] != "*":
            xy.append((float(parts[0]), float(parts[1])))
    return xy


def main():
    style_path, out_dir = sys.argv[1], sys.argv[2]
    with open(style_path, encoding="utf-8") as f:
        v = style_values(f.read())
    style_dir = os.path.dirname(os.path.abspath(style_path))
    shapes = os.path.normpath(os.path.join(style_dir, "..", "shapes"))
    base = os.path.join(shapes, v["fit_layer"])
    _t, _b, records = shputil.read_shp(base + ".shp")
    fields, rows = shputil.read_dbf(base + ".dbf")
    col = fields.index(v["field"])
    lonlat = []
    for rec, row in zip(records, rows):
        if rec is None or row[col] not in v["values"]:
            continue
        for part in rec:
            lonlat.extend(zip(part[0::2], part[1::2]))
    xy = project(lonlat, v["crs"])
    xs = [p[0] for p in xy]
    ys = [p[1] for p in xy]
    x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    w, h = x1 - x0, y1 - y0
    m = v["margin"]
    x0, x1, y0, y1 = x0 - m * w, x1 + m * w, y0 - m * h, y1 + m * h
    w, h = x1 - x0, y1 - y0
    aspect = v["width"] / v["height"]
    if w / h < aspect:
        grow = h * aspect - w
        x0, x1 = x0 - grow / 2, x1 + grow / 2
    else:
        grow = w / aspect - h
        y0, y1 = y0 - grow / 2, y1 + grow / 2

    places = {}
    with open(os.path.join(shapes, "places.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            places[row[v["stop_field"]]] = (float(row["lon"]), float(row["lat"]))
    missing = [s for s in v["stops"] if s not in places]
    if missing:
        raise SystemExit("forumprep: corridor stops not in places.csv: %s" % missing)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "corridor.csv"), "w", encoding="utf-8") as f:
        f.write('name,wkt\n"corridor","LINESTRING (%s)"\n'
                % ", ".join("%.4f %.4f" % places[s] for s in v["stops"]))
    with open(os.path.join(out_dir, "forum.env"), "w") as f:
        f.write("FORUM_WIDTH=%d\nFORUM_HEIGHT=%d\n" % (v["width"], v["height"]))
        f.write('FORUM_EXTENT="%.1f %.1f %.1f %.1f"\n' % (x0, y0, x1, y1))
        f.write('FORUM_CRS="%s"\n' % v["crs"])
    print("forum: %dx%d extent %.0f %.0f %.0f %.0f"
          % (v["width"], v["height"], x0, y0, x1, y1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
