/* Source: CSV tables of points (RFC 4180: quoted fields, doubled quotes,
 * separators and line breaks inside quotes, CRLF or LF), UTF-8 with an
 * optional BOM, a header row naming the fields. Every field is text ('C');
 * two named columns give longitude and latitude.
 *
 * Memory is bounded by the file, not by what it claims: a record (header or
 * row) holds at most ST_CSV_MAX_COLUMNS fields and ST_CSV_MAX_RECORD bytes
 * (the parser stops storing past either and skips to the record's end), and
 * a row keeps only the columns the caller uses (st_read_opts.keep_fields).
 * Each kept row costs a pointer per kept column, so a row of a few bytes
 * under a wide header would otherwise cost kilobytes; without keep_fields
 * the kept attributes are capped at twice the file's size plus
 * ST_CSV_TABLE_SLACK. */
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "driver.h"
#include "grow.h"
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
    size_t bad_bytes;   /* invalid UTF-8 bytes replaced */
    size_t fields_seen; /* fields of the current record, stored or not */
    int too_long;       /* the record passed ST_CSV_MAX_RECORD bytes: nothing more stored */
    int too_wide;       /* the record passed ST_CSV_MAX_COLUMNS fields: nothing more stored */
} csv_parser;

/* Whether the current record has stopped being stored. */
static int discarding(const csv_parser *cp)
{
    return cp->too_long || cp->too_wide;
}

static int buf_put(csv_parser *cp, const char *s, size_t n)
{
    if (discarding(cp))
        return 0;
    if (n >= ST_CSV_MAX_RECORD - cp->len) {
        cp->too_long = 1;
        return 0;
    }
    if (!st_grow(&cp->buf, &cp->cap, cp->len + n + 1, 1, 256))
        return -1;
    memcpy(cp->buf + cp->len, s, n);
    cp->len += n;
    return 0;
}

static int field_start(csv_parser *cp)
{
    cp->fields_seen++;
    if (cp->fields_seen > ST_CSV_MAX_COLUMNS)
        cp->too_wide = 1;
    if (discarding(cp))
        return 0;
    if (!st_grow(&cp->offs, &cp->capf, cp->nf + 1, sizeof *cp->offs, 16))
        return -1;
    cp->offs[cp->nf++] = cp->len;
    return 0;
}

/* Ends the current field: NUL-terminates it after replacing invalid UTF-8
 * in place-equivalent fashion (the field is re-encoded if needed). */
static int field_end(csv_parser *cp)
{
    if (discarding(cp))
        return 0;
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
    cp->fields_seen = 0;
    cp->too_long = 0;
    cp->too_wide = 0;
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

/* Reads the file whole (a regular file only: st_source_open_regular).
 * NULL with *why set (NULL: out of memory; *shrank: the file shrank while
 * being read, *why then unset). */
static char *read_file(const char *path, const st_read_opts *opts, size_t *len, const char **why,
                       size_t *shrank_to)
{
    int fd = st_source_open_regular(path, why);
    if (fd < 0)
        return NULL;
    char *data = NULL;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        *why = strerror(errno);
        goto out;
    }
    if ((size_t)st.st_size > MAX_CSV_BYTES) {
        *why = strerror(EFBIG);
        goto out;
    }
    size_t n = (size_t)st.st_size;
    if (opts->opened)
        opts->opened(opts->opened_user, fd);
    data = malloc(n + 1);
    if (!data) {
        *why = NULL;
        goto out;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, data + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0) {
                *shrank_to = got;
                *why = NULL;
            } else {
                *why = strerror(errno);
            }
            free(data);
            data = NULL;
            goto out;
        }
        got += (size_t)k;
    }
    data[n] = '\0';
    *len = n;
out:
    close(fd);
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

/* s for a one-line message: at most outsz - 4 bytes of it, then "...";
 * control characters (a quoted field may hold line breaks) as '?'. */
static const char *shown(char *out, size_t outsz, const char *s)
{
    size_t n = 0;
    while (s[n] && n + 4 < outsz) {
        out[n] = (unsigned char)s[n] < 0x20 || s[n] == 0x7F ? '?' : s[n];
        n++;
    }
    if (s[n]) {
        /* Not inside a UTF-8 sequence. */
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        memcpy(out + n, "...", 4);
    } else
        out[n] = '\0';
    return out;
}

/* Marks in keep[] the header columns (of full) that name matches: the
 * column st_featureset_field() finds, and every column equal to it but for
 * case, so that a name ambiguous in the full header stays ambiguous in the
 * kept one. */
static void mark(const st_featureset *full, const char *name, unsigned char *keep)
{
    if (!name)
        return;
    int i = st_featureset_field(full, name);
    if (i >= 0)
        keep[i] = 1;
    for (size_t k = 0; k < full->nfields; k++) {
        if (strcasecmp(full->fields[k], name) == 0)
            keep[k] = 1;
    }
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
    st_featureset full = {0}; /* every column of the header */
    st_featureset fs = {0};   /* the kept columns */
    csv_parser cp = {0};
    const char **attrs = NULL;
    unsigned char *keep = NULL;
    size_t *col = NULL; /* the header column of each kept column */
    steppe_status_t st = STEPPE_OK;
    size_t warnings = 0;
    const char *why = NULL;
    size_t shrank_to = SIZE_MAX;
    size_t len = 0;
    int line = 0;
    int geographic = opts->crs == NULL;
    if (!lon_field)
        lon_field = "lon";
    if (!lat_field)
        lat_field = "lat";

    char *data = read_file(path, opts, &len, &why, &shrank_to);
    if (!data) {
        if (shrank_to != SIZE_MAX)
            return st_error(ctx, STEPPE_ERR_DATA_OPEN,
                            "%s: cannot read: the file shrank to %zu bytes while being read", path,
                            shrank_to);
        if (!why)
            return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory", path);
        return st_error(ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", path, why);
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
    if (rc == CSV_RECORD && cp.too_long) {
        st = st_error(ctx, STEPPE_ERR_DATA_CORRUPT,
                      "%s:1: the header row is longer than the %zu bytes of a record", path,
                      ST_CSV_MAX_RECORD);
        goto out;
    }
    if (rc == CSV_RECORD && cp.too_wide) {
        st = st_error(ctx, STEPPE_ERR_DATA_CORRUPT,
                      "%s:1: the header has %zu columns, more than the %d steppe reads", path, cp.fields_seen,
                      ST_CSV_MAX_COLUMNS);
        goto out;
    }
    if (rc != CSV_RECORD || (cp.nf == 1 && !*field(&cp, 0))) {
        st = st_error(ctx, STEPPE_ERR_DATA_CORRUPT, "%s:1: no header row", path);
        goto out;
    }
    full.nfields = cp.nf;
    full.fields = st_arena_calloc(arena, cp.nf, sizeof *full.fields);
    keep = calloc(cp.nf, 1);
    col = calloc(cp.nf, sizeof *col);
    attrs = calloc(cp.nf, sizeof *attrs);
    if (!fs.path || !full.fields || !keep || !col || !attrs) {
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
        full.fields[i] = name;
    }
    /* Missing columns are reported against the whole header. */
    int lon = column(&full, lon_field);
    int lat = column(&full, lat_field);
    if (lon < 0 || lat < 0) {
        st = missing_column(ctx, opts, path, &full, lon < 0 ? lon_field : lat_field);
        goto out;
    }
    st = st_filter_check(ctx, opts->where, &full);
    if (st != STEPPE_OK)
        goto out;

    /* The columns kept: all, or those the caller and the where use. A name
     * the header lacks (a typo, a joined or derived column) keeps them all,
     * so that the message naming the missing field can list every column
     * and suggest the right one. */
    const char *const *keep_fields = opts->keep_fields;
    for (const char *const *k = keep_fields; k && *k; k++) {
        bool found = false;
        for (size_t i = 0; i < full.nfields && !found; i++)
            found = strcasecmp(full.fields[i], *k) == 0;
        if (!found)
            keep_fields = NULL;
    }
    if (keep_fields) {
        mark(&full, lon_field, keep);
        mark(&full, lat_field, keep);
        for (size_t c = 0; where && c < where->n; c++)
            mark(&full, where->conds[c].field, keep);
        for (const char *const *k = keep_fields; *k; k++)
            mark(&full, *k, keep);
    } else {
        memset(keep, 1, cp.nf);
    }
    for (size_t i = 0; i < full.nfields; i++) {
        if (keep[i])
            col[fs.nfields++] = i;
    }
    fs.fields = st_arena_calloc(arena, fs.nfields, sizeof *fs.fields);
    fs.field_types = st_arena_calloc(arena, fs.nfields + 1, 1);
    if (!fs.fields || !fs.field_types || !st_source_stats_fields(stats, arena, fs.nfields)) {
        st = STEPPE_ERR_NOMEM;
        goto out;
    }
    for (size_t k = 0; k < fs.nfields; k++) {
        fs.fields[k] = full.fields[col[k]];
        fs.field_types[k] = 'C';
    }
    /* Without a list of the columns used, the kept attributes may take
     * twice the file plus some slack: more means a wide header over short
     * rows, a pointer per column per row. */
    size_t budget = keep_fields ? SIZE_MAX : 2 * len + ST_CSV_TABLE_SLACK;
    size_t kept_bytes = 0;

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
        if (cp.too_long) {
            row++;
            stats->records++;
            stats->skipped++;
            if (warnings++ < MAX_ROW_WARNINGS)
                st_warn(ctx, "%s:%d: row longer than the %zu bytes of a record, skipped", path, line,
                        ST_CSV_MAX_RECORD);
            continue;
        }
        if (cp.fields_seen == 1 && !*field(&cp, 0))
            continue; /* an empty line */
        uint32_t record = row++;
        stats->records++;
        if (cp.fields_seen != full.nfields && warnings++ < MAX_ROW_WARNINGS)
            st_warn(ctx, "%s:%d: %zu fields where the header has %zu", path, line, cp.fields_seen,
                    full.nfields);

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
            char value[64];
            if (warnings++ < MAX_ROW_WARNINGS)
                st_warn(ctx, "%s:%d: bad %s '%s'", path, line, bad, shown(value, sizeof value, badval));
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
        size_t bytes = 0;
        for (size_t k = 0; k < fs.nfields; k++) {
            attrs[k] = field(&cp, col[k]);
            bytes += strlen(attrs[k]) + 1;
        }
        st_feature probe = {.attrs = attrs};
        if (where && !st_filter_match(where, &fs, &probe)) {
            stats->filtered++;
            continue;
        }
        kept_bytes += bytes + fs.nfields * sizeof(char *);
        if (kept_bytes > budget) {
            st =
                st_error(ctx, STEPPE_ERR_DATA_CORRUPT,
                         "%s:%d: the attributes of %zu columns take more than %zu MiB, twice the file's size "
                         "plus %zu MiB",
                         path, line, fs.nfields, budget >> 20, ST_CSV_TABLE_SLACK >> 20);
            goto out;
        }

        /* Keep the row: its kept fields in one arena block. */
        char *block = st_arena_alloc(arena, bytes ? bytes : 1);
        const char **kept = st_arena_alloc(arena, (fs.nfields ? fs.nfields : 1) * sizeof *kept);
        double *xy = st_arena_alloc(arena, 2 * sizeof *xy);
        uint32_t *parts = st_arena_alloc(arena, sizeof *parts);
        st_feature *f = st_featureset_add(&fs, arena);
        if (!block || !kept || !xy || !parts || !f) {
            st = STEPPE_ERR_NOMEM;
            goto out;
        }
        size_t w = 0;
        for (size_t k = 0; k < fs.nfields; k++) {
            size_t n = strlen(attrs[k]) + 1;
            memcpy(block + w, attrs[k], n);
            kept[k] = block + w;
            w += n;
        }
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
    free(keep);
    free(col);
    free(cp.buf);
    free(cp.offs);
    free(data);
    return st;
}

/* ---- the driver (driver.h) ------------------------------------------------- */

static steppe_status_t csv_read(st_source *src, const st_read_opts *opts, st_arena *arena, st_featureset *out)
{
    const st_layer *L = src->layer;
    /* Points take no generalisation. */
    st_read_opts o = *opts;
    o.simplify = 0.0;
    return st_source_read_csv(src->ctx, L->source, L->lon_field ? L->lon_field : "lon",
                              L->lat_field ? L->lat_field : "lat", &o, arena, out);
}

const st_driver st_driver_csv = {
    .format = "CSV",
    .kind = ST_LAYER_CSV,
    .read = csv_read,
};
