/* Private: approximate point transformation in a lazily built grid.
 *
 * Below project.c in the pipeline: it interpolates any exact lon/lat → map
 * transform given as a callback (project.c passes PROJ's), so it depends on
 * nothing but the C library. See project_approx.c for the method. */
#ifndef ST_PROJECT_APPROX_H
#define ST_PROJECT_APPROX_H

#include <stddef.h>

/* Transforms n interleaved lon/lat points of xy in place, exactly; points
 * that fail become HUGE_VAL. Returns the number of failed points. */
typedef size_t (*st_approx_exact_fn)(void *user, double *xy, size_t n);

/* As exact(user, xy, n), but approximate: points are interpolated bilinearly
 * in a grid of cell_deg degrees whose nodes are transformed exactly; a cell
 * whose interpolation is off by more than tol (output units) at its centre
 * is transformed exactly. Small inputs (< 4096 points) go straight to
 * exact(). Returns the number of failed points. */
size_t st_approx_trans(st_approx_exact_fn exact, void *user, double *xy, size_t n, double cell_deg,
                       double tol);

#endif
