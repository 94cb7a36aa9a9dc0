/* Derived layers and measurements: geodesic lengths, shared boundaries,
 * cover differences, and the pole of inaccessibility used to place polygon labels.
 *
 * Geodesics come from PROJ's geodesic.h (C. F. F. Karney, "Algorithms for
 * geodesics", J. Geodesy 87, 2013) on WGS84. Shared boundaries come from
 * GEOS through its reentrant C API, one context handle per call, with its
 * messages captured rather than printed: exactly, as the intersection of the
 * two sides' boundaries (right for topologically clean data such as
 * TopoJSON-derived borders, whose neighbours share vertices), else within a
 * small tolerance for neighbours digitised separately. */
#include "derive.h"
#include "grow.h"

#include "dynlib.h"
#include "generalize.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *st_derive_loc_prefix(st_loc loc, char *buf, size_t size)
{
    if (!loc.file)
        return "";
    snprintf(buf, size, "%s:%d:%d: ", loc.file, loc.line, loc.col);
    return buf;
}

/* ---- geodesic lengths ------------------------------------------------------ */

double st_geod_polyline_km(const double *xy, size_t n)
{
    struct geod_geodesic g;
    double m = 0;
    geod_init(&g, ST_WGS84_A, ST_WGS84_F);
    for (size_t i = 1; i < n; i++) {
        double s12 = 0;
        geod_inverse(&g, xy[2 * i - 1], xy[2 * i - 2], xy[2 * i + 1], xy[2 * i], &s12, NULL, NULL);
        m += s12;
    }
    return m / 1000;
}

double st_geod_length_km(const st_featureset *fs)
{
    double km = 0;
    if (fs->type != ST_GEOM_LINE && fs->type != ST_GEOM_POLYGON)
        return 0;
    for (size_t i = 0; i < fs->n; i++) {
        const st_feature *f = &fs->feat[i];
        for (uint32_t k = 0; k < f->nparts; k++) {
            uint32_t a = st_part_begin(f, k);
            uint32_t b = st_part_end(f, k);
            if (b > a)
                km += st_geod_polyline_km(f->xy + 2 * (size_t)a, b - a);
        }
    }
    return km;
}

/* ---- shared boundaries ------------------------------------------------------ */

typedef struct geos_env {
    GEOSContextHandle_t h;
    char msg[512];
} geos_env;

static void geos_capture(const char *message, void *user)
{
    geos_env *env = user;
    snprintf(env->msg, sizeof env->msg, "%s", message);
}

static void geos_ignore(const char *message, void *user)
{
    (void)message;
    (void)user;
}

/* One ring of a feature, for deciding which rings are holes. */
typedef struct ring_info {
    const double *xy;
    size_t n;
    double area; /* absolute */
    double bbox[4];
    int parent; /* smallest ring containing this one, -1 if none */
    int depth;  /* rings containing this one */
} ring_info;

static bool on_segment(double x, double y, double ax, double ay, double bx, double by)
{
    double cross = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
    if (cross != 0)
        return false;
    return x >= fmin(ax, bx) && x <= fmax(ax, bx) && y >= fmin(ay, by) && y <= fmax(ay, by);
}

/* Even-odd point-in-ring test; 0 outside, 1 inside, -1 on the boundary. */
static int ring_contains(const ring_info *r, double x, double y)
{
    bool inside = false;
    for (size_t i = 0, j = r->n - 1; i < r->n; j = i++) {
        double ax = r->xy[2 * i];
        double ay = r->xy[2 * i + 1];
        double bx = r->xy[2 * j];
        double by = r->xy[2 * j + 1];
        if (on_segment(x, y, ax, ay, bx, by))
            return -1;
        if ((ay > y) != (by > y) && x < (bx - ax) * (y - ay) / (by - ay) + ax)
            inside = !inside;
    }
    return inside;
}

/* Whether ring inner lies inside ring outer, judged at its first vertex not
 * on outer's boundary (rings of valid data may touch at vertices). */
static bool ring_inside(const ring_info *outer, const ring_info *inner)
{
    if (inner->bbox[0] < outer->bbox[0] || inner->bbox[1] < outer->bbox[1] ||
        inner->bbox[2] > outer->bbox[2] || inner->bbox[3] > outer->bbox[3])
        return false;
    for (size_t i = 0; i < inner->n; i++) {
        int c = ring_contains(outer, inner->xy[2 * i], inner->xy[2 * i + 1]);
        if (c >= 0)
            return c == 1;
    }
    /* every vertex on the boundary: the same ring traced twice */
    return false;
}

static GEOSGeometry *make_ring(geos_env *env, const ring_info *r)
{
    bool closed = r->xy[0] == r->xy[2 * r->n - 2] && r->xy[1] == r->xy[2 * r->n - 1];
    size_t n = closed ? r->n : r->n + 1;
    GEOSCoordSequence *seq = GEOSCoordSeq_create_r(env->h, (unsigned)n, 2);
    if (!seq)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t k = i < r->n ? i : 0;
        GEOSCoordSeq_setXY_r(env->h, seq, (unsigned)i, r->xy[2 * k], r->xy[2 * k + 1]);
    }
    return GEOSGeom_createLinearRing_r(env->h, seq);
}

/* Appends the polygons of f (rings nested by even-odd depth, as the fill
 * rule draws them, whatever their orientation) to geoms. Returns false on a
 * GEOS failure. */
static bool feature_polygons(geos_env *env, const st_feature *f, GEOSGeometry ***geoms, size_t *ngeoms,
                             size_t *cap)
{
    bool ok = false;
    ring_info *rings = calloc(f->nparts ? f->nparts : 1, sizeof *rings);
    GEOSGeometry **holes = calloc(f->nparts ? f->nparts : 1, sizeof *holes);
    size_t nr = 0;
    if (!rings || !holes)
        goto done;
    for (uint32_t k = 0; k < f->nparts; k++) {
        uint32_t a = st_part_begin(f, k);
        uint32_t b = st_part_end(f, k);
        if (b <= a || b - a < 3)
            continue;
        ring_info *r = &rings[nr];
        r->xy = f->xy + 2 * (size_t)a;
        r->n = b - a;
        r->bbox[0] = r->bbox[1] = HUGE_VAL;
        r->bbox[2] = r->bbox[3] = -HUGE_VAL;
        double s = 0;
        for (size_t i = 0, j = r->n - 1; i < r->n; j = i++) {
            s += r->xy[2 * j] * r->xy[2 * i + 1] - r->xy[2 * i] * r->xy[2 * j + 1];
            r->bbox[0] = st_min(r->bbox[0], r->xy[2 * i]);
            r->bbox[1] = st_min(r->bbox[1], r->xy[2 * i + 1]);
            r->bbox[2] = st_max(r->bbox[2], r->xy[2 * i]);
            r->bbox[3] = st_max(r->bbox[3], r->xy[2 * i + 1]);
        }
        r->area = fabs(s) / 2;
        if (r->area > 0)
            nr++;
    }
    for (size_t j = 0; j < nr; j++) {
        rings[j].parent = -1;
        for (size_t i = 0; i < nr; i++) {
            bool larger = rings[i].area > rings[j].area || (rings[i].area == rings[j].area && i < j);
            if (i == j || !larger || !ring_inside(&rings[i], &rings[j]))
                continue;
            rings[j].depth++;
            if (rings[j].parent < 0 || rings[i].area < rings[rings[j].parent].area)
                rings[j].parent = (int)i;
        }
    }
    for (size_t i = 0; i < nr; i++) {
        if (rings[i].depth % 2 != 0)
            continue;
        GEOSGeometry *shell = make_ring(env, &rings[i]);
        if (!shell)
            goto done;
        unsigned nh = 0;
        for (size_t j = 0; j < nr; j++) {
            if (rings[j].parent != (int)i || rings[j].depth % 2 == 0)
                continue;
            holes[nh] = make_ring(env, &rings[j]);
            if (!holes[nh]) {
                for (unsigned q = 0; q < nh; q++)
                    GEOSGeom_destroy_r(env->h, holes[q]);
                GEOSGeom_destroy_r(env->h, shell);
                goto done;
            }
            nh++;
        }
        GEOSGeometry *poly = GEOSGeom_createPolygon_r(env->h, shell, holes, nh);
        if (!poly)
            goto done;
        if (*ngeoms == *cap) {
            size_t ncap = *cap ? 2 * *cap : 16;
            GEOSGeometry **g = realloc(*geoms, ncap * sizeof *g);
            if (!g) {
                GEOSGeom_destroy_r(env->h, poly);
                goto done;
            }
            *geoms = g;
            *cap = ncap;
        }
        (*geoms)[(*ngeoms)++] = poly;
    }
    ok = true;
done:
    free(holes);
    free(rings);
    return ok;
}

/* Appends clones of the polygons in g (of any type) to list. */
static bool push_polygons(geos_env *env, const GEOSGeometry *g, GEOSGeometry ***list, size_t *n, size_t *cap)
{
    int type = GEOSGeomTypeId_r(env->h, g);
    if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        int k = GEOSGetNumGeometries_r(env->h, g);
        for (int i = 0; i < k; i++) {
            if (!push_polygons(env, GEOSGetGeometryN_r(env->h, g, i), list, n, cap))
                return false;
        }
        return true;
    }
    if (type != GEOS_POLYGON || GEOSisEmpty_r(env->h, g))
        return true;
    if (*n == *cap) {
        size_t ncap = *cap ? 2 * *cap : 16;
        GEOSGeometry **v = realloc(*list, ncap * sizeof *v);
        if (!v)
            return false;
        *list = v;
        *cap = ncap;
    }
    GEOSGeometry *c = GEOSGeom_clone_r(env->h, g);
    if (!c)
        return false;
    (*list)[(*n)++] = c;
    return true;
}

/* Repairs a polygon GEOS finds invalid (self-touching rings are common in
 * generalised data), keeping only areas. Takes ownership of g. */
static GEOSGeometry *make_valid(geos_env *env, GEOSGeometry *g)
{
    if (!g || GEOSisValid_r(env->h, g) == 1)
        return g;
    GEOSMakeValidParams *params = GEOSMakeValidParams_create_r(env->h);
    GEOSGeometry *valid = NULL;
    if (params && GEOSMakeValidParams_setMethod_r(env->h, params, GEOS_MAKE_VALID_STRUCTURE) &&
        GEOSMakeValidParams_setKeepCollapsed_r(env->h, params, 0))
        valid = GEOSMakeValidWithParams_r(env->h, g, params);
    GEOSMakeValidParams_destroy_r(env->h, params);
    GEOSGeom_destroy_r(env->h, g);
    return valid;
}

/* The area covered by the features of polys matching filter, within rect
 * (xmin, ymin, xmax, ymax), as a valid Polygon or MultiPolygon: the union
 * when several features match. Only the part within rect matters to the
 * shared boundary, and clipping first keeps the overlay small (a country's
 * whole coastline need not be noded against its neighbour). NULL on a GEOS
 * failure (env->msg says why). */
static GEOSGeometry *side_area(geos_env *env, const st_featureset *polys, const st_filter *filter,
                               const double rect[4], size_t matched)
{
    GEOSGeometry **raw = NULL;
    size_t nraw = 0;
    size_t capraw = 0;
    GEOSGeometry **flat = NULL;
    size_t nflat = 0;
    size_t capflat = 0;
    GEOSGeometry *result = NULL;
    bool ok = true;
    for (size_t i = 0; ok && i < polys->n; i++) {
        if (st_filter_match(filter, polys, &polys->feat[i]))
            ok = feature_polygons(env, &polys->feat[i], &raw, &nraw, &capraw);
    }
    for (size_t i = 0; ok && i < nraw; i++) {
        GEOSGeometry *clipped = GEOSClipByRect_r(env->h, raw[i], rect[0], rect[1], rect[2], rect[3]);
        if (!clipped) {
            /* rectangle clipping wants valid input: repair, then clip */
            env->msg[0] = '\0';
            raw[i] = make_valid(env, raw[i]);
            clipped = raw[i] ? GEOSClipByRect_r(env->h, raw[i], rect[0], rect[1], rect[2], rect[3]) : NULL;
        }
        clipped = make_valid(env, clipped);
        ok = clipped && push_polygons(env, clipped, &flat, &nflat, &capflat);
        GEOSGeom_destroy_r(env->h, clipped);
    }
    if (ok) {
        GEOSGeometry *multi = GEOSGeom_createCollection_r(env->h, GEOS_MULTIPOLYGON, flat, (unsigned)nflat);
        if (multi) {
            nflat = 0; /* owned by multi now */
            if (matched > 1) {
                result = GEOSUnaryUnion_r(env->h, multi);
                GEOSGeom_destroy_r(env->h, multi);
            } else {
                result = multi;
            }
        }
    }
    for (size_t i = 0; i < nflat; i++)
        GEOSGeom_destroy_r(env->h, flat[i]);
    for (size_t i = 0; i < nraw; i++)
        GEOSGeom_destroy_r(env->h, raw[i]);
    free(flat);
    free(raw);
    if (!result && !env->msg[0])
        snprintf(env->msg, sizeof env->msg, "out of memory");
    return result;
}

/* Counts the features matching filter and the bbox of their coordinates. */
static size_t side_bbox(const st_featureset *polys, const st_filter *filter, double bbox[4])
{
    size_t matched = 0;
    bbox[0] = bbox[1] = HUGE_VAL;
    bbox[2] = bbox[3] = -HUGE_VAL;
    for (size_t i = 0; i < polys->n; i++) {
        const st_feature *f = &polys->feat[i];
        if (!st_filter_match(filter, polys, f))
            continue;
        matched++;
        for (uint32_t k = 0; k < f->npoints; k++) {
            bbox[0] = st_min(bbox[0], f->xy[2 * k]);
            bbox[1] = st_min(bbox[1], f->xy[2 * k + 1]);
            bbox[2] = st_max(bbox[2], f->xy[2 * k]);
            bbox[3] = st_max(bbox[3], f->xy[2 * k + 1]);
        }
    }
    return matched;
}

static bool has_lines(geos_env *env, const GEOSGeometry *g)
{
    int type = GEOSGeomTypeId_r(env->h, g);
    if (type == GEOS_LINESTRING)
        return !GEOSisEmpty_r(env->h, g);
    if (type == GEOS_MULTILINESTRING || type == GEOS_GEOMETRYCOLLECTION) {
        int n = GEOSGetNumGeometries_r(env->h, g);
        for (int i = 0; i < n; i++) {
            if (has_lines(env, GEOSGetGeometryN_r(env->h, g, i)))
                return true;
        }
    }
    return false;
}

/* Appends every LineString of g to out as one feature each. */
static steppe_status_t collect_lines(geos_env *env, const GEOSGeometry *g, double min_len, st_arena *arena,
                                     st_featureset *out)
{
    int type = GEOSGeomTypeId_r(env->h, g);
    if (type == GEOS_MULTILINESTRING || type == GEOS_GEOMETRYCOLLECTION) {
        int n = GEOSGetNumGeometries_r(env->h, g);
        for (int i = 0; i < n; i++) {
            steppe_status_t st = collect_lines(env, GEOSGetGeometryN_r(env->h, g, i), min_len, arena, out);
            if (st != STEPPE_OK)
                return st;
        }
        return STEPPE_OK;
    }
    if (type != GEOS_LINESTRING || GEOSisEmpty_r(env->h, g))
        return STEPPE_OK;
    const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(env->h, g);
    unsigned size = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(env->h, seq, &size) || size < 2)
        return STEPPE_OK;
    double len = 0;
    if (min_len > 0 && (!GEOSLength_r(env->h, g, &len) || len < min_len))
        return STEPPE_OK;
    st_feature *f = st_featureset_add(out, arena);
    double *xy = st_arena_alloc(arena, 2 * (size_t)size * sizeof(double));
    uint32_t *parts = st_arena_calloc(arena, 1, sizeof(uint32_t));
    const char **attrs = st_arena_calloc(arena, 1, sizeof(char *));
    if (!f || !xy || !parts || !attrs)
        return STEPPE_ERR_NOMEM;
    if (!GEOSCoordSeq_copyToBuffer_r(env->h, seq, xy, 0, 0))
        return STEPPE_ERR_RENDER;
    f->record = (uint32_t)(out->n - 1);
    f->nparts = 1;
    f->npoints = size;
    f->parts = parts;
    f->xy = xy;
    f->attrs = attrs;
    st_feature_update_bbox(f);
    out->source_vertices += size;
    return STEPPE_OK;
}

/* The boundary of the area of one side within rect, as lines clipped to
 * the smaller rect lines: the cuts that clipping the polygons made lie
 * outside lines, so no side has edges that are not its own. */
static GEOSGeometry *side_lines(geos_env *env, const st_featureset *polys, const st_filter *filter,
                                const double rect[4], const double lines[4], size_t matched)
{
    GEOSGeometry *area = side_area(env, polys, filter, rect, matched);
    GEOSGeometry *boundary = area ? GEOSBoundary_r(env->h, area) : NULL;
    GEOSGeometry *clipped =
        boundary ? GEOSClipByRect_r(env->h, boundary, lines[0], lines[1], lines[2], lines[3]) : NULL;
    GEOSGeom_destroy_r(env->h, boundary);
    GEOSGeom_destroy_r(env->h, area);
    return clipped;
}

/* ---- edges the two sides have in common, exactly ----------------------
 *
 * Neighbours cut from one topology (Natural Earth's countries, any
 * dataset built with shared edges) have their border as the same
 * segments on both sides, vertex for vertex. GEOS's overlay is slowest on
 * exactly that input: every segment overlaps its twin, and the noding and
 * edge merging of two 2,000-vertex copies of the Russia–Kazakhstan border
 * took 9 ms. So the segments of side a found, endpoints equal, among side
 * b's are taken as shared as they are, and only a's other segments go to
 * GEOS, to find what they share with b in part. Together these are the
 * intersection GEOS gives of the whole boundaries. */

typedef struct seg_key {
    double ax, ay, bx, by; /* endpoints in lexicographic order */
} seg_key;

static seg_key seg_key_of(const double *p, const double *q)
{
    bool swap = q[0] < p[0] || (q[0] == p[0] && q[1] < p[1]);
    const double *u = swap ? q : p, *v = swap ? p : q;
    return (seg_key){u[0], u[1], v[0], v[1]};
}

static uint64_t seg_hash(const seg_key *k)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    const double v[4] = {k->ax, k->ay, k->bx, k->by};
    for (int i = 0; i < 4; i++) {
        uint64_t bits;
        double d = v[i] == 0 ? 0 : v[i]; /* -0 and +0 are the same point */
        memcpy(&bits, &d, sizeof bits);
        h ^= bits + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
        h *= 0xbf58476d1ce4e5b9ULL;
    }
    return h ^ (h >> 31);
}

typedef struct seg_set {
    seg_key *keys;
    bool *used;
    size_t cap; /* power of two */
} seg_set;

static bool seg_equal(const seg_key *a, const seg_key *b)
{
    return a->ax == b->ax && a->ay == b->ay && a->bx == b->bx && a->by == b->by;
}

static void seg_insert(seg_set *s, const seg_key *k)
{
    size_t h = seg_hash(k) & (s->cap - 1);
    while (s->used[h]) {
        if (seg_equal(&s->keys[h], k))
            return;
        h = (h + 1) & (s->cap - 1);
    }
    s->used[h] = true;
    s->keys[h] = *k;
}

static bool seg_has(const seg_set *s, const seg_key *k)
{
    size_t h = seg_hash(k) & (s->cap - 1);
    while (s->used[h]) {
        if (seg_equal(&s->keys[h], k))
            return true;
        h = (h + 1) & (s->cap - 1);
    }
    return false;
}

/* Calls fn for each ring of the features matching filter that
 * feature_rings() would build (non-zero area, bbox meeting rect). */
typedef bool (*ring_fn)(void *user, const double *xy, size_t m, bool closed);

static bool each_ring(const st_featureset *polys, const st_filter *filter, const double rect[4], ring_fn fn,
                      void *user)
{
    for (size_t i = 0; i < polys->n; i++) {
        const st_feature *f = &polys->feat[i];
        if (!st_filter_match(filter, polys, f))
            continue;
        for (uint32_t k = 0; k < f->nparts; k++) {
            uint32_t a = st_part_begin(f, k);
            uint32_t b = st_part_end(f, k);
            if (b <= a || b - a < 3)
                continue;
            const double *xy = f->xy + 2 * (size_t)a;
            size_t m = b - a;
            double bb[4] = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
            double s = 0;
            for (size_t p = 0, q = m - 1; p < m; q = p++) {
                s += xy[2 * q] * xy[2 * p + 1] - xy[2 * p] * xy[2 * q + 1];
                bb[0] = xy[2 * p] < bb[0] ? xy[2 * p] : bb[0];
                bb[1] = xy[2 * p + 1] < bb[1] ? xy[2 * p + 1] : bb[1];
                bb[2] = xy[2 * p] > bb[2] ? xy[2 * p] : bb[2];
                bb[3] = xy[2 * p + 1] > bb[3] ? xy[2 * p + 1] : bb[3];
            }
            if (s == 0 || bb[2] < rect[0] || bb[0] > rect[2] || bb[3] < rect[1] || bb[1] > rect[3])
                continue;
            bool closed = xy[0] == xy[2 * m - 2] && xy[1] == xy[2 * m - 1];
            if (!fn(user, xy, m, closed))
                return false;
        }
    }
    return true;
}

typedef struct split_state {
    geos_env *env;
    seg_set set;
    size_t count;
    /* a's runs of segments: [0] found in b, [1] not */
    GEOSGeometry **runs[2];
    size_t nruns[2], cap[2];
} split_state;

static bool count_ring(void *user, const double *xy, size_t m, bool closed)
{
    (void)xy;
    split_state *ss = user;
    ss->count += closed ? m - 1 : m;
    return true;
}

static bool insert_ring(void *user, const double *xy, size_t m, bool closed)
{
    split_state *ss = user;
    size_t nseg = closed ? m - 1 : m;
    for (size_t p = 0; p < nseg; p++) {
        seg_key k = seg_key_of(xy + 2 * p, xy + 2 * ((p + 1) % m));
        seg_insert(&ss->set, &k);
    }
    return true;
}

/* Appends the line through points i0..i1 of a ring of m points (indices
 * modulo m) to runs[which]. */
static bool push_run(split_state *ss, int which, const double *xy, size_t m, size_t i0, size_t i1)
{
    geos_env *env = ss->env;
    size_t np = i1 - i0 + 1;
    GEOSCoordSequence *seq = NULL;
    if (i1 < m) {
        seq = GEOSCoordSeq_copyFromBuffer_r(env->h, xy + 2 * i0, (unsigned)np, 0, 0);
    } else {
        seq = GEOSCoordSeq_create_r(env->h, (unsigned)np, 2);
        for (size_t p = 0; seq && p < np; p++) {
            size_t t = (i0 + p) % m;
            GEOSCoordSeq_setXY_r(env->h, seq, (unsigned)p, xy[2 * t], xy[2 * t + 1]);
        }
    }
    GEOSGeometry *line = seq ? GEOSGeom_createLineString_r(env->h, seq) : NULL;
    if (line && ss->nruns[which] == ss->cap[which]) {
        size_t ncap = ss->cap[which] ? 2 * ss->cap[which] : 16;
        GEOSGeometry **g = realloc(ss->runs[which], ncap * sizeof *g);
        if (g) {
            ss->runs[which] = g;
            ss->cap[which] = ncap;
        }
    }
    if (!line || ss->nruns[which] == ss->cap[which]) {
        if (line)
            GEOSGeom_destroy_r(env->h, line);
        return false;
    }
    ss->runs[which][ss->nruns[which]++] = line;
    return true;
}

static bool split_ring(void *user, const double *xy, size_t m, bool closed)
{
    split_state *ss = user;
    size_t nseg = closed ? m - 1 : m;
    /* Segment p joins point p to p + 1 (mod m); runs of equal kind. */
    size_t start = 0;
    int kind = -1;
    for (size_t p = 0; p <= nseg; p++) {
        int k = -1;
        if (p < nseg) {
            seg_key key = seg_key_of(xy + 2 * p, xy + 2 * ((p + 1) % m));
            k = seg_has(&ss->set, &key) ? 0 : 1;
        }
        if (k == kind)
            continue;
        if (kind >= 0 && !push_run(ss, kind, xy, m, start, p))
            return false;
        start = p;
        kind = k;
    }
    return true;
}

static void split_free(split_state *ss)
{
    for (int w = 0; w < 2; w++) {
        for (size_t i = 0; i < ss->nruns[w]; i++)
            GEOSGeom_destroy_r(ss->env->h, ss->runs[w][i]);
        free(ss->runs[w]);
    }
    free(ss->set.keys);
    free(ss->set.used);
}

static GEOSGeometry *take_runs(split_state *ss, int which)
{
    GEOSGeometry *g = GEOSGeom_createCollection_r(ss->env->h, GEOS_MULTILINESTRING, ss->runs[which],
                                                  (unsigned)ss->nruns[which]);
    if (g)
        ss->nruns[which] = 0; /* owned by g now */
    return g;
}

static bool whole_ring(void *user, const double *xy, size_t m, bool closed)
{
    /* A ring stored open gets its closing point back (index m is 0). */
    return push_run(user, 0, xy, m, 0, closed ? m - 1 : m);
}

/* The boundary of one feature, clipped to lines[]: its rings as lines.
 * When a side is a single feature, its boundary is exactly its rings
 * (those of non-zero area, as side_area() keeps them), so the polygons
 * need not be built, nested, repaired and unioned first — on the forum
 * map that was two thirds of the derivation. Rings whose bbox misses the
 * rectangle (Russia's Arctic islands) are not built at all. NULL on a GEOS
 * failure. */
static GEOSGeometry *feature_rings(geos_env *env, const st_featureset *polys, const st_filter *filter,
                                   const double lines[4])
{
    split_state ss = {.env = env};
    GEOSGeometry *result = NULL;
    GEOSGeometry *multi = each_ring(polys, filter, lines, whole_ring, &ss) ? take_runs(&ss, 0) : NULL;
    if (multi)
        result = GEOSClipByRect_r(env->h, multi, lines[0], lines[1], lines[2], lines[3]);
    GEOSGeom_destroy_r(env->h, multi);
    split_free(&ss);
    if (!result && !env->msg[0])
        snprintf(env->msg, sizeof env->msg, "out of memory");
    return result;
}

/* Appends the lines of g (clones; points and empty lines left out) to
 * runs[0] of ss. */
static bool append_lines(split_state *ss, const GEOSGeometry *g)
{
    geos_env *env = ss->env;
    int type = GEOSGeomTypeId_r(env->h, g);
    if (type == GEOS_MULTILINESTRING || type == GEOS_GEOMETRYCOLLECTION) {
        int n = GEOSGetNumGeometries_r(env->h, g);
        for (int i = 0; i < n; i++) {
            if (!append_lines(ss, GEOSGetGeometryN_r(env->h, g, i)))
                return false;
        }
        return true;
    }
    if (type != GEOS_LINESTRING || GEOSisEmpty_r(env->h, g))
        return true;
    GEOSGeometry *line = GEOSGeom_clone_r(env->h, g);
    if (line && ss->nruns[0] == ss->cap[0]) {
        size_t ncap = ss->cap[0] ? 2 * ss->cap[0] : 16;
        GEOSGeometry **arr = realloc(ss->runs[0], ncap * sizeof *arr);
        if (arr) {
            ss->runs[0] = arr;
            ss->cap[0] = ncap;
        }
    }
    if (!line || ss->nruns[0] == ss->cap[0]) {
        if (line)
            GEOSGeom_destroy_r(env->h, line);
        return false;
    }
    ss->runs[0][ss->nruns[0]++] = line;
    return true;
}

/* The intersection of side a's and side b's boundaries within rect when
 * both sides are single features: the segments of a that b has too, as
 * they are, with what GEOS finds b shares with a's other segments (lb:
 * b's rings as feature_rings() makes them), as one multilinestring. NULL
 * on a GEOS failure or when out of memory (env->msg says which). */
static GEOSGeometry *exact_intersection(geos_env *env, const st_featureset *polys, const st_filter *a,
                                        const st_filter *b, const double rect[4], const GEOSGeometry *lb)
{
    split_state ss = {.env = env};
    GEOSGeometry *result = NULL, *rest = NULL, *other = NULL, *part = NULL;
    each_ring(polys, b, rect, count_ring, &ss);
    size_t cap = 64;
    while (cap < 2 * ss.count + 2)
        cap *= 2;
    ss.set.cap = cap;
    ss.set.keys = malloc(cap * sizeof *ss.set.keys);
    ss.set.used = calloc(cap, sizeof *ss.set.used);
    if (!ss.set.keys || !ss.set.used || !each_ring(polys, b, rect, insert_ring, &ss) ||
        !each_ring(polys, a, rect, split_ring, &ss))
        goto done;
    rest = take_runs(&ss, 1);
    other = rest ? GEOSClipByRect_r(env->h, rest, rect[0], rect[1], rect[2], rect[3]) : NULL;
    if (!other)
        goto done;
    if (!GEOSisEmpty_r(env->h, other)) {
        part = GEOSIntersection_r(env->h, other, lb);
        if (!part || !append_lines(&ss, part))
            goto done;
    }
    result = take_runs(&ss, 0);
done:
    GEOSGeom_destroy_r(env->h, part);
    GEOSGeom_destroy_r(env->h, other);
    GEOSGeom_destroy_r(env->h, rest);
    split_free(&ss);
    if (!result && !env->msg[0])
        snprintf(env->msg, sizeof env->msg, "out of memory");
    return result;
}

steppe_status_t st_derive_shared_boundary(steppe_ctx_t *ctx, const st_featureset *polys, const st_filter *a,
                                          const st_filter *b, st_loc loc, st_arena *arena, st_featureset *out)
{
    steppe_status_t st = STEPPE_OK;
    geos_env env = {0};
    GEOSGeometry *la = NULL;
    GEOSGeometry *lb = NULL;
    GEOSGeometry *shared = NULL;
    GEOSGeometry *zone = NULL;
    GEOSGeometry *merged = NULL;
    char where[1200];
    const char *pre = st_derive_loc_prefix(loc, where, sizeof where);
    const char *path = polys->path ? polys->path : "the layer";

    st_featureset_derived(out, ST_GEOM_LINE, polys);
    if (polys->type != ST_GEOM_POLYGON)
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%sshared-boundary needs polygons, but %s has none", pre,
                        path);
    st = st_ctx_load_geos(ctx);
    if (st == STEPPE_OK)
        st = st_ctx_load_proj(ctx);
    if (st != STEPPE_OK)
        return st;
    env.h = GEOS_init_r();
    if (!env.h)
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: cannot start GEOS", path);
    GEOSContext_setErrorMessageHandler_r(env.h, geos_capture, &env);
    GEOSContext_setNoticeMessageHandler_r(env.h, geos_ignore, NULL);

    const st_filter *sides[2] = {a, b};
    double box[2][4];
    size_t matched[2];
    double mag = 0;
    for (int s = 0; s < 2; s++) {
        matched[s] = side_bbox(polys, sides[s], box[s]);
        if (matched[s] == 0) {
            st = st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%sshared-boundary side %c matches no feature in %s",
                          pre, s ? 'b' : 'a', path);
            goto done;
        }
        for (int k = 0; k < 4; k++)
            mag = isfinite(box[s][k]) ? fmax(mag, fabs(box[s][k])) : mag;
    }
    /* tol: how far apart two digitisations of one border may lie and still
     * count as shared — about 20 m whether the unit is 1° or 1 m, i.e. one
     * part in a million of the coordinates' magnitude. */
    const double tol = 1e-6 * fmax(mag, 1.0);
    /* A shared boundary lies where both sides' bboxes overlap: polygons are
     * clipped to that overlap widened by 3·tol, their boundaries to it
     * widened by 2·tol. */
    double r[4] = {fmax(box[0][0], box[1][0]), fmax(box[0][1], box[1][1]), fmin(box[0][2], box[1][2]),
                   fmin(box[0][3], box[1][3])};
    if (!(r[0] <= r[2] + 2 * tol && r[1] <= r[3] + 2 * tol))
        goto done;
    double rp[4] = {r[0] - 3 * tol, r[1] - 3 * tol, r[2] + 3 * tol, r[3] + 3 * tol};
    double rl[4] = {r[0] - 2 * tol, r[1] - 2 * tol, r[2] + 2 * tol, r[3] + 2 * tol};
    lb = matched[1] == 1 ? feature_rings(&env, polys, b, rl) : side_lines(&env, polys, b, rp, rl, matched[1]);
    if (!lb)
        goto geos_failed;
    if (matched[0] == 1 && matched[1] == 1) {
        if (GEOSisEmpty_r(env.h, lb))
            goto done;
        shared = exact_intersection(&env, polys, a, b, rl, lb);
        if (!shared)
            goto geos_failed;
    } else {
        la = matched[0] == 1 ? feature_rings(&env, polys, a, rl)
                             : side_lines(&env, polys, a, rp, rl, matched[0]);
        if (!la)
            goto geos_failed;
        if (GEOSisEmpty_r(env.h, la) || GEOSisEmpty_r(env.h, lb))
            goto done;
        shared = GEOSIntersection_r(env.h, la, lb);
        if (!shared)
            goto geos_failed;
    }
    double min_len = 0;
    double exact_len = 0;
    if (!has_lines(&env, shared) || (GEOSLength_r(env.h, shared, &exact_len) && exact_len < 10 * tol)) {
        /* Neighbours digitised separately (no common vertices; at most
         * slivers in common): take a's boundary where it runs within tol of
         * b's. Crossings leave pieces about 2·tol long; they are not borders. */
        if (!la)
            la = matched[0] == 1 ? feature_rings(&env, polys, a, rl)
                                 : side_lines(&env, polys, a, rp, rl, matched[0]);
        if (!la)
            goto geos_failed;
        zone = GEOSBuffer_r(env.h, lb, tol, 2);
        if (!zone)
            goto geos_failed;
        GEOSGeom_destroy_r(env.h, shared);
        shared = GEOSIntersection_r(env.h, la, zone);
        if (!shared)
            goto geos_failed;
        min_len = 10 * tol;
    }
    merged = GEOSLineMerge_r(env.h, shared);
    if (!merged)
        goto geos_failed;
    st = collect_lines(&env, merged, min_len, arena, out);
    if (st == STEPPE_ERR_NOMEM) {
        st = st_error(ctx, st, "%s: out of memory deriving a shared boundary", path);
        goto done;
    }
    if (st != STEPPE_OK)
        goto geos_failed;
    goto done;

geos_failed:
    st = st_error(ctx, STEPPE_ERR_RENDER, "%s: GEOS failed deriving a shared boundary: %s", path,
                  env.msg[0] ? env.msg : "unknown error");
done:
    if (st == STEPPE_OK && out->n == 0)
        st_warn(ctx, "%sthe shared boundary of sides a and b in %s is empty", pre, path);
    GEOSGeom_destroy_r(env.h, merged);
    GEOSGeom_destroy_r(env.h, zone);
    GEOSGeom_destroy_r(env.h, shared);
    GEOSGeom_destroy_r(env.h, lb);
    GEOSGeom_destroy_r(env.h, la);
    GEOS_finish_r(env.h);
    return st;
}

/* ---- cover difference ----------------------------------------------------- */

steppe_status_t st_derive_cover_difference(steppe_ctx_t *ctx, const st_featureset *a, const st_filter *fa,
                                           const st_featureset *b, const st_filter *fb, double *diff_area,
                                           double *b_area)
{
    static const st_filter all = {0};
    steppe_status_t st = STEPPE_OK;
    geos_env env = {0};
    GEOSGeometry *ua = NULL;
    GEOSGeometry *ub = NULL;
    GEOSGeometry *diff = NULL;
    const st_featureset *sets[2] = {a, b};
    const st_filter *filters[2] = {fa ? fa : &all, fb ? fb : &all};
    double box[2][4];
    size_t matched[2];

    *diff_area = 0;
    *b_area = 0;
    for (int s = 0; s < 2; s++) {
        matched[s] = sets[s]->type == ST_GEOM_POLYGON ? side_bbox(sets[s], filters[s], box[s]) : 0;
        if (matched[s] == 0)
            return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%s: no polygon matches",
                            sets[s]->path ? sets[s]->path : "the layer");
    }
    st = st_ctx_load_geos(ctx);
    if (st != STEPPE_OK)
        return st;
    env.h = GEOS_init_r();
    if (!env.h)
        return st_error(ctx, STEPPE_ERR_NOMEM, "cannot start GEOS");
    GEOSContext_setErrorMessageHandler_r(env.h, geos_capture, &env);
    GEOSContext_setNoticeMessageHandler_r(env.h, geos_ignore, NULL);
    /* Clip to the union of both bboxes, widened: nothing is cut away. */
    double r[4] = {fmin(box[0][0], box[1][0]) - 1, fmin(box[0][1], box[1][1]) - 1,
                   fmax(box[0][2], box[1][2]) + 1, fmax(box[0][3], box[1][3]) + 1};
    ua = side_area(&env, a, filters[0], r, matched[0] > 1 ? matched[0] : 2);
    ub = ua ? side_area(&env, b, filters[1], r, matched[1] > 1 ? matched[1] : 2) : NULL;
    diff = ub ? GEOSSymDifference_r(env.h, ua, ub) : NULL;
    if (!diff || !GEOSArea_r(env.h, diff, diff_area) || !GEOSArea_r(env.h, ub, b_area))
        st = st_error(ctx, STEPPE_ERR_RENDER, "GEOS failed comparing two covers: %s",
                      env.msg[0] ? env.msg : "unknown error");
    GEOSGeom_destroy_r(env.h, diff);
    GEOSGeom_destroy_r(env.h, ub);
    GEOSGeom_destroy_r(env.h, ua);
    GEOS_finish_r(env.h);
    return st;
}

/* ---- pole of inaccessibility ---------------------------------------------- */

/* polylabel (V. Agafonkin, Mapbox, 2016: https://github.com/mapbox/polylabel),
 * a best-first grid search after Garcia-Castellanos & Lombardo (2007):
 * square cells ordered by the best distance they could still hold, split
 * until none can beat the best found by more than the precision. */

typedef struct pole_cell {
    double x, y; /* centre */
    double h;    /* half the side */
    double d;    /* signed distance from the centre to the polygon's edges */
    double max;  /* the most any point of the cell can reach: d + h·√2 */
} pole_cell;

/* The edges of the polygon searched, with what every distance evaluation
 * needs precomputed: the search evaluates each edge for every cell, and on
 * the forum map it was the largest single function (6 % of the samples). */
typedef struct pole_edge {
    double ax, ay, bx, by; /* from a to b */
    double dx, dy;         /* b − a */
    double inv_len2;       /* 1 / |b − a|², 0 for a point */
} pole_edge;

/* Polygons of more edges than this get a grid of their edges, so that a
 * distance evaluation looks at the edges near the point, not all of them. */
#define POLE_GRID_MIN 64

typedef struct pole_edges {
    pole_edge *e;
    size_t n;
    /* The grid: nx × ny square cells of side cs from (x0, y0). cell_start[c]
     * .. cell_start[c + 1] index cell_items, the edges whose bbox meets cell
     * c; row_start/row_items likewise list the edges whose y-span meets
     * each row of cells. NULL below POLE_GRID_MIN edges. */
    double x0, y0, cs;
    int nx, ny;
    uint32_t *cell_start, *cell_items;
    uint32_t *row_start, *row_items;
} pole_edges;

static int grid_index(double v, double v0, double cs, int n)
{
    double f = floor((v - v0) / cs);
    return f < 0 ? 0 : f >= n ? n - 1 : (int)f;
}

/* Frees the grid; the edges are then scanned one by one. */
static void pole_grid_free(pole_edges *pe)
{
    free(pe->cell_start);
    free(pe->cell_items);
    free(pe->row_start);
    free(pe->row_items);
    pe->cell_start = pe->cell_items = pe->row_start = pe->row_items = NULL;
}

static void pole_edges_free(pole_edges *pe)
{
    free(pe->e);
    pole_grid_free(pe);
    memset(pe, 0, sizeof *pe);
}

/* Builds the grid by counting: one pass sizes each cell, one fills it.
 * False when out of memory (the caller then scans every edge). */
static bool pole_grid_make(pole_edges *pe)
{
    double bb[4] = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    for (size_t k = 0; k < pe->n; k++) {
        const pole_edge *e = &pe->e[k];
        bb[0] = st_min(bb[0], st_min(e->ax, e->bx));
        bb[1] = st_min(bb[1], st_min(e->ay, e->by));
        bb[2] = st_max(bb[2], st_max(e->ax, e->bx));
        bb[3] = st_max(bb[3], st_max(e->ay, e->by));
    }
    double w = bb[2] - bb[0], h = bb[3] - bb[1];
    /* About two edges per cell, at most 256 cells a side. */
    double cs = sqrt(fmax(w * h, 1e-300) / ((double)pe->n / 2));
    cs = fmax(cs, fmax(w, h) / 256);
    if (!(cs > 0) || !isfinite(cs))
        return false;
    pe->x0 = bb[0];
    pe->y0 = bb[1];
    pe->cs = cs;
    pe->nx = (int)fmin(floor(w / cs) + 1, 257);
    pe->ny = (int)fmin(floor(h / cs) + 1, 257);
    size_t ncell = (size_t)pe->nx * (size_t)pe->ny;
    pe->cell_start = calloc(ncell + 1, sizeof *pe->cell_start);
    pe->row_start = calloc((size_t)pe->ny + 1, sizeof *pe->row_start);
    if (!pe->cell_start || !pe->row_start)
        return false;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < pe->n; k++) {
            const pole_edge *e = &pe->e[k];
            int i0 = grid_index(st_min(e->ax, e->bx), pe->x0, cs, pe->nx);
            int i1 = grid_index(st_max(e->ax, e->bx), pe->x0, cs, pe->nx);
            int j0 = grid_index(st_min(e->ay, e->by), pe->y0, cs, pe->ny);
            int j1 = grid_index(st_max(e->ay, e->by), pe->y0, cs, pe->ny);
            for (int j = j0; j <= j1; j++) {
                if (pass == 0)
                    pe->row_start[j + 1]++;
                else
                    pe->row_items[pe->row_start[j]++] = (uint32_t)k;
                for (int i = i0; i <= i1; i++) {
                    size_t c = (size_t)j * (size_t)pe->nx + (size_t)i;
                    if (pass == 0)
                        pe->cell_start[c + 1]++;
                    else
                        pe->cell_items[pe->cell_start[c]++] = (uint32_t)k;
                }
            }
        }
        if (pass == 0) {
            /* Counts to starts; pass 1 advances each start to its end. */
            for (size_t c = 0; c < ncell; c++)
                pe->cell_start[c + 1] += pe->cell_start[c];
            for (int j = 0; j < pe->ny; j++)
                pe->row_start[j + 1] += pe->row_start[j];
            pe->cell_items =
                malloc((pe->cell_start[ncell] ? pe->cell_start[ncell] : 1) * sizeof *pe->cell_items);
            pe->row_items =
                malloc((pe->row_start[pe->ny] ? pe->row_start[pe->ny] : 1) * sizeof *pe->row_items);
            if (!pe->cell_items || !pe->row_items)
                return false;
        }
    }
    /* Each start now holds its end: shift back by one slot. */
    memmove(pe->cell_start + 1, pe->cell_start, ncell * sizeof *pe->cell_start);
    pe->cell_start[0] = 0;
    memmove(pe->row_start + 1, pe->row_start, (size_t)pe->ny * sizeof *pe->row_start);
    pe->row_start[0] = 0;
    return true;
}

static bool pole_edges_make(const st_feature *f, pole_edges *pe)
{
    memset(pe, 0, sizeof *pe);
    pe->e = malloc((f->npoints ? f->npoints : 1) * sizeof *pe->e);
    if (!pe->e)
        return false;
    for (uint32_t k = 0; k < f->nparts; k++) {
        uint32_t a = st_part_begin(f, k);
        uint32_t b = st_part_end(f, k);
        for (uint32_t i = a, j = b - 1; i < b; j = i++) {
            pole_edge *e = &pe->e[pe->n++];
            e->ax = f->xy[2 * i];
            e->ay = f->xy[2 * i + 1];
            e->bx = f->xy[2 * j];
            e->by = f->xy[2 * j + 1];
            e->dx = e->bx - e->ax;
            e->dy = e->by - e->ay;
            double len2 = e->dx * e->dx + e->dy * e->dy;
            e->inv_len2 = len2 > 0 ? 1 / len2 : 0;
        }
    }
    if (pe->n >= POLE_GRID_MIN && !pole_grid_make(pe))
        pole_grid_free(pe); /* out of memory for the grid: scan every edge */
    return true;
}

/* Whether the ray from (x, y) towards +x crosses edge e (even-odd rule). */
static inline bool edge_crosses(const pole_edge *e, double x, double y)
{
    return (e->ay > y) != (e->by > y) && x < (e->bx - e->ax) * (y - e->ay) / (e->by - e->ay) + e->ax;
}

/* Squared distance from (x, y) to edge e. */
static inline double edge_dist2(const pole_edge *e, double x, double y)
{
    double t = ((x - e->ax) * e->dx + (y - e->ay) * e->dy) * e->inv_len2;
    double px = e->ax;
    double py = e->ay;
    if (t > 1) {
        px = e->bx;
        py = e->by;
    } else if (t > 0) {
        px += e->dx * t;
        py += e->dy * t;
    }
    return (x - px) * (x - px) + (y - py) * (y - py);
}

/* Distance from (x, y) to the nearest edge of every ring, positive inside
 * (even-odd over all rings, as the fill draws them). With the grid the
 * answer is the same, found from fewer edges: the crossings are counted
 * over the edges of the point's row only (an edge the ray crosses spans
 * the point's y), and the nearest edge is sought ring by ring of cells
 * around the point's cell, stopping once a ring k cells out, which lies
 * at least (k − 1) cells away, cannot hold anything nearer. */
static double feature_dist(const pole_edges *pe, double x, double y)
{
    bool inside = false;
    double best = HUGE_VAL;
    if (!pe->cell_start) {
        for (size_t k = 0; k < pe->n; k++) {
            const pole_edge *e = &pe->e[k];
            if (edge_crosses(e, x, y))
                inside = !inside;
            double d2 = edge_dist2(e, x, y);
            best = d2 < best ? d2 : best;
        }
        return (inside ? 1 : -1) * sqrt(best);
    }
    double fy = floor((y - pe->y0) / pe->cs);
    if (fy >= 0 && fy < pe->ny) {
        int j = (int)fy;
        for (uint32_t q = pe->row_start[j]; q < pe->row_start[j + 1]; q++) {
            if (edge_crosses(&pe->e[pe->row_items[q]], x, y))
                inside = !inside;
        }
    }
    int ci = grid_index(x, pe->x0, pe->cs, pe->nx);
    int cj = grid_index(y, pe->y0, pe->cs, pe->ny);
    int kmax = pe->nx > pe->ny ? pe->nx : pe->ny;
    for (int k = 0; k <= kmax; k++) {
        double lb = (k - 1) * pe->cs;
        if (k > 1 && best <= lb * lb)
            break;
        for (int j = cj - k; j <= cj + k; j++) {
            if (j < 0 || j >= pe->ny)
                continue;
            bool edge_row = j == cj - k || j == cj + k;
            for (int i = ci - k; i <= ci + k; i += edge_row ? 1 : 2 * k) {
                if (i >= 0 && i < pe->nx) {
                    size_t c = (size_t)j * (size_t)pe->nx + (size_t)i;
                    for (uint32_t q = pe->cell_start[c]; q < pe->cell_start[c + 1]; q++) {
                        double d2 = edge_dist2(&pe->e[pe->cell_items[q]], x, y);
                        best = d2 < best ? d2 : best;
                    }
                }
                if (k == 0)
                    break;
            }
        }
    }
    return (inside ? 1 : -1) * sqrt(best);
}

static pole_cell make_cell(const pole_edges *pe, double x, double y, double h)
{
    pole_cell c = {x, y, h, feature_dist(pe, x, y), 0};
    c.max = c.d + h * M_SQRT2;
    return c;
}

/* A binary max-heap on max. */
typedef struct cell_heap {
    pole_cell *v;
    size_t n, cap;
} cell_heap;

static bool heap_push(cell_heap *hp, pole_cell c)
{
    if (!st_grow(&hp->v, &hp->cap, hp->n + 1, sizeof *hp->v, 64))
        return false;
    size_t i = hp->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (hp->v[parent].max >= c.max)
            break;
        hp->v[i] = hp->v[parent];
        i = parent;
    }
    hp->v[i] = c;
    return true;
}

static pole_cell heap_pop(cell_heap *hp)
{
    pole_cell top = hp->v[0];
    pole_cell last = hp->v[--hp->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= hp->n)
            break;
        size_t m = l + 1 < hp->n && hp->v[l + 1].max > hp->v[l].max ? l + 1 : l;
        if (hp->v[m].max <= last.max)
            break;
        hp->v[i] = hp->v[m];
        i = m;
    }
    if (hp->n > 0)
        hp->v[i] = last;
    return top;
}

static void polygon_pole(const st_feature *f, double precision, double *x, double *y, double *dist);

/* Every distance evaluation of the search walks every edge, so a detailed
 * polygon is searched in a copy simplified to the precision asked for
 * (Douglas–Peucker, generalize.c): the pole moves by at most that much, and
 * callers check the label against the full geometry anyway. */
void st_polygon_pole(const st_feature *f, double precision, double *x, double *y, double *dist)
{
    if (f->npoints <= 256 || !(precision > 0)) {
        polygon_pole(f, precision, x, y, dist);
        return;
    }
    st_feature copy = *f;
    copy.xy = malloc(2 * sizeof(double) * f->npoints);
    copy.parts = malloc(sizeof(uint32_t) * (f->nparts ? f->nparts : 1));
    copy.cut = NULL;
    if (!copy.xy || !copy.parts) {
        free(copy.xy);
        free(copy.parts);
        polygon_pole(f, precision, x, y, dist);
        return;
    }
    memcpy(copy.xy, f->xy, 2 * sizeof(double) * f->npoints);
    memcpy(copy.parts, f->parts, sizeof(uint32_t) * f->nparts);
    st_featureset fs = {.type = ST_GEOM_POLYGON, .feat = &copy, .n = 1, .cap = 1};
    st_generalize_px(&fs, precision);
    polygon_pole(&copy, precision, x, y, dist);
    free(copy.xy);
    free(copy.parts);
}

static void polygon_pole(const st_feature *f, double precision, double *x, double *y, double *dist)
{
    /* The largest ring by area bounds the search. */
    uint32_t ra;
    uint32_t rb;
    *x = *y = *dist = 0;
    st_part_largest(f, st_ring_area2_abs, &ra, &rb);
    if (rb == ra)
        return;
    double bb[4] = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    double cx = 0;
    double cy = 0;
    double area = 0;
    for (uint32_t i = ra, j = rb - 1; i < rb; j = i++) {
        const double *p = f->xy + 2 * i;
        const double *q = f->xy + 2 * j;
        double w = p[0] * q[1] - q[0] * p[1];
        cx += (p[0] + q[0]) * w;
        cy += (p[1] + q[1]) * w;
        area += 3 * w;
        bb[0] = st_min(bb[0], p[0]);
        bb[1] = st_min(bb[1], p[1]);
        bb[2] = st_max(bb[2], p[0]);
        bb[3] = st_max(bb[3], p[1]);
    }
    double cell = fmin(bb[2] - bb[0], bb[3] - bb[1]);
    *x = bb[0];
    *y = bb[1];
    if (!(cell > 0))
        return;
    if (!(precision > 0))
        precision = 1;
    pole_edges pe;
    if (!pole_edges_make(f, &pe))
        return; /* out of memory: the bbox corner, as for a degenerate ring */
    pole_cell best = area != 0 ? make_cell(&pe, cx / area, cy / area, 0)
                               : make_cell(&pe, f->xy[2 * ra], f->xy[2 * ra + 1], 0);
    pole_cell mid = make_cell(&pe, (bb[0] + bb[2]) / 2, (bb[1] + bb[3]) / 2, 0);
    if (mid.d > best.d)
        best = mid;

    cell_heap hp = {0};
    double h = cell / 2;
    bool ok = true;
    for (double gx = bb[0]; ok && gx < bb[2]; gx += cell) {
        for (double gy = bb[1]; ok && gy < bb[3]; gy += cell)
            ok = heap_push(&hp, make_cell(&pe, gx + h, gy + h, h));
    }
    /* The cap bounds the work on pathological input (a hairline ring). */
    size_t budget = 100000;
    while (ok && hp.n > 0 && budget-- > 0) {
        pole_cell c = heap_pop(&hp);
        if (c.d > best.d)
            best = c;
        if (c.max - best.d <= precision)
            continue;
        double q = c.h / 2;
        ok = heap_push(&hp, make_cell(&pe, c.x - q, c.y - q, q)) &&
             heap_push(&hp, make_cell(&pe, c.x + q, c.y - q, q)) &&
             heap_push(&hp, make_cell(&pe, c.x - q, c.y + q, q)) &&
             heap_push(&hp, make_cell(&pe, c.x + q, c.y + q, q));
    }
    free(hp.v);
    pole_edges_free(&pe);
    *x = best.x;
    *y = best.y;
    *dist = best.d;
}
