/* The atlas: one page per feature, data read once, pages in parallel.
 *
 * Sharding (opts->shard_count > 0) spreads one atlas over several machines:
 * every shard selects and checks all pages the same way, then renders page i
 * only when i % N == K - 1. Round-robin rather than contiguous blocks, so
 * that neighbouring features — often of similar size and detail, as a
 * layer's records tend to be ordered by region — spread over the shards.
 *
 * Threads share only read-only data (the style's model and the data cache);
 * each worker has its own context (PROJ context, font map), so nothing in
 * a render is shared mutable state. Workers take the next page from a
 * counter under a mutex, which also serialises logging and progress. */
#include <steppe/atlas.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ctx.h"
#include "datacache.h"
#include "derive.h"
#include "model.h"
#include "output.h"
#include "project.h"
#include "render.h"
#include "source.h"

void steppe_atlas_opts_init(steppe_atlas_opts_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->jobs = 1;
    steppe_render_opts_init(&opts->render);
}

typedef struct page_job {
    const char *name; /* for messages: the first field's value */
    const char *path; /* output */
    size_t index;     /* among all pages of the atlas, whatever the shard */
    st_page page;
} page_job;

typedef struct atlas_run {
    steppe_ctx_t *ctx; /* the caller's: logging only, under lock */
    const st_map *map;
    const char *layer; /* the atlas layer's name */
    const steppe_atlas_opts_t *opts;
    const st_datacache *cache;
    page_job *jobs;
    size_t njobs;
    size_t total; /* pages of all shards */
    size_t next;
    size_t done;
    size_t written;
    size_t failed;
    steppe_status_t first_failure;
    char failures[1024]; /* "RU-TA: message; RU-BA: ..." for the final error */
    pthread_mutex_t lock;
} atlas_run;

/* A worker's context forwards warnings to the caller's logger, prefixed
 * with the page, under the run's lock. */
typedef struct worker_log {
    atlas_run *run;
    const char *page;
} worker_log;

static void forward_log(void *user, steppe_log_level_t level, const char *msg)
{
    worker_log *wl = user;
    if (level == STEPPE_LOG_ERROR)
        return; /* errors are reported once, with the page, by the worker */
    pthread_mutex_lock(&wl->run->lock);
    if (level == STEPPE_LOG_WARNING)
        st_warn(wl->run->ctx, "page '%s': %s", wl->page ? wl->page : "?", msg);
    pthread_mutex_unlock(&wl->run->lock);
}

static void *worker(void *arg)
{
    atlas_run *run = arg;
    steppe_ctx_t *ctx = steppe_ctx_create();
    worker_log wl = {run, NULL};
    if (ctx) {
        steppe_ctx_set_logger(ctx, forward_log, &wl);
        if (run->ctx->data_dir)
            steppe_ctx_set_data_dir(ctx, run->ctx->data_dir);
        steppe_ctx_set_tmp_hook(ctx, run->ctx->tmp_hook, run->ctx->tmp_user);
    }
    for (;;) {
        pthread_mutex_lock(&run->lock);
        size_t i = run->next < run->njobs ? run->next++ : run->njobs;
        pthread_mutex_unlock(&run->lock);
        if (i >= run->njobs)
            break;
        page_job *jb = &run->jobs[i];
        wl.page = jb->name;
        steppe_render_opts_t ro = run->opts->render;
        ro.outputs = &jb->path;
        ro.n_outputs = 1;
        ro.report = NULL;
        ro.progress = NULL;
        steppe_status_t st =
            ctx ? st_render_map(ctx, run->map, &ro, run->cache, &jb->page) : STEPPE_ERR_NOMEM;
        pthread_mutex_lock(&run->lock);
        run->done++;
        if (st == STEPPE_OK) {
            run->written++;
        } else {
            run->failed++;
            if (run->first_failure == STEPPE_OK)
                run->first_failure = st;
            size_t len = strlen(run->failures);
            if (len + 4 < sizeof run->failures)
                snprintf(run->failures + len, sizeof run->failures - len, "%s'%s': %s", len ? "; " : "",
                         jb->name, ctx ? steppe_ctx_last_error(ctx) : "out of memory");
            st_warn(run->ctx, "atlas page '%s' (page %zu of layer %s) failed: %s", jb->name, jb->index + 1,
                    run->layer, ctx ? steppe_ctx_last_error(ctx) : "out of memory");
        }
        if (run->opts->progress)
            run->opts->progress(run->opts->progress_user, run->done, run->njobs);
        pthread_mutex_unlock(&run->lock);
    }
    steppe_ctx_destroy(ctx);
    return NULL;
}

/* Creates the folders above path (mkdir -p of its dirname). */
static int make_parents(const char *target)
{
    char *path = strdup(target);
    if (!path)
        return -1;
    int status = 0;
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0777);
        int err = errno;
        *p = '/';
        if (rc != 0 && err != EEXIST) {
            errno = err;
            status = -1;
            break;
        }
    }
    int err = errno;
    free(path);
    errno = err;
    return status;
}

typedef struct near_point {
    double km;
    double xy[2];
} near_point;

static int cmp_near(const void *a, const void *b)
{
    const near_point *x = a, *y = b;
    return (x->km > y->km) - (x->km < y->km);
}

/* Appends to xy (room for count more points) the count features of the
 * map's highlight.nearest layer nearest to the centre of f's bbox, by
 * geodesic distance. Returns how many were appended. Both layers are in
 * lon/lat. */
static size_t nearest_points(const st_map *map, const st_datacache *cache, const st_feature *f,
                             st_arena *arena, double *xy)
{
    const st_layer *nl = map->highlight_nearest ? st_map_layer(map, map->highlight_nearest) : NULL;
    const st_featureset *pts = nl ? st_datacache_find(cache, nl) : NULL;
    if (!pts || pts->type != ST_GEOM_POINT || map->highlight_nearest_count <= 0)
        return 0;
    near_point *cand = st_arena_alloc(arena, (pts->n ? pts->n : 1) * sizeof *cand);
    if (!cand)
        return 0;
    double c[2] = {(f->bbox[0] + f->bbox[2]) / 2, (f->bbox[1] + f->bbox[3]) / 2};
    size_t n = 0;
    for (size_t i = 0; i < pts->n; i++) {
        const st_feature *p = &pts->feat[i];
        if (p->npoints == 0 || (nl->where.n && !st_filter_match(&nl->where, pts, p)))
            continue;
        double seg[4] = {c[0], c[1], p->xy[0], p->xy[1]};
        cand[n].km = st_geod_polyline_km(seg, 2);
        cand[n].xy[0] = p->xy[0];
        cand[n].xy[1] = p->xy[1];
        n++;
    }
    qsort(cand, n, sizeof *cand, cmp_near);
    size_t k = n < (size_t)map->highlight_nearest_count ? n : (size_t)map->highlight_nearest_count;
    for (size_t i = 0; i < k; i++) {
        xy[2 * i] = cand[i].xy[0];
        xy[2 * i + 1] = cand[i].xy[1];
    }
    return k;
}

/* The frame of a page: the feature's bbox in map units, taking in the
 * nearest highlight.nearest features, grown by the highlight margin on
 * each side. */
static steppe_status_t page_extent(steppe_ctx_t *ctx, const st_map *map, const st_datacache *cache,
                                   const st_featureset *fs, const st_feature *f, st_arena *arena,
                                   double ext[4])
{
    st_proj *p = NULL;
    steppe_status_t st = st_proj_create(ctx, fs->crs, map->crs, map->crs_loc, &p);
    if (st == STEPPE_OK && map->highlight_nearest_count > 0)
        st = st_ctx_load_proj(ctx); /* nearest_points() measures geodesics */
    if (st != STEPPE_OK) {
        st_proj_destroy(p);
        return st;
    }
    size_t extra = map->highlight_nearest_count > 0 ? (size_t)map->highlight_nearest_count : 0;
    double *xy = st_arena_alloc(arena, 2 * sizeof(double) * (f->npoints + extra + 1));
    if (!xy) {
        st_proj_destroy(p);
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    }
    memcpy(xy, f->xy, 2 * sizeof(double) * f->npoints);
    size_t n = f->npoints + nearest_points(map, cache, f, arena, xy + 2 * f->npoints);
    st_proj_trans(p, xy, n, false);
    st_proj_destroy(p);
    double b[4] = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    st_bbox_grow_xy(b, xy, n);
    if (!(b[0] <= b[2] && b[1] <= b[3]))
        return st_error(ctx, STEPPE_ERR_PROJ, "%s: record %u: cannot be projected to frame a page", fs->path,
                        (unsigned)f->record);
    double w = b[2] - b[0];
    double h = b[3] - b[1];
    double pad = fmax(w, h) * map->highlight_margin;
    if (pad <= 0)
        pad = 1000;
    ext[0] = b[0] - pad;
    ext[1] = b[1] - pad;
    ext[2] = b[2] + pad;
    ext[3] = b[3] + pad;
    return STEPPE_OK;
}

/* ---- page file names ------------------------------------------------------
 *
 * A value substituted into the -o template becomes part of one file name,
 * never a path: '/', '\\', control characters (below 0x20, and 0x7f) are
 * replaced by '_', so are the dots a value starts with (no ".", "..", or
 * hidden file), an empty value (or an unknown field) becomes "_", and a
 * value is cut to ST_VALUE_MAX bytes at a character boundary, so that a
 * name with the template's text and the temporary file's 12 extra bytes
 * stays under NAME_MAX. The template's own text is
 * taken as written ("{{" and "}}" are literal braces). Each page is then checked: it must resolve inside the
 * template's folder (the folder of the text before the first field), and no two pages may be one file. */
#define ST_VALUE_MAX 200

/* Appends the safe form of value to dst (when not NULL) at n; returns the
 * new length. */
static size_t put_value(char *dst, size_t n, const char *value)
{
    size_t len = strlen(value);
    if (len > ST_VALUE_MAX) {
        len = ST_VALUE_MAX;
        while (len > 0 && ((unsigned char)value[len] & 0xc0) == 0x80)
            len--; /* do not cut a UTF-8 sequence */
    }
    if (len == 0) {
        if (dst)
            dst[n] = '_';
        return n + 1;
    }
    bool leading = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)value[i];
        bool bad = c < 0x20 || c == 0x7f || c == '/' || c == '\\' || (leading && c == '.');
        leading = leading && c == '.';
        if (dst)
            dst[n] = bad ? '_' : (char)c;
        n++;
    }
    return n;
}

/* put_value() for st_feature_format_with(): an unknown field is "_". */
static size_t put_page_value(char *dst, size_t n, const char *value)
{
    return put_value(dst, n, value ? value : "");
}

/* The file of f's page: tmpl with safe values, in the arena. */
static char *page_path(st_arena *arena, const char *tmpl, const st_featureset *fs, const st_feature *f)
{
    return st_feature_format_with(arena, tmpl, fs, f, put_page_value);
}

/* The canonical folder every page must stay in: that of the template's
 * text before its first field (malloc()ed). */
static char *template_folder(const char *tmpl)
{
    size_t end = 0;
    for (const char *p = tmpl; *p; p++) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            p++;
            continue;
        }
        if (p[0] == '{' && strchr(p + 1, '}'))
            break;
        end = (size_t)(p - tmpl) + 1;
    }
    size_t slash = end;
    while (slash > 0 && tmpl[slash - 1] != '/')
        slash--;
    char *dir = slash == 0 ? strdup(".") : strndup(tmpl, slash);
    if (!dir)
        return NULL;
    char *canon = st_path_canonical(dir);
    free(dir);
    return canon;
}

/* The checks of one page before anything is written: inside the folder,
 * a name the system accepts, not another page's file, not an input. */
static steppe_status_t check_page(steppe_ctx_t *ctx, st_guard *g, size_t first_page, const atlas_run *run,
                                  const char *folder, const char *path)
{
    const char *name = run->jobs[run->njobs].name;
    char *canon = st_path_canonical(path);
    if (!canon)
        return st_error(ctx, STEPPE_ERR_IO, "%s: page '%s': the path is too long", path, name);
    size_t fl = strlen(folder);
    bool inside = strncmp(canon, folder, fl) == 0 && (canon[fl] == '/' || strcmp(folder, "/") == 0);
    free(canon);
    if (!inside)
        return st_error(ctx, STEPPE_ERR_USAGE,
                        "%s: page '%s' would be written outside the template's folder %s", path, name,
                        folder);
    st_format fmt;
    steppe_status_t st = st_output_format(ctx, path, &fmt);
    if (st != STEPPE_OK)
        return st;
    /* The file's temporary name is 12 bytes longer (".NAME.XXXXXX.tmp"). */
    for (const char *c = path; *c;) {
        size_t len = strcspn(c, "/");
        size_t max = c[len] ? NAME_MAX : NAME_MAX - 12;
        if (len > max)
            return st_error(ctx, STEPPE_ERR_USAGE,
                            "%s: page '%s': a file or folder name is longer than %zu bytes", path, name, max);
        c += len;
        c += *c == '/';
    }
    /* Another page's file: say which two features collide. */
    st_guard_entry *dup = NULL;
    char *pc = st_path_canonical(path);
    struct stat sb;
    bool exists = stat(path, &sb) == 0;
    for (size_t k = first_page; k < g->n && !dup; k++) {
        const st_guard_entry *e = &g->e[k];
        if ((pc && e->canon && strcmp(pc, e->canon) == 0) ||
            (exists && e->exists && sb.st_dev == e->dev && sb.st_ino == e->ino))
            dup = &g->e[k];
    }
    free(pc);
    if (dup)
        return st_error(ctx, STEPPE_ERR_USAGE,
                        "atlas: pages '%s' and '%s' would both be written to %s "
                        "(put a field that differs per feature in the -o template)",
                        run->jobs[(size_t)(dup - g->e) - first_page].name, name, path);
    return st_guard_output(ctx, g, path, "page");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

steppe_status_t steppe_atlas(steppe_ctx_t *ctx, const steppe_style_t *style, const steppe_atlas_opts_t *opts,
                             steppe_atlas_result_t *res)
{
    const st_map *map = &style->map;
    double t0 = now_s();
    if (res)
        memset(res, 0, sizeof *res);
    const char *layer_name = opts->layer ? opts->layer : map->atlas_layer;
    if (!layer_name || !opts->output)
        return st_error(
            ctx, STEPPE_ERR_USAGE,
            "atlas needs a layer (--layer, or atlas.layer in the style) and an output template (-o)");
    if (opts->shard_count > 0 && (opts->shard_index < 1 || opts->shard_index > opts->shard_count))
        return st_error(ctx, STEPPE_ERR_USAGE, "atlas: shard %u/%u: the shard must be 1 to %u",
                        opts->shard_index, opts->shard_count, opts->shard_count);
    const st_layer *layer = st_map_layer(map, layer_name);
    if (!layer)
        return st_error(ctx, STEPPE_ERR_USAGE, "atlas: no layer '%s' in %s", layer_name, map->path);
    if (!st_kind_has_source(layer->kind))
        return st_error(ctx, STEPPE_ERR_USAGE, "atlas: layer '%s' is derived; pick a Shapefile or CSV layer",
                        layer_name);
    unsigned shards = opts->shard_count > 0 ? opts->shard_count : 1;
    unsigned shard = opts->shard_count > 0 ? opts->shard_index - 1 : 0;

    st_datacache *cache = NULL;
    st_arena *arena = NULL;
    st_guard guard;
    atlas_run run;
    st_guard_init(&guard);
    memset(&run, 0, sizeof run);
    steppe_status_t st = st_datacache_load(ctx, map, &cache);
    if (st != STEPPE_OK)
        goto done;
    arena = st_arena_create(0);
    if (!arena) {
        st = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        goto done;
    }
    const st_featureset *fs = st_datacache_find(cache, layer);
    st = st_filter_check(ctx, &layer->where, fs);
    if (st == STEPPE_OK)
        st = st_filter_check(ctx, &map->highlight_where, fs);
    if (st != STEPPE_OK)
        goto done;
    run.jobs = st_arena_calloc(arena, fs->n ? fs->n : 1, sizeof *run.jobs);
    if (!run.jobs) {
        st = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        goto done;
    }
    st = st_guard_map(ctx, &guard, map);
    if (st != STEPPE_OK)
        goto done;
    char *folder = template_folder(opts->output);
    if (!folder) {
        st = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        goto done;
    }
    size_t first_page = guard.n; /* guard.e[first_page + k] is page k */
    for (size_t i = 0; i < fs->n; i++) {
        const st_feature *f = &fs->feat[i];
        if (layer->where.n && !st_filter_match(&layer->where, fs, f))
            continue;
        if (map->highlight_where.n && !st_filter_match(&map->highlight_where, fs, f))
            continue;
        page_job *jb = &run.jobs[run.njobs];
        jb->name = fs->nfields ? f->attrs[0] : st_arena_printf(arena, "record %u", (unsigned)f->record);
        char *path = page_path(arena, opts->output, fs, f);
        if (!path || !jb->name) {
            st = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
            break;
        }
        st = check_page(ctx, &guard, first_page, &run, folder, path);
        if (st != STEPPE_OK)
            break;
        jb->path = path;
        jb->index = run.njobs;
        jb->page.hl = fs;
        jb->page.hl_index = i;
        /* Only this shard's pages are framed (which may load PROJ). */
        if (!opts->list && jb->index % shards == shard)
            st = page_extent(ctx, map, cache, fs, f, arena, jb->page.extent);
        if (st != STEPPE_OK)
            break;
        run.njobs++;
    }
    free(folder);
    if (st != STEPPE_OK)
        goto done;
    run.total = run.njobs;
    if (run.njobs == 0) {
        /* Nothing to write is a mistake in the filter or the layer, not a
         * success: say which layer and how many features were looked at. */
        st = st_error(ctx, STEPPE_ERR_DATA_UNSUPPORTED,
                      "atlas: no page to write: none of the %zu features of layer '%s' (%s) matches the "
                      "layer's where and the highlight.where (--where) filters",
                      fs->n, layer_name, fs->path);
        goto done;
    }
    /* Keep this shard's pages, in order, at the front. */
    size_t kept = 0;
    for (size_t k = 0; k < run.njobs; k++) {
        if (run.jobs[k].index % shards == shard)
            run.jobs[kept++] = run.jobs[k];
    }
    run.njobs = kept;
    if (opts->list) {
        for (size_t k = 0; k < run.njobs; k++)
            opts->list(opts->list_user, run.jobs[k].index, run.jobs[k].name, run.jobs[k].path);
        goto done;
    }
    if (run.njobs == 0) {
        /* More shards than pages: this one has nothing to do, which is fine. */
        st_info(ctx, "atlas: shard %u/%u has no page (the atlas has %zu)", opts->shard_index,
                opts->shard_count, run.total);
        goto done;
    }
    /* Folders are created only once every page has passed its checks. */
    for (size_t k = 0; k < run.njobs; k++) {
        if (make_parents(run.jobs[k].path) != 0) {
            st = st_error(ctx, STEPPE_ERR_IO, "%s: cannot create its folder: %s", run.jobs[k].path,
                          strerror(errno));
            goto done;
        }
    }

    run.ctx = ctx;
    run.map = map;
    run.layer = layer_name;
    run.opts = opts;
    run.cache = cache;
    pthread_mutex_init(&run.lock, NULL);
    int jobs = opts->jobs < 1 ? 1 : opts->jobs;
    if ((size_t)jobs > run.njobs)
        jobs = run.njobs ? (int)run.njobs : 1;
    pthread_t threads[64];
    if (jobs > 64)
        jobs = 64;
    int started = 0;
    for (int t = 1; t < jobs; t++) {
        if (pthread_create(&threads[started], NULL, worker, &run) == 0)
            started++;
    }
    worker(&run); /* the calling thread works too */
    for (int t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    pthread_mutex_destroy(&run.lock);
    if (run.failed)
        st = st_error(ctx,
                      steppe_status_exit_code(run.first_failure) == 1 ? run.first_failure : STEPPE_ERR_RENDER,
                      "atlas: %zu of %zu maps failed: %s", run.failed, run.njobs, run.failures);
done:
    if (res) {
        res->pages = run.njobs;
        res->written = run.written;
        res->failed = run.failed;
        res->seconds = now_s() - t0;
        res->total = run.total;
    }
    st_guard_free(&guard);
    st_arena_destroy(arena);
    st_datacache_destroy(cache);
    return st;
}
