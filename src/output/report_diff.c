/* The semantic diff of two render reports (--report JSON): what changed in
 * words, for a reviewer who would otherwise see only red pixels. JSON is a
 * subset of the YAML the style reader parses, so the reports are read into
 * its located node tree (st_style_parse) and compared key by key: canvas,
 * features per layer, thematic breaks and class counts, labels added,
 * dropped or moved, measurements, the layout's frame and left-out legend
 * entries. */
#include <steppe/diff.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arena.h"
#include "ctx.h"
#include "style.h"

#define MAX_REPORT_BYTES (256u << 20)

typedef struct rd {
    FILE *out;
    size_t changes;
    double moved_px;
} rd;

static void change(rd *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void change(rd *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(d->out, fmt, ap);
    va_end(ap);
    fputc('\n', d->out);
    d->changes++;
}

static steppe_status_t load(steppe_ctx_t *ctx, st_arena *arena, const char *path, st_node **out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return st_error(ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) ||
        (unsigned long long)sb.st_size > MAX_REPORT_BYTES) {
        fclose(f);
        return st_error(ctx, STEPPE_ERR_DATA_OPEN, "%s: not a regular file of at most 256 MiB", path);
    }
    size_t n = (size_t)sb.st_size;
    char *text = st_arena_alloc(arena, n + 1);
    if (!text) {
        fclose(f);
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    }
    size_t got = fread(text, 1, n, f);
    fclose(f);
    if (got != n)
        return st_error(ctx, STEPPE_ERR_DATA_OPEN, "%s: cannot read", path);
    text[n] = '\0';
    steppe_status_t st = st_style_parse(ctx, arena, text, n, path, ".", 1, 1, out);
    if (st != STEPPE_OK)
        return STEPPE_ERR_DATA_CORRUPT; /* the parser's FILE:LINE:COL message stands */
    if ((*out)->kind != ST_NODE_MAP || !st_node_get(*out, "layers") || !st_node_get(*out, "labels"))
        return st_error(ctx, STEPPE_ERR_DATA_CORRUPT, "%s: not a steppe render report (no layers and labels)",
                        path);
    return STEPPE_OK;
}

static const char *text_of(const st_node *map, const char *key)
{
    const st_node *n = st_node_get(map, key);
    return n && n->kind == ST_NODE_SCALAR ? n->text : NULL;
}

static double num_of(const st_node *map, const char *key)
{
    const char *t = text_of(map, key);
    char *end = NULL;
    double v = t ? strtod(t, &end) : NAN;
    return t && end != t ? v : NAN;
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The item of list whose key field is value, or NULL. */
static const st_node *find_by(const st_node *list, const char *key, const char *value)
{
    for (const st_node *n = list ? list->head : NULL; n; n = n->next) {
        if (same_text(text_of(n, key), value))
            return n;
    }
    return NULL;
}

static void scalars_joined(const st_node *list, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (const st_node *n = list ? list->head : NULL; n && o + 1 < size; n = n->next)
        o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "",
                              n->kind == ST_NODE_SCALAR ? n->text : "?");
}

static void diff_thematic(rd *d, const char *layer, const st_node *ta, const st_node *tb)
{
    if (!ta && !tb)
        return;
    if (!ta || !tb) {
        change(d, "layer '%s': %s", layer, ta ? "no longer thematic" : "now thematic");
        return;
    }
    char ba[512], bb[512];
    scalars_joined(st_node_get(ta, "breaks"), ba, sizeof ba);
    scalars_joined(st_node_get(tb, "breaks"), bb, sizeof bb);
    if (strcmp(ba, bb) != 0)
        change(d, "layer '%s': class breaks [%s] -> [%s]", layer, ba, bb);
    const st_node *ea = st_node_get(ta, "entries"), *eb = st_node_get(tb, "entries");
    for (const st_node *e = ea ? ea->head : NULL; e; e = e->next) {
        const char *label = text_of(e, "label");
        const st_node *o = find_by(eb, "label", label);
        if (!o) {
            change(d, "layer '%s': class '%s' removed (%s features)", layer, label ? label : "",
                   text_of(e, "count"));
            continue;
        }
        if (!same_text(text_of(e, "count"), text_of(o, "count")))
            change(d, "layer '%s': class '%s' has %s features, was %s", layer, label ? label : "",
                   text_of(o, "count"), text_of(e, "count"));
        if (!same_text(text_of(e, "rgb"), text_of(o, "rgb")))
            change(d, "layer '%s': class '%s' colour %s -> %s", layer, label ? label : "", text_of(e, "rgb"),
                   text_of(o, "rgb"));
    }
    for (const st_node *e = eb ? eb->head : NULL; e; e = e->next) {
        if (!find_by(ea, "label", text_of(e, "label")))
            change(d, "layer '%s': class '%s' added (%s features)", layer, text_of(e, "label"),
                   text_of(e, "count"));
    }
    if (!same_text(text_of(ta, "nodata"), text_of(tb, "nodata")))
        change(d, "layer '%s': %s features without data, was %s", layer, text_of(tb, "nodata"),
               text_of(ta, "nodata"));
}

static void diff_layers(rd *d, const st_node *la, const st_node *lb)
{
    for (const st_node *a = la ? la->head : NULL; a; a = a->next) {
        const char *name = text_of(a, "name");
        const st_node *b = find_by(lb, "name", name);
        if (!b) {
            change(d, "layer '%s' removed", name ? name : "");
            continue;
        }
        if (!same_text(text_of(a, "features"), text_of(b, "features")))
            change(d, "layer '%s': %s features drawn, was %s", name, text_of(b, "features"),
                   text_of(a, "features"));
        diff_thematic(d, name, st_node_get(a, "thematic"), st_node_get(b, "thematic"));
    }
    for (const st_node *b = lb ? lb->head : NULL; b; b = b->next) {
        if (!find_by(la, "name", text_of(b, "name")))
            change(d, "layer '%s' added (%s features)", text_of(b, "name"), text_of(b, "features"));
    }
}

/* The label of list with layer and text (the first one not yet taken). */
static const st_node *find_label(const st_node *list, const char *layer, const char *text)
{
    for (const st_node *n = list ? list->head : NULL; n; n = n->next) {
        if (same_text(text_of(n, "layer"), layer) && same_text(text_of(n, "text"), text))
            return n;
    }
    return NULL;
}

static void diff_labels(rd *d, const st_node *ra, const st_node *rb)
{
    const st_node *la = st_node_get(ra, "labels"), *lb = st_node_get(rb, "labels");
    for (const st_node *a = la ? la->head : NULL; a; a = a->next) {
        const char *layer = text_of(a, "layer"), *text = text_of(a, "text");
        const st_node *b = find_label(lb, layer, text);
        if (!b) {
            bool dropped = find_label(st_node_get(rb, "dropped_labels"), layer, text) != NULL;
            change(d, "label %s: '%s' (layer %s)", dropped ? "dropped for lack of room" : "removed",
                   text ? text : "", layer ? layer : "");
            continue;
        }
        double ax = num_of(a, "x") + num_of(a, "width") / 2, ay = num_of(a, "y") + num_of(a, "height") / 2;
        double bx = num_of(b, "x") + num_of(b, "width") / 2, by = num_of(b, "y") + num_of(b, "height") / 2;
        double dist = hypot(bx - ax, by - ay);
        if (dist > d->moved_px)
            change(d, "label moved %.0f px: '%s' (layer %s), from %.0f,%.0f to %.0f,%.0f", dist,
                   text ? text : "", layer ? layer : "", ax, ay, bx, by);
    }
    for (const st_node *b = lb ? lb->head : NULL; b; b = b->next) {
        const char *layer = text_of(b, "layer"), *text = text_of(b, "text");
        if (!find_label(la, layer, text))
            change(d, "label added: '%s' (layer %s)", text ? text : "", layer ? layer : "");
    }
}

static void diff_measurements(rd *d, const st_node *ma, const st_node *mb)
{
    for (const st_node *a = ma ? ma->head : NULL; a; a = a->next) {
        const st_node *b = st_node_get(mb, a->key);
        if (!b) {
            change(d, "measurement '%s' removed (was %s km)", a->key, text_of(a, "km"));
            continue;
        }
        double ka = num_of(a, "km"), kb = num_of(b, "km");
        if (fabs(ka - kb) >= 0.05)
            change(d, "measurement '%s': %.1f km, was %.1f km (%+.1f km)", a->key, kb, ka, kb - ka);
    }
    for (const st_node *b = mb ? mb->head : NULL; b; b = b->next) {
        if (!st_node_get(ma, b->key))
            change(d, "measurement '%s' added: %s km", b->key, text_of(b, "km"));
    }
}

static void diff_layout(rd *d, const st_node *ra, const st_node *rb)
{
    if (!same_text(text_of(ra, "width"), text_of(rb, "width")) ||
        !same_text(text_of(ra, "height"), text_of(rb, "height")))
        change(d, "canvas %s x %s px, was %s x %s px", text_of(rb, "width"), text_of(rb, "height"),
               text_of(ra, "width"), text_of(ra, "height"));
    const st_node *a = st_node_get(ra, "layout"), *b = st_node_get(rb, "layout");
    if (!a || !b)
        return;
    if (!same_text(text_of(a, "mode"), text_of(b, "mode")))
        change(d, "layout %s, was %s", text_of(b, "mode"), text_of(a, "mode"));
    char la[512], lb[512];
    scalars_joined(st_node_get(a, "legend_left_out"), la, sizeof la);
    scalars_joined(st_node_get(b, "legend_left_out"), lb, sizeof lb);
    if (strcmp(la, lb) != 0)
        change(d, "legend entries left out: [%s], was [%s]", lb, la);
}

steppe_status_t steppe_report_diff(steppe_ctx_t *ctx, const char *a, const char *b, double moved_px,
                                   char **text, size_t *changes)
{
    *text = NULL;
    *changes = 0;
    st_arena *arena = st_arena_create(0);
    if (!arena)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    st_node *ra = NULL, *rb = NULL;
    steppe_status_t st = load(ctx, arena, a, &ra);
    if (st == STEPPE_OK)
        st = load(ctx, arena, b, &rb);
    size_t len = 0;
    rd d = {NULL, 0, moved_px};
    if (st == STEPPE_OK) {
        d.out = open_memstream(text, &len);
        if (!d.out)
            st = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    }
    if (st == STEPPE_OK) {
        diff_layout(&d, ra, rb);
        diff_layers(&d, st_node_get(ra, "layers"), st_node_get(rb, "layers"));
        diff_labels(&d, ra, rb);
        diff_measurements(&d, st_node_get(ra, "measurements"), st_node_get(rb, "measurements"));
        if (fclose(d.out) != 0)
            st = st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
        *changes = d.changes;
    }
    st_arena_destroy(arena);
    return st;
}
