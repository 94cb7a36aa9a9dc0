#!/usr/bin/env python3
"""W4 fixture: a tiny polygon Shapefile (three features, 19 vertices, no .prj,
so every tool reads it as lon/lat). Usage: mktiny.py OUT_BASE (no extension).

The extent is fixed at [60, 44, 76, 54] so the peer configs can hard-code it."""

import sys
from array import array

import shputil


def ring(*pts):
    return array("d", [c for p in pts for c in p])


def main():
    base = sys.argv[1]
    records = [
        # A square, clockwise (outer rings are clockwise in Shapefiles).
        [ring((60, 44), (60, 50), (66, 50), (66, 44), (60, 44))],
        # A triangle.
        [ring((66.5, 45), (67.5, 53), (68.5, 45), (66.5, 45))],
        # A frame: outer ring clockwise, hole counter-clockwise.
        [ring((69, 47), (69, 54), (76, 54), (76, 47), (69, 47)),
         ring((71, 49), (74, 49), (74, 52), (71, 52), (71, 49))],
    ]
    shputil.write_shp(base, shputil.POLYGON, records)
    shputil.write_dbf(base + ".dbf", [("name", 16)],
                      [["square"], ["triangle"], ["frame"]])


if __name__ == "__main__":
    main()
