"""Texts that cost time by their length alone (issue 21, item 2).

- Every text a user writes into geoprio is bounded where it enters
(:mod:`geoprio.readers.textbounds`):
  a scenario's name, description, sources, caveats and places from a link, TOML or JSON; an
  indicator's label, unit, source and notes from an upload or a zonal statistic. Each refusal
  is one line naming the field, its length and the bound.
- Fitting text into the PDF sheet costs what fits, not what was given: ``_clip`` is checked
  against the old one-character-at-a-time shortening (the oracle, on short texts), and the
  characters it measures are counted on long ones.

The hostile link is ``tests/data/bad/long_name.link`` (``make_corpus.hostile_texts``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import geoprio
from geoprio.engine.scenario import Scenario
from geoprio.errors import InputError, ScenarioError
from geoprio.readers.textbounds import (
    MAX_DESCRIPTION,
    MAX_LABEL,
    MAX_NAME,
    MAX_NOTE,
    MAX_NOTES,
    MAX_PLACE,
    MAX_PLACES,
    MAX_SOURCE,
    MAX_UNIT,
    TEXT_LIMITS,
)
from geoprio.report.sheet import _FONT, _clip, _font_paths, _head
from geoprio.spatial.raster import add_zonal_indicator

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "data" / "bad"
#: production's process is killed at MemoryMax=3G; the children here may not map more
ADDRESS_SPACE = 3 * 2**30


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and len(text) < 600, text[:300]
    return text


# ------------------------------------------------------------------------- at the door
def test_the_corpus_link_names_a_scenario_by_990000_characters_and_is_refused():
    token = (BAD / "long_name.link").read_text().strip()
    assert len(token) < 2_000  # what fits in an address bar
    with pytest.raises(ScenarioError) as err:
        Scenario.from_token(token)
    text = one_line(err.value)
    assert "name is 990,000 characters long; at most 120" in text


BASE = {"weights": {"poverty_2018": 1.0}}
#: field -> (a value just over its bound, what the message says)
OVER = {
    "name": ("n" * (MAX_NAME + 1), f"name is {MAX_NAME + 1:,} characters long; at most "
                                    f"{MAX_NAME:,}"),
    "description": ("d" * (MAX_DESCRIPTION + 1), f"description is {MAX_DESCRIPTION + 1:,} "
                                                  f"characters long; at most {MAX_DESCRIPTION:,}"),
    "sources": (["Ley 29951"] * (MAX_NOTES + 1), f"sources has {MAX_NOTES + 1} entries; at "
                                                   f"most {MAX_NOTES}"),
    "caveats": (["ok", "c" * (MAX_NOTE + 1)], f"caveats entry 2 is {MAX_NOTE + 1:,} characters "
                                              f"long; at most {MAX_NOTE:,}"),
    "departments": (["p" * (MAX_PLACE + 1)], f"departments entry 1 is {MAX_PLACE + 1} "
                                             f"characters long; at most {MAX_PLACE}"),
    "provinces": (["Lima"] * (MAX_PLACES + 1), f"provinces has {MAX_PLACES + 1} entries; at "
                                                 f"most {MAX_PLACES}"),
}


@pytest.mark.parametrize("field", sorted(OVER))
@pytest.mark.parametrize("route", ["json", "toml", "token"])
def test_each_scenario_text_over_its_bound_is_one_line(field, route):
    value, says = OVER[field]
    data = {**BASE, field: value}
    with pytest.raises(ScenarioError) as err:
        if route == "json":
            Scenario.from_json(json.dumps(data))
        elif route == "toml":
            import tomli_w

            Scenario.from_toml(tomli_w.dumps(data))
        else:
            Scenario.from_dict(data)
    assert says in one_line(err.value)


@pytest.mark.parametrize("field", sorted(OVER))
def test_each_scenario_text_at_its_bound_is_accepted(field):
    value, _ = OVER[field]
    at_bound = value[:-1]  # one character, or one entry, less
    s = Scenario(**{**BASE, field: at_bound})
    assert getattr(s, field) == at_bound
    assert Scenario.from_token(s.to_token()) == s


def test_a_scenario_file_with_a_long_description_names_the_file(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text(f'name = "plan"\ndescription = "{"x" * 50_000}"\n'
                    '[weights]\npoverty_2018 = 1\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        Scenario.load(path)
    text = one_line(err.value)
    assert text.startswith("plan.toml: scenario 'plan' is not valid: description is 50,000 "
                           "characters long; at most 4,000")


def test_the_presets_fit_their_bounds_with_room():
    for name in ("fonie", "dci", "anemia"):
        s = Scenario.preset(name)
        assert len(s.description) * 4 < MAX_DESCRIPTION
        assert max(len(x) for x in s.sources + s.caveats) * 3 < MAX_NOTE


def _zonal(**texts):
    districts = pd.DataFrame({"ubigeo": ["150101", "150102"]})
    catalog = pd.DataFrame(columns=["id", "label_es", "label_en", "unit", "year", "source",
                                    "higher_is_worse", "kind", "description", "caveats"])
    zonal = pd.DataFrame({"ubigeo": ["150101", "150102"], "mean": [35.0, 80.5]})
    args = {"label_es": "Tiempo de viaje", "label_en": "Travel time", "unit": "min",
            "source": "Malaria Atlas Project 2019", **texts}
    return add_zonal_indicator(districts, catalog, zonal, column="mean", id="travel_min",
                               higher_is_worse=True, **args)


@pytest.mark.parametrize(("field", "limit"), [("label_es", MAX_LABEL), ("label_en", MAX_LABEL),
                                              ("unit", MAX_UNIT), ("source", MAX_SOURCE),
                                              ("description", MAX_NOTE),
                                              ("caveats", MAX_NOTE)])
def test_an_indicator_text_over_its_bound_is_one_line(field, limit):
    _, cat = _zonal(**{field: "y" * limit})
    assert len(cat.loc[0, field]) == limit
    with pytest.raises(InputError) as err:
        _zonal(**{field: "y" * (limit + 1)})
    assert one_line(err.value) == (f"{field} is {limit + 1:,} characters long; at most "
                                   f"{limit:,} (shorten it)")


def test_the_readme_lists_every_text_bound():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    security = readme.split("## Security", 1)[1].split("\n## ", 1)[0]
    for what, value in TEXT_LIMITS.items():
        row = next((line for line in security.splitlines() if line.startswith(f"| {what} |")),
                   None)
        assert row is not None, what
        assert f"| {value:,} |" in row, row


# ------------------------------------------------------------------- fitting in the sheet
@pytest.fixture(scope="module")
def pdf():
    from fpdf import FPDF

    regular, _ = _font_paths()
    doc = FPDF(unit="mm", format="A4")
    doc.add_font(_FONT, "", str(regular))
    doc.add_page()
    doc.set_font(_FONT, "", 8)
    return doc


def _shortened(pdf, text: str, width: float) -> str:
    """The old ``_clip``, written out here as the oracle: one character off at a time."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet="aiW mÑ.,-ílM\u0301", max_size=160),
       width=st.floats(min_value=0.5, max_value=120))
def test_clip_is_the_old_shortening(pdf, text, width):
    assert _clip(pdf, text, width) == _shortened(pdf, text, width)


class _Counting:
    """A PDF whose ``get_string_width`` counts the characters it is asked to measure."""

    def __init__(self, pdf):
        self.pdf, self.measured = pdf, 0

    def get_string_width(self, text: str) -> float:
        self.measured += len(text)
        return self.pdf.get_string_width(text)

    def __getattr__(self, name: str):  # the font and sizes the measure memo is keyed on
        return getattr(self.pdf, name)


@pytest.mark.parametrize("n", [5_000, 1_000_000])
def test_clip_measures_what_fits_not_the_whole_text(pdf, n):
    counting = _Counting(pdf)
    out = _clip(counting, "Ñ" * n, 124.0)  # the rank heading's width
    fits = len(out) - 1
    assert out == "Ñ" * fits + "…" and 20 < fits < 200
    # doubling then bisecting: each measure at most twice what fits, about 4·log2 of them
    assert counting.measured < 60 * fits


def test_wrapping_a_long_text_gives_the_lines_of_the_whole_text(pdf):
    text = " ".join(f"palabra{i}" for i in range(3_000))
    whole = pdf.multi_cell(124, 3.8, text, dry_run=True, output="LINES")
    head = pdf.multi_cell(124, 3.8, _head(pdf, text, 124, 7), dry_run=True, output="LINES")
    assert len(whole) > 100 and len(head) >= 8
    assert head[:7] == whole[:7]


_SHEET = """
import hashlib, resource, sys, tempfile, pathlib
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
import geoprio
from geoprio.report.sheet import district_sheet
d = geoprio.load_districts()
r = geoprio.prioritize(d, geoprio.Scenario.preset("dci").replace(n_draws=0))
for n in (3_000, 1_000_000):
    r.attrs["scenario"]["name"] = "Ñ" * n
    path = pathlib.Path(tempfile.mkdtemp()) / "ficha.pdf"
    district_sheet("010102", path, districts=d, result=r)
    print(hashlib.sha256(path.read_bytes()).hexdigest())
"""


def test_a_sheet_under_a_million_character_name_is_the_sheet_of_what_fits():
    """The rank heading quotes the scenario's name: past the 3,000th character nothing of it
    shows, so the sheet is the same, byte for byte, and built in a child process whose
    address space is capped as production's (a hang there would be the old quadratic fit)."""
    out = subprocess.run([sys.executable, "-c", _SHEET.format(cap=ADDRESS_SPACE)],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    short, huge = out.stdout.split()
    assert short == huge


# --------------------------------------------------------------------------- the app
def test_the_data_page_keeps_a_label_within_its_bound():
    pytest.importorskip("streamlit")
    from test_app_hostile import make, page

    at = page(make(), "datos")
    rows = "\n".join(f"{u},{i % 7}" for i, u in enumerate(geoprio.load_districts()["ubigeo"]))
    header = "Cobertura " * 30  # 300 characters of header: the label offered is cut to 200
    at.file_uploader(key="up_table").set_value(("t.csv", f"ubigeo,{header}\n{rows}\n".encode(),
                                                "text/csv")).run()
    assert not at.exception
    assert at.text_input(key="up_table_label").value == header[:MAX_LABEL]
    # a client that ignores the field's max_chars sends 5,000 characters: 200 are kept
    at.text_input(key="up_table_label").set_value("L" * 5_000).run()
    at.text_input(key="up_table_unit").set_value("u" * 900).run()
    at.button(key="up_table_add").click().run()
    assert not at.exception and not at.main.error
    added = [o for o in at.selectbox(key="sc_add").options if o.startswith("LLLL")]
    assert added == ["L" * MAX_LABEL]


def test_modifying_a_scenario_named_at_the_bound_keeps_its_name_within_it():
    """The panel names a modified scenario "<name> (modificado)" and prefixes its description:
    from a link whose name and description are at their bounds it must still apply."""
    from app.widgets.scenario_form import form_values, scenario_from

    base = Scenario(name="N" * MAX_NAME, description="d" * MAX_DESCRIPTION,
                    weights={"poverty_2018": 1.0, "no_water_2017": 1.0})
    values = form_values(base)
    values["sc_w_poverty_2018"] = values["sc_w_poverty_2018"] * 2
    changed = scenario_from(values, base, "es")
    assert changed.name == "N" * (MAX_NAME - len(" (modificado)") - 1) + "… (modificado)"
    assert len(changed.name) == MAX_NAME and len(changed.description) == MAX_DESCRIPTION
    assert changed.description.startswith("Modificado a partir de «" + "N" * 10)
    assert changed.weights["poverty_2018"] == 2 * changed.weights["no_water_2017"]
    again = scenario_from(form_values(changed), changed, "es")  # nothing changed: itself
    assert again == changed
