/* The data cache: see datacache.h. */
#include "datacache.h"

#include <stdlib.h>
#include <string.h>

#include "source.h"

struct st_datacache {
    st_arena *arena;         /* the features, and the two arrays below */
    const st_layer **layers; /* the first layer that read each file */
    st_featureset *sets;
    size_t n;
};

const st_featureset *st_datacache_find(const st_datacache *cache, const st_layer *layer)
{
    for (size_t i = 0; i < cache->n; i++) {
        if (st_layer_same_source(cache->layers[i], layer))
            return &cache->sets[i];
    }
    return NULL;
}

void st_datacache_destroy(st_datacache *c)
{
    if (!c)
        return;
    st_arena_destroy(c->arena);
    free(c);
}

/* Reads every file the map's layers draw from, once each, unfiltered and at
 * full resolution. */
steppe_status_t st_datacache_load(steppe_ctx_t *ctx, const st_map *map, st_datacache **out)
{
    st_datacache *c = calloc(1, sizeof *c);
    if (!c)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    c->arena = st_arena_create(0);
    if (c->arena) {
        c->layers = st_arena_calloc(c->arena, map->nlayers ? map->nlayers : 1, sizeof *c->layers);
        c->sets = st_arena_calloc(c->arena, map->nlayers ? map->nlayers : 1, sizeof *c->sets);
    }
    steppe_status_t st = STEPPE_OK;
    if (!c->layers || !c->sets) {
        st = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < map->nlayers; i++) {
        const st_layer *layer = &map->layers[i];
        if (!st_kind_has_source(layer->kind))
            continue;
        if (st_datacache_find(c, layer))
            continue;
        st_layer unfiltered = *layer;
        unfiltered.where.n = 0;
        st = st_source_read_layer(ctx, &unfiltered, NULL, 0, c->arena, &c->sets[c->n]);
        if (st != STEPPE_OK)
            goto done;
        c->layers[c->n++] = layer;
    }
done:
    if (st != STEPPE_OK) {
        st_datacache_destroy(c);
        c = NULL;
    }
    *out = c;
    return st;
}
