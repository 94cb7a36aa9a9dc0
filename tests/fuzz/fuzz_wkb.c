/* libFuzzer target: the WKB decoder (st_wkb_decode), as the GeoPackage and
 * PostGIS drivers call it, on the whole input as one blob. What a
 * successful decode returns is walked completely: counts within what the
 * blob can hold (a point is at least 16 bytes of it), part starts
 * increasing and inside the points, every coordinate finite, every ring
 * closed with at least 4 points. A failure leaves a one-line reason. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "wkb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_arena *arena = st_arena_create(0);
    if (!arena)
        return 0;
    st_wkb_geom g;
    char why[256];
    st_wkb_status st = st_wkb_decode(data, size, arena, &g, why, sizeof why);
    if (st == ST_WKB_OK) {
        fz_require((size_t)g.npoints * 16 <= size, "more points than the blob can hold");
        fz_require((size_t)g.nparts * 4 <= size, "more parts than the blob can hold");
        fz_require(g.nparts == 0 || (g.parts && g.xy), "parts without arrays");
        fz_require((g.nparts == 0) == (g.type == ST_GEOM_NONE),
                   "an empty geometry with a type, or the reverse");
        for (uint32_t p = 0; p < g.nparts; p++) {
            uint32_t start = g.parts[p];
            uint32_t end = p + 1 < g.nparts ? g.parts[p + 1] : g.npoints;
            fz_require(start < end && end <= g.npoints, "a part outside the points, or empty");
            if (g.type == ST_GEOM_POLYGON) {
                fz_require(end - start >= 4, "a ring of fewer than 4 points");
                fz_require(g.xy[2 * start] == g.xy[2 * (end - 1)] &&
                               g.xy[2 * start + 1] == g.xy[2 * (end - 1) + 1],
                           "a ring not closed");
            }
            if (g.type == ST_GEOM_POINT)
                fz_require(end - start == 1, "a point part of several points");
        }
        for (uint32_t i = 0; i < 2 * g.npoints; i++)
            fz_require(isfinite(g.xy[i]), "a non-finite coordinate");
        /* Validation alone agrees with the full decode. */
        st_wkb_geom v;
        fz_require(st_wkb_decode(data, size, NULL, &v, NULL, 0) == ST_WKB_OK && v.npoints == g.npoints &&
                       v.nparts == g.nparts,
                   "validation and decoding disagree");
    } else if (st == ST_WKB_BAD) {
        fz_require(why[0] != '\0' && !strchr(why, '\n'), "a failure without a one-line reason");
    }
    st_arena_destroy(arena);
    return 0;
}
