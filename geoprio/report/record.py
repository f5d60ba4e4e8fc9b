"""What a decision export records beside the data: one or more named parts.

:func:`geoprio.export` writes ``scenario.to_dict()`` in the XLSX ``metodologia`` sheet and
``scenario.to_toml()`` in a GeoPackage's ``escenario`` layer. A comparison has two scenarios
and a trade-off point has a scenario and the point's figures: an :class:`ExportRecord` holds
them as named parts (``a``, ``b``, ``comparacion``; ``escenario``, ``punto``) and gives
``export`` the two methods it calls, so every part reaches the file through the public
``export`` function.

Examples
--------
>>> from geoprio.engine.scenario import Scenario
>>> r = ExportRecord(a=Scenario(weights={"poverty_2018": 1}).to_dict(),
...                  punto={"budget": 1e8, "children_reached": 1234.5})
>>> [k for k in r.to_dict() if k.startswith("punto")]
['punto.budget', 'punto.children_reached']
>>> print(r.to_toml().splitlines()[0])
format = "geoprio-record/1"
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ExportRecord"]

_FORMAT = "geoprio-record/1"


def _plain(value: Any) -> Any:
    """Plain TOML-able data: numpy scalars to Python, None left out of tables."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value if v is not None]
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return value.item()
    return value


class ExportRecord:
    """Named parts (each a mapping) recorded in an export's methodology.

    Parameters
    ----------
    **parts : mapping
        Part name -> its fields, e.g. ``a=scenario_a.to_dict()``.
    """

    def __init__(self, **parts: Mapping[str, Any]) -> None:
        self.parts = {name: dict(part) for name, part in parts.items()}

    def to_dict(self) -> dict[str, Any]:
        """One entry per field, named ``part.field`` (one row each in the XLSX sheet)."""
        return {f"{name}.{key}": value for name, part in self.parts.items()
                for key, value in part.items()}

    def to_toml(self) -> str:
        """Every part as a TOML table (fields that are None are left out)."""
        import tomli_w

        data: dict[str, Any] = {"format": _FORMAT}
        data.update({name: _plain(part) for name, part in self.parts.items()})
        return tomli_w.dumps(data, multiline_strings=False)

    def __repr__(self) -> str:
        return f"ExportRecord({', '.join(self.parts)})"
