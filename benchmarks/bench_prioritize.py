"""Benchmark the prioritisation engine on the shipped 1,874 districts, against a baseline.

Run: ``python benchmarks/bench_prioritize.py [--baseline DIR] [--repeats N] [--profile]``
from the repository root. ``DIR`` is another checkout of geoprio (e.g. ``git archive`` of an
earlier commit unpacked in /tmp/base): it is timed in a second process, one run there and one
run here in turn, so both see the same load on a shared machine. Each process also times the
reference, ``numpy.argsort`` of a 1,000 × 1,874 matrix of floats (numpy's default sort, and
the stable sort a ranking needs), and each figure is the median of its runs; the ratios to
the reference are the steadier figures. Prints Markdown tables: seconds, ratios, peak memory
(peak RSS of a fresh process running the FONIE preset, and Python's own peak by tracemalloc)
and, with ``--profile``, the top lines of a cProfile of the DCI and FONIE presets here.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve()
#: starts each line a worker answers with
_MARK = "@@bench "

#: row key -> label; the ``argsort`` rows are the reference of the same process
ROWS: dict[str, str] = {
    "argsort": "reference: `np.argsort` of a 1,000 × 1,874 float matrix (default sort)",
    "argsort_stable": "reference: the same, `kind=\"stable\"`",
    "composite": "composite score (DCI, 5 indicators, 1,874 districts)",
    "dci0": "`prioritize()`, no draws, DCI preset",
    "dci": "`prioritize()`, DCI preset, 1,000 draws (stunting Fay–Herriot: arcsine draws; "
           "anemia Empirical Bayes: beta draws)",
    "dci_eb": "`prioritize()`, DCI with `stunting_u5_2022_eb` (2 beta-drawn rates)",
    "fonie": "`prioritize()`, FONIE preset, 1,000 draws (quintiles, eligibility redrawn)",
    "anemia": "`prioritize()`, anemia preset, 1,000 draws",
    "fonie644": "`prioritize()`, FONIE top 644, 1,000 draws",
    "dci_budget": "`prioritize()`, DCI with budget (greedy in every draw, exact optimum once)",
    "fonie_budget": "`prioritize()`, FONIE with budget, need redrawn, 1,000 draws",
    "frontier": "`tradeoff`, DCI, S/ 100 million at S/ 2 million a district, 11 points",
}


def _scenarios() -> dict[str, object]:
    """Row key -> a function that runs it once (built in the worker's own geoprio)."""
    import numpy as np
    import pandas as pd

    import geoprio
    from geoprio.decide.frontier import tradeoff
    from geoprio.engine.scenario import Scenario
    from geoprio.engine.scoring import composite

    districts = pd.DataFrame(geoprio.load_districts().drop(columns="geometry"))
    cat = geoprio.catalog()
    dci, fonie = Scenario.preset("dci"), Scenario.preset("fonie")
    eb = dict(dci.weights)
    eb["stunting_u5_2022_eb"] = eb.pop("stunting_u5_2022_fh")
    dci_eb = dci.replace(weights=eb, rule="stunting_u5_2022_eb >= 0")
    matrix = np.random.default_rng(0).random((1000, 1874))
    per_district = dci.replace(top_n=None, budget=1e8, cost_per_district=2e6)

    def run(s: Scenario) -> object:
        return lambda: geoprio.prioritize(districts, s, catalog=cat)

    return {
        "argsort": lambda: np.argsort(matrix, axis=1),
        "argsort_stable": lambda: np.argsort(matrix, axis=1, kind="stable"),
        "composite": lambda: composite(districts, dci.weights, catalog=cat),
        "dci0": run(dci.replace(n_draws=0)),
        "dci": run(dci),
        "dci_eb": run(dci_eb),
        "fonie": run(fonie),
        "anemia": run(Scenario.preset("anemia")),
        "fonie644": run(fonie.replace(top_n=644)),
        "dci_budget": run(dci.replace(top_n=None, budget=5e6, cost_per_beneficiary=50.0)),
        "fonie_budget": run(fonie.replace(budget=2e9, cost_per_district=5e6)),
        "frontier": lambda: tradeoff(districts, per_district, catalog=cat),
    }


def worker() -> None:
    """Answer each key read on stdin with the seconds one run of it took."""
    import time

    runs = _scenarios()
    for fn in runs.values():  # warm: caches, imports, first allocations
        fn()
    print(f"{_MARK}ready", flush=True)
    for line in sys.stdin:
        key = line.strip()
        if key == "quit":
            break
        start = time.perf_counter()
        runs[key]()
        print(f"{_MARK}{time.perf_counter() - start:.6f}", flush=True)


def memory(draws: int) -> None:
    """Peak RSS and tracemalloc peak of FONIE with the draws given, in a fresh process."""
    import resource
    import tracemalloc

    import pandas as pd

    import geoprio
    from geoprio.engine.scenario import Scenario

    districts = pd.DataFrame(geoprio.load_districts().drop(columns="geometry"))
    cat = geoprio.catalog()
    s = Scenario.preset("fonie").replace(n_draws=draws)
    geoprio.prioritize(districts, s.replace(n_draws=0), catalog=cat)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    geoprio.prioritize(districts, s, catalog=cat)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rss": peak / 1024, "grown": (peak - before) / 1024,
                      "traced": traced / 2**20}))


def _env(root: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(root)}


def _answer(proc: subprocess.Popen[str]) -> str:
    """The worker's next answer; other lines (HiGHS writes to stdout from C) are skipped."""
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith(_MARK):
            return line[len(_MARK):].strip()
    raise RuntimeError("the benchmark worker stopped without answering")


def _start(root: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, str(HERE), "--worker"], cwd=root, env=_env(root),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert _answer(proc) == "ready"
    return proc


def _ask(proc: subprocess.Popen[str], key: str) -> float:
    assert proc.stdin is not None
    proc.stdin.write(key + "\n")
    proc.stdin.flush()
    return float(_answer(proc))


def _timings(sides: dict[str, Path], repeats: int) -> dict[str, dict[str, float]]:
    """Median seconds of each row on each side, the sides' runs taking turns."""
    procs = {name: _start(root) for name, root in sides.items()}
    times: dict[str, dict[str, list[float]]] = {n: {k: [] for k in ROWS} for n in sides}
    try:
        for key in ROWS:
            reps = max(3, repeats // 2) if "budget" in key or key == "frontier" else repeats
            for _ in range(reps):
                for name, proc in procs.items():
                    times[name][key].append(_ask(proc, key))
    finally:
        for proc in procs.values():
            proc.communicate("quit\n")
    return {n: {k: statistics.median(v) for k, v in t.items()} for n, t in times.items()}


def _memory(root: Path, draws: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, str(HERE), "--memory", str(draws)], cwd=root,
                         env=_env(root), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _print_tables(sides: dict[str, Path], med: dict[str, dict[str, float]]) -> None:
    names = list(sides)
    print("| step | " + " | ".join(f"{n} (s)" for n in names)
          + " | " + " | ".join(f"{n} ÷ argsort" for n in names) + " |")
    print("|---|" + "---:|" * (2 * len(names)))
    for key, label in ROWS.items():
        secs = " | ".join(f"{med[n][key]:.3f}" for n in names)
        ratio = " | ".join(f"{med[n][key] / med[n]['argsort']:.1f}×" for n in names)
        print(f"| {label} | {secs} | {ratio} |")
    print()
    print("| FONIE draws | " + " | ".join(
        f"{n}: peak RSS / grown during the call / tracemalloc (MB)" for n in names) + " |")
    print("|---:|" + "---:|" * len(names))
    for draws in (1_000, 10_000):
        cells = []
        for n in names:
            m = _memory(sides[n], draws)
            cells.append(f"{m['rss']:.0f} / {m['grown']:.0f} / {m['traced']:.0f}")
        print(f"| {draws:,} | " + " | ".join(cells) + " |")


def _profile() -> None:
    import cProfile
    import pstats

    sys.path.insert(0, str(ROOT))
    runs = _scenarios()
    for key in ("dci", "fonie"):
        runs[key]()
        prof = cProfile.Profile()
        prof.runcall(runs[key])
        print(f"\ncProfile of `{ROWS[key]}` (this checkout), by own time:\n")
        pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout, timed beside this one")
    parser.add_argument("--repeats", type=int, default=7, help="runs of each row per side")
    parser.add_argument("--profile", action="store_true", help="cProfile DCI and FONIE here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--memory", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return
    if args.memory:
        memory(args.memory)
        return
    sides = {"baseline": args.baseline.resolve()} if args.baseline else {}
    sides["now"] = ROOT
    _print_tables(sides, _timings(sides, args.repeats))
    if args.profile:
        _profile()


if __name__ == "__main__":
    main()
