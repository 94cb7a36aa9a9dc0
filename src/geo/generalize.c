/* Generalisation in pixels: Douglas–Peucker per part, in chunks. */
#include "generalize.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Longest run handed to one Douglas–Peucker call. DP is O(n log n) on
 * typical lines but O(n^2) on adversarial ones (spirals); bounding the run
 * bounds the worst case to O(n * CHUNK). A chunk boundary is a kept vertex,
 * which is invisible at sub-pixel tolerance. */
#define CHUNK 2048

/* Squared distance from p to the segment a + t·d, t in [0, 1]; inv_len2 is
 * 1 / |d|² (0 for a degenerate segment), computed once per segment since
 * this runs for every vertex of every layer. */
static inline double seg_dist2(double px, double py, double ax, double ay, double dx, double dy,
                               double inv_len2)
{
    double t = ((px - ax) * dx + (py - ay) * dy) * inv_len2;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double ex = ax + t * dx - px;
    double ey = ay + t * dy - py;
    return ex * ex + ey * ey;
}

/* Marks in keep[] the vertices of xy[a..b] that Douglas–Peucker keeps at
 * tolerance tol2 (squared). keep[a] and keep[b] must be set by the caller.
 * stack has room for 2 * (b - a + 1) entries.
 *
 * Plain Douglas–Peucker splits at the farthest vertex, which on some inputs
 * (a sawtooth whose teeth are all as far from the chord, a spiral) is next
 * to an end every time: n splits of n vertices each, O(n^2). The vertices
 * scanned are counted against a budget of BUDGET · n · log2 n, more than
 * ordinary lines ever use (so their result is exactly Douglas–Peucker's);
 * past it, a split must leave at least a quarter of the run on each side:
 * the farthest vertex in the middle half is taken instead. That keeps the
 * depth logarithmic, O(n log n) in all, and the result still within the
 * tolerance (a run is only dropped when all of it is within tol of its
 * chord, whichever vertex a split was made at). */
#define BUDGET 4

static void dp(const double *xy, size_t a, size_t b, double tol2, uint8_t *keep, size_t *stack)
{
    size_t sp = 0;
    size_t n = b - a + 1;
    size_t lg = 1;
    while (((size_t)1 << lg) < n)
        lg++;
    size_t budget = BUDGET * n * lg;
    size_t work = 0;
    stack[sp++] = a;
    stack[sp++] = b;
    while (sp) {
        size_t j = stack[--sp];
        size_t i = stack[--sp];
        if (j <= i + 1)
            continue;
        double ax = xy[2 * i], ay = xy[2 * i + 1];
        double dx = xy[2 * j] - ax, dy = xy[2 * j + 1] - ay;
        double len2 = dx * dx + dy * dy;
        double inv_len2 = len2 > 0 ? 1 / len2 : 0;
        double best = -1;
        size_t m = i;
        work += j - i - 1;
        if (work <= budget) {
            for (size_t k = i + 1; k < j; k++) {
                double d = seg_dist2(xy[2 * k], xy[2 * k + 1], ax, ay, dx, dy, inv_len2);
                if (d > best) {
                    best = d;
                    m = k;
                }
            }
        } else {
            /* Balanced: the farthest vertex overall decides whether to
             * split, the farthest in the middle half where. */
            size_t lo = i + (j - i) / 4, hi = j - (j - i) / 4;
            double mid_best = -1;
            for (size_t k = i + 1; k < j; k++) {
                double d = seg_dist2(xy[2 * k], xy[2 * k + 1], ax, ay, dx, dy, inv_len2);
                if (d > best)
                    best = d;
                if (k >= lo && k <= hi && d > mid_best) {
                    mid_best = d;
                    m = k;
                }
            }
        }
        if (best > tol2) {
            keep[m] = 1;
            stack[sp++] = i;
            stack[sp++] = m;
            stack[sp++] = m;
            stack[sp++] = j;
        }
    }
}

size_t st_generalize_px(st_featureset *fs, double tol_px)
{
    if (fs->type != ST_GEOM_LINE && fs->type != ST_GEOM_POLYGON)
        return 0;
    size_t removed = 0;
    size_t cap = 0;
    uint8_t *keep = NULL;
    size_t *stack = NULL;
    const double tol2 = tol_px * tol_px;
    bool ring = fs->type == ST_GEOM_POLYGON;
    for (size_t fi = 0; fi < fs->n; fi++) {
        st_feature *f = &fs->feat[fi];
        if (f->npoints < 3)
            continue;
        if (f->npoints > cap) {
            free(keep);
            free(stack);
            cap = f->npoints;
            keep = malloc(cap);
            stack = malloc(2 * (CHUNK + 1) * sizeof *stack);
            if (!keep || !stack) {
                /* Out of memory: leave the remaining features as they are. */
                free(keep);
                free(stack);
                return removed;
            }
        }
        memset(keep, 0, f->npoints);
        for (uint32_t p = 0; p < f->nparts; p++) {
            size_t a = st_part_begin(f, p);
            size_t b = st_part_end(f, p);
            if (b <= a)
                continue;
            size_t last = b - 1;
            keep[a] = keep[last] = 1;
            if (ring && last > a + 1) {
                /* A closed ring's endpoints coincide: anchor a second point,
                 * the middle one, so the ring cannot collapse to a line. */
                keep[a + (last - a) / 2] = 1;
            }
            if (f->cut) {
                for (size_t k = a; k < last; k++) {
                    if (f->cut[k])
                        keep[k] = keep[k + 1] = 1;
                }
            }
            for (size_t k = a; k < last; k += CHUNK)
                keep[k] = 1;
            /* Douglas–Peucker between consecutive anchors. */
            size_t s = a;
            for (size_t k = a + 1; k <= last; k++) {
                if (!keep[k])
                    continue;
                dp(f->xy, s, k, tol2, keep, stack);
                s = k;
            }
            if (ring) {
                size_t n = 0;
                for (size_t k = a; k <= last; k++)
                    n += keep[k];
                /* Fewer than 4 points is no ring: keep it whole (it is at
                 * most a few pixels, so this costs nothing). */
                if (n < 4)
                    memset(keep + a, 1, b - a);
            }
        }
        /* Compact in place; write index never passes the read index. */
        size_t w = 0;
        uint32_t wp = 0;
        for (uint32_t p = 0; p < f->nparts; p++) {
            size_t a = st_part_begin(f, p);
            size_t b = st_part_end(f, p);
            f->parts[wp++] = (uint32_t)w;
            for (size_t k = a; k < b; k++) {
                if (!keep[k])
                    continue;
                f->xy[2 * w] = f->xy[2 * k];
                f->xy[2 * w + 1] = f->xy[2 * k + 1];
                if (f->cut) {
                    /* The edge from a kept point to the next kept one is a
                     * cut only if it was one before (cut edges keep both
                     * ends, so no cut edge is ever merged away). */
                    f->cut[w] = f->cut[k];
                }
                w++;
            }
        }
        removed += f->npoints - w;
        f->npoints = (uint32_t)w;
        f->nparts = wp;
    }
    free(keep);
    free(stack);
    return removed;
}
