/* Private: map furniture — title block, legend, scale bar, graticule,
 * notes (measured lengths), attribution, inset locator map.
 *
 * Furniture is laid out once per render, before labels, and each piece adds
 * its box to r->obstacles so labels keep clear of it. It is drawn on every
 * output after the layers and labels. */
#ifndef ST_FURNITURE_H
#define ST_FURNITURE_H

#include "render.h"

/* Lays out every piece the map enables; fills r->furniture and adds
 * obstacles. Returns STEPPE_OK, STEPPE_ERR_NOMEM, or an error from building
 * the inset projection. */
steppe_status_t st_furniture_layout(st_render *r);

/* Draws the graticule lines (called after the layers, before labels). */
void st_furniture_draw_graticule(st_render *r, cairo_t *cr);

/* Draws every other piece (called last). */
void st_furniture_draw(st_render *r, cairo_t *cr);

/* Frees r->furniture. Accepts r->furniture == NULL. */
void st_furniture_free(st_render *r);

#endif
