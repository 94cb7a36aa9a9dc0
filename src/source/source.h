/* Private: sources — reading Shapefiles and CSV point tables into features.
 *
 * Readers validate everything they read: counts and offsets are checked
 * against the file size before anything is allocated from them. A bad
 * record is skipped with a warning naming the file and record number; a file
 * that cannot be read at all fails the read. */
#ifndef ST_SOURCE_H
#define ST_SOURCE_H

#include <stdio.h>

#include "ctx.h"
#include "features.h"

/* What a read saw, for `steppe info` and the render report. Filled when
 * st_read_opts.stats is set; arrays and strings live in the read's arena. */
typedef struct st_source_stats {
    int shape_type;            /* shapelib SHPT_* of the file; 0 for CSV */
    size_t records;            /* records considered (the least of .shx, .shp and .dbf) */
    size_t null_records;       /* null shapes, skipped silently */
    size_t skipped;            /* records skipped with a warning (unreadable, invalid) */
    size_t culled;             /* records outside bbox, skipped unread */
    size_t filtered;           /* records rejected by where */
    size_t deleted;            /* rows marked deleted in the .dbf, skipped */
    double bounds[4];          /* xmin, ymin, xmax, ymax as the file header states them */
    const char *encoding;      /* iconv name the attributes were read as; NULL: no .dbf */
    const char *encoding_from; /* "from .cpg", "from the layer", "from the .dbf language driver", "default" */
    int *field_width;          /* nfields widths from the .dbf (CSV: 0) */
    int *field_decimals;       /* nfields decimal counts */
    int crs_assumed;           /* 1: no .prj and no crs, EPSG:4326 assumed */
    size_t record_problems;    /* records and rings skipped or repaired, rows unreadable,
                                  bytes not valid text: each warned about (or, in a quiet
                                  read, would have been); 0 for CSV */
} st_source_stats;

/* Makes stats' per-field arrays (field_width, field_decimals) for nfields
 * fields, zeroed, from arena. False when out of memory. */
bool st_source_stats_fields(st_source_stats *stats, st_arena *arena, size_t nfields);

/* The longitude tolerance that moves a point as little as tol degrees of
 * latitude do, for a feature between latitudes lat0 and lat1: a degree of
 * longitude is cos(latitude) of a degree of latitude, so tol / cos at the
 * latitude nearest the equator, where that is least. */
double st_lon_tolerance(double tol, double lat0, double lat1);

/* The Shapefile reader's generalisation of one part, for the other drivers,
 * so that the same data reads the same from any format: the n points at xy
 * (a closed ring when ring) into dst, which holds n + 2 points (at least
 * 6); tx and ty are the tolerances in x and y (tx = st_lon_tolerance() of
 * ty for the feature's latitudes; 0: copied unchanged). A ring keeps at
 * least 4 points: one that would fall below becomes its bounding rectangle.
 * Returns the points written (0: out of memory, big-endian hosts only). */
size_t st_source_simplify_part(const double *xy, size_t n, int ring, double tx, double ty, double *dst);

typedef struct st_read_opts {
    const st_filter *where; /* NULL: every feature */
    const double *bbox;     /* NULL, or xmin,ymin,xmax,ymax in the source CRS:
                               records whose bbox misses it are skipped unread */
    double simplify;        /* >0: drop vertices closer than this to the last
                               kept one, in degrees of latitude (only geographic
                               sources are simplified); in longitude the
                               tolerance is st_lon_tolerance(). Ring closure and
                               >= 4 points per ring are preserved */
    const char *crs;        /* the layer's crs: overrides .prj */
    const char *encoding;   /* overrides .cpg / code page */
    st_loc loc;             /* where the layer's source was written, for messages */
    st_source_stats *stats; /* NULL, or receives what the read saw */
    int quiet;              /* 1: no warnings, for a read that another read of the
                               same file follows (the quick look's extent); errors
                               are recorded as always. Shapefiles only. */
    /* CSV: NULL keeps every column; else a NULL-terminated list of the
     * columns the caller uses (labels, classes, ...): only these, the
     * coordinate columns and the where's columns are kept, so a wide table
     * costs what the style reads. */
    const char *const *keep_fields;
    /* Shapefiles: with batch set, the read streams. Every batch_records
     * features read (batch_bytes below; and the last ones) are handed to batch(batch_user,
     * fs), then dropped and batch_arena reset: the features, their
     * coordinates and whatever the callback allocates there live only
     * until it returns, so memory is bounded by a batch, not the file.
     * The read's out then holds the fields, CRS and source_vertices but
     * no features. A status other than STEPPE_OK from batch stops the
     * read and is returned (its error already recorded). */
    size_t batch_records;
    size_t batch_bytes; /* ... or once batch_arena holds this many bytes (0: no bound) */
    steppe_status_t (*batch)(void *user, st_featureset *fs);
    void *batch_user;
    st_arena *batch_arena;
    /* Shapefiles: the features get no attributes (attrs NULL), for a
     * caller that only draws them; a quiet read then reads of the .dbf
     * only the deletion flags (a loud one still checks the rows, for
     * their warnings). Not with where. */
    int geometry_only;
    /* Tests only: called with the data file's descriptor (.shp, .csv) after
     * its size is taken and before its bytes are read, to change the file
     * there. */
    void (*opened)(void *user, int fd);
    void *opened_user;
} st_read_opts;

/* What one read of a file works with, the same in the GeoJSON and the
 * Shapefile reader: the context errors go to, the file, what to read, the
 * arena the features' memory comes from, the features read and what the
 * read saw. */
typedef struct st_read_job {
    steppe_ctx_t *ctx;
    const char *path;
    const st_read_opts *opts; /* never NULL */
    st_arena *arena;
    st_featureset *fs;
    st_source_stats *stats; /* opts->stats, or the reader's own */
} st_read_job;

/* Sets job up for a read of path: opts may be NULL (no options); stats go
 * to opts->stats when it is set, else to local, and are cleared. */
void st_read_job_init(st_read_job *job, steppe_ctx_t *ctx, const char *path, const st_read_opts *opts,
                      st_arena *arena, st_featureset *fs, st_source_stats *local);

/* Limits of the CSV reader, documented in docs/style-reference.md: a header
 * of more columns, or a header or row longer than ST_CSV_MAX_RECORD bytes,
 * fails the file (a row: is skipped with a warning). Without keep_fields,
 * the attributes kept for one file may take at most twice the file's size
 * plus ST_CSV_TABLE_SLACK bytes. */
#define ST_CSV_MAX_COLUMNS 4096
#define ST_CSV_MAX_RECORD ((size_t)1 << 20)
#define ST_CSV_TABLE_SLACK ((size_t)64 << 20)

/* Opens path for reading as every source file is opened (.shp, .shx, .dbf,
 * .prj, .cpg, .csv): read-only, close-on-exec and non-blocking, so that a
 * FIFO or a device named as a source cannot block the open; then anything
 * but a regular file is refused. Returns the descriptor, or -1 with *why
 * set to the reason (static text: strerror(), "is a directory", "not a
 * regular file (a FIFO)", ...). Thread-safe. */
int st_source_open_regular(const char *path, const char **why);

/* st_source_open_regular() as a stdio stream ("rb"); NULL with *why set. */
FILE *st_source_fopen(const char *path, const char **why);

/* Reads the Shapefile at path (with its .shx, .dbf, .prj, .cpg).
 *   out: filled on success; all memory from arena.
 * Returns STEPPE_OK; STEPPE_ERR_DATA_OPEN ("PATH: cannot open: reason");
 * STEPPE_ERR_DATA_CORRUPT when the file as a whole is unusable ("PATH: not a
 * Shapefile (file code N)", "PATH: record N: reason" for an impossible index
 * entry, "PRJ: ..." for a .prj PROJ cannot read); STEPPE_ERR_DATA_UNSUPPORTED
 * (MultiPatch); STEPPE_ERR_NOMEM.
 * STEPPE_ERR_DATA_OPEN also for a file that is no regular file ("PATH:
 * cannot open: not a regular file (a FIFO)") and for a .shp that shrinks
 * while being read ("PATH: cannot read: the file shrank from N to M bytes
 * while being read").
 * Warnings: missing .shx (the index is rebuilt in memory from the .shp's
 * record headers; nothing is written), a header length or index entries
 * that disagree with the file's real size (which decides: every record
 * lying whole inside the file is read; one warning), missing .prj
 * (EPSG:4326 assumed), unknown encoding (fallback named), bad records
 * skipped. */
steppe_status_t st_source_read_shp(steppe_ctx_t *ctx, const char *path, const st_read_opts *opts,
                                   st_arena *arena, st_featureset *out);

/* Reads a CSV of points (RFC 4180, UTF-8, header row). lon_field/lat_field
 * name the coordinate columns. Errors as "PATH:LINE: reason"; the limits
 * (ST_CSV_*) and opts->keep_fields bound its memory. */
steppe_status_t st_source_read_csv(steppe_ctx_t *ctx, const char *path, const char *lon_field,
                                   const char *lat_field, const st_read_opts *opts, st_arena *arena,
                                   st_featureset *out);

/* Reads whatever the layer names with its kind's driver (driver.h), with
 * the layer's where, crs and encoding, plus the given bbox and simplify. */
steppe_status_t st_source_read_layer(steppe_ctx_t *ctx, const st_layer *layer, const double *bbox,
                                     double simplify, st_arena *arena, st_featureset *out);

/* The CRS the layer's source will report, known before reading so that
 * culling and generalisation can be set up: the layer's crs, else what the
 * source names (a .prj, a GeoPackage's spatial reference system), else
 * EPSG:4326. Errors: the driver's open. */
steppe_status_t st_source_crs(steppe_ctx_t *ctx, const st_layer *layer, st_arena *arena, const char **crs);

/* True when two layers read the same data (same file, crs, encoding,
 * columns), so one read serves both. */
bool st_layer_same_source(const st_layer *a, const st_layer *b);

/* st_source_read_layer() for a render of map: of a CSV or a PostGIS table
 * or query, only the columns
 * that the layers of map reading the same data use are kept (their filters,
 * label templates, classes, thematic fields and join keys; every column when
 * a derived layer reads from them), so a wide table costs what the map
 * needs. */
steppe_status_t st_source_read_for_map(steppe_ctx_t *ctx, const st_map *map, const st_layer *layer,
                                       const double *bbox, double simplify, st_arena *arena,
                                       st_featureset *out);

/* Reads layer's source as st_source_read_layer() does (with its where),
 * streaming: with how's bbox, simplify, quiet, geometry_only and batch
 * fields (the rest is the layer's), the features reach how->batch in
 * batches and are dropped after each call (st_read_opts.batch); out gets
 * the fields, CRS and source_vertices. A driver that cannot stream (every
 * one but the Shapefile reader) hands its whole read over as one batch.
 * Returns the read's status or the batch callback's. */
steppe_status_t st_source_stream_layer(steppe_ctx_t *ctx, const st_layer *layer, const st_read_opts *how,
                                       st_arena *arena, st_featureset *out);

/* st_source_read_layer() keeping, of a CSV, only the columns named in
 * keep_fields (NULL-terminated; NULL: all), the coordinate columns and the
 * where's columns (st_read_opts.keep_fields). */
steppe_status_t st_source_read_layer_keep(steppe_ctx_t *ctx, const st_layer *layer, const double *bbox,
                                          double simplify, const char *const *keep_fields, st_arena *arena,
                                          st_featureset *out);

#endif
