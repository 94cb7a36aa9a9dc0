/* libFuzzer target: the CSV reader (st_source_read_csv), as a render and
 * `steppe info` call it. The input's first byte picks the options, the rest
 * is the file:
 *   bit 0  the coordinate columns are "x"/"y" instead of "lon"/"lat"
 *   bit 1  keep only the columns named "name" and "pop" (keep_fields)
 *   bit 2  a where: name in [a, b]
 *   bit 3  a bbox of [-10, -10, 10, 10]
 *   bit 4  a projected crs (no range check of the coordinates)
 * What a successful read returns is walked completely: every attribute a
 * valid UTF-8 string, every coordinate finite, the limits of source.h kept,
 * and bbox and where honoured. Every message is one line (fz_ctx). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_common.h"
#include "source.h"

static int valid_utf8(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    size_t i = 0;
    while (i < n) {
        size_t l = st_utf8_seq(u + i, n - i);
        if (l == 0)
            return 0;
        i += l;
    }
    return 1;
}

static void walk(const st_featureset *fs, const st_read_opts *opts, const char *lon, const char *lat)
{
    fz_require(fs->nfields <= ST_CSV_MAX_COLUMNS, "more columns than ST_CSV_MAX_COLUMNS");
    fz_require(st_featureset_field(fs, lon) >= 0 && st_featureset_field(fs, lat) >= 0,
               "a coordinate column was not kept");
    /* A kept name the header lacks keeps every column (so a message can
     * list them all): the list narrows the columns only when the header has
     * every name in it. */
    int narrowed = opts->keep_fields != NULL;
    for (const char *const *k = opts->keep_fields; k && *k; k++) {
        int found = 0;
        for (size_t i = 0; i < fs->nfields && !found; i++)
            found = fs->fields[i] && strcasecmp(fs->fields[i], *k) == 0;
        narrowed = narrowed && found;
    }
    for (size_t k = 0; k < fs->nfields; k++) {
        fz_require(fs->fields[k] != NULL, "NULL field name");
        const char *c = fs->fields[k];
        fz_require(!narrowed || strcasecmp(c, lon) == 0 || strcasecmp(c, lat) == 0 ||
                       strcasecmp(c, "name") == 0 || strcasecmp(c, "pop") == 0,
                   "keep_fields kept a column nobody uses");
        fz_require(fs->field_types[k] == 'C', "a CSV column that is not text");
    }
    for (size_t i = 0; i < fs->n; i++) {
        const st_feature *f = &fs->feat[i];
        fz_require(f->nparts == 1 && f->npoints == 1 && f->parts[0] == 0, "a CSV feature is not one point");
        fz_require(isfinite(f->xy[0]) && isfinite(f->xy[1]), "a non-finite coordinate survived the reader");
        if (opts->bbox)
            fz_require(f->xy[0] >= opts->bbox[0] && f->xy[0] <= opts->bbox[2] && f->xy[1] >= opts->bbox[1] &&
                           f->xy[1] <= opts->bbox[3],
                       "a point outside the bbox was kept");
        if (opts->where)
            fz_require(st_filter_match(opts->where, fs, f), "a row the where rejects was kept");
        size_t bytes = 0;
        for (size_t k = 0; k < fs->nfields; k++) {
            fz_require(f->attrs[k] != NULL, "NULL attribute (features.h: \"\" when empty)");
            fz_require(valid_utf8(f->attrs[k]), "an attribute that is not valid UTF-8");
            bytes += strlen(f->attrs[k]);
        }
        fz_require(bytes < ST_CSV_MAX_RECORD, "a row longer than ST_CSV_MAX_RECORD was kept");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static steppe_ctx_t *ctx;
    if (!ctx)
        ctx = fz_ctx();
    ctx->last_error[0] = '\0';
    unsigned flags = size ? data[0] : 0;
    const char *path = fz_write_file("f.csv", size ? data + 1 : data, size ? size - 1 : 0);
    fz_require(path != NULL, "cannot write the scratch file");

    static const char *const keep[] = {"name", "pop", NULL};
    static const char *in[] = {"a", "b"};
    static st_cond cond = {.field = "name", .op = ST_OP_IN, .values = in, .nvalues = 2};
    static const st_filter where = {&cond, 1};
    static const double bbox[4] = {-10, -10, 10, 10};
    const char *lon = flags & 1 ? "x" : "lon";
    const char *lat = flags & 1 ? "y" : "lat";
    st_read_opts opts;
    memset(&opts, 0, sizeof opts);
    st_source_stats stats;
    opts.stats = &stats;
    opts.keep_fields = flags & 2 ? keep : NULL;
    opts.where = flags & 4 ? &where : NULL;
    opts.bbox = flags & 8 ? bbox : NULL;
    opts.crs = flags & 16 ? "EPSG:3857" : NULL;

    st_arena *arena = st_arena_create(0);
    fz_require(arena != NULL, "st_arena_create failed");
    st_featureset fs;
    memset(&fs, 0, sizeof fs);
    steppe_status_t st = st_source_read_csv(ctx, path, lon, lat, &opts, arena, &fs);
    if (st == STEPPE_OK) {
        walk(&fs, &opts, lon, lat);
        fz_require(stats.records >= fs.n, "more features than records");
    } else {
        fz_require(steppe_ctx_last_error(ctx)[0] != '\0', "read: failure without a message");
    }
    st_arena_destroy(arena);
    return 0;
}
