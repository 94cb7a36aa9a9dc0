#!/usr/bin/env python3
"""Compare two commands by alternating runs: A B B A A B ... so that a
machine whose speed drifts (a shared VM) slows both alike. Prints the
median wall and CPU (user + system, children included) time of each.

    bench/ab.py [-n RUNS] "OLD COMMAND" "NEW COMMAND"

Each command is split on spaces (no shell); its output is discarded.
Used for the before/after figures in bench/README.md, e.g.

    bench/ab.py -n 60 "/tmp/old/build/steppe render -q styles/forum.yaml -o /tmp/a.png" \\
                      "build/steppe render -q styles/forum.yaml -o /tmp/b.png"
"""
import argparse
import os
import statistics
import time


def run(cmd):
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = (time.perf_counter() - start) * 1000
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("ab.py: '%s' failed (status %d)" % (" ".join(cmd), os.waitstatus_to_exitcode(status)))
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def main():
    ap = argparse.ArgumentParser(description="alternating A/B timing of two commands")
    ap.add_argument("-n", "--runs", type=int, default=30, help="runs of each command (default 30)")
    ap.add_argument("a")
    ap.add_argument("b")
    args = ap.parse_args()
    cmds = [args.a.split(), args.b.split()]
    times = [([], []), ([], [])]
    for i in range(args.runs):
        for k in ((0, 1) if i % 2 == 0 else (1, 0)):
            wall, cpu = run(cmds[k])
            times[k][0].append(wall)
            times[k][1].append(cpu)
    for k, name in enumerate("AB"):
        print("%s  wall median %.1f ms  CPU median %.1f ms  (%d runs)" %
              (name, statistics.median(times[k][0]), statistics.median(times[k][1]), args.runs))


if __name__ == "__main__":
    main()
