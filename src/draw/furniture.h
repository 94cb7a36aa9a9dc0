/* Private: map furniture — title block, legend, scale bar, graticule,
 * notes (measured lengths), attribution, inset locator map.
 *
 * Furniture is laid out once per render, before labels, and each piece adds
 * its box to r->obstacles so labels keep clear of it. It is drawn on every
 * output after the layers and labels. */
#ifndef ST_FURNITURE_H
#define ST_FURNITURE_H

#include "scene.h"
#include "text.h"

/* Lays out every piece the map enables; fills r->furniture and adds
 * obstacles. Returns STEPPE_OK, STEPPE_ERR_NOMEM, or an error from building
 * the inset projection. */
steppe_status_t st_furniture_layout(st_scene *r);

/* The fonts the furniture of m lays its texts out in (at most max, into
 * out; duplicates possible), for st_text_warm(). Returns how many. */
size_t st_furniture_fonts(const st_map *m, st_font *out, size_t max);

/* Draws the graticule lines (called after the layers, before labels). */
void st_furniture_draw_graticule(st_scene *r, cairo_t *cr);

/* Draws every other piece (called last). */
void st_furniture_draw(st_scene *r, cairo_t *cr);

/* Frees r->furniture. Accepts r->furniture == NULL. */
void st_furniture_free(st_scene *r);

/* The scale bar as laid out: its length in km and in pixels. Returns false
 * when the map has no scale bar (for tests and the render report). */
bool st_furniture_scalebar(const st_scene *r, double *km, double *px);

/* Fills a measure_text template: {km} becomes km with thousands
 * separators and no decimals ("6,846"), {km_round} km rounded to the
 * nearest 100 ("6,800"). Returns an arena string, NULL when out of memory. */
char *st_furniture_measure_text(st_arena *arena, const char *tmpl, double km, st_language lang);

/* The legend's box as laid out, in output pixels. Returns false when the
 * map has no legend (for tests). */
bool st_furniture_legend_box(const st_scene *r, st_box *box);

/* Number of entries in the legend as laid out (0 without a legend). */
size_t st_furniture_legend_entries(const st_scene *r);

/* The room the furniture laid out outside the frame needs on each side of
 * it (left, top, right, bottom), px from the canvas edges; all 0 for an
 * inside layout. */
void st_furniture_needs(const st_scene *r, double need[4]);

/* One piece of furniture as laid out, for the report. */
typedef struct st_furniture_box {
    const char *name; /* "title", "legend", "notes", "scalebar", "attribution", "inset" */
    st_box box;
} st_furniture_box;

/* The pieces laid out (at most max into out). Returns how many. */
size_t st_furniture_boxes(const st_scene *r, st_furniture_box *out, size_t max);

/* How many of the subject's items (markers, estimated labels, vertices)
 * the pieces placed inside the frame cover; 0 outside. */
double st_furniture_covered(const st_scene *r);

/* The box round the subject's items in the frame; false without any. */
bool st_furniture_subject_box(const st_scene *r, st_box *box);

/* The legend entries left out for lack of room: *names (furniture storage). */
size_t st_furniture_left_out(const st_scene *r, const char *const **names);

#endif
