/* Private: PostGIS — layers read from a PostgreSQL database through libpq.
 *
 * A layer names a connection (`source: "postgresql://user@host/db"`, or
 * `PG:` followed by libpq's key=value string; anything libpq's environment
 * variables and service files supply may be left out) and either a table
 * (`table:`, optionally schema-qualified) or a query (`sql:`). The map's
 * bounding box is pushed into the query as `geom && ST_MakeEnvelope(...)`
 * in the column's SRID, so only the rows the map shows travel; the rows come
 * through a cursor in batches of ST_PG_BATCH, in binary (EWKB), so memory
 * stays bounded by what the map keeps. Every statement runs under a
 * statement timeout and the connection under a connect timeout, so a
 * stalled server ends the run with an error instead of hanging it.
 *
 * Secrets: the password of a connection string never leaves this module.
 * Messages name the connection by st_dsn_shown() (dsn.h: the DSN with its
 * password replaced by ***), and every text from libpq or the server is scrubbed of
 * the password (the DSN's and PGPASSWORD's) before it is recorded. */
#ifndef ST_POSTGIS_H
#define ST_POSTGIS_H

#include <stdio.h>

#include "arena.h"
#include "ctx.h"
#include "features.h"
#include "source.h"

#define ST_PG_BATCH 1000           /* rows per FETCH */
#define ST_PG_DEFAULT_TIMEOUT 30.0 /* seconds, the statement timeout by default */
#define ST_PG_CONNECT_TIMEOUT "10" /* seconds, unless the DSN says otherwise */

/* What a PostGIS layer reads. */
typedef struct st_pg_spec {
    const char *dsn;      /* as written: postgresql://, postgres:// or PG:key=value */
    const char *table;    /* "name" or "schema.name"; NULL when sql is set */
    const char *sql;      /* a query whose rows are the features; NULL when table is set */
    const char *geometry; /* the geometry column; NULL: the only one */
    double timeout;       /* statement timeout in seconds; 0: ST_PG_DEFAULT_TIMEOUT */
} st_pg_spec;

/* The driver (driver.h) is st_driver_postgis: open connects and finds
 * the table or query, its geometry column (the layer's geometry:, or the
 * only one), SRID and other columns; describe gives the fields and the CRS;
 * read fetches the rows inside opts->bbox. Errors (recorded once, each
 * naming the connection as st_dsn_shown() and the table or query):
 * STEPPE_ERR_LIBRARY (libpq cannot be loaded); STEPPE_ERR_DATA_OPEN for
 * everything the database refuses ("SHOWN: cannot connect: reason",
 * "SHOWN: table "t": no such table", an SQL error, the statement timeout, a
 * connection lost mid-read, naming the row being read); STEPPE_ERR_DATA_CORRUPT
 * for a DSN that does not parse; STEPPE_ERR_NOMEM. A row whose geometry
 * cannot be decoded is skipped with a warning naming it. */

/* Writes what `steppe info` shows of a connection: the geometry tables
 * (schema.table, column, type, SRID, estimated rows) when spec has no table
 * or sql; else the columns of the table or query, its geometry column,
 * SRID, CRS and row count. Errors as st_pg_read(). */
steppe_status_t st_pg_info(steppe_ctx_t *ctx, const st_pg_spec *spec, FILE *out);

#endif
