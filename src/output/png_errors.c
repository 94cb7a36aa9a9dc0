#include "png_errors.h"

#include <stdio.h>

void st_png_on_error(png_structp png, png_const_charp msg)
{
    st_png_errors *es = png_get_error_ptr(png);
    snprintf(es->msg, sizeof es->msg, "%s", msg);
    png_longjmp(png, 1);
}

void st_png_on_warning(png_structp png, png_const_charp msg)
{
    st_png_errors *es = png_get_error_ptr(png);
    if (es->ctx)
        st_warn(es->ctx, "%s: libpng: %s", es->path, msg);
}

steppe_status_t st_png_create(steppe_ctx_t *ctx, const char *path, bool write, FILE *fp, st_png_errors *es,
                              png_structp *png, png_infop *info)
{
    *info = NULL;
    *png = write ? png_create_write_struct(PNG_LIBPNG_VER_STRING, es, st_png_on_error, st_png_on_warning)
                 : png_create_read_struct(PNG_LIBPNG_VER_STRING, es, st_png_on_error, st_png_on_warning);
    if (*png)
        *info = png_create_info_struct(*png);
    if (!*png || !*info)
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory for the PNG %s", path,
                        write ? "writer" : "reader");
    png_init_io(*png, fp);
    return STEPPE_OK;
}
