/* The thematic stage inside a render: see thematic_render.h. */
#include "thematic_render.h"

#include <math.h>
#include <string.h>

#include "draw.h"

/* ---- which fields a layer names --------------------------------------------- */

static unsigned filter_mask(const st_filter *f)
{
    unsigned mask = 0;
    for (size_t i = 0; i < f->n; i++)
        mask |= st_thematic_derived_bit(f->conds[i].field);
    return mask;
}

unsigned st_thematic_layer_mask(const st_layer *layer)
{
    unsigned mask = filter_mask(&layer->where);
    if (layer->label.enabled)
        mask |= st_thematic_derived_in(layer->label.text);
    for (size_t c = 0; c < layer->nclasses; c++) {
        mask |= filter_mask(&layer->classes[c].where);
        if (layer->classes[c].label.enabled)
            mask |= st_thematic_derived_in(layer->classes[c].label.text);
    }
    const st_thematic_spec *t = layer->thematic;
    if (t && t->classify.enabled)
        mask |= st_thematic_derived_bit(t->classify.field);
    if (t && t->categorize.enabled)
        mask |= st_thematic_derived_bit(t->categorize.field);
    if (t && t->size.enabled)
        mask |= st_thematic_derived_bit(t->size.field);
    return mask;
}

static bool has_thematic(const st_layer *layer)
{
    const st_thematic_spec *t = layer->thematic;
    return t && (t->classify.enabled || t->categorize.enabled || t->size.enabled);
}

bool st_thematic_layer_active(const st_layer *layer)
{
    return layer->njoins > 0 || has_thematic(layer) || st_thematic_layer_mask(layer) != 0;
}

/* ---- derived fields, measured once per file ---------------------------------- */

steppe_status_t st_thematic_side_make(steppe_ctx_t *ctx, const st_featureset *fs, unsigned mask, st_loc loc,
                                      st_arena *arena, st_thematic_side *out)
{
    memset(out, 0, sizeof *out);
    if (!mask)
        return STEPPE_OK;
    /* A shallow copy takes the new columns; fs keeps its own attrs. */
    st_featureset tmp = *fs;
    tmp.feat = st_arena_alloc(arena, (fs->n ? fs->n : 1) * sizeof *tmp.feat);
    if (!tmp.feat)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    memcpy(tmp.feat, fs->feat, fs->n * sizeof *tmp.feat);
    steppe_status_t st = st_thematic_derive_fields(ctx, &tmp, mask, loc, arena);
    if (st != STEPPE_OK)
        return st;
    size_t nc = tmp.nfields - fs->nfields;
    if (nc == 0)
        return STEPPE_OK; /* real fields of those names win */
    uint32_t nrec = 0;
    for (size_t i = 0; i < fs->n; i++)
        nrec = fs->feat[i].record + 1 > nrec ? fs->feat[i].record + 1 : nrec;
    out->values = st_arena_calloc(arena, (size_t)(nrec ? nrec : 1) * nc, sizeof *out->values);
    if (!out->values)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < tmp.n; i++) {
        const st_feature *f = &tmp.feat[i];
        for (size_t c = 0; c < nc; c++)
            out->values[(size_t)f->record * nc + c] = f->attrs[fs->nfields + c];
    }
    out->names = tmp.fields + fs->nfields;
    out->ncols = nc;
    out->nrecords = nrec;
    return STEPPE_OK;
}

/* ---- a layer's own copy, with derived and joined columns --------------------- */

static steppe_status_t add_derived(steppe_ctx_t *ctx, const st_layer *layer, const st_thematic_side *side,
                                   st_featureset *fs, st_arena *arena)
{
    unsigned mask = st_thematic_layer_mask(layer);
    if (!side || side->ncols == 0 || !mask)
        return STEPPE_OK;
    const char **names = st_arena_calloc(arena, side->ncols, sizeof *names);
    const char ***values = st_arena_calloc(arena, side->ncols, sizeof *values);
    char *types = st_arena_calloc(arena, side->ncols, 1);
    if (!names || !values || !types)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (size_t c = 0; c < side->ncols; c++) {
        if (!(st_thematic_derived_bit(side->names[c]) & mask) || st_featureset_field(fs, side->names[c]) >= 0)
            continue;
        values[n] = st_arena_calloc(arena, fs->n ? fs->n : 1, sizeof **values);
        if (!values[n])
            return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < fs->n; i++) {
            uint32_t rec = fs->feat[i].record;
            values[n][i] = rec < side->nrecords ? side->values[(size_t)rec * side->ncols + c] : NULL;
        }
        names[n] = side->names[c];
        types[n] = 'N';
        n++;
    }
    if (!st_featureset_add_columns(fs, names, types, n, (const char *const *const *)values, arena))
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    return STEPPE_OK;
}

steppe_status_t st_thematic_layer_prepare(steppe_ctx_t *ctx, const st_layer *layer,
                                          const st_thematic_side *side, const st_featureset *all,
                                          st_arena *arena, st_featureset *out, st_join_report **reps)
{
    *reps = NULL;
    *out = *all;
    out->feat = st_arena_alloc(arena, (all->n ? all->n : 1) * sizeof *out->feat);
    if (!out->feat)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    memcpy(out->feat, all->feat, all->n * sizeof *out->feat);
    out->cap = all->n;
    steppe_status_t st = add_derived(ctx, layer, side, out, arena);
    if (st != STEPPE_OK || layer->njoins == 0)
        return st;
    st_join_report *r = st_arena_calloc(arena, layer->njoins, sizeof *r);
    if (!r)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    for (size_t j = 0; j < layer->njoins && st == STEPPE_OK; j++)
        st = st_join_apply(ctx, &layer->joins[j], out, arena, &r[j]);
    *reps = r;
    return st;
}

/* ---- after projection ---------------------------------------------------------- */

/* Every {field} of a label template must be a field of fs. */
static steppe_status_t check_template(steppe_ctx_t *ctx, st_arena *arena, const st_featureset *fs,
                                      const st_label *label)
{
    if (!label->enabled || !label->text)
        return STEPPE_OK;
    for (const char *p = label->text; *p; p++) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            p++;
            continue;
        }
        const char *close = p[0] == '{' ? strchr(p + 1, '}') : NULL;
        if (!close)
            continue;
        size_t len = (size_t)(close - p - 1);
        char *name = st_arena_strndup(arena, p + 1, len);
        if (!name)
            return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        if (len < 256 && st_featureset_field(fs, name) < 0)
            return st_thematic_no_field(ctx, arena, fs, "label", name, label->text_loc);
        p = close;
    }
    return STEPPE_OK;
}

steppe_status_t st_thematic_layer_finish(steppe_ctx_t *ctx, const st_layer *layer, const st_featureset *fs,
                                         st_arena *arena, st_thematic_result **res, double **marker_xy)
{
    *res = NULL;
    *marker_xy = NULL;
    steppe_status_t st = check_template(ctx, arena, fs, &layer->label);
    for (size_t c = 0; c < layer->nclasses && st == STEPPE_OK; c++)
        st = check_template(ctx, arena, fs, &layer->classes[c].label);
    if (st != STEPPE_OK || !has_thematic(layer))
        return st;
    st_thematic_result *r = st_arena_calloc(arena, 1, sizeof *r);
    if (!r)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    st = st_thematic_apply(ctx, layer->thematic, fs, arena, r);
    if (st != STEPPE_OK)
        return st;
    *res = r;
    if (!r->size)
        return STEPPE_OK;
    double *xy = st_arena_alloc(arena, 2 * sizeof *xy * (fs->n ? fs->n : 1));
    if (!xy)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < fs->n; i++)
        st_thematic_marker_point(fs, &fs->feat[i], r->marker_at, 1.0, &xy[2 * i], &xy[2 * i + 1]);
    *marker_xy = xy;
    return STEPPE_OK;
}

/* ---- drawing --------------------------------------------------------------------- */

static const st_symbol *symbol_of(const st_layer *layer, const st_feature *f)
{
    if (f->cls >= 0 && (size_t)f->cls < layer->nclasses)
        return &layer->classes[f->cls].sym;
    return &layer->sym;
}

static bool in_rows(const st_feature *f, double pad, const st_view *view, double y0, double y1)
{
    return f->bbox[3] + pad >= y0 && f->bbox[1] - pad <= y1 && f->bbox[2] + pad >= 0 &&
           f->bbox[0] - pad <= view->width_px;
}

/* Markers of a polygon layer that has no class colours. */
static const st_rgba POLYGON_MARKER = {0.87, 0.18, 0.15, 0.7};

void st_thematic_draw_rows(cairo_t *cr, const st_view *view, const st_layer *layer, const st_featureset *fs,
                           const st_thematic_result *res, const double *marker_xy, double y0, double y1)
{
    bool group = layer->sym.opacity < 1.0;
    if (group) {
        cairo_save(cr);
        cairo_push_group(cr);
    }
    bool points = fs->type == ST_GEOM_POINT;
    /* Areas and lines (and points without sizes), with their class fills. */
    if (!(points && res->size)) {
        for (size_t i = 0; i < fs->n; i++) {
            const st_feature *f = &fs->feat[i];
            st_symbol sym = *symbol_of(layer, f);
            if (res->fill) {
                sym.fill = res->fill[i];
                sym.has_fill = true;
            }
            if (!in_rows(f, (sym.size + sym.width) * view->px_per_pt, view, y0, y1))
                continue;
            st_draw_feature(cr, view, &sym, fs->type, f);
        }
    }
    if (res->size && marker_xy) {
        for (size_t k = 0; k < fs->n; k++) {
            size_t i = res->order[k];
            if (!(res->size[i] > 0) || !isfinite(marker_xy[2 * i]))
                continue;
            const st_feature *f = &fs->feat[i];
            st_symbol sym = *symbol_of(layer, f);
            sym.size = res->size[i];
            if (sym.marker == ST_MARKER_NONE || !points)
                sym.marker = ST_MARKER_CIRCLE;
            if (res->fill) {
                sym.fill = res->fill[i];
                sym.has_fill = true;
            } else if (!points) {
                sym.fill = POLYGON_MARKER;
                sym.has_fill = true;
            }
            if (!points) {
                sym.stroke = (st_rgba){1, 1, 1, 1};
                sym.has_stroke = true;
                sym.width = 0.75;
                sym.ndash = 0;
            }
            double x = marker_xy[2 * i];
            double y = marker_xy[2 * i + 1];
            double r = (sym.size + sym.width) * view->px_per_pt;
            if (y + r < y0 || y - r > y1)
                continue;
            st_draw_marker(cr, view, &sym, x, y);
        }
    }
    if (group) {
        cairo_pop_group_to_source(cr);
        cairo_paint_with_alpha(cr, layer->sym.opacity);
        cairo_restore(cr);
    }
}
