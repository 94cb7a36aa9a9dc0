/* Source: a Shapefile's attributes — the .dbf, read through shapelib, and
 * its text converted to UTF-8 from the encoding the layer, the .cpg or the
 * .dbf's LDID byte names. The other half of the reader, shapefile.c, reads
 * the geometry; the two share shp_reader.h. */
#include <errno.h>
#include <iconv.h>
#include <shapefil.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grow.h"
#include "shp_reader.h"

/* ---- encodings ------------------------------------------------------------ */

/* dBASE language driver ids (the byte at offset 29 of the .dbf header) and
 * their code pages, as GDAL's Shapefile driver maps them. */
static const struct {
    int ldid;
    int cp;
} ldid_table[] = {
    {1, 437},    {2, 850},    {3, 1252},  {8, 865},    {10, 850},  {11, 437},   {13, 437},   {14, 850},
    {15, 437},   {16, 850},   {17, 437},  {18, 850},   {19, 932},  {20, 850},   {21, 437},   {22, 850},
    {23, 865},   {24, 437},   {25, 437},  {26, 850},   {27, 437},  {28, 863},   {29, 850},   {31, 852},
    {34, 852},   {35, 852},   {36, 860},  {37, 850},   {38, 866},  {55, 850},   {64, 852},   {77, 936},
    {78, 949},   {79, 950},   {80, 874},  {87, 28591}, {88, 1252}, {89, 1252},  {100, 852},  {101, 866},
    {102, 865},  {103, 861},  {106, 737}, {107, 857},  {108, 863}, {120, 950},  {121, 949},  {122, 936},
    {123, 932},  {124, 874},  {134, 737}, {135, 852},  {136, 857}, {200, 1250}, {201, 1251}, {202, 1254},
    {203, 1253}, {204, 1257},
};

/* iconv name for a Windows/DOS/ISO code page number. */
static void codepage_name(int cp, char *out, size_t outsz)
{
    if (cp == 65001)
        snprintf(out, outsz, "UTF-8");
    else if (cp >= 28591 && cp <= 28606)
        snprintf(out, outsz, "ISO-8859-%d", cp - 28590);
    else if (cp == 20866)
        snprintf(out, outsz, "KOI8-R");
    else if (cp == 21866)
        snprintf(out, outsz, "KOI8-U");
    else
        snprintf(out, outsz, "CP%d", cp);
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
    }
    return 1;
}

/* Encoding names are short ASCII words ("CP1251", "ISO-8859-1", "ANSI
 * 1251"). glibc's iconv_open also accepts a name made of punctuation, or of
 * bytes such as "\xff\xfe" (what a .cpg holding binary data gives), and
 * would then convert with some charset nobody named; so the name is checked
 * before iconv sees it: at most 40 of [A-Za-z0-9_.:- ], one a letter or
 * digit. */
static int plausible_encoding(const char *s, size_t len)
{
    if (len == 0 || len > 40)
        return 0;
    int alnum = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            alnum = 1;
        else if (c != '_' && c != '.' && c != ':' && c != '-' && c != ' ')
            return 0;
    }
    return alnum;
}

/* s (len bytes) for a one-line message: printable ASCII as it is, every
 * other byte (and \ and ') as \xHH; at most 40 bytes, then "...". */
static const char *escaped(char *out, size_t outsz, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < len && i < 40 && o + 5 < outsz; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F && c != '\\' && c != '\'') {
            out[o++] = (char)c;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    if (len > 40 && o + 4 < outsz) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

/* Turns what a .cpg or a style says (len bytes: "UTF-8", "1251", "CP1251",
 * "windows-1251", "ANSI 1251", "8859-1", "ISO-8859-1", "LATIN1", ...) into
 * an iconv name. Returns 0 when it is no encoding name or iconv does not
 * know it. */
static int encoding_name(const char *given, size_t len, char *out, size_t outsz)
{
    if (!plausible_encoding(given, len))
        return 0;
    char up[64];
    size_t n = 0;
    for (const char *p = given; p < given + len && n + 1 < sizeof up; p++) {
        char c = *p;
        if (c == ' ' || c == '_')
            c = '-';
        up[n++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
    }
    up[n] = '\0';
    const char *s = up;
    if (strncmp(s, "ANSI-", 5) == 0 || strncmp(s, "OEM-", 4) == 0)
        s = strchr(s, '-') + 1;

    if (strcmp(s, "UTF-8") == 0 || strcmp(s, "UTF8") == 0 || strcmp(s, "65001") == 0)
        snprintf(out, outsz, "UTF-8");
    else if (all_digits(s) && strncmp(s, "8859", 4) == 0 && strlen(s) > 4)
        snprintf(out, outsz, "ISO-8859-%s", s + 4);
    else if (all_digits(s) && strlen(s) <= 5)
        codepage_name(atoi(s), out, outsz);
    else if (strncmp(s, "8859-", 5) == 0)
        snprintf(out, outsz, "ISO-8859-%s", s + 5);
    else if (strncmp(s, "WINDOWS-", 8) == 0 && all_digits(s + 8))
        snprintf(out, outsz, "CP%s", s + 8);
    else if (strncmp(s, "WIN", 3) == 0 && all_digits(s + 3))
        snprintf(out, outsz, "CP%s", s + 3);
    else if (strncmp(s, "ISO8859-", 8) == 0)
        snprintf(out, outsz, "ISO-8859-%s", s + 8);
    else if (strcmp(s, "LATIN1") == 0)
        snprintf(out, outsz, "ISO-8859-1");
    else
        snprintf(out, outsz, "%s", s);

    if (strcmp(out, "UTF-8") == 0)
        return 1;
    iconv_t cd = iconv_open("UTF-8", out);
    if (cd == (iconv_t)-1)
        return 0;
    iconv_close(cd);
    return 1;
}

steppe_status_t st_dbf_setup_encoding(shp_reader *r)
{
    char name[64] = "";
    const char *given = NULL;
    size_t given_len = 0;
    const char *from = NULL;
    const char *named_in = r->job.path; /* the file a bad name is blamed on */
    char cpg[4096];

    if (r->job.opts->encoding) {
        given = r->job.opts->encoding;
        given_len = strlen(given);
        from = "from the layer";
    } else if (st_shp_sibling(r->job.path, "cpg", cpg, sizeof cpg)) {
        const char *why = NULL;
        given = st_shp_read_small_text(r->job.arena, cpg, &given_len, &why);
        from = "from .cpg";
        named_in = cpg;
        if (!given && !why)
            return STEPPE_ERR_NOMEM;
        if (!given && st_shp_refused(why))
            return st_error(r->job.ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", cpg, why);
        if (!given) {
            st_shp_warn(r, "%s: cannot read: %s; reading attributes as ISO-8859-1", cpg, why);
            given = "ISO-8859-1";
            given_len = strlen(given);
            from = "default";
        }
    }

    int known = 0;
    if (given) {
        known = encoding_name(given, given_len, name, sizeof name);
    } else if (r->dbf->iLanguageDriver != 0) {
        from = "from the .dbf language driver";
        char ldid[16];
        snprintf(ldid, sizeof ldid, "LDID %d", r->dbf->iLanguageDriver);
        given = st_arena_strdup(r->job.arena, ldid);
        if (!given)
            return STEPPE_ERR_NOMEM;
        given_len = strlen(given);
        for (size_t i = 0; i < sizeof ldid_table / sizeof ldid_table[0]; i++) {
            if (ldid_table[i].ldid == r->dbf->iLanguageDriver) {
                codepage_name(ldid_table[i].cp, name, sizeof name);
                known = encoding_name(name, strlen(name), name, sizeof name);
            }
        }
    } else {
        /* Nothing says: dBASE's historical default. Only worth a warning if
         * a non-ASCII byte turns up. */
        r->undeclared = 1;
        known = 1;
        from = "default";
        snprintf(name, sizeof name, "ISO-8859-1");
    }
    if (!known) {
        char shown[200];
        st_shp_warn(r, "%s: unknown encoding '%s', reading attributes as ISO-8859-1", named_in,
                    escaped(shown, sizeof shown, given, given_len));
        snprintf(name, sizeof name, "ISO-8859-1");
        from = "default";
    }
    r->job.stats->encoding = st_arena_strdup(r->job.arena, name);
    r->job.stats->encoding_from = from;
    if (strcmp(name, "UTF-8") != 0) {
        r->cd = iconv_open("UTF-8", name);
        if (r->cd == (iconv_t)-1)
            return st_error(r->job.ctx, STEPPE_ERR_INTERNAL, "%s: iconv cannot convert from %s: %s",
                            r->job.path, name, strerror(errno));
    }
    return STEPPE_OK;
}

static int row_reserve(shp_reader *r, size_t more)
{
    return st_grow(&r->row, &r->rowcap, r->rowlen + more, 1, 1024) ? 0 : -1;
}

static void put_replacement(shp_reader *r)
{
    memcpy(r->row + r->rowlen, "\xEF\xBF\xBD", 3);
    r->rowlen += 3;
    r->bad_bytes++;
}

/* Appends s[0..n) to the row as UTF-8 plus a NUL. Invalid input bytes become
 * U+FFFD. Returns -1 when out of memory. */
static int append_utf8(shp_reader *r, const char *s, size_t n)
{
    /* Four output bytes per input byte covers U+FFFD (3) and every code page
     * iconv knows. */
    if (row_reserve(r, 4 * n + 1) != 0)
        return -1;
    size_t ascii = 0;
    while (ascii < n && (unsigned char)s[ascii] < 0x80)
        ascii++;
    if (ascii == n || r->cd == (iconv_t)-1) {
        const unsigned char *u = (const unsigned char *)s;
        size_t i = 0;
        while (i < n) {
            size_t len = st_utf8_seq(u + i, n - i);
            if (len == 0) {
                put_replacement(r);
                i++;
                continue;
            }
            memcpy(r->row + r->rowlen, u + i, len);
            r->rowlen += len;
            i += len;
        }
    } else {
        if (r->undeclared && !r->warned_undeclared) {
            r->warned_undeclared = 1;
            st_shp_warn(r,
                        "%s: no .cpg and no code page in the .dbf, reading attributes as ISO-8859-1 "
                        "(set encoding: on the layer if that is wrong)",
                        r->job.path);
        }
        char *in = (char *)s;
        size_t inleft = n;
        char *out = r->row + r->rowlen;
        size_t outleft = r->rowcap - r->rowlen - 1;
        iconv(r->cd, NULL, NULL, NULL, NULL);
        while (inleft > 0) {
            size_t rc = iconv(r->cd, &in, &inleft, &out, &outleft);
            if (rc != (size_t)-1)
                break;
            if (errno == E2BIG || outleft < 3)
                break; /* cannot happen with 4n bytes reserved; truncate */
            /* EILSEQ or EINVAL: a byte the code page does not define. */
            memcpy(out, "\xEF\xBF\xBD", 3);
            out += 3;
            outleft -= 3;
            r->bad_bytes++;
            in++;
            inleft--;
            iconv(r->cd, NULL, NULL, NULL, NULL);
        }
        r->rowlen = (size_t)(out - r->row);
    }
    r->row[r->rowlen++] = '\0';
    return 0;
}

/* ---- attributes ----------------------------------------------------------- */

/* Says why shapelib could not open the .dbf at path, from its dBASE header:
 * 32 bytes holding the header length (offset 8, little-endian uint16) and
 * the row length (10, uint16), then 32 bytes per field and a terminator.
 * Empty when the header looks sound. */
static const char *dbf_problem(const char *path, char *out, size_t outsz)
{
    out[0] = '\0';
    const char *why = NULL;
    FILE *f = st_source_fopen(path, &why);
    if (!f) {
        snprintf(out, outsz, "%s", why);
        return out;
    }
    unsigned char h[32];
    size_t n = fread(h, 1, sizeof h, f);
    struct stat sb;
    int have_size = fstat(fileno(f), &sb) == 0;
    fclose(f);
    if (n < sizeof h) {
        snprintf(out, outsz, "%zu bytes, shorter than its 32-byte header", n);
        return out;
    }
    unsigned header = (unsigned)h[8] | (unsigned)h[9] << 8;
    unsigned row = (unsigned)h[10] | (unsigned)h[11] << 8;
    if (header < 33)
        snprintf(out, outsz, "its header length is %u bytes, less than the 33 of a header without fields",
                 header);
    else if (have_size && header > (uint64_t)sb.st_size)
        snprintf(out, outsz, "its header length (%u bytes) runs past the end of the file (%lld bytes)",
                 header, (long long)sb.st_size);
    else if (row == 0)
        snprintf(out, outsz, "its row length is 0");
    return out;
}

/* Opens the .dbf with shapelib. Only a companion that is no regular file
 * fails the read (the rule for every source file); one shapelib cannot read
 * leaves the features without attributes, with a warning. */
steppe_status_t st_dbf_open(shp_reader *r)
{
    char dbf[4096];
    if (!st_shp_sibling(r->job.path, "dbf", dbf, sizeof dbf)) {
        st_shp_warn(r, "%s: no .dbf; features have no attributes", r->job.path);
        return STEPPE_OK;
    }
    const char *why = NULL;
    int fd = st_source_open_regular(dbf, &why);
    if (fd < 0 && st_shp_refused(why))
        return st_error(r->job.ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", dbf, why);
    if (fd >= 0)
        close(fd);
    r->dbf = DBFOpenLL(dbf, "rb", &r->hooks);
    if (!r->dbf) {
        char problem[256];
        dbf_problem(dbf, problem, sizeof problem);
        st_shp_warn(r, "%s: cannot read the .dbf%s%s%s; features have no attributes", r->job.path,
                    problem[0] ? " (" : "", problem, problem[0] ? ")" : "");
        return STEPPE_OK;
    }
    struct stat sb;
    r->dbf_size = stat(dbf, &sb) == 0 ? (size_t)sb.st_size : SIZE_MAX;
    return STEPPE_OK;
}

steppe_status_t st_dbf_setup_fields(shp_reader *r)
{
    DBFHandle dbf = r->dbf;
    int nf = DBFGetFieldCount(dbf);
    if (nf < 0 || nf > 4096)
        return st_error(r->job.ctx, STEPPE_ERR_DATA_CORRUPT, "%s: .dbf has %d fields", r->job.path, nf);
    size_t n = (size_t)nf;
    st_featureset *fs = r->job.fs;
    fs->fields = st_arena_calloc(r->job.arena, n ? n : 1, sizeof *fs->fields);
    fs->field_types = st_arena_calloc(r->job.arena, n + 1, 1);
    bool stats_ok = st_source_stats_fields(r->job.stats, r->job.arena, n);
    r->offs = calloc(n ? n : 1, sizeof *r->offs);
    r->attrs = calloc(n ? n : 1, sizeof *r->attrs);
    if (!fs->fields || !fs->field_types || !stats_ok || !r->offs || !r->attrs)
        return STEPPE_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        char name[XBASE_FLDNAME_LEN_READ + 1] = "";
        int width = 0;
        int decimals = 0;
        DBFGetFieldInfo(dbf, (int)i, name, &width, &decimals);
        int off = dbf->panFieldOffset[i];
        int size = dbf->panFieldSize[i];
        /* Byte 0 of a row is the deletion flag; every field must lie
         * inside the row or DBFReadTuple's buffer would be overrun. */
        if (off < 1 || size < 0 || off + size > dbf->nRecordLength)
            return st_error(r->job.ctx, STEPPE_ERR_DATA_CORRUPT,
                            "%s: .dbf field %zu ('%s') lies outside the %d-byte row", r->job.path, i + 1,
                            name, dbf->nRecordLength);
        r->rowlen = 0;
        if (append_utf8(r, name, strnlen(name, sizeof name)) != 0)
            return STEPPE_ERR_NOMEM;
        fs->fields[i] = st_arena_strdup(r->job.arena, r->row);
        if (!fs->fields[i])
            return STEPPE_ERR_NOMEM;
        char t = DBFGetNativeFieldType(dbf, (int)i);
        fs->field_types[i] = (t == 'N' || t == 'F' || t == 'L' || t == 'D') ? t : 'C';
        r->job.stats->field_width[i] = width;
        r->job.stats->field_decimals[i] = decimals;
    }
    fs->nfields = n;
    r->rowlen = 0;
    r->bad_bytes = 0;
    return STEPPE_OK;
}

static int pad_byte(char c)
{
    return c == ' ' || c == '\0';
}

/* Reads row rec of the .dbf, converted, into r->row / r->attrs. */
steppe_status_t st_dbf_read_row(shp_reader *r, int rec)
{
    size_t nf = r->job.fs->nfields;
    r->rowlen = 0;
    const char *raw = DBFReadTuple(r->dbf, rec);
    for (size_t i = 0; i < nf; i++) {
        const char *v = "";
        size_t len = 0;
        if (raw) {
            v = raw + r->dbf->panFieldOffset[i];
            len = (size_t)r->dbf->panFieldSize[i];
            /* Fields are padded with blanks, and by some writers with NULs
             * (numbers especially): trim both from both ends, and stop at
             * an embedded NUL. */
            while (len && pad_byte(*v)) {
                v++;
                len--;
            }
            len = strnlen(v, len);
            while (len && pad_byte(v[len - 1]))
                len--;
        }
        r->offs[i] = r->rowlen;
        if (append_utf8(r, v, len) != 0)
            return STEPPE_ERR_NOMEM;
    }
    for (size_t i = 0; i < nf; i++)
        r->attrs[i] = r->row + r->offs[i];
    if (!raw) {
        uint64_t end =
            (uint64_t)r->dbf->nHeaderLength + ((uint64_t)rec + 1) * (uint64_t)r->dbf->nRecordLength;
        if (r->record_warnings++ < MAX_RECORD_WARNINGS)
            st_shp_warn(r, "%s: record %d: attributes unreadable (%s), left empty", r->job.path, rec,
                        end > r->dbf_size ? "the .dbf ends inside this row" : "read error");
    }
    return STEPPE_OK;
}

/* Copies the current row into the arena for feature f. */
steppe_status_t st_dbf_keep_row(shp_reader *r, st_feature *f)
{
    size_t nf = r->job.fs->nfields;
    if (nf == 0)
        return STEPPE_OK;
    char *block = st_arena_alloc(r->job.arena, r->rowlen);
    const char **attrs = st_arena_alloc(r->job.arena, nf * sizeof *attrs);
    if (!block || !attrs)
        return STEPPE_ERR_NOMEM;
    memcpy(block, r->row, r->rowlen);
    for (size_t i = 0; i < nf; i++)
        attrs[i] = block + r->offs[i];
    f->attrs = attrs;
    return STEPPE_OK;
}
