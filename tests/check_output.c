/* Output module: format by extension, atomic files (success, failures leave
 * the previous target byte-identical and no temporary file behind). Tests run
 * as root, who ignores permissions, so unwritable targets are simulated with
 * a missing folder, a "folder" that is a file, a target that is a folder, and
 * /dev/full for a full disk. */
#include <check.h>
#include <dirent.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"
#include "testutil.h"

/* ---- format table -------------------------------------------------------- */

static const struct {
    const char *path;
    steppe_status_t status;
    st_format fmt;
} format_table[] = {
    {"map.png", STEPPE_OK, ST_FMT_PNG},      {"MAP.PNG", STEPPE_OK, ST_FMT_PNG},
    {"out/a.b.Png", STEPPE_OK, ST_FMT_PNG},  {"map.svg", STEPPE_OK, ST_FMT_SVG},
    {"x/y/map.SVG", STEPPE_OK, ST_FMT_SVG},  {"map.pdf", STEPPE_OK, ST_FMT_PDF},
    {"/abs/Map.PdF", STEPPE_OK, ST_FMT_PDF}, {"map.jpeg", STEPPE_ERR_USAGE, 0},
    {"map.png.bak", STEPPE_ERR_USAGE, 0},    {"map", STEPPE_ERR_USAGE, 0},
    {".png", STEPPE_ERR_USAGE, 0},        /* a hidden file, no extension */
    {"dir.png/map", STEPPE_ERR_USAGE, 0}, /* the dot is in the folder */
    {"map.", STEPPE_ERR_USAGE, 0},
};

START_TEST(test_format_table)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_format fmt = (st_format)-1;
    steppe_status_t st = st_output_format(ctx, format_table[_i].path, &fmt);
    ck_assert_msg(st == format_table[_i].status, "%s: status %d, expected %d", format_table[_i].path, st,
                  format_table[_i].status);
    if (st == STEPPE_OK)
        ck_assert_int_eq(fmt, format_table[_i].fmt);
    else
        ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx), "use .png, .svg or .pdf"));
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_format_message)
{
    steppe_ctx_t *ctx = tu_ctx();
    st_format fmt;
    ck_assert_int_eq(st_output_format(ctx, "out/map.xyz", &fmt), STEPPE_ERR_USAGE);
    ck_assert_str_eq(steppe_ctx_last_error(ctx),
                     "out/map.xyz: unknown output format '.xyz' (use .png, .svg or .pdf)");
    steppe_ctx_destroy(ctx);
}
END_TEST

/* ---- helpers --------------------------------------------------------------- */

/* Number of entries in dir matching the temporary-name pattern. */
static int count_tmp(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e = readdir(d); e; e = readdir(d)) {
        if (fnmatch(".*.??????.tmp", e->d_name, FNM_PERIOD) == 0)
            n++;
    }
    closedir(d);
    return n;
}

typedef struct hook_log {
    int created, removed;
    char last[4096];
} hook_log;

static void record_hook(void *user, const char *tmp, int created)
{
    hook_log *h = user;
    if (created)
        h->created++;
    else
        h->removed++;
    snprintf(h->last, sizeof h->last, "%s", tmp);
}

/* ---- atomic files ------------------------------------------------------------ */

START_TEST(test_atomic_success)
{
    const char *dir = tu_tmpdir();
    const char *target = tu_join(dir, "map.png");
    steppe_ctx_t *ctx = tu_ctx();
    hook_log h = {0, 0, ""};
    st_atomic a;
    char pattern[4200];

    steppe_ctx_set_tmp_hook(ctx, record_hook, &h);
    ck_assert_int_eq(tu_write(target, "old contents"), 0);
    ck_assert_int_eq(st_atomic_open(ctx, target, &a), STEPPE_OK);
    ck_assert_ptr_nonnull(a.fp);
    /* The temporary file sits beside the target and is named after it. */
    snprintf(pattern, sizeof pattern, "%s/.map.png.??????.tmp", dir);
    ck_assert_int_eq(fnmatch(pattern, a.tmp, 0), 0);
    ck_assert_int_eq(h.created, 1);
    ck_assert_str_eq(h.last, a.tmp);
    ck_assert_int_eq(count_tmp(dir), 1);
    ck_assert_int_eq(fputs("new contents", a.fp) >= 0, 1);

    /* The target is untouched until commit. */
    char *before = tu_read(target, NULL);
    ck_assert_str_eq(before, "old contents");
    free(before);

    ck_assert_int_eq(st_atomic_commit(ctx, &a), STEPPE_OK);
    char *after = tu_read(target, NULL);
    ck_assert_str_eq(after, "new contents");
    free(after);
    ck_assert_int_eq(count_tmp(dir), 0);
    ck_assert_int_eq(h.removed, 1);
    ck_assert_ptr_null(a.tmp);
    ck_assert_ptr_null(a.fp);
    st_atomic_abort(&a); /* no-op after commit */
    ck_assert_int_eq(access(target, F_OK), 0);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* Mode is 0666 less the umask, as for any file the user creates (mkstemp's
 * 0600 would hide maps from a web server). */
static const struct {
    mode_t umask;
    mode_t mode;
} mode_table[] = {
    {022, 0644},
    {027, 0640},
    {077, 0600},
    {002, 0664},
};

START_TEST(test_atomic_mode_honours_umask)
{
    const char *dir = tu_tmpdir();
    const char *target = tu_join(dir, "m.svg");
    steppe_ctx_t *ctx = tu_ctx();
    st_atomic a;
    struct stat st;

    mode_t old = umask(mode_table[_i].umask);
    ck_assert_int_eq(st_atomic_open(ctx, target, &a), STEPPE_OK);
    ck_assert_int_eq(st_atomic_commit(ctx, &a), STEPPE_OK);
    umask(old);
    ck_assert_int_eq(stat(target, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, mode_table[_i].mode);
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_atomic_relative_path)
{
    const char *dir = tu_tmpdir();
    steppe_ctx_t *ctx = tu_ctx();
    st_atomic a;
    char cwd[4096];

    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(chdir(dir), 0);
    ck_assert_int_eq(st_atomic_open(ctx, "plain.pdf", &a), STEPPE_OK);
    ck_assert_int_eq(fnmatch(".plain.pdf.??????.tmp", a.tmp, FNM_PERIOD), 0);
    ck_assert_int_eq(st_atomic_commit(ctx, &a), STEPPE_OK);
    ck_assert_int_eq(access("plain.pdf", F_OK), 0);
    ck_assert_int_eq(chdir(cwd), 0);
    steppe_ctx_destroy(ctx);
}
END_TEST

START_TEST(test_atomic_abort)
{
    const char *dir = tu_tmpdir();
    const char *target = tu_join(dir, "map.png");
    steppe_ctx_t *ctx = tu_ctx();
    hook_log h = {0, 0, ""};
    st_atomic a;
    st_atomic zero;

    steppe_ctx_set_tmp_hook(ctx, record_hook, &h);
    ck_assert_int_eq(tu_write(target, "previous"), 0);
    ck_assert_int_eq(st_atomic_open(ctx, target, &a), STEPPE_OK);
    fputs("half a map", a.fp);
    st_atomic_abort(&a);
    st_atomic_abort(&a);
    ck_assert_int_eq(count_tmp(dir), 0);
    ck_assert_int_eq(h.created, 1);
    ck_assert_int_eq(h.removed, 1);
    char *text = tu_read(target, NULL);
    ck_assert_str_eq(text, "previous");
    free(text);

    memset(&zero, 0, sizeof zero);
    st_atomic_abort(&zero);
    st_atomic_abort(NULL);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* Targets that cannot be written: (relative name under a fresh folder,
 * what to create first, expected message fragment). */
enum { MAKE_NOTHING, MAKE_DIR, MAKE_FILE };
static const struct {
    const char *target;
    int make;
    const char *made;
    const char *fragment;
} unwritable_table[] = {
    {"missing/map.png", MAKE_NOTHING, NULL, "cannot write: folder"},
    {"missing/deeper/map.png", MAKE_NOTHING, NULL, "does not exist"},
    {"afile/map.png", MAKE_FILE, "afile", "is not a folder"},
    {"adir.png", MAKE_DIR, "adir.png", "is a directory"},
    {"adir/", MAKE_DIR, "adir", "is a directory"},
};

START_TEST(test_atomic_unwritable)
{
    const char *dir = tu_tmpdir();
    steppe_ctx_t *ctx = tu_ctx();
    char target[4200];
    char made[4200];
    st_atomic a;

    snprintf(target, sizeof target, "%s/%s", dir, unwritable_table[_i].target);
    if (unwritable_table[_i].made)
        snprintf(made, sizeof made, "%s/%s", dir, unwritable_table[_i].made);
    if (unwritable_table[_i].make == MAKE_DIR)
        ck_assert_int_eq(mkdir(made, 0755), 0);
    if (unwritable_table[_i].make == MAKE_FILE)
        ck_assert_int_eq(tu_write(made, "not a folder"), 0);

    ck_assert_int_eq(st_atomic_open(ctx, target, &a), STEPPE_ERR_IO);
    const char *msg = steppe_ctx_last_error(ctx);
    ck_assert_msg(strncmp(msg, target, strlen(target)) == 0, "message does not start with the path: %s", msg);
    ck_assert_msg(strstr(msg, unwritable_table[_i].fragment) != NULL, "message: %s", msg);
    ck_assert_ptr_null(a.fp);
    ck_assert_ptr_null(a.tmp);
    st_atomic_abort(&a);
    ck_assert_int_eq(count_tmp(dir), 0);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* A full disk shows up only when the buffered bytes are flushed: commit
 * must notice, remove the temporary file and leave the old target. */
START_TEST(test_atomic_disk_full)
{
    const char *dir = tu_tmpdir();
    const char *target = tu_join(dir, "map.png");
    steppe_ctx_t *ctx = tu_ctx();
    hook_log h = {0, 0, ""};
    st_atomic a;
    size_t len_before;

    if (access("/dev/full", W_OK) != 0)
        return; /* no /dev/full in this sandbox */
    steppe_ctx_set_tmp_hook(ctx, record_hook, &h);
    ck_assert_int_eq(tu_write(target, "the previous map"), 0);
    char *before = tu_read(target, &len_before);
    ck_assert_int_eq(st_atomic_open(ctx, target, &a), STEPPE_OK);
    ck_assert_int_eq(count_tmp(dir), 1);

    /* Swap the stream for one on /dev/full; the temporary file stays named
     * in a.tmp so commit has to remove it. */
    fclose(a.fp);
    a.fp = fopen("/dev/full", "w");
    ck_assert_ptr_nonnull(a.fp);
    for (int i = 0; i < 1000; i++)
        fputs("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", a.fp);

    ck_assert_int_eq(st_atomic_commit(ctx, &a), STEPPE_ERR_IO);
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx), "No space left on device"));
    ck_assert_int_eq(count_tmp(dir), 0);
    ck_assert_int_eq(h.removed, 1);
    size_t len_after;
    char *after = tu_read(target, &len_after);
    ck_assert_uint_eq(len_after, len_before);
    ck_assert_mem_eq(after, before, len_before);
    free(before);
    free(after);
    st_atomic_abort(&a);
    steppe_ctx_destroy(ctx);
}
END_TEST

/* Commit that cannot rename (the target became a non-empty folder while the
 * map was being written) removes the temporary file. */
START_TEST(test_atomic_rename_fails)
{
    const char *dir = tu_tmpdir();
    const char *target = tu_join(dir, "late.png");
    steppe_ctx_t *ctx = tu_ctx();
    st_atomic a;

    ck_assert_int_eq(st_atomic_open(ctx, target, &a), STEPPE_OK);
    fputs("data", a.fp);
    ck_assert_int_eq(mkdir(target, 0755), 0);
    ck_assert_int_eq(tu_write(tu_join(target, "keep"), "x"), 0);
    ck_assert_int_eq(st_atomic_commit(ctx, &a), STEPPE_ERR_IO);
    ck_assert_ptr_nonnull(strstr(steppe_ctx_last_error(ctx), "cannot write"));
    ck_assert_int_eq(count_tmp(dir), 0);
    steppe_ctx_destroy(ctx);
}
END_TEST

static Suite *output_suite(void)
{
    Suite *s = suite_create("output");
    TCase *tc = tcase_create("format");
    tcase_add_loop_test(tc, test_format_table, 0, sizeof format_table / sizeof format_table[0]);
    tcase_add_test(tc, test_format_message);
    suite_add_tcase(s, tc);

    tc = tcase_create("atomic");
    tcase_add_test(tc, test_atomic_success);
    tcase_add_loop_test(tc, test_atomic_mode_honours_umask, 0, sizeof mode_table / sizeof mode_table[0]);
    tcase_add_test(tc, test_atomic_relative_path);
    tcase_add_test(tc, test_atomic_abort);
    tcase_add_loop_test(tc, test_atomic_unwritable, 0, sizeof unwritable_table / sizeof unwritable_table[0]);
    tcase_add_test(tc, test_atomic_disk_full);
    tcase_add_test(tc, test_atomic_rename_fails);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(output_suite());
}
