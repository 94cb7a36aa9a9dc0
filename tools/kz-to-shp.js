#!/usr/bin/env node
// Writes shapes/kz_regions.* from the JSON that fit-kz-regions.py produces
// (one object per region: the TSV's columns plus polygons).
//
// Usage: node kz-to-shp.js <fitted.json> <out base>
'use strict';
const fs = require('fs');
const { writeShpShx, writeDbf, writeSidecars } = require('./lib/shapefile');

const [inFile, outBase] = process.argv.slice(2);
if (!outBase) {
  console.error('usage: kz-to-shp.js <fitted.json> <out base>');
  process.exit(2);
}
const features = JSON.parse(fs.readFileSync(inFile, 'utf8'));
if (features.length !== 17) throw new Error(`expected 17 regions, have ${features.length}`);
const vertices = writeShpShx(outBase, features);
const fields = ['hasc', 'name_en', 'name_ru', 'name_kk', 'centre_en', 'centre_ru', 'kind'];
const widths = writeDbf(outBase, fields, features);
writeSidecars(outBase);
const rings = features.reduce((n, f) => n + f.polygons.reduce((m, p) => m + p.length, 0), 0);
console.log(`kz_regions: ${features.length} records, ${rings} rings, ${vertices} vertices ` +
  `(field widths ${widths.join('/')})`);
