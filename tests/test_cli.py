"""The geoprio command gives the same results as the Python API."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import geoprio
from geoprio.cli import main
from geoprio.engine.scenario import Scenario


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geoprio.cli", *args], capture_output=True,
                          text=True)


def test_rank_writes_every_district_equal_to_the_api(tmp_path):
    out = tmp_path / "dci.csv"
    assert main(["rank", "--preset", "dci", "--top", "100", "--draws", "50", "--out",
                 str(out)]) == 0
    table = pd.read_csv(out, dtype={"ubigeo": str}, encoding="utf-8-sig")
    assert len(table) == 1874
    assert table["selected"].sum() == 100
    scenario = Scenario.preset("dci").replace(top_n=100, n_draws=50)
    api = geoprio.prioritize(geoprio.load_districts(), scenario)
    merged = table.merge(api[["ubigeo", "rank", "score"]], on="ubigeo", suffixes=("", "_api"))
    assert (merged["rank"] == merged["rank_api"]).all()
    assert merged["score"].round(9).equals(merged["score_api"].round(9))


def test_scenario_round_trips_through_the_shell(tmp_path):
    proc = run("scenario", "--preset", "fonie")
    assert proc.returncode == 0
    path = tmp_path / "fonie.toml"
    path.write_text(proc.stdout, encoding="utf-8")
    assert Scenario.load(path) == Scenario.preset("fonie")


def test_rule_error_is_one_line_with_exit_2(tmp_path):
    proc = run("rank", "--preset", "dci", "--rule", "__import__('os').system('true')",
               "--out", str(tmp_path / "x.csv"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("geoprio rank:")
    assert not (tmp_path / "x.csv").exists()


def test_bad_weights_are_named():
    from geoprio.cli import _weights
    from geoprio.errors import GeoprioError

    assert _weights("poverty_2018=0.5, no_water_2017=1") == {"poverty_2018": 0.5,
                                                             "no_water_2017": 1.0}
    with pytest.raises(GeoprioError, match="is not id=weight"):
        _weights("poverty_2018")
    with pytest.raises(GeoprioError, match="'x' is not a number"):
        _weights("poverty_2018=x")


def test_zonal_adds_a_scorable_indicator(tmp_path):
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    # two halves: west of 75°W is 10, east is 30; districts wholly on one side get exactly that
    a = np.where(np.arange(1700)[None, :] < (81.5 - 75) / 0.01, 10.0, 30.0)
    a = np.repeat(a, 1900, axis=0).astype("float32")
    tif = tmp_path / "mitad.tif"
    with rasterio.open(tif, "w", driver="GTiff", height=a.shape[0], width=a.shape[1], count=1,
                       dtype="float32", crs="EPSG:4326",
                       transform=from_origin(-81.5, 0.2, 0.01, 0.01)) as dst:
        dst.write(a, 1)
    out = tmp_path / "z.csv"
    assert main(["zonal", str(tif), "--name", "mitad", "--unit", "u", "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype={"ubigeo": str}, encoding="utf-8-sig").set_index("ubigeo")
    assert len(table) == 1874
    assert table.loc["150101", "mitad"] == 10.0  # Lima, 77°W
    assert table.loc["250204", "mitad"] == 30.0  # Yurúa, 72°W
    cat = pd.read_csv(out.with_suffix(".catalog.csv"))
    assert cat.set_index("id").loc["mitad", "unit"] == "u"


def test_cluster_zones_are_written_for_every_district(tmp_path):
    out = tmp_path / "zonas.csv"
    assert main(["cluster", "--indicators", "poverty_2018,stunting_u5_2019", "--method",
                 "zones", "--k", "6", "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype={"ubigeo": str}, encoding="utf-8-sig")
    assert len(table) == 1874
    assert sorted(table["zone"].dropna().unique()) == [1, 2, 3, 4, 5, 6]
    # the 9 districts without stunting data are left out (and reported), never zero-filled
    missing = geoprio.load_districts()["stunting_u5_2019"].isna().sum()
    assert table["zone"].isna().sum() == missing == 9


def test_hotspots_cli_matches_the_api(tmp_path):
    out = tmp_path / "hs.csv"
    assert main(["hotspots", "anemia_6_35m_2019", "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype={"ubigeo": str}, encoding="utf-8-sig")
    _, result = geoprio.hotspots(geoprio.load_districts(), "anemia_6_35m_2019")
    stable = table["hotspot_anemia_6_35m_2019_stability"] >= 0.9
    labels = table["hotspot_anemia_6_35m_2019"].where(stable, "unstable")
    counts = labels[table["hotspot_anemia_6_35m_2019"].notna()].value_counts().to_dict()
    assert counts == result.counts


def test_check_lists_every_bad_cell_and_exits_1():
    proc = run("check", "tests/data/bad/text_in_numbers.csv")
    assert proc.returncode == 1
    assert "2 problems" in proc.stdout
    assert "'s/d' is not a number" in proc.stdout
    assert "'no reporta' is not a number" in proc.stdout


def test_check_refuses_a_nested_zip_in_one_line():
    proc = run("check", "tests/data/bad/nested.zip")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "geoprio check:" in proc.stderr
