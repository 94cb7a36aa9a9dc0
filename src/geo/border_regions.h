/* Private: border shares and border regions — how a border divides among
 * the regions along it.
 *
 * A border (lines, lon/lat, e.g. a shared-boundary layer's) is cut into
 * pieces of at most 1 km, each given to the nearest region's outline within
 * a tolerance; lengths on the WGS84 ellipsoid (derive.h). */
#ifndef ST_BORDER_REGIONS_H
#define ST_BORDER_REGIONS_H

#include "ctx.h"
#include "features.h"

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

#endif
