"""Exceptions raised by geoprio.

Every error a user can fix is a :class:`GeoprioError` (a ``ValueError``), and its
message says which file, row or column is wrong and what to do about it.
"""

from __future__ import annotations

__all__ = [
    "DataBuildError",
    "GeometryError",
    "GeoprioError",
    "InputError",
    "JoinError",
    "RasterError",
    "RuleError",
    "ScenarioError",
]


class GeoprioError(ValueError):
    """Base class of every error geoprio raises on purpose."""


class InputError(GeoprioError):
    """A user's table or file cannot be read as it is."""


class JoinError(GeoprioError):
    """A table cannot be joined to the districts (no code column, strict mode failed)."""


class RuleError(GeoprioError):
    """An eligibility rule or formula is not valid (syntax, unknown indicator, forbidden name)."""


class ScenarioError(GeoprioError):
    """A scenario is incomplete or contradictory (unknown indicator, negative weight...)."""


class RasterError(GeoprioError):
    """A raster cannot be used (no CRS, no overlap with the districts, too large)."""


class GeometryError(GeoprioError):
    """Boundaries cannot be used (no polygons, empty or invalid geometries, no code)."""


class DataBuildError(GeoprioError):
    """The raw sources do not look as the data build expects."""
