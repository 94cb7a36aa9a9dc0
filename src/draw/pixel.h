/* Private: pixel arithmetic shared by the rasterisers that write straight
 * into a cairo ARGB32 buffer (hairline.c, polyfill.c): a rectangle of whole
 * pixels, the source colour as cairo stores it, and pixman's compositing of
 * a solid source through an 8-bit coverage, so that what they draw matches
 * what cairo would draw to the level. */
#ifndef ST_PIXEL_H
#define ST_PIXEL_H

#include <stdbool.h>
#include <stdint.h>

/* The cairo ARGB32 buffer a rasteriser writes into: width x height pixels
 * of 4 bytes, rows stride bytes apart. Not owned. */
typedef struct st_px_canvas {
    unsigned char *data;
    int width, height, stride;
} st_px_canvas;

/* A canvas over data, or false when it cannot be one: no data, a side not
 * in 1..32767 (cairo's own limit for images, and what 16-bit coordinates
 * hold), or rows shorter than their pixels. */
static inline bool st_px_canvas_init(st_px_canvas *c, unsigned char *data, int width, int height, int stride)
{
    if (!data || width <= 0 || height <= 0 || width > 32767 || height > 32767 || stride < 4 * width)
        return false;
    *c = (st_px_canvas){data, width, height, stride};
    return true;
}

/* A rectangle of whole pixels: columns x0..x1-1, rows y0..y1-1. */
typedef struct st_px_rect {
    int x0, y0, x1, y1;
} st_px_rect;

/* Straight colour r,g,b and alpha a (0..1, clamped) as a premultiplied
 * ARGB32 pixel. cairo keeps colours as 16-bit premultiplied values and
 * pixman takes their high bytes; so does this, so colours match. */
static inline uint32_t st_px_premultiply(double r, double g, double b, double a)
{
    double ch[4] = {b * a, g * a, r * a, a};
    uint32_t px = 0;
    for (int i = 0; i < 4; i++) {
        double v = ch[i] > 0 ? (ch[i] < 1 ? ch[i] : 1) : 0;
        px |= ((uint32_t)(v * 65535 + 0.5) >> 8) << (8 * i);
    }
    return px;
}

/* x * a / 255 for the four 8-bit channels of x, rounded (Blinn's exact
 * division by 255, two channels per multiply as pixman's UN8x4_MUL_UN8). */
static inline uint32_t st_px_mul_un8x4(uint32_t x, uint32_t a)
{
    uint32_t rb = (x & 0x00ff00ffu) * a + 0x00800080u;
    rb = ((rb + ((rb >> 8) & 0x00ff00ffu)) >> 8) & 0x00ff00ffu;
    uint32_t ag = ((x >> 8) & 0x00ff00ffu) * a + 0x00800080u;
    ag = (ag + ((ag >> 8) & 0x00ff00ffu)) & 0xff00ff00u;
    return ag | rb;
}

/* x + y per channel, saturating at 255 (pixman's UN8x4_ADD_UN8x4). */
static inline uint32_t st_px_add_un8x4(uint32_t x, uint32_t y)
{
    uint32_t rb = (x & 0x00ff00ffu) + (y & 0x00ff00ffu);
    rb |= 0x01000100u - ((rb >> 8) & 0x00ff00ffu);
    rb &= 0x00ff00ffu;
    uint32_t ag = ((x >> 8) & 0x00ff00ffu) + ((y >> 8) & 0x00ff00ffu);
    ag |= 0x01000100u - ((ag >> 8) & 0x00ff00ffu);
    ag &= 0x00ff00ffu;
    return rb | ag << 8;
}

/* The premultiplied source src IN coverage m (1..255) OVER the pixel d. */
static inline uint32_t st_px_over(uint32_t d, uint32_t src, uint32_t m)
{
    uint32_t s = m == 255 ? src : st_px_mul_un8x4(src, m);
    return st_px_add_un8x4(s, st_px_mul_un8x4(d, 255 - (s >> 24)));
}

#endif
