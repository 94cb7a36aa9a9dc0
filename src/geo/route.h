/* Private: routes — a line through named points of a layer.
 *
 * Routes join named points by geodesic legs on the WGS84 ellipsoid,
 * densified so they curve correctly once projected. */
#ifndef ST_ROUTE_H
#define ST_ROUTE_H

#include "ctx.h"
#include "features.h"

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

#endif
