/* Private: what a style says about a layer's thematic mapping and joins.
 *
 * Part of the map model (model.h): model.c fills these from the schema rows
 * under layers.*.classify, .categorize, .size, .legend-format and .join;
 * thematic.c and join.c read them. Kept apart from those modules so that
 * the model depends on no stage after it. */
#ifndef ST_THEMATIC_SPEC_H
#define ST_THEMATIC_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

/* The classification methods (classify.h implements them). */
typedef enum st_class_method {
    ST_CLASS_QUANTILE,
    ST_CLASS_EQUAL,
    ST_CLASS_NATURAL,
    ST_CLASS_STDDEV,
    ST_CLASS_PRETTY,
    ST_CLASS_MANUAL,
    ST_CLASS_FISHER /* only while binding: the style's alias of natural, folded into it */
} st_class_method;

/* ---- the spec: what the style says -------------------------------------- */

typedef struct st_classify_spec {
    bool enabled;
    const char *field;
    st_class_method method; /* default quantile */
    int classes;            /* default 5; ignored for manual */
    const double *breaks;   /* manual: nbreaks edges */
    size_t nbreaks;
    const char *ramp; /* NULL: "YlOrRd" (unless colours are given) */
    bool reverse;
    const st_rgba *colours; /* NULL, or an explicit list (sampled in OKLab to the class count) */
    size_t ncolours;
    st_loc loc; /* of the classify: mapping; the others of each key (file NULL: not written) */
    st_loc field_loc, method_loc, classes_loc, breaks_loc, ramp_loc, colours_loc;
} st_classify_spec;

typedef struct st_categorize_spec {
    bool enabled;
    const char *field;
    const char *palette;    /* NULL: "Set3" (unless colours are given) */
    const st_rgba *colours; /* NULL, or one colour per category, in order */
    size_t ncolours;
    const char **order; /* categories listed first, in this order; the rest sorted */
    size_t norder;
    int max;       /* most categories with their own colour; 0: as many as the palette
                      publishes (qualitative) or ST_RAMP_MAX; the rest go to "other" */
    st_rgba other; /* fill of the "other" category */
    st_loc loc, field_loc, palette_loc, colours_loc, order_loc, max_loc;
} st_categorize_spec;

typedef enum st_size_scale { ST_SIZE_SQRT = 0, ST_SIZE_LINEAR } st_size_scale;

/* Where a polygon's marker goes: its label point (pole of inaccessibility,
 * as labels use) or its area centroid. */
typedef enum st_marker_at { ST_MARKER_AT_LABEL_POINT = 0, ST_MARKER_AT_CENTROID } st_marker_at;

typedef struct st_size_spec {
    bool enabled;
    const char *field;
    st_size_scale scale;
    double max; /* diameter in pt of the largest value; default 24 */
    double min; /* pt: a non-zero value is drawn at least this large; default 0 */
    st_marker_at at;
    st_loc loc, field_loc, scale_loc, max_loc, min_loc, at_loc;
} st_size_spec;

typedef struct st_legend_format {
    const char *unit;         /* NULL, or a suffix after the high value ("km²") */
    int decimals;             /* -1: the fewest that tell adjacent bounds apart */
    st_language lang;         /* map.language */
    bool no_grouping;         /* no thousands separators */
    const char *nodata_label; /* NULL: "No data" in lang */
    const char *other_label;  /* NULL: "Other" in lang */
} st_legend_format;

typedef struct st_thematic_spec {
    st_classify_spec classify;
    st_categorize_spec categorize;
    st_size_spec size;
    st_legend_format legend;
    st_rgba nodata;    /* fill of no-data features; default #d9d9d9 */
    const char *layer; /* the layer's name, for messages */
} st_thematic_spec;

/* Sets spec to the defaults named above, everything disabled. */
void st_thematic_spec_init(st_thematic_spec *spec);

/* How one table is joined to a layer's features (layers.*.join). */
typedef struct st_join_spec {
    const char *source;         /* resolved path */
    const char *source_written; /* as in the style, for messages (NULL: source) */
    const char *on;             /* the features' field */
    const char *key;            /* the table's column */
    bool numeric;               /* keys compare as numbers when both parse as one */
    const char *prefix;         /* NULL, or put in front of every joined column's name */
    char separator;             /* 0: ',' */
    st_loc loc, source_loc, on_loc, key_loc;
} st_join_spec;

#endif
