"""Time and memory of the bounded readers on ordinary and worst-case user files.

Run: ``python benchmarks/bench_hostile.py``; prints a Markdown table. Each case runs in a fresh
child process so that its peak memory (``ru_maxrss``) is its own:

* an XLSX of the 1,874 districts with 60 indicator columns, read by ``geoprio.read_table``
  (the bounded reader of ``geoprio.xlsx``) and by ``pandas.read_excel(engine="calamine")``;
* the largest sheet the limits let through (``MAX_VALUES`` = 500,000 numbers) and one
  just above them (refused);
* 2,000,000 formatting-only cells (refused at ``MAX_CELL_ELEMENTS``, 1,000,000);
* the issue's 4.7 KB workbook with a value in XFD1048576 (refused; calamine aborts);
* the byte scan of a 50 MB GeoJSON before GDAL opens it (``geoprio.formats.check_geojson``).
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
from geoprio import formats
from pathlib import Path
kind, path = sys.argv[1], sys.argv[2]
t = time.perf_counter()
try:
    if kind == "geoprio":
        out = len(geoprio.read_table(path))
    elif kind == "calamine":
        out = len(pd.read_excel(path, engine="calamine", header=None))
    else:
        out = formats.check_geojson(Path(path), "x")["depth"]
except geoprio.errors.GeoprioError as exc:
    out = "refused: " + str(exc)[:60]
secs = time.perf_counter() - t
print(json.dumps({{"secs": secs, "out": out,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run(kind: str, path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), kind, str(path)],
                          capture_output=True, text=True, timeout=900, check=False)
    if proc.returncode != 0:
        return {"secs": float("nan"), "out": f"exit {proc.returncode}", "rss_mb": float("nan")}
    return json.loads(proc.stdout)


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
        print("| file | reader | seconds | peak RSS (MB) | result |\n|---|---|---:|---:|---|")
        for name, kind, path in cases:
            r = run(kind, path)
            print(f"| {name} | {kind} | {r['secs']:.2f} | {r['rss_mb']:.0f} | {r['out']} |")


if __name__ == "__main__":
    main()
