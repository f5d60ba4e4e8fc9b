"""The capacity ``deploy/README.md`` states follows from the CPU ``benchmarks/README.md``
measured (issue 24): a document that states a figure has a test that derives it.

Worked by hand: when N planners press "Aplicar" at the same instant on k cores and each
costs the server c CPU-seconds, the planner at the 95th percentile waits at least
0.95 · N · c / k; within 5 s, N / k ≤ 5 / (0.95 · c).
"""

from __future__ import annotations

import math
import re
import statistics
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BAR_S = 5.0


def _measured_cpu_per_aplicar() -> list[float]:
    text = (REPO / "benchmarks" / "README.md").read_text(encoding="utf-8")
    row = re.search(r"^\| \*\*app CPU per Aplicar\*\*.*$", text, re.MULTILINE)
    assert row, "benchmarks/README.md has no 'app CPU per Aplicar' row"
    return [float(x) for x in re.findall(r"\| \**([\d.]+) s\**", row.group(0))]


def test_the_stated_cpu_per_aplicar_is_the_median_measured():
    deploy = (REPO / "deploy" / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"\*\*([\d.]+) s of CPU per Aplicar\*\*", deploy)
    assert stated, "deploy/README.md states no CPU per Aplicar"
    measured = _measured_cpu_per_aplicar()
    assert len(measured) == 4  # 5 and 10 planners, with two engines: today's are the last
    assert f"{statistics.median(measured[2:]):.2f}" == stated.group(1)


def test_planners_per_core_and_the_cores_for_50_and_200_planners():
    deploy = (REPO / "deploy" / "README.md").read_text(encoding="utf-8")
    cpu = float(re.search(r"\*\*([\d.]+) s of CPU per Aplicar\*\*", deploy).group(1))
    per_core = BAR_S / (0.95 * cpu)
    assert f"a core serves **{per_core:.1f} planners**" in deploy
    rows = re.findall(r"^\| \**(\d+)\** \| \**(\d+)\** \|", deploy, re.MULTILINE)
    table = {int(planners): int(cores) for planners, cores in rows}
    assert sorted(table) == [8, 17, 50, 200]
    for planners, cores in table.items():
        if planners in (50, 200):  # the cores these planners need
            assert cores == math.ceil(planners / per_core), planners
        else:  # the planners these cores serve
            assert planners == math.floor(cores * per_core), cores
    # a core completes this many Aplicar a minute
    assert f"about {round(60 / cpu)} Aplicar a minute" in deploy
