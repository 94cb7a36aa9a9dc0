/* Private: the render — one map from a style to its outputs.
 *
 * render.c chains the stages (source → features → project → draw → labels
 * → furniture → output) over a scene (scene.h) that it builds and the later
 * stages fill in. The atlas calls it once per page, with a data cache
 * (datacache.h) read once for all pages. */
#ifndef ST_RENDER_H
#define ST_RENDER_H

#include <steppe/render.h>

#include "datacache.h"
#include "scene.h"

/* Renders map (already sized: opts' width/height/dpi are applied here too)
 * to opts' outputs, reading through cache when it is not NULL, framed and
 * highlighted by page when it is not NULL. steppe_render() is this with
 * neither. */
steppe_status_t st_render_map(steppe_ctx_t *ctx, const st_map *map, const steppe_render_opts_t *opts,
                              const st_datacache *cache, const st_page *page);

#endif
