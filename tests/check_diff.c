/* Image diff: counting, threshold, tolerance, bounding box, colour types,
 * size mismatch, unreadable files and the highlight image. */
#include <check.h>
#include <dirent.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include <steppe/diff.h>

#include "testutil.h"

/* ---- writing test images ----------------------------------------------------- */

/* An RGBA8 picture in memory (straight alpha). */
typedef struct pic {
    int w, h;
    uint8_t *px;
} pic;

static pic pic_new(int w, int h)
{
    pic p = {w, h, calloc((size_t)w * h, 4)};
    ck_assert_ptr_nonnull(p.px);
    /* A map-like pattern: bands of flat colour with a diagonal edge. */
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint8_t *q = p.px + 4 * ((size_t)y * w + x);
            q[0] = x + y < w ? 200 : 90;
            q[1] = (uint8_t)(40 + (y / 4) * 20);
            q[2] = (uint8_t)(x * 3);
            q[3] = 255;
        }
    }
    return p;
}

static uint8_t *at(pic *p, int x, int y)
{
    return p->px + 4 * ((size_t)y * p->w + x);
}

enum { AS_RGBA8, AS_RGB8, AS_RGB16, AS_GRAY8, AS_GRAY_ALPHA8, AS_PALETTE, AS_GRAY2, AS_INTERLACED };

/* Writes p with libpng in the given encoding. Grey and palette encodings
 * take their values from the red channel / from a palette built on the fly;
 * the caller makes sure p is representable. */
static void write_as(const char *path, pic *p, int how)
{
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    ck_assert_int_eq(setjmp(png_jmpbuf(png)), 0);
    png_init_io(png, fp);

    int ct = PNG_COLOR_TYPE_RGB_ALPHA, depth = 8, channels = 4, interlace = PNG_INTERLACE_NONE;
    png_color palette[256];
    png_byte trans[256];
    int npal = 0;
    switch (how) {
    case AS_RGB8:
        ct = PNG_COLOR_TYPE_RGB;
        channels = 3;
        break;
    case AS_RGB16:
        ct = PNG_COLOR_TYPE_RGB;
        depth = 16;
        channels = 6;
        break;
    case AS_GRAY8:
        ct = PNG_COLOR_TYPE_GRAY;
        channels = 1;
        break;
    case AS_GRAY_ALPHA8:
        ct = PNG_COLOR_TYPE_GRAY_ALPHA;
        channels = 2;
        break;
    case AS_GRAY2:
        ct = PNG_COLOR_TYPE_GRAY;
        depth = 2;
        channels = 1;
        break;
    case AS_PALETTE:
        ct = PNG_COLOR_TYPE_PALETTE;
        channels = 1;
        break;
    case AS_INTERLACED: interlace = PNG_INTERLACE_ADAM7; break;
    default: break;
    }
    size_t rowbytes = (size_t)p->w * channels;
    uint8_t *rows = calloc((size_t)p->h, rowbytes);
    ck_assert_ptr_nonnull(rows);
    for (int y = 0; y < p->h; y++) {
        uint8_t *r = rows + y * rowbytes;
        for (int x = 0; x < p->w; x++) {
            const uint8_t *q = at(p, x, y);
            switch (how) {
            case AS_RGB8: memcpy(r + 3 * x, q, 3); break;
            case AS_RGB16:
                for (int c = 0; c < 3; c++) {
                    r[6 * x + 2 * c] = q[c];
                    r[6 * x + 2 * c + 1] = q[c]; /* v * 257: exact in 16 bits */
                }
                break;
            case AS_GRAY8: r[x] = q[0]; break;
            case AS_GRAY_ALPHA8:
                r[2 * x] = q[0];
                r[2 * x + 1] = q[3];
                break;
            case AS_GRAY2: r[x / 4] |= (uint8_t)((q[0] / 85) << (6 - 2 * (x % 4))); break;
            case AS_PALETTE: {
                int i = 0;
                while (i < npal && !(palette[i].red == q[0] && palette[i].green == q[1] &&
                                     palette[i].blue == q[2] && trans[i] == q[3]))
                    i++;
                if (i == npal) {
                    ck_assert_int_lt(npal, 256);
                    palette[i].red = q[0];
                    palette[i].green = q[1];
                    palette[i].blue = q[2];
                    trans[i] = q[3];
                    npal++;
                }
                r[x] = (uint8_t)i;
                break;
            }
            default: memcpy(r + 4 * x, q, 4); break;
            }
        }
    }
    png_set_IHDR(png, info, (png_uint_32)p->w, (png_uint_32)p->h, depth, ct, interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (how == AS_PALETTE) {
        png_set_PLTE(png, info, palette, npal);
        png_set_tRNS(png, info, trans, npal, NULL);
    }
    png_write_info(png, info);
    int passes = png_set_interlace_handling(png);
    for (int pass = 0; pass < passes; pass++) {
        for (int y = 0; y < p->h; y++)
            png_write_row(png, rows + (size_t)y * ((size_t)p->w * channels));
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    ck_assert_int_eq(fclose(fp), 0);
}

static steppe_diff_result_t run_diff(const char *a, const char *b, const steppe_diff_opts_t *opts)
{
    steppe_ctx_t *ctx = tu_ctx();
    steppe_diff_result_t r;
    memset(&r, 0xab, sizeof r);
    steppe_status_t st = steppe_diff_png(ctx, a, b, opts, &r);
    ck_assert_msg(st == STEPPE_OK, "diff failed: %s", steppe_ctx_last_error(ctx));
    steppe_ctx_destroy(ctx);
    return r;
}

/* ---- colour types ---------------------------------------------------------------- */

/* The same picture stored in any encoding compares identical to RGBA8. */
static const struct {
    int how;
    int grey_only;   /* the picture is made grey (and 2-bit for GRAY2) */
    int translucent; /* the picture gets alpha */
} encoding_table[] = {
    {AS_RGBA8, 0, 1},       {AS_RGB8, 0, 0},    {AS_RGB16, 0, 0}, {AS_GRAY8, 1, 0},
    {AS_GRAY_ALPHA8, 1, 1}, {AS_PALETTE, 0, 1}, {AS_GRAY2, 1, 0}, {AS_INTERLACED, 0, 1},
};

START_TEST(test_encodings_compare_equal)
{
    const char *dir = tu_tmpdir();
    pic p = pic_new(23, 17);
    for (int y = 0; y < p.h; y++) {
        for (int x = 0; x < p.w; x++) {
            uint8_t *q = at(&p, x, y);
            if (encoding_table[_i].grey_only) {
                uint8_t v = encoding_table[_i].how == AS_GRAY2 ? (uint8_t)(85 * ((x + y) % 4)) : q[2];
                q[0] = q[1] = q[2] = v;
            }
            if (encoding_table[_i].how == AS_PALETTE)
                q[2] = (uint8_t)(q[2] & 0xc0); /* few enough colours for a palette */
            if (encoding_table[_i].translucent)
                q[3] = (uint8_t)(255 - 10 * (x % 5));
        }
    }
    const char *ref = tu_join(dir, "ref.png");
    const char *enc = tu_join(dir, "enc.png");
    write_as(ref, &p, AS_RGBA8);
    write_as(enc, &p, encoding_table[_i].how);

    steppe_diff_opts_t opts;
    steppe_diff_opts_init(&opts);
    opts.threshold = 0;
    steppe_diff_result_t r = run_diff(ref, enc, &opts);
    ck_assert(r.same_size);
    ck_assert_uint_eq(r.total, 23 * 17);
    ck_assert_uint_eq(r.differing, 0);
    ck_assert_int_eq(r.max_delta, 0);
    ck_assert(r.match);
    ck_assert_int_eq(r.x0, -1);
    ck_assert_int_eq(r.y1, -1);
    free(p.px);
}
END_TEST

/* ---- counting ------------------------------------------------------------------------ */

/* One pixel changed by delta in one channel, against threshold: differs? */
static const struct {
    int channel, delta, threshold;
    int differs;
} threshold_table[] = {
    {0, 8, 8, 0},     {0, 9, 8, 1},     {1, -9, 8, 1}, {2, 1, 0, 1},  {2, 1, 1, 0}, {3, -20, 8, 1},
    {0, -100, 99, 1}, {1, 100, 100, 0}, {0, 1, -1, 1}, {0, 0, -1, 0}, /* -1: the default threshold (0: exact)
                                                                       */
};

START_TEST(test_threshold)
{
    const char *dir = tu_tmpdir();
    pic a = pic_new(10, 10);
    pic b = pic_new(10, 10);
    uint8_t *q = at(&b, 6, 3);
    q[threshold_table[_i].channel] = (uint8_t)(q[threshold_table[_i].channel] + threshold_table[_i].delta);
    write_as(tu_join(dir, "a.png"), &a, AS_RGBA8);
    write_as(tu_join(dir, "b.png"), &b, AS_RGBA8);

    steppe_diff_opts_t opts;
    steppe_diff_opts_init(&opts);
    ck_assert_int_eq(opts.threshold, 0);
    if (threshold_table[_i].threshold >= 0)
        opts.threshold = threshold_table[_i].threshold;
    steppe_diff_result_t r = run_diff(tu_join(dir, "a.png"), tu_join(dir, "b.png"), &opts);
    ck_assert_uint_eq(r.differing, (uint64_t)threshold_table[_i].differs);
    ck_assert_int_eq(r.max_delta, abs(threshold_table[_i].delta));
    ck_assert_int_eq(r.match, !threshold_table[_i].differs);
    if (threshold_table[_i].differs) {
        ck_assert_int_eq(r.x0, 6);
        ck_assert_int_eq(r.x1, 6);
        ck_assert_int_eq(r.y0, 3);
        ck_assert_int_eq(r.y1, 3);
        ck_assert_double_eq_tol(r.share, 0.01, 1e-12);
    }
    free(a.px);
    free(b.px);
}
END_TEST

/* A 5x4 block changed at (30,10) in a 100x50 image: 20 of 5000 = 0.4%. */
static const struct {
    double tolerance;
    int match;
} tolerance_table[] = {
    {0.0, 0}, {0.003, 0}, {0.004, 1}, {0.005, 1}, {1.0, 1},
};

START_TEST(test_block_and_tolerance)
{
    const char *dir = tu_tmpdir();
    pic a = pic_new(100, 50);
    pic b = pic_new(100, 50);
    for (int y = 10; y < 14; y++) {
        for (int x = 30; x < 35; x++)
            at(&b, x, y)[1] ^= 0x80;
    }
    write_as(tu_join(dir, "a.png"), &a, AS_RGB8);
    write_as(tu_join(dir, "b.png"), &b, AS_RGB8);
    steppe_diff_opts_t opts;
    steppe_diff_opts_init(&opts);
    opts.tolerance = tolerance_table[_i].tolerance;
    steppe_diff_result_t r = run_diff(tu_join(dir, "a.png"), tu_join(dir, "b.png"), &opts);
    ck_assert_uint_eq(r.differing, 20);
    ck_assert_uint_eq(r.total, 5000);
    ck_assert_double_eq_tol(r.share, 0.004, 1e-12);
    ck_assert_int_eq(r.x0, 30);
    ck_assert_int_eq(r.y0, 10);
    ck_assert_int_eq(r.x1, 34);
    ck_assert_int_eq(r.y1, 13);
    ck_assert_int_eq(r.max_delta, 128);
    ck_assert_int_eq(r.match, tolerance_table[_i].match);
    free(a.px);
    free(b.px);
}
END_TEST

/* Differences scattered to the corners: the box spans them all. */
START_TEST(test_bounding_box_spans)
{
    const char *dir = tu_tmpdir();
    pic a = pic_new(40, 30);
    pic b = pic_new(40, 30);
    at(&b, 39, 2)[0] ^= 0xff;
    at(&b, 0, 29)[0] ^= 0xff;
    at(&b, 17, 0)[0] ^= 0xff;
    write_as(tu_join(dir, "a.png"), &a, AS_RGBA8);
    write_as(tu_join(dir, "b.png"), &b, AS_RGBA8);
    steppe_diff_result_t r = run_diff(tu_join(dir, "a.png"), tu_join(dir, "b.png"), NULL);
    ck_assert_uint_eq(r.differing, 3);
    ck_assert_int_eq(r.x0, 0);
    ck_assert_int_eq(r.y0, 0);
    ck_assert_int_eq(r.x1, 39);
    ck_assert_int_eq(r.y1, 29);
    free(a.px);
    free(b.px);
}
END_TEST

/* Fully transparent pixels are equal whatever colour they store. */
START_TEST(test_transparent_colour_ignored)
{
    const char *dir = tu_tmpdir();
    pic a = pic_new(8, 8);
    pic b = pic_new(8, 8);
    for (int i = 0; i < 64; i++) {
        a.px[4 * i + 3] = 0;
        b.px[4 * i + 3] = 0;
        b.px[4 * i] = (uint8_t)(255 - a.px[4 * i]);
    }
    write_as(tu_join(dir, "a.png"), &a, AS_RGBA8);
    write_as(tu_join(dir, "b.png"), &b, AS_RGBA8);
    steppe_diff_opts_t opts;
    steppe_diff_opts_init(&opts);
    opts.threshold = 0;
    steppe_diff_result_t r = run_diff(tu_join(dir, "a.png"), tu_join(dir, "b.png"), &opts);
    ck_assert_uint_eq(r.differing, 0);
    free(a.px);
    free(b.px);
}
END_TEST

START_TEST(test_size_mismatch)
{
    const char *dir = tu_tmpdir();
    pic a = pic_new(20, 10);
    pic b = pic_new(20, 11);
    write_as(tu_join(dir, "a.png"), &a, AS_RGB8);
    write_as(tu_join(dir, "b.png"), &b, AS_RGB8);
    steppe_diff_opts_t opts;
    steppe_diff_opts_init(&opts);
    opts.tolerance = 1.0;
    opts.highlight = tu_join(dir, "hl.png");
    steppe_diff_result_t r = run_diff(tu_join(dir, "a.png"), tu_join(dir, "b.png"), &opts);
    ck_assert(!r.same_size);
    ck_assert(!r.match);
    ck_assert_int_eq(r.width_a, 20);
    ck_assert_int_eq(r.height_a, 10);
    ck_assert_int_eq(r.width_b, 20);
    ck_assert_int_eq(r.height_b, 11);
    ck_assert_double_eq(r.share, 1.0);
    ck_assert_ptr_null(tu_read(tu_join(dir, "hl.png"), NULL));
    free(a.px);
    free(b.px);
}
END_TEST

/* ---- the highlight image ----------------------------------------------------------------- */

START_TEST(test_highlight)
{
    const char *dir = tu_tmpdir();
    pic a = pic_new(30, 20);
    pic b = pic_new(30, 20);
    at(&b, 4, 5)[2] ^= 0x40;
    at(&b, 25, 15)[0] ^= 0x40;
    write_as(tu_join(dir, "a.png"), &a, AS_RGB8);
    write_as(tu_join(dir, "b.png"), &b, AS_RGB8);
    steppe_diff_opts_t opts;
    steppe_diff_opts_init(&opts);
    const char *hl = tu_join(dir, "hl.png");
    opts.highlight = hl;
    steppe_diff_result_t r = run_diff(tu_join(dir, "a.png"), tu_join(dir, "b.png"), &opts);
    ck_assert_uint_eq(r.differing, 2);

    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    ck_assert_int_ne(png_image_begin_read_from_file(&img, hl), 0);
    ck_assert_uint_eq(img.width, 30);
    ck_assert_uint_eq(img.height, 20);
    img.format = PNG_FORMAT_RGB;
    uint8_t *px = malloc(PNG_IMAGE_SIZE(img));
    ck_assert_int_ne(png_image_finish_read(&img, NULL, px, 0, NULL), 0);
    for (int y = 0; y < 20; y++) {
        for (int x = 0; x < 30; x++) {
            const uint8_t *q = px + 3 * (y * 30 + x);
            int red = (x == 4 && y == 5) || (x == 25 && y == 15);
            if (red) {
                ck_assert(q[0] == 255 && q[1] == 0 && q[2] == 0);
            } else {
                /* faded grey: equal channels, lifted towards white */
                ck_assert(q[0] == q[1] && q[1] == q[2]);
                ck_assert_uint_ge(q[0], 153);
            }
        }
    }
    free(px);

    /* Written atomically: nothing but the three images in the folder, no
     * temporary ".hl.png.XXXXXX.tmp" left over. */
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e = readdir(d); e; e = readdir(d))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    ck_assert_int_eq(n, 3);
    free(a.px);
    free(b.px);
}
END_TEST

START_TEST(test_highlight_unwritable)
{
    const char *dir = tu_tmpdir();
    pic a = pic_new(6, 6);
    write_as(tu_join(dir, "a.png"), &a, AS_RGB8);
    steppe_diff_opts_t opts;
    steppe_diff_opts_init(&opts);
    opts.highlight = tu_join(dir, "no/such/folder/hl.png");
    steppe_ctx_t *ctx = tu_ctx();
    steppe_diff_result_t r;
    ck_assert_int_eq(steppe_diff_png(ctx, tu_join(dir, "a.png"), tu_join(dir, "a.png"), &opts, &r),
                     STEPPE_ERR_IO);
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx), "hl.png: cannot write"));
    steppe_ctx_destroy(ctx);
    free(a.px);
}
END_TEST

/* ---- errors ----------------------------------------------------------------------------------- */

enum { FILE_MISSING, FILE_TEXT, FILE_TRUNCATED, FILE_EMPTY, FILE_BAD_CRC };
static const struct {
    int kind;
    steppe_status_t status;
    const char *fragment;
} bad_file_table[] = {
    {FILE_MISSING, STEPPE_ERR_DATA_OPEN, "cannot open"},
    {FILE_TEXT, STEPPE_ERR_DATA_CORRUPT, "not a PNG file"},
    {FILE_EMPTY, STEPPE_ERR_DATA_CORRUPT, "not a PNG file"},
    {FILE_TRUNCATED, STEPPE_ERR_DATA_CORRUPT, "unreadable PNG"},
    {FILE_BAD_CRC, STEPPE_ERR_DATA_CORRUPT, "unreadable PNG"},
};

START_TEST(test_bad_files)
{
    const char *dir = tu_tmpdir();
    pic a = pic_new(64, 64);
    const char *good = tu_join(dir, "good.png");
    const char *bad = tu_join(dir, "bad.png");
    size_t len;
    write_as(good, &a, AS_RGB8);
    char *bytes = tu_read(good, &len);
    FILE *fp;
    switch (bad_file_table[_i].kind) {
    case FILE_TEXT: tu_write(bad, "this is not an image\n"); break;
    case FILE_EMPTY: tu_write(bad, ""); break;
    case FILE_TRUNCATED:
        fp = fopen(bad, "wb");
        fwrite(bytes, 1, len / 2, fp);
        fclose(fp);
        break;
    case FILE_BAD_CRC:
        bytes[8 + 8 + 2] ^= 0x01; /* inside IHDR's width */
        fp = fopen(bad, "wb");
        fwrite(bytes, 1, len, fp);
        fclose(fp);
        break;
    default: break;
    }
    free(bytes);

    for (int order = 0; order < 2; order++) {
        steppe_ctx_t *ctx = tu_ctx();
        steppe_diff_result_t r;
        const char *x = order ? bad : good;
        const char *y = order ? good : bad;
        ck_assert_int_eq(steppe_diff_png(ctx, x, y, NULL, &r), bad_file_table[_i].status);
        const char *msg = steppe_ctx_last_error(ctx);
        ck_assert_msg(strncmp(msg, bad, strlen(bad)) == 0 && strstr(msg, bad_file_table[_i].fragment),
                      "message: %s", msg);
        steppe_ctx_destroy(ctx);
    }
    free(a.px);
}
END_TEST

static const struct {
    int threshold;
    double tolerance;
} bad_opts_table[] = {{-1, 0}, {256, 0}, {8, -0.1}, {8, 1.5}};

START_TEST(test_bad_opts)
{
    steppe_ctx_t *ctx = tu_ctx();
    steppe_diff_opts_t opts;
    steppe_diff_result_t r;
    steppe_diff_opts_init(&opts);
    opts.threshold = bad_opts_table[_i].threshold;
    opts.tolerance = bad_opts_table[_i].tolerance;
    ck_assert_int_eq(steppe_diff_png(ctx, "a.png", "b.png", &opts, &r), STEPPE_ERR_USAGE);
    steppe_ctx_destroy(ctx);
}
END_TEST

static Suite *diff_suite(void)
{
    Suite *s = suite_create("diff");
    TCase *tc = tcase_create("compare");
    tcase_add_loop_test(tc, test_encodings_compare_equal, 0,
                        sizeof encoding_table / sizeof encoding_table[0]);
    tcase_add_loop_test(tc, test_threshold, 0, sizeof threshold_table / sizeof threshold_table[0]);
    tcase_add_loop_test(tc, test_block_and_tolerance, 0, sizeof tolerance_table / sizeof tolerance_table[0]);
    tcase_add_test(tc, test_bounding_box_spans);
    tcase_add_test(tc, test_transparent_colour_ignored);
    tcase_add_test(tc, test_size_mismatch);
    suite_add_tcase(s, tc);

    tc = tcase_create("highlight");
    tcase_add_test(tc, test_highlight);
    tcase_add_test(tc, test_highlight_unwritable);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_loop_test(tc, test_bad_files, 0, sizeof bad_file_table / sizeof bad_file_table[0]);
    tcase_add_loop_test(tc, test_bad_opts, 0, sizeof bad_opts_table / sizeof bad_opts_table[0]);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(diff_suite());
}
