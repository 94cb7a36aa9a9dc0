/* Polygon fills: exact area coverage, composited OVER a cairo ARGB32 buffer.
 *
 * The coverage of a pixel by a polygon is the integral of the polygon's
 * winding number over the pixel. Sweeping each row from the left, every
 * edge adds its signed height (d, +1 for a full row going down) times the
 * share of a pixel that lies to the right of it, so a row is the running
 * sum of per-column differences, the "signed area" accumulation of font
 * rasterisers (libart, FreeType's smooth rasteriser). For the piece of an
 * edge inside one row, running from x = lo to x = hi, the share of column
 * c to its right, averaged over the piece, is
 *
 *     h(c) = (R(c + 1 - lo) - R(c + 1 - hi)) / (hi - lo),
 *     R(t) = 0 (t <= 0), t²/2 (0 <= t <= 1), t - 1/2 (t >= 1),
 *
 * the integral of clamp(c + 1 - x, 0, 1) over the piece; h is 0 left of the
 * piece and 1 right of it, so the piece changes only columns floor(lo) to
 * floor(hi) + 1. The differences are summed as integers (d * h scaled by
 * 2^16 and rounded, each column's difference taken between rounded running
 * values, so a piece's differences add up to its rounded d exactly): the
 * sum does not depend on the order of the edges, and a pixel's value not on
 * which other rows or columns are drawn. The even-odd rule folds the
 * running winding into 0..1 (a triangle wave of period 2), the non-zero
 * rule clamps its magnitude.
 *
 * Rows are swept once each: edges are bucketed by their first visible row,
 * kept in an active list while they reach the row, and write their
 * differences into one row of integers. A bitmap marks the 16-column blocks
 * written to, so the sweep visits only those; between them the coverage is
 * constant and the run is composited as a span (a plain store where it is
 * whole and the colour opaque). Cost: the rows and columns the edges cross,
 * plus the pixels written; no canvas-sized buffer, and no sort. */
#include "polyfill.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* Fixed point of the accumulated coverage: 1.0 is 2^16. */
#define COV_SHIFT 16
#define COV_ONE (1 << COV_SHIFT)

/* Columns a bit of the written-blocks bitmap stands for. */
#define BLOCK_SHIFT 4
#define BLOCK (1 << BLOCK_SHIFT)

/* Below this width (px) a piece of an edge is treated as vertical. */
#define THIN 1e-9

typedef struct edge {
    double xt, yt; /* the upper end (smaller y) */
    double yb;     /* the lower end's y */
    double dxdy;
    int dir;        /* +1: the segment runs down the buffer, -1: up */
    int row0, row1; /* the first and last rows it reaches within the clip */
    int next;       /* the next edge starting at row0, -1 for none */
} edge;

struct st_polyfill {
    st_px_canvas cv;
    st_px_rect clip;
    uint32_t src; /* premultiplied ARGB32 */
    bool even_odd;
    bool refused; /* a coordinate out of range, or out of memory */
    edge *edges;
    size_t nedges, cap;
    uint64_t *marks; /* a bit per BLOCK columns of acc[1..] written to */
    int32_t *acc;    /* width + 1: [0] for columns left of the clip, [1 + c - clip.x0] for column c */
    size_t nmarks;   /* words of marks */
    int *head;       /* first edge per row, -1 for none */
    int *active;
    st_px_rect dirty;
};

st_polyfill *st_polyfill_create(const st_px_canvas *cv)
{
    st_polyfill *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->cv = *cv;
    f->clip = (st_px_rect){0, 0, cv->width, cv->height};
    /* The row's bitmap, differences and bucket heads in one block: the
     * bitmap first, for its alignment. Sides are at most 32767 (pixel.h),
     * so the sizes cannot overflow. */
    f->nmarks = ((size_t)cv->width + BLOCK - 1) / BLOCK / 64 + 1;
    size_t nacc = (size_t)cv->width + 1;
    f->marks = calloc(1, f->nmarks * sizeof *f->marks + nacc * sizeof *f->acc +
                             (size_t)cv->height * sizeof *f->head);
    if (!f->marks) {
        free(f);
        return NULL;
    }
    f->acc = (int32_t *)(void *)(f->marks + f->nmarks);
    f->head = (int *)(void *)(f->acc + nacc);
    for (int i = 0; i < cv->height; i++)
        f->head[i] = -1;
    return f;
}

void st_polyfill_destroy(st_polyfill *f)
{
    if (!f)
        return;
    free(f->marks); /* and acc and head, in the same block */
    free(f->edges);
    free(f->active);
    free(f);
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void st_polyfill_set_clip(st_polyfill *f, st_px_rect r)
{
    r.x0 = clampi(r.x0, 0, f->cv.width);
    r.x1 = clampi(r.x1, 0, f->cv.width);
    r.y0 = clampi(r.y0, 0, f->cv.height);
    r.y1 = clampi(r.y1, 0, f->cv.height);
    if (r.x0 >= r.x1 || r.y0 >= r.y1)
        r = (st_px_rect){0, 0, 0, 0};
    f->clip = r;
}

void st_polyfill_begin(st_polyfill *f, double r, double g, double b, double a, bool even_odd)
{
    f->nedges = 0;
    f->refused = false;
    f->even_odd = even_odd;
    f->src = st_px_premultiply(r, g, b, a);
}

/* ---- the path ------------------------------------------------------------- */

static bool in_range(double v)
{
    return v >= -ST_POLYFILL_MAX_COORD && v <= ST_POLYFILL_MAX_COORD;
}

static void add_edge(st_polyfill *f, double x0, double y0, double x1, double y1)
{
    if (f->refused)
        return;
    if (!in_range(x0) || !in_range(y0) || !in_range(x1) || !in_range(y1)) {
        f->refused = true;
        return;
    }
    if (y0 == y1)
        return;
    edge e;
    e.dir = y1 > y0 ? 1 : -1;
    if (e.dir > 0) {
        e.xt = x0;
        e.yt = y0;
        e.yb = y1;
    } else {
        e.xt = x1;
        e.yt = y1;
        e.yb = y0;
    }
    e.dxdy = (x1 - x0) / (y1 - y0);
    e.row0 = (int)floor(e.yt);
    e.row1 = (int)ceil(e.yb) - 1;
    if (e.row0 < f->clip.y0)
        e.row0 = f->clip.y0;
    if (e.row1 > f->clip.y1 - 1)
        e.row1 = f->clip.y1 - 1;
    /* Above, below or right of the clip, an edge changes no pixel in it;
     * left of it, it does (the winding of every pixel to its right). */
    if (e.row0 > e.row1 || fmin(x0, x1) >= f->clip.x1)
        return;
    e.next = -1;
    if (f->nedges == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 256;
        edge *p = cap <= SIZE_MAX / sizeof *p ? realloc(f->edges, cap * sizeof *p) : NULL;
        if (!p) {
            f->refused = true;
            return;
        }
        f->edges = p;
        f->cap = cap;
    }
    f->edges[f->nedges++] = e;
}

void st_polyfill_add_ring(st_polyfill *f, const double *xy, size_t n, double dx, double dy)
{
    if (n == 0)
        return;
    double x0 = xy[0] + dx;
    double y0 = xy[1] + dy;
    double px = x0;
    double py = y0;
    for (size_t i = 1; i < n; i++) {
        double x = xy[2 * i] + dx;
        double y = xy[2 * i + 1] + dy;
        add_edge(f, px, py, x, y);
        px = x;
        py = y;
    }
    add_edge(f, px, py, x0, y0);
}

/* ---- coverage of one row -------------------------------------------------- */

/* x rounded to the nearest integer, halves away from zero (lround()
 * without the call). */
static int32_t round_i32(double x)
{
    return x >= 0 ? (int32_t)(x + 0.5) : -(int32_t)(0.5 - x);
}

static inline double ramp_integral(double t)
{
    return t <= 0 ? 0 : t < 1 ? 0.5 * t * t : t - 0.5;
}

/* The share of column c right of the piece [lo, hi], averaged over it;
 * inv is 1 / (hi - lo), or 0 for a thin piece, taken at its middle. */
static inline double right_share(double c, double lo, double hi, double mid, double inv)
{
    if (c + 1 <= lo)
        return 0;
    if (c >= hi)
        return 1;
    if (inv == 0) {
        double v = c + 1 - mid;
        return v < 0 ? 0 : v > 1 ? 1 : v;
    }
    return (ramp_integral(c + 1 - lo) - ramp_integral(c + 1 - hi)) * inv;
}

/* Marks the blocks holding acc[i0..i1] (i0 >= 1) as written to. */
static void mark_range(st_polyfill *f, int i0, int i1)
{
    size_t b1 = (size_t)(i1 - 1) >> BLOCK_SHIFT;
    for (size_t b = (size_t)(i0 - 1) >> BLOCK_SHIFT; b <= b1; b++)
        f->marks[b / 64] |= (uint64_t)1 << (b % 64);
}

/* Adds the piece of an edge within one row, from x = xa to xb, of signed
 * height d (-1..1), to the row's differences. */
static void add_piece(st_polyfill *f, double xa, double xb, double d)
{
    double lo = fmin(xa, xb);
    double hi = fmax(xa, xb);
    double mid = 0.5 * (xa + xb);
    double inv = hi - lo < THIN ? 0 : 1 / (hi - lo);
    double scaled = d * COV_ONE;
    int x0 = f->clip.x0;
    int c0 = (int)floor(lo);
    int c1 = (int)floor(hi) + 1; /* the first column wholly right of it */
    int last = c1 < f->clip.x1 - 1 ? c1 : f->clip.x1 - 1;
    int c = c0;
    int32_t prev = 0;
    if (c < x0) {
        /* Everything left of the clip is one column: what the piece adds
         * up to there. */
        c = x0;
        prev = round_i32(scaled * right_share(c - 1, lo, hi, mid, inv));
        f->acc[0] += prev;
    }
    if (c > last)
        return;
    int32_t *acc = f->acc + (1 - x0);
    for (int k = c; k <= last; k++) {
        int32_t v = round_i32(scaled * right_share(k, lo, hi, mid, inv));
        acc[k] += v - prev;
        prev = v;
    }
    mark_range(f, c - x0 + 1, last - x0 + 1);
}

static void dirty_add(st_polyfill *f, int x0, int x1, int y)
{
    st_px_rect *d = &f->dirty;
    if (d->x0 == d->x1) {
        *d = (st_px_rect){x0, y, x1, y + 1};
        return;
    }
    d->x0 = x0 < d->x0 ? x0 : d->x0;
    d->x1 = x1 > d->x1 ? x1 : d->x1;
    d->y1 = y + 1;
}

/* 0..255 from the running winding s. */
static uint32_t coverage(const st_polyfill *f, int32_t s)
{
    uint32_t a = s < 0 ? (uint32_t)0 - (uint32_t)s : (uint32_t)s;
    if (f->even_odd) {
        a &= 2 * COV_ONE - 1;
        if (a > COV_ONE)
            a = 2 * COV_ONE - a;
    } else if (a > COV_ONE) {
        a = COV_ONE;
    }
    return (a * 255 + COV_ONE / 2) >> COV_SHIFT;
}

/* Composites columns x0..x1-1 of row at coverage m (1..255). */
static void span(uint32_t *restrict row, int x0, int x1, uint32_t src, uint32_t m)
{
    if (m == 255 && src >> 24 == 255) {
        /* Most of a fill's time is here, storing its inside: glibc's
         * wmemset() stores 4-byte values with the widest vectors the CPU
         * has (wchar_t is int on this ABI, a type uint32_t may alias). */
        _Static_assert(sizeof(wchar_t) == sizeof(uint32_t), "wchar_t is 32 bits");
        wmemset((wchar_t *)(void *)(row + x0), (wchar_t)src, (size_t)(x1 - x0));
    } else {
        for (int x = x0; x < x1; x++)
            row[x] = st_px_over(row[x], src, m);
    }
}

/* Sweeps row y: the running sum of its differences, composited, and the
 * differences cleared for the next row. */
static void sweep(st_polyfill *f, int y)
{
    uint32_t *row = (uint32_t *)(void *)(f->cv.data + (size_t)y * (size_t)f->cv.stride);
    uint32_t *next =
        y + 2 < f->clip.y1 ? (uint32_t *)(void *)((unsigned char *)row + 2 * (size_t)f->cv.stride) : NULL;
    const uint32_t src = f->src;
    const bool opaque = src >> 24 == 255;
    const int x0 = f->clip.x0;
    const int x1 = f->clip.x1;
    int32_t *acc = f->acc;
    int32_t s = acc[0];
    acc[0] = 0;
    int x = x0;
    int lo = x1; /* the columns written */
    int hi = x0;
    for (size_t w = 0; w < f->nmarks; w++) {
        uint64_t bits = f->marks[w];
        f->marks[w] = 0;
        while (bits) {
            int b = (int)(w * 64) + __builtin_ctzll(bits);
            bits &= bits - 1;
            int bx0 = x0 + b * BLOCK;
            int bx1 = bx0 + BLOCK < x1 ? bx0 + BLOCK : x1;
            if (next) {
                /* Edges move little from row to row: the next row's
                 * pixels here are likely written too, and the canvas is
                 * far larger than the caches. */
                __builtin_prefetch(next + bx0, 1);
            }
            uint32_t m = coverage(f, s);
            if (m && x < bx0) {
                span(row, x, bx0, src, m);
                lo = x < lo ? x : lo;
                hi = bx0;
            }
            bool drawn = false;
            for (int c = bx0; c < bx1; c++) {
                int32_t *a = &acc[c - x0 + 1];
                if (*a) {
                    s += *a;
                    *a = 0;
                    m = coverage(f, s);
                }
                if (m) {
                    row[c] = m == 255 && opaque ? src : st_px_over(row[c], src, m);
                    drawn = true;
                }
            }
            if (drawn) {
                lo = bx0 < lo ? bx0 : lo;
                hi = bx1;
            }
            x = bx1;
        }
    }
    uint32_t m = coverage(f, s);
    if (m && x < x1) {
        span(row, x, x1, src, m);
        lo = x < lo ? x : lo;
        hi = x1;
    }
    if (lo < hi)
        dirty_add(f, lo, hi, y);
}

bool st_polyfill_fill(st_polyfill *f, st_px_rect *dirty)
{
    f->dirty = (st_px_rect){0, 0, 0, 0};
    bool ok = !f->refused;
    size_t n = f->nedges;
    f->nedges = 0;
    f->refused = false;
    if (!ok || n == 0 || f->clip.x0 >= f->clip.x1) {
        if (dirty)
            *dirty = f->dirty;
        return ok;
    }
    int *active = realloc(f->active, n * sizeof *active);
    if (!active) {
        if (dirty)
            *dirty = f->dirty;
        return false;
    }
    f->active = active;
    /* Bucket the edges by their first row; the order within a bucket
     * changes no sum. */
    int first = f->clip.y1;
    int end = f->clip.y0;
    for (size_t i = 0; i < n; i++) {
        edge *e = &f->edges[i];
        e->next = f->head[e->row0];
        f->head[e->row0] = (int)i;
        first = e->row0 < first ? e->row0 : first;
        end = e->row1 + 1 > end ? e->row1 + 1 : end;
    }
    size_t nactive = 0;
    for (int y = first; y < end; y++) {
        for (int i = f->head[y]; i >= 0; i = f->edges[i].next)
            active[nactive++] = i;
        f->head[y] = -1;
        for (size_t k = 0; k < nactive;) {
            const edge *e = &f->edges[active[k]];
            double ya = (double)y > e->yt ? (double)y : e->yt;
            double yb = (double)(y + 1) < e->yb ? (double)(y + 1) : e->yb;
            if (yb > ya) {
                double xa = e->xt + (ya - e->yt) * e->dxdy;
                double xb = e->xt + (yb - e->yt) * e->dxdy;
                add_piece(f, xa, xb, (yb - ya) * e->dir);
            }
            if (e->row1 == y)
                active[k] = active[--nactive];
            else
                k++;
        }
        sweep(f, y);
    }
    if (dirty)
        *dirty = f->dirty;
    return true;
}
