/* Output: the PNG writer.
 *
 * libpng directly rather than cairo_surface_write_to_png(), for what cairo's
 * writer does not offer: the zlib level and row filter (the single biggest
 * factor in output time for large maps), RGB without an alpha channel for
 * opaque maps (a quarter smaller before compression), pHYs so the dpi survives
 * into print workflows, and text chunks naming title, software and source.
 * As in cairo's write_png() (src/cairo-png.c), libpng's error handler
 * longjmps back into the one function that called setjmp, and neither
 * handler prints anything: the message goes to the context. */
#include "output.h"

#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

/* Row filter and default zlib level (ST_PNG_DEFAULT_LEVEL = 2), measured on a
 * 4000x2320 RGB map (mapnik rendering of shapes/countries.shp and
 * ru_regions.shp: flat fills, 1 px antialiased borders), best of 3 runs,
 * zlib 1.2.13, time including the ARGB32 -> RGB conversion:
 *
 *     filter  level 1        level 2        level 3        level 6
 *     NONE     57 ms  889 KB  56 ms  879 KB  58 ms  863 KB 119 ms  753 KB
 *     SUB      68 ms 1004 KB  68 ms  994 KB  70 ms  982 KB 131 ms  845 KB
 *     UP       75 ms 1163 KB  75 ms 1154 KB  77 ms 1140 KB 137 ms 1038 KB
 *     PAETH    97 ms 1072 KB  97 ms 1061 KB 100 ms 1046 KB 160 ms  913 KB
 *     ALL     174 ms 1032 KB 174 ms 1022 KB 176 ms 1008 KB 237 ms  872 KB
 *     (cairo_surface_write_to_png: 251 ms)
 *
 * Maps are long runs of one colour, which deflate's LZ77 matches best when
 * left unfiltered; the SUB/UP/PAETH predictors that suit photographs turn
 * every antialiased edge into extra literals. Level 2 is as fast as level 1
 * and a little smaller; level 6 saves 14% more for twice the time, and is one
 * --png-level 6 away. A synthetic busier map (180 outlined blobs, 300 labels)
 * ranked the same. */
#define ST_PNG_FILTER PNG_FILTER_NONE

/* What libpng's handlers see; the error handler fills msg then longjmps. */
typedef struct png_errstate {
    steppe_ctx_t *ctx;
    const char *path;
    char msg[256];
} png_errstate;

static void on_png_error(png_structp png, png_const_charp msg)
{
    png_errstate *es = png_get_error_ptr(png);
    snprintf(es->msg, sizeof es->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg)
{
    png_errstate *es = png_get_error_ptr(png);
    st_warn(es->ctx, "%s: libpng: %s", es->path, msg);
}

static int is_ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s >= 0x80)
            return 0;
    }
    return 1;
}

/* tEXt is Latin-1 by definition (PNG spec 11.3.4.3); steppe's strings are
 * UTF-8, so anything beyond ASCII goes into an uncompressed iTXt chunk. */
static void set_text(png_text *t, const char *key, const char *value)
{
    memset(t, 0, sizeof *t);
    t->key = (png_charp)key;
    t->text = (png_charp)value;
    if (is_ascii(value)) {
        t->compression = PNG_TEXT_COMPRESSION_NONE;
        t->text_length = strlen(value);
    } else {
        t->compression = PNG_ITXT_COMPRESSION_NONE;
        t->itxt_length = strlen(value);
        t->lang = (png_charp) "";
        t->lang_key = (png_charp) "";
    }
}

/* cairo's ARGB32 is one native-endian uint32 per pixel, colour premultiplied
 * by alpha. PNG wants straight (un-premultiplied) R,G,B[,A] bytes. */
static void convert_row(const uint8_t *src, uint8_t *dst, int width, bool alpha)
{
    for (int x = 0; x < width; x++) {
        uint32_t p;
        memcpy(&p, src + 4 * (size_t)x, 4);
        unsigned a = p >> 24;
        unsigned r = (p >> 16) & 0xff;
        unsigned g = (p >> 8) & 0xff;
        unsigned b = p & 0xff;
        if (!alpha) {
            *dst++ = (uint8_t)r;
            *dst++ = (uint8_t)g;
            *dst++ = (uint8_t)b;
            continue;
        }
        if (a == 0) {
            r = g = b = 0;
        } else if (a < 255) {
            /* Rounded inverse of cairo's c * a / 255; clamped because a
             * premultiplied value may (wrongly) exceed its alpha. */
            r = (r * 255 + a / 2) / a;
            g = (g * 255 + a / 2) / a;
            b = (b * 255 + a / 2) / a;
            r = r > 255 ? 255 : r;
            g = g > 255 ? 255 : g;
            b = b > 255 ? 255 : b;
        }
        *dst++ = (uint8_t)r;
        *dst++ = (uint8_t)g;
        *dst++ = (uint8_t)b;
        *dst++ = (uint8_t)a;
    }
}

steppe_status_t st_png_write(steppe_ctx_t *ctx, FILE *fp, const char *path, const uint8_t *data, int width,
                             int height, int stride, bool alpha, double dpi, const st_png_meta *meta,
                             int level)
{
    /* Assigned on both sides of setjmp, so volatile (C11 7.13.2.1p3). */
    volatile steppe_status_t status = STEPPE_OK;
    png_structp png = NULL;
    png_infop info = NULL;
    uint8_t *row = NULL;
    png_errstate es = {ctx, path, ""};
    png_text text[3];
    int ntext = 0;

    if (width <= 0 || height <= 0 || stride < 4 * width || !data)
        return st_error(ctx, STEPPE_ERR_INTERNAL, "%s: invalid image %dx%d (stride %d)", path, width, height,
                        stride);
    if (level < -1 || level > 9)
        return st_error(ctx, STEPPE_ERR_USAGE, "PNG compression level %d out of range (0-9)", level);

    png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &es, on_png_error, on_png_warning);
    if (png)
        info = png_create_info_struct(png);
    row = malloc((size_t)width * (alpha ? 4 : 3));
    if (!png || !info || !row) {
        status = st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory for the PNG writer", path);
        goto done;
    }
    /* png, info and row are not changed after setjmp, so they keep their
     * values across the longjmp without volatile. */
    if (setjmp(png_jmpbuf(png))) {
        status = st_error(ctx, STEPPE_ERR_IO, "%s: cannot write PNG: %s", path, es.msg);
        goto done;
    }
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
                 alpha ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    /* cairo draws in sRGB; saying so spares viewers a guess. */
    png_set_sRGB(png, info, PNG_sRGB_INTENT_PERCEPTUAL);
    if (dpi > 0) {
        png_uint_32 ppm = (png_uint_32)lround(dpi / 0.0254);
        png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
    }
    if (meta && meta->title)
        set_text(&text[ntext++], "Title", meta->title);
    if (meta && meta->software)
        set_text(&text[ntext++], "Software", meta->software);
    if (meta && meta->source)
        set_text(&text[ntext++], "Source", meta->source);
    if (ntext > 0)
        png_set_text(png, info, text, ntext);

    png_set_compression_level(png, level < 0 ? ST_PNG_DEFAULT_LEVEL : level);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, ST_PNG_FILTER);

    png_write_info(png, info);
    for (int y = 0; y < height; y++) {
        convert_row(data + (size_t)y * (size_t)stride, row, width, alpha);
        png_write_row(png, row);
    }
    png_write_end(png, NULL);

done:
    png_destroy_write_struct(&png, &info);
    free(row);
    return status;
}
