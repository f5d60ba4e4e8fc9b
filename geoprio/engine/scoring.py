"""Composite index: normalise indicators and aggregate them into one score.

Every normalisation returns a *need* scale: a higher value always means a district in
greater need, whatever the indicator's direction. Direction comes from the catalog's
``higher_is_worse`` column (the shipped catalog by default) and can be overridden per
indicator; an indicator whose direction is known from neither is an error, never a guess.

Normalisations (``NORMALISATIONS``), computed over all districts given (the national
scale: a department filter never changes the scale):

``minmax``
    ``(x - min) / (max - min)`` in [0, 1]; ``1 - that`` when higher is better.
``zscore``
    ``(x - mean) / sd`` (population sd); sign flipped when higher is better.
``rank``
    percentile rank in (0, 1] (ties share their average rank); computed on ``-x`` when
    higher is better.
``target``
    distance to a target (e.g. stunting against a national goal): ``max(x - target, 0)``
    when higher is worse, ``max(target - x, 0)`` otherwise, divided by the largest gap so
    that 0 means "target met" and 1 the farthest district. Needs ``targets[id]``.

Aggregations (``AGGREGATIONS``), following the OECD/JRC *Handbook on Constructing
Composite Indicators* (2008):

``arithmetic``
    weighted arithmetic mean, fully compensatory.
``geometric``
    weighted geometric mean, partly compensatory. It needs positive values, so each
    normalised column is first rescaled to [0, 1] (min–max over districts; a no-op for
    ``minmax``) and a small offset ``GEOMETRIC_OFFSET = 0.01`` is added before taking
    logs and removed afterwards: ``exp(sum w log(v + 0.01)) - 0.01``. Without the offset
    one zero would send a district's score to zero whatever its other gaps.

Weights are normalised to sum to 1 and returned. Missing values follow a stated policy
(``MISSING_POLICIES``), never a silent zero:

``exclude``
    a district missing any weighted indicator gets no score (NaN) and is listed.
``reweight``
    the weights are renormalised over the indicators a district has; a district with
    none of them gets no score and is listed.
``impute``
    a missing raw value is replaced by the indicator's median over all districts; the
    number imputed per indicator is reported.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"ubigeo": ["010101", "010102", "010103"],
...                       "poverty_2018": [10.0, 50.0, 30.0], "hdi_2019": [0.6, 0.3, None]})
>>> res = composite(frame, {"poverty_2018": 1, "hdi_2019": 1},
...                 higher_is_worse={"poverty_2018": True, "hdi_2019": False})
>>> res.score.round(3).tolist()
[0.0, 1.0, 0.5]
>>> res.weights
{'poverty_2018': 0.5, 'hdi_2019': 0.5}
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from geoprio.errors import ScenarioError

logger = logging.getLogger(__name__)

__all__ = [
    "AGGREGATIONS",
    "GEOMETRIC_OFFSET",
    "MISSING_POLICIES",
    "NORMALISATIONS",
    "CompositeResult",
    "aggregate",
    "composite",
    "directions_from_catalog",
    "normalise",
    "normalise_weights",
    "shipped_catalog_if_none",
]

GEOMETRIC_OFFSET = 0.01
MISSING_POLICIES: tuple[str, ...] = ("exclude", "reweight", "impute")


def _nan_reduce(func: Callable[..., np.ndarray], x: np.ndarray) -> np.ndarray:
    """``func(x, axis=-1, keepdims=True)`` quiet on all-NaN rows (which give NaN)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return func(x, axis=-1, keepdims=True)


def _range_scale(x: np.ndarray) -> np.ndarray:
    """Min–max along the last axis; a constant column maps to 0."""
    lo = _nan_reduce(np.nanmin, x)
    hi = _nan_reduce(np.nanmax, x)
    with np.errstate(invalid="ignore", divide="ignore"):
        span = hi - lo
        spread = span > 0
        out = x - lo  # (x - lo) / span, in one new array
        out /= np.where(spread, span, 1.0)
    if spread.all():  # no constant or empty row: NaN is already where x is NaN
        return out
    out = np.where(spread, out, 0.0)
    return np.where(np.isnan(x), np.nan, out)


def _minmax(x: np.ndarray, worse: bool, target: float | None) -> np.ndarray:
    scaled = _range_scale(x)
    return scaled if worse else np.subtract(1.0, scaled, out=scaled)


def _zscore(x: np.ndarray, worse: bool, target: float | None) -> np.ndarray:
    mean = _nan_reduce(np.nanmean, x)
    sd = _nan_reduce(np.nanstd, x)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(sd > 0, (x - mean) / np.where(sd > 0, sd, 1.0), 0.0)
    z = np.where(np.isnan(x), np.nan, z)
    return z if worse else -z


def _rank(x: np.ndarray, worse: bool, target: float | None) -> np.ndarray:
    key = x if worse else -x
    ranks = rankdata(key, axis=-1, method="average", nan_policy="omit")
    count = np.sum(~np.isnan(x), axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isnan(x), np.nan, ranks / np.maximum(count, 1))


def _target(x: np.ndarray, worse: bool, target: float | None) -> np.ndarray:
    if target is None:
        raise ScenarioError("normalisation='target' needs a target value for every indicator")
    gap = np.maximum(x - target, 0.0) if worse else np.maximum(target - x, 0.0)
    top = _nan_reduce(np.nanmax, gap)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(top > 0, gap / np.where(top > 0, top, 1.0), 0.0)
    return np.where(np.isnan(x), np.nan, out)


#: normalisation name -> function(values, higher_is_worse, target) on the last axis
NORMALISATIONS: dict[str, Callable[[np.ndarray, bool, float | None], np.ndarray]] = {
    "minmax": _minmax,
    "zscore": _zscore,
    "rank": _rank,
    "target": _target,
}


def normalise(
    values: np.ndarray | pd.Series,
    *,
    method: str = "minmax",
    higher_is_worse: bool = True,
    target: float | None = None,
) -> np.ndarray:
    """Normalise one indicator to a need scale (higher = more need).

    Parameters
    ----------
    values : array-like
        Raw values; shape ``(n,)`` or ``(draws, n)`` (normalised along the last axis).
        NaN stays NaN.
    method : {"minmax", "zscore", "rank", "target"}, default="minmax"
        See the module docstring.
    higher_is_worse : bool, default=True
        Direction of the indicator.
    target : float, optional
        Needed by ``method="target"``.

    Returns
    -------
    numpy.ndarray
        Same shape as ``values``.

    Examples
    --------
    >>> normalise([0.0, 5.0, 10.0], method="minmax", higher_is_worse=False).tolist()
    [1.0, 0.5, 0.0]
    >>> normalise([4.0, 10.0, 20.0], method="target", target=6.0).tolist()
    [0.0, 0.2857142857142857, 1.0]
    """
    if method not in NORMALISATIONS:
        raise ScenarioError(
            f"method must be one of {list(NORMALISATIONS)}; got {method!r} (a scenario's "
            "normalisation)"
        )
    x = np.asarray(values, dtype=float)
    return NORMALISATIONS[method](x, bool(higher_is_worse), target)


def normalise_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Check weights and scale them to sum to 1.

    Examples
    --------
    >>> normalise_weights({"a": 2, "b": 2, "c": 4})
    {'a': 0.25, 'b': 0.25, 'c': 0.5}
    """
    if not isinstance(weights, Mapping) or not weights:
        raise ScenarioError(f"weights must be a non-empty mapping id -> weight; got {weights!r}")
    bad = {k: v for k, v in weights.items() if not _is_number(v) or not v >= 0}
    if bad:
        raise ScenarioError(f"weights must be finite numbers >= 0; got {bad}")
    total = float(sum(float(v) for v in weights.values()))
    if total <= 0:
        raise ScenarioError(f"at least one weight must be > 0; got {dict(weights)}")
    return {k: float(v) / total for k, v in weights.items()}


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and (
        np.isfinite(float(v))  # type: ignore[arg-type]
    )


def _agg_arithmetic(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    return np.einsum("...nk,...k->...n", v, w)


def _agg_geometric(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    logs = np.log(v + GEOMETRIC_OFFSET)
    return np.exp(np.einsum("...nk,...k->...n", logs, w)) - GEOMETRIC_OFFSET


#: aggregation name -> function(values (..., n, k) without NaN, weights (..., k))
AGGREGATIONS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "arithmetic": _agg_arithmetic,
    "geometric": _agg_geometric,
}


def aggregate(
    normalised: np.ndarray,
    weights: np.ndarray,
    *,
    method: str = "arithmetic",
    missing: str = "reweight",
) -> np.ndarray:
    """Aggregate normalised indicators, vectorised over optional Monte Carlo draws.

    Parameters
    ----------
    normalised : numpy.ndarray
        Shape ``(n, k)`` or ``(draws, n, k)``; NaN marks a missing value.
    weights : numpy.ndarray
        Shape ``(k,)`` or ``(draws, k)``, summing to 1.
    method : {"arithmetic", "geometric"}, default="arithmetic"
    missing : {"exclude", "reweight", "impute"}, default="reweight"
        ``impute`` must have been applied to the raw values already; here it behaves as
        ``exclude`` for anything still missing.

    Returns
    -------
    numpy.ndarray
        Scores of shape ``(n,)`` or ``(draws, n)``; NaN for districts without a score.

    Examples
    --------
    >>> import numpy as np
    >>> v = np.array([[1.0, 0.0], [0.5, np.nan]])
    >>> aggregate(v, np.array([0.5, 0.5]), missing="reweight").tolist()
    [0.5, 0.5]
    """
    if method not in AGGREGATIONS:
        raise ScenarioError(f"aggregation must be one of {list(AGGREGATIONS)}; got {method!r}")
    if missing not in MISSING_POLICIES:
        raise ScenarioError(f"missing must be one of {list(MISSING_POLICIES)}; got {missing!r}")
    v = np.asarray(normalised, dtype=float)
    w = np.asarray(weights, dtype=float)
    if method == "geometric":
        # rescale each column to [0, 1] over districts so logs are defined (see module doc)
        v = np.moveaxis(_range_scale(np.moveaxis(v, -1, -2)), -2, -1)
    present = ~np.isnan(v)
    complete = bool(present.all())
    filled = v if complete else np.where(present, v, 0.0 if method == "arithmetic" else 1.0)
    # weight share available to each district: (..., n)
    avail = np.einsum("...nk,...k->...n", present.astype(float), w)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "arithmetic":
            score = _agg_arithmetic(filled, w)
            score /= avail
        else:
            logs = np.log(filled + GEOMETRIC_OFFSET)
            if not complete:
                logs[~present] = 0.0
            score = np.exp(np.einsum("...nk,...k->...n", logs, w) / avail) - GEOMETRIC_OFFSET
    if missing == "reweight":
        return np.where(avail > 1e-12, score, np.nan)
    if complete:
        return score
    # a district lacking any indicator that has weight gets no score
    lacking = (~present & (w > 0)[..., None, :]).any(axis=-1)
    return np.where(lacking, np.nan, score)


def shipped_catalog_if_none(catalog: pd.DataFrame | None) -> pd.DataFrame:
    """``catalog``, or the shipped catalog (``geoprio.catalog()``) when it is None."""
    if catalog is not None:
        return catalog
    from geoprio.data.shipped import catalog as shipped

    return shipped()


def directions_from_catalog(
    ids: list[str], catalog: pd.DataFrame | None, overrides: Mapping[str, bool] | None = None
) -> dict[str, bool]:
    """Direction of each indicator: the overrides first, then the catalog's ``higher_is_worse``.

    An indicator whose direction is known from neither is an error: geoprio never guesses
    whether more of something is worse (a guess ranks Lima's richest district first on HDI).

    Examples
    --------
    >>> directions_from_catalog(["a", "b"], None, {"a": True, "b": False})
    {'a': True, 'b': False}
    >>> directions_from_catalog(["hdi"], None)
    Traceback (most recent call last):
    ...
    geoprio.errors.ScenarioError: indicator 'hdi' has no known direction: say whether a higher \
value means more need, e.g. higher_is_worse={'hdi': True} (or False), or add it to the catalog \
with its higher_is_worse
    """
    overrides = dict(overrides or {})
    known: dict[str, bool] = {}
    if catalog is not None and "id" in catalog and "higher_is_worse" in catalog:
        known = {
            str(i): bool(h)
            for i, h in zip(catalog["id"], catalog["higher_is_worse"], strict=True)
            if not pd.isna(h)
        }
    out = {}
    unknown = []
    for i in ids:
        if i in overrides:
            out[i] = bool(overrides[i])
        elif i in known:
            out[i] = known[i]
        else:
            unknown.append(i)
    if unknown:
        noun = "indicator" if len(unknown) == 1 else "indicators"
        names = ", ".join(repr(u) for u in unknown)
        example = ", ".join(f"{u!r}: True" for u in unknown)
        raise ScenarioError(
            f"{noun} {names} {'has' if len(unknown) == 1 else 'have'} no known direction: say "
            f"whether a higher value means more need, e.g. higher_is_worse={{{example}}} "
            "(or False), or add it to the catalog with its higher_is_worse"
        )
    return out


@dataclass
class CompositeResult:
    """Result of :func:`composite`.

    Attributes
    ----------
    score : pandas.Series
        Composite score, index of the input frame; NaN for districts without a score.
    normalised : pandas.DataFrame
        The normalised (need-scale) indicators, one column per id.
    weights : dict
        Weights actually used, summing to 1.
    higher_is_worse : dict
        Direction used for each indicator.
    excluded : list of str
        ``ubigeo`` (or index labels) of districts left without a score.
    imputed : dict
        Number of values imputed per indicator (``missing="impute"`` only).
    missing_counts : dict
        Number of missing raw values per indicator.
    """

    score: pd.Series
    normalised: pd.DataFrame
    weights: dict[str, float]
    higher_is_worse: dict[str, bool]
    excluded: list[str] = field(default_factory=list)
    imputed: dict[str, int] = field(default_factory=dict)
    missing_counts: dict[str, int] = field(default_factory=dict)

    def __repr__(self) -> str:
        w = ", ".join(f"{k}={v:.3f}" for k, v in self.weights.items())
        return (
            f"CompositeResult(n={len(self.score)}, weights: {w}; "
            f"excluded={len(self.excluded)}, imputed={sum(self.imputed.values())})"
        )


def prepare_raw(
    frame: pd.DataFrame, ids: list[str], *, missing: str
) -> tuple[np.ndarray, dict[str, int], dict[str, int]]:
    """Raw indicator matrix ``(n, k)`` as floats, with median imputation if asked."""
    absent = [i for i in ids if i not in frame.columns]
    if absent:
        raise ScenarioError(
            f"indicators {absent} are not columns of the districts frame; "
            f"available numeric columns: {_numeric_columns(frame)}"
        )
    cols = []
    missing_counts: dict[str, int] = {}
    imputed: dict[str, int] = {}
    for i in ids:
        try:
            col = pd.to_numeric(frame[i], errors="raise").astype(float).to_numpy()
        except (TypeError, ValueError) as exc:
            raise ScenarioError(f"indicator {i!r} is not numeric ({frame[i].dtype})") from exc
        infinite = np.isinf(col)
        if infinite.any():
            raise ScenarioError(
                f"indicator {i!r} has {int(infinite.sum())} infinite values (e.g. a cell 1e400); "
                "correct them in the source table or leave them blank (missing)"
            )
        nmiss = int(np.isnan(col).sum())
        missing_counts[i] = nmiss
        if missing == "impute" and nmiss:
            med = float(np.nanmedian(col)) if nmiss < len(col) else np.nan
            col = np.where(np.isnan(col), med, col)
            imputed[i] = nmiss
            logger.info("imputed %d missing values of %r with the median %.4g", nmiss, i, med)
        cols.append(col)
    raw = np.column_stack(cols) if cols else np.empty((len(frame), 0))
    return raw, missing_counts, imputed


def _numeric_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]


def composite(
    frame: pd.DataFrame,
    weights: Mapping[str, float],
    *,
    normalisation: str = "minmax",
    aggregation: str = "arithmetic",
    missing: str = "reweight",
    higher_is_worse: Mapping[str, bool] | None = None,
    targets: Mapping[str, float] | None = None,
    catalog: pd.DataFrame | None = None,
) -> CompositeResult:
    """Composite need score of each district.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per district, with a column per indicator id.
    weights : mapping
        Indicator id -> weight (>= 0). Indicators with weight 0 are ignored.
    normalisation : {"minmax", "zscore", "rank", "target"}, default="minmax"
    aggregation : {"arithmetic", "geometric"}, default="arithmetic"
    missing : {"exclude", "reweight", "impute"}, default="reweight"
    higher_is_worse : mapping, optional
        Direction overrides; otherwise from ``catalog``; an indicator in neither is an error.
    targets : mapping, optional
        Indicator id -> target, required for ``normalisation="target"``.
    catalog : pandas.DataFrame, optional
        Directions of the indicators; default the shipped ``geoprio.catalog()``.

    Returns
    -------
    CompositeResult

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"ubigeo": ["1", "2", "3"], "x": [1.0, 3.0, None]})
    >>> composite(f, {"x": 1}, missing="exclude", higher_is_worse={"x": True}).excluded
    ['3']
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame; got {type(frame).__name__}")
    if normalisation not in NORMALISATIONS:
        raise ScenarioError(
            f"normalisation must be one of {list(NORMALISATIONS)}; got {normalisation!r}"
        )
    if aggregation not in AGGREGATIONS:
        raise ScenarioError(
            f"aggregation must be one of {list(AGGREGATIONS)}; got {aggregation!r}"
        )
    if missing not in MISSING_POLICIES:
        raise ScenarioError(f"missing must be one of {list(MISSING_POLICIES)}; got {missing!r}")
    w_all = normalise_weights(weights)
    ids = [k for k, v in w_all.items() if v > 0]
    targets = dict(targets or {})
    if normalisation == "target":
        lacking = [i for i in ids if i not in targets]
        if lacking:
            raise ScenarioError(
                f"normalisation='target' needs targets for {lacking}; got targets={targets}"
            )
    raw, missing_counts, imputed = prepare_raw(frame, ids, missing=missing)
    directions = directions_from_catalog(ids, shipped_catalog_if_none(catalog), higher_is_worse)
    norm = np.column_stack(
        [
            normalise(raw[:, j], method=normalisation, higher_is_worse=directions[i],
                      target=targets.get(i))
            for j, i in enumerate(ids)
        ]
    ) if ids else raw
    w = np.array([w_all[i] for i in ids])
    score = aggregate(norm, w, method=aggregation, missing=missing)
    labels = (
        frame["ubigeo"].astype(str).to_numpy() if "ubigeo" in frame else frame.index.astype(str)
    )
    excluded = [str(x) for x in np.asarray(labels)[np.isnan(score)]]
    if excluded:
        logger.info("%d districts left without a score (missing=%r)", len(excluded), missing)
    return CompositeResult(
        score=pd.Series(score, index=frame.index, name="score"),
        normalised=pd.DataFrame(norm, index=frame.index, columns=ids),
        weights=w_all,
        higher_is_worse=directions,
        excluded=excluded,
        imputed=imputed,
        missing_counts=missing_counts,
    )
