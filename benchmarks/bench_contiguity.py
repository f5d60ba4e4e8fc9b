"""Queen contiguity of the 1,874 districts: geoprio against pygeoda (and libpysal), one run.

Run from the repository root::

    python benchmarks/bench_contiguity.py                     # geoprio, pygeoda, libpysal
    python benchmarks/bench_contiguity.py --baseline /tmp/base  # and an older geoprio tree

``--baseline DIR`` is another checkout (``git archive <commit> | tar -x -C DIR``): its
``geoprio/spatial/contiguity.py`` is loaded as a module and timed in the same rounds. The
contenders run in turns, round after round (so that a burst of other work on the machine
falls on all of them), and the table gives the fastest and the median round of each.

- geoprio: ``queen_contiguity(districts)``, from the GeoDataFrame to the patched weights
  (islands joined to their nearest districts, which pygeoda and libpysal do not do).
- pygeoda: ``queen_weights(gda)`` on a map already opened, and ``open`` + ``queen_weights``
  from the same GeoDataFrame (``pygeoda.open`` copies every polygon into libgeoda).
- libpysal: ``Queen.from_dataframe`` (the oracle of ``tests/test_contiguity.py``).

Every contender's neighbours are compared with geoprio's Queen links (before patching).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp


def load_baseline(root: Path) -> Callable:
    """``queen_contiguity`` of another checkout, loaded from its file."""
    path = root / "geoprio" / "spatial" / "contiguity.py"
    if not path.exists():
        path = root / "geoprio" / "spatial.py"  # before issue 22's restructure
    spec = importlib.util.spec_from_file_location("baseline_contiguity", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.queen_contiguity


def rounds(contenders: dict[str, Callable], n: int) -> dict[str, list[float]]:
    """Seconds of each contender in ``n`` interleaved rounds (after one warm-up call each)."""
    for fn in contenders.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(n):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def as_matrix(neighbours: list[list[int]], n: int) -> sp.csr_matrix:
    rows = np.repeat(np.arange(n), [len(x) for x in neighbours])
    cols = np.concatenate([np.asarray(x, dtype=int) for x in neighbours])
    return sp.csr_matrix((np.ones(rows.size, dtype=np.int8), (rows, cols)), shape=(n, n))


def main() -> None:
    import warnings

    import geoprio
    from geoprio.spatial.contiguity import queen_contiguity

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another geoprio checkout to compare")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    d = geoprio.load_districts()
    ours = queen_contiguity(d)
    contenders: dict[str, Callable] = {"geoprio `queen_contiguity`": lambda: queen_contiguity(d)}
    same: dict[str, str] = {"geoprio `queen_contiguity`": "—"}
    if args.baseline:
        before = load_baseline(args.baseline.resolve())
        contenders["geoprio baseline (`--baseline`)"] = lambda: before(d)
        old = before(d)
        same["geoprio baseline (`--baseline`)"] = str(
            (old.queen != ours.queen).nnz == 0 and (old.adjacency != ours.adjacency).nnz == 0
            and old.patched == ours.patched)
    try:
        import pygeoda
    except ImportError as exc:
        print(f"pygeoda not importable ({exc}): pip install pygeoda", file=sys.stderr)
    else:
        gda = pygeoda.open(d)
        contenders["pygeoda `queen_weights` (map opened)"] = lambda: pygeoda.queen_weights(gda)
        contenders["pygeoda `open` + `queen_weights`"] = (
            lambda: pygeoda.queen_weights(pygeoda.open(d)))
        gw = pygeoda.queen_weights(gda)
        theirs = as_matrix([gw.get_neighbors(i) for i in range(len(d))], len(d))
        verdict = str((theirs != ours.queen).nnz == 0)
        same["pygeoda `queen_weights` (map opened)"] = verdict
        same["pygeoda `open` + `queen_weights`"] = verdict
    from libpysal.weights import Queen

    contenders["libpysal `Queen.from_dataframe`"] = (
        lambda: Queen.from_dataframe(d, use_index=False, silence_warnings=True))
    ref = Queen.from_dataframe(d, use_index=False, silence_warnings=True)
    same["libpysal `Queen.from_dataframe`"] = str(
        (sp.csr_matrix(ref.sparse > 0, dtype=np.int8) != ours.queen).nnz == 0)
    times = rounds(contenders, args.rounds)
    base = min(times["geoprio `queen_contiguity`"])
    print(f"Load average before: {os.getloadavg()[0]:.2f}; {args.rounds} rounds; "
          f"{len(d):,} districts, {ours.queen.nnz // 2:,} Queen links.\n")
    print("| contender | fastest (ms) | median (ms) | / geoprio (fastest) | same Queen links |")
    print("|---|---:|---:|---:|---|")
    for name, ts in times.items():
        print(f"| {name} | {min(ts) * 1e3:.1f} | {statistics.median(ts) * 1e3:.1f} | "
              f"{min(ts) / base:.2f}× | {same[name]} |")


if __name__ == "__main__":
    main()
