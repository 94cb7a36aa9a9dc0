#!/usr/bin/env node
// Build shapes/ru_regions.* from DCW-GMT polygons of the federal subjects of
// Russia, as written by `gmt coast -ERU.<CODE> -M` (one file <CODE>.txt each).
//
// Usage: node dcw-to-shp.js <dcw-states.txt> <dir with CODE.txt> <ru-subjects.tsv> <out base>
//
// - The names, ISO 3166-2 codes and types come from ru-subjects.tsv (DCW's own
//   names have typos, e.g. "Moskow Oblast", "Lipetsk Oblst").
// - Segments whose header contains -Ph are holes; each hole goes into the
//   smallest outer ring of the same subject that contains it.
// - Outer rings are written clockwise, holes counter-clockwise.
// - DCW gives Chukotka with longitudes up to 190.3 E; rings crossing 180 are
//   split there and the eastern pieces shifted by -360, so every coordinate
//   is within -180..180.
// - Every coordinate is kept (full DCW resolution); the one open ring (Perm
//   Krai) is closed by repeating its first vertex.
// - Each subject's check point (its capital or a town well inside it) must
//   fall inside that subject and no other: this catches a wrong code mapping.
'use strict';
const fs = require('fs');
const path = require('path');
const { writeShpShx, writeDbf, writeSidecars, ringArea } = require('./lib/shapefile');

const [statesFile, dcwDir, tsvFile, outBase] = process.argv.slice(2);
if (!outBase) {
  console.error('usage: dcw-to-shp.js <dcw-states.txt> <dcw dir> <ru-subjects.tsv> <out base>');
  process.exit(2);
}

// Subjects that DCW might list for Russia but that were not Russian federal
// subjects in 2012 (annexed from Ukraine in 2014).
const EXCLUDED = new Set(['CR', 'SEV']);
const TYPES = new Set(['oblast', 'krai', 'republic', 'federal city', 'autonomous okrug', 'autonomous oblast']);

// --- the table -------------------------------------------------------------
const lines = fs.readFileSync(tsvFile, 'utf8').split('\n').filter((l) => l.trim() !== '');
const cols = lines[0].split('\t');
const subjects = lines.slice(1).map((l) => {
  const v = l.split('\t');
  if (v.length !== cols.length) throw new Error(`bad line in ${tsvFile}: ${l}`);
  const o = Object.fromEntries(cols.map((c, i) => [c, v[i]]));
  if (!TYPES.has(o.type)) throw new Error(`bad type ${o.type} for ${o.dcw}`);
  if (!/^RU-[A-Z]{2,3}$/.test(o.iso)) throw new Error(`bad ISO code ${o.iso}`);
  o.check = [Number(o.check_lon), Number(o.check_lat)];
  return o;
});

// --- DCW's list of Russian subjects ----------------------------------------
const dcwCodes = fs.readFileSync(statesFile, 'utf8').split('\n')
  .map((l) => l.split(/\s+/))
  .filter((p) => p[0] === 'RU')
  .map((p) => p[1]);
const wanted = dcwCodes.filter((c) => !EXCLUDED.has(c));
const tableCodes = subjects.map((s) => s.dcw);
const missing = wanted.filter((c) => !tableCodes.includes(c));
const extra = tableCodes.filter((c) => !wanted.includes(c));
if (missing.length || extra.length) {
  throw new Error(`DCW list and ${tsvFile} differ: not in table [${missing}], not in DCW [${extra}]`);
}
if (subjects.length !== 83) throw new Error(`expected 83 subjects, have ${subjects.length}`);
if (new Set(subjects.map((s) => s.iso)).size !== 83) throw new Error('duplicate ISO codes');

// --- geometry helpers -------------------------------------------------------
function pointInRing([x, y], ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function pointInPolygons(pt, polygons) {
  return polygons.some(([outer, ...holes]) => pointInRing(pt, outer) && !holes.some((h) => pointInRing(pt, h)));
}

const samePoint = (a, b) => a[0] === b[0] && a[1] === b[1];

// Split a closed ring at lon 180 into rings within -180..180.
function splitAtAntimeridian(ring, label) {
  const pts = ring.slice(0, -1); // drop the closing vertex
  const n = pts.length;
  if (pts.some(([x]) => x === 180)) throw new Error(`${label}: vertex exactly on 180, not handled`);
  const east = ([x]) => x > 180;
  const crossings = [];
  for (let i = 0; i < n; i++) {
    if (east(pts[i]) !== east(pts[(i + 1) % n])) crossings.push(i);
  }
  if (crossings.length === 0) {
    return [east(pts[0]) ? ring.map(([x, y]) => [x - 360, y]) : ring];
  }
  if (crossings.length !== 2) {
    throw new Error(`${label}: ring crosses 180 ${crossings.length} times, only 2 handled`);
  }
  const cross = (i) => {
    const [x1, y1] = pts[i];
    const [x2, y2] = pts[(i + 1) % n];
    return [180, y1 + ((180 - x1) * (y2 - y1)) / (x2 - x1)];
  };
  const [a, b] = crossings;
  const pa = cross(a);
  const pb = cross(b);
  const piece1 = [pa];
  for (let i = a + 1; i <= b; i++) piece1.push(pts[i]);
  piece1.push(pb, pa);
  const piece2 = [pb];
  for (let i = b + 1; i <= a + n; i++) piece2.push(pts[i % n]);
  piece2.push(pa, pb);
  // The piece that lies east of 180 moves to negative longitudes; its two cut
  // vertices (x = 180) move with it to -180.
  return [piece1, piece2].map((p) => (p.some(east) ? p.map(([x, y]) => [x - 360, y]) : p));
}

// --- read one subject -------------------------------------------------------
function readSubject(code) {
  const text = fs.readFileSync(path.join(dcwDir, `${code}.txt`), 'utf8');
  const segs = [];
  let cur = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('>')) {
      cur = { hole: /(^|\s)-Ph(\s|$)/.test(line.slice(1)), pts: [] };
      segs.push(cur);
    } else if (line.trim() !== '') {
      const [x, y] = line.trim().split(/\s+/).map(Number);
      if (!cur || !Number.isFinite(x) || !Number.isFinite(y)) throw new Error(`${code}: bad line ${line}`);
      cur.pts.push([x, y]);
    }
  }
  let closed = 0;
  for (const s of segs) {
    if (s.pts.length < 3) throw new Error(`${code}: segment with ${s.pts.length} points`);
    if (!samePoint(s.pts[0], s.pts[s.pts.length - 1])) {
      s.pts.push(s.pts[0].slice());
      closed++;
    }
  }
  return { segs, closed };
}

function buildPolygons(code, segs) {
  const outers = segs.filter((s) => !s.hole).map((s) => [s.pts]);
  for (const h of segs.filter((s) => s.hole)) {
    const probe = h.pts[0];
    const hosts = outers.filter((p) => pointInRing(probe, p[0]));
    if (!hosts.length) throw new Error(`${code}: hole not inside any outer ring`);
    hosts.sort((p, q) => Math.abs(ringArea(p[0])) - Math.abs(ringArea(q[0])));
    hosts[0].push(h.pts);
  }
  // Antimeridian: only rings without holes are split (true for Chukotka).
  const out = [];
  for (const poly of outers) {
    const xs = poly.flat().map(([x]) => x);
    if (Math.max(...xs) <= 180) {
      out.push(poly);
      continue;
    }
    if (poly.length > 1) throw new Error(`${code}: polygon with holes crosses 180, not handled`);
    for (const piece of splitAtAntimeridian(poly[0], code)) out.push([piece]);
  }
  return out;
}

// --- build ------------------------------------------------------------------
const features = [];
let closedRings = 0;
let holes = 0;
for (const s of subjects) {
  const { segs, closed } = readSubject(s.dcw);
  closedRings += closed;
  holes += segs.filter((g) => g.hole).length;
  features.push({ ...s, polygons: buildPolygons(s.dcw, segs) });
}

// Check points: each inside its own subject and no other.
const problems = [];
for (const f of features) {
  const hits = features.filter((g) => pointInPolygons(f.check, g.polygons)).map((g) => g.iso);
  if (hits.length !== 1 || hits[0] !== f.iso) {
    problems.push(`${f.iso} check point ${f.check_place} (${f.check_lat}, ${f.check_lon}) falls in [${hits}]`);
  }
}
if (problems.length) throw new Error(`code mapping check failed:\n${problems.join('\n')}`);

for (const f of features) {
  for (const poly of f.polygons) {
    for (const ring of poly) {
      for (const [x, y] of ring) {
        if (x < -180 || x > 180 || y < -90 || y > 90) throw new Error(`${f.iso}: coordinate out of range ${x} ${y}`);
      }
    }
  }
}

const vertices = writeShpShx(outBase, features);
const widths = writeDbf(outBase, ['iso', 'name_en', 'name_ru', 'type'], features);
writeSidecars(outBase);
const parts = features.reduce((n, f) => n + f.polygons.reduce((m, p) => m + p.length, 0), 0);
console.log(`ru_regions: ${features.length} records, ${parts} rings (${holes} holes), ${vertices} vertices ` +
  `(${closedRings} open DCW ring(s) closed; field widths ${widths.join('/')})`);
