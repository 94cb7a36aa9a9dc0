/* The style stage, part 1: YAML text → located node tree.
 *
 * libyaml's event API (not its document API) is used because events carry
 * the start mark of every scalar, so mapping keys keep their own line and
 * column. On top of the parser: `extends:` chains with deep merge, and
 * command-line overrides. Validation is model.c's job. */
#include "style.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "ctx.h"

/* Limits, documented in docs/style-reference.md ("Limits"). A real style
 * is a few kilobytes; these stop hostile or mistaken input (an alias bomb, a
 * device or an unrelated file given as a style) before it costs time or
 * memory. The node and text budgets count the whole tree after alias
 * expansion, over the style, every file it extends and its --set values. */
enum {
    MAX_DEPTH = 64,            /* nesting of YAML collections */
    MAX_NODES = 1000000,       /* values in the expanded tree */
    MAX_TEXT = 16 << 20,       /* bytes of keys and scalars in the expanded tree */
    MAX_EXTENDS = 32,          /* length of an extends chain */
    MAX_FILE_BYTES = 16 << 20, /* size of one style file */
    EXCERPT_CHARS = 40,        /* user text quoted in a message */
    EXCERPT_PATH = 160         /* a path quoted in a message */
};

/* What the tree built so far has spent of MAX_NODES and MAX_TEXT. */
typedef struct budget {
    size_t nodes;
    size_t text;
} budget;

/* ---- quoting user text in messages ------------------------------------------ */

/* Well-formed UTF-8 by its lead byte (the Unicode Standard, table 3-7;
 * RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF): the
 * sequence's length, the lead's payload bits and the range of the second
 * byte (any further byte is 80..BF). */
static const struct utf8_lead {
    unsigned char first, last; /* lead bytes */
    unsigned char n, mask, lo, hi;
} utf8_leads[] = {
    {0xC2, 0xDF, 2, 0x1F, 0x80, 0xBF}, {0xE0, 0xE0, 3, 0x0F, 0xA0, 0xBF}, {0xE1, 0xEC, 3, 0x0F, 0x80, 0xBF},
    {0xED, 0xED, 3, 0x0F, 0x80, 0x9F}, {0xEE, 0xEF, 3, 0x0F, 0x80, 0xBF}, {0xF0, 0xF0, 4, 0x07, 0x90, 0xBF},
    {0xF1, 0xF3, 4, 0x07, 0x80, 0xBF}, {0xF4, 0xF4, 4, 0x07, 0x80, 0x8F},
};

/* Length of the well-formed UTF-8 sequence at s (1-4), or 0 when s does not
 * start one. *cp receives the code point. */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    const struct utf8_lead *lead = NULL;
    for (size_t i = 0; i < sizeof utf8_leads / sizeof utf8_leads[0] && !lead; i++) {
        if (c >= utf8_leads[i].first && c <= utf8_leads[i].last)
            lead = &utf8_leads[i];
    }
    if (!lead)
        return 0;
    uint32_t v = c & lead->mask;
    unsigned lo = lead->lo;
    unsigned hi = lead->hi;
    for (size_t i = 1; i < lead->n; i++) {
        unsigned t = s[i];
        if (t < lo || t > hi)
            return 0;
        lo = 0x80;
        hi = 0xBF;
        v = (v << 6) | (t & 0x3F);
    }
    *cp = v;
    return lead->n;
}

/* Code points that would break a one-line message or reorder what the
 * terminal shows: C1 controls, line/paragraph separators, bidi controls. */
static bool invisible(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

const char *st_excerpt(st_arena *arena, const char *text, size_t max_chars)
{
    /* Worst case per character: "\uXXXX" (6 bytes) or four "\xNN". */
    size_t cap = max_chars * 16 + 8;
    char *out = st_arena_alloc(arena, cap);
    if (!out)
        return "(text)";
    const unsigned char *p = (const unsigned char *)text;
    size_t o = 0;
    size_t chars = 0;
    while (*p) {
        if (chars == max_chars) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        uint32_t cp = 0;
        size_t n = utf8_seq(p, &cp);
        if (n == 0) {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02X", *p);
            p++;
        } else if (cp == '\n') {
            memcpy(out + o, "\\n", 2);
            o += 2;
            p++;
        } else if (cp == '\t') {
            memcpy(out + o, "\\t", 2);
            o += 2;
            p++;
        } else if (cp < 0x20 || cp == 0x7F) {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02X", (unsigned)cp);
            p++;
        } else if (invisible(cp)) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04X", (unsigned)cp);
            p += n;
        } else {
            memcpy(out + o, p, n);
            o += n;
            p += n;
        }
        chars++;
    }
    out[o] = '\0';
    return out;
}

/* ---- small node helpers -------------------------------------------------- */

st_node *st_node_get(const st_node *map, const char *key)
{
    if (!map || map->kind != ST_NODE_MAP)
        return NULL;
    for (st_node *c = map->head; c; c = c->next) {
        if (strcmp(c->key, key) == 0)
            return c;
    }
    return NULL;
}

bool st_node_is_null(const st_node *node)
{
    if (!node || node->kind != ST_NODE_SCALAR || !node->plain)
        return false;
    const char *t = node->text;
    return t[0] == '\0' || strcmp(t, "~") == 0 || strcmp(t, "null") == 0 || strcmp(t, "Null") == 0 ||
           strcmp(t, "NULL") == 0;
}

const char *st_node_describe(st_arena *arena, const st_node *node)
{
    if (!node)
        return "nothing";
    if (node->kind == ST_NODE_MAP)
        return "a mapping";
    if (node->kind == ST_NODE_SEQ)
        return "a list";
    if (st_node_is_null(node))
        return "null";
    const char *s = st_arena_printf(arena, "'%s'", st_excerpt(arena, node->text, EXCERPT_CHARS));
    return s ? s : "a value";
}

static void append_child(st_node *parent, st_node *child)
{
    child->next = NULL;
    if (parent->tail)
        parent->tail->next = child;
    else
        parent->head = child;
    parent->tail = child;
    parent->n++;
}

static void remove_child(st_node *parent, st_node *old)
{
    st_node *prev = NULL;
    for (st_node *c = parent->head; c; c = c->next) {
        if (c == old) {
            if (prev)
                prev->next = c->next;
            else
                parent->head = c->next;
            if (parent->tail == c)
                parent->tail = prev;
            parent->n--;
            return;
        }
        prev = c;
    }
}

static st_node *new_node(st_arena *arena, st_node_kind kind, st_loc loc, const char *dir)
{
    st_node *n = st_arena_calloc(arena, 1, sizeof *n);
    if (n) {
        n->kind = kind;
        n->loc = loc;
        n->dir = dir;
        n->text = "";
    }
    return n;
}

/* ---- a string-keyed table ------------------------------------------------------- */

/* Open addressing with linear probing, for what would otherwise be a linear
 * scan per key: duplicate keys in a big mapping, anchors, merging mappings.
 * A mapping of 200,000 keys took 40 s with the scans. The hash is seeded
 * from the table's first allocation (address space layout varies per run),
 * so keys cannot be chosen in advance to collide. Heap memory, freed by
 * keytab_free(); the keys themselves are not copied. */
typedef struct keytab {
    const char **keys;
    st_node **nodes;
    size_t cap;
    size_t n;
    uint64_t seed;
} keytab;

static uint64_t key_hash(const char *key, uint64_t seed)
{
    /* FNV-1a, then the murmur3 finaliser to spread the seed's effect. */
    uint64_t h = 0xcbf29ce484222325u ^ seed;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3u;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53u;
    h ^= h >> 33;
    return h;
}

static size_t keytab_slot(const keytab *t, const char *key)
{
    size_t i = (size_t)(key_hash(key, t->seed) & (t->cap - 1));
    while (t->keys[i] && strcmp(t->keys[i], key) != 0)
        i = (i + 1) & (t->cap - 1);
    return i;
}

static st_node *keytab_find(const keytab *t, const char *key)
{
    if (t->cap == 0)
        return NULL;
    size_t i = keytab_slot(t, key);
    return t->keys[i] ? t->nodes[i] : NULL;
}

static bool keytab_grow(keytab *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    const char **keys = calloc(cap, sizeof *keys);
    st_node **nodes = calloc(cap, sizeof *nodes);
    if (!keys || !nodes) {
        free(keys);
        free(nodes);
        return false;
    }
    if (t->cap == 0)
        t->seed = (uint64_t)(uintptr_t)keys * 0x9e3779b97f4a7c15u;
    keytab old = *t;
    t->keys = keys;
    t->nodes = nodes;
    t->cap = cap;
    for (size_t i = 0; i < old.cap; i++) {
        if (old.keys[i]) {
            size_t j = keytab_slot(t, old.keys[i]);
            t->keys[j] = old.keys[i];
            t->nodes[j] = old.nodes[i];
        }
    }
    free(old.keys);
    free(old.nodes);
    return true;
}

/* Maps key to node, replacing an earlier node under the same key. False
 * when out of memory. */
static bool keytab_put(keytab *t, const char *key, st_node *node)
{
    if ((t->n + 1) * 2 > t->cap && !keytab_grow(t))
        return false;
    size_t i = keytab_slot(t, key);
    if (!t->keys[i]) {
        t->keys[i] = key;
        t->n++;
    }
    t->nodes[i] = node;
    return true;
}

static void keytab_free(keytab *t)
{
    free(t->keys);
    free(t->nodes);
    memset(t, 0, sizeof *t);
}

/* Mappings with fewer keys are searched by a scan; a table costs more. */
enum { KEYTAB_FROM = 16 };

/* Indexes the keys of map's children; false when out of memory. */
static bool keytab_index(keytab *t, const st_node *map)
{
    for (st_node *c = map->head; c; c = c->next) {
        if (!keytab_put(t, c->key, c))
            return false;
    }
    return true;
}

/* ---- parsing --------------------------------------------------------------- */

typedef struct pstate {
    steppe_ctx_t *ctx;
    st_arena *arena;
    yaml_parser_t parser;
    const char *text;
    size_t len;
    const char *file;
    const char *dir;
    int line0;
    int col0;
    keytab anchors; /* name → the node it anchors (the latest definition) */
    budget *spent;
} pstate;

static yaml_mark_t offset_mark(const pstate *ps, size_t offset);

static st_loc mark_loc(const pstate *ps, yaml_mark_t m)
{
    st_loc loc;
    /* At the end of input libyaml may have moved to a line that is not
     * there (a --set value has no newline); recount from the text. */
    if (m.index >= ps->len && ps->len > 0 && ps->text[ps->len - 1] != '\n')
        m = offset_mark(ps, ps->len);
    loc.file = ps->file;
    loc.line = ps->line0 + (int)m.line;
    loc.col = (m.line == 0 ? ps->col0 - 1 : 0) + (int)m.column + 1;
    return loc;
}

/* libyaml's reader errors carry a byte offset, not a mark. */
static yaml_mark_t offset_mark(const pstate *ps, size_t offset)
{
    yaml_mark_t m = {0, 0, 0};
    for (size_t i = 0; i < offset && i < ps->len; i++) {
        if (ps->text[i] == '\n') {
            m.line++;
            m.column = 0;
        } else if (((unsigned char)ps->text[i] & 0xC0) != 0x80) {
            m.column++;
        }
    }
    m.index = offset;
    return m;
}

static steppe_status_t syntax_error(pstate *ps)
{
    const yaml_parser_t *p = &ps->parser;
    if (p->error == YAML_MEMORY_ERROR)
        return st_error(ps->ctx, STEPPE_ERR_NOMEM, "%s: out of memory while parsing", ps->file);
    yaml_mark_t m = p->error == YAML_READER_ERROR ? offset_mark(ps, p->problem_offset) : p->problem_mark;
    st_loc loc = mark_loc(ps, m);
    const char *problem = p->problem ? p->problem : "syntax error";
    if (p->context) {
        st_loc c = mark_loc(ps, p->context_mark);
        return st_error(ps->ctx, STEPPE_ERR_STYLE_SYNTAX, "%s:%d:%d: %s (%s at %d:%d)", loc.file, loc.line,
                        loc.col, problem, p->context, c.line, c.col);
    }
    return st_error(ps->ctx, STEPPE_ERR_STYLE_SYNTAX, "%s:%d:%d: %s", loc.file, loc.line, loc.col, problem);
}

static steppe_status_t next_event(pstate *ps, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&ps->parser, ev))
        return syntax_error(ps);
    return STEPPE_OK;
}

/* Charges one value and text bytes of keys and scalars to the budget. loc
 * is where the charge comes from: for an alias, the alias. */
static steppe_status_t spend(pstate *ps, st_loc loc, size_t nodes, size_t text)
{
    budget *b = ps->spent;
    b->nodes += nodes;
    b->text += text;
    if (b->nodes > MAX_NODES)
        return st_error(
            ps->ctx, STEPPE_ERR_STYLE_SYNTAX,
            "%s:%d:%d: the style expands to more than %d values (limit; an alias used too often?)", loc.file,
            loc.line, loc.col, MAX_NODES);
    if (b->text > MAX_TEXT)
        return st_error(ps->ctx, STEPPE_ERR_STYLE_SYNTAX,
                        "%s:%d:%d: the style expands to more than %d MiB of text (limit; an alias used too "
                        "often?)",
                        loc.file, loc.line, loc.col, MAX_TEXT >> 20);
    return STEPPE_OK;
}

/* A scalar (value or key) must not hold a NUL: C strings would silently end
 * there ("400\0garbage" would read as 400). libyaml makes them of the
 * escapes \0, \x00 and \u0000 in double-quoted scalars. */
static steppe_status_t check_nul(pstate *ps, const yaml_event_t *ev)
{
    if (!memchr(ev->data.scalar.value, 0, ev->data.scalar.length))
        return STEPPE_OK;
    st_loc loc = mark_loc(ps, ev->start_mark);
    return st_error(ps->ctx, STEPPE_ERR_STYLE_SYNTAX,
                    "%s:%d:%d: a NUL character (\\0, \\x00 or \\u0000) is not allowed in a style", loc.file,
                    loc.line, loc.col);
}

/* Deep copy for an alias: merging and overrides edit the tree in place, so
 * the two uses must not share nodes. Strings are shared (never edited), but
 * their bytes are charged again, so the budget bounds what the tree
 * stands for as well as its memory. */
static steppe_status_t copy_node(pstate *ps, const st_node *src, st_loc at, st_node **out)
{
    size_t text = src->kind == ST_NODE_SCALAR ? strlen(src->text) : 0;
    if (src->key)
        text += strlen(src->key);
    steppe_status_t rc = spend(ps, at, 1, text);
    if (rc != STEPPE_OK)
        return rc;
    st_node *n = st_arena_alloc(ps->arena, sizeof *n);
    if (!n)
        return STEPPE_ERR_NOMEM;
    *n = *src;
    n->head = NULL;
    n->tail = NULL;
    n->n = 0;
    n->next = NULL;
    for (const st_node *c = src->head; c; c = c->next) {
        st_node *cc;
        rc = copy_node(ps, c, at, &cc);
        if (rc != STEPPE_OK)
            return rc;
        append_child(n, cc);
    }
    *out = n;
    return STEPPE_OK;
}

static steppe_status_t add_anchor(pstate *ps, const yaml_char_t *name, st_node *node)
{
    if (!name)
        return STEPPE_OK;
    const char *copy = st_arena_strdup(ps->arena, (const char *)name);
    if (!copy || !keytab_put(&ps->anchors, copy, node))
        return STEPPE_ERR_NOMEM;
    return STEPPE_OK;
}

static steppe_status_t parse_node(pstate *ps, yaml_event_t *ev, int depth, st_node **out);

/* Reads the next event and builds the node it starts at depth into *out;
 * an end event (the enclosing sequence's) is consumed and leaves *out NULL. */
static steppe_status_t parse_next(pstate *ps, int depth, yaml_event_type_t end, st_node **out)
{
    yaml_event_t ev;
    *out = NULL;
    steppe_status_t rc = next_event(ps, &ev);
    if (rc != STEPPE_OK)
        return rc;
    if (ev.type != end)
        rc = parse_node(ps, &ev, depth, out);
    yaml_event_delete(&ev);
    return rc;
}

static steppe_status_t parse_seq(pstate *ps, st_node *seq, int depth)
{
    for (;;) {
        st_node *item = NULL;
        steppe_status_t rc = parse_next(ps, depth + 1, YAML_SEQUENCE_END_EVENT, &item);
        if (rc != STEPPE_OK || !item)
            return rc;
        append_child(seq, item);
    }
}

static steppe_status_t parse_map(pstate *ps, st_node *map, int depth)
{
    keytab seen = {0}; /* map's keys, once it has KEYTAB_FROM of them */
    steppe_status_t rc = STEPPE_OK;
    for (;;) {
        yaml_event_t kev;
        rc = next_event(ps, &kev);
        if (rc != STEPPE_OK)
            goto done;
        if (kev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&kev);
            goto done;
        }
        st_loc kloc = mark_loc(ps, kev.start_mark);
        if (kev.type != YAML_SCALAR_EVENT) {
            yaml_event_delete(&kev);
            rc = st_error(ps->ctx, STEPPE_ERR_STYLE_SYNTAX, "%s:%d:%d: a key must be a plain string",
                          kloc.file, kloc.line, kloc.col);
            goto done;
        }
        rc = check_nul(ps, &kev);
        if (rc == STEPPE_OK)
            rc = spend(ps, kloc, 0, kev.data.scalar.length);
        char *key = NULL;
        if (rc == STEPPE_OK) {
            key = st_arena_strndup(ps->arena, (const char *)kev.data.scalar.value, kev.data.scalar.length);
            if (!key)
                rc = STEPPE_ERR_NOMEM;
        }
        yaml_event_delete(&kev);
        if (rc != STEPPE_OK)
            goto done;
        const st_node *dup = seen.cap ? keytab_find(&seen, key) : st_node_get(map, key);
        if (dup) {
            rc = st_error(ps->ctx, STEPPE_ERR_STYLE_SYNTAX, "%s:%d:%d: duplicate key '%s' (first at line %d)",
                          kloc.file, kloc.line, kloc.col, st_excerpt(ps->arena, key, EXCERPT_CHARS),
                          dup->key_loc.line);
            goto done;
        }
        /* A key is always followed by its value (an empty one is a scalar),
         * so no end event is expected here. */
        st_node *value = NULL;
        rc = parse_next(ps, depth + 1, YAML_NO_EVENT, &value);
        if (rc != STEPPE_OK)
            goto done;
        value->key = key;
        value->key_loc = kloc;
        append_child(map, value);
        if (seen.cap) {
            if (!keytab_put(&seen, key, value))
                rc = STEPPE_ERR_NOMEM;
        } else if (map->n >= KEYTAB_FROM) {
            if (!keytab_index(&seen, map))
                rc = STEPPE_ERR_NOMEM;
        }
        if (rc != STEPPE_OK)
            goto done;
    }
done:
    keytab_free(&seen);
    return rc;
}

/* Builds the node that starts with ev (owned by the caller). */
static steppe_status_t parse_node(pstate *ps, yaml_event_t *ev, int depth, st_node **out)
{
    st_loc loc = mark_loc(ps, ev->start_mark);
    steppe_status_t rc;
    if (depth > MAX_DEPTH)
        return st_error(ps->ctx, STEPPE_ERR_STYLE_SYNTAX, "%s:%d:%d: nested deeper than %d levels", loc.file,
                        loc.line, loc.col, MAX_DEPTH);

    if (ev->type == YAML_ALIAS_EVENT) {
        const char *name = (const char *)ev->data.alias.anchor;
        const st_node *target = keytab_find(&ps->anchors, name);
        if (!target)
            return st_error(ps->ctx, STEPPE_ERR_STYLE_SYNTAX, "%s:%d:%d: unknown anchor '%s'", loc.file,
                            loc.line, loc.col, st_excerpt(ps->arena, name, EXCERPT_CHARS));
        rc = copy_node(ps, target, loc, out);
        if (rc == STEPPE_OK)
            (*out)->loc = loc;
        return rc;
    }

    st_node *n = NULL;
    const yaml_char_t *anchor_name = NULL;
    if (ev->type == YAML_SCALAR_EVENT) {
        rc = check_nul(ps, ev);
        if (rc == STEPPE_OK)
            rc = spend(ps, loc, 1, ev->data.scalar.length);
        if (rc != STEPPE_OK)
            return rc;
        n = new_node(ps->arena, ST_NODE_SCALAR, loc, ps->dir);
        if (!n)
            return STEPPE_ERR_NOMEM;
        n->text = st_arena_strndup(ps->arena, (const char *)ev->data.scalar.value, ev->data.scalar.length);
        if (!n->text)
            return STEPPE_ERR_NOMEM;
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        anchor_name = ev->data.scalar.anchor;
    } else if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) {
        bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
        rc = spend(ps, loc, 1, 0);
        if (rc != STEPPE_OK)
            return rc;
        n = new_node(ps->arena, seq ? ST_NODE_SEQ : ST_NODE_MAP, loc, ps->dir);
        if (!n)
            return STEPPE_ERR_NOMEM;
        anchor_name = seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
        rc = seq ? parse_seq(ps, n, depth) : parse_map(ps, n, depth);
    } else {
        return st_error(ps->ctx, STEPPE_ERR_INTERNAL, "%s:%d:%d: unexpected YAML event %d", loc.file,
                        loc.line, loc.col, (int)ev->type);
    }
    if (rc != STEPPE_OK)
        return rc;
    /* Registered only when complete, so a node cannot alias itself. */
    rc = add_anchor(ps, anchor_name, n);
    if (rc != STEPPE_OK)
        return rc;
    *out = n;
    return STEPPE_OK;
}

/* Walks STREAM-START, DOCUMENT-START, node, DOCUMENT-END, STREAM-END. */
static steppe_status_t parse_stream(pstate *ps, st_node **out)
{
    st_node *root = NULL;
    bool done = false;
    steppe_status_t rc = STEPPE_OK;
    while (rc == STEPPE_OK && !done) {
        yaml_event_t ev;
        rc = next_event(ps, &ev);
        if (rc != STEPPE_OK)
            break;
        st_loc loc = mark_loc(ps, ev.start_mark);
        switch (ev.type) {
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT: break;
        case YAML_DOCUMENT_START_EVENT:
            if (root)
                rc = st_error(ps->ctx, STEPPE_ERR_STYLE_SYNTAX, "%s:%d:%d: a style holds one YAML document",
                              loc.file, loc.line, loc.col);
            break;
        case YAML_STREAM_END_EVENT: done = true; break;
        default: rc = parse_node(ps, &ev, 0, &root); break;
        }
        yaml_event_delete(&ev);
    }
    if (rc != STEPPE_OK)
        return rc;
    if (!root) {
        st_loc loc = {ps->file, ps->line0, ps->col0};
        root = new_node(ps->arena, ST_NODE_SCALAR, loc, ps->dir);
        if (!root)
            return STEPPE_ERR_NOMEM;
        root->plain = true;
    }
    *out = root;
    return STEPPE_OK;
}

/* st_style_parse() charging the budget spent (shared by the files of an
 * extends chain and the overrides). */
static steppe_status_t parse_text(steppe_ctx_t *ctx, st_arena *arena, const char *text, size_t len,
                                  const char *file, const char *dir, int line0, int col0, budget *spent,
                                  st_node **out)
{
    pstate ps;
    memset(&ps, 0, sizeof ps);
    ps.ctx = ctx;
    ps.arena = arena;
    ps.text = text;
    ps.len = len;
    ps.file = file;
    ps.dir = dir;
    ps.line0 = line0;
    ps.col0 = col0;
    ps.spent = spent;
    if (!yaml_parser_initialize(&ps.parser))
        return STEPPE_ERR_NOMEM;
    yaml_parser_set_input_string(&ps.parser, (const unsigned char *)text, len);
    steppe_status_t rc = parse_stream(&ps, out);
    yaml_parser_delete(&ps.parser);
    keytab_free(&ps.anchors);
    return rc;
}

steppe_status_t st_style_parse(steppe_ctx_t *ctx, st_arena *arena, const char *text, size_t len,
                               const char *file, const char *dir, int line0, int col0, st_node **out)
{
    budget spent = {0, 0};
    return parse_text(ctx, arena, text, len, file, dir, line0, col0, &spent, out);
}

/* ---- paths ------------------------------------------------------------------ */

/* The folder part of path: "a/b.yaml" → "a", "b.yaml" → ".", "/b" → "/". */
static char *path_dirname(st_arena *arena, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return st_arena_strdup(arena, ".");
    if (slash == path)
        return st_arena_strdup(arena, "/");
    return st_arena_strndup(arena, path, (size_t)(slash - path));
}

char *st_path_join(st_arena *arena, const char *dir, const char *rel)
{
    if (rel[0] == '/' || !dir || strcmp(dir, ".") == 0)
        return st_arena_strdup(arena, rel);
    size_t dl = strlen(dir);
    if (dl > 0 && dir[dl - 1] == '/')
        return st_arena_printf(arena, "%s%s", dir, rel);
    return st_arena_printf(arena, "%s/%s", dir, rel);
}

/* Lexical normalisation ("." and ".." segments, repeated slashes) of an
 * absolute path. It does not follow symlinks: the result is for messages
 * and for opening files after the working directory may have changed. */
char *st_path_absolute(st_arena *arena, const char *dir, const char *rel)
{
    char cwd[PATH_MAX];
    const char *joined = st_path_join(arena, dir, rel);
    if (!joined)
        return NULL;
    if (joined[0] != '/') {
        if (!getcwd(cwd, sizeof cwd))
            snprintf(cwd, sizeof cwd, "/");
        joined = st_arena_printf(arena, "%s/%s", cwd, joined);
        if (!joined)
            return NULL;
    }
    size_t len = strlen(joined);
    char *out = st_arena_alloc(arena, len + 2);
    if (!out)
        return NULL;
    size_t o = 0;
    const char *p = joined;
    while (*p) {
        while (*p == '/')
            p++;
        const char *seg = p;
        while (*p && *p != '/')
            p++;
        size_t sl = (size_t)(p - seg);
        if (sl == 0 || (sl == 1 && seg[0] == '.'))
            continue;
        if (sl == 2 && seg[0] == '.' && seg[1] == '.') {
            while (o > 0 && out[o - 1] != '/')
                o--;
            if (o > 0)
                o--;
            continue;
        }
        out[o++] = '/';
        memcpy(out + o, seg, sl);
        o += sl;
    }
    if (o == 0)
        out[o++] = '/';
    out[o] = '\0';
    return out;
}

/* ---- extends ----------------------------------------------------------------- */

typedef struct chain {
    const char *real; /* realpath, to recognise a file reached twice */
    const char *display;
    const struct chain *up;
} chain;

static steppe_status_t merge_child(st_node *old, st_node *value, st_loc key_loc);

/* Deep merge (the base is edited in place): mappings merge key by key, the
 * child winning; everything else is replaced by the child's value. Base keys
 * keep their order; keys new in the child are appended. *out is the merged
 * node: base, or child when child replaces it. */
static steppe_status_t merge(st_node *base, st_node *child, st_node **out)
{
    if (base->kind != ST_NODE_MAP || child->kind != ST_NODE_MAP) {
        *out = child;
        return STEPPE_OK;
    }
    steppe_status_t rc = STEPPE_OK;
    keytab index = {0}; /* base's keys; the child's are unique already */
    if (base->n >= KEYTAB_FROM && !keytab_index(&index, base)) {
        rc = STEPPE_ERR_NOMEM;
        goto done;
    }
    st_node *c = child->head;
    while (c) {
        st_node *next = c->next;
        st_node *b = index.cap ? keytab_find(&index, c->key) : st_node_get(base, c->key);
        if (!b) {
            append_child(base, c);
        } else {
            rc = merge_child(b, c, c->key_loc);
            if (rc != STEPPE_OK)
                goto done;
        }
        c = next;
    }
    *out = base;
done:
    keytab_free(&index);
    return rc;
}

/* Merges value into old, a child already in some node's list, and leaves
 * the result in old's place under old's key, written at key_loc. When the
 * merge replaces old (value is not a mapping, or old is not), value's node
 * is copied over old rather than the list searched for old's predecessor;
 * aliases are deep copies (copy_node), so no other place shares old. */
static steppe_status_t merge_child(st_node *old, st_node *value, st_loc key_loc)
{
    st_node *m = NULL;
    steppe_status_t rc = merge(old, value, &m);
    if (rc != STEPPE_OK)
        return rc;
    if (m != old) {
        st_node *next = old->next;
        const char *key = old->key;
        *old = *m;
        old->next = next;
        old->key = key;
    }
    old->key_loc = key_loc;
    return STEPPE_OK;
}

static const char *path_excerpt(st_arena *arena, const char *path)
{
    return st_excerpt(arena, path, EXCERPT_PATH);
}

static steppe_status_t file_error(steppe_ctx_t *ctx, st_arena *arena, const st_loc *from, const char *written,
                                  const char *display, const char *reason)
{
    const char *abs = st_path_absolute(arena, NULL, display);
    if (!abs)
        abs = display;
    abs = path_excerpt(arena, abs);
    if (from)
        return st_error(ctx, STEPPE_ERR_STYLE_FILE, "%s:%d:%d: cannot open '%s' (resolved: %s): %s",
                        from->file, from->line, from->col, st_excerpt(arena, written, EXCERPT_CHARS), abs,
                        reason);
    return st_error(ctx, STEPPE_ERR_STYLE_FILE, "%s: cannot open style (resolved: %s): %s",
                    path_excerpt(arena, display), abs, reason);
}

/* "not a regular file (a FIFO)", for a file of mode m. */
static const char *not_regular(mode_t m)
{
    if (S_ISDIR(m))
        return "not a regular file (a directory)";
    if (S_ISFIFO(m))
        return "not a regular file (a FIFO)";
    if (S_ISCHR(m))
        return "not a regular file (a character device)";
    if (S_ISBLK(m))
        return "not a regular file (a block device)";
    if (S_ISSOCK(m))
        return "not a regular file (a socket)";
    return "not a regular file";
}

/* Reads a whole style file, NUL-terminated, into *text (malloc'd; the
 * caller frees it). Only a regular file of at most MAX_FILE_BYTES is read:
 * a FIFO would block the open or the read forever, /dev/zero never ends,
 * and a directory or a device is a mistake, not an empty style. The open
 * does not block (O_NONBLOCK) and the type is checked on the open file, so
 * the file cannot be swapped between the check and the read. Files in /proc
 * are regular but report size 0, so the read goes to the end of the file
 * and stops one byte past the limit. */
static steppe_status_t slurp(steppe_ctx_t *ctx, st_arena *arena, const st_loc *from, const char *written,
                             const char *display, char **text, size_t *len)
{
    steppe_status_t rc = STEPPE_OK;
    char *buf = NULL;
    struct stat sb;
    int fd = open(display, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        /* A socket cannot be opened at all (ENXIO); say what it is. */
        if (errno == ENXIO && stat(display, &sb) == 0 && !S_ISREG(sb.st_mode))
            return file_error(ctx, arena, from, written, display, not_regular(sb.st_mode));
        return file_error(ctx, arena, from, written, display, strerror(errno));
    }
    if (fstat(fd, &sb) != 0) {
        rc = file_error(ctx, arena, from, written, display, strerror(errno));
        goto done;
    }
    if (!S_ISREG(sb.st_mode)) {
        rc = file_error(ctx, arena, from, written, display, not_regular(sb.st_mode));
        goto done;
    }
    const char *too_big = "larger than 16 MiB, the limit for a style file";
    if (sb.st_size > MAX_FILE_BYTES) {
        rc = file_error(ctx, arena, from, written, display, too_big);
        goto done;
    }
    size_t cap = (size_t)sb.st_size + 1;
    size_t got = 0;
    buf = malloc(cap + 1);
    if (!buf) {
        rc = STEPPE_ERR_NOMEM;
        goto done;
    }
    for (;;) {
        if (got == cap) {
            if (cap > MAX_FILE_BYTES) {
                rc = file_error(ctx, arena, from, written, display, too_big);
                goto done;
            }
            size_t grown = cap < 4096 ? 4096 : cap * 2;
            if (grown > (size_t)MAX_FILE_BYTES + 1)
                grown = (size_t)MAX_FILE_BYTES + 1;
            char *bigger = realloc(buf, grown + 1);
            if (!bigger) {
                rc = STEPPE_ERR_NOMEM;
                goto done;
            }
            buf = bigger;
            cap = grown;
        }
        ssize_t r = read(fd, buf + got, cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = file_error(ctx, arena, from, written, display, strerror(errno));
            goto done;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    buf[got] = '\0';
    *text = buf;
    *len = got;
    buf = NULL;
done:
    free(buf);
    close(fd);
    return rc;
}

/* True when the len bytes of text are all blanks (or there are none). */
static bool blank(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!strchr(" \t\r\n", text[i]) || text[i] == '\0')
            return false;
    }
    return true;
}

/* True when s holds a control character, which no file name in a style
 * needs and which would break a one-line message. */
static bool has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7F)
            return true;
    }
    return false;
}

static steppe_status_t load_file(steppe_ctx_t *ctx, st_arena *arena, const char *display, const st_loc *from,
                                 const char *written, const chain *up, int depth, budget *spent,
                                 st_node **out)
{
    char real[PATH_MAX];
    if (!realpath(display, real))
        return file_error(ctx, arena, from, written, display, strerror(errno));
    for (const chain *c = up; c; c = c->up) {
        if (strcmp(c->real, real) != 0)
            continue;
        /* Spell the loop out from the file reached twice. */
        char path[1024] = "";
        const chain *order[MAX_EXTENDS + 1];
        int n = 0;
        for (const chain *d = up; d && n < MAX_EXTENDS; d = d->up) {
            order[n++] = d;
            if (d == c)
                break;
        }
        for (int i = n - 1; i >= 0; i--) {
            size_t l = strlen(path);
            snprintf(path + l, sizeof path - l, "%s -> ", path_excerpt(arena, order[i]->display));
        }
        size_t l = strlen(path);
        snprintf(path + l, sizeof path - l, "%s", path_excerpt(arena, display));
        return st_error(ctx, STEPPE_ERR_STYLE_CYCLE, "%s:%d:%d: extends '%s' forms a cycle: %s", from->file,
                        from->line, from->col, st_excerpt(arena, written, EXCERPT_CHARS), path);
    }
    if (depth >= MAX_EXTENDS)
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%s:%d:%d: extends chain longer than %d files",
                        from->file, from->line, from->col, MAX_EXTENDS);

    char *text = NULL;
    size_t len = 0;
    steppe_status_t rc = slurp(ctx, arena, from, written, display, &text, &len);
    if (rc != STEPPE_OK)
        return rc;
    /* A file of nothing but blanks is refused rather than read as a style
     * without keys: that is what a wrong path, an interrupted download or an
     * `echo > style.yaml` gives, and it would render a blank map without a
     * word. A style without keys is written, as {} or as a comment. */
    if (blank(text, len)) {
        free(text);
        if (from)
            return st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                            "%s:%d:%d: extends '%s': %s is an empty file, not a style (write {} for a style "
                            "without keys)",
                            from->file, from->line, from->col, st_excerpt(arena, written, EXCERPT_CHARS),
                            path_excerpt(arena, display));
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                        "%s:1:1: an empty file, not a style (write {} for a style without keys)",
                        path_excerpt(arena, display));
    }
    const char *file = st_arena_strdup(arena, display);
    const char *dir = path_dirname(arena, display);
    const char *realcopy = st_arena_strdup(arena, real);
    st_node *root = NULL;
    if (!file || !dir || !realcopy)
        rc = STEPPE_ERR_NOMEM;
    else
        rc = parse_text(ctx, arena, text, len, file, dir, 1, 1, spent, &root);
    /* The tree holds copies of every string; the text is no longer needed. */
    free(text);
    if (rc != STEPPE_OK)
        return rc;
    if (st_node_is_null(root)) {
        root->kind = ST_NODE_MAP;
        root->text = "";
    }
    if (root->kind != ST_NODE_MAP)
        return st_error(ctx, STEPPE_ERR_STYLE_TYPE, "%s:%d:%d: a style is a mapping of keys, got %s", file,
                        root->loc.line, root->loc.col, st_node_describe(arena, root));

    st_node *ext = st_node_get(root, "extends");
    if (ext) {
        remove_child(root, ext);
        if (!st_node_is_null(ext)) {
            if (ext->kind != ST_NODE_SCALAR || ext->text[0] == '\0')
                return st_error(ctx, STEPPE_ERR_STYLE_TYPE, "%s:%d:%d: extends: expected a file name, got %s",
                                file, ext->loc.line, ext->loc.col, st_node_describe(arena, ext));
            if (has_control(ext->text))
                return st_error(ctx, STEPPE_ERR_STYLE_VALUE,
                                "%s:%d:%d: extends: a file name without control characters, got %s", file,
                                ext->loc.line, ext->loc.col, st_node_describe(arena, ext));
            const char *base_path = st_path_join(arena, dir, ext->text);
            if (!base_path)
                return STEPPE_ERR_NOMEM;
            chain me = {realcopy, file, up};
            st_node *base = NULL;
            rc = load_file(ctx, arena, base_path, &ext->loc, ext->text, &me, depth + 1, spent, &base);
            if (rc != STEPPE_OK)
                return rc;
            rc = merge(base, root, &root);
            if (rc != STEPPE_OK)
                return rc;
        }
    }
    *out = root;
    return STEPPE_OK;
}

/* ---- overrides --------------------------------------------------------------- */

static bool parse_index(const char *s, size_t *out)
{
    if (!*s)
        return false;
    size_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > 1000000)
            return false;
        v = v * 10 + (size_t)(*p - '0');
    }
    *out = v;
    return true;
}

/* The first n bytes of s, escaped and cut for a message. */
static const char *quote_prefix(st_arena *arena, const char *s, size_t n)
{
    const char *prefix = st_arena_strndup(arena, s, n);
    return prefix ? st_excerpt(arena, prefix, EXCERPT_CHARS) : "";
}

static steppe_status_t apply_override(steppe_ctx_t *ctx, st_arena *arena, st_node *root, const char *ov,
                                      budget *spent)
{
    /* The override names itself in messages, escaped and cut like any
     * quoted text (columns still count in ov as typed). */
    const char *file = st_arena_printf(arena, "--set %s", path_excerpt(arena, ov));
    if (!file)
        return STEPPE_ERR_NOMEM;
    const char *eq = strchr(ov, '=');
    if (!eq || eq == ov)
        return st_error(ctx, STEPPE_ERR_USAGE, "%s:1:1: expected KEY=VALUE, e.g. --set map.width=800", file);

    /* Split the key path; remember each segment's column for messages. */
    enum { MAX_SEGS = 32 };
    const char *segs[MAX_SEGS];
    int cols[MAX_SEGS];
    int nseg = 0;
    const char *p = ov;
    while (p <= eq) {
        const char *end = p;
        while (end < eq && *end != '.')
            end++;
        if (end == p)
            return st_error(ctx, STEPPE_ERR_USAGE, "%s:1:%d: empty key in '%s'", file, (int)(p - ov) + 1,
                            quote_prefix(arena, ov, (size_t)(eq - ov)));
        if (nseg == MAX_SEGS)
            return st_error(ctx, STEPPE_ERR_USAGE, "%s:1:1: key path longer than %d parts", file, MAX_SEGS);
        segs[nseg] = st_arena_strndup(arena, p, (size_t)(end - p));
        if (!segs[nseg])
            return STEPPE_ERR_NOMEM;
        cols[nseg] = (int)(p - ov) + 1;
        nseg++;
        p = end + 1;
    }
    if (strcmp(segs[0], "extends") == 0)
        return st_error(ctx, STEPPE_ERR_USAGE,
                        "%s:1:1: extends cannot be overridden; load the other style instead", file);

    const char *value_text = eq + 1;
    st_node *value = NULL;
    steppe_status_t rc = parse_text(ctx, arena, value_text, strlen(value_text), file, ".", 1,
                                    (int)(value_text - ov) + 1, spent, &value);
    if (rc != STEPPE_OK)
        return rc;

    st_node *cur = root;
    for (int i = 0; i < nseg; i++) {
        st_loc kloc = {file, 1, cols[i]};
        bool last = i == nseg - 1;
        st_node *child = NULL;
        if (cur->kind == ST_NODE_SEQ) {
            size_t idx = 0;
            if (!parse_index(segs[i], &idx) || idx >= cur->n)
                return st_error(ctx, STEPPE_ERR_STYLE_TYPE,
                                "%s:1:%d: '%s' is a list of %zu; use an index from 0 to %zu, got '%s'", file,
                                cols[i], quote_prefix(arena, ov, (size_t)(cols[i] - 2)), cur->n,
                                cur->n ? cur->n - 1 : 0, st_excerpt(arena, segs[i], EXCERPT_CHARS));
            child = cur->head;
            for (size_t k = 0; k < idx; k++)
                child = child->next;
        } else if (cur->kind == ST_NODE_MAP) {
            child = st_node_get(cur, segs[i]);
        } else {
            return st_error(ctx, STEPPE_ERR_STYLE_TYPE,
                            "%s:1:%d: '%s' is a value (%s), not a mapping; cannot set '%s'", file, cols[i],
                            quote_prefix(arena, ov, (size_t)(cols[i] - 2)), st_node_describe(arena, cur),
                            st_excerpt(arena, segs[i], EXCERPT_CHARS));
        }
        if (last) {
            value->key = segs[i];
            value->key_loc = kloc;
            if (!child) {
                append_child(cur, value);
            } else {
                rc = merge_child(child, value, kloc);
                if (rc != STEPPE_OK)
                    return rc;
            }
            break;
        }
        if (!child) {
            child = new_node(arena, ST_NODE_MAP, kloc, ".");
            if (!child)
                return STEPPE_ERR_NOMEM;
            child->key = segs[i];
            child->key_loc = kloc;
            append_child(cur, child);
        } else if (st_node_is_null(child)) {
            child->kind = ST_NODE_MAP;
            child->loc = kloc;
        }
        cur = child;
    }
    return STEPPE_OK;
}

steppe_status_t st_style_read(steppe_ctx_t *ctx, st_arena *arena, const char *path,
                              const char *const *overrides, size_t n, st_node **out)
{
    st_node *root = NULL;
    budget spent = {0, 0};
    steppe_status_t rc = load_file(ctx, arena, path, NULL, path, NULL, 0, &spent, &root);
    for (size_t i = 0; rc == STEPPE_OK && i < n; i++)
        rc = apply_override(ctx, arena, root, overrides[i], &spent);
    if (rc != STEPPE_OK)
        return rc;
    /* Not an error (a graticule or an inset alone is a map), but a style
     * that draws no layer is more often a mistake than not: say so. */
    const st_node *layers = st_node_get(root, "layers");
    if (!layers || st_node_is_null(layers) || (layers->kind == ST_NODE_MAP && layers->n == 0))
        st_warn(ctx, "%s: the style has no layers; the map shows only its background and furniture",
                path_excerpt(arena, path));
    *out = root;
    return rc;
}
