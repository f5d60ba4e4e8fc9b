"""The shipped data: district boundaries joined with indicators, the catalog, ENDES series.

Everything here reads the files under ``data/`` written by ``python -m geoprio.build``; no
network and no raw sources are needed.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geoprio.errors import GeoprioError

__all__ = ["DATA_DIR", "catalog", "load_codes", "load_districts", "load_endes",
           "load_municipal_budget", "load_published", "published_value", "read_indicators",
           "reference_figure"]

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
LEVELS = {"district": 6, "province": 4, "department": 2}
_TEXT = {"ubigeo", "department", "province", "district", "border_country"}
_FLAGS = {"border", "vraem", "stunting_u5_2019_small_n", "stunting_u5_2022_small_n",
          "measured_above_resident_u5_2022"}


def _path(*parts: str) -> Path:
    path = DATA_DIR.joinpath(*parts)
    if not path.exists():
        raise GeoprioError(f"{path} is missing: run 'python -m geoprio.build --sources "
                           "../shared/peru-data' or reinstall geoprio from its repository.")
    return path


def read_indicators() -> pd.DataFrame:
    """``data/indicators/districts.csv`` with proper types (text codes, floats, booleans)."""
    return _read_indicators().copy()


@functools.lru_cache(maxsize=1)
def _read_indicators() -> pd.DataFrame:
    t = pd.read_csv(_path("indicators", "districts.csv"), dtype=str, keep_default_na=False,
                    na_values=[""])
    for col in t.columns:
        if col in _FLAGS:
            values = t[col].map({"true": True, "false": False})
            if values.isna().any():
                raise GeoprioError(f"districts.csv: column {col!r} must hold true/false")
            t[col] = values.astype(bool)
        elif col not in _TEXT:
            t[col] = t[col].astype("float64")
    t["border_country"] = t["border_country"].fillna("")
    return t


@functools.lru_cache(maxsize=1)
def _catalog() -> pd.DataFrame:
    c = pd.read_csv(_path("indicators", "catalog.csv"), keep_default_na=False,
                    na_values=[""], dtype={"year": "Int64"})
    c["higher_is_worse"] = c["higher_is_worse"].map(
        {"True": True, "False": False, True: True, False: False})
    return c


def catalog() -> pd.DataFrame:
    """The indicator catalog: one row per column of the district table.

    Columns: ``id``, ``label_es``, ``label_en``, ``unit``, ``year``, ``source``,
    ``higher_is_worse`` (True, False or missing for context columns), ``kind``
    (``indicator``, ``count``, ``bound``, ``group``, ``flag``, ``context``), ``aggregate``,
    ``description``, ``caveats``.

    Examples
    --------
    >>> import geoprio
    >>> cat = geoprio.catalog()
    >>> cat.set_index("id").loc["stunting_u5_2019", "unit"]
    '%'
    """
    return _catalog().copy()


@functools.lru_cache(maxsize=1)
def _codes() -> pd.DataFrame:
    return pd.read_csv(_path("indicators", "codes.csv"), dtype=str, keep_default_na=False)


def load_codes() -> pd.DataFrame:
    """Every known district code (``inei``, ``reniec``, ``post2017``, ``old``) → 2017 ubigeo."""
    return _codes().copy()


def load_endes() -> pd.DataFrame:
    """ENDES stunting and anemia by department, 2009–2025, total/urban/rural (long form)."""
    return pd.read_csv(_path("indicators", "departments_endes.csv"),
                       dtype={"department_code": str})


def load_published() -> pd.DataFrame:
    """National and department figures as their sources publish them (SIEN-HIS department
    rows, CEPLAN's national and regional rows, INEI's national figures): ``id``, ``level``
    (``nation``/``department``), ``code`` (``"00"`` or the department's two digits),
    ``value``, ``source``. Where an indicator has none, its roll-up
    (:func:`aggregate`) is a mean of district figures and is said to be one.

    Examples
    --------
    >>> p = load_published().set_index(["id", "code"])
    >>> p.loc[("poverty_2018", "00"), "value"], round(p.loc[("stunting_u5_2022", "00"),
    ...                                                     "value"], 1)
    (np.float64(20.5), np.float64(15.3))
    """
    return pd.read_csv(_path("indicators", "published.csv"), dtype={"code": str})


def published_value(published: pd.DataFrame, indicator: str, code: str) -> tuple[float, str]:
    """The published figure of ``indicator`` for ``code`` ("00": Peru; two digits: a
    department) and its source, or (NaN, "") when the source publishes none."""
    rows = published[(published["id"] == indicator) & (published["code"] == code)]
    if rows.empty:
        return float("nan"), ""
    return float(rows["value"].iloc[0]), str(rows["source"].iloc[0])


def reference_figure(published: pd.DataFrame, catalog: pd.DataFrame, indicator: str,
                     code: str, rollup: float) -> tuple[float, bool]:
    """The figure to show beside a district for Peru (``code="00"``) or its department: the
    source's own when it publishes one, else the roll-up; and whether it is a mean of
    district figures that no source published (a total, such as children under 5, is the
    sum the sources publish and is not flagged).

    Examples
    --------
    >>> cat, pub = catalog(), load_published()
    >>> reference_figure(pub, cat, "poverty_2018", "00", 20.7)
    (20.5, False)
    >>> reference_figure(pub, cat, "no_water_2017", "00", 21.0)
    (21.0, True)
    """
    value, _ = published_value(published, indicator, code)
    if np.isfinite(value):
        return value, False
    rows = catalog[catalog["id"] == indicator]
    how = str(rows["aggregate"].iloc[0]) if len(rows) else ""
    return rollup, bool(how.startswith("wmean") and np.isfinite(float(rollup)))


def load_municipal_budget() -> pd.DataFrame:
    """Municipal budgets per district and year (2021–2023, 2025), long form.

    Columns: ``ubigeo``, ``year``, ``municipalities`` (local-government rows summed: a
    district created after 2017 adds its municipality to its 2017 district), ``pim``,
    ``devengado`` (executed), ``pim_per_capita`` and ``devengado_per_capita`` (soles per person,
    population 2020) and ``execution_pct``. MEF SIAF, local governments only.

    Examples
    --------
    >>> import geoprio
    >>> b = geoprio.load_municipal_budget()
    >>> sorted(b["year"].unique().tolist()), len(b)
    ([2021, 2022, 2023, 2025], 7496)
    """
    t = pd.read_csv(_path("indicators", "municipal_budget.csv"), dtype={"ubigeo": str})
    t["municipalities"] = t["municipalities"].astype("Int64")
    return t


@functools.lru_cache(maxsize=4)
def _boundaries(name: str) -> gpd.GeoDataFrame:
    g = gpd.read_file(_path("boundaries", f"{name}.gpkg"), engine="pyogrio")
    g["ubigeo"] = g["ubigeo"].astype(str)
    return g


def load_districts(level: str = "district", *, display: bool = False) -> gpd.GeoDataFrame:
    """Boundaries joined with the shipped indicators.

    Parameters
    ----------
    level : ``"district"`` (1,874 rows), ``"province"`` (196) or ``"department"`` (25).
        Provinces and departments get indicators rolled up as the catalog's ``aggregate``
        says: counts summed, percentages averaged with population weights (stunting by
        children under 5, anemia by children 6–35 months, poverty by population 2020, census
        gaps by population 2017), flags true when any district is; interval bounds and INEI
        robust groups are not aggregated (they would be meaningless).
    display : use the light display geometry (for web maps only; never measure with it).

    Returns
    -------
    GeoDataFrame in EPSG:4326, sorted by ``ubigeo``, one row per unit, with ``ubigeo`` as text.

    Examples
    --------
    >>> import geoprio
    >>> d = geoprio.load_districts()
    >>> d.crs.to_epsg(), len(d)
    (4326, 1874)
    >>> len(geoprio.load_districts("department"))
    25
    """
    if level not in LEVELS:
        raise GeoprioError(f"level must be one of {list(LEVELS)}; got {level!r}")
    ind = _read_indicators()
    if level == "district":
        geo = _boundaries("districts_display" if display else "districts")[["ubigeo", "geometry"]]
        out = geo.merge(ind, on="ubigeo", how="left", validate="one_to_one")
        cols = ["ubigeo", *[c for c in ind.columns if c != "ubigeo"], "geometry"]
        return gpd.GeoDataFrame(out[cols], geometry="geometry", crs=geo.crs)
    table = aggregate(ind, level, _catalog())
    name = "provinces" if level == "province" else "departments"
    geo = _boundaries(name)[["ubigeo", "geometry"]]
    out = geo.merge(table, on="ubigeo", how="left", validate="one_to_one")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=geo.crs)


def aggregate(table: pd.DataFrame, level: str, cat: pd.DataFrame) -> pd.DataFrame:
    """Roll a district table up to ``province``, ``department`` or ``nation``.

    Uses the catalog's ``aggregate`` rules (sums, population-weighted means, any).

    Examples
    --------
    >>> import geoprio
    >>> nation = aggregate(read_indicators(), "nation", geoprio.catalog())
    >>> int(nation.loc[0, "under5_2020"])
    2788624
    """
    width = 0 if level == "nation" else LEVELS[level]
    key = table["ubigeo"].str[:width]
    rules = dict(zip(cat["id"], cat["aggregate"], strict=True))
    groups = table.groupby(key, sort=True)
    out = pd.DataFrame(index=groups.size().index)
    if level != "nation":
        out["department"] = groups["department"].first()
    if level == "province":
        out["province"] = groups["province"].first()
    out["districts"] = groups.size()
    for col, rule in rules.items():
        if col not in table.columns or rule == "none":
            continue
        if rule == "sum":
            out[col] = groups[col].sum(min_count=1)
        elif rule == "any":
            out[col] = groups[col].any()
        elif rule == "max":
            out[col] = groups[col].max()
        elif rule.startswith("wmean:"):
            weight = table[rule.split(":", 1)[1]]
            ok = table[col].notna() & weight.notna()
            num = (table[col] * weight).where(ok).groupby(key).sum(min_count=1)
            den = weight.where(ok).groupby(key).sum(min_count=1)
            out[col] = (num / den.replace(0, np.nan)).round(4)
        else:
            raise GeoprioError(f"catalog: unknown aggregate rule {rule!r} for {col!r}")
    out.index.name = "ubigeo"
    return out.reset_index()
