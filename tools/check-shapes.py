#!/usr/bin/env python3
"""Check the files in shapes/ (standard library only; needs no npm or gmt).

Usage: python3 tools/check-shapes.py [shapes-dir]

Checks both Shapefile sets (sidecar files, .prj, .cpg, record counts, field
names, valid UTF-8 text, ring orientation, coordinate ranges, antimeridian
handling, Moscow Oblast's hole, the 83 Russian subjects, every country's
name_ru/name_kk non-empty, Cyrillic and equal to tools/country-names.tsv)
and shapes/places.csv (header, values, each place inside its country).
Prints a summary; exits 1 on any failure.
"""
import csv
import os
import re
import struct
import sys

ESRI_WGS84 = ('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
              'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')
PLACES_HEADER = ['name', 'name_today', 'name_ru', 'name_kk', 'lat', 'lon', 'country', 'role', 'edition', 'year']
ROLES = {'host', 'corridor', 'other'}
COUNTRY_FIELDS = ['name', 'iso_n3', 'name_ru', 'name_kk']
# The hand-edited table that build-shapes.sh joins into countries.dbf.
COUNTRY_NAMES_TSV = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'country-names.tsv')
# Cyrillic (Russian and Kazakh letters), digits, space, hyphen, dot, parentheses.
CYRILLIC_NAME = re.compile(r'[\u0400-\u04FF0-9 .()\-]*[\u0400-\u04FF][\u0400-\u04FF0-9 .()\-]*')
SUBJECT_TYPES = {'oblast', 'krai', 'republic', 'federal city', 'autonomous okrug', 'autonomous oblast'}
# Countries that must be in countries.shp (ISO 3166-1 numeric).
REQUIRED_COUNTRIES = {
    '643': 'Russia', '398': 'Kazakhstan', '156': 'China', '496': 'Mongolia', '860': 'Uzbekistan',
    '795': 'Turkmenistan', '417': 'Kyrgyzstan', '762': 'Tajikistan', '004': 'Afghanistan', '364': 'Iran',
    '268': 'Georgia', '051': 'Armenia', '031': 'Azerbaijan', '792': 'Turkey', '804': 'Ukraine',
    '112': 'Belarus', '498': 'Moldova', '616': 'Poland', '642': 'Romania', '233': 'Estonia',
    '428': 'Latvia', '440': 'Lithuania', '246': 'Finland', '752': 'Sweden', '578': 'Norway',
    '208': 'Denmark', '392': 'Japan', '410': 'South Korea', '408': 'North Korea', '586': 'Pakistan',
    '356': 'India', '524': 'Nepal', '276': 'Germany', '840': 'United States of America',
}

# Inland points of Chukotka (lon, lat) on both sides of 180 E/W, including
# Wrangel Island, which 180 also cuts.
CHUKOTKA_POINTS = [(177.0, 65.0), (175.0, 67.0), (179.5, 66.0), (-177.0, 66.5), (-175.0, 67.0),
                   (-170.5, 66.0), (179.5, 71.2), (-179.5, 71.2)]
# How far (km) a place may lie outside its country's polygon in countries.shp:
# the 1:10m borders are generalised (e.g. Khorgos village lies 1.5 km from
# the Chinese border, on the Chinese side of Natural Earth's line).
PLACE_TOLERANCE_KM = 3.0

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
    return cond


def read_dbf(path):
    d = open(path, 'rb').read()
    n, hlen, rlen = struct.unpack('<IHH', d[4:12])
    fields = []
    o = 32
    while d[o] != 0x0D:
        name = d[o:o + 11].split(b'\0')[0].decode('ascii')
        fields.append((name, chr(d[o + 11]), d[o + 16], d[o + 17]))
        o += 32
    recs = []
    for i in range(n):
        r = d[hlen + i * rlen: hlen + (i + 1) * rlen]
        p = 1
        rec = {}
        for name, _t, w, _dec in fields:
            # errors='replace': a value cut inside a multi-byte character
            # shows up as U+FFFD, which check_set reports.
            rec[name] = r[p:p + w].decode('utf-8', errors='replace').strip(' \0')
            p += w
        recs.append(rec)
    return fields, recs


def read_shp(path):
    d = open(path, 'rb').read()
    code, = struct.unpack('>i', d[:4])
    flen, = struct.unpack('>i', d[24:28])
    check(code == 9994 and flen * 2 == len(d), f'{path}: bad header')
    recs = []
    pos = 100
    while pos < len(d):
        _num, ln = struct.unpack('>ii', d[pos:pos + 8])
        c = d[pos + 8:pos + 8 + ln * 2]
        pos += 8 + ln * 2
        st, = struct.unpack('<i', c[:4])
        if st == 0:
            recs.append(None)
            continue
        check(st == 5, f'{path}: shape type {st}, not polygon')
        nparts, npts = struct.unpack('<ii', c[36:44])
        parts = list(struct.unpack(f'<{nparts}i', c[44:44 + 4 * nparts])) + [npts]
        o = 44 + 4 * nparts
        xy = struct.unpack(f'<{2 * npts}d', c[o:o + 16 * npts])
        pts = list(zip(xy[0::2], xy[1::2]))
        recs.append([pts[parts[k]:parts[k + 1]] for k in range(nparts)])
    return recs


def area(r):
    return sum(r[i][0] * r[i + 1][1] - r[i + 1][0] * r[i][1] for i in range(len(r) - 1)) / 2


def pip(p, r):
    x, y = p
    ins = False
    j = len(r) - 1
    for i in range(len(r)):
        xi, yi = r[i]
        xj, yj = r[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            ins = not ins
        j = i
    return ins


def dist_km(p, rings):
    """Approximate distance (km) from point p to the nearest ring edge."""
    import math
    kx = 111.32 * math.cos(math.radians(p[1]))
    ky = 110.57
    best = float('inf')
    for r in rings:
        for (x1, y1), (x2, y2) in zip(r, r[1:]):
            ax, ay = (x1 - p[0]) * kx, (y1 - p[1]) * ky
            bx, by = (x2 - p[0]) * kx, (y2 - p[1]) * ky
            dx, dy = bx - ax, by - ay
            t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
            best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def inside(p, rings):
    """Point in a shapefile polygon record (even-odd over all its rings)."""
    return sum(1 for r in rings if pip(p, r)) % 2 == 1


def check_set(d, base, want_fields):
    for ext in ('shp', 'shx', 'dbf', 'prj', 'cpg'):
        check(os.path.exists(os.path.join(d, f'{base}.{ext}')), f'{base}.{ext} missing')
    prj = open(os.path.join(d, f'{base}.prj')).read().strip()
    check(prj == ESRI_WGS84, f'{base}.prj is not the ESRI WGS84 WKT: {prj}')
    cpg = open(os.path.join(d, f'{base}.cpg')).read().strip()
    check(cpg == 'UTF-8', f'{base}.cpg is {cpg!r}')
    shapes = read_shp(os.path.join(d, f'{base}.shp'))
    shx = open(os.path.join(d, f'{base}.shx'), 'rb').read()
    check((len(shx) - 100) // 8 == len(shapes), f'{base}.shx record count differs from .shp')
    fields, recs = read_dbf(os.path.join(d, f'{base}.dbf'))
    check([f[0] for f in fields] == want_fields, f'{base}.dbf fields {fields}, want {want_fields}')
    check(all(f[1] == 'C' for f in fields), f'{base}.dbf: non-character field {fields}')
    check(len(recs) == len(shapes), f'{base}: {len(recs)} dbf records, {len(shapes)} shapes')
    for rec in recs:
        check(not any('\ufffd' in v for v in rec.values()),
              f'{base}.dbf: invalid UTF-8 (a value cut by a too narrow field?) in {rec}')
    nverts = 0
    for rec, rings in zip(recs, shapes):
        label = f'{base} {rec}'
        if not check(rings, f'{label}: null geometry'):
            continue
        outers = [r for r in rings if area(r) < 0]
        holes = [r for r in rings if area(r) > 0]
        check(outers, f'{label}: no clockwise (outer) ring')
        for h in holes:
            check(any(pip(h[0], o) for o in outers), f'{label}: counter-clockwise ring not inside an outer ring')
        for r in rings:
            nverts += len(r)
            check(r[0] == r[-1] and len(r) >= 4, f'{label}: ring not closed')
            xs = [x for x, _ in r]
            ys = [y for _, y in r]
            check(-180 <= min(xs) and max(xs) <= 180 and -90 <= min(ys) and max(ys) <= 90,
                  f'{label}: coordinates out of range')
            check(max(xs) - min(xs) < 180, f'{label}: ring spans more than 180 degrees of longitude')
    return fields, recs, shapes, nverts


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'shapes')

    # --- countries -----------------------------------------------------------
    cf, crecs, cshapes, cverts = check_set(d, 'countries', COUNTRY_FIELDS)
    by_iso = {r['iso_n3']: s for r, s in zip(crecs, cshapes) if r['iso_n3']}
    for r in crecs:
        check(re.fullmatch(r'(\d{3})?', r['iso_n3']), f'countries: bad iso_n3 {r}')
        check(r.get('name'), f'countries: empty name {r}')
        for k in ('name_ru', 'name_kk'):
            v = r.get(k, '')
            if check(v, f'countries: empty {k} for {r.get("iso_n3") or "---"} {r.get("name")}'):
                check(CYRILLIC_NAME.fullmatch(v), f'countries: {k} {v!r} of {r.get("name")} is not Cyrillic')
    keys = [r['iso_n3'] or r['name'] for r in crecs]
    check(len(set(keys)) == len(keys), 'countries: duplicate iso_n3 (or name, where iso_n3 is empty)')
    # The names must be those of tools/country-names.tsv (catches a stale
    # countries.dbf after editing the table, and any truncation).
    if os.path.exists(COUNTRY_NAMES_TSV):
        with open(COUNTRY_NAMES_TSV, encoding='utf-8', newline='') as f:
            trows = list(csv.reader(f, delimiter='\t', quoting=csv.QUOTE_NONE))
        check(trows and trows[0] == ['iso_n3', 'name', 'name_ru', 'name_kk'],
              f'country-names.tsv header {trows[:1]}')
        table = {}
        for t in trows[1:]:
            if check(len(t) == 4, f'country-names.tsv: {len(t)} columns in {t}'):
                iso, name, ru, kk = t
                table[iso or name] = (name, ru, kk)
        dbf = {(r['iso_n3'] or r['name']): (r['name'], r.get('name_ru'), r.get('name_kk')) for r in crecs}
        for k in sorted(set(table) | set(dbf)):
            check(table.get(k) == dbf.get(k), f'countries.dbf and country-names.tsv differ for {k}: '
                  f'dbf {dbf.get(k)}, tsv {table.get(k)} (rerun tools/build-shapes.sh)')
    else:
        print(f'note: {COUNTRY_NAMES_TSV} not found, names not compared with it')
    for iso, name in REQUIRED_COUNTRIES.items():
        check(iso in by_iso, f'countries: {name} ({iso}) missing')
    ru = by_iso.get('643', [])
    xs = [x for r in ru for x, _ in r]
    check(xs and min(xs) < -169 and max(xs) > 179.9, 'countries: Russia does not reach both sides of 180')
    for p in CHUKOTKA_POINTS:
        check(inside(p, ru), f'countries: Chukotka point {p} not inside Russia')
    check(not inside((-150.0, 61.2), ru), 'countries: Alaska inside Russia')
    check(inside((-149.9, 61.2), by_iso.get('840', [])), 'countries: Anchorage not inside the USA')
    print(f'countries: {len(crecs)} records, {cverts} vertices, fields ' +
          ', '.join(f'{n} {t}({w})' for n, t, w, _ in cf))

    # --- ru_regions -----------------------------------------------------------
    rf, rrecs, rshapes, rverts = check_set(d, 'ru_regions', ['iso', 'name_en', 'name_ru', 'type'])
    check(len(rrecs) == 83, f'ru_regions: {len(rrecs)} records, want 83')
    isos = [r['iso'] for r in rrecs]
    check(len(set(isos)) == len(isos), 'ru_regions: duplicate iso')
    for r in rrecs:
        check(re.fullmatch(r'RU-[A-Z]{2,3}', r['iso']), f'ru_regions: bad iso {r}')
        check(r['type'] in SUBJECT_TYPES, f'ru_regions: bad type {r}')
        check(re.search('[А-Яа-яЁё]', r['name_ru']), f'ru_regions: name_ru not Cyrillic {r}')
        check(r['name_en'] and re.fullmatch(r"[A-Za-z() '\-–]+", r['name_en']), f'ru_regions: bad name_en {r}')
    reg = dict(zip(isos, rshapes))
    mos = reg.get('RU-MOS', [])
    mos_holes = [r for r in mos if area(r) > 0]
    check(mos_holes, 'ru_regions: Moscow Oblast has no hole')
    kremlin = (37.6176, 55.7520)
    check(inside(kremlin, reg.get('RU-MOW', [])) and not inside(kremlin, mos),
          'ru_regions: the Kremlin is not in Moscow (or is in Moscow Oblast)')
    chu_x = [x for r in reg.get('RU-CHU', []) for x, _ in r]
    check(chu_x and min(chu_x) < -169 and max(chu_x) > 179.9, 'ru_regions: Chukotka not on both sides of 180')
    for p in CHUKOTKA_POINTS:
        check(inside(p, reg.get('RU-CHU', [])), f'ru_regions: Chukotka point {p} not inside RU-CHU')
    types = {}
    for r in rrecs:
        types[r['type']] = types.get(r['type'], 0) + 1
    print(f'ru_regions: {len(rrecs)} records, {sum(len(s) for s in rshapes)} rings, {rverts} vertices, '
          f'Moscow Oblast holes: {len(mos_holes)}, types: {types}, fields ' +
          ', '.join(f'{n} {t}({w})' for n, t, w, _ in rf))

    # --- kz_regions -------------------------------------------------------------
    kf, krecs, kshapes, kverts = check_set(d, 'kz_regions',
                                           ['hasc', 'name_en', 'name_ru', 'name_kk', 'centre_en', 'centre_ru', 'kind'])
    check(len(krecs) == 17, f'kz_regions: {len(krecs)} records, want 17')
    hascs = [r['hasc'] for r in krecs]
    check(len(set(hascs)) == len(hascs), 'kz_regions: duplicate hasc')
    kinds = {}
    for r in krecs:
        check(re.fullmatch(r'KZ\.[A-Z]{2}|-99', r['hasc']), f'kz_regions: bad hasc {r}')
        for k in ('name_ru', 'name_kk', 'centre_ru'):
            check(re.search('[А-Яа-яЁё]', r[k]), f'kz_regions: {k} not Cyrillic {r}')
        kinds[r['kind']] = kinds.get(r['kind'], 0) + 1
    check(kinds == {'oblast': 14, 'city': 2, 'leased': 1}, f'kz_regions: kinds {kinds}')
    kz_by = {r['hasc']: s for r, s in zip(krecs, kshapes)}
    # Pavlodar city lies in Pavlodar Region; the Baikonur launch site in the lease.
    check(inside((76.9674, 52.2873), kz_by.get('KZ.PA', [])), 'kz_regions: Pavlodar not in KZ.PA')
    check(inside((63.3167, 45.6167), kz_by.get('-99', [])), 'kz_regions: Baikonur not in the lease (-99)')
    check(not inside((63.3167, 45.6167), kz_by.get('KZ.QO', [])), 'kz_regions: Baikonur inside Kyzylorda')
    print(f'kz_regions: {len(krecs)} records, {sum(len(s) for s in kshapes)} rings, {kverts} vertices, '
          f'kinds: {kinds}, fields ' + ', '.join(f'{n} {t}({w})' for n, t, w, _ in kf))

    # --- places.csv -------------------------------------------------------------
    country_shape = {'RU': by_iso.get('643', []), 'KZ': by_iso.get('398', []), 'CN': by_iso.get('156', [])}
    # Natural Earth maps the Baikonur lease area (Kazakh territory leased to
    # Russia) as its own unit without an ISO code.
    baikonur = [s for r, s in zip(crecs, cshapes) if r['name'] == 'Baikonur']
    with open(os.path.join(d, 'places.csv'), encoding='utf-8', newline='') as f:
        rows = list(csv.reader(f))
    check(rows and rows[0] == PLACES_HEADER, f'places.csv header {rows[:1]}')
    names = set()
    for row in rows[1:]:
        if not check(len(row) == len(PLACES_HEADER), f'places.csv: {len(row)} columns in {row}'):
            continue
        p = dict(zip(PLACES_HEADER, row))
        label = f"places.csv {p['name']}"
        check(p['name'] and p['name'] not in names, f'{label}: empty or duplicate name')
        names.add(p['name'])
        check(p['name_today'] != p['name'], f'{label}: name_today repeats name (leave it empty)')
        check(re.search('[А-Яа-яЁё]', p['name_ru']), f'{label}: name_ru not Cyrillic')
        check(p['country'] in country_shape, f'{label}: country {p["country"]}')
        roles = p['role'].split(';')
        check(roles and all(r in ROLES for r in roles) and len(set(roles)) == len(roles), f'{label}: role {p["role"]}')
        for k in ('edition', 'year'):
            check(re.fullmatch(r'\d*', p[k]), f'{label}: {k} {p[k]!r} not an integer')
        try:
            lat, lon = float(p['lat']), float(p['lon'])
        except ValueError:
            check(False, f'{label}: lat/lon not numbers')
            continue
        check(-90 <= lat <= 90 and -180 <= lon <= 180, f'{label}: lat/lon out of range')
        pt = (lon, lat)
        ok = inside(pt, country_shape.get(p['country'], []))
        if not ok and p['country'] == 'KZ':
            ok = any(inside(pt, s) for s in baikonur)
        if not ok:
            dk = dist_km(pt, country_shape.get(p['country'], []))
            if check(dk <= PLACE_TOLERANCE_KM,
                     f'{label}: ({lat}, {lon}) is {dk:.1f} km outside {p["country"]} in countries.shp'):
                print(f'note: {label} ({lat}, {lon}) lies {dk:.1f} km outside {p["country"]} '
                      f'in countries.shp (generalised 1:10m border)')
        if p['country'] == 'RU':
            where = [iso for iso, s in reg.items() if inside(pt, s)]
            check(len(where) == 1, f'{label}: in Russian subjects {where}')
    print(f'places.csv: {len(rows) - 1} places')

    if failures:
        print('FAILED:\n  ' + '\n  '.join(failures))
        sys.exit(1)
    print('all checks passed')


if __name__ == '__main__':
    main()
