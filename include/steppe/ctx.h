/*
 * steppe/ctx.h — the per-run context.
 *
 * Design note: a steppe_ctx_t owns all mutable state of a run — the PROJ
 * context, the font map, the logger and the last error — so two contexts can
 * render in two threads at once. libsteppe never prints and never exits:
 * messages go to the logger installed here (by default they are dropped), and
 * the text of the last error is kept for the caller. Expensive resources (PROJ
 * database, fontconfig) are created lazily, the first time a render needs them.
 */
#ifndef STEPPE_CTX_H
#define STEPPE_CTX_H

#include <steppe/export.h>
#include <steppe/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct steppe_ctx steppe_ctx_t;

typedef enum steppe_log_level {
    STEPPE_LOG_ERROR = 0,
    STEPPE_LOG_WARNING = 1,
    STEPPE_LOG_INFO = 2
} steppe_log_level_t;

/* A logger receives one complete line (without newline) per message. */
typedef void (*steppe_log_fn)(void *user, steppe_log_level_t level, const char *message);

/* Creates a context. Returns NULL only when memory is exhausted.
 * The caller frees it with steppe_ctx_destroy(). */
STEPPE_API steppe_ctx_t *steppe_ctx_create(void);

/* Frees a context and everything it owns. Accepts NULL. */
STEPPE_API void steppe_ctx_destroy(steppe_ctx_t *ctx);

/* Installs a logger; fn NULL drops all messages. */
STEPPE_API void steppe_ctx_set_logger(steppe_ctx_t *ctx, steppe_log_fn fn, void *user);

/* The message of the last error recorded in ctx, or "" if none.
 * The string is owned by ctx and valid until the next call into ctx. */
STEPPE_API const char *steppe_ctx_last_error(const steppe_ctx_t *ctx);

/* Number of warnings logged since the context was created. */
STEPPE_API unsigned steppe_ctx_warning_count(const steppe_ctx_t *ctx);

/* Sets the folder holding the bundled styles/ and shapes/ (defaults to the
 * source tree, then the installed data directory). path is copied. */
STEPPE_API steppe_status_t steppe_ctx_set_data_dir(steppe_ctx_t *ctx, const char *path);

/* The folder holding the bundled styles/ and shapes/. Owned by ctx. */
STEPPE_API const char *steppe_ctx_data_dir(steppe_ctx_t *ctx);

/* Told about every temporary output file: created is 1 right after the file
 * ".NAME.XXXXXX.tmp" is created beside its target, 0 once it has been renamed
 * into place or removed. tmp_path is valid only during the call. A program
 * that handles SIGINT/SIGTERM keeps these paths so that its handler can
 * unlink() files still in flight; the library itself keeps no global list. */
typedef void (*steppe_tmp_fn)(void *user, const char *tmp_path, int created);

/* Installs the temporary-file hook; fn NULL removes it. */
STEPPE_API void steppe_ctx_set_tmp_hook(steppe_ctx_t *ctx, steppe_tmp_fn fn, void *user);

#ifdef __cplusplus
}
#endif
#endif
