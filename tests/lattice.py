"""A 10x10 lattice of unit squares with a planted high block: the spatial tests' toy map."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

BLOCK = [r * 10 + c for r in range(3, 7) for c in range(3, 7)]  # 4x4 block in a 10x10 grid
CORE = [44, 45, 54, 55]  # its 4 cells whose 8 neighbours are all in the block


def grid(size: int) -> gpd.GeoDataFrame:
    """A size x size grid of unit squares, row-major, without CRS."""
    boxes = [shapely.box(c, r, c + 1, r + 1) for r in range(size) for c in range(size)]
    return gpd.GeoDataFrame({"ubigeo": [f"{i:06d}" for i in range(size * size)]},
                            geometry=boxes)


def lattice(values=None) -> gpd.GeoDataFrame:
    """The 10x10 grid, with ``values`` as column ``x`` when given."""
    frame = grid(10)
    if values is not None:
        frame["x"] = values
    return frame


def planted() -> np.ndarray:
    """Normal noise with 4 added to the 4x4 block."""
    y = np.random.default_rng(42).normal(size=100)
    y[BLOCK] += 4.0
    return y
