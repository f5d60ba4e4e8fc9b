"""How long a user's text may be, checked where it enters geoprio.

A scenario's name, description, sources, caveats and place names (from a TOML or JSON file, a
``?s=`` link or the panel) and an indicator's label, unit, source and notes (an upload, a zonal
statistic) are shown on every page run, written into every export and fitted into every PDF
sheet. A link of 2.8 kB unpacks to a name of a million characters; before these bounds such a
name made one PDF sheet take hours. Each text therefore has a bound, checked at the door with
a one-line message naming the field, its length and the bound (:func:`text_problem`), and
nothing downstream has to guess. The bounds are far above what a planner writes: the presets'
longest description is 617 characters, the shipped catalog's longest label 91.

Examples
--------
>>> text_problem("Piloto Amazonas", "name", MAX_NAME) is None
True
>>> text_problem("x" * 1_000_000, "name", MAX_NAME)
'name is 1,000,000 characters long; at most 120 (shorten it)'
>>> list_problem(["Ley 29951"] * 60, "sources", MAX_NOTES, MAX_NOTE)
'sources has 60 entries; at most 50'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from geoprio.errors import GeoprioError, InputError

__all__ = [
    "MAX_DESCRIPTION",
    "MAX_LABEL",
    "MAX_NAME",
    "MAX_NOTE",
    "MAX_NOTES",
    "MAX_PLACE",
    "MAX_PLACES",
    "MAX_SOURCE",
    "MAX_UNIT",
    "TEXT_LIMITS",
    "check_text",
    "list_problem",
    "text_problem",
]

#: a scenario's name (characters)
MAX_NAME = 120
#: a scenario's description
MAX_DESCRIPTION = 4_000
#: one source or caveat of a scenario; an indicator's description or caveats
MAX_NOTE = 1_000
#: sources (and caveats) a scenario may list
MAX_NOTES = 50
#: one department or province name of a scenario's filter
MAX_PLACE = 100
#: names in a department or province filter (Peru has 196 provinces)
MAX_PLACES = 300
#: an indicator's label (Spanish or English)
MAX_LABEL = 200
#: an indicator's unit
MAX_UNIT = 40
#: an indicator's source
MAX_SOURCE = 500

#: every bound above, by what it bounds (README's Security section lists them all)
TEXT_LIMITS: dict[str, int] = {
    "scenario name": MAX_NAME,
    "scenario description": MAX_DESCRIPTION,
    "scenario source or caveat (each)": MAX_NOTE,
    "scenario sources, caveats (entries)": MAX_NOTES,
    "department or province name": MAX_PLACE,
    "departments, provinces (entries)": MAX_PLACES,
    "indicator label": MAX_LABEL,
    "indicator unit": MAX_UNIT,
    "indicator source": MAX_SOURCE,
    "indicator description, caveats": MAX_NOTE,
}


def text_problem(value: str, field: str, limit: int) -> str | None:
    """The one-line problem of ``value`` as ``field``, or None when it is within ``limit``.

    Parameters
    ----------
    value : the text (only its length is looked at: nothing of it is echoed back).
    field : what it is, as the message names it (``"name"``, ``"label_es"``...).
    limit : most characters allowed.
    """
    if len(value) <= limit:
        return None
    return f"{field} is {len(value):,} characters long; at most {limit:,} (shorten it)"


def list_problem(values: Sequence[Any], field: str, most: int, limit: int) -> str | None:
    """The problem of a list of texts: too many entries, or one too long; None when fine."""
    if len(values) > most:
        return f"{field} has {len(values):,} entries; at most {most:,}"
    for i, value in enumerate(values, start=1):
        problem = text_problem(str(value), f"{field} entry {i}", limit)
        if problem:
            return problem
    return None


def check_text(value: str, field: str, limit: int,
               error: type[GeoprioError] = InputError) -> str:
    """``value`` if it is within ``limit`` characters, else ``error`` with the one-line problem.

    Examples
    --------
    >>> check_text("%", "unit", MAX_UNIT)
    '%'
    >>> check_text("m" * 41, "unit", MAX_UNIT)
    Traceback (most recent call last):
    ...
    geoprio.errors.InputError: unit is 41 characters long; at most 40 (shorten it)
    """
    problem = text_problem(value, field, limit)
    if problem:
        raise error(problem)
    return value
