/* Projection: known transformed values (tables computed with PROJ's cs2cs),
 * axis order, CRS errors, the view's extent and aspect, densification and
 * splitting at the map's seam. Feature sets are built in code. */
#include <check.h>
#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "derive.h"
#include "dynlib.h"
#include "project.h"
#include "testutil.h"

#define LCC_RU "+proj=lcc +lat_1=45 +lat_2=62 +lat_0=55 +lon_0=85 +datum=WGS84 +units=m +no_defs"
#define WKT_WGS84                                                                                            \
    "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],"          \
    "PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]"

static const st_loc no_loc = {NULL, 0, 0};

static st_proj *make_proj(steppe_ctx_t *ctx, const char *src, const char *dst)
{
    st_proj *p = NULL;
    steppe_status_t st = st_proj_create(ctx, src, dst, no_loc, &p);
    ck_assert_msg(st == STEPPE_OK, "%s -> %s: %s", src, dst, steppe_ctx_last_error(ctx));
    ck_assert_ptr_nonnull(p);
    return p;
}

/* ---- known values -------------------------------------------------------- */

/* Expected values: `cs2cs -f %.4f +proj=longlat +datum=WGS84 +to <dst>`. */
static const struct {
    const char *src, *dst;
    double lon, lat;
    double x, y;
    double tol;
} trans_table[] = {
    {"EPSG:4326", "EPSG:3857", 0, 0, 0, 0, 1e-3},
    {"EPSG:4326", "EPSG:3857", 37.6173, 55.7558, 4187538.6810, 7509955.1423, 1e-3},
    {"EPSG:4326", "EPSG:3857", -74.006, 40.7128, -8238310.2356, 4970071.5791, 1e-3},
    {"EPSG:4326", "EPSG:3857", 179, -60, 19926188.8520, -8399737.8898, 1e-3},
    {"EPSG:4326", "EPSG:3857", -180, 0, -20037508.3428, 0, 1e-3},
    {"EPSG:4326", LCC_RU, 85, 55, 0, 0, 1e-3},
    {"EPSG:4326", LCC_RU, 73.3686, 54.9885, -733230.2233, 58921.2290, 1e-3},    /* Omsk */
    {"EPSG:4326", LCC_RU, 76.9674, 52.2873, -541119.5075, -267985.0187, 1e-3},  /* Pavlodar */
    {"EPSG:4326", LCC_RU, 37.6173, 55.7558, -2730290.8699, 1029570.2612, 1e-3}, /* Moscow */
    {"EPSG:4326", LCC_RU, 100, 70, 590076.6637, 1743408.9854, 1e-3},
    {"EPSG:4326", LCC_RU, 130, 43, 3447273.6350, -196078.8234, 1e-3},
    {"EPSG:4326", LCC_RU, 40, 40, -3646609.9580, -467342.0784, 1e-3},
    /* A .prj's WKT and a PROJ string as the source. */
    {WKT_WGS84, LCC_RU, 73.3686, 54.9885, -733230.2233, 58921.2290, 1e-3},
    {"+proj=longlat +datum=WGS84", "EPSG:3857", 37.6173, 55.7558, 4187538.6810, 7509955.1423, 1e-3},
    /* Axis order: EPSG:4326 is lat,lon by definition, lon,lat once normalised. */
    {"EPSG:4326", "EPSG:4326", 37.6173, 55.7558, 37.6173, 55.7558, 1e-9},
};

START_TEST(test_trans_table)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_proj *p = make_proj(ctx, trans_table[_i].src, trans_table[_i].dst);
    double xy[2] = {trans_table[_i].lon, trans_table[_i].lat};
    ck_assert_uint_eq(st_proj_trans(p, xy, 1, false), 0);
    ck_assert_double_eq_tol(xy[0], trans_table[_i].x, trans_table[_i].tol);
    ck_assert_double_eq_tol(xy[1], trans_table[_i].y, trans_table[_i].tol);
    /* and back */
    ck_assert_uint_eq(st_proj_trans(p, xy, 1, true), 0);
    ck_assert_double_eq_tol(xy[0], trans_table[_i].lon, 1e-8);
    ck_assert_double_eq_tol(xy[1], trans_table[_i].lat, 1e-8);
    st_proj_destroy(p);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* ---- geographic WGS 84 without PROJ's database ---------------------------- */

static const struct {
    const char *def;
    bool wgs84;
} wgs84_table[] = {
    {"EPSG:4326", true},
    {" epsg:4326\n", true},
    {"OGC:CRS84", true},
    {WKT_WGS84, true},
    {"GEOGCS[\"GCS_WGS_1984\",\n  DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],\n"
     "  PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]\r\n",
     true},
    {"GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\","
     "\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],"
     "UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AUTHORITY[\"EPSG\",\"4326\"]]",
     true},
    {"EPSG:43260", false},
    {"EPSG:4326x", false},
    {"EPSG:4269", false},
    {"", false},
    /* Another prime meridian, another datum, a truncated file. */
    {"GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],"
     "PRIMEM[\"Paris\",2.33722917],UNIT[\"Degree\",0.0174532925199433]]",
     false},
    {"GEOGCS[\"GCS_North_American_1927\",DATUM[\"D_North_American_1927\",SPHEROID[\"Clarke_1866\",6378206.4,"
     "294.9786982]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]",
     false},
    {"GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\"", false},
};

START_TEST(test_wgs84_spellings)
{
    ck_assert_msg(st_crs_is_wgs84(wgs84_table[_i].def) == wgs84_table[_i].wgs84, "'%s'", wgs84_table[_i].def);
}
END_TEST

/* Projections of WGS 84 that st_proj_create() builds without PROJ's
 * operation search must give PROJ's own results: compared on a 5° grid
 * with proj_create_crs_to_crs(), failures included. The last rows are not
 * taken by the shortcut (another datum, +towgs84) and pass through PROJ. */
static const char *const shortcut_table[] = {
    LCC_RU,
    "+proj=lcc +lat_1=45 +lat_2=65 +lat_0=55 +lon_0=90 +datum=WGS84 +units=m +no_defs",
    "+proj=laea +lat_0=50 +lon_0=70 +datum=WGS84 +units=km",
    "+proj=merc +datum=WGS84 +type=crs",
    "+proj=utm +zone=43 +datum=WGS84",
    "+proj=stere +lat_0=90 +lat_ts=70 +lon_0=100 +x_0=1000 +y_0=-500 +datum=WGS84",
    "+proj=aea +lat_1=50 +lat_2=70 +lon_0=60 +datum=WGS84",
    "+proj=ortho +lat_0=50 +lon_0=70 +datum=WGS84",
    "+proj=lcc +lat_1=45 +lat_2=62 +lat_0=55 +lon_0=85 +ellps=krass +towgs84=25,-141,-78.5,0,0.35,0.736,0",
    "+proj=lcc +lat_1=45 +lat_2=62 +lat_0=55 +lon_0=85 +datum=NAD27",
};

START_TEST(test_shortcut_matches_proj)
{
    const char *dst = shortcut_table[_i];
    steppe_ctx_t *ctx = tu_ctx();
    st_proj *p = make_proj(ctx, "EPSG:4326", dst);
    PJ_CONTEXT *pc = proj_context_create();
    char *crs = malloc(strlen(dst) + 16);
    ck_assert_ptr_nonnull(crs);
    sprintf(crs, "%s%s", dst, strstr(dst, "type=crs") ? "" : " +type=crs");
    PJ *op = proj_create_crs_to_crs(pc, "EPSG:4326", crs, NULL);
    PJ *ref = op ? proj_normalize_for_visualization(pc, op) : NULL;
    ck_assert_ptr_nonnull(ref);
    size_t compared = 0;
    for (double lat = -85; lat <= 85; lat += 5) {
        for (double lon = -180; lon <= 180; lon += 5) {
            double a[2] = {lon, lat};
            PJ_COORD c = proj_coord(lon, lat, 0, 0);
            bool failed = st_proj_trans(p, a, 1, false) > 0;
            c = proj_trans(ref, PJ_FWD, c);
            bool ref_failed = !isfinite(c.xy.x) || !isfinite(c.xy.y) || fabs(c.xy.x) > 1e30;
            proj_errno_reset(ref);
            ck_assert_msg(failed == ref_failed, "%s at (%g, %g): failed %d, PROJ %d", dst, lon, lat, failed,
                          ref_failed);
            if (failed)
                continue;
            ck_assert_msg(fabs(a[0] - c.xy.x) < 1e-6 && fabs(a[1] - c.xy.y) < 1e-6,
                          "%s at (%g, %g): (%.9f, %.9f), PROJ (%.9f, %.9f)", dst, lon, lat, a[0], a[1],
                          c.xy.x, c.xy.y);
            compared++;
        }
    }
    ck_assert_uint_gt(compared, 500);
    free(crs);
    proj_destroy(ref);
    proj_destroy(op);
    proj_context_destroy(pc);
    st_proj_destroy(p);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* A lon/lat map's scale bar is measured along the parallel in closed form
 * (furniture.c): over a short span it must agree with PROJ's geodesic. */
static const struct {
    double lat, dlon;
} parallel_table[] = {
    {0, 0.1}, {45, 0.1}, {55, 0.05}, {70, 0.2}, {-33.9, 0.01}, {82, 0.02}, {51.2, 0.5},
};

START_TEST(test_parallel_matches_geodesic)
{
    ck_assert_ptr_null(st_dynlib_load_proj());
    double lat = parallel_table[_i].lat;
    double dlon = parallel_table[_i].dlon;
    double xy[4] = {60, lat, 60 + dlon, lat};
    double geod = st_geod_polyline_km(xy, 2);
    double par = st_parallel_km(lat, dlon);
    ck_assert_msg(fabs(par - geod) <= 1e-5 * geod, "lat %g dlon %g: parallel %.9f km, geodesic %.9f km", lat,
                  dlon, par, geod);
    /* and it is a length, not a signed difference */
    ck_assert_double_eq_tol(st_parallel_km(lat, -dlon), par, 1e-12);
}
END_TEST

START_TEST(test_geographic_flag)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_proj *a = make_proj(ctx, "EPSG:4326", LCC_RU);
    st_proj *b = make_proj(ctx, WKT_WGS84, "EPSG:3857");
    st_proj *c = make_proj(ctx, "EPSG:3857", "EPSG:4326");
    st_proj *d = make_proj(ctx, LCC_RU, "EPSG:4326");
    ck_assert(st_proj_src_is_geographic(a));
    ck_assert(st_proj_src_is_geographic(b));
    ck_assert(!st_proj_src_is_geographic(c));
    ck_assert(!st_proj_src_is_geographic(d));
    st_proj_destroy(a);
    st_proj_destroy(b);
    st_proj_destroy(c);
    st_proj_destroy(d);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* Orthographic: the far hemisphere fails and is counted. */
START_TEST(test_failed_points_counted)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_proj *p = make_proj(ctx, "EPSG:4326", "+proj=ortho +lat_0=0 +lon_0=0 +ellps=WGS84");
    double xy[] = {0, 0, 180, 0, 10, 10, 120, -5};
    ck_assert_uint_eq(st_proj_trans(p, xy, 4, false), 2);
    ck_assert(xy[2] == HUGE_VAL && xy[3] == HUGE_VAL);
    ck_assert(isfinite(xy[4]) && isfinite(xy[5]));
    st_proj_destroy(p);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* The approximate transformer stays within its tolerance of PROJ: a table
 * of projections and cell sizes, 20,000 pseudo-random points each over the
 * map's region, plus the orthographic whose far side must still fail. */
static const struct {
    const char *dst;
    double lon0, lon1, lat0, lat1;
    double cell, tol;
} approx_table[] = {
    {"+proj=lcc +lat_1=45 +lat_2=65 +lat_0=55 +lon_0=90 +datum=WGS84", 20, 180, 40, 82, 1.0, 500},
    {"+proj=lcc +lat_1=45 +lat_2=62 +lat_0=55 +lon_0=85 +datum=WGS84", -180, 180, 25, 89, 0.25, 50},
    {"EPSG:3857", -179, 179, -80, 80, 0.5, 100},
    {"+proj=ortho +lat_0=50 +lon_0=80 +ellps=WGS84", -180, 180, -90, 90, 1.0, 200},
};

START_TEST(test_approx_within_tolerance)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_proj *p = make_proj(ctx, "EPSG:4326", approx_table[_i].dst);
    enum { N = 20000 };
    double *a = malloc(2 * N * sizeof *a);
    double *b = malloc(2 * N * sizeof *b);
    unsigned seed = 12345;
    for (int k = 0; k < N; k++) {
        seed = seed * 1103515245u + 12345u;
        double u = (seed >> 8) / 16777216.0;
        seed = seed * 1103515245u + 12345u;
        double v = (seed >> 8) / 16777216.0;
        a[2 * k] = b[2 * k] = approx_table[_i].lon0 + u * (approx_table[_i].lon1 - approx_table[_i].lon0);
        a[2 * k + 1] = b[2 * k + 1] =
            approx_table[_i].lat0 + v * (approx_table[_i].lat1 - approx_table[_i].lat0);
    }
    size_t fa = st_proj_trans(p, a, N, false);
    size_t fb = st_proj_trans_approx(p, b, N, approx_table[_i].cell, approx_table[_i].tol);
    ck_assert_uint_eq(fa, fb);
    double worst = 0;
    for (int k = 0; k < N; k++) {
        if (a[2 * k] == HUGE_VAL) {
            ck_assert(b[2 * k] == HUGE_VAL);
            continue;
        }
        worst = fmax(worst, fmax(fabs(a[2 * k] - b[2 * k]), fabs(a[2 * k + 1] - b[2 * k + 1])));
    }
    /* The check is at cell centres, where bilinear error peaks for smooth
     * maps; allow twice the tolerance elsewhere in the cell. */
    ck_assert_msg(worst <= 2 * approx_table[_i].tol, "worst error %g m > 2 x %g", worst,
                  approx_table[_i].tol);
    free(a);
    free(b);
    st_proj_destroy(p);
    steppe_ctx_destroy(ctx);
}
END_TEST

static const struct {
    const char *src, *dst;
    st_loc loc;
    const char *message;
} error_table[] = {
    {"EPSG:99999",
     "EPSG:3857",
     {"map.yaml", 3, 7},
     "map.yaml:3:7: cannot use CRS 'EPSG:99999': not in PROJ's database"},
    {"EPSG:4326",
     "ESRI:1",
     {"map.yaml", 3, 7},
     "map.yaml:3:7: cannot use CRS 'ESRI:1': not in PROJ's database"},
    {"EPSG:4326",
     "+proj=nonesuch",
     {"map.yaml", 4, 6},
     "map.yaml:4:6: cannot use CRS '+proj=nonesuch': Unknown projection"},
    {"EPSG:4326", "not a crs at all", {NULL, 0, 0}, "cannot use CRS 'not a crs at all': "},
    {"EPSG:4326", "", {"a.yaml", 1, 1}, "a.yaml:1:1: cannot use CRS '': empty definition"},
    /* a transformation, not a CRS */
    {"+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad",
     "EPSG:4326",
     {NULL, 0, 0},
     "not a coordinate reference system"},
};

START_TEST(test_crs_errors)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_proj *p = (st_proj *)&p;
    steppe_status_t st =
        st_proj_create(ctx, error_table[_i].src, error_table[_i].dst, error_table[_i].loc, &p);
    ck_assert_int_eq(st, STEPPE_ERR_STYLE_CRS);
    ck_assert_ptr_null(p);
    const char *msg = steppe_ctx_last_error(ctx);
    ck_assert_msg(strstr(msg, error_table[_i].message) != NULL, "got '%s'", msg);
    if (!error_table[_i].loc.file)
        ck_assert_msg(strncmp(msg, "cannot use", 10) == 0, "got '%s'", msg);
    /* PROJ's reason follows the colon */
    ck_assert_msg(strlen(strrchr(msg, ':')) > 3, "no reason in '%s'", msg);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* ---- the view ------------------------------------------------------------ */

static st_map map_of(double w, double h, st_extent_kind kind, double x0, double y0, double x1, double y1)
{
    st_map m;
    memset(&m, 0, sizeof m);
    m.width_px = w;
    m.height_px = h;
    m.dpi = 144;
    m.extent_kind = kind;
    m.extent[0] = x0;
    m.extent[1] = y0;
    m.extent[2] = x1;
    m.extent[3] = y1;
    return m;
}

static const struct {
    double w, h;
    double ext[4];
    double margin;
    st_extent_kind kind;
    double want[4];
    double scale;
} view_table[] = {
    /* taller extent than canvas: widen x */
    {400, 200, {0, 0, 100, 100}, 0, ST_EXTENT_MAP, {-50, 0, 150, 100}, 2},
    /* wider extent than canvas: widen y */
    {400, 400, {0, 0, 100, 50}, 0, ST_EXTENT_MAP, {0, -25, 100, 75}, 4},
    /* exact aspect: unchanged */
    {300, 150, {10, 10, 30, 20}, 0, ST_EXTENT_MAP, {10, 10, 30, 20}, 15},
    /* fit with a 10 % margin on each side */
    {240, 240, {0, 0, 100, 100}, 0.1, ST_EXTENT_FIT, {-10, -10, 110, 110}, 2},
    {480, 240, {0, 0, 100, 100}, 0.1, ST_EXTENT_FIT, {-70, -10, 170, 110}, 2},
};

START_TEST(test_view_aspect)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_proj *p = make_proj(ctx, "EPSG:4326", "EPSG:3857");
    st_map m = map_of(view_table[_i].w, view_table[_i].h, view_table[_i].kind, view_table[_i].ext[0],
                      view_table[_i].ext[1], view_table[_i].ext[2], view_table[_i].ext[3]);
    m.margin = view_table[_i].margin;
    st_view v;
    const double *fit = view_table[_i].kind == ST_EXTENT_FIT ? view_table[_i].ext : NULL;
    ck_assert_int_eq(st_view_init(ctx, &m, p, fit, &v), STEPPE_OK);
    for (int k = 0; k < 4; k++)
        ck_assert_double_eq_tol(v.extent[k], view_table[_i].want[k], 1e-9);
    ck_assert_double_eq_tol(v.scale, view_table[_i].scale, 1e-12);
    ck_assert_double_eq(v.dpi, 144);
    ck_assert_double_eq_tol(v.px_per_pt, 2, 1e-12);
    /* the frame maps onto the canvas */
    double corners[4] = {v.extent[0], v.extent[3], v.extent[2], v.extent[1]};
    st_view_to_px(&v, corners, 2);
    ck_assert_double_eq_tol(corners[0], 0, 1e-9);
    ck_assert_double_eq_tol(corners[1], 0, 1e-9);
    ck_assert_double_eq_tol(corners[2], view_table[_i].w, 1e-9);
    ck_assert_double_eq_tol(corners[3], view_table[_i].h, 1e-9);
    st_proj_destroy(p);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* A lon/lat extent in LCC: the frame covers the projected box, and the
 * culling bbox covers the box (and a little more, never less). */
START_TEST(test_view_lonlat_extent)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_proj *p = make_proj(ctx, "EPSG:4326", LCC_RU);
    st_map m = map_of(1600, 1000, ST_EXTENT_LONLAT, 60, 48, 90, 58);
    st_view v;
    ck_assert_int_eq(st_view_init(ctx, &m, p, NULL, &v), STEPPE_OK);
    /* A finely sampled outline of the box: the frame holds it, and the axis
     * that was not widened fits it tightly (the parallels are arcs in LCC,
     * so the corners alone would miss their bulge). */
    enum { N = 1000 };
    static double pts[8 * N];
    for (int i = 0; i < N; i++) {
        double t = (double)i / N;
        double *o = pts + 8 * i;
        double side[8] = {60 + 30 * t, 48, 90, 48 + 10 * t, 90 - 30 * t, 58, 60, 58 - 10 * t};
        memcpy(o, side, sizeof side);
    }
    ck_assert_uint_eq(st_proj_trans(p, pts, 4 * N, false), 0);
    double bb[4] = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    for (int i = 0; i < 4 * N; i++) {
        bb[0] = fmin(bb[0], pts[2 * i]);
        bb[1] = fmin(bb[1], pts[2 * i + 1]);
        bb[2] = fmax(bb[2], pts[2 * i]);
        bb[3] = fmax(bb[3], pts[2 * i + 1]);
    }
    const double tol = 200; /* metres: what 64 samples a side may miss */
    ck_assert(v.extent[0] <= bb[0] + tol && v.extent[1] <= bb[1] + tol);
    ck_assert(v.extent[2] >= bb[2] - tol && v.extent[3] >= bb[3] - tol);
    bool x_tight = fabs(v.extent[0] - bb[0]) < tol && fabs(v.extent[2] - bb[2]) < tol;
    bool y_tight = fabs(v.extent[1] - bb[1]) < tol && fabs(v.extent[3] - bb[3]) < tol;
    ck_assert(x_tight || y_tight);
    ck_assert_double_eq_tol((v.extent[2] - v.extent[0]) / (v.extent[3] - v.extent[1]), 1.6, 1e-9);
    ck_assert(v.lonlat[0] <= 60 && v.lonlat[2] >= 90 && v.lonlat[1] <= 48 && v.lonlat[3] >= 58);
    ck_assert(v.lonlat[0] > 30 && v.lonlat[2] < 120 && v.lonlat[1] > 35 && v.lonlat[3] < 70);
    st_proj_destroy(p);
    steppe_ctx_destroy(ctx);
}
END_TEST

static const struct {
    const char *dst;
    double ext[4];
    double want[4]; /* the culling bbox must cover this */
    bool world_lon; /* and its longitudes must be the whole range */
} lonlat_table[] = {
    /* a polar stereographic frame around the north pole */
    {"+proj=stere +lat_0=90 +lat_ts=70 +lon_0=0 +datum=WGS84",
     {-2e6, -2e6, 2e6, 2e6},
     {-180, 75, 180, 90},
     true},
    /* an orthographic frame bigger than the globe: failures give the world */
    {"+proj=ortho +lat_0=50 +lon_0=20 +ellps=WGS84", {-8e6, -8e6, 8e6, 8e6}, {-180, -90, 180, 90}, true},
    /* the Russia LCC frame crosses the antimeridian: full longitude */
    {LCC_RU, {-4.5e6, -1.5e6, 4.5e6, 3.5e6}, {20, 40, 180, 80}, true},
    /* a small frame: a small bbox */
    {"EPSG:3857", {4e6, 7.4e6, 4.4e6, 7.6e6}, {36, 55.3, 39.5, 56.1}, false},
};

START_TEST(test_view_lonlat_cover)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_proj *p = make_proj(ctx, "EPSG:4326", lonlat_table[_i].dst);
    const double *e = lonlat_table[_i].ext;
    st_map m = map_of(800, (e[3] - e[1]) / (e[2] - e[0]) * 800, ST_EXTENT_MAP, e[0], e[1], e[2], e[3]);
    st_view v;
    ck_assert_int_eq(st_view_init(ctx, &m, p, NULL, &v), STEPPE_OK);
    const double *w = lonlat_table[_i].want;
    ck_assert_msg(v.lonlat[0] <= w[0] && v.lonlat[1] <= w[1] && v.lonlat[2] >= w[2] && v.lonlat[3] >= w[3],
                  "lonlat %g %g %g %g", v.lonlat[0], v.lonlat[1], v.lonlat[2], v.lonlat[3]);
    ck_assert(v.lonlat[0] >= -180 && v.lonlat[2] <= 180 && v.lonlat[1] >= -90 && v.lonlat[3] <= 90);
    if (lonlat_table[_i].world_lon)
        ck_assert(v.lonlat[0] == -180 && v.lonlat[2] == 180);
    else
        ck_assert(v.lonlat[2] - v.lonlat[0] < 10 && v.lonlat[3] - v.lonlat[1] < 5);
    st_proj_destroy(p);
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_view_errors)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_proj *p = make_proj(ctx, "EPSG:4326", "EPSG:3857");
    st_view v;
    st_map m = map_of(400, 200, ST_EXTENT_LONLAT, 10, 60, 20, 50); /* south > north */
    m.extent_loc = (st_loc){"m.yaml", 9, 3};
    ck_assert_int_eq(st_view_init(ctx, &m, p, NULL, &v), STEPPE_ERR_STYLE_VALUE);
    ck_assert_msg(strncmp(steppe_ctx_last_error(ctx), "m.yaml:9:3: extent", 18) == 0, "%s",
                  steppe_ctx_last_error(ctx));
    m = map_of(400, 200, ST_EXTENT_MAP, 10, 60, 0, 70); /* xmin > xmax */
    ck_assert_int_eq(st_view_init(ctx, &m, p, NULL, &v), STEPPE_ERR_STYLE_VALUE);
    m = map_of(0, 200, ST_EXTENT_MAP, 0, 0, 1, 1);
    ck_assert_int_eq(st_view_init(ctx, &m, p, NULL, &v), STEPPE_ERR_STYLE_VALUE);
    /* a fit to a single point still gives a usable view */
    double pt[4] = {5e5, 5e5, 5e5, 5e5};
    m = map_of(400, 200, ST_EXTENT_FIT, 0, 0, 0, 0);
    ck_assert_int_eq(st_view_init(ctx, &m, p, pt, &v), STEPPE_OK);
    ck_assert(v.scale > 0 && isfinite(v.scale));
    ck_assert_double_eq_tol((v.extent[0] + v.extent[2]) / 2, 5e5, 1e-6);
    st_proj_destroy(p);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* A lon/lat extent with west > east crosses the antimeridian: in a map
 * centred on 180° the frame holds both sides of the box, the same frame as
 * the box written with east + 360 or both corners west of ±180. */
START_TEST(test_view_antimeridian)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_proj *p =
        make_proj(ctx, "EPSG:4326", "+proj=laea +lat_0=62 +lon_0=180 +datum=WGS84 +units=m +no_defs");
    st_view v;
    st_map m = map_of(800, 500, ST_EXTENT_LONLAT, 170, 50, -170, 70);
    ck_assert_int_eq(st_view_init(ctx, &m, p, NULL, &v), STEPPE_OK);
    /* 20 degrees of longitude at 50-70°N: about 1430 km at 50°N */
    double w_km = (v.extent[2] - v.extent[0]) / 1000;
    ck_assert_msg(w_km > 1300 && w_km < 4000, "frame %g km wide", w_km);
    ck_assert_double_eq_tol((v.extent[0] + v.extent[2]) / 2, 0, 1);
    /* the same box spelled with east + 360 */
    st_view v2;
    m = map_of(800, 500, ST_EXTENT_LONLAT, 170, 50, 190, 70);
    ck_assert_int_eq(st_view_init(ctx, &m, p, NULL, &v2), STEPPE_OK);
    for (int i = 0; i < 4; i++)
        ck_assert_double_eq_tol(v.extent[i], v2.extent[i], 1e-3);
    /* a small box east of the dateline, written in negative longitudes */
    m = map_of(800, 500, ST_EXTENT_LONLAT, -175, 60, -165, 66);
    ck_assert_int_eq(st_view_init(ctx, &m, p, NULL, &v2), STEPPE_OK);
    ck_assert_msg((v2.extent[0] + v2.extent[2]) / 2 > 4e5 && v2.extent[2] < 1.5e6, "%g %g", v2.extent[0],
                  v2.extent[2]);
    st_proj_destroy(p);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* A box that straddles the map projection's seam cannot be shown in one
 * piece: refused at the extent, naming the crs that would show it. */
START_TEST(test_view_seam_straddle)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_proj *p = make_proj(ctx, "EPSG:4326", "EPSG:4326");
    st_view v;
    st_map m = map_of(800, 500, ST_EXTENT_LONLAT, 170, 50, -170, 70);
    m.extent_loc = (st_loc){"am.yaml", 6, 5};
    ck_assert_int_eq(st_view_init(ctx, &m, p, NULL, &v), STEPPE_ERR_STYLE_VALUE);
    ck_assert_str_eq(steppe_ctx_last_error(ctx),
                     "am.yaml:6:5: extent [170, 50, -170, 70] straddles the map projection's seam at "
                     "longitude 180 (its central meridian is 0): use a map crs centred inside the "
                     "extent, e.g. with +lon_0=180");
    /* the whole world still works, in any centring */
    m = map_of(800, 400, ST_EXTENT_LONLAT, -180, -90, 180, 90);
    ck_assert_int_eq(st_view_init(ctx, &m, p, NULL, &v), STEPPE_OK);
    ck_assert_double_eq_tol(v.extent[0], -180, 1e-6);
    ck_assert_double_eq_tol(v.extent[2], 180, 1e-6);
    st_proj_destroy(p);
    p = make_proj(ctx, "EPSG:4326", "+proj=robin +lon_0=150 +datum=WGS84");
    ck_assert_int_eq(st_view_init(ctx, &m, p, NULL, &v), STEPPE_OK);
    ck_assert_double_eq_tol(v.extent[2] + v.extent[0], 0, 1);
    ck_assert(v.extent[2] > 1.6e7);
    st_proj_destroy(p);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* A lon/lat extent that the map projection blows up (the whole world in
 * a polar stereographic or Mercator map) fails at the extent instead of
 * drawing a dot. */
static const char *const degenerate_crs[] = {
    "+proj=stere +lat_0=90 +lon_0=0 +datum=WGS84 +units=m +no_defs",
    "EPSG:3413",
    "EPSG:3857",
    "+proj=stere +lat_0=90 +lon_0=0 +datum=WGS84 +units=km +no_defs",
};

START_TEST(test_view_degenerate)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_proj *p = make_proj(ctx, "EPSG:4326", degenerate_crs[_i]);
    st_view v;
    st_map m = map_of(800, 500, ST_EXTENT_LONLAT, -180, -90, 180, 90);
    m.extent_loc = (st_loc){"polar.yaml", 5, 3};
    ck_assert_int_eq(st_view_init(ctx, &m, p, NULL, &v), STEPPE_ERR_STYLE_VALUE);
    const char *msg = steppe_ctx_last_error(ctx);
    ck_assert_msg(strncmp(msg, "polar.yaml:5:3: extent projects to a frame of ", 46) == 0 &&
                      strstr(msg, "far larger than the Earth") != NULL,
                  "got '%s'", msg);
    /* the northern hemisphere is fine in the same projections (not Mercator) */
    m = map_of(800, 500, ST_EXTENT_LONLAT, -180, 30, 180, 90);
    if (_i != 2) {
        ck_assert_int_eq(st_view_init(ctx, &m, p, NULL, &v), STEPPE_OK);
        ck_assert(isfinite(v.scale) && v.scale > 0);
    }
    st_proj_destroy(p);
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_simplify_deg)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_proj *metric = make_proj(ctx, "EPSG:4326", "EPSG:3857");
    st_proj *geo = make_proj(ctx, "EPSG:4326", "EPSG:4326");
    st_view v = {.scale = 1e-3}; /* 1 km per pixel */
    ck_assert_double_eq_tol(st_view_simplify_deg(&v, metric, 0.5), 500.0 / 111320.0, 1e-12);
    v.scale = 4; /* 4 px per degree */
    ck_assert_double_eq_tol(st_view_simplify_deg(&v, geo, 2), 0.5, 1e-12);
    st_proj_destroy(metric);
    st_proj_destroy(geo);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* ---- projecting features ------------------------------------------------- */

typedef struct fixture {
    steppe_ctx_t *ctx;
    st_arena *arena;
    st_proj *p;
    st_view view;
    st_featureset fs;
} fixture;

static void fx_init(fixture *fx, const char *dst, st_extent_kind kind, const double ext[4], double w,
                    double h)
{
    memset(fx, 0, sizeof *fx);
    fx->ctx = tu_ctx();
    fx->arena = st_arena_create(0);
    fx->p = make_proj(fx->ctx, "EPSG:4326", dst);
    st_map m = map_of(w, h, kind, ext[0], ext[1], ext[2], ext[3]);
    ck_assert_int_eq(st_view_init(fx->ctx, &m, fx->p, NULL, &fx->view), STEPPE_OK);
    fx->fs.crs = "EPSG:4326";
    fx->fs.path = "test.shp";
    fx->fs.cap = 16;
    fx->fs.feat = st_arena_calloc(fx->arena, fx->fs.cap, sizeof(st_feature));
}

static void fx_free(fixture *fx)
{
    st_proj_destroy(fx->p);
    st_arena_destroy(fx->arena);
    steppe_ctx_destroy(fx->ctx);
}

/* Adds a one-part feature of n points. */
static st_feature *fx_add(fixture *fx, st_geom_type type, const double *xy, size_t n)
{
    ck_assert_uint_lt(fx->fs.n, fx->fs.cap);
    fx->fs.type = type;
    st_feature *f = &fx->fs.feat[fx->fs.n];
    f->record = (uint32_t)fx->fs.n;
    fx->fs.n++;
    f->npoints = (uint32_t)n;
    f->nparts = 1;
    f->parts = st_arena_calloc(fx->arena, 1, sizeof(uint32_t));
    f->xy = st_arena_alloc(fx->arena, 2 * n * sizeof(double));
    memcpy(f->xy, xy, 2 * n * sizeof(double));
    f->cls = -1;
    return f;
}

static double part_area(const st_feature *f, uint32_t k)
{
    uint32_t a = f->parts[k];
    uint32_t b = k + 1 < f->nparts ? f->parts[k + 1] : f->npoints;
    double s = 0;
    for (uint32_t i = a; i + 1 < b; i++)
        s += f->xy[2 * i] * f->xy[2 * i + 3] - f->xy[2 * i + 2] * f->xy[2 * i + 1];
    s += f->xy[2 * (b - 1)] * f->xy[2 * a + 1] - f->xy[2 * a] * f->xy[2 * (b - 1) + 1];
    return fabs(s) / 2;
}

static double longest_segment(const st_feature *f)
{
    double worst = 0;
    for (uint32_t k = 0; k < f->nparts; k++) {
        uint32_t a = f->parts[k];
        uint32_t b = k + 1 < f->nparts ? f->parts[k + 1] : f->npoints;
        for (uint32_t i = a; i + 1 < b; i++)
            worst = fmax(worst, hypot(f->xy[2 * i + 2] - f->xy[2 * i], f->xy[2 * i + 3] - f->xy[2 * i + 1]));
    }
    return worst;
}

static const double world_eqearth[4] = {-1.75e7, -0.87e7, 1.75e7, 0.87e7};

/* A 20° box across the antimeridian, drawn with lon_0 = 0 (the box is cut
 * at the seam) and lon_0 = 180 (the box is whole): no streak, same area in
 * an equal-area projection. */
START_TEST(test_ring_across_seam)
{
    static const double box[] = {170, 50, -170, 50, -170, 60, 170, 60, 170, 50};
    fixture a;
    fixture b;
    fx_init(&a, "+proj=eqearth +lon_0=0 +datum=WGS84", ST_EXTENT_MAP, world_eqearth, 2000, 1000);
    fx_init(&b, "+proj=eqearth +lon_0=180 +datum=WGS84", ST_EXTENT_MAP, world_eqearth, 2000, 1000);
    fx_add(&a, ST_GEOM_POLYGON, box, 5);
    fx_add(&b, ST_GEOM_POLYGON, box, 5);
    ck_assert_int_eq(st_project_features(a.ctx, a.p, &a.view, &a.fs, a.arena), STEPPE_OK);
    ck_assert_int_eq(st_project_features(b.ctx, b.p, &b.view, &b.fs, b.arena), STEPPE_OK);
    ck_assert_uint_eq(a.fs.n, 1);
    ck_assert_uint_eq(b.fs.n, 1);
    const st_feature *fa = &a.fs.feat[0];
    const st_feature *fb = &b.fs.feat[0];
    ck_assert_uint_eq(fa->nparts, 2);
    ck_assert_uint_eq(fb->nparts, 1);
    /* the box is ~90 px wide: no segment may cross the map */
    ck_assert_msg(longest_segment(fa) < 30, "longest %g", longest_segment(fa));
    /* one piece at each edge of the world */
    double edge[2] = {180 - 1e-6, 50};
    st_proj_trans(a.p, edge, 1, false);
    st_view_to_px(&a.view, edge, 1);
    ck_assert_double_eq_tol(fa->bbox[2], edge[0], 0.01);
    ck_assert_double_eq_tol(fa->bbox[0], 2000 - edge[0], 0.01);
    double area_a = part_area(fa, 0) + part_area(fa, 1);
    double area_b = part_area(fb, 0);
    ck_assert_double_eq_tol(area_a / area_b, 1.0, 1e-3);
    /* every point inside the canvas's width: nothing wrapped round */
    for (uint32_t i = 0; i < fa->npoints; i++)
        ck_assert(fa->xy[2 * i] >= -1 && fa->xy[2 * i] <= 2001);
    ck_assert_str_eq(tu_log(), "");
    fx_free(&a);
    fx_free(&b);
}
END_TEST

START_TEST(test_line_across_seam)
{
    static const double line[] = {160, 10, 170, 10, -170, 20, -160, 20};
    fixture a;
    fx_init(&a, "+proj=eqearth +lon_0=0 +datum=WGS84", ST_EXTENT_MAP, world_eqearth, 2000, 1000);
    fx_add(&a, ST_GEOM_LINE, line, 4);
    ck_assert_int_eq(st_project_features(a.ctx, a.p, &a.view, &a.fs, a.arena), STEPPE_OK);
    const st_feature *f = &a.fs.feat[0];
    ck_assert_uint_eq(f->nparts, 2);
    ck_assert(longest_segment(f) < 60);
    /* the pieces end and start at the seam (the map's edges), at the
     * interpolated latitude 15° (same y on both edges) */
    uint32_t end0 = f->parts[1] - 1;
    uint32_t start1 = f->parts[1];
    double lonlat[] = {180 - 1e-6, 15};
    st_proj_trans(a.p, lonlat, 1, false);
    st_view_to_px(&a.view, lonlat, 1);
    ck_assert_double_eq_tol(f->xy[2 * end0], lonlat[0], 0.01);
    ck_assert_double_eq_tol(f->xy[2 * end0 + 1], lonlat[1], 0.01);
    ck_assert_double_eq_tol(f->xy[2 * start1], 2000 - lonlat[0], 0.01);
    ck_assert_double_eq_tol(f->xy[2 * start1 + 1], lonlat[1], 0.01);
    fx_free(&a);
}
END_TEST

/* The seam follows the map's central meridian, whichever way the CRS
 * states it: a line across lon_0 + 180° splits, one across 180° need not. */
static const struct {
    const char *dst;
    double lon0, lon1; /* a line at 60°N from lon0 to lon1 */
    uint32_t parts;
} seam_table[] = {
    {"EPSG:3576", -100, -80, 2}, /* LAEA, lon_0 = 90 */
    {"EPSG:3576", 170, -170, 1},
    {"ESRI:54030", 170, -170, 2}, /* Robinson, lon_0 = 0 */
    {"ESRI:54030", -10, 10, 1},
    {LCC_RU, -100, -90, 2}, /* string, lon_0 = 85 */
    {LCC_RU, 170, -170, 1},
    {"EPSG:32645", -100, -90, 2}, /* UTM 45N, lon_0 = 87 */
    {"+proj=robin +lon_0=-150 +datum=WGS84", 20, 40, 2},
    {"+proj=robin +lon_0=-150 +datum=WGS84", 170, -170, 1},
};

START_TEST(test_seam_follows_lon_0)
{
    static const double ext[4] = {-2e7, -1e7, 2e7, 1e7};
    double line[] = {seam_table[_i].lon0, 60, seam_table[_i].lon1, 60};
    fixture a;
    fx_init(&a, seam_table[_i].dst, ST_EXTENT_MAP, ext, 1000, 500);
    fx_add(&a, ST_GEOM_LINE, line, 2);
    ck_assert_int_eq(st_project_features(a.ctx, a.p, &a.view, &a.fs, a.arena), STEPPE_OK);
    ck_assert_uint_eq(a.fs.n, 1);
    ck_assert_uint_eq(a.fs.feat[0].nparts, seam_table[_i].parts);
    fx_free(&a);
}
END_TEST

/* A ring round the north pole (its longitudes wind once round the globe) is
 * closed through the pole: in polar stereographic it fills the polar cap. */
START_TEST(test_polar_cap_ring)
{
    static const double cap[] = {0, 80, 90, 80, 180, 80, -90, 80, 0, 80};
    static const double ext[4] = {-2e6, -2e6, 2e6, 2e6};
    fixture a;
    fx_init(&a, "+proj=stere +lat_0=90 +lat_ts=90 +lon_0=0 +datum=WGS84", ST_EXTENT_MAP, ext, 1000, 1000);
    fx_add(&a, ST_GEOM_POLYGON, cap, 5);
    ck_assert_int_eq(st_project_features(a.ctx, a.p, &a.view, &a.fs, a.arena), STEPPE_OK);
    const st_feature *f = &a.fs.feat[0];
    double area = 0;
    for (uint32_t k = 0; k < f->nparts; k++)
        area += part_area(f, k);
    /* the cap's circle: radius from the projected (0, 80) to the centre */
    double pt[2] = {0, 80};
    st_proj_trans(a.p, pt, 1, false);
    double r = hypot(pt[0], pt[1]) * a.view.scale;
    ck_assert_double_eq_tol(area / (M_PI * r * r), 1.0, 0.01);
    ck_assert_double_eq_tol(f->bbox[0], 500 - r, 1);
    ck_assert_double_eq_tol(f->bbox[2], 500 + r, 1);
    fx_free(&a);
}
END_TEST

/* Antarctica as Natural Earth draws it (along the antimeridian down to the
 * pole) in Web Mercator, which cannot project the pole: the pole is
 * replaced by a latitude near it, and the continent is kept. */
START_TEST(test_pole_edge_mercator)
{
    static const double ant[] = {-180, -70, -90, -65, 0,    -70, 90,   -65,
                                 180,  -70, 180, -90, -180, -90, -180, -70};
    static const double ext[4] = {-2.0037508e7, -2.0037508e7, 2.0037508e7, 2.0037508e7};
    fixture a;
    fx_init(&a, "EPSG:3857", ST_EXTENT_MAP, ext, 1000, 1000);
    fx_add(&a, ST_GEOM_POLYGON, ant, 8);
    ck_assert_int_eq(st_project_features(a.ctx, a.p, &a.view, &a.fs, a.arena), STEPPE_OK);
    ck_assert_uint_eq(a.fs.n, 1);
    const st_feature *f = &a.fs.feat[0];
    ck_assert(f->bbox[0] < 1 && f->bbox[2] > 999);
    ck_assert(f->bbox[3] > 1000); /* extends far south of the frame */
    double top[2] = {0, -65};
    st_proj_trans(a.p, top, 1, false);
    st_view_to_px(&a.view, top, 1);
    ck_assert_double_eq_tol(f->bbox[1], top[1], 0.5);
    for (uint32_t i = 0; i < f->npoints; i++)
        ck_assert(f->xy[2 * i] >= -1 && f->xy[2 * i] <= 1001);
    ck_assert_str_eq(tu_log(), "");
    fx_free(&a);
}
END_TEST

/* A segment along the parallel 60°N from 40°E to 120°E is an arc in LCC;
 * the projected line must pass through the projected midpoint (80°E). */
START_TEST(test_densify_curves)
{
    static const double line[] = {40, 60, 120, 60};
    static const double ext[4] = {-4e6, -1e6, 4e6, 3e6};
    fixture a;
    fx_init(&a, LCC_RU, ST_EXTENT_MAP, ext, 2000, 1000);
    fx_add(&a, ST_GEOM_LINE, line, 2);
    ck_assert_int_eq(st_project_features(a.ctx, a.p, &a.view, &a.fs, a.arena), STEPPE_OK);
    const st_feature *f = &a.fs.feat[0];
    ck_assert_uint_ge(f->npoints, 60);
    double mid[2] = {80, 60};
    st_proj_trans(a.p, mid, 1, false);
    st_view_to_px(&a.view, mid, 1);
    double best = HUGE_VAL;
    for (uint32_t i = 0; i < f->npoints; i++)
        best = fmin(best, hypot(f->xy[2 * i] - mid[0], f->xy[2 * i + 1] - mid[1]));
    ck_assert_msg(best < 2.0, "midpoint %g px from the line", best);
    /* parallels are circles round the cone's apex: the middle of the arc
     * sags south (down) of its ends */
    ck_assert(f->bbox[3] > f->xy[1] + 20);
    fx_free(&a);
}
END_TEST

/* Planar sources are transformed as they are, with no extra points. */
START_TEST(test_planar_source)
{
    fixture a;
    static const double ext[4] = {-1e6, -1e6, 1e6, 1e6};
    memset(&a, 0, sizeof a);
    a.ctx = tu_ctx();
    a.arena = st_arena_create(0);
    a.p = make_proj(a.ctx, "EPSG:3857", "EPSG:3857");
    st_map m = map_of(200, 200, ST_EXTENT_MAP, ext[0], ext[1], ext[2], ext[3]);
    ck_assert_int_eq(st_view_init(a.ctx, &m, a.p, NULL, &a.view), STEPPE_OK);
    a.fs.cap = 4;
    a.fs.path = "p.shp";
    a.fs.feat = st_arena_calloc(a.arena, 4, sizeof(st_feature));
    static const double line[] = {-1e6, -1e6, 1e6, 1e6, 1e6, 0};
    fx_add(&a, ST_GEOM_LINE, line, 3);
    ck_assert_int_eq(st_project_features(a.ctx, a.p, &a.view, &a.fs, a.arena), STEPPE_OK);
    const st_feature *f = &a.fs.feat[0];
    ck_assert_uint_eq(f->npoints, 3);
    static const double want[] = {0, 200, 200, 0, 200, 100};
    for (int i = 0; i < 6; i++)
        ck_assert_double_eq_tol(f->xy[i], want[i], 1e-9);
    ck_assert_double_eq_tol(f->bbox[0], 0, 1e-9);
    ck_assert_double_eq_tol(f->bbox[3], 200, 1e-9);
    fx_free(&a);
}
END_TEST

/* Orthographic: lines lose their far-side points (and split there), rings
 * with a far-side point are dropped, empty features go; one warning. */
START_TEST(test_failures_one_warning)
{
    static const double ext[4] = {-7e6, -7e6, 7e6, 7e6};
    static const double line[] = {0, 0, 60, 0, 120, 0, 150, 0, 100, 10, 60, 10, 30, 10};
    static const double far_ring[] = {170, 0, 175, 0, 175, 5, 170, 5, 170, 0};
    static const double near_ring[] = {0, 0, 5, 0, 5, 5, 0, 5, 0, 0};
    static const double far_pt[] = {180, 0};
    fixture a;
    fx_init(&a, "+proj=ortho +lat_0=0 +lon_0=0 +ellps=WGS84", ST_EXTENT_MAP, ext, 500, 500);
    fx_add(&a, ST_GEOM_LINE, line, 7);
    st_feature *f1 = fx_add(&a, ST_GEOM_LINE, line, 7);
    f1->record = 41;
    ck_assert_int_eq(st_project_features(a.ctx, a.p, &a.view, &a.fs, a.arena), STEPPE_OK);
    ck_assert_uint_eq(a.fs.n, 2);
    const st_feature *f = &a.fs.feat[0];
    ck_assert_uint_eq(f->nparts, 2);
    ck_assert(longest_segment(f) < 60);
    ck_assert_str_eq(tu_log(), "warning: test.shp: 2 features could not be projected (wholly or partly; "
                               "first: record 0)\n");
    fx_free(&a);

    fx_init(&a, "+proj=ortho +lat_0=0 +lon_0=0 +ellps=WGS84", ST_EXTENT_MAP, ext, 500, 500);
    st_feature *r = fx_add(&a, ST_GEOM_POLYGON, far_ring, 5);
    r->record = 7;
    fx_add(&a, ST_GEOM_POLYGON, near_ring, 5);
    ck_assert_int_eq(st_project_features(a.ctx, a.p, &a.view, &a.fs, a.arena), STEPPE_OK);
    ck_assert_uint_eq(a.fs.n, 1);
    ck_assert_uint_eq(a.fs.feat[0].record, 1);
    ck_assert_str_eq(tu_log(), "warning: test.shp: 1 features could not be projected (wholly or partly; "
                               "first: record 7)\n");
    fx_free(&a);

    fx_init(&a, "+proj=ortho +lat_0=0 +lon_0=0 +ellps=WGS84", ST_EXTENT_MAP, ext, 500, 500);
    fx_add(&a, ST_GEOM_POINT, far_pt, 1);
    fx_add(&a, ST_GEOM_POINT, near_ring, 1);
    ck_assert_int_eq(st_project_features(a.ctx, a.p, &a.view, &a.fs, a.arena), STEPPE_OK);
    ck_assert_uint_eq(a.fs.n, 1);
    ck_assert_double_eq_tol(a.fs.feat[0].xy[0], 250, 1e-6);
    ck_assert_double_eq_tol(a.fs.feat[0].xy[1], 250, 1e-6);
    fx_free(&a);
}
END_TEST

/* Multi-part features keep their parts; holes stay holes. */
START_TEST(test_multipart_polygon)
{
    static const double ext[4] = {-2e6, -2e6, 2e6, 2e6};
    static const double xy[] = {0,  0, 10, 0, 10, 10, 0,  10, 0, 0, /* outer */
                                2,  2, 2,  8, 8,  8,  8,  2,  2, 2, /* hole */
                                20, 0, 21, 0, 21, 1,  20, 0};       /* island */
    fixture a;
    fx_init(&a, "+proj=laea +lat_0=5 +lon_0=10 +datum=WGS84", ST_EXTENT_MAP, ext, 400, 400);
    st_feature *f = fx_add(&a, ST_GEOM_POLYGON, xy, 14);
    f->nparts = 3;
    f->parts = st_arena_calloc(a.arena, 3, sizeof(uint32_t));
    f->parts[1] = 5;
    f->parts[2] = 10;
    ck_assert_int_eq(st_project_features(a.ctx, a.p, &a.view, &a.fs, a.arena), STEPPE_OK);
    f = &a.fs.feat[0];
    ck_assert_uint_eq(f->nparts, 3);
    /* each ring is still closed */
    for (uint32_t k = 0; k < 3; k++) {
        uint32_t s = f->parts[k];
        uint32_t e = (k + 1 < 3 ? f->parts[k + 1] : f->npoints) - 1;
        ck_assert_double_eq_tol(f->xy[2 * s], f->xy[2 * e], 1e-9);
        ck_assert_double_eq_tol(f->xy[2 * s + 1], f->xy[2 * e + 1], 1e-9);
    }
    ck_assert(part_area(f, 1) < part_area(f, 0));
    fx_free(&a);
}
END_TEST

static Suite *project_suite(void)
{
    Suite *s = suite_create("project");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_trans_table, 0, sizeof trans_table / sizeof trans_table[0]);
    tcase_add_loop_test(tc, test_wgs84_spellings, 0, sizeof wgs84_table / sizeof wgs84_table[0]);
    tcase_add_loop_test(tc, test_shortcut_matches_proj, 0, sizeof shortcut_table / sizeof shortcut_table[0]);
    tcase_add_loop_test(tc, test_parallel_matches_geodesic, 0,
                        sizeof parallel_table / sizeof parallel_table[0]);
    tcase_add_test(tc, test_geographic_flag);
    tcase_add_test(tc, test_failed_points_counted);
    tcase_add_loop_test(tc, test_approx_within_tolerance, 0, sizeof approx_table / sizeof approx_table[0]);
    tcase_add_loop_test(tc, test_crs_errors, 0, sizeof error_table / sizeof error_table[0]);
    tcase_add_loop_test(tc, test_view_aspect, 0, sizeof view_table / sizeof view_table[0]);
    tcase_add_test(tc, test_view_lonlat_extent);
    tcase_add_loop_test(tc, test_view_lonlat_cover, 0, sizeof lonlat_table / sizeof lonlat_table[0]);
    tcase_add_test(tc, test_view_errors);
    tcase_add_test(tc, test_view_antimeridian);
    tcase_add_test(tc, test_view_seam_straddle);
    tcase_add_loop_test(tc, test_view_degenerate, 0, sizeof degenerate_crs / sizeof degenerate_crs[0]);
    tcase_add_test(tc, test_simplify_deg);
    tcase_add_test(tc, test_ring_across_seam);
    tcase_add_test(tc, test_line_across_seam);
    tcase_add_loop_test(tc, test_seam_follows_lon_0, 0, sizeof seam_table / sizeof seam_table[0]);
    tcase_add_test(tc, test_polar_cap_ring);
    tcase_add_test(tc, test_pole_edge_mercator);
    tcase_add_test(tc, test_densify_curves);
    tcase_add_test(tc, test_planar_source);
    tcase_add_test(tc, test_failures_one_warning);
    tcase_add_test(tc, test_multipart_polygon);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(project_suite());
}
