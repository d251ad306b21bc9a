#!/usr/bin/python3
"""Side-by-side timings of zonnx and the Python baseline (stdlib only).

Usage: bench.py --zonnx BIN --big MODEL --graph MODEL --node-dirs DIR[,DIR...] [--sample 300] [--repeat 3]

Wall time is measured around each child; peak RSS is the child's own
ru_maxrss from os.wait4 (Linux: KiB), so the driver's memory never counts.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

PY = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
BASELINE = os.path.join(HERE, "baseline.py")


def run(cmd):
    """Runs cmd (stdout discarded); returns (wall seconds, peak RSS bytes, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss * 1024, proc.returncode


def best_of(cmd, repeat):
    """Median wall of `repeat` runs (after one warm-up run), max peak RSS, last exit code."""
    run(cmd)  # warm the page cache and the dynamic loader
    results = [run(cmd) for _ in range(repeat)]
    walls = sorted(r[0] for r in results)
    return walls[len(walls) // 2], max(r[1] for r in results), results[-1][2]


def mib(b):
    return f"{b / 2**20:,.1f} MiB"


def row(name, z, p, extra=""):
    zw, zr, zc = z
    pw, pr, pc = p
    ratio = zw / pw if pw else float("nan")
    print(f"{name:<34} {zw:9.3f} s {mib(zr):>13} (exit {zc})   {pw:9.3f} s {mib(pr):>13} (exit {pc})"
          f"   time {ratio * 100:6.2f}% ({pw / zw:,.1f}x faster) {extra}")
    return ratio


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zonnx", required=True)
    ap.add_argument("--big", required=True)
    ap.add_argument("--graph", required=True)
    ap.add_argument("--node-dirs", required=True)
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    z = a.zonnx
    print(f"{'case':<34} {'zonnx wall':>11} {'peak RSS':>13}          {'baseline wall':>13} {'peak RSS':>13}")
    summary = []

    # 1. ~1 GiB single-file model: inspect vs onnx.load + infer_shapes + node loop.
    size = os.path.getsize(a.big)
    zr = best_of([z, "inspect", a.big], a.repeat)
    pr = best_of([PY, BASELINE, a.big], a.repeat)
    ratio = row(f"big model ({size / 2**30:.2f} GiB)", zr, pr)
    summary.append(("inspect 1 GiB <= 5% of Python time", ratio <= 0.05, f"{ratio * 100:.2f}%"))
    rss_share = zr[1] / size
    summary.append(("inspect 1 GiB peak RSS < 10% of file", rss_share < 0.10, f"{rss_share * 100:.2f}%"))

    # 2. convert vs cp on the same file.
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(a.big))) as tmp:
        cp = best_of(["cp", a.big, os.path.join(tmp, "copy.onnx")], 1)
    print(f"{'convert (big) vs cp':<34} {'n/a':>11} {'(zonnx convert not implemented yet)':>36}"
          f"   {cp[0]:9.3f} s {mib(cp[1]):>13} (cp)")

    # 3. graph-heavy model.
    zr = best_of([z, "inspect", a.graph], a.repeat)
    pr = best_of([PY, BASELINE, a.graph], a.repeat)
    ratio = row("graph-heavy model", zr, pr)
    summary.append(("graph-heavy < 10% of Python time", ratio < 0.10, f"{ratio * 100:.2f}%"))
    zj = best_of([z, "inspect", "--format", "json", a.graph], 1)
    print(f"{'  (zonnx --format json)':<34} {zj[0]:9.3f} s {mib(zj[1]):>13} (exit {zj[2]})")
    zn = best_of([z, "inspect", "--no-shape-inference", a.graph], 1)
    print(f"{'  (zonnx --no-shape-inference)':<34} {zn[0]:9.3f} s {mib(zn[1]):>13} (exit {zn[2]})")

    # 4. every node-test model: one zonnx process (jsonl, all cores) vs one Python process per file.
    dirs = [d for d in a.node_dirs.split(",") if os.path.isdir(d)]
    files = sorted(f for d in dirs for f in glob.glob(os.path.join(d, "**", "*.onnx"), recursive=True))
    n = len(files)
    zr = best_of([z, "inspect", "--format", "jsonl", *dirs], a.repeat)
    z1 = best_of([z, "inspect", "--format", "jsonl", "-j", "1", *dirs], 1)
    step = max(1, n // a.sample) if a.sample else 1
    sample = files[::step][: a.sample] if a.sample else files
    run([PY, BASELINE, sample[0]])  # warm-up
    walls, peak, failed = 0.0, 0, 0
    for f in sample:
        w, r, c = run([PY, BASELINE, f])
        walls += w
        peak = max(peak, r)
        failed += c != 0
    extrapolated = walls / len(sample) * n
    pr = (extrapolated, peak, f"{failed}/{len(sample)} failed")
    ratio = row(f"{n} node tests, one process", zr, (pr[0], pr[1], 0),
                f"[Python: {len(sample)} of {n} files run, every {step}th, total extrapolated; {failed} failed]")
    print(f"{'  (zonnx -j 1)':<34} {z1[0]:9.3f} s {mib(z1[1]):>13} (exit {z1[2]})   "
          f"{extrapolated / z1[0]:,.1f}x faster than Python on one core")
    summary.append(("node tests >= 10x faster", 1 / ratio >= 10, f"{1 / ratio:,.1f}x"))

    print()
    for name, ok, value in summary:
        print(f"{'PASS' if ok else 'MISS'}  {name}: {value}")
    return 0 if all(ok for _, ok, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
