/* check suite for wkb.c: the WKB decoder, as a table of blobs (hex, made
 * with Python's struct) with what each decodes to or why it fails. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wkb.h"
#include "testutil.h"

typedef struct wkb_case {
    const char *name;
    const char *hex;
    st_wkb_status status;
    st_geom_type type;
    uint32_t nparts, npoints;
    double bbox[4];
    const char *why; /* a part of the failure's reason */
} wkb_case;

static const wkb_case cases[] = {
    {"point 2D LE",
     "0101000000000000000000f03f0000000000000040",
     ST_WKB_OK,
     ST_GEOM_POINT,
     1,
     1,
     {1, 2, 1, 2},
     ""},
    {"point 2D BE",
     "00000000013ff00000000000004000000000000000",
     ST_WKB_OK,
     ST_GEOM_POINT,
     1,
     1,
     {1, 2, 1, 2},
     ""},
    {"point Z ISO",
     "01e9030000000000000000f03f00000000000000400000000000000840",
     ST_WKB_OK,
     ST_GEOM_POINT,
     1,
     1,
     {1, 2, 1, 2},
     ""},
    {"point M ISO",
     "01d1070000000000000000f03f00000000000000400000000000000840",
     ST_WKB_OK,
     ST_GEOM_POINT,
     1,
     1,
     {1, 2, 1, 2},
     ""},
    {"point ZM ISO",
     "01b90b0000000000000000f03f000000000000004000000000000008400000000000001040",
     ST_WKB_OK,
     ST_GEOM_POINT,
     1,
     1,
     {1, 2, 1, 2},
     ""},
    {"point Z EWKB SRID",
     "01010000a0e6100000000000000000f03f00000000000000400000000000000840",
     ST_WKB_OK,
     ST_GEOM_POINT,
     1,
     1,
     {1, 2, 1, 2},
     ""},
    {"point ZM EWKB",
     "00c000000140140000000000004018000000000000401c0000000000004020000000000000",
     ST_WKB_OK,
     ST_GEOM_POINT,
     1,
     1,
     {5, 6, 5, 6},
     ""},
    {"point empty",
     "0101000000000000000000f87f000000000000f87f",
     ST_WKB_OK,
     ST_GEOM_NONE,
     0,
     0,
     {0, 0, 0, 0},
     ""},
    {"line",
     "01020000000300000000000000000000000000000000000000000000000000f03f0000000000001440000000000000004000000"
     "0000000f0bf",
     ST_WKB_OK,
     ST_GEOM_LINE,
     1,
     3,
     {0, -1, 2, 5},
     ""},
    {"line empty", "010200000000000000", ST_WKB_OK, ST_GEOM_NONE, 0, 0, {0, 0, 0, 0}, ""},
    {"polygon hole",
     "0103000000020000000500000000000000000000000000000000000000000000000000104000000000000000000000000000001"
     "0400000000000001040000000000000000000000000000010400000000000000000000000000000000005000000000000000000"
     "f03f000000000000f03f0000000000000040000000000000f03f00000000000000400000000000000040000000000000f03f000"
     "0000000000040000000000000f03f000000000000f03f",
     ST_WKB_OK,
     ST_GEOM_POLYGON,
     2,
     10,
     {0, 0, 4, 4},
     ""},
    {"polygon Z",
     "01eb030000010000000500000000000000000000000000000000000000000000000000224000000000000010400000000000000"
     "0000000000000002240000000000000104000000000000010400000000000002240000000000000000000000000000010400000"
     "000000002240000000000000000000000000000000000000000000002240",
     ST_WKB_OK,
     ST_GEOM_POLYGON,
     1,
     5,
     {0, 0, 4, 4},
     ""},
    {"polygon empty", "010300000000000000", ST_WKB_OK, ST_GEOM_NONE, 0, 0, {0, 0, 0, 0}, ""},
    {"multipoint",
     "0104000000020000000101000000000000000000f03f000000000000f03f00000000014008000000000000c000000000000000",
     ST_WKB_OK,
     ST_GEOM_POINT,
     2,
     2,
     {1, -2, 3, 1},
     ""},
    {"multiline",
     "01050000000200000001020000000200000000000000000000000000000000000000000000000000f03f000000000000f03f010"
     "2000000020000000000000000001440000000000000144000000000000018400000000000001c40",
     ST_WKB_OK,
     ST_GEOM_LINE,
     2,
     4,
     {0, 0, 6, 7},
     ""},
    {"multipolygon",
     "0106000000020000000103000000010000000500000000000000000000000000000000000000000000000000104000000000000"
     "0000000000000000010400000000000001040000000000000000000000000000010400000000000000000000000000000000001"
     "030000000100000005000000000000000000244000000000000000000000000000002c4000000000000000000000000000002c4"
     "000000000000010400000000000002440000000000000104000000000000024400000000000000000",
     ST_WKB_OK,
     ST_GEOM_POLYGON,
     2,
     10,
     {0, 0, 14, 4},
     ""},
    {"multipolygon ZM ISO",
     "01be0b00000100000001bb0b0000010000000500000000000000000000000000000000000000000000000000f03f00000000000"
     "0004000000000000010400000000000000000000000000000f03f00000000000000400000000000001040000000000000104000"
     "0000000000f03f000000000000004000000000000000000000000000001040000000000000f03f0000000000000040000000000"
     "00000000000000000000000000000000000f03f0000000000000040",
     ST_WKB_OK,
     ST_GEOM_POLYGON,
     1,
     5,
     {0, 0, 4, 4},
     ""},
    {"collection mixed",
     "0107000000020000000103000000010000000500000000000000000000000000000000000000000000000000104000000000000"
     "0000000000000000010400000000000001040000000000000000000000000000010400000000000000000000000000000000001"
     "0100000000000000000022400000000000002240",
     ST_WKB_OK,
     ST_GEOM_POLYGON,
     1,
     5,
     {0, 0, 4, 4},
     ""},
    {"collection empty", "010700000000000000", ST_WKB_OK, ST_GEOM_NONE, 0, 0, {0, 0, 0, 0}, ""},
    {"nested collection",
     "01070000000100000001070000000100000001020000000200000000000000000000000000000000000000000000000000f03f0"
     "00000000000f03f",
     ST_WKB_OK,
     ST_GEOM_LINE,
     1,
     2,
     {0, 0, 1, 1},
     ""},
    {"empty blob", "", ST_WKB_BAD, ST_GEOM_NONE, 0, 0, {0, 0, 0, 0}, "byte 0: geometry header cut short"},
    {"byte order",
     "020000000000000000000000000000000000000000",
     ST_WKB_BAD,
     ST_GEOM_NONE,
     0,
     0,
     {0, 0, 0, 0},
     "byte 0: byte order 2"},
    {"unknown type",
     "0108000000000000000000f03f0000000000000040",
     ST_WKB_BAD,
     ST_GEOM_NONE,
     0,
     0,
     {0, 0, 0, 0},
     "unknown geometry type 8"},
    {"point cut",
     "0101000000000000000000f03f00000000",
     ST_WKB_BAD,
     ST_GEOM_NONE,
     0,
     0,
     {0, 0, 0, 0},
     "byte 5: point cut short"},
    {"line count exceeds",
     "0102000000ffffffff00000000000000000000000000000000000000000000f03f000000000000f03f",
     ST_WKB_BAD,
     ST_GEOM_NONE,
     0,
     0,
     {0, 0, 0, 0},
     "byte 5: 4294967295 points need 68719476720 bytes, 32 left"},
    {"ring count exceeds",
     "010300000040420f0005000000",
     ST_WKB_BAD,
     ST_GEOM_NONE,
     0,
     0,
     {0, 0, 0, 0},
     "byte 5: 1000000 rings need 4000000 bytes, 4 left"},
    {"multi count exceeds",
     "010600000007000000010300000000000000",
     ST_WKB_BAD,
     ST_GEOM_NONE,
     0,
     0,
     {0, 0, 0, 0},
     "byte 5: 7 geometries need 63 bytes, 9 left"},
    {"ring not closed",
     "0103000000010000000400000000000000000000000000000000000000000000000000f03f0000000000000000000000000000f"
     "03f000000000000f03f0000000000000000000000000000f03f",
     ST_WKB_BAD,
     ST_GEOM_NONE,
     0,
     0,
     {0, 0, 0, 0},
     "ring not closed"},
    {"ring too short",
     "0103000000010000000300000000000000000000000000000000000000000000000000f03f00000000000000000000000000000"
     "0000000000000000000",
     ST_WKB_BAD,
     ST_GEOM_NONE,
     0,
     0,
     {0, 0, 0, 0},
     "a ring of 3 points"},
    {"infinite",
     "0101000000000000000000f07f0000000000000040",
     ST_WKB_BAD,
     ST_GEOM_NONE,
     0,
     0,
     {0, 0, 0, 0},
     "not a finite number"},
    {"trailing",
     "0101000000000000000000f03f000000000000004000",
     ST_WKB_BAD,
     ST_GEOM_NONE,
     0,
     0,
     {0, 0, 0, 0},
     "byte 21: 1 bytes after the geometry"},
    {"wrong member",
     "010400000001000000010200000000000000",
     ST_WKB_BAD,
     ST_GEOM_NONE,
     0,
     0,
     {0, 0, 0, 0},
     "inside a multi-geometry"},
    {"line of one",
     "01020000000100000000000000000000000000000000000000",
     ST_WKB_BAD,
     ST_GEOM_NONE,
     0,
     0,
     {0, 0, 0, 0},
     "a line of 1 point"},
    {"too deep",
     "0107000000010000000107000000010000000107000000010000000107000000010000000107000000010000000107000000010"
     "0000001070000000100000001070000000100000001070000000100000001070000000100000001070000000100000001070000"
     "0001000000010700000001000000010700000001000000010700000001000000010700000001000000010700000001000000010"
     "7000000010000000107000000010000000107000000010000000107000000010000000107000000010000000107000000010000"
     "0001070000000100000001070000000100000001070000000100000001070000000100000001070000000100000001070000000"
     "1000000010700000001000000010700000001000000010700000001000000010700000001000000010700000001000000010700"
     "0000010000000107000000010000000107000000010000000107000000010000000107000000010000000107000000010000000"
     "10100000000000000000000000000000000000000",
     ST_WKB_BAD,
     ST_GEOM_NONE,
     0,
     0,
     {0, 0, 0, 0},
     "nested deeper than 32"},
};

static size_t unhex(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    ck_assert_uint_le(n, cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
    return n;
}

START_TEST(test_table)
{
    const wkb_case *c = &cases[_i];
    unsigned char buf[2048];
    size_t n = unhex(c->hex, buf, sizeof buf);
    st_arena *arena = st_arena_create(0);
    st_wkb_geom g;
    char why[256];
    st_wkb_status st = st_wkb_decode(buf, n, arena, &g, why, sizeof why);
    ck_assert_msg(st == c->status, "%s: status %d, want %d (%s)", c->name, st, c->status, why);
    if (st == ST_WKB_OK) {
        ck_assert_msg(g.type == c->type, "%s: type %d, want %d", c->name, g.type, c->type);
        ck_assert_msg(g.nparts == c->nparts && g.npoints == c->npoints, "%s: %u parts %u points", c->name,
                      g.nparts, g.npoints);
        st_feature f = {0};
        st_wkb_to_feature(&g, &f);
        for (int k = 0; k < 4; k++)
            ck_assert_msg(f.bbox[k] == c->bbox[k], "%s: bbox[%d] %g, want %g", c->name, k, f.bbox[k],
                          c->bbox[k]);
    } else {
        ck_assert_msg(strstr(why, c->why) != NULL, "%s: reason '%s' lacks '%s'", c->name, why, c->why);
    }
    st_arena_destroy(arena);
}
END_TEST

/* Every prefix of a valid blob fails cleanly with a reason: no count is
 * trusted beyond the bytes that are there. */
START_TEST(test_truncations)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].status != ST_WKB_OK)
            continue;
        unsigned char buf[2048];
        size_t n = unhex(cases[i].hex, buf, sizeof buf);
        for (size_t cut = 0; cut < n; cut++) {
            st_wkb_geom g;
            char why[256] = "";
            unsigned char *copy = malloc(cut ? cut : 1);
            memcpy(copy, buf, cut);
            ck_assert_msg(st_wkb_decode(copy, cut, NULL, &g, why, sizeof why) == ST_WKB_BAD && why[0],
                          "%s cut to %zu bytes was accepted", cases[i].name, cut);
            free(copy);
        }
    }
}
END_TEST

static Suite *wkb_suite(void)
{
    Suite *s = suite_create("wkb");
    TCase *tc = tcase_create("wkb");
    tcase_add_loop_test(tc, test_table, 0, (int)(sizeof cases / sizeof cases[0]));
    tcase_add_test(tc, test_truncations);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(wkb_suite());
}
