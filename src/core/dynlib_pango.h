/* Private: pango's functions, as libsteppe calls them after loading
 * libpangocairo at run time (st_dynlib_load_pango(), dynlib.h).
 *
 * Why: pango, with HarfBuzz, GObject, GIO, FriBidi, libthai and the rest of
 * its 17 libraries, cost every run 1.4 ms of the dynamic loader's time
 * before main() (a program linking cairo and glib starts in 2.4 ms, one
 * linking pango too in 3.8 ms), although only a map with text lays any out.
 * Loaded on demand, a map without text (W2) never loads it, and one with
 * text loads it on the thread that warms its fonts while the data is read
 * (render.c).
 *
 * How: as for PROJ (dynlib.h), a table of function pointers filled by
 * dlsym() on libpangocairo's handle (which finds pango's and GObject's
 * functions among its dependencies) and one function-like macro per name,
 * so text.c keeps writing pango_layout_new(pc). Include this header only
 * where pango is called: text.c, and dynlib.c, which fills the table. */
#ifndef ST_DYNLIB_PANGO_H
#define ST_DYNLIB_PANGO_H

#include <pango/pangocairo.h>

/* Every pango, pangocairo and GObject function steppe calls. */
#define ST_PANGO_FUNCTIONS(X)                                                                                \
    X(g_object_unref)                                                                                        \
    X(pango_attr_letter_spacing_new)                                                                         \
    X(pango_attr_list_insert)                                                                                \
    X(pango_attr_list_new)                                                                                   \
    X(pango_attr_list_unref)                                                                                 \
    X(pango_cairo_context_set_font_options)                                                                  \
    X(pango_cairo_context_set_resolution)                                                                    \
    X(pango_cairo_font_map_new)                                                                              \
    X(pango_cairo_glyph_string_path)                                                                         \
    X(pango_cairo_layout_path)                                                                               \
    X(pango_cairo_show_glyph_string)                                                                         \
    X(pango_cairo_show_layout)                                                                               \
    X(pango_context_set_round_glyph_positions)                                                               \
    X(pango_font_description_free)                                                                           \
    X(pango_font_description_new)                                                                            \
    X(pango_font_description_set_family)                                                                     \
    X(pango_font_description_set_size)                                                                       \
    X(pango_font_description_set_style)                                                                      \
    X(pango_font_description_set_weight)                                                                     \
    X(pango_font_map_create_context)                                                                         \
    X(pango_layout_get_baseline)                                                                             \
    X(pango_layout_get_extents)                                                                              \
    X(pango_layout_get_line_count)                                                                           \
    X(pango_layout_get_line_readonly)                                                                        \
    X(pango_layout_get_size)                                                                                 \
    X(pango_layout_get_unknown_glyphs_count)                                                                 \
    X(pango_layout_line_get_extents)                                                                         \
    X(pango_layout_new)                                                                                      \
    X(pango_layout_set_attributes)                                                                           \
    X(pango_layout_set_font_description)                                                                     \
    X(pango_layout_set_text)                                                                                 \
    X(pango_version_string)

#define ST_DYNLIB_FIELD(name) __typeof__(name) *name;
typedef struct st_pango_api {
    ST_PANGO_FUNCTIONS(ST_DYNLIB_FIELD)
} st_pango_api;
#undef ST_DYNLIB_FIELD

/* Filled by st_dynlib_load_pango(); read only after it returned NULL. */
extern st_pango_api st_pango_fn;

#define g_object_unref(...) st_pango_fn.g_object_unref(__VA_ARGS__)
#define pango_attr_letter_spacing_new(...) st_pango_fn.pango_attr_letter_spacing_new(__VA_ARGS__)
#define pango_attr_list_insert(...) st_pango_fn.pango_attr_list_insert(__VA_ARGS__)
#define pango_attr_list_new(...) st_pango_fn.pango_attr_list_new(__VA_ARGS__)
#define pango_attr_list_unref(...) st_pango_fn.pango_attr_list_unref(__VA_ARGS__)
#define pango_cairo_context_set_font_options(...)                                                            \
    st_pango_fn.pango_cairo_context_set_font_options(__VA_ARGS__)
#define pango_cairo_context_set_resolution(...) st_pango_fn.pango_cairo_context_set_resolution(__VA_ARGS__)
#define pango_cairo_font_map_new(...) st_pango_fn.pango_cairo_font_map_new(__VA_ARGS__)
#define pango_cairo_glyph_string_path(...) st_pango_fn.pango_cairo_glyph_string_path(__VA_ARGS__)
#define pango_cairo_layout_path(...) st_pango_fn.pango_cairo_layout_path(__VA_ARGS__)
#define pango_cairo_show_glyph_string(...) st_pango_fn.pango_cairo_show_glyph_string(__VA_ARGS__)
#define pango_cairo_show_layout(...) st_pango_fn.pango_cairo_show_layout(__VA_ARGS__)
#define pango_context_set_round_glyph_positions(...)                                                         \
    st_pango_fn.pango_context_set_round_glyph_positions(__VA_ARGS__)
#define pango_font_description_free(...) st_pango_fn.pango_font_description_free(__VA_ARGS__)
#define pango_font_description_new(...) st_pango_fn.pango_font_description_new(__VA_ARGS__)
#define pango_font_description_set_family(...) st_pango_fn.pango_font_description_set_family(__VA_ARGS__)
#define pango_font_description_set_size(...) st_pango_fn.pango_font_description_set_size(__VA_ARGS__)
#define pango_font_description_set_style(...) st_pango_fn.pango_font_description_set_style(__VA_ARGS__)
#define pango_font_description_set_weight(...) st_pango_fn.pango_font_description_set_weight(__VA_ARGS__)
#define pango_font_map_create_context(...) st_pango_fn.pango_font_map_create_context(__VA_ARGS__)
#define pango_layout_get_baseline(...) st_pango_fn.pango_layout_get_baseline(__VA_ARGS__)
#define pango_layout_get_extents(...) st_pango_fn.pango_layout_get_extents(__VA_ARGS__)
#define pango_layout_get_line_count(...) st_pango_fn.pango_layout_get_line_count(__VA_ARGS__)
#define pango_layout_get_line_readonly(...) st_pango_fn.pango_layout_get_line_readonly(__VA_ARGS__)
#define pango_layout_get_size(...) st_pango_fn.pango_layout_get_size(__VA_ARGS__)
#define pango_layout_get_unknown_glyphs_count(...)                                                           \
    st_pango_fn.pango_layout_get_unknown_glyphs_count(__VA_ARGS__)
#define pango_layout_line_get_extents(...) st_pango_fn.pango_layout_line_get_extents(__VA_ARGS__)
#define pango_layout_new(...) st_pango_fn.pango_layout_new(__VA_ARGS__)
#define pango_layout_set_attributes(...) st_pango_fn.pango_layout_set_attributes(__VA_ARGS__)
#define pango_layout_set_font_description(...) st_pango_fn.pango_layout_set_font_description(__VA_ARGS__)
#define pango_layout_set_text(...) st_pango_fn.pango_layout_set_text(__VA_ARGS__)
#define pango_version_string(...) st_pango_fn.pango_version_string(__VA_ARGS__)

#endif
