/* Private: features — geometry plus attributes, as read from a source.
 *
 * A feature set holds the features of one layer in one arena. Coordinates
 * are interleaved x,y doubles, first in the source CRS, then (after
 * st_project_features()) in output pixels with the origin at the top left.
 * Parts index into the coordinate array, so a multi-polygon with holes is
 * one feature with several rings; fill uses the even-odd rule. */
#ifndef ST_FEATURES_H
#define ST_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "model.h"

typedef enum st_geom_type {
    ST_GEOM_NONE = 0,
    ST_GEOM_POINT = 1,  /* each part is one point */
    ST_GEOM_LINE = 2,   /* each part is one polyline */
    ST_GEOM_POLYGON = 3 /* each part is one ring (outer or hole) */
} st_geom_type;

typedef struct st_feature {
    uint32_t record; /* 0-based record number in the source */
    uint32_t nparts;
    uint32_t npoints;
    int cls;            /* class index in the layer, -1 for the layer symbol */
    uint32_t *parts;    /* nparts start indices into xy (point index, not double index) */
    double *xy;         /* 2 * npoints doubles */
    double bbox[4];     /* xmin, ymin, xmax, ymax of xy in its current CRS */
    const char **attrs; /* nfields UTF-8 values (never NULL; "" when empty) */
    uint8_t *cut;       /* NULL, or npoints flags: cut[i] = 1 when the edge from point i
                           to point i + 1 is an artificial cut (a ring split at the map
                           seam or at ±180° in the data) — filled, never stroked */
} st_feature;           /* 80 bytes: the four 32-bit fields first, no padding (a million points, 8 MB less) */

/* Twice the signed area of the ring of n points at xy (x, y pairs; the
 * last point joins the first), by the shoelace formula: positive when the
 * ring runs counter-clockwise with y up. */
double st_ring_area2(const double *xy, size_t n);

/* |st_ring_area2()| of a ring, -1 for one of no points: the measure that
 * st_part_largest() takes to find the largest ring. */
double st_ring_area2_abs(const double *xy, size_t n);

/* Where part k of f begins in f->xy, in points (0 for a feature without a
 * parts array). */
static inline uint32_t st_part_begin(const st_feature *f, uint32_t k)
{
    return f->parts ? f->parts[k] : 0;
}

/* Where part k of f ends in f->xy: one past its last point. */
static inline uint32_t st_part_end(const st_feature *f, uint32_t k)
{
    return f->parts && k + 1 < f->nparts ? f->parts[k + 1] : f->npoints;
}

/* The part of f that measure (given a part's points and their count) finds
 * largest, the first of equals, as [*a, *b) in points; a part measured
 * below 0 is never taken. Returns its measure, or -1 (with *a = *b = 0)
 * when no part is taken. */
double st_part_largest(const st_feature *f, double (*measure)(const double *xy, size_t n), uint32_t *a,
                       uint32_t *b);

typedef struct st_featureset {
    st_geom_type type;
    st_feature *feat;
    size_t n;
    size_t cap;
    const char **fields; /* nfields names */
    char *field_types;   /* nfields of 'C' string, 'N' number, 'F' float, 'L' logical, 'D' date */
    size_t nfields;
    const char *crs;        /* the source CRS as PROJ accepts it (WKT of .prj, or the layer's crs) */
    const char *path;       /* for messages */
    size_t source_vertices; /* vertices before generalisation (for the report) */
} st_featureset;

/* Index of field name in fs, or -1. */
int st_featureset_field(const st_featureset *fs, const char *name);

/* Attribute value of feature f for field name, or NULL if no such field. */
const char *st_feature_attr(const st_featureset *fs, const st_feature *f, const char *name);

/* Writes fs's field names into list as "a, b, c" for an error message:
 * "none" when it has none, cut with "..." when they do not fit in size
 * bytes (size >= 5). */
void st_featureset_field_list(const st_featureset *fs, char *list, size_t size);

/* Appends ncols columns named names with types types (NULL: all 'C') to
 * fs; values[c][i] is column c's text for feature i (NULL: ""). Every
 * feature's attrs array is reallocated from arena. Joined tables (join.h)
 * and derived fields (thematic.h) use it, so their columns are usable
 * everywhere a field is. Returns false when out of memory (fs unchanged). */
bool st_featureset_add_columns(st_featureset *fs, const char *const *names, const char *types, size_t ncols,
                               const char *const *const *values, st_arena *arena);

/* Empties out for features of type derived from from: from's CRS and
 * path (for messages), no features, no fields. */
void st_featureset_derived(st_featureset *out, st_geom_type type, const st_featureset *from);

/* Appends a zeroed feature slot; grows from the arena. NULL if out of memory. */
st_feature *st_featureset_add(st_featureset *fs, st_arena *arena);

/* Makes room for n features in all, so that adding up to n takes no
 * doubling (whose old arrays stay in the arena: up to twice the final
 * size for a million points). False when out of memory. */
bool st_featureset_reserve(st_featureset *fs, st_arena *arena, size_t n);

/* True when feature f of fs satisfies filter (a filter naming a field that
 * fs lacks never matches; st_filter_check() reports that beforehand). */
bool st_filter_match(const st_filter *filter, const st_featureset *fs, const st_feature *f);

/* Keeps in place, in order, only the features of fs that satisfy filter
 * (all of them when it is NULL or empty). Returns how many it dropped, for
 * the reader's statistics. */
size_t st_featureset_filter(st_featureset *fs, const st_filter *filter);

/* Checks that every field named by filter exists in fs. Returns STEPPE_OK or
 * STEPPE_ERR_STYLE_KEY with "FILE:LINE:COL: no field 'x' in PATH (fields: ...)". */
steppe_status_t st_filter_check(steppe_ctx_t *ctx, const st_filter *filter, const st_featureset *fs);

/* Assigns f->cls for every feature from the layer's classes (first match). */
void st_featureset_classify(st_featureset *fs, const st_layer *layer);

/* Parses s (leading/trailing blanks allowed) as a finite decimal number,
 * independently of the C locale. False when s is not entirely a number. */
bool st_parse_number(const char *s, double *out);

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0 when
 * it is invalid (overlong forms, surrogates, code points past U+10FFFF,
 * truncated sequences). Readers replace invalid bytes with U+FFFD. */
size_t st_utf8_seq(const unsigned char *s, size_t n);

/* Recomputes f->bbox from f->xy. */
void st_feature_update_bbox(st_feature *f);

/* Fills text (a "{field}" template) for feature f into the arena. Unknown
 * fields expand to "". */
char *st_feature_format(st_arena *arena, const char *tmpl, const st_featureset *fs, const st_feature *f);

/* How a template puts a field's value (NULL: no such field) into dst
 * (when dst is not NULL) at n; returns the new length. */
typedef size_t (*st_put_value_fn)(char *dst, size_t n, const char *value);

/* st_feature_format() with the values put in by put (the atlas makes
 * them safe for a file name). NULL when tmpl is NULL or out of memory. */
char *st_feature_format_with(st_arena *arena, const char *tmpl, const st_featureset *fs, const st_feature *f,
                             st_put_value_fn put);

/* Grows bbox (xmin ymin xmax ymax) by the n points of xy, leaving out
 * those not finite or beyond 1e30 (what a failed projection leaves). */
void st_bbox_grow_xy(double bbox[4], const double *xy, size_t n);

/* fmin() and fmax() for the bounding boxes of vertices, inlined: without
 * -ffast-math they are calls into libm, four per vertex where a bbox grows
 * (2 % of the forum map's CPU). Values are finite there; a NaN b leaves a. */
static inline double st_min(double a, double b)
{
    return b < a ? b : a;
}

static inline double st_max(double a, double b)
{
    return b > a ? b : a;
}

#endif
