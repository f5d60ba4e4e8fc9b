"""Boundary build: districts, provinces and departments in EPSG:4326, plus a display layer."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoprio.errors import DataBuildError

log = logging.getLogger(__name__)

EQUAL_AREA_CRS = "ESRI:102033"  # South America Albers Equal Area Conic
DISPLAY_TOLERANCE = 0.005  # degrees, shapely.coverage_simplify
DISPLAY_GRID = 0.0001  # degrees (about 11 m), coordinates snapped for a lighter web map


def read_boundaries_source(path: Path, level: str, expected: int) -> gpd.GeoDataFrame:
    """Read one of the cleaned 2017 layers and check its count, CRS and codes."""
    g = gpd.read_file(path)
    if g.crs is None or g.crs.to_epsg() != 4326:
        raise DataBuildError(f"{path}: expected EPSG:4326, got {g.crs}")
    if len(g) != expected:
        raise DataBuildError(f"{path}: expected {expected} {level} polygons, got {len(g)}")
    width = {"district": 6, "province": 4, "department": 2}[level]
    g["ubigeo"] = g["ubigeo"].astype(str).str.zfill(width)
    if not g["ubigeo"].is_unique:
        raise DataBuildError(f"{path}: duplicated codes {g['ubigeo'][g['ubigeo'].duplicated()]}")
    if not shapely.is_valid(g.geometry.values).all():
        raise DataBuildError(f"{path}: invalid geometries; run make_valid upstream")
    return g.sort_values("ubigeo").reset_index(drop=True)


def area_km2(geometry: gpd.GeoSeries) -> np.ndarray:
    """Area of full geometries in km² in an equal-area projection."""
    return np.round(geometry.to_crs(EQUAL_AREA_CRS).area.to_numpy() / 1e6, 3)


def display_layer(districts: gpd.GeoDataFrame, *, tolerance: float = DISPLAY_TOLERANCE,
                  grid: float = DISPLAY_GRID) -> tuple[gpd.GeoDataFrame, dict]:
    """A lighter coverage for the web map and the worst area change it causes.

    ``shapely.coverage_simplify`` simplifies shared edges once, so neighbours stay glued;
    snapping to a grid keeps them glued too. Use it to draw, never to measure.
    """
    simple = shapely.coverage_simplify(districts.geometry.values, tolerance)
    simple = shapely.set_precision(simple, grid)
    out = gpd.GeoDataFrame({"ubigeo": districts["ubigeo"].to_numpy()},
                           geometry=gpd.GeoSeries(simple, crs=districts.crs))
    full = districts.geometry.to_crs(EQUAL_AREA_CRS).area.to_numpy()
    light = out.geometry.to_crs(EQUAL_AREA_CRS).area.to_numpy()
    change = np.abs(light - full) / full
    worst = int(np.argmax(change))
    stats = {
        "tolerance_deg": tolerance,
        "grid_deg": grid,
        "vertices_full": int(shapely.get_num_coordinates(districts.geometry.values).sum()),
        "vertices_display": int(shapely.get_num_coordinates(simple).sum()),
        "max_area_change_pct": round(float(change.max()) * 100, 2),
        "max_area_change_ubigeo": str(districts["ubigeo"].iloc[worst]),
        "districts_over_5pct": int((change > 0.05).sum()),
        "districts_over_1pct": int((change > 0.01).sum()),
        "valid": bool(shapely.is_valid(simple).all()),
        "empty": int(shapely.is_empty(simple).sum()),
    }
    if stats["empty"]:
        raise DataBuildError(f"display simplification emptied {stats['empty']} districts")
    return out, stats


def overlap_check(districts: gpd.GeoDataFrame, *, sliver_km2: float = 0.01) -> dict:
    """Pairs of districts whose interiors overlap by more than ``sliver_km2``."""
    geoms = districts.geometry.values
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    inter = shapely.intersection(geoms[left], geoms[right])
    areas = gpd.GeoSeries(inter, crs=districts.crs).to_crs(EQUAL_AREA_CRS).area.to_numpy() / 1e6
    bad = areas > sliver_km2
    pairs = [(str(districts["ubigeo"].iloc[a]), str(districts["ubigeo"].iloc[b]), float(x))
             for a, b, x in zip(left[bad], right[bad], areas[bad], strict=True)]
    return {"touching_pairs": len(left), "overlaps_over_sliver": pairs,
            "max_overlap_km2": float(areas.max()) if len(areas) else 0.0}


def names_table(districts: pd.DataFrame) -> pd.DataFrame:
    """Province and department names for the dissolved layers, from the district names."""
    prov = districts.assign(code=districts["ubigeo"].str[:4]).groupby("code", sort=True).agg(
        province=("province", "first"), department=("department", "first"))
    dep = districts.assign(code=districts["ubigeo"].str[:2]).groupby("code", sort=True).agg(
        department=("department", "first"))
    return prov, dep
