/* Private: the state of one render, shared by the stages that run after
 * projection (labels, furniture, report). Owned by render.c; every pointer
 * lives in the render's arena. */
#ifndef ST_RENDER_H
#define ST_RENDER_H

#include <cairo.h>
#include <steppe/render.h>

#include "derive.h"
#include "features.h"
#include "project.h"

/* One layer's data after projection. */
typedef struct st_layer_data {
    const st_layer *layer;
    st_featureset fs;   /* pixel coordinates */
    size_t drawn;       /* features drawn */
    bool measured;      /* km is meaningful */
    double km;          /* geodesic length (shared boundary, route) */
    st_route_leg *legs; /* ROUTE: nlegs legs */
    size_t nlegs;
    double read_ms;    /* reading (and deriving), for the report */
    double project_ms; /* projecting and generalising */
    /* Thematic layers (thematic_render.h): classes, sizes and markers
     * (NULL without classify, categorize or size) and the joins' reports. */
    struct st_thematic_result *thematic;
    double *marker_xy; /* 2 per feature: where its marker goes, pixels */
    struct st_join_report *joins;
    size_t njoins;
} st_layer_data;

/* An axis-aligned box in output pixels. */
typedef struct st_box {
    double x0, y0, x1, y1;
} st_box;

/* A placed label, as drawn and as reported. */
typedef struct st_placed_label {
    const char *layer;
    const char *text;
    st_box box;          /* the whole label (for curved text, the union of its glyphs) */
    const st_box *parts; /* curved text: the box of each glyph cluster; NULL for straight text */
    size_t nparts;
} st_placed_label;

typedef struct st_dropped_label {
    const char *layer;
    const char *text;
} st_dropped_label;

typedef enum st_stage {
    ST_STAGE_STYLE = 0,
    ST_STAGE_READ,
    ST_STAGE_PROJECT,
    ST_STAGE_DRAW,
    ST_STAGE_LABELS,
    ST_STAGE_FURNITURE,
    ST_STAGE_OUTPUT,
    ST_STAGE_COUNT
} st_stage;

/* Data read once and shared by many renders (the atlas): every source
 * layer's features, unfiltered and at full resolution. Read-only after
 * st_datacache_load(), so renders in several threads may share it. */
typedef struct st_datacache st_datacache;

/* The cached features of the file layer reads (matched by source, crs,
 * encoding and columns), or NULL if the cache does not hold it. */
const st_featureset *st_datacache_find(const st_datacache *cache, const st_layer *layer);

/* True when two layers read the same data (same file, crs, encoding,
 * columns), so one read serves both. */
bool st_layer_same_source(const st_layer *a, const st_layer *b);

/* One atlas page: the frame, in map CRS units, and the feature to
 * highlight (feature hl_index of hl, in lon/lat as cached). */
typedef struct st_page {
    double extent[4];
    const st_featureset *hl;
    size_t hl_index;
} st_page;

/* Renders map (already sized: opts' width/height/dpi are applied here too)
 * to opts' outputs, reading through cache when it is not NULL, framed and
 * highlighted by page when it is not NULL. steppe_render() is this with
 * neither. */
steppe_status_t st_render_map(steppe_ctx_t *ctx, const st_map *map, const steppe_render_opts_t *opts,
                              const st_datacache *cache, const st_page *page);

typedef struct st_render {
    steppe_ctx_t *ctx;
    const st_map *map;
    const steppe_render_opts_t *opts;
    st_arena *arena;
    st_view view;
    st_proj *lonlat_to_map; /* EPSG:4326 → map CRS */

    st_layer_data *layers; /* map->nlayers entries, in map order */
    size_t nlayers;

    /* Boxes that labels must avoid: markers and furniture (pixels). */
    st_box *obstacles;
    size_t nobstacles, cap_obstacles;

    st_placed_label *labels;
    size_t nlabels, cap_labels;
    st_dropped_label *dropped;
    size_t ndropped, cap_dropped;

    double timings_ms[ST_STAGE_COUNT];

    const st_datacache *cache;      /* NULL: read sources from disk */
    struct derive_job *derive_jobs; /* render.c: shared boundaries derived on threads */
    size_t nderive_jobs;
    struct label_job *label_job;    /* render.c: labels placed while a PNG's base is drawn */
    struct source_job *source_jobs; /* render.c: source files read and projected on threads */
    size_t nsource_jobs;
    const st_page *page;     /* NULL: not an atlas page */
    st_featureset highlight; /* the page's feature, projected (n == 0 without a page) */

    struct st_furniture *furniture;   /* furniture.c's layout, drawn per output */
    struct st_label_plan *label_plan; /* labels.c's placements, drawn per output */
} st_render;

/* Adds an obstacle box. Returns STEPPE_ERR_NOMEM on failure. */
steppe_status_t st_render_add_obstacle(st_render *r, st_box box);

/* Name of a stage for the report ("read", "project", ...). */
const char *st_stage_name(st_stage stage);

#endif
