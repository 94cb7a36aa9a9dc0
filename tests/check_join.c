/* Attribute joins: the CSV table reader, key matching (exact and numeric),
 * joined columns used as fields, counts, warnings and every error. The
 * fixtures are in tests/fixtures/thematic (make-thematic.py). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "join.h"
#include "source.h"
#include "testutil.h"
#include "thematic.h"

#define DIR "tests/fixtures/thematic/"
enum { ALPHA, BETA, GAMMA, DELTA, EPSILON, ZETA, ETA, THETA, OCTANT, HOLED, NREGIONS };

static const st_loc LOC = {"map.yaml", 12, 9};

typedef struct fixture {
    steppe_ctx_t *ctx;
    st_arena *arena;
    st_featureset fs;
    st_join_spec spec;
    st_join_report rep;
} fixture;

static void fx_init(fixture *fx, const char *table)
{
    memset(fx, 0, sizeof *fx);
    fx->ctx = tu_ctx();
    tu_log_clear();
    fx->arena = st_arena_create(0);
    st_read_opts opts = {0};
    ck_assert_int_eq(st_source_read_shp(fx->ctx, tu_src(DIR "regions.shp"), &opts, fx->arena, &fx->fs),
                     STEPPE_OK);
    ck_assert_int_eq(fx->fs.n, NREGIONS);
    fx->spec.source = tu_src(table);
    fx->spec.source_written = strrchr(table, '/') + 1;
    fx->spec.on = "code";
    fx->spec.key = "key";
    fx->spec.loc = LOC;
}

static void fx_free(fixture *fx)
{
    st_arena_destroy(fx->arena);
    steppe_ctx_destroy(fx->ctx);
}

static steppe_status_t fx_join(fixture *fx)
{
    return st_join_apply(fx->ctx, &fx->spec, &fx->fs, fx->arena, &fx->rep);
}

static const char *attr(fixture *fx, int i, const char *name)
{
    const char *v = st_feature_attr(&fx->fs, &fx->fs.feat[i], name);
    ck_assert_msg(v != NULL, "no field %s", name);
    return v;
}

static void has(const char *text, const char *part)
{
    ck_assert_msg(strstr(text, part) != NULL, "'%s' lacks '%s'", text, part);
}

/* ---- the table reader ------------------------------------------------------ */

START_TEST(test_table_read)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_arena *arena = st_arena_create(0);
    st_table t;
    ck_assert_int_eq(st_table_read(ctx, tu_src(DIR "stats.csv"), 0, LOC, arena, &t), STEPPE_OK);
    ck_assert_uint_eq(t.ncols, 4);
    ck_assert_str_eq(t.cols[0], "key"); /* byte-order mark skipped */
    ck_assert_str_eq(t.cols[3], "note");
    ck_assert_uint_eq(t.nrows, 5);
    ck_assert_str_eq(t.cells[0 * 4 + 1], "One, first");
    ck_assert_str_eq(t.cells[1 * 4 + 3], "line\r\nbreak");
    ck_assert_str_eq(t.cells[2 * 4 + 2], "");
    ck_assert_str_eq(t.cells[3 * 4 + 0], "10");
    /* the line each row starts on: a quoted line break and a blank line
     * move the later ones down */
    static const uint32_t lines[] = {2, 3, 5, 7, 8};
    for (size_t r = 0; r < 5; r++)
        ck_assert_uint_eq(t.line[r], lines[r]);
    ck_assert_int_eq(st_table_col(&t, "Label"), 1);
    ck_assert_int_eq(st_table_col(&t, "nope"), -1);

    ck_assert_int_eq(st_table_read(ctx, tu_src(DIR "semicolon.csv"), ';', LOC, arena, &t), STEPPE_OK);
    ck_assert_uint_eq(t.ncols, 2);
    ck_assert_str_eq(t.cells[1], "1.5");
    ck_assert_int_eq(st_table_read(ctx, tu_src(DIR "header-only.csv"), 0, LOC, arena, &t), STEPPE_OK);
    ck_assert_uint_eq(t.nrows, 0);
    st_arena_destroy(arena);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* Bad tables: file, status, message part. */
static const struct {
    const char *file;
    steppe_status_t st;
    const char *msg;
} bad_tables[] = {
    {"missing.csv", STEPPE_ERR_STYLE_FILE, "map.yaml:12:9: join: cannot open "},
    {"ragged.csv", STEPPE_ERR_DATA_CORRUPT, "ragged.csv:3: 3 cells, but the header (line 1) has 2"},
    {"unterminated.csv", STEPPE_ERR_DATA_CORRUPT, "unterminated.csv:2: a quoted cell is never closed"},
    {"binary.csv", STEPPE_ERR_DATA_CORRUPT, "binary.csv:2: not a text table (a NUL byte)"},
    {"latin1.csv", STEPPE_ERR_DATA_CORRUPT, "latin1.csv:2: not UTF-8 text (byte 0xf6)"},
};

START_TEST(test_table_errors)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_arena *arena = st_arena_create(0);
    st_table t;
    char rel[256];
    snprintf(rel, sizeof rel, DIR "%s", bad_tables[_i].file);
    ck_assert_int_eq(st_table_read(ctx, tu_src(rel), 0, LOC, arena, &t), bad_tables[_i].st);
    has(steppe_ctx_last_error(ctx), bad_tables[_i].msg);
    ck_assert_ptr_null(t.cells);
    st_arena_destroy(arena);
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_table_header_errors)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_arena *arena = st_arena_create(0);
    const char *dir = tu_tmpdir();
    st_table t;
    ck_assert_int_eq(tu_write(tu_join(dir, "empty.csv"), ""), 0);
    ck_assert_int_eq(st_table_read(ctx, tu_join(dir, "empty.csv"), 0, LOC, arena, &t),
                     STEPPE_ERR_DATA_CORRUPT);
    has(steppe_ctx_last_error(ctx), "empty.csv: empty table (no header row)");
    ck_assert_int_eq(tu_write(tu_join(dir, "twice.csv"), "a,b,a\n1,2,3\n"), 0);
    ck_assert_int_eq(st_table_read(ctx, tu_join(dir, "twice.csv"), 0, LOC, arena, &t),
                     STEPPE_ERR_DATA_CORRUPT);
    has(steppe_ctx_last_error(ctx), "twice.csv:1: two columns are called 'a' (1 and 3)");
    ck_assert_int_eq(tu_write(tu_join(dir, "noname.csv"), "a,,c\n1,2,3\n"), 0);
    ck_assert_int_eq(st_table_read(ctx, tu_join(dir, "noname.csv"), 0, LOC, arena, &t),
                     STEPPE_ERR_DATA_CORRUPT);
    has(steppe_ctx_last_error(ctx), "noname.csv:1: column 2 of the header has no name");
    ck_assert_int_eq(tu_write(tu_join(dir, "after.csv"), "a,b\n\"x\"y,2\n"), 0);
    ck_assert_int_eq(st_table_read(ctx, tu_join(dir, "after.csv"), 0, LOC, arena, &t),
                     STEPPE_ERR_DATA_CORRUPT);
    has(steppe_ctx_last_error(ctx), "after.csv:2: text after the closing quote");
    /* the last row without a line end, quotes doubled, blanks trimmed */
    ck_assert_int_eq(tu_write(tu_join(dir, "last.csv"), "a,b\n  x  ,\"say \"\"hi\"\"\""), 0);
    ck_assert_int_eq(st_table_read(ctx, tu_join(dir, "last.csv"), 0, LOC, arena, &t), STEPPE_OK);
    ck_assert_str_eq(t.cells[0], "x");
    ck_assert_str_eq(t.cells[1], "say \"hi\"");
    st_arena_destroy(arena);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* ---- joins ----------------------------------------------------------------- */

START_TEST(test_join_exact)
{
    fixture fx;
    fx_init(&fx, DIR "stats.csv");
    size_t nf = fx.fs.nfields;
    ck_assert_int_eq(fx_join(&fx), STEPPE_OK);
    /* key column not attached; label, share, note are */
    ck_assert_uint_eq(fx.fs.nfields, nf + 3);
    ck_assert_uint_eq(fx.rep.columns, 3);
    ck_assert_uint_eq(fx.rep.rows, 5);
    ck_assert_uint_eq(fx.rep.matched_features, 4);
    ck_assert_uint_eq(fx.rep.unmatched_features, 6);
    ck_assert_uint_eq(fx.rep.unmatched_rows, 1);
    ck_assert_str_eq(fx.rep.first_unmatched_feature, "11");
    ck_assert_str_eq(fx.rep.first_unmatched_row, "77");
    ck_assert_uint_eq(fx.rep.first_unmatched_row_line, 8);
    /* "02" and "2" are two keys */
    ck_assert_str_eq(attr(&fx, ALPHA, "label"), "One, first");
    ck_assert_str_eq(attr(&fx, BETA, "label"), "Two");
    ck_assert_str_eq(attr(&fx, GAMMA, "label"), "Two bare");
    ck_assert_str_eq(attr(&fx, GAMMA, "share"), ""); /* empty cell: no-data */
    ck_assert_str_eq(attr(&fx, DELTA, "share"), "3.5");
    ck_assert_str_eq(attr(&fx, EPSILON, "label"), "");   /* unmatched */
    ck_assert_str_eq(attr(&fx, ALPHA, "name"), "Alpha"); /* old fields stay */
    int fi = st_featureset_field(&fx.fs, "share");
    ck_assert_int_eq(fx.fs.field_types[fi], 'N');
    ck_assert_int_eq(fx.fs.field_types[st_featureset_field(&fx.fs, "note")], 'C');
    /* one warning line each */
    const char *log = tu_log();
    has(log, "map.yaml:12:9: join stats.csv: 6 of 10 features have no row (first: code '11')");
    has(log, "map.yaml:12:9: join stats.csv: 1 of 5 rows match no feature (first: line 8, key '77')");
    fx_free(&fx);
}
END_TEST

START_TEST(test_join_fields_everywhere)
{
    /* A joined column in a filter, a label template and a classification. */
    fixture fx;
    fx_init(&fx, DIR "stats.csv");
    ck_assert_int_eq(fx_join(&fx), STEPPE_OK);
    st_cond cond = {.field = "share", .op = ST_OP_GT, .num = 1};
    st_filter filter = {&cond, 1};
    ck_assert_int_eq(st_filter_check(fx.ctx, &filter, &fx.fs), STEPPE_OK);
    ck_assert(!st_filter_match(&filter, &fx.fs, &fx.fs.feat[ALPHA]));
    ck_assert(st_filter_match(&filter, &fx.fs, &fx.fs.feat[BETA]));
    ck_assert(!st_filter_match(&filter, &fx.fs, &fx.fs.feat[EPSILON]));
    ck_assert_str_eq(st_feature_format(fx.arena, "{name}: {label}", &fx.fs, &fx.fs.feat[ALPHA]),
                     "Alpha: One, first");
    st_thematic_spec spec;
    st_thematic_spec_init(&spec);
    spec.classify.enabled = true;
    spec.classify.field = "share";
    spec.classify.method = ST_CLASS_MANUAL;
    static const double breaks[] = {0, 1, 4};
    spec.classify.breaks = breaks;
    spec.classify.nbreaks = 3;
    st_thematic_result res;
    ck_assert_int_eq(st_thematic_apply(fx.ctx, &spec, &fx.fs, fx.arena, &res), STEPPE_OK);
    ck_assert_int_eq(res.cls[ALPHA], 0);
    ck_assert_int_eq(res.cls[BETA], 1);
    ck_assert_int_eq(res.cls[DELTA], 1);
    ck_assert_int_eq(res.cls[GAMMA], -1);
    ck_assert_uint_eq(res.nodata.count, 7); /* Gamma's empty cell and the six unmatched */
    fx_free(&fx);
}
END_TEST

START_TEST(test_join_numeric_and_several)
{
    fixture fx;
    fx_init(&fx, DIR "numeric.csv");
    /* exact: "1" is not "01", "10.0" is not "10" */
    fx.spec.prefix = "x_";
    ck_assert_int_eq(fx_join(&fx), STEPPE_OK);
    ck_assert_uint_eq(fx.rep.matched_features, 0);
    ck_assert_uint_eq(fx.rep.unmatched_rows, 2);
    /* numeric: they are the same numbers; a second table on the same layer */
    fx.spec.numeric = true;
    fx.spec.prefix = "n_";
    ck_assert_int_eq(fx_join(&fx), STEPPE_OK);
    ck_assert_uint_eq(fx.rep.matched_features, 2);
    ck_assert_uint_eq(fx.rep.unmatched_rows, 0);
    ck_assert_str_eq(attr(&fx, ALPHA, "n_share"), "1.5");
    ck_assert_str_eq(attr(&fx, DELTA, "n_share"), "2");
    ck_assert_str_eq(attr(&fx, ALPHA, "x_share"), "");
    /* numeric matching makes "02" and "2" of stats.csv one key */
    fx.spec.source = tu_src(DIR "stats.csv");
    fx.spec.source_written = "stats.csv";
    fx.spec.prefix = "s_";
    ck_assert_int_eq(fx_join(&fx), STEPPE_ERR_DATA_CORRUPT);
    has(steppe_ctx_last_error(fx.ctx), "stats.csv:5: key '2' repeats the row of ");
    has(steppe_ctx_last_error(fx.ctx), "stats.csv:3");
    /* a failed join leaves the features as they were */
    ck_assert_int_eq(st_featureset_field(&fx.fs, "s_label"), -1);
    fx_free(&fx);
}
END_TEST

START_TEST(test_join_errors)
{
    fixture fx;
    fx_init(&fx, DIR "dup.csv");
    ck_assert_int_eq(steppe_status_exit_code(STEPPE_ERR_DATA_CORRUPT), 1);
    ck_assert_int_eq(fx_join(&fx), STEPPE_ERR_DATA_CORRUPT);
    const char *msg = steppe_ctx_last_error(fx.ctx);
    has(msg, "dup.csv:4: key '01' repeats the row of ");
    has(msg, "dup.csv:2");
    size_t nf = fx.fs.nfields;
    fx_free(&fx);

    fx_init(&fx, DIR "stats.csv");
    fx.spec.on = "cod";
    fx.spec.on_loc = (st_loc){"map.yaml", 13, 20};
    ck_assert_int_eq(fx_join(&fx), STEPPE_ERR_STYLE_KEY);
    has(steppe_ctx_last_error(fx.ctx), "map.yaml:13:20: join: on: no field 'cod' in ");
    has(steppe_ctx_last_error(fx.ctx), "did you mean 'code'?");
    fx.spec.on = "code";
    fx.spec.key = "kee";
    fx.spec.key_loc = (st_loc){"map.yaml", 13, 31};
    ck_assert_int_eq(fx_join(&fx), STEPPE_ERR_STYLE_KEY);
    has(steppe_ctx_last_error(fx.ctx), "map.yaml:13:31: join: key: no field 'kee' in ");
    has(steppe_ctx_last_error(fx.ctx), "stats.csv; did you mean 'key'?");
    ck_assert_uint_eq(fx.fs.nfields, nf);

    fx.spec.key = "key";
    fx.spec.source = tu_src(DIR "clash.csv");
    fx.spec.source_written = "clash.csv";
    ck_assert_int_eq(fx_join(&fx), STEPPE_ERR_STYLE_VALUE);
    has(steppe_ctx_last_error(fx.ctx), "map.yaml:12:9: join clash.csv: column 'pop' would hide field 'pop'");
    fx.spec.prefix = "t_";
    ck_assert_int_eq(fx_join(&fx), STEPPE_OK);
    ck_assert_str_eq(attr(&fx, ALPHA, "t_pop"), "1");
    ck_assert_str_eq(attr(&fx, ALPHA, "pop"), "1000");

    fx.spec.source = tu_src(DIR "missing.csv");
    fx.spec.source_loc = (st_loc){"map.yaml", 13, 16};
    ck_assert_int_eq(fx_join(&fx), STEPPE_ERR_STYLE_FILE);
    ck_assert_int_eq(steppe_status_exit_code(STEPPE_ERR_STYLE_FILE), 2);
    has(steppe_ctx_last_error(fx.ctx), "map.yaml:13:16: join: cannot open ");
    fx_free(&fx);
}
END_TEST

START_TEST(test_join_header_only)
{
    fixture fx;
    fx_init(&fx, DIR "header-only.csv");
    ck_assert_int_eq(fx_join(&fx), STEPPE_OK);
    ck_assert_uint_eq(fx.rep.unmatched_features, NREGIONS);
    ck_assert_str_eq(attr(&fx, ALPHA, "share"), "");
    ck_assert_int_eq(fx.fs.field_types[st_featureset_field(&fx.fs, "share")], 'C');
    has(tu_log(), "10 of 10 features have no row");
    fx_free(&fx);
}
END_TEST

START_TEST(test_join_many_rows)
{
    /* 20,000 rows through the hash table, every tenth matching nothing. */
    fixture fx;
    fx_init(&fx, DIR "stats.csv");
    const char *dir = tu_tmpdir();
    size_t cap = 20000 * 24 + 32;
    char *text = malloc(cap);
    size_t w = (size_t)snprintf(text, cap, "key,v\n");
    for (int r = 0; r < 20000; r++)
        w += (size_t)snprintf(text + w, cap - w, "k%05d,%d\n", r, r * 2);
    ck_assert_int_eq(tu_write(tu_join(dir, "big.csv"), text), 0);
    free(text);
    /* the regions keyed k00000 .. k00009 */
    const char *keys[NREGIONS];
    for (int i = 0; i < NREGIONS; i++)
        keys[i] = st_arena_printf(fx.arena, "k%05d", i * 1999);
    const char *const *cols[] = {keys};
    const char *names[] = {"k"};
    ck_assert(st_featureset_add_columns(&fx.fs, names, NULL, 1, cols, fx.arena));
    fx.spec.source = tu_join(dir, "big.csv");
    fx.spec.on = "k";
    ck_assert_int_eq(fx_join(&fx), STEPPE_OK);
    ck_assert_uint_eq(fx.rep.matched_features, NREGIONS);
    ck_assert_uint_eq(fx.rep.unmatched_rows, 20000 - NREGIONS);
    ck_assert_str_eq(attr(&fx, HOLED, "v"), "35982");
    fx_free(&fx);
}
END_TEST

static Suite *join_suite(void)
{
    Suite *s = suite_create("join");
    TCase *tc = tcase_create("join");
    tcase_add_test(tc, test_table_read);
    tcase_add_loop_test(tc, test_table_errors, 0, (int)(sizeof bad_tables / sizeof bad_tables[0]));
    tcase_add_test(tc, test_table_header_errors);
    tcase_add_test(tc, test_join_exact);
    tcase_add_test(tc, test_join_fields_everywhere);
    tcase_add_test(tc, test_join_numeric_and_several);
    tcase_add_test(tc, test_join_errors);
    tcase_add_test(tc, test_join_header_only);
    tcase_add_test(tc, test_join_many_rows);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(join_suite());
}
