/* Private: the thematic stage — data-driven fill colours, categories and
 * symbol sizes, between reading the features and drawing them (issue 11).
 *
 * Design note: a style says one line per layer —
 *     classify:   {field: POP, method: quantile, classes: 5, ramp: YlOrRd}
 *     categorize: {field: DISTRICT, palette: Set3}
 *     size:       {field: POP, scale: sqrt, max: 24}
 * — and model.c fills an st_thematic_spec from it. st_thematic_apply() then
 * reads the field of every feature, classifies (classify.h), picks colours
 * (ramp.h) and writes the legend texts (numfmt.h) into an st_thematic_result
 * that the renderer, the legend and the report read. Everything is
 * recomputed on every render, so a map regenerated in CI follows its data.
 *
 * Values. A field is numeric when its dBASE type is N or F, or, for text
 * columns (CSV, joined tables), when every non-empty value parses as a
 * number (st_parse_number). An empty value, or one that does not parse in a
 * numeric dBASE field ("*****"), is no-data: such a feature gets the
 * no-data colour and its own legend entry, never class 1.
 *
 * Sizes are marker diameters in points, as st_symbol.size is. Area-true
 * circles by default: d = max · sqrt(v / vmax); linear: d = max · v / vmax.
 * Zero and no-data get no marker (d = 0); a negative value is an error.
 *
 * Derived fields ({area_km2}, {length_km}, {lon}, {lat}) are materialised
 * as ordinary text columns by st_thematic_derive_fields() right after the
 * read, while coordinates are still in the source CRS, so filters, label
 * templates, classify and size all see them as attributes without knowing
 * they were computed.
 *
 * Memory: results live in the arena passed in (the render's); nothing is
 * freed individually. Errors are recorded once with st_error(), messages
 * "FILE:LINE:COL: classify: ..." using the st_loc of the key at fault.
 */
#ifndef ST_THEMATIC_H
#define ST_THEMATIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "classify.h"
#include "ctx.h"
#include "features.h"
#include "model.h"
#include "thematic_spec.h"

/* ---- the result: what the renderer, legend and report read --------------- */

/* One legend (and report) row: a class of classify, or a category. */
typedef struct st_thematic_entry {
    const char *label; /* legend text: "1,000 – 2,500 km²", or the category */
    st_rgba fill;
    uint32_t rgb;      /* the same colour as 0xRRGGBB, for the report */
    double lo, hi;     /* classify: the class's edges; NaN for categories */
    const char *value; /* categorize: the category's value; NULL for "other" */
    bool other;        /* the "other" category */
    size_t count;      /* features in it */
} st_thematic_entry;

/* A reference circle of the proportional-symbol legend. */
typedef struct st_thematic_size_ref {
    double value;    /* a round number: 1, 2 or 5 times a power of ten */
    double diameter; /* pt, by the same scale as the markers */
    const char *label;
} st_thematic_size_ref;

typedef struct st_thematic_result {
    size_t n; /* features (fs->n when applied) */

    /* Colours (classify or categorize); kind NULL when neither was asked. */
    const char *kind; /* "classify" or "categorize" */
    const char *field;
    const char *method;          /* classify: the style's name ("quantile", ...) */
    const char *method_classint; /* classify: classInt's style ("fisher", "unique", ...) */
    double *edges;               /* classify: nclasses + 1 edges */
    int nclasses;
    st_thematic_entry *entries; /* classes or categories, "other" last */
    size_t nentries;
    st_thematic_entry nodata; /* the no-data row (label, fill, count) */
    int *cls;                 /* n entry indices, -1 for no-data; NULL without colours */
    st_rgba *fill;            /* n fills (the no-data fill for -1); NULL without colours */

    /* Sizes; size NULL when no size was asked. */
    const char *size_field;
    double *size;                 /* n diameters in pt, 0: no marker */
    size_t *order;                /* n feature indices, largest marker first (stable) */
    double size_vmax;             /* the largest value */
    size_t size_nodata;           /* features without a value */
    size_t size_zero;             /* features with value 0 */
    st_thematic_size_ref refs[3]; /* largest first */
    size_t nrefs;
    st_marker_at marker_at;
} st_thematic_result;

/* Computes colours, categories and sizes of every feature of fs as spec
 * says. fs's coordinates are not used (call before or after projection).
 *   out: filled on success, arrays from arena; zeroed on failure.
 * Returns STEPPE_OK (a field whose values are all no-data is one warning and
 * every feature gets the no-data fill / no marker);
 * STEPPE_ERR_STYLE_KEY: no such field ("did you mean" when one is close);
 * STEPPE_ERR_STYLE_VALUE: field not numeric (classify, size), classes out of
 * range or more than distinct values, unknown ramp or palette, classify and
 * categorize both set, a negative size value, more categories than the
 * palette has colours with max set above it; STEPPE_ERR_NOMEM. */
steppe_status_t st_thematic_apply(steppe_ctx_t *ctx, const st_thematic_spec *spec, const st_featureset *fs,
                                  st_arena *arena, st_thematic_result *out);

/* Whether field fi of fs is numeric by the rule above; when not, *bad
 * (optional) receives the index of the first feature whose value is not a
 * number (or -1 for a dBASE type L or D). */
bool st_thematic_field_numeric(const st_featureset *fs, int fi, long *bad);

/* The value of field fi of feature f as a number; NaN for no-data. */
double st_thematic_number(const st_featureset *fs, const st_feature *f, int fi);

/* Diameter in pt of value v given the largest value vmax (see above). */
double st_thematic_diameter(const st_size_spec *size, double v, double vmax);

/* The three reference values of a nested-circle legend for data whose
 * largest value is vmax: the largest 1-2-5 number not above vmax, then the
 * 1-2-5 numbers not above a half and a tenth of it (12.6e6 -> 10e6, 5e6,
 * 1e6). Returns how many it wrote (0 when vmax <= 0). */
size_t st_thematic_size_refs(double vmax, double out[3]);

/* Where a marker of polygon feature f goes, in f's coordinates (pixels
 * after projection, where the pole's precision is 1 px): its label point or
 * its area centroid (of all rings, holes subtracted). Points: the first
 * point; lines: the point halfway along the longest part. */
void st_thematic_marker_point(const st_featureset *fs, const st_feature *f, st_marker_at at, double precision,
                              double *x, double *y);

/* The field of fs closest to name (a likely typo), or NULL. */
const char *st_thematic_field_suggest(const st_featureset *fs, const char *name);

/* Records "WHERE: what: no field 'name' in PATH; did you mean 'x'?" (or the
 * list of fields when none is close) and returns STEPPE_ERR_STYLE_KEY. */
steppe_status_t st_thematic_no_field(steppe_ctx_t *ctx, st_arena *arena, const st_featureset *fs,
                                     const char *what, const char *name, st_loc loc);

/* ---- derived fields --------------------------------------------------------- */

typedef enum st_derived {
    ST_DERIVED_AREA_KM2 = 1 << 0,  /* geodesic area of a polygon, km² */
    ST_DERIVED_LENGTH_KM = 1 << 1, /* geodesic length of a line, km */
    ST_DERIVED_LON = 1 << 2,       /* longitude of the label point, degrees */
    ST_DERIVED_LAT = 1 << 3        /* latitude of the label point */
} st_derived;

/* The st_derived bit of name ("area_km2", "length_km", "lon", "lat"), or 0. */
unsigned st_thematic_derived_bit(const char *name);

/* The st_derived bits of the fields a "{field}" template names (a bare
 * name counts as the one field). */
unsigned st_thematic_derived_in(const char *tmpl);

/* The derived value name of feature f, whose coordinates are longitude,
 * latitude in degrees (WGS 84). libproj must be loaded (st_ctx_load_proj()).
 * False when name is not a derived field or does not apply to f's
 * geometry (area of a line, length of a polygon). */
bool st_thematic_derived_value(const st_featureset *fs, const st_feature *f, const char *name, double *out);

/* Appends to fs a column for each bit of mask whose name fs does not
 * already have (a real field of that name wins), with the value of every
 * feature as text: km to 3 decimals, degrees to 6; type 'N'. fs must be in
 * its source CRS (fs->crs; not WGS 84 longitude/latitude is transformed for
 * the measurement only). loc is where the field was named, for errors.
 * Returns STEPPE_OK; STEPPE_ERR_STYLE_VALUE for area_km2 of a layer that is
 * not polygons or length_km of one that is not lines; STEPPE_ERR_LIBRARY
 * (PROJ); STEPPE_ERR_STYLE_CRS; STEPPE_ERR_NOMEM. */
steppe_status_t st_thematic_derive_fields(steppe_ctx_t *ctx, st_featureset *fs, unsigned mask, st_loc loc,
                                          st_arena *arena);

#endif
