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

#include <steppe/status.h>
#include <steppe/ctx.h>
#include <steppe/style.h>
#include <steppe/render.h>
#include <steppe/info.h>
#include <steppe/diff.h>
#include <steppe/atlas.h>

/* The library version, "MAJOR.MINOR.PATCH". */
const char *steppe_version(void);

#endif
