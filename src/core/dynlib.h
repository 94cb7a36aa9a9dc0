/* Private: PROJ, GEOS and libpq (and pango: dynlib_pango.h), loaded at run
 * time with dlopen().
 *
 * Why: linked the ordinary way, libproj brings 44 shared libraries (libcurl,
 * GnuTLS, Kerberos, LDAP, libtiff, ...) that the dynamic loader maps and
 * relocates before main() runs — about half of steppe's start-up — although
 * a render in lon/lat, a `check` or `info` of a file without a .prj, or
 * `diff` never transforms a coordinate. Loaded on demand, they cost nothing
 * when unused, and a render can load them on a second core while it parses
 * the style and reads its data (steppe_preload_start()).
 *
 * How: each library has a table of function pointers, filled once per
 * process (pthread_once) by dlopen() of the SONAME found at configure time
 * (ST_PROJ_SONAME, ST_GEOS_SONAME) and dlsym() of every function steppe
 * uses. The macros below map each name to its table entry, so callers keep
 * writing proj_create(pc, def) or GEOSIntersection_r(h, a, b); the types
 * still come from <proj.h>, <geodesic.h> and <geos_c.h>. A file that calls
 * PROJ or GEOS includes this header (not theirs) and makes sure the library
 * is loaded first: st_ctx_load_proj() / st_ctx_load_geos() — st_ctx_proj() does
 * it for everything that goes through a PROJ context.
 *
 * The tables are the only process-wide mutable state in libsteppe: they are
 * written once, before any reader sees them (pthread_once), and describe the
 * process's address space, not a render. */
#ifndef ST_DYNLIB_H
#define ST_DYNLIB_H

#include <geodesic.h>
#include <geos_c.h>
#include <libpq-fe.h>
#include <proj.h>

/* Every PROJ function steppe calls, geodesic.h's included (libproj exports
 * them). X(name) is expanded once per function. */
#define ST_PROJ_FUNCTIONS(X)                                                                                 \
    X(proj_clone)                                                                                            \
    X(proj_context_create)                                                                                   \
    X(proj_context_destroy)                                                                                  \
    X(proj_context_errno)                                                                                    \
    X(proj_context_errno_string)                                                                             \
    X(proj_context_set_search_paths)                                                                         \
    X(proj_coordoperation_get_param)                                                                         \
    X(proj_coordoperation_get_param_index)                                                                   \
    X(proj_create)                                                                                           \
    X(proj_create_crs_to_crs)                                                                                \
    X(proj_create_crs_to_crs_from_pj)                                                                        \
    X(proj_crs_get_coordoperation)                                                                           \
    X(proj_crs_get_sub_crs)                                                                                  \
    X(proj_destroy)                                                                                          \
    X(proj_errno_reset)                                                                                      \
    X(proj_get_id_auth_name)                                                                                 \
    X(proj_get_id_code)                                                                                      \
    X(proj_get_name)                                                                                         \
    X(proj_get_source_crs)                                                                                   \
    X(proj_get_type)                                                                                         \
    X(proj_identify)                                                                                         \
    X(proj_info)                                                                                             \
    X(proj_int_list_destroy)                                                                                 \
    X(proj_is_crs)                                                                                           \
    X(proj_is_equivalent_to_with_ctx)                                                                        \
    X(proj_list_destroy)                                                                                     \
    X(proj_list_get)                                                                                         \
    X(proj_list_get_count)                                                                                   \
    X(proj_log_func)                                                                                         \
    X(proj_normalize_for_visualization)                                                                      \
    X(proj_trans_generic)                                                                                    \
    X(geod_init)                                                                                             \
    X(geod_inverse)                                                                                          \
    X(geod_inverseline)                                                                                      \
    X(geod_position)                                                                                         \
    X(geod_polygon_init)                                                                                     \
    X(geod_polygon_addpoint)                                                                                 \
    X(geod_polygon_compute)

/* Every GEOS C API function steppe calls. */
#define ST_GEOS_FUNCTIONS(X)                                                                                 \
    X(GEOS_finish_r)                                                                                         \
    X(GEOS_init_r)                                                                                           \
    X(GEOSArea_r)                                                                                            \
    X(GEOSBoundary_r)                                                                                        \
    X(GEOSBuffer_r)                                                                                          \
    X(GEOSClipByRect_r)                                                                                      \
    X(GEOSContext_setErrorMessageHandler_r)                                                                  \
    X(GEOSContext_setNoticeMessageHandler_r)                                                                 \
    X(GEOSCoordSeq_copyFromBuffer_r)                                                                         \
    X(GEOSCoordSeq_copyToBuffer_r)                                                                           \
    X(GEOSCoordSeq_create_r)                                                                                 \
    X(GEOSCoordSeq_getSize_r)                                                                                \
    X(GEOSCoordSeq_setXY_r)                                                                                  \
    X(GEOSGeomTypeId_r)                                                                                      \
    X(GEOSGeom_clone_r)                                                                                      \
    X(GEOSGeom_createCollection_r)                                                                           \
    X(GEOSGeom_createLineString_r)                                                                           \
    X(GEOSGeom_createLinearRing_r)                                                                           \
    X(GEOSGeom_createPolygon_r)                                                                              \
    X(GEOSGeom_destroy_r)                                                                                    \
    X(GEOSGeom_getCoordSeq_r)                                                                                \
    X(GEOSGetGeometryN_r)                                                                                    \
    X(GEOSGetNumGeometries_r)                                                                                \
    X(GEOSIntersection_r)                                                                                    \
    X(GEOSLength_r)                                                                                          \
    X(GEOSLineMerge_r)                                                                                       \
    X(GEOSMakeValidParams_create_r)                                                                          \
    X(GEOSMakeValidParams_destroy_r)                                                                         \
    X(GEOSMakeValidParams_setKeepCollapsed_r)                                                                \
    X(GEOSMakeValidParams_setMethod_r)                                                                       \
    X(GEOSMakeValidWithParams_r)                                                                             \
    X(GEOSSymDifference_r)                                                                                   \
    X(GEOSUnaryUnion_r)                                                                                      \
    X(GEOSisEmpty_r)                                                                                         \
    X(GEOSisValid_r)                                                                                         \
    X(GEOSversion)

/* Every libpq function steppe calls (source/postgis.c). libpq brings 23
 * shared libraries (OpenSSL, GnuTLS, Kerberos, LDAP, SASL, ...): linked, they
 * would cost every run what only a PostGIS layer needs. */
#define ST_PQ_FUNCTIONS(X)                                                                                   \
    X(PQclear)                                                                                               \
    X(PQconnectdbParams)                                                                                     \
    X(PQconninfoFree)                                                                                        \
    X(PQconninfoParse)                                                                                       \
    X(PQdescribePrepared)                                                                                    \
    X(PQerrorMessage)                                                                                        \
    X(PQescapeIdentifier)                                                                                    \
    X(PQescapeLiteral)                                                                                       \
    X(PQexec)                                                                                                \
    X(PQexecParams)                                                                                          \
    X(PQfinish)                                                                                              \
    X(PQfmod)                                                                                                \
    X(PQfname)                                                                                               \
    X(PQfreemem)                                                                                             \
    X(PQftype)                                                                                               \
    X(PQgetisnull)                                                                                           \
    X(PQgetlength)                                                                                           \
    X(PQgetvalue)                                                                                            \
    X(PQnfields)                                                                                             \
    X(PQntuples)                                                                                             \
    X(PQprepare)                                                                                             \
    X(PQresultErrorField)                                                                                    \
    X(PQresultStatus)                                                                                        \
    X(PQserverVersion)                                                                                       \
    X(PQsetNoticeProcessor)                                                                                  \
    X(PQstatus)

/* A table entry has the type of the function the library's header declares
 * (__typeof__, which GCC and clang accept in strict C11), so a call through
 * it is checked exactly as a direct call would be. */
#define ST_DYNLIB_FIELD(name) __typeof__(name) *name;
typedef struct st_proj_api {
    ST_PROJ_FUNCTIONS(ST_DYNLIB_FIELD)
} st_proj_api;
typedef struct st_geos_api {
    ST_GEOS_FUNCTIONS(ST_DYNLIB_FIELD)
} st_geos_api;
typedef struct st_pq_api {
    ST_PQ_FUNCTIONS(ST_DYNLIB_FIELD)
} st_pq_api;
#undef ST_DYNLIB_FIELD

/* Filled by st_dynlib_load_proj() / st_dynlib_load_geos(); read only after
 * one of them returned NULL. */
extern st_proj_api st_proj_fn;
extern st_geos_api st_geos_fn;
extern st_pq_api st_pq_fn;

/* Loads libproj once per process (later calls return at once): NULL when it
 * is loaded, else why not (dlerror()'s text; static, and every later call
 * returns the same). Thread-safe. This module sits below the context and
 * records no error itself: st_ctx_load_proj() (ctx.h) does, for callers
 * that have a context. */
const char *st_dynlib_load_proj(void);

/* As st_dynlib_load_proj(), for libgeos_c. */
const char *st_dynlib_load_geos(void);

/* As st_dynlib_load_proj(), for libpq. */
const char *st_dynlib_load_pq(void);

/* As st_dynlib_load_proj(), for libpangocairo, whose table and macros are in
 * dynlib_pango.h (only text.c calls pango). */
const char *st_dynlib_load_pango(void);

/* pango's version ("1.50.12"), once st_dynlib_load_pango() returned NULL. */
const char *st_dynlib_pango_version(void);

/* The name → table mapping. Function-like macros: only a call is rewritten,
 * so the headers above, declarations and steppe's own identifiers that
 * merely begin with proj_ are left alone. */
#define proj_clone(...) st_proj_fn.proj_clone(__VA_ARGS__)
#define proj_context_create(...) st_proj_fn.proj_context_create(__VA_ARGS__)
#define proj_context_destroy(...) st_proj_fn.proj_context_destroy(__VA_ARGS__)
#define proj_context_errno(...) st_proj_fn.proj_context_errno(__VA_ARGS__)
#define proj_context_errno_string(...) st_proj_fn.proj_context_errno_string(__VA_ARGS__)
#define proj_coordoperation_get_param(...) st_proj_fn.proj_coordoperation_get_param(__VA_ARGS__)
#define proj_coordoperation_get_param_index(...) st_proj_fn.proj_coordoperation_get_param_index(__VA_ARGS__)
#define proj_create(...) st_proj_fn.proj_create(__VA_ARGS__)
#define proj_context_set_search_paths(...) st_proj_fn.proj_context_set_search_paths(__VA_ARGS__)
#define proj_create_crs_to_crs(...) st_proj_fn.proj_create_crs_to_crs(__VA_ARGS__)
#define proj_create_crs_to_crs_from_pj(...) st_proj_fn.proj_create_crs_to_crs_from_pj(__VA_ARGS__)
#define proj_crs_get_coordoperation(...) st_proj_fn.proj_crs_get_coordoperation(__VA_ARGS__)
#define proj_crs_get_sub_crs(...) st_proj_fn.proj_crs_get_sub_crs(__VA_ARGS__)
#define proj_destroy(...) st_proj_fn.proj_destroy(__VA_ARGS__)
#define proj_errno_reset(...) st_proj_fn.proj_errno_reset(__VA_ARGS__)
#define proj_get_id_auth_name(...) st_proj_fn.proj_get_id_auth_name(__VA_ARGS__)
#define proj_get_id_code(...) st_proj_fn.proj_get_id_code(__VA_ARGS__)
#define proj_get_name(...) st_proj_fn.proj_get_name(__VA_ARGS__)
#define proj_get_source_crs(...) st_proj_fn.proj_get_source_crs(__VA_ARGS__)
#define proj_get_type(...) st_proj_fn.proj_get_type(__VA_ARGS__)
#define proj_identify(...) st_proj_fn.proj_identify(__VA_ARGS__)
#define proj_info(...) st_proj_fn.proj_info(__VA_ARGS__)
#define proj_int_list_destroy(...) st_proj_fn.proj_int_list_destroy(__VA_ARGS__)
#define proj_is_crs(...) st_proj_fn.proj_is_crs(__VA_ARGS__)
#define proj_is_equivalent_to_with_ctx(...) st_proj_fn.proj_is_equivalent_to_with_ctx(__VA_ARGS__)
#define proj_list_destroy(...) st_proj_fn.proj_list_destroy(__VA_ARGS__)
#define proj_list_get(...) st_proj_fn.proj_list_get(__VA_ARGS__)
#define proj_list_get_count(...) st_proj_fn.proj_list_get_count(__VA_ARGS__)
#define proj_log_func(...) st_proj_fn.proj_log_func(__VA_ARGS__)
#define proj_normalize_for_visualization(...) st_proj_fn.proj_normalize_for_visualization(__VA_ARGS__)
#define proj_trans_generic(...) st_proj_fn.proj_trans_generic(__VA_ARGS__)
#define geod_init(...) st_proj_fn.geod_init(__VA_ARGS__)
#define geod_inverse(...) st_proj_fn.geod_inverse(__VA_ARGS__)
#define geod_inverseline(...) st_proj_fn.geod_inverseline(__VA_ARGS__)
#define geod_position(...) st_proj_fn.geod_position(__VA_ARGS__)
#define geod_polygon_init(...) st_proj_fn.geod_polygon_init(__VA_ARGS__)
#define geod_polygon_addpoint(...) st_proj_fn.geod_polygon_addpoint(__VA_ARGS__)
#define geod_polygon_compute(...) st_proj_fn.geod_polygon_compute(__VA_ARGS__)

#define GEOS_finish_r(...) st_geos_fn.GEOS_finish_r(__VA_ARGS__)
#define GEOS_init_r(...) st_geos_fn.GEOS_init_r(__VA_ARGS__)
#define GEOSArea_r(...) st_geos_fn.GEOSArea_r(__VA_ARGS__)
#define GEOSBoundary_r(...) st_geos_fn.GEOSBoundary_r(__VA_ARGS__)
#define GEOSBuffer_r(...) st_geos_fn.GEOSBuffer_r(__VA_ARGS__)
#define GEOSClipByRect_r(...) st_geos_fn.GEOSClipByRect_r(__VA_ARGS__)
#define GEOSContext_setErrorMessageHandler_r(...) st_geos_fn.GEOSContext_setErrorMessageHandler_r(__VA_ARGS__)
#define GEOSContext_setNoticeMessageHandler_r(...)                                                           \
    st_geos_fn.GEOSContext_setNoticeMessageHandler_r(__VA_ARGS__)
#define GEOSCoordSeq_copyFromBuffer_r(...) st_geos_fn.GEOSCoordSeq_copyFromBuffer_r(__VA_ARGS__)
#define GEOSCoordSeq_copyToBuffer_r(...) st_geos_fn.GEOSCoordSeq_copyToBuffer_r(__VA_ARGS__)
#define GEOSCoordSeq_create_r(...) st_geos_fn.GEOSCoordSeq_create_r(__VA_ARGS__)
#define GEOSCoordSeq_getSize_r(...) st_geos_fn.GEOSCoordSeq_getSize_r(__VA_ARGS__)
#define GEOSCoordSeq_setXY_r(...) st_geos_fn.GEOSCoordSeq_setXY_r(__VA_ARGS__)
#define GEOSGeomTypeId_r(...) st_geos_fn.GEOSGeomTypeId_r(__VA_ARGS__)
#define GEOSGeom_clone_r(...) st_geos_fn.GEOSGeom_clone_r(__VA_ARGS__)
#define GEOSGeom_createCollection_r(...) st_geos_fn.GEOSGeom_createCollection_r(__VA_ARGS__)
#define GEOSGeom_createLineString_r(...) st_geos_fn.GEOSGeom_createLineString_r(__VA_ARGS__)
#define GEOSGeom_createLinearRing_r(...) st_geos_fn.GEOSGeom_createLinearRing_r(__VA_ARGS__)
#define GEOSGeom_createPolygon_r(...) st_geos_fn.GEOSGeom_createPolygon_r(__VA_ARGS__)
#define GEOSGeom_destroy_r(...) st_geos_fn.GEOSGeom_destroy_r(__VA_ARGS__)
#define GEOSGeom_getCoordSeq_r(...) st_geos_fn.GEOSGeom_getCoordSeq_r(__VA_ARGS__)
#define GEOSGetGeometryN_r(...) st_geos_fn.GEOSGetGeometryN_r(__VA_ARGS__)
#define GEOSGetNumGeometries_r(...) st_geos_fn.GEOSGetNumGeometries_r(__VA_ARGS__)
#define GEOSIntersection_r(...) st_geos_fn.GEOSIntersection_r(__VA_ARGS__)
#define GEOSLength_r(...) st_geos_fn.GEOSLength_r(__VA_ARGS__)
#define GEOSLineMerge_r(...) st_geos_fn.GEOSLineMerge_r(__VA_ARGS__)
#define GEOSMakeValidParams_create_r(...) st_geos_fn.GEOSMakeValidParams_create_r(__VA_ARGS__)
#define GEOSMakeValidParams_destroy_r(...) st_geos_fn.GEOSMakeValidParams_destroy_r(__VA_ARGS__)
#define GEOSMakeValidParams_setKeepCollapsed_r(...)                                                          \
    st_geos_fn.GEOSMakeValidParams_setKeepCollapsed_r(__VA_ARGS__)
#define GEOSMakeValidParams_setMethod_r(...) st_geos_fn.GEOSMakeValidParams_setMethod_r(__VA_ARGS__)
#define GEOSMakeValidWithParams_r(...) st_geos_fn.GEOSMakeValidWithParams_r(__VA_ARGS__)
#define GEOSSymDifference_r(...) st_geos_fn.GEOSSymDifference_r(__VA_ARGS__)
#define GEOSUnaryUnion_r(...) st_geos_fn.GEOSUnaryUnion_r(__VA_ARGS__)
#define GEOSisEmpty_r(...) st_geos_fn.GEOSisEmpty_r(__VA_ARGS__)
#define GEOSisValid_r(...) st_geos_fn.GEOSisValid_r(__VA_ARGS__)
#define GEOSversion(...) st_geos_fn.GEOSversion(__VA_ARGS__)

#define PQclear(...) st_pq_fn.PQclear(__VA_ARGS__)
#define PQconnectdbParams(...) st_pq_fn.PQconnectdbParams(__VA_ARGS__)
#define PQconninfoFree(...) st_pq_fn.PQconninfoFree(__VA_ARGS__)
#define PQconninfoParse(...) st_pq_fn.PQconninfoParse(__VA_ARGS__)
#define PQdescribePrepared(...) st_pq_fn.PQdescribePrepared(__VA_ARGS__)
#define PQerrorMessage(...) st_pq_fn.PQerrorMessage(__VA_ARGS__)
#define PQescapeIdentifier(...) st_pq_fn.PQescapeIdentifier(__VA_ARGS__)
#define PQescapeLiteral(...) st_pq_fn.PQescapeLiteral(__VA_ARGS__)
#define PQexec(...) st_pq_fn.PQexec(__VA_ARGS__)
#define PQexecParams(...) st_pq_fn.PQexecParams(__VA_ARGS__)
#define PQfinish(...) st_pq_fn.PQfinish(__VA_ARGS__)
#define PQfmod(...) st_pq_fn.PQfmod(__VA_ARGS__)
#define PQfname(...) st_pq_fn.PQfname(__VA_ARGS__)
#define PQfreemem(...) st_pq_fn.PQfreemem(__VA_ARGS__)
#define PQftype(...) st_pq_fn.PQftype(__VA_ARGS__)
#define PQgetisnull(...) st_pq_fn.PQgetisnull(__VA_ARGS__)
#define PQgetlength(...) st_pq_fn.PQgetlength(__VA_ARGS__)
#define PQgetvalue(...) st_pq_fn.PQgetvalue(__VA_ARGS__)
#define PQnfields(...) st_pq_fn.PQnfields(__VA_ARGS__)
#define PQntuples(...) st_pq_fn.PQntuples(__VA_ARGS__)
#define PQprepare(...) st_pq_fn.PQprepare(__VA_ARGS__)
#define PQresultErrorField(...) st_pq_fn.PQresultErrorField(__VA_ARGS__)
#define PQresultStatus(...) st_pq_fn.PQresultStatus(__VA_ARGS__)
#define PQserverVersion(...) st_pq_fn.PQserverVersion(__VA_ARGS__)
#define PQsetNoticeProcessor(...) st_pq_fn.PQsetNoticeProcessor(__VA_ARGS__)
#define PQstatus(...) st_pq_fn.PQstatus(__VA_ARGS__)

#endif
