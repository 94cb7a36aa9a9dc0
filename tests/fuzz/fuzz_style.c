/* libFuzzer target: the style loader (YAML → node tree → extends →
 * overrides → schema → map model). The input is the style text; bytes after
 * the first NUL, split at further NULs, are up to four --set overrides. The
 * style is written to <scratch>/styles/fuzz.yaml beside links to the bundled
 * styles/ and shapes/, the test fixtures (fixtures/) and the broken-input
 * corpus (shp/), so `extends: forum.yaml`, `source: ../shapes/countries.shp`
 * and the corpus styles' `source: ../shp/good.shp` resolve. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"

enum { MAX_OVERRIDES = 4 };

static char style_path[512];

static void link_data(void)
{
    char path[600];
    snprintf(path, sizeof path, "%s/styles", fz_dir());
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/styles/forum.yaml", fz_dir());
    if (symlink(STEPPE_SOURCE_DIR "/styles/forum.yaml", path) != 0)
        perror("symlink forum.yaml");
    snprintf(path, sizeof path, "%s/shapes", fz_dir());
    if (symlink(STEPPE_SOURCE_DIR "/shapes", path) != 0)
        perror("symlink shapes");
    snprintf(path, sizeof path, "%s/fixtures", fz_dir());
    if (symlink(STEPPE_SOURCE_DIR "/tests/fixtures/shp", path) != 0)
        perror("symlink fixtures");
    snprintf(path, sizeof path, "%s/shp", fz_dir());
    if (symlink(STEPPE_SOURCE_DIR "/tests/corpus/shp", path) != 0)
        perror("symlink corpus");
    snprintf(style_path, sizeof style_path, "%s/styles/fuzz.yaml", fz_dir());
}

static void unlink_data(void)
{
    char path[600];
    const char *names[] = {"styles/forum.yaml", "styles/fuzz.yaml", "shapes", "fixtures", "shp"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", fz_dir(), names[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/styles", fz_dir());
    rmdir(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!style_path[0]) {
        link_data();
        atexit(unlink_data);
    }
    const uint8_t *nul = memchr(data, 0, size);
    size_t text_len = nul ? (size_t)(nul - data) : size;

    /* Overrides: NUL-separated strings after the text (copied so that the
     * last one is terminated even when the input does not end in a NUL). */
    char *tail = NULL;
    const char *ov[MAX_OVERRIDES];
    size_t nov = 0;
    if (nul) {
        size_t tlen = size - text_len - 1;
        tail = malloc(tlen + 1);
        fz_require(tail != NULL, "malloc");
        memcpy(tail, nul + 1, tlen);
        tail[tlen] = '\0';
        for (char *p = tail; p < tail + tlen + 1 && nov < MAX_OVERRIDES; p += strlen(p) + 1)
            ov[nov++] = p;
    }

    FILE *f = fopen(style_path, "wb");
    fz_require(f != NULL, "cannot write the style");
    if (text_len)
        fwrite(data, 1, text_len, f);
    fclose(f);

    steppe_ctx_t *ctx = fz_ctx();
    steppe_style_t *style = NULL;
    steppe_status_t st = steppe_style_load(ctx, style_path, nov ? ov : NULL, nov, &style);
    if (st == STEPPE_OK) {
        fz_require(style != NULL, "load: STEPPE_OK without a style");
        (void)strlen(steppe_style_name(style));
    } else {
        fz_require(style == NULL, "load: out touched on failure");
        fz_require(steppe_ctx_last_error(ctx)[0] != '\0', "load: failure without a message");
        fz_require(st >= 100, "load: failure status below 100");
    }
    steppe_style_destroy(style);
    steppe_ctx_destroy(ctx);
    free(tail);
    return 0;
}
