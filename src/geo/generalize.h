/* Private: generalisation in output pixels, between projection and drawing.
 *
 * Data digitised at 100 m shows hundreds of vertices per pixel on a
 * country-scale map. After projection each line and ring is reduced with
 * Douglas–Peucker (Douglas & Peucker 1973) to a tolerance well under a
 * pixel, so drawing, label search and vector output handle only what can be
 * seen. The source stage's radial filter has already dropped most vertices
 * cheaply; this pass removes the straight runs it keeps. */
#ifndef ST_GENERALIZE_H
#define ST_GENERALIZE_H

#include <stdbool.h>

#include "features.h"

/* Simplifies every line and ring of fs in place to tol_px pixels. Part
 * endpoints, the points on either side of a cut edge (f->cut) and at least
 * 4 points of each ring are kept, so no ring disappears and cuts stay
 * exact. Work is linear in the vertex count: parts are processed in chunks
 * of bounded length, so pathological input cannot make it quadratic.
 * Points layers are left alone. Returns the number of vertices removed. */
size_t st_generalize_px(st_featureset *fs, double tol_px);

/* Douglas–Peucker's step on the points xy[i..j] (x, y pairs): the first
 * one strictly between i and j farthest from the segment i-j, with its
 * squared distance in *best (i and -1 when there is none). vector: the
 * four-lane scan st_generalize_px() uses, else the plain loop it must agree
 * with to the vertex (check_generalize compares them). */
size_t st_generalize_farthest(const double *xy, size_t i, size_t j, bool vector, double *best);

#endif
