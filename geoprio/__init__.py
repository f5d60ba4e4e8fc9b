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

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # data
    "load_districts": "geoprio.data",
    "catalog": "geoprio.data",
    "load_endes": "geoprio.data",
    "load_municipal_budget": "geoprio.data",
    "stunting_trend": "geoprio.monitoring",
    # codes and joins
    "normalize_ubigeo": "geoprio.codes",
    "join_indicators": "geoprio.codes",
    "JoinReport": "geoprio.codes",
    # readers and writers
    "read_table": "geoprio.io",
    "read_boundaries": "geoprio.boundaries",
    "read_report": "geoprio.readreport",
    "ReadReport": "geoprio.readreport",
    "export": "geoprio.exporting",
    # prioritisation
    "Scenario": "geoprio.scenario",
    "prioritize": "geoprio.ranking",
    "compare_scenarios": "geoprio.comparison",
    "tradeoff": "geoprio.frontier",
    "tradeoff_list": "geoprio.frontier",
    "export_tradeoff": "geoprio.frontier",
    "fonie_gaps": "geoprio.fonie",
    "district_sheet": "geoprio.sheet",
    "district_sheets": "geoprio.sheet",
    "export_comparison": "geoprio.comparison",
    "with_2019_rates": "geoprio.comparison",
    # clustering and spatial statistics
    "cluster": "geoprio.clustering",
    "hotspots": "geoprio.spatial",
    "bivariate_hotspots": "geoprio.spatial",
    "moran_scatter": "geoprio.spatial",
    "significance_classes": "geoprio.spatial",
    # small-number smoothing
    "smooth_rates": "geoprio.smoothing",
    "posterior_beta": "geoprio.smoothing",
    # small-area estimation
    "fay_herriot": "geoprio.smallarea",
    "small_area": "geoprio.smallarea",
    # maps
    "encode_coverage": "geoprio.mapcodec",
    # rasters
    "zonal_stats": "geoprio.raster",
    "add_zonal_indicator": "geoprio.raster",
}

__all__ = [*sorted(_EXPORTS), "__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'geoprio' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
