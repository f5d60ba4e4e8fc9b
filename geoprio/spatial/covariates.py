"""Covariates for the Fay–Herriot model: a fixed list of candidates and a stated rule to choose.

The candidates are fixed in advance, each with its source and the reason it may predict child
malnutrition or anaemia (poverty, services, mothers' education, rurality, altitude, size,
department). Which of them enter the model is decided by a rule, not by looking at the
results: **forward selection on BIC** of the Fay–Herriot likelihood (ML fit, as
``sae::eblupFH`` computes it: ``BIC = −2ℓ + (p + 1) log m``). Starting from the intercept, each
step adds the candidate that lowers BIC most; selection stops when no candidate lowers it.
Ties go to the candidate listed first. All steps use the same districts: those with children
measured and every candidate known, so that the BICs compare like with like.

The 2019 SIEN rates are defined (``stunting_u5_2019_asin``, ``anemia_6_35m_2019_asin``) but
are **not** default candidates: the Fay–Herriot model takes covariates as known exactly, and a
2019 rate rests on as few children as the 2022 one (their number is not published, so the
error cannot be modelled). In the design-based check (methodology, section 3.14) a model with
the 2019 rate covers the truth in 55% of its 90% intervals for districts with 10 children.

The department (``department``) is one candidate: 24 indicator columns that enter or not
together (reference: 01 Amazonas). Transforms are fixed with the list: the 2019 rates on the
same arcsine scale as the response, altitude in km, children under 5 on a log scale.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geoprio.errors import InputError

__all__ = ["CANDIDATES", "DEFAULT_CANDIDATES", "PRIOR_RATE_CANDIDATES", "SelectionResult",
           "covariate_frame", "select_covariates"]

log = logging.getLogger(__name__)

#: name -> (column, transform, source, why)
CANDIDATES: dict[str, tuple[str, str, str, str]] = {
    "poverty_2018": ("poverty_2018", "identity", "INEI, mapa de pobreza 2018",
                     "monetary poverty: food, care and sanitation a household can afford"),
    "extreme_poverty_2013": ("extreme_poverty_2013", "identity", "INEI vía CEPLAN, 2013",
                             "extreme poverty (older map)"),
    "hdi_2019": ("hdi_2019", "identity", "PNUD Perú vía CEPLAN, 2019",
                 "life expectancy, education and income together"),
    "food_vulnerability": ("food_vulnerability", "identity", "MIDIS/PMA (IVIA)",
                           "vulnerability to food insecurity"),
    "no_water_2017": ("no_water_2017", "identity", "INEI, censo 2017",
                      "no piped water: diarrhoea and enteropathy"),
    "no_sewer_2017": ("no_sewer_2017", "identity", "INEI, censo 2017", "no public sewer"),
    "no_electricity_2017": ("no_electricity_2017", "identity", "INEI, censo 2017",
                            "no electricity: isolation"),
    "rural_share_2017": ("rural_share_2017", "identity", "INEI, censo 2017 (FIDT 2024)",
                         "rural population share"),
    "illiteracy_2017": ("illiteracy_2017", "identity", "INEI, censo 2017 (FIDT 2024)",
                        "illiteracy: mothers' education"),
    "no_health_insurance_2017": ("no_health_insurance_2017", "identity",
                                 "INEI, censo 2017 (FIDT 2024)", "no health insurance"),
    "schooling_years_2017": ("schooling_years_2017", "identity", "INEI, censo 2017 (FIDT 2024)",
                             "mean years of schooling, age 17+"),
    "altitude_km": ("altitude_m", "per_1000", "ubigeo-peru-aumentado (INEI)",
                    "altitude of the district capital, km: height-for-age and haemoglobin "
                    "both vary with altitude"),
    "log_under5_2020": ("under5_2020", "log", "MINSA REUNIS (INEI), 2020",
                        "size: log of the children under 5"),
    "stunting_u5_2019_asin": ("stunting_u5_2019", "asin_percent", "MINSA SIEN vía CEPLAN, 2019",
                              "stunting in the same system three years earlier"),
    "anemia_6_35m_2019_asin": ("anemia_6_35m_2019", "asin_percent",
                               "MINSA SIEN vía CEPLAN, 2019",
                               "anaemia in the same system three years earlier"),
    "department": ("ubigeo", "department", "INEI ubigeo",
                   "department (24 indicators, reference 01 Amazonas): regional health "
                   "directorates and regional diets"),
}
REFERENCE_DEPARTMENT = "01"
#: the 2019 rates of the same system: measured with an error of unknown size (see above)
PRIOR_RATE_CANDIDATES = ("stunting_u5_2019_asin", "anemia_6_35m_2019_asin")
#: the candidates :func:`select_covariates` and :func:`geoprio.small_area` use by default
DEFAULT_CANDIDATES = tuple(c for c in CANDIDATES if c not in PRIOR_RATE_CANDIDATES)


@dataclass(frozen=True)
class SelectionResult:
    """Forward selection on BIC: the covariates chosen in order and every step's BIC."""

    chosen: tuple[str, ...]
    steps: pd.DataFrame
    districts_used: int

    def __repr__(self) -> str:
        return (f"SelectionResult(chosen={list(self.chosen)}, districts_used="
                f"{self.districts_used}, final BIC={self.steps['bic'].iloc[-1]:.2f})")


def covariate_frame(districts: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """The named candidates as model columns, rows aligned with ``districts`` (NaN kept).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"ubigeo": ["010101", "150101"], "altitude_m": [2335.0, 154.0],
    ...                   "stunting_u5_2019": [25.0, 50.0]})
    >>> covariate_frame(t, ["altitude_km", "stunting_u5_2019_asin"]).round(4).values.tolist()
    [[2.335, 0.5236], [0.154, 0.7854]]
    """
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown:
        raise InputError(f"unknown covariate candidates {unknown}; candidates are "
                         f"{list(CANDIDATES)}")
    out = pd.DataFrame(index=range(len(districts)))
    for name in names:
        column, transform, _, _ = CANDIDATES[name]
        if column not in districts.columns:
            raise InputError(f"covariate {name!r} needs the column {column!r} in districts")
        values = districts[column].reset_index(drop=True)
        if transform == "department":
            code = values.astype(str).str[:2]
            for c in sorted(set(code) - {REFERENCE_DEPARTMENT}):
                out[f"department_{c}"] = (code == c).astype(float)
            continue
        x = pd.to_numeric(values, errors="coerce").astype(float)
        out[name] = _transform(x.to_numpy(), transform)
    return out


def _transform(x: np.ndarray, how: str) -> np.ndarray:
    if how == "per_1000":
        return x / 1000.0
    if how == "log":
        with np.errstate(divide="ignore"):
            return np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), np.nan)
    if how == "asin_percent":
        return np.arcsin(np.sqrt(np.clip(x, 0, 100) / 100.0))
    return x


def select_covariates(
    districts: pd.DataFrame,
    events: str | Any,
    trials: str | Any,
    candidates: Sequence[str] | None = None,
    *,
    transform: str = "arcsine",
    id_column: str = "ubigeo",
) -> SelectionResult:
    """Choose covariates from ``candidates`` by forward selection on the FH model's BIC (ML).

    Parameters
    ----------
    districts, events, trials : as :func:`geoprio.small_area`.
    candidates : names from :data:`CANDIDATES` (default: :data:`DEFAULT_CANDIDATES`, in their
        listed order).
    transform : the response's scale, as in :func:`geoprio.small_area`.

    Returns
    -------
    SelectionResult with ``chosen`` (in order of entry), ``steps`` (one row per step: the
    covariate added, BIC, σ²_u) and ``districts_used``.
    """
    from geoprio.spatial.fayherriot import _check_options, _counts, _direct, fay_herriot

    candidates = list(DEFAULT_CANDIDATES) if candidates is None else list(candidates)
    counts = _counts(districts, events, trials, id_column)
    _check_options(transform, 0.9, 1.0, "ml")
    y, psi = _direct(counts, transform)
    blocks = {name: covariate_frame(districts, [name]).to_numpy() for name in candidates}
    rows = counts.measured & np.all([~np.isnan(b).any(axis=1) for b in blocks.values()], axis=0)
    y, psi = y[rows], psi[rows]
    blocks = {k: v[rows] for k, v in blocks.items()}

    def bic(names: list[str]) -> tuple[float, float]:
        x = np.column_stack([blocks[n] for n in names]) if names else np.zeros((y.size, 0))
        r = fay_herriot(y, psi, x, method="ml")
        return r.bic, r.sigma2_u

    chosen: list[str] = []
    best, s2 = bic(chosen)
    steps = [{"step": 0, "added": "(intercept only)", "bic": best, "sigma2_u": s2}]
    while True:
        trials_ = [(bic([*chosen, c]), c) for c in candidates if c not in chosen]
        if not trials_:
            break
        (value, s2), name = min(trials_, key=lambda t: t[0][0])
        if value >= best:
            break
        chosen.append(name)
        best = value
        steps.append({"step": len(chosen), "added": name, "bic": value, "sigma2_u": s2})
    log.info("covariates chosen by BIC: %s", chosen)
    return SelectionResult(tuple(chosen), pd.DataFrame(steps), int(rows.sum()))
