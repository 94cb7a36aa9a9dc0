/* The style stage, part 2a: one value of the tree → one field of the
 * model. Each schema type (schema.h) has a converter here: numbers, lengths
 * with units, colours (names, hex, rgb()), enums and font weights, dashes,
 * lists, boxes, filters, CRSs and files; st_convert_value() picks the one a
 * row names. Every converter checks the row's range and reports a bad value
 * at its line and column. The messages' helpers live here too, for bind.c
 * and this file alike. See convert.h. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "convert.h"
#include "ctx.h"
#include "dynlib.h"
#include "names.h"
#include "sniff.h"
#include "style.h"

typedef st_binder M;

/* ---- messages --------------------------------------------------------------- */

steppe_status_t st_convert_err_at(M *m, steppe_status_t status, st_loc loc, const char *fmt, ...)
{
    char where[1100] = "(built-in style)";
    if (loc.file)
        snprintf(where, sizeof where, "%s:%d:%d", loc.file, loc.line, loc.col);
    va_list ap;
    va_start(ap, fmt);
    st_verror(m->ctx, status, where, fmt, ap);
    va_end(ap);
    return status;
}

const char *st_convert_describe(M *m, const st_node *n)
{
    return st_node_describe(m->arena, n);
}

/* Keeps the closest candidate within reach: 2 edits, 1 for short words. */
void st_convert_consider(const char *word, const char *cand, const char **best, size_t *best_d)
{
    size_t d = st_edit_distance(word, cand, false);
    size_t reach = strlen(word) <= 3 ? 1 : 2;
    if (d <= reach && d < *best_d) {
        *best = cand;
        *best_d = d;
    }
}

/* " (did you mean 'x'?)" or "". Arena storage. */
const char *st_convert_hint(M *m, const char *best)
{
    if (!best)
        return "";
    const char *s = st_arena_printf(m->arena, " (did you mean '%s'?)", best);
    return s ? s : "";
}

/* ---- ranges --------------------------------------------------------------------- */

/* k's range as "(0, 4800]", for messages. Arena storage. */
static const char *range_text(M *m, const st_schema_key *k)
{
    char buf[96];
    const char *s = st_arena_strdup(m->arena, st_range_text(&k->range, false, buf, sizeof buf));
    return s ? s : "its range";
}

/* ---- scalar conversions ----------------------------------------------------------- */

static steppe_status_t want_scalar(M *m, const st_node *n, const st_schema_key *k, const char *path)
{
    if (n->kind == ST_NODE_SCALAR)
        return STEPPE_OK;
    return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected %s, got %s", path,
                             st_schema_type_name(k->type), st_convert_describe(m, n));
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
        return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected a number, got '%s'", path,
                                 Q(n->text));
    if (!st_range_holds(&k->range, v))
        return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc, "%s: expected a number in %s, got %s",
                                 path, range_text(m, k), Q(n->text));
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
        return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected an integer, got '%s'", path,
                                 Q(n->text));
    if (!st_range_holds(&k->range, (double)v))
        return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc, "%s: expected an integer in %s, got %s",
                                 path, range_text(m, k), Q(n->text));
    *out = (int)v;
    return STEPPE_OK;
}

steppe_status_t st_convert_bool(M *m, const st_node *n, const st_schema_key *k, const char *path, bool *out)
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
    return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected true or false, got '%s'", path,
                             Q(n->text));
}

/* A canvas length: plain pixels, or a number with a unit converted at dpi
 * and rounded to the nearest pixel (170mm at 300 dpi is 2007.87 → 2008).
 * With dpi 0 only the syntax is checked: validate() runs before build()
 * has bound map.dpi, and the pixel count needs it. */
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
        return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected %s, got '%s'", path,
                                 st_schema_type_name(ST_V_LENGTH), Q(s));
    if (dpi <= 0)
        return STEPPE_OK; /* syntax only: the pixel count needs map.dpi */
    out = round(out);
    char num[32];
    char lo[32];
    char hi[32];
    st_number_text(out, num, sizeof num);
    if (!(out >= k->range.lo))
        return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc,
                                 "%s: '%s' is %s pixels; expected at least %s", path, Q(s), num,
                                 st_number_text(k->range.lo, lo, sizeof lo));
    /* cairo makes no image wider or taller than 32767 px, and the PDF and
     * SVG outputs draw through the same code, so the bound holds for all. */
    if (!st_range_holds(&k->range, out))
        return st_convert_err_at(
            m, STEPPE_ERR_STYLE_VALUE, n->loc,
            "%s: '%s' is %s pixels; a side of at most %s pixels is allowed (cairo's image limit)", path, Q(s),
            num, st_number_text(k->range.hi, hi, sizeof hi));
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
        return st_convert_err_at(
            m, STEPPE_ERR_STYLE_VALUE, n->loc,
            "%s: bad colour '%s' (use #rgb, #rrggbb, #rrggbbaa, rgb(), rgba() or a name)", path, Q(n->text));
    if (has)
        *has = !none;
    *out = c;
    return STEPPE_OK;
}

/* ---- words ------------------------------------------------------------------------------ */

steppe_status_t st_convert_enum(M *m, const st_node *n, const st_schema_key *k, const char *path, int *out)
{
    steppe_status_t rc = want_scalar(m, n, k, path);
    if (rc != STEPPE_OK)
        return rc;
    const char *p = k->words;
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
            st_convert_consider(n->text, word, &best, &best_d);
        p += len + (bar ? 1 : 0);
    }
    char list[512];
    size_t o = 0;
    for (const char *q = k->words; *q && o + 3 < sizeof list; q++) {
        if (*q == '|') {
            list[o++] = ',';
            list[o++] = ' ';
        } else {
            list[o++] = *q;
        }
    }
    list[o] = '\0';
    return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc, "%s: expected one of %s, got '%s'%s", path,
                             list, Q(n->text), st_convert_hint(m, best));
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
        return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc,
                                 "%s: expected normal, bold or a number from 100 to 900, got '%s'", path,
                                 Q(n->text));
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
steppe_status_t st_convert_numbers(M *m, const st_node *n, const st_schema_key *k, const char *path,
                                   double *out, size_t max, size_t *count)
{
    if (n->kind != ST_NODE_SEQ)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected a list of numbers, got %s",
                                 path, st_convert_describe(m, n));
    if (n->n > max)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc,
                                 "%s: expected at most %zu numbers, got %zu", path, max, n->n);
    size_t i = 0;
    for (const st_node *c = n->head; c; c = c->next, i++) {
        double v = 0;
        if (c->kind != ST_NODE_SCALAR || !parse_double(c->text, &v))
            return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, c->loc, "%s[%zu]: expected a number, got %s",
                                     path, i, st_convert_describe(m, c));
        if (!st_range_holds(&k->range, v))
            return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, c->loc,
                                     "%s[%zu]: expected a number in %s, got %s", path, i, range_text(m, k),
                                     c->text);
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
        return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected a list of strings, got %s",
                                 path, st_convert_describe(m, n));
    const char **v = st_arena_calloc(m->arena, n->n ? n->n : 1, sizeof *v);
    if (!v)
        return STEPPE_ERR_NOMEM;
    size_t i = 0;
    for (const st_node *c = n->head; c; c = c->next, i++) {
        if (c->kind != ST_NODE_SCALAR)
            return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, c->loc, "%s[%zu]: expected a string, got %s",
                                     path, i, st_convert_describe(m, c));
        v[i] = c->text;
    }
    if (out)
        *out = v;
    if (count)
        *count = n->n;
    return STEPPE_OK;
}

/* A list of numbers in k's range, into the arena. */
static steppe_status_t conv_number_list(M *m, const st_node *n, const st_schema_key *k, const char *path,
                                        const double **out, size_t *count)
{
    if (n->kind != ST_NODE_SEQ)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected a list of numbers, got %s",
                                 path, st_convert_describe(m, n));
    double *v = st_arena_calloc(m->arena, n->n ? n->n : 1, sizeof *v);
    if (!v)
        return STEPPE_ERR_NOMEM;
    steppe_status_t rc = st_convert_numbers(m, n, k, path, v, n->n, count);
    if (rc == STEPPE_OK && out)
        *out = v;
    return rc;
}

static steppe_status_t conv_colour_list(M *m, const st_node *n, const char *path, const st_rgba **out,
                                        size_t *count)
{
    if (n->kind != ST_NODE_SEQ || n->n == 0)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected a list of colours, got %s",
                                 path, st_convert_describe(m, n));
    st_rgba *v = st_arena_calloc(m->arena, n->n, sizeof *v);
    if (!v)
        return STEPPE_ERR_NOMEM;
    size_t i = 0;
    for (const st_node *c = n->head; c; c = c->next, i++) {
        bool none = false;
        if (c->kind != ST_NODE_SCALAR || !parse_colour(c->text, &v[i], &none) || none)
            return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, c->loc, "%s[%zu]: expected a colour, got %s",
                                     path, i, st_convert_describe(m, c));
    }
    if (out)
        *out = v;
    if (count)
        *count = n->n;
    return STEPPE_OK;
}

/* A dash pattern as cairo takes it: on, off pairs, none negative (the
 * range), not all zero, at most 8 numbers. */
static steppe_status_t conv_dash(M *m, const st_node *n, const st_schema_key *k, const char *path,
                                 double out[8], int *count)
{
    size_t nd = 0;
    double v[8] = {0};
    steppe_status_t rc = st_convert_numbers(m, n, k, path, v, 8, &nd);
    if (rc != STEPPE_OK)
        return rc;
    if (nd % 2 == 1)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc,
                                 "%s: expected pairs of on, off lengths, got %zu numbers", path, nd);
    double sum = 0;
    for (size_t i = 0; i < nd; i++)
        sum += v[i];
    if (nd > 0 && !(sum > 0))
        return st_convert_err_at(
            m, STEPPE_ERR_STYLE_VALUE, n->loc,
            "%s: a dash pattern needs a length above 0 (use [] or no dash for a solid line)", path);
    memcpy(out, v, sizeof v);
    *count = (int)nd;
    return STEPPE_OK;
}

/* Four numbers: an extent, min < max on both axes. In degrees (ST_V_LONLAT)
 * longitudes lie in [-180, 180] and latitudes in [-90, 90]. */
steppe_status_t st_convert_box(M *m, const st_node *n, const st_schema_key *k, const char *path,
                               double out[4])
{
    static const st_range lon = {'[', -180, 180, ']'};
    static const st_range lat = {'[', -90, 90, ']'};
    size_t count = 0;
    double v[4] = {0, 0, 0, 0};
    steppe_status_t rc = st_convert_numbers(m, n, k, path, v, 4, &count);
    if (rc != STEPPE_OK)
        return rc;
    if (count != 4)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, n->loc, "%s: expected 4 numbers, got %zu", path,
                                 count);
    const st_node *c = n->head;
    for (size_t i = 0; k->type == ST_V_LONLAT && i < 4; i++, c = c->next) {
        const st_range *r = i % 2 == 0 ? &lon : &lat;
        if (!st_range_holds(r, v[i]))
            return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, c->loc,
                                     "%s[%zu]: a %s must lie within %g..%g, got %s", path, i,
                                     i % 2 == 0 ? "longitude" : "latitude", r->lo, r->hi, c->text);
    }
    /* The map's own lon/lat extent may cross the antimeridian: west > east
     * ([170, 50, -170, 70], Chukotka to Alaska; build_extent() and
     * project.c handle it). Every other box is min < max on both axes. */
    bool crossing = k->type == ST_V_LONLAT && strcmp(k->path, "map.extent.lonlat") == 0 && v[0] > v[2];
    if (crossing ? !(v[1] < v[3]) : (!(v[0] < v[2]) || !(v[1] < v[3])))
        return st_convert_err_at(
            m, STEPPE_ERR_STYLE_VALUE, n->loc, "%s: expected %s, got [%g, %g, %g, %g]", path,
            k->type == ST_V_LONLAT ? "[west, south, east, north] with south < north and west != east"
                                   : "min < max on both axes",
            v[0], v[1], v[2], v[3]);
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
        return st_convert_err_at(m, STEPPE_ERR_STYLE_CRS, n->loc, "unknown CRS '%s': %s", Q(n->text),
                                 st_proj_errmsg(m->ctx));
    if (!proj_is_crs(pj))
        return st_convert_err_at(m, STEPPE_ERR_STYLE_CRS, n->loc,
                                 "unknown CRS '%s': PROJ reads it as something other than a CRS", Q(n->text));
    return STEPPE_OK;
}

static steppe_status_t check_file(M *m, const st_node *n)
{
    if (st_sniff_is_dsn(n->text)) /* a database: its driver connects */
        return STEPPE_OK;
    const char *abs = st_path_absolute(m->arena, n->dir, n->text);
    if (!abs)
        return STEPPE_ERR_NOMEM;
    struct stat sb;
    if (stat(abs, &sb) != 0)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_FILE, n->loc, "cannot open '%s' (resolved: %s): %s",
                                 QP(n->text), QP(abs), strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return st_convert_err_at(m, STEPPE_ERR_STYLE_FILE, n->loc,
                                 "cannot open '%s' (resolved: %s): is a directory", QP(n->text), QP(abs));
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
            return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, v->loc, "%s: expected a number, got %s", path,
                                     st_convert_describe(m, v));
        return STEPPE_OK;
    }
    if (v->kind == ST_NODE_MAP)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, v->loc,
                                 "%s: expected a value or a list, got a mapping", path);
    if (v->kind == ST_NODE_SCALAR) {
        c->values = st_arena_calloc(m->arena, 1, sizeof *c->values);
        if (!c->values)
            return STEPPE_ERR_NOMEM;
        c->values[0] = st_node_is_null(v) ? "" : v->text;
        c->nvalues = 1;
        return STEPPE_OK;
    }
    if (op == ST_OP_EQ || op == ST_OP_NE)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, v->loc,
                                 "%s: expected a single value, got a list (use in / not-in)", path);
    return conv_strings(m, v, path, &c->values, &c->nvalues);
}

/* A filter: field: value (eq), field: [list] (in), or field: {op: value, ...}. */
steppe_status_t st_convert_filter(M *m, const st_node *n, const char *path, st_filter *out)
{
    if (n->kind != ST_NODE_MAP)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc,
                                 "%s: expected a mapping of field names to values, got %s", path,
                                 st_convert_describe(m, n));
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
                st_convert_consider(o->key, op_names[k], &best, &best_d);
            }
            if (k == sizeof op_names / sizeof op_names[0])
                return st_convert_err_at(
                    m, STEPPE_ERR_STYLE_KEY, o->key_loc,
                    "unknown operator '%s' in %s (use eq, ne, lt, le, gt, ge, in or not-in)%s", o->key, fpath,
                    st_convert_hint(m, best));
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

/* ---- one value by its row ------------------------------------------------------------------------ */

/* Converts n by k's type into dst, the field, and aux, its companion (the
 * "has" flag of a colour, the count of a list; NULL when the row has none). */
steppe_status_t st_convert_value(M *m, const st_node *n, const st_schema_key *k, const char *path, void *dst,
                                 void *aux)
{
    steppe_status_t rc = STEPPE_OK;
    switch (k->type) {
    case ST_V_STRING: return conv_string(m, n, k, path, dst);
    case ST_V_NUMBER: return conv_number(m, n, k, path, dst);
    case ST_V_INT: return conv_int(m, n, k, path, dst);
    case ST_V_BOOL: return st_convert_bool(m, n, k, path, dst);
    case ST_V_LENGTH: return conv_length(m, n, k, path, m->map->dpi, dst);
    case ST_V_COLOUR: return conv_colour(m, n, k, path, aux, dst);
    case ST_V_ENUM: return st_convert_enum(m, n, k, path, dst);
    case ST_V_WEIGHT: return conv_weight(m, n, k, path, dst);
    case ST_V_DASH: return conv_dash(m, n, k, path, dst, aux);
    case ST_V_BOX:
    case ST_V_LONLAT: return st_convert_box(m, n, k, path, dst);
    case ST_V_STRINGS: return conv_strings(m, n, path, dst, aux);
    case ST_V_NUMBERS: return conv_number_list(m, n, k, path, dst, aux);
    case ST_V_COLOURS: return conv_colour_list(m, n, path, dst, aux);
    case ST_V_FILTER: return st_convert_filter(m, n, path, dst);
    case ST_V_CRS: rc = conv_string(m, n, k, path, dst); return rc == STEPPE_OK ? check_crs(m, n) : rc;
    case ST_V_PATH: rc = want_scalar(m, n, k, path); return rc == STEPPE_OK ? check_file(m, n) : rc;
    case ST_V_SECTION:
    case ST_V_JOINS:
    case ST_V_LAYERS:
    case ST_V_CLASSES:
    case ST_V_LABEL:
    case ST_V_TITLE: break;
    }
    return st_error(m->ctx, STEPPE_ERR_INTERNAL, "schema row '%s' has no converter", k->path);
}
