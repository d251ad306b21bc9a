#!/usr/bin/python3
"""Side-by-side timings of zonnx inspect vs the Python baseline, and of zonnx convert vs cp (stdlib only).

Usage: bench.py --zonnx BIN --big MODEL --graph MODEL --node-dirs DIR[,DIR...] [--sample 300] [--repeat 3]

Wall time is measured around each child; peak RSS is the child's own
ru_maxrss from os.wait4 (Linux: KiB), so the driver's memory never counts.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

PY = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
BASELINE = os.path.join(HERE, "baseline.py")
# Peak memory allowed for convert beyond the graph's own bytes: the binary, its libraries and buffers.
SMALL_CONSTANT = 64 * 2**20


def run(cmd):
    """Runs cmd (stdout discarded); returns (wall seconds, peak RSS bytes, exit code, CPU seconds).
    CPU time (user + system of the child) is printed too: on a shared machine it moves far less
    than wall time."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss * 1024, proc.returncode, usage.ru_utime + usage.ru_stime


def best_of(cmd, repeat, fresh=None):
    """Median wall of `repeat` runs (after one warm-up run), max peak RSS, last exit code.
    `fresh`: a file the command writes, removed before each run (outside the timing)."""
    def once():
        if fresh and os.path.exists(fresh):
            os.remove(fresh)
        return run(cmd)

    once()  # warm the page cache and the dynamic loader
    results = [once() for _ in range(repeat)]
    walls = sorted(r[0] for r in results)
    cpus = sorted(r[3] for r in results)
    return walls[len(walls) // 2], max(r[1] for r in results), results[-1][2], cpus[len(cpus) // 2]


def mib(b):
    return f"{b / 2**20:,.1f} MiB"


def row(name, z, p, extra=""):
    zw, zr, zc = z[:3]
    pw, pr, pc = p[:3]
    ratio = zw / pw if pw else float("nan")
    cpu = f"; CPU {z[3]:.3f} s vs {p[3]:.3f} s = {z[3] / p[3] * 100:.2f}%" if len(z) > 3 and len(p) > 3 else ""
    print(f"{name:<34} {zw:9.3f} s {mib(zr):>13} (exit {zc})   {pw:9.3f} s {mib(pr):>13} (exit {pc})"
          f"   time {ratio * 100:6.2f}% ({pw / zw:,.1f}x faster){cpu} {extra}")
    return ratio


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--zonnx", required=True)
    ap.add_argument("--big", required=True)
    ap.add_argument("--graph", required=True)
    ap.add_argument("--node-dirs", required=True)
    ap.add_argument("--sample", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scale", nargs="*", default=[], help="scale_<kind>_<n>.onnx models (gen_models.py)")
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

    # 2. convert vs cp on the same file, each writing a fresh file (removed between runs, untimed).
    #    By default zonnx convert, like cp, leaves its output in the page cache (published by an
    #    atomic rename); with --fsync it flushes it to disk first, so that is timed against cp
    #    followed by `sync FILE` (an fsync of the copy).
    facts = json.loads(subprocess.run([z, "inspect", "--format", "json", a.big], capture_output=True,
                                      check=True).stdout)["model"]
    graph_bytes = facts["file_size"] - facts["initializers"]["bytes"]
    opset = next(o["version"] for o in facts["opset_imports"] if o["domain"] == "ai.onnx")
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(a.big))) as tmp:
        dest = os.path.join(tmp, "out.onnx")
        cp = best_of(["cp", a.big, dest], a.repeat, fresh=dest)
        cps = best_of(["sh", "-c", 'cp "$1" "$2" && sync "$2"', "sh", a.big, dest], a.repeat, fresh=dest)
        print(f"{'cp (big)':<34} {cp[0]:9.3f} s {mib(cp[1]):>13} (exit {cp[2]})   CPU {cp[3]:.3f} s")
        print(f"{'cp + fsync (big)':<34} {cps[0]:9.3f} s {mib(cps[1]):>13} (exit {cps[2]})   CPU {cps[3]:.3f} s")
        for target in (opset + 1, opset - 1):
            cmd = [z, "convert", a.big, "--opset", str(target), "--external-data", "reference", "-o", dest]
            zc = best_of(cmd, a.repeat, fresh=dest)
            zs = best_of(cmd + ["--fsync"], a.repeat, fresh=dest)
            vs_cp, vs_cps = zc[0] / cp[0], zs[0] / cps[0]
            print(f"{f'zonnx convert {opset} -> {target}':<34} {zc[0]:9.3f} s {mib(zc[1]):>13} (exit {zc[2]})"
                  f"   {vs_cp:.2f}x cp; CPU {zc[3]:.3f} s; graph {graph_bytes / 1024:,.1f} KiB")
            print(f"{f'zonnx convert {opset} -> {target} --fsync':<34} {zs[0]:9.3f} s {mib(zs[1]):>13} (exit {zs[2]})"
                  f"   {vs_cps:.2f}x cp+fsync; CPU {zs[3]:.3f} s")
            summary.append((f"convert {opset}->{target} <= 1.5x cp", zc[2] == 0 and vs_cp <= 1.5,
                            f"{vs_cp:.2f}x (--fsync: {vs_cps:.2f}x cp+fsync)"))
            limit = graph_bytes + SMALL_CONSTANT
            summary.append((f"convert {opset}->{target} peak RSS <= graph + {mib(SMALL_CONSTANT)}",
                            zc[2] == 0 and zs[2] == 0 and max(zc[1], zs[1]) <= limit,
                            f"{mib(max(zc[1], zs[1]))} (limit {mib(limit)})"))

    # 3. graph-heavy model.
    zr = best_of([z, "inspect", a.graph], a.repeat)
    pr = best_of([PY, BASELINE, a.graph], a.repeat)
    ratio = row("graph-heavy model", zr, pr)
    summary.append(("graph-heavy < 10% of Python time", ratio < 0.10, f"{ratio * 100:.2f}%"))
    zj = best_of([z, "inspect", "--format", "json", a.graph], 1)
    print(f"{'  (zonnx --format json)':<34} {zj[0]:9.3f} s {mib(zj[1]):>13} (exit {zj[2]})   CPU {zj[3]:.3f} s")
    zn = best_of([z, "inspect", "--no-shape-inference", a.graph], 1)
    print(f"{'  (zonnx --no-shape-inference)':<34} {zn[0]:9.3f} s {mib(zn[1]):>13} (exit {zn[2]})   CPU {zn[3]:.3f} s")

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
        w, r, c, _ = run([PY, BASELINE, f])
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

    # 5. scaling: each pair of models differs only in n (x4 between them); time linear in n gives
    #    a ratio of about 4 (less, with the fixed start-up cost), time quadratic in n about 16.
    pairs = {}
    for path in a.scale:
        kind, n = os.path.basename(path)[len("scale_"):-len(".onnx")].rsplit("_", 1)
        pairs.setdefault(kind, []).append((int(n), path))
    for kind, models in sorted(pairs.items()):
        (n1, small), (n2, large) = sorted(models)[:2]
        ts, tl = best_of([z, "inspect", small], a.repeat), best_of([z, "inspect", large], a.repeat)
        growth = tl[0] / ts[0]
        print(f"{f'scaling: {kind} {n1} -> {n2}':<34} {ts[0]:9.3f} s -> {tl[0]:.3f} s = {growth:.1f}x time "
              f"for {n2 / n1:g}x size (exit {ts[2]}, {tl[2]})")
        limit = 1.5 * n2 / n1
        summary.append((f"scaling {kind}: time grows at most {limit:g}x for {n2 / n1:g}x size",
                        ts[2] == 0 and tl[2] == 0 and growth <= limit, f"{growth:.1f}x"))

    print()
    for name, ok, value in summary:
        print(f"{'PASS' if ok else 'MISS'}  {name}: {value}")
    return 0 if all(ok for _, ok, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
