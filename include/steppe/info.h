/*
 * steppe/info.h — describing a Shapefile.
 *
 * Design note: the same reader that rendering uses opens the file, so `steppe
 * info` reports exactly what a render would see. The description is returned
 * as text for the caller to print; libsteppe never prints.
 */
#ifndef STEPPE_INFO_H
#define STEPPE_INFO_H

#include <steppe/export.h>
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
STEPPE_API steppe_status_t steppe_info_describe(steppe_ctx_t *ctx, const char *path, char **out);

/*
 * Describes the values of one attribute field of the Shapefile (or CSV) at
 * path, to choose a classification: records, no-data count (empty, or not a
 * number in a numeric field), distinct values and the five most frequent
 * (ties in value order); for a numeric field (DBF type N or F) also min,
 * max, mean and median (the mean of the two middle values for an even
 * count, as R's median()).
 *   out: receives a NUL-terminated, multi-line text; the caller frees it with
 *        free(). Untouched on failure.
 * Returns STEPPE_OK, STEPPE_ERR_USAGE (no such field; the message lists the
 * fields), the errors of steppe_info_describe().
 */
STEPPE_API steppe_status_t steppe_info_field(steppe_ctx_t *ctx, const char *path, const char *field,
                                             char **out);

/*
 * Describes a PostgreSQL/PostGIS connection (dsn: postgresql://...,
 * postgres://... or PG:key=value; libpq's PG* environment variables and
 * service files fill in what it leaves out): with table and sql NULL, its
 * geometry tables (schema.table, geometry column, type, SRID, estimated
 * rows); else the columns of the table or query, its geometry column,
 * SRID, CRS and row count. steppe_info_describe() of a connection is this
 * with no table. The password never appears in out or in a message.
 *   out: as steppe_info_describe().
 * Returns STEPPE_OK; STEPPE_ERR_USAGE when dsn is not a connection;
 * STEPPE_ERR_LIBRARY (libpq cannot be loaded); STEPPE_ERR_DATA_OPEN (the
 * connection, the table or the query fails: the server's reason);
 * STEPPE_ERR_DATA_CORRUPT (the connection string does not parse);
 * STEPPE_ERR_NOMEM.
 */
steppe_status_t steppe_info_connection(steppe_ctx_t *ctx, const char *dsn, const char *table, const char *sql,
                                       char **out);

#ifdef __cplusplus
}
#endif
#endif
