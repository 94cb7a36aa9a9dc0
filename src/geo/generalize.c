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

/* The first vertex of xy(i..j) exclusive farthest from the chord a + t·d
 * and its squared distance (-1 and i when there is none, or every distance
 * is NaN), one vertex at a time. */
static size_t farthest_scalar(const double *xy, size_t i, size_t j, double ax, double ay, double dx,
                              double dy, double inv_len2, double *best_out)
{
    double best = -1;
    size_t m = i;
    for (size_t k = i + 1; k < j; k++) {
        double d = seg_dist2(xy[2 * k], xy[2 * k + 1], ax, ay, dx, dy, inv_len2);
        if (d > best) {
            best = d;
            m = k;
        }
    }
    *best_out = best;
    return m;
}

#if defined(__GNUC__) && (defined(__clang__) || __GNUC__ >= 12)
/* The same scan four vertices at a time, with GCC's vector extensions
 * (SSE2 pairs by default; AVX2 where the processor has it, chosen at load
 * time). It was a tenth of W2's CPU time. Every lane computes exactly what
 * seg_dist2() computes, operation for operation (ISO C mode: no fused
 * multiply-add), and keeps its own first maximum; the lanes' maxima are
 * then merged by value, ties going to the smaller index, and the leftover
 * vertices follow one at a time: the vertex found is the scalar one. */
typedef double v4d __attribute__((vector_size(32)));
typedef long long v4i __attribute__((vector_size(32)));

/* yes where mask is set, else no (C has no ?: on vectors). A macro: a
 * function returning a 32-byte vector has another ABI with AVX than
 * without. */
#define PICK(mask, yes, no) ((v4d)(((v4i)(yes) & (mask)) | ((v4i)(no) & ~(mask))))

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__)
__attribute__((target_clones("avx2", "default")))
#endif
static size_t
farthest(const double *xy, size_t i, size_t j, double ax, double ay, double dx, double dy, double inv_len2,
         double *best_out)
{
    size_t k = i + 1;
    if (j - k < 8)
        return farthest_scalar(xy, i, j, ax, ay, dx, dy, inv_len2, best_out);
    const v4d vax = {ax, ax, ax, ax}, vay = {ay, ay, ay, ay};
    const v4d vdx = {dx, dx, dx, dx}, vdy = {dy, dy, dy, dy};
    const v4d vinv = {inv_len2, inv_len2, inv_len2, inv_len2};
    const v4d zero = {0, 0, 0, 0}, one = {1, 1, 1, 1};
    v4d best = {-1, -1, -1, -1};
    v4i at = {(long long)i, (long long)i, (long long)i, (long long)i};
    v4i idx = {(long long)k, (long long)k + 1, (long long)k + 2, (long long)k + 3};
    const v4i four = {4, 4, 4, 4};
    for (; k + 4 <= j; k += 4) {
        v4d lo, hi;
        memcpy(&lo, xy + 2 * k, sizeof lo);
        memcpy(&hi, xy + 2 * k + 4, sizeof hi);
        v4d px = __builtin_shufflevector(lo, hi, 0, 2, 4, 6);
        v4d py = __builtin_shufflevector(lo, hi, 1, 3, 5, 7);
        v4d t = ((px - vax) * vdx + (py - vay) * vdy) * vinv;
        t = PICK(t < zero, zero, PICK(t > one, one, t));
        v4d ex = vax + t * vdx - px;
        v4d ey = vay + t * vdy - py;
        v4d d = ex * ex + ey * ey;
        v4i more = d > best;
        best = PICK(more, d, best);
        at = (at & ~more) | (idx & more);
        idx += four;
    }
    double b = best[0];
    size_t m = (size_t)at[0];
    for (int l = 1; l < 4; l++) {
        if (best[l] > b || (best[l] == b && (size_t)at[l] < m)) {
            b = best[l];
            m = (size_t)at[l];
        }
    }
    for (; k < j; k++) {
        double d = seg_dist2(xy[2 * k], xy[2 * k + 1], ax, ay, dx, dy, inv_len2);
        if (d > b) {
            b = d;
            m = k;
        }
    }
    *best_out = b;
    return m;
}
#else
#define farthest farthest_scalar
#endif

/* The segment from xy[i] to xy[j] as the scans take it: start, direction
 * and 1 / |direction|² (0 when the two points coincide). */
typedef struct chord {
    double ax, ay, dx, dy, inv_len2;
} chord;

static inline chord chord_of(const double *xy, size_t i, size_t j)
{
    chord c = {xy[2 * i], xy[2 * i + 1], 0, 0, 0};
    c.dx = xy[2 * j] - c.ax;
    c.dy = xy[2 * j + 1] - c.ay;
    double len2 = c.dx * c.dx + c.dy * c.dy;
    c.inv_len2 = len2 > 0 ? 1 / len2 : 0;
    return c;
}

size_t st_generalize_farthest(const double *xy, size_t i, size_t j, bool vector, double *best)
{
    chord c = chord_of(xy, i, j);
    if (vector)
        return farthest(xy, i, j, c.ax, c.ay, c.dx, c.dy, c.inv_len2, best);
    return farthest_scalar(xy, i, j, c.ax, c.ay, c.dx, c.dy, c.inv_len2, best);
}

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
        chord c = chord_of(xy, i, j);
        double ax = c.ax, ay = c.ay, dx = c.dx, dy = c.dy, inv_len2 = c.inv_len2;
        double best = -1;
        size_t m = i;
        work += j - i - 1;
        if (work <= budget) {
            m = farthest(xy, i, j, ax, ay, dx, dy, inv_len2, &best);
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
