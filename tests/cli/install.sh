#!/usr/bin/env bash
# Installs the build tree into a scratch prefix and uses it as a user would.
#
#   STEPPE_BUILD_DIR=build STEPPE_SOURCE_DIR=. bash tests/cli/install.sh
#
# Checks: `cmake --install --prefix P` lays out bin/, lib/, include/steppe/,
# lib/pkgconfig/steppe.pc, share/steppe/{styles,shapes} (and the man page when
# docs/steppe.1 exists); the installed binary, run from an unrelated folder
# with STEPPE_DATA_DIR unset, renders the default map from the INSTALLED data
# — proved by editing the installed copy of the style and seeing the edit in
# the output, and by moving the whole prefix elsewhere and rendering again;
# a C program built with `pkg-config --cflags --libs steppe` against the
# installed files links (libsteppe.so) and runs. tests/cli/library.sh builds
# the examples every way a user can.
# The last line is "N passed, M failed"; exit 1 on failure.
set -o pipefail

source "$(dirname "$0")/lib.bash"
harness_init install
unset STEPPE_DATA_DIR

P=$WORK/prefix
mkdir -p "$WORK/elsewhere"

# ---- install --------------------------------------------------------------
install_or_stop "$P"

for f in bin/steppe lib/libsteppe.a lib/libsteppe.so include/steppe/steppe.h include/steppe/ctx.h \
  include/steppe/status.h include/steppe/style.h include/steppe/render.h \
  lib/pkgconfig/steppe.pc share/steppe/styles/forum.yaml share/steppe/shapes/countries.shp \
  share/steppe/shapes/countries.dbf share/steppe/shapes/ru_regions.shp share/steppe/shapes/places.csv; do
  if [ -e "$P/$f" ]; then ok "installed $f"; else bad "installed $f" "missing"; fi
done
# Every public header, not just the ones named above.
missing=""
for h in "$SRC"/include/steppe/*.h; do
  [ -e "$P/include/steppe/$(basename "$h")" ] || missing="$missing $(basename "$h")"
done
if [ -z "$missing" ]; then ok "all public headers installed"; else bad "all public headers installed" "missing:$missing"; fi
if [ -x "$P/bin/steppe" ]; then ok "bin/steppe is executable"; else bad "bin/steppe is executable"; fi

if [ -e "$SRC/docs/steppe.1" ]; then
  if [ -e "$P/share/man/man1/steppe.1" ]; then
    ok "installed share/man/man1/steppe.1"
    if command -v man >/dev/null 2>&1; then
      if MANWIDTH=80 man -l "$P/share/man/man1/steppe.1" >"$WORK/man.txt" 2>&1 && grep -qi steppe "$WORK/man.txt"; then
        ok "man -l steppe.1 formats"
      else
        bad "man -l steppe.1 formats" "" "$WORK/man.txt"
      fi
    fi
  else
    bad "installed share/man/man1/steppe.1" "docs/steppe.1 exists but was not installed"
  fi
else
  skip "man page" "docs/steppe.1 not written yet"
fi

# ---- the installed binary, from elsewhere ------------------------------------
cd "$WORK/elsewhere" || exit 1
if "$P/bin/steppe" --help >"$WORK/help.txt" 2>&1 && grep -q "Usage: steppe" "$WORK/help.txt"; then
  ok "steppe --help"
else
  bad "steppe --help" "" "$WORK/help.txt"
fi

if "$P/bin/steppe" render -q -o x.png >"$WORK/render.log" 2>&1 && is_png x.png; then
  ok "render with no style from another folder ($(png_size x.png))"
else
  bad "render with no style from another folder" "" "$WORK/render.log"
fi
# Without -o the map goes to ./out/forum.png.
if "$P/bin/steppe" render -q >"$WORK/render.log" 2>&1 && is_png out/forum.png; then
  ok "render with no arguments writes out/forum.png"
else
  bad "render with no arguments writes out/forum.png" "" "$WORK/render.log"
fi

# Proof that the installed data is used rather than the source tree the
# binary was built from: shrink the canvas in the installed style only.
style=$P/share/steppe/styles/forum.yaml
sed -i -e 's/^  width: [0-9][0-9]*$/  width: 320/' -e 's/^  height: [0-9][0-9]*$/  height: 200/' "$style"
if grep -q '^  width: 320$' "$style" && grep -q '^  height: 200$' "$style"; then
  if "$P/bin/steppe" render -q -o y.png >"$WORK/render.log" 2>&1 && [ "$(png_size y.png)" = "320x200" ]; then
    ok "default style read from the installed share/steppe (edited copy gives 320x200)"
  else
    bad "default style read from the installed share/steppe" "got $(png_size y.png 2>/dev/null || echo nothing), expected 320x200" "$WORK/render.log"
  fi
else
  bad "default style read from the installed share/steppe" "could not edit map.width/height in $style"
fi

# Relocation: the prefix moved after installation still works.
mv "$P" "$WORK/moved"
if "$WORK/moved/bin/steppe" render -q -o z.png >"$WORK/render.log" 2>&1 && [ "$(png_size z.png)" = "320x200" ]; then
  ok "prefix moved after install still finds its data"
else
  bad "prefix moved after install still finds its data" "got $(png_size z.png 2>/dev/null || echo nothing)" "$WORK/render.log"
fi
mv "$WORK/moved" "$P"

# STEPPE_DATA_DIR still overrides everything.
if STEPPE_DATA_DIR=$SRC "$P/bin/steppe" render -q -o w.png >"$WORK/render.log" 2>&1 && [ "$(png_size w.png)" != "320x200" ] && is_png w.png; then
  ok "STEPPE_DATA_DIR overrides the installed data"
else
  bad "STEPPE_DATA_DIR overrides the installed data" "got $(png_size w.png 2>/dev/null || echo nothing)" "$WORK/render.log"
fi

# ---- pkg-config and the library ------------------------------------------------
export PKG_CONFIG_PATH=$P/lib/pkgconfig
cat >"$WORK/elsewhere/embed.c" <<'EOF'
/* The smallest program using the installed libsteppe. */
#include <steppe/steppe.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *want = argc > 1 ? argv[1] : "";
    steppe_ctx_t *ctx = steppe_ctx_create();
    if (!ctx)
        return 1;
    const char *v = steppe_version();
    printf("%s\n", v);
    int rc = strcmp(v, want) == 0 ? 0 : 1;
    steppe_ctx_destroy(ctx);
    return rc;
}
EOF
if ver=$(pkg-config --modversion steppe 2>"$WORK/pc.log"); then
  ok "pkg-config finds steppe $ver"
else
  bad "pkg-config finds steppe" "" "$WORK/pc.log"
fi
pcprefix=$(pkg-config --variable=prefix steppe 2>/dev/null)
if [ "$(cd "$pcprefix" 2>/dev/null && pwd -P)" = "$(cd "$P" && pwd -P)" ]; then
  ok "steppe.pc prefix resolves to the install prefix"
else
  bad "steppe.pc prefix resolves to the install prefix" "prefix=$pcprefix"
fi
cflags=$(pkg-config --cflags steppe 2>"$WORK/pc.log")
libs=$(pkg-config --libs steppe 2>>"$WORK/pc.log")
case "$cflags $libs" in
  *"$SRC/"*) bad "pkg-config flags do not point into the source tree" "$cflags $libs" ;;
  *) ok "pkg-config flags do not point into the source tree" ;;
esac
# A sanitizer build's libsteppe.a needs the sanitizer runtimes at link time.
sanitize=""
if grep -q '^STEPPE_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt" 2>/dev/null; then
  sanitize="-fsanitize=address,undefined"
fi
# shellcheck disable=SC2086  # the flags are word lists
if ${CC:-cc} -std=c11 -Wall -Werror $sanitize $cflags embed.c -o embed $libs >"$WORK/cc.log" 2>&1; then
  ok "compile and link against pkg-config steppe"
  if LD_LIBRARY_PATH=$P/lib ./embed "$ver" >"$WORK/run.log" 2>&1; then
    ok "linked program runs (steppe_ctx_create, steppe_version = $(cat "$WORK/run.log"))"
  else
    bad "linked program runs" "" "$WORK/run.log"
  fi
else
  bad "compile and link against pkg-config steppe" "" "$WORK/cc.log"
fi

harness_finish
