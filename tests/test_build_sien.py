"""SIEN-HIS 2022 columns and the population fix, checked against the raw files read directly.

The raw workbooks are opened here with openpyxl (the build reads them with calamine through its
own parsers), and the expected figures are typed from the files' rows, so a parsing mistake of
the build cannot hide behind itself.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from geoprio.build.sien import min_denominator

SIEN = "sien_his_2022_indicadores_ninos.xlsx"


@pytest.fixture(scope="module")
def sien_rows(sources):
    """{sheet: {ubigeo: (evaluated, cases)}} and the national rows, read with openpyxl."""
    import openpyxl

    wb = openpyxl.load_workbook(sources / "indicators" / SIEN, read_only=True, data_only=True)
    out = {}
    for sheet in ("EN 0-59m x DISTRITO", "EN 0-35m x DISTRITO", "Anemia 6-35m x DISTRITO"):
        rows, national = {}, None
        for row in wb[sheet].iter_rows(values_only=True):
            code = row[4]
            if isinstance(code, str) and code.isdigit() and len(code) == 6:
                rows[code] = (row[5], row[6])
            elif row[1] == "PERÚ":
                national = (row[5], row[6])
        out[sheet] = (rows, national)
    wb.close()
    return out


def test_named_districts_read_back_from_the_raw_sheets(table, sien_rows):
    t = table.set_index("ubigeo")
    u5, _ = sien_rows["EN 0-59m x DISTRITO"]
    u3, _ = sien_rows["EN 0-35m x DISTRITO"]
    an, _ = sien_rows["Anemia 6-35m x DISTRITO"]
    # Purús (Ucayali): 488 under-5s measured, 188 stunted; under-3 329 / 120; anaemia 57 / 15
    assert u5["250401"] == (488, 188) and u3["250401"] == (329, 120) and an["250401"] == (57, 15)
    for code in ("250401", "010102", "010101", "050101"):
        assert (t.loc[code, "evaluated_u5_2022"], t.loc[code, "stunted_u5_2022"]) == u5[code]
        assert (t.loc[code, "evaluated_u3_2022"], t.loc[code, "stunted_u3_2022"]) == u3[code]
        assert (t.loc[code, "evaluated_6_35m_2022"],
                t.loc[code, "anemic_6_35m_2022"]) == an[code]
        n, y = u5[code]
        assert t.loc[code, "stunting_u5_2022"] == pytest.approx(100 * y / n, abs=1e-6)
    assert t.loc["250401", "stunting_u5_2022"] == pytest.approx(38.52459, abs=1e-5)


def test_district_rows_sum_to_the_national_row(table, sien_rows):
    # INS's national rows, typed from the file: 1,501,434 / 230,291; 1,026,432 / 151,526;
    # 349,835 / 103,430
    assert sien_rows["EN 0-59m x DISTRITO"][1] == (1_501_434, 230_291)
    assert (table["evaluated_u5_2022"].sum(), table["stunted_u5_2022"].sum()) == (
        1_501_434, 230_291)
    assert (table["evaluated_u3_2022"].sum(), table["stunted_u3_2022"].sum()) == (
        1_026_432, 151_526)
    assert (table["evaluated_6_35m_2022"].sum(), table["anemic_6_35m_2022"].sum()) == (
        349_835, 103_430)


def test_absent_districts_are_missing_not_zero(table, sien_rows):
    u5, _ = sien_rows["EN 0-59m x DISTRITO"]
    absent = sorted(set(table["ubigeo"]) - set(u5))
    assert len(absent) == 35
    t = table.set_index("ubigeo")
    for code in ("030711", "040120", "150121", "151026"):  # in no sheet of the file
        assert code in absent
        assert math.isnan(t.loc[code, "evaluated_u5_2022"])
        assert math.isnan(t.loc[code, "stunting_u5_2022_eb"])
        assert t.loc[code, "stunting_u5_2022_small_n"]
    assert (table["evaluated_u5_2022"] > 0).sum() == 1839  # no zero was written


def test_small_numbers_flag_and_wide_interval(table):
    t = table.set_index("ubigeo")
    assert int((table["evaluated_u5_2022"] < 30).sum()) == 158
    assert int(table["stunting_u5_2022_small_n"].sum()) == 158 + 35
    # Asunción (Amazonas): 6 children measured, 1 stunted: a 90% interval over 20 points wide
    a = t.loc["010102"]
    assert a["evaluated_u5_2022"] == 6 and a["stunting_u5_2022_small_n"]
    assert a["stunting_u5_2022_eb_hi"] - a["stunting_u5_2022_eb_lo"] > 20
    # Chachapoyas: 2,255 measured, an interval about 2 points wide
    c = t.loc["010101"]
    assert c["stunting_u5_2022_eb_hi"] - c["stunting_u5_2022_eb_lo"] < 2.5
    ok = table["stunting_u5_2022_eb"].notna()
    assert ok.sum() == 1839
    assert (table.loc[ok, "stunting_u5_2022_eb_lo"] <= table.loc[ok, "stunting_u5_2022_eb"]).all()
    assert (table.loc[ok, "stunting_u5_2022_eb"] <= table.loc[ok, "stunting_u5_2022_eb_hi"]).all()


def test_change_2019_2022_in_points(table):
    t = table.set_index("ubigeo")
    # Purús: 2022 raw 188/488 = 38.52459%; 2019 CEPLAN as read
    expected = 100 * 188 / 488 - t.loc["250401", "stunting_u5_2019"]
    assert t.loc["250401", "stunting_u5_change_2019_2022"] == pytest.approx(expected, abs=1e-5)
    both = table["stunting_u5_2019"].notna() & table["stunting_u5_2022"].notna()
    assert table["stunting_u5_change_2019_2022"].notna().sum() == both.sum() == 1831


def test_fewest_children_behind_a_2019_rate(table):
    # worked by hand: 17.647059% = 3/17, 22% = 11/50, 10.37037% = 14/135, 0% = 0/1
    assert min_denominator(17.647059) == 17
    assert min_denominator(22.0) == 50
    assert min_denominator(10.37037) == 135
    assert min_denominator(0.0) == 1
    assert math.isnan(min_denominator(float("nan")))
    t = table.set_index("ubigeo")
    assert t.loc["010102", "stunting_u5_2019_min_n"] == 17
    assert t.loc["010102", "stunting_u5_2019_small_n"]
    assert t.loc["010101", "stunting_u5_2019_min_n"] == 135
    assert not t.loc["010101", "stunting_u5_2019_small_n"]
    # a brute-force search over denominators agrees on a sample of districts
    for code in ("010103", "010104", "010105", "250401"):
        p = t.loc[code, "stunting_u5_2019"]
        n = next(n for n in range(1, 100_000)
                 if abs(100 * round(p / 100 * n) / n - p) <= 5e-7)
        assert t.loc[code, "stunting_u5_2019_min_n"] == n


def test_huachipa_row_is_added_to_lurigancho(table, sources):
    """150144* (Santa María de Huachipa) is added to 150118; read the raw rows directly."""
    import openpyxl

    wb = openpyxl.load_workbook(sources / "indicators" / "poblacion_2020_edades_distrito.xlsx",
                                read_only=True, data_only=True)
    rows = {}
    for row in wb["DISTRITAL"].iter_rows(values_only=True):
        if row[0] in ("150118", "150144*", "000000"):
            rows[row[0]] = row
    wb.close()
    under5 = {k: sum(v[5:10]) for k, v in rows.items()}
    assert under5["150144*"] == 2_537 and rows["150144*"][4] == 32_826
    lurigancho = table.set_index("ubigeo").loc["150118"]
    # 19,133 (Lurigancho's own row) + 2,537 (Huachipa) = 21,670
    assert lurigancho["under5_2020"] == under5["150118"] + under5["150144*"] == 21_670
    assert lurigancho["pop_2020"] == rows["150118"][4] + rows["150144*"][4] == 263_804
    assert table["under5_2020"].sum() == under5["000000"] == 2_788_624


def test_population_reader_refuses_an_unknown_code(tmp_path):
    from openpyxl import Workbook

    from geoprio.build.sources import read_population_2020
    from geoprio.errors import DataBuildError

    wb = Workbook()
    ws = wb.active
    ws.title = "DISTRITAL"
    for _ in range(6):
        ws.append([None])
    ws.append(["UBIGEO", "DEPARTAMENTO", "PROVINCIA", "DISTRITO", "Total", 0, 1, 2, 3, 4,
               "6-11 MESES"])
    ws.append(["010101", "A", "B", "C", 100, 1, 1, 1, 1, 1, 1])
    ws.append(["999999?", "A", "B", "C", 50, 1, 1, 1, 1, 1, 1])
    path = tmp_path / "pop.xlsx"
    wb.save(path)
    with pytest.raises(DataBuildError, match=r"not a 6-digit ubigeo: \['999999\?'\]"):
        read_population_2020(path)


def test_catalog_describes_the_2022_columns(catalog):
    c = catalog.set_index("id")
    assert c.loc["stunting_u5_2022", "year"] == 2022
    assert "2023" in c.loc["stunting_u5_2022", "caveats"]  # the label ambiguity is stated
    assert "establecimiento" in c.loc["evaluated_u5_2022", "caveats"]
    assert c.loc["stunting_u5_2022_eb", "aggregate"] == "wmean:evaluated_u5_2022"
    assert c.loc["stunting_u5_2022_eb_lo", "kind"] == "bound"
    for col in ("stunting_u5_2022", "stunting_u5_2022_eb", "anemia_6_35m_2022_eb"):
        assert c.loc[col, "higher_is_worse"] == True  # noqa: E712
    assert np.isnan(pd.to_numeric(c.loc["stunting_u5_2019_min_n", "higher_is_worse"],
                                  errors="coerce"))


def test_children_measured_per_resident(table, sien_rows):
    # issue 20: SIEN-HIS counts children where they were measured; INEI's 2020 under-5s live
    # there. Figures of the audit: 289 districts measure more under-5s than live in them, and
    # in 514 the stunted children counted exceed the estimate for residents, under-5s x the
    # Fay–Herriot estimate on ENDES's scale (stunted_children; 295 against the EB rate)
    t = table.set_index("ubigeo")
    rows, _ = sien_rows["EN 0-59m x DISTRITO"]
    evaluated = pd.Series({k: float(v[0]) for k, v in rows.items()})
    stunted = pd.Series({k: float(v[1]) for k, v in rows.items()})
    residents = t["under5_2020"]
    ratio = (100 * evaluated.reindex(t.index) / residents).where(residents > 0)
    np.testing.assert_allclose(t["measured_per_resident_u5_2022"], ratio, atol=5e-7)
    above = ratio > 100
    assert int(above.sum()) == 289
    assert t["measured_above_resident_u5_2022"].equals(above.rename(
        "measured_above_resident_u5_2022"))
    estimate = residents * t["stunting_u5_2022_eb"] / 100
    assert int((stunted.reindex(t.index) > estimate).sum()) == 295
    estimate = residents * t["stunting_u5_2022_fh_endes"] / 100
    assert int((stunted.reindex(t.index) > estimate).sum()) == 514
    # missing where no child was measured, never 0
    for code in ("030711", "040120", "090107"):
        assert np.isnan(t.loc[code, "measured_per_resident_u5_2022"])
        assert not t.loc[code, "measured_above_resident_u5_2022"]
    # Chachapoyas: 2,255 measured, 3,101 resident
    assert t.loc["010101", "measured_per_resident_u5_2022"] == pytest.approx(
        100 * 2255 / 3101, abs=5e-7)


def test_children_measured_above_residents_on_the_dci_list(table):
    # the audit: 84 districts of the DCI list (on the Fay–Herriot estimate; 86 on Empirical
    # Bayes) measure more under-5s than live in them
    import geoprio

    dci = geoprio.prioritize(table, geoprio.Scenario.preset("dci").replace(n_draws=0))
    more = table["evaluated_u5_2022"] > table["under5_2020"]
    assert int((more & dci["selected"]).sum()) == 84
    assert int((dci["measured_above_resident_u5_2022"] & dci["selected"]).sum()) == 84


def test_catalog_describes_the_measured_per_resident_columns(catalog):
    c = catalog.set_index("id")
    assert c.loc["measured_per_resident_u5_2022", "kind"] == "context"
    assert c.loc["measured_per_resident_u5_2022", "unit"] == "por 100"
    assert "evaluated_u5_2022 / under5_2020" in c.loc["measured_per_resident_u5_2022",
                                                       "description"]
    assert c.loc["measured_above_resident_u5_2022", "kind"] == "flag"
    assert pd.isna(c.loc["measured_per_resident_u5_2022", "higher_is_worse"])
