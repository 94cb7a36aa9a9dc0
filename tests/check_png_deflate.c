/* Deflate for map rows (png_deflate.c): every stream is inflated by zlib and
 * must give back the bytes fed; the bytes must not depend on how the input
 * was cut into pieces; parts ending in a sync flush must join into one
 * stream; and on a map-like image the output must stay near zlib's level 6,
 * which is what the encoder is for. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "png_deflate.h"
#include "testutil.h"

/* ---- inputs ------------------------------------------------------------------ */

typedef enum { MAPLIKE, NOISE, FLAT } kind;

/* h rows of 1 + w * bpp bytes (filter byte 0, then pixels). MAPLIKE: two
 * flat colours split by a wavy edge, crossed by antialiased diagonal
 * hairlines, as steppe's maps are; NOISE: xorshift bytes; FLAT: one colour. */
static uint8_t *make_rows(kind k, int w, int h, int bpp, size_t *len)
{
    size_t rowlen = 1 + (size_t)w * (size_t)bpp;
    uint8_t *p = malloc(rowlen * (size_t)h);
    ck_assert_ptr_nonnull(p);
    uint32_t seed = 2463534242u;
    for (int y = 0; y < h; y++) {
        uint8_t *row = p + (size_t)y * rowlen;
        row[0] = 0;
        int edge = w / 2 + (int)(40.0 * sin(y / 30.0));
        for (int x = 0; x < w; x++) {
            uint8_t c[4] = {0xcc, 0xde, 0xf0, 0xff};
            if (k == MAPLIKE) {
                if (x > edge) {
                    c[0] = 0xf2;
                    c[1] = 0xed;
                    c[2] = 0xe3;
                }
                /* hairlines x = y + 97 j and, shallower, x = 3 y + 131 j
                 * (which the row above repeats 3 pixels away: a match
                 * only the hash finds), coverage from the distance */
                int d = (x - y) % 97;
                d = d < 0 ? d + 97 : d;
                int e = (x - 3 * y) % 131;
                e = e < 0 ? e + 131 : e;
                if (d <= 1 || e <= 2) {
                    uint8_t a = d == 0 || e == 1 ? 200 : 55;
                    for (int ch = 0; ch < 3; ch++)
                        c[ch] = (uint8_t)((c[ch] * (255 - a) + 0x64 * a) / 255);
                }
            } else if (k == NOISE) {
                for (int ch = 0; ch < 4; ch++) {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    c[ch] = (uint8_t)seed;
                }
            }
            memcpy(row + 1 + (size_t)x * (size_t)bpp, c, (size_t)bpp);
        }
    }
    *len = rowlen * (size_t)h;
    return p;
}

/* Compresses in[0..n) in pieces of piece bytes (n when 0). */
static uint8_t *mapz(const uint8_t *in, size_t n, size_t rowlen, int bpp, size_t piece, bool last,
                     size_t *outlen)
{
    st_mapz *z = st_mapz_create(rowlen, bpp);
    ck_assert_ptr_nonnull(z);
    if (piece == 0)
        piece = n > 0 ? n : 1;
    for (size_t at = 0; at < n; at += piece) {
        size_t len = n - at < piece ? n - at : piece;
        uint8_t *dst = st_mapz_input(z, len);
        ck_assert_ptr_nonnull(dst);
        memcpy(dst, in + at, len);
        ck_assert(st_mapz_feed(z, len));
    }
    uint8_t *out = NULL;
    ck_assert(st_mapz_finish(z, last, &out, outlen));
    ck_assert_ptr_nonnull(out);
    st_mapz_destroy(z);
    return out;
}

/* Inflates the raw stream; asserts it is well formed and ends as asked
 * (the final block, or a sync flush: 00 00 FF FF, no final block). */
static uint8_t *inflate_all(const uint8_t *in, size_t n, size_t expect, bool last)
{
    uint8_t *out = malloc(expect + 1);
    ck_assert_ptr_nonnull(out);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    ck_assert_int_eq(inflateInit2(&zs, -15), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)expect + 1;
    int rc = inflate(&zs, Z_SYNC_FLUSH);
    ck_assert_msg(rc == (last ? Z_STREAM_END : Z_OK), "inflate: %d (%s)", rc, zs.msg ? zs.msg : "");
    ck_assert_uint_eq(zs.total_out, expect);
    ck_assert_uint_eq(zs.avail_in, 0);
    if (!last) {
        ck_assert_uint_ge(n, 4);
        ck_assert_mem_eq(in + n - 4, "\0\0\xff\xff", 4);
    }
    inflateEnd(&zs);
    return out;
}

/* ---- round trips ------------------------------------------------------------- */

static const struct {
    kind k;
    int w, h, bpp;
    bool last;
} trip_table[] = {
    {MAPLIKE, 1000, 300, 3, true}, {MAPLIKE, 999, 301, 4, true}, {MAPLIKE, 1000, 300, 3, false},
    {NOISE, 500, 100, 3, true},    {NOISE, 333, 77, 4, false},   {FLAT, 4000, 50, 3, true},
    {MAPLIKE, 12000, 8, 3, true}, /* rows longer than the window: no row above */
    {MAPLIKE, 2, 3, 3, true},      {FLAT, 1, 1, 4, true},        {FLAT, 1, 1, 3, false},
};

START_TEST(test_round_trip)
{
    size_t n, clen;
    int w = trip_table[_i].w, bpp = trip_table[_i].bpp;
    size_t rowlen = 1 + (size_t)w * (size_t)bpp;
    uint8_t *in = make_rows(trip_table[_i].k, w, trip_table[_i].h, bpp, &n);
    uint8_t *c = mapz(in, n, rowlen, bpp, 0, trip_table[_i].last, &clen);
    uint8_t *back = inflate_all(c, clen, n, trip_table[_i].last);
    ck_assert_msg(memcmp(back, in, n) == 0, "inflated bytes differ");
    if (trip_table[_i].k == FLAT)
        ck_assert_uint_lt(clen, n / 50 + 64);
    free(back);
    free(c);
    free(in);
}
END_TEST

/* The output depends on the bytes only: fed whole, a row at a time, in
 * odd pieces or in tiny ones, the stream is the same. */
START_TEST(test_pieces_same_bytes)
{
    size_t n;
    const int w = 700, h = 200, bpp = 3;
    size_t rowlen = 1 + (size_t)w * bpp;
    uint8_t *in = make_rows(MAPLIKE, w, h, bpp, &n);
    size_t pieces[] = {0, rowlen, 4099, 131072, 97};
    size_t len0;
    uint8_t *ref = mapz(in, n, rowlen, bpp, pieces[0], true, &len0);
    for (size_t k = 1; k < sizeof pieces / sizeof pieces[0]; k++) {
        size_t len;
        uint8_t *c = mapz(in, n, rowlen, bpp, pieces[k], true, &len);
        ck_assert_msg(len == len0 && memcmp(c, ref, len) == 0, "pieces of %zu: other bytes", pieces[k]);
        free(c);
    }
    free(ref);
    free(in);
}
END_TEST

/* Parts compressed apart, all but the last ending in a sync flush, joined
 * end to end are one stream of all the rows (what output_png.c writes). */
START_TEST(test_parts_join)
{
    size_t n;
    const int w = 800, h = 240, bpp = 3, parts = 5;
    size_t rowlen = 1 + (size_t)w * bpp;
    uint8_t *in = make_rows(MAPLIKE, w, h, bpp, &n);
    uint8_t *joined = NULL;
    size_t jlen = 0;
    for (int i = 0; i < parts; i++) {
        size_t y0 = (size_t)h * i / parts, y1 = (size_t)h * (i + 1) / parts, len;
        uint8_t *c = mapz(in + y0 * rowlen, (y1 - y0) * rowlen, rowlen, bpp, 10000, i == parts - 1, &len);
        joined = realloc(joined, jlen + len);
        ck_assert_ptr_nonnull(joined);
        memcpy(joined + jlen, c, len);
        jlen += len;
        free(c);
    }
    uint8_t *back = inflate_all(joined, jlen, n, true);
    ck_assert(memcmp(back, in, n) == 0);
    free(back);
    free(joined);
    free(in);
}
END_TEST

/* Many Huffman blocks, each starting wherever the previous one filled up:
 * rows of noise between rows that repeat one two rows up with a few bytes
 * changed, so literals and long-distance matches (long codes, 12-13 extra
 * bits) alternate across every block boundary, and the bits a block's
 * header leaves pending meet a match of up to 48 bits. Widths vary. */
START_TEST(test_block_boundaries)
{
    uint32_t seed = 12345u + (uint32_t)_i;
    int w = 500 + 377 * _i, h = 160;
    const int bpp = 3;
    size_t rowlen = 1 + (size_t)w * bpp, n = rowlen * (size_t)h, clen;
    uint8_t *in = malloc(n);
    ck_assert_ptr_nonnull(in);
    for (int y = 0; y < h; y++) {
        uint8_t *row = in + (size_t)y * rowlen;
        for (size_t x = 0; x < rowlen; x++) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            bool copy = y >= 2 && (y % 3 != 0) && (seed & 31) != 0;
            row[x] = copy ? row[x - 2 * rowlen] : (uint8_t)(seed >> 8);
        }
        row[0] = 0;
    }
    uint8_t *c = mapz(in, n, rowlen, bpp, 65536, true, &clen);
    uint8_t *back = inflate_all(c, clen, n, true);
    ck_assert_msg(memcmp(back, in, n) == 0, "width %d: inflated bytes differ", w);
    free(back);
    free(c);
    free(in);
}
END_TEST

/* What the encoder is for: on a map-like image, a file no more than 5 %
 * above zlib's level 6 (MapServer's and Mapnik's default). */
START_TEST(test_maplike_near_zlib6)
{
    size_t n, clen;
    const int w = 1600, h = 400, bpp = 3;
    uint8_t *in = make_rows(MAPLIKE, w, h, bpp, &n);
    uint8_t *c = mapz(in, n, 1 + (size_t)w * bpp, bpp, 131072, true, &clen);
    uLongf zlen = compressBound((uLong)n);
    uint8_t *z = malloc(zlen);
    ck_assert_ptr_nonnull(z);
    ck_assert_int_eq(compress2(z, &zlen, in, (uLong)n, 6), Z_OK);
    ck_assert_msg(clen <= zlen + zlen / 20, "%zu bytes against zlib 6's %lu", clen, (unsigned long)zlen);
    free(z);
    free(c);
    free(in);
}
END_TEST

static Suite *png_deflate_suite(void)
{
    Suite *s = suite_create("png_deflate");
    TCase *tc = tcase_create("streams");
    tcase_add_loop_test(tc, test_round_trip, 0, sizeof trip_table / sizeof trip_table[0]);
    tcase_add_test(tc, test_pieces_same_bytes);
    tcase_add_test(tc, test_parts_join);
    tcase_add_loop_test(tc, test_block_boundaries, 0, 12);
    tcase_add_test(tc, test_maplike_near_zlib6);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(png_deflate_suite());
}
