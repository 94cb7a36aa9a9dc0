/* libFuzzer target: the Shapefile reader, through the code paths of
 * `steppe info` (steppe_info_describe) and of a render's read
 * (st_source_read_shp, no bbox, no simplification). The input is a framed
 * Shapefile set (fuzz_common.h). What a successful read returns is walked
 * completely, so a count that disagrees with its array shows up under ASan,
 * and its structure is checked against features.h. */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "source.h"

static void walk(const st_featureset *fs)
{
    fz_require(fs->n <= fs->cap || fs->cap == 0, "featureset n > cap");
    for (size_t k = 0; k < fs->nfields; k++) {
        fz_require(fs->fields[k] != NULL, "NULL field name");
        (void)strlen(fs->fields[k]);
    }
    for (size_t i = 0; i < fs->n; i++) {
        const st_feature *f = &fs->feat[i];
        fz_require(f->nparts > 0 || f->npoints == 0, "vertices without parts");
        for (uint32_t p = 0; p < f->nparts; p++) {
            fz_require(f->parts[p] < f->npoints, "part start beyond the vertices");
            fz_require(p == 0 || f->parts[p] > f->parts[p - 1], "part starts not increasing");
        }
        fz_require(f->nparts == 0 || f->parts[0] == 0, "first part does not start at vertex 0");
        for (uint32_t v = 0; v < 2 * f->npoints; v++)
            fz_require(isfinite(f->xy[v]), "a non-finite coordinate survived the reader");
        for (size_t k = 0; k < fs->nfields; k++) {
            fz_require(f->attrs[k] != NULL, "NULL attribute (features.h: \"\" when empty)");
            (void)strlen(f->attrs[k]);
        }
    }
}

/* One context per process: its PROJ context (proj.db opened, caches warm)
 * is what makes `info` of a .prj cheap enough to fuzz. Its last error is
 * cleared per input so "failed without a message" stays checkable. */
static steppe_ctx_t *ctx;

static void free_ctx(void)
{
    steppe_ctx_destroy(ctx);
    ctx = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx) {
        ctx = fz_ctx();
        atexit(free_ctx);
    }
    ctx->last_error[0] = '\0';
    const char *path = fz_write_shapefile(data, size, "f", 1);
    if (fz_known("noshx") && !fz_has_part(data, size, 1))
        return 0;

    /* info names the CRS with proj_identify(), a search of proj.db that
     * costs ~40 ms under the sanitizers — 20x the rest. It is run on every
     * input without a .prj and on one in eight of the others (chosen by
     * length, so a crash reproduces). */
    char prj[600];
    snprintf(prj, sizeof prj, "%.*s.prj", (int)(strlen(path) - 4), path);
    int run_info = access(prj, F_OK) != 0 || size % 8 == 0;

    char *text = NULL;
    if (!run_info) {
        /* skipped for speed */
    } else if (steppe_info_describe(ctx, path, &text) == STEPPE_OK) {
        fz_require(text != NULL, "info: STEPPE_OK without text");
        (void)strlen(text);
        free(text);
    } else {
        fz_require(text == NULL, "info: out touched on failure");
        fz_require(steppe_ctx_last_error(ctx)[0] != '\0', "info: failure without a message");
    }
    ctx->last_error[0] = '\0';

    st_arena *arena = st_arena_create(0);
    fz_require(arena != NULL, "st_arena_create failed");
    st_featureset fs;
    st_source_stats stats;
    st_read_opts opts;
    memset(&fs, 0, sizeof fs);
    memset(&stats, 0, sizeof stats);
    memset(&opts, 0, sizeof opts);
    opts.stats = &stats;
    steppe_status_t st = st_source_read_shp(ctx, path, &opts, arena, &fs);
    if (st == STEPPE_OK)
        walk(&fs);
    else
        fz_require(steppe_ctx_last_error(ctx)[0] != '\0', "read: failure without a message");

    st_arena_destroy(arena);
    return 0;
}
