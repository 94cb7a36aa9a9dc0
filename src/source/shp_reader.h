/* Private: the Shapefile reader's state, shared by its two halves.
 *
 * shapefile.c reads the .shp header, the record index and the geometry;
 * dbf.c reads the attributes (.dbf through shapelib) and converts their
 * encoding (.cpg, the LDID byte) to UTF-8. Nothing outside the two uses
 * this header. */
#ifndef ST_SHP_READER_H
#define ST_SHP_READER_H

#include <iconv.h>
#include <shapefil.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"

/* At most this many per-record warnings per file; the rest are summed up. */
#define MAX_RECORD_WARNINGS 10

typedef struct shp_reader {
    st_read_job job;

    int quiet; /* warnings are left to a later read (st_read_opts.quiet) */

    /* the .shp header and record index */
    int shape_type;
    double bounds[4]; /* as the header states them */
    size_t nrec;      /* index entries */
    /* The index in 16-bit words, as the .shx holds it (4 bytes a number
     * rather than 8: a million records' index is 8 MB, not 16). */
    struct shp_index_entry {
        uint32_t off; /* offset of the record's 8-byte header in the .shp */
        uint32_t len; /* content length, after the record header */
    } * index;
    size_t index_cap;

    SAHooks hooks;
    DBFHandle dbf;
    size_t dbf_size;
    int fd;             /* the .shp, open while the reader is */
    unsigned char *win; /* bytes [winoff, winoff + winlen) of the .shp */
    size_t wincap, winoff, winlen;
    size_t size;      /* the .shp's real size: every bound is checked against it */
    int64_t declared; /* the file length its header states, in bytes */

    /* attribute encoding */
    iconv_t cd;     /* (iconv_t)-1 when the source is UTF-8 */
    int undeclared; /* no encoding named anywhere: warn on the first non-ASCII byte */
    int warned_undeclared;
    size_t bad_bytes; /* bytes replaced by U+FFFD */

    /* the current attribute row, converted, before it is kept */
    char *row;
    size_t rowlen, rowcap;
    size_t *offs;
    const char **attrs;

    /* generalisation scratch */
    double *xy;
    size_t xycap;

    size_t record_warnings;
    size_t unclosed;   /* rings closed here */
    size_t degenerate; /* parts dropped for too few points */
} shp_reader;

/* A warning about the file, left out when the read is quiet (a later read
 * of the same file gives it). */
void st_shp_warn(shp_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whether why (from st_source_open_regular) refuses a file for its type
 * rather than for an error opening it. */
int st_shp_refused(const char *why);

/* Writes path with its extension replaced by ext (lower case, then upper
 * case) to out if that name exists, whatever it is. Returns 1 if found. */
int st_shp_sibling(const char *path, const char *ext, char *out, size_t outsz);

/* A small text file (.prj, .cpg) read whole into arena; NULL with *why. */
char *st_shp_read_small_text(st_arena *arena, const char *path, size_t *len, const char **why);

/* ---- dbf.c ---------------------------------------------------------------- */

/* Opens the .dbf beside the .shp (none: no attributes, with a warning). */
steppe_status_t st_dbf_open(shp_reader *r);

/* Chooses the attributes' encoding: the layer's, the .cpg's, the LDID byte's. */
steppe_status_t st_dbf_setup_encoding(shp_reader *r);

/* The featureset's fields from the .dbf header. */
steppe_status_t st_dbf_setup_fields(shp_reader *r);

/* Reads and converts record rec's attribute row into r->row. */
steppe_status_t st_dbf_read_row(shp_reader *r, int rec);

/* Copies the current row into feature f (arena memory). */
steppe_status_t st_dbf_keep_row(shp_reader *r, st_feature *f);

#endif
