#!/usr/bin/env python3
"""Adversarial benchmark data (stdlib only): shapes that are cheap for a
renderer with no slow path and expensive for one with a cliff.

Usage: adversarial.py OUT_DIR KIND N   (KIND: sawtooth, randomwalk, tiny, points)

Writes OUT_DIR/KIND-N.shp/.shx/.dbf (lon/lat, no .prj), N vertices in all:
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


def main():
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


if __name__ == "__main__":
    main()
