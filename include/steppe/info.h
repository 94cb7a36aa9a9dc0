/*
 * steppe/info.h — describing a Shapefile.
 *
 * Design note: the same reader that rendering uses opens the file, so `steppe
 * info` reports exactly what a render would see. The description is returned
 * as text for the caller to print; libsteppe never prints.
 */
#ifndef STEPPE_INFO_H
#define STEPPE_INFO_H

#include <steppe/ctx.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Describes the Shapefile at path: shape type, record count, bounding box,
 * fields with their types, CRS and attribute encoding.
 *   out: receives a NUL-terminated, multi-line text; the caller frees it with
 *        free(). Untouched on failure.
 * Returns STEPPE_OK, STEPPE_ERR_DATA_OPEN or STEPPE_ERR_DATA_CORRUPT (message
 * in ctx), STEPPE_ERR_NOMEM.
 */
steppe_status_t steppe_info_describe(steppe_ctx_t *ctx, const char *path, char **out);

#ifdef __cplusplus
}
#endif
#endif
