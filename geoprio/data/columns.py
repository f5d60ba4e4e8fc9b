"""The names geoprio computes, which no user's column or indicator may take.

A user's table with a column named ``score`` or ``poor_people`` would have its values silently
replaced by the computed ones, and one named ``geometry`` would break a GIS export: the readers
(:mod:`geoprio.readers`) refuse or rename such columns, the scenario
(:mod:`geoprio.engine.scenario`) refuses them as weights, and the app refuses them as ids. One
list, here at the bottom, so that each of them reads the same names.

Examples
--------
>>> "score" in RESERVED_IDS and "poor_people" in RESERVED_IDS and "pobreza" not in RESERVED_IDS
True
"""

from __future__ import annotations

__all__ = ["DERIVED_NAMES", "RESERVED_IDS", "RESERVED_NAMES"]

#: Column names geoprio gives its own results, which a user's table or indicator may not take:
#: ``geometry``, ``ubigeo`` (the key), the output columns of :func:`geoprio.prioritize`
#: (``score``, ``rank``... see ``geoprio.engine.ranking.OUTPUT_COLUMNS``) and of the budget, and
#: ``zonal_method``.
RESERVED_NAMES: frozenset[str] = frozenset({
    "geometry", "ubigeo", "score", "rank", "rank_p05", "rank_median", "rank_p95", "p_eligible",
    "p_selected", "eligibility_uncertain", "selection_uncertain", "eligible", "selected",
    "reasons", "budget_need", "cost", "cum_cost", "cum_coverage", "zonal_method"})
#: Columns geoprio derives from the indicators on every run (``geoprio.engine.derived.DERIVED``): a
#: user's column or indicator of that name would be replaced by the computed one.
DERIVED_NAMES: frozenset[str] = frozenset({
    "poverty_quintile_2018", "stunted_children", "anemic_children", "poor_people",
    "stunted_children_rate_weighted", "anemic_children_rate_weighted",
    "poor_people_rate_weighted"})
#: Every id a user's column or indicator may not take, compared case-insensitively.
RESERVED_IDS: frozenset[str] = RESERVED_NAMES | DERIVED_NAMES
