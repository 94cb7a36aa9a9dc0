/* Approximate projection: bilinear interpolation in a lazily built grid.
 *
 * PROJ costs ~150 ns a point for a conic (most of it in pow/sincos), and a
 * country-scale render projects hundreds of thousands of vertices whose
 * neighbours are a few hundred metres apart. Like GDAL's approximate
 * transformer (GDALApproxTransform), this projects exactly only the corners
 * of the grid cells the points fall in — plus each cell's centre, where the
 * bilinear interpolation is checked — and interpolates every point inside a
 * cell whose centre error is under the tolerance. A cell that fails the
 * check (strong curvature, the map's seam, a pole, a failed corner) has its
 * points projected exactly. Three batched proj_trans_generic() calls in
 * all: nodes, centres, exact points.
 *
 * The exact transform is a callback, so this module knows nothing of PROJ
 * or of project.c: project.c calls down into it, never the other way. */
#include "project_approx.h"
#include "grow.h"

#include <stdbool.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An open-addressing hash from a packed (i, j) cell or node index to a slot. */
typedef struct imap {
    uint64_t *keys; /* 0 = empty; keys are stored +1 */
    uint32_t *vals;
    size_t cap; /* power of two */
    size_t n;
} imap;

static uint64_t mix(uint64_t k)
{
    /* splitmix64 finaliser */
    k ^= k >> 30;
    k *= 0xbf58476d1ce4e5b9ULL;
    k ^= k >> 27;
    k *= 0x94d049bb133111ebULL;
    return k ^ (k >> 31);
}

static bool imap_grow(imap *m)
{
    size_t cap = m->cap ? 2 * m->cap : 4096;
    uint64_t *keys = calloc(cap, sizeof *keys);
    uint32_t *vals = malloc(cap * sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return false;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t h = mix(m->keys[i]) & (cap - 1);
        while (keys[h])
            h = (h + 1) & (cap - 1);
        keys[h] = m->keys[i];
        vals[h] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    return true;
}

/* The slot of key, inserting next as its value when absent (*added set).
 * Returns UINT32_MAX when out of memory. */
static uint32_t imap_get(imap *m, uint64_t key, uint32_t next, bool *added)
{
    *added = false;
    if (2 * (m->n + 1) > m->cap && !imap_grow(m))
        return UINT32_MAX;
    key += 1;
    size_t h = mix(key) & (m->cap - 1);
    while (m->keys[h]) {
        if (m->keys[h] == key)
            return m->vals[h];
        h = (h + 1) & (m->cap - 1);
    }
    m->keys[h] = key;
    m->vals[h] = next;
    m->n++;
    *added = true;
    return next;
}

static void imap_free(imap *m)
{
    free(m->keys);
    free(m->vals);
}

static uint64_t pack(int64_t i, int64_t j)
{
    return ((uint64_t)(i + (1 << 30)) << 32) | (uint64_t)(j + (1 << 30));
}

typedef struct dvec {
    double *v;
    size_t n, cap; /* in doubles */
} dvec;

static bool dvec_push2(dvec *d, double a, double b)
{
    if (!st_grow(&d->v, &d->cap, d->n + 2, sizeof *d->v, 8192))
        return false;
    d->v[d->n++] = a;
    d->v[d->n++] = b;
    return true;
}

typedef struct cell {
    uint32_t node[4]; /* corner node slots: (i,j) (i+1,j) (i,j+1) (i+1,j+1) */
    bool exact;
} cell;

size_t st_approx_trans(st_approx_exact_fn exact, void *user, double *xy, size_t n, double cell_deg,
                       double tol)
{
    if (n < 4096 || !(cell_deg > 0) || !(tol > 0))
        return exact(user, xy, n);
    imap cells = {0}, nodes = {0};
    dvec nodexy = {0};  /* lon/lat of each node, then projected */
    dvec centres = {0}; /* lon/lat of each cell centre, then projected */
    cell *cv = NULL;
    size_t ncell = 0, capcell = 0;
    uint32_t *pcell = malloc(n * sizeof *pcell);
    size_t failed = 0;
    bool ok = pcell != NULL;
    const double inv = 1.0 / cell_deg;

    /* Pass 1: the cell of every point; new cells register their corners.
     * Consecutive vertices mostly share a cell: the last one found is
     * checked before the hash. */
    uint64_t last_key = UINT64_MAX;
    uint32_t last_cell = UINT32_MAX;
    for (size_t k = 0; k < n && ok; k++) {
        double lon = xy[2 * k];
        double lat = xy[2 * k + 1];
        if (!isfinite(lon) || !isfinite(lat) || fabs(lat) > 90) {
            pcell[k] = UINT32_MAX;
            continue;
        }
        int64_t i = (int64_t)floor((lon + 180.0) * inv);
        int64_t j = (int64_t)floor((lat + 90.0) * inv);
        uint64_t key = pack(i, j);
        if (key == last_key) {
            pcell[k] = last_cell;
            continue;
        }
        bool added;
        uint32_t c = imap_get(&cells, key, (uint32_t)ncell, &added);
        last_key = key;
        last_cell = c;
        if (c == UINT32_MAX) {
            ok = false;
            break;
        }
        pcell[k] = c;
        if (!added)
            continue;
        if (ncell == capcell) {
            capcell = capcell ? 2 * capcell : 1024;
            cell *ncv = realloc(cv, capcell * sizeof *cv);
            if (!ncv) {
                ok = false;
                break;
            }
            cv = ncv;
        }
        cell *ce = &cv[ncell++];
        ce->exact = false;
        for (int q = 0; q < 4 && ok; q++) {
            int64_t ni = i + (q & 1);
            int64_t nj = j + (q >> 1);
            uint32_t s = imap_get(&nodes, pack(ni, nj), (uint32_t)(nodexy.n / 2), &added);
            if (s == UINT32_MAX) {
                ok = false;
                break;
            }
            if (added) {
                double nlat = nj * cell_deg - 90.0;
                ok = dvec_push2(&nodexy, ni * cell_deg - 180.0, nlat > 90 ? 90 : nlat);
                if (nlat > 90)
                    ce->exact = true; /* the cell reaches past the pole */
            }
            ce->node[q] = s;
        }
        ok = ok && dvec_push2(&centres, (i + 0.5) * cell_deg - 180.0, (j + 0.5) * cell_deg - 90.0);
    }
    if (!ok) {
        failed = exact(user, xy, n);
        goto done;
    }

    /* Pass 2: nodes and centres, exactly. */
    exact(user, nodexy.v, nodexy.n / 2);
    exact(user, centres.v, centres.n / 2);
    for (size_t c = 0; c < ncell; c++) {
        cell *ce = &cv[c];
        const double *a = nodexy.v + 2 * ce->node[0];
        const double *b = nodexy.v + 2 * ce->node[1];
        const double *d = nodexy.v + 2 * ce->node[2];
        const double *e = nodexy.v + 2 * ce->node[3];
        if (ce->exact || a[0] == HUGE_VAL || b[0] == HUGE_VAL || d[0] == HUGE_VAL || e[0] == HUGE_VAL ||
            centres.v[2 * c] == HUGE_VAL) {
            ce->exact = true;
            continue;
        }
        double ix = (a[0] + b[0] + d[0] + e[0]) / 4;
        double iy = (a[1] + b[1] + d[1] + e[1]) / 4;
        ce->exact = fabs(ix - centres.v[2 * c]) > tol || fabs(iy - centres.v[2 * c + 1]) > tol;
    }

    /* Pass 3: interpolate, and gather the points of exact cells. */
    dvec ex = {0};
    size_t *exi = NULL;
    size_t nex = 0;
    for (size_t k = 0; k < n && ok; k++) {
        uint32_t c = pcell[k];
        if (c != UINT32_MAX && !cv[c].exact) {
            const cell *ce = &cv[c];
            double lon = xy[2 * k];
            double lat = xy[2 * k + 1];
            double u = (lon + 180.0) * inv;
            double v = (lat + 90.0) * inv;
            u -= floor(u);
            v -= floor(v);
            const double *a = nodexy.v + 2 * ce->node[0];
            const double *b = nodexy.v + 2 * ce->node[1];
            const double *d = nodexy.v + 2 * ce->node[2];
            const double *e = nodexy.v + 2 * ce->node[3];
            double w0 = (1 - u) * (1 - v), w1 = u * (1 - v), w2 = (1 - u) * v, w3 = u * v;
            xy[2 * k] = w0 * a[0] + w1 * b[0] + w2 * d[0] + w3 * e[0];
            xy[2 * k + 1] = w0 * a[1] + w1 * b[1] + w2 * d[1] + w3 * e[1];
            continue;
        }
        if (nex % 4096 == 0) {
            size_t *ne = realloc(exi, (nex + 4096) * sizeof *ne);
            if (!ne) {
                ok = false;
                break;
            }
            exi = ne;
        }
        exi[nex++] = k;
        ok = dvec_push2(&ex, xy[2 * k], xy[2 * k + 1]);
    }
    if (ok) {
        failed = exact(user, ex.v, nex);
        for (size_t q = 0; q < nex; q++) {
            xy[2 * exi[q]] = ex.v[2 * q];
            xy[2 * exi[q] + 1] = ex.v[2 * q + 1];
        }
    }
    free(ex.v);
    free(exi);
    if (!ok) {
        /* Out of memory midway: interpolated points are already final, the
         * rest are still lon/lat; there is no cheap way to tell which is
         * which, so this cannot happen silently. */
        for (size_t k = 0; k < n; k++) {
            if (pcell[k] == UINT32_MAX || cv[pcell[k]].exact) {
                xy[2 * k] = HUGE_VAL;
                xy[2 * k + 1] = HUGE_VAL;
                failed++;
            }
        }
    }
done:
    free(pcell);
    free(cv);
    free(nodexy.v);
    free(centres.v);
    imap_free(&cells);
    imap_free(&nodes);
    return failed;
}
