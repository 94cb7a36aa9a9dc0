/* Private: attribute joins — a plain CSV table attached to a layer's
 * features by a key (issue 11, item 1).
 *
 * Design note: `join: {source: stats.csv, on: CODE, key: code}` matches
 * the table's column `key` against the features' field `on`. The table's
 * other columns are appended to the feature set as ordinary columns
 * (st_featureset_add_columns()), so filters, classes, label templates,
 * classify and size all see them as fields. Several joins on one layer are
 * applied one after another.
 *
 * The table is RFC 4180 CSV in UTF-8 (a byte-order mark is skipped): a
 * header row, quoted cells may hold separators, doubled quotes and line
 * breaks, CRLF or LF line ends, blank lines ignored. Unquoted cells are
 * trimmed. No coordinate columns are needed. Every row must have as many
 * cells as the header. An empty cell is no-data. A column whose non-empty
 * cells all parse as numbers (decimal point, st_parse_number) gets type
 * 'N', others 'C'.
 *
 * Keys compare as exact strings after trimming, so "02" and "2" are two
 * keys; with numeric set, keys that both parse as numbers compare as
 * numbers ("02" = "2" = "2.0"), the others as strings. A key that occurs
 * twice in the table is an error naming both lines; a feature with an
 * empty key, or one no row matches, gets empty (no-data) joined values.
 * The table is indexed by an open-addressing hash table, so a join is
 * linear in rows + features.
 *
 * This module has its own CSV tokenizer: source_csv.c's is private to it.
 * The two can be unified once source.h exposes a table reader.
 */
#ifndef ST_JOIN_H
#define ST_JOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "ctx.h"
#include "features.h"
#include "model.h"
#include "thematic_spec.h"

/* A table read from CSV; all memory from the arena it was read into. */
typedef struct st_table {
    const char *path;
    const char **cols; /* ncols header names */
    size_t ncols;
    const char **cells; /* nrows * ncols cells, row-major; "" when empty */
    uint32_t *line;     /* nrows 1-based line numbers where each row starts */
    size_t nrows;
} st_table;

/* Reads the CSV table at path (sep: the cell separator, 0 for ',').
 * loc: where the style named the file, for a missing one.
 * Returns STEPPE_OK; STEPPE_ERR_STYLE_FILE ("FILE:LINE:COL: join: cannot
 * open PATH: reason"); STEPPE_ERR_DATA_CORRUPT ("PATH:LINE: reason": not
 * UTF-8, a NUL byte, an unterminated quote, a row with another cell count,
 * an empty or repeated header name, no header); STEPPE_ERR_NOMEM. */
steppe_status_t st_table_read(steppe_ctx_t *ctx, const char *path, char sep, st_loc loc, st_arena *arena,
                              st_table *out);

/* Index of column name in t (exact, then unique case-insensitive), or -1. */
int st_table_col(const st_table *t, const char *name);

/* What a join did, for the warnings and --report. */
typedef struct st_join_report {
    const char *source;
    size_t rows;                         /* rows in the table */
    size_t columns;                      /* columns attached */
    size_t features;                     /* features of the layer */
    size_t matched_features;             /* features that found a row */
    size_t unmatched_features;           /* features with no row (or an empty key) */
    size_t unmatched_rows;               /* rows no feature matched */
    const char *first_unmatched_feature; /* its key, NULL when none */
    const char *first_unmatched_row;     /* its key, NULL when none */
    uint32_t first_unmatched_row_line;
} st_join_report;

/* Reads spec->source and appends its columns (all but the key column) to
 * fs. Unmatched features and unmatched rows are one warning line each.
 *   rep: optional, filled on success.
 * Returns STEPPE_OK; errors of st_table_read(); STEPPE_ERR_STYLE_KEY when
 * `on` is not a field of fs or `key` not a column of the table (with "did
 * you mean"); STEPPE_ERR_STYLE_VALUE when a joined column's name is
 * already a field of fs (set prefix:); STEPPE_ERR_DATA_CORRUPT for a
 * duplicated key ("PATH:LINE: key 'x' is also on line N");
 * STEPPE_ERR_NOMEM. On failure fs is unchanged. */
steppe_status_t st_join_apply(steppe_ctx_t *ctx, const st_join_spec *spec, st_featureset *fs, st_arena *arena,
                              st_join_report *rep);

#endif
