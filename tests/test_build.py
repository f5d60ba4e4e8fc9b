"""The data build: deterministic, and the committed data/ is exactly what it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from geoprio.build import build
from geoprio.build import sources as src
from geoprio.errors import DataBuildError

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def fresh(sources, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("data")
    build(sources, out)
    return out


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_committed_data_equals_a_fresh_build_byte_for_byte(fresh):
    committed = _files(DATA)
    assert committed == _files(fresh)
    changed = [f for f in committed if (DATA / f).read_bytes() != (fresh / f).read_bytes()]
    assert changed == [], "run 'python -m geoprio.build' and commit data/"


def test_build_is_deterministic(sources, fresh, tmp_path):
    build(sources, tmp_path)
    for name in _files(fresh):
        assert (tmp_path / name).read_bytes() == (fresh / name).read_bytes(), name


def test_validation_report_counts_and_cross_checks(fresh):
    report = json.loads((fresh / "validation.json").read_text(encoding="utf-8"))
    assert report["counts"]["districts"] == 1874
    assert report["counts"]["provinces"] == 196
    assert report["counts"]["departments"] == 25
    assert report["missing"]["stunting_u5_2019"]["count"] == 9
    assert len(report["suspicious"]["zero_water_coverage"]) == 10
    assert report["overlaps"]["overlaps_over_sliver"] == []
    assert "040311" in {z["ubigeo"] for z in report["suspicious"]["zero_water_coverage"]}


def test_validation_compares_with_figures_typed_from_their_publications(fresh):
    report = json.loads((fresh / "validation.json").read_text(encoding="utf-8"))
    checks = {c["check"]: c for c in report["cross_checks"]}
    # MINSA REUNIS 2020, the population file's own national row (PERU, 000000)
    u5 = checks["under5_2020: sum of the 1,874 districts"]
    assert (u5["shipped"], u5["published"], u5["difference"]) == (2_788_624, 2_788_624, 0)
    u3 = checks["under3_2020: sum of the 1,874 districts"]
    assert (u3["shipped"], u3["published"]) == (1_613_102, 1_613_102)
    # INEI census 2017: 78.3% of occupied dwellings with public-network water; not the same
    # base as the shipped household shares, and the note says so
    water = checks["water: 100 − no_water_2017, districts weighted by pop_2017"]
    assert water["published"] == 78.3
    assert 0 < water["difference"] < 1
    assert "not the same base" in water["note"]
    # INEI census profile: rural 20.7%, illiteracy 5.9%, uninsured 24.5%
    assert checks["rural_share_2017, weighted by pop_2017"]["published"] == 20.7
    assert checks["illiteracy_2017, weighted by pop_2017"]["published"] == 5.9
    assert abs(checks["no_health_insurance_2017, weighted by pop_2017"]["difference"]) < 0.1
    # INS SIEN-HIS 2022 national row: 1,501,434 under-5s evaluated, 230,291 stunted
    assert checks["evaluated_u5_2022: sum of districts"]["shipped"] == 1_501_434
    assert checks["stunted_u5_2022: sum of districts"]["shipped"] == 230_291
    assert all(c["source"] and c["note"] for c in report["cross_checks"])


def test_validation_endes_matches_inei_except_2020(fresh):
    rows = json.loads((fresh / "validation.json").read_text(encoding="utf-8"))["endes_checks"]
    off = {(r["year"], r["department_code"], r["indicator"]) for r in rows
           if abs(r["difference"]) > 0.15}
    assert len(rows) == 93
    # INEI's ENDES 2020: Ucayali anaemia 57.2% (the third-party series says 60.8%)
    assert (2020, "25", "anemia_6_35m") in off
    assert {year for year, _, _ in off} == {2020}
    caj = next(r for r in rows if (r["year"], r["department_code"], r["indicator"])
               == (2019, "06", "stunting_u5"))
    assert caj["published"] == 25.6 and caj["difference"] == 0


def test_validation_poverty_rollups_beside_inei_departments(fresh):
    report = json.loads((fresh / "validation.json").read_text(encoding="utf-8"))
    caj = next(d for d in report["poverty_departments"] if d["department_code"] == "06")
    # INEI 2018, Cajamarca: 37.4%-46.3% (group 1); the roll-up of district midpoints is above
    assert caj["inei_2018_interval"] == [37.4, 46.3]
    assert caj["rollup_outside_inei_2018_interval"] is True
    assert caj["rollup_2018"] > 46.3
    bands = report["poverty_bands"]
    assert bands["published"] is None and "not found" in bands["note"]
    assert sum(bands["shipped_midpoints"].values()) == 1874
    md = (fresh / "VALIDATION.md").read_text(encoding="utf-8")
    assert "population-weighted means of the district midpoints" in md
    assert "not in the raw sources" in md


def test_sources_md_states_licences_and_display_tolerance(fresh):
    text = (fresh / "SOURCES.md").read_text(encoding="utf-8")
    for needle in ("MIT (innovar)", "perupobreza2018", "CEPLAN", "REUNIS", "ENDES",
                   "coverage_simplify` at 0.005°", "straight-line", "INS/CENAN",
                   "processed by a third party", "Regional and national rows are left out",
                   "150144*"):
        assert needle in text


def test_missing_codes_become_nan_and_junk_is_refused():
    s = pd.Series(["12.5", "(SD)", "(****)", "", None, "3"], name="x")
    out = src.to_number(s)
    assert out.iloc[0] == 12.5 and out.iloc[5] == 3
    assert out.iloc[1:5].isna().all()
    with pytest.raises(DataBuildError, match="neither numbers nor known missing codes"):
        src.to_number(pd.Series(["1", "abc"], name="col"))


def test_build_names_the_folder_it_needs(tmp_path):
    with pytest.raises(DataBuildError, match="expected the folders indicators/ and boundaries/"):
        build(tmp_path, tmp_path / "out")
