/* Private: text layout with pango + fontconfig.
 *
 * One PangoFontMap per context (created on first use, freed with the
 * context), resolution set to the view's dpi so sizes are in points. Hint
 * metrics are off so a layout measures the same on image, SVG and PDF
 * surfaces. */
#ifndef ST_TEXT_H
#define ST_TEXT_H

#include <cairo.h>

#include "ctx.h"
#include "model.h"
#include "project.h"

typedef struct st_text st_text;

/* The font of a text: family (NULL: "Noto Sans"), size pt, weight, italic. */
typedef struct st_font {
    const char *family;
    double size;
    int weight;
    bool italic;
    double letter_spacing; /* pt */
} st_font;

/* Lays out utf8 with font at the view's resolution. NULL on allocation
 * failure (recorded in ctx). Free with st_text_destroy(). */
st_text *st_text_create(steppe_ctx_t *ctx, const st_view *view, const char *utf8, const st_font *font);
void st_text_destroy(st_text *t);

/* Loads the fonts (duplicates are skipped) into ctx's font map at dpi, as
 * laying a text out in each would, so that the texts laid out later find
 * them loaded: the first text in a font costs about 1 ms (fontconfig's
 * sort of every installed font, the font file, harfbuzz). Records no
 * error: on failure the texts load their fonts themselves. While it runs,
 * nothing else may lay out text with ctx. */
void st_text_warm(steppe_ctx_t *ctx, double dpi, const st_font *fonts, size_t n);

/* Logical size of the laid-out text, in pixels. */
void st_text_size(const st_text *t, double *w, double *h);

/* Number of characters the font (and its fontconfig fallbacks) could not
 * show, drawn as hex boxes. */
int st_text_unknown_glyphs(const st_text *t);

/* Baseline offset from the top of the logical box, in pixels. */
double st_text_baseline(const st_text *t);

/* Draws t with its logical box's top-left at x,y (pixels): first a halo
 * (stroked outline of width halo_px, round joins) when halo_px > 0, then
 * the fill. */
void st_text_draw(cairo_t *cr, const st_text *t, double x, double y, st_rgba color, st_rgba halo,
                  double halo_px);

/* Draws t rotated by angle (radians) about its centre placed at cx,cy. */
void st_text_draw_rotated(cairo_t *cr, const st_text *t, double cx, double cy, double angle, st_rgba color,
                          st_rgba halo, double halo_px);

/* Grapheme clusters of a one-line text, for laying text along a curve.
 * Returns the number of clusters (0 for a text of more than one line). */
size_t st_text_cluster_count(const st_text *t);

/* Start x (pixels from the left of the logical box) and advance width of
 * cluster i. */
void st_text_cluster_extent(const st_text *t, size_t i, double *x, double *w);

/* Draws cluster i with its baseline origin at x,y rotated by angle
 * (radians). halo_px > 0 strokes only the halo (width halo_px, round joins)
 * in color; halo_px == 0 fills the glyphs with color. Drawing every halo
 * before any fill keeps neighbouring halos from covering letters. */
void st_text_draw_cluster(cairo_t *cr, const st_text *t, size_t i, double x, double y, double angle,
                          st_rgba color, double halo_px);

#endif
