/* Raw deflate for map rows: match finder and Huffman blocks (png_deflate.h).
 *
 * Deflate's format, RFC 1951: 3.2.5 for the length and distance codes,
 * 3.2.7 for a dynamic block's header. Huffman code lengths come from
 * Moffat and Katajainen's in-place algorithm ("In-place calculation of
 * minimum-redundancy codes", 1995), as in miniz's tdefl, and are limited
 * to deflate's 15 (7 for the code-length code) by moving the deepest
 * codes up until Kraft's sum is 1 again, also as miniz does. */
#include "png_deflate.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sort.h"

#define WSIZE 32768u  /* deflate's window */
#define MAXMATCH 258u /* deflate's longest match */
#define MINMATCH 3u
#define HBITS 15 /* hash table of 32768 positions */
#define NLIT 286 /* literal/length symbols, 256 = end of block */
#define NDIST 30

/* A token: a literal byte, or a match with its symbols and extra bits
 * worked out once: MATCH | length symbol - 257 << 23 | its extra bits << 18
 * | distance symbol << 13 | its extra bits. */
#define MATCH 0x80000000u

/* Extra bits of the length symbols 257..285 and the distance symbols. */
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

struct st_mapz {
    uint8_t *win;      /* the last WSIZE bytes compressed, then those not yet */
    size_t wcap, wlen; /* bytes allocated, bytes held */
    size_t cur;        /* win[cur] is the next byte to compress */
    uint32_t base;     /* stream position of win[0], modulo 2^32 */
    size_t cand[4];    /* distances tried first: left, above, above-left, above-right */
    size_t cand_max;   /* the longest of them */
    size_t rowlen, bpp;
    size_t col;     /* where win[cur] is in its row, 0 the filter byte */
    uint32_t *hash; /* stream position (mod 2^32) last seen per 4-byte hash */
    uint32_t *tok;  /* tokens of the block being gathered */
    size_t ntok;
    uint32_t lfreq[NLIT], dfreq[NDIST];
    uint8_t *out; /* compressed bytes */
    size_t outlen, outcap;
    uint64_t bits; /* bit buffer, LSB first, nbits of it pending */
    unsigned nbits;
};

/* ---- codes of lengths and distances (RFC 1951 3.2.5) -------------------- */

static unsigned log2u(unsigned x)
{
    return 31u - (unsigned)__builtin_clz(x);
}

/* Length symbol 257..285 for a match of len (3..258), its extra bits and
 * their value. */
static unsigned len_code(unsigned len, unsigned *nextra, unsigned *extra)
{
    unsigned x = len - 3;
    if (x < 8) {
        *nextra = 0;
        *extra = 0;
        return 257 + x;
    }
    if (x == 255) {
        *nextra = 0;
        *extra = 0;
        return 285;
    }
    unsigned nb = log2u(x);
    *nextra = nb - 2;
    *extra = x & ((1u << (nb - 2)) - 1);
    return 257 + 4 * (nb - 1) + ((x >> (nb - 2)) & 3);
}

/* Distance symbol 0..29 for dist (1..32768), its extra bits and value. */
static unsigned dist_code(unsigned dist, unsigned *nextra, unsigned *extra)
{
    unsigned x = dist - 1;
    if (x < 4) {
        *nextra = 0;
        *extra = 0;
        return x;
    }
    unsigned nb = log2u(x);
    *nextra = nb - 1;
    *extra = x & ((1u << (nb - 1)) - 1);
    return 2 * nb + ((x >> (nb - 1)) & 1);
}

/* ---- Huffman code lengths ------------------------------------------------ */

/* Moffat-Katajainen: a[0..n) are weights in ascending order; on return
 * a[i] is the code length of the i-th lightest symbol. */
static void minimum_redundancy(uint32_t *a, int n)
{
    if (n == 1) {
        a[0] = 1;
        return;
    }
    a[0] += a[1];
    int root = 0;
    int leaf = 2;
    for (int next = 1; next < n - 1; next++) {
        if (leaf >= n || a[root] < a[leaf]) {
            a[next] = a[root];
            a[root++] = (uint32_t)next;
        } else {
            a[next] = a[leaf++];
        }
        if (leaf >= n || (root < next && a[root] < a[leaf])) {
            a[next] += a[root];
            a[root++] = (uint32_t)next;
        } else {
            a[next] += a[leaf++];
        }
    }
    a[n - 2] = 0;
    for (int next = n - 3; next >= 0; next--)
        a[next] = a[a[next]] + 1;
    int avail = 1;
    int used = 0;
    uint32_t depth = 0;
    root = n - 2;
    int next = n - 1;
    while (avail > 0) {
        while (root >= 0 && a[root] == depth) {
            used++;
            root--;
        }
        while (avail > used) {
            a[next--] = depth;
            avail--;
        }
        avail = 2 * used;
        depth++;
        used = 0;
    }
}

/* Code lengths (at most limit) for freq[0..n) into len[0..n). The code is
 * always complete: with fewer than two symbols used, two get length 1. */
static void code_lengths(const uint32_t *freq, int n, unsigned limit, uint8_t *len)
{
    st_keyed s[NLIT]; /* the used symbols: frequency, symbol */
    uint32_t a[NLIT];
    int m = 0;
    memset(len, 0, (size_t)n);
    for (int i = 0; i < n; i++) {
        if (freq[i] > 0)
            s[m++] = (st_keyed){freq[i], (size_t)i};
    }
    if (m < 2) {
        size_t used = m == 1 ? s[0].index : 0;
        len[used] = 1;
        len[used == 0 ? 1 : 0] = 1;
        return;
    }
    /* Lightest first, equal frequencies by symbol. */
    st_sort_keyed(s, (size_t)m, false);
    for (int i = 0; i < m; i++)
        a[i] = freq[s[i].index];
    minimum_redundancy(a, m);
    unsigned count[33] = {0};
    for (int i = 0; i < m; i++)
        count[a[i] > 32 ? 32 : a[i]]++;
    for (unsigned l = limit + 1; l <= 32; l++) {
        count[limit] += count[l];
        count[l] = 0;
    }
    uint32_t kraft = 0;
    for (unsigned l = 1; l <= limit; l++)
        kraft += count[l] << (limit - l);
    while (kraft > (1u << limit)) {
        count[limit]--;
        for (unsigned l = limit - 1; l > 0; l--) {
            if (count[l]) {
                count[l]--;
                count[l + 1] += 2;
                break;
            }
        }
        kraft--;
    }
    /* The lightest symbols take the longest codes. */
    int k = 0;
    for (unsigned l = limit; l >= 1; l--) {
        for (unsigned c = count[l]; c > 0; c--)
            len[s[k++].index] = (uint8_t)l;
    }
}

/* Canonical codes for len[0..n), bit-reversed for deflate's LSB-first
 * order (RFC 1951 3.2.2). */
static void canonical_codes(const uint8_t *len, int n, uint16_t *code)
{
    unsigned count[16] = {0};
    unsigned next[16];
    for (int i = 0; i < n; i++)
        count[len[i]]++;
    count[0] = 0;
    unsigned c = 0;
    for (int l = 1; l < 16; l++) {
        c = (c + count[l - 1]) << 1;
        next[l] = c;
    }
    for (int i = 0; i < n; i++) {
        if (len[i] == 0)
            continue;
        unsigned v = next[len[i]]++;
        unsigned r = 0;
        for (int b = 0; b < len[i]; b++)
            r |= ((v >> b) & 1u) << (len[i] - 1 - b);
        code[i] = (uint16_t)r;
    }
}

/* ---- bits out ------------------------------------------------------------ */

/* Grows the output so that need more bytes fit. */
static bool reserve(st_mapz *z, size_t need)
{
    if (z->outcap - z->outlen >= need)
        return true;
    /* Untouched pages cost nothing, a copy on growing does: W2's parts
     * compress to about 150 KB each. */
    size_t cap = z->outcap ? z->outcap : 512 * 1024;
    while (cap - z->outlen < need)
        cap *= 2;
    uint8_t *grown = realloc(z->out, cap);
    if (!grown)
        return false;
    z->out = grown;
    z->outcap = cap;
    return true;
}

/* n <= 32 bits of v; room for them reserved before. */
static inline void put(st_mapz *z, uint32_t v, unsigned n)
{
    z->bits |= (uint64_t)v << z->nbits;
    z->nbits += n;
    if (z->nbits >= 32) {
        uint32_t w = (uint32_t)z->bits;
        uint8_t *o = z->out + z->outlen;
        o[0] = (uint8_t)w;
        o[1] = (uint8_t)(w >> 8);
        o[2] = (uint8_t)(w >> 16);
        o[3] = (uint8_t)(w >> 24);
        z->outlen += 4;
        z->bits >>= 32;
        z->nbits -= 32;
    }
}

/* Pads to a byte boundary and writes out what is pending. */
static void align(st_mapz *z)
{
    while (z->nbits > 0) {
        z->out[z->outlen++] = (uint8_t)z->bits;
        z->bits >>= 8;
        z->nbits = z->nbits > 8 ? z->nbits - 8 : 0;
    }
    z->bits = 0;
}

/* ---- blocks -------------------------------------------------------------- */

/* The gathered tokens as one dynamic-Huffman block (RFC 1951 3.2.7). */
static bool write_block(st_mapz *z, bool final)
{
    static const uint8_t order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    uint8_t llen[NLIT], dlen[NDIST], clen[19];
    uint16_t lcode[NLIT], dcode[NDIST], ccode[19];
    /* Worst case: 48 bits per token, and the header. */
    if (!reserve(z, z->ntok * 6 + 1024))
        return false;
    z->lfreq[256]++;
    code_lengths(z->lfreq, NLIT, 15, llen);
    code_lengths(z->dfreq, NDIST, 15, dlen);
    canonical_codes(llen, NLIT, lcode);
    canonical_codes(dlen, NDIST, dcode);

    int hlit = NLIT;
    while (hlit > 257 && llen[hlit - 1] == 0)
        hlit--;
    int hdist = NDIST;
    while (hdist > 1 && dlen[hdist - 1] == 0)
        hdist--;
    uint8_t lens[NLIT + NDIST];
    memcpy(lens, llen, (size_t)hlit);
    memcpy(lens + hlit, dlen, (size_t)hdist);
    int nlens = hlit + hdist;

    /* The code lengths run-length coded: 16 repeats the previous 3-6 times,
     * 17 and 18 are 3-10 and 11-138 zeros. */
    uint8_t op[NLIT + NDIST], opx[NLIT + NDIST];
    int nop = 0;
    uint32_t cfreq[19] = {0};
    for (int i = 0; i < nlens;) {
        int run = 1;
        while (i + run < nlens && lens[i + run] == lens[i])
            run++;
        if (lens[i] == 0 && run >= 3) {
            int r = run > 138 ? 138 : run;
            op[nop] = r >= 11 ? 18 : 17;
            opx[nop++] = (uint8_t)(r >= 11 ? r - 11 : r - 3);
            i += r;
        } else if (lens[i] != 0 && run >= 4) {
            op[nop] = lens[i];
            opx[nop++] = 0;
            int r = run - 1 > 6 ? 6 : run - 1;
            op[nop] = 16;
            opx[nop++] = (uint8_t)(r - 3);
            i += 1 + r;
        } else {
            op[nop] = lens[i];
            opx[nop++] = 0;
            i++;
        }
    }
    for (int k = 0; k < nop; k++)
        cfreq[op[k]]++;
    code_lengths(cfreq, 19, 7, clen);
    canonical_codes(clen, 19, ccode);
    int hclen = 19;
    while (hclen > 4 && clen[order[hclen - 1]] == 0)
        hclen--;

    put(z, final ? 1 : 0, 1);
    put(z, 2, 2);
    put(z, (uint32_t)(hlit - 257), 5);
    put(z, (uint32_t)(hdist - 1), 5);
    put(z, (uint32_t)(hclen - 4), 4);
    for (int k = 0; k < hclen; k++)
        put(z, clen[order[k]], 3);
    for (int k = 0; k < nop; k++) {
        put(z, ccode[op[k]], clen[op[k]]);
        if (op[k] >= 16)
            put(z, opx[k], op[k] == 16 ? 2 : op[k] == 17 ? 3 : 7);
    }
    /* The tokens, with the bit buffer in locals (through z, every byte
     * stored would make the compiler reload it) and without branches: a
     * literal's distance part is masked to no bits, and after each token
     * the whole bytes are stored, 8 at a time (reserve left room), so that
     * fewer than 8 bits stay pending. Literals and matches alternate
     * unpredictably at every edge of a map. */
    uint32_t lsym[NLIT]; /* code | extra bits' place: code length + extra bits */
    uint32_t dsym[NDIST];
    for (int i = 0; i < NLIT; i++)
        lsym[i] = (uint32_t)lcode[i] << 8 | (uint32_t)(llen[i] + (i > 256 ? len_extra[i - 257] : 0));
    for (int i = 0; i < NDIST; i++)
        dsym[i] = (uint32_t)dcode[i] << 8 | (uint32_t)(dlen[i] + dist_extra[i]);
    uint8_t *o = z->out + z->outlen;
    while (z->nbits >= 8) {
        *o++ = (uint8_t)z->bits;
        z->bits >>= 8;
        z->nbits -= 8;
    }
    uint64_t bits = z->bits;
    unsigned nbits = z->nbits;
    const uint32_t *tok = z->tok;
    for (size_t k = 0, n = z->ntok; k < n; k++) {
        uint32_t t = tok[k];
        uint32_t ismatch = t >> 31;
        uint32_t mask = 0u - ismatch;
        unsigned ls = ismatch ? 257 + ((t >> 23) & 31) : t;
        unsigned ds = (t >> 13) & 31 & mask;
        uint32_t l = lsym[ls];
        uint32_t d = dsym[ds] & mask;
        /* The extra bits sit above the code: for a literal they are 0. */
        uint64_t v = (uint64_t)(l >> 8) | (uint64_t)((t >> 18) & 31 & mask) << llen[ls];
        bits |= v << nbits;
        nbits += l & 0xff;
        v = (uint64_t)(d >> 8) | (uint64_t)(t & 0x1fff & mask) << dlen[ds];
        bits |= v << nbits;
        nbits += d & 0xff;
        /* At most 20 + 28 bits were added to fewer than 8: 55 < 64. */
        uint64_t le = htole64(bits);
        memcpy(o, &le, 8);
        o += nbits >> 3;
        bits >>= nbits & ~7u;
        nbits &= 7;
    }
    z->outlen = (size_t)(o - z->out);
    z->bits = bits;
    z->nbits = nbits;
    put(z, lcode[256], llen[256]);
    z->ntok = 0;
    memset(z->lfreq, 0, sizeof z->lfreq);
    memset(z->dfreq, 0, sizeof z->dfreq);
    return true;
}

/* ---- matches ------------------------------------------------------------- */

/* How many bytes from a and b agree, up to max. In a map most matches are
 * runs of deflate's full 258 bytes, so the bytes are compared 32 at a time
 * where SSE2 is there (every x86-64), 8 at a time elsewhere. */
static inline unsigned match_len(const uint8_t *a, const uint8_t *b, unsigned max)
{
    unsigned n = 0;
    if (max >= 8) {
        /* Most candidates fail in their first bytes. */
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return (unsigned)__builtin_ctzll(x ^ y) >> 3;
        n = 8;
    }
#if defined(__SSE2__)
    while (n + 32 <= max) {
        __m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)(a + n));
        __m128i y0 = _mm_loadu_si128((const __m128i *)(const void *)(b + n));
        __m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(a + n + 16));
        __m128i y1 = _mm_loadu_si128((const __m128i *)(const void *)(b + n + 16));
        unsigned m0 = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x0, y0));
        unsigned m1 = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x1, y1));
        uint32_t eq = m0 | m1 << 16;
        if (eq != 0xffffffffu)
            return n + (unsigned)__builtin_ctz(~eq);
        n += 32;
    }
#endif
    while (n + 8 <= max) {
        uint64_t x, y;
        memcpy(&x, a + n, 8);
        memcpy(&y, b + n, 8);
        if (x != y)
            return n + ((unsigned)__builtin_ctzll(x ^ y) >> 3);
        n += 8;
    }
    while (n < max && a[n] == b[n])
        n++;
    return n;
}

static inline uint32_t hash4(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return (v * 2654435761u) >> (32 - HBITS);
}

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Bytes of the 8 at a that b repeats, from the start. */
static inline unsigned prefix8(uint64_t a, const uint8_t *b)
{
    uint64_t x = a ^ load64(b);
    return x ? (unsigned)__builtin_ctzll(x) >> 3 : 8;
}

/* Adds a token to the block, sending the block when it is full. */
static inline bool add_match(st_mapz *z, unsigned len, unsigned dist)
{
    unsigned ln, lx, dn, dx;
    unsigned ls = len_code(len, &ln, &lx);
    unsigned ds = dist_code(dist, &dn, &dx);
    z->tok[z->ntok++] = MATCH | (ls - 257) << 23 | lx << 18 | ds << 13 | dx;
    z->lfreq[ls]++;
    z->dfreq[ds]++;
    return z->ntok < ST_MAPZ_BLOCK || write_block(z, false);
}

static inline bool add_literal(st_mapz *z, uint8_t c)
{
    z->tok[z->ntok++] = c;
    z->lfreq[c]++;
    return z->ntok < ST_MAPZ_BLOCK || write_block(z, false);
}

/* The longest match at w + i among the fixed candidates and the hash's
 * guess; its length (0 when under 3) in *len. Where the whole 258 bytes
 * and all candidates are there (nearly everywhere), the candidates' first
 * 8 bytes are compared without branches: most positions that get here are
 * an edge's pixels, which none of them repeats. */
static inline size_t find_match(st_mapz *z, size_t i, unsigned *len)
{
    const uint8_t *w = z->win;
    const uint8_t *p = w + i;
    size_t left = z->wlen - i;
    unsigned max = left > MAXMATCH ? MAXMATCH : (unsigned)left;
    unsigned best = 0;
    size_t bestd = 0;
    *len = 0;
    if (max < 8)
        return 0; /* the stream's last bytes go as literals */
    /* The hash slot is fetched while the candidates are compared. */
    uint32_t h = hash4(p);
    __builtin_prefetch(&z->hash[h], 1);
    if (max == MAXMATCH && i >= z->cand_max) {
        uint64_t a = load64(p);
        unsigned l8[4];
        unsigned top = 0;
        for (int k = 0; k < 4; k++) {
            l8[k] = prefix8(a, p - z->cand[k]);
            top = l8[k] > top ? l8[k] : top;
        }
        if (top < 8) {
            for (int k = 3; k >= 0; k--) {
                if (l8[k] >= best) {
                    best = l8[k];
                    bestd = z->cand[k];
                }
            }
        } else {
            for (int k = 0; k < 4 && best < max; k++) {
                if (l8[k] < 8)
                    continue;
                size_t d = z->cand[k];
                unsigned l = 8 + match_len(p + 8, p + 8 - d, max - 8);
                if (l > best) {
                    best = l;
                    bestd = d;
                }
            }
        }
    } else {
        for (int k = 0; k < 4 && best < max; k++) {
            size_t d = z->cand[k];
            if (d > i)
                continue;
            unsigned l = match_len(p, p - d, max);
            if (l > best) {
                best = l;
                bestd = d;
            }
        }
    }
    if (best < 16) {
        /* A short or no match: one guess from the hash of the next 4
         * bytes, which finds what the row above does not, e.g. an edge
         * pixel pattern seen a few pixels back. */
        uint32_t pos = z->base + (uint32_t)i;
        size_t d = (uint32_t)(pos - z->hash[h]);
        z->hash[h] = pos;
        if (d >= 1 && d <= WSIZE && d <= i) {
            unsigned l = match_len(p, p - d, max);
            if (l > best) {
                best = l;
                bestd = d;
            }
        }
    }
    *len = best >= MINMATCH ? best : 0;
    return bestd;
}

/* Compresses win[cur..end); a match may run on to wlen. */
static bool tokenize(st_mapz *z, size_t end)
{
    size_t i = z->cur;
    size_t col = z->col;
    bool ok = true;
    while (i < end && ok) {
        unsigned len;
        size_t d = find_match(z, i, &len);
        size_t n = len;
        if (len > 0) {
            ok = add_match(z, len, (unsigned)d);
        } else {
            /* No candidate repeats this byte: the rest of its pixel goes
             * out as literals too, unsearched. An edge's pixel differs in
             * every channel as a rule, and a match starting inside a pixel
             * is rare; this saves a fifth of the time for 0.4 % of size. */
            size_t phase = col == 0 ? z->bpp - 1 : (col - 1) % z->bpp;
            n = 1 + (z->bpp - 1 - phase);
            n = n < z->wlen - i ? n : z->wlen - i; /* past end when fed: still the same stream */
            for (size_t k = 0; k < n && ok; k++)
                ok = add_literal(z, z->win[i + k]);
        }
        i += n;
        col += n;
        while (col >= z->rowlen)
            col -= z->rowlen;
    }
    z->cur = i;
    z->col = col;
    return ok;
}

/* ---- the interface ------------------------------------------------------- */

st_mapz *st_mapz_create(size_t rowlen, int bpp)
{
    st_mapz *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->hash = calloc((size_t)1 << HBITS, sizeof *z->hash);
    z->tok = malloc(ST_MAPZ_BLOCK * sizeof *z->tok);
    if (!z->hash || !z->tok) {
        st_mapz_destroy(z);
        return NULL;
    }
    /* Rows too long for the window to reach the row above try the pixel
     * to the left four times. */
    size_t b = (size_t)bpp;
    z->rowlen = rowlen;
    z->bpp = b;
    size_t above[3] = {rowlen, rowlen - b, rowlen + b};
    z->cand[0] = b;
    for (int k = 0; k < 3; k++)
        z->cand[k + 1] = above[k] <= WSIZE ? above[k] : b;
    z->cand_max = 0;
    for (int k = 0; k < 4; k++)
        z->cand_max = z->cand[k] > z->cand_max ? z->cand[k] : z->cand_max;
    return z;
}

void st_mapz_reset(st_mapz *z)
{
    free(z->out);
    z->out = NULL;
    z->outlen = z->outcap = 0;
    z->wlen = z->cur = z->col = 0;
    z->base = 0;
    z->ntok = 0;
    z->bits = 0;
    z->nbits = 0;
    memset(z->lfreq, 0, sizeof z->lfreq);
    memset(z->dfreq, 0, sizeof z->dfreq);
    /* Positions left from the last stream would be taken for positions of
     * this one: the matches, and so the bytes, would depend on which
     * streams the compressor did before. */
    memset(z->hash, 0, ((size_t)1 << HBITS) * sizeof *z->hash);
}

uint8_t *st_mapz_input(st_mapz *z, size_t n)
{
    if (z->wcap - z->wlen < n) {
        /* Keep the window behind cur and what is not compressed yet. */
        size_t drop = z->cur > WSIZE ? z->cur - WSIZE : 0;
        if (drop > 0) {
            memmove(z->win, z->win + drop, z->wlen - drop);
            z->wlen -= drop;
            z->cur -= drop;
            z->base += (uint32_t)drop;
        }
    }
    if (z->wcap - z->wlen < n) {
        size_t cap = WSIZE + MAXMATCH + 4 * n;
        uint8_t *grown = realloc(z->win, cap);
        if (!grown)
            return NULL;
        z->win = grown;
        z->wcap = cap;
    }
    return z->win + z->wlen;
}

bool st_mapz_feed(st_mapz *z, size_t n)
{
    z->wlen += n;
    /* The last MAXMATCH bytes wait for more, so that no match is cut
     * where one piece of input ends: the stream does not depend on how the
     * input was cut. */
    if (z->wlen - z->cur <= MAXMATCH)
        return true;
    return tokenize(z, z->wlen - MAXMATCH);
}

bool st_mapz_finish(st_mapz *z, bool last, uint8_t **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (!tokenize(z, z->wlen))
        return false;
    if ((z->ntok > 0 || last) && !write_block(z, last))
        return false;
    if (!reserve(z, 16))
        return false;
    if (!last) {
        /* Sync flush: an empty stored block, then byte-aligned. */
        put(z, 0, 3);
        align(z);
        memcpy(z->out + z->outlen, "\0\0\xff\xff", 4);
        z->outlen += 4;
    } else {
        align(z);
    }
    *out = z->out;
    *outlen = z->outlen;
    z->out = NULL;
    return true;
}

void st_mapz_destroy(st_mapz *z)
{
    if (!z)
        return;
    free(z->win);
    free(z->hash);
    free(z->tok);
    free(z->out);
    free(z);
}
