/* The style stage, part 2: located node tree → validated map model.
 *
 * Two passes over the tree. validate() walks it in document order against
 * the schema (schema.h): unknown keys, wrong types, values out of range, bad
 * colours, CRSs PROJ rejects and missing files are reported at the exact
 * line and column of the offending key or value. build() then walks the
 * schema's rows (bind_rows): each row names the struct and field its value
 * lands in and its converter, so a plain key needs no code here. Keys with
 * real logic (the extent, layer kinds, classes, derived layers, computed
 * defaults) have small functions of their own, which also check what only
 * the whole map can tell (layer references, required keys, one extent
 * kind). All memory comes from the style's arena. */
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

#include "ctx.h"
#include "model.h"
#include "names.h"
#include "schema.h"
#include "dsn.h"
#include "sniff.h"
#include "bind.h"
#include "convert.h"
#include "style.h"
#include "thematic_spec.h"

typedef st_binder M;

/* A place in the tree: the node (NULL when absent or null), its schema
 * pattern and its actual path for messages. */
typedef struct cur {
    const st_node *node;
    const char *pattern;
    const char *path;
} cur;

/* ---- messages --------------------------------------------------------------- */

static void warn_at(M *m, st_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void warn_at(M *m, st_loc loc, const char *fmt, ...)
{
    char where[1100];
    snprintf(where, sizeof where, "%s:%d:%d", loc.file ? loc.file : "(built-in style)", loc.line, loc.col);
    va_list ap;
    va_start(ap, fmt);
    st_vwarn(m->ctx, where, fmt, ap);
    va_end(ap);
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

/* The schema path below pattern ("layers.*" and "layers.*.style.fill" give
 * "style.fill"), path itself when pattern is NULL (the top), or NULL when
 * path is not below pattern. */
static const char *below(const char *path, const char *pattern)
{
    if (!pattern)
        return path;
    size_t pl = strlen(pattern);
    if (strncmp(path, pattern, pl) != 0 || path[pl] != '.')
        return NULL;
    return path + pl + 1;
}

/* The direct child keys of pattern, for suggestions. */
static const char *suggest_key(const char *pattern, const char *word)
{
    size_t n = 0;
    const st_schema_key *t = st_schema_table(&n);
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        const char *key = below(t[i].path, pattern);
        if (!key || strchr(key, '.') || strchr(key, '['))
            continue;
        st_convert_consider(word, key, &best, &best_d);
    }
    if (best)
        return best;
    /* A key one level too high or low: `dpi` at the top means `map.dpi`,
     * `fill` on a layer means `style.fill`. First row in table order wins. */
    for (size_t i = 0; i < n; i++) {
        const char *key = below(t[i].path, pattern);
        if (!key)
            continue;
        const char *dot = strrchr(key, '.');
        if (dot && strcmp(dot + 1, word) == 0 && !strchr(key, '*') && !strchr(key, '['))
            return key;
    }
    return NULL;
}

/* ---- pass 1: validation ---------------------------------------------------------------------------- */

static steppe_status_t validate(M *m, const st_node *n, const char *pattern, const char *path);

static steppe_status_t validate_section(M *m, const st_node *n, const char *pattern, const char *path)
{
    if (n->kind != ST_NODE_MAP)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc, "%s: expected a mapping, got %s",
                                 path ? path : "style", st_convert_describe(m, n));
    for (const st_node *c = n->head; c; c = c->next) {
        const char *cp = pattern ? st_arena_printf(m->arena, "%s.%s", pattern, c->key) : c->key;
        const char *cpath = path ? st_arena_printf(m->arena, "%s.%s", path, c->key) : c->key;
        if (!cp || !cpath)
            return STEPPE_ERR_NOMEM;
        if (!st_schema_find(cp)) {
            const char *where = path ? st_arena_printf(m->arena, "in %s", path) : "at the top level";
            return st_convert_err_at(m, STEPPE_ERR_STYLE_KEY, c->key_loc, "unknown key '%s' %s%s", Q(c->key),
                                     where ? where : "", st_convert_hint(m, suggest_key(pattern, c->key)));
        }
        steppe_status_t rc = validate(m, c, cp, cpath);
        if (rc != STEPPE_OK)
            return rc;
    }
    return STEPPE_OK;
}

/* Each item of the list n (a class, a join) must be a mapping with the
 * key needs; check validates it under item_pattern (NULL: out of memory). */
static steppe_status_t
validate_items(M *m, const st_node *n, const char *item_pattern, const char *path, const char *needs,
               steppe_status_t (*check)(M *, const st_node *, const char *, const char *))
{
    steppe_status_t rc = STEPPE_OK;
    size_t i = 0;
    for (const st_node *c = n->head; c && rc == STEPPE_OK; c = c->next, i++) {
        const char *cpath = st_arena_printf(m->arena, "%s[%zu]", path, i);
        if (!cpath || !item_pattern)
            return STEPPE_ERR_NOMEM;
        if (c->kind != ST_NODE_MAP)
            return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, c->loc,
                                     "%s: expected a mapping with %s, got %s", cpath, needs,
                                     st_convert_describe(m, c));
        rc = check(m, c, item_pattern, cpath);
    }
    return rc;
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
            return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc,
                                     "%s: expected a mapping of layer names to layers, got %s", path,
                                     st_convert_describe(m, n));
        for (const st_node *c = n->head; c && rc == STEPPE_OK; c = c->next) {
            const char *cpath = st_arena_printf(m->arena, "%s.%s", path, c->key);
            const char *cpat = st_arena_printf(m->arena, "%s.*", pattern);
            if (!cpath || !cpat)
                return STEPPE_ERR_NOMEM;
            if (c->key[0] == '\0')
                return st_convert_err_at(m, STEPPE_ERR_STYLE_KEY, c->key_loc,
                                         "%s: a layer needs a non-empty name", path);
            rc = validate(m, c, cpat, cpath);
        }
        return rc;
    case ST_V_CLASSES: {
        if (n->kind != ST_NODE_SEQ)
            return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc,
                                     "%s: expected a list of classes, got %s", path,
                                     st_convert_describe(m, n));
        return validate_items(m, n, st_arena_printf(m->arena, "%s[]", pattern), path, "where:", validate);
    }
    case ST_V_JOINS: {
        if (n->kind == ST_NODE_MAP)
            return validate_section(m, n, pattern, path);
        if (n->kind != ST_NODE_SEQ)
            return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc,
                                     "%s: expected a mapping or a list of mappings, got %s", path,
                                     st_convert_describe(m, n));
        return validate_items(m, n, pattern, path, "source:", validate_section);
    }
    case ST_V_TITLE:
    case ST_V_LABEL:
        if (n->kind == ST_NODE_SCALAR)
            return STEPPE_OK;
        if (n->kind == ST_NODE_SEQ)
            return st_convert_err_at(m, STEPPE_ERR_STYLE_TYPE, n->loc,
                                     "%s: expected a field name or a mapping, got a list", path);
        return validate_section(m, n, pattern, path);
    default: {
        /* Converted into scratch space: only the verdict counts here. */
        union {
            double d[8];
            int i;
            bool b;
            size_t z;
            const char *s;
            const char **list;
            const double *nums;
            const st_rgba *cols;
            st_rgba c;
            st_filter f;
        } value, aux;
        return st_convert_value(m, n, k, path, &value, &aux);
    }
    }
}

/* ---- pass 2: the rows of the schema, bound to the model ---------------------------------------------- */

/* The node at rest, a dotted path below n, or NULL when absent or null. */
static const st_node *node_at(const st_node *n, const char *rest)
{
    char key[128];
    while (n && *rest) {
        const char *dot = strchr(rest, '.');
        size_t len = dot ? (size_t)(dot - rest) : strlen(rest);
        if (len >= sizeof key)
            return NULL;
        memcpy(key, rest, len);
        key[len] = '\0';
        n = st_node_get(n, key);
        rest += len + (dot ? 1 : 0);
    }
    return st_node_is_null(n) ? NULL : n;
}

/* k's default as a node, parsed like a written value; NULL when the row has
 * none or only describes one that is computed ("(the map's font)"). */
static steppe_status_t default_node(M *m, const st_schema_key *k, const st_node **out)
{
    *out = NULL;
    if (!k->def || k->def[0] == '(')
        return STEPPE_OK;
    /* Scalars are taken verbatim ("#333333" would be a YAML comment); list
     * defaults are YAML flow sequences. */
    if (k->type == ST_V_DASH || k->type == ST_V_BOX || k->type == ST_V_LONLAT || k->type == ST_V_STRINGS) {
        st_node *d = NULL;
        steppe_status_t rc =
            st_style_parse(m->ctx, m->arena, k->def, strlen(k->def), "(default)", ".", 1, 1, &d);
        *out = d;
        return rc;
    }
    st_node *d = st_arena_calloc(m->arena, 1, sizeof *d);
    if (!d)
        return STEPPE_ERR_NOMEM;
    d->kind = ST_NODE_SCALAR;
    d->text = k->def;
    d->dir = ".";
    *out = d;
    return STEPPE_OK;
}

/* Fills base, a struct of kind t, from the rows of target t below the
 * section at c: each value converted by its row's type into the field at
 * its row's offset. With inherit (a class refining its layer) only the keys
 * written in c change base; otherwise an unwritten key takes its default,
 * and a computed default leaves the field as the caller set it. */
static steppe_status_t bind_rows(M *m, cur c, st_target t, void *base, bool inherit)
{
    size_t n = 0;
    const st_schema_key *rows = st_schema_table(&n);
    size_t pl = c.pattern ? strlen(c.pattern) : 0;
    for (size_t i = 0; i < n; i++) {
        const st_schema_key *k = &rows[i];
        const char *rest = k->path;
        if (k->target != t)
            continue;
        if (c.pattern) {
            if (strncmp(rest, c.pattern, pl) != 0 || rest[pl] != '.')
                continue;
            rest += pl + 1;
        }
        const st_node *node = node_at(c.node, rest);
        if (!node && inherit)
            continue;
        steppe_status_t rc = node ? STEPPE_OK : default_node(m, k, &node);
        if (rc != STEPPE_OK)
            return rc;
        if (!node)
            continue;
        const char *path = c.path ? st_arena_printf(m->arena, "%s.%s", c.path, rest) : k->path;
        if (!path)
            return STEPPE_ERR_NOMEM;
        void *aux = k->aux == ST_NO_AUX ? NULL : (char *)base + k->aux;
        rc = st_convert_value(m, node, k, path, (char *)base + k->offset, aux);
        if (rc != STEPPE_OK)
            return rc;
    }
    return STEPPE_OK;
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
    bool inherit = base != NULL;
    if (base)
        *s = *base;
    else
        memset(s, 0, sizeof *s);
    steppe_status_t rc = bind_rows(m, c, ST_T_SYMBOL, s, inherit);
    if (rc != STEPPE_OK)
        return rc;
    /* The documented default, "(width + 2)", follows the width unless the
     * casing's width is written. */
    if (!written(c.node, "casing-width") &&
        (!inherit || written(c.node, "width") || written(c.node, "casing")))
        s->casing_width = s->width + 2;
    return STEPPE_OK;
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
        l->text_loc = c.node->loc;
        if (inherit)
            goto done;
        c.node = NULL; /* the remaining keys take their defaults */
    }
    rc = bind_rows(m, c, ST_T_LABEL, l, inherit);
    if (c.node && c.node->kind == ST_NODE_MAP && written(c.node, "text"))
        l->text_loc = st_node_get(c.node, "text")->loc;
done:
    l->enabled = l->text && l->text[0];
    return rc;
}

/* ---- layers -------------------------------------------------------------------------------------------- */

#define KIND_NAME(k) st_sniff_kind_name(k)

static steppe_status_t missing(M *m, const st_layer *L, const char *key, const char *why)
{
    return st_convert_err_at(m, STEPPE_ERR_STYLE_KEY, L->loc, "layers.%s: missing key '%s' (%s)", L->name,
                             key, why);
}

/* The kinds of layer that read a source of their own. */
#define FILE_KINDS                                                                                           \
    (1u << ST_LAYER_SHAPEFILE | 1u << ST_LAYER_CSV | 1u << ST_LAYER_GEOJSON | 1u << ST_LAYER_GPKG |          \
     1u << ST_LAYER_POSTGIS)

/* Warns about keys written for another kind of layer; they would be ignored. */
static void warn_unused(M *m, cur lc, const st_layer *L)
{
    static const struct {
        const char *key;
        unsigned kinds; /* bit per st_layer_kind where the key applies */
    } only[] = {
        {"source", FILE_KINDS},
        {"crs", FILE_KINDS},
        {"encoding", 1u << ST_LAYER_SHAPEFILE | 1u << ST_LAYER_CSV},
        {"lon", 1u << ST_LAYER_CSV},
        {"lat", 1u << ST_LAYER_CSV},
        {"layer", 1u << ST_LAYER_GPKG},
        {"integrity-check", 1u << ST_LAYER_GPKG},
        {"sql", 1u << ST_LAYER_GPKG | 1u << ST_LAYER_POSTGIS},
        {"table", 1u << ST_LAYER_POSTGIS},
        {"geometry", 1u << ST_LAYER_POSTGIS},
        {"timeout", 1u << ST_LAYER_POSTGIS},
        {"of", 1u << ST_LAYER_SHARED_BOUNDARY | 1u << ST_LAYER_ROUTE | 1u << ST_LAYER_BORDER_REGIONS},
        {"border", 1u << ST_LAYER_BORDER_REGIONS},
        {"tolerance", 1u << ST_LAYER_BORDER_REGIONS},
        {"region-field", 1u << ST_LAYER_BORDER_REGIONS},
        {"a", 1u << ST_LAYER_SHARED_BOUNDARY},
        {"b", 1u << ST_LAYER_SHARED_BOUNDARY},
        {"stop-field", 1u << ST_LAYER_ROUTE},
        {"stops", 1u << ST_LAYER_ROUTE},
        {"via", 1u << ST_LAYER_ROUTE},
    };
    for (size_t i = 0; i < sizeof only / sizeof only[0]; i++) {
        const st_node *n = st_node_get(lc.node, only[i].key);
        if (n && !(only[i].kinds & (1u << L->kind)))
            warn_at(m, n->key_loc, "layers.%s.%s: ignored for a %s layer", L->name, only[i].key,
                    KIND_NAME(L->kind));
    }
}

/* The layer's kind: written, or told by the source's content or extension. */
static steppe_status_t layer_kind(M *m, cur lc, const st_node *src, st_layer *L)
{
    cur type = child(m, lc, "type");
    if (!type.path)
        return STEPPE_ERR_NOMEM;
    if (type.node) {
        int v = 0;
        steppe_status_t rc = st_convert_enum(m, type.node, st_schema_find(type.pattern), type.path, &v);
        L->kind = (st_layer_kind)v;
        return rc;
    }
    if (!src)
        return missing(m, L, "source", "or a type: shared-boundary or route layer");
    /* The file's first bytes, else its extension (sniff.h). */
    const char *path =
        st_sniff_is_dsn(src->text) ? src->text : st_path_absolute(m->arena, src->dir, src->text);
    if (!path)
        return STEPPE_ERR_NOMEM;
    int kind = st_sniff_source(path);
    if (kind < 0)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, src->loc,
                                 "%s.source: '%s' is not a format steppe reads (%s); or add type:", lc.path,
                                 Q(src->text), ST_SNIFF_FORMATS);
    L->kind = (st_layer_kind)kind;
    return STEPPE_OK;
}

/* The keys a layer of its kind cannot do without: a source for shapefile
 * and csv layers, what derived layers derive from. */
static steppe_status_t layer_required(M *m, const st_node *ln, const st_node *src, st_layer *L)
{
    if (st_kind_has_source(L->kind)) {
        if (!src)
            return missing(m, L, "source", "required for layers that read data");
        /* A connection's password stays in L->source, which only the
         * driver reads; everything shown (messages, --report) takes
         * source_written, without it. */
        bool dsn = st_sniff_is_dsn(src->text);
        L->source_written = dsn ? st_dsn_shown(m->arena, src->text) : src->text;
        L->source = dsn ? src->text : st_path_absolute(m->arena, src->dir, src->text);
        L->source_loc = src->loc;
        if (!L->source || !L->source_written)
            return STEPPE_ERR_NOMEM;
        const st_node *table = st_node_get(ln, L->kind == ST_LAYER_POSTGIS ? "table" : "layer");
        if (table && !st_node_is_null(table))
            L->table = table->text;
        const st_node *sql = st_node_get(ln, "sql");
        if (sql && !st_node_is_null(sql))
            L->sql = sql->text;
        if (L->kind == ST_LAYER_POSTGIS && !L->table && !L->sql)
            return missing(m, L, "table", "or sql: for a postgis layer");
        if (L->kind == ST_LAYER_POSTGIS && L->table && L->sql)
            return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, sql->loc,
                                     "layers.%s: table: and sql: exclude each other", L->name);
        const st_node *crs = st_node_get(ln, "crs");
        if (crs && !st_node_is_null(crs)) {
            L->crs = crs->text;
            L->crs_loc = crs->loc;
        }
        return STEPPE_OK;
    }
    const st_node *of = st_node_get(ln, "of");
    if (!of || st_node_is_null(of))
        return missing(m, L, "of",
                       L->kind == ST_LAYER_ROUTE            ? "the layer holding the stops"
                       : L->kind == ST_LAYER_BORDER_REGIONS ? "the layer holding the regions"
                                                            : "the layer whose shared boundary is drawn");
    L->of = of->text;
    L->of_loc = of->loc;
    if (L->kind == ST_LAYER_SHARED_BOUNDARY && !written(ln, "a"))
        return missing(m, L, "a", "the features on one side of the boundary");
    if (L->kind == ST_LAYER_SHARED_BOUNDARY && !written(ln, "b"))
        return missing(m, L, "b", "the features on the other side of the boundary");
    if (L->kind == ST_LAYER_ROUTE && !written(ln, "stops"))
        return missing(m, L, "stops", "the names of the points the route passes, in order");
    const st_node *border = st_node_get(ln, "border");
    if (L->kind == ST_LAYER_BORDER_REGIONS && (!border || st_node_is_null(border)))
        return missing(m, L, "border", "the shared-boundary layer whose border the regions lie along");
    if (L->kind == ST_LAYER_BORDER_REGIONS) {
        L->border = border->text;
        L->border_loc = border->loc;
    }
    return STEPPE_OK;
}

/* A route's via list: at least 2 points, where each was written (for the
 * errors of the derivation, which finds them in the data), and the stops
 * among them in the same order, so that the stops are where the line goes. */
static steppe_status_t route_via(M *m, const st_node *ln, const char *path, st_layer *L)
{
    const st_node *via = st_node_get(ln, "via");
    if (L->kind != ST_LAYER_ROUTE || !via || st_node_is_null(via))
        return STEPPE_OK;
    if (L->nvia < 2)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, via->loc,
                                 "%s.via: a route needs at least 2 via points, got %zu", path, L->nvia);
    L->via_locs = st_arena_calloc(m->arena, L->nvia, sizeof *L->via_locs);
    if (!L->via_locs)
        return STEPPE_ERR_NOMEM;
    size_t i = 0;
    for (const st_node *c = via->head; c && i < L->nvia; c = c->next, i++)
        L->via_locs[i] = c->loc;
    const st_node *stops = st_node_get(ln, "stops");
    const st_node *c = stops ? stops->head : NULL;
    size_t j = 0;
    for (size_t k = 0; k < L->nstops; k++, c = c ? c->next : NULL) {
        while (j < L->nvia && strcasecmp(L->via[j], L->stops[k]) != 0)
            j++;
        if (j == L->nvia)
            return st_convert_err_at(
                m, STEPPE_ERR_STYLE_VALUE, c ? c->loc : stops->loc,
                "%s.stops[%zu]: '%s' is not among the via points after the stop before it "
                "(the stops must be via points, in the same order)",
                path, k, L->stops[k]);
        j++;
    }
    return STEPPE_OK;
}

static steppe_status_t check_layer_ref(M *m, const char *path, const char *name, st_loc loc,
                                       const char *self);

/* A border-regions layer's border: a shared-boundary layer of the map. */
static steppe_status_t check_border_ref(M *m, const st_layer *L)
{
    const char *path = st_arena_printf(m->arena, "layers.%s.border", L->name);
    if (!path)
        return STEPPE_ERR_NOMEM;
    steppe_status_t rc = check_layer_ref(m, path, L->border, L->border_loc, L->name);
    const st_layer *b = rc == STEPPE_OK ? st_map_layer(m->map, L->border) : NULL;
    if (b && b->kind != ST_LAYER_SHARED_BOUNDARY)
        rc = st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, L->border_loc,
                               "%s: '%s' is a %s layer; name a shared-boundary layer", path, Q(L->border),
                               KIND_NAME(b->kind));
    return rc;
}

/* Classes: the layer's symbol and label with each class's keys on top. */
static steppe_status_t build_classes(M *m, cur lc, st_layer *L)
{
    const st_node *classes = st_node_get(lc.node, "classes");
    if (!classes || classes->kind != ST_NODE_SEQ || classes->n == 0)
        return STEPPE_OK;
    L->classes = st_arena_calloc(m->arena, classes->n, sizeof *L->classes);
    if (!L->classes)
        return STEPPE_ERR_NOMEM;
    steppe_status_t rc = STEPPE_OK;
    size_t i = 0;
    for (const st_node *cn = classes->head; cn && rc == STEPPE_OK; cn = cn->next, i++) {
        st_class *C = &L->classes[i];
        cur cc = {cn, "layers.*.classes[]", st_arena_printf(m->arena, "%s.classes[%zu]", lc.path, i)};
        if (!cc.path)
            return STEPPE_ERR_NOMEM;
        C->loc = cn->loc;
        if (!written(cn, "where"))
            return st_convert_err_at(m, STEPPE_ERR_STYLE_KEY, cn->loc,
                                     "%s: missing key 'where' (the features in this class)", cc.path);
        rc = bind_rows(m, cc, ST_T_CLASS, C, false);
        if (rc == STEPPE_OK)
            rc = get_symbol(m, child(m, cc, "style"), &L->sym, &C->sym);
        if (rc == STEPPE_OK)
            rc = get_label(m, child(m, cc, "label"), &L->label, &C->label);
    }
    L->nclasses = i;
    return rc;
}

/* ---- thematic keys and joins (issue 11) ------------------------------------------------------------------
 */

/* Where key was written in section (a null or absent key: not written). */
static st_loc loc_of(const st_node *section, const char *key)
{
    const st_node *n = section ? st_node_get(section, key) : NULL;
    return n && !st_node_is_null(n) ? n->loc : (st_loc){0};
}

/* Where each key of a thematic section was written goes into the spec's
 * st_loc member at off, for messages that point at the key: one row a key
 * of classify, categorize and size. */
typedef struct key_loc {
    const char *section;
    const char *key;
    size_t off;
} key_loc;

static const key_loc thematic_key_locs[] = {
    {"classify", "field", offsetof(st_classify_spec, field_loc)},
    {"classify", "method", offsetof(st_classify_spec, method_loc)},
    {"classify", "classes", offsetof(st_classify_spec, classes_loc)},
    {"classify", "breaks", offsetof(st_classify_spec, breaks_loc)},
    {"classify", "ramp", offsetof(st_classify_spec, ramp_loc)},
    {"classify", "colours", offsetof(st_classify_spec, colours_loc)},
    {"categorize", "field", offsetof(st_categorize_spec, field_loc)},
    {"categorize", "palette", offsetof(st_categorize_spec, palette_loc)},
    {"categorize", "colours", offsetof(st_categorize_spec, colours_loc)},
    {"categorize", "order", offsetof(st_categorize_spec, order_loc)},
    {"categorize", "max", offsetof(st_categorize_spec, max_loc)},
    {"size", "field", offsetof(st_size_spec, field_loc)},
    {"size", "scale", offsetof(st_size_spec, scale_loc)},
    {"size", "max", offsetof(st_size_spec, max_loc)},
    {"size", "min", offsetof(st_size_spec, min_loc)},
    {"size", "marker-at", offsetof(st_size_spec, at_loc)},
};

/* A section of a thematic key that is written must name its field. */
static steppe_status_t need_field(M *m, const st_layer *L, const st_node *sec, const char *key,
                                  const char *field)
{
    if (field)
        return STEPPE_OK;
    return st_convert_err_at(m, STEPPE_ERR_STYLE_KEY, sec->loc,
                             "layers.%s.%s: missing key 'field' (the field to use)", L->name, key);
}

/* A thematic section (classify, categorize, size) that is written: it is
 * on, where it and each of its keys stand go into spec (thematic_key_locs),
 * and it must name its field. */
static steppe_status_t open_section(M *m, const st_layer *L, const st_node *sec, const char *key,
                                    const char *field, bool *enabled, st_loc *loc, void *spec)
{
    *enabled = true;
    *loc = sec->loc;
    for (size_t i = 0; i < sizeof thematic_key_locs / sizeof thematic_key_locs[0]; i++) {
        const key_loc *row = &thematic_key_locs[i];
        if (strcmp(row->section, key) == 0)
            *(st_loc *)((char *)spec + row->off) = loc_of(sec, row->key);
    }
    return need_field(m, L, sec, key, field);
}

/* One join: its rows bound, its source resolved and its separator read. */
static steppe_status_t build_join(M *m, cur jc, const st_layer *L, st_join_spec *J)
{
    const st_node *jn = jc.node;
    J->loc = jn->loc;
    static const char *const need[] = {"source", "on", "key"};
    for (size_t i = 0; i < 3; i++) {
        if (!written(jn, need[i]))
            return st_convert_err_at(m, STEPPE_ERR_STYLE_KEY, jn->loc,
                                     "%s: missing key '%s' (a join needs source, on and key)", jc.path,
                                     need[i]);
    }
    steppe_status_t rc = bind_rows(m, jc, ST_T_JOIN, J, false);
    if (rc != STEPPE_OK)
        return rc;
    const st_node *src = st_node_get(jn, "source");
    J->source_written = src->text;
    J->source = st_path_absolute(m->arena, src->dir, src->text);
    if (!J->source)
        return STEPPE_ERR_NOMEM;
    J->source_loc = src->loc;
    J->on_loc = loc_of(jn, "on");
    J->key_loc = loc_of(jn, "key");
    const st_node *sep = st_node_get(jn, "separator");
    if (sep && !st_node_is_null(sep)) {
        if (sep->kind != ST_NODE_SCALAR || strlen(sep->text) != 1 || sep->text[0] == '"' ||
            sep->text[0] == '\n')
            return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, sep->loc,
                                     "%s.separator: expected one character, got %s", jc.path,
                                     st_convert_describe(m, sep));
        J->separator = sep->text[0];
    }
    (void)L;
    return STEPPE_OK;
}

static steppe_status_t build_joins(M *m, cur lc, st_layer *L)
{
    const st_node *jn = st_node_get(lc.node, "join");
    if (!jn || st_node_is_null(jn))
        return STEPPE_OK;
    size_t n = jn->kind == ST_NODE_SEQ ? jn->n : 1;
    L->joins = st_arena_calloc(m->arena, n ? n : 1, sizeof *L->joins);
    if (!L->joins)
        return STEPPE_ERR_NOMEM;
    const st_node *item = jn->kind == ST_NODE_SEQ ? jn->head : jn;
    for (size_t i = 0; i < n && item; i++, item = item->next) {
        cur jc = {item, "layers.*.join",
                  jn->kind == ST_NODE_SEQ ? st_arena_printf(m->arena, "%s.join[%zu]", lc.path, i)
                                          : st_arena_printf(m->arena, "%s.join", lc.path)};
        if (!jc.path)
            return STEPPE_ERR_NOMEM;
        steppe_status_t rc = build_join(m, jc, L, &L->joins[i]);
        if (rc != STEPPE_OK)
            return rc;
        L->njoins = i + 1;
    }
    return STEPPE_OK;
}

/* classify, categorize, size, legend-format, nodata-colour: the rows fill
 * the spec; the places of the keys are kept for the render's messages. */
static steppe_status_t build_thematic(M *m, cur lc, st_layer *L)
{
    st_thematic_spec *t = st_arena_calloc(m->arena, 1, sizeof *t);
    if (!t)
        return STEPPE_ERR_NOMEM;
    st_thematic_spec_init(t);
    L->thematic = t;
    t->layer = L->name;
    steppe_status_t rc = bind_rows(m, lc, ST_T_THEMATIC, t, false);
    if (rc != STEPPE_OK)
        return rc;
    const st_node *ln = lc.node;
    const st_node *cl = st_node_get(ln, "classify");
    const st_node *ca = st_node_get(ln, "categorize");
    const st_node *sz = st_node_get(ln, "size");
    const st_node *lf = st_node_get(ln, "legend-format");
    if (cl && !st_node_is_null(cl)) {
        st_classify_spec *c = &t->classify;
        rc = open_section(m, L, cl, "classify", c->field, &c->enabled, &c->loc, c);
        if (c->method == ST_CLASS_FISHER)
            c->method = ST_CLASS_NATURAL;
        if (rc == STEPPE_OK && c->method == ST_CLASS_MANUAL && c->nbreaks < 2)
            rc = st_convert_err_at(
                m, STEPPE_ERR_STYLE_KEY, cl->loc,
                "layers.%s.classify: method manual needs breaks: a list of at least 2 edges", L->name);
        if (rc != STEPPE_OK)
            return rc;
    }
    if (ca && !st_node_is_null(ca)) {
        st_categorize_spec *c = &t->categorize;
        rc = open_section(m, L, ca, "categorize", c->field, &c->enabled, &c->loc, c);
        if (rc != STEPPE_OK)
            return rc;
    }
    if (sz && !st_node_is_null(sz)) {
        st_size_spec *z = &t->size;
        rc = open_section(m, L, sz, "size", z->field, &z->enabled, &z->loc, z);
        if (rc == STEPPE_OK && z->min > z->max)
            rc = st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, z->min_loc,
                                   "layers.%s.size.min: %g is larger than size.max (%g)", L->name, z->min,
                                   z->max);
        if (rc != STEPPE_OK)
            return rc;
    }
    const st_node *grouping = lf && !st_node_is_null(lf) ? st_node_get(lf, "grouping") : NULL;
    if (grouping && !st_node_is_null(grouping)) {
        bool g = true;
        rc = st_convert_bool(m, grouping, st_schema_find("layers.*.legend-format.grouping"),
                             st_arena_printf(m->arena, "%s.legend-format.grouping", lc.path), &g);
        t->legend.no_grouping = !g;
    }
    if (rc == STEPPE_OK && (t->classify.enabled || t->categorize.enabled || t->size.enabled) &&
        !st_kind_has_source(L->kind))
        rc = st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, L->loc,
                               "layers.%s: classify, categorize and size need a layer that reads data",
                               L->name);
    return rc;
}

static steppe_status_t build_layer(M *m, const st_node *ln, st_layer *L)
{
    cur lc = {ln, "layers.*", NULL};
    lc.path = st_arena_printf(m->arena, "layers.%s", ln->key);
    if (!lc.path)
        return STEPPE_ERR_NOMEM;
    L->name = ln->key;
    L->loc = ln->key_loc;

    const st_node *src = st_node_get(ln, "source");
    if (st_node_is_null(src))
        src = NULL;
    steppe_status_t rc = layer_kind(m, lc, src, L);
    if (rc != STEPPE_OK)
        return rc;
    warn_unused(m, lc, L);
    rc = layer_required(m, ln, src, L);
    if (rc == STEPPE_OK)
        rc = bind_rows(m, lc, ST_T_LAYER, L, false);
    if (rc == STEPPE_OK && L->kind == ST_LAYER_ROUTE && L->nstops < 2)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, st_node_get(ln, "stops")->loc,
                                 "%s.stops: a route needs at least 2 stops, got %zu", lc.path, L->nstops);
    if (rc == STEPPE_OK)
        rc = route_via(m, ln, lc.path, L);
    if (rc == STEPPE_OK)
        rc = get_symbol(m, child(m, lc, "style"), NULL, &L->sym);
    if (rc == STEPPE_OK)
        rc = get_label(m, child(m, lc, "label"), NULL, &L->label);
    if (rc == STEPPE_OK)
        rc = build_thematic(m, lc, L);
    if (rc == STEPPE_OK)
        rc = build_joins(m, lc, L);
    return rc == STEPPE_OK ? build_classes(m, lc, L) : rc;
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
        st_convert_consider(name, ln, &best, &best_d);
    }
    if (self && strcmp(name, self) == 0)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, loc, "%s: a layer cannot derive from itself",
                                 path);
    return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, loc, "%s: no layer named '%s'%s", path, Q(name),
                             st_convert_hint(m, best));
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
    /* Every layer costs a draw pass and a look-up by name: a map of more
     * layers than this is a generated mistake, refused before it costs
     * minutes. */
    if (n > ST_MAX_LAYERS)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, layers->loc,
                                 "layers: %zu layers, more than the %d a map may have", n, ST_MAX_LAYERS);
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
        if (of && !st_kind_has_source(of->kind))
            rc = st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, L->of_loc,
                                   "%s: '%s' is a %s layer; derive from a layer that reads data", path,
                                   Q(L->of), KIND_NAME(of->kind));
        if (rc == STEPPE_OK && L->border)
            rc = check_border_ref(m, L);
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
    steppe_status_t rc = STEPPE_OK;
    if (ec.node)
        map->extent_loc = ec.node->loc;
    const st_node *given[3] = {lonlat.node, bbox.node, fit.node};
    const st_node *first = NULL;
    for (int i = 0; i < 3; i++) {
        if (!given[i])
            continue;
        if (first)
            return st_convert_err_at(
                m, STEPPE_ERR_STYLE_VALUE, given[i]->key_loc,
                "map.extent: give only one of lonlat, bbox or fit ('%s' is already given at line %d)",
                first->key, first->key_loc.line);
        first = given[i];
    }
    if (where.node && !fit.node)
        return st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, where.node->key_loc,
                                 "map.extent.where: only allowed with fit");
    if (lonlat.node) {
        map->extent_kind = ST_EXTENT_LONLAT;
        /* Not st_convert_box(): west > east is allowed and means the box crosses
         * the antimeridian ([170, 50, -170, 70]: Chukotka to Alaska). */
        size_t count = 0;
        double *e = map->extent;
        rc = st_convert_numbers(m, lonlat.node, st_schema_find("map.extent.lonlat"), lonlat.path, e, 4,
                                &count);
        if (rc == STEPPE_OK && count != 4)
            rc = st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, lonlat.node->loc,
                                   "%s: expected 4 numbers, got %zu", lonlat.path, count);
        if (rc == STEPPE_OK && (!(e[1] < e[3]) || e[0] == e[2]))
            rc = st_convert_err_at(
                m, STEPPE_ERR_STYLE_VALUE, lonlat.node->loc,
                "%s: expected [west, south, east, north] with south < north and west != east "
                "(west > east crosses the antimeridian), got [%g, %g, %g, %g]",
                lonlat.path, e[0], e[1], e[2], e[3]);
        if (rc == STEPPE_OK && (e[1] < -90 || e[3] > 90))
            rc = st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, lonlat.node->loc,
                                   "%s: latitudes must lie within -90..90", lonlat.path);
        return rc;
    }
    if (bbox.node) {
        map->extent_kind = ST_EXTENT_MAP;
        return st_convert_box(m, bbox.node, st_schema_find("map.extent.bbox"), bbox.path, map->extent);
    }
    map->extent_kind = ST_EXTENT_FIT;
    if (fit.node) {
        map->fit_layer = fit.node->text;
        rc = check_layer_ref(m, fit.path, fit.node->text, fit.node->loc, NULL);
        if (rc == STEPPE_OK && where.node)
            rc = st_convert_filter(m, where.node, where.path, &map->fit_where);
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

/* A value naming a layer, when written, must name one. */
static steppe_status_t check_ref(M *m, cur p, const char *key)
{
    cur c = child(m, p, key);
    if (!c.path)
        return STEPPE_ERR_NOMEM;
    return c.node ? check_layer_ref(m, c.path, c.node->text, c.node->loc, NULL) : STEPPE_OK;
}

/* Defaults the schema can only describe, set before the rows are bound:
 * the legend shows when something would be in it; text is regular unless
 * a weight is written; graticule lines end flush with the frame. */
static void computed_defaults(st_map *map)
{
    for (size_t i = 0; i < map->nlayers; i++) {
        const st_thematic_spec *t = map->layers[i].thematic;
        if (map->layers[i].legend || (t && (t->classify.enabled || t->categorize.enabled || t->size.enabled)))
            map->legend = true;
        for (size_t j = 0; j < map->layers[i].nclasses; j++) {
            if (map->layers[i].classes[j].legend)
                map->legend = true;
        }
    }
    map->title_style.weight = 400;
    map->subtitle_style.weight = 400;
    map->legend_style.weight = 400;
    map->graticule_style.weight = 400;
    map->attribution_style.weight = 400;
    map->graticule_sym.cap = ST_CAP_BUTT;
}

/* True when a length is written in a physical unit (mm, cm, in, pt). */
static bool physical(const st_node *n)
{
    if (!n || n->kind != ST_NODE_SCALAR || !n->text)
        return false;
    size_t len = strlen(n->text);
    return len >= 2 && (strcmp(n->text + len - 2, "mm") == 0 || strcmp(n->text + len - 2, "cm") == 0 ||
                        strcmp(n->text + len - 2, "in") == 0 || strcmp(n->text + len - 2, "pt") == 0);
}

/* map.size: a printed width (and, for whole pages, height) in mm; a side
 * written as map.width or map.height wins over it. Column sizes leave the
 * height to the subject's aspect (the render sets it once the extent is
 * known). The printed size in inches is kept so that --dpi keeps it. */
static steppe_status_t build_size(M *m, const st_node *root)
{
    static const struct {
        double w_mm, h_mm; /* h_mm 0: the height follows the subject */
    } sizes[] = {
        [ST_SIZE_A4_COLUMN] = {170, 0},          [ST_SIZE_HALF_COLUMN] = {85, 0},
        [ST_SIZE_A4_PORTRAIT] = {210, 297},      [ST_SIZE_A4_LANDSCAPE] = {297, 210},
        [ST_SIZE_SLIDE_16X9] = {338.667, 190.5}, [ST_SIZE_LETTER_COLUMN] = {165.1, 0},
    };
    st_map *map = m->map;
    const st_node *w = node_at(root, "map.width");
    const st_node *h = node_at(root, "map.height");
    const st_node *size = node_at(root, "map.size");
    if (physical(w))
        map->width_in = map->width_px / map->dpi;
    if (physical(h))
        map->height_in = map->height_px / map->dpi;
    if (!size || st_node_is_null(size))
        return STEPPE_OK;
    map->has_size = true;
    map->size_loc = size->loc;
    if ((int)map->size < 0 || (size_t)map->size >= sizeof sizes / sizeof sizes[0])
        return st_convert_err_at(m, STEPPE_ERR_INTERNAL, size->loc, "map.size: no such size");
    /* A side written beside map.size (in the same file) wins over it; one
     * inherited from an extended style gives way to it. */
    if (w && (!w->loc.file || !size->loc.file || strcmp(w->loc.file, size->loc.file) != 0))
        w = NULL;
    if (h && (!h->loc.file || !size->loc.file || strcmp(h->loc.file, size->loc.file) != 0))
        h = NULL;
    if (!w) {
        map->width_in = sizes[map->size].w_mm / 25.4;
        map->width_px = round(map->width_in * map->dpi);
    }
    if (!h) {
        if (sizes[map->size].h_mm > 0) {
            map->height_in = sizes[map->size].h_mm / 25.4;
            map->height_px = round(map->height_in * map->dpi);
        } else {
            map->height_in = 0;
            map->height_follows = true;
            map->height_px = round(map->width_px * 0.75); /* until the extent is known */
        }
    }
    if (!(map->width_px >= 1 && map->width_px <= 32767 && map->height_px >= 1 && map->height_px <= 32767))
        return st_convert_err_at(
            m, STEPPE_ERR_STYLE_VALUE, size->loc,
            "map.size: %s at %g dpi is %.0f x %.0f px, more than the 32767 px a side may have", size->text,
            map->dpi, map->width_px, map->height_px);
    return STEPPE_OK;
}

/* map.subject: every name a layer of the map. */
static steppe_status_t build_subject(M *m, const st_node *root)
{
    const st_node *sub = node_at(root, "map.subject");
    st_map *map = m->map;
    const st_node *item = sub && sub->kind == ST_NODE_SEQ ? sub->head : sub;
    for (size_t i = 0; i < map->nsubject; i++, item = item && item != sub ? item->next : item) {
        st_loc loc = item ? item->loc : map->size_loc;
        const char *path = st_arena_printf(m->arena, "map.subject[%zu]", i);
        if (!path)
            return STEPPE_ERR_NOMEM;
        steppe_status_t rc = check_layer_ref(m, path, map->subject[i], loc, NULL);
        if (rc != STEPPE_OK)
            return rc;
    }
    return STEPPE_OK;
}

static steppe_status_t build_map(M *m, const st_node *root)
{
    st_map *map = m->map;
    cur top = {root, NULL, NULL};
    cur mc = child(m, top, "map");
    steppe_status_t rc = build_layers(m, root);
    if (rc != STEPPE_OK)
        return rc;
    computed_defaults(map);
    rc = bind_rows(m, top, ST_T_MAP, map, false);
    if (rc != STEPPE_OK)
        return rc;
    for (size_t i = 0; i < map->nlayers; i++) {
        if (map->layers[i].thematic)
            map->layers[i].thematic->legend.lang = map->language;
    }
    const st_node *crs = node_at(root, "map.crs");
    if (crs)
        map->crs_loc = crs->loc;
    const st_node *side = node_at(root, "map.width");
    side = side ? side : node_at(root, "map.height");
    if (side)
        map->size_loc = side->loc;
    rc = build_size(m, root);
    if (rc == STEPPE_OK)
        rc = build_subject(m, root);
    if (rc != STEPPE_OK)
        return rc;
    rc = build_extent(m, mc);

    /* title: "..." is shorthand for title: {text: "..."}; the subtitle is
     * set in the title's colour and font. */
    cur tc = child(m, top, "title");
    if (tc.node && tc.node->kind == ST_NODE_SCALAR)
        map->title = tc.node->text;
    map->subtitle_style.color = map->title_style.color;
    map->subtitle_style.font = map->title_style.font;

    cur in = child(m, top, "inset");
    if (!map->inset_crs)
        map->inset_crs = map->crs;
    if (!map->inset_layer)
        map->inset_layer = map->nlayers ? map->layers[0].name : NULL;
    if (rc == STEPPE_OK)
        rc = check_ref(m, in, "layer");
    if (rc == STEPPE_OK)
        rc = get_symbol(m, child(m, in, "frame"), NULL, &map->inset_frame);

    cur hl = child(m, top, "highlight");
    if (rc == STEPPE_OK)
        rc = get_symbol(m, child(m, hl, "style"), NULL, &map->highlight);
    if (rc == STEPPE_OK)
        rc = check_ref(m, hl, "nearest");
    /* atlas.layer: pages are made from the features of a data layer. */
    cur al = child(m, child(m, top, "atlas"), "layer");
    if (rc == STEPPE_OK && al.node) {
        rc = check_layer_ref(m, al.path, al.node->text, al.node->loc, NULL);
        const st_layer *a = rc == STEPPE_OK ? st_map_layer(map, al.node->text) : NULL;
        if (a && !st_kind_has_source(a->kind))
            rc = st_convert_err_at(m, STEPPE_ERR_STYLE_VALUE, al.node->loc,
                                   "%s: '%s' is a %s layer; name a layer with a source", al.path,
                                   Q(al.node->text), KIND_NAME(a->kind));
    }
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
