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

/* Told about each page of the shard, in page order, instead of rendering
 * it (steppe_atlas_opts_t.list): index is the page's number among all
 * pages of the atlas (0-based), key the value of the layer's first field
 * (or "record N"), path the page's file. Both strings are valid only
 * during the call. */
typedef void (*steppe_atlas_page_fn)(void *user, size_t index, const char *key, const char *path);

typedef struct steppe_atlas_opts {
    const char *layer;           /* the layer whose features become pages;
                                    NULL: the style's atlas.layer */
    const char *output;          /* path template: "{field}" is filled from each feature;
                                    the extension picks the format; folders are created */
    int jobs;                    /* worker threads; < 1 means 1 */
    steppe_render_opts_t render; /* size, dpi, limits, PNG level for every page;
                                    its outputs and report are ignored */
    steppe_progress_fn progress; /* NULL, or called as pages finish */
    void *progress_user;
    /* Sharding: with shard_count N > 0 only the pages whose index i (0-based,
     * in the layer's record order, after the where filters) has
     * i % N == shard_index - 1 are rendered. shard_index is 1..N. Every
     * shard checks all pages (the same errors, the same collisions), so the
     * union of the shards 1..N is exactly the unsharded atlas. */
    unsigned shard_index;
    unsigned shard_count;
    steppe_atlas_page_fn list; /* non-NULL: report the shard's pages, render and
                                  write nothing, create no folder */
    void *list_user;
} steppe_atlas_opts_t;

typedef struct steppe_atlas_result {
    size_t pages;   /* pages of this shard (of the whole atlas when unsharded) */
    size_t written; /* pages written */
    size_t failed;  /* pages that failed (each logged as an error naming its feature) */
    double seconds; /* wall time of the whole atlas */
    size_t total;   /* pages of all shards: features selected */
} steppe_atlas_result_t;

/* Fills opts with defaults: no layer, no template, 1 job, no sharding. */
STEPPE_API void steppe_atlas_opts_init(steppe_atlas_opts_t *opts);

/*
 * Renders the atlas. res (may be NULL) receives the counts.
 * Returns STEPPE_OK when every page was written (also when the shard has no
 * page: more shards than pages); STEPPE_ERR_USAGE for a missing layer or
 * template or a shard_index outside 1..shard_count; a STEPPE_ERR_DATA_* status when a source cannot
 * be read (no page is rendered then); STEPPE_ERR_RENDER when some pages
 * failed (the others were written).
 */
STEPPE_API steppe_status_t steppe_atlas(steppe_ctx_t *ctx, const steppe_style_t *style,
                                        const steppe_atlas_opts_t *opts, steppe_atlas_result_t *res);

#ifdef __cplusplus
}
#endif
#endif
