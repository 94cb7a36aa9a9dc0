#!/usr/bin/env python3
"""W3 fixture: copies of Shapefiles with every segment split into K equal
parts (K-1 evenly spaced points inserted per segment, in the source's own
coordinates), so a ring of n points becomes (n-1)*K + 1 points. Attributes,
.prj and .cpg are copied unchanged; bounding boxes cannot change.

Usage: densify.py K OUT_DIR SHP...
Skips a file whose copy is newer than its source. Prints, per file,
"NAME VERTICES_IN VERTICES_OUT".
"""

import os
import shutil
import sys
from array import array

import shputil


def densify_part(xy, k):
    xs = xy[0::2]
    ys = xy[1::2]
    n = len(xs)
    if n < 2 or k == 1:
        return xy
    nseg = n - 1
    out_x = array("d", bytes(8 * (nseg * k + 1)))
    out_y = array("d", bytes(8 * (nseg * k + 1)))
    x0, x1 = xs[:-1], xs[1:]
    y0, y1 = ys[:-1], ys[1:]
    # One pass per fraction t/k over all segments, then interleave by slice
    # assignment: k list comprehensions instead of a loop per inserted point.
    for t in range(k):
        f = t / k
        out_x[t:nseg * k:k] = array("d", [a + (b - a) * f for a, b in zip(x0, x1)])
        out_y[t:nseg * k:k] = array("d", [a + (b - a) * f for a, b in zip(y0, y1)])
    out_x[nseg * k] = xs[-1]
    out_y[nseg * k] = ys[-1]
    out = array("d", bytes(16 * (nseg * k + 1)))
    out[0::2] = out_x
    out[1::2] = out_y
    return out


def main():
    if len(sys.argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    k = int(sys.argv[1])
    out_dir = sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    for src in sys.argv[3:]:
        base = os.path.splitext(src)[0]
        name = os.path.basename(base)
        dst = os.path.join(out_dir, name)
        if (os.path.exists(dst + ".shp")
                and os.path.getmtime(dst + ".shp") > os.path.getmtime(src)
                and os.path.exists(dst + ".shx")):
            print(name, shputil.count_vertices(src), shputil.count_vertices(dst + ".shp"))
            continue
        shape_type, _bbox, records = shputil.read_shp(src)
        dense = [None if rec is None else [densify_part(p, k) for p in rec]
                 for rec in records]
        shputil.write_shp(dst + ".tmp", shape_type, dense)
        for ext in (".dbf", ".prj", ".cpg"):
            if os.path.exists(base + ext):
                shutil.copyfile(base + ext, dst + ext)
        os.replace(dst + ".tmp.shx", dst + ".shx")
        os.replace(dst + ".tmp.shp", dst + ".shp")
        print(name, shputil.count_vertices(src), shputil.count_vertices(dst + ".shp"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
