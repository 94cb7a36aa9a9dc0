/* Source: ESRI Shapefiles (.shp/.shx geometry, .dbf attributes, .prj CRS,
 * .cpg code page), after the ESRI Shapefile Technical Description (1998).
 *
 * The .shp header and the record index (.shx, or rebuilt in memory from the
 * .shp's record headers when the .shx is missing) are read here; shapelib
 * reads the .dbf. The geometry records themselves are decoded here too,
 * straight from the bytes read from the .shp: shapelib's SHPReadObject
 * reads each record into a buffer and copies it into four freshly allocated
 * arrays, which for ru_regions (570k vertices) cost more than twice the
 * whole read. Decoding in place copies each run of vertices once, with a
 * memcpy, into the arena, and makes bbox culling free (the record bbox is in
 * the record header).
 *
 * The .shp is read, not mapped: a mapped file that another process
 * truncates kills the reader with SIGBUS at the next touch of a lost page,
 * and catching that takes a process-wide signal handler (the library would
 * take it from its host) with a per-thread jump buffer around every access,
 * since several files are read at once. pread() instead sees a file that
 * shrinks as a short read, reported as such, and what it has read stays
 * valid whatever happens to the file afterwards. It reads through a window
 * of SHP_WINDOW bytes (or one record, when larger), in file order: reading
 * the file whole into fresh memory costs a page fault per 4 KiB, 19 ms for
 * ru_regions.shp (9 MB) on the bench machine, where the window costs what
 * the populated mapping did (1.3 ms).
 *
 * Every file is opened by st_source_open_regular(): a FIFO or a device named
 * as a source, or as a companion, is refused instead of blocking the read.
 *
 * Nothing read from the files is trusted: the record index is checked
 * against the file size, part and vertex counts against the record length,
 * part offsets for order and range, coordinates for NaN and infinity. A bad
 * record is skipped with a warning naming it. The attribute row is read and
 * filtered before any geometry is copied. */
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <inttypes.h>
#include <math.h>
#include <shapefil.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dynlib.h"
#include "shp_reader.h"
#include "driver.h"
#include "source.h"

/* shapelib (1.5.0) reports problems through a hook that takes no user
 * pointer, so a message could only be kept in global state. The reader does
 * without: it checks the .dbf header itself and says why a file or a row
 * cannot be read (dbf_problem), and shapelib's hook prints nothing. */
static void shp_silent(const char *message)
{
    (void)message;
}

/* ---- opening files -------------------------------------------------------- */

int st_source_open_regular(const char *path, const char **why)
{
    /* O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer,
     * forever; a regular file ignores the flag. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        *why = strerror(errno);
        return -1;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        *why = strerror(errno);
        close(fd);
        return -1;
    }
    if (S_ISREG(sb.st_mode))
        return fd;
    if (S_ISDIR(sb.st_mode))
        *why = "is a directory";
    else if (S_ISFIFO(sb.st_mode))
        *why = "not a regular file (a FIFO)";
    else if (S_ISCHR(sb.st_mode))
        *why = "not a regular file (a character device)";
    else if (S_ISBLK(sb.st_mode))
        *why = "not a regular file (a block device)";
    else if (S_ISSOCK(sb.st_mode))
        *why = "not a regular file (a socket)";
    else
        *why = "not a regular file";
    close(fd);
    return -1;
}

FILE *st_source_fopen(const char *path, const char **why)
{
    int fd = st_source_open_regular(path, why);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        *why = strerror(errno);
        close(fd);
    }
    return f;
}

/* Whether why (from st_source_open_regular) refuses a file for its type
 * rather than for an error opening it. */
int st_shp_refused(const char *why)
{
    return strncmp(why, "not a regular", 13) == 0 || strcmp(why, "is a directory") == 0;
}

/* The .dbf through shapelib's file hooks (SAHooks), read through a window
 * of this many bytes: shapelib seeks and reads for every row, and the
 * stdio stream paid an lseek and a read system call for each — 12 % of a
 * render of a million tiny polygons, whose rows are 11 bytes. */
#define DBF_WINDOW 65536

typedef struct win_file {
    FILE *f;
    uint64_t pos;    /* where the next read starts */
    uint64_t winoff; /* the window's place in the file ... */
    size_t winlen;   /* ... and length */
    unsigned char win[DBF_WINDOW];
} win_file;

/* shapelib's file opener (SAHooks.FOpen) for the .dbf and the .cpg that
 * DBFOpenLL looks for beside it: regular files only, read only. */
static SAFile shp_fopen(const char *path, const char *access)
{
    const char *why = NULL;
    if (!access || access[0] != 'r' || strchr(access, '+'))
        return NULL;
    FILE *f = st_source_fopen(path, &why);
    win_file *w = f ? malloc(sizeof *w) : NULL;
    if (!w) {
        if (f)
            fclose(f);
        return NULL;
    }
    w->f = f;
    w->pos = 0;
    w->winoff = 0;
    w->winlen = 0;
    return (SAFile)w;
}

/* pread() of up to n bytes at off, short only at the end of the file or
 * on an error (then what was read before it). */
static size_t pread_full(int fd, void *buf, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, (unsigned char *)buf + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    return got;
}

static SAOffset win_read(void *p, SAOffset size, SAOffset nmemb, SAFile file)
{
    win_file *w = (win_file *)file;
    size_t want = (size_t)size * (size_t)nmemb;
    if (size == 0 || want == 0)
        return 0;
    size_t got;
    if (w->pos >= w->winoff && w->pos + want <= w->winoff + w->winlen) {
        memcpy(p, w->win + (w->pos - w->winoff), want);
        got = want;
    } else if (want > DBF_WINDOW / 2) {
        got = pread_full(fileno(w->f), p, want, w->pos);
    } else {
        w->winoff = w->pos;
        w->winlen = pread_full(fileno(w->f), w->win, DBF_WINDOW, w->pos);
        got = want < w->winlen ? want : w->winlen;
        memcpy(p, w->win, got);
    }
    w->pos += got;
    return (SAOffset)(got / (size_t)size);
}

static SAOffset win_write(void *p, SAOffset size, SAOffset nmemb, SAFile file)
{
    (void)p;
    (void)size;
    (void)nmemb;
    (void)file;
    return 0; /* opened read only */
}

static SAOffset win_seek(SAFile file, SAOffset offset, int whence)
{
    win_file *w = (win_file *)file;
    struct stat sb;
    uint64_t base = 0;
    if (whence == SEEK_CUR) {
        base = w->pos;
    } else if (whence == SEEK_END) {
        if (fstat(fileno(w->f), &sb) != 0)
            return -1;
        base = (uint64_t)sb.st_size;
    }
    if ((int64_t)base + (int64_t)offset < 0)
        return -1;
    w->pos = (uint64_t)((int64_t)base + (int64_t)offset);
    return 0;
}

static SAOffset win_tell(SAFile file)
{
    return (SAOffset)((win_file *)file)->pos;
}

static int win_flush(SAFile file)
{
    (void)file;
    return 0;
}

static int win_close(SAFile file)
{
    win_file *w = (win_file *)file;
    int rc = fclose(w->f);
    free(w);
    return rc;
}

void st_shp_warn(shp_reader *r, const char *fmt, ...)
{
    if (r->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    st_vwarn(r->job.ctx, NULL, fmt, ap);
    va_end(ap);
}

/* ---- paths ---------------------------------------------------------------- */

/* Writes path with its extension replaced by ext (lower case, then upper
 * case, the way shapelib looks for siblings) to out if that name exists,
 * whatever it is: opening it then refuses a FIFO or a folder by name,
 * rather than the reader acting as if the file were missing. Returns 1 if
 * found. */
int st_shp_sibling(const char *path, const char *ext, char *out, size_t outsz)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    size_t base = (dot && (!slash || dot > slash)) ? (size_t)(dot - path) : strlen(path);
    char upper[8];
    size_t el = strlen(ext);
    if (el >= sizeof upper)
        return 0;
    for (size_t i = 0; i <= el; i++)
        upper[i] = (char)(ext[i] >= 'a' && ext[i] <= 'z' ? ext[i] - 32 : ext[i]);
    const char *exts[2] = {ext, upper};
    for (int k = 0; k < 2; k++) {
        int n = snprintf(out, outsz, "%.*s.%s", (int)base, path, exts[k]);
        if (n < 0 || (size_t)n >= outsz)
            return 0;
        struct stat st;
        if (stat(out, &st) == 0)
            return 1;
    }
    return 0;
}

/* Reads a small text file (.prj, .cpg) into the arena, without a UTF-8 BOM
 * and without leading and trailing white space; *len receives its length
 * (the text may hold NUL bytes). NULL if unreadable (*why set) or out of
 * memory (*why NULL). */
char *st_shp_read_small_text(st_arena *arena, const char *path, size_t *len, const char **why)
{
    FILE *f = st_source_fopen(path, why);
    if (!f)
        return NULL;
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    const char *s = buf;
    if (n >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF) {
        s += 3;
        n -= 3;
    }
    while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    char *text = st_arena_alloc(arena, n + 1);
    if (!text) {
        *why = NULL;
        return NULL;
    }
    memcpy(text, s, n);
    text[n] = '\0';
    *len = n;
    return text;
}

/* ---- bytes ---------------------------------------------------------------- */

/* The .shp stores little-endian doubles, x,y interleaved: on a little-endian
 * host a run of vertices is copied with one memcpy. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_LE 1
#else
#define HOST_LE 0
#endif

static double le_double(const unsigned char *p)
{
    double d;
    if (HOST_LE) {
        memcpy(&d, p, sizeof d);
    } else {
        uint64_t u = 0;
        for (int i = 7; i >= 0; i--)
            u = (u << 8) | p[i];
        memcpy(&d, &u, sizeof d);
    }
    return d;
}

static int32_t le_int32(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (int32_t)u;
}

/* The file code, file length and index entries are big-endian. */
static int32_t be_int32(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
    return (int32_t)u;
}

#define SHP_WINDOW ((size_t)64 << 10)

/* Opens the .shp and takes its size; its bytes are read by shp_at(). */
static steppe_status_t shp_open_file(shp_reader *r)
{
    const char *why = NULL;
    r->fd = st_source_open_regular(r->job.path, &why);
    if (r->fd < 0)
        return st_error(r->job.ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", r->job.path, why);
    struct stat sb;
    if (fstat(r->fd, &sb) != 0)
        return st_error(r->job.ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", r->job.path,
                        strerror(errno));
    r->size = (size_t)sb.st_size;
    if (r->job.opts->opened)
        r->job.opts->opened(r->job.opts->opened_user, r->fd);
    return STEPPE_OK;
}

/* The n bytes of the .shp at off (off + n <= r->size, which the caller
 * checks), valid until the next call. Reads a window from off when they
 * are not in the current one. NULL with the error recorded in *st when the
 * file has shrunk below them since its size was taken, or on a read error
 * or out of memory. */
static const unsigned char *shp_at(shp_reader *r, size_t off, size_t n, steppe_status_t *st)
{
    if (off >= r->winoff && n <= r->winlen && off - r->winoff <= r->winlen - n)
        return r->win + (off - r->winoff);
    size_t want = n > SHP_WINDOW ? n : SHP_WINDOW;
    if (want > r->size - off)
        want = r->size - off;
    if (want > r->wincap) {
        unsigned char *w = realloc(r->win, want);
        if (!w) {
            *st = STEPPE_ERR_NOMEM;
            return NULL;
        }
        r->win = w;
        r->wincap = want;
    }
    r->winoff = off;
    r->winlen = 0;
    while (r->winlen < want) {
        ssize_t k = pread(r->fd, r->win + r->winlen, want - r->winlen, (off_t)(off + r->winlen));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            *st = st_error(r->job.ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot read: %s", r->job.path,
                           strerror(errno));
            return NULL;
        }
        if (k == 0)
            break;
        r->winlen += (size_t)k;
    }
    if (r->winlen < n) {
        *st = st_error(r->job.ctx, STEPPE_ERR_DATA_OPEN,
                       "%s: cannot read: the file shrank from %zu to %zu bytes while being read", r->job.path,
                       r->size, off + r->winlen);
        return NULL;
    }
    return r->win;
}

/* ---- opening -------------------------------------------------------------- */

/* The plain (x, y) shape type of shp_type: the Shapefile specification
 * numbers each type with z 10 above it (PointZ 11) and with m 20 above
 * (PointM 21), and the drawing reads only x and y. MultiPatch (31) and
 * numbers that are no type stay as they are. */
static int plain_type(int shp_type)
{
    if ((shp_type > 10 && shp_type < 20) || (shp_type > 20 && shp_type < 30))
        return shp_type % 10;
    return shp_type;
}

static int geom_class(int shp_type)
{
    switch (plain_type(shp_type)) {
    case SHPT_POINT:
    case SHPT_MULTIPOINT: return ST_GEOM_POINT;
    case SHPT_ARC: return ST_GEOM_LINE;
    case SHPT_POLYGON: return ST_GEOM_POLYGON;
    case SHPT_NULL: return ST_GEOM_NONE;
    default: return -1;
    }
}

/* Both index sources (a .shx, or the .shp's own record headers) hold offsets
 * and lengths in 16-bit words as big-endian int32. The limits are shapelib's
 * (SHPOpenLL): an offset beyond INT_MAX words or a length beyond
 * INT_MAX / 2 - 4 words (negative ones included) is no truncation but
 * corruption, and fails the file whichever index it came from. */
static int index_entry_sane(uint32_t offset_words, uint32_t length_words)
{
    return offset_words <= (uint32_t)INT32_MAX && length_words <= (uint32_t)(INT32_MAX / 2 - 4);
}

static steppe_status_t index_reserve(shp_reader *r, size_t n)
{
    if (n <= r->index_cap)
        return STEPPE_OK;
    size_t cap = r->index_cap ? r->index_cap : 256;
    while (cap < n)
        cap *= 2;
    struct shp_index_entry *index = realloc(r->index, cap * sizeof *index);
    if (!index)
        return STEPPE_ERR_NOMEM;
    r->index = index;
    r->index_cap = cap;
    return STEPPE_OK;
}

/* Checks the 100-byte main file header (ESRI Shapefile Technical
 * Description, table 1) before anything is read through it: file code 9994,
 * version 1000, a shape type the format defines. The file length it states
 * is kept for record_count, which warns when it disagrees with the file:
 * every bound is checked against the real size, which decides. */
static steppe_status_t check_header(shp_reader *r)
{
    if (r->size < 100)
        return st_error(r->job.ctx, STEPPE_ERR_DATA_CORRUPT,
                        "%s: not a Shapefile (%zu bytes, shorter than the 100-byte header)", r->job.path,
                        r->size);
    steppe_status_t st = STEPPE_OK;
    const unsigned char *h = shp_at(r, 0, 100, &st);
    if (!h)
        return st;
    int32_t code = be_int32(h);
    if (code != 9994)
        return st_error(r->job.ctx, STEPPE_ERR_DATA_CORRUPT, "%s: not a Shapefile (file code %" PRId32 ")",
                        r->job.path, code);
    int32_t version = le_int32(h + 28);
    if (version != 1000)
        st_shp_warn(r, "%s: header gives version %" PRId32 ", not 1000; reading it anyway", r->job.path,
                    version);
    r->declared = 2 * (int64_t)be_int32(h + 24);
    int type = le_int32(h + 32);
    if (type == SHPT_MULTIPATCH)
        return st_error(r->job.ctx, STEPPE_ERR_DATA_UNSUPPORTED,
                        "%s: MultiPatch (3D surface) shapes are not supported; convert them to polygons",
                        r->job.path);
    if (geom_class(type) < 0)
        return st_error(r->job.ctx, STEPPE_ERR_DATA_CORRUPT,
                        "%s: not a Shapefile (shape type %d in the header)", r->job.path, type);
    r->shape_type = type;
    for (int k = 0; k < 4; k++)
        r->bounds[k] = le_double(h + 36 + 8 * k);
    return STEPPE_OK;
}

/* Reads the record index from the .shx at path: a 100-byte header like the
 * .shp's, then one (offset, length) pair per record. Entries pointing
 * outside the .shp are left to record_count, which skips them and reads
 * the others; an index that is cut short or holds impossible values fails. */
static steppe_status_t read_shx(shp_reader *r, const char *path)
{
    steppe_status_t st = STEPPE_OK;
    unsigned char *buf = NULL;
    const char *why = NULL;
    FILE *f = st_source_fopen(path, &why);
    if (!f)
        return st_error(r->job.ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", path, why);
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0) {
        st = st_error(r->job.ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    size_t size = (size_t)sb.st_size;
    if (size < 100) {
        st = st_error(r->job.ctx, STEPPE_ERR_DATA_CORRUPT,
                      "%s: the .shx is %zu bytes, shorter than its 100-byte header", r->job.path, size);
        goto out;
    }
    buf = malloc(size);
    if (!buf) {
        st = STEPPE_ERR_NOMEM;
        goto out;
    }
    if (fread(buf, 1, size, f) != size) {
        st = st_error(r->job.ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot read: %s", path,
                      ferror(f) ? strerror(errno) : "file shrank while reading");
        goto out;
    }
    /* shapelib also takes 9997 here; so do we. */
    int32_t code = be_int32(buf);
    if (code != 9994 && code != 9997) {
        st = st_error(r->job.ctx, STEPPE_ERR_DATA_CORRUPT,
                      "%s: the .shx is not a Shapefile index (file code %" PRId32 ")", r->job.path, code);
        goto out;
    }
    int64_t declared = 2 * (int64_t)be_int32(buf + 24);
    if (declared < 100) {
        st = st_error(r->job.ctx, STEPPE_ERR_DATA_CORRUPT,
                      "%s: the .shx header gives a file length of %" PRId64
                      " bytes, less than the header itself",
                      r->job.path, declared);
        goto out;
    }
    size_t n = (size_t)(declared - 100) / 8;
    if (n > (size - 100) / 8) {
        st = st_error(r->job.ctx, STEPPE_ERR_DATA_CORRUPT,
                      "%s: the .shx header lists %zu records but the file holds %zu; the .shx is cut short",
                      r->job.path, n, (size - 100) / 8);
        goto out;
    }
    st = index_reserve(r, n ? n : 1);
    if (st != STEPPE_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        uint32_t off = (uint32_t)be_int32(buf + 100 + 8 * i);
        uint32_t len = (uint32_t)be_int32(buf + 104 + 8 * i);
        if (!index_entry_sane(off, len)) {
            st = st_error(r->job.ctx, STEPPE_ERR_DATA_CORRUPT,
                          "%s: record %zu: the .shx gives an impossible %s (%" PRId32 " words)", r->job.path,
                          i, off > (uint32_t)INT32_MAX ? "offset" : "length",
                          (int32_t)(off > (uint32_t)INT32_MAX ? off : len));
            goto out;
        }
        r->index[i] = (struct shp_index_entry){off, len};
    }
    r->nrec = n;
out:
    free(buf);
    fclose(f);
    return st;
}

/* Rebuilds a missing .shx in memory by walking the record headers of the
 * .shp (record number and content length, big-endian, in words), as
 * shapelib's SHPRestoreSHX does; but every length is checked before it is
 * followed, so a bad one cannot send the walk backwards (SHPRestoreSHX in
 * shapelib 1.5.0 loops forever on a negative length), and nothing is written
 * to disk. The walk stops with a warning at the first record that is cut
 * short, empty, or runs past the end; an impossible length fails the file,
 * as it would in a .shx. */
static steppe_status_t rebuild_shx(shp_reader *r)
{
    if (r->declared != (int64_t)r->size)
        st_shp_warn(r,
                    "%s: missing .shx, rebuilt from .shp; its header gives a file length of %" PRId64
                    " bytes, the file has %zu: walking the %zu",
                    r->job.path, r->declared, r->size, r->size);
    else
        st_shp_warn(r, "%s: missing .shx, rebuilt from .shp", r->job.path);
    size_t off = 100;
    size_t n = 0;
    while (off < r->size) {
        const char *stop = NULL;
        uint32_t len = 0;
        if (r->size - off < 8) {
            stop = "its header is cut short by the end of the file";
        } else if (off / 2 > (size_t)INT32_MAX) {
            stop = "it starts beyond the 4 GiB a Shapefile can address";
        } else {
            steppe_status_t st = STEPPE_OK;
            const unsigned char *h = shp_at(r, off, 8, &st);
            if (!h)
                return st;
            len = (uint32_t)be_int32(h + 4);
            if (!index_entry_sane((uint32_t)(off / 2), len))
                return st_error(r->job.ctx, STEPPE_ERR_DATA_CORRUPT,
                                "%s: record %zu: impossible content length (%" PRId32
                                " words) in its header; cannot rebuild the missing .shx",
                                r->job.path, n, (int32_t)len);
            if (len == 0)
                stop = "its header gives a content length of 0";
            else if (2 * (size_t)len > r->size - off - 8)
                stop = "its content runs past the end of the file";
        }
        if (!stop) {
            if (index_reserve(r, n + 1) != STEPPE_OK)
                return STEPPE_ERR_NOMEM;
            r->index[n] = (struct shp_index_entry){(uint32_t)(off / 2), len};
            n++;
            off += 8 + 2 * (size_t)len;
            continue;
        }
        st_shp_warn(r, "%s: record %zu: %s; the rebuilt index ends before it (%zu records)", r->job.path, n,
                    stop, n);
        break;
    }
    r->nrec = n;
    return STEPPE_OK;
}

/* Opens the .shp: maps it, checks its header and reads its record index from
 * the .shx, or rebuilds the index when there is none. */
static steppe_status_t open_shp(shp_reader *r)
{
    steppe_status_t st = shp_open_file(r);
    if (st == STEPPE_OK)
        st = check_header(r);
    if (st != STEPPE_OK)
        return st;
    char shx[4096];
    if (st_shp_sibling(r->job.path, "shx", shx, sizeof shx)) {
        st = read_shx(r, shx);
    } else {
        st = rebuild_shx(r);
        r->declared = (int64_t)r->size; /* said by rebuild_shx */
    }
    if (st != STEPPE_OK)
        return st;
    r->job.fs->type = (st_geom_type)geom_class(r->shape_type);
    r->job.stats->shape_type = r->shape_type;
    memcpy(r->job.stats->bounds, r->bounds, sizeof r->bounds);
    return STEPPE_OK;
}

/* ---- CRS ------------------------------------------------------------------ */

static int valid_utf8(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t len = st_utf8_seq(u + i, n - i);
        if (len == 0)
            return 0;
        i += len;
    }
    return 1;
}

/* The layer's crs, else the .prj's text checked by PROJ (the same checks as
 * a crs written in a style), else EPSG:4326 with a warning. */
static steppe_status_t setup_crs(shp_reader *r)
{
    if (r->job.opts->crs) {
        r->job.fs->crs = r->job.opts->crs;
        return STEPPE_OK;
    }
    char prj[4096];
    if (!st_shp_sibling(r->job.path, "prj", prj, sizeof prj)) {
        st_shp_warn(r, "%s: no .prj, assuming EPSG:4326 (set crs: on the layer to silence)", r->job.path);
        r->job.fs->crs = "EPSG:4326";
        r->job.stats->crs_assumed = 1;
        return STEPPE_OK;
    }
    size_t len = 0;
    const char *why = NULL;
    char *wkt = st_shp_read_small_text(r->job.arena, prj, &len, &why);
    if (!wkt && !why)
        return STEPPE_ERR_NOMEM;
    if (!wkt)
        return st_error(r->job.ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", prj, why);
    if (memchr(wkt, '\0', len) || !valid_utf8(wkt, len))
        return st_error(r->job.ctx, STEPPE_ERR_DATA_CORRUPT,
                        "%s: not a CRS: binary data, not WKT text; set crs: on the layer to override it",
                        prj);
    steppe_status_t st = st_ctx_need_proj(r->job.ctx);
    if (st != STEPPE_OK)
        return st;
    PJ *crs = len ? st_ctx_crs(r->job.ctx, wkt) : NULL; /* cached: projection reuses it */
    if (!crs)
        return st_error(r->job.ctx, STEPPE_ERR_DATA_CORRUPT,
                        "%s: PROJ cannot read this CRS (%s); set crs: on the layer to override it", prj,
                        len ? st_proj_errmsg(r->job.ctx) : "the file is empty");
    /* A bare PROJ string makes a conversion, which PROJ accepts as a CRS
     * when transforming; anything else must be a CRS (as model.c checks a
     * crs written in a style). */
    if (!proj_is_crs(crs) && wkt[0] != '+')
        return st_error(
            r->job.ctx, STEPPE_ERR_DATA_CORRUPT,
            "%s: PROJ reads this as something other than a CRS; set crs: on the layer to override it", prj);
    r->job.fs->crs = wkt;
    return STEPPE_OK;
}

/* ---- geometry ------------------------------------------------------------- */

/* A record's content, checked against the file: type, bbox, parts, vertices. */
typedef struct shp_record {
    int type;
    double bbox[4];
    size_t nparts;
    const unsigned char *parts; /* nparts little-endian int32 */
    size_t nv;
    const unsigned char *xy; /* nv little-endian x,y double pairs */
} shp_record;

enum { REC_OK = 0, REC_NULL, REC_BAD };

/* Decodes the header of record content c (size bytes). Every count is
 * checked against size before anything is read through it. */
static int decode_record(const unsigned char *c, size_t size, shp_record *rec, const char **why)
{
    memset(rec, 0, sizeof *rec);
    *why = "record too short for its shape type";
    if (size < 4)
        return REC_BAD;
    rec->type = le_int32(c);
    if (rec->type == SHPT_NULL)
        return REC_NULL;
    switch (plain_type(rec->type)) {
    case SHPT_POINT:
        if (size < 20)
            return REC_BAD;
        rec->nv = 1;
        rec->xy = c + 4;
        rec->bbox[0] = rec->bbox[2] = le_double(c + 4);
        rec->bbox[1] = rec->bbox[3] = le_double(c + 12);
        return REC_OK;
    case SHPT_MULTIPOINT: {
        if (size < 40)
            return REC_BAD;
        int32_t nv = le_int32(c + 36);
        *why = "vertex count does not fit the record";
        if (nv < 0 || (uint64_t)nv * 16 > size - 40)
            return REC_BAD;
        rec->nv = (size_t)nv;
        rec->xy = c + 40;
        break;
    }
    case SHPT_ARC:
    case SHPT_POLYGON: {
        if (size < 44)
            return REC_BAD;
        int32_t np = le_int32(c + 36);
        int32_t nv = le_int32(c + 40);
        *why = "part or vertex count does not fit the record";
        if (np < 0 || nv < 0 || (uint64_t)np * 4 + (uint64_t)nv * 16 > size - 44)
            return REC_BAD;
        rec->nparts = (size_t)np;
        rec->parts = c + 44;
        rec->nv = (size_t)nv;
        rec->xy = c + 44 + 4 * (size_t)np;
        break;
    }
    default: *why = "unsupported shape type"; return REC_BAD;
    }
    for (int k = 0; k < 4; k++)
        rec->bbox[k] = le_double(c + 4 + 8 * k);
    return rec->nv == 0 ? REC_NULL : REC_OK;
}

static void get_xy(const unsigned char *xy, size_t i, double *x, double *y)
{
    *x = le_double(xy + 16 * i);
    *y = le_double(xy + 16 * i + 8);
}

static int xy_reserve(shp_reader *r, size_t points)
{
    if (r->xycap >= points)
        return 0;
    size_t cap = r->xycap ? r->xycap : 4096;
    while (cap < points)
        cap *= 2;
    double *xy = realloc(r->xy, cap * 2 * sizeof *xy);
    if (!xy)
        return -1;
    r->xy = xy;
    r->xycap = cap;
    return 0;
}

/* Copies n vertices (plus the first again when close is set) to dst as
 * interleaved x,y. With tx > 0 this is radial-distance generalisation: a
 * vertex is dropped when it lies within tx of the last kept one in x and
 * within ty in y; the first and last vertices are always kept. Returns
 * points written. */
static size_t copy_run(const unsigned char *xy, size_t n, int close, double tx, double ty, double *dst)
{
    size_t m = n + (close ? 1 : 0);
    if (tx <= 0.0) {
        if (HOST_LE) {
            memcpy(dst, xy, n * 16);
        } else {
            for (size_t i = 0; i < n; i++)
                get_xy(xy, i, &dst[2 * i], &dst[2 * i + 1]);
        }
        if (close) {
            dst[2 * n] = dst[0];
            dst[2 * n + 1] = dst[1];
        }
        return m;
    }
    double lx, ly;
    get_xy(xy, 0, &lx, &ly);
    dst[0] = lx;
    dst[1] = ly;
    size_t w = 1;
    for (size_t i = 1; i + 1 < m; i++) {
        double x, y;
        get_xy(xy, i, &x, &y);
        if (fabs(x - lx) < tx && fabs(y - ly) < ty)
            continue;
        lx = x;
        ly = y;
        dst[2 * w] = x;
        dst[2 * w + 1] = y;
        w++;
    }
    get_xy(xy, close ? 0 : n - 1, &dst[2 * w], &dst[2 * w + 1]);
    return w + 1;
}

/* Copies a ring of n >= 3 vertices to dst, closed, with at least 4 points.
 * When generalisation would leave fewer, a ring smaller than the tolerance
 * both ways becomes its bounding rectangle (invisible at this tolerance,
 * but it keeps its place), and a larger one keeps all its points, so
 * generalisation never changes which rings exist. */
static size_t copy_ring(const unsigned char *xy, size_t n, int close, double tx, double ty, double *dst)
{
    size_t w = copy_run(xy, n, close, tx, ty, dst);
    if (w >= 4)
        return w;
    double x0, y0;
    get_xy(xy, 0, &x0, &y0);
    double x1 = x0, y1 = y0;
    for (size_t i = 1; i < n; i++) {
        double x, y;
        get_xy(xy, i, &x, &y);
        x0 = fmin(x0, x);
        x1 = fmax(x1, x);
        y0 = fmin(y0, y);
        y1 = fmax(y1, y);
    }
    if (x1 - x0 >= tx || y1 - y0 >= ty)
        return copy_run(xy, n, close, 0.0, 0.0, dst);
    const double rect[10] = {x0, y0, x0, y1, x1, y1, x1, y0, x0, y0};
    memcpy(dst, rect, sizeof rect);
    return 5;
}

double st_lon_tolerance(double tol, double lat0, double lat1)
{
    double lo = fmin(fabs(lat0), fabs(lat1));
    if (lat0 <= 0 && lat1 >= 0)
        lo = 0;
    if (!(lo < 89)) /* a feature at the pole: no gain to be had */
        return tol;
    return tol / cos(lo * M_PI / 180);
}

size_t st_source_simplify_part(const double *xy, size_t n, int ring, double tx, double ty, double *dst)
{
    if (HOST_LE || n == 0)
        return ring ? copy_ring((const unsigned char *)xy, n, 0, tx, ty, dst)
                    : copy_run((const unsigned char *)xy, n, 0, tx, ty, dst);
    /* The runs read little-endian bytes, as a .shp holds them. */
    unsigned char *le = malloc(n * 16);
    if (!le)
        return 0;
    for (size_t i = 0; i < 2 * n; i++) {
        uint64_t v;
        memcpy(&v, &xy[i], 8);
        for (int b = 0; b < 8; b++)
            le[8 * i + (size_t)b] = (unsigned char)(v >> (8 * b));
    }
    size_t w = ring ? copy_ring(le, n, 0, tx, ty, dst) : copy_run(le, n, 0, tx, ty, dst);
    free(le);
    return w;
}

static void record_warning(shp_reader *r, int rec, const char *what)
{
    r->job.stats->skipped++;
    if (r->record_warnings++ < MAX_RECORD_WARNINGS)
        st_shp_warn(r, "%s: record %d: %s", r->job.path, rec, what);
}

/* Validates decoded record d (number rec) and appends it as a feature.
 * Records that fail validation are skipped with a warning; only running out
 * of memory is an error. */
static steppe_status_t add_record(shp_reader *r, int rec, const shp_record *d)
{
    st_featureset *fs = r->job.fs;
    double tol = r->job.opts->simplify;
    int cls = geom_class(d->type);
    if (cls != (int)fs->type) {
        char msg[96];
        snprintf(msg, sizeof msg, "shape type %d in a file of type %d, skipped", d->type, r->shape_type);
        record_warning(r, rec, msg);
        return STEPPE_OK;
    }
    size_t nv = d->nv;
    if (nv > UINT32_MAX / 2) {
        record_warning(r, rec, "too many vertices, skipped");
        return STEPPE_OK;
    }
    /* One pass over the vertices rejects NaN and infinities and finds the
     * bbox (the header's bbox is not trusted). */
    double bx0, by0, bx1, by1;
    get_xy(d->xy, 0, &bx0, &by0);
    bx1 = bx0;
    by1 = by0;
    int finite = 1;
    for (size_t i = 0; i < nv; i++) {
        double x, y;
        get_xy(d->xy, i, &x, &y);
        finite &= isfinite(x) && isfinite(y);
        bx0 = x < bx0 ? x : bx0;
        bx1 = x > bx1 ? x : bx1;
        by0 = y < by0 ? y : by0;
        by1 = y > by1 ? y : by1;
    }
    if (!finite) {
        record_warning(r, rec, "non-finite coordinate");
        return STEPPE_OK;
    }

    size_t np;
    if (cls == ST_GEOM_POINT) {
        np = nv;
    } else {
        /* Part starts must begin at 0, increase, and stay inside the vertices. */
        np = d->nparts;
        if (np < 1 || np > nv || le_int32(d->parts) != 0) {
            record_warning(r, rec, "invalid part list, skipped");
            return STEPPE_OK;
        }
        int32_t prev = 0;
        for (size_t p = 1; p < np; p++) {
            int32_t s = le_int32(d->parts + 4 * p);
            if (s <= prev || (size_t)s >= nv) {
                record_warning(r, rec, "part offsets out of order or beyond the vertices, skipped");
                return STEPPE_OK;
            }
            prev = s;
        }
    }

    double tx = tol > 0.0 ? st_lon_tolerance(tol, by0, by1) : 0.0;

    /* Closing rings and bounding rectangles add at most 2 points per part. */
    size_t cap = nv + 2 * np + 1;
    double *dst;
    if (tol > 0.0 && cls != ST_GEOM_POINT) {
        if (xy_reserve(r, cap) != 0)
            return STEPPE_ERR_NOMEM;
        dst = r->xy;
    } else {
        dst = st_arena_alloc(r->job.arena, (cls == ST_GEOM_POINT ? nv : cap) * 2 * sizeof(double));
        if (!dst)
            return STEPPE_ERR_NOMEM;
    }
    uint32_t *parts = st_arena_alloc(r->job.arena, np * sizeof *parts);
    if (!parts)
        return STEPPE_ERR_NOMEM;

    size_t w = 0;
    size_t kept = 0;
    if (cls == ST_GEOM_POINT) {
        copy_run(d->xy, nv, 0, 0.0, 0.0, dst);
        for (size_t i = 0; i < nv; i++)
            parts[i] = (uint32_t)i;
        w = nv;
        kept = nv;
    } else {
        for (size_t p = 0; p < np; p++) {
            size_t s = (size_t)le_int32(d->parts + 4 * p);
            size_t e = p + 1 < np ? (size_t)le_int32(d->parts + 4 * (p + 1)) : nv;
            size_t n = e - s;
            const unsigned char *xy = d->xy + 16 * s;
            if (cls == ST_GEOM_LINE) {
                if (n < 2) {
                    r->degenerate++;
                    continue;
                }
                parts[kept++] = (uint32_t)w;
                w += copy_run(xy, n, 0, tx, tol, dst + 2 * w);
                continue;
            }
            double fx, fy, lx, ly;
            get_xy(xy, 0, &fx, &fy);
            get_xy(xy, n - 1, &lx, &ly);
            int closed = fx == lx && fy == ly;
            if (n + (closed ? 0 : 1) < 4) {
                r->degenerate++;
                continue;
            }
            if (!closed)
                r->unclosed++;
            parts[kept++] = (uint32_t)w;
            w += copy_ring(xy, n, !closed, tx, tol, dst + 2 * w);
        }
    }
    if (kept == 0) {
        record_warning(r, rec, "no part with enough points, skipped");
        return STEPPE_OK;
    }
    if (tol > 0.0 && cls != ST_GEOM_POINT) {
        double *copy = st_arena_alloc(r->job.arena, w * 2 * sizeof *copy);
        if (!copy)
            return STEPPE_ERR_NOMEM;
        memcpy(copy, dst, w * 2 * sizeof *copy);
        dst = copy;
    }

    st_feature *f = st_featureset_add(fs, r->job.arena);
    if (!f)
        return STEPPE_ERR_NOMEM;
    f->record = (uint32_t)rec;
    f->nparts = (uint32_t)kept;
    f->parts = parts;
    f->npoints = (uint32_t)w;
    f->xy = dst;
    if (tol > 0.0) {
        st_feature_update_bbox(f);
    } else {
        f->bbox[0] = bx0;
        f->bbox[1] = by0;
        f->bbox[2] = bx1;
        f->bbox[3] = by1;
    }
    fs->source_vertices += nv;
    return r->job.opts->geometry_only ? STEPPE_OK : st_dbf_keep_row(r, f);
}

/* Record i's offset in the .shp and content length, in bytes. */
static size_t rec_offset(const shp_reader *r, size_t i)
{
    return 2 * (size_t)r->index[i].off;
}

static size_t rec_length(const shp_reader *r, size_t i)
{
    return 2 * (size_t)r->index[i].len;
}

static int record_inside(const shp_reader *r, size_t i)
{
    return 2 * (uint64_t)r->index[i].off + 8 + 2 * (uint64_t)r->index[i].len <= r->size;
}

/* The number of index entries to go through: what the .shx lists, cut to
 * the rows of the .dbf. The file's real size decides which records can be
 * read: the header's file length and the index can both disagree with it
 * (a file cut short, a writer that left the length stale), and every record
 * that lies whole inside the file is read, wherever the others point. One
 * warning says what disagreed. */
static size_t record_count(shp_reader *r)
{
    size_t nshx = r->nrec;
    size_t nshp = 0;
    for (size_t i = 0; i < nshx; i++)
        nshp += record_inside(r, i) ? 1 : 0;
    char length[160] = "";
    if (r->declared != (int64_t)r->size)
        snprintf(length, sizeof length, "header gives a file length of %" PRId64 " bytes, the file has %zu; ",
                 r->declared, r->size);
    if (nshp < nshx)
        st_shp_warn(r, "%s: %sthe .shx lists %zu records but the .shp holds %zu of them; reading %zu",
                    r->job.path, length, nshx, nshp, nshp);
    else if (length[0])
        st_shp_warn(r, "%s: %sthe %zu records of the .shx lie inside it; reading them", r->job.path, length,
                    nshx);
    size_t n = nshx;
    if (r->dbf) {
        size_t ndbf = r->dbf->nRecords > 0 ? (size_t)r->dbf->nRecords : 0;
        if (ndbf != nshx) {
            size_t m = ndbf < nshx ? ndbf : nshx;
            st_shp_warn(r, "%s: the .shp holds %zu records but the .dbf %zu rows; reading %zu", r->job.path,
                        nshx, ndbf, m);
            n = m;
        }
    }
    return n;
}

/* Streaming (st_read_opts.batch): hands the features read so far on,
 * then drops them, with room for want more. */
static steppe_status_t hand_batch(shp_reader *r, size_t want)
{
    steppe_status_t st = r->job.opts->batch(r->job.opts->batch_user, r->job.fs);
    st_arena_reset(r->job.arena);
    r->job.fs->feat = NULL;
    r->job.fs->n = 0;
    r->job.fs->cap = 0;
    if (st == STEPPE_OK && !st_featureset_reserve(r->job.fs, r->job.arena, want))
        st = STEPPE_ERR_NOMEM;
    return st;
}

static steppe_status_t read_records(shp_reader *r)
{
    const st_filter *where = r->job.opts->where && r->job.opts->where->n ? r->job.opts->where : NULL;
    const double *bbox = r->job.opts->bbox;
    size_t n = record_count(r);
    if (n > INT32_MAX)
        n = INT32_MAX;
    /* Room for the features at once, not by doubling (whose old arrays stay
     * in the arena): every record, or with a cull, for a file of many
     * records, those whose bounding box meets it, counted by a first pass
     * over the record headers; with a filter, by doubling as before. */
    size_t want = where ? 0 : n; /* a filter: as many as it keeps, unknown */
    if (bbox && !where && n > 4096 && !r->job.opts->batch) {
        want = 0;
        for (size_t i = 0; i < n; i++) {
            if (!record_inside(r, i))
                continue;
            steppe_status_t rst = STEPPE_OK;
            const unsigned char *c = shp_at(r, rec_offset(r, i) + 8, rec_length(r, i), &rst);
            if (!c)
                return rst;
            shp_record d;
            const char *why = NULL;
            if (decode_record(c, rec_length(r, i), &d, &why) == REC_OK &&
                !(d.bbox[2] < bbox[0] || d.bbox[0] > bbox[2] || d.bbox[3] < bbox[1] || d.bbox[1] > bbox[3]))
                want++;
        }
    } else if (bbox) {
        want = 0;
    }
    const bool rows = !r->job.opts->geometry_only || !r->quiet || where;
    st_arena *keep = r->job.arena;
    if (r->job.opts->batch) {
        /* Streaming: features live in the batch arena until handed on. */
        r->job.arena = r->job.opts->batch_arena;
        want = r->job.opts->batch_records < 4096 ? r->job.opts->batch_records : 4096;
    }
    if (!st_featureset_reserve(r->job.fs, r->job.arena, want))
        return STEPPE_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        int rec = (int)i;
        /* Outside the file: said by record_count, and not counted. */
        if (!record_inside(r, i))
            continue;
        r->job.stats->records++;
        shp_record d;
        const char *why = NULL;
        steppe_status_t rst = STEPPE_OK;
        const unsigned char *c = shp_at(r, rec_offset(r, i) + 8, rec_length(r, i), &rst);
        if (!c)
            return rst;
        int kind = decode_record(c, rec_length(r, i), &d, &why);
        if (kind == REC_NULL) {
            r->job.stats->null_records++;
            continue;
        }
        if (kind == REC_BAD) {
            char msg[160];
            snprintf(msg, sizeof msg, "%s, skipped", why);
            record_warning(r, rec, msg);
            continue;
        }
        /* Written as "not disjoint" so that NaN bounds read the record,
         * whose coordinates are then checked. */
        if (bbox &&
            (d.bbox[2] < bbox[0] || d.bbox[0] > bbox[2] || d.bbox[3] < bbox[1] || d.bbox[1] > bbox[3])) {
            r->job.stats->culled++;
            continue;
        }
        if (r->dbf && DBFIsRecordDeleted(r->dbf, rec)) {
            r->job.stats->deleted++;
            continue;
        }
        if (r->dbf && rows) {
            steppe_status_t st = st_dbf_read_row(r, rec);
            if (st != STEPPE_OK)
                return st;
        }
        if (where) {
            st_feature probe = {.attrs = r->attrs};
            if (!st_filter_match(where, r->job.fs, &probe)) {
                r->job.stats->filtered++;
                continue;
            }
        }
        steppe_status_t st = add_record(r, rec, &d);
        if (st == STEPPE_OK && r->job.opts->batch &&
            (r->job.fs->n >= r->job.opts->batch_records ||
             (r->job.opts->batch_bytes && st_arena_used(r->job.arena) >= r->job.opts->batch_bytes)))
            st = hand_batch(r, want);
        if (st != STEPPE_OK)
            return st;
    }
    steppe_status_t st = r->job.opts->batch && r->job.fs->n ? hand_batch(r, 0) : STEPPE_OK;
    r->job.arena = keep;
    return st;
}

static void summarise_warnings(shp_reader *r)
{
    r->job.stats->record_problems = r->record_warnings + r->unclosed + r->degenerate + r->bad_bytes;
    if (r->record_warnings > MAX_RECORD_WARNINGS)
        st_shp_warn(r, "%s: %zu more records with problems not listed", r->job.path,
                    r->record_warnings - MAX_RECORD_WARNINGS);
    if (r->unclosed)
        st_shp_warn(r, "%s: %zu rings were not closed; closed them", r->job.path, r->unclosed);
    if (r->degenerate)
        st_shp_warn(r, "%s: %zu %s with too few points dropped", r->job.path, r->degenerate,
                    r->job.fs->type == ST_GEOM_LINE ? "lines" : "rings");
    if (r->bad_bytes)
        st_shp_warn(r, "%s: attributes are not valid %s; %zu bytes replaced with U+FFFD", r->job.path,
                    r->job.stats->encoding ? r->job.stats->encoding : "text", r->bad_bytes);
}

static void reader_init(shp_reader *r, steppe_ctx_t *ctx, const char *path, const st_read_opts *opts,
                        st_arena *arena, st_featureset *fs, st_source_stats *local_stats)
{
    memset(r, 0, sizeof *r);
    st_read_job_init(&r->job, ctx, path, opts, arena, fs, local_stats);
    r->quiet = r->job.opts->quiet;
    r->cd = (iconv_t)-1;
    r->fd = -1;
    SASetupDefaultHooks(&r->hooks);
    r->hooks.Error = shp_silent;
    r->hooks.FOpen = shp_fopen;
    r->hooks.FRead = win_read;
    r->hooks.FWrite = win_write;
    r->hooks.FSeek = win_seek;
    r->hooks.FTell = win_tell;
    r->hooks.FFlush = win_flush;
    r->hooks.FClose = win_close;
}

/* Frees what the reader holds; the arena's contents stay. */
static void reader_close(shp_reader *r)
{
    free(r->xy);
    free(r->attrs);
    free(r->offs);
    free(r->row);
    free(r->index);
    if (r->cd != (iconv_t)-1)
        iconv_close(r->cd);
    free(r->win);
    if (r->fd >= 0)
        close(r->fd);
    if (r->dbf)
        DBFClose(r->dbf);
}

/* The .dbf's encoding and fields, when there is a .dbf. */
static steppe_status_t setup_attributes(shp_reader *r)
{
    if (!r->dbf)
        return STEPPE_OK;
    steppe_status_t st = st_dbf_setup_encoding(r);
    if (st == STEPPE_OK)
        st = st_dbf_setup_fields(r);
    return st;
}

/* The where filter names fields the file has. */
static steppe_status_t check_where(shp_reader *r)
{
    return st_filter_check(r->job.ctx, r->job.opts->where, r->job.fs);
}

steppe_status_t st_source_read_shp(steppe_ctx_t *ctx, const char *path, const st_read_opts *opts,
                                   st_arena *arena, st_featureset *out)
{
    st_source_stats local_stats;
    st_featureset fs = {0};
    shp_reader r;
    reader_init(&r, ctx, path, opts, arena, &fs, &local_stats);

    /* The read, step by step; the first that fails ends it. */
    static steppe_status_t (*const steps[])(shp_reader *) = {
        open_shp, st_dbf_open, setup_attributes, setup_crs, check_where, read_records,
    };
    steppe_status_t st = STEPPE_OK;
    fs.path = st_arena_strdup(arena, path);
    if (!fs.path)
        st = STEPPE_ERR_NOMEM;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0] && st == STEPPE_OK; i++)
        st = steps[i](&r);
    if (st != STEPPE_OK)
        goto out;
    summarise_warnings(&r);
    *out = fs;

out:
    if (st == STEPPE_ERR_NOMEM)
        st_error(ctx, st, "%s: out of memory", path);
    reader_close(&r);
    return st;
}

/* ---- the driver (driver.h) ------------------------------------------------- */

/* The CRS before reading: the .prj's text (what the read will check with
 * PROJ and report), nothing when there is none (EPSG:4326 is assumed and
 * the read warns). */
static steppe_status_t shapefile_describe(st_source *src, st_source_desc *desc, st_arena *arena)
{
    char prj[4096];
    if (!st_shp_sibling(src->layer->source, "prj", prj, sizeof prj))
        return STEPPE_OK;
    size_t len = 0;
    const char *why = NULL;
    char *wkt = st_shp_read_small_text(arena, prj, &len, &why);
    if (wkt && len > 0 && strlen(wkt) == len)
        desc->crs = wkt;
    return STEPPE_OK;
}

static steppe_status_t shapefile_read(st_source *src, const st_read_opts *opts, st_arena *arena,
                                      st_featureset *out)
{
    return st_source_read_shp(src->ctx, src->layer->source, opts, arena, out);
}

const st_driver st_driver_shapefile = {
    .format = "Shapefile",
    .kind = ST_LAYER_SHAPEFILE,
    .describe = shapefile_describe,
    .read = shapefile_read,
};
