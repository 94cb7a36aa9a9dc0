/* Private: drawing features with cairo.
 *
 * Everything is drawn in output pixels (the view's grid); sizes given in
 * points are multiplied by view->px_per_pt, so 96 dpi and 300 dpi outputs
 * keep the same physical proportions. One cairo path per feature; polygons
 * fill with the even-odd rule so holes and multiple outer rings come out
 * right whatever their winding. */
#ifndef ST_DRAW_H
#define ST_DRAW_H

#include <cairo.h>

#include "features.h"
#include "project.h"

/* Draws every feature of fs (already projected to pixels) with the layer's
 * symbols (class symbols where f->cls >= 0). */
void st_draw_layer(cairo_t *cr, const st_view *view, const st_layer *layer, const st_featureset *fs);

/* As st_draw_layer(), drawing only features that reach rows y0..y1 (one
 * band of a canvas drawn by several threads). */
void st_draw_layer_rows(cairo_t *cr, const st_view *view, const st_layer *layer, const st_featureset *fs,
                        double y0, double y1);

/* Draws one feature with sym. */
void st_draw_feature(cairo_t *cr, const st_view *view, const st_symbol *sym, st_geom_type type,
                     const st_feature *f);

/* Draws one point marker centred at x,y. */
void st_draw_marker(cairo_t *cr, const st_view *view, const st_symbol *sym, double x, double y);

/* Draws a legend swatch for sym in the box x,y,w,h (pixels) exactly as the
 * layer draws it on the map: a patch for polygons, a stroke for lines, a
 * marker for points. */
void st_draw_swatch(cairo_t *cr, const st_view *view, const st_symbol *sym, st_geom_type type, double x,
                    double y, double w, double h);

/* Sets cr's source to c multiplied by alpha. */
void st_set_color(cairo_t *cr, st_rgba c, double alpha);

#endif
