/*
 * steppe/style.h — loading a style file into a map model.
 *
 * Design note: a style is a YAML file (docs/style-reference.md). Loading it
 * resolves `extends:` chains, applies command-line overrides (`--set
 * KEY=VALUE`), validates every key against one schema and builds an immutable
 * map model. Every value remembers FILE:LINE:COL so that errors found later —
 * a missing Shapefile, a CRS that PROJ rejects — still point into the style.
 * Relative paths resolve against the folder of the file that wrote them.
 */
#ifndef STEPPE_STYLE_H
#define STEPPE_STYLE_H

#include <steppe/export.h>
#include <stddef.h>
#include <steppe/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct steppe_style steppe_style_t;

/*
 * Loads and validates the style at path.
 *   overrides: n strings of the form "dotted.key.path=VALUE" (may be NULL if n
 *              is 0); VALUE is parsed as a YAML scalar or flow collection and
 *              validated exactly like the file's own values.
 *   out:       receives the style on success; the caller frees it with
 *              steppe_style_destroy(). Untouched on failure.
 * Returns STEPPE_OK, or a STEPPE_ERR_STYLE_* code with the message
 * "FILE:LINE:COL: ..." recorded in ctx; STEPPE_ERR_NOMEM.
 */
STEPPE_API steppe_status_t steppe_style_load(steppe_ctx_t *ctx, const char *path,
                                             const char *const *overrides, size_t n, steppe_style_t **out);

/*
 * Builds the quick-look style for a single data file (Shapefile, CSV of
 * points, GeoJSON, GeoPackage: its first feature table): the file drawn
 * with a default symbol for its geometry type, framed on its extent, in its
 * own CRS (EPSG:4326 if it names none). out as for steppe_style_load().
 * An unsupported file: STEPPE_ERR_DATA_UNSUPPORTED naming the formats read.
 */
STEPPE_API steppe_status_t steppe_style_quicklook(steppe_ctx_t *ctx, const char *shp_path,
                                                  steppe_style_t **out);

/*
 * Whether path names data to draw with steppe_style_quicklook() rather
 * than a style: a .yaml/.yml file never is; else its first bytes or its
 * extension tell a format steppe reads. Reads at most 512 bytes.
 */
int steppe_style_is_data(const char *path);

/*
 * Checks everything a render would need without drawing: every referenced
 * file opens and is of a usable shape type, every CRS is accepted by PROJ,
 * fonts resolve. Returns the first error, recorded in ctx.
 */
STEPPE_API steppe_status_t steppe_style_check(steppe_ctx_t *ctx, const steppe_style_t *style);

/* The style's name (its file name without extension), used for default
 * output names. Owned by the style. */
STEPPE_API const char *steppe_style_name(const steppe_style_t *style);

/* Frees a style. Accepts NULL. */
STEPPE_API void steppe_style_destroy(steppe_style_t *style);

#ifdef __cplusplus
}
#endif
#endif
