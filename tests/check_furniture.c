/* Map furniture on synthetic renders: a real view (PROJ), layers made in
 * code, every piece switched on. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dynlib.h"
#include "furniture.h"
#include "testutil.h"

#define LCC_KZ "+proj=lcc +lat_1=45 +lat_2=55 +lat_0=48 +lon_0=68 +datum=WGS84 +units=m +no_defs"

typedef struct fixture {
    steppe_ctx_t *ctx;
    st_arena *arena;
    st_map map;
    st_layer layers[6];
    st_class classes[3];
    st_layer_data data[6];
    st_scene r;
} fixture;

static void fx_init(fixture *fx, const char *crs, const double ll[4], double w, double h, double dpi)
{
    memset(fx, 0, sizeof *fx);
    fx->ctx = tu_ctx();
    fx->arena = st_arena_create(0);
    st_map *m = &fx->map;
    m->path = "test.yaml";
    m->width_px = w;
    m->height_px = h;
    m->dpi = dpi;
    m->crs = crs;
    m->extent_kind = ST_EXTENT_LONLAT;
    memcpy(m->extent, ll, 4 * sizeof *ll);
    m->font = "Noto Sans";
    m->scalebar_max_width = 0.25;
    fx->r.ctx = fx->ctx;
    fx->r.map = m;
    fx->r.arena = fx->arena;
    fx->r.layers = fx->data;
    ck_assert_int_eq(st_proj_create(fx->ctx, "EPSG:4326", crs, (st_loc){0}, &fx->r.lonlat_to_map), STEPPE_OK);
    ck_assert_int_eq(st_view_init(fx->ctx, m, fx->r.lonlat_to_map, NULL, &fx->r.view), STEPPE_OK);
}

static void fx_free(fixture *fx)
{
    st_furniture_free(&fx->r);
    st_proj_destroy(fx->r.lonlat_to_map);
    st_arena_destroy(fx->arena);
    steppe_ctx_destroy(fx->ctx);
}

static st_layer *fx_layer(fixture *fx, const char *name, st_geom_type type, const char *legend, int order)
{
    size_t i = fx->r.nlayers++;
    fx->map.nlayers = fx->r.nlayers;
    fx->map.layers = fx->layers;
    st_layer *L = &fx->layers[i];
    L->name = name;
    L->visible = true;
    L->legend = legend;
    L->legend_order = order;
    L->sym.has_fill = type == ST_GEOM_POLYGON;
    L->sym.fill = (st_rgba){0.9, 0.6, 0.2, 1};
    L->sym.has_stroke = true;
    L->sym.stroke = (st_rgba){0.2, 0.2, 0.2, 1};
    L->sym.width = 1;
    L->sym.opacity = 1;
    L->sym.marker = type == ST_GEOM_POINT ? ST_MARKER_CIRCLE : ST_MARKER_NONE;
    L->sym.size = 6;
    fx->data[i].layer = L;
    fx->data[i].fs.type = type;
    return L;
}

/* Every piece on: title (top left), legend (top left too: they stack),
 * notes (top right), scale bar (bottom left), inset (bottom right),
 * attribution, graticule with labels. */
static void fx_everything(fixture *fx)
{
    st_map *m = &fx->map;
    m->title = "Kazakhstan";
    m->subtitle = "Regions and borders, 2024";
    m->title_corner = ST_CORNER_TOP_LEFT;
    m->legend = true;
    m->legend_title = "Legend";
    m->legend_corner = ST_CORNER_TOP_LEFT;
    m->notes_corner = ST_CORNER_TOP_RIGHT;
    m->scalebar = true;
    m->scalebar_corner = ST_CORNER_BOTTOM_LEFT;
    m->graticule = true;
    m->graticule_step = 5;
    m->graticule_labels = true;
    m->graticule_sym.has_stroke = true;
    m->graticule_sym.stroke = (st_rgba){0.5, 0.5, 0.6, 1};
    m->graticule_sym.width = 0.5;
    m->graticule_sym.opacity = 1;
    m->attribution = "Data: Natural Earth; DCW. Made with steppe.";
    m->inset = true;
    m->inset_corner = ST_CORNER_BOTTOM_RIGHT;
    m->inset_width = 0.2;
    m->inset_crs = "+proj=robin +lon_0=60 +datum=WGS84";
    m->inset_extent[0] = -20;
    m->inset_extent[1] = 0;
    m->inset_extent[2] = 150;
    m->inset_extent[3] = 80;
    m->inset_frame.has_stroke = true;
    m->inset_frame.stroke = (st_rgba){0.8, 0, 0, 1};
    m->inset_frame.width = 1;
    m->inset_frame.opacity = 1;

    st_layer *regions = fx_layer(fx, "regions", ST_GEOM_POLYGON, "Regions", 2);
    fx->classes[0] = (st_class){.name = "capital", .sym = regions->sym, .legend = "Capital region"};
    fx->classes[0].sym.fill = (st_rgba){0.8, 0.1, 0.1, 1};
    fx->classes[1] = (st_class){.name = "other", .sym = regions->sym, .legend = NULL};
    regions->classes = fx->classes;
    regions->nclasses = 2;
    st_layer *border = fx_layer(fx, "border", ST_GEOM_LINE, "State border", 1);
    border->kind = ST_LAYER_SHARED_BOUNDARY;
    border->measure_text = "Border with Russia: {km} km (about {km_round} km)";
    fx->data[1].measured = true;
    fx->data[1].km = 7644.4;
    st_layer *towns = fx_layer(fx, "towns", ST_GEOM_POINT, "Towns", 3);
    fx->classes[2] = (st_class){.name = "big", .sym = towns->sym, .legend = "Over a million"};
    fx->classes[2].sym.size = 10;
    towns->classes = &fx->classes[2];
    towns->nclasses = 1;
    fx_layer(fx, "rivers", ST_GEOM_LINE, NULL, 0);
    st_layer *hidden = fx_layer(fx, "hidden", ST_GEOM_POLYGON, "Hidden", 0);
    hidden->visible = false;
}

static bool overlap(st_box a, st_box b)
{
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

static void assert_boxes_ok(const fixture *fx)
{
    const st_scene *r = &fx->r;
    ck_assert(r->nobstacles > 0);
    for (size_t i = 0; i < r->nobstacles; i++) {
        st_box a = r->obstacles[i];
        ck_assert_msg(a.x0 >= 0 && a.y0 >= 0 && a.x1 <= r->view.width_px && a.y1 <= r->view.height_px,
                      "piece %zu (%g,%g-%g,%g) leaves the %gx%g canvas", i, a.x0, a.y0, a.x1, a.y1,
                      r->view.width_px, r->view.height_px);
        ck_assert(a.x1 > a.x0 && a.y1 > a.y0);
        for (size_t j = i + 1; j < r->nobstacles; j++)
            ck_assert_msg(!overlap(a, r->obstacles[j]), "pieces %zu and %zu overlap", i, j);
    }
}

static const double KZ[4] = {46, 40, 88, 56};

START_TEST(test_all_pieces_disjoint)
{
    fixture fx;
    fx_init(&fx, LCC_KZ, KZ, 1200, 800, 96);
    fx_everything(&fx);
    ck_assert_int_eq(st_furniture_layout(&fx.r), STEPPE_OK);
    /* title, legend, notes, scale bar, inset, attribution + graticule labels */
    ck_assert_msg(fx.r.nobstacles > 6, "only %zu pieces", fx.r.nobstacles);
    assert_boxes_ok(&fx);
    ck_assert_uint_eq(fx.ctx->warnings, 0);
    /* Layers + classes with legend text, visible: Regions, Capital region,
     * State border, Towns, Over a million. */
    ck_assert_uint_eq(st_furniture_legend_entries(&fx.r), 5);

    /* Everything draws, on an image and on a vector surface. */
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1200, 800);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 0.8, 0.9, 1);
    cairo_paint(cr);
    st_furniture_draw_graticule(&fx.r, cr);
    st_furniture_draw(&fx.r, cr);
    ck_assert_int_eq(cairo_status(cr), CAIRO_STATUS_SUCCESS);
    cairo_destroy(cr);
    const char *dump = getenv("STEPPE_TEST_DUMP");
    if (dump)
        cairo_surface_write_to_png(s, tu_join(dump, "furniture-all.png"));
    cairo_surface_destroy(s);
    fx_free(&fx);
}
END_TEST

START_TEST(test_crowded_canvas_leaves_out)
{
    /* A tiny canvas cannot hold everything: what does not fit is left out
     * with a warning, and what is placed still neither overlaps nor leaves
     * the canvas. */
    fixture fx;
    fx_init(&fx, LCC_KZ, KZ, 260, 180, 96);
    fx_everything(&fx);
    ck_assert_int_eq(st_furniture_layout(&fx.r), STEPPE_OK);
    assert_boxes_ok(&fx);
    ck_assert(fx.ctx->warnings > 0);
    ck_assert_ptr_nonnull(strstr(tu_log(), "does not fit"));
    fx_free(&fx);
}
END_TEST

/* Scale bars: CRS, extent, canvas, dpi. */
static const struct {
    const char *crs;
    double ll[4];
    double w, h, dpi;
} bars[] = {
    {LCC_KZ, {46, 40, 88, 56}, 1200, 800, 96},
    {LCC_KZ, {46, 40, 88, 56}, 1200, 800, 300},
    {LCC_KZ, {76.8, 43.1, 77.1, 43.4}, 800, 800, 96}, /* Almaty: metres */
    {"EPSG:3857", {20, 60, 40, 70}, 1000, 600, 96},   /* Mercator far north */
    {"+proj=robin +lon_0=0 +datum=WGS84", {-180, -60, 180, 85}, 1600, 800, 96},
    {"EPSG:4326", {60, 40, 70, 50}, 900, 900, 96},
};

static double geodesic_km(const st_scene *r, double x0, double x1, double y)
{
    const st_view *v = &r->view;
    double xy[4] = {v->extent[0] + x0 / v->scale, v->extent[3] - y / v->scale, v->extent[0] + x1 / v->scale,
                    v->extent[3] - y / v->scale};
    ck_assert_uint_eq(st_proj_trans(r->lonlat_to_map, xy, 2, true), 0);
    /* A lon/lat map's layout measures without libproj; the check uses it. */
    ck_assert_ptr_null(st_dynlib_load_proj());
    return st_geod_polyline_km(xy, 2);
}

START_TEST(test_scalebar_round_and_true)
{
    fixture fx;
    fx_init(&fx, bars[_i].crs, bars[_i].ll, bars[_i].w, bars[_i].h, bars[_i].dpi);
    fx.map.scalebar = true;
    fx.map.scalebar_corner = ST_CORNER_BOTTOM_LEFT;
    ck_assert_int_eq(st_furniture_layout(&fx.r), STEPPE_OK);
    double km, px;
    ck_assert(st_furniture_scalebar(&fx.r, &km, &px));
    /* Round: 1, 2 or 5 times a power of ten. */
    double e = pow(10, floor(log10(km) + 1e-9));
    double mant = km / e;
    ck_assert_msg(fabs(mant - 1) < 1e-9 || fabs(mant - 2) < 1e-9 || fabs(mant - 5) < 1e-9, "length %g km",
                  km);
    /* As long as allowed, and no longer. */
    double maxw = fx.map.scalebar_max_width * fx.r.view.width_px;
    ck_assert_msg(px <= maxw + 1e-6 && px > maxw / 2.5 - 1e-6, "bar %g px, max %g px", px, maxw);
    /* True at the map centre: the geodesic across the bar's length there. */
    double cx = fx.r.view.width_px / 2, cy = fx.r.view.height_px / 2;
    double g = geodesic_km(&fx.r, cx - px / 2, cx + px / 2, cy);
    ck_assert_msg(fabs(g - km) <= 0.01 * km, "bar says %g km, geodesic %g km", km, g);
    assert_boxes_ok(&fx);
    fx_free(&fx);
}
END_TEST

/* measure_text templates: template, km, expected. */
static const struct {
    const char *tmpl;
    double km;
    st_language lang;
    const char *want;
} measures[] = {
    {"{km} km", 6846.4, ST_LANG_EN, "6,846 km"},
    {"about {km_round} km", 6846.4, ST_LANG_EN, "about 6,800 km"},
    {"{km_round}", 6851, ST_LANG_EN, "6,900"},
    {"{km}/{km}", 999.6, ST_LANG_EN, "1,000/1,000"},
    {"{km}", 1234567.0, ST_LANG_EN, "1,234,567"},
    {"{km}", 12, ST_LANG_EN, "12"},
    {"{km_round}", 12, ST_LANG_EN, "0"},
    {"no fields", 5, ST_LANG_EN, "no fields"},
    {"{kmx} {km", 5, ST_LANG_EN, "{kmx} {km"},
    {"{km} км", 6846.4, ST_LANG_RU, "6\u00a0846 км"},
    {"{km}", 1234567.0, ST_LANG_KK, "1\u00a0234\u00a0567"},
};

START_TEST(test_measure_text)
{
    st_arena *a = st_arena_create(0);
    char *s = st_furniture_measure_text(a, measures[_i].tmpl, measures[_i].km, measures[_i].lang);
    ck_assert_str_eq(s, measures[_i].want);
    st_arena_destroy(a);
}
END_TEST

START_TEST(test_legend_swatch_drawn_like_layer)
{
    fixture fx;
    fx_init(&fx, LCC_KZ, KZ, 600, 400, 96);
    fx.map.legend = true;
    fx.map.legend_corner = ST_CORNER_TOP_LEFT;
    st_layer *L = fx_layer(&fx, "lakes", ST_GEOM_POLYGON, "Lakes", 0);
    L->sym.fill = (st_rgba){0, 0, 1, 1};
    L->sym.has_stroke = false;
    ck_assert_int_eq(st_furniture_layout(&fx.r), STEPPE_OK);
    ck_assert_uint_eq(st_furniture_legend_entries(&fx.r), 1);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 600, 400);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    st_furniture_draw(&fx.r, cr);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    /* Some pixel of the panel is the lake's pure blue. */
    st_box b = fx.r.obstacles[0];
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    bool blue = false;
    for (int y = (int)b.y0; y < (int)b.y1 && !blue; y++) {
        const uint32_t *row = (const uint32_t *)(d + y * stride);
        for (int x = (int)b.x0; x < (int)b.x1; x++)
            blue = blue || (row[x] & 0xffffff) == 0x0000ff;
    }
    ck_assert(blue);
    cairo_surface_destroy(s);
    fx_free(&fx);
}
END_TEST

/* Four layers in the legend of a w-wide canvas, laid out in direction dir;
 * their box. */
static st_box legend_of_four(double w, st_legend_direction dir)
{
    static const char *const names[] = {"Lakes and reservoirs", "Rivers and canals", "Main roads",
                                        "Towns over a million"};
    static const st_geom_type types[] = {ST_GEOM_POLYGON, ST_GEOM_LINE, ST_GEOM_LINE, ST_GEOM_POINT};
    fixture fx;
    fx_init(&fx, LCC_KZ, KZ, w, 400, 96);
    fx.map.legend = true;
    fx.map.legend_corner = ST_CORNER_BOTTOM_LEFT;
    fx.map.legend_direction = dir;
    for (int i = 0; i < 4; i++)
        fx_layer(&fx, names[i], types[i], names[i], 0);
    ck_assert_int_eq(st_furniture_layout(&fx.r), STEPPE_OK);
    ck_assert_uint_eq(st_furniture_legend_entries(&fx.r), 4);
    assert_boxes_ok(&fx);
    st_box b;
    ck_assert(st_furniture_legend_box(&fx.r, &b));
    fx_free(&fx);
    return b;
}

START_TEST(test_legend_horizontal_is_a_row)
{
    st_box v = legend_of_four(1200, ST_LEGEND_VERTICAL);
    st_box h = legend_of_four(1200, ST_LEGEND_HORIZONTAL);
    ck_assert_msg(h.x1 - h.x0 > 3 * (h.y1 - h.y0), "horizontal legend %gx%g", h.x1 - h.x0, h.y1 - h.y0);
    /* The four entries side by side: far wider than the column, and as
     * tall as one of its rows (a quarter, give or take the padding). */
    ck_assert_msg(h.x1 - h.x0 > 3 * (v.x1 - v.x0), "horizontal %g wide, vertical %g", h.x1 - h.x0,
                  v.x1 - v.x0);
    ck_assert_msg(h.y1 - h.y0 < (v.y1 - v.y0) / 2, "horizontal %g tall, vertical %g", h.y1 - h.y0,
                  v.y1 - v.y0);
}
END_TEST

START_TEST(test_legend_horizontal_wraps)
{
    st_box one = legend_of_four(1200, ST_LEGEND_HORIZONTAL);
    st_box two = legend_of_four(400, ST_LEGEND_HORIZONTAL);
    /* Too wide for 400 px: the row wraps, staying inside the margins. */
    ck_assert_msg(two.x1 - two.x0 <= 400 - 2 * 10, "wrapped legend %g wide", two.x1 - two.x0);
    ck_assert_msg(two.y1 - two.y0 > 1.5 * (one.y1 - one.y0), "wrapped legend %g tall, one row %g",
                  two.y1 - two.y0, one.y1 - one.y0);
}
END_TEST

/* With a subject whose markers sit in all four corners, a piece takes the
 * middle of an edge, covering none of them: for the title, the top edge's
 * middle (the first edge tried), for the scale bar below it too, the
 * bottom edge's. */
START_TEST(test_edge_middle_when_corners_covered)
{
    fixture fx;
    fx_init(&fx, LCC_KZ, KZ, 1200, 800, 96);
    static const char *subject[] = {"towns"};
    fx.map.subject = subject;
    fx.map.nsubject = 1;
    fx.map.title = "Kazakhstan";
    fx.map.title_corner = ST_CORNER_TOP_LEFT;
    fx.map.scalebar = true;
    fx.map.scalebar_corner = ST_CORNER_BOTTOM_LEFT;
    fx_layer(&fx, "towns", ST_GEOM_POINT, NULL, 0);
    const double at[][2] = {{40, 30},  {1160, 30}, {40, 770},  {1160, 770},
                            {200, 40}, {1000, 40}, {200, 760}, {1000, 760}};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        st_feature *f = st_featureset_add(&fx.data[0].fs, fx.arena);
        ck_assert_ptr_nonnull(f);
        f->xy = st_arena_alloc(fx.arena, 2 * sizeof *f->xy);
        f->xy[0] = at[i][0];
        f->xy[1] = at[i][1];
        f->npoints = 1;
        f->parts = st_arena_calloc(fx.arena, 1, sizeof *f->parts);
        f->nparts = 1;
        f->cls = -1;
        st_feature_update_bbox(f);
    }
    ck_assert_int_eq(st_furniture_layout(&fx.r), STEPPE_OK);
    ck_assert_double_eq(st_furniture_covered(&fx.r), 0);
    st_furniture_box boxes[8];
    size_t n = st_furniture_boxes(&fx.r, boxes, 8);
    ck_assert_uint_eq(n, 2);
    for (size_t i = 0; i < n; i++) {
        st_box b = boxes[i].box;
        double cx = (b.x0 + b.x1) / 2;
        ck_assert_msg(fabs(cx - 600) < 1, "%s centred at x %g, not on an edge's middle", boxes[i].name, cx);
        bool title = strcmp(boxes[i].name, "title") == 0;
        ck_assert_msg(title ? b.y0 < 40 : b.y1 > 760, "%s at y %g-%g", boxes[i].name, b.y0, b.y1);
    }
    fx_free(&fx);
}
END_TEST

START_TEST(test_inset_reads_its_layer)
{
    fixture fx;
    fx_init(&fx, LCC_KZ, KZ, 1000, 700, 96);
    fx_everything(&fx);
    st_layer *c = fx_layer(&fx, "countries", ST_GEOM_POLYGON, NULL, 0);
    c->source = tu_src("shapes/countries.shp");
    c->visible = false;
    fx.map.inset_layer = "countries";
    ck_assert_int_eq(st_furniture_layout(&fx.r), STEPPE_OK);
    assert_boxes_ok(&fx);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1000, 700);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 0.8, 0.9, 1);
    cairo_paint(cr);
    st_furniture_draw_graticule(&fx.r, cr);
    st_furniture_draw(&fx.r, cr);
    ck_assert_int_eq(cairo_status(cr), CAIRO_STATUS_SUCCESS);
    cairo_destroy(cr);
    const char *dump = getenv("STEPPE_TEST_DUMP");
    if (dump)
        cairo_surface_write_to_png(s, tu_join(dump, "furniture-inset.png"));
    cairo_surface_destroy(s);
    fx_free(&fx);
}
END_TEST

START_TEST(test_inset_bad_crs_fails)
{
    fixture fx;
    fx_init(&fx, LCC_KZ, KZ, 1000, 700, 96);
    fx.map.inset = true;
    fx.map.inset_crs = "+proj=nonsense";
    fx.map.inset_extent[2] = 10;
    fx.map.inset_extent[3] = 10;
    ck_assert_int_eq(st_furniture_layout(&fx.r), STEPPE_ERR_STYLE_CRS);
    fx_free(&fx);
}
END_TEST

static Suite *furniture_suite(void)
{
    Suite *s = suite_create("furniture");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_all_pieces_disjoint);
    tcase_add_test(tc, test_crowded_canvas_leaves_out);
    tcase_add_loop_test(tc, test_scalebar_round_and_true, 0, sizeof bars / sizeof bars[0]);
    tcase_add_loop_test(tc, test_measure_text, 0, sizeof measures / sizeof measures[0]);
    tcase_add_test(tc, test_legend_swatch_drawn_like_layer);
    tcase_add_test(tc, test_legend_horizontal_is_a_row);
    tcase_add_test(tc, test_legend_horizontal_wraps);
    tcase_add_test(tc, test_inset_reads_its_layer);
    tcase_add_test(tc, test_inset_bad_crs_fails);
    tcase_add_test(tc, test_edge_middle_when_corners_covered);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(furniture_suite());
}
