"""Hot spots of an indicator and their summaries in words (geoprio.spatial.autocorrelation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lattice import CORE, lattice, planted

from geoprio.errors import InputError
from geoprio.spatial.autocorrelation import hotspots
from geoprio.spatial.contiguity import queen_contiguity
from geoprio.spatial.localstats import MoranLocal


@pytest.fixture(scope="module")
def grid_w():
    return queen_contiguity(lattice())


@pytest.fixture(scope="module")
def real_w(districts):
    return queen_contiguity(districts)


def test_hotspots_on_the_real_map(districts, real_w):
    frame, result = hotspots(districts, "stunting_u5_2019", spatial_weights=real_w)
    missing = districts.loc[districts["stunting_u5_2019"].isna(), "ubigeo"].tolist()
    assert len(missing) == 9
    assert result.dropped == missing
    col = frame["hotspot_stunting_u5_2019"]
    assert col.isna().sum() == 9 and frame["hotspot_stunting_u5_2019_p"].isna().sum() == 9
    assert set(col.dropna()) <= {"HH", "LL", "HL", "LH", "ns"}
    stability = frame["hotspot_stunting_u5_2019_stability"]
    assert stability.isna().sum() == 9
    # counts hold stable labels only; every district is counted once
    stable = (stability >= 0.9).to_numpy()
    hh = (col == "HH").fillna(False).to_numpy(dtype=bool)
    assert result.counts["HH"] == int((hh & stable).sum())
    assert result.counts["unstable"] == int((stability < 0.9).sum()) > 0
    assert sum(result.counts.values()) == 1865
    assert result.stability.index.tolist() == frame["ubigeo"][stability.notna()].tolist()
    np.testing.assert_array_equal(result.stability.to_numpy(), stability.dropna().to_numpy())
    assert sorted(result.unstable) == sorted(frame.loc[stability < 0.9, "ubigeo"])
    assert "210103" in result.patched and "211302" in result.patched
    # the input is left as it was, rows in the same order
    assert "hotspot_stunting_u5_2019" not in districts.columns
    assert frame["ubigeo"].tolist() == districts["ubigeo"].tolist()
    stable_hh = hh & stable
    top = frame.loc[stable_hh, "department"].value_counts()
    assert f"{result.counts['HH']} distritos forman" in result.summary_es
    assert f"{top.index[0]} ({top.iloc[0]})" in result.summary_es
    assert top.index[0] in result.summary_en
    assert "desnutrición crónica infantil" in result.summary_es
    unstable = result.counts["unstable"]
    assert f"{unstable} distritos con etiqueta inestable no se cuentan" in result.summary_es
    assert f"{unstable} districts with an unstable label are not counted" in result.summary_en
    assert "20 runs of 9,999 permutations" in result.summary_en
    assert "al menos 18 de 20 corridas" in result.summary_es
    # numbers as Peru writes them, in the engine itself (the CLI prints this sentence)
    assert "20 corridas de 9\u00a0999 permutaciones, α = 0,05 con FDR" in result.summary_es
    assert "9.999" not in result.summary_es


def test_hotspots_gi_star_labels(grid_w):
    frame, result = hotspots(lattice(planted()), "x", method="gi_star", spatial_weights=grid_w)
    assert set(frame["hotspot_x"].iloc[CORE]) == {"hot"}
    np.testing.assert_allclose(frame["hotspot_x_stat"], result.local.Zs)
    assert result.summary_en.startswith(f"{result.counts['hot']} districts are hot-spots of x")


def test_hotspots_without_anything_significant_says_so():
    y = np.random.default_rng(1).permutation(planted())
    _, result = hotspots(lattice(y), "x")
    assert result.counts == {"ns": 100}
    assert result.summary_es.startswith("Ningún distrito forma un conglomerado significativo")
    assert "inestable" not in result.summary_es  # nothing left out: no need to say so


def test_hotspots_errors(grid_w):
    frame = lattice(planted())
    with pytest.raises(InputError, match=r"method must be one of \['local_moran', 'gi_star'\]"):
        hotspots(frame, "x", method="lisa")
    with pytest.raises(InputError, match="indicator='y' is not a column"):
        hotspots(frame, "y")
    with pytest.raises(InputError, match="alpha must be a number between 0 and 1"):
        hotspots(frame, "x", alpha=5)
    with pytest.raises(InputError, match="permutations must be an integer from 0 to"):
        hotspots(frame, "x", permutations=-1)
    with pytest.raises(InputError, match="runs must be an integer from 2 to 100"):
        hotspots(frame, "x", runs=1)
    with pytest.raises(InputError, match="weights must be a Contiguity built from these"):
        hotspots(frame.iloc[:50], "x", spatial_weights=grid_w)
    with pytest.raises(TypeError, match=r"districts must be a geopandas\.GeoDataFrame"):
        hotspots(pd.DataFrame(frame.drop(columns="geometry")), "x")
    with pytest.raises(InputError, match=r"alternative must be one of \['directed', 'two-sided'\]"):
        hotspots(frame, "x", alternative="less")
    with pytest.raises(InputError, match="y is constant"):
        MoranLocal(np.ones(100), grid_w)
