"""The shipped data: counts, known districts' figures read back exactly, the catalog."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

import geoprio
from geoprio.errors import GeoprioError


def test_counts_of_each_level(districts):
    assert len(districts) == 1874
    assert districts["ubigeo"].is_unique
    assert districts["ubigeo"].str.fullmatch(r"\d{6}").all()
    assert len(geoprio.load_districts("province")) == 196
    assert len(geoprio.load_districts("department")) == 25
    assert districts.crs.to_epsg() == 4326


def test_known_district_yurua_read_back_exactly(districts):
    # Yurúa (Atalaya, Ucayali): INEI poverty map 2018 interval 40.3–65.0, midpoint 52.65;
    # CEPLAN 2017 population 2,222; REUNIS 2020 under-5s 404; border with Brazil.
    row = districts.set_index("ubigeo").loc["250204"]
    assert row["district"] == "YURUA"
    assert row["department"] == "UCAYALI"
    assert row["poverty_2018_lo"] == 40.3
    assert row["poverty_2018_hi"] == 65.0
    assert row["poverty_2018"] == 52.65
    assert row["pop_2017"] == 2222
    assert row["under5_2020"] == 404
    assert row["border"] and row["border_country"] == "Brasil"
    assert not row["vraem"]


def test_known_district_chachapoyas_stunting_and_services(districts):
    row = districts.set_index("ubigeo").loc["010101"]
    assert row["stunting_u5_2019"] == pytest.approx(10.37037, abs=1e-6)
    assert row["no_water_2017"] == pytest.approx(100 - 90.39, abs=1e-9)
    assert row["altitude_m"] == 2338
    assert row["district"] == "CHACHAPOYAS"


def test_accented_names_come_through(districts):
    names = districts.set_index("ubigeo")["district"]
    assert names["010102"] == "ASUNCIÓN"
    assert names["250401"] == "PURÚS"
    # INEI's poverty map truncates this one; the full name from the ubigeo table is kept
    assert names["060506"] == "SANTA CRUZ DE TOLEDO"


def test_missing_codes_stay_missing_not_zero(districts):
    # (SD) and (****) in CEPLAN: 9 districts without stunting, 69 without anemia
    assert districts["stunting_u5_2019"].isna().sum() == 9
    assert districts["anemia_6_35m_2019"].isna().sum() == 69
    assert math.isnan(districts.set_index("ubigeo").loc["150138", "stunting_u5_2019"])


def test_national_totals_match_published_figures(districts):
    # MINSA REUNIS 2020, the file's national row: 2,788,624 under 5 and 1,613,102 under 3
    # (the district rows reach it once 150144* Santa María de Huachipa is added to 150118)
    assert districts["under5_2020"].sum() == 2_788_624
    assert districts["under3_2020"].sum() == 1_613_102
    assert districts["vraem"].sum() == 69
    assert districts["border"].sum() == 84


def test_percentages_within_range(districts, catalog):
    pct = catalog.loc[catalog["unit"] == "%", "id"]
    for col in pct:
        values = districts[col].dropna()
        assert values.between(0, 100).all(), col
    assert (districts["poverty_2018_lo"] <= districts["poverty_2018"]).all()
    assert (districts["poverty_2018"] <= districts["poverty_2018_hi"]).all()


def test_department_aggregation_is_population_weighted(districts):
    dep = geoprio.load_districts("department").set_index("ubigeo")
    huanca = districts[districts["ubigeo"].str[:2] == "09"]
    ok = huanca["stunting_u5_2019"].notna()
    expected = np.average(huanca.loc[ok, "stunting_u5_2019"],
                          weights=huanca.loc[ok, "under5_2020"])
    assert dep.loc["09", "stunting_u5_2019"] == pytest.approx(expected, abs=1e-4)
    assert dep.loc["09", "pop_2020"] == huanca["pop_2020"].sum()
    assert "poverty_2018_lo" not in dep.columns  # an interval is not averaged


def test_catalog_describes_every_indicator_column(districts, catalog):
    assert catalog["id"].is_unique
    missing = set(catalog["id"]) - set(districts.columns)
    assert not missing
    row = catalog.set_index("id").loc["stunting_u5_2019"]
    assert row["higher_is_worse"] is True or row["higher_is_worse"] == True  # noqa: E712
    assert "SIEN" in row["caveats"]
    assert catalog.set_index("id").loc["hdi_2019", "higher_is_worse"] == False  # noqa: E712
    for col in ("label_es", "label_en", "unit", "source", "description"):
        assert catalog.loc[catalog["kind"] == "indicator", col].notna().all(), col


def test_endes_series_has_national_and_25_departments():
    endes = geoprio.load_endes()
    assert set(endes["year"]) == set(range(2009, 2026))
    nat = endes[(endes["level"] == "national") & (endes["area"] == "total")].set_index("year")
    assert nat.loc[2012, "stunting_u5"] == 18.1  # the figure in the SUN learning-route profile
    assert endes.loc[endes["level"] == "department", "department_code"].nunique() == 25


def test_no_two_districts_overlap_by_more_than_a_sliver(districts):
    geoms = districts.geometry.values
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    inter = shapely.intersection(geoms[left[keep]], geoms[right[keep]])
    import geopandas as gpd

    areas_km2 = gpd.GeoSeries(inter, crs=4326).to_crs("ESRI:102033").area / 1e6
    assert keep.sum() > 5000  # neighbours do touch: the coverage has no gaps between them
    assert areas_km2.max() < 0.01


def test_display_geometry_is_lighter_and_close(districts):
    light = geoprio.load_districts(display=True)
    assert len(light) == 1874
    assert (light["ubigeo"] == districts["ubigeo"]).all()
    full_v = shapely.get_num_coordinates(districts.geometry.values).sum()
    light_v = shapely.get_num_coordinates(light.geometry.values).sum()
    assert light_v < 0.7 * full_v
    total_full = districts.to_crs("ESRI:102033").area.sum()
    total_light = light.to_crs("ESRI:102033").area.sum()
    assert abs(total_light - total_full) / total_full < 0.001


def test_bad_level_names_the_choices():
    with pytest.raises(GeoprioError, match="level must be one of"):
        geoprio.load_districts("region")


def test_published_national_and_department_figures():
    """The sources' own rows (data/indicators/published.csv), checked by other routes."""
    from geoprio.data.shipped import load_published

    pub = load_published().set_index(["id", "code"])["value"]
    # typed from their reports: INEI poverty 2018; INS SIEN-HIS 2022 national rows
    assert pub[("poverty_2018", "00")] == 20.5
    assert pub[("evaluated_u5_2022", "00")] == 1_501_434
    assert pub[("stunted_u5_2022", "00")] == 230_291
    assert round(pub[("stunting_u5_2022", "00")], 1) == 15.3
    # CEPLAN's national row: HDI 2019 (UNDP) and census 2017 population
    assert round(pub[("hdi_2019", "00")], 4) == 0.5858
    assert pub[("pop_2017", "00")] == 31_237_385
    # INS's department rows are the sums of the district rows by the facility's department
    d = geoprio.load_districts()
    by_dept = d.groupby(d["ubigeo"].str[:2])[["evaluated_u5_2022", "stunted_u5_2022"]].sum()
    for code, (ev, st) in by_dept.iterrows():
        assert pub[("evaluated_u5_2022", code)] == ev and pub[("stunted_u5_2022", code)] == st
    assert round(pub[("stunting_u5_2022", "15")], 2) == 8.14  # LIMA, the file's own 8.138399
