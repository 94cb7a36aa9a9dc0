#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (run as root):
#   tools/bootstrap.sh render   install what is missing, build, render out/forum.png
#   tools/bootstrap.sh test     install what is missing, build, run every test
#   tools/bootstrap.sh bench [bench/run options]
#                               install what is missing and the peers, build,
#                               run the benchmark against MapServer and Mapnik
# Installing is idempotent: packages already present cost one dpkg query.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-render}
[ $# -gt 0 ] && shift
jobs=$(nproc 2>/dev/null || echo 2)

# Build and run-time dependencies (see README, "Dependencies").
build_pkgs=(build-essential cmake pkg-config libcairo2-dev libpango1.0-dev libshp-dev libdeflate-dev libisal-dev libproj-dev proj-data
            libpng-dev zlib1g-dev libyaml-dev libgeos-dev libpq-dev fontconfig fonts-noto-core check libjson-c-dev libsqlite3-dev)
# Test-only tools: sanitizers and fuzzing (clang), valgrind, viewers for the real-viewer checks,
# ogr2ogr (gdal-bin) for the GeoJSON and GeoPackage copies of the bundled shapes; a real
# PostgreSQL + PostGIS server (tests/pg/cluster.sh starts a throwaway one on a Unix socket, as
# an unprivileged user) and shp2pgsql (Debian's postgis) to load the shapes into it; pdflatex
# (texlive-latex-base) for the LaTeX recipe of docs/embedding.md.
test_pkgs=(clang clang-format libclang-rt-14-dev valgrind pngcheck poppler-utils librsvg2-bin chromium python3 python3-yaml time strace gdal-bin
           postgresql-15 postgresql-15-postgis-3 postgis debhelper lintian texlive-latex-base)

# The benchmark's peers and tools (bench/README.md).
bench_pkgs=(hyperfine mapserver-bin python3-mapnik proj-bin time python3 gdal-bin)

want=("${build_pkgs[@]}")
if [ "$mode" = test ]; then
  want+=("${test_pkgs[@]}")
elif [ "$mode" = bench ]; then
  want+=("${bench_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Developer and CI builds (the test mode) treat warnings as errors; a user's
# render build does not, so a newer compiler cannot break it.
werror=OFF
[ "$mode" = test ] && werror=ON
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTEPPE_WERROR=$werror >/dev/null
cmake --build build -j "$jobs"

case "$mode" in
  render)
    mkdir -p out
    build/steppe render -o out/forum.png
    echo "bootstrap: wrote out/forum.png"
    ;;
  test)
    exec tools/run-tests.sh
    ;;
  bench)
    exec bench/run "$@"
    ;;
  *)
    echo "usage: tools/bootstrap.sh render|test|bench [bench/run options]" >&2
    exit 2
    ;;
esac
