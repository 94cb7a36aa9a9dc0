/*
 * steppe/steppe.h — libsteppe, a map renderer: Shapefiles + a YAML style →
 * PNG, SVG, PDF.
 *
 * Design note: the pipeline is style → map model → per layer (source →
 * features → projection → drawing) → labels → output. The public API exposes
 * only its ends: a context (steppe_ctx_t), a loaded style (steppe_style_t) and
 * a render call. All types are opaque; every _create/_load has a _destroy that
 * accepts NULL.
 */
#ifndef STEPPE_STEPPE_H
#define STEPPE_STEPPE_H

#include <steppe/export.h>
#include <steppe/status.h>
#include <steppe/ctx.h>
#include <steppe/style.h>
#include <steppe/render.h>
#include <steppe/info.h>
#include <steppe/diff.h>
#include <steppe/atlas.h>

/* The library version, "MAJOR.MINOR.PATCH". */
STEPPE_API const char *steppe_version(void);

/* The versions of PROJ and GEOS, which libsteppe loads at run time, as
 * their libraries report them ("9.1.1", "3.11.1-CAPI-1.17.1"): static
 * strings, valid until exit. Loads both libraries (a render loads them only
 * when it needs them). Returns STEPPE_ERR_LIBRARY, with the reason in ctx,
 * when either cannot be loaded; *proj and *geos are then unchanged. */
STEPPE_API steppe_status_t steppe_dependency_versions(steppe_ctx_t *ctx, const char **proj,
                                                      const char **geos);

/* The version of pango ("1.50.12"), which libsteppe loads at run time
 * when a map has text: a static string, valid until exit. Loads pango.
 * Returns STEPPE_ERR_LIBRARY, with the reason in ctx, when it cannot be
 * loaded; *pango is then unchanged. */
STEPPE_API steppe_status_t steppe_pango_version(steppe_ctx_t *ctx, const char **pango);

/* Start-up work a program can have done on a thread of its own while it
 * loads the style and the data: a short render spends most of its time
 * loading PROJ and reading the font configuration. Nothing changes but
 * timing — the render finds the work done, or waits for it where it needs
 * it; failures are reported there, through the render's context. */
enum {
    STEPPE_PRELOAD_PROJ = 1 << 0,  /* load libproj (transformations, geodesics) */
    STEPPE_PRELOAD_GEOS = 1 << 1,  /* load libgeos_c (derived shared boundaries) */
    STEPPE_PRELOAD_FONTS = 1 << 2, /* read fontconfig's configuration and fonts */
};
typedef struct steppe_preload steppe_preload_t;

/* Starts a thread doing what (STEPPE_PRELOAD_* flags). Returns NULL when no
 * thread can be started (the work is then done when needed, as usual).
 * Free with steppe_preload_finish(). */
STEPPE_API steppe_preload_t *steppe_preload_start(unsigned what);

/* Waits for the thread to finish and frees preload. Accepts NULL. */
STEPPE_API void steppe_preload_finish(steppe_preload_t *preload);

#endif
