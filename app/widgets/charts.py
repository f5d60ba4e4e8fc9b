"""Chart axes whose numbers read as the page's language writes them.

Vega-Lite formats numbers the English way ("70,000", "0.5") or abbreviates them ("70k"); a
Spanish page writes "70 000" and "0,5" (:mod:`geoprio.fmt`). :func:`number_axis` formats the
labels with Vega's own ``format`` and then, in Spanish, swaps the marks in a label
expression: no script of ours runs in the chart.
"""

from __future__ import annotations

from typing import Any

import altair as alt

__all__ = ["number_axis", "spanish_label_expr"]


def spanish_label_expr(decimals: int = 0) -> str:
    """A Vega label expression: thousands with a no-break space, a decimal comma.

    Examples
    --------
    >>> spanish_label_expr(1).startswith("replace(replace(replace(format(datum.value, ',.1f')")
    True
    """
    return (f"replace(replace(replace(format(datum.value, ',.{decimals}f'), regexp(',', 'g'), "
            f"'#'), '.', ','), regexp('#', 'g'), '\u00a0')")


def number_axis(lang: str, decimals: int = 0, **kwargs: Any) -> alt.Axis:
    """An axis of whole numbers (or ``decimals`` decimals) in ``lang``'s convention."""
    if lang == "en":
        return alt.Axis(format=f",.{decimals}f", **kwargs)
    return alt.Axis(labelExpr=spanish_label_expr(decimals), **kwargs)
