/* Private: libpng's error handling, shared by the PNG writer (output_png.c)
 * and the image comparison's reader (diff.c).
 *
 * libpng reports an error by calling a handler that must not return, and
 * steppe's handlers print nothing: the message is kept and the handler
 * longjmps back to st_png_run(), the one place in steppe that calls
 * setjmp for libpng (as cairo's write_png() in src/cairo-png.c keeps it in
 * one function), which reports it once. The caller's libpng steps are a
 * plain function run from there, so no caller needs volatile locals. */
#ifndef ST_PNG_ERRORS_H
#define ST_PNG_ERRORS_H

#include <png.h>
#include <stdbool.h>
#include <stdio.h>

#include "ctx.h"

/* One file's libpng steps on png and info (their I/O already on the
 * file), reporting their own errors through ctx with path. What they
 * allocate they hand to user at once, so that the caller frees it also
 * when libpng fails midway (the function is then left without returning). */
typedef steppe_status_t (*st_png_steps)(png_structp png, png_infop info, steppe_ctx_t *ctx, const char *path,
                                        void *user);

/* Makes libpng's reader (write false) or writer for fp and runs
 * steps(png, info, ctx, path, user) with libpng's errors caught, then
 * destroys the reader or writer. Returns steps' status, or the one error
 * reported: "PATH: out of memory for the PNG reader/writer"
 * (STEPPE_ERR_NOMEM); when libpng fails, "PATH: cannot write PNG: MESSAGE"
 * (STEPPE_ERR_IO) or, reading, "PATH: unreadable PNG: MESSAGE"
 * (STEPPE_ERR_DATA_CORRUPT). A writer's libpng warnings are logged as
 * "PATH: libpng: MESSAGE"; a reader's are dropped (the comparison reads
 * foreign reference images and ignores what libpng says of their ancillary
 * chunks: an iCCP profile it dislikes, a bad tEXt keyword). */
steppe_status_t st_png_run(steppe_ctx_t *ctx, const char *path, bool write, FILE *fp, st_png_steps steps,
                           void *user);

#endif
