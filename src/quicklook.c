/* The quick-look style: one Shapefile drawn with a default symbol for its
 * shape type, framed on its own extent, in its own CRS (the .prj's WKT, or
 * EPSG:4326). Only the header is read (SHPGetInfo) for the shape type. */
#include <shapefil.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "ctx.h"
#include "model.h"
#include "style.h"

/* The .prj beside shp_path ("x.shp" → "x.prj", or "x.PRJ"), as text in the
 * arena; NULL when there is none. */
static const char *read_prj(st_arena *arena, const char *shp_path)
{
    const char *dot = strrchr(shp_path, '.');
    const char *slash = strrchr(shp_path, '/');
    size_t stem = dot && (!slash || dot > slash) ? (size_t)(dot - shp_path) : strlen(shp_path);
    static const char *const exts[] = {".prj", ".PRJ"};
    for (size_t i = 0; i < 2; i++) {
        char *prj = st_arena_printf(arena, "%.*s%s", (int)stem, shp_path, exts[i]);
        if (!prj)
            return NULL;
        FILE *f = fopen(prj, "rb");
        if (!f)
            continue;
        char buf[65536];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
            n--;
        if (n == 0)
            return NULL;
        return st_arena_strndup(arena, buf, n);
    }
    return NULL;
}

/* text as a YAML single-quoted scalar: only ' needs doubling. */
static const char *quote(st_arena *a, const char *text)
{
    size_t n = 0;
    for (const char *p = text; *p; p++)
        n += *p == '\'' ? 2 : 1;
    char *q = st_arena_alloc(a, n + 3);
    if (!q)
        return NULL;
    size_t o = 0;
    q[o++] = '\'';
    for (const char *p = text; *p; p++) {
        if (*p == '\'')
            q[o++] = '\'';
        q[o++] = *p == '\n' || *p == '\r' ? ' ' : *p;
    }
    q[o++] = '\'';
    q[o] = '\0';
    return q;
}

/* The symbol for a shape type, as a YAML flow mapping; NULL if unsupported. */
static const char *symbol_for(int type)
{
    switch (type) {
    case SHPT_POLYGON:
    case SHPT_POLYGONZ:
    case SHPT_POLYGONM:
    case SHPT_MULTIPATCH: return "{fill: '#e8e2d4', stroke: '#555555', width: 0.5, marker: none}";
    case SHPT_ARC:
    case SHPT_ARCZ:
    case SHPT_ARCM: return "{fill: none, stroke: '#3465a4', width: 1, marker: none}";
    case SHPT_POINT:
    case SHPT_POINTZ:
    case SHPT_POINTM:
    case SHPT_MULTIPOINT:
    case SHPT_MULTIPOINTZ:
    case SHPT_MULTIPOINTM: return "{fill: '#c0392b', stroke: none, marker: circle, size: 5}";
    default: return NULL;
    }
}

static void silent(const char *message)
{
    (void)message;
}

steppe_status_t steppe_style_quicklook(steppe_ctx_t *ctx, const char *shp_path, steppe_style_t **out)
{
    steppe_status_t rc = STEPPE_OK;
    int nent = 0;
    int type = SHPT_NULL;
    /* shapelib's default error hook prints to stderr; the library must not. */
    SAHooks hooks;
    SASetupDefaultHooks(&hooks);
    hooks.Error = silent;
    SHPHandle shp = SHPOpenLL(shp_path, "rb", &hooks);
    if (!shp)
        return st_error(ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open Shapefile", shp_path);
    double lo[4] = {0, 0, 0, 0};
    double hi[4] = {0, 0, 0, 0};
    SHPGetInfo(shp, &nent, &type, lo, hi);
    SHPClose(shp);
    /* The canvas follows the data's shape: 1200 px wide, the height from
     * the header's bounds (in the file's own units, which the quick look
     * keeps as its map CRS), within 300..1200 px. */
    int height = 900;
    double dx = hi[0] - lo[0];
    double dy = hi[1] - lo[1];
    if (isfinite(dx) && isfinite(dy) && dx > 0 && dy > 0) {
        double h = 1200.0 * dy / dx;
        height = (int)lround(h < 300 ? 300 : h > 1200 ? 1200 : h);
    }
    const char *sym = symbol_for(type);
    if (!sym)
        return st_error(ctx, STEPPE_ERR_DATA_UNSUPPORTED, "%s: unsupported shape type %d", shp_path, type);

    steppe_style_t *style = calloc(1, sizeof *style);
    if (!style)
        return STEPPE_ERR_NOMEM;
    style->arena = st_arena_create(16 * 1024);
    if (!style->arena) {
        rc = STEPPE_ERR_NOMEM;
        goto fail;
    }
    st_arena *a = style->arena;
    const char *slash = strrchr(shp_path, '/');
    const char *file = slash ? slash + 1 : shp_path;
    const char *dot = strrchr(file, '.');
    const char *name = dot && dot != file ? st_arena_strndup(a, file, (size_t)(dot - file)) : file;
    const char *prj = read_prj(a, shp_path);
    /* The quick look is written as a style and goes through the same
     * validation as any other (PROJ reads the .prj, the file must exist). */
    const char *qname = name ? quote(a, name) : NULL;
    const char *qfile = quote(a, file);
    const char *qpath = quote(a, shp_path);
    const char *qcrs = quote(a, prj ? prj : "EPSG:4326");
    const char *yaml = qname && qfile && qpath && qcrs
                           ? st_arena_printf(a,
                                             "map: {width: 1200, height: %d, dpi: 96, crs: %s,\n"
                                             "      background: '#f7f9fb', extent: {fit: %s, margin: 0.03}}\n"
                                             "title: {text: %s}\n"
                                             "legend: {show: false}\n"
                                             "layers:\n"
                                             "  %s: {type: shapefile, source: %s,%s%s style: %s}\n",
                                             height, qcrs, qname, qfile, qname, qpath,
                                             prj ? "" : " crs: ", prj ? "" : "'EPSG:4326',", sym)
                           : NULL;
    if (!yaml) {
        rc = STEPPE_ERR_NOMEM;
        goto fail;
    }
    st_node *root = NULL;
    rc = st_style_parse(ctx, a, yaml, strlen(yaml), "(quicklook)", ".", 1, 1, &root);
    if (rc == STEPPE_OK)
        rc = st_model_build(ctx, a, root, shp_path, &style->map);
    if (rc != STEPPE_OK)
        goto fail;
    *out = style;
    return STEPPE_OK;
fail:
    steppe_style_destroy(style);
    return rc;
}
