/* The JSON render report. JSON is written by hand: the format is tiny and
 * writing it needs only correct string escaping, which json_str() does. */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "furniture.h"
#include "join.h"
#include "output.h"
#include "thematic.h"

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6g", v);
    else
        fputs("null", f);
}

static const char *format_name(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && (strcasecmp(dot, ".svg") == 0))
        return "svg";
    if (dot && (strcasecmp(dot, ".pdf") == 0))
        return "pdf";
    return "png";
}

/* ", "key": v", the number as json_num() writes it. */
static void json_key_num(FILE *f, const char *key, double v)
{
    fprintf(f, ", \"%s\": ", key);
    json_num(f, v);
}

static void json_key_str(FILE *f, const char *key, const char *v)
{
    fprintf(f, ", \"%s\": ", key);
    if (v)
        json_str(f, v);
    else
        fputs("null", f);
}

/* A layer's thematic result and joins (issue 11), after its counts. */
static void write_thematic(FILE *f, const st_layer_data *d)
{
    const st_thematic_result *t = d->thematic;
    if (t) {
        fputs(", \"thematic\": {\"kind\": ", f);
        json_str(f, t->kind ? t->kind : "size");
        json_key_str(f, "field", t->field);
        json_key_str(f, "method", t->method);
        json_key_str(f, "method_classint", t->method_classint);
        fputs(", \"breaks\": [", f);
        for (int k = 0; t->edges && k <= t->nclasses; k++) {
            fputs(k ? ", " : "", f);
            if (isfinite(t->edges[k]))
                fprintf(f, "%.15g", t->edges[k]); /* whole: the breaks are compared with classInt's */
            else
                fputs("null", f);
        }
        fputs("], \"entries\": [", f);
        for (size_t k = 0; k < t->nentries; k++) {
            const st_thematic_entry *e = &t->entries[k];
            fputs(k ? ", {\"label\": " : "{\"label\": ", f);
            json_str(f, e->label ? e->label : "");
            fprintf(f, ", \"rgb\": \"#%06x\", \"count\": %zu", (unsigned)e->rgb, e->count);
            if (e->value)
                json_key_str(f, "value", e->value);
            if (e->other)
                fputs(", \"other\": true", f);
            fputs("}", f);
        }
        fprintf(f, "], \"nodata\": %zu", t->nodata.count);
        if (t->size) {
            json_key_str(f, "size_field", t->size_field);
            json_key_num(f, "size_vmax", t->size_vmax);
            fprintf(f, ", \"size_nodata\": %zu, \"size_zero\": %zu", t->size_nodata, t->size_zero);
        }
        fputs("}", f);
    }
    if (d->njoins == 0)
        return;
    fputs(", \"joins\": [", f);
    for (size_t j = 0; j < d->njoins; j++) {
        const st_join_report *jr = &d->joins[j];
        fputs(j ? ", {\"source\": " : "{\"source\": ", f);
        json_str(f, jr->source ? jr->source : "");
        fprintf(f,
                ", \"rows\": %zu, \"columns\": %zu, \"matched_features\": %zu, \"unmatched_features\": %zu, "
                "\"unmatched_rows\": %zu",
                jr->rows, jr->columns, jr->matched_features, jr->unmatched_features, jr->unmatched_rows);
        json_key_str(f, "first_unmatched_feature", jr->first_unmatched_feature);
        json_key_str(f, "first_unmatched_row", jr->first_unmatched_row);
        fputs("}", f);
    }
    fputs("]", f);
}

/* A border-regions layer: the regions with their shares of the border
 * (which add up to it, less what no region took) and their reach. */
static void border_shares(FILE *f, const st_layer_data *d)
{
    double sum = 0;
    fputs(", \"regions\": [", f);
    for (size_t k = 0; k < d->nshares; k++) {
        fputs(k ? ", {\"name\": " : "{\"name\": ", f);
        json_str(f, d->shares[k].name);
        json_key_num(f, "km", d->shares[k].km);
        json_key_num(f, "reach_km", d->shares[k].reach_km);
        fputs("}", f);
        sum += d->shares[k].km;
    }
    fputs("], \"shares_km\": ", f);
    json_num(f, sum);
}

static void json_box(FILE *f, st_box b)
{
    fprintf(f, "{\"x\": %.1f, \"y\": %.1f, \"width\": %.1f, \"height\": %.1f}", b.x0, b.y0, b.x1 - b.x0,
            b.y1 - b.y0);
}

/* The layout: the frame, every piece of furniture and the subject's box,
 * in output pixels, so that a test can check that none covers another. */
static void write_layout(st_scene *r, FILE *f)
{
    const st_map *m = r->map;
    static const char *const names[] = {"inside", "outside", "auto"};
    fputs("\n  ],\n  \"layout\": {\"mode\": ", f);
    json_str(f, names[m->layout <= ST_LAYOUT_AUTO ? m->layout : 0]);
    fputs(", \"frame\": ", f);
    const double *fr = r->view.frame;
    json_box(f, (st_box){fr[0], fr[1], fr[2], fr[3]});
    fprintf(f, ", \"width_mm\": %.1f, \"height_mm\": %.1f", r->view.width_px / r->view.dpi * 25.4,
            r->view.height_px / r->view.dpi * 25.4);
    st_box sb;
    fputs(", \"subject\": ", f);
    if (st_furniture_subject_box(r, &sb))
        json_box(f, sb);
    else
        fputs("null", f);
    fputs(", \"furniture\": [", f);
    st_furniture_box boxes[16];
    size_t n = st_furniture_boxes(r, boxes, 16);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", {\"piece\": " : "{\"piece\": ", f);
        json_str(f, boxes[i].name);
        fputs(", \"box\": ", f);
        json_box(f, boxes[i].box);
        fputs("}", f);
    }
    fputs("], \"legend_left_out\": [", f);
    const char *const *left = NULL;
    size_t nl = st_furniture_left_out(r, &left);
    for (size_t i = 0; i < nl; i++) {
        fputs(i ? ", " : "", f);
        json_str(f, left[i]);
    }
    fputs("]}", f);
}

static void write_body(st_scene *r, FILE *f)
{
    const steppe_render_opts_t *o = r->opts;
    fprintf(f, "{\n  \"width\": %d,\n  \"height\": %d,\n  \"dpi\": ", (int)r->view.width_px,
            (int)r->view.height_px);
    json_num(f, r->view.dpi);
    fputs(",\n  \"outputs\": [", f);
    for (size_t i = 0; i < o->n_outputs; i++) {
        fputs(i ? ",\n    {\"path\": " : "\n    {\"path\": ", f);
        json_str(f, o->outputs[i]);
        fputs(", \"format\": ", f);
        json_str(f, format_name(o->outputs[i]));
        fputs("}", f);
    }
    fputs("\n  ],\n  \"layers\": [", f);
    for (size_t i = 0; i < r->nlayers; i++) {
        const st_layer_data *d = &r->layers[i];
        size_t verts = 0;
        for (size_t k = 0; k < d->fs.n; k++)
            verts += d->fs.feat[k].npoints;
        verts += d->vertices; /* a streamed layer's (no features kept) */
        fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", f);
        json_str(f, d->layer->name);
        fprintf(f,
                ", \"features\": %zu, \"vertices\": %zu, \"source_vertices\": %zu, \"read_ms\": %.3f, "
                "\"project_ms\": %.3f",
                d->drawn, verts, d->fs.source_vertices, d->read_ms, d->project_ms);
        write_thematic(f, d);
        fputs("}", f);
    }
    fputs("\n  ],\n  \"labels\": [", f);
    for (size_t i = 0; i < r->nlabels; i++) {
        const st_placed_label *l = &r->labels[i];
        fputs(i ? ",\n    {\"layer\": " : "\n    {\"layer\": ", f);
        json_str(f, l->layer);
        fputs(", \"text\": ", f);
        json_str(f, l->text);
        fprintf(f, ", \"x\": %.1f, \"y\": %.1f, \"width\": %.1f, \"height\": %.1f", l->box.x0, l->box.y0,
                l->box.x1 - l->box.x0, l->box.y1 - l->box.y0);
        if (l->nparts) {
            /* Curved text: the glyph boxes it really occupies. */
            fputs(", \"parts\": [", f);
            for (size_t k = 0; k < l->nparts; k++)
                fprintf(f, "%s[%.1f, %.1f, %.1f, %.1f]", k ? ", " : "", l->parts[k].x0, l->parts[k].y0,
                        l->parts[k].x1 - l->parts[k].x0, l->parts[k].y1 - l->parts[k].y0);
            fputs("]", f);
        }
        if (l->anchored)
            fprintf(f, ", \"anchor\": [%.1f, %.1f]", l->anchor[0], l->anchor[1]);
        if (l->has_leader)
            fprintf(f, ", \"leader\": [%.1f, %.1f, %.1f, %.1f]", l->leader[0], l->leader[1], l->leader[2],
                    l->leader[3]);
        fputs("}", f);
    }
    fputs("\n  ],\n  \"dropped_labels\": [", f);
    for (size_t i = 0; i < r->ndropped; i++) {
        fputs(i ? ",\n    {\"layer\": " : "\n    {\"layer\": ", f);
        json_str(f, r->dropped[i].layer);
        fputs(", \"text\": ", f);
        json_str(f, r->dropped[i].text);
        fputs("}", f);
    }
    write_layout(r, f);
    fputs(",\n  \"measurements\": {", f);
    int first = 1;
    for (size_t i = 0; i < r->nlayers; i++) {
        const st_layer_data *d = &r->layers[i];
        if (!d->measured)
            continue;
        fputs(first ? "\n    " : ",\n    ", f);
        first = 0;
        json_str(f, d->layer->measure ? d->layer->measure : d->layer->name);
        fputs(": {\"km\": ", f);
        json_num(f, d->km);
        fputs(", \"layer\": ", f);
        json_str(f, d->layer->name);
        if (d->nlegs) {
            fprintf(f, ", \"stops\": %zu, \"legs\": [", d->nlegs + 1);
            for (size_t k = 0; k < d->nlegs; k++) {
                fputs(k ? ", {\"from\": " : "{\"from\": ", f);
                json_str(f, d->legs[k].from);
                fputs(", \"to\": ", f);
                json_str(f, d->legs[k].to);
                json_key_num(f, "km", d->legs[k].km);
                fputs("}", f);
            }
            fputs("]", f);
        }
        if (d->layer->kind == ST_LAYER_BORDER_REGIONS)
            border_shares(f, d);
        fputs("}", f);
    }
    fputs(first ? "},\n  \"timings_ms\": {" : "\n  },\n  \"timings_ms\": {", f);
    for (int s = 0; s < ST_STAGE_COUNT; s++) {
        fputs(s ? ", " : "", f);
        json_str(f, st_stage_name((st_stage)s));
        fputs(": ", f);
        fprintf(f, "%.3f", r->timings_ms[s]);
    }
    fputs("}\n}\n", f);
}

steppe_status_t st_report_write(st_scene *r, const char *path)
{
    st_atomic a;
    /* The outputs are written by now: a report that names one of them, or
     * an input, is refused here before a byte of JSON replaces it (the tool
     * checks all this before the render, with steppe_render_check()). */
    steppe_render_opts_t o = *r->opts;
    o.report = path;
    steppe_status_t st = st_guard_render(r->ctx, r->map, &o);
    if (st != STEPPE_OK)
        return st;
    st = st_atomic_open(r->ctx, path, &a);
    if (st != STEPPE_OK)
        return st;
    write_body(r, a.fp);
    if (ferror(a.fp)) {
        st_atomic_abort(&a);
        return st_error(r->ctx, STEPPE_ERR_IO, "%s: cannot write report", path);
    }
    return st_atomic_commit(r->ctx, &a);
}
