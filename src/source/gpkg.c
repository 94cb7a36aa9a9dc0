/* Source: GeoPackage (OGC 12-128r18) through SQLite.
 *
 * The file is opened read-only (SQLITE_OPEN_READONLY: nothing is ever
 * written beside it). Its feature tables are the rows of gpkg_contents
 * with data_type 'features', joined to gpkg_geometry_columns; a layer
 * reads the one named by `layer:` (else the first), or the rows of an
 * `sql:` query. A geometry is a GeoPackage blob: "GP", version, flags
 * (byte order, envelope kind, empty), srs_id, an envelope, then WKB, which
 * wkb.c decodes. The CRS is the table's row of gpkg_spatial_ref_sys: its
 * EPSG code when the organisation is EPSG, else its WKT definition.
 *
 * With a map's bbox, the table's R-tree (rtree_<table>_<column>, the
 * GeoPackage spatial index extension) narrows the rows read to those whose
 * envelope meets it; each geometry is then culled exactly as the Shapefile
 * reader culls. A blob's envelope, when it has one, culls before the WKB
 * is decoded.
 *
 * Errors name the file, the table and the row id ("PATH: table T, row 12:
 * ..."); SQLite's own ("file is not a database", "database disk image is
 * malformed") become "PATH: not a GeoPackage (...)". */
#include <sqlite3.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "driver.h"
#include "source.h"
#include "wkb.h"

typedef struct gp_table {
    const char *name;
    const char *geom;  /* its geometry column */
    const char *gtype; /* geometry_type_name */
    long long srs_id;
    long long rows; /* -1: not counted */
} gp_table;

typedef struct gp_state {
    sqlite3 *db;
    gp_table *tables;
    size_t ntables;
    const gp_table *table; /* the one read (NULL: an sql: query) */
    const char *crs;       /* NULL: undefined */
    int crs_assumed;
} gp_state;

static steppe_status_t not_gpkg(st_source *src, const char *why)
{
    return st_error(src->ctx, STEPPE_ERR_DATA_CORRUPT, "%s: not a GeoPackage (%s)", src->layer->source, why);
}

/* "a""b" for a in an SQL statement, in the arena. */
static char *quote_ident(st_arena *arena, const char *s)
{
    size_t n = 2;
    for (const char *p = s; *p; p++)
        n += *p == '"' ? 2 : 1;
    char *q = st_arena_alloc(arena, n + 1);
    if (!q)
        return NULL;
    size_t w = 0;
    q[w++] = '"';
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            q[w++] = '"';
        q[w++] = *p;
    }
    q[w++] = '"';
    q[w] = '\0';
    return q;
}

/* The CRS of srs_id: "EPSG:n", else the WKT definition, else NULL. */
static steppe_status_t srs_crs(st_source *src, gp_state *s, st_arena *arena, long long srs_id)
{
    s->crs = NULL;
    s->crs_assumed = 1;
    if (srs_id == 0 || srs_id == -1)
        return STEPPE_OK; /* undefined geographic / Cartesian */
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(
        s->db,
        "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys "
        "WHERE srs_id = ?",
        -1, &q, NULL);
    if (rc != SQLITE_OK)
        return not_gpkg(src, sqlite3_errmsg(s->db));
    sqlite3_bind_int64(q, 1, srs_id);
    rc = sqlite3_step(q);
    steppe_status_t st = STEPPE_OK;
    if (rc == SQLITE_ROW) {
        const char *org = (const char *)sqlite3_column_text(q, 0);
        long long code = sqlite3_column_int64(q, 1);
        const char *def = (const char *)sqlite3_column_text(q, 2);
        if (org && strcasecmp(org, "EPSG") == 0 && code > 0)
            s->crs = st_arena_printf(arena, "EPSG:%lld", code);
        else if (def && *def && strcasecmp(def, "undefined") != 0)
            s->crs = st_arena_strdup(arena, def);
        if ((org && code > 0) || (def && *def)) {
            if (!s->crs)
                st = STEPPE_ERR_NOMEM;
            s->crs_assumed = 0;
        }
    } else if (rc == SQLITE_DONE) {
        st = st_error(src->ctx, STEPPE_ERR_DATA_CORRUPT, "%s: srs_id %lld is not in gpkg_spatial_ref_sys",
                      src->layer->source, srs_id);
    } else {
        st = not_gpkg(src, sqlite3_errmsg(s->db));
    }
    sqlite3_finalize(q);
    if (st == STEPPE_ERR_NOMEM)
        return st_error(src->ctx, st, "%s: out of memory", src->layer->source);
    return st;
}

static steppe_status_t list_tables(st_source *src, gp_state *s, st_arena *arena)
{
    sqlite3_stmt *q = NULL;
    int rc =
        sqlite3_prepare_v2(s->db,
                           "SELECT c.table_name, g.column_name, g.geometry_type_name, g.srs_id "
                           "FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
                           "WHERE c.data_type = 'features' ORDER BY c.rowid",
                           -1, &q, NULL);
    if (rc != SQLITE_OK) {
        const char *msg = sqlite3_errmsg(s->db);
        if (strstr(msg, "no such table"))
            return not_gpkg(src, "no gpkg_contents or gpkg_geometry_columns table");
        return not_gpkg(src, msg);
    }
    size_t cap = 0;
    steppe_status_t st = STEPPE_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (s->ntables == cap) {
            size_t c = cap ? 2 * cap : 8;
            gp_table *t = st_arena_calloc(arena, c, sizeof *t);
            if (!t) {
                st = st_error(src->ctx, STEPPE_ERR_NOMEM, "%s: out of memory", src->layer->source);
                break;
            }
            if (s->ntables)
                memcpy(t, s->tables, s->ntables * sizeof *t);
            s->tables = t;
            cap = c;
        }
        gp_table *t = &s->tables[s->ntables];
        t->name = st_arena_strdup(arena, (const char *)sqlite3_column_text(q, 0));
        t->geom = st_arena_strdup(arena, (const char *)sqlite3_column_text(q, 1));
        const char *gt = (const char *)sqlite3_column_text(q, 2);
        t->gtype = st_arena_strdup(arena, gt ? gt : "GEOMETRY");
        t->srs_id = sqlite3_column_int64(q, 3);
        t->rows = -1;
        if (!t->name || !t->geom || !t->gtype) {
            st = st_error(src->ctx, STEPPE_ERR_NOMEM, "%s: out of memory", src->layer->source);
            break;
        }
        s->ntables++;
    }
    if (st == STEPPE_OK && rc != SQLITE_DONE)
        st = not_gpkg(src, sqlite3_errmsg(s->db));
    sqlite3_finalize(q);
    return st;
}

/* SQLite's integrity check, on request (it reads the whole file): the
 * first problem it names. */
static steppe_status_t integrity(st_source *src, gp_state *s)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check(1)", -1, &q, NULL) != SQLITE_OK)
        return not_gpkg(src, sqlite3_errmsg(s->db));
    steppe_status_t st = STEPPE_OK;
    int rc = sqlite3_step(q);
    const char *msg = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : NULL;
    if (rc != SQLITE_ROW)
        st = st_error(src->ctx, STEPPE_ERR_DATA_CORRUPT, "%s: corrupt GeoPackage: %s", src->layer->source,
                      sqlite3_errmsg(s->db));
    else if (!msg || strcmp(msg, "ok") != 0) {
        /* One line: SQLite's answer has a header line of its own. */
        char line[512];
        const char *m = msg ? msg : "(no answer)";
        if (strncmp(m, "*** in database main ***\n", 25) == 0)
            m += 25;
        snprintf(line, sizeof line, "%s", m);
        for (char *c = line; *c; c++) {
            if (*c == '\n' || *c == '\r')
                *c = ' ';
        }
        st = st_error(src->ctx, STEPPE_ERR_DATA_CORRUPT, "%s: corrupt GeoPackage: integrity check: %s",
                      src->layer->source, line);
    }
    sqlite3_finalize(q);
    return st;
}

static steppe_status_t gpkg_open(st_source *src, st_arena *arena)
{
    const st_layer *L = src->layer;
    gp_state *s = calloc(1, sizeof *s);
    if (!s)
        return st_error(src->ctx, STEPPE_ERR_NOMEM, "%s: out of memory", L->source);
    src->state = s;
    /* A regular file first: SQLite would open a FIFO and block. */
    const char *why = NULL;
    FILE *probe = st_source_fopen(L->source, &why);
    if (!probe)
        return st_error(src->ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", L->source, why);
    char head[16] = {0};
    size_t got = fread(head, 1, sizeof head, probe);
    fclose(probe);
    if (got < 16 || memcmp(head, "SQLite format 3", 16) != 0)
        return not_gpkg(src, "not an SQLite database");
    int rc = sqlite3_open_v2(L->source, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return st_error(src->ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", L->source,
                        s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    steppe_status_t st = L->integrity_check ? integrity(src, s) : STEPPE_OK;
    if (st != STEPPE_OK)
        return st;
    st = list_tables(src, s, arena);
    if (st != STEPPE_OK)
        return st;
    if (L->sql) {
        s->table = NULL;
        /* The CRS of the query's geometry: the first table's, refined
         * from the statement's column when it is read. */
        return s->ntables ? srs_crs(src, s, arena, s->tables[0].srs_id) : STEPPE_OK;
    }
    if (s->ntables == 0)
        return st_error(src->ctx, STEPPE_ERR_DATA_UNSUPPORTED, "%s: the GeoPackage has no feature table",
                        L->source);
    if (L->table) {
        for (size_t i = 0; i < s->ntables && !s->table; i++) {
            if (strcmp(s->tables[i].name, L->table) == 0)
                s->table = &s->tables[i];
        }
        if (!s->table) {
            char list[512] = "";
            size_t w = 0;
            for (size_t i = 0; i < s->ntables && w < sizeof list; i++)
                w += (size_t)snprintf(list + w, sizeof list - w, "%s%s", i ? ", " : "", s->tables[i].name);
            return st_error(src->ctx, STEPPE_ERR_DATA_OPEN, "%s: no feature table '%s' (tables: %s)",
                            L->source, L->table, list);
        }
    } else {
        s->table = &s->tables[0];
    }
    return srs_crs(src, s, arena, s->table->srs_id);
}

static void gpkg_close(st_source *src)
{
    gp_state *s = src->state;
    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
    src->state = NULL;
}

static steppe_status_t gpkg_describe(st_source *src, st_source_desc *desc, st_arena *arena)
{
    gp_state *s = src->state;
    desc->crs = s->crs;
    desc->crs_assumed = s->crs_assumed;
    desc->nlayers = s->ntables;
    desc->layers = st_arena_calloc(arena, s->ntables ? s->ntables : 1, sizeof *desc->layers);
    desc->layer_types = st_arena_calloc(arena, s->ntables ? s->ntables : 1, sizeof *desc->layer_types);
    desc->layer_rows = st_arena_calloc(arena, s->ntables ? s->ntables : 1, sizeof *desc->layer_rows);
    if (!desc->layers || !desc->layer_types || !desc->layer_rows)
        return st_error(src->ctx, STEPPE_ERR_NOMEM, "%s: out of memory", src->layer->source);
    for (size_t i = 0; i < s->ntables; i++) {
        gp_table *t = &s->tables[i];
        desc->layers[i] = t->name;
        desc->layer_types[i] = t->gtype;
        desc->layer_rows[i] = -1;
        char *qt = quote_ident(arena, t->name);
        char *sql = qt ? st_arena_printf(arena, "SELECT count(*) FROM %s", qt) : NULL;
        sqlite3_stmt *q = NULL;
        if (sql && sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
            desc->layer_rows[i] = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    desc->layer = s->table ? s->table->name : "(sql)";
    return STEPPE_OK;
}

/* ---- reading ----------------------------------------------------------------- */

/* Whether decl holds word, in any case. */
static int has_word(const char *decl, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = decl; *p; p++) {
        if (strncasecmp(p, word, n) == 0)
            return 1;
    }
    return 0;
}

static char decl_type(const char *decl)
{
    if (!decl)
        return 'C';
    if (has_word(decl, "INT"))
        return 'N';
    if (has_word(decl, "REAL") || has_word(decl, "FLOA") || has_word(decl, "DOUB"))
        return 'F';
    if (has_word(decl, "BOOL"))
        return 'L';
    if (has_word(decl, "DATE"))
        return 'D';
    return 'C';
}

static int is_geometry_decl(const char *decl)
{
    static const char *const names[] = {
        "GEOMETRY",     "POINT",           "LINESTRING",   "POLYGON",
        "MULTIPOINT",   "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION",
        "CURVEPOLYGON", "MULTISURFACE",    "MULTICURVE"};
    for (size_t i = 0; decl && i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(decl, names[i]) == 0)
            return 1;
    }
    return 0;
}

/* A column value as text, in the arena (invalid UTF-8 replaced). */
static const char *value_text(st_arena *arena, sqlite3_stmt *q, int c, size_t *bad)
{
    switch (sqlite3_column_type(q, c)) {
    case SQLITE_NULL: return "";
    case SQLITE_INTEGER: return st_arena_printf(arena, "%lld", (long long)sqlite3_column_int64(q, c));
    case SQLITE_FLOAT: {
        double v = sqlite3_column_double(q, c);
        char buf[40];
        snprintf(buf, sizeof buf, "%.15g", v);
        if (strtod(buf, NULL) != v)
            snprintf(buf, sizeof buf, "%.17g", v);
        return st_arena_strdup(arena, buf);
    }
    case SQLITE_BLOB: return "";
    default: break;
    }
    const unsigned char *t = sqlite3_column_text(q, c);
    size_t n = (size_t)sqlite3_column_bytes(q, c);
    if (!t)
        return "";
    char *out = st_arena_alloc(arena, 3 * n + 1);
    if (!out)
        return NULL;
    size_t w = 0;
    for (size_t i = 0; i < n;) {
        size_t l = st_utf8_seq(t + i, n - i);
        if (l == 0 || t[i] == 0) {
            memcpy(out + w, "\xEF\xBF\xBD", 3);
            w += 3;
            i++;
            (*bad)++;
            continue;
        }
        memcpy(out + w, t + i, l);
        w += l;
        i += l;
    }
    out[w] = '\0';
    return out;
}

typedef struct gp_blob {
    int empty;
    int has_env;
    double env[4]; /* xmin ymin xmax ymax */
    const unsigned char *wkb;
    size_t wkb_len;
    int32_t srs_id;
} gp_blob;

/* The GeoPackage header of blob (n bytes); NULL on success, else why. */
static const char *blob_header(const unsigned char *b, size_t n, gp_blob *out)
{
    memset(out, 0, sizeof *out);
    if (n < 8)
        return "blob shorter than the 8-byte GeoPackage header";
    if (b[0] != 'G' || b[1] != 'P')
        return "blob does not start with the GeoPackage magic 'GP'";
    if (b[2] != 0)
        return "unknown GeoPackage blob version";
    unsigned flags = b[3];
    if (flags & 0x20)
        return "an extended GeoPackage geometry (not supported)";
    int le = flags & 1;
    unsigned env = (flags >> 1) & 7;
    static const size_t env_len[] = {0, 32, 48, 48, 64};
    if (env > 4)
        return "invalid envelope indicator";
    uint32_t srs = le ? (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 | (uint32_t)b[7] << 24
                      : (uint32_t)b[7] | (uint32_t)b[6] << 8 | (uint32_t)b[5] << 16 | (uint32_t)b[4] << 24;
    out->srs_id = (int32_t)srs;
    size_t hl = 8 + env_len[env];
    if (n < hl)
        return "blob shorter than its envelope";
    if (env) {
        double v[4];
        for (int i = 0; i < 4; i++) {
            uint64_t u = 0;
            for (int k = 0; k < 8; k++)
                u |= (uint64_t)b[8 + 8 * i + (le ? k : 7 - k)] << (8 * k);
            memcpy(&v[i], &u, sizeof u);
        }
        /* minx, maxx, miny, maxy */
        out->env[0] = v[0];
        out->env[1] = v[2];
        out->env[2] = v[1];
        out->env[3] = v[3];
        out->has_env = !isnan(v[0]) && !isnan(v[1]) && !isnan(v[2]) && !isnan(v[3]);
    }
    out->empty = (flags >> 4) & 1;
    out->wkb = b + hl;
    out->wkb_len = n - hl;
    return NULL;
}

typedef struct gp_read {
    st_source *src;
    gp_state *s;
    const st_read_opts *opts;
    st_arena *arena;
    st_featureset *fs;
    st_source_stats *stats;
    sqlite3_stmt *q;
    int geom_col;
    int id_col; /* the row id, for messages; -1: none */
    int ncols;
    int *field_col;    /* fields -> statement columns */
    const char *where; /* "table T" or "query" for messages */
    size_t bad_bytes;
    size_t mixed;
    int have_bounds;
} gp_read;

static steppe_status_t row_error(gp_read *g, long long row, const char *why)
{
    if (row >= 0)
        return st_error(g->src->ctx, STEPPE_ERR_DATA_CORRUPT, "%s: %s, row %lld: %s", g->src->layer->source,
                        g->where, row, why);
    return st_error(g->src->ctx, STEPPE_ERR_DATA_CORRUPT, "%s: %s: %s", g->src->layer->source, g->where, why);
}

static steppe_status_t read_rows(gp_read *g)
{
    st_arena *scratch = st_arena_create(0);
    if (!scratch)
        return STEPPE_ERR_NOMEM;
    steppe_status_t st = STEPPE_OK;
    size_t record = 0;
    int rc;
    const double *view = g->opts->bbox;
    while ((rc = sqlite3_step(g->q)) == SQLITE_ROW) {
        long long row = g->id_col >= 0 ? sqlite3_column_int64(g->q, g->id_col) : (long long)record + 1;
        size_t rec = record++;
        g->stats->records++;
        if (sqlite3_column_type(g->q, g->geom_col) == SQLITE_NULL) {
            g->stats->null_records++;
            continue;
        }
        const unsigned char *b = sqlite3_column_blob(g->q, g->geom_col);
        size_t n = (size_t)sqlite3_column_bytes(g->q, g->geom_col);
        gp_blob blob;
        const char *why = blob_header(b, n, &blob);
        if (why) {
            st = row_error(g, row, why);
            break;
        }
        if (blob.empty) {
            g->stats->null_records++;
            continue;
        }
        if (view && blob.has_env &&
            (blob.env[2] < view[0] || blob.env[0] > view[2] || blob.env[3] < view[1] ||
             blob.env[1] > view[3])) {
            g->stats->culled++;
            continue;
        }
        if (st_arena_used(scratch) > ((size_t)16 << 20)) {
            st_arena_destroy(scratch);
            scratch = st_arena_create(0);
            if (!scratch)
                return STEPPE_ERR_NOMEM;
        }
        st_wkb_geom geom;
        char reason[256];
        st_wkb_status ws = st_wkb_decode(blob.wkb, blob.wkb_len, scratch, &geom, reason, sizeof reason);
        if (ws == ST_WKB_NOMEM) {
            st = STEPPE_ERR_NOMEM;
            break;
        }
        if (ws == ST_WKB_BAD) {
            char msg[320];
            snprintf(msg, sizeof msg, "bad WKB geometry: %s", reason);
            st = row_error(g, row, msg);
            break;
        }
        if (geom.type == ST_GEOM_NONE) {
            g->stats->null_records++;
            continue;
        }
        if (g->fs->type == ST_GEOM_NONE)
            g->fs->type = geom.type;
        if (geom.type != g->fs->type) {
            g->mixed++;
            g->stats->skipped++;
            continue;
        }
        double bb[4];
        st_feature *f = NULL;
        st = st_source_add_geometry(g->fs, g->arena, g->opts, g->stats, geom.type, geom.xy, geom.npoints,
                                    geom.parts, geom.nparts, bb, &f);
        if (st != STEPPE_OK)
            break;
        if (!g->have_bounds) {
            memcpy(g->stats->bounds, bb, sizeof bb);
            g->have_bounds = 1;
        } else {
            g->stats->bounds[0] = st_min(g->stats->bounds[0], bb[0]);
            g->stats->bounds[1] = st_min(g->stats->bounds[1], bb[1]);
            g->stats->bounds[2] = st_max(g->stats->bounds[2], bb[2]);
            g->stats->bounds[3] = st_max(g->stats->bounds[3], bb[3]);
        }
        if (!f)
            continue;
        f->record = (uint32_t)rec;
        const char **attrs = st_arena_calloc(g->arena, g->fs->nfields ? g->fs->nfields : 1, sizeof *attrs);
        if (!attrs) {
            st = STEPPE_ERR_NOMEM;
            break;
        }
        for (size_t k = 0; k < g->fs->nfields; k++) {
            attrs[k] = value_text(g->arena, g->q, g->field_col[k], &g->bad_bytes);
            if (!attrs[k]) {
                st = STEPPE_ERR_NOMEM;
                break;
            }
        }
        f->attrs = attrs;
        if (st != STEPPE_OK)
            break;
    }
    if (st == STEPPE_OK && rc != SQLITE_DONE)
        st = row_error(g, -1, sqlite3_errmsg(g->s->db));
    st_arena_destroy(scratch);
    return st;
}

/* Whether the table has its R-tree (and SQLite can read it). */
static int has_rtree(gp_state *s, st_arena *arena, const gp_table *t, char **name)
{
    char *n = st_arena_printf(arena, "rtree_%s_%s", t->name, t->geom);
    if (!n)
        return 0;
    sqlite3_stmt *q = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1, &q,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, n, -1, SQLITE_STATIC);
        found = sqlite3_step(q) == SQLITE_ROW;
    }
    sqlite3_finalize(q);
    *name = n;
    return found;
}

static steppe_status_t gpkg_read(st_source *src, const st_read_opts *opts, st_arena *arena,
                                 st_featureset *out)
{
    gp_state *s = src->state;
    const st_layer *L = src->layer;
    st_source_stats local = {0};
    st_featureset fs = {0};
    gp_read g = {.src = src, .s = s, .opts = opts, .arena = arena, .fs = &fs, .id_col = -1};
    g.stats = opts->stats ? opts->stats : &local;
    memset(g.stats, 0, sizeof *g.stats);
    steppe_status_t st = STEPPE_OK;
    fs.path = st_arena_strdup(arena, L->source);
    char *sql = NULL;
    int use_rtree = 0;
    if (s->table) {
        g.where = st_arena_printf(arena, "table %s", s->table->name);
        char *qt = quote_ident(arena, s->table->name);
        char *rt = NULL;
        use_rtree = opts->bbox && has_rtree(s, arena, s->table, &rt);
        char *qr = rt ? quote_ident(arena, rt) : NULL;
        if (!qt || (use_rtree && !qr)) {
            st = STEPPE_ERR_NOMEM;
            goto out;
        }
        /* The rowid first (messages name it), then every column. */
        sql = use_rtree
                  ? st_arena_printf(arena,
                                    "SELECT rowid, * FROM %s WHERE rowid IN (SELECT id FROM %s WHERE "
                                    "minx <= ?3 AND maxx >= ?1 AND miny <= ?4 AND maxy >= ?2) ORDER BY rowid",
                                    qt, qr)
                  : st_arena_printf(arena, "SELECT rowid, * FROM %s ORDER BY rowid", qt);
    } else {
        g.where = "query";
        sql = (char *)L->sql;
    }
    if (!sql || !g.where) {
        st = STEPPE_ERR_NOMEM;
        goto out;
    }
    if (sqlite3_prepare_v2(s->db, sql, -1, &g.q, NULL) != SQLITE_OK) {
        st = s->table
                 ? not_gpkg(src, sqlite3_errmsg(s->db))
                 : st_error(src->ctx, STEPPE_ERR_DATA_OPEN, "%s: sql: %s", L->source, sqlite3_errmsg(s->db));
        goto out;
    }
    if (use_rtree) {
        /* The R-tree holds 32-bit floats rounded outwards: a superset. */
        for (int i = 0; i < 4; i++)
            sqlite3_bind_double(g.q, i + 1, opts->bbox[i]);
    }
    g.ncols = sqlite3_column_count(g.q);
    g.geom_col = -1;
    int first = s->table ? 1 : 0; /* rowid */
    if (s->table)
        g.id_col = 0;
    for (int c = first; c < g.ncols && g.geom_col < 0; c++) {
        const char *name = sqlite3_column_name(g.q, c);
        if (s->table ? strcasecmp(name, s->table->geom) == 0
                     : is_geometry_decl(sqlite3_column_decltype(g.q, c)))
            g.geom_col = c;
        for (size_t t = 0; !s->table && g.geom_col < 0 && t < s->ntables; t++) {
            if (strcasecmp(name, s->tables[t].geom) == 0)
                g.geom_col = c;
        }
    }
    if (g.geom_col < 0) {
        st = s->table
                 ? not_gpkg(src, "the geometry column of gpkg_geometry_columns is missing")
                 : st_error(src->ctx, STEPPE_ERR_DATA_OPEN,
                            "%s: sql: the query has no geometry column (select a feature table's geometry "
                            "column by its name)",
                            L->source);
        goto out;
    }
    g.field_col = st_arena_calloc(arena, (size_t)g.ncols, sizeof *g.field_col);
    fs.fields = st_arena_calloc(arena, (size_t)g.ncols, sizeof *fs.fields);
    fs.field_types = st_arena_calloc(arena, (size_t)g.ncols, 1);
    if (!g.field_col || !fs.fields || !fs.field_types) {
        st = STEPPE_ERR_NOMEM;
        goto out;
    }
    for (int c = first; c < g.ncols; c++) {
        if (c == g.geom_col)
            continue;
        const char *name = sqlite3_column_name(g.q, c);
        /* The table's own integer key is the rowid again: kept as a
         * field (it is the feature id), once. */
        fs.fields[fs.nfields] = st_arena_strdup(arena, name ? name : "?");
        fs.field_types[fs.nfields] = decl_type(sqlite3_column_decltype(g.q, c));
        g.field_col[fs.nfields++] = c;
    }
    if (!s->table) {
        /* The query's geometry column: its table's CRS, when SQLite
         * knows which table it comes from. */
        const char *tn = NULL;
#ifdef SQLITE_ENABLE_COLUMN_METADATA
        tn = sqlite3_column_table_name(g.q, g.geom_col);
#endif
        for (size_t t = 0; tn && t < s->ntables; t++) {
            if (strcmp(tn, s->tables[t].name) == 0) {
                st = srs_crs(src, s, arena, s->tables[t].srs_id);
                if (st != STEPPE_OK)
                    goto out;
            }
        }
    }
    st = st_filter_check(src->ctx, opts->where, &fs);
    if (st != STEPPE_OK)
        goto out;
    st = read_rows(&g);
    if (st != STEPPE_OK)
        goto out;
    g.stats->filtered += st_featureset_filter(&fs, opts->where);
    if (!opts->quiet) {
        if (g.mixed)
            st_warn(src->ctx, "%s: %s: %zu features of another geometry type than the first skipped",
                    L->source, g.where, g.mixed);
        if (g.bad_bytes)
            st_warn(src->ctx, "%s: %s: text not valid UTF-8; %zu bytes replaced with U+FFFD", L->source,
                    g.where, g.bad_bytes);
        if (s->table && !L->table && s->ntables > 1)
            st_warn(src->ctx, "%s: %zu feature tables; reading '%s' (choose one with layer:)", L->source,
                    s->ntables, s->table->name);
    }
    fs.crs = opts->crs ? opts->crs : s->crs ? s->crs : "EPSG:4326";
    g.stats->crs_assumed = !opts->crs && s->crs_assumed;
    if (!st_source_stats_fields(g.stats, arena, fs.nfields)) {
        st = STEPPE_ERR_NOMEM;
        goto out;
    }
    *out = fs;
out:
    if (st == STEPPE_ERR_NOMEM)
        st_error(src->ctx, st, "%s: out of memory", L->source);
    sqlite3_finalize(g.q);
    return st;
}

ST_DRIVER_DEFINE(gpkg, "GeoPackage", ST_LAYER_GPKG);
