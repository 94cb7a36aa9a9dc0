/* Source: CSV tables of points (RFC 4180: quoted fields, doubled quotes,
 * separators and line breaks inside quotes, CRLF or LF), UTF-8 with an
 * optional BOM, a header row naming the fields. Every field is text ('C');
 * two named columns give longitude and latitude. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "source.h"

#define MAX_CSV_BYTES ((size_t)1 << 30)
#define MAX_ROW_WARNINGS 10

typedef struct csv_parser {
    const char *p;
    const char *end;
    int line;  /* line of p, 1-based */
    char *buf; /* the current record's fields, NUL-separated */
    size_t len, cap;
    size_t *offs; /* start of each field in buf */
    size_t nf, capf;
    size_t bad_bytes; /* invalid UTF-8 bytes replaced */
} csv_parser;

static int buf_put(csv_parser *cp, const char *s, size_t n)
{
    if (cp->cap - cp->len < n + 1) {
        size_t cap = cp->cap ? cp->cap : 256;
        while (cap - cp->len < n + 1)
            cap *= 2;
        char *b = realloc(cp->buf, cap);
        if (!b)
            return -1;
        cp->buf = b;
        cp->cap = cap;
    }
    memcpy(cp->buf + cp->len, s, n);
    cp->len += n;
    return 0;
}

static int field_start(csv_parser *cp)
{
    if (cp->nf == cp->capf) {
        size_t capf = cp->capf ? cp->capf * 2 : 16;
        size_t *o = realloc(cp->offs, capf * sizeof *o);
        if (!o)
            return -1;
        cp->offs = o;
        cp->capf = capf;
    }
    cp->offs[cp->nf++] = cp->len;
    return 0;
}

/* Ends the current field: NUL-terminates it after replacing invalid UTF-8
 * in place-equivalent fashion (the field is re-encoded if needed). */
static int field_end(csv_parser *cp)
{
    size_t start = cp->offs[cp->nf - 1];
    size_t n = cp->len - start;
    const unsigned char *s = (const unsigned char *)cp->buf + start;
    size_t i = 0;
    while (i < n) {
        size_t l = st_utf8_seq(s + i, n - i);
        if (l == 0)
            break;
        i += l;
    }
    if (i < n) {
        /* Rare: rebuild the field with U+FFFD for each invalid byte. */
        char *copy = malloc(n);
        if (!copy)
            return -1;
        memcpy(copy, s, n);
        cp->len = start;
        const unsigned char *u = (const unsigned char *)copy;
        size_t k = 0;
        int rc = 0;
        while (k < n && rc == 0) {
            size_t l = st_utf8_seq(u + k, n - k);
            if (l == 0) {
                rc = buf_put(cp, "\xEF\xBF\xBD", 3);
                cp->bad_bytes++;
                k++;
            } else {
                rc = buf_put(cp, copy + k, l);
                k += l;
            }
        }
        free(copy);
        if (rc != 0)
            return -1;
    }
    return buf_put(cp, "", 1) == 0 ? 0 : -1;
}

enum { CSV_EOF = 0, CSV_RECORD = 1, CSV_UNTERMINATED = -1, CSV_NOMEM = -2 };

/* Reads the next record into cp->buf/offs/nf; *line receives the line it
 * starts on. */
static int csv_next(csv_parser *cp, int *line)
{
    cp->len = 0;
    cp->nf = 0;
    if (cp->p >= cp->end)
        return CSV_EOF;
    *line = cp->line;
    for (;;) {
        if (field_start(cp) != 0)
            return CSV_NOMEM;
        if (cp->p < cp->end && *cp->p == '"') {
            cp->p++;
            for (;;) {
                const char *q = cp->p;
                while (q < cp->end && *q != '"') {
                    if (*q == '\n')
                        cp->line++;
                    q++;
                }
                if (buf_put(cp, cp->p, (size_t)(q - cp->p)) != 0)
                    return CSV_NOMEM;
                if (q >= cp->end) {
                    cp->p = q;
                    return CSV_UNTERMINATED;
                }
                if (q + 1 < cp->end && q[1] == '"') {
                    if (buf_put(cp, "\"", 1) != 0)
                        return CSV_NOMEM;
                    cp->p = q + 2;
                    continue;
                }
                cp->p = q + 1;
                break;
            }
        }
        /* Unquoted text (or anything after a closing quote, kept as is). */
        const char *q = cp->p;
        while (q < cp->end && *q != ',' && *q != '\n' && *q != '\r')
            q++;
        if (buf_put(cp, cp->p, (size_t)(q - cp->p)) != 0)
            return CSV_NOMEM;
        cp->p = q;
        if (field_end(cp) != 0)
            return CSV_NOMEM;
        if (q < cp->end && *q == ',') {
            cp->p++;
            continue;
        }
        if (q < cp->end && *q == '\r')
            cp->p++;
        if (cp->p < cp->end && *cp->p == '\n')
            cp->p++;
        if (q < cp->end)
            cp->line++;
        return CSV_RECORD;
    }
}

static const char *field(const csv_parser *cp, size_t i)
{
    return i < cp->nf ? cp->buf + cp->offs[i] : "";
}

static char *read_file(const char *path, size_t *len, int *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *err = errno;
        return NULL;
    }
    char *data = NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        *err = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        goto out;
    }
    if ((size_t)st.st_size > MAX_CSV_BYTES) {
        *err = EFBIG;
        goto out;
    }
    size_t n = (size_t)st.st_size;
    data = malloc(n + 1);
    if (!data) {
        *err = ENOMEM;
        goto out;
    }
    if (fread(data, 1, n, f) != n) {
        *err = EIO;
        free(data);
        data = NULL;
        goto out;
    }
    data[n] = '\0';
    *len = n;
out:
    fclose(f);
    return data;
}

/* Column index by name (exact, then case-insensitive), or -1. */
static int column(const st_featureset *fs, const char *name)
{
    return st_featureset_field(fs, name);
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    size_t k = 0;
    while (s[k] == ' ' || s[k] == '\t')
        k++;
    if (k)
        memmove(s, s + k, n - k + 1);
}

static steppe_status_t missing_column(steppe_ctx_t *ctx, const st_read_opts *opts, const char *path,
                                      const st_featureset *fs, const char *name)
{
    char list[1024] = "";
    size_t w = 0;
    for (size_t i = 0; i < fs->nfields; i++) {
        int n = snprintf(list + w, sizeof list - w, "%s%s", i ? ", " : "", fs->fields[i]);
        if (n < 0 || (size_t)n >= sizeof list - w)
            break;
        w += (size_t)n;
    }
    if (opts->loc.file)
        return st_error(ctx, STEPPE_ERR_STYLE_KEY, "%s:%d:%d: no column '%s' in %s (columns: %s)",
                        opts->loc.file, opts->loc.line, opts->loc.col, name, path, list);
    return st_error(ctx, STEPPE_ERR_STYLE_KEY, "%s:1: no column '%s' (columns: %s)", path, name, list);
}

steppe_status_t st_source_read_csv(steppe_ctx_t *ctx, const char *path, const char *lon_field,
                                   const char *lat_field, const st_read_opts *opts, st_arena *arena,
                                   st_featureset *out)
{
    static const st_read_opts no_opts;
    st_source_stats local_stats;
    if (!opts)
        opts = &no_opts;
    st_source_stats *stats = opts->stats ? opts->stats : &local_stats;
    memset(stats, 0, sizeof *stats);
    const st_filter *where = opts->where && opts->where->n ? opts->where : NULL;
    st_featureset fs = {0};
    csv_parser cp = {0};
    const char **attrs = NULL;
    steppe_status_t st = STEPPE_OK;
    size_t warnings = 0;
    int err = 0;
    size_t len = 0;
    int line = 0;
    int geographic = opts->crs == NULL;

    char *data = read_file(path, &len, &err);
    if (!data) {
        if (err == ENOMEM)
            return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory", path);
        return st_error(ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", path, strerror(err));
    }
    cp.p = data;
    cp.end = data + len;
    cp.line = 1;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        cp.p += 3;

    fs.type = ST_GEOM_POINT;
    fs.path = st_arena_strdup(arena, path);
    fs.crs = opts->crs ? opts->crs : "EPSG:4326";
    stats->encoding = "UTF-8";
    stats->encoding_from = "CSV";
    stats->bounds[0] = stats->bounds[1] = INFINITY;
    stats->bounds[2] = stats->bounds[3] = -INFINITY;

    int rc = csv_next(&cp, &line);
    if (rc == CSV_NOMEM) {
        st = STEPPE_ERR_NOMEM;
        goto out;
    }
    if (rc != CSV_RECORD || (cp.nf == 1 && !*field(&cp, 0))) {
        st = st_error(ctx, STEPPE_ERR_DATA_CORRUPT, "%s:1: no header row", path);
        goto out;
    }
    fs.nfields = cp.nf;
    fs.fields = st_arena_calloc(arena, cp.nf, sizeof *fs.fields);
    fs.field_types = st_arena_calloc(arena, cp.nf + 1, 1);
    stats->field_width = st_arena_calloc(arena, cp.nf, sizeof(int));
    stats->field_decimals = st_arena_calloc(arena, cp.nf, sizeof(int));
    attrs = calloc(cp.nf, sizeof *attrs);
    if (!fs.path || !fs.fields || !fs.field_types || !stats->field_width || !stats->field_decimals ||
        !attrs) {
        st = STEPPE_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < cp.nf; i++) {
        char *name = st_arena_strdup(arena, field(&cp, i));
        if (!name) {
            st = STEPPE_ERR_NOMEM;
            goto out;
        }
        trim(name);
        fs.fields[i] = name;
        fs.field_types[i] = 'C';
    }
    int lon = column(&fs, lon_field ? lon_field : "lon");
    int lat = column(&fs, lat_field ? lat_field : "lat");
    if (lon < 0 || lat < 0) {
        st = missing_column(ctx, opts, path, &fs,
                            lon < 0 ? (lon_field ? lon_field : "lon") : (lat_field ? lat_field : "lat"));
        goto out;
    }
    st = st_filter_check(ctx, opts->where, &fs);
    if (st != STEPPE_OK)
        goto out;

    uint32_t row = 0;
    for (;;) {
        rc = csv_next(&cp, &line);
        if (rc == CSV_EOF)
            break;
        if (rc == CSV_NOMEM) {
            st = STEPPE_ERR_NOMEM;
            goto out;
        }
        if (rc == CSV_UNTERMINATED) {
            stats->skipped++;
            st_warn(ctx, "%s:%d: quoted field not closed before the end of the file", path, line);
            break;
        }
        if (cp.nf == 1 && !*field(&cp, 0))
            continue; /* an empty line */
        uint32_t record = row++;
        stats->records++;
        if (cp.nf != fs.nfields && warnings++ < MAX_ROW_WARNINGS)
            st_warn(ctx, "%s:%d: %zu fields where the header has %zu", path, line, cp.nf, fs.nfields);

        double x, y;
        const char *sx = field(&cp, (size_t)lon);
        const char *sy = field(&cp, (size_t)lat);
        const char *bad = NULL;
        const char *badval = NULL;
        if (!st_parse_number(sx, &x) || (geographic && fabs(x) > 360.0)) {
            bad = "longitude";
            badval = sx;
        } else if (!st_parse_number(sy, &y) || (geographic && fabs(y) > 90.0)) {
            bad = "latitude";
            badval = sy;
        }
        if (bad) {
            stats->skipped++;
            if (warnings++ < MAX_ROW_WARNINGS)
                st_warn(ctx, "%s:%d: bad %s '%s'", path, line, bad, badval);
            continue;
        }
        stats->bounds[0] = fmin(stats->bounds[0], x);
        stats->bounds[1] = fmin(stats->bounds[1], y);
        stats->bounds[2] = fmax(stats->bounds[2], x);
        stats->bounds[3] = fmax(stats->bounds[3], y);
        if (opts->bbox &&
            (x < opts->bbox[0] || x > opts->bbox[2] || y < opts->bbox[1] || y > opts->bbox[3])) {
            stats->culled++;
            continue;
        }
        for (size_t i = 0; i < fs.nfields; i++)
            attrs[i] = field(&cp, i);
        st_feature probe = {.attrs = attrs};
        if (where && !st_filter_match(where, &fs, &probe)) {
            stats->filtered++;
            continue;
        }

        /* Keep the row: its fields in one arena block, missing ones "". */
        char *block = st_arena_alloc(arena, cp.len + 1);
        const char **kept = st_arena_alloc(arena, fs.nfields * sizeof *kept);
        double *xy = st_arena_alloc(arena, 2 * sizeof *xy);
        uint32_t *parts = st_arena_alloc(arena, sizeof *parts);
        st_feature *f = st_featureset_add(&fs, arena);
        if (!block || !kept || !xy || !parts || !f) {
            st = STEPPE_ERR_NOMEM;
            goto out;
        }
        memcpy(block, cp.buf, cp.len);
        block[cp.len] = '\0';
        for (size_t i = 0; i < fs.nfields; i++)
            kept[i] = i < cp.nf ? block + cp.offs[i] : block + cp.len;
        xy[0] = x;
        xy[1] = y;
        parts[0] = 0;
        f->record = record;
        f->nparts = 1;
        f->npoints = 1;
        f->parts = parts;
        f->xy = xy;
        f->attrs = kept;
        st_feature_update_bbox(f);
        fs.source_vertices++;
    }
    if (warnings > MAX_ROW_WARNINGS)
        st_warn(ctx, "%s: %zu more rows with problems not listed", path, warnings - MAX_ROW_WARNINGS);
    if (cp.bad_bytes)
        st_warn(ctx, "%s: not valid UTF-8; %zu bytes replaced with U+FFFD", path, cp.bad_bytes);
    if (stats->records == 0 || !isfinite(stats->bounds[0]))
        memset(stats->bounds, 0, sizeof stats->bounds);
    *out = fs;

out:
    if (st == STEPPE_ERR_NOMEM)
        st_error(ctx, st, "%s: out of memory", path);
    free(attrs);
    free(cp.buf);
    free(cp.offs);
    free(data);
    return st;
}
