/* render_style — renders one style to one or more files.
 *
 *   render_style STYLE.yaml OUT.png [OUT.svg ...]
 *
 * The smallest complete use of libsteppe: a context, a style, a render,
 * the error text on failure, everything freed on every path. */
#include <stdio.h>
#include <steppe/steppe.h>

static void print_warning(void *user, steppe_log_level_t level, const char *message)
{
    (void)user;
    if (level == STEPPE_LOG_WARNING)
        fprintf(stderr, "warning: %s\n", message);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s STYLE.yaml OUTPUT...\n", argv[0]);
        return 2;
    }
    steppe_ctx_t *ctx = steppe_ctx_create();
    if (!ctx)
        return 1;
    steppe_ctx_set_logger(ctx, print_warning, NULL);

    steppe_style_t *style = NULL;
    steppe_status_t st = steppe_style_load(ctx, argv[1], NULL, 0, &style);
    if (st == STEPPE_OK) {
        steppe_render_opts_t opts;
        steppe_render_opts_init(&opts);
        opts.outputs = (const char *const *)&argv[2];
        opts.n_outputs = (size_t)(argc - 2);
        st = steppe_render(ctx, style, &opts);
    }
    if (st != STEPPE_OK)
        fprintf(stderr, "%s: %s\n", argv[0], steppe_ctx_last_error(ctx));
    int code = steppe_status_exit_code(st);
    steppe_style_destroy(style);
    steppe_ctx_destroy(ctx);
    return code;
}
