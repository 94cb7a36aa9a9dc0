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
