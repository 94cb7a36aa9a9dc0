/* libFuzzer target: steppe's map deflate (src/output/png_deflate.c), which
 * writes every PNG at the default level. The input's first two bytes pick
 * the pixel size (3 or 4 bytes) and the row length; the rest, cut to whole
 * rows, is compressed three ways: in one piece, in pieces of the lengths
 * the input's own bytes suggest, and as two parts (a sync-flushed part
 * continued by a final one, as the PNG writer joins its threads' parts).
 * zlib must inflate every stream back to exactly the input, and the first
 * two must be the same bytes (the stream depends only on what is fed). */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz_common.h"
#include "png_deflate.h"

/* Inflates the raw deflate stream z (zn bytes) and requires exactly want. */
static void require_inflates_to(const uint8_t *z, size_t zn, const uint8_t *want, size_t n)
{
    uint8_t *back = malloc(n + 1);
    fz_require(back != NULL, "out of memory");
    z_stream s;
    memset(&s, 0, sizeof s);
    fz_require(inflateInit2(&s, -15) == Z_OK, "inflateInit2 failed");
    s.next_in = (Bytef *)z;
    s.avail_in = (uInt)zn;
    s.next_out = back;
    s.avail_out = (uInt)(n + 1);
    int rc = inflate(&s, Z_FINISH);
    fz_require(rc == Z_STREAM_END, "zlib does not inflate the stream to its end");
    fz_require(s.total_out == n, "the stream inflates to another length");
    fz_require(n == 0 || memcmp(back, want, n) == 0, "the stream inflates to other bytes");
    fz_require(s.avail_in == 0, "bytes after the final block");
    inflateEnd(&s);
    free(back);
}

/* Compresses data[0..n) with z in pieces: cuts[i] gives the next piece's
 * length (cut to what remains; 0 means the rest). Ends with the final block
 * when last. Returns the stream (malloc'd) in *out. */
static void compress_pieces(st_mapz *z, const uint8_t *data, size_t n, const uint8_t *cuts, size_t ncuts,
                            bool last, uint8_t **out, size_t *outlen)
{
    size_t at = 0;
    for (size_t i = 0; at < n; i++) {
        size_t piece = i < ncuts && cuts[i] ? (size_t)cuts[i] * 7 : n - at;
        if (piece > n - at)
            piece = n - at;
        uint8_t *in = st_mapz_input(z, piece);
        fz_require(in != NULL, "st_mapz_input: out of memory");
        memcpy(in, data + at, piece);
        fz_require(st_mapz_feed(z, piece), "st_mapz_feed: out of memory");
        at += piece;
    }
    fz_require(st_mapz_finish(z, last, out, outlen), "st_mapz_finish: out of memory");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int bpp = data[0] & 1 ? 4 : 3;
    size_t rowlen = 1 + (size_t)bpp * (1 + data[1] % 64);
    data += 2;
    size -= 2;
    size_t n = size / rowlen * rowlen;
    /* The cuts come from the data's own last bytes: an arbitrary but
     * repeatable way to split it. */
    const uint8_t *cuts = data + n;
    size_t ncuts = size - n;

    uint8_t *whole = NULL, *pieces = NULL, *p1 = NULL, *p2 = NULL;
    size_t wn = 0, pn = 0, n1 = 0, n2 = 0;
    st_mapz *z = st_mapz_create(rowlen, bpp);
    fz_require(z != NULL, "st_mapz_create: out of memory");
    compress_pieces(z, data, n, NULL, 0, true, &whole, &wn);
    st_mapz_reset(z);
    compress_pieces(z, data, n, cuts, ncuts, true, &pieces, &pn);
    fz_require(wn == pn && memcmp(whole, pieces, wn) == 0, "the stream depends on how the input was cut");
    require_inflates_to(whole, wn, data, n);

    /* Two parts at a row boundary, the first sync-flushed. */
    size_t half = n / rowlen / 2 * rowlen;
    st_mapz_reset(z);
    compress_pieces(z, data, half, NULL, 0, false, &p1, &n1);
    st_mapz_reset(z);
    compress_pieces(z, data + half, n - half, NULL, 0, true, &p2, &n2);
    uint8_t *joined = malloc(n1 + n2 + 1);
    fz_require(joined != NULL, "out of memory");
    memcpy(joined, p1, n1);
    memcpy(joined + n1, p2, n2);
    require_inflates_to(joined, n1 + n2, data, n);

    free(joined);
    free(whole);
    free(pieces);
    free(p1);
    free(p2);
    st_mapz_destroy(z);
    return 0;
}
