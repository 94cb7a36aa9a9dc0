"""Minimal ESRI Shapefile reading and writing for the benchmark (stdlib only).

Handles what the bench needs: null, polyline and polygon records (types 0, 3,
5), the .shx index, and a dBase III .dbf with character fields. Layout from the
"ESRI Shapefile Technical Description" (ESRI, July 1998): a 100-byte header
with big-endian file code and length (in 16-bit words) and little-endian
everything else, then records of (big-endian number, length) + content.
"""

import struct
import sys
from array import array

NULL, POLYLINE, POLYGON = 0, 3, 5


def _doubles(buf, offset, count):
    a = array("d")
    a.frombytes(buf[offset:offset + 8 * count])
    if sys.byteorder != "little":
        a.byteswap()
    return a


def read_shp(path):
    """Returns (shape_type, bbox, records); each record is None (null shape)
    or a list of parts, each part an array('d') of interleaved x, y."""
    with open(path, "rb") as f:
        data = f.read()
    code, = struct.unpack(">i", data[0:4])
    if code != 9994:
        raise ValueError("%s: not a shapefile (file code %d)" % (path, code))
    shape_type, = struct.unpack("<i", data[32:36])
    bbox = struct.unpack("<4d", data[36:68])
    records = []
    pos = 100
    end = len(data)
    while pos + 8 <= end:
        _num, words = struct.unpack(">2i", data[pos:pos + 8])
        content = pos + 8
        pos = content + 2 * words
        rtype, = struct.unpack("<i", data[content:content + 4])
        if rtype == NULL:
            records.append(None)
            continue
        if rtype not in (POLYLINE, POLYGON):
            raise ValueError("%s: record %d: shape type %d not supported"
                             % (path, len(records) + 1, rtype))
        nparts, npoints = struct.unpack("<2i", data[content + 36:content + 44])
        parts = struct.unpack("<%di" % nparts,
                              data[content + 44:content + 44 + 4 * nparts])
        xy = _doubles(data, content + 44 + 4 * nparts, 2 * npoints)
        bounds = list(parts) + [npoints]
        records.append([xy[2 * bounds[i]:2 * bounds[i + 1]]
                        for i in range(nparts)])
    return shape_type, bbox, records


def count_vertices(path):
    """Total number of points in a .shp, reading only record headers."""
    total = 0
    with open(path, "rb") as f:
        f.seek(100)
        while True:
            head = f.read(8)
            if len(head) < 8:
                break
            _num, words = struct.unpack(">2i", head)
            content = f.read(2 * words)
            rtype, = struct.unpack("<i", content[0:4])
            if rtype in (POLYLINE, POLYGON):
                total += struct.unpack("<i", content[40:44])[0]
    return total


def _ring_bbox(parts):
    xs = [min(p[0::2]) for p in parts] + [max(p[0::2]) for p in parts]
    ys = [min(p[1::2]) for p in parts] + [max(p[1::2]) for p in parts]
    return min(xs), min(ys), max(xs), max(ys)


def write_shp(base, shape_type, records):
    """Writes base.shp and base.shx. records as returned by read_shp()."""
    bodies = []
    boxes = []
    for rec in records:
        if rec is None:
            bodies.append(struct.pack("<i", NULL))
            continue
        box = _ring_bbox(rec)
        boxes.append(box)
        npoints = sum(len(p) // 2 for p in rec)
        offsets = []
        n = 0
        for p in rec:
            offsets.append(n)
            n += len(p) // 2
        xy = array("d")
        for p in rec:
            xy.extend(p)
        if sys.byteorder != "little":
            xy.byteswap()
        bodies.append(struct.pack("<i4d2i", shape_type, *box, len(rec), npoints)
                      + struct.pack("<%di" % len(rec), *offsets) + xy.tobytes())
    if boxes:
        bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes))
    else:
        bbox = (0.0, 0.0, 0.0, 0.0)
    shp_len = 100 + sum(8 + len(b) for b in bodies)
    shx_len = 100 + 8 * len(bodies)

    def header(length):
        return (struct.pack(">7i", 9994, 0, 0, 0, 0, 0, length // 2)
                + struct.pack("<2i", 1000, shape_type)
                + struct.pack("<8d", *bbox, 0.0, 0.0, 0.0, 0.0))

    with open(base + ".shp", "wb") as shp, open(base + ".shx", "wb") as shx:
        shp.write(header(shp_len))
        shx.write(header(shx_len))
        offset = 100
        for i, body in enumerate(bodies):
            shx.write(struct.pack(">2i", offset // 2, len(body) // 2))
            shp.write(struct.pack(">2i", i + 1, len(body) // 2))
            shp.write(body)
            offset += 8 + len(body)


def write_dbf(path, fields, rows):
    """dBase III table of character fields. fields: [(name, width)];
    rows: lists of str (encoded UTF-8, truncated to width)."""
    nfields = len(fields)
    reclen = 1 + sum(w for _n, w in fields)
    hdrlen = 32 + 32 * nfields + 1
    with open(path, "wb") as f:
        f.write(struct.pack("<4BIHH20x", 3, 125, 1, 1, len(rows), hdrlen, reclen))
        for name, width in fields:
            f.write(struct.pack("<11sc4xB15x", name.encode("ascii"), b"C", width))
        f.write(b"\r")
        for row in rows:
            f.write(b" ")
            for (_n, width), value in zip(fields, row):
                f.write(value.encode("utf-8")[:width].ljust(width, b" "))
        f.write(b"\x1a")


def read_dbf(path):
    """Returns (field names, rows of str) from a dBase III/IV table; values
    are decoded as UTF-8 (the .cpg of every bench input says so) and
    stripped of padding (spaces, or NULs from some writers). Deleted
    records are skipped."""
    with open(path, "rb") as f:
        data = f.read()
    nrec, hdrlen, reclen = struct.unpack("<IHH", data[4:12])
    fields = []
    pos = 32
    while data[pos] != 0x0D:
        name = data[pos:pos + 11].split(b"\0", 1)[0].decode("ascii")
        width = data[pos + 16]
        fields.append((name, width))
        pos += 32
    rows = []
    for i in range(nrec):
        rec = data[hdrlen + i * reclen:hdrlen + (i + 1) * reclen]
        if rec[:1] == b"*":
            continue
        values = []
        off = 1
        for _name, width in fields:
            values.append(rec[off:off + width].decode("utf-8", "replace").strip(" \0"))
            off += width
        rows.append(values)
    return [n for n, _w in fields], rows
