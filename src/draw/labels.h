/* Private: label placement.
 *
 * Labels are placed once per render, in output pixels, and drawn on every
 * output. Candidates are collected from every layer with a label (points:
 * several positions around the marker; polygons: inside, at the pole of
 * inaccessibility; lines: along the line, following its curve), sorted by
 * priority and placed greedily against an index of occupied boxes that
 * starts with every marker and every piece of furniture. A label that finds
 * no free position, or would leave the canvas, is dropped and reported. */
#ifndef ST_LABELS_H
#define ST_LABELS_H

#include "scene.h"
#include "text.h"

/* Places every label of r's layers; fills r->labels, r->dropped and
 * r->label_plan (freed by st_labels_free). Dropped labels are logged as
 * warnings at INFO level. Returns STEPPE_OK or STEPPE_ERR_NOMEM. */
steppe_status_t st_labels_place(st_scene *r);

/* The fonts the labels of m's visible layers and classes are laid out in
 * (at most max, into out; duplicates possible), for st_text_warm().
 * Returns how many. */
size_t st_labels_fonts(const st_map *m, st_font *out, size_t max);

/* Draws the placed labels (halo then text). */
void st_labels_draw(st_scene *r, cairo_t *cr);

/* Frees r->label_plan. Accepts r->label_plan == NULL. */
void st_labels_free(st_scene *r);

#endif
