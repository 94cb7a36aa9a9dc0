#!/usr/bin/env python3
"""Land/water agreement between two map renders (stdlib only).

Usage: pngcompare.py A.png B.png [--water #ccdef0] [--land #f2ede3,#646464]
                     [--diff OUT.png] [--min PERCENT]

A pixel (alpha composited over white) is water when its RGB distance to the
--water colour is under a threshold, else land. The threshold is half the
distance from the water colour to the nearest --land colour (fills and
strokes), so an antialiased coast pixel counts as water when water dominates
it. Nearest-colour classification would not do: a thin stroke blended into a
land fill passes closer to the water colour than to either of its own.
Prints the share of pixels whose class agrees, and exits 1 if it is below
--min.

The PNG decoder is independent of every renderer under test: zlib + struct,
8-bit greyscale, grey+alpha, RGB, RGBA and palette images, non-interlaced,
filter types 0-4 (PNG specification, ISO/IEC 15948:2003, sections 9 and 11).
"""

import argparse
import struct
import sys
import zlib
from itertools import accumulate

_AND255 = (255).__and__
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _add_bytes(x, y, lo, hi):
    """Bytewise (x + y) mod 256 over whole rows at once: SWAR on Python ints.
    The low seven bits of each byte are added without leaving the byte; the
    top bit is then the XOR of both top bits and that carry."""
    n = len(x)
    a = int.from_bytes(x, "big")
    b = int.from_bytes(y, "big")
    return (((a & lo) + (b & lo)) ^ ((a ^ b) & hi)).to_bytes(n, "big")


def _unfilter(raw, width, height, bpp):
    stride = width * bpp
    lo = int.from_bytes(b"\x7f" * stride, "big")
    hi = int.from_bytes(b"\x80" * stride, "big")
    prev = bytes(stride)
    rows = []
    pos = 0
    for _y in range(height):
        ftype = raw[pos]
        line = raw[pos + 1:pos + 1 + stride]
        pos += 1 + stride
        if ftype == 0:
            cur = line
        elif ftype == 1:
            # Sub is a running sum per channel: accumulate() in C, then mod 256.
            buf = bytearray(stride)
            for c in range(bpp):
                buf[c::bpp] = bytes(map(_AND255, accumulate(line[c::bpp])))
            cur = bytes(buf)
        elif ftype == 2:
            cur = _add_bytes(line, prev, lo, hi)
        elif ftype == 3:
            buf = bytearray(stride)
            for i in range(bpp):
                buf[i] = (line[i] + (prev[i] >> 1)) & 255
            for i in range(bpp, stride):
                buf[i] = (line[i] + ((buf[i - bpp] + prev[i]) >> 1)) & 255
            cur = bytes(buf)
        elif ftype == 4:
            buf = bytearray(stride)
            for i in range(bpp):
                buf[i] = (line[i] + prev[i]) & 255
            for i in range(bpp, stride):
                a = buf[i - bpp]
                b = prev[i]
                c = prev[i - bpp]
                pa = b - c
                pb = a - c
                pc = pa + pb
                if pa < 0:
                    pa = -pa
                if pb < 0:
                    pb = -pb
                if pc < 0:
                    pc = -pc
                if pa <= pb and pa <= pc:
                    buf[i] = (line[i] + a) & 255
                elif pb <= pc:
                    buf[i] = (line[i] + b) & 255
                else:
                    buf[i] = (line[i] + c) & 255
            cur = bytes(buf)
        else:
            raise ValueError("bad PNG filter type %d" % ftype)
        rows.append(cur)
        prev = cur
    return rows


def decode(path):
    """Returns (width, height, rgb) with rgb packed 3 bytes per pixel; alpha is
    composited over white, palettes are expanded."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s: not a PNG" % path)
    pos = 8
    idat = []
    palette = None
    trns = None
    width = height = depth = ctype = interlace = None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, ctype, _comp, _filt, interlace = \
                struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = body
        elif kind == b"tRNS":
            trns = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if depth != 8 or interlace != 0 or ctype not in _CHANNELS:
        raise ValueError("%s: unsupported PNG (depth %s, colour type %s, "
                         "interlace %s)" % (path, depth, ctype, interlace))
    bpp = _CHANNELS[ctype]
    rows = _unfilter(zlib.decompress(b"".join(idat)), width, height, bpp)
    pixels = b"".join(rows)
    if ctype == 3:
        alpha = None
        if trns:
            alpha = bytes(trns) + b"\xff" * (256 - len(trns))
        planes = []
        for c in range(3):
            table = bytes(palette[3 * i + c] if 3 * i + c < len(palette) else 0
                          for i in range(256))
            if alpha is not None:
                table = bytes((table[i] * alpha[i] + 255 * (255 - alpha[i]) + 127)
                              // 255 for i in range(256))
            planes.append(pixels.translate(table))
        return width, height, _interleave(planes)
    if ctype in (0, 4):
        grey = pixels[0::bpp]
        planes = [grey, grey, grey]
    else:
        planes = [pixels[c::bpp] for c in range(3)]
    if ctype in (4, 6):
        planes = _over_white(planes, pixels[bpp - 1::bpp])
    return width, height, _interleave(planes)


def _over_white(planes, alpha):
    if alpha.count(255) == len(alpha):
        return planes
    out = []
    for p in planes:
        out.append(bytes((v * a + 255 * (255 - a) + 127) // 255
                         for v, a in zip(p, alpha)))
    return out


def _interleave(planes):
    out = bytearray(3 * len(planes[0]))
    for c in range(3):
        out[c::3] = planes[c]
    return bytes(out)


def parse_colour(text):
    text = text.strip().lstrip("#")
    if len(text) != 6:
        raise argparse.ArgumentTypeError("colour must be #rrggbb: %r" % text)
    return tuple(int(text[i:i + 2], 16) for i in (0, 2, 4))


class _Classifier(dict):
    """Memoised class of a packed 0x00RRGGBB pixel: 1 water, 0 land. Maps
    hold few distinct colours, so lookups dominate."""

    def __init__(self, water, limit2):
        super().__init__()
        self.water = water
        self.limit2 = limit2

    def __missing__(self, key):
        r, g, b = key >> 16, (key >> 8) & 255, key & 255
        w = self.water
        d2 = (w[0] - r) ** 2 + (w[1] - g) ** 2 + (w[2] - b) ** 2
        cls = 1 if d2 < self.limit2 else 0
        self[key] = cls
        return cls


def threshold2(water, land):
    """Squared water threshold: (half the distance to the nearest land
    colour) squared."""
    nearest = min(sum((w - c) ** 2 for w, c in zip(water, col)) for col in land)
    return nearest / 4.0


def water_mask(rgb, water, limit2):
    """One byte per pixel: 1 water, 0 land."""
    n = len(rgb) // 3
    packed = bytearray(4 * n)
    # Pack each pixel into a 32-bit word 0x00RRGGBB laid out in native byte
    # order, so memoryview.cast("I") turns the image into ints in C and the
    # per-pixel work is one dict lookup.
    if sys.byteorder == "little":
        order = (2, 1, 0)
    else:
        order = (1, 2, 3)
    for c, slot in zip(range(3), order):
        packed[slot::4] = rgb[c::3]
    words = memoryview(packed).cast("I")
    return bytes(map(_Classifier(water, limit2).__getitem__, words))


def agreement(mask_a, mask_b):
    """Share of pixels (0-1) whose class agrees; masks hold bytes 0/1."""
    x = int.from_bytes(mask_a, "little") ^ int.from_bytes(mask_b, "little")
    return 1.0 - bin(x).count("1") / len(mask_a)


def write_diff(path, width, height, mask_a, mask_b):
    """RGB PNG: water agreed light blue, land agreed beige, A-only water red,
    B-only water blue."""
    colours = {(1, 1): b"\xcc\xde\xf0", (0, 0): b"\xf2\xed\xe3",
               (1, 0): b"\xe0\x20\x20", (0, 1): b"\x20\x20\xe0"}
    raw = bytearray()
    for y in range(height):
        raw.append(0)
        row_a = mask_a[y * width:(y + 1) * width]
        row_b = mask_b[y * width:(y + 1) * width]
        raw += b"".join(colours[ab] for ab in zip(row_a, row_b))

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(bytes(raw), 6)))
        f.write(chunk(b"IEND", b""))


def main():
    ap = argparse.ArgumentParser(description="Land/water agreement of two PNGs")
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--water", type=parse_colour, default=parse_colour("#ccdef0"))
    ap.add_argument("--land", default="#f2ede3,#646464",
                    help="comma-separated land colours (fills and strokes)")
    ap.add_argument("--diff", help="write a diff image here")
    ap.add_argument("--min", type=float, default=None,
                    help="exit 1 if agreement (percent) is below this")
    args = ap.parse_args()
    land = [parse_colour(c) for c in args.land.split(",")]
    wa, ha, rgb_a = decode(args.a)
    wb, hb, rgb_b = decode(args.b)
    if (wa, ha) != (wb, hb):
        print("size differs: %dx%d vs %dx%d" % (wa, ha, wb, hb))
        return 1
    limit2 = threshold2(args.water, land)
    mask_a = water_mask(rgb_a, args.water, limit2)
    mask_b = water_mask(rgb_b, args.water, limit2)
    share = 100.0 * agreement(mask_a, mask_b)
    water_a = 100.0 * mask_a.count(1) / len(mask_a)
    water_b = 100.0 * mask_b.count(1) / len(mask_b)
    print("%.3f%% agree (water: %.2f%% vs %.2f%%)" % (share, water_a, water_b))
    if args.diff:
        write_diff(args.diff, wa, ha, mask_a, mask_b)
    if args.min is not None and share < args.min:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
