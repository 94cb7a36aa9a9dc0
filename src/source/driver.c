/* The driver registry and the calls every source goes through (driver.h). */
#include "driver.h"

#include <stdlib.h>
#include <string.h>

#include "sniff.h"

const st_driver *st_driver_for_kind(st_layer_kind kind)
{
    static const st_driver *const drivers[] = {
        &st_driver_shapefile, &st_driver_csv, &st_driver_geojson, &st_driver_gpkg, &st_driver_postgis,
    };
    for (size_t i = 0; i < sizeof drivers / sizeof drivers[0]; i++) {
        if (drivers[i]->kind == kind)
            return drivers[i];
    }
    return NULL;
}

steppe_status_t st_source_open(steppe_ctx_t *ctx, const st_layer *layer, st_arena *arena, st_source **out)
{
    *out = NULL;
    const st_driver *d = st_driver_for_kind(layer->kind);
    if (!d)
        return st_error(ctx, STEPPE_ERR_DATA_UNSUPPORTED, "%s: steppe was built without a %s driver",
                        layer->source ? layer->source : "?", st_sniff_kind_name(layer->kind));
    if (!layer->source)
        return st_error(ctx, STEPPE_ERR_INTERNAL, "layer '%s' has no source",
                        layer->name ? layer->name : "?");
    st_source *src = calloc(1, sizeof *src);
    if (!src)
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory",
                        layer->source_written ? layer->source_written : layer->source);
    src->driver = d;
    src->ctx = ctx;
    src->layer = layer;
    steppe_status_t st = d->open ? d->open(src, arena) : STEPPE_OK;
    if (st != STEPPE_OK) {
        st_source_close(src);
        return st;
    }
    *out = src;
    return STEPPE_OK;
}

steppe_status_t st_source_describe(st_source *src, st_source_desc *desc, st_arena *arena)
{
    memset(desc, 0, sizeof *desc);
    desc->format = src->driver->format;
    steppe_status_t st = src->driver->describe ? src->driver->describe(src, desc, arena) : STEPPE_OK;
    if (st != STEPPE_OK)
        return st;
    if (src->layer->crs) {
        desc->crs = src->layer->crs;
        desc->crs_assumed = 0;
    } else if (!desc->crs) {
        desc->crs = "EPSG:4326";
        desc->crs_assumed = 1;
    }
    return STEPPE_OK;
}

steppe_status_t st_source_read(st_source *src, const st_read_opts *opts, st_arena *arena, st_featureset *out)
{
    return src->driver->read(src, opts, arena, out);
}

void st_source_close(st_source *src)
{
    if (!src)
        return;
    if (src->driver && src->driver->close)
        src->driver->close(src);
    free(src);
}

steppe_status_t st_source_layer_for_path(steppe_ctx_t *ctx, const char *path, st_layer *layer)
{
    memset(layer, 0, sizeof *layer);
    int kind = st_sniff_source(path);
    if (kind < 0 || !st_kind_has_source((st_layer_kind)kind))
        return st_error(ctx, STEPPE_ERR_DATA_UNSUPPORTED, "%s: not a format steppe reads (%s)", path,
                        ST_SNIFF_FORMATS);
    layer->kind = (st_layer_kind)kind;
    layer->name = "layer";
    layer->source = path;
    layer->source_written = path;
    layer->lon_field = "lon";
    layer->lat_field = "lat";
    layer->visible = true;
    return STEPPE_OK;
}

steppe_status_t st_source_add_geometry(st_featureset *fs, st_arena *arena, const st_read_opts *opts,
                                       st_source_stats *stats, st_geom_type cls, const double *xy,
                                       size_t npts, const uint32_t *parts, size_t nparts, double bbox[4],
                                       st_feature **out)
{
    *out = NULL;
    double b[4] = {xy[0], xy[1], xy[0], xy[1]};
    for (size_t i = 1; i < npts; i++) {
        b[0] = st_min(b[0], xy[2 * i]);
        b[1] = st_min(b[1], xy[2 * i + 1]);
        b[2] = st_max(b[2], xy[2 * i]);
        b[3] = st_max(b[3], xy[2 * i + 1]);
    }
    memcpy(bbox, b, sizeof b);
    const double *view = opts->bbox;
    /* As the Shapefile reader culls: "not disjoint" keeps. */
    if (view && (b[2] < view[0] || b[0] > view[2] || b[3] < view[1] || b[1] > view[3])) {
        if (stats)
            stats->culled++;
        return STEPPE_OK;
    }
    double tol = opts->simplify;
    int simplify = tol > 0.0 && cls != ST_GEOM_POINT;
    double tx = simplify ? st_lon_tolerance(tol, b[1], b[3]) : 0.0;
    size_t cap = simplify ? npts + 2 * nparts + 6 : npts;
    double *dst = st_arena_alloc(arena, cap * 2 * sizeof *dst);
    uint32_t *p = st_arena_alloc(arena, (nparts ? nparts : 1) * sizeof *p);
    if (!dst || !p)
        return STEPPE_ERR_NOMEM;
    size_t w = 0;
    if (!simplify) {
        memcpy(dst, xy, npts * 2 * sizeof *dst);
        memcpy(p, parts, nparts * sizeof *p);
        w = npts;
    } else {
        for (size_t k = 0; k < nparts; k++) {
            size_t s = parts[k];
            size_t e = k + 1 < nparts ? parts[k + 1] : npts;
            p[k] = (uint32_t)w;
            size_t n =
                st_source_simplify_part(xy + 2 * s, e - s, cls == ST_GEOM_POLYGON, tx, tol, dst + 2 * w);
            if (n == 0)
                return STEPPE_ERR_NOMEM;
            w += n;
        }
    }
    st_feature *f = st_featureset_add(fs, arena);
    if (!f)
        return STEPPE_ERR_NOMEM;
    f->nparts = (uint32_t)nparts;
    f->parts = p;
    f->npoints = (uint32_t)w;
    f->xy = dst;
    if (simplify)
        st_feature_update_bbox(f);
    else
        memcpy(f->bbox, b, sizeof b);
    fs->source_vertices += npts;
    *out = f;
    return STEPPE_OK;
}

/* ---- reading a layer (source.h) ------------------------------------------- */

/* The read options of layer's source. */
static st_read_opts layer_opts(const st_layer *layer, const double *bbox, double simplify)
{
    return (st_read_opts){
        .where = layer->where.n ? &layer->where : NULL,
        .bbox = bbox,
        .simplify = simplify,
        .crs = layer->crs,
        .encoding = layer->encoding,
        .loc = layer->source_loc,
    };
}

static steppe_status_t read_with(steppe_ctx_t *ctx, const st_layer *layer, const st_read_opts *opts,
                                 st_arena *arena, st_featureset *out)
{
    if (!st_kind_has_source(layer->kind))
        return st_error(ctx, STEPPE_ERR_INTERNAL, "layer '%s' is derived and has no source of its own",
                        layer->name ? layer->name : "?");
    st_source *src = NULL;
    steppe_status_t st = st_source_open(ctx, layer, arena, &src);
    if (st == STEPPE_OK)
        st = st_source_read(src, opts, arena, out);
    st_source_close(src);
    return st;
}

bool st_source_stats_fields(st_source_stats *stats, st_arena *arena, size_t nfields)
{
    stats->field_width = st_arena_calloc(arena, nfields ? nfields : 1, sizeof(int));
    stats->field_decimals = st_arena_calloc(arena, nfields ? nfields : 1, sizeof(int));
    return stats->field_width && stats->field_decimals;
}

steppe_status_t st_source_read_layer(steppe_ctx_t *ctx, const st_layer *layer, const double *bbox,
                                     double simplify, st_arena *arena, st_featureset *out)
{
    return st_source_read_layer_keep(ctx, layer, bbox, simplify, NULL, arena, out);
}

steppe_status_t st_source_read_layer_keep(steppe_ctx_t *ctx, const st_layer *layer, const double *bbox,
                                          double simplify, const char *const *keep_fields, st_arena *arena,
                                          st_featureset *out)
{
    st_read_opts opts = layer_opts(layer, bbox, simplify);
    opts.keep_fields = keep_fields;
    return read_with(ctx, layer, &opts, arena, out);
}

steppe_status_t st_source_stream_layer(steppe_ctx_t *ctx, const st_layer *layer, const st_read_opts *how,
                                       st_arena *arena, st_featureset *out)
{
    st_read_opts opts = layer_opts(layer, how->bbox, how->simplify);
    opts.quiet = how->quiet;
    opts.geometry_only = how->geometry_only;
    opts.batch_records = how->batch_records ? how->batch_records : 1;
    opts.batch_bytes = how->batch_bytes;
    opts.batch = how->batch;
    opts.batch_user = how->batch_user;
    opts.batch_arena = how->batch_arena;
    steppe_status_t st = read_with(ctx, layer, &opts, arena, out);
    if (st == STEPPE_OK && out->n > 0) {
        /* A driver that read it all at once: one batch. */
        st = how->batch(how->batch_user, out);
        out->n = 0;
    }
    return st;
}

steppe_status_t st_source_crs(steppe_ctx_t *ctx, const st_layer *layer, st_arena *arena, const char **crs)
{
    *crs = layer->crs;
    if (layer->crs)
        return STEPPE_OK;
    st_source *src = NULL;
    st_source_desc desc;
    steppe_status_t st = st_source_open(ctx, layer, arena, &src);
    if (st == STEPPE_OK)
        st = st_source_describe(src, &desc, arena);
    st_source_close(src);
    if (st == STEPPE_OK)
        *crs = desc.crs;
    return st;
}
