/* Reading a render's layers: every source file a visible layer draws is
 * read, projected and generalised once, on every core (or taken from the
 * atlas's data cache), shared boundaries are derived on threads of their
 * own, and each layer takes its subset; derived layers (shared boundaries,
 * border regions, routes) are made from their sources here too. See read.h. */
#include "read.h"
#include "thematic_render.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <pthread.h>
#include <unistd.h>

#include "datacache.h"
#include "derive.h"
#include "draw.h"
#include "generalize.h"
#include "source.h"

/* Most threads a render starts for one stage (reading, drawing bands). */
#define MAX_THREADS 4
/* Generalisation before projection: vertices closer than this many output
 * pixels to the previous kept vertex are dropped while reading. */
#define SIMPLIFY_PX 0.3
/* Douglas–Peucker tolerance after projection, in output pixels. */
#define GENERALIZE_PX 0.25
/* Route legs are densified to one point per this many km. */
#define ROUTE_STEP_KM 25.0

/* ---- projections, cached per source CRS --------------------------------- */

typedef struct proj_cache {
    const char **crs;
    st_proj **proj;
    size_t n, cap;
} proj_cache;

static steppe_status_t cached_proj(st_scene *r, proj_cache *pc, const char *crs, st_loc loc, st_proj **out)
{
    for (size_t i = 0; i < pc->n; i++) {
        if (strcmp(pc->crs[i], crs) == 0) {
            *out = pc->proj[i];
            return STEPPE_OK;
        }
    }
    if (pc->n == pc->cap) {
        size_t cap = pc->cap ? 2 * pc->cap : 8;
        const char **nc = st_arena_alloc(r->arena, cap * sizeof *nc);
        st_proj **np = st_arena_alloc(r->arena, cap * sizeof *np);
        if (!nc || !np)
            return st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory");
        if (pc->n) {
            memcpy(nc, pc->crs, pc->n * sizeof *nc);
            memcpy(np, pc->proj, pc->n * sizeof *np);
        }
        pc->crs = nc;
        pc->proj = np;
        pc->cap = cap;
    }
    st_proj *p = NULL;
    steppe_status_t st = st_proj_create(r->ctx, crs, r->map->crs, loc, &p);
    if (st != STEPPE_OK)
        return st;
    pc->crs[pc->n] = crs;
    pc->proj[pc->n] = p;
    pc->n++;
    *out = p;
    return STEPPE_OK;
}

static void proj_cache_free(proj_cache *pc)
{
    for (size_t i = 0; i < pc->n; i++)
        st_proj_destroy(pc->proj[i]);
    pc->n = 0;
}

/* The CRS a source layer will report, known before reading so that culling
 * and generalisation can be set up (st_source_crs()). A source that cannot
 * be opened here is reported by its read; EPSG:4326 meanwhile. */
static const char *source_crs(st_scene *r, const st_layer *layer)
{
    if (layer->crs)
        return layer->crs;
    if (layer->kind == ST_LAYER_CSV)
        return "EPSG:4326";
    steppe_ctx_t *quiet = steppe_ctx_create();
    const char *crs = NULL;
    if (quiet && st_source_crs(quiet, layer, r->arena, &crs) != STEPPE_OK)
        crs = NULL;
    steppe_ctx_destroy(quiet);
    return crs ? crs : "EPSG:4326";
}

/* ---- reading and projecting layers -------------------------------------- */

/* out: src's fields, CRS and path, with room in the arena for src's
 * features but none of them yet. */
static steppe_status_t empty_like(st_scene *r, const st_featureset *src, st_featureset *out)
{
    *out = *src;
    out->feat = st_arena_alloc(r->arena, (src->n ? src->n : 1) * sizeof *out->feat);
    if (!out->feat)
        return st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory");
    out->n = 0;
    out->cap = src->n;
    return STEPPE_OK;
}

/* A copy of the cached features that a layer selects and that meet bbox,
 * with radial-distance generalisation at tol (Chebyshev distance to the
 * last kept vertex, as the Shapefile reader does; rings keep >= 4 points). */
static steppe_status_t subset_copy(st_scene *r, const st_featureset *src, const st_filter *where,
                                   const double *bbox, double tol, st_featureset *out)
{
    steppe_status_t st = empty_like(r, src, out);
    if (st != STEPPE_OK)
        return st;
    for (size_t i = 0; i < src->n; i++) {
        const st_feature *f = &src->feat[i];
        if (bbox &&
            (f->bbox[2] < bbox[0] || f->bbox[0] > bbox[2] || f->bbox[3] < bbox[1] || f->bbox[1] > bbox[3]))
            continue;
        if (where && where->n && !st_filter_match(where, src, f))
            continue;
        st_feature *g = &out->feat[out->n++];
        *g = *f;
        if (tol <= 0 || src->type == ST_GEOM_POINT)
            continue;
        double *xy = st_arena_alloc(r->arena, 2 * sizeof(double) * (f->npoints ? f->npoints : 1));
        uint32_t *parts = st_arena_alloc(r->arena, sizeof(uint32_t) * (f->nparts ? f->nparts : 1));
        if (!xy || !parts)
            return st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory");
        uint32_t w = 0;
        double tx = st_lon_tolerance(tol, f->bbox[1], f->bbox[3]);
        for (uint32_t p = 0; p < f->nparts; p++) {
            uint32_t a = st_part_begin(f, p);
            uint32_t b = st_part_end(f, p);
            uint32_t start = w;
            parts[p] = w;
            for (uint32_t k = a; k < b; k++) {
                double x = f->xy[2 * k];
                double y = f->xy[2 * k + 1];
                bool ends = k == a || k + 1 == b;
                if (!ends && fabs(x - xy[2 * (w - 1)]) < tx && fabs(y - xy[2 * (w - 1) + 1]) < tol)
                    continue;
                xy[2 * w] = x;
                xy[2 * w + 1] = y;
                w++;
            }
            if (src->type == ST_GEOM_POLYGON && w - start < 4 && b - a >= 4) {
                /* Too few left for a ring: keep it whole. */
                memcpy(xy + 2 * start, f->xy + 2 * a, 2 * sizeof(double) * (b - a));
                w = start + (b - a);
            }
        }
        g->xy = xy;
        g->parts = parts;
        g->npoints = w;
    }
    return STEPPE_OK;
}

static steppe_status_t read_layer(st_scene *r, proj_cache *pc, const st_layer *layer, bool cull,
                                  st_featureset *fs, st_proj **proj)
{
    if (r->cache) {
        const st_featureset *raw = st_datacache_find(r->cache, layer);
        if (!raw)
            return st_error(r->ctx, STEPPE_ERR_INTERNAL, "layer '%s': not in the data cache", layer->name);
        steppe_status_t st =
            cached_proj(r, pc, raw->crs, layer->crs ? layer->crs_loc : layer->source_loc, proj);
        if (st != STEPPE_OK)
            return st;
        bool geo = cull && st_proj_src_is_geographic(*proj);
        double tol = geo ? st_view_simplify_deg(&r->view, r->lonlat_to_map, SIMPLIFY_PX) : 0;
        return subset_copy(r, raw, &layer->where, geo ? r->view.lonlat : NULL, tol, fs);
    }
    const char *crs = source_crs(r, layer);
    steppe_status_t st = cached_proj(r, pc, crs, layer->crs ? layer->crs_loc : layer->source_loc, proj);
    if (st != STEPPE_OK)
        return st;
    const double *bbox = NULL;
    double simplify = 0;
    if (cull && st_proj_src_is_geographic(*proj)) {
        bbox = r->view.lonlat;
        simplify = st_view_simplify_deg(&r->view, r->lonlat_to_map, SIMPLIFY_PX);
    }
    return st_source_read_for_map(r->ctx, r->map, layer, bbox, simplify, r->arena, fs);
}

static steppe_status_t fit_degenerate(st_scene *r, const st_layer *layer, double bbox[4]);

/* The projected bbox of the features the extent fits. Only those records
 * are read (the fit's filter is handed to the reader, which skips the
 * others undecoded), and the vertices of a lon/lat source are projected
 * with the approximate transformer at a hundredth of a pixel — the pixel
 * size taken from an exact projection of every 16th vertex — since the
 * forum map fits two countries of 60,000 vertices before anything else can
 * start. */
static steppe_status_t fit_bbox(st_scene *r, proj_cache *pc, double bbox[4])
{
    const st_map *m = r->map;
    const st_layer *layer = st_map_layer(m, m->fit_layer);
    if (!layer || (!st_kind_has_source(layer->kind)))
        return st_error(r->ctx, STEPPE_ERR_STYLE_VALUE,
                        "%s:%d:%d: extent fit: '%s' is not a Shapefile or CSV layer",
                        m->extent_loc.file ? m->extent_loc.file : m->path, m->extent_loc.line,
                        m->extent_loc.col, m->fit_layer ? m->fit_layer : "");
    st_layer narrowed = *layer;
    if (layer->where.n == 0 && m->fit_where.n)
        narrowed.where = m->fit_where;
    st_featureset fs;
    st_proj *proj = NULL;
    steppe_status_t st = read_layer(r, pc, &narrowed, false, &fs, &proj);
    if (st != STEPPE_OK)
        return st;
    size_t n = 0;
    for (size_t i = 0; i < fs.n; i++) {
        if (!m->fit_where.n || st_filter_match(&m->fit_where, &fs, &fs.feat[i]))
            n += fs.feat[i].npoints;
    }
    /* The raw vertices suffice for a bounding box: no seam handling. */
    double *xy = st_arena_alloc(r->arena, 2 * sizeof(double) * (n ? n : 1));
    if (!xy)
        return st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory");
    size_t at = 0;
    for (size_t i = 0; i < fs.n; i++) {
        const st_feature *f = &fs.feat[i];
        if (m->fit_where.n && !st_filter_match(&m->fit_where, &fs, f))
            continue;
        memcpy(xy + 2 * at, f->xy, 2 * sizeof(double) * f->npoints);
        at += f->npoints;
    }
    bbox[0] = bbox[1] = HUGE_VAL;
    bbox[2] = bbox[3] = -HUGE_VAL;
    double rough[4] = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    const size_t step = 16;
    if (st_proj_src_is_geographic(proj) && n >= 64 * step) {
        double *sample = st_arena_alloc(r->arena, 2 * sizeof(double) * (n / step + 1));
        if (!sample)
            return st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory");
        size_t ns = 0;
        for (size_t k = 0; k < n; k += step, ns++) {
            sample[2 * ns] = xy[2 * k];
            sample[2 * ns + 1] = xy[2 * k + 1];
        }
        st_proj_trans(proj, sample, ns, false);
        st_bbox_grow_xy(rough, sample, ns);
    }
    double px = fmax((rough[2] - rough[0]) / m->width_px, (rough[3] - rough[1]) / m->height_px);
    double *ll = isfinite(px) && px > 0 ? st_arena_alloc(r->arena, 2 * sizeof(double) * (n ? n : 1)) : NULL;
    if (!ll) {
        st_proj_trans(proj, xy, n, false);
        st_bbox_grow_xy(bbox, xy, n);
        return fit_degenerate(r, layer, bbox);
    }
    /* Approximate within a quarter pixel, then the points that could hold
     * an extreme — within a pixel of the approximate one — exactly, so the
     * frame is the one an exact projection of every vertex gives. */
    memcpy(ll, xy, 2 * sizeof(double) * n);
    st_proj_trans_approx(proj, xy, n, 0.5, 0.25 * px);
    double approx[4] = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    st_bbox_grow_xy(approx, xy, n);
    size_t nc = 0;
    for (size_t k = 0; k < n; k++) {
        double x = xy[2 * k];
        double y = xy[2 * k + 1];
        if (x <= approx[0] + px || x >= approx[2] - px || y <= approx[1] + px || y >= approx[3] - px ||
            !isfinite(x) || fabs(x) > 1e30) {
            ll[2 * nc] = ll[2 * k];
            ll[2 * nc + 1] = ll[2 * k + 1];
            nc++;
        }
    }
    st_proj_trans(proj, ll, nc, false);
    st_bbox_grow_xy(bbox, ll, nc);
    return fit_degenerate(r, layer, bbox);
}

/* A fit to one point, or to nothing. */
static steppe_status_t fit_degenerate(st_scene *r, const st_layer *layer, double bbox[4])
{
    if (!(bbox[0] < bbox[2]) && !(bbox[1] < bbox[3])) {
        if (bbox[0] <= bbox[2]) {
            /* A single point: frame 1 km (or 0.01° for geographic maps) around it. */
            double pad = fabs(bbox[0]) < 400 && fabs(bbox[1]) < 100 ? 0.01 : 1000;
            bbox[0] -= pad;
            bbox[1] -= pad;
            bbox[2] += pad;
            bbox[3] += pad;
            return STEPPE_OK;
        }
        return st_error(r->ctx, STEPPE_ERR_DATA_CORRUPT, "%s: no feature to fit the extent to",
                        layer->source_written ? layer->source_written : layer->source);
    }
    return STEPPE_OK;
}

size_t st_read_count_visible(const st_view *v, const st_featureset *fs)
{
    size_t n = 0;
    for (size_t i = 0; i < fs->n; i++) {
        const double *b = fs->feat[i].bbox;
        if (b[2] >= 0 && b[0] <= v->width_px && b[3] >= 0 && b[1] <= v->height_px)
            n++;
    }
    return n;
}

/* Layers that draw the same file (a base layer and a highlighted subset of
 * it, say) share one read and one projection: the file is read without the
 * layers' filters, projected once, and each layer takes the features its
 * `where` selects. So every vertex is projected at most once per render. */
typedef struct shared_source {
    const st_layer *layer; /* the first layer that read it */
    st_featureset fs;      /* every feature of the file in the frame, in pixels */
    st_thematic_side side; /* derived fields its layers name, by record */
} shared_source;

/* The derived fields any visible layer reading layer's file names, which
 * the file's read measures once for them all. */
static unsigned source_mask(const st_scene *r, const st_layer *layer)
{
    unsigned mask = 0;
    for (size_t i = 0; i < r->map->nlayers; i++) {
        const st_layer *l = &r->map->layers[i];
        if (l->visible && st_layer_same_source(l, layer))
            mask |= st_thematic_layer_mask(l);
    }
    return mask;
}

static steppe_status_t layer_subset(st_scene *r, const st_layer *layer, const st_featureset *all,
                                    const st_thematic_side *side, st_layer_data *d)
{
    st_featureset *out = &d->fs;
    st_featureset own;
    if (st_thematic_layer_active(layer)) {
        /* Joined and derived columns go on the layer's own copy, before
         * its where (which may name them). */
        steppe_status_t jst = st_thematic_layer_prepare(r->ctx, layer, side, all, r->arena, &own, &d->joins);
        d->njoins = d->joins ? layer->njoins : 0;
        if (jst != STEPPE_OK)
            return jst;
        all = &own;
    }
    steppe_status_t st = st_filter_check(r->ctx, &layer->where, all);
    for (size_t c = 0; c < layer->nclasses && st == STEPPE_OK; c++)
        st = st_filter_check(r->ctx, &layer->classes[c].where, all);
    if (st != STEPPE_OK)
        return st;
    if (layer->where.n == 0 && layer->nclasses == 0) {
        /* Every feature, and none will be given a class: the layer draws
         * the source's own array (a copy is 88 bytes a feature, a million
         * points 88 MB). Layers with classes write theirs into a copy. */
        *out = *all;
        return STEPPE_OK;
    }
    st = empty_like(r, all, out);
    if (st != STEPPE_OK)
        return st;
    for (size_t i = 0; i < all->n; i++) {
        if (layer->where.n == 0 || st_filter_match(&layer->where, all, &all->feat[i]))
            out->feat[out->n++] = all->feat[i];
    }
    return STEPPE_OK;
}

/* A shared boundary needs only the features of its two sides. When both
 * sides select by one field with equals/in (iso_n3: "643"), the source is
 * read with the union of their values as its filter, so the reader skips
 * every other record without decoding it. Otherwise, or when the source
 * layer has a filter of its own, the source layer is read as it is. */
static const st_layer *derive_source(st_scene *r, const st_layer *layer, const st_layer *of, st_layer *out)
{
    if (layer->kind != ST_LAYER_SHARED_BOUNDARY || of->where.n || layer->a.n != 1 || layer->b.n != 1)
        return of;
    const st_cond *ca = &layer->a.conds[0];
    const st_cond *cb = &layer->b.conds[0];
    bool simple = (ca->op == ST_OP_EQ || ca->op == ST_OP_IN) && (cb->op == ST_OP_EQ || cb->op == ST_OP_IN) &&
                  strcmp(ca->field, cb->field) == 0;
    if (!simple)
        return of;
    size_t na = ca->op == ST_OP_EQ ? 1 : ca->nvalues;
    size_t nb = cb->op == ST_OP_EQ ? 1 : cb->nvalues;
    st_cond *c = st_arena_calloc(r->arena, 1, sizeof *c);
    const char **values = st_arena_alloc(r->arena, (na + nb) * sizeof *values);
    if (!c || !values)
        return of;
    memcpy(values, ca->values, na * sizeof *values);
    memcpy(values + na, cb->values, nb * sizeof *values);
    *c = *ca;
    c->op = ST_OP_IN;
    c->values = values;
    c->nvalues = na + nb;
    *out = *of;
    out->where.conds = c;
    out->where.n = 1;
    return out;
}

/* ---- messages of work done on other threads ------------------------------ */

/* What a thread's context logs (warnings and information), kept as lines
 * "W text" or "I text" and replayed into the render's context after the
 * join, in layer order, so the output does not depend on scheduling. */
typedef struct msg_log {
    char *text;
    size_t len, cap;
} msg_log;

/* A steppe_log_fn: appends to the msg_log user points to. */
static void msg_log_add(void *user, steppe_log_level_t level, const char *msg)
{
    msg_log *l = user;
    if (level != STEPPE_LOG_WARNING && level != STEPPE_LOG_INFO)
        return;
    size_t n = strlen(msg);
    if (l->len + n + 3 > l->cap) {
        size_t cap = 2 * (l->cap + n + 3);
        char *grown = realloc(l->text, cap);
        if (!grown)
            return;
        l->text = grown;
        l->cap = cap;
    }
    l->text[l->len++] = level == STEPPE_LOG_WARNING ? 'W' : 'I';
    memcpy(l->text + l->len, msg, n);
    l->len += n;
    l->text[l->len++] = '\n';
    l->text[l->len] = '\0';
}

/* Passes every line of l to fn (a steppe_log_fn) and empties l. */
static void msg_log_replay(msg_log *l, steppe_log_fn fn, void *user)
{
    for (char *line = l->text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (!nl)
            break;
        *nl = '\0';
        fn(user, line[0] == 'W' ? STEPPE_LOG_WARNING : STEPPE_LOG_INFO, line + 1);
        line = nl + 1;
    }
    free(l->text);
    *l = (msg_log){0};
}

/* A steppe_log_fn that logs into the context ctx points to. */
static void log_to_ctx(void *ctx, steppe_log_level_t level, const char *msg)
{
    if (level == STEPPE_LOG_WARNING)
        st_warn(ctx, "%s", msg);
    else
        st_info(ctx, "%s", msg);
}

/* A shared boundary is derived (read at full resolution, GEOS, geodesic
 * length) on a thread of its own, with a context and an arena of its own,
 * while the main thread reads and projects the other layers; the main
 * thread joins it when the layer's turn comes and projects the result.
 * GEOS dominates the forum map's read stage, and nothing it needs is
 * shared with the main thread but read-only files and the style. */
typedef struct derive_job {
    const st_layer *layer;
    st_layer source; /* what to read: the `of` layer, narrowed to the two sides */
    steppe_ctx_t *ctx;
    st_arena *arena; /* owns src and out until the render ends */
    st_featureset src, out;
    double km;
    steppe_status_t st;
    msg_log log; /* the job's messages, replayed after the join */
    pthread_t thread;
    bool started, joined;
} derive_job;

static void *derive_run(void *arg)
{
    derive_job *job = arg;
    job->st = st_source_read_layer(job->ctx, &job->source, NULL, 0, job->arena, &job->src);
    if (job->st == STEPPE_OK)
        job->st = st_derive_shared_boundary(job->ctx, &job->src, &job->layer->a, &job->layer->b,
                                            job->layer->loc, job->arena, &job->out);
    if (job->st == STEPPE_OK)
        job->km = st_geod_length_km(&job->out);
    return NULL;
}

static void derive_join(st_scene *r, derive_job *job)
{
    if (!job->started || job->joined)
        return;
    pthread_join(job->thread, NULL);
    job->joined = true;
    msg_log_replay(&job->log, log_to_ctx, r->ctx);
}

/* Starts a thread for every visible shared boundary — not for an atlas
 * page, whose data comes from the shared cache; a layer whose thread cannot
 * be started is derived in line. */
static void derive_start(st_scene *r, const st_map *m)
{
    if (r->cache || m->nlayers == 0)
        return;
    r->derive_jobs = st_arena_calloc(r->arena, m->nlayers, sizeof *r->derive_jobs);
    if (!r->derive_jobs)
        return;
    for (size_t i = 0; i < m->nlayers; i++) {
        const st_layer *layer = &m->layers[i];
        const st_layer *of = layer->kind == ST_LAYER_SHARED_BOUNDARY ? st_map_layer(m, layer->of) : NULL;
        if (!layer->visible || !of || (!st_kind_has_source(of->kind)))
            continue;
        derive_job *job = &r->derive_jobs[r->nderive_jobs];
        st_layer narrowed;
        job->layer = layer;
        job->source = *derive_source(r, layer, of, &narrowed);
        job->ctx = steppe_ctx_create();
        job->arena = st_arena_create(0);
        if (job->ctx && job->arena) {
            steppe_ctx_set_logger(job->ctx, msg_log_add, &job->log);
            job->started = pthread_create(&job->thread, NULL, derive_run, job) == 0;
        }
        if (!job->started) {
            steppe_ctx_destroy(job->ctx);
            st_arena_destroy(job->arena);
            memset(job, 0, sizeof *job);
            continue;
        }
        r->nderive_jobs++;
    }
}

static derive_job *derive_find(st_scene *r, const st_layer *layer)
{
    for (size_t i = 0; i < r->nderive_jobs; i++) {
        if (r->derive_jobs[i].layer == layer)
            return &r->derive_jobs[i];
    }
    return NULL;
}

static void derive_free(st_scene *r)
{
    for (size_t i = 0; i < r->nderive_jobs; i++) {
        derive_job *job = &r->derive_jobs[i];
        derive_join(r, job);
        steppe_ctx_destroy(job->ctx);
        st_arena_destroy(job->arena);
    }
    r->nderive_jobs = 0;
}

/* ---- source files read and projected on every core ---------------------- */

/* Features of one file that could not be projected, summed over the
 * pieces it is projected in: how many, and the record of the first (the
 * file's one warning, st_warn_unprojected). */
typedef struct unprojected {
    size_t n;
    uint32_t first;
} unprojected;

static void unprojected_add(unprojected *u, size_t n, uint32_t first)
{
    if (n && !u->n)
        u->first = first;
    u->n += n;
}

/* What the batches of a streamed layer came to. */
typedef struct stream_counts {
    size_t drawn;           /* features meeting the canvas */
    size_t vertices;        /* their vertices, projected and generalised */
    unprojected failed;     /* features that could not be projected */
    size_t source_vertices; /* as read, before generalisation */
} stream_counts;

static void counts_add(stream_counts *c, const st_view *v, const st_featureset *fs, size_t nfailed,
                       uint32_t first_failed)
{
    unprojected_add(&c->failed, nfailed, first_failed);
    c->drawn += st_read_count_visible(v, fs);
    for (size_t i = 0; i < fs->n; i++)
        c->vertices += fs->feat[i].npoints;
}

/* Each distinct source file that a visible layer draws is read, projected
 * and generalised by a job. The jobs run on one thread per core (the main
 * thread is one of them), largest file first, each with a context (PROJ
 * contexts are not shared between threads) and an arena of its own, which
 * hold its features until the render ends. The job's warnings are replayed
 * in layer order after the join, so output does not depend on scheduling.
 * On the forum map and bench/ W2 the two big files load side by side. */
typedef struct source_job {
    const st_layer *layer; /* the first layer that draws the file */
    st_layer unfiltered;   /* that layer without its `where` */
    const char *crs;       /* the file's CRS, checked on the main thread */
    const double *bbox;    /* lon/lat culling box, or NULL */
    double simplify;       /* radial tolerance while reading (degrees), or 0 */
    steppe_ctx_t *ctx;
    st_arena *arena;
    steppe_ctx_t *ctx2; /* the second half's, when the file was split (project_source) */
    st_arena *arena2;
    st_featureset fs;
    steppe_status_t st;
    double read_ms, project_ms;
    msg_log log;           /* the job's messages, replayed in layer order */
    unsigned derive_mask;  /* derived fields its layers name (thematic_render.h) */
    st_thematic_side side; /* ... measured before projection */
    /* Streamed (stream_allowed()): the read only makes sure that something
     * meets the canvas (stream_probe()); the layer is read for each
     * drawing, and the first one counts and warns (st_read_stream_draw()). */
    bool stream;
    size_t batch_records;  /* a batch ends after this many features ... */
    const st_scene *scene; /* the render, during the probe */
    st_proj *proj;         /* the batches' projection, during the probe */
    st_arena *batch_arena; /* a batch's features, during the probe */
    stream_counts probe;   /* what the probe saw */
    bool hit;              /* the probe found a feature on the canvas */
    bool counting;         /* a drawing counts (the first) ... */
    bool counted;          /* ... and has: counts and log are final */
    bool finished;         /* st_read_stream_finish() took them */
    stream_counts counts;
} source_job;

typedef struct source_pool {
    st_scene *r;
    source_job *jobs;
    size_t n;
    size_t next; /* the next job to take, under lock */
    pthread_mutex_t lock;
} source_pool;

/* The second half of a big file's features, projected on a thread of its
 * own with its own context, projection and arena (kept until the render
 * ends: the coordinates live there). */
typedef struct half_job {
    st_scene *r;
    source_job *job;
    st_featureset fs;
    steppe_ctx_t *ctx;
    st_arena *arena;
    steppe_status_t st;
    unprojected failed;
} half_job;

static void *half_run(void *arg)
{
    half_job *h = arg;
    const st_layer *layer = h->job->layer;
    st_proj *proj = NULL;
    h->st = st_proj_create(h->ctx, h->job->crs, h->r->map->crs,
                           layer->crs ? layer->crs_loc : layer->source_loc, &proj);
    if (h->st == STEPPE_OK)
        h->st = st_project_features_counted(h->ctx, proj, &h->r->view, &h->fs, h->arena, &h->failed.n,
                                            &h->failed.first);
    if (h->st == STEPPE_OK)
        st_generalize_px(&h->fs, GENERALIZE_PX);
    return NULL;
}

/* Files of more vertices than this project in two halves on two threads:
 * the two big files of the forum map and of W2 take 20 and 30 ms apiece,
 * so halves keep both cores busy to the end of the stage. */
#define SPLIT_VERTICES 50000

/* Projects and generalises job->fs, in two halves when it is big and there
 * is a second core; failures are warned about once for the whole file. */
static steppe_status_t project_source(st_scene *r, source_job *job, st_proj *proj)
{
    unprojected failed = {0};
    size_t total = 0;
    for (size_t i = 0; i < job->fs.n; i++)
        total += job->fs.feat[i].npoints;
    half_job h = {r, job, job->fs, NULL, NULL, STEPPE_OK, {0, 0}};
    msg_log sink = {0}; /* the half's messages, appended to job's after the join */
    bool split = total > SPLIT_VERTICES && job->fs.n > 1 && sysconf(_SC_NPROCESSORS_ONLN) > 1;
    if (split) {
        /* Cut where half the vertices lie before. */
        size_t at = 0;
        size_t seen = 0;
        while (at + 1 < job->fs.n && seen + job->fs.feat[at].npoints <= total / 2)
            seen += job->fs.feat[at++].npoints;
        at = at == 0 ? 1 : at;
        h.fs.feat = job->fs.feat + at;
        h.fs.n = job->fs.n - at;
        h.fs.cap = h.fs.n;
        job->fs.n = at;
        job->ctx2 = h.ctx = steppe_ctx_create();
        job->arena2 = h.arena = st_arena_create(0);
        pthread_t thread;
        split = h.ctx && h.arena && pthread_create(&thread, NULL, half_run, &h) == 0;
        if (!split) {
            job->fs.n += h.fs.n; /* no thread: the whole file here */
        } else {
            steppe_ctx_set_logger(h.ctx, msg_log_add, &sink);
            steppe_status_t st = st_project_features_counted(job->ctx, proj, &r->view, &job->fs, job->arena,
                                                             &failed.n, &failed.first);
            if (st == STEPPE_OK)
                st_generalize_px(&job->fs, GENERALIZE_PX);
            pthread_join(thread, NULL);
            msg_log_replay(&sink, msg_log_add, &job->log);
            if (st != STEPPE_OK)
                return st;
            if (h.st != STEPPE_OK)
                return st_error(job->ctx, h.st, "%s", steppe_ctx_last_error(h.ctx));
            /* The kept features of the second half follow those of the first. */
            memmove(job->fs.feat + job->fs.n, h.fs.feat, h.fs.n * sizeof *h.fs.feat);
            unprojected_add(&failed, h.failed.n, h.failed.first);
            job->fs.n += h.fs.n;
        }
    }
    if (!split) {
        steppe_status_t st = st_project_features_counted(job->ctx, proj, &r->view, &job->fs, job->arena,
                                                         &failed.n, &failed.first);
        if (st != STEPPE_OK)
            return st;
        st_generalize_px(&job->fs, GENERALIZE_PX);
    }
    if (failed.n)
        st_warn_unprojected(job->ctx, &job->fs, failed.n, failed.first);
    return STEPPE_OK;
}

/* ---- streamed layers ------------------------------------------------------ */

/* A file this big or bigger is streamed when its layer allows it: W5's
 * million tiny polygons held whole took 355 MB, read in batches 50 MB. */
#define STREAM_MIN_BYTES ((off_t)16 << 20)
/* A batch ends after this many features or bytes of features read. */
#define STREAM_BATCH_RECORDS 65536
#define STREAM_BATCH_BYTES ((size_t)2 << 20)

/* Features per batch when every streamable layer is streamed whatever its
 * size (the environment's STEPPE_STREAM_RECORDS, for tests comparing a
 * streamed render with a whole one), else 0. */
static size_t stream_forced(void)
{
    const char *s = getenv("STEPPE_STREAM_RECORDS");
    char *end = NULL;
    long long v = s && *s ? strtoll(s, &end, 10) : 0;
    return end && *end == '\0' && v > 0 ? (size_t)v : 0;
}

/* A layer whose features are needed only to be drawn, each on its own, may
 * be drawn straight from its file: a Shapefile no other visible layer
 * reads, without labels, classes, thematic keys or joins (which need the
 * features after drawing), without opacity (whose group is sized to every
 * feature) or casing (every casing is drawn before any line), and not on
 * an atlas page (whose data comes from the cache). Points are found out
 * by the read (source_job_run) and read whole: their markers are
 * obstacles for labels. */
static bool stream_allowed(const st_scene *r, const st_layer *layer)
{
    if (r->cache || layer->kind != ST_LAYER_SHAPEFILE || layer->label.enabled || layer->nclasses ||
        layer->njoins || st_thematic_layer_active(layer) || st_thematic_layer_mask(layer) ||
        layer->sym.opacity < 1.0 || layer->sym.has_casing)
        return false;
    for (size_t i = 0; i < r->map->nlayers; i++) {
        const st_layer *l = &r->map->layers[i];
        if (l != layer && l->visible && st_kind_has_source(l->kind) && st_layer_same_source(l, layer))
            return false;
    }
    return true;
}

/* The probe's batches (st_read_opts.batch): each projected and
 * generalised as a drawing would, until one meets the canvas, which stops
 * the read (STEPPE_ERR_LIMIT, no message, job->hit). A batch of points
 * stops it too (job->stream cleared): the layer is then read whole. */
static steppe_status_t probe_batch(void *user, st_featureset *fs)
{
    source_job *job = user;
    if (fs->type == ST_GEOM_POINT) {
        job->stream = false;
        return STEPPE_ERR_LIMIT;
    }
    size_t nfailed = 0;
    uint32_t first_failed = 0;
    steppe_status_t st = st_project_features_counted(job->ctx, job->proj, &job->scene->view, fs,
                                                     job->batch_arena, &nfailed, &first_failed);
    if (st != STEPPE_OK)
        return st;
    st_generalize_px(fs, GENERALIZE_PX);
    counts_add(&job->probe, &job->scene->view, fs, nfailed, first_failed);
    job->hit = job->probe.drawn > 0;
    return job->hit ? STEPPE_ERR_LIMIT : STEPPE_OK;
}

/* The read of a streamed layer: a quiet probe that reads batches until
 * one meets the canvas (probe_batch()), which is enough for the legend
 * and the check that the map shows something; the drawing counts the
 * rest and gives the file's warnings. A file of points, or one of which
 * nothing meets the canvas (whose messages and error must come now), is
 * left to be read whole: STEPPE_OK with job->stream cleared. */
static steppe_status_t stream_probe(st_scene *r, source_job *job, st_proj *proj)
{
    job->scene = r;
    job->proj = proj;
    job->batch_arena = st_arena_create(0);
    if (!job->batch_arena)
        return st_error(job->ctx, STEPPE_ERR_NOMEM, "out of memory");
    st_read_opts how = {
        .bbox = job->bbox,
        .simplify = job->simplify,
        .quiet = 1,
        .geometry_only = 1,
        .batch_records = job->batch_records,
        .batch_bytes = STREAM_BATCH_BYTES,
        .batch = probe_batch,
        .batch_user = job,
        .batch_arena = job->batch_arena,
    };
    steppe_status_t st = st_source_stream_layer(job->ctx, &job->unfiltered, &how, job->arena, &job->fs);
    st_arena_destroy(job->batch_arena);
    job->batch_arena = NULL;
    job->proj = NULL;
    if (st == STEPPE_ERR_LIMIT && job->hit)
        return STEPPE_OK;
    if (st == STEPPE_OK || (st == STEPPE_ERR_LIMIT && !job->stream)) {
        job->stream = false;
        job->fs = (st_featureset){0};
        return STEPPE_OK;
    }
    return st;
}

static void source_job_run(st_scene *r, source_job *job)
{
    const st_layer *layer = job->layer;
    st_proj *proj = NULL;
    double t0 = st_scene_now_ms();
    job->st = st_proj_create(job->ctx, job->crs, r->map->crs, layer->crs ? layer->crs_loc : layer->source_loc,
                             &proj);
    if (job->st == STEPPE_OK && job->stream) {
        job->st = stream_probe(r, job, proj);
        if (job->st == STEPPE_OK && job->stream) {
            job->read_ms = st_scene_now_ms() - t0;
            st_proj_destroy(proj);
            return;
        }
    }
    if (job->st == STEPPE_OK)
        job->st = st_source_read_for_map(job->ctx, r->map, &job->unfiltered, job->bbox, job->simplify,
                                         job->arena, &job->fs);
    if (job->st == STEPPE_OK && job->derive_mask)
        job->st =
            st_thematic_side_make(job->ctx, &job->fs, job->derive_mask, layer->loc, job->arena, &job->side);
    double t1 = st_scene_now_ms();
    if (job->st == STEPPE_OK)
        job->st = project_source(r, job, proj);
    job->read_ms = t1 - t0;
    job->project_ms = st_scene_now_ms() - t1;
    st_proj_destroy(proj);
}

static void *source_worker(void *arg)
{
    source_pool *pool = arg;
    for (;;) {
        pthread_mutex_lock(&pool->lock);
        size_t i = pool->next < pool->n ? pool->next++ : pool->n;
        pthread_mutex_unlock(&pool->lock);
        if (i == pool->n)
            return NULL;
        source_job_run(pool->r, &pool->jobs[i]);
    }
}

static off_t file_size(const char *path)
{
    struct stat sb;
    return path && stat(path, &sb) == 0 ? sb.st_size : 0;
}

/* Whether a Shapefile is worth streaming: big, and of records small
 * beside a batch on average (its .shx has 8 bytes a record). A file of a
 * few huge rings (W5's sawtooth: one ring of 5,000,000 vertices) gains
 * nothing from batches of records, each of which would hold one ring, and
 * would be read and projected twice. */
static bool stream_worth(const char *path)
{
    off_t shp = file_size(path);
    size_t n = path ? strlen(path) : 0;
    char shx[PATH_MAX];
    if (shp < STREAM_MIN_BYTES || n < 4 || n >= sizeof shx)
        return false;
    memcpy(shx, path, n + 1);
    shx[n - 1] = shx[n - 1] == 'P' ? 'X' : 'x';
    off_t index = file_size(shx);
    off_t records = index > 100 ? (index - 100) / 8 : 0;
    return records > 0 && (size_t)(shp / records) <= STREAM_BATCH_BYTES / 4;
}

/* Sets up a job per distinct source file of the visible Shapefile and CSV
 * layers, with its CRS checked in the main context (so a bad CRS is
 * reported at its place in the style, before any thread starts), and runs
 * them. Errors and warnings reach r->ctx in layer order. */
static steppe_status_t load_sources(st_scene *r, proj_cache *pc)
{
    const st_map *m = r->map;
    steppe_status_t st = STEPPE_OK;
    source_job *jobs = st_arena_calloc(r->arena, m->nlayers ? m->nlayers : 1, sizeof *jobs);
    size_t n = 0;
    if (!jobs)
        return st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory");
    r->source_jobs = jobs;
    for (size_t i = 0; i < m->nlayers; i++) {
        const st_layer *layer = &m->layers[i];
        if (!layer->visible || (!st_kind_has_source(layer->kind)))
            continue;
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = st_layer_same_source(jobs[k].layer, layer);
        if (seen)
            continue;
        source_job *job = &jobs[n];
        job->layer = layer;
        job->unfiltered = *layer;
        job->unfiltered.where.n = 0;
        job->derive_mask = source_mask(r, layer);
        if (stream_allowed(r, layer)) {
            size_t forced = stream_forced();
            job->stream = forced || stream_worth(layer->source);
            job->batch_records = forced ? forced : STREAM_BATCH_RECORDS;
            job->unfiltered.where = layer->where; /* the only layer reading it */
        }
        job->crs = source_crs(r, layer);
        st_proj *proj = NULL;
        st = cached_proj(r, pc, job->crs, layer->crs ? layer->crs_loc : layer->source_loc, &proj);
        if (st != STEPPE_OK)
            return st;
        if (st_proj_src_is_geographic(proj)) {
            job->bbox = r->view.lonlat;
            job->simplify = st_view_simplify_deg(&r->view, r->lonlat_to_map, SIMPLIFY_PX);
        }
        job->ctx = steppe_ctx_create();
        job->arena = st_arena_create(0);
        r->nsource_jobs = ++n;
        if (!job->ctx || !job->arena)
            return st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory");
    }
    /* Largest first, so the last job to start is a small one. Insertion
     * sort on a handful of files; ties keep layer order. */
    source_job **order = st_arena_alloc(r->arena, (n ? n : 1) * sizeof *order);
    off_t *size = st_arena_alloc(r->arena, (n ? n : 1) * sizeof *size);
    if (!order || !size)
        return st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        off_t s = file_size(jobs[i].layer->source);
        size_t k = i;
        for (; k > 0 && size[k - 1] < s; k--) {
            order[k] = order[k - 1];
            size[k] = size[k - 1];
        }
        order[k] = &jobs[i];
        size[k] = s;
    }
    source_job *sorted = st_arena_alloc(r->arena, (n ? n : 1) * sizeof *sorted);
    if (!sorted)
        return st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        sorted[i] = *order[i];
    memcpy(jobs, sorted, n * sizeof *jobs);
    for (size_t i = 0; i < n; i++)
        steppe_ctx_set_logger(jobs[i].ctx, msg_log_add, &jobs[i].log);

    source_pool pool = {r, jobs, n, 0, PTHREAD_MUTEX_INITIALIZER};
    pthread_t threads[MAX_THREADS];
    int nthreads = 0;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    while (nthreads + 1 < cores && (size_t)nthreads + 1 < n && nthreads < MAX_THREADS) {
        if (pthread_create(&threads[nthreads], NULL, source_worker, &pool) != 0)
            break;
        nthreads++;
    }
    source_worker(&pool);
    for (int i = 0; i < nthreads; i++)
        pthread_join(threads[i], NULL);
    return STEPPE_OK;
}

/* The job that read layer's file. */
static source_job *source_find(st_scene *r, const st_layer *layer)
{
    for (size_t i = 0; i < r->nsource_jobs; i++) {
        if (st_layer_same_source(r->source_jobs[i].layer, layer))
            return &r->source_jobs[i];
    }
    return NULL;
}

/* Batches in flight: the reader fills one while the bands draw the other. */
#define HUB_SLOTS 2

/* One batch, projected, in an arena of its own until every band has
 * drawn it. */
typedef struct hub_slot {
    st_arena *arena;
    st_featureset fs;
    int pending; /* bands yet to draw it */
} hub_slot;

/* One reading of a streamed layer and the bands that draw it: the reader
 * (a thread of its own when the bands run at once) hands batch k over in
 * slot k % HUB_SLOTS once the batch that slot held is drawn by every
 * band, so the bands draw while the next batch is read. */
struct st_stream_hub {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int nbands;
    bool claimed; /* a band has started the reading */
    hub_slot slot[HUB_SLOTS];
    unsigned long seq; /* batches handed over */
    bool done;         /* the reading is over */
};

st_stream_hub *st_stream_hub_create(int nbands)
{
    st_stream_hub *hub = calloc(1, sizeof *hub);
    if (!hub)
        return NULL;
    for (int i = 0; i < HUB_SLOTS; i++) {
        hub->slot[i].arena = st_arena_create(0);
        if (!hub->slot[i].arena) {
            st_stream_hub_destroy(hub);
            return NULL;
        }
    }
    hub->nbands = nbands;
    pthread_mutex_init(&hub->lock, NULL);
    pthread_cond_init(&hub->cond, NULL);
    return hub;
}

void st_stream_hub_destroy(st_stream_hub *hub)
{
    if (!hub)
        return;
    for (int i = 0; i < HUB_SLOTS; i++)
        st_arena_destroy(hub->slot[i].arena);
    if (hub->nbands) {
        pthread_mutex_destroy(&hub->lock);
        pthread_cond_destroy(&hub->cond);
    }
    free(hub);
}

/* A band's view of a drawing of a streamed layer. */
typedef struct band_view {
    const st_scene *r;
    const st_layer *layer;
    cairo_t *cr;
    double y0, y1;
} band_view;

/* The reading of a streamed layer for one drawing (st_read_stream_draw()). */
typedef struct stream_read {
    st_stream_hub *hub;
    bool first; /* the render's first drawing: loud, and counts ... */
    const source_job *job;
    stream_counts *counts; /* ... into the job's */
    const st_scene *r;
    steppe_status_t st; /* how the reading ended ... */
    steppe_ctx_t *ctx;
    char msg[512]; /* ... and its error */
    st_proj *proj;
    const band_view *own; /* the band the reader draws too, or NULL (a thread) */
} stream_read;

/* Draws every batch handed over, in order, until the reading is over. */
static void draw_handed(st_stream_hub *hub, const band_view *bv)
{
    unsigned long seen = 0;
    pthread_mutex_lock(&hub->lock);
    for (;;) {
        while (hub->seq == seen && !hub->done)
            pthread_cond_wait(&hub->cond, &hub->lock);
        if (hub->seq == seen)
            break;
        hub_slot *slot = &hub->slot[++seen % HUB_SLOTS];
        pthread_mutex_unlock(&hub->lock);
        st_draw_layer_rows(bv->cr, &bv->r->view, bv->layer, &slot->fs, bv->y0, bv->y1);
        pthread_mutex_lock(&hub->lock);
        slot->pending--;
        pthread_cond_broadcast(&hub->cond);
    }
    pthread_mutex_unlock(&hub->lock);
}

/* The reading's batches (st_read_opts.batch): each projected and
 * generalised into the next free slot, as the read did, and handed over;
 * a reader that draws a band too draws it at once. */
static steppe_status_t hand_over(void *user, st_featureset *fs)
{
    stream_read *sr = user;
    st_stream_hub *hub = sr->hub;
    hub_slot *slot = &hub->slot[(hub->seq + 1) % HUB_SLOTS];
    pthread_mutex_lock(&hub->lock);
    while (slot->pending > 0)
        pthread_cond_wait(&hub->cond, &hub->lock);
    pthread_mutex_unlock(&hub->lock);
    st_arena_reset(slot->arena);
    size_t nfailed = 0;
    uint32_t first_failed = 0;
    steppe_status_t st = st_project_features_counted(sr->ctx, sr->proj, &sr->r->view, fs, slot->arena,
                                                     &nfailed, &first_failed);
    if (st != STEPPE_OK)
        return st;
    st_generalize_px(fs, GENERALIZE_PX);
    if (sr->counts)
        counts_add(sr->counts, &sr->r->view, fs, nfailed, first_failed);
    /* The features' array is the reader's, dropped on return: copied. */
    slot->fs = *fs;
    slot->fs.feat = st_arena_alloc(slot->arena, (fs->n ? fs->n : 1) * sizeof *fs->feat);
    if (!slot->fs.feat)
        return st_error(sr->ctx, STEPPE_ERR_NOMEM, "out of memory");
    memcpy(slot->fs.feat, fs->feat, fs->n * sizeof *fs->feat);
    pthread_mutex_lock(&hub->lock);
    slot->pending = hub->nbands;
    hub->seq++;
    pthread_cond_broadcast(&hub->cond);
    pthread_mutex_unlock(&hub->lock);
    if (sr->own) {
        st_draw_layer_rows(sr->own->cr, &sr->r->view, sr->own->layer, &slot->fs, sr->own->y0, sr->own->y1);
        pthread_mutex_lock(&hub->lock);
        slot->pending--;
        pthread_cond_broadcast(&hub->cond);
        pthread_mutex_unlock(&hub->lock);
    }
    return STEPPE_OK;
}

/* Reads the layer once, handing its batches over, then tells the bands
 * that it is over; the status and message end in sr. */
static void stream_run(stream_read *sr)
{
    const source_job *job = sr->job;
    const st_layer *layer = job->layer;
    st_arena *batch_arena = st_arena_create(0);
    st_arena *arena = st_arena_create(0);
    steppe_status_t st = STEPPE_ERR_NOMEM;
    if (!batch_arena || !arena)
        goto out;
    st = st_proj_create(sr->ctx, job->crs, sr->r->map->crs, layer->crs ? layer->crs_loc : layer->source_loc,
                        &sr->proj);
    if (st != STEPPE_OK)
        goto out;
    st_read_opts how = {
        .bbox = job->bbox,
        .simplify = job->simplify,
        .quiet = !sr->first,
        .geometry_only = 1,
        .batch_records = job->batch_records,
        .batch_bytes = STREAM_BATCH_BYTES,
        .batch = hand_over,
        .batch_user = sr,
        .batch_arena = batch_arena,
    };
    st_featureset fs;
    st = st_source_stream_layer(sr->ctx, &job->unfiltered, &how, arena, &fs);
    if (st == STEPPE_OK && sr->counts) {
        if (sr->counts->failed.n)
            st_warn_unprojected(sr->ctx, &fs, sr->counts->failed.n, sr->counts->failed.first);
        sr->counts->source_vertices = fs.source_vertices;
    }
out:
    pthread_mutex_lock(&sr->hub->lock);
    sr->hub->done = true;
    pthread_cond_broadcast(&sr->hub->cond);
    pthread_mutex_unlock(&sr->hub->lock);
    sr->st = st;
    if (st != STEPPE_OK)
        snprintf(sr->msg, sizeof sr->msg, "%s", steppe_ctx_last_error(sr->ctx));
    st_proj_destroy(sr->proj);
    sr->proj = NULL;
    st_arena_destroy(arena);
    st_arena_destroy(batch_arena);
}

static void *stream_thread(void *arg)
{
    stream_run(arg);
    return NULL;
}

steppe_status_t st_read_stream_draw(st_scene *r, const st_layer_data *d, cairo_t *cr, double y0, double y1,
                                    st_stream_hub *hub, char *err, size_t errsz)
{
    const band_view bv = {r, d->layer, cr, y0, y1};
    source_job *job = source_find(r, d->layer);
    st_stream_hub *alone = NULL;
    if (hub && hub->nbands > 1) {
        pthread_mutex_lock(&hub->lock);
        bool reader = !hub->claimed;
        hub->claimed = true;
        pthread_mutex_unlock(&hub->lock);
        if (!reader) {
            draw_handed(hub, &bv);
            return STEPPE_OK;
        }
    } else {
        hub = alone = st_stream_hub_create(1);
    }
    stream_read sr = {.hub = hub, .job = job, .r = r, .ctx = steppe_ctx_create(), .own = &bv};
    if (!hub || !job || !sr.ctx) {
        if (hub && hub != alone) {
            /* The other bands wait for batches: none will come. */
            pthread_mutex_lock(&hub->lock);
            hub->done = true;
            pthread_cond_broadcast(&hub->cond);
            pthread_mutex_unlock(&hub->lock);
        }
        st_stream_hub_destroy(alone);
        steppe_ctx_destroy(sr.ctx);
        snprintf(err, errsz, "out of memory");
        return STEPPE_ERR_NOMEM;
    }
    /* The first drawing reads loudly and counts; no two drawings run at
     * once but the bands of a hub, of which only one starts the reading. */
    sr.first = !job->counting;
    job->counting = true;
    if (sr.first) {
        sr.counts = &job->counts;
        steppe_ctx_set_logger(sr.ctx, msg_log_add, &job->log);
    }
    /* Bands at once: the reading on a thread of its own, this band drawing
     * beside the others; without one, the reader draws this band too. */
    pthread_t thread;
    bool threaded = false;
    if (!alone) {
        sr.own = NULL;
        threaded = pthread_create(&thread, NULL, stream_thread, &sr) == 0;
        if (!threaded)
            sr.own = &bv;
    }
    if (threaded) {
        draw_handed(hub, &bv);
        pthread_join(thread, NULL);
    } else {
        stream_run(&sr);
    }
    if (sr.st == STEPPE_OK && sr.first)
        job->counted = true;
    if (sr.st != STEPPE_OK)
        snprintf(err, errsz, "%s", sr.msg);
    st_stream_hub_destroy(alone);
    steppe_ctx_destroy(sr.ctx);
    return sr.st;
}

void st_read_stream_finish(st_scene *r)
{
    for (size_t i = 0; i < r->nlayers; i++) {
        st_layer_data *d = &r->layers[i];
        source_job *job = d->streamed ? source_find(r, d->layer) : NULL;
        if (!job || !job->counted || job->finished)
            continue;
        msg_log_replay(&job->log, log_to_ctx, r->ctx);
        d->drawn = job->counts.drawn;
        d->vertices = job->counts.vertices;
        d->fs.source_vertices = job->counts.source_vertices;
        job->finished = true;
    }
}

static void source_free(st_scene *r)
{
    for (size_t i = 0; i < r->nsource_jobs; i++) {
        source_job *job = &r->source_jobs[i];
        free(job->log.text);
        steppe_ctx_destroy(job->ctx);
        st_arena_destroy(job->arena);
        steppe_ctx_destroy(job->ctx2);
        st_arena_destroy(job->arena2);
    }
    r->nsource_jobs = 0;
}

/* A border-regions layer: its border derived again from the
 * shared-boundary layer's source (the drawn one is projected by now), in
 * lon/lat at full resolution, then the regions along it. */
static steppe_status_t derive_border_regions(st_scene *r, proj_cache *pc, const st_layer *layer,
                                             const st_featureset *regions, st_layer_data *d)
{
    const st_layer *bl = st_map_layer(r->map, layer->border);
    const st_layer *bof = bl ? st_map_layer(r->map, bl->of) : NULL;
    if (!bl || !bof)
        return st_error(r->ctx, STEPPE_ERR_STYLE_VALUE, "%s:%d:%d: layer '%s': no border layer '%s'",
                        layer->border_loc.file ? layer->border_loc.file : r->map->path,
                        layer->border_loc.line, layer->border_loc.col, layer->name,
                        layer->border ? layer->border : "");
    st_layer narrowed;
    st_featureset src;
    st_featureset line;
    st_proj *proj = NULL;
    steppe_status_t st = read_layer(r, pc, derive_source(r, bl, bof, &narrowed), false, &src, &proj);
    if (st == STEPPE_OK)
        st = st_derive_shared_boundary(r->ctx, &src, &bl->a, &bl->b, bl->loc, r->arena, &line);
    if (st == STEPPE_OK)
        st = st_derive_border_regions(
            r->ctx, &line, regions, &layer->where, layer->region_field ? layer->region_field : "name",
            layer->tolerance_km, layer->loc, layer->name, r->arena, &d->fs, &d->shares, &d->nshares, &d->km);
    return st;
}

/* Projects fs (read since t_read) to the view and generalises it; the
 * reading and projecting times go to d and the render's stage timings. */
static steppe_status_t project_layer(st_scene *r, st_proj *proj, st_featureset *fs, double t_read,
                                     st_layer_data *d)
{
    double t_proj = st_scene_now_ms();
    d->read_ms = t_proj - t_read;
    r->timings_ms[ST_STAGE_READ] += d->read_ms;
    steppe_status_t st = st_project_features(r->ctx, proj, &r->view, fs, r->arena);
    if (st != STEPPE_OK)
        return st;
    st_generalize_px(fs, GENERALIZE_PX);
    d->project_ms = st_scene_now_ms() - t_proj;
    r->timings_ms[ST_STAGE_PROJECT] += d->project_ms;
    return STEPPE_OK;
}

steppe_status_t st_read_layers(st_scene *r)
{
    const st_map *m = r->map;
    proj_cache pc = {0};
    steppe_status_t st = STEPPE_OK;
    shared_source *shared = st_arena_calloc(r->arena, m->nlayers ? m->nlayers : 1, sizeof *shared);
    size_t nshared = 0;
    if (!shared)
        return st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory");

    /* Derivations need no view: start them before the extent fit. */
    derive_start(r, m);
    if (m->extent_kind == ST_EXTENT_FIT) {
        double bbox[4];
        st = fit_bbox(r, &pc, bbox);
        if (st != STEPPE_OK)
            goto done;
        st = st_view_init(r->ctx, m, r->lonlat_to_map, bbox, &r->view);
    } else {
        st = st_view_init(r->ctx, m, r->lonlat_to_map, NULL, &r->view);
    }
    if (st != STEPPE_OK)
        goto done;

    if (!r->cache) {
        st = load_sources(r, &pc);
        if (st != STEPPE_OK)
            goto done;
    }

    for (size_t i = 0; i < m->nlayers; i++) {
        const st_layer *layer = &m->layers[i];
        st_layer_data *d = &r->layers[i];
        d->layer = layer;
        if (!layer->visible)
            continue;
        st_proj *proj = NULL;
        double t_read = st_scene_now_ms();
        source_job *sj = st_kind_has_source(layer->kind) ? source_find(r, layer) : NULL;
        if (sj) {
            msg_log_replay(&sj->log, log_to_ctx, r->ctx);
            if (sj->st != STEPPE_OK) {
                st = st_error(r->ctx, sj->st, "%s", steppe_ctx_last_error(sj->ctx));
                goto done;
            }
            if (sj->layer == layer) {
                d->read_ms = sj->read_ms;
                d->project_ms = sj->project_ms;
                r->timings_ms[ST_STAGE_READ] += d->read_ms;
                r->timings_ms[ST_STAGE_PROJECT] += d->project_ms;
            }
            st = layer_subset(r, layer, &sj->fs, &sj->side, d);
            if (st != STEPPE_OK)
                goto done;
            d->streamed = sj->stream;
        } else if (st_kind_has_source(layer->kind)) {
            shared_source *src = NULL;
            for (size_t k = 0; k < nshared && !src; k++) {
                if (st_layer_same_source(shared[k].layer, layer))
                    src = &shared[k];
            }
            if (!src) {
                src = &shared[nshared++];
                src->layer = layer;
                st_layer unfiltered = *layer;
                unfiltered.where.n = 0;
                st = read_layer(r, &pc, &unfiltered, true, &src->fs, &proj);
                if (st == STEPPE_OK)
                    st = st_thematic_side_make(r->ctx, &src->fs, source_mask(r, layer), layer->loc, r->arena,
                                               &src->side);
                if (st != STEPPE_OK)
                    goto done;
                st = project_layer(r, proj, &src->fs, t_read, d);
                if (st != STEPPE_OK)
                    goto done;
            }
            st = layer_subset(r, layer, &src->fs, &src->side, d);
            if (st != STEPPE_OK)
                goto done;
        } else {
            const st_layer *of = st_map_layer(m, layer->of);
            if (!of || (!st_kind_has_source(of->kind))) {
                st = st_error(r->ctx, STEPPE_ERR_STYLE_VALUE,
                              "%s:%d:%d: layer '%s': 'of' must name a Shapefile or CSV layer",
                              layer->of_loc.file ? layer->of_loc.file : m->path, layer->of_loc.line,
                              layer->of_loc.col, layer->name);
                goto done;
            }
            /* Derived geometry and its length come from the full-resolution
             * source, unculled: a measurement must not depend on the frame. */
            st_featureset src;
            st_proj *src_proj = NULL;
            st_layer narrowed;
            derive_job *job = derive_find(r, layer);
            if (job) {
                derive_join(r, job);
                if (job->st != STEPPE_OK) {
                    st = st_error(r->ctx, job->st, "%s", steppe_ctx_last_error(job->ctx));
                    goto done;
                }
                src = job->src;
                st = cached_proj(r, &pc, src.crs, layer->of_loc, &src_proj);
            } else {
                st = read_layer(r, &pc, derive_source(r, layer, of, &narrowed), false, &src, &src_proj);
            }
            if (st != STEPPE_OK)
                goto done;
            if (!st_proj_src_is_geographic(src_proj)) {
                st = st_error(r->ctx, STEPPE_ERR_STYLE_VALUE,
                              "%s:%d:%d: layer '%s': derived layers need a source in geographic coordinates",
                              layer->loc.file ? layer->loc.file : m->path, layer->loc.line, layer->loc.col,
                              layer->name);
                goto done;
            }
            if (job) {
                d->fs = job->out;
            } else if (layer->kind == ST_LAYER_SHARED_BOUNDARY) {
                st = st_derive_shared_boundary(r->ctx, &src, &layer->a, &layer->b, layer->loc, r->arena,
                                               &d->fs);
            } else if (layer->kind == ST_LAYER_BORDER_REGIONS) {
                st = derive_border_regions(r, &pc, layer, &src, d);
            } else if (layer->nvia) {
                st = st_derive_route_via(r->ctx, &src, layer->stop_field, layer->via, layer->via_locs,
                                         layer->nvia, ROUTE_STEP_KM, layer->loc, r->arena, &d->fs, &d->legs);
                d->nlegs = layer->nvia - 1;
            } else {
                st = st_derive_route(r->ctx, &src, layer->stop_field, layer->stops, layer->nstops,
                                     ROUTE_STEP_KM, layer->loc, r->arena, &d->fs, &d->legs);
                d->nlegs = layer->nstops > 1 ? layer->nstops - 1 : 0;
            }
            if (st != STEPPE_OK)
                goto done;
            /* The derivation thread measured its line already. */
            if (layer->kind != ST_LAYER_BORDER_REGIONS)
                d->km = job ? job->km : st_geod_length_km(&d->fs);
            d->measured = true;
            st = project_layer(r, src_proj, &d->fs, t_read, d);
            if (st != STEPPE_OK)
                goto done;
        }
        st_featureset_classify(&d->fs, layer);
        if (st_kind_has_source(layer->kind)) {
            st = st_thematic_layer_finish(r->ctx, layer, &d->fs, r->arena, &d->thematic, &d->marker_xy);
            if (st != STEPPE_OK)
                goto done;
        }
        /* A streamed layer: at least the probe's, counted when drawn. */
        d->drawn = d->streamed ? source_find(r, layer)->probe.drawn : st_read_count_visible(&r->view, &d->fs);
        st_scene_progress(r, i + 1);
    }
    if (r->page && r->page->hl && r->page->hl_index < r->page->hl->n) {
        /* The atlas page's own feature, drawn over every layer. */
        const st_featureset *hl = r->page->hl;
        st_proj *proj = NULL;
        st = cached_proj(r, &pc, hl->crs, (st_loc){0}, &proj);
        if (st != STEPPE_OK)
            goto done;
        r->highlight = *hl;
        r->highlight.feat = st_arena_alloc(r->arena, sizeof *r->highlight.feat);
        if (!r->highlight.feat) {
            st = st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory");
            goto done;
        }
        r->highlight.feat[0] = hl->feat[r->page->hl_index];
        r->highlight.n = 1;
        r->highlight.cap = 1;
        st = st_project_features(r->ctx, proj, &r->view, &r->highlight, r->arena);
        if (st != STEPPE_OK)
            goto done;
        st_generalize_px(&r->highlight, GENERALIZE_PX);
    }
done:
    /* Threads still running (an earlier layer failed) are waited for. */
    for (size_t i = 0; i < r->nderive_jobs; i++)
        derive_join(r, &r->derive_jobs[i]);
    proj_cache_free(&pc);
    return st;
}

void st_read_free(st_scene *r)
{
    derive_free(r);
    source_free(r);
}
