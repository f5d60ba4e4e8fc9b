"""FONIE's simultaneous gaps: in how many of its sectors a district lags, and which.

Ley 29951 (art. 23) asks FONIE to finance water and sanitation, electrification,
telecommunications and rural roads "de preferencia en forma simultánea" (preferably together).
:func:`fonie_gaps` counts, per district, the FONIE sectors whose gap is above a stated
reference (the national median of the districts, or a threshold the planner sets) and lists
them.

Each sector and the census column that stands for it (:data:`FONIE_SECTORS`):

``water``
    ``no_water_2017``: households without water from the public network (census 2017). The
    census extract has no rural-only figure for water; all households are used.
``sanitation``
    ``no_sewer_2017``: households without a public sewer connection (all households, as above).
``electricity``
    ``rural_no_electricity_2017``: **rural** households without electricity. FONIE serves
    rural areas and the data has the rural figure: a district without rural population has no
    value, and its electricity gap is unknown, not absent.
``telecom``
    ``rural_no_mobile_2017``: rural households without a mobile phone (the FONIE preset's
    telecommunications gap; rural internet and fixed phones are missing in 99.5% and more of
    rural households in the median district and barely tell districts apart).
``roads``
    **No district data in the sources.** A user's column (uploaded and joined, higher =
    larger gap, e.g. % of rural population without an all-season road) can be declared with
    ``roads="my_column"``; otherwise the sector is not assessed and the result says so.

A sector without a value in a district is **unknown** (listed in ``fonie_gap_unknown``), never
counted as a gap nor as no gap.

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"ubigeo": ["1", "2", "3"], "no_water_2017": [80.0, 10.0, 50.0],
...                   "no_sewer_2017": [90.0, 20.0, 60.0],
...                   "rural_no_electricity_2017": [70.0, None, 10.0],
...                   "rural_no_mobile_2017": [40.0, 5.0, 60.0]})
>>> g = fonie_gaps(f, reference=45.0)
>>> g["fonie_gap_count"].tolist(), g["fonie_gap_sectors"].tolist()
([3, 0, 3], [['water', 'sanitation', 'electricity'], [], ['water', 'sanitation', 'telecom']])
>>> g["fonie_gap_unknown"].tolist()[1]
['electricity', 'roads']
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geoprio.errors import ScenarioError

logger = logging.getLogger(__name__)

__all__ = ["FONIE_SECTORS", "Sector", "fonie_gaps"]


@dataclass(frozen=True)
class Sector:
    """One FONIE sector and the column that measures its gap (higher = larger gap, %)."""

    id: str
    column: str | None
    label_es: str
    label_en: str
    why: str


#: sector id -> its column and why (roads: no column shipped)
FONIE_SECTORS: dict[str, Sector] = {s.id: s for s in (
    Sector("water", "no_water_2017", "agua", "water",
           "hogares sin agua de red pública (censo 2017; todos los hogares: el censo no da la "
           "cifra rural)"),
    Sector("sanitation", "no_sewer_2017", "saneamiento", "sanitation",
           "hogares sin desagüe a red pública (censo 2017; todos los hogares)"),
    Sector("electricity", "rural_no_electricity_2017", "electrificación", "electrification",
           "hogares rurales sin electricidad (censo 2017): el FONIE atiende zonas rurales; sin "
           "dato donde no hay población rural"),
    Sector("telecom", "rural_no_mobile_2017", "telecomunicaciones", "telecommunications",
           "hogares rurales sin teléfono celular (censo 2017)"),
    Sector("roads", None, "caminos rurales", "rural roads",
           "sin datos distritales en las fuentes; súbalos como indicador y declárelos con "
           "roads=<columna>"),
)}


def _references(values: dict[str, np.ndarray], reference: str | float | Mapping[str, float]
                ) -> dict[str, float]:
    out = {}
    for sid, v in values.items():
        if isinstance(reference, str):
            if reference != "median":
                raise ScenarioError(f"reference must be 'median', a number or a table sector -> "
                                    f"number; got {reference!r}")
            out[sid] = float(np.nanmedian(v)) if np.isfinite(v).any() else np.nan
        elif isinstance(reference, Mapping):
            unknown = set(reference) - set(FONIE_SECTORS)
            if unknown:
                raise ScenarioError(f"reference names unknown sectors {sorted(unknown)}; "
                                    f"sectors: {list(FONIE_SECTORS)}")
            if sid not in reference:
                raise ScenarioError(f"reference has no threshold for sector {sid!r}")
            out[sid] = float(reference[sid])
        else:
            out[sid] = float(reference)
        if not np.isfinite(out[sid]) and np.isfinite(v).any():
            raise ScenarioError(f"reference for {sid!r} must be a finite number; got "
                                f"{out[sid]!r}")
    return out


def fonie_gaps(
    districts: pd.DataFrame,
    reference: str | float | Mapping[str, float] = "median",
    *,
    roads: str | None = None,
) -> pd.DataFrame:
    """Count and list the FONIE sectors whose gap is above the reference, per district.

    Parameters
    ----------
    districts : DataFrame
        The districts (e.g. ``geoprio.load_districts()`` or a :func:`geoprio.prioritize`
        output) with the sector columns of :data:`FONIE_SECTORS`.
    reference : "median", float or mapping, default="median"
        ``"median"``: each sector's median over the districts of ``districts`` that have a
        value (half the districts lie above it); a number: one threshold (%) for every
        sector; a mapping sector id -> threshold. A gap is **above** the reference when
        strictly greater.
    roads : str, optional
        A numeric column of ``districts`` (%, higher = larger gap) that stands for the rural
        roads sector; without it roads are not assessed.

    Returns
    -------
    DataFrame
        A copy of ``districts`` with ``fonie_gap_<sector>`` (boolean, missing where the sector
        has no value), ``fonie_gap_count`` (sectors above the reference),
        ``fonie_gap_sectors`` (their ids, in the order of :data:`FONIE_SECTORS`),
        ``fonie_gap_unknown`` (sectors without a value, roads included when not given) and
        ``fonie_gap_assessed`` (sectors with a value). ``attrs["fonie_gaps"]`` holds each
        sector's column, reference and reason.
    """
    if not isinstance(districts, pd.DataFrame):
        raise TypeError(f"districts must be a (Geo)DataFrame; got {type(districts).__name__}")
    columns = {sid: s.column for sid, s in FONIE_SECTORS.items()}
    if roads is not None:
        if roads not in districts.columns:
            raise ScenarioError(f"roads column {roads!r} is not a column of the districts; "
                                "join your table first (geoprio.join_indicators)")
        columns["roads"] = roads
    values: dict[str, np.ndarray] = {}
    for sid, col in columns.items():
        if col is None:
            continue
        if col not in districts.columns:
            raise ScenarioError(f"sector {sid!r} needs the column {col!r}; use "
                                "geoprio.load_districts() or join it")
        try:
            values[sid] = pd.to_numeric(districts[col], errors="raise").astype(float).to_numpy()
        except (TypeError, ValueError):
            raise ScenarioError(f"sector {sid!r}: column {col!r} must be numeric") from None
    refs = _references(values, reference)
    out = districts.copy()
    n = len(out)
    count = np.zeros(n, dtype=np.int64)
    assessed = np.zeros(n, dtype=np.int64)
    above: dict[str, np.ndarray] = {}
    known: dict[str, np.ndarray] = {}
    for sid in FONIE_SECTORS:
        if sid not in values:
            known[sid] = np.zeros(n, dtype=bool)
            above[sid] = np.zeros(n, dtype=bool)
            continue
        v = values[sid]
        known[sid] = np.isfinite(v)
        with np.errstate(invalid="ignore"):
            above[sid] = known[sid] & (v > refs[sid])
        col = pd.array(above[sid], dtype="boolean")
        col[~known[sid]] = pd.NA
        out[f"fonie_gap_{sid}"] = col
        count += above[sid]
        assessed += known[sid]
    ids = list(FONIE_SECTORS)
    out["fonie_gap_count"] = count
    out["fonie_gap_sectors"] = pd.Series(
        [[s for s in ids if above[s][i]] for i in range(n)], index=out.index, dtype=object)
    out["fonie_gap_unknown"] = pd.Series(
        [[s for s in ids if not known[s][i]] for i in range(n)], index=out.index, dtype=object)
    out["fonie_gap_assessed"] = assessed
    out.attrs = dict(districts.attrs)
    out.attrs["fonie_gaps"] = {
        sid: {"column": columns.get(sid), "reference": refs.get(sid),
              "reference_kind": reference if isinstance(reference, str) else "threshold",
              "label_es": s.label_es, "label_en": s.label_en,
              "why": s.why if sid != "roads" or roads is None else
              f"columna del usuario {roads!r} (mayor = más brecha)"}
        for sid, s in FONIE_SECTORS.items()
    }
    logger.info("fonie_gaps: references %s; %d districts with 3 or more gaps", refs,
                int((count >= 3).sum()))
    return out
