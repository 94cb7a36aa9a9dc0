/* The per-run context: logger, last error, lazily created PROJ context
 * (libproj itself is loaded then too: dynlib.h). */
#include "ctx.h"
#include "grow.h"

#include "dynlib.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <steppe/steppe.h>

/* Where the data folder lies relative to the folder of the installed binary;
 * cmake/install.cmake defines it from GNUInstallDirs (bin → share/steppe). */
#ifndef STEPPE_DATA_DIR_FROM_BIN
#define STEPPE_DATA_DIR_FROM_BIN "../share/steppe"
#endif

steppe_ctx_t *steppe_ctx_create(void)
{
    return calloc(1, sizeof(steppe_ctx_t));
}

void steppe_ctx_destroy(steppe_ctx_t *ctx)
{
    if (!ctx)
        return;
    /* The context holds the font map: release it first. */
    if (ctx->pango_context && ctx->fontmap_free)
        ctx->fontmap_free(ctx->pango_context);
    if (ctx->fontmap && ctx->fontmap_free)
        ctx->fontmap_free(ctx->fontmap);
    /* Cached PROJ objects belong to ctx->proj: free them first. */
    for (size_t i = ctx->ncache; i-- > 0;) {
        ctx->cache[i].free_obj(ctx->cache[i].obj);
        free(ctx->cache[i].key);
    }
    free(ctx->cache);
    if (ctx->proj_plain)
        proj_context_destroy(ctx->proj_plain);
    if (ctx->proj)
        proj_context_destroy(ctx->proj);
    free(ctx->data_dir);
    free(ctx);
}

void steppe_ctx_set_logger(steppe_ctx_t *ctx, steppe_log_fn fn, void *user)
{
    ctx->log = fn;
    ctx->log_user = user;
}

const char *steppe_ctx_last_error(const steppe_ctx_t *ctx)
{
    return ctx->last_error;
}

unsigned steppe_ctx_warning_count(const steppe_ctx_t *ctx)
{
    return ctx->warnings;
}

steppe_status_t steppe_ctx_set_data_dir(steppe_ctx_t *ctx, const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return STEPPE_ERR_NOMEM;
    free(ctx->data_dir);
    ctx->data_dir = copy;
    return STEPPE_OK;
}

void steppe_ctx_set_tmp_hook(steppe_ctx_t *ctx, steppe_tmp_fn fn, void *user)
{
    ctx->tmp_hook = fn;
    ctx->tmp_user = user;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The data folder beside the running executable (BIN/../share/steppe), into
 * buf; NULL when /proc/self/exe cannot be read or the folder does not exist.
 * An installed tree is found wherever it was installed: the compile-time
 * STEPPE_DATA_DIR follows CMAKE_INSTALL_PREFIX at configure time, which
 * `cmake --install --prefix P` does not change. */
static const char *exe_data_dir(char *buf, size_t n)
{
    char exe[PATH_MAX];
    char joined[PATH_MAX + sizeof STEPPE_DATA_DIR_FROM_BIN + 1];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return NULL;
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    snprintf(joined, sizeof joined, "%s/%s", exe, STEPPE_DATA_DIR_FROM_BIN);
    if (n < PATH_MAX || !realpath(joined, buf))
        return NULL;
    return buf;
}

const char *steppe_ctx_data_dir(steppe_ctx_t *ctx)
{
    if (ctx->data_dir)
        return ctx->data_dir;
    /* The environment wins, then the tree beside the running binary (an
     * installed copy), then the source tree (a build run in place), then the
     * configured installation directory. */
    const char *env = getenv("STEPPE_DATA_DIR");
    char exe_dir[PATH_MAX];
    const char *candidates[] = {env, exe_data_dir(exe_dir, sizeof exe_dir), STEPPE_SOURCE_DIR,
                                STEPPE_DATA_DIR};
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        if (!candidates[i] || !*candidates[i])
            continue;
        char styles[PATH_MAX + 8];
        int len = snprintf(styles, sizeof styles, "%s/styles", candidates[i]);
        /* A candidate too long to name its styles folder cannot be it. */
        if (len < 0 || (size_t)len >= sizeof styles)
            continue;
        if (is_dir(styles)) {
            ctx->data_dir = strdup(candidates[i]);
            break;
        }
    }
    return ctx->data_dir ? ctx->data_dir : STEPPE_DATA_DIR;
}

static void vlog(steppe_ctx_t *ctx, steppe_log_level_t level, const char *where, const char *fmt, va_list ap)
{
    char buf[2048];
    int n = where ? snprintf(buf, sizeof buf, "%s: ", where) : 0;
    if (n < 0 || (size_t)n >= sizeof buf)
        n = 0;
    vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
    /* A message is one line, whatever it quotes (shapelib's texts, a
     * multi-line --set value): control characters become spaces. */
    for (char *p = buf; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    }
    if (level == STEPPE_LOG_ERROR)
        memcpy(ctx->last_error, buf, sizeof ctx->last_error);
    if (ctx->log)
        ctx->log(ctx->log_user, level, buf);
}

steppe_status_t st_error(steppe_ctx_t *ctx, steppe_status_t status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    st_verror(ctx, status, NULL, fmt, ap);
    va_end(ap);
    return status;
}

void st_warn(steppe_ctx_t *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    st_vwarn(ctx, NULL, fmt, ap);
    va_end(ap);
}

steppe_status_t st_verror(steppe_ctx_t *ctx, steppe_status_t status, const char *where, const char *fmt,
                          va_list ap)
{
    vlog(ctx, STEPPE_LOG_ERROR, where, fmt, ap);
    return status;
}

void st_vwarn(steppe_ctx_t *ctx, const char *where, const char *fmt, va_list ap)
{
    ctx->warnings++;
    vlog(ctx, STEPPE_LOG_WARNING, where, fmt, ap);
}

void st_info(steppe_ctx_t *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(ctx, STEPPE_LOG_INFO, NULL, fmt, ap);
    va_end(ap);
}

static void proj_silent(void *user, int level, const char *msg)
{
    (void)user;
    (void)level;
    (void)msg;
}

steppe_status_t st_ctx_load_proj(steppe_ctx_t *ctx)
{
    const char *why = st_dynlib_load_proj();
    if (!why)
        return STEPPE_OK;
    return st_error(ctx, STEPPE_ERR_LIBRARY, "cannot load PROJ: %s", why);
}

steppe_status_t st_ctx_load_geos(steppe_ctx_t *ctx)
{
    const char *why = st_dynlib_load_geos();
    if (!why)
        return STEPPE_OK;
    return st_error(ctx, STEPPE_ERR_LIBRARY, "cannot load GEOS: %s", why);
}

steppe_status_t st_ctx_load_pango(steppe_ctx_t *ctx)
{
    const char *why = st_dynlib_load_pango();
    if (!why)
        return STEPPE_OK;
    return st_error(ctx, STEPPE_ERR_LIBRARY, "cannot load pango: %s", why);
}

steppe_status_t steppe_dependency_versions(steppe_ctx_t *ctx, const char **proj, const char **geos)
{
    steppe_status_t st = st_ctx_load_proj(ctx);
    if (st == STEPPE_OK)
        st = st_ctx_load_geos(ctx);
    if (st != STEPPE_OK)
        return st;
    *proj = proj_info().version;
    *geos = GEOSversion();
    return STEPPE_OK;
}

steppe_status_t steppe_pango_version(steppe_ctx_t *ctx, const char **pango)
{
    steppe_status_t st = st_ctx_load_pango(ctx);
    if (st == STEPPE_OK)
        *pango = st_dynlib_pango_version();
    return st;
}

/* Keeps PROJ's reason while st_ctx_crs() parses a definition: its errno
 * then only says "Unknown error (code 4096)" for an unknown EPSG code. */
static void proj_keep_reason(void *user, int level, const char *msg)
{
    steppe_ctx_t *ctx = user;
    if (level > PJ_LOG_ERROR || !msg)
        return;
    /* "proj_create: Error 1027 (Invalid value for an argument): Unknown
     * projection" → "Unknown projection" */
    const char *colon = strstr(msg, ": ");
    if (colon && strncmp(msg, "proj_", 5) == 0)
        msg = colon + 2;
    if (strncmp(msg, "Error ", 6) == 0 && strstr(msg, "): "))
        msg = strstr(msg, "): ") + 3;
    if (strcmp(msg, "crs not found") == 0)
        msg = "not in PROJ's database";
    snprintf(ctx->proj_reason, sizeof ctx->proj_reason, "%s", msg);
}

steppe_status_t st_ctx_need_proj(steppe_ctx_t *ctx)
{
    if (ctx->proj)
        return STEPPE_OK;
    steppe_status_t st = st_ctx_load_proj(ctx);
    if (st != STEPPE_OK)
        return st;
    ctx->proj = proj_context_create();
    if (!ctx->proj)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory creating the PROJ context");
    proj_log_func(ctx->proj, NULL, proj_silent);
    return STEPPE_OK;
}

PJ_CONTEXT *st_ctx_proj(steppe_ctx_t *ctx)
{
    return st_ctx_need_proj(ctx) == STEPPE_OK ? ctx->proj : NULL;
}

PJ_CONTEXT *st_ctx_proj_plain(steppe_ctx_t *ctx)
{
    if (ctx->proj_plain || st_ctx_need_proj(ctx) != STEPPE_OK)
        return ctx->proj_plain;
    /* A folder that cannot exist: /proc holds no files of ours. */
    static const char *const nowhere[] = {"/proc/steppe-no-proj-data"};
    ctx->proj_plain = proj_context_create();
    if (ctx->proj_plain) {
        proj_log_func(ctx->proj_plain, NULL, proj_silent);
        proj_context_set_search_paths(ctx->proj_plain, 1, nowhere);
    }
    return ctx->proj_plain;
}

const char *st_proj_errmsg(steppe_ctx_t *ctx)
{
    PJ_CONTEXT *pc = ctx->proj;
    int err = pc ? proj_context_errno(pc) : 0;
    if (err && ctx->proj_reason[0])
        return ctx->proj_reason;
    const char *msg = err ? proj_context_errno_string(pc, err) : NULL;
    return msg ? msg : "unknown PROJ error";
}

void *st_ctx_cache_get(steppe_ctx_t *ctx, const char *key)
{
    for (size_t i = 0; i < ctx->ncache; i++) {
        if (strcmp(ctx->cache[i].key, key) == 0)
            return ctx->cache[i].obj;
    }
    return NULL;
}

bool st_ctx_cache_put(steppe_ctx_t *ctx, const char *key, void *obj, void (*free_obj)(void *))
{
    if (!st_grow(&ctx->cache, &ctx->cap_cache, ctx->ncache + 1, sizeof *ctx->cache, 16))
        return false;
    char *k = strdup(key);
    if (!k)
        return false;
    ctx->cache[ctx->ncache++] = (st_cache_entry){k, obj, free_obj};
    return true;
}

static void free_pj(void *obj)
{
    proj_destroy(obj);
}

/* Geographic WGS 84 as .prj files spell it, without whitespace: ESRI's
 * (Natural Earth, mapshaper, QGIS "ESRI" export) and GDAL's (ogr2ogr,
 * QGIS), the latter with and without its EPSG authority codes. */
static const char *const wgs84_wkt[] = {
    "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]],"
    "PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]",
    "GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137,298.257223563]],"
    "PRIMEM[\"Greenwich\",0],UNIT[\"Degree\",0.017453292519943295]]",
    "GEOGCS[\"WGS84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS84\",6378137,298.257223563,AUTHORITY[\"EPSG\","
    "\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],"
    "UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AUTHORITY[\"EPSG\",\"4326\"]]",
    "GEOGCS[\"WGS84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS84\",6378137,298.257223563,AUTHORITY[\"EPSG\","
    "\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],"
    "UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AXIS[\"Latitude\",NORTH],"
    "AXIS[\"Longitude\",EAST],AUTHORITY[\"EPSG\",\"4326\"]]",
    "GEOGCS[\"WGS84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS84\",6378137,298.257223563]],PRIMEM[\"Greenwich\",0],"
    "UNIT[\"degree\",0.0174532925199433]]",
};

/* Whether a, read without whitespace, equals b, ignoring case. GDAL
 * writes "WGS 84" where the table has "WGS84": dropping every blank of a
 * accepts both. */
static bool equal_squeezed(const char *a, const char *b)
{
    for (;;) {
        while (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r')
            a++;
        if (!*a || !*b)
            return !*a && !*b;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
        a++;
        b++;
    }
}

bool st_crs_is_wgs84(const char *def)
{
    static const char *const codes[] = {"EPSG:4326", "OGC:CRS84"};
    if (!def)
        return false;
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        if (equal_squeezed(def, codes[i]))
            return true;
    }
    for (size_t i = 0; i < sizeof wgs84_wkt / sizeof wgs84_wkt[0]; i++) {
        if (equal_squeezed(def, wgs84_wkt[i]))
            return true;
    }
    return false;
}

/* A PROJ string ("+proj=lcc ..." or "proj=...") describes a CRS only with
 * +type=crs (proj_create_crs_to_crs() adds it the same way). Without it
 * PROJ 9 makes a conversion of the string, and opens its database to do so
 * (5-6 ms); with it, no database is needed. */
static bool bare_proj_string(const char *def)
{
    while (*def == ' ' || *def == '\t' || *def == '\n')
        def++;
    return (*def == '+' || strncmp(def, "proj=", 5) == 0) && !strstr(def, "type=crs");
}

PJ *st_ctx_crs(steppe_ctx_t *ctx, const char *def)
{
    PJ_CONTEXT *pc = st_ctx_proj(ctx);
    if (!pc)
        return NULL;
    size_t n = strlen(def);
    char *key = malloc(n + 4 + sizeof " +type=crs");
    if (!key)
        return NULL;
    memcpy(key, "crs\x1f", 4);
    memcpy(key + 4, def, n + 1);
    if (bare_proj_string(def))
        memcpy(key + 4 + n, " +type=crs", sizeof " +type=crs");
    PJ *pj = st_ctx_cache_get(ctx, key);
    ctx->proj_reason[0] = '\0';
    if (!pj) {
        proj_log_func(pc, ctx, proj_keep_reason);
        pj = proj_create(pc, st_crs_is_wgs84(def) ? ST_CRS_WGS84 : key + 4);
        proj_log_func(pc, NULL, proj_silent);
        if (pj && !st_ctx_cache_put(ctx, key, pj, free_pj)) {
            /* Not cached: leak-free fallback is impossible for a borrowed
             * pointer, so fail as out of memory. */
            proj_destroy(pj);
            pj = NULL;
        }
    }
    free(key);
    return pj;
}
