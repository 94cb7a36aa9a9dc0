/* Source dispatch: reads a layer's data with the reader its kind names. */
#include "source.h"

steppe_status_t st_source_read_layer(steppe_ctx_t *ctx, const st_layer *layer, const double *bbox,
                                     double simplify, st_arena *arena, st_featureset *out)
{
    return st_source_read_layer_keep(ctx, layer, bbox, simplify, NULL, arena, out);
}

steppe_status_t st_source_read_layer_keep(steppe_ctx_t *ctx, const st_layer *layer, const double *bbox,
                                          double simplify, const char *const *keep_fields, st_arena *arena,
                                          st_featureset *out)
{
    st_read_opts opts = {
        .where = layer->where.n ? &layer->where : NULL,
        .bbox = bbox,
        .simplify = simplify,
        .crs = layer->crs,
        .encoding = layer->encoding,
        .loc = layer->source_loc,
        .keep_fields = keep_fields,
    };
    if (!layer->source)
        return st_error(ctx, STEPPE_ERR_INTERNAL, "layer '%s' has no source",
                        layer->name ? layer->name : "?");
    switch (layer->kind) {
    case ST_LAYER_SHAPEFILE: return st_source_read_shp(ctx, layer->source, &opts, arena, out);
    case ST_LAYER_CSV:
        /* Points take no generalisation. */
        opts.simplify = 0.0;
        return st_source_read_csv(ctx, layer->source, layer->lon_field ? layer->lon_field : "lon",
                                  layer->lat_field ? layer->lat_field : "lat", &opts, arena, out);
    case ST_LAYER_SHARED_BOUNDARY:
    case ST_LAYER_ROUTE:
    case ST_LAYER_BORDER_REGIONS: break;
    }
    return st_error(ctx, STEPPE_ERR_INTERNAL, "layer '%s' is derived and has no source of its own",
                    layer->name ? layer->name : "?");
}
