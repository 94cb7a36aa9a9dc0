/* Private: the scene — what one render has made so far, shared by the
 * stages that run after projection (labels, furniture, report).
 *
 * render.c builds it and calls those stages; they read it (the report only
 * reads it) and add their results (obstacles, placements, layout), but never
 * call back into render.c: dependencies point down the pipeline, from the
 * render that orchestrates to the stages, and from the stages to this
 * header. Every pointer lives in the render's arena. */
#ifndef ST_SCENE_H
#define ST_SCENE_H

#include <cairo.h>
#include <steppe/render.h>

#include "arena.h"
#include "ctx.h"
#include "model.h"

#include "border_regions.h"
#include "derive.h"
#include "features.h"
#include "project.h"
#include "route.h"

/* One layer's data after projection. */
typedef struct st_layer_data {
    const st_layer *layer;
    st_featureset fs; /* pixel coordinates */
    size_t drawn;     /* features drawn */
    /* Streamed (read.c): a big file drawn straight from the disk in
     * batches, read again for each drawing; fs then holds its fields but
     * no features, and vertices the count drawn, for the report. */
    bool streamed;
    size_t vertices;
    bool measured;      /* km is meaningful */
    double km;          /* geodesic length (shared boundary, route) */
    st_route_leg *legs; /* ROUTE: nlegs legs */
    size_t nlegs;
    st_border_share *shares; /* BORDER_REGIONS: one per feature; km is then the border's length */
    size_t nshares;
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
    /* A point's label: the centre of its feature's marker, px, and whether
     * the placer checked that no other marker lies nearer the label. */
    bool anchored;
    double anchor[2];
    /* A label placed away from its feature: the leader line drawn from
     * the label (leader[0], [1]) to the feature ([2], [3]), px. */
    bool has_leader;
    double leader[4];
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

/* One atlas page: the frame, in map CRS units, and the feature to
 * highlight (feature hl_index of hl, in lon/lat as cached). */
typedef struct st_page {
    double extent[4];
    const st_featureset *hl;
    size_t hl_index;
} st_page;

typedef struct st_scene {
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

    const struct st_datacache *cache; /* NULL: read sources from disk (datacache.h) */
    struct derive_job *derive_jobs;   /* read.c: shared boundaries derived on threads */
    size_t nderive_jobs;
    struct label_job *label_job;    /* render.c: labels placed while a PNG's base is drawn */
    struct source_job *source_jobs; /* read.c: source files read and projected on threads */
    size_t nsource_jobs;
    const st_page *page;     /* NULL: not an atlas page */
    st_featureset highlight; /* the page's feature, projected (n == 0 without a page) */

    struct st_furniture *furniture;   /* furniture.c's layout, drawn per output */
    struct st_label_plan *label_plan; /* labels.c's placements, drawn per output */
} st_scene;

/* The map frame within the canvas (x0, y0, x1, y1 px): the view's frame,
 * or the whole canvas for a view made without one (frame all 0). */
static inline st_box st_scene_frame(const st_view *v)
{
    if (v->frame[2] > v->frame[0] && v->frame[3] > v->frame[1])
        return (st_box){v->frame[0], v->frame[1], v->frame[2], v->frame[3]};
    return (st_box){0, 0, v->width_px, v->height_px};
}

/* Adds an obstacle box. Returns STEPPE_ERR_NOMEM on failure. */
/* Room for n more obstacles at once (the arena keeps what doubling
 * leaves behind: a million markers). */
steppe_status_t st_scene_reserve_obstacles(st_scene *r, size_t n);
steppe_status_t st_scene_add_obstacle(st_scene *r, st_box box);

/* Reports done of the render's steps (one per layer, one per output) to
 * the progress callback of r's options, if any. */
void st_scene_progress(st_scene *r, size_t done);

/* Milliseconds on the monotonic clock: what timings_ms is measured with. */
double st_scene_now_ms(void);

/* Name of a stage for the report ("read", "project", ...). */
const char *st_stage_name(st_stage stage);

#endif
