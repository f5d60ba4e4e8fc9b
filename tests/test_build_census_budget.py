"""Census 2017 (FIDT shares) and municipal budget columns, checked against the raw files.

The Stata files are read here with ``pandas.read_stata`` and the MEF files with ``json``,
independently of the build's parsers; named districts are compared with figures typed from
the raw rows.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

import geoprio

FIDT = "censo2017_fidt2024"


@pytest.fixture(scope="module")
def dta(sources):
    def read(name: str) -> pd.DataFrame:
        return pd.read_stata(sources / "indicators" / FIDT / f"{name}.dta").set_index("ubigeo")
    return read


def test_census_shares_shipped_as_percentages(table, dta):
    t = table.set_index("ubigeo")
    edu, health = dta("educacion"), dta("salud_basica")
    rural, tele = dta("electrificacion_rural"), dta("telecomunicacion_rural")
    # Asunción (010102): illiteracy 0.149744, schooling 7.370384 years, uninsured 0.046243
    assert edu.loc["010102", "P_Analfabeta"] == pytest.approx(0.149744, abs=1e-6)
    assert t.loc["010102", "illiteracy_2017"] == pytest.approx(14.9744, abs=1e-4)
    assert t.loc["010102", "schooling_years_2017"] == pytest.approx(7.370384, abs=1e-4)
    assert t.loc["010102", "no_health_insurance_2017"] == pytest.approx(4.6243, abs=1e-4)
    assert t.loc["010102", "rural_share_2017"] == 100
    assert t.loc["010102", "rural_no_electricity_2017"] == pytest.approx(15.0, abs=1e-4)
    assert t.loc["010102", "rural_no_mobile_2017"] == pytest.approx(37.5, abs=1e-4)
    for code in ("250204", "010101", "211101"):
        assert t.loc[code, "illiteracy_2017"] == pytest.approx(
            100 * edu.loc[code, "P_Analfabeta"], abs=1e-4)
        assert t.loc[code, "secondary_17plus_2017"] == pytest.approx(
            100 * edu.loc[code, "Nivel_secundaria_más_17"], abs=1e-4)
        assert t.loc[code, "no_health_insurance_2017"] == pytest.approx(
            100 * health.loc[code, "P_Sin_seguro"], abs=1e-4)
        assert t.loc[code, "rural_share_2017"] == pytest.approx(
            100 * rural.loc[code, "P_Población_rural"], abs=1e-4)
        assert t.loc[code, "rural_no_internet_2017"] == pytest.approx(
            100 * tele.loc[code, "P_Sin_conexión_internet_rural"], abs=1e-4)
        assert t.loc[code, "rural_no_landline_2017"] == pytest.approx(
            100 * tele.loc[code, "P_Sin_teléfono_fijo_rural"], abs=1e-4)
        assert t.loc[code, "schooling_years_2017"] == pytest.approx(
            edu.loc[code, "Schooling"], abs=1e-4)
    # rural population weight: Asunción is wholly rural, 283 people in 2017
    assert t.loc["010102", "rural_pop_2017"] == t.loc["010102", "pop_2017"] == 283


def test_rural_household_gaps_missing_without_rural_people(table, dta):
    rural = dta("electrificacion_rural")
    # Lurigancho (150118): no rural population; the source writes 0% without electricity
    assert rural.loc["150118", "P_Población_rural"] == 0
    assert rural.loc["150118", "P_Sin_electricidad_rural"] == 0
    t = table.set_index("ubigeo")
    for col in ("rural_no_electricity_2017", "rural_no_mobile_2017", "rural_no_landline_2017",
                "rural_no_internet_2017"):
        assert math.isnan(t.loc["150118", col])
    no_rural = table["rural_share_2017"] == 0
    assert int(no_rural.sum()) == 68
    assert table.loc[no_rural, "rural_no_electricity_2017"].isna().all()
    assert t.loc["150118", "rural_pop_2017"] == 0


def test_census_weighted_means_near_inei_figures(table):
    # INEI census 2017 (Perfil sociodemográfico): rural 20.7%, uninsured 24.5%
    def wmean(col: str) -> float:
        ok = table[col].notna()
        w = table.loc[ok, "pop_2017"]
        return float((table.loc[ok, col] * w).sum() / w.sum())
    assert abs(wmean("rural_share_2017") - 20.7) < 0.5
    assert abs(wmean("no_health_insurance_2017") - 24.5) < 0.1


@pytest.fixture(scope="module")
def mef(sources):
    out = {}
    for year in (2021, 2022, 2023, 2025):
        path = sources / "indicators" / "mef_gasto_distrito" / f"por-distrito-{year}.json"
        out[year] = json.loads(path.read_text(encoding="utf-8"))
    return out


def _local(rows: list[dict], code: str) -> dict:
    return next(r for r in rows if r["ubigeo"] == code and r["nivel"] == "GOBIERNOS LOCALES")


def test_municipal_budget_2023_columns(table, mef):
    t = table.set_index("ubigeo")
    # Yurúa (250204) 2023: PIM 22,577,524; devengado 12,696,98x
    row = _local(mef[2023], "250204")
    assert row["pim"] == 22_577_524
    assert t.loc["250204", "municipal_pim_2023"] == row["pim"]
    assert t.loc["250204", "municipal_spent_2023"] == pytest.approx(row["devengado"], abs=0.01)
    assert t.loc["250204", "municipal_execution_2023"] == pytest.approx(
        100 * row["devengado"] / row["pim"], abs=1e-4)
    assert t.loc["250204", "municipal_pim_pc_2023"] == pytest.approx(
        row["pim"] / t.loc["250204", "pop_2020"], abs=1e-4)
    assert t.loc["250204", "municipal_spent_pc_2023"] == pytest.approx(
        row["devengado"] / t.loc["250204", "pop_2020"], abs=1e-4)
    # Echarate (080902) carries Kumpirushiato (080915), created after 2017 inside it
    both = _local(mef[2023], "080902")["pim"] + _local(mef[2023], "080915")["pim"]
    assert t.loc["080902", "municipal_pim_2023"] == pytest.approx(both, abs=0.01)


def test_municipal_budget_long_table(mef, table):
    b = geoprio.load_municipal_budget()
    assert len(b) == 4 * 1874
    for year, rows in mef.items():
        local = [r for r in rows if r["nivel"] == "GOBIERNOS LOCALES"]
        known = [r for r in local if r["ubigeo"] != "160405"]  # 2025: no 2017 district
        got = b.loc[b["year"] == year, "pim"].sum()
        assert got == pytest.approx(sum(r["pim"] for r in known), abs=1.0)
    # the README's local-government totals, S/ bn: PIM 45.0 / 52.9 / 49.7 / 53.6
    totals = b.groupby("year")["pim"].sum().div(1e9).round(1).to_dict()
    assert totals == {2021: 45.0, 2022: 52.9, 2023: 49.7, 2025: 53.6}
    # Chachapoyas 2021: the municipality's PIM 39,131,645 only; the regional government's
    # 658,242,261, placed at the same ubigeo, is left out
    chacha = b[(b["ubigeo"] == "010101") & (b["year"] == 2021)].iloc[0]
    assert chacha["pim"] == 39_131_645 and chacha["municipalities"] == 1
    regional = [r for r in mef[2021] if r["ubigeo"] == "010101"
                and r["nivel"] == "GOBIERNOS REGIONALES"]
    assert regional[0]["pim"] == 658_242_261
    assert (b["execution_pct"].dropna() <= 100).all()


def test_catalog_rows_for_census_and_budget(catalog):
    c = catalog.set_index("id")
    for col in ("rural_share_2017", "illiteracy_2017", "no_health_insurance_2017",
                "schooling_years_2017", "secondary_17plus_2017", "rural_no_electricity_2017",
                "rural_no_mobile_2017", "rural_no_landline_2017", "rural_no_internet_2017"):
        assert c.loc[col, "year"] == 2017
        assert "tercero" in c.loc[col, "caveats"]
    assert c.loc["schooling_years_2017", "unit"] == "años"
    assert c.loc["schooling_years_2017", "higher_is_worse"] == False  # noqa: E712
    assert c.loc["rural_no_mobile_2017", "aggregate"] == "wmean:rural_pop_2017"
    assert c.loc["municipal_pim_pc_2023", "higher_is_worse"] == False  # noqa: E712
    assert c.loc["municipal_execution_2023", "aggregate"] == "wmean:municipal_pim_2023"


def test_validation_states_the_municipal_totals_the_build_keeps(mef):
    # issue 20: VALIDATION.md gave the 2025 local total with municipality 160405, which has no
    # 2017 district and which the build leaves out
    from pathlib import Path

    md = (Path(__file__).resolve().parents[1] / "data" / "VALIDATION.md").read_text("utf-8")
    md = md[md.index("| year | local PIM (kept)"):]
    for year, rows in mef.items():
        local = [r for r in rows if r["nivel"] == "GOBIERNOS LOCALES"]
        known = [r for r in local if r["ubigeo"] != "160405"]
        pim = sum(r["pim"] for r in known)
        spent = sum(r["devengado"] for r in known)
        row = next(line for line in md.splitlines() if line.startswith(f"| {year} | "))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert int(cells[1].replace(",", "")) == round(pim), year
        assert int(cells[2].replace(",", "")) == round(spent), year
    left = _local(mef[2025], "160405")["pim"]
    assert f"160405 ({left:,.0f})" in md
