/* Private: libpng's error and warning handlers, shared by the PNG writer
 * (output_png.c) and the image comparison's reader (diff.c).
 *
 * libpng reports through callbacks, and steppe's print nothing: the error
 * handler keeps libpng's message for the function that set up the
 * setjmp, which reports it once after the longjmp; warnings go to the
 * context. */
#ifndef ST_PNG_ERRORS_H
#define ST_PNG_ERRORS_H

#include <png.h>
#include <stdbool.h>
#include <stdio.h>

#include "ctx.h"

/* What the handlers see: png_create_*_struct()'s error_ptr. */
typedef struct st_png_errors {
    steppe_ctx_t *ctx; /* warnings are logged here; NULL drops them */
    const char *path;  /* the file, for warnings */
    char msg[256];     /* libpng's last error */
} st_png_errors;

/* The error handler: libpng's message into msg, then the longjmp back. */
void st_png_on_error(png_structp png, png_const_charp msg);

/* The warning handler: "PATH: libpng: message" as a warning, or nothing
 * when ctx is NULL (a comparison ignores what libpng says of ancillary
 * chunks: an iCCP profile it dislikes, a bad tEXt keyword, so that
 * comparing a foreign reference image does not spray warnings). */
void st_png_on_warning(png_structp png, png_const_charp msg);

/* libpng's reader (write false) or writer for fp and its info struct,
 * reporting through es with the handlers above. When memory runs out:
 * "PATH: out of memory for the PNG reader/writer" through ctx; *png may
 * then be set and *info NULL, and the caller destroys what is set, as
 * after any other failure. */
steppe_status_t st_png_create(steppe_ctx_t *ctx, const char *path, bool write, FILE *fp, st_png_errors *es,
                              png_structp *png, png_infop *info);

#endif
