/* Helpers shared by the check suites: running a suite, fixture paths,
 * temporary folders, a context that captures its log. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <steppe/steppe.h>

/* A suite called name with one test case ("core"), for a module whose
 * tests share no fixture; *tc receives the case to add the tests to. */
Suite *tu_suite(const char *name, TCase **tc);

/* Runs every test of s (check's default fork mode and output); the exit
 * status for main(): EXIT_SUCCESS when none failed. */
int tu_run_suite(Suite *s);

/* Absolute path of rel inside the source tree (static buffer rotation of 8). */
const char *tu_src(const char *rel);

/* Creates a fresh temporary folder; returns its path (static, rotation of 4). */
const char *tu_tmpdir(void);

/* Joins dir and name (static buffer rotation of 8). */
const char *tu_join(const char *dir, const char *name);

/* Writes text to path; returns 0 on success. */
int tu_write(const char *path, const char *text);

/* Reads a whole file (caller frees); len may be NULL. NULL on failure. */
char *tu_read(const char *path, size_t *len);

/* A context whose log lines are collected; tu_log() returns them all,
 * newline-separated, and tu_log_clear() empties the buffer. */
steppe_ctx_t *tu_ctx(void);
const char *tu_log(void);
void tu_log_clear(void);

#endif
