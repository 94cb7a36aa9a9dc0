/* The map model's queries: see model.h. */
#include "model.h"

#include <string.h>

const st_layer *st_map_layer(const st_map *map, const char *name)
{
    for (size_t i = 0; i < map->nlayers; i++) {
        if (strcmp(map->layers[i].name, name) == 0)
            return &map->layers[i];
    }
    return NULL;
}
