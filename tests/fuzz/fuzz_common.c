/* Scratch files, framing and a checking logger for the fuzz targets. */
#include "fuzz_common.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[512];
        for (e = readdir(d); e; e = readdir(d)) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

const char *fz_dir(void)
{
    if (!dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/steppe-fuzz.XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            abort();
        }
        atexit(remove_dir);
    }
    return dir;
}

const char *fz_write_file(const char *name, const void *data, size_t size)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", fz_dir(), name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return NULL;
    size_t wrote = size ? fwrite(data, 1, size, f) : 0;
    int closed = fclose(f);
    if (wrote != size || closed != 0)
        return NULL;
    return path;
}

int fz_has_part(const uint8_t *data, size_t size, unsigned kind)
{
    size_t pos = 0;
    while (pos + 5 <= size) {
        size_t n = (size_t)data[pos + 1] | (size_t)data[pos + 2] << 8 | (size_t)data[pos + 3] << 16 |
                   (size_t)data[pos + 4] << 24;
        if (data[pos] % 5 == kind)
            return 1;
        pos += 5;
        pos += n > size - pos ? size - pos : n;
    }
    return 0;
}

const char *fz_write_shapefile(const uint8_t *data, size_t size, const char *name, int with_prj)
{
    static const char *const ext[5] = {"shp", "shx", "dbf", "cpg", "prj"};
    const uint8_t *start[5] = {NULL};
    size_t len[5] = {0};
    int present[5] = {0};
    size_t pos = 0;
    char file[300];
    static char shp[512];

    while (pos + 5 <= size) {
        unsigned tag = data[pos] % 5;
        size_t n = (size_t)data[pos + 1] | (size_t)data[pos + 2] << 8 | (size_t)data[pos + 3] << 16 |
                   (size_t)data[pos + 4] << 24;
        pos += 5;
        if (n > size - pos)
            n = size - pos;
        start[tag] = data + pos;
        len[tag] = n;
        present[tag] = 1;
        pos += n;
    }
    for (int i = 0; i < 5; i++) {
        snprintf(file, sizeof file, "%s.%s", name, ext[i]);
        if (present[i] && (i != 4 || with_prj)) {
            if (!fz_write_file(file, start[i], len[i]))
                abort();
        } else {
            char path[600];
            snprintf(path, sizeof path, "%s/%s", fz_dir(), file);
            unlink(path);
        }
    }
    snprintf(shp, sizeof shp, "%s/%s.shp", fz_dir(), name);
    return shp;
}

int fz_known(const char *name)
{
    const char *list = getenv("STEPPE_FUZZ_KNOWN");
    size_t n = strlen(name);
    for (const char *p = list ? strstr(list, name) : NULL; p; p = strstr(p + 1, name)) {
        if ((p == list || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
            return 1;
    }
    return 0;
}

void fz_require(int cond, const char *msg)
{
    if (!cond) {
        fprintf(stderr, "fuzz invariant broken: %s\n", msg);
        abort();
    }
}

static void check_line(void *user, steppe_log_level_t level, const char *message)
{
    (void)user;
    fz_require(level <= STEPPE_LOG_INFO, "log level out of range");
    fz_require(message != NULL, "NULL log message");
    if (!fz_known("multiline") && strchr(message, '\n')) {
        fprintf(stderr, "message: %s\n", message);
        fz_require(0, "a log message holds a newline (logger contract: one line per message)");
    }
}

steppe_ctx_t *fz_ctx(void)
{
    steppe_ctx_t *ctx = steppe_ctx_create();
    fz_require(ctx != NULL, "steppe_ctx_create failed");
    steppe_ctx_set_logger(ctx, check_line, NULL);
    return ctx;
}
