/* model.c, schema.c, quicklook.c: validation, defaults, the map model. */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <proj.h>
#include <shapefil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "sniff.h"
#include "schema.h"
#include "testutil.h"

static steppe_ctx_t *ctx;
static const char *dir; /* a fresh folder per test, with data.shp in it */
static char style_path[PATH_MAX];

static void setup(void)
{
    ctx = tu_ctx();
    dir = tu_tmpdir();
    ck_assert_int_eq(tu_write(tu_join(dir, "data.shp"), "dummy"), 0);
    snprintf(style_path, sizeof style_path, "%s/s.yaml", dir);
}

static void teardown(void)
{
    steppe_ctx_destroy(ctx);
}

/* Writes text as dir/s.yaml and loads it. */
static steppe_status_t load(const char *text, const char *const *ov, size_t n, steppe_style_t **out)
{
    ck_assert_int_eq(tu_write(style_path, text), 0);
    *out = NULL;
    return steppe_style_load(ctx, style_path, ov, n, out);
}

static steppe_style_t *load_ok(const char *text)
{
    steppe_style_t *s = NULL;
    steppe_status_t rc = load(text, NULL, 0, &s);
    ck_assert_msg(rc == STEPPE_OK, "load failed (%d): %s", rc, steppe_ctx_last_error(ctx));
    return s;
}

/* Line and column of the first occurrence of needle in text (1-based). */
static void locate(const char *text, const char *needle, int *line, int *col)
{
    const char *p = strstr(text, needle);
    ck_assert_msg(p != NULL, "needle '%s' not in text", needle);
    *line = 1;
    const char *bol = text;
    for (const char *q = text; q < p; q++) {
        if (*q == '\n') {
            (*line)++;
            bol = q + 1;
        }
    }
    *col = (int)(p - bol) + 1;
}

static bool near(double a, double b)
{
    return fabs(a - b) < 1e-9;
}

static bool rgba_eq(st_rgba c, double r, double g, double b, double a)
{
    return fabs(c.r - r) < 1e-6 && fabs(c.g - g) < 1e-6 && fabs(c.b - b) < 1e-6 && fabs(c.a - a) < 1e-6;
}

/* ---- every kind of error, at the exact line and column ------------------------ */

START_TEST(test_errors_table)
{
    static const struct {
        const char *text;
        const char *needle; /* the error must point at its first occurrence */
        steppe_status_t status;
        const char *message; /* after "FILE:LINE:COL: " */
    } rows[] = {
        {"map:\n  width: 1\n  width: 2\n", "width: 2", STEPPE_ERR_STYLE_SYNTAX,
         "duplicate key 'width' (first at line 2)"},
        {"map:\n  width: [1\n", NULL, STEPPE_ERR_STYLE_SYNTAX, NULL},
        {"mapp:\n  width: 1\n", "mapp", STEPPE_ERR_STYLE_KEY,
         "unknown key 'mapp' at the top level (did you mean 'map'?)"},
        {"map:\n  widht: 800\n", "widht", STEPPE_ERR_STYLE_KEY,
         "unknown key 'widht' in map (did you mean 'width'?)"},
        {"map:\n  colour: red\n", "colour", STEPPE_ERR_STYLE_KEY, "unknown key 'colour' in map"},
        {"dpi: 300\n", "dpi", STEPPE_ERR_STYLE_KEY,
         "unknown key 'dpi' at the top level (did you mean 'map.dpi'?)"},
        {"layers:\n  land:\n    source: data.shp\n    fill: red\n", "fill", STEPPE_ERR_STYLE_KEY,
         "unknown key 'fill' in layers.land (did you mean 'style.fill'?)"},
        {"layers:\n  land:\n    source: data.shp\n    style: {fil: red}\n", "fil:", STEPPE_ERR_STYLE_KEY,
         "unknown key 'fil' in layers.land.style (did you mean 'fill'?)"},
        {"layers:\n  land:\n    source: data.shp\n    classes:\n      - where: {a: 1}\n        labl: x\n",
         "labl", STEPPE_ERR_STYLE_KEY,
         "unknown key 'labl' in layers.land.classes[0] (did you mean 'label'?)"},
        {"map:\n  width: abc\n", "abc", STEPPE_ERR_STYLE_TYPE,
         "map.width: expected a length (pixels, or a number with mm, cm, in, pt or px), got 'abc'"},
        {"map: {width: 170furlongs}\n", "170", STEPPE_ERR_STYLE_TYPE,
         "map.width: expected a length (pixels, or a number with mm, cm, in, pt or px), got '170furlongs'"},
        {"map: {width: -5}\n", "-5", STEPPE_ERR_STYLE_VALUE,
         "map.width: '-5' is -5 pixels; expected at least 1"},
        {"map: {dpi: 0}\n", "0}", STEPPE_ERR_STYLE_VALUE, "map.dpi: expected a number in (0, 4800], got 0"},
        {"map: {dpi: 4801}\n", "4801", STEPPE_ERR_STYLE_VALUE,
         "map.dpi: expected a number in (0, 4800], got 4801"},
        {"map: {dpi: .nan}\n", ".nan", STEPPE_ERR_STYLE_TYPE, "map.dpi: expected a number, got '.nan'"},
        {"map: {dpi: [96]}\n", "[96]", STEPPE_ERR_STYLE_TYPE, "map.dpi: expected a number, got a list"},
        {"map: 5\n", "5", STEPPE_ERR_STYLE_TYPE, "map: expected a mapping, got '5'"},
        {"map: {background: blurple}\n", "blurple", STEPPE_ERR_STYLE_VALUE,
         "map.background: bad colour 'blurple' (use #rgb, #rrggbb, #rrggbbaa, rgb(), rgba() or a name)"},
        {"layers:\n  land:\n    source: data.shp\n    style:\n      stroke: '#12345'\n", "'#12345'",
         STEPPE_ERR_STYLE_VALUE,
         "layers.land.style.stroke: bad colour '#12345' (use #rgb, #rrggbb, #rrggbbaa, rgb(), rgba() or a "
         "name)"},
        {"title: {position: top-lefft}\n", "top-lefft", STEPPE_ERR_STYLE_VALUE,
         "title.position: expected one of top-left, top-right, bottom-left, bottom-right, got 'top-lefft' "
         "(did you mean 'top-left'?)"},
        {"title: {weight: heavy}\n", "heavy", STEPPE_ERR_STYLE_VALUE,
         "title.weight: expected normal, bold or a number from 100 to 900, got 'heavy'"},
        {"legend: {show: maybe}\n", "maybe", STEPPE_ERR_STYLE_TYPE,
         "legend.show: expected true or false, got 'maybe'"},
        {"layers: [a, b]\n", "[a", STEPPE_ERR_STYLE_TYPE,
         "layers: expected a mapping of layer names to layers, got a list"},
        {"layers:\n  land:\n    source: data.shp\n    style: {opacity: 2}\n", "2}", STEPPE_ERR_STYLE_VALUE,
         "layers.land.style.opacity: expected a number in [0, 1], got 2"},
        {"layers:\n  land:\n    source: data.shp\n    style: {dash: [1, x]}\n", "x]", STEPPE_ERR_STYLE_TYPE,
         "layers.land.style.dash[1]: expected a number, got 'x'"},
        {"layers:\n  land:\n    source: data.shp\n    style: {dash: [1, 2, 3]}\n", "[1",
         STEPPE_ERR_STYLE_VALUE, "layers.land.style.dash: expected pairs of on, off lengths, got 3 numbers"},
        {"layers:\n  land:\n    source: data.shp\n    label: [name]\n", "[name]", STEPPE_ERR_STYLE_TYPE,
         "layers.land.label: expected a field name or a mapping, got a list"},
        {"layers:\n  land:\n    source: nowhere.shp\n", "nowhere", STEPPE_ERR_STYLE_FILE,
         "cannot open 'nowhere.shp' (resolved: DIR/nowhere.shp): No such file or directory"},
        {"layers:\n  land:\n    source: .\n", ".\n", STEPPE_ERR_STYLE_FILE,
         "cannot open '.' (resolved: DIR): is a directory"},
        {"layers:\n  land:\n    style: {fill: red}\n", "land", STEPPE_ERR_STYLE_KEY,
         "layers.land: missing key 'source' (or a type: shared-boundary or route layer)"},
        {"layers:\n  land:\n    type: csv\n", "land", STEPPE_ERR_STYLE_KEY,
         "layers.land: missing key 'source' (required for layers that read data)"},
        {"layers:\n  land:\n    type: shapefil\n", "shapefil", STEPPE_ERR_STYLE_VALUE,
         "layers.land.type: expected one of shapefile, csv, shared-boundary, route, border-regions, geojson, "
         "gpkg, postgis, got "
         "'shapefil' (did you "
         "mean "
         "'shapefile'?)"},
        {"layers:\n  land:\n    source: s.yaml\n", "s.yaml", STEPPE_ERR_STYLE_VALUE,
         "layers.land.source: 's.yaml' is not a format steppe reads (" ST_SNIFF_FORMATS "); or add type:"},
        {"layers:\n  land: {source: data.shp}\n  border: {type: shared-boundary, of: lnad, a: {x: 1}, b: {x: "
         "2}}\n",
         "lnad", STEPPE_ERR_STYLE_VALUE, "layers.border.of: no layer named 'lnad' (did you mean 'land'?)"},
        {"layers:\n  land: {source: data.shp}\n  border: {type: shared-boundary, of: land, a: {x: 1}}\n",
         "border", STEPPE_ERR_STYLE_KEY,
         "layers.border: missing key 'b' (the features on the other side of the boundary)"},
        {"layers:\n  loop: {type: route, of: loop, stops: [a, b]}\n", "loop,", STEPPE_ERR_STYLE_VALUE,
         "layers.loop.of: a layer cannot derive from itself"},
        {"layers:\n  t: {source: data.shp}\n  r: {type: route, of: t, stops: [Kazan]}\n", "[Kazan]",
         STEPPE_ERR_STYLE_VALUE, "layers.r.stops: a route needs at least 2 stops, got 1"},
        {"layers:\n  land:\n    source: data.shp\n    where: {iso: {not_in: [RU]}}\n", "not_in",
         STEPPE_ERR_STYLE_KEY,
         "unknown operator 'not_in' in layers.land.where.iso (use eq, ne, lt, le, gt, ge, in or not-in) (did "
         "you "
         "mean 'not-in'?)"},
        {"layers:\n  land:\n    source: data.shp\n    where: {pop: {lt: many}}\n", "many",
         STEPPE_ERR_STYLE_TYPE, "layers.land.where.pop.lt: expected a number, got 'many'"},
        {"layers:\n  land:\n    source: data.shp\n    where: [a]\n", "[a]", STEPPE_ERR_STYLE_TYPE,
         "layers.land.where: expected a mapping of field names to values, got a list"},
        {"layers:\n  land:\n    source: data.shp\n    classes:\n      - name: big\n", "name: big",
         STEPPE_ERR_STYLE_KEY, "layers.land.classes[0]: missing key 'where' (the features in this class)"},
        {"layers:\n  land: {source: data.shp}\nmap:\n  extent: {lonlat: [0, 0, 10, 10], fit: land}\n",
         "fit:", STEPPE_ERR_STYLE_VALUE,
         "map.extent: give only one of lonlat, bbox or fit ('lonlat' is already given at line 4)"},
        {"map:\n  extent: {fit: lands}\nlayers:\n  land: {source: data.shp}\n", "lands",
         STEPPE_ERR_STYLE_VALUE, "map.extent.fit: no layer named 'lands' (did you mean 'land'?)"},
        {"map:\n  extent: {lonlat: [0, 0, 10]}\n", "[0,", STEPPE_ERR_STYLE_VALUE,
         "map.extent.lonlat: expected 4 numbers, got 3"},
        {"map:\n  extent: {bbox: [10, 0, 0, 10]}\n", "[10", STEPPE_ERR_STYLE_VALUE,
         "map.extent.bbox: expected min < max on both axes, got [10, 0, 0, 10]"},
        {"map:\n  extent: {where: {a: 1}}\n", "where", STEPPE_ERR_STYLE_VALUE,
         "map.extent.where: only allowed with fit"},
        {"inset: {layer: nope}\n", "nope", STEPPE_ERR_STYLE_VALUE, "inset.layer: no layer named 'nope'"},
        {"graticule: {step: 0}\n", "0}", STEPPE_ERR_STYLE_VALUE,
         "graticule.step: expected a number in (0, 90], got 0"},
        {"layers:\n  land:\n    source: data.shp\n    legend-order: 1.5\n", "1.5", STEPPE_ERR_STYLE_TYPE,
         "layers.land.legend-order: expected an integer, got '1.5'"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        steppe_style_t *s = NULL;
        steppe_status_t rc = load(rows[i].text, NULL, 0, &s);
        ck_assert_msg(rc == rows[i].status, "row %zu: status %d, want %d (%s)", i, rc, rows[i].status,
                      steppe_ctx_last_error(ctx));
        ck_assert_ptr_null(s);
        if (!rows[i].needle)
            continue;
        int line = 0;
        int col = 0;
        locate(rows[i].text, rows[i].needle, &line, &col);
        char msg[12288];
        snprintf(msg, sizeof msg, "%s", rows[i].message);
        char *d = strstr(msg, "DIR");
        if (d) {
            char tail[1024];
            snprintf(tail, sizeof tail, "%.1000s", d + 3);
            snprintf(d, sizeof msg - (size_t)(d - msg), "%.4000s%s", dir, tail);
        }
        char want[16384 + 4096];
        snprintf(want, sizeof want, "%.4000s:%d:%d: %s", style_path, line, col, msg);
        ck_assert_msg(strcmp(steppe_ctx_last_error(ctx), want) == 0, "row %zu:\n got: %s\nwant: %s", i,
                      steppe_ctx_last_error(ctx), want);
    }
}
END_TEST

START_TEST(test_unknown_crs)
{
    const char *text = "map:\n  crs: \"EPSG:999999\"\n";
    steppe_style_t *s = NULL;
    ck_assert_int_eq(load(text, NULL, 0, &s), STEPPE_ERR_STYLE_CRS);
    /* The reason is PROJ's logged one (its errno only says "Unknown error
     * (code 4096)"), in words a user reads. */
    char want[12288];
    snprintf(want, sizeof want, "%s:2:8: unknown CRS 'EPSG:999999': not in PROJ's database", style_path);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);

    const char *text2 = "layers:\n  land:\n    source: data.shp\n    crs: '+proj=nonsense'\n";
    ck_assert_int_eq(load(text2, NULL, 0, &s), STEPPE_ERR_STYLE_CRS);
    snprintf(want, sizeof want, "%s:4:10: unknown CRS '+proj=nonsense': ", style_path);
    ck_assert_msg(strncmp(steppe_ctx_last_error(ctx), want, strlen(want)) == 0, "%s",
                  steppe_ctx_last_error(ctx));

    ck_assert_int_eq(load("inset: {crs: 'not a crs'}\n", NULL, 0, &s), STEPPE_ERR_STYLE_CRS);
    snprintf(want, sizeof want, "%s:1:14: unknown CRS 'not a crs': ", style_path);
    ck_assert_msg(strncmp(steppe_ctx_last_error(ctx), want, strlen(want)) == 0, "%s",
                  steppe_ctx_last_error(ctx));
}
END_TEST

START_TEST(test_crs_forms_accepted)
{
    static const char *const crs[] = {
        "EPSG:3576",
        "+proj=lcc +lat_1=52 +lat_2=64 +lat_0=0 +lon_0=100 +datum=WGS84 +units=m",
        ("GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563]],"
         "PRIMEM[\"Greenwich\",0],UNIT[\"degree\",0.0174532925199433]]"),
    };
    for (size_t i = 0; i < sizeof crs / sizeof crs[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "map:\n  crs: '%s'\n", crs[i]);
        steppe_style_t *s = load_ok(text);
        ck_assert_str_eq(s->map.crs, crs[i]);
        ck_assert_int_eq(s->map.crs_loc.line, 2);
        ck_assert_int_eq(s->map.crs_loc.col, 8);
        ck_assert_str_eq(s->map.inset_crs, crs[i]);
        steppe_style_destroy(s);
    }
}
END_TEST

START_TEST(test_missing_source_messages)
{
    /* The extended file wrote the path: it resolves from that file's folder. */
    const char *sub = tu_join(dir, "sub");
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    ck_assert_int_eq(tu_write(tu_join(sub, "base.yaml"), "layers:\n  land:\n    source: ../gone/x.shp\n"), 0);
    steppe_style_t *s = NULL;
    ck_assert_int_eq(load("extends: sub/base.yaml\n", NULL, 0, &s), STEPPE_ERR_STYLE_FILE);
    char want[12288];
    snprintf(want, sizeof want,
             "%s/sub/base.yaml:3:13: cannot open '../gone/x.shp' (resolved: %s/gone/x.shp): No such file or "
             "directory",
             dir, dir);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
}
END_TEST

START_TEST(test_extends_cycle_via_load)
{
    ck_assert_int_eq(tu_write(tu_join(dir, "other.yaml"), "extends: s.yaml\n"), 0);
    steppe_style_t *s = NULL;
    ck_assert_int_eq(load("map: {}\nextends: other.yaml\n", NULL, 0, &s), STEPPE_ERR_STYLE_CYCLE);
    char want[12288];
    snprintf(want, sizeof want,
             "%s/other.yaml:1:10: extends 's.yaml' forms a cycle: %s -> %s/other.yaml -> %s", dir, style_path,
             dir, style_path);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
}
END_TEST

/* ---- overrides through the whole load ------------------------------------------ */

START_TEST(test_override_errors)
{
    static const struct {
        const char *ov;
        steppe_status_t status;
        const char *message;
    } rows[] = {
        {"map.width=abc", STEPPE_ERR_STYLE_TYPE,
         "--set map.width=abc:1:11: map.width: expected a length (pixels, or a number with mm, cm, in, pt or "
         "px), "
         "got 'abc'"},
        {"map.widht=5", STEPPE_ERR_STYLE_KEY,
         "--set map.widht=5:1:5: unknown key 'widht' in map (did you mean 'width'?)"},
        {"map.dpi=-1", STEPPE_ERR_STYLE_VALUE,
         "--set map.dpi=-1:1:9: map.dpi: expected a number in (0, 4800], got -1"},
        {"map.background=\"nope\"", STEPPE_ERR_STYLE_VALUE,
         "--set map.background=\"nope\":1:16: map.background: bad colour 'nope' (use #rgb, #rrggbb, "
         "#rrggbbaa, rgb(), "
         "rgba() or a name)"},
        {"layers.land.style={fill: [1]}", STEPPE_ERR_STYLE_TYPE,
         "--set layers.land.style={fill: [1]}:1:26: layers.land.style.fill: expected a colour, got a list"},
        {"layers.land.source=gone.shp", STEPPE_ERR_STYLE_FILE, NULL},
        {"titel.text=x", STEPPE_ERR_STYLE_KEY,
         "--set titel.text=x:1:1: unknown key 'titel' at the top level (did you mean 'title'?)"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *ov[] = {rows[i].ov};
        steppe_style_t *s = NULL;
        steppe_status_t rc = load("layers:\n  land: {source: data.shp}\n", ov, 1, &s);
        ck_assert_msg(rc == rows[i].status, "row %zu: %d %s", i, rc, steppe_ctx_last_error(ctx));
        if (rows[i].message)
            ck_assert_str_eq(steppe_ctx_last_error(ctx), rows[i].message);
    }
    /* A relative source given on the command line resolves from the working directory. */
    char cwd[PATH_MAX];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    char want[12288];
    snprintf(want, sizeof want,
             "--set layers.land.source=gone.shp:1:20: cannot open 'gone.shp' (resolved: %s/gone.shp): No "
             "such file or "
             "directory",
             cwd);
    const char *ov[] = {"layers.land.source=gone.shp"};
    steppe_style_t *s = NULL;
    load("layers:\n  land: {source: data.shp}\n", ov, 1, &s);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
}
END_TEST

START_TEST(test_overrides_apply)
{
    const char *ov[] = {"map.width=800", "layers.land.label=name_ru", "layers.land.style.fill=\"#ff0000\"",
                        "title.text=Hello"};
    steppe_style_t *s = NULL;
    steppe_status_t rc = load("map: {width: 100}\nlayers:\n  land: {source: data.shp}\n", ov, 4, &s);
    ck_assert_msg(rc == STEPPE_OK, "%s", steppe_ctx_last_error(ctx));
    ck_assert(near(s->map.width_px, 800));
    ck_assert_str_eq(s->map.layers[0].label.text, "{name_ru}");
    ck_assert(s->map.layers[0].label.enabled);
    ck_assert(s->map.layers[0].sym.has_fill);
    ck_assert(rgba_eq(s->map.layers[0].sym.fill, 1, 0, 0, 1));
    ck_assert_str_eq(s->map.title, "Hello");
    steppe_style_destroy(s);
}
END_TEST

/* ---- defaults ------------------------------------------------------------------- */

START_TEST(test_defaults)
{
    steppe_style_t *s = load_ok("# empty\n");
    const st_map *m = &s->map;
    ck_assert_str_eq(steppe_style_name(s), "s");
    ck_assert_str_eq(m->path, style_path);
    ck_assert(near(m->width_px, 1200) && near(m->height_px, 900) && near(m->dpi, 96));
    ck_assert_str_eq(m->crs, "EPSG:4326");
    ck_assert_ptr_null(m->crs_loc.file);
    /* No layers: the whole world. */
    ck_assert_int_eq(m->extent_kind, ST_EXTENT_LONLAT);
    ck_assert(near(m->extent[0], -180) && near(m->extent[3], 90));
    ck_assert(near(m->margin, 0.05));
    ck_assert(rgba_eq(m->background, 1, 1, 1, 1));
    ck_assert_str_eq(m->font, "Noto Sans");
    ck_assert_ptr_null(m->title);
    ck_assert_int_eq(m->title_corner, ST_CORNER_TOP_LEFT);
    ck_assert(near(m->title_style.size, 16));
    ck_assert_int_eq(m->title_style.weight, 700);
    ck_assert(near(m->subtitle_style.size, 10));
    ck_assert_int_eq(m->subtitle_style.weight, 400);
    ck_assert_ptr_null(m->title_style.font);
    ck_assert(!m->legend);
    ck_assert_int_eq(m->legend_corner, ST_CORNER_BOTTOM_LEFT);
    ck_assert(near(m->legend_style.size, 8));
    ck_assert(m->scalebar);
    ck_assert_int_eq(m->scalebar_corner, ST_CORNER_BOTTOM_RIGHT);
    ck_assert(near(m->scalebar_max_width, 0.2));
    ck_assert(!m->graticule);
    ck_assert(near(m->graticule_step, 10));
    ck_assert(m->graticule_sym.has_stroke && !m->graticule_sym.has_fill);
    ck_assert(near(m->graticule_sym.opacity, 1));
    ck_assert(m->graticule_labels);
    ck_assert(near(m->graticule_style.size, 7));
    ck_assert_int_eq(m->notes_corner, ST_CORNER_BOTTOM_RIGHT);
    ck_assert(near(m->attribution_style.size, 6.5));
    ck_assert(!m->inset);
    ck_assert_int_eq(m->inset_corner, ST_CORNER_TOP_RIGHT);
    ck_assert(near(m->inset_width, 0.25));
    ck_assert(near(m->inset_extent[0], -180) && near(m->inset_extent[2], 180));
    ck_assert(m->inset_frame.has_stroke && !m->inset_frame.has_fill);
    ck_assert(m->highlight.has_stroke && m->highlight.has_fill);
    ck_assert(near(m->highlight_margin, 0.15));
    ck_assert_ptr_null(m->meta_title);
    ck_assert_uint_eq(m->nlayers, 0);
    steppe_style_destroy(s);
}
END_TEST

START_TEST(test_layer_defaults)
{
    steppe_style_t *s =
        load_ok("layers:\n  land:\n    source: data.shp\n  pts:\n    source: data.shp\n    legend: Points\n");
    const st_map *m = &s->map;
    ck_assert_uint_eq(m->nlayers, 2);
    const st_layer *L = st_map_layer(m, "land");
    ck_assert_ptr_eq(L, &m->layers[0]);
    ck_assert_ptr_null(st_map_layer(m, "nope"));
    ck_assert_int_eq(L->kind, ST_LAYER_SHAPEFILE);
    ck_assert(L->visible);
    ck_assert_str_eq(L->source_written, "data.shp");
    ck_assert_str_eq(L->source, tu_join(dir, "data.shp"));
    ck_assert_int_eq(L->source_loc.line, 3);
    ck_assert_int_eq(L->source_loc.col, 13);
    ck_assert_int_eq(L->loc.line, 2);
    ck_assert_int_eq(L->loc.col, 3);
    ck_assert_ptr_null(L->crs);
    ck_assert_ptr_null(L->encoding);
    ck_assert_str_eq(L->lon_field, "lon");
    ck_assert_uint_eq(L->where.n, 0);
    /* No style: no fill, #333 0.5 pt outline, opaque, no casing. */
    ck_assert(!L->sym.has_fill);
    ck_assert(L->sym.has_stroke);
    ck_assert(rgba_eq(L->sym.stroke, 0x33 / 255.0, 0x33 / 255.0, 0x33 / 255.0, 1));
    ck_assert(near(L->sym.width, 0.5));
    ck_assert(near(L->sym.opacity, 1));
    ck_assert(!L->sym.has_casing);
    ck_assert_int_eq(L->sym.ndash, 0);
    ck_assert_int_eq(L->sym.marker, ST_MARKER_CIRCLE);
    ck_assert(near(L->sym.size, 6));
    ck_assert_int_eq(L->sym.hatch, ST_HATCH_NONE);
    ck_assert(near(L->sym.hatch_spacing, 4));
    ck_assert(!L->label.enabled);
    ck_assert_ptr_null(L->legend);
    /* Fit to the first layer; legend shown because a layer has legend text. */
    ck_assert_int_eq(m->extent_kind, ST_EXTENT_FIT);
    ck_assert_str_eq(m->fit_layer, "land");
    ck_assert_str_eq(m->inset_layer, "land");
    ck_assert(m->legend);
    steppe_style_destroy(s);
}
END_TEST

/* ---- units ------------------------------------------------------------------------ */

START_TEST(test_units_table)
{
    static const struct {
        const char *width;
        double dpi;
        double px; /* rounded to the nearest pixel */
    } rows[] = {
        {"\"170mm\"", 300, 2008}, /* 2007.87 */
        {"\"17cm\"", 300, 2008},  {"\"6.5in\"", 96, 624}, {"\"480pt\"", 96, 640}, {"\"480pt\"", 300, 2000},
        {"800", 300, 800},        {"\"800px\"", 72, 800}, {"1000.4", 96, 1000},   {"\"10.5 mm\"", 254, 105},
        {"\"1in\"", 4800, 4800},  {"\"0.3mm\"", 96, 1},   {"0.6", 96, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "map:\n  width: %s\n  height: %s\n  dpi: %g\n", rows[i].width,
                 rows[i].width, rows[i].dpi);
        steppe_style_t *s = load_ok(text);
        ck_assert_msg(near(s->map.width_px, rows[i].px), "%s at %g dpi: %g px, want %g", rows[i].width,
                      rows[i].dpi, s->map.width_px, rows[i].px);
        ck_assert(near(s->map.height_px, rows[i].px));
        steppe_style_destroy(s);
    }
    steppe_style_t *bad = NULL;
    ck_assert_int_eq(load("map: {width: '0.1mm'}\n", NULL, 0, &bad), STEPPE_ERR_STYLE_VALUE);
}
END_TEST

/* ---- colours ----------------------------------------------------------------------- */

START_TEST(test_colours_table)
{
    static const struct {
        const char *text;
        bool has;
        double r, g, b, a;
    } rows[] = {
        {"'#fff'", true, 1, 1, 1, 1},
        {"'#000000'", true, 0, 0, 0, 1},
        {"'#ff000080'", true, 1, 0, 0, 128 / 255.0},
        {"'#0F0'", true, 0, 1, 0, 1},
        {"'rgb(255, 0, 0)'", true, 1, 0, 0, 1},
        {"'rgba(0,0,255,0.5)'", true, 0, 0, 1, 0.5},
        {"red", true, 1, 0, 0, 1},
        {"Navy", true, 0, 0, 128 / 255.0, 1},
        {"grey", true, 128 / 255.0, 128 / 255.0, 128 / 255.0, 1},
        {"none", false, 0, 0, 0, 0},
        {"transparent", false, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "layers:\n  l:\n    source: data.shp\n    style: {fill: %s}\n",
                 rows[i].text);
        steppe_style_t *s = load_ok(text);
        const st_symbol *sym = &s->map.layers[0].sym;
        ck_assert_msg(sym->has_fill == rows[i].has, "%s", rows[i].text);
        if (rows[i].has)
            ck_assert_msg(rgba_eq(sym->fill, rows[i].r, rows[i].g, rows[i].b, rows[i].a), "%s", rows[i].text);
        steppe_style_destroy(s);
    }
    static const char *const bad[] = {"'#ggg'",         "'#12'",   "'rgb(1,2)'", "'rgba(0,0,0,2)'",
                                      "'rgb(300,0,0)'", "reddish", "'#1234567'"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "map: {background: %s}\n", bad[i]);
        steppe_style_t *s = NULL;
        ck_assert_msg(load(text, NULL, 0, &s) == STEPPE_ERR_STYLE_VALUE, "%s accepted", bad[i]);
    }
    steppe_style_t *s = load_ok("map: {background: transparent}\n");
    ck_assert(near(s->map.background.a, 0));
    steppe_style_destroy(s);
}
END_TEST

/* ---- classes, labels, filters --------------------------------------------------------- */

START_TEST(test_classes_inherit)
{
    steppe_style_t *s = load_ok("layers:\n"
                                "  land:\n"
                                "    source: data.shp\n"
                                "    style: {fill: '#eeeeee', stroke: '#999999', width: 1, dash: [2, 1]}\n"
                                "    label: {text: '{name}', size: 9, color: '#333333'}\n"
                                "    classes:\n"
                                "      - name: home\n"
                                "        where: {iso: RU}\n"
                                "        style: {fill: '#ffeedd', casing: white}\n"
                                "        label: {size: 12, weight: bold}\n"
                                "        legend: Russia\n"
                                "      - where: {pop: {ge: 1000000, lt: 5e6}, iso: {not-in: [RU, KZ]}}\n"
                                "        label: {text: ''}\n");
    const st_layer *L = &s->map.layers[0];
    ck_assert_uint_eq(L->nclasses, 2);
    const st_class *c0 = &L->classes[0];
    ck_assert_str_eq(c0->name, "home");
    ck_assert_str_eq(c0->legend, "Russia");
    ck_assert(rgba_eq(c0->sym.fill, 1, 0xee / 255.0, 0xdd / 255.0, 1));
    ck_assert(rgba_eq(c0->sym.stroke, 0x99 / 255.0, 0x99 / 255.0, 0x99 / 255.0, 1)); /* inherited */
    ck_assert(near(c0->sym.width, 1));
    ck_assert_int_eq(c0->sym.ndash, 2);
    ck_assert(c0->sym.has_casing);
    ck_assert(near(c0->sym.casing_width, 3)); /* width + 2 */
    ck_assert(c0->label.enabled);
    ck_assert_str_eq(c0->label.text, "{name}");
    ck_assert(near(c0->label.size, 12));
    ck_assert_int_eq(c0->label.weight, 700);
    ck_assert(rgba_eq(c0->label.color, 0x33 / 255.0, 0x33 / 255.0, 0x33 / 255.0, 1));
    ck_assert_uint_eq(c0->where.n, 1);
    ck_assert_str_eq(c0->where.conds[0].field, "iso");
    ck_assert_int_eq(c0->where.conds[0].op, ST_OP_EQ);
    ck_assert_str_eq(c0->where.conds[0].values[0], "RU");
    ck_assert_int_eq(c0->where.conds[0].loc.line, 8);
    ck_assert_int_eq(c0->where.conds[0].loc.col, 17);
    ck_assert_int_eq(c0->loc.line, 7);

    const st_class *c1 = &L->classes[1];
    ck_assert_ptr_null(c1->name);
    ck_assert(!c1->label.enabled);
    ck_assert(rgba_eq(c1->sym.fill, 0xee / 255.0, 0xee / 255.0, 0xee / 255.0, 1));
    ck_assert_uint_eq(c1->where.n, 3);
    ck_assert_int_eq(c1->where.conds[0].op, ST_OP_GE);
    ck_assert(near(c1->where.conds[0].num, 1e6));
    ck_assert_int_eq(c1->where.conds[1].op, ST_OP_LT);
    ck_assert(near(c1->where.conds[1].num, 5e6));
    ck_assert_int_eq(c1->where.conds[2].op, ST_OP_NOT_IN);
    ck_assert_uint_eq(c1->where.conds[2].nvalues, 2);
    ck_assert_str_eq(c1->where.conds[2].values[1], "KZ");
    ck_assert(s->map.legend);
    steppe_style_destroy(s);
}
END_TEST

START_TEST(test_label_shorthand)
{
    static const struct {
        const char *label;
        bool enabled;
        const char *text;
    } rows[] = {
        {"name", true, "{name}"},
        {"'{name} ({year})'", true, "{name} ({year})"},
        {"{text: '{NAME_RU}', uppercase: true}", true, "{NAME_RU}"},
        {"{size: 10}", false, NULL},
        {"''", false, ""},
        {"~", false, NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char text[256];
        snprintf(text, sizeof text, "layers:\n  l:\n    source: data.shp\n    label: %s\n", rows[i].label);
        steppe_style_t *s = load_ok(text);
        const st_label *l = &s->map.layers[0].label;
        ck_assert_msg(l->enabled == rows[i].enabled, "%s", rows[i].label);
        if (rows[i].text)
            ck_assert_str_eq(l->text, rows[i].text);
        else
            ck_assert_ptr_null(l->text);
        /* Unwritten keys take the documented defaults. */
        ck_assert(near(l->size, i == 3 ? 10 : 8));
        ck_assert(near(l->halo_width, 1.5));
        ck_assert(rgba_eq(l->halo, 1, 1, 1, 0.85));
        ck_assert_int_eq(l->weight, 400);
        ck_assert(near(l->offset, 2));
        steppe_style_destroy(s);
    }
}
END_TEST

START_TEST(test_derived_layers)
{
    steppe_style_t *s =
        load_ok("layers:\n"
                "  border: {type: shared-boundary, of: countries, a: {iso: RU}, b: {iso: KZ},\n"
                "           measure: border, measure-text: '{km} km'}\n"
                "  countries: {source: data.shp, visible: false, encoding: CP1251}\n"
                "  route: {type: route, of: countries, stops: [A, B, C], stop-field: NAME}\n"
                "  towns: {type: csv, source: data.shp, lon: x, lat: y, where: {kind: [a, b]}}\n");
    const st_map *m = &s->map;
    ck_assert_uint_eq(m->nlayers, 4);
    const st_layer *b = &m->layers[0];
    ck_assert_int_eq(b->kind, ST_LAYER_SHARED_BOUNDARY);
    ck_assert_str_eq(b->of, "countries");
    ck_assert_int_eq(b->of_loc.line, 2);
    ck_assert_str_eq(b->a.conds[0].values[0], "RU");
    ck_assert_str_eq(b->b.conds[0].values[0], "KZ");
    ck_assert_str_eq(b->measure, "border");
    ck_assert_str_eq(b->measure_text, "{km} km");
    ck_assert_ptr_null(b->source);
    ck_assert(!m->layers[1].visible);
    ck_assert_str_eq(m->layers[1].encoding, "CP1251");
    const st_layer *r = &m->layers[2];
    ck_assert_int_eq(r->kind, ST_LAYER_ROUTE);
    ck_assert_uint_eq(r->nstops, 3);
    ck_assert_str_eq(r->stops[2], "C");
    ck_assert_str_eq(r->stop_field, "NAME");
    const st_layer *t = &m->layers[3];
    ck_assert_int_eq(t->kind, ST_LAYER_CSV);
    ck_assert_str_eq(t->lon_field, "x");
    ck_assert_int_eq(t->where.conds[0].op, ST_OP_IN);
    ck_assert_uint_eq(t->where.conds[0].nvalues, 2);
    ck_assert_str_eq(m->fit_layer, "border");
    steppe_style_destroy(s);

    /* A key meant for another kind of layer is a warning, not an error. */
    tu_log_clear();
    s = load_ok("layers:\n  l: {source: data.shp, stops: [a, b]}\n");
    ck_assert_uint_eq(steppe_ctx_warning_count(ctx), 1);
    ck_assert_ptr_nonnull(strstr(tu_log(), ":2:25: layers.l.stops: ignored for a shapefile layer"));
    steppe_style_destroy(s);
}
END_TEST

START_TEST(test_extent_and_furniture)
{
    steppe_style_t *s =
        load_ok("map:\n"
                "  crs: 'EPSG:3576'\n"
                "  extent: {fit: b, where: {iso: RU}, margin: 0.1}\n"
                "title: {text: T, subtitle: S, position: bottom-right, size: 20, color: navy, weight: 600}\n"
                "legend: {show: false, title: Key}\n"
                "graticule: {show: true, step: 15, dash: [1, 2], stroke: red}\n"
                "inset: {show: true, extent: [20, 40, 180, 80], layer: a, frame: {stroke: blue}}\n"
                "highlight: {style: {fill: none, stroke: black, width: 3}, margin: 0.3}\n"
                "metadata: {title: MT, source: MS}\n"
                "attribution: {text: '© Natural Earth'}\n"
                "layers:\n  a: {source: data.shp, legend: A}\n  b: {source: data.shp}\n");
    const st_map *m = &s->map;
    ck_assert_int_eq(m->extent_kind, ST_EXTENT_FIT);
    ck_assert_str_eq(m->fit_layer, "b");
    ck_assert_uint_eq(m->fit_where.n, 1);
    ck_assert(near(m->margin, 0.1));
    ck_assert_int_eq(m->extent_loc.line, 3);
    ck_assert_str_eq(m->title, "T");
    ck_assert_str_eq(m->subtitle, "S");
    ck_assert_int_eq(m->title_corner, ST_CORNER_BOTTOM_RIGHT);
    ck_assert(near(m->title_style.size, 20));
    ck_assert_int_eq(m->title_style.weight, 600);
    ck_assert(rgba_eq(m->subtitle_style.color, 0, 0, 128 / 255.0, 1));
    ck_assert(!m->legend); /* written false wins over "a layer has legend text" */
    ck_assert_str_eq(m->legend_title, "Key");
    ck_assert(m->graticule);
    ck_assert_int_eq(m->graticule_sym.ndash, 2);
    ck_assert(rgba_eq(m->graticule_sym.stroke, 1, 0, 0, 1));
    ck_assert(m->inset);
    ck_assert(near(m->inset_extent[1], 40));
    ck_assert_str_eq(m->inset_layer, "a");
    ck_assert_str_eq(m->inset_crs, "EPSG:3576");
    ck_assert(rgba_eq(m->inset_frame.stroke, 0, 0, 1, 1));
    ck_assert(!m->highlight.has_fill);
    ck_assert(near(m->highlight.width, 3));
    ck_assert(near(m->highlight_margin, 0.3));
    ck_assert_str_eq(m->meta_title, "MT");
    ck_assert_str_eq(m->meta_source, "MS");
    ck_assert_str_eq(m->attribution, "© Natural Earth");
    steppe_style_destroy(s);

    s = load_ok("map: {extent: {bbox: [-1e6, -2e6, 1e6, 2e6]}}\n");
    ck_assert_int_eq(s->map.extent_kind, ST_EXTENT_MAP);
    ck_assert(near(s->map.extent[3], 2e6));
    steppe_style_destroy(s);
}
END_TEST

START_TEST(test_null_resets_and_removes)
{
    ck_assert_int_eq(
        tu_write(tu_join(dir, "base.yaml"),
                 "map: {width: 500}\nlayers:\n  a: {source: data.shp}\n  b: {source: data.shp}\n"),
        0);
    steppe_style_t *s = load_ok("extends: base.yaml\nmap: {width: ~}\nlayers:\n  a: ~\n");
    ck_assert(near(s->map.width_px, 1200));
    ck_assert_uint_eq(s->map.nlayers, 1);
    ck_assert_str_eq(s->map.layers[0].name, "b");
    ck_assert_str_eq(steppe_style_name(s), "s");
    steppe_style_destroy(s);
}
END_TEST

/* ---- paths ------------------------------------------------------------------------------- */

START_TEST(test_relative_paths_from_another_cwd)
{
    const char *want = tu_src("tests/fixtures/styles/data/dummy.shp");
    char keep[PATH_MAX];
    snprintf(keep, sizeof keep, "%s", want);

    /* Absolute style path, unrelated working directory. */
    ck_assert_int_eq(chdir(dir), 0);
    steppe_style_t *s = NULL;
    steppe_status_t rc =
        steppe_style_load(ctx, tu_src("tests/fixtures/styles/sub/grandchild.yaml"), NULL, 0, &s);
    ck_assert_msg(rc == STEPPE_OK, "%s", steppe_ctx_last_error(ctx));
    const st_layer *land = st_map_layer(&s->map, "land");
    ck_assert_str_eq(land->source, keep);
    ck_assert_str_eq(land->source_written, "data/dummy.shp");
    ck_assert_str_eq(st_map_layer(&s->map, "towns")->label.text, "{name}");
    ck_assert_str_eq(steppe_style_name(s), "grandchild");
    ck_assert(near(s->map.dpi, 150));
    steppe_style_destroy(s);

    /* Relative style path from the fixtures folder; the result is absolute. */
    ck_assert_int_eq(chdir(tu_src("tests/fixtures")), 0);
    rc = steppe_style_load(ctx, "styles/child.yaml", NULL, 0, &s);
    ck_assert_msg(rc == STEPPE_OK, "%s", steppe_ctx_last_error(ctx));
    ck_assert_str_eq(st_map_layer(&s->map, "rivers")->source, keep);
    ck_assert_str_eq(steppe_style_name(s), "child");
    ck_assert_str_eq(s->map.path, "styles/child.yaml");
    ck_assert_str_eq(st_map_layer(&s->map, "towns")->source, tu_src("tests/fixtures/styles/data/towns.csv"));
    ck_assert_int_eq(st_map_layer(&s->map, "towns")->kind, ST_LAYER_CSV);
    steppe_style_destroy(s);
}
END_TEST

/* ---- quick look ---------------------------------------------------------------------------- */

static const char *make_shp(const char *name, int type)
{
    const char *path = tu_join(dir, name);
    SHPHandle h = SHPCreate(path, type);
    ck_assert_ptr_nonnull(h);
    double x[] = {0, 10, 10, 0, 0};
    double y[] = {0, 0, 10, 10, 0};
    SHPObject *o = SHPCreateSimpleObject(type, type == SHPT_POINT ? 1 : 5, x, y, NULL);
    SHPWriteObject(h, -1, o);
    SHPDestroyObject(o);
    SHPClose(h);
    return path;
}

START_TEST(test_quicklook)
{
    static const struct {
        const char *name;
        int type;
        bool fill;
        st_marker marker;
        double height; /* the canvas follows the data's shape: 10 x 10 is square */
        bool fit;      /* a single point has no extent of its own: the render's fit pads it */
    } rows[] = {
        {"poly.shp", SHPT_POLYGON, true, ST_MARKER_NONE, 1200, false},
        {"line.shp", SHPT_ARC, false, ST_MARKER_NONE, 1200, false},
        {"pts.shp", SHPT_POINT, true, ST_MARKER_CIRCLE, 900, true},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *path = make_shp(rows[i].name, rows[i].type);
        char keep[PATH_MAX];
        snprintf(keep, sizeof keep, "%s", path);
        steppe_style_t *s = NULL;
        steppe_status_t rc = steppe_style_quicklook(ctx, keep, &s);
        ck_assert_msg(rc == STEPPE_OK, "%s", steppe_ctx_last_error(ctx));
        const st_map *m = &s->map;
        ck_assert(near(m->width_px, 1200) && near(m->height_px, rows[i].height) && near(m->dpi, 96));
        ck_assert_str_eq(m->crs, "EPSG:4326");
        if (rows[i].fit) {
            ck_assert_int_eq(m->extent_kind, ST_EXTENT_FIT);
            ck_assert(near(m->margin, 0.03));
            ck_assert_str_eq(m->fit_layer, m->layers[0].name);
        } else {
            /* The data's extent (0..10 both ways) and a margin of 3 %, in
             * map units: the quick look has read the file already. */
            ck_assert_int_eq(m->extent_kind, ST_EXTENT_MAP);
            ck_assert(near(m->extent[0], -0.3) && near(m->extent[1], -0.3));
            ck_assert(near(m->extent[2], 10.3) && near(m->extent[3], 10.3));
        }
        ck_assert(rgba_eq(m->background, 0xf7 / 255.0, 0xf9 / 255.0, 0xfb / 255.0, 1));
        ck_assert_str_eq(m->title, rows[i].name);
        ck_assert(!m->legend);
        ck_assert_uint_eq(m->nlayers, 1);
        const st_layer *L = &m->layers[0];
        ck_assert_str_eq(L->source, keep);
        ck_assert_str_eq(L->crs, "EPSG:4326");
        ck_assert(!L->label.enabled);
        ck_assert_int_eq(L->sym.has_fill, rows[i].fill);
        ck_assert_int_eq(L->sym.marker, rows[i].marker);
        steppe_style_destroy(s);
    }
    /* Polygon colours and a .prj as the map CRS: a projected .prj is the
     * map's CRS as written; plain WGS 84 becomes EPSG:4326 on both. */
    const char *wkt = "EPSG:3576";
    ck_assert_int_eq(tu_write(tu_join(dir, "poly.prj"), wkt), 0);
    steppe_style_t *s = NULL;
    ck_assert_int_eq(steppe_style_quicklook(ctx, tu_join(dir, "poly.shp"), &s), STEPPE_OK);
    ck_assert_str_eq(s->map.crs, wkt);
    ck_assert_ptr_null(s->map.layers[0].crs);
    ck_assert(rgba_eq(s->map.layers[0].sym.fill, 0xe8 / 255.0, 0xe2 / 255.0, 0xd4 / 255.0, 1));
    ck_assert(rgba_eq(s->map.layers[0].sym.stroke, 0x55 / 255.0, 0x55 / 255.0, 0x55 / 255.0, 1));
    ck_assert(near(s->map.layers[0].sym.width, 0.5));
    ck_assert_str_eq(steppe_style_name(s), "poly");
    steppe_style_destroy(s);

    ck_assert_int_eq(steppe_style_quicklook(ctx, tu_join(dir, "none.shp"), &s), STEPPE_ERR_DATA_OPEN);
}
END_TEST

/* File names are never read as YAML: a CP1251 name, control characters and
 * YAML punctuation give a title of valid UTF-8 (U+FFFD for bad bytes,
 * controls dropped), and the source keeps the name's own bytes. */
START_TEST(test_quicklook_names)
{
    static const struct {
        const char *stem;
        const char *title;
        const char *layer;
    } rows[] = {
        {"\xd0\xe5\xe3", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.shp", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"a\001b", "ab.shp", "ab"},
        {"it's {x}: #1", "it's {x}: #1.shp", "it's {x}: #1"},
        {"\x7f", ".shp", "layer"},
        {"\xd0\xa0\xd1\x83\xd1\x81", "\xd0\xa0\xd1\x83\xd1\x81.shp", "\xd0\xa0\xd1\x83\xd1\x81"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s.shp", rows[i].stem);
        char keep[PATH_MAX];
        snprintf(keep, sizeof keep, "%s", make_shp(name, SHPT_POLYGON));
        steppe_style_t *s = NULL;
        steppe_status_t rc = steppe_style_quicklook(ctx, keep, &s);
        ck_assert_msg(rc == STEPPE_OK, "row %zu: %s", i, steppe_ctx_last_error(ctx));
        ck_assert_str_eq(s->map.title, rows[i].title);
        ck_assert_str_eq(s->map.layers[0].name, rows[i].layer);
        ck_assert_str_eq(s->map.layers[0].source, keep);
        steppe_style_destroy(s);
    }
}
END_TEST

/* The .prj goes through the reader: a BOM is dropped, garbage and binary
 * data are data errors naming the .prj (not style errors in "(quicklook)"). */
START_TEST(test_quicklook_prj)
{
    static const char wkt[] =
        "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],"
        "PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]";
    static const struct {
        const char *prj;
        size_t len;
        steppe_status_t rc;
        const char *text; /* the map's crs, or in the error */
    } rows[] = {
        {"\357\273\277EPSG:3857\r\n", 14, STEPPE_OK, "EPSG:3857"}, /* after a BOM */
        {"this is not a CRS at all", 24, STEPPE_ERR_DATA_CORRUPT, "q.prj: PROJ cannot read this CRS"},
        {"\x00\xff\xfe\x01GEOGCS[\x00", 12, STEPPE_ERR_DATA_CORRUPT, "q.prj: not a CRS: binary data"},
        {"", 0, STEPPE_ERR_DATA_CORRUPT, "q.prj: PROJ cannot read this CRS (the file is empty)"},
        /* plain WGS 84 is drawn as EPSG:4326 itself (no operation search) */
        {wkt, sizeof wkt - 1, STEPPE_OK, "EPSG:4326"},
        {"EPSG:4326", 9, STEPPE_OK, "EPSG:4326"},
        {"EPSG:4284", 9, STEPPE_OK, "EPSG:4284"}, /* Pulkovo 1942: geographic, not WGS 84 */
    };
    char keep[PATH_MAX];
    snprintf(keep, sizeof keep, "%s", make_shp("q.shp", SHPT_POLYGON));
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        FILE *f = fopen(tu_join(dir, "q.prj"), "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(rows[i].prj, 1, rows[i].len, f), rows[i].len);
        fclose(f);
        steppe_style_t *s = NULL;
        steppe_status_t rc = steppe_style_quicklook(ctx, keep, &s);
        ck_assert_msg(rc == rows[i].rc, "row %zu: %d %s", i, rc, steppe_ctx_last_error(ctx));
        if (rc == STEPPE_OK) {
            ck_assert_str_eq(s->map.crs, rows[i].text);
            steppe_style_destroy(s);
        } else {
            ck_assert_ptr_null(s);
            ck_assert_msg(strstr(steppe_ctx_last_error(ctx), rows[i].text) != NULL, "row %zu: %s", i,
                          steppe_ctx_last_error(ctx));
        }
    }
}
END_TEST

/* The file is opened by the reader: a missing .shx is rebuilt (without a
 * word: the render's read gives the reader's warnings, once), a damaged
 * header is named. */
START_TEST(test_quicklook_reader)
{
    char keep[PATH_MAX];
    snprintf(keep, sizeof keep, "%s", make_shp("noshx.shp", SHPT_ARC));
    ck_assert_int_eq(unlink(tu_join(dir, "noshx.shx")), 0);
    tu_log_clear();
    steppe_style_t *s = NULL;
    steppe_status_t rc = steppe_style_quicklook(ctx, keep, &s);
    ck_assert_msg(rc == STEPPE_OK, "%s", steppe_ctx_last_error(ctx));
    ck_assert_int_eq(s->map.extent_kind, ST_EXTENT_MAP);
    ck_assert_ptr_null(strstr(tu_log(), "missing .shx"));
    ck_assert_ptr_nonnull(strstr(tu_log(), "noshx.shp: no .prj, assuming EPSG:4326"));
    ck_assert_int_ne(access(tu_join(dir, "noshx.shx"), F_OK), 0);
    steppe_style_destroy(s);

    /* A damaged record (a one-point line) could lie outside the data's
     * extent, where the render's read would not see it: the render's fit
     * frames such a file, and its read gives the warning. */
    {
        SHPHandle h = SHPCreate(tu_join(dir, "bad.shp"), SHPT_ARC);
        ck_assert_ptr_nonnull(h);
        double x[] = {0, 10, 50};
        double y[] = {0, 10, 50};
        SHPObject *o = SHPCreateSimpleObject(SHPT_ARC, 2, x, y, NULL);
        SHPWriteObject(h, -1, o);
        SHPDestroyObject(o);
        o = SHPCreateSimpleObject(SHPT_ARC, 1, x + 2, y + 2, NULL);
        SHPWriteObject(h, -1, o);
        SHPDestroyObject(o);
        SHPClose(h);
    }
    snprintf(keep, sizeof keep, "%s", tu_join(dir, "bad.shp"));
    tu_log_clear();
    s = NULL;
    ck_assert_int_eq(steppe_style_quicklook(ctx, keep, &s), STEPPE_OK);
    ck_assert_int_eq(s->map.extent_kind, ST_EXTENT_FIT);
    ck_assert_ptr_null(strstr(tu_log(), "record 1"));
    steppe_style_destroy(s);

    snprintf(keep, sizeof keep, "%s", make_shp("code.shp", SHPT_POLYGON));
    FILE *f = fopen(keep, "r+b");
    ck_assert_ptr_nonnull(f);
    fwrite("\x00\x00\x04\xd2", 1, 4, f); /* file code 1234, big-endian */
    fclose(f);
    s = NULL;
    ck_assert_int_eq(steppe_style_quicklook(ctx, keep, &s), STEPPE_ERR_DATA_CORRUPT);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx), "code.shp: not a Shapefile (file code 1234)"));
}
END_TEST

/* Every ranged key, written just outside its range on either side, is
 * refused at load with the value's FILE:LINE:COL and a style status (exit
 * 2): the style is generated from the schema, so a new ranged row is
 * covered as soon as it is written. */
START_TEST(test_every_range_enforced)
{
    size_t n = 0;
    const st_schema_key *t = st_schema_table(&n);
    size_t tried = 0;
    for (size_t i = 0; i < n; i++) {
        const st_range *r = &t[i].range;
        for (int side = 0; side < 2; side++) {
            char end = side == 0 ? r->lo_end : r->hi_end;
            if (!end)
                continue;
            double v = side == 0 ? r->lo - fabs(r->lo) - 1 : r->hi + fabs(r->hi) + 1;
            char num[64];
            st_number_text(v, num, sizeof num);
            char value[80];
            snprintf(value, sizeof value, t[i].type == ST_V_DASH ? "[%s, 1]" : "%s", num);
            /* "a.b.c" → a: {b: {c: V}}; a layer or class on the way gets
             * the keys it needs. */
            char text[1024] = "";
            char close[64] = "";
            const char *p = t[i].path;
            while (*p) {
                const char *dot = strchr(p, '.');
                size_t len = dot ? (size_t)(dot - p) : strlen(p);
                size_t l = strlen(text);
                if (len == 1 && *p == '*')
                    snprintf(text + l, sizeof text - l, "land: {source: data.shp, ");
                else if (len > 2 && strncmp(p + len - 2, "[]", 2) == 0)
                    snprintf(text + l, sizeof text - l, "%.*s: [{where: {a: b}, ", (int)len - 2, p);
                else
                    snprintf(text + l, sizeof text - l, "%.*s: %s", (int)len, p, dot ? "{" : "");
                /* Closers nest: the innermost is written first. */
                char inner[64];
                snprintf(inner, sizeof inner, "%s", close);
                bool list = len > 2 && strncmp(p + len - 2, "[]", 2) == 0;
                bool star = len == 1 && *p == '*';
                snprintf(close, sizeof close, "%s%.56s", list ? "}]" : dot || star ? "}" : "", inner);
                p += len + (dot ? 1 : 0);
            }
            size_t l = strlen(text);
            snprintf(text + l, sizeof text - l, "%s%s\n", value, close);
            steppe_style_t *s = NULL;
            steppe_status_t rc = load(text, NULL, 0, &s);
            ck_assert_msg(rc == STEPPE_ERR_STYLE_VALUE, "%s = %s: status %d (%s)", t[i].path, num, rc,
                          steppe_ctx_last_error(ctx));
            ck_assert_ptr_null(s);
            int line = 0;
            int col = 0;
            locate(text, num, &line, &col);
            char want[PATH_MAX + 64];
            snprintf(want, sizeof want, "%s:%d:%d: ", style_path, line, col);
            ck_assert_msg(strncmp(steppe_ctx_last_error(ctx), want, strlen(want)) == 0,
                          "%s:\n got: %s\nwant: %s...", text, steppe_ctx_last_error(ctx), want);
            ck_assert_uint_eq(steppe_status_exit_code(rc), 2);
            tried++;
        }
    }
    ck_assert_uint_gt(tried, 60);
}
END_TEST

/* The cases of the hardening issue, one line each. */
START_TEST(test_hardening_messages)
{
    static const struct {
        const char *text;
        const char *needle;
        const char *message; /* after "FILE:LINE:COL: " */
    } rows[] = {
        {"layers:\n  land:\n    source: data.shp\n    style: {marker: circle, size: 1e300}\n", "1e300",
         "layers.land.style.size: expected a number in [0, 1000], got 1e300"},
        {"layers:\n  land:\n    source: data.shp\n    style: {dash: [0, 0]}\n", "[0",
         "layers.land.style.dash: a dash pattern needs a length above 0 (use [] or no dash for a solid "
         "line)"},
        {"graticule: {dash: [-1, 2]}\n", "-1", "graticule.dash[0]: expected a number in [0, 1000], got -1"},
        {"map:\n  extent: {lonlat: [20, 40, 190, 80]}\n", "190",
         "map.extent.lonlat[2]: a longitude must lie within -180..180, got 190"},
        {"inset: {extent: [0, 0, 10, 91]}\n", "91",
         "inset.extent[3]: a latitude must lie within -90..90, got 91"},
        {"map: {width: 32768}\n", "32768",
         "map.width: '32768' is 32768 pixels; a side of at most 32767 pixels is allowed (cairo's image "
         "limit)"},
        {"map: {dpi: 4800, height: 1e300mm}\n", "1e300mm",
         "map.height: '1e300mm' is 1.88976e+302 pixels; a side of at most 32767 pixels is allowed (cairo's "
         "image limit)"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        steppe_style_t *s = NULL;
        steppe_status_t rc = load(rows[i].text, NULL, 0, &s);
        ck_assert_msg(rc == STEPPE_ERR_STYLE_VALUE, "row %zu: status %d (%s)", i, rc,
                      steppe_ctx_last_error(ctx));
        int line = 0;
        int col = 0;
        locate(rows[i].text, rows[i].needle, &line, &col);
        char want[PATH_MAX + 256];
        snprintf(want, sizeof want, "%s:%d:%d: %s", style_path, line, col, rows[i].message);
        ck_assert_msg(strcmp(steppe_ctx_last_error(ctx), want) == 0, "row %zu:\n got: %s\nwant: %s", i,
                      steppe_ctx_last_error(ctx), want);
    }
    /* A canvas the render would refuse is refused by check, at map.width. */
    const char *big = "map:\n  width: 20000\n  height: 20000\n";
    steppe_style_t *s = load_ok(big);
    ck_assert_int_eq(steppe_style_check(ctx, s), STEPPE_ERR_STYLE_VALUE);
    char want[PATH_MAX + 256];
    snprintf(
        want, sizeof want,
        "%s:2:10: map.width x map.height is 20000 x 20000 = 400000000 pixels, above the limit of 200000000 "
        "(map.max-pixels, or render --max-pixels)",
        style_path);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
    steppe_style_destroy(s);
    s = load_ok("map:\n  width: 20000\n  height: 20000\n  max-pixels: 400000000\n");
    ck_assert_int_eq(steppe_style_check(ctx, s), STEPPE_OK);
    steppe_style_destroy(s);
}
END_TEST

/* ---- schema and documentation ------------------------------------------------------------ */

START_TEST(test_schema_keys_unique)
{
    size_t n = 0;
    const char *const *keys = st_schema_keys(&n);
    ck_assert_uint_gt(n, 100);
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++)
            ck_assert_msg(strcmp(keys[i], keys[j]) != 0, "duplicate schema key %s", keys[i]);
        ck_assert_ptr_nonnull(st_schema_find(keys[i]));
    }
    /* Every enum default is one of its allowed values (else loading an empty
     * style would fail, which test_defaults also shows). */
    size_t nt = 0;
    const st_schema_key *t = st_schema_table(&nt);
    ck_assert_uint_eq(nt, n);
    for (size_t i = 0; i < nt; i++) {
        if (t[i].type != ST_V_ENUM || !t[i].def || t[i].def[0] == '(')
            continue;
        char padded[256];
        char def[64];
        snprintf(padded, sizeof padded, "|%s|", t[i].words);
        snprintf(def, sizeof def, "|%s|", t[i].def);
        ck_assert_msg(strstr(padded, def) != NULL, "%s: default %s not allowed", t[i].path, t[i].def);
    }
}
END_TEST

/* Convention: docs/style-reference.md names every accepted key path in
 * backticks, e.g. `layers.*.style.fill`, in a table row or heading. */
START_TEST(test_docs_cover_every_key)
{
    char *doc = tu_read(tu_src("docs/style-reference.md"), NULL);
    ck_assert_msg(doc != NULL, "docs/style-reference.md missing");
    size_t n = 0;
    const char *const *keys = st_schema_keys(&n);
    char missing[8192] = "";
    for (size_t i = 0; i < n; i++) {
        char quoted[256];
        snprintf(quoted, sizeof quoted, "`%s`", keys[i]);
        if (!strstr(doc, quoted)) {
            size_t l = strlen(missing);
            snprintf(missing + l, sizeof missing - l, " %s", keys[i]);
        }
    }
    free(doc);
    ck_assert_msg(missing[0] == '\0', "undocumented keys:%s", missing);
}
END_TEST

/* The "Allowed" column of every ranged key's row in the reference is the
 * table's own range, written as st_range_text(doc) writes it. */
START_TEST(test_docs_ranges_match_table)
{
    char *doc = tu_read(tu_src("docs/style-reference.md"), NULL);
    ck_assert_msg(doc != NULL, "docs/style-reference.md missing");
    size_t n = 0;
    const st_schema_key *t = st_schema_table(&n);
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++) {
        if (!t[i].range.lo_end && !t[i].range.hi_end)
            continue;
        char head[256];
        snprintf(head, sizeof head, "\n| `%s` |", t[i].path);
        const char *row = strstr(doc, head);
        ck_assert_msg(row != NULL, "no row for %s", t[i].path);
        /* | key | type | default | allowed | ...: the fourth cell. */
        const char *cell = row + 1;
        for (int c = 0; c < 3 && cell; c++)
            cell = strchr(cell + 1, '|');
        ck_assert_ptr_nonnull(cell);
        const char *end = strchr(cell + 1, '|');
        ck_assert_ptr_nonnull(end);
        char got[128];
        snprintf(got, sizeof got, "%.*s", (int)(end - cell - 1), cell + 1);
        char want[128];
        char quoted[132];
        snprintf(quoted, sizeof quoted, " %s ", st_range_text(&t[i].range, true, want, sizeof want));
        if (strcmp(got, quoted) != 0) {
            fprintf(stderr, "%s\t%s\t%s\n", t[i].path, got, want);
            wrong++;
        }
    }
    free(doc);
    ck_assert_msg(wrong == 0, "%zu documented ranges differ from the table (listed on stderr)", wrong);
}
END_TEST

START_TEST(test_full_example_from_docs_loads)
{
    /* The complete example at the end of the reference must load. */
    char *doc = tu_read(tu_src("docs/style-reference.md"), NULL);
    ck_assert_ptr_nonnull(doc);
    const char *marker = "<!-- example: complete -->";
    char *p = strstr(doc, marker);
    ck_assert_msg(p != NULL, "no complete example marker");
    p = strstr(p, "```yaml\n");
    ck_assert_ptr_nonnull(p);
    p += 8;
    char *end = strstr(p, "```");
    ck_assert_ptr_nonnull(end);
    *end = '\0';
    /* Its sources are under ../shapes/ (relative to the example's folder). */
    const char *sub = tu_join(dir, "shapes");
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    static const char *const files[] = {"countries.shp", "cities.csv", "rivers.shp"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        ck_assert_int_eq(tu_write(tu_join(sub, files[i]), "x"), 0);
    const char *styles = tu_join(dir, "styles");
    ck_assert_int_eq(mkdir(styles, 0755), 0);
    ck_assert_int_eq(tu_write(tu_join(styles, "base.yaml"), "map: {font: Noto Sans}\n"), 0);
    const char *path = tu_join(styles, "example.yaml");
    ck_assert_int_eq(tu_write(path, p), 0);
    free(doc);
    steppe_style_t *s = NULL;
    char keep[PATH_MAX];
    snprintf(keep, sizeof keep, "%s", path);
    steppe_status_t rc = steppe_style_load(ctx, keep, NULL, 0, &s);
    ck_assert_msg(rc == STEPPE_OK, "%s", steppe_ctx_last_error(ctx));
    ck_assert_uint_ge(s->map.nlayers, 3);
    steppe_style_destroy(s);
}
END_TEST

static Suite *model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("model");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_errors_table);
    tcase_add_test(tc, test_unknown_crs);
    tcase_add_test(tc, test_crs_forms_accepted);
    tcase_add_test(tc, test_missing_source_messages);
    tcase_add_test(tc, test_extends_cycle_via_load);
    tcase_add_test(tc, test_override_errors);
    tcase_add_test(tc, test_overrides_apply);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_layer_defaults);
    tcase_add_test(tc, test_units_table);
    tcase_add_test(tc, test_colours_table);
    tcase_add_test(tc, test_classes_inherit);
    tcase_add_test(tc, test_label_shorthand);
    tcase_add_test(tc, test_derived_layers);
    tcase_add_test(tc, test_extent_and_furniture);
    tcase_add_test(tc, test_null_resets_and_removes);
    tcase_add_test(tc, test_relative_paths_from_another_cwd);
    tcase_add_test(tc, test_quicklook);
    tcase_add_test(tc, test_quicklook_names);
    tcase_add_test(tc, test_quicklook_prj);
    tcase_add_test(tc, test_quicklook_reader);
    tcase_add_test(tc, test_schema_keys_unique);
    tcase_add_test(tc, test_docs_cover_every_key);
    tcase_add_test(tc, test_docs_ranges_match_table);
    tcase_add_test(tc, test_every_range_enforced);
    tcase_add_test(tc, test_hardening_messages);
    tcase_add_test(tc, test_full_example_from_docs_loads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(model_suite());
}
