/* Private: reading a render's layers — sources to projected features.
 *
 * st_read_layers() fits the view, then reads every visible layer of the
 * scene's map into its st_layer_data: each distinct source file once, on
 * threads (or from the scene's data cache), projected and generalised to
 * pixels; shared boundaries derived on threads of their own; border regions
 * and routes derived from their sources. render.c calls it before drawing. */
#ifndef ST_READ_H
#define ST_READ_H

#include "scene.h"

/* Fits r's view and fills r->layers (and r->highlight on an atlas page).
 * Returns the first error (recorded in r->ctx); threads started are joined
 * before it returns, but their results are freed only by st_read_free(). */
steppe_status_t st_read_layers(st_scene *r);

/* The features of fs whose bbox meets v's canvas. */
size_t st_read_count_visible(const st_view *v, const st_featureset *fs);

/* Draws d, a streamed layer (d->streamed), onto cr, rows y0..y1: its file
 * read, projected and generalised again batch by batch, each batch drawn
 * and dropped, so memory holds one batch. Quiet: the read in
 * st_read_layers() gave the file's warnings. May run on several threads
 * at once (bands). On failure returns the status and writes the message
 * into err (errsz bytes); r->ctx is not touched. */
steppe_status_t st_read_stream_draw(st_scene *r, const st_layer_data *d, cairo_t *cr, double y0, double y1,
                                    char *err, size_t errsz);

/* Frees what the reading threads kept (their contexts and arenas). Safe on
 * a scene whose reading failed or never started. */
void st_read_free(st_scene *r);

#endif
