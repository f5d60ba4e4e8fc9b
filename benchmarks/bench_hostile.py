"""Time and memory of the bounded readers on ordinary and worst-case user files.

Run: ``python benchmarks/bench_hostile.py`` (``--round3``: only issue 21's cases, each in a
process capped at 3 GiB of address space like production's); prints a Markdown table. Each
case runs in a fresh child process so that its peak memory (``ru_maxrss``) is its own:

* an XLSX of the 1,874 districts with 60 indicator columns, read by ``geoprio.read_table``
  (the bounded reader of ``geoprio.readers.xlsx``) and by ``pandas.read_excel(engine="calamine")``;
* the largest sheet the limits let through (``MAX_VALUES`` = 500,000 numbers) and one
  just above them (refused);
* 2,000,000 formatting-only cells (refused at ``MAX_CELL_ELEMENTS``, 1,000,000);
* the issue's 4.7 KB workbook with a value in XFD1048576 (refused; calamine aborts);
* the byte scan of a 50 MB GeoJSON before GDAL opens it (``geoprio.readers.formats.check_geojson``);
* issue 21: the 90 kB table whose 1,874 codes come four times, read and joined with its
  problem list in ``attrs`` as a plain dict (before) and as a shared ``ReadReport`` (after);
  a 49 MB CSV of 20,000 columns; the 1.1 MB GeoTIFF of 990 million pixels read whole (before)
  and within ``UPLOAD_PIXELS`` (after); a GeoPackage with a generated column read by GDAL
  directly (before) and by ``read_boundaries`` (refused); two self-crossing star polygons
  read in this process (before) and in the limited child (after); a link of 19,000 unknown
  ids suggested for all (before) and for the first five (after).

Peak RSS is the case's process or its reading child, whichever is larger.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "data" / "bad"))

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
import geoprio, pandas as pd
from geoprio.readers import formats
from geoprio.readers import isolated
from geoprio.engine import scenario
from pathlib import Path
kind, path = sys.argv[1], sys.argv[2]


def join(as_dict):
    t = geoprio.read_table(path)
    if as_dict:  # the problem list as a plain dict in attrs, as before issue 21
        t.attrs["read"] = t.attrs["read"].to_dict()
    d = geoprio.load_districts()
    start = time.process_time()
    geoprio.join_indicators(d, t)
    return f"joined, {{time.process_time() - start:.1f}} s of CPU"


def zonal(budget):
    z = geoprio.zonal_stats(geoprio.load_districts(), path, stats=["mean", "count"],
                            pixel_budget=budget)
    return f"factor {{z.attrs['zonal']['factor']}}, mean {{z['mean'].mean():.1f}}"


def suggest(bound):
    if not bound:  # every unknown id compared and named, as before issue 21
        scenario.MAX_SUGGESTED = scenario.MAX_UNKNOWN_SHOWN = 10**9
    scenario.Scenario.from_token(Path(path).read_text(), catalog=geoprio.catalog())


CASES = {{
    "geoprio": lambda: len(geoprio.read_table(path)),
    "calamine": lambda: len(pd.read_excel(path, engine="calamine", header=None)),
    "scan": lambda: formats.check_geojson(Path(path), "x")["depth"],
    "join (attrs dict)": lambda: join(True),
    "join (ReadReport)": lambda: join(False),
    "pandas": lambda: pd.read_csv(path).shape[1],
    "zonal_stats whole": lambda: zonal(None),
    "zonal_stats, UPLOAD_PIXELS": lambda: zonal(100_000_000),
    "GDAL directly": lambda: len(__import__("pyogrio").read_dataframe(path)),
    "read_boundaries": lambda: len(geoprio.read_boundaries(path)),
    "isolated.read_boundaries": lambda: len(isolated.read_boundaries(
        Path(path).read_bytes(), name=Path(path).name)),
    "difflib for every id": lambda: suggest(False),
    "difflib for five": lambda: suggest(True),
}}
t = time.perf_counter()
try:
    out = CASES[kind]()
except geoprio.errors.GeoprioError as exc:
    out = "refused: " + str(exc)[:60]
except MemoryError:
    out = "MemoryError"
secs = time.perf_counter() - t
rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
          resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({{"secs": secs, "out": out, "rss_mb": rss / 1024}}))
"""


def run(kind: str, path: Path, cap: int | None = None) -> dict:
    """One case in a fresh process; ``cap`` bytes of address space (production: 3 GiB)."""
    code = CHILD.format(root=str(ROOT))
    if cap:
        code = (f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))\n"
                + code)
    try:
        proc = subprocess.run([sys.executable, "-c", code, kind, str(path)],
                              capture_output=True, text=True, timeout=900, check=False)
    except subprocess.TimeoutExpired:
        return {"secs": float("nan"), "out": "stopped after 900 s", "rss_mb": float("nan")}
    if proc.returncode != 0:
        return {"secs": float("nan"), "out": f"exit {proc.returncode}", "rss_mb": float("nan")}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def wide_csv(columns: int, megabytes: int) -> bytes:
    head = "ubigeo," + ",".join(f"c{i}" for i in range(columns - 1)) + "\n"
    row = ",".join(["1"] * (columns - 1)) + "\n"
    n = megabytes * 2**20 // (len(row) + 7)
    return (head + "".join(f"{10101 + i % 1874:06d},{row}" for i in range(n))).encode()


def round3(t: Path) -> list[tuple[str, str, Path]]:
    """The cases of issue 21 (hostile inputs, round 3)."""
    import make_corpus

    bad = ROOT / "tests" / "data" / "bad"
    (t / "wide.csv").write_bytes(wide_csv(20_000, 49))
    make_corpus.fine_geotiff(t / "fine.tif")
    (t / "stars.geojson").write_bytes(make_corpus.star_polygons())
    return [
        ("90 kB CSV, 1,874 codes x 4", "join (attrs dict)", bad / "repeated_codes.csv"),
        ("90 kB CSV, 1,874 codes x 4", "join (ReadReport)", bad / "repeated_codes.csv"),
        ("49 MB CSV of 20,000 columns", "pandas", t / "wide.csv"),
        ("49 MB CSV of 20,000 columns", "geoprio", t / "wide.csv"),
        ("1.1 MB GeoTIFF, 990 Mpx", "zonal_stats whole", t / "fine.tif"),
        ("1.1 MB GeoTIFF, 990 Mpx", "zonal_stats, UPLOAD_PIXELS", t / "fine.tif"),
        ("GeoPackage, generated column", "GDAL directly", bad / "gpkg_generated_column.gpkg"),
        ("GeoPackage, generated column", "read_boundaries", bad / "gpkg_generated_column.gpkg"),
        ("2 self-crossing stars, 1,201 vertices each", "read_boundaries", t / "stars.geojson"),
        ("2 self-crossing stars, 1,201 vertices each", "isolated.read_boundaries",
         t / "stars.geojson"),
        ("link of 19,000 unknown ids", "difflib for every id", bad / "unknown_ids.token"),
        ("link of 19,000 unknown ids", "difflib for five", bad / "unknown_ids.token"),
    ]


def sheet(rows: int, cols: int) -> bytes:
    import make_corpus

    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    head = "".join(f'<c t="inlineStr"><is><t>v{c}</t></is></c>' for c in range(cols - 1))
    body = [f'<row r="1"><c t="inlineStr"><is><t>ubigeo</t></is></c>{head}</row>']
    for r in range(rows):
        cells = "".join(f"<c><v>{(r * 7 + c) % 1000 / 10}</v></c>" for c in range(cols - 1))
        body.append(f'<row r="{r + 2}"><c t="inlineStr"><is><t>{10101 + r % 1874:06d}</t>'
                    f"</is></c>{cells}</row>")
    xml = f'<worksheet xmlns="{ns}"><sheetData>{"".join(body)}</sheetData></worksheet>'
    return make_corpus._xlsx(xml)


def styled(rows: int, cols: int) -> bytes:
    import make_corpus

    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    import random

    rng = random.Random(0)  # varied style ids, so that the zip is not refused for its ratio
    body = "".join(f'<row r="{r + 1}">' + "".join(f'<c s="{rng.randrange(1000)}"/>'
                                                  for _ in range(cols)) + "</row>"
                   for r in range(rows))
    return make_corpus._xlsx(f'<worksheet xmlns="{ns}"><sheetData>{body}</sheetData>'
                             "</worksheet>")


def geojson(megabytes: int) -> bytes:
    ring = [[-77.0 + i * 1e-4, -12.0 + (i % 7) * 1e-4] for i in range(400)]
    feature = {"type": "Feature", "properties": {"ubigeo": "150101", "nombre": "Lima [x]"},
               "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}}
    one = json.dumps(feature)
    n = megabytes * 2**20 // len(one)
    return ('{"type": "FeatureCollection", "features": [' + ", ".join([one] * n) +
            "]}").encode()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "districts.xlsx").write_bytes(sheet(1874, 61))
        (t / "max.xlsx").write_bytes(sheet(4_949, 101))
        (t / "over.xlsx").write_bytes(sheet(4_950, 101))
        (t / "styled.xlsx").write_bytes(styled(2_000, 1_001))
        (t / "big.geojson").write_bytes(geojson(50))
        last = ROOT / "tests" / "data" / "bad" / "last_cell.xlsx"
        cases = [
            ("1,874 x 61 XLSX", "geoprio", t / "districts.xlsx"),
            ("1,874 x 61 XLSX", "calamine", t / "districts.xlsx"),
            ("4,950 x 101 XLSX (499,950 values)", "geoprio", t / "max.xlsx"),
            ("4,950 x 101 XLSX (499,950 values)", "calamine", t / "max.xlsx"),
            ("4,951 x 101 XLSX (500,051 values)", "geoprio", t / "over.xlsx"),
            ("2,000 x 1,001 XLSX of styled empty cells", "geoprio", t / "styled.xlsx"),
            ("4.7 KB XLSX, value in XFD1048576", "geoprio", last),
            ("4.7 KB XLSX, value in XFD1048576", "calamine", last),
            ("50 MB GeoJSON, byte scan", "scan", t / "big.geojson"),
        ]
        if "--round3" in sys.argv:  # only the cases of issue 21, each capped at 3 GiB
            cases = round3(t)
        print("| file | reader | seconds | peak RSS (MB) | result |\n|---|---|---:|---:|---|")
        for name, kind, path in cases:
            r = run(kind, path, cap=3 * 2**30 if "--round3" in sys.argv else None)
            print(f"| {name} | {kind} | {r['secs']:.2f} | {r['rss_mb']:.0f} | {r['out']} |",
                  flush=True)


if __name__ == "__main__":
    main()
