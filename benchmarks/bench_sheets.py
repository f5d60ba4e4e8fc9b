"""The ZIP of the 375 DCI district sheets: this tree against a baseline tree, one run.

Run from the repository root::

    python benchmarks/bench_sheets.py --baseline /tmp/base      # about 5 minutes
    python benchmarks/bench_sheets.py --profile 40               # and a profile of 40 sheets

``--baseline DIR`` is another checkout (``git archive <commit> | tar -x -C DIR``); its ZIP is
built in a child process with ``PYTHONPATH=DIR``, then this tree's with one process and with
the default workers (one per core): the seconds on the clock and the CPU-seconds of every
process (the load of other work on the machine stretches the first, hardly the second).
Every member of every ZIP is compared with the baseline's, byte for byte. ``--profile N``
adds cProfile's top lines for N sheets drawn in this process (the baseline's too with
``--baseline``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BUILD = """
import os, sys, time
import geoprio
from geoprio.engine.scenario import Scenario
from geoprio.report.sheet import district_sheets
d = geoprio.load_districts()
b = geoprio.prioritize(d, Scenario.preset("dci"))
kw = {} if sys.argv[2] == "default" else {"workers": int(sys.argv[2])}
cpu0, start = sum(os.times()[:4]), time.perf_counter()
district_sheets(b, sys.argv[1], districts=d, **kw)
print(time.perf_counter() - start, sum(os.times()[:4]) - cpu0)
"""

PROFILE = """
import cProfile, io, pstats, sys
import geoprio
from geoprio.engine.scenario import Scenario
from geoprio.report import sheet as S
d = geoprio.load_districts()
b = geoprio.prioritize(d, Scenario.preset("dci"))
codes = b[b["selected"].astype(bool)].sort_values("rank")["ubigeo"].astype(str).tolist()
ctx = S._context(d, b, None, "es")
n = int(sys.argv[1])
S._render(ctx, codes[0], ".pdf")
prof = cProfile.Profile()
prof.enable()
for code in codes[1:n + 1]:
    S._render(ctx, code, ".pdf")
prof.disable()
out = io.StringIO()
pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(12)
print(out.getvalue())
"""


def build(tree: Path, zip_path: Path, workers: str) -> tuple[float, float]:
    """Seconds to write the ZIP and the CPU-seconds it took in all processes (the child's
    own and its workers'; imports and data not counted)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", BUILD, str(zip_path), workers], env=env,
                         capture_output=True, text=True, check=True, cwd=tree)
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def profile(tree: Path, n: int) -> str:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, "-c", PROFILE, str(n)], env=env, cwd=tree,
                         capture_output=True, text=True, check=True)
    return out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another geoprio checkout to compare")
    parser.add_argument("--profile", type=int, default=0, help="profile N sheets")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        runs = [("this tree, one process", ROOT, "1"),
                ("this tree, default workers", ROOT, "default")]
        if args.baseline:
            runs.insert(0, ("baseline", args.baseline.resolve(), "default"))
        reference = None
        for label, tree, workers in runs:
            load = os.getloadavg()[0]
            path = Path(tmp) / f"{len(rows)}.zip"
            seconds, cpu = build(tree, path, workers)
            got = members(path)
            reference = reference or got
            same = sum(reference.get(k) == v for k, v in got.items())
            rows.append((label, seconds, cpu, load, len(got) - 1, same - 1,
                         path.stat().st_size / 2**20))
    cores = len(os.sched_getaffinity(0))
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {cores} cores\n")
    print("| run | seconds | CPU-seconds (all processes) | CPU s a sheet | load before | "
          "sheets | identical to the first run | ZIP MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, seconds, cpu, load, n, same, size in rows:
        print(f"| {label} | {seconds:.1f} | {cpu:.1f} | {cpu / n:.3f} | {load:.2f} | {n} | "
              f"{same} | {size:.1f} |")
    if args.profile:
        for label, tree in ([("baseline", args.baseline.resolve())] if args.baseline else []) \
                + [("this tree", ROOT)]:
            print(f"\ncProfile, {label}, {args.profile} sheets in one process, by own time:\n")
            print("```\n" + profile(tree, args.profile).strip() + "\n```")


if __name__ == "__main__":
    main()
