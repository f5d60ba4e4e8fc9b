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
    checks = {c["check"]: c for c in report["cross_checks"]}
    assert checks["under5_2020 (sum)"]["difference"] == 0
    water = checks["100 - no_water_2017, weighted by pop_2017"]
    assert abs(water["difference"]) < 0.5  # 78.9 against the published 79.1
    assert report["overlaps"]["overlaps_over_sliver"] == []
    assert "040311" in {z["ubigeo"] for z in report["suspicious"]["zero_water_coverage"]}


def test_sources_md_states_licences_and_display_tolerance(fresh):
    text = (fresh / "SOURCES.md").read_text(encoding="utf-8")
    for needle in ("MIT (innovar)", "perupobreza2018", "CEPLAN", "REUNIS", "ENDES",
                   "coverage_simplify` at 0.005°", "straight-line"):
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
