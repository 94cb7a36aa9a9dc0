/* steppe check: everything a render needs, verified without drawing.
 * Each source is read in full through the same readers a render uses, each
 * filter is checked against the fields the source really has, each CRS is
 * built against the map CRS, and derived layers are derived (so a missing
 * stop or an empty boundary side shows up here, not in CI's render). */
#include <fontconfig/fontconfig.h>
#include <string.h>
#include <strings.h>

#include "derive.h"
#include "route.h"
#include "model.h"
#include "project.h"
#include "schema.h"
#include "source.h"

static steppe_status_t check_filters(steppe_ctx_t *ctx, const st_layer *layer, const st_featureset *fs)
{
    steppe_status_t st = st_filter_check(ctx, &layer->where, fs);
    for (size_t c = 0; c < layer->nclasses && st == STEPPE_OK; c++)
        st = st_filter_check(ctx, &layer->classes[c].where, fs);
    return st;
}

/* fontconfig substitutes silently; a style naming a family that is not
 * installed deserves a warning, not a surprise in the output. */
static void check_font(steppe_ctx_t *ctx, const char *family, st_loc loc)
{
    if (!family)
        return;
    FcPattern *pat = FcNameParse((const FcChar8 *)family);
    if (!pat)
        return;
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcPattern *match = FcFontMatch(NULL, pat, &res);
    FcChar8 *got = NULL;
    if (match && FcPatternGetString(match, FC_FAMILY, 0, &got) == FcResultMatch &&
        strcasecmp((const char *)got, family) != 0)
        st_warn(ctx, "%s:%d:%d: font '%s' is not installed; '%s' will be used", loc.file ? loc.file : "style",
                loc.line, loc.col, family, (const char *)got);
    if (match)
        FcPatternDestroy(match);
    FcPatternDestroy(pat);
}

/* The render refuses a canvas above its pixel limit; check says so first,
 * at the place the size is written. The command line's --max-pixels of a
 * render may still raise the limit. */
static steppe_status_t check_canvas(steppe_ctx_t *ctx, const st_map *m)
{
    double limit = m->max_pixels > 0 ? m->max_pixels : ST_DEFAULT_MAX_PIXELS;
    double pixels = m->width_px * m->height_px;
    if (pixels <= limit)
        return STEPPE_OK;
    char w[32];
    char h[32];
    char p[32];
    char l[32];
    return st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                    "%s:%d:%d: map.width x map.height is %s x %s = %s pixels, above the limit of %s "
                    "(map.max-pixels, or render --max-pixels)",
                    m->size_loc.file ? m->size_loc.file : m->path, m->size_loc.line, m->size_loc.col,
                    st_number_text(m->width_px, w, sizeof w), st_number_text(m->height_px, h, sizeof h),
                    st_number_text(pixels, p, sizeof p), st_number_text(limit, l, sizeof l));
}

/* Feature sets read so far, one per distinct source (st_layer_same_source). */
typedef struct read_cache {
    const st_layer **layers;
    st_featureset *sets;
    size_t n;
} read_cache;

/* layer's data, unfiltered (the caller checks its where), read once per
 * source; the cache's arrays and the features live in arena. */
static steppe_status_t cached_read(steppe_ctx_t *ctx, read_cache *c, const st_layer *layer, st_arena *arena,
                                   st_featureset *out)
{
    for (size_t i = 0; i < c->n; i++) {
        if (st_layer_same_source(c->layers[i], layer)) {
            *out = c->sets[i];
            return STEPPE_OK;
        }
    }
    st_layer unfiltered = *layer;
    unfiltered.where.n = 0;
    steppe_status_t st = st_source_read_layer(ctx, &unfiltered, NULL, 0, arena, out);
    if (st != STEPPE_OK)
        return st;
    const st_layer **layers = st_arena_calloc(arena, c->n + 1, sizeof *layers);
    st_featureset *sets = st_arena_calloc(arena, c->n + 1, sizeof *sets);
    if (!layers || !sets)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    if (c->n) {
        memcpy(layers, c->layers, c->n * sizeof *layers);
        memcpy(sets, c->sets, c->n * sizeof *sets);
    }
    layers[c->n] = layer;
    sets[c->n] = *out;
    c->layers = layers;
    c->sets = sets;
    c->n++;
    return STEPPE_OK;
}

steppe_status_t steppe_style_check(steppe_ctx_t *ctx, const steppe_style_t *style)
{
    const st_map *m = &style->map;
    st_arena *arena = st_arena_create(0);
    if (!arena)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    steppe_status_t st = check_canvas(ctx, m);
    if (st != STEPPE_OK) {
        st_arena_destroy(arena);
        return st;
    }
    st_proj *lonlat = NULL;
    st = st_proj_create(ctx, "EPSG:4326", m->crs, m->crs_loc, &lonlat);
    st_proj_destroy(lonlat);
    check_font(ctx, m->font, m->crs_loc);
    /* Each file is read once, unfiltered, however many layers use it: a
     * style of thousands of layers on one file is checked in one read. */
    read_cache cache = {0};
    for (size_t i = 0; i < m->nlayers && st == STEPPE_OK; i++) {
        const st_layer *layer = &m->layers[i];
        if (st_kind_has_source(layer->kind)) {
            st_featureset fs;
            st = cached_read(ctx, &cache, layer, arena, &fs);
            if (st == STEPPE_OK)
                st = st_filter_check(ctx, &layer->where, &fs);
            if (st == STEPPE_OK)
                st = check_filters(ctx, layer, &fs);
            if (st == STEPPE_OK) {
                st_proj *p = NULL;
                st = st_proj_create(ctx, fs.crs, m->crs, layer->crs ? layer->crs_loc : layer->source_loc, &p);
                st_proj_destroy(p);
            }
            continue;
        }
        const st_layer *of = st_map_layer(m, layer->of);
        if (!of || (!st_kind_has_source(of->kind))) {
            st = st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                          "%s:%d:%d: layer '%s': 'of' must name a Shapefile or CSV layer",
                          layer->of_loc.file ? layer->of_loc.file : m->path, layer->of_loc.line,
                          layer->of_loc.col, layer->name);
            break;
        }
        st_featureset src, out;
        st = cached_read(ctx, &cache, of, arena, &src);
        if (st == STEPPE_OK)
            st = st_filter_check(ctx, &of->where, &src);
        if (st != STEPPE_OK)
            break;
        if (layer->kind == ST_LAYER_SHARED_BOUNDARY) {
            st = st_filter_check(ctx, &layer->a, &src);
            if (st == STEPPE_OK)
                st = st_filter_check(ctx, &layer->b, &src);
            if (st == STEPPE_OK)
                st = st_derive_shared_boundary(ctx, &src, &layer->a, &layer->b, layer->loc, arena, &out);
        } else if (layer->kind == ST_LAYER_BORDER_REGIONS) {
            /* The border itself is the shared-boundary layer's, checked as that layer. */
            const char *field = layer->region_field ? layer->region_field : "name";
            if (st_featureset_field(&src, field) < 0)
                st = st_error(ctx, STEPPE_ERR_STYLE_KEY, "%s:%d:%d: layer '%s': no field '%s' in %s",
                              layer->loc.file ? layer->loc.file : m->path, layer->loc.line, layer->loc.col,
                              layer->name, field, src.path ? src.path : of->name);
        } else if (layer->nvia) {
            st_route_leg *legs = NULL;
            st = st_derive_route_via(ctx, &src, layer->stop_field, layer->via, layer->via_locs, layer->nvia,
                                     50.0, layer->loc, arena, &out, &legs);
        } else {
            st_route_leg *legs = NULL;
            st = st_derive_route(ctx, &src, layer->stop_field, layer->stops, layer->nstops, 50.0, layer->loc,
                                 arena, &out, &legs);
        }
    }
    st_arena_destroy(arena);
    return st;
}
