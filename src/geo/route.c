/* Routes: a line through named points of a layer, one geodesic leg (PROJ's
 * geodesic.h, Karney 2013, on WGS84) between each two, densified so that
 * the legs curve correctly once projected; or through every via point, the
 * towns a road passes. A name not found is reported with the closest one.
 * See route.h. */
#include "route.h"

#include "derive.h"
#include "dynlib.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- routes ---------------------------------------------------------------- */

/* The feature whose field idx equals name: exactly, else ignoring ASCII case. */
static const st_feature *find_stop(const st_featureset *points, int idx, const char *name)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < points->n; i++) {
            const st_feature *f = &points->feat[i];
            const char *v = f->attrs ? f->attrs[idx] : NULL;
            if (!v || f->npoints == 0)
                continue;
            if (pass == 0 ? strcmp(v, name) == 0 : strcasecmp(v, name) == 0)
                return f;
        }
    }
    return NULL;
}

/* Levenshtein distance ignoring ASCII case (two rows), for "did you mean";
 * names longer than 63 bytes are not compared (SIZE_MAX). */
static size_t name_distance(const char *a, const char *b)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);
    size_t row[2][64];
    if (la > 63 || lb > 63)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t *prev = row[(i - 1) & 1];
        size_t *cur = row[i & 1];
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
        }
    }
    return row[la & 1][lb];
}

/* The value of field idx closest to name, when close enough to be a typo
 * (at most a third of the name's length, at least 1, at most 3 edits). */
static const char *closest_name(const st_featureset *points, int idx, const char *name)
{
    size_t limit = strlen(name) / 3;
    if (limit < 1)
        limit = 1;
    if (limit > 3)
        limit = 3;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < points->n; i++) {
        const st_feature *f = &points->feat[i];
        const char *v = f->attrs ? f->attrs[idx] : NULL;
        if (!v)
            continue;
        size_t d = name_distance(v, name);
        if (d < best_d) {
            best_d = d;
            best = v;
        }
    }
    return best;
}

/* The line through found[0..n-1] by geodesic legs, densified to step_km. */
static steppe_status_t route_build(steppe_ctx_t *ctx, const st_feature *const *found,
                                   const char *const *names, size_t n, double step_km, const char *pre,
                                   const char *path, st_arena *arena, st_featureset *out, st_route_leg **legs)
{
    struct geod_geodesic g;
    struct geod_geodesicline *lines = st_arena_calloc(arena, n - 1, sizeof *lines);
    size_t *steps = st_arena_calloc(arena, n - 1, sizeof *steps);
    st_route_leg *lg = st_arena_calloc(arena, n - 1, sizeof *lg);
    if (!lines || !steps || !lg)
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory building a route", path);

    geod_init(&g, ST_WGS84_A, ST_WGS84_F);
    size_t total = 1;
    for (size_t i = 0; i + 1 < n; i++) {
        const double *p = found[i]->xy;
        const double *q = found[i + 1]->xy;
        geod_inverseline(&lines[i], &g, p[1], p[0], q[1], q[0],
                         GEOD_LATITUDE | GEOD_LONGITUDE | GEOD_DISTANCE_IN);
        double k = ceil(lines[i].s13 / (step_km * 1000));
        steps[i] = k < 1 ? 1 : (size_t)k;
        total += steps[i];
        lg[i].from = st_arena_strdup(arena, names[i]);
        lg[i].to = st_arena_strdup(arena, names[i + 1]);
        lg[i].km = lines[i].s13 / 1000;
    }
    if (total > UINT32_MAX)
        return st_error(ctx, STEPPE_ERR_LIMIT, "%sroute too long for step %g km", pre, step_km);

    st_feature *f = st_featureset_add(out, arena);
    double *xy = st_arena_alloc(arena, 2 * total * sizeof(double));
    uint32_t *parts = st_arena_calloc(arena, 1, sizeof(uint32_t));
    const char **attrs = st_arena_calloc(arena, 1, sizeof(char *));
    if (!f || !xy || !parts || !attrs)
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory building a route", path);
    size_t np = 0;
    xy[0] = found[0]->xy[0];
    xy[1] = found[0]->xy[1];
    np = 1;
    for (size_t i = 0; i + 1 < n; i++) {
        for (size_t j = 1; j < steps[i]; j++) {
            double lat = 0;
            double lon = 0;
            geod_position(&lines[i], lines[i].s13 * (double)j / (double)steps[i], &lat, &lon, NULL);
            xy[2 * np] = lon;
            xy[2 * np + 1] = lat;
            np++;
        }
        /* the stop itself, exactly */
        xy[2 * np] = found[i + 1]->xy[0];
        xy[2 * np + 1] = found[i + 1]->xy[1];
        np++;
    }
    f->record = 0;
    f->nparts = 1;
    f->npoints = (uint32_t)np;
    f->parts = parts;
    f->xy = xy;
    f->attrs = attrs;
    st_feature_update_bbox(f);
    out->source_vertices = np;
    *legs = lg;
    return STEPPE_OK;
}

/* What both route forms check first: at least two points, the field, PROJ. */
static steppe_status_t route_start(steppe_ctx_t *ctx, const st_featureset *points, const char *field,
                                   size_t n, const char *pre, const char *path, st_featureset *out,
                                   st_route_leg **legs, int *idx)
{
    st_featureset_derived(out, ST_GEOM_LINE, points);
    *legs = NULL;
    if (n < 2)
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%sa route needs at least two stops", pre);
    *idx = st_featureset_field(points, field);
    if (*idx < 0)
        return st_error(ctx, STEPPE_ERR_STYLE_KEY, "%sno field '%s' in %s", pre, field, path);
    return st_ctx_load_proj(ctx);
}

/* A route through names (values of field in points, in order): stops, or
 * with via set via points, whose missing names are reported at their own
 * via_locs[i] (loc when NULL) with the closest name. */
static steppe_status_t route_through(steppe_ctx_t *ctx, const st_featureset *points, const char *field,
                                     const char *const *names, const st_loc *via_locs, size_t n, bool via,
                                     double step_km, st_loc loc, st_arena *arena, st_featureset *out,
                                     st_route_leg **legs)
{
    char where[1200];
    const char *pre = st_derive_loc_prefix(loc, where, sizeof where);
    const char *path = points->path ? points->path : "the layer";
    int idx = -1;

    steppe_status_t st = route_start(ctx, points, field, n, pre, path, out, legs, &idx);
    if (st != STEPPE_OK)
        return st;
    if (!(step_km > 0))
        step_km = 50;
    const st_feature **found = st_arena_calloc(arena, n, sizeof *found);
    if (!found)
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory building a route", path);
    for (size_t i = 0; i < n; i++) {
        found[i] = find_stop(points, idx, names[i]);
        if (found[i])
            continue;
        if (!via)
            return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%sno stop '%s' in %s's field '%s'", pre, names[i],
                            path, field);
        /* Where the name was written, not just the layer. */
        char at[1200];
        const char *apre = via_locs ? st_derive_loc_prefix(via_locs[i], at, sizeof at) : pre;
        const char *near = closest_name(points, idx, names[i]);
        if (near)
            return st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                            "%svia point '%s' not found in %s (field '%s'); did you mean '%s'?", apre,
                            names[i], path, field, near);
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%svia point '%s' not found in %s (field '%s')", apre,
                        names[i], path, field);
    }
    return route_build(ctx, found, names, n, step_km, pre, path, arena, out, legs);
}

steppe_status_t st_derive_route(steppe_ctx_t *ctx, const st_featureset *points, const char *field,
                                const char *const *stops, size_t nstops, double step_km, st_loc loc,
                                st_arena *arena, st_featureset *out, st_route_leg **legs)
{
    return route_through(ctx, points, field, stops, NULL, nstops, false, step_km, loc, arena, out, legs);
}

steppe_status_t st_derive_route_via(steppe_ctx_t *ctx, const st_featureset *points, const char *field,
                                    const char *const *via, const st_loc *via_locs, size_t nvia,
                                    double step_km, st_loc loc, st_arena *arena, st_featureset *out,
                                    st_route_leg **legs)
{
    return route_through(ctx, points, field, via, via_locs, nvia, true, step_km, loc, arena, out, legs);
}
