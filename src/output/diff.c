/* Image diff: two PNGs → count, share and bounding box of differing pixels,
 * and optionally a highlight image (A faded to grey, differences in red).
 *
 * Both images are read with libpng's low-level API and normalised to 8-bit
 * RGBA by its transformations (expand palette and low bit depths, tRNS to
 * alpha, 16 to 8 bits, grey to RGB, opaque alpha added). No gamma is applied:
 * steppe compares the stored values, so two files that hold the same bytes
 * compare equal whatever their gAMA or iCCP chunks say. */
#include <steppe/diff.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"
#include "output.h"
#include "png_errors.h"

/* Larger images are refused rather than allocated (4 bytes a pixel, two
 * images plus the highlight: 3 GiB at this limit). */
#define DIFF_MAX_PIXELS (1u << 28)

/* The PNG signature's length, read before libpng starts. */
#define SIG_BYTES 8

typedef struct rgba_image {
    int width, height;
    uint8_t *px; /* width * height * 4 bytes, R,G,B,A; owned */
} rgba_image;

/* Opens path for reading if it is a regular file. Opened non-blocking and
 * checked with fstat() on the descriptor, so that a FIFO (or a FIFO put in
 * its place after a check) fails at once instead of waiting for a writer. */
static FILE *open_regular(steppe_ctx_t *ctx, const char *path, steppe_status_t *status)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        *status = st_error(ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        *status = st_error(ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", path,
                           S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
        close(fd);
        return NULL;
    }
    /* Regular files never block; reads need no O_NONBLOCK handling. */
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
        *status = st_error(ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
    }
    return fp;
}

/* One image being read: its pixels and row pointers, owned here until
 * read_rgba() hands the pixels on, so that they are freed also when libpng
 * fails midway. */
typedef struct png_read {
    png_uint_32 width, height;
    uint8_t *px;
    png_bytep *rows;
} png_read;

/* The reading proper, run by st_png_run() after the signature was read. */
static steppe_status_t read_steps(png_structp png, png_infop info, steppe_ctx_t *ctx, const char *path,
                                  void *user)
{
    png_read *r = user;
    png_set_sig_bytes(png, SIG_BYTES);
    png_set_user_limits(png, 1u << 20, 1u << 20);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    if ((uint64_t)width * height > DIFF_MAX_PIXELS)
        return st_error(ctx, STEPPE_ERR_LIMIT, "%s: %ux%u pixels is too large to compare (limit %u)", path,
                        (unsigned)width, (unsigned)height, DIFF_MAX_PIXELS);
    int color = png_get_color_type(png, info);
    png_set_expand(png);
    png_set_strip_16(png);
    if (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_GRAY_ALPHA)
        png_set_gray_to_rgb(png);
    if (!(color & PNG_COLOR_MASK_ALPHA) && !png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)width * 4)
        return st_error(ctx, STEPPE_ERR_INTERNAL, "%s: unexpected row size after conversion", path);

    r->px = malloc((size_t)width * height * 4);
    r->rows = malloc(sizeof *r->rows * height);
    if (!r->px || !r->rows)
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory for %ux%u pixels", path, (unsigned)width,
                        (unsigned)height);
    for (png_uint_32 y = 0; y < height; y++)
        r->rows[y] = r->px + (size_t)y * width * 4;
    png_read_image(png, r->rows);
    png_read_end(png, NULL);
    r->width = width;
    r->height = height;
    return STEPPE_OK;
}

static steppe_status_t read_rgba(steppe_ctx_t *ctx, const char *path, rgba_image *img)
{
    steppe_status_t status = STEPPE_OK;
    unsigned char sig[SIG_BYTES];
    png_read r = {0, 0, NULL, NULL};
    FILE *fp = open_regular(ctx, path, &status);

    if (!fp)
        return status;
    if (fread(sig, 1, sizeof sig, fp) != sizeof sig || png_sig_cmp(sig, 0, sizeof sig) != 0)
        status = st_error(ctx, STEPPE_ERR_DATA_CORRUPT, "%s: not a PNG file", path);
    else
        status = st_png_run(ctx, path, false, fp, read_steps, &r);
    if (status == STEPPE_OK) {
        img->width = (int)r.width;
        img->height = (int)r.height;
        img->px = r.px;
        r.px = NULL;
    }
    free(r.rows);
    free(r.px);
    fclose(fp);
    return status;
}

void steppe_diff_opts_init(steppe_diff_opts_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->threshold = 0; /* exact: steppe's output is byte-reproducible */
    opts->tolerance = 0.0;
    opts->highlight = NULL;
}

/* Channel c of a straight-alpha pixel, premultiplied (alpha stays as is). */
static int premul(const uint8_t *p, int c)
{
    if (c == 3)
        return p[3];
    return (p[c] * p[3] + 127) / 255;
}

static int pixel_delta(const uint8_t *pa, const uint8_t *pb)
{
    int max = 0;
    for (int c = 0; c < 4; c++) {
        int d = abs(premul(pa, c) - premul(pb, c));
        if (d > max)
            max = d;
    }
    return max;
}

/* A's luminance (Rec. 709 weights, composited over white) lifted towards
 * white so that red marks stand out; differing pixels pure red. */
static uint32_t highlight_pixel(const uint8_t *pa, bool differs)
{
    if (differs)
        return 0xffff0000u;
    unsigned a = pa[3];
    unsigned r = (pa[0] * a + 255 * (255 - a)) / 255;
    unsigned g = (pa[1] * a + 255 * (255 - a)) / 255;
    unsigned b = (pa[2] * a + 255 * (255 - a)) / 255;
    unsigned y = (54 * r + 183 * g + 19 * b) >> 8;
    unsigned v = 255 - (255 - y) * 2 / 5;
    return 0xff000000u | v << 16 | v << 8 | v;
}

static steppe_status_t write_highlight(steppe_ctx_t *ctx, const char *path, const uint32_t *px, int width,
                                       int height, const char *a, const char *b)
{
    st_atomic out;
    char title[1024];
    snprintf(title, sizeof title, "steppe diff: %s vs %s", a, b);
    st_png_meta meta = {title, "steppe " STEPPE_VERSION, a};

    steppe_status_t status = st_atomic_open(ctx, path, &out);
    if (status != STEPPE_OK)
        return status;
    status =
        st_png_write(ctx, out.fp, path, (const uint8_t *)px, width, height, width * 4, false, 0, &meta, -1);
    if (status != STEPPE_OK) {
        st_atomic_abort(&out);
        return status;
    }
    return st_atomic_commit(ctx, &out);
}

/* The highlight is a PNG: its name must say so, and it may be neither
 * input (checked like every output, before either is read). */
static steppe_status_t check_highlight(steppe_ctx_t *ctx, const char *path, const char *a, const char *b)
{
    st_format fmt;
    steppe_status_t status = st_output_format(ctx, path, &fmt);
    if (status != STEPPE_OK)
        return status;
    if (fmt != ST_FMT_PNG)
        return st_error(ctx, STEPPE_ERR_USAGE, "%s: the highlight image is a PNG: name it .png", path);
    st_guard g;
    st_guard_init(&g);
    status = st_guard_input(ctx, &g, a);
    if (status == STEPPE_OK)
        status = st_guard_input(ctx, &g, b);
    if (status == STEPPE_OK)
        status = st_guard_output(ctx, &g, path, "highlight");
    st_guard_free(&g);
    return status;
}

steppe_status_t steppe_diff_png(steppe_ctx_t *ctx, const char *a, const char *b,
                                const steppe_diff_opts_t *opts, steppe_diff_result_t *result)
{
    steppe_status_t status = STEPPE_OK;
    steppe_diff_opts_t defaults;
    rgba_image ia = {0, 0, NULL};
    rgba_image ib = {0, 0, NULL};
    uint32_t *hl = NULL;
    steppe_diff_result_t r;

    if (!opts) {
        steppe_diff_opts_init(&defaults);
        opts = &defaults;
    }
    if (opts->threshold < 0 || opts->threshold > 255)
        return st_error(ctx, STEPPE_ERR_USAGE, "diff threshold %d out of range (0-255)", opts->threshold);
    if (!(opts->tolerance >= 0.0 && opts->tolerance <= 1.0))
        return st_error(ctx, STEPPE_ERR_USAGE, "diff tolerance %g out of range (0-1)", opts->tolerance);

    if (opts->highlight) {
        status = check_highlight(ctx, opts->highlight, a, b);
        if (status != STEPPE_OK)
            goto done;
    }
    status = read_rgba(ctx, a, &ia);
    if (status != STEPPE_OK)
        goto done;
    status = read_rgba(ctx, b, &ib);
    if (status != STEPPE_OK)
        goto done;

    memset(&r, 0, sizeof r);
    r.width_a = ia.width;
    r.height_a = ia.height;
    r.width_b = ib.width;
    r.height_b = ib.height;
    r.x0 = r.y0 = r.x1 = r.y1 = -1;
    r.same_size = ia.width == ib.width && ia.height == ib.height;
    if (!r.same_size) {
        r.share = 1.0;
        r.match = false;
        *result = r;
        goto done;
    }

    r.total = (uint64_t)ia.width * (uint64_t)ia.height;
    if (opts->highlight) {
        hl = malloc(sizeof *hl * r.total);
        if (!hl) {
            status =
                st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory for the highlight image", opts->highlight);
            goto done;
        }
    }
    for (int y = 0; y < ia.height; y++) {
        for (int x = 0; x < ia.width; x++) {
            size_t i = (size_t)y * (size_t)ia.width + (size_t)x;
            const uint8_t *pa = ia.px + 4 * i;
            int d = pixel_delta(pa, ib.px + 4 * i);
            bool differs = d > opts->threshold;
            if (d > r.max_delta)
                r.max_delta = d;
            if (hl)
                hl[i] = highlight_pixel(pa, differs);
            if (!differs)
                continue;
            if (r.differing == 0) {
                r.x0 = r.x1 = x;
                r.y0 = r.y1 = y;
            }
            r.differing++;
            r.x0 = x < r.x0 ? x : r.x0;
            r.x1 = x > r.x1 ? x : r.x1;
            r.y1 = y;
        }
    }
    r.share = (double)r.differing / (double)r.total;
    r.match = r.share <= opts->tolerance;

    if (hl) {
        status = write_highlight(ctx, opts->highlight, hl, ia.width, ia.height, a, b);
        if (status != STEPPE_OK)
            goto done;
    }
    *result = r;

done:
    free(hl);
    free(ib.px);
    free(ia.px);
    return status;
}
