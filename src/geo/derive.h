/* Private: derived layers and measurements.
 *
 * Shared boundaries come from GEOS: the intersection of the boundaries of
 * two polygon sets, merged into maximal lines. Lengths are geodesics on the
 * WGS84 ellipsoid (PROJ's geodesic.h, Karney 2013). Routes join named points
 * by geodesic legs, densified so they curve correctly once projected. */
#ifndef ST_DERIVE_H
#define ST_DERIVE_H

#include "ctx.h"
#include "features.h"

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

/* Largest tolerance st_derive_border_shares() accepts, in km. */
#define ST_BORDER_TOL_MAX_KM 50.0

/* Splits the lines of border (lon/lat) among the polygons of regions
 * (lon/lat): each piece of the border, cut to at most 1 km, goes to the
 * region whose outline is nearest its midpoint if that is within tol_km,
 * else to none. The two datasets need not share
 * vertices. km receives regions->n lengths on the WGS84 ellipsoid (0 for a
 * region off the border); *total_km the whole border's length, so the shares
 * plus what no region took add up to it exactly. Returns STEPPE_OK,
 * STEPPE_ERR_STYLE_VALUE ("FILE:LINE:COL: ...") when tol_km is negative, not
 * finite or above ST_BORDER_TOL_MAX_KM, STEPPE_ERR_LIBRARY when PROJ cannot
 * be loaded. */
steppe_status_t st_derive_border_shares(steppe_ctx_t *ctx, const st_featureset *border,
                                        const st_featureset *regions, double tol_km, st_loc loc, double *km,
                                        double *total_km);

/* A region along a border: its name, its share of the border (the pieces
 * nearest its outline) and its reach (the pieces within the tolerance of
 * its outline, shared or not), km on the WGS84 ellipsoid. */
typedef struct st_border_share {
    const char *name;
    double km;
    double reach_km;
} st_border_share;

/* The regions (polygons, lon/lat) along border (lines, lon/lat): every
 * region whose outline comes within tol_km of the border, with its share
 * (st_derive_border_shares) and its reach. A region counts by its reach, so
 * one that a generalised dataset keeps a few km off the border, behind its
 * neighbours, is found even when its neighbours are nearer everywhere (its
 * share is then 0). out receives copies of those regions with the columns
 * border_km and border_reach_km (km, 1 decimal); shares one entry per
 * region of out, in the same order, named by name_field (from arena);
 * *total_km the border's length. No region is a warning naming what (the
 * layer). where (NULL: all) keeps only the regions matching it, tested
 * on the regions' fields and border_km, border_reach_km. Errors as st_derive_border_shares(), and
 * STEPPE_ERR_STYLE_KEY when name_field is not a field of regions. */
steppe_status_t st_derive_border_regions(steppe_ctx_t *ctx, const st_featureset *border,
                                         const st_featureset *regions, const st_filter *where,
                                         const char *name_field, double tol_km, st_loc loc, const char *what,
                                         st_arena *arena, st_featureset *out, st_border_share **shares,
                                         size_t *nshares, double *total_km);

/* One leg of a route. */
typedef struct st_route_leg {
    const char *from;
    const char *to;
    double km;
} st_route_leg;

/* Builds a route through stops (values of field in points, in order) as one
 * line feature of geodesic legs, densified to at most step_km per segment.
 * legs receives nstops-1 legs from arena. Fails with STEPPE_ERR_STYLE_VALUE
 * ("FILE:LINE:COL: no stop 'X' in layer L") when a stop is not found,
 * STEPPE_ERR_LIBRARY when PROJ (its geodesics) cannot be loaded. */
steppe_status_t st_derive_route(steppe_ctx_t *ctx, const st_featureset *points, const char *field,
                                const char *const *stops, size_t nstops, double step_km, st_loc loc,
                                st_arena *arena, st_featureset *out, st_route_leg **legs);

/* The same through every via point (values of field in points, in order):
 * the line follows the towns a road passes instead of straight legs between
 * its stops; legs receives nvia-1 legs. A via point not found fails with
 * STEPPE_ERR_STYLE_VALUE at via_locs[i] (loc when via_locs is NULL), naming
 * the point, the file and the closest name ("did you mean"). */
steppe_status_t st_derive_route_via(steppe_ctx_t *ctx, const st_featureset *points, const char *field,
                                    const char *const *via, const st_loc *via_locs, size_t nvia,
                                    double step_km, st_loc loc, st_arena *arena, st_featureset *out,
                                    st_route_leg **legs);

/* Pole of inaccessibility of a polygon feature (pixel coordinates), by the
 * polylabel grid search (Agafonkin 2016, after Garcia-Castellanos &
 * Lombardo 2007), to precision px. Writes the point and its distance to the
 * nearest edge. Only the part with the largest area is searched. */
void st_polygon_pole(const st_feature *f, double precision, double *x, double *y, double *dist);

#endif
