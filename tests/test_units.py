"""Units in the reader's language (the catalog writes them in Spanish): an English screen or
workbook reads "people", "children", "yes/no", never "personas" or "niños"."""

from __future__ import annotations

import openpyxl
import pytest

import geoprio
from geoprio.data.labels import UNITS_EN, unit_label

#: units written the same in both languages
NEUTRAL = {"%", "km", "km²"}


def test_every_unit_of_the_catalog_has_its_english():
    units = set(geoprio.catalog()["unit"].dropna().astype(str))
    assert units - NEUTRAL <= set(UNITS_EN)
    assert unit_label("personas", "en") == "people" and unit_label("personas", "es") == "personas"
    assert unit_label(float("nan"), "en") == "" and unit_label("%", "en") == "%"


def test_the_english_workbook_heads_population_in_people(tmp_path):
    d = geoprio.load_districts()
    r = geoprio.prioritize(d, geoprio.Scenario.preset("dci").replace(n_draws=0))
    for lang, word in (("en", "people"), ("es", "personas")):
        path = tmp_path / f"r_{lang}.xlsx"
        geoprio.export(r, path, lang=lang)
        ws = openpyxl.load_workbook(path).worksheets[0]
        heads = [c.value for c in ws[1]]
        label = geoprio.catalog().set_index("id").loc["pop_2017", f"label_{lang}"]
        assert f"{label} ({word})" in heads


@pytest.mark.parametrize(("lang", "units"), [("en", ["people", "children"]),
                                             ("es", ["personas", "niños"])])
def test_the_district_page_writes_units_in_its_language(lang, units):
    pytest.importorskip("streamlit")
    from test_app import make, page

    at = page(make({"distrito": "010102", "lang": lang}), "distrito")
    table = next(df.value for df in at.dataframe if df.value.shape[1] == 5)
    by_indicator = dict(zip(table.iloc[:, 0], table.iloc[:, 1], strict=True))
    cat = geoprio.catalog().set_index("id")
    assert by_indicator[f"{cat.loc['pop_2017', f'label_{lang}']}"] == units[0]
    assert by_indicator[f"{cat.loc['under5_2020', f'label_{lang}']}"] == units[1]
    if lang == "en":  # no unit left in Spanish ("soles" is English too)
        spanish = {es for es, en in UNITS_EN.items() if es != en}
        assert not spanish & set(by_indicator.values())
