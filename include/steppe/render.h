/*
 * steppe/render.h — rendering a map model to files.
 *
 * Design note: one call renders one map to one or more outputs. Data is read,
 * filtered, generalised and projected once per render, whatever the number of
 * outputs; the format follows each output's extension (.png, .svg, .pdf).
 * Every output is written to a temporary file beside its target and renamed
 * into place only when complete, so a failed render leaves no partial file and
 * the previous output untouched.
 */
#ifndef STEPPE_RENDER_H
#define STEPPE_RENDER_H

#include <steppe/export.h>
#include <stddef.h>
#include <steppe/style.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Progress: called with done steps of total (layers read, outputs written;
 * atlas pages), never concurrently. */
typedef void (*steppe_progress_fn)(void *user, size_t done, size_t total);

typedef struct steppe_render_opts {
    const char *const *outputs; /* n_outputs paths; not owned */
    size_t n_outputs;
    int width;                   /* >0 overrides the style's width in pixels */
    int height;                  /* >0 overrides the style's height in pixels */
    double dpi;                  /* >0 overrides the style's dpi */
    double max_pixels;           /* canvas limit; 0 means the default (200e6) */
    int png_level;               /* zlib level 0-9; -1 means the default */
    const char *report;          /* path of a JSON render report, or NULL */
    steppe_progress_fn progress; /* NULL, or told as layers and outputs complete */
    void *progress_user;
} steppe_render_opts_t;

/* Fills opts with defaults: no outputs, no overrides, default limits. */
STEPPE_API void steppe_render_opts_init(steppe_render_opts_t *opts);

/*
 * Renders style to every output in opts.
 * Returns STEPPE_OK; STEPPE_ERR_USAGE for an unknown extension or an output
 * that equals an input file; STEPPE_ERR_LIMIT for a canvas over max_pixels;
 * STEPPE_ERR_DATA_* when a source cannot be read; STEPPE_ERR_IO when an output
 * cannot be written. The message is recorded in ctx. Bad features are skipped
 * with a warning and do not fail the render.
 */
STEPPE_API steppe_status_t steppe_render(steppe_ctx_t *ctx, const steppe_style_t *style,
                                         const steppe_render_opts_t *opts);

/*
 * Checks opts' outputs and report before anything is drawn, as the steppe
 * tool does before steppe_render(): each extension names a format; no
 * output or report is a file the style reads (the style, its extends
 * chain, every source and a Shapefile's .shx/.dbf/.prj/.cpg), by device and
 * inode or by canonical path ("x", "./x" and "sub/../x" are one file); no
 * two of them are the same file; none exists as a read-only file, a folder
 * or a non-regular file. Returns STEPPE_OK, STEPPE_ERR_USAGE (a clash or a
 * format) or STEPPE_ERR_IO (a target that cannot be replaced); the message
 * is recorded in ctx. Nothing is written.
 */
STEPPE_API steppe_status_t steppe_render_check(steppe_ctx_t *ctx, const steppe_style_t *style,
                                               const steppe_render_opts_t *opts);

#ifdef __cplusplus
}
#endif
#endif
