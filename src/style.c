/* The style stage, part 1: YAML text → located node tree.
 *
 * libyaml's event API (not its document API) is used because events carry
 * the start mark of every scalar, so mapping keys keep their own line and
 * column. On top of the parser: `extends:` chains with deep merge, and
 * command-line overrides. Validation is model.c's job. */
#include "style.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "ctx.h"

enum {
    MAX_DEPTH = 64,           /* nesting of YAML collections */
    MAX_NODES = 200000,       /* alias expansion budget ("billion laughs") */
    MAX_EXTENDS = 32,         /* length of an extends chain */
    MAX_FILE_BYTES = 16 << 20 /* a style is a few kilobytes */
};

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
    const char *s = st_arena_printf(arena, "'%s'", node->text);
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

/* Puts repl where old was in parent's child list. */
static void replace_child(st_node *parent, st_node *old, st_node *repl)
{
    st_node **pp = &parent->head;
    while (*pp && *pp != old)
        pp = &(*pp)->next;
    if (!*pp)
        return;
    repl->next = old->next;
    *pp = repl;
    if (parent->tail == old)
        parent->tail = repl;
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

/* ---- parsing --------------------------------------------------------------- */

typedef struct anchor {
    const char *name;
    st_node *node;
    struct anchor *next;
} anchor;

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
    anchor *anchors;
    size_t nodes;
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

static steppe_status_t count_node(pstate *ps, st_loc loc)
{
    if (++ps->nodes > MAX_NODES)
        return st_error(ps->ctx, STEPPE_ERR_STYLE_SYNTAX, "%s:%d:%d: more than %d values (alias expansion?)",
                        loc.file, loc.line, loc.col, MAX_NODES);
    return STEPPE_OK;
}

/* Deep copy for an alias: merging and overrides edit the tree in place, so
 * the two uses must not share nodes. */
static steppe_status_t copy_node(pstate *ps, const st_node *src, st_loc at, st_node **out)
{
    steppe_status_t rc = count_node(ps, at);
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
    anchor *a = st_arena_alloc(ps->arena, sizeof *a);
    if (!a)
        return STEPPE_ERR_NOMEM;
    a->name = st_arena_strdup(ps->arena, (const char *)name);
    if (!a->name)
        return STEPPE_ERR_NOMEM;
    a->node = node;
    a->next = ps->anchors;
    ps->anchors = a;
    return STEPPE_OK;
}

static steppe_status_t parse_node(pstate *ps, yaml_event_t *ev, int depth, st_node **out);

static steppe_status_t parse_seq(pstate *ps, st_node *seq, int depth)
{
    for (;;) {
        yaml_event_t ev;
        steppe_status_t rc = next_event(ps, &ev);
        if (rc != STEPPE_OK)
            return rc;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return STEPPE_OK;
        }
        st_node *item = NULL;
        rc = parse_node(ps, &ev, depth + 1, &item);
        yaml_event_delete(&ev);
        if (rc != STEPPE_OK)
            return rc;
        append_child(seq, item);
    }
}

static steppe_status_t parse_map(pstate *ps, st_node *map, int depth)
{
    for (;;) {
        yaml_event_t kev;
        steppe_status_t rc = next_event(ps, &kev);
        if (rc != STEPPE_OK)
            return rc;
        if (kev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&kev);
            return STEPPE_OK;
        }
        st_loc kloc = mark_loc(ps, kev.start_mark);
        if (kev.type != YAML_SCALAR_EVENT) {
            yaml_event_delete(&kev);
            return st_error(ps->ctx, STEPPE_ERR_STYLE_SYNTAX, "%s:%d:%d: a key must be a plain string",
                            kloc.file, kloc.line, kloc.col);
        }
        char *key = st_arena_strndup(ps->arena, (const char *)kev.data.scalar.value, kev.data.scalar.length);
        yaml_event_delete(&kev);
        if (!key)
            return STEPPE_ERR_NOMEM;
        const st_node *dup = st_node_get(map, key);
        if (dup)
            return st_error(ps->ctx, STEPPE_ERR_STYLE_SYNTAX,
                            "%s:%d:%d: duplicate key '%s' (first at line %d)", kloc.file, kloc.line, kloc.col,
                            key, dup->key_loc.line);
        yaml_event_t vev;
        rc = next_event(ps, &vev);
        if (rc != STEPPE_OK)
            return rc;
        st_node *value = NULL;
        rc = parse_node(ps, &vev, depth + 1, &value);
        yaml_event_delete(&vev);
        if (rc != STEPPE_OK)
            return rc;
        value->key = key;
        value->key_loc = kloc;
        append_child(map, value);
    }
}

/* Builds the node that starts with ev (owned by the caller). */
static steppe_status_t parse_node(pstate *ps, yaml_event_t *ev, int depth, st_node **out)
{
    st_loc loc = mark_loc(ps, ev->start_mark);
    steppe_status_t rc;
    if (depth > MAX_DEPTH)
        return st_error(ps->ctx, STEPPE_ERR_STYLE_SYNTAX, "%s:%d:%d: nested deeper than %d levels", loc.file,
                        loc.line, loc.col, MAX_DEPTH);
    rc = count_node(ps, loc);
    if (rc != STEPPE_OK)
        return rc;

    if (ev->type == YAML_ALIAS_EVENT) {
        const char *name = (const char *)ev->data.alias.anchor;
        for (const anchor *a = ps->anchors; a; a = a->next) {
            if (strcmp(a->name, name) == 0) {
                rc = copy_node(ps, a->node, loc, out);
                if (rc == STEPPE_OK)
                    (*out)->loc = loc;
                return rc;
            }
        }
        return st_error(ps->ctx, STEPPE_ERR_STYLE_SYNTAX, "%s:%d:%d: unknown anchor '%s'", loc.file, loc.line,
                        loc.col, name);
    }

    st_node *n = NULL;
    const yaml_char_t *anchor_name = NULL;
    if (ev->type == YAML_SCALAR_EVENT) {
        n = new_node(ps->arena, ST_NODE_SCALAR, loc, ps->dir);
        if (!n)
            return STEPPE_ERR_NOMEM;
        n->text = st_arena_strndup(ps->arena, (const char *)ev->data.scalar.value, ev->data.scalar.length);
        if (!n->text)
            return STEPPE_ERR_NOMEM;
        n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        anchor_name = ev->data.scalar.anchor;
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        n = new_node(ps->arena, ST_NODE_SEQ, loc, ps->dir);
        if (!n)
            return STEPPE_ERR_NOMEM;
        anchor_name = ev->data.sequence_start.anchor;
        rc = parse_seq(ps, n, depth);
    } else if (ev->type == YAML_MAPPING_START_EVENT) {
        n = new_node(ps->arena, ST_NODE_MAP, loc, ps->dir);
        if (!n)
            return STEPPE_ERR_NOMEM;
        anchor_name = ev->data.mapping_start.anchor;
        rc = parse_map(ps, n, depth);
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

steppe_status_t st_style_parse(steppe_ctx_t *ctx, st_arena *arena, const char *text, size_t len,
                               const char *file, const char *dir, int line0, int col0, st_node **out)
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
    if (!yaml_parser_initialize(&ps.parser))
        return STEPPE_ERR_NOMEM;
    yaml_parser_set_input_string(&ps.parser, (const unsigned char *)text, len);
    steppe_status_t rc = parse_stream(&ps, out);
    yaml_parser_delete(&ps.parser);
    return rc;
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

/* Deep merge (the base is edited in place): mappings merge key by key, the
 * child winning; everything else is replaced by the child's value. Base keys
 * keep their order; keys new in the child are appended. */
static st_node *merge(st_node *base, st_node *child)
{
    if (base->kind != ST_NODE_MAP || child->kind != ST_NODE_MAP)
        return child;
    st_node *c = child->head;
    while (c) {
        st_node *next = c->next;
        st_node *b = st_node_get(base, c->key);
        if (!b) {
            append_child(base, c);
        } else {
            st_node *m = merge(b, c);
            if (m != b) {
                replace_child(base, b, m);
            } else {
                b->key_loc = c->key_loc;
            }
        }
        c = next;
    }
    return base;
}

static steppe_status_t file_error(steppe_ctx_t *ctx, st_arena *arena, const st_loc *from, const char *written,
                                  const char *display, const char *reason)
{
    const char *abs = st_path_absolute(arena, NULL, display);
    if (!abs)
        abs = display;
    if (from)
        return st_error(ctx, STEPPE_ERR_STYLE_FILE, "%s:%d:%d: cannot open '%s' (resolved: %s): %s",
                        from->file, from->line, from->col, written, abs, reason);
    return st_error(ctx, STEPPE_ERR_STYLE_FILE, "%s: cannot open style (resolved: %s): %s", display, abs,
                    reason);
}

/* Reads a whole file into the arena, NUL-terminated. */
static steppe_status_t slurp(steppe_ctx_t *ctx, st_arena *arena, const st_loc *from, const char *written,
                             const char *display, char **text, size_t *len)
{
    steppe_status_t rc = STEPPE_OK;
    struct stat sb;
    if (stat(display, &sb) != 0)
        return file_error(ctx, arena, from, written, display, strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return file_error(ctx, arena, from, written, display, "is a directory");
    if (sb.st_size > MAX_FILE_BYTES)
        return file_error(ctx, arena, from, written, display, "larger than 16 MiB; not a style");
    FILE *f = fopen(display, "rb");
    if (!f)
        return file_error(ctx, arena, from, written, display, strerror(errno));
    size_t cap = (size_t)sb.st_size;
    char *buf = st_arena_alloc(arena, cap + 1);
    if (!buf) {
        rc = STEPPE_ERR_NOMEM;
        goto done;
    }
    size_t got = fread(buf, 1, cap, f);
    if (ferror(f)) {
        rc = file_error(ctx, arena, from, written, display, strerror(errno));
        goto done;
    }
    buf[got] = '\0';
    *text = buf;
    *len = got;
done:
    fclose(f);
    return rc;
}

static steppe_status_t load_file(steppe_ctx_t *ctx, st_arena *arena, const char *display, const st_loc *from,
                                 const char *written, const chain *up, int depth, st_node **out)
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
            snprintf(path + l, sizeof path - l, "%s -> ", order[i]->display);
        }
        size_t l = strlen(path);
        snprintf(path + l, sizeof path - l, "%s", display);
        return st_error(ctx, STEPPE_ERR_STYLE_CYCLE, "%s:%d:%d: extends '%s' forms a cycle: %s", from->file,
                        from->line, from->col, written, path);
    }
    if (depth >= MAX_EXTENDS)
        return st_error(ctx, STEPPE_ERR_STYLE_VALUE, "%s:%d:%d: extends chain longer than %d files",
                        from->file, from->line, from->col, MAX_EXTENDS);

    char *text = NULL;
    size_t len = 0;
    steppe_status_t rc = slurp(ctx, arena, from, written, display, &text, &len);
    if (rc != STEPPE_OK)
        return rc;
    const char *file = st_arena_strdup(arena, display);
    const char *dir = path_dirname(arena, display);
    const char *realcopy = st_arena_strdup(arena, real);
    if (!file || !dir || !realcopy)
        return STEPPE_ERR_NOMEM;
    st_node *root = NULL;
    rc = st_style_parse(ctx, arena, text, len, file, dir, 1, 1, &root);
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
            const char *base_path = st_path_join(arena, dir, ext->text);
            if (!base_path)
                return STEPPE_ERR_NOMEM;
            chain me = {realcopy, file, up};
            st_node *base = NULL;
            rc = load_file(ctx, arena, base_path, &ext->loc, ext->text, &me, depth + 1, &base);
            if (rc != STEPPE_OK)
                return rc;
            root = merge(base, root);
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

static steppe_status_t apply_override(steppe_ctx_t *ctx, st_arena *arena, st_node *root, const char *ov)
{
    const char *file = st_arena_printf(arena, "--set %s", ov);
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
            return st_error(ctx, STEPPE_ERR_USAGE, "%s:1:%d: empty key in '%.*s'", file, (int)(p - ov) + 1,
                            (int)(eq - ov), ov);
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
    steppe_status_t rc = st_style_parse(ctx, arena, value_text, strlen(value_text), file, ".", 1,
                                        (int)(value_text - ov) + 1, &value);
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
                                "%s:1:%d: '%.*s' is a list of %zu; use an index from 0 to %zu, got '%s'",
                                file, cols[i], cols[i] - 2, ov, cur->n, cur->n ? cur->n - 1 : 0, segs[i]);
            child = cur->head;
            for (size_t k = 0; k < idx; k++)
                child = child->next;
        } else if (cur->kind == ST_NODE_MAP) {
            child = st_node_get(cur, segs[i]);
        } else {
            return st_error(ctx, STEPPE_ERR_STYLE_TYPE,
                            "%s:1:%d: '%.*s' is a value (%s), not a mapping; cannot set '%s'", file, cols[i],
                            cols[i] - 2, ov, st_node_describe(arena, cur), segs[i]);
        }
        if (last) {
            value->key = segs[i];
            value->key_loc = kloc;
            if (!child) {
                append_child(cur, value);
            } else {
                st_node *m = merge(child, value);
                if (m != child) {
                    m->key = child->key;
                    m->key_loc = cur->kind == ST_NODE_MAP ? kloc : child->key_loc;
                    replace_child(cur, child, m);
                } else {
                    child->key_loc = kloc;
                }
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
    steppe_status_t rc = load_file(ctx, arena, path, NULL, path, NULL, 0, &root);
    for (size_t i = 0; rc == STEPPE_OK && i < n; i++)
        rc = apply_override(ctx, arena, root, overrides[i]);
    if (rc == STEPPE_OK)
        *out = root;
    return rc;
}
