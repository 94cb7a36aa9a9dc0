/* libFuzzer target: `steppe diff A.png B.png -o HL.png` on arbitrary bytes,
 * and the canonical paths that every output check (render -o/-r, atlas
 * pages, diff -o) compares.
 *
 * Input: byte 0 is the threshold, byte 1 picks the tolerance; bytes 2-5 (a
 * little-endian length, cut to what remains) are image A; the rest is image
 * B. A third of the inputs (by length: reproducible) also use the bytes as a
 * path for st_path_canonical().
 * Invariants: a completed comparison is consistent (differing <= total, the
 * region inside the image, match as the tolerance says); the highlight
 * exists exactly when the sizes agree; no temporary file is left; a
 * canonical path is absolute with no empty, "." or ".." component. */
#include <dirent.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <steppe/diff.h>

#include "fuzz_common.h"
#include "output.h"

static steppe_ctx_t *ctx;

static void free_ctx(void)
{
    steppe_ctx_destroy(ctx);
    ctx = NULL;
}

static int tmp_files(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    for (struct dirent *e = readdir(d); e; e = readdir(d)) {
        if (fnmatch(".*.??????.tmp", e->d_name, FNM_PERIOD) == 0)
            n++;
    }
    closedir(d);
    return n;
}

static void check_canonical(const uint8_t *data, size_t size)
{
    char path[1024];
    size_t n = size < sizeof path - 1 ? size : sizeof path - 1;
    memcpy(path, data, n);
    path[n] = '\0';
    if (!path[0])
        return;
    char *c = st_path_canonical(path);
    if (!c)
        return; /* too long */
    fz_require(c[0] == '/', "canonical path is not absolute");
    fz_require(strcmp(c, "/") == 0 || c[strlen(c) - 1] != '/', "canonical path ends in '/'");
    fz_require(!strstr(c, "//"), "canonical path has an empty component");
    fz_require(!strstr(c, "/./") && !strstr(c, "/../"), "canonical path has a . or .. component");
    size_t len = strlen(c);
    fz_require(!(len >= 2 && strcmp(c + len - 2, "/.") == 0), "canonical path ends in /.");
    fz_require(!(len >= 3 && strcmp(c + len - 3, "/..") == 0), "canonical path ends in /..");
    free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx) {
        ctx = fz_ctx();
        atexit(free_ctx);
    }
    if (size % 3 == 0)
        check_canonical(data, size);
    if (size < 6)
        return 0;
    steppe_diff_opts_t opts;
    steppe_diff_opts_init(&opts);
    opts.threshold = data[0];
    opts.tolerance = data[1] / 255.0;
    size_t la = (size_t)data[2] | (size_t)data[3] << 8 | (size_t)data[4] << 16 | (size_t)data[5] << 24;
    const uint8_t *rest = data + 6;
    size_t left = size - 6;
    if (la > left)
        la = left;
    const char *a = fz_write_file("a.png", rest, la);
    char apath[512];
    if (!a)
        return 0;
    snprintf(apath, sizeof apath, "%s", a);
    const char *b = fz_write_file("b.png", rest + la, left - la);
    if (!b)
        return 0;
    char hl[512];
    snprintf(hl, sizeof hl, "%s/hl.png", fz_dir());
    unlink(hl);
    opts.highlight = hl;

    steppe_diff_result_t r;
    steppe_status_t st = steppe_diff_png(ctx, apath, b, &opts, &r);
    struct stat sb;
    int exists = stat(hl, &sb) == 0;
    if (st == STEPPE_OK) {
        if (r.same_size) {
            fz_require(exists && sb.st_size > 0, "diff: same size but no highlight");
            fz_require(r.total == (uint64_t)r.width_a * (uint64_t)r.height_a, "diff: total");
            fz_require(r.differing <= r.total, "diff: more differing pixels than pixels");
            fz_require(r.match == (r.share <= opts.tolerance), "diff: match disagrees with the tolerance");
            if (r.differing)
                fz_require(r.x0 >= 0 && r.x0 <= r.x1 && r.x1 < r.width_a && r.y0 >= 0 && r.y0 <= r.y1 &&
                               r.y1 < r.height_a,
                           "diff: region outside the image");
        } else {
            fz_require(!exists, "diff: sizes differ but a highlight was written");
            fz_require(!r.match, "diff: sizes differ but match");
        }
    } else {
        fz_require(!exists, "diff: failed but left a highlight");
    }
    fz_require(tmp_files(fz_dir()) == 0, "diff: temporary file left");
    return 0;
}
