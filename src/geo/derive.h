/* Private: derived layers and measurements.
 *
 * Shared boundaries come from GEOS: the intersection of the boundaries of
 * two polygon sets, merged into maximal lines. Lengths are geodesics on the
 * WGS84 ellipsoid (PROJ's geodesic.h, Karney 2013). Routes (route.h) and
 * border regions (border_regions.h) have files of their own and use the
 * lengths and the message prefix declared here. */
#ifndef ST_DERIVE_H
#define ST_DERIVE_H

#include "ctx.h"
#include "features.h"

/* The WGS84 ellipsoid, on which every length is measured. */
#define ST_WGS84_A 6378137.0
#define ST_WGS84_F (1 / 298.257223563)

/* "FILE:LINE:COL: " for a located message, "" for a built-in one (then buf,
 * of size bytes, is unused). For the derived layers' messages. */
const char *st_derive_loc_prefix(st_loc loc, char *buf, size_t size);

/* Geodesic length in km of every line of fs (coordinates lon/lat degrees).
 * The geodesic functions are libproj's: it must be loaded (st_ctx_load_proj(),
 * which both st_derive_* below call). */
double st_geod_length_km(const st_featureset *fs);

/* Geodesic length in km of the polyline xy (n lon/lat points). libproj must
 * be loaded, as for st_geod_length_km(). */
double st_geod_polyline_km(const double *xy, size_t n);

/* Derives the boundary shared by the union of features matching a and the
 * union of features matching b in polys (polygons, lon/lat). out receives
 * lines (lon/lat) in arena, one feature per merged line, no attributes.
 * Returns STEPPE_OK (an empty result is a warning, not an error),
 * STEPPE_ERR_STYLE_VALUE when a or b matches nothing ("FILE:LINE:COL: ..."),
 * STEPPE_ERR_RENDER when GEOS fails, STEPPE_ERR_LIBRARY when GEOS or PROJ
 * cannot be loaded (PROJ: for the lengths the caller measures next). */
steppe_status_t st_derive_shared_boundary(steppe_ctx_t *ctx, const st_featureset *polys, const st_filter *a,
                                          const st_filter *b, st_loc loc, st_arena *arena,
                                          st_featureset *out);

/* How well two polygon sets cover the same ground: the area of the
 * symmetric difference between the union of the features of a matching fa
 * and the union of those of b matching fb (NULL filter: every feature), and
 * the area of b's union, both in square degrees (callers compare the ratio,
 * which the planar unit hardly distorts over one country). Used to check that
 * a country's regions fit the country. Returns STEPPE_OK,
 * STEPPE_ERR_STYLE_VALUE when a side matches nothing, STEPPE_ERR_RENDER when
 * GEOS fails, STEPPE_ERR_LIBRARY when GEOS cannot be loaded. */
steppe_status_t st_derive_cover_difference(steppe_ctx_t *ctx, const st_featureset *a, const st_filter *fa,
                                           const st_featureset *b, const st_filter *fb, double *diff_area,
                                           double *b_area);

/* Pole of inaccessibility of a polygon feature (pixel coordinates), by the
 * polylabel grid search (Agafonkin 2016, after Garcia-Castellanos &
 * Lombardo 2007), to precision px. Writes the point and its distance to the
 * nearest edge. Only the part with the largest area is searched. */
void st_polygon_pole(const st_feature *f, double precision, double *x, double *y, double *dist);

#endif
