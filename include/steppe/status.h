/*
 * steppe/status.h — the one status type of libsteppe.
 *
 * Design note: every fallible function returns a steppe_status_t; 0 is success.
 * Codes are grouped by domain in ranges of 100 so that a caller can tell the
 * class of failure (usage, style, data, runtime) without a table, and the CLI
 * maps the class to its exit status (2 for usage and style, 1 for the rest).
 * The message that goes with a failure is recorded once, where the failure is
 * detected, in the context (steppe_ctx_last_error()); callers only pass the
 * status up.
 */
#ifndef STEPPE_STATUS_H
#define STEPPE_STATUS_H

#include <steppe/export.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef enum steppe_status {
    STEPPE_OK = 0,

    /* 1xx: the command line or API was used wrongly. */
    STEPPE_ERR_USAGE = 100,

    /* 2xx: the style file is wrong. */
    STEPPE_ERR_STYLE_SYNTAX = 200, /* YAML does not parse */
    STEPPE_ERR_STYLE_KEY,          /* unknown or missing key */
    STEPPE_ERR_STYLE_TYPE,         /* a value of the wrong type */
    STEPPE_ERR_STYLE_VALUE,        /* a value out of range or not allowed */
    STEPPE_ERR_STYLE_CRS,          /* PROJ does not accept the CRS */
    STEPPE_ERR_STYLE_FILE,         /* a referenced file is missing */
    STEPPE_ERR_STYLE_CYCLE,        /* extends: forms a cycle */

    /* 3xx: input data is unreadable or corrupt. */
    STEPPE_ERR_DATA_OPEN = 300,
    STEPPE_ERR_DATA_CORRUPT,
    STEPPE_ERR_DATA_UNSUPPORTED,

    /* 4xx: the run failed for a reason outside the inputs' text. */
    STEPPE_ERR_IO = 400, /* output cannot be written */
    STEPPE_ERR_NOMEM,
    STEPPE_ERR_PROJ,   /* a transformation failed at run time */
    STEPPE_ERR_LIMIT,  /* a resource limit was exceeded */
    STEPPE_ERR_RENDER, /* cairo or pango reported an error */
    STEPPE_ERR_INTERNAL,
    STEPPE_ERR_LIBRARY /* PROJ or GEOS cannot be loaded (they are loaded at run time) */
} steppe_status_t;

/* Returns a static, human-readable name for a status. Never NULL. */
STEPPE_API const char *steppe_status_to_string(steppe_status_t status);

/* Exit status a command-line tool should use for a status: 0 for STEPPE_OK,
 * 2 for usage and style errors, 1 for data and runtime errors. */
STEPPE_API int steppe_status_exit_code(steppe_status_t status);

#ifdef __cplusplus
}
#endif
#endif
