/*
 * steppe/diff.h — comparing two PNG images.
 *
 * Design note: render tests compare images, not hashes (antialiasing and
 * font hinting move a few pixels between builds), so a comparison answers
 * "how many pixels differ by more than a small amount, and where", and the
 * caller decides with a tolerance whether that is acceptable. Both files are
 * read with libpng and normalised to 8-bit RGBA, whatever their colour type
 * and bit depth. Colour is compared premultiplied by alpha, so fully
 * transparent pixels are equal whatever colour they carry. A pixel differs
 * when any of its four channels differs by more than the threshold.
 * Optionally a highlight image is written: image A in faded grey, every
 * differing pixel in red.
 */
#ifndef STEPPE_DIFF_H
#define STEPPE_DIFF_H

#include <steppe/export.h>
#include <stdbool.h>
#include <stdint.h>
#include <steppe/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct steppe_diff_opts {
    int threshold;         /* 0-255: a pixel differs when some channel differs
                              by more than this; default 8 */
    double tolerance;      /* 0-1: largest share of differing pixels that
                              still counts as a match; default 0 */
    const char *highlight; /* path of a highlight PNG to write, or NULL */
} steppe_diff_opts_t;

typedef struct steppe_diff_result {
    int width_a, height_a; /* sizes of the two images */
    int width_b, height_b;
    bool same_size;     /* false: nothing else below is meaningful
                           except match (false) and share (1) */
    uint64_t differing; /* pixels that differ by more than threshold */
    uint64_t total;     /* width * height */
    double share;       /* differing / total (1 when sizes differ) */
    int max_delta;      /* largest channel difference seen, 0-255 */
    int x0, y0, x1, y1; /* bounding box of the differing pixels,
                           inclusive; all -1 when none differ */
    bool match;         /* same size and share <= tolerance */
} steppe_diff_result_t;

/* Fills opts with the defaults: threshold 8, tolerance 0, no highlight. */
STEPPE_API void steppe_diff_opts_init(steppe_diff_opts_t *opts);

/*
 * Compares the PNG files a and b.
 *   opts:   NULL for the defaults.
 *   result: filled on STEPPE_OK; images of different sizes are a completed
 *           comparison (same_size false, match false), not an error. The
 *           highlight image is written only when the sizes agree, atomically.
 * Returns STEPPE_OK; STEPPE_ERR_USAGE for options out of range;
 * STEPPE_ERR_DATA_OPEN when a file cannot be opened; STEPPE_ERR_DATA_CORRUPT
 * when it is not a readable PNG; STEPPE_ERR_LIMIT for an image over 2^28
 * pixels; STEPPE_ERR_IO when the highlight cannot be written;
 * STEPPE_ERR_NOMEM. The message is recorded in ctx.
 */
STEPPE_API steppe_status_t steppe_diff_png(steppe_ctx_t *ctx, const char *a, const char *b,
                                           const steppe_diff_opts_t *opts, steppe_diff_result_t *result);

#ifdef __cplusplus
}
#endif
#endif
