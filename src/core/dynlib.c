/* PROJ, GEOS, libpq and pango loaded at run time: see dynlib.h and
 * dynlib_pango.h for why.
 *
 * Each library is loaded at most once per process, by whichever thread asks
 * first (pthread_once: a second thread asking meanwhile waits for the first
 * to finish). A library that fails to load stays failed, with dlerror()'s
 * text kept for every context that asks later. Loaded libraries are never
 * closed: the pointers in the tables must stay valid until exit. */
/* RTLD_DEEPBIND is a GNU extension of dlopen(). */
#define _GNU_SOURCE
#include "dynlib.h"
#include "dynlib_pango.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#ifndef ST_PROJ_SONAME
#error "ST_PROJ_SONAME must name libproj's SONAME (CMakeLists.txt finds it)"
#endif
#ifndef ST_GEOS_SONAME
#error "ST_GEOS_SONAME must name libgeos_c's SONAME (CMakeLists.txt finds it)"
#endif
#ifndef ST_PQ_SONAME
#error "ST_PQ_SONAME must name libpq's SONAME (CMakeLists.txt finds it)"
#endif
#ifndef ST_PANGO_SONAME
#error "ST_PANGO_SONAME must name libpangocairo's SONAME (CMakeLists.txt finds it)"
#endif

st_proj_api st_proj_fn;
st_geos_api st_geos_fn;
st_pq_api st_pq_fn;
st_pango_api st_pango_fn;

/* One symbol: its name and where its pointer goes in the table. */
typedef struct symbol {
    const char *name;
    size_t offset;
} symbol;

#define ST_PROJ_SYMBOL(name) {#name, offsetof(st_proj_api, name)},
#define ST_GEOS_SYMBOL(name) {#name, offsetof(st_geos_api, name)},
#define ST_PQ_SYMBOL(name) {#name, offsetof(st_pq_api, name)},
#define ST_PANGO_SYMBOL(name) {#name, offsetof(st_pango_api, name)},
static const symbol proj_symbols[] = {ST_PROJ_FUNCTIONS(ST_PROJ_SYMBOL)};
static const symbol geos_symbols[] = {ST_GEOS_FUNCTIONS(ST_GEOS_SYMBOL)};
static const symbol pq_symbols[] = {ST_PQ_FUNCTIONS(ST_PQ_SYMBOL)};
static const symbol pango_symbols[] = {ST_PANGO_FUNCTIONS(ST_PANGO_SYMBOL)};
#undef ST_PROJ_SYMBOL
#undef ST_GEOS_SYMBOL
#undef ST_PQ_SYMBOL
#undef ST_PANGO_SYMBOL

typedef struct library {
    const char *what;   /* the name users know: "PROJ" */
    const char *soname; /* what dlopen() looks for */
    const symbol *symbols;
    size_t nsymbols;
    void *table;
    pthread_once_t once;
    int loaded;
    char error[512]; /* dlerror()'s text when loading failed */
} library;

/* One library's entry: its symbol table and where the addresses go. */
#define LIBRARY(name, so, syms, fn)                                                                          \
    {                                                                                                        \
        .what = name, .soname = so, .symbols = syms, .nsymbols = sizeof syms / sizeof syms[0], .table = &fn, \
        .once = PTHREAD_ONCE_INIT,                                                                           \
    }

/* RTLD_DEEPBIND: a loaded library's references are looked up in its own
 * dependencies first. libproj and its 44 libraries need about 20,000
 * symbol bindings, and without it each one is first looked up in all the
 * libraries steppe links (cairo, glib, X11...; 46 before pango was loaded
 * at run time, 31 since), where a C++ name
 * is never found. `bench/dlopen-cost`: libproj 9.7 ms against 6.1 ms,
 * libgeos_c 3.6 against 1.5 (medians of 15). PROJ's load is on the
 * critical path of every projected render: the style's CRS is checked
 * right after parsing, sooner than the preload thread can finish it.
 * The symbols found are the same ones: steppe exports nothing those
 * libraries use. Sanitizers replace malloc and friends by interposition,
 * which a deep-bound library would bypass (ASan refuses to run), so
 * their builds load the usual way. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define ST_SANITIZED 1
#endif
#endif
#ifdef ST_SANITIZED
#define ST_DLOPEN_BIND 0
#else
#define ST_DLOPEN_BIND RTLD_DEEPBIND
#endif

static library proj_lib = LIBRARY("PROJ", ST_PROJ_SONAME, proj_symbols, st_proj_fn);
static library geos_lib = LIBRARY("GEOS", ST_GEOS_SONAME, geos_symbols, st_geos_fn);
static library pq_lib = LIBRARY("libpq", ST_PQ_SONAME, pq_symbols, st_pq_fn);
static library pango_lib = LIBRARY("pango", ST_PANGO_SONAME, pango_symbols, st_pango_fn);

static void load(library *lib)
{
    /* RTLD_LAZY: a function of libproj's 44 dependencies is bound when
     * first called, so the many never called (LDAP, Kerberos) cost no
     * relocation. RTLD_LOCAL: their symbols stay out of the global scope.
     * ST_DLOPEN_BIND: see above. */
    void *handle = dlopen(lib->soname, RTLD_LAZY | RTLD_LOCAL | ST_DLOPEN_BIND);
    if (!handle) {
        snprintf(lib->error, sizeof lib->error, "%s", dlerror());
        return;
    }
    for (size_t i = 0; i < lib->nsymbols; i++) {
        void *fn = dlsym(handle, lib->symbols[i].name);
        if (!fn) {
            snprintf(lib->error, sizeof lib->error, "%s has no function %s", lib->soname,
                     lib->symbols[i].name);
            dlclose(handle);
            return;
        }
        /* POSIX guarantees that a function pointer survives the round trip
         * through void *; memcpy says so without a cast ISO C forbids. */
        memcpy((char *)lib->table + lib->symbols[i].offset, &fn, sizeof fn);
    }
    lib->loaded = 1;
}

static void load_proj(void)
{
    load(&proj_lib);
}

static void load_geos(void)
{
    load(&geos_lib);
}

static void load_pq(void)
{
    load(&pq_lib);
}

static void load_pango(void)
{
    load(&pango_lib);
}

static const char *ensure(library *lib, void (*once_fn)(void))
{
    pthread_once(&lib->once, once_fn);
    return lib->loaded ? NULL : lib->error;
}

const char *st_dynlib_load_proj(void)
{
    return ensure(&proj_lib, load_proj);
}

const char *st_dynlib_load_geos(void)
{
    return ensure(&geos_lib, load_geos);
}

const char *st_dynlib_load_pq(void)
{
    return ensure(&pq_lib, load_pq);
}

const char *st_dynlib_load_pango(void)
{
    return ensure(&pango_lib, load_pango);
}

const char *st_dynlib_pango_version(void)
{
    return pango_version_string();
}
