"""Monitoring a district: its stunting and anaemia in 2019 and 2022 beside its department's ENDES.

:func:`stunting_trend` gathers, for one district, what the shipped data can say about change:

- **2019** (MINSA SIEN via CEPLAN): rates only. The number of children measured was not
  published; ``n_min`` is the fewest children that can produce the published rate (a lower
  bound), so 2019 cannot be smoothed and has no interval.
- **2022** (INS SIEN-HIS): children measured and cases, the raw rate, the Empirical Bayes rate
  and its 90% interval (:mod:`geoprio.spatial.smoothing`).
- **ENDES** (INEI household survey): the department's and the nation's series 2009–2025 with
  the survey's sample sizes. ENDES is representative by department, not by district, and SIEN
  counts children seen at MINSA facilities: compare trends, not levels.
"""

from __future__ import annotations

import functools
import logging

import numpy as np
import pandas as pd

from geoprio.data.shipped import load_codes, load_endes, read_indicators
from geoprio.errors import InputError
from geoprio.readers.codes import normalize_ubigeo

__all__ = ["TREND_COLUMNS", "stunting_trend"]

log = logging.getLogger(__name__)

TREND_COLUMNS = ["level", "code", "name", "source", "indicator", "year", "value", "smoothed",
                 "lo", "hi", "n_measured", "n_min"]
_SIEN_2019 = "MINSA SIEN 2019 (CEPLAN)"
_SIEN_2022 = "INS SIEN-HIS 2022"
_ENDES = "INEI ENDES"


@functools.lru_cache(maxsize=1)
def _shipped() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The shipped district table by ubigeo and ENDES's totals, read once (never modified:
    :func:`stunting_trend` copies the values it uses into a new frame)."""
    endes = load_endes()
    return read_indicators().set_index("ubigeo", drop=False), endes[endes["area"] == "total"]


def _resolve(ubigeo: str | int, table: pd.DataFrame) -> str:
    code = normalize_ubigeo(pd.Series([ubigeo])).iloc[0]
    if code is None:
        raise InputError(f"ubigeo {ubigeo!r} is not a 6-digit district code")
    if code in table.index:
        return code
    codes = load_codes()
    known = codes[(codes["code"] == code) & codes["scheme"].isin(["post2017", "old"])]
    if len(known):
        target = known["ubigeo"].iloc[0]
        log.warning("ubigeo %s is not a 2017 district: shown as %s (%s)", code, target,
                    known["note"].iloc[0])
        return target
    raise InputError(f"ubigeo {code!r} is not one of the 1,874 districts of 2017 nor a known "
                     "post-2017 or old code; check it (INEI numbering, 6 digits)")


def stunting_trend(ubigeo: str | int) -> pd.DataFrame:
    """A district's stunting and anaemia in 2019 and 2022, beside its department's ENDES series.

    Parameters
    ----------
    ubigeo : str or int
        INEI code of a 2017 district (6 digits; ``10101`` is read as ``"010101"``). A district
        created after 2017 is shown as its 2017 district, with a logged warning.

    Returns
    -------
    DataFrame with one row per level, source, indicator and year: ``level`` (``district``,
    ``department``, ``national``), ``code``, ``name``, ``source``, ``indicator``
    (``stunting_u5`` or ``anemia_6_35m``), ``year``, ``value`` (the raw or survey rate, %),
    ``smoothed``, ``lo`` and ``hi`` (Empirical Bayes rate and 90% interval, district 2022
    only), ``n_measured`` (children measured; ENDES: sample size) and ``n_min`` (2019
    stunting: fewest children consistent with the published rate). ``attrs`` holds the
    district's names.

    Examples
    --------
    >>> import geoprio
    >>> t = geoprio.stunting_trend("010102")          # Asunción (Chachapoyas, Amazonas)
    >>> d = t[(t["level"] == "district") & (t["indicator"] == "stunting_u5")]
    >>> d[["year", "value", "smoothed", "n_measured"]].round(1).values.tolist()
    [[2019.0, 17.6, nan, nan], [2022.0, 16.7, 15.7, 6.0]]
    >>> t.attrs["department"]
    'AMAZONAS'
    """
    table, endes = _shipped()
    code = _resolve(ubigeo, table)
    r = table.loc[code]
    rows = []
    for ind, n22, rate22 in (("stunting_u5", "evaluated_u5_2022", "stunting_u5_2022"),
                             ("anemia_6_35m", "evaluated_6_35m_2022", "anemia_6_35m_2022")):
        rows.append({"level": "district", "code": code, "name": r["district"],
                     "source": _SIEN_2019, "indicator": ind, "year": 2019,
                     "value": r[f"{ind}_2019"], "smoothed": np.nan, "lo": np.nan,
                     "hi": np.nan, "n_measured": np.nan,
                     "n_min": r["stunting_u5_2019_min_n"] if ind == "stunting_u5" else np.nan})
        rows.append({"level": "district", "code": code, "name": r["district"],
                     "source": _SIEN_2022, "indicator": ind, "year": 2022,
                     "value": r[rate22], "smoothed": r[f"{rate22}_eb"],
                     "lo": r[f"{rate22}_eb_lo"], "hi": r[f"{rate22}_eb_hi"],
                     "n_measured": r[n22], "n_min": np.nan})
    endes = endes[endes["department_code"].isin([code[:2], "00"])]
    for e in endes.itertuples():
        level = "national" if e.level == "national" else "department"
        for ind, n in (("stunting_u5", e.n_stunting), ("anemia_6_35m", e.n_anemia)):
            rows.append({"level": level, "code": e.department_code, "name": e.department,
                         "source": _ENDES, "indicator": ind, "year": int(e.year),
                         "value": getattr(e, ind), "smoothed": np.nan, "lo": np.nan,
                         "hi": np.nan, "n_measured": n, "n_min": np.nan})
    out = pd.DataFrame(rows, columns=TREND_COLUMNS)
    order = {"district": 0, "department": 1, "national": 2, "stunting_u5": 0,
             "anemia_6_35m": 1}
    out = out.sort_values(["indicator", "level", "year"], kind="stable",
                          key=lambda s: s.map(order) if s.name != "year" else s)
    out = out.reset_index(drop=True)
    for col in ("value", "smoothed", "lo", "hi", "n_measured", "n_min"):
        out[col] = out[col].astype(float)
    out["year"] = out["year"].astype(int)
    out.attrs.update(ubigeo=code, district=r["district"], province=r["province"],
                     department=r["department"])
    return out
