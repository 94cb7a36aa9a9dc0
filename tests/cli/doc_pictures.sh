#!/usr/bin/env bash
# Every picture the docs show (docs/NAME.png) is the current render of its
# style (styles/NAME.yaml), pixel for pixel: steppe's output is reproducible,
# so a stale picture is a picture of another map. `cmake --build build
# --target maps` (tools/maps.sh) regenerates them.
source "$(dirname "$0")/lib.bash"
harness_init doc-pictures
cd "$SRC" || exit 1
n=0
for picture in docs/*.png; do
  name=$(basename "$picture" .png)
  n=$((n + 1))
  if [ ! -f "styles/$name.yaml" ]; then
    bad "$picture: no styles/$name.yaml renders it"
    continue
  fi
  if ! "$STEPPE" render -q "styles/$name.yaml" -o "$WORK/$name.png" 2>"$WORK/err"; then
    bad "$picture: styles/$name.yaml does not render: $(cat "$WORK/err")"
    continue
  fi
  # Exact, pixel for pixel (`steppe diff` defaults: threshold 0, tolerance
  # 0). Not cmp: on a machine under heavy load the PNG's compressed stream
  # was once seen to differ with every pixel the same.
  if msg=$("$STEPPE" diff "$picture" "$WORK/$name.png" 2>&1); then
    ok "$picture is the current render of styles/$name.yaml ($msg)"
  else
    bad "$picture is stale: $msg (regenerate: cmake --build build --target maps)"
  fi
done
[ "$n" -ge 4 ] && ok "$n pictures checked" || bad "only $n pictures in docs/"
grep -q 'tools/maps.sh' "$SRC/cmake/install.cmake" && ok "the maps target runs tools/maps.sh" || bad "maps target"
harness_finish
