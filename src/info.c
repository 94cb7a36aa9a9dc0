/* steppe info: describes a Shapefile (or a CSV of points) by reading it with
 * the same reader a render uses, so the description is what a render sees. */
#include <steppe/info.h>

#include <shapefil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctx.h"
#include "dynlib.h"
#include "source.h"

/* "569876" -> "569,876" */
static void thousands(size_t n, char *out, size_t outsz)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%zu", n);
    size_t w = 0;
    for (int i = 0; i < len && w + 2 < outsz; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[w++] = ',';
        out[w++] = digits[i];
    }
    out[w] = '\0';
}

/* "WGS 84 (EPSG:4326)": the CRS's name, and its EPSG code when PROJ
 * identifies it with high confidence. */
static void describe_crs(steppe_ctx_t *ctx, const char *crs, char *out, size_t outsz)
{
    PJ_CONTEXT *pc = st_ctx_proj(ctx);
    if (!pc) {
        snprintf(out, outsz, "%.60s (PROJ cannot be loaded)", crs);
        return;
    }
    PJ *obj = proj_create(pc, crs);
    if (!obj) {
        snprintf(out, outsz, "%.60s (not understood by PROJ)", crs);
        return;
    }
    const char *name = proj_get_name(obj);
    const char *auth = proj_get_id_auth_name(obj, 0);
    const char *code = proj_get_id_code(obj, 0);
    char id[64] = "";
    if (auth && code) {
        snprintf(id, sizeof id, "%s:%s", auth, code);
    } else {
        int *confidence = NULL;
        PJ_OBJ_LIST *list = proj_identify(pc, obj, "EPSG", NULL, &confidence);
        if (list && proj_list_get_count(list) > 0 && confidence && confidence[0] >= 70) {
            PJ *best = proj_list_get(pc, list, 0);
            const char *bc = best ? proj_get_id_code(best, 0) : NULL;
            if (bc)
                snprintf(id, sizeof id, "EPSG:%s", bc);
            proj_destroy(best);
        }
        proj_int_list_destroy(confidence);
        proj_list_destroy(list);
    }
    if (*id)
        snprintf(out, outsz, "%s (%s)", name ? name : "unnamed", id);
    else
        snprintf(out, outsz, "%s", name ? name : "unnamed");
    proj_destroy(obj);
}

static int is_csv(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && strcasecmp(path + n - 4, ".csv") == 0;
}

steppe_status_t steppe_info_describe(steppe_ctx_t *ctx, const char *path, char **out)
{
    st_arena *arena = st_arena_create(0);
    char *text = NULL;
    size_t textlen = 0;
    FILE *f = NULL;
    steppe_status_t st = STEPPE_OK;
    st_source_stats stats;
    st_read_opts opts = {.stats = &stats};
    st_featureset fs;

    if (!arena) {
        st = st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    if (is_csv(path))
        st = st_source_read_csv(ctx, path, "lon", "lat", &opts, arena, &fs);
    else
        st = st_source_read_shp(ctx, path, &opts, arena, &fs);
    if (st != STEPPE_OK)
        goto out;

    f = open_memstream(&text, &textlen);
    if (!f) {
        st = st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    fprintf(f, "%s\n", path);
    if (stats.shape_type)
        fprintf(f, "  type:      %s (%d)\n", SHPTypeName(stats.shape_type), stats.shape_type);
    else
        fprintf(f, "  type:      Point (CSV, lon/lat columns)\n");
    fprintf(f, "  records:   %zu (%zu null", stats.records, stats.null_records);
    if (stats.skipped)
        fprintf(f, ", %zu skipped", stats.skipped);
    if (stats.deleted)
        fprintf(f, ", %zu deleted", stats.deleted);
    fprintf(f, ")\n");
    fprintf(f, "  bbox:      %.4f %.4f %.4f %.4f   (xmin ymin xmax ymax)\n", stats.bounds[0], stats.bounds[1],
            stats.bounds[2], stats.bounds[3]);
    char num[40];
    thousands(fs.source_vertices, num, sizeof num);
    fprintf(f, "  vertices:  %s\n", num);
    char crs[256];
    if (stats.crs_assumed)
        snprintf(crs, sizeof crs, "EPSG:4326 (assumed: no .prj)");
    else
        describe_crs(ctx, fs.crs, crs, sizeof crs);
    fprintf(f, "  crs:       %s\n", crs);
    if (stats.encoding)
        fprintf(f, "  encoding:  %s (%s)\n", stats.encoding, stats.encoding_from);
    else
        fprintf(f, "  encoding:  none (no .dbf)\n");
    fprintf(f, "  fields:    %zu\n", fs.nfields);
    int width = 8;
    for (size_t i = 0; i < fs.nfields; i++) {
        int w = (int)strlen(fs.fields[i]);
        if (w > width)
            width = w;
    }
    for (size_t i = 0; i < fs.nfields; i++) {
        fprintf(f, "    %-*s  %c", width, fs.fields[i], fs.field_types[i]);
        if (stats.field_width[i] > 0 && stats.field_decimals[i] > 0)
            fprintf(f, "(%d,%d)", stats.field_width[i], stats.field_decimals[i]);
        else if (stats.field_width[i] > 0)
            fprintf(f, "(%d)", stats.field_width[i]);
        fprintf(f, "\n");
    }
    if (fclose(f) != 0) {
        f = NULL;
        st = st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    f = NULL;
    *out = text;
    text = NULL;

out:
    if (f)
        fclose(f);
    free(text);
    st_arena_destroy(arena);
    return st;
}
