"""Where districts lie: neighbours, local statistics, clusters, smoothing, rasters, points.

- :mod:`~geoprio.spatial.contiguity`: Queen contiguity of the districts;
- :mod:`~geoprio.spatial.localstats`: Moran's I, Local Moran, Getis-Ord Gi*;
- :mod:`~geoprio.spatial.autocorrelation`: hot spots and GeoDa's views (``hotspots``,
  ``bivariate_hotspots``, ``moran_scatter``, ``significance_classes``) and their sentences;
- :mod:`~geoprio.spatial.clustering`: typologies and contiguous zones (``cluster``);
- :mod:`~geoprio.spatial.smoothing`: Empirical Bayes rates (``smooth_rates``);
- :mod:`~geoprio.spatial.fayherriot` (the area-level model, as R's ``sae`` fits it),
  :mod:`~geoprio.spatial.covariates` (chosen by BIC) and :mod:`~geoprio.spatial.smallarea`
  (``small_area``: from counts to district prevalence): Fay–Herriot small-area estimates;
- :mod:`~geoprio.spatial.raster` and :mod:`~geoprio.spatial.points`: zonal statistics of a
  GeoTIFF, points in districts and distances.

Above :mod:`geoprio.readers` and :mod:`geoprio.data`, below the engine (which draws the
smoothed rates). ``geoprio.spatial.hotspots`` and the rest of the module this package
replaced keep working (they are :mod:`~geoprio.spatial.autocorrelation`'s).
"""

from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    """``geoprio.spatial.<name>``: the hot-spot module's (this package was that module)."""
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(importlib.import_module("geoprio.spatial.autocorrelation"), name)
