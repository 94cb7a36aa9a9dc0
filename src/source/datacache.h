/* Private: the data cache — source files read once for many renders.
 *
 * The atlas reads every file its pages draw from once, unfiltered and at
 * full resolution, and each page's render takes its features from here
 * instead of the disk. Read-only after st_datacache_load(), so renders in
 * several threads may share it. Below render.c and atlas.c, which both use
 * it; it calls only the sources. */
#ifndef ST_DATACACHE_H
#define ST_DATACACHE_H

#include <stdbool.h>

#include "ctx.h"
#include "features.h"
#include "model.h"
#include "source.h" /* st_layer_same_source */

typedef struct st_datacache st_datacache;

/* Reads every file map's shapefile and csv layers draw from, once each.
 * *out is NULL on failure (the error is recorded in ctx). Free with
 * st_datacache_destroy(). */
steppe_status_t st_datacache_load(steppe_ctx_t *ctx, const st_map *map, st_datacache **out);

/* Frees cache and every feature set in it; accepts NULL. */
void st_datacache_destroy(st_datacache *cache);

/* The cached features of the file layer reads (matched by source, crs,
 * encoding and columns), or NULL if the cache does not hold it. */
const st_featureset *st_datacache_find(const st_datacache *cache, const st_layer *layer);

#endif
