#!/usr/bin/env python3
"""Writes the broken-input corpus of tests/cli/corpus.sh and its expectations.

    python3 tests/corpus/make-corpus.py            # rewrites shp/, style/, expected.tsv
    python3 tests/corpus/make-corpus.py --huge DIR # writes the 10^6-vertex ring into DIR

Only the standard library is used, so every file is rebuilt byte for byte on
any machine; the generated files are committed together with this script.
The Shapefile layout follows the ESRI Shapefile Technical Description (July
1998), the table the dBASE III+ format. Each case is one row of CASES below:
the files it needs are written by the function named beside it, and the row
becomes one line of expected.tsv:

    case  files  setup  command  exit  stderr  output

  files    the corpus files the case reads (for people; the command names them)
  setup    -       nothing
           prev    a good quick-look is rendered to {OUT} first; the case's
                   command must leave it byte-identical
           huge    {T}/huge.shp (a ring of 10^6 vertices) is generated first
           mkdir   {OUT} is created as a folder first
           script  the command is the name of a scenario built into corpus.sh
  command  arguments after `steppe`; {C} is the corpus folder (a scratch
           copy), {T} the case's scratch folder, {OUT} = {T}/out.png
  exit     expected exit status
  stderr   a substring the error (or, for exit 0, a warning) line must
           contain; - for none
  output   none  {OUT} must not exist afterwards (nor any *.tmp in {T})
           yes   {OUT} must exist and be non-empty
           same  {OUT} (made by setup prev) is byte-identical afterwards
           any   not checked
"""
import math
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHP = os.path.join(HERE, "shp")
STY = os.path.join(HERE, "style")

NULL, POINT, ARC, POLYGON, MULTIPOINT = 0, 1, 3, 5, 8
POINTZ, ARCZ, POLYGONZ, MULTIPOINTZ = 11, 13, 15, 18
MULTIPATCH = 31

WGS84 = ('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",'
         '6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
         'UNIT["Degree",0.0174532925199433]]')

# ---- writers ---------------------------------------------------------------


def bbox(pts):
    pts = [p for p in pts if all(math.isfinite(c) for c in p)]
    if not pts:
        return 0.0, 0.0, 0.0, 0.0
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


def content(t, parts):
    """Record content of shape type t; parts: None (null shape) or a list of
    parts, each a list of (x, y)."""
    if parts is None:
        return struct.pack("<i", NULL)
    pts = [p for part in parts for p in part]
    out = struct.pack("<i", t)
    if t == POINT:
        return out + struct.pack("<2d", *pts[0])
    out += struct.pack("<4d", *bbox(pts))
    if t == MULTIPOINT:
        out += struct.pack("<i", len(pts))
    else:
        out += struct.pack("<2i", len(parts), len(pts))
        start = 0
        for part in parts:
            out += struct.pack("<i", start)
            start += len(part)
        if t == MULTIPATCH:
            out += struct.pack("<%di" % len(parts), *([0] * len(parts)))
    # One pack call: appending point by point is quadratic for 10^6 points.
    out += struct.pack("<%dd" % (2 * len(pts)), *[c for p in pts for c in p])
    if t in (POINTZ, ARCZ, POLYGONZ, MULTIPOINTZ, MULTIPATCH):
        out += struct.pack("<2d", 0, 0) + struct.pack("<%dd" % len(pts), *([0.0] * len(pts)))
        out += struct.pack("<2d", 0, 0) + struct.pack("<%dd" % len(pts), *([0.0] * len(pts)))
    return out


def file_header(t, length_bytes, box):
    return (struct.pack(">7i", 9994, 0, 0, 0, 0, 0, length_bytes // 2)
            + struct.pack("<2i", 1000, t) + struct.pack("<4d", *box) + struct.pack("<4d", 0, 0, 0, 0))


def shp_bytes(t, records, raw=None, header_type=None):
    """Returns (shp, shx) bytes. raw: {index: content bytes} replaces records."""
    allpts = [p for rec in records if rec for part in rec for p in part]
    box = bbox(allpts)
    body = b""
    index = b""
    offset = 100
    for i, rec in enumerate(records):
        c = raw[i] if raw and i in raw else content(t, rec)
        index += struct.pack(">2i", offset // 2, len(c) // 2)
        r = struct.pack(">2i", i + 1, len(c) // 2) + c
        body += r
        offset += len(r)
    ht = t if header_type is None else header_type
    return (file_header(ht, 100 + len(body), box) + body,
            file_header(ht, 100 + len(index), box) + index)


def dbf_bytes(fields, rows, encoding="utf-8"):
    """fields: (name, type, width, decimals); rows: lists of str or raw bytes."""
    reclen = 1 + sum(f[2] for f in fields)
    hdrlen = 32 + 32 * len(fields) + 1
    out = struct.pack("<BBBBIHH", 3, 124, 1, 1, len(rows), hdrlen, reclen) + b"\0" * 20
    for name, ftype, width, dec in fields:
        out += name.encode("ascii").ljust(11, b"\0") + ftype.encode("ascii")
        out += b"\0" * 4 + struct.pack("<BB", width, dec) + b"\0" * 14
    out += b"\r"
    for row in rows:
        out += b" "
        for (name, ftype, width, dec), v in zip(fields, row):
            if isinstance(v, bytes):
                out += v[:width].ljust(width, b"\0")
            elif ftype in "NF":
                out += str(v).encode(encoding)[:width].rjust(width, b" ")
            else:
                out += str(v).encode(encoding)[:width].ljust(width, b" ")
    return out + b"\x1a"


FIELDS = [("name", "C", 20, 0), ("code", "N", 6, 0)]


def rows_for(n):
    return [["r%d" % (i + 1), i + 1] for i in range(n)]


def put(folder, name, data):
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def write_set(name, shp=None, shx=None, dbf=None, prj=WGS84, cpg="UTF-8"):
    """Writes NAME.shp/.shx/.dbf/.prj/.cpg into shp/; None leaves a part out."""
    for ext, data in (("shp", shp), ("shx", shx), ("dbf", dbf), ("prj", prj), ("cpg", cpg)):
        if data is not None:
            put(SHP, name + "." + ext, data)


def square(x, y, s, clockwise=True):
    ring = [(x, y), (x, y + s), (x + s, y + s), (x + s, y), (x, y)]
    return ring if clockwise else ring[::-1]


# The base file most cases break: three polygons (a square, a square with a
# hole, a second square) in WGS84.
GOOD_RECS = [[square(0, 0, 10)], [square(20, 0, 10), square(23, 3, 4, clockwise=False)],
             [square(40, 0, 5)]]


def good():
    shp, shx = shp_bytes(POLYGON, GOOD_RECS)
    return shp, shx, dbf_bytes(FIELDS, rows_for(len(GOOD_RECS)))


def simple(name, t, records, raw=None, header_type=None, nrows=None, **kw):
    shp, shx = shp_bytes(t, records, raw=raw, header_type=header_type)
    dbf = dbf_bytes(FIELDS, rows_for(len(records) if nrows is None else nrows))
    write_set(name, shp=kw.pop("shp", shp), shx=kw.pop("shx", shx), dbf=kw.pop("dbf", dbf), **kw)


def rec_offset(shx, i):
    """Byte offset in .shp of record i (0-based), read from the .shx."""
    return struct.unpack(">i", shx[100 + 8 * i:104 + 8 * i])[0] * 2


def patch(data, offset, fmt, *values):
    return data[:offset] + struct.pack(fmt, *values) + data[offset + struct.calcsize(fmt):]


# ---- Shapefile cases --------------------------------------------------------
#
# Each function writes its files and returns nothing. Offsets inside a
# polygon record, relative to the start of its 8-byte record header:
#   8 shape type, 12 bbox, 44 nParts, 48 nPoints, 52 parts[], then points.


def shp_cases():
    shp, shx, dbf = good()
    o2 = rec_offset(shx, 1)   # record 2
    o3 = rec_offset(shx, 2)   # record 3

    write_set("good", shp, shx, dbf)

    # Truncations.
    write_set("trunc_shp_60", shp[:60], shx, dbf)              # inside the file header
    write_set("trunc_shp_100", shp[:100], shx, dbf)            # header only, .shx lists 3
    write_set("trunc_shp_rec2", shp[:o2 + 70], shx, dbf)       # inside record 2's points
    write_set("trunc_shp_hdr3", shp[:o3 + 4], shx, dbf)        # inside record 3's header
    write_set("trunc_shx_50", shp, shx[:50], dbf)              # inside the .shx header
    write_set("trunc_shx_112", shp, shx[:112], dbf)            # 1.5 index entries
    write_set("trunc_dbf_20", shp, shx, dbf[:20])              # inside the .dbf header
    write_set("trunc_dbf_fields", shp, shx, dbf[:50])          # inside the field descriptors
    write_set("trunc_dbf_rows", shp, shx, dbf[:len(dbf) - 20]) # inside the last row
    write_set("empty_shp_0", b"", shx, dbf)                    # a zero-byte .shp
    write_set("bad_magic", patch(shp, 0, ">i", 1234), shx, dbf)

    # Record lengths disagreeing with the content.
    write_set("reclen_short", patch(shp, o2 + 4, ">i", 10), shx, dbf)
    write_set("reclen_long", patch(shp, o2 + 4, ">i", (o3 - o2) // 2 + 40), shx, dbf)
    write_set("reclen_huge", patch(shp, o2 + 4, ">i", 0x7FFFFFFF),
              patch(shx, 108 + 4, ">i", 0x7FFFFFFF), dbf)
    write_set("reclen_negative", patch(shp, o2 + 4, ">i", -8), patch(shx, 108 + 4, ">i", -8), dbf)

    # nParts / nPoints out of range or past the end of the record.
    write_set("nparts_negative", patch(shp, o2 + 44, "<i", -1), shx, dbf)
    write_set("nparts_huge", patch(shp, o2 + 44, "<i", 1 << 30), shx, dbf)
    write_set("nparts_zero", patch(shp, o2 + 44, "<i", 0), shx, dbf)
    write_set("npoints_negative", patch(shp, o2 + 48, "<i", -5), shx, dbf)
    write_set("npoints_huge", patch(shp, o2 + 48, "<i", 1 << 30), shx, dbf)
    write_set("npoints_past_eof", patch(shp, o3 + 48, "<i", 5000), shx, dbf)
    # Part offsets: decreasing; beyond nPoints; negative.
    write_set("parts_decreasing", patch(shp, o2 + 52, "<2i", 5, 0), shx, dbf)
    write_set("parts_beyond", patch(shp, o2 + 56, "<i", 99), shx, dbf)
    write_set("parts_negative", patch(shp, o2 + 56, "<i", -3), shx, dbf)

    # .shx pointing outside the .shp, or into its header.
    write_set("shx_offset_outside", shp, patch(shx, 108, ">i", 1 << 20), dbf)
    write_set("shx_offset_header", shp, patch(shx, 108, ">i", 10), dbf)
    write_set("shx_offset_negative", shp, patch(shx, 108, ">i", -100), dbf)

    # Counts disagreeing: .shx with 5 entries for 3 records; .dbf with 2 and 5 rows.
    extra = shx[100:108] * 2
    write_set("shx_count_more", shp, patch(shx + extra, 24, ">i", (len(shx) + 16) // 2), dbf)
    write_set("dbf_count_fewer", shp, shx, dbf_bytes(FIELDS, rows_for(2)))
    write_set("dbf_count_more", shp, shx, dbf_bytes(FIELDS, rows_for(5)))
    # A .dbf whose header claims a million rows it does not hold.
    write_set("dbf_count_lie", shp, shx, patch(dbf, 4, "<I", 1000000))
    # A .dbf header length pointing past the end of the file; a zero record length.
    write_set("dbf_hdrlen_huge", shp, shx, patch(dbf, 8, "<H", 65000))
    write_set("dbf_reclen_zero", shp, shx, patch(dbf, 10, "<H", 0))

    # Missing companions.
    write_set("noshx", shp, None, dbf)
    write_set("nodbf", shp, shx, None)
    write_set("noprj", shp, shx, dbf, prj=None)
    # Nothing but the .shp's companions: no .shp at all.
    write_set("noshp", None, shx, dbf)

    # Empty: a 100-byte header and zero records everywhere.
    simple("empty", POLYGON, [])

    # Header says Point, records are polygons.
    simple("type_mismatch", POLYGON, GOOD_RECS, header_type=POINT)
    # A record of another (valid) type amid polygons.
    simple("type_mixed", POLYGON, GOOD_RECS, raw={1: content(ARC, [[(0.0, 0.0), (1.0, 1.0)]])})
    # A shape type number that does not exist.
    simple("type_unknown", POLYGON, GOOD_RECS, raw={1: patch(content(POLYGON, GOOD_RECS[1]), 0, "<i", 77)})

    # NaN and infinite coordinates.
    nan, inf = float("nan"), float("inf")
    simple("coord_nan", POLYGON, [[[(0.0, 0.0), (nan, 1.0), (1.0, 1.0), (0.0, 0.0)]]] + GOOD_RECS)
    simple("coord_inf", POLYGON, [[[(0.0, 0.0), (inf, 1.0), (1.0, 1.0), (0.0, 0.0)]]] + GOOD_RECS)
    simple("coord_neginf", POLYGON, [[[(0.0, 0.0), (0.0, -inf), (1.0, 1.0), (0.0, 0.0)]]] + GOOD_RECS)
    simple("point_nan", POINT, [[[(nan, nan)]], [[(1.0, 2.0)]]])
    # A header bbox of NaN although the records are fine.
    s, x = shp_bytes(POLYGON, GOOD_RECS)
    write_set("header_bbox_nan", patch(s, 36, "<4d", nan, nan, nan, nan), patch(x, 36, "<4d", nan, nan, nan, nan),
              dbf_bytes(FIELDS, rows_for(3)))
    # Coordinates far outside ±180/±90 in a geographic CRS.
    simple("coord_far", POLYGON, [[square(1e7, 1e7, 1e6)]] + GOOD_RECS)
    simple("coord_far_only", POLYGON, [[square(1e7, 1e7, 1e6)]])
    simple("coord_huge", POLYGON, [[square(1e300, -1e300, 1e299)]] + GOOD_RECS)

    # Rings: fewer than 4 points; not closed; wound the wrong way.
    simple("ring_short", POLYGON, [[[(0.0, 0.0), (1.0, 1.0), (0.0, 0.0)]]] + GOOD_RECS)
    simple("ring_open", POLYGON, [[[(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)]]] + GOOD_RECS)
    simple("ring_ccw", POLYGON, [[square(0, 0, 10, clockwise=False)], [square(20, 0, 10, clockwise=False),
                                                                       square(23, 3, 4, clockwise=True)]])
    # Zero-length lines and a line of one point.
    simple("line_zero_length", ARC, [[[(5.0, 5.0), (5.0, 5.0)]], [[(0.0, 0.0), (1.0, 1.0)]]])
    simple("line_one_point", ARC, [[[(5.0, 5.0)]], [[(0.0, 0.0), (1.0, 1.0)]]])
    simple("line_all_zero", ARC, [[[(5.0, 5.0), (5.0, 5.0)]]])
    # Null shapes only.
    simple("all_null", POLYGON, [None, None])

    # MultiPatch is not supported.
    simple("multipatch", MULTIPATCH, [[[(0.0, 0.0), (1.0, 0.0), (0.0, 1.0)]]])

    # .prj: garbage; with a UTF-8 BOM; empty.
    simple("prj_garbage", POLYGON, GOOD_RECS, prj="this is not a CRS at all")
    simple("prj_bom", POLYGON, GOOD_RECS, prj="\ufeff" + WGS84 + "\r\n")
    simple("prj_binary", POLYGON, GOOD_RECS, prj=b"\x00\xff\xfe\x01GEOGCS[\x00")
    # .cpg naming an unknown encoding.
    simple("cpg_unknown", POLYGON, GOOD_RECS, cpg="KLINGON-42")
    simple("cpg_binary", POLYGON, GOOD_RECS, cpg=b"\xff\xfe\x00\x01")
    # .dbf text that is not valid UTF-8 although the .cpg says UTF-8; numbers
    # padded with NULs; a numeric field holding letters.
    shp_b, shx_b = shp_bytes(POLYGON, GOOD_RECS)
    write_set("dbf_bad_utf8", shp_b, shx_b,
              dbf_bytes(FIELDS, [[b"ok\xff\xfeend", 1], [b"\xc3", 2], [b"\xe2\x82", 3]]))
    write_set("dbf_nul_numbers", shp_b, shx_b,
              dbf_bytes(FIELDS, [["a", b"42"], ["b", b"\0\0\0"], ["c", b"1\x002"]]))
    write_set("dbf_letters_in_number", shp_b, shx_b,
              dbf_bytes(FIELDS, [["a", "abc"], ["b", "1e999"], ["c", "-"]]))
    # A .dbf with no fields at all.
    write_set("dbf_no_fields", shp_b, shx_b, dbf_bytes([], [[], [], []]))

    # The header's file length against the real size and the index: the
    # real size decides, every record lying whole inside the file is read
    # (as shapelib's SHPReadObject reads them; check_source.c compares).
    # Header length short of the last record, the .shx pointing beyond it.
    write_set("hdrlen_short", patch(shp, 24, ">i", (o3 - 40) // 2), shx, dbf)
    # Header length 0, and less than the header itself.
    write_set("hdrlen_zero", patch(shp, 24, ">i", 0), shx, dbf)
    # Header length far beyond the file (the file is whole).
    write_set("hdrlen_long", patch(shp, 24, ">i", 1 << 20), shx, dbf)
    # Header length short and no .shx: the index is rebuilt over the real size.
    write_set("hdrlen_short_noshx", patch(shp, 24, ">i", (o3 - 40) // 2), None, dbf)
    # Header length short and the file cut inside record 3 as well.
    write_set("hdrlen_short_cut", patch(shp, 24, ">i", (o3 - 40) // 2)[:o3 + 30], shx, dbf)
    # Header length long and the file cut inside record 2: record 1 only.
    write_set("hdrlen_long_cut", patch(shp, 24, ">i", 1 << 20)[:o2 + 30], shx, dbf)
    # The .shx lists record 2 beyond the end, record 3 inside: 1 and 3 are read.
    write_set("shx_hole", shp, patch(shx, 108, ">i", len(shp) // 2 + 100), dbf)


def unframe(data):
    """The files of a framed fuzz input (tests/fuzz/fuzz_common.h)."""
    exts = ["shp", "shx", "dbf", "cpg", "prj"]
    parts = {}
    pos = 0
    while pos + 5 <= len(data):
        n = struct.unpack("<I", data[pos + 1:pos + 5])[0]
        tag = data[pos] % 5
        pos += 5
        n = min(n, len(data) - pos)
        parts[exts[tag]] = data[pos:pos + n]
        pos += n
    return parts


# Expectations of the fuzz regressions: (info exit, stderr, render exit, stderr).
REGRESS = {
    # fuzz_render: two multipoints, one vertex at x = 3.78e231, no readable
    # .dbf. labels.c grid_range() casts floor(x / GRID_CELL) to int:
    # undefined behaviour (UBSan: "outside the range of representable
    # values of type 'int'"). Renders with warnings once fixed.
    "labels_grid_ub": (0, "cannot read the .dbf", 0, "cannot read the .dbf"),
}


def regress_cases():
    """Minimal reproducers of what the fuzz targets found.

    shx_length_small: the .shx header's file length (offset 24) says 2
    words, so shapelib computes -12 records and reports "Record count in
    .shp header is -12, which seems\nunreasonable." -- with a newline, which
    the reader passed into its one-line error message.
    noshx_bad_magic: no .shx and a .shp whose file code is 0; the reader
    rebuilds the index with SHPRestoreSHX, which leaks its buffers on that
    path (shapelib 1.5.0).
    noshx_reclen_negative: no .shx and a record header whose content length
    is -8 words: SHPRestoreSHX (shapelib 1.5.0) steps back to an earlier
    record and loops forever, appending to the .shx it writes — a hang that
    also fills the temporary folder. noshx_reclen_zero: the same with 0.
    multipoint_huge_coord: a finite but huge x (3.78e231) in a multipoint.

    Inputs the fuzz targets crashed on are kept as they were found, framed,
    in tests/fuzz/regress/<target>/<name>, and unframed here into
    shp/fuzz_<name>.*; their expectations are in REGRESS.
    """
    regress = os.path.join(os.path.dirname(HERE), "fuzz", "regress")
    for target in sorted(os.listdir(regress)) if os.path.isdir(regress) else []:
        for name in sorted(os.listdir(os.path.join(regress, target))):
            if target == "fuzz_style":
                continue
            with open(os.path.join(regress, target, name), "rb") as f:
                data = f.read()
            parts = unframe(data)
            if target == "fuzz_render" and len(data) % 8 != 0:
                parts.pop("prj", None)   # fuzz_render keeps the .prj of one input in eight
            stem = "fuzz_" + name.replace("-", "_")
            for ext, b in parts.items():
                put(SHP, stem + "." + ext, b)
    shp, shx, dbf = good()
    write_set("shx_length_small", shp, patch(shx, 24, ">i", 2), dbf)
    write_set("noshx_bad_magic", patch(shp, 0, ">i", 0), None, dbf)
    simple("multipoint_huge_coord", MULTIPOINT, [[[(0.0, 0.0), (1.0, 1.0), (2.0, 0.0)]],
                                                  [[(5.0, 5.0), (3.78e231, 6.0)]]])
    o2 = rec_offset(shx, 1)
    write_set("noshx_reclen_negative", patch(shp, o2 + 4, ">i", -8), None, dbf)
    write_set("noshx_reclen_zero", patch(shp, o2 + 4, ">i", 0), None, dbf)


# ---- style cases ------------------------------------------------------------

GOOD_STYLE = """map:
  width: 64
  height: 64
layers:
  poly:
    source: ../shp/good.shp
    style: {fill: "#88aa88", stroke: "#224422", width: 0.5}
"""


def style(name, text):
    put(STY, name + ".yaml", text if isinstance(text, bytes) else text)


def style_cases():
    style("good", GOOD_STYLE)
    # YAML syntax.
    style("syntax_unclosed", "map:\n  width: [64, 64\nlayers: {}\n")
    style("syntax_tab", "map:\n\twidth: 64\n")
    style("syntax_indent", "map:\n  width: 64\n   height: 64\nlayers: {}\n")
    style("syntax_badutf8", b"map:\n  width: 64\n  font: \"\xff\xfe\"\n")
    style("syntax_binary", b"\x00\x01\x02\x03\xff\xfe\xfd")
    style("syntax_two_docs", GOOD_STYLE + "---\nmap: {width: 3}\n")
    style("syntax_duplicate_key", "map:\n  width: 64\n  width: 65\nlayers: {}\n")
    style("syntax_unknown_anchor", "map:\n  width: *nope\n")
    style("syntax_deep", "a: " + "[" * 200 + "]" * 200 + "\n")
    # Alias expansion ("billion laughs").
    lol = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i, (p, q) in enumerate(zip("abcdefgh", "bcdefghi")):
        lol += "%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n" % ((q, q) + (p,) * 10)
    style("syntax_laughs", lol)
    style("empty", "")
    style("root_list", "- map\n- layers\n")
    # Wrong types.
    style("type_width_string", GOOD_STYLE.replace("width: 64", "width: wide"))
    style("type_layers_list", "map: {width: 64, height: 64}\nlayers:\n  - source: ../shp/good.shp\n")
    style("type_style_scalar", GOOD_STYLE.replace('style: {fill: "#88aa88", stroke: "#224422", width: 0.5}',
                                                  "style: red"))
    style("type_visible_number", GOOD_STYLE + "    visible: 3\n")
    # Unknown keys.
    style("unknown_top", GOOD_STYLE + "colour_scheme: dark\n")
    style("unknown_map", GOOD_STYLE.replace("  width: 64\n", "  widht: 64\n", 1))
    style("unknown_layer", GOOD_STYLE + "    fil: red\n")
    # extends: a cycle of two, a file extending itself, a missing base.
    style("cycle_a", "extends: cycle_b.yaml\n" + GOOD_STYLE)
    style("cycle_b", "extends: cycle_a.yaml\nmap: {width: 32}\n")
    style("cycle_self", "extends: cycle_self.yaml\nmap: {width: 32}\n")
    style("extends_missing", "extends: no_such_base.yaml\n" + GOOD_STYLE)
    style("extends_dir", "extends: ../shp\n" + GOOD_STYLE)
    # Absurd values.
    style("width_negative", GOOD_STYLE.replace("width: 0.5", "width: -3"))
    style("map_width_negative", GOOD_STYLE.replace("  width: 64\n", "  width: -64\n", 1))
    style("map_width_zero", GOOD_STYLE.replace("  width: 64\n", "  width: 0\n", 1))
    style("map_size_1e9", GOOD_STYLE.replace("  width: 64\n  height: 64\n", "  width: 1000000000\n  height: 1000000000\n"))
    style("map_width_1e9", GOOD_STYLE.replace("  width: 64\n", "  width: 1000000000\n", 1))
    style("map_width_inf", GOOD_STYLE.replace("  width: 64\n", "  width: .inf\n", 1))
    style("map_width_nan", GOOD_STYLE.replace("  width: 64\n", "  width: .nan\n", 1))
    style("dpi_zero", GOOD_STYLE.replace("  height: 64\n", "  height: 64\n  dpi: 0\n"))
    style("dpi_huge", GOOD_STYLE.replace("  height: 64\n", "  height: 64\n  dpi: 1e9\n"))
    style("opacity_five", GOOD_STYLE.replace("width: 0.5}", "width: 0.5, opacity: 5}"))
    style("margin_one", GOOD_STYLE.replace("  height: 64\n", "  height: 64\n  extent: {fit: poly, margin: 1}\n"))
    style("extent_inverted", GOOD_STYLE.replace("  height: 64\n",
                                                "  height: 64\n  extent: {lonlat: [10, 50, -10, 40]}\n"))
    style("extent_three", GOOD_STYLE.replace("  height: 64\n", "  height: 64\n  extent: {lonlat: [1, 2, 3]}\n"))
    style("extent_fit_missing", GOOD_STYLE.replace("  height: 64\n", "  height: 64\n  extent: {fit: nolayer}\n"))
    # Upper bounds (sizes that used to loop in cairo or overflow pixels), dash
    # patterns cairo refuses, degrees out of range, canvases cairo cannot make.
    style("marker_size_1e300", GOOD_STYLE.replace("width: 0.5}", "width: 0.5, size: 1e300}"))
    style("title_size_1e20", GOOD_STYLE + "title: {text: T, size: 1e20}\n")
    style("label_offset_huge", GOOD_STYLE + "    label: {text: x, offset: 5000}\n")
    style("dash_zero", GOOD_STYLE.replace("width: 0.5}", "width: 0.5, dash: [0, 0]}"))
    style("dash_nine", GOOD_STYLE.replace("width: 0.5}", "width: 0.5, dash: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}"))
    style("lonlat_range", GOOD_STYLE.replace("  height: 64\n", "  height: 64\n  extent: {lonlat: [-200, 40, 10, 50]}\n"))
    style("inset_extent_range", GOOD_STYLE + "inset: {extent: [0, -100, 10, 10]}\n")
    style("map_width_32768", GOOD_STYLE.replace("  width: 64\n", "  width: 32768\n", 1))
    style("map_pixels_limit", GOOD_STYLE.replace("  width: 64\n  height: 64\n", "  width: 20000\n  height: 20000\n"))
    # Colours.
    style("colour_bad_hex", GOOD_STYLE.replace('"#88aa88"', '"#88zz88"'))
    style("colour_short", GOOD_STYLE.replace('"#88aa88"', '"#12345"'))
    style("colour_name", GOOD_STYLE.replace('"#88aa88"', "blurple"))
    style("colour_rgba_range", GOOD_STYLE.replace('"#88aa88"', '"rgba(300,0,0,2)"'))
    # CRS.
    style("crs_garbage", GOOD_STYLE.replace("  height: 64\n", "  height: 64\n  crs: \"+proj=nonsense +foo\"\n"))
    style("crs_epsg_unknown", GOOD_STYLE.replace("  height: 64\n", "  height: 64\n  crs: \"EPSG:999999\"\n"))
    style("layer_crs_garbage", GOOD_STYLE + "    crs: \"not a crs\"\n")
    # Sources: a directory, a missing file, a file that is not a Shapefile.
    style("source_dir", GOOD_STYLE.replace("../shp/good.shp", "../shp"))
    style("source_missing", GOOD_STYLE.replace("../shp/good.shp", "../shp/no_such_file.shp"))
    style("source_not_shp", GOOD_STYLE.replace("../shp/good.shp", "good.yaml"))
    style("source_corrupt", GOOD_STYLE.replace("../shp/good.shp", "../shp/trunc_shp_60.shp"))
    style("source_multipatch", GOOD_STYLE.replace("../shp/good.shp", "../shp/multipatch.shp"))
    style("source_none", "map: {width: 64, height: 64}\nlayers:\n  poly:\n    style: {fill: red}\n")
    # Filters naming fields the source lacks; an empty layer set.
    style("where_no_field", GOOD_STYLE + "    where: {nosuchfield: 3}\n")
    style("no_layers", "map: {width: 64, height: 64}\nlayers: {}\n")
    # Hardening (issue 15): what a style may be and what it may hold.
    style("blank", "\n\n  \t\n")
    for spelling, esc in (("0", "\\0"), ("x00", "\\x00"), ("u0000", "\\u0000")):
        style("nul_" + spelling, GOOD_STYLE.replace("width: 0.5}", 'width: "0.5%sgarbage"}' % esc))
    style("nul_key", GOOD_STYLE.replace("  height: 64\n", '  height: 64\n  "dpi\\0x": 96\n'))
    style("extends_devzero", "extends: /dev/zero\n" + GOOD_STYLE)
    style("extends_devnull", "extends: /dev/null\n" + GOOD_STYLE)
    style("extends_proc", "extends: /proc/self/status\n" + GOOD_STYLE)
    style("extends_control", 'extends: "good\\n.yaml"\n' + GOOD_STYLE)
    style("extends_unrelated", "extends: ../make-corpus.py\n" + GOOD_STYLE)
    prose = " ".join("word%d" % i for i in range(400))
    style("extends_prose", "extends: prose.txt\n" + GOOD_STYLE)
    put(STY, "prose.txt", prose + "\n")
    style("alias_small_bomb", "a: &s " + "y" * 100000 + "\nb: [" + ", ".join(["*s"] * 200) + "]\n")


# Quick-look commands.
INFO = "info {C}/shp/%s.shp"
QL = "render {C}/shp/%s.shp -o {OUT} --width 64 --height 64"
RENDER = "render {C}/style/%s.yaml -o {OUT}"
CHECK = "check {C}/style/%s.yaml"


def shp_rows():
    """(name, info exit, info stderr, render exit, render stderr). Record
    numbers in messages are 0-based, as st_feature.record (features.h): the
    second record of a file is "record 1"."""
    ok = (0, "-", 0, "-")
    rows = [
        ("good", ) + ok,
        # Truncated .shp: the records that are cut off are not read, with a
        # warning naming the counts; a header cut short fails the file.
        ("trunc_shp_60", 1, "trunc_shp_60.shp", 1, "trunc_shp_60.shp"),
        ("trunc_shp_100", 0, "holds 0", 1, "trunc_shp_100.shp"),
        ("trunc_shp_rec2", 0, "holds 1", 0, "holds 1"),
        ("trunc_shp_hdr3", 0, "holds 2", 0, "holds 2"),
        # A .shx cut short: the file fails (rebuilding it from the .shp, as for
        # a missing .shx, would be kinder; see the report).
        ("trunc_shx_50", 1, "trunc_shx_50.shp", 1, "trunc_shx_50.shp"),
        ("trunc_shx_112", 1, "trunc_shx_112.shp", 1, "trunc_shx_112.shp"),
        # An unreadable .dbf is treated like a missing one: a warning, no attributes.
        ("trunc_dbf_20", 0, "cannot read the .dbf", 0, "cannot read the .dbf"),
        ("trunc_dbf_fields", 0, "cannot read the .dbf", 0, "cannot read the .dbf"),
        ("trunc_dbf_rows", 0, "-", 0, "-"),
        ("empty_shp_0", 1, "empty_shp_0.shp", 1, "empty_shp_0.shp"),
        # File code 1234 instead of 9994: not a Shapefile (readers validate what they read).
        ("bad_magic", 1, "bad_magic.shp", 1, "bad_magic.shp"),
        # The length in a .shp record header is redundant with the .shx; the
        # record reads as the .shx says.
        ("reclen_short", ) + ok,
        ("reclen_long", ) + ok,
        # An index entry shapelib rejects fails the file.
        ("reclen_huge", 1, "reclen_huge.shp", 1, "reclen_huge.shp"),
        ("reclen_negative", 1, "reclen_negative.shp", 1, "reclen_negative.shp"),
        ("nparts_negative", 0, "nparts_negative.shp: record 1:", 0, "nparts_negative.shp: record 1:"),
        ("nparts_huge", 0, "nparts_huge.shp: record 1:", 0, "nparts_huge.shp: record 1:"),
        ("nparts_zero", 0, "nparts_zero.shp: record 1:", 0, "nparts_zero.shp: record 1:"),
        ("npoints_negative", 0, "npoints_negative.shp: record 1:", 0, "npoints_negative.shp: record 1:"),
        ("npoints_huge", 0, "npoints_huge.shp: record 1:", 0, "npoints_huge.shp: record 1:"),
        ("npoints_past_eof", 0, "npoints_past_eof.shp: record 2:", 0, "npoints_past_eof.shp: record 2:"),
        ("parts_decreasing", 0, "parts_decreasing.shp: record 1:", 0, "parts_decreasing.shp: record 1:"),
        ("parts_beyond", 0, "parts_beyond.shp: record 1:", 0, "parts_beyond.shp: record 1:"),
        ("parts_negative", 0, "parts_negative.shp: record 1:", 0, "parts_negative.shp: record 1:"),
        ("shx_offset_outside", 0, "holds 2 of them; reading 2", 0, "holds 2 of them; reading 2"),
        ("shx_offset_header", 0, "shx_offset_header.shp: record 1:", 0, "shx_offset_header.shp: record 1:"),
        ("shx_offset_negative", 1, "shx_offset_negative.shp", 1, "shx_offset_negative.shp"),
        ("shx_count_more", 0, "shx_count_more", 0, "shx_count_more"),
        ("dbf_count_fewer", 0, "dbf_count_fewer", 0, "dbf_count_fewer"),
        ("dbf_count_more", 0, "dbf_count_more", 0, "dbf_count_more"),
        ("dbf_count_lie", 0, "dbf_count_lie", 0, "dbf_count_lie"),
        ("dbf_hdrlen_huge", 0, "cannot read the .dbf", 0, "cannot read the .dbf"),
        ("dbf_reclen_zero", 0, "cannot read the .dbf", 0, "cannot read the .dbf"),
        # Missing companions: the .shx is rebuilt, no .dbf means no attributes,
        # no .prj means EPSG:4326 — each with a warning.
        ("noshx", 0, "noshx", 0, "noshx"),
        ("nodbf", 0, "nodbf", 0, "nodbf"),
        ("noprj", 0, "noprj", 0, "noprj"),
        ("noshp", 1, "noshp.shp", 1, "noshp.shp"),
        # No usable feature: info describes the file, a quick look has nothing
        # to frame.
        ("empty", 0, "-", 1, "empty.shp"),
        ("type_mismatch", 0, "type_mismatch.shp: record 0:", 1, "type_mismatch.shp"),
        ("type_mixed", 0, "type_mixed.shp: record 1:", 0, "type_mixed.shp: record 1:"),
        ("type_unknown", 0, "type_unknown.shp: record 1:", 0, "type_unknown.shp: record 1:"),
        ("coord_nan", 0, "coord_nan.shp: record 0:", 0, "coord_nan.shp: record 0:"),
        ("coord_inf", 0, "coord_inf.shp: record 0:", 0, "coord_inf.shp: record 0:"),
        ("coord_neginf", 0, "coord_neginf.shp: record 0:", 0, "coord_neginf.shp: record 0:"),
        ("point_nan", 0, "point_nan.shp: record 0:", 0, "point_nan.shp: record 0:"),
        ("header_bbox_nan", ) + ok,
        # Far outside ±180/±90 in a geographic CRS: read and drawn (no
        # validation of the range yet; see the report).
        ("coord_far", ) + ok,
        # ... but a quick look of nothing else has nothing on its canvas
        # (the latitudes are wrapped away from the frame): an error.
        ("coord_far_only", 0, "-", 1, "nothing to draw"),
        ("coord_huge", ) + ok,
        ("ring_short", 0, "ring_short.shp: record 0:", 0, "ring_short.shp: record 0:"),
        ("ring_open", ) + ok,
        ("ring_ccw", ) + ok,
        ("line_zero_length", ) + ok,
        ("line_one_point", 0, "line_one_point.shp: record 0:", 0, "line_one_point.shp: record 0:"),
        ("line_all_zero", ) + ok,
        ("all_null", 0, "-", 1, "all_null.shp"),
        ("multipatch", 1, "multipatch.shp", 1, "multipatch.shp"),
        # A .prj PROJ cannot read is a data error (exit 1) naming the .prj,
        # for a quick look as for info; a BOM before valid WKT is fine.
        ("prj_garbage", 1, "prj_garbage.prj", 1, "prj_garbage.prj"),
        ("prj_bom", ) + ok,
        ("prj_binary", 1, "prj_binary.prj", 1, "prj_binary.prj"),
        ("cpg_unknown", 0, "KLINGON-42", 0, "KLINGON-42"),
        ("cpg_binary", 0, "cpg_binary", 0, "cpg_binary"),
        ("dbf_bad_utf8", ) + ok,
        ("dbf_nul_numbers", ) + ok,
        ("dbf_letters_in_number", ) + ok,
        ("dbf_no_fields", ) + ok,
        # Regressions found by fuzzing (see the docstring of regress_cases).
        ("shx_length_small", 1, "shx_length_small.shp", 1, "shx_length_small.shp"),
        ("noshx_bad_magic", 1, "noshx_bad_magic.shp", 1, "noshx_bad_magic.shp"),
        ("multipoint_huge_coord", ) + ok,
        ("noshx_reclen_negative", 1, "noshx_reclen_negative.shp", 1, "noshx_reclen_negative.shp"),
        ("noshx_reclen_zero", 0, "noshx_reclen_zero.shp", 0, "noshx_reclen_zero.shp"),
        # Header length against the real size and the index (one warning each).
        ("hdrlen_short", 0, "the 3 records of the .shx lie inside it; reading them",
         0, "the 3 records of the .shx lie inside it; reading them"),
        ("hdrlen_zero", 0, "header gives a file length of 0 bytes", 0, "header gives a file length of 0 bytes"),
        ("hdrlen_long", 0, "header gives a file length of 2097152 bytes", 0,
         "header gives a file length of 2097152 bytes"),
        ("hdrlen_short_noshx", 0, "missing .shx, rebuilt from .shp; its header gives a file length", 0,
         "missing .shx, rebuilt from .shp; its header gives a file length"),
        ("hdrlen_short_cut", 0, "holds 2 of them; reading 2", 0, "holds 2 of them; reading 2"),
        ("hdrlen_long_cut", 0, "holds 1 of them; reading 1", 0, "holds 1 of them; reading 1"),
        ("shx_hole", 0, "holds 2 of them; reading 2", 0, "holds 2 of them; reading 2"),
    ]
    rows += [("fuzz_" + name, ) + exp for name, exp in sorted(REGRESS.items())]
    out = []
    for name, ie, ierr, re_, rerr in rows:
        files = ",".join("shp/%s.%s" % (name, e) for e in ("shp", "shx", "dbf", "prj", "cpg")
                         if os.path.exists(os.path.join(SHP, "%s.%s" % (name, e))))
        out.append(("shp_%s_info" % name, files, "-", INFO % name, ie, ierr, "any"))
        out.append(("shp_%s_render" % name, files, "-", QL % name, re_, rerr, "yes" if re_ == 0 else "none"))
    return out


def style_rows():
    """(name, render exit, stderr, check exit, check stderr). Style errors
    are exit 2 and name FILE:LINE:COL; the expected substring is that prefix."""
    def loc(name, line, col):
        return "%s.yaml:%d:%d" % (name, line, col)
    rows = [
        ("good", 0, "-", 0, "-"),
        ("syntax_unclosed", 2, "syntax_unclosed.yaml:", 2, "syntax_unclosed.yaml:"),
        ("syntax_tab", 2, "syntax_tab.yaml:2:", 2, "syntax_tab.yaml:2:"),
        ("syntax_indent", 2, "syntax_indent.yaml:3:", 2, "syntax_indent.yaml:3:"),
        ("syntax_badutf8", 2, "syntax_badutf8.yaml:", 2, "syntax_badutf8.yaml:"),
        ("syntax_binary", 2, "syntax_binary.yaml:", 2, "syntax_binary.yaml:"),
        ("syntax_two_docs", 2, "syntax_two_docs.yaml:", 2, "syntax_two_docs.yaml:"),
        ("syntax_duplicate_key", 2, loc("syntax_duplicate_key", 3, 3), 2, loc("syntax_duplicate_key", 3, 3)),
        ("syntax_unknown_anchor", 2, "syntax_unknown_anchor.yaml:2:", 2, "syntax_unknown_anchor.yaml:2:"),
        ("syntax_deep", 2, "syntax_deep.yaml:1:", 2, "syntax_deep.yaml:1:"),
        ("syntax_laughs", 2, "syntax_laughs.yaml:", 2, "syntax_laughs.yaml:"),
        ("empty", 2, loc("empty", 1, 1), 2, loc("empty", 1, 1)),
        ("root_list", 2, "root_list.yaml:1:1", 2, "root_list.yaml:1:1"),
        ("type_width_string", 2, loc("type_width_string", 2, 10), 2, loc("type_width_string", 2, 10)),
        ("type_layers_list", 2, "type_layers_list.yaml:3:", 2, "type_layers_list.yaml:3:"),
        ("type_style_scalar", 2, loc("type_style_scalar", 7, 12), 2, loc("type_style_scalar", 7, 12)),
        ("type_visible_number", 2, loc("type_visible_number", 8, 14), 2, loc("type_visible_number", 8, 14)),
        ("unknown_top", 2, loc("unknown_top", 8, 1), 2, loc("unknown_top", 8, 1)),
        ("unknown_map", 2, loc("unknown_map", 2, 3), 2, loc("unknown_map", 2, 3)),
        ("unknown_layer", 2, loc("unknown_layer", 8, 5), 2, loc("unknown_layer", 8, 5)),
        ("cycle_a", 2, "cycle", 2, "cycle"),
        ("cycle_self", 2, "cycle_self.yaml:1:", 2, "cycle_self.yaml:1:"),
        ("extends_missing", 2, loc("extends_missing", 1, 10), 2, loc("extends_missing", 1, 10)),
        ("extends_dir", 2, loc("extends_dir", 1, 10), 2, loc("extends_dir", 1, 10)),
        ("width_negative", 2, loc("width_negative", 7, 56), 2, loc("width_negative", 7, 56)),
        ("map_width_negative", 2, loc("map_width_negative", 2, 10), 2, loc("map_width_negative", 2, 10)),
        ("map_width_zero", 2, loc("map_width_zero", 2, 10), 2, loc("map_width_zero", 2, 10)),
        ("map_size_1e9", 2, loc("map_size_1e9", 2, 10), 2, loc("map_size_1e9", 2, 10)),
        ("map_width_1e9", 2, loc("map_width_1e9", 2, 10), 2, loc("map_width_1e9", 2, 10)),
        ("map_width_inf", 2, loc("map_width_inf", 2, 10), 2, loc("map_width_inf", 2, 10)),
        ("map_width_nan", 2, loc("map_width_nan", 2, 10), 2, loc("map_width_nan", 2, 10)),
        ("dpi_zero", 2, loc("dpi_zero", 4, 8), 2, loc("dpi_zero", 4, 8)),
        ("dpi_huge", 2, loc("dpi_huge", 4, 8), 2, loc("dpi_huge", 4, 8)),
        ("opacity_five", 2, loc("opacity_five", 7, 70), 2, loc("opacity_five", 7, 70)),
        ("margin_one", 2, "margin_one.yaml:4:", 2, "margin_one.yaml:4:"),
        ("extent_inverted", 2, "extent_inverted.yaml:4:", 2, "extent_inverted.yaml:4:"),
        ("extent_three", 2, "extent_three.yaml:4:", 2, "extent_three.yaml:4:"),
        ("extent_fit_missing", 2, "extent_fit_missing.yaml:4:", 2, "extent_fit_missing.yaml:4:"),
        ("marker_size_1e300", 2, loc("marker_size_1e300", 7, 67), 2, loc("marker_size_1e300", 7, 67)),
        ("title_size_1e20", 2, loc("title_size_1e20", 8, 24), 2, loc("title_size_1e20", 8, 24)),
        ("label_offset_huge", 2, loc("label_offset_huge", 8, 30), 2, loc("label_offset_huge", 8, 30)),
        ("dash_zero", 2, loc("dash_zero", 7, 67), 2, loc("dash_zero", 7, 67)),
        ("dash_nine", 2, loc("dash_nine", 7, 67), 2, loc("dash_nine", 7, 67)),
        ("lonlat_range", 2, loc("lonlat_range", 4, 21), 2, loc("lonlat_range", 4, 21)),
        ("inset_extent_range", 2, loc("inset_extent_range", 8, 21), 2, loc("inset_extent_range", 8, 21)),
        ("map_width_32768", 2, loc("map_width_32768", 2, 10), 2, loc("map_width_32768", 2, 10)),
        # A render may raise the pixel limit with --max-pixels, so only check refuses the style.
        ("map_pixels_limit", 1, "exceeds the limit", 2, loc("map_pixels_limit", 2, 10)),
        ("colour_bad_hex", 2, loc("colour_bad_hex", 7, 19), 2, loc("colour_bad_hex", 7, 19)),
        ("colour_short", 2, loc("colour_short", 7, 19), 2, loc("colour_short", 7, 19)),
        ("colour_name", 2, loc("colour_name", 7, 19), 2, loc("colour_name", 7, 19)),
        ("colour_rgba_range", 2, loc("colour_rgba_range", 7, 19), 2, loc("colour_rgba_range", 7, 19)),
        ("crs_garbage", 2, loc("crs_garbage", 4, 8), 2, loc("crs_garbage", 4, 8)),
        ("crs_epsg_unknown", 2, loc("crs_epsg_unknown", 4, 8), 2, loc("crs_epsg_unknown", 4, 8)),
        ("layer_crs_garbage", 2, loc("layer_crs_garbage", 8, 10), 2, loc("layer_crs_garbage", 8, 10)),
        ("source_dir", 2, loc("source_dir", 6, 13), 2, loc("source_dir", 6, 13)),
        ("source_missing", 2, loc("source_missing", 6, 13), 2, loc("source_missing", 6, 13)),
        ("source_not_shp", 2, loc("source_not_shp", 6, 13), 2, loc("source_not_shp", 6, 13)),
        ("source_corrupt", 1, "trunc_shp_60.shp", 1, "trunc_shp_60.shp"),
        ("source_multipatch", 1, "multipatch.shp", 1, "multipatch.shp"),
        ("source_none", 2, "source_none.yaml:3:", 2, "source_none.yaml:3:"),
        ("where_no_field", 2, loc("where_no_field", 8, 13), 2, loc("where_no_field", 8, 13)),
        ("no_layers", 0, "has no layers", 0, "has no layers"),
        ("blank", 2, loc("blank", 1, 1), 2, loc("blank", 1, 1)),
        ("nul_0", 2, loc("nul_0", 7, 56), 2, loc("nul_0", 7, 56)),
        ("nul_x00", 2, loc("nul_x00", 7, 56), 2, loc("nul_x00", 7, 56)),
        ("nul_u0000", 2, loc("nul_u0000", 7, 56), 2, loc("nul_u0000", 7, 56)),
        ("nul_key", 2, loc("nul_key", 4, 3), 2, loc("nul_key", 4, 3)),
        ("extends_devzero", 2, loc("extends_devzero", 1, 10), 2, loc("extends_devzero", 1, 10)),
        ("extends_devnull", 2, loc("extends_devnull", 1, 10), 2, loc("extends_devnull", 1, 10)),
        ("extends_proc", 2, "/proc/self/status:1:1", 2, "/proc/self/status:1:1"),
        ("extends_control", 2, loc("extends_control", 1, 10), 2, loc("extends_control", 1, 10)),
        ("extends_unrelated", 2, "make-corpus.py:", 2, "make-corpus.py:"),
        ("extends_prose", 2, "prose.txt:1:1: a style is a mapping of keys, got 'word0 word1 word2 word3 word4 word5 word...'",
         2, "prose.txt:1:1"),
        ("alias_small_bomb", 2, loc("alias_small_bomb", 2, 669), 2, loc("alias_small_bomb", 2, 669)),
    ]
    out = []
    for name, rex, rerr, cex, cerr in rows:
        files = "style/%s.yaml" % name
        out.append(("style_%s_render" % name, files, "-", RENDER % name, rex, rerr,
                    "yes" if rex == 0 else "none"))
        out.append(("style_%s_check" % name, files, "-", CHECK % name, cex, cerr, "none"))
    return out


def safety_rows():
    good_ql = QL % "good"
    return [
        # An output path naming an input file: the style itself (a style may
        # have any extension), a hard link and a symbolic link to it. The
        # scenario copies the files into {T} and compares checksums.
        ("out_is_style", "style/good.yaml", "script", "out-is-style", 2, "-", "any"),
        ("out_is_style_dotted", "style/good.yaml", "script", "out-is-style-dotted", 2, "-", "any"),
        ("out_hardlink_to_style", "style/good.yaml", "script", "out-hardlink-to-style", 2, "-", "any"),
        ("out_symlink_to_style", "style/good.yaml", "script", "out-symlink-to-style", 2, "-", "any"),
        # The base a style extends is an input too.
        ("out_is_extended_base", "style/good.yaml", "script", "out-is-extended-base", 2, "-", "any"),
        # A missing folder is made (as atlas does); one that cannot be made,
        # under a file, is one line and nothing written.
        ("out_uncreatable_dir", "shp/good.*", "-",
         "render {C}/shp/good.shp -o {C}/shp/good.dbf/nope/out.png --width 64 --height 64",
         1, "cannot create its folder", "none"),
        ("out_is_dir", "shp/good.*", "mkdir", good_ql, 1, "directory", "any"),
        ("out_no_ext", "shp/good.*", "-", "render {C}/shp/good.shp -o {T}/out --width 64 --height 64",
         2, "extension", "none"),
        ("out_bad_ext", "shp/good.*", "-", "render {C}/shp/good.shp -o {T}/out.txt --width 64 --height 64",
         2, "out.txt", "none"),
        ("prev_style_error", "style/colour_bad_hex.yaml", "prev", RENDER % "colour_bad_hex", 2,
         "colour_bad_hex.yaml:7:19", "same"),
        ("prev_data_error", "shp/multipatch.*", "prev", QL % "multipatch", 1, "multipatch.shp", "same"),
        ("prev_corrupt", "shp/trunc_shp_60.*", "prev", QL % "trunc_shp_60", 1, "trunc_shp_60.shp", "same"),
        ("prev_limit", "shp/good.*", "prev",
         "render {C}/shp/good.shp -o {OUT} --width 20000 --height 10001", 1, "exceeds the limit", "same"),
        # A big render killed after 0.3 s: the previous output stays intact.
        ("kill_sigkill", "styles/forum.yaml", "script", "kill-KILL", 0, "-", "same"),
        ("kill_sigterm", "styles/forum.yaml", "script", "kill-TERM", 0, "-", "same"),
        ("kill_sigint", "styles/forum.yaml", "script", "kill-INT", 0, "-", "same"),
        # A 64 KiB tmpfs (skipped when mount is not allowed).
        ("disk_full", "shp/good.*", "script", "disk-full", 1, "-", "none"),
        ("good_ok", "shp/good.*", "-", good_ql, 0, "-", "yes"),
        ("set_newline", "style/good.yaml", "script", "set-newline", 2, "--set map.width", "none"),
        # Quick looks of files whose names are not plain ASCII: a CP1251 name
        # (not valid UTF-8; common for Russian data) and a control character.
        ("quicklook_name_cp1251", "shp/good.*", "script", "quicklook-name-cp1251", 0, "-", "yes"),
        ("quicklook_name_ctl", "shp/good.*", "script", "quicklook-name-ctl", 0, "-", "yes"),
        ("quicklook_name_quote", "shp/good.*", "script", "quicklook-name-quote", 0, "-", "yes"),
    ]


def limit_rows():
    not_regular = "cannot open style (resolved: %s): not a regular file (%s)"
    return [
        # Not regular files as the style (issue 15): refused, never a blank map.
        ("style_is_devzero", "(none)", "-", "render /dev/zero -o {OUT}", 2,
         not_regular % ("/dev/zero", "a character device"), "none"),
        ("style_is_devnull", "(none)", "-", "check /dev/null", 2,
         not_regular % ("/dev/null", "a character device"), "none"),
        ("style_is_dir", "style/", "-", "render {C}/style -o {OUT}", 2, "not a regular file (a directory)", "none"),
        ("style_is_proc", "(none)", "-", "render /proc/self/status -o {OUT}", 2, "/proc/self/status:1:1", "none"),
        ("limit_default", "shp/good.*", "-",
         "render {C}/shp/good.shp -o {OUT} --width 20000 --height 10001", 1, "exceeds the limit", "none"),
        ("limit_lowered", "shp/good.*", "-",
         "render {C}/shp/good.shp -o {OUT} --width 64 --height 64 --max-pixels 1000", 1, "exceeds the limit", "none"),
        ("limit_lowered_ok", "shp/good.*", "-",
         "render {C}/shp/good.shp -o {OUT} --width 64 --height 64 --max-pixels 5000", 0, "-", "yes"),
        ("limit_huge_ring", "(generated)", "huge",
         "render {T}/huge.shp -o {OUT} --width 256 --height 256", 0, "-", "yes"),
        ("limit_huge_ring_info", "(generated)", "huge", "info {T}/huge.shp", 0, "-", "any"),
    ]


def write_huge(folder):
    """A single polygon whose ring has 10^6 vertices (a circle), with .shx,
    .dbf and .prj: 16 MB, so generated at test time, not committed."""
    n = 1000000
    ring = [(30.0 * math.cos(2 * math.pi * i / n), 30.0 * math.sin(2 * math.pi * i / n)) for i in range(n)]
    ring.append(ring[0])
    shp, shx = shp_bytes(POLYGON, [[ring]])
    put(folder, "huge.shp", shp)
    put(folder, "huge.shx", shx)
    put(folder, "huge.dbf", dbf_bytes(FIELDS, rows_for(1)))
    put(folder, "huge.prj", WGS84)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--huge":
        write_huge(sys.argv[2])
        return
    for d in (SHP, STY):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    shp_cases()
    regress_cases()
    style_cases()
    rows = shp_rows() + style_rows() + safety_rows() + limit_rows()
    with open(os.path.join(HERE, "expected.tsv"), "w", encoding="utf-8", newline="\n") as f:
        f.write("# case\tfiles\tsetup\tcommand\texit\tstderr\toutput\n")
        f.write("# Generated by make-corpus.py (see its docstring); edit the script, not this file.\n")
        for r in rows:
            f.write("\t".join(str(c) for c in r) + "\n")


if __name__ == "__main__":
    main()
