/* Numbers and ranges for legend labels in en, ru and kk (see numfmt.h). */
#include "numfmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    st_lang lang;
    const char *group;
    const char *decimal;
} langs[] = {
    {"en", ST_LANG_EN, ",", "."},
    {"ru", ST_LANG_RU, "\xc2\xa0", ","},
    {"kk", ST_LANG_KK, "\xc2\xa0", ","},
};

#define NBSP "\xc2\xa0"
#define EN_DASH "\xe2\x80\x93"

bool st_lang_from_name(const char *name, st_lang *out)
{
    for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
        if (strcmp(name, langs[i].name) == 0) {
            *out = langs[i].lang;
            return true;
        }
    }
    return false;
}

/* Appends s to out (capacity cap, used *len), always counting its length. */
static void put(char *out, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len < cap) {
        size_t room = cap - *len - 1;
        memcpy(out + *len, s, n < room ? n : room);
    }
    *len += n;
    if (cap > 0)
        out[*len < cap ? *len : cap - 1] = '\0';
}

size_t st_numfmt(double v, const st_numfmt_opts *opts, char *out, size_t cap)
{
    size_t len = 0;
    if (cap > 0)
        out[0] = '\0';
    if (!isfinite(v)) {
        put(out, cap, &len, EN_DASH);
        return len;
    }
    const char *group = langs[opts->lang].group;
    const char *decimal = langs[opts->lang].decimal;
    int dec = opts->decimals;
    bool trim = dec < 0;
    if (trim)
        dec = ST_NUMFMT_MAX_DECIMALS;
    if (dec > ST_NUMFMT_MAX_DECIMALS)
        dec = ST_NUMFMT_MAX_DECIMALS;

    /* printf rounds correctly to dec places; the digits are then
     * regrouped and the separators swapped. */
    char digits[400];
    snprintf(digits, sizeof digits, "%.*f", dec, fabs(v));
    char *point = strchr(digits, '.');
    char *frac = NULL;
    if (point) {
        *point = '\0';
        frac = point + 1;
        if (trim) {
            size_t fl = strlen(frac);
            while (fl > 0 && frac[fl - 1] == '0')
                frac[--fl] = '\0';
        }
        if (*frac == '\0')
            frac = NULL;
    }
    bool zero = strspn(digits, "0") == strlen(digits) && (!frac || strspn(frac, "0") == strlen(frac));
    if (v < 0 && !zero)
        put(out, cap, &len, "-");
    size_t nint = strlen(digits);
    for (size_t i = 0; i < nint; i++) {
        if (i > 0 && (nint - i) % 3 == 0 && !opts->no_grouping && nint > 3)
            put(out, cap, &len, group);
        char d[2] = {digits[i], '\0'};
        put(out, cap, &len, d);
    }
    if (frac) {
        put(out, cap, &len, decimal);
        put(out, cap, &len, frac);
    }
    return len;
}

int st_numfmt_decimals(const double *edges, size_t n)
{
    for (int d = 0; d < ST_NUMFMT_MAX_DECIMALS; d++) {
        bool apart = true;
        char a[400];
        char b[400];
        for (size_t i = 0; i + 1 < n && apart; i++) {
            if (edges[i] == edges[i + 1])
                continue;
            snprintf(a, sizeof a, "%.*f", d, edges[i]);
            snprintf(b, sizeof b, "%.*f", d, edges[i + 1]);
            apart = strcmp(a, b) != 0;
        }
        if (apart)
            return d;
    }
    return ST_NUMFMT_MAX_DECIMALS;
}

size_t st_numfmt_range(double lo, double hi, const st_numfmt_opts *opts, char *out, size_t cap)
{
    char a[512];
    char b[512];
    size_t len = 0;
    if (cap > 0)
        out[0] = '\0';
    st_numfmt(lo, opts, a, sizeof a);
    st_numfmt(hi, opts, b, sizeof b);
    put(out, cap, &len, a);
    put(out, cap, &len, " " EN_DASH " ");
    put(out, cap, &len, b);
    if (opts->unit && *opts->unit) {
        put(out, cap, &len, NBSP);
        put(out, cap, &len, opts->unit);
    }
    return len;
}
