"""Benchmark of geoprio.spatial.autocorrelation and geoprio.spatial.clustering on the 1,874
districts.

Run: ``python benchmarks/bench_spatial.py`` (add ``--skip-skater`` to leave out spopt's
SKATER, which takes about a minute). Prints a Markdown table.

- Queen contiguity: geoprio's vertex matching vs libpysal's ``Queen.from_dataframe``.
- Local Moran with the defaults (20 seeded runs of 9,999 conditional permutations, p-values
  pooled, stability across runs) in a fresh process (subprocess), and warm; the same with
  2 runs of 999 (the old single-run cost), vs esda's ``Moran_Local`` with 999: cold (empty
  numba cache, as on a new machine or CI), in another fresh process with the default cache,
  and warm (second call in the process). Without numba installed esda runs a pure-Python
  fallback (about 0.5 s); the table says which.
- Stability of the hot-spot counts: ``hotspots()`` on stunting with seeds 0-19, the range of
  the stable high-high and low-low counts and the districts stable high-high under every seed.
- Contiguous zones (k=8) and zones with a population floor, time and within-zone sum of
  squares, vs spopt's SKATER with the same k on the same standardised data, when spopt
  can be imported (it is not a dependency of geoprio: ``pip install spopt``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from timing import best_of

INDS = ["poverty_2018", "no_water_2017", "no_sewer_2017", "no_electricity_2017",
        "no_internet_2017", "hdi_2019"]

FRESH_GEOPRIO = """
import json, time
t0 = time.perf_counter()
import geoprio
from geoprio.spatial.contiguity import queen_contiguity
from geoprio.spatial.localstats import MoranLocal
t1 = time.perf_counter()
d = geoprio.load_districts()
t2 = time.perf_counter()
w = queen_contiguity(d)
t3 = time.perf_counter()
lisa = MoranLocal(d["poverty_2018"].to_numpy(), w, seed=0)
t4 = time.perf_counter()
frame, result = geoprio.hotspots(d, "stunting_u5_2019", spatial_weights=w)
t5 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "contiguity": t3 - t2,
                  "lisa": t4 - t3, "hotspots": t5 - t4}))
"""

FRESH_ESDA = """
import json, time
import geoprio
from geoprio.spatial.contiguity import queen_contiguity
d = geoprio.load_districts()
w = queen_contiguity(d).w
y = d["poverty_2018"].to_numpy()
t0 = time.perf_counter()
import esda
try:
    import numba
    version = numba.__version__
except ImportError:
    version = "absent (esda runs its pure-Python fallback)"
t1 = time.perf_counter()
esda.Moran_Local(y, w, permutations=999, seed=0)
t2 = time.perf_counter()
esda.Moran_Local(y, w, permutations=999, seed=1)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first": t2 - t1, "second": t3 - t2, "numba": version}))
"""




def fresh(code: str, env: dict[str, str] | None = None) -> dict[str, float]:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, **(env or {})})
    wall = time.perf_counter() - t
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def seed_spread(d, w, seeds: int = 20) -> tuple[str, str, str]:
    """Stable HH/LL counts of stunting over ``seeds`` seeds, and the HH stable under all."""
    import geoprio

    hh, ll, unstable, always = [], [], [], None
    for seed in range(seeds):
        frame, result = geoprio.hotspots(d, "stunting_u5_2019", spatial_weights=w, seed=seed)
        hh.append(result.counts.get("HH", 0))
        ll.append(result.counts.get("LL", 0))
        unstable.append(result.counts.get("unstable", 0))
        label = frame["hotspot_stunting_u5_2019"].fillna("").to_numpy(dtype=object)
        stable = frame["hotspot_stunting_u5_2019_stability"].to_numpy() >= 0.9
        these = set(frame["ubigeo"][(label == "HH") & stable])
        always = these if always is None else always & these
    return (f"stable counts, stunting, seeds 0-{seeds - 1}", f"HH {min(hh)}-{max(hh)}",
            f"LL {min(ll)}-{max(ll)}; unstable {min(unstable)}-{max(unstable)}; "
            f"{len(always)} districts stable HH under every seed")


def within_ss(z: np.ndarray, labels: np.ndarray) -> float:
    return float(sum(((z[labels == c] - z[labels == c].mean(axis=0)) ** 2).sum()
                     for c in np.unique(labels)))


def main() -> None:
    import warnings

    import geoprio
    from geoprio.spatial.clustering import cluster
    from geoprio.spatial.contiguity import queen_contiguity

    warnings.filterwarnings("ignore")
    rows: list[tuple[str, str, str]] = []
    d = geoprio.load_districts()

    # contiguity
    ours = best_of(lambda: queen_contiguity(d))
    from libpysal.weights import Queen

    t = time.perf_counter()
    ref = Queen.from_dataframe(d, use_index=False, silence_warnings=True)
    theirs = time.perf_counter() - t
    w = queen_contiguity(d)
    same = int((w.queen != (ref.sparse > 0).astype(np.int8)).nnz) == 0
    rows.append(("Queen contiguity (1,874 districts)", f"{ours:.3f} s",
                 f"libpysal Queen {theirs:.2f} s; same neighbours: {same}; "
                 f"islands joined: {sorted(w.patched)}"))

    # Local Moran in fresh processes
    g = fresh(FRESH_GEOPRIO)
    rows.append(("Local Moran 20 runs x 9,999 perm., fresh process", f"{g['lisa']:.3f} s",
                 f"import geoprio {g['import']:.2f} s, load {g['load']:.2f} s, contiguity "
                 f"{g['contiguity']:.3f} s; whole process {g['wall']:.2f} s"))
    from geoprio.spatial.localstats import MoranLocal

    y = d["poverty_2018"].to_numpy()
    warm = best_of(lambda: MoranLocal(y, w, seed=0), 3)
    rows.append(("Local Moran 20 runs x 9,999 perm., warm", f"{warm:.3f} s", "best of 3"))
    small = best_of(lambda: MoranLocal(y, w, permutations=999, runs=2, seed=0), 3)
    rows.append(("Local Moran 2 runs x 999 perm., warm", f"{small:.3f} s", "best of 3"))
    rows.append(("hotspots() stunting, defaults + Moran's I (999)", f"{g['hotspots']:.3f} s",
                 "same fresh process, weights reused"))
    rows.append(seed_spread(d, w))
    with tempfile.TemporaryDirectory() as cache:
        cold = fresh(FRESH_ESDA, {"NUMBA_CACHE_DIR": cache})
    rows.append(("esda Moran_Local, cold (empty numba cache)", f"{cold['first']:.2f} s",
                 f"numba {cold['numba']}; import esda {cold['import']:.2f} s; second call "
                 f"(warm) {cold['second']:.3f} s"))
    cached = fresh(FRESH_ESDA)
    rows.append(("esda Moran_Local, another fresh process", f"{cached['first']:.2f} s",
                 f"import esda {cached['import']:.2f} s; warm {cached['second']:.3f} s"))

    # zones
    x = d[INDS].to_numpy(dtype=float)
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    zones_t = best_of(lambda: cluster(d, INDS, method="zones", k=8, spatial_weights=w), 3)
    frame, _ = cluster(d, INDS, method="zones", k=8, spatial_weights=w)
    ssw = within_ss(z, frame["zone"].to_numpy(dtype=int))
    cold_zones = best_of(lambda: cluster(d, INDS, method="zones", k=8), 3)
    rows.append(("Contiguous zones k=8 (Ward + contiguity)", f"{zones_t:.3f} s",
                 f"{cold_zones:.3f} s with contiguity; within-zone SS {ssw:.1f} "
                 f"(total SS {within_ss(z, np.zeros(len(z), int)):.1f})"))
    floor_t = best_of(lambda: cluster(d, INDS, method="zones", k=40, min_population=300_000,
                                      spatial_weights=w), 3)
    _, res = cluster(d, INDS, method="zones", k=40, min_population=300_000, spatial_weights=w)
    rows.append(("Zones k=40, floor 300,000 people per zone", f"{floor_t:.3f} s",
                 f"{res.k} zones after {len(res.merges)} merges; smallest zone "
                 f"{res.profiles['population'].min():,.0f} people"))
    auto_t = best_of(lambda: cluster(d, INDS, method="zones", spatial_weights=w), 3)
    rows.append(("Zones k='auto' (silhouette over 3..12)", f"{auto_t:.3f} s", ""))

    if "--skip-skater" not in sys.argv:
        rows.extend(skater_rows(d, w, z, ssw))

    print("| what | geoprio | notes |")
    print("|---|---|---|")
    for what, value, note in rows:
        print(f"| {what} | {value} | {note} |")


def skater_rows(d, w, z: np.ndarray, ssw: float) -> list[tuple[str, str, str]]:
    try:
        from sklearn.metrics import pairwise as skm
        from spopt.region import Skater
    except ImportError as exc:
        return [("SKATER k=8 (spopt)", "n/a", f"spopt not importable: {exc}")]
    import geopandas as gpd

    gdf = gpd.GeoDataFrame({f"a{j}": z[:, j] for j in range(z.shape[1])},
                           geometry=d.geometry.values, crs=d.crs)
    attrs = [f"a{j}" for j in range(z.shape[1])]
    out = []
    for name, kwds in (
        ("squared Euclidean", {"dissimilarity": lambda a, b=None: skm.euclidean_distances(
            a, b, squared=True)}),
        ("default (Manhattan)", {}),
    ):
        t = time.perf_counter()
        model = Skater(gdf, w.w, attrs, n_clusters=8, spanning_forest_kwds=kwds)
        model.solve()
        took = time.perf_counter() - t
        sk = within_ss(z, np.asarray(model.labels_))
        out.append((f"SKATER k=8 (spopt), {name}", f"{took:.1f} s",
                    f"within-zone SS {sk:.1f}; geoprio zones / SKATER = {ssw / sk:.3f}"))
    return out


if __name__ == "__main__":
    main()
