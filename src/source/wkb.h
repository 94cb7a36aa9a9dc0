/* Private: the one Well-Known Binary decoder (GeoPackage and PostGIS).
 *
 * Reads OGC/ISO WKB (type codes 1-7, +1000 Z, +2000 M, +3000 ZM) and
 * PostGIS EWKB (the 0x80000000 Z, 0x40000000 M and 0x20000000 SRID flags),
 * either byte order per geometry, all seven types: Point, LineString,
 * Polygon, MultiPoint, MultiLineString, MultiPolygon, GeometryCollection;
 * empty geometries (no rings, no points, a Point of NaN coordinates).
 * Z and M values are read past; x,y are kept.
 *
 * Hardened like the Shapefile reader: every count is checked against the
 * bytes left before anything is allocated from it (a count of N points
 * needs N * dims * 8 bytes), nesting stops at ST_WKB_MAX_DEPTH, every
 * coordinate must be finite, every ring closed with at least 4 points, and
 * trailing bytes after the geometry are an error. So memory is bounded by
 * the blob's size. */
#ifndef ST_WKB_H
#define ST_WKB_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "features.h"

#define ST_WKB_MAX_DEPTH 32

/* A decoded geometry: parts of one class (features.h), x,y interleaved. */
typedef struct st_wkb_geom {
    st_geom_type type; /* ST_GEOM_NONE when empty */
    uint32_t nparts;   /* rings, lines or points */
    uint32_t npoints;
    uint32_t *parts; /* nparts start indices into xy (point index) */
    double *xy;      /* 2 * npoints */
    int has_srid;    /* EWKB: an SRID was given */
    int32_t srid;
    uint32_t other_parts; /* parts of a GeometryCollection of another class than type, left out */
    uint32_t wkb_type;    /* the top-level base type code, 1-7 */
} st_wkb_geom;

typedef enum st_wkb_status { ST_WKB_OK = 0, ST_WKB_BAD, ST_WKB_NOMEM } st_wkb_status;

/* Decodes the n bytes at buf (all of them: trailing bytes are an error)
 * into *out, memory from arena: about 1.25 n bytes, whatever the counts say
 * (a scratch arena suits: copy what is kept). NULL arena: validate only,
 * out's arrays left NULL. On ST_WKB_BAD, why (whysz bytes) says what and at which
 * byte: "byte 9: 4294967295 points need 68719476720 bytes, 31 left". */
st_wkb_status st_wkb_decode(const unsigned char *buf, size_t n, st_arena *arena, st_wkb_geom *out, char *why,
                            size_t whysz);

/* Puts g's parts and points into f and computes f's bbox. */
void st_wkb_to_feature(const st_wkb_geom *g, st_feature *f);

#endif
