"""The data geoprio ships, and the words and names that go with them.

- :mod:`~geoprio.data.shipped`: the districts table and boundaries, the catalog, the ENDES and
  budget tables, the sources' own national and department figures, roll-ups
  (``load_districts``, ``catalog``, ``aggregate``...);
- :mod:`~geoprio.data.labels`: geoprio's own columns in words (Spanish and English);
- :mod:`~geoprio.data.search`: finding a district as people type it;
- :mod:`~geoprio.data.columns`: the names geoprio computes, which no indicator may take.

The bottom layer with :mod:`geoprio.readers`: it imports nothing of geoprio but
:mod:`geoprio.errors` and :mod:`geoprio.fmt`. ``geoprio.data.load_districts`` and the rest of
the module that this package replaced keep working (they are :mod:`~geoprio.data.shipped`'s).
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    """``geoprio.data.<name>``: the shipped-data module's (this package was that module)."""
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(importlib.import_module("geoprio.data.shipped"), name)
