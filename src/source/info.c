/* steppe info: describes a data file (Shapefile, CSV of points, GeoJSON,
 * GeoPackage) by reading it with
 * the same reader a render uses, so the description is what a render sees. */
#include <steppe/info.h>

#include <math.h>
#include <shapefil.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctx.h"
#include "dynlib.h"
#include "driver.h"
#include "dsn.h"
#include "postgis.h"
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

/* Makes *arena (the caller destroys it, also on failure) and reads path
 * into it with the driver its content tells (driver.h); desc receives what
 * the source says of itself (a GeoPackage's tables). */
static steppe_status_t read_any(steppe_ctx_t *ctx, const char *path, const st_read_opts *opts,
                                st_arena **arena, st_layer *layer, st_source_desc *desc, st_featureset *fs)
{
    *arena = st_arena_create(0);
    if (!*arena)
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory", path);
    st_source *src = NULL;
    steppe_status_t st = st_source_layer_for_path(ctx, path, layer);
    if (st == STEPPE_OK)
        st = st_source_open(ctx, layer, *arena, &src);
    if (st == STEPPE_OK)
        st = st_source_describe(src, desc, *arena);
    if (st == STEPPE_OK)
        st = st_source_read(src, opts, *arena, fs);
    st_source_close(src);
    return st;
}

static const char *geom_name(st_geom_type t)
{
    switch (t) {
    case ST_GEOM_POINT: return "Point";
    case ST_GEOM_LINE: return "LineString";
    case ST_GEOM_POLYGON: return "Polygon";
    case ST_GEOM_NONE: break;
    }
    return "none";
}

static const char *type_name(char t)
{
    switch (t) {
    case 'N': return "integer";
    case 'F': return "real";
    case 'L': return "boolean";
    case 'D': return "date";
    case 'J': return "JSON";
    default: return "string";
    }
}

/* A description being written: a memory stream and the text behind it. */
typedef struct text_out {
    FILE *f;
    char *text;
    size_t len;
} text_out;

/* Opens t's stream; the description is of path (for the error). */
static steppe_status_t text_open(steppe_ctx_t *ctx, const char *path, text_out *t)
{
    t->f = open_memstream(&t->text, &t->len);
    if (!t->f)
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory", path);
    return STEPPE_OK;
}

/* Closes t's stream and hands its text to *out (the caller's, free()). */
static steppe_status_t text_finish(steppe_ctx_t *ctx, const char *path, text_out *t, char **out)
{
    int rc = fclose(t->f);
    t->f = NULL;
    if (rc != 0)
        return st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory", path);
    *out = t->text;
    t->text = NULL;
    return STEPPE_OK;
}

/* Frees what t still holds (after an error). */
static void text_discard(text_out *t)
{
    if (t->f)
        fclose(t->f);
    free(t->text);
}

steppe_status_t steppe_info_connection(steppe_ctx_t *ctx, const char *dsn, const char *table, const char *sql,
                                       char **out)
{
    if (!st_dsn_is(dsn))
        return st_error(ctx, STEPPE_ERR_USAGE,
                        "--table and --sql describe a postgresql:// connection, not '%s'", dsn);
    char *text = NULL;
    size_t textlen = 0;
    FILE *f = open_memstream(&text, &textlen);
    if (!f)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    st_pg_spec spec = {.dsn = dsn, .table = table, .sql = sql};
    steppe_status_t st = st_pg_info(ctx, &spec, f);
    if (fclose(f) != 0 && st == STEPPE_OK)
        st = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    if (st == STEPPE_OK)
        *out = text;
    else
        free(text);
    return st;
}

steppe_status_t steppe_info_describe(steppe_ctx_t *ctx, const char *path, char **out)
{
    if (st_dsn_is(path))
        return steppe_info_connection(ctx, path, NULL, NULL, out);
    st_arena *arena = NULL;
    text_out out_text = {0};
    steppe_status_t st = STEPPE_OK;
    st_source_stats stats;
    st_read_opts opts = {.stats = &stats};
    st_featureset fs;
    st_layer layer;
    st_source_desc desc;
    memset(&stats, 0, sizeof stats);

    st = read_any(ctx, path, &opts, &arena, &layer, &desc, &fs);
    if (st != STEPPE_OK)
        goto out;

    st = text_open(ctx, path, &out_text);
    if (st != STEPPE_OK)
        goto out;
    FILE *f = out_text.f;
    fprintf(f, "%s\n", path);
    if (layer.kind == ST_LAYER_SHAPEFILE)
        fprintf(f, "  type:      %s (%d)\n", SHPTypeName(stats.shape_type), stats.shape_type);
    else if (layer.kind == ST_LAYER_CSV)
        fprintf(f, "  type:      Point (CSV, lon/lat columns)\n");
    else
        fprintf(f, "  type:      %s (%s)\n", geom_name(fs.type), desc.format);
    if (desc.nlayers > 0) {
        fprintf(f, "  layers:    %zu (reading '%s'; choose with layer:)\n", desc.nlayers,
                desc.layer ? desc.layer : "");
        for (size_t i = 0; i < desc.nlayers; i++) {
            fprintf(f, "    %s  %s", desc.layers[i], desc.layer_types ? desc.layer_types[i] : "");
            if (desc.layer_rows && desc.layer_rows[i] >= 0)
                fprintf(f, "  %lld rows", desc.layer_rows[i]);
            fprintf(f, "\n");
        }
    }
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
    if (stats.crs_assumed && layer.kind == ST_LAYER_SHAPEFILE)
        snprintf(crs, sizeof crs, "EPSG:4326 (assumed: no .prj)");
    else if (stats.crs_assumed)
        snprintf(crs, sizeof crs, "EPSG:4326 (assumed)");
    else
        describe_crs(ctx, fs.crs, crs, sizeof crs);
    fprintf(f, "  crs:       %s\n", crs);
    if (stats.encoding)
        fprintf(f, "  encoding:  %s (%s)\n", stats.encoding, stats.encoding_from);
    else if (layer.kind == ST_LAYER_SHAPEFILE)
        fprintf(f, "  encoding:  none (no .dbf)\n");
    fprintf(f, "  fields:    %zu\n", fs.nfields);
    int width = 8;
    for (size_t i = 0; i < fs.nfields; i++) {
        int w = (int)strlen(fs.fields[i]);
        if (w > width)
            width = w;
    }
    for (size_t i = 0; i < fs.nfields; i++) {
        char t = fs.field_types ? fs.field_types[i] : 'C';
        if (layer.kind != ST_LAYER_SHAPEFILE && layer.kind != ST_LAYER_CSV) {
            fprintf(f, "    %-*s  %s\n", width, fs.fields[i], type_name(t));
            continue;
        }
        fprintf(f, "    %-*s  %c", width, fs.fields[i], t);
        int fw = stats.field_width ? stats.field_width[i] : 0;
        int fd = stats.field_decimals ? stats.field_decimals[i] : 0;
        if (fw > 0 && fd > 0)
            fprintf(f, "(%d,%d)", fw, fd);
        else if (fw > 0)
            fprintf(f, "(%d)", fw);
        fprintf(f, "\n");
    }
    st = text_finish(ctx, path, &out_text, out);

out:
    text_discard(&out_text);
    st_arena_destroy(arena);
    return st;
}

/* ---- steppe info --field ------------------------------------------------------ */

typedef struct value_count {
    const char *text; /* the attribute as read */
    double num;       /* its number (numeric fields) */
    size_t count;
} value_count;

static int cmp_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_num(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Most frequent first; equal counts keep their (value) order. */
static int cmp_count(const void *a, const void *b)
{
    const value_count *x = a;
    const value_count *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return x < y ? -1 : (x > y);
}

/* The number an attribute holds, or NaN when it is empty or not a number
 * (DBF pads numbers with spaces and writes "*****" for overflow). */
static double attr_number(const char *s)
{
    char *end;
    while (*s == ' ')
        s++;
    if (*s == '\0')
        return NAN;
    double v = strtod(s, &end);
    while (*end == ' ')
        end++;
    return *end == '\0' && end != s ? v : NAN;
}

steppe_status_t steppe_info_field(steppe_ctx_t *ctx, const char *path, const char *field, char **out)
{
    st_arena *arena = NULL;
    text_out out_text = {0};
    const char **vals = NULL;
    double *nums = NULL;
    value_count *groups = NULL;
    steppe_status_t st = STEPPE_OK;
    st_read_opts opts = {0};
    st_featureset fs;
    st_layer layer;
    st_source_desc desc;

    st = read_any(ctx, path, &opts, &arena, &layer, &desc, &fs);
    if (st != STEPPE_OK)
        goto out;
    int fi = st_featureset_field(&fs, field);
    if (fi < 0) {
        char names[512] = "";
        size_t used = 0;
        for (size_t i = 0; i < fs.nfields && used < sizeof names; i++)
            used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", fs.fields[i]);
        st = st_error(ctx, STEPPE_ERR_USAGE, "%s: no field '%s' (fields: %s)", path, field,
                      fs.nfields ? names : "none");
        goto out;
    }
    char ftype = fs.field_types ? fs.field_types[fi] : 'C';
    bool numeric = ftype == 'N' || ftype == 'F';

    /* Non-empty values, sorted, then grouped into distinct values. */
    size_t n = fs.n;
    size_t nvals = 0;
    size_t nnums = 0;
    vals = malloc(sizeof *vals * (n ? n : 1));
    nums = malloc(sizeof *nums * (n ? n : 1));
    groups = malloc(sizeof *groups * (n ? n : 1));
    if (!vals || !nums || !groups) {
        st = st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const char *a = fs.feat[i].attrs[fi];
        if (numeric) {
            double v = attr_number(a);
            if (isfinite(v))
                nums[nnums++] = v;
        } else if (*a) {
            vals[nvals++] = a;
        }
    }
    size_t ngroups = 0;
    if (numeric) {
        qsort(nums, nnums, sizeof *nums, cmp_num);
        for (size_t i = 0; i < nnums; i++) {
            if (ngroups > 0 && groups[ngroups - 1].num == nums[i]) {
                groups[ngroups - 1].count++;
            } else {
                groups[ngroups] = (value_count){.num = nums[i], .count = 1};
                ngroups++;
            }
        }
    } else {
        qsort(vals, nvals, sizeof *vals, cmp_text);
        for (size_t i = 0; i < nvals; i++) {
            if (ngroups > 0 && strcmp(groups[ngroups - 1].text, vals[i]) == 0) {
                groups[ngroups - 1].count++;
            } else {
                groups[ngroups] = (value_count){.text = vals[i], .count = 1};
                ngroups++;
            }
        }
    }
    size_t valid = numeric ? nnums : nvals;

    st = text_open(ctx, path, &out_text);
    if (st != STEPPE_OK)
        goto out;
    FILE *f = out_text.f;
    fprintf(f, "%s: field %s (%c, %s)\n", path, fs.fields[fi], ftype, numeric ? "numeric" : "text");
    fprintf(f, "  count:     %zu\n", n);
    fprintf(f, "  no-data:   %zu\n", n - valid);
    fprintf(f, "  distinct:  %zu\n", ngroups);
    if (numeric && nnums > 0) {
        long double sum = 0;
        for (size_t i = 0; i < nnums; i++)
            sum += nums[i];
        double median = nnums % 2 ? nums[nnums / 2] : (nums[nnums / 2 - 1] + nums[nnums / 2]) / 2;
        fprintf(f, "  min:       %.15g\n", nums[0]);
        fprintf(f, "  max:       %.15g\n", nums[nnums - 1]);
        fprintf(f, "  mean:      %.15g\n", (double)(sum / (long double)nnums));
        fprintf(f, "  median:    %.15g\n", median);
    }
    qsort(groups, ngroups, sizeof *groups, cmp_count);
    if (ngroups > 0)
        fprintf(f, "  top values:\n");
    for (size_t i = 0; i < ngroups && i < 5; i++) {
        if (numeric)
            fprintf(f, "    %-20.15g %zu\n", groups[i].num, groups[i].count);
        else
            fprintf(f, "    %-20s %zu\n", groups[i].text, groups[i].count);
    }
    st = text_finish(ctx, path, &out_text, out);

out:
    text_discard(&out_text);
    free(groups);
    free(nums);
    free(vals);
    st_arena_destroy(arena);
    return st;
}
