// Minimal ESRI Shapefile writer for polygon layers (shape type 5) with
// character attributes, plus the .prj (WGS84 geographic, ESRI WKT) and .cpg.
// No dependencies. Output is byte-for-byte deterministic (fixed DBF date).
'use strict';
const fs = require('fs');

const PRJ_WGS84 =
  'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],' +
  'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]';

// Signed area by the shoelace formula: > 0 counter-clockwise, < 0 clockwise.
function ringArea(ring) {
  let a = 0;
  for (let i = 0, n = ring.length; i < n - 1; i++) {
    a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  }
  return a / 2;
}

// Shapefile winding: outer rings clockwise, holes counter-clockwise.
function orient(ring, isHole) {
  const a = ringArea(ring);
  if ((isHole && a < 0) || (!isHole && a > 0)) return ring.slice().reverse();
  return ring;
}

// polygons: array of features, each an array of polygons [outer, hole, ...],
// each ring an array of [x, y] closed (first == last).
// Returns the rings in shapefile order, oriented.
function shapeRings(polygons) {
  const rings = [];
  for (const [outer, ...holes] of polygons) {
    rings.push(orient(outer, false));
    for (const h of holes) rings.push(orient(h, true));
  }
  return rings;
}

function bboxOf(rings) {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const r of rings) {
    for (const [x, y] of r) {
      if (x < x0) x0 = x;
      if (y < y0) y0 = y;
      if (x > x1) x1 = x;
      if (y > y1) y1 = y;
    }
  }
  return [x0, y0, x1, y1];
}

function header(fileBytes, bbox) {
  const b = Buffer.alloc(100);
  b.writeInt32BE(9994, 0);
  b.writeInt32BE(fileBytes / 2, 24);
  b.writeInt32LE(1000, 28);
  b.writeInt32LE(5, 32); // polygon
  b.writeDoubleLE(bbox[0], 36);
  b.writeDoubleLE(bbox[1], 44);
  b.writeDoubleLE(bbox[2], 52);
  b.writeDoubleLE(bbox[3], 60);
  return b;
}

function writeShpShx(base, features) {
  const contents = features.map((f) => {
    const rings = shapeRings(f.polygons);
    const nParts = rings.length;
    const nPoints = rings.reduce((s, r) => s + r.length, 0);
    const c = Buffer.alloc(44 + 4 * nParts + 16 * nPoints);
    const bb = bboxOf(rings);
    c.writeInt32LE(5, 0);
    bb.forEach((v, i) => c.writeDoubleLE(v, 4 + 8 * i));
    c.writeInt32LE(nParts, 36);
    c.writeInt32LE(nPoints, 40);
    let o = 44;
    let start = 0;
    for (const r of rings) {
      c.writeInt32LE(start, o);
      o += 4;
      start += r.length;
    }
    for (const r of rings) {
      for (const [x, y] of r) {
        c.writeDoubleLE(x, o);
        c.writeDoubleLE(y, o + 8);
        o += 16;
      }
    }
    return { c, bb, nPoints };
  });
  const all = bboxOf(contents.map((x) => [[x.bb[0], x.bb[1]], [x.bb[2], x.bb[3]]]));
  const shpLen = 100 + contents.reduce((s, x) => s + 8 + x.c.length, 0);
  const shxLen = 100 + 8 * contents.length;
  const shp = [header(shpLen, all)];
  const shx = [header(shxLen, all)];
  let offset = 100;
  contents.forEach((x, i) => {
    const rh = Buffer.alloc(8);
    rh.writeInt32BE(i + 1, 0);
    rh.writeInt32BE(x.c.length / 2, 4);
    shp.push(rh, x.c);
    const ix = Buffer.alloc(8);
    ix.writeInt32BE(offset / 2, 0);
    ix.writeInt32BE(x.c.length / 2, 4);
    shx.push(ix);
    offset += 8 + x.c.length;
  });
  fs.writeFileSync(`${base}.shp`, Buffer.concat(shp));
  fs.writeFileSync(`${base}.shx`, Buffer.concat(shx));
  return contents.reduce((s, x) => s + x.nPoints, 0);
}

// fields: array of names (all type C, width = longest UTF-8 value, min 1).
function writeDbf(base, fields, records) {
  const enc = records.map((r) => fields.map((f) => Buffer.from(String(r[f] ?? ''), 'utf8')));
  const widths = fields.map((f, j) => Math.max(1, ...enc.map((r) => r[j].length)));
  for (const w of widths) if (w > 254) throw new Error('DBF character field wider than 254 bytes');
  const headerLen = 32 + 32 * fields.length + 1;
  const recLen = 1 + widths.reduce((a, b) => a + b, 0);
  const b = Buffer.alloc(headerLen + recLen * records.length + 1, 0x20);
  b.fill(0, 0, headerLen);
  b.writeUInt8(0x03, 0);
  // Fixed "last update" date (1995-07-26, as shapelib writes) so that
  // rebuilding gives identical bytes.
  b.writeUInt8(95, 1);
  b.writeUInt8(7, 2);
  b.writeUInt8(26, 3);
  b.writeUInt32LE(records.length, 4);
  b.writeUInt16LE(headerLen, 8);
  b.writeUInt16LE(recLen, 10);
  fields.forEach((f, j) => {
    const o = 32 + 32 * j;
    if (f.length > 10) throw new Error(`DBF field name too long: ${f}`);
    b.write(f, o, 'ascii');
    b.write('C', o + 11, 'ascii');
    b.writeUInt8(widths[j], o + 16);
  });
  b.writeUInt8(0x0d, headerLen - 1);
  enc.forEach((r, i) => {
    let o = headerLen + recLen * i + 1; // byte 0 stays ' ' (not deleted)
    r.forEach((v, j) => {
      v.copy(b, o);
      o += widths[j];
    });
  });
  b.writeUInt8(0x1a, b.length - 1);
  fs.writeFileSync(`${base}.dbf`, b);
  return widths;
}

function writeSidecars(base) {
  fs.writeFileSync(`${base}.prj`, PRJ_WGS84);
  fs.writeFileSync(`${base}.cpg`, 'UTF-8');
}

module.exports = { PRJ_WGS84, ringArea, orient, writeShpShx, writeDbf, writeSidecars };
