/* Telling a data source's kind from its first bytes (see sniff.h). */
#include "sniff.h"

#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsn.h"

static const char *const kind_names[] = {"shapefile", "csv",  "shared-boundary", "route", "border-regions",
                                         "geojson",   "gpkg", "postgis"};

const char *st_sniff_kind_name(st_layer_kind kind)
{
    return (size_t)kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind] : "?";
}

int st_sniff_is_dsn(const char *source)
{
    return st_dsn_is(source);
}

static int has_ext(const char *path, const char *ext)
{
    size_t lp = strlen(path);
    size_t le = strlen(ext);
    return lp > le && strcasecmp(path + lp - le, ext) == 0;
}

static int by_extension(const char *path)
{
    static const struct {
        const char *ext;
        st_layer_kind kind;
    } exts[] = {
        {".shp", ST_LAYER_SHAPEFILE},  {".csv", ST_LAYER_CSV},          {".geojson", ST_LAYER_GEOJSON},
        {".json", ST_LAYER_GEOJSON},   {".geojsonl", ST_LAYER_GEOJSON}, {".geojsons", ST_LAYER_GEOJSON},
        {".ndjson", ST_LAYER_GEOJSON}, {".jsonl", ST_LAYER_GEOJSON},    {".gpkg", ST_LAYER_GPKG},
    };
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        if (has_ext(path, exts[i].ext))
            return (int)exts[i].kind;
    }
    return -1;
}

int st_sniff_head(const unsigned char *head, size_t n, const char *path)
{
    if (st_sniff_is_dsn(path))
        return ST_LAYER_POSTGIS;
    /* Signatures: SQLite's 16-byte header (a GeoPackage is an SQLite file;
     * the driver says so when it lacks gpkg_contents); a Shapefile's big-
     * endian file code 9994 with a 100-byte header. */
    if (n >= 16 && memcmp(head, "SQLite format 3", 16) == 0)
        return ST_LAYER_GPKG;
    if (n >= 100 && head[0] == 0 && head[1] == 0 && head[2] == 0x27 && head[3] == 0x0a &&
        !has_ext(path, ".shx"))
        return ST_LAYER_SHAPEFILE;
    int ext = by_extension(path);
    if (ext >= 0)
        return ext;
    /* Text: a UTF-8 BOM, blanks and RFC 8142's record separators, then a
     * JSON object. */
    size_t i = 0;
    if (n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF)
        i = 3;
    while (i < n &&
           (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n' || head[i] == 0x1e))
        i++;
    if (i < n && head[i] == '{')
        return ST_LAYER_GEOJSON;
    return -1;
}

int st_sniff_source(const char *path)
{
    if (!path)
        return -1;
    if (st_sniff_is_dsn(path))
        return ST_LAYER_POSTGIS;
    unsigned char head[ST_SNIFF_HEAD];
    size_t n = 0;
    /* Non-blocking, and only regular files are read: a FIFO named as a
     * source must not block the style's load. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
        struct stat sb;
        if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
            while (n < sizeof head) {
                ssize_t got = read(fd, head + n, sizeof head - n);
                if (got <= 0)
                    break;
                n += (size_t)got;
            }
        }
        close(fd);
    }
    return st_sniff_head(head, n, path);
}
