"""Decisions written out: a comparison of two scenarios, a point of the budget trade-off.

The decision tools (:mod:`geoprio.decide`) compute; this module writes their tables through
:func:`geoprio.export`, with what decided them in the methodology (an
:class:`~geoprio.report.record.ExportRecord` of named parts): both scenarios and the
comparison's figures, or the scenario and the point's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from geoprio.decide.comparison import ScenarioComparison, compare_scenarios  # noqa: F401
from geoprio.engine.scenario import Scenario  # noqa: F401  (the doctests' names)
from geoprio.errors import ScenarioError
from geoprio.report.exporting import export
from geoprio.report.record import ExportRecord

__all__ = ["export_comparison", "export_tradeoff"]


def export_comparison(
    comparison: ScenarioComparison, path: str | Path, *, catalog: pd.DataFrame | None = None,
    date: Any = None, lang: str | None = None,
) -> Path:
    """Write a comparison's table with both scenarios and its figures in the methodology.

    The format comes from the extension (:func:`geoprio.export`): ``.xlsx`` (the ``metodologia``
    sheet holds ``escenario.a.*``, ``escenario.b.*`` and ``escenario.comparacion.*``),
    ``.gpkg`` (the ``escenario`` layer holds both scenarios as TOML), ``.csv``, ``.geojson``,
    ``.zip``. Map formats need the geometry (compare GeoDataFrames). ``lang`` (``"es"`` or
    ``"en"``) writes labelled headers above the ids, as :func:`geoprio.export` does.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> f = pd.DataFrame({"ubigeo": ["1", "2"], "x": [3.0, 2.0]})
    >>> s = Scenario(weights={"x": 1}, higher_is_worse={"x": True}, top_n=1, n_draws=0)
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "c.xlsx"
    >>> export_comparison(compare_scenarios(s, s, districts=f), out).name
    'c.xlsx'
    """
    if not isinstance(comparison, ScenarioComparison):
        raise TypeError(f"comparison must be a ScenarioComparison; got "
                        f"{type(comparison).__name__}")
    record = ExportRecord(a=comparison.scenario_a, b=comparison.scenario_b,
                          comparacion=comparison.summary())
    return export(comparison.table, path, scenario=record, catalog=catalog, date=date,
                  lang=lang)


def export_tradeoff(frame: pd.DataFrame, path: str | Path, *,
                    catalog: pd.DataFrame | None = None, date: Any = None,
                    lang: str | None = None) -> Path:
    """Write a :func:`tradeoff_list` output with the scenario and the point in the methodology.

    The XLSX ``metodologia`` sheet gets ``escenario.escenario.*`` (the scenario) and
    ``escenario.punto.*`` (budget, severity floor, both objective values, method); a
    GeoPackage's ``escenario`` layer both as TOML. ``lang`` (``"es"`` or ``"en"``) writes
    labelled headers above the ids, as :func:`geoprio.export` does.
    """
    if "tradeoff" not in frame.attrs:
        raise ScenarioError("export_tradeoff needs a tradeoff_list() output (attrs['tradeoff'])")
    record = ExportRecord(escenario=frame.attrs.get("scenario", {}),
                          punto=frame.attrs["tradeoff"])
    return export(frame, path, scenario=record, catalog=catalog, date=date, lang=lang)
