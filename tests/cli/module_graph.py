#!/usr/bin/env python3
"""The module graph of src/: no circles, and every include points down the pipeline.

A module is a .c file with its .h beside it (src/<stage>/<name>.[ch]); it
depends on another when either of its files includes the other's header.
Stages are ordered as docs/architecture.md lists them; a module may depend
on modules of its own stage or of stages before it, never after. Prints
each violation on one line and "N passed, M failed" last; exit 1 on any.

    python3 tests/cli/module_graph.py [SRC_DIR]
"""
import os
import re
import sys

STAGES = ["core", "style", "source", "geo", "thematic", "draw", "output", "render", "cli"]

src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "src")
stage_of = {}
deps = {}
for stage in os.listdir(src):
    folder = os.path.join(src, stage)
    if not os.path.isdir(folder):
        continue
    for name in os.listdir(folder):
        mod, ext = os.path.splitext(name)
        if ext not in (".c", ".h"):
            continue
        stage_of[mod] = stage
        deps.setdefault(mod, set())
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            for inc in re.findall(r'^#include "([^"/]+)\.h"', f.read(), flags=re.M):
                if inc != mod:
                    deps[mod].add(inc)

failed = 0
checked = 0
loose = [n for n in os.listdir(src) if os.path.isfile(os.path.join(src, n))]
for n in loose:
    print(f"FAIL src/{n}: every module lives in a stage folder")
    failed += 1
for stage in set(stage_of.values()):
    checked += 1
    if stage not in STAGES:
        print(f"FAIL src/{stage}/: not a stage of docs/architecture.md ({', '.join(STAGES)})")
        failed += 1

for mod in sorted(deps):
    for dep in sorted(deps[mod]):
        checked += 1
        if dep not in stage_of:
            print(f"FAIL {mod}: includes \"{dep}.h\", which no stage folder holds")
            failed += 1
        elif STAGES.index(stage_of[dep]) > STAGES.index(stage_of[mod]):
            print(f"FAIL {stage_of[mod]}/{mod} -> {stage_of[dep]}/{dep}: depends on a later stage")
            failed += 1

# Circles: Tarjan's strongly connected components.
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in deps.get(v, ()):
        if w not in deps:
            continue
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))


for v in sorted(deps):
    if v not in index:
        visit(v)
checked += 1
for comp in sccs:
    print("FAIL circle: " + " <-> ".join(comp))
    failed += 1

print(f"{checked - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
