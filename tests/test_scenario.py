"""Tests of geoprio.engine.scenario: validation, TOML/JSON round trips, presets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import geoprio
from geoprio.engine.scenario import Scenario
from geoprio.errors import ScenarioError


@pytest.mark.parametrize("name", ["fonie", "dci", "anemia"])
def test_preset_toml_and_json_round_trip(name, cat):
    s = Scenario.preset(name)
    back = Scenario.from_toml(s.to_toml(), catalog=cat)
    assert back == s
    assert Scenario.from_json(s.to_json(), catalog=cat) == s
    # every preset is valid against the shipped catalog and carries its sources
    assert s.sources and s.caveats and s.description


def test_custom_round_trip_with_budget_and_overrides(tmp_path):
    s = Scenario(
        name="mi escenario", description="prueba con tildes: Huánuco",
        weights={"stunting_u5_2019": 3, "hdi_2019": 1},
        higher_is_worse={"hdi_2019": False}, targets={"stunting_u5_2019": 6.4, "hdi_2019": 0.7},
        normalisation="target", aggregation="geometric", missing="impute",
        rule="10 <= poverty_2018 < 40 and department in ['Huánuco']",
        departments=["Huánuco"], budget=2.5e6, cost_per_beneficiary=120,
        beneficiary_column="under5_2020", need="stunted_children", n_draws=200,
        weight_spread=0.2, seed=11,
    )
    assert s.weights == {"stunting_u5_2019": 3.0, "hdi_2019": 1.0}
    back = Scenario.from_toml(s.to_toml())
    assert back == s
    assert back.cost_per_beneficiary == 120.0 and back.top_n is None
    for suffix in (".toml", ".json"):
        path = s.save(tmp_path / f"s{suffix}")
        assert Scenario.load(path) == s


def test_toml_omits_none_and_keeps_format_tag():
    text = Scenario(weights={"poverty_2018": 1}, top_n=10).to_toml()
    assert text.startswith('format = "geoprio-scenario/1"\n')
    assert "budget" not in text and "top_n = 10" in text


def test_validation_reports_all_problems_at_once():
    with pytest.raises(ScenarioError) as info:
        Scenario(weights={"a": -1}, normalisation="ranks", top_n=5, budget=10.0)
    msg = str(info.value)
    assert "weights must be numbers between 0 and 1e+06; got {'a': -1}" in msg
    assert "normalisation must be one of ['minmax', 'zscore', 'rank', 'target']; got 'ranks'" in msg
    assert "give at most one of top_n, threshold, budget; got ['top_n', 'budget']" in msg
    assert "budget needs exactly one of cost_per_district, cost_per_beneficiary; got none" in msg


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": {}}, "weights must be a non-empty table"),
        ({"weights": {"a": 0}}, "at least one weight must be > 0"),
        ({"weights": {"a": 1}, "top_n": 2.5},
         "top_n must be an integer from 1 to 1000000; got 2.5"),
        ({"weights": {"a": 1}, "rule": "open('x')"}, "forbidden in rule: function call"),
        ({"weights": {"a": 1}, "higher_is_worse": {"b": True}},
         r"higher_is_worse names indicators that have no weight: \['b'\]"),
        ({"weights": {"a": 1}, "normalisation": "target"},
         r"normalisation='target' needs targets for \['a'\]"),
        ({"weights": {"a": 1}, "cost_per_beneficiary": 3.0},
         "cost_per_beneficiary needs beneficiary_column"),
        ({"weights": {"a": 1}, "weight_spread": 1.5},
         r"weight_spread must be 0 \(fixed weights\) or a number in \[0.001, 1\)"),
        ({"weights": {"a": 1}, "seed": -1}, "seed must be an integer from 0 to 4294967295; got -1"),
        ({"weights": {"a": 1}, "quintiles": "households"},
         r"quintiles must be one of \['districts', 'population'\]"),
    ],
)
def test_validation_messages(kwargs, message):
    with pytest.raises(ScenarioError, match=message):
        Scenario(**kwargs)


def test_unknown_fields_and_ids(cat):
    with pytest.raises(ScenarioError, match=r"unknown scenario fields \['wieghts'\]"):
        Scenario.from_dict({"wieghts": {"a": 1}})
    with pytest.raises(ScenarioError, match=r"uses unknown ids: 'stunting_2019' \(did you mean "
                                            r"'stunting_u5_2019'"):
        Scenario(weights={"stunting_2019": 1}).validate(catalog=cat)
    with pytest.raises(ScenarioError, match="uses unknown ids: 'vrame'"):
        Scenario.from_toml('weights = {poverty_2018 = 1}\nrule = "vrame"\n', catalog=cat)
    # an uploaded indicator is fine once it is a column of the frame
    s = Scenario(weights={"hogares_inclusion": 1}, rule="hogares_inclusion > 50")
    assert s.validate(catalog=cat, columns=["hogares_inclusion"]) is s


def test_bad_toml_and_file_names(tmp_path):
    with pytest.raises(ScenarioError, match="scenario TOML cannot be read"):
        Scenario.from_toml("weights = {")
    with pytest.raises(ScenarioError, match=r"must end in \.toml or \.json; got 's.yaml'"):
        Scenario(weights={"a": 1}).save(tmp_path / "s.yaml")
    with pytest.raises(ScenarioError, match="preset must be one of"):
        Scenario.preset("juntos")


def test_fonie_preset_content():
    s = Scenario.preset("FONIE")
    # equal weights, written as the sliders show them: a fifth each
    assert s.weights == {"no_water_2017": 0.2, "no_sewer_2017": 0.2, "no_electricity_2017": 0.2,
                         "rural_no_mobile_2017": 0.2, "poverty_2018": 0.2}
    assert s.top_n is None and s.budget is None and s.threshold is None  # every eligible one
    assert any("Caminos rurales: sin datos distritales" in c for c in s.caveats)
    assert s.rule == "poverty_quintile_2018 <= 2 or vraem or border"
    assert s.quintiles == "districts"
    assert "proceso de inclusión" in s.description
    assert any("súbalo como indicador" in c for c in s.caveats)
    assert any("DS 004-2013-MIDIS" in src for src in s.sources)


def test_dci_and_anemia_presets():
    dci = Scenario.preset("dci")
    assert set(dci.weights) == {"stunting_u5_2022_fh", "anemia_6_35m_2022_eb", "poverty_2018",
                                "no_water_2017", "no_sewer_2017"}
    assert dci.rule == "stunting_u5_2022_fh >= 0"
    assert sum(dci.weights.values()) == pytest.approx(1.0)
    assert dci.need == "stunted_children"
    an = Scenario.preset("anemia")
    assert max(an.weights, key=an.weights.get) == "anemia_6_35m_2022_eb"
    assert an.missing == "exclude"


def test_fonie_eligibility_on_real_data_matches_pandas():
    d = pd.DataFrame(geoprio.load_districts().drop(columns="geometry"))
    out = geoprio.prioritize(d, Scenario.preset("fonie").replace(n_draws=0))
    # quintiles by number of districts: the 40% poorest (ties kept together)
    r = d["poverty_2018"].rank(ascending=False, method="min")
    q = np.floor(5 * (r - 1) / len(d)) + 1
    expected = (q <= 2) | d["vraem"] | d["border"]
    assert out["eligible"].tolist() == expected.tolist()
    # 40% of 1,874 is 749.6: positions 1-750, plus the district tied at 39.2% with the 750th
    assert int((q <= 2).sum()) == 751
    # the list is every eligible district (Ley 29951 names VRAEM and border districts)
    assert int(out["selected"].sum()) == int(expected.sum()) == 800


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252", "utf-8"])
def test_scenario_files_as_offices_save_them(tmp_path, encoding):
    s = Scenario(name="Huánuco rural", weights={"poverty_2018": 1}, departments=["Huánuco"])
    path = tmp_path / "escenario.toml"
    path.write_bytes(s.to_toml().encode(encoding))
    assert Scenario.load(path) == s
    path = tmp_path / "escenario.json"
    path.write_bytes(s.to_json().encode(encoding))
    assert Scenario.load(path) == s


@pytest.mark.parametrize(
    ("text", "suffix", "message"),
    [
        ('{"weights": ' * 5000 + "1" + "}" * 5000, ".json", "nested too deeply"),
        ('{"weights": {"a": {"b": {"c": 1}}}}', ".json", r"\['weights'\] are nested too deeply"),
        ("weights = " + "[" * 3000 + "]" * 3000, ".toml", "nested too deeply|cannot be read"),
        ('{"weights": {"poverty_2018": 1' + "0" * 500 + "}}", ".json",
         r"weights must be numbers between 0 and 1e\+06; got \{'poverty_2018': 1000"),
        ('{"weights": {"poverty_2018": 1}, "n_draws": 100000000}', ".json",
         "n_draws must be an integer from 0 to 10000"),
        ('{"weights": {"poverty_2018": 1}, "weight_spread": 1e-300}', ".json",
         r"weight_spread must be 0 \(fixed weights\) or a number in \[0.001, 1\)"),
        ('{"weights": {"poverty_2018": 1}, "seed": 1' + "0" * 40 + "}", ".json",
         "seed must be an integer from 0 to 4294967295"),
    ],
)
def test_hostile_scenario_files_give_one_short_error(tmp_path, text, suffix, message):
    path = tmp_path / f"s{suffix}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=message) as caught:
        Scenario.load(path)
    assert str(caught.value).startswith(f"s{suffix}: ")
    assert len(str(caught.value)) < 600


def test_scenario_path_that_is_not_a_file(tmp_path):
    folder = tmp_path / "dir.toml"
    folder.mkdir()
    with pytest.raises(ScenarioError, match=r"dir\.toml: is a folder"):
        Scenario.load(folder)
    with pytest.raises(ScenarioError, match=r"scenario file not found: nada\.toml"):
        Scenario.load(tmp_path / "nada.toml")
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * 1_100_000, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"big\.toml: 1,100,002 bytes; a scenario file is "
                                            r"at most 1,000,000 bytes"):
        Scenario.load(big)


def test_token_from_a_hostile_link():
    import base64
    import json
    import zlib

    deep = json.dumps({"weights": {"poverty_2018": 1}, "rule": "", "name": "x" * 10})
    ok = base64.urlsafe_b64encode(zlib.compress(deep.encode())).decode()
    assert Scenario.from_token(ok).name == "x" * 10
    bomb = base64.urlsafe_b64encode(zlib.compress(b"[" * 900_000 + b"]" * 900_000)).decode()
    with pytest.raises(ScenarioError, match=r"damaged|nested too deeply|a table of fields"):
        Scenario.from_token(bomb)
    with pytest.raises(ScenarioError, match="too long"):
        Scenario.from_token("A" * 200_000)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"weights": {"geometry": 1}}, "geometry"),
    ({"weights": {"poverty_2018": 1, "score": 1}}, "score"),
    ({"weights": {"poverty_2018": 1}, "rule": "geometry == 'x'"}, "geometry"),
    ({"weights": {"poverty_2018": 1}, "rule": "rank <= 10"}, "rank"),
])
def test_geoprio_columns_are_not_indicators(kwargs, name):
    with pytest.raises(ScenarioError, match=rf"\['{name}'\] are geoprio's own columns"):
        Scenario(**kwargs)
    assert Scenario(weights={"poverty_2018": 1}, rule="ubigeo == '010101'").rule
