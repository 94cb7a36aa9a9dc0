/* Private: the located YAML node tree a style file is parsed into.
 *
 * style.c reads YAML with libyaml's event API into this tree, follows
 * `extends:` chains (deep-merging each child onto its base) and applies
 * command-line overrides. model.c then validates the tree against the schema
 * (schema.h) and fills the map model (model.h). Every node and every mapping
 * key keeps where it was written — file, 1-based line and column — so that a
 * later error can point at the offending text. All nodes and strings live in
 * the arena passed in (the style's), so they are freed with it. */
#ifndef ST_STYLE_H
#define ST_STYLE_H

#include <stdbool.h>
#include <stddef.h>
#include <steppe/ctx.h>

#include "arena.h"
#include "model.h"

typedef enum st_node_kind { ST_NODE_SCALAR = 0, ST_NODE_MAP, ST_NODE_SEQ } st_node_kind;

/* A node. Children (mapping values or sequence items) form a singly linked
 * list in document order; a mapping value also carries its key. */
typedef struct st_node st_node;
struct st_node {
    st_node_kind kind;
    st_loc loc;      /* where the value starts */
    const char *dir; /* folder of the file that wrote it ("." for --set) */

    const char *text; /* SCALAR: the text, never NULL */
    bool plain;       /* SCALAR: written without quotes */

    st_node *head; /* MAP / SEQ: first child */
    st_node *tail;
    size_t n;

    const char *key; /* as a mapping value: its key */
    st_loc key_loc;  /* ... and where the key was written */
    st_node *next;   /* next sibling */
};

/* Reads the style at path: parses it, resolves `extends:` (relative to the
 * extending file; cycles are STEPPE_ERR_STYLE_CYCLE) and applies the n
 * overrides "dotted.path=VALUE" (VALUE parsed as YAML; intermediate mappings
 * are created). The root is always a mapping; the `extends` key is removed.
 * Only regular files of at most 16 MiB are read (STEPPE_ERR_STYLE_FILE
 * otherwise); a file of only blanks is STEPPE_ERR_STYLE_VALUE; the expanded
 * tree of the whole read (files, aliases, overrides) is limited to 1,000,000
 * values and 16 MiB of text (STEPPE_ERR_STYLE_SYNTAX at the crossing). A
 * style without layers is logged as a warning.
 * Returns STEPPE_OK, STEPPE_ERR_STYLE_SYNTAX, _FILE, _CYCLE, _TYPE,
 * STEPPE_ERR_USAGE (malformed override) or STEPPE_ERR_NOMEM, with the error
 * recorded in ctx. *out belongs to arena. */
steppe_status_t st_style_read(steppe_ctx_t *ctx, st_arena *arena, const char *path,
                              const char *const *overrides, size_t n, st_node **out);

/* Parses one YAML document from text (len bytes) without following extends,
 * with the same expansion limits as st_style_read() (its own budget); a NUL
 * in a scalar or key is STEPPE_ERR_STYLE_SYNTAX. Locations name file; line
 * and col are added to line0/col0 - 1 on the first line (so an override
 * value can report columns inside "--set K=V"). An empty document gives a
 * null scalar. *out belongs to arena. */
steppe_status_t st_style_parse(steppe_ctx_t *ctx, st_arena *arena, const char *text, size_t len,
                               const char *file, const char *dir, int line0, int col0, st_node **out);

/* The value under key in map, or NULL (also when map is not a mapping). */
st_node *st_node_get(const st_node *map, const char *key);

/* True for a scalar written as a YAML null: empty, ~, null (plain only). */
bool st_node_is_null(const st_node *node);

/* "a mapping", "a list" or the scalar's text quoted, for messages (an
 * st_excerpt() of at most 40 characters). Static or arena storage; valid
 * while arena lives. */
const char *st_node_describe(st_arena *arena, const st_node *node);

/* text for a message: at most max_chars characters, then "..."; control
 * characters, invalid UTF-8 and invisible or reordering code points (C1,
 * U+2028/9, bidi controls) escaped as \n, \t, \xNN or \uXXXX, so that a
 * message stays one short, readable line whatever a style holds. Arena
 * storage (a static string when out of memory). */
const char *st_excerpt(st_arena *arena, const char *text, size_t max_chars);

/* dir joined with rel ("." and absolute rel give rel unchanged), for
 * display. Arena storage. */
char *st_path_join(st_arena *arena, const char *dir, const char *rel);

/* The absolute, lexically normalised path of rel resolved against dir (which
 * may itself be relative to the working directory). Arena storage. */
char *st_path_absolute(st_arena *arena, const char *dir, const char *rel);

#endif
