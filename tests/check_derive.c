/* Derived layers: geodesic lengths against PROJ's geod, shared boundaries
 * of polygons built in code, routes through named points, and the pole of
 * inaccessibility. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "border_regions.h"
#include "derive.h"
#include "route.h"
#include "dynlib.h"
#include "source.h"
#include "testutil.h"

/* ---- geodesic lengths ------------------------------------------------------ */

/* Expected: `echo "lat1 lon1 lat2 lon2" | geod +ellps=WGS84 -I +units=km -F %.6f`. */
static const struct {
    const char *what;
    double lon1, lat1, lon2, lat2;
    double km;
} geod_table[] = {
    {"Moscow - St Petersburg", 37.6173, 55.7558, 30.3351, 59.9343, 634.601946},
    {"Omsk - Pavlodar", 73.3686, 54.9885, 76.9674, 52.2873, 383.359623},
    {"Moscow - Omsk", 37.6173, 55.7558, 73.3686, 54.9885, 2243.024482},
    {"a degree of the equator", 0, 0, 1, 0, 111.319491},
    {"a degree of meridian at the equator", 0, 0, 0, 1, 110.574389},
    {"a degree of meridian at 45N", 10, 45, 10, 46, 111.141548},
};

START_TEST(test_geod_table)
{
    double xy[4] = {geod_table[_i].lon1, geod_table[_i].lat1, geod_table[_i].lon2, geod_table[_i].lat2};
    ck_assert_msg(fabs(st_geod_polyline_km(xy, 2) - geod_table[_i].km) < 1e-6, "%s: %.6f",
                  geod_table[_i].what, st_geod_polyline_km(xy, 2));
}
END_TEST

START_TEST(test_geod_length_featureset)
{
    /* Moscow - Omsk - Pavlodar as one line, St Petersburg - Moscow as another */
    double l1[] = {37.6173, 55.7558, 73.3686, 54.9885, 76.9674, 52.2873};
    double l2[] = {30.3351, 59.9343, 37.6173, 55.7558};
    uint32_t p0 = 0;
    st_feature feat[2] = {{.nparts = 1, .npoints = 3, .parts = &p0, .xy = l1},
                          {.nparts = 1, .npoints = 2, .parts = &p0, .xy = l2}};
    st_featureset fs = {.type = ST_GEOM_LINE, .feat = feat, .n = 2};
    ck_assert_double_eq_tol(st_geod_length_km(&fs), 2243.024482 + 383.359623 + 634.601946, 1e-5);
    ck_assert_double_eq(st_geod_polyline_km(l1, 1), 0);
    fs.type = ST_GEOM_POINT;
    ck_assert_double_eq(st_geod_length_km(&fs), 0);
}
END_TEST

/* ---- fixtures: named polygons and points -------------------------------------- */

static const char *name_field[] = {"name"};
static char name_type[] = {'C'};

typedef struct fixture {
    steppe_ctx_t *ctx;
    st_arena *arena;
    st_featureset fs;
    st_featureset out;
} fixture;

static void fx_init(fixture *fx, st_geom_type type)
{
    memset(fx, 0, sizeof *fx);
    fx->ctx = tu_ctx();
    fx->arena = st_arena_create(0);
    fx->fs.type = type;
    fx->fs.fields = name_field;
    fx->fs.field_types = name_type;
    fx->fs.nfields = 1;
    fx->fs.crs = "EPSG:4326";
    fx->fs.path = "polys.shp";
}

static void fx_free(fixture *fx)
{
    st_arena_destroy(fx->arena);
    steppe_ctx_destroy(fx->ctx);
}

/* Adds a feature named name from rings given as counts and points. */
static void fx_add(fixture *fx, const char *name, const double *xy, const uint32_t *ring_sizes,
                   uint32_t nrings)
{
    st_feature *f = st_featureset_add(&fx->fs, fx->arena);
    ck_assert_ptr_nonnull(f);
    uint32_t total = 0;
    f->parts = st_arena_calloc(fx->arena, nrings, sizeof(uint32_t));
    for (uint32_t k = 0; k < nrings; k++) {
        f->parts[k] = total;
        total += ring_sizes[k];
    }
    f->record = (uint32_t)(fx->fs.n - 1);
    f->nparts = nrings;
    f->npoints = total;
    f->xy = st_arena_alloc(fx->arena, 2 * total * sizeof(double));
    memcpy(f->xy, xy, 2 * total * sizeof(double));
    f->attrs = st_arena_calloc(fx->arena, 1, sizeof(char *));
    f->attrs[0] = st_arena_strdup(fx->arena, name);
    st_feature_update_bbox(f);
}

/* A closed axis-aligned rectangle ring, clockwise (as Shapefiles store outer
 * rings), into xy (5 points). */
static void rect(double *xy, double x0, double y0, double x1, double y1)
{
    double r[] = {x0, y0, x0, y1, x1, y1, x1, y0, x0, y0};
    memcpy(xy, r, sizeof r);
}

static void fx_rect(fixture *fx, const char *name, double x0, double y0, double x1, double y1)
{
    double xy[10];
    uint32_t n = 5;
    rect(xy, x0, y0, x1, y1);
    fx_add(fx, name, xy, &n, 1);
}

/* A filter "name in names". */
static st_filter name_in(st_arena *arena, const char **names, size_t n)
{
    st_cond *c = st_arena_calloc(arena, 1, sizeof *c);
    c->field = "name";
    c->op = n == 1 ? ST_OP_EQ : ST_OP_IN;
    c->values = names;
    c->nvalues = n;
    return (st_filter){c, 1};
}

static double planar_length(const st_feature *f)
{
    double len = 0;
    for (uint32_t i = 1; i < f->npoints; i++)
        len += hypot(f->xy[2 * i] - f->xy[2 * i - 2], f->xy[2 * i + 1] - f->xy[2 * i - 1]);
    return len;
}

static double total_length(const st_featureset *fs)
{
    double len = 0;
    for (size_t i = 0; i < fs->n; i++)
        len += planar_length(&fs->feat[i]);
    return len;
}

/* ---- shared boundaries ------------------------------------------------------ */

static const char *A[] = {"A"};
static const char *B[] = {"B"};
static const char *B12[] = {"B1", "B2"};
static const st_loc here = {"map.yaml", 12, 5};

static steppe_status_t share(fixture *fx, const char **a, size_t na, const char **b, size_t nb)
{
    st_filter fa = name_in(fx->arena, a, na);
    st_filter fb = name_in(fx->arena, b, nb);
    return st_derive_shared_boundary(fx->ctx, &fx->fs, &fa, &fb, here, fx->arena, &fx->out);
}

/* Cases built from rectangles: A, B (and distractors), expected line count
 * and total length. */
static const struct {
    const char *what;
    double a[4];
    double b[4];
    size_t lines;
    double length;
} share_table[] = {
    {"squares sharing an edge", {0, 0, 1, 1}, {1, 0, 2, 1}, 1, 1},
    {"offset squares share part of an edge", {0, 0, 1, 1}, {1, 0.5, 2, 1.5}, 1, 0.5},
    {"a square on top of a wide one", {0, 0, 3, 1}, {1, 1, 2, 2}, 1, 1},
    {"corner contact only", {0, 0, 1, 1}, {1, 1, 2, 2}, 0, 0},
    {"apart", {0, 0, 1, 1}, {3, 3, 4, 4}, 0, 0},
    {"lon/lat sized, real coordinates", {60.25, 50.5, 70.75, 55.125}, {70.75, 52, 80, 60}, 1, 3.125},
};

START_TEST(test_share_table)
{
    fixture fx;
    fx_init(&fx, ST_GEOM_POLYGON);
    const double *a = share_table[_i].a;
    const double *b = share_table[_i].b;
    fx_rect(&fx, "C", -10, -10, -9, -9);
    fx_rect(&fx, "A", a[0], a[1], a[2], a[3]);
    fx_rect(&fx, "B", b[0], b[1], b[2], b[3]);
    ck_assert_int_eq(share(&fx, A, 1, B, 1), STEPPE_OK);
    ck_assert_int_eq(fx.out.type, ST_GEOM_LINE);
    ck_assert_str_eq(fx.out.crs, "EPSG:4326");
    ck_assert_uint_eq(fx.out.nfields, 0);
    ck_assert_msg(fx.out.n == share_table[_i].lines, "%s: %zu lines", share_table[_i].what, fx.out.n);
    ck_assert_double_eq_tol(total_length(&fx.out), share_table[_i].length, 1e-12);
    for (size_t i = 0; i < fx.out.n; i++) {
        ck_assert_ptr_nonnull(fx.out.feat[i].attrs);
        ck_assert_uint_eq(fx.out.feat[i].nparts, 1);
    }
    if (share_table[_i].lines == 0)
        ck_assert_str_eq(tu_log(),
                         "warning: map.yaml:12:5: the shared boundary of sides a and b in polys.shp "
                         "is empty\n");
    else
        ck_assert_str_eq(tu_log(), "");
    fx_free(&fx);
}
END_TEST

/* B is a U whose two arms stand on A: two separate stretches; C fills the
 * notch but is not on either side. */
START_TEST(test_share_two_stretches)
{
    fixture fx;
    fx_init(&fx, ST_GEOM_POLYGON);
    fx_rect(&fx, "A", 0, 0, 3, 1);
    double u[] = {0, 1, 0, 3, 3, 3, 3, 1, 2, 1, 2, 2, 1, 2, 1, 1, 0, 1};
    uint32_t n = 9;
    fx_add(&fx, "B", u, &n, 1);
    fx_rect(&fx, "C", 1, 1, 2, 2);
    ck_assert_int_eq(share(&fx, A, 1, B, 1), STEPPE_OK);
    ck_assert_uint_eq(fx.out.n, 2);
    ck_assert_double_eq_tol(planar_length(&fx.out.feat[0]), 1, 1e-12);
    ck_assert_double_eq_tol(planar_length(&fx.out.feat[1]), 1, 1e-12);
    /* the lines lie along y = 1 */
    for (size_t i = 0; i < 2; i++) {
        ck_assert_double_eq(fx.out.feat[i].bbox[1], 1);
        ck_assert_double_eq(fx.out.feat[i].bbox[3], 1);
    }
    fx_free(&fx);
}
END_TEST

/* Side b is the union of two features: their common edge is inside the
 * union and drops out, and the contact with A merges into one line. */
START_TEST(test_share_union_side)
{
    fixture fx;
    fx_init(&fx, ST_GEOM_POLYGON);
    fx_rect(&fx, "A", 0, 0, 2, 1);
    fx_rect(&fx, "B1", 0, 1, 1, 2);
    fx_rect(&fx, "B2", 1, 1, 2, 2);
    ck_assert_int_eq(share(&fx, A, 1, B12, 2), STEPPE_OK);
    ck_assert_uint_eq(fx.out.n, 1);
    ck_assert_double_eq_tol(planar_length(&fx.out.feat[0]), 2, 1e-12);
    fx_free(&fx);
}
END_TEST

/* A: the square 0..10 with the hole 4..6, its rings given in both
 * orientations, as data from GeoJSON or Shapefiles has them. */
static void fx_holed_square(fixture *fx)
{
    double xy[20];
    uint32_t sizes[2] = {5, 5};
    rect(xy, 0, 0, 10, 10);
    double hole[] = {4, 4, 6, 4, 6, 6, 4, 6, 4, 4};
    memcpy(xy + 10, hole, sizeof hole);
    fx_add(fx, "A", xy, sizes, 2);
}

/* A side of one feature is taken as its rings (feature_rings), a side of
 * several as the boundary of their union: both ways must find the same
 * border. B has two parts, a U standing against A's east edge (6 shared)
 * and a square filling A's hole (8 shared); side b is B alone, then B with
 * D, which lies far away. */
static const char *BD[] = {"B", "D"};

START_TEST(test_share_paths_agree)
{
    fixture fx;
    fx_init(&fx, ST_GEOM_POLYGON);
    fx_holed_square(&fx);
    double b[28] = {10, 2, 10, 8, 14, 8, 14, 2, 12, 2, 12, 5, 11, 5, 11, 2, 10, 2};
    rect(b + 18, 4, 4, 6, 6);
    uint32_t sizes[2] = {9, 5};
    fx_add(&fx, "B", b, sizes, 2);
    fx_rect(&fx, "D", 40, 40, 41, 41);
    ck_assert_int_eq(share(&fx, A, 1, B, 1), STEPPE_OK);
    size_t lines_one = fx.out.n;
    double length_one = total_length(&fx.out);
    ck_assert_double_eq_tol(length_one, 14, 1e-12);
    ck_assert_int_eq(share(&fx, A, 1, BD, 2), STEPPE_OK);
    ck_assert_uint_eq(fx.out.n, lines_one);
    ck_assert_double_eq_tol(total_length(&fx.out), length_one, 1e-12);
    fx_free(&fx);
}
END_TEST

/* Both sides single features: the segments they have vertex for vertex
 * are taken as they are, the rest goes to GEOS (derive.c
 * exact_intersection). Here B's west edge has A's vertices at y = 0, 1, 2
 * but not at 3: two segments match exactly, and B's (4,2)-(4,4) covers
 * A's two others only in GEOS's eyes. The border is all 4 units, one
 * line, and the same as side b taken as B and D (the general way). */
START_TEST(test_share_exact_and_partial)
{
    fixture fx;
    fx_init(&fx, ST_GEOM_POLYGON);
    double a[] = {0, 0, 0, 4, 4, 4, 4, 3, 4, 2, 4, 1, 4, 0, 0, 0};
    uint32_t na = 8;
    fx_add(&fx, "A", a, &na, 1);
    double b[] = {4, 0, 4, 1, 4, 2, 4, 4, 8, 4, 8, 0, 4, 0};
    uint32_t nb = 7;
    fx_add(&fx, "B", b, &nb, 1);
    fx_rect(&fx, "D", 40, 40, 41, 41);
    ck_assert_int_eq(share(&fx, A, 1, B, 1), STEPPE_OK);
    ck_assert_uint_eq(fx.out.n, 1);
    ck_assert_double_eq_tol(total_length(&fx.out), 4, 1e-12);
    ck_assert_double_eq(fx.out.feat[0].bbox[0], 4);
    ck_assert_double_eq(fx.out.feat[0].bbox[2], 4);
    ck_assert_int_eq(share(&fx, A, 1, BD, 2), STEPPE_OK);
    ck_assert_uint_eq(fx.out.n, 1);
    ck_assert_double_eq_tol(total_length(&fx.out), 4, 1e-12);
    fx_free(&fx);
}
END_TEST

/* A has a hole that B fills exactly: the hole's ring is shared. */
START_TEST(test_share_hole)
{
    fixture fx;
    fx_init(&fx, ST_GEOM_POLYGON);
    fx_holed_square(&fx);
    fx_rect(&fx, "B", 4, 4, 6, 6);
    ck_assert_int_eq(share(&fx, A, 1, B, 1), STEPPE_OK);
    ck_assert_uint_eq(fx.out.n, 1);
    ck_assert_double_eq_tol(planar_length(&fx.out.feat[0]), 8, 1e-12);
    /* a closed line */
    const st_feature *f = &fx.out.feat[0];
    ck_assert_double_eq(f->xy[0], f->xy[2 * f->npoints - 2]);
    ck_assert_double_eq(f->xy[1], f->xy[2 * f->npoints - 1]);
    fx_free(&fx);
}
END_TEST

/* Neighbours digitised separately: a border that differs by less than the
 * tolerance (1e-6 of the coordinates' magnitude: 7.5e-5 here, ~8 m) is
 * shared; one that differs by more is not. */
static const struct {
    double gap; /* B's west edge is at 70 + gap */
    size_t lines;
    double length;
} tolerance_table[] = {
    {1e-12, 1, 5},
    {1e-5, 1, 5},
    {-1e-5, 1, 5}, /* overlapping a hair */
    {1e-3, 0, 0},
};

START_TEST(test_share_within_tolerance)
{
    fixture fx;
    fx_init(&fx, ST_GEOM_POLYGON);
    fx_rect(&fx, "A", 60, 50, 70, 55);
    fx_rect(&fx, "B", 70 + tolerance_table[_i].gap, 50, 75, 55);
    ck_assert_int_eq(share(&fx, A, 1, B, 1), STEPPE_OK);
    ck_assert_uint_eq(fx.out.n, tolerance_table[_i].lines);
    /* a's border is taken, with hooks up to the tolerance at its ends */
    ck_assert_double_eq_tol(total_length(&fx.out), tolerance_table[_i].length, 2e-4);
    for (size_t i = 0; i < fx.out.n; i++)
        ck_assert(fx.out.feat[i].bbox[0] > 70 - 1e-4 && fx.out.feat[i].bbox[2] < 70 + 1e-4);
    fx_free(&fx);
}
END_TEST

START_TEST(test_share_errors)
{
    static const char *nobody[] = {"Atlantis"};
    fixture fx;
    fx_init(&fx, ST_GEOM_POLYGON);
    fx_rect(&fx, "A", 0, 0, 1, 1);
    fx_rect(&fx, "B", 1, 0, 2, 1);
    ck_assert_int_eq(share(&fx, nobody, 1, B, 1), STEPPE_ERR_STYLE_VALUE);
    ck_assert_str_eq(steppe_ctx_last_error(fx.ctx),
                     "map.yaml:12:5: shared-boundary side a matches no feature in polys.shp");
    ck_assert_int_eq(share(&fx, A, 1, nobody, 1), STEPPE_ERR_STYLE_VALUE);
    ck_assert_str_eq(steppe_ctx_last_error(fx.ctx),
                     "map.yaml:12:5: shared-boundary side b matches no feature in polys.shp");
    fx_free(&fx);

    fx_init(&fx, ST_GEOM_LINE);
    ck_assert_int_eq(share(&fx, A, 1, B, 1), STEPPE_ERR_STYLE_VALUE);
    fx_free(&fx);
}
END_TEST

/* ---- the bundled Kazakh regions fit the country ------------------------------ */

/* Relative area of the symmetric difference between the union of the
 * features of regions.shp matching rw (all when NULL) and the union of those
 * of countries.shp matching cw. */
static double fit_ratio(const char *regions, const char **rnames, size_t nr, const char **cnames, size_t nc)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_arena *arena = st_arena_create(0);
    st_featureset reg = {0};
    st_featureset cty = {0};
    st_read_opts opts = {0};
    ck_assert_int_eq(st_source_read_shp(ctx, tu_src(regions), &opts, arena, &reg), STEPPE_OK);
    ck_assert_int_eq(st_source_read_shp(ctx, tu_src("shapes/countries.shp"), &opts, arena, &cty), STEPPE_OK);
    st_cond *rc = st_arena_calloc(arena, 1, sizeof *rc);
    rc->field = "hasc";
    rc->op = ST_OP_IN;
    rc->values = rnames;
    rc->nvalues = nr;
    st_filter rf = {rc, 1};
    st_filter cf = name_in(arena, cnames, nc);
    double diff = -1;
    double area = -1;
    ck_assert_int_eq(st_derive_cover_difference(ctx, &reg, nr ? &rf : NULL, &cty, &cf, &diff, &area),
                     STEPPE_OK);
    ck_assert_double_gt(area, 0);
    st_arena_destroy(arena);
    steppe_ctx_destroy(ctx);
    return diff / area;
}

/* The union of the 17 regions against Kazakhstan + Baikonur in countries.*:
 * at most 1e-5 of the country's area (about 27 km², against the ~35,000 km²
 * that a one-pixel sliver along the ~13,000 km outline would cover at the
 * forum maps' ~5 km/px: far below anything visible). The fitted data give
 * about 1e-7 (coordinates rounded to 6 decimals); the unfitted admin-1
 * polygons, quantized on a different grid from the countries, 2.6e-3. */
START_TEST(test_kz_regions_fit_country)
{
    static const char *kz[] = {"Kazakhstan", "Baikonur"};
    double ratio = fit_ratio("shapes/kz_regions.shp", NULL, 0, kz, 2);
    ck_assert_msg(ratio < 1e-5, "kz_regions differ from the country by %.3g of its area", ratio);
}
END_TEST

/* The Baikonur lease drawn from admin-1 (-99) covers what admin-0 calls
 * Baikonur, within 2 % (the two are separately quantized outlines of one
 * small area). */
START_TEST(test_kz_regions_baikonur)
{
    static const char *lease[] = {"-99"};
    static const char *unit[] = {"Baikonur"};
    double ratio = fit_ratio("shapes/kz_regions.shp", lease, 1, unit, 1);
    ck_assert_msg(ratio < 0.02, "Baikonur lease differs from the admin-0 unit by %.3g of its area", ratio);
}
END_TEST

/* ---- border shares ------------------------------------------------------------ */

/* The Russia-Kazakhstan border derived from countries.*, split among the
 * regions of regions.shp (bundled data); prints nothing, fills names/km of
 * the regions with a share above min_km and returns their count. */
static size_t bundled_shares(const char *regions, const char *name_field_, double tol, const char **names,
                             double *shares, double *sum, double *total)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_arena *arena = st_arena_create(0);
    st_featureset cty = {0};
    st_featureset reg = {0};
    st_featureset border = {0};
    st_read_opts opts = {0};
    ck_assert_int_eq(st_source_read_shp(ctx, tu_src("shapes/countries.shp"), &opts, arena, &cty), STEPPE_OK);
    ck_assert_int_eq(st_source_read_shp(ctx, tu_src(regions), &opts, arena, &reg), STEPPE_OK);
    static const char *ru[] = {"643"};
    static const char *kz[] = {"398"};
    st_filter fa = name_in(arena, ru, 1);
    st_filter fb = name_in(arena, kz, 1);
    fa.conds[0].field = "iso_n3";
    fb.conds[0].field = "iso_n3";
    ck_assert_int_eq(st_derive_shared_boundary(ctx, &cty, &fa, &fb, here, arena, &border), STEPPE_OK);
    double *km = calloc(reg.n, sizeof *km);
    ck_assert_int_eq(st_derive_border_shares(ctx, &border, &reg, tol, here, km, total), STEPPE_OK);
    int fi = st_featureset_field(&reg, name_field_);
    size_t n = 0;
    *sum = 0;
    for (size_t r = 0; r < reg.n; r++) {
        *sum += km[r];
        if (km[r] > 0) {
            names[n] = strdup(reg.feat[r].attrs[fi]);
            shares[n++] = km[r];
        }
    }
    free(km);
    st_arena_destroy(arena);
    steppe_ctx_destroy(ctx);
    return n;
}

/* Whether every name of want is in got (n) and vice versa. */
static void same_names(const char **got, size_t n, const char *const *want, size_t nwant)
{
    for (size_t i = 0; i < nwant; i++) {
        bool found = false;
        for (size_t j = 0; j < n; j++)
            found = found || strcmp(got[j], want[i]) == 0;
        ck_assert_msg(found, "%s not found on the border", want[i]);
    }
    ck_assert_msg(n == nwant, "%zu regions on the border, want %zu", n, nwant);
}

START_TEST(test_border_shares_bundled)
{
    /* Samara Oblast (RU-SAM) is not in the shares: DCW lets Saratov and
     * Orenburg meet south of it, so its outline stays 5.8 km from Natural
     * Earth's border and is never the nearest. st_derive_border_regions()
     * finds it by its reach (test_border_regions_bundled). */
    static const char *const ru_want[] = {"RU-AST", "RU-VGG", "RU-SAR", "RU-ORE", "RU-CHE", "RU-KGN",
                                          "RU-TYU", "RU-OMS", "RU-NVS", "RU-ALT", "RU-AL"};
    static const char *const kz_want[] = {"KZ.AR", "KZ.WK", "KZ.AT", "KZ.QS", "KZ.NK", "KZ.PA", "KZ.EK"};
    const char *names[100];
    double shares[100];
    double sum = 0;
    double total = 0;
    size_t n = bundled_shares("shapes/ru_regions.shp", "iso", 10, names, shares, &sum, &total);
    for (size_t i = 0; i < n; i++)
        same_names(names, n, ru_want, 11);
    ck_assert_msg(fabs(sum - total) < 0.005 * total, "RU shares %.1f km, border %.1f km", sum, total);
    for (size_t i = 0; i < n; i++)
        free((char *)names[i]);
    n = bundled_shares("shapes/kz_regions.shp", "hasc", 10, names, shares, &sum, &total);
    for (size_t i = 0; i < n; i++)
        same_names(names, n, kz_want, 7);
    ck_assert_msg(fabs(sum - total) < 0.005 * total, "KZ shares %.1f km, border %.1f km", sum, total);
    for (size_t i = 0; i < n; i++)
        free((char *)names[i]);
}
END_TEST

/* The border-regions layer's derivation on the bundled data: the 12
 * Russian and 7 Kazakh regions of the issue. Samara Oblast is found by its
 * reach: DCW lets Saratov and Orenburg meet south of it, so its outline
 * stays 5.8 km from Natural Earth's border and never is the nearest (share
 * 0), but the border passes within 10 km of it for about 13 km. */
static void bundled_regions(const char *path, const char *field, const char *const *want, size_t nwant,
                            const char *zero)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_arena *arena = st_arena_create(0);
    st_featureset cty = {0};
    st_featureset reg = {0};
    st_featureset border = {0};
    st_featureset out = {0};
    st_read_opts opts = {0};
    ck_assert_int_eq(st_source_read_shp(ctx, tu_src("shapes/countries.shp"), &opts, arena, &cty), STEPPE_OK);
    ck_assert_int_eq(st_source_read_shp(ctx, tu_src(path), &opts, arena, &reg), STEPPE_OK);
    static const char *ru[] = {"643"};
    static const char *kz[] = {"398"};
    st_filter fa = name_in(arena, ru, 1);
    st_filter fb = name_in(arena, kz, 1);
    fa.conds[0].field = "iso_n3";
    fb.conds[0].field = "iso_n3";
    ck_assert_int_eq(st_derive_shared_boundary(ctx, &cty, &fa, &fb, here, arena, &border), STEPPE_OK);
    st_border_share *sh = NULL;
    size_t n = 0;
    double total = 0;
    ck_assert_int_eq(st_derive_border_regions(ctx, &border, &reg, NULL, field, 10, here, "test", arena, &out,
                                              &sh, &n, &total),
                     STEPPE_OK);
    const char *names[100];
    double sum = 0;
    ck_assert_uint_eq(out.n, n);
    for (size_t i = 0; i < n; i++) {
        names[i] = sh[i].name;
        sum += sh[i].km;
        ck_assert(sh[i].reach_km >= sh[i].km);
        /* the field holds the share, to 0.1 km */
        double v = atof(st_feature_attr(&out, &out.feat[i], "border_km"));
        ck_assert_double_eq_tol(v, sh[i].km, 0.051);
        ck_assert_str_eq(st_feature_attr(&out, &out.feat[i], field), sh[i].name);
        if (zero && strcmp(sh[i].name, zero) == 0) {
            ck_assert_double_eq(sh[i].km, 0);
            ck_assert_msg(sh[i].reach_km > 5 && sh[i].reach_km < 30, "%s reach %g", zero, sh[i].reach_km);
        } else {
            ck_assert_msg(sh[i].km > 100, "%s share %g km", sh[i].name, sh[i].km);
        }
    }
    same_names(names, n, want, nwant);
    ck_assert_double_eq_tol(total, 6661.4, 0.5);
    ck_assert_msg(fabs(sum - total) < 0.005 * total, "shares %.1f km, border %.1f km", sum, total);
    st_arena_destroy(arena);
    steppe_ctx_destroy(ctx);
}

START_TEST(test_border_regions_bundled)
{
    static const char *const ru_want[] = {"RU-AST", "RU-VGG", "RU-SAR", "RU-SAM", "RU-ORE", "RU-CHE",
                                          "RU-KGN", "RU-TYU", "RU-OMS", "RU-NVS", "RU-ALT", "RU-AL"};
    static const char *const kz_want[] = {"KZ.AR", "KZ.WK", "KZ.AT", "KZ.QS", "KZ.NK", "KZ.PA", "KZ.EK"};
    bundled_regions("shapes/ru_regions.shp", "iso", ru_want, 12, "RU-SAM");
    bundled_regions("shapes/kz_regions.shp", "hasc", kz_want, 7, NULL);
}
END_TEST

/* Regions far from the border: no feature, and a warning naming the layer. */
START_TEST(test_border_regions_empty)
{
    fixture fx;
    fx_init(&fx, ST_GEOM_POLYGON);
    fx.fs.path = "far.shp";
    double sq[10] = {10, 10, 10, 11, 11, 11, 11, 10, 10, 10};
    uint32_t n5 = 5;
    fx_add(&fx, "Far", sq, &n5, 1);
    st_featureset line = {.type = ST_GEOM_LINE};
    st_feature lf = {0};
    double lxy[4] = {0, 0, 0, 1};
    uint32_t lparts[1] = {0};
    lf.xy = lxy;
    lf.npoints = 2;
    lf.nparts = 1;
    lf.parts = lparts;
    line.feat = &lf;
    line.n = 1;
    st_border_share *sh = NULL;
    size_t n = 1;
    double total = 0;
    tu_log_clear();
    ck_assert_int_eq(st_derive_border_regions(fx.ctx, &line, &fx.fs, NULL, "name", 10, here, "edge_regions",
                                              fx.arena, &fx.out, &sh, &n, &total),
                     STEPPE_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(fx.out.n, 0);
    ck_assert_double_eq_tol(total, 110.574, 0.001); /* 1 degree of latitude at the equator */
    ck_assert_msg(
        strstr(tu_log(), "map.yaml:12:5: layer 'edge_regions': no region of far.shp lies along the border"),
        "%s", tu_log());
    /* the same square moved onto the line: found, with the whole share */
    for (int i = 0; i < 10; i++)
        fx.fs.feat[0].xy[i] -= 10;
    st_feature_update_bbox(&fx.fs.feat[0]);
    ck_assert_int_eq(st_derive_border_regions(fx.ctx, &line, &fx.fs, NULL, "name", 10, here, "edge_regions",
                                              fx.arena, &fx.out, &sh, &n, &total),
                     STEPPE_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_double_eq_tol(sh[0].km, total, 1e-9);
    fx_free(&fx);
}
END_TEST

START_TEST(test_border_shares_bad_tolerance)
{
    static const double bad[] = {-1, NAN, INFINITY, 51};
    st_featureset none = {.type = ST_GEOM_POLYGON};
    st_featureset lines = {.type = ST_GEOM_LINE};
    double total = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        steppe_ctx_t *ctx = tu_ctx();
        tu_log_clear();
        ck_assert_int_eq(st_derive_border_shares(ctx, &lines, &none, bad[i], here, NULL, &total),
                         STEPPE_ERR_STYLE_VALUE);
        ck_assert_msg(strstr(tu_log(), "map.yaml:12:5: tolerance"), "%s", tu_log());
        steppe_ctx_destroy(ctx);
    }
}
END_TEST

/* ---- routes ---------------------------------------------------------------- */

static void fx_point(fixture *fx, const char *name, double lon, double lat)
{
    double xy[2] = {lon, lat};
    uint32_t n = 1;
    fx_add(fx, name, xy, &n, 1);
}

static void fx_cities(fixture *fx)
{
    fx_init(fx, ST_GEOM_POINT);
    fx->fs.path = "places.csv";
    fx_point(fx, "Moscow", 37.6173, 55.7558);
    fx_point(fx, "Omsk", 73.3686, 54.9885);
    fx_point(fx, "Pavlodar", 76.9674, 52.2873);
    fx_point(fx, "Saint Petersburg", 30.3351, 59.9343);
}

START_TEST(test_route_legs)
{
    static const char *stops[] = {"Saint Petersburg", "Moscow", "omsk", "Pavlodar"};
    static const double want_km[] = {634.601946, 2243.024482, 383.359623};
    fixture fx;
    fx_cities(&fx);
    st_route_leg *legs = NULL;
    const double step = 50;
    ck_assert_int_eq(st_derive_route(fx.ctx, &fx.fs, "name", stops, 4, step, here, fx.arena, &fx.out, &legs),
                     STEPPE_OK);
    ck_assert_ptr_nonnull(legs);
    for (int i = 0; i < 3; i++) {
        ck_assert_str_eq(legs[i].from, stops[i]);
        ck_assert_str_eq(legs[i].to, stops[i + 1]);
        ck_assert_double_eq_tol(legs[i].km, want_km[i], 1e-6);
    }
    ck_assert_uint_eq(fx.out.n, 1);
    ck_assert_int_eq(fx.out.type, ST_GEOM_LINE);
    const st_feature *f = &fx.out.feat[0];
    ck_assert_uint_eq(f->nparts, 1);
    ck_assert_ptr_nonnull(f->attrs);
    /* ceil(km / step) segments per leg */
    ck_assert_uint_eq(f->npoints, 1 + 13 + 45 + 8);
    ck_assert_double_eq_tol(st_geod_polyline_km(f->xy, f->npoints), 634.601946 + 2243.024482 + 383.359623,
                            1e-3);
    /* the stops are vertices, exactly */
    ck_assert_double_eq(f->xy[0], 30.3351);
    ck_assert_double_eq(f->xy[2 * 13], 37.6173);
    ck_assert_double_eq(f->xy[2 * 58], 73.3686);
    ck_assert_double_eq(f->xy[2 * 66 + 1], 52.2873);
    fx_free(&fx);
}
END_TEST

/* Every densified point of a leg lies on the geodesic: from → p → to is no
 * longer than from → to, and steps are at most step_km. */
START_TEST(test_route_on_geodesic)
{
    static const char *stops[] = {"Moscow", "Omsk"};
    fixture fx;
    fx_cities(&fx);
    st_route_leg *legs = NULL;
    ck_assert_int_eq(st_derive_route(fx.ctx, &fx.fs, "name", stops, 2, 100, here, fx.arena, &fx.out, &legs),
                     STEPPE_OK);
    const st_feature *f = &fx.out.feat[0];
    ck_assert_uint_eq(f->npoints, 24);
    const double *from = f->xy;
    const double *to = f->xy + 2 * (f->npoints - 1);
    for (uint32_t i = 1; i + 1 < f->npoints; i++) {
        double a[4] = {from[0], from[1], f->xy[2 * i], f->xy[2 * i + 1]};
        double b[4] = {f->xy[2 * i], f->xy[2 * i + 1], to[0], to[1]};
        double detour = st_geod_polyline_km(a, 2) + st_geod_polyline_km(b, 2) - legs[0].km;
        ck_assert_msg(fabs(detour) < 1e-6, "point %u is %g km off the geodesic", i, detour);
        ck_assert_double_eq_tol(st_geod_polyline_km(f->xy + 2 * (i - 1), 2), legs[0].km / 23, 1e-6);
    }
    /* The geodesic bows north of the straight lon/lat line between them:
     * its middle is at 56.6884N 55.6717E (PROJ's geod +n_S=4). */
    ck_assert(f->bbox[3] > 56.6884 && f->bbox[3] < 56.75);
    fx_free(&fx);
}
END_TEST

START_TEST(test_route_errors)
{
    static const char *stops[] = {"Moscow", "Tomsk"};
    fixture fx;
    fx_cities(&fx);
    st_route_leg *legs = NULL;
    ck_assert_int_eq(st_derive_route(fx.ctx, &fx.fs, "name", stops, 2, 50, here, fx.arena, &fx.out, &legs),
                     STEPPE_ERR_STYLE_VALUE);
    ck_assert_str_eq(steppe_ctx_last_error(fx.ctx),
                     "map.yaml:12:5: no stop 'Tomsk' in places.csv's field 'name'");
    ck_assert_int_eq(st_derive_route(fx.ctx, &fx.fs, "title", stops, 2, 50, here, fx.arena, &fx.out, &legs),
                     STEPPE_ERR_STYLE_KEY);
    ck_assert_int_eq(st_derive_route(fx.ctx, &fx.fs, "name", stops, 1, 50, here, fx.arena, &fx.out, &legs),
                     STEPPE_ERR_STYLE_VALUE);
    fx_free(&fx);
}
END_TEST

/* Via points: the line runs through every one in order (a detour the
 * stops alone would not make), legs between consecutive via points. */
START_TEST(test_route_via)
{
    static const char *via[] = {"Saint Petersburg", "Moscow", "Pavlodar", "Omsk"};
    fixture fx;
    fx_cities(&fx);
    st_route_leg *legs = NULL;
    ck_assert_int_eq(
        st_derive_route_via(fx.ctx, &fx.fs, "name", via, NULL, 4, 50, here, fx.arena, &fx.out, &legs),
        STEPPE_OK);
    ck_assert_str_eq(legs[1].from, "Moscow");
    ck_assert_str_eq(legs[1].to, "Pavlodar");
    ck_assert_str_eq(legs[2].from, "Pavlodar");
    ck_assert_str_eq(legs[2].to, "Omsk");
    /* Omsk–Pavlodar is 383.359623 km either way */
    ck_assert_double_eq_tol(legs[2].km, 383.359623, 1e-6);
    ck_assert_double_eq_tol(legs[0].km, 634.601946, 1e-6);
    const st_feature *f = &fx.out.feat[0];
    double total = legs[0].km + legs[1].km + legs[2].km;
    ck_assert_double_eq_tol(st_geod_polyline_km(f->xy, f->npoints), total, 1e-3);
    /* the detour by Pavlodar is longer than Moscow–Omsk direct */
    ck_assert(legs[1].km + legs[2].km > 2243.024482 + 300);
    /* it ends at Omsk and passes Pavlodar exactly */
    ck_assert_double_eq(f->xy[2 * (f->npoints - 1)], 73.3686);
    bool at_pavlodar = false;
    for (uint32_t i = 0; i < f->npoints; i++)
        at_pavlodar = at_pavlodar || (f->xy[2 * i] == 76.9674 && f->xy[2 * i + 1] == 52.2873);
    ck_assert(at_pavlodar);
    fx_free(&fx);
}
END_TEST

START_TEST(test_route_via_errors)
{
    static const char *via[] = {"Moscow", "Pavlodr", "Omsk"};
    static const char *far[] = {"Moscow", "Vladivostok"};
    const st_loc locs[] = {{"map.yaml", 14, 11}, {"map.yaml", 14, 19}, {"map.yaml", 14, 28}};
    fixture fx;
    fx_cities(&fx);
    st_route_leg *legs = NULL;
    ck_assert_int_eq(
        st_derive_route_via(fx.ctx, &fx.fs, "name", via, locs, 3, 50, here, fx.arena, &fx.out, &legs),
        STEPPE_ERR_STYLE_VALUE);
    ck_assert_str_eq(steppe_ctx_last_error(fx.ctx),
                     "map.yaml:14:19: via point 'Pavlodr' not found in places.csv (field 'name'); "
                     "did you mean 'Pavlodar'?");
    ck_assert_ptr_null(legs);
    ck_assert_int_eq(
        st_derive_route_via(fx.ctx, &fx.fs, "name", far, NULL, 2, 50, here, fx.arena, &fx.out, &legs),
        STEPPE_ERR_STYLE_VALUE);
    ck_assert_str_eq(steppe_ctx_last_error(fx.ctx),
                     "map.yaml:12:5: via point 'Vladivostok' not found in places.csv (field 'name')");
    fx_free(&fx);
}
END_TEST

/* ---- pole of inaccessibility -------------------------------------------------- */

static const struct {
    const char *what;
    double xy[24];
    uint32_t sizes[3];
    uint32_t nrings;
    double x, y, dist; /* expected; x < 0: checked by the test itself */
    double tol;
} pole_table[] = {
    {"square", {0, 0, 0, 10, 10, 10, 10, 0, 0, 0}, {5}, 1, 5, 5, 5, 0.01},
    /* thick upright bar 6 wide, thin foot 2 high to the right */
    {"L", {0, 0, 0, 10, 6, 10, 6, 2, 20, 2, 20, 0, 0, 0}, {7}, 1, 3, -1, 3, 0.01},
    /* an island far away is smaller and ignored */
    {"square and islet",
     {0, 0, 0, 10, 10, 10, 10, 0, 0, 0, 50, 50, 50, 51, 51, 51, 51, 50, 50, 50},
     {5, 5},
     2,
     5,
     5,
     5,
     0.01},
};

START_TEST(test_pole_table)
{
    st_feature f = {0};
    uint32_t parts[3] = {0};
    for (uint32_t k = 1; k < pole_table[_i].nrings; k++)
        parts[k] = parts[k - 1] + pole_table[_i].sizes[k - 1];
    f.nparts = pole_table[_i].nrings;
    f.npoints = parts[f.nparts - 1] + pole_table[_i].sizes[f.nparts - 1];
    f.parts = parts;
    f.xy = (double *)pole_table[_i].xy;
    double x = 0;
    double y = 0;
    double d = 0;
    st_polygon_pole(&f, 0.01, &x, &y, &d);
    double tol = pole_table[_i].tol;
    ck_assert_msg(fabs(d - pole_table[_i].dist) <= tol, "%s: dist %g", pole_table[_i].what, d);
    ck_assert_msg(fabs(x - pole_table[_i].x) <= 2 * tol, "%s: x %g", pole_table[_i].what, x);
    if (pole_table[_i].y >= 0)
        ck_assert_msg(fabs(y - pole_table[_i].y) <= 2 * tol, "%s: y %g", pole_table[_i].what, y);
    else
        ck_assert_msg(y >= 3 - tol && y <= 7 + tol, "%s: y %g not in the thick part", pole_table[_i].what, y);
}
END_TEST

/* The pole of the 10 x 10 square with the 2 x 2 hole at 4,4: the best
 * circle sits in a corner, touching two sides and the hole's corner:
 * r = 4·√2 / (1 + √2). */
static void assert_holed_square_pole(double x, double y, double d)
{
    double r = 4 * M_SQRT2 / (1 + M_SQRT2);
    ck_assert_double_eq_tol(d, r, 0.002);
    ck_assert_double_eq_tol(x, x < 5 ? r : 10 - r, 0.01);
    ck_assert_double_eq_tol(y, y < 5 ? r : 10 - r, 0.01);
}

/* A square with a square hole (assert_holed_square_pole). */
START_TEST(test_pole_hole)
{
    double xy[] = {0, 0, 0, 10, 10, 10, 10, 0, 0, 0, 4, 4, 6, 4, 6, 6, 4, 6, 4, 4};
    uint32_t parts[] = {0, 5};
    st_feature f = {.nparts = 2, .npoints = 10, .parts = parts, .xy = xy};
    double x = 0;
    double y = 0;
    double d = 0;
    st_polygon_pole(&f, 0.001, &x, &y, &d);
    assert_holed_square_pole(x, y, d);
}
END_TEST

/* Distance from (x, y) to the nearest edge of f, by brute force. */
static double brute_dist(const st_feature *f, double x, double y)
{
    double best = HUGE_VAL;
    for (uint32_t k = 0; k < f->nparts; k++) {
        uint32_t a = f->parts[k];
        uint32_t b = k + 1 < f->nparts ? f->parts[k + 1] : f->npoints;
        for (uint32_t i = a + 1; i < b; i++) {
            double ax = f->xy[2 * i - 2], ay = f->xy[2 * i - 1];
            double dx = f->xy[2 * i] - ax, dy = f->xy[2 * i + 1] - ay;
            double t = ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy);
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            best = fmin(best, hypot(ax + t * dx - x, ay + t * dy - y));
        }
    }
    return best;
}

/* Appends the square [x0, x0 + side]² as a closed ring of 4·n + 1 points,
 * n to a side, clockwise when cw is set. */
static uint32_t dense_square(double *xy, double x0, double side, int n, bool cw)
{
    static const double corner[5][2] = {{0, 0}, {0, 1}, {1, 1}, {1, 0}, {0, 0}};
    uint32_t m = 0;
    for (int s = 0; s < 4; s++) {
        for (int i = 0; i < n; i++) {
            int a = cw ? s : 4 - s, b = cw ? s + 1 : 3 - s;
            double t = (double)i / n;
            xy[2 * m] = x0 + side * (corner[a][0] + t * (corner[b][0] - corner[a][0]));
            xy[2 * m + 1] = x0 + side * (corner[a][1] + t * (corner[b][1] - corner[a][1]));
            m++;
        }
    }
    xy[2 * m] = xy[0];
    xy[2 * m + 1] = xy[1];
    return m + 1;
}

/* The square with a hole again, its sides cut into many collinear edges:
 * past 64 edges the distances come from a grid of the edges (derive.c
 * pole_grid_make), which must give the same pole, and at the pole the
 * distance a brute-force scan of every edge gives. */
START_TEST(test_pole_dense)
{
    static const int per_side[] = {16, 50, 400};
    int n = per_side[_i];
    double *xy = malloc(2 * sizeof(double) * (size_t)(8 * n + 2));
    ck_assert_ptr_nonnull(xy);
    uint32_t parts[2] = {0, 0};
    parts[1] = dense_square(xy, 0, 10, n, true);
    uint32_t npoints = parts[1] + dense_square(xy + 2 * parts[1], 4, 2, n, false);
    st_feature f = {.nparts = 2, .npoints = npoints, .parts = parts, .xy = xy};
    double x = 0;
    double y = 0;
    double d = 0;
    st_polygon_pole(&f, 0.001, &x, &y, &d);
    assert_holed_square_pole(x, y, d);
    ck_assert_double_eq_tol(d, brute_dist(&f, x, y), 1e-9);
    free(xy);
}
END_TEST

START_TEST(test_pole_degenerate)
{
    double line[] = {0, 0, 10, 0, 0, 0};
    uint32_t p0 = 0;
    st_feature f = {.nparts = 1, .npoints = 3, .parts = &p0, .xy = line};
    double x = -1;
    double y = -1;
    double d = -1;
    st_polygon_pole(&f, 1, &x, &y, &d);
    ck_assert_double_eq(d, 0);
    ck_assert(x >= 0 && x <= 10 && y == 0);
    st_feature empty = {0};
    st_polygon_pole(&empty, 1, &x, &y, &d);
    ck_assert_double_eq(d, 0);
}
END_TEST

/* A "C" open to the right (or, mirrored, to the left), its sides cut into
 * n edges each: the mouth (3..10 × 3..7) lies inside the bbox but outside
 * the polygon, and a point there counted inside would be 2 from the
 * nearest edge, more than the true pole's 3·√2 / (1 + √2) ≈ 1.757 in a
 * corner of the back. Open to the left, rays from the mouth cross two
 * edges, so a miscounted crossing shows. */
START_TEST(test_pole_dense_c)
{
    static const double corner[9][2] = {{0, 0}, {0, 10}, {10, 10}, {10, 7}, {3, 7},
                                        {3, 3}, {10, 3}, {10, 0},  {0, 0}};
    static const int per_side[] = {10, 60};
    int n = per_side[_i % 2];
    bool mirror = _i >= 2;
    double *xy = malloc(2 * sizeof(double) * (size_t)(8 * n + 1));
    ck_assert_ptr_nonnull(xy);
    uint32_t m = 0;
    for (int s = 0; s < 8; s++) {
        for (int i = 0; i < n; i++) {
            double t = (double)i / n;
            xy[2 * m] = corner[s][0] + t * (corner[s + 1][0] - corner[s][0]);
            xy[2 * m + 1] = corner[s][1] + t * (corner[s + 1][1] - corner[s][1]);
            if (mirror)
                xy[2 * m] = 10 - xy[2 * m];
            m++;
        }
    }
    xy[2 * m] = xy[0];
    xy[2 * m + 1] = xy[1];
    uint32_t p0 = 0;
    st_feature f = {.nparts = 1, .npoints = m + 1, .parts = &p0, .xy = xy};
    double x = 0;
    double y = 0;
    double d = 0;
    st_polygon_pole(&f, 0.001, &x, &y, &d);
    double r = 3 * M_SQRT2 / (1 + M_SQRT2);
    ck_assert_double_eq_tol(d, r, 0.002);
    ck_assert_double_eq_tol(x, mirror ? 10 - r : r, 0.01);
    ck_assert_double_eq_tol(y, y < 5 ? r : 10 - r, 0.01);
    ck_assert_double_eq_tol(d, brute_dist(&f, x, y), 1e-9);
    free(xy);
}
END_TEST

static Suite *derive_suite(void)
{
    Suite *s = suite_create("derive");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_geod_table, 0, sizeof geod_table / sizeof geod_table[0]);
    tcase_add_test(tc, test_geod_length_featureset);
    tcase_add_loop_test(tc, test_share_table, 0, sizeof share_table / sizeof share_table[0]);
    tcase_add_test(tc, test_share_two_stretches);
    tcase_add_test(tc, test_share_union_side);
    tcase_add_test(tc, test_share_paths_agree);
    tcase_add_test(tc, test_share_exact_and_partial);
    tcase_add_test(tc, test_share_hole);
    tcase_add_loop_test(tc, test_share_within_tolerance, 0,
                        sizeof tolerance_table / sizeof tolerance_table[0]);
    tcase_add_test(tc, test_share_errors);
    tcase_add_test(tc, test_kz_regions_fit_country);
    tcase_add_test(tc, test_kz_regions_baikonur);
    tcase_add_test(tc, test_border_shares_bundled);
    tcase_add_test(tc, test_border_shares_bad_tolerance);
    tcase_add_test(tc, test_border_regions_bundled);
    tcase_add_test(tc, test_border_regions_empty);
    tcase_add_test(tc, test_route_legs);
    tcase_add_test(tc, test_route_on_geodesic);
    tcase_add_test(tc, test_route_errors);
    tcase_add_test(tc, test_route_via);
    tcase_add_test(tc, test_route_via_errors);
    tcase_add_loop_test(tc, test_pole_table, 0, sizeof pole_table / sizeof pole_table[0]);
    tcase_add_test(tc, test_pole_hole);
    tcase_add_loop_test(tc, test_pole_dense, 0, 3);
    tcase_add_loop_test(tc, test_pole_dense_c, 0, 4);
    tcase_add_test(tc, test_pole_degenerate);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    /* st_geod_* measure with libproj's geodesics and expect it loaded, as
     * the render and the derivations load it before measuring. */
    if (st_dynlib_load_proj() != NULL) {
        fprintf(stderr, "check_derive: cannot load PROJ\n");
        return EXIT_FAILURE;
    }
    return tu_run_suite(derive_suite());
}
