/* Hairlines: exact area coverage of thin strokes, composited OVER a cairo
 * ARGB32 buffer.
 *
 * Each segment is swept along its major axis in slices one pixel wide
 * (Wu 1991, "An efficient antialiasing technique", column/row slicing),
 * but instead of Wu's two-pixel intensity split every slice gets its exact
 * coverage: across the major axis the line is a band of thickness
 * w / |cos θ| whose centre moves linearly over the slice, so the area it
 * covers of pixel row j is the integral of clamp(hi(u) - j) - clamp(lo(u) - j)
 * over the slice, a closed form (avg_clamp() below). Slices are cut at the
 * segment's ends, so consecutive segments of a polyline split their shared
 * column between them and the joint gets the ink of an unbroken line: no
 * dark or bright dot at vertices. Pixel coverage is summed over the whole
 * stroke in a small write-combining cache (below) and clamped to 1 before
 * compositing, so pixels shared by two segments are composited once, as in
 * cairo's stroke of one path.
 *
 * Segments are clipped in floating point (Liang & Barsky 1984) to each clip
 * rectangle grown by a margin wider than any slice reaches, then only
 * pixels inside the rectangle are touched. After clipping every coordinate
 * is within a few pixels of the buffer, so the integer conversions cannot
 * overflow whatever the input. */
#include "hairline.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLIP 64

/* Inputs beyond this (px) are dropped: doubles lose sub-pixel precision
 * long before, and cairo's 24.8 fixed point wraps at 2^23 anyway. */
#define COORD_LIMIT 1e12

/* Centrelines are clipped to the clip rectangle grown by this much (px):
 * a slice reaches at most half the thickness, w / |cos θ| / 2 <= 1.14 px,
 * plus one pixel of slope from its centreline. */
#define CLIP_MARGIN 3.0

/* Write-combining cache: coverage is summed per pixel in a direct-mapped
 * table indexed by the low 5 bits of x and y, so pixels within 32 px of
 * each other never share a slot. A stroke moves continuously, so every
 * pixel that two consecutive segments share is still cached when the
 * second one reaches it; a pixel is composited when a pixel 32 px away
 * takes its slot or at the end of the stroke. No canvas-sized buffer is
 * needed, and the table (8 KiB) stays in L1. */
#define CACHE_BITS 5
#define CACHE_SIDE (1 << CACHE_BITS)
#define CACHE_SLOTS (CACHE_SIDE * CACHE_SIDE)

/* Coverage below this changes no 8-bit pixel, even summed over the few
 * slices that reach one pixel. */
#define MIN_COVERAGE 1e-4

#define PIN_SIDE 7

/* Segments are numbered as they are drawn; a pixel remembers the last
 * segment that inked it. */
#define SEG_NONE UINT32_MAX             /* coverage of unknown origin */
#define SEG_NO_PARTNER (UINT32_MAX - 1) /* matches no cell */

typedef struct cell {
    uint16_t x, y;
    float cov;    /* 0: empty slot */
    uint32_t seg; /* last segment that added to cov */
} cell;

typedef struct pin {
    bool on;
    int x, y; /* top left pixel */
    float c[PIN_SIDE * PIN_SIDE];
    uint32_t seg[PIN_SIDE * PIN_SIDE];
} pin;

/* What is known of the latest segment drawn in the current subpath. */
typedef struct seg_info {
    uint32_t id; /* SEG_NO_PARTNER: none */
    bool transposed;
    double ux, uy; /* direction */
} seg_info;

typedef struct seg {
    double ax, ay, bx, by;
} seg;

struct st_hairline {
    st_px_canvas cv;
    st_px_rect clip[MAX_CLIP];
    int nclip;

    uint32_t src; /* premultiplied ARGB32 */
    double width_px, cap;

    /* Path: the latest segment is held back until it is known whether it
     * ends an open subpath (extended by cap) or not. */
    double cx, cy, sx, sy;
    bool has_cur;
    seg pend;
    bool has_pend;
    double ux, uy; /* direction of the subpath's first segment; 0,0: none yet */

    /* The 7 x 7 pixels around a subpath's start collect their coverage
     * apart from the cache until the subpath ends, so the segment that
     * closes a ring (or the start cap) joins the first one however long
     * the ring: those pixels cannot be evicted in between. The stroke's
     * first subpath keeps its pin (pins[0]) to the end of the stroke when
     * it is left open: a ring stroked in pieces (draw.c leaves out cut
     * edges) ends where its first piece starts. */
    pin pins[2];
    int cur_pin; /* pin of the current subpath, -1: none */

    /* Coverage from the segment being drawn (cur_id) is summed with what
     * its neighbours across a joint left in a pixel (partner ids), since
     * their slices share no area; coverage from any other segment is
     * combined as independent, a + b - ab, as compositing twice would,
     * because a line that folds back or passes again over a pixel covers
     * partly the same area: summing it made detailed coasts too heavy
     * against cairo's union. */
    uint32_t next_id, cur_id, partner[2];
    seg_info last, first;
    bool first_subpath;

    cell cells[CACHE_SLOTS];
    uint16_t used[CACHE_SLOTS]; /* occupied slots, in order of first use */
    int nused;
    st_px_rect dirty;
};

st_hairline *st_hairline_create(unsigned char *data, int width, int height, int stride)
{
    /* Cells hold coordinates in 16 bits, as the canvas's sides allow. */
    st_px_canvas cv;
    if (!st_px_canvas_init(&cv, data, width, height, stride))
        return NULL;
    st_hairline *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->cv = cv;
    h->clip[0] = (st_px_rect){0, 0, width, height};
    h->nclip = 1;
    h->dirty = (st_px_rect){0, 0, 0, 0};
    h->cur_pin = -1;
    h->first_subpath = true;
    h->last.id = SEG_NO_PARTNER;
    h->first.id = SEG_NO_PARTNER;
    h->partner[0] = SEG_NO_PARTNER;
    h->partner[1] = SEG_NO_PARTNER;
    return h;
}

void st_hairline_destroy(st_hairline *h)
{
    free(h);
}

static int imax(int a, int b)
{
    return a > b ? a : b;
}

static int imin(int a, int b)
{
    return a < b ? a : b;
}

bool st_hairline_set_clip(st_hairline *h, const st_px_rect *rects, int n)
{
    if (n < 0 || n > MAX_CLIP)
        return false;
    st_px_rect c[MAX_CLIP];
    int m = 0;
    for (int i = 0; i < n; i++) {
        st_px_rect r = {imax(rects[i].x0, 0), imax(rects[i].y0, 0), imin(rects[i].x1, h->cv.width),
                        imin(rects[i].y1, h->cv.height)};
        if (r.x0 >= r.x1 || r.y0 >= r.y1)
            continue;
        /* Overlapping rectangles would draw their common pixels twice. */
        for (int k = 0; k < m; k++) {
            if (r.x0 < c[k].x1 && c[k].x0 < r.x1 && r.y0 < c[k].y1 && c[k].y0 < r.y1)
                return false;
        }
        c[m++] = r;
    }
    memcpy(h->clip, c, sizeof c[0] * (size_t)m);
    h->nclip = m;
    return true;
}

/* ---- compositing ---------------------------------------------------------- */

/* The source IN the coverage, OVER the pixel — pixman's arithmetic for a
 * solid source through an 8-bit mask, so the result matches cairo's. */
static void composite(st_hairline *h, const cell *e)
{
    double c = e->cov < 1 ? e->cov : 1;
    uint32_t m = (uint32_t)(c * 255 + 0.5);
    if (m == 0)
        return;
    unsigned char *p = h->cv.data + (size_t)e->y * (size_t)h->cv.stride + 4 * (size_t)e->x;
    uint32_t d;
    memcpy(&d, p, 4);
    d = st_px_over(d, h->src, m);
    memcpy(p, &d, 4);
}

/* Grows the dirty rectangle by the pixels of r. */
static void dirty_add(st_hairline *h, st_px_rect r)
{
    st_px_rect *d = &h->dirty;
    if (r.x0 >= r.x1 || r.y0 >= r.y1)
        return;
    if (d->x0 == d->x1) {
        *d = r;
        return;
    }
    d->x0 = imin(d->x0, r.x0);
    d->y0 = imin(d->y0, r.y0);
    d->x1 = imax(d->x1, r.x1);
    d->y1 = imax(d->y1, r.y1);
}

/* Coverage c of the current segment added to a pixel holding cov, last
 * inked by segment last. */
static float combine(const st_hairline *h, float cov, uint32_t last, double c)
{
    if (cov <= 0 || last == h->cur_id || last == h->partner[0] || last == h->partner[1])
        return (float)(cov + c);
    double a = cov < 1 ? cov : 1;
    return (float)(a + c - a * c);
}

/* Adds coverage c to pixel x,y (inside the buffer). */
static void add(st_hairline *h, int x, int y, double c)
{
    if (!(c > MIN_COVERAGE))
        return;
    for (int k = 0; k < 2; k++) {
        pin *p = &h->pins[k];
        unsigned px = (unsigned)(x - p->x);
        unsigned py = (unsigned)(y - p->y);
        if (p->on && px < PIN_SIDE && py < PIN_SIDE) {
            unsigned i = py * PIN_SIDE + px;
            p->c[i] = combine(h, p->c[i], p->seg[i], c);
            p->seg[i] = h->cur_id;
            return;
        }
    }
    unsigned slot = ((unsigned)y & (CACHE_SIDE - 1)) << CACHE_BITS | ((unsigned)x & (CACHE_SIDE - 1));
    cell *e = &h->cells[slot];
    if (e->cov > 0) {
        if (e->x == x && e->y == y) {
            e->cov = combine(h, e->cov, e->seg, c);
            e->seg = h->cur_id;
            return;
        }
        composite(h, e);
    } else {
        h->used[h->nused++] = (uint16_t)slot;
    }
    e->x = (uint16_t)x;
    e->y = (uint16_t)y;
    e->cov = (float)c;
    e->seg = h->cur_id;
    /* The pixel is composited when it leaves the cache, a stroke of 32 px
     * later: fetch it now. Its canvas line was last touched by the
     * background paint, long out of the caches, and that load was 60 % of
     * composite()'s time on W2 (perf annotate). */
    __builtin_prefetch(h->cv.data + (size_t)y * (size_t)h->cv.stride + 4 * (size_t)x, 1, 1);
}

/* Empties the cache, compositing its pixels or (composite false) not. */
static void drain(st_hairline *h, bool composite_them)
{
    for (int i = 0; i < h->nused; i++) {
        cell *e = &h->cells[h->used[i]];
        if (composite_them)
            composite(h, e);
        e->cov = 0;
    }
    h->nused = 0;
}

static bool usable(double v)
{
    return isfinite(v) && fabs(v) <= COORD_LIMIT;
}

/* ---- coverage ------------------------------------------------------------- */

/* max and min as compare-and-select, which compile to maxsd / minsd
 * (fmax and fmin are library calls without -ffast-math). */
static double dmax(double a, double b)
{
    return a > b ? a : b;
}

static double dmin(double a, double b)
{
    return a < b ? a : b;
}

/* floor() of a value known to fit an int (every coordinate once clipped),
 * without the library call. */
static int ifloor(double v)
{
    int i = (int)v;
    return i - (v < i);
}

/* Antiderivative of clamp(u, 0, 1): 0, u^2 / 2, then u - 1/2. Written
 * without branches: which piece applies changes from pixel to pixel and
 * mispredicted branches were most of the cost. */
static double clamp_integral(double u)
{
    double c = dmin(dmax(u, 0), 1);
    return 0.5 * c * c + dmax(u - 1, 0);
}

/* Mean of clamp(u, 0, 1) while u goes linearly from s to s + d; inv is
 * 1 / d, or 0 when d is so small that the midpoint is exact enough (the
 * error is O(d^2)) and the division would only amplify rounding. */
static double avg_clamp(double s, double d, double inv)
{
    if (inv == 0)
        return dmin(dmax(s + 0.5 * d, 0), 1);
    return (clamp_integral(s + d) - clamp_integral(s)) * inv;
}

/* Sweeps the clipped centreline (u0,v0)-(u1,v1), |u1 - u0| >= |v1 - v0| > or
 * = 0 and u0 != u1, in slices across u, touching pixel columns [ru0, ru1)
 * and rows [rv0, rv1) only. u is x, or y when transposed. */
static void sweep(st_hairline *h, double u0, double v0, double u1, double v1, int ru0, int ru1, int rv0,
                  int rv1, bool transposed)
{
    /* Slices go in the direction of travel, so that the pixels where this
     * segment meets the previous one are touched while still cached. */
    int step = 1;
    if (u1 < u0) {
        double t = u0;
        u0 = u1;
        u1 = t;
        t = v0;
        v0 = v1;
        v1 = t;
        step = -1;
    }
    double m = (v1 - v0) / (u1 - u0);
    double half = 0.5 * h->width_px * sqrt(1 + m * m);
    int i0 = imax(ifloor(u0), ru0);
    int i1 = imin(-ifloor(-u1) - 1, ru1 - 1);
    if (i0 > i1)
        return;
    int n = i1 - i0 + 1;
    for (int k = 0; k < n; k++) {
        int i = step > 0 ? i0 + k : i1 - k;
        double ul = u0 > i ? u0 : i;
        double ur = u1 < i + 1 ? u1 : i + 1;
        double sw = ur - ul;
        if (sw <= 0)
            continue;
        double vl = v0 + m * (ul - u0);
        double vr = v0 + m * (ur - u0);
        double d = vr - vl;
        double inv = fabs(d) > 1e-6 ? 1 / d : 0;
        double lo = (vl < vr ? vl : vr) - half;
        double hi = (vl < vr ? vr : vl) + half;
        int j0 = imax(ifloor(lo), rv0);
        int j1 = imin(ifloor(hi), rv1 - 1);
        for (int j = j0; j <= j1; j++) {
            double a = vl - j;
            double c = sw * (avg_clamp(a + half, d, inv) - avg_clamp(a - half, d, inv));
            if (transposed)
                add(h, j, i, c);
            else
                add(h, i, j, c);
        }
    }
}

/* Liang-Barsky: clips a-b to the box x0..x1, y0..y1. False when nothing is
 * left. The ends are clamped into the box against rounding. */
static bool clip_segment(double *ax, double *ay, double *bx, double *by, double x0, double y0, double x1,
                         double y1)
{
    double dx = *bx - *ax;
    double dy = *by - *ay;
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {*ax - x0, x1 - *ax, *ay - y0, y1 - *ay};
    double t0 = 0;
    double t1 = 1;
    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) {
            if (q[i] < 0)
                return false;
            continue;
        }
        double t = q[i] / p[i];
        if (p[i] < 0) {
            if (t > t1)
                return false;
            if (t > t0)
                t0 = t;
        } else {
            if (t < t0)
                return false;
            if (t < t1)
                t1 = t;
        }
    }
    double nax = *ax + t0 * dx;
    double nay = *ay + t0 * dy;
    double nbx = *ax + t1 * dx;
    double nby = *ay + t1 * dy;
    if (!isfinite(nax) || !isfinite(nay) || !isfinite(nbx) || !isfinite(nby))
        return false;
    *ax = dmin(dmax(nax, x0), x1);
    *ay = dmin(dmax(nay, y0), y1);
    *bx = dmin(dmax(nbx, x0), x1);
    *by = dmin(dmax(nby, y0), y1);
    return true;
}

/* True when segment b follows a and their coverages add: same sweep axis
 * and same direction along it (their slices partition the axis), or a
 * turn of less than 120 degrees where the sweep axis changes. There the
 * slices overlap by about as much as cairo's round join adds outside the
 * corner (at 90 degrees w^2/4 against pi w^2/16), so the sum is nearer
 * cairo's ink than the union; past 120 degrees the overlap grows faster. */
static bool continues(const seg_info *a, const seg_info *b)
{
    if (a->id == SEG_NO_PARTNER)
        return false;
    if (a->transposed != b->transposed)
        return a->ux * b->ux + a->uy * b->uy > -0.5;
    return a->transposed ? (a->uy > 0) == (b->uy > 0) : (a->ux > 0) == (b->ux > 0);
}

typedef enum seg_role {
    SEG_INNER,    /* follows the subpath's previous segment */
    SEG_CLOSING,  /* ...and joins its first one as well */
    SEG_START_CAP /* the cap before the first segment */
} seg_role;

/* Rasterizes a-b extended by ea before a and eb after b. */
static void draw_segment(st_hairline *h, seg s, double ea, double eb, seg_role role)
{
    if (!usable(s.ax) || !usable(s.ay) || !usable(s.bx) || !usable(s.by))
        return;
    double dx = s.bx - s.ax;
    double dy = s.by - s.ay;
    double len = sqrt(dx * dx + dy * dy);
    if (len == 0)
        return;
    seg_info me = {h->next_id++, fabs(dy) > fabs(dx), dx / len, dy / len};
    if (h->next_id >= SEG_NO_PARTNER)
        h->next_id = 0;
    h->cur_id = me.id;
    h->partner[0] = role != SEG_START_CAP && continues(&h->last, &me) ? h->last.id : SEG_NO_PARTNER;
    h->partner[1] = SEG_NO_PARTNER;
    if (role == SEG_START_CAP || (role == SEG_CLOSING && continues(&me, &h->first)))
        h->partner[1] = h->first.id;
    if (role != SEG_START_CAP) {
        h->last = me;
        if (h->first.id == SEG_NO_PARTNER)
            h->first = me;
    }
    if (ea > 0 || eb > 0) {
        s.ax -= me.ux * ea;
        s.ay -= me.uy * ea;
        s.bx += me.ux * eb;
        s.by += me.uy * eb;
    }
    for (int k = 0; k < h->nclip; k++) {
        const st_px_rect *r = &h->clip[k];
        double ax = s.ax;
        double ay = s.ay;
        double bx = s.bx;
        double by = s.by;
        if (!clip_segment(&ax, &ay, &bx, &by, r->x0 - CLIP_MARGIN, r->y0 - CLIP_MARGIN, r->x1 + CLIP_MARGIN,
                          r->y1 + CLIP_MARGIN))
            continue;
        if (ax == bx && ay == by)
            continue;
        /* Every pixel the sweep can touch: within CLIP_MARGIN of the line. */
        dirty_add(h, (st_px_rect){imax(ifloor(dmin(ax, bx) - CLIP_MARGIN), r->x0),
                                  imax(ifloor(dmin(ay, by) - CLIP_MARGIN), r->y0),
                                  imin(ifloor(dmax(ax, bx) + CLIP_MARGIN) + 1, r->x1),
                                  imin(ifloor(dmax(ay, by) + CLIP_MARGIN) + 1, r->y1)});
        if (!me.transposed && ax != bx)
            sweep(h, ax, ay, bx, by, r->x0, r->x1, r->y0, r->y1, false);
        else if (me.transposed && ay != by)
            sweep(h, ay, ax, by, bx, r->y0, r->y1, r->x0, r->x1, true);
    }
}

/* ---- paths ---------------------------------------------------------------- */

/* Hands the pixels of pin k to the cache. */
static void unpin(st_hairline *h, int k)
{
    pin *p = &h->pins[k];
    if (!p->on)
        return;
    p->on = false;
    uint32_t cur = h->cur_id;
    uint32_t partner[2] = {h->partner[0], h->partner[1]};
    h->partner[0] = SEG_NO_PARTNER;
    h->partner[1] = SEG_NO_PARTNER;
    for (int i = 0; i < PIN_SIDE * PIN_SIDE; i++) {
        if (p->c[i] > 0) {
            int x = p->x + i % PIN_SIDE;
            int y = p->y + i / PIN_SIDE;
            /* Into the cache as one contribution from the segment that
             * last inked it, combined as independent with anything else. */
            h->cur_id = p->seg[i];
            if (x >= 0 && y >= 0 && x < h->cv.width && y < h->cv.height)
                add(h, x, y, p->c[i]);
            p->c[i] = 0;
        }
    }
    h->cur_id = cur;
    h->partner[0] = partner[0];
    h->partner[1] = partner[1];
}

/* Starts a subpath at x,y. */
static void start_subpath(st_hairline *h, double x, double y)
{
    h->cx = x;
    h->cy = y;
    h->sx = x;
    h->sy = y;
    h->has_cur = true;
    h->ux = 0;
    h->uy = 0;
    h->last.id = SEG_NO_PARTNER;
    h->first.id = SEG_NO_PARTNER;
    /* Far-off or invalid starts pin nothing (their segments are dropped
     * or clipped anyway). */
    h->cur_pin = -1;
    if (usable(x) && usable(y) && fabs(x) < 1e9 && fabs(y) < 1e9) {
        h->cur_pin = h->first_subpath ? 0 : 1;
        pin *p = &h->pins[h->cur_pin];
        unpin(h, h->cur_pin);
        p->on = true;
        p->x = (int)floor(x) - PIN_SIDE / 2;
        p->y = (int)floor(y) - PIN_SIDE / 2;
    }
    h->first_subpath = false;
}

/* Ends an open subpath: its last segment and its caps. */
static void end_open_subpath(st_hairline *h)
{
    if (h->has_pend)
        draw_segment(h, h->pend, 0, h->cap, SEG_INNER);
    h->has_pend = false;
    if (h->cap > 0 && (h->ux != 0 || h->uy != 0)) {
        seg c = {h->sx - h->ux * h->cap, h->sy - h->uy * h->cap, h->sx, h->sy};
        draw_segment(h, c, 0, 0, SEG_START_CAP);
    }
    h->ux = 0;
    h->uy = 0;
    if (h->cur_pin == 1)
        unpin(h, 1);
    h->cur_pin = -1;
}

void st_hairline_begin(st_hairline *h, double r, double g, double b, double a, double width, double cap)
{
    memset(h->pins, 0, sizeof h->pins);
    h->cur_pin = -1;
    h->first_subpath = true;
    drain(h, false);
    h->has_cur = false;
    h->has_pend = false;
    h->ux = 0;
    h->uy = 0;
    h->dirty = (st_px_rect){0, 0, 0, 0};
    h->width_px = width > 0 ? (width < ST_HAIRLINE_MAX_PX ? width : ST_HAIRLINE_MAX_PX) : 0;
    h->cap = cap > 0 && isfinite(cap) ? (cap < ST_HAIRLINE_MAX_PX ? cap : ST_HAIRLINE_MAX_PX) : 0;
    h->src = st_px_premultiply(r, g, b, a);
}

void st_hairline_move_to(st_hairline *h, double x, double y)
{
    end_open_subpath(h);
    start_subpath(h, x, y);
}

void st_hairline_line_to(st_hairline *h, double x, double y)
{
    if (!h->has_cur) {
        st_hairline_move_to(h, x, y);
        return;
    }
    if (x == h->cx && y == h->cy)
        return;
    if (h->has_pend)
        draw_segment(h, h->pend, 0, 0, SEG_INNER);
    h->pend = (seg){h->cx, h->cy, x, y};
    h->has_pend = true;
    if (h->ux == 0 && h->uy == 0) {
        double len = sqrt((x - h->cx) * (x - h->cx) + (y - h->cy) * (y - h->cy));
        if (isfinite(len) && len > 0) {
            h->ux = (x - h->cx) / len;
            h->uy = (y - h->cy) / len;
        }
    }
    h->cx = x;
    h->cy = y;
}

void st_hairline_close_path(st_hairline *h)
{
    if (!h->has_cur)
        return;
    st_hairline_line_to(h, h->sx, h->sy);
    if (h->has_pend)
        draw_segment(h, h->pend, 0, 0, SEG_CLOSING);
    h->has_pend = false;
    if (h->cur_pin >= 0)
        unpin(h, h->cur_pin);
    start_subpath(h, h->sx, h->sy);
}

void st_hairline_stroke(st_hairline *h, st_px_rect *dirty)
{
    end_open_subpath(h);
    unpin(h, 0);
    h->has_cur = false;
    h->first_subpath = true;
    drain(h, true);
    if (dirty)
        *dirty = h->dirty;
    h->dirty = (st_px_rect){0, 0, 0, 0};
}
