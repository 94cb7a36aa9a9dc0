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
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <string.h>

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

static void fontmap_free(void *fontmap)
{
    g_object_unref(fontmap);
}

static PangoFontMap *ctx_fontmap(steppe_ctx_t *ctx)
{
    if (!ctx->fontmap) {
        ctx->fontmap = pango_cairo_font_map_new();
        if (ctx->fontmap)
            ctx->fontmap_free = fontmap_free;
    }
    return ctx->fontmap;
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

st_text *st_text_create(steppe_ctx_t *ctx, const st_view *view, const char *utf8, const st_font *font)
{
    st_text *t = NULL;
    PangoContext *pc = NULL;
    PangoFontDescription *desc = NULL;
    cairo_font_options_t *opts = NULL;

    PangoFontMap *fm = ctx_fontmap(ctx);
    if (!fm)
        goto nomem;
    t = calloc(1, sizeof *t);
    if (!t)
        goto nomem;
    pc = pango_font_map_create_context(fm);
    opts = cairo_font_options_create();
    desc = pango_font_description_new();
    if (!pc || !opts || !desc)
        goto nomem;

    pango_cairo_context_set_resolution(pc, view->dpi > 0 ? view->dpi : 96.0);
    cairo_font_options_set_hint_metrics(opts, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(opts, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_antialias(opts, CAIRO_ANTIALIAS_GRAY);
    pango_cairo_context_set_font_options(pc, opts);
    pango_context_set_round_glyph_positions(pc, FALSE);

    pango_font_description_set_family(desc, font->family && *font->family ? font->family : "Noto Sans");
    pango_font_description_set_size(desc, (int)lround((font->size > 0 ? font->size : 10.0) * PANGO_SCALE));
    pango_font_description_set_weight(desc,
                                      font->weight > 0 ? (PangoWeight)font->weight : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_style(desc, font->italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);

    t->layout = pango_layout_new(pc);
    if (!t->layout)
        goto nomem;
    pango_layout_set_font_description(t->layout, desc);
    if (font->letter_spacing != 0) {
        /* Letter spacing is in device units: points times pixels per point. */
        double px_per_pt = view->px_per_pt > 0 ? view->px_per_pt : (view->dpi > 0 ? view->dpi : 96.0) / 72.0;
        PangoAttrList *attrs = pango_attr_list_new();
        pango_attr_list_insert(attrs, pango_attr_letter_spacing_new(
                                          (int)lround(font->letter_spacing * px_per_pt * PANGO_SCALE)));
        pango_layout_set_attributes(t->layout, attrs);
        pango_attr_list_unref(attrs);
    }
    pango_layout_set_text(t->layout, utf8 ? utf8 : "", -1);

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
    if (desc)
        pango_font_description_free(desc);
    if (opts)
        cairo_font_options_destroy(opts);
    if (pc)
        g_object_unref(pc);
    return t;
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

void st_text_draw(cairo_t *cr, const st_text *t, double x, double y, st_rgba color, st_rgba halo,
                  double halo_px)
{
    cairo_save(cr);
    if (halo_px > 0 && halo.a > 0) {
        /* The stroke is centred on the outline, so half of it falls inside
         * the glyphs (and is covered by the fill): stroke twice the width. */
        cairo_new_path(cr);
        cairo_move_to(cr, x, y);
        pango_cairo_layout_path(cr, t->layout);
        set_rgba(cr, halo);
        cairo_set_line_width(cr, halo_px * 2);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        /* Stroking the glyph outlines is most of the cost of text (a tenth
         * of the forum map's CPU), and with cairo's FAST antialiasing it
         * costs 40 % less; a halo's soft outer edge looks the same at 4x
         * zoom (0.008 % of the forum map's pixels move by more than 24
         * levels). Vector outputs ignore the setting. */
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
