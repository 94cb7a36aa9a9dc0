#!/usr/bin/env bash
# The Debian packages, as a Debian 12 user gets them: built from a clean
# copy of the tree with `dpkg-buildpackage -b -us -uc`, checked with lintian
# (no error or warning beyond the overrides in debian/), installed with
# `apt-get install ./*.deb`, used — the default map rendered from an empty
# temporary folder by /usr/bin/steppe, an example program built with
# pkg-config against libsteppe-dev — and removed again.
#
#   STEPPE_SOURCE_DIR=. bash tests/cli/debian.sh
#
# Installing needs root (CI runs the tests as root); without it the
# packages are still built and checked, and the rest is skipped. About two
# to three minutes on two cores, most of it the package build.
set -o pipefail

source "$(dirname "$0")/lib.bash"
harness_init debian
# A failed package build shows the end of its log, where the error is.
show_log() {
  tail -n 15 "$1" | sed 's/^/       | /'
}
PKGS="steppe steppe-data libsteppe0 libsteppe-dev"

for tool in dpkg-buildpackage dh lintian; do
  if ! command -v $tool >/dev/null 2>&1; then
    bad "$tool is installed" "tools/bootstrap.sh test installs debhelper and lintian"
    harness_finish
    exit
  fi
done

installed=0
# Run by the harness on exit, before it removes WORK.
on_exit() {
  if [ "$installed" = 1 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq $PKGS >/dev/null 2>&1
  fi
}

# A clean tree: what git tracks or would add, as a fresh clone has it.
mkdir -p "$WORK/steppe"
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
    tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$WORK/steppe"
else
  cp -r "$SRC/." "$WORK/steppe" && rm -rf "$WORK/steppe"/build*
fi

# ---- build ---------------------------------------------------------------------
start=$(date +%s)
if (cd "$WORK/steppe" && DEB_BUILD_OPTIONS="parallel=${STEPPE_TEST_JOBS:-2}" dpkg-buildpackage -b -us -uc) \
  >"$WORK/build.log" 2>&1; then
  ok "dpkg-buildpackage -b -us -uc ($(($(date +%s) - start)) s)"
else
  bad "dpkg-buildpackage -b -us -uc" "" "$WORK/build.log"
  harness_finish
  exit
fi
version=$(cd "$WORK/steppe" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
for p in steppe libsteppe0 libsteppe-dev; do
  [ -e "$WORK/${p}_${version}_$arch.deb" ] && ok "built ${p}_${version}_$arch.deb" || bad "built $p" "no ${p}_${version}_$arch.deb"
done
[ -e "$WORK/steppe-data_${version}_all.deb" ] && ok "built steppe-data_${version}_all.deb" || bad "built steppe-data (all)"

# What goes where.
contents() { dpkg-deb -c "$WORK/$1" | awk '{print $6}'; }
contents "steppe_${version}_$arch.deb" >"$WORK/c.steppe"
contents "steppe-data_${version}_all.deb" >"$WORK/c.data"
contents "libsteppe0_${version}_$arch.deb" >"$WORK/c.lib"
contents "libsteppe-dev_${version}_$arch.deb" >"$WORK/c.dev"
check_has() { # LIST PATTERN WHAT
  if grep -qE "$2" "$WORK/$1"; then ok "$3"; else bad "$3" "no $2 in $1"; fi
}
check_has c.steppe '^\./usr/bin/steppe$' "steppe has /usr/bin/steppe"
check_has c.steppe '^\./usr/share/man/man1/steppe\.1\.gz$' "steppe has the man page"
check_has c.data '^\./usr/share/steppe/styles/forum\.yaml$' "steppe-data has the styles"
check_has c.data '^\./usr/share/steppe/shapes/ru_regions\.shp$' "steppe-data has the shapes"
check_has c.lib '^\./usr/lib/[^/]+/libsteppe\.so\.0\.' "libsteppe0 has libsteppe.so.0.*"
check_has c.dev '^\./usr/include/steppe/steppe\.h$' "libsteppe-dev has the headers"
check_has c.dev '^\./usr/lib/[^/]+/libsteppe\.a$' "libsteppe-dev has libsteppe.a"
check_has c.dev '^\./usr/lib/[^/]+/libsteppe\.so$' "libsteppe-dev has the libsteppe.so link"
check_has c.dev '^\./usr/lib/[^/]+/pkgconfig/steppe\.pc$' "libsteppe-dev has steppe.pc"
check_has c.dev '^\./usr/lib/[^/]+/cmake/steppe/steppeConfig\.cmake$' "libsteppe-dev has the CMake package"
deps=$(dpkg-deb -f "$WORK/steppe_${version}_$arch.deb" Depends)
case "$deps" in
  *libproj*libgeos-c*libpangocairo*) ok "steppe depends on the PROJ, GEOS and pango it loads at run time" ;;
  *) bad "steppe depends on the PROJ, GEOS and pango it loads at run time" "Depends: $deps" ;;
esac

# ---- lintian ---------------------------------------------------------------------
changes=$(ls "$WORK"/steppe_*_"$arch".changes 2>/dev/null | head -1)
lintian --display-info --pedantic --fail-on error,warning "$changes" >"$WORK/lintian.log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
  ok "lintian: no error or warning ($(grep -c '^[IP]:' "$WORK/lintian.log") info/pedantic tags)"
  grep '^[IP]:' "$WORK/lintian.log" | sed 's/^/       | /'
else
  bad "lintian: no error or warning" "exit $rc" "$WORK/lintian.log"
fi

# ---- install, use, remove ----------------------------------------------------------
if [ "$(id -u)" -ne 0 ]; then
  skip "install, render, remove" "needs root"
  harness_finish
  exit
fi
if dpkg-query -W -f='${Status}\n' $PKGS 2>/dev/null | grep -q 'install ok installed'; then
  bad "the packages are not installed before the test" "remove them first: apt-get purge $PKGS"
  harness_finish
  exit
fi
installed=1
if (cd "$WORK" && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./*.deb) >"$WORK/apt.log" 2>&1; then
  ok "apt-get install ./*.deb"
else
  bad "apt-get install ./*.deb" "" "$WORK/apt.log"
  harness_finish
  exit
fi

mkdir -p "$WORK/empty"
cd "$WORK/empty" || exit 1
unset STEPPE_DATA_DIR
if /usr/bin/steppe render -q >"$WORK/render.log" 2>&1 && [ "$(od -An -tx1 -N8 out/forum.png | tr -d ' \n')" = 89504e470d0a1a0a ]; then
  ok "/usr/bin/steppe renders the default map (out/forum.png) from an empty folder"
else
  bad "/usr/bin/steppe renders the default map" "" "$WORK/render.log"
fi
# Read whole, then searched: under pipefail grep -q leaving early would fail
# the pipeline when man writes on into the closed pipe.
manpage=$(MANWIDTH=80 man steppe 2>/dev/null)
if grep -q 'steppe atlas' <<<"$manpage"; then
  ok "man steppe"
else
  bad "man steppe" "the installed page does not show 'steppe atlas'"
fi
cp "$SRC/examples/render_style.c" .
# shellcheck disable=SC2046
if cc -std=c11 -Wall -Werror render_style.c -o render_style $(pkg-config --cflags --libs steppe) >"$WORK/cc.log" 2>&1 &&
  ./render_style /usr/share/steppe/styles/forum.yaml lib.png >>"$WORK/cc.log" 2>&1 && [ -s lib.png ]; then
  ok "a program built with pkg-config against libsteppe-dev runs"
else
  bad "a program built with pkg-config against libsteppe-dev runs" "" "$WORK/cc.log"
fi
cd "$WORK" || exit 1

if DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq $PKGS >"$WORK/apt.log" 2>&1 && [ ! -e /usr/bin/steppe ] &&
  [ ! -e /usr/share/steppe ] && ! ls /usr/lib/*/libsteppe* >/dev/null 2>&1; then
  installed=0
  ok "apt-get purge removes every file"
else
  bad "apt-get purge removes every file" "" "$WORK/apt.log"
fi
harness_finish
