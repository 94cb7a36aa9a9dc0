/* Private: polygon fills computed by steppe, straight into pixels.
 *
 * cairo 1.16 fills a path by converting it to a polygon of edges and
 * scan-converting that with 15 samples a pixel row (4x4 with FAST
 * antialiasing, which draw.c had used under opaque outlines to save time).
 * This module gives each pixel its exact area coverage instead, and
 * composites a solid colour OVER a cairo ARGB32 (premultiplied) buffer
 * with pixman's arithmetic (pixel.h), clipped to one rectangle of whole
 * pixels. On W2 it takes what cairo's FAST fill took, 8-10 ms a band: both
 * are bound by the canvas's memory, not by the edges (the store of a
 * band's interior pixels is most of it).
 *
 * Use: st_polyfill_create() over a buffer, st_polyfill_set_clip(), then per
 * fill st_polyfill_begin(), st_polyfill_add_ring() for each ring of the
 * polygon, and st_polyfill_fill(). Coordinates are device pixels, (0,0)
 * the top left corner of the buffer's first pixel.
 *
 * A pixel's coverage depends only on the path and on that pixel: the
 * coverage of each row is summed in integers from pieces computed from the
 * segments' own end points, so a buffer drawn in horizontal bands (render.c)
 * is the same, to the bit, as one drawn whole, and the order of the
 * subpaths changes nothing. */
#ifndef ST_POLYFILL_H
#define ST_POLYFILL_H

#include <stdbool.h>
#include <stddef.h>

#include "pixel.h"

/* Coordinates (device px) beyond this are refused by st_polyfill_fill():
 * cairo's own 24.8 fixed point wraps at 2^23. */
#define ST_POLYFILL_MAX_COORD 4194304.0

typedef struct st_polyfill st_polyfill;

/* A filler over the canvas cv (st_px_canvas_init()), clipped to all of it
 * until st_polyfill_set_clip(); NULL when out of memory. Free with
 * st_polyfill_destroy(). */
st_polyfill *st_polyfill_create(const st_px_canvas *cv);

/* Frees f; accepts NULL. */
void st_polyfill_destroy(st_polyfill *f);

/* Restricts drawing to r (clamped to the buffer; an empty one clips
 * everything). */
void st_polyfill_set_clip(st_polyfill *f, st_px_rect r);

/* Starts a fill of straight colour r,g,b and alpha a (0..1), by the
 * even-odd rule or else the non-zero winding rule. Discards any path not
 * yet filled. */
void st_polyfill_begin(st_polyfill *f, double r, double g, double b, double a, bool even_odd);

/* Adds a ring of n points xy (x0, y0, x1, y1, ...), each moved by dx,dy,
 * closed back to its first point whether or not the last repeats it. */
void st_polyfill_add_ring(st_polyfill *f, const double *xy, size_t n, double dx, double dy);

/* Composites the fill built since st_polyfill_begin() and empties it.
 * *dirty (may be NULL) receives a rectangle holding every pixel written
 * (x0 == x1 when nothing was drawn). False, with nothing drawn, when a
 * coordinate was not finite or beyond ±ST_POLYFILL_MAX_COORD, or memory ran
 * out: the caller then fills the path another way. */
bool st_polyfill_fill(st_polyfill *f, st_px_rect *dirty);

#endif
