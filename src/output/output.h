/* Private: output — atomic files and the PNG writer.
 *
 * Every output goes to a temporary file created beside its target (same
 * folder, so rename() is atomic) and is renamed into place only after it is
 * completely written and flushed. On any failure the temporary file is
 * removed and the previous target is untouched. */
#ifndef ST_OUTPUT_H
#define ST_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sys/types.h>

#include <steppe/render.h>

#include "ctx.h"

struct st_map;

typedef enum st_format { ST_FMT_PNG = 0, ST_FMT_SVG, ST_FMT_PDF } st_format;

/* Format from the path's extension (case-insensitive). STEPPE_ERR_USAGE with
 * "PATH: unknown output format (use .png, .svg or .pdf)" otherwise. */
steppe_status_t st_output_format(steppe_ctx_t *ctx, const char *path, st_format *fmt);

typedef struct st_atomic {
    char *target; /* heap copies; freed by commit/abort */
    char *tmp;
    FILE *fp;          /* open for writing on the temporary file */
    steppe_ctx_t *ctx; /* whose tmp hook hears of tmp (set by open) */
} st_atomic;

/* Creates the temporary file ".<name>.XXXXXX.tmp" beside target and opens it
 * (mode 0666 less the umask, close-on-exec) and tells ctx's tmp hook.
 * STEPPE_ERR_IO ("PATH: cannot write: reason") if the folder is not writable
 * or target is a directory. a is fully initialised either way, so
 * st_atomic_abort(a) is always safe afterwards. */
steppe_status_t st_atomic_open(steppe_ctx_t *ctx, const char *target, st_atomic *a);

/* Flushes, fsyncs, closes and renames the temporary file onto the target.
 * On failure removes the temporary file; returns STEPPE_ERR_IO. */
steppe_status_t st_atomic_commit(steppe_ctx_t *ctx, st_atomic *a);

/* Closes and removes the temporary file. Safe after a failed open, after a
 * commit (then a no-op) and on a zero-initialised st_atomic. */
void st_atomic_abort(st_atomic *a);

/* ---- where a run may write ------------------------------------------------
 *
 * One guard per run (a render, an atlas, a diff) lists the files the run
 * must not write: its inputs, and every output it has already claimed. Two
 * names are the same file when both exist and share device and inode (hard
 * links, symlinks) or when their canonical paths are equal: the longest
 * existing folder prefix resolved with realpath(), the rest normalised by
 * hand (".", "..", repeated '/'), so "x", "./x" and "sub/../x" compare equal
 * before x exists. Every writer claims its target through st_guard_output()
 * before anything is written. */
typedef struct st_guard_entry {
    char *canon; /* canonical path; NULL when it cannot be computed */
    char *name;  /* as given, for messages */
    dev_t dev;
    ino_t ino;
    bool exists;
    bool output;      /* claimed as an output (else an input) */
    const char *what; /* of an output: "output", "report", ... (static) */
} st_guard_entry;

typedef struct st_guard {
    st_guard_entry *e;
    size_t n, cap;
} st_guard;

void st_guard_init(st_guard *g);
void st_guard_free(st_guard *g);

/* Protects path: for a ".shp" (any case) also its .shx, .dbf, .prj, .cpg
 * siblings in both cases. NULL is ignored. STEPPE_ERR_NOMEM only. */
steppe_status_t st_guard_input(steppe_ctx_t *ctx, st_guard *g, const char *path);

/* Protects every file map reads: the style, its extends chain, each layer's
 * source (with a Shapefile's sidecars). */
steppe_status_t st_guard_map(steppe_ctx_t *ctx, st_guard *g, const struct st_map *map);

/* Claims path as an output of the run, as what ("output", "report",
 * "highlight", "page"), after checking it: STEPPE_ERR_USAGE
 * "PATH: refusing to overwrite an input file (INPUT)", "PATH: written
 * twice in one run (...)" or "PATH: the WHAT and the OTHER-WHAT 'OTHER' are
 * the same file"; STEPPE_ERR_IO from
 * st_output_writable(). */
steppe_status_t st_guard_output(steppe_ctx_t *ctx, st_guard *g, const char *path, const char *what);

/* The checks of a render's outputs and report (steppe_render_check). */
steppe_status_t st_guard_render(steppe_ctx_t *ctx, const struct st_map *map,
                                const steppe_render_opts_t *opts);

/* Refuses a target that exists and cannot be replaced: a folder, something
 * other than a regular file (a device, a FIFO, a socket: rename() would
 * replace the node itself), or a read-only file (no write permission bit,
 * or access(W_OK) denied) — even for root, who could replace it. STEPPE_OK
 * when target does not exist. */
steppe_status_t st_output_writable(steppe_ctx_t *ctx, const char *target);

/* Creates the missing folders above target (mkdir -p of its dirname) and
 * records each one it made in made[0..*nmade) (malloc()ed; at most max,
 * deeper ones are still made but not recorded), so that a failed run can
 * take them back with st_output_unmake_folders(). STEPPE_ERR_IO "TARGET:
 * cannot create its folder FOLDER: REASON", with every folder made by this
 * call removed again. */
steppe_status_t st_output_make_folders(steppe_ctx_t *ctx, const char *target, char **made, size_t max,
                                       size_t *nmade);

/* Removes the folders of made[0..n) deepest first when they are empty,
 * and frees them. */
void st_output_unmake_folders(char **made, size_t n);

/* The canonical form of path (see above), malloc()ed; NULL when out of
 * memory or the working directory cannot be read. */
char *st_path_canonical(const char *path);

typedef struct st_png_meta {
    const char *title;    /* tEXt Title, or NULL */
    const char *software; /* tEXt Software, or NULL */
    const char *source;   /* tEXt Source, or NULL */
} st_png_meta;

/* Level st_png_write() uses for level -1: steppe's deflate for maps
 * (png_deflate.h; measurements in output_png.c). */
#define ST_PNG_DEFAULT_LEVEL 2

/* Writes a cairo ARGB32 (premultiplied, native-endian) buffer as PNG to fp
 * with libpng: RGB (or RGBA when alpha), pHYs for dpi, tEXt chunks from
 * meta (iTXt for a value that is not plain ASCII), no tIME chunk; dpi <= 0
 * writes no pHYs. level is the compression level (0-9, -1 default; see
 * --png-level in steppe(1)). libpng's errors are caught (st_png_run() in
 * png_errors.h) and returned as STEPPE_ERR_IO; libpng prints nothing. */
steppe_status_t st_png_write(steppe_ctx_t *ctx, FILE *fp, const char *path, const uint8_t *data, int width,
                             int height, int stride, bool alpha, double dpi, const st_png_meta *meta,
                             int level);

/* Makes rows y0..y1 of the image final (st_png_write_rows). */
typedef void (*st_png_rows_fn)(void *user, int y0, int y1);

/* st_png_write() of an image whose rows are finished while it is being
 * compressed: the image is cut into horizontal parts, one per thread,
 * finish(user, y0, y1) is called on the calling thread for each part from
 * the last to the first, and each part is compressed on its thread as soon
 * as finish returns. finish must write only rows y0..y1 (the render draws
 * its labels and panels there, clipped). */
steppe_status_t st_png_write_rows(steppe_ctx_t *ctx, FILE *fp, const char *path, const uint8_t *data,
                                  int width, int height, int stride, bool alpha, double dpi,
                                  const st_png_meta *meta, int level, st_png_rows_fn finish, void *user);

#endif
