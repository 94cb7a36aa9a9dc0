/* Private: source drivers — the one interface every data source implements.
 *
 * A driver turns one kind of source (a Shapefile, a CSV of points, GeoJSON,
 * a GeoPackage, a PostGIS database) into an st_featureset, in four steps,
 * as Mapnik's input plugins and GDAL's drivers do:
 *
 *     st_source *src;
 *     st = st_source_open(ctx, layer, arena, &src);        open, check it is that format
 *     st = st_source_describe(src, &desc);                 fields, CRS, bounds, tables
 *     st = st_source_read(src, &opts, arena, &fs);         features inside opts->bbox
 *     st_source_close(src);                                accepts NULL
 *
 * The layer (model.h) says what to open: its kind picks the driver, its
 * source, crs, encoding, lon/lat, layer (a GeoPackage table) and sql keys
 * are the driver's parameters. `steppe info` and the quick look make a
 * layer of their own for a file named on the command line.
 *
 * A driver reports each error once, where it detects it, with the place
 * (FILE:LINE:COL in JSON, record N in a Shapefile, table and row id in a
 * database), and never prints. Memory for what describe and read return
 * comes from the arena given to them; the driver's own state is freed by
 * close. One open source is used by one thread. */
#ifndef ST_DRIVER_H
#define ST_DRIVER_H

#include <stdio.h>

#include "ctx.h"
#include "features.h"
#include "model.h"
#include "source.h"

/* What a source says about itself before (or without) reading features. */
typedef struct st_source_desc {
    const char *format; /* "GeoJSON", "GeoPackage", ... */
    const char *crs;    /* the source CRS as PROJ accepts it (the layer's crs wins) */
    int crs_assumed;    /* 1: nothing in the source names one, EPSG:4326 assumed */
    /* Fields, when known without reading the features (a .dbf header, a
     * table's columns); nfields 0 and fields NULL otherwise. */
    const char **fields;
    const char *field_types; /* as st_featureset.field_types */
    size_t nfields;
    double bounds[4]; /* xmin ymin xmax ymax as the source states them */
    int has_bounds;
    /* A container of several layers (a GeoPackage's feature tables): their
     * names, geometry types and row counts; the one read is `layer`. */
    const char **layers;
    const char **layer_types;
    long long *layer_rows; /* -1: not counted */
    size_t nlayers;
    const char *layer;
} st_source_desc;

typedef struct st_source st_source;

typedef struct st_driver {
    const char *format; /* for messages: "GeoJSON" */
    st_layer_kind kind; /* the layer type that selects it (its word: st_sniff_kind_name()) */
    /* Opens what layer names and checks it is of this format; sets
     * src->state. Errors: STEPPE_ERR_DATA_OPEN, STEPPE_ERR_DATA_CORRUPT
     * ("PATH: not a GeoPackage (...)"), STEPPE_ERR_NOMEM. */
    steppe_status_t (*open)(st_source *src, st_arena *arena);
    /* Fills desc (memory from arena). May be cheap or read the file. */
    steppe_status_t (*describe)(st_source *src, st_source_desc *desc, st_arena *arena);
    /* Reads the features matching opts (where, bbox, simplify, keep_fields)
     * into out, memory from arena. */
    steppe_status_t (*read)(st_source *src, const st_read_opts *opts, st_arena *arena, st_featureset *out);
    /* Frees state; NULL state allowed. */
    void (*close)(st_source *src);
} st_driver;

/* A driver's steps are the static functions NAME_open, NAME_describe,
 * NAME_read and NAME_close in NAME.c. ST_DRIVER_DEFINE defines st_driver_NAME
 * for a driver with all four (state kept from open to close); one that needs
 * no state (csv.c, shapefile.c) writes its st_driver with the steps it has. */
#define ST_DRIVER_DEFINE(name, format_name, layer_kind)                                                      \
    const st_driver st_driver_##name = {                                                                     \
        .format = format_name,                                                                               \
        .kind = layer_kind,                                                                                  \
        .open = name##_open,                                                                                 \
        .describe = name##_describe,                                                                         \
        .read = name##_read,                                                                                 \
        .close = name##_close,                                                                               \
    }

/* An open source: the driver, the layer it reads, the driver's state. */
struct st_source {
    const st_driver *driver;
    steppe_ctx_t *ctx;
    const st_layer *layer;
    void *state;
};

/* The driver of a kind of layer; NULL for derived layers, or when steppe
 * was built without it. */
const st_driver *st_driver_for_kind(st_layer_kind kind);

/* Opens the layer's source with its kind's driver. *out is set on success
 * (close it with st_source_close()) and NULL on failure. Errors as the
 * driver's open; STEPPE_ERR_DATA_UNSUPPORTED when no driver reads the kind. */
steppe_status_t st_source_open(steppe_ctx_t *ctx, const st_layer *layer, st_arena *arena, st_source **out);

/* The driver's describe, then the layer's crs over the source's. */
steppe_status_t st_source_describe(st_source *src, st_source_desc *desc, st_arena *arena);

/* The driver's read. */
steppe_status_t st_source_read(st_source *src, const st_read_opts *opts, st_arena *arena, st_featureset *out);

/* Closes src; NULL allowed. */
void st_source_close(st_source *src);

/* A layer reading the file at path with the driver its content tells
 * (sniff.h), for `steppe info` and the quick look: *layer is filled (its
 * strings point into path). STEPPE_ERR_DATA_UNSUPPORTED with "PATH: not a
 * format steppe reads (...)" naming them when nothing tells. */
steppe_status_t st_source_layer_for_path(steppe_ctx_t *ctx, const char *path, st_layer *layer);

/* For drivers: appends a feature of class cls made of the npts points at
 * xy in nparts parts (start indices at parts), copied into arena, unless
 * opts->bbox misses it (then *out is NULL and stats->culled counted).
 * Generalised with opts->simplify as the Shapefile reader does, so the
 * same data reads the same from every format. bbox receives the
 * feature's bounds before generalisation. *out's record and attrs are the
 * caller's to set. STEPPE_ERR_NOMEM only (not recorded: the caller says it
 * with its path). */
steppe_status_t st_source_add_geometry(st_featureset *fs, st_arena *arena, const st_read_opts *opts,
                                       st_source_stats *stats, st_geom_type cls, const double *xy,
                                       size_t npts, const uint32_t *parts, size_t nparts, double bbox[4],
                                       st_feature **out);

/* Drivers (each in its own file). */
extern const st_driver st_driver_shapefile; /* shapefile.c */
extern const st_driver st_driver_csv;       /* csv.c */
extern const st_driver st_driver_postgis;   /* postgis.c */
extern const st_driver st_driver_geojson;   /* geojson.c */
extern const st_driver st_driver_gpkg;      /* gpkg.c */

#endif
