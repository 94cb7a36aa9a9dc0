/* The style stage, part 2: located node tree → validated map model.
 *
 * Two passes over the tree. validate() walks it in document order against
 * the schema (schema.h): unknown keys, wrong types, values out of range, bad
 * colours, CRSs PROJ rejects and missing files are reported at the exact
 * line and column of the offending key or value. build() then reads the
 * values through typed getters that fall back to the schema's defaults, and
 * checks what only the whole map can tell (layer references, required keys,
 * one extent kind). All memory comes from the style's arena. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctx.h"
#include "dynlib.h"
#include "model.h"
#include "schema.h"
#include "style.h"

typedef struct M {
    steppe_ctx_t *ctx;
    st_arena *arena;
    st_map *map;
} M;

/* A place in the tree: the node (NULL when absent or null), its schema
 * pattern and its actual path for messages. */
typedef struct cur {
    const st_node *node;
    const char *pattern;
    const char *path;
} cur;

/* ---- messages --------------------------------------------------------------- */

static steppe_status_t err_at(M *m, steppe_status_t status, st_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static steppe_status_t err_at(M *m, steppe_status_t status, st_loc loc, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!loc.file)
        return st_error(m->ctx, status, "(built-in style): %s", msg);
    return st_error(m->ctx, status, "%s:%d:%d: %s", loc.file, loc.line, loc.col, msg);
}

static void warn_at(M *m, st_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void warn_at(M *m, st_loc loc, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    st_warn(m->ctx, "%s:%d:%d: %s", loc.file ? loc.file : "(built-in style)", loc.line, loc.col, msg);
}

static const char *describe(M *m, const st_node *n)
{
    return st_node_describe(m->arena, n);
}

/* Levenshtein distance (Wagner–Fischer, two rows), for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);
    size_t row0[65];
    size_t row1[65];
    if (la > 64 || lb > 64)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row0[j] = j;
    for (size_t i = 1; i <= la; i++) {
        row1[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = row0[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = row0[j] + 1;
            size_t ins = row1[j - 1] + 1;
            size_t best = sub < del ? sub : del;
            row1[j] = best < ins ? best : ins;
        }
        memcpy(row0, row1, (lb + 1) * sizeof row0[0]);
    }
    return row0[lb];
}

/* Keeps the closest candidate within reach: 2 edits, 1 for short words. */
static void consider(const char *word, const char *cand, const char **best, size_t *best_d)
{
    size_t d = edit_distance(word, cand);
    size_t reach = strlen(word) <= 3 ? 1 : 2;
    if (d <= reach && d < *best_d) {
        *best = cand;
        *best_d = d;
    }
}

/* " (did you mean 'x'?)" or "". Arena storage. */
static const char *hint(M *m, const char *best)
{
    if (!best)
        return "";
    const char *s = st_arena_printf(m->arena, " (did you mean '%s'?)", best);
    return s ? s : "";
}

/* ---- cursors and the schema --------------------------------------------------- */

static cur child(M *m, cur p, const char *key)
{
    cur c;
    const st_node *n = st_node_get(p.node, key);
    c.node = st_node_is_null(n) ? NULL : n;
    c.pattern = p.pattern ? st_arena_printf(m->arena, "%s.%s", p.pattern, key) : key;
    c.path = p.path ? st_arena_printf(m->arena, "%s.%s", p.path, key) : key;
    return c;
}

/* The direct child keys of pattern, for suggestions. */
static const char *suggest_key(const char *pattern, const char *word)
{
    size_t n = 0;
    const st_schema_key *t = st_schema_table(&n);
    size_t pl = pattern ? strlen(pattern) : 0;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        const char *key = t[i].path;
        if (pattern) {
            if (strncmp(key, pattern, pl) != 0 || key[pl] != '.')
                continue;
            key += pl + 1;
        }
        if (strchr(key, '.') || strchr(key, '['))
            continue;
        consider(word, key, &best, &best_d);
    }
    if (best)
        return best;
    /* A key one level too high or low: `dpi` at the top means `map.dpi`,
     * `fill` on a layer means `style.fill`. First row in table order wins. */
    for (size_t i = 0; i < n; i++) {
        const char *key = t[i].path;
        if (pattern) {
            if (strncmp(key, pattern, pl) != 0 || key[pl] != '.')
                continue;
            key += pl + 1;
        }
        const char *dot = strrchr(key, '.');
        if (dot && strcmp(dot + 1, word) == 0 && !strchr(key, '*') && !strchr(key, '['))
            return key;
    }
    return NULL;
}

/* ---- ranges --------------------------------------------------------------------- */

/* A range such as "(0,4800]" or "[0,)": brackets say whether the bound is
 * included, an empty bound is unbounded. */
static bool in_range(const char *range, double v)
{
    if (!range)
        return true;
    char lo_b = range[0];
    const char *comma = strchr(range, ',');
    size_t len = strlen(range);
    if (!comma || len < 3)
        return true;
    char hi_b = range[len - 1];
    const char *lo_s = range + 1;
    const char *hi_s = comma + 1;
    if (lo_s != comma) {
        double lo = strtod(lo_s, NULL);
        if (lo_b == '(' ? !(v > lo) : !(v >= lo))
            return false;
    }
    if (*hi_s != ']' && *hi_s != ')') {
        double hi = strtod(hi_s, NULL);
        if (hi_b == ')' ? !(v < hi) : !(v <= hi))
            return false;
    }
    return true;
}

/* "(0, 4800]" with a space, for messages. */
static const char *range_text(M *m, const char *range)
{
    const char *comma = strchr(range, ',');
    const char *s = st_arena_printf(m->arena, "%.*s, %s", (int)(comma - range), range, comma + 1);
    return s ? s : range;
}

/* ---- scalar conversions ----------------------------------------------------------- */

static steppe_status_t want_scalar(M *m, const st_node *n, const st_schema_key *k, const char *path)
{
    if (n->kind == ST_NODE_SCALAR)
        return STEPPE_OK;
    return err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected %s, got %s", path,
                  st_schema_type_name(k->type), describe(m, n));
}

static bool parse_double(const char *s, double *out)
{
    char *end = NULL;
    while (isspace((unsigned char)*s))
        s++;
    if (!*s)
        return false;
    errno = 0;
    double v = strtod(s, &end);
    while (end && isspace((unsigned char)*end))
        end++;
    if (!end || *end || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static steppe_status_t conv_number(M *m, const st_node *n, const st_schema_key *k, const char *path,
                                   double *out)
{
    steppe_status_t rc = want_scalar(m, n, k, path);
    if (rc != STEPPE_OK)
        return rc;
    double v = 0;
    if (!parse_double(n->text, &v))
        return err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected a number, got '%s'", path, n->text);
    if (!in_range(k->allowed, v))
        return err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc, "%s: expected a number in %s, got %s", path,
                      range_text(m, k->allowed), n->text);
    *out = v;
    return STEPPE_OK;
}

static steppe_status_t conv_int(M *m, const st_node *n, const st_schema_key *k, const char *path, int *out)
{
    steppe_status_t rc = want_scalar(m, n, k, path);
    if (rc != STEPPE_OK)
        return rc;
    char *end = NULL;
    errno = 0;
    long v = strtol(n->text, &end, 10);
    if (!n->text[0] || *end || errno || v < -1000000000L || v > 1000000000L)
        return err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected an integer, got '%s'", path, n->text);
    if (!in_range(k->allowed, (double)v))
        return err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc, "%s: expected an integer in %s, got %s", path,
                      range_text(m, k->allowed), n->text);
    *out = (int)v;
    return STEPPE_OK;
}

static steppe_status_t conv_bool(M *m, const st_node *n, const st_schema_key *k, const char *path, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    steppe_status_t rc = want_scalar(m, n, k, path);
    if (rc != STEPPE_OK)
        return rc;
    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(n->text, yes[i]) == 0) {
            *out = true;
            return STEPPE_OK;
        }
        if (strcasecmp(n->text, no[i]) == 0) {
            *out = false;
            return STEPPE_OK;
        }
    }
    return err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected true or false, got '%s'", path, n->text);
}

/* A canvas length: plain pixels, or a number with a unit converted at dpi
 * and rounded to the nearest pixel (170mm at 300 dpi is 2007.87 → 2008). */
static steppe_status_t conv_length(M *m, const st_node *n, const st_schema_key *k, const char *path,
                                   double dpi, double *px)
{
    static const struct {
        const char *unit;
        double per_inch; /* units per inch; 0 for pixels */
    } units[] = {{"px", 0}, {"mm", 25.4}, {"cm", 2.54}, {"in", 1}, {"pt", 72}};
    steppe_status_t rc = want_scalar(m, n, k, path);
    if (rc != STEPPE_OK)
        return rc;
    const char *s = n->text;
    char *end = NULL;
    double v = strtod(s, &end);
    bool ok = end != s && isfinite(v);
    double out = v;
    if (ok) {
        while (isspace((unsigned char)*end))
            end++;
        if (*end) {
            ok = false;
            for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
                if (strcmp(end, units[i].unit) == 0) {
                    ok = true;
                    out = units[i].per_inch > 0 ? v / units[i].per_inch * dpi : v;
                }
            }
        }
    }
    if (!ok)
        return err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected %s, got '%s'", path,
                      st_schema_type_name(ST_V_LENGTH), s);
    if (dpi <= 0)
        return STEPPE_OK; /* syntax only: the pixel count needs map.dpi */
    out = round(out);
    if (!(out >= 1) || !in_range(k->allowed, out))
        return err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc, "%s: '%s' is %.0f pixels; expected at least 1", path,
                      s, out);
    /* A side longer than this is a typo, not a poster (cairo's own limit is
     * 32767 px; PDF and SVG have none, so the bound is generous). */
    if (out > 1e6)
        return err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc,
                      "%s: '%s' is %.0f pixels; a side of at most 1,000,000 pixels is allowed", path, s, out);
    *px = out;
    return STEPPE_OK;
}

/* ---- colours ------------------------------------------------------------------------ */

static const struct {
    const char *name;
    unsigned rgb;
} colour_names[] = {
    {"black", 0x000000},     {"white", 0xffffff},      {"red", 0xff0000},      {"green", 0x008000},
    {"blue", 0x0000ff},      {"yellow", 0xffff00},     {"cyan", 0x00ffff},     {"aqua", 0x00ffff},
    {"magenta", 0xff00ff},   {"fuchsia", 0xff00ff},    {"gray", 0x808080},     {"grey", 0x808080},
    {"silver", 0xc0c0c0},    {"maroon", 0x800000},     {"olive", 0x808000},    {"lime", 0x00ff00},
    {"teal", 0x008080},      {"navy", 0x000080},       {"purple", 0x800080},   {"orange", 0xffa500},
    {"brown", 0xa52a2a},     {"pink", 0xffc0cb},       {"gold", 0xffd700},     {"beige", 0xf5f5dc},
    {"tan", 0xd2b48c},       {"khaki", 0xf0e68c},      {"darkgray", 0xa9a9a9}, {"darkgrey", 0xa9a9a9},
    {"lightgray", 0xd3d3d3}, {"lightgrey", 0xd3d3d3},  {"darkblue", 0x00008b}, {"lightblue", 0xadd8e6},
    {"darkgreen", 0x006400}, {"lightgreen", 0x90ee90}, {"darkred", 0x8b0000},  {"steelblue", 0x4682b4},
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static st_rgba rgb_of(unsigned v, double a)
{
    st_rgba c = {((v >> 16) & 255) / 255.0, ((v >> 8) & 255) / 255.0, (v & 255) / 255.0, a};
    return c;
}

/* "rgb(r, g, b)" / "rgba(r, g, b, a)": channels 0..255, alpha 0..1. */
static bool parse_rgb_func(const char *s, st_rgba *out)
{
    bool alpha = strncasecmp(s, "rgba(", 5) == 0;
    if (!alpha && strncasecmp(s, "rgb(", 4) != 0)
        return false;
    const char *p = s + (alpha ? 5 : 4);
    double v[4];
    int need = alpha ? 4 : 3;
    for (int i = 0; i < need; i++) {
        char *end = NULL;
        v[i] = strtod(p, &end);
        if (end == p || !isfinite(v[i]))
            return false;
        p = end;
        while (isspace((unsigned char)*p))
            p++;
        if (*p != (i == need - 1 ? ')' : ','))
            return false;
        p++;
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p)
        return false;
    for (int i = 0; i < 3; i++) {
        if (v[i] < 0 || v[i] > 255)
            return false;
    }
    if (alpha && (v[3] < 0 || v[3] > 1))
        return false;
    out->r = v[0] / 255.0;
    out->g = v[1] / 255.0;
    out->b = v[2] / 255.0;
    out->a = alpha ? v[3] : 1.0;
    return true;
}

/* Parses a colour. *none is set for "none" / "transparent" (out is then
 * transparent black). Returns false when s is not a colour. */
static bool parse_colour(const char *s, st_rgba *out, bool *none)
{
    *none = false;
    if (strcasecmp(s, "none") == 0 || strcasecmp(s, "transparent") == 0) {
        *none = true;
        *out = (st_rgba){0, 0, 0, 0};
        return true;
    }
    if (s[0] == '#') {
        size_t len = strlen(s + 1);
        int d[8];
        for (size_t i = 0; i < len && i < 8; i++) {
            d[i] = hexval(s[1 + i]);
            if (d[i] < 0)
                return false;
        }
        if (len == 3 || len == 4) {
            unsigned v = (unsigned)(d[0] * 17) << 16 | (unsigned)(d[1] * 17) << 8 | (unsigned)(d[2] * 17);
            *out = rgb_of(v, len == 4 ? d[3] * 17 / 255.0 : 1.0);
            return true;
        }
        if (len == 6 || len == 8) {
            unsigned v = (unsigned)(d[0] * 16 + d[1]) << 16 | (unsigned)(d[2] * 16 + d[3]) << 8 |
                         (unsigned)(d[4] * 16 + d[5]);
            *out = rgb_of(v, len == 8 ? (d[6] * 16 + d[7]) / 255.0 : 1.0);
            return true;
        }
        return false;
    }
    if (parse_rgb_func(s, out))
        return true;
    for (size_t i = 0; i < sizeof colour_names / sizeof colour_names[0]; i++) {
        if (strcasecmp(s, colour_names[i].name) == 0) {
            *out = rgb_of(colour_names[i].rgb, 1.0);
            return true;
        }
    }
    return false;
}

static steppe_status_t conv_colour(M *m, const st_node *n, const st_schema_key *k, const char *path,
                                   bool *has, st_rgba *out)
{
    steppe_status_t rc = want_scalar(m, n, k, path);
    if (rc != STEPPE_OK)
        return rc;
    bool none = false;
    st_rgba c;
    if (!parse_colour(n->text, &c, &none))
        return err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc,
                      "%s: bad colour '%s' (use #rgb, #rrggbb, #rrggbbaa, rgb(), rgba() or a name)", path,
                      n->text);
    *has = !none;
    *out = c;
    return STEPPE_OK;
}

/* ---- words ------------------------------------------------------------------------------ */

static steppe_status_t conv_enum(M *m, const st_node *n, const st_schema_key *k, const char *path, int *out)
{
    steppe_status_t rc = want_scalar(m, n, k, path);
    if (rc != STEPPE_OK)
        return rc;
    const char *p = k->allowed;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (int i = 0; *p; i++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (strlen(n->text) == len && strncmp(n->text, p, len) == 0) {
            *out = i;
            return STEPPE_OK;
        }
        const char *word = st_arena_strndup(m->arena, p, len);
        if (word)
            consider(n->text, word, &best, &best_d);
        p += len + (bar ? 1 : 0);
    }
    char list[512];
    size_t o = 0;
    for (const char *q = k->allowed; *q && o + 3 < sizeof list; q++) {
        if (*q == '|') {
            list[o++] = ',';
            list[o++] = ' ';
        } else {
            list[o++] = *q;
        }
    }
    list[o] = '\0';
    return err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc, "%s: expected one of %s, got '%s'%s", path, list,
                  n->text, hint(m, best));
}

static steppe_status_t conv_weight(M *m, const st_node *n, const st_schema_key *k, const char *path, int *out)
{
    steppe_status_t rc = want_scalar(m, n, k, path);
    if (rc != STEPPE_OK)
        return rc;
    if (strcmp(n->text, "normal") == 0) {
        *out = 400;
        return STEPPE_OK;
    }
    if (strcmp(n->text, "bold") == 0) {
        *out = 700;
        return STEPPE_OK;
    }
    char *end = NULL;
    long v = strtol(n->text, &end, 10);
    if (end == n->text || *end || v < 100 || v > 900)
        return err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc,
                      "%s: expected normal, bold or a number from 100 to 900, got '%s'", path, n->text);
    *out = (int)v;
    return STEPPE_OK;
}

static steppe_status_t conv_string(M *m, const st_node *n, const st_schema_key *k, const char *path,
                                   const char **out)
{
    steppe_status_t rc = want_scalar(m, n, k, path);
    if (rc != STEPPE_OK)
        return rc;
    *out = n->text; /* already in the arena */
    return STEPPE_OK;
}

/* A list of numbers, each in k's range; at most max of them. */
static steppe_status_t conv_numbers(M *m, const st_node *n, const st_schema_key *k, const char *path,
                                    double *out, size_t max, size_t *count)
{
    if (n->kind != ST_NODE_SEQ)
        return err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected a list of numbers, got %s", path,
                      describe(m, n));
    if (n->n > max)
        return err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc, "%s: expected at most %zu numbers, got %zu", path,
                      max, n->n);
    size_t i = 0;
    for (const st_node *c = n->head; c; c = c->next, i++) {
        double v = 0;
        if (c->kind != ST_NODE_SCALAR || !parse_double(c->text, &v))
            return err_at(m, STEPPE_ERR_STYLE_TYPE, c->loc, "%s[%zu]: expected a number, got %s", path, i,
                          describe(m, c));
        if (!in_range(k->allowed, v))
            return err_at(m, STEPPE_ERR_STYLE_VALUE, c->loc, "%s[%zu]: expected a number in %s, got %s", path,
                          i, range_text(m, k->allowed), c->text);
        if (out)
            out[i] = v;
    }
    if (count)
        *count = n->n;
    return STEPPE_OK;
}

static steppe_status_t conv_strings(M *m, const st_node *n, const char *path, const char ***out,
                                    size_t *count)
{
    if (n->kind != ST_NODE_SEQ)
        return err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected a list of strings, got %s", path,
                      describe(m, n));
    const char **v = st_arena_calloc(m->arena, n->n ? n->n : 1, sizeof *v);
    if (!v)
        return STEPPE_ERR_NOMEM;
    size_t i = 0;
    for (const st_node *c = n->head; c; c = c->next, i++) {
        if (c->kind != ST_NODE_SCALAR)
            return err_at(m, STEPPE_ERR_STYLE_TYPE, c->loc, "%s[%zu]: expected a string, got %s", path, i,
                          describe(m, c));
        v[i] = c->text;
    }
    if (out)
        *out = v;
    if (count)
        *count = n->n;
    return STEPPE_OK;
}

/* Four numbers: an extent. */
static steppe_status_t conv_box(M *m, const st_node *n, const st_schema_key *k, const char *path,
                                double out[4])
{
    size_t count = 0;
    double v[4] = {0, 0, 0, 0};
    steppe_status_t rc = conv_numbers(m, n, k, path, v, 4, &count);
    if (rc != STEPPE_OK)
        return rc;
    if (count != 4)
        return err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc, "%s: expected 4 numbers, got %zu", path, count);
    if (!(v[0] < v[2]) || !(v[1] < v[3]))
        return err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc,
                      "%s: expected min < max on both axes, got [%g, %g, %g, %g]", path, v[0], v[1], v[2],
                      v[3]);
    memcpy(out, v, sizeof v);
    return STEPPE_OK;
}

/* ---- things outside the text: CRS and files -------------------------------------------------- */

static steppe_status_t check_crs(M *m, const st_node *n)
{
    if (st_crs_is_wgs84(n->text))
        return STEPPE_OK;
    steppe_status_t st = st_ctx_need_proj(m->ctx);
    if (st != STEPPE_OK)
        return st;
    PJ *pj = st_ctx_crs(m->ctx, n->text); /* cached: the render reuses it */
    if (!pj)
        return err_at(m, STEPPE_ERR_STYLE_CRS, n->loc, "unknown CRS '%s': %s", n->text,
                      st_proj_errmsg(m->ctx));
    if (!proj_is_crs(pj))
        return err_at(m, STEPPE_ERR_STYLE_CRS, n->loc,
                      "unknown CRS '%s': PROJ reads it as something other than a CRS", n->text);
    return STEPPE_OK;
}

static steppe_status_t check_file(M *m, const st_node *n)
{
    const char *abs = st_path_absolute(m->arena, n->dir, n->text);
    if (!abs)
        return STEPPE_ERR_NOMEM;
    struct stat sb;
    if (stat(abs, &sb) != 0)
        return err_at(m, STEPPE_ERR_STYLE_FILE, n->loc, "cannot open '%s' (resolved: %s): %s", n->text, abs,
                      strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return err_at(m, STEPPE_ERR_STYLE_FILE, n->loc, "cannot open '%s' (resolved: %s): is a directory",
                      n->text, abs);
    return STEPPE_OK;
}

/* ---- filters ------------------------------------------------------------------------------------ */

static const char *const op_names[] = {"eq", "ne", "in", "not-in", "lt", "le", "gt", "ge"};
static const st_cond_op op_codes[] = {ST_OP_EQ, ST_OP_NE, ST_OP_IN, ST_OP_NOT_IN,
                                      ST_OP_LT, ST_OP_LE, ST_OP_GT, ST_OP_GE};

static steppe_status_t filter_cond(M *m, const st_node *v, const char *path, st_cond_op op, st_cond *c)
{
    c->op = op;
    if (op == ST_OP_LT || op == ST_OP_LE || op == ST_OP_GT || op == ST_OP_GE) {
        if (v->kind != ST_NODE_SCALAR || !parse_double(v->text, &c->num))
            return err_at(m, STEPPE_ERR_STYLE_TYPE, v->loc, "%s: expected a number, got %s", path,
                          describe(m, v));
        return STEPPE_OK;
    }
    if (v->kind == ST_NODE_MAP)
        return err_at(m, STEPPE_ERR_STYLE_TYPE, v->loc, "%s: expected a value or a list, got a mapping",
                      path);
    if (v->kind == ST_NODE_SCALAR) {
        c->values = st_arena_calloc(m->arena, 1, sizeof *c->values);
        if (!c->values)
            return STEPPE_ERR_NOMEM;
        c->values[0] = st_node_is_null(v) ? "" : v->text;
        c->nvalues = 1;
        return STEPPE_OK;
    }
    if (op == ST_OP_EQ || op == ST_OP_NE)
        return err_at(m, STEPPE_ERR_STYLE_TYPE, v->loc,
                      "%s: expected a single value, got a list (use in / not-in)", path);
    return conv_strings(m, v, path, &c->values, &c->nvalues);
}

/* A filter: field: value (eq), field: [list] (in), or field: {op: value, ...}. */
static steppe_status_t parse_filter(M *m, const st_node *n, const char *path, st_filter *out)
{
    if (n->kind != ST_NODE_MAP)
        return err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc,
                      "%s: expected a mapping of field names to values, got %s", path, describe(m, n));
    size_t count = 0;
    for (const st_node *f = n->head; f; f = f->next)
        count += f->kind == ST_NODE_MAP ? f->n : 1;
    st_cond *conds = st_arena_calloc(m->arena, count ? count : 1, sizeof *conds);
    if (!conds)
        return STEPPE_ERR_NOMEM;
    size_t i = 0;
    steppe_status_t rc = STEPPE_OK;
    for (const st_node *f = n->head; f && rc == STEPPE_OK; f = f->next) {
        const char *fpath = st_arena_printf(m->arena, "%s.%s", path, f->key);
        if (!fpath)
            return STEPPE_ERR_NOMEM;
        if (f->kind != ST_NODE_MAP) {
            conds[i].field = f->key;
            conds[i].loc = f->key_loc;
            rc = filter_cond(m, f, fpath, f->kind == ST_NODE_SEQ ? ST_OP_IN : ST_OP_EQ, &conds[i]);
            i++;
            continue;
        }
        for (const st_node *o = f->head; o && rc == STEPPE_OK; o = o->next) {
            size_t k = 0;
            const char *best = NULL;
            size_t best_d = (size_t)-1;
            for (k = 0; k < sizeof op_names / sizeof op_names[0]; k++) {
                if (strcmp(o->key, op_names[k]) == 0)
                    break;
                consider(o->key, op_names[k], &best, &best_d);
            }
            if (k == sizeof op_names / sizeof op_names[0])
                return err_at(m, STEPPE_ERR_STYLE_KEY, o->key_loc,
                              "unknown operator '%s' in %s (use eq, ne, lt, le, gt, ge, in or not-in)%s",
                              o->key, fpath, hint(m, best));
            const char *opath = st_arena_printf(m->arena, "%s.%s", fpath, o->key);
            if (!opath)
                return STEPPE_ERR_NOMEM;
            conds[i].field = f->key;
            conds[i].loc = f->key_loc;
            rc = filter_cond(m, o, opath, op_codes[k], &conds[i]);
            i++;
        }
    }
    if (rc != STEPPE_OK)
        return rc;
    if (out) {
        out->conds = conds;
        out->n = i;
    }
    return STEPPE_OK;
}

/* ---- pass 1: validation ---------------------------------------------------------------------------- */

static steppe_status_t validate(M *m, const st_node *n, const char *pattern, const char *path);

static steppe_status_t validate_section(M *m, const st_node *n, const char *pattern, const char *path)
{
    if (n->kind != ST_NODE_MAP)
        return err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected a mapping, got %s",
                      path ? path : "style", describe(m, n));
    for (const st_node *c = n->head; c; c = c->next) {
        const char *cp = pattern ? st_arena_printf(m->arena, "%s.%s", pattern, c->key) : c->key;
        const char *cpath = path ? st_arena_printf(m->arena, "%s.%s", path, c->key) : c->key;
        if (!cp || !cpath)
            return STEPPE_ERR_NOMEM;
        if (!st_schema_find(cp)) {
            const char *where = path ? st_arena_printf(m->arena, "in %s", path) : "at the top level";
            return err_at(m, STEPPE_ERR_STYLE_KEY, c->key_loc, "unknown key '%s' %s%s", c->key,
                          where ? where : "", hint(m, suggest_key(pattern, c->key)));
        }
        steppe_status_t rc = validate(m, c, cp, cpath);
        if (rc != STEPPE_OK)
            return rc;
    }
    return STEPPE_OK;
}

static steppe_status_t validate(M *m, const st_node *n, const char *pattern, const char *path)
{
    const st_schema_key *k = st_schema_find(pattern);
    if (!k)
        return st_error(m->ctx, STEPPE_ERR_INTERNAL, "schema has no row for '%s'", pattern);
    if (st_node_is_null(n))
        return STEPPE_OK;
    steppe_status_t rc = STEPPE_OK;
    switch (k->type) {
    case ST_V_SECTION: return validate_section(m, n, pattern, path);
    case ST_V_LAYERS:
        if (n->kind != ST_NODE_MAP)
            return err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc,
                          "%s: expected a mapping of layer names to layers, got %s", path, describe(m, n));
        for (const st_node *c = n->head; c && rc == STEPPE_OK; c = c->next) {
            const char *cpath = st_arena_printf(m->arena, "%s.%s", path, c->key);
            const char *cpat = st_arena_printf(m->arena, "%s.*", pattern);
            if (!cpath || !cpat)
                return STEPPE_ERR_NOMEM;
            if (c->key[0] == '\0')
                return err_at(m, STEPPE_ERR_STYLE_KEY, c->key_loc, "%s: a layer needs a non-empty name",
                              path);
            rc = validate(m, c, cpat, cpath);
        }
        return rc;
    case ST_V_CLASSES: {
        if (n->kind != ST_NODE_SEQ)
            return err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected a list of classes, got %s", path,
                          describe(m, n));
        size_t i = 0;
        const char *cpat = st_arena_printf(m->arena, "%s[]", pattern);
        for (const st_node *c = n->head; c && rc == STEPPE_OK; c = c->next, i++) {
            const char *cpath = st_arena_printf(m->arena, "%s[%zu]", path, i);
            if (!cpath || !cpat)
                return STEPPE_ERR_NOMEM;
            if (c->kind != ST_NODE_MAP)
                return err_at(m, STEPPE_ERR_STYLE_TYPE, c->loc, "%s: expected a mapping with where:, got %s",
                              cpath, describe(m, c));
            rc = validate(m, c, cpat, cpath);
        }
        return rc;
    }
    case ST_V_TITLE:
    case ST_V_LABEL:
        if (n->kind == ST_NODE_SCALAR)
            return STEPPE_OK;
        if (n->kind == ST_NODE_SEQ)
            return err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc,
                          "%s: expected a field name or a mapping, got a list", path);
        return validate_section(m, n, pattern, path);
    case ST_V_FILTER: return parse_filter(m, n, path, NULL);
    case ST_V_STRING: {
        const char *s = NULL;
        return conv_string(m, n, k, path, &s);
    }
    case ST_V_NUMBER: {
        double v = 0;
        return conv_number(m, n, k, path, &v);
    }
    case ST_V_INT: {
        int v = 0;
        return conv_int(m, n, k, path, &v);
    }
    case ST_V_BOOL: {
        bool v = false;
        return conv_bool(m, n, k, path, &v);
    }
    case ST_V_LENGTH: {
        /* The unit is checked here; the pixel count needs dpi (build()). */
        double v = 0;
        return conv_length(m, n, k, path, 0, &v);
    }
    case ST_V_COLOUR: {
        bool has = false;
        st_rgba c;
        return conv_colour(m, n, k, path, &has, &c);
    }
    case ST_V_CRS: rc = want_scalar(m, n, k, path); return rc == STEPPE_OK ? check_crs(m, n) : rc;
    case ST_V_PATH: rc = want_scalar(m, n, k, path); return rc == STEPPE_OK ? check_file(m, n) : rc;
    case ST_V_ENUM: {
        int v = 0;
        return conv_enum(m, n, k, path, &v);
    }
    case ST_V_WEIGHT: {
        int v = 0;
        return conv_weight(m, n, k, path, &v);
    }
    case ST_V_NUMBERS: return conv_numbers(m, n, k, path, NULL, 64, NULL);
    case ST_V_STRINGS: return conv_strings(m, n, path, NULL, NULL);
    }
    return STEPPE_OK;
}

/* ---- pass 2: typed getters with schema defaults ------------------------------------------------------ */

/* The written value under key, else the schema's default parsed as YAML,
 * else NULL (no default, or one computed by the caller). */
static steppe_status_t lookup(M *m, cur p, const char *key, cur *c, const st_schema_key **k)
{
    *c = child(m, p, key);
    if (!c->pattern || !c->path)
        return STEPPE_ERR_NOMEM;
    *k = st_schema_find(c->pattern);
    if (!*k)
        return st_error(m->ctx, STEPPE_ERR_INTERNAL, "schema has no row for '%s'", c->pattern);
    if (!c->node && (*k)->def && (*k)->def[0] != '(') {
        /* Scalars are taken verbatim ("#333333" would be a YAML comment);
         * list defaults are YAML flow sequences. */
        st_node *d = NULL;
        if ((*k)->type == ST_V_NUMBERS || (*k)->type == ST_V_STRINGS) {
            steppe_status_t rc =
                st_style_parse(m->ctx, m->arena, (*k)->def, strlen((*k)->def), "(default)", ".", 1, 1, &d);
            if (rc != STEPPE_OK)
                return rc;
        } else {
            d = st_arena_calloc(m->arena, 1, sizeof *d);
            if (!d)
                return STEPPE_ERR_NOMEM;
            d->kind = ST_NODE_SCALAR;
            d->text = (*k)->def;
            d->dir = ".";
        }
        c->node = d;
    }
    return STEPPE_OK;
}

/* get_X(m, parent, key, &out): the value of parent's key converted by
 * conv_X, or out untouched when the key is absent (its default stays). */
#define GETTER(name, type, conv)                                                                             \
    static steppe_status_t name(M *m, cur p, const char *key, type *out)                                     \
    {                                                                                                        \
        cur c;                                                                                               \
        const st_schema_key *k;                                                                              \
        steppe_status_t rc = lookup(m, p, key, &c, &k);                                                      \
        return rc != STEPPE_OK || !c.node ? rc : conv(m, c.node, k, c.path, out);                            \
    }
GETTER(get_num, double, conv_number)
GETTER(get_int, int, conv_int)
GETTER(get_bool, bool, conv_bool)
GETTER(get_enum, int, conv_enum)
GETTER(get_weight, int, conv_weight)
GETTER(get_str, const char *, conv_string)
#undef GETTER

static steppe_status_t get_colour(M *m, cur p, const char *key, bool *has, st_rgba *out)
{
    cur c;
    const st_schema_key *k;
    bool h = false;
    steppe_status_t rc = lookup(m, p, key, &c, &k);
    if (rc != STEPPE_OK || !c.node)
        return rc;
    rc = conv_colour(m, c.node, k, c.path, &h, out);
    if (rc == STEPPE_OK && has)
        *has = h;
    return rc;
}

static steppe_status_t get_corner(M *m, cur p, const char *key, st_corner *out)
{
    int v = (int)*out;
    steppe_status_t rc = get_enum(m, p, key, &v);
    *out = (st_corner)v;
    return rc;
}

/* ---- symbols and labels ----------------------------------------------------------------------------- */

/* A key written with a value; a null counts as not written. */
static bool written(const st_node *section, const char *key)
{
    const st_node *n = st_node_get(section, key);
    return n && !st_node_is_null(n);
}

/* Fills a symbol from the section at c. With base NULL every key not
 * written takes the schema default for c's place; with a base (a class
 * refining its layer) only written keys change it. */
static steppe_status_t get_symbol(M *m, cur c, const st_symbol *base, st_symbol *s)
{
    steppe_status_t rc = STEPPE_OK;
    bool inherit = base != NULL;
    if (base)
        *s = *base;
    else
        memset(s, 0, sizeof *s);
#define WRITTEN(key) (!inherit || written(c.node, key))
    if (WRITTEN("fill"))
        rc = get_colour(m, c, "fill", &s->has_fill, &s->fill);
    if (rc == STEPPE_OK && WRITTEN("stroke"))
        rc = get_colour(m, c, "stroke", &s->has_stroke, &s->stroke);
    if (rc == STEPPE_OK && WRITTEN("width"))
        rc = get_num(m, c, "width", &s->width);
    if (rc == STEPPE_OK && WRITTEN("dash")) {
        cur d;
        const st_schema_key *k;
        rc = lookup(m, c, "dash", &d, &k);
        size_t nd = 0;
        if (rc == STEPPE_OK && d.node)
            rc = conv_numbers(m, d.node, k, d.path, s->dash, 8, &nd);
        if (rc == STEPPE_OK && nd % 2 == 1 && d.node)
            rc = err_at(m, STEPPE_ERR_STYLE_VALUE, d.node->loc,
                        "%s: expected pairs of on, off lengths, got %zu numbers", d.path, nd);
        s->ndash = (int)nd;
    }
    if (rc == STEPPE_OK && WRITTEN("join")) {
        int v = (int)s->join;
        rc = get_enum(m, c, "join", &v);
        s->join = (st_join)v;
    }
    if (rc == STEPPE_OK && WRITTEN("cap")) {
        int v = (int)s->cap;
        rc = get_enum(m, c, "cap", &v);
        s->cap = (st_cap)v;
    }
    if (rc == STEPPE_OK && WRITTEN("marker")) {
        int v = (int)s->marker;
        rc = get_enum(m, c, "marker", &v);
        s->marker = (st_marker)v;
    }
    if (rc == STEPPE_OK && WRITTEN("size"))
        rc = get_num(m, c, "size", &s->size);
    if (rc == STEPPE_OK && WRITTEN("opacity"))
        rc = get_num(m, c, "opacity", &s->opacity);
    if (rc == STEPPE_OK && WRITTEN("hatch")) {
        int v = (int)s->hatch;
        rc = get_enum(m, c, "hatch", &v);
        s->hatch = (st_hatch)v;
    }
    if (rc == STEPPE_OK && WRITTEN("hatch-color")) {
        bool has = true;
        rc = get_colour(m, c, "hatch-color", &has, &s->hatch_color);
    }
    if (rc == STEPPE_OK && WRITTEN("hatch-spacing"))
        rc = get_num(m, c, "hatch-spacing", &s->hatch_spacing);
    if (rc == STEPPE_OK && WRITTEN("hatch-width"))
        rc = get_num(m, c, "hatch-width", &s->hatch_width);
    if (rc == STEPPE_OK && WRITTEN("casing"))
        rc = get_colour(m, c, "casing", &s->has_casing, &s->casing);
    if (rc == STEPPE_OK && written(c.node, "casing-width"))
        rc = get_num(m, c, "casing-width", &s->casing_width);
    else if (rc == STEPPE_OK && (!inherit || written(c.node, "width") || written(c.node, "casing")))
        s->casing_width = s->width + 2; /* the documented default, "(width + 2)" */
#undef WRITTEN
    return rc;
}

/* Fills a label. A scalar is shorthand: "name" means text "{name}", and a
 * string that already holds a {field} is the template itself. With base NULL
 * unwritten keys take the defaults; with a base only written keys change. */
static steppe_status_t get_label(M *m, cur c, const st_label *base, st_label *l)
{
    steppe_status_t rc = STEPPE_OK;
    bool inherit = base != NULL;
    if (base)
        *l = *base;
    else
        memset(l, 0, sizeof *l);
    if (c.node && c.node->kind == ST_NODE_SCALAR) {
        const char *t = c.node->text;
        l->text = strchr(t, '{') || !*t ? t : st_arena_printf(m->arena, "{%s}", t);
        if (!l->text)
            return STEPPE_ERR_NOMEM;
        if (inherit)
            goto done;
        c.node = NULL; /* the remaining keys take their defaults */
    }
#define WRITTEN(key) (!inherit || written(c.node, key))
    if (WRITTEN("text"))
        rc = get_str(m, c, "text", &l->text);
    if (rc == STEPPE_OK && WRITTEN("font"))
        rc = get_str(m, c, "font", &l->font);
    if (rc == STEPPE_OK && WRITTEN("size"))
        rc = get_num(m, c, "size", &l->size);
    if (rc == STEPPE_OK && WRITTEN("weight"))
        rc = get_weight(m, c, "weight", &l->weight);
    if (rc == STEPPE_OK && WRITTEN("italic"))
        rc = get_bool(m, c, "italic", &l->italic);
    if (rc == STEPPE_OK && WRITTEN("uppercase"))
        rc = get_bool(m, c, "uppercase", &l->uppercase);
    if (rc == STEPPE_OK && WRITTEN("letter-spacing"))
        rc = get_num(m, c, "letter-spacing", &l->letter_spacing);
    if (rc == STEPPE_OK && WRITTEN("color"))
        rc = get_colour(m, c, "color", NULL, &l->color);
    if (rc == STEPPE_OK && WRITTEN("halo"))
        rc = get_colour(m, c, "halo", NULL, &l->halo);
    if (rc == STEPPE_OK && WRITTEN("halo-width"))
        rc = get_num(m, c, "halo-width", &l->halo_width);
    if (rc == STEPPE_OK && WRITTEN("priority"))
        rc = get_int(m, c, "priority", &l->priority);
    if (rc == STEPPE_OK && WRITTEN("placement")) {
        int v = (int)l->placement;
        rc = get_enum(m, c, "placement", &v);
        l->placement = (st_placement)v;
    }
    if (rc == STEPPE_OK && WRITTEN("offset"))
        rc = get_num(m, c, "offset", &l->offset);
    if (rc == STEPPE_OK && WRITTEN("min-area"))
        rc = get_num(m, c, "min-area", &l->min_area);
    if (rc == STEPPE_OK && WRITTEN("outside"))
        rc = get_bool(m, c, "outside", &l->outside);
#undef WRITTEN
done:
    l->enabled = l->text && l->text[0];
    return rc;
}

static steppe_status_t get_text_style(M *m, cur c, const char *size_key, st_text_style *t)
{
    memset(t, 0, sizeof *t);
    t->weight = 400;
    steppe_status_t rc = get_num(m, c, size_key, &t->size);
    if (rc == STEPPE_OK)
        rc = get_colour(m, c, "color", NULL, &t->color);
    /* Not every text block has its own font (the graticule's has none). */
    const char *font_key = st_arena_printf(m->arena, "%s.font", c.pattern);
    if (!font_key)
        return STEPPE_ERR_NOMEM;
    if (rc == STEPPE_OK && st_schema_find(font_key))
        rc = get_str(m, c, "font", &t->font);
    return rc;
}

/* ---- layers -------------------------------------------------------------------------------------------- */

static bool has_ext(const char *path, const char *ext)
{
    size_t lp = strlen(path);
    size_t le = strlen(ext);
    return lp > le && strcasecmp(path + lp - le, ext) == 0;
}

static const char *const kind_names[] = {"shapefile", "csv", "shared-boundary", "route"};

static steppe_status_t get_filter(M *m, cur p, const char *key, st_filter *out)
{
    cur c = child(m, p, key);
    if (!c.path)
        return STEPPE_ERR_NOMEM;
    if (!c.node)
        return STEPPE_OK;
    return parse_filter(m, c.node, c.path, out);
}

static steppe_status_t missing(M *m, const st_layer *L, const char *key, const char *why)
{
    return err_at(m, STEPPE_ERR_STYLE_KEY, L->loc, "layers.%s: missing key '%s' (%s)", L->name, key, why);
}

/* Warns about keys written for another kind of layer; they would be ignored. */
static void warn_unused(M *m, cur lc, const st_layer *L)
{
    static const struct {
        const char *key;
        unsigned kinds; /* bit per st_layer_kind where the key applies */
    } only[] = {
        {"source", 1u << ST_LAYER_SHAPEFILE | 1u << ST_LAYER_CSV},
        {"crs", 1u << ST_LAYER_SHAPEFILE | 1u << ST_LAYER_CSV},
        {"encoding", 1u << ST_LAYER_SHAPEFILE | 1u << ST_LAYER_CSV},
        {"lon", 1u << ST_LAYER_CSV},
        {"lat", 1u << ST_LAYER_CSV},
        {"of", 1u << ST_LAYER_SHARED_BOUNDARY | 1u << ST_LAYER_ROUTE},
        {"a", 1u << ST_LAYER_SHARED_BOUNDARY},
        {"b", 1u << ST_LAYER_SHARED_BOUNDARY},
        {"stop-field", 1u << ST_LAYER_ROUTE},
        {"stops", 1u << ST_LAYER_ROUTE},
    };
    for (size_t i = 0; i < sizeof only / sizeof only[0]; i++) {
        const st_node *n = st_node_get(lc.node, only[i].key);
        if (n && !(only[i].kinds & (1u << L->kind)))
            warn_at(m, n->key_loc, "layers.%s.%s: ignored for a %s layer", L->name, only[i].key,
                    kind_names[L->kind]);
    }
}

static steppe_status_t build_layer(M *m, const st_node *ln, st_layer *L)
{
    cur lc = {ln, "layers.*", NULL};
    steppe_status_t rc = STEPPE_OK;
    lc.path = st_arena_printf(m->arena, "layers.%s", ln->key);
    if (!lc.path)
        return STEPPE_ERR_NOMEM;
    L->name = ln->key;
    L->loc = ln->key_loc;
    L->visible = true;

    const st_node *type = st_node_get(ln, "type");
    const st_node *src = st_node_get(ln, "source");
    if (st_node_is_null(src))
        src = NULL;
    if (type && !st_node_is_null(type)) {
        int v = 0;
        rc = get_enum(m, lc, "type", &v);
        L->kind = (st_layer_kind)v;
    } else if (src) {
        if (has_ext(src->text, ".shp"))
            L->kind = ST_LAYER_SHAPEFILE;
        else if (has_ext(src->text, ".csv"))
            L->kind = ST_LAYER_CSV;
        else
            return err_at(m, STEPPE_ERR_STYLE_VALUE, src->loc,
                          "%s.source: cannot tell the layer type from '%s'; add type: shapefile or type: csv",
                          lc.path, src->text);
    } else {
        return missing(m, L, "source", "or a type: shared-boundary or route layer");
    }
    if (rc != STEPPE_OK)
        return rc;
    warn_unused(m, lc, L);

    if (L->kind == ST_LAYER_SHAPEFILE || L->kind == ST_LAYER_CSV) {
        if (!src)
            return missing(m, L, "source", "required for shapefile and csv layers");
        L->source_written = src->text;
        L->source = st_path_absolute(m->arena, src->dir, src->text);
        L->source_loc = src->loc;
        if (!L->source)
            return STEPPE_ERR_NOMEM;
        const st_node *crs = st_node_get(ln, "crs");
        if (crs && !st_node_is_null(crs)) {
            L->crs = crs->text;
            L->crs_loc = crs->loc;
        }
        rc = get_str(m, lc, "encoding", &L->encoding);
        if (rc == STEPPE_OK)
            rc = get_str(m, lc, "lon", &L->lon_field);
        if (rc == STEPPE_OK)
            rc = get_str(m, lc, "lat", &L->lat_field);
    } else {
        const st_node *of = st_node_get(ln, "of");
        if (!of || st_node_is_null(of))
            return missing(m, L, "of",
                           L->kind == ST_LAYER_ROUTE ? "the layer holding the stops"
                                                     : "the layer whose shared boundary is drawn");
        L->of = of->text;
        L->of_loc = of->loc;
    }
    if (rc == STEPPE_OK && L->kind == ST_LAYER_SHARED_BOUNDARY) {
        const st_node *a = st_node_get(ln, "a");
        const st_node *b = st_node_get(ln, "b");
        if (!a || st_node_is_null(a))
            return missing(m, L, "a", "the features on one side of the boundary");
        if (!b || st_node_is_null(b))
            return missing(m, L, "b", "the features on the other side of the boundary");
        rc = get_filter(m, lc, "a", &L->a);
        if (rc == STEPPE_OK)
            rc = get_filter(m, lc, "b", &L->b);
    }
    if (rc == STEPPE_OK && L->kind == ST_LAYER_ROUTE) {
        cur sc = child(m, lc, "stops");
        if (!sc.node)
            return missing(m, L, "stops", "the names of the points the route passes, in order");
        rc = conv_strings(m, sc.node, sc.path, &L->stops, &L->nstops);
        if (rc == STEPPE_OK && L->nstops < 2)
            return err_at(m, STEPPE_ERR_STYLE_VALUE, sc.node->loc,
                          "%s: a route needs at least 2 stops, got %zu", sc.path, L->nstops);
        if (rc == STEPPE_OK)
            rc = get_str(m, lc, "stop-field", &L->stop_field);
    }
    if (rc == STEPPE_OK)
        rc = get_filter(m, lc, "where", &L->where);
    cur style = child(m, lc, "style");
    cur label = child(m, lc, "label");
    if (rc == STEPPE_OK)
        rc = get_symbol(m, style, NULL, &L->sym);
    if (rc == STEPPE_OK)
        rc = get_label(m, label, NULL, &L->label);
    if (rc == STEPPE_OK)
        rc = get_str(m, lc, "legend", &L->legend);
    if (rc == STEPPE_OK)
        rc = get_int(m, lc, "legend-order", &L->legend_order);
    if (rc == STEPPE_OK)
        rc = get_str(m, lc, "measure", &L->measure);
    if (rc == STEPPE_OK)
        rc = get_str(m, lc, "measure-text", &L->measure_text);
    if (rc == STEPPE_OK)
        rc = get_bool(m, lc, "visible", &L->visible);
    if (rc != STEPPE_OK)
        return rc;

    /* Classes: the layer's symbol and label with each class's keys on top. */
    const st_node *classes = st_node_get(ln, "classes");
    if (!classes || classes->kind != ST_NODE_SEQ || classes->n == 0)
        return STEPPE_OK;
    L->classes = st_arena_calloc(m->arena, classes->n, sizeof *L->classes);
    if (!L->classes)
        return STEPPE_ERR_NOMEM;
    size_t i = 0;
    for (const st_node *cn = classes->head; cn && rc == STEPPE_OK; cn = cn->next, i++) {
        st_class *C = &L->classes[i];
        cur cc = {cn, "layers.*.classes[]", st_arena_printf(m->arena, "%s.classes[%zu]", lc.path, i)};
        if (!cc.path)
            return STEPPE_ERR_NOMEM;
        C->loc = cn->loc;
        const st_node *where = st_node_get(cn, "where");
        if (!where || st_node_is_null(where))
            return err_at(m, STEPPE_ERR_STYLE_KEY, cn->loc,
                          "%s: missing key 'where' (the features in this class)", cc.path);
        rc = get_str(m, cc, "name", &C->name);
        if (rc == STEPPE_OK)
            rc = get_filter(m, cc, "where", &C->where);
        if (rc == STEPPE_OK)
            rc = get_symbol(m, child(m, cc, "style"), &L->sym, &C->sym);
        if (rc == STEPPE_OK)
            rc = get_label(m, child(m, cc, "label"), &L->label, &C->label);
        if (rc == STEPPE_OK)
            rc = get_str(m, cc, "legend", &C->legend);
    }
    L->nclasses = i;
    return rc;
}

/* A value naming a layer must name one; suggests the closest name. */
static steppe_status_t check_layer_ref(M *m, const char *path, const char *name, st_loc loc, const char *self)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < m->map->nlayers; i++) {
        const char *ln = m->map->layers[i].name;
        if (self && strcmp(ln, self) == 0)
            continue;
        if (strcmp(ln, name) == 0)
            return STEPPE_OK;
        consider(name, ln, &best, &best_d);
    }
    if (self && strcmp(name, self) == 0)
        return err_at(m, STEPPE_ERR_STYLE_VALUE, loc, "%s: a layer cannot derive from itself", path);
    return err_at(m, STEPPE_ERR_STYLE_VALUE, loc, "%s: no layer named '%s'%s", path, name, hint(m, best));
}

static steppe_status_t build_layers(M *m, const st_node *root)
{
    const st_node *layers = st_node_get(root, "layers");
    if (!layers || layers->kind != ST_NODE_MAP)
        return STEPPE_OK;
    size_t n = 0;
    for (const st_node *c = layers->head; c; c = c->next)
        n += st_node_is_null(c) ? 0 : 1;
    if (n == 0)
        return STEPPE_OK;
    m->map->layers = st_arena_calloc(m->arena, n, sizeof *m->map->layers);
    if (!m->map->layers)
        return STEPPE_ERR_NOMEM;
    steppe_status_t rc = STEPPE_OK;
    for (const st_node *c = layers->head; c && rc == STEPPE_OK; c = c->next) {
        if (st_node_is_null(c))
            continue;
        rc = build_layer(m, c, &m->map->layers[m->map->nlayers]);
        m->map->nlayers++;
    }
    /* Derived layers may name a layer written before or after them. */
    for (size_t i = 0; rc == STEPPE_OK && i < m->map->nlayers; i++) {
        const st_layer *L = &m->map->layers[i];
        if (!L->of)
            continue;
        const char *path = st_arena_printf(m->arena, "layers.%s.of", L->name);
        if (!path)
            return STEPPE_ERR_NOMEM;
        rc = check_layer_ref(m, path, L->of, L->of_loc, L->name);
        const st_layer *of = rc == STEPPE_OK ? st_map_layer(m->map, L->of) : NULL;
        if (of && of->kind != ST_LAYER_SHAPEFILE && of->kind != ST_LAYER_CSV)
            rc = err_at(m, STEPPE_ERR_STYLE_VALUE, L->of_loc,
                        "%s: '%s' is a %s layer; derive from a shapefile or csv layer", path, L->of,
                        kind_names[of->kind]);
    }
    return rc;
}

/* ---- the map ------------------------------------------------------------------------------------------- */

static steppe_status_t build_extent(M *m, cur mc)
{
    st_map *map = m->map;
    cur ec = child(m, mc, "extent");
    cur lonlat = child(m, ec, "lonlat");
    cur bbox = child(m, ec, "bbox");
    cur fit = child(m, ec, "fit");
    cur where = child(m, ec, "where");
    steppe_status_t rc = get_num(m, ec, "margin", &map->margin);
    if (rc != STEPPE_OK)
        return rc;
    if (ec.node)
        map->extent_loc = ec.node->loc;
    const st_node *given[3] = {lonlat.node, bbox.node, fit.node};
    const st_node *first = NULL;
    for (int i = 0; i < 3; i++) {
        if (!given[i])
            continue;
        if (first)
            return err_at(
                m, STEPPE_ERR_STYLE_VALUE, given[i]->key_loc,
                "map.extent: give only one of lonlat, bbox or fit ('%s' is already given at line %d)",
                first->key, first->key_loc.line);
        first = given[i];
    }
    if (where.node && !fit.node)
        return err_at(m, STEPPE_ERR_STYLE_VALUE, where.node->key_loc,
                      "map.extent.where: only allowed with fit");
    if (lonlat.node) {
        map->extent_kind = ST_EXTENT_LONLAT;
        /* Not conv_box(): west > east is allowed and means the box crosses
         * the antimeridian ([170, 50, -170, 70]: Chukotka to Alaska). */
        size_t count = 0;
        double *e = map->extent;
        rc = conv_numbers(m, lonlat.node, st_schema_find("map.extent.lonlat"), lonlat.path, e, 4, &count);
        if (rc == STEPPE_OK && count != 4)
            rc = err_at(m, STEPPE_ERR_STYLE_VALUE, lonlat.node->loc, "%s: expected 4 numbers, got %zu",
                        lonlat.path, count);
        if (rc == STEPPE_OK && (!(e[1] < e[3]) || e[0] == e[2]))
            rc = err_at(m, STEPPE_ERR_STYLE_VALUE, lonlat.node->loc,
                        "%s: expected [west, south, east, north] with south < north and west != east "
                        "(west > east crosses the antimeridian), got [%g, %g, %g, %g]",
                        lonlat.path, e[0], e[1], e[2], e[3]);
        if (rc == STEPPE_OK && (e[1] < -90 || e[3] > 90))
            rc = err_at(m, STEPPE_ERR_STYLE_VALUE, lonlat.node->loc, "%s: latitudes must lie within -90..90",
                        lonlat.path);
        return rc;
    }
    if (bbox.node) {
        map->extent_kind = ST_EXTENT_MAP;
        return conv_box(m, bbox.node, st_schema_find("map.extent.bbox"), bbox.path, map->extent);
    }
    map->extent_kind = ST_EXTENT_FIT;
    if (fit.node) {
        map->fit_layer = fit.node->text;
        rc = check_layer_ref(m, fit.path, fit.node->text, fit.node->loc, NULL);
        if (rc == STEPPE_OK && where.node)
            rc = parse_filter(m, where.node, where.path, &map->fit_where);
        return rc;
    }
    if (map->nlayers > 0) {
        map->fit_layer = map->layers[0].name;
        return STEPPE_OK;
    }
    /* Nothing to fit: the whole world. */
    map->extent_kind = ST_EXTENT_LONLAT;
    map->extent[0] = -180;
    map->extent[1] = -90;
    map->extent[2] = 180;
    map->extent[3] = 90;
    return STEPPE_OK;
}

static steppe_status_t build_map(M *m, const st_node *root)
{
    st_map *map = m->map;
    cur top = {root, NULL, NULL};
    cur mc = child(m, top, "map");
    steppe_status_t rc = build_layers(m, root);

    if (rc == STEPPE_OK)
        rc = get_num(m, mc, "dpi", &map->dpi);
    for (int i = 0; i < 2 && rc == STEPPE_OK; i++) {
        const char *key = i == 0 ? "width" : "height";
        cur c;
        const st_schema_key *k;
        rc = lookup(m, mc, key, &c, &k);
        if (rc == STEPPE_OK)
            rc = conv_length(m, c.node, k, c.path, map->dpi, i == 0 ? &map->width_px : &map->height_px);
    }
    if (rc == STEPPE_OK)
        rc = get_num(m, mc, "max-pixels", &map->max_pixels);
    if (rc == STEPPE_OK)
        rc = get_str(m, mc, "crs", &map->crs);
    cur crs = child(m, mc, "crs");
    if (crs.node)
        map->crs_loc = crs.node->loc;
    if (rc == STEPPE_OK)
        rc = build_extent(m, mc);
    if (rc == STEPPE_OK)
        rc = get_colour(m, mc, "background", NULL, &map->background);
    if (rc == STEPPE_OK)
        rc = get_str(m, mc, "font", &map->font);
    if (rc == STEPPE_OK) {
        int lang = (int)map->language;
        rc = get_enum(m, mc, "language", &lang);
        map->language = (st_language)lang;
    }

    /* Title block */
    cur tc = child(m, top, "title");
    if (tc.node && tc.node->kind == ST_NODE_SCALAR) {
        /* title: "..." is shorthand for title: {text: "..."}. */
        map->title = tc.node->text;
        tc.node = NULL;
    } else if (rc == STEPPE_OK) {
        rc = get_str(m, tc, "text", &map->title);
    }
    if (rc == STEPPE_OK)
        rc = get_str(m, tc, "subtitle", &map->subtitle);
    if (rc == STEPPE_OK)
        rc = get_corner(m, tc, "position", &map->title_corner);
    if (rc == STEPPE_OK)
        rc = get_text_style(m, tc, "size", &map->title_style);
    if (rc == STEPPE_OK)
        rc = get_weight(m, tc, "weight", &map->title_style.weight);
    if (rc == STEPPE_OK)
        rc = get_text_style(m, tc, "subtitle-size", &map->subtitle_style);

    /* Legend: shown by default when something would be in it. */
    cur lg = child(m, top, "legend");
    for (size_t i = 0; i < map->nlayers; i++) {
        if (map->layers[i].legend)
            map->legend = true;
        for (size_t j = 0; j < map->layers[i].nclasses; j++) {
            if (map->layers[i].classes[j].legend)
                map->legend = true;
        }
    }
    if (rc == STEPPE_OK)
        rc = get_bool(m, lg, "show", &map->legend);
    if (rc == STEPPE_OK)
        rc = get_str(m, lg, "title", &map->legend_title);
    if (rc == STEPPE_OK)
        rc = get_corner(m, lg, "position", &map->legend_corner);
    if (rc == STEPPE_OK)
        rc = get_text_style(m, lg, "size", &map->legend_style);

    /* Scale bar */
    cur sb = child(m, top, "scalebar");
    if (rc == STEPPE_OK)
        rc = get_bool(m, sb, "show", &map->scalebar);
    if (rc == STEPPE_OK)
        rc = get_corner(m, sb, "position", &map->scalebar_corner);
    if (rc == STEPPE_OK)
        rc = get_num(m, sb, "max-width", &map->scalebar_max_width);

    /* Graticule: a plain line symbol plus degree labels. */
    cur gr = child(m, top, "graticule");
    st_symbol *gs = &map->graticule_sym;
    memset(gs, 0, sizeof *gs);
    if (rc == STEPPE_OK)
        rc = get_bool(m, gr, "show", &map->graticule);
    if (rc == STEPPE_OK)
        rc = get_num(m, gr, "step", &map->graticule_step);
    if (rc == STEPPE_OK)
        rc = get_colour(m, gr, "stroke", &gs->has_stroke, &gs->stroke);
    if (rc == STEPPE_OK)
        rc = get_num(m, gr, "width", &gs->width);
    if (rc == STEPPE_OK)
        rc = get_num(m, gr, "opacity", &gs->opacity);
    cur gd;
    const st_schema_key *gdk;
    if (rc == STEPPE_OK)
        rc = lookup(m, gr, "dash", &gd, &gdk);
    if (rc == STEPPE_OK && gd.node) {
        size_t nd = 0;
        rc = conv_numbers(m, gd.node, gdk, gd.path, gs->dash, 8, &nd);
        gs->ndash = (int)nd;
    }
    gs->cap = ST_CAP_BUTT;
    if (rc == STEPPE_OK)
        rc = get_bool(m, gr, "labels", &map->graticule_labels);
    if (rc == STEPPE_OK)
        rc = get_text_style(m, gr, "size", &map->graticule_style);

    /* Notes and attribution */
    cur nc = child(m, top, "notes");
    if (rc == STEPPE_OK)
        rc = get_corner(m, nc, "position", &map->notes_corner);
    cur at = child(m, top, "attribution");
    if (rc == STEPPE_OK)
        rc = get_str(m, at, "text", &map->attribution);
    if (rc == STEPPE_OK)
        rc = get_text_style(m, at, "size", &map->attribution_style);

    /* Inset */
    cur in = child(m, top, "inset");
    if (rc == STEPPE_OK)
        rc = get_bool(m, in, "show", &map->inset);
    if (rc == STEPPE_OK)
        rc = get_corner(m, in, "position", &map->inset_corner);
    if (rc == STEPPE_OK)
        rc = get_num(m, in, "width", &map->inset_width);
    map->inset_crs = map->crs;
    if (rc == STEPPE_OK)
        rc = get_str(m, in, "crs", &map->inset_crs);
    cur ie;
    const st_schema_key *iek;
    if (rc == STEPPE_OK)
        rc = lookup(m, in, "extent", &ie, &iek);
    if (rc == STEPPE_OK && ie.node) {
        rc = conv_box(m, ie.node, iek, ie.path, map->inset_extent);
    }
    map->inset_layer = map->nlayers ? map->layers[0].name : NULL;
    cur il = child(m, in, "layer");
    if (rc == STEPPE_OK && il.node) {
        map->inset_layer = il.node->text;
        rc = check_layer_ref(m, il.path, il.node->text, il.node->loc, NULL);
    }
    if (rc == STEPPE_OK)
        rc = get_symbol(m, child(m, in, "frame"), NULL, &map->inset_frame);

    /* Highlight */
    cur hl = child(m, top, "highlight");
    if (rc == STEPPE_OK)
        rc = get_symbol(m, child(m, hl, "style"), NULL, &map->highlight);
    if (rc == STEPPE_OK)
        rc = get_num(m, hl, "margin", &map->highlight_margin);
    map->highlight_nearest_count = 2;
    if (rc == STEPPE_OK)
        rc = get_filter(m, hl, "where", &map->highlight_where);
    cur hn = child(m, hl, "nearest");
    if (rc == STEPPE_OK && hn.node) {
        map->highlight_nearest = hn.node->text;
        rc = check_layer_ref(m, hn.path, hn.node->text, hn.node->loc, NULL);
    }
    if (rc == STEPPE_OK)
        rc = get_int(m, hl, "nearest-count", &map->highlight_nearest_count);

    /* Metadata: NULL falls back to the title and attribution (model.h). */
    cur md = child(m, top, "metadata");
    if (rc == STEPPE_OK)
        rc = get_str(m, md, "title", &map->meta_title);
    if (rc == STEPPE_OK)
        rc = get_str(m, md, "source", &map->meta_source);
    return rc;
}

/* "dir/name.yaml" → "name". */
static const char *base_name(st_arena *arena, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *b = slash ? slash + 1 : path;
    const char *dot = strrchr(b, '.');
    return dot && dot != b ? st_arena_strndup(arena, b, (size_t)(dot - b)) : st_arena_strdup(arena, b);
}

/* Collects into map->inputs every file that wrote a node of the tree (the
 * style and the files it extends), so a render can refuse to overwrite
 * any of them. Overrides ("--set ...") are not files. */
static steppe_status_t collect_inputs(M *m, const st_node *n)
{
    for (; n; n = n->next) {
        const char *f = n->loc.file;
        if (f && strncmp(f, "--set", 5) != 0) {
            bool seen = false;
            for (size_t i = 0; i < m->map->ninputs && !seen; i++)
                seen = m->map->inputs[i] == f || strcmp(m->map->inputs[i], f) == 0;
            if (!seen) {
                const char **grown = st_arena_alloc(m->arena, (m->map->ninputs + 1) * sizeof *grown);
                if (!grown)
                    return STEPPE_ERR_NOMEM;
                if (m->map->ninputs)
                    memcpy(grown, m->map->inputs, m->map->ninputs * sizeof *grown);
                grown[m->map->ninputs++] = f;
                m->map->inputs = grown;
            }
        }
        if ((n->kind == ST_NODE_MAP || n->kind == ST_NODE_SEQ) && n->head) {
            steppe_status_t rc = collect_inputs(m, n->head);
            if (rc != STEPPE_OK)
                return rc;
        }
    }
    return STEPPE_OK;
}

steppe_status_t st_model_build(steppe_ctx_t *ctx, st_arena *arena, const st_node *root, const char *path,
                               st_map *map)
{
    M m = {ctx, arena, map};
    memset(map, 0, sizeof *map);
    steppe_status_t rc = validate_section(&m, root, NULL, NULL);
    if (rc == STEPPE_OK)
        rc = collect_inputs(&m, root);
    if (rc != STEPPE_OK)
        return rc;
    if (path) {
        map->path = st_arena_strdup(arena, path);
        map->name = base_name(arena, path);
        if (!map->path || !map->name)
            return STEPPE_ERR_NOMEM;
    }
    return build_map(&m, root);
}

/* ---- public API ---------------------------------------------------------------------------------------- */

const st_layer *st_map_layer(const st_map *map, const char *name)
{
    for (size_t i = 0; i < map->nlayers; i++) {
        if (strcmp(map->layers[i].name, name) == 0)
            return &map->layers[i];
    }
    return NULL;
}

steppe_status_t steppe_style_load(steppe_ctx_t *ctx, const char *path, const char *const *overrides, size_t n,
                                  steppe_style_t **out)
{
    steppe_status_t rc = STEPPE_OK;
    st_node *root = NULL;
    if (!path || (n > 0 && !overrides) || !out)
        return st_error(ctx, STEPPE_ERR_USAGE, "steppe_style_load: path and out are required");
    steppe_style_t *style = calloc(1, sizeof *style);
    if (!style)
        return STEPPE_ERR_NOMEM;
    style->arena = st_arena_create(64 * 1024);
    if (!style->arena) {
        rc = STEPPE_ERR_NOMEM;
        goto fail;
    }
    rc = st_style_read(ctx, style->arena, path, overrides, n, &root);
    if (rc != STEPPE_OK)
        goto fail;
    rc = st_model_build(ctx, style->arena, root, path, &style->map);
    if (rc != STEPPE_OK)
        goto fail;
    *out = style;
    return STEPPE_OK;
fail:
    if (rc == STEPPE_ERR_NOMEM)
        st_error(ctx, rc, "%s: out of memory while loading the style", path);
    steppe_style_destroy(style);
    return rc;
}

const char *steppe_style_name(const steppe_style_t *style)
{
    return style->map.name ? style->map.name : "map";
}

void steppe_style_destroy(steppe_style_t *style)
{
    if (!style)
        return;
    st_arena_destroy(style->arena);
    free(style);
}
