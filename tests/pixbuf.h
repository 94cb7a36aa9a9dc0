/* A pixel buffer for the rasteriser suites (check_hairline, check_polyfill):
 * a cairo ARGB32 image with guard bytes on every side, so that a write
 * outside it is seen, and the few ways the suites read it. */
#ifndef PIXBUF_H
#define PIXBUF_H

#include <cairo.h>
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"

#define GUARD 16 /* pixels of guard on every side */
#define GUARD_BYTE 0xa5

typedef struct buf {
    int w, h, stride;
    unsigned char *mem;  /* whole allocation, guards included */
    unsigned char *data; /* first pixel of the w x h image */
    size_t size;
} buf;

static inline buf buf_new(int w, int h)
{
    buf b = {w, h, 4 * (w + 2 * GUARD), NULL, NULL, 0};
    b.size = (size_t)b.stride * (size_t)(h + 2 * GUARD);
    b.mem = malloc(b.size);
    ck_assert_ptr_nonnull(b.mem);
    memset(b.mem, GUARD_BYTE, b.size);
    b.data = b.mem + (size_t)GUARD * (size_t)b.stride + 4 * GUARD;
    for (int y = 0; y < h; y++)
        memset(b.data + (size_t)y * (size_t)b.stride, 0, 4 * (size_t)w);
    return b;
}

static inline void buf_free(buf *b)
{
    free(b->mem);
}

static inline uint32_t px(const buf *b, int x, int y)
{
    uint32_t v;
    memcpy(&v, b->data + (size_t)y * (size_t)b->stride + 4 * (size_t)x, 4);
    return v;
}

static inline int alpha(const buf *b, int x, int y)
{
    return (int)(px(b, x, y) >> 24);
}

/* A pixel's expected alpha. */
typedef struct px_expect {
    int x, y, alpha;
} px_expect;

static inline void expect_alphas(const buf *b, const px_expect *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(alpha(b, e[i].x, e[i].y) == e[i].alpha, "pixel %d,%d: alpha %d, expected %d", e[i].x,
                      e[i].y, alpha(b, e[i].x, e[i].y), e[i].alpha);
}

/* True when every byte outside the image is still a guard byte. */
static inline bool guards_intact(const buf *b)
{
    for (size_t i = 0; i < b->size; i++) {
        size_t row = i / (size_t)b->stride;
        size_t col = (i % (size_t)b->stride) / 4;
        bool inside =
            row >= GUARD && row < (size_t)(GUARD + b->h) && col >= GUARD && col < (size_t)(GUARD + b->w);
        if (!inside && b->mem[i] != GUARD_BYTE)
            return false;
    }
    return true;
}

/* Sum of coverage (alpha / 255) over the image. */
static inline double ink(const buf *b)
{
    double s = 0;
    for (int y = 0; y < b->h; y++)
        for (int x = 0; x < b->w; x++)
            s += alpha(b, x, y) / 255.0;
    return s;
}

/* A cairo context drawing on b in opaque black; free with
 * buf_cairo_done(). */
static inline cairo_t *buf_cairo(buf *b)
{
    cairo_surface_t *s =
        cairo_image_surface_create_for_data(b->data, CAIRO_FORMAT_ARGB32, b->w, b->h, b->stride);
    cairo_t *cr = cairo_create(s);
    cairo_surface_destroy(s); /* cr holds it */
    cairo_set_source_rgba(cr, 0, 0, 0, 1);
    return cr;
}

static inline void buf_cairo_done(cairo_t *cr)
{
    cairo_surface_flush(cairo_get_target(cr));
    cairo_destroy(cr);
}

/* A feature of one ring of n points xy (its parts array, {0}, given by the
 * caller, which keeps both), its box taken from the points. */
static inline st_feature one_ring(double *xy, uint32_t *parts, uint32_t n)
{
    st_feature f;
    memset(&f, 0, sizeof f);
    f.nparts = 1;
    f.npoints = n;
    f.parts = parts;
    f.xy = xy;
    f.bbox[0] = f.bbox[2] = xy[0];
    f.bbox[1] = f.bbox[3] = xy[1];
    for (uint32_t i = 1; i < n; i++) {
        f.bbox[0] = xy[2 * i] < f.bbox[0] ? xy[2 * i] : f.bbox[0];
        f.bbox[1] = xy[2 * i + 1] < f.bbox[1] ? xy[2 * i + 1] : f.bbox[1];
        f.bbox[2] = xy[2 * i] > f.bbox[2] ? xy[2 * i] : f.bbox[2];
        f.bbox[3] = xy[2 * i + 1] > f.bbox[3] ? xy[2 * i + 1] : f.bbox[3];
    }
    f.cls = -1;
    return f;
}

/* Draws the polygon f with sym onto s, the band of a w x h canvas from row
 * y0 down, as render.c draws a band; group draws it through a pushed
 * group, which st_draw_feature() leaves to cairo. */
static inline void draw_feature_band(cairo_surface_t *s, int y0, int w, int h, const st_symbol *sym,
                                     const st_feature *f, bool group)
{
    st_view v;
    memset(&v, 0, sizeof v);
    v.width_px = w;
    v.height_px = h;
    v.px_per_pt = 1.0;
    cairo_t *cr = cairo_create(s);
    cairo_translate(cr, 0, -y0);
    cairo_rectangle(cr, 0, 0, v.width_px, v.height_px);
    cairo_clip(cr);
    if (group)
        cairo_push_group(cr);
    st_draw_feature(cr, &v, sym, ST_GEOM_POLYGON, f);
    if (group) {
        cairo_pop_group_to_source(cr);
        cairo_paint(cr);
    }
    cairo_destroy(cr);
}

/* A polygon drawn three ways on a w x h canvas: whole, through the
 * rasterisers st_draw_feature() uses on an image; whole, through cairo (a
 * pushed group); and in two bands split at row cut over one buffer, as
 * render.c draws them. w, sl and bands are the three's pixels (rows stride
 * bytes apart). */
typedef struct three_ways {
    cairo_surface_t *whole, *slow, *top, *bottom;
    const unsigned char *w, *sl;
    unsigned char *bands;
    int stride;
} three_ways;

static inline three_ways draw_three_ways(int w, int h, int cut, const st_symbol *sym, const st_feature *f)
{
    three_ways t;
    t.stride = 4 * w;
    t.whole = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    t.slow = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    ck_assert_int_eq(cairo_image_surface_get_stride(t.whole), t.stride);
    draw_feature_band(t.whole, 0, w, h, sym, f, false);
    draw_feature_band(t.slow, 0, w, h, sym, f, true);
    t.bands = calloc((size_t)h, (size_t)t.stride);
    ck_assert_ptr_nonnull(t.bands);
    t.top = cairo_image_surface_create_for_data(t.bands, CAIRO_FORMAT_ARGB32, w, cut, t.stride);
    t.bottom = cairo_image_surface_create_for_data(t.bands + (size_t)cut * (size_t)t.stride,
                                                   CAIRO_FORMAT_ARGB32, w, h - cut, t.stride);
    draw_feature_band(t.top, 0, w, h, sym, f, false);
    draw_feature_band(t.bottom, cut, w, h, sym, f, false);
    cairo_surface_flush(t.whole);
    cairo_surface_flush(t.slow);
    t.w = cairo_image_surface_get_data(t.whole);
    t.sl = cairo_image_surface_get_data(t.slow);
    return t;
}

static inline void three_ways_free(three_ways *t)
{
    cairo_surface_destroy(t->whole);
    cairo_surface_destroy(t->slow);
    cairo_surface_destroy(t->top);
    cairo_surface_destroy(t->bottom);
    free(t->bands);
}

#endif
