/* render_overrides — renders a style with some of its values replaced, as
 * `steppe render --set KEY=VALUE` does.
 *
 *   render_overrides STYLE.yaml OUT.png [KEY=VALUE ...]
 *
 * Each override is validated like the file's own values: a wrong key or
 * value fails with "FILE:LINE:COL: ..." pointing at the style, or at
 * "--set" for the override itself. Here the canvas is also shrunk through
 * the render options (width/height), which win over the style. */
#include <stdio.h>
#include <steppe/steppe.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s STYLE.yaml OUTPUT [KEY=VALUE...]\n", argv[0]);
        return 2;
    }
    steppe_ctx_t *ctx = steppe_ctx_create();
    if (!ctx)
        return 1;

    steppe_style_t *style = NULL;
    const char *const *overrides = (const char *const *)&argv[3];
    steppe_status_t st = steppe_style_load(ctx, argv[1], overrides, (size_t)(argc - 3), &style);
    if (st == STEPPE_OK) {
        const char *outputs[] = {argv[2]};
        steppe_render_opts_t opts;
        steppe_render_opts_init(&opts);
        opts.outputs = outputs;
        opts.n_outputs = 1;
        opts.width = 640;
        opts.height = 440;
        st = steppe_render(ctx, style, &opts);
    }
    if (st != STEPPE_OK)
        fprintf(stderr, "%s: %s (%s)\n", argv[0], steppe_ctx_last_error(ctx), steppe_status_to_string(st));
    else
        printf("%s: %u warning(s)\n", argv[2], steppe_ctx_warning_count(ctx));
    int code = steppe_status_exit_code(st);
    steppe_style_destroy(style);
    steppe_ctx_destroy(ctx);
    return code;
}
