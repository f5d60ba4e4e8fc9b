"""The module paths of geoprio before its subpackages (issue 22), kept working.

Until version 0.1 every module sat in one folder: ``geoprio.mapping``, ``geoprio.smoothing``,
``geoprio.io``... GIS staff's scripts and the documents name them. Each now lives in the
subpackage of its concern (``geoprio.report.mapping``, ``geoprio.spatial.smoothing``,
``geoprio.readers.tables``); :data:`MOVED` maps the old path to the new one, and an import
hook makes ``import geoprio.mapping`` and ``from geoprio.mapping import box_breaks`` return
the module itself (the same object, not a copy: no state is duplicated). Code inside geoprio
uses the new paths only (import-linter checks the layers on them).

Examples
--------
>>> import geoprio.mapping, geoprio.report.mapping
>>> geoprio.mapping is geoprio.report.mapping
True
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType

__all__ = ["MOVED", "install"]

#: old module path -> where the module lives now
MOVED: dict[str, str] = {f"geoprio.{old}": f"geoprio.{new}" for old, new in {
    "labels": "data.labels", "search": "data.search",
    "io": "readers.tables", "xlsx": "readers.xlsx", "boundaries": "readers.boundaries",
    "formats": "readers.formats", "safety": "readers.safety", "codes": "readers.codes",
    "numbering": "readers.numbering", "isolated": "readers.isolated",
    "readreport": "readers.readreport", "textbounds": "readers.textbounds",
    "scenario": "engine.scenario", "rules": "engine.rules", "derived": "engine.derived",
    "scoring": "engine.scoring", "uncertainty": "engine.uncertainty",
    "selection": "engine.selection", "budget": "engine.budget", "ranking": "engine.ranking",
    "contiguity": "spatial.contiguity", "localstats": "spatial.localstats",
    "clustering": "spatial.clustering", "smoothing": "spatial.smoothing",
    "smallarea": "spatial.smallarea", "smallarea_covariates": "spatial.covariates",
    "raster": "spatial.raster", "points": "spatial.points",
    "comparison": "decide.comparison", "frontier": "decide.frontier",
    "fonie": "decide.fonie", "monitoring": "decide.monitoring",
    "exporting": "report.exporting", "planner": "report.planner",
    "mapping": "report.mapping", "mapcodec": "report.mapcodec", "jenks": "report.jenks",
    "sheet": "report.sheet", "cells": "report.cells", "record": "report.record",
}.items()}


class _OldPath(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old module path and hands out the module at its new path."""

    def find_spec(self, fullname: str, path=None, target=None):
        if fullname in MOVED:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        # the import system returns what sys.modules holds after this call: the real module
        sys.modules[module.__name__] = importlib.import_module(MOVED[module.__name__])


def install() -> None:
    """Put the hook on ``sys.meta_path`` once (``import geoprio`` does it)."""
    if not any(isinstance(f, _OldPath) for f in sys.meta_path):
        sys.meta_path.append(_OldPath())
