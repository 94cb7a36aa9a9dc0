/* Drawing: features → cairo paths, in output pixels.
 *
 * The hot path is st_draw_layer() over polygon layers with hundreds of
 * thousands of vertices: one path per feature, vertices that fall within a
 * quarter pixel of the previous one are skipped (cairo's tessellator cost
 * grows with edges, and such vertices change no pixel), and features whose
 * bbox misses the canvas are never turned into paths. */
#include "draw.h"

#include <math.h>
#include <stdbool.h>

/* Sub-pixel vertices closer than this (px) to the last emitted one are
 * dropped while building paths. 0.25 px changes no antialiased pixel
 * visibly and removes most vertices of over-detailed data. */
#define DRAW_MIN_STEP 0.25

void st_set_color(cairo_t *cr, st_rgba c, double alpha)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a * alpha);
}

static void path_parts(cairo_t *cr, const st_feature *f, int close)
{
    for (uint32_t p = 0; p < f->nparts; p++) {
        uint32_t start = f->parts[p];
        uint32_t end = p + 1 < f->nparts ? f->parts[p + 1] : f->npoints;
        if (end <= start + 1)
            continue;
        const double *xy = f->xy + 2 * (size_t)start;
        double lx = xy[0];
        double ly = xy[1];
        cairo_move_to(cr, lx, ly);
        uint32_t n = end - start;
        for (uint32_t i = 1; i < n; i++) {
            double x = xy[2 * i];
            double y = xy[2 * i + 1];
            if (i + 1 < n && fabs(x - lx) < DRAW_MIN_STEP && fabs(y - ly) < DRAW_MIN_STEP)
                continue;
            cairo_line_to(cr, x, y);
            lx = x;
            ly = y;
        }
        if (close)
            cairo_close_path(cr);
    }
}

/* The stroke of a ring split at a cut: the cut edges are left out, so a
 * polygon cut at the seam or at ±180° shows no line there. */
static void path_parts_uncut(cairo_t *cr, const st_feature *f)
{
    for (uint32_t p = 0; p < f->nparts; p++) {
        uint32_t start = f->parts[p];
        uint32_t end = p + 1 < f->nparts ? f->parts[p + 1] : f->npoints;
        if (end <= start + 1)
            continue;
        bool pen = false;
        for (uint32_t i = start; i + 1 < end; i++) {
            if (f->cut[i]) {
                pen = false;
                continue;
            }
            if (!pen)
                cairo_move_to(cr, f->xy[2 * i], f->xy[2 * i + 1]);
            cairo_line_to(cr, f->xy[2 * i + 2], f->xy[2 * i + 3]);
            pen = true;
        }
    }
}

/* Strokes up to this wide (px) are rasterised with cairo's FAST
 * antialiasing (4x4 supersampling, 17 coverage levels) instead of the
 * default 256-level scan converter. Stroking is the largest cost of a
 * full-resolution render (42% of W2 in bench/), FAST halves it, and on
 * hairlines the two are indistinguishable (compared at 3x zoom; 1.8% of
 * W2's pixels move by more than 8 levels, all on boundary lines). Wider
 * lines, fills and text keep the best antialiasing. Vector outputs ignore
 * the setting. */
#define FAST_AA_MAX_PX 1.6

/* Strokes and restores the default antialiasing that set_line() may have
 * lowered, so fills and text that follow keep the best quality. */
static void stroke(cairo_t *cr)
{
    cairo_stroke(cr);
    cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);
}

static void set_line(cairo_t *cr, const st_view *view, const st_symbol *sym, double width_pt)
{
    cairo_set_antialias(cr, width_pt * view->px_per_pt <= FAST_AA_MAX_PX ? CAIRO_ANTIALIAS_FAST
                                                                         : CAIRO_ANTIALIAS_DEFAULT);
    static const cairo_line_join_t joins[] = {CAIRO_LINE_JOIN_ROUND, CAIRO_LINE_JOIN_MITER,
                                              CAIRO_LINE_JOIN_BEVEL};
    static const cairo_line_cap_t caps[] = {CAIRO_LINE_CAP_ROUND, CAIRO_LINE_CAP_BUTT, CAIRO_LINE_CAP_SQUARE};
    cairo_set_line_width(cr, width_pt * view->px_per_pt);
    cairo_set_line_join(cr, joins[sym->join]);
    cairo_set_line_cap(cr, caps[sym->cap]);
    if (sym->ndash > 0) {
        double d[8];
        for (int i = 0; i < sym->ndash; i++)
            d[i] = sym->dash[i] * view->px_per_pt;
        cairo_set_dash(cr, d, sym->ndash, 0);
    } else {
        cairo_set_dash(cr, NULL, 0, 0);
    }
}

/* A hatch is a repeating square tile with the line drawn across it so that
 * tiles join seamlessly; the tile is a similar surface of the target, so
 * PDF and SVG get a real vector pattern. The tile side is rounded to whole
 * pixels so raster output shows no seams. */
static void fill_hatch(cairo_t *cr, const st_view *view, const st_symbol *sym)
{
    double s = fmax(3.0, round(sym->hatch_spacing * view->px_per_pt));
    double w = fmax(0.5, sym->hatch_width * view->px_per_pt);
    cairo_surface_t *tile =
        cairo_surface_create_similar(cairo_get_target(cr), CAIRO_CONTENT_COLOR_ALPHA, (int)s, (int)s);
    cairo_t *t = cairo_create(tile);
    st_set_color(t, sym->hatch_color, 1.0);
    cairo_set_line_width(t, w);
    cairo_set_line_cap(t, CAIRO_LINE_CAP_SQUARE);
    int h = sym->hatch == ST_HATCH_HORIZONTAL || sym->hatch == ST_HATCH_CROSS;
    int v = sym->hatch == ST_HATCH_VERTICAL || sym->hatch == ST_HATCH_CROSS;
    int d = sym->hatch == ST_HATCH_DIAGONAL || sym->hatch == ST_HATCH_DIAGONAL_CROSS;
    int bd = sym->hatch == ST_HATCH_BACK_DIAGONAL || sym->hatch == ST_HATCH_DIAGONAL_CROSS;
    if (h) {
        cairo_move_to(t, 0, s / 2);
        cairo_line_to(t, s, s / 2);
    }
    if (v) {
        cairo_move_to(t, s / 2, 0);
        cairo_line_to(t, s / 2, s);
    }
    /* Diagonals: the main one plus the two corner pieces of its neighbours. */
    for (int k = -1; k <= 1 && d; k++) {
        cairo_move_to(t, k * s, s);
        cairo_line_to(t, k * s + s, 0);
    }
    for (int k = -1; k <= 1 && bd; k++) {
        cairo_move_to(t, k * s, 0);
        cairo_line_to(t, k * s + s, s);
    }
    cairo_stroke(t);
    if (sym->hatch == ST_HATCH_DOTS) {
        cairo_arc(t, s / 2, s / 2, w, 0, 2 * M_PI);
        cairo_fill(t);
    }
    cairo_destroy(t);
    cairo_pattern_t *pat = cairo_pattern_create_for_surface(tile);
    cairo_pattern_set_extend(pat, CAIRO_EXTEND_REPEAT);
    cairo_set_source(cr, pat);
    cairo_fill_preserve(cr);
    cairo_pattern_destroy(pat);
    cairo_surface_destroy(tile);
}

/* The part of the canvas being drawn: the whole of it, or one band when
 * several threads draw a PNG (render.c). */
typedef struct cull_box {
    double x0, y0, x1, y1;
} cull_box;

static int visible(const cull_box *b, const st_feature *f, double pad)
{
    return f->bbox[2] >= b->x0 - pad && f->bbox[0] <= b->x1 + pad && f->bbox[3] >= b->y0 - pad &&
           f->bbox[1] <= b->y1 + pad;
}

void st_draw_marker(cairo_t *cr, const st_view *view, const st_symbol *sym, double x, double y)
{
    double r = sym->size * view->px_per_pt / 2;
    cairo_new_path(cr);
    switch (sym->marker) {
    case ST_MARKER_NONE: return;
    case ST_MARKER_CIRCLE: cairo_arc(cr, x, y, r, 0, 2 * M_PI); break;
    case ST_MARKER_SQUARE: cairo_rectangle(cr, x - r * 0.886, y - r * 0.886, r * 1.772, r * 1.772); break;
    case ST_MARKER_DIAMOND:
        cairo_move_to(cr, x, y - r * 1.2);
        cairo_line_to(cr, x + r * 1.2, y);
        cairo_line_to(cr, x, y + r * 1.2);
        cairo_line_to(cr, x - r * 1.2, y);
        cairo_close_path(cr);
        break;
    case ST_MARKER_TRIANGLE:
        cairo_move_to(cr, x, y - r * 1.25);
        cairo_line_to(cr, x + r * 1.1, y + r * 0.65);
        cairo_line_to(cr, x - r * 1.1, y + r * 0.65);
        cairo_close_path(cr);
        break;
    case ST_MARKER_STAR:
        for (int i = 0; i < 10; i++) {
            double a = -M_PI / 2 + i * M_PI / 5;
            double rr = (i % 2) ? r * 0.5 : r * 1.25;
            if (i == 0)
                cairo_move_to(cr, x + rr * cos(a), y + rr * sin(a));
            else
                cairo_line_to(cr, x + rr * cos(a), y + rr * sin(a));
        }
        cairo_close_path(cr);
        break;
    }
    if (sym->has_fill) {
        st_set_color(cr, sym->fill, 1.0);
        if (sym->has_stroke)
            cairo_fill_preserve(cr);
        else
            cairo_fill(cr);
    }
    if (sym->has_stroke) {
        set_line(cr, view, sym, sym->width);
        st_set_color(cr, sym->stroke, 1.0);
        stroke(cr);
    }
    cairo_new_path(cr);
}

static void draw_casing(cairo_t *cr, const st_view *view, const st_symbol *sym, const st_feature *f)
{
    cairo_new_path(cr);
    path_parts(cr, f, 0);
    set_line(cr, view, sym, sym->casing_width);
    cairo_set_dash(cr, NULL, 0, 0);
    st_set_color(cr, sym->casing, 1.0);
    stroke(cr);
}

void st_draw_feature(cairo_t *cr, const st_view *view, const st_symbol *sym, st_geom_type type,
                     const st_feature *f)
{
    if (type == ST_GEOM_POINT) {
        for (uint32_t i = 0; i < f->npoints; i++)
            st_draw_marker(cr, view, sym, f->xy[2 * i], f->xy[2 * i + 1]);
        return;
    }
    int poly = type == ST_GEOM_POLYGON;
    cairo_new_path(cr);
    path_parts(cr, f, poly);
    if (poly && (sym->has_fill || sym->hatch != ST_HATCH_NONE)) {
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
        if (sym->has_fill) {
            st_set_color(cr, sym->fill, 1.0);
            cairo_fill_preserve(cr);
        }
        if (sym->hatch != ST_HATCH_NONE)
            fill_hatch(cr, view, sym);
    }
    if (sym->has_stroke && sym->width > 0) {
        if (poly && f->cut) {
            cairo_new_path(cr);
            path_parts_uncut(cr, f);
        }
        set_line(cr, view, sym, sym->width);
        st_set_color(cr, sym->stroke, 1.0);
        stroke(cr);
    }
    cairo_new_path(cr);
}

static const st_symbol *feature_symbol(const st_layer *layer, const st_feature *f)
{
    if (f->cls >= 0 && (size_t)f->cls < layer->nclasses)
        return &layer->classes[f->cls].sym;
    return &layer->sym;
}

void st_draw_layer(cairo_t *cr, const st_view *view, const st_layer *layer, const st_featureset *fs)
{
    st_draw_layer_rows(cr, view, layer, fs, 0, view->height_px);
}

void st_draw_layer_rows(cairo_t *cr, const st_view *view, const st_layer *layer, const st_featureset *fs,
                        double y0, double y1)
{
    const cull_box box = {0, y0, view->width_px, y1};
    int group = layer->sym.opacity < 1.0;
    if (group)
        cairo_push_group(cr);
    /* Cased lines: every casing first, so casings never cover the line of a
     * neighbouring feature where they join. */
    if (fs->type == ST_GEOM_LINE) {
        for (size_t i = 0; i < fs->n; i++) {
            const st_feature *f = &fs->feat[i];
            const st_symbol *sym = feature_symbol(layer, f);
            if (sym->has_casing && visible(&box, f, sym->casing_width * view->px_per_pt))
                draw_casing(cr, view, sym, f);
        }
    }
    for (size_t i = 0; i < fs->n; i++) {
        const st_feature *f = &fs->feat[i];
        const st_symbol *sym = feature_symbol(layer, f);
        double pad = (sym->size + sym->width) * view->px_per_pt;
        if (!visible(&box, f, pad))
            continue;
        st_draw_feature(cr, view, sym, fs->type, f);
    }
    if (group) {
        cairo_pop_group_to_source(cr);
        cairo_paint_with_alpha(cr, layer->sym.opacity);
    }
}

void st_draw_swatch(cairo_t *cr, const st_view *view, const st_symbol *sym, st_geom_type type, double x,
                    double y, double w, double h)
{
    cairo_save(cr);
    if (type == ST_GEOM_POINT) {
        st_draw_marker(cr, view, sym, x + w / 2, y + h / 2);
    } else if (type == ST_GEOM_LINE) {
        cairo_new_path(cr);
        if (sym->has_casing) {
            cairo_move_to(cr, x + 1, y + h / 2);
            cairo_line_to(cr, x + w - 1, y + h / 2);
            set_line(cr, view, sym, sym->casing_width);
            cairo_set_dash(cr, NULL, 0, 0);
            st_set_color(cr, sym->casing, 1.0);
            stroke(cr);
        }
        cairo_move_to(cr, x + 1, y + h / 2);
        cairo_line_to(cr, x + w - 1, y + h / 2);
        if (sym->has_stroke) {
            set_line(cr, view, sym, sym->width);
            st_set_color(cr, sym->stroke, sym->opacity);
            stroke(cr);
        }
    } else {
        double inset = sym->has_stroke ? sym->width * view->px_per_pt / 2 : 0;
        cairo_rectangle(cr, x + inset, y + inset, w - 2 * inset, h - 2 * inset);
        if (sym->has_fill) {
            st_set_color(cr, sym->fill, sym->opacity);
            cairo_fill_preserve(cr);
        }
        if (sym->hatch != ST_HATCH_NONE)
            fill_hatch(cr, view, sym);
        if (sym->has_stroke && sym->width > 0) {
            set_line(cr, view, sym, sym->width);
            st_set_color(cr, sym->stroke, sym->opacity);
            stroke(cr);
        }
        cairo_new_path(cr);
    }
    cairo_restore(cr);
}
