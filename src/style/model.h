/* Private: the map model — what a style file means, fully validated.
 *
 * style.c turns YAML into a located node tree (extends and overrides
 * applied); model.c validates that tree against the schema and fills these
 * structs. Everything here is immutable after loading and lives in the
 * style's arena. Units: lengths in points (1/72 in) unless the field says
 * otherwise; colours as straight (non-premultiplied) RGBA in 0..1. */
#ifndef ST_MODEL_H
#define ST_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <steppe/style.h>

#include "arena.h"

/* Where a value was written: file (owned by the style), 1-based line/col.
 * file NULL means "built in" (defaults, quick-look). */
typedef struct st_loc {
    const char *file;
    int line;
    int col;
} st_loc;

typedef struct st_rgba {
    double r, g, b, a;
} st_rgba;

/* ---- attribute filters -------------------------------------------------- */

typedef enum st_cond_op {
    ST_OP_EQ,
    ST_OP_NE,
    ST_OP_IN,
    ST_OP_NOT_IN,
    ST_OP_LT,
    ST_OP_LE,
    ST_OP_GT,
    ST_OP_GE
} st_cond_op;

/* One condition on one field. EQ/NE/IN/NOT_IN compare strings (values,
 * nvalues; EQ/NE use values[0]) — a numeric field compares numerically when
 * the value parses as a number. LT..GE compare numerically against num. */
typedef struct st_cond {
    const char *field;
    st_cond_op op;
    const char **values;
    size_t nvalues;
    double num;
    st_loc loc;
} st_cond;

/* A conjunction of conditions; n == 0 matches every feature. */
typedef struct st_filter {
    st_cond *conds;
    size_t n;
} st_filter;

/* ---- symbols ------------------------------------------------------------ */

typedef enum st_marker {
    ST_MARKER_NONE = 0,
    ST_MARKER_CIRCLE,
    ST_MARKER_SQUARE,
    ST_MARKER_TRIANGLE,
    ST_MARKER_DIAMOND,
    ST_MARKER_STAR
} st_marker;

typedef enum st_hatch {
    ST_HATCH_NONE = 0,
    ST_HATCH_HORIZONTAL,
    ST_HATCH_VERTICAL,
    ST_HATCH_DIAGONAL,       /* lines rising to the right: / */
    ST_HATCH_BACK_DIAGONAL,  /* \ */
    ST_HATCH_CROSS,          /* + */
    ST_HATCH_DIAGONAL_CROSS, /* x */
    ST_HATCH_DOTS
} st_hatch;

typedef enum st_join { ST_JOIN_ROUND = 0, ST_JOIN_MITER, ST_JOIN_BEVEL } st_join;
typedef enum st_cap { ST_CAP_ROUND = 0, ST_CAP_BUTT, ST_CAP_SQUARE } st_cap;

typedef struct st_symbol {
    bool has_fill;
    st_rgba fill;
    bool has_stroke;
    st_rgba stroke;
    double width;   /* stroke width, pt */
    double dash[8]; /* on/off lengths, pt */
    int ndash;      /* 0: solid */
    st_join join;
    st_cap cap;
    bool has_casing; /* a cased line: casing drawn beneath, wider */
    st_rgba casing;
    double casing_width; /* total width of the casing, pt */
    st_marker marker;    /* points only */
    double size;         /* marker diameter, pt */
    double opacity;      /* whole-layer opacity 0..1 */
    st_hatch hatch;      /* polygons: pattern drawn over the fill */
    st_rgba hatch_color;
    double hatch_spacing; /* pt between hatch lines */
    double hatch_width;   /* pt */
} st_symbol;

/* ---- labels ------------------------------------------------------------- */

typedef enum st_placement {
    ST_PLACE_AUTO = 0, /* point for points, polygon for polygons, line for lines */
    ST_PLACE_POINT,
    ST_PLACE_POLYGON, /* inside the polygon, at its pole of inaccessibility */
    ST_PLACE_LINE     /* along the line, following its curve */
} st_placement;

typedef struct st_label {
    bool enabled;
    const char *text; /* template: "{field}" is replaced by the value */
    const char *font; /* fontconfig family; NULL: the map's font */
    double size;      /* pt */
    int weight;       /* 400 normal, 700 bold */
    bool italic;
    bool uppercase;
    double letter_spacing; /* pt */
    st_rgba color;
    st_rgba halo;
    double halo_width; /* pt; 0: no halo */
    int priority;      /* higher is placed first */
    st_placement placement;
    double offset;   /* pt between a point's marker and its label */
    double min_area; /* polygons smaller than this (px^2) get no label */
    bool outside;    /* a polygon label that does not fit inside goes beside the pole */
    st_loc text_loc; /* where text (or the shorthand) was written; file NULL: not written */
} st_label;

/* ---- layers ------------------------------------------------------------- */

typedef enum st_layer_kind {
    ST_LAYER_SHAPEFILE = 0,   /* source: a .shp */
    ST_LAYER_CSV,             /* source: a CSV of points (lon/lat columns) */
    ST_LAYER_SHARED_BOUNDARY, /* the boundary shared by feature sets a and b of another layer */
    ST_LAYER_ROUTE,           /* geodesic legs through named points of another layer */
    ST_LAYER_BORDER_REGIONS,  /* the regions of another layer along a shared-boundary layer's border */
    ST_LAYER_GEOJSON,         /* source: GeoJSON (RFC 7946) or newline-delimited GeoJSON */
    ST_LAYER_GPKG,            /* source: a GeoPackage (a feature table, or an sql: query) */
    ST_LAYER_POSTGIS          /* source: a PostgreSQL/PostGIS connection (table: or sql:) */
} st_layer_kind;

/* Whether a layer of this kind reads a source of its own (a file or a
 * database), rather than deriving from another layer. */
static inline int st_kind_has_source(st_layer_kind k)
{
    return k == ST_LAYER_SHAPEFILE || k == ST_LAYER_CSV || k == ST_LAYER_GEOJSON || k == ST_LAYER_GPKG ||
           k == ST_LAYER_POSTGIS;
}

/* A class: features matching `where` draw with `sym`/`label` (the layer's
 * values with the class's overrides applied). First match wins. */
typedef struct st_class {
    const char *name;
    st_filter where;
    st_symbol sym;
    st_label label;
    const char *legend; /* NULL: not in the legend */
    st_loc loc;
} st_class;

typedef struct st_layer {
    const char *name;
    st_loc loc;
    st_layer_kind kind;
    bool visible;

    /* layers with a source of their own (st_kind_has_source()) */
    const char *source;         /* resolved path */
    const char *source_written; /* as written in the style */
    st_loc source_loc;
    const char *crs; /* NULL: from .prj (EPSG:4326 if none, with a warning) */
    st_loc crs_loc;
    const char *encoding;  /* NULL: from .cpg / dbf code page */
    const char *lon_field; /* CSV: default "lon" */
    const char *lat_field; /* CSV: default "lat" */
    const char *table;     /* GeoPackage (layer:), PostGIS (table:): the table; NULL: the only/first one */
    const char *sql;       /* GeoPackage, PostGIS: a query whose rows are the features */
    bool integrity_check;  /* GeoPackage: PRAGMA integrity_check before reading */
    const char *geometry_column; /* PostGIS (geometry:): NULL: the only geometry column */
    double timeout;              /* PostGIS: the statement timeout in seconds */

    /* ST_LAYER_SHARED_BOUNDARY and ST_LAYER_ROUTE: the layer they derive from */
    const char *of;
    st_loc of_loc;
    st_filter a, b;         /* SHARED_BOUNDARY: the two sides */
    const char *stop_field; /* ROUTE: field matched against stops */
    const char **stops;     /* ROUTE: stop names in order */
    size_t nstops;
    const char **via; /* ROUTE: every town the line passes, in order (NULL: legs between stops) */
    size_t nvia;
    st_loc *via_locs;   /* ROUTE: where each via entry was written */
    const char *border; /* BORDER_REGIONS: the shared-boundary layer */
    st_loc border_loc;
    double tolerance_km;      /* BORDER_REGIONS: how far a region's outline may lie from the border */
    const char *region_field; /* BORDER_REGIONS: the field naming a region in --report */

    st_filter where;
    st_symbol sym;
    st_label label;
    st_class *classes;
    size_t nclasses;
    const char *legend; /* NULL: the layer is not in the legend */
    int legend_order;   /* legend entries sort by this, then layer order */

    /* A measured length (shared boundary, route) goes into the report under
     * `measure`, and `measure_text` (a template with {km}, {km_round}) is
     * printed on the map in the note box when set. */
    const char *measure;
    const char *measure_text;

    /* Thematic keys (issue 11): classify, categorize, size, legend-format,
     * nodata-colour (thematic.h), always allocated for a file layer; and
     * the tables joined to the features in order (join.h). */
    struct st_thematic_spec *thematic;
    struct st_join_spec *joins;
    size_t njoins;
} st_layer;

/* ---- map furniture ------------------------------------------------------ */

typedef enum st_corner {
    ST_CORNER_TOP_LEFT = 0,
    ST_CORNER_TOP_RIGHT,
    ST_CORNER_BOTTOM_LEFT,
    ST_CORNER_BOTTOM_RIGHT
} st_corner;

/* How legend entries run: down a column, or along rows (a classified
 * layer's classes then read as a bar of swatches, each range below). */
typedef enum st_legend_direction { ST_LEGEND_VERTICAL = 0, ST_LEGEND_HORIZONTAL } st_legend_direction;

/* Where the furniture goes: over the map in its corners (inside), around
 * the map frame (outside: title above, legend, notes, scale bar and
 * attribution below), or inside when that covers none of the subject and
 * outside otherwise (auto). */
typedef enum st_layout { ST_LAYOUT_INSIDE = 0, ST_LAYOUT_OUTSIDE, ST_LAYOUT_AUTO } st_layout;
/* map.leaders: which labels may sit away from their feature with a leader line. */
typedef enum st_leaders { ST_LEADERS_AUTO = 0, ST_LEADERS_ON, ST_LEADERS_OFF } st_leaders;

/* Named sizes (map.size), in the order of the schema's words. */
typedef enum st_named_size {
    ST_SIZE_A4_COLUMN = 0,
    ST_SIZE_HALF_COLUMN,
    ST_SIZE_A4_PORTRAIT,
    ST_SIZE_A4_LANDSCAPE,
    ST_SIZE_SLIDE_16X9,
    ST_SIZE_LETTER_COLUMN
} st_named_size;

typedef enum st_extent_kind {
    ST_EXTENT_LONLAT = 0, /* extent[] = west, south, east, north in degrees */
    ST_EXTENT_MAP,        /* extent[] = xmin, ymin, xmax, ymax in map CRS units */
    ST_EXTENT_FIT         /* fit to the features of fit_layer (matching fit_where) */
} st_extent_kind;

/* The language of the words the renderer itself writes (units, degree
 * hemispheres) and of its number format (thousands separator). */
typedef enum st_language { ST_LANG_EN = 0, ST_LANG_RU, ST_LANG_KK } st_language;

typedef struct st_text_style {
    const char *font; /* NULL: the map's font */
    double size;      /* pt */
    int weight;
    bool italic;
    st_rgba color;
} st_text_style;

typedef struct st_map {
    const char *name;    /* style file name without extension */
    const char *path;    /* style file path */
    const char **inputs; /* every style file that wrote a value (the extends chain) */
    size_t ninputs;

    double width_px; /* canvas, pixels */
    double height_px;
    double dpi;        /* pixels per inch; sizes in pt scale with it */
    double max_pixels; /* 0: the default limit */
    st_loc size_loc;   /* where map.width (else map.height) is written */
    /* The printed size in inches when the style gives one (a named size or
     * a length in mm, cm, in or pt), so that another dpi keeps it; 0 when
     * the side is in pixels. */
    double width_in, height_in;
    bool has_size;        /* map.size given */
    st_named_size size;   /* map.size */
    bool height_follows;  /* the height follows the subject's aspect */
    st_layout layout;     /* map.layout */
    const char **subject; /* map.subject: layer names; NULL: the fit layer */
    size_t nsubject;
    st_leaders leaders;     /* map.leaders */
    double legend_min_size; /* pt: the legend shrinks down to this before dropping entries */
    /* Render time only: the frame's distance from the canvas edges, px
     * (left, top, right, bottom); all 0 when the map fills the canvas. */
    double frame_inset[4];

    const char *crs;
    st_loc crs_loc;
    st_extent_kind extent_kind;
    double extent[4];
    const char *fit_layer;
    st_filter fit_where;
    double margin; /* fraction of the fitted extent added on each side */
    st_loc extent_loc;

    st_rgba background;   /* a transparent background gives an RGBA PNG */
    const char *font;     /* default family, e.g. "Noto Sans" */
    st_language language; /* words and number format of the furniture */

    /* Title block */
    const char *title;
    const char *subtitle;
    st_text_style title_style;
    st_text_style subtitle_style;
    st_corner title_corner;

    /* Legend */
    bool legend;
    const char *legend_title;
    st_corner legend_corner;
    st_legend_direction legend_direction;
    st_text_style legend_style;

    /* Scale bar, geodesically correct at the map centre */
    bool scalebar;
    st_corner scalebar_corner;
    double scalebar_max_width; /* fraction of the map width */

    /* Graticule */
    bool graticule;
    double graticule_step; /* degrees */
    st_symbol graticule_sym;
    bool graticule_labels; /* degree labels on the frame */
    st_text_style graticule_style;

    /* Notes: measured lengths etc. are listed here; attribution along the bottom */
    st_corner notes_corner;
    const char *attribution;
    st_text_style attribution_style;

    /* Inset locator map */
    bool inset;
    st_corner inset_corner;
    double inset_width; /* fraction of the map width */
    const char *inset_crs;
    double inset_extent[4];  /* west, south, east, north */
    const char *inset_layer; /* layer drawn in the inset (its own style) */
    st_symbol inset_frame;   /* how the main frame is drawn in the inset */

    /* Atlas highlight: how the atlas feature is drawn */
    st_symbol highlight;
    double highlight_margin;       /* fraction */
    const char *highlight_nearest; /* point layer whose nearest features each page shows, or NULL */
    st_filter highlight_where;     /* atlas pages only for matching features */
    int highlight_nearest_count;
    const char *atlas_layer; /* atlas.layer: the default of steppe atlas --layer, or NULL */

    /* PNG metadata */
    const char *meta_title;  /* NULL: title */
    const char *meta_source; /* data attribution for the Source chunk; NULL: attribution */

    st_layer *layers;
    size_t nlayers;
} st_map;

/* The most layers a map may have (bind.c refuses more at the layers key). */
#define ST_MAX_LAYERS 10000

/* The largest canvas (width x height in pixels) a render draws when neither
 * map.max-pixels nor the command line sets one. */
#define ST_DEFAULT_MAX_PIXELS 200e6

struct steppe_style {
    st_map map;
    st_arena *arena; /* owns every string and array of map */
};

/* Finds a layer by name, or NULL. */
const st_layer *st_map_layer(const st_map *map, const char *name);

#endif
