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

/* The regions' outlines as segments in a uniform lon/lat grid, so that a
 * piece of border is measured against the segments near it rather than
 * every vertex of every region whose box is near (on the forum map that
 * was 270 ms of a 100 ms map). Distances are still to the region's
 * outline, inside or not: a border runs along its regions' outlines, and
 * where two datasets disagree it may run a little inside a region that
 * does not reach it at all (the one behind the true border region's
 * narrow strip). */
typedef struct seg_index {
    double win[4]; /* lon/lat box where a segment can be within the tolerance of the border */
    double x0, y0, cell;
    int nx, ny;
    uint32_t *start;   /* nx * ny + 1 offsets into item */
    uint32_t *item;    /* two per entry: the region, the segment's first point */
    double *dist2;     /* per region, the nearest segment of the current piece (km²) */
    uint32_t *touched; /* the regions whose dist2 the current piece set */
    size_t ntouched;
} seg_index;

/* Cells of 0.25°: a tolerance of 10 km spans two or three of them. */
#define SEG_CELL_DEG 0.25
#define SEG_CELLS_MAX (1 << 22)

static int seg_cell(double v, double v0, double cell, int n)
{
    double c = floor((v - v0) / cell);
    if (!(c > 0))
        return 0;
    return c >= n - 1 ? n - 1 : (int)c;
}

typedef void (*seg_visit)(seg_index *ix, size_t at, uint32_t r, uint32_t i);

static bool box_meets(const double *a, double x0, double y0, double x1, double y1)
{
    return x0 <= a[2] && a[0] <= x1 && y0 <= a[3] && a[1] <= y1;
}

/* Calls fn for each cell each finite segment of the regions near the
 * border touches. */
static void seg_each(seg_index *ix, const st_featureset *regions, seg_visit fn)
{
    for (size_t r = 0; r < regions->n; r++) {
        const st_feature *f = &regions->feat[r];
        if (!box_meets(ix->win, f->bbox[0], f->bbox[1], f->bbox[2], f->bbox[3]))
            continue;
        for (uint32_t k = 0; k < f->nparts; k++) {
            uint32_t i1 = st_part_end(f, k);
            for (uint32_t i = st_part_begin(f, k); i + 1 < i1; i++) {
                const double *a = &f->xy[2 * i];
                if (!isfinite(a[0]) || !isfinite(a[1]) || !isfinite(a[2]) || !isfinite(a[3]))
                    continue;
                if (!box_meets(ix->win, fmin(a[0], a[2]), fmin(a[1], a[3]), fmax(a[0], a[2]),
                               fmax(a[1], a[3])))
                    continue;
                int cx0 = seg_cell(fmin(a[0], a[2]), ix->x0, ix->cell, ix->nx);
                int cx1 = seg_cell(fmax(a[0], a[2]), ix->x0, ix->cell, ix->nx);
                int cy0 = seg_cell(fmin(a[1], a[3]), ix->y0, ix->cell, ix->ny);
                int cy1 = seg_cell(fmax(a[1], a[3]), ix->y0, ix->cell, ix->ny);
                for (int cy = cy0; cy <= cy1; cy++)
                    for (int cx = cx0; cx <= cx1; cx++)
                        fn(ix, (size_t)cy * (size_t)ix->nx + (size_t)cx, (uint32_t)r, i);
            }
        }
    }
}

static void seg_count(seg_index *ix, size_t at, uint32_t r, uint32_t i)
{
    (void)r;
    (void)i;
    ix->start[at + 1]++;
}

/* start[c] is the next free entry of cell c while filling. */
static void seg_fill(seg_index *ix, size_t at, uint32_t r, uint32_t i)
{
    uint32_t e = ix->start[at]++;
    ix->item[2 * (size_t)e] = r;
    ix->item[2 * (size_t)e + 1] = i;
}

static void seg_index_free(seg_index *ix)
{
    free(ix->start);
    free(ix->item);
    free(ix->dist2);
    free(ix->touched);
}

/* Indexes the outlines of regions where they can lie within tol_km of the
 * border: the border's box grown by the tolerance, in longitude by the
 * most it takes at the border's highest latitude (seg_measure's box for
 * any piece lies inside). False when out of memory (or past 2^32 entries,
 * beyond any regions steppe reads). */
static bool seg_index_init(seg_index *ix, const st_featureset *regions, const st_featureset *border,
                           double tol_km)
{
    memset(ix, 0, sizeof *ix);
    double b[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < border->n; i++) {
        const st_feature *f = &border->feat[i];
        for (uint32_t k = 0; k < f->npoints; k++) {
            double x = f->xy[2 * k], y = f->xy[2 * k + 1];
            if (isfinite(x) && isfinite(y)) {
                b[0] = fmin(b[0], x);
                b[1] = fmin(b[1], y);
                b[2] = fmax(b[2], x);
                b[3] = fmax(b[3], y);
            }
        }
    }
    if (!(b[0] <= b[2]))
        b[0] = b[1] = b[2] = b[3] = 0;
    double ty = tol_km / 111.2;
    double tx = ty / fmax(cos(fmax(fabs(b[1]), fabs(b[3])) * M_PI / 180), 0.01);
    b[0] -= tx;
    b[1] -= ty;
    b[2] += tx;
    b[3] += ty;
    memcpy(ix->win, b, sizeof b);
    ix->x0 = b[0];
    ix->y0 = b[1];
    ix->cell = SEG_CELL_DEG;
    /* Data in metres, or spread wide: larger cells, never too many. */
    while ((b[2] - b[0]) / ix->cell * ((b[3] - b[1]) / ix->cell) > SEG_CELLS_MAX)
        ix->cell *= 2;
    ix->nx = (int)((b[2] - b[0]) / ix->cell) + 1;
    ix->ny = (int)((b[3] - b[1]) / ix->cell) + 1;
    size_t ncells = (size_t)ix->nx * (size_t)ix->ny;
    ix->start = calloc(ncells + 1, sizeof *ix->start);
    ix->dist2 = malloc((regions->n ? regions->n : 1) * sizeof *ix->dist2);
    ix->touched = malloc((regions->n ? regions->n : 1) * sizeof *ix->touched);
    if (!ix->start || !ix->dist2 || !ix->touched || regions->n >= UINT32_MAX)
        return false;
    for (size_t r = 0; r < regions->n; r++)
        ix->dist2[r] = INFINITY;
    seg_each(ix, regions, seg_count);
    size_t total = 0;
    for (size_t c = 0; c < ncells; c++) {
        total += ix->start[c + 1];
        if (total >= UINT32_MAX)
            return false;
        ix->start[c + 1] = (uint32_t)total;
    }
    ix->item = malloc((total ? total : 1) * 2 * sizeof *ix->item);
    if (!ix->item)
        return false;
    seg_each(ix, regions, seg_fill);
    /* Filling moved each start to the next cell's: shift back. */
    memmove(ix->start + 1, ix->start, ncells * sizeof *ix->start);
    ix->start[0] = 0;
    return true;
}

/* Measures the piece at (x, y) against every outline segment within tol_km
 * of it (a box of tol_km around it, as each region's own box was tested
 * before): afterwards dist2[r] is region r's nearest such segment for the
 * touched regions, INFINITY for the others, whose outlines lie further. */
static void seg_measure(seg_index *ix, const st_featureset *regions, double x, double y, double tol_km)
{
    for (size_t k = 0; k < ix->ntouched; k++)
        ix->dist2[ix->touched[k]] = INFINITY;
    ix->ntouched = 0;
    double ty = tol_km / 111.2;
    double tx = ty / fmax(cos(y * M_PI / 180), 0.01);
    if (!(x + tx >= ix->x0 && y + ty >= ix->y0))
        return;
    int cx0 = seg_cell(x - tx, ix->x0, ix->cell, ix->nx), cx1 = seg_cell(x + tx, ix->x0, ix->cell, ix->nx);
    int cy0 = seg_cell(y - ty, ix->y0, ix->cell, ix->ny), cy1 = seg_cell(y + ty, ix->y0, ix->cell, ix->ny);
    for (int cy = cy0; cy <= cy1; cy++) {
        for (int cx = cx0; cx <= cx1; cx++) {
            size_t c = (size_t)cy * (size_t)ix->nx + (size_t)cx;
            for (uint32_t e = ix->start[c]; e < ix->start[c + 1]; e++) {
                uint32_t r = ix->item[2 * (size_t)e];
                const double *a = &regions->feat[r].xy[2 * (size_t)ix->item[2 * (size_t)e + 1]];
                double d2 = seg_dist2_km(x, y, a[0], a[1], a[2], a[3]);
                if (d2 < ix->dist2[r]) {
                    if (ix->dist2[r] == INFINITY)
                        ix->touched[ix->ntouched++] = r;
                    ix->dist2[r] = d2;
                }
            }
        }
    }
}

/* The region nearest to the measured piece within tol_km, -1 if none; of
 * regions equally near, the first. */
static long nearest_region(const seg_index *ix, double tol_km)
{
    long best = -1;
    double best_d = INFINITY;
    for (size_t k = 0; k < ix->ntouched; k++) {
        uint32_t r = ix->touched[k];
        double d = sqrt(ix->dist2[r]);
        if (d <= tol_km && (d < best_d || (d == best_d && (long)r < best))) {
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

/* What a walk along the border adds up for each region: its share (the
 * pieces it is the nearest region to, within the tolerance) and, when
 * reach is not NULL, its reach (the pieces within the tolerance of it). */
typedef struct region_km {
    const st_featureset *regions;
    double tol_km;
    seg_index ix;
    double *km;
    double *reach;
} region_km;

static void add_piece(void *user, double x, double y, double km)
{
    region_km *w = user;
    seg_measure(&w->ix, w->regions, x, y, w->tol_km);
    long r = nearest_region(&w->ix, w->tol_km);
    if (r >= 0)
        w->km[r] += km;
    for (size_t k = 0; w->reach && k < w->ix.ntouched; k++) {
        uint32_t t = w->ix.touched[k];
        if (sqrt(w->ix.dist2[t]) <= w->tol_km)
            w->reach[t] += km;
    }
}

/* Walks the border once for km (shares) and reach (NULL: not wanted). */
static steppe_status_t border_walk(steppe_ctx_t *ctx, const st_featureset *border,
                                   const st_featureset *regions, double tol_km, double *km, double *reach,
                                   double *total_km)
{
    region_km w = {.regions = regions, .tol_km = tol_km, .km = km, .reach = reach};
    if (!seg_index_init(&w.ix, regions, border, tol_km)) {
        seg_index_free(&w.ix);
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory measuring the border",
                        regions->path ? regions->path : "the regions");
    }
    *total_km = each_piece(border, add_piece, &w);
    seg_index_free(&w.ix);
    return STEPPE_OK;
}

static steppe_status_t check_border_inputs(steppe_ctx_t *ctx, const st_featureset *regions, double tol_km,
                                           const char *pre)
{
    if (!isfinite(tol_km) || tol_km < 0 || tol_km > ST_BORDER_TOL_MAX_KM)
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%stolerance %g km: want 0 to %g km", pre, tol_km,
                        ST_BORDER_TOL_MAX_KM);
    if (regions->type != ST_GEOM_POLYGON)
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%sborder regions need polygons, but %s has none", pre,
                        regions->path ? regions->path : "the layer");
    return st_ctx_load_proj(ctx);
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
    steppe_status_t st = check_border_inputs(ctx, regions, tol_km, pre);
    if (st != STEPPE_OK)
        return st;
    return border_walk(ctx, border, regions, tol_km, km, NULL, total_km);
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
    steppe_status_t st = check_border_inputs(ctx, regions, tol_km, pre);
    if (st == STEPPE_OK)
        st = border_walk(ctx, border, regions, tol_km, km, reach, total_km);
    if (st != STEPPE_OK)
        return st;

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
