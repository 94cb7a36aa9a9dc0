#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/.

    python3 tests/fuzz/make-seeds.py

fuzz_csv: see csv_seeds(). fuzz_shapefile and fuzz_render: every Shapefile set of tests/fixtures/shp and
tests/corpus/shp, framed as fuzz_common.h describes (tag byte, 32-bit
little-endian length, bytes; tags 0 .shp, 1 .shx, 2 .dbf, 3 .cpg, 4 .prj).
Sets larger than MAX_SET bytes are left out (the targets run with -max_len
of that order). fuzz_style: the bundled styles and the corpus styles, plus a
few with --set overrides after a NUL byte. Standard library only.
"""
import glob
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MAX_SET = 20000
EXTS = ["shp", "shx", "dbf", "cpg", "prj"]


def frame(base, exts=EXTS):
    out = b""
    for tag, ext in enumerate(EXTS):
        if ext not in exts:
            continue
        path = base + "." + ext
        if os.path.exists(path):
            with open(path, "rb") as f:
                data = f.read()
            out += struct.pack("<BI", tag, len(data)) + data
    return out


def reset(target):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for f in glob.glob(os.path.join(d, "*")):
        os.remove(f)
    return d


def main():
    shp_dir = reset("fuzz_shapefile")
    render_dir = reset("fuzz_render")
    bases = set()
    for folder in ("tests/fixtures/shp", "tests/corpus/shp"):
        for p in glob.glob(os.path.join(ROOT, folder, "*.*")):
            if not p.endswith(".csv"):
                bases.add((folder.split("/")[1], os.path.splitext(p)[0]))
    for kind, base in sorted(bases):
        data = frame(base)
        if len(data) > MAX_SET:
            continue
        name = "%s-%s" % (kind, os.path.basename(base))
        for d in (shp_dir, render_dir):
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        # The same without .prj: fuzz_shapefile runs `info` on every such
        # input but only on some with a .prj (PROJ's identify is slow).
        if os.path.exists(base + ".prj"):
            with open(os.path.join(shp_dir, name + "-noprj"), "wb") as f:
                f.write(frame(base, EXTS[:4]))

    # Every input a target once crashed on stays in its seeds.
    for target, d in (("fuzz_shapefile", shp_dir), ("fuzz_render", render_dir), ("fuzz_style", None)):
        regress = os.path.join(HERE, "regress", target)
        for name in sorted(os.listdir(regress)) if os.path.isdir(regress) else []:
            with open(os.path.join(regress, name), "rb") as f:
                data = f.read()
            for dest in ([d] if d else []) + ([shp_dir] if target == "fuzz_render" else []):
                with open(os.path.join(dest, "regress-" + name), "wb") as f:
                    f.write(data)

    style_dir = reset("fuzz_style")
    styles = glob.glob(os.path.join(ROOT, "styles", "*.yaml"))
    styles += glob.glob(os.path.join(ROOT, "tests", "corpus", "style", "*.yaml"))
    for p in sorted(styles):
        with open(p, "rb") as f:
            data = f.read()
        # The bundled styles name ../shapes/...; the fuzz target links that.
        name = os.path.basename(os.path.dirname(p)) + "-" + os.path.basename(p)
        with open(os.path.join(style_dir, name), "wb") as f:
            f.write(data)
    overrides = {
        "set-width": b"extends: forum.yaml\n\0map.width=320\0map.height=200",
        "set-layer": b"extends: forum.yaml\n\0layers.hosts.style.size=3\0layers.border.visible=false",
        "set-list": b"extends: forum.yaml\n\0map.extent.lonlat=[20, 40, 90, 70]\0layers.countries=~",
        "set-bad": b"map: {width: 10}\n\0map.width.x=3\0=\0layers..a=1\0extends=x.yaml",
        "anchors": b"a: &x {fill: red}\nlayers:\n  l1: {source: ../shp/good.shp, style: *x}\n"
                   b"  l2: {<<: *x, source: ../shp/good.shp}\n",
    }
    for name, data in overrides.items():
        with open(os.path.join(style_dir, name), "wb") as f:
            f.write(data)
    regress = os.path.join(HERE, "regress", "fuzz_style")
    for name in sorted(os.listdir(regress)) if os.path.isdir(regress) else []:
        with open(os.path.join(regress, name), "rb") as f:
            data = f.read()
        with open(os.path.join(style_dir, "regress-" + name), "wb") as f:
            f.write(data)


def csv_seeds():
    """fuzz_csv: the first byte picks the options (see fuzz_csv.c), the rest
    is the file: the CSVs of the repository under each option, and small
    ones at the edges of the parser and of the limits of source.h."""
    d = reset("fuzz_csv")
    files = sorted(glob.glob(os.path.join(ROOT, "shapes", "*.csv")) +
                   glob.glob(os.path.join(ROOT, "tests", "fixtures", "shp", "*.csv")))
    n = 0
    for p in files:
        with open(p, "rb") as f:
            data = f.read()
        for flags in (0, 2, 4, 8, 14, 16):
            with open(os.path.join(d, "%s-%02d" % (os.path.basename(p), flags)), "wb") as f:
                f.write(bytes([flags]) + data)
    small = {
        "xy": b"\x01name,x,y,pop\na,1,2,10\nb,3,4,20\n",
        "quotes": b"\x00name,lon,lat\n\"a \"\"q\"\", b\",1,2\n\"x\ny\",3,4\n\"open,5,6\n",
        "crlf-bom": b"\x06\xef\xbb\xbfName,LON,lat,pop\r\na,1,2,3\r\n\r\nb,-1,-2,4\r\n",
        "ragged": b"\x00lon,lat,a,b,c\n1,2\n3,4,5,6,7,8,9\n,,\n\n5,6,x\n",
        "bad-utf8": b"\x02name,lon,lat\n\xff\xfe,1,2\n\xc3,3,4\n",
        "numbers": b"\x08lon,lat\n1e308,2\nnan,1\ninf,2\n-0,0\n 5 , 6 \n0x10,1\n",
        "wide": b"\x02lon,lat" + b",c" * 5000 + b"\n1,2\n",
        "wide-limit": b"\x00lon,lat" + b",c" * 4094 + b"\n1,2\n3,4" + b",v" * 4094 + b"\n",
        "empty": b"\x00",
        "header-only": b"\x00lon,lat",
    }
    for name, data in small.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def geojson_seeds():
    """fuzz_geojson: the first byte picks the options (see fuzz_geojson.c),
    the rest is the file: small texts of every geometry type, property type
    and outer shape (FeatureCollection, Feature, bare geometry,
    newline-delimited), and the errors the driver names."""
    d = reset("fuzz_geojson")
    pt = b'{"type":"Point","coordinates":[1,2]}'
    poly = b'{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[2,1],[2,2],[1,1]]]}'
    feat = lambda g, p=b'{"name":"a","n":1,"r":2.5,"b":true,"z":null,"o":{"k":[1]}}': \
        b'{"type":"Feature","id":1,"properties":' + p + b',"geometry":' + g + b'}'
    seeds = {
        "collection": b'{"type":"FeatureCollection","features":[' + feat(poly) + b',' + feat(poly, b'{"name":"b"}') + b']}',
        "feature": feat(pt),
        "bare": poly,
        "multi": b'{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}',
        "lines": feat(b'{"type":"MultiLineString","coordinates":[[[0,0],[1,1]],[[2,2],[3,3,4]]]}'),
        "collection-geom": feat(b'{"type":"GeometryCollection","geometries":[' + pt + b',' + poly + b']}'),
        "multipoint": feat(b'{"type":"MultiPoint","coordinates":[[1,2],[3,4]]}'),
        "ndjson": feat(pt) + b'\n' + feat(pt, b'{"name":"b","extra":"x"}') + b'\n',
        "rs": b'\x1e' + feat(pt) + b'\n\x1e' + feat(pt) + b'\n',
        "crs": b'{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:3857"}},"features":[' + feat(pt) + b']}',
        "null-geom": b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":null,"geometry":null}]}',
        "truncated": b'{"type":"FeatureCollection","features":[' + feat(poly)[:40],
        "depth": feat(b'{"type":"Polygon","coordinates":[[0,0],[1,1]]}'),
        "open-ring": feat(b'{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}'),
        "range": feat(b'{"type":"Point","coordinates":[1e999,2]}', b'{"n":123456789012345678901234567890}'),
        "bom": b'\xef\xbb\xbf' + feat(pt),
    }
    for name, data in seeds.items():
        for flags in (0, 1, 2, 4, 7):
            with open(os.path.join(d, "%s-%d" % (name, flags)), "wb") as f:
                f.write(bytes([flags]) + data)


def wkb_seeds():
    """fuzz_wkb: the blob is the input; one of each type, byte order and
    dimension, from check_wkb.c's table."""
    d = reset("fuzz_wkb")
    src = open(os.path.join(ROOT, "tests", "check_wkb.c"), encoding="utf-8").read()
    import re
    for i, (name, hexs) in enumerate(re.findall(r'\{"([^"]+)",\s*"([0-9a-f]*)",\s*ST_WKB_', src)):
        with open(os.path.join(d, "%02d-%s" % (i, name.replace(" ", "-"))), "wb") as f:
            f.write(bytes.fromhex(hexs))


def png_deflate_seeds():
    """fuzz_png_deflate: byte 0 picks 3 or 4 bytes a pixel, byte 1 the row
    length; then rows shaped like a map's (flat runs, an edge moving one
    pixel a row, a few antialiased pixels), and trailing bytes that cut
    the input into pieces."""
    d = reset("fuzz_png_deflate")
    for bpp, width in ((3, 16), (4, 33), (3, 64)):
        rows = []
        for y in range(24):
            row = bytearray([0])
            for x in range(width):
                if x == y % width:
                    px = [120, 90, 60, 255][:bpp]
                elif x < y % width:
                    px = [204, 222, 240, 255][:bpp]
                else:
                    px = [250, 246, 238, 255][:bpp]
                row += bytes(px)
            rows.append(bytes(row))
        body = b"".join(rows)
        with open(os.path.join(d, "map-%d-%d" % (bpp, width)), "wb") as f:
            f.write(bytes([bpp == 4, width - 1]) + body + bytes([3, 1, 40, 0, 9]))
    with open(os.path.join(d, "random"), "wb") as f:
        f.write(bytes([1, 7]) + bytes(range(256)) * 4)


if __name__ == "__main__":
    main()
    csv_seeds()
    geojson_seeds()
    wkb_seeds()
    png_deflate_seeds()
