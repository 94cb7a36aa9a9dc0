/* Output: choosing the format, atomic files.
 *
 * A target is never written in place. The bytes go to ".<name>.XXXXXX.tmp"
 * in the target's own folder (rename() is atomic only within one file
 * system), which is flushed, fsync()ed and closed — every return checked,
 * because a full disk is often reported only by fflush() or fclose() — and
 * then renamed over the target. Until that rename the previous target is
 * untouched; on any failure the temporary file is removed. */
#include "output.h"
#include "grow.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "style.h"

steppe_status_t st_output_format(steppe_ctx_t *ctx, const char *path, st_format *fmt)
{
    static const struct {
        const char *ext;
        st_format fmt;
    } table[] = {{".png", ST_FMT_PNG}, {".svg", ST_FMT_SVG}, {".pdf", ST_FMT_PDF}};
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');

    /* A leading dot names a hidden file (".png"), not an extension. */
    if (!dot || dot == base)
        return st_error(ctx, STEPPE_ERR_USAGE,
                        "%s: no file extension to choose the output format (use .png, .svg or .pdf)", path);
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcasecmp(dot, table[i].ext) == 0) {
            *fmt = table[i].fmt;
            return STEPPE_OK;
        }
    }
    return st_error(ctx, STEPPE_ERR_USAGE, "%s: unknown output format '%s' (use .png, .svg or .pdf)", path,
                    dot);
}

static void tell_hook(steppe_ctx_t *ctx, const char *tmp, int created)
{
    if (ctx && ctx->tmp_hook)
        ctx->tmp_hook(ctx->tmp_user, tmp, created);
}

/* Fills the six X's before ".tmp" with random letters and digits. */
static int randomise(char *xs)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char bytes[6];
    if (getentropy(bytes, sizeof bytes) != 0)
        return -1;
    for (size_t i = 0; i < sizeof bytes; i++)
        xs[i] = alphabet[bytes[i] % (sizeof alphabet - 1)];
    return 0;
}

/* Why not mkstemps(): it creates the file with mode 0600, and widening that
 * to "0666 less the umask" means reading the umask, which only umask() can do
 * — a process-wide change that races with other threads (rule 3: two renders
 * may run in two threads). open(O_CREAT | O_EXCL, 0666) on a random name has
 * the kernel apply the umask (and any default ACL) atomically; O_EXCL gives
 * the same no-clobber guarantee as mkstemps(). */
/*
 * The hook hears of each name before the file is created, and again
 * (created 0) if creating it fails: a signal handler that removes every
 * name it was told of, and stops new creations, then leaves no file that
 * it did not know of (see main.c). */
static int create_tmp(steppe_ctx_t *ctx, char *tmp, char *xs)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        if (randomise(xs) != 0)
            return -1;
        tell_hook(ctx, tmp, 1);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0)
            return fd;
        int err = errno;
        tell_hook(ctx, tmp, 0);
        errno = err;
        if (err != EEXIST)
            return -1;
    }
    errno = EEXIST;
    return -1;
}

/* A reason that names the culprit for the common failures. */
static steppe_status_t cannot_write(steppe_ctx_t *ctx, const char *target, const char *dir, int err)
{
    if (err == ENOENT)
        return st_error(ctx, STEPPE_ERR_IO, "%s: cannot write: folder '%s' does not exist", target, dir);
    if (err == ENOTDIR)
        return st_error(ctx, STEPPE_ERR_IO, "%s: cannot write: '%s' is not a folder", target, dir);
    return st_error(ctx, STEPPE_ERR_IO, "%s: cannot write: %s", target, strerror(err));
}

steppe_status_t st_atomic_open(steppe_ctx_t *ctx, const char *target, st_atomic *a)
{
    steppe_status_t status = STEPPE_OK;
    char *dir = NULL;
    int fd = -1;
    struct stat st;

    memset(a, 0, sizeof *a);
    a->ctx = ctx;
    if (!*target) {
        status = st_error(ctx, STEPPE_ERR_USAGE, "empty output path");
        goto fail;
    }
    const char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    if (!*base || (stat(target, &st) == 0 && S_ISDIR(st.st_mode))) {
        status = st_error(ctx, STEPPE_ERR_IO, "%s: is a directory", target);
        goto fail;
    }
    status = st_output_writable(ctx, target);
    if (status != STEPPE_OK)
        goto fail;

    size_t dirlen = slash ? (size_t)(slash - target) : 0;
    dir = slash ? strndup(target, dirlen == 0 ? 1 : dirlen) : strdup(".");
    a->target = strdup(target);
    /* dir + "/." + base + ".XXXXXX.tmp" + NUL */
    size_t cap = dirlen + 2 + strlen(base) + 11 + 1;
    a->tmp = malloc(cap);
    if (!dir || !a->target || !a->tmp) {
        status = st_error(ctx, STEPPE_ERR_NOMEM, "%s: out of memory", target);
        free(a->tmp);
        a->tmp = NULL; /* no file yet: abort must not unlink the template */
        goto fail;
    }
    snprintf(a->tmp, cap, "%.*s%s.%s.XXXXXX.tmp", (int)dirlen, target, slash ? "/" : "", base);

    fd = create_tmp(ctx, a->tmp, a->tmp + strlen(a->tmp) - 10);
    if (fd < 0) {
        status = cannot_write(ctx, target, dir, errno);
        free(a->tmp);
        a->tmp = NULL;
        goto fail;
    }
    a->fp = fdopen(fd, "wb");
    if (!a->fp) {
        status = cannot_write(ctx, target, dir, errno);
        close(fd);
        goto fail;
    }
    free(dir);
    return STEPPE_OK;

fail:
    free(dir);
    st_atomic_abort(a);
    return status;
}

/* Frees the names and forgets the files, which are dealt with; the context
 * stays, for an abort that may follow. */
static void release(st_atomic *a)
{
    free(a->target);
    free(a->tmp);
    *a = (st_atomic){.ctx = a->ctx};
}

steppe_status_t st_atomic_commit(steppe_ctx_t *ctx, st_atomic *a)
{
    int err = 0;

    if (!a->fp || !a->tmp)
        return st_error(ctx, STEPPE_ERR_INTERNAL, "commit of an output that is not open");
    if (fflush(a->fp) != 0)
        err = errno;
    if (!err && fsync(fileno(a->fp)) != 0 && errno != EINVAL)
        err = errno; /* EINVAL: the file cannot be synced (a pipe, /dev/full) */
    if (fclose(a->fp) != 0 && !err)
        err = errno;
    a->fp = NULL;
    if (!err && rename(a->tmp, a->target) != 0)
        err = errno;
    if (err) {
        unlink(a->tmp);
        tell_hook(a->ctx, a->tmp, 0);
        steppe_status_t status =
            st_error(ctx, STEPPE_ERR_IO, "%s: cannot write: %s", a->target, strerror(err));
        release(a);
        return status;
    }
    tell_hook(a->ctx, a->tmp, 0);
    release(a);
    return STEPPE_OK;
}

void st_atomic_abort(st_atomic *a)
{
    if (!a)
        return;
    if (a->fp)
        fclose(a->fp);
    if (a->tmp) {
        unlink(a->tmp);
        tell_hook(a->ctx, a->tmp, 0);
    }
    release(a);
}

/* ---- where a run may write ---------------------------------------------- */

/* Appends component comp (len bytes) to the canonical path buf (len *n),
 * treating "." and ".." lexically. Returns -1 when it does not fit. */
static int push_component(char *buf, size_t *n, const char *comp, size_t len)
{
    if (len == 0 || (len == 1 && comp[0] == '.'))
        return 0;
    if (len == 2 && comp[0] == '.' && comp[1] == '.') {
        while (*n > 1 && buf[*n - 1] != '/')
            (*n)--;
        if (*n > 1)
            (*n)--; /* the '/' before the dropped component, unless it is the root */
        buf[*n] = '\0';
        return 0;
    }
    size_t need = *n + (*n > 1 ? 1 : 0) + len + 1;
    if (need > PATH_MAX)
        return -1;
    if (*n > 1)
        buf[(*n)++] = '/';
    memcpy(buf + *n, comp, len);
    *n += len;
    buf[*n] = '\0';
    return 0;
}

/* Why by hand past the longest existing prefix: the folders of a page or an
 * output may not exist yet, and "sub/../x" must still equal "x" (after sub
 * is created the kernel resolves it the same way, as sub is then a real
 * folder and not a symlink). */
char *st_path_canonical(const char *path)
{
    char abs[PATH_MAX];
    char buf[PATH_MAX];
    char tmp[PATH_MAX];
    size_t n;

    if (path[0] == '/') {
        if (strlen(path) >= sizeof abs)
            return NULL;
        strcpy(abs, path);
    } else {
        if (!getcwd(abs, sizeof abs))
            return NULL;
        size_t cl = strlen(abs);
        if (cl + 1 + strlen(path) >= sizeof abs)
            return NULL;
        abs[cl] = '/';
        strcpy(abs + cl + 1, path);
    }
    strcpy(buf, "/");
    n = 1;
    /* Walk the components; while the prefix exists, resolve it with realpath(). */
    bool resolving = true;
    const char *p = abs;
    while (*p) {
        while (*p == '/')
            p++;
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0)
            break;
        if (push_component(buf, &n, p, len) != 0)
            return NULL;
        if (resolving) {
            if (realpath(buf, tmp)) {
                n = strlen(tmp);
                memcpy(buf, tmp, n + 1);
            } else {
                resolving = false;
            }
        }
        p += len;
    }
    return strdup(buf);
}

void st_guard_init(st_guard *g)
{
    memset(g, 0, sizeof *g);
}

void st_guard_free(st_guard *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->e[i].canon);
        free(g->e[i].name);
    }
    free(g->e);
    memset(g, 0, sizeof *g);
}

/* Fills e for path (canonical form, identity if it exists). -1: no memory. */
static int describe(st_guard_entry *e, const char *path)
{
    struct stat st;
    memset(e, 0, sizeof *e);
    e->name = strdup(path);
    e->canon = st_path_canonical(path);
    if (!e->name) {
        free(e->canon);
        e->canon = NULL;
        return -1;
    }
    if (stat(path, &st) == 0) {
        e->exists = true;
        e->dev = st.st_dev;
        e->ino = st.st_ino;
    }
    return 0;
}

static void forget(st_guard_entry *e)
{
    free(e->canon);
    free(e->name);
    memset(e, 0, sizeof *e);
}

static bool same_entry(const st_guard_entry *a, const st_guard_entry *b)
{
    if (a->exists && b->exists && a->dev == b->dev && a->ino == b->ino)
        return true;
    return a->canon && b->canon && strcmp(a->canon, b->canon) == 0;
}

static steppe_status_t push(steppe_ctx_t *ctx, st_guard *g, st_guard_entry *e)
{
    if (!st_grow(&g->e, &g->cap, g->n + 1, sizeof *g->e, 16)) {
        forget(e);
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    }
    g->e[g->n++] = *e;
    return STEPPE_OK;
}

static steppe_status_t add_input(steppe_ctx_t *ctx, st_guard *g, const char *path)
{
    st_guard_entry e;
    if (describe(&e, path) != 0)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    return push(ctx, g, &e);
}

steppe_status_t st_guard_input(steppe_ctx_t *ctx, st_guard *g, const char *path)
{
    static const char *const sidecars[] = {".shx", ".dbf", ".prj", ".cpg", ".SHX", ".DBF", ".PRJ", ".CPG"};
    if (!path || !*path)
        return STEPPE_OK;
    steppe_status_t st = add_input(ctx, g, path);
    size_t n = strlen(path);
    if (st != STEPPE_OK || n < 4 || strcasecmp(path + n - 4, ".shp") != 0)
        return st;
    char *other = malloc(n + 1);
    if (!other)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    memcpy(other, path, n + 1);
    for (size_t i = 0; i < sizeof sidecars / sizeof sidecars[0] && st == STEPPE_OK; i++) {
        memcpy(other + n - 4, sidecars[i], 4);
        st = add_input(ctx, g, other);
    }
    free(other);
    return st;
}

steppe_status_t st_guard_map(steppe_ctx_t *ctx, st_guard *g, const st_map *map)
{
    steppe_status_t st = st_guard_input(ctx, g, map->path);
    for (size_t i = 0; i < map->ninputs && st == STEPPE_OK; i++)
        st = st_guard_input(ctx, g, map->inputs[i]);
    for (size_t i = 0; i < map->nlayers && st == STEPPE_OK; i++)
        st = st_guard_input(ctx, g, map->layers[i].source);
    return st;
}

steppe_status_t st_output_make_folders(steppe_ctx_t *ctx, const char *target, char **made, size_t max,
                                       size_t *nmade)
{
    size_t first = *nmade;
    char *path = strdup(target);
    if (!path)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    steppe_status_t status = STEPPE_OK;
    for (char *p = path + 1; *p && status == STEPPE_OK; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        struct stat sb;
        bool exists = stat(path, &sb) == 0;
        if (exists && S_ISDIR(sb.st_mode)) {
            *p = '/';
            continue;
        }
        if (exists) {
            status =
                st_error(ctx, STEPPE_ERR_IO,
                         "%s: cannot create its folder %s: a file of that name is in the way", target, path);
        } else if (mkdir(path, 0777) != 0) {
            status = st_error(ctx, STEPPE_ERR_IO, "%s: cannot create its folder %s: %s", target, path,
                              strerror(errno));
        } else if (*nmade < max) {
            made[*nmade] = strdup(path);
            if (made[*nmade])
                (*nmade)++;
        }
        *p = '/';
    }
    free(path);
    if (status != STEPPE_OK) {
        st_output_unmake_folders(made + first, *nmade - first);
        *nmade = first;
    }
    return status;
}

void st_output_unmake_folders(char **made, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        rmdir(made[i]);
        free(made[i]);
        made[i] = NULL;
    }
}

steppe_status_t st_output_writable(steppe_ctx_t *ctx, const char *target)
{
    struct stat st;
    if (stat(target, &st) != 0)
        return STEPPE_OK; /* created by the write; a missing folder is reported there */
    if (S_ISDIR(st.st_mode))
        return st_error(ctx, STEPPE_ERR_IO, "%s: is a directory", target);
    if (!S_ISREG(st.st_mode))
        return st_error(ctx, STEPPE_ERR_IO,
                        "%s: cannot write: not a regular file (a device, FIFO or socket would be replaced)",
                        target);
    /* The file is replaced by rename(), which needs only a writable folder:
     * a read-only file would be overwritten silently, root's always. */
    if ((st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0 || access(target, W_OK) != 0)
        return st_error(ctx, STEPPE_ERR_IO, "%s: cannot write: the file is read-only", target);
    return STEPPE_OK;
}

steppe_status_t st_guard_output(steppe_ctx_t *ctx, st_guard *g, const char *path, const char *what)
{
    st_guard_entry e;
    if (describe(&e, path) != 0)
        return st_error(ctx, STEPPE_ERR_NOMEM, "out of memory");
    e.output = true;
    e.what = what;
    for (size_t i = 0; i < g->n; i++) {
        const st_guard_entry *o = &g->e[i];
        if (!same_entry(&e, o))
            continue;
        steppe_status_t st;
        if (!o->output)
            st = st_error(ctx, STEPPE_ERR_USAGE, "%s: refusing to overwrite an input file (%s)", path,
                          o->name);
        else if (strcmp(o->what, what) == 0)
            st =
                st_error(ctx, STEPPE_ERR_USAGE, "%s: written twice in one run (the %s '%s' is the same file)",
                         path, o->what, o->name);
        else
            st = st_error(ctx, STEPPE_ERR_USAGE, "%s: the %s and the %s '%s' are the same file", path, what,
                          o->what, o->name);
        forget(&e);
        return st;
    }
    steppe_status_t st = st_output_writable(ctx, path);
    if (st != STEPPE_OK) {
        forget(&e);
        return st;
    }
    return push(ctx, g, &e);
}

steppe_status_t st_guard_render(steppe_ctx_t *ctx, const st_map *map, const steppe_render_opts_t *opts)
{
    st_guard g;
    st_guard_init(&g);
    steppe_status_t st = STEPPE_OK;
    for (size_t i = 0; i < opts->n_outputs && st == STEPPE_OK; i++) {
        st_format fmt;
        st = st_output_format(ctx, opts->outputs[i], &fmt);
    }
    if (st == STEPPE_OK)
        st = st_guard_map(ctx, &g, map);
    for (size_t i = 0; i < opts->n_outputs && st == STEPPE_OK; i++)
        st = st_guard_output(ctx, &g, opts->outputs[i], "output");
    if (st == STEPPE_OK && opts->report)
        st = st_guard_output(ctx, &g, opts->report, "report");
    st_guard_free(&g);
    return st;
}

steppe_status_t steppe_render_check(steppe_ctx_t *ctx, const steppe_style_t *style,
                                    const steppe_render_opts_t *opts)
{
    return st_guard_render(ctx, &style->map, opts);
}
