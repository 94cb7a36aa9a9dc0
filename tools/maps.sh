#!/bin/sh
# Renders every bundled style to out/NAME.png, .svg and .pdf, and regenerates
# the pictures the documents show: each docs/NAME.png whose style
# styles/NAME.yaml exists is replaced by out/NAME.png. Run from the source
# folder: tools/maps.sh [STEPPE] (default build/steppe); the `maps` target
# runs it with the steppe just built. Styles meant for the atlas (names with
# "atlas" or "partner-region") are pages of a larger document and are
# rendered by it, not here.
set -eu
steppe=${1:-build/steppe}
mkdir -p out
for style in styles/*.yaml; do
  name=$(basename "$style" .yaml)
  case "$name" in *atlas* | *partner-region*) continue ;; esac
  "$steppe" render -q "$style" -o "out/$name.png" -o "out/$name.svg" -o "out/$name.pdf"
done
for picture in docs/*.png; do
  name=$(basename "$picture" .png)
  if [ -f "styles/$name.yaml" ] && ! cmp -s "out/$name.png" "$picture"; then
    cp "out/$name.png" "$picture"
    echo "maps: $picture regenerated"
  fi
done
