/*
 * steppe/export.h — which symbols libsteppe exports.
 *
 * Design note: libsteppe is compiled with -fvisibility=hidden, so a function
 * is visible outside libsteppe.so only when its declaration in a public
 * header carries STEPPE_API. The functions that join the pipeline's stages
 * (st_*) stay internal: programs cannot come to depend on them, and the
 * loader has fewer symbols to resolve. For a program linking libsteppe.a the
 * macro changes nothing.
 */
#ifndef STEPPE_EXPORT_H
#define STEPPE_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define STEPPE_API __attribute__((visibility("default")))
#else
#define STEPPE_API
#endif

#endif
