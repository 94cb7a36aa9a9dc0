/* The scene: see scene.h. */
#include "scene.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *st_stage_name(st_stage stage)
{
    static const char *names[ST_STAGE_COUNT] = {"style",  "read",      "project", "draw",
                                                "labels", "furniture", "output"};
    return stage < ST_STAGE_COUNT ? names[stage] : "?";
}

/* Moves the obstacles to a new arena array of cap boxes (the old one
 * stays in the arena until the render ends). */
static steppe_status_t obstacles_move(st_scene *r, size_t cap)
{
    st_box *nb = st_arena_alloc(r->arena, cap * sizeof *nb);
    if (!nb)
        return st_error(r->ctx, STEPPE_ERR_NOMEM, "out of memory");
    if (r->nobstacles)
        memcpy(nb, r->obstacles, r->nobstacles * sizeof *nb);
    r->obstacles = nb;
    r->cap_obstacles = cap;
    return STEPPE_OK;
}

steppe_status_t st_scene_reserve_obstacles(st_scene *r, size_t n)
{
    if (r->nobstacles + n <= r->cap_obstacles)
        return STEPPE_OK;
    return obstacles_move(r, r->nobstacles + n);
}

steppe_status_t st_scene_add_obstacle(st_scene *r, st_box box)
{
    if (r->nobstacles == r->cap_obstacles) {
        steppe_status_t st = obstacles_move(r, r->cap_obstacles ? 2 * r->cap_obstacles : 64);
        if (st != STEPPE_OK)
            return st;
    }
    r->obstacles[r->nobstacles++] = box;
    return STEPPE_OK;
}

void st_scene_progress(st_scene *r, size_t done)
{
    if (r->opts->progress)
        r->opts->progress(r->opts->progress_user, done, r->map->nlayers + r->opts->n_outputs);
}

double st_scene_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
