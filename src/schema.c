/* The style schema: one static table, spelled out with X-macros so that the
 * same list yields both the rows and the plain list of key paths without any
 * table built at run time (no mutable globals). Symbol and label keys appear
 * at several places; SYMBOL() and LABEL() expand them under each prefix with
 * that place's defaults. */
#include "schema.h"

#include <string.h>

#define CORNERS "top-left|top-right|bottom-left|bottom-right"
#define INHERIT "(the layer's)"

/* K(path, type, default, allowed, doc) */
#define SYMBOL(K, P, FILL, STROKE, WIDTH, MARKER, D)                                                         \
    K(P, SECTION, NULL, NULL, "How features are drawn (a symbol).")                                          \
    K(P ".fill", COLOUR, FILL, NULL, "Fill colour of polygons and markers; none for no fill.")               \
    K(P ".stroke", COLOUR, STROKE, NULL, "Outline / line colour; none for no outline.")                      \
    K(P ".width", NUMBER, WIDTH, "[0,)", "Stroke width in points.")                                          \
    K(P ".dash", NUMBERS, D(NULL), "[0,)", "Dash pattern: on, off, ... lengths in points (at most 8).")      \
    K(P ".join", ENUM, D("round"), "round|miter|bevel", "Line join.")                                        \
    K(P ".cap", ENUM, D("round"), "round|butt|square", "Line cap.")                                          \
    K(P ".marker", ENUM, MARKER, "none|circle|square|triangle|diamond|star", "Marker drawn at each point.")  \
    K(P ".size", NUMBER, D("6"), "[0,)", "Marker diameter in points.")                                       \
    K(P ".opacity", NUMBER, D("1"), "[0,1]", "Opacity of the whole layer, 0 to 1.")                          \
    K(P ".hatch", ENUM, D("none"),                                                                           \
      "none|horizontal|vertical|diagonal|back-diagonal|cross|diagonal-cross|dots",                           \
      "Pattern drawn over a polygon's fill.")                                                                \
    K(P ".hatch-color", COLOUR, D("#333333"), NULL, "Colour of the hatch lines or dots.")                    \
    K(P ".hatch-spacing", NUMBER, D("4"), "(0,)", "Distance between hatch lines in points.")                 \
    K(P ".hatch-width", NUMBER, D("0.5"), "(0,)", "Width of the hatch lines in points.")                     \
    K(P ".casing", COLOUR, D("none"), NULL, "Colour of a casing drawn beneath a line (a cased road).")       \
    K(P ".casing-width", NUMBER, D("(width + 2)"), "(0,)", "Total width of the casing in points.")

#define LABEL(K, P, D)                                                                                       \
    K(P, LABEL, NULL, NULL,                                                                                  \
      "Labels: a field name (shorthand for text: \"{field}\") or a mapping of the keys below.")              \
    K(P ".text", STRING, D(NULL), NULL, "Template; {field} is replaced by the feature's value.")             \
    K(P ".font", STRING, D("(the map's font)"), NULL, "Font family.")                                        \
    K(P ".size", NUMBER, D("8"), "(0,)", "Font size in points.")                                             \
    K(P ".weight", WEIGHT, D("normal"), NULL, "normal, bold, or a number from 100 to 900.")                  \
    K(P ".italic", BOOL, D("false"), NULL, "Italic type.")                                                   \
    K(P ".uppercase", BOOL, D("false"), NULL, "Set the text in capitals.")                                   \
    K(P ".letter-spacing", NUMBER, D("0"), NULL, "Extra space between letters in points.")                   \
    K(P ".color", COLOUR, D("#222222"), NULL, "Text colour.")                                                \
    K(P ".halo", COLOUR, D("rgba(255,255,255,0.85)"), NULL, "Halo colour around the letters.")               \
    K(P ".halo-width", NUMBER, D("1.5"), "[0,)", "Halo width in points; 0 for no halo.")                     \
    K(P ".priority", INT, D("0"), NULL, "Labels with a higher priority are placed first.")                   \
    K(P ".placement", ENUM, D("auto"), "auto|point|polygon|line",                                            \
      "auto: point for points, inside for polygons, along the line for lines.")                              \
    K(P ".offset", NUMBER, D("2"), "[0,)", "Gap between a point's marker and its label in points.")          \
    K(P ".min-area", NUMBER, D("0"), "[0,)", "Polygons smaller than this many square pixels get no label.")  \
    K(P ".outside", BOOL, D("false"), NULL,                                                                  \
      "Polygons too small for their label inside get it beside them, like a point label.")

#define FILTER_DOC                                                                                           \
    "Features to keep: field: value, or field: {eq|ne|lt|le|gt|ge: value} or {in|not-in: [list]}."

#define OWN(x) x
#define FROM_LAYER(x) INHERIT

#define SCHEMA(K)                                                                                            \
    K("extends", PATH, NULL, NULL,                                                                           \
      "Another style this one starts from; its keys are deep-merged under these.")                           \
    K("map", SECTION, NULL, NULL, "The canvas, projection and extent.")                                      \
    K("map.width", LENGTH, "1200", "(0,)", "Canvas width: pixels, or a length such as \"170mm\".")           \
    K("map.height", LENGTH, "900", "(0,)", "Canvas height: pixels, or a length such as \"120mm\".")          \
    K("map.dpi", NUMBER, "96", "(0,4800]", "Pixels per inch; sizes in points scale with it.")                \
    K("map.max-pixels", NUMBER, "0", "[0,)",                                                                 \
      "Largest canvas allowed (width x height); 0: the built-in limit.")                                     \
    K("map.crs", CRS, "EPSG:4326", NULL, "Map projection: a PROJ string, \"EPSG:NNNN\" or WKT.")             \
    K("map.extent", SECTION, NULL, NULL, "What the map shows: exactly one of lonlat, bbox or fit.")          \
    K("map.extent.lonlat", NUMBERS, NULL, NULL, "[west, south, east, north] in degrees.")                    \
    K("map.extent.bbox", NUMBERS, NULL, NULL, "[xmin, ymin, xmax, ymax] in map CRS units.")                  \
    K("map.extent.fit", STRING, "(the first layer)", NULL,                                                   \
      "Name of the layer whose features frame the map.")                                                     \
    K("map.extent.where", FILTER, NULL, NULL, "With fit: frame only the matching features.")                 \
    K("map.extent.margin", NUMBER, "0.05", "[0,1)",                                                          \
      "Space added on each side of a fitted extent, as a fraction.")                                         \
    K("map.background", COLOUR, "white", NULL, "Background colour; transparent for a transparent PNG.")      \
    K("map.font", STRING, "Noto Sans", NULL, "Default font family for all text.")                            \
    K("map.language", ENUM, "en", "en|ru|kk",                                                                \
      "Language of the words steppe writes itself: scale bar units, degree labels, thousands separator.")    \
    K("title", TITLE, NULL, NULL, "The title block; a string is shorthand for title.text.")                  \
    K("title.text", STRING, NULL, NULL, "Title; no title block when absent.")                                \
    K("title.subtitle", STRING, NULL, NULL, "Second line under the title.")                                  \
    K("title.position", ENUM, "top-left", CORNERS, "Corner of the map holding the title block.")             \
    K("title.size", NUMBER, "16", "(0,)", "Title font size in points.")                                      \
    K("title.subtitle-size", NUMBER, "10", "(0,)", "Subtitle font size in points.")                          \
    K("title.color", COLOUR, "#222222", NULL, "Title and subtitle colour.")                                  \
    K("title.font", STRING, "(the map's font)", NULL, "Title font family.")                                  \
    K("title.weight", WEIGHT, "bold", NULL, "Title weight: normal, bold, or 100 to 900.")                    \
    K("legend", SECTION, NULL, NULL, "The legend: one entry per layer or class with legend text.")           \
    K("legend.show", BOOL, "(true when any layer or class has legend text)", NULL, "Draw the legend.")       \
    K("legend.title", STRING, NULL, NULL, "Heading of the legend.")                                          \
    K("legend.position", ENUM, "bottom-left", CORNERS, "Corner of the map holding the legend.")              \
    K("legend.size", NUMBER, "8", "(0,)", "Font size of the entries in points.")                             \
    K("legend.color", COLOUR, "#222222", NULL, "Text colour.")                                               \
    K("legend.font", STRING, "(the map's font)", NULL, "Font family.")                                       \
    K("scalebar", SECTION, NULL, NULL, "The scale bar, true at the map centre.")                             \
    K("scalebar.show", BOOL, "true", NULL, "Draw the scale bar.")                                            \
    K("scalebar.position", ENUM, "bottom-right", CORNERS, "Corner of the map holding the scale bar.")        \
    K("scalebar.max-width", NUMBER, "0.2", "(0,1]", "Longest bar as a fraction of the map width.")           \
    K("graticule", SECTION, NULL, NULL, "Lines of latitude and longitude.")                                  \
    K("graticule.show", BOOL, "false", NULL, "Draw the graticule.")                                          \
    K("graticule.step", NUMBER, "10", "(0,90]", "Degrees between lines.")                                    \
    K("graticule.stroke", COLOUR, "#8c8c8c", NULL, "Line colour.")                                           \
    K("graticule.width", NUMBER, "0.4", "[0,)", "Line width in points.")                                     \
    K("graticule.dash", NUMBERS, NULL, "[0,)", "Dash pattern in points.")                                    \
    K("graticule.opacity", NUMBER, "1", "[0,1]", "Line opacity.")                                            \
    K("graticule.labels", BOOL, "true", NULL, "Degree labels along the frame.")                              \
    K("graticule.size", NUMBER, "7", "(0,)", "Label font size in points.")                                   \
    K("graticule.color", COLOUR, "#555555", NULL, "Label colour.")                                           \
    K("notes", SECTION, NULL, NULL, "The box listing measured lengths (measure-text of layers).")            \
    K("notes.position", ENUM, "bottom-right", CORNERS, "Corner of the map holding the notes box.")           \
    K("attribution", SECTION, NULL, NULL, "Data credits along the bottom edge.")                             \
    K("attribution.text", STRING, NULL, NULL, "Credit line.")                                                \
    K("attribution.size", NUMBER, "6.5", "(0,)", "Font size in points.")                                     \
    K("attribution.color", COLOUR, "#555555", NULL, "Text colour.")                                          \
    K("attribution.font", STRING, "(the map's font)", NULL, "Font family.")                                  \
    K("inset", SECTION, NULL, NULL, "A small locator map showing where the main map lies.")                  \
    K("inset.show", BOOL, "false", NULL, "Draw the inset.")                                                  \
    K("inset.position", ENUM, "top-right", CORNERS, "Corner of the map holding the inset.")                  \
    K("inset.width", NUMBER, "0.25", "(0,1]", "Inset width as a fraction of the map width.")                 \
    K("inset.crs", CRS, "(the map's crs)", NULL, "Projection of the inset.")                                 \
    K("inset.extent", NUMBERS, "[-180, -90, 180, 90]", NULL, "[west, south, east, north] in degrees.")       \
    K("inset.layer", STRING, "(the first layer)", NULL, "Layer drawn in the inset, with its own style.")     \
    SYMBOL(K, "inset.frame", "none", "#d62728", "1", "none", OWN)                                            \
    K("highlight", SECTION, NULL, NULL, "How an atlas page draws its own feature.")                          \
    SYMBOL(K, "highlight.style", "rgba(214,39,40,0.15)", "#d62728", "1.5", "circle", OWN)                    \
    K("highlight.margin", NUMBER, "0.15", "[0,1)", "Space around the highlighted feature, as a fraction.")   \
    K("highlight.where", FILTER, NULL, NULL,                                                                 \
      "Atlas: make pages only for the features of the atlas layer that match (steppe atlas --where).")       \
    K("highlight.nearest", STRING, NULL, NULL,                                                               \
      "A point layer: each page's frame grows to take in the nearest of its features.")                      \
    K("highlight.nearest-count", INT, "2", "[0,)",                                                           \
      "How many of the nearest features of highlight.nearest to show.")                                      \
    K("metadata", SECTION, NULL, NULL, "Text written into the output file (PNG tEXt chunks).")               \
    K("metadata.title", STRING, "(title.text)", NULL, "The Title chunk.")                                    \
    K("metadata.source", STRING, "(attribution.text)", NULL, "The Source chunk.")                            \
    K("layers", LAYERS, NULL, NULL, "The layers, keyed by name, drawn in the order written.")                \
    K("layers.*", SECTION, NULL, NULL, "One layer; ~ removes a layer inherited through extends.")            \
    K("layers.*.type", ENUM, "(from the source's extension)", "shapefile|csv|shared-boundary|route",         \
      "What the layer draws.")                                                                               \
    K("layers.*.source", PATH, NULL, NULL, "The .shp or .csv file (shapefile and csv layers; required).")    \
    K("layers.*.crs", CRS, "(the source's .prj)", NULL, "CRS of the source, overriding its .prj.")           \
    K("layers.*.encoding", STRING, "(the source's .cpg)", NULL, "Text encoding of the attributes.")          \
    K("layers.*.lon", STRING, "lon", NULL, "CSV column holding the longitude.")                              \
    K("layers.*.lat", STRING, "lat", NULL, "CSV column holding the latitude.")                               \
    K("layers.*.of", STRING, NULL, NULL, "shared-boundary and route: the layer they derive from.")           \
    K("layers.*.a", FILTER, NULL, NULL, "shared-boundary: the features on side A (required).")               \
    K("layers.*.b", FILTER, NULL, NULL, "shared-boundary: the features on side B (required).")               \
    K("layers.*.stop-field", STRING, "name", NULL, "route: the field the stops are matched against.")        \
    K("layers.*.stops", STRINGS, NULL, NULL, "route: the stops in order, at least 2.")                       \
    K("layers.*.where", FILTER, NULL, NULL, FILTER_DOC)                                                      \
    SYMBOL(K, "layers.*.style", "none", "#333333", "0.5", "circle", OWN)                                     \
    LABEL(K, "layers.*.label", OWN)                                                                          \
    K("layers.*.classes", CLASSES, NULL, NULL, "Classes: the first whose where matches styles a feature.")   \
    K("layers.*.classes[]", SECTION, NULL, NULL, "One class.")                                               \
    K("layers.*.classes[].name", STRING, NULL, NULL, "Name of the class (for messages and reports).")        \
    K("layers.*.classes[].where", FILTER, NULL, NULL, "Features in this class (required).")                  \
    SYMBOL(K, "layers.*.classes[].style", INHERIT, INHERIT, INHERIT, INHERIT, FROM_LAYER)                    \
    LABEL(K, "layers.*.classes[].label", FROM_LAYER)                                                         \
    K("layers.*.classes[].legend", STRING, NULL, NULL, "Legend text for this class.")                        \
    K("layers.*.legend", STRING, NULL, NULL, "Legend text; the layer is in the legend only when set.")       \
    K("layers.*.legend-order", INT, "0", NULL, "Legend entries sort by this, then by layer order.")          \
    K("layers.*.measure", STRING, NULL, NULL, "Report the layer's length under this key.")                   \
    K("layers.*.measure-text", STRING, NULL, NULL,                                                           \
      "Line for the notes box; {km} and {km_round} are filled in.")                                          \
    K("layers.*.visible", BOOL, "true", NULL, "Draw the layer (a hidden layer can still be derived from).")

#define AS_ROW(p, t, d, a, doc) {p, ST_V_##t, d, a, doc},
#define AS_PATH(p, t, d, a, doc) p,

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
    case ST_V_NUMBERS: return "a list of numbers";
    case ST_V_STRINGS: return "a list of strings";
    }
    return "a value";
}
