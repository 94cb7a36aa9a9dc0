/* Connection strings: telling them from paths and showing them without
 * their password (dsn.h). */
#include "dsn.h"

#include <ctype.h>
#include <string.h>

#include "strbuf.h"

bool st_dsn_is(const char *source)
{
    return source && (strncmp(source, "postgresql://", 13) == 0 || strncmp(source, "postgres://", 11) == 0 ||
                      strncmp(source, "PG:", 3) == 0);
}

static bool is_uri(const char *dsn)
{
    return strncmp(dsn, "postgresql://", 13) == 0 || strncmp(dsn, "postgres://", 11) == 0;
}

/* The connection string libpq reads: the DSN without GDAL's "PG:". */
const char *st_dsn_conninfo(const char *dsn)
{
    return strncmp(dsn, "PG:", 3) == 0 ? dsn + 3 : dsn;
}

/* Where, in a URI, the password of user:password@ lies: [*b, *e); false
 * when it has none. */
bool st_dsn_uri_password(const char *dsn, size_t *b, size_t *e)
{
    if (!is_uri(dsn))
        return false;
    const char *p = strstr(dsn, "://");
    if (!p)
        return false;
    p += 3;
    /* libpq looks for the user part up to the first '/' (not '?' or '#':
     * "u:pa?ss@h" is user u, password pa?ss); the last '@' before it ends
     * the password, so a malformed one with an '@' in it is hidden whole. */
    size_t end = strcspn(p, "/");
    const char *at = NULL;
    for (size_t i = 0; i < end; i++) {
        if (p[i] == '@')
            at = p + i;
    }
    if (!at)
        return false;
    const char *colon = memchr(p, ':', (size_t)(at - p));
    if (!colon)
        return false;
    *b = (size_t)(colon + 1 - dsn);
    *e = (size_t)(at - dsn);
    return true;
}

/* Copies a key=value connection string with the value of password
 * replaced by ***. Values are words or '...' with backslash escapes, as
 * libpq reads them. */
static void shown_keywords(const char *s, char *buf, size_t cap, size_t *len)
{
    while (*s) {
        size_t sp = strspn(s, " \t\n\r");
        st_strbuf_put(buf, cap, len, s, sp);
        s += sp;
        if (!*s)
            break;
        size_t kw = strcspn(s, "= \t\n\r");
        bool secret = kw == 8 && strncmp(s, "password", 8) == 0;
        st_strbuf_put(buf, cap, len, s, kw);
        s += kw;
        sp = strspn(s, " \t\n\r");
        s += sp;
        if (*s != '=')
            continue;
        st_strbuf_put(buf, cap, len, "=", 1);
        s++;
        s += strspn(s, " \t\n\r");
        const char *v = s;
        if (*s == '\'') {
            s++;
            while (*s && *s != '\'') {
                if (*s == '\\' && s[1])
                    s++;
                s++;
            }
            if (*s)
                s++;
        } else {
            while (*s && !isspace((unsigned char)*s)) {
                if (*s == '\\' && s[1])
                    s++;
                s++;
            }
        }
        if (secret)
            st_strbuf_put(buf, cap, len, "***", 3);
        else
            st_strbuf_put(buf, cap, len, v, (size_t)(s - v));
    }
}

char *st_dsn_shown(st_arena *arena, const char *dsn)
{
    char buf[1024];
    size_t len = 0;
    buf[0] = '\0';
    if (is_uri(dsn)) {
        size_t b, e;
        size_t from = 0;
        if (st_dsn_uri_password(dsn, &b, &e)) {
            st_strbuf_put(buf, sizeof buf, &len, dsn, b);
            st_strbuf_put(buf, sizeof buf, &len, "***", 3);
            from = e;
        }
        /* ?password=...&...: the value up to the next & or #. */
        const char *q = strchr(dsn + from, '?');
        size_t upto = q ? (size_t)(q - dsn) : strlen(dsn);
        st_strbuf_put(buf, sizeof buf, &len, dsn + from, upto - from);
        while (q && *q) {
            st_strbuf_put(buf, sizeof buf, &len, q, 1);
            q++;
            size_t n = strcspn(q, "&#");
            if (strncmp(q, "password=", 9) == 0) {
                st_strbuf_put(buf, sizeof buf, &len, "password=***", 12);
            } else {
                st_strbuf_put(buf, sizeof buf, &len, q, n);
            }
            q += n;
        }
    } else {
        if (strncmp(dsn, "PG:", 3) == 0)
            st_strbuf_put(buf, sizeof buf, &len, "PG:", 3);
        shown_keywords(st_dsn_conninfo(dsn), buf, sizeof buf, &len);
    }
    return st_arena_strdup(arena, buf);
}
