/* read_report — renders a style with a JSON render report and prints, from
 * the report, how many features each layer drew.
 *
 *   read_report STYLE.yaml OUT.png REPORT.json
 *
 * The report (docs/style-reference.md, "Render report") is written next to
 * the outputs, atomically, only when the render succeeds. It is plain JSON
 * with one object per line under "layers"; this reads the two fields it
 * needs with sscanf rather than pulling in a JSON library. */
#include <stdio.h>
#include <string.h>
#include <steppe/steppe.h>

static int print_layers(const char *report)
{
    FILE *f = fopen(report, "r");
    if (!f) {
        perror(report);
        return 1;
    }
    char line[4096];
    int layers = 0;
    long total = 0;
    while (fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "{\"name\": \"");
        char name[256];
        long features;
        if (p && strstr(line, "\"features\"") &&
            sscanf(p, "{\"name\": \"%255[^\"]\", \"features\": %ld", name, &features) == 2) {
            printf("%-24s %6ld\n", name, features);
            layers++;
            total += features;
        }
    }
    fclose(f);
    printf("%d layers, %ld features\n", layers, total);
    return layers > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s STYLE.yaml OUTPUT REPORT.json\n", argv[0]);
        return 2;
    }
    steppe_ctx_t *ctx = steppe_ctx_create();
    if (!ctx)
        return 1;
    steppe_style_t *style = NULL;
    steppe_status_t st = steppe_style_load(ctx, argv[1], NULL, 0, &style);
    if (st == STEPPE_OK) {
        const char *outputs[] = {argv[2]};
        steppe_render_opts_t opts;
        steppe_render_opts_init(&opts);
        opts.outputs = outputs;
        opts.n_outputs = 1;
        opts.report = argv[3];
        st = steppe_render(ctx, style, &opts);
    }
    int code = steppe_status_exit_code(st);
    if (st != STEPPE_OK)
        fprintf(stderr, "%s: %s\n", argv[0], steppe_ctx_last_error(ctx));
    steppe_style_destroy(style);
    steppe_ctx_destroy(ctx);
    return code ? code : print_layers(argv[3]);
}
