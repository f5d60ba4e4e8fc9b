"""FONIE's simultaneous gaps, counted again by hand with pandas on the shipped data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoprio.cli import main
from geoprio.decide.fonie import FONIE_SECTORS, fonie_gaps
from geoprio.errors import ScenarioError

COLUMNS = {"water": "no_water_2017", "sanitation": "no_sewer_2017",
           "electricity": "rural_no_electricity_2017", "telecom": "rural_no_mobile_2017"}


def by_hand(d: pd.DataFrame, refs: dict[str, float]) -> pd.Series:
    return sum((d[col] > refs[sid]).astype(int) for sid, col in COLUMNS.items())


def test_median_reference_by_hand(table):
    g = fonie_gaps(table)
    refs = {sid: float(table[col].dropna().median()) for sid, col in COLUMNS.items()}
    assert {k: g.attrs["fonie_gaps"][k]["reference"] for k in refs} == pytest.approx(refs)
    count = by_hand(table, refs)
    assert (g["fonie_gap_count"] == count).all()
    assert g["fonie_gap_count"].value_counts().sort_index().tolist() == [387, 377, 389, 366, 355]
    assert int((count >= 3).sum()) == 721
    # medians typed from the data: half the districts lie above each
    assert [round(refs[k], 1) for k in COLUMNS] == [22.5, 61.4, 24.8, 34.4]
    yaguas = g.set_index("ubigeo").loc["160804"]
    assert yaguas["fonie_gap_sectors"] == ["water", "sanitation", "electricity", "telecom"]


def test_missing_sector_is_unknown_not_a_gap(table):
    g = fonie_gaps(table).set_index("ubigeo")
    no_rural = table.loc[table["rural_share_2017"] == 0, "ubigeo"]
    assert len(no_rural) == 68
    rows = g.loc[no_rural]
    assert rows["fonie_gap_electricity"].isna().all()
    assert all("electricity" in u and "roads" in u for u in rows["fonie_gap_unknown"])
    assert (rows["fonie_gap_assessed"] <= 2).all()
    assert g["fonie_gap_assessed"].max() == 4  # roads never assessed without a column


def test_threshold_and_per_sector_reference(table):
    g = fonie_gaps(table, 50.0)
    assert (g["fonie_gap_count"] == by_hand(table, dict.fromkeys(COLUMNS, 50.0))).all()
    assert g["fonie_gap_count"].value_counts().sort_index().tolist() == [581, 738, 348, 117, 90]
    refs = {"water": 10.0, "sanitation": 90.0, "electricity": 50.0, "telecom": 20.0,
            "roads": 0.0}
    g2 = fonie_gaps(table, refs)
    assert (g2["fonie_gap_count"] == by_hand(table, refs)).all()


def test_roads_from_a_user_column(table):
    rng = np.random.default_rng(3)
    f = table.assign(sin_camino=rng.uniform(0, 100, len(table)))
    g = fonie_gaps(f, roads="sin_camino")
    median = float(np.median(f["sin_camino"]))
    assert (g["fonie_gap_roads"] == (f["sin_camino"] > median)).all()
    assert g["fonie_gap_assessed"].max() == 5
    assert "sin_camino" in g.attrs["fonie_gaps"]["roads"]["why"]
    with pytest.raises(ScenarioError, match="roads column 'caminos' is not a column"):
        fonie_gaps(table, roads="caminos")
    with pytest.raises(ScenarioError, match="must be numeric"):
        fonie_gaps(f.assign(sin_camino="x"), roads="sin_camino")
    with pytest.raises(ScenarioError, match="reference must be 'median'"):
        fonie_gaps(table, "mean")
    with pytest.raises(ScenarioError, match="needs the column 'no_water_2017'"):
        fonie_gaps(table.drop(columns="no_water_2017"))
    assert set(FONIE_SECTORS) == {"water", "sanitation", "electricity", "telecom", "roads"}


def test_cli_fonie_gaps(tmp_path, capsys):
    out = tmp_path / "brechas.csv"
    assert main(["fonie-gaps", "--min-gaps", "3", "--out", str(out)]) == 0
    written = pd.read_csv(out, encoding="utf-8-sig", dtype={"ubigeo": str})
    assert len(written) == 721 and (written["fonie_gap_count"] >= 3).all()
    assert "3: 366, 4: 355" in capsys.readouterr().out
    assert main(["fonie-gaps", "--reference", "alto", "--out", str(out)]) == 2


# ---------------------------------------------------------------- issue 20: mutation holes
def _small() -> pd.DataFrame:
    """Three districts, four sectors: the second has no rural population (no electricity or
    mobile figure), the third has a gap everywhere."""
    nan = float("nan")
    return pd.DataFrame({"ubigeo": ["a", "b", "c"],
                         "no_water_2017": [10.0, 30.0, 90.0],
                         "no_sewer_2017": [20.0, 40.0, 95.0],
                         "rural_no_electricity_2017": [5.0, nan, 80.0],
                         "rural_no_mobile_2017": [1.0, nan, 70.0],
                         "roads_gap": [10.0, 20.0, 30.0]}, index=[7, 8, 9])


def test_the_record_of_each_sector():
    out = fonie_gaps(_small(), {"water": 25.0, "sanitation": 25.0, "electricity": 50.0,
                                "telecom": 50.0})
    rec = out.attrs["fonie_gaps"]
    assert rec["water"] == {"column": "no_water_2017", "reference": 25.0,
                            "reference_kind": "threshold", "label_es": "agua",
                            "label_en": "water", "why": FONIE_SECTORS["water"].why}
    assert rec["roads"]["column"] is None and rec["roads"]["reference"] is None
    assert rec["roads"]["why"].startswith("sin datos distritales")
    med = fonie_gaps(_small()).attrs["fonie_gaps"]
    assert med["water"]["reference_kind"] == "median" and med["water"]["reference"] == 30.0
    assert med["electricity"]["reference"] == 42.5   # median of the two known values
    road = fonie_gaps(_small(), roads="roads_gap").attrs["fonie_gaps"]["roads"]
    assert road["column"] == "roads_gap" and road["reference"] == 20.0
    assert road["why"] == "columna del usuario 'roads_gap' (mayor = más brecha)"


def test_counts_lists_and_unknowns_keep_the_index():
    out = fonie_gaps(_small(), 25.0, roads="roads_gap")
    assert out.index.tolist() == [7, 8, 9]
    assert out["fonie_gap_count"].tolist() == [0, 2, 5]   # b's roads (20) are not above 25
    assert out["fonie_gap_assessed"].tolist() == [5, 3, 5]
    assert out["fonie_gap_assessed"].dtype == np.int64 and out["fonie_gap_count"].dtype == np.int64
    assert out["fonie_gap_sectors"].tolist() == [
        [], ["water", "sanitation"], ["water", "sanitation", "electricity", "telecom", "roads"]]
    assert out["fonie_gap_unknown"].tolist() == [[], ["electricity", "telecom"], []]
    assert out["fonie_gap_electricity"].tolist() == [False, pd.NA, True]
    assert str(out["fonie_gap_electricity"].dtype) == "boolean"
    # without roads, roads are unknown everywhere and never counted
    plain = fonie_gaps(_small(), 25.0)
    assert plain["fonie_gap_unknown"].tolist()[0] == ["roads"]
    assert plain["fonie_gap_count"].tolist() == [0, 2, 4]


def test_reference_errors_name_the_problem():
    with pytest.raises(ScenarioError, match=r"^reference names unknown sectors \['agua'\]; "
                                            r"sectors: \['water', 'sanitation', "
                                            r"'electricity', 'telecom', 'roads'\]$"):
        fonie_gaps(_small(), {"agua": 1.0})
    with pytest.raises(ScenarioError, match=r"^reference has no threshold for sector "
                                            r"'sanitation'$"):
        fonie_gaps(_small(), {"water": 1.0})
    with pytest.raises(ScenarioError, match=r"^reference for 'water' must be a finite number; "
                                            r"got nan$"):
        fonie_gaps(_small(), float("nan"))
    with pytest.raises(TypeError, match=r"^districts must be a \(Geo\)DataFrame; got list$"):
        fonie_gaps([1, 2])
    with pytest.raises(ScenarioError, match=r"^roads column 'x' is not a column of the "
                                            r"districts; join your table first "
                                            r"\(geoprio\.join_indicators\)$"):
        fonie_gaps(_small(), roads="x")
    with pytest.raises(ScenarioError, match=r"^sector 'water' needs the column "
                                            r"'no_water_2017'; use geoprio\.load_districts\(\) "
                                            r"or join it$"):
        fonie_gaps(_small().drop(columns="no_water_2017"))
    with pytest.raises(ScenarioError, match=r"^sector 'water': column 'no_water_2017' must be "
                                            r"numeric$"):
        fonie_gaps(_small().assign(no_water_2017=["x", "y", "z"]))
    # a sector with no value anywhere has no median, and that is not an error
    empty = fonie_gaps(_small().assign(rural_no_mobile_2017=float("nan")))
    assert np.isnan(empty.attrs["fonie_gaps"]["telecom"]["reference"])
