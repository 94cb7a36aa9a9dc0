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

#include "hairline.h"
#include "polyfill.h"

/* Sub-pixel vertices closer than this (px) to the last emitted one are
 * dropped while building paths. 0.25 px changes no antialiased pixel
 * visibly and removes most vertices of over-detailed data. */
#define DRAW_MIN_STEP 0.25

void st_set_color(cairo_t *cr, st_rgba c, double alpha)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a * alpha);
}

/* Where a path goes: cairo's current path, or a hairline stroke. */
typedef struct pen {
    cairo_t *cr;
    st_hairline *hl; /* non-NULL: draw into this instead of cr */
    double dx, dy;   /* user to device translation, for hl */
} pen;

static void pen_move_to(const pen *p, double x, double y)
{
    if (p->hl)
        st_hairline_move_to(p->hl, x + p->dx, y + p->dy);
    else
        cairo_move_to(p->cr, x, y);
}

static void pen_line_to(const pen *p, double x, double y)
{
    if (p->hl)
        st_hairline_line_to(p->hl, x + p->dx, y + p->dy);
    else
        cairo_line_to(p->cr, x, y);
}

static void pen_close_path(const pen *p)
{
    if (p->hl)
        st_hairline_close_path(p->hl);
    else
        cairo_close_path(p->cr);
}

static void path_parts(const pen *pn, const st_feature *f, int close)
{
    for (uint32_t p = 0; p < f->nparts; p++) {
        uint32_t start = st_part_begin(f, p);
        uint32_t end = st_part_end(f, p);
        if (end <= start + 1)
            continue;
        const double *xy = f->xy + 2 * (size_t)start;
        double lx = xy[0];
        double ly = xy[1];
        pen_move_to(pn, lx, ly);
        uint32_t n = end - start;
        for (uint32_t i = 1; i < n; i++) {
            double x = xy[2 * i];
            double y = xy[2 * i + 1];
            if (i + 1 < n && fabs(x - lx) < DRAW_MIN_STEP && fabs(y - ly) < DRAW_MIN_STEP)
                continue;
            pen_line_to(pn, x, y);
            lx = x;
            ly = y;
        }
        if (close)
            pen_close_path(pn);
    }
}

/* The stroke of a ring split at a cut: the cut edges are left out, so a
 * polygon cut at the seam or at ±180° shows no line there. */
static void path_parts_uncut(const pen *pn, const st_feature *f)
{
    for (uint32_t p = 0; p < f->nparts; p++) {
        uint32_t start = st_part_begin(f, p);
        uint32_t end = st_part_end(f, p);
        if (end <= start + 1)
            continue;
        bool down = false;
        for (uint32_t i = start; i + 1 < end; i++) {
            if (f->cut[i]) {
                down = false;
                continue;
            }
            if (!down)
                pen_move_to(pn, f->xy[2 * i], f->xy[2 * i + 1]);
            pen_line_to(pn, f->xy[2 * i + 2], f->xy[2 * i + 3]);
            down = true;
        }
    }
}

/* Strokes up to this wide (px) are drawn as hairlines (hairline.h) where
 * the target allows it (hair_begin() below), and elsewhere rasterised with
 * cairo's FAST antialiasing (4x4 supersampling, 17 coverage levels)
 * instead of the default 256-level scan converter. Stroking is the largest
 * cost of a full-resolution render (42% of W2 in bench/), FAST halves it,
 * and on hairlines the two are indistinguishable (compared at 3x zoom; 1.8%
 * of W2's pixels move by more than 8 levels, all on boundary lines). Wider
 * lines, fills and text keep the best antialiasing. Vector outputs ignore
 * the setting. */
#define FAST_AA_MAX_PX ST_HAIRLINE_MAX_PX

/* Thin strokes on raster output skip cairo's stroker: cairo 1.16 has no
 * hairline mode, and joining, polygonising and scan-converting 1 px borders
 * was a quarter of a render. The picture must be the one cairo would draw,
 * so only where the mapping from path to pixels is trivial: an ARGB32 image
 * target (or a group pushed on one, as a translucent layer is drawn, whose
 * device offset is whole pixels), a pure translation, a clip of whole-pixel
 * rectangles. cr's state is checked once per drawing call (draw_feature()
 * and the layer loop change neither target, transform nor clip); the
 * stroke itself (width, dash, operator) at every stroke. */
typedef struct hair {
    cairo_t *cr;
    int state; /* 0: not checked yet, 1: hl is usable, -1: strokes go to cairo */
    st_hairline *hl;
    st_polyfill *pf; /* fills, made at the first one (fill_begin()) */
    st_px_rect clip; /* the clip, when it is one rectangle (nclip 1) */
    int nclip;
    cairo_surface_t *surface; /* drawn on: the target, or the group pushed on it */
    double dx, dy;            /* user space to the surface's pixels */
    int ox, oy;               /* the surface's device offset */
} hair;

/* Whole-pixel device rectangles of cr's clip, translated by dx,dy. False
 * when the clip is not such a list. */
static bool clip_rects(cairo_t *cr, double dx, double dy, st_px_rect *out, int max, int *n)
{
    cairo_rectangle_list_t *l = cairo_copy_clip_rectangle_list(cr);
    bool ok = l->status == CAIRO_STATUS_SUCCESS && l->num_rectangles <= max;
    for (int i = 0; ok && i < l->num_rectangles; i++) {
        const cairo_rectangle_t *r = &l->rectangles[i];
        double v[4] = {r->x + dx, r->y + dy, r->x + r->width + dx, r->y + r->height + dy};
        int iv[4] = {0, 0, 0, 0};
        for (int k = 0; k < 4 && ok; k++) {
            /* Beyond ±2^30 px a rectangle edge is as good as infinite. */
            double c = fmin(fmax(round(v[k]), -1073741824.0), 1073741824.0);
            ok = fabs(v[k] - round(v[k])) < 1e-6 || fabs(v[k]) > 1073741824.0;
            iv[k] = (int)c;
        }
        out[i] = (st_px_rect){iv[0], iv[1], iv[2], iv[3]};
    }
    *n = ok ? l->num_rectangles : 0;
    cairo_rectangle_list_destroy(l);
    return ok;
}

static bool hair_setup(hair *hz)
{
    cairo_t *cr = hz->cr;
    cairo_surface_t *target = cairo_get_target(cr);
    cairo_surface_t *s = cairo_get_group_target(cr);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS || cairo_surface_get_type(s) != CAIRO_SURFACE_TYPE_IMAGE ||
        cairo_image_surface_get_format(s) != CAIRO_FORMAT_ARGB32)
        return false;
    double ox;
    double oy;
    double sx;
    double sy;
    cairo_surface_get_device_offset(s, &ox, &oy);
    cairo_surface_get_device_scale(s, &sx, &sy);
    cairo_matrix_t m;
    cairo_get_matrix(cr, &m);
    /* A group's pixel (0,0) is its device offset's negation away from
     * the target's; the target itself has no offset. */
    bool offset_ok = s == target ? ox == 0 && oy == 0 : ox == round(ox) && oy == round(oy);
    if (!offset_ok || sx != 1 || sy != 1 || m.xx != 1 || m.yy != 1 || m.xy != 0 || m.yx != 0)
        return false;
    st_px_rect rects[64];
    int n = 0;
    if (!clip_rects(cr, m.x0 + ox, m.y0 + oy, rects, 64, &n))
        return false;
    cairo_surface_flush(s);
    unsigned char *data = cairo_image_surface_get_data(s);
    hz->hl = st_hairline_create(data, cairo_image_surface_get_width(s), cairo_image_surface_get_height(s),
                                cairo_image_surface_get_stride(s));
    if (!hz->hl)
        return false;
    if (!st_hairline_set_clip(hz->hl, rects, n)) {
        st_hairline_destroy(hz->hl);
        hz->hl = NULL;
        return false;
    }
    hz->nclip = n;
    hz->clip = n > 0 ? rects[0] : (st_px_rect){0, 0, 0, 0};
    hz->surface = s;
    hz->dx = m.x0 + ox;
    hz->dy = m.y0 + oy;
    hz->ox = (int)ox;
    hz->oy = (int)oy;
    return true;
}

/* Starts a hairline stroke of sym's line in colour c when it can replace
 * cairo's; NULL when the stroke must go through cairo. */
static st_hairline *hair_begin(hair *hz, const st_view *view, const st_symbol *sym, double width_pt,
                               st_rgba c)
{
    double w = width_pt * view->px_per_pt;
    if (!(w > 0) || w > FAST_AA_MAX_PX || sym->ndash > 0 || cairo_get_operator(hz->cr) != CAIRO_OPERATOR_OVER)
        return NULL;
    if (hz->state == 0)
        hz->state = hair_setup(hz) ? 1 : -1;
    if (hz->state < 0)
        return NULL;
    /* A cap becomes a lengthening of the line by the same area: half a
     * square of side w, or half a disc of diameter w (π w² / 8 = w · π w / 8). */
    double cap = sym->cap == ST_CAP_SQUARE ? w / 2 : sym->cap == ST_CAP_ROUND ? M_PI * w / 8 : 0;
    st_hairline_begin(hz->hl, c.r, c.g, c.b, c.a, w, cap);
    return hz->hl;
}

/* Composites the hairline stroke into the target, telling cairo which
 * pixels changed behind its back. */
static void hair_stroke(hair *hz)
{
    cairo_surface_t *s = hz->surface;
    cairo_surface_flush(s);
    st_px_rect d;
    st_hairline_stroke(hz->hl, &d);
    if (d.x1 > d.x0) /* in device space, which the offset shifts */
        cairo_surface_mark_dirty_rectangle(s, d.x0 - hz->ox, d.y0 - hz->oy, d.x1 - d.x0, d.y1 - d.y0);
}

/* Polygon fills on the same terms as hairlines, with a clip of at most one
 * rectangle (the map's frame, a band, a group's extent): steppe's filler
 * (polyfill.h) gives each pixel its exact area coverage, where cairo
 * samples 15 rows a pixel, or 4 with the FAST antialiasing it had under
 * opaque outlines (forum map: no pixel moves by more than 24 levels from
 * that, 0.02 % by more than 8), in the same time, and the same pixels
 * whatever the bands. NULL when the fill must go through cairo. */
static st_polyfill *fill_begin(hair *hz, st_rgba c)
{
    if (cairo_get_operator(hz->cr) != CAIRO_OPERATOR_OVER)
        return NULL;
    if (hz->state == 0)
        hz->state = hair_setup(hz) ? 1 : -1;
    if (hz->state < 0 || hz->nclip > 1)
        return NULL;
    if (!hz->pf) {
        cairo_surface_t *s = hz->surface;
        st_px_canvas cv;
        if (!st_px_canvas_init(&cv, cairo_image_surface_get_data(s), cairo_image_surface_get_width(s),
                               cairo_image_surface_get_height(s), cairo_image_surface_get_stride(s)))
            return NULL;
        hz->pf = st_polyfill_create(&cv);
        if (!hz->pf)
            return NULL;
        st_polyfill_set_clip(hz->pf, hz->clip);
    }
    st_polyfill_begin(hz->pf, c.r, c.g, c.b, c.a, true);
    return hz->pf;
}

/* Composites the fill into the target, as hair_stroke() a stroke. False
 * when the filler refused the path (coordinates out of its range, out of
 * memory), which cairo must then fill. */
static bool fill_finish(hair *hz)
{
    cairo_surface_t *s = hz->surface;
    cairo_surface_flush(s);
    st_px_rect d;
    if (!st_polyfill_fill(hz->pf, &d))
        return false;
    if (d.x1 > d.x0)
        cairo_surface_mark_dirty_rectangle(s, d.x0 - hz->ox, d.y0 - hz->oy, d.x1 - d.x0, d.y1 - d.y0);
    return true;
}

static void hair_end(hair *hz)
{
    st_hairline_destroy(hz->hl);
    st_polyfill_destroy(hz->pf);
}

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
    /* A tile larger than the canvas shows one line at most: clamped there,
     * so its side fits an int (and NaN becomes a canvas-sized tile). */
    double max_s = fmax(3.0, ceil(fmax(view->width_px, view->height_px)));
    if (!(s <= max_s))
        s = max_s;
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
    const pen cp = {cr, NULL, 0, 0};
    cairo_new_path(cr);
    path_parts(&cp, f, 0);
    set_line(cr, view, sym, sym->casing_width);
    cairo_set_dash(cr, NULL, 0, 0);
    st_set_color(cr, sym->casing, 1.0);
    stroke(cr);
}

static void draw_feature(hair *hz, const st_view *view, const st_symbol *sym, st_geom_type type,
                         const st_feature *f)
{
    cairo_t *cr = hz->cr;
    if (type == ST_GEOM_POINT) {
        for (uint32_t i = 0; i < f->npoints; i++)
            st_draw_marker(cr, view, sym, f->xy[2 * i], f->xy[2 * i + 1]);
        return;
    }
    int poly = type == ST_GEOM_POLYGON;
    bool fill = poly && (sym->has_fill || sym->hatch != ST_HATCH_NONE);
    bool line = sym->has_stroke && sym->width > 0;
    st_hairline *hl = line ? hair_begin(hz, view, sym, sym->width, sym->stroke) : NULL;
    bool hatch = fill && sym->hatch != ST_HATCH_NONE;
    st_polyfill *pf = fill && sym->has_fill ? fill_begin(hz, sym->fill) : NULL;
    const pen cp = {cr, NULL, 0, 0};
    cairo_new_path(cr);
    bool cairo_path = (fill && (!pf || hatch)) || (line && !hl);
    if (cairo_path)
        path_parts(&cp, f, poly);
    if (pf) {
        for (uint32_t p = 0; p < f->nparts; p++) {
            uint32_t start = st_part_begin(f, p);
            uint32_t end = st_part_end(f, p);
            if (end > start + 1)
                st_polyfill_add_ring(pf, f->xy + 2 * (size_t)start, end - start, hz->dx, hz->dy);
        }
        if (!fill_finish(hz)) {
            pf = NULL;
            if (!cairo_path)
                path_parts(&cp, f, poly);
        }
    }
    if (fill) {
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
        if (sym->has_fill && !pf) {
            /* Under an opaque outline the edge of the fill is covered by
             * the stroke, so cairo's FAST antialiasing (17 levels) shows
             * no difference there (forum map and W2: no pixel moves by
             * more than 24 levels, 0.02 % by more than 8), and fills are
             * the costliest thing cairo still draws: W1 and W2 5 ms
             * faster. */
            bool covered = line && sym->stroke.a >= 1.0 && sym->ndash == 0;
            if (covered)
                cairo_set_antialias(cr, CAIRO_ANTIALIAS_FAST);
            st_set_color(cr, sym->fill, 1.0);
            cairo_fill_preserve(cr);
            if (covered)
                cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);
        }
        if (sym->hatch != ST_HATCH_NONE)
            fill_hatch(cr, view, sym);
    }
    if (hl) {
        const pen hp = {cr, hl, hz->dx, hz->dy};
        if (poly && f->cut)
            path_parts_uncut(&hp, f);
        else
            path_parts(&hp, f, poly);
        hair_stroke(hz);
    } else if (line) {
        if (poly && f->cut) {
            cairo_new_path(cr);
            path_parts_uncut(&cp, f);
        }
        set_line(cr, view, sym, sym->width);
        st_set_color(cr, sym->stroke, 1.0);
        stroke(cr);
    }
    cairo_new_path(cr);
}

void st_draw_feature(cairo_t *cr, const st_view *view, const st_symbol *sym, st_geom_type type,
                     const st_feature *f)
{
    hair hz = {.cr = cr};
    draw_feature(&hz, view, sym, type, f);
    hair_end(&hz);
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

/* The pixels the visible features of a layer can touch within box: their
 * bboxes grown by the marker size and six line widths (miter joins reach
 * five half-widths out at cairo's default limit) plus two pixels of
 * antialiasing, rounded out to whole pixels. False when nothing is visible. */
static bool layer_extent(const st_view *view, const st_layer *layer, const st_featureset *fs,
                         const cull_box *box, double ext[4])
{
    ext[0] = ext[1] = HUGE_VAL;
    ext[2] = ext[3] = -HUGE_VAL;
    for (size_t i = 0; i < fs->n; i++) {
        const st_feature *f = &fs->feat[i];
        const st_symbol *sym = feature_symbol(layer, f);
        double line = sym->has_casing && sym->casing_width > sym->width ? sym->casing_width : sym->width;
        double pad = (sym->size + 6 * line) * view->px_per_pt + 2;
        if (!visible(box, f, pad))
            continue;
        ext[0] = fmin(ext[0], f->bbox[0] - pad);
        ext[1] = fmin(ext[1], f->bbox[1] - pad);
        ext[2] = fmax(ext[2], f->bbox[2] + pad);
        ext[3] = fmax(ext[3], f->bbox[3] + pad);
    }
    ext[0] = floor(fmax(ext[0], box->x0));
    ext[1] = floor(fmax(ext[1], box->y0));
    ext[2] = ceil(fmin(ext[2], box->x1));
    ext[3] = ceil(fmin(ext[3], box->y1));
    return ext[0] < ext[2] && ext[1] < ext[3];
}

void st_draw_layer_rows(cairo_t *cr, const st_view *view, const st_layer *layer, const st_featureset *fs,
                        double y0, double y1)
{
    const cull_box box = {0, y0, view->width_px, y1};
    int group = layer->sym.opacity < 1.0;
    if (group) {
        /* The group (an intermediate surface the size of the clip, then
         * composited with the layer's opacity) is limited to what the
         * layer can touch, in whole pixels so the clip itself changes no
         * pixel: on the forum map the translucent partner regions cover a
         * quarter of the canvas, and a band-sized group cost 17 ms of CPU. */
        double ext[4];
        if (!layer_extent(view, layer, fs, &box, ext))
            return;
        cairo_save(cr);
        cairo_rectangle(cr, ext[0], ext[1], ext[2] - ext[0], ext[3] - ext[1]);
        cairo_clip(cr);
        cairo_push_group(cr);
    }
    hair hz = {.cr = cr};
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
        draw_feature(&hz, view, sym, fs->type, f);
    }
    hair_end(&hz);
    if (group) {
        cairo_pop_group_to_source(cr);
        cairo_paint_with_alpha(cr, layer->sym.opacity);
        cairo_restore(cr);
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
