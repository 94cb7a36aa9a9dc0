/* Times st_classify() for each method at 10^3, 10^5 and 10^6 values
 * (lognormal, all distinct; and integers 0..999, many ties). Built by
 * bench/classify/run against src/classify.c alone, with the error recorder
 * replaced by a stub. Prints the median of the repeats in milliseconds. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"

steppe_status_t st_error(steppe_ctx_t *ctx, steppe_status_t status, const char *fmt, ...)
{
    (void)ctx;
    fprintf(stderr, "error: %s\n", fmt);
    return status;
}

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

static uint64_t rng = 88172645463325252ull;
static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((rng >> 11) + 0.5) / 9007199254740992.0;
}

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 5;
    static const size_t sizes[] = {1000, 100000, 1000000};
    static const char *methods[] = {"quantile", "equal", "pretty", "stddev", "natural"};
    printf("%-8s %-9s %8s %3s %10s\n", "data", "method", "n", "k", "median_ms");
    for (int ties = 0; ties < 2; ties++) {
        for (size_t s = 0; s < 3; s++) {
            size_t n = sizes[s];
            double *v = malloc(sizeof *v * n);
            for (size_t i = 0; i < n; i++) {
                double u1 = uniform();
                double u2 = uniform();
                double z = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
                v[i] = ties ? floor(uniform() * 1000) : exp(3 + 1.2 * z);
            }
            for (size_t m = 0; m < sizeof methods / sizeof methods[0]; m++) {
                int ks[] = {5, 9};
                for (int ki = 0; ki < 2; ki++) {
                    st_classify_opts o = {.classes = ks[ki]};
                    st_class_method_from_name(methods[m], &o.method);
                    double t[32];
                    for (int r = 0; r < repeats && r < 32; r++) {
                        st_breaks b;
                        double t0 = now_ms();
                        if (st_classify(NULL, v, n, &o, &b) != STEPPE_OK)
                            return 1;
                        t[r] = now_ms() - t0;
                        st_breaks_free(&b);
                    }
                    qsort(t, (size_t)repeats, sizeof t[0], cmp);
                    printf("%-8s %-9s %8zu %3d %10.2f\n", ties ? "ties" : "distinct", methods[m], n, ks[ki],
                           t[repeats / 2]);
                    fflush(stdout);
                }
            }
            free(v);
        }
    }
    return 0;
}
