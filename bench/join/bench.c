/* Times st_join_apply() — reading a CSV table and attaching it to a feature
 * set by key — at 10^3, 10^5 and 10^6 features, with as many table rows
 * (every feature matched, keys "R0000042"-style strings; and numeric: true).
 * Built by bench/join/run against build/libsteppe.a. Prints the median of
 * the repeats in milliseconds and the time per feature. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "features.h"
#include "join.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 5;
    static const size_t sizes[] = {1000, 100000, 1000000};
    steppe_ctx_t *ctx = steppe_ctx_create();
    char path[] = "/tmp/steppe-bench-join-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || !ctx)
        return 1;
    close(fd);
    printf("%-8s %8s %10s %12s\n", "keys", "n", "median_ms", "ns_per_feat");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        FILE *f = fopen(path, "w");
        fputs("code,pop,name\n", f);
        for (size_t i = 0; i < n; i++) /* rows in another order than the features */
            fprintf(f, "R%07zu,%zu.5,row %zu\n", (i * 7919) % n, i, i);
        fclose(f);
        for (int numeric = 0; numeric < 2; numeric++) {
            double *t = calloc((size_t)repeats, sizeof *t);
            for (int r = 0; r < repeats; r++) {
                st_arena *arena = st_arena_create(0);
                st_featureset fs = {0};
                static const char *fields[] = {"id"};
                static char types[] = "C";
                fs.fields = fields;
                fs.field_types = types;
                fs.nfields = 1;
                fs.type = ST_GEOM_POINT;
                for (size_t i = 0; i < n; i++) {
                    st_feature *ft = st_featureset_add(&fs, arena);
                    const char **a = st_arena_alloc(arena, sizeof *a);
                    a[0] = st_arena_printf(arena, "R%07zu", i);
                    ft->attrs = a;
                    ft->record = (uint32_t)i;
                }
                st_join_spec spec = {.source = path, .on = "id", .key = "code", .numeric = numeric};
                st_join_report rep;
                double t0 = now_ms();
                steppe_status_t st = st_join_apply(ctx, &spec, &fs, arena, &rep);
                t[r] = now_ms() - t0;
                if (st != STEPPE_OK || rep.matched_features != n) {
                    fprintf(stderr, "join failed: %s\n", steppe_ctx_last_error(ctx));
                    return 1;
                }
                st_arena_destroy(arena);
            }
            qsort(t, (size_t)repeats, sizeof *t, cmp);
            double med = t[repeats / 2];
            printf("%-8s %8zu %10.2f %12.1f\n", numeric ? "numeric" : "text", n, med, med * 1e6 / (double)n);
            free(t);
        }
    }
    unlink(path);
    steppe_ctx_destroy(ctx);
    return 0;
}
