/* Private: hairlines — thin antialiased strokes drawn straight into pixels.
 *
 * cairo 1.16 (Debian 12) has no hairline mode, so a 1 px border goes through
 * its general stroker: joins, a polygon per path, scan conversion. For lines
 * up to ST_HAIRLINE_MAX_PX wide this module computes each pixel's coverage
 * directly from the centreline and composites a solid colour OVER a cairo
 * ARGB32 (premultiplied) buffer, clipped to a list of pixel rectangles.
 *
 * Use: st_hairline_create() over a buffer, st_hairline_set_clip(), then per
 * stroke st_hairline_begin(), move_to / line_to / close_path as with cairo,
 * and st_hairline_stroke(), which writes the pixels. Coverage of one stroke
 * accumulates before it is composited, so a stroke is drawn as one shape
 * (as cairo strokes one path), with no doubled pixels where its segments
 * meet. Coordinates are device pixels, (0,0) the top left corner of the
 * buffer's first pixel. Input that is not finite or lies beyond ±1e12 px is
 * ignored segment by segment; nothing is ever written outside the buffer
 * or the clip. */
#ifndef ST_HAIRLINE_H
#define ST_HAIRLINE_H

#include <stdbool.h>

#include "pixel.h"

/* The widest line (device px) drawn as a hairline; wider ones need joins
 * and caps that this module does not draw. */
#define ST_HAIRLINE_MAX_PX 1.6

typedef struct st_hairline st_hairline;

/* A rasterizer over data (width x height pixels of 4 bytes, rows stride
 * bytes apart, cairo's ARGB32 layout), clipped to the whole buffer until
 * st_hairline_set_clip(). The buffer is not owned. NULL when out of memory
 * or when data cannot be a canvas (st_px_canvas_init()). Free with
 * st_hairline_destroy(). */
st_hairline *st_hairline_create(unsigned char *data, int width, int height, int stride);

/* Frees h; accepts NULL. */
void st_hairline_destroy(st_hairline *h);

/* Restricts drawing to the union of n rectangles (clamped to the buffer;
 * n = 0 clips everything). False, and the clip unchanged, when two of them
 * overlap or n is negative or too large (at most 64). */
bool st_hairline_set_clip(st_hairline *h, const st_px_rect *rects, int n);

/* Starts a stroke: straight (not premultiplied) colour r,g,b and alpha a in
 * 0..1, width in device px (clamped to 0..ST_HAIRLINE_MAX_PX) and cap, the
 * length (px) by which open subpaths are extended at both ends to stand for
 * cairo's caps (0 for butt caps). Discards any path not yet stroked. */
void st_hairline_begin(st_hairline *h, double r, double g, double b, double a, double width, double cap);

/* Starts a subpath at x,y. */
void st_hairline_move_to(st_hairline *h, double x, double y);

/* Adds a segment from the current point to x,y; without a current point
 * it acts as st_hairline_move_to(). */
void st_hairline_line_to(st_hairline *h, double x, double y);

/* Closes the current subpath with a segment back to its start; a closed
 * subpath has no caps. */
void st_hairline_close_path(st_hairline *h);

/* Composites the stroke built since st_hairline_begin() and empties it.
 * *dirty (may be NULL) receives a rectangle holding every pixel written
 * (x0 == x1 when nothing was drawn). */
void st_hairline_stroke(st_hairline *h, st_px_rect *dirty);

#endif
