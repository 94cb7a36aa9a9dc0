/* The one status type: names and exit codes. */
#include <steppe/status.h>
#include <steppe/steppe.h> /* steppe_version(), exported with STEPPE_API */

const char *steppe_status_to_string(steppe_status_t status)
{
    switch (status) {
    case STEPPE_OK: return "success";
    case STEPPE_ERR_USAGE: return "usage error";
    case STEPPE_ERR_STYLE_SYNTAX: return "style syntax error";
    case STEPPE_ERR_STYLE_KEY: return "unknown or missing style key";
    case STEPPE_ERR_STYLE_TYPE: return "style value of the wrong type";
    case STEPPE_ERR_STYLE_VALUE: return "style value not allowed";
    case STEPPE_ERR_STYLE_CRS: return "CRS not accepted by PROJ";
    case STEPPE_ERR_STYLE_FILE: return "file named by the style is missing";
    case STEPPE_ERR_STYLE_CYCLE: return "extends forms a cycle";
    case STEPPE_ERR_DATA_OPEN: return "data file cannot be opened";
    case STEPPE_ERR_DATA_CORRUPT: return "data file is corrupt";
    case STEPPE_ERR_DATA_UNSUPPORTED: return "data file is of an unsupported kind";
    case STEPPE_ERR_IO: return "output cannot be written";
    case STEPPE_ERR_NOMEM: return "out of memory";
    case STEPPE_ERR_PROJ: return "projection failed";
    case STEPPE_ERR_LIMIT: return "resource limit exceeded";
    case STEPPE_ERR_RENDER: return "drawing failed";
    case STEPPE_ERR_INTERNAL: return "internal error";
    case STEPPE_ERR_LIBRARY: return "a shared library cannot be loaded";
    }
    return "unknown status";
}

int steppe_status_exit_code(steppe_status_t status)
{
    if (status == STEPPE_OK)
        return 0;
    if (status >= 100 && status < 300)
        return 2;
    return 1;
}

const char *steppe_version(void)
{
    return STEPPE_VERSION;
}
