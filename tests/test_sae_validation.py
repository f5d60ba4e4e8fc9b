"""The small-area validation published in the methodology, rederived; the CLI and the example.

``docs/sae_validation.py`` is rerun with its seed at the published size (25 replicates of 100
districts, for stunting and anaemia) and every figure of the two tables of section 3.14, in
``methodology.md`` and ``metodologia.md``, must equal the rerun to its last printed digit.
The residual checks of section 3.13 are recomputed the same way.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import geoprio
from geoprio.cli import main

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "docs"))
import sae_validation  # noqa: E402

sys.path.remove(str(REPO / "docs"))

ES_METHODS = {"tasa bruta": "raw", "BE global": "eb", "BE espacial": "spatial_eb",
              "Fay–Herriot": "fh", "FH con la tasa 2019": "fh_2019"}
EN_METHODS = {"raw rate": "raw", "global EB": "eb", "spatial EB": "spatial_eb",
              "Fay–Herriot": "fh", "FH with the 2019 rate": "fh_2019"}


def published(path: Path, heading: str, methods: dict[str, str]) -> list[pd.DataFrame]:
    """The two tables of section 3.14 of a methodology file, as numbers."""
    text = path.read_text(encoding="utf-8")
    section = text[text.index(heading):]
    section = section[:section.index("\n## ")]
    tables = []
    for block in re.findall(r"((?:^\|.*\|\n)+)", section, re.M):
        rows = [[c.strip() for c in line.strip("|").split("|")] for line in block.splitlines()]
        body = [r for r in rows[2:]]
        num = lambda c: float(c.replace(",", ".").rstrip("%"))  # noqa: E731
        tables.append(pd.DataFrame({
            "n_s": [int(r[0]) for r in body], "method": [methods[r[1]] for r in body],
            "rmse": [num(r[2]) for r in body], "mae": [num(r[3]) for r in body],
            "coverage": [num(r[4]) for r in body], "width": [num(r[5]) for r in body]}))
    return tables


@pytest.fixture(scope="module")
def rerun(districts) -> dict[str, pd.DataFrame]:
    return {name: sae_validation.summary(sae_validation.study(districts, name))
            for name in sae_validation.INDICATORS}


@pytest.mark.slow
@pytest.mark.parametrize("path, heading, methods", [
    (REPO / "docs" / "methodology.md", "### 3.14 Validation", EN_METHODS),
    (REPO / "docs" / "metodologia.md", "### 3.14 Validación", ES_METHODS),
])
def test_published_validation_tables_are_rederived(rerun, path, heading, methods):
    tables = published(path, heading, methods)
    assert len(tables) == 2
    for name, table in zip(("stunting", "anemia"), tables, strict=True):
        ours = rerun[name]
        assert list(table["method"]) == [str(m) for m in ours["method"]]
        assert list(table["n_s"]) == list(ours["n_s"])
        for col in ("rmse", "mae", "width"):  # one decimal
            assert np.abs(table[col].to_numpy() - ours[col].to_numpy()).max() <= 0.051, col
        assert np.abs(table["coverage"].to_numpy() - 100 * ours["coverage"].to_numpy()
                      ).max() <= 0.51


@pytest.mark.slow
def test_fh_beats_eb_for_stunting_not_for_anaemia(rerun):
    """The conclusions the methodology draws, read off the rerun itself."""
    s = rerun["stunting"].set_index(["n_s", "method"])
    for n_s in sae_validation.SIZES:
        assert s.loc[(n_s, "fh"), "rmse"] < s.loc[(n_s, "eb"), "rmse"]
        assert s.loc[(n_s, "fh"), "rmse"] < s.loc[(n_s, "spatial_eb"), "rmse"]
        assert s.loc[(n_s, "fh"), "coverage"] >= 0.88
    assert s.loc[(10, "fh_2019"), "coverage"] < 0.6
    a = rerun["anemia"].set_index(["n_s", "method"])
    assert a.loc[(10, "fh"), "rmse"] > a.loc[(10, "spatial_eb"), "rmse"]


def test_residual_checks_of_the_methodology(districts):
    c = sae_validation.model_checks(districts)
    linear = [abs(a) for a, _ in c["covariates"].values()]
    square = [abs(b) for _, b in c["covariates"].values()]
    assert max(linear) < 0.02 and max(square) < 0.06
    assert c["covariates"]["altitude_km"][1] == pytest.approx(0.060, abs=0.005)
    assert round(float(c["department_mean"].abs().max()), 2) == 0.08
    assert round(float(c["poverty_quintile_mean"].abs().max()), 2) == 0.07
    assert (round(c["moran_i"], 3), c["moran_p"]) == (0.151, 0.001)
    z = c["z"].dropna()
    assert len(z) == 1839 and round(float(z.std()), 3) == 1.035


def test_cli_small_area_writes_every_district(tmp_path, capsys):
    out = tmp_path / "fh.csv"
    code = main(["small-area", "stunted_u5_2022", "evaluated_u5_2022", "--covariates",
                 "poverty_2018,altitude_km,department", "--percent", "--benchmark", "endes",
                 "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "1874 districts, 35 without children measured (synthetic)" in printed
    assert "covariates poverty_2018, altitude_km, department (24 indicators)" in printed
    t = pd.read_csv(out, dtype={"ubigeo": str})
    assert len(t) == 1874 and t["estimate"].notna().all() and t["benchmarked"].notna().all()
    direct = geoprio.small_area(geoprio.load_districts(), "stunted_u5_2022",
                                "evaluated_u5_2022", ["poverty_2018", "altitude_km",
                                                     "department"], scale=100)
    assert np.abs(t["estimate"].to_numpy() - direct["estimate"].to_numpy()).max() < 1e-9


def test_cli_small_area_names_a_bad_covariate(tmp_path, capsys):
    code = main(["small-area", "stunted_u5_2022", "evaluated_u5_2022", "--covariates",
                 "pobreza", "--out", str(tmp_path / "x.csv")])
    assert code == 2
    err = capsys.readouterr().err
    assert "geoprio small-area: covariates ['pobreza'] are neither columns" in err
    assert not (tmp_path / "x.csv").exists()


def test_small_area_example(tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / "examples" / "small_area_stunting.py")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(REPO), "PATH": ""})
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert ("covariates chosen by BIC: hdi_2019, altitude_km, no_electricity_2017, "
            "log_under5_2020, no_health_insurance_2017, illiteracy_2017, poverty_2018 and the "
            "department") in out
    assert "R2 0.741" in out
    assert "010102 ASUNCIÓN: 1 of 6 stunted: raw 16.7%, EB 15.7%, FH 16.7% (10.2-24.0)" in out
    assert "35 districts without a child measured" in out
    assert "020104 HUANCHAY: 20.2% (12.8-28.2), synthetic" in out
    assert "Lima's estimates x 0.539, Huancavelica's x 1.212" in out
    assert "written desnutricion_fh.csv in " in out and "(1874 districts)" in out
    assert (tmp_path / "geoprio_salidas" / "desnutricion_fh.csv").exists()
