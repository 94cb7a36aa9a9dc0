#!/usr/bin/env node
// Select the countries (Natural Earth 1:10m admin-0, via world-atlas
// countries-10m.json, already converted to GeoJSON by mapshaper) that have
// land inside the map context area, repair the antimeridian vertices, and
// write a GeoJSON that mapshaper then converts to Shapefile.
//
// Usage: node select-countries.js <countries-10m.geojson> <out.geojson> <country-names.tsv>
//
// Selection rule: keep a country if at least one of its vertices lies in
//   lon 10..180 or lon -180..-160, and lat 25..90
// (a generous box around Russia + Kazakhstan as seen in a Lambert conic
// centred near 85E), plus, explicitly:
//   - the USA (Alaska faces Chukotka; it is also caught by the box),
//   - Liechtenstein (just west of 10E, but enclosed by Switzerland and
//     Austria, which are kept, so leaving it out would leave a hole).
// Features whose geometry is empty are dropped (Vatican: world-atlas's
// quantization collapses it to a zero-area ring, mapshaper imports it as null).
//
// Antimeridian repair: Natural Earth cuts rings at +-180, so every ring lies on
// one side of it, but world-atlas 2.0.2 stores a few vertices of Russia's
// mainland and western Wrangel Island rings (which lie on the +179.x side)
// as -180 instead of +180, which a planar renderer would draw as
// a band across the whole map. A vertex at exactly +-180 is given the sign of
// the other vertices of its ring. No other coordinate is changed: no
// clipping, no simplification.
//
// Names: each kept country gets name_ru (Russian) and name_kk (Kazakh), both
// Cyrillic, from country-names.tsv (columns iso_n3, name, name_ru, name_kk).
// A row is matched by iso_n3, or by name for the units that Natural Earth
// gives no code (Baikonur, Kosovo, ...); its name must equal Natural Earth's.
// The script fails if a kept country has no row or an empty name, and if a
// row matches no kept country (a stale or misspelt row).
'use strict';
const fs = require('fs');

const [src, out, namesFile] = process.argv.slice(2);
if (!src || !out || !namesFile) {
  console.error('usage: select-countries.js <countries-10m.geojson> <out.geojson> <country-names.tsv>');
  process.exit(2);
}

// A data problem: say what is wrong (no stack trace) and exit 1.
function fail(problems) {
  console.error(`select-countries: ${problems.length} problem(s) with ${namesFile}:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}

// --- the name table -----------------------------------------------------------
const NAME_COLS = ['iso_n3', 'name', 'name_ru', 'name_kk'];
function readNames(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const problems = [];
  if (lines[0] !== NAME_COLS.join('\t')) {
    fail([`header must be ${NAME_COLS.join('<TAB>')}, is ${JSON.stringify(lines[0])}`]);
  }
  const byKey = new Map();
  lines.slice(1).forEach((l, i) => {
    const where = `line ${i + 2}`;
    const v = l.split('\t');
    if (v.length !== NAME_COLS.length) {
      problems.push(`${where}: ${v.length} columns, want ${NAME_COLS.length}: ${JSON.stringify(l)}`);
      return;
    }
    const row = Object.fromEntries(NAME_COLS.map((c, j) => [c, v[j]]));
    for (const c of NAME_COLS) {
      if (row[c] !== row[c].trim()) problems.push(`${where}: ${c} has leading/trailing blanks`);
    }
    if (!/^(\d{3})?$/.test(row.iso_n3)) problems.push(`${where}: bad iso_n3 ${JSON.stringify(row.iso_n3)}`);
    for (const c of ['name', 'name_ru', 'name_kk']) {
      if (row[c].trim() === '') problems.push(`${where}: empty ${c}`);
    }
    for (const c of ['name_ru', 'name_kk']) {
      if (row[c] !== '' && (/[A-Za-z]/.test(row[c]) || !/[\u0400-\u04FF]/.test(row[c]))) {
        problems.push(`${where}: ${c} ${JSON.stringify(row[c])} is not Cyrillic (or mixes in Latin letters)`);
      }
    }
    const key = row.iso_n3 ? `iso:${row.iso_n3}` : `name:${row.name}`;
    if (byKey.has(key)) problems.push(`${where}: duplicate ${key}`);
    byKey.set(key, { ...row, where });
  });
  if (problems.length) fail(problems);
  return byKey;
}
const names = readNames(namesFile);

const BOXES = [
  // [lonMin, lonMax, latMin, latMax]
  [10, 180, 25, 90],
  [-180, -160, 25, 90],
];
const ALWAYS = new Set([
  '840', // United States of America (Alaska)
  '438', // Liechtenstein (between Switzerland and Austria)
]);

const fc = JSON.parse(fs.readFileSync(src, 'utf8'));

function polygonsOf(geom) {
  if (!geom) return [];
  if (geom.type === 'Polygon') return [geom.coordinates];
  if (geom.type === 'MultiPolygon') return geom.coordinates;
  throw new Error(`unexpected geometry type ${geom.type}`);
}

function inBoxes([lon, lat]) {
  return BOXES.some(([x0, x1, y0, y1]) => lon >= x0 && lon <= x1 && lat >= y0 && lat <= y1);
}

let fixed = 0;
function fixRing(ring, label) {
  let pos = 0;
  let neg = 0;
  for (const [x] of ring) {
    if (x > -180 && x < 180) {
      if (x >= 0) pos++;
      else neg++;
    }
  }
  const sign = pos >= neg ? 180 : -180;
  for (const p of ring) {
    if (Math.abs(p[0]) === 180 && p[0] !== sign) {
      p[0] = sign;
      fixed++;
    }
  }
  let xmin = Infinity;
  let xmax = -Infinity;
  for (const [x] of ring) {
    xmin = Math.min(xmin, x);
    xmax = Math.max(xmax, x);
  }
  if (xmax - xmin > 180) {
    throw new Error(`${label}: ring spans ${xmin}..${xmax} even after the antimeridian repair`);
  }
}

const kept = [];
const dropped = [];
for (const f of fc.features) {
  const id = f.properties.iso_n3 == null ? '' : String(f.properties.iso_n3);
  const name = f.properties.name;
  const polys = polygonsOf(f.geometry);
  if (!polys.length) {
    // No geometry at all, so it cannot be placed; reported below.
    dropped.push(name);
    continue;
  }
  const hit = ALWAYS.has(id) || polys.some((poly) => poly.some((ring) => ring.some(inBoxes)));
  if (!hit) continue;
  for (const poly of polys) for (const ring of poly) fixRing(ring, name);
  kept.push({
    type: 'Feature',
    properties: { name, iso_n3: id },
    geometry: f.geometry,
  });
}

// --- join the names: every kept country needs a row, every row a country ------
{
  const problems = [];
  const used = new Set();
  for (const f of kept) {
    const { name, iso_n3: id } = f.properties;
    const key = id ? `iso:${id}` : `name:${name}`;
    const row = names.get(key);
    if (!row) {
      problems.push(`no name_ru/name_kk for ${id || '---'} ${name}: add a line ` +
        `"${id}<TAB>${name}<TAB><Russian><TAB><Kazakh>"`);
      continue;
    }
    used.add(key);
    if (row.name !== name) {
      problems.push(`${row.where}: name ${JSON.stringify(row.name)}, but Natural Earth calls ${id} ${JSON.stringify(name)}`);
    }
    f.properties.name_ru = row.name_ru;
    f.properties.name_kk = row.name_kk;
  }
  for (const [key, row] of names) {
    if (!used.has(key)) problems.push(`${row.where}: ${row.iso_n3 || '---'} ${row.name} is not a selected country`);
  }
  if (problems.length) fail(problems);
}

for (const must of ['643', '398', '840']) {
  if (!kept.some((f) => f.properties.iso_n3 === must)) throw new Error(`country ${must} not selected`);
}

fs.writeFileSync(out, JSON.stringify({ type: 'FeatureCollection', features: kept }));
console.log(`selected ${kept.length} of ${fc.features.length} countries ` +
  `(${fixed} antimeridian vertices repaired; features without geometry, not kept: ${dropped.join(', ') || 'none'}):`);
console.log(kept.map((f) => `${f.properties.iso_n3 || '---'} ${f.properties.name}`).join('\n'));
