"""Speed of ``read_table`` on a large messy CSV (Latin-1, ``;``, decimal commas).

Run: ``python benchmarks/bench_io.py [MB]`` (default 20); prints a Markdown table comparing
``geoprio.read_table`` (which also checks every cell and reports problems) with a plain
``pandas.read_csv`` told the format in advance.
"""

from __future__ import annotations

import io
import sys
import time

import numpy as np
import pandas as pd

import geoprio
from geoprio.data.shipped import load_codes


def messy_csv(megabytes: float, seed: int = 0) -> tuple[bytes, int]:
    rng = np.random.default_rng(seed)
    codes = load_codes().query("scheme == 'inei'")["code"].to_numpy()
    n = int(megabytes * 2**20 / 41)
    c = codes[rng.integers(0, len(codes), n)]
    year = rng.integers(2000, 2024, n)
    value = rng.random(n) * 100
    pop = rng.integers(100, 900_000, n)
    lines = ["UBIGEO;Año;Indicador (%);Población;Distrito"] + [
        f"{c[i]};{year[i]};{value[i]:.2f};{pop[i]};Distrito {i % 1874} áé" for i in range(n)]
    return "\n".join(lines).replace(".", ",").encode("latin-1"), n


def main() -> None:
    megabytes = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    data, n = messy_csv(megabytes)
    start = time.perf_counter()
    table = geoprio.read_table(data, name="big.csv")
    ours = time.perf_counter() - start
    start = time.perf_counter()
    pd.read_csv(io.BytesIO(data), sep=";", encoding="latin-1", decimal=",")
    plain = time.perf_counter() - start
    print(f"{len(data) / 2**20:.1f} MB, {n:,} rows; problems found: "
          f"{table.attrs['read']['problem_counts']}\n")
    print("| reader | seconds |\n|---|---:|")
    print(f"| geoprio.read_table (detects encoding, separator, decimals; checks cells) "
          f"| {ours:.2f} |")
    print(f"| pandas.read_csv (format given) | {plain:.2f} |")


if __name__ == "__main__":
    main()
