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

#endif
