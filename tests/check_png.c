/* PNG writer: the chunks written (walked here byte by byte, CRCs checked),
 * pixel values read back with libpng, and libpng failures caught. */
/* sched_setaffinity() */
#define _GNU_SOURCE
#include <check.h>
#include <png.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "output.h"
#include "testutil.h"

/* ---- a minimal chunk walker ---------------------------------------------- */

#define MAX_CHUNKS 64

typedef struct chunk {
    char type[5];
    uint32_t len;
    const uint8_t *data;
} chunk;

typedef struct png_file {
    uint8_t *bytes;
    size_t size;
    chunk chunks[MAX_CHUNKS];
    int n;
} png_file;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads path and splits it into chunks, asserting the signature, every CRC
 * and that IEND comes last. */
static void load_chunks(const char *path, png_file *pf)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    pf->bytes = (uint8_t *)tu_read(path, &pf->size);
    pf->n = 0;
    ck_assert_ptr_nonnull(pf->bytes);
    ck_assert_uint_ge(pf->size, 8);
    ck_assert_mem_eq(pf->bytes, sig, 8);
    size_t pos = 8;
    while (pos < pf->size) {
        ck_assert_uint_le(pos + 12, pf->size);
        ck_assert_int_lt(pf->n, MAX_CHUNKS);
        chunk *c = &pf->chunks[pf->n++];
        c->len = be32(pf->bytes + pos);
        memcpy(c->type, pf->bytes + pos + 4, 4);
        c->type[4] = '\0';
        c->data = pf->bytes + pos + 8;
        ck_assert_uint_le(pos + 12 + c->len, pf->size);
        uLong crc = crc32(0, pf->bytes + pos + 4, 4 + c->len);
        ck_assert_msg(crc == be32(c->data + c->len), "bad CRC in %s", c->type);
        pos += 12 + c->len;
    }
    ck_assert_int_gt(pf->n, 0);
    ck_assert_str_eq(pf->chunks[pf->n - 1].type, "IEND");
    ck_assert_str_eq(pf->chunks[0].type, "IHDR");
}

static const chunk *find_chunk(const png_file *pf, const char *type, int nth)
{
    for (int i = 0; i < pf->n; i++) {
        if (strcmp(pf->chunks[i].type, type) == 0 && nth-- == 0)
            return &pf->chunks[i];
    }
    return NULL;
}

/* The text of the tEXt chunk with keyword key, or NULL (static buffer). */
static const char *find_text(const png_file *pf, const char *key)
{
    static char value[1024];
    for (int i = 0; i < pf->n; i++) {
        const chunk *c = &pf->chunks[i];
        size_t klen = strlen(key);
        if (strcmp(c->type, "tEXt") != 0 || c->len <= klen || memcmp(c->data, key, klen) != 0 ||
            c->data[klen] != 0)
            continue;
        size_t vlen = c->len - klen - 1;
        ck_assert_uint_lt(vlen, sizeof value);
        memcpy(value, c->data + klen + 1, vlen);
        value[vlen] = '\0';
        return value;
    }
    return NULL;
}

/* ---- images ------------------------------------------------------------------ */

/* A w x h ARGB32 image with row padding (stride > 4w, as cairo may use). */
static uint32_t *make_image(int w, int h, int stride_px)
{
    uint32_t *px = calloc((size_t)stride_px * h, 4);
    ck_assert_ptr_nonnull(px);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++)
            px[y * stride_px + x] = 0xff000000u | (uint32_t)(x * 7 % 256) << 16 |
                                    (uint32_t)(y * 5 % 256) << 8 | (uint32_t)((x + y) % 256);
        for (int x = w; x < stride_px; x++)
            px[y * stride_px + x] = 0xdeadbeefu; /* padding must be ignored */
    }
    return px;
}

static void write_file(steppe_ctx_t *ctx, const char *path, const uint32_t *px, int w, int h, int stride_px,
                       bool alpha, double dpi, const st_png_meta *meta, int level)
{
    st_atomic a;
    ck_assert_int_eq(st_atomic_open(ctx, path, &a), STEPPE_OK);
    steppe_status_t st =
        st_png_write(ctx, a.fp, path, (const uint8_t *)px, w, h, stride_px * 4, alpha, dpi, meta, level);
    ck_assert_msg(st == STEPPE_OK, "st_png_write: %s", steppe_ctx_last_error(ctx));
    ck_assert_int_eq(st_atomic_commit(ctx, &a), STEPPE_OK);
}

/* Reads path back as 8-bit RGBA (alpha 255 added for RGB files). */
static uint8_t *read_back(const char *path, int *w, int *h, int *color_type)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    ck_assert_int_ne(png_image_begin_read_from_file(&img, path), 0);
    *color_type = (img.format & PNG_FORMAT_FLAG_ALPHA) ? PNG_COLOR_TYPE_RGB_ALPHA : PNG_COLOR_TYPE_RGB;
    img.format = PNG_FORMAT_RGBA;
    uint8_t *buf = malloc(PNG_IMAGE_SIZE(img));
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_ne(png_image_finish_read(&img, NULL, buf, 0, NULL), 0);
    *w = (int)img.width;
    *h = (int)img.height;
    return buf;
}

/* ---- chunks -------------------------------------------------------------------- */

static const struct {
    double dpi;
    uint32_t ppm; /* pixels per metre, dpi / 0.0254 rounded */
} phys_table[] = {
    {96, 3780},
    {300, 11811},
    {72, 2835},
    {600, 23622},
};

START_TEST(test_chunks_rgb)
{
    const char *path = tu_join(tu_tmpdir(), "chunks.png");
    steppe_ctx_t *ctx = tu_ctx();
    uint32_t *px = make_image(37, 21, 40);
    st_png_meta meta = {"Forum map", "steppe " STEPPE_VERSION, "styles/forum.yaml"};
    png_file pf;

    write_file(ctx, path, px, 37, 21, 40, false, phys_table[_i].dpi, &meta, -1);
    load_chunks(path, &pf);

    const chunk *ihdr = &pf.chunks[0];
    ck_assert_uint_eq(ihdr->len, 13);
    ck_assert_uint_eq(be32(ihdr->data), 37);
    ck_assert_uint_eq(be32(ihdr->data + 4), 21);
    ck_assert_uint_eq(ihdr->data[8], 8);                  /* bit depth */
    ck_assert_uint_eq(ihdr->data[9], PNG_COLOR_TYPE_RGB); /* 2 */
    ck_assert_uint_eq(ihdr->data[12], 0);                 /* not interlaced */

    const chunk *phys = find_chunk(&pf, "pHYs", 0);
    ck_assert_ptr_nonnull(phys);
    ck_assert_uint_eq(phys->len, 9);
    ck_assert_uint_eq(be32(phys->data), phys_table[_i].ppm);
    ck_assert_uint_eq(be32(phys->data + 4), phys_table[_i].ppm);
    ck_assert_uint_eq(phys->data[8], 1); /* unit: metre */
    ck_assert_ptr_null(find_chunk(&pf, "pHYs", 1));

    ck_assert_str_eq(find_text(&pf, "Title"), "Forum map");
    ck_assert_str_eq(find_text(&pf, "Software"), "steppe " STEPPE_VERSION);
    ck_assert_str_eq(find_text(&pf, "Source"), "styles/forum.yaml");
    ck_assert_ptr_null(find_chunk(&pf, "tIME", 0));
    ck_assert_ptr_nonnull(find_chunk(&pf, "sRGB", 0));
    ck_assert_ptr_nonnull(find_chunk(&pf, "IDAT", 0));
    free(pf.bytes);
    free(px);
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_chunks_rgba_no_meta_no_dpi)
{
    const char *path = tu_join(tu_tmpdir(), "bare.png");
    steppe_ctx_t *ctx = tu_ctx();
    uint32_t *px = make_image(5, 3, 5);
    png_file pf;

    write_file(ctx, path, px, 5, 3, 5, true, 0, NULL, 9);
    load_chunks(path, &pf);
    ck_assert_uint_eq(pf.chunks[0].data[9], PNG_COLOR_TYPE_RGB_ALPHA); /* 6 */
    ck_assert_ptr_null(find_chunk(&pf, "pHYs", 0));
    ck_assert_ptr_null(find_chunk(&pf, "tEXt", 0));
    ck_assert_ptr_null(find_chunk(&pf, "tIME", 0));
    free(pf.bytes);
    free(px);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* tEXt is Latin-1; a UTF-8 title must go to iTXt, untouched. */
START_TEST(test_chunks_utf8_title)
{
    const char *path = tu_join(tu_tmpdir(), "utf8.png");
    steppe_ctx_t *ctx = tu_ctx();
    uint32_t *px = make_image(4, 4, 4);
    const char *title = "Қазақстан — steppe";
    st_png_meta meta = {title, "steppe", NULL};
    png_file pf;

    write_file(ctx, path, px, 4, 4, 4, false, 96, &meta, -1);
    load_chunks(path, &pf);
    ck_assert_ptr_null(find_text(&pf, "Title"));
    ck_assert_str_eq(find_text(&pf, "Software"), "steppe");
    ck_assert_ptr_null(find_text(&pf, "Source"));
    const chunk *itxt = find_chunk(&pf, "iTXt", 0);
    ck_assert_ptr_nonnull(itxt);
    /* keyword NUL, compression flag 0, method 0, language NUL, key NUL */
    ck_assert_mem_eq(itxt->data, "Title\0\0\0\0\0", 10);
    ck_assert_uint_eq(itxt->len, 10 + strlen(title));
    ck_assert_mem_eq(itxt->data + 10, title, strlen(title));
    free(pf.bytes);
    free(px);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* pngcheck -v, when installed, has the last word on validity. */
START_TEST(test_pngcheck)
{
    const char *dir = tu_tmpdir();
    steppe_ctx_t *ctx = tu_ctx();
    uint32_t *px = make_image(64, 48, 64);
    st_png_meta meta = {"Steppe — UTF-8", "steppe " STEPPE_VERSION, "forum.yaml"};
    char cmd[8400];

    if (system("command -v pngcheck >/dev/null 2>&1") != 0)
        return;
    const char *rgb = tu_join(dir, "rgb.png");
    const char *rgba = tu_join(dir, "rgba.png");
    write_file(ctx, rgb, px, 64, 48, 64, false, 300, &meta, -1);
    write_file(ctx, rgba, px, 64, 48, 64, true, 96, &meta, 0);
    snprintf(cmd, sizeof cmd, "pngcheck -v '%s' '%s' >/dev/null", rgb, rgba);
    ck_assert_int_eq(system(cmd), 0);
    free(px);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* ---- pixels ----------------------------------------------------------------------- */

/* Premultiplied ARGB32 in, straight RGBA expected out (RGBA mode); in RGB
 * mode the premultiplied colour is written as is. */
static const struct {
    uint32_t argb;
    uint8_t rgba[4];
    uint8_t rgb[3];
} pixel_table[] = {
    {0xff0a141e, {10, 20, 30, 255}, {10, 20, 30}},
    {0xffffffff, {255, 255, 255, 255}, {255, 255, 255}},
    {0x00000000, {0, 0, 0, 0}, {0, 0, 0}},
    {0x80402000, {128, 64, 0, 128}, {64, 32, 0}}, /* 64*255/128 = 127.5 -> 128 */
    {0x80808080, {255, 255, 255, 128}, {128, 128, 128}},
    {0x01010101, {255, 255, 255, 1}, {1, 1, 1}},
    {0x40102030, {64, 128, 191, 64}, {16, 32, 48}}, /* 48*255/64 = 191.25 */
    {0x40ff0000, {255, 0, 0, 64}, {255, 0, 0}},     /* invalid premultiplication: clamped */
};

START_TEST(test_pixels_round_trip)
{
    const char *dir = tu_tmpdir();
    steppe_ctx_t *ctx = tu_ctx();
    const int n = (int)(sizeof pixel_table / sizeof pixel_table[0]);
    uint32_t px[2 * 16];
    int w, h, ct;

    /* Row 0 holds the table; row 1 the table reversed; stride 16 pixels. */
    memset(px, 0xee, sizeof px);
    for (int i = 0; i < n; i++) {
        px[i] = pixel_table[i].argb;
        px[16 + i] = pixel_table[n - 1 - i].argb;
    }
    const char *rgba = tu_join(dir, "rgba.png");
    write_file(ctx, rgba, px, n, 2, 16, true, 96, NULL, -1);
    uint8_t *got = read_back(rgba, &w, &h, &ct);
    ck_assert_int_eq(w, n);
    ck_assert_int_eq(h, 2);
    ck_assert_int_eq(ct, PNG_COLOR_TYPE_RGB_ALPHA);
    for (int i = 0; i < n; i++) {
        ck_assert_msg(memcmp(got + 4 * i, pixel_table[i].rgba, 4) == 0, "RGBA pixel %d: got %d,%d,%d,%d", i,
                      got[4 * i], got[4 * i + 1], got[4 * i + 2], got[4 * i + 3]);
        ck_assert_mem_eq(got + 4 * (n + i), pixel_table[n - 1 - i].rgba, 4);
    }
    free(got);

    const char *rgb = tu_join(dir, "rgb.png");
    write_file(ctx, rgb, px, n, 2, 16, false, 96, NULL, -1);
    got = read_back(rgb, &w, &h, &ct);
    ck_assert_int_eq(ct, PNG_COLOR_TYPE_RGB);
    for (int i = 0; i < n; i++) {
        ck_assert_msg(memcmp(got + 4 * i, pixel_table[i].rgb, 3) == 0, "RGB pixel %d: got %d,%d,%d", i,
                      got[4 * i], got[4 * i + 1], got[4 * i + 2]);
        ck_assert_uint_eq(got[4 * i + 3], 255);
    }
    free(got);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* The PNG at path decodes to w x h pixels equal to the opaque ARGB32 image
 * px (stride_px pixels a row). */
static void assert_pixels(const char *path, const uint32_t *px, int w, int h, int stride_px)
{
    int gw, gh, ct;
    uint8_t *got = read_back(path, &gw, &gh, &ct);
    ck_assert_int_eq(gw, w);
    ck_assert_int_eq(gh, h);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint32_t p = px[(size_t)y * stride_px + x];
            const uint8_t *g = got + 4 * ((size_t)y * w + x);
            ck_assert_msg(g[0] == ((p >> 16) & 0xff) && g[1] == ((p >> 8) & 0xff) && g[2] == (p & 0xff) &&
                              g[3] == 255,
                          "pixel %d,%d", x, y);
        }
    }
    free(got);
}

/* Images over a megapixel are deflated in bands on several threads and the
 * streams joined: the file must still decode (libpng checks the zlib
 * stream and its Adler-32) to exactly the pixels written, RGB and RGBA,
 * at several levels (1-2 ISA-L, the others zlib) and at sizes whose rows
 * do not divide evenly; noise, which deflate cannot shrink, too. */
static const struct {
    int w, h, level;
    bool alpha, noise;
} big_table[] = {
    {1200, 1000, -1, false, false}, {1001, 1003, 6, true, false}, {2000, 777, 1, false, false},
    {1003, 1001, 2, true, false},   {1500, 800, 2, false, true},  {1500, 800, 9, true, true},
};

START_TEST(test_big_image_parallel_deflate)
{
    const char *dir = tu_tmpdir();
    steppe_ctx_t *ctx = tu_ctx();
    int w = big_table[_i].w, h = big_table[_i].h, stride = w + 3;
    uint32_t *px = malloc((size_t)stride * (size_t)h * sizeof *px);
    ck_assert_ptr_nonnull(px);
    uint32_t seed = 2463534242u;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < stride; x++) {
            uint32_t v = (uint32_t)(x * 31 + y * 17) & 0xff;
            /* opaque unless alpha: then a = 255 (premultiplied values equal straight ones) */
            px[(size_t)y * stride + x] =
                0xff000000u | v << 16 | (uint32_t)(y & 0xff) << 8 | (uint32_t)((x / 50) & 0xff);
            if (big_table[_i].noise) {
                seed ^= seed << 13; /* xorshift32 */
                seed ^= seed >> 17;
                seed ^= seed << 5;
                px[(size_t)y * stride + x] = 0xff000000u | (seed & 0xffffff);
            }
        }
    }
    const char *path = tu_join(dir, "big.png");
    write_file(ctx, path, px, w, h, stride, big_table[_i].alpha, 96, NULL, big_table[_i].level);
    assert_pixels(path, px, w, h, stride);
    free(px);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* The file does not depend on how many threads compress it: the parts are
 * cut by the image's size, not the machine's cores. Written once on every
 * core this process may use and once pinned to one core (no helper
 * thread: the caller compresses all six parts), at the default level and
 * at zlib's 6, the bytes must be the same, and decode to the pixels. */
static const int threads_levels[] = {-1, 1, 6};

START_TEST(test_same_bytes_any_thread_count)
{
    const char *dir = tu_tmpdir();
    steppe_ctx_t *ctx = tu_ctx();
    const int w = 1500, h = 900;
    uint32_t *px = malloc((size_t)w * h * sizeof *px);
    ck_assert_ptr_nonnull(px);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            bool line = (x - y + 3000) % 97 <= 1 || (x - 3 * y + 6000) % 131 <= 2;
            px[(size_t)y * w + x] = line ? 0xff646464u : x > w / 2 ? 0xfff2ede3u : 0xffccdef0u;
        }
    }
    cpu_set_t all, one;
    ck_assert_int_eq(sched_getaffinity(0, sizeof all, &all), 0);
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (CPU_ISSET(c, &all)) {
            CPU_SET(c, &one);
            break;
        }
    }
    const char *many = tu_join(dir, "many.png");
    const char *single = tu_join(dir, "one.png");
    int level = threads_levels[_i];
    write_file(ctx, many, px, w, h, w, false, 96, NULL, level);
    ck_assert_int_eq(sched_setaffinity(0, sizeof one, &one), 0);
    write_file(ctx, single, px, w, h, w, false, 96, NULL, level);
    ck_assert_int_eq(sched_setaffinity(0, sizeof all, &all), 0);
    size_t n1, n2;
    char *b1 = tu_read(many, &n1);
    char *b2 = tu_read(single, &n2);
    ck_assert_ptr_nonnull(b1);
    ck_assert_ptr_nonnull(b2);
    ck_assert_msg(n1 == n2 && memcmp(b1, b2, n1) == 0, "level %d: %zu bytes on all cores, %zu on one", level,
                  n1, n2);
    png_file pf;
    load_chunks(many, &pf);
    ck_assert_ptr_nonnull(find_chunk(&pf, "IDAT", 6)); /* header, six parts, checksum */
    free(pf.bytes);
    assert_pixels(single, px, w, h, w);
    free(b1);
    free(b2);
    free(px);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* st_png_write_rows(): the image starts blank and each part's rows are
 * written only when the writer asks for them. The file must hold every
 * row as finished (so no part was compressed before its rows were), and
 * the calls must cover the rows once each, top to bottom. */
typedef struct rows_log {
    uint32_t *px;
    int w, stride;
    int next_y; /* where the next call must start */
    int calls;
    bool ok;
} rows_log;

static void finish_rows(void *user, int y0, int y1)
{
    rows_log *l = user;
    l->ok = l->ok && y0 == l->next_y && y1 > y0;
    l->next_y = y1;
    l->calls++;
    /* Slow, as drawing labels is: a part compressed before its rows are
     * finished would hold blank rows. */
    struct timespec pause = {0, 3000000};
    nanosleep(&pause, NULL);
    for (int y = y0; y < y1; y++) {
        for (int x = 0; x < l->w; x++)
            l->px[(size_t)y * l->stride + x] =
                0xff000000u | (uint32_t)(x * 7 + y * 3) << 8 | (uint32_t)(y & 0xff);
    }
}

static const struct {
    int w, h, level;
} rows_table[] = {{1500, 900, -1}, {1200, 1001, 6}, {300, 200, 2}};

START_TEST(test_rows_finished_in_order)
{
    const char *dir = tu_tmpdir();
    steppe_ctx_t *ctx = tu_ctx();
    int w = rows_table[_i].w, h = rows_table[_i].h;
    rows_log l = {calloc((size_t)w * (size_t)h, sizeof(uint32_t)), w, w, 0, 0, true};
    ck_assert_ptr_nonnull(l.px);
    const char *path = tu_join(dir, "rows.png");
    st_atomic a;
    ck_assert_int_eq(st_atomic_open(ctx, path, &a), STEPPE_OK);
    steppe_status_t st = st_png_write_rows(ctx, a.fp, path, (const uint8_t *)l.px, w, h, w * 4, false, 96,
                                           NULL, rows_table[_i].level, finish_rows, &l);
    ck_assert_msg(st == STEPPE_OK, "st_png_write_rows: %s", steppe_ctx_last_error(ctx));
    ck_assert_int_eq(st_atomic_commit(ctx, &a), STEPPE_OK);
    ck_assert(l.ok);
    ck_assert_int_eq(l.next_y, h);
    if ((double)w * h >= 1e6)
        ck_assert_int_gt(l.calls, 1);
    assert_pixels(path, l.px, w, h, w);
    free(l.px);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* Every level gives the same pixels; 0 is stored, so the largest. */
START_TEST(test_levels)
{
    const char *dir = tu_tmpdir();
    steppe_ctx_t *ctx = tu_ctx();
    uint32_t *px = make_image(200, 100, 200);
    size_t size0 = 0;

    for (int level = -1; level <= 9; level++) {
        char name[32];
        int w, h, ct;
        size_t size;
        snprintf(name, sizeof name, "l%d.png", level);
        const char *path = tu_join(dir, name);
        write_file(ctx, path, px, 200, 100, 200, false, 96, NULL, level);
        free(tu_read(path, &size));
        if (level == 0)
            size0 = size;
        else if (level > 0)
            ck_assert_uint_lt(size, size0);
        uint8_t *got = read_back(path, &w, &h, &ct);
        for (int i = 0; i < 200 * 100; i++) {
            uint32_t p = px[i];
            ck_assert_uint_eq(got[4 * i], (p >> 16) & 0xff);
            ck_assert_uint_eq(got[4 * i + 1], (p >> 8) & 0xff);
            ck_assert_uint_eq(got[4 * i + 2], p & 0xff);
        }
        free(got);
    }
    free(px);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* ---- errors ------------------------------------------------------------------------- */

static const struct {
    int w, h, stride, level;
    steppe_status_t status;
} bad_args_table[] = {
    {0, 10, 40, -1, STEPPE_ERR_INTERNAL},  {10, 0, 40, -1, STEPPE_ERR_INTERNAL},
    {10, 10, 36, -1, STEPPE_ERR_INTERNAL}, /* stride shorter than a row */
    {10, 10, 40, 10, STEPPE_ERR_USAGE},    {10, 10, 40, -2, STEPPE_ERR_USAGE},
};

START_TEST(test_bad_args)
{
    steppe_ctx_t *ctx = tu_ctx();
    uint32_t px[100] = {0};
    FILE *fp = tmpfile();
    ck_assert_int_eq(st_png_write(ctx, fp, "x.png", (const uint8_t *)px, bad_args_table[_i].w,
                                  bad_args_table[_i].h, bad_args_table[_i].stride, false, 96, NULL,
                                  bad_args_table[_i].level),
                     bad_args_table[_i].status);
    ck_assert_str_ne(steppe_ctx_last_error(ctx), "");
    fclose(fp);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* A stream that refuses writes makes libpng call its error handler, which
 * longjmps back: the failure is recorded in ctx and nothing is printed. */
START_TEST(test_write_error_is_caught)
{
    const char *path = tu_join(tu_tmpdir(), "ro.png");
    steppe_ctx_t *ctx = tu_ctx();
    uint32_t *px = make_image(300, 300, 300);

    ck_assert_int_eq(tu_write(path, ""), 0);
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    setvbuf(fp, NULL, _IONBF, 0);
    steppe_status_t st = st_png_write(ctx, fp, path, (const uint8_t *)px, 300, 300, 1200, false, 96, NULL, 0);
    ck_assert_int_eq(st, STEPPE_ERR_IO);
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx), "cannot write PNG"));
    ck_assert_ptr_nonnull(strstr(tu_log(), "error: "));
    fclose(fp);
    free(px);
    steppe_ctx_destroy(ctx);
}
END_TEST

static Suite *png_suite(void)
{
    Suite *s = suite_create("png");
    TCase *tc = tcase_create("chunks");
    tcase_add_loop_test(tc, test_chunks_rgb, 0, sizeof phys_table / sizeof phys_table[0]);
    tcase_add_test(tc, test_chunks_rgba_no_meta_no_dpi);
    tcase_add_test(tc, test_chunks_utf8_title);
    tcase_add_test(tc, test_pngcheck);
    suite_add_tcase(s, tc);

    tc = tcase_create("pixels");
    tcase_add_test(tc, test_pixels_round_trip);
    tcase_add_loop_test(tc, test_big_image_parallel_deflate, 0, sizeof big_table / sizeof big_table[0]);
    tcase_add_test(tc, test_levels);
    tcase_add_loop_test(tc, test_same_bytes_any_thread_count, 0,
                        sizeof threads_levels / sizeof threads_levels[0]);
    tcase_add_loop_test(tc, test_rows_finished_in_order, 0, sizeof rows_table / sizeof rows_table[0]);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_loop_test(tc, test_bad_args, 0, sizeof bad_args_table / sizeof bad_args_table[0]);
    tcase_add_test(tc, test_write_error_is_caught);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(png_suite());
}
