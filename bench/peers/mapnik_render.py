#!/usr/bin/python3
"""Mapnik peer for the steppe benchmark: builds a workload's map in code and
writes a PNG, so one process = one render, as for steppe and map2img.

Usage: mapnik_render.py WORKLOAD OUT.png [--data DIR] [--places CSV]
                        [--extent X0 Y0 X1 Y1] [--size W H]
  WORKLOAD  regions-full (W2/W3), forum (W1), tiny (W4), or adversarial-poly
            and adversarial-points (W5)
  --data    folder holding the workload's Shapefiles (default: shapes/ for
            regions-full and forum, bench/.work/ for tiny); for W5 the .shp
  --places  places CSV for forum (default: shapes/places.csv)
  --extent, --size  map extent and image size for forum (bench/run passes
            the values bench/forumprep.py computes from styles/forum.yaml)
Run with Debian's /usr/bin/python3 (python3-mapnik).
"""

import argparse
import os
import sys

import mapnik

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = os.path.normpath(os.path.join(HERE, "..", "..", "shapes"))
WORK = os.path.normpath(os.path.join(HERE, "..", ".work"))

LONLAT = "+proj=longlat +datum=WGS84 +no_defs"
LCC = "+proj=lcc +lat_1=45 +lat_2=62 +lat_0=55 +lon_0=85 +datum=WGS84"


def style(m, name, rules):
    """rules: list of (filter or None, [symbolizers])."""
    s = mapnik.Style()
    for flt, symbols in rules:
        r = mapnik.Rule()
        if flt is not None:
            r.filter = mapnik.Expression(flt)
        for sym in symbols:
            r.symbols.append(sym)
        s.rules.append(r)
    m.append_style(name, s)


def fill(colour):
    sym = mapnik.PolygonSymbolizer()
    sym.fill = mapnik.Color(colour)
    return sym


def line(colour, width):
    sym = mapnik.LineSymbolizer()
    sym.stroke = mapnik.Color(colour)
    sym.stroke_width = width
    return sym


def layer(m, name, datasource, srs=LONLAT, styles=None):
    lyr = mapnik.Layer(name, srs)
    lyr.datasource = datasource
    for s in styles or [name]:
        lyr.styles.append(s)
    m.layers.append(lyr)


def regions_full(args):
    data = args.data or SHAPES
    m = mapnik.Map(4000, 2320, LCC)
    m.background = mapnik.Color("#ccdef0")
    style(m, "countries", [(None, [fill("#f2ede3"), line("#646464", 1.0)])])
    style(m, "ru_regions", [(None, [line("#646464", 1.0)])])
    layer(m, "countries", mapnik.Shapefile(file=os.path.join(data, "countries.shp")))
    layer(m, "ru_regions", mapnik.Shapefile(file=os.path.join(data, "ru_regions.shp")))
    m.zoom_to_box(mapnik.Box2d(-4500000, -1600000, 5500000, 4200000))
    return m


def tiny(args):
    data = args.data or WORK
    m = mapnik.Map(256, 256, LONLAT)
    m.background = mapnik.Color("#ffffff")
    style(m, "tiny", [(None, [fill("#d9d9d9"), line("#404040", 1.0)])])
    layer(m, "tiny", mapnik.Shapefile(file=os.path.join(data, "tiny.shp")))
    m.zoom_to_box(mapnik.Box2d(60, 44, 76, 54))
    return m


FONTS = ["/usr/share/fonts/truetype/noto/NotoSans-%s.ttf" % face
         for face in ("Regular", "Bold", "Italic")]


def forum(args):
    # Labels, markers and rule filters are far shorter in Mapnik's XML than
    # through the Python symbolizer API; the map is still built in this
    # process, so the timing covers the same work.
    for path in FONTS:
        mapnik.FontEngine.register_font(path)
    with open(os.path.join(HERE, "forum.xml"), encoding="utf-8") as f:
        xml = f.read()
    xml = (xml.replace("@SHAPES@", args.data or SHAPES)
           .replace("@WORK@", WORK)
           .replace("@PEERS@", HERE)
           .replace("@PLACES@", args.places or os.path.join(SHAPES, "places.csv")))
    width, height = args.size or (1600, 1100)
    m = mapnik.Map(width, height)
    mapnik.load_map_from_string(m, xml)
    m.resize(width, height)
    if args.extent:
        m.zoom_to_box(mapnik.Box2d(*args.extent))
    else:
        m.zoom_all()
    return m


LCC_FORUM = ("+proj=lcc +lat_1=45 +lat_2=65 +lat_0=55 +lon_0=90 +datum=WGS84"
             " +units=m +no_defs")


def adversarial(args, points):
    m = mapnik.Map(1600, 1100, LCC_FORUM)
    m.background = mapnik.Color("#ccdef0")
    if points:
        # Text symbolizers are not settable through these Python bindings;
        # the style comes from XML, as for the forum map.
        mapnik.FontEngine.register_font(FONTS[0])
        mapnik.load_map_from_string(m, """<Map><Style name="data"><Rule>
  <MarkersSymbolizer fill="#c0392b" width="4" height="4" stroke-width="0"
                     allow-overlap="true"/>
  <TextSymbolizer face-name="Noto Sans Regular" size="9.33" fill="#123e66"
                  halo-fill="#ffffff" halo-radius="1" dy="-8">[name]</TextSymbolizer>
</Rule></Style></Map>""")
    else:
        style(m, "data", [(None, [fill("#f2ede3"), line("#646464", 1.0)])])
    layer(m, "data", mapnik.Shapefile(file=args.data))
    m.zoom_to_box(mapnik.Box2d(-3200000, -2200000, 3200000, 2200000))
    return m


WORKLOADS = {"regions-full": regions_full, "tiny": tiny, "forum": forum,
             "adversarial-poly": lambda a: adversarial(a, False),
             "adversarial-points": lambda a: adversarial(a, True)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("workload", choices=sorted(WORKLOADS))
    ap.add_argument("out")
    ap.add_argument("--data")
    ap.add_argument("--places")
    ap.add_argument("--extent", type=float, nargs=4)
    ap.add_argument("--size", type=int, nargs=2)
    args = ap.parse_args()
    m = WORKLOADS[args.workload](args)
    mapnik.render_to_file(m, args.out, "png24")
    return 0


if __name__ == "__main__":
    sys.exit(main())
