"""geoprio: which Peruvian districts to serve first.

Join Peru's 1,874 districts (2017 census set) with poverty, stunting, anemia and
service-gap indicators; score, filter and cluster them for FONIE and MIDIS
prioritisation.

Public names are imported lazily so that ``import geoprio`` stays fast.

Examples
--------
>>> import geoprio
>>> districts = geoprio.load_districts()
>>> len(districts)
1874
"""

from __future__ import annotations

import importlib
from typing import Any

from geoprio import _moved

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # data
    "load_districts": "geoprio.data.shipped",
    "catalog": "geoprio.data.shipped",
    "load_endes": "geoprio.data.shipped",
    "load_municipal_budget": "geoprio.data.shipped",
    "stunting_trend": "geoprio.decide.monitoring",
    # codes and joins
    "normalize_ubigeo": "geoprio.readers.codes",
    "join_indicators": "geoprio.readers.codes",
    "JoinReport": "geoprio.readers.codes",
    # readers and writers
    "read_table": "geoprio.readers.tables",
    "read_boundaries": "geoprio.readers.boundaries",
    "read_report": "geoprio.readers.readreport",
    "ReadReport": "geoprio.readers.readreport",
    "export": "geoprio.report.exporting",
    # prioritisation
    "Scenario": "geoprio.engine.scenario",
    "prioritize": "geoprio.engine.ranking",
    "compare_scenarios": "geoprio.decide.comparison",
    "tradeoff": "geoprio.decide.frontier",
    "tradeoff_list": "geoprio.decide.frontier",
    "export_tradeoff": "geoprio.report.decisions",
    "fonie_gaps": "geoprio.decide.fonie",
    "district_sheet": "geoprio.report.sheet",
    "district_sheets": "geoprio.report.sheet",
    "export_comparison": "geoprio.report.decisions",
    "with_2019_rates": "geoprio.decide.comparison",
    # clustering and spatial statistics
    "cluster": "geoprio.spatial.clustering",
    "hotspots": "geoprio.spatial.autocorrelation",
    "bivariate_hotspots": "geoprio.spatial.autocorrelation",
    "moran_scatter": "geoprio.spatial.autocorrelation",
    "significance_classes": "geoprio.spatial.autocorrelation",
    # small-number smoothing
    "smooth_rates": "geoprio.spatial.smoothing",
    "posterior_beta": "geoprio.spatial.smoothing",
    # small-area estimation
    "fay_herriot": "geoprio.spatial.fayherriot",
    "small_area": "geoprio.spatial.smallarea",
    # maps
    "encode_coverage": "geoprio.report.mapcodec",
    # rasters
    "zonal_stats": "geoprio.spatial.raster",
    "add_zonal_indicator": "geoprio.spatial.raster",
}

__all__ = [*sorted(_EXPORTS), "__version__"]


_moved.install()  # the module paths before the subpackages keep working (geoprio._moved)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        if f"geoprio.{name}" in _moved.MOVED:  # geoprio.mapping after a bare `import geoprio`
            value = importlib.import_module(f"geoprio.{name}")
            globals()[name] = value
            return value
        raise AttributeError(f"module 'geoprio' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
