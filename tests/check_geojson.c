/* check suite for geojson.c (through the driver interface, driver.h) and
 * sniff.c: tables of small GeoJSON texts with what each reads to, or the
 * place and reason of its error; and files whose kind is told by content. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "sniff.h"
#include "testutil.h"

typedef struct gj_case {
    const char *name;
    const char *text;
    steppe_status_t status;
    st_geom_type type;
    size_t features;   /* kept */
    size_t vertices;   /* source_vertices */
    const char *field; /* a field that must exist (NULL: none checked) */
    char ftype;        /* its type */
    const char *value; /* feature 0's value of it */
    const char *error; /* a part of the message: the place and reason */
} gj_case;

#define FC(feats) "{\"type\":\"FeatureCollection\",\"features\":[" feats "]}"
#define F(geom, props) "{\"type\":\"Feature\",\"properties\":" props ",\"geometry\":" geom "}"
#define POLY                                                                                                 \
    "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[2,1],[2,2],[1,1]]]}"

static const gj_case cases[] = {
    /* outer shapes */
    {"collection", FC(F(POLY, "{\"name\":\"a\"}") "," F(POLY, "{\"name\":\"b\"}")), STEPPE_OK,
     ST_GEOM_POLYGON, 2, 18, "name", 'C', "a", NULL},
    {"feature", F("{\"type\":\"Point\",\"coordinates\":[1,2]}", "{\"n\":5}"), STEPPE_OK, ST_GEOM_POINT, 1, 1,
     "n", 'N', "5", NULL},
    {"bare geometry", POLY, STEPPE_OK, ST_GEOM_POLYGON, 1, 9, NULL, 0, NULL, NULL},
    {"newline-delimited",
     F("{\"type\":\"Point\",\"coordinates\":[1,2]}",
       "{\"a\":1}") "\n" F("{\"type\":\"Point\",\"coordinates\":[3,4]}", "{\"b\":\"x\"}") "\n",
     STEPPE_OK, ST_GEOM_POINT, 2, 2, "b", 'C', "", NULL},
    {"record separators",
     "\x1e" F("{\"type\":\"Point\",\"coordinates\":[1,2]}",
              "{}") "\n\x1e" F("{\"type\":\"Point\",\"coordinates\":[1,2]}", "{}") "\n",
     STEPPE_OK, ST_GEOM_POINT, 2, 2, NULL, 0, NULL, NULL},
    {"BOM", "\xEF\xBB\xBF" F("{\"type\":\"Point\",\"coordinates\":[1,2]}", "{}"), STEPPE_OK, ST_GEOM_POINT, 1,
     1, NULL, 0, NULL, NULL},
    {"empty collection", FC(""), STEPPE_OK, ST_GEOM_NONE, 0, 0, NULL, 0, NULL, NULL},
    /* the seven types */
    {"multipoint", F("{\"type\":\"MultiPoint\",\"coordinates\":[[1,2],[3,4,5]]}", "{}"), STEPPE_OK,
     ST_GEOM_POINT, 1, 2, NULL, 0, NULL, NULL},
    {"linestring", F("{\"type\":\"LineString\",\"coordinates\":[[1,2],[3,4]]}", "{}"), STEPPE_OK,
     ST_GEOM_LINE, 1, 2, NULL, 0, NULL, NULL},
    {"multilinestring",
     F("{\"type\":\"MultiLineString\",\"coordinates\":[[[1,2],[3,4]],[[5,6],[7,8],[9,9]]]}", "{}"), STEPPE_OK,
     ST_GEOM_LINE, 1, 5, NULL, 0, NULL, NULL},
    {"multipolygon",
     F("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]"
       "}",
       "{}"),
     STEPPE_OK, ST_GEOM_POLYGON, 1, 8, NULL, 0, NULL, NULL},
    {"collection of a polygon and a point",
     F("{\"type\":\"GeometryCollection\",\"geometries\":[" POLY
       ",{\"type\":\"Point\",\"coordinates\":[9,9]}]}",
       "{}"),
     STEPPE_OK, ST_GEOM_POLYGON, 1, 9, NULL, 0, NULL, NULL},
    {"empty geometries",
     FC(F("{\"type\":\"Point\",\"coordinates\":[]}", "{}") "," F("{\"type\":\"Polygon\",\"coordinates\":[]}",
                                                                 "{}") "," F("null", "{}")),
     STEPPE_OK, ST_GEOM_NONE, 0, 0, NULL, 0, NULL, NULL},
    {"a point in a polygon layer is skipped",
     FC(F(POLY, "{}") "," F("{\"type\":\"Point\",\"coordinates\":[1,2]}", "{}")), STEPPE_OK, ST_GEOM_POLYGON,
     1, 9, NULL, 0, NULL, NULL},
    /* properties */
    {"nested property as JSON text",
     F("{\"type\":\"Point\",\"coordinates\":[1,2]}", "{\"o\":{\"k\":[1,\"a/b\"]}}"), STEPPE_OK, ST_GEOM_POINT,
     1, 1, "o", 'J', "{\"k\":[1,\"a/b\"]}", NULL},
    {"boolean", F("{\"type\":\"Point\",\"coordinates\":[1,2]}", "{\"b\":false}"), STEPPE_OK, ST_GEOM_POINT, 1,
     1, "b", 'L', "false", NULL},
    {"real as written", F("{\"type\":\"Point\",\"coordinates\":[1,2]}", "{\"r\":1.50}"), STEPPE_OK,
     ST_GEOM_POINT, 1, 1, "r", 'F', "1.50", NULL},
    {"null property", F("{\"type\":\"Point\",\"coordinates\":[1,2]}", "{\"z\":null}"), STEPPE_OK,
     ST_GEOM_POINT, 1, 1, "z", 'C', "", NULL},
    {"integer then real",
     FC(F("{\"type\":\"Point\",\"coordinates\":[1,2]}",
          "{\"v\":1}") "," F("{\"type\":\"Point\",\"coordinates\":[1,2]}", "{\"v\":2.5}")),
     STEPPE_OK, ST_GEOM_POINT, 2, 2, "v", 'F', "1", NULL},
    {"id",
     "{\"type\":\"Feature\",\"id\":\"x7\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":"
     "[1,2]}}",
     STEPPE_OK, ST_GEOM_POINT, 1, 1, "id", 'C', "x7", NULL},
    {"a coordinates property is a property",
     F("{\"type\":\"Point\",\"coordinates\":[1,2]}", "{\"coordinates\":[[7,8]]}"), STEPPE_OK, ST_GEOM_POINT,
     1, 1, "coordinates", 'J', "[[7,8]]", NULL},
    {"a coordinates property in a collection",
     FC(F("{\"type\":\"Point\",\"coordinates\":[1,2]}", "{\"coordinates\":[[7,8]]}")), STEPPE_OK,
     ST_GEOM_POINT, 1, 1, "coordinates", 'J', "[[7,8]]", NULL},
    {"UTF-8 name", F("{\"type\":\"Point\",\"coordinates\":[1,2]}", "{\"name\":\"Қарағанды\"}"), STEPPE_OK,
     ST_GEOM_POINT, 1, 1, "name", 'C', "Қарағанды", NULL},
    /* errors: the place (FILE:LINE:COL) and the reason */
    {"truncated", "{\"type\":\"FeatureCollection\",\"features\":[\n" F(POLY, "{}") ",\n{\"type\":\"Fea",
     STEPPE_ERR_DATA_CORRUPT, ST_GEOM_NONE, 0, 0, NULL, 0, NULL,
     ":3:13: the JSON text ends too early (truncated?)"},
    {"truncated in coordinates", "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1", STEPPE_ERR_DATA_CORRUPT,
     ST_GEOM_NONE, 0, 0, NULL, 0, NULL, ":1:43: the JSON text ends too early"},
    {"wrong depth: too shallow", F("{\"type\":\"Polygon\",\"coordinates\":[[0,0],[1,0],[1,1],[0,0]]}", "{}"),
     STEPPE_ERR_DATA_CORRUPT, ST_GEOM_NONE, 0, 0, NULL, 0, NULL,
     ":1:80: feature 1.geometry.coordinates[0]: a number where a position (an array of numbers) was "
     "expected"},
    {"wrong depth: too deep", F("{\"type\":\"LineString\",\"coordinates\":[[[0,0],[1,0]]]}", "{}"),
     STEPPE_ERR_DATA_CORRUPT, ST_GEOM_NONE, 0, 0, NULL, 0, NULL,
     ":1:83: feature 1.geometry.coordinates: an array of arrays where a position"},
    {"unclosed ring", F("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]}", "{}"),
     STEPPE_ERR_DATA_CORRUPT, ST_GEOM_NONE, 0, 0, NULL, 0, NULL,
     ":1:79: feature 1.geometry.coordinates[0]: ring not closed"},
    {"ring of 3", F("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}", "{}"),
     STEPPE_ERR_DATA_CORRUPT, ST_GEOM_NONE, 0, 0, NULL, 0, NULL, "a ring of 3 positions (at least 4 needed)"},
    {"coordinate out of range", F("{\"type\":\"Point\",\"coordinates\":[1,-2e308]}", "{}"),
     STEPPE_ERR_DATA_CORRUPT, ST_GEOM_NONE, 0, 0, NULL, 0, NULL,
     ":1:79: feature 1: \"coordinates\": number out of range"},
    {"integer property out of range",
     F("{\"type\":\"Point\",\"coordinates\":[1,2]}", "{\"p\":99999999999999999999}"), STEPPE_ERR_DATA_CORRUPT,
     ST_GEOM_NONE, 0, 0, NULL, 0, NULL, "feature 1: property \"p\" is a number out of range"},
    {"a string in coordinates", F("{\"type\":\"Point\",\"coordinates\":[1,\"2\"]}", "{}"),
     STEPPE_ERR_DATA_CORRUPT, ST_GEOM_NONE, 0, 0, NULL, 0, NULL,
     ":1:79: feature 1: \"coordinates\": a string, where only numbers"},
    {"coordinates not an array", F("{\"type\":\"Point\",\"coordinates\":5}", "{}"), STEPPE_ERR_DATA_CORRUPT,
     ST_GEOM_NONE, 0, 0, NULL, 0, NULL, ":1:76: feature 1: \"coordinates\": not an array"},
    {"trailing comma", FC(F("{\"type\":\"Point\",\"coordinates\":[1,2]}", "{}") ","), STEPPE_ERR_DATA_CORRUPT,
     ST_GEOM_NONE, 0, 0, NULL, 0, NULL, "not valid JSON"},
    {"unknown type", F("{\"type\":\"Circle\",\"coordinates\":[1,2]}", "{}"), STEPPE_ERR_DATA_CORRUPT,
     ST_GEOM_NONE, 0, 0, NULL, 0, NULL, "feature 1.geometry: unknown geometry type 'Circle'"},
    {"not GeoJSON", "{\"a\":1}", STEPPE_ERR_DATA_CORRUPT, ST_GEOM_NONE, 0, 0, NULL, 0, NULL,
     ":1:1: not GeoJSON: the object has no \"type\" string"},
    {"a JSON array", "[1,2]", STEPPE_ERR_DATA_CORRUPT, ST_GEOM_NONE, 0, 0, NULL, 0, NULL,
     ":1:1: not GeoJSON: a JSON object expected"},
    {"invalid UTF-8", F("{\"type\":\"Point\",\"coordinates\":[1,2]}", "{\"s\":\"\xff\"}"),
     STEPPE_ERR_DATA_CORRUPT, ST_GEOM_NONE, 0, 0, NULL, 0, NULL, "not valid JSON"},
    {"nested too deep",
     F("{\"type\":\"Point\",\"coordinates\":[1,2]}",
       "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"),
     STEPPE_ERR_DATA_CORRUPT, ST_GEOM_NONE, 0, 0, NULL, 0, NULL, "too deep"},
};

START_TEST(test_table)
{
    const gj_case *c = &cases[_i];
    const char *dir = tu_tmpdir();
    const char *path = tu_join(dir, "t.geojson");
    ck_assert_int_eq(tu_write(path, c->text), 0);
    steppe_ctx_t *ctx = tu_ctx();
    st_arena *arena = st_arena_create(0);
    st_layer layer = {.kind = ST_LAYER_GEOJSON, .name = "t", .source = path};
    st_source *src = NULL;
    st_featureset fs;
    st_read_opts opts = {0};
    steppe_status_t st = st_source_open(ctx, &layer, arena, &src);
    if (st == STEPPE_OK)
        st = st_source_read(src, &opts, arena, &fs);
    st_source_close(src);
    ck_assert_msg(st == c->status, "%s: status %d, want %d: %s", c->name, st, c->status,
                  steppe_ctx_last_error(ctx));
    if (st == STEPPE_OK) {
        ck_assert_msg(fs.type == c->type, "%s: type %d, want %d", c->name, fs.type, c->type);
        ck_assert_msg(fs.n == c->features, "%s: %zu features, want %zu", c->name, fs.n, c->features);
        ck_assert_msg(fs.source_vertices == c->vertices, "%s: %zu vertices, want %zu", c->name,
                      fs.source_vertices, c->vertices);
        if (c->field) {
            int i = st_featureset_field(&fs, c->field);
            ck_assert_msg(i >= 0, "%s: no field %s", c->name, c->field);
            ck_assert_msg(fs.field_types[i] == c->ftype, "%s: type %c, want %c", c->name, fs.field_types[i],
                          c->ftype);
            ck_assert_msg(strcmp(fs.feat[0].attrs[i], c->value) == 0, "%s: value '%s', want '%s'", c->name,
                          fs.feat[0].attrs[i], c->value);
        }
    } else {
        const char *msg = steppe_ctx_last_error(ctx);
        ck_assert_msg(strstr(msg, c->error) != NULL, "%s: message '%s' lacks '%s'", c->name, msg, c->error);
        ck_assert_msg(strncmp(msg, path, strlen(path)) == 0, "%s: message '%s' does not start with the file",
                      c->name, msg);
        ck_assert_msg(!strchr(msg, '\n'), "%s: a message of several lines", c->name);
    }
    st_arena_destroy(arena);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* The bbox culls; the crs member is honoured with a warning. */
START_TEST(test_bbox_and_crs)
{
    const char *dir = tu_tmpdir();
    const char *path = tu_join(dir, "c.json");
    ck_assert_int_eq(
        tu_write(path,
                 "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
                 "\"EPSG:3857\"}},\"features\":[" F("{\"type\":\"Point\",\"coordinates\":[5,5]}", "{}") "," F(
                     "{\"type\":\"Point\",\"coordinates\":[50,50]}", "{}") "]}"),
        0);
    steppe_ctx_t *ctx = tu_ctx();
    st_arena *arena = st_arena_create(0);
    st_layer layer = {.kind = ST_LAYER_GEOJSON, .name = "c", .source = path};
    st_source *src = NULL;
    st_source_desc desc;
    st_featureset fs;
    static const double bbox[4] = {0, 0, 10, 10};
    st_source_stats stats;
    st_read_opts opts = {.bbox = bbox, .stats = &stats};
    ck_assert_int_eq(st_source_open(ctx, &layer, arena, &src), STEPPE_OK);
    ck_assert_int_eq(st_source_describe(src, &desc, arena), STEPPE_OK);
    ck_assert_str_eq(desc.crs, "EPSG:3857");
    ck_assert_int_eq(st_source_read(src, &opts, arena, &fs), STEPPE_OK);
    st_source_close(src);
    ck_assert_uint_eq(fs.n, 1);
    ck_assert_uint_eq(stats.culled, 1);
    ck_assert_str_eq(fs.crs, "EPSG:3857");
    ck_assert_msg(strstr(tu_log(), "c.json:1: the obsolete \"crs\" member names EPSG:3857") != NULL,
                  "log: %s", tu_log());
    st_arena_destroy(arena);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* A file's kind: its first bytes, else its extension. */
typedef struct sniff_case {
    const char *name;
    const char *head;
    size_t n;
    int kind;
} sniff_case;

static const sniff_case sniffs[] = {
    {"a.gpkg", "SQLite format 3\0xxxxxxxx", 24, ST_LAYER_GPKG},
    {"a.json", "SQLite format 3\0xxxxxxxx", 24, ST_LAYER_GPKG},
    {"a.geojson", "{\"type\":\"Feature\"}", 18, ST_LAYER_GEOJSON},
    {"a.txt", "  \n{\"type\":\"Feature\"}", 21, ST_LAYER_GEOJSON},
    {"noext", "\x1e{\"type\":\"Feature\"}", 19, ST_LAYER_GEOJSON},
    {"a.shp", "{", 1, ST_LAYER_SHAPEFILE},
    {"a.csv", "lon,lat\n1,2\n", 12, ST_LAYER_CSV},
    {"a.geojsonl", "", 0, ST_LAYER_GEOJSON},
    {"a.ndjson", "", 0, ST_LAYER_GEOJSON},
    {"a.txt", "lon,lat\n1,2\n", 12, -1},
    {"a.yaml", "map: {}\n", 8, -1},
    {"postgresql://u@h/db", "", 0, ST_LAYER_POSTGIS},
};

START_TEST(test_sniff)
{
    const sniff_case *c = &sniffs[_i];
    ck_assert_msg(st_sniff_head((const unsigned char *)c->head, c->n, c->name) == c->kind, "%s: %d, want %d",
                  c->name, st_sniff_head((const unsigned char *)c->head, c->n, c->name), c->kind);
}
END_TEST

/* A Shapefile's file code 9994 in a 100-byte header is a Shapefile by its
 * content, whatever its name. */
START_TEST(test_sniff_shapefile)
{
    unsigned char head[100] = {0, 0, 0x27, 0x0a};
    ck_assert_int_eq(st_sniff_head(head, sizeof head, "data.bin"), ST_LAYER_SHAPEFILE);
    ck_assert_int_eq(st_sniff_head(head, 99, "data.bin"), -1);
}
END_TEST

static Suite *geojson_suite(void)
{
    Suite *s = suite_create("geojson");
    TCase *tc = tcase_create("geojson");
    tcase_add_loop_test(tc, test_table, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, test_bbox_and_crs);
    tcase_add_loop_test(tc, test_sniff, 0, (int)(sizeof sniffs / sizeof sniffs[0]));
    tcase_add_test(tc, test_sniff_shapefile);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(geojson_suite());
}
