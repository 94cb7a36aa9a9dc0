/* Start-up work done ahead of need, on a second core.
 *
 * A short render spends most of its time getting ready: loading libproj and
 * its dependencies (about 8 ms, see dynlib.h) and reading fontconfig's
 * configuration and font list (about 6 ms). Neither depends on the style or
 * the data, so a thread can do them while the caller parses the style and
 * reads the Shapefiles. Nothing is handed over: the render later asks for
 * the same things the usual way and finds them done — dlopen() is
 * process-wide and loads once (st_dynlib_load_proj() waits for a load in
 * progress), and FcInit() sets fontconfig's current configuration, which
 * pango's font map then uses instead of loading its own. Both are
 * thread-safe. */
#include <fontconfig/fontconfig.h>
#include <pthread.h>
#include <stdlib.h>
#include <steppe/steppe.h>

#include "dynlib.h"

struct steppe_preload {
    pthread_t thread;
    unsigned what;
};

static void *preload_run(void *arg)
{
    const steppe_preload_t *p = arg;
    /* Failures are not reported here: the render meets them again, where it
     * needs the library, and reports them through its context. */
    if (p->what & STEPPE_PRELOAD_PROJ)
        (void)st_dynlib_load_proj();
    if (p->what & STEPPE_PRELOAD_GEOS)
        (void)st_dynlib_load_geos();
    if (p->what & STEPPE_PRELOAD_FONTS)
        FcInit();
    return NULL;
}

steppe_preload_t *steppe_preload_start(unsigned what)
{
    steppe_preload_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->what = what;
    if (pthread_create(&p->thread, NULL, preload_run, p) != 0) {
        free(p);
        return NULL;
    }
    return p;
}

void steppe_preload_finish(steppe_preload_t *preload)
{
    if (!preload)
        return;
    pthread_join(preload->thread, NULL);
    free(preload);
}
