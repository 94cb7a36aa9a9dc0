#!/usr/bin/env python3
"""Adversarial benchmark data (stdlib only): shapes that are cheap for a
renderer with no slow path and expensive for one with a cliff.

Usage: adversarial.py OUT_DIR KIND N   (KIND: sawtooth, randomwalk, tiny, points)
       adversarial.py report RES_DIR OUT.md   (bench/run's W5 table, appended)

Writes OUT_DIR/KIND-N.shp/.shx/.dbf (lon/lat, no .prj), N vertices in all,
and OUT_DIR/KIND-N.yaml, steppe's style for it (the peers' are
bench/peers/adversarial-poly.map, adversarial-points.map and
mapnik_render.py adversarial-poly/-points): the forum map's projection,
1600x1100, polygons filled and outlined, points as 4 px dots labelled with
their name. The data:
  sawtooth    one ring of N vertices around (90E, 55N), radius 15 degrees,
              alternating 1% in and out (dense coasts, contours, gears)
  randomwalk  200 rings of N/200 vertices, each a random walk of the radius
              around its own centre (digitised coastlines)
  tiny        N/5 squares of 5 vertices, 0.01 degrees wide, spread over
              the map (parcels, buildings)
  points      N points, each with a name label (field 'name')
The seed is fixed, so a file is the same on every run."""

import math
import os
import random
import struct
import sys
from array import array

POINT, POLYGON = 1, 5
CX, CY = 90.0, 55.0


def write_shp(base, shape_type, nrec, bodies):
    """bodies: an iterable of record contents (bytes) written as they come;
    the bounding box in the header is the caller's BBOX (fixed extent)."""
    bbox = (60.0, 35.0, 120.0, 75.0)
    offsets = []
    with open(base + ".shp", "wb") as shp:
        shp.write(b"\0" * 100)
        offset = 100
        for i, body in enumerate(bodies):
            shp.write(struct.pack(">2i", i + 1, len(body) // 2))
            shp.write(body)
            offsets.append((offset // 2, len(body) // 2))
            offset += 8 + len(body)
        shp_len = offset
        shp.seek(0)
        shp.write(header(shp_len, shape_type, bbox))
    with open(base + ".shx", "wb") as shx:
        shx.write(header(100 + 8 * len(offsets), shape_type, bbox))
        shx.write(b"".join(struct.pack(">2i", o, l) for o, l in offsets))
    assert len(offsets) == nrec


def header(length, shape_type, bbox):
    return (struct.pack(">7i", 9994, 0, 0, 0, 0, 0, length // 2)
            + struct.pack("<2i", 1000, shape_type)
            + struct.pack("<8d", *bbox, 0.0, 0.0, 0.0, 0.0))


def polygon(rings):
    """Record content for a polygon of rings (each an array('d') x,y,...)."""
    xs = [min(r[0::2]) for r in rings] + [max(r[0::2]) for r in rings]
    ys = [min(r[1::2]) for r in rings] + [max(r[1::2]) for r in rings]
    npoints = sum(len(r) // 2 for r in rings)
    parts = []
    n = 0
    for r in rings:
        parts.append(n)
        n += len(r) // 2
    xy = array("d")
    for r in rings:
        xy.extend(r)
    if sys.byteorder != "little":
        xy.byteswap()
    return (struct.pack("<i4d2i", POLYGON, min(xs), min(ys), max(xs), max(ys),
                        len(rings), npoints)
            + struct.pack("<%di" % len(rings), *parts) + xy.tobytes())


def ring_around(cx, cy, radii):
    """Closed clockwise ring with the given radii (degrees) at even angles."""
    n = len(radii)
    k = math.cos(math.radians(cy))
    xy = array("d", bytes(16 * (n + 1)))
    for i, r in enumerate(radii):
        a = -2.0 * math.pi * i / n
        xy[2 * i] = cx + r * math.cos(a) / k
        xy[2 * i + 1] = cy + r * math.sin(a)
    xy[2 * n] = xy[0]
    xy[2 * n + 1] = xy[1]
    return xy


def write_dbf(path, nrec, width, values):
    with open(path, "wb") as f:
        f.write(struct.pack("<4BIHH20x", 3, 125, 1, 1, nrec, 32 + 32 + 1,
                            1 + width))
        f.write(struct.pack("<11sc4xB15x", b"name", b"C", width))
        f.write(b"\r")
        buf = []
        for v in values:
            buf.append(b" " + v.encode("ascii")[:width].ljust(width))
            if len(buf) >= 65536:
                f.write(b"".join(buf))
                buf = []
        f.write(b"".join(buf))
        f.write(b"\x1a")


def sawtooth(base, n):
    radii = [15.0 * (1.01 if i % 2 else 0.99) for i in range(n - 1)]
    write_shp(base, POLYGON, 1, [polygon([ring_around(CX, CY, radii)])])
    write_dbf(base + ".dbf", 1, 8, ["sawtooth"])


def randomwalk(base, n):
    rng = random.Random(18)
    nring = 200
    per = n // nring

    def records():
        for j in range(nring):
            cx = 65.0 + 50.0 * (j % 20) / 19.0
            cy = 40.0 + 30.0 * (j // 20) / 9.0
            r0 = 1.2
            r = r0
            radii = []
            for _ in range(per - 1):
                r += rng.gauss(0.0, 0.01) - 0.002 * (r - r0)
                radii.append(max(0.2, r))
            yield polygon([ring_around(cx, cy, radii)])

    write_shp(base, POLYGON, nring, records())
    write_dbf(base + ".dbf", nring, 8, ("walk%d" % j for j in range(nring)))


def tiny(base, n):
    rng = random.Random(18)
    count = n // 5
    d = 0.01

    def records():
        for _ in range(count):
            x = rng.uniform(62.0, 118.0)
            y = rng.uniform(38.0, 72.0)
            yield polygon([array("d", (x, y, x, y + d, x + d, y + d,
                                       x + d, y, x, y))])

    write_shp(base, POLYGON, count, records())
    write_dbf(base + ".dbf", count, 10, ("p%d" % j for j in range(count)))


def points(base, n):
    rng = random.Random(18)

    def records():
        for _ in range(n):
            yield struct.pack("<i2d", POINT, rng.uniform(62.0, 118.0),
                              rng.uniform(38.0, 72.0))

    write_shp(base, POINT, n, records())
    write_dbf(base + ".dbf", n, 10, ("pt%d" % j for j in range(n)))


STYLE = """# W5 (bench/run --adversarial): %(kind)s, %(n)d vertices
map:
  width: 1600
  height: 1100
  dpi: 96
  crs: "+proj=lcc +lat_1=45 +lat_2=65 +lat_0=55 +lon_0=90 +datum=WGS84 +units=m +no_defs"
  extent:
    bbox: [-3200000, -2200000, 3200000, 2200000]
  background: "#ccdef0"
  font: "Noto Sans"
legend: {show: false}
scalebar: {show: false}
layers:
  data:
    source: %(kind)s-%(n)d.shp
    crs: "EPSG:4326"
%(style)s
"""
POLY_STYLE = '    style: {fill: "#f2ede3", stroke: "#646464", width: 0.75}'
POINT_STYLE = ('    style: {marker: circle, size: 3, fill: "#c0392b", stroke: none}\n'
               '    label: {text: "{name}", size: 7, color: "#123e66"}')


def report(res, out_md):
    """Appends the W5 table from bench/run's results: per kind and size
    each tool's median (hyperfine) or single probe time, ns per vertex,
    the ratio to map2img and peak RSS; then the flatness of steppe's cost
    per vertex (max/min over the sizes, at most 2 asked) and the ratio
    to map2img (at most 0.5 asked)."""
    import glob
    import json
    import re
    rows = {}
    for path in glob.glob(os.path.join(res, "W5-*.meta")):
        wid = os.path.basename(path)[:-5]
        _w, kind, n = wid.split("-")
        rows[(kind, int(n))] = wid
    times, rss = {}, {}
    for (kind, n), wid in rows.items():
        for tool in ("steppe", "mapserver", "mapnik"):
            f = os.path.join(res, "rss-%s-%s.txt" % (wid, tool))
            if os.path.exists(f):
                text = open(f).read()
                k = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
                w = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", text)
                if k:
                    rss[(wid, tool)] = int(k.group(1))
                if w and "Exit status: 0" in text:
                    h = int(w.group(1) or 0)
                    times[(wid, tool)] = (3600 * h + 60 * int(w.group(2))
                                          + float(w.group(3)), "probe")
            if os.path.exists(os.path.join(res, "timeout-%s-%s" % (wid, tool))):
                times[(wid, tool)] = (None, "timeout")
        j = os.path.join(res, wid + ".json")
        if os.path.exists(j):
            for r in json.load(open(j))["results"]:
                times[(wid, r["command"])] = (r["median"], "median")
    cap = open(os.path.join(res, "w5-cap.txt")).read().strip() \
        if os.path.exists(os.path.join(res, "w5-cap.txt")) else "?"
    out = ["", "## W5 adversarial data (1600x1100, the forum map's projection)", "",
           "Times are hyperfine medians; *1* marks a single run (the probe "
           "under `/usr/bin/time -v`, for renders over 20 s), > %s s a render "
           "stopped at the cap. ns/v = time per vertex." % cap, "",
           "| data | vertices | steppe | ns/v | MapServer | ns/v | Mapnik | ns/v "
           "| steppe/MapServer | steppe/Mapnik | RSS steppe | RSS MapServer | RSS Mapnik |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def t(wid, tool, n):
        v, how = times.get((wid, tool), (None, None))
        if how == "timeout":
            return "> %s s" % cap, "—"
        if v is None:
            return "—", "—"
        s = "%.0f ms" % (v * 1e3) if v < 10 else "%.1f s" % v
        return s + (" *1*" if how == "probe" else ""), "%.0f" % (v * 1e9 / n)

    def ratio(wid, peer):
        a = times.get((wid, "steppe"), (None, None))[0]
        b, how = times.get((wid, peer), (None, None))
        if how == "timeout" and a is not None:
            return "< %.3f×" % (a / float(cap))
        return "%.3f×" % (a / b) if a and b else "—"

    def mb(wid, tool):
        k = rss.get((wid, tool))
        return "%d MB" % round(k / 1024) if k else "—"

    checks = []
    for kind in ("sawtooth", "randomwalk", "tiny", "points"):
        sizes = sorted(n for (k, n) in rows if k == kind)
        per = []
        for n in sizes:
            wid = rows[(kind, n)]
            st, sv = t(wid, "steppe", n)
            ms, mv = t(wid, "mapserver", n)
            mk, kv = t(wid, "mapnik", n)
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
                       % (kind, "{:,}".format(n), st, sv, ms, mv, mk, kv,
                          ratio(wid, "mapserver"), ratio(wid, "mapnik"),
                          mb(wid, "steppe"), mb(wid, "mapserver"), mb(wid, "mapnik")))
            v = times.get((wid, "steppe"), (None, None))[0]
            if v:
                per.append(v / n)
        if len(per) >= 2:
            # A cliff is a cost per vertex that rises with the size; one
            # that falls (the fixed cost spread thinner) is not.
            rise = max(per[j] / per[i] for i in range(len(per))
                       for j in range(i + 1, len(per)))
            checks.append("%s: steppe's cost per vertex rises at most %.2f× from a "
                          "smaller size to a larger (≤ 2× asked: **%s**); max/min "
                          "over the sizes %.2f×" % (kind, rise, "pass" if rise <= 2
                                                     else "FAIL", max(per) / min(per)))
    out += [""] + ["- " + c for c in checks] + [""]
    with open(out_md, "a", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    sys.stdout.write("\n".join(out) + "\n")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "report":
        report(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) != 4:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        sys.exit(2)
    out, kind, n = sys.argv[1], sys.argv[2], int(float(sys.argv[3]))
    makers = {"sawtooth": sawtooth, "randomwalk": randomwalk,
              "tiny": tiny, "points": points}
    if kind not in makers:
        sys.stderr.write("adversarial.py: unknown kind '%s'\n" % kind)
        sys.exit(2)
    os.makedirs(out, exist_ok=True)
    base = os.path.join(out, "%s-%d" % (kind, n))
    tmp = base + ".tmp"
    makers[kind](tmp, n)
    for ext in (".shp", ".shx", ".dbf"):
        os.replace(tmp + ext, base + ext)
    with open(base + ".yaml", "w") as f:
        f.write(STYLE % {"kind": kind, "n": n,
                         "style": POINT_STYLE if kind == "points" else POLY_STYLE})


if __name__ == "__main__":
    main()
