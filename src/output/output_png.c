/* Output: the PNG writer.
 *
 * libpng directly rather than cairo_surface_write_to_png(), for what cairo's
 * writer does not offer: the zlib level and row filter (the single biggest
 * factor in output time for large maps), RGB without an alpha channel for
 * opaque maps (a quarter smaller before compression), pHYs so the dpi survives
 * into print workflows, and text chunks naming title, software and source.
 * libpng's errors are caught by st_png_run() (png_errors.h), which runs
 * the writing steps; neither handler prints anything: the message goes to
 * the context. */
/* sched_getaffinity() and CPU_COUNT() */
#define _GNU_SOURCE
#include "output.h"
#include "png_deflate.h"

#include <errno.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <math.h>
#include <png.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "png_errors.h"

/* Row filter and default level (ST_PNG_DEFAULT_LEVEL = 2), measured on a
 * 4000x2320 RGB map (mapnik rendering of shapes/countries.shp and
 * ru_regions.shp: flat fills, 1 px antialiased borders), best of 3 runs,
 * zlib 1.2.13, time including the ARGB32 -> RGB conversion:
 *
 *     filter  level 1        level 2        level 3        level 6
 *     NONE     57 ms  889 KB  56 ms  879 KB  58 ms  863 KB 119 ms  753 KB
 *     SUB      68 ms 1004 KB  68 ms  994 KB  70 ms  982 KB 131 ms  845 KB
 *     UP       75 ms 1163 KB  75 ms 1154 KB  77 ms 1140 KB 137 ms 1038 KB
 *     PAETH    97 ms 1072 KB  97 ms 1061 KB 100 ms 1046 KB 160 ms  913 KB
 *     ALL     174 ms 1032 KB 174 ms 1022 KB 176 ms 1008 KB 237 ms  872 KB
 *     (cairo_surface_write_to_png: 251 ms)
 *
 * Maps are long runs of one colour, which deflate's LZ77 matches best when
 * left unfiltered; the SUB/UP/PAETH predictors that suit photographs turn
 * every antialiased edge into extra literals. A synthetic busier map (180
 * outlined blobs, 300 labels) ranked the same, and so does steppe's W2 map
 * (igzip level 2 / libdeflate level 6): NONE 1077 / 913 KB, SUB 1308 /
 * 1154, UP 1323 / 1167, PAETH 1334 / 1177, and libpng's per-row choice
 * (least sum of absolute differences) 1350 / 1196 KB.
 *
 * Level 1 goes to ISA-L's igzip (libisal 2.30), level 2, the default, to
 * steppe's own deflate for maps (png_deflate.c), the others to zlib. On W2's
 * rows (4000x2320, steppe's map, unfiltered, in the six parts below), CPU
 * time of all six, best of 7, on a loaded machine:
 *
 *     steppe's map deflate (2)   13.3 ms   920 KB
 *     igzip level 1               7.8 ms  1078 KB
 *     igzip level 2               7.3 ms  1077 KB
 *     libdeflate level 1         39.4 ms   938 KB
 *     libdeflate level 6         66.0 ms   913 KB
 *     zlib level 1               57.2 ms  1024 KB
 *     zlib level 6              130.1 ms   912 KB  (MapServer's file: 923 KB)
 *
 * igzip's greedy matcher misses what maps repeat (the row above, an edge
 * continued a few pixels along), so its files are 18 % larger than zlib's
 * level 6; the map deflate looks there first and reaches zlib 6's size at
 * about twice igzip's time. Level 1 keeps igzip for the fastest file,
 * 6-9 zlib for the smallest; zlib's 3-5 are slower than 2 and larger. */
#define ST_PNG_FILTER PNG_FILTER_NONE

static int is_ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s >= 0x80)
            return 0;
    }
    return 1;
}

/* tEXt is Latin-1 by definition (PNG spec 11.3.4.3); steppe's strings are
 * UTF-8, so anything beyond ASCII goes into an uncompressed iTXt chunk. */
static void set_text(png_text *t, const char *key, const char *value)
{
    memset(t, 0, sizeof *t);
    t->key = (png_charp)key;
    t->text = (png_charp)value;
    if (is_ascii(value)) {
        t->compression = PNG_TEXT_COMPRESSION_NONE;
        t->text_length = strlen(value);
    } else {
        t->compression = PNG_ITXT_COMPRESSION_NONE;
        t->itxt_length = strlen(value);
        t->lang = (png_charp) "";
        t->lang_key = (png_charp) "";
    }
}

#if defined(__x86_64__) && defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ST_HAVE_SSSE3_CONVERT 1
/* Opaque pixels four at a time with one byte shuffle (SSSE3, which nearly
 * every x86-64 has; checked at run time): B,G,R,A in memory to R,G,B. The
 * 16-byte store runs 4 bytes past the 12 it fills, so it stops 2 pixels
 * short of the row's end; returns the pixels done. The scalar loop took
 * about 5 % of W2's CPU time. */
__attribute__((target("ssse3"))) static int convert_opaque_ssse3(const uint8_t *src, uint8_t *dst, int width)
{
    const __m128i shuffle = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    int x = 0;
    for (; x + 6 <= width; x += 4) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(src + 4 * (size_t)x));
        _mm_storeu_si128((__m128i *)(void *)(dst + 3 * (size_t)x), _mm_shuffle_epi8(v, shuffle));
    }
    return x;
}
#endif

/* cairo's ARGB32 is one native-endian uint32 per pixel, colour premultiplied
 * by alpha. PNG wants straight (un-premultiplied) R,G,B[,A] bytes. */
static void convert_row(const uint8_t *src, uint8_t *dst, int width, bool alpha, bool ssse3)
{
    int x0 = 0;
#ifdef ST_HAVE_SSSE3_CONVERT
    if (!alpha && ssse3) {
        x0 = convert_opaque_ssse3(src, dst, width);
        dst += 3 * (size_t)x0;
    }
#else
    (void)ssse3;
#endif
    for (int x = x0; x < width; x++) {
        uint32_t p;
        memcpy(&p, src + 4 * (size_t)x, 4);
        unsigned a = p >> 24;
        unsigned r = (p >> 16) & 0xff;
        unsigned g = (p >> 8) & 0xff;
        unsigned b = p & 0xff;
        if (!alpha) {
            *dst++ = (uint8_t)r;
            *dst++ = (uint8_t)g;
            *dst++ = (uint8_t)b;
            continue;
        }
        if (a == 0) {
            r = g = b = 0;
        } else if (a < 255) {
            /* Rounded inverse of cairo's c * a / 255; clamped because a
             * premultiplied value may (wrongly) exceed its alpha. */
            r = (r * 255 + a / 2) / a;
            g = (g * 255 + a / 2) / a;
            b = (b * 255 + a / 2) / a;
            r = r > 255 ? 255 : r;
            g = g > 255 ? 255 : g;
            b = b > 255 ? 255 : b;
        }
        *dst++ = (uint8_t)r;
        *dst++ = (uint8_t)g;
        *dst++ = (uint8_t)b;
        *dst++ = (uint8_t)a;
    }
}

/* ---- parallel deflate -------------------------------------------------------
 *
 * On a large image the single deflate stream is the longest serial step of
 * a render. As pigz does, the image's rows are cut into parts (6, whatever
 * the machine: zpart_count()); each part is filtered (NONE), converted and
 * deflated by whichever thread is free, as raw deflate ending in a sync
 * flush (byte-aligned, not final), the last part with the final block. The
 * parts joined, behind a zlib header and followed by the Adler-32 of all the
 * rows (adler32_combine), are one valid zlib stream — the IDAT data — each
 * part written as an IDAT chunk whose CRC its thread computed, between
 * libpng's own header chunks and IEND. Each part starts with an empty
 * dictionary, which costs well under 1% in size. The checksums come from
 * libdeflate (vectorised): zlib 1.2.13's adler32() took 12-15 ms over W2's
 * 27.8 MB of rows, libdeflate_adler32() 1.2 ms. */

#define MAX_ZPARTS 16

typedef struct zpart {
    const uint8_t *data;
    int width, stride, y0, y1, level;
    bool alpha, last;
    uint8_t *out;
    size_t outlen;
    uLong adler;
    size_t rawlen;
    int err;
    uint32_t crc; /* of the IDAT chunk holding out: "IDAT" and the data */
} zpart;

/* Rows converted per call into the compressor: big enough that the calls
 * cost nothing, small enough to stay in the cache. */
#define ZCHUNK (128 * 1024)

/* Converts rows y..y+n of the part into buf (filter byte NONE + pixels)
 * and adds them to the part's checksum. */
static void convert_rows(zpart *z, int y, int n, uint8_t *buf, size_t rowlen)
{
#ifdef ST_HAVE_SSSE3_CONVERT
    bool ssse3 = __builtin_cpu_supports("ssse3");
#else
    bool ssse3 = false;
#endif
    for (int k = 0; k < n; k++) {
        uint8_t *row = buf + (size_t)k * rowlen;
        row[0] = 0; /* filter NONE */
        convert_row(z->data + (size_t)(y + k) * (size_t)z->stride, row + 1, z->width, z->alpha, ssse3);
    }
    z->adler = libdeflate_adler32((uint32_t)z->adler, buf, (size_t)n * rowlen);
}

/* Level 1: ISA-L's igzip, the fastest (see the table above). A sync flush
 * ends a part as zlib's Z_SYNC_FLUSH does: an empty stored block,
 * byte-aligned. */
static void deflate_part_isal(zpart *z, size_t rowlen, int rows_per_chunk, uint8_t *chunk)
{
    uint32_t lbsize = ISAL_DEF_LVL1_DEFAULT;
    uint8_t *lb = malloc(lbsize);
    size_t cap = z->rawlen + z->rawlen / 8 + 65536;
    z->out = malloc(cap);
    if (!lb || !z->out) {
        z->err = Z_MEM_ERROR;
        free(lb);
        return;
    }
    struct isal_zstream s;
    isal_deflate_init(&s);
    s.level = (uint32_t)z->level;
    s.level_buf = lb;
    s.level_buf_size = lbsize;
    size_t used = 0;
    for (int y = z->y0; y < z->y1 && z->err == Z_OK;) {
        int n = z->y1 - y < rows_per_chunk ? z->y1 - y : rows_per_chunk;
        convert_rows(z, y, n, chunk, rowlen);
        y += n;
        bool end = y == z->y1;
        s.next_in = chunk;
        s.avail_in = (uint32_t)((size_t)n * rowlen);
        s.end_of_stream = end && z->last;
        s.flush = end && !z->last ? SYNC_FLUSH : NO_FLUSH;
        for (;;) {
            if (cap - used < 65536) {
                uint8_t *grown = realloc(z->out, cap * 2);
                if (!grown) {
                    z->err = Z_MEM_ERROR;
                    break;
                }
                z->out = grown;
                cap *= 2;
            }
            size_t room = cap - used < UINT32_MAX ? cap - used : UINT32_MAX;
            s.next_out = z->out + used;
            s.avail_out = (uint32_t)room;
            if (isal_deflate(&s) != COMP_OK) {
                z->err = Z_STREAM_ERROR;
                break;
            }
            used = (size_t)(s.next_out - z->out);
            bool done = !end              ? s.avail_in == 0
                        : s.end_of_stream ? s.internal_state.state == ZSTATE_END
                                          : s.avail_in == 0 && s.internal_state.state == ZSTATE_NEW_HDR;
            if (done)
                break;
        }
    }
    z->outlen = used;
    free(lb);
}

/* Level 2, the default: steppe's own deflate for maps (png_deflate.h).
 * The rows are converted straight into its window. *mz is the thread's
 * compressor, made for the first part it takes and reset for the next
 * (fresh buffers for each part cost about 300 page faults). */
static void deflate_part_mapz(zpart *z, size_t rowlen, int rows_per_chunk, st_mapz **mz)
{
    if (!*mz)
        *mz = st_mapz_create(rowlen, z->alpha ? 4 : 3);
    else
        st_mapz_reset(*mz);
    st_mapz *m = *mz;
    if (!m) {
        z->err = Z_MEM_ERROR;
        return;
    }
    for (int y = z->y0; y < z->y1;) {
        int n = z->y1 - y < rows_per_chunk ? z->y1 - y : rows_per_chunk;
        size_t len = (size_t)n * rowlen;
        uint8_t *in = st_mapz_input(m, len);
        if (!in) {
            z->err = Z_MEM_ERROR;
            break;
        }
        convert_rows(z, y, n, in, rowlen);
        y += n;
        if (!st_mapz_feed(m, len)) {
            z->err = Z_MEM_ERROR;
            break;
        }
    }
    if (z->err == Z_OK && !st_mapz_finish(m, z->last, &z->out, &z->outlen))
        z->err = Z_MEM_ERROR;
}

/* Other levels: zlib. */
static void deflate_part_zlib(zpart *z, size_t rowlen, int rows_per_chunk, uint8_t *chunk)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    z->err = deflateInit2(&zs, z->level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    if (z->err != Z_OK)
        return;
    size_t cap = deflateBound(&zs, z->rawlen) + 64;
    z->out = malloc(cap);
    if (!z->out) {
        z->err = Z_MEM_ERROR;
        deflateEnd(&zs);
        return;
    }
    zs.next_out = z->out;
    zs.avail_out = (uInt)cap;
    for (int y = z->y0; y < z->y1 && z->err == Z_OK;) {
        int n = z->y1 - y < rows_per_chunk ? z->y1 - y : rows_per_chunk;
        convert_rows(z, y, n, chunk, rowlen);
        y += n;
        zs.next_in = chunk;
        zs.avail_in = (uInt)((size_t)n * rowlen);
        while (zs.avail_in > 0 && z->err == Z_OK)
            z->err = deflate(&zs, Z_NO_FLUSH) == Z_STREAM_ERROR ? Z_STREAM_ERROR : Z_OK;
    }
    if (z->err == Z_OK) {
        int rc = deflate(&zs, z->last ? Z_FINISH : Z_SYNC_FLUSH);
        z->err = (z->last ? rc == Z_STREAM_END : rc == Z_OK) ? Z_OK : Z_BUF_ERROR;
    }
    z->outlen = cap - zs.avail_out;
    deflateEnd(&zs);
}

/* Compresses one part; *mz is the calling thread's map compressor (level
 * 2), made here when NULL, destroyed by the thread when it is done. */
static void deflate_part(zpart *z, st_mapz **mz)
{
    size_t bpp = z->alpha ? 4 : 3;
    size_t rowlen = 1 + (size_t)z->width * bpp;
    z->rawlen = rowlen * (size_t)(z->y1 - z->y0);
    z->adler = adler32(0L, Z_NULL, 0);
    z->err = Z_OK;
    int rows_per_chunk = rowlen >= ZCHUNK ? 1 : (int)(ZCHUNK / rowlen);
    if (z->level == 2) {
        deflate_part_mapz(z, rowlen, rows_per_chunk, mz);
    } else {
        uint8_t *chunk = malloc((size_t)rows_per_chunk * rowlen);
        if (!chunk)
            z->err = Z_MEM_ERROR;
        else if (z->level == 1)
            deflate_part_isal(z, rowlen, rows_per_chunk, chunk);
        else
            deflate_part_zlib(z, rowlen, rows_per_chunk, chunk);
        free(chunk);
    }
    if (z->err == Z_OK) /* the chunk's CRC here too, on this thread */
        z->crc = (uint32_t)libdeflate_crc32(libdeflate_crc32(0, "IDAT", 4), z->out, z->outlen);
}

/* Writes data as an IDAT chunk whose CRC is known (zpart.crc). False on a
 * write error. libpng writes straight to fp (png_init_io), so the bytes
 * land in order between libpng's own chunks. */
static bool write_idat(FILE *fp, const uint8_t *data, size_t len, uint32_t crc)
{
    uint8_t head[8] = {
        (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, 'I', 'D', 'A', 'T'};
    uint8_t tail[4] = {(uint8_t)(crc >> 24), (uint8_t)(crc >> 16), (uint8_t)(crc >> 8), (uint8_t)crc};
    return len <= 0x7fffffffu && fwrite(head, 1, 8, fp) == 8 && fwrite(data, 1, len, fp) == len &&
           fwrite(tail, 1, 4, fp) == 4;
}

/* The parts, finished in order by the caller (st_png_rows_fn) and taken
 * in order by whichever thread is free: the helper threads while the
 * caller finishes the rows of the next parts, then the caller too. */
typedef struct zqueue {
    zpart *parts;
    int n;
    atomic_int ready; /* parts[0..ready) have final rows */
    atomic_int taken; /* parts[0..taken) are someone's */
    pthread_mutex_t lock;
    pthread_cond_t cond;
} zqueue;

/* How long a helper polls for the next part's rows before it sleeps. They
 * usually come within a few milliseconds; a thread that sleeps instead
 * leaves its core idle, and on a virtual machine an idle core can take 1-3
 * ms to wake, as long as compressing a part. */
#define ZPOLL_NS 20000000L

static long elapsed_ns(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

static void wait_ready(zqueue *q, int i)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned k = 1; atomic_load(&q->ready) <= i; k++) {
        if ((k & 255) == 0 && elapsed_ns(&t0) > ZPOLL_NS) {
            pthread_mutex_lock(&q->lock);
            while (atomic_load(&q->ready) <= i)
                pthread_cond_wait(&q->cond, &q->lock);
            pthread_mutex_unlock(&q->lock);
            return;
        }
        sched_yield();
    }
}

static void *zhelper(void *arg)
{
    zqueue *q = arg;
    st_mapz *mz = NULL;
    for (;;) {
        int i = atomic_fetch_add(&q->taken, 1);
        if (i >= q->n)
            break;
        wait_ready(q, i);
        deflate_part(&q->parts[i], &mz);
    }
    st_mapz_destroy(mz);
    return NULL;
}

/* Parts per image: a megapixel or more is cut into 6, so that a helper
 * has parts to compress while the caller finishes the rows of the next;
 * smaller images are one part, compressed by the caller. The count does
 * not depend on the machine: the parts' edges are where the render clips
 * its labels and panels, and where the compressed stream is flushed, so
 * the file is the same on every machine. */
static int zpart_count(int width, int height)
{
    if ((double)width * height < 1e6)
        return 1;
    return height < 6 ? 1 : 6;
}

/* The cores this thread may run on (taskset, cgroup cpusets), which the
 * helper threads inherit; only the speed depends on it, not the file. */
static long usable_cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set);
    return sysconf(_SC_NPROCESSORS_ONLN);
}

/* Deflates the image into parts[0..n), on helper threads as well. With
 * finish, the rows of each part are finished first, in order, and each
 * part is compressed as soon as they are. Returns false when out of memory
 * or when compression failed; parts' buffers are freed by the caller. */
static bool deflate_parallel(zpart *parts, int n, const uint8_t *data, int width, int height, int stride,
                             bool alpha, int level, st_png_rows_fn finish, void *user)
{
    enum { MAX_HELPERS = 4 };
    pthread_t th[MAX_HELPERS];
    int nhelpers = 0;
    zqueue q = {.parts = parts, .n = n};
    atomic_init(&q.ready, finish ? 0 : n);
    atomic_init(&q.taken, 0);
    pthread_mutex_init(&q.lock, NULL);
    pthread_cond_init(&q.cond, NULL);
    for (int i = 0; i < n; i++) {
        parts[i] = (zpart){.data = data,
                           .width = width,
                           .stride = stride,
                           .y0 = (int)((long)height * i / n),
                           .y1 = (int)((long)height * (i + 1) / n),
                           .level = level,
                           .alpha = alpha,
                           .last = i == n - 1,
                           .err = Z_OK};
    }
    long cores = n > 1 ? usable_cores() : 1;
    for (long k = 1; k < cores && nhelpers < MAX_HELPERS; k++) {
        if (pthread_create(&th[nhelpers], NULL, zhelper, &q) != 0)
            break;
        nhelpers++;
    }
    for (int i = 0; finish && i < n; i++) {
        finish(user, parts[i].y0, parts[i].y1);
        pthread_mutex_lock(&q.lock);
        atomic_store(&q.ready, i + 1);
        pthread_cond_broadcast(&q.cond);
        pthread_mutex_unlock(&q.lock);
    }
    zhelper(&q); /* the caller takes what is left */
    for (int k = 0; k < nhelpers; k++)
        pthread_join(th[k], NULL);
    pthread_cond_destroy(&q.cond);
    pthread_mutex_destroy(&q.lock);
    for (int i = 0; i < n; i++) {
        if (parts[i].err != Z_OK)
            return false;
    }
    return true;
}

steppe_status_t st_png_write(steppe_ctx_t *ctx, FILE *fp, const char *path, const uint8_t *data, int width,
                             int height, int stride, bool alpha, double dpi, const st_png_meta *meta,
                             int level)
{
    return st_png_write_rows(ctx, fp, path, data, width, height, stride, alpha, dpi, meta, level, NULL, NULL);
}

/* st_png_write_rows()' arguments and the parts it compresses into, for
 * write_steps() under st_png_run(). */
typedef struct png_job {
    FILE *fp;
    const uint8_t *data;
    int width, height, stride;
    bool alpha;
    double dpi;
    const st_png_meta *meta;
    int level;
    st_png_rows_fn finish;
    void *user;
    zpart *parts; /* nparts of them; their buffers are st_png_write_rows()' to free */
    int nparts;
} png_job;

static steppe_status_t write_steps(png_structp png, png_infop info, steppe_ctx_t *ctx, const char *path,
                                   void *user)
{
    png_job *j = user;
    png_text text[3];
    int ntext = 0;
    png_set_IHDR(png, info, (png_uint_32)j->width, (png_uint_32)j->height, 8,
                 j->alpha ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    /* cairo draws in sRGB; saying so spares viewers a guess. */
    png_set_sRGB(png, info, PNG_sRGB_INTENT_PERCEPTUAL);
    if (j->dpi > 0) {
        png_uint_32 ppm = (png_uint_32)lround(j->dpi / 0.0254);
        png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
    }
    const st_png_meta *meta = j->meta;
    if (meta && meta->title)
        set_text(&text[ntext++], "Title", meta->title);
    if (meta && meta->software)
        set_text(&text[ntext++], "Software", meta->software);
    if (meta && meta->source)
        set_text(&text[ntext++], "Source", meta->source);
    if (ntext > 0)
        png_set_text(png, info, text, ntext);

    png_write_info(png, info);
    int lv = j->level < 0 ? ST_PNG_DEFAULT_LEVEL : j->level;
    if (!deflate_parallel(j->parts, j->nparts, j->data, j->width, j->height, j->stride, j->alpha, lv,
                          j->finish, j->user))
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory compressing the PNG", path);
    /* zlib header: deflate, 32K window, FLEVEL from the level, FCHECK
     * making the 16-bit value a multiple of 31 (RFC 1950). */
    unsigned flevel = lv <= 1 ? 0 : lv <= 5 ? 1 : lv == 6 ? 2 : 3;
    unsigned cmf = 0x78, flg = flevel << 6;
    flg += 31 - (cmf * 256 + flg) % 31;
    uint8_t head[2] = {(uint8_t)cmf, (uint8_t)flg};
    uLong adler = j->parts[0].adler;
    for (int i = 1; i < j->nparts; i++)
        adler = adler32_combine(adler, j->parts[i].adler, (z_off_t)j->parts[i].rawlen);
    uint8_t tail[4] = {(uint8_t)(adler >> 24), (uint8_t)(adler >> 16), (uint8_t)(adler >> 8), (uint8_t)adler};
    png_write_chunk(png, (png_const_bytep) "IDAT", head, sizeof head);
    for (int i = 0; i < j->nparts; i++) {
        if (!write_idat(j->fp, j->parts[i].out, j->parts[i].outlen, j->parts[i].crc))
            return st_error(ctx, STEPPE_ERR_IO, "%s: cannot write PNG: %s", path, strerror(errno));
    }
    png_write_chunk(png, (png_const_bytep) "IDAT", tail, sizeof tail);
    png_write_chunk(png, (png_const_bytep) "IEND", NULL, 0);
    return STEPPE_OK;
}

steppe_status_t st_png_write_rows(steppe_ctx_t *ctx, FILE *fp, const char *path, const uint8_t *data,
                                  int width, int height, int stride, bool alpha, double dpi,
                                  const st_png_meta *meta, int level, st_png_rows_fn finish, void *user)
{
    if (width <= 0 || height <= 0 || stride < 4 * width || !data)
        return st_error(ctx, STEPPE_ERR_INTERNAL, "%s: invalid image %dx%d (stride %d)", path, width, height,
                        stride);
    if (level < -1 || level > 9)
        return st_error(ctx, STEPPE_ERR_USAGE, "PNG compression level %d out of range (0-9)", level);

    zpart parts[MAX_ZPARTS];
    memset(parts, 0, sizeof parts);
    png_job job = {fp, data, width, height, stride, alpha, dpi, meta, level, finish, user, parts, 0};
    job.nparts = zpart_count(width, height);
    steppe_status_t status = st_png_run(ctx, path, true, fp, write_steps, &job);
    for (int i = 0; i < job.nparts; i++)
        free(parts[i].out);
    return status;
}
