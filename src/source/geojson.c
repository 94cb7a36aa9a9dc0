/* Source: GeoJSON (RFC 7946) and newline-delimited GeoJSON.
 *
 * The file is memory-mapped and walked by a small scanner of our own that
 * knows only the outer shape of a GeoJSON text: a sequence of top-level
 * objects (one for a FeatureCollection, Feature or bare geometry; one per
 * line in newline-delimited GeoJSON, RFC 8142's record separators allowed),
 * whose members are parsed one at a time by json-c's tokener. A
 * FeatureCollection's "features" array is streamed: each feature is parsed,
 * culled by the bbox, kept or dropped, and its JSON tree freed before the
 * next is read; the mapped pages behind the scanner are released every
 * 8 MB. So memory is what the kept features take plus one feature's tree,
 * whatever the file's size.
 *
 * Errors name the place as FILE:LINE:COL (the scanner counts lines as it
 * goes; json-c's own errors are placed at the byte where it stopped), and
 * for errors inside a feature its JSON path
 * ("features[12].geometry.coordinates[0][3]"). A bad feature fails the read:
 * GeoJSON is written by programs, and a broken one means the file is. */
#include <glib.h>
#include <json-c/json.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver.h"
#include "source.h"

/* The mapped pages behind the scanner are given back this often. */
#define RELEASE_STEP ((size_t)8 << 20)
/* Geometry collections nest at most this deep; json-c's own limit on the
 * nesting of arrays and objects is JSON_TOKENER_DEFAULT_DEPTH (32). */
#define MAX_COLLECTION_DEPTH 8

typedef struct gj_reader {
    st_read_job job;

    const unsigned char *buf;
    size_t size;
    size_t pos;
    /* line and column counted up to lc_pos */
    size_t lc_pos, line, line_start;
    size_t released; /* pages before this offset were given back */
    json_tokener *tok;

    /* fields: names in first-seen order, their index + 1 by name */
    GHashTable *index;
    const char **names;
    char *types;
    size_t nfields, capfields;
    size_t *nattrs; /* per kept feature: how many fields it was given */
    size_t capnattrs;

    /* the feature being read */
    double *xy;
    size_t npts, capxy;
    uint32_t *parts;
    size_t nparts, capparts;
    st_geom_type cls;     /* of the feature */
    uint32_t other_parts; /* of a collection, of another class */

    /* Coordinates are parsed by the scanner, not by json-c (whose object
     * per number was most of the time): nodes in pre-order, each
     * "coordinates" value one root, which the tree json-c builds holds as
     * the integer placeholder indexing croot. */
    struct cnode *cn;
    size_t ncn, capcn;
    uint32_t *croot;
    size_t ncroot, capcroot;
    struct segment *seg; /* the text json-c is fed around the coordinates */
    size_t nseg, capseg;

    size_t feature_no; /* features met, for record numbers and paths */
    const char *crs;   /* from a crs member */
    int crs_after;     /* a crs member came after features were read */
    int describe_only; /* stop at the features: describe() */
    size_t mixed;      /* features of another class than the set's, skipped */
    double bounds[4];
    int have_bounds;
} gj_reader;

/* ---- places ---------------------------------------------------------------- */

static void advance_lc(gj_reader *r, size_t to)
{
    if (to > r->size)
        to = r->size;
    while (r->lc_pos < to) {
        const unsigned char *nl = memchr(r->buf + r->lc_pos, '\n', to - r->lc_pos);
        if (!nl) {
            r->lc_pos = to;
            break;
        }
        r->line++;
        r->lc_pos = (size_t)(nl - r->buf) + 1;
        r->line_start = r->lc_pos;
    }
}

/* "PATH:LINE:COL: [INSIDE: ]message" of a data error at byte at, the
 * message from fmt and ap; the column counts characters (UTF-8
 * sequences), from 1. */
static steppe_status_t verr_at(gj_reader *r, size_t at, const char *inside, const char *fmt, va_list ap)
{
    if (at < r->lc_pos)
        at = r->lc_pos; /* never behind what was counted */
    advance_lc(r, at);
    size_t col = 1;
    for (size_t i = r->line_start; i < at && i < r->size; i++)
        col += (r->buf[i] & 0xC0) != 0x80;
    char where[1536];
    snprintf(where, sizeof where, "%s:%zu:%zu%s%s", r->job.path, r->line, col, inside ? ": " : "",
             inside ? inside : "");
    return st_verror(r->job.ctx, STEPPE_ERR_DATA_CORRUPT, where, fmt, ap);
}

static steppe_status_t err_at(gj_reader *r, size_t at, const char *inside, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* verr_at() with the message's arguments. */
static steppe_status_t err_at(gj_reader *r, size_t at, const char *inside, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    steppe_status_t st = verr_at(r, at, inside, fmt, ap);
    va_end(ap);
    return st;
}

/* A path inside a feature, for messages: fixed buffer, cut when long. */
typedef struct jpath {
    char s[256];
    size_t n;
} jpath;

static size_t jp_push(jpath *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static size_t jp_push(jpath *p, const char *fmt, ...)
{
    size_t old = p->n;
    if (p->n < sizeof p->s) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(p->s + p->n, sizeof p->s - p->n, fmt, ap);
        va_end(ap);
        if (k > 0)
            p->n = p->n + (size_t)k < sizeof p->s ? p->n + (size_t)k : sizeof p->s - 1;
    }
    return old;
}

static void jp_pop(jpath *p, size_t old)
{
    p->n = old;
    p->s[old] = '\0';
}

/* ---- the scanner ------------------------------------------------------------- */

static void skip_ws(gj_reader *r)
{
    while (r->pos < r->size) {
        unsigned char c = r->buf[r->pos];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x1e)
            r->pos++;
        else
            break;
    }
}

/* Gives back the mapped pages the scanner has passed, so that a file of
 * any size costs its kept features, not its bytes. (A later message's line
 * count reads them again from the file.) */
static void release_behind(gj_reader *r)
{
    if (r->pos - r->released < RELEASE_STEP)
        return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t from = r->released & ~(page - 1);
    size_t to = r->pos & ~(page - 1);
    if (to > from)
        madvise((void *)(r->buf + from), to - from, MADV_DONTNEED);
    r->released = to;
}

/* One JSON value at pos, parsed by json-c alone; *out is NULL for null. */
static steppe_status_t parse_plain(gj_reader *r, json_object **out)
{
    *out = NULL;
    size_t start = r->pos;
    if (start >= r->size)
        return err_at(r, r->size, NULL, "the JSON text ends too early (truncated?)");
    json_tokener_reset(r->tok);
    json_object *o = NULL;
    enum json_tokener_error e = json_tokener_continue;
    size_t at = start;
    while (at < r->size) {
        size_t chunk = r->size - at;
        if (chunk > (size_t)1 << 30)
            chunk = (size_t)1 << 30;
        o = json_tokener_parse_ex(r->tok, (const char *)r->buf + at, (int)chunk);
        e = json_tokener_get_error(r->tok);
        size_t used = json_tokener_get_parse_end(r->tok);
        at += used;
        if (e != json_tokener_continue)
            break;
        if (used < chunk)
            break;
    }
    if (e == json_tokener_continue) {
        /* A number at the very end is complete; anything else was cut. */
        o = json_tokener_parse_ex(r->tok, "", 1);
        e = json_tokener_get_error(r->tok);
        if (e != json_tokener_success) {
            json_object_put(o);
            return err_at(r, r->size, NULL, "the JSON text ends too early (truncated?)");
        }
    }
    if (e != json_tokener_success) {
        json_object_put(o);
        size_t where = at > start ? at - 1 : start;
        return err_at(r, where, NULL, "not valid JSON: %s", json_tokener_error_desc(e));
    }
    r->pos = at;
    *out = o;
    return STEPPE_OK;
}

static int grow(void **p, size_t *cap, size_t need, size_t size);

/* A node of a coordinates tree: an array (count children following it in
 * pre-order, size nodes in all with itself) or a number. */
typedef struct cnode {
    double v;
    size_t off; /* where it starts in the file */
    uint32_t size, count;
    int array;
} cnode;

typedef struct segment {
    size_t from, to; /* file text fed to json-c */
    long ph;         /* then this placeholder (-1: none) */
} segment;

/* The roles of containers the pre-scan tells apart. */
enum { ROLE_OTHER, ROLE_FEATURE, ROLE_GEOM, ROLE_GEOMS };
/* The keys that matter. */
enum { KEY_OTHER, KEY_GEOMETRY, KEY_GEOMETRIES, KEY_COORDINATES };
/* What parse_value() is given. */
enum { PV_PLAIN, PV_FEATURE, PV_GEOMETRY, PV_GEOMETRIES };

#define MAX_DEPTH JSON_TOKENER_DEFAULT_DEPTH

static steppe_status_t nomem(gj_reader *r)
{
    return st_error(r->job.ctx, STEPPE_ERR_NOMEM, "%s: out of memory", r->job.path);
}

static steppe_status_t truncated(gj_reader *r)
{
    return err_at(r, r->size, NULL, "the JSON text ends too early (truncated?)");
}

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The first byte of the next token, past white space from *p, with *p moved
 * to it; -1 at the end of the file. */
static int next_byte(const gj_reader *r, size_t *p)
{
    while (*p < r->size && is_ws(r->buf[*p]))
        (*p)++;
    return *p < r->size ? r->buf[*p] : -1;
}

static steppe_status_t cerr(gj_reader *r, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An error inside a coordinates array, naming the feature it is in. */
static steppe_status_t cerr(gj_reader *r, size_t at, const char *fmt, ...)
{
    char inside[64];
    snprintf(inside, sizeof inside, "feature %zu: \"coordinates\"", r->feature_no + 1);
    va_list ap;
    va_start(ap, fmt);
    steppe_status_t st = verr_at(r, at, inside, fmt, ap);
    va_end(ap);
    return st;
}

/* A JSON number at p (RFC 8259's grammar), its value in *v and its end in
 * *end; out of range (beyond a double) is an error at p. */
static steppe_status_t number_at(gj_reader *r, size_t p, double *v, size_t *end)
{
    const unsigned char *b = r->buf;
    size_t q = p;
    if (q < r->size && b[q] == '-')
        q++;
    if (q >= r->size)
        return truncated(r);
    if (b[q] == '0') {
        q++;
    } else if (b[q] >= '1' && b[q] <= '9') {
        while (q < r->size && b[q] >= '0' && b[q] <= '9')
            q++;
    } else {
        return cerr(r, p, "not valid JSON: a number expected");
    }
    if (q < r->size && b[q] == '.') {
        size_t d = ++q;
        while (q < r->size && b[q] >= '0' && b[q] <= '9')
            q++;
        if (q == d)
            return q >= r->size ? truncated(r) : cerr(r, q, "not valid JSON: a digit expected");
    }
    if (q < r->size && (b[q] == 'e' || b[q] == 'E')) {
        q++;
        if (q < r->size && (b[q] == '+' || b[q] == '-'))
            q++;
        size_t d = q;
        while (q < r->size && b[q] >= '0' && b[q] <= '9')
            q++;
        if (q == d)
            return q >= r->size ? truncated(r) : cerr(r, q, "not valid JSON: a digit expected");
    }
    if (q >= r->size)
        return truncated(r);
    char text[400];
    if (q - p >= sizeof text)
        return cerr(r, p, "a number of %zu characters (at most %zu)", q - p, sizeof text - 1);
    memcpy(text, b + p, q - p);
    text[q - p] = '\0';
    if (!st_parse_number(text, v))
        return cerr(r, p, "number out of range");
    *end = q;
    return STEPPE_OK;
}

static steppe_status_t add_node(gj_reader *r, size_t off, int array, double v)
{
    if (r->ncn >= UINT32_MAX - 1 || grow((void **)&r->cn, &r->capcn, r->ncn + 1, sizeof *r->cn) != 0)
        return nomem(r);
    r->cn[r->ncn] = (cnode){.v = v, .off = off, .size = 1, .array = array};
    r->ncn++;
    return STEPPE_OK;
}

/* The coordinates array at p into the node tree; *end past it, *ph its
 * placeholder. */
static steppe_status_t coords_parse(gj_reader *r, size_t p, size_t *end, long *ph)
{
    enum { VALUE_OR_CLOSE, VALUE, COMMA_OR_CLOSE } state = VALUE;
    uint32_t stack[MAX_DEPTH];
    int depth = 0;
    uint32_t root = (uint32_t)r->ncn;
    steppe_status_t st;
    for (;;) {
        int c = next_byte(r, &p);
        if (c < 0)
            return truncated(r);
        if (state == COMMA_OR_CLOSE && c == ',') {
            p++;
            state = VALUE;
            continue;
        }
        if (state != VALUE && c == ']') {
            uint32_t top = stack[--depth];
            r->cn[top].size = (uint32_t)(r->ncn - top);
            p++;
            if (depth == 0)
                break;
            state = COMMA_OR_CLOSE;
            continue;
        }
        if (state == COMMA_OR_CLOSE)
            return cerr(r, p, "not valid JSON: ',' or ']' expected");
        if (depth == 0 && c != '[')
            return cerr(r, p, "not an array");
        if (depth > 0)
            r->cn[stack[depth - 1]].count++;
        if (c == '[') {
            if (depth == MAX_DEPTH)
                return cerr(r, p, "arrays nested deeper than %d", MAX_DEPTH);
            stack[depth++] = (uint32_t)r->ncn;
            st = add_node(r, p, 1, 0.0);
            if (st != STEPPE_OK)
                return st;
            p++;
            state = VALUE_OR_CLOSE;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            double v = 0.0;
            size_t q = p;
            st = number_at(r, p, &v, &q);
            if (st == STEPPE_OK)
                st = add_node(r, p, 0, v);
            if (st != STEPPE_OK)
                return st;
            p = q;
            state = COMMA_OR_CLOSE;
        } else if (depth == 0) {
            return cerr(r, p, "not an array");
        } else {
            return cerr(r, p, "a %s, where only numbers and arrays belong",
                        c == '"'   ? "string"
                        : c == '{' ? "object"
                                   : "value");
        }
    }
    if (grow((void **)&r->croot, &r->capcroot, r->ncroot + 1, sizeof *r->croot) != 0)
        return nomem(r);
    r->croot[r->ncroot] = root;
    *ph = (long)r->ncroot++;
    *end = p;
    return STEPPE_OK;
}

static int key_of(const unsigned char *s, size_t n)
{
    if (n == 8 && memcmp(s, "geometry", 8) == 0)
        return KEY_GEOMETRY;
    if (n == 10 && memcmp(s, "geometries", 10) == 0)
        return KEY_GEOMETRIES;
    if (n == 11 && memcmp(s, "coordinates", 11) == 0)
        return KEY_COORDINATES;
    return KEY_OTHER;
}

/* The end of the string opening at p (past its closing quote). */
static steppe_status_t string_end(gj_reader *r, size_t p, size_t *end)
{
    for (size_t q = p + 1; q < r->size; q++) {
        if (r->buf[q] == '\\') {
            q++;
            continue;
        }
        if (r->buf[q] == '"') {
            *end = q + 1;
            return STEPPE_OK;
        }
    }
    return truncated(r);
}

static steppe_status_t add_segment(gj_reader *r, size_t from, size_t to, long ph)
{
    if (grow((void **)&r->seg, &r->capseg, r->nseg + 1, sizeof *r->seg) != 0)
        return nomem(r);
    r->seg[r->nseg++] = (segment){from, to, ph};
    return STEPPE_OK;
}

/* The pre-scan: the structure of the value at r->pos (an object or array)
 * down to its end, the "coordinates" of its geometries parsed into nodes
 * and cut out of the text json-c will see. */
static steppe_status_t prescan(gj_reader *r, int kind, size_t *end)
{
    struct frame {
        unsigned char close;
        unsigned char role;
        unsigned char key;
        unsigned char
            state; /* 0 key or close, 1 ':', 2 value, 3 ',' or close; arrays: 2, 3, 4 value or close */
    } stack[MAX_DEPTH + 1];
    int depth = 0;
    size_t p = r->pos;
    size_t from = p;
    r->nseg = 0;
    steppe_status_t st;
    for (;;) {
        int c = next_byte(r, &p);
        if (c < 0)
            return truncated(r);
        struct frame *f = depth ? &stack[depth - 1] : NULL;
        if (f && f->close == '}' && (f->state == 0 || f->state == 3) && c == '}') {
            depth--;
            p++;
        } else if (f && f->close == ']' && (f->state == 3 || f->state == 4) && c == ']') {
            depth--;
            p++;
        } else if (f && f->state == 3 && c == ',') {
            f->state = f->close == '}' ? 0 : 2;
            p++;
            continue;
        } else if (f && f->state == 1) {
            if (c != ':')
                return err_at(r, p, NULL, "not valid JSON: ':' expected");
            f->state = 2;
            p++;
            continue;
        } else if (f && f->state == 0) {
            if (c != '"')
                return err_at(r, p, NULL, "not valid JSON: a member name expected");
            size_t q = p;
            st = string_end(r, p, &q);
            if (st != STEPPE_OK)
                return st;
            f->key = (unsigned char)key_of(r->buf + p + 1, q - p - 2);
            f->state = 1;
            p = q;
            continue;
        } else if (f && f->state == 3) {
            return err_at(r, p, NULL, "not valid JSON: ',' or '%c' expected", f->close);
        } else {
            /* a value */
            int role = ROLE_OTHER;
            if (!f)
                role = kind == PV_FEATURE ? ROLE_FEATURE : kind == PV_GEOMETRY ? ROLE_GEOM : ROLE_GEOMS;
            else if (f->role == ROLE_FEATURE && f->key == KEY_GEOMETRY && f->close == '}')
                role = ROLE_GEOM;
            else if (f->role == ROLE_GEOM && f->key == KEY_GEOMETRIES && f->close == '}')
                role = ROLE_GEOMS;
            else if (f->role == ROLE_GEOMS && f->close == ']')
                role = ROLE_GEOM;
            if (f && f->role == ROLE_GEOM && f->close == '}' && f->key == KEY_COORDINATES) {
                long ph = -1;
                size_t q = p;
                st = add_segment(r, from, p, -1);
                if (st == STEPPE_OK)
                    st = coords_parse(r, p, &q, &ph);
                if (st != STEPPE_OK)
                    return st;
                r->seg[r->nseg - 1].ph = ph;
                from = p = q;
                f->state = 3;
                continue;
            }
            if (c == '{' || c == '[') {
                if (depth == MAX_DEPTH)
                    return err_at(r, p, NULL, "JSON nested deeper than %d", MAX_DEPTH);
                if (f)
                    f->state = 3;
                stack[depth++] =
                    (struct frame){c == '{' ? '}' : ']', (unsigned char)role, KEY_OTHER, c == '{' ? 0 : 4};
                p++;
                continue;
            }
            if (!f)
                return err_at(r, p, NULL, "not valid JSON: an object or array expected");
            if (c == '"') {
                st = string_end(r, p, &p);
                if (st != STEPPE_OK)
                    return st;
            } else {
                size_t q = p;
                while (q < r->size && r->buf[q] != ',' && r->buf[q] != '}' && r->buf[q] != ']' &&
                       !is_ws(r->buf[q]))
                    q++;
                if (q == p)
                    return err_at(r, p, NULL, "not valid JSON: a value expected");
                p = q;
            }
            f->state = 3;
            continue;
        }
        /* a container closed */
        if (depth == 0)
            break;
        stack[depth - 1].state = 3;
    }
    *end = p;
    return add_segment(r, from, p, -1);
}

/* Feeds n bytes at s to json-c; *o when it completes. base: the file offset
 * of s, for messages (SIZE_MAX: a placeholder). */
static steppe_status_t feed(gj_reader *r, const char *s, size_t n, size_t base, json_object **o, int *done)
{
    while (n > 0 && !*done) {
        size_t chunk = n > ((size_t)1 << 30) ? (size_t)1 << 30 : n;
        *o = json_tokener_parse_ex(r->tok, s, (int)chunk);
        enum json_tokener_error e = json_tokener_get_error(r->tok);
        size_t used = json_tokener_get_parse_end(r->tok);
        if (e == json_tokener_success) {
            *done = 1;
            return STEPPE_OK;
        }
        if (e != json_tokener_continue) {
            size_t at = base == SIZE_MAX ? r->pos : base + (used ? used - 1 : 0);
            return err_at(r, at, NULL, "not valid JSON: %s", json_tokener_error_desc(e));
        }
        s += chunk;
        n -= chunk;
        if (base != SIZE_MAX)
            base += chunk;
    }
    return STEPPE_OK;
}

/* One JSON value at pos: a feature, a geometry or an array of them have
 * their coordinates parsed by the pre-scan; anything else, json-c alone. */
static steppe_status_t parse_value(gj_reader *r, json_object **out, int kind)
{
    *out = NULL;
    if (r->pos >= r->size)
        return truncated(r);
    unsigned char c = r->buf[r->pos];
    if (kind == PV_PLAIN || (c != '{' && c != '['))
        return parse_plain(r, out);
    size_t end = r->pos;
    steppe_status_t st = prescan(r, kind, &end);
    if (st != STEPPE_OK)
        return st;
    json_tokener_reset(r->tok);
    json_object *o = NULL;
    int done = 0;
    for (size_t i = 0; i < r->nseg && st == STEPPE_OK; i++) {
        const segment *sg = &r->seg[i];
        st = feed(r, (const char *)r->buf + sg->from, sg->to - sg->from, sg->from, &o, &done);
        if (st == STEPPE_OK && sg->ph >= 0) {
            char num[32];
            int k = snprintf(num, sizeof num, "%ld", sg->ph);
            st = feed(r, num, (size_t)k, SIZE_MAX, &o, &done);
        }
    }
    if (st == STEPPE_OK && !done)
        st = err_at(r, end, NULL, "not valid JSON");
    if (st != STEPPE_OK) {
        json_object_put(o);
        return st;
    }
    r->pos = end;
    *out = o;
    return STEPPE_OK;
}

static steppe_status_t expect(gj_reader *r, char c, const char *what)
{
    skip_ws(r);
    if (r->pos >= r->size)
        return err_at(r, r->size, NULL, "the JSON text ends too early (truncated?): %s expected", what);
    if (r->buf[r->pos] != (unsigned char)c)
        return err_at(r, r->pos, NULL, "not valid JSON: %s expected", what);
    r->pos++;
    return STEPPE_OK;
}

/* ---- geometry ------------------------------------------------------------------ */

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

typedef struct gctx {
    gj_reader *r;
    size_t at; /* where the feature starts, for messages */
    jpath path;
} gctx;

/* "a number", "an array", ... for messages. */
static const char *jtype(json_object *o)
{
    switch (o ? json_object_get_type(o) : json_type_null) {
    case json_type_null: return "null";
    case json_type_boolean: return "a boolean";
    case json_type_double:
    case json_type_int: return "a number";
    case json_type_object: return "an object";
    case json_type_array: return "an array";
    case json_type_string: return "a string";
    }
    return "a value";
}

/* The node after node i's subtree. */
static uint32_t next_node(const gj_reader *r, uint32_t i)
{
    return i + r->cn[i].size;
}

/* A position: [x, y, ...] of at least two numbers. */
static steppe_status_t position(gctx *g, uint32_t i, double *x, double *y)
{
    const cnode *n = &g->r->cn[i];
    if (!n->array)
        return err_at(g->r, n->off, g->path.s,
                      "a number where a position (an array of numbers) was expected: wrong "
                      "coordinate depth");
    if (n->count < 2)
        return err_at(g->r, n->off, g->path.s, "a position of %u number%s (at least 2 needed)", n->count,
                      n->count == 1 ? "" : "s");
    for (uint32_t k = 1; k <= n->count; k++) {
        if (n[k].array)
            return err_at(g->r, n[k].off, g->path.s,
                          "an array inside a position, where a number was expected: wrong coordinate depth");
    }
    *x = n[1].v;
    *y = n[2].v;
    return STEPPE_OK;
}

/* Whether a part of class c is kept: the feature's first class decides. */
static int keep_class(gj_reader *r, st_geom_type c)
{
    if (r->cls == ST_GEOM_NONE)
        r->cls = c;
    if (r->cls != c) {
        r->other_parts++;
        return 0;
    }
    return 1;
}

/* An array of positions (node i) as one part (a line, a ring), or as
 * points. */
static steppe_status_t run(gctx *g, uint32_t i, st_geom_type c, int ring)
{
    gj_reader *r = g->r;
    const cnode *a = &r->cn[i];
    if (!a->array)
        return err_at(g->r, a->off, g->path.s,
                      "a number where an array of positions was expected: wrong coordinate depth");
    size_t n = a->count;
    if (n == 0)
        return STEPPE_OK;
    const cnode *first = a + 1;
    if (!first->array)
        return err_at(g->r, first->off, g->path.s,
                      "a number where a position (an array of numbers) was expected: wrong coordinate depth");
    if (first->count > 0 && first[1].array)
        return err_at(g->r, first[1].off, g->path.s,
                      "an array of arrays where a position (an array of numbers) was expected: "
                      "wrong coordinate depth");
    if (c == ST_GEOM_LINE && n < 2)
        return err_at(g->r, a->off, g->path.s, "a line of 1 position (at least 2 needed)");
    if (ring && n < 4)
        return err_at(g->r, a->off, g->path.s, "a ring of %zu positions (at least 4 needed)", n);
    if (!keep_class(r, c))
        return STEPPE_OK;
    if (n > UINT32_MAX / 4 || grow((void **)&r->xy, &r->capxy, 2 * (r->npts + n), sizeof *r->xy) != 0 ||
        grow((void **)&r->parts, &r->capparts, r->nparts + (c == ST_GEOM_POINT ? n : 1), sizeof *r->parts) !=
            0)
        return nomem(r);
    if (c != ST_GEOM_POINT)
        r->parts[r->nparts++] = (uint32_t)r->npts;
    uint32_t k = i + 1;
    for (size_t e = 0; e < n; e++, k = next_node(r, k)) {
        double x = 0.0, y = 0.0;
        size_t old = jp_push(&g->path, "[%zu]", e);
        steppe_status_t st = position(g, k, &x, &y);
        if (st != STEPPE_OK)
            return st;
        jp_pop(&g->path, old);
        if (c == ST_GEOM_POINT)
            r->parts[r->nparts++] = (uint32_t)r->npts;
        r->xy[2 * r->npts] = x;
        r->xy[2 * r->npts + 1] = y;
        r->npts++;
    }
    if (ring) {
        const double *p0 = r->xy + 2 * (r->npts - n);
        const double *last = r->xy + 2 * (r->npts - 1);
        if (p0[0] != last[0] || p0[1] != last[1])
            return err_at(g->r, a->off, g->path.s, "ring not closed (its last position is not its first)");
    }
    return STEPPE_OK;
}

static steppe_status_t each(gctx *g, uint32_t i, const char *what, steppe_status_t (*fn)(gctx *, uint32_t))
{
    const cnode *a = &g->r->cn[i];
    if (!a->array)
        return err_at(g->r, a->off, g->path.s,
                      "a number where an array of %s was expected: wrong coordinate depth", what);
    uint32_t k = i + 1;
    for (size_t e = 0; e < a->count; e++, k = next_node(g->r, k)) {
        size_t old = jp_push(&g->path, "[%zu]", e);
        steppe_status_t st = fn(g, k);
        if (st != STEPPE_OK)
            return st;
        jp_pop(&g->path, old);
    }
    return STEPPE_OK;
}

static steppe_status_t line_of(gctx *g, uint32_t i)
{
    return run(g, i, ST_GEOM_LINE, 0);
}

static steppe_status_t ring_of(gctx *g, uint32_t i)
{
    return run(g, i, ST_GEOM_POLYGON, 1);
}

static steppe_status_t polygon_of(gctx *g, uint32_t i)
{
    return each(g, i, "rings", ring_of);
}

static steppe_status_t geometry(gctx *g, json_object *o, int depth)
{
    if (!json_object_is_type(o, json_type_object))
        return err_at(g->r, g->at, g->path.s, "%s where a geometry object was expected", jtype(o));
    json_object *t = NULL;
    if (!json_object_object_get_ex(o, "type", &t) || !json_object_is_type(t, json_type_string))
        return err_at(g->r, g->at, g->path.s, "a geometry without a \"type\" string");
    const char *type = json_object_get_string(t);
    if (strcmp(type, "GeometryCollection") == 0) {
        if (depth > MAX_COLLECTION_DEPTH)
            return err_at(g->r, g->at, g->path.s, "geometry collections nested deeper than %d",
                          MAX_COLLECTION_DEPTH);
        json_object *gs = NULL;
        if (!json_object_object_get_ex(o, "geometries", &gs))
            return err_at(g->r, g->at, g->path.s, "a GeometryCollection without \"geometries\"");
        size_t old = jp_push(&g->path, ".geometries");
        steppe_status_t st = STEPPE_OK;
        if (!json_object_is_type(gs, json_type_array))
            return err_at(g->r, g->at, g->path.s, "%s where an array of geometries was expected", jtype(gs));
        size_t n = json_object_array_length(gs);
        for (size_t i = 0; i < n && st == STEPPE_OK; i++) {
            size_t o2 = jp_push(&g->path, "[%zu]", i);
            st = geometry(g, json_object_array_get_idx(gs, i), depth + 1);
            if (st == STEPPE_OK)
                jp_pop(&g->path, o2);
        }
        if (st == STEPPE_OK)
            jp_pop(&g->path, old);
        return st;
    }
    json_object *c = NULL;
    if (!json_object_object_get_ex(o, "coordinates", &c))
        return err_at(g->r, g->at, g->path.s, "a %s without \"coordinates\"", type);
    /* Every coordinates value of a geometry was cut out by the pre-scan
     * and stands here as its placeholder. */
    int64_t ph = json_object_is_type(c, json_type_int) ? json_object_get_int64(c) : -1;
    if (ph < 0 || (size_t)ph >= g->r->ncroot)
        return err_at(g->r, g->at, g->path.s, "\"coordinates\" is not an array");
    uint32_t root = g->r->croot[ph];
    size_t old = jp_push(&g->path, ".coordinates");
    steppe_status_t st;
    if (strcmp(type, "Point") == 0) {
        const cnode *n = &g->r->cn[root];
        st = STEPPE_OK; /* [] is an empty point */
        if (!n->array || n->count > 0) {
            double x = 0.0, y = 0.0;
            st = position(g, root, &x, &y);
            if (st == STEPPE_OK && keep_class(g->r, ST_GEOM_POINT)) {
                gj_reader *r = g->r;
                if (grow((void **)&r->xy, &r->capxy, 2 * (r->npts + 1), sizeof *r->xy) != 0 ||
                    grow((void **)&r->parts, &r->capparts, r->nparts + 1, sizeof *r->parts) != 0)
                    return nomem(r);
                r->parts[r->nparts++] = (uint32_t)r->npts;
                r->xy[2 * r->npts] = x;
                r->xy[2 * r->npts + 1] = y;
                r->npts++;
            }
        }
    } else if (strcmp(type, "MultiPoint") == 0) {
        st = run(g, root, ST_GEOM_POINT, 0);
    } else if (strcmp(type, "LineString") == 0) {
        st = run(g, root, ST_GEOM_LINE, 0);
    } else if (strcmp(type, "MultiLineString") == 0) {
        st = each(g, root, "lines", line_of);
    } else if (strcmp(type, "Polygon") == 0) {
        st = polygon_of(g, root);
    } else if (strcmp(type, "MultiPolygon") == 0) {
        st = each(g, root, "polygons", polygon_of);
    } else {
        jp_pop(&g->path, old);
        return err_at(g->r, g->at, g->path.s, "unknown geometry type '%s'", type);
    }
    if (st == STEPPE_OK)
        jp_pop(&g->path, old);
    return st;
}

/* ---- properties -------------------------------------------------------------------- */

/* The field named name, added when new. -1 when out of memory. */
static long field_index(gj_reader *r, const char *name)
{
    gpointer v = g_hash_table_lookup(r->index, name);
    if (v)
        return (long)GPOINTER_TO_SIZE(v) - 1;
    if (grow((void **)&r->names, &r->capfields, r->nfields + 1, sizeof *r->names) != 0)
        return -1;
    char *types = realloc(r->types, r->capfields);
    if (!types)
        return -1;
    r->types = types;
    char *copy = st_arena_strdup(r->job.arena, name);
    if (!copy)
        return -1;
    r->names[r->nfields] = copy;
    r->types[r->nfields] = 0; /* no value seen yet */
    g_hash_table_insert(r->index, copy, GSIZE_TO_POINTER(r->nfields + 1));
    return (long)r->nfields++;
}

/* What a field holds: the types of its values merged (integers and reals
 * are real, anything with a string is a string). */
static void merge_type(gj_reader *r, size_t i, char t)
{
    char old = r->types[i];
    if (old == 0 || old == t)
        r->types[i] = t;
    else if ((old == 'N' && t == 'F') || (old == 'F' && t == 'N'))
        r->types[i] = 'F';
    else
        r->types[i] = 'C';
}

/* The text of a property value, in the arena; its type in *t (0: null). */
static const char *value_text(gj_reader *r, json_object *v, char *t)
{
    switch (json_object_get_type(v)) {
    case json_type_null: *t = 0; return "";
    case json_type_boolean: *t = 'L'; return json_object_get_boolean(v) ? "true" : "false";
    case json_type_string: *t = 'C'; return st_arena_strdup(r->job.arena, json_object_get_string(v));
    case json_type_int:
        *t = 'N';
        /* As written: json-c keeps the text of a number it parsed. */
        return st_arena_strdup(r->job.arena, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
    case json_type_double:
        *t = 'F';
        return st_arena_strdup(r->job.arena, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
    case json_type_object:
    case json_type_array:
        *t = 'J';
        return st_arena_strdup(r->job.arena, json_object_to_json_string_ext(
                                                 v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    }
    *t = 'C';
    return "";
}

/* json-c clamps an integer beyond 64 bits to the limit and a real beyond
 * a double to infinity, silently: both are taken as out of range (a value
 * at exactly the 64-bit limit, which nothing in geodata holds, too). */
static int number_ok(json_object *v)
{
    if (json_object_is_type(v, json_type_double))
        return isfinite(json_object_get_double(v));
    if (!json_object_is_type(v, json_type_int))
        return 1;
    int64_t i = json_object_get_int64(v);
    return i != INT64_MAX && i != INT64_MIN && json_object_get_uint64(v) != UINT64_MAX;
}

static steppe_status_t keep_attrs(gctx *g, json_object *feature, st_feature *f, size_t k)
{
    gj_reader *r = g->r;
    json_object *props = NULL;
    json_object *id = NULL;
    json_object_object_get_ex(feature, "properties", &props);
    json_object_object_get_ex(feature, "id", &id);
    if (props && !json_object_is_type(props, json_type_object))
        return err_at(g->r, g->at, g->path.s, "\"properties\" is %s, not an object or null", jtype(props));
    if (id && !json_object_is_type(id, json_type_string) && !json_object_is_type(id, json_type_int) &&
        !json_object_is_type(id, json_type_double))
        return err_at(g->r, g->at, g->path.s, "\"id\" is %s, not a string or number", jtype(id));
    if (id && !number_ok(id))
        return err_at(g->r, g->at, g->path.s, "\"id\" is a number out of range");
    /* Fields first (a new one grows the list), then this feature's values. */
    if (id && field_index(r, "id") < 0)
        return st_error(r->job.ctx, STEPPE_ERR_NOMEM, "%s: out of memory", r->job.path);
    if (props) {
        json_object_object_foreach(props, key, val)
        {
            if (!number_ok(val))
                return err_at(g->r, g->at, g->path.s, "property \"%.64s\" is a number out of range", key);
            if (field_index(r, key) < 0)
                return st_error(r->job.ctx, STEPPE_ERR_NOMEM, "%s: out of memory", r->job.path);
        }
    }
    const char **attrs = st_arena_calloc(r->job.arena, r->nfields ? r->nfields : 1, sizeof *attrs);
    if (!attrs)
        return st_error(r->job.ctx, STEPPE_ERR_NOMEM, "%s: out of memory", r->job.path);
    for (size_t i = 0; i < r->nfields; i++)
        attrs[i] = "";
    if (id) {
        char t;
        size_t i = (size_t)field_index(r, "id");
        attrs[i] = value_text(r, id, &t);
        if (!attrs[i])
            return st_error(r->job.ctx, STEPPE_ERR_NOMEM, "%s: out of memory", r->job.path);
        merge_type(r, i, t);
    }
    if (props) {
        json_object_object_foreach(props, key, val)
        {
            char t;
            size_t i = (size_t)field_index(r, key);
            attrs[i] = value_text(r, val, &t);
            if (!attrs[i])
                return st_error(r->job.ctx, STEPPE_ERR_NOMEM, "%s: out of memory", r->job.path);
            if (t)
                merge_type(r, i, t);
        }
    }
    f->attrs = attrs;
    if (grow((void **)&r->nattrs, &r->capnattrs, k + 1, sizeof *r->nattrs) != 0)
        return st_error(r->job.ctx, STEPPE_ERR_NOMEM, "%s: out of memory", r->job.path);
    r->nattrs[k] = r->nfields;
    return STEPPE_OK;
}

/* ---- features ------------------------------------------------------------------------ */

/* A Feature (or a bare geometry, feature NULL) read at at. */
static steppe_status_t add_feature(gj_reader *r, json_object *feature, json_object *geom, size_t at)
{
    gctx g = {.r = r, .at = at};
    size_t no = r->feature_no++;
    jp_push(&g.path, feature ? "feature %zu" : "geometry %zu", no + 1);
    r->job.stats->records++;
    r->npts = r->nparts = 0;
    r->cls = ST_GEOM_NONE;
    r->other_parts = 0;
    if (feature) {
        json_object *t = NULL;
        if (!json_object_object_get_ex(feature, "type", &t) || !json_object_is_type(t, json_type_string) ||
            strcmp(json_object_get_string(t), "Feature") != 0)
            return err_at(g.r, g.at, g.path.s, "not a Feature (\"type\" is %s%s%s)", t ? "'" : "missing",
                          t && json_object_is_type(t, json_type_string) ? json_object_get_string(t) : "",
                          t ? "'" : "");
        if (!json_object_object_get_ex(feature, "geometry", &geom))
            return err_at(g.r, g.at, g.path.s, "a Feature without a \"geometry\" member (null for none)");
    }
    size_t base = jp_push(&g.path, feature ? ".geometry" : "");
    if (!geom) {
        r->job.stats->null_records++;
        return STEPPE_OK;
    }
    size_t old = g.path.n;
    steppe_status_t st = geometry(&g, geom, 0);
    if (st != STEPPE_OK)
        return st;
    jp_pop(&g.path, old);
    if (r->nparts == 0) {
        r->job.stats->null_records++; /* empty */
        return STEPPE_OK;
    }
    if (r->job.fs->type == ST_GEOM_NONE)
        r->job.fs->type = r->cls;
    if (r->cls != r->job.fs->type) {
        r->mixed++;
        r->job.stats->skipped++;
        return STEPPE_OK;
    }
    if (r->other_parts)
        r->job.stats->record_problems++;
    double b[4];
    size_t k = r->job.fs->n;
    st_feature *f = NULL;
    if (st_source_add_geometry(r->job.fs, r->job.arena, r->job.opts, r->job.stats, r->cls, r->xy, r->npts,
                               r->parts, r->nparts, b, &f) != STEPPE_OK)
        return st_error(r->job.ctx, STEPPE_ERR_NOMEM, "%s: out of memory", r->job.path);
    if (!r->have_bounds) {
        memcpy(r->bounds, b, sizeof b);
        r->have_bounds = 1;
    } else {
        r->bounds[0] = st_min(r->bounds[0], b[0]);
        r->bounds[1] = st_min(r->bounds[1], b[1]);
        r->bounds[2] = st_max(r->bounds[2], b[2]);
        r->bounds[3] = st_max(r->bounds[3], b[3]);
    }
    if (!f)
        return STEPPE_OK;
    f->record = (uint32_t)no;
    jp_pop(&g.path, base);
    if (feature)
        return keep_attrs(&g, feature, f, k);
    f->attrs = NULL;
    if (grow((void **)&r->nattrs, &r->capnattrs, k + 1, sizeof *r->nattrs) != 0)
        return st_error(r->job.ctx, STEPPE_ERR_NOMEM, "%s: out of memory", r->job.path);
    r->nattrs[k] = 0;
    return STEPPE_OK;
}

/* The obsolete crs member (GeoJSON 2008): a named CRS is honoured, with a
 * warning unless it is WGS 84 longitude/latitude, which RFC 7946 assumes. */
static steppe_status_t take_crs(gj_reader *r, json_object *crs, size_t at)
{
    json_object *props = NULL, *name = NULL, *type = NULL;
    if (!crs)
        return STEPPE_OK;
    json_object_object_get_ex(crs, "type", &type);
    if (json_object_is_type(crs, json_type_object) && json_object_object_get_ex(crs, "properties", &props) &&
        json_object_object_get_ex(props, "name", &name) && json_object_is_type(name, json_type_string) &&
        (!type || strcmp(json_object_get_string(type), "name") == 0)) {
        const char *n = json_object_get_string(name);
        static const char *const wgs84[] = {
            "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "OGC:CRS84", "CRS84", "EPSG:4326",
            "urn:ogc:def:crs:EPSG::4326"};
        for (size_t i = 0; i < sizeof wgs84 / sizeof wgs84[0]; i++) {
            if (strcmp(n, wgs84[i]) == 0)
                return STEPPE_OK;
        }
        if (r->feature_no > 0)
            r->crs_after = 1;
        r->crs = st_arena_strdup(r->job.arena, n);
        if (!r->crs)
            return st_error(r->job.ctx, STEPPE_ERR_NOMEM, "%s: out of memory", r->job.path);
        if (!r->describe_only && !r->job.opts->quiet && !r->job.opts->crs) {
            advance_lc(r, at);
            st_warn(r->job.ctx,
                    "%s:%zu: the obsolete \"crs\" member names %s; reading the coordinates in it (RFC 7946 "
                    "has them in WGS 84)",
                    r->job.path, r->line, n);
        }
        return STEPPE_OK;
    }
    if (!r->describe_only && !r->job.opts->quiet) {
        advance_lc(r, at);
        st_warn(r->job.ctx, "%s:%zu: a \"crs\" member steppe cannot read (only named CRSs); WGS 84 assumed",
                r->job.path, r->line);
    }
    return STEPPE_OK;
}

/* A FeatureCollection's features, one at a time. */
static steppe_status_t stream_features(gj_reader *r)
{
    steppe_status_t st = expect(r, '[', "'[' opening \"features\"");
    if (st != STEPPE_OK)
        return st;
    skip_ws(r);
    if (r->pos < r->size && r->buf[r->pos] == ']') {
        r->pos++;
        return STEPPE_OK;
    }
    for (;;) {
        skip_ws(r);
        size_t at = r->pos;
        json_object *f = NULL;
        r->ncn = r->ncroot = 0;
        st = parse_value(r, &f, PV_FEATURE);
        if (st != STEPPE_OK)
            return st;
        if (!f || !json_object_is_type(f, json_type_object)) {
            json_object_put(f);
            return err_at(r, at, NULL, "feature %zu: %s, not a Feature object", r->feature_no + 1, jtype(f));
        }
        st = add_feature(r, f, NULL, at);
        json_object_put(f);
        if (st != STEPPE_OK)
            return st;
        release_behind(r);
        skip_ws(r);
        if (r->pos >= r->size)
            return err_at(r, r->size, NULL, "the JSON text ends too early (truncated?)");
        unsigned char c = r->buf[r->pos++];
        if (c == ']')
            return STEPPE_OK;
        if (c != ',')
            return err_at(r, r->pos - 1, NULL, "not valid JSON: ',' or ']' expected");
    }
}

/* One top-level object: its members one by one, features streamed. */
static steppe_status_t top_object(gj_reader *r)
{
    skip_ws(r);
    size_t at = r->pos;
    if (r->buf[r->pos] != '{')
        return err_at(r, at, NULL, "not GeoJSON: a JSON object expected");
    r->pos++;
    r->ncn = r->ncroot = 0;
    json_object *members = json_object_new_object();
    if (!members)
        return st_error(r->job.ctx, STEPPE_ERR_NOMEM, "%s: out of memory", r->job.path);
    steppe_status_t st = STEPPE_OK;
    int had_features = 0;
    skip_ws(r);
    if (r->pos < r->size && r->buf[r->pos] == '}') {
        r->pos++;
    } else {
        for (;;) {
            skip_ws(r);
            if (r->pos >= r->size || r->buf[r->pos] != '"') {
                st = r->pos >= r->size ? err_at(r, r->size, NULL, "the JSON text ends too early (truncated?)")
                                       : err_at(r, r->pos, NULL, "not valid JSON: a member name expected");
                break;
            }
            json_object *key = NULL;
            st = parse_plain(r, &key);
            if (st != STEPPE_OK)
                break;
            const char *k = json_object_get_string(key);
            st = expect(r, ':', "':' after a member name");
            if (st == STEPPE_OK)
                skip_ws(r);
            if (st == STEPPE_OK && strcmp(k, "features") == 0) {
                had_features = 1;
                if (r->describe_only) {
                    json_object_put(key);
                    break;
                }
                st = stream_features(r);
            } else if (st == STEPPE_OK) {
                size_t vat = r->pos;
                json_object *v = NULL;
                long ph = -1;
                if (strcmp(k, "coordinates") == 0 && r->pos < r->size && r->buf[r->pos] != '[') {
                    st = err_at(r, r->pos, NULL, "\"coordinates\" is not an array");
                } else if (strcmp(k, "coordinates") == 0) {
                    /* a bare geometry's own coordinates */
                    size_t q = r->pos;
                    st = coords_parse(r, r->pos, &q, &ph);
                    if (st == STEPPE_OK) {
                        r->pos = q;
                        v = json_object_new_int64(ph);
                        if (!v)
                            st = nomem(r);
                    }
                } else {
                    int kind = strcmp(k, "geometry") == 0     ? PV_GEOMETRY
                               : strcmp(k, "geometries") == 0 ? PV_GEOMETRIES
                                                              : PV_PLAIN;
                    st = parse_value(r, &v, kind);
                }
                if (st == STEPPE_OK && strcmp(k, "crs") == 0)
                    st = take_crs(r, v, vat);
                if (st == STEPPE_OK)
                    json_object_object_add(members, k, v);
                else
                    json_object_put(v);
            }
            json_object_put(key);
            if (st != STEPPE_OK)
                break;
            skip_ws(r);
            if (r->pos >= r->size) {
                st = err_at(r, r->size, NULL, "the JSON text ends too early (truncated?)");
                break;
            }
            unsigned char c = r->buf[r->pos++];
            if (c == '}')
                break;
            if (c != ',') {
                st = err_at(r, r->pos - 1, NULL, "not valid JSON: ',' or '}' expected");
                break;
            }
        }
    }
    if (st == STEPPE_OK && !r->describe_only) {
        json_object *t = NULL;
        const char *type =
            json_object_object_get_ex(members, "type", &t) && json_object_is_type(t, json_type_string)
                ? json_object_get_string(t)
                : NULL;
        if (!type)
            st = err_at(r, at, NULL, "not GeoJSON: the object has no \"type\" string");
        else if (strcmp(type, "FeatureCollection") == 0)
            ;
        else if (had_features)
            st = err_at(r, at, NULL, "not GeoJSON: \"features\" in a %s, not a FeatureCollection", type);
        else if (strcmp(type, "Feature") == 0)
            st = add_feature(r, members, NULL, at);
        else
            st = add_feature(r, NULL, members, at);
    }
    json_object_put(members);
    return st;
}

/* ---- the driver ------------------------------------------------------------------------ */

typedef struct gj_state {
    int fd;
    const unsigned char *map;
    size_t size;
} gj_state;

static steppe_status_t geojson_open(st_source *src, st_arena *arena)
{
    (void)arena;
    const char *path = src->layer->source;
    gj_state *s = calloc(1, sizeof *s);
    if (!s)
        return st_error(src->ctx, STEPPE_ERR_NOMEM, "%s: out of memory", path);
    s->fd = -1;
    src->state = s;
    const char *why = NULL;
    s->fd = st_source_open_regular(path, &why);
    if (s->fd < 0)
        return st_error(src->ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", path, why);
    struct stat sb;
    if (fstat(s->fd, &sb) != 0)
        return st_error(src->ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", path, strerror(errno));
    s->size = (size_t)sb.st_size;
    if (s->size == 0)
        return st_error(src->ctx, STEPPE_ERR_DATA_CORRUPT, "%s:1:1: not GeoJSON: the file is empty", path);
    void *m = mmap(NULL, s->size, PROT_READ, MAP_PRIVATE, s->fd, 0);
    if (m == MAP_FAILED)
        return st_error(src->ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot read: %s", path, strerror(errno));
    s->map = m;
    madvise(m, s->size, MADV_SEQUENTIAL);
    return STEPPE_OK;
}

static void geojson_close(st_source *src)
{
    gj_state *s = src->state;
    if (!s)
        return;
    if (s->map)
        munmap((void *)s->map, s->size);
    if (s->fd >= 0)
        close(s->fd);
    free(s);
    src->state = NULL;
}

static steppe_status_t walk(st_source *src, gj_reader *r)
{
    gj_state *s = src->state;
    r->buf = s->map;
    r->size = s->size;
    r->line = 1;
    r->tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
    r->index = g_hash_table_new(g_str_hash, g_str_equal);
    if (!r->tok || !r->index)
        return st_error(r->job.ctx, STEPPE_ERR_NOMEM, "%s: out of memory", r->job.path);
    json_tokener_set_flags(r->tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS |
                                       JSON_TOKENER_VALIDATE_UTF8);
    if (r->size >= 3 && r->buf[0] == 0xEF && r->buf[1] == 0xBB && r->buf[2] == 0xBF)
        r->pos = r->lc_pos = r->line_start = 3;
    steppe_status_t st = STEPPE_OK;
    skip_ws(r);
    if (r->pos >= r->size)
        return err_at(r, r->pos, NULL, "not GeoJSON: the file holds no JSON object");
    /* One top-level object, or (newline-delimited) one after another. */
    while (st == STEPPE_OK && r->pos < r->size) {
        st = top_object(r);
        if (r->describe_only)
            break;
        skip_ws(r);
        release_behind(r);
    }
    return st;
}

static void reader_free(gj_reader *r)
{
    if (r->tok)
        json_tokener_free(r->tok);
    if (r->index)
        g_hash_table_destroy(r->index);
    free(r->names);
    free(r->types);
    free(r->nattrs);
    free(r->xy);
    free(r->parts);
    free(r->cn);
    free(r->croot);
    free(r->seg);
}

static steppe_status_t geojson_describe(st_source *src, st_source_desc *desc, st_arena *arena)
{
    st_source_stats stats;
    static const st_read_opts quiet = {.quiet = 1};
    st_featureset fs = {0};
    gj_reader r = {.describe_only = 1};
    st_read_job_init(&r.job, src->ctx, src->layer->source, &quiet, arena, &fs, &stats);
    steppe_status_t st = walk(src, &r);
    if (st == STEPPE_OK && r.crs)
        desc->crs = r.crs;
    reader_free(&r);
    return st;
}

static steppe_status_t geojson_read(st_source *src, const st_read_opts *opts, st_arena *arena,
                                    st_featureset *out)
{
    st_source_stats local = {0};
    st_featureset fs = {0};
    gj_reader r = {0};
    st_read_job_init(&r.job, src->ctx, src->layer->source, opts, arena, &fs, &local);
    fs.path = st_arena_strdup(arena, src->layer->source);
    steppe_status_t st = fs.path ? walk(src, &r) : STEPPE_ERR_NOMEM;
    if (st != STEPPE_OK)
        goto out;
    if (r.mixed && !opts->quiet)
        st_warn(src->ctx, "%s: %zu features of another geometry type than the first (%s) skipped", r.job.path,
                r.mixed,
                fs.type == ST_GEOM_POINT  ? "points"
                : fs.type == ST_GEOM_LINE ? "lines"
                                          : "polygons");
    if (r.crs_after && !opts->quiet && !opts->crs && opts->bbox)
        st_warn(src->ctx,
                "%s: the \"crs\" member follows the features; put it first so the map's extent applies",
                r.job.path);
    /* Every feature gets every field ("" where it had none). */
    fs.nfields = r.nfields;
    fs.fields = st_arena_calloc(arena, r.nfields ? r.nfields : 1, sizeof *fs.fields);
    fs.field_types = st_arena_calloc(arena, r.nfields ? r.nfields : 1, 1);
    if (!fs.fields || !fs.field_types) {
        st = STEPPE_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < r.nfields; i++) {
        fs.fields[i] = r.names[i];
        fs.field_types[i] = r.types[i] ? r.types[i] : 'C';
    }
    for (size_t i = 0; i < fs.n; i++) {
        st_feature *f = &fs.feat[i];
        if (r.nattrs[i] == r.nfields && f->attrs)
            continue;
        const char **a = st_arena_calloc(arena, r.nfields ? r.nfields : 1, sizeof *a);
        if (!a) {
            st = STEPPE_ERR_NOMEM;
            goto out;
        }
        for (size_t k = 0; k < r.nfields; k++)
            a[k] = f->attrs && k < r.nattrs[i] ? f->attrs[k] : "";
        f->attrs = a;
    }
    fs.crs = opts->crs ? opts->crs : r.crs ? r.crs : "EPSG:4326";
    st = st_filter_check(src->ctx, opts->where, &fs);
    if (st != STEPPE_OK)
        goto out;
    r.job.stats->filtered += st_featureset_filter(&fs, opts->where);
    if (r.have_bounds)
        memcpy(r.job.stats->bounds, r.bounds, sizeof r.bounds);
    if (!st_source_stats_fields(r.job.stats, arena, r.nfields)) {
        st = STEPPE_ERR_NOMEM;
        goto out;
    }
    *out = fs;
out:
    if (st == STEPPE_ERR_NOMEM)
        st_error(src->ctx, st, "%s: out of memory", src->layer->source);
    reader_free(&r);
    return st;
}

ST_DRIVER_DEFINE(geojson, "GeoJSON", ST_LAYER_GEOJSON);
