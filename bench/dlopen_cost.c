/* How long dlopen() of a library takes in a process that links what steppe
 * links, with and without RTLD_DEEPBIND (src/core/dynlib.c). Built and run
 * by bench/dlopen-cost. Usage: dlopen_cost SONAME plain|deep */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    int flags = RTLD_LAZY | RTLD_LOCAL | (strcmp(argv[2], "deep") == 0 ? RTLD_DEEPBIND : 0);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    void *h = dlopen(argv[1], flags);
    clock_gettime(CLOCK_MONOTONIC, &b);
    if (!h) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    printf("%.3f\n", (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
    return 0;
}
