#!/usr/bin/env bash
# docs/ci-example.yml works as written: its steps after the build, run on a
# clean copy of the sources (the tracked files only) with the steppe under
# test as build/steppe, pass unchanged; after one class colour of
# styles/forum.yaml changes by one level, they fail, naming the map and
# saying how many pixels differ. (`cmake --build build --target maps` runs
# tools/maps.sh with the steppe built; the copy has no configured build, so
# the script is called directly.)
source "$(dirname "$0")/lib.bash"
harness_init ci-example

repo="$WORK/repo"
mkdir -p "$repo/build"
(cd "$SRC" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$repo"
ln -s "$STEPPE" "$repo/build/steppe"
[ -f "$repo/docs/ci-example.yml" ] && ok "clean copy of the tracked sources" || { bad "no copy"; exit 1; }

# The job's env and the run steps after the build, as one bash script each.
python3 - "$repo/docs/ci-example.yml" "$WORK/steps" <<'PY'
import os, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
job = next(iter(doc["jobs"].values()))
out = sys.argv[2]
os.makedirs(out)
env = "".join("export %s=%s\n" % (k, "'%s'" % v) for k, v in job.get("env", {}).items())
n = 0
built = False
for step in job["steps"]:
    run = step.get("run")
    if not run:
        continue
    if "bootstrap" in run:
        built = True
        continue
    if not built:
        continue
    run = run.replace("cmake --build build --target maps", "sh tools/maps.sh build/steppe")
    n += 1
    with open(os.path.join(out, "%02d.sh" % n), "w") as f:
        f.write("set -e\n" + env + run)
print(n)
PY
nsteps=$(ls "$WORK/steps" | wc -l)
[ "$nsteps" -ge 3 ] && ok "$nsteps steps after the build" || bad "$nsteps steps found"

run_steps() {
  local rc=0
  for s in "$WORK"/steps/*.sh; do
    (cd "$repo" && bash "$s") >>"$1" 2>&1 || { rc=$?; break; }
  done
  return $rc
}

run_steps "$WORK/log1"
rc=$?
[ $rc -eq 0 ] && ok "the CI example passes on an unchanged copy" || bad "unchanged copy fails ($rc): $(tail -5 "$WORK/log1")"
grep -q "^forum: ok — identical" "$WORK/log1" && ok "forum: identical" || bad "log: $(grep forum "$WORK/log1")"
[ -z "$(cd "$repo" && for f in docs/*.png; do cmp -s "$f" "$SRC/$f" || echo "$f"; done)" ] \
  && ok "the committed pictures are what the maps target makes" || bad "the maps target changed a committed picture"

# One class colour one level off: Russia's fill #fbf7ee becomes #fbf7ed.
sed -i '0,/fill: "#fbf7ee"/s//fill: "#fbf7ed"/' "$repo/styles/forum.yaml"
grep -q '#fbf7ed' "$repo/styles/forum.yaml" && ok "one class colour changed" || bad "sed did not change the colour"
cp "$SRC/docs/"*.png "$repo/docs/"
run_steps "$WORK/log2"
rc=$?
[ $rc -ne 0 ] && ok "the CI example fails after the change (exit $rc)" || bad "the changed map passed"
grep -q "::error file=docs/forum.png::forum changed: differing pixels: .*%" "$WORK/log2" \
  && ok "it names the map and says how much changed" || bad "message: $(grep -i error "$WORK/log2")"
grep -q "if the change is intended: commit the regenerated docs/forum.png" "$WORK/log2" \
  && ok "it says what to do if the change is intended" || bad "no advice"
[ -f "$repo/out/forum.diff.png" ] && ok "highlight image kept" || bad "no highlight image"

harness_finish
