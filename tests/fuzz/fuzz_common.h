/* Shared by the libFuzzer targets: a per-process scratch folder, the
 * length-prefixed framing that turns one fuzz input into a Shapefile set,
 * and a logger that checks every message is one line.
 *
 * Framing (also written by make-seeds.py): a sequence of chunks
 *     tag (1 byte)  length (4 bytes, little-endian)  bytes
 * tag % 5 picks the file: 0 .shp, 1 .shx, 2 .dbf, 3 .cpg, 4 .prj. A length
 * past the end of the input is cut to what remains, a later chunk of the
 * same kind replaces an earlier one, and a kind with no chunk is absent
 * (so a missing .shx or .dbf is exercised too). */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <steppe/steppe.h>

/* The libFuzzer entry point, declared for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* This process's scratch folder (created on first use, removed at exit). */
const char *fz_dir(void);

/* Writes the framed Shapefile set in data to fz_dir()/NAME.{shp,...},
 * removing the parts the input lacks (and the .prj unless with_prj).
 * Returns the .shp path (static). */
const char *fz_write_shapefile(const uint8_t *data, size_t size, const char *name, int with_prj);

/* True when the framed input holds a chunk of kind (0 .shp ... 4 .prj). */
int fz_has_part(const uint8_t *data, size_t size, unsigned kind);

/* Writes size bytes to fz_dir()/name; returns the path (static), or NULL. */
const char *fz_write_file(const char *name, const void *data, size_t size);

/* A context whose logger aborts on a message containing a newline (the
 * logger contract: one complete line per message), unless "multiline" is
 * a known bug (fz_known). */
steppe_ctx_t *fz_ctx(void);

/* True when name is listed in STEPPE_FUZZ_KNOWN (comma-separated): a bug
 * already reported, which the targets step around so that fuzzing can find
 * the next one. Known names: multiline (a log message with a newline),
 * noshx (a Shapefile without .shx: shapelib's SHPRestoreSHX can loop
 * forever). Unset in tests/fuzz/run-fuzz.sh unless the caller sets it. */
int fz_known(const char *name);

/* Aborts with msg when cond is false: an invariant of the library broke. */
void fz_require(int cond, const char *msg);

#endif
