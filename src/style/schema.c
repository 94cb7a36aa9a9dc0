/* The style schema: one static table, spelled out with X-macros so that the
 * same list yields both the rows and the plain list of key paths without any
 * table built at run time (no mutable globals). Symbol and label keys appear
 * at several places; SYMBOL() and LABEL() expand them under each prefix with
 * that place's defaults. */
#include "schema.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "thematic_spec.h"

/* Enums are stored through an int (ST_V_ENUM). */
static_assert(sizeof(st_join) == sizeof(int) && sizeof(st_cap) == sizeof(int) &&
                  sizeof(st_marker) == sizeof(int) && sizeof(st_hatch) == sizeof(int) &&
                  sizeof(st_placement) == sizeof(int) && sizeof(st_corner) == sizeof(int) &&
                  sizeof(st_language) == sizeof(int) && sizeof(st_class_method) == sizeof(int) &&
                  sizeof(st_size_scale) == sizeof(int) && sizeof(st_marker_at) == sizeof(int),
              "an enum field is not int-sized");

#define CORNERS W("top-left|top-right|bottom-left|bottom-right")
#define INHERIT "(the layer's)"

/* Ranges. Sizes are in points: 1000 pt (35 cm) is larger than any type,
 * line or marker on a printed map, and at the largest dpi (4800) still far
 * below what an int of pixels can hold. Canvas sides stop at 32767 px,
 * the largest image cairo makes. */
#define R(lo_end, lo, hi, hi_end) .range = {lo_end, lo, hi, hi_end}
#define FONT_SIZE R('(', 0, 1000, ']')
#define WIDTH R('[', 0, 1000, ']')   /* strokes, halos, marker sizes, gaps */
#define SPACING R('(', 0, 1000, ']') /* lengths that must not be 0 */
#define FRACTION_OPEN R('[', 0, 1, ')')
#define FRACTION R('(', 0, 1, ']')
#define UNIT R('[', 0, 1, ']')
#define RANK R('[', -1000000, 1000000, ']') /* priorities and orders */
#define CANVAS R('[', 1, 32767, ']')        /* pixels per side */
#define W(w) .words = w
#define NOSPEC .words = NULL

/* Where a value lands: AT(struct, field) or AT2(struct, field, companion). */
#define AT(T, f) .target = ST_T_##T, .offset = offsetof(T##_STRUCT, f), .aux = ST_NO_AUX
#define AT2(T, f, a) .target = ST_T_##T, .offset = offsetof(T##_STRUCT, f), .aux = offsetof(T##_STRUCT, a)
#define HAND .target = ST_T_NONE, .aux = ST_NO_AUX
#define MAP_STRUCT st_map
#define LAYER_STRUCT st_layer
#define CLASS_STRUCT st_class
#define SYMBOL_STRUCT st_symbol
#define LABEL_STRUCT st_label
#define THEMATIC_STRUCT st_thematic_spec
#define JOIN_STRUCT st_join_spec

/* K(path, type, default, words or range, where). What a key means is written
 * once, in docs/style-reference.md, which tests/cli/docs.sh checks every row against. */
#define SYMBOL(K, P, FILL, STROKE, WIDTH_DEF, MARKER, D)                                                     \
    K(P, SECTION, NULL, NOSPEC, HAND)                                                                        \
    K(P ".fill", COLOUR, FILL, NOSPEC, AT2(SYMBOL, fill, has_fill))                                          \
    K(P ".stroke", COLOUR, STROKE, NOSPEC, AT2(SYMBOL, stroke, has_stroke))                                  \
    K(P ".width", NUMBER, WIDTH_DEF, WIDTH, AT(SYMBOL, width))                                               \
    K(P ".dash", DASH, D(NULL), WIDTH, AT2(SYMBOL, dash, ndash))                                             \
    K(P ".join", ENUM, D("round"), W("round|miter|bevel"), AT(SYMBOL, join))                                 \
    K(P ".cap", ENUM, D("round"), W("round|butt|square"), AT(SYMBOL, cap))                                   \
    K(P ".marker", ENUM, MARKER, W("none|circle|square|triangle|diamond|star"), AT(SYMBOL, marker))          \
    K(P ".size", NUMBER, D("6"), WIDTH, AT(SYMBOL, size))                                                    \
    K(P ".opacity", NUMBER, D("1"), UNIT, AT(SYMBOL, opacity))                                               \
    K(P ".hatch", ENUM, D("none"),                                                                           \
      W("none|horizontal|vertical|diagonal|back-diagonal|cross|diagonal-cross|dots"), AT(SYMBOL, hatch))     \
    K(P ".hatch-color", COLOUR, D("#333333"), NOSPEC, AT(SYMBOL, hatch_color))                               \
    K(P ".hatch-spacing", NUMBER, D("4"), SPACING, AT(SYMBOL, hatch_spacing))                                \
    K(P ".hatch-width", NUMBER, D("0.5"), SPACING, AT(SYMBOL, hatch_width))                                  \
    K(P ".casing", COLOUR, D("none"), NOSPEC, AT2(SYMBOL, casing, has_casing))                               \
    K(P ".casing-width", NUMBER, D("(width + 2)"), SPACING, AT(SYMBOL, casing_width))

#define LABEL(K, P, D)                                                                                       \
    K(P, LABEL, NULL, NOSPEC, HAND)                                                                          \
    K(P ".text", STRING, D(NULL), NOSPEC, AT(LABEL, text))                                                   \
    K(P ".font", STRING, D("(the map's font)"), NOSPEC, AT(LABEL, font))                                     \
    K(P ".size", NUMBER, D("8"), FONT_SIZE, AT(LABEL, size))                                                 \
    K(P ".weight", WEIGHT, D("normal"), NOSPEC, AT(LABEL, weight))                                           \
    K(P ".italic", BOOL, D("false"), NOSPEC, AT(LABEL, italic))                                              \
    K(P ".uppercase", BOOL, D("false"), NOSPEC, AT(LABEL, uppercase))                                        \
    K(P ".letter-spacing", NUMBER, D("0"), R('[', -1000, 1000, ']'), AT(LABEL, letter_spacing))              \
    K(P ".color", COLOUR, D("#222222"), NOSPEC, AT(LABEL, color))                                            \
    K(P ".halo", COLOUR, D("rgba(255,255,255,0.85)"), NOSPEC, AT(LABEL, halo))                               \
    K(P ".halo-width", NUMBER, D("1.5"), WIDTH, AT(LABEL, halo_width))                                       \
    K(P ".priority", INT, D("0"), RANK, AT(LABEL, priority))                                                 \
    K(P ".placement", ENUM, D("auto"), W("auto|point|polygon|line"), AT(LABEL, placement))                   \
    K(P ".offset", NUMBER, D("2"), WIDTH, AT(LABEL, offset))                                                 \
    K(P ".min-area", NUMBER, D("0"), R('[', 0, 1e9, ']'), AT(LABEL, min_area))                               \
    K(P ".outside", BOOL, D("false"), NOSPEC, AT(LABEL, outside))

/* Text drawn on the map furniture: size, colour and font, into the map's
 * st_text_style F. The graticule's degree labels take no font of their own. */
#define TEXT_SIZE_COLOUR(K, P, F, SIZE_DEF, COLOUR_DEF)                                                      \
    K(P ".size", NUMBER, SIZE_DEF, FONT_SIZE, AT(MAP, F.size))                                               \
    K(P ".color", COLOUR, COLOUR_DEF, NOSPEC, AT(MAP, F.color))
#define TEXT_STYLE(K, P, F, SIZE_DEF, COLOUR_DEF)                                                            \
    TEXT_SIZE_COLOUR(K, P, F, SIZE_DEF, COLOUR_DEF)                                                          \
    K(P ".font", STRING, "(the map's font)", NOSPEC, AT(MAP, F.font))

#define OWN(x) x
#define FROM_LAYER(x) INHERIT

#define THEMATIC(K)                                                                                          \
    K("layers.*.classify", SECTION, NULL, NOSPEC, HAND)                                                      \
    K("layers.*.classify.field", STRING, NULL, NOSPEC, AT(THEMATIC, classify.field))                         \
    K("layers.*.classify.method", ENUM, "quantile", W("quantile|equal|natural|stddev|pretty|manual|fisher"), \
      AT(THEMATIC, classify.method))                                                                         \
    K("layers.*.classify.classes", INT, "5", R('[', 2, 100, ']'), AT(THEMATIC, classify.classes))            \
    K("layers.*.classify.breaks", NUMBERS, NULL, NOSPEC, AT2(THEMATIC, classify.breaks, classify.nbreaks))   \
    K("layers.*.classify.ramp", STRING, "(YlOrRd unless colours are given)", NOSPEC,                         \
      AT(THEMATIC, classify.ramp))                                                                           \
    K("layers.*.classify.reverse", BOOL, "false", NOSPEC, AT(THEMATIC, classify.reverse))                    \
    K("layers.*.classify.colours", COLOURS, NULL, NOSPEC,                                                    \
      AT2(THEMATIC, classify.colours, classify.ncolours))                                                    \
    K("layers.*.categorize", SECTION, NULL, NOSPEC, HAND)                                                    \
    K("layers.*.categorize.field", STRING, NULL, NOSPEC, AT(THEMATIC, categorize.field))                     \
    K("layers.*.categorize.palette", STRING, "(Set3 unless colours are given)", NOSPEC,                      \
      AT(THEMATIC, categorize.palette))                                                                      \
    K("layers.*.categorize.colours", COLOURS, NULL, NOSPEC,                                                  \
      AT2(THEMATIC, categorize.colours, categorize.ncolours))                                                \
    K("layers.*.categorize.order", STRINGS, NULL, NOSPEC,                                                    \
      AT2(THEMATIC, categorize.order, categorize.norder))                                                    \
    K("layers.*.categorize.max", INT, "0", R('[', 0, 100, ']'), AT(THEMATIC, categorize.max))                \
    K("layers.*.categorize.other-colour", COLOUR, "#b3b3b3", NOSPEC, AT(THEMATIC, categorize.other))         \
    K("layers.*.size", SECTION, NULL, NOSPEC, HAND)                                                          \
    K("layers.*.size.field", STRING, NULL, NOSPEC, AT(THEMATIC, size.field))                                 \
    K("layers.*.size.scale", ENUM, "sqrt", W("sqrt|linear"), AT(THEMATIC, size.scale))                       \
    K("layers.*.size.max", NUMBER, "24", SPACING, AT(THEMATIC, size.max))                                    \
    K("layers.*.size.min", NUMBER, "0", WIDTH, AT(THEMATIC, size.min))                                       \
    K("layers.*.size.marker-at", ENUM, "label-point", W("label-point|centroid"), AT(THEMATIC, size.at))      \
    K("layers.*.nodata-colour", COLOUR, "#d9d9d9", NOSPEC, AT(THEMATIC, nodata))                             \
    K("layers.*.legend-format", SECTION, NULL, NOSPEC, HAND)                                                 \
    K("layers.*.legend-format.unit", STRING, NULL, NOSPEC, AT(THEMATIC, legend.unit))                        \
    K("layers.*.legend-format.decimals", INT, "(the fewest that tell bounds apart)", R('[', 0, 10, ']'),     \
      AT(THEMATIC, legend.decimals))                                                                         \
    K("layers.*.legend-format.grouping", BOOL, "true", NOSPEC, HAND)                                         \
    K("layers.*.legend-format.nodata", STRING, "(No data in map.language)", NOSPEC,                          \
      AT(THEMATIC, legend.nodata_label))                                                                     \
    K("layers.*.legend-format.other", STRING, "(Other in map.language)", NOSPEC,                             \
      AT(THEMATIC, legend.other_label))                                                                      \
    K("layers.*.join", JOINS, NULL, NOSPEC, HAND)                                                            \
    K("layers.*.join.source", PATH, NULL, NOSPEC, HAND)                                                      \
    K("layers.*.join.on", STRING, NULL, NOSPEC, AT(JOIN, on))                                                \
    K("layers.*.join.key", STRING, NULL, NOSPEC, AT(JOIN, key))                                              \
    K("layers.*.join.numeric", BOOL, "false", NOSPEC, AT(JOIN, numeric))                                     \
    K("layers.*.join.prefix", STRING, NULL, NOSPEC, AT(JOIN, prefix))                                        \
    K("layers.*.join.separator", STRING, ",", NOSPEC, HAND)

/* map.dpi comes before the lengths, which convert at it. */
#define SCHEMA(K)                                                                                            \
    K("extends", PATH, NULL, NOSPEC, HAND)                                                                   \
    K("map", SECTION, NULL, NOSPEC, HAND)                                                                    \
    K("map.dpi", NUMBER, "96", R('(', 0, 4800, ']'), AT(MAP, dpi))                                           \
    K("map.width", LENGTH, "1200", CANVAS, AT(MAP, width_px))                                                \
    K("map.height", LENGTH, "900", CANVAS, AT(MAP, height_px))                                               \
    K("map.size", ENUM, NULL, W("a4-column|half-column|a4-portrait|a4-landscape|slide-16x9|letter-column"),  \
      AT(MAP, size))                                                                                         \
    K("map.layout", ENUM, "inside", W("inside|outside|auto"), AT(MAP, layout))                               \
    K("map.subject", STRINGS, "(the fit layer)", NOSPEC, AT2(MAP, subject, nsubject))                        \
    K("map.leaders", ENUM, "auto", W("auto|on|off"), AT(MAP, leaders))                                       \
    K("map.max-pixels", NUMBER, "0", R('[', 0, 2e9, ']'), AT(MAP, max_pixels))                               \
    K("map.crs", CRS, "EPSG:4326", NOSPEC, AT(MAP, crs))                                                     \
    K("map.extent", SECTION, NULL, NOSPEC, HAND)                                                             \
    K("map.extent.lonlat", LONLAT, NULL, NOSPEC, HAND)                                                       \
    K("map.extent.bbox", BOX, NULL, NOSPEC, HAND)                                                            \
    K("map.extent.fit", STRING, "(the first layer)", NOSPEC, HAND)                                           \
    K("map.extent.where", FILTER, NULL, NOSPEC, HAND)                                                        \
    K("map.extent.margin", NUMBER, "0.05", FRACTION_OPEN, AT(MAP, margin))                                   \
    K("map.background", COLOUR, "white", NOSPEC, AT(MAP, background))                                        \
    K("map.font", STRING, "Noto Sans", NOSPEC, AT(MAP, font))                                                \
    K("map.language", ENUM, "en", W("en|ru|kk"), AT(MAP, language))                                          \
    K("title", TITLE, NULL, NOSPEC, HAND)                                                                    \
    K("title.text", STRING, NULL, NOSPEC, AT(MAP, title))                                                    \
    K("title.subtitle", STRING, NULL, NOSPEC, AT(MAP, subtitle))                                             \
    K("title.position", ENUM, "top-left", CORNERS, AT(MAP, title_corner))                                    \
    TEXT_STYLE(K, "title", title_style, "16", "#222222")                                                     \
    K("title.subtitle-size", NUMBER, "10", FONT_SIZE, AT(MAP, subtitle_style.size))                          \
    K("title.weight", WEIGHT, "bold", NOSPEC, AT(MAP, title_style.weight))                                   \
    K("legend", SECTION, NULL, NOSPEC, HAND)                                                                 \
    K("legend.show", BOOL, "(true when any layer or class has legend text)", NOSPEC, AT(MAP, legend))        \
    K("legend.title", STRING, NULL, NOSPEC, AT(MAP, legend_title))                                           \
    K("legend.position", ENUM, "bottom-left", CORNERS, AT(MAP, legend_corner))                               \
    K("legend.direction", ENUM, "vertical", W("vertical|horizontal"), AT(MAP, legend_direction))             \
    TEXT_STYLE(K, "legend", legend_style, "8", "#222222")                                                    \
    K("legend.min-size", NUMBER, "6", FONT_SIZE, AT(MAP, legend_min_size))                                   \
    K("scalebar", SECTION, NULL, NOSPEC, HAND)                                                               \
    K("scalebar.show", BOOL, "true", NOSPEC, AT(MAP, scalebar))                                              \
    K("scalebar.position", ENUM, "bottom-right", CORNERS, AT(MAP, scalebar_corner))                          \
    K("scalebar.max-width", NUMBER, "0.2", FRACTION, AT(MAP, scalebar_max_width))                            \
    K("graticule", SECTION, NULL, NOSPEC, HAND)                                                              \
    K("graticule.show", BOOL, "false", NOSPEC, AT(MAP, graticule))                                           \
    K("graticule.step", NUMBER, "10", R('(', 0, 90, ']'), AT(MAP, graticule_step))                           \
    K("graticule.stroke", COLOUR, "#8c8c8c", NOSPEC,                                                         \
      AT2(MAP, graticule_sym.stroke, graticule_sym.has_stroke))                                              \
    K("graticule.width", NUMBER, "0.4", WIDTH, AT(MAP, graticule_sym.width))                                 \
    K("graticule.dash", DASH, NULL, WIDTH, AT2(MAP, graticule_sym.dash, graticule_sym.ndash))                \
    K("graticule.opacity", NUMBER, "1", UNIT, AT(MAP, graticule_sym.opacity))                                \
    K("graticule.labels", BOOL, "true", NOSPEC, AT(MAP, graticule_labels))                                   \
    TEXT_SIZE_COLOUR(K, "graticule", graticule_style, "7", "#555555")                                        \
    K("notes", SECTION, NULL, NOSPEC, HAND)                                                                  \
    K("notes.position", ENUM, "bottom-right", CORNERS, AT(MAP, notes_corner))                                \
    K("attribution", SECTION, NULL, NOSPEC, HAND)                                                            \
    K("attribution.text", STRING, NULL, NOSPEC, AT(MAP, attribution))                                        \
    TEXT_STYLE(K, "attribution", attribution_style, "6.5", "#555555")                                        \
    K("inset", SECTION, NULL, NOSPEC, HAND)                                                                  \
    K("inset.show", BOOL, "false", NOSPEC, AT(MAP, inset))                                                   \
    K("inset.position", ENUM, "top-right", CORNERS, AT(MAP, inset_corner))                                   \
    K("inset.width", NUMBER, "0.25", FRACTION, AT(MAP, inset_width))                                         \
    K("inset.crs", CRS, "(the map's crs)", NOSPEC, AT(MAP, inset_crs))                                       \
    K("inset.extent", LONLAT, "[-180, -90, 180, 90]", NOSPEC, AT(MAP, inset_extent))                         \
    K("inset.layer", STRING, "(the first layer)", NOSPEC, AT(MAP, inset_layer))                              \
    SYMBOL(K, "inset.frame", "none", "#d62728", "1", "none", OWN)                                            \
    K("highlight", SECTION, NULL, NOSPEC, HAND)                                                              \
    SYMBOL(K, "highlight.style", "rgba(214,39,40,0.15)", "#d62728", "1.5", "circle", OWN)                    \
    K("highlight.margin", NUMBER, "0.15", FRACTION_OPEN, AT(MAP, highlight_margin))                          \
    K("highlight.where", FILTER, NULL, NOSPEC, AT(MAP, highlight_where))                                     \
    K("highlight.nearest", STRING, NULL, NOSPEC, AT(MAP, highlight_nearest))                                 \
    K("highlight.nearest-count", INT, "2", R('[', 0, 1000, ']'), AT(MAP, highlight_nearest_count))           \
    K("atlas", SECTION, NULL, NOSPEC, HAND)                                                                  \
    K("atlas.layer", STRING, NULL, NOSPEC, AT(MAP, atlas_layer))                                             \
    K("metadata", SECTION, NULL, NOSPEC, HAND)                                                               \
    K("metadata.title", STRING, "(title.text)", NOSPEC, AT(MAP, meta_title))                                 \
    K("metadata.source", STRING, "(attribution.text)", NOSPEC, AT(MAP, meta_source))                         \
    K("layers", LAYERS, NULL, NOSPEC, HAND)                                                                  \
    K("layers.*", SECTION, NULL, NOSPEC, HAND)                                                               \
    K("layers.*.type", ENUM, "(from the source's content or extension)",                                     \
      W("shapefile|csv|shared-boundary|route|border-regions|geojson|gpkg|postgis"), HAND)                    \
    K("layers.*.source", PATH, NULL, NOSPEC, HAND)                                                           \
    K("layers.*.layer", STRING, "(the only feature table)", NOSPEC, HAND)                                    \
    K("layers.*.sql", STRING, NULL, NOSPEC, HAND)                                                            \
    K("layers.*.integrity-check", BOOL, "false", NOSPEC, AT(LAYER, integrity_check))                         \
    K("layers.*.table", STRING, NULL, NOSPEC, HAND)                                                          \
    K("layers.*.geometry", STRING, "(the only geometry column)", NOSPEC, AT(LAYER, geometry_column))         \
    K("layers.*.timeout", NUMBER, "30", R('(', 0, 86400, ']'), AT(LAYER, timeout))                           \
    K("layers.*.crs", CRS, "(the source's .prj)", NOSPEC, HAND)                                              \
    K("layers.*.encoding", STRING, "(the source's .cpg)", NOSPEC, AT(LAYER, encoding))                       \
    K("layers.*.lon", STRING, "lon", NOSPEC, AT(LAYER, lon_field))                                           \
    K("layers.*.lat", STRING, "lat", NOSPEC, AT(LAYER, lat_field))                                           \
    K("layers.*.of", STRING, NULL, NOSPEC, HAND)                                                             \
    K("layers.*.a", FILTER, NULL, NOSPEC, AT(LAYER, a))                                                      \
    K("layers.*.b", FILTER, NULL, NOSPEC, AT(LAYER, b))                                                      \
    K("layers.*.stop-field", STRING, "name", NOSPEC, AT(LAYER, stop_field))                                  \
    K("layers.*.stops", STRINGS, NULL, NOSPEC, AT2(LAYER, stops, nstops))                                    \
    K("layers.*.via", STRINGS, NULL, NOSPEC, AT2(LAYER, via, nvia))                                          \
    K("layers.*.border", STRING, NULL, NOSPEC, HAND)                                                         \
    K("layers.*.tolerance", NUMBER, "10", R('[', 0, 50, ']'), AT(LAYER, tolerance_km))                       \
    K("layers.*.region-field", STRING, "name", NOSPEC, AT(LAYER, region_field))                              \
    K("layers.*.where", FILTER, NULL, NOSPEC, AT(LAYER, where))                                              \
    SYMBOL(K, "layers.*.style", "none", "#333333", "0.5", "circle", OWN)                                     \
    LABEL(K, "layers.*.label", OWN)                                                                          \
    K("layers.*.classes", CLASSES, NULL, NOSPEC, HAND)                                                       \
    K("layers.*.classes[]", SECTION, NULL, NOSPEC, HAND)                                                     \
    K("layers.*.classes[].name", STRING, NULL, NOSPEC, AT(CLASS, name))                                      \
    K("layers.*.classes[].where", FILTER, NULL, NOSPEC, AT(CLASS, where))                                    \
    SYMBOL(K, "layers.*.classes[].style", INHERIT, INHERIT, INHERIT, INHERIT, FROM_LAYER)                    \
    LABEL(K, "layers.*.classes[].label", FROM_LAYER)                                                         \
    K("layers.*.classes[].legend", STRING, NULL, NOSPEC, AT(CLASS, legend))                                  \
    K("layers.*.legend", STRING, NULL, NOSPEC, AT(LAYER, legend))                                            \
    K("layers.*.legend-order", INT, "0", RANK, AT(LAYER, legend_order))                                      \
    K("layers.*.measure", STRING, NULL, NOSPEC, AT(LAYER, measure))                                          \
    K("layers.*.measure-text", STRING, NULL, NOSPEC, AT(LAYER, measure_text))                                \
    K("layers.*.visible", BOOL, "true", NOSPEC, AT(LAYER, visible))                                          \
    THEMATIC(K)

#define AS_ROW(p, t, d, spec, at) {.path = p, .type = ST_V_##t, .def = d, spec, at},
#define AS_PATH(p, t, d, spec, at) p,

static const st_schema_key table[] = {SCHEMA(AS_ROW)};
static const char *const paths[] = {SCHEMA(AS_PATH)};

const st_schema_key *st_schema_find(const char *pattern)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(table[i].path, pattern) == 0)
            return &table[i];
    }
    return NULL;
}

const st_schema_key *st_schema_table(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

const char *const *st_schema_keys(size_t *n)
{
    *n = sizeof paths / sizeof paths[0];
    return paths;
}

const char *st_schema_type_name(st_vtype type)
{
    switch (type) {
    case ST_V_SECTION: return "a mapping";
    case ST_V_LAYERS: return "a mapping of layer names to layers";
    case ST_V_CLASSES: return "a list of classes";
    case ST_V_LABEL: return "a field name or a mapping";
    case ST_V_TITLE: return "a string or a mapping";
    case ST_V_FILTER: return "a mapping of field names to values";
    case ST_V_STRING: return "a string";
    case ST_V_NUMBER: return "a number";
    case ST_V_INT: return "an integer";
    case ST_V_BOOL: return "true or false";
    case ST_V_LENGTH: return "a length (pixels, or a number with mm, cm, in, pt or px)";
    case ST_V_COLOUR: return "a colour";
    case ST_V_CRS: return "a CRS string";
    case ST_V_PATH: return "a file name";
    case ST_V_ENUM: return "one of the listed words";
    case ST_V_WEIGHT: return "normal, bold or a number from 100 to 900";
    case ST_V_DASH: return "a list of on, off lengths";
    case ST_V_BOX: return "a list of 4 numbers";
    case ST_V_LONLAT: return "a list of 4 numbers (west, south, east, north)";
    case ST_V_STRINGS: return "a list of strings";
    case ST_V_NUMBERS: return "a list of numbers";
    case ST_V_COLOURS: return "a list of colours";
    case ST_V_JOINS: return "a mapping or a list of mappings";
    }
    return "a value";
}

bool st_range_holds(const st_range *r, double v)
{
    if (!isfinite(v))
        return false;
    if (r->lo_end == '(' && !(v > r->lo))
        return false;
    if (r->lo_end == '[' && !(v >= r->lo))
        return false;
    if (r->hi_end == ')' && !(v < r->hi))
        return false;
    if (r->hi_end == ']' && !(v <= r->hi))
        return false;
    return true;
}

const char *st_number_text(double v, char *buf, size_t size)
{
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%g", v);
    return buf;
}

const char *st_range_text(const st_range *r, bool doc, char *buf, size_t size)
{
    char lo[32];
    char hi[32];
    st_number_text(r->lo, lo, sizeof lo);
    st_number_text(r->hi, hi, sizeof hi);
    buf[0] = '\0';
    if (!doc) {
        if (r->lo_end || r->hi_end)
            snprintf(buf, size, "%c%s, %s%c", r->lo_end ? r->lo_end : '(', r->lo_end ? lo : "",
                     r->hi_end ? hi : "", r->hi_end ? r->hi_end : ')');
        return buf;
    }
    /* The reference's "Allowed" column: "> 0, ≤ 4800". */
    const char *lo_op = r->lo_end == '(' ? "> " : "≥ ";
    const char *hi_op = r->hi_end == ')' ? "< " : "≤ ";
    if (r->lo_end && r->hi_end)
        snprintf(buf, size, "%s%s, %s%s", lo_op, lo, hi_op, hi);
    else if (r->lo_end)
        snprintf(buf, size, "%s%s", lo_op, lo);
    else if (r->hi_end)
        snprintf(buf, size, "%s%s", hi_op, hi);
    return buf;
}
