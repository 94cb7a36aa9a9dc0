/* Private: binding a style's node tree to the map model.
 *
 * The middle of "style → map model": style.c parses YAML into a located node
 * tree, schema.c says what every key means and where its value goes, and
 * bind.c walks the tree against the schema, converting each value into the
 * model's structs (model.h), with the few hand-written rules that need more
 * than one key (extent fitting, classes, derived layers, joins). */
#ifndef ST_BIND_H
#define ST_BIND_H

#include "arena.h"
#include "ctx.h"
#include "model.h"
#include "style.h"

/* Validates root against the schema and fills map (all memory in arena).
 * path is the style file's path (NULL for a built-in style). Returns
 * STEPPE_OK or a STEPPE_ERR_STYLE_* code recorded in ctx. */
steppe_status_t st_model_build(steppe_ctx_t *ctx, st_arena *arena, const st_node *root, const char *path,
                               st_map *map);

#endif
