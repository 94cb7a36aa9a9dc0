/* Projection: source CRS → map CRS → output pixels, with PROJ.
 *
 * Geographic sources are treated as the Shapefile convention has them —
 * straight segments in the lon/lat plane — except that a step of more than
 * 180° in longitude between two consecutive vertices is read as crossing the
 * antimeridian the short way (data cut at ±180°, and pole edges such as
 * Antarctica's 180°→−180° along −90°, are then handled uniformly).
 *
 * Each part is walked once into a frame centred on the map's central
 * meridian lon_0, where its longitudes c = λ − lon_0 are continuous (they may
 * leave [−180°, 180°]). In that frame the map's seam is the set of lines
 * c = 180° + 360°·m, so splitting at the seam is clipping against the vertical
 * strips [−180°+360°m, 180°+360°m] and shifting each piece by −360°m: lines by
 * band clipping (Liang–Barsky per segment), rings by Sutherland–Hodgman
 * against the strip's two edges, so a filled ring becomes closed western and
 * eastern pieces and never streaks across the map. A ring whose longitudes
 * wind once around the globe (a polar cap) is first closed through the pole
 * it surrounds. Densification happens during the same walk.
 *
 * Every vertex of a layer then goes through a single proj_trans_generic()
 * call, and one last pass converts to pixels, drops what failed and copies
 * the result into the render's arena. */
#include "project.h"
#include "grow.h"

#include "dynlib.h"
#include "project_approx.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pieces cut at the seam end this far (degrees, ~1 cm) inside it, so that
 * rounding in PROJ's longitude reduction cannot move them to the other edge. */
#define SEAM_EPS 1e-7
/* Latitude used instead of a pole for projections that cannot project the
 * pole itself (Mercator): far outside any sensible frame but finite. */
#define POLE_LAT 89.99
/* Samples per side of an outline densified to find its projected bbox. */
#define OUTLINE_SAMPLES 64

struct st_proj {
    PJ *pj; /* source → map, axis order normalised; NULL: the identity */
    bool src_geographic;
    bool dst_geographic;
    double lon_0;       /* the map's central meridian, degrees */
    bool pole_fails[2]; /* the forward transform fails at the south / north pole */
    bool cached;        /* owned by the context's cache: st_proj_destroy() leaves it */
};

static void free_cached_proj(void *obj)
{
    st_proj *p = obj;
    if (p->pj)
        proj_destroy(p->pj);
    free(p);
}

/* ---- creation ----------------------------------------------------------- */

/* Captures PROJ's last log message while a CRS is being parsed: PROJ says
 * "crs not found" there, while its errno only says "generic error". */
typedef struct proj_msg {
    char text[512];
} proj_msg;

static void capture_log(void *user, int level, const char *msg)
{
    proj_msg *m = user;
    if (level > PJ_LOG_ERROR || !m || !msg)
        return;
    const char *colon = strstr(msg, ": ");
    /* "proj_create: reason" → "reason" */
    if (colon && strncmp(msg, "proj_", 5) == 0)
        msg = colon + 2;
    snprintf(m->text, sizeof m->text, "%s", msg);
}

static void silent_log(void *user, int level, const char *msg)
{
    (void)user;
    (void)level;
    (void)msg;
}

static bool is_proj_string(const char *def)
{
    while (*def == ' ' || *def == '\t' || *def == '\n')
        def++;
    return *def == '+' || strncmp(def, "proj=", 5) == 0;
}

/* The horizontal CRS behind bound (+towgs84) and compound CRSs. Caller
 * destroys the result. */
static PJ *horizontal_crs(PJ_CONTEXT *pc, const PJ *crs)
{
    PJ_TYPE t = proj_get_type(crs);
    if (t == PJ_TYPE_BOUND_CRS) {
        PJ *base = proj_get_source_crs(pc, crs);
        PJ *h = base ? horizontal_crs(pc, base) : NULL;
        proj_destroy(base);
        return h;
    }
    if (t == PJ_TYPE_COMPOUND_CRS) {
        PJ *sub = proj_crs_get_sub_crs(pc, crs, 0);
        PJ *h = sub ? horizontal_crs(pc, sub) : NULL;
        proj_destroy(sub);
        return h;
    }
    return proj_clone(pc, crs);
}

static bool crs_is_geographic(PJ_CONTEXT *pc, const PJ *crs)
{
    PJ *h = horizontal_crs(pc, crs);
    PJ_TYPE t = h ? proj_get_type(h) : PJ_TYPE_UNKNOWN;
    proj_destroy(h);
    return t == PJ_TYPE_GEOGRAPHIC_2D_CRS || t == PJ_TYPE_GEOGRAPHIC_3D_CRS || t == PJ_TYPE_GEOGRAPHIC_CRS;
}

/* The map's central meridian in degrees: a longitude parameter of the
 * projection's conversion, else +lon_0 of a PROJ string, else 0. The map's
 * seam lies at lon_0 + 180°. */
static double central_meridian(PJ_CONTEXT *pc, const PJ *crs, const char *def)
{
    static const char *const names[] = {"Longitude of natural origin", "Longitude of false origin",
                                        "Longitude of origin", "Longitude of projection centre"};
    double lon_0 = 0;
    bool found = false;
    PJ *h = horizontal_crs(pc, crs);
    PJ *op = h && proj_get_type(h) == PJ_TYPE_PROJECTED_CRS ? proj_crs_get_coordoperation(pc, h) : NULL;
    for (size_t i = 0; op && !found && i < sizeof names / sizeof names[0]; i++) {
        int idx = proj_coordoperation_get_param_index(pc, op, names[i]);
        double value = 0;
        double to_si = 0;
        if (idx >= 0 && proj_coordoperation_get_param(pc, op, idx, NULL, NULL, NULL, &value, NULL, &to_si,
                                                      NULL, NULL, NULL, NULL)) {
            lon_0 = value * (to_si > 0 ? to_si : M_PI / 180) * 180 / M_PI;
            found = true;
        }
    }
    if (!found && is_proj_string(def)) {
        const char *s = strstr(def, "lon_0=");
        if (s && (s == def || s[-1] == '+' || s[-1] == ' '))
            lon_0 = strtod(s + 6, NULL);
    }
    proj_destroy(op);
    proj_destroy(h);
    return isfinite(lon_0) ? remainder(lon_0, 360.0) : 0;
}

/* Shortens a CRS definition (WKT can be long) for messages. */
static const char *crs_excerpt(const char *def, char *buf, size_t size)
{
    size_t n = strlen(def);
    if (n < size)
        return def;
    snprintf(buf, size, "%.*s...", (int)(size - 4), def);
    return buf;
}

static steppe_status_t crs_error(steppe_ctx_t *ctx, st_loc loc, const char *def, const char *reason)
{
    char buf[96];
    const char *shown = crs_excerpt(def, buf, sizeof buf);
    if (loc.file)
        return st_error(ctx, STEPPE_ERR_STYLE_CRS, "%s:%d:%d: cannot use CRS '%s': %s", loc.file, loc.line,
                        loc.col, shown, reason);
    return st_error(ctx, STEPPE_ERR_STYLE_CRS, "cannot use CRS '%s': %s", shown, reason);
}

/* The parameters a map projection of WGS 84 may carry for wgs84_pipeline():
 * the projection's own, and what PROJ strings add to name a CRS. Anything
 * else (+towgs84, grids, +axis, +pm, +R, +to_meter...) goes to PROJ. */
static bool simple_param(const char *key, size_t n)
{
    static const char *const keys[] = {"proj", "lat_0", "lat_1", "lat_2",   "lat_ts", "lon_0",
                                       "lonc", "alpha", "gamma", "k",       "k_0",    "x_0",
                                       "y_0",  "zone",  "south", "units",   "h",      "azi",
                                       "tilt", "datum", "type",  "no_defs", "wktext"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strlen(keys[i]) == n && strncmp(key, keys[i], n) == 0)
            return true;
    }
    return false;
}

/* The operation from geographic WGS 84 to a projection of WGS 84 written
 * as a PROJ string ("+proj=lcc +lat_1=45 ... +datum=WGS84"), built as the
 * pipeline PROJ itself derives for it (degrees to radians, then the
 * projection on the WGS 84 ellipsoid) but without searching its database
 * for operations, which costs 2-7 ms per process. NULL (caller frees
 * otherwise) when dst is anything else: a geographic CRS, another datum,
 * parameters outside simple_param(). check_project compares the result with
 * PROJ's own operation. */
static char *wgs84_pipeline(const char *src, const char *dst)
{
    static const char head[] = "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step";
    if (strcmp(src, ST_CRS_WGS84) != 0 || !is_proj_string(dst))
        return NULL;
    size_t cap = sizeof head + strlen(dst) + 16;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    memcpy(out, head, sizeof head);
    size_t len = sizeof head - 1;
    bool wgs84 = false;
    bool projected = false;
    for (const char *t = dst; *t;) {
        while (*t == ' ' || *t == '\t' || *t == '\n')
            t++;
        if (!*t)
            break;
        const char *e = t + strcspn(t, " \t\n");
        const char *k = *t == '+' ? t + 1 : t;
        size_t klen = strcspn(k, "= \t\n");
        const char *v = k[klen] == '=' ? k + klen + 1 : NULL;
        size_t vlen = v ? (size_t)(e - v) : 0;
        if (!simple_param(k, klen))
            goto refuse;
        if (klen == 5 && strncmp(k, "datum", 5) == 0) {
            if (!v || vlen != 5 || strncmp(v, "WGS84", 5) != 0)
                goto refuse;
            wgs84 = true;
            len += (size_t)sprintf(out + len, " +ellps=WGS84");
        } else if (klen == 4 && strncmp(k, "proj", 4) == 0) {
            static const char *const geographic[] = {"longlat",  "latlong", "lonlat", "latlon",
                                                     "pipeline", "geocent", "cart"};
            for (size_t i = 0; v && i < sizeof geographic / sizeof geographic[0]; i++) {
                if (strlen(geographic[i]) == vlen && strncmp(v, geographic[i], vlen) == 0)
                    goto refuse;
            }
            projected = v != NULL;
            len += (size_t)sprintf(out + len, " +%.*s", (int)(e - k), k);
        } else if (!(klen == 4 && strncmp(k, "type", 4) == 0) &&
                   !(klen == 7 && strncmp(k, "no_defs", 7) == 0) &&
                   !(klen == 6 && strncmp(k, "wktext", 6) == 0)) {
            len += (size_t)sprintf(out + len, " +%.*s", (int)(e - k), k);
        }
        t = e;
    }
    if (wgs84 && projected)
        return out;
refuse:
    free(out);
    return NULL;
}

/* An operation from a PROJ string of our own making (a pipeline, a noop),
 * made without PROJ's database when it can be. */
static PJ *create_operation(steppe_ctx_t *ctx, const char *def)
{
    PJ_CONTEXT *plain = st_ctx_proj_plain(ctx);
    PJ *pj = plain ? proj_create(plain, def) : NULL;
    return pj ? pj : proj_create(st_ctx_proj(ctx), def);
}

steppe_status_t st_proj_create(steppe_ctx_t *ctx, const char *src_crs, const char *dst_crs, st_loc loc,
                               st_proj **out)
{
    steppe_status_t st = STEPPE_OK;
    proj_msg msg = {{0}};
    PJ *src = NULL;
    PJ *dst = NULL;
    PJ *op = NULL;
    st_proj *p = NULL;
    PJ_CONTEXT *pc = NULL;

    *out = NULL;
    /* A render, a check and every atlas page ask for the same few
     * transformations: build each once per context. */
    char *key = malloc(strlen(src_crs ? src_crs : "") + strlen(dst_crs ? dst_crs : "") + 8);
    if (!key)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    sprintf(key, "op\x1f%s\x1f%s", src_crs ? src_crs : "", dst_crs ? dst_crs : "");
    st_proj *hit = st_ctx_cache_get(ctx, key);
    if (hit) {
        free(key);
        *out = hit;
        return STEPPE_OK;
    }
    p = calloc(1, sizeof *p);
    if (!p) {
        st = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        goto done;
    }
    const char *defs[2] = {src_crs ? src_crs : "", dst_crs ? dst_crs : ""};
    /* lon/lat to lon/lat (a quick look of WGS 84 data, a map in EPSG:4326)
     * is the identity, and known without PROJ: no database is opened, no
     * coordinate goes through proj_trans_generic(). */
    if (st_crs_is_wgs84(defs[0]) && st_crs_is_wgs84(defs[1])) {
        p->src_geographic = true;
        p->dst_geographic = true;
        goto made;
    }
    st = st_ctx_need_proj(ctx);
    if (st != STEPPE_OK)
        goto done;
    pc = st_ctx_proj(ctx);
    proj_log_func(pc, &msg, capture_log);

    PJ **crs[2] = {&src, &dst};
    for (int i = 0; i < 2; i++) {
        msg.text[0] = '\0';
        *crs[i] = *defs[i] ? st_ctx_crs(ctx, defs[i]) : NULL;
        if (!*crs[i]) {
            st = crs_error(ctx, loc, defs[i],
                           !*defs[i]     ? "empty definition"
                           : msg.text[0] ? msg.text
                                         : st_proj_errmsg(ctx));
            goto done;
        }
        if (!proj_is_crs(*crs[i])) {
            st = crs_error(ctx, loc, defs[i], "not a coordinate reference system");
            goto done;
        }
    }

    /* st_ctx_crs() logs through its own function while it parses */
    proj_log_func(pc, &msg, capture_log);
    msg.text[0] = '\0';
    /* The same CRS on both sides (a quick look draws a file in its own
     * CRS) needs no operation search in PROJ's database: normalised
     * for visualisation, both ends are (east, north) in the same units,
     * so the operation is the identity whatever the CRS's axis order. */
    const char *canon[2];
    for (int i = 0; i < 2; i++)
        canon[i] = st_crs_is_wgs84(defs[i]) ? ST_CRS_WGS84 : defs[i];
    char *pipeline = wgs84_pipeline(canon[0], canon[1]);
    if (strcmp(canon[0], canon[1]) == 0) {
        p->pj = create_operation(ctx, "+proj=noop");
    } else if (pipeline) {
        p->pj = create_operation(ctx, pipeline);
    }
    free(pipeline);
    if (!p->pj && strcmp(canon[0], canon[1]) != 0) {
        op = proj_create_crs_to_crs_from_pj(pc, src, dst, NULL, NULL);
        if (op)
            p->pj = proj_normalize_for_visualization(pc, op);
    }
    if (!p->pj) {
        char reason[700];
        snprintf(reason, sizeof reason, "no transformation to '%s': %s", dst_crs,
                 msg.text[0] ? msg.text : st_proj_errmsg(ctx));
        st = crs_error(ctx, loc, src_crs, reason);
        goto done;
    }
    p->src_geographic = crs_is_geographic(pc, src);
    p->dst_geographic = crs_is_geographic(pc, dst);
    /* Reading the parameters needs no database; with pc, PROJ would open
     * it to turn the conversion into an object. */
    PJ_CONTEXT *plain = st_ctx_proj_plain(ctx);
    p->lon_0 = central_meridian(plain ? plain : pc, dst, dst_crs);
    if (p->src_geographic) {
        for (int i = 0; i < 2; i++) {
            double pole[2] = {p->lon_0, i ? 90.0 : -90.0};
            p->pole_fails[i] = st_proj_trans(p, pole, 1, false) > 0;
        }
    }
made:
    if (st_ctx_cache_put(ctx, key, p, free_cached_proj))
        p->cached = true;
    *out = p;
    p = NULL;

done:
    free(key);
    if (pc)
        proj_log_func(pc, NULL, silent_log);
    if (op)
        proj_destroy(op);
    st_proj_destroy(p);
    return st;
}

void st_proj_destroy(st_proj *p)
{
    if (!p || p->cached)
        return;
    if (p->pj)
        proj_destroy(p->pj);
    free(p);
}

bool st_proj_is_wgs84_identity(const st_proj *p)
{
    return p && !p->pj && p->src_geographic && p->dst_geographic;
}

double st_parallel_km(double lat, double dlon)
{
    const double a = 6378.137;          /* WGS 84 semi-major axis, km */
    const double f = 1 / 298.257223563; /* flattening */
    const double e2 = f * (2 - f);
    double phi = lat * M_PI / 180;
    double s = sin(phi);
    return a / sqrt(1 - e2 * s * s) * cos(phi) * fabs(dlon) * M_PI / 180;
}

bool st_proj_src_is_geographic(const st_proj *p)
{
    return p->src_geographic;
}

size_t st_proj_trans(st_proj *p, double *xy, size_t n, bool inverse)
{
    size_t failed = 0;
    const size_t stride = 2 * sizeof(double);
    if (n == 0)
        return 0;
    if (p->pj)
        proj_trans_generic(p->pj, inverse ? PJ_INV : PJ_FWD, xy, stride, n, xy + 1, stride, n, NULL, 0, 0,
                           NULL, 0, 0);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1])) {
            xy[2 * i] = HUGE_VAL;
            xy[2 * i + 1] = HUGE_VAL;
            failed++;
        }
    }
    /* A failed point leaves the error set on the PJ; it must not leak into
     * the next caller's check. */
    if (p->pj)
        proj_errno_reset(p->pj);
    return failed;
}

/* ---- the view ------------------------------------------------------------ */

void st_view_to_px(const st_view *view, double *xy, size_t n)
{
    const double x0 = view->extent[0];
    const double y1 = view->extent[3];
    const double s = view->scale;
    for (size_t i = 0; i < n; i++) {
        xy[2 * i] = (xy[2 * i] - x0) * s;
        xy[2 * i + 1] = (y1 - xy[2 * i + 1]) * s;
    }
}

static double wrap180(double lon)
{
    if (lon >= 180 || lon < -180)
        lon = remainder(lon, 360.0);
    if (lon >= 180)
        lon -= 360;
    return lon;
}

/* Fills out with the outline of box (4 * OUTLINE_SAMPLES points). */
static void box_outline(const double box[4], double *out)
{
    const int n = OUTLINE_SAMPLES;
    for (int i = 0; i < n; i++) {
        double t = (double)i / n;
        double *o = out + 8 * i;
        o[0] = box[0] + t * (box[2] - box[0]); /* bottom, west to east */
        o[1] = box[1];
        o[2] = box[2]; /* east, south to north */
        o[3] = box[1] + t * (box[3] - box[1]);
        o[4] = box[2] - t * (box[2] - box[0]); /* top, east to west */
        o[5] = box[3];
        o[6] = box[0]; /* west, north to south */
        o[7] = box[3] - t * (box[3] - box[1]);
    }
}

/* Reported at the style's extent, or at its crs when the extent was not
 * written (a fit to the first layer). */
static steppe_status_t extent_error(steppe_ctx_t *ctx, const st_map *map, const char *what)
{
    if (map->extent_loc.file)
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%s:%d:%d: %s", map->extent_loc.file,
                        map->extent_loc.line, map->extent_loc.col, what);
    if (map->crs_loc.file)
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%s:%d:%d: %s", map->crs_loc.file, map->crs_loc.line,
                        map->crs_loc.col, what);
    return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%s", what);
}

/* Map extent of a lon/lat box: the bbox of its densified outline, projected.
 * A box whose east is less than (or equal to) its west crosses the
 * antimeridian: it runs from west to east + 360. The outline is sampled in
 * longitudes continuous about the map's central meridian lon_0, so a box
 * that lies on one side of the map's seam (lon_0 + 180) keeps its shape
 * whatever side of ±180 its corners are written on; a box that straddles
 * the seam would be torn into the two edges of the map, so it is refused
 * with the crs that would show it. */
static steppe_status_t lonlat_extent(steppe_ctx_t *ctx, const st_map *map, st_proj *to_map, double ext[4])
{
    double box[4] = {map->extent[0], map->extent[1], map->extent[2], map->extent[3]};
    double pts[8 * OUTLINE_SAMPLES];
    const size_t n = 4 * OUTLINE_SAMPLES;
    const double lon_0 = to_map ? to_map->lon_0 : 0;
    /* keeps samples off the seam itself, which PROJ may put on either edge */
    const double seam_gap = 1e-9;
    if (!(box[1] >= -90 && box[3] <= 90 && box[1] < box[3]) || !isfinite(box[0]) || !isfinite(box[2]))
        return extent_error(ctx, map,
                            "extent must be west, south, east, north with -90 <= south < north <= 90");
    if (box[2] <= box[0])
        box[2] += 360;
    double width = box[2] - box[0];
    if (!(width > 0 && width <= 360))
        return extent_error(ctx, map, "extent spans more than 360 degrees of longitude");
    double w_rel = remainder(box[0] - lon_0, 360.0);
    if (w_rel >= 180 - seam_gap)
        w_rel -= 360;
    double e_rel = w_rel + width;
    if (width >= 360 - seam_gap) {
        /* the whole circle: from seam to seam */
        w_rel = -180;
        e_rel = 180;
    } else if (e_rel > 180 + seam_gap) {
        char msg[400];
        double seam = remainder(lon_0 + 180, 360.0);
        snprintf(msg, sizeof msg,
                 "extent [%g, %g, %g, %g] straddles the map projection's seam at longitude %g "
                 "(its central meridian is %g): use a map crs centred inside the extent, e.g. with "
                 "+lon_0=%g",
                 map->extent[0], map->extent[1], map->extent[2], map->extent[3], seam, lon_0,
                 remainder(box[0] + width / 2, 360.0));
        return extent_error(ctx, map, msg);
    }
    box[0] = lon_0 + fmax(w_rel, -180 + seam_gap);
    box[2] = lon_0 + fmin(e_rel, 180 - seam_gap);
    box_outline(box, pts);
    st_proj_trans(to_map, pts, n, false);
    ext[0] = ext[1] = HUGE_VAL;
    ext[2] = ext[3] = -HUGE_VAL;
    for (size_t i = 0; i < n; i++) {
        double x = pts[2 * i];
        double y = pts[2 * i + 1];
        if (x == HUGE_VAL)
            continue;
        ext[0] = fmin(ext[0], x);
        ext[1] = fmin(ext[1], y);
        ext[2] = fmax(ext[2], x);
        ext[3] = fmax(ext[3], y);
    }
    if (ext[0] > ext[2])
        return extent_error(ctx, map, "extent cannot be projected to the map CRS");
    return STEPPE_OK;
}

/* Whether the frame ext (map units, before widening to the canvas's aspect)
 * is one the map projection can really show: finite, not empty, and not
 * many times larger than the Earth. A polar stereographic map of the whole
 * world puts the far pole at 1e23 m; a Mercator map up to ±90° reaches
 * 1e8 m and more: the globe then shrinks to a dot. The size is judged in
 * metres by the projection's scale at the frame's centre (a meridian
 * step), so it holds for any unit. */
static steppe_status_t check_frame(steppe_ctx_t *ctx, const st_map *map, st_proj *to_map, const double ext[4])
{
    /* 2.5 times the equator: no map of the Earth needs more */
    const double max_m = 1e8;
    char msg[400];
    double ew = ext[2] - ext[0];
    double eh = ext[3] - ext[1];
    if (!(isfinite(ew) && isfinite(eh) && ew < HUGE_VAL && eh < HUGE_VAL)) {
        snprintf(msg, sizeof msg, "extent projects to a frame that is not finite in the map crs");
        return extent_error(ctx, map, msg);
    }
    /* A frame fitted to data (or a bbox in map units, which is what the
     * quick look writes for the data) is as large as the data: coordinates
     * far out of range are the data's fault, reported where it is read. */
    if (!to_map || !to_map->src_geographic || map->extent_kind != ST_EXTENT_LONLAT)
        return STEPPE_OK;
    double c[2] = {(ext[0] + ext[2]) / 2, (ext[1] + ext[3]) / 2};
    if (st_proj_trans(to_map, c, 1, true) > 0)
        return STEPPE_OK; /* the centre is off the globe: nothing to measure with */
    const double dlat = 1e-3;
    double lat = fmin(fmax(c[1], -89.0), 89.0);
    double step[4] = {c[0], lat - dlat / 2, c[0], lat + dlat / 2};
    if (st_proj_trans(to_map, step, 2, false) > 0)
        return STEPPE_OK;
    double units = hypot(step[2] - step[0], step[3] - step[1]);
    double metres = dlat * 111132.95; /* a degree of latitude, mean */
    if (!(units > 0 && isfinite(units)))
        return STEPPE_OK;
    double frame_m = fmax(ew, eh) * metres / units;
    if (!(frame_m <= max_m)) {
        snprintf(msg, sizeof msg,
                 "extent projects to a frame of %.3g km across, far larger than the Earth: the map crs "
                 "cannot show this extent (choose a smaller extent or another projection)",
                 frame_m / 1000);
        return extent_error(ctx, map, msg);
    }
    return STEPPE_OK;
}

/* A lon/lat bbox covering the frame: the inverse of its densified outline,
 * in longitudes relative to lon_0 (continuous across the map); the whole
 * world when any point fails, full longitude when it wraps or the frame
 * holds a pole. */
static void frame_lonlat(st_proj *to_map, st_view *view)
{
    double pts[8 * OUTLINE_SAMPLES];
    const size_t n = 4 * OUTLINE_SAMPLES;
    double *ll = view->lonlat;
    const double lon_0 = to_map->lon_0;

    ll[0] = -180;
    ll[1] = -90;
    ll[2] = 180;
    ll[3] = 90;
    if (!to_map)
        return;
    box_outline(view->extent, pts);
    if (st_proj_trans(to_map, pts, n, true) > 0)
        return;
    double u0 = HUGE_VAL;
    double u1 = -HUGE_VAL;
    double lat0 = HUGE_VAL;
    double lat1 = -HUGE_VAL;
    for (size_t i = 0; i < n; i++) {
        double u = wrap180(pts[2 * i] - lon_0);
        u0 = fmin(u0, u);
        u1 = fmax(u1, u);
        lat0 = fmin(lat0, pts[2 * i + 1]);
        lat1 = fmax(lat1, pts[2 * i + 1]);
    }
    /* Between samples the outline may bulge a little beyond them. */
    double pad_u = 0.05 + 0.01 * (u1 - u0);
    double pad_lat = 0.05 + 0.01 * (lat1 - lat0);
    double west = lon_0 + u0 - pad_u;
    double east = lon_0 + u1 + pad_u;
    if (west >= -180 && east <= 180) {
        ll[0] = west;
        ll[2] = east;
    }
    ll[1] = fmax(-90, lat0 - pad_lat);
    ll[3] = fmin(90, lat1 + pad_lat);
    for (int i = 0; i < 2; i++) {
        double pole[2] = {lon_0, i ? 90.0 : -90.0};
        if (st_proj_trans(to_map, pole, 1, false) > 0)
            continue;
        if (pole[0] >= view->extent[0] && pole[0] <= view->extent[2] && pole[1] >= view->extent[1] &&
            pole[1] <= view->extent[3]) {
            ll[0] = -180;
            ll[2] = 180;
            ll[i ? 3 : 1] = i ? 90 : -90;
        }
    }
}

steppe_status_t st_view_init(steppe_ctx_t *ctx, const st_map *map, st_proj *to_map, const double *fit_bbox,
                             st_view *view)
{
    steppe_status_t st = STEPPE_OK;
    double ext[4];

    memset(view, 0, sizeof *view);
    if (!(map->width_px > 0 && map->height_px > 0 && isfinite(map->width_px) && isfinite(map->height_px)))
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%s: map size %gx%g px is not positive",
                        map->path ? map->path : "map", map->width_px, map->height_px);
    view->width_px = map->width_px;
    view->height_px = map->height_px;
    const double *in = map->frame_inset;
    double fw = map->width_px - in[0] - in[2];
    double fh = map->height_px - in[1] - in[3];
    if (!(fw >= 1 && fh >= 1))
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                        "%s: the furniture around the map leaves no room for it on a %gx%g px canvas",
                        map->path ? map->path : "map", map->width_px, map->height_px);
    view->dpi = map->dpi > 0 ? map->dpi : 96;
    view->px_per_pt = view->dpi / 72;

    switch (map->extent_kind) {
    case ST_EXTENT_LONLAT:
        st = lonlat_extent(ctx, map, to_map, ext);
        if (st != STEPPE_OK)
            return st;
        break;
    case ST_EXTENT_MAP: memcpy(ext, map->extent, sizeof ext); break;
    case ST_EXTENT_FIT:
        if (!fit_bbox)
            return st_error(ctx, STEPPE_ERR_INTERNAL, "st_view_init: fit extent without a bbox");
        memcpy(ext, fit_bbox, sizeof ext);
        if (ext[0] <= ext[2] && ext[1] <= ext[3]) {
            double mx = map->margin * (ext[2] - ext[0]);
            double my = map->margin * (ext[3] - ext[1]);
            ext[0] -= mx;
            ext[2] += mx;
            ext[1] -= my;
            ext[3] += my;
        }
        break;
    default:
        return st_error(ctx, STEPPE_ERR_INTERNAL, "st_view_init: unknown extent kind %d",
                        (int)map->extent_kind);
    }
    for (int i = 0; i < 4; i++) {
        if (!isfinite(ext[i]))
            return extent_error(ctx, map, "extent is not finite");
    }
    if (ext[2] < ext[0] || ext[3] < ext[1])
        return extent_error(ctx, map, "extent is empty (xmin > xmax or ymin > ymax)");
    st = check_frame(ctx, map, to_map, ext);
    if (st != STEPPE_OK)
        return st;

    /* Widen one axis about the centre so the extent has the canvas's aspect. */
    double cx = (ext[0] + ext[2]) / 2;
    double cy = (ext[1] + ext[3]) / 2;
    double ew = ext[2] - ext[0];
    double eh = ext[3] - ext[1];
    if (ew <= 0 && eh <= 0) {
        /* One point fitted: show a neighbourhood of it. */
        ew = to_map && to_map->dst_geographic ? 2.0 : 200000.0;
        eh = ew;
    }
    if (map->height_follows && ew > 0 && eh > 0) {
        /* The frame takes the extent's aspect; the canvas grows with it. */
        fh = fmin(fmax(round(fw * eh / ew), 1), 32767 - in[1] - in[3]);
        view->height_px = fh + in[1] + in[3];
    }
    if (ew * fh < eh * fw)
        ew = eh * fw / fh;
    else
        eh = ew * fh / fw;
    view->extent[0] = cx - ew / 2;
    view->extent[1] = cy - eh / 2;
    view->extent[2] = cx + ew / 2;
    view->extent[3] = cy + eh / 2;
    view->scale = fw / ew;
    if (!(view->scale > 0 && isfinite(view->scale)))
        return extent_error(ctx, map, "extent is too small to map onto the canvas");
    if (in[0] > 0 || in[1] > 0 || in[2] > 0 || in[3] > 0) {
        /* The canvas around the frame, in map units. */
        view->extent[0] -= in[0] / view->scale;
        view->extent[3] += in[1] / view->scale;
        view->extent[2] = view->extent[0] + view->width_px / view->scale;
        view->extent[1] = view->extent[3] - view->height_px / view->scale;
    }
    view->frame[0] = in[0];
    view->frame[1] = in[1];
    view->frame[2] = in[0] + fw;
    view->frame[3] = in[1] + fh;
    frame_lonlat(to_map, view);
    return STEPPE_OK;
}

double st_view_simplify_deg(const st_view *view, st_proj *to_map, double frac)
{
    double units = frac / view->scale;
    if (to_map && to_map->dst_geographic)
        return units;
    /* Map units are metres; a degree of latitude is the longest degree
     * (~111.32 km), so this never simplifies more than frac pixels. */
    return units / 111320.0;
}

/* ---- projecting features -------------------------------------------------- */

typedef struct dbuf {
    double *v;
    size_t n; /* doubles in use */
    size_t cap;
} dbuf;

typedef struct zbuf {
    size_t *v;
    size_t n;
    size_t cap;
} zbuf;

static bool dbuf_reserve(dbuf *b, size_t more)
{
    return more <= SIZE_MAX - b->n && st_grow(&b->v, &b->cap, b->n + more, sizeof *b->v, 4096);
}

static bool zbuf_push(zbuf *b, size_t value)
{
    if (!st_grow(&b->v, &b->cap, b->n + 1, sizeof *b->v, 1024))
        return false;
    b->v[b->n++] = value;
    return true;
}

/* Appends a point; space was reserved by the caller. */
static inline void put(dbuf *b, double x, double y)
{
    b->v[b->n++] = x;
    b->v[b->n++] = y;
}

/* Per-layer scratch, reused across features: the walked coordinates of the
 * whole layer, its part starts (point indices), and temporaries for one part. */
/* Output points projected in one batch (st_project_features_counted). */
#define PROJECT_BATCH ((size_t)1 << 18)

typedef struct walk {
    const st_proj *p;
    double maxseg;      /* densify to this many degrees; HUGE_VAL: never */
    dbuf out;           /* source lon/lat, then map units, of every output point */
    unsigned char *cut; /* one flag per output point: edge to the next point is a cut */
    size_t cut_cap;
    zbuf parts; /* start point of every output part */
    dbuf cont;  /* one part in the continuous frame */
    dbuf clip1;
    dbuf clip2;
} walk;

static double clamp_lat(const st_proj *p, double lat)
{
    if (lat > POLE_LAT && p->pole_fails[1])
        return POLE_LAT;
    if (lat < -POLE_LAT && p->pole_fails[0])
        return -POLE_LAT;
    return lat;
}

/* Appends a segment's interior points so no step exceeds maxseg degrees. */
static bool densify(walk *w, dbuf *b, double c0, double f0, double dc, double df)
{
    double span = fmax(fabs(dc), fabs(df));
    if (span <= w->maxseg)
        return true;
    size_t k = (size_t)ceil(span / w->maxseg);
    if (!dbuf_reserve(b, 2 * k))
        return false;
    for (size_t s = 1; s < k; s++) {
        double t = (double)s / (double)k;
        put(b, c0 + t * dc, f0 + t * df);
    }
    return true;
}

/* Walks n points (λ, φ) into w->cont as continuous longitudes relative to
 * lon_0, densified; a ring is closed there (last point = first). Returns
 * false when out of memory. *winding is the number of times a ring goes
 * round the globe in longitude. */
static bool walk_part(walk *w, const double *xy, size_t n, bool ring, int *winding, double *cmin,
                      double *cmax)
{
    const st_proj *p = w->p;
    dbuf *b = &w->cont;
    b->n = 0;
    if (!dbuf_reserve(b, 2 * (n + 1)))
        return false;
    double c = wrap180(xy[0] - p->lon_0);
    double f = clamp_lat(p, xy[1]);
    double c_first = c;
    double lam = xy[0];
    put(b, c, f);
    *cmin = *cmax = c;
    size_t nseg = n - 1;
    if (ring && n > 1 && (xy[0] != xy[2 * n - 2] || xy[1] != xy[2 * n - 1]))
        nseg = n; /* an unclosed ring: close it */
    for (size_t i = 1; i <= nseg; i++) {
        size_t j = i < n ? i : 0;
        double d = xy[2 * j] - lam;
        /* A step of more than half the globe crosses the antimeridian the
         * short way. */
        if (fabs(d) > 180)
            d = remainder(d, 360.0);
        double fj = clamp_lat(p, xy[2 * j + 1]);
        /* most segments are short: test before calling */
        if ((fabs(d) > w->maxseg || fabs(fj - f) > w->maxseg) && !densify(w, b, c, f, d, fj - f))
            return false;
        if (!dbuf_reserve(b, 2))
            return false;
        lam = xy[2 * j];
        c += d;
        f = fj;
        put(b, c, f);
        *cmin = st_min(*cmin, c);
        *cmax = st_max(*cmax, c);
    }
    *winding = 0;
    if (ring && nseg > 0) {
        *winding = (int)lround((c - c_first) / 360.0);
        if (*winding == 0) {
            /* the sum of the steps may have drifted by rounding */
            b->v[b->n - 2] = c_first;
            b->v[b->n - 1] = b->v[1];
        } else {
            /* A polar cap: close it through the pole it surrounds — the one
             * on the side of its mean latitude (orientation in the data is
             * not reliable enough to decide). */
            double sum = 0;
            size_t np = b->n / 2;
            for (size_t i = 0; i < np; i++)
                sum += b->v[2 * i + 1];
            double pole = clamp_lat(p, sum >= 0 ? 90.0 : -90.0);
            double f0 = b->v[1];
            if (!densify(w, b, c, f, 0, pole - f) || !dbuf_reserve(b, 2))
                return false;
            put(b, c, pole);
            if (!densify(w, b, c, pole, c_first - c, 0) || !dbuf_reserve(b, 2))
                return false;
            put(b, c_first, pole);
            if (!densify(w, b, c_first, pole, 0, f0 - pole) || !dbuf_reserve(b, 2))
                return false;
            put(b, c_first, f0);
        }
    } else if (ring) {
        /* a single point ring: keep it closed */
        if (!dbuf_reserve(b, 2))
            return false;
        put(b, c, f);
    }
    return true;
}

/* Which artificial cut a point lies on: ±1 the map seam (continuous
 * longitude at ±180 from lon_0), ±2 the ±180° meridian of the data (where
 * sources such as Natural Earth cut rings), 0 none. An edge whose two ends
 * lie on the same cut is a cut, not a coastline or border. */
static int cut_side(double c, double lam)
{
    if (c >= 180 - 2 * SEAM_EPS)
        return 1;
    if (c <= -180 + 2 * SEAM_EPS)
        return -1;
    if (lam >= 180 - 1e-9)
        return 2;
    if (lam <= -180 + 1e-9)
        return -2;
    return 0;
}

static bool cut_reserve(walk *w, size_t npoints)
{
    if (w->cut_cap >= npoints)
        return true;
    size_t cap = w->cut_cap ? w->cut_cap : 4096;
    while (cap < npoints)
        cap *= 2;
    unsigned char *c = realloc(w->cut, cap);
    if (!c)
        return false;
    w->cut = c;
    w->cut_cap = cap;
    return true;
}

/* Emits points [from, to) of b shifted by -360·m as a new output part, with
 * longitudes back in [-180, 180). Ring edges along a cut are flagged. */
static bool emit(walk *w, const dbuf *b, size_t from, size_t to, long m, bool ring)
{
    const double shift = 360.0 * (double)m;
    const double lon_0 = w->p->lon_0;
    size_t first = w->out.n / 2;
    if (!zbuf_push(&w->parts, first) || !dbuf_reserve(&w->out, 2 * (to - from)) ||
        !cut_reserve(w, first + (to - from)))
        return false;
    int prev = 0;
    for (size_t i = from; i < to; i++) {
        double c = b->v[2 * i] - shift;
        if (c > 180 - SEAM_EPS)
            c = 180 - SEAM_EPS;
        else if (c < -180 + SEAM_EPS)
            c = -180 + SEAM_EPS;
        double lam = c + lon_0;
        if (lam >= 180)
            lam -= 360;
        else if (lam < -180)
            lam += 360;
        size_t k = w->out.n / 2;
        put(&w->out, lam, b->v[2 * i + 1]);
        int side = ring ? cut_side(c, lam) : 0;
        w->cut[k] = 0;
        if (i > from)
            w->cut[k - 1] = side != 0 && side == prev;
        prev = side;
    }
    return true;
}

/* One Sutherland–Hodgman step: keeps the side of the vertical line c = edge
 * where sign·(c − edge) >= 0. in and out are closed rings. */
static bool clip_half(const dbuf *in, dbuf *out, double edge, double sign)
{
    size_t n = in->n / 2;
    out->n = 0;
    if (n < 2)
        return true;
    if (!dbuf_reserve(out, 2 * (2 * n + 1)))
        return false;
    const double *v = in->v;
    /* vertices 0..n-2; vertex n-1 repeats vertex 0 */
    double pc = v[2 * (n - 2)];
    double pf = v[2 * (n - 2) + 1];
    bool pin = sign * (pc - edge) >= 0;
    for (size_t i = 0; i + 1 < n; i++) {
        double c = v[2 * i];
        double f = v[2 * i + 1];
        bool cin = sign * (c - edge) >= 0;
        if (cin != pin) {
            double t = (edge - pc) / (c - pc);
            put(out, edge, pf + t * (f - pf));
        }
        if (cin)
            put(out, c, f);
        pc = c;
        pf = f;
        pin = cin;
    }
    if (out->n >= 2)
        put(out, out->v[0], out->v[1]);
    return true;
}

static double ring_area(const dbuf *b)
{
    double a = 0;
    size_t n = b->n / 2;
    for (size_t i = 0; i + 1 < n; i++)
        a += b->v[2 * i] * b->v[2 * i + 3] - b->v[2 * i + 2] * b->v[2 * i + 1];
    return a / 2;
}

/* Emits the pieces of a polyline between strips, by clipping each segment
 * to the band [lo, hi] (Liang–Barsky in one dimension). */
static bool clip_line(walk *w, long m)
{
    const dbuf *in = &w->cont;
    dbuf *piece = &w->clip1;
    const double lo = -180.0 + 360.0 * (double)m;
    const double hi = 180.0 + 360.0 * (double)m;
    size_t n = in->n / 2;
    piece->n = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        double c0 = in->v[2 * i];
        double f0 = in->v[2 * i + 1];
        double dc = in->v[2 * i + 2] - c0;
        double df = in->v[2 * i + 3] - f0;
        double t0 = 0;
        double t1 = 1;
        if (dc == 0) {
            if (c0 < lo || c0 > hi)
                t0 = 2;
        } else {
            double ta = (lo - c0) / dc;
            double tb = (hi - c0) / dc;
            t0 = fmax(0, fmin(ta, tb));
            t1 = fmin(1, fmax(ta, tb));
        }
        bool inside = dc == 0 ? t0 <= t1 : t0 < t1;
        if (!inside) {
            if (piece->n >= 4 && !emit(w, piece, 0, piece->n / 2, m, false))
                return false;
            piece->n = 0;
            continue;
        }
        if (!dbuf_reserve(piece, 4))
            return false;
        if (piece->n == 0 || t0 > 0) {
            if (piece->n >= 4 && !emit(w, piece, 0, piece->n / 2, m, false))
                return false;
            piece->n = 0;
            put(piece, c0 + t0 * dc, f0 + t0 * df);
        }
        put(piece, c0 + t1 * dc, f0 + t1 * df);
        if (t1 < 1) {
            if (!emit(w, piece, 0, piece->n / 2, m, false))
                return false;
            piece->n = 0;
        }
    }
    if (piece->n >= 4 && !emit(w, piece, 0, piece->n / 2, m, false))
        return false;
    piece->n = 0;
    return true;
}

static bool clip_ring(walk *w, long m)
{
    const double lo = -180.0 + 360.0 * (double)m;
    const double hi = 180.0 + 360.0 * (double)m;
    if (!clip_half(&w->cont, &w->clip1, lo, 1) || !clip_half(&w->clip1, &w->clip2, hi, -1))
        return false;
    /* Pieces that only touch the strip have no area. */
    if (w->clip2.n < 8 || fabs(ring_area(&w->clip2)) < 1e-12)
        return true;
    /* The cut along the seam is one long edge: densify it like the rest. */
    dbuf *in = &w->clip2;
    dbuf *out = &w->clip1;
    size_t n = in->n / 2;
    out->n = 0;
    if (!dbuf_reserve(out, 2))
        return false;
    put(out, in->v[0], in->v[1]);
    for (size_t i = 1; i < n; i++) {
        double c0 = in->v[2 * i - 2];
        double f0 = in->v[2 * i - 1];
        if (!densify(w, out, c0, f0, in->v[2 * i] - c0, in->v[2 * i + 1] - f0) || !dbuf_reserve(out, 2))
            return false;
        put(out, in->v[2 * i], in->v[2 * i + 1]);
    }
    return emit(w, out, 0, out->n / 2, m, true);
}

/* Walks one part of a geographic source into w->out as one or more parts. */
static bool walk_geographic(walk *w, st_geom_type type, const double *xy, size_t n)
{
    if (n == 0)
        return true;
    if (type == ST_GEOM_POINT) {
        if (!zbuf_push(&w->parts, w->out.n / 2) || !dbuf_reserve(&w->out, 2 * n) ||
            !cut_reserve(w, w->out.n / 2 + n))
            return false;
        memset(w->cut + w->out.n / 2, 0, n);
        for (size_t i = 0; i < n; i++)
            put(&w->out, wrap180(xy[2 * i]), clamp_lat(w->p, xy[2 * i + 1]));
        return true;
    }
    bool ring = type == ST_GEOM_POLYGON;
    int winding = 0;
    double cmin = 0;
    double cmax = 0;
    if (!walk_part(w, xy, n, ring, &winding, &cmin, &cmax))
        return false;
    long m_lo = (long)floor((cmin + 180) / 360);
    long m_hi = (long)ceil((cmax - 180) / 360);
    if (m_hi < m_lo)
        m_hi = m_lo;
    if (m_lo == m_hi)
        return emit(w, &w->cont, 0, w->cont.n / 2, m_lo, ring);
    for (long m = m_lo; m <= m_hi; m++) {
        if (!(ring ? clip_ring(w, m) : clip_line(w, m)))
            return false;
    }
    return true;
}

static bool walk_planar(walk *w, const double *xy, size_t n)
{
    if (!zbuf_push(&w->parts, w->out.n / 2) || !dbuf_reserve(&w->out, 2 * n) ||
        !cut_reserve(w, w->out.n / 2 + n))
        return false;
    memset(w->cut + w->out.n / 2, 0, n);
    memcpy(w->out.v + w->out.n, xy, 2 * n * sizeof(double));
    w->out.n += 2 * n;
    return true;
}

static inline void grow_bbox(double bbox[4], double x, double y)
{
    bbox[0] = st_min(bbox[0], x);
    bbox[1] = st_min(bbox[1], y);
    bbox[2] = st_max(bbox[2], x);
    bbox[3] = st_max(bbox[3], y);
}

/* Copies the walked and transformed parts [p0, p1) of w into f, in pixels,
 * leaving out what failed: a ring with a failed point, a point that failed,
 * and the failed points of a line (which splits the line there so it never
 * jumps across the gap). Returns the number of failed points, or
 * (size_t)-1 when out of memory. */
static size_t finish_feature(const walk *w, const st_view *view, st_geom_type type, size_t p0, size_t p1,
                             st_feature *f, st_arena *arena)
{
    const double *xy = w->out.v;
    const size_t *parts = w->parts.v;
    size_t q0 = parts[p0];
    size_t q1 = parts[p1];
    size_t failed = 0;
    for (size_t q = q0; q < q1; q++)
        failed += xy[2 * q] == HUGE_VAL;
    size_t max_parts = (p1 - p0) + failed;
    /* Points need no closing slack, and when every point projects their
     * parts (0, 1, ..., one a point) are the source's: kept, not copied
     * (16 + 16 bytes a point, a million points 32 MB). */
    bool points = type == ST_GEOM_POINT;
    bool same_parts = points && !failed && f->parts && f->nparts == p1 - p0 && f->npoints == q1 - q0;
    for (size_t k = 0; same_parts && k < p1 - p0; k++)
        same_parts = f->parts[k] == parts[p0 + k] - q0;
    double *oxy = st_arena_alloc(arena, 2 * (q1 - q0 + (points ? 0 : 1)) * sizeof(double));
    uint32_t *oparts = same_parts ? f->parts : st_arena_alloc(arena, (max_parts + 1) * sizeof(uint32_t));
    if (!oxy || !oparts)
        return (size_t)-1;
    const double x0 = view->extent[0];
    const double y1 = view->extent[3];
    const double s = view->scale;
    size_t np = 0;
    size_t nparts = 0;
    double bbox[4] = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    uint8_t *ocut = NULL;
    if (type == ST_GEOM_POLYGON) {
        for (size_t q = q0; q < q1 && !ocut; q++) {
            if (w->cut[q]) {
                ocut = st_arena_calloc(arena, q1 - q0 + 1, 1);
                if (!ocut)
                    return (size_t)-1;
            }
        }
    }
    for (size_t k = p0; k < p1; k++) {
        size_t a = parts[k];
        size_t b = parts[k + 1];
        if (failed && type == ST_GEOM_POLYGON) {
            bool bad = false;
            for (size_t q = a; q < b && !bad; q++)
                bad = xy[2 * q] == HUGE_VAL;
            if (bad)
                continue;
        }
        size_t run = 0;
        for (size_t q = a; q < b; q++) {
            if (xy[2 * q] == HUGE_VAL) {
                if (type == ST_GEOM_LINE) {
                    /* a run of a line ends here; one point is no line */
                    if (run == 1) {
                        np--;
                        nparts--;
                    }
                    run = 0;
                }
                continue;
            }
            if (run == 0) {
                /* Kept parts hold these values already; never written. */
                if (!same_parts)
                    oparts[nparts] = (uint32_t)np;
                nparts++;
            }
            double px = (xy[2 * q] - x0) * s;
            double py = (y1 - xy[2 * q + 1]) * s;
            oxy[2 * np] = px;
            oxy[2 * np + 1] = py;
            if (ocut)
                ocut[np] = w->cut[q];
            np++;
            run++;
            grow_bbox(bbox, px, py);
        }
        if (failed && type == ST_GEOM_LINE && run == 1 && b - a > 1) {
            np--;
            nparts--;
        }
    }
    f->xy = oxy;
    f->cut = ocut;
    f->parts = oparts;
    f->npoints = (uint32_t)np;
    f->nparts = (uint32_t)nparts;
    if (failed) {
        /* Points dropped from a line may have widened the bbox. */
        bbox[0] = bbox[1] = HUGE_VAL;
        bbox[2] = bbox[3] = -HUGE_VAL;
        for (size_t q = 0; q < np; q++)
            grow_bbox(bbox, oxy[2 * q], oxy[2 * q + 1]);
    }
    memcpy(f->bbox, bbox, sizeof bbox);
    return failed;
}

steppe_status_t st_project_features(steppe_ctx_t *ctx, st_proj *p, const st_view *view, st_featureset *fs,
                                    st_arena *arena)
{
    size_t nfailed = 0;
    uint32_t first_failed = 0;
    steppe_status_t st = st_project_features_counted(ctx, p, view, fs, arena, &nfailed, &first_failed);
    if (st == STEPPE_OK && nfailed)
        st_warn_unprojected(ctx, fs, nfailed, first_failed);
    return st;
}

void st_warn_unprojected(steppe_ctx_t *ctx, const st_featureset *fs, size_t nfailed, uint32_t first_failed)
{
    st_warn(ctx, "%s: %zu features could not be projected (wholly or partly; first: record %u)",
            fs->path ? fs->path : "layer", nfailed, (unsigned)first_failed);
}

steppe_status_t st_project_features_counted(steppe_ctx_t *ctx, st_proj *p, const st_view *view,
                                            st_featureset *fs, st_arena *arena, size_t *nfailed_out,
                                            uint32_t *first_failed_out)
{
    *nfailed_out = 0;
    *first_failed_out = 0;
    steppe_status_t st = STEPPE_OK;
    walk w = {0};
    size_t *fpart = NULL;
    const char *path = fs->path ? fs->path : "layer";
    const bool geographic = p->src_geographic;

    w.p = p;
    w.maxseg = HUGE_VAL;
    if (geographic && !p->dst_geographic) {
        /* Straight lon/lat segments curve once projected: keep steps within
         * ~32 px (and between 0.01° and 1°) so the curve is smooth. */
        w.maxseg = fmin(1.0, fmax(0.01, st_view_simplify_deg(view, p, 32)));
    }
    fpart = malloc((fs->n + 1) * sizeof *fpart);
    if (!fpart)
        goto nomem;

    /* In batches of about PROJECT_BATCH output points, so the scratch (the
     * walked points, their cut flags and parts: 25 bytes a point) stays
     * bounded whatever the file's size; a feature is never split. */
    size_t kept = 0;
    size_t nfailed = 0;
    uint32_t first_failed = 0;
    for (size_t i0 = 0; i0 < fs->n;) {
        w.out.n = 0;
        w.parts.n = 0;
        size_t i1 = i0;
        /* Pass 1: walk every part into the scratch. */
        for (; i1 < fs->n && (i1 == i0 || w.out.n / 2 < PROJECT_BATCH); i1++) {
            const st_feature *f = &fs->feat[i1];
            fpart[i1] = w.parts.n;
            for (uint32_t j = 0; j < f->nparts; j++) {
                size_t a = st_part_begin(f, j);
                size_t b = st_part_end(f, j);
                if (b <= a || b > f->npoints)
                    continue;
                bool ok = geographic ? walk_geographic(&w, fs->type, f->xy + 2 * a, b - a)
                                     : walk_planar(&w, f->xy + 2 * a, b - a);
                if (!ok)
                    goto nomem;
            }
        }
        fpart[i1] = w.parts.n;
        if (!zbuf_push(&w.parts, w.out.n / 2))
            goto nomem;

        /* Pass 2: one transformation for the batch — interpolated within
         * 0.05 px where the projection is smooth enough (project_approx.c). */
        if (geographic && !p->dst_geographic) {
            double cell = fmin(2.0, fmax(0.02, st_view_simplify_deg(view, p, 24)));
            st_proj_trans_approx(p, w.out.v, w.out.n / 2, cell, 0.05 / view->scale);
        } else {
            st_proj_trans(p, w.out.v, w.out.n / 2, false);
        }

        /* Pass 3: to pixels, into the arena, dropping what failed. */
        for (size_t i = i0; i < i1; i++) {
            st_feature *f = &fs->feat[i];
            if (f->npoints == 0) {
                fs->feat[kept++] = *f;
                continue;
            }
            size_t pts = w.parts.v[fpart[i + 1]] - w.parts.v[fpart[i]];
            if (pts > UINT32_MAX) {
                st = st_error(ctx, STEPPE_ERR_LIMIT, "%s: record %u: too many points after densifying", path,
                              (unsigned)f->record);
                goto done;
            }
            size_t failed = finish_feature(&w, view, fs->type, fpart[i], fpart[i + 1], f, arena);
            if (failed == (size_t)-1)
                goto nomem;
            if (failed) {
                if (nfailed == 0)
                    first_failed = f->record;
                nfailed++;
            }
            if (f->nparts > 0)
                fs->feat[kept++] = *f;
        }
        i0 = i1;
    }
    fs->n = kept;
    *nfailed_out = nfailed;
    *first_failed_out = first_failed;
    goto done;

nomem:
    st = st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory projecting features", path);
done:
    free(fpart);
    free(w.out.v);
    free(w.cut);
    free(w.parts.v);
    free(w.cont.v);
    free(w.clip1.v);
    free(w.clip2.v);
    return st;
}

static size_t exact_forward(void *p, double *xy, size_t n)
{
    return st_proj_trans(p, xy, n, false);
}

size_t st_proj_trans_approx(st_proj *p, double *xy, size_t n, double cell_deg, double tol)
{
    return st_approx_trans(exact_forward, p, xy, n, cell_deg, tol);
}
