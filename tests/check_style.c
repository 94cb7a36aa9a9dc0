/* style.c: YAML → located node tree, extends, overrides. */
#include <check.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* ---- hardening: what a style may be and how much it may expand ----------------- */

/* A growing text buffer for generated styles. */
typedef struct gen {
    char *s;
    size_t len, cap;
} gen;

static void gen_add(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void gen_add(gen *g, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(g->s ? g->s + g->len : NULL, g->s ? g->cap - g->len : 0, fmt, ap);
        va_end(ap);
        if (g->s && (size_t)n < g->cap - g->len) {
            g->len += (size_t)n;
            return;
        }
        g->cap = (g->cap + (size_t)n + 1) * 2;
        g->s = realloc(g->s, g->cap);
        ck_assert_ptr_nonnull(g->s);
    }
}

static steppe_status_t parse_status(const char *text, size_t len)
{
    st_node *root = NULL;
    return st_style_parse(ctx, arena, text, len, "t.yaml", ".", 1, 1, &root);
}

/* A FIFO, a device, a directory: refused after a non-blocking open, as the
 * style and as an extends target. A FIFO without a writer used to block the
 * open forever; /dev/zero read as an empty style. */
START_TEST(test_not_regular)
{
    const char *dir = tu_tmpdir();
    const char *fifo = tu_join(dir, "fifo.yaml");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    static const struct {
        const char *target;
        const char *reason;
    } rows[] = {
        {"fifo.yaml", "not a regular file (a FIFO)"},
        {"/dev/zero", "not a regular file (a character device)"},
        {"/dev/null", "not a regular file (a character device)"},
        {".", "not a regular file (a directory)"},
    };
    char want[PATH_MAX * 3];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *path = rows[i].target[0] == '/' ? rows[i].target : tu_join(dir, rows[i].target);
        read_style(path, NULL, 0, STEPPE_ERR_STYLE_FILE);
        const char *msg = steppe_ctx_last_error(ctx);
        snprintf(want, sizeof want, "%s: cannot open style (resolved: ", path);
        ck_assert_msg(strncmp(msg, want, strlen(want)) == 0, "%s", msg);
        snprintf(want, sizeof want, "): %s", rows[i].reason);
        ck_assert_msg(strlen(msg) > strlen(want) && strcmp(msg + strlen(msg) - strlen(want), want) == 0, "%s",
                      msg);

        const char *child = tu_join(dir, "child.yaml");
        char text[256];
        snprintf(text, sizeof text, "map: {}\nextends: %s\n", rows[i].target);
        ck_assert_int_eq(tu_write(child, text), 0);
        read_style(child, NULL, 0, STEPPE_ERR_STYLE_FILE);
        msg = steppe_ctx_last_error(ctx);
        snprintf(want, sizeof want, "%s:2:10: cannot open '%s' (resolved: ", child, rows[i].target);
        ck_assert_msg(strncmp(msg, want, strlen(want)) == 0, "%s", msg);
        ck_assert_ptr_nonnull(strstr(msg, rows[i].reason));
    }
}
END_TEST

/* Files in /proc are regular but report size 0: the read goes on to the
 * end of what the file gives, so /proc/self/status is read whole (and
 * then refused by the schema), never taken for an empty style. */
START_TEST(test_proc_file_read_whole)
{
    st_node *root = read_style("/proc/self/status", NULL, 0, STEPPE_OK);
    ck_assert_ptr_nonnull(st_node_get(root, "Name"));
    ck_assert_ptr_nonnull(st_node_get(root, "Pid"));
}
END_TEST

/* A file larger than 16 MiB is refused before it is read (a sparse file:
 * reading it would take the time and memory the check avoids). */
START_TEST(test_oversize_file)
{
    const char *dir = tu_tmpdir();
    const char *big = tu_join(dir, "big.yaml");
    FILE *f = fopen(big, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(ftruncate(fileno(f), (16 << 20) + 1), 0);
    fclose(f);
    read_style(big, NULL, 0, STEPPE_ERR_STYLE_FILE);
    ck_assert_ptr_nonnull(
        strstr(steppe_ctx_last_error(ctx), ": larger than 16 MiB, the limit for a style file"));
    const char *child = tu_join(dir, "child.yaml");
    ck_assert_int_eq(tu_write(child, "extends: big.yaml\n"), 0);
    read_style(child, NULL, 0, STEPPE_ERR_STYLE_FILE);
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx), ":1:10: cannot open 'big.yaml'"));
}
END_TEST

/* "400\0garbage" used to read as 400: a NUL from any escape is an error at
 * the scalar (value or key). */
START_TEST(test_nul_escapes)
{
    static const struct {
        const char *text;
        const char *where;
    } rows[] = {
        {"width: \"400\\0garbage\"\n", "1:8"},
        {"width: \"400\\x00garbage\"\n", "1:8"},
        {"width: \"400\\u0000garbage\"\n", "1:8"},
        {"a:\n  b: [x, \"\\0\"]\n", "2:10"},
        {"\"key\\0tail\": 1\n", "1:1"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        ck_assert_int_eq(parse_status(rows[i].text, strlen(rows[i].text)), STEPPE_ERR_STYLE_SYNTAX);
        char want[256];
        snprintf(want, sizeof want,
                 "t.yaml:%s: a NUL character (\\0, \\x00 or \\u0000) is not allowed in a style",
                 rows[i].where);
        ck_assert_str_eq(steppe_ctx_last_error(ctx), want);
    }
    /* A UTF-8 byte order mark is fine. */
    const char utf8[] = "\xef\xbb\xbf"
                        "a: 1\n";
    ck_assert_int_eq(parse_status(utf8, strlen(utf8)), STEPPE_OK);
}
END_TEST

/* Alias expansion is bounded in values and in text, reported at the alias
 * that crosses the limit; the text of every copy counts (a 3 MB string
 * used by 20 aliases used to take 4 GB). */
START_TEST(test_expansion_budget)
{
    gen g = {0};
    /* 1,000 values behind one anchor, 1,001 aliases: past 1,000,000. */
    gen_add(&g, "a: &x [");
    for (int i = 0; i < 1000; i++)
        gen_add(&g, "%s0", i ? "," : "");
    gen_add(&g, "]\nb:\n");
    for (int i = 0; i < 1001; i++)
        gen_add(&g, "  - *x\n");
    ck_assert_int_eq(parse_status(g.s, g.len), STEPPE_ERR_STYLE_SYNTAX);
    /* 1,002 values before the aliases, 1,001 per alias: the 998th crosses. */
    ck_assert_str_eq(steppe_ctx_last_error(ctx),
                     "t.yaml:1000:5: the style expands to more than 1000000 values (limit; an alias used too "
                     "often?)");
    g.len = 0;
    /* 1,000,000 bytes behind one anchor: the 16th alias passes 16 MiB. */
    gen_add(&g, "a: &s ");
    for (int i = 0; i < 1000; i++)
        gen_add(&g, "%0999d ", 0);
    gen_add(&g, "\nb: [*s");
    for (int i = 1; i < 20; i++)
        gen_add(&g, ", *s");
    gen_add(&g, "]\n");
    ck_assert_int_eq(parse_status(g.s, g.len), STEPPE_ERR_STYLE_SYNTAX);
    ck_assert_str_eq(
        steppe_ctx_last_error(ctx),
        "t.yaml:2:65: the style expands to more than 16 MiB of text (limit; an alias used too often?)");
    free(g.s);
}
END_TEST

/* The budget is one for the style, the files it extends and its --set
 * values: 9 MB in the base and 9 MB in the child are refused. */
START_TEST(test_budget_spans_extends_and_overrides)
{
    const char *dir = tu_tmpdir();
    gen g = {0};
    gen_add(&g, "a: ");
    for (int i = 0; i < 9000; i++)
        gen_add(&g, "%0999d ", 0);
    gen_add(&g, "\n");
    ck_assert_int_eq(tu_write(tu_join(dir, "base.yaml"), g.s), 0);
    ck_assert_int_eq(tu_write(tu_join(dir, "one.yaml"), "extends: base.yaml\nlayers: {}\n"), 0);
    read_style(tu_join(dir, "one.yaml"), NULL, 0, STEPPE_OK);
    g.len = 0;
    gen_add(&g, "extends: base.yaml\nb: ");
    for (int i = 0; i < 9000; i++)
        gen_add(&g, "%0999d ", 0);
    gen_add(&g, "\n");
    ck_assert_int_eq(tu_write(tu_join(dir, "child.yaml"), g.s), 0);
    read_style(tu_join(dir, "child.yaml"), NULL, 0, STEPPE_ERR_STYLE_SYNTAX);
    /* The child is read first, so its base crosses the limit. */
    ck_assert_ptr_nonnull(
        strstr(steppe_ctx_last_error(ctx), "base.yaml:1:4: the style expands to more than 16 MiB"));
    /* The same text as an override. */
    g.len = 0;
    gen_add(&g, "c=");
    for (int i = 0; i < 9000; i++)
        gen_add(&g, "%0999d ", 0);
    const char *ov[] = {g.s};
    read_style(tu_join(dir, "one.yaml"), ov, 1, STEPPE_ERR_STYLE_SYNTAX);
    const char *msg = steppe_ctx_last_error(ctx);
    ck_assert_msg(strncmp(msg, "--set c=00000", 13) == 0 && strlen(msg) < 300, "%s", msg);
    ck_assert_ptr_nonnull(strstr(msg, "...:1:3: the style expands to more than 16 MiB"));
    free(g.s);
}
END_TEST

/* 200,000 keys and 100,000 anchors: hashed, not scanned (a linear scan per
 * key took 40 s); a duplicate at the end is still found. Speed itself is
 * checked with a hang guard in tests/cli/style_limits.sh. */
START_TEST(test_many_keys_and_anchors)
{
    gen g = {0};
    for (int i = 0; i < 200000; i++)
        gen_add(&g, "k%d: %d\n", i, i);
    st_node *root = parse(g.s);
    ck_assert_uint_eq(root->n, 200000);
    gen_add(&g, "k5: again\n");
    ck_assert_int_eq(parse_status(g.s, g.len), STEPPE_ERR_STYLE_SYNTAX);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), "t.yaml:200001:1: duplicate key 'k5' (first at line 6)");

    g.len = 0;
    gen_add(&g, "a:\n");
    for (int i = 0; i < 100000; i++)
        gen_add(&g, "  - &a%d v%d\n", i, i);
    gen_add(&g, "b:\n");
    for (int i = 99999; i >= 0; i--)
        gen_add(&g, "  - *a%d\n", i);
    /* An anchor defined again: later aliases use the later node. */
    gen_add(&g, "c: &a7 redefined\nd: *a7\n");
    root = parse(g.s);
    ck_assert_uint_eq(at(root, "b")->n, 100000);
    ck_assert_str_eq(at(root, "b.0")->text, "v99999");
    ck_assert_str_eq(at(root, "b.99999")->text, "v0");
    ck_assert_str_eq(at(root, "d")->text, "redefined");
    free(g.s);
}
END_TEST

/* Merging big mappings (the table path of merge()): base order kept,
 * values replaced in place, new keys appended. */
START_TEST(test_merge_big_mapping)
{
    const char *dir = tu_tmpdir();
    gen g = {0};
    gen_add(&g, "m:\n");
    for (int i = 0; i < 100; i++)
        gen_add(&g, "  k%d: {v: base%d, w: keep}\n", i, i);
    ck_assert_int_eq(tu_write(tu_join(dir, "base.yaml"), g.s), 0);
    g.len = 0;
    gen_add(&g, "extends: base.yaml\nm:\n");
    for (int i = 99; i >= 0; i -= 3)
        gen_add(&g, "  k%d: {v: child%d}\n", i, i);
    gen_add(&g, "  k5: replaced\n  new1: 1\n  new2: 2\n");
    ck_assert_int_eq(tu_write(tu_join(dir, "child.yaml"), g.s), 0);
    st_node *root = read_style(tu_join(dir, "child.yaml"), NULL, 0, STEPPE_OK);
    const st_node *m = at(root, "m");
    ck_assert_uint_eq(m->n, 102);
    int i = 0;
    for (const st_node *c = m->head; c; c = c->next, i++) {
        char key[16];
        snprintf(key, sizeof key, i < 100 ? "k%d" : "new%d", i < 100 ? i : i - 99);
        ck_assert_str_eq(c->key, key);
        if (i == 5) {
            ck_assert_int_eq(c->kind, ST_NODE_SCALAR);
            ck_assert_str_eq(c->text, "replaced");
        } else if (i < 100) {
            char want[16];
            snprintf(want, sizeof want, (99 - i) % 3 == 0 ? "child%d" : "base%d", i);
            ck_assert_str_eq(st_node_get(c, "v")->text, want);
            ck_assert_str_eq(st_node_get(c, "w")->text, "keep");
        }
        if (c->next == NULL)
            ck_assert_ptr_eq(m->tail, c);
    }
    free(g.s);
}
END_TEST

/* Quoted user text: 40 characters, escaped, "..." when cut. */
START_TEST(test_excerpt)
{
    static const struct {
        const char *in, *out;
    } rows[] = {
        {"short", "short"},
        {"0123456789012345678901234567890123456789", "0123456789012345678901234567890123456789"},
        {"01234567890123456789012345678901234567890", "0123456789012345678901234567890123456789..."},
        {"a\nb\tc\x01\x7f", "a\\nb\\tc\\x01\\x7F"},
        {"\xff\xfe ok", "\\xFF\\xFE ok"},
        {"caf\xc3\xa9 \xd0\x9c\xd0\xb8\xd1\x80", "caf\xc3\xa9 \xd0\x9c\xd0\xb8\xd1\x80"},
        {"\xc0\xaf", "\\xC0\\xAF"},          /* overlong */
        {"\xed\xa0\x80", "\\xED\\xA0\\x80"}, /* surrogate */
        {"\xe2\x80\xae"
         "evil",
         "\\u202Eevil"},                                  /* bidi override */
        {"\xc2\x85 \xe2\x80\xa8", "\\u0085 \\u2028"},     /* NEL, line separator */
        {"\xf0\x9f\x97\xba map", "\xf0\x9f\x97\xba map"}, /* U+1F5FA */
        {"\xf4\x90\x80\x80", "\\xF4\\x90\\x80\\x80"},     /* above U+10FFFF */
        {"\xe2\x82", "\\xE2\\x82"},                       /* cut short */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        ck_assert_str_eq(st_excerpt(arena, rows[i].in, 40), rows[i].out);
    char many[200];
    memset(many, '\x01', sizeof many - 1);
    many[sizeof many - 1] = '\0';
    const char *e = st_excerpt(arena, many, 40);
    ck_assert_uint_eq(strlen(e), 40 * 4 + 3);
}
END_TEST

/* An extends naming an unrelated file (here one 2 KB line, a scalar, not a
 * mapping) used to echo it whole; every message that quotes text quotes at
 * most 40 characters. */
START_TEST(test_unrelated_extends_short_message)
{
    const char *dir = tu_tmpdir();
    char line[2100];
    for (size_t i = 0; i < sizeof line - 2; i++)
        line[i] = (char)('a' + i % 26);
    line[sizeof line - 2] = '\n';
    line[sizeof line - 1] = '\0';
    ck_assert_int_eq(tu_write(tu_join(dir, "notes.txt"), line), 0);
    ck_assert_int_eq(tu_write(tu_join(dir, "child.yaml"), "extends: notes.txt\n"), 0);
    read_style(tu_join(dir, "child.yaml"), NULL, 0, STEPPE_ERR_STYLE_TYPE);
    const char *msg = steppe_ctx_last_error(ctx);
    char want[PATH_MAX + 200];
    snprintf(want, sizeof want,
             "%s:1:1: a style is a mapping of keys, got 'abcdefghijklmnopqrstuvwxyzabcdefghijklmn...'",
             tu_join(dir, "notes.txt"));
    ck_assert_str_eq(msg, want);

    /* Keys, anchors and extends values are cut and escaped too. */
    const char *dup = "\"a\\nb\": 1\n\"a\\nb\": 2\n";
    ck_assert_int_eq(parse_status(dup, strlen(dup)), STEPPE_ERR_STYLE_SYNTAX);
    ck_assert_str_eq(steppe_ctx_last_error(ctx), "t.yaml:2:1: duplicate key 'a\\nb' (first at line 1)");
    char text[200];
    snprintf(text, sizeof text, "a: *%.60s\n", line);
    ck_assert_int_eq(parse_status(text, strlen(text)), STEPPE_ERR_STYLE_SYNTAX);
    ck_assert_str_eq(steppe_ctx_last_error(ctx),
                     "t.yaml:1:4: unknown anchor 'abcdefghijklmnopqrstuvwxyzabcdefghijklmn...'");
    ck_assert_int_eq(tu_write(tu_join(dir, "ctl.yaml"), "extends: \"a\\nb.yaml\"\n"), 0);
    read_style(tu_join(dir, "ctl.yaml"), NULL, 0, STEPPE_ERR_STYLE_VALUE);
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx),
                                 ":1:10: extends: a file name without control characters, got 'a\\nb.yaml'"));
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
    tcase_add_test(tc, test_not_regular);
    tcase_add_test(tc, test_proc_file_read_whole);
    tcase_add_test(tc, test_oversize_file);
    tcase_add_test(tc, test_nul_escapes);
    tcase_add_test(tc, test_expansion_budget);
    tcase_add_test(tc, test_budget_spans_extends_and_overrides);
    tcase_add_test(tc, test_many_keys_and_anchors);
    tcase_add_test(tc, test_merge_big_mapping);
    tcase_add_test(tc, test_excerpt);
    tcase_add_test(tc, test_unrelated_extends_short_message);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(style_suite());
}
