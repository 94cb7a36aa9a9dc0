/* Label placement.
 *
 * Greedy placement in priority order against a uniform grid of occupied
 * boxes, the approach of most map renderers (Mapnik's label collision
 * detector, MapServer's label cache): every label tries its candidate
 * positions in a fixed order of preference and takes the first that lies
 * inside the canvas and touches no occupied box. Higher priority labels go
 * first; ties keep layer order, then feature order, so a run is
 * deterministic.
 *
 * Candidates:
 *  - points: eight positions around the marker at marker radius + offset,
 *    in the order right, left, above, below, then upper right, upper left,
 *    lower right, lower left. Level positions read best for horizontal
 *    names beside a dot (Imhof's rule that a name should sit on the line
 *    of its point where it can), diagonals come next.
 *  - polygons: centred on the pole of inaccessibility of the part visible
 *    on the canvas, then a few nearby offsets; the box must lie inside the
 *    polygon (sampled points inside by the even-odd rule, no vertex within).
 *  - lines: the text follows the line, one grapheme cluster at a time, each
 *    rotated to the chord under it; positions along the longest parts are
 *    ranked by straightness and closeness to the middle, turned so the text
 *    reads left to right, and rejected where adjacent clusters bend more
 *    than 30°. If none fits, straight text parallel to the longest segment.
 *
 * A point's label must name its own marker and no other: a candidate is
 * rejected when another marker's edge lies within 1.5 times (plus 1.5 pt)
 * its distance to its own marker's edge (Imhof: no doubt which point a
 * name belongs to). Labels that find no such place may go further out, in
 * rings a half line height apart, with a thin leader line back to the
 * feature that crosses no label, marker or other leader (map.leaders; by
 * default the subject's labels). The subject's labels go first; when some
 * are dropped, the run is made again with those first, a few times.
 *
 * Every glyph cluster of a curved label gets its own collision box; a
 * label's reported box is the union. Boxes include the halo. */
#include "labels.h"
#include "grow.h"

#include "furniture.h"

#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "thematic.h"

#define GRID_CELL 64.0
#define GRID_CELL_MIN 8.0
#define CANVAS_MARGIN 2.0
#define MAX_BEND (30.0 * M_PI / 180.0)
#define MAX_LINE_CANDIDATES 64
#define MAX_LINE_PARTS 3
/* A point's label must lie nearer its own marker than any other: another
 * marker's edge must be further from the label than AMBIGUITY_RATIO times
 * its own marker's edge plus AMBIGUITY_MARGIN_PT, so that a reader pairs
 * them without doubt (a ratio: a label 2 mm above its point and 3 mm
 * beside another reads as the other's). */
#define AMBIGUITY_MARGIN_PT 1.5
#define AMBIGUITY_RATIO 1.5
/* Leaders: how many rings further out, and the line's width (pt). */
#define LEADER_RINGS 8
/* Orders of the subject's labels tried when some find no place. */
#define SUBJECT_TRIES 8
#define LEADER_WIDTH_PT 0.3

typedef enum plan_kind { PLAN_STRAIGHT, PLAN_ROTATED, PLAN_CURVED } plan_kind;

/* Baseline origin and rotation of one glyph cluster. */
typedef struct glyph_pos {
    double x, y, angle;
} glyph_pos;

typedef struct plan_item {
    st_text *text;
    plan_kind kind;
    double x, y;       /* STRAIGHT: top-left of the logical box; ROTATED: centre */
    double angle;      /* ROTATED */
    glyph_pos *glyphs; /* CURVED: one per cluster, in the arena */
    size_t nglyphs;
    st_rgba color, halo;
    double halo_px;
    /* A point's label: its marker's centre, recorded for the report. */
    bool anchored;
    double anchor[2];
    /* A label away from its feature: the leader, label end first. */
    bool has_leader;
    double leader[4];
} plan_item;

struct st_label_plan {
    plan_item *items; /* arena, grown as labels are placed */
    size_t n, cap;
};

/* One label to place: 24 bytes, a million points' labels 24 MB (the
 * feature's symbol is found again from its class when needed). */
typedef struct job {
    uint32_t layer : 31;
    uint32_t subject : 1; /* a layer of map.subject: placed before every other label */
    uint32_t feature;
    const st_label *label;
    const char *text;
} job; /* 24 bytes: a million labelled points hold 24 MB of jobs */

/* ---- grid index of occupied boxes --------------------------------------- */

typedef struct cell {
    uint32_t *idx; /* boxes in the cell: below nfixed in fixed[], the rest in boxes[] */
    uint32_t n, cap;
} cell;

typedef struct grid {
    double cell; /* side of a cell in pixels */
    int nx, ny;
    cell *cells;
    const st_box *fixed; /* the scene's obstacles, indexed without a copy */
    size_t nfixed;
    st_box *boxes; /* labels placed */
    size_t n, cap;
} grid;

/* A grid for about nboxes boxes: cells of GRID_CELL pixels, smaller when
 * the boxes are many (a million markers on one map), so a cell holds a few
 * dozen boxes rather than thousands. The cell size changes only the index,
 * never which boxes overlap. */
static bool grid_init(grid *g, double w, double h, size_t nboxes)
{
    memset(g, 0, sizeof *g);
    g->cell = GRID_CELL;
    if (nboxes > 0 && w > 0 && h > 0) {
        double c = 4 * sqrt(w * h / (double)nboxes);
        g->cell = c < GRID_CELL_MIN ? GRID_CELL_MIN : c > GRID_CELL ? GRID_CELL : c;
    }
    g->nx = (int)ceil(w / g->cell);
    g->ny = (int)ceil(h / g->cell);
    if (g->nx < 1)
        g->nx = 1;
    if (g->ny < 1)
        g->ny = 1;
    g->cells = calloc((size_t)g->nx * (size_t)g->ny, sizeof *g->cells);
    return g->cells != NULL;
}

static void grid_free(grid *g)
{
    if (g->cells) {
        for (size_t i = 0; i < (size_t)g->nx * (size_t)g->ny; i++)
            free(g->cells[i].idx);
    }
    free(g->cells);
    free(g->boxes);
}

/* The grid cell of coordinate v, clamped to [0, n-1] in double before the
 * cast: a box far off the canvas (or NaN) must not overflow an int. */
static int cell_of(double v, double side, int n)
{
    double c = floor(v / side);
    if (!(c > 0))
        return 0;
    return c >= n - 1 ? n - 1 : (int)c;
}

static void grid_range(const grid *g, st_box b, int *i0, int *j0, int *i1, int *j1)
{
    *i0 = cell_of(b.x0, g->cell, g->nx);
    *i1 = cell_of(b.x1, g->cell, g->nx);
    *j0 = cell_of(b.y0, g->cell, g->ny);
    *j1 = cell_of(b.y1, g->cell, g->ny);
}

/* Boxes that only touch do not overlap. */
static bool boxes_overlap(st_box a, st_box b)
{
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

/* Whether hit(box, arg) holds for any box indexed in the cells that
 * range covers. */
typedef bool (*box_test)(st_box box, const void *arg);

static bool grid_any(const grid *g, st_box range, box_test hit, const void *arg)
{
    int i0, j0, i1, j1;
    grid_range(g, range, &i0, &j0, &i1, &j1);
    for (int j = j0; j <= j1; j++) {
        for (int i = i0; i <= i1; i++) {
            const cell *c = &g->cells[(size_t)j * (size_t)g->nx + (size_t)i];
            for (uint32_t k = 0; k < c->n; k++) {
                uint32_t id = c->idx[k];
                if (hit(id < g->nfixed ? g->fixed[id] : g->boxes[id - g->nfixed], arg))
                    return true;
            }
        }
    }
    return false;
}

static bool overlaps_box(st_box box, const void *arg)
{
    return boxes_overlap(box, *(const st_box *)arg);
}

static bool grid_hits(const grid *g, st_box b)
{
    return grid_any(g, b, overlaps_box, &b);
}

/* Enters box number id (see cell) into the cells box b covers. */
static bool grid_index(grid *g, st_box b, size_t id)
{
    if (id >= UINT32_MAX)
        return false;
    int i0, j0, i1, j1;
    grid_range(g, b, &i0, &j0, &i1, &j1);
    for (int j = j0; j <= j1; j++) {
        for (int i = i0; i <= i1; i++) {
            cell *c = &g->cells[(size_t)j * (size_t)g->nx + (size_t)i];
            if (c->n == c->cap) {
                uint32_t cap = c->cap ? c->cap * 2 : 8;
                uint32_t *ni = realloc(c->idx, cap * sizeof *ni);
                if (!ni)
                    return false;
                c->idx = ni;
                c->cap = cap;
            }
            c->idx[c->n++] = (uint32_t)id;
        }
    }
    return true;
}

/* Indexes the scene's n obstacles in place; before any grid_add. The
 * cells are counted first and each gets room for exactly its boxes: a
 * million markers filled cells grown by doubling a third more than they
 * held (18 MB for 11). The order in each cell is the same either way. */
static bool grid_add_fixed(grid *g, const st_box *boxes, size_t n)
{
    g->fixed = boxes;
    g->nfixed = n;
    if (n >= UINT32_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        int i0, j0, i1, j1;
        grid_range(g, boxes[i], &i0, &j0, &i1, &j1);
        for (int j = j0; j <= j1; j++) {
            for (int k = i0; k <= i1; k++)
                g->cells[(size_t)j * (size_t)g->nx + (size_t)k].cap++;
        }
    }
    for (size_t c = 0; c < (size_t)g->nx * (size_t)g->ny; c++) {
        cell *cl = &g->cells[c];
        if (cl->cap && !(cl->idx = malloc(cl->cap * sizeof *cl->idx))) {
            cl->cap = 0;
            return false;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!grid_index(g, boxes[i], i))
            return false;
    }
    return true;
}

static bool grid_add(grid *g, st_box b)
{
    if (!st_grow(&g->boxes, &g->cap, g->n + 1, sizeof *g->boxes, 256))
        return false;
    size_t id = g->n++;
    g->boxes[id] = b;
    return grid_index(g, b, g->nfixed + id);
}

/* ---- small geometry ----------------------------------------------------- */

static st_box box_grow(st_box b, double d)
{
    st_box o = {b.x0 - d, b.y0 - d, b.x1 + d, b.y1 + d};
    return o;
}

static st_box box_union(st_box a, st_box b)
{
    st_box o = {fmin(a.x0, b.x0), fmin(a.y0, b.y0), fmax(a.x1, b.x1), fmax(a.y1, b.y1)};
    return o;
}

static bool box_in_canvas(const st_scene *r, st_box b)
{
    return b.x0 >= CANVAS_MARGIN && b.y0 >= CANVAS_MARGIN && b.x1 <= r->view.width_px - CANVAS_MARGIN &&
           b.y1 <= r->view.height_px - CANVAS_MARGIN;
}

/* A candidate is free when every box is inside the canvas and unoccupied. */
static bool boxes_free(const st_scene *r, const grid *g, const st_box *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!box_in_canvas(r, b[i]) || grid_hits(g, b[i]))
            return false;
    }
    return true;
}

/* Even-odd point in polygon over every ring of f (W. Randolph Franklin's
 * crossing test, PNPOLY). */
static bool point_in_feature(const st_feature *f, double x, double y)
{
    bool in = false;
    for (uint32_t p = 0; p < f->nparts; p++) {
        uint32_t a = f->parts[p];
        uint32_t b = p + 1 < f->nparts ? f->parts[p + 1] : f->npoints;
        if (b - a < 3)
            continue;
        for (uint32_t i = a, j = b - 1; i < b; j = i++) {
            double xi = f->xy[2 * i], yi = f->xy[2 * i + 1];
            double xj = f->xy[2 * j], yj = f->xy[2 * j + 1];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
                in = !in;
        }
    }
    return in;
}

/* Absolute sum of signed ring areas: Shapefile rings wind one way for
 * outer rings and the other for holes, so holes subtract. */
static double feature_area(const st_feature *f)
{
    double sum = 0;
    for (uint32_t p = 0; p < f->nparts; p++) {
        uint32_t a = f->parts[p];
        uint32_t b = p + 1 < f->nparts ? f->parts[p + 1] : f->npoints;
        for (uint32_t i = a, j = b - 1; i < b && b - a >= 3; j = i++)
            sum += f->xy[2 * j] * f->xy[2 * i + 1] - f->xy[2 * i] * f->xy[2 * j + 1];
    }
    return fabs(sum) / 2;
}

/* True when box b lies inside polygon f: sampled points on its edges are
 * inside and no vertex of f falls within it. */
static bool box_in_polygon(const st_feature *f, st_box b)
{
    const int nx = 8, ny = 3;
    for (int i = 0; i <= nx; i++) {
        double x = b.x0 + (b.x1 - b.x0) * i / nx;
        if (!point_in_feature(f, x, b.y0) || !point_in_feature(f, x, b.y1))
            return false;
    }
    for (int j = 1; j < ny; j++) {
        double y = b.y0 + (b.y1 - b.y0) * j / ny;
        if (!point_in_feature(f, b.x0, y) || !point_in_feature(f, b.x1, y))
            return false;
    }
    for (uint32_t i = 0; i < f->npoints; i++) {
        double x = f->xy[2 * i], y = f->xy[2 * i + 1];
        if (x > b.x0 && x < b.x1 && y > b.y0 && y < b.y1)
            return false;
    }
    return true;
}

/* Sutherland–Hodgman clipping of one ring against one half-plane
 * (axis 0: x, 1: y; keep values >= v when ge, <= v otherwise). */
static size_t clip_edge(const double *in, size_t n, double *out, int axis, double v, bool ge)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const double *p = in + 2 * i;
        const double *q = in + 2 * ((i + 1) % n);
        bool pin = ge ? p[axis] >= v : p[axis] <= v;
        bool qin = ge ? q[axis] >= v : q[axis] <= v;
        if (pin) {
            out[2 * m] = p[0];
            out[2 * m + 1] = p[1];
            m++;
        }
        if (pin != qin) {
            double t = (v - p[axis]) / (q[axis] - p[axis]);
            out[2 * m] = p[0] + t * (q[0] - p[0]);
            out[2 * m + 1] = p[1] + t * (q[1] - p[1]);
            m++;
        }
    }
    return m;
}

/* The part of polygon f inside box clip, as a new feature in the arena
 * (rings clipped one by one; an even-odd fill of the result is the clipped
 * polygon). Returns f itself when it lies inside clip, NULL on failure. */
static const st_feature *clip_polygon(st_arena *arena, const st_feature *f, st_box clip)
{
    if (f->bbox[0] >= clip.x0 && f->bbox[1] >= clip.y0 && f->bbox[2] <= clip.x1 && f->bbox[3] <= clip.y1)
        return f;
    st_feature *o = st_arena_calloc(arena, 1, sizeof *o);
    /* Each clip against a half-plane adds at most one vertex per edge. */
    size_t cap = 2 * (size_t)f->npoints + 8 * (size_t)f->nparts + 8;
    double *xy = st_arena_alloc(arena, 2 * cap * sizeof *xy);
    uint32_t *parts = st_arena_alloc(arena, (f->nparts + 1) * sizeof *parts);
    double *a = malloc(2 * cap * sizeof *a);
    double *b = malloc(2 * cap * sizeof *b);
    const st_feature *res = NULL;
    if (!o || !xy || !parts || !a || !b)
        goto done;
    size_t used = 0;
    for (uint32_t p = 0; p < f->nparts; p++) {
        uint32_t s = f->parts[p];
        uint32_t e = p + 1 < f->nparts ? f->parts[p + 1] : f->npoints;
        size_t n = e - s;
        memcpy(a, f->xy + 2 * s, 2 * n * sizeof *a);
        n = clip_edge(a, n, b, 0, clip.x0, true);
        n = clip_edge(b, n, a, 0, clip.x1, false);
        n = clip_edge(a, n, b, 1, clip.y0, true);
        n = clip_edge(b, n, a, 1, clip.y1, false);
        if (n < 3)
            continue;
        parts[o->nparts++] = (uint32_t)used;
        memcpy(xy + 2 * used, a, 2 * n * sizeof *a);
        used += n;
    }
    o->parts = parts;
    o->xy = xy;
    o->npoints = (uint32_t)used;
    o->record = f->record;
    o->cls = f->cls;
    st_feature_update_bbox(o);
    res = o;
done:
    free(a);
    free(b);
    return res;
}

/* ---- polylines for line labels ------------------------------------------ */

typedef struct path {
    double *xy;  /* n points */
    double *cum; /* arc length at each point */
    size_t n;
    double len;
} path;

static bool path_make(path *p, const double *xy, size_t n, bool reverse)
{
    p->xy = malloc(2 * n * sizeof *p->xy);
    p->cum = malloc(n * sizeof *p->cum);
    p->n = n;
    if (!p->xy || !p->cum)
        return false;
    for (size_t i = 0; i < n; i++) {
        size_t k = reverse ? n - 1 - i : i;
        p->xy[2 * i] = xy[2 * k];
        p->xy[2 * i + 1] = xy[2 * k + 1];
    }
    p->cum[0] = 0;
    for (size_t i = 1; i < n; i++)
        p->cum[i] =
            p->cum[i - 1] + hypot(p->xy[2 * i] - p->xy[2 * i - 2], p->xy[2 * i + 1] - p->xy[2 * i - 1]);
    p->len = n ? p->cum[n - 1] : 0;
    return true;
}

static void path_free(path *p)
{
    free(p->xy);
    free(p->cum);
    p->xy = NULL;
    p->cum = NULL;
}

/* The point at arc length s (clamped) and the direction of its segment. */
static void path_at(const path *p, double s, double *x, double *y, double *dir)
{
    size_t lo = 0, hi = p->n - 1;
    if (s <= 0)
        s = 0;
    if (s >= p->len)
        s = p->len;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (p->cum[mid] <= s)
            lo = mid;
        else
            hi = mid;
    }
    double seg = p->cum[hi] - p->cum[lo];
    double t = seg > 0 ? (s - p->cum[lo]) / seg : 0;
    const double *a = p->xy + 2 * lo, *b = p->xy + 2 * hi;
    *x = a[0] + t * (b[0] - a[0]);
    *y = a[1] + t * (b[1] - a[1]);
    if (dir)
        *dir = atan2(b[1] - a[1], b[0] - a[0]);
}

static double angle_diff(double a, double b)
{
    double d = fmod(a - b, 2 * M_PI);
    if (d > M_PI)
        d -= 2 * M_PI;
    if (d < -M_PI)
        d += 2 * M_PI;
    return fabs(d);
}

/* A line candidate: glyph positions and boxes for text starting at arc
 * length s0 on p. Returns false when a bend exceeds MAX_BEND. */
typedef struct line_cand {
    glyph_pos *glyphs;
    st_box *boxes;
    size_t n;
    double bend; /* sum of turning between clusters */
    double score;
} line_cand;

static bool lay_along(const path *p, const st_text *t, double s0, double halo_px, line_cand *c)
{
    double h;
    st_text_size(t, NULL, &h);
    double base = st_text_baseline(t);
    double prev = 0;
    c->bend = 0;
    for (size_t i = 0; i < c->n; i++) {
        double cx, cw;
        st_text_cluster_extent(t, i, &cx, &cw);
        double ax, ay, bx, by, dir;
        path_at(p, s0 + cx, &ax, &ay, &dir);
        path_at(p, s0 + cx + cw, &bx, &by, NULL);
        double angle = cw > 0.5 && hypot(bx - ax, by - ay) > 0.25 * cw ? atan2(by - ay, bx - ax) : dir;
        if (i > 0) {
            double d = angle_diff(angle, prev);
            if (d > MAX_BEND)
                return false;
            c->bend += d;
        }
        prev = angle;
        /* Centre the cluster's logical box on the chord's midpoint. */
        double mx = (ax + bx) / 2, my = (ay + by) / 2;
        double ca = cos(angle), sa = sin(angle);
        double lx = -cw / 2, ly = base - h / 2;
        double ox = mx + lx * ca - ly * sa;
        double oy = my + lx * sa + ly * ca;
        c->glyphs[i].x = ox;
        c->glyphs[i].y = oy;
        c->glyphs[i].angle = angle;
        /* Axis-aligned box of the rotated cluster box (x 0..cw, y -base..h-base). */
        double xs[2] = {0, cw}, ys[2] = {-base, h - base};
        st_box b = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
        for (int u = 0; u < 2; u++) {
            for (int v = 0; v < 2; v++) {
                double px = ox + xs[u] * ca - ys[v] * sa;
                double py = oy + xs[u] * sa + ys[v] * ca;
                b.x0 = fmin(b.x0, px);
                b.x1 = fmax(b.x1, px);
                b.y0 = fmin(b.y0, py);
                b.y1 = fmax(b.y1, py);
            }
        }
        c->boxes[i] = box_grow(b, halo_px);
    }
    return true;
}

static int cmp_cand(const void *a, const void *b)
{
    const line_cand *x = a, *y = b;
    return x->score < y->score ? -1 : x->score > y->score;
}

/* ---- the placer --------------------------------------------------------- */

/* The point markers on the map, for the rule that a point's label must
 * lie nearer its own marker than any other: a uniform grid of their
 * centres, each cell's markers contiguous (counted, then filled). */
typedef struct marker {
    float x, y, r; /* centre and radius, px */
    uint32_t id;   /* its feature: base[layer] + feature (marker_index) */
} marker;

typedef struct marker_index {
    marker *m; /* sorted by cell */
    size_t n;
    uint32_t *start; /* nx * ny + 1 offsets into m */
    double cell;
    int nx, ny;
    double rmax;    /* the largest radius */
    uint32_t *base; /* per layer, the id of its first feature */
} marker_index;

typedef struct placer {
    st_scene *r;
    size_t njobs, done; /* jobs in all, jobs placed or dropped so far */
    grid g;
    marker_index mk;
    struct st_label_plan *plan;
} placer;

static steppe_status_t nomem(st_scene *r)
{
    return st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory placing labels");
}

/* Grows an arena array of elem-sized items so that n + 1 fit. */
static bool arena_grow(st_arena *a, void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *na = st_arena_alloc(a, ncap * elem);
    if (!na)
        return false;
    if (n)
        memcpy(na, *arr, n * elem);
    *arr = na;
    *cap = ncap;
    return true;
}

/* Occupies boxes and records the placed label. */
static steppe_status_t accept(placer *pl, const job *jb, plan_item *it, const st_box *boxes, size_t n)
{
    st_scene *r = pl->r;
    st_box u = boxes[0];
    for (size_t i = 0; i < n; i++) {
        if (!grid_add(&pl->g, boxes[i]))
            return nomem(r);
        u = box_union(u, boxes[i]);
    }
    if (!arena_grow(r->arena, (void **)&r->labels, &r->cap_labels, r->nlabels, sizeof *r->labels))
        return nomem(r);
    st_placed_label *pl_out = &r->labels[r->nlabels++];
    pl_out->layer = r->layers[jb->layer].layer->name;
    pl_out->text = jb->text;
    pl_out->box = u;
    pl_out->parts = NULL;
    pl_out->nparts = 0;
    pl_out->anchored = it->anchored;
    memcpy(pl_out->anchor, it->anchor, sizeof pl_out->anchor);
    pl_out->has_leader = it->has_leader;
    memcpy(pl_out->leader, it->leader, sizeof pl_out->leader);
    if (n > 1) {
        /* Curved text occupies its glyphs' boxes, not their union: keep
         * them for the report. */
        st_box *parts = st_arena_alloc(r->arena, n * sizeof *parts);
        if (!parts)
            return nomem(r);
        memcpy(parts, boxes, n * sizeof *parts);
        pl_out->parts = parts;
        pl_out->nparts = n;
    }
    if (!arena_grow(r->arena, (void **)&pl->plan->items, &pl->plan->cap, pl->plan->n,
                    sizeof *pl->plan->items))
        return nomem(r);
    pl->plan->items[pl->plan->n++] = *it;
    return STEPPE_OK;
}

/* Distance from box b to the point x, y; 0 within it. */
static double box_point_dist(st_box b, double x, double y)
{
    double dx = fmax(fmax(b.x0 - x, x - b.x1), 0);
    double dy = fmax(fmax(b.y0 - y, y - b.y1), 0);
    return hypot(dx, dy);
}

/* Whether label box b of jb's point, whose marker is centred on own[0],
 * own[1] with radius own[2], lies about as near (AMBIGUITY_RATIO,
 * AMBIGUITY_MARGIN_PT) the edge of another feature's marker as its own: a reader could then pair
 * the name with the wrong marker (Imhof: a name must leave no doubt which
 * point it names). */
static bool marker_within(const placer *pl, const job *jb, st_box b, double lim, double x, double y);

static bool ambiguous(const placer *pl, const job *jb, st_box b, const double *own)
{
    double lim = AMBIGUITY_RATIO * fmax(box_point_dist(b, own[0], own[1]) - own[2], 0) +
                 AMBIGUITY_MARGIN_PT * pl->r->view.px_per_pt;
    return marker_within(pl, jb, b, lim, own[0], own[1]);
}

/* Whether the edge of a marker other than jb's own, centred at x, y, lies
 * within lim of b. A marker on the same spot as its own is no rival: no
 * position of the label tells them apart. */
static bool marker_within(const placer *pl, const job *jb, st_box b, double lim, double x, double y)
{
    const marker_index *mk = &pl->mk;
    if (mk->n == 0)
        return false;
    st_box q = box_grow(b, lim + mk->rmax);
    int i0 = cell_of(q.x0, mk->cell, mk->nx), i1 = cell_of(q.x1, mk->cell, mk->nx);
    int j0 = cell_of(q.y0, mk->cell, mk->ny), j1 = cell_of(q.y1, mk->cell, mk->ny);
    for (int j = j0; j <= j1; j++) {
        for (int i = i0; i <= i1; i++) {
            size_t c = (size_t)j * (size_t)mk->nx + (size_t)i;
            for (uint32_t k = mk->start[c]; k < mk->start[c + 1]; k++) {
                const marker *m = &mk->m[k];
                if (m->id == mk->base[jb->layer] + jb->feature ||
                    (fabs(m->x - x) < 0.5 && fabs(m->y - y) < 0.5))
                    continue;
                if (box_point_dist(b, m->x, m->y) - m->r < lim)
                    return true;
            }
        }
    }
    return false;
}

/* Straight candidates: boxes (with halo) of the logical box at each
 * top-left position; the first free one wins. With own (a point's marker:
 * x, y, radius), a candidate nearer another marker than its own is not
 * free either. */
static steppe_status_t try_straight(placer *pl, const job *jb, plan_item *it, const double *tl, size_t n,
                                    const st_feature *inside, const double *own, bool *placed)
{
    double w, h;
    st_text_size(it->text, &w, &h);
    for (size_t i = 0; i < n; i++) {
        st_box b = {tl[2 * i], tl[2 * i + 1], tl[2 * i] + w, tl[2 * i + 1] + h};
        st_box bh = box_grow(b, it->halo_px);
        if (!boxes_free(pl->r, &pl->g, &bh, 1))
            continue;
        if (inside && !box_in_polygon(inside, b))
            continue;
        if (own && ambiguous(pl, jb, b, own))
            continue;
        it->kind = PLAN_STRAIGHT;
        it->x = b.x0;
        it->y = b.y0;
        *placed = true;
        return accept(pl, jb, it, &bh, 1);
    }
    return STEPPE_OK;
}

/* Top-left corners of a w×h box at the eight positions around px, py:
 * d from it level and plumb, e on the diagonals. */
static void eight_positions(double px, double py, double w, double h, double d, double e, double tl[16])
{
    const double pos[16] = {
        px + d,     py - h / 2, /* right */
        px - d - w, py - h / 2, /* left */
        px - w / 2, py - d - h, /* above */
        px - w / 2, py + d,     /* below */
        px + e,     py - e - h, /* upper right */
        px - e - w, py - e - h, /* upper left */
        px + e,     py + e,     /* lower right */
        px - e - w, py + e,     /* lower left */
    };
    memcpy(tl, pos, sizeof pos);
}

/* own: the point's marker (x, y, radius) when the label names a marker,
 * checked for ambiguity; NULL otherwise. */
static steppe_status_t place_point(placer *pl, const job *jb, plan_item *it, double px, double py,
                                   double radius, const double *own, bool *placed)
{
    double w, h;
    st_text_size(it->text, &w, &h);
    /* The gap is measured from the marker's obstacle box to the halo, so
     * the halo never touches the marker. Diagonal positions keep the gap
     * from the corner of the marker's (square) box. */
    double gap = jb->label->offset * pl->r->view.px_per_pt + it->halo_px;
    double tl[16];
    eight_positions(px, py, w, h, radius + gap, radius + gap * M_SQRT1_2, tl);
    return try_straight(pl, jb, it, tl, 8, NULL, own, placed);
}

/* Whether the segment from x0, y0 to x1, y1 enters box b (Liang–Barsky;
 * touching is not entering). */
static bool segment_hits_box(double x0, double y0, double x1, double y1, st_box b)
{
    double dx = x1 - x0, dy = y1 - y0;
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {x0 - b.x0, b.x1 - x0, y0 - b.y0, b.y1 - y0};
    double t0 = 0, t1 = 1;
    for (int k = 0; k < 4; k++) {
        if (p[k] == 0) {
            if (q[k] <= 0)
                return false;
            continue;
        }
        double t = q[k] / p[k];
        if (p[k] < 0)
            t0 = fmax(t0, t);
        else
            t1 = fmin(t1, t);
        if (t0 >= t1)
            return false;
    }
    return true;
}

static bool crosses_box(st_box box, const void *arg)
{
    const double *xy = arg;
    return segment_hits_box(xy[0], xy[1], xy[2], xy[3], box);
}

/* Whether the segment xy (x0, y0, x1, y1) crosses any occupied box or
 * leaves the canvas. */
static bool segment_taken(const st_scene *r, const grid *g, const double *xy)
{
    st_box sb = {fmin(xy[0], xy[2]), fmin(xy[1], xy[3]), fmax(xy[0], xy[2]), fmax(xy[1], xy[3])};
    return !box_in_canvas(r, sb) || grid_any(g, sb, crosses_box, xy);
}

/* Occupies the leader's path with small boxes a line width wide, so that
 * no later label or leader crosses it. */
static bool occupy_segment(grid *g, const double *xy, double half)
{
    double len = hypot(xy[2] - xy[0], xy[3] - xy[1]);
    size_t n = (size_t)ceil(len / (2 * half)) + 1;
    for (size_t i = 0; i <= n; i++) {
        double t = (double)i / (double)n;
        double x = xy[0] + t * (xy[2] - xy[0]), y = xy[1] + t * (xy[3] - xy[1]);
        if (!grid_add(g, (st_box){x - half, y - half, x + half, y + half}))
            return false;
    }
    return true;
}

/* A label further out, with a leader line back to its feature at px, py
 * (a marker of the given radius, or a polygon's pole with radius 0): rings
 * a line height apart beyond the near positions, in the same order of
 * directions. The label must be free and its leader must cross no other
 * label, marker or leader (cartographers' rule for leaders, and QGIS's
 * callouts, which are drawn under the labels). */
static steppe_status_t place_leader(placer *pl, const job *jb, plan_item *it, double px, double py,
                                    double radius, bool *placed)
{
    st_scene *r = pl->r;
    double w, h;
    st_text_size(it->text, &w, &h);
    double ppt = r->view.px_per_pt;
    double gap = jb->label->offset * ppt + it->halo_px;
    double step = fmax(h / 2, 3 * ppt);
    /* The leader stops short of the marker's (square) obstacle box, and
     * of the label's box by its halo. */
    double start = radius * M_SQRT2 + ppt;
    double half = fmax(LEADER_WIDTH_PT * ppt, 1.0);
    for (int ring = 1; ring <= LEADER_RINGS; ring++) {
        double tl[16];
        double d = radius + gap + ring * step;
        eight_positions(px, py, w, h, d, radius + (gap + ring * step) * M_SQRT1_2, tl);
        for (size_t i = 0; i < 8; i++) {
            st_box b = {tl[2 * i], tl[2 * i + 1], tl[2 * i] + w, tl[2 * i + 1] + h};
            st_box bh = box_grow(b, it->halo_px);
            /* Away from its own marker, a label keeps clear of the others
             * by more than the gap beside its own, so that it is not read
             * as their name. */
            if (!boxes_free(r, &pl->g, &bh, 1) ||
                marker_within(pl, jb, b, gap + AMBIGUITY_MARGIN_PT * ppt, px, py))
                continue;
            /* From the box's point nearest the feature, towards it. */
            double cx = fmin(fmax(px, b.x0), b.x1), cy = fmin(fmax(py, b.y0), b.y1);
            double len = hypot(cx - px, cy - py);
            if (!(len > start + it->halo_px + 2 * half))
                continue;
            double ux = (cx - px) / len, uy = (cy - py) / len;
            double at_label = len - it->halo_px - half;
            double seg[4] = {px + ux * at_label, py + uy * at_label, px + ux * start, py + uy * start};
            if (segment_taken(r, &pl->g, seg))
                continue;
            it->kind = PLAN_STRAIGHT;
            it->x = b.x0;
            it->y = b.y0;
            it->has_leader = true;
            /* Drawn from the label's box to the marker's edge. */
            double draw[4] = {px + ux * len, py + uy * len, px + ux * (radius + 0.5 * ppt),
                              py + uy * (radius + 0.5 * ppt)};
            memcpy(it->leader, draw, sizeof draw);
            *placed = true;
            steppe_status_t st = accept(pl, jb, it, &bh, 1);
            if (st == STEPPE_OK && !occupy_segment(&pl->g, seg, half))
                st = nomem(r);
            return st;
        }
    }
    return STEPPE_OK;
}

static steppe_status_t place_polygon(placer *pl, const job *jb, plan_item *it, const st_feature *f,
                                     bool *placed)
{
    st_scene *r = pl->r;
    if (f->nparts == 0 || f->npoints < 3)
        return STEPPE_OK;
    st_box canvas = {0, 0, r->view.width_px, r->view.height_px};
    const st_feature *vis = clip_polygon(r->arena, f, canvas);
    if (!vis)
        return nomem(r);
    if (vis->nparts == 0)
        return STEPPE_OK;
    double x, y, dist;
    st_polygon_pole(vis, 1.0, &x, &y, &dist);
    double w, h;
    st_text_size(it->text, &w, &h);
    /* The pole, then steps of about a line height up and down and a third
     * of the width sideways. */
    static const double off[][2] = {{0, 0},  {0, -1}, {0, 1}, {-1, 0}, {1, 0}, {-1, -1},
                                    {1, -1}, {-1, 1}, {1, 1}, {0, -2}, {0, 2}};
    size_t n = sizeof off / sizeof off[0];
    double tl[2 * (sizeof off / sizeof off[0])];
    for (size_t i = 0; i < n; i++) {
        tl[2 * i] = x - w / 2 + off[i][0] * w / 3;
        tl[2 * i + 1] = y - h / 2 + off[i][1] * h * 0.75;
    }
    steppe_status_t st = try_straight(pl, jb, it, tl, n, vis, NULL, placed);
    if (st != STEPPE_OK || *placed)
        return st;
    /* Then anywhere inside: a grid over the visible part's bbox, a line
     * height apart, nearest the pole first — a region crowded at its
     * centre by other labels is still named where it has room. */
    enum { GRID_MAX = 400 };
    double gx[2 * GRID_MAX];
    double dist2[GRID_MAX];
    size_t m = 0;
    double stepx = fmax(w / 2, 4), stepy = fmax(h, 4);
    for (double cy = vis->bbox[1] + h / 2; cy <= vis->bbox[3] - h / 2 && m < GRID_MAX; cy += stepy) {
        for (double cx = vis->bbox[0] + w / 2; cx <= vis->bbox[2] - w / 2 && m < GRID_MAX; cx += stepx) {
            gx[2 * m] = cx - w / 2;
            gx[2 * m + 1] = cy - h / 2;
            dist2[m] = (cx - x) * (cx - x) + (cy - y) * (cy - y);
            m++;
        }
    }
    /* insertion sort by distance: m is small */
    for (size_t i = 1; i < m; i++) {
        double d = dist2[i], a = gx[2 * i], b = gx[2 * i + 1];
        size_t j = i;
        for (; j > 0 && dist2[j - 1] > d; j--) {
            dist2[j] = dist2[j - 1];
            gx[2 * j] = gx[2 * j - 2];
            gx[2 * j + 1] = gx[2 * j - 1];
        }
        dist2[j] = d;
        gx[2 * j] = a;
        gx[2 * j + 1] = b;
    }
    return try_straight(pl, jb, it, gx, m, vis, NULL, placed);
}

/* Places it along p: candidates from the middle outwards, ranked by
 * straightness. */
static steppe_status_t try_path(placer *pl, const job *jb, plan_item *it, const path *fwd, const path *rev,
                                bool *placed)
{
    steppe_status_t st = STEPPE_OK;
    st_scene *r = pl->r;
    const st_text *t = it->text;
    double w;
    st_text_size(t, &w, NULL);
    size_t nc = st_text_cluster_count(t);
    double L = fwd->len;
    if (nc == 0 || L < w)
        return STEPPE_OK;
    double step = fmax(w / 2, 16.0);
    if ((L - w) / step > MAX_LINE_CANDIDATES)
        step = (L - w) / MAX_LINE_CANDIDATES;
    line_cand *cands = calloc(2 * MAX_LINE_CANDIDATES + 3, sizeof *cands);
    size_t ncand = 0;
    if (!cands)
        return nomem(r);
    double mid = L / 2;
    for (int k = 0; k <= MAX_LINE_CANDIDATES + 1 && ncand < 2 * MAX_LINE_CANDIDATES + 1; k++) {
        for (int sign = -1; sign <= 1; sign += 2) {
            if (k == 0 && sign < 0)
                continue;
            double sc = mid + sign * k * step;
            if (sc < w / 2 || sc > L - w / 2)
                continue;
            double s0 = sc - w / 2;
            /* Read left to right: if the text would run leftwards, follow
             * the reversed line instead. */
            double ax, ay, bx, by;
            path_at(fwd, s0, &ax, &ay, NULL);
            path_at(fwd, s0 + w, &bx, &by, NULL);
            const path *p = fwd;
            if (bx < ax - 1e-6 || (fabs(bx - ax) <= 1e-6 && by > ay)) {
                p = rev;
                s0 = L - (s0 + w);
            }
            line_cand *c = &cands[ncand];
            c->n = nc;
            c->glyphs = malloc(nc * sizeof *c->glyphs);
            c->boxes = malloc(nc * sizeof *c->boxes);
            if (!c->glyphs || !c->boxes) {
                free(c->glyphs);
                free(c->boxes);
                st = nomem(r);
                goto done;
            }
            bool ok = lay_along(p, t, s0, it->halo_px, c);
            for (size_t i = 0; ok && i < nc; i++)
                ok = box_in_canvas(r, c->boxes[i]);
            if (!ok) {
                free(c->glyphs);
                free(c->boxes);
                continue;
            }
            c->score = c->bend + 0.5 * fabs(sc - mid) / L;
            ncand++;
        }
    }
    qsort(cands, ncand, sizeof *cands, cmp_cand);
    for (size_t k = 0; k < ncand && !*placed; k++) {
        line_cand *c = &cands[k];
        if (!boxes_free(r, &pl->g, c->boxes, c->n))
            continue;
        it->kind = PLAN_CURVED;
        it->glyphs = st_arena_alloc(r->arena, c->n * sizeof *it->glyphs);
        if (!it->glyphs) {
            st = nomem(r);
            goto done;
        }
        memcpy(it->glyphs, c->glyphs, c->n * sizeof *it->glyphs);
        it->nglyphs = c->n;
        *placed = true;
        st = accept(pl, jb, it, c->boxes, c->n);
    }
done:
    for (size_t k = 0; k < ncand; k++) {
        free(cands[k].glyphs);
        free(cands[k].boxes);
    }
    free(cands);
    return st;
}

/* Straight text centred at cx,cy along angle (turned to read left to
 * right): laid as clusters along a two-point path, or as one rotated
 * block for text of several lines. */
static steppe_status_t straight_at(placer *pl, const job *jb, plan_item *it, double cx, double cy,
                                   double angle, bool *placed)
{
    steppe_status_t st = STEPPE_OK;
    path fwd = {0}, rev = {0};
    double w, h;
    st_text_size(it->text, &w, &h);
    if (st_text_cluster_count(it->text) > 0) {
        double half = w / 2 + 1;
        double seg[4] = {cx - half * cos(angle), cy - half * sin(angle), cx + half * cos(angle),
                         cy + half * sin(angle)};
        if (!path_make(&fwd, seg, 2, false) || !path_make(&rev, seg, 2, true))
            st = nomem(pl->r);
        else
            st = try_path(pl, jb, it, &fwd, &rev, placed);
    } else {
        if (cos(angle) < 0)
            angle += M_PI;
        double ca = fabs(cos(angle)), sa = fabs(sin(angle));
        double bw = w * ca + h * sa, bh = w * sa + h * ca;
        st_box b = box_grow((st_box){cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2}, it->halo_px);
        if (boxes_free(pl->r, &pl->g, &b, 1)) {
            it->kind = PLAN_ROTATED;
            it->x = cx;
            it->y = cy;
            it->angle = angle;
            *placed = true;
            st = accept(pl, jb, it, &b, 1);
        }
    }
    path_free(&fwd);
    path_free(&rev);
    return st;
}

static double part_length(const st_feature *f, uint32_t p)
{
    uint32_t a = f->parts[p];
    uint32_t b = p + 1 < f->nparts ? f->parts[p + 1] : f->npoints;
    double len = 0;
    for (uint32_t i = a + 1; i < b; i++)
        len += hypot(f->xy[2 * i] - f->xy[2 * i - 2], f->xy[2 * i + 1] - f->xy[2 * i - 1]);
    return len;
}

static steppe_status_t place_line(placer *pl, const job *jb, plan_item *it, const st_feature *f, bool *placed)
{
    steppe_status_t st = STEPPE_OK;
    st_scene *r = pl->r;
    path fwd = {0}, rev = {0};
    if (f->nparts == 0)
        return STEPPE_OK;

    /* The longest parts first. */
    uint32_t best[MAX_LINE_PARTS];
    double best_len[MAX_LINE_PARTS];
    size_t nbest = 0;
    for (uint32_t p = 0; p < f->nparts; p++) {
        double len = part_length(f, p);
        size_t k = nbest < MAX_LINE_PARTS ? nbest++ : MAX_LINE_PARTS;
        if (k == MAX_LINE_PARTS) {
            if (len <= best_len[MAX_LINE_PARTS - 1])
                continue;
            k = MAX_LINE_PARTS - 1;
        }
        while (k > 0 && best_len[k - 1] < len) {
            best[k] = best[k - 1];
            best_len[k] = best_len[k - 1];
            k--;
        }
        best[k] = p;
        best_len[k] = len;
    }

    for (size_t k = 0; k < nbest && !*placed; k++) {
        uint32_t p = best[k];
        uint32_t a = f->parts[p];
        uint32_t b = p + 1 < f->nparts ? f->parts[p + 1] : f->npoints;
        if (b - a < 2)
            continue;
        if (!path_make(&fwd, f->xy + 2 * a, b - a, false) || !path_make(&rev, f->xy + 2 * a, b - a, true)) {
            st = nomem(r);
            goto done;
        }
        st = try_path(pl, jb, it, &fwd, &rev, placed);
        path_free(&fwd);
        path_free(&rev);
        if (st != STEPPE_OK)
            goto done;
    }
    if (*placed)
        goto done;

    /* Fallback 1: straight text along the chord spanning the text's
     * length on the longest parts (a wiggly line's overall direction),
     * from the middle outwards. */
    double w;
    st_text_size(it->text, &w, NULL);
    for (size_t k = 0; k < nbest && !*placed && st == STEPPE_OK; k++) {
        uint32_t p = best[k];
        uint32_t a = f->parts[p];
        uint32_t b = p + 1 < f->nparts ? f->parts[p + 1] : f->npoints;
        if (b - a < 2 || best_len[k] < w)
            continue;
        if (!path_make(&fwd, f->xy + 2 * a, b - a, false)) {
            st = nomem(r);
            goto done;
        }
        double L = fwd.len, step = fmax(w / 2, 16.0);
        for (int i = 0; i <= 16 && !*placed && st == STEPPE_OK; i++) {
            double sc = L / 2 + (i % 2 ? 1 : -1) * ((i + 1) / 2) * step;
            if (sc < w / 2 || sc > L - w / 2)
                continue;
            double ax, ay, bx, by;
            path_at(&fwd, sc - w / 2, &ax, &ay, NULL);
            path_at(&fwd, sc + w / 2, &bx, &by, NULL);
            if (hypot(bx - ax, by - ay) < 1)
                continue;
            st = straight_at(pl, jb, it, (ax + bx) / 2, (ay + by) / 2, atan2(by - ay, bx - ax), placed);
        }
        path_free(&fwd);
    }
    if (*placed || st != STEPPE_OK)
        goto done;

    /* Fallback 2: straight text centred on the longest segment whose
     * middle is on the canvas, parallel to it. */
    double blen = 0, bx = 0, by = 0, bangle = 0;
    for (uint32_t p = 0; p < f->nparts; p++) {
        uint32_t a = f->parts[p];
        uint32_t b = p + 1 < f->nparts ? f->parts[p + 1] : f->npoints;
        for (uint32_t i = a + 1; i < b; i++) {
            const double *u = f->xy + 2 * (i - 1), *v = f->xy + 2 * i;
            double len = hypot(v[0] - u[0], v[1] - u[1]);
            double mx = (u[0] + v[0]) / 2, my = (u[1] + v[1]) / 2;
            if (len <= blen || mx < 0 || my < 0 || mx > r->view.width_px || my > r->view.height_px)
                continue;
            blen = len;
            bx = mx;
            by = my;
            bangle = atan2(v[1] - u[1], v[0] - u[0]);
        }
    }
    if (blen > 0)
        st = straight_at(pl, jb, it, bx, by, bangle, placed);
done:
    path_free(&fwd);
    path_free(&rev);
    return st;
}

/* The point at fraction t of the length of f's longest part (off the
 * canvas when f has none). Returns false when out of memory. */
static bool line_point(const st_feature *f, double t, double *x, double *y)
{
    *x = *y = -1; /* off the canvas: no place */
    if (f->nparts == 0 || f->npoints < 2)
        return true;
    uint32_t best = 0;
    double best_len = -1;
    for (uint32_t p = 0; p < f->nparts; p++) {
        double len = part_length(f, p);
        if (len > best_len) {
            best_len = len;
            best = p;
        }
    }
    uint32_t a = f->parts[best];
    uint32_t b = best + 1 < f->nparts ? f->parts[best + 1] : f->npoints;
    path p = {0};
    bool ok = path_make(&p, f->xy + 2 * a, b - a, false);
    if (ok)
        path_at(&p, t * p.len, x, y, NULL);
    path_free(&p);
    return ok;
}

/* Where a point-placed label of a line or polygon is anchored. */
static void anchor_of(const st_feature *f, st_geom_type type, double *x, double *y)
{
    *x = f->xy[0];
    *y = f->xy[1];
    if (type == ST_GEOM_POLYGON && f->npoints >= 3) {
        double d;
        st_polygon_pole(f, 1.0, x, y, &d);
    } else if (type == ST_GEOM_LINE && f->npoints >= 2) {
        path p = {0};
        if (path_make(&p, f->xy, f->parts && f->nparts > 1 ? f->parts[1] : f->npoints, false))
            path_at(&p, p.len / 2, x, y, NULL);
        path_free(&p);
    }
}

static st_font label_font(const st_map *map, const st_label *lab)
{
    return (st_font){
        .family = lab->font ? lab->font
                  : map     ? map->font
                            : NULL,
        .size = lab->size,
        .weight = lab->weight,
        .italic = lab->italic,
        .letter_spacing = lab->letter_spacing,
    };
}

size_t st_labels_fonts(const st_map *m, st_font *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nlayers; i++) {
        const st_layer *L = &m->layers[i];
        if (!L->visible)
            continue;
        if (L->label.enabled && L->label.text && n < max)
            out[n++] = label_font(m, &L->label);
        for (size_t c = 0; c < L->nclasses; c++) {
            const st_label *lab = &L->classes[c].label;
            if (lab->enabled && lab->text && n < max)
                out[n++] = label_font(m, lab);
        }
    }
    return n;
}

/* A label that found no place, for the report. */
static steppe_status_t drop(placer *pl, const st_layer_data *ld, const job *jb)
{
    st_scene *r = pl->r;
    if (r->ndropped == r->cap_dropped && pl->njobs > 64) {
        /* Room for every job that is left at once: a crowded map drops
         * most of a million labels, and doubling in the arena would keep
         * every smaller array too. */
        size_t cap = r->ndropped + pl->njobs - pl->done;
        void *na = st_arena_alloc(r->arena, cap * sizeof *r->dropped);
        if (!na)
            return nomem(r);
        if (r->ndropped)
            memcpy(na, r->dropped, r->ndropped * sizeof *r->dropped);
        r->dropped = na;
        r->cap_dropped = cap;
    }
    if (!arena_grow(r->arena, (void **)&r->dropped, &r->cap_dropped, r->ndropped, sizeof *r->dropped))
        return nomem(r);
    r->dropped[r->ndropped].layer = ld->layer->name;
    r->dropped[r->ndropped].text = jb->text;
    r->ndropped++;
    return STEPPE_OK;
}

/* Half the side of the obstacle box render.c makes for a point's marker
 * (stars and triangles reach beyond size / 2), or of a proportional
 * marker's (size:) own diameter; 0 without a marker. */
static double feature_marker_radius(const st_scene *r, const st_layer_data *ld, size_t k)
{
    const st_feature *f = &ld->fs.feat[k];
    const st_layer *L = ld->layer;
    const st_symbol *sym = f->cls >= 0 && (size_t)f->cls < L->nclasses ? &L->classes[f->cls].sym : &L->sym;
    double radius = 0;
    if (sym->marker != ST_MARKER_NONE)
        radius = (sym->size * 0.6 + sym->width) * r->view.px_per_pt;
    const st_thematic_result *t = ld->thematic;
    if (t && t->size && k < t->n)
        radius = (t->size[k] / 2 + ld->layer->sym.width) * r->view.px_per_pt;
    return radius;
}

static double marker_radius(const st_scene *r, const st_layer_data *ld, const job *jb)
{
    return feature_marker_radius(r, ld, jb->feature);
}

/* Calls fn for each marker on the canvas: every point of a point layer
 * with a marker symbol, and proportional markers where they are drawn. */
typedef void (*marker_fn)(marker_index *mk, const marker *m);

static void each_marker(const st_scene *r, marker_index *mk, marker_fn fn)
{
    for (size_t i = 0; i < r->nlayers; i++) {
        const st_layer_data *ld = &r->layers[i];
        if (!ld->layer || !ld->layer->visible)
            continue;
        bool sized = ld->thematic && ld->thematic->size && ld->marker_xy;
        if (!sized && ld->fs.type != ST_GEOM_POINT)
            continue;
        for (size_t k = 0; k < ld->fs.n && k < UINT32_MAX; k++) {
            const st_feature *f = &ld->fs.feat[k];
            double rad = feature_marker_radius(r, ld, k);
            if (!(rad > 0))
                continue;
            const double *xy = sized ? ld->marker_xy + 2 * k : f->xy;
            uint32_t np = sized ? 1 : f->npoints;
            for (uint32_t p = 0; p < np; p++) {
                double x = xy[2 * p], y = xy[2 * p + 1];
                if (!(x >= -rad && y >= -rad && x <= r->view.width_px + rad && y <= r->view.height_px + rad))
                    continue;
                marker m = {(float)x, (float)y, (float)rad, mk->base[i] + (uint32_t)k};
                fn(mk, &m);
            }
        }
    }
}

static size_t marker_cell(const marker_index *mk, const marker *m)
{
    return (size_t)cell_of(m->y, mk->cell, mk->ny) * (size_t)mk->nx + (size_t)cell_of(m->x, mk->cell, mk->nx);
}

static void count_marker(marker_index *mk, const marker *m)
{
    mk->start[marker_cell(mk, m) + 1]++;
    mk->n++;
    mk->rmax = fmax(mk->rmax, m->r);
}

/* start[c] is the next free slot of cell c while filling. */
static void fill_marker(marker_index *mk, const marker *m)
{
    mk->m[mk->start[marker_cell(mk, m)]++] = *m;
}

/* Indexes the canvas's markers for the ambiguity rule. */
static bool markers_init(const st_scene *r, marker_index *mk)
{
    memset(mk, 0, sizeof *mk);
    double w = r->view.width_px, h = r->view.height_px;
    mk->cell = GRID_CELL;
    mk->nx = (int)fmax(ceil(w / mk->cell), 1);
    mk->ny = (int)fmax(ceil(h / mk->cell), 1);
    size_t ncells = (size_t)mk->nx * (size_t)mk->ny;
    mk->start = calloc(ncells + 1, sizeof *mk->start);
    mk->base = calloc(r->nlayers + 1, sizeof *mk->base);
    if (!mk->start || !mk->base)
        return false;
    /* Features are numbered across layers; past 2^32 of them (beyond any
     * file steppe reads) the rule has no markers. */
    size_t total = 0;
    for (size_t i = 0; i < r->nlayers; i++) {
        mk->base[i] = (uint32_t)total;
        total += r->layers[i].fs.n;
    }
    if (total >= UINT32_MAX)
        return true;
    each_marker(r, mk, count_marker);
    if (mk->n == 0 || mk->n >= UINT32_MAX)
        return mk->n == 0;
    mk->m = malloc(mk->n * sizeof *mk->m);
    if (!mk->m)
        return false;
    for (size_t c = 0; c < ncells; c++)
        mk->start[c + 1] += mk->start[c];
    each_marker(r, mk, fill_marker);
    /* Filling moved each start to the next cell's: shift back. */
    memmove(mk->start + 1, mk->start, ncells * sizeof *mk->start);
    mk->start[0] = 0;
    return true;
}

static void markers_free(marker_index *mk)
{
    free(mk->m);
    free(mk->start);
    free(mk->base);
}

/* Whether jb's label may go away from its feature with a leader
 * (map.leaders): auto, only the subject's labels, kept first. */
static bool leaders_for(const placer *pl, const job *jb)
{
    switch (pl->r->map->leaders) {
    case ST_LEADERS_ON: return true;
    case ST_LEADERS_OFF: return false;
    default: return jb->subject;
    }
}

/* Whether a point label at px, py may find a place, decided before its
 * text is shaped (shaping is most of a label's cost, and on a map crowded
 * with markers most labels find none). Each of place_point's candidate
 * boxes, whatever the text's width and height, holds the corner nearest
 * the point grown by the halo; when every such small box is taken or off
 * the canvas, so is every candidate, and the answer is exactly the one
 * placing would give. Without a halo the small boxes have no area and
 * prove nothing. */
static bool point_may_fit(placer *pl, const job *jb, double px, double py)
{
    st_scene *r = pl->r;
    const st_label *lab = jb->label;
    double halo_px = lab->halo.a > 0 && lab->halo_width > 0 ? lab->halo_width * r->view.px_per_pt : 0;
    if (!(halo_px > 0))
        return true;
    double radius = marker_radius(r, &r->layers[jb->layer], jb);
    double gap = lab->offset * r->view.px_per_pt + halo_px;
    double d = radius + gap;
    double e = radius + gap * M_SQRT1_2;
    const double corner[16] = {px + d, py,     px - d, py,     px,     py - d, px,     py + d,
                               px + e, py - e, px - e, py - e, px + e, py + e, px - e, py + e};
    for (size_t i = 0; i < 8; i++) {
        st_box b =
            box_grow((st_box){corner[2 * i], corner[2 * i + 1], corner[2 * i], corner[2 * i + 1]}, halo_px);
        if (boxes_free(r, &pl->g, &b, 1))
            return true;
    }
    return false;
}

/* Places jb's label beside its feature, else (map.leaders) further out
 * with a leader line, else drops it. */
static steppe_status_t place_job(placer *pl, const job *jb)
{
    st_scene *r = pl->r;
    const st_layer_data *ld = &r->layers[jb->layer];
    const st_feature *f = &ld->fs.feat[jb->feature];
    const st_label *lab = jb->label;
    const st_map *map = r->map;
    steppe_status_t st = STEPPE_OK;

    bool leaders = leaders_for(pl, jb);
    if (ld->fs.type == ST_GEOM_POINT && f->npoints > 0 && !leaders &&
        !point_may_fit(pl, jb, f->xy[0], f->xy[1]))
        return drop(pl, ld, jb);

    st_font font = label_font(map, lab);
    plan_item it = {0};
    it.text = st_text_create(r->ctx, &r->view, jb->text, &font);
    if (!it.text)
        return STEPPE_ERR_NOMEM;
    if (st_text_unknown_glyphs(it.text) > 0)
        st_warn(r->ctx, "label '%s' (layer %s): %d characters not in font '%s'", jb->text, ld->layer->name,
                st_text_unknown_glyphs(it.text), font.family ? font.family : "Noto Sans");
    it.color = lab->color;
    it.halo = lab->halo;
    it.halo_px = lab->halo.a > 0 && lab->halo_width > 0 ? lab->halo_width * r->view.px_per_pt : 0;

    st_placement mode = lab->placement;
    if (mode == ST_PLACE_AUTO || ld->fs.type == ST_GEOM_POINT) {
        mode = ld->fs.type == ST_GEOM_POLYGON ? ST_PLACE_POLYGON
               : ld->fs.type == ST_GEOM_LINE  ? ST_PLACE_LINE
                                              : ST_PLACE_POINT;
    }
    if (mode == ST_PLACE_POLYGON && ld->fs.type != ST_GEOM_POLYGON)
        mode = ST_PLACE_LINE;

    bool placed = false;
    if (f->npoints == 0) {
        st = STEPPE_OK;
    } else if (mode == ST_PLACE_POINT) {
        double x, y, radius = 0;
        anchor_of(f, ld->fs.type, &x, &y);
        if (ld->fs.type == ST_GEOM_POINT)
            radius = marker_radius(r, ld, jb);
        /* A point's marker: its label names it and no other. */
        double own[3] = {x, y, radius};
        bool marked = ld->fs.type == ST_GEOM_POINT && radius > 0;
        it.anchored = ld->fs.type == ST_GEOM_POINT;
        it.anchor[0] = x;
        it.anchor[1] = y;
        st = place_point(pl, jb, &it, x, y, radius, marked ? own : NULL, &placed);
        if (st == STEPPE_OK && !placed && leaders)
            st = place_leader(pl, jb, &it, x, y, radius, &placed);
    } else if (mode == ST_PLACE_POLYGON) {
        st = place_polygon(pl, jb, &it, f, &placed);
        if (st == STEPPE_OK && !placed && lab->outside) {
            /* Too small inside: name it beside its pole, as a point. */
            double x, y, dist;
            st_polygon_pole(f, 1.0, &x, &y, &dist);
            double lw, lh;
            st_text_size(it.text, &lw, &lh);
            /* Beside the pole, then one and two line heights further out. */
            for (int ring = 0; ring < 3 && st == STEPPE_OK && !placed; ring++) {
                if (x >= 0 && y >= 0 && x <= r->view.width_px && y <= r->view.height_px)
                    st = place_point(pl, jb, &it, x, y, ring * lh, NULL, &placed);
            }
            if (st == STEPPE_OK && !placed && leaders && x >= 0 && y >= 0 && x <= r->view.width_px &&
                y <= r->view.height_px)
                st = place_leader(pl, jb, &it, x, y, 0, &placed);
        }
    } else {
        st = place_line(pl, jb, &it, f, &placed);
        /* No room along the line: beside a point of its longest part,
         * the middle first, with a leader. */
        static const double along[] = {0.5, 0.35, 0.65, 0.2, 0.8};
        for (size_t k = 0; k < sizeof along / sizeof along[0] && st == STEPPE_OK && !placed && leaders; k++) {
            double x, y;
            if (!line_point(f, along[k], &x, &y)) {
                st = nomem(r);
                break;
            }
            if (x >= 0 && y >= 0 && x <= r->view.width_px && y <= r->view.height_px)
                st = place_leader(pl, jb, &it, x, y, 0, &placed);
        }
    }

    if (st != STEPPE_OK || !placed) {
        st_text_destroy(it.text);
        it.text = NULL;
    }
    if (st == STEPPE_OK && !placed)
        return drop(pl, ld, jb);
    return st;
}

/* Places the n jobs in turn; dropped[i] (when not NULL) tells whether
 * job i found no place. */
static steppe_status_t place_run(placer *pl, const job *jobs, size_t n, bool *dropped)
{
    steppe_status_t st = STEPPE_OK;
    for (size_t i = 0; i < n && st == STEPPE_OK; i++, pl->done++) {
        size_t before = pl->r->ndropped;
        st = place_job(pl, &jobs[i]);
        if (dropped)
            dropped[i] = pl->r->ndropped > before;
    }
    return st;
}

/* Takes back every label placed: the plan, the report's lists and the
 * grid, which keeps only the scene's obstacles. */
static steppe_status_t placer_reset(placer *pl)
{
    st_scene *r = pl->r;
    for (size_t i = 0; i < pl->plan->n; i++)
        st_text_destroy(pl->plan->items[i].text);
    pl->plan->n = 0;
    r->nlabels = 0;
    r->ndropped = 0;
    pl->done = 0;
    grid_free(&pl->g);
    if (!grid_init(&pl->g, r->view.width_px, r->view.height_px, r->nobstacles) ||
        !grid_add_fixed(&pl->g, r->obstacles, r->nobstacles))
        return nomem(r);
    return STEPPE_OK;
}

/* The subject's labels (the first n jobs), placed before any other. Greedy
 * placement in priority order can give one label the only room another
 * had; when some are dropped, they go first and the run is made again, a
 * few times, keeping the order that drops fewest (earliest among equals):
 * a small search over orders, cheap for the few labels a subject has. */
static steppe_status_t place_subject(placer *pl, job *jobs, size_t n)
{
    steppe_status_t st = STEPPE_OK;
    job *best = malloc((n ? n : 1) * sizeof *best);
    job *next = malloc((n ? n : 1) * sizeof *next);
    bool *dropped = calloc(n ? n : 1, sizeof *dropped);
    size_t best_drops = SIZE_MAX;
    int best_try = 0, t = 0;
    if (!best || !next || !dropped) {
        st = nomem(pl->r);
        goto done;
    }
    for (t = 0; t < SUBJECT_TRIES && st == STEPPE_OK; t++) {
        if (t > 0)
            st = placer_reset(pl);
        if (st == STEPPE_OK)
            st = place_run(pl, jobs, n, dropped);
        size_t drops = 0;
        for (size_t i = 0; i < n; i++)
            drops += dropped[i];
        if (st != STEPPE_OK || drops == 0)
            goto done;
        if (drops < best_drops) {
            best_drops = drops;
            best_try = t;
            memcpy(best, jobs, n * sizeof *best);
        }
        /* The dropped first, then the rest, each in their last order. */
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (dropped[i])
                next[k++] = jobs[i];
        }
        for (size_t i = 0; i < n; i++) {
            if (!dropped[i])
                next[k++] = jobs[i];
        }
        memcpy(jobs, next, n * sizeof *jobs);
    }
    if (st == STEPPE_OK && best_try != t - 1) {
        memcpy(jobs, best, n * sizeof *jobs);
        st = placer_reset(pl);
        if (st == STEPPE_OK)
            st = place_run(pl, jobs, n, NULL);
    }
done:
    free(best);
    free(next);
    free(dropped);
    return st;
}

/* ---- jobs ---------------------------------------------------------------- */

static int cmp_job(const void *a, const void *b)
{
    const job *x = a, *y = b;
    if (x->subject != y->subject)
        return x->subject ? -1 : 1;
    if (x->label->priority != y->label->priority)
        return x->label->priority > y->label->priority ? -1 : 1;
    if (x->layer != y->layer)
        return x->layer < y->layer ? -1 : 1;
    return x->feature < y->feature ? -1 : x->feature > y->feature;
}

/* Whether tmpl is exactly one field reference, "{name}" (no other text,
 * no brace in the name), whose name goes to out. */
static bool single_field(const char *tmpl, char *out, size_t cap)
{
    size_t n = strlen(tmpl);
    if (n < 3 || tmpl[0] != '{' || tmpl[n - 1] != '}' || n - 2 >= cap)
        return false;
    for (size_t i = 1; i + 1 < n; i++) {
        if (tmpl[i] == '{' || tmpl[i] == '}')
            return false;
    }
    memcpy(out, tmpl + 1, n - 2);
    out[n - 2] = '\0';
    return true;
}

static steppe_status_t collect_jobs(st_scene *r, job **out, size_t *nout)
{
    steppe_status_t st = STEPPE_OK;
    char field[256];
    size_t cap = 0;
    for (size_t i = 0; i < r->nlayers; i++)
        cap += r->layers[i].fs.n;
    job *jobs = malloc((cap ? cap : 1) * sizeof *jobs);
    size_t n = 0;
    if (!jobs) {
        st = nomem(r);
        goto done;
    }
    for (size_t i = 0; i < r->nlayers; i++) {
        const st_layer_data *ld = &r->layers[i];
        const st_layer *L = ld->layer;
        if (!L || !L->visible)
            continue;
        for (size_t k = 0; k < ld->fs.n; k++) {
            const st_feature *f = &ld->fs.feat[k];
            bool cls = f->cls >= 0 && (size_t)f->cls < L->nclasses;
            const st_label *lab = cls ? &L->classes[f->cls].label : &L->label;
            if (!lab->enabled || !lab->text)
                continue;
            /* Off the map frame: nothing to name, so not "dropped" either. */
            st_box fr = st_scene_frame(&r->view);
            if (f->bbox[2] < fr.x0 || f->bbox[0] > fr.x1 || f->bbox[3] < fr.y0 || f->bbox[1] > fr.y1)
                continue;
            /* Too small to be worth a name: not a job, so not "dropped". */
            if (ld->fs.type == ST_GEOM_POLYGON && lab->min_area > 0 && feature_area(f) < lab->min_area)
                continue;
            /* A measured layer's label may give its length: {km}, {km_round}. */
            const char *tmpl = lab->text;
            if (ld->measured && strstr(tmpl, "{km")) {
                tmpl = st_furniture_measure_text(r->arena, tmpl, ld->km, r->map->language);
                if (!tmpl) {
                    st = nomem(r);
                    goto done;
                }
            }
            /* A template that is one field ("{name}") is that field's
             * value: used as it is, not copied (a million points, 16 MB). */
            const char *text = NULL;
            if (!lab->uppercase && single_field(tmpl, field, sizeof field))
                text = st_feature_attr(&ld->fs, f, field);
            if (!text)
                text = st_feature_format(r->arena, tmpl, &ld->fs, f);
            if (text && lab->uppercase) {
                gchar *up = g_utf8_strup(text, -1);
                text = up ? st_arena_strdup(r->arena, up) : NULL;
                g_free(up);
            }
            if (!text) {
                st = nomem(r);
                goto done;
            }
            if (!*text)
                continue;
            if (i > UINT32_MAX / 2 || k > UINT32_MAX)
                continue; /* beyond any layer count or file size steppe reads */
            jobs[n].layer = (uint32_t)i;
            jobs[n].feature = (uint32_t)k;
            jobs[n].label = lab;
            jobs[n].text = text;
            bool subject = false;
            for (size_t s = 0; s < r->map->nsubject; s++)
                subject = subject || strcmp(r->map->subject[s], L->name) == 0;
            jobs[n].subject = subject;
            n++;
        }
    }
    /* Collected in layer and feature order, the jobs are often sorted
     * already (one priority, no subject): glibc's qsort is a merge sort
     * with a copy of the array (32 MB for a million labelled points), so
     * it runs only when some job is out of order. cmp_job is a total
     * order, so the result is the same either way. */
    bool sorted = true;
    for (size_t j = 1; j < n && sorted; j++)
        sorted = cmp_job(&jobs[j - 1], &jobs[j]) < 0;
    if (!sorted)
        qsort(jobs, n, sizeof *jobs, cmp_job);
done:
    if (st != STEPPE_OK) {
        free(jobs);
        jobs = NULL;
        n = 0;
    }
    *out = jobs;
    *nout = n;
    return st;
}

steppe_status_t st_labels_place(st_scene *r)
{
    steppe_status_t st = STEPPE_OK;
    job *jobs = NULL;
    size_t njobs = 0;
    placer pl = {.r = r};
    bool grid_ok = grid_init(&pl.g, r->view.width_px, r->view.height_px, r->nobstacles);
    bool markers_ok = markers_init(r, &pl.mk);

    if (!grid_ok || !markers_ok) {
        st = nomem(r);
        goto done;
    }
    st = collect_jobs(r, &jobs, &njobs);
    if (st != STEPPE_OK)
        goto done;
    pl.plan = st_arena_calloc(r->arena, 1, sizeof *pl.plan);
    if (!pl.plan) {
        st = nomem(r);
        goto done;
    }
    r->label_plan = pl.plan;
    if (!grid_add_fixed(&pl.g, r->obstacles, r->nobstacles)) {
        st = nomem(r);
        goto done;
    }
    pl.njobs = njobs;
    /* The subject's labels before any other (jobs are sorted subject
     * first), then the rest. */
    size_t nsubject = 0;
    while (nsubject < njobs && jobs[nsubject].subject)
        nsubject++;
    st = place_subject(&pl, jobs, nsubject);
    if (st == STEPPE_OK)
        st = place_run(&pl, jobs + nsubject, njobs - nsubject, NULL);
done:
    free(jobs);
    grid_free(&pl.g);
    markers_free(&pl.mk);
    return st;
}

void st_labels_draw(st_scene *r, cairo_t *cr)
{
    const struct st_label_plan *plan = r->label_plan;
    if (!plan)
        return;
    /* Leaders under every label: a halo covers a leader's end. */
    for (size_t i = 0; i < plan->n; i++) {
        const plan_item *it = &plan->items[i];
        if (!it->has_leader)
            continue;
        cairo_save(cr);
        cairo_set_line_width(cr, LEADER_WIDTH_PT * r->view.px_per_pt);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        cairo_set_source_rgba(cr, it->color.r, it->color.g, it->color.b, it->color.a);
        cairo_move_to(cr, it->leader[0], it->leader[1]);
        cairo_line_to(cr, it->leader[2], it->leader[3]);
        cairo_stroke(cr);
        cairo_restore(cr);
    }
    for (size_t i = 0; i < plan->n; i++) {
        const plan_item *it = &plan->items[i];
        switch (it->kind) {
        case PLAN_STRAIGHT: st_text_draw(cr, it->text, it->x, it->y, it->color, it->halo, it->halo_px); break;
        case PLAN_ROTATED:
            st_text_draw_rotated(cr, it->text, it->x, it->y, it->angle, it->color, it->halo, it->halo_px);
            break;
        case PLAN_CURVED:
            /* Every halo before any letter, so no halo covers a neighbour. */
            for (size_t k = 0; it->halo_px > 0 && k < it->nglyphs; k++)
                st_text_draw_cluster(cr, it->text, k, it->glyphs[k].x, it->glyphs[k].y, it->glyphs[k].angle,
                                     it->halo, it->halo_px);
            for (size_t k = 0; k < it->nglyphs; k++)
                st_text_draw_cluster(cr, it->text, k, it->glyphs[k].x, it->glyphs[k].y, it->glyphs[k].angle,
                                     it->color, 0);
            break;
        }
    }
}

void st_labels_free(st_scene *r)
{
    struct st_label_plan *plan = r->label_plan;
    if (!plan)
        return;
    for (size_t i = 0; i < plan->n; i++)
        st_text_destroy(plan->items[i].text);
    plan->n = 0;
    r->label_plan = NULL;
}
