/* Private: converting one style value into one model field.
 *
 * bind.c walks a style's node tree against the schema (schema.h); for every
 * value it calls st_convert_value(), which converts the node by its row's
 * type (number, length, colour, enum, font weight, dash, list, box, filter,
 * CRS, file) into the field the row names, checking the row's range. The
 * few converters the hand-written rules of bind.c call directly, and the
 * message helpers both files use, are declared here too. Every message
 * names the style's FILE:LINE:COL; all memory comes from the arena. */
#ifndef ST_CONVERT_H
#define ST_CONVERT_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "ctx.h"
#include "model.h"
#include "schema.h"
#include "style.h"

/* What the binding of one style works with: the context errors go to, the
 * style's arena, and the map being filled. */
typedef struct st_binder {
    steppe_ctx_t *ctx;
    st_arena *arena;
    st_map *map;
} st_binder;

/* User text quoted in a message: at most 40 characters, control characters
 * and invalid UTF-8 escaped (style.c's st_excerpt), so a message stays one
 * short line whatever the style holds. Needs an st_binder *m in scope. */
#define Q(text) st_excerpt(m->arena, (text), 40)
/* A file name is quoted whole unless absurdly long: a cut path helps no one. */
#define QP(text) st_excerpt(m->arena, (text), 1024)

/* Records "FILE:LINE:COL: message" (or "(built-in style): message") in m's
 * context and returns status. */
steppe_status_t st_convert_err_at(st_binder *m, steppe_status_t status, st_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* n described for a message ("a mapping", "'abc'"). Arena storage. */
const char *st_convert_describe(st_binder *m, const st_node *n);

/* Keeps cand in *best when it is the closest to word so far and within
 * reach (2 edits, 1 for short words); *best_d is its distance. */
void st_convert_consider(const char *word, const char *cand, const char **best, size_t *best_d);

/* " (did you mean 'best'?)", or "" when best is NULL. Arena storage. */
const char *st_convert_hint(st_binder *m, const char *best);

/* Converts n by k's type into dst, the field, and aux, its companion (the
 * "has" flag of a colour, the count of a list; NULL when the row has none).
 * path names the value in messages. Returns STEPPE_OK or the
 * STEPPE_ERR_STYLE_* code recorded in m's context. */
steppe_status_t st_convert_value(st_binder *m, const st_node *n, const st_schema_key *k, const char *path,
                                 void *dst, void *aux);

/* The converters of single types that bind.c's own rules call: true/false
 * words, one of k's enum words, at most max numbers (how many in *count), a box of
 * four numbers, and a filter (a mapping of fields to conditions). Same
 * statuses as st_convert_value(). */
steppe_status_t st_convert_bool(st_binder *m, const st_node *n, const st_schema_key *k, const char *path,
                                bool *out);
steppe_status_t st_convert_enum(st_binder *m, const st_node *n, const st_schema_key *k, const char *path,
                                int *out);
steppe_status_t st_convert_numbers(st_binder *m, const st_node *n, const st_schema_key *k, const char *path,
                                   double *out, size_t max, size_t *count);
steppe_status_t st_convert_box(st_binder *m, const st_node *n, const st_schema_key *k, const char *path,
                               double out[4]);
steppe_status_t st_convert_filter(st_binder *m, const st_node *n, const char *path, st_filter *out);

#endif
