/* libFuzzer target: the GeoJSON driver (geojson.c) through the driver
 * interface, as a render and `steppe info` use it. The input's first byte
 * picks the options, the rest is the file:
 *   bit 0  a bbox of [-10, -10, 10, 10]
 *   bit 1  generalisation (simplify 0.01)
 *   bit 2  a where: name in [a, b]
 * What a successful read returns is walked completely: every field named,
 * every feature's attributes there and valid UTF-8, parts inside the
 * points, every coordinate finite, the bbox honoured. A failure leaves one
 * line (fz_ctx). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "fuzz_common.h"

static int valid_utf8(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t l = st_utf8_seq(u + i, n - i);
        if (l == 0)
            return 0;
        i += l;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *path = fz_write_file("in.geojson", data + 1, size - 1);
    if (!path)
        return 0;
    unsigned flags = data[0];
    static const double view[4] = {-10, -10, 10, 10};
    const char *names[] = {"a", "b"};
    st_cond cond = {.field = "name", .op = ST_OP_IN, .values = names, .nvalues = 2};
    st_filter where = {.conds = &cond, .n = 1};
    st_read_opts opts = {
        .bbox = flags & 1 ? view : NULL,
        .simplify = flags & 2 ? 0.01 : 0.0,
        .where = flags & 4 ? &where : NULL,
    };
    static steppe_ctx_t *ctx;
    if (!ctx)
        ctx = fz_ctx();
    st_arena *arena = st_arena_create(0);
    st_layer layer = {.kind = ST_LAYER_GEOJSON, .name = "in", .source = path};
    st_source *src = NULL;
    st_featureset fs;
    steppe_status_t st = st_source_open(ctx, &layer, arena, &src);
    if (st == STEPPE_OK) {
        st_source_desc desc;
        st_source_describe(src, &desc, arena);
        st = st_source_read(src, &opts, arena, &fs);
    }
    if (st == STEPPE_OK) {
        for (size_t k = 0; k < fs.nfields; k++)
            fz_require(fs.fields[k] && valid_utf8(fs.fields[k]), "a field name missing or not UTF-8");
        for (size_t i = 0; i < fs.n; i++) {
            const st_feature *f = &fs.feat[i];
            fz_require(f->nparts > 0 && f->npoints > 0, "an empty feature kept");
            for (uint32_t p = 0; p < f->nparts; p++)
                fz_require(f->parts[p] < f->npoints && (p == 0 || f->parts[p] > f->parts[p - 1]),
                           "a part outside the points");
            for (uint32_t k = 0; k < 2 * f->npoints; k++)
                fz_require(isfinite(f->xy[k]), "a non-finite coordinate");
            if (opts.bbox)
                fz_require(!(f->bbox[2] < view[0] || f->bbox[0] > view[2] || f->bbox[3] < view[1] ||
                             f->bbox[1] > view[3]),
                           "a feature outside the bbox kept");
            for (size_t k = 0; k < fs.nfields; k++)
                fz_require(f->attrs && f->attrs[k] && valid_utf8(f->attrs[k]),
                           "an attribute missing or not UTF-8");
            if (opts.where)
                fz_require(st_filter_match(opts.where, &fs, f), "a feature the where rejects kept");
        }
    }
    st_source_close(src);
    st_arena_destroy(arena);
    return 0;
}
