/* style.c: YAML → located node tree, extends, overrides. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "style.h"
#include "testutil.h"

static steppe_ctx_t *ctx;
static st_arena *arena;

static void setup(void)
{
    ctx = tu_ctx();
    arena = st_arena_create(0);
}

static void teardown(void)
{
    st_arena_destroy(arena);
    steppe_ctx_destroy(ctx);
}

static st_node *parse(const char *text)
{
    st_node *root = NULL;
    steppe_status_t rc = st_style_parse(ctx, arena, text, strlen(text), "t.yaml", ".", 1, 1, &root);
    ck_assert_msg(rc == STEPPE_OK, "parse failed: %s", steppe_ctx_last_error(ctx));
    return root;
}

/* Follows a dotted path of keys (sequence items by index). */
static const st_node *at(const st_node *n, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *seg = strtok(buf, "."); seg && n; seg = strtok(NULL, ".")) {
        if (n->kind == ST_NODE_SEQ) {
            int i = atoi(seg);
            n = n->head;
            while (n && i-- > 0)
                n = n->next;
        } else {
            n = st_node_get(n, seg);
        }
    }
    return n;
}

static st_node *read_style(const char *path, const char *const *ov, size_t n, steppe_status_t want)
{
    st_node *root = NULL;
    steppe_status_t rc = st_style_read(ctx, arena, path, ov, n, &root);
    ck_assert_msg(rc == want, "status %d, want %d: %s", rc, want, steppe_ctx_last_error(ctx));
    return root;
}

/* ---- locations -------------------------------------------------------------- */

START_TEST(test_locations)
{
    st_node *root = parse("map:\n"
                          "  width: 800\n"
                          "  crs: \"EPSG:3576\"\n"
                          "layers:\n"
                          "  towns: {source: a.csv, stops: [x, 'y']}\n"
                          "  list:\n"
                          "    - first\n"
                          "    -   second\n");
    static const struct {
        const char *path;
        int key_line, key_col, line, col;
        const char *text;
    } rows[] = {
        {"map", 1, 1, 2, 3, NULL},
        {"map.width", 2, 3, 2, 10, "800"},
        {"map.crs", 3, 3, 3, 8, "EPSG:3576"},
        {"layers.towns", 5, 3, 5, 10, NULL},
        {"layers.towns.source", 5, 11, 5, 19, "a.csv"},
        {"layers.towns.stops", 5, 26, 5, 33, NULL},
        {"layers.towns.stops.1", 0, 0, 5, 37, "y"},
        {"layers.list.0", 0, 0, 7, 7, "first"},
        {"layers.list.1", 0, 0, 8, 9, "second"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const st_node *n = at(root, rows[i].path);
        ck_assert_msg(n != NULL, "%s missing", rows[i].path);
        ck_assert_str_eq(n->loc.file, "t.yaml");
        if (rows[i].key_line) {
            ck_assert_msg(n->key_loc.line == rows[i].key_line && n->key_loc.col == rows[i].key_col,
                          "%s key at %d:%d, want %d:%d", rows[i].path, n->key_loc.line, n->key_loc.col,
                          rows[i].key_line, rows[i].key_col);
        }
        ck_assert_msg(n->loc.line == rows[i].line && n->loc.col == rows[i].col, "%s at %d:%d, want %d:%d",
                      rows[i].path, n->loc.line, n->loc.col, rows[i].line, rows[i].col);
        if (rows[i].text)
            ck_assert_str_eq(n->text, rows[i].text);
    }
    ck_assert(at(root, "map.width")->plain);
    ck_assert(!at(root, "map.crs")->plain);
}
END_TEST

START_TEST(test_order_and_nulls)
{
    st_node *root = parse("zeta: 1\nalpha: ~\nmid: ''\nlast:\n");
    const char *want[] = {"zeta", "alpha", "mid", "last"};
    size_t i = 0;
    for (const st_node *c = root->head; c; c = c->next, i++)
        ck_assert_str_eq(c->key, want[i]);
    ck_assert_uint_eq(i, 4);
    ck_assert_uint_eq(root->n, 4);
    ck_assert(!st_node_is_null(at(root, "zeta")));
    ck_assert(st_node_is_null(at(root, "alpha")));
    ck_assert(!st_node_is_null(at(root, "mid"))); /* quoted empty string is a string */
    ck_assert(st_node_is_null(at(root, "last")));
}
END_TEST

START_TEST(test_alias_is_a_copy)
{
    st_node *root = parse("a: &sym {fill: red}\nb: *sym\n");
    const st_node *a = at(root, "a");
    const st_node *b = at(root, "b");
    ck_assert_ptr_ne(a, b);
    ck_assert_str_eq(at(root, "b.fill")->text, "red");
    ck_assert_int_eq(b->loc.line, 2);
    ck_assert_int_eq(b->loc.col, 4);
}
END_TEST

/* ---- YAML errors: exact FILE:LINE:COL --------------------------------------- */

START_TEST(test_yaml_errors)
{
    static const struct {
        const char *text;
        const char *message; /* after "t.yaml:" */
    } rows[] = {
        {"map:\n  width: 1\n  width: 2\n", "3:3: duplicate key 'width' (first at line 2)"},
        {"a: [1, 2\n", "2:1: did not find expected ',' or ']' (while parsing a flow sequence at 1:4)"},
        {"a: 1\n b: 2\n", "2:3: mapping values are not allowed in this context"},
        {"a: *nope\n", "1:4: unknown anchor 'nope'"},
        {"? [1, 2]\n: x\n", "1:3: a key must be a plain string"},
        {"a: 1\n---\nb: 2\n", "2:1: a style holds one YAML document"},
        {"a: \"tab\\q\"\n", "1:8: found unknown escape character (while parsing a quoted scalar at 1:4)"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        st_node *root = NULL;
        steppe_status_t rc =
            st_style_parse(ctx, arena, rows[i].text, strlen(rows[i].text), "t.yaml", ".", 1, 1, &root);
        char want[256];
        snprintf(want, sizeof want, "t.yaml:%s", rows[i].message);
        ck_assert_msg(rc == STEPPE_ERR_STYLE_SYNTAX, "row %zu: status %d", i, rc);
        ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
    }
}
END_TEST

START_TEST(test_invalid_utf8)
{
    const char text[] = "a: 1\nb: \xff\xfe\n";
    st_node *root = NULL;
    steppe_status_t rc = st_style_parse(ctx, arena, text, strlen(text), "t.yaml", ".", 1, 1, &root);
    ck_assert_int_eq(rc, STEPPE_ERR_STYLE_SYNTAX);
    ck_assert_msg(strncmp(steppe_ctx_last_error(ctx), "t.yaml:2:4: invalid", 19) == 0, "%s",
                  steppe_ctx_last_error(ctx));
}
END_TEST

START_TEST(test_deep_nesting_rejected)
{
    char text[1024] = "a: ";
    for (int i = 0; i < 100; i++)
        strcat(text, "[");
    st_node *root = NULL;
    steppe_status_t rc = st_style_parse(ctx, arena, text, strlen(text), "t.yaml", ".", 1, 1, &root);
    ck_assert_int_eq(rc, STEPPE_ERR_STYLE_SYNTAX);
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx), "nested deeper than 64 levels"));
}
END_TEST

/* ---- extends ------------------------------------------------------------------- */

START_TEST(test_extends_merge)
{
    st_node *root = read_style(tu_src("tests/fixtures/styles/child.yaml"), NULL, 0, STEPPE_OK);
    ck_assert_ptr_null(st_node_get(root, "extends"));
    /* Base keys keep their order, child keys replace values in place. */
    const char *keys[] = {"map", "title", "layers"};
    size_t i = 0;
    for (const st_node *c = root->head; c; c = c->next, i++)
        ck_assert_str_eq(c->key, keys[i]);
    const char *mapkeys[] = {"width", "height", "background", "dpi"};
    i = 0;
    for (const st_node *c = at(root, "map")->head; c; c = c->next, i++)
        ck_assert_str_eq(c->key, mapkeys[i]);
    ck_assert_str_eq(at(root, "map.width")->text, "800");
    ck_assert_str_eq(at(root, "map.height")->text, "700");
    ck_assert_str_eq(at(root, "title.text")->text, "Base title");
    ck_assert_str_eq(at(root, "title.subtitle")->text, "Child subtitle");
    /* Mappings merge deeply; sequences replace. */
    ck_assert_str_eq(at(root, "layers.land.style.fill")->text, "#ffeedd");
    ck_assert_str_eq(at(root, "layers.land.style.stroke")->text, "#999999");
    ck_assert_uint_eq(at(root, "layers.land.style.dash")->n, 4);
    ck_assert_str_eq(at(root, "layers.land.source")->text, "data/dummy.shp");
    const char *layers[] = {"land", "towns", "rivers"};
    i = 0;
    for (const st_node *c = at(root, "layers")->head; c; c = c->next, i++)
        ck_assert_str_eq(c->key, layers[i]);
    /* Every node remembers the file that wrote it. */
    ck_assert_ptr_nonnull(strstr(at(root, "map.width")->loc.file, "styles/base.yaml"));
    ck_assert_ptr_nonnull(strstr(at(root, "map.height")->loc.file, "styles/child.yaml"));
    ck_assert_int_eq(at(root, "map.height")->loc.line, 3);
    ck_assert_int_eq(at(root, "map.height")->loc.col, 11);
}
END_TEST

START_TEST(test_extends_chain_relative)
{
    st_node *root = read_style(tu_src("tests/fixtures/styles/sub/grandchild.yaml"), NULL, 0, STEPPE_OK);
    ck_assert_str_eq(at(root, "title.text")->text, "Grandchild title");
    ck_assert_str_eq(at(root, "title.subtitle")->text, "Child subtitle");
    ck_assert_str_eq(at(root, "title.size")->text, "14");
    ck_assert_str_eq(at(root, "layers.towns.label")->text, "name");
    /* Base-file nodes resolve their paths from the base's folder. */
    const st_node *src = at(root, "layers.towns.source");
    ck_assert_ptr_nonnull(strstr(src->dir, "tests/fixtures/styles/sub/.."));
}
END_TEST

START_TEST(test_extends_missing)
{
    const char *path = tu_src("tests/fixtures/styles/missing-base.yaml");
    read_style(path, NULL, 0, STEPPE_ERR_STYLE_FILE);
    char want[PATH_MAX * 3];
    snprintf(want, sizeof want,
             "%s:2:10: cannot open 'sub/nowhere.yaml' (resolved: %s): No such file or directory", path,
             tu_src("tests/fixtures/styles/sub/nowhere.yaml"));
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
}
END_TEST

START_TEST(test_extends_cycle)
{
    const char *a = tu_src("tests/fixtures/styles/cycle-a.yaml");
    read_style(a, NULL, 0, STEPPE_ERR_STYLE_CYCLE);
    /* Reported at the extends that closes the loop: cycle-b.yaml line 2. */
    const char *msg = steppe_ctx_last_error(ctx);
    const char *b = tu_src("tests/fixtures/styles/cycle-b.yaml");
    char want[PATH_MAX * 4];
    snprintf(want, sizeof want, "%s:2:10: extends 'cycle-a.yaml' forms a cycle: %s -> %s -> %s", b, a, b, a);
    ck_assert_str_eq(msg, want);
}
END_TEST

START_TEST(test_extends_self_and_type)
{
    const char *dir = tu_tmpdir();
    const char *self = tu_join(dir, "self.yaml");
    ck_assert_int_eq(tu_write(self, "map: {}\nextends: self.yaml\n"), 0);
    read_style(self, NULL, 0, STEPPE_ERR_STYLE_CYCLE);
    char want[PATH_MAX * 3];
    snprintf(want, sizeof want, "%s:2:10: extends 'self.yaml' forms a cycle: %s -> %s", self, self, self);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);

    const char *bad = tu_join(dir, "bad.yaml");
    ck_assert_int_eq(tu_write(bad, "extends: [a.yaml]\n"), 0);
    read_style(bad, NULL, 0, STEPPE_ERR_STYLE_TYPE);
    snprintf(want, sizeof want, "%s:1:10: extends: expected a file name, got a list", bad);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);

    const char *list = tu_join(dir, "list.yaml");
    ck_assert_int_eq(tu_write(list, "- a\n- b\n"), 0);
    read_style(list, NULL, 0, STEPPE_ERR_STYLE_TYPE);
    snprintf(want, sizeof want, "%s:1:1: a style is a mapping of keys, got a list", list);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);

    /* An empty file (nothing but blanks) is refused, not read as a style
     * without keys; {} or a comment is how to write one. */
    static const char *const empties[] = {"", "\n", "\n\n  \t\r\n"};
    const char *empty = tu_join(dir, "empty.yaml");
    for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
        ck_assert_int_eq(tu_write(empty, empties[i]), 0);
        read_style(empty, NULL, 0, STEPPE_ERR_STYLE_VALUE);
        snprintf(want, sizeof want, "%s:1:1: an empty file, not a style (write {} for a style without keys)",
                 empty);
        ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
    }
    const char *child = tu_join(dir, "child-of-empty.yaml");
    ck_assert_int_eq(tu_write(child, "map: {}\nextends: empty.yaml\n"), 0);
    read_style(child, NULL, 0, STEPPE_ERR_STYLE_VALUE);
    snprintf(want, sizeof want,
             "%s:2:10: extends 'empty.yaml': %s is an empty file, not a style (write {} for a style without "
             "keys)",
             child, empty);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
    static const char *const keyless[] = {"{}\n", "# nothing\n", "~\n"};
    for (size_t i = 0; i < sizeof keyless / sizeof keyless[0]; i++) {
        ck_assert_int_eq(tu_write(empty, keyless[i]), 0);
        st_node *root = read_style(empty, NULL, 0, STEPPE_OK);
        ck_assert_int_eq(root->kind, ST_NODE_MAP);
        ck_assert_uint_eq(root->n, 0);
    }
}
END_TEST

START_TEST(test_missing_style_file)
{
    read_style("/nonexistent/dir/s.yaml", NULL, 0, STEPPE_ERR_STYLE_FILE);
    ck_assert_str_eq(steppe_ctx_last_error(ctx),
                     "/nonexistent/dir/s.yaml: cannot open style (resolved: /nonexistent/dir/s.yaml): "
                     "No such file or directory");
    read_style(tu_src("tests/fixtures/styles"), NULL, 0, STEPPE_ERR_STYLE_FILE);
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx), ": not a regular file (a directory)"));
}
END_TEST

/* ---- overrides --------------------------------------------------------------- */

START_TEST(test_overrides)
{
    const char *ov[] = {
        "map.width=1024",
        "title.text=\"Quoted: text\"",
        "layers.towns.label=name_ru",
        "layers.land.style.dash=[1, 1]",
        "legend={show: true, title: Key}",
        "layers.land.style={width: 2}",
        "graticule.step=",
    };
    st_node *root =
        read_style(tu_src("tests/fixtures/styles/child.yaml"), ov, sizeof ov / sizeof ov[0], STEPPE_OK);
    ck_assert_str_eq(at(root, "map.width")->text, "1024");
    ck_assert_str_eq(at(root, "map.width")->loc.file, "--set map.width=1024");
    ck_assert_int_eq(at(root, "map.width")->loc.line, 1);
    ck_assert_int_eq(at(root, "map.width")->loc.col, 11);
    ck_assert_int_eq(at(root, "map.width")->key_loc.col, 5);
    ck_assert_str_eq(at(root, "title.text")->text, "Quoted: text");
    ck_assert_str_eq(at(root, "layers.towns.label")->text, "name_ru");
    ck_assert_uint_eq(at(root, "layers.land.style.dash")->n, 2);
    /* A mapping value merges into the mapping already there. */
    ck_assert_str_eq(at(root, "legend.title")->text, "Key");
    ck_assert_str_eq(at(root, "layers.land.style.width")->text, "2");
    ck_assert_str_eq(at(root, "layers.land.style.fill")->text, "#ffeedd");
    /* Intermediate mappings are created; an empty value is null. */
    ck_assert(st_node_is_null(at(root, "graticule.step")));
    ck_assert_int_eq(at(root, "graticule")->kind, ST_NODE_MAP);
}
END_TEST

START_TEST(test_override_sequence_index)
{
    const char *ov[] = {"layers.land.style.dash.1=9"};
    st_node *root = read_style(tu_src("tests/fixtures/styles/base.yaml"), ov, 1, STEPPE_OK);
    ck_assert_str_eq(at(root, "layers.land.style.dash.1")->text, "9");
    ck_assert_str_eq(at(root, "layers.land.style.dash.0")->text, "2");
}
END_TEST

START_TEST(test_override_errors)
{
    static const struct {
        const char *ov;
        steppe_status_t status;
        const char *message;
    } rows[] = {
        {"map.width", STEPPE_ERR_USAGE, "--set map.width:1:1: expected KEY=VALUE, e.g. --set map.width=800"},
        {"=5", STEPPE_ERR_USAGE, "--set =5:1:1: expected KEY=VALUE, e.g. --set map.width=800"},
        {"map..width=5", STEPPE_ERR_USAGE, "--set map..width=5:1:5: empty key in 'map..width'"},
        {"map.width.px=5", STEPPE_ERR_STYLE_TYPE,
         "--set map.width.px=5:1:11: 'map.width' is a value ('800'), not a mapping; cannot set 'px'"},
        {"map.width=[1, 2", STEPPE_ERR_STYLE_SYNTAX,
         "--set map.width=[1, 2:1:16: did not find expected ',' or ']' (while parsing a flow sequence at "
         "1:11)"},
        {"layers.land.style.dash.7=1", STEPPE_ERR_STYLE_TYPE,
         "--set layers.land.style.dash.7=1:1:24: 'layers.land.style.dash' is a list of 2; use an index from "
         "0 to 1, "
         "got '7'"},
        {"extends=x.yaml", STEPPE_ERR_USAGE,
         "--set extends=x.yaml:1:1: extends cannot be overridden; load the other style instead"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *ov[] = {rows[i].ov};
        read_style(tu_src("tests/fixtures/styles/base.yaml"), ov, 1, rows[i].status);
        ck_assert_str_eq(steppe_ctx_last_error(ctx), rows[i].message);
    }
}
END_TEST

/* ---- paths ------------------------------------------------------------------- */

START_TEST(test_paths)
{
    static const struct {
        const char *dir, *rel, *want;
    } rows[] = {
        {"/a/b", "c.shp", "/a/b/c.shp"},
        {"/a/b", "../c.shp", "/a/c.shp"},
        {"/a/b/", "./x/../c.shp", "/a/b/c.shp"},
        {"/a", "/abs/c.shp", "/abs/c.shp"},
        {"/", "../../c", "/c"},
        {"/a//b", "c", "/a/b/c"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        ck_assert_str_eq(st_path_absolute(arena, rows[i].dir, rows[i].rel), rows[i].want);
    char cwd[PATH_MAX];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    char want[PATH_MAX + 16];
    snprintf(want, sizeof want, "%s/x/y.shp", strcmp(cwd, "/") == 0 ? "" : cwd);
    ck_assert_str_eq(st_path_absolute(arena, ".", "x/y.shp"), want);
    ck_assert_str_eq(st_path_join(arena, ".", "a.yaml"), "a.yaml");
    ck_assert_str_eq(st_path_join(arena, "s", "a.yaml"), "s/a.yaml");
}
END_TEST

static Suite *style_suite(void)
{
    Suite *s = suite_create("style");
    TCase *tc = tcase_create("tree");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_locations);
    tcase_add_test(tc, test_order_and_nulls);
    tcase_add_test(tc, test_alias_is_a_copy);
    tcase_add_test(tc, test_yaml_errors);
    tcase_add_test(tc, test_invalid_utf8);
    tcase_add_test(tc, test_deep_nesting_rejected);
    tcase_add_test(tc, test_extends_merge);
    tcase_add_test(tc, test_extends_chain_relative);
    tcase_add_test(tc, test_extends_missing);
    tcase_add_test(tc, test_extends_cycle);
    tcase_add_test(tc, test_extends_self_and_type);
    tcase_add_test(tc, test_missing_style_file);
    tcase_add_test(tc, test_overrides);
    tcase_add_test(tc, test_override_sequence_index);
    tcase_add_test(tc, test_override_errors);
    tcase_add_test(tc, test_paths);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(style_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
