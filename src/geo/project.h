/* Private: projection — source CRS to map CRS to output pixels, with PROJ.
 *
 * A st_proj wraps one PJ built once per (source CRS, map CRS) pair with axis
 * order normalised for visualisation (x = east/longitude, y = north/latitude).
 * Whole coordinate arrays go through proj_trans_generic(); each vertex is
 * projected at most once per render. For geographic sources, segments are
 * densified (so straight source segments curve correctly) and rings/lines
 * that cross the map projection's seam (central meridian + 180°) are split
 * there, so nothing streaks across the map. */
#ifndef ST_PROJECT_H
#define ST_PROJECT_H

#include <stdbool.h>

#include "ctx.h"
#include "features.h"

/* The output frame: map CRS extent and its pixel grid. y grows downward in
 * pixels: px = (x - extent[0]) * scale, py = (extent[3] - y) * scale. */
typedef struct st_view {
    double extent[4]; /* xmin, ymin, xmax, ymax in map CRS units */
    double width_px;
    double height_px;
    double scale; /* pixels per map unit (same on both axes) */
    double dpi;
    double px_per_pt; /* dpi / 72 */
    double lonlat[4]; /* a geographic bbox covering the frame (for culling) */
    /* The map frame within the canvas, px (x0, y0, x1, y1): the whole
     * canvas unless map.frame_inset keeps room around it for furniture
     * (map.layout: outside). The extent is fitted to the frame; extent[]
     * and lonlat[] cover the canvas. */
    double frame[4];
} st_view;

typedef struct st_proj st_proj;

/* Creates the transformation from src_crs to dst_crs (any PROJ string, EPSG
 * code or WKT). On failure records "cannot use CRS: PROJ's reason" (the
 * caller supplies the location prefix via loc) and returns
 * STEPPE_ERR_STYLE_CRS. Free with st_proj_destroy(). */
steppe_status_t st_proj_create(steppe_ctx_t *ctx, const char *src_crs, const char *dst_crs, st_loc loc,
                               st_proj **out);
void st_proj_destroy(st_proj *p);

/* True when the source CRS is geographic (degrees). */
bool st_proj_src_is_geographic(const st_proj *p);

/* True when p is the identity between two spellings of WGS 84 longitude and
 * latitude (st_crs_is_wgs84): no PROJ object behind it. */
bool st_proj_is_wgs84_identity(const st_proj *p);

/* Kilometres along the WGS 84 parallel at lat (degrees) between two
 * longitudes dlon degrees apart: N(φ)·cos φ·Δλ, N the radius of curvature in
 * the prime vertical. */
double st_parallel_km(double lat, double dlon);

/* Transforms n points of interleaved xy in place, forward or inverse. Points
 * that fail become HUGE_VAL. Returns the number of failed points. */
size_t st_proj_trans(st_proj *p, double *xy, size_t n, bool inverse);

/* As st_proj_trans() forward, for lon/lat sources, but approximate: points
 * are interpolated bilinearly in a grid of cell_deg degrees whose nodes are
 * projected exactly; a cell whose interpolation is off by more than tol
 * (map units) at its centre is projected exactly. Small inputs (< 4096
 * points) go straight to st_proj_trans(). */
size_t st_proj_trans_approx(st_proj *p, double *xy, size_t n, double cell_deg, double tol);

/* Sets up view for the map: size from the map (width/height already
 * resolved), extent from the map's extent settings. For ST_EXTENT_FIT, bbox
 * (map CRS units, from the fitted layer) is used with the margin; pass NULL
 * otherwise. The extent is widened on one axis to match the canvas aspect
 * ratio. to_map is the lon/lat (EPSG:4326) → map CRS transformation. */
steppe_status_t st_view_init(steppe_ctx_t *ctx, const st_map *map, st_proj *to_map, const double *fit_bbox,
                             st_view *view);

/* Projects every feature of fs in place: densify (geographic sources),
 * split at the seam, transform, then map units → pixels via view. Features
 * that fail to project are dropped with a warning naming the record. New
 * coordinate arrays come from arena. fs->crs must be p's source CRS. */
steppe_status_t st_project_features(steppe_ctx_t *ctx, st_proj *p, const st_view *view, st_featureset *fs,
                                    st_arena *arena);

/* As st_project_features(), but features that fail are only counted, in
 * *nfailed, with the record of the first in *first_failed: for callers that
 * project one layer in pieces and warn once for all of them
 * (st_warn_unprojected). */
steppe_status_t st_project_features_counted(steppe_ctx_t *ctx, st_proj *p, const st_view *view,
                                            st_featureset *fs, st_arena *arena, size_t *nfailed,
                                            uint32_t *first_failed);

/* The warning st_project_features() gives for nfailed features of fs. */
void st_warn_unprojected(steppe_ctx_t *ctx, const st_featureset *fs, size_t nfailed, uint32_t first_failed);

/* Map units → pixels for n points in place. */
void st_view_to_px(const st_view *view, double *xy, size_t n);

/* Tolerance in source degrees equivalent to frac pixels at this view (used
 * to generalise geographic sources before projecting). */
double st_view_simplify_deg(const st_view *view, st_proj *to_map, double frac);

#endif
