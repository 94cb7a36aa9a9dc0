/* The quick-look style: one data file (a Shapefile, CSV, GeoJSON, the first
 * feature table of a GeoPackage) drawn with a default symbol for its
 * shape type, framed on its own extent, in its own CRS (the .prj's WKT, or
 * EPSG:4326).
 *
 * The Shapefile is read here once, quietly, by the reader itself: the same
 * header checks, the same rebuilt index when the .shx is missing, the same
 * .prj checks and the reader's own error messages as the render's read. The
 * extent is taken from that read (what a fit would find), so the render reads
 * the file only once more, to draw it, and each of the reader's warnings is
 * given once (unless records are damaged: see below).
 *
 * The style is a fixed YAML text holding nothing that came from the user;
 * the file's path, name and CRS are put into the parsed tree afterwards, so
 * no byte of a file name (a CP1251 name, a control character, a quote) and
 * no byte of a .prj (a BOM, binary data) is ever read as YAML. The tree then
 * goes through the same validation as any style. */
#include <glib.h>
#include <math.h>
#include <shapefil.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctx.h"
#include "dynlib.h"
#include "model.h"
#include "driver.h"
#include "sniff.h"
#include "source.h"
#include "bind.h"
#include "style.h"

/* The symbol for a shape type, as a YAML flow mapping; NULL if there is
 * nothing to draw (a file of null shapes). */
static const char *symbol_for(int type)
{
    switch (type) {
    case SHPT_POLYGON:
    case SHPT_POLYGONZ:
    case SHPT_POLYGONM: return "{fill: '#e8e2d4', stroke: '#555555', width: 0.5, marker: none}";
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

/* The symbol for a feature set's geometry type (sources other than
 * Shapefiles); NULL when it has none. */
static const char *symbol_for_geom(st_geom_type type)
{
    switch (type) {
    case ST_GEOM_POLYGON: return symbol_for(SHPT_POLYGON);
    case ST_GEOM_LINE: return symbol_for(SHPT_ARC);
    case ST_GEOM_POINT: return symbol_for(SHPT_POINT);
    case ST_GEOM_NONE: break;
    }
    return NULL;
}

/* s (n bytes of a file name, in whatever encoding it was written) as text
 * to show: invalid UTF-8 becomes U+FFFD, control characters are dropped.
 * Arena storage; NULL when out of memory. */
static char *display_text(st_arena *a, const char *s, size_t n)
{
    char *out = st_arena_alloc(a, 3 * n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    const char *p = s;
    const char *end = s + n;
    while (p < end) {
        gunichar c = g_utf8_get_char_validated(p, end - p);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            p++;
            continue;
        }
        size_t len = (size_t)(g_utf8_next_char(p) - p);
        if (!g_unichar_iscntrl(c)) {
            memcpy(out + o, p, len);
            o += len;
        }
        p += len;
    }
    out[o] = '\0';
    return out;
}

/* The extent a fit on the features would give (render.c fit_bbox: every
 * vertex, those beyond 1e30 left out; the map CRS is the data's, so nothing
 * is projected), with margin added on each side. 0 when there is no proper
 * box (no feature, or a single point or line along an axis): the render's
 * fit then pads or reports it. */
static int data_extent(const st_featureset *fs, double margin, double ext[4])
{
    double b[4] = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    for (size_t i = 0; i < fs->n; i++)
        st_bbox_grow_xy(b, fs->feat[i].xy, fs->feat[i].npoints);
    if (!(b[0] < b[2] && b[1] < b[3]))
        return 0;
    double mx = margin * (b[2] - b[0]);
    double my = margin * (b[3] - b[1]);
    ext[0] = b[0] - mx;
    ext[1] = b[1] - my;
    ext[2] = b[2] + mx;
    ext[3] = b[3] + my;
    return isfinite(ext[0]) && isfinite(ext[1]) && isfinite(ext[2]) && isfinite(ext[3]);
}

/* The scalar under the dotted path in the template, which is known to hold
 * it. */
static st_node *template_node(st_node *root, const char *a, const char *b)
{
    st_node *n = st_node_get(root, a);
    return n && b ? st_node_get(n, b) : n;
}

/* True when def is WGS 84 longitude/latitude, whatever its axis order. */
static bool crs_is_wgs84(steppe_ctx_t *ctx, const char *def)
{
    if (st_crs_is_wgs84(def))
        return true;
    /* A PROJ that cannot be loaded is reported by the render, which needs
     * it for this CRS. */
    PJ_CONTEXT *pc = st_ctx_proj(ctx);
    PJ *crs = pc && def ? st_ctx_crs(ctx, def) : NULL;
    PJ *wgs84 = crs ? st_ctx_crs(ctx, "EPSG:4326") : NULL;
    return wgs84 &&
           proj_is_equivalent_to_with_ctx(pc, crs, wgs84, PJ_COMP_EQUIVALENT_EXCEPT_AXIS_ORDER_GEOGCRS);
}

int steppe_style_is_data(const char *path)
{
    size_t n = strlen(path);
    if ((n > 5 && strcasecmp(path + n - 5, ".yaml") == 0) || (n > 4 && strcasecmp(path + n - 4, ".yml") == 0))
        return 0;
    int kind = st_sniff_source(path);
    return kind >= 0 && st_kind_has_source((st_layer_kind)kind);
}

steppe_status_t steppe_style_quicklook(steppe_ctx_t *ctx, const char *shp_path, steppe_style_t **out)
{
    static const double margin = 0.03;
    steppe_status_t rc = STEPPE_OK;
    st_arena *scratch = NULL; /* the quiet read: features for the extent */
    steppe_style_t *style = calloc(1, sizeof *style);
    if (!style)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    style->arena = st_arena_create(16 * 1024);
    scratch = st_arena_create(0);
    if (!style->arena || !scratch) {
        rc = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        goto fail;
    }
    st_arena *a = style->arena;

    st_source_stats stats = {0};
    st_featureset fs;
    st_read_opts opts = {.stats = &stats, .quiet = 1};
    st_layer L;
    st_source *src = NULL;
    rc = st_source_layer_for_path(ctx, shp_path, &L);
    if (rc == STEPPE_OK)
        rc = st_source_open(ctx, &L, scratch, &src);
    if (rc == STEPPE_OK)
        rc = st_source_read(src, &opts, scratch, &fs);
    st_source_close(src);
    if (rc != STEPPE_OK)
        goto fail;
    const char *sym = L.kind == ST_LAYER_SHAPEFILE ? symbol_for(stats.shape_type) : symbol_for_geom(fs.type);
    if (!sym && L.kind == ST_LAYER_SHAPEFILE) {
        rc = st_error(ctx, STEPPE_ERR_DATA_UNSUPPORTED, "%s: shape type %d (%s): nothing to draw", shp_path,
                      stats.shape_type, SHPTypeName(stats.shape_type));
        goto fail;
    }
    if (!sym) {
        rc = st_error(ctx, STEPPE_ERR_DATA_UNSUPPORTED, "%s: no feature has a geometry: nothing to draw",
                      shp_path);
        goto fail;
    }
    /* The layer's crs is set to EPSG:4326 below, so the render's read will
     * not say it; the quick look does, once. */
    if (stats.crs_assumed)
        st_warn(ctx, "%s: no .prj, assuming EPSG:4326", shp_path);

    /* The render reads the file once more, to draw it, and culls records
     * outside the frame unread (for geographic data): a warning about such
     * a record would be lost. So a file with record problems is left to the
     * render's fit, whose read sees every record (and whose warnings the
     * draw repeats for the records in the frame, as for any fitted map). */
    double ext[4];
    int have_extent = stats.record_problems == 0 && data_extent(&fs, margin, ext);
    /* The canvas follows the data's shape: 1200 px wide, the height from
     * the data's extent (else the header's bounds), in the file's own units,
     * which the quick look keeps as its map CRS; within 300..1200 px. */
    const double *b = have_extent ? ext : stats.bounds;
    int height = 900;
    double dx = b[2] - b[0];
    double dy = b[3] - b[1];
    if (isfinite(dx) && isfinite(dy) && dx > 0 && dy > 0) {
        double h = 1200.0 * dy / dx;
        height = (int)lround(h < 300 ? 300 : h > 1200 ? 1200 : h);
    }

    const char *slash = strrchr(shp_path, '/');
    const char *file = slash ? slash + 1 : shp_path;
    const char *dot = strrchr(file, '.');
    size_t stem = dot && dot != file ? (size_t)(dot - file) : strlen(file);
    char *title = display_text(a, file, strlen(file));
    char *name = display_text(a, file, stem);
    const char *path = st_arena_strdup(a, shp_path);
    /* Data in plain WGS 84 (the usual .prj) is drawn in "EPSG:4326" itself:
     * the map's lon/lat helpers (scale bar, graticule) and the layer then
     * share one definition, and every transformation is the identity, with
     * no operation search in PROJ's database (about 5 ms of a quick look). */
    bool wgs84 = stats.crs_assumed || crs_is_wgs84(ctx, fs.crs);
    const char *crs_text = st_arena_strdup(a, wgs84 ? "EPSG:4326" : fs.crs);
    const char *extent = have_extent ? st_arena_printf(a, "{bbox: [%.17g, %.17g, %.17g, %.17g]}", ext[0],
                                                       ext[1], ext[2], ext[3])
                                     : st_arena_printf(a, "{fit: 'layer', margin: %g}", margin);
    const char *yaml = extent ? st_arena_printf(a,
                                                "map: {width: 1200, height: %d, dpi: 96, crs: 'EPSG:4326',\n"
                                                "      background: '#f7f9fb', extent: %s}\n"
                                                "title: {text: 'title'}\n"
                                                "legend: {show: false}\n"
                                                "layers:\n"
                                                "  layer: {type: %s, source: 'source',%s style: %s}\n",
                                                height, extent, st_sniff_kind_name(L.kind),
                                                wgs84 ? " crs: 'EPSG:4326'," : "", sym)
                              : NULL;
    if (!title || !name || !path || !crs_text || !yaml) {
        rc = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        goto fail;
    }
    if (!*name)
        name = "layer";
    st_node *root = NULL;
    rc = st_style_parse(ctx, a, yaml, strlen(yaml), "(quicklook)", ".", 1, 1, &root);
    if (rc != STEPPE_OK)
        goto fail;
    st_node *crs = template_node(root, "map", "crs");
    st_node *fit = template_node(template_node(root, "map", "extent"), "fit", NULL);
    st_node *text = template_node(root, "title", "text");
    st_node *layers = template_node(root, "layers", NULL);
    st_node *layer = layers ? layers->head : NULL;
    st_node *source = layer ? st_node_get(layer, "source") : NULL;
    if (!crs || (!fit && !have_extent) || !text || !source) {
        rc = st_error(ctx, STEPPE_ERR_INTERNAL, "%s: the quick-look template lacks a key", shp_path);
        goto fail;
    }
    crs->text = crs_text;
    if (fit)
        fit->text = name;
    text->text = title;
    layer->key = name;
    source->text = path;
    rc = st_model_build(ctx, a, root, path, &style->map);
    if (rc != STEPPE_OK)
        goto fail;
    st_arena_destroy(scratch);
    *out = style;
    return STEPPE_OK;
fail:
    st_arena_destroy(scratch);
    steppe_style_destroy(style);
    return rc;
}
