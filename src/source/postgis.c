/* PostGIS layers through libpq: see postgis.h.
 *
 * One read is one connection: connect (connect timeout), set the statement
 * timeout and UTF-8, find the geometry column, its SRID and the other
 * columns from a `LIMIT 0` of the table or query, then read the rows
 * through a cursor in batches, in binary so the geometry arrives as EWKB
 * (geometry_send) and the attributes (cast to text) as their bytes. libpq
 * is loaded at run time (dynlib.h). */
#include "postgis.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "driver.h"
#include "dsn.h"
#include "dynlib.h"
#include "strbuf.h"
#include "wkb.h"

/* PostgreSQL's built-in type OIDs (pg_type.dat; stable across versions). */
enum {
    OID_BOOL = 16,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_DATE = 1082,
    OID_NUMERIC = 1700
};

#define MAX_ROW_WARNINGS 10
#define MAX_SECRETS 3

/* What the read found out about the rows before reading them. */
typedef struct pg_shape {
    const char *from;     /* "\"s\".\"t\"" or "(sql)" */
    char *schema, *table; /* table mode: the table found */
    char **names;         /* every column but the geometry */
    char *types;          /* their st_featureset field types */
    unsigned *oids;       /* their type OIDs */
    size_t ncols;         /* attribute columns */
    const char *geom;     /* the geometry column's name */
    const char *order;    /* table mode: the single-column primary key, or NULL */
    int typmod;           /* the geometry column's type modifier (geometry(type, SRID)); -1: none */
    int srid;             /* -1: no row with a geometry to tell */
    bool geography;       /* the column is PostGIS's geography type (read as geometry) */
} pg_shape;

/* One connection and what its messages need: the driver's state. */
typedef struct pg {
    steppe_ctx_t *ctx;
    st_arena *arena;
    const st_pg_spec *spec;
    PGconn *conn;
    const char *shown;                /* the DSN without its password */
    const char *what;                 /* "table \"t\"" or "query (FILE:LINE)" */
    const char *secrets[MAX_SECRETS]; /* texts scrubbed from every message */
    size_t nsecrets;
    unsigned geometry_oid;
    unsigned geography_oid; /* 0: this PostGIS has no geography type */
    const char *user_sql;   /* while the layer's query is prepared: for an error's position */
    st_pg_spec own_spec;    /* the driver's: from the layer */
    pg_shape shape;
} pg;

static void add_secret(pg *c, const char *s)
{
    if (s && *s && c->nsecrets < MAX_SECRETS)
        c->secrets[c->nsecrets++] = st_arena_strdup(c->arena, s);
}

/* The password in every spelling a message could repeat: as written in the
 * DSN, as libpq decoded it (percent-escapes, quotes), and PGPASSWORD's. */
static void find_secrets(pg *c)
{
    const char *dsn = c->spec->dsn;
    size_t b, e;
    if (st_dsn_uri_password(dsn, &b, &e)) {
        char *raw = st_arena_strndup(c->arena, dsn + b, e - b);
        add_secret(c, raw);
    }
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(st_dsn_conninfo(dsn), &err);
    if (err)
        PQfreemem(err);
    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (strcmp(o->keyword, "password") == 0 && o->val)
            add_secret(c, o->val);
    }
    if (opts)
        PQconninfoFree(opts);
    add_secret(c, getenv("PGPASSWORD"));
}

/* text (libpq's or the server's) made fit for one line of a message: the
 * secrets replaced by ***, line breaks and tabs folded into single spaces,
 * the trailing blank dropped. From the arena. */
static char *clean(pg *c, const char *text)
{
    char buf[1024];
    size_t len = 0;
    buf[0] = '\0';
    for (const char *s = text ? text : ""; *s;) {
        bool hit = false;
        for (size_t i = 0; i < c->nsecrets; i++) {
            size_t n = strlen(c->secrets[i]);
            if (strncmp(s, c->secrets[i], n) == 0) {
                st_strbuf_put(buf, sizeof buf, &len, "***", 3);
                s += n;
                hit = true;
                break;
            }
        }
        if (hit)
            continue;
        if (*s == '\n') {
            /* libpq's second line (a hint) follows after "; ". */
            while (isspace((unsigned char)*s))
                s++;
            while (len > 0 && buf[len - 1] == ' ')
                buf[--len] = '\0';
            if (*s && len > 0)
                st_strbuf_put(buf, sizeof buf, &len, "; ", 2);
            continue;
        }
        if (isspace((unsigned char)*s)) {
            if (len > 0 && buf[len - 1] != ' ')
                st_strbuf_put(buf, sizeof buf, &len, " ", 1);
            s++;
            continue;
        }
        st_strbuf_put(buf, sizeof buf, &len, s, 1);
        s++;
    }
    while (len > 0 && buf[len - 1] == ' ')
        buf[--len] = '\0';
    char *out = st_arena_strdup(c->arena, buf);
    return out ? out : "";
}

/* Records "SHOWN: WHAT: message" (the part after SHOWN scrubbed too). */
static steppe_status_t pg_fail(pg *c, steppe_status_t st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static steppe_status_t pg_fail(pg *c, steppe_status_t st, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->what)
        return st_error(c->ctx, st, "%s: %s: %s", c->shown, c->what, clean(c, msg));
    return st_error(c->ctx, st, "%s: %s", c->shown, clean(c, msg));
}

/* The error of a failed statement, in one line: a statement timeout and a
 * lost connection in words a user can act on, anything else as the
 * server's primary message (ERROR: ...). row > 0 names the row being read. */
static steppe_status_t result_fail(pg *c, PGresult *res, size_t row)
{
    char where[64] = "";
    if (row > 0)
        snprintf(where, sizeof where, "row %zu: ", row);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    double timeout = c->spec->timeout > 0 ? c->spec->timeout : ST_PG_DEFAULT_TIMEOUT;
    if (PQstatus(c->conn) == CONNECTION_BAD || !state) {
        return pg_fail(c, STEPPE_ERR_DATA_OPEN, "%sthe connection to the server was lost: %s", where,
                       PQerrorMessage(c->conn));
    }
    if (strcmp(state, "57014") == 0) {
        return pg_fail(c, STEPPE_ERR_DATA_OPEN,
                       "%sthe query ran longer than the statement timeout of %g s (the layer's timeout: key)",
                       where, timeout);
    }
    if (strcmp(state, "57P01") == 0 || strncmp(state, "08", 2) == 0) {
        return pg_fail(c, STEPPE_ERR_DATA_OPEN, "%sthe connection to the server was lost: %s", where,
                       primary ? primary : PQerrorMessage(c->conn));
    }
    /* An error in the layer's own query: where in it, as line and column
     * (the server counts characters from 1). */
    const char *pos = c->user_sql && res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
    long at = pos ? strtol(pos, NULL, 10) : 0;
    if (at > 0) {
        long line = 1, col = 0, chars = 0;
        for (const unsigned char *p = (const unsigned char *)c->user_sql; *p && chars < at; p++) {
            if ((*p & 0xC0) == 0x80)
                continue; /* a UTF-8 continuation byte: the same character */
            chars++;
            if (chars == at)
                col++;
            else if (*p == '\n') {
                line++;
                col = 0;
            } else {
                col++;
            }
        }
        return pg_fail(c, STEPPE_ERR_DATA_OPEN, "%sERROR: %s (sql: line %ld, column %ld)", where,
                       primary ? primary : PQerrorMessage(c->conn), line, col);
    }
    return pg_fail(c, STEPPE_ERR_DATA_OPEN, "%sERROR: %s", where,
                   primary ? primary : PQerrorMessage(c->conn));
}

/* Runs sql with up to two text parameters (NULL: SQL NULL) and the result
 * in text (binary 0) or binary (1). Returns the result (the caller clears
 * it) or NULL with the error recorded. */
static PGresult *run(pg *c, const char *sql, int nparams, const char *p1, const char *p2, int binary,
                     steppe_status_t *st)
{
    const char *params[2] = {p1, p2};
    PGresult *res = PQexecParams(c->conn, sql, nparams, NULL, params, NULL, NULL, binary);
    ExecStatusType s = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
        return res;
    *st = result_fail(c, res, 0);
    PQclear(res);
    return NULL;
}

/* The OIDs of PostGIS's geometry and geography types, from columns col
 * and col + 1 of row 0 of res (NULL when the database has no PostGIS). */
static void take_type_oids(pg *c, const PGresult *res, int col)
{
    if (!PQgetisnull(res, 0, col))
        c->geometry_oid = (unsigned)strtoul(PQgetvalue(res, 0, col), NULL, 10);
    if (!PQgetisnull(res, 0, col + 1))
        c->geography_oid = (unsigned)strtoul(PQgetvalue(res, 0, col + 1), NULL, 10);
}

/* The OIDs of PostGIS's types; false (nothing recorded) when the database
 * has no PostGIS. */
static bool find_postgis(pg *c)
{
    PGresult *res = PQexec(c->conn, "SELECT to_regtype('geometry')::oid, to_regtype('geography')::oid");
    bool ok = res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0);
    if (ok)
        take_type_oids(c, res, 0);
    PQclear(res);
    /* The failed statement ended nothing: no transaction is open yet. */
    return ok;
}

/* libpq writes notices (a NOTICE from the server) to stderr by default:
 * they become nothing here, as the library never prints. */
static void no_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Connects, with the connect timeout unless the DSN sets one, the
 * statement timeout, UTF-8 text and a transaction for the cursor. */
static steppe_status_t pg_connect(pg *c)
{
    const char *why = st_dynlib_load_pq();
    if (why)
        return st_error(c->ctx, STEPPE_ERR_LIBRARY, "cannot load libpq: %s", why);
    find_secrets(c);
    char *err = NULL;
    PQconninfoOption *parsed = PQconninfoParse(st_dsn_conninfo(c->spec->dsn), &err);
    if (!parsed) {
        /* libpq quotes the part it could not read, which may be the
         * password: the quoted parts are left out. */
        char reason[256];
        size_t len = 0;
        reason[0] = '\0';
        bool quoted = false;
        for (const char *s = err ? err : "out of memory"; *s; s++) {
            if (*s == '"') {
                quoted = !quoted;
                st_strbuf_put(reason, sizeof reason, &len, quoted ? "\"..." : "\"", quoted ? 4 : 1);
            } else if (!quoted) {
                st_strbuf_put(reason, sizeof reason, &len, s, 1);
            }
        }
        if (err)
            PQfreemem(err);
        const char *what = c->what;
        c->what = NULL;
        steppe_status_t st =
            pg_fail(c, STEPPE_ERR_DATA_CORRUPT, "the connection string does not parse: %s", reason);
        c->what = what;
        return st;
    }
    /* The session's settings travel with the connection request (no round
     * trip of their own): the statement timeout; read-only transactions, as
     * steppe only reads (a query that would write fails); UTF-8 text. Added
     * to the DSN's own options. */
    const char *user_options = "";
    for (PQconninfoOption *o = parsed; o->keyword; o++) {
        if (strcmp(o->keyword, "options") == 0 && o->val)
            user_options = st_arena_strdup(c->arena, o->val);
    }
    PQconninfoFree(parsed);
    double timeout = c->spec->timeout > 0 ? c->spec->timeout : ST_PG_DEFAULT_TIMEOUT;
    char *options = st_arena_printf(
        c->arena, "%s%s-c statement_timeout=%.0f -c default_transaction_read_only=on",
        user_options ? user_options : "", user_options && *user_options ? " " : "", timeout * 1000.0);
    if (!options)
        return STEPPE_ERR_NOMEM;
    /* A server that stops answering over TCP (a dead link, not a slow
     * query: that is the statement timeout's) would leave a read waiting
     * for the system's two-hour keepalive: probes after 10 s of silence, and
     * unacknowledged data gives up after the statement timeout plus 30 s.
     * Ignored on Unix sockets. */
    char *user_timeout = st_arena_printf(c->arena, "%.0f", (timeout + 30.0) * 1000.0);
    if (!user_timeout)
        return STEPPE_ERR_NOMEM;
    /* Later entries override earlier ones: the expanded DSN's own
     * connect_timeout and keepalives win over ours, our options and
     * encoding over its. */
    const char *const keys[] = {"connect_timeout",  "fallback_application_name",
                                "keepalives_idle",  "keepalives_interval",
                                "keepalives_count", "tcp_user_timeout",
                                "dbname",           "options",
                                "client_encoding",  NULL};
    const char *const vals[] = {ST_PG_CONNECT_TIMEOUT,         "steppe", "10",   "5", "3", user_timeout,
                                st_dsn_conninfo(c->spec->dsn), options,  "UTF8", NULL};
    c->conn = PQconnectdbParams(keys, vals, 1);
    if (!c->conn)
        return STEPPE_ERR_NOMEM;
    if (PQstatus(c->conn) != CONNECTION_OK) {
        const char *what = c->what;
        c->what = NULL;
        steppe_status_t st = pg_fail(c, STEPPE_ERR_DATA_OPEN, "cannot connect: %s", PQerrorMessage(c->conn));
        c->what = what;
        return st;
    }
    PQsetNoticeProcessor(c->conn, no_notice, NULL);
    return STEPPE_OK;
}

static void pg_close(pg *c)
{
    if (c->conn)
        PQfinish(c->conn);
    c->conn = NULL;
}

/* ---- the table or query ----------------------------------------------------- */

/* An identifier quoted by libpq, in the arena; NULL with the error set. */
static char *quote_ident(pg *c, const char *name, steppe_status_t *st)
{
    char *q = PQescapeIdentifier(c->conn, name, strlen(name));
    if (!q) {
        *st =
            pg_fail(c, STEPPE_ERR_DATA_OPEN, "cannot quote the name '%s': %s", name, PQerrorMessage(c->conn));
        return NULL;
    }
    char *out = st_arena_strdup(c->arena, q);
    PQfreemem(q);
    if (!out)
        *st = STEPPE_ERR_NOMEM;
    return out;
}

static char field_type(unsigned oid)
{
    switch (oid) {
    case OID_BOOL: return 'L';
    case OID_INT2:
    case OID_INT4:
    case OID_INT8: return 'N';
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC: return 'F';
    case OID_DATE: return 'D';
    default: return 'C';
    }
}

/* A query as written, without the semicolons and blanks that end it (the
 * query becomes a subquery). */
static char *trimmed_sql(pg *c, const char *sql)
{
    size_t n = strlen(sql);
    while (n > 0 && (isspace((unsigned char)sql[n - 1]) || sql[n - 1] == ';'))
        n--;
    return st_arena_strndup(c->arena, sql, n);
}

/* Table mode: the table exists (the search path decides an unqualified
 * name); sets shape->from, schema, table and order. */
/* The table named $1 (NULLs when there is none): its schema and name as
 * the server spells them, its primary key when that is one column, and the
 * type OIDs of geometry and geography (NULL without PostGIS). */
static const char FIND_TABLE_SQL[] =
    "SELECT n.nspname, c.relname, "
    "(SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
    "AND a.attnum = i.indkey[0] WHERE i.indrelid = c.oid AND i.indisprimary "
    "AND i.indnatts = 1), to_regtype('geometry')::oid, to_regtype('geography')::oid "
    "FROM (SELECT to_regclass($1) AS oid) r "
    "LEFT JOIN pg_class c ON c.oid = r.oid LEFT JOIN pg_namespace n ON n.oid = c.relnamespace";

/* Every geometry and geography column (steppe info), each with its
 * table's row estimate and " geography" for the second kind. */
static const char LIST_TABLES_SQL[] =
    "SELECT g.s, g.t, g.col, g.type, g.srid, (SELECT GREATEST(c.reltuples, 0)::bigint "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = g.s AND c.relname = g.t), g.kind "
    "FROM (SELECT f_table_schema AS s, f_table_name AS t, f_geometry_column AS col, type, srid, "
    "'' AS kind FROM geometry_columns UNION ALL "
    "SELECT f_table_schema, f_table_name, f_geography_column, type, srid, ' geography' "
    "FROM geography_columns) g ORDER BY 1, 2, 3";

static steppe_status_t find_table(pg *c, pg_shape *shape)
{
    steppe_status_t st = STEPPE_OK;
    const char *name = c->spec->table;
    const char *dot = strchr(name, '.');
    char *qname;
    if (dot) {
        char *schema = st_arena_strndup(c->arena, name, (size_t)(dot - name));
        char *qs = schema ? quote_ident(c, schema, &st) : NULL;
        char *qt = qs ? quote_ident(c, dot + 1, &st) : NULL;
        if (!qt)
            return st ? st : STEPPE_ERR_NOMEM;
        qname = st_arena_printf(c->arena, "%s.%s", qs, qt);
    } else {
        qname = quote_ident(c, name, &st);
    }
    if (!qname)
        return st ? st : STEPPE_ERR_NOMEM;
    PGresult *res = run(c, FIND_TABLE_SQL, 1, qname, NULL, 0, &st);
    if (!res)
        return st;
    if (PQntuples(res) == 1)
        take_type_oids(c, res, 3);
    if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
        PQclear(res);
        return pg_fail(c, STEPPE_ERR_DATA_OPEN,
                       "no such table (steppe info CONNECTION lists the geometry tables)");
    }
    shape->schema = st_arena_strdup(c->arena, PQgetvalue(res, 0, 0));
    shape->table = st_arena_strdup(c->arena, PQgetvalue(res, 0, 1));
    if (!PQgetisnull(res, 0, 2))
        shape->order = st_arena_strdup(c->arena, PQgetvalue(res, 0, 2));
    PQclear(res);
    if (!shape->schema || !shape->table)
        return STEPPE_ERR_NOMEM;
    char *qs = quote_ident(c, shape->schema, &st);
    char *qt = qs ? quote_ident(c, shape->table, &st) : NULL;
    if (!qt)
        return st ? st : STEPPE_ERR_NOMEM;
    shape->from = st_arena_printf(c->arena, "%s.%s", qs, qt);
    if (shape->order) {
        shape->order = quote_ident(c, shape->order, &st);
        if (!shape->order)
            return st ? st : STEPPE_ERR_NOMEM;
    }
    return shape->from ? STEPPE_OK : STEPPE_ERR_NOMEM;
}

/* The columns of the table or query (a LIMIT 0 of it): the geometry column
 * (spec->geometry, or the only column of type geometry) and the others. */
static steppe_status_t find_columns(pg *c, pg_shape *shape)
{
    steppe_status_t st = STEPPE_OK;
    if (!c->geometry_oid && !find_postgis(c))
        return PQstatus(c->conn) == CONNECTION_BAD
                   ? result_fail(c, NULL, 0)
                   : pg_fail(c, STEPPE_ERR_DATA_OPEN, "PostGIS is not installed in this database");
    /* Described, not run: a slow query costs nothing here, and the
     * server's error positions refer to the query as written. */
    const char *sql = c->spec->sql ? trimmed_sql(c, c->spec->sql)
                                   : st_arena_printf(c->arena, "SELECT * FROM %s", shape->from);
    if (!sql)
        return STEPPE_ERR_NOMEM;
    PGresult *res = PQprepare(c->conn, "", sql, 0, NULL);
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        c->user_sql = c->spec->sql ? sql : NULL;
        st = result_fail(c, res, 0);
        c->user_sql = NULL;
        PQclear(res);
        return st;
    }
    PQclear(res);
    res = PQdescribePrepared(c->conn, "");
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        st = result_fail(c, res, 0);
        PQclear(res);
        return st;
    }
    int nf = PQnfields(res);
    shape->names = st_arena_calloc(c->arena, (size_t)nf + 1, sizeof *shape->names);
    shape->types = st_arena_calloc(c->arena, (size_t)nf + 1, 1);
    shape->oids = st_arena_calloc(c->arena, (size_t)nf + 1, sizeof *shape->oids);
    if (!shape->names || !shape->types || !shape->oids) {
        PQclear(res);
        return STEPPE_ERR_NOMEM;
    }
    shape->typmod = -1;
    char geoms[256] = "";
    size_t glen = 0;
    int ngeom = 0;
    for (int i = 0; i < nf; i++) {
        const char *name = PQfname(res, i);
        unsigned oid = (unsigned)PQftype(res, i);
        bool is_geom = oid == c->geometry_oid || (c->geography_oid && oid == c->geography_oid);
        if (is_geom) {
            if (ngeom++)
                st_strbuf_put(geoms, sizeof geoms, &glen, ", ", 2);
            st_strbuf_put(geoms, sizeof geoms, &glen, name, strlen(name));
        }
        if (c->spec->geometry ? strcmp(name, c->spec->geometry) == 0 : is_geom && !shape->geom) {
            if (!is_geom) {
                PQclear(res);
                return pg_fail(c, STEPPE_ERR_DATA_OPEN, "column \"%s\" is not of type geometry or geography",
                               c->spec->geometry);
            }
            shape->geom = st_arena_strdup(c->arena, name);
            shape->geography = oid == c->geography_oid;
            shape->typmod = PQfmod(res, i);
            continue;
        }
        if (is_geom)
            continue; /* another geometry column: not an attribute */
        shape->names[shape->ncols] = st_arena_strdup(c->arena, name);
        shape->oids[shape->ncols] = oid;
        shape->types[shape->ncols] = field_type(oid);
        if (!shape->names[shape->ncols]) {
            PQclear(res);
            return STEPPE_ERR_NOMEM;
        }
        shape->ncols++;
    }
    PQclear(res);
    if (!shape->geom && c->spec->geometry)
        return pg_fail(c, STEPPE_ERR_DATA_OPEN, "no column \"%s\" (geometry columns: %s)", c->spec->geometry,
                       ngeom ? geoms : "none");
    if (!shape->geom)
        return pg_fail(c, STEPPE_ERR_DATA_OPEN, "no geometry column");
    if (ngeom > 1 && !c->spec->geometry)
        return pg_fail(c, STEPPE_ERR_DATA_OPEN,
                       "%d geometry columns (%s): name one with the layer's geometry: key", ngeom, geoms);
    return STEPPE_OK;
}

/* The SRID of the geometry column: the one its type declares
 * (geometry(MultiPolygon, 4326), as shp2pgsql and AddGeometryColumn make
 * it; the type modifier came with the description of the rows), else that
 * of its first geometry. Not geometry_columns: that view costs 10-25 ms a
 * look-up, more than the rest of opening a table. */
static steppe_status_t find_srid(pg *c, pg_shape *shape)
{
    steppe_status_t st = STEPPE_OK;
    shape->srid = -1;
    if (shape->typmod >= 0) {
        /* A column declared geometry(type, SRID), also through a query:
         * PostGIS keeps the SRID in bits 8-28 of the type modifier, signed
         * (liblwgeom's TYPMOD_GET_SRID()). */
        int32_t mod = shape->typmod;
        int32_t srid = ((mod & 0x0FFFFF00) - (mod & 0x10000000)) >> 8;
        if (srid > 0) {
            shape->srid = (int)srid;
            return STEPPE_OK;
        }
    }
    /* Else the first geometry's: this runs the query until its first row. */
    char *qg = quote_ident(c, shape->geom, &st);
    if (!qg)
        return st ? st : STEPPE_ERR_NOMEM;
    char *sql = st_arena_printf(c->arena, "SELECT ST_SRID(q.%s) FROM %s AS q WHERE q.%s IS NOT NULL LIMIT 1",
                                qg, shape->from, qg);
    if (!sql)
        return STEPPE_ERR_NOMEM;
    PGresult *res = run(c, sql, 0, NULL, NULL, 0, &st);
    if (!res)
        return st;
    if (PQntuples(res) == 1)
        shape->srid = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return STEPPE_OK;
}

/* The CRS of srid as PROJ reads it: EPSG:<code> when spatial_ref_sys says
 * the SRID is EPSG's, else its WKT (srtext), else its PROJ string. */
static steppe_status_t srid_crs(pg *c, int srid, const char **crs)
{
    steppe_status_t st = STEPPE_OK;
    char id[32];
    snprintf(id, sizeof id, "%d", srid);
    PGresult *res =
        run(c, "SELECT auth_name, auth_srid, srtext, proj4text FROM spatial_ref_sys WHERE srid = $1", 1, id,
            NULL, 0, &st);
    if (!res)
        return st;
    if (PQntuples(res) != 1) {
        PQclear(res);
        return pg_fail(c, STEPPE_ERR_DATA_OPEN, "SRID %d is not in spatial_ref_sys (set the layer's crs:)",
                       srid);
    }
    const char *auth = PQgetvalue(res, 0, 0);
    if (strcmp(auth, "EPSG") == 0 && !PQgetisnull(res, 0, 1))
        *crs = st_arena_printf(c->arena, "EPSG:%s", PQgetvalue(res, 0, 1));
    else if (*PQgetvalue(res, 0, 2))
        *crs = st_arena_strdup(c->arena, PQgetvalue(res, 0, 2));
    else
        *crs = st_arena_strdup(c->arena, PQgetvalue(res, 0, 3));
    PQclear(res);
    return *crs ? STEPPE_OK : STEPPE_ERR_NOMEM;
}

static void init(pg *c, steppe_ctx_t *ctx, const st_pg_spec *spec, st_arena *arena)
{
    memset(c, 0, sizeof *c);
    c->ctx = ctx;
    c->spec = spec;
    c->arena = arena;
    c->shown = st_dsn_shown(arena, spec->dsn);
    if (!c->shown)
        c->shown = "postgresql";
    if (spec->table) {
        c->what = st_arena_printf(arena, "table \"%s\"", spec->table);
        if (!c->what)
            c->what = "table";
    } else if (spec->sql) {
        c->what = "query";
    }
}

/* Connects and finds the shape of the rows. */
static steppe_status_t open_rows(pg *c, pg_shape *shape)
{
    memset(shape, 0, sizeof *shape);
    steppe_status_t st = pg_connect(c);
    if (st != STEPPE_OK)
        return st;
    if (c->spec->table) {
        st = find_table(c, shape);
    } else {
        char *sql = trimmed_sql(c, c->spec->sql ? c->spec->sql : "");
        shape->from = sql ? st_arena_printf(c->arena, "(%s)", sql) : NULL;
        st = shape->from ? STEPPE_OK : STEPPE_ERR_NOMEM;
    }
    if (st == STEPPE_OK)
        st = find_columns(c, shape);
    if (st == STEPPE_OK)
        st = find_srid(c, shape);
    return st;
}

/* ---- reading the rows ------------------------------------------------------ */

/* The SELECT of the cursor: every attribute as text, the geometry as it is
 * (its binary form is EWKB), only rows whose box meets bbox, in primary-key
 * order when the table has one (the order a file source would have). */
static char *cursor_sql(pg *c, const pg_shape *shape, const double *bbox, steppe_status_t *st)
{
    size_t cap = 256 + strlen(shape->from);
    for (size_t i = 0; i < shape->ncols; i++)
        cap += 2 * strlen(shape->names[i]) + 16;
    char *qg = quote_ident(c, shape->geom, st);
    if (!qg)
        return NULL;
    cap += 4 * strlen(qg) + 256;
    char *sql = st_arena_alloc(c->arena, cap);
    if (!sql) {
        *st = STEPPE_ERR_NOMEM;
        return NULL;
    }
    size_t len = 0;
    sql[0] = '\0';
    const char *head = "DECLARE steppe_rows NO SCROLL CURSOR FOR SELECT ";
    st_strbuf_put(sql, cap, &len, head, strlen(head));
    for (size_t i = 0; i < shape->ncols; i++) {
        char *q = quote_ident(c, shape->names[i], st);
        if (!q)
            return NULL;
        char *col = st_arena_printf(c->arena, "q.%s::text, ", q);
        if (!col) {
            *st = STEPPE_ERR_NOMEM;
            return NULL;
        }
        st_strbuf_put(sql, cap, &len, col, strlen(col));
    }
    char *tail;
    bool box = bbox && shape->srid >= 0 && isfinite(bbox[0]) && isfinite(bbox[1]) && isfinite(bbox[2]) &&
               isfinite(bbox[3]) && bbox[0] <= bbox[2] && bbox[1] <= bbox[3];
    /* A geography column travels as geometry (the same EWKB), and meets the
     * box as geometry: geography's own && compares geocentric boxes of
     * great-circle edges, which leave out the strips of a lon/lat box along
     * its parallels. So the box is tested on the server without the column's
     * index, a full scan that still sends only the visible rows. */
    const char *cast = shape->geography ? "::geometry" : "";
    if (box) {
        tail = st_arena_printf(
            c->arena, "q.%s%s FROM %s AS q WHERE q.%s%s && ST_MakeEnvelope(%.17g, %.17g, %.17g, %.17g, %d)",
            qg, cast, shape->from, qg, cast, bbox[0], bbox[1], bbox[2], bbox[3], shape->srid);
    } else {
        tail = st_arena_printf(c->arena, "q.%s%s FROM %s AS q", qg, cast, shape->from);
    }
    if (!tail) {
        *st = STEPPE_ERR_NOMEM;
        return NULL;
    }
    st_strbuf_put(sql, cap, &len, tail, strlen(tail));
    if (shape->order) {
        char *order = st_arena_printf(c->arena, " ORDER BY q.%s", shape->order);
        if (!order) {
            *st = STEPPE_ERR_NOMEM;
            return NULL;
        }
        st_strbuf_put(sql, cap, &len, order, strlen(order));
    }
    return sql;
}

typedef struct pg_reader {
    pg *c;
    st_arena *arena; /* the features' */
    const pg_shape *shape;
    const st_read_opts *opts;
    st_featureset *fs;
    st_source_stats *stats;
    st_arena *scratch; /* one batch's decoded geometries, freed after it */
    unsigned warnings;
} pg_reader;

static void row_warning(pg_reader *r, size_t row, const char *why)
{
    r->stats->skipped++;
    if (r->warnings++ < MAX_ROW_WARNINGS)
        st_warn(r->c->ctx, "%s: %s: row %zu: %s, skipped", r->c->shown, r->c->what, row, why);
}

/* Row number row (1-based) of batch res at i: its geometry decoded (the
 * shared WKB decoder, wkb.h), the layer's where and the map's box applied,
 * the geometry and attributes of a row kept copied into the read's arena. */
static steppe_status_t add_row(pg_reader *r, PGresult *res, int i, size_t row)
{
    const pg_shape *shape = r->shape;
    st_featureset *fs = r->fs;
    st_arena *arena = r->arena;
    int gcol = (int)shape->ncols;
    r->stats->records++;
    if (PQgetisnull(res, i, gcol)) {
        r->stats->null_records++;
        return STEPPE_OK;
    }
    const unsigned char *wkb = (const unsigned char *)PQgetvalue(res, i, gcol);
    size_t n = (size_t)PQgetlength(res, i, gcol);
    char why[192];
    st_wkb_geom g;
    st_wkb_status ws = st_wkb_decode(wkb, n, r->scratch, &g, why, sizeof why);
    if (ws == ST_WKB_NOMEM)
        return STEPPE_ERR_NOMEM;
    if (ws != ST_WKB_OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "geometry: %s", why);
        row_warning(r, row, msg);
        return STEPPE_OK;
    }
    if (g.type == ST_GEOM_NONE) {
        r->stats->null_records++; /* an empty geometry: nothing to draw */
        return STEPPE_OK;
    }
    if (fs->type == ST_GEOM_NONE)
        fs->type = g.type;
    if (g.type != fs->type) {
        row_warning(r, row,
                    g.type == ST_GEOM_POINT  ? "a point among other geometries"
                    : g.type == ST_GEOM_LINE ? "a line among other geometries"
                                             : "a polygon among other geometries");
        return STEPPE_OK;
    }
    /* The where first, on the values still in the batch's result: a row
     * it drops costs no copy. */
    const char **attrs = st_arena_calloc(r->scratch, shape->ncols ? shape->ncols : 1, sizeof *attrs);
    if (!attrs)
        return STEPPE_ERR_NOMEM;
    for (size_t k = 0; k < shape->ncols; k++)
        attrs[k] = PQgetisnull(res, i, (int)k) ? "" : PQgetvalue(res, i, (int)k);
    if (r->opts->where) {
        st_feature probe;
        memset(&probe, 0, sizeof probe);
        probe.attrs = attrs;
        if (!st_filter_match(r->opts->where, fs, &probe)) {
            r->stats->filtered++;
            return STEPPE_OK;
        }
    }
    /* Culled by the map's box exactly as a file is (the server's && compares
     * boxes rounded outwards to single precision) and generalised as the
     * Shapefile reader does (driver.h). */
    double bbox[4];
    st_feature *f = NULL;
    steppe_status_t st = st_source_add_geometry(fs, arena, r->opts, r->stats, g.type, g.xy, g.npoints,
                                                g.parts, g.nparts, bbox, &f);
    if (st != STEPPE_OK || !f)
        return st;
    f->record = (uint32_t)(row - 1);
    f->attrs = st_arena_calloc(arena, shape->ncols ? shape->ncols : 1, sizeof *f->attrs);
    if (!f->attrs)
        return STEPPE_ERR_NOMEM;
    for (size_t k = 0; k < shape->ncols; k++) {
        f->attrs[k] = *attrs[k] ? st_arena_strndup(arena, attrs[k], (size_t)PQgetlength(res, i, (int)k)) : "";
        if (!f->attrs[k])
            return STEPPE_ERR_NOMEM;
    }
    return STEPPE_OK;
}

static steppe_status_t read_rows(pg_reader *r, const char *declare)
{
    pg *c = r->c;
    /* One round trip (the simple query protocol takes both); no COMMIT
     * after: closing the connection ends the read-only transaction. */
    char *both = st_arena_printf(r->arena, "BEGIN READ ONLY; %s", declare);
    if (!both)
        return STEPPE_ERR_NOMEM;
    PGresult *begun = PQexec(c->conn, both);
    steppe_status_t st = STEPPE_OK;
    if (!begun || PQresultStatus(begun) != PGRES_COMMAND_OK)
        st = result_fail(c, begun, 0);
    PQclear(begun);
    size_t row = 0;
    char fetch[64];
    snprintf(fetch, sizeof fetch, "FETCH %d FROM steppe_rows", ST_PG_BATCH);
    while (st == STEPPE_OK) {
        PGresult *res = PQexecParams(c->conn, fetch, 0, NULL, NULL, NULL, NULL, 1);
        if (!res || PQresultStatus(res) != PGRES_TUPLES_OK) {
            st = result_fail(c, res, row + 1);
            PQclear(res);
            break;
        }
        int n = PQntuples(res);
        if (PQnfields(res) != (int)r->shape->ncols + 1) {
            PQclear(res);
            st = pg_fail(c, STEPPE_ERR_DATA_OPEN, "the rows changed shape while being read");
            break;
        }
        r->scratch = st_arena_create(0);
        if (!r->scratch)
            st = STEPPE_ERR_NOMEM;
        for (int i = 0; i < n && st == STEPPE_OK; i++)
            st = add_row(r, res, i, ++row);
        st_arena_destroy(r->scratch);
        r->scratch = NULL;
        PQclear(res);
        if (n < ST_PG_BATCH)
            break;
    }
    if (r->warnings > MAX_ROW_WARNINGS)
        st_warn(c->ctx, "%s: %s: %u more rows skipped", c->shown, c->what, r->warnings - MAX_ROW_WARNINGS);
    return st;
}

/* ---- the driver (driver.h) ---------------------------------------------------- */

static steppe_status_t postgis_open(st_source *src, st_arena *arena)
{
    pg *c = calloc(1, sizeof *c);
    if (!c)
        return st_error(src->ctx, STEPPE_ERR_NOMEM, "out of memory");
    src->state = c;
    const st_layer *L = src->layer;
    st_pg_spec spec = {
        .dsn = L->source,
        .table = L->sql ? NULL : L->table,
        .sql = L->sql,
        .geometry = L->geometry_column,
        .timeout = L->timeout,
    };
    init(c, src->ctx, &spec, arena);
    c->own_spec = spec;
    c->spec = &c->own_spec;
    if (!spec.table && !spec.sql) /* a connection named on the command line */
        return pg_fail(c, STEPPE_ERR_USAGE,
                       "name a table: or an sql: query in a style (steppe info %s lists the "
                       "geometry tables)",
                       c->shown);
    return open_rows(c, &c->shape);
}

/* The CRS of the rows: the SRID's, or EPSG:4326 when there is none. */
static steppe_status_t rows_crs(pg *c, const char **crs, int *assumed)
{
    *assumed = 0;
    if (c->shape.srid > 0)
        return srid_crs(c, c->shape.srid, crs);
    *crs = "EPSG:4326";
    *assumed = 1;
    return STEPPE_OK;
}

static steppe_status_t postgis_describe(st_source *src, st_source_desc *desc, st_arena *arena)
{
    (void)arena;
    pg *c = src->state;
    desc->fields = (const char **)c->shape.names;
    desc->field_types = c->shape.types;
    desc->nfields = c->shape.ncols;
    if (src->layer->crs)
        return STEPPE_OK;
    return rows_crs(c, &desc->crs, &desc->crs_assumed);
}

static bool has_name(const char *const *names, const char *name)
{
    for (const char *const *k = names; k && *k; k++) {
        if (strcasecmp(*k, name) == 0)
            return true;
    }
    return false;
}

/* The columns a read fetches, as *shape: those of opts->keep_fields and the
 * where's (a render asks only for what its layers use, so a wide table costs
 * what the map needs), or all of them when there is no list or it names a
 * column the rows lack (a joined or derived field: the message naming a
 * missing field then lists every column). */
static steppe_status_t kept_columns(pg *c, const st_read_opts *opts, pg_shape *shape)
{
    *shape = c->shape;
    const char *const *keep = opts->keep_fields;
    for (const char *const *k = keep; k && *k; k++) {
        if (!has_name((const char *const *)c->shape.names, *k))
            keep = NULL;
    }
    if (!keep)
        return STEPPE_OK;
    size_t n = c->shape.ncols;
    shape->names = st_arena_calloc(c->arena, n + 1, sizeof *shape->names);
    shape->types = st_arena_calloc(c->arena, n + 1, 1);
    shape->oids = st_arena_calloc(c->arena, n + 1, sizeof *shape->oids);
    if (!shape->names || !shape->types || !shape->oids)
        return STEPPE_ERR_NOMEM;
    shape->ncols = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = c->shape.names[i];
        bool used = has_name(keep, name);
        for (size_t k = 0; opts->where && k < opts->where->n && !used; k++)
            used = strcasecmp(opts->where->conds[k].field, name) == 0;
        if (!used)
            continue;
        shape->names[shape->ncols] = c->shape.names[i];
        shape->types[shape->ncols] = c->shape.types[i];
        shape->oids[shape->ncols] = c->shape.oids[i];
        shape->ncols++;
    }
    return STEPPE_OK;
}

static steppe_status_t postgis_read(st_source *src, const st_read_opts *opts, st_arena *arena,
                                    st_featureset *out)
{
    pg *c = src->state;
    st_source_stats local_stats;
    memset(&local_stats, 0, sizeof local_stats);
    st_source_stats *stats = opts->stats ? opts->stats : &local_stats;
    memset(out, 0, sizeof *out);
    pg_shape shape;
    steppe_status_t st = kept_columns(c, opts, &shape);
    if (st != STEPPE_OK)
        return st;
    out->path = c->shown;
    out->fields = (const char **)shape.names;
    out->field_types = shape.types;
    out->nfields = shape.ncols;
    if (opts->crs) {
        out->crs = opts->crs;
    } else {
        st = rows_crs(c, &out->crs, &stats->crs_assumed);
        if (st == STEPPE_OK && c->shape.srid == 0)
            st_warn(c->ctx, "%s: %s: SRID 0 (none), EPSG:4326 assumed (set the layer's crs:)", c->shown,
                    c->what);
    }
    if (st == STEPPE_OK && opts->where)
        st = st_filter_check(c->ctx, opts->where, out);
    char *declare = NULL;
    if (st == STEPPE_OK) {
        /* A bbox needs the SRID: a query of no geometry at all has none. */
        declare = cursor_sql(c, &shape, shape.srid >= 0 ? opts->bbox : NULL, &st);
    }
    if (st == STEPPE_OK && declare) {
        pg_reader r = {.c = c, .arena = arena, .shape = &shape, .opts = opts, .fs = out, .stats = stats};
        st = read_rows(&r, declare);
    }
    return st;
}

static void postgis_close(st_source *src)
{
    pg *c = src->state;
    if (!c)
        return;
    pg_close(c);
    free(c);
    src->state = NULL;
}

ST_DRIVER_DEFINE(postgis, "PostGIS", ST_LAYER_POSTGIS);

/* ---- steppe info -------------------------------------------------------------- */

static const char *type_name(const pg *c, unsigned oid)
{
    if (oid == c->geometry_oid)
        return "geometry";
    if (c->geography_oid && oid == c->geography_oid)
        return "geography";
    switch (field_type(oid)) {
    case 'L': return "logical";
    case 'N': return "integer";
    case 'F': return "number";
    case 'D': return "date";
    default: return "text";
    }
}

static steppe_status_t list_tables(pg *c, FILE *out)
{
    steppe_status_t st = STEPPE_OK;
    if (!find_postgis(c))
        return PQstatus(c->conn) == CONNECTION_BAD
                   ? result_fail(c, NULL, 0)
                   : pg_fail(c, STEPPE_ERR_DATA_OPEN, "PostGIS is not installed in this database");
    PGresult *res = run(c, LIST_TABLES_SQL, 0, NULL, NULL, 0, &st);
    if (!res)
        return st;
    int n = PQntuples(res);
    fprintf(out, "connection: %s\n", c->shown);
    fprintf(out, "geometry tables: %d\n", n);
    for (int i = 0; i < n; i++) {
        const char *schema = PQgetvalue(res, i, 0);
        fprintf(out, "  %s%s%s  column %s  %s%s  SRID %s  ~%s rows\n", strcmp(schema, "public") ? schema : "",
                strcmp(schema, "public") ? "." : "", PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
                PQgetvalue(res, i, 3), PQgetvalue(res, i, 6), PQgetvalue(res, i, 4), PQgetvalue(res, i, 5));
    }
    PQclear(res);
    return STEPPE_OK;
}

steppe_status_t st_pg_info(steppe_ctx_t *ctx, const st_pg_spec *spec, FILE *out)
{
    st_arena *arena = st_arena_create(0);
    if (!arena)
        return STEPPE_ERR_NOMEM;
    pg c;
    init(&c, ctx, spec, arena);
    steppe_status_t st;
    if (!spec->table && !spec->sql) {
        st = pg_connect(&c);
        if (st == STEPPE_OK)
            st = list_tables(&c, out);
        pg_close(&c);
        st_arena_destroy(arena);
        return st;
    }
    pg_shape shape;
    st = open_rows(&c, &shape);
    const char *crs = NULL;
    if (st == STEPPE_OK && shape.srid > 0)
        st = srid_crs(&c, shape.srid, &crs);
    PGresult *res = NULL;
    if (st == STEPPE_OK) {
        char *sql = st_arena_printf(arena, "SELECT count(*) FROM %s AS q", shape.from);
        res = sql ? run(&c, sql, 0, NULL, NULL, 0, &st) : NULL;
        if (!sql)
            st = STEPPE_ERR_NOMEM;
    }
    if (st == STEPPE_OK) {
        fprintf(out, "connection: %s\n", c.shown);
        if (spec->table)
            fprintf(out, "table: %s.%s\n", shape.schema, shape.table);
        else
            fprintf(out, "query: %s\n", spec->sql);
        fprintf(out, "rows: %s\n", PQgetvalue(res, 0, 0));
        fprintf(out, "geometry column: %s%s\n", shape.geom, shape.geography ? " (geography)" : "");
        if (shape.srid >= 0)
            fprintf(out, "SRID: %d\n", shape.srid);
        fprintf(out, "CRS: %s\n", crs ? crs : "EPSG:4326 (assumed: no SRID)");
        fprintf(out, "fields: %zu\n", shape.ncols);
        for (size_t i = 0; i < shape.ncols; i++)
            fprintf(out, "  %-20s %s\n", shape.names[i], type_name(&c, shape.oids[i]));
    }
    PQclear(res);
    pg_close(&c);
    st_arena_destroy(arena);
    return st;
}
