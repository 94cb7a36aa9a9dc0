/* Map furniture: title block, legend, notes, scale bar, graticule,
 * attribution and inset locator.
 *
 * Layout happens once per render, in output pixels; every size is given in
 * points and multiplied by the view's pixels per point, so a 300 dpi output
 * is a sharper copy of the 96 dpi one. Pieces sit in the four corners, a
 * margin of 10 px (at 96 dpi) from the edges; pieces sharing a corner stack
 * away from it (downwards from a top corner, upwards from a bottom one) in
 * the order attribution, title, scale bar, inset, legend, notes. With a
 * subject, each piece takes the corner or edge middle covering least of
 * it; outside the frame, the pieces flow below it (the legend beside it
 * when that leaves the map larger). A piece
 * that would overlap another or leave the canvas is left out with a
 * warning. Every piece's box becomes an obstacle for the labels. */
#include "furniture.h"
#include "grow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "source.h"
#include "text.h"
#include "thematic.h"

#define MAX_PIECES 16
#define GRATICULE_DENSIFY_DEG 0.5
#define INSET_OUTLINE_SAMPLES 64
#define FRAME_OUTLINE_SAMPLES 32

typedef struct legend_entry {
    const char *label; /* the text as written, for warnings */
    const st_symbol *sym;
    st_geom_type type;
    st_text *text;
    int order;
    size_t layer, sub;
    double x, y; /* top-left, relative to the panel */
    double row_h;
    /* In a horizontal legend: a class's swatch spans cell_w, its text
     * centred below it. */
    bool below;
    double cell_w;
    /* Thematic layers (issue 11): a class's own symbol (sym is then
     * NULL), a layer's heading without swatch, or the nested circles of
     * proportional symbols (their labels in circle_text). */
    bool owned;
    st_symbol own;
    bool heading;
    const st_thematic_result *circles;
    st_text *circle_text[3];
} legend_entry;

typedef struct grat_label {
    st_text *text;
    double x, y; /* top-left of the logical box */
} grat_label;

struct st_furniture {
    double margin, gap, pad; /* px */
    bool outside;            /* map.layout outside: pieces around the frame, no panels */
    double need[4];          /* outside: the frame's distance from each canvas edge the pieces need */
    const char **left_out;   /* legend entries left out for lack of room */
    size_t nleft_out;
    double wrap_w;        /* outside: the width texts wrap to */
    double legend_budget; /* outside: the legend's largest height, px */
    /* The subject (map.subject, else the fit layer): boxes of its markers,
     * their labels (estimated: they are placed after the furniture) and
     * the vertices of its lines and outlines, px; and their union. */
    st_box *items;
    size_t nitems;
    bool has_subject;
    st_box subject_box;
    double covered;                /* subject items under furniture boxes, summed over pieces */
    double flow_x, flow_y, flow_h; /* outside: the row being filled below the frame */

    /* Texts created here, destroyed by st_furniture_free(). */
    st_text **texts;
    size_t ntexts, cap_texts;

    st_box placed[MAX_PIECES];
    size_t nplaced;
    double cursor[4]; /* per corner: next free y */

    bool has_title;
    st_box title_box;
    st_text *title, *subtitle;

    bool has_legend;
    st_box legend_box;
    st_text *legend_title;
    legend_entry *entries;
    size_t nentries;
    double swatch_w, swatch_h, swatch_gap;

    bool has_notes;
    st_box notes_box;
    st_text *notes;

    bool has_scalebar;
    st_box scalebar_box;
    double bar_km, bar_px, bar_x, bar_y, bar_h;
    int bar_segments;
    st_text *bar_zero, *bar_end;

    bool has_attribution;
    st_box attribution_box;
    st_text *attribution;
    double attribution_halo;

    bool has_graticule;
    st_feature graticule; /* pixel polylines */
    grat_label *grat_labels;
    size_t ngrat_labels;
    double grat_halo;

    bool has_inset;
    st_box inset_box;
    st_view inset_view;
    const st_layer *inset_layer;
    st_featureset inset_fs;
    st_feature inset_frame;
    bool has_inset_frame;
};

/* ---- helpers ------------------------------------------------------------ */

static steppe_status_t nomem(st_scene *r)
{
    return st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory laying out the map furniture");
}

static double pt(const st_scene *r, double v)
{
    return v * r->view.px_per_pt;
}

/* A zeroed colour means "not set": black. */
static st_rgba text_color(st_rgba c)
{
    if (c.a == 0 && c.r == 0 && c.g == 0 && c.b == 0)
        c.a = 1;
    return c;
}

/* The font of a panel's text: the style's, else the map's font at
 * default_size; weight_override (when not 0) for bold headings. */
static st_font font_of(const st_map *m, const st_text_style *ts, double default_size, int weight_override)
{
    return (st_font){
        .family = ts->font ? ts->font : m->font,
        .size = ts->size > 0 ? ts->size : default_size,
        .weight = weight_override ? weight_override : ts->weight,
        .italic = ts->italic,
    };
}

size_t st_furniture_fonts(const st_map *m, st_font *out, size_t max)
{
    size_t n = 0;
#define ADD(ts, size, weight)                                                                                \
    do {                                                                                                     \
        if (n < max)                                                                                         \
            out[n++] = font_of(m, ts, size, weight);                                                         \
    } while (0)
    if (m->attribution)
        ADD(&m->attribution_style, 7, 0);
    if (m->title && *m->title) {
        ADD(&m->title_style, 16, 0);
        if (m->subtitle)
            ADD(&m->subtitle_style, 10, 0);
    }
    if (m->legend) {
        ADD(&m->legend_style, 9, 0);
        if (m->legend_title)
            ADD(&m->legend_style, 9, 700);
    }
    if (m->scalebar)
        ADD(&m->legend_style, 8, 0);
    if (m->graticule && m->graticule_labels)
        ADD(&m->graticule_style, 7, 0);
#undef ADD
    return n;
}

static st_text *make_text(st_scene *r, const st_text_style *ts, double default_size, int weight_override,
                          const char *utf8)
{
    struct st_furniture *fu = r->furniture;
    if (fu->ntexts == fu->cap_texts) {
        size_t cap = fu->cap_texts ? 2 * fu->cap_texts : 32;
        st_text **nt = realloc(fu->texts, cap * sizeof *nt);
        if (!nt) {
            nomem(r);
            return NULL;
        }
        fu->texts = nt;
        fu->cap_texts = cap;
    }
    st_font font = font_of(r->map, ts, default_size, weight_override);
    st_text *t = st_text_create(r->ctx, &r->view, utf8, &font);
    if (t)
        fu->texts[fu->ntexts++] = t;
    return t;
}

static double text_w(const st_text *t)
{
    double w = 0;
    if (t)
        st_text_size(t, &w, NULL);
    return w;
}

static double text_h(const st_text *t)
{
    double h = 0;
    if (t)
        st_text_size(t, NULL, &h);
    return h;
}

static bool overlap(st_box a, st_box b)
{
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

static bool inside_canvas(const st_scene *r, st_box b)
{
    return b.x0 >= 0 && b.y0 >= 0 && b.x1 <= r->view.width_px && b.y1 <= r->view.height_px;
}

static bool is_top(st_corner c)
{
    return c == ST_CORNER_TOP_LEFT || c == ST_CORNER_TOP_RIGHT;
}

static bool is_left(st_corner c)
{
    return c == ST_CORNER_TOP_LEFT || c == ST_CORNER_BOTTOM_LEFT;
}

static bool free_of_pieces(const struct st_furniture *fu, st_box b)
{
    for (size_t i = 0; i < fu->nplaced; i++) {
        if (overlap(b, fu->placed[i]))
            return false;
    }
    return true;
}

/* Finds room for a w×h piece in corner c, stacking it on what is there.
 * Returns false (with a warning naming what) when it does not fit. */
static bool place_outside(st_scene *r, double w, double h, const char *what, st_box *out);
static double cover(const struct st_furniture *fu, st_box b);

/* A place for a piece: a corner's next free place (stacking on what is
 * there), or the middle of an edge (corner -1), which stacks nothing. */
typedef struct spot {
    st_box b;
    int corner;
} spot;

static spot corner_spot(const st_scene *r, st_corner c, double w, double h)
{
    const struct st_furniture *fu = r->furniture;
    double x = is_left(c) ? fu->margin : r->view.width_px - fu->margin - w;
    double y = is_top(c) ? fu->cursor[c] : fu->cursor[c] - h;
    return (spot){{x, y, x + w, y + h}, (int)c};
}

/* The places a w×h piece may take when furniture keeps off the subject:
 * the style's corner, the other corners, then the middles of the top,
 * bottom, left and right edges. Returns how many (8). */
static size_t spots(const st_scene *r, st_corner c, double w, double h, spot out[8])
{
    const struct st_furniture *fu = r->furniture;
    static const st_corner all[4] = {ST_CORNER_TOP_LEFT, ST_CORNER_TOP_RIGHT, ST_CORNER_BOTTOM_LEFT,
                                     ST_CORNER_BOTTOM_RIGHT};
    double W = r->view.width_px, H = r->view.height_px, m = fu->margin;
    size_t n = 0;
    out[n++] = corner_spot(r, c, w, h);
    for (int i = 0; i < 4; i++) {
        if (all[i] != c)
            out[n++] = corner_spot(r, all[i], w, h);
    }
    const double mid[4][2] = {
        {(W - w) / 2, m}, {(W - w) / 2, H - m - h}, {m, (H - h) / 2}, {W - m - w, (H - h) / 2}};
    for (int i = 0; i < 4; i++)
        out[n++] = (spot){{mid[i][0], mid[i][1], mid[i][0] + w, mid[i][1] + h}, -1};
    return n;
}

static bool place_in_corner(st_scene *r, st_corner c, double w, double h, const char *what, st_box *out)
{
    struct st_furniture *fu = r->furniture;
    if (fu->outside)
        return place_outside(r, w, h, what, out);
    spot pick = corner_spot(r, c, w, h);
    if (fu->nitems > 0 || (r->map->nsubject > 0 || r->map->layout == ST_LAYOUT_AUTO)) {
        /* With a subject: the free place covering least of it, the
         * style's corner first among equals, the corners before the
         * edges (matplotlib's loc="best", judged on the subject alone). */
        spot cand[8];
        size_t n = spots(r, c, w, h, cand);
        double best = HUGE_VAL;
        for (size_t i = 0; i < n; i++) {
            if (!inside_canvas(r, cand[i].b) || !free_of_pieces(fu, cand[i].b))
                continue;
            double k = cover(fu, cand[i].b);
            if (k < best) {
                best = k;
                pick = cand[i];
            }
        }
        if (isfinite(best))
            fu->covered += best;
    }
    st_box b = pick.b;
    if (!inside_canvas(r, b) || fu->nplaced == MAX_PIECES || !free_of_pieces(fu, b)) {
        st_warn(r->ctx, "%s: the %s does not fit on the map (%.0fx%.0f px); left out",
                r->map->path ? r->map->path : "map", what, w, h);
        return false;
    }
    fu->placed[fu->nplaced++] = b;
    if (pick.corner >= 0)
        fu->cursor[pick.corner] = is_top((st_corner)pick.corner) ? b.y1 + fu->gap : b.y0 - fu->gap;
    *out = b;
    return true;
}

/* ---- number formatting --------------------------------------------------- */

/* The words and number format of a language (map.language). */
typedef struct lang_words {
    const char *thousands; /* separator */
    const char *km;
    const char *m;
    const char *east, *west, *north, *south;
} lang_words;

static const lang_words *words(st_language lang)
{
    /* Russian and Kazakh group digits with a no-break space (U+00A0) and
     * write hemispheres as abbreviations after the number. */
    static const lang_words table[] = {
        [ST_LANG_EN] = {",", "km", "m", "E", "W", "N", "S"},
        [ST_LANG_RU] = {"\u00a0", "км", "м", " в. д.", " з. д.", " с. ш.", " ю. ш."},
        [ST_LANG_KK] = {"\u00a0", "км", "м", " ш. б.", " б. б.", " с. е.", " о. е."},
    };
    return &table[lang <= ST_LANG_KK ? lang : ST_LANG_EN];
}

/* v rounded to an integer with thousands separators: 6846.2 → "6,846". */
static void format_thousands(double v, const char *sep, char *buf, size_t size)
{
    char digits[64];
    long long n = llround(fabs(v));
    snprintf(digits, sizeof digits, "%lld", n);
    size_t len = strlen(digits), o = 0;
    size_t seplen = strlen(sep);
    if (v < 0 && n != 0 && o + 1 < size)
        buf[o++] = '-';
    for (size_t i = 0; i < len && o + 1 < size; i++) {
        if (i > 0 && (len - i) % 3 == 0 && o + seplen + 1 < size) {
            memcpy(buf + o, sep, seplen);
            o += seplen;
        }
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

char *st_furniture_measure_text(st_arena *arena, const char *tmpl, double km, st_language lang)
{
    char exact[64], rounded[64];
    format_thousands(km, words(lang)->thousands, exact, sizeof exact);
    format_thousands(round(km / 100) * 100, words(lang)->thousands, rounded, sizeof rounded);
    size_t cap = strlen(tmpl) * 16 + 64;
    char *out = st_arena_alloc(arena, cap);
    if (!out)
        return NULL;
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 1 < cap;) {
        const char *rep = NULL;
        size_t skip = 0;
        if (strncmp(p, "{km}", 4) == 0) {
            rep = exact;
            skip = 4;
        } else if (strncmp(p, "{km_round}", 10) == 0) {
            rep = rounded;
            skip = 10;
        }
        if (rep) {
            size_t n = strlen(rep);
            if (o + n + 1 >= cap)
                break;
            memcpy(out + o, rep, n);
            o += n;
            p += skip;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    return out;
}

/* ---- the subject -------------------------------------------------------------- */

static bool is_subject(const st_map *m, const st_layer *L)
{
    if (m->nsubject == 0)
        return m->extent_kind == ST_EXTENT_FIT && m->fit_layer && strcmp(m->fit_layer, L->name) == 0;
    for (size_t i = 0; i < m->nsubject; i++) {
        if (strcmp(m->subject[i], L->name) == 0)
            return true;
    }
    return false;
}

static bool add_item(st_scene *r, size_t *cap, st_box b)
{
    struct st_furniture *fu = r->furniture;
    if (fu->nitems == *cap) {
        size_t nc = *cap ? 2 * *cap : 256;
        st_box *grown = st_arena_alloc(r->arena, nc * sizeof *grown);
        if (!grown)
            return false;
        if (fu->nitems)
            memcpy(grown, fu->items, fu->nitems * sizeof *grown);
        fu->items = grown;
        *cap = nc;
    }
    fu->items[fu->nitems++] = b;
    if (!fu->has_subject) {
        fu->subject_box = b;
        fu->has_subject = true;
    } else {
        fu->subject_box.x0 = fmin(fu->subject_box.x0, b.x0);
        fu->subject_box.y0 = fmin(fu->subject_box.y0, b.y0);
        fu->subject_box.x1 = fmax(fu->subject_box.x1, b.x1);
        fu->subject_box.y1 = fmax(fu->subject_box.y1, b.y1);
    }
    return true;
}

/* The subject's items within the frame. A point's label is not placed yet:
 * its box is estimated to the right of the marker, 0.6 em a character. */
static steppe_status_t subject_items(st_scene *r)
{
    const st_map *m = r->map;
    st_box fb = st_scene_frame(&r->view);
    const double fr[4] = {fb.x0, fb.y0, fb.x1, fb.y1};
    size_t cap = 0;
    for (size_t i = 0; i < r->nlayers; i++) {
        const st_layer_data *ld = &r->layers[i];
        const st_layer *L = ld->layer;
        if (!L || !L->visible || !is_subject(m, L))
            continue;
        for (size_t k = 0; k < ld->fs.n; k++) {
            const st_feature *f = &ld->fs.feat[k];
            const st_symbol *sym = f->cls >= 0 ? &L->classes[f->cls].sym : &L->sym;
            const st_label *lab = f->cls >= 0 ? &L->classes[f->cls].label : &L->label;
            bool point = ld->fs.type == ST_GEOM_POINT;
            double rad = point ? (sym->size * 0.6 + sym->width) * r->view.px_per_pt : pt(r, 1);
            const char *text = point && lab->enabled && lab->text && *lab->text
                                   ? st_feature_format(r->arena, lab->text, &ld->fs, f)
                                   : NULL;
            for (uint32_t p = 0; p < f->npoints; p++) {
                double x = f->xy[2 * p], y = f->xy[2 * p + 1];
                if (!(x >= fr[0] && x <= fr[2] && y >= fr[1] && y <= fr[3]))
                    continue;
                if (!add_item(r, &cap, (st_box){x - rad, y - rad, x + rad, y + rad}))
                    return nomem(r);
                if (text && *text) {
                    double size = pt(r, lab->size > 0 ? lab->size : 8);
                    double w = 0.6 * size * (double)strlen(text);
                    double gap = rad + pt(r, lab->offset);
                    if (!add_item(r, &cap, (st_box){x + gap, y - size * 0.7, x + gap + w, y + size * 0.7}))
                        return nomem(r);
                }
            }
        }
    }
    return STEPPE_OK;
}

/* How many subject items b covers. */
static double cover(const struct st_furniture *fu, st_box b)
{
    double n = 0;
    for (size_t i = 0; i < fu->nitems; i++)
        n += overlap(b, fu->items[i]);
    return n;
}

/* ---- outside the frame ---------------------------------------------------- */

/* text with line breaks between words so that no line is wider than max_w
 * px (a longer word keeps a line of its own). Arena storage; text itself
 * when it fits; NULL when out of memory. */
static const char *wrap_to(st_scene *r, const st_text_style *ts, double size, int weight, const char *text,
                           double max_w)
{
    st_text *t = make_text(r, ts, size, weight, text);
    if (!t)
        return NULL;
    if (!(max_w > 0) || text_w(t) <= max_w)
        return text;
    size_t n = strlen(text);
    char *out = st_arena_alloc(r->arena, n + 1);
    char *line = st_arena_alloc(r->arena, n + 1);
    if (!out || !line)
        return NULL;
    size_t o = 0, ls = 0;
    const char *p = text;
    while (*p) {
        if (*p == '\n') {
            out[o++] = '\n';
            ls = o;
            p++;
            continue;
        }
        const char *q = p;
        while (*q == ' ')
            q++;
        while (*q && *q != ' ' && *q != '\n')
            q++;
        size_t have = o - ls, add = (size_t)(q - p);
        memcpy(line, out + ls, have);
        memcpy(line + have, p, add);
        line[have + add] = '\0';
        st_text *lt = make_text(r, ts, size, weight, line);
        if (!lt)
            return NULL;
        if (have > 0 && text_w(lt) > max_w) {
            out[o++] = '\n';
            ls = o;
            while (*p == ' ')
                p++;
            continue;
        }
        memcpy(out + o, p, add);
        o += add;
        p = q;
    }
    out[o] = '\0';
    return out;
}

/* Outside the frame a text wraps to the frame's width; inside it is left
 * as written. */
static const char *wrap(st_scene *r, const st_text_style *ts, double size, int weight, const char *text)
{
    struct st_furniture *fu = r->furniture;
    if (!fu->outside || !text)
        return text;
    return wrap_to(r, ts, size, weight, text, fu->wrap_w - 2 * fu->pad);
}

/* The flow below the frame: pieces fill a row left to right (the
 * attribution flush right) and start a new row when the row is full; the
 * title block sits above the frame, flush with its left edge. */
static bool place_outside(st_scene *r, double w, double h, const char *what, st_box *out)
{
    struct st_furniture *fu = r->furniture;
    double left = fu->margin - fu->pad;
    double right = r->view.width_px - fu->margin + fu->pad;
    if (fu->nplaced == MAX_PIECES)
        return false;
    st_box b;
    if (strcmp(what, "title") == 0) {
        b = (st_box){left, fu->margin - fu->pad, left + w, fu->margin - fu->pad + h};
        fu->need[1] = fmax(fu->need[1], b.y1 + pt(r, 1));
    } else {
        bool own_row = strcmp(what, "legend") == 0 || strcmp(what, "notes") == 0;
        bool flush_right = strcmp(what, "attribution") == 0;
        if (fu->flow_x > left && (own_row || fu->flow_x + w > right)) {
            fu->flow_y += fu->flow_h;
            fu->flow_x = left;
            fu->flow_h = 0;
        }
        double x = flush_right ? fmax(fu->flow_x, right - w) : fu->flow_x;
        b = (st_box){x, fu->flow_y, x + w, fu->flow_y + h};
        fu->flow_x = own_row ? right : b.x1 + fu->gap;
        fu->flow_h = fmax(fu->flow_h, h);
        fu->need[3] = fmax(fu->need[3], b.y1 + fu->margin / 2 - r->view.frame[3]);
    }
    fu->placed[fu->nplaced++] = b;
    *out = b;
    return true;
}

/* Sets e's row height and returns its width: swatch and text, a heading's
 * text alone, or nested circles with their values. */
static double entry_size(st_scene *r, legend_entry *e)
{
    const struct st_furniture *fu = r->furniture;
    e->row_h = fmax(fu->swatch_h, text_h(e->text));
    if (e->circles) {
        double dmax = e->circles->refs[0].diameter * r->view.px_per_pt;
        double tw = 0;
        for (size_t k = 0; k < e->circles->nrefs; k++)
            tw = fmax(tw, text_w(e->circle_text[k]));
        e->row_h = fmax(dmax, text_h(e->circle_text[0])) + pt(r, 2);
        return dmax + pt(r, 6) + tw;
    }
    return e->heading ? text_w(e->text) : fu->swatch_w + fu->swatch_gap + text_w(e->text);
}

/* The legend in columns, each entry in one column top to bottom, columns
 * filled in turn: as many as the frame's width takes (max_h 0: below the
 * frame), or as few as keep it no taller than max_h (beside the frame). */
static void arrange_columns(st_scene *r, double max_h, double *w_out, double *h_out)
{
    struct st_furniture *fu = r->furniture;
    double max_w = fu->wrap_w - 2 * fu->pad;
    double colgap = pt(r, 12), rowgap = pt(r, 2.5);
    size_t n = fu->nentries;
    double y0 = fu->pad;
    if (fu->legend_title)
        y0 += text_h(fu->legend_title) + pt(r, 4);
    double *ew = st_arena_calloc(r->arena, n ? n : 1, sizeof *ew);
    if (!ew) {
        *w_out = *h_out = 0;
        return;
    }
    for (size_t i = 0; i < n; i++)
        ew[i] = entry_size(r, &fu->entries[i]);
    size_t most = n ? n : 1;
    for (size_t t = 0; t < most; t++) {
        size_t cols = max_h > 0 ? t + 1 : most - t;
        size_t rows = (n + cols - 1) / cols;
        double x = 0, h = 0, total = 0;
        for (size_t c = 0; c * rows < n; c++) {
            double cw = 0, y = y0;
            for (size_t k = c * rows; k < n && k < (c + 1) * rows; k++) {
                fu->entries[k].x = fu->pad + x;
                fu->entries[k].y = y;
                y += fu->entries[k].row_h + rowgap;
                cw = fmax(cw, ew[k]);
            }
            h = fmax(h, y - rowgap);
            total = x + cw;
            x += cw + colgap;
        }
        bool fits = max_h > 0 ? h + fu->pad <= max_h : total <= max_w;
        if (fits || t + 1 == most) {
            *w_out = fmax(total, fu->legend_title ? text_w(fu->legend_title) : 0) + 2 * fu->pad;
            *h_out = h + fu->pad;
            return;
        }
    }
}

/* ---- pieces -------------------------------------------------------------- */

/* Whether a piece other than the attribution goes in corner c. */
static bool corner_used(const st_map *m, st_corner c)
{
    return m->title_corner == c || (m->legend && m->legend_corner == c) ||
           (m->scalebar && m->scalebar_corner == c) || (m->inset && m->inset_corner == c) ||
           m->notes_corner == c;
}

static steppe_status_t layout_attribution(st_scene *r)
{
    struct st_furniture *fu = r->furniture;
    const st_map *m = r->map;
    if (!m->attribution || !*m->attribution)
        return STEPPE_OK;
    const char *text = m->attribution;
    if (fu->outside) {
        /* Beside the scale bar when at least half the width is left
         * there, else on a row of its own. */
        double right = r->view.width_px - fu->margin;
        double room = right - fu->flow_x - pt(r, 3);
        if (room < 0.5 * (fu->wrap_w - 2 * fu->pad))
            room = fu->wrap_w - 2 * fu->pad;
        text = wrap_to(r, &m->attribution_style, 7, 0, text, room);
    }
    fu->attribution = make_text(r, &m->attribution_style, 7, 0, text);
    if (!fu->attribution)
        return STEPPE_ERR_NOMEM;
    fu->attribution_halo = pt(r, 1.5);
    double w = text_w(fu->attribution) + 2 * fu->attribution_halo;
    double h = text_h(fu->attribution) + 2 * fu->attribution_halo;

    /* Bottom right unless only bottom left is free of other pieces. */
    bool right_used = corner_used(m, ST_CORNER_BOTTOM_RIGHT);
    bool left_used = corner_used(m, ST_CORNER_BOTTOM_LEFT);
    st_corner c = right_used && !left_used ? ST_CORNER_BOTTOM_LEFT : ST_CORNER_BOTTOM_RIGHT;
    /* The attribution hugs the bottom edge more closely than panels do. */
    double keep = fu->cursor[c];
    double hug = r->view.height_px - fu->margin / 2;
    fu->cursor[c] = hug;
    st_box b;
    bool placed = place_in_corner(r, c, w, h, "attribution", &b);
    if (fu->cursor[c] == hug)
        fu->cursor[c] = keep; /* left out, or placed in another corner or an edge's middle */
    if (!placed)
        return STEPPE_OK;
    fu->attribution_box = b;
    fu->has_attribution = true;
    /* A long line also raises the other bottom corner. */
    st_corner other = c == ST_CORNER_BOTTOM_RIGHT ? ST_CORNER_BOTTOM_LEFT : ST_CORNER_BOTTOM_RIGHT;
    if (w > (r->view.width_px - 2 * fu->margin) / 2)
        fu->cursor[other] = fmin(fu->cursor[other], fu->cursor[c]);
    return STEPPE_OK;
}

static steppe_status_t layout_title(st_scene *r)
{
    struct st_furniture *fu = r->furniture;
    const st_map *m = r->map;
    if (!m->title || !*m->title)
        return STEPPE_OK;
    fu->title = make_text(r, &m->title_style, 16, 0, wrap(r, &m->title_style, 16, 0, m->title));
    if (!fu->title)
        return STEPPE_ERR_NOMEM;
    if (m->subtitle && *m->subtitle) {
        fu->subtitle =
            make_text(r, &m->subtitle_style, 10, 0, wrap(r, &m->subtitle_style, 10, 0, m->subtitle));
        if (!fu->subtitle)
            return STEPPE_ERR_NOMEM;
    }
    double w = fmax(text_w(fu->title), text_w(fu->subtitle)) + 2 * fu->pad;
    double h = text_h(fu->title) + (fu->subtitle ? pt(r, 2) + text_h(fu->subtitle) : 0) + 2 * fu->pad;
    fu->has_title = place_in_corner(r, m->title_corner, w, h, "title", &fu->title_box);
    return STEPPE_OK;
}

static st_geom_type legend_type(const st_layer_data *ld)
{
    if (ld->fs.type != ST_GEOM_NONE)
        return ld->fs.type;
    switch (ld->layer->kind) {
    case ST_LAYER_SHARED_BOUNDARY:
    case ST_LAYER_ROUTE: return ST_GEOM_LINE;
    case ST_LAYER_BORDER_REGIONS: return ST_GEOM_POLYGON;
    case ST_LAYER_CSV: return ST_GEOM_POINT;
    default: return ST_GEOM_POLYGON;
    }
}

static int cmp_entry(const void *a, const void *b)
{
    const legend_entry *x = a, *y = b;
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    if (x->layer != y->layer)
        return x->layer < y->layer ? -1 : 1;
    return x->sub < y->sub ? -1 : x->sub > y->sub;
}

/* ---- thematic legend entries ------------------------------------------------ */

static bool is_thematic(const st_layer_data *ld)
{
    return ld->thematic && ld->layer->visible;
}

/* Rows a thematic layer adds: one per class or category, the no-data row,
 * and the nested circles. */
static size_t thematic_rows(const st_layer_data *ld)
{
    if (!is_thematic(ld))
        return 0;
    const st_thematic_result *t = ld->thematic;
    return t->nentries + (t->nodata.count > 0) + (t->nrefs > 0);
}

static steppe_status_t thematic_entries(st_scene *r, size_t i, const st_layer_data *ld, legend_entry *out,
                                        size_t *n)
{
    const st_thematic_result *t = ld->thematic;
    const st_layer *L = ld->layer;
    const st_text_style *ts = &r->map->legend_style;
    for (size_t k = 0; k <= t->nentries; k++) {
        const st_thematic_entry *te = k < t->nentries ? &t->entries[k] : &t->nodata;
        if (k == t->nentries && te->count == 0)
            continue;
        legend_entry *e = &out[(*n)++];
        e->owned = true;
        e->own = L->sym;
        e->own.fill = te->fill;
        e->own.has_fill = true;
        e->own.marker = e->own.marker == ST_MARKER_NONE ? ST_MARKER_CIRCLE : e->own.marker;
        e->own.size = fmin(e->own.size, 10);
        e->own.opacity = 1;
        e->type = ld->fs.type == ST_GEOM_POINT ? ST_GEOM_POINT : ST_GEOM_POLYGON;
        e->order = L->legend_order;
        e->layer = i;
        e->sub = L->nclasses + 1 + k;
        e->text = make_text(r, ts, 9, 0, te->label ? te->label : "");
        if (!e->text)
            return STEPPE_ERR_NOMEM;
    }
    if (t->nrefs > 0) {
        legend_entry *e = &out[(*n)++];
        e->circles = t;
        e->order = L->legend_order;
        e->layer = i;
        e->sub = L->nclasses + 2 + t->nentries;
        e->text = make_text(r, ts, 9, 0, " ");
        for (size_t k = 0; k < t->nrefs; k++) {
            e->circle_text[k] = make_text(r, ts, 9, 0, t->refs[k].label ? t->refs[k].label : "");
            if (!e->circle_text[k])
                return STEPPE_ERR_NOMEM;
        }
        if (!e->text)
            return STEPPE_ERR_NOMEM;
    }
    return STEPPE_OK;
}

/* The nested circles: the largest first, all touching the bottom line,
 * each value written beside the top of its circle. */
static void draw_circles(st_scene *r, cairo_t *cr, const legend_entry *e, double x, double y, st_rgba c)
{
    const st_thematic_result *t = e->circles;
    double dmax = t->refs[0].diameter * r->view.px_per_pt;
    double cx = x + dmax / 2;
    double bottom = y + e->row_h;
    cairo_save(cr);
    for (size_t k = 0; k < t->nrefs; k++) {
        double d = t->refs[k].diameter * r->view.px_per_pt;
        cairo_new_path(cr);
        cairo_arc(cr, cx, bottom - d / 2, d / 2, 0, 2 * M_PI);
        st_set_color(cr, (st_rgba){0.87, 0.18, 0.15, 0.15}, 1.0);
        cairo_fill_preserve(cr);
        cairo_set_line_width(cr, fmax(1.0, 0.75 * r->view.px_per_pt));
        st_set_color(cr, c, 1.0);
        cairo_stroke(cr);
        double ty = bottom - d;
        cairo_move_to(cr, cx, ty);
        cairo_line_to(cr, x + dmax + pt(r, 4), ty);
        cairo_set_line_width(cr, fmax(1.0, 0.5 * r->view.px_per_pt));
        cairo_stroke(cr);
        const st_text *lt = e->circle_text[k];
        st_text_draw(cr, lt, x + dmax + pt(r, 6), ty - text_h(lt) / 2, c, (st_rgba){1, 1, 1, 1}, 0);
    }
    cairo_restore(cr);
}

/* Entries only for layers that drew something: with a subject or another
 * layout than the corners (a report figure), not on the classic map. */
static bool skip_layer(const st_scene *r, const st_layer_data *ld)
{
    const st_map *m = r->map;
    bool figure = m->layout != ST_LAYOUT_INSIDE || m->nsubject > 0;
    return figure && ld->drawn == 0 && !is_thematic(ld);
}

/* A class none of whose features is on the page, on a report figure. */
static bool skip_class(const st_scene *r, const st_layer_data *ld, size_t cls)
{
    const st_map *m = r->map;
    if (m->layout == ST_LAYOUT_INSIDE && m->nsubject == 0)
        return false;
    for (size_t i = 0; i < ld->fs.n; i++) {
        if (ld->fs.feat[i].cls == (int)cls)
            return false;
    }
    return true;
}

static steppe_status_t legend_entries(st_scene *r, double size_pt)
{
    struct st_furniture *fu = r->furniture;
    const st_map *m = r->map;
    st_text_style ts = m->legend_style;
    if (size_pt > 0)
        ts.size = size_pt;
    fu->nentries = 0;
    size_t n = 0;
    for (size_t i = 0; i < r->nlayers; i++) {
        const st_layer *L = r->layers[i].layer;
        if (!L->visible)
            continue;
        n += L->legend != NULL;
        for (size_t k = 0; k < L->nclasses; k++)
            n += L->classes[k].legend != NULL;
        n += thematic_rows(&r->layers[i]);
    }
    if (n == 0)
        return STEPPE_OK;
    fu->entries = st_arena_calloc(r->arena, n, sizeof *fu->entries);
    if (!fu->entries)
        return nomem(r);
    for (size_t i = 0; i < r->nlayers; i++) {
        const st_layer_data *ld = &r->layers[i];
        const st_layer *L = ld->layer;
        if (!L->visible || skip_layer(r, ld))
            continue;
        for (size_t k = 0; k <= L->nclasses; k++) {
            const char *text = k == 0 ? L->legend : L->classes[k - 1].legend;
            if (!text || (k > 0 && skip_class(r, ld, k - 1)))
                continue;
            /* A measured layer's entry may give its length: {km}, {km_round}. */
            if (ld->measured && strstr(text, "{km")) {
                text = st_furniture_measure_text(r->arena, text, ld->km, m->language);
                if (!text)
                    return nomem(r);
            }
            legend_entry *e = &fu->entries[fu->nentries++];
            e->label = text;
            e->sym = k == 0 ? &L->sym : &L->classes[k - 1].sym;
            e->type = legend_type(ld);
            e->order = L->legend_order;
            e->layer = i;
            e->sub = k;
            e->heading = k == 0 && is_thematic(ld);
            e->text = make_text(
                r, &ts, 9, e->heading ? 700 : 0,
                fu->outside ? wrap_to(r, &ts, 9, 0, text, fu->wrap_w - fu->swatch_w - fu->swatch_gap) : text);
            if (!e->text)
                return STEPPE_ERR_NOMEM;
        }
        steppe_status_t st =
            is_thematic(ld) ? thematic_entries(r, i, ld, fu->entries, &fu->nentries) : STEPPE_OK;
        if (st != STEPPE_OK)
            return st;
    }
    qsort(fu->entries, fu->nentries, sizeof *fu->entries, cmp_entry);
    return STEPPE_OK;
}

/* Outside the frame the legend takes the frame's width in columns. When
 * it is taller than its budget (fu->legend_budget) its type shrinks in
 * half points down to legend.min-size, then entries are left out from the
 * last, and a warning names them. */
static steppe_status_t layout_legend_outside(st_scene *r)
{
    struct st_furniture *fu = r->furniture;
    const st_map *m = r->map;
    double size = m->legend_style.size > 0 ? m->legend_style.size : 9;
    double min = m->legend_min_size > 0 ? fmin(m->legend_min_size, size) : size;
    double w = 0, h = 0;
    for (;;) {
        double k = size / 8;
        fu->swatch_w = pt(r, 20 * k);
        fu->swatch_h = pt(r, 10 * k);
        fu->swatch_gap = pt(r, 5 * k);
        steppe_status_t st = legend_entries(r, size);
        if (st != STEPPE_OK || fu->nentries == 0)
            return st;
        fu->legend_title = NULL;
        if (m->legend_title && *m->legend_title) {
            st_text_style ts = m->legend_style;
            ts.size = size;
            fu->legend_title = make_text(r, &ts, 9, 700, m->legend_title);
            if (!fu->legend_title)
                return STEPPE_ERR_NOMEM;
        }
        arrange_columns(r, 0, &w, &h);
        if (h <= fu->legend_budget || size - 0.5 < min - 1e-9)
            break;
        size -= 0.5;
    }
    size_t all = fu->nentries;
    while (h > fu->legend_budget && fu->nentries > 0) {
        fu->nentries--;
        arrange_columns(r, 0, &w, &h);
    }
    if (fu->nentries < all) {
        fu->left_out = st_arena_calloc(r->arena, all - fu->nentries, sizeof *fu->left_out);
        if (!fu->left_out)
            return nomem(r);
        char list[1024];
        size_t o = 0;
        list[0] = '\0';
        for (size_t i = fu->nentries; i < all; i++) {
            fu->left_out[fu->nleft_out++] = fu->entries[i].label;
            if (o < sizeof list)
                o += (size_t)snprintf(list + o, sizeof list - o, "%s'%s'", o ? ", " : "",
                                      fu->entries[i].label ? fu->entries[i].label : "(circles)");
        }
        st_warn(r->ctx,
                "%s: the legend does not fit below the map even at %g pt (legend.min-size); left out: %s",
                m->path ? m->path : "map", size, list);
    }
    if (fu->nentries == 0)
        return STEPPE_OK;
    fu->has_legend = place_in_corner(r, m->legend_corner, w, h, "legend", &fu->legend_box);
    return STEPPE_OK;
}

static steppe_status_t layout_legend(st_scene *r)
{
    struct st_furniture *fu = r->furniture;
    const st_map *m = r->map;
    if (!m->legend)
        return STEPPE_OK;
    if (fu->outside)
        return layout_legend_outside(r);
    steppe_status_t st = legend_entries(r, 0);
    if (st != STEPPE_OK || fu->nentries == 0)
        return st;

    fu->swatch_w = pt(r, 20);
    fu->swatch_h = pt(r, 11);
    fu->swatch_gap = pt(r, 6);
    double y = fu->pad, w = 0;
    if (m->legend_title && *m->legend_title) {
        fu->legend_title = make_text(r, &m->legend_style, 9, 700, m->legend_title);
        if (!fu->legend_title)
            return STEPPE_ERR_NOMEM;
        y += text_h(fu->legend_title) + pt(r, 4);
        w = text_w(fu->legend_title);
    }
    bool across = m->legend_direction == ST_LEGEND_HORIZONTAL;
    /* A row may fill the canvas less the margins and the panel's padding. */
    double row_max = r->view.width_px - 2 * fu->margin - 2 * fu->pad;
    double x = 0, row_h = 0;
    for (size_t i = 0; i < fu->nentries; i++) {
        legend_entry *e = &fu->entries[i];
        double ew = entry_size(r, e);
        if (!across) {
            e->x = fu->pad;
            e->y = y;
            y += e->row_h + pt(r, 3);
            w = fmax(w, ew);
            continue;
        }
        if (e->owned) {
            e->below = true;
            e->cell_w = fmax(fu->swatch_w, text_w(e->text));
            e->row_h = fu->swatch_h + pt(r, 2) + text_h(e->text);
            ew = e->cell_w;
        }
        /* A heading starts a row and ends it; any entry wider than what
         * is left of the row starts the next one. */
        bool wrap = x > 0 && (e->heading || x + ew > row_max || (i > 0 && e[-1].heading));
        if (wrap) {
            y += row_h + pt(r, 3);
            x = 0;
            row_h = 0;
        }
        e->x = fu->pad + x;
        e->y = y;
        x += ew + (e->below ? pt(r, 6) : pt(r, 10));
        row_h = fmax(row_h, e->row_h);
        w = fmax(w, x - (e->below ? pt(r, 6) : pt(r, 10)));
    }
    if (across)
        y += row_h + pt(r, 3);
    y += fu->pad - pt(r, 3);
    fu->has_legend = place_in_corner(r, m->legend_corner, w + 2 * fu->pad, y, "legend", &fu->legend_box);
    return STEPPE_OK;
}

static steppe_status_t layout_notes(st_scene *r)
{
    struct st_furniture *fu = r->furniture;
    const st_map *m = r->map;
    size_t cap = 1, len = 0;
    for (size_t i = 0; i < r->nlayers; i++) {
        const st_layer *L = r->layers[i].layer;
        if (L->measure_text && r->layers[i].measured)
            cap += strlen(L->measure_text) * 16 + 64;
    }
    if (cap == 1)
        return STEPPE_OK;
    char *all = st_arena_alloc(r->arena, cap);
    if (!all)
        return nomem(r);
    all[0] = '\0';
    for (size_t i = 0; i < r->nlayers; i++) {
        const st_layer *L = r->layers[i].layer;
        if (!L->measure_text || !r->layers[i].measured)
            continue;
        char *line = st_furniture_measure_text(r->arena, L->measure_text, r->layers[i].km, m->language);
        if (!line)
            return nomem(r);
        len += (size_t)snprintf(all + len, cap - len, "%s%s", len ? "\n" : "", line);
    }
    fu->notes = make_text(r, &m->legend_style, 9, 0, wrap(r, &m->legend_style, 9, 0, all));
    if (!fu->notes)
        return STEPPE_ERR_NOMEM;
    fu->has_notes = place_in_corner(r, m->notes_corner, text_w(fu->notes) + 2 * fu->pad,
                                    text_h(fu->notes) + 2 * fu->pad, "notes", &fu->notes_box);
    return STEPPE_OK;
}

/* Kilometres per pixel along the horizontal through the canvas centre,
 * from the geodesic between two points 10 px apart. 0 when the centre
 * cannot be inverse-projected. */
static double km_per_px_at_centre(const st_scene *r)
{
    const st_view *v = &r->view;
    const double d = 10;
    st_box f = st_scene_frame(v);
    double cx = (f.x0 + f.x1) / 2, cy = (f.y0 + f.y1) / 2;
    double xy[4] = {v->extent[0] + (cx - d / 2) / v->scale, v->extent[3] - cy / v->scale,
                    v->extent[0] + (cx + d / 2) / v->scale, v->extent[3] - cy / v->scale};
    if (!r->lonlat_to_map || st_proj_trans(r->lonlat_to_map, xy, 2, true) > 0)
        return 0;
    /* On a lon/lat map the segment lies along a parallel, whose length is
     * known in closed form; over 10 px it equals the geodesic's to a few
     * parts in a million, and a quick look of lon/lat data then never loads
     * libproj (8 ms of W4's start-up). */
    if (st_proj_is_wgs84_identity(r->lonlat_to_map))
        return st_parallel_km(xy[1], xy[2] - xy[0]) / d;
    return st_geod_polyline_km(xy, 2) / d;
}

static steppe_status_t layout_scalebar(st_scene *r)
{
    struct st_furniture *fu = r->furniture;
    const st_map *m = r->map;
    if (!m->scalebar)
        return STEPPE_OK;
    /* The scale is measured on PROJ's geodesics: libproj is needed even
     * when the map needs no transformation (no PROJ context either) —
     * except on a lon/lat map (km_per_px_at_centre). */
    if (!st_proj_is_wgs84_identity(r->lonlat_to_map)) {
        steppe_status_t st = st_ctx_load_proj(r->ctx);
        if (st != STEPPE_OK)
            return st;
    }
    double kpp = km_per_px_at_centre(r);
    if (!(kpp > 0) || !isfinite(kpp)) {
        st_warn(r->ctx, "%s: the map centre cannot be projected back to longitude/latitude; no scale bar",
                m->path ? m->path : "map");
        return STEPPE_OK;
    }
    double frac = m->scalebar_max_width > 0 ? m->scalebar_max_width : 0.25;
    double max_km = kpp * frac * r->view.width_px;
    /* The longest 1, 2 or 5 × 10^n km that fits. */
    double e = pow(10, floor(log10(max_km)));
    double mant = max_km / e >= 5 ? 5 : max_km / e >= 2 ? 2 : 1;
    fu->bar_km = mant * e;
    fu->bar_px = fu->bar_km / kpp;
    fu->bar_segments = mant == 5 ? 5 : 4;
    /* A bar shorter than a metre or longer than the equator measures a map
     * the projection has distorted beyond use at its centre (or a canvas of
     * a few pixels): a "1e-07 m" bar would mislead, so it is left out. */
    if (!(fu->bar_km >= 0.001 && fu->bar_km <= 40075 && isfinite(fu->bar_px) && fu->bar_px > 0)) {
        st_warn(r->ctx,
                "%s: the scale bar would measure %g km, which is not a sensible length for this "
                "map; no scale bar",
                m->path ? m->path : "map", fu->bar_km);
        fu->bar_km = 0;
        fu->bar_px = 0;
        return STEPPE_OK;
    }

    char label[64], num[48];
    if (fu->bar_km >= 1) {
        format_thousands(fu->bar_km, words(m->language)->thousands, num, sizeof num);
        snprintf(label, sizeof label, "%s\u00a0%s", num, words(m->language)->km);
    } else {
        snprintf(label, sizeof label, "%g\u00a0%s", fu->bar_km * 1000, words(m->language)->m);
    }
    fu->bar_zero = make_text(r, &m->legend_style, 8, 0, "0");
    fu->bar_end = make_text(r, &m->legend_style, 8, 0, label);
    if (!fu->bar_zero || !fu->bar_end)
        return STEPPE_ERR_NOMEM;
    fu->bar_h = pt(r, 4);
    double left = fmax(text_w(fu->bar_zero) / 2, 0);
    double right = text_w(fu->bar_end) / 2;
    double w = left + fu->bar_px + right + 2 * fu->pad;
    double h = text_h(fu->bar_end) + pt(r, 2) + fu->bar_h + 2 * fu->pad;
    fu->has_scalebar = place_in_corner(r, m->scalebar_corner, w, h, "scale bar", &fu->scalebar_box);
    if (fu->has_scalebar) {
        fu->bar_x = fu->scalebar_box.x0 + fu->pad + left;
        fu->bar_y = fu->scalebar_box.y1 - fu->pad - fu->bar_h;
    }
    return STEPPE_OK;
}

/* ---- graticule ---------------------------------------------------------- */

typedef struct polybuf {
    double *xy;
    size_t n, cap;
    uint32_t *parts;
    size_t nparts, cap_parts;
    bool open; /* the last part accepts more points */
} polybuf;

static bool pb_point(polybuf *pb, double x, double y)
{
    /* pb->cap counts points, two doubles each */
    if (!st_grow(&pb->xy, &pb->cap, pb->n + 1, 2 * sizeof *pb->xy, 1024))
        return false;
    if (!pb->open) {
        if (!st_grow(&pb->parts, &pb->cap_parts, pb->nparts + 1, sizeof *pb->parts, 64))
            return false;
        pb->parts[pb->nparts++] = (uint32_t)pb->n;
        pb->open = true;
    }
    pb->xy[2 * pb->n] = x;
    pb->xy[2 * pb->n + 1] = y;
    pb->n++;
    return true;
}

/* Ends the open part; a part of a single point is removed. */
static void pb_break(polybuf *pb)
{
    if (pb->open && pb->n - pb->parts[pb->nparts - 1] < 2) {
        pb->n = pb->parts[pb->nparts - 1];
        pb->nparts--;
    }
    pb->open = false;
}

static void pb_free(polybuf *pb)
{
    free(pb->xy);
    free(pb->parts);
}

/* "60°E", "45°30′N"-free: steps are whole or decimal degrees, printed %g. */
static void degree_label(double v, bool lon, st_language lang, char *buf, size_t size)
{
    const lang_words *w = words(lang);
    if (lon) {
        v = fmod(v, 360);
        if (v > 180)
            v -= 360;
        if (v <= -180)
            v += 360;
    }
    double a = fabs(v);
    if (a < 1e-9 || (lon && fabs(a - 180) < 1e-9))
        snprintf(buf, size, "%g°", a);
    else
        snprintf(buf, size, "%g°%s", a, lon ? (v > 0 ? w->east : w->west) : (v > 0 ? w->north : w->south));
}

/* Projects the line of n lon/lat points into pb (pixels), breaking at
 * failed points and at jumps wider than half the canvas (the seam). */
static bool add_projected_line(st_scene *r, double *ll, size_t n, polybuf *pb, size_t *first, size_t *count)
{
    st_proj_trans(r->lonlat_to_map, ll, n, false);
    double jump = fmax(r->view.width_px, r->view.height_px) / 2;
    *first = pb->n;
    double px = 0, py = 0;
    bool have = false;
    for (size_t i = 0; i < n; i++) {
        double xy[2] = {ll[2 * i], ll[2 * i + 1]};
        if (!isfinite(xy[0]) || !isfinite(xy[1]) || xy[0] == HUGE_VAL) {
            pb_break(pb);
            have = false;
            continue;
        }
        st_view_to_px(&r->view, xy, 1);
        if (have && hypot(xy[0] - px, xy[1] - py) > jump)
            pb_break(pb);
        if (!pb_point(pb, xy[0], xy[1]))
            return false;
        px = xy[0];
        py = xy[1];
        have = true;
    }
    pb_break(pb);
    *count = pb->n - *first;
    return true;
}

/* First crossing of the pixel polyline (pts[first..first+count)) with the
 * horizontal (axis 1) or vertical (axis 0) canvas edge at v, within the
 * canvas along the other axis. */
static bool edge_crossing(const st_scene *r, const double *xy, size_t count, int axis, double v, double *at)
{
    st_box f = st_scene_frame(&r->view);
    double lo = axis == 1 ? f.x0 : f.y0;
    double lim = axis == 1 ? f.x1 : f.y1;
    for (size_t i = 1; i < count; i++) {
        const double *a = xy + 2 * (i - 1), *b = xy + 2 * i;
        if ((a[axis] - v) * (b[axis] - v) > 0 || a[axis] == b[axis])
            continue;
        double t = (v - a[axis]) / (b[axis] - a[axis]);
        double o = a[1 - axis] + t * (b[1 - axis] - a[1 - axis]);
        if (o >= lo && o <= lim) {
            *at = o;
            return true;
        }
    }
    return false;
}

static steppe_status_t add_grat_label(st_scene *r, double value, bool lon, int edge, double at)
{
    struct st_furniture *fu = r->furniture;
    const st_map *m = r->map;
    char buf[64];
    degree_label(value, lon, m->language, buf, sizeof buf);
    st_text *t = make_text(r, &m->graticule_style, 7, 0, buf);
    if (!t)
        return STEPPE_ERR_NOMEM;
    double w = text_w(t), h = text_h(t), inset = pt(r, 1.5) + fu->grat_halo;
    double x, y;
    st_box f = st_scene_frame(&r->view);
    const double fr[4] = {f.x0, f.y0, f.x1, f.y1};
    switch (edge) {
    case 0: /* top */
        x = at - w / 2;
        y = fr[1] + inset;
        break;
    case 1: /* bottom */
        x = at - w / 2;
        y = fr[3] - inset - h;
        break;
    case 2: /* left */
        x = fr[0] + inset;
        y = at - h / 2;
        break;
    default: /* right */
        x = fr[2] - inset - w;
        y = at - h / 2;
        break;
    }
    st_box b = {x - fu->grat_halo, y - fu->grat_halo, x + w + fu->grat_halo, y + h + fu->grat_halo};
    bool in_frame = b.x0 >= fr[0] && b.y0 >= fr[1] && b.x1 <= fr[2] && b.y1 <= fr[3];
    if (!in_frame || !free_of_pieces(fu, b))
        return STEPPE_OK;
    /* Where meridians converge (near a pole) their labels would crowd the
     * edge: keep a line height between neighbouring labels. */
    st_box spaced = {b.x0 - h, b.y0 - h, b.x1 + h, b.y1 + h};
    for (size_t i = 0; i < fu->ngrat_labels; i++) {
        const grat_label *g = &fu->grat_labels[i];
        st_box o = {g->x - fu->grat_halo, g->y - fu->grat_halo, g->x + text_w(g->text) + fu->grat_halo,
                    g->y + text_h(g->text) + fu->grat_halo};
        if (overlap(spaced, o))
            return STEPPE_OK;
    }
    fu->grat_labels[fu->ngrat_labels].text = t;
    fu->grat_labels[fu->ngrat_labels].x = x;
    fu->grat_labels[fu->ngrat_labels].y = y;
    fu->ngrat_labels++;
    return STEPPE_OK;
}

static steppe_status_t layout_graticule(st_scene *r)
{
    struct st_furniture *fu = r->furniture;
    const st_map *m = r->map;
    steppe_status_t st = STEPPE_OK;
    polybuf pb = {0};
    double *ll = NULL;
    if (!m->graticule || !r->lonlat_to_map)
        return STEPPE_OK;
    double step = m->graticule_step > 0 ? m->graticule_step : 10;
    const double *bb = r->view.lonlat;
    double west = bb[0], south = fmax(bb[1], -90), east = bb[2], north = fmin(bb[3], 90);
    if (!(east > west && north > south))
        return STEPPE_OK;
    double lon0 = ceil(west / step) * step, lat0 = ceil(south / step) * step;
    size_t nmer = lon0 <= east ? (size_t)floor((east - lon0) / step + 1e-9) + 1 : 0;
    size_t npar = lat0 <= north ? (size_t)floor((north - lat0) / step + 1e-9) + 1 : 0;
    if (nmer + npar > 2000) {
        st_warn(r->ctx, "%s: graticule step %g° gives %zu lines; graticule left out",
                m->path ? m->path : "map", step, nmer + npar);
        return STEPPE_OK;
    }
    size_t nlat = (size_t)ceil((north - south) / GRATICULE_DENSIFY_DEG) + 1;
    size_t nlon = (size_t)ceil((east - west) / GRATICULE_DENSIFY_DEG) + 1;
    size_t nmax = nlat > nlon ? nlat : nlon;
    ll = malloc(2 * nmax * sizeof *ll);
    fu->grat_labels = st_arena_calloc(r->arena, 2 * (nmer + npar) + 1, sizeof *fu->grat_labels);
    if (!ll || !fu->grat_labels) {
        st = nomem(r);
        goto done;
    }
    fu->grat_halo = pt(r, 1.2);

    for (int kind = 0; kind < 2 && st == STEPPE_OK; kind++) {
        bool meridian = kind == 0;
        size_t nlines = meridian ? nmer : npar;
        for (size_t k = 0; k < nlines && st == STEPPE_OK; k++) {
            double v = (meridian ? lon0 : lat0) + (double)k * step;
            if (!meridian && fabs(v) >= 90)
                continue;
            size_t n = meridian ? nlat : nlon;
            for (size_t i = 0; i < n; i++) {
                double t = i + 1 == n ? 1.0 : (double)i / (double)(n - 1);
                if (meridian) {
                    ll[2 * i] = v;
                    ll[2 * i + 1] = south + t * (north - south);
                } else {
                    ll[2 * i] = west + t * (east - west);
                    ll[2 * i + 1] = v;
                }
            }
            size_t first, count;
            if (!add_projected_line(r, ll, n, &pb, &first, &count)) {
                st = nomem(r);
                goto done;
            }
            if (!m->graticule_labels || count < 2)
                continue;
            /* Meridians are labelled where they meet the bottom edge,
             * parallels at the left and right. On a conic map meridians
             * converge towards the top edge, where their labels would
             * crowd together, so the top edge carries none. */
            double at;
            int axis = meridian ? 1 : 0;
            st_box f = st_scene_frame(&r->view);
            double lim = meridian ? f.y1 : f.x1;
            if (!meridian && edge_crossing(r, pb.xy + 2 * first, count, axis, f.x0, &at))
                st = add_grat_label(r, v, meridian, 2, at);
            if (st == STEPPE_OK && edge_crossing(r, pb.xy + 2 * first, count, axis, lim, &at))
                st = add_grat_label(r, v, meridian, meridian ? 1 : 3, at);
        }
    }
    if (st != STEPPE_OK)
        goto done;

    fu->graticule.npoints = (uint32_t)pb.n;
    fu->graticule.nparts = (uint32_t)pb.nparts;
    fu->graticule.xy = st_arena_alloc(r->arena, (pb.n ? pb.n : 1) * 2 * sizeof(double));
    fu->graticule.parts = st_arena_alloc(r->arena, (pb.nparts ? pb.nparts : 1) * sizeof(uint32_t));
    fu->graticule.cls = -1;
    if (!fu->graticule.xy || !fu->graticule.parts) {
        st = nomem(r);
        goto done;
    }
    if (pb.n)
        memcpy(fu->graticule.xy, pb.xy, pb.n * 2 * sizeof(double));
    if (pb.nparts)
        memcpy(fu->graticule.parts, pb.parts, pb.nparts * sizeof(uint32_t));
    st_feature_update_bbox(&fu->graticule);
    fu->has_graticule = pb.nparts > 0;
done:
    free(ll);
    pb_free(&pb);
    return st;
}

/* ---- inset -------------------------------------------------------------- */

static const st_layer *find_layer(const st_map *m, const char *name)
{
    for (size_t i = 0; name && i < m->nlayers; i++) {
        if (strcmp(m->layers[i].name, name) == 0)
            return &m->layers[i];
    }
    return NULL;
}

/* Moves the points of xy (n pairs) that projected to finite values to its
 * front, in order; returns how many they are. */
static size_t keep_finite(double *xy, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (xy[2 * i] == HUGE_VAL || !isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1]))
            continue;
        xy[2 * k] = xy[2 * i];
        xy[2 * k + 1] = xy[2 * i + 1];
        k++;
    }
    return k;
}

/* The main canvas outline, through lon/lat, into the inset's pixels. */
static steppe_status_t inset_frame(st_scene *r, st_proj *to_inset)
{
    struct st_furniture *fu = r->furniture;
    const st_view *v = &r->view;
    const size_t n = 4 * FRAME_OUTLINE_SAMPLES;
    double *xy = st_arena_alloc(r->arena, 2 * n * sizeof *xy);
    uint32_t *parts = st_arena_alloc(r->arena, sizeof *parts);
    if (!xy || !parts)
        return nomem(r);
    for (size_t i = 0; i < n; i++) {
        double t = (double)(i % FRAME_OUTLINE_SAMPLES) / FRAME_OUTLINE_SAMPLES;
        double px, py;
        switch (i / FRAME_OUTLINE_SAMPLES) {
        case 0:
            px = t * v->width_px;
            py = 0;
            break;
        case 1:
            px = v->width_px;
            py = t * v->height_px;
            break;
        case 2:
            px = (1 - t) * v->width_px;
            py = v->height_px;
            break;
        default:
            px = 0;
            py = (1 - t) * v->height_px;
            break;
        }
        xy[2 * i] = v->extent[0] + px / v->scale;
        xy[2 * i + 1] = v->extent[3] - py / v->scale;
    }
    st_proj_trans(r->lonlat_to_map, xy, n, true);
    size_t k = keep_finite(xy, n);
    st_proj_trans(to_inset, xy, k, false);
    size_t j = keep_finite(xy, k);
    if (j < 3)
        return STEPPE_OK;
    st_view_to_px(&fu->inset_view, xy, j);
    parts[0] = 0;
    fu->inset_frame.xy = xy;
    fu->inset_frame.parts = parts;
    fu->inset_frame.nparts = 1;
    fu->inset_frame.npoints = (uint32_t)j;
    fu->inset_frame.cls = -1;
    st_feature_update_bbox(&fu->inset_frame);
    fu->has_inset_frame = true;
    return STEPPE_OK;
}

static steppe_status_t layout_inset(st_scene *r)
{
    struct st_furniture *fu = r->furniture;
    const st_map *m = r->map;
    steppe_status_t st = STEPPE_OK;
    st_proj *to_inset = NULL, *layer_proj = NULL;
    if (!m->inset)
        return STEPPE_OK;
    const char *crs = m->inset_crs ? m->inset_crs : "EPSG:4326";
    st_loc loc = {m->path, 0, 0};
    st = st_proj_create(r->ctx, "EPSG:4326", crs, loc, &to_inset);
    if (st != STEPPE_OK)
        goto done;

    /* The inset's extent: its lon/lat box, densified, in the inset CRS. */
    const double *e = m->inset_extent;
    double out[8 * INSET_OUTLINE_SAMPLES];
    for (int i = 0; i < 4 * INSET_OUTLINE_SAMPLES; i++) {
        double t = (double)(i % INSET_OUTLINE_SAMPLES) / INSET_OUTLINE_SAMPLES;
        int side = i / INSET_OUTLINE_SAMPLES;
        out[2 * i] = side == 0   ? e[0] + t * (e[2] - e[0])
                     : side == 1 ? e[2]
                     : side == 2 ? e[2] - t * (e[2] - e[0])
                                 : e[0];
        out[2 * i + 1] = side == 0   ? e[1]
                         : side == 1 ? e[1] + t * (e[3] - e[1])
                         : side == 2 ? e[3]
                                     : e[3] - t * (e[3] - e[1]);
    }
    st_proj_trans(to_inset, out, 4 * INSET_OUTLINE_SAMPLES, false);
    double bb[4] = {HUGE_VAL, HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    for (int i = 0; i < 4 * INSET_OUTLINE_SAMPLES; i++) {
        if (out[2 * i] == HUGE_VAL || !isfinite(out[2 * i]) || !isfinite(out[2 * i + 1]))
            continue;
        bb[0] = fmin(bb[0], out[2 * i]);
        bb[1] = fmin(bb[1], out[2 * i + 1]);
        bb[2] = fmax(bb[2], out[2 * i]);
        bb[3] = fmax(bb[3], out[2 * i + 1]);
    }
    if (!(bb[2] > bb[0] && bb[3] > bb[1])) {
        st_warn(r->ctx, "%s: the inset extent cannot be projected to %s; no inset", m->path ? m->path : "map",
                crs);
        goto done;
    }
    double frac = m->inset_width > 0 ? m->inset_width : 0.2;
    double iw = frac * r->view.width_px;
    double ih = iw * (bb[3] - bb[1]) / (bb[2] - bb[0]);
    if (ih > 0.4 * r->view.height_px) {
        ih = 0.4 * r->view.height_px;
        iw = ih * (bb[2] - bb[0]) / (bb[3] - bb[1]);
    }
    st_view *iv = &fu->inset_view;
    memcpy(iv->extent, bb, sizeof bb);
    iv->width_px = iw;
    iv->height_px = ih;
    iv->scale = iw / (bb[2] - bb[0]);
    iv->dpi = r->view.dpi;
    iv->px_per_pt = r->view.px_per_pt;
    memcpy(iv->lonlat, e, sizeof iv->lonlat);

    fu->inset_layer = find_layer(m, m->inset_layer);
    if (m->inset_layer && !fu->inset_layer)
        st_warn(r->ctx, "%s: inset layer '%s' is not a layer of the map", m->path ? m->path : "map",
                m->inset_layer);
    if (fu->inset_layer && st_kind_has_source(fu->inset_layer->kind)) {
        const st_layer *L = fu->inset_layer;
        st = st_source_read_layer(r->ctx, L, NULL, 0, r->arena, &fu->inset_fs);
        if (st != STEPPE_OK)
            goto done;
        st_featureset_classify(&fu->inset_fs, L);
        st = st_proj_create(r->ctx, fu->inset_fs.crs ? fu->inset_fs.crs : "EPSG:4326", crs, L->crs_loc,
                            &layer_proj);
        if (st != STEPPE_OK)
            goto done;
        st = st_project_features(r->ctx, layer_proj, iv, &fu->inset_fs, r->arena);
        if (st != STEPPE_OK)
            goto done;
    } else {
        fu->inset_layer = NULL;
    }
    st = inset_frame(r, to_inset);
    if (st != STEPPE_OK)
        goto done;
    fu->has_inset = place_in_corner(r, m->inset_corner, iw, ih, "inset", &fu->inset_box);
done:
    st_proj_destroy(layer_proj);
    st_proj_destroy(to_inset);
    return st;
}

/* ---- the legend beside the frame ------------------------------------------ */

/* How large a fw×fh frame shows the map: the scale at which the
 * subject's box fits it (relative: only compared), else its area. */
static double body_size(const struct st_furniture *fu, double fw, double fh)
{
    double sw = fu->subject_box.x1 - fu->subject_box.x0, sh = fu->subject_box.y1 - fu->subject_box.y0;
    if (fu->has_subject && sw > 0 && sh > 0)
        return fmin(fw / sw, fh / sh);
    return fw * fh;
}

/* Outside the frame on a page of fixed size: the legend moves from its
 * row below the frame to the right of the frame, in as few columns as
 * keep it no taller than the frame, when the subject is drawn larger in
 * the frame that leaves than below (a wide map on a wide page gains
 * height). Rows below the legend move up into its place. A height that
 * follows the map gains nothing from it: the width alone sets the map's
 * scale there. */
static void legend_beside(st_scene *r)
{
    struct st_furniture *fu = r->furniture;
    if (!fu->outside || !fu->has_legend || r->map->height_follows)
        return;
    double W = r->view.width_px, H = r->view.height_px;
    st_box lb = fu->legend_box;
    double lh = lb.y1 - lb.y0;
    double below = body_size(fu, W - fu->need[0] - fu->need[2], H - fu->need[1] - fu->need[3]);
    double need3 = fu->need[3] - lh;
    double fh = H - fu->need[1] - need3;
    double w, h;
    arrange_columns(r, fh, &w, &h);
    double need2 = w + fu->gap + fu->margin - fu->pad;
    double beside = body_size(fu, W - fu->need[0] - need2, fh);
    if (!(h <= fh && beside > below && W - fu->need[0] - need2 > 0)) {
        arrange_columns(r, 0, &w, &h); /* as it was */
        return;
    }
    /* The notes, the only piece after the legend in the flow, move up
     * into its row. */
    if (fu->has_notes && fu->notes_box.y0 >= lb.y1 - 0.5) {
        fu->notes_box.y0 -= lh;
        fu->notes_box.y1 -= lh;
    }
    st_box nb = {W - fu->margin + fu->pad - w, r->view.frame[1], W - fu->margin + fu->pad,
                 r->view.frame[1] + h};
    for (size_t i = 0; i < fu->nplaced; i++) {
        st_box *p = &fu->placed[i];
        if (memcmp(p, &lb, sizeof lb) == 0)
            *p = nb;
        else if (p->y0 >= lb.y1 - 0.5) {
            p->y0 -= lh;
            p->y1 -= lh;
        }
    }
    fu->legend_box = nb;
    fu->need[2] = need2;
    fu->need[3] = need3;
}

/* ---- entry points --------------------------------------------------------- */

steppe_status_t st_furniture_layout(st_scene *r)
{
    steppe_status_t st = STEPPE_OK;
    struct st_furniture *fu = st_arena_calloc(r->arena, 1, sizeof *fu);
    if (!fu)
        return nomem(r);
    r->furniture = fu;
    double scale = r->view.dpi > 0 ? r->view.dpi / 96.0 : 1.0;
    fu->margin = 10 * scale;
    fu->gap = 6 * scale;
    fu->pad = pt(r, 5);
    fu->cursor[ST_CORNER_TOP_LEFT] = fu->margin;
    fu->cursor[ST_CORNER_TOP_RIGHT] = fu->margin;
    fu->cursor[ST_CORNER_BOTTOM_LEFT] = r->view.height_px - fu->margin;
    fu->cursor[ST_CORNER_BOTTOM_RIGHT] = r->view.height_px - fu->margin;

    fu->outside = r->map->layout == ST_LAYOUT_OUTSIDE;
    if (r->map->layout != ST_LAYOUT_INSIDE || r->map->nsubject > 0) {
        st = subject_items(r);
        if (st != STEPPE_OK)
            return st;
    }
    if (fu->outside) {
        const double *fr = r->view.frame;
        fu->wrap_w = r->view.width_px - 2 * fu->margin + 2 * fu->pad;
        fu->flow_x = fu->margin - fu->pad;
        fu->flow_y = fr[3] + pt(r, 3);
        fu->need[0] = fu->need[1] = fu->need[2] = fu->need[3] = fu->margin;
        /* A fixed page gives the legend at most 30 % of its height; a
         * figure whose height follows the map, at most the map's. */
        fu->legend_budget = r->map->height_follows ? fr[3] - fr[1] : 0.3 * r->view.height_px;
    }
    /* The order pieces claim their room in. Inside, the attribution
     * first: it hugs the bottom edge and the others stack above it.
     * Outside, the order of the flow below the frame: the scale bar, the
     * attribution beside it, then the legend and notes on rows of their
     * own. */
    typedef steppe_status_t (*piece_fn)(st_scene *);
    static const piece_fn inside[] = {layout_attribution, layout_title,  layout_scalebar,
                                      layout_inset,       layout_legend, layout_notes};
    static const piece_fn outside[] = {layout_title, layout_scalebar, layout_attribution,
                                       layout_inset, layout_legend,   layout_notes};
    const piece_fn *steps = fu->outside ? outside : inside;
    for (size_t i = 0; i < sizeof inside / sizeof inside[0] && st == STEPPE_OK; i++)
        st = steps[i](r);
    if (st == STEPPE_OK)
        legend_beside(r);
    /* Graticule labels last: they give way to every panel. */
    if (st == STEPPE_OK)
        st = layout_graticule(r);
    if (st != STEPPE_OK)
        return st;

    for (size_t i = 0; i < fu->nplaced && st == STEPPE_OK; i++)
        st = st_scene_add_obstacle(r, fu->placed[i]);
    if (fu->outside && st == STEPPE_OK) {
        /* Labels stay inside the frame. */
        const double *fr = r->view.frame;
        double W = r->view.width_px, H = r->view.height_px;
        st_box strips[4] = {{0, 0, W, fr[1]}, {0, fr[3], W, H}, {0, 0, fr[0], H}, {fr[2], 0, W, H}};
        for (int i = 0; i < 4 && st == STEPPE_OK; i++) {
            if (strips[i].x1 > strips[i].x0 && strips[i].y1 > strips[i].y0)
                st = st_scene_add_obstacle(r, strips[i]);
        }
    }
    for (size_t i = 0; i < fu->ngrat_labels && st == STEPPE_OK; i++) {
        const grat_label *g = &fu->grat_labels[i];
        st_box b = {g->x - fu->grat_halo, g->y - fu->grat_halo, g->x + text_w(g->text) + fu->grat_halo,
                    g->y + text_h(g->text) + fu->grat_halo};
        st = st_scene_add_obstacle(r, b);
    }
    return st;
}

static void draw_panel(st_scene *r, cairo_t *cr, st_box b, double alpha)
{
    if (r->furniture->outside)
        return;
    cairo_save(cr);
    cairo_rectangle(cr, b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
    cairo_set_source_rgba(cr, 1, 1, 1, alpha);
    cairo_fill_preserve(cr);
    double lw = pt(r, 0.5);
    cairo_set_line_width(cr, lw);
    cairo_set_source_rgba(cr, 0.35, 0.35, 0.35, 1);
    cairo_new_path(cr);
    cairo_rectangle(cr, b.x0 + lw / 2, b.y0 + lw / 2, b.x1 - b.x0 - lw, b.y1 - b.y0 - lw);
    cairo_stroke(cr);
    cairo_restore(cr);
}

static const st_rgba WHITE = {1, 1, 1, 1};

void st_furniture_draw_graticule(st_scene *r, cairo_t *cr)
{
    const struct st_furniture *fu = r->furniture;
    if (!fu || !fu->has_graticule)
        return;
    st_draw_feature(cr, &r->view, &r->map->graticule_sym, ST_GEOM_LINE, &fu->graticule);
}

static void draw_scalebar(st_scene *r, cairo_t *cr)
{
    const struct st_furniture *fu = r->furniture;
    const st_map *m = r->map;
    draw_panel(r, cr, fu->scalebar_box, 0.85);
    cairo_save(cr);
    double seg = fu->bar_px / fu->bar_segments;
    for (int i = 0; i < fu->bar_segments; i++) {
        cairo_rectangle(cr, fu->bar_x + i * seg, fu->bar_y, seg, fu->bar_h);
        if (i % 2 == 0)
            cairo_set_source_rgb(cr, 0, 0, 0);
        else
            cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill(cr);
    }
    cairo_rectangle(cr, fu->bar_x, fu->bar_y, fu->bar_px, fu->bar_h);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, pt(r, 0.5));
    cairo_stroke(cr);
    cairo_restore(cr);
    st_rgba c = text_color(m->legend_style.color);
    double ty = fu->bar_y - pt(r, 2) - text_h(fu->bar_end);
    st_text_draw(cr, fu->bar_zero, fu->bar_x - text_w(fu->bar_zero) / 2, ty, c, WHITE, 0);
    st_text_draw(cr, fu->bar_end, fu->bar_x + fu->bar_px - text_w(fu->bar_end) / 2, ty, c, WHITE, 0);
}

static void draw_inset(st_scene *r, cairo_t *cr)
{
    const struct st_furniture *fu = r->furniture;
    /* On whole pixels, so that its clip is a whole-pixel rectangle whatever
     * clip it is drawn within (a PNG's labels and panels are drawn a band
     * of rows at a time, st_png_write_rows), and its outlines go the same
     * way (draw.c's hairlines need such a clip) in every band. */
    st_box b = {round(fu->inset_box.x0), round(fu->inset_box.y0), round(fu->inset_box.x1),
                round(fu->inset_box.y1)};
    draw_panel(r, cr, b, 1.0);
    cairo_save(cr);
    cairo_rectangle(cr, b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
    cairo_clip(cr);
    cairo_translate(cr, b.x0, b.y0);
    if (fu->inset_layer)
        st_draw_layer(cr, &fu->inset_view, fu->inset_layer, &fu->inset_fs);
    if (fu->has_inset_frame)
        st_draw_feature(cr, &fu->inset_view, &r->map->inset_frame, ST_GEOM_POLYGON, &fu->inset_frame);
    cairo_restore(cr);
    /* The border again, over the contents. */
    cairo_save(cr);
    double lw = pt(r, 0.5);
    cairo_set_line_width(cr, lw);
    cairo_set_source_rgba(cr, 0.35, 0.35, 0.35, 1);
    cairo_rectangle(cr, b.x0 + lw / 2, b.y0 + lw / 2, b.x1 - b.x0 - lw, b.y1 - b.y0 - lw);
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* A panel with text t in its padding, top left. */
static void draw_text_panel(st_scene *r, cairo_t *cr, st_box b, const st_text *t, st_rgba color)
{
    draw_panel(r, cr, b, 0.85);
    st_text_draw(cr, t, b.x0 + r->furniture->pad, b.y0 + r->furniture->pad, text_color(color), WHITE, 0);
}

void st_furniture_draw(st_scene *r, cairo_t *cr)
{
    const struct st_furniture *fu = r->furniture;
    const st_map *m = r->map;
    if (!fu)
        return;
    if (fu->outside) {
        /* The neatline round the frame. */
        const double *fr = r->view.frame;
        double lw = pt(r, 0.5);
        cairo_save(cr);
        cairo_set_line_width(cr, lw);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        cairo_rectangle(cr, fr[0] - lw / 2, fr[1] - lw / 2, fr[2] - fr[0] + lw, fr[3] - fr[1] + lw);
        cairo_stroke(cr);
        cairo_restore(cr);
    }
    if (fu->has_inset)
        draw_inset(r, cr);
    if (fu->has_title) {
        st_box b = fu->title_box;
        draw_text_panel(r, cr, b, fu->title, m->title_style.color);
        if (fu->subtitle)
            st_text_draw(cr, fu->subtitle, b.x0 + fu->pad, b.y0 + fu->pad + text_h(fu->title) + pt(r, 2),
                         text_color(m->subtitle_style.color), WHITE, 0);
    }
    if (fu->has_legend) {
        st_box b = fu->legend_box;
        st_rgba c = text_color(m->legend_style.color);
        draw_panel(r, cr, b, 0.85);
        if (fu->legend_title)
            st_text_draw(cr, fu->legend_title, b.x0 + fu->pad, b.y0 + fu->pad, c, WHITE, 0);
        for (size_t i = 0; i < fu->nentries; i++) {
            const legend_entry *e = &fu->entries[i];
            double sy = b.y0 + e->y + (e->row_h - fu->swatch_h) / 2;
            if (e->circles) {
                draw_circles(r, cr, e, b.x0 + e->x, b.y0 + e->y, c);
                continue;
            }
            if (e->heading) {
                st_text_draw(cr, e->text, b.x0 + e->x, b.y0 + e->y + (e->row_h - text_h(e->text)) / 2, c,
                             WHITE, 0);
                continue;
            }
            if (e->below) {
                st_draw_swatch(cr, &r->view, &e->own, e->type, b.x0 + e->x, b.y0 + e->y, e->cell_w,
                               fu->swatch_h);
                st_text_draw(cr, e->text, b.x0 + e->x + (e->cell_w - text_w(e->text)) / 2,
                             b.y0 + e->y + fu->swatch_h + pt(r, 2), c, WHITE, 0);
                continue;
            }
            st_draw_swatch(cr, &r->view, e->owned ? &e->own : e->sym, e->type, b.x0 + e->x, sy, fu->swatch_w,
                           fu->swatch_h);
            st_text_draw(cr, e->text, b.x0 + e->x + fu->swatch_w + fu->swatch_gap,
                         b.y0 + e->y + (e->row_h - text_h(e->text)) / 2, c, WHITE, 0);
        }
    }
    if (fu->has_notes)
        draw_text_panel(r, cr, fu->notes_box, fu->notes, m->legend_style.color);
    if (fu->has_scalebar)
        draw_scalebar(r, cr);
    if (fu->has_attribution) {
        st_box b = fu->attribution_box;
        st_text_draw(cr, fu->attribution, b.x1 - fu->attribution_halo - text_w(fu->attribution),
                     b.y0 + fu->attribution_halo, text_color(m->attribution_style.color), WHITE,
                     fu->attribution_halo);
    }
    for (size_t i = 0; i < fu->ngrat_labels; i++) {
        const grat_label *g = &fu->grat_labels[i];
        st_rgba c = text_color(m->graticule_style.color);
        st_text_draw(cr, g->text, g->x, g->y, c, WHITE, fu->grat_halo);
    }
}

void st_furniture_free(st_scene *r)
{
    struct st_furniture *fu = r->furniture;
    if (!fu)
        return;
    for (size_t i = 0; i < fu->ntexts; i++)
        st_text_destroy(fu->texts[i]);
    free(fu->texts);
    fu->texts = NULL;
    fu->ntexts = 0;
    r->furniture = NULL;
}

bool st_furniture_scalebar(const st_scene *r, double *km, double *px)
{
    const struct st_furniture *fu = r->furniture;
    if (!fu || !fu->has_scalebar)
        return false;
    *km = fu->bar_km;
    *px = fu->bar_px;
    return true;
}

size_t st_furniture_legend_entries(const st_scene *r)
{
    const struct st_furniture *fu = r->furniture;
    return fu && fu->has_legend ? fu->nentries : 0;
}

bool st_furniture_legend_box(const st_scene *r, st_box *box)
{
    const struct st_furniture *fu = r->furniture;
    if (!fu || !fu->has_legend)
        return false;
    *box = fu->legend_box;
    return true;
}

void st_furniture_needs(const st_scene *r, double need[4])
{
    const struct st_furniture *fu = r->furniture;
    for (int i = 0; i < 4; i++)
        need[i] = fu && fu->outside ? fu->need[i] : 0;
}

size_t st_furniture_boxes(const st_scene *r, st_furniture_box *out, size_t max)
{
    const struct st_furniture *fu = r->furniture;
    size_t n = 0;
    if (!fu)
        return 0;
#define PIECE(has, name, box)                                                                                \
    do {                                                                                                     \
        if ((has) && n < max)                                                                                \
            out[n++] = (st_furniture_box){name, box};                                                        \
    } while (0)
    PIECE(fu->has_title, "title", fu->title_box);
    PIECE(fu->has_legend, "legend", fu->legend_box);
    PIECE(fu->has_notes, "notes", fu->notes_box);
    PIECE(fu->has_scalebar, "scalebar", fu->scalebar_box);
    PIECE(fu->has_attribution, "attribution", fu->attribution_box);
    PIECE(fu->has_inset, "inset", fu->inset_box);
#undef PIECE
    return n;
}

size_t st_furniture_left_out(const st_scene *r, const char *const **names)
{
    const struct st_furniture *fu = r->furniture;
    *names = fu ? fu->left_out : NULL;
    return fu ? fu->nleft_out : 0;
}

double st_furniture_covered(const st_scene *r)
{
    const struct st_furniture *fu = r->furniture;
    return fu ? fu->covered : 0;
}

bool st_furniture_subject_box(const st_scene *r, st_box *box)
{
    const struct st_furniture *fu = r->furniture;
    if (!fu || !fu->has_subject)
        return false;
    *box = fu->subject_box;
    return true;
}
