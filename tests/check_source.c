/* Sources: Shapefiles of every type, encodings, CRS, damaged files, bbox
 * culling, generalisation and filters while reading; CSV points.
 * Fixtures: tests/fixtures/shp, written by tests/fixtures/make-fixtures.py. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <shapefil.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source.h"
#include "testutil.h"

static steppe_ctx_t *ctx;
static st_arena *arena;
static const char *copy_dir; /* grid_copy's folder, removed by teardown */
static st_featureset fs;
static st_source_stats stats;

static void setup(void)
{
    ctx = tu_ctx();
    arena = st_arena_create(0);
    memset(&fs, 0, sizeof fs);
    memset(&stats, 0, sizeof stats);
}

static void remove_copy(void);

static void teardown(void)
{
    remove_copy();
    st_arena_destroy(arena);
    steppe_ctx_destroy(ctx);
}

static const char *fixture(const char *name)
{
    static char buf[4][4096];
    static int i;
    char *b = buf[i];
    i = (i + 1) % 4;
    snprintf(b, 4096, "%s", tu_src("tests/fixtures/shp"));
    strncat(b, "/", 4095 - strlen(b));
    strncat(b, name, 4095 - strlen(b));
    return b;
}

static steppe_status_t read_opts(const char *name, st_read_opts *opts)
{
    opts->stats = &stats;
    return st_source_read_shp(ctx, fixture(name), opts, arena, &fs);
}

static steppe_status_t read_plain(const char *name)
{
    st_read_opts opts = {0};
    return read_opts(name, &opts);
}

static const char *attr(size_t i, const char *field)
{
    ck_assert_uint_lt(i, fs.n);
    const char *v = st_feature_attr(&fs, &fs.feat[i], field);
    ck_assert_ptr_nonnull(v);
    return v;
}

/* ---- shape types: one table row per fixture ------------------------------ */

static const struct {
    const char *file;
    st_geom_type type;
    size_t n;           /* features */
    uint32_t parts[4];  /* parts of the first features */
    uint32_t points[4]; /* points of the first features */
    double x0, y0;      /* first vertex of the first feature */
} type_cases[] = {
    {"point.shp", ST_GEOM_POINT, 3, {1, 1, 1}, {1, 1, 1}, 1.0, 2.0},
    {"multipoint.shp", ST_GEOM_POINT, 2, {3, 2}, {3, 2}, 0.0, 0.0},
    {"polyline.shp", ST_GEOM_LINE, 2, {1, 2}, {3, 5}, 0.0, 0.0},
    {"polygon.shp", ST_GEOM_POLYGON, 3, {1, 2, 2}, {5, 10, 10}, 0.0, 0.0},
    {"pointz.shp", ST_GEOM_POINT, 2, {1, 1}, {1, 1}, 1.0, 2.0},
    {"polylinem.shp", ST_GEOM_LINE, 1, {1}, {3}, 0.0, 0.0},
    {"polygonz.shp", ST_GEOM_POLYGON, 2, {1, 2}, {5, 10}, 0.0, 0.0},
};

START_TEST(test_types)
{
    const char *file = type_cases[_i].file;
    ck_assert_msg(read_plain(file) == STEPPE_OK, "%s: %s", file, steppe_ctx_last_error(ctx));
    ck_assert_int_eq(fs.type, type_cases[_i].type);
    ck_assert_uint_eq(fs.n, type_cases[_i].n);
    for (size_t k = 0; k < fs.n && k < 4; k++) {
        ck_assert_uint_eq(fs.feat[k].nparts, type_cases[_i].parts[k]);
        ck_assert_uint_eq(fs.feat[k].npoints, type_cases[_i].points[k]);
        ck_assert_uint_eq(fs.feat[k].parts[0], 0);
    }
    ck_assert_double_eq_tol(fs.feat[0].xy[0], type_cases[_i].x0, 1e-12);
    ck_assert_double_eq_tol(fs.feat[0].xy[1], type_cases[_i].y0, 1e-12);
    ck_assert_uint_eq(fs.nfields, 3);
    ck_assert_str_eq(fs.fields[0], "name");
    ck_assert_str_eq(fs.field_types, "CNF");
    ck_assert_str_eq(attr(0, "name"), "r0");
}
END_TEST

START_TEST(test_polygon_parts)
{
    ck_assert_int_eq(read_plain("polygon.shp"), STEPPE_OK);
    /* Record 2 is a null shape: skipped, counted, no warning. */
    ck_assert_uint_eq(stats.null_records, 1);
    ck_assert_uint_eq(stats.records, 4);
    ck_assert_uint_eq(fs.feat[0].record, 0);
    ck_assert_uint_eq(fs.feat[1].record, 1);
    ck_assert_uint_eq(fs.feat[2].record, 3);
    ck_assert_str_eq(attr(2, "name"), "r3");
    /* The square with a hole: the hole is the second part, starting at 5. */
    const st_feature *f = &fs.feat[1];
    ck_assert_uint_eq(f->parts[1], 5);
    ck_assert_double_eq(f->xy[2 * 5], 23.0);
    ck_assert_double_eq(f->xy[2 * 5 + 1], 3.0);
    /* Every ring is closed. */
    for (size_t i = 0; i < fs.n; i++) {
        const st_feature *g = &fs.feat[i];
        for (uint32_t p = 0; p < g->nparts; p++) {
            uint32_t s = g->parts[p];
            uint32_t e = p + 1 < g->nparts ? g->parts[p + 1] : g->npoints;
            ck_assert_double_eq(g->xy[2 * s], g->xy[2 * (e - 1)]);
            ck_assert_double_eq(g->xy[2 * s + 1], g->xy[2 * (e - 1) + 1]);
        }
    }
    /* Bboxes of the features, and the file's. */
    ck_assert_double_eq(fs.feat[2].bbox[0], 40.0);
    ck_assert_double_eq(fs.feat[2].bbox[2], 55.0);
    ck_assert_double_eq(stats.bounds[2], 55.0);
    ck_assert_uint_eq(fs.source_vertices, 25);
    ck_assert_uint_eq(steppe_ctx_warning_count(ctx), 0);
    ck_assert_ptr_nonnull(strstr(fs.crs, "WGS_1984"));
}
END_TEST

START_TEST(test_multipatch)
{
    ck_assert_int_eq(read_plain("multipatch.shp"), STEPPE_ERR_DATA_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx), "multipatch.shp: MultiPatch"));
}
END_TEST

START_TEST(test_missing_file)
{
    ck_assert_int_eq(read_plain("nothere.shp"), STEPPE_ERR_DATA_OPEN);
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx), "nothere.shp: cannot open: No such file"));
}
END_TEST

START_TEST(test_not_a_shapefile)
{
    const char *dir = tu_tmpdir();
    const char *shp = tu_join(dir, "junk.shp");
    ck_assert_int_eq(tu_write(shp, "this is not a shapefile at all, not even close to one......"), 0);
    ck_assert_int_eq(tu_write(tu_join(dir, "junk.shx"), "nor is this"), 0);
    st_read_opts opts = {0};
    steppe_status_t st = st_source_read_shp(ctx, shp, &opts, arena, &fs);
    ck_assert_int_eq(st, STEPPE_ERR_DATA_CORRUPT);
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx),
                                 "junk.shp: not a Shapefile (59 bytes, shorter than the 100-byte header)"));
    unlink(shp);
    unlink(tu_join(dir, "junk.shx"));
    rmdir(dir);
}
END_TEST

/* ---- encodings ------------------------------------------------------------ */

static const struct {
    const char *file;
    const char *encoding;
    const char *from;
} enc_cases[] = {
    {"cp1251.shp", "CP1251", "from .cpg"},
    {"ldid1251.shp", "CP1251", "from the .dbf language driver"},
    {"utf8.shp", "UTF-8", "from .cpg"},
};

START_TEST(test_cyrillic)
{
    ck_assert_int_eq(read_plain(enc_cases[_i].file), STEPPE_OK);
    ck_assert_str_eq(stats.encoding, enc_cases[_i].encoding);
    ck_assert_str_eq(stats.encoding_from, enc_cases[_i].from);
    ck_assert_uint_eq(fs.n, 3);
    ck_assert_str_eq(attr(0, "name"), "Москва");
    ck_assert_str_eq(attr(1, "name"), "Санкт-Петербург");
    ck_assert_str_eq(attr(2, "name"), "Якутия");
    ck_assert_str_eq(attr(1, "code"), "78");
    ck_assert_uint_eq(steppe_ctx_warning_count(ctx), 0);
}
END_TEST

START_TEST(test_encoding_override)
{
    /* The layer's encoding wins over the .cpg: reading CP1251 bytes as
     * KOI8-R gives other (valid) Cyrillic letters. */
    st_read_opts opts = {.encoding = "KOI8-R"};
    ck_assert_int_eq(read_opts("cp1251.shp", &opts), STEPPE_OK);
    ck_assert_str_eq(stats.encoding, "KOI8-R");
    ck_assert_str_eq(stats.encoding_from, "from the layer");
    ck_assert_str_ne(attr(0, "name"), "Москва");
    ck_assert_uint_gt(strlen(attr(0, "name")), 6);
}
END_TEST

START_TEST(test_encoding_names)
{
    static const struct {
        const char *given;
        const char *iconv;
    } names[] = {
        {"UTF-8", "UTF-8"},           {"utf8", "UTF-8"},
        {"1251", "CP1251"},           {"CP1251", "CP1251"},
        {"windows-1251", "CP1251"},   {"ANSI 1251", "CP1251"},
        {"ISO-8859-1", "ISO-8859-1"}, {"88591", "ISO-8859-1"},
        {"8859-5", "ISO-8859-5"},     {"866", "CP866"},
        {"65001", "UTF-8"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        st_arena_destroy(arena);
        arena = st_arena_create(0);
        st_read_opts opts = {.encoding = names[i].given};
        ck_assert_int_eq(read_opts("point.shp", &opts), STEPPE_OK);
        ck_assert_msg(strcmp(stats.encoding, names[i].iconv) == 0, "%s gave %s, expected %s", names[i].given,
                      stats.encoding, names[i].iconv);
    }
}
END_TEST

START_TEST(test_unknown_encoding)
{
    ck_assert_int_eq(read_plain("weirdcpg.shp"), STEPPE_OK);
    ck_assert_ptr_nonnull(
        strstr(tu_log(), "weirdcpg.cpg: unknown encoding 'KLINGON-42', reading attributes as ISO-8859-1"));
    ck_assert_str_eq(stats.encoding, "ISO-8859-1");
    ck_assert_str_eq(attr(0, "name"), "r0");
}
END_TEST

START_TEST(test_invalid_utf8)
{
    ck_assert_int_eq(read_plain("badutf8.shp"), STEPPE_OK);
    ck_assert_str_eq(attr(0, "name"), "ok\xEF\xBF\xBD\xEF\xBF\xBD"
                                      "end");
    ck_assert_str_eq(attr(1, "name"), "fine");
    ck_assert_ptr_nonnull(strstr(tu_log(), "badutf8.shp: attributes are not valid UTF-8; 2 bytes replaced"));
    ck_assert_uint_eq(steppe_ctx_warning_count(ctx), 1);
}
END_TEST

START_TEST(test_field_values)
{
    ck_assert_int_eq(read_plain("types.shp"), STEPPE_OK);
    ck_assert_str_eq(fs.field_types, "NFLDC");
    ck_assert_str_eq(attr(0, "n"), "42"); /* NUL-padded */
    ck_assert_str_eq(attr(0, "f"), "3.2500");
    ck_assert_str_eq(attr(0, "l"), "T");
    ck_assert_str_eq(attr(0, "d"), "20240131");
    ck_assert_str_eq(attr(0, "s"), "pad");
    ck_assert_str_eq(attr(1, "n"), "-7");
    ck_assert_str_eq(attr(1, "f"), "0.5"); /* NUL-padded */
    ck_assert_str_eq(attr(1, "s"), "");
    ck_assert_int_eq(stats.field_width[1], 12);
    ck_assert_int_eq(stats.field_decimals[1], 4);
}
END_TEST

/* ---- CRS ------------------------------------------------------------------ */

START_TEST(test_no_prj)
{
    ck_assert_int_eq(read_plain("noprj.shp"), STEPPE_OK);
    ck_assert_str_eq(fs.crs, "EPSG:4326");
    ck_assert_int_eq(stats.crs_assumed, 1);
    ck_assert_ptr_nonnull(
        strstr(tu_log(), "noprj.shp: no .prj, assuming EPSG:4326 (set crs: on the layer to silence)"));
}
END_TEST

START_TEST(test_layer_crs_wins)
{
    st_read_opts opts = {.crs = "EPSG:3857"};
    ck_assert_int_eq(read_opts("noprj.shp", &opts), STEPPE_OK);
    ck_assert_str_eq(fs.crs, "EPSG:3857");
    ck_assert_uint_eq(steppe_ctx_warning_count(ctx), 0);
    st_read_opts opts2 = {.crs = "EPSG:4326"};
    ck_assert_int_eq(read_opts("badprj.shp", &opts2), STEPPE_OK);
    ck_assert_str_eq(fs.crs, "EPSG:4326");
}
END_TEST

START_TEST(test_bad_prj)
{
    ck_assert_int_eq(read_plain("badprj.shp"), STEPPE_ERR_DATA_CORRUPT);
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx), "badprj.prj: PROJ cannot read this CRS"));
}
END_TEST

/* ---- damaged files --------------------------------------------------------- */

START_TEST(test_missing_shx)
{
    ck_assert_int_eq(read_plain("noshx.shp"), STEPPE_OK);
    ck_assert_uint_eq(fs.n, 2);
    ck_assert_double_eq(fs.feat[1].bbox[0], 2.0);
    ck_assert_ptr_nonnull(strstr(tu_log(), "noshx.shp: missing .shx, rebuilt from .shp"));
    /* Nothing is written next to the data. */
    ck_assert_int_ne(access(fixture("noshx.shx"), F_OK), 0);
}
END_TEST

START_TEST(test_missing_dbf)
{
    ck_assert_int_eq(read_plain("nodbf.shp"), STEPPE_OK);
    ck_assert_uint_eq(fs.n, 2);
    ck_assert_uint_eq(fs.nfields, 0);
    ck_assert_ptr_null(st_feature_attr(&fs, &fs.feat[0], "name"));
    ck_assert_ptr_nonnull(strstr(tu_log(), "nodbf.shp: no .dbf; features have no attributes"));
}
END_TEST

START_TEST(test_count_mismatch)
{
    ck_assert_int_eq(read_plain("short.shp"), STEPPE_OK);
    ck_assert_uint_eq(fs.n, 2);
    ck_assert_ptr_nonnull(
        strstr(tu_log(), "short.shp: the .shp holds 3 records but the .dbf 2 rows; reading 2"));
}
END_TEST

START_TEST(test_broken_records)
{
    ck_assert_int_eq(read_plain("broken.shp"), STEPPE_OK);
    const char *log = tu_log();
    ck_assert_ptr_nonnull(strstr(log, "broken.shp: record 1: non-finite coordinate"));
    ck_assert_ptr_nonnull(
        strstr(log, "broken.shp: record 3: part offsets out of order or beyond the vertices"));
    ck_assert_ptr_nonnull(strstr(log, "broken.shp: 1 rings were not closed; closed them"));
    ck_assert_ptr_nonnull(strstr(log, "broken.shp: 1 rings with too few points dropped"));
    /* Kept: 0, 2 (closed here), 4 (without its 2-point ring), 5. */
    ck_assert_uint_eq(fs.n, 4);
    ck_assert_uint_eq(fs.feat[1].record, 2);
    ck_assert_uint_eq(fs.feat[1].npoints, 4);
    ck_assert_double_eq(fs.feat[1].xy[6], 0.0);
    ck_assert_double_eq(fs.feat[1].xy[7], 0.0);
    ck_assert_uint_eq(fs.feat[2].record, 4);
    ck_assert_uint_eq(fs.feat[2].nparts, 1);
    ck_assert_double_eq(fs.feat[2].xy[0], 8.0);
    ck_assert_uint_eq(stats.skipped, 2);
    /* 2 records skipped, 1 ring closed, 1 ring dropped */
    ck_assert_uint_eq(stats.record_problems, 4);
}
END_TEST

START_TEST(test_deleted_rows)
{
    ck_assert_int_eq(read_plain("deleted.shp"), STEPPE_OK);
    ck_assert_uint_eq(fs.n, 2);
    ck_assert_str_eq(attr(0, "name"), "a");
    ck_assert_str_eq(attr(1, "name"), "c");
    ck_assert_uint_eq(fs.feat[1].record, 2);
    ck_assert_uint_eq(stats.deleted, 1);
}
END_TEST

/* Damages a copy of grid.shp at byte offset `at` with `bytes` and reads it:
 * whatever the damage, the reader must not crash and must name records. */
START_TEST(test_fuzzed_counts)
{
    static const struct {
        long at; /* from the start of record 0's content */
        int32_t value;
    } damage[] = {
        {36, 1 << 30}, /* nparts huge */
        {40, 1 << 30}, /* nvertices huge */
        {36, -5},      /* nparts negative */
        {40, -1},      /* nvertices negative */
        {44, 7},       /* first part start not 0 */
        {0, 31},       /* a MultiPatch record in a polygon file */
        {0, 77},       /* an unknown type */
    };
    const char *dir = tu_tmpdir();
    size_t len = 0;
    char *data = tu_read(fixture("grid.shp"), &len);
    ck_assert_ptr_nonnull(data);
    for (size_t k = 0; k < sizeof damage / sizeof damage[0]; k++) {
        char name[64];
        snprintf(name, sizeof name, "fuzz%zu", k);
        const char *base = tu_join(dir, name);
        char shp[4200], shx[4200];
        snprintf(shp, sizeof shp, "%s.shp", base);
        snprintf(shx, sizeof shx, "%s.shx", base);
        char *copy = malloc(len);
        memcpy(copy, data, len);
        memcpy(copy + 100 + 8 + damage[k].at, &damage[k].value, 4);
        FILE *f = fopen(shp, "wb");
        fwrite(copy, 1, len, f);
        fclose(f);
        free(copy);
        size_t xl = 0;
        char *x = tu_read(fixture("grid.shx"), &xl);
        f = fopen(shx, "wb");
        fwrite(x, 1, xl, f);
        fclose(f);
        free(x);

        st_read_opts opts = {.crs = "EPSG:4326", .stats = &stats};
        tu_log_clear();
        ck_assert_int_eq(st_source_read_shp(ctx, shp, &opts, arena, &fs), STEPPE_OK);
        ck_assert_msg(fs.n == 99, "damage %zu: %zu features", k, fs.n);
        ck_assert_msg(strstr(tu_log(), ": record 0: ") != NULL, "damage %zu: %s", k, tu_log());
        unlink(shp);
        unlink(shx);
    }
    free(data);
    rmdir(dir);
}
END_TEST

/* ---- headers, index, rebuilt index, .cpg, .dbf (damaged copies of grid) ---- */

/* grid.shp: 100 polygon records of 64 words each; record k's 8-byte header
 * is at 100 + 136 k in the .shp, its index entry at 100 + 8 k in the .shx. */
#define GRID_REC(k) (100 + 136 * (k))

/* Copies grid.{shp,shx,dbf,prj,cpg} into a fresh folder as t.*, leaving out
 * the extensions in skip (e.g. "shx"). Returns the path of t.shp. */
static const char *grid_copy(const char *skip)
{
    static const char *const exts[] = {"shp", "shx", "dbf", "prj", "cpg"};
    copy_dir = tu_tmpdir();
    for (size_t i = 0; i < 5; i++) {
        if (skip && strstr(skip, exts[i]))
            continue;
        char src[64], dst[64];
        snprintf(src, sizeof src, "grid.%s", exts[i]);
        snprintf(dst, sizeof dst, "t.%s", exts[i]);
        size_t len = 0;
        char *data = tu_read(fixture(src), &len);
        ck_assert_ptr_nonnull(data);
        FILE *f = fopen(tu_join(copy_dir, dst), "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(data, 1, len, f), len);
        fclose(f);
        free(data);
    }
    return tu_join(copy_dir, "t.shp");
}

/* Removes what grid_copy wrote. */
static void remove_copy(void)
{
    static const char *const names[] = {"t.shp", "t.shx", "t.dbf", "t.prj", "t.cpg"};
    if (!copy_dir)
        return;
    for (size_t i = 0; i < 5; i++)
        unlink(tu_join(copy_dir, names[i]));
    rmdir(copy_dir);
    copy_dir = NULL;
}

/* Overwrites n (1, 2 or 4) bytes at offset at of dir/name with value,
 * big-endian if big. */
static void poke(const char *name, long at, uint32_t value, int n, bool big)
{
    unsigned char b[4];
    for (int i = 0; i < n; i++)
        b[i] = (unsigned char)(value >> (8 * (big ? n - 1 - i : i)));
    FILE *f = fopen(tu_join(copy_dir, name), "r+b");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, at, SEEK_SET), 0);
    ck_assert_uint_eq(fwrite(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
}

static void cut(const char *name, long len)
{
    ck_assert_int_eq(truncate(tu_join(copy_dir, name), len), 0);
}

static void write_bytes(const char *name, const char *data, size_t len)
{
    FILE *f = fopen(tu_join(copy_dir, name), "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
}

static steppe_status_t read_copy(const char *shp)
{
    st_read_opts opts = {.stats = &stats};
    tu_log_clear();
    return st_source_read_shp(ctx, shp, &opts, arena, &fs);
}

/* The 100-byte .shp header: file code 9994 (big-endian at 0), file length
 * in words (big-endian at 24), version 1000 and shape type (little-endian
 * at 28 and 32). */
static const struct {
    long at;
    uint32_t value;
    bool big;
    steppe_status_t status;
    size_t n;         /* features read when status is OK */
    const char *text; /* in the error (failure) or the log (success) */
} header_cases[] = {
    {0, 1234, true, STEPPE_ERR_DATA_CORRUPT, 0, "t.shp: not a Shapefile (file code 1234)"},
    {0, 0, true, STEPPE_ERR_DATA_CORRUPT, 0, "t.shp: not a Shapefile (file code 0)"},
    {32, 77, false, STEPPE_ERR_DATA_CORRUPT, 0, "t.shp: not a Shapefile (shape type 77 in the header)"},
    {32, 31, false, STEPPE_ERR_DATA_UNSUPPORTED, 0, "t.shp: MultiPatch"},
    {28, 999, false, STEPPE_OK, 100, "t.shp: header gives version 999, not 1000; reading it anyway"},
    {24, 100000, true, STEPPE_OK, 100,
     "t.shp: header gives a file length of 200000 bytes, the file has 13700; the 100 records of the .shx "
     "lie inside it; reading them"},
    /* A length one record short: the file's real size decides, and the
     * index is consistent with it: every record is read (as shapelib and
     * pyshp read it). */
    {24, 6850 - 68, true, STEPPE_OK, 100,
     "t.shp: header gives a file length of 13564 bytes, the file has 13700; the 100 records of the .shx "
     "lie inside it; reading them"},
};

START_TEST(test_header_checks)
{
    const char *shp = grid_copy(NULL);
    poke("t.shp", header_cases[_i].at, header_cases[_i].value, 4, header_cases[_i].big);
    steppe_status_t st = read_copy(shp);
    ck_assert_int_eq(st, header_cases[_i].status);
    if (st == STEPPE_OK) {
        ck_assert_uint_eq(fs.n, header_cases[_i].n);
        ck_assert_msg(strstr(tu_log(), header_cases[_i].text) != NULL, "log: %s", tu_log());
    } else {
        ck_assert_msg(strstr(steppe_ctx_last_error(ctx), header_cases[_i].text) != NULL, "error: %s",
                      steppe_ctx_last_error(ctx));
    }
}
END_TEST

/* The .shx: damaged header or entries fail the file, with a one-line message
 * naming the .shp and the record (shapelib's own texts had newlines). */
static const struct {
    long at;          /* <0: cut the .shx to -at bytes instead */
    uint32_t value;   /* big-endian */
    const char *text; /* in the error */
} shx_cases[] = {
    {0, 1234, "t.shp: the .shx is not a Shapefile index (file code 1234)"},
    {24, 2, "t.shp: the .shx header gives a file length of 4 bytes, less than the header itself"},
    {24, 500, "t.shp: the .shx header lists 112 records but the file holds 100; the .shx is cut short"},
    {-50, 0, "t.shp: the .shx is 50 bytes, shorter than its 100-byte header"},
    {-112, 0, "t.shp: the .shx header lists 100 records but the file holds 1; the .shx is cut short"},
    {100 + 8 * 5, (uint32_t)-100, "t.shp: record 5: the .shx gives an impossible offset (-100 words)"},
    {104 + 8 * 5, (uint32_t)-8, "t.shp: record 5: the .shx gives an impossible length (-8 words)"},
    {104 + 8 * 5, 0x7FFFFFFF, "t.shp: record 5: the .shx gives an impossible length (2147483647 words)"},
};

START_TEST(test_shx_checks)
{
    const char *shp = grid_copy(NULL);
    if (shx_cases[_i].at < 0)
        cut("t.shx", -shx_cases[_i].at);
    else
        poke("t.shx", shx_cases[_i].at, shx_cases[_i].value, 4, true);
    ck_assert_int_eq(read_copy(shp), STEPPE_ERR_DATA_CORRUPT);
    const char *err = steppe_ctx_last_error(ctx);
    ck_assert_msg(strstr(err, shx_cases[_i].text) != NULL, "error: %s", err);
    ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

/* No .shx: the index is rebuilt in memory from the record headers. A bad
 * length stops the walk (or, if impossible, fails the file) instead of
 * sending it backwards: shapelib 1.5.0's SHPRestoreSHX looped forever on a
 * negative length, appending to a .shx in $TMPDIR. */
static const struct {
    long at; /* offset in the .shp of the big-endian value; <0: cut the .shp to -at bytes */
    uint32_t value;
    steppe_status_t status;
    size_t n;
    const char *text;
} rebuild_cases[] = {
    {0, 9994, STEPPE_OK, 100, "t.shp: missing .shx, rebuilt from .shp"},
    {GRID_REC(1) + 4, (uint32_t)-8, STEPPE_ERR_DATA_CORRUPT, 0,
     "t.shp: record 1: impossible content length (-8 words) in its header; cannot rebuild the missing .shx"},
    {GRID_REC(1) + 4, 0x7FFFFFFF, STEPPE_ERR_DATA_CORRUPT, 0,
     "t.shp: record 1: impossible content length (2147483647 words)"},
    {GRID_REC(1) + 4, 0, STEPPE_OK, 1,
     "t.shp: record 1: its header gives a content length of 0; the rebuilt index ends before it (1 records)"},
    {GRID_REC(99) + 4, 65, STEPPE_OK, 99,
     "t.shp: record 99: its content runs past the end of the file; the rebuilt index ends before it"},
    {-(GRID_REC(2) + 4), 0, STEPPE_OK, 2,
     "t.shp: record 2: its header is cut short by the end of the file; the rebuilt index ends before it"},
    {-(GRID_REC(3) + 70), 0, STEPPE_OK, 3, "t.shp: record 3: its content runs past the end of the file"},
};

START_TEST(test_rebuilt_index)
{
    const char *tmp = tu_tmpdir();
    char tmpdir[4096];
    snprintf(tmpdir, sizeof tmpdir, "%s", tmp);
    const char *old = getenv("TMPDIR");
    char saved[4096] = "";
    if (old)
        snprintf(saved, sizeof saved, "%s", old);
    setenv("TMPDIR", tmpdir, 1);

    const char *shp = grid_copy("shx");
    if (rebuild_cases[_i].at < 0)
        cut("t.shp", -rebuild_cases[_i].at);
    else
        poke("t.shp", rebuild_cases[_i].at, rebuild_cases[_i].value, 4, true);
    steppe_status_t st = read_copy(shp);
    ck_assert_int_eq(st, rebuild_cases[_i].status);
    if (st == STEPPE_OK) {
        ck_assert_uint_eq(fs.n, rebuild_cases[_i].n);
        ck_assert_uint_eq(stats.records, rebuild_cases[_i].n);
        ck_assert_msg(strstr(tu_log(), rebuild_cases[_i].text) != NULL, "log: %s", tu_log());
    } else {
        ck_assert_msg(strstr(steppe_ctx_last_error(ctx), rebuild_cases[_i].text) != NULL, "error: %s",
                      steppe_ctx_last_error(ctx));
    }
    /* Nothing written: no .shx beside the data, nothing in TMPDIR. */
    ck_assert_int_ne(access(tu_join(copy_dir, "t.shx"), F_OK), 0);
    ck_assert_int_eq(rmdir(tmpdir), 0);
    if (old)
        setenv("TMPDIR", saved, 1);
    else
        unsetenv("TMPDIR");
}
END_TEST

/* .cpg contents: a name must be a short ASCII word before iconv sees it
 * (glibc's iconv_open takes "\xff\xfe" and punctuation); a bad one is shown
 * escaped, with the .cpg named. */
static const struct {
    const char *cpg;
    size_t len;
    const char *encoding;
    const char *warning; /* NULL: no warning about the encoding */
} cpg_cases[] = {
    {"\xff\xfe\x00\x01", 4, "ISO-8859-1",
     "t.cpg: unknown encoding '\\xff\\xfe\\x00\\x01', reading attributes as ISO-8859-1"},
    {"!!!", 3, "ISO-8859-1", "t.cpg: unknown encoding '!!!'"},
    {"it's", 4, "ISO-8859-1", "t.cpg: unknown encoding 'it\\x27s'"},
    {"UTF-8//TRANSLIT", 15, "ISO-8859-1", "t.cpg: unknown encoding 'UTF-8//TRANSLIT'"},
    {"CP12511111111111111111111111111111111111111", 43, "ISO-8859-1", "t.cpg: unknown encoding 'CP1251111"},
    {"KLINGON-42", 10, "ISO-8859-1", "t.cpg: unknown encoding 'KLINGON-42'"},
    {"CP1251\r\n", 8, "CP1251", NULL},
    {"ANSI 1251", 9, "CP1251", NULL},
    {"\xef\xbb\xbfUTF-8", 8, "UTF-8", NULL},
    {"88591", 5, "ISO-8859-1", NULL},
};

START_TEST(test_cpg_names)
{
    const char *shp = grid_copy("cpg");
    write_bytes("t.cpg", cpg_cases[_i].cpg, cpg_cases[_i].len);
    ck_assert_int_eq(read_copy(shp), STEPPE_OK);
    ck_assert_str_eq(stats.encoding, cpg_cases[_i].encoding);
    if (cpg_cases[_i].warning)
        ck_assert_msg(strstr(tu_log(), cpg_cases[_i].warning) != NULL, "log: %s", tu_log());
    else
        ck_assert_msg(strstr(tu_log(), "unknown encoding") == NULL, "log: %s", tu_log());
}
END_TEST

/* A .dbf shapelib cannot open: the reason comes from its header (shapelib
 * 1.5.0 gives none); a row cut short is named. */
static const struct {
    long at;        /* <0: cut the .dbf to -at bytes */
    uint32_t value; /* little-endian uint16 */
    const char *text;
} dbf_cases[] = {
    {-20, 0,
     "t.shp: cannot read the .dbf (20 bytes, shorter than its 32-byte header); features have no attributes"},
    {8, 65000,
     "t.shp: cannot read the .dbf (its header length (65000 bytes) runs past the end of the file ("},
    {8, 20,
     "t.shp: cannot read the .dbf (its header length is 20 bytes, less than the 33 of a header without "
     "fields)"},
    {10, 0, "t.shp: cannot read the .dbf (its row length is 0)"},
};

START_TEST(test_dbf_problems)
{
    const char *shp = grid_copy(NULL);
    if (dbf_cases[_i].at < 0)
        cut("t.dbf", -dbf_cases[_i].at);
    else
        poke("t.dbf", dbf_cases[_i].at, dbf_cases[_i].value, 2, false);
    ck_assert_int_eq(read_copy(shp), STEPPE_OK);
    ck_assert_uint_eq(fs.n, 100);
    ck_assert_msg(strstr(tu_log(), dbf_cases[_i].text) != NULL, "log: %s", tu_log());
}
END_TEST

START_TEST(test_dbf_row_cut_short)
{
    const char *shp = grid_copy(NULL);
    size_t len = 0;
    free(tu_read(tu_join(copy_dir, "t.dbf"), &len));
    cut("t.dbf", (long)len - 5);
    ck_assert_int_eq(read_copy(shp), STEPPE_OK);
    ck_assert_msg(
        strstr(tu_log(), "t.shp: record 99: attributes unreadable (the .dbf ends inside this row)") != NULL,
        "log: %s", tu_log());
}
END_TEST

/* A quiet read (the quick look's) gives no warning; errors as always. */
START_TEST(test_quiet_read)
{
    st_read_opts opts = {.quiet = 1};
    ck_assert_int_eq(read_opts("noshx.shp", &opts), STEPPE_OK);
    ck_assert_uint_eq(fs.n, 2);
    ck_assert_int_eq(read_opts("broken.shp", &opts), STEPPE_OK);
    ck_assert_uint_eq(stats.record_problems, 4); /* counted although not said */
    ck_assert_str_eq(tu_log(), "");
    ck_assert_uint_eq(steppe_ctx_warning_count(ctx), 0);
    ck_assert_int_eq(read_opts("badprj.shp", &opts), STEPPE_ERR_DATA_CORRUPT);
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx), "badprj.prj: PROJ cannot read this CRS"));
}
END_TEST

/* .prj: a BOM is dropped; binary data is named as such. */
START_TEST(test_prj_bytes)
{
    static const char wkt[] =
        "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],"
        "PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]";
    const char *shp = grid_copy("prj");
    char bom[512];
    int n = snprintf(bom, sizeof bom, "\xef\xbb\xbf%s\r\n", wkt);
    write_bytes("t.prj", bom, (size_t)n);
    ck_assert_int_eq(read_copy(shp), STEPPE_OK);
    ck_assert_str_eq(fs.crs, wkt);
    write_bytes("t.prj", "\x00\xff\xfe\x01GEOGCS[\x00", 12);
    ck_assert_int_eq(read_copy(shp), STEPPE_ERR_DATA_CORRUPT);
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx), "t.prj: not a CRS: binary data, not WKT text"));
}
END_TEST

/* ---- bbox, simplify, filter while reading ---------------------------------- */

static const struct {
    double bbox[4];
    size_t n;
} bbox_cases[] = {
    {{0.0, 0.0, 10.0, 10.0}, 100}, /* everything */
    {{0.5, 0.5, 0.6, 0.6}, 1},     /* inside one cell */
    {{2.5, 2.5, 4.5, 3.5}, 6},     /* 3 columns x 2 rows */
    {{3.0, 3.0, 3.0, 3.0}, 4},     /* a shared corner touches four cells */
    {{20.0, 20.0, 30.0, 30.0}, 0}, /* outside */
    {{-5.0, 9.5, 0.5, 20.0}, 1},   /* overlapping the corner cell only */
};

START_TEST(test_bbox_culling)
{
    st_read_opts opts = {.bbox = bbox_cases[_i].bbox};
    ck_assert_int_eq(read_opts("grid.shp", &opts), STEPPE_OK);
    ck_assert_uint_eq(fs.n, bbox_cases[_i].n);
    ck_assert_uint_eq(stats.culled, 100 - bbox_cases[_i].n);
    for (size_t i = 0; i < fs.n; i++) {
        const double *b = fs.feat[i].bbox;
        ck_assert(
            !(b[2] < opts.bbox[0] || b[0] > opts.bbox[2] || b[3] < opts.bbox[1] || b[1] > opts.bbox[3]));
    }
}
END_TEST

static const struct {
    double tol;
    uint32_t max_points; /* of the 1001-point circle (radius 10) */
    uint32_t min_points;
} simplify_cases[] = {
    {0.0, 1001, 1001}, {0.1, 700, 300}, {1.0, 70, 30},
    {5.0, 20, 5},      {100.0, 5, 4}, /* everything within tol: kept as a closed ring of >= 4 */
};

START_TEST(test_simplify)
{
    st_read_opts opts = {.simplify = simplify_cases[_i].tol};
    ck_assert_int_eq(read_opts("dense.shp", &opts), STEPPE_OK);
    ck_assert_uint_eq(fs.n, 3);
    ck_assert_uint_eq(fs.source_vertices, 1001 + 5 + 1001 + 501);
    const st_feature *c = &fs.feat[0];
    ck_assert_uint_le(c->npoints, simplify_cases[_i].max_points);
    ck_assert_uint_ge(c->npoints, simplify_cases[_i].min_points);
    for (size_t i = 0; i < fs.n; i++) {
        const st_feature *g = &fs.feat[i];
        for (uint32_t p = 0; p < g->nparts; p++) {
            uint32_t s = g->parts[p];
            uint32_t e = p + 1 < g->nparts ? g->parts[p + 1] : g->npoints;
            ck_assert_uint_ge(e - s, 4);
            ck_assert_double_eq(g->xy[2 * s], g->xy[2 * (e - 1)]);
            ck_assert_double_eq(g->xy[2 * s + 1], g->xy[2 * (e - 1) + 1]);
        }
    }
    /* The ring with a hole keeps both rings; the tiny island is kept. */
    ck_assert_uint_eq(fs.feat[2].nparts, 2);
    ck_assert_uint_eq(fs.feat[1].nparts, 1);
    ck_assert_double_eq_tol(fs.feat[1].bbox[0], 30.0, 1e-9);
    ck_assert_double_eq_tol(fs.feat[1].bbox[2], 30.001, 1e-9);
}
END_TEST

START_TEST(test_simplify_line)
{
    st_read_opts opts = {.simplify = 0.5};
    ck_assert_int_eq(read_opts("denseline.shp", &opts), STEPPE_OK);
    const st_feature *f = &fs.feat[0];
    ck_assert_uint_lt(f->npoints, 100);
    ck_assert_uint_ge(f->npoints, 2);
    /* First and last vertices are kept exactly. */
    ck_assert_double_eq(f->xy[0], 0.0);
    ck_assert_double_eq_tol(f->xy[2 * (f->npoints - 1)], 19.99, 1e-9);
    /* No kept vertex lies within tol of the previous one in both axes. */
    for (uint32_t i = 1; i + 1 < f->npoints; i++) {
        double dx = fabs(f->xy[2 * i] - f->xy[2 * i - 2]);
        double dy = fabs(f->xy[2 * i + 1] - f->xy[2 * i - 1]);
        ck_assert(dx >= 0.5 || dy >= 0.5);
    }
}
END_TEST

/* Longitude tolerance: a degree of longitude at latitude phi is cos(phi) of
 * one of latitude, so the radial filter may drop points 1/cos farther
 * apart in longitude, judged at the feature's latitude nearest the
 * equator. */
static const struct {
    double lat0, lat1, factor;
} lon_tol_cases[] = {
    {-10, 10, 1},                 /* spans the equator */
    {60, 70, 2},                  /* cos 60 = 1/2 */
    {-70, -60, 2},                /* south alike */
    {0, 45, 1},                   /* touches the equator */
    {45, 80, 1.4142135623730951}, /* cos 45 */
    {89.5, 90, 1},                /* at the pole: no gain */
    {-90, 90, 1},                 /* everything */
};

START_TEST(test_lon_tolerance)
{
    double tol = 0.003;
    ck_assert_double_eq_tol(st_lon_tolerance(tol, lon_tol_cases[_i].lat0, lon_tol_cases[_i].lat1),
                            tol * lon_tol_cases[_i].factor, 1e-12);
}
END_TEST

START_TEST(test_where_while_reading)
{
    const char *v[] = {"even"};
    st_cond conds[2] = {
        {.field = "kind", .op = ST_OP_EQ, .values = v, .nvalues = 1},
        {.field = "row", .op = ST_OP_LT, .num = 3},
    };
    st_filter where = {conds, 2};
    st_read_opts opts = {.where = &where};
    ck_assert_int_eq(read_opts("grid.shp", &opts), STEPPE_OK);
    ck_assert_uint_eq(fs.n, 15);
    ck_assert_uint_eq(stats.filtered, 85);
    for (size_t i = 0; i < fs.n; i++) {
        ck_assert_str_eq(attr(i, "kind"), "even");
        ck_assert_int_lt(atoi(attr(i, "row")), 3);
    }
}
END_TEST

START_TEST(test_where_unknown_field)
{
    const char *v[] = {"x"};
    st_cond cond = {
        .field = "colour", .op = ST_OP_EQ, .values = v, .nvalues = 1, .loc = {"styles/test.yaml", 12, 9}};
    st_filter where = {&cond, 1};
    st_read_opts opts = {.where = &where};
    ck_assert_int_eq(read_opts("grid.shp", &opts), STEPPE_ERR_STYLE_KEY);
    const char *err = steppe_ctx_last_error(ctx);
    ck_assert_ptr_nonnull(strstr(err, "styles/test.yaml:12:9: no field 'colour' in "));
    ck_assert_ptr_nonnull(strstr(err, "grid.shp (fields: id, row, col, kind)"));
}
END_TEST

/* ---- files that are no regular files, files that change under the read ---- */

/* Which file of a grid copy (or a CSV) to replace with a FIFO or a folder.
 * Opening a FIFO for reading waits for a writer: without the check this
 * test blocks until check's timeout kills it. */
static const struct {
    const char *name; /* the file replaced, in the copy */
    bool dir;         /* a folder instead of a FIFO */
    const char *why;  /* the reason in "NAME: cannot open: WHY" */
} special_cases[] = {
    {"t.shp", false, "not a regular file (a FIFO)"},
    {"t.shx", false, "not a regular file (a FIFO)"},
    {"t.dbf", false, "not a regular file (a FIFO)"},
    {"t.prj", false, "not a regular file (a FIFO)"},
    {"t.cpg", false, "not a regular file (a FIFO)"},
    {"t.csv", false, "not a regular file (a FIFO)"},
    {"t.shp", true, "is a directory"},
    {"t.shx", true, "is a directory"},
    {"t.dbf", true, "is a directory"},
    {"t.csv", true, "is a directory"},
};

START_TEST(test_not_regular)
{
    const char *shp = grid_copy(NULL);
    const char *name = special_cases[_i].name;
    const char *path = tu_join(copy_dir, name);
    unlink(path);
    if (special_cases[_i].dir)
        ck_assert_int_eq(mkdir(path, 0755), 0);
    else
        ck_assert_int_eq(mkfifo(path, 0644), 0);
    st_read_opts opts = {.stats = &stats};
    steppe_status_t st = strstr(name, ".csv") ? st_source_read_csv(ctx, path, "lon", "lat", &opts, arena, &fs)
                                              : st_source_read_shp(ctx, shp, &opts, arena, &fs);
    ck_assert_int_eq(st, STEPPE_ERR_DATA_OPEN);
    ck_assert_int_eq(steppe_status_exit_code(st), 1);
    char want[8400];
    snprintf(want, sizeof want, "%s: cannot open: %s", path, special_cases[_i].why);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
    if (special_cases[_i].dir)
        rmdir(path);
    else
        unlink(path);
}
END_TEST

/* The descriptor hook (st_read_opts.opened) truncates the .shp after its
 * size was taken and before a byte of it is read: what another process
 * does to a file under a render. Reading a mapped file there died of
 * SIGBUS; the read must fail with a message instead. */
typedef struct cut_at {
    const char *path;
    off_t size;
} cut_at;

static void truncate_to(void *user, int fd)
{
    const cut_at *c = user;
    (void)fd; /* open read-only: truncated by name, as another process would */
    ck_assert_int_eq(truncate(c->path, c->size), 0);
}

START_TEST(test_truncated_under_the_read)
{
    const char *shp = grid_copy(NULL);
    cut_at to = {shp, 150}; /* the header and part of record 0 */
    st_read_opts opts = {.stats = &stats, .opened = truncate_to, .opened_user = &to};
    ck_assert_int_eq(st_source_read_shp(ctx, shp, &opts, arena, &fs), STEPPE_ERR_DATA_OPEN);
    char want[8400];
    snprintf(want, sizeof want, "%s: cannot read: the file shrank from 13700 to 150 bytes while being read",
             shp);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
}
END_TEST

/* The same with a file larger than the reader's window, cut in its middle:
 * the records before the cut are read, then the read fails. */
START_TEST(test_truncated_big_file)
{
    const char *src = tu_src("shapes/ru_regions.shp");
    if (access(src, R_OK) != 0)
        return;
    copy_dir = tu_tmpdir();
    static const char *const exts[] = {"shp", "shx", "dbf", "prj", "cpg"};
    for (size_t i = 0; i < 5; i++) {
        char from[64], to[64];
        snprintf(from, sizeof from, "shapes/ru_regions.%s", exts[i]);
        snprintf(to, sizeof to, "t.%s", exts[i]);
        size_t len = 0;
        char *data = tu_read(tu_src(from), &len);
        ck_assert_ptr_nonnull(data);
        FILE *f = fopen(tu_join(copy_dir, to), "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(data, 1, len, f), len);
        fclose(f);
        free(data);
    }
    const char *shp = tu_join(copy_dir, "t.shp");
    struct stat sb;
    ck_assert_int_eq(stat(shp, &sb), 0);
    cut_at to = {shp, 5000000};
    st_read_opts opts = {.stats = &stats, .opened = truncate_to, .opened_user = &to};
    ck_assert_int_eq(st_source_read_shp(ctx, shp, &opts, arena, &fs), STEPPE_ERR_DATA_OPEN);
    char want[8400];
    snprintf(want, sizeof want,
             "%s: cannot read: the file shrank from %lld to 5000000 bytes while being read", shp,
             (long long)sb.st_size);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
}
END_TEST

/* ---- the header's length, the real size and the index, against shapelib ---- */

/* Corpus files (tests/corpus/make-corpus.py) whose header length, real
 * size and .shx disagree. steppe must read the records shapelib's own
 * SHPReadObject reads — every record lying whole inside the file — with
 * one warning; records are compared by number and vertex count. */
static const struct {
    const char *name;
    size_t n;            /* features read */
    const char *warning; /* the one warning about the disagreement */
} hdrlen_cases[] = {
    {"hdrlen_short", 3,
     "header gives a file length of 416 bytes, the file has 592; the 3 records of the .shx lie inside it; "
     "reading them"},
    {"hdrlen_zero", 3,
     "header gives a file length of 0 bytes, the file has 592; the 3 records of the .shx lie inside it; "
     "reading them"},
    {"hdrlen_long", 3,
     "header gives a file length of 2097152 bytes, the file has 592; the 3 records of the .shx lie inside "
     "it; reading them"},
    {"hdrlen_short_cut", 2,
     "header gives a file length of 416 bytes, the file has 486; the .shx lists 3 records but the .shp holds "
     "2 of them; reading 2"},
    {"hdrlen_long_cut", 1,
     "header gives a file length of 2097152 bytes, the file has 266; the .shx lists 3 records but the .shp "
     "holds 1 of them; reading 1"},
    {"shx_hole", 2, "the .shx lists 3 records but the .shp holds 2 of them; reading 2"},
    {"shx_offset_outside", 2, "the .shx lists 3 records but the .shp holds 2 of them; reading 2"},
};

static void shapelib_silent(const char *message)
{
    (void)message;
}

START_TEST(test_header_length_vs_shapelib)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.shp", tu_src("tests/corpus/shp"), hdrlen_cases[_i].name);
    st_read_opts opts = {.stats = &stats};
    tu_log_clear();
    ck_assert_int_eq(st_source_read_shp(ctx, path, &opts, arena, &fs), STEPPE_OK);
    ck_assert_uint_eq(fs.n, hdrlen_cases[_i].n);
    char want[8400];
    snprintf(want, sizeof want, "%s: %s", path, hdrlen_cases[_i].warning);
    ck_assert_msg(strstr(tu_log(), want) != NULL, "log: %s", tu_log());
    ck_assert_uint_eq(steppe_ctx_warning_count(ctx), 1);

    /* The peer: shapelib reads each record that lies inside the file. */
    SAHooks hooks;
    SASetupDefaultHooks(&hooks);
    hooks.Error = shapelib_silent;
    SHPHandle h = SHPOpenLL(path, "rb", &hooks);
    ck_assert_ptr_nonnull(h);
    int total = 0;
    SHPGetInfo(h, &total, NULL, NULL, NULL);
    size_t k = 0;
    for (int i = 0; i < total; i++) {
        SHPObject *o = SHPReadObject(h, i);
        if (!o)
            continue;
        if (o->nVertices > 0) {
            ck_assert_msg(k < fs.n, "shapelib reads record %d, steppe did not", i);
            ck_assert_uint_eq(fs.feat[k].record, (uint32_t)i);
            ck_assert_uint_eq(fs.feat[k].npoints, (uint32_t)o->nVertices);
            k++;
        }
        SHPDestroyObject(o);
    }
    SHPClose(h);
    ck_assert_uint_eq(k, fs.n);
}
END_TEST

/* No .shx and a header length short of the file: the index is rebuilt over
 * the real size (as shapelib's SHPRestoreSHX walks it). */
START_TEST(test_header_length_rebuilt)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/hdrlen_short_noshx.shp", tu_src("tests/corpus/shp"));
    st_read_opts opts = {.stats = &stats};
    tu_log_clear();
    ck_assert_int_eq(st_source_read_shp(ctx, path, &opts, arena, &fs), STEPPE_OK);
    ck_assert_uint_eq(fs.n, 3);
    char want[8400];
    snprintf(want, sizeof want,
             "%s: missing .shx, rebuilt from .shp; its header gives a file length of 416 bytes, the file has "
             "592: walking the 592",
             path);
    ck_assert_msg(strstr(tu_log(), want) != NULL, "log: %s", tu_log());
    ck_assert_uint_eq(steppe_ctx_warning_count(ctx), 1);
}
END_TEST

/* ---- CSV ------------------------------------------------------------------- */

START_TEST(test_csv)
{
    st_read_opts opts = {.stats = &stats};
    ck_assert_int_eq(st_source_read_csv(ctx, fixture("places.csv"), "lon", "lat", &opts, arena, &fs),
                     STEPPE_OK);
    ck_assert_int_eq(fs.type, ST_GEOM_POINT);
    ck_assert_str_eq(fs.crs, "EPSG:4326");
    ck_assert_uint_eq(fs.nfields, 4);
    ck_assert_str_eq(fs.fields[0], "name"); /* BOM stripped */
    ck_assert_str_eq(fs.field_types, "CCCC");
    ck_assert_uint_eq(fs.n, 5);
    ck_assert_str_eq(attr(0, "name"), "Москва");
    ck_assert_str_eq(attr(0, "note"), "capital, largest");
    ck_assert_str_eq(attr(1, "name"), "Нижний Новгород");
    ck_assert_str_eq(attr(1, "note"), "the \"lower\" one");
    ck_assert_str_eq(attr(2, "note"), "two\r\nlines");
    ck_assert_str_eq(attr(3, "name"), "Владивосток");
    ck_assert_str_eq(attr(3, "note"), "");
    ck_assert_str_eq(attr(4, "note"), "no newline at end");
    ck_assert_double_eq_tol(fs.feat[4].xy[0], -0.1276, 1e-12);
    ck_assert_double_eq_tol(fs.feat[0].xy[1], 55.7558, 1e-12);
    ck_assert_uint_eq(fs.feat[0].nparts, 1);
    ck_assert_uint_eq(fs.feat[0].npoints, 1);
    /* Line numbers count the line break inside the quoted field. */
    const char *log = tu_log();
    ck_assert_ptr_nonnull(strstr(log, "places.csv:7: bad latitude 'north'"));
    ck_assert_ptr_nonnull(strstr(log, "places.csv:8: bad latitude '95.5'"));
    ck_assert_uint_eq(steppe_ctx_warning_count(ctx), 2);
    ck_assert_uint_eq(stats.skipped, 2);
}
END_TEST

START_TEST(test_csv_rfc4180)
{
    static const struct {
        const char *text;
        size_t n;
        const char *last_name; /* name of the last feature */
        const char *warning;   /* expected in the log, or NULL for none */
    } cases[] = {
        {"name,lon,lat\na,1,2\nb,3,4\n", 2, "b", NULL},
        {"name,lon,lat\r\na,1,2\r\n\r\n", 1, "a", NULL},
        {"name,lon,lat\n\"a,b\",1,2\n", 1, "a,b", NULL},
        {"name,lon,lat\n\"\"\"q\"\"\",1,2\n", 1, "\"q\"", NULL},
        {"name,lon,lat\n\"x\ny\",1,2\nz,abc,2\n", 1, "x\ny", "t.csv:4: bad longitude 'abc'"},
        {"name,lon,lat\n\"open,1,2\n", 0, NULL, "t.csv:2: quoted field not closed"},
        {"name,lon,lat\na,1\n", 0, NULL, "t.csv:2: 2 fields where the header has 3"},
        {"name,lon,lat,extra\na,1,2\n", 1, "a", "t.csv:2: 3 fields where the header has 4"},
        {"name,lon,lat\nbad\xff,1,2\n", 1, "bad\xEF\xBF\xBD", "not valid UTF-8; 1 bytes replaced"},
    };
    const char *dir = tu_tmpdir();
    const char *path = tu_join(dir, "t.csv");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_int_eq(tu_write(path, cases[i].text), 0);
        tu_log_clear();
        st_read_opts opts = {0};
        ck_assert_msg(st_source_read_csv(ctx, path, "lon", "lat", &opts, arena, &fs) == STEPPE_OK,
                      "case %zu: %s", i, steppe_ctx_last_error(ctx));
        ck_assert_msg(fs.n == cases[i].n, "case %zu: %zu features", i, fs.n);
        if (cases[i].last_name)
            ck_assert_str_eq(attr(fs.n - 1, "name"), cases[i].last_name);
        if (cases[i].warning)
            ck_assert_msg(strstr(tu_log(), cases[i].warning) != NULL, "case %zu: log %s", i, tu_log());
        else
            ck_assert_msg(tu_log()[0] == '\0', "case %zu: log %s", i, tu_log());
    }
    unlink(path);
    rmdir(dir);
}
END_TEST

START_TEST(test_csv_errors)
{
    const char *dir = tu_tmpdir();
    const char *path = tu_join(dir, "c.csv");
    st_read_opts opts = {.loc = {"s.yaml", 3, 5}};
    ck_assert_int_eq(tu_write(path, "name,x,y\na,1,2\n"), 0);
    ck_assert_int_eq(st_source_read_csv(ctx, path, "lon", "lat", &opts, arena, &fs), STEPPE_ERR_STYLE_KEY);
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx), "s.yaml:3:5: no column 'lon' in "));
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx), "(columns: name, x, y)"));
    /* Named columns, and a projected CRS where 5e5 is a fine coordinate. */
    opts.crs = "EPSG:3857";
    ck_assert_int_eq(tu_write(path, "name,x,y\na,500000,6000000\n"), 0);
    ck_assert_int_eq(st_source_read_csv(ctx, path, "x", "y", &opts, arena, &fs), STEPPE_OK);
    ck_assert_uint_eq(fs.n, 1);
    ck_assert_str_eq(fs.crs, "EPSG:3857");
    ck_assert_int_eq(tu_write(path, ""), 0);
    ck_assert_int_eq(st_source_read_csv(ctx, path, "x", "y", &opts, arena, &fs), STEPPE_ERR_DATA_CORRUPT);
    unlink(path);
    ck_assert_int_eq(st_source_read_csv(ctx, path, "x", "y", &opts, arena, &fs), STEPPE_ERR_DATA_OPEN);
    rmdir(dir);
}
END_TEST

/* Writes a CSV of a header of ncols columns "lon,lat,c2,c3,..." and nrows
 * rows of row (each followed by a line break) to t.csv; returns its path. */
static const char *wide_csv(size_t ncols, size_t nrows, const char *row)
{
    const char *path = tu_join(copy_dir = tu_tmpdir(), "t.csv");
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("lon,lat", f);
    for (size_t i = 2; i < ncols; i++)
        fprintf(f, ",c%zu", i);
    fputc('\n', f);
    for (size_t r = 0; r < nrows; r++)
        fprintf(f, "%s\n", row);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

static void remove_csv(const char *path)
{
    unlink(path);
    rmdir(copy_dir);
    copy_dir = NULL;
}

START_TEST(test_csv_column_limit)
{
    /* The limit itself reads; one more column fails the file. */
    const char *path = wide_csv(ST_CSV_MAX_COLUMNS, 3, "1,2,x");
    st_read_opts opts = {.stats = &stats};
    ck_assert_int_eq(st_source_read_csv(ctx, path, "lon", "lat", &opts, arena, &fs), STEPPE_OK);
    ck_assert_uint_eq(fs.n, 3);
    ck_assert_uint_eq(fs.nfields, ST_CSV_MAX_COLUMNS);
    remove_csv(path);

    /* The issue's case: 10^6 columns over 600 rows (4.8 GB before). */
    path = wide_csv(1000000, 600, "1,2");
    ck_assert_int_eq(st_source_read_csv(ctx, path, "lon", "lat", &opts, arena, &fs), STEPPE_ERR_DATA_CORRUPT);
    char want[8400];
    snprintf(want, sizeof want, "%s:1: the header has 1000000 columns, more than the 4096 steppe reads",
             path);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
    remove_csv(path);

    /* Few columns, one of them a name of 2 MB. */
    path = tu_join(copy_dir = tu_tmpdir(), "t.csv");
    FILE *g = fopen(path, "wb");
    ck_assert_ptr_nonnull(g);
    fputs("lon,lat,", g);
    for (size_t i = 0; i < 2 * ST_CSV_MAX_RECORD; i++)
        fputc('n', g);
    fputs("\n1,2,3\n", g);
    fclose(g);
    ck_assert_int_eq(st_source_read_csv(ctx, path, "lon", "lat", &opts, arena, &fs), STEPPE_ERR_DATA_CORRUPT);
    snprintf(want, sizeof want, "%s:1: the header row is longer than the 1048576 bytes of a record", path);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
    remove_csv(path);

    /* Short names: under the length limit, over the column limit. */
    path = tu_join(copy_dir = tu_tmpdir(), "t.csv");
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("lon,lat", f);
    for (size_t i = 2; i < 5000; i++)
        fputs(",", f);
    fputs("\n1,2\n", f);
    fclose(f);
    ck_assert_int_eq(st_source_read_csv(ctx, path, "lon", "lat", &opts, arena, &fs), STEPPE_ERR_DATA_CORRUPT);
    snprintf(want, sizeof want, "%s:1: the header has 5000 columns, more than the 4096 steppe reads", path);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
    remove_csv(path);
}
END_TEST

START_TEST(test_csv_long_row)
{
    const char *path = tu_join(copy_dir = tu_tmpdir(), "t.csv");
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("name,lon,lat\na,1,2\n\"", f);
    for (size_t i = 0; i < ST_CSV_MAX_RECORD; i++)
        fputc(i % 1000 == 999 ? '\n' : 'x', f);
    fputs("\",3,4\nb,5,6\n", f);
    fclose(f);
    st_read_opts opts = {.stats = &stats};
    tu_log_clear();
    ck_assert_int_eq(st_source_read_csv(ctx, path, "lon", "lat", &opts, arena, &fs), STEPPE_OK);
    ck_assert_uint_eq(fs.n, 2);
    ck_assert_str_eq(attr(1, "name"), "b");
    ck_assert_uint_eq(stats.skipped, 1);
    char want[8400];
    snprintf(want, sizeof want, "warning: %s:3: row longer than the 1048576 bytes of a record, skipped\n",
             path);
    ck_assert_str_eq(tu_log(), want);
    /* Line numbers after it still count its line breaks (1048 of them). */
    ck_assert_uint_eq(fs.feat[1].record, 2);
    remove_csv(path);
}
END_TEST

START_TEST(test_csv_keep_fields)
{
    const char *path = tu_join(copy_dir = tu_tmpdir(), "t.csv");
    ck_assert_int_eq(tu_write(path, "A,name,LON,b,lat,c\n1,x,10,2,20,3\n4,y,11,5,21,6\n"), 0);
    static const char *const keep[] = {"c", NULL};
    const char *v[] = {"4"};
    st_cond cond = {.field = "a", .op = ST_OP_EQ, .values = v, .nvalues = 1};
    st_filter where = {&cond, 1};
    st_read_opts opts = {.stats = &stats, .keep_fields = keep, .where = &where};
    ck_assert_int_eq(st_source_read_csv(ctx, path, "lon", "lat", &opts, arena, &fs), STEPPE_OK);
    /* lon and lat, the where's column and the caller's, in header order. */
    ck_assert_uint_eq(fs.nfields, 4);
    ck_assert_str_eq(fs.fields[0], "A");
    ck_assert_str_eq(fs.fields[1], "LON");
    ck_assert_str_eq(fs.fields[2], "lat");
    ck_assert_str_eq(fs.fields[3], "c");
    ck_assert_uint_eq(fs.n, 1);
    ck_assert_str_eq(attr(0, "c"), "6");
    ck_assert_str_eq(attr(0, "a"), "4");
    ck_assert_ptr_null(st_feature_attr(&fs, &fs.feat[0], "name"));
    ck_assert_double_eq(fs.feat[0].xy[0], 11);
    /* A name the header lacks (a typo, a joined or derived column) keeps
     * every column, so the message about it can list them all. */
    static const char *const typo[] = {"c", "nmae", NULL};
    opts.keep_fields = typo;
    ck_assert_int_eq(st_source_read_csv(ctx, path, "lon", "lat", &opts, arena, &fs), STEPPE_OK);
    ck_assert_uint_eq(fs.nfields, 6);
    remove_csv(path);
}
END_TEST

/* Without keep_fields, a wide header over short rows stops at the budget:
 * a pointer per column per row would otherwise cost 8 bytes per byte. */
START_TEST(test_csv_budget)
{
    size_t nrows = 200000;
    const char *path = wide_csv(ST_CSV_MAX_COLUMNS, nrows, "1,2");
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    size_t budget = 2 * (size_t)sb.st_size + ST_CSV_TABLE_SLACK;
    size_t per_row = 2 + 2 + (ST_CSV_MAX_COLUMNS - 2) + ST_CSV_MAX_COLUMNS * sizeof(char *);
    size_t line = budget / per_row + 2;
    st_read_opts opts = {.stats = &stats};
    ck_assert_int_eq(st_source_read_csv(ctx, path, "lon", "lat", &opts, arena, &fs), STEPPE_ERR_DATA_CORRUPT);
    char want[8400];
    snprintf(
        want, sizeof want,
        "%s:%zu: the attributes of 4096 columns take more than %zu MiB, twice the file's size plus 64 MiB",
        path, line, budget >> 20);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
    /* With the columns it uses named, the same file reads. */
    static const char *const keep[] = {NULL};
    opts.keep_fields = keep;
    ck_assert_int_eq(st_source_read_csv(ctx, path, "lon", "lat", &opts, arena, &fs), STEPPE_OK);
    ck_assert_uint_eq(fs.n, nrows);
    ck_assert_uint_eq(fs.nfields, 2);
    remove_csv(path);
}
END_TEST

/* A CSV truncated between its size being taken and its read. */
START_TEST(test_csv_truncated_under_the_read)
{
    const char *path = tu_join(copy_dir = tu_tmpdir(), "t.csv");
    ck_assert_int_eq(tu_write(path, "lon,lat\n1,2\n3,4\n"), 0);
    cut_at to = {path, 10};
    st_read_opts opts = {.opened = truncate_to, .opened_user = &to};
    ck_assert_int_eq(st_source_read_csv(ctx, path, "lon", "lat", &opts, arena, &fs), STEPPE_ERR_DATA_OPEN);
    char want[8400];
    snprintf(want, sizeof want, "%s: cannot read: the file shrank to 10 bytes while being read", path);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
    remove_csv(path);
}
END_TEST

/* ---- dispatch ---------------------------------------------------------------- */

START_TEST(test_read_layer)
{
    const char *v[] = {"Якутия", "Москва"};
    st_cond cond = {.field = "name", .op = ST_OP_IN, .values = v, .nvalues = 2};
    st_layer layer = {
        .name = "regions", .kind = ST_LAYER_SHAPEFILE, .source = fixture("cp1251.shp"), .where = {&cond, 1}};
    ck_assert_int_eq(st_source_read_layer(ctx, &layer, NULL, 0.0, arena, &fs), STEPPE_OK);
    ck_assert_uint_eq(fs.n, 2);
    ck_assert_str_eq(attr(0, "name"), "Москва");
    ck_assert_str_eq(attr(1, "name"), "Якутия");

    st_layer csv = {.name = "places", .kind = ST_LAYER_CSV, .source = fixture("places.csv")};
    double bbox[4] = {30.0, 50.0, 50.0, 60.0};
    ck_assert_int_eq(st_source_read_layer(ctx, &csv, bbox, 1.0, arena, &fs), STEPPE_OK);
    ck_assert_uint_eq(fs.n, 2); /* Moscow and Nizhny Novgorod */

    st_layer derived = {.name = "border", .kind = ST_LAYER_SHARED_BOUNDARY, .source = "x"};
    ck_assert_int_eq(st_source_read_layer(ctx, &derived, NULL, 0.0, arena, &fs), STEPPE_ERR_INTERNAL);
}
END_TEST

/* ---- the real data, when present ------------------------------------------- */

START_TEST(test_real_ru_regions)
{
    const char *path = tu_src("shapes/ru_regions.shp");
    if (access(path, R_OK) != 0)
        return;
    st_read_opts opts = {.stats = &stats};
    ck_assert_int_eq(st_source_read_shp(ctx, path, &opts, arena, &fs), STEPPE_OK);
    ck_assert_uint_eq(fs.n, 83);
    ck_assert_uint_eq(stats.skipped, 0);
    ck_assert_uint_gt(fs.source_vertices, 100000);
    ck_assert_int_ge(st_featureset_field(&fs, "name_ru"), 0);
}
END_TEST

static Suite *source_suite(void)
{
    Suite *s = suite_create("source");
    TCase *tc = tcase_create("shp");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_types, 0, sizeof type_cases / sizeof type_cases[0]);
    tcase_add_test(tc, test_polygon_parts);
    tcase_add_test(tc, test_multipatch);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_not_a_shapefile);
    tcase_add_loop_test(tc, test_cyrillic, 0, sizeof enc_cases / sizeof enc_cases[0]);
    tcase_add_test(tc, test_encoding_override);
    tcase_add_test(tc, test_encoding_names);
    tcase_add_test(tc, test_unknown_encoding);
    tcase_add_test(tc, test_invalid_utf8);
    tcase_add_test(tc, test_field_values);
    tcase_add_test(tc, test_no_prj);
    tcase_add_test(tc, test_layer_crs_wins);
    tcase_add_test(tc, test_bad_prj);
    tcase_add_test(tc, test_missing_shx);
    tcase_add_test(tc, test_missing_dbf);
    tcase_add_test(tc, test_count_mismatch);
    tcase_add_test(tc, test_broken_records);
    tcase_add_test(tc, test_deleted_rows);
    tcase_add_test(tc, test_fuzzed_counts);
    tcase_add_loop_test(tc, test_header_checks, 0, sizeof header_cases / sizeof header_cases[0]);
    tcase_add_loop_test(tc, test_shx_checks, 0, sizeof shx_cases / sizeof shx_cases[0]);
    tcase_add_loop_test(tc, test_rebuilt_index, 0, sizeof rebuild_cases / sizeof rebuild_cases[0]);
    tcase_add_loop_test(tc, test_cpg_names, 0, sizeof cpg_cases / sizeof cpg_cases[0]);
    tcase_add_loop_test(tc, test_dbf_problems, 0, sizeof dbf_cases / sizeof dbf_cases[0]);
    tcase_add_test(tc, test_dbf_row_cut_short);
    tcase_add_test(tc, test_quiet_read);
    tcase_add_test(tc, test_prj_bytes);
    tcase_add_loop_test(tc, test_bbox_culling, 0, sizeof bbox_cases / sizeof bbox_cases[0]);
    tcase_add_loop_test(tc, test_simplify, 0, sizeof simplify_cases / sizeof simplify_cases[0]);
    tcase_add_test(tc, test_simplify_line);
    tcase_add_loop_test(tc, test_lon_tolerance, 0, sizeof lon_tol_cases / sizeof lon_tol_cases[0]);
    tcase_add_test(tc, test_where_while_reading);
    tcase_add_test(tc, test_where_unknown_field);
    tcase_add_test(tc, test_real_ru_regions);
    tcase_add_loop_test(tc, test_not_regular, 0, sizeof special_cases / sizeof special_cases[0]);
    tcase_add_test(tc, test_truncated_under_the_read);
    tcase_add_test(tc, test_truncated_big_file);
    tcase_add_loop_test(tc, test_header_length_vs_shapelib, 0, sizeof hdrlen_cases / sizeof hdrlen_cases[0]);
    tcase_add_test(tc, test_header_length_rebuilt);
    suite_add_tcase(s, tc);

    TCase *csv = tcase_create("csv");
    tcase_add_checked_fixture(csv, setup, teardown);
    tcase_add_test(csv, test_csv);
    tcase_add_test(csv, test_csv_rfc4180);
    tcase_add_test(csv, test_csv_errors);
    tcase_add_test(csv, test_read_layer);
    tcase_add_test(csv, test_csv_column_limit);
    tcase_add_test(csv, test_csv_long_row);
    tcase_add_test(csv, test_csv_keep_fields);
    tcase_add_test(csv, test_csv_budget);
    tcase_add_test(csv, test_csv_truncated_under_the_read);
    suite_add_tcase(s, csv);
    return s;
}

int main(void)
{
    return tu_run_suite(source_suite());
}
