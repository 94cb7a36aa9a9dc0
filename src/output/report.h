/* Private: the JSON render report (--report FILE.json).
 *
 * Keys: width, height, dpi, outputs[{path, format}], layers[{name, features,
 * vertices}], labels[{layer, text, x, y, width, height}] (output pixels,
 * origin top left), dropped_labels[{layer, text}], measurements{name: {km,
 * legs?}}, timings_ms{stage: ms}. Written atomically like every output. */
#ifndef ST_REPORT_H
#define ST_REPORT_H

#include "scene.h"

steppe_status_t st_report_write(st_scene *r, const char *path);

#endif
