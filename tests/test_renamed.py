"""One name for one thing across the API (issue 22): the code column is ``id_column``,
``weights`` only means indicator weights; the old keywords still work, with a warning."""

from __future__ import annotations

import inspect
import warnings

import pandas as pd
import pytest

import geoprio
from geoprio import fmt
from geoprio._renamed import renamed
from geoprio.spatial import points

#: function -> (old keyword, new keyword)
RENAMED = {
    geoprio.read_table: ("key", "id_column"),
    geoprio.join_indicators: ("key", "id_column"),
    geoprio.read_boundaries: ("code_column", "id_column"),
    points.points_in_districts: ("code_column", "id_column"),
    points.count_by_district: ("key", "id_column"),
    geoprio.hotspots: ("weights", "spatial_weights"),
    geoprio.bivariate_hotspots: ("weights", "spatial_weights"),
    geoprio.moran_scatter: ("weights", "spatial_weights"),
    geoprio.cluster: ("weights", "spatial_weights"),
    geoprio.zonal_stats: ("weights", "population"),
    geoprio.small_area: ("weights", "population"),
    geoprio.smooth_rates: ("w", "spatial_weights"),
    geoprio.posterior_beta: ("w", "spatial_weights"),
}

TABLE = b"codigo,cobertura\n010101,30\n10102,25\n"  # a code that lost its leading 0


def test_the_api_names_the_code_column_id_column_and_spatial_weights_by_their_name():
    for func, (old, new) in RENAMED.items():
        params = inspect.signature(func).parameters
        assert new in params and old not in params, func.__name__


def test_the_old_keyword_still_gives_the_same_answer_and_warns_naming_the_new_one():
    new = geoprio.read_table(TABLE, name="t.csv", id_column="codigo")
    with pytest.warns(DeprecationWarning, match=r"read_table\(\): the keyword 'key' is "
                                                r"deprecated; use 'id_column'"):
        old = geoprio.read_table(TABLE, name="t.csv", key="codigo")
    pd.testing.assert_frame_equal(old, new)
    assert new["codigo"].tolist() == ["010101", "010102"]  # the column named, read as codes
    districts = geoprio.load_districts().drop(columns="geometry")[["ubigeo", "district"]]
    table = pd.DataFrame({"codigo": ["010101", "010102"], "cobertura": [30.0, 25.0]})
    joined, _ = geoprio.join_indicators(districts, table, id_column="codigo")
    with pytest.warns(DeprecationWarning, match="'id_column'"):
        joined_old, _ = geoprio.join_indicators(districts, table, key="codigo")
    pd.testing.assert_frame_equal(joined_old, joined)
    assert joined.set_index("ubigeo").loc["010102", "cobertura"] == 25.0


def test_an_old_and_a_new_keyword_at_once_is_refused():
    with pytest.raises(TypeError, match="'key' is the old name of 'id_column'"):
        geoprio.read_table(TABLE, name="t.csv", key="codigo", id_column="codigo")


def test_renamed_maps_only_the_keywords_it_names():
    @renamed(w="spatial_weights")
    def f(*, spatial_weights=None, w2=None):
        return spatial_weights, w2

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(spatial_weights=1, w2=2) == (1, 2)  # new names: no warning
    with pytest.warns(DeprecationWarning, match="'w' is deprecated; use 'spatial_weights'"):
        assert f(w=3) == (3, None)


def test_money_takes_its_arguments_in_the_order_of_number_and_percent():
    # 2,500,000.6 soles at 0 decimals in English, by hand: "S/ 2,500,001"
    assert fmt.money(2_500_000.6, 0, "en") == "S/ 2,500,001"
    assert list(inspect.signature(fmt.money).parameters) == \
        list(inspect.signature(fmt.number).parameters) == ["value", "decimals", "lang"]
    with pytest.warns(DeprecationWarning, match=r"money\(value, decimals, lang\)"):
        assert fmt.money(2_500_000.6, "en", decimals=0) == "S/ 2,500,001"
    with pytest.warns(DeprecationWarning):
        assert fmt.money(12.5, "en") == "S/ 12.50"
