/* steppe — the command-line tool.
 *
 * A thin shell over libsteppe in the manner of curl's tool_main.c and PROJ's
 * apps: parse the arguments (getopt_long), call one library entry point,
 * print what it reports, return an exit status from steppe_status_exit_code()
 * (0 success, 1 data or runtime failure, 2 usage or style error). Only
 * public headers are used.
 *
 * Messages: the library reports through the context's logger; warnings are
 * printed as they come ("steppe: warning: ..."), progress lines unless -q.
 * An error is printed once, when the command gives up, from
 * steppe_ctx_last_error(): a library function may record an error and then
 * recover, and the user should see only the error that ended the run. */
#include <cairo.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <steppe/diff.h>
#include <steppe/steppe.h>

#define EXIT_USAGE 2

typedef struct cli {
    int quiet;
    const char *bar_unit; /* a progress bar is on the terminal's last line */
    int bar_shown;
} cli;

/* ---- messages ---------------------------------------------------------- */

static void cli_log(void *user, steppe_log_level_t level, const char *message)
{
    cli *c = user;
    if (c->bar_shown && level != STEPPE_LOG_ERROR && !c->quiet) {
        /* clear the bar; it is redrawn on the next step */
        fputs("\r\033[K", stderr);
        c->bar_shown = 0;
    }
    if (level == STEPPE_LOG_WARNING && !c->quiet)
        fprintf(stderr, "steppe: warning: %s\n", message);
    else if (level == STEPPE_LOG_INFO && !c->quiet)
        fprintf(stderr, "steppe: %s\n", message);
}

/* Prints "steppe: message" and returns the exit status for status. */
static int fail(steppe_ctx_t *ctx, steppe_status_t status)
{
    const char *msg = ctx ? steppe_ctx_last_error(ctx) : "";
    fprintf(stderr, "steppe: %s\n", *msg ? msg : steppe_status_to_string(status));
    return steppe_status_exit_code(status);
}

/* prefix, text and suffix in one new string (the caller frees it); NULL
 * when out of memory. */
static char *concat3(const char *prefix, const char *text, const char *suffix)
{
    size_t len = strlen(prefix) + strlen(text) + strlen(suffix) + 1;
    char *s = malloc(len);
    if (s)
        snprintf(s, len, "%s%s%s", prefix, text, suffix);
    return s;
}

static int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("steppe: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(stderr, " (see 'steppe %s --help')\n", cmd);
    else
        fputs(" (see 'steppe --help')\n", stderr);
    return EXIT_USAGE;
}

/* ---- temporary files and signals --------------------------------------- */

/* The one place with mutable globals: a signal handler can reach nothing
 * else. The library tells us (steppe_ctx_set_tmp_hook) the name of each
 * temporary output before it creates the file, and again when the file is
 * gone (renamed or removed). On a signal whose default action ends the
 * process, the handler marks the process as dying, unlinks every name it
 * was told of — unlink() is async-signal-safe — and re-raises the signal
 * with its default action so the exit status says what happened.
 *
 * Races with threads that keep running while the handler runs (atlas -j):
 *  - a thread about to create a file registers its name, then (after a
 *    fence) checks the dying flag and, if set, stops for good instead of
 *    creating it; the handler sets the flag, then (after a fence) reads the
 *    slots. So either the handler sees the name or the thread sees the flag.
 *  - a name the handler saw may be created just after its unlink: the
 *    handler unlinks again every 5 ms until no name is live (at most 2 s).
 * The table has a slot per temporary that can be in flight; it grows when
 * full (the old one stays allocated, as the handler may be reading it), so
 * there is no fixed limit. Slots are taken round-robin so that a slot just
 * freed is not rewritten while a handler may still be reading it. */
typedef struct tmp_slot {
    char *path;                 /* owned; replaced only when the slot is reused */
    volatile sig_atomic_t live; /* set after path is written, with a fence between */
} tmp_slot;

typedef struct tmp_table {
    size_t n;
    tmp_slot *slot;
} tmp_table;

static _Atomic(tmp_table *) tmp_tab;
static size_t tmp_next;
static volatile sig_atomic_t dying;
static pthread_mutex_t tmp_lock = PTHREAD_MUTEX_INITIALIZER;

/* The signals whose default action ends the process (SIGKILL and SIGSTOP
 * cannot be caught; SIGSEGV and the like are bugs, not requests). */
static const int cleanup_signals[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGPIPE,   SIGUSR1,
                                      SIGUSR2, SIGALRM, SIGXFSZ, SIGXCPU, SIGVTALRM, SIGPROF};

static tmp_table *tmp_table_new(size_t n)
{
    tmp_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->slot = calloc(n, sizeof *t->slot);
    if (!t->slot) {
        free(t);
        return NULL;
    }
    t->n = n;
    return t;
}

/* Registers path in a free slot; grows the table when none is free. */
static void tmp_add_locked(const char *path)
{
    tmp_table *t = atomic_load(&tmp_tab);
    char *copy = strdup(path);
    if (!t || !copy) {
        free(copy);
        return;
    }
    for (;;) {
        for (size_t k = 0; k < t->n; k++) {
            tmp_slot *s = &t->slot[(tmp_next + k) % t->n];
            if (s->live)
                continue;
            char *old = s->path;
            s->path = copy;
            atomic_signal_fence(memory_order_seq_cst);
            s->live = 1;
            tmp_next = (tmp_next + k + 1) % t->n;
            free(old);
            return;
        }
        tmp_table *bigger = tmp_table_new(2 * t->n);
        if (!bigger) {
            free(copy);
            return;
        }
        for (size_t k = 0; k < t->n; k++) {
            bigger->slot[k].path = t->slot[k].path ? strdup(t->slot[k].path) : NULL;
            bigger->slot[k].live = t->slot[k].live;
        }
        atomic_store(&tmp_tab, bigger);
        tmp_next = t->n;
        t = bigger; /* the old table is kept: a handler may be reading it */
    }
}

static void tmp_remove_locked(const char *path)
{
    tmp_table *t = atomic_load(&tmp_tab);
    for (size_t k = 0; t && k < t->n; k++) {
        if (t->slot[k].live && strcmp(t->slot[k].path, path) == 0) {
            t->slot[k].live = 0;
            return;
        }
    }
}

/* Atlas pages write from several threads: slots are claimed under a lock
 * (the signal handler only reads them). */
static void tmp_hook(void *user, const char *path, int created)
{
    (void)user;
    pthread_mutex_lock(&tmp_lock);
    if (created)
        tmp_add_locked(path);
    else
        tmp_remove_locked(path);
    pthread_mutex_unlock(&tmp_lock);
    atomic_thread_fence(memory_order_seq_cst);
    if (created && dying) {
        /* The handler is removing temporaries and the process is about to
         * end: create nothing more. */
        for (;;)
            pause();
    }
}

/* Unlinks every live name; returns how many there were. */
static int tmp_unlink_all(void)
{
    int live = 0;
    tmp_table *t = atomic_load(&tmp_tab);
    for (size_t k = 0; t && k < t->n; k++) {
        if (t->slot[k].live) {
            unlink(t->slot[k].path);
            live++;
        }
    }
    return live;
}

static void on_signal(int sig)
{
    int saved = errno;
    dying = 1;
    atomic_thread_fence(memory_order_seq_cst);
    /* A thread that registered its name before the flag was set may still
     * create the file after an unlink (on a loaded machine, long after).
     * Such a thread goes on to write, then renames the file (which fails
     * once the name is gone) or finishes the page, and either way marks its
     * name as gone; its next page stops in tmp_hook. So unlink again every
     * 5 ms until no name is live, for at most 2 s. */
    const struct timespec step = {0, 5000000L};
    for (int i = 0; i < 400 && tmp_unlink_all() > 0; i++)
        nanosleep(&step, NULL);
    signal(sig, SIG_DFL);
    errno = saved;
    raise(sig);
}

/* Sized for the most temporaries one command has in flight (a render's
 * outputs and report; an atlas's pages, one per job, at most 64). */
static void install_signal_handlers(int argc)
{
    struct sigaction sa;
    atomic_store(&tmp_tab, tmp_table_new((size_t)argc + 64 + 8));
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof cleanup_signals / sizeof cleanup_signals[0]; i++)
        sigaddset(&sa.sa_mask, cleanup_signals[i]);
    for (size_t i = 0; i < sizeof cleanup_signals / sizeof cleanup_signals[0]; i++) {
        struct sigaction old;
        /* SIGHUP ignored by whoever started us (nohup) stays ignored. The
         * others are caught even when ignored: a shell starts background
         * jobs with SIGINT and SIGQUIT ignored, and they must still stop
         * a render cleanly when sent on purpose (kill -INT). */
        if (cleanup_signals[i] == SIGHUP && sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(cleanup_signals[i], &sa, NULL);
    }
}

static steppe_ctx_t *make_ctx(cli *c)
{
    steppe_ctx_t *ctx = steppe_ctx_create();
    if (!ctx) {
        fputs("steppe: out of memory\n", stderr);
        return NULL;
    }
    steppe_ctx_set_logger(ctx, cli_log, c);
    steppe_ctx_set_tmp_hook(ctx, tmp_hook, NULL);
    return ctx;
}

/* ---- argument parsing -------------------------------------------------- */

/* Strict integer: the whole of s, within [min, max]. */
static int parse_int(const char *cmd, const char *opt, const char *s, long min, long max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < min || v > max)
        return usage_error(cmd, "%s: '%s' is not a whole number from %ld to %ld", opt, s, min, max);
    *out = (int)v;
    return 0;
}

/* Strict positive real number (accepts 2e8 as well as 300). */
static int parse_positive(const char *cmd, const char *opt, const char *s, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !isfinite(v) || v <= 0 || v > max)
        return usage_error(cmd, "%s: '%s' is not a number greater than 0 and at most %g", opt, s, max);
    *out = v;
    return 0;
}

/* A share: "0.005" (a fraction, 0-1) or "0.5%" (a percentage, 0-100). */
static int parse_tolerance(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    int percent = *end == '%';
    if (percent)
        end++;
    if (end == s || *end || errno || !isfinite(v) || v < 0 || v > (percent ? 100 : 1))
        return usage_error("diff",
                           "--tolerance: '%s' is not a share (a fraction 0-1 such as 0.005, or a "
                           "percentage such as 0.5%%)",
                           s);
    *out = percent ? v / 100 : v;
    return 0;
}

/* getopt_long's error reports, reworded with the "steppe: " prefix.
 * opterr is 0 and every optstring starts with ':' so that a missing
 * argument returns ':' rather than '?'. */
static int bad_option(const char *cmd, int c, char **argv)
{
    const char *arg = argv[optind - 1];
    if (c == ':')
        return usage_error(cmd, "option '%s' needs a value", arg);
    if (optopt && strncmp(arg, "--", 2) != 0)
        return usage_error(cmd, "unknown option '-%c'", optopt);
    return usage_error(cmd, "unknown option '%s'", arg);
}

/* A command: its name, what runs it, and its options. Its short options
 * are the vals below 256 of its table; larger vals are long options only. */
typedef struct command {
    const char *name;
    int (*run)(cli *c, const struct command *cmd, int argc, char **argv);
    const char *usage;
    const struct option *options; /* ends with {NULL, 0, NULL, 0} */
    /* The command's own option opt with its value (NULL for a flag) into
     * args; returns the exit status so far. */
    int (*option)(void *args, int opt, const char *arg);
    int operands;      /* how many must follow the options; -1: the command checks */
    const char *takes; /* the usage error when they do not */
} command;

/* The options parse_options() answers itself, closing every command's
 * table but info's (which prints no progress to quiet). */
/* clang-format off */
#define COMMON_OPTIONS \
    {"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}
/* clang-format on */

/* getopt_long's short options for options: ':' first (see bad_option()),
 * then each short option, followed by ':' when it takes a value. */
static void short_options(const struct option *options, char *out, size_t size)
{
    size_t n = 0;
    out[n++] = ':';
    for (const struct option *o = options; o->name && n + 3 <= size; o++) {
        if (o->val >= 256)
            continue;
        out[n++] = (char)o->val;
        if (o->has_arg == required_argument)
            out[n++] = ':';
    }
    out[n] = '\0';
}

/* Parses cmd's options in argv (argv[0] is the command's name): -h prints
 * its usage and sets *help, -q quiets the run, an unknown option or a
 * missing value is the usage error, each other option goes to cmd->option
 * with args; then cmd->operands must follow. Stops at the first error or
 * at -h. Returns the exit status so far. */
static int parse_options(cli *c, const command *cmd, int argc, char **argv, void *args, bool *help)
{
    char shorts[64];
    int rc = 0;
    short_options(cmd->options, shorts, sizeof shorts);
    *help = false;
    while (rc == 0) {
        int opt = getopt_long(argc, argv, shorts, cmd->options, NULL);
        if (opt == -1)
            break;
        if (opt == 'h') {
            fputs(cmd->usage, stdout);
            *help = true;
            return 0;
        }
        if (opt == 'q')
            c->quiet = 1;
        else if (opt == ':' || opt == '?')
            rc = bad_option(cmd->name, opt, argv);
        else
            rc = cmd->option(args, opt, optarg);
    }
    if (rc == 0 && cmd->operands >= 0 && argc - optind != cmd->operands)
        rc = usage_error(cmd->name, "%s", cmd->takes);
    return rc;
}

/* What a command does before its work: parse_options(), then the context
 * it runs in. *ctx stays NULL when the command is over (after -h, a usage
 * error or running out of memory), and the exit status is returned. */
static int start_command(cli *c, const command *cmd, int argc, char **argv, void *args, steppe_ctx_t **ctx)
{
    bool help;
    *ctx = NULL;
    int rc = parse_options(c, cmd, argc, argv, args, &help);
    if (rc != 0 || help)
        return rc;
    *ctx = make_ctx(c);
    return *ctx ? 0 : 1;
}

/* The options render and atlas share: the canvas's width, height and dpi. */
/* clang-format off */
#define CANVAS_OPTIONS \
    {"width", required_argument, NULL, 'W'}, {"height", required_argument, NULL, 'H'}, \
    {"dpi", required_argument, NULL, 'd'}
/* clang-format on */

/* One of CANVAS_OPTIONS into ro. */
static int canvas_option(const char *cmd, int opt, const char *arg, steppe_render_opts_t *ro)
{
    switch (opt) {
    case 'W': return parse_int(cmd, "--width", arg, 1, INT_MAX, &ro->width);
    case 'H': return parse_int(cmd, "--height", arg, 1, INT_MAX, &ro->height);
    case 'd': return parse_positive(cmd, "--dpi", arg, 10000, &ro->dpi);
    }
    return 0; /* only the table's options come here */
}

/* ---- atlas shards ---------------------------------------------------------
 *
 * --shard K/N names the shard directly (a GitHub Actions matrix passes its
 * values this way). --shard auto reads it from the job runner that started
 * this process; auto/N gives the count where the runner does not (a
 * Kubernetes Indexed Job knows only its index). */
#define SHARD_MAX 100000

/* A whole number 0..max written in decimal digits only ("+1", " 1", "1x"
 * and "" are refused). */
static int parse_count(const char *s, unsigned long max, unsigned long *out)
{
    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
        return -1;
    unsigned long v = strtoul(s, NULL, 10);
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

/* The value of the environment variable name parsed as by parse_count():
 * 1 when set and valid, 0 when unset, -1 (after the message) when set but
 * not a number. */
static int env_count(const char *name, unsigned long *out)
{
    const char *v = getenv(name);
    if (!v)
        return 0;
    if (parse_count(v, 1000000000UL, out) != 0) {
        usage_error("atlas", "--shard auto: %s is '%s', not a whole number", name, v);
        return -1;
    }
    return 1;
}

static int parse_shard(const char *arg, unsigned *k, unsigned *n)
{
    unsigned long kk = 0, nn = 0;
    const char *slash = strchr(arg, '/');
    if (strncmp(arg, "auto", 4) != 0 || (arg[4] && arg[4] != '/')) {
        char left[16];
        size_t ll = slash ? (size_t)(slash - arg) : 0;
        if (!slash || ll >= sizeof left)
            goto bad;
        memcpy(left, arg, ll);
        left[ll] = '\0';
        if (parse_count(left, SHARD_MAX, &kk) != 0 || parse_count(slash + 1, SHARD_MAX, &nn) != 0)
            goto bad;
        if (nn < 1 || kk < 1 || kk > nn)
            return usage_error("atlas", "--shard %s: K must be 1 to N and N 1 to %d", arg, SHARD_MAX);
        *k = (unsigned)kk;
        *n = (unsigned)nn;
        return 0;
    }
    if (slash && (parse_count(slash + 1, SHARD_MAX, &nn) != 0 || nn < 1))
        goto bad;

    /* Which runner: exactly one may have set its variables. */
    unsigned long gl_i = 0, gl_n = 0, sl_id = 0, sl_n = 0, sl_min = 0, sl_step = 1, k8_i = 0;
    int gl = env_count("CI_NODE_INDEX", &gl_i);
    int gl_total = env_count("CI_NODE_TOTAL", &gl_n);
    int sl = env_count("SLURM_ARRAY_TASK_ID", &sl_id);
    int k8 = env_count("JOB_COMPLETION_INDEX", &k8_i);
    if (gl < 0 || gl_total < 0 || sl < 0 || k8 < 0)
        return EXIT_USAGE;
    if (!gl && gl_total == 1 && gl_n == 1) {
        /* GitLab sets CI_NODE_TOTAL=1 and no index for a job without parallel:. */
        gl = 1;
        gl_i = 1;
    }
    if ((gl > 0) + (sl > 0) + (k8 > 0) > 1)
        return usage_error(
            "atlas",
            "--shard auto: the variables of more than one job runner are set (%s%s%s); give --shard K/N",
            gl > 0 ? "GitLab CI_NODE_INDEX " : "", sl > 0 ? "Slurm SLURM_ARRAY_TASK_ID " : "",
            k8 > 0 ? "Kubernetes JOB_COMPLETION_INDEX" : "");
    const char *from;
    if (gl > 0) {
        from = "GitLab CI_NODE_INDEX/CI_NODE_TOTAL";
        if (gl_total <= 0)
            return usage_error("atlas", "--shard auto: CI_NODE_INDEX is set but CI_NODE_TOTAL is not");
        kk = gl_i; /* 1-based */
        if (nn && nn != gl_n)
            return usage_error("atlas", "--shard %s: CI_NODE_TOTAL is %lu", arg, gl_n);
        nn = gl_n;
    } else if (sl > 0) {
        from = "Slurm SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT";
        /* Array indices are whatever --array said (0-7, 1-8, 0-15:2): the
         * shard is the task's position from SLURM_ARRAY_TASK_MIN by STEP. */
        int c = env_count("SLURM_ARRAY_TASK_COUNT", &sl_n);
        int m = env_count("SLURM_ARRAY_TASK_MIN", &sl_min);
        int st = env_count("SLURM_ARRAY_TASK_STEP", &sl_step);
        if (c < 0 || m < 0 || st < 0)
            return EXIT_USAGE;
        if (c == 0 || m == 0)
            return usage_error("atlas", "--shard auto: SLURM_ARRAY_TASK_ID is set but %s is not",
                               c == 0 ? "SLURM_ARRAY_TASK_COUNT" : "SLURM_ARRAY_TASK_MIN");
        if (st == 0 || sl_step == 0)
            sl_step = 1;
        if (sl_id < sl_min || (sl_id - sl_min) % sl_step != 0)
            return usage_error(
                "atlas", "--shard auto: SLURM_ARRAY_TASK_ID %lu is not MIN %lu plus a multiple of STEP %lu",
                sl_id, sl_min, sl_step);
        kk = (sl_id - sl_min) / sl_step + 1;
        if (nn && nn != sl_n)
            return usage_error("atlas", "--shard %s: SLURM_ARRAY_TASK_COUNT is %lu", arg, sl_n);
        nn = sl_n;
    } else if (k8 > 0) {
        from = "Kubernetes JOB_COMPLETION_INDEX";
        if (!nn)
            return usage_error("atlas",
                               "--shard auto: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) "
                               "but not the count: give --shard auto/N, N the Job's completions");
        kk = k8_i + 1; /* 0-based */
    } else {
        return usage_error("atlas",
                           "--shard auto: no job runner's index is set (GitLab CI_NODE_INDEX, Slurm "
                           "SLURM_ARRAY_TASK_ID, Kubernetes JOB_COMPLETION_INDEX); give --shard K/N");
    }
    if (nn < 1 || nn > SHARD_MAX || kk < 1 || kk > nn)
        return usage_error("atlas", "--shard auto: %s give shard %lu of %lu; it must be 1 to N and N 1 to %d",
                           from, kk, nn, SHARD_MAX);
    *k = (unsigned)kk;
    *n = (unsigned)nn;
    return 0;
bad:
    return usage_error("atlas", "--shard: '%s' is not K/N (e.g. 2/8), auto or auto/N", arg);
}

/* --list: one line per page, "KEY<TAB>PATH". A tab or line break inside a
 * key (a field value) would break the line format: it is printed as a space. */
static void list_page(void *user, size_t index, const char *key, const char *path)
{
    (void)user;
    (void)index;
    for (const char *p = key; *p; p++)
        putchar(*p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p);
    printf("\t%s\n", path);
}

static int has_extension(const char *path, const char *ext)
{
    size_t n = strlen(path);
    size_t e = strlen(ext);
    return n > e && strcasecmp(path + n - e, ext) == 0;
}

/* ---- help and version ---------------------------------------------------- */

static const char usage_main[] =
    "Usage: steppe COMMAND [OPTIONS] [ARGS]\n"
    "Render maps from Shapefiles, CSV, GeoJSON and GeoPackage data and a YAML\n"
    "style to PNG, SVG or PDF.\n"
    "\n"
    "Commands:\n"
    "  render [STYLE.yaml | FILE]      render a map (default: the bundled forum style)\n"
    "  check STYLE.yaml                validate a style and everything it refers to\n"
    "  info FILE | postgresql://...    describe a data file or a PostGIS database\n"
    "  diff A.png B.png                compare two PNG images\n"
    "  atlas STYLE -o TMPL             one map per feature of a layer\n"
    "\n"
    "Options:\n"
    "  -h, --help      show this help (or 'steppe COMMAND --help')\n"
    "  -V, --version   show the version and the library versions\n"
    "\n"
    "Exit status: 0 success, 1 data or runtime failure (or images differ),\n"
    "2 usage or style error. See steppe(1).\n";

static const char usage_render[] =
    "Usage: steppe render [STYLE.yaml | FILE] [OPTIONS]\n"
    "Render a map. Without STYLE the bundled styles/forum.yaml is used; a data\n"
    "file (.shp, .csv, GeoJSON, .gpkg) gets a quick-look map. Without -o the map\n"
    "goes to out/NAME.png.\n"
    "Missing folders of the outputs and the report are created.\n"
    "\n"
    "  -o, --output FILE     write FILE (.png, .svg or .pdf); repeatable\n"
    "  -W, --width PX        canvas width in pixels, 1 or more\n"
    "  -H, --height PX       canvas height in pixels, 1 or more\n"
    "  -d, --dpi N           resolution, more than 0 and at most 10000 (scales\n"
    "                        lines and text; PNG pHYs)\n"
    "  -r, --report FILE     write a JSON render report to FILE\n"
    "  -s, --set KEY=VALUE   override a style value (dotted key path); repeatable\n"
    "      --max-pixels N    refuse canvases larger than N pixels, more than 0\n"
    "                        and at most 1e15 (default 2e8)\n"
    "      --png-level N     PNG compression 0-9: 1 fastest, 2 (default) steppe's\n"
    "                        deflate for maps, about zlib's 6 in size; 0, 3-9 zlib\n"
    "  -q, --quiet           print errors only\n"
    "  -h, --help            show this help\n";

static const char usage_check[] = "Usage: steppe check STYLE.yaml [OPTIONS]\n"
                                  "Validate a style: keys and values, referenced files, CRSs, fonts.\n"
                                  "\n"
                                  "  -s, --set KEY=VALUE   override a style value; repeatable\n"
                                  "  -q, --quiet           print errors only\n"
                                  "  -h, --help            show this help\n";

static const char usage_info[] =
    "Usage: steppe info FILE [--field NAME]\n"
    "       steppe info postgresql://USER@HOST/DB [--table NAME | --sql QUERY]\n"
    "Describe a data file (Shapefile, CSV, GeoJSON, GeoPackage): geometry type,\n"
    "records, extent, fields and their types, CRS, encoding, a GeoPackage's layers;\n"
    "or a PostGIS database: its geometry tables, or a table's or query's columns.\n"
    "\n"
    "  -f, --field NAME      statistics of one field: count, no-data, min, max,\n"
    "                        mean, median, distinct values, top values\n"
    "  -t, --table NAME      a PostGIS table's columns, geometry, SRID and rows\n"
    "  -s, --sql QUERY       the same for a query\n"
    "  -h, --help            show this help\n";

static const char usage_diff[] =
    "Usage: steppe diff A.png B.png [OPTIONS]\n"
    "       steppe diff OLD.json NEW.json [--moved PX]\n"
    "Compare two PNG images of the same size. A pixel differs when one of its\n"
    "channels differs by more than the threshold. Given two render reports (the\n"
    "JSON files render writes), say in words what changed: canvas and layout,\n"
    "features per layer, class breaks and counts, labels added, dropped or moved\n"
    "by more than --moved PX (default 2), measurements; exit 1 on any change.\n"
    "\n"
    "  -t, --tolerance T     share of pixels allowed to differ, 0-1 or 0%-100%:\n"
    "                        0.005 or 0.5% (default 0)\n"
    "  -T, --threshold N     channel difference 0-255 a pixel may have and still\n"
    "                        count as equal (default 0: exact; 8 absorbs\n"
    "                        antialiasing across library versions)\n"
    "  -o, --output FILE     write a highlight PNG: A in grey, differences in red\n"
    "  -m, --moved PX        reports: a label moved by more than PX pixels\n"
    "  -q, --quiet           print errors only\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 within tolerance, 1 different (or unreadable), 2 usage.\n";

static const char usage_atlas[] =
    "Usage: steppe atlas STYLE.yaml [--layer LAYER] -o TEMPLATE [OPTIONS]\n"
    "Render one map per feature of LAYER, framed on the feature and drawn\n"
    "with the style's highlight. TEMPLATE names each file from the feature's\n"
    "fields, e.g. 'out/regions/{iso}.png'; missing folders are created.\n"
    "\n"
    "  -l, --layer LAYER     the layer whose features become maps (default: the\n"
    "                        style's atlas.layer)\n"
    "  -o, --output TMPL     output path template (required)\n"
    "  -w, --where FILTER    only features matching FILTER, a style filter in\n"
    "                        YAML flow form, e.g. '{type: republic}'\n"
    "      --shard K/N       render only shard K of N (1 <= K <= N <= 100000):\n"
    "                        the pages whose number i (0-based) has i % N = K-1\n"
    "      --shard auto[/N]  K and N from the job runner: GitLab CI_NODE_INDEX/\n"
    "                        CI_NODE_TOTAL, Slurm SLURM_ARRAY_TASK_ID/_COUNT/_MIN,\n"
    "                        Kubernetes JOB_COMPLETION_INDEX (N required)\n"
    "      --list            print KEY<TAB>PATH for each page (of the shard) and\n"
    "                        render nothing\n"
    "  -j, --jobs N          render N maps at a time, 1-64 (default: 1)\n"
    "  -W, --width PX        canvas width in pixels, 1 or more\n"
    "  -H, --height PX       canvas height in pixels, 1 or more\n"
    "  -d, --dpi N           resolution, more than 0 and at most 10000\n"
    "  -s, --set KEY=VALUE   override a style value; repeatable\n"
    "  -q, --quiet           print errors only\n"
    "  -h, --help            show this help\n"
    "\n"
    "Exit status: 0 when every map was written, 1 when any failed (the others\n"
    "are still written), 2 usage or style error.\n";

static int print_version(void)
{
    char geos[64];
    const char *proj_version = NULL;
    const char *geos_version = NULL;
    steppe_ctx_t *ctx = steppe_ctx_create();
    if (!ctx)
        return fail(NULL, STEPPE_ERR_NOMEM);
    /* PROJ, GEOS and pango are loaded at run time: the versions are those of the
     * libraries found now, and a missing one is an error here too. */
    const char *pango_version = NULL;
    steppe_status_t status = steppe_dependency_versions(ctx, &proj_version, &geos_version);
    if (status == STEPPE_OK)
        status = steppe_pango_version(ctx, &pango_version);
    if (status != STEPPE_OK) {
        int code = fail(ctx, status);
        steppe_ctx_destroy(ctx);
        return code;
    }
    steppe_ctx_destroy(ctx);
    /* GEOSversion() reads "3.11.1-CAPI-1.17.1"; the part before '-' is GEOS. */
    snprintf(geos, sizeof geos, "%s", geos_version);
    geos[strcspn(geos, "-")] = '\0';
    printf("steppe %s (cairo %s, PROJ %s, pango %s, GEOS %s, shapelib)\n", steppe_version(),
           cairo_version_string(), proj_version, pango_version, geos);
    return 0;
}

/* ---- commands ------------------------------------------------------------ */

/* Creates the folder "out" under the working directory if missing. */
static int ensure_out_dir(void)
{
    struct stat st;
    if (mkdir("out", 0777) == 0)
        return 0;
    if (errno == EEXIST && stat("out", &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    fprintf(stderr, "steppe: out: cannot create the output folder: %s\n",
            errno == EEXIST ? "a file of that name exists" : strerror(errno));
    return 1;
}

/* A progress bar on a terminal: redrawn in place, erased when done. user
 * is the unit ("maps", "steps"). */
static void progress_bar(void *user, size_t done, size_t total)
{
    cli *c = user;
    const char *unit = c->bar_unit;
    c->bar_shown = done < total;
    int width = 30;
    int fill = total ? (int)(width * done / total) : width;
    fprintf(stderr, "\r[%.*s%*s] %zu/%zu %s", fill, "##############################", width - fill, "", done,
            total, unit);
    if (done == total)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

typedef struct render_args {
    const char *style;
    const char **outputs;
    size_t n_outputs;
    const char **sets;
    size_t n_sets;
    steppe_render_opts_t opts;
} render_args;

/* Whether path (a .shp) has a .prj beside it. */
static bool has_sibling_prj(const char *path)
{
    size_t n = strlen(path);
    char prj[PATH_MAX];
    if (n < 4 || n >= sizeof prj)
        return true;
    memcpy(prj, path, n - 4);
    memcpy(prj + n - 4, ".prj", 5);
    return access(prj, F_OK) == 0;
}

static int run_render(cli *c, render_args *ra)
{
    int rc = 0;
    steppe_status_t status;
    steppe_style_t *style = NULL;
    char *default_out = NULL;
    char default_style[PATH_MAX];
    const char *style_path = ra->style;
    steppe_ctx_t *ctx = make_ctx(c);
    /* Loading PROJ (the scale bar's geodesics, any transformation) and the
     * font configuration takes longer than a small map's drawing: a second
     * core does it meanwhile. A quick look of a Shapefile without a .prj
     * is drawn in lon/lat and needs no PROJ at all. */
    unsigned preload_what = STEPPE_PRELOAD_PROJ | STEPPE_PRELOAD_FONTS;
    if (ra->style && has_extension(ra->style, ".shp") && !has_sibling_prj(ra->style))
        preload_what = STEPPE_PRELOAD_FONTS;
    steppe_preload_t *preload = steppe_preload_start(preload_what);

    if (!ctx)
        return 1;
    if (!style_path) {
        snprintf(default_style, sizeof default_style, "%s/styles/forum.yaml", steppe_ctx_data_dir(ctx));
        style_path = default_style;
    }
    if (steppe_style_is_data(style_path)) {
        if (ra->n_sets > 0) {
            rc = usage_error("render", "--set applies to a style file, not to a data file");
            goto done;
        }
        status = steppe_style_quicklook(ctx, style_path, &style);
    } else {
        status = steppe_style_load(ctx, style_path, ra->sets, ra->n_sets, &style);
    }
    if (status != STEPPE_OK) {
        rc = fail(ctx, status);
        goto done;
    }

    if (ra->n_outputs == 0) {
        const char *name = steppe_style_name(style);
        default_out = concat3("out/", name, ".png");
        if (!default_out) {
            rc = usage_error(NULL, "out of memory");
            goto done;
        }
        rc = ensure_out_dir();
        if (rc != 0)
            goto done;
        ra->opts.outputs = (const char *const *)&default_out;
        ra->opts.n_outputs = 1;
    } else {
        ra->opts.outputs = ra->outputs;
        ra->opts.n_outputs = ra->n_outputs;
    }

    if (!c->quiet && isatty(STDERR_FILENO)) {
        c->bar_unit = "steps";
        ra->opts.progress = progress_bar;
        ra->opts.progress_user = c;
    }
    /* Every output and the report are checked before the data is read,
     * so a refused report leaves the outputs untouched too. */
    status = steppe_render_check(ctx, style, &ra->opts);
    if (status == STEPPE_OK)
        status = steppe_render(ctx, style, &ra->opts);
    if (status != STEPPE_OK) {
        rc = fail(ctx, status);
        goto done;
    }
    if (!c->quiet) {
        for (size_t i = 0; i < ra->opts.n_outputs; i++)
            fprintf(stderr, "steppe: wrote %s\n", ra->opts.outputs[i]);
    }

done:
    steppe_preload_finish(preload);
    free(default_out);
    steppe_style_destroy(style);
    steppe_ctx_destroy(ctx);
    return rc;
}

enum { OPT_MAX_PIXELS = 256, OPT_PNG_LEVEL, OPT_SHARD, OPT_LIST }; /* long options only */

static int render_option(void *args, int opt, const char *arg)
{
    render_args *ra = args;
    switch (opt) {
    case 'o': ra->outputs[ra->n_outputs++] = arg; return 0;
    case 's': ra->sets[ra->n_sets++] = arg; return 0;
    case 'r': ra->opts.report = arg; return 0;
    case OPT_MAX_PIXELS: return parse_positive("render", "--max-pixels", arg, 1e15, &ra->opts.max_pixels);
    case OPT_PNG_LEVEL: return parse_int("render", "--png-level", arg, 0, 9, &ra->opts.png_level);
    }
    return canvas_option("render", opt, arg, &ra->opts);
}

static const struct option render_options[] = {{"output", required_argument, NULL, 'o'},
                                               CANVAS_OPTIONS,
                                               {"report", required_argument, NULL, 'r'},
                                               {"set", required_argument, NULL, 's'},
                                               {"max-pixels", required_argument, NULL, OPT_MAX_PIXELS},
                                               {"png-level", required_argument, NULL, OPT_PNG_LEVEL},
                                               COMMON_OPTIONS};

static int cmd_render(cli *c, const command *cmd, int argc, char **argv)
{
    render_args ra;
    bool help;
    int rc = 0;

    memset(&ra, 0, sizeof ra);
    steppe_render_opts_init(&ra.opts);
    /* At most argc of each repeatable option. */
    ra.outputs = calloc((size_t)argc + 1, sizeof *ra.outputs);
    ra.sets = calloc((size_t)argc + 1, sizeof *ra.sets);
    if (!ra.outputs || !ra.sets) {
        rc = usage_error(NULL, "out of memory");
        goto done;
    }
    rc = parse_options(c, cmd, argc, argv, &ra, &help);
    if (rc != 0 || help)
        goto done;
    if (argc - optind > 1) {
        rc = usage_error("render", "render takes one STYLE.yaml or FILE, not %d arguments", argc - optind);
        goto done;
    }
    ra.style = optind < argc ? argv[optind] : NULL;
    rc = run_render(c, &ra);

done:
    free(ra.outputs);
    free(ra.sets);
    return rc;
}

/* A style and its --set overrides (at most argc of them). */
typedef struct style_args {
    const char **sets;
    size_t n_sets;
} style_args;

/* -s KEY=VALUE, one more override: the option of check, and atlas's -s. */
static int set_option(style_args *sa, const char *arg)
{
    sa->sets[sa->n_sets++] = arg;
    return 0;
}

static int check_option(void *args, int opt, const char *arg)
{
    (void)opt; /* -s, its only option */
    return set_option(args, arg);
}

static const struct option check_options[] = {{"set", required_argument, NULL, 's'}, COMMON_OPTIONS};

static int cmd_check(cli *c, const command *cmd, int argc, char **argv)
{
    style_args sa = {calloc((size_t)argc + 1, sizeof *sa.sets), 0};
    steppe_ctx_t *ctx = NULL;
    steppe_style_t *style = NULL;
    steppe_status_t status;
    int rc = 0;

    if (!sa.sets)
        return usage_error(NULL, "out of memory");
    rc = start_command(c, cmd, argc, argv, &sa, &ctx);
    if (!ctx)
        goto done;
    status = steppe_style_load(ctx, argv[optind], sa.sets, sa.n_sets, &style);
    if (status == STEPPE_OK)
        status = steppe_style_check(ctx, style);
    if (status != STEPPE_OK) {
        rc = fail(ctx, status);
        goto done;
    }
    if (!c->quiet)
        printf("%s: ok\n", argv[optind]);

done:
    steppe_style_destroy(style);
    steppe_ctx_destroy(ctx);
    free(sa.sets);
    return rc;
}

typedef struct info_args {
    const char *field;
    const char *table;
    const char *sql;
} info_args;

static int info_option(void *args, int opt, const char *arg)
{
    info_args *ia = args;
    switch (opt) {
    case 'f': ia->field = arg; break;
    case 't': ia->table = arg; break;
    case 's': ia->sql = arg; break;
    }
    return 0;
}

static const struct option info_options[] = {{"help", no_argument, NULL, 'h'},
                                             {"field", required_argument, NULL, 'f'},
                                             {"table", required_argument, NULL, 't'},
                                             {"sql", required_argument, NULL, 's'},
                                             {NULL, 0, NULL, 0}};

static int cmd_info(cli *c, const command *cmd, int argc, char **argv)
{
    info_args ia = {NULL, NULL, NULL};
    char *text = NULL;
    steppe_ctx_t *ctx = NULL;
    int rc = start_command(c, cmd, argc, argv, &ia, &ctx);
    if (!ctx)
        return rc;
    steppe_status_t status = ia.table || ia.sql
                                 ? steppe_info_connection(ctx, argv[optind], ia.table, ia.sql, &text)
                             : ia.field ? steppe_info_field(ctx, argv[optind], ia.field, &text)
                                        : steppe_info_describe(ctx, argv[optind], &text);
    if (status != STEPPE_OK) {
        rc = fail(ctx, status);
    } else {
        size_t n = strlen(text);
        fputs(text, stdout);
        if (n == 0 || text[n - 1] != '\n')
            putchar('\n');
    }
    free(text);
    steppe_ctx_destroy(ctx);
    return rc;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

typedef struct diff_args {
    steppe_diff_opts_t opts;
    double moved;
} diff_args;

static int diff_option(void *args, int opt, const char *arg)
{
    diff_args *da = args;
    switch (opt) {
    case 't': return parse_tolerance(arg, &da->opts.tolerance);
    case 'T': return parse_int("diff", "--threshold", arg, 0, 255, &da->opts.threshold);
    case 'o': da->opts.highlight = arg; return 0;
    case 'm': return parse_positive("diff", "--moved", arg, 1e6, &da->moved);
    }
    return 0;
}

static const struct option diff_options[] = {{"tolerance", required_argument, NULL, 't'},
                                             {"threshold", required_argument, NULL, 'T'},
                                             {"output", required_argument, NULL, 'o'},
                                             {"moved", required_argument, NULL, 'm'},
                                             COMMON_OPTIONS};

static int cmd_diff(cli *c, const command *cmd, int argc, char **argv)
{
    diff_args da = {.moved = 2};
    steppe_diff_result_t r;
    steppe_ctx_t *ctx = NULL;

    steppe_diff_opts_init(&da.opts);
    int rc = start_command(c, cmd, argc, argv, &da, &ctx);
    if (!ctx)
        return rc;
    const char *a = argv[optind];
    const char *b = argv[optind + 1];
    if (has_suffix(a, ".json") && has_suffix(b, ".json")) {
        char *text = NULL;
        size_t changes = 0;
        steppe_status_t st = steppe_report_diff(ctx, a, b, da.moved, &text, &changes);
        if (st != STEPPE_OK) {
            rc = fail(ctx, st);
        } else {
            if (changes == 0)
                printf("no change\n");
            else
                fputs(text, stdout);
            rc = changes ? 1 : 0;
        }
        free(text);
        steppe_ctx_destroy(ctx);
        return rc;
    }
    steppe_status_t status = steppe_diff_png(ctx, a, b, &da.opts, &r);
    if (status != STEPPE_OK) {
        rc = fail(ctx, status);
    } else if (!r.same_size) {
        fprintf(stderr, "steppe: %s is %dx%d pixels but %s is %dx%d: sizes differ\n", a, r.width_a,
                r.height_a, b, r.width_b, r.height_b);
        rc = 1;
    } else {
        if (r.differing == 0)
            printf("identical\n");
        else
            printf("differing pixels: %.3f%% (%llu of %llu); changed region: %d,%d\u2013%d,%d\n",
                   100.0 * r.share, (unsigned long long)r.differing, (unsigned long long)r.total, r.x0, r.y0,
                   r.x1, r.y1);
        rc = r.match ? 0 : 1;
    }
    steppe_ctx_destroy(ctx);
    return rc;
}

typedef struct atlas_args {
    steppe_atlas_opts_t ao;
    const char *where;
    style_args style; /* room for --where's override too */
} atlas_args;

static int atlas_option(void *args, int opt, const char *arg)
{
    atlas_args *aa = args;
    switch (opt) {
    case 'l': aa->ao.layer = arg; return 0;
    case 'o': aa->ao.output = arg; return 0;
    case 'w': aa->where = arg; return 0;
    case 'j': return parse_int("atlas", "--jobs", arg, 1, 64, &aa->ao.jobs);
    case 's': return set_option(&aa->style, arg);
    case OPT_SHARD: return parse_shard(arg, &aa->ao.shard_index, &aa->ao.shard_count);
    case OPT_LIST: aa->ao.list = list_page; return 0;
    }
    return canvas_option("atlas", opt, arg, &aa->ao.render);
}

static const struct option atlas_options[] = {{"layer", required_argument, NULL, 'l'},
                                              {"output", required_argument, NULL, 'o'},
                                              {"where", required_argument, NULL, 'w'},
                                              {"jobs", required_argument, NULL, 'j'},
                                              CANVAS_OPTIONS,
                                              {"set", required_argument, NULL, 's'},
                                              {"shard", required_argument, NULL, OPT_SHARD},
                                              {"list", no_argument, NULL, OPT_LIST},
                                              COMMON_OPTIONS};

static int cmd_atlas(cli *c, const command *cmd, int argc, char **argv)
{
    atlas_args aa = {.style = {calloc((size_t)argc + 2, sizeof(const char *)), 0}};
    char *where_set = NULL;
    steppe_style_t *style = NULL;
    steppe_ctx_t *ctx = NULL;
    steppe_preload_t *preload = NULL;
    int rc = 0;
    steppe_atlas_opts_init(&aa.ao);
    if (!aa.style.sets)
        return usage_error(NULL, "out of memory");
    rc = start_command(c, cmd, argc, argv, &aa, &ctx);
    if (!ctx)
        goto done;
    if (!aa.ao.output) {
        rc = usage_error("atlas", "atlas needs -o TEMPLATE");
        goto done;
    }
    if (aa.where) {
        /* --where becomes the style's highlight.where, given as an override,
         * so it is parsed and validated exactly like a filter in a file. */
        where_set = concat3("highlight.where=", aa.where, "");
        if (!where_set) {
            rc = usage_error(NULL, "out of memory");
            goto done;
        }
        aa.style.sets[aa.style.n_sets++] = where_set;
    }
    preload = steppe_preload_start(STEPPE_PRELOAD_PROJ | STEPPE_PRELOAD_FONTS); /* as for render */
    steppe_status_t status = steppe_style_load(ctx, argv[optind], aa.style.sets, aa.style.n_sets, &style);
    if (status != STEPPE_OK) {
        rc = fail(ctx, status);
        goto done;
    }
    if (!c->quiet && !aa.ao.list && isatty(STDERR_FILENO)) {
        c->bar_unit = "maps";
        aa.ao.progress = progress_bar;
        aa.ao.progress_user = c;
    }
    steppe_atlas_result_t res;
    status = steppe_atlas(ctx, style, &aa.ao, &res);
    char shard[96] = "";
    if (aa.ao.shard_count > 0)
        snprintf(shard, sizeof shard, " shard %u/%u (%zu maps in the atlas):", aa.ao.shard_index,
                 aa.ao.shard_count, res.total);
    if (!c->quiet && !aa.ao.list && res.pages > 0)
        fprintf(stderr, "steppe: atlas:%s wrote %zu of %zu maps in %.2f s (%d job%s)%s\n", shard, res.written,
                res.pages, res.seconds, aa.ao.jobs, aa.ao.jobs == 1 ? "" : "s",
                res.failed ? "; see the errors above" : "");
    if (status != STEPPE_OK)
        rc = fail(ctx, status);
done:
    steppe_preload_finish(preload);
    steppe_style_destroy(style);
    steppe_ctx_destroy(ctx);
    free(where_set);
    free(aa.style.sets);
    return rc;
}

int main(int argc, char **argv)
{
    static const command commands[] = {
        {"render", cmd_render, usage_render, render_options, render_option, -1, NULL},
        {"check", cmd_check, usage_check, check_options, check_option, 1, "check takes one STYLE.yaml"},
        {"info", cmd_info, usage_info, info_options, info_option, 1, "info takes one FILE"},
        {"diff", cmd_diff, usage_diff, diff_options, diff_option, 2,
         "diff takes two PNG files or two render reports (.json)"},
        {"atlas", cmd_atlas, usage_atlas, atlas_options, atlas_option, 1, "atlas takes one STYLE.yaml"},
    };
    cli c = {0};

    opterr = 0;
    install_signal_handlers(argc);
    if (argc < 2) {
        fputs(usage_main, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0)
        return print_version();
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(&c, &commands[i], argc - 1, argv + 1);
    }
    if (cmd[0] == '-')
        return usage_error(NULL, "unknown option '%s'", cmd);
    return usage_error(NULL, "unknown command '%s'", cmd);
}
