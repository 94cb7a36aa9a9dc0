/* The WKB decoder (wkb.h): one pass over the blob, every count checked
 * against the bytes left before it is used, into arrays whose size the
 * blob's length bounds (so a lying count cannot make them grow). */
#include "wkb.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum {
    WKB_POINT = 1,
    WKB_LINE,
    WKB_POLYGON,
    WKB_MULTIPOINT,
    WKB_MULTILINE,
    WKB_MULTIPOLYGON,
    WKB_COLLECTION
};

typedef struct wkb_reader {
    const unsigned char *buf;
    size_t n;
    size_t pos;
    char *why;
    size_t whysz;
    /* what the first pass counts; the second fills */
    st_geom_type type; /* the class kept: the first non-empty part's */
    uint32_t nparts, npoints;
    uint32_t other_parts;
    uint32_t *parts; /* NULL in the first pass */
    double *xy;
    uint32_t kp, kx; /* parts and points filled */
    int has_srid;
    int32_t srid;
} wkb_reader;

static st_wkb_status bad(wkb_reader *r, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static st_wkb_status bad(wkb_reader *r, size_t at, const char *fmt, ...)
{
    if (r->why && r->whysz) {
        int k = snprintf(r->why, r->whysz, "byte %zu: ", at);
        if (k > 0 && (size_t)k < r->whysz) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(r->why + k, r->whysz - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return ST_WKB_BAD;
}

static uint32_t get_u32(const unsigned char *p, int le)
{
    if (le)
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_LE 1
#else
#define HOST_LE 0
#endif

static double get_f64(const unsigned char *p, int le)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    if (le != HOST_LE)
        v = __builtin_bswap64(v);
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}

static st_wkb_status read_u32(wkb_reader *r, int le, uint32_t *v, const char *what)
{
    if (r->n - r->pos < 4)
        return bad(r, r->pos, "%s cut short (%zu bytes left, 4 needed)", what, r->n - r->pos);
    *v = get_u32(r->buf + r->pos, le);
    r->pos += 4;
    return ST_WKB_OK;
}

/* A count of items each at least min bytes long must fit in what is left. */
static st_wkb_status check_count(wkb_reader *r, uint32_t count, size_t min, const char *what)
{
    size_t left = r->n - r->pos;
    if ((uint64_t)count * min > left)
        return bad(r, r->pos - 4, "%u %s need %llu bytes, %zu left", count, what,
                   (unsigned long long)count * min, left);
    return ST_WKB_OK;
}

/* Whether parts of class c are kept: the first class met decides. */
static int keep_class(wkb_reader *r, st_geom_type c)
{
    if (r->type == ST_GEOM_NONE)
        r->type = c;
    return r->type == c;
}

/* npts points of dims doubles each, as one part of class c (a ring when
 * ring). */
static st_wkb_status read_points(wkb_reader *r, int le, uint32_t npts, unsigned dims, st_geom_type c,
                                 int ring)
{
    size_t at = r->pos;
    size_t stride = (size_t)dims * 8;
    int keep = npts == 0 || keep_class(r, c);
    if (ring && npts > 0) {
        if (npts < 4)
            return bad(r, at, "a ring of %u points (at least 4 needed)", npts);
        const unsigned char *first = r->buf + r->pos;
        const unsigned char *last = first + (size_t)(npts - 1) * stride;
        if (get_f64(first, le) != get_f64(last, le) || get_f64(first + 8, le) != get_f64(last + 8, le))
            return bad(r, at, "ring not closed (its last point is not its first)");
    }
    if (!keep) {
        if (npts > 0)
            r->other_parts++;
        r->pos += (size_t)npts * stride;
        return ST_WKB_OK;
    }
    for (uint32_t i = 0; i < npts; i++) {
        const unsigned char *p = r->buf + r->pos + (size_t)i * stride;
        double x = get_f64(p, le);
        double y = get_f64(p + 8, le);
        if (!isfinite(x) || !isfinite(y))
            return bad(r, at + (size_t)i * stride, "coordinate %u is not a finite number", i);
        if (r->xy) {
            r->xy[2 * (size_t)r->kx] = x;
            r->xy[2 * (size_t)r->kx + 1] = y;
            r->kx++;
        }
    }
    if (npts > 0) {
        if (r->parts)
            r->parts[r->kp++] = r->npoints;
        r->nparts++;
        r->npoints += npts;
    }
    r->pos += (size_t)npts * stride;
    return ST_WKB_OK;
}

static st_wkb_status read_geom(wkb_reader *r, int depth, uint32_t want, uint32_t *base_out);

static st_wkb_status read_body(wkb_reader *r, int le, uint32_t base, unsigned dims, int depth)
{
    st_wkb_status st;
    uint32_t count = 0;
    size_t stride = (size_t)dims * 8;
    switch (base) {
    case WKB_POINT: {
        if (r->n - r->pos < stride)
            return bad(r, r->pos, "point cut short (%zu bytes left, %zu needed)", r->n - r->pos, stride);
        /* ISO's POINT EMPTY: NaN coordinates. */
        double x = get_f64(r->buf + r->pos, le);
        double y = get_f64(r->buf + r->pos + 8, le);
        if (isnan(x) && isnan(y)) {
            r->pos += stride;
            return ST_WKB_OK;
        }
        return read_points(r, le, 1, dims, ST_GEOM_POINT, 0);
    }
    case WKB_LINE:
        st = read_u32(r, le, &count, "point count");
        if (st == ST_WKB_OK)
            st = check_count(r, count, stride, "points");
        if (st == ST_WKB_OK && count == 1)
            st = bad(r, r->pos - 4, "a line of 1 point");
        return st == ST_WKB_OK ? read_points(r, le, count, dims, ST_GEOM_LINE, 0) : st;
    case WKB_POLYGON:
        st = read_u32(r, le, &count, "ring count");
        if (st == ST_WKB_OK)
            st = check_count(r, count, 4, "rings");
        for (uint32_t i = 0; st == ST_WKB_OK && i < count; i++) {
            uint32_t npts = 0;
            st = read_u32(r, le, &npts, "point count");
            if (st == ST_WKB_OK)
                st = check_count(r, npts, stride, "points");
            if (st == ST_WKB_OK)
                st = read_points(r, le, npts, dims, ST_GEOM_POLYGON, 1);
        }
        return st;
    case WKB_MULTIPOINT:
    case WKB_MULTILINE:
    case WKB_MULTIPOLYGON:
    case WKB_COLLECTION: {
        st = read_u32(r, le, &count, "geometry count");
        /* The smallest member: byte order, type, one count (or a point). */
        if (st == ST_WKB_OK)
            st = check_count(r, count, 9, "geometries");
        uint32_t want = base == WKB_COLLECTION ? 0 : base - 3;
        for (uint32_t i = 0; st == ST_WKB_OK && i < count; i++)
            st = read_geom(r, depth + 1, want, NULL);
        return st;
    }
    default: return bad(r, r->pos, "unknown geometry type %u", base);
    }
}

/* One geometry with its byte order and type; want: the base type a Multi*
 * holds (0: any). */
static st_wkb_status read_geom(wkb_reader *r, int depth, uint32_t want, uint32_t *base_out)
{
    size_t at = r->pos;
    if (depth > ST_WKB_MAX_DEPTH)
        return bad(r, at, "geometries nested deeper than %d", ST_WKB_MAX_DEPTH);
    if (r->n - r->pos < 5)
        return bad(r, at, "geometry header cut short (%zu bytes left, 5 needed)", r->n - r->pos);
    unsigned char order = r->buf[r->pos];
    if (order > 1)
        return bad(r, at, "byte order %u (0 or 1 expected): not WKB", order);
    int le = order == 1;
    r->pos++;
    uint32_t code = get_u32(r->buf + r->pos, le);
    r->pos += 4;
    /* EWKB flags, then ISO's thousands. */
    unsigned dims = 2;
    if (code & 0x80000000u)
        dims++;
    if (code & 0x40000000u)
        dims++;
    if (code & 0x20000000u) {
        uint32_t srid = 0;
        st_wkb_status st = read_u32(r, le, &srid, "SRID");
        if (st != ST_WKB_OK)
            return st;
        if (depth == 0) {
            r->has_srid = 1;
            r->srid = (int32_t)srid;
        }
    }
    uint32_t t = code & 0x0FFFFFFFu;
    uint32_t base = t % 1000;
    uint32_t iso = t / 1000;
    if (iso > 3 || base < 1 || base > 7 || (iso && (code & 0xC0000000u)))
        return bad(r, at + 1, "unknown geometry type %u", code);
    if (iso == 1 || iso == 2)
        dims = 3;
    else if (iso == 3)
        dims = 4;
    if (want && base != want)
        return bad(r, at + 1, "a geometry of type %u inside a multi-geometry of type %u", base, want + 3);
    if (base_out)
        *base_out = base;
    return read_body(r, le, base, dims, depth);
}

static st_wkb_status run(wkb_reader *r, uint32_t *base)
{
    r->pos = 0;
    r->type = ST_GEOM_NONE;
    r->nparts = r->npoints = r->other_parts = 0;
    r->kp = r->kx = 0;
    st_wkb_status st = read_geom(r, 0, 0, base);
    if (st == ST_WKB_OK && r->pos != r->n)
        st = bad(r, r->pos, "%zu bytes after the geometry", r->n - r->pos);
    return st;
}

st_wkb_status st_wkb_decode(const unsigned char *buf, size_t n, st_arena *arena, st_wkb_geom *out, char *why,
                            size_t whysz)
{
    memset(out, 0, sizeof *out);
    if (why && whysz)
        why[0] = '\0';
    wkb_reader r = {.buf = buf, .n = buf ? n : 0, .why = why, .whysz = whysz};
    uint32_t base = 0;
    if (arena && r.n >= 9) {
        /* One pass into arrays the blob bounds: a point takes at least 16
         * of its bytes, a part at least 4 (its count) or 21 (a Point). */
        r.xy = st_arena_alloc(arena, (r.n / 16) * 2 * sizeof *r.xy);
        r.parts = st_arena_alloc(arena, (r.n / 4) * sizeof *r.parts);
        if (!r.xy || !r.parts)
            return ST_WKB_NOMEM;
    }
    st_wkb_status st = run(&r, &base);
    if (st != ST_WKB_OK)
        return st;
    if (r.nparts == 0) {
        r.xy = NULL;
        r.parts = NULL;
    }
    out->type = r.nparts ? r.type : ST_GEOM_NONE;
    out->nparts = r.nparts;
    out->npoints = r.npoints;
    out->parts = r.parts;
    out->xy = r.xy;
    out->has_srid = r.has_srid;
    out->srid = r.srid;
    out->other_parts = r.other_parts;
    out->wkb_type = base;
    return ST_WKB_OK;
}

void st_wkb_to_feature(const st_wkb_geom *g, st_feature *f)
{
    f->nparts = g->nparts;
    f->npoints = g->npoints;
    f->parts = g->parts;
    f->xy = g->xy;
    st_feature_update_bbox(f);
}
