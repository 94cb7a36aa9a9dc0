/*
 * steppe/atlas.h — one map per feature of a layer.
 *
 * Design note: an atlas reads every source of the style once, then renders
 * one page per feature of the chosen layer — framed on that feature with the
 * style's highlight margin and drawn over with the style's highlight symbol
 * — in parallel across worker threads, each with its own context. A page
 * that fails is reported with the feature it was for; the other pages still
 * render.
 */
#ifndef STEPPE_ATLAS_H
#define STEPPE_ATLAS_H

#include <steppe/export.h>
#include <stddef.h>
#include <steppe/render.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct steppe_atlas_opts {
    const char *layer;           /* the layer whose features become pages */
    const char *output;          /* path template: "{field}" is filled from each feature;
                                    the extension picks the format; folders are created */
    int jobs;                    /* worker threads; < 1 means 1 */
    steppe_render_opts_t render; /* size, dpi, limits, PNG level for every page;
                                    its outputs and report are ignored */
    steppe_progress_fn progress; /* NULL, or called as pages finish */
    void *progress_user;
} steppe_atlas_opts_t;

typedef struct steppe_atlas_result {
    size_t pages;   /* features selected */
    size_t written; /* pages written */
    size_t failed;  /* pages that failed (each logged as an error naming its feature) */
    double seconds; /* wall time of the whole atlas */
} steppe_atlas_result_t;

/* Fills opts with defaults: no layer, no template, 1 job. */
STEPPE_API void steppe_atlas_opts_init(steppe_atlas_opts_t *opts);

/*
 * Renders the atlas. res (may be NULL) receives the counts.
 * Returns STEPPE_OK when every page was written; STEPPE_ERR_USAGE for a
 * missing layer or template; a STEPPE_ERR_DATA_* status when a source cannot
 * be read (no page is rendered then); STEPPE_ERR_RENDER when some pages
 * failed (the others were written).
 */
STEPPE_API steppe_status_t steppe_atlas(steppe_ctx_t *ctx, const steppe_style_t *style,
                                        const steppe_atlas_opts_t *opts, steppe_atlas_result_t *res);

#ifdef __cplusplus
}
#endif
#endif
