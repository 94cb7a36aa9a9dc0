/* Features: field lookup, attribute filters, classes, label templates.
 *
 * Filters compare the UTF-8 text of attributes. Equality (eq, ne, in,
 * not_in) is textual, except that when both sides read as numbers they are
 * compared as numbers, so a style's "643" matches a .dbf's "643.0" and
 * " 643". Ordering (lt, le, gt, ge) is numeric only: an attribute that is
 * not a number never satisfies it. */
#include "features.h"

#include <glib.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "names.h"

int st_featureset_field(const st_featureset *fs, const char *name)
{
    if (!fs || !name)
        return -1;
    return st_name_index(fs->fields, fs->nfields, name);
}

const char *st_feature_attr(const st_featureset *fs, const st_feature *f, const char *name)
{
    int i = st_featureset_field(fs, name);
    if (i < 0 || !f->attrs)
        return NULL;
    return f->attrs[i];
}

void st_featureset_derived(st_featureset *out, st_geom_type type, const st_featureset *from)
{
    memset(out, 0, sizeof *out);
    out->type = type;
    out->crs = from->crs;
    out->path = from->path;
}

bool st_featureset_reserve(st_featureset *fs, st_arena *arena, size_t n)
{
    if (n <= fs->cap)
        return true;
    st_feature *feat = st_arena_calloc(arena, n, sizeof *feat);
    if (!feat)
        return false;
    if (fs->n)
        memcpy(feat, fs->feat, fs->n * sizeof *feat);
    fs->feat = feat;
    fs->cap = n;
    return true;
}

st_feature *st_featureset_add(st_featureset *fs, st_arena *arena)
{
    /* Doubling from the arena: the old array stays behind in the arena, so
     * the waste is at most the final size. Pointers to features are
     * invalidated by a call that grows the array. */
    if (fs->n == fs->cap && !st_featureset_reserve(fs, arena, fs->cap ? fs->cap * 2 : 64))
        return NULL;
    st_feature *f = &fs->feat[fs->n++];
    memset(f, 0, sizeof *f);
    f->cls = -1;
    return f;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Powers of ten exactly representable as doubles (10^0 .. 10^22). */
static const double exact_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

bool st_parse_number(const char *s, double *out)
{
    if (!s)
        return false;
    while (is_blank(*s))
        s++;
    const char *start = s;
    bool neg = false;
    if (*s == '+' || *s == '-') {
        neg = *s == '-';
        s++;
    }
    unsigned long long mant = 0;
    int digits = 0; /* significant digits accumulated in mant */
    int exp10 = 0;
    int seen = 0; /* any digit at all */
    bool overflow = false;
    for (; *s >= '0' && *s <= '9'; s++, seen++) {
        if (mant == 0 && *s == '0')
            continue;
        if (digits < 19) {
            mant = mant * 10 + (unsigned)(*s - '0');
            digits++;
        } else {
            exp10++;
            overflow = true;
        }
    }
    if (*s == '.') {
        s++;
        for (; *s >= '0' && *s <= '9'; s++, seen++) {
            if (mant == 0 && *s == '0') {
                exp10--;
                continue;
            }
            if (digits < 19) {
                mant = mant * 10 + (unsigned)(*s - '0');
                digits++;
                exp10--;
            } else {
                overflow = true;
            }
        }
    }
    if (!seen)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        bool eneg = false;
        if (*s == '+' || *s == '-') {
            eneg = *s == '-';
            s++;
        }
        if (!(*s >= '0' && *s <= '9'))
            return false;
        int e = 0;
        for (; *s >= '0' && *s <= '9'; s++) {
            if (e < 100000)
                e = e * 10 + (*s - '0');
        }
        exp10 += eneg ? -e : e;
    }
    const char *end = s;
    while (is_blank(*s))
        s++;
    if (*s)
        return false;

    double v;
    if (mant == 0) {
        v = 0.0;
    } else if (!overflow && mant < (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
        /* Clinger's fast path: both operands are exact doubles, so one
         * IEEE multiplication or division rounds correctly. */
        v = (double)mant;
        v = exp10 < 0 ? v / exact_pow10[-exp10] : v * exact_pow10[exp10];
    } else {
        /* Rare: long mantissas or large exponents. strtod rounds correctly
         * but reads the locale's decimal point, so translate it. */
        char buf[128];
        size_t n = (size_t)(end - start);
        if (n >= sizeof buf)
            return false;
        const char *dp = localeconv()->decimal_point;
        size_t w = 0;
        for (size_t i = 0; i < n && w + 8 < sizeof buf; i++) {
            if (start[i] == '.' && dp && *dp && strcmp(dp, ".") != 0) {
                size_t dl = strlen(dp);
                memcpy(buf + w, dp, dl);
                w += dl;
            } else {
                buf[w++] = start[i];
            }
        }
        buf[w] = '\0';
        v = strtod(buf, NULL);
        neg = false; /* the sign was copied */
    }
    if (neg)
        v = -v;
    if (!isfinite(v))
        return false;
    *out = v;
    return true;
}

static bool value_equal(const char *attr, double anum, bool anumeric, const char *value)
{
    if (strcmp(attr, value) == 0)
        return true;
    double vnum;
    return anumeric && st_parse_number(value, &vnum) && anum == vnum;
}

static bool cond_match(const st_cond *c, const st_featureset *fs, const st_feature *f)
{
    int i = st_featureset_field(fs, c->field);
    if (i < 0 || !f->attrs)
        return false;
    const char *attr = f->attrs[i] ? f->attrs[i] : "";
    double anum = 0.0;
    bool anumeric = st_parse_number(attr, &anum);

    switch (c->op) {
    case ST_OP_EQ:
    case ST_OP_NE: {
        bool eq = c->nvalues > 0 && value_equal(attr, anum, anumeric, c->values[0]);
        return c->op == ST_OP_EQ ? eq : !eq;
    }
    case ST_OP_IN:
    case ST_OP_NOT_IN: {
        bool in = false;
        for (size_t k = 0; k < c->nvalues && !in; k++)
            in = value_equal(attr, anum, anumeric, c->values[k]);
        return c->op == ST_OP_IN ? in : !in;
    }
    case ST_OP_LT: return anumeric && anum < c->num;
    case ST_OP_LE: return anumeric && anum <= c->num;
    case ST_OP_GT: return anumeric && anum > c->num;
    case ST_OP_GE: return anumeric && anum >= c->num;
    }
    return false;
}

bool st_filter_match(const st_filter *filter, const st_featureset *fs, const st_feature *f)
{
    if (!filter)
        return true;
    for (size_t k = 0; k < filter->n; k++) {
        if (!cond_match(&filter->conds[k], fs, f))
            return false;
    }
    return true;
}

double st_ring_area2(const double *xy, size_t n)
{
    double s = 0;
    for (size_t i = 0, j = n - 1; i < n; j = i++)
        s += xy[2 * j] * xy[2 * i + 1] - xy[2 * i] * xy[2 * j + 1];
    return s;
}

double st_ring_area2_abs(const double *xy, size_t n)
{
    return n > 0 ? fabs(st_ring_area2(xy, n)) : -1;
}

double st_part_largest(const st_feature *f, double (*measure)(const double *xy, size_t n), uint32_t *a,
                       uint32_t *b)
{
    double best = -1;
    *a = *b = 0;
    for (uint32_t k = 0; k < f->nparts; k++) {
        uint32_t pa = st_part_begin(f, k);
        uint32_t pb = st_part_end(f, k);
        double m = measure(f->xy + 2 * (size_t)pa, pb - pa);
        if (m > best) {
            best = m;
            *a = pa;
            *b = pb;
        }
    }
    return best;
}

size_t st_featureset_filter(st_featureset *fs, const st_filter *filter)
{
    if (!filter || filter->n == 0)
        return 0;
    size_t w = 0;
    for (size_t i = 0; i < fs->n; i++) {
        if (st_filter_match(filter, fs, &fs->feat[i]))
            fs->feat[w++] = fs->feat[i];
    }
    size_t dropped = fs->n - w;
    fs->n = w;
    return dropped;
}

void st_featureset_field_list(const st_featureset *fs, char *list, size_t size)
{
    size_t w = 0;
    list[0] = '\0';
    for (size_t i = 0; i < fs->nfields; i++) {
        int n = snprintf(list + w, size - w, "%s%s", i ? ", " : "", fs->fields[i]);
        if (n < 0 || (size_t)n >= size - w) {
            memcpy(list + size - 5, "...", 4);
            break;
        }
        w += (size_t)n;
    }
    if (fs->nfields == 0)
        snprintf(list, size, "none");
}

steppe_status_t st_filter_check(steppe_ctx_t *ctx, const st_filter *filter, const st_featureset *fs)
{
    if (!filter)
        return STEPPE_OK;
    for (size_t k = 0; k < filter->n; k++) {
        const st_cond *c = &filter->conds[k];
        if (st_featureset_field(fs, c->field) >= 0)
            continue;
        char list[1024];
        st_featureset_field_list(fs, list, sizeof list);
        const char *path = fs->path ? fs->path : "the data";
        if (c->loc.file)
            return st_error(ctx, STEPPE_ERR_STYLE_KEY, "%s:%d:%d: no field '%s' in %s (fields: %s)",
                            c->loc.file, c->loc.line, c->loc.col, c->field, path, list);
        return st_error(ctx, STEPPE_ERR_STYLE_KEY, "no field '%s' in %s (fields: %s)", c->field, path, list);
    }
    return STEPPE_OK;
}

void st_featureset_classify(st_featureset *fs, const st_layer *layer)
{
    for (size_t i = 0; i < fs->n; i++) {
        st_feature *f = &fs->feat[i];
        f->cls = -1;
        for (size_t c = 0; c < layer->nclasses; c++) {
            if (st_filter_match(&layer->classes[c].where, fs, f)) {
                f->cls = (int)c;
                break;
            }
        }
    }
}

void st_bbox_grow_xy(double bbox[4], const double *xy, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        double x = xy[2 * k];
        double y = xy[2 * k + 1];
        if (!isfinite(x) || !isfinite(y) || fabs(x) > 1e30 || fabs(y) > 1e30)
            continue;
        bbox[0] = fmin(bbox[0], x);
        bbox[1] = fmin(bbox[1], y);
        bbox[2] = fmax(bbox[2], x);
        bbox[3] = fmax(bbox[3], y);
    }
}

void st_feature_update_bbox(st_feature *f)
{
    if (f->npoints == 0) {
        f->bbox[0] = f->bbox[1] = f->bbox[2] = f->bbox[3] = 0.0;
        return;
    }
    double x0 = f->xy[0], y0 = f->xy[1], x1 = x0, y1 = y0;
    for (uint32_t i = 1; i < f->npoints; i++) {
        double x = f->xy[2 * i];
        double y = f->xy[2 * i + 1];
        if (x < x0)
            x0 = x;
        if (x > x1)
            x1 = x;
        if (y < y0)
            y0 = y;
        if (y > y1)
            y1 = y;
    }
    f->bbox[0] = x0;
    f->bbox[1] = y0;
    f->bbox[2] = x1;
    f->bbox[3] = y1;
}

/* Appends value (NULL: an unknown field) to dst (when not NULL) at n as
 * it stands; returns the new length. */
static size_t put_plain(char *dst, size_t n, const char *value)
{
    if (!value)
        return n;
    size_t vl = strlen(value);
    if (dst)
        memcpy(dst + n, value, vl);
    return n + vl;
}

/* Expands tmpl into dst (when dst is not NULL) and returns the length.
 * "{name}" is the attribute, put in by put, "{{" and "}}" are literal
 * braces, a "{" without a closing "}" is literal. */
static size_t expand(char *dst, const char *tmpl, const st_featureset *fs, const st_feature *f,
                     st_put_value_fn put)
{
    size_t n = 0;
    const char *p = tmpl;
    while (*p) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            if (dst)
                dst[n] = p[0];
            n++;
            p += 2;
            continue;
        }
        const char *close = p[0] == '{' ? strchr(p + 1, '}') : NULL;
        if (!close) {
            if (dst)
                dst[n] = *p;
            n++;
            p++;
            continue;
        }
        char name[256];
        size_t len = (size_t)(close - p - 1);
        const char *value = NULL;
        if (len < sizeof name) {
            memcpy(name, p + 1, len);
            name[len] = '\0';
            value = st_feature_attr(fs, f, name);
        }
        n = put(dst, n, value);
        p = close + 1;
    }
    return n;
}

char *st_feature_format_with(st_arena *arena, const char *tmpl, const st_featureset *fs, const st_feature *f,
                             st_put_value_fn put)
{
    if (!tmpl)
        return NULL;
    size_t n = expand(NULL, tmpl, fs, f, put);
    char *out = st_arena_alloc(arena, n + 1);
    if (!out)
        return NULL;
    expand(out, tmpl, fs, f, put);
    out[n] = '\0';
    return out;
}

char *st_feature_format(st_arena *arena, const char *tmpl, const st_featureset *fs, const st_feature *f)
{
    return st_feature_format_with(arena, tmpl, fs, f, put_plain);
}

size_t st_utf8_seq(const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    if (s[0] < 0x80)
        return 1;
    /* GLib's decoder applies the full validity rules (RFC 3629). */
    gunichar c = g_utf8_get_char_validated((const gchar *)s, (gssize)n);
    if (c == (gunichar)-1 || c == (gunichar)-2)
        return 0;
    return (size_t)g_utf8_skip[s[0]];
}

bool st_featureset_add_columns(st_featureset *fs, const char *const *names, const char *types, size_t ncols,
                               const char *const *const *values, st_arena *arena)
{
    if (ncols == 0)
        return true;
    size_t total = fs->nfields + ncols;
    const char **fields = st_arena_calloc(arena, total, sizeof *fields);
    char *ftypes = st_arena_calloc(arena, total, 1);
    /* Every attrs array in one allocation: a join on a large layer makes
     * one request, not one per feature. */
    const char **attrs = st_arena_calloc(arena, fs->n ? fs->n * total : 1, sizeof *attrs);
    if (!fields || !ftypes || !attrs)
        return false;
    for (size_t c = 0; c < fs->nfields; c++) {
        fields[c] = fs->fields[c];
        ftypes[c] = fs->field_types ? fs->field_types[c] : 'C';
    }
    for (size_t c = 0; c < ncols; c++) {
        fields[fs->nfields + c] = names[c];
        ftypes[fs->nfields + c] = types ? types[c] : 'C';
    }
    for (size_t i = 0; i < fs->n; i++) {
        st_feature *f = &fs->feat[i];
        const char **a = attrs + i * total;
        for (size_t c = 0; c < fs->nfields; c++)
            a[c] = f->attrs && f->attrs[c] ? f->attrs[c] : "";
        for (size_t c = 0; c < ncols; c++) {
            const char *v = values[c] ? values[c][i] : NULL;
            a[fs->nfields + c] = v ? v : "";
        }
        f->attrs = a;
    }
    fs->fields = fields;
    fs->field_types = ftypes;
    fs->nfields = total;
    return true;
}
