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
    """Base class of every error geoprio raises on purpose.

    The message (``str(error)``) is in English, for scripts and logs; an error a planner can
    cause in the app also carries its Spanish text (``es=``), with the same value, column or
    position at fault. :meth:`text` gives the message in a language.

    Examples
    --------
    >>> e = RuleError("unknown name 'x'", es="nombre desconocido «x»")
    >>> str(e), e.text("es"), e.text("en")
    ("unknown name 'x'", 'nombre desconocido «x»', "unknown name 'x'")
    >>> RuleError("only English").text("es")
    'only English'
    """

    def __init__(self, *args: object, es: str | None = None) -> None:
        super().__init__(*args)
        self.es = es

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` (``"es"`` or ``"en"``): English where no Spanish exists."""
        return self.es if lang == "es" and self.es else str(self)


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
