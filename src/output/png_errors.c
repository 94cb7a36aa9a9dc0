#include "png_errors.h"

#include <setjmp.h>
#include <stdio.h>

/* What the handlers see: png_create_*_struct()'s error_ptr. */
typedef struct png_errors {
    steppe_ctx_t *ctx; /* warnings are logged here; NULL drops them */
    const char *path;  /* the file, for warnings */
    char msg[256];     /* libpng's last error */
} png_errors;

/* libpng's message into msg, then the longjmp back to st_png_run(). */
static void on_error(png_structp png, png_const_charp msg)
{
    png_errors *es = png_get_error_ptr(png);
    snprintf(es->msg, sizeof es->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    png_errors *es = png_get_error_ptr(png);
    if (es->ctx)
        st_warn(es->ctx, "%s: libpng: %s", es->path, msg);
}

/* libpng's reader or writer for fp and its info struct; when memory runs
 * out *png may be set and *info NULL, and the caller destroys what is set. */
static steppe_status_t create(steppe_ctx_t *ctx, const char *path, bool write, FILE *fp, png_errors *es,
                              png_structp *png, png_infop *info)
{
    *info = NULL;
    *png = write ? png_create_write_struct(PNG_LIBPNG_VER_STRING, es, on_error, on_warning)
                 : png_create_read_struct(PNG_LIBPNG_VER_STRING, es, on_error, on_warning);
    if (*png)
        *info = png_create_info_struct(*png);
    if (!*png || !*info)
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory for the PNG %s", path,
                        write ? "writer" : "reader");
    png_init_io(*png, fp);
    return STEPPE_OK;
}

steppe_status_t st_png_run(steppe_ctx_t *ctx, const char *path, bool write, FILE *fp, st_png_steps steps,
                           void *user)
{
    png_errors es = {write ? ctx : NULL, path, ""};
    png_structp png = NULL;
    png_infop info = NULL;
    /* png and info are not changed after setjmp, so they keep their values
     * across the longjmp; status is assigned on both sides (C11 7.13.2.1p3). */
    volatile steppe_status_t status = create(ctx, path, write, fp, &es, &png, &info);
    if (status == STEPPE_OK) {
        if (setjmp(png_jmpbuf(png)))
            status = write ? st_error(ctx, STEPPE_ERR_IO, "%s: cannot write PNG: %s", path, es.msg)
                           : st_error(ctx, STEPPE_ERR_DATA_CORRUPT, "%s: unreadable PNG: %s", path, es.msg);
        else
            status = steps(png, info, ctx, path, user);
    }
    if (write)
        png_destroy_write_struct(&png, &info);
    else
        png_destroy_read_struct(&png, &info, NULL);
    return status;
}
