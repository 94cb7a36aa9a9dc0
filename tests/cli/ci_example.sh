#!/usr/bin/env bash
# docs/ci-example.yml works as written: its steps after the build, run on a
# clean copy of the sources (the tracked files only) with the steppe under
# test as build/steppe, pass unchanged; after one class colour of
# styles/forum.yaml changes by one level, they fail, naming the map and
# saying how many pixels differ. (`cmake --build build --target maps` runs
# tools/maps.sh with the steppe built; the copy has no configured build, so
# the script is called directly.)
set -u
src=${STEPPE_SOURCE_DIR:?}
steppe=${STEPPE:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
ko() { echo "FAIL $1"; fail=$((fail + 1)); }

repo="$work/repo"
mkdir -p "$repo/build"
(cd "$src" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$repo"
ln -s "$steppe" "$repo/build/steppe"
[ -f "$repo/docs/ci-example.yml" ] && ok "clean copy of the tracked sources" || { ko "no copy"; exit 1; }

# The job's env and the run steps after the build, as one bash script each.
python3 - "$repo/docs/ci-example.yml" "$work/steps" <<'PY'
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
nsteps=$(ls "$work/steps" | wc -l)
[ "$nsteps" -ge 3 ] && ok "$nsteps steps after the build" || ko "$nsteps steps found"

run_steps() {
  local rc=0
  for s in "$work"/steps/*.sh; do
    (cd "$repo" && bash "$s") >>"$1" 2>&1 || { rc=$?; break; }
  done
  return $rc
}

run_steps "$work/log1"
rc=$?
[ $rc -eq 0 ] && ok "the CI example passes on an unchanged copy" || ko "unchanged copy fails ($rc): $(tail -5 "$work/log1")"
grep -q "^forum: ok — identical" "$work/log1" && ok "forum: identical" || ko "log: $(grep forum "$work/log1")"
[ -z "$(cd "$repo" && for f in docs/*.png; do cmp -s "$f" "$src/$f" || echo "$f"; done)" ] \
  && ok "the committed pictures are what the maps target makes" || ko "the maps target changed a committed picture"

# One class colour one level off: Russia's fill #fbf7ee becomes #fbf7ed.
sed -i '0,/fill: "#fbf7ee"/s//fill: "#fbf7ed"/' "$repo/styles/forum.yaml"
grep -q '#fbf7ed' "$repo/styles/forum.yaml" && ok "one class colour changed" || ko "sed did not change the colour"
cp "$src/docs/"*.png "$repo/docs/"
run_steps "$work/log2"
rc=$?
[ $rc -ne 0 ] && ok "the CI example fails after the change (exit $rc)" || ko "the changed map passed"
grep -q "::error file=docs/forum.png::forum changed: differing pixels: .*%" "$work/log2" \
  && ok "it names the map and says how much changed" || ko "message: $(grep -i error "$work/log2")"
grep -q "if the change is intended: commit the regenerated docs/forum.png" "$work/log2" \
  && ok "it says what to do if the change is intended" || ko "no advice"
[ -f "$repo/out/forum.diff.png" ] && ok "highlight image kept" || ko "no highlight image"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
