/* Private: raw deflate (RFC 1951) for the rows of a map image.
 *
 * Maps are long runs of a few flat colours crossed by antialiased lines and
 * edges. A general-purpose LZ77 match finder spends most of its time in
 * those runs; this one looks first where a map repeats itself: the pixel to
 * the left (a run), the pixel above and its two neighbours (a vertical or
 * diagonal edge continued from the row above), then one hash-table guess
 * for everything else. It keeps the first of those that reaches deflate's
 * longest match, else the longest. The tokens go out in dynamic-Huffman
 * blocks of ST_MAPZ_BLOCK tokens. On steppe's W2 map this gives files about
 * the size of zlib's level 6 at about the speed of ISA-L's level 2 (figures
 * in output_png.c).
 *
 * The caller writes its bytes straight into the compressor's window
 * (st_mapz_input, then st_mapz_feed), so nothing is copied. Matches reach
 * back at most 32 KiB and never past what has been fed. The output is a raw
 * deflate stream that ends either with the final block or, for a part of a
 * stream that another part continues, with a sync flush (an empty stored
 * block, byte-aligned), so parts compressed apart can be concatenated
 * (output_png.c). The stream depends only on the bytes fed, not on how they
 * were cut into pieces. */
#ifndef ST_PNG_DEFLATE_H
#define ST_PNG_DEFLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tokens per Huffman block: on W2's rows 65536 gave 920,078 bytes and about
 * 5 % less time than 16384 (920,367 at 32768, 921,277 at 16384, 923,628 at
 * 8192): a map's statistics change slowly, and fewer blocks are fewer codes
 * to build. The token buffer (256 KiB) still sits in L2. */
#define ST_MAPZ_BLOCK 65536

typedef struct st_mapz st_mapz;

/* A compressor for rows of rowlen bytes (filter byte included) whose pixels
 * have bpp bytes (3 or 4). NULL when out of memory. Free with
 * st_mapz_destroy(). */
st_mapz *st_mapz_create(size_t rowlen, int bpp);

/* Makes z ready for a new stream, as st_mapz_create() left it but keeping
 * its buffers (their pages are already there); output not taken is freed.
 * The new stream's bytes do not depend on what z compressed before. */
void st_mapz_reset(st_mapz *z);

/* Room for the next n bytes of input: the caller writes them there, then
 * calls st_mapz_feed(z, n). NULL when out of memory. */
uint8_t *st_mapz_input(st_mapz *z, size_t n);

/* Compresses the n bytes written at st_mapz_input(z, n). Returns false when
 * out of memory. */
bool st_mapz_feed(st_mapz *z, size_t n);

/* Ends the stream: with the final block when last, else with a sync flush.
 * *out then holds the compressed bytes (*outlen of them), which the caller
 * owns and frees with free(); st_mapz_reset() then starts a new stream, or
 * st_mapz_destroy() frees the compressor.
 * Returns false when out of memory (*out is then NULL). */
bool st_mapz_finish(st_mapz *z, bool last, uint8_t **out, size_t *outlen);

/* Frees the compressor and any output not taken. Accepts NULL. */
void st_mapz_destroy(st_mapz *z);

#endif
