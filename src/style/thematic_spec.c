/* The thematic spec's defaults: see thematic_spec.h. */
#include "thematic_spec.h"

#include <stdint.h>
#include <string.h>

static st_rgba grey(uint32_t rgb)
{
    st_rgba c = {((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0, 1.0};
    return c;
}

void st_thematic_spec_init(st_thematic_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->classify.method = ST_CLASS_QUANTILE;
    spec->classify.classes = 5;
    spec->categorize.other = grey(0xb3b3b3);
    spec->size.scale = ST_SIZE_SQRT;
    spec->size.max = 24;
    spec->size.at = ST_MARKER_AT_LABEL_POINT;
    spec->legend.decimals = -1;
    spec->legend.lang = ST_LANG_EN;
    spec->nodata = grey(0xd9d9d9);
}
