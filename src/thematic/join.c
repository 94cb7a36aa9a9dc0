/* Attribute joins: an RFC 4180 table read, indexed by its key column and
 * attached to a layer's features (see join.h). */
#include "join.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grow.h"
#include "names.h"
#include "thematic.h"

static const char *where_prefix(st_arena *arena, st_loc loc)
{
    if (!loc.file)
        return "";
    return st_arena_printf(arena, "%s:%d:%d: ", loc.file, loc.line, loc.col);
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Reads the whole file into the arena, NUL-terminated. */
static steppe_status_t slurp(steppe_ctx_t *ctx, const char *path, st_loc loc, st_arena *arena, char **out,
                             size_t *len)
{
    steppe_status_t st = STEPPE_OK;
    FILE *f = fopen(path, "rb");
    if (!f)
        return st_error(ctx, STEPPE_ERR_STYLE_FILE, "%sjoin: cannot open %s: %s", where_prefix(arena, loc),
                        path, strerror(errno));
    char *buf = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        st = st_error(ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot read: not a regular file", path);
        goto done;
    }
    buf = st_arena_alloc(arena, (size_t)size + 1);
    if (!buf) {
        st = st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory for %ld bytes", path, size);
        goto done;
    }
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        st = st_error(ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot read: %s", path,
                      ferror(f) ? strerror(errno) : "file shrank");
        goto done;
    }
    buf[size] = '\0';
    *out = buf;
    *len = (size_t)size;
done:
    fclose(f);
    return st;
}

/* The bytes must be text: no NUL (a binary file given by mistake) and
 * valid UTF-8. */
static steppe_status_t check_text(steppe_ctx_t *ctx, const char *path, const char *buf, size_t len)
{
    uint32_t line = 1;
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\0')
            return st_error(ctx, STEPPE_ERR_DATA_CORRUPT, "%s:%u: not a text table (a NUL byte)", path,
                            (unsigned)line);
        if (c == '\n')
            line++;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n = st_utf8_seq((const unsigned char *)buf + i, len - i);
        if (n == 0)
            return st_error(ctx, STEPPE_ERR_DATA_CORRUPT, "%s:%u: not UTF-8 text (byte 0x%02x)", path,
                            (unsigned)line, c);
        i += n;
    }
    return STEPPE_OK;
}

typedef struct cell_vec {
    const char **v;
    size_t n, cap;
} cell_vec;

static bool push(cell_vec *cv, const char *s)
{
    if (!st_grow(&cv->v, &cv->cap, cv->n + 1, sizeof *cv->v, 256))
        return false;
    cv->v[cv->n++] = s;
    return true;
}

steppe_status_t st_table_read(steppe_ctx_t *ctx, const char *path, char sep, st_loc loc, st_arena *arena,
                              st_table *out)
{
    memset(out, 0, sizeof *out);
    if (!sep)
        sep = ',';
    char *buf = NULL;
    size_t len = 0;
    steppe_status_t st = slurp(ctx, path, loc, arena, &buf, &len);
    if (st != STEPPE_OK)
        return st;
    st = check_text(ctx, path, buf, len);
    if (st != STEPPE_OK)
        return st;

    cell_vec cells = {0};
    uint32_t *lines = NULL;
    size_t nlines = 0;
    size_t cap_lines = 0;
    size_t ncols = 0;
    char *p = buf;
    char *end = buf + len;
    uint32_t line = 1;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;

    /* Cells are unescaped in place: a cell's text never grows, so the
     * write position stays behind the read position. */
    while (p < end) {
        if (*p == '\n' || *p == '\r') {
            /* A blank line separates nothing and holds no row. */
            if (*p == '\r' && p + 1 < end && p[1] == '\n')
                p++;
            p++;
            line++;
            continue;
        }
        uint32_t record_line = line;
        size_t first = cells.n;
        for (;;) {
            const char *text;
            char *q = p;
            while (q < end && blank(*q))
                q++;
            char c;
            if (q < end && *q == '"') {
                char *w = q + 1;
                char *r = q + 1;
                for (;;) {
                    if (r >= end) {
                        st = st_error(ctx, STEPPE_ERR_DATA_CORRUPT, "%s:%u: a quoted cell is never closed",
                                      path, (unsigned)record_line);
                        goto done;
                    }
                    if (*r == '"') {
                        if (r + 1 < end && r[1] == '"') {
                            *w++ = '"';
                            r += 2;
                            continue;
                        }
                        r++;
                        break;
                    }
                    if (*r == '\n')
                        line++;
                    *w++ = *r++;
                }
                while (r < end && blank(*r))
                    r++;
                c = r < end ? *r : '\0';
                if (r < end && c != sep && c != '\n' && c != '\r') {
                    st = st_error(ctx, STEPPE_ERR_DATA_CORRUPT,
                                  "%s:%u: text after the closing quote of a cell", path, (unsigned)line);
                    goto done;
                }
                *w = '\0';
                text = q + 1;
                p = r;
            } else {
                char *r = q;
                while (r < end && *r != sep && *r != '\n' && *r != '\r')
                    r++;
                char *te = r;
                while (te > q && blank(te[-1]))
                    te--;
                c = r < end ? *r : '\0';
                *te = '\0';
                text = q;
                p = r;
            }
            if (!push(&cells, text)) {
                st = st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory", path);
                goto done;
            }
            if (p < end && c == sep) {
                p++;
                continue;
            }
            if (p < end && c == '\r') {
                p++;
                if (p < end && *p == '\n')
                    p++;
                line++;
            } else if (p < end && c == '\n') {
                p++;
                line++;
            }
            break;
        }
        size_t n = cells.n - first;
        if (nlines == 0) {
            ncols = n;
        } else if (n != ncols) {
            st = st_error(ctx, STEPPE_ERR_DATA_CORRUPT, "%s:%u: %zu cells, but the header (line %u) has %zu",
                          path, (unsigned)record_line, n, (unsigned)lines[0], ncols);
            goto done;
        }
        if (!st_grow(&lines, &cap_lines, nlines + 1, sizeof *lines, 256)) {
            st = st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory", path);
            goto done;
        }
        lines[nlines++] = record_line;
    }
    if (nlines == 0) {
        st = st_error(ctx, STEPPE_ERR_DATA_CORRUPT, "%s: empty table (no header row)", path);
        goto done;
    }
    for (size_t c = 0; c < ncols; c++) {
        if (!*cells.v[c]) {
            st = st_error(ctx, STEPPE_ERR_DATA_CORRUPT, "%s:%u: column %zu of the header has no name", path,
                          (unsigned)lines[0], c + 1);
            goto done;
        }
        for (size_t d = 0; d < c; d++) {
            if (strcmp(cells.v[c], cells.v[d]) == 0) {
                st =
                    st_error(ctx, STEPPE_ERR_DATA_CORRUPT, "%s:%u: two columns are called '%s' (%zu and %zu)",
                             path, (unsigned)lines[0], cells.v[c], d + 1, c + 1);
                goto done;
            }
        }
    }
    out->path = path;
    out->ncols = ncols;
    out->nrows = nlines - 1;
    out->cols = st_arena_calloc(arena, ncols, sizeof *out->cols);
    out->cells = st_arena_calloc(arena, out->nrows * ncols + 1, sizeof *out->cells);
    out->line = st_arena_calloc(arena, out->nrows + 1, sizeof *out->line);
    if (!out->cols || !out->cells || !out->line) {
        st = st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    memcpy(out->cols, cells.v, ncols * sizeof *out->cols);
    if (out->nrows)
        memcpy(out->cells, cells.v + ncols, out->nrows * ncols * sizeof *out->cells);
    if (out->nrows)
        memcpy(out->line, lines + 1, out->nrows * sizeof *out->line);
done:
    free(cells.v);
    free(lines);
    if (st != STEPPE_OK)
        memset(out, 0, sizeof *out);
    return st;
}

int st_table_col(const st_table *t, const char *name)
{
    return st_name_index(t->cols, t->ncols, name);
}

/* ---- the key index ----------------------------------------------------------- */

/* The key as compared: trimmed; with numeric matching a number is written
 * in one canonical form, so "02", "2" and "2.0" meet. Arena storage; NULL
 * when out of memory. */
static const char *canonical_key(st_arena *arena, const char *s, bool numeric)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    double v;
    if (numeric && n > 0 && st_parse_number(s, &v))
        return st_arena_printf(arena, "%.17g", v == 0 ? 0.0 : v);
    return st_arena_strndup(arena, s, n);
}

/* FNV-1a: short keys, few collisions, no state. */
static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    return h;
}

typedef struct key_index {
    int64_t *slot; /* row index, -1 empty */
    size_t mask;
    const char **keys; /* nrows canonical keys */
} key_index;

static int64_t index_find(const key_index *ix, const char *key)
{
    for (size_t h = (size_t)hash_str(key) & ix->mask;; h = (h + 1) & ix->mask) {
        int64_t r = ix->slot[h];
        if (r < 0)
            return -1;
        if (strcmp(ix->keys[r], key) == 0)
            return r;
    }
}

/* Indexes the table's key column; a key seen twice is an error naming both
 * lines. Empty keys are not indexed. */
static steppe_status_t index_build(steppe_ctx_t *ctx, const st_table *t, int kc, bool numeric,
                                   st_arena *arena, key_index *ix)
{
    size_t cap = 16;
    while (cap < 2 * t->nrows)
        cap *= 2;
    ix->mask = cap - 1;
    ix->slot = st_arena_alloc(arena, cap * sizeof *ix->slot);
    ix->keys = st_arena_calloc(arena, t->nrows + 1, sizeof *ix->keys);
    if (!ix->slot || !ix->keys)
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory", t->path);
    for (size_t h = 0; h < cap; h++)
        ix->slot[h] = -1;
    for (size_t r = 0; r < t->nrows; r++) {
        const char *key = canonical_key(arena, t->cells[r * t->ncols + (size_t)kc], numeric);
        if (!key)
            return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory", t->path);
        ix->keys[r] = key;
        if (!*key)
            continue;
        size_t h = (size_t)hash_str(key) & ix->mask;
        for (; ix->slot[h] >= 0; h = (h + 1) & ix->mask) {
            int64_t o = ix->slot[h];
            if (strcmp(ix->keys[o], key) == 0)
                return st_error(ctx, STEPPE_ERR_DATA_CORRUPT, "%s:%u: key '%s' repeats the row of %s:%u",
                                t->path, (unsigned)t->line[r], t->cells[r * t->ncols + (size_t)kc], t->path,
                                (unsigned)t->line[o]);
        }
        ix->slot[h] = (int64_t)r;
    }
    return STEPPE_OK;
}

/* ---- the join ----------------------------------------------------------------- */

steppe_status_t st_join_apply(steppe_ctx_t *ctx, const st_join_spec *spec, st_featureset *fs, st_arena *arena,
                              st_join_report *rep)
{
    const char *shown = spec->source_written ? spec->source_written : spec->source;
    st_loc on_loc = spec->on_loc.file ? spec->on_loc : spec->loc;
    st_loc key_loc = spec->key_loc.file ? spec->key_loc : spec->loc;
    st_loc src_loc = spec->source_loc.file ? spec->source_loc : spec->loc;
    int on = st_featureset_field(fs, spec->on);
    if (!spec->on || on < 0)
        return st_thematic_no_field(ctx, arena, fs, "join: on", spec->on ? spec->on : "", on_loc);

    st_table t;
    steppe_status_t st = st_table_read(ctx, spec->source, spec->separator, src_loc, arena, &t);
    if (st != STEPPE_OK)
        return st;
    int kc = spec->key ? st_table_col(&t, spec->key) : -1;
    if (kc < 0) {
        /* The table's header as a feature set's fields, for the message. */
        st_featureset cols = {.fields = t.cols, .nfields = t.ncols, .path = t.path};
        return st_thematic_no_field(ctx, arena, &cols, "join: key", spec->key ? spec->key : "", key_loc);
    }
    key_index ix;
    st = index_build(ctx, &t, kc, spec->numeric, arena, &ix);
    if (st != STEPPE_OK)
        return st;

    /* The joined columns: every column but the key, named with the prefix. */
    size_t ncols = t.ncols - 1;
    const char **names = st_arena_calloc(arena, ncols + 1, sizeof *names);
    char *types = st_arena_calloc(arena, ncols + 1, 1);
    const char ***values = st_arena_calloc(arena, ncols + 1, sizeof *values);
    int64_t *row_of = st_arena_calloc(arena, fs->n + 1, sizeof *row_of);
    bool *used = st_arena_calloc(arena, t.nrows + 1, sizeof *used);
    if (!names || !types || !values || !row_of || !used)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    size_t j = 0;
    for (size_t c = 0; c < t.ncols; c++) {
        if ((int)c == kc)
            continue;
        const char *name = spec->prefix ? st_arena_printf(arena, "%s%s", spec->prefix, t.cols[c]) : t.cols[c];
        if (!name)
            return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        for (size_t f = 0; f < fs->nfields; f++) {
            if (strcasecmp(fs->fields[f], name) == 0)
                return st_error(
                    ctx, STEPPE_ERR_STYLE_VALUE,
                    "%sjoin %s: column '%s' would hide field '%s' of %s; set prefix: to rename the "
                    "joined columns",
                    where_prefix(arena, spec->loc), shown, name, fs->fields[f],
                    fs->path ? fs->path : "the layer");
        }
        bool any = false;
        bool numeric = true;
        for (size_t r = 0; r < t.nrows && numeric; r++) {
            const char *s = t.cells[r * t.ncols + c];
            double v;
            if (!*s)
                continue;
            any = true;
            numeric = st_parse_number(s, &v);
        }
        names[j] = name;
        types[j] = any && numeric ? 'N' : 'C';
        values[j] = st_arena_calloc(arena, fs->n + 1, sizeof **values);
        if (!values[j])
            return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        j++;
    }

    st_join_report r = {.source = shown, .rows = t.nrows, .columns = ncols, .features = fs->n};
    for (size_t i = 0; i < fs->n; i++) {
        const st_feature *f = &fs->feat[i];
        const char *raw = f->attrs && f->attrs[on] ? f->attrs[on] : "";
        const char *key = canonical_key(arena, raw, spec->numeric);
        if (!key)
            return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        row_of[i] = *key ? index_find(&ix, key) : -1;
        if (row_of[i] < 0) {
            r.unmatched_features++;
            if (!r.first_unmatched_feature)
                r.first_unmatched_feature = key;
            continue;
        }
        r.matched_features++;
        used[row_of[i]] = true;
        j = 0;
        for (size_t c = 0; c < t.ncols; c++) {
            if ((int)c == kc)
                continue;
            values[j++][i] = t.cells[(size_t)row_of[i] * t.ncols + c];
        }
    }
    for (size_t k = 0; k < t.nrows; k++) {
        if (used[k])
            continue;
        r.unmatched_rows++;
        if (!r.first_unmatched_row) {
            r.first_unmatched_row = t.cells[k * t.ncols + (size_t)kc];
            r.first_unmatched_row_line = t.line[k];
        }
    }
    if (!st_featureset_add_columns(fs, names, types, ncols, (const char *const *const *)values, arena))
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");

    const char *pre = where_prefix(arena, spec->loc);
    if (r.unmatched_features)
        st_warn(ctx, "%sjoin %s: %zu of %zu features have no row (first: %s '%s')", pre, shown,
                r.unmatched_features, r.features, fs->fields[on], r.first_unmatched_feature);
    if (r.unmatched_rows)
        st_warn(ctx, "%sjoin %s: %zu of %zu rows match no feature (first: line %u, %s '%s')", pre, shown,
                r.unmatched_rows, r.rows, (unsigned)r.first_unmatched_row_line, t.cols[kc],
                r.first_unmatched_row);
    if (rep)
        *rep = r;
    return STEPPE_OK;
}
