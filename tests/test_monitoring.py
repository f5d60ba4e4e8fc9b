"""stunting_trend: a district's 2019 and 2022 figures beside its department's ENDES series."""

from __future__ import annotations

import math

import pytest

import geoprio
from geoprio.errors import GeoprioError


def test_trend_of_a_small_district():
    t = geoprio.stunting_trend("010102")  # Asunción, Chachapoyas (Amazonas)
    assert t.attrs["district"] == "ASUNCIÓN" and t.attrs["department"] == "AMAZONAS"
    d = t[t["level"] == "district"].set_index(["indicator", "year"])
    # 2019: CEPLAN's rate 17.647059% = 3/17, no count; 2022: 1 of 6 stunted (SIEN-HIS sheet)
    assert d.loc[("stunting_u5", 2019), "value"] == pytest.approx(100 * 3 / 17, abs=1e-5)
    assert math.isnan(d.loc[("stunting_u5", 2019), "n_measured"])
    assert d.loc[("stunting_u5", 2019), "n_min"] == 17
    s22 = d.loc[("stunting_u5", 2022)]
    assert (s22["value"], s22["n_measured"]) == (pytest.approx(100 / 6), 6)
    assert s22["lo"] < s22["smoothed"] < s22["hi"] and s22["hi"] - s22["lo"] > 20
    assert d.loc[("anemia_6_35m", 2019), "value"] == pytest.approx(83.333333, abs=1e-5)


def test_trend_has_the_department_and_national_endes_series():
    t = geoprio.stunting_trend(10102)
    dep = t[(t["level"] == "department") & (t["indicator"] == "stunting_u5")]
    assert dep["year"].tolist() == list(range(2009, 2026))
    # INEI, ENDES 2018: Amazonas 20.4% stunting
    assert dep.set_index("year").loc[2018, "value"] == 20.4
    nat = t[(t["level"] == "national") & (t["indicator"] == "anemia_6_35m")].set_index("year")
    assert nat.loc[2022, "value"] == 42.4  # INEI, ENDES 2022
    assert set(t["source"]) == {"MINSA SIEN 2019 (CEPLAN)", "INS SIEN-HIS 2022", "INEI ENDES"}
    assert len(t) == 2 * (2 + 17 + 17)


def test_trend_maps_a_post_2017_code_and_refuses_unknown_ones():
    assert geoprio.stunting_trend("080915").attrs["ubigeo"] == "080902"  # Kumpirushiato
    with pytest.raises(GeoprioError, match="not one of the 1,874 districts"):
        geoprio.stunting_trend("999999")
    with pytest.raises(GeoprioError, match="not a 6-digit district code"):
        geoprio.stunting_trend("lima")
