#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *rotate(char bufs[][4096], int *i, int n)
{
    char *b = bufs[*i];
    *i = (*i + 1) % n;
    return b;
}

const char *tu_src(const char *rel)
{
    static char bufs[8][4096];
    static int i;
    const char *root = getenv("STEPPE_SOURCE_DIR");
    char *b = rotate(bufs, &i, 8);
    snprintf(b, 4096, "%s/%s", root ? root : STEPPE_SOURCE_DIR, rel);
    return b;
}

const char *tu_join(const char *dir, const char *name)
{
    static char bufs[8][4096];
    static int i;
    char *b = rotate(bufs, &i, 8);
    snprintf(b, 4096, "%s/%s", dir, name);
    return b;
}

const char *tu_tmpdir(void)
{
    static char bufs[4][4096];
    static int i;
    char *b = rotate(bufs, &i, 4);
    snprintf(b, 4096, "/tmp/steppe-test-XXXXXX");
    if (!mkdtemp(b))
        abort();
    return b;
}

int tu_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = strlen(text);
    int rc = fwrite(text, 1, n, f) == n ? 0 : -1;
    if (fclose(f) != 0)
        rc = -1;
    return rc;
}

char *tu_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static char logbuf[65536];
static size_t loglen;

static void collect(void *user, steppe_log_level_t level, const char *msg)
{
    (void)user;
    const char *tag = level == STEPPE_LOG_ERROR ? "error: " : level == STEPPE_LOG_WARNING ? "warning: " : "";
    int n = snprintf(logbuf + loglen, sizeof logbuf - loglen, "%s%s\n", tag, msg);
    if (n > 0 && loglen + (size_t)n < sizeof logbuf)
        loglen += (size_t)n;
}

steppe_ctx_t *tu_ctx(void)
{
    steppe_ctx_t *ctx = steppe_ctx_create();
    if (!ctx)
        abort();
    steppe_ctx_set_logger(ctx, collect, NULL);
    tu_log_clear();
    return ctx;
}

const char *tu_log(void)
{
    return logbuf;
}

void tu_log_clear(void)
{
    loglen = 0;
    logbuf[0] = '\0';
}

Suite *tu_suite(const char *name, TCase **tc)
{
    Suite *s = suite_create(name);
    *tc = tcase_create("core");
    suite_add_tcase(s, *tc);
    return s;
}

int tu_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
