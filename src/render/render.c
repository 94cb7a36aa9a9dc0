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
#include <sys/mman.h>
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
#include "read.h"
#include "source.h"

#define DEFAULT_MAX_PIXELS 200e6

#if defined(__SANITIZE_ADDRESS__)
/* Sanitizer builds only (STEPPE_SANITIZE): record allocation stacks with
 * the DWARF unwinder. libcairo is built without frame pointers, so the fast
 * unwinder stops at its first frame, and the one cairo leak that
 * tests/lsan.supp must hide could then only be suppressed by naming all of
 * libcairo.so, which would hide leaks of cairo objects steppe creates too.
 * ASAN_OPTIONS=fast_unwind_on_malloc=1 restores the fast unwinder.
 * Default visibility: the sanitizer runtime finds this function by dynamic
 * look-up, which a hidden symbol (the library's -fvisibility=hidden) would
 * escape, leaving the fast unwinder on. */
__attribute__((visibility("default"), used)) const char *__asan_default_options(void);
__attribute__((visibility("default"), used)) const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}
#endif

void steppe_render_opts_init(steppe_render_opts_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->png_level = -1;
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
    double t = st_scene_now_ms();
    lj->st = st_labels_place(r);
    r->timings_ms[ST_STAGE_LABELS] += st_scene_now_ms() - t;
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

/* The square of half-side rad around (x, y) is an obstacle for labels. */
static steppe_status_t add_square(st_scene *r, double x, double y, double rad)
{
    return st_scene_add_obstacle(r, (st_box){x - rad, y - rad, x + rad, y + rad});
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
        steppe_status_t st = add_square(r, d->marker_xy[2 * k], d->marker_xy[2 * k + 1], rad);
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
        size_t npoints = 0;
        for (size_t k = 0; k < d->fs.n; k++)
            npoints += d->fs.feat[k].npoints;
        steppe_status_t rst = st_scene_reserve_obstacles(r, npoints);
        if (rst != STEPPE_OK)
            return rst;
        for (size_t k = 0; k < d->fs.n; k++) {
            const st_feature *f = &d->fs.feat[k];
            const st_symbol *sym = f->cls >= 0 ? &d->layer->classes[f->cls].sym : &d->layer->sym;
            if (sym->marker == ST_MARKER_NONE)
                continue;
            double rad = (sym->size * 0.6 + sym->width) * r->view.px_per_pt;
            for (uint32_t p = 0; p < f->npoints; p++) {
                steppe_status_t st = add_square(r, f->xy[2 * p], f->xy[2 * p + 1], rad);
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

/* A failure while drawing: only streamed layers (read again from their
 * files) can fail; recorded on the drawing thread, reported after. */
typedef struct draw_err {
    steppe_status_t st;
    char msg[512];
} draw_err;

/* The map below its labels: background, layers, highlight, graticule —
 * only what reaches rows y0..y1. Plain cairo, no pango, so bands of one
 * image may be drawn by several threads. */
static void draw_base(st_scene *r, cairo_t *cr, double y0, double y1, st_stream_hub **hubs, draw_err *err)
{
    const st_map *m = r->map;
    st_box fb = st_scene_frame(&r->view);
    const double fr[4] = {fb.x0, fb.y0, fb.x1, fb.y1};
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
        if (d->streamed) {
            /* Called even after a failure: the other bands may wait. */
            draw_err e = {STEPPE_OK, ""};
            e.st = st_read_stream_draw(r, d, cr, y0, y1, hubs ? hubs[i] : NULL, e.msg, sizeof e.msg);
            if (err->st == STEPPE_OK)
                *err = e;
        } else if (d->thematic)
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

static void draw_map(st_scene *r, cairo_t *cr, draw_err *err)
{
    draw_base(r, cr, 0, r->view.height_px, NULL, err);
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
    st_stream_hub **hubs; /* per layer, shared by the bands drawn at once */
    draw_err err;
} band;

static void *draw_band(void *arg)
{
    band *b = arg;
#ifdef MADV_POPULATE_WRITE
    /* The band's pages in one call instead of a fault each (the canvas is
     * fresh memory; 4,500 pages a band on W2). */
    long pagesize = sysconf(_SC_PAGESIZE);
    uintptr_t page = pagesize > 0 ? (uintptr_t)pagesize : 4096;
    uintptr_t a0 = (uintptr_t)(b->data + (size_t)b->y0 * (size_t)b->stride) & ~(page - 1);
    uintptr_t a1 = (uintptr_t)(b->data + (size_t)b->y1 * (size_t)b->stride);
    (void)madvise((void *)a0, a1 - a0, MADV_POPULATE_WRITE);
#endif
    cairo_surface_t *s = cairo_image_surface_create_for_data(
        b->data + (size_t)b->y0 * (size_t)b->stride, CAIRO_FORMAT_ARGB32, b->width, b->y1 - b->y0, b->stride);
    cairo_t *cr = cairo_create(s);
    cairo_translate(cr, 0, -b->y0);
    draw_base(b->r, cr, b->y0, b->y1, b->hubs, &b->err);
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

/* The base of a PNG being drawn in bands (draw_image_start()). */
typedef struct image_job {
    cairo_surface_t *surf;
    int nb;
    band bands[MAX_BANDS];
    pthread_t threads[MAX_BANDS];
    bool started[MAX_BANDS];
    st_stream_hub **hubs;
    bool joined;
} image_job;

/* Starts drawing the base of the map onto an image surface in bands: the
 * other bands on threads, the first one here. On return the first band's
 * rows are drawn and the others may still be; draw_image_rows() says up to
 * which row the image is final, and draw_image_finish() waits for the rest.
 * The PNG's compression of the first band can so start while the last one
 * is drawn, instead of a core waiting for the slower band. */
static void draw_image_start(st_scene *r, cairo_surface_t *surf, image_job *job)
{
    int w = cairo_image_surface_get_width(surf);
    int h = cairo_image_surface_get_height(surf);
    int stride = cairo_image_surface_get_stride(surf);
    unsigned char *data = cairo_image_surface_get_data(surf);
    int nb = band_count(&r->view);
    *job = (image_job){.surf = surf, .nb = nb};
    band *bands = job->bands;
    cairo_surface_flush(surf);
    for (int i = 0; i < nb; i++) {
        bands[i] = (band){r,
                          data,
                          w,
                          stride,
                          (int)((long)h * i / nb),
                          (int)((long)h * (i + 1) / nb),
                          CAIRO_STATUS_SUCCESS,
                          NULL,
                          {STEPPE_OK, ""}};
    }
    /* A streamed layer is read once for all the bands (read.h), which must
     * then run at once. With two bands, a second that cannot be started
     * leaves no thread waiting in a hub, and each band reads alone, one
     * after the other — as they are drawn when a hub cannot be had. */
    _Static_assert(MAX_BANDS == 2, "a band that fails to start must leave none waiting");
    st_stream_hub **hubs = nb > 1 ? calloc(r->nlayers ? r->nlayers : 1, sizeof *hubs) : NULL;
    bool together = nb == 1 || hubs;
    for (size_t l = 0; hubs && l < r->nlayers; l++) {
        if (r->layers[l].streamed) {
            hubs[l] = st_stream_hub_create(nb);
            together = together && hubs[l];
        }
    }
    job->hubs = hubs;
    for (int i = 0; i < nb; i++)
        bands[i].hubs = hubs;
    for (int i = 1; i < nb && together; i++)
        job->started[i] = pthread_create(&job->threads[i], NULL, draw_band, &bands[i]) == 0;
    if (nb > 1 && !job->started[1]) {
        for (int i = 0; i < nb; i++)
            bands[i].hubs = NULL;
    }
    draw_band(&bands[0]);
    /* cairo must know the pixels changed before it draws on surf again:
     * a surface it believes clear gets OVER drawn as SOURCE. */
    cairo_surface_mark_dirty(surf);
}

/* The rows from the top that are drawn for good: the first band's while
 * the others may still be drawing, all of them once finished. */
static int draw_image_rows(const image_job *job)
{
    return job->joined ? job->bands[job->nb - 1].y1 : job->bands[0].y1;
}

/* Waits for (or draws) the other bands; the first failure's cairo status,
 * and its steppe error in *err. Safe to call twice. */
static cairo_status_t draw_image_finish(st_scene *r, image_job *job, draw_err *err)
{
    int nb = job->nb;
    band *bands = job->bands;
    if (!job->joined) {
        for (int i = 1; i < nb; i++) {
            if (job->started[i])
                pthread_join(job->threads[i], NULL);
            else
                draw_band(&bands[i]);
        }
        for (size_t l = 0; job->hubs && l < r->nlayers; l++)
            st_stream_hub_destroy(job->hubs[l]);
        free(job->hubs);
        job->hubs = NULL;
        cairo_surface_mark_dirty(job->surf);
        job->joined = true;
    }
    cairo_status_t cs = CAIRO_STATUS_SUCCESS;
    for (int i = 0; i < nb && cs == CAIRO_STATUS_SUCCESS; i++)
        cs = bands[i].status;
    for (int i = 0; i < nb && err->st == STEPPE_OK; i++)
        *err = bands[i].err;
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
    image_job *base; /* the base's bands, joined before rows past the first */
    draw_err *err;
} top_rows;

static void draw_top_rows(void *user, int y0, int y1)
{
    top_rows *tr = user;
    if (y1 > draw_image_rows(tr->base)) {
        cairo_status_t cs = draw_image_finish(tr->r, tr->base, tr->err);
        if (tr->status == CAIRO_STATUS_SUCCESS)
            tr->status = cs;
    }
    if (tr->status != CAIRO_STATUS_SUCCESS || tr->err->st != STEPPE_OK)
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

/* Whether a layer of the render is streamed (read.h). */
static bool any_streamed(const st_scene *r)
{
    for (size_t l = 0; l < r->nlayers; l++) {
        if (r->layers[l].streamed)
            return true;
    }
    return false;
}

/* A PNG canvas is freed on a thread of its own while the outputs are
 * committed and the report written: giving W2's 37 MB back to the system
 * takes about 2 ms, as long as the commit's fsync. */
typedef struct reaper {
    pthread_t thread;
    bool started;
} reaper;

static void *reap(void *surface)
{
    cairo_surface_destroy(surface);
    return NULL;
}

static void reaper_join(reaper *rp)
{
    if (rp->started)
        pthread_join(rp->thread, NULL);
    rp->started = false;
}

static void reaper_give(reaper *rp, cairo_surface_t *surface)
{
    reaper_join(rp);
    if (cairo_surface_get_type(surface) == CAIRO_SURFACE_TYPE_IMAGE)
        rp->started = pthread_create(&rp->thread, NULL, reap, surface) == 0;
    if (!rp->started)
        cairo_surface_destroy(surface);
}

/* Draws and writes one output into its temporary file; *a is left open for
 * the caller to commit once every output has succeeded. A PNG's canvas
 * goes to rp to be freed. */
static steppe_status_t write_output(st_scene *r, const char *path, st_format fmt, st_atomic *a_out,
                                    reaper *rp)
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
    draw_err derr = {STEPPE_OK, ""};
    image_job base = {.joined = true};
    if (fmt == ST_FMT_PNG) {
        cs = cairo_surface_status(surf);
        if (cs == CAIRO_STATUS_SUCCESS) {
            draw_image_start(r, surf, &base);
            /* A streamed layer's counts and warnings are complete only
             * when every band has drawn it. */
            if (any_streamed(r))
                cs = draw_image_finish(r, &base, &derr);
        }
        st = labels_wait(r);
    } else {
        cs = CAIRO_STATUS_SUCCESS;
        st = labels_wait(r);
        if (st == STEPPE_OK) {
            cairo_t *cr = cairo_create(surf);
            cairo_scale(cr, 72.0 / v->dpi, 72.0 / v->dpi);
            draw_map(r, cr, &derr);
            cs = cairo_status(cr);
            cairo_destroy(cr);
        }
    }
    if (st == STEPPE_OK && derr.st != STEPPE_OK)
        st = st_error(r->ctx, derr.st, "%s", derr.msg);
    if (st == STEPPE_OK)
        st_read_stream_finish(r);
    if (st == STEPPE_OK && cs == CAIRO_STATUS_SUCCESS && fmt == ST_FMT_PNG) {
        cairo_surface_flush(surf);
        st_png_meta meta = {m->meta_title ? m->meta_title : m->title, "steppe " STEPPE_VERSION,
                            m->meta_source ? m->meta_source : m->attribution};
        top_rows tr = {r, surf, CAIRO_STATUS_SUCCESS, &base, &derr};
        st = st_png_write_rows(r->ctx, a.fp, path, cairo_image_surface_get_data(surf), w, h,
                               cairo_image_surface_get_stride(surf), m->background.a < 1.0, v->dpi, &meta,
                               r->opts->png_level, draw_top_rows, &tr);
        cs = tr.status;
        /* Joined already unless the writer failed before the last rows. */
        cairo_status_t rest = draw_image_finish(r, &base, &derr);
        if (cs == CAIRO_STATUS_SUCCESS)
            cs = rest;
        if (st == STEPPE_OK && derr.st != STEPPE_OK)
            st = st_error(r->ctx, derr.st, "%s", derr.msg);
    } else {
        draw_image_finish(r, &base, &derr); /* no thread left drawing */
        cairo_surface_finish(surf);
        if (cs == CAIRO_STATUS_SUCCESS)
            cs = cairo_surface_status(surf);
    }
    reaper_give(rp, surf);
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
    size_t drawn = r->highlight.n > 0 ? st_read_count_visible(&r->view, &r->highlight) : 0;
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
        st_info(ctx, "%s: map.layout auto: the furniture %s", who,
                outside ? "goes outside the frame (inside it would cover the subject)"
                        : "stays inside the frame, covering none of the subject");
    m.layout = outside ? ST_LAYOUT_OUTSIDE : ST_LAYOUT_INSIDE;
    if (outside) {
        memcpy(m.frame_inset, plan.need, sizeof m.frame_inset);
        /* On a page of fixed height the map keeps at least a quarter of it. */
        double dpi = opts->dpi > 0 ? opts->dpi : m.dpi;
        double H = opts->height > 0                   ? opts->height
                   : opts->dpi > 0 && m.height_in > 0 ? round(m.height_in * opts->dpi)
                                                      : m.height_px;
        bool fixed = !m.height_follows || opts->height > 0;
        double bands = plan.need[1] + plan.need[3];
        if (fixed && bands > 0.75 * H) {
            st_loc at = m.size_loc;
            char where[512];
            if (at.file)
                snprintf(where, sizeof where, "%s:%d:%d", at.file, at.line, at.col);
            else
                snprintf(where, sizeof where, "%s", who);
            return st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                            "%s: map.layout outside does not fit: the title above the map and the scale bar, "
                            "legend and notes below it need %.0f mm of the %.0f mm height, %.0f mm more than "
                            "leaves the map a quarter of it; shorten them, lower legend.size or choose a "
                            "taller map.size",
                            where, bands / dpi * 25.4, H / dpi * 25.4, (bands - 0.75 * H) / dpi * 25.4);
        }
    }
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
    reaper canvas_reaper = {0};
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
    st = st_read_layers(&r);
    if (st == STEPPE_OK)
        st = check_drawn(&r);
    if (st != STEPPE_OK)
        goto done;

    double t = st_scene_now_ms();
    fonts_join(&fonts);
    /* A map with text needs pango, which the fonts thread has loaded: a
     * failure is one error here, not texts silently missing. */
    st = fonts.n > 0 ? st_ctx_load_pango(ctx) : STEPPE_OK;
    if (st == STEPPE_OK)
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
    r.timings_ms[ST_STAGE_FURNITURE] += st_scene_now_ms() - t;
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
        t = st_scene_now_ms();
        st = write_output(&r, opts->outputs[i], fmt, &pending[i], &canvas_reaper);
        r.timings_ms[ST_STAGE_OUTPUT] += st_scene_now_ms() - t;
        if (st != STEPPE_OK)
            goto done;
        npending = i + 1;
        st_scene_progress(&r, map.nlayers + i + 1);
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
    reaper_join(&canvas_reaper);
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
    st_read_free(&r);
    st_labels_free(&r);
    st_furniture_free(&r);
    st_proj_destroy(r.lonlat_to_map);
    st_arena_destroy(r.arena);
    return st;
}
