/* Which layers read the same data, and the columns a map uses of them.
 * (st_source_read_layer() itself, the dispatch to a driver, is in driver.c.) */
#include "source.h"

#include <stdbool.h>
#include <string.h>

#include "thematic_spec.h"

/* ---- which layers share data -------------------------------------------- */

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

bool st_layer_same_source(const st_layer *a, const st_layer *b)
{
    return a->kind == b->kind && same_str(a->source, b->source) && same_str(a->crs, b->crs) &&
           same_str(a->encoding, b->encoding) && same_str(a->lon_field, b->lon_field) &&
           same_str(a->lat_field, b->lat_field) && same_str(a->table, b->table) && same_str(a->sql, b->sql) &&
           same_str(a->geometry_column, b->geometry_column);
}

/* ---- the columns a map uses ----------------------------------------------- */

typedef struct names {
    const char **v;
    size_t n, cap;
    bool ok;
} names;

static void add_name(names *ns, const char *name, st_arena *arena)
{
    if (!ns->ok || !name || !*name)
        return;
    for (size_t i = 0; i < ns->n; i++) {
        if (strcmp(ns->v[i], name) == 0)
            return;
    }
    if (ns->n + 1 >= ns->cap) {
        size_t cap = ns->cap ? 2 * ns->cap : 16;
        const char **v = st_arena_calloc(arena, cap, sizeof *v);
        if (!v) {
            ns->ok = false;
            return;
        }
        if (ns->n)
            memcpy(v, ns->v, ns->n * sizeof *v);
        ns->v = v;
        ns->cap = cap;
    }
    ns->v[ns->n++] = name;
    ns->v[ns->n] = NULL;
}

static void add_filter(names *ns, const st_filter *f, st_arena *arena)
{
    for (size_t i = 0; i < f->n; i++)
        add_name(ns, f->conds[i].field, arena);
}

/* Every {field} of a label template ("{{" and "}}" are literal braces, as
 * st_feature_format() reads them). */
static void add_template(names *ns, const char *tmpl, st_arena *arena)
{
    for (const char *p = tmpl; p && *p;) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            p += 2;
            continue;
        }
        const char *close = p[0] == '{' ? strchr(p + 1, '}') : NULL;
        if (!close) {
            p++;
            continue;
        }
        char *name = st_arena_alloc(arena, (size_t)(close - p));
        if (!name) {
            ns->ok = false;
            return;
        }
        memcpy(name, p + 1, (size_t)(close - p - 1));
        name[close - p - 1] = '\0';
        add_name(ns, name, arena);
        p = close + 1;
    }
}

static void add_label(names *ns, const st_label *l, st_arena *arena)
{
    if (l->enabled)
        add_template(ns, l->text, arena);
}

/* The columns that the layers of map reading the same data as layer use,
 * NULL-terminated, or NULL for all: when a derived layer (a shared boundary,
 * a route, ...) reads from them, or when out of memory. A column left out
 * must never be one a label, filter, class or thematic key needs, or the map
 * would silently lose it; so anything not listed here keeps every column. */
static const char **fields_used(const st_map *map, const st_layer *layer, st_arena *arena)
{
    names ns = {.ok = true};
    ns.v = st_arena_calloc(arena, 16, sizeof *ns.v); /* terminated even when nothing is used */
    ns.cap = ns.v ? 16 : 0;
    ns.ok = ns.v != NULL;
    for (size_t i = 0; i < map->nlayers && ns.ok; i++) {
        const st_layer *L = &map->layers[i];
        if (L->of) {
            const st_layer *of = st_map_layer(map, L->of);
            if (of && st_layer_same_source(of, layer))
                return NULL;
        }
        if (!L->source || !st_layer_same_source(L, layer))
            continue;
        add_filter(&ns, &L->where, arena);
        add_label(&ns, &L->label, arena);
        for (size_t c = 0; c < L->nclasses; c++) {
            add_filter(&ns, &L->classes[c].where, arena);
            add_label(&ns, &L->classes[c].label, arena);
        }
        if (L->thematic) {
            add_name(&ns, L->thematic->classify.field, arena);
            add_name(&ns, L->thematic->categorize.field, arena);
            add_name(&ns, L->thematic->size.field, arena);
        }
        for (size_t j = 0; j < L->njoins; j++)
            add_name(&ns, L->joins[j].on, arena);
        if (map->extent_kind == ST_EXTENT_FIT && map->fit_layer && strcmp(map->fit_layer, L->name) == 0)
            add_filter(&ns, &map->fit_where, arena);
    }
    return ns.ok ? ns.v : NULL;
}

steppe_status_t st_source_read_for_map(steppe_ctx_t *ctx, const st_map *map, const st_layer *layer,
                                       const double *bbox, double simplify, st_arena *arena,
                                       st_featureset *out)
{
    const char *const *keep = NULL;
    if (layer->kind == ST_LAYER_CSV || layer->kind == ST_LAYER_POSTGIS)
        keep = fields_used(map, layer, arena);
    return st_source_read_layer_keep(ctx, layer, bbox, simplify, keep, arena, out);
}

void st_read_job_init(st_read_job *job, steppe_ctx_t *ctx, const char *path, const st_read_opts *opts,
                      st_arena *arena, st_featureset *fs, st_source_stats *local)
{
    static const st_read_opts no_opts;
    job->ctx = ctx;
    job->path = path;
    job->opts = opts ? opts : &no_opts;
    job->arena = arena;
    job->fs = fs;
    job->stats = job->opts->stats ? job->opts->stats : local;
    memset(job->stats, 0, sizeof *job->stats);
}
