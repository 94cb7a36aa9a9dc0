/* Private: colour ramps and palettes by name (the "ramp" stage of thematic
 * maps, issue 11).
 *
 * Design note: a ramp gives the k fill colours of k classes. Named ramps are
 * the ColorBrewer schemes (sequential, diverging, qualitative) at their
 * published class counts, and the viridis family (viridis, magma, inferno,
 * plasma, cividis) from its published 256-entry tables; src/thematic/ramps.csv
 * holds the colours and records where they come from and their licences. A ColorBrewer
 * request for a published count returns the published colours exactly.
 * Otherwise the colours are interpolated in OKLab (Ottosson 2020), which is
 * close to perceptually uniform, so the steps between classes look even:
 *   - a sequential or diverging scheme asked for more (or fewer) classes than
 *     it publishes is sampled evenly along its largest palette;
 *   - a viridis-family ramp is sampled at t = 0, 1/(k-1), ..., 1 of its table
 *     (as viridisLite does, to within a unit of rounding);
 *   - an explicit list of colours is used as it is when it has k colours and
 *     sampled evenly along the list otherwise.
 * Qualitative schemes are not interpolated (mixing two category colours
 * gives a colour that means nothing): fewer than 3 classes take the first
 * colours of the 3-class palette, more than published is an error.
 * Names are matched without regard to case ("ylorrd" is YlOrRd).
 *
 * Colours are 0xRRGGBB. Errors go through st_error() with a message written
 * to follow "FILE:LINE:COL: " (where, when given, is put in front of it).
 */
#ifndef ST_RAMP_H
#define ST_RAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <steppe/ctx.h>
#include <steppe/status.h>

typedef enum st_ramp_kind {
    ST_RAMP_SEQUENTIAL,
    ST_RAMP_DIVERGING,
    ST_RAMP_QUALITATIVE,
    ST_RAMP_CONTINUOUS /* the viridis family: a table sampled at any count */
} st_ramp_kind;

/* The most colours a ramp gives (classify.h's ST_CLASS_MAX). */
#define ST_RAMP_MAX 100

typedef struct st_ramp_def {
    const char *name;
    st_ramp_kind kind;
    int min, max; /* published class counts (min = max = 256 for a table) */
    /* Sequential, diverging: the palettes for min, min+1, ..., max classes
     * one after another; qualitative: the max-class palette; continuous:
     * the table. */
    const uint32_t *colours;
} st_ramp_def;

/* The named ramp (case-insensitive), or NULL. */
const st_ramp_def *st_ramp_find(const char *name);

/* The ramp name closest to name (edit distance, case-insensitive) when it is
 * close enough to be a likely typo, else NULL. Static storage. */
const char *st_ramp_suggest(const char *name);

/* Writes the k colours of the ramp called name to out[0..k-1], the last
 * first when reverse is set.
 * Returns STEPPE_OK; STEPPE_ERR_STYLE_VALUE for an unknown name (the message
 * says "did you mean ..." when a name is close), k out of 1..ST_RAMP_MAX, or
 * a qualitative scheme with fewer colours than k. */
steppe_status_t st_ramp_colours(steppe_ctx_t *ctx, const char *name, int k, bool reverse, uint32_t *out,
                                const char *where);

/* Writes k colours made from the n colours of list to out: the list itself
 * when n == k, else k colours sampled evenly along it in OKLab.
 * Returns STEPPE_OK or STEPPE_ERR_STYLE_VALUE (n == 0, or n == 1 and k > 1,
 * or k out of range). */
steppe_status_t st_ramp_from_list(steppe_ctx_t *ctx, const uint32_t *list, size_t n, int k, bool reverse,
                                  uint32_t *out, const char *where);

/* OKLab of an sRGB colour (L in 0..1), and back (rounded, clamped to the
 * sRGB gamut). */
void st_oklab_from_rgb(uint32_t rgb, double lab[3]);
uint32_t st_rgb_from_oklab(const double lab[3]);

#endif
