#!/bin/bash
# The module graph of src/ has no circles and points down the pipeline
# (docs/architecture.md); the checks are in module_graph.py beside this.
SRC=${STEPPE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
exec python3 "$SRC/tests/cli/module_graph.py" "$SRC/src"
