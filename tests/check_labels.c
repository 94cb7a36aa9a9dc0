/* Label placement on synthetic renders: feature sets built in code, in
 * pixel coordinates, so each case states exactly where things are. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "testutil.h"

#define MAXL 4

typedef struct fixture {
    steppe_ctx_t *ctx;
    st_arena *arena;
    st_map map;
    st_layer layers[MAXL];
    st_layer_data data[MAXL];
    st_scene r;
    st_box obstacles[512];
} fixture;

static const char *name_field[] = {"name"};

static void fx_init(fixture *fx, double w, double h)
{
    memset(fx, 0, sizeof *fx);
    fx->ctx = tu_ctx();
    fx->arena = st_arena_create(0);
    fx->map.font = "Noto Sans";
    fx->map.width_px = w;
    fx->map.height_px = h;
    fx->map.dpi = 96;
    fx->r.ctx = fx->ctx;
    fx->r.map = &fx->map;
    fx->r.arena = fx->arena;
    fx->r.view.width_px = w;
    fx->r.view.height_px = h;
    fx->r.view.extent[2] = w;
    fx->r.view.extent[3] = h;
    fx->r.view.scale = 1;
    fx->r.view.dpi = 96;
    fx->r.view.px_per_pt = 96.0 / 72.0;
    fx->r.layers = fx->data;
    fx->r.obstacles = fx->obstacles;
    fx->r.cap_obstacles = sizeof fx->obstacles / sizeof fx->obstacles[0];
}

static void fx_free(fixture *fx)
{
    st_labels_free(&fx->r);
    st_arena_destroy(fx->arena);
    steppe_ctx_destroy(fx->ctx);
}

/* Adds a visible layer of the given type with a "{name}" label. */
static st_layer_data *fx_layer(fixture *fx, const char *name, st_geom_type type, int priority)
{
    size_t i = fx->r.nlayers++;
    st_layer *L = &fx->layers[i];
    L->name = name;
    L->visible = true;
    L->sym.marker = type == ST_GEOM_POINT ? ST_MARKER_CIRCLE : ST_MARKER_NONE;
    L->sym.size = 4;
    L->label.enabled = true;
    L->label.text = "{name}";
    L->label.size = 10;
    L->label.weight = 400;
    L->label.color = (st_rgba){0, 0, 0, 1};
    L->label.halo = (st_rgba){1, 1, 1, 1};
    L->label.halo_width = 1;
    L->label.priority = priority;
    L->label.offset = 2;
    st_layer_data *ld = &fx->data[i];
    ld->layer = L;
    ld->fs.type = type;
    ld->fs.fields = name_field;
    ld->fs.nfields = 1;
    return ld;
}

/* Adds a feature of one or more parts; counts[k] points per part. */
static st_feature *fx_feature(fixture *fx, st_layer_data *ld, const char *name, const double *xy,
                              const uint32_t *counts, uint32_t nparts)
{
    st_feature *f = st_featureset_add(&ld->fs, fx->arena);
    ck_assert_ptr_nonnull(f);
    uint32_t n = 0;
    f->parts = st_arena_alloc(fx->arena, nparts * sizeof *f->parts);
    for (uint32_t p = 0; p < nparts; p++) {
        f->parts[p] = n;
        n += counts[p];
    }
    f->nparts = nparts;
    f->npoints = n;
    f->xy = st_arena_alloc(fx->arena, 2 * n * sizeof *f->xy);
    memcpy(f->xy, xy, 2 * n * sizeof *xy);
    f->attrs = st_arena_alloc(fx->arena, sizeof *f->attrs);
    f->attrs[0] = st_arena_strdup(fx->arena, name);
    f->cls = -1;
    f->record = (uint32_t)(ld->fs.n - 1);
    st_feature_update_bbox(f);
    return f;
}

static void fx_point(fixture *fx, st_layer_data *ld, const char *name, double x, double y)
{
    double xy[2] = {x, y};
    uint32_t one = 1;
    fx_feature(fx, ld, name, xy, &one, 1);
}

static void fx_obstacle(fixture *fx, double x0, double y0, double x1, double y1)
{
    fx->r.obstacles[fx->r.nobstacles++] = (st_box){x0, y0, x1, y1};
}

static bool overlap(st_box a, st_box b)
{
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

static void assert_valid(const fixture *fx)
{
    const st_scene *r = &fx->r;
    for (size_t i = 0; i < r->nlabels; i++) {
        st_box a = r->labels[i].box;
        ck_assert_msg(a.x0 >= 2 && a.y0 >= 2 && a.x1 <= r->view.width_px - 2 && a.y1 <= r->view.height_px - 2,
                      "label '%s' box %g,%g-%g,%g leaves the canvas", r->labels[i].text, a.x0, a.y0, a.x1,
                      a.y1);
        ck_assert(a.x1 > a.x0 && a.y1 > a.y0);
        for (size_t j = 0; j < r->nobstacles; j++)
            ck_assert_msg(!overlap(a, r->obstacles[j]), "label '%s' covers obstacle %zu", r->labels[i].text,
                          j);
    }
}

/* Pairwise disjointness of placed boxes; only valid for straight labels
 * (a curved label's union box may overlap another's while its glyphs do
 * not). */
static void assert_disjoint(const fixture *fx)
{
    const st_scene *r = &fx->r;
    for (size_t i = 0; i < r->nlabels; i++) {
        for (size_t j = i + 1; j < r->nlabels; j++)
            ck_assert_msg(!overlap(r->labels[i].box, r->labels[j].box), "labels '%s' and '%s' overlap",
                          r->labels[i].text, r->labels[j].text);
    }
}

START_TEST(test_many_points_disjoint_inside)
{
    fixture fx;
    fx_init(&fx, 500, 350);
    st_layer_data *ld = fx_layer(&fx, "towns", ST_GEOM_POINT, 0);
    static const char *names[] = {
        "Astana",    "Almaty",     "Shymkent",  "Aktobe",    "Karaganda",   "Taraz",     "Pavlodar",
        "Oskemen",   "Semey",      "Atyrau",    "Kostanay",  "Kyzylorda",   "Oral",      "Petropavl",
        "Aktau",     "Temirtau",   "Turkistan", "Kokshetau", "Taldykorgan", "Ekibastuz", "Rudny",
        "Zhanaozen", "Zhezkazgan", "Balkhash",  "Satbayev",  "Qonayev",     "Ridder",    "Stepnogorsk"};
    size_t n = sizeof names / sizeof names[0];
    unsigned seed = 12345;
    for (size_t k = 0; k < 3 * n; k++) {
        seed = seed * 1103515245u + 12345u;
        double x = (seed >> 8) % 500;
        seed = seed * 1103515245u + 12345u;
        double y = (seed >> 8) % 350;
        fx_point(&fx, ld, names[k % n], x, y);
        fx_obstacle(&fx, x - 3, y - 3, x + 3, y + 3);
    }
    ck_assert_int_eq(st_labels_place(&fx.r), STEPPE_OK);
    ck_assert_uint_eq(fx.r.nlabels + fx.r.ndropped, 3 * n);
    ck_assert(fx.r.nlabels > n);
    ck_assert(fx.r.ndropped > 0);
    assert_valid(&fx);
    assert_disjoint(&fx);

    /* Deterministic: the same input places the same boxes. */
    st_box first = fx.r.labels[0].box, last = fx.r.labels[fx.r.nlabels - 1].box;
    size_t nl = fx.r.nlabels;
    st_labels_free(&fx.r);
    fx.r.nlabels = fx.r.ndropped = 0;
    ck_assert_int_eq(st_labels_place(&fx.r), STEPPE_OK);
    ck_assert_uint_eq(fx.r.nlabels, nl);
    ck_assert(memcmp(&first, &fx.r.labels[0].box, sizeof first) == 0);
    ck_assert(memcmp(&last, &fx.r.labels[nl - 1].box, sizeof last) == 0);
    fx_free(&fx);
}
END_TEST

/* A canvas so low that only the position right of the point fits: the
 * two labels contest it. (priority of layer 0, of layer 1, winner) */
static const struct {
    int p0, p1;
    const char *winner, *loser;
} contest[] = {
    {0, 10, "High", "Low"}, {10, 0, "Low", "High"}, {5, 5, "Low", "High"}, /* a tie keeps layer order */
};

START_TEST(test_priority_wins)
{
    fixture fx;
    fx_init(&fx, 200, 28);
    st_layer_data *a = fx_layer(&fx, "first", ST_GEOM_POINT, contest[_i].p0);
    st_layer_data *b = fx_layer(&fx, "second", ST_GEOM_POINT, contest[_i].p1);
    fx_point(&fx, a, "Low", 6, 14);
    fx_point(&fx, b, "High", 6, 14);
    ck_assert_int_eq(st_labels_place(&fx.r), STEPPE_OK);
    ck_assert_uint_eq(fx.r.nlabels, 1);
    ck_assert_str_eq(fx.r.labels[0].text, contest[_i].winner);
    ck_assert(fx.r.labels[0].box.x0 > 6);
    ck_assert_uint_eq(fx.r.ndropped, 1);
    ck_assert_str_eq(fx.r.dropped[0].text, contest[_i].loser);
    assert_valid(&fx);
    fx_free(&fx);
}
END_TEST

/* Which side of a point at 200,150 the label takes when obstacles cover
 * the others: obstacle boxes (up to 3), expected side. */
enum side { RIGHT, LEFT, ABOVE, BELOW };
static const struct {
    st_box obst[3];
    int nobst;
    enum side side;
} blocking[] = {
    {{{0}}, 0, RIGHT},
    {{{205, 147, 300, 153}}, 1, LEFT},
    {{{205, 147, 300, 153}, {100, 147, 195, 153}}, 2, ABOVE},
    {{{205, 147, 300, 153}, {100, 147, 195, 153}, {150, 100, 250, 146}}, 3, BELOW},
};

START_TEST(test_obstacle_moves_label)
{
    fixture fx;
    fx_init(&fx, 400, 300);
    st_layer_data *ld = fx_layer(&fx, "towns", ST_GEOM_POINT, 0);
    fx_point(&fx, ld, "Baikonur", 200, 150);
    for (int k = 0; k < blocking[_i].nobst; k++)
        fx.r.obstacles[fx.r.nobstacles++] = blocking[_i].obst[k];
    ck_assert_int_eq(st_labels_place(&fx.r), STEPPE_OK);
    ck_assert_uint_eq(fx.r.nlabels, 1);
    st_box b = fx.r.labels[0].box;
    switch (blocking[_i].side) {
    case RIGHT: ck_assert(b.x0 > 200 && b.y0 < 150 && b.y1 > 150); break;
    case LEFT: ck_assert(b.x1 < 200 && b.y0 < 150 && b.y1 > 150); break;
    case ABOVE: ck_assert(b.y1 < 150 && b.x0 < 200 && b.x1 > 200); break;
    case BELOW: ck_assert(b.y0 > 150 && b.x0 < 200 && b.x1 > 200); break;
    }
    assert_valid(&fx);
    fx_free(&fx);
}
END_TEST

START_TEST(test_no_room_dropped_and_reported)
{
    fixture fx;
    fx_init(&fx, 120, 80);
    st_layer_data *ld = fx_layer(&fx, "towns", ST_GEOM_POINT, 0);
    fx_point(&fx, ld, "A name far too long for this little map", 60, 40);
    fx_point(&fx, ld, "", 30, 40); /* empty text: no label, no report */
    ck_assert_int_eq(st_labels_place(&fx.r), STEPPE_OK);
    ck_assert_uint_eq(fx.r.nlabels, 0);
    ck_assert_uint_eq(fx.r.ndropped, 1);
    ck_assert_str_eq(fx.r.dropped[0].layer, "towns");
    ck_assert_str_eq(fx.r.dropped[0].text, "A name far too long for this little map");
    fx_free(&fx);
}
END_TEST

START_TEST(test_uppercase_and_disabled)
{
    fixture fx;
    fx_init(&fx, 400, 300);
    st_layer_data *ld = fx_layer(&fx, "towns", ST_GEOM_POINT, 0);
    fx.layers[0].label.uppercase = true;
    fx_point(&fx, ld, "Өскемен", 100, 100);
    st_layer_data *hidden = fx_layer(&fx, "hidden", ST_GEOM_POINT, 0);
    fx.layers[1].visible = false;
    fx_point(&fx, hidden, "Nope", 300, 200);
    st_layer_data *off = fx_layer(&fx, "off", ST_GEOM_POINT, 0);
    fx.layers[2].label.enabled = false;
    fx_point(&fx, off, "Nope", 300, 100);
    ck_assert_int_eq(st_labels_place(&fx.r), STEPPE_OK);
    ck_assert_uint_eq(fx.r.nlabels, 1);
    ck_assert_str_eq(fx.r.labels[0].text, "ӨСКЕМЕН");
    ck_assert_uint_eq(fx.r.ndropped, 0);
    fx_free(&fx);
}
END_TEST

/* Even-odd point in polygon, written independently of labels.c. */
static bool inside(const double *xy, const uint32_t *counts, uint32_t nparts, double x, double y)
{
    int crossings = 0;
    uint32_t s = 0;
    for (uint32_t p = 0; p < nparts; p++) {
        for (uint32_t i = 0; i < counts[p]; i++) {
            const double *a = xy + 2 * (s + i);
            const double *b = xy + 2 * (s + (i + 1) % counts[p]);
            if ((a[1] > y) != (b[1] > y)) {
                double xc = a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
                if (xc > x)
                    crossings++;
            }
        }
        s += counts[p];
    }
    return crossings % 2 == 1;
}

/* A U shape whose bounding-box centre is outside it, and a square with a
 * large hole whose centre is in the hole. */
static const double u_shape[] = {50, 50, 350, 50, 350, 250, 270, 250, 270, 120, 130, 120, 130, 250, 50, 250};
static const uint32_t u_counts[] = {8};
static const double donut[] = {40, 40, 360, 40, 360, 260, 40, 260, 100, 90, 300, 90, 300, 210, 100, 210};
static const uint32_t donut_counts[] = {4, 4};
static const struct {
    const double *xy;
    const uint32_t *counts;
    uint32_t nparts;
} polys[] = {
    {u_shape, u_counts, 1},
    {donut, donut_counts, 2},
};

START_TEST(test_polygon_label_inside)
{
    fixture fx;
    fx_init(&fx, 400, 300);
    st_layer_data *ld = fx_layer(&fx, "regions", ST_GEOM_POLYGON, 0);
    fx_feature(&fx, ld, "Sary-Arka", polys[_i].xy, polys[_i].counts, polys[_i].nparts);
    ck_assert_int_eq(st_labels_place(&fx.r), STEPPE_OK);
    ck_assert_uint_eq(fx.r.nlabels, 1);
    st_box b = fx.r.labels[0].box;
    for (int i = 0; i <= 10; i++) {
        for (int j = 0; j <= 4; j++) {
            double x = b.x0 + (b.x1 - b.x0) * i / 10, y = b.y0 + (b.y1 - b.y0) * j / 4;
            ck_assert_msg(inside(polys[_i].xy, polys[_i].counts, polys[_i].nparts, x, y),
                          "point %g,%g of the label box is outside the polygon", x, y);
        }
    }
    assert_valid(&fx);
    fx_free(&fx);
}
END_TEST

START_TEST(test_polygon_min_area_and_too_thin)
{
    fixture fx;
    fx_init(&fx, 400, 300);
    st_layer_data *ld = fx_layer(&fx, "regions", ST_GEOM_POLYGON, 0);
    fx.layers[0].label.min_area = 1000;
    static const double tiny[] = {10, 10, 30, 10, 30, 30, 10, 30};         /* 400 px², under min_area */
    static const double sliver[] = {10, 100, 390, 100, 390, 106, 10, 106}; /* too thin for the text */
    uint32_t four = 4;
    fx_feature(&fx, ld, "Tiny", tiny, &four, 1);
    fx_feature(&fx, ld, "Sliver", sliver, &four, 1);
    ck_assert_int_eq(st_labels_place(&fx.r), STEPPE_OK);
    ck_assert_uint_eq(fx.r.nlabels, 0);
    ck_assert_uint_eq(fx.r.ndropped, 1);
    ck_assert_str_eq(fx.r.dropped[0].text, "Sliver");
    fx_free(&fx);
}
END_TEST

START_TEST(test_polygon_partly_off_canvas)
{
    /* Most of the polygon is off the canvas: the label goes in the part
     * that shows. */
    fixture fx;
    fx_init(&fx, 400, 300);
    st_layer_data *ld = fx_layer(&fx, "countries", ST_GEOM_POLYGON, 0);
    static const double big[] = {250, -2000, 3000, -2000, 3000, 2000, 250, 2000};
    uint32_t four = 4;
    fx_feature(&fx, ld, "Russia", big, &four, 1);
    ck_assert_int_eq(st_labels_place(&fx.r), STEPPE_OK);
    ck_assert_uint_eq(fx.r.nlabels, 1);
    ck_assert(fx.r.labels[0].box.x0 > 250);
    assert_valid(&fx);
    fx_free(&fx);
}
END_TEST

/* Renders the placed labels of fx into a new image surface. With
 * STEPPE_TEST_DUMP=DIR set, also writes DIR/NAME.png with the lines drawn
 * in grey beneath, for looking at. */
static cairo_surface_t *render_labels(fixture *fx, const char *name)
{
    cairo_surface_t *s =
        cairo_image_surface_create(CAIRO_FORMAT_ARGB32, (int)fx->r.view.width_px, (int)fx->r.view.height_px);
    cairo_t *cr = cairo_create(s);
    st_labels_draw(&fx->r, cr);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    const char *dump = getenv("STEPPE_TEST_DUMP");
    if (dump) {
        cairo_surface_t *d = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)fx->r.view.width_px,
                                                        (int)fx->r.view.height_px);
        cr = cairo_create(d);
        cairo_set_source_rgb(cr, 0.85, 0.9, 0.8);
        cairo_paint(cr);
        cairo_set_source_rgb(cr, 0.3, 0.4, 0.9);
        for (size_t i = 0; i < fx->r.nlayers; i++) {
            const st_featureset *fs = &fx->data[i].fs;
            for (size_t k = 0; k < fs->n; k++) {
                const st_feature *f = &fs->feat[k];
                for (uint32_t p = 0; p < f->nparts; p++) {
                    uint32_t a = f->parts[p], b = p + 1 < f->nparts ? f->parts[p + 1] : f->npoints;
                    for (uint32_t j = a; j < b; j++)
                        cairo_line_to(cr, f->xy[2 * j], f->xy[2 * j + 1]);
                    cairo_new_sub_path(cr);
                }
            }
        }
        cairo_stroke(cr);
        cairo_set_source_surface(cr, s, 0, 0);
        cairo_paint(cr);
        cairo_destroy(cr);
        cairo_surface_write_to_png(d, tu_join(dump, name));
        cairo_surface_destroy(d);
    }
    return s;
}

static bool ink_outside(cairo_surface_t *s, st_box b, double slack)
{
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    for (int y = 0; y < h; y++) {
        const uint32_t *row = (const uint32_t *)(d + y * stride);
        for (int x = 0; x < w; x++) {
            if ((row[x] >> 24) &&
                (x + 1 < b.x0 - slack || x > b.x1 + slack || y + 1 < b.y0 - slack || y > b.y1 + slack))
                return true;
        }
    }
    return false;
}

static long ink_count(cairo_surface_t *s)
{
    int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    long n = 0;
    for (int y = 0; y < h; y++) {
        const uint32_t *row = (const uint32_t *)(d + y * stride);
        for (int x = 0; x < w; x++)
            n += (row[x] >> 24) != 0;
    }
    return n;
}

/* Lines: an arc, a straight line drawn right to left, a line too short
 * for its text (straight fallback). */
START_TEST(test_line_labels)
{
    fixture fx;
    fx_init(&fx, 500, 300);
    st_layer_data *ld = fx_layer(&fx, "rivers", ST_GEOM_LINE, 0);
    double arc[2 * 41];
    for (int i = 0; i <= 40; i++) {
        double t = M_PI * (0.15 + 0.7 * i / 40.0);
        arc[2 * i] = 250 - 200 * cos(t);
        arc[2 * i + 1] = 260 - 200 * sin(t);
    }
    uint32_t n41 = 41;
    fx_feature(&fx, ld, "Ertis river", arc, &n41, 1);
    ck_assert_int_eq(st_labels_place(&fx.r), STEPPE_OK);
    ck_assert_uint_eq(fx.r.nlabels, 1);
    assert_valid(&fx);
    /* The label follows the arc: its box is near the arc's top and much
     * wider than tall, and its ink stays within the box. */
    st_box b = fx.r.labels[0].box;
    ck_assert(b.y0 < 80 && b.y1 > 40 && b.x1 - b.x0 > 2 * (b.y1 - b.y0));
    cairo_surface_t *s = render_labels(&fx, "labels-arc.png");
    ck_assert(ink_count(s) > 100);
    ck_assert(!ink_outside(s, b, 1));
    cairo_surface_destroy(s);
    fx_free(&fx);
}
END_TEST

START_TEST(test_line_label_upright)
{
    /* The same straight line given in both directions draws the same
     * (upright) label. */
    cairo_surface_t *img[2];
    for (int dir = 0; dir < 2; dir++) {
        fixture fx;
        fx_init(&fx, 400, 300);
        st_layer_data *ld = fx_layer(&fx, "roads", ST_GEOM_LINE, 0);
        double fwd[] = {50, 250, 350, 50};
        double rev[] = {350, 50, 50, 250};
        uint32_t two = 2;
        fx_feature(&fx, ld, "M-36", dir ? rev : fwd, &two, 1);
        ck_assert_int_eq(st_labels_place(&fx.r), STEPPE_OK);
        ck_assert_uint_eq(fx.r.nlabels, 1);
        img[dir] = render_labels(&fx, dir ? "labels-reversed.png" : "labels-forward.png");
        fx_free(&fx);
    }
    int stride = cairo_image_surface_get_stride(img[0]);
    ck_assert(ink_count(img[0]) > 50);
    ck_assert(memcmp(cairo_image_surface_get_data(img[0]), cairo_image_surface_get_data(img[1]),
                     (size_t)stride * 300) == 0);
    cairo_surface_destroy(img[0]);
    cairo_surface_destroy(img[1]);
}
END_TEST

START_TEST(test_line_sharp_bends_fallback)
{
    /* A zigzag turning 90° every 12 px cannot carry curved text; the
     * label falls back to straight text along a segment. */
    fixture fx;
    fx_init(&fx, 400, 300);
    st_layer_data *ld = fx_layer(&fx, "borders", ST_GEOM_LINE, 0);
    double zz[2 * 21];
    for (int i = 0; i <= 20; i++) {
        zz[2 * i] = 80 + 12 * i;
        zz[2 * i + 1] = 150 + (i % 2 ? 12 : 0);
    }
    uint32_t n21 = 21;
    fx_feature(&fx, ld, "Zigzag", zz, &n21, 1);
    ck_assert_int_eq(st_labels_place(&fx.r), STEPPE_OK);
    ck_assert_uint_eq(fx.r.nlabels, 1);
    assert_valid(&fx);
    cairo_surface_t *s = render_labels(&fx, "labels-zigzag.png");
    ck_assert(ink_count(s) > 50);
    ck_assert(!ink_outside(s, fx.r.labels[0].box, 1));
    cairo_surface_destroy(s);
    fx_free(&fx);
}
END_TEST

START_TEST(test_line_and_point_labels_do_not_collide)
{
    /* Points along a line: the line label's glyph boxes avoid the point
     * labels placed before it (higher priority). */
    fixture fx;
    fx_init(&fx, 400, 200);
    st_layer_data *towns = fx_layer(&fx, "towns", ST_GEOM_POINT, 10);
    st_layer_data *rivers = fx_layer(&fx, "rivers", ST_GEOM_LINE, 0);
    fx_point(&fx, towns, "Semey", 200, 100);
    double line[] = {20, 100, 380, 100};
    uint32_t two = 2;
    fx_feature(&fx, rivers, "Irtysh", line, &two, 1);
    ck_assert_int_eq(st_labels_place(&fx.r), STEPPE_OK);
    ck_assert_uint_eq(fx.r.nlabels, 2);
    ck_assert_str_eq(fx.r.labels[0].text, "Semey");
    assert_valid(&fx);
    /* Both straight here, so their boxes must be disjoint. */
    assert_disjoint(&fx);
    fx_free(&fx);
}
END_TEST

/* The ambiguity rule: Alpha's marker at 100,100 and another feature's
 * marker (no label) at bx, by. Alpha's label never lies as near that
 * marker as its own; side: where it ends up (1 right, -1 left of the
 * marker, 0 above or below). */
static const struct {
    double bx, by;
    int side;
} rivals[] = {
    {300, 180, 1},  /* far away: the first choice, right of the point */
    {150, 100, -1}, /* just right of where the label would go: left instead */
    {50, 100, 1},   /* on the left: right, as ever */
    {100, 100, 1},  /* on the same spot: no position tells them apart */
};

static double box_dist(st_box b, double x, double y)
{
    return hypot(fmax(fmax(b.x0 - x, x - b.x1), 0), fmax(fmax(b.y0 - y, y - b.y1), 0));
}

START_TEST(test_label_nearer_own_marker)
{
    fixture fx;
    fx_init(&fx, 400, 200);
    st_layer_data *towns = fx_layer(&fx, "towns", ST_GEOM_POINT, 0);
    st_layer_data *other = fx_layer(&fx, "other", ST_GEOM_POINT, 0);
    fx.layers[1].label.enabled = false;
    fx_point(&fx, towns, "Alpha", 100, 100);
    fx_point(&fx, other, "Beta", rivals[_i].bx, rivals[_i].by);
    ck_assert_int_eq(st_labels_place(&fx.r), STEPPE_OK);
    ck_assert_uint_eq(fx.r.nlabels, 1);
    const st_placed_label *l = &fx.r.labels[0];
    ck_assert(l->anchored && l->anchor[0] == 100 && l->anchor[1] == 100);
    ck_assert(!l->has_leader);
    int side = l->box.x0 >= 100 ? 1 : l->box.x1 <= 100 ? -1 : 0;
    ck_assert_int_eq(side, rivals[_i].side);
    if (rivals[_i].bx != 100)
        ck_assert_msg(box_dist(l->box, 100, 100) + 1 < box_dist(l->box, rivals[_i].bx, rivals[_i].by),
                      "label %g px from its marker, %g from the other", box_dist(l->box, 100, 100),
                      box_dist(l->box, rivals[_i].bx, rivals[_i].by));
    assert_valid(&fx);
    fx_free(&fx);
}
END_TEST

/* Markers all round Alpha's, 22 px off: every position beside it lies as
 * near another marker. With map.leaders on, the label goes further out
 * with a leader from the label to Alpha's marker; with off, it is dropped
 * (as it is with auto, Alpha not being the subject). */
static const struct {
    st_leaders leaders;
    bool placed;
} leader_modes[] = {{ST_LEADERS_ON, true}, {ST_LEADERS_OFF, false}, {ST_LEADERS_AUTO, false}};

START_TEST(test_leader_when_crowded)
{
    fixture fx;
    fx_init(&fx, 400, 240);
    fx.map.leaders = leader_modes[_i].leaders;
    st_layer_data *towns = fx_layer(&fx, "towns", ST_GEOM_POINT, 0);
    st_layer_data *other = fx_layer(&fx, "other", ST_GEOM_POINT, 0);
    fx.layers[1].label.enabled = false;
    fx_point(&fx, towns, "Alpha", 200, 120);
    for (int k = 0; k < 8; k++)
        fx_point(&fx, other, "x", 200 + 22 * cos(k * M_PI / 4), 120 + 22 * sin(k * M_PI / 4));
    ck_assert_int_eq(st_labels_place(&fx.r), STEPPE_OK);
    ck_assert_uint_eq(fx.r.nlabels, leader_modes[_i].placed ? 1 : 0);
    ck_assert_uint_eq(fx.r.ndropped, leader_modes[_i].placed ? 0 : 1);
    if (leader_modes[_i].placed) {
        const st_placed_label *l = &fx.r.labels[0];
        ck_assert(l->has_leader);
        /* From the label's edge to near Alpha's marker. */
        ck_assert(box_dist(l->box, l->leader[0], l->leader[1]) < 2);
        ck_assert(hypot(l->leader[2] - 200, l->leader[3] - 120) < 8);
        /* Clear of the other markers: none nearer the label than 4 px. */
        for (int k = 0; k < 8; k++)
            ck_assert(box_dist(l->box, 200 + 22 * cos(k * M_PI / 4), 120 + 22 * sin(k * M_PI / 4)) > 4);
        assert_valid(&fx);
    }
    fx_free(&fx);
}
END_TEST

static Suite *labels_suite(void)
{
    Suite *s = suite_create("labels");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_many_points_disjoint_inside);
    tcase_add_loop_test(tc, test_priority_wins, 0, sizeof contest / sizeof contest[0]);
    tcase_add_loop_test(tc, test_obstacle_moves_label, 0, sizeof blocking / sizeof blocking[0]);
    tcase_add_test(tc, test_no_room_dropped_and_reported);
    tcase_add_test(tc, test_uppercase_and_disabled);
    tcase_add_loop_test(tc, test_polygon_label_inside, 0, sizeof polys / sizeof polys[0]);
    tcase_add_test(tc, test_polygon_min_area_and_too_thin);
    tcase_add_test(tc, test_polygon_partly_off_canvas);
    tcase_add_test(tc, test_line_labels);
    tcase_add_test(tc, test_line_label_upright);
    tcase_add_test(tc, test_line_sharp_bends_fallback);
    tcase_add_test(tc, test_line_and_point_labels_do_not_collide);
    tcase_add_loop_test(tc, test_label_nearer_own_marker, 0, sizeof rivals / sizeof rivals[0]);
    tcase_add_loop_test(tc, test_leader_when_crowded, 0, sizeof leader_modes / sizeof leader_modes[0]);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(labels_suite());
}
