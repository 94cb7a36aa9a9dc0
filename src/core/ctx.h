/* Private: the context's fields and the error/warning recorders.
 *
 * Naming: functions shared between modules but not public are prefixed st_;
 * everything else in a module is static. */
#ifndef ST_CTX_H
#define ST_CTX_H

#include <proj.h>
#include <stdarg.h>
#include <stdbool.h>
#include <steppe/ctx.h>

/* One entry of the context's object cache (parsed CRSs, transformations):
 * PROJ's database look-ups cost milliseconds each, and a render asks for
 * the same few objects many times. */
typedef struct st_cache_entry {
    char *key;
    void *obj;
    void (*free_obj)(void *);
} st_cache_entry;

struct steppe_ctx {
    steppe_log_fn log;
    void *log_user;
    char last_error[2048];
    unsigned warnings;
    PJ_CONTEXT *proj;       /* lazily created by st_ctx_proj() */
    PJ_CONTEXT *proj_plain; /* st_ctx_proj_plain() */
    void *fontmap;          /* PangoFontMap *, lazily created by text.c */
    void (*fontmap_free)(void *);
    void *pango_context; /* PangoContext * of the fontmap at pango_context_dpi (text.c) */
    double pango_context_dpi;
    char *data_dir;
    st_cache_entry *cache; /* see st_ctx_cache_get() */
    size_t ncache, cap_cache;
    int quiet;              /* 1: warnings are counted but not logged */
    steppe_tmp_fn tmp_hook; /* told about temporary outputs (output.c) */
    void *tmp_user;
    char proj_reason[256]; /* PROJ's logged reason for the last st_ctx_crs() failure */
};

/* Records message (printf format) as the last error, logs it at ERROR level
 * and returns status, so the detecting site can write
 *     return st_error(ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open", path);
 * Style errors are formatted "FILE:LINE:COL: message"; Shapefile errors
 * "FILE: record N: message". */
steppe_status_t st_error(steppe_ctx_t *ctx, steppe_status_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Logs a warning (same formatting rules) and counts it. Never fails. */
void st_warn(steppe_ctx_t *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* For the helpers that say where their messages come from: st_error() and
 * st_warn() of "WHERE: message", the message formatted from fmt and ap
 * (only the message when where is NULL). The helper keeps the va_list. */
steppe_status_t st_verror(steppe_ctx_t *ctx, steppe_status_t status, const char *where, const char *fmt,
                          va_list ap) __attribute__((format(printf, 4, 0)));
void st_vwarn(steppe_ctx_t *ctx, const char *where, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Logs an informational line (progress, summaries). */
void st_info(steppe_ctx_t *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Loads libproj (st_dynlib_load_proj()) once per process; on failure
 * records "cannot load PROJ: reason" and returns STEPPE_ERR_LIBRARY. */
steppe_status_t st_ctx_load_proj(steppe_ctx_t *ctx);

/* As st_ctx_load_proj(), for libgeos_c ("cannot load GEOS: reason"). */
steppe_status_t st_ctx_load_geos(steppe_ctx_t *ctx);

/* As st_ctx_load_proj(), for pango ("cannot load pango: reason"). */
steppe_status_t st_ctx_load_pango(steppe_ctx_t *ctx);

/* Makes sure ctx has its PROJ context: loads libproj (st_ctx_load_proj())
 * and creates the context with logging silenced (PROJ's messages are
 * collected through st_proj_errmsg()). Records the error where it fails:
 * STEPPE_ERR_LIBRARY (libproj cannot be loaded) or STEPPE_ERR_NOMEM. */
steppe_status_t st_ctx_need_proj(steppe_ctx_t *ctx);

/* The PROJ context of ctx, created on first use by st_ctx_need_proj(); NULL
 * when that fails (the error is then recorded in ctx). */
PJ_CONTEXT *st_ctx_proj(steppe_ctx_t *ctx);

/* A second PROJ context of ctx that never opens PROJ's database, for
 * operations written as PROJ strings that need nothing from it (a pipeline,
 * +proj=noop). proj_create() of an operation opens the database even then,
 * and opening it costs 5 ms per context, that is per worker thread. Its
 * search path names no folder, so grids cannot be found either. NULL if
 * PROJ is not loaded; objects made with it are destroyed before ctx. */
PJ_CONTEXT *st_ctx_proj_plain(steppe_ctx_t *ctx);

/* The object cached under key, or NULL. */
void *st_ctx_cache_get(steppe_ctx_t *ctx, const char *key);

/* Caches obj under key (copied); the context frees obj with free_obj when
 * it is destroyed. Returns false when out of memory (obj is then not
 * cached, and the caller still owns it). */
bool st_ctx_cache_put(steppe_ctx_t *ctx, const char *key, void *obj, void (*free_obj)(void *));

/* The PROJ string of geographic WGS 84 (longitude, latitude in degrees),
 * which PROJ builds without its database. */
#define ST_CRS_WGS84 "+proj=longlat +datum=WGS84 +no_defs +type=crs"

/* Whether def is one of the common spellings of geographic WGS 84:
 * EPSG:4326, OGC:CRS84, or the WKT that GDAL, ESRI and mapshaper write to
 * .prj files (compared without whitespace and case). Axis order does not
 * matter to steppe, which normalises every operation for visualisation. */
bool st_crs_is_wgs84(const char *def);

/* The CRS that PROJ makes of def (proj_create), parsed once per context
 * and owned by it — the caller must not destroy it. NULL when PROJ rejects
 * def (its reason is in st_proj_errmsg()). Geographic WGS 84
 * (st_crs_is_wgs84) is made from ST_CRS_WGS84: opening PROJ's database to
 * resolve "EPSG:4326" or a .prj costs 10-13 ms, more than reading most
 * files. Call st_ctx_need_proj() first, so that a PROJ that cannot be
 * loaded is not reported as a bad CRS. A bare PROJ string is read as a
 * CRS (+type=crs is added), as proj_create_crs_to_crs() reads it. */
PJ *st_ctx_crs(steppe_ctx_t *ctx, const char *def);

/* PROJ's text for its last error in ctx's PROJ context. Static storage. */
const char *st_proj_errmsg(steppe_ctx_t *ctx);

#endif
