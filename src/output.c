/* Output: choosing the format, atomic files.
 *
 * A target is never written in place. The bytes go to ".<name>.XXXXXX.tmp"
 * in the target's own folder (rename() is atomic only within one file
 * system), which is flushed, fsync()ed and closed — every return checked,
 * because a full disk is often reported only by fflush() or fclose() — and
 * then renamed over the target. Until that rename the previous target is
 * untouched; on any failure the temporary file is removed. */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

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
static int create_tmp(char *tmp, char *xs)
{
    for (int attempt = 0; attempt < 100; attempt++) {
        if (randomise(xs) != 0)
            return -1;
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
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

    fd = create_tmp(a->tmp, a->tmp + strlen(a->tmp) - 10);
    if (fd < 0) {
        status = cannot_write(ctx, target, dir, errno);
        free(a->tmp);
        a->tmp = NULL;
        goto fail;
    }
    tell_hook(ctx, a->tmp, 1);
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

/* Frees the names and forgets everything; the files are dealt with. */
static void release(st_atomic *a)
{
    free(a->target);
    free(a->tmp);
    a->target = NULL;
    a->tmp = NULL;
    a->fp = NULL;
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
