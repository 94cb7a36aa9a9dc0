/* The thematic stage: per-feature class, colour and marker size from a
 * field, with legend texts and report counts (see thematic.h). */
#include "thematic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "derive.h"
#include "dynlib.h"
#include "names.h"
#include "numfmt.h"
#include "project.h"
#include "ramp.h"
#include "sort.h"

static st_rgba rgba_of(uint32_t rgb)
{
    st_rgba c = {((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0, 1.0};
    return c;
}

static uint32_t rgb_of(st_rgba c)
{
    long r = lround(fmin(fmax(c.r, 0), 1) * 255);
    long g = lround(fmin(fmax(c.g, 0), 1) * 255);
    long b = lround(fmin(fmax(c.b, 0), 1) * 255);
    return (uint32_t)((r << 16) | (g << 8) | b);
}

/* ---- messages ------------------------------------------------------------- */

/* "FILE:LINE:COL" of loc, or NULL when loc was not written in a file (the
 * form classify.h and ramp.h take as `where`). */
static const char *where_of(st_arena *arena, st_loc loc)
{
    if (!loc.file)
        return NULL;
    return st_arena_printf(arena, "%s:%d:%d", loc.file, loc.line, loc.col);
}

/* The first of a key's own location and its mapping's that was written. */
static st_loc pick(st_loc key, st_loc block)
{
    return key.file ? key : block;
}

static const char *prefix_of(st_arena *arena, st_loc loc)
{
    const char *w = where_of(arena, loc);
    return w ? st_arena_printf(arena, "%s: ", w) : "";
}

/* The legend's own words in each language. */
typedef struct legend_words {
    const char *nodata;
    const char *other;
} legend_words;

static legend_words words_of(st_language lang)
{
    switch (lang) {
    case ST_LANG_RU: return (legend_words){"Нет данных", "Прочие"};
    case ST_LANG_KK: return (legend_words){"Деректер жоқ", "Басқалары"};
    case ST_LANG_EN: break;
    }
    return (legend_words){"No data", "Other"};
}

const char *st_thematic_field_suggest(const st_featureset *fs, const char *name)
{
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; i < fs->nfields; i++) {
        size_t d = st_edit_distance(name, fs->fields[i], true);
        if (d < bestd) {
            bestd = d;
            best = fs->fields[i];
        }
    }
    /* A typo changes a letter or two; beyond a third of the name it is
     * another word (ramp.c draws the same line). */
    size_t len = strlen(name);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    return bestd <= limit ? best : NULL;
}

steppe_status_t st_thematic_no_field(steppe_ctx_t *ctx, st_arena *arena, const st_featureset *fs,
                                     const char *what, const char *name, st_loc loc)
{
    const char *near = st_thematic_field_suggest(fs, name);
    const char *path = fs->path ? fs->path : "the data";
    if (near)
        return st_error(ctx, STEPPE_ERR_STYLE_KEY, "%s%s: no field '%s' in %s; did you mean '%s'?",
                        prefix_of(arena, loc), what, name, path, near);
    char list[512];
    st_featureset_field_list(fs, list, sizeof list);
    return st_error(ctx, STEPPE_ERR_STYLE_KEY, "%s%s: no field '%s' in %s (fields: %s)",
                    prefix_of(arena, loc), what, name, path, list);
}

/* ---- values --------------------------------------------------------------- */

static bool is_blank_text(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return *s == '\0';
}

static const char *attr_at(const st_feature *f, int fi)
{
    if (!f->attrs || !f->attrs[fi])
        return "";
    return f->attrs[fi];
}

double st_thematic_number(const st_featureset *fs, const st_feature *f, int fi)
{
    (void)fs;
    double v;
    if (!st_parse_number(attr_at(f, fi), &v))
        return NAN;
    return v;
}

bool st_thematic_field_numeric(const st_featureset *fs, int fi, long *bad)
{
    char t = fs->field_types ? fs->field_types[fi] : 'C';
    if (bad)
        *bad = -1;
    if (t == 'N' || t == 'F')
        return true;
    if (t != 'C')
        return false;
    for (size_t i = 0; i < fs->n; i++) {
        const char *s = attr_at(&fs->feat[i], fi);
        double v;
        if (is_blank_text(s) || st_parse_number(s, &v))
            continue;
        if (bad)
            *bad = (long)i;
        return false;
    }
    return true;
}

/* Finds field name for `what` (classify, size, ...) and, when numeric is
 * set, checks that it holds numbers. */
static steppe_status_t find_field(steppe_ctx_t *ctx, st_arena *arena, const st_featureset *fs,
                                  const char *what, const char *name, st_loc loc, bool numeric, int *out)
{
    if (!name || !*name)
        return st_error(ctx, STEPPE_ERR_STYLE_KEY, "%s%s: no field given", prefix_of(arena, loc), what);
    int fi = st_featureset_field(fs, name);
    if (fi < 0)
        return st_thematic_no_field(ctx, arena, fs, what, name, loc);
    long bad = -1;
    if (numeric && !st_thematic_field_numeric(fs, fi, &bad)) {
        const char *path = fs->path ? fs->path : "the data";
        if (bad < 0)
            return st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                            "%s%s: field '%s' of %s is not numeric (dBASE type %c)", prefix_of(arena, loc),
                            what, name, path, fs->field_types[fi]);
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                        "%s%s: field '%s' of %s is not numeric ('%s' in record %u)", prefix_of(arena, loc),
                        what, name, path, attr_at(&fs->feat[bad], fi), (unsigned)fs->feat[bad].record + 1);
    }
    *out = fi;
    return STEPPE_OK;
}

/* ---- classify --------------------------------------------------------------- */

static steppe_status_t colours_for(steppe_ctx_t *ctx, st_arena *arena, const char *ramp, const st_rgba *list,
                                   size_t nlist, bool reverse, int k, st_loc where_loc, uint32_t *out)
{
    const char *where = where_of(arena, where_loc);
    if (list && nlist) {
        uint32_t *rgb = st_arena_calloc(arena, nlist, sizeof *rgb);
        if (!rgb)
            return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < nlist; i++)
            rgb[i] = rgb_of(list[i]);
        return st_ramp_from_list(ctx, rgb, nlist, k, reverse, out, where);
    }
    return st_ramp_colours(ctx, ramp, k, reverse, out, where);
}

static const char *nodata_label(const st_legend_format *lf)
{
    return lf->nodata_label ? lf->nodata_label : words_of(lf->lang).nodata;
}

/* The parts of a classify or categorize result that do not depend on the
 * classes: what it is, its field and its no-data entry. */
static void result_start(st_thematic_result *out, const char *kind, const char *field,
                         const st_thematic_spec *spec)
{
    out->kind = kind;
    out->field = field;
    out->nodata.label = nodata_label(&spec->legend);
    out->nodata.fill = spec->nodata;
    out->nodata.rgb = rgb_of(spec->nodata);
    out->nodata.lo = out->nodata.hi = NAN;
}

/* The opening of a classify or categorize, whichever spec enables: its
 * field, found in fs (*fi; a classify's must hold numbers), and the class
 * and fill of every feature, to be set by result_assign(). */
static steppe_status_t result_open(steppe_ctx_t *ctx, st_arena *arena, const st_featureset *fs,
                                   const st_thematic_spec *spec, int *fi, st_thematic_result *out)
{
    const st_classify_spec *cl = &spec->classify;
    const st_categorize_spec *ca = &spec->categorize;
    bool numeric = cl->enabled;
    const char *kind = numeric ? "classify" : "categorize";
    st_loc loc = numeric ? pick(cl->field_loc, cl->loc) : pick(ca->field_loc, ca->loc);
    steppe_status_t st = find_field(ctx, arena, fs, kind, numeric ? cl->field : ca->field, loc, numeric, fi);
    if (st != STEPPE_OK)
        return st;
    size_t n1 = fs->n ? fs->n : 1;
    out->cls = st_arena_calloc(arena, n1, sizeof *out->cls);
    out->fill = st_arena_calloc(arena, n1, sizeof *out->fill);
    if (!out->cls || !out->fill)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    result_start(out, kind, fs->fields[*fi], spec);
    return STEPPE_OK;
}

/* Feature i falls in entry c (-1: no data): its fill, and the count. */
static void result_assign(st_thematic_result *out, size_t i, int c, const st_thematic_spec *spec)
{
    out->cls[i] = c;
    if (c < 0) {
        out->fill[i] = spec->nodata;
        out->nodata.count++;
    } else {
        out->fill[i] = out->entries[c].fill;
        out->entries[c].count++;
    }
}

/* Colours the features of fs by the classes of field fi's numbers. */
static steppe_status_t apply_classify(steppe_ctx_t *ctx, const st_thematic_spec *spec,
                                      const st_featureset *fs, int fi, st_arena *arena,
                                      st_thematic_result *out)
{
    const st_classify_spec *cs = &spec->classify;
    steppe_status_t st = STEPPE_OK;
    double *values = st_arena_calloc(arena, fs->n ? fs->n : 1, sizeof *values);
    if (!values)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    size_t nvalid = 0;
    for (size_t i = 0; i < fs->n; i++) {
        values[i] = st_thematic_number(fs, &fs->feat[i], fi);
        nvalid += isfinite(values[i]) != 0;
    }
    out->method = st_class_method_name(cs->method);
    if (nvalid == 0) {
        /* Nothing to classify: the layer still renders, all in the no-data
         * colour, and the user hears about it once. */
        st_warn(ctx,
                "%sclassify: every value of '%s' in %s is no-data; the layer is drawn in the no-data colour",
                prefix_of(arena, pick(cs->field_loc, cs->loc)), out->field, fs->path ? fs->path : "the data");
        for (size_t i = 0; i < fs->n; i++) {
            out->cls[i] = -1;
            out->fill[i] = spec->nodata;
        }
        out->nodata.count = fs->n;
        return STEPPE_OK;
    }

    st_classify_opts opts = {
        .method = cs->method,
        .classes = cs->classes,
        .breaks = cs->breaks,
        .nbreaks = cs->nbreaks,
        .where = where_of(arena, cs->method == ST_CLASS_MANUAL ? pick(cs->breaks_loc, cs->loc)
                                                               : pick(cs->classes_loc, cs->loc)),
    };
    st_breaks b = {0};
    st = st_classify(ctx, values, fs->n, &opts, &b);
    if (st != STEPPE_OK)
        return st;
    uint32_t rgb[ST_CLASS_MAX];
    const char *ramp = cs->ramp ? cs->ramp : "YlOrRd";
    st_loc ramp_loc = pick(cs->colours ? cs->colours_loc : cs->ramp_loc, cs->loc);
    st = colours_for(ctx, arena, ramp, cs->colours, cs->ncolours, cs->reverse, b.nclasses, ramp_loc, rgb);
    if (st != STEPPE_OK)
        goto done;

    out->method_classint = b.method;
    out->nclasses = b.nclasses;
    out->edges = st_arena_calloc(arena, (size_t)b.nclasses + 1, sizeof *out->edges);
    out->entries = st_arena_calloc(arena, (size_t)b.nclasses, sizeof *out->entries);
    if (!out->edges || !out->entries) {
        st = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        goto done;
    }
    memcpy(out->edges, b.edges, ((size_t)b.nclasses + 1) * sizeof *out->edges);
    out->nentries = (size_t)b.nclasses;
    st_numfmt_opts nf = {
        .lang = spec->legend.lang,
        .decimals = spec->legend.decimals >= 0 ? spec->legend.decimals
                                               : st_numfmt_decimals(b.edges, (size_t)b.nclasses + 1),
        .no_grouping = spec->legend.no_grouping,
        .unit = spec->legend.unit,
    };
    for (int c = 0; c < b.nclasses; c++) {
        st_thematic_entry *e = &out->entries[c];
        char buf[256];
        st_numfmt_range(b.edges[c], b.edges[c + 1], &nf, buf, sizeof buf);
        e->label = st_arena_strdup(arena, buf);
        e->rgb = rgb[c];
        e->fill = rgba_of(rgb[c]);
        e->lo = b.edges[c];
        e->hi = b.edges[c + 1];
        if (!e->label) {
            st = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    for (size_t i = 0; i < fs->n; i++)
        result_assign(out, i, st_class_of(&b, values[i]), spec);
done:
    st_breaks_free(&b);
    return st;
}

/* ---- categorize ------------------------------------------------------------ */

/* Categories sort numerically when both read as numbers (district codes 2,
 * 10), else by their bytes, which for UTF-8 is code point order: the same
 * on every machine, whatever its locale. */
static int category_cmp(const void *pa, const void *pb)
{
    const char *a = *(const char *const *)pa;
    const char *b = *(const char *const *)pb;
    double x;
    double y;
    if (st_parse_number(a, &x) && st_parse_number(b, &y) && x != y)
        return x < y ? -1 : 1;
    return strcmp(a, b);
}

/* The trimmed text of s in the arena ("" stays ""). */
static const char *trimmed(st_arena *arena, const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    return st_arena_strndup(arena, s, n);
}

/* Colours the features of fs by the distinct values of field fi. */
static steppe_status_t apply_categorize(steppe_ctx_t *ctx, const st_thematic_spec *spec,
                                        const st_featureset *fs, int fi, st_arena *arena,
                                        st_thematic_result *out)
{
    const st_categorize_spec *cs = &spec->categorize;
    steppe_status_t st = STEPPE_OK;
    size_t n1 = fs->n ? fs->n : 1;
    const char **val = st_arena_calloc(arena, n1, sizeof *val);
    const char **sorted = st_arena_calloc(arena, n1 + cs->norder, sizeof *sorted);
    if (!val || !sorted)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");

    /* The distinct values: order: first, then the rest sorted. */
    size_t nv = 0;
    for (size_t i = 0; i < fs->n; i++) {
        val[i] = trimmed(arena, attr_at(&fs->feat[i], fi));
        if (!val[i])
            return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        if (*val[i])
            sorted[nv++] = val[i];
    }
    if (nv == 0) {
        st_warn(ctx,
                "%scategorize: every value of '%s' in %s is empty; the layer is drawn in the no-data colour",
                prefix_of(arena, pick(cs->field_loc, cs->loc)), out->field, fs->path ? fs->path : "the data");
    }
    qsort(sorted, nv, sizeof *sorted, category_cmp);
    size_t ndistinct = 0;
    for (size_t i = 0; i < nv; i++) {
        if (ndistinct == 0 || strcmp(sorted[ndistinct - 1], sorted[i]) != 0)
            sorted[ndistinct++] = sorted[i];
    }
    const char **cats = st_arena_calloc(arena, ndistinct + cs->norder + 1, sizeof *cats);
    if (!cats)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    size_t ncats = 0;
    for (size_t k = 0; k < cs->norder; k++) {
        bool dup = false;
        for (size_t j = 0; j < ncats && !dup; j++)
            dup = strcmp(cats[j], cs->order[k]) == 0;
        if (dup)
            return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%scategorize: order lists '%s' twice",
                            prefix_of(arena, pick(cs->order_loc, cs->loc)), cs->order[k]);
        cats[ncats++] = cs->order[k];
    }
    for (size_t i = 0; i < ndistinct; i++) {
        bool listed = false;
        for (size_t k = 0; k < cs->norder && !listed; k++)
            listed = strcmp(cs->order[k], sorted[i]) == 0;
        if (!listed)
            cats[ncats++] = sorted[i];
    }

    /* How many get a colour of their own. */
    const char *palette = cs->palette ? cs->palette : "Set3";
    st_loc pal_loc = pick(cs->colours ? cs->colours_loc : cs->palette_loc, cs->loc);
    size_t limit = ST_RAMP_MAX;
    if (cs->colours && cs->ncolours) {
        limit = cs->ncolours;
    } else {
        const st_ramp_def *def = st_ramp_find(palette);
        if (!def) {
            uint32_t dummy[1];
            return st_ramp_colours(ctx, palette, 1, false, dummy, where_of(arena, pal_loc));
        }
        if (def->kind == ST_RAMP_QUALITATIVE)
            limit = (size_t)def->max;
    }
    size_t own = ncats;
    if (cs->max > 0) {
        if ((size_t)cs->max > limit)
            return st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                            "%scategorize: max: %d categories, but %s has %zu colours",
                            prefix_of(arena, pick(cs->max_loc, cs->loc)), cs->max,
                            cs->colours ? "the colour list" : palette, limit);
        if (own > (size_t)cs->max)
            own = (size_t)cs->max;
    } else if (own > limit) {
        /* Past the palette, colours would repeat and mean nothing: the rest
         * share "other", and the user is told how many. */
        own = limit;
        st_warn(ctx,
                "%scategorize: '%s' has %zu categories and %s %zu colours; the last %zu are drawn as '%s'",
                prefix_of(arena, pick(cs->field_loc, cs->loc)), out->field, ncats,
                cs->colours ? "the colour list has" : palette, limit, ncats - own,
                spec->legend.other_label ? spec->legend.other_label : words_of(spec->legend.lang).other);
    }
    bool other = own < ncats;
    uint32_t rgb[ST_RAMP_MAX];
    if (own > 0) {
        if (cs->colours && cs->ncolours) {
            for (size_t k = 0; k < own; k++)
                rgb[k] = rgb_of(cs->colours[k]);
        } else {
            st = st_ramp_colours(ctx, palette, (int)own, false, rgb, where_of(arena, pal_loc));
            if (st != STEPPE_OK)
                return st;
        }
    }
    out->nentries = own + (other ? 1 : 0);
    out->entries = st_arena_calloc(arena, out->nentries ? out->nentries : 1, sizeof *out->entries);
    if (!out->entries)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < own; k++) {
        st_thematic_entry *e = &out->entries[k];
        e->label = cats[k];
        e->value = cats[k];
        e->rgb = rgb[k];
        e->fill = rgba_of(rgb[k]);
        e->lo = e->hi = NAN;
    }
    if (other) {
        st_thematic_entry *e = &out->entries[own];
        e->label = spec->legend.other_label ? spec->legend.other_label : words_of(spec->legend.lang).other;
        e->other = true;
        e->fill = cs->other;
        e->rgb = rgb_of(cs->other);
        e->lo = e->hi = NAN;
    }
    out->nclasses = (int)out->nentries;

    /* Each feature's entry: a binary search over the sorted categories
     * gives its rank, and rank -> entry is one table. */
    int *entry_of = st_arena_calloc(arena, ndistinct ? ndistinct : 1, sizeof *entry_of);
    if (!entry_of)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    for (size_t r = 0; r < ndistinct; r++) {
        entry_of[r] = other ? (int)own : -1;
        for (size_t k = 0; k < own; k++) {
            if (strcmp(cats[k], sorted[r]) == 0) {
                entry_of[r] = (int)k;
                break;
            }
        }
    }
    for (size_t i = 0; i < fs->n; i++) {
        int c = -1;
        if (*val[i]) {
            const char **hit = bsearch(&val[i], sorted, ndistinct, sizeof *sorted, category_cmp);
            c = hit ? entry_of[hit - sorted] : -1;
        }
        result_assign(out, i, c, spec);
    }
    return STEPPE_OK;
}

/* ---- sizes ------------------------------------------------------------------- */

double st_thematic_diameter(const st_size_spec *size, double v, double vmax)
{
    if (!(v > 0) || !(vmax > 0) || !isfinite(v))
        return 0;
    double t = v / vmax;
    double d = size->scale == ST_SIZE_LINEAR ? size->max * t : size->max * sqrt(t);
    return d < size->min ? size->min : d;
}

/* The largest of 1, 2, 5 times a power of ten that is <= v (v > 0). */
static double nice_floor(double v)
{
    double p = pow(10, floor(log10(v)));
    /* log10 of an exact power of ten can land a hair below it. */
    if (p * 10 <= v)
        p *= 10;
    if (p > v)
        p /= 10;
    if (5 * p <= v)
        return 5 * p;
    if (2 * p <= v)
        return 2 * p;
    return p;
}

size_t st_thematic_size_refs(double vmax, double out[3])
{
    if (!(vmax > 0) || !isfinite(vmax))
        return 0;
    double big = nice_floor(vmax);
    out[0] = big;
    out[1] = nice_floor(big / 2 * (1 + 1e-12));
    out[2] = nice_floor(big / 10 * (1 + 1e-12));
    return 3;
}

static steppe_status_t apply_size(steppe_ctx_t *ctx, const st_thematic_spec *spec, const st_featureset *fs,
                                  st_arena *arena, st_thematic_result *out)
{
    const st_size_spec *ss = &spec->size;
    st_loc at = pick(ss->field_loc, ss->loc);
    if (!(ss->max > 0) || !isfinite(ss->max))
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%ssize: max must be a positive size in pt, not %g",
                        prefix_of(arena, pick(ss->max_loc, ss->loc)), ss->max);
    if (!(ss->min >= 0) || ss->min > ss->max)
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%ssize: min must be between 0 and max (%g), not %g",
                        prefix_of(arena, pick(ss->min_loc, ss->loc)), ss->max, ss->min);
    int fi = -1;
    steppe_status_t st = find_field(ctx, arena, fs, "size", ss->field, at, true, &fi);
    if (st != STEPPE_OK)
        return st;
    size_t n1 = fs->n ? fs->n : 1;
    double *v = st_arena_calloc(arena, n1, sizeof *v);
    out->size = st_arena_calloc(arena, n1, sizeof *out->size);
    out->order = st_arena_calloc(arena, n1, sizeof *out->order);
    st_keyed *keys = calloc(n1, sizeof *keys);
    if (!v || !out->size || !out->order || !keys) {
        free(keys);
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    }
    out->size_field = fs->fields[fi];
    out->marker_at = ss->at;
    double vmax = 0;
    for (size_t i = 0; i < fs->n; i++) {
        v[i] = st_thematic_number(fs, &fs->feat[i], fi);
        if (isnan(v[i])) {
            out->size_nodata++;
            continue;
        }
        if (v[i] < 0) {
            free(keys);
            return st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                            "%ssize: field '%s' of %s has a negative value (%s in record %u); symbol sizes "
                            "need values >= 0",
                            prefix_of(arena, at), out->size_field, fs->path ? fs->path : "the data",
                            attr_at(&fs->feat[i], fi), (unsigned)fs->feat[i].record + 1);
        }
        if (v[i] == 0)
            out->size_zero++;
        if (v[i] > vmax)
            vmax = v[i];
    }
    if (out->size_nodata == fs->n && fs->n > 0)
        st_warn(ctx, "%ssize: every value of '%s' in %s is no-data; no markers are drawn",
                prefix_of(arena, at), out->size_field, fs->path ? fs->path : "the data");
    out->size_vmax = vmax;
    for (size_t i = 0; i < fs->n; i++) {
        out->size[i] = st_thematic_diameter(ss, v[i], vmax);
        keys[i] = (st_keyed){out->size[i], i};
    }
    /* Larger symbols first, so that small ones drawn later stay visible;
     * equal sizes keep the source order. */
    st_sort_keyed(keys, fs->n, true);
    for (size_t i = 0; i < fs->n; i++)
        out->order[i] = keys[i].index;
    free(keys);

    double refs[3];
    out->nrefs = st_thematic_size_refs(vmax, refs);
    st_numfmt_opts nf = {.lang = spec->legend.lang,
                         .decimals = spec->legend.decimals,
                         .no_grouping = spec->legend.no_grouping,
                         .unit = spec->legend.unit};
    for (size_t k = 0; k < out->nrefs; k++) {
        char buf[128];
        size_t len = st_numfmt(refs[k], &nf, buf, sizeof buf);
        const char *label = spec->legend.unit && len < sizeof buf
                                ? st_arena_printf(arena, "%s\u00a0%s", buf, spec->legend.unit)
                                : st_arena_strdup(arena, buf);
        if (!label)
            return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        out->refs[k].value = refs[k];
        out->refs[k].diameter = st_thematic_diameter(ss, refs[k], vmax);
        out->refs[k].label = label;
    }
    return STEPPE_OK;
}

steppe_status_t st_thematic_apply(steppe_ctx_t *ctx, const st_thematic_spec *spec, const st_featureset *fs,
                                  st_arena *arena, st_thematic_result *out)
{
    memset(out, 0, sizeof *out);
    out->n = fs->n;
    steppe_status_t st = STEPPE_OK;
    if (spec->classify.enabled && spec->categorize.enabled) {
        st = st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                      "%scategorize: a layer is coloured by classify or by categorize, not both",
                      prefix_of(arena, pick(spec->categorize.loc, spec->classify.loc)));
        goto fail;
    }
    int fi = -1;
    if (spec->classify.enabled || spec->categorize.enabled)
        st = result_open(ctx, arena, fs, spec, &fi, out);
    if (st == STEPPE_OK && spec->classify.enabled)
        st = apply_classify(ctx, spec, fs, fi, arena, out);
    else if (st == STEPPE_OK && spec->categorize.enabled)
        st = apply_categorize(ctx, spec, fs, fi, arena, out);
    if (st != STEPPE_OK)
        goto fail;
    if (spec->size.enabled)
        st = apply_size(ctx, spec, fs, arena, out);
    if (st != STEPPE_OK)
        goto fail;
    return STEPPE_OK;
fail:
    memset(out, 0, sizeof *out);
    return st;
}

/* ---- marker points ------------------------------------------------------------ */

/* Area centroid of all rings: holes, wound the other way (Shapefile
 * rings: outer clockwise, holes counter-clockwise), subtract. Rings are
 * weighed with the sign the largest ring gives the outside, so data wound
 * the other way round throughout works as well. */
static bool polygon_centroid(const st_feature *f, double *x, double *y)
{
    uint32_t ra;
    uint32_t rb;
    st_part_largest(f, st_ring_area2_abs, &ra, &rb);
    double big = st_ring_area2(f->xy + 2 * (size_t)ra, rb - ra);
    if (big == 0)
        return false;
    /* Relative to the first vertex, to keep the products small. */
    double ox = f->xy[0];
    double oy = f->xy[1];
    double cx = 0;
    double cy = 0;
    double area = 0;
    for (uint32_t k = 0; k < f->nparts; k++) {
        uint32_t a = st_part_begin(f, k);
        uint32_t b = st_part_end(f, k);
        for (uint32_t i = a, j = b - 1; b > a && i < b; j = i++) {
            double px = f->xy[2 * i] - ox;
            double py = f->xy[2 * i + 1] - oy;
            double qx = f->xy[2 * j] - ox;
            double qy = f->xy[2 * j + 1] - oy;
            double w = qx * py - px * qy;
            cx += (px + qx) * w;
            cy += (py + qy) * w;
            area += w;
        }
    }
    if (area == 0 || (area > 0) != (big > 0))
        return false;
    *x = ox + cx / (3 * area);
    *y = oy + cy / (3 * area);
    return true;
}

/* A line's length, for st_part_largest. */
static double line_length(const double *xy, size_t n)
{
    double len = 0;
    for (size_t i = 1; i < n; i++)
        len += hypot(xy[2 * i] - xy[2 * i - 2], xy[2 * i + 1] - xy[2 * i - 1]);
    return len;
}

static void line_midpoint(const st_feature *f, double *x, double *y)
{
    uint32_t ba;
    uint32_t bb;
    double best = st_part_largest(f, line_length, &ba, &bb);
    *x = f->xy[2 * ba];
    *y = f->xy[2 * ba + 1];
    double half = best / 2;
    for (uint32_t i = ba + 1; i < bb; i++) {
        double seg = hypot(f->xy[2 * i] - f->xy[2 * i - 2], f->xy[2 * i + 1] - f->xy[2 * i - 1]);
        if (seg >= half && seg > 0) {
            double t = half / seg;
            *x = f->xy[2 * i - 2] + t * (f->xy[2 * i] - f->xy[2 * i - 2]);
            *y = f->xy[2 * i - 1] + t * (f->xy[2 * i + 1] - f->xy[2 * i - 1]);
            return;
        }
        half -= seg;
    }
}

void st_thematic_marker_point(const st_featureset *fs, const st_feature *f, st_marker_at at, double precision,
                              double *x, double *y)
{
    *x = *y = NAN;
    if (f->npoints == 0)
        return;
    switch (fs->type) {
    case ST_GEOM_POLYGON:
        if (at == ST_MARKER_AT_CENTROID && polygon_centroid(f, x, y))
            return;
        {
            double d;
            st_polygon_pole(f, precision, x, y, &d);
        }
        return;
    case ST_GEOM_LINE: line_midpoint(f, x, y); return;
    case ST_GEOM_POINT:
    case ST_GEOM_NONE: break;
    }
    *x = f->xy[0];
    *y = f->xy[1];
}

/* ---- derived fields ------------------------------------------------------------ */

static const struct {
    const char *name;
    unsigned bit;
} derived_names[] = {
    {"area_km2", ST_DERIVED_AREA_KM2},
    {"length_km", ST_DERIVED_LENGTH_KM},
    {"lon", ST_DERIVED_LON},
    {"lat", ST_DERIVED_LAT},
};

#define NDERIVED (sizeof derived_names / sizeof derived_names[0])

unsigned st_thematic_derived_bit(const char *name)
{
    for (size_t i = 0; name && i < NDERIVED; i++) {
        if (strcmp(name, derived_names[i].name) == 0)
            return derived_names[i].bit;
    }
    return 0;
}

unsigned st_thematic_derived_in(const char *tmpl)
{
    if (!tmpl)
        return 0;
    if (!strchr(tmpl, '{'))
        return st_thematic_derived_bit(tmpl);
    unsigned mask = 0;
    for (const char *p = tmpl; *p; p++) {
        if (p[0] == '{' && p[1] == '{') {
            p++;
            continue;
        }
        if (*p != '{')
            continue;
        const char *close = strchr(p + 1, '}');
        if (!close)
            break;
        char name[32];
        size_t len = (size_t)(close - p - 1);
        if (len < sizeof name) {
            memcpy(name, p + 1, len);
            name[len] = '\0';
            mask |= st_thematic_derived_bit(name);
        }
        p = close;
    }
    return mask;
}

/* Geodesic area in km² of a polygon feature in lon/lat: the sum of its
 * rings' signed areas (Karney 2013, geod_polygon_compute), each counted
 * with the sign of the largest ring so that holes subtract however the
 * data winds its rings. */
/* The signed geodesic area in m² of the ring of n lon/lat points at xy; 0
 * for fewer than 3 points. */
static double geod_ring_area(const struct geod_geodesic *g, const double *xy, size_t n)
{
    double area = 0;
    if (n < 3)
        return area;
    struct geod_polygon p;
    geod_polygon_init(&p, 0);
    for (size_t i = 0; i < n; i++)
        geod_polygon_addpoint(g, &p, xy[2 * i + 1], xy[2 * i]);
    geod_polygon_compute(g, &p, 0, 1, &area, NULL);
    return area;
}

static double geod_area_km2(const st_feature *f)
{
    struct geod_geodesic g;
    geod_init(&g, ST_WGS84_A, ST_WGS84_F);
    /* Both sums are kept, and the sign of the largest ring decides at the
     * end which of them is the outside. */
    double pos = 0;
    double neg = 0;
    double bigpos = 0;
    double bigneg = 0;
    for (uint32_t k = 0; k < f->nparts; k++) {
        uint32_t a = st_part_begin(f, k);
        double area = geod_ring_area(&g, f->xy + 2 * (size_t)a, st_part_end(f, k) - a);
        if (area > 0) {
            pos += area;
            bigpos = fmax(bigpos, area);
        } else { /* a ring of no area (or under 3 points) adds nothing here either */
            neg -= area;
            bigneg = fmax(bigneg, -area);
        }
    }
    double m2 = bigneg >= bigpos ? neg - pos : pos - neg;
    return fmax(m2, 0) / 1e6;
}

/* The label point in degrees: the pole of inaccessibility searched in a
 * plane where a degree of longitude is cos(latitude) of a degree of
 * latitude, so that "farthest from the edge" means it on the ground and not
 * in a plate carrée stretched towards the pole. Precision: a thousandth of
 * the feature's size. */
static void lonlat_label_point(const st_featureset *fs, const st_feature *f, double *lon, double *lat)
{
    if (fs->type != ST_GEOM_POLYGON || f->npoints < 3) {
        st_thematic_marker_point(fs, f, ST_MARKER_AT_LABEL_POINT, 0, lon, lat);
        return;
    }
    double y0 = f->bbox[1];
    double y1 = f->bbox[3];
    if (!(y1 >= y0)) {
        y0 = y1 = f->xy[1];
    }
    double k = cos((y0 + y1) / 2 * M_PI / 180);
    if (!(k > 0.01))
        k = 0.01;
    st_feature copy = *f;
    copy.xy = malloc(2 * sizeof(double) * f->npoints);
    if (!copy.xy) {
        st_thematic_marker_point(fs, f, ST_MARKER_AT_CENTROID, 0, lon, lat);
        return;
    }
    for (uint32_t i = 0; i < f->npoints; i++) {
        copy.xy[2 * i] = f->xy[2 * i] * k;
        copy.xy[2 * i + 1] = f->xy[2 * i + 1];
    }
    st_feature_update_bbox(&copy);
    double size = fmax(copy.bbox[2] - copy.bbox[0], copy.bbox[3] - copy.bbox[1]);
    double x;
    double y;
    double d;
    st_polygon_pole(&copy, size > 0 ? size / 1000 : 1e-6, &x, &y, &d);
    free(copy.xy);
    *lon = x / k;
    *lat = y;
}

bool st_thematic_derived_value(const st_featureset *fs, const st_feature *f, const char *name, double *out)
{
    unsigned bit = st_thematic_derived_bit(name);
    *out = NAN;
    switch (bit) {
    case ST_DERIVED_AREA_KM2:
        if (fs->type != ST_GEOM_POLYGON)
            return false;
        *out = geod_area_km2(f);
        return true;
    case ST_DERIVED_LENGTH_KM: {
        if (fs->type != ST_GEOM_LINE)
            return false;
        double km = 0;
        for (uint32_t k = 0; k < f->nparts; k++) {
            uint32_t a = st_part_begin(f, k);
            uint32_t b = st_part_end(f, k);
            km += st_geod_polyline_km(f->xy + 2 * (size_t)a, b - a);
        }
        *out = km;
        return true;
    }
    case ST_DERIVED_LON:
    case ST_DERIVED_LAT: {
        double lon;
        double lat;
        if (f->npoints == 0)
            return true; /* no geometry: no-data */
        lonlat_label_point(fs, f, &lon, &lat);
        *out = bit == ST_DERIVED_LON ? lon : lat;
        return true;
    }
    default: return false;
    }
}

steppe_status_t st_thematic_derive_fields(steppe_ctx_t *ctx, st_featureset *fs, unsigned mask, st_loc loc,
                                          st_arena *arena)
{
    const char *names[NDERIVED];
    const char **cols[NDERIVED];
    char types[NDERIVED];
    size_t ncols = 0;
    st_proj *proj = NULL;
    double *buf = NULL;
    steppe_status_t st = STEPPE_OK;
    const char *pre = prefix_of(arena, loc);

    for (size_t d = 0; d < NDERIVED; d++) {
        if (!(mask & derived_names[d].bit) || st_featureset_field(fs, derived_names[d].name) >= 0)
            continue;
        unsigned bit = derived_names[d].bit;
        if (bit == ST_DERIVED_AREA_KM2 && fs->type != ST_GEOM_POLYGON)
            return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%sarea_km2 is measured on polygons, and %s has %s",
                            pre, fs->path ? fs->path : "the layer",
                            fs->type == ST_GEOM_LINE ? "lines" : "points");
        if (bit == ST_DERIVED_LENGTH_KM && fs->type != ST_GEOM_LINE)
            return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%slength_km is measured on lines, and %s has %s",
                            pre, fs->path ? fs->path : "the layer",
                            fs->type == ST_GEOM_POLYGON ? "polygons" : "points");
        names[ncols] = derived_names[d].name;
        types[ncols] = 'N';
        cols[ncols] = st_arena_calloc(arena, fs->n ? fs->n : 1, sizeof(char *));
        if (!cols[ncols])
            return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        ncols++;
    }
    if (ncols == 0)
        return STEPPE_OK;
    st = st_ctx_load_proj(ctx);
    if (st != STEPPE_OK)
        return st;
    if (fs->crs && !st_crs_is_wgs84(fs->crs)) {
        st = st_proj_create(ctx, fs->crs, ST_CRS_WGS84, loc, &proj);
        if (st != STEPPE_OK)
            return st;
    }
    for (size_t i = 0; i < fs->n; i++) {
        st_feature *f = &fs->feat[i];
        st_feature ll = *f;
        bool ok = true;
        if (proj && f->npoints > 0) {
            /* Measured in lon/lat; the features keep their source CRS. */
            double *nb = realloc(buf, 2 * sizeof(double) * f->npoints);
            if (!nb) {
                st = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
                goto done;
            }
            buf = nb;
            memcpy(buf, f->xy, 2 * sizeof(double) * f->npoints);
            ok = st_proj_trans(proj, buf, f->npoints, false) == 0;
            ll.xy = buf;
            st_feature_update_bbox(&ll);
        }
        for (size_t c = 0; c < ncols; c++) {
            double v = NAN;
            if (ok)
                st_thematic_derived_value(fs, &ll, names[c], &v);
            bool km = strcmp(names[c], "lon") != 0 && strcmp(names[c], "lat") != 0;
            cols[c][i] = isfinite(v) ? st_arena_printf(arena, km ? "%.3f" : "%.6f", v) : "";
            if (!cols[c][i]) {
                st = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
                goto done;
            }
        }
    }
    if (!st_featureset_add_columns(fs, names, types, ncols, (const char *const *const *)cols, arena))
        st = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
done:
    free(buf);
    st_proj_destroy(proj);
    return st;
}
