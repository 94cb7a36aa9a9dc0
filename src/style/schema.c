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

/* K(path, type, default, words or range, where, doc) */
#define SYMBOL(K, P, FILL, STROKE, WIDTH_DEF, MARKER, D)                                                     \
    K(P, SECTION, NULL, NOSPEC, HAND, "How features are drawn (a symbol).")                                  \
    K(P ".fill", COLOUR, FILL, NOSPEC, AT2(SYMBOL, fill, has_fill),                                          \
      "Fill colour of polygons and markers; none for no fill.")                                              \
    K(P ".stroke", COLOUR, STROKE, NOSPEC, AT2(SYMBOL, stroke, has_stroke),                                  \
      "Outline / line colour; none for no outline.")                                                         \
    K(P ".width", NUMBER, WIDTH_DEF, WIDTH, AT(SYMBOL, width), "Stroke width in points.")                    \
    K(P ".dash", DASH, D(NULL), WIDTH, AT2(SYMBOL, dash, ndash),                                             \
      "Dash pattern: on, off, ... lengths in points (at most 8).")                                           \
    K(P ".join", ENUM, D("round"), W("round|miter|bevel"), AT(SYMBOL, join), "Line join.")                   \
    K(P ".cap", ENUM, D("round"), W("round|butt|square"), AT(SYMBOL, cap), "Line cap.")                      \
    K(P ".marker", ENUM, MARKER, W("none|circle|square|triangle|diamond|star"), AT(SYMBOL, marker),          \
      "Marker drawn at each point.")                                                                         \
    K(P ".size", NUMBER, D("6"), WIDTH, AT(SYMBOL, size), "Marker diameter in points.")                      \
    K(P ".opacity", NUMBER, D("1"), UNIT, AT(SYMBOL, opacity), "Opacity of the whole layer, 0 to 1.")        \
    K(P ".hatch", ENUM, D("none"),                                                                           \
      W("none|horizontal|vertical|diagonal|back-diagonal|cross|diagonal-cross|dots"), AT(SYMBOL, hatch),     \
      "Pattern drawn over a polygon's fill.")                                                                \
    K(P ".hatch-color", COLOUR, D("#333333"), NOSPEC, AT(SYMBOL, hatch_color),                               \
      "Colour of the hatch lines or dots.")                                                                  \
    K(P ".hatch-spacing", NUMBER, D("4"), SPACING, AT(SYMBOL, hatch_spacing),                                \
      "Hatch line spacing in points.")                                                                       \
    K(P ".hatch-width", NUMBER, D("0.5"), SPACING, AT(SYMBOL, hatch_width), "Hatch line width in points.")   \
    K(P ".casing", COLOUR, D("none"), NOSPEC, AT2(SYMBOL, casing, has_casing),                               \
      "Colour of a casing drawn beneath a line (a cased road).")                                             \
    K(P ".casing-width", NUMBER, D("(width + 2)"), SPACING, AT(SYMBOL, casing_width),                        \
      "Total width of the casing in points.")

#define LABEL(K, P, D)                                                                                       \
    K(P, LABEL, NULL, NOSPEC, HAND,                                                                          \
      "Labels: a field name (shorthand for text: \"{field}\") or a mapping of the keys below.")              \
    K(P ".text", STRING, D(NULL), NOSPEC, AT(LABEL, text),                                                   \
      "Template; {field} is replaced by the feature's value.")                                               \
    K(P ".font", STRING, D("(the map's font)"), NOSPEC, AT(LABEL, font), "Font family.")                     \
    K(P ".size", NUMBER, D("8"), FONT_SIZE, AT(LABEL, size), "Font size in points.")                         \
    K(P ".weight", WEIGHT, D("normal"), NOSPEC, AT(LABEL, weight),                                           \
      "normal, bold, or a number from 100 to 900.")                                                          \
    K(P ".italic", BOOL, D("false"), NOSPEC, AT(LABEL, italic), "Italic type.")                              \
    K(P ".uppercase", BOOL, D("false"), NOSPEC, AT(LABEL, uppercase), "Set the text in capitals.")           \
    K(P ".letter-spacing", NUMBER, D("0"), R('[', -1000, 1000, ']'), AT(LABEL, letter_spacing),              \
      "Extra space between letters in points.")                                                              \
    K(P ".color", COLOUR, D("#222222"), NOSPEC, AT(LABEL, color), "Text colour.")                            \
    K(P ".halo", COLOUR, D("rgba(255,255,255,0.85)"), NOSPEC, AT(LABEL, halo),                               \
      "Halo colour around the letters.")                                                                     \
    K(P ".halo-width", NUMBER, D("1.5"), WIDTH, AT(LABEL, halo_width),                                       \
      "Halo width in points; 0 for no halo.")                                                                \
    K(P ".priority", INT, D("0"), RANK, AT(LABEL, priority),                                                 \
      "Labels with a higher priority are placed first.")                                                     \
    K(P ".placement", ENUM, D("auto"), W("auto|point|polygon|line"), AT(LABEL, placement),                   \
      "auto: point for points, inside for polygons, along the line for lines.")                              \
    K(P ".offset", NUMBER, D("2"), WIDTH, AT(LABEL, offset),                                                 \
      "Gap between a point's marker and its label in points.")                                               \
    K(P ".min-area", NUMBER, D("0"), R('[', 0, 1e9, ']'), AT(LABEL, min_area),                               \
      "Polygons smaller than this many square pixels get no label.")                                         \
    K(P ".outside", BOOL, D("false"), NOSPEC, AT(LABEL, outside),                                            \
      "Polygons too small for their label inside get it beside them, like a point label.")

#define FILTER_DOC                                                                                           \
    "Features to keep: field: value, or field: {eq|ne|lt|le|gt|ge: value} or {in|not-in: [list]}."

#define OWN(x) x
#define FROM_LAYER(x) INHERIT

#define THEMATIC(K)                                                                                          \
    K("layers.*.classify", SECTION, NULL, NOSPEC, HAND, "Fill features by classes of a numeric field.")      \
    K("layers.*.classify.field", STRING, NULL, NOSPEC, AT(THEMATIC, classify.field),                         \
      "Numeric field to classify (required; joined and derived fields count).")                              \
    K("layers.*.classify.method", ENUM, "quantile", W("quantile|equal|natural|stddev|pretty|manual|fisher"), \
      AT(THEMATIC, classify.method), "Classification method, as R classInt computes it.")                    \
    K("layers.*.classify.classes", INT, "5", R('[', 2, 100, ']'), AT(THEMATIC, classify.classes),            \
      "Number of classes (a hint for stddev and pretty; ignored for manual).")                               \
    K("layers.*.classify.breaks", NUMBERS, NULL, NOSPEC, AT2(THEMATIC, classify.breaks, classify.nbreaks),   \
      "Class edges for method: manual, at least 2, increasing.")                                             \
    K("layers.*.classify.ramp", STRING, "(YlOrRd unless colours are given)", NOSPEC,                         \
      AT(THEMATIC, classify.ramp), "ColorBrewer or viridis-family colour ramp.")                             \
    K("layers.*.classify.reverse", BOOL, "false", NOSPEC, AT(THEMATIC, classify.reverse),                    \
      "Turn the ramp round.")                                                                                \
    K("layers.*.classify.colours", COLOURS, NULL, NOSPEC,                                                    \
      AT2(THEMATIC, classify.colours, classify.ncolours),                                                    \
      "Your own colours, interpolated in OKLab to the class count.")                                         \
    K("layers.*.categorize", SECTION, NULL, NOSPEC, HAND,                                                    \
      "Fill features by the distinct values of a field.")                                                    \
    K("layers.*.categorize.field", STRING, NULL, NOSPEC, AT(THEMATIC, categorize.field),                     \
      "Field whose distinct values are the categories (required).")                                          \
    K("layers.*.categorize.palette", STRING, "(Set3 unless colours are given)", NOSPEC,                      \
      AT(THEMATIC, categorize.palette), "Palette for the categories.")                                       \
    K("layers.*.categorize.colours", COLOURS, NULL, NOSPEC,                                                  \
      AT2(THEMATIC, categorize.colours, categorize.ncolours), "One colour per category, in order.")          \
    K("layers.*.categorize.order", STRINGS, NULL, NOSPEC,                                                    \
      AT2(THEMATIC, categorize.order, categorize.norder),                                                    \
      "Categories listed first, in this order; the rest sorted.")                                            \
    K("layers.*.categorize.max", INT, "0", R('[', 0, 100, ']'), AT(THEMATIC, categorize.max),                \
      "Most categories with their own colour (0: as many as the palette has); the rest are other.")          \
    K("layers.*.categorize.other-colour", COLOUR, "#b3b3b3", NOSPEC, AT(THEMATIC, categorize.other),         \
      "Fill of the other category.")                                                                         \
    K("layers.*.size", SECTION, NULL, NOSPEC, HAND, "Proportional markers from a numeric field.")            \
    K("layers.*.size.field", STRING, NULL, NOSPEC, AT(THEMATIC, size.field),                                 \
      "Numeric field, values >= 0, the marker size follows (required).")                                     \
    K("layers.*.size.scale", ENUM, "sqrt", W("sqrt|linear"), AT(THEMATIC, size.scale),                       \
      "sqrt: area-true circles; linear: diameter proportional to the value.")                                \
    K("layers.*.size.max", NUMBER, "24", SPACING, AT(THEMATIC, size.max),                                    \
      "Diameter of the largest value in points.")                                                            \
    K("layers.*.size.min", NUMBER, "0", WIDTH, AT(THEMATIC, size.min),                                       \
      "Smallest diameter of a non-zero value in points.")                                                    \
    K("layers.*.size.marker-at", ENUM, "label-point", W("label-point|centroid"), AT(THEMATIC, size.at),      \
      "Where a polygon's marker goes.")                                                                      \
    K("layers.*.nodata-colour", COLOUR, "#d9d9d9", NOSPEC, AT(THEMATIC, nodata),                             \
      "Fill of features without a value (classify, categorize).")                                            \
    K("layers.*.legend-format", SECTION, NULL, NOSPEC, HAND, "How class ranges read in the legend.")         \
    K("layers.*.legend-format.unit", STRING, NULL, NOSPEC, AT(THEMATIC, legend.unit),                        \
      "Unit after the upper bound of a range.")                                                              \
    K("layers.*.legend-format.decimals", INT, "(the fewest that tell bounds apart)", R('[', 0, 10, ']'),     \
      AT(THEMATIC, legend.decimals), "Decimals of the class bounds.")                                        \
    K("layers.*.legend-format.grouping", BOOL, "true", NOSPEC, HAND, "Thousands separators.")                \
    K("layers.*.legend-format.nodata", STRING, "(No data in map.language)", NOSPEC,                          \
      AT(THEMATIC, legend.nodata_label), "Legend text of the no-data entry.")                                \
    K("layers.*.legend-format.other", STRING, "(Other in map.language)", NOSPEC,                             \
      AT(THEMATIC, legend.other_label), "Legend text of the other category.")                                \
    K("layers.*.join", JOINS, NULL, NOSPEC, HAND, "A table, or a list of tables, joined to the features.")   \
    K("layers.*.join.source", PATH, NULL, NOSPEC, HAND, "The CSV table (required).")                         \
    K("layers.*.join.on", STRING, NULL, NOSPEC, AT(JOIN, on), "Feature field holding the key (required).")   \
    K("layers.*.join.key", STRING, NULL, NOSPEC, AT(JOIN, key), "Table column holding the key (required).")  \
    K("layers.*.join.numeric", BOOL, "false", NOSPEC, AT(JOIN, numeric),                                     \
      "Compare keys that are numbers as numbers.")                                                           \
    K("layers.*.join.prefix", STRING, NULL, NOSPEC, AT(JOIN, prefix),                                        \
      "Put in front of every joined column's name.")                                                         \
    K("layers.*.join.separator", STRING, ",", NOSPEC, HAND, "Cell separator of the table (one character).")

/* map.dpi comes before the lengths, which convert at it. */
#define SCHEMA(K)                                                                                            \
    K("extends", PATH, NULL, NOSPEC, HAND,                                                                   \
      "Another style this one starts from; its keys are deep-merged under these.")                           \
    K("map", SECTION, NULL, NOSPEC, HAND, "The canvas, projection and extent.")                              \
    K("map.dpi", NUMBER, "96", R('(', 0, 4800, ']'), AT(MAP, dpi),                                           \
      "Pixels per inch; sizes in points scale with it.")                                                     \
    K("map.width", LENGTH, "1200", CANVAS, AT(MAP, width_px),                                                \
      "Canvas width: pixels, or a length such as \"170mm\".")                                                \
    K("map.height", LENGTH, "900", CANVAS, AT(MAP, height_px),                                               \
      "Canvas height: pixels, or a length such as \"120mm\".")                                               \
    K("map.size", ENUM, NULL, W("a4-column|half-column|a4-portrait|a4-landscape|slide-16x9|letter-column"),  \
      AT(MAP, size),                                                                                         \
      "A printed size: a4-column 170 mm, half-column 85 mm, letter-column 165 mm wide (the height follows "  \
      "the subject); a4-portrait, a4-landscape, slide-16x9 (338.7 x 190.5 mm) whole pages.")                 \
    K("map.layout", ENUM, "inside", W("inside|outside|auto"), AT(MAP, layout),                               \
      "Furniture over the map (inside), around its frame (outside), or outside only when inside would "      \
      "cover the subject (auto).")                                                                           \
    K("map.subject", STRINGS, "(the fit layer)", NOSPEC, AT2(MAP, subject, nsubject),                        \
      "Layers the map is about: furniture never covers their lines, markers and labels.")                    \
    K("map.leaders", ENUM, "auto", W("auto|on|off"), AT(MAP, leaders),                                       \
      "Labels with no room beside their feature go further out with a thin leader line: the "                \
      "subject's (auto), any point's, line's or outside polygon name's (on), or none (off).")                \
    K("map.max-pixels", NUMBER, "0", R('[', 0, 2e9, ']'), AT(MAP, max_pixels),                               \
      "Largest canvas allowed (width x height); 0: the built-in limit.")                                     \
    K("map.crs", CRS, "EPSG:4326", NOSPEC, AT(MAP, crs),                                                     \
      "Map projection: a PROJ string, \"EPSG:NNNN\" or WKT.")                                                \
    K("map.extent", SECTION, NULL, NOSPEC, HAND, "What the map shows: exactly one of lonlat, bbox or fit.")  \
    K("map.extent.lonlat", LONLAT, NULL, NOSPEC, HAND, "[west, south, east, north] in degrees.")             \
    K("map.extent.bbox", BOX, NULL, NOSPEC, HAND, "[xmin, ymin, xmax, ymax] in map CRS units.")              \
    K("map.extent.fit", STRING, "(the first layer)", NOSPEC, HAND,                                           \
      "Name of the layer whose features frame the map.")                                                     \
    K("map.extent.where", FILTER, NULL, NOSPEC, HAND, "With fit: frame only the matching features.")         \
    K("map.extent.margin", NUMBER, "0.05", FRACTION_OPEN, AT(MAP, margin),                                   \
      "Space added on each side of a fitted extent, as a fraction.")                                         \
    K("map.background", COLOUR, "white", NOSPEC, AT(MAP, background),                                        \
      "Background colour; transparent for a transparent PNG.")                                               \
    K("map.font", STRING, "Noto Sans", NOSPEC, AT(MAP, font), "Default font family for all text.")           \
    K("map.language", ENUM, "en", W("en|ru|kk"), AT(MAP, language),                                          \
      "Language of the words steppe writes itself: scale bar units, degree labels, thousands separator.")    \
    K("title", TITLE, NULL, NOSPEC, HAND, "The title block; a string is shorthand for title.text.")          \
    K("title.text", STRING, NULL, NOSPEC, AT(MAP, title), "Title; no title block when absent.")              \
    K("title.subtitle", STRING, NULL, NOSPEC, AT(MAP, subtitle), "Second line under the title.")             \
    K("title.position", ENUM, "top-left", CORNERS, AT(MAP, title_corner),                                    \
      "Corner of the map holding the title block.")                                                          \
    K("title.size", NUMBER, "16", FONT_SIZE, AT(MAP, title_style.size), "Title font size in points.")        \
    K("title.subtitle-size", NUMBER, "10", FONT_SIZE, AT(MAP, subtitle_style.size),                          \
      "Subtitle font size in points.")                                                                       \
    K("title.color", COLOUR, "#222222", NOSPEC, AT(MAP, title_style.color), "Title and subtitle colour.")    \
    K("title.font", STRING, "(the map's font)", NOSPEC, AT(MAP, title_style.font), "Title font family.")     \
    K("title.weight", WEIGHT, "bold", NOSPEC, AT(MAP, title_style.weight),                                   \
      "Title weight: normal, bold, or 100 to 900.")                                                          \
    K("legend", SECTION, NULL, NOSPEC, HAND, "The legend: one entry per layer or class with legend text.")   \
    K("legend.show", BOOL, "(true when any layer or class has legend text)", NOSPEC, AT(MAP, legend),        \
      "Draw the legend.")                                                                                    \
    K("legend.title", STRING, NULL, NOSPEC, AT(MAP, legend_title), "Heading of the legend.")                 \
    K("legend.position", ENUM, "bottom-left", CORNERS, AT(MAP, legend_corner),                               \
      "Corner of the map holding the legend.")                                                               \
    K("legend.direction", ENUM, "vertical", W("vertical|horizontal"), AT(MAP, legend_direction),             \
      "Entries in a column, or along rows wrapped to the map width.")                                        \
    K("legend.size", NUMBER, "8", FONT_SIZE, AT(MAP, legend_style.size),                                     \
      "Font size of the entries in points.")                                                                 \
    K("legend.min-size", NUMBER, "6", FONT_SIZE, AT(MAP, legend_min_size),                                   \
      "Smallest font size in points the legend shrinks to before it leaves entries out.")                    \
    K("legend.color", COLOUR, "#222222", NOSPEC, AT(MAP, legend_style.color), "Text colour.")                \
    K("legend.font", STRING, "(the map's font)", NOSPEC, AT(MAP, legend_style.font), "Font family.")         \
    K("scalebar", SECTION, NULL, NOSPEC, HAND, "The scale bar, true at the map centre.")                     \
    K("scalebar.show", BOOL, "true", NOSPEC, AT(MAP, scalebar), "Draw the scale bar.")                       \
    K("scalebar.position", ENUM, "bottom-right", CORNERS, AT(MAP, scalebar_corner),                          \
      "Corner of the map holding the scale bar.")                                                            \
    K("scalebar.max-width", NUMBER, "0.2", FRACTION, AT(MAP, scalebar_max_width),                            \
      "Longest bar as a fraction of the map width.")                                                         \
    K("graticule", SECTION, NULL, NOSPEC, HAND, "Lines of latitude and longitude.")                          \
    K("graticule.show", BOOL, "false", NOSPEC, AT(MAP, graticule), "Draw the graticule.")                    \
    K("graticule.step", NUMBER, "10", R('(', 0, 90, ']'), AT(MAP, graticule_step), "Degrees between lines.") \
    K("graticule.stroke", COLOUR, "#8c8c8c", NOSPEC,                                                         \
      AT2(MAP, graticule_sym.stroke, graticule_sym.has_stroke), "Line colour.")                              \
    K("graticule.width", NUMBER, "0.4", WIDTH, AT(MAP, graticule_sym.width), "Line width in points.")        \
    K("graticule.dash", DASH, NULL, WIDTH, AT2(MAP, graticule_sym.dash, graticule_sym.ndash),                \
      "Dash pattern in points.")                                                                             \
    K("graticule.opacity", NUMBER, "1", UNIT, AT(MAP, graticule_sym.opacity), "Line opacity.")               \
    K("graticule.labels", BOOL, "true", NOSPEC, AT(MAP, graticule_labels), "Degree labels along the frame.") \
    K("graticule.size", NUMBER, "7", FONT_SIZE, AT(MAP, graticule_style.size), "Label font size in points.") \
    K("graticule.color", COLOUR, "#555555", NOSPEC, AT(MAP, graticule_style.color), "Label colour.")         \
    K("notes", SECTION, NULL, NOSPEC, HAND, "The box listing measured lengths (measure-text of layers).")    \
    K("notes.position", ENUM, "bottom-right", CORNERS, AT(MAP, notes_corner),                                \
      "Corner of the map holding the notes box.")                                                            \
    K("attribution", SECTION, NULL, NOSPEC, HAND, "Data credits along the bottom edge.")                     \
    K("attribution.text", STRING, NULL, NOSPEC, AT(MAP, attribution), "Credit line.")                        \
    K("attribution.size", NUMBER, "6.5", FONT_SIZE, AT(MAP, attribution_style.size), "Font size in points.") \
    K("attribution.color", COLOUR, "#555555", NOSPEC, AT(MAP, attribution_style.color), "Text colour.")      \
    K("attribution.font", STRING, "(the map's font)", NOSPEC, AT(MAP, attribution_style.font),               \
      "Font family.")                                                                                        \
    K("inset", SECTION, NULL, NOSPEC, HAND, "A small locator map showing where the main map lies.")          \
    K("inset.show", BOOL, "false", NOSPEC, AT(MAP, inset), "Draw the inset.")                                \
    K("inset.position", ENUM, "top-right", CORNERS, AT(MAP, inset_corner), "Corner holding the inset.")      \
    K("inset.width", NUMBER, "0.25", FRACTION, AT(MAP, inset_width),                                         \
      "Inset width as a fraction of the map width.")                                                         \
    K("inset.crs", CRS, "(the map's crs)", NOSPEC, AT(MAP, inset_crs), "Projection of the inset.")           \
    K("inset.extent", LONLAT, "[-180, -90, 180, 90]", NOSPEC, AT(MAP, inset_extent),                         \
      "[west, south, east, north] in degrees.")                                                              \
    K("inset.layer", STRING, "(the first layer)", NOSPEC, AT(MAP, inset_layer),                              \
      "Layer drawn in the inset, with its own style.")                                                       \
    SYMBOL(K, "inset.frame", "none", "#d62728", "1", "none", OWN)                                            \
    K("highlight", SECTION, NULL, NOSPEC, HAND, "How an atlas page draws its own feature.")                  \
    SYMBOL(K, "highlight.style", "rgba(214,39,40,0.15)", "#d62728", "1.5", "circle", OWN)                    \
    K("highlight.margin", NUMBER, "0.15", FRACTION_OPEN, AT(MAP, highlight_margin),                          \
      "Space around the highlighted feature, as a fraction.")                                                \
    K("highlight.where", FILTER, NULL, NOSPEC, AT(MAP, highlight_where),                                     \
      "Atlas: make pages only for the features of the atlas layer that match (steppe atlas --where).")       \
    K("highlight.nearest", STRING, NULL, NOSPEC, AT(MAP, highlight_nearest),                                 \
      "A point layer: each page's frame grows to take in the nearest of its features.")                      \
    K("highlight.nearest-count", INT, "2", R('[', 0, 1000, ']'), AT(MAP, highlight_nearest_count),           \
      "How many of the nearest features of highlight.nearest to show.")                                      \
    K("atlas", SECTION, NULL, NOSPEC, HAND, "What steppe atlas makes of this style.")                        \
    K("atlas.layer", STRING, NULL, NOSPEC, AT(MAP, atlas_layer),                                             \
      "The layer whose features become the atlas pages (steppe atlas --layer overrides it).")                \
    K("metadata", SECTION, NULL, NOSPEC, HAND, "Text written into the output file (PNG tEXt chunks).")       \
    K("metadata.title", STRING, "(title.text)", NOSPEC, AT(MAP, meta_title), "The Title chunk.")             \
    K("metadata.source", STRING, "(attribution.text)", NOSPEC, AT(MAP, meta_source), "The Source chunk.")    \
    K("layers", LAYERS, NULL, NOSPEC, HAND, "The layers, keyed by name, drawn in the order written.")        \
    K("layers.*", SECTION, NULL, NOSPEC, HAND, "One layer; ~ removes a layer inherited through extends.")    \
    K("layers.*.type", ENUM, "(from the source's content or extension)",                                     \
      W("shapefile|csv|shared-boundary|route|border-regions|geojson|gpkg|postgis"), HAND,                    \
      "What the layer draws.")                                                                               \
    K("layers.*.source", PATH, NULL, NOSPEC, HAND,                                                           \
      "The data: a .shp, .csv, GeoJSON or GeoPackage file, or a postgresql:// connection (required).")       \
    K("layers.*.layer", STRING, "(the only feature table)", NOSPEC, HAND,                                    \
      "gpkg: the feature table to read (see steppe info).")                                                  \
    K("layers.*.sql", STRING, NULL, NOSPEC, HAND,                                                            \
      "gpkg and postgis: a query whose rows are the features (one geometry column).")                        \
    K("layers.*.integrity-check", BOOL, "false", NOSPEC, AT(LAYER, integrity_check),                         \
      "gpkg: run SQLite's integrity check on the file before reading it (slow on big files).")               \
    K("layers.*.table", STRING, NULL, NOSPEC, HAND,                                                          \
      "postgis: the table to read, optionally schema.table (see steppe info CONNECTION).")                   \
    K("layers.*.geometry", STRING, "(the only geometry column)", NOSPEC, AT(LAYER, geometry_column),         \
      "postgis: the geometry column to draw.")                                                               \
    K("layers.*.timeout", NUMBER, "30", R('(', 0, 86400, ']'), AT(LAYER, timeout),                           \
      "postgis: the statement timeout in seconds; a slower query fails the run.")                            \
    K("layers.*.crs", CRS, "(the source's .prj)", NOSPEC, HAND, "CRS of the source, overriding its .prj.")   \
    K("layers.*.encoding", STRING, "(the source's .cpg)", NOSPEC, AT(LAYER, encoding),                       \
      "Text encoding of the attributes.")                                                                    \
    K("layers.*.lon", STRING, "lon", NOSPEC, AT(LAYER, lon_field), "CSV column holding the longitude.")      \
    K("layers.*.lat", STRING, "lat", NOSPEC, AT(LAYER, lat_field), "CSV column holding the latitude.")       \
    K("layers.*.of", STRING, NULL, NOSPEC, HAND, "shared-boundary and route: the layer they derive from.")   \
    K("layers.*.a", FILTER, NULL, NOSPEC, AT(LAYER, a),                                                      \
      "shared-boundary: the features on side A (required).")                                                 \
    K("layers.*.b", FILTER, NULL, NOSPEC, AT(LAYER, b),                                                      \
      "shared-boundary: the features on side B (required).")                                                 \
    K("layers.*.stop-field", STRING, "name", NOSPEC, AT(LAYER, stop_field),                                  \
      "route: the field the stops are matched against.")                                                     \
    K("layers.*.stops", STRINGS, NULL, NOSPEC, AT2(LAYER, stops, nstops),                                    \
      "route: the stops in order, at least 2.")                                                              \
    K("layers.*.via", STRINGS, NULL, NOSPEC, AT2(LAYER, via, nvia),                                          \
      "route: every point the line passes, in order, stops included; unlabelled between the stops.")         \
    K("layers.*.border", STRING, NULL, NOSPEC, HAND,                                                         \
      "border-regions: the shared-boundary layer whose border the regions lie along (required).")            \
    K("layers.*.tolerance", NUMBER, "10", R('[', 0, 50, ']'), AT(LAYER, tolerance_km),                       \
      "border-regions: km a region's outline may lie from the border and still take a share of it.")         \
    K("layers.*.region-field", STRING, "name", NOSPEC, AT(LAYER, region_field),                              \
      "border-regions: the field naming each region in --report.")                                           \
    K("layers.*.where", FILTER, NULL, NOSPEC, AT(LAYER, where), FILTER_DOC)                                  \
    SYMBOL(K, "layers.*.style", "none", "#333333", "0.5", "circle", OWN)                                     \
    LABEL(K, "layers.*.label", OWN)                                                                          \
    K("layers.*.classes", CLASSES, NULL, NOSPEC, HAND,                                                       \
      "Classes: the first whose where matches styles a feature.")                                            \
    K("layers.*.classes[]", SECTION, NULL, NOSPEC, HAND, "One class.")                                       \
    K("layers.*.classes[].name", STRING, NULL, NOSPEC, AT(CLASS, name),                                      \
      "Name of the class (for messages and reports).")                                                       \
    K("layers.*.classes[].where", FILTER, NULL, NOSPEC, AT(CLASS, where),                                    \
      "Features in this class (required).")                                                                  \
    SYMBOL(K, "layers.*.classes[].style", INHERIT, INHERIT, INHERIT, INHERIT, FROM_LAYER)                    \
    LABEL(K, "layers.*.classes[].label", FROM_LAYER)                                                         \
    K("layers.*.classes[].legend", STRING, NULL, NOSPEC, AT(CLASS, legend), "Legend text for this class.")   \
    K("layers.*.legend", STRING, NULL, NOSPEC, AT(LAYER, legend),                                            \
      "Legend text; the layer is in the legend only when set.")                                              \
    K("layers.*.legend-order", INT, "0", RANK, AT(LAYER, legend_order),                                      \
      "Legend entries sort by this, then by layer order.")                                                   \
    K("layers.*.measure", STRING, NULL, NOSPEC, AT(LAYER, measure),                                          \
      "Report the layer's length under this key.")                                                           \
    K("layers.*.measure-text", STRING, NULL, NOSPEC, AT(LAYER, measure_text),                                \
      "Line for the notes box; {km} and {km_round} are filled in.")                                          \
    K("layers.*.visible", BOOL, "true", NOSPEC, AT(LAYER, visible),                                          \
      "Draw the layer (a hidden layer can still be derived from).")                                          \
    THEMATIC(K)

#define AS_ROW(p, t, d, spec, at, text) {.path = p, .type = ST_V_##t, .def = d, spec, at, .doc = text},
#define AS_PATH(p, t, d, spec, at, text) p,

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
