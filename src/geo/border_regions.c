/* Border shares and border regions: the lines of a border split among the
 * regions (polygons) nearest them, within a tolerance, measured on the
 * WGS84 ellipsoid; and the regions along a border with their shares and
 * reach. The two datasets need not share vertices. See border_regions.h. */
#include "border_regions.h"

#include "derive.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- border shares ---------------------------------------------------------- */

/* Squared distance in km² from (x, y) to segment a-b, all lon/lat, in a
 * local equirectangular frame (lon scaled by cos(lat)): exact enough for
 * distances of a few km, which is all the tolerance asks. */
static double seg_dist2_km(double x, double y, double ax, double ay, double bx, double by)
{
    const double ky = 111.2;
    const double kx = ky * cos(y * M_PI / 180);
    double px = (x - ax) * kx;
    double py = (y - ay) * ky;
    double dx = (bx - ax) * kx;
    double dy = (by - ay) * ky;
    double len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? (px * dx + py * dy) / len2 : 0;
    t = t < 0 ? 0 : (t > 1 ? 1 : t);
    double ex = px - t * dx;
    double ey = py - t * dy;
    return ex * ex + ey * ey;
}

/* Distance in km from (x, y) to the outline of polygon f. Inside or not
 * does not matter: a border runs along its regions' outlines, and where two
 * datasets disagree it may run a little inside a region that does not reach
 * it at all (the one behind the true border region's narrow strip). */
static double region_dist_km(const st_feature *f, double x, double y)
{
    double best = INFINITY;
    for (uint32_t k = 0; k < f->nparts; k++) {
        uint32_t i0 = st_part_begin(f, k);
        uint32_t i1 = st_part_end(f, k);
        for (uint32_t i = i0; i + 1 < i1; i++) {
            const double *a = &f->xy[2 * i];
            const double *b = &f->xy[2 * i + 2];
            best = fmin(best, seg_dist2_km(x, y, a[0], a[1], b[0], b[1]));
        }
    }
    return sqrt(best);
}

/* The region nearest to (x, y) within tol_km, -1 if none. */
static long nearest_region(const st_featureset *regions, double x, double y, double tol_km)
{
    long best = -1;
    double best_d = INFINITY;
    double ty = tol_km / 111.2;
    double tx = ty / fmax(cos(y * M_PI / 180), 0.01);
    for (size_t r = 0; r < regions->n; r++) {
        const st_feature *f = &regions->feat[r];
        if (x < f->bbox[0] - tx || x > f->bbox[2] + tx || y < f->bbox[1] - ty || y > f->bbox[3] + ty)
            continue;
        double d = region_dist_km(f, x, y);
        if (d <= tol_km && d < best_d) {
            best_d = d;
            best = (long)r;
        }
    }
    return best;
}

/* The border cut into pieces of at most 1 km (a region's share is then
 * exact to about 1 km at each end of its stretch): fn gets each piece's
 * midpoint (lon/lat) and length in km. Returns the border's length. */
typedef void (*piece_fn)(void *user, double x, double y, double km);

static double each_piece(const st_featureset *border, piece_fn fn, void *user)
{
    double total = 0;
    for (size_t i = 0; i < border->n; i++) {
        const st_feature *f = &border->feat[i];
        for (uint32_t k = 0; k < f->nparts; k++) {
            uint32_t i0 = st_part_begin(f, k);
            uint32_t i1 = st_part_end(f, k);
            for (uint32_t j = i0; j + 1 < i1; j++) {
                const double *a = &f->xy[2 * j];
                const double *b = &f->xy[2 * j + 2];
                double seg = st_geod_polyline_km(a, 2);
                int steps = (int)ceil(seg / 1.0);
                steps = steps < 1 ? 1 : steps;
                for (int s = 0; s < steps; s++) {
                    double t = (s + 0.5) / steps;
                    fn(user, a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), seg / steps);
                }
                total += seg;
            }
        }
    }
    return total;
}

/* What a walk along the border adds up: km[r] for each region. */
typedef struct region_km {
    const st_featureset *regions;
    double tol_km;
    double *km;
} region_km;

/* A piece goes to the nearest region within the tolerance (its share). */
static void add_share(void *user, double x, double y, double km)
{
    region_km *w = user;
    long r = nearest_region(w->regions, x, y, w->tol_km);
    if (r >= 0)
        w->km[r] += km;
}

/* A piece counts for every region within the tolerance (their reach). */
static void add_reach(void *user, double x, double y, double km)
{
    region_km *w = user;
    double ty = w->tol_km / 111.2;
    double tx = ty / fmax(cos(y * M_PI / 180), 0.01);
    for (size_t r = 0; r < w->regions->n; r++) {
        const st_feature *g = &w->regions->feat[r];
        if (x < g->bbox[0] - tx || x > g->bbox[2] + tx || y < g->bbox[1] - ty || y > g->bbox[3] + ty)
            continue;
        if (region_dist_km(g, x, y) <= w->tol_km)
            w->km[r] += km;
    }
}

steppe_status_t st_derive_border_shares(steppe_ctx_t *ctx, const st_featureset *border,
                                        const st_featureset *regions, double tol_km, st_loc loc, double *km,
                                        double *total_km)
{
    char where[1200];
    const char *pre = st_derive_loc_prefix(loc, where, sizeof where);
    *total_km = 0;
    for (size_t r = 0; r < regions->n; r++)
        km[r] = 0;
    if (!isfinite(tol_km) || tol_km < 0 || tol_km > ST_BORDER_TOL_MAX_KM)
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%stolerance %g km: want 0 to %g km", pre, tol_km,
                        ST_BORDER_TOL_MAX_KM);
    if (regions->type != ST_GEOM_POLYGON)
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%sborder regions need polygons, but %s has none", pre,
                        regions->path ? regions->path : "the layer");
    steppe_status_t st = st_ctx_load_proj(ctx);
    if (st != STEPPE_OK)
        return st;
    region_km w = {regions, tol_km, km};
    *total_km = each_piece(border, add_share, &w);
    return STEPPE_OK;
}

/* km of border within tol_km of each region's outline (reach[r]), pieces
 * cut as st_derive_border_shares() cuts them. */
static void border_reach(const st_featureset *border, const st_featureset *regions, double tol_km,
                         double *reach)
{
    region_km w = {regions, tol_km, reach};
    each_piece(border, add_reach, &w);
}

/* Whether where keeps region f, whose fields are tested with border_km and
 * border_reach_km added (as a one-feature set, so that the filter sees the
 * columns the layer will have). */
static bool border_region_kept(const st_featureset *regions, const st_feature *f, const st_filter *where,
                               double km, double reach, st_arena *arena)
{
    if (!where || where->n == 0)
        return true;
    st_featureset one = *regions;
    st_feature copy = *f;
    one.feat = &copy;
    one.n = 1;
    one.cap = 1;
    const char *vkm = st_arena_printf(arena, "%.1f", km);
    const char *vreach = st_arena_printf(arena, "%.1f", reach);
    static const char *const names[] = {"border_km", "border_reach_km"};
    const char *const c0[] = {vkm};
    const char *const c1[] = {vreach};
    const char *const *values[] = {c0, c1};
    if (!vkm || !vreach || !st_featureset_add_columns(&one, names, "NN", 2, values, arena))
        return true;
    return st_filter_match(where, &one, &one.feat[0]);
}

steppe_status_t st_derive_border_regions(steppe_ctx_t *ctx, const st_featureset *border,
                                         const st_featureset *regions, const st_filter *where,
                                         const char *name_field, double tol_km, st_loc loc, const char *what,
                                         st_arena *arena, st_featureset *out, st_border_share **shares,
                                         size_t *nshares, double *total_km)
{
    char at[1200];
    const char *pre = st_derive_loc_prefix(loc, at, sizeof at);
    const char *path = regions->path ? regions->path : "the layer";

    st_featureset_derived(out, ST_GEOM_POLYGON, regions);
    *shares = NULL;
    *nshares = 0;
    *total_km = 0;
    int name_idx = st_featureset_field(regions, name_field);
    if (name_idx < 0)
        return st_error(ctx, STEPPE_ERR_STYLE_KEY, "%sno field '%s' in %s", pre, name_field, path);
    double *km = st_arena_calloc(arena, regions->n ? regions->n : 1, sizeof *km);
    double *reach = st_arena_calloc(arena, regions->n ? regions->n : 1, sizeof *reach);
    if (!km || !reach)
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory finding border regions", path);
    steppe_status_t st = st_derive_border_shares(ctx, border, regions, tol_km, loc, km, total_km);
    if (st != STEPPE_OK)
        return st;
    border_reach(border, regions, tol_km, reach);

    /* The regions along the border, then those of them where keeps. */
    bool *keep = st_arena_calloc(arena, regions->n ? regions->n : 1, sizeof *keep);
    if (!keep)
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory finding border regions", path);
    size_t n = 0;
    for (size_t r = 0; r < regions->n; r++) {
        keep[r] =
            reach[r] > 0 && border_region_kept(regions, &regions->feat[r], where, km[r], reach[r], arena);
        n += keep[r];
    }
    if (n == 0) {
        st_warn(ctx, "%slayer '%s': no region of %s lies along the border within %g km", pre, what, path,
                tol_km);
        return STEPPE_OK;
    }
    st_border_share *sh = st_arena_calloc(arena, n, sizeof *sh);
    const char **vkm = st_arena_calloc(arena, n, sizeof *vkm);
    const char **vreach = st_arena_calloc(arena, n, sizeof *vreach);
    out->fields = regions->fields;
    out->field_types = regions->field_types;
    out->nfields = regions->nfields;
    if (!sh || !vkm || !vreach)
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory finding border regions", path);
    size_t k = 0;
    for (size_t r = 0; r < regions->n; r++) {
        if (!keep[r])
            continue;
        const st_feature *g = &regions->feat[r];
        st_feature *f = st_featureset_add(out, arena);
        /* Own copies: the layer is projected in place, the regions may be
         * the data cache's. */
        double *xy = st_arena_alloc(arena, 2 * (size_t)g->npoints * sizeof *xy);
        uint32_t *parts = st_arena_alloc(arena, (g->nparts ? g->nparts : 1) * sizeof *parts);
        if (!f || !xy || !parts)
            return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory finding border regions", path);
        *f = *g;
        memcpy(xy, g->xy, 2 * (size_t)g->npoints * sizeof *xy);
        memcpy(parts, g->parts, g->nparts * sizeof *parts);
        f->xy = xy;
        f->parts = parts;
        sh[k].name = g->attrs && g->attrs[name_idx] ? g->attrs[name_idx] : "";
        sh[k].km = km[r];
        sh[k].reach_km = reach[r];
        vkm[k] = st_arena_printf(arena, "%.1f", km[r]);
        vreach[k] = st_arena_printf(arena, "%.1f", reach[r]);
        if (!vkm[k] || !vreach[k])
            return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory finding border regions", path);
        k++;
    }
    static const char *const names[] = {"border_km", "border_reach_km"};
    const char *const *values[] = {vkm, vreach};
    if (!st_featureset_add_columns(out, names, "NN", 2, values, arena))
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory finding border regions", path);
    out->source_vertices = regions->source_vertices;
    *shares = sh;
    *nshares = n;
    return STEPPE_OK;
}
