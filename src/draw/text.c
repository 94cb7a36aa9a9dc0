/* Text layout with pango + fontconfig.
 *
 * Each context owns one PangoCairoFontMap (not pango's process-wide default,
 * so two renders in two threads share no font state). Layouts are made with
 * a PangoContext at the view's resolution, so font sizes are points, and
 * with hinting and metric hinting off and glyph positions unrounded: a
 * layout then measures the same whether it is later shown on an image, SVG
 * or PDF surface, and labels placed once fit every output. */
#include "text.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dynlib.h"
#include "dynlib_pango.h"

/* A run of glyphs belonging to one grapheme cluster (a base letter plus any
 * combining marks), positioned in the layout. */
typedef struct cluster {
    PangoGlyphItem *run; /* owned by the layout */
    int first, count;    /* glyph range within run->glyphs */
    double x, w;         /* pixels */
} cluster;

struct st_text {
    PangoLayout *layout;
    double w, h, baseline;
    cluster *clusters;
    size_t nclusters;
};

/* Frees the font map or the context (both GObjects). */
static void fontmap_free(void *fontmap)
{
    g_object_unref(fontmap);
}

/* ctx's font map, made on first use. pango is loaded here, where every
 * text begins (render.c reports a failure to load it, through the
 * context, once the fonts thread is done). */
static PangoFontMap *ctx_fontmap(steppe_ctx_t *ctx)
{
    if (st_dynlib_load_pango())
        return NULL;
    if (!ctx->fontmap) {
        ctx->fontmap = pango_cairo_font_map_new();
        if (ctx->fontmap)
            ctx->fontmap_free = fontmap_free;
    }
    return ctx->fontmap;
}

/* The PangoContext texts of ctx are laid out with at dpi: one per context
 * (the last dpi asked for), since making one per text cost a third of
 * laying out a label. Its settings never change once made; a layout keeps
 * a reference to its own, so replacing it for another dpi is safe. */
static PangoContext *ctx_context(steppe_ctx_t *ctx, double dpi)
{
    if (ctx->pango_context && ctx->pango_context_dpi == dpi)
        return ctx->pango_context;
    PangoFontMap *fm = ctx_fontmap(ctx);
    PangoContext *pc = fm ? pango_font_map_create_context(fm) : NULL;
    cairo_font_options_t *opts = cairo_font_options_create();
    if (!pc || !opts) {
        if (pc)
            g_object_unref(pc);
        cairo_font_options_destroy(opts);
        return NULL;
    }
    pango_cairo_context_set_resolution(pc, dpi);
    cairo_font_options_set_hint_metrics(opts, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(opts, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_antialias(opts, CAIRO_ANTIALIAS_GRAY);
    pango_cairo_context_set_font_options(pc, opts);
    pango_context_set_round_glyph_positions(pc, FALSE);
    cairo_font_options_destroy(opts);
    if (ctx->pango_context)
        g_object_unref(ctx->pango_context);
    ctx->pango_context = pc;
    ctx->pango_context_dpi = dpi;
    return pc;
}

/* Splits the single line of t's layout into clusters. Glyphs of one run
 * that share a log_clusters value belong to one cluster. */
static bool find_clusters(st_text *t)
{
    if (pango_layout_get_line_count(t->layout) != 1)
        return true;
    PangoLayoutLine *line = pango_layout_get_line_readonly(t->layout, 0);
    size_t n = 0;
    for (GSList *l = line->runs; l; l = l->next) {
        PangoGlyphItem *run = l->data;
        n += (size_t)run->glyphs->num_glyphs;
    }
    if (n == 0)
        return true;
    t->clusters = calloc(n, sizeof *t->clusters);
    if (!t->clusters)
        return false;

    /* Runs are in visual order; x accumulates glyph advances from the
     * line's start, which is the left of the logical box for one line. */
    PangoRectangle logical;
    pango_layout_line_get_extents(line, NULL, &logical);
    double x = logical.x / (double)PANGO_SCALE;
    for (GSList *l = line->runs; l; l = l->next) {
        PangoGlyphItem *run = l->data;
        PangoGlyphString *gs = run->glyphs;
        int i = 0;
        while (i < gs->num_glyphs) {
            int j = i;
            double w = 0;
            while (j < gs->num_glyphs && gs->log_clusters[j] == gs->log_clusters[i]) {
                w += gs->glyphs[j].geometry.width / (double)PANGO_SCALE;
                j++;
            }
            cluster *c = &t->clusters[t->nclusters++];
            c->run = run;
            c->first = i;
            c->count = j - i;
            c->x = x;
            c->w = w;
            x += w;
            i = j;
        }
    }
    return true;
}

/* Largest em, in pixels, a text is laid out at. FreeType refuses sizes
 * above 65535 ppem (cairo then fails the whole surface with "error
 * occurred in libfreetype" and keeps a scaled font in error), and pango
 * measures in int units of 1/1024 px: 2e6 px overflow them. An em larger
 * than the canvas never fits anywhere, so nothing visible is lost: such a
 * text is reported as not fitting by its caller. */
#define MAX_EM_PX 16384.0

/* The canvas's larger side in pixels (the largest canvas when the view has
 * no size, as in a bare measuring view). */
static double canvas_px(const st_view *view)
{
    double side = fmax(view->width_px, view->height_px);
    return side >= 1 && isfinite(side) ? side : 1e6;
}

static double px_per_pt(const st_view *view)
{
    if (view->px_per_pt > 0)
        return view->px_per_pt;
    return (view->dpi > 0 ? view->dpi : 96.0) / 72.0;
}

/* font->size (points; 10 if unset) clamped to what can be laid out: NaN and
 * sizes whose em exceeds MAX_EM_PX or the canvas come back as that limit,
 * so size * PANGO_SCALE always fits an int. */
static double layout_size_pt(const st_view *view, const st_font *font)
{
    double size = font->size > 0 ? font->size : 10.0;
    double max_pt = fmin(MAX_EM_PX, canvas_px(view)) / px_per_pt(view);
    if (!(size <= max_pt))
        size = max_pt;
    return size;
}

/* Characters of a text that could ever be seen at size_pt on the canvas:
 * no glyph is narrower than about 0.2 em, a line is at most the canvas's
 * width plus height long (a curved label may bend), and a text holds at
 * most one line per 0.8 em of height. Generous on purpose: a text that is
 * cut is one that cannot fit, which its caller reports. */
static size_t max_chars(const st_view *view, double size_pt)
{
    double em = size_pt * px_per_pt(view);
    double w = view->width_px >= 1 ? view->width_px : 1e6;
    double h = view->height_px >= 1 ? view->height_px : 1e6;
    double per_line = (w + h) / (0.2 * em) + 1;
    double lines = h / (0.8 * em) + 1;
    double n = per_line * lines + 64;
    return n < 1e8 ? (size_t)n : 100000000u;
}

/* utf8, or a copy cut after its first limit characters (at a character
 * boundary) with an ellipsis when it is longer: laying out 15 MB of title
 * took pango 1.6 GB. *copy is the allocation to free (NULL if none);
 * false when out of memory. */
static bool cut_text(const char *utf8, size_t limit, const char **out, char **copy)
{
    *out = utf8;
    *copy = NULL;
    size_t chars = 0;
    size_t i = 0;
    for (; utf8[i]; i++) {
        if (((unsigned char)utf8[i] & 0xC0) != 0x80) {
            if (chars == limit)
                break;
            chars++;
        }
    }
    if (!utf8[i])
        return true;
    static const char ellipsis[] = "\u2026";
    char *c = malloc(i + sizeof ellipsis);
    if (!c)
        return false;
    memcpy(c, utf8, i);
    memcpy(c + i, ellipsis, sizeof ellipsis);
    *out = c;
    *copy = c;
    return true;
}

st_text *st_text_create(steppe_ctx_t *ctx, const st_view *view, const char *utf8, const st_font *font)
{
    st_text *t = calloc(1, sizeof *t);
    PangoContext *pc = ctx_context(ctx, view->dpi > 0 ? view->dpi : 96.0); /* borrowed */
    PangoFontDescription *desc = NULL;
    char *cut = NULL;
    const double size_pt = layout_size_pt(view, font);
    const char *text = utf8 ? utf8 : "";

    desc = pango_font_description_new();
    if (!t || !pc || !desc)
        goto nomem;
    if (!cut_text(text, max_chars(view, size_pt), &text, &cut))
        goto nomem;

    pango_font_description_set_family(desc, font->family && *font->family ? font->family : "Noto Sans");
    pango_font_description_set_size(desc, (int)lround(size_pt * PANGO_SCALE));
    pango_font_description_set_weight(desc,
                                      font->weight > 0 ? (PangoWeight)font->weight : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_style(desc, font->italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);

    t->layout = pango_layout_new(pc);
    if (!t->layout)
        goto nomem;
    pango_layout_set_font_description(t->layout, desc);
    if (font->letter_spacing != 0) {
        /* Letter spacing is in device units: points times pixels per point.
         * Spacing wider than the canvas separates letters that can then never
         * be seen together: clamped there, so the pango units fit an int. */
        double spacing_px = font->letter_spacing * px_per_pt(view);
        double max_px = canvas_px(view);
        if (!(spacing_px >= -max_px))
            spacing_px = -max_px;
        if (spacing_px > max_px)
            spacing_px = max_px;
        PangoAttrList *attrs = pango_attr_list_new();
        pango_attr_list_insert(attrs, pango_attr_letter_spacing_new((int)lround(spacing_px * PANGO_SCALE)));
        pango_layout_set_attributes(t->layout, attrs);
        pango_attr_list_unref(attrs);
    }
    pango_layout_set_text(t->layout, text, -1);

    PangoRectangle logical;
    pango_layout_get_extents(t->layout, NULL, &logical);
    t->w = logical.width / (double)PANGO_SCALE;
    t->h = logical.height / (double)PANGO_SCALE;
    t->baseline = pango_layout_get_baseline(t->layout) / (double)PANGO_SCALE;
    if (!find_clusters(t))
        goto nomem;
    goto done;

nomem:
    st_error(ctx, STEPPE_ERR_NOMEM, "out of memory laying out text");
    st_text_destroy(t);
    t = NULL;
done:
    free(cut);
    if (desc)
        pango_font_description_free(desc);
    return t;
}

static bool same_font(const st_font *a, const st_font *b)
{
    const char *fa = a->family ? a->family : "";
    const char *fb = b->family ? b->family : "";
    return strcmp(fa, fb) == 0 && a->size == b->size && a->weight == b->weight && a->italic == b->italic;
}

void st_text_warm(steppe_ctx_t *ctx, double dpi, const st_font *fonts, size_t n)
{
    PangoContext *pc = ctx_context(ctx, dpi > 0 ? dpi : 96.0);
    if (!pc)
        return;
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = same_font(&fonts[i], &fonts[k]);
        if (seen)
            continue;
        const st_font *font = &fonts[i];
        PangoFontDescription *desc = pango_font_description_new();
        PangoLayout *layout = desc ? pango_layout_new(pc) : NULL;
        if (layout) {
            pango_font_description_set_family(desc,
                                              font->family && *font->family ? font->family : "Noto Sans");
            st_view at = {.dpi = dpi};
            pango_font_description_set_size(desc, (int)lround(layout_size_pt(&at, font) * PANGO_SCALE));
            pango_font_description_set_weight(desc, font->weight > 0 ? (PangoWeight)font->weight
                                                                     : PANGO_WEIGHT_NORMAL);
            pango_font_description_set_style(desc, font->italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
            pango_layout_set_font_description(layout, desc);
            pango_layout_set_text(layout, "Ag", -1);
            int w, h;
            pango_layout_get_size(layout, &w, &h);
            g_object_unref(layout);
        }
        if (desc)
            pango_font_description_free(desc);
    }
}

void st_text_destroy(st_text *t)
{
    if (!t)
        return;
    if (t->layout)
        g_object_unref(t->layout);
    free(t->clusters);
    free(t);
}

void st_text_size(const st_text *t, double *w, double *h)
{
    if (w)
        *w = t->w;
    if (h)
        *h = t->h;
}

double st_text_baseline(const st_text *t)
{
    return t->baseline;
}

static void set_rgba(cairo_t *cr, st_rgba c)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a);
}

/* ---- halos --------------------------------------------------------------
 *
 * A halo is the text's outline stroked twice its width, under the text. On
 * a PNG that stroke was 85 % of the time spent drawing text (cairo 1.16's
 * stroker on glyph outlines), so on image surfaces the halo is made by
 * dilation instead: the text is drawn into an 8-bit mask of its device
 * bbox, the mask is widened over a disc of the halo's radius r, and the
 * halo colour is painted through it. A pixel of coverage c at offset o
 * places the glyph's edge about |o| + ½ − c away, so it gives the pixel
 * the coverage clamp(r − |o| + c, 0, 1) of an edge r beyond (box-filtered),
 * and the pixel keeps the largest. That is the coverage of the points
 * within r of the glyphs, which is what the stroke and the glyphs cover
 * together. SVG and PDF keep the stroke. */

/* The device-space bbox of the user-space rectangle x0,y0 - x1,y1 under cr's
 * matrix (rotated text included). */
static void device_bbox(cairo_t *cr, double x0, double y0, double x1, double y1, double bb[4])
{
    const double ux[2] = {x0, x1}, uy[2] = {y0, y1};
    bb[0] = bb[1] = HUGE_VAL;
    bb[2] = bb[3] = -HUGE_VAL;
    for (int k = 0; k < 4; k++) {
        double dx = ux[k & 1], dy = uy[k >> 1];
        cairo_user_to_device(cr, &dx, &dy);
        bb[0] = fmin(bb[0], dx);
        bb[1] = fmin(bb[1], dy);
        bb[2] = fmax(bb[2], dx);
        bb[3] = fmax(bb[3], dy);
    }
}

/* The extents of cr's clip in device space. */
static void device_clip(cairo_t *cr, double clip[4])
{
    cairo_save(cr);
    cairo_identity_matrix(cr);
    cairo_clip_extents(cr, &clip[0], &clip[1], &clip[2], &clip[3]);
    cairo_restore(cr);
}

/* Largest halo radius, in device pixels, made by dilation; wider ones are
 * stroked (the disc's taps grow as r²). */
#define HALO_MAX_PX 4.0

typedef struct halo_tap {
    int dx, dy;
    int bias; /* (r − |o|) in 1/255ths of coverage */
} halo_tap;

/* Sixteen bytes at a time with GCC's vector extensions (SSE2's saturating
 * byte arithmetic, NEON's likewise): this loop is most of a halo's cost. */
typedef uint8_t u8x16 __attribute__((vector_size(16)));

/* dst[x] = max(dst[x], src[x] ? clamp(src[x] + bias, 0, 255) : 0). */
static void dilate_run(const uint8_t *src, uint8_t *dst, int n, int bias)
{
    int x = 0;
    if (bias >= 0) {
        uint8_t b = (uint8_t)(bias > 255 ? 255 : bias);
        for (; x + 16 <= n; x += 16) {
            u8x16 s, d;
            memcpy(&s, src + x, 16);
            memcpy(&d, dst + x, 16);
            u8x16 sum = s + b;
            sum |= (u8x16)(sum < s); /* overflowed: 255 */
            sum &= (u8x16)(s != 0);  /* no coverage: none */
            u8x16 more = (u8x16)(sum > d);
            d = (sum & more) | (d & ~more);
            memcpy(dst + x, &d, 16);
        }
    } else {
        uint8_t b = (uint8_t)(-bias > 255 ? 255 : -bias);
        for (; x + 16 <= n; x += 16) {
            u8x16 s, d;
            memcpy(&s, src + x, 16);
            memcpy(&d, dst + x, 16);
            u8x16 v = (s - b) & (u8x16)(s > b);
            u8x16 more = (u8x16)(v > d);
            d = (v & more) | (d & ~more);
            memcpy(dst + x, &d, 16);
        }
    }
    for (; x < n; x++) {
        int v = src[x] ? src[x] + bias : 0;
        v = v < 0 ? 0 : v > 255 ? 255 : v;
        dst[x] = (uint8_t)(v > dst[x] ? v : dst[x]);
    }
}

/* out = max over taps of in shifted by the tap plus its bias, where in is
 * not 0, clamped to 0..255. */
static void dilate(const uint8_t *in, uint8_t *out, int w, int h, int stride, const halo_tap *taps,
                   size_t ntaps)
{
    memset(out, 0, (size_t)stride * (size_t)h);
    for (size_t k = 0; k < ntaps; k++) {
        int dx = taps[k].dx, dy = taps[k].dy;
        int x0 = dx < 0 ? -dx : 0, x1 = dx > 0 ? w - dx : w;
        int y0 = dy < 0 ? -dy : 0, y1 = dy > 0 ? h - dy : h;
        for (int y = y0; y < y1 && x1 > x0; y++) {
            const uint8_t *src = in + (size_t)(y + dy) * (size_t)stride + dx;
            uint8_t *dst = out + (size_t)y * (size_t)stride;
            dilate_run(src + x0, dst + x0, x1 - x0, taps[k].bias);
        }
    }
}

/* Paints t's halo by dilation when cr draws on an image surface. False
 * when it cannot (another surface, a halo too wide, out of memory): the
 * caller then strokes it. */
static bool halo_by_dilation(cairo_t *cr, const st_text *t, double x, double y, st_rgba halo, double halo_px)
{
    cairo_surface_t *target = cairo_get_target(cr);
    if (cairo_surface_get_type(target) != CAIRO_SURFACE_TYPE_IMAGE)
        return false;
    cairo_matrix_t mat;
    cairo_get_matrix(cr, &mat);
    double r = halo_px * sqrt(fabs(mat.xx * mat.yy - mat.xy * mat.yx));
    if (!(r > 0) || r > HALO_MAX_PX)
        return false;

    /* The ink's device bbox, widened by the halo and clipped to the target. */
    PangoRectangle ink;
    pango_layout_get_extents(t->layout, &ink, NULL);
    double bb[4];
    device_bbox(cr, x + ink.x / (double)PANGO_SCALE, y + ink.y / (double)PANGO_SCALE,
                x + (ink.x + ink.width) / (double)PANGO_SCALE, y + (ink.y + ink.height) / (double)PANGO_SCALE,
                bb);
    double grow = ceil(r) + 3;
    double tw = cairo_image_surface_get_width(target), th = cairo_image_surface_get_height(target);
    double X0 = fmax(floor(bb[0] - grow), 0), Y0 = fmax(floor(bb[1] - grow), 0);
    double X1 = fmin(ceil(bb[2] + grow), tw), Y1 = fmin(ceil(bb[3] + grow), th);
    /* Only what the clip lets through, and the glyphs within reach of it
     * (the render draws labels a band of rows at a time). */
    double clip[4];
    device_clip(cr, clip);
    X0 = fmax(X0, floor(clip[0]) - grow);
    Y0 = fmax(Y0, floor(clip[1]) - grow);
    X1 = fmin(X1, ceil(clip[2]) + grow);
    Y1 = fmin(Y1, ceil(clip[3]) + grow);
    if (!(X1 > X0 && Y1 > Y0))
        return true; /* nothing of it on the canvas */
    int w = (int)(X1 - X0), h = (int)(Y1 - Y0);
    if ((double)w * h > 16e6)
        return false;

    halo_tap taps[(2 * 6 + 1) * (2 * 6 + 1)];
    size_t ntaps = 0;
    int reach = (int)ceil(r + 1);
    for (int dy = -reach; dy <= reach; dy++) {
        for (int dx = -reach; dx <= reach; dx++) {
            double b = r - sqrt((double)(dx * dx + dy * dy));
            if (b > -1)
                taps[ntaps++] = (halo_tap){dx, dy, (int)lround(fmin(b, 1) * 255)};
        }
    }

    cairo_surface_t *glyphs = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
    cairo_surface_t *grown = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
    bool ok = cairo_surface_status(glyphs) == CAIRO_STATUS_SUCCESS &&
              cairo_surface_status(grown) == CAIRO_STATUS_SUCCESS &&
              cairo_image_surface_get_stride(glyphs) == cairo_image_surface_get_stride(grown);
    if (ok) {
        cairo_t *mc = cairo_create(glyphs);
        cairo_matrix_t m = mat;
        m.x0 -= X0;
        m.y0 -= Y0;
        cairo_set_matrix(mc, &m);
        cairo_move_to(mc, x, y);
        pango_cairo_show_layout(mc, t->layout);
        ok = cairo_status(mc) == CAIRO_STATUS_SUCCESS;
        cairo_destroy(mc);
    }
    if (ok) {
        cairo_surface_flush(glyphs);
        cairo_surface_flush(grown);
        dilate(cairo_image_surface_get_data(glyphs), cairo_image_surface_get_data(grown), w, h,
               cairo_image_surface_get_stride(glyphs), taps, ntaps);
        cairo_surface_mark_dirty(grown);
        cairo_save(cr);
        cairo_identity_matrix(cr);
        set_rgba(cr, halo);
        cairo_mask_surface(cr, grown, X0, Y0);
        cairo_restore(cr);
    }
    cairo_surface_destroy(glyphs);
    cairo_surface_destroy(grown);
    return ok;
}

/* Whether nothing t draws at (x, y), halo included, can reach the clip:
 * the render draws the labels of a PNG a band of rows at a time. */
static bool outside_clip(cairo_t *cr, const st_text *t, double x, double y, double halo_px)
{
    PangoRectangle ink, logical;
    pango_layout_get_extents(t->layout, &ink, &logical);
    double pad = halo_px + 2;
    double bb[4];
    device_bbox(cr, x + fmin(ink.x, logical.x) / (double)PANGO_SCALE - pad,
                y + fmin(ink.y, logical.y) / (double)PANGO_SCALE - pad,
                x + fmax(ink.x + ink.width, logical.x + logical.width) / (double)PANGO_SCALE + pad,
                y + fmax(ink.y + ink.height, logical.y + logical.height) / (double)PANGO_SCALE + pad, bb);
    double clip[4];
    device_clip(cr, clip);
    return bb[2] < clip[0] || bb[0] > clip[2] || bb[3] < clip[1] || bb[1] > clip[3];
}

void st_text_draw(cairo_t *cr, const st_text *t, double x, double y, st_rgba color, st_rgba halo,
                  double halo_px)
{
    if (outside_clip(cr, t, x, y, halo_px > 0 ? halo_px : 0))
        return;
    cairo_save(cr);
    if (halo_px > 0 && halo.a > 0 && !halo_by_dilation(cr, t, x, y, halo, halo_px)) {
        /* The stroke is centred on the outline, so half of it falls inside
         * the glyphs (and is covered by the fill): stroke twice the width. */
        cairo_new_path(cr);
        cairo_move_to(cr, x, y);
        pango_cairo_layout_path(cr, t->layout);
        set_rgba(cr, halo);
        cairo_set_line_width(cr, halo_px * 2);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        /* With cairo's FAST antialiasing the stroke costs 40 % less; a
         * halo's soft outer edge looks the same at 4x zoom. Vector outputs
         * ignore the setting. */
        cairo_set_antialias(cr, CAIRO_ANTIALIAS_FAST);
        cairo_stroke(cr);
        cairo_set_antialias(cr, CAIRO_ANTIALIAS_DEFAULT);
    }
    cairo_move_to(cr, x, y);
    set_rgba(cr, color);
    pango_cairo_show_layout(cr, t->layout);
    cairo_restore(cr);
}

void st_text_draw_rotated(cairo_t *cr, const st_text *t, double cx, double cy, double angle, st_rgba color,
                          st_rgba halo, double halo_px)
{
    cairo_save(cr);
    cairo_translate(cr, cx, cy);
    cairo_rotate(cr, angle);
    st_text_draw(cr, t, -t->w / 2, -t->h / 2, color, halo, halo_px);
    cairo_restore(cr);
}

size_t st_text_cluster_count(const st_text *t)
{
    return t->nclusters;
}

void st_text_cluster_extent(const st_text *t, size_t i, double *x, double *w)
{
    *x = t->clusters[i].x;
    *w = t->clusters[i].w;
}

void st_text_draw_cluster(cairo_t *cr, const st_text *t, size_t i, double x, double y, double angle,
                          st_rgba color, double halo_px)
{
    const cluster *c = &t->clusters[i];
    PangoGlyphString gs = {
        .num_glyphs = c->count,
        .glyphs = c->run->glyphs->glyphs + c->first,
        .log_clusters = c->run->glyphs->log_clusters + c->first,
    };
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, angle);
    cairo_move_to(cr, 0, 0);
    set_rgba(cr, color);
    if (halo_px > 0) {
        pango_cairo_glyph_string_path(cr, c->run->item->analysis.font, &gs);
        cairo_set_line_width(cr, halo_px * 2);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        cairo_set_antialias(cr, CAIRO_ANTIALIAS_FAST); /* as in st_text_draw() */
        cairo_stroke(cr);
    } else {
        pango_cairo_show_glyph_string(cr, c->run->item->analysis.font, &gs);
    }
    cairo_restore(cr);
}

int st_text_unknown_glyphs(const st_text *t)
{
    return pango_layout_get_unknown_glyphs_count(t->layout);
}
