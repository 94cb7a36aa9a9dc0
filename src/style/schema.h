/* Private: the one schema of a style file.
 *
 * Every key a style may hold is one row of a single static table: its full
 * path pattern, its type (which is also its converter), its default, its
 * allowed words or numeric range, and where its value lands in the map
 * model (a struct and an offset). model.c validates against it, takes
 * defaults from it and walks it to fill the model, so a plain key is one
 * row; what a key means is written once, in docs/style-reference.md, which
 * documents the same paths and ranges (tests keep the two in step). Patterns: "*" stands for any
 * layer name, "[]" for any list item, as in "layers.*.classes[].style.fill". */
#ifndef ST_SCHEMA_H
#define ST_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

typedef enum st_vtype {
    ST_V_SECTION = 0, /* a mapping of the keys listed under its path */
    ST_V_LAYERS,      /* a mapping layer name → layer (keys under "layers.*") */
    ST_V_CLASSES,     /* a list of mappings (keys under "<path>[]") */
    ST_V_LABEL,       /* a field name (shorthand for text: "{field}") or a mapping */
    ST_V_TITLE,       /* a string (shorthand for text: ...) or a mapping */
    ST_V_FILTER,      /* a mapping field → value or {operator: value}; st_filter */
    ST_V_STRING,      /* const char * */
    ST_V_NUMBER,      /* double */
    ST_V_INT,         /* int */
    ST_V_BOOL,        /* bool */
    ST_V_LENGTH,      /* pixels, or a string with a unit: mm, cm, in, pt, px; double px */
    ST_V_COLOUR,      /* st_rgba; aux: a bool set false for none, or ST_NO_AUX */
    ST_V_CRS,         /* checked with PROJ; const char * */
    ST_V_PATH,        /* a file, relative to the style that names it */
    ST_V_ENUM,        /* one of words ("a|b|c"), stored as its index in an int-sized enum */
    ST_V_WEIGHT,      /* normal, bold or 100..900; int */
    ST_V_DASH,        /* on, off pairs, at most 8, not all zero; double[8], aux: int count */
    ST_V_BOX,         /* [xmin, ymin, xmax, ymax], min < max; double[4] */
    ST_V_LONLAT,      /* a box in degrees: longitudes in [-180, 180], latitudes in [-90, 90] */
    ST_V_STRINGS,     /* a list of strings; const char **, aux: size_t count */
    ST_V_NUMBERS,     /* a list of numbers in range; const double *, aux: size_t count */
    ST_V_COLOURS,     /* a list of colours; const st_rgba *, aux: size_t count */
    ST_V_JOINS        /* a mapping or a list of mappings (keys under "<path>") */
} st_vtype;

/* The model struct a value lands in (model.h). The offset of a row is into
 * this struct: for a symbol or a label, into whichever one is being filled
 * (a layer's, a class's, the inset frame...). */
typedef enum st_target {
    ST_T_NONE = 0, /* read by a hand-written function in model.c */
    ST_T_MAP,      /* st_map */
    ST_T_LAYER,    /* st_layer */
    ST_T_CLASS,    /* st_class */
    ST_T_SYMBOL,   /* st_symbol */
    ST_T_LABEL,    /* st_label */
    ST_T_THEMATIC, /* st_thematic_spec (thematic.h), a layer's */
    ST_T_JOIN      /* st_join_spec (join.h), one of a layer's joins */
} st_target;

#define ST_NO_AUX ((size_t)-1)

/* A numeric range. lo_end is '[' (lo included) or '(' (excluded), hi_end
 * ']' or ')'; 0 means that side is unbounded (only for values that are not
 * sizes: every size, width, offset and spacing has both bounds). For lists
 * (dash, box) the range applies to each number. */
typedef struct st_range {
    char lo_end;
    double lo;
    double hi;
    char hi_end;
} st_range;

typedef struct st_schema_key {
    const char *path;
    st_vtype type;
    /* The default as YAML text, parsed like a written value; NULL: unset.
     * A default in parentheses, "(the map's font)", is computed by model.c
     * and only described here. */
    const char *def;
    const char *words; /* ST_V_ENUM: "a|b|c" */
    st_range range;    /* ST_V_NUMBER, _INT, _LENGTH, _DASH, _BOX */
    st_target target;
    size_t offset; /* of the field in target's struct */
    size_t aux;    /* of the companion field (see the types), or ST_NO_AUX */
} st_schema_key;

/* The row whose path is exactly pattern, or NULL. */
const st_schema_key *st_schema_find(const char *pattern);

/* All rows, in the order of the reference documentation. */
const st_schema_key *st_schema_table(size_t *n);

/* Every accepted key path (patterns as above). Static storage. */
const char *const *st_schema_keys(size_t *n);

/* A readable name for a type ("a number", "a colour"...), for messages. */
const char *st_schema_type_name(st_vtype type);

/* True when v lies in r (an unbounded side accepts anything finite). */
bool st_range_holds(const st_range *r, double v);

/* A number in its shortest readable form: integers up to 1e15 in full
 * ("32767"), anything else as %g ("1e+300", "0.25"). Returns buf. */
const char *st_number_text(double v, char *buf, size_t size);

/* r as an interval for messages, "(0, 4800]", or as the reference
 * documentation writes it, "> 0, ≤ 4800" (doc true). "" when r is
 * unbounded on both sides. Returns buf. */
const char *st_range_text(const st_range *r, bool doc, char *buf, size_t size);

#endif
