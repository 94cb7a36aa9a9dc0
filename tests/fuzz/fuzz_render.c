/* libFuzzer target: the quick-look render of a fuzzed Shapefile set
 * (framing in fuzz_common.h) at 32x32 to a temporary PNG, through
 * steppe_style_quicklook and steppe_render — the path of
 * `steppe render X.shp`. One context per process: the font map it owns is
 * expensive to build, and each input still gets a fresh style and render. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"

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
    /* A .prj makes every render build its transformation from proj.db
     * (~300 ms under the sanitizers); fuzz_shapefile covers .prj parsing,
     * so here it is kept for one input in eight (by length: reproducible)
     * and the rest render in EPSG:4326. */
    const char *shp = fz_write_shapefile(data, size, "f", size % 8 == 0);
    if (fz_known("noshx") && !fz_has_part(data, size, 1))
        return 0;
    char out[512];
    snprintf(out, sizeof out, "%s/out.png", fz_dir());
    unlink(out);

    steppe_style_t *style = NULL;
    if (steppe_style_quicklook(ctx, shp, &style) == STEPPE_OK) {
        steppe_render_opts_t opts;
        const char *outputs[1] = {out};
        steppe_render_opts_init(&opts);
        opts.outputs = outputs;
        opts.n_outputs = 1;
        opts.width = 32;
        opts.height = 32;
        steppe_status_t st = steppe_render(ctx, style, &opts);
        struct stat sb;
        int exists = stat(out, &sb) == 0;
        if (st == STEPPE_OK)
            fz_require(exists && sb.st_size > 0, "render: STEPPE_OK without an output");
        else
            fz_require(!exists, "render: failed but left an output");
    } else {
        fz_require(style == NULL, "quicklook: out touched on failure");
    }
    steppe_style_destroy(style);
    return 0;
}
