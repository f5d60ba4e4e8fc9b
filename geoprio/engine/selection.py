"""Ranks and the list: one function for the point result and every Monte Carlo draw.

:func:`ranks_of` ranks the districts that may be ranked; :func:`select` applies the
scenario's list size. Both take arrays of shape ``(n,)`` (the point estimate) or
``(draws, n)`` (the simulation), so the list a planner sees and the probabilities beside it
come from the same rule.

List sizes (at most one):

``top_n``
    The N best-ranked districts.
``threshold``
    Districts whose score is at least the threshold (``score >= threshold``).
``budget``
    Districts chosen by :func:`geoprio.engine.budget.greedy_fill` on the need, within the money.
none
    Every ranked district (e.g. the FONIE preset: every eligible district, by score).

Examples
--------
>>> import numpy as np
>>> score = np.array([0.2, 0.9, 0.5, 0.7])
>>> ranked = np.array([True, True, True, False])
>>> rank = ranks_of(score, ranked)
>>> rank.tolist(), select(score, ranked, rank, top_n=2).tolist()
([3, 1, 2, 0], [False, True, True, False])
"""

from __future__ import annotations

import numpy as np

from geoprio.engine.budget import greedy_fill
from geoprio.engine.derived import stable_argsort
from geoprio.errors import ScenarioError

__all__ = ["ranks_of", "select"]


def ranks_of(scores: np.ndarray, ranked: np.ndarray) -> np.ndarray:
    """Ranks along the last axis (1 = highest score) among ``ranked``; 0 elsewhere.

    Ties keep input order (stable sort).

    Examples
    --------
    >>> import numpy as np
    >>> ranks_of(np.array([0.2, 0.9, 0.5, 0.9]), np.array([True, True, True, False])).tolist()
    [3, 1, 2, 0]
    """
    s = np.asarray(scores, dtype=float)
    mask = np.broadcast_to(ranked, s.shape) & np.isfinite(s)
    key = np.where(mask, -s, np.inf)
    # districts left unranked (key +inf) sort last in any order: their rank is 0
    order = stable_argsort(key, free_inf=True)
    ranks = np.empty(s.shape, dtype=np.int32)
    positions = np.broadcast_to(np.arange(1, s.shape[-1] + 1, dtype=np.int32), s.shape)
    np.put_along_axis(ranks, order, positions, axis=-1)
    ranks[~mask] = 0
    return ranks


def select(
    score: np.ndarray,
    ranked: np.ndarray,
    rank: np.ndarray,
    *,
    top_n: int | None = None,
    threshold: float | None = None,
    budget: float | None = None,
    need: np.ndarray | None = None,
    costs: np.ndarray | None = None,
) -> np.ndarray:
    """Which ranked districts are on the list.

    Parameters
    ----------
    score, ranked, rank : numpy.ndarray
        Score, rankable mask and rank (:func:`ranks_of`), ``(n,)`` or ``(draws, n)``.
    top_n, threshold, budget : optional
        The list size (at most one); none selects every ranked district.
    need, costs : numpy.ndarray, optional
        Required with ``budget``: the need maximised (>= 0) and the cost of each district.

    Returns
    -------
    numpy.ndarray of bool, the shape of ``score``.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([0.5, 0.4, 0.6])
    >>> ok = np.ones(3, bool)
    >>> select(s, ok, ranks_of(s, ok), threshold=0.5).tolist()
    [True, False, True]
    >>> select(s, ok, ranks_of(s, ok), budget=2.0, need=np.array([1.0, 5.0, 1.0]),
    ...        costs=np.array([1.0, 1.0, 2.0])).tolist()
    [True, True, False]
    """
    if sum(x is not None for x in (top_n, threshold, budget)) > 1:
        raise ScenarioError("give at most one of top_n, threshold, budget")
    ranked = np.broadcast_to(np.asarray(ranked, dtype=bool), np.shape(score))
    if top_n is not None:
        return ranked & (rank >= 1) & (rank <= top_n)
    if threshold is not None:
        with np.errstate(invalid="ignore"):
            return ranked & (score >= threshold)
    if budget is not None:
        if need is None or costs is None:
            raise ScenarioError("a budget needs the need and the cost of each district")
        return greedy_fill(need, costs, float(budget), ranked)
    return ranked.copy()
