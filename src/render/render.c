/* The render: one map model to one or more outputs.
 *
 *   view ── per layer: source → features → project ── derived layers
 *        ── furniture layout → label placement ── per output: draw → write
 *
 * Data is read and projected once however many outputs there are; only the
 * cairo drawing is repeated per surface. All intermediate results live in
 * one arena freed at the end of the render. */
#include "render.h"
#include "thematic_render.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

#include "ctx.h"
#include "derive.h"
#include "draw.h"
#include "furniture.h"
#include "generalize.h"
#include "labels.h"
#include "output.h"
#include "report.h"
#include "source.h"

#define DEFAULT_MAX_PIXELS 200e6

#if defined(__SANITIZE_ADDRESS__)
/* Sanitizer builds only (STEPPE_SANITIZE): record allocation stacks with
 * the DWARF unwinder. libcairo is built without frame pointers, so the fast
 * unwinder stops at its first frame, and the one cairo leak that
 * tests/lsan.supp must hide could then only be suppressed by naming all of
 * libcairo.so, which would hide leaks of cairo objects steppe creates too.
 * ASAN_OPTIONS=fast_unwind_on_malloc=1 restores the fast unwinder. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}
#endif
/* Most threads a render starts for one stage (reading, drawing bands). */
#define MAX_THREADS 4
/* Generalisation before projection: vertices closer than this many output
 * pixels to the previous kept vertex are dropped while reading. */
#define SIMPLIFY_PX 0.3
/* Douglas–Peucker tolerance after projection, in output pixels. */
#define GENERALIZE_PX 0.25
/* Route legs are densified to one point per this many km. */
#define ROUTE_STEP_KM 25.0

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void steppe_render_opts_init(steppe_render_opts_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->png_level = -1;
}

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
 * and generalisation can be set up: the layer's crs, else the .prj beside
 * the Shapefile, else EPSG:4326 (the reader warns about that). */
static const char *source_crs(st_scene *r, const st_layer *layer)
{
    if (layer->crs)
        return layer->crs;
    if (layer->kind == ST_LAYER_CSV)
        return "EPSG:4326";
    size_t n = strlen(layer->source);
    char *prj = st_arena_printf(r->arena, "%.*s.prj", (int)(n > 4 ? n - 4 : n), layer->source);
    if (!prj)
        return "EPSG:4326";
    const char *why = NULL;
    FILE *f = st_source_fopen(prj, &why);
    if (!f)
        return "EPSG:4326";
    char buf[16384];
    size_t got = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[got] = '\0';
    char *s = buf;
    if ((unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF)
        s += 3;
    while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
        s++;
    size_t len = strlen(s);
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == '\t'))
        len--;
    if (len == 0)
        return "EPSG:4326";
    return st_arena_strndup(r->arena, s, len);
}

/* ---- reading and projecting layers -------------------------------------- */

/* A copy of the cached features that a layer selects and that meet bbox,
 * with radial-distance generalisation at tol (Chebyshev distance to the
 * last kept vertex, as the Shapefile reader does; rings keep >= 4 points). */
static steppe_status_t subset_copy(st_scene *r, const st_featureset *src, const st_filter *where,
                                   const double *bbox, double tol, st_featureset *out)
{
    *out = *src;
    out->feat = st_arena_alloc(r->arena, (src->n ? src->n : 1) * sizeof *out->feat);
    if (!out->feat)
        return st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory");
    out->n = 0;
    out->cap = src->n;
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
            uint32_t a = f->parts[p];
            uint32_t b = p + 1 < f->nparts ? f->parts[p + 1] : f->npoints;
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
    if (!layer || (layer->kind != ST_LAYER_SHAPEFILE && layer->kind != ST_LAYER_CSV))
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
                        layer->source);
    }
    return STEPPE_OK;
}

static size_t count_visible(const st_view *v, const st_featureset *fs)
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
    *out = *all;
    out->feat = st_arena_alloc(r->arena, (all->n ? all->n : 1) * sizeof *out->feat);
    if (!out->feat)
        return st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory");
    out->n = 0;
    out->cap = all->n;
    for (size_t i = 0; i < all->n; i++) {
        if (layer->where.n == 0 || st_filter_match(&layer->where, all, &all->feat[i]))
            out->feat[out->n++] = all->feat[i];
    }
    return STEPPE_OK;
}

/* Steps of a render: one per layer, one per output. */
static void progress(st_scene *r, size_t done)
{
    if (r->opts->progress)
        r->opts->progress(r->opts->progress_user, done, r->map->nlayers + r->opts->n_outputs);
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
        if (!layer->visible || !of || (of->kind != ST_LAYER_SHAPEFILE && of->kind != ST_LAYER_CSV))
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
    size_t nfailed;
    uint32_t first_failed;
} half_job;

static void *half_run(void *arg)
{
    half_job *h = arg;
    const st_layer *layer = h->job->layer;
    st_proj *proj = NULL;
    h->st = st_proj_create(h->ctx, h->job->crs, h->r->map->crs,
                           layer->crs ? layer->crs_loc : layer->source_loc, &proj);
    if (h->st == STEPPE_OK)
        h->st = st_project_features_counted(h->ctx, proj, &h->r->view, &h->fs, h->arena, &h->nfailed,
                                            &h->first_failed);
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
    size_t nfailed = 0;
    uint32_t first_failed = 0;
    size_t total = 0;
    for (size_t i = 0; i < job->fs.n; i++)
        total += job->fs.feat[i].npoints;
    half_job h = {r, job, job->fs, NULL, NULL, STEPPE_OK, 0, 0};
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
                                                             &nfailed, &first_failed);
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
            if (h.nfailed && !nfailed)
                first_failed = h.first_failed;
            nfailed += h.nfailed;
            job->fs.n += h.fs.n;
        }
    }
    if (!split) {
        steppe_status_t st = st_project_features_counted(job->ctx, proj, &r->view, &job->fs, job->arena,
                                                         &nfailed, &first_failed);
        if (st != STEPPE_OK)
            return st;
        st_generalize_px(&job->fs, GENERALIZE_PX);
    }
    if (nfailed)
        st_warn_unprojected(job->ctx, &job->fs, nfailed, first_failed);
    return STEPPE_OK;
}

static void source_job_run(st_scene *r, source_job *job)
{
    const st_layer *layer = job->layer;
    st_proj *proj = NULL;
    double t0 = now_ms();
    job->st = st_proj_create(job->ctx, job->crs, r->map->crs, layer->crs ? layer->crs_loc : layer->source_loc,
                             &proj);
    if (job->st == STEPPE_OK)
        job->st = st_source_read_for_map(job->ctx, r->map, &job->unfiltered, job->bbox, job->simplify,
                                         job->arena, &job->fs);
    if (job->st == STEPPE_OK && job->derive_mask)
        job->st =
            st_thematic_side_make(job->ctx, &job->fs, job->derive_mask, layer->loc, job->arena, &job->side);
    double t1 = now_ms();
    if (job->st == STEPPE_OK)
        job->st = project_source(r, job, proj);
    job->read_ms = t1 - t0;
    job->project_ms = now_ms() - t1;
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
        if (!layer->visible || (layer->kind != ST_LAYER_SHAPEFILE && layer->kind != ST_LAYER_CSV))
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

static steppe_status_t load_layers(st_scene *r)
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
        double t_read = now_ms();
        source_job *sj =
            layer->kind == ST_LAYER_SHAPEFILE || layer->kind == ST_LAYER_CSV ? source_find(r, layer) : NULL;
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
        } else if (layer->kind == ST_LAYER_SHAPEFILE || layer->kind == ST_LAYER_CSV) {
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
                double t_proj = now_ms();
                d->read_ms = t_proj - t_read;
                r->timings_ms[ST_STAGE_READ] += d->read_ms;
                st = st_project_features(r->ctx, proj, &r->view, &src->fs, r->arena);
                if (st != STEPPE_OK)
                    goto done;
                st_generalize_px(&src->fs, GENERALIZE_PX);
                d->project_ms = now_ms() - t_proj;
                r->timings_ms[ST_STAGE_PROJECT] += d->project_ms;
            }
            st = layer_subset(r, layer, &src->fs, &src->side, d);
            if (st != STEPPE_OK)
                goto done;
        } else {
            const st_layer *of = st_map_layer(m, layer->of);
            if (!of || (of->kind != ST_LAYER_SHAPEFILE && of->kind != ST_LAYER_CSV)) {
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
            double t_proj = now_ms();
            d->read_ms = t_proj - t_read;
            r->timings_ms[ST_STAGE_READ] += d->read_ms;
            st = st_project_features(r->ctx, src_proj, &r->view, &d->fs, r->arena);
            if (st != STEPPE_OK)
                goto done;
            st_generalize_px(&d->fs, GENERALIZE_PX);
            d->project_ms = now_ms() - t_proj;
            r->timings_ms[ST_STAGE_PROJECT] += d->project_ms;
        }
        st_featureset_classify(&d->fs, layer);
        if (layer->kind == ST_LAYER_SHAPEFILE || layer->kind == ST_LAYER_CSV) {
            st = st_thematic_layer_finish(r->ctx, layer, &d->fs, r->arena, &d->thematic, &d->marker_xy);
            if (st != STEPPE_OK)
                goto done;
        }
        d->drawn = count_visible(&r->view, &d->fs);
        progress(r, i + 1);
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

/* ---- labels, placed while the base is drawn ------------------------------ */

/* Placing labels needs the furniture's layout but not the drawn base, and
 * drawing the base needs nothing from the labels: when the first output is
 * a PNG drawn in bands, the labels are placed on a thread of their own
 * while the bands are drawn, and joined before the labels are drawn on top.
 * Neither side writes what the other reads (the bands draw features and
 * the graticule; placement writes the label plan, the obstacles and the
 * arena, and logs through the context). */
typedef struct label_job {
    pthread_t thread;
    bool started, joined;
    steppe_status_t st;
} label_job;

static void labels_run(st_scene *r, label_job *lj)
{
    double t = now_ms();
    lj->st = st_labels_place(r);
    r->timings_ms[ST_STAGE_LABELS] += now_ms() - t;
}

static void *labels_thread(void *arg)
{
    st_scene *r = arg;
    labels_run(r, r->label_job);
    return NULL;
}

static int band_count(const st_view *v);

static steppe_status_t labels_start(st_scene *r)
{
    label_job *lj = st_arena_calloc(r->arena, 1, sizeof *lj);
    if (!lj)
        return st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory");
    r->label_job = lj;
    st_format fmt = ST_FMT_PNG;
    if (r->opts->n_outputs > 0)
        st_output_format(r->ctx, r->opts->outputs[0], &fmt);
    if (fmt == ST_FMT_PNG && band_count(&r->view) > 1)
        lj->started = pthread_create(&lj->thread, NULL, labels_thread, r) == 0;
    if (!lj->started) {
        labels_run(r, lj);
        lj->joined = true;
        if (lj->st == STEPPE_OK && r->ndropped)
            st_info(r->ctx, "%zu label%s dropped for lack of room (listed in --report)", r->ndropped,
                    r->ndropped == 1 ? "" : "s");
        return lj->st;
    }
    return STEPPE_OK; /* the thread's status is read when it is joined */
}

/* Waits for the placement; its status (the error is in the context). */
static steppe_status_t labels_wait(st_scene *r)
{
    label_job *lj = r->label_job;
    if (!lj)
        return STEPPE_OK;
    if (lj->started && !lj->joined) {
        pthread_join(lj->thread, NULL);
        lj->joined = true;
        if (lj->st == STEPPE_OK && r->ndropped)
            st_info(r->ctx, "%zu label%s dropped for lack of room (listed in --report)", r->ndropped,
                    r->ndropped == 1 ? "" : "s");
    }
    return lj->st;
}

/* The proportional markers of a size: layer, whatever its geometry: the
 * square around each circle and its outline. */
static steppe_status_t add_size_obstacles(st_scene *r, const st_layer_data *d)
{
    const st_thematic_result *t = d->thematic;
    for (size_t k = 0; k < d->fs.n && k < t->n; k++) {
        if (t->size[k] <= 0)
            continue;
        double rad = (t->size[k] / 2 + d->layer->sym.width) * r->view.px_per_pt;
        double x = d->marker_xy[2 * k];
        double y = d->marker_xy[2 * k + 1];
        steppe_status_t st = st_scene_add_obstacle(r, (st_box){x - rad, y - rad, x + rad, y + rad});
        if (st != STEPPE_OK)
            return st;
    }
    return STEPPE_OK;
}

/* Every visible marker is an obstacle for labels. */
static steppe_status_t add_marker_obstacles(st_scene *r)
{
    for (size_t i = 0; i < r->nlayers; i++) {
        const st_layer_data *d = &r->layers[i];
        if (d->layer->visible && d->thematic && d->thematic->size && d->marker_xy) {
            steppe_status_t st = add_size_obstacles(r, d);
            if (st != STEPPE_OK)
                return st;
            continue;
        }
        if (!d->layer->visible || d->fs.type != ST_GEOM_POINT)
            continue;
        for (size_t k = 0; k < d->fs.n; k++) {
            const st_feature *f = &d->fs.feat[k];
            const st_symbol *sym = f->cls >= 0 ? &d->layer->classes[f->cls].sym : &d->layer->sym;
            if (sym->marker == ST_MARKER_NONE)
                continue;
            double rad = (sym->size * 0.6 + sym->width) * r->view.px_per_pt;
            for (uint32_t p = 0; p < f->npoints; p++) {
                double x = f->xy[2 * p];
                double y = f->xy[2 * p + 1];
                steppe_status_t st = st_scene_add_obstacle(r, (st_box){x - rad, y - rad, x + rad, y + rad});
                if (st != STEPPE_OK)
                    return st;
            }
        }
    }
    return STEPPE_OK;
}

/* ---- drawing and writing ------------------------------------------------ */

/* An atlas page's feature goes over the area fills and under lines and
 * points, like the graticule. */
static void draw_highlight(st_scene *r, cairo_t *cr)
{
    for (size_t i = 0; i < r->highlight.n; i++)
        st_draw_feature(cr, &r->view, &r->map->highlight, r->highlight.type, &r->highlight.feat[i]);
}

/* The map below its labels: background, layers, highlight, graticule —
 * only what reaches rows y0..y1. Plain cairo, no pango, so bands of one
 * image may be drawn by several threads. */
static void draw_base(st_scene *r, cairo_t *cr, double y0, double y1)
{
    const st_map *m = r->map;
    const double *fr = r->view.frame;
    if (fr[0] > 0 || fr[1] > 0 || fr[2] < r->view.width_px || fr[3] < r->view.height_px) {
        /* Furniture outside the frame: white paper round the map. */
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_paint(cr);
        cairo_rectangle(cr, fr[0], fr[1], fr[2] - fr[0], fr[3] - fr[1]);
        cairo_clip(cr);
        if (m->background.a > 0) {
            st_set_color(cr, m->background, 1.0);
            cairo_paint(cr);
        }
    } else {
        if (m->background.a > 0) {
            st_set_color(cr, m->background, 1.0);
            cairo_paint(cr);
        }
        cairo_rectangle(cr, 0, 0, r->view.width_px, r->view.height_px);
        cairo_clip(cr);
    }
    /* The graticule goes over area fills and under lines and points. */
    bool graticule_done = false;
    for (size_t i = 0; i < r->nlayers; i++) {
        const st_layer_data *d = &r->layers[i];
        if (!d->layer->visible)
            continue;
        if (!graticule_done && d->fs.type != ST_GEOM_POLYGON) {
            draw_highlight(r, cr);
            st_furniture_draw_graticule(r, cr);
            graticule_done = true;
        }
        if (d->thematic)
            st_thematic_draw_rows(cr, &r->view, d->layer, &d->fs, d->thematic, d->marker_xy, y0, y1);
        else
            st_draw_layer_rows(cr, &r->view, d->layer, &d->fs, y0, y1);
    }
    if (!graticule_done) {
        draw_highlight(r, cr);
        st_furniture_draw_graticule(r, cr);
    }
    cairo_reset_clip(cr);
}

/* Labels and furniture, over the base. */
static void draw_top(st_scene *r, cairo_t *cr)
{
    cairo_rectangle(cr, 0, 0, r->view.width_px, r->view.height_px);
    cairo_clip(cr);
    st_labels_draw(r, cr);
    st_furniture_draw(r, cr);
    cairo_reset_clip(cr);
}

static void draw_map(st_scene *r, cairo_t *cr)
{
    draw_base(r, cr, 0, r->view.height_px);
    draw_top(r, cr);
}

/* One horizontal band of a PNG canvas, drawn into the shared pixel buffer
 * through a surface of its own (cairo surfaces are independent between
 * threads). Antialiasing is per pixel, so bands join without a seam and
 * the image is the same as one drawn whole. */
typedef struct band {
    st_scene *r;
    unsigned char *data;
    int width, stride, y0, y1;
    cairo_status_t status;
} band;

static void *draw_band(void *arg)
{
    band *b = arg;
    cairo_surface_t *s = cairo_image_surface_create_for_data(
        b->data + (size_t)b->y0 * (size_t)b->stride, CAIRO_FORMAT_ARGB32, b->width, b->y1 - b->y0, b->stride);
    cairo_t *cr = cairo_create(s);
    cairo_translate(cr, 0, -b->y0);
    draw_base(b->r, cr, b->y0, b->y1);
    b->status = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return NULL;
}

/* Bands for drawing: two for a megapixel or more, one below, whatever the
 * machine. A band's edge is a clip, and where a hairline is cut by a clip
 * can move a few of its pixels by a level or two (12 of the forum map's
 * 1.76 million between one band and two), so the count must not depend on
 * the cores, or the same style would give different files on different
 * machines. The label thread makes a third. */
#define MAX_BANDS 2
static int band_count(const st_view *v)
{
    return v->width_px * v->height_px < 1e6 ? 1 : MAX_BANDS;
}

/* Draws the whole map onto an image surface, the base in bands. */
static cairo_status_t draw_image(st_scene *r, cairo_surface_t *surf)
{
    int w = cairo_image_surface_get_width(surf);
    int h = cairo_image_surface_get_height(surf);
    int stride = cairo_image_surface_get_stride(surf);
    unsigned char *data = cairo_image_surface_get_data(surf);
    int nb = band_count(&r->view);
    band bands[MAX_BANDS];
    pthread_t threads[MAX_BANDS];
    bool started[MAX_BANDS] = {false};
    cairo_surface_flush(surf);
    for (int i = 0; i < nb; i++) {
        bands[i] = (band){
            r, data, w, stride, (int)((long)h * i / nb), (int)((long)h * (i + 1) / nb), CAIRO_STATUS_SUCCESS};
    }
    for (int i = 1; i < nb; i++)
        started[i] = pthread_create(&threads[i], NULL, draw_band, &bands[i]) == 0;
    draw_band(&bands[0]);
    for (int i = 1; i < nb; i++) {
        if (started[i])
            pthread_join(threads[i], NULL);
        else
            draw_band(&bands[i]);
    }
    cairo_surface_mark_dirty(surf);
    cairo_status_t cs = CAIRO_STATUS_SUCCESS;
    for (int i = 0; i < nb && cs == CAIRO_STATUS_SUCCESS; i++)
        cs = bands[i].status;
    return cs;
}

/* The labels and panels over rows y0..y1 of a PNG, drawn while the rows
 * below are already being compressed (st_png_write_rows). Each item is
 * drawn clipped to the rows, so one crossing two parts is drawn twice,
 * each time on its own pixels: the image is the one drawn whole. */
typedef struct top_rows {
    st_scene *r;
    cairo_surface_t *surf;
    cairo_status_t status;
} top_rows;

static void draw_top_rows(void *user, int y0, int y1)
{
    top_rows *tr = user;
    if (tr->status != CAIRO_STATUS_SUCCESS)
        return;
    cairo_t *cr = cairo_create(tr->surf);
    cairo_rectangle(cr, 0, y0, tr->r->view.width_px, y1 - y0);
    cairo_clip(cr);
    st_labels_draw(tr->r, cr);
    st_furniture_draw(tr->r, cr);
    tr->status = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_flush(tr->surf);
}

static cairo_status_t stream_write(void *closure, const unsigned char *data, unsigned int length)
{
    FILE *f = closure;
    return fwrite(data, 1, length, f) == length ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* PDF dates come from SOURCE_DATE_EPOCH when set, else a fixed date, so a
 * render is byte-for-byte reproducible. */
static void pdf_date(char *buf, size_t n)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t t = 946684800; /* 2000-01-01T00:00:00Z */
    if (sde && *sde) {
        char *end = NULL;
        long long v = strtoll(sde, &end, 10);
        if (end && *end == '\0' && v >= 0)
            t = (time_t)v;
    }
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Draws and writes one output into its temporary file; *a is left open for
 * the caller to commit once every output has succeeded. */
static steppe_status_t write_output(st_scene *r, const char *path, st_format fmt, st_atomic *a_out)
{
    const st_map *m = r->map;
    const st_view *v = &r->view;
    st_atomic a;
    steppe_status_t st = st_atomic_open(r->ctx, path, &a);
    if (st != STEPPE_OK)
        return st;
    cairo_surface_t *surf = NULL;
    int w = (int)v->width_px;
    int h = (int)v->height_px;
    double pt_w = v->width_px * 72.0 / v->dpi;
    double pt_h = v->height_px * 72.0 / v->dpi;
    if (fmt == ST_FMT_PNG) {
        surf = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    } else if (fmt == ST_FMT_SVG) {
        surf = cairo_svg_surface_create_for_stream(stream_write, a.fp, pt_w, pt_h);
        cairo_svg_surface_set_document_unit(surf, CAIRO_SVG_UNIT_PT);
    } else {
        surf = cairo_pdf_surface_create_for_stream(stream_write, a.fp, pt_w, pt_h);
        char date[32];
        pdf_date(date, sizeof date);
        cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATE_DATE, date);
        cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "steppe " STEPPE_VERSION);
        if (m->meta_title || m->title)
            cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE,
                                           m->meta_title ? m->meta_title : m->title);
    }
    cairo_status_t cs;
    if (fmt == ST_FMT_PNG) {
        cs = cairo_surface_status(surf);
        if (cs == CAIRO_STATUS_SUCCESS)
            cs = draw_image(r, surf);
        st = labels_wait(r);
    } else {
        cs = CAIRO_STATUS_SUCCESS;
        st = labels_wait(r);
        if (st == STEPPE_OK) {
            cairo_t *cr = cairo_create(surf);
            cairo_scale(cr, 72.0 / v->dpi, 72.0 / v->dpi);
            draw_map(r, cr);
            cs = cairo_status(cr);
            cairo_destroy(cr);
        }
    }
    if (st == STEPPE_OK && cs == CAIRO_STATUS_SUCCESS && fmt == ST_FMT_PNG) {
        cairo_surface_flush(surf);
        st_png_meta meta = {m->meta_title ? m->meta_title : m->title, "steppe " STEPPE_VERSION,
                            m->meta_source ? m->meta_source : m->attribution};
        top_rows tr = {r, surf, CAIRO_STATUS_SUCCESS};
        st = st_png_write_rows(r->ctx, a.fp, path, cairo_image_surface_get_data(surf), w, h,
                               cairo_image_surface_get_stride(surf), m->background.a < 1.0, v->dpi, &meta,
                               r->opts->png_level, draw_top_rows, &tr);
        cs = tr.status;
    } else {
        cairo_surface_finish(surf);
        if (cs == CAIRO_STATUS_SUCCESS)
            cs = cairo_surface_status(surf);
    }
    cairo_surface_destroy(surf);
    if (cs != CAIRO_STATUS_SUCCESS && st == STEPPE_OK)
        st = st_error(r->ctx, cs == CAIRO_STATUS_WRITE_ERROR ? STEPPE_ERR_IO : STEPPE_ERR_RENDER, "%s: %s",
                      path, cairo_status_to_string(cs));
    if (st != STEPPE_OK) {
        st_atomic_abort(&a);
        return st;
    }
    if (fflush(a.fp) != 0 || ferror(a.fp)) {
        st_atomic_abort(&a);
        return st_error(r->ctx, STEPPE_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    *a_out = a;
    return STEPPE_OK;
}

/* ---- checks before any work --------------------------------------------- */

/* Every output and the report pass output.c's one write check (no input
 * overwritten, no file written twice, no read-only or special target). */
static steppe_status_t check_outputs(st_scene *r)
{
    if (r->opts->n_outputs == 0)
        return st_error(r->ctx, STEPPE_ERR_USAGE, "no output given");
    return st_guard_render(r->ctx, r->map, r->opts);
}

steppe_status_t steppe_render(steppe_ctx_t *ctx, const steppe_style_t *style,
                              const steppe_render_opts_t *opts)
{
    return st_render_map(ctx, &style->map, opts, NULL, NULL);
}

/* ---- fonts ---------------------------------------------------------------- */

/* The fonts of the furniture and labels are loaded on a thread while the
 * data is read: loading the first text of each font costs about 1 ms, some
 * 15 ms on the forum map, which the furniture layout (alone on the main
 * thread) and the label placement would otherwise pay. */
#define MAX_WARM_FONTS 64

typedef struct fonts_job {
    steppe_ctx_t *ctx;
    double dpi;
    st_font fonts[MAX_WARM_FONTS];
    size_t n;
    pthread_t thread;
    bool started;
} fonts_job;

static void *fonts_run(void *arg)
{
    fonts_job *fj = arg;
    st_text_warm(fj->ctx, fj->dpi, fj->fonts, fj->n);
    return NULL;
}

static void fonts_start(fonts_job *fj, steppe_ctx_t *ctx, const st_map *m)
{
    fj->ctx = ctx;
    fj->dpi = m->dpi;
    fj->n = st_furniture_fonts(m, fj->fonts, MAX_WARM_FONTS);
    fj->n += st_labels_fonts(m, fj->fonts + fj->n, MAX_WARM_FONTS - fj->n);
    fj->started = fj->n > 0 && pthread_create(&fj->thread, NULL, fonts_run, fj) == 0;
}

/* Waits for the fonts; from here text may be laid out with the context. */
static void fonts_join(fonts_job *fj)
{
    if (fj->started)
        pthread_join(fj->thread, NULL);
    fj->started = false;
}

/* A map whose layers all miss the canvas shows nothing but its title and
 * scale bar, and looks like a map: a report built from it would be silently
 * wrong, so it is an error (a wrong extent or crs, or data in another place
 * or CRS than its .prj says). A style without visible data layers (a map of
 * furniture only) is not asked for any. */
static steppe_status_t check_drawn(st_scene *r)
{
    size_t layers = 0;
    size_t drawn = r->highlight.n > 0 ? count_visible(&r->view, &r->highlight) : 0;
    const char *first = NULL;
    for (size_t i = 0; i < r->nlayers; i++) {
        const st_layer_data *d = &r->layers[i];
        if (!d->layer || !d->layer->visible)
            continue;
        layers++;
        drawn += d->drawn;
        if (!first)
            first = d->layer->name;
    }
    if (layers == 0 || drawn > 0)
        return STEPPE_OK;
    const st_map *m = r->map;
    st_loc loc = m->extent_loc.file ? m->extent_loc : m->crs_loc;
    char who[160];
    if (layers == 1)
        snprintf(who, sizeof who, "layer '%.100s'", first);
    else
        snprintf(who, sizeof who, "the %zu layers ('%.100s', ...)", layers, first);
    if (loc.file)
        return st_error(r->ctx, STEPPE_ERR_RENDER,
                        "%s:%d:%d: nothing to draw: no feature of %s lies in the map's frame "
                        "(check map.extent and map.crs against the data)",
                        loc.file, loc.line, loc.col, who);
    return st_error(r->ctx, STEPPE_ERR_RENDER,
                    "nothing to draw: no feature of %s lies in the map's frame "
                    "(check map.extent and map.crs against the data)",
                    who);
}

/* Folders made for one render's outputs, remembered to be taken back. */
#define MAX_MADE_FOLDERS 64

/* What a measuring pass finds out for the real one: how much of the
 * subject the furniture inside the frame would cover, and the room the
 * furniture outside it needs on each side. */
typedef struct layout_plan {
    double covered;
    double need[4];
} layout_plan;

static steppe_status_t render_pass(steppe_ctx_t *ctx, const st_map *model, const steppe_render_opts_t *opts,
                                   const st_datacache *cache, const st_page *page, layout_plan *plan);

/* Warnings and notes of the measuring pass are dropped: the real pass
 * says them again. Errors still go to the caller's logger. */
typedef struct quiet_log {
    steppe_log_fn log;
    void *user;
} quiet_log;

static void quiet_log_add(void *user, steppe_log_level_t level, const char *msg)
{
    quiet_log *q = user;
    if (level != STEPPE_LOG_WARNING && level != STEPPE_LOG_INFO && q->log)
        q->log(q->user, level, msg);
}

/* A report figure (map.layout outside or auto, or a map.subject) takes two
 * passes: the first reads the data and lays the furniture out both inside
 * the frame and around it, writing nothing; the second renders with the
 * layout chosen and the frame inset by the room the furniture needs. */
steppe_status_t st_render_map(steppe_ctx_t *ctx, const st_map *model, const steppe_render_opts_t *opts,
                              const st_datacache *cache, const st_page *page)
{
    if (model->layout == ST_LAYOUT_INSIDE && model->nsubject == 0)
        return render_pass(ctx, model, opts, cache, page, NULL);
    layout_plan plan = {0};
    quiet_log q = {ctx->log, ctx->log_user};
    unsigned warnings = ctx->warnings;
    ctx->log = quiet_log_add;
    ctx->log_user = &q;
    steppe_status_t st = render_pass(ctx, model, opts, cache, page, &plan);
    ctx->log = q.log;
    ctx->log_user = q.user;
    ctx->warnings = warnings;
    if (st != STEPPE_OK)
        return st;
    st_map m = *model;
    const char *who = m.path ? m.path : "map";
    bool outside = m.layout == ST_LAYOUT_OUTSIDE || plan.covered > 0;
    if (m.layout == ST_LAYOUT_INSIDE && outside)
        st_warn(ctx,
                "%s: inside the frame the furniture would cover the subject in every free corner; it goes "
                "outside the frame (map.layout: outside)",
                who);
    else if (m.layout == ST_LAYOUT_AUTO)
        st_info(ctx, "%s: map.layout auto: furniture %s the frame", who,
                outside ? "outside (inside it would cover the subject)" : "inside");
    m.layout = outside ? ST_LAYOUT_OUTSIDE : ST_LAYOUT_INSIDE;
    if (outside)
        memcpy(m.frame_inset, plan.need, sizeof m.frame_inset);
    return render_pass(ctx, &m, opts, cache, page, NULL);
}

static steppe_status_t render_pass(steppe_ctx_t *ctx, const st_map *model, const steppe_render_opts_t *opts,
                                   const st_datacache *cache, const st_page *page, layout_plan *plan)
{
    st_scene r;
    memset(&r, 0, sizeof r);
    st_map map = *model;
    if (page) {
        map.extent_kind = ST_EXTENT_MAP;
        memcpy(map.extent, page->extent, sizeof map.extent);
    }
    if (opts->dpi > 0) {
        /* A printed size stays the same size at another dpi. */
        if (map.width_in > 0)
            map.width_px = round(map.width_in * opts->dpi);
        if (map.height_in > 0)
            map.height_px = round(map.height_in * opts->dpi);
        if (map.height_follows)
            map.height_px = round(map.width_px * 0.75);
    }
    if (opts->width > 0)
        map.width_px = opts->width;
    if (opts->height > 0) {
        map.height_px = opts->height;
        map.height_follows = false;
    }
    if (opts->dpi > 0)
        map.dpi = opts->dpi;
    double limit = opts->max_pixels > 0 ? opts->max_pixels
                   : map.max_pixels > 0 ? map.max_pixels
                                        : DEFAULT_MAX_PIXELS;
    if (!(map.width_px >= 1 && map.height_px >= 1 && map.width_px <= 1e6 && map.height_px <= 1e6))
        return st_error(ctx, STEPPE_ERR_USAGE, "canvas %g x %g px is not a valid size", map.width_px,
                        map.height_px);
    map.width_px = round(map.width_px);
    map.height_px = round(map.height_px);
    if (map.width_px * map.height_px > limit)
        return st_error(ctx, STEPPE_ERR_LIMIT,
                        "canvas %.0f x %.0f px (%.1f megapixels) exceeds the limit of %.1f megapixels "
                        "(raise it with --max-pixels)",
                        map.width_px, map.height_px, map.width_px * map.height_px / 1e6, limit / 1e6);
    if (!(map.dpi > 0 && map.dpi <= 4800))
        return st_error(ctx, STEPPE_ERR_USAGE, "dpi %g is out of range (1 to 4800)", map.dpi);

    st_atomic *pending = NULL;
    size_t npending = 0;
    char *made[MAX_MADE_FOLDERS];
    size_t nmade = 0;
    fonts_job fonts = {0};
    r.ctx = ctx;
    r.map = &map;
    r.opts = opts;
    r.cache = cache;
    r.page = page;
    r.arena = st_arena_create(0);
    if (!r.arena)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    steppe_status_t st = check_outputs(&r);
    if (st != STEPPE_OK)
        goto done;
    if (page && page->hl && page->hl_index < page->hl->n) {
        /* An atlas page's title and subtitle may name its feature. */
        const st_feature *f = &page->hl->feat[page->hl_index];
        if (map.title)
            map.title = st_feature_format(r.arena, map.title, page->hl, f);
        if (map.subtitle)
            map.subtitle = st_feature_format(r.arena, map.subtitle, page->hl, f);
    }
    r.nlayers = map.nlayers;
    r.layers = st_arena_calloc(r.arena, map.nlayers ? map.nlayers : 1, sizeof *r.layers);
    if (!r.layers) {
        st = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        goto done;
    }
    st = st_proj_create(ctx, "EPSG:4326", map.crs, map.crs_loc, &r.lonlat_to_map);
    if (st != STEPPE_OK)
        goto done;
    fonts_start(&fonts, ctx, &map);
    st = load_layers(&r);
    if (st == STEPPE_OK)
        st = check_drawn(&r);
    if (st != STEPPE_OK)
        goto done;

    double t = now_ms();
    fonts_join(&fonts);
    st = add_marker_obstacles(&r);
    size_t obstacles = r.nobstacles;
    if (st == STEPPE_OK)
        st = st_furniture_layout(&r);
    if (st == STEPPE_OK && plan) {
        /* Measuring: inside, then outside; nothing is drawn. */
        plan->covered = st_furniture_covered(&r);
        st_furniture_free(&r);
        r.nobstacles = obstacles;
        map.layout = ST_LAYOUT_OUTSIDE;
        st = st_furniture_layout(&r);
        st_furniture_needs(&r, plan->need);
        goto done;
    }
    r.timings_ms[ST_STAGE_FURNITURE] += now_ms() - t;
    if (st != STEPPE_OK)
        goto done;
    /* Every output is complete in its temporary file before any is renamed
     * into place, so a failure on the last output leaves every target as it
     * was. Allocated before the labels start: from here until they are
     * joined the label thread alone uses the arena. */
    pending = st_arena_calloc(r.arena, opts->n_outputs, sizeof *pending);
    if (!pending) {
        st = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        goto done;
    }
    st = labels_start(&r);
    if (st != STEPPE_OK)
        goto done;

    /* Missing folders are made as the atlas makes them, only now that the
     * map is known to render, and taken back if it fails after all. */
    for (size_t i = 0; i <= opts->n_outputs && st == STEPPE_OK; i++) {
        const char *path = i < opts->n_outputs ? opts->outputs[i] : opts->report;
        if (path)
            st = st_output_make_folders(ctx, path, made, MAX_MADE_FOLDERS, &nmade);
    }
    if (st != STEPPE_OK)
        goto done;

    for (size_t i = 0; i < opts->n_outputs; i++) {
        st_format fmt;
        st_output_format(ctx, opts->outputs[i], &fmt);
        t = now_ms();
        st = write_output(&r, opts->outputs[i], fmt, &pending[i]);
        r.timings_ms[ST_STAGE_OUTPUT] += now_ms() - t;
        if (st != STEPPE_OK)
            goto done;
        npending = i + 1;
        progress(&r, map.nlayers + i + 1);
    }
    for (size_t i = 0; i < npending && st == STEPPE_OK; i++) {
        st = st_atomic_commit(ctx, &pending[i]);
        pending[i].tmp = NULL;
        pending[i].fp = NULL;
        pending[i].target = NULL;
    }
    if (st == STEPPE_OK && opts->report)
        st = st_report_write(&r, opts->report);
done:
    fonts_join(&fonts);
    if (st == STEPPE_OK)
        st = labels_wait(&r);
    else
        labels_wait(&r);
    for (size_t i = 0; pending && i < npending; i++) {
        if (pending[i].fp || pending[i].tmp)
            st_atomic_abort(&pending[i]);
    }
    if (st != STEPPE_OK)
        st_output_unmake_folders(made, nmade);
    for (size_t i = 0; st == STEPPE_OK && i < nmade; i++)
        free(made[i]);
    derive_free(&r);
    source_free(&r);
    st_labels_free(&r);
    st_furniture_free(&r);
    st_proj_destroy(r.lonlat_to_map);
    st_arena_destroy(r.arena);
    return st;
}
