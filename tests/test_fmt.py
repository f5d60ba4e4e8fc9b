"""Numbers as Peru writes them (geoprio.fmt) and the district search (geoprio.data.search)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geoprio import fmt
from geoprio.data.search import matches
from geoprio.errors import GeoprioError, InputError

NB = "\u00a0"


def test_money_keeps_its_cents():
    # issue 20: S/ 12.50 a child read "S/ 12" (and S/ 0.50 read "S/ 0")
    assert fmt.money(12.5) == f"S/{NB}12,50"
    assert fmt.money(0.5, lang="en") == "S/ 0.50"
    assert fmt.money(1234.05, lang="en") == "S/ 1,234.05"
    # whole soles stay whole, and a sum that only has float noise is whole
    assert fmt.money(2_000_000) == f"S/{NB}2{NB}000{NB}000"
    assert fmt.money(0.1 + 0.2 + 99.7, lang="en") == "S/ 100"
    assert fmt.money(7, lang="en") == "S/ 7" and fmt.money(-3.0, lang="en") == "S/ -3"
    assert fmt.money(12.999, lang="en") == "S/ 13"   # rounds to whole soles at the cent
    assert fmt.money(2_500_000.6, lang="en", decimals=0) == "S/ 2,500,001"
    assert fmt.money(float("nan")) == "sin dato"
    assert fmt.money(None, lang="en") == "no data"


@pytest.mark.parametrize(("value", "decimals", "lang", "text"), [
    (-0.04, 1, "es", "0,0"),       # rounds to zero: no sign
    (-0.0, 0, "en", "0"),
    (-0.05, 1, "en", "-0.1"),      # a real negative keeps its sign
    (-1234.5, 1, "en", "-1,234.5"),
    (-1234.5, 1, "es", f"-1{NB}234,5"),
    (-0.4, 0, "es", "0"),
])
def test_zero_has_no_sign(value, decimals, lang, text):
    assert fmt.number(value, decimals, lang) == text


def test_format_errors_are_geoprio_errors():
    # issue 20: fmt raised bare ValueErrors
    with pytest.raises(GeoprioError, match=r"lang must be one of \['es', 'en'\]; got 'pt'"):
        fmt.number(1.0, 0, "pt")
    with pytest.raises(GeoprioError, match="lang must be one of"):
        fmt.percent(1.0, 0, "fr")
    with pytest.raises(GeoprioError, match="decimals must be a whole number from 0 to 12; "
                                           "got 13"):
        fmt.number(1.0, 13)
    with pytest.raises(GeoprioError, match="got -1"):
        fmt.number(1.0, -1)
    with pytest.raises(GeoprioError, match=r"got 1\.5"):
        fmt.number(1.0, 1.5)


def test_decimals_at_their_bounds():
    assert fmt.number(1 / 3, 12, "en") == "0.333333333333"
    assert fmt.number(np.float32(2.5), 0) == "2"   # round half to even, as Python rounds


def test_search_without_a_name_column_is_a_clear_error():
    # issue 20: a KeyError escaped to the page
    with pytest.raises(InputError, match=r"^none of the columns \['district', 'province', "
                                         r"'department', 'ubigeo'\] is in the table: a "
                                         r"search needs a district, province, department or "
                                         r"ubigeo column$"):
        matches(pd.DataFrame({"x": [1]}), "lima")
    # an empty query needs no column
    assert matches(pd.DataFrame({"x": [1, 2]}), "  ").tolist() == [True, True]


def test_integers_percentages_and_printf_in_both_languages():
    assert fmt.number(12.4) == "12" and fmt.percent(33.3333) == "33%"   # no decimals by default
    assert fmt.printf_integer() == "%'\u00a0,d"                          # Spanish by default
    assert fmt.integer(1874) == f"1{NB}874" and fmt.integer(1874, "en") == "1,874"
    assert fmt.integer(2786087.5, "en") == "2,786,088"
    assert fmt.percent(27.46, 1) == "27,5%" and fmt.percent(27.46, 1, "en") == "27.5%"
    assert fmt.percent(float("nan")) == "sin dato" and fmt.percent(None, 0, "en") == "no data"
    assert fmt.number(float("inf"), 2) == "sin dato"
    assert fmt.number("12", 0) == "12"        # a number written as text still reads
    assert fmt.number("doce", 0) == "sin dato"
    assert fmt.printf_integer("es") == "%'\u00a0,d" and fmt.printf_integer("en") == "%,d"
    with pytest.raises(GeoprioError, match="lang must be one of"):
        fmt.printf_integer("pt")
    with pytest.raises(GeoprioError, match="lang must be one of"):
        fmt.money(1.0, lang="pt")


@pytest.mark.parametrize(("values", "least", "expected"), [
    ([0.3, 0.5012, 0.5049, 0.5101, 0.79], None, 3),  # 2 decimals would merge 0.5012, 0.5049
    ([12.0, 25.0, 40.0], None, 0),                    # spread 28: no decimals needed
    ([0.1, 0.9], None, 2),                            # spread 0.8: from 2
    ([1.0, 2.0], None, 1),                            # spread 1: from 1
    ([5.0, 5.0], None, 0),                            # no spread
    ([1.0, 2.0], 3, 3),                               # least asked
    ([], None, 0), ([float("nan"), None], 2, 2),      # nothing to tell apart
    ([1.0, 1.0000001], None, 6),                      # closer than 10**-6 stay equal: most
    ([0.0, 1.0, 1.00001], None, 5),                   # 5 decimals tell 1 and 1.00001 apart
    ([None, 5.0], None, 0),                           # a missing value is left out
])
def test_decimals_for(values, least, expected):
    assert fmt.decimals_for(values, least=least) == expected


def test_break_labels_never_repeat_and_name_single_values():
    assert fmt.break_labels(0.4989, [0.5012, 0.5049, 0.5101, 0.79]) == [
        "0,499 – 0,501", "0,501 – 0,505", "0,505 – 0,510", "0,510 – 0,790"]
    assert fmt.break_labels(0, [10, 10, 25], "en") == ["0 – 10", "10", "10 – 25"]
    assert fmt.break_labels(1000, [2500.4], "en") == ["1,000 – 2,500"]  # spread >= 10: none


def test_fold_and_safe_id():
    from geoprio.data.search import fold, safe_id

    assert fold("  Río   TAMBO ") == "rio tambo" and fold("Peñas") == "penas"
    assert fold(None) == "" and fold(float("nan")) == "" and fold(pd.NA) == ""
    assert fold(12) == "12"
    assert safe_id("Cobertura vacunación niño (%)") == "cobertura_vacunacion_nino"
    assert safe_id("2024 Año") == "x2024_ano" and safe_id("¿?") == "indicador"
    assert safe_id("__a__b__") == "a_b" and safe_id("", default="col") == "col"
    assert len(safe_id("a" * 100)) == 60
    assert safe_id("_" + "a" * 70) == "a" * 60
    assert safe_id("a" * 59 + " bbb") == "a" * 59     # cut at 60 on a separator
    assert safe_id("zona 9") == "zona_9" and safe_id("2a") == "x2a"
    assert safe_id("a[b`c^d") == "a_b_c_d"      # only letters and digits are kept


def test_search_words_in_any_order_and_column():
    f = pd.DataFrame({"ubigeo": ["250204", "120608", "021509"],
                      "district": ["YURUA", "RÍO TAMBO", "TAMBO"],
                      "province": ["ATALAYA", "SATIPO", "POMABAMBA"],
                      "department": ["UCAYALI", "JUNÍN", "ÁNCASH"]})
    assert matches(f, "Yurúa").tolist() == [True, False, False]
    assert matches(f, "tambo").tolist() == [False, True, True]
    assert matches(f, "junin  tambo").tolist() == [False, True, False]   # every word
    assert matches(f, "2502").tolist() == [True, False, False]           # a code's start
    assert matches(f, "tambo lima").tolist() == [False, False, False]
    assert matches(f, None).tolist() == [True, True, True]
    assert matches(f, "").dtype == bool and matches(f, "tambo").dtype == bool
    # a query is words, not a pattern; the table's own index is kept
    assert matches(f, "t.mbo").tolist() == [False, False, False]
    g = f.set_index(pd.Index([30, 10, 20]))
    assert matches(g, "tambo").tolist() == [False, True, True]
    # only the columns asked for
    assert matches(f, "satipo", columns=("district",)).tolist() == [False, False, False]
    assert matches(f[["district"]], "tambo").tolist() == [False, True, True]
