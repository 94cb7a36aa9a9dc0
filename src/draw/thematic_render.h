/* Private: the thematic stage inside a render (issue 11) — joins, derived
 * fields, classification and proportional markers wired between reading a
 * layer and drawing it.
 *
 * Design note: the render reads each source file once and shares it
 * between the layers that draw it (and an atlas shares one data cache
 * between renders), so nothing here writes to a shared feature set:
 *   1. before projection, while coordinates are in the source CRS, the
 *      derived fields every layer of the file names ({area_km2}, ...) are
 *      measured into a side table keyed by record (st_thematic_side_make);
 *   2. each layer then takes its own copy of the feature array, appends
 *      the derived columns it names and its joined tables, and only then
 *      applies its `where` (st_thematic_layer_prepare), so filters, labels,
 *      classify and size see the new fields;
 *   3. after projection, st_thematic_layer_finish checks label templates,
 *      classifies and places the markers (pixels), and
 *      st_thematic_draw_rows draws the layer with per-feature fills and
 *      markers, the largest first. */
#ifndef ST_THEMATIC_RENDER_H
#define ST_THEMATIC_RENDER_H

#include <cairo.h>
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "ctx.h"
#include "features.h"
#include "join.h"
#include "model.h"
#include "project.h"
#include "thematic.h"

/* Derived values of a file's features, by record number. */
typedef struct st_thematic_side {
    const char **names; /* ncols derived column names */
    size_t ncols;
    const char **values; /* nrecords * ncols texts; NULL: a record not read */
    uint32_t nrecords;
} st_thematic_side;

/* The st_derived bits of every field layer names: label templates (its
 * own and its classes'), filters, classify, categorize and size fields. */
unsigned st_thematic_layer_mask(const st_layer *layer);

/* True when the layer needs its own copy of the features (joins, derived
 * fields, classify, categorize or size). */
bool st_thematic_layer_active(const st_layer *layer);

/* Measures the derived fields of mask for every feature of fs (source CRS)
 * into out, leaving fs as it is. Errors as st_thematic_derive_fields(). */
steppe_status_t st_thematic_side_make(steppe_ctx_t *ctx, const st_featureset *fs, unsigned mask, st_loc loc,
                                      st_arena *arena, st_thematic_side *out);

/* A copy of all (its feature array, not its coordinates) with the derived
 * columns layer names (from side, may be NULL when none) and its joins
 * appended. reps: set to layer->njoins reports (NULL when none). */
steppe_status_t st_thematic_layer_prepare(steppe_ctx_t *ctx, const st_layer *layer,
                                          const st_thematic_side *side, const st_featureset *all,
                                          st_arena *arena, st_featureset *out, st_join_report **reps);

/* After projection (fs in pixels): checks that every field the layer's
 * label templates name exists ("did you mean", STEPPE_ERR_STYLE_KEY), then
 * classifies and sizes. *res: NULL when the layer has no thematic key;
 * *marker_xy: 2 * fs->n pixel positions when it has size. */
steppe_status_t st_thematic_layer_finish(steppe_ctx_t *ctx, const st_layer *layer, const st_featureset *fs,
                                         st_arena *arena, st_thematic_result **res, double **marker_xy);

/* Draws the part of a thematic layer in rows y0..y1: its features with
 * their class or category fill, then its markers, largest first. */
void st_thematic_draw_rows(cairo_t *cr, const st_view *view, const st_layer *layer, const st_featureset *fs,
                           const st_thematic_result *res, const double *marker_xy, double y0, double y1);

#endif
