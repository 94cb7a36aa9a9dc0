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

typedef struct st_stream_hub st_stream_hub;

/* Draws d, a streamed layer (d->streamed), onto cr, rows y0..y1: its file
 * read, projected and generalised again batch by batch, each batch drawn
 * and dropped, so memory holds one batch. Quiet: the read in
 * st_read_layers() gave the file's warnings. May run on several threads
 * at once (bands). On failure returns the status and writes the message
 * into err (errsz bytes); r->ctx is not touched. */
steppe_status_t st_read_stream_draw(st_scene *r, const st_layer_data *d, cairo_t *cr, double y0, double y1,
                                    st_stream_hub *hub, char *err, size_t errsz);

/* After a drawing: a streamed layer's count of features and vertices
 * drawn (for the report) and the warnings of its file, from its first
 * drawing, into r. Call once the label thread is joined (the warnings go
 * to r->ctx); later calls do nothing. */
void st_read_stream_finish(st_scene *r);

/* One reading of a streamed layer shared by the nbands bands of an image
 * drawn at once on nbands threads: the first band to reach the layer
 * reads it, and every band draws each batch on its own rows before the
 * next is read. Every one of the nbands bands must call
 * st_read_stream_draw() with it (or none waits for the others: NULL
 * instead has each read for itself). NULL when out of memory. */
st_stream_hub *st_stream_hub_create(int nbands);
void st_stream_hub_destroy(st_stream_hub *hub);

/* Frees what the reading threads kept (their contexts and arenas). Safe on
 * a scene whose reading failed or never started. */
void st_read_free(st_scene *r);

#endif
