/* Private: database connection strings (PostGIS layers), as the style,
 * the messages and the driver see them.
 *
 * A source is a connection when it begins with postgresql:// or
 * postgres:// (a libpq URI) or PG: (GDAL's prefix, followed by libpq's
 * key=value string). Its password must never be shown: st_dsn_shown() is
 * the form every message, report and listing uses. It lives in core/
 * because the style stage (a layer's source as written) and the source
 * stage (the driver's messages) both need it. */
#ifndef ST_DSN_H
#define ST_DSN_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

/* True when source names a PostgreSQL connection (above). */
bool st_dsn_is(const char *source);

/* The string libpq reads: dsn without GDAL's "PG:". */
const char *st_dsn_conninfo(const char *dsn);

/* In a URI, where the password of user:password@ lies: [*b, *e) (from
 * the first ':' to the last '@' before the first '/'); false when it has
 * none. */
bool st_dsn_uri_password(const char *dsn, size_t *b, size_t *e);

/* dsn with its password (user:PASSWORD@, ?password=..., password=...)
 * replaced by ***, at most 1023 bytes; from arena (NULL when out of
 * memory). */
char *st_dsn_shown(st_arena *arena, const char *dsn);

#endif
