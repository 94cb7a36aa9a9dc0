/* Private: what kind of data a layer's source holds, told by its content.
 *
 * The style stage decides a layer's kind (bind.c), the CLI whether a file
 * is a style or data to draw (quicklook.c), `steppe info` which driver
 * describes it (driver.c): all three ask here, so a file is taken for the
 * same thing everywhere. The first bytes decide when they are a format's
 * signature (the SQLite header of a GeoPackage, a Shapefile's file code
 * 9994); else the extension; else a text that opens with a JSON object is
 * GeoJSON. Nothing but the first ST_SNIFF_HEAD bytes is read. */
#ifndef ST_SNIFF_H
#define ST_SNIFF_H

#include <stddef.h>

#include "model.h"

#define ST_SNIFF_HEAD 512

/* The formats steppe reads, for "not a format steppe reads" messages. */
#define ST_SNIFF_FORMATS                                                                                     \
    "Shapefile (.shp), CSV of points (.csv), GeoJSON (.geojson, .json, .geojsonl), GeoPackage (.gpkg), "     \
    "PostGIS (postgresql://...)"

/* True when source names a database connection (postgresql://, postgres://,
 * PG:) rather than a file: st_dsn_is(). */
int st_sniff_is_dsn(const char *source);

/* The kind of data in head (the first n bytes of the file at path, n may be
 * 0 when it cannot be read) by the rules above; -1 when nothing tells. */
int st_sniff_head(const unsigned char *head, size_t n, const char *path);

/* st_sniff_head() on the first bytes of the file at path (a DSN: PostGIS;
 * an unreadable or non-regular file: the extension alone). -1 when nothing
 * tells. */
int st_sniff_source(const char *path);

/* The layer type's name as a style writes it ("shapefile", "geojson"). */
const char *st_sniff_kind_name(st_layer_kind kind);

#endif
