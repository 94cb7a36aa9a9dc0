/* Private: the one schema of a style file.
 *
 * Every key a style may hold is one row of a single static table: its full
 * path pattern, its type, its default, its allowed values and one line of
 * documentation. model.c validates against it and takes defaults from it;
 * docs/style-reference.md documents the same paths (a test keeps the two in
 * step). Patterns: "*" stands for any layer name, "[]" for any list item, as
 * in "layers.*.classes[].style.fill". */
#ifndef ST_SCHEMA_H
#define ST_SCHEMA_H

#include <stddef.h>

typedef enum st_vtype {
    ST_V_SECTION = 0, /* a mapping of the keys listed under its path */
    ST_V_LAYERS,      /* a mapping layer name → layer (keys under "layers.*") */
    ST_V_CLASSES,     /* a list of mappings (keys under "<path>[]") */
    ST_V_LABEL,       /* a field name (shorthand for text: "{field}") or a mapping */
    ST_V_TITLE,       /* a string (shorthand for text: ...) or a mapping */
    ST_V_FILTER,      /* a mapping field → value or {operator: value} */
    ST_V_STRING,
    ST_V_NUMBER,
    ST_V_INT,
    ST_V_BOOL,
    ST_V_LENGTH, /* pixels, or a string with a unit: mm, cm, in, pt, px */
    ST_V_COLOUR,
    ST_V_CRS,     /* checked with PROJ */
    ST_V_PATH,    /* a file, relative to the style that names it */
    ST_V_ENUM,    /* one of allowed ("a|b|c") */
    ST_V_WEIGHT,  /* normal, bold or 100..900 */
    ST_V_NUMBERS, /* a list of numbers, each in allowed's range */
    ST_V_STRINGS  /* a list of strings */
} st_vtype;

typedef struct st_schema_key {
    const char *path;
    st_vtype type;
    /* The default as YAML text, parsed like a written value; NULL: unset.
     * A default in parentheses, "(the map's font)", is computed by model.c
     * and only described here. */
    const char *def;
    /* ST_V_ENUM: "a|b|c". ST_V_NUMBER, _INT, _LENGTH, _NUMBERS: a range such
     * as "(0,4800]" or "[0,)" (empty bound: unbounded). NULL: anything. */
    const char *allowed;
    const char *doc;
} st_schema_key;

/* The row whose path is exactly pattern, or NULL. */
const st_schema_key *st_schema_find(const char *pattern);

/* All rows, in the order of the reference documentation. */
const st_schema_key *st_schema_table(size_t *n);

/* Every accepted key path (patterns as above). Static storage. */
const char *const *st_schema_keys(size_t *n);

/* A readable name for a type ("a number", "a colour"...), for messages. */
const char *st_schema_type_name(st_vtype type);

#endif
