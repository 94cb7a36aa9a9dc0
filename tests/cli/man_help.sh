#!/usr/bin/env bash
# The man page and --help tell the same story: every command of
# `steppe --help` is in the man page's SYNOPSIS and has its own section
# (and the other way round); every option of `steppe CMD --help` appears in
# that command's SYNOPSIS line and its section of the man page, and every
# option the man page names for a command is in that command's --help.
#
#   STEPPE=build/steppe STEPPE_SOURCE_DIR=. bash tests/cli/man_help.sh
set -u -o pipefail
STEPPE=${STEPPE:?set STEPPE to the steppe binary}
SRC=${STEPPE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MAN=${STEPPE_MAN:-$SRC/docs/steppe.1}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/steppe-man.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

"$STEPPE" --help >"$TMP/main.help" 2>&1 || { echo "FAIL steppe --help: exit $?"; exit 1; }
sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p' "$TMP/main.help" >"$TMP/commands"
while read -r cmd; do
  "$STEPPE" "$cmd" --help >"$TMP/$cmd.help" 2>&1 || echo "$cmd --help exit $?" >>"$TMP/errors"
done <"$TMP/commands"

python3 - "$TMP" "$MAN" <<'PY'
import re, sys, os
tmp, man_path = sys.argv[1], sys.argv[2]
fails, passes = [], 0

def ok(cond, what):
    global passes
    if cond:
        passes += 1
        print("ok   " + what)
    else:
        fails.append(what)
        print("FAIL " + what)

def plain(roff):
    """Roff source to the words a reader sees: escapes and quotes removed."""
    t = roff.replace("\\-", "-").replace("\\(aq", "'")
    t = re.sub(r"\\f[BIRP]", "", t)
    t = re.sub(r"\\\(..", " ", t)
    lines = []
    for line in t.split("\n"):
        if line.startswith(".\\\""):
            continue
        m = re.match(r"^\.(B|I|BR|RB|IR|RI|BI|IB|TP|SS|SH)\b ?(.*)$", line)
        if m:
            args = [b or a for a, b in re.findall(r'"([^"]*)"|(\S+)', m.group(2))]
            # alternating-font macros join their arguments; the others space them
            line = ("" if m.group(1) in ("BR", "RB", "IR", "RI", "BI", "IB") else " ").join(args)
        lines.append(line)
    return "\n".join(lines)

OPT = re.compile(r"(?<![\w/-])(--[a-z][a-z-]*[a-z]|-[A-Za-z])(?![\w-])")
def options(text):
    return set(OPT.findall(text))

man = open(man_path).read()
commands = [c for c in open(os.path.join(tmp, "commands")).read().split()]
ok(len(commands) >= 5, "steppe --help lists the commands (%s)" % " ".join(commands))

# SYNOPSIS: one entry per command, "steppe CMD ..." up to the next .br
syn = man.split(".SH SYNOPSIS", 1)[1].split("\n.SH ", 1)[0]
entries = {}
for part in syn.split("\n.br\n"):
    m = re.match(r"\.B steppe (\w+)", part.strip())
    if m:  # a command may have several lines (info FILE, info postgresql://...)
        entries[m.group(1)] = entries.get(m.group(1), "") + "\n" + plain(part)
for c in commands:
    ok(c in entries, "SYNOPSIS names 'steppe %s'" % c)
for c in entries:
    ok(c in commands, "SYNOPSIS command '%s' is in steppe --help" % c)

# Sections: .SS "steppe CMD ..." up to the next .SS or .SH
sections = {}
for m in re.finditer(r'^\.SS "steppe (\w+)[^\n]*\n(.*?)(?=^\.S[SH] )', man, re.S | re.M):
    # a command may have several sections (diff of images, diff of reports)
    sections[m.group(1)] = sections.get(m.group(1), "") + "\n" + plain(m.group(0))
for c in commands:
    ok(c in sections, "the man page has a section for '%s'" % c)

all_help = set()
for c in commands:
    help_text = open(os.path.join(tmp, c + ".help")).read()
    hopts = options(help_text) - {"-h", "--help"}
    all_help |= hopts
    pairs = dict(re.findall(r"^\s+(-[A-Za-z]), (--[a-z-]+)", help_text, re.M))
    long_of = {s: l for s, l in pairs.items()}
    short_of = {l: s for s, l in pairs.items()}
    sect = sections.get(c, "")
    sopts = options(sect)
    missing = sorted(o for o in hopts if o not in sopts)
    ok(not missing, "%s: every --help option is in its man section%s" % (c, (": missing " + " ".join(missing)) if missing else ""))
    extra = sorted(o for o in sopts - hopts if o not in ("-h", "--help"))
    ok(not extra, "%s: every option of its man section is in --help%s" % (c, (": not in --help " + " ".join(extra)) if extra else ""))
    synopts = options(entries.get(c, ""))
    longs = {o for o in hopts if o.startswith("--")} | {long_of[o] for o in hopts if o in long_of}
    nosyn = sorted(l for l in longs if l not in synopts and short_of.get(l) not in synopts)
    ok(not nosyn, "%s: every option is in its SYNOPSIS line%s" % (c, (": missing " + " ".join(nosyn)) if nosyn else ""))
    extra_syn = sorted(o for o in synopts if o not in hopts)
    ok(not extra_syn, "%s: its SYNOPSIS names no option --help lacks%s" % (c, (": " + " ".join(extra_syn)) if extra_syn else ""))

# The global options, and nothing in the whole page that no --help knows.
main_help = open(os.path.join(tmp, "main.help")).read()
gopts = options(main_help)
mopts = options(plain(man))
ok({"-h", "--help", "-V", "--version"} <= gopts, "steppe --help shows -h/--help and -V/--version")
ok(gopts <= mopts, "the man page names the global options " + " ".join(sorted(gopts)))
unknown = sorted(o for o in mopts if o.startswith("--") and o not in all_help | gopts)
ok(not unknown, "every long option in the man page is in some --help%s" % ((": " + " ".join(unknown)) if unknown else ""))

print("%d passed, %d failed" % (passes, len(fails)))
sys.exit(1 if fails else 0)
PY
rc=$?
if [ -s "$TMP/errors" ]; then cat "$TMP/errors"; exit 1; fi
exit $rc
