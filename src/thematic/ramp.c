/* Colour ramps by name: ColorBrewer and the viridis family, OKLab
 * interpolation between published colours (see ramp.h). */
#include "ramp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctx.h"
#include "names.h"
#include "ramp_data.inc" /* written by the build from ramps.csv */

#define NRAMPS (sizeof ramp_defs / sizeof ramp_defs[0])

const st_ramp_def *st_ramp_find(const char *name)
{
    for (size_t i = 0; i < NRAMPS; i++) {
        if (strcasecmp(name, ramp_defs[i].name) == 0)
            return &ramp_defs[i];
    }
    return NULL;
}

const char *st_ramp_suggest(const char *name)
{
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; i < NRAMPS; i++) {
        size_t d = st_edit_distance(name, ramp_defs[i].name, true);
        if (d < bestd) {
            bestd = d;
            best = ramp_defs[i].name;
        }
    }
    /* A typo changes a letter or two; beyond a third of the name it is
     * another word. */
    size_t len = strlen(name);
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    return bestd <= limit ? best : NULL;
}

/* ---- OKLab (Björn Ottosson, "A perceptual color space for image processing",
 * 2020), with the sRGB transfer curve of IEC 61966-2-1. */

static double srgb_to_linear(double c)
{
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double linear_to_srgb(double c)
{
    return c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1 / 2.4) - 0.055;
}

void st_oklab_from_rgb(uint32_t rgb, double lab[3])
{
    double r = srgb_to_linear(((rgb >> 16) & 0xff) / 255.0);
    double g = srgb_to_linear(((rgb >> 8) & 0xff) / 255.0);
    double b = srgb_to_linear((rgb & 0xff) / 255.0);
    double l = cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
    double m = cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
    double s = cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
    lab[0] = 0.2104542553 * l + 0.7936177850 * m - 0.0040720468 * s;
    lab[1] = 1.9779984951 * l - 2.4285922050 * m + 0.4505937099 * s;
    lab[2] = 0.0259040371 * l + 0.7827717662 * m - 0.8086757660 * s;
}

static uint32_t channel(double linear)
{
    double c = linear_to_srgb(linear < 0 ? 0 : linear) * 255 + 0.5;
    if (c < 0)
        c = 0;
    if (c > 255)
        c = 255;
    return (uint32_t)c;
}

uint32_t st_rgb_from_oklab(const double lab[3])
{
    double l = lab[0] + 0.3963377774 * lab[1] + 0.2158037573 * lab[2];
    double m = lab[0] - 0.1055613458 * lab[1] - 0.0638541728 * lab[2];
    double s = lab[0] - 0.0894841775 * lab[1] - 1.2914855480 * lab[2];
    l = l * l * l;
    m = m * m * m;
    s = s * s * s;
    double r = 4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s;
    double g = -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s;
    double b = -0.0041960863 * l - 0.7034186147 * m + 1.7076147010 * s;
    return channel(r) << 16 | channel(g) << 8 | channel(b);
}

/* k colours evenly along the polyline through list's colours in OKLab; the
 * ends are list's ends exactly. */
static void sample(const uint32_t *list, size_t n, int k, uint32_t *out)
{
    for (int i = 0; i < k; i++) {
        double pos = k == 1 ? 0 : (double)i * (double)(n - 1) / (k - 1);
        size_t a = (size_t)pos;
        if (a >= n - 1) {
            out[i] = list[n - 1];
            continue;
        }
        double f = pos - (double)a;
        if (f == 0) {
            out[i] = list[a];
            continue;
        }
        double la[3];
        double lb[3];
        double mix[3];
        st_oklab_from_rgb(list[a], la);
        st_oklab_from_rgb(list[a + 1], lb);
        for (int c = 0; c < 3; c++)
            mix[c] = la[c] + f * (lb[c] - la[c]);
        out[i] = st_rgb_from_oklab(mix);
    }
}

static void reverse_in_place(uint32_t *c, int k)
{
    for (int i = 0, j = k - 1; i < j; i++, j--) {
        uint32_t t = c[i];
        c[i] = c[j];
        c[j] = t;
    }
}

static const char *sep(const char *where)
{
    return where ? ": " : "";
}

steppe_status_t st_ramp_colours(steppe_ctx_t *ctx, const char *name, int k, bool reverse, uint32_t *out,
                                const char *where)
{
    const char *w = where ? where : "";
    const st_ramp_def *d = st_ramp_find(name);
    if (!d) {
        const char *near = st_ramp_suggest(name);
        if (near)
            return st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                            "%s%sramp: no colour ramp called '%s'; did you mean '%s'?", w, sep(where), name,
                            near);
        return st_error(
            ctx, STEPPE_ERR_STYLE_VALUE,
            "%s%sramp: no colour ramp called '%s' (ColorBrewer names such as YlOrRd, RdBu, Set3, or "
            "viridis, magma, inferno, plasma, cividis)",
            w, sep(where), name);
    }
    if (k < 1 || k > ST_RAMP_MAX)
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%s%sramp: %d colours asked of %s; a ramp gives 1 to %d",
                        w, sep(where), k, d->name, ST_RAMP_MAX);
    if (d->kind == ST_RAMP_CONTINUOUS) {
        sample(d->colours, (size_t)d->max, k, out);
    } else if (d->kind == ST_RAMP_QUALITATIVE) {
        /* ColorBrewer's qualitative palette at k classes is the first k
         * colours of its largest one, which is all the table holds. */
        if (k > d->max)
            return st_error(
                ctx, STEPPE_ERR_STYLE_VALUE,
                "%s%sramp: %s is qualitative and has at most %d colours, %d asked; use fewer classes or "
                "list the colours",
                w, sep(where), d->name, d->max, k);
        memcpy(out, d->colours, sizeof *out * (size_t)k);
    } else {
        /* Palettes for 3, 4, ..., max classes lie one after another. */
        int n = k < d->min ? d->min : (k > d->max ? d->max : k);
        size_t offset = 0;
        for (int c = d->min; c < n; c++)
            offset += (size_t)c;
        const uint32_t *pal = d->colours + offset;
        if (k == n)
            memcpy(out, pal, sizeof *out * (size_t)k);
        else
            sample(pal, (size_t)n, k, out);
    }
    if (reverse)
        reverse_in_place(out, k);
    return STEPPE_OK;
}

steppe_status_t st_ramp_from_list(steppe_ctx_t *ctx, const uint32_t *list, size_t n, int k, bool reverse,
                                  uint32_t *out, const char *where)
{
    const char *w = where ? where : "";
    if (k < 1 || k > ST_RAMP_MAX)
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%s%scolours: %d colours asked; a ramp gives 1 to %d", w,
                        sep(where), k, ST_RAMP_MAX);
    if (n == 0 || (n == 1 && k > 1))
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                        "%s%scolours: %zu colour%s given for %d classes; give %d, or at "
                        "least 2 to interpolate between",
                        w, sep(where), n, n == 1 ? "" : "s", k, k);
    if (n == (size_t)k)
        memcpy(out, list, sizeof *out * n);
    else
        sample(list, n, k, out);
    if (reverse)
        reverse_in_place(out, k);
    return STEPPE_OK;
}
