#!/usr/bin/env bash
# Regenerates the reference images of the render tests. Run it only after
# looking at every changed map and deciding the change is right; commit the
# new references with the change that caused them.
set -euo pipefail
cd "$(dirname "$0")/../.."
steppe=${STEPPE:-build/steppe}
while IFS=$'\t' read -r name args tol; do
  case "$name" in ''|\#*) continue ;; esac
  # shellcheck disable=SC2086
  "$steppe" $args -q -o "tests/render/$name.ref.png"
  echo "updated tests/render/$name.ref.png"
done < tests/render/cases.tsv
