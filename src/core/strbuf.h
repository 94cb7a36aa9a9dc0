/* Private: text built up in a fixed buffer, for messages and SQL.
 *
 * Where a text has an upper size (a message line, a connection string
 * shown without its password), it is put together in a caller's array and
 * cut when full rather than grown. It lives in core/ because the core's
 * connection strings (dsn.c) and the PostGIS driver both build such texts. */
#ifndef ST_STRBUF_H
#define ST_STRBUF_H

#include <stddef.h>

/* Appends s[0..n) to the text in buf (cap bytes, *len of them used, kept
 * NUL-terminated), cut when full; *len grows by what was copied. */
void st_strbuf_put(char *buf, size_t cap, size_t *len, const char *s, size_t n);

#endif
