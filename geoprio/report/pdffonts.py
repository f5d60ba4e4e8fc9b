"""TrueType fonts for fpdf2 read once per process, each PDF given its own copy (issue 24).

``FPDF.add_font`` parses the font file and measures every character it maps (DejaVu Sans:
about 6,000) for every new document, and writing the PDF parses the font's tables again to
embed the subset of the glyphs used: together 85 of the 280 ms a district sheet took.
:func:`add_fonts` measures the characters once per process and hands each document a copy
with its own widths table and its own map of the characters used; its font tables are read
only when the document is written, and only when no earlier document of the process used
exactly the same glyphs: the subset fontTools writes depends on nothing else (the same font
file, the same options, the same glyph names), so it is kept and reused.

The PDF is byte for byte the one ``add_font`` gives (``tests/test_sheet_speed.py`` compares
them). With an fpdf2 whose fonts are built otherwise (a colour font, a compressed font, new
fields, subsets made elsewhere), :func:`add_fonts` calls ``add_font``.
"""

from __future__ import annotations

import copy
import functools
import io
import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["add_fonts"]

# the tables TTFFont.__init__ reads: a copy's tables are read the same way before fontTools
# subsets them, so that it writes exactly what it writes for a font fpdf2 had just opened
_READ_AT_OPEN = ("glyf", "head", "hmtx", "OS/2", "post", "hhea", "cmap", "name")
_SUBSETS_KEPT = 256  # distinct glyph sets kept per process (a subset of DejaVu: 20-60 kB)


def add_fonts(pdf: Any, fonts: list[tuple[str, str, Path]]) -> None:
    """``pdf.add_font(family, style, path)`` for each font, from a template read once.

    Parameters
    ----------
    pdf : fpdf.FPDF
        A document with none of these fonts yet.
    fonts : list of (family, style, path)
        As ``add_font`` takes them (style "" or "B").
    """
    for family, style, path in fonts:
        template = _template(family, style, str(path))
        if template is None:
            pdf.add_font(family, style, str(path))
            continue
        pdf.fonts[template.fontkey] = _copy(template, pdf)


@functools.lru_cache(maxsize=8)
def _template(family: str, style: str, path: str) -> Any:
    """The font as ``add_font`` builds it, or None when it cannot be copied safely."""
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    if not _install():
        return None
    pdf = FPDF()
    pdf.add_font(family, style, path)
    (font,) = pdf.fonts.values()
    if type(font) is not TTFFont or font.color_font is not None or font.is_compressed \
            or font.is_cff:
        return None
    try:
        _copy(font, FPDF()).close()
    except (AttributeError, TypeError) as exc:  # an fpdf2 whose fonts hold other fields
        logger.warning("fonts are read for every PDF (fpdf2 internals changed: %s)", exc)
        return None
    return font


def _copy(template: Any, pdf: Any) -> Any:
    """A font of ``pdf`` equal to a fresh ``add_font`` of the template's file."""
    from fpdf.fonts import SubsetMap

    font = copy.copy(template)
    font.i = len(pdf.fonts) + 1
    font.ttfont = _Tables(str(template.ttffile), template.collection_font_number)
    font.cw = copy.copy(template.cw)  # a defaultdict: reading a missing character adds it
    font.desc = copy.copy(template.desc)  # the output names it and numbers it
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.subset = SubsetMap(font)
    return font


@functools.lru_cache(maxsize=8)
def _font_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


def _tables_class() -> type:
    from fontTools import ttLib

    class Tables(ttLib.TTFont):
        """A copied font's tables, read from memory; its subset reused when already made."""

        def __init__(self, path: str, number: int) -> None:
            super().__init__(io.BytesIO(_font_bytes(path)), recalcTimestamp=False,
                             fontNumber=number, lazy=True)
            self.geoprio_source = (path, number)
            self.geoprio_subset: tuple[bytes, dict[str, int]] | None = None

        def getGlyphID(self, glyphName: str) -> int:
            if self.geoprio_subset is not None:
                return self.geoprio_subset[1][glyphName]
            return super().getGlyphID(glyphName)

        def save(self, file: Any, reorderTables: bool = True) -> None:
            if self.geoprio_subset is None:
                return super().save(file, reorderTables)
            file.write(self.geoprio_subset[0])
            return None

    return Tables


_Tables: Any = None  # the class above, made when fontTools is first needed
_SUBSETS: OrderedDict[tuple, tuple[bytes, dict[str, int]]] = OrderedDict()
_LOCK = threading.Lock()


def _install() -> bool:
    """Route fpdf2's subsetting of copied fonts through the kept subsets; False if unable."""
    global _Tables
    import fpdf.output
    from fontTools import subset as ftsubset

    with _LOCK:
        if getattr(fpdf.output, "ftsubset", None) is not ftsubset \
                and not getattr(fpdf.output.ftsubset, "geoprio", False):
            return False  # fpdf2 no longer subsets through fontTools.subset as we know it
        if _Tables is None:
            _Tables = _tables_class()
        if not getattr(fpdf.output.ftsubset, "geoprio", False):
            fpdf.output.ftsubset = _ShimModule(ftsubset)
    return True


class _ShimModule:
    """``fontTools.subset`` as fpdf2's output sees it: its Subsetter reuses kept subsets."""

    geoprio = True

    def __init__(self, module: Any) -> None:
        self.Options = module.Options
        self.Subsetter = _subsetter_class(module.Subsetter)


def _subsetter_class(base: type) -> type:
    class Subsetter(base):  # type: ignore[misc, valid-type]
        def subset(self, font: Any) -> None:
            if _Tables is None or not isinstance(font, _Tables):
                return super().subset(font)
            key = (font.geoprio_source, repr(sorted(vars(self.options).items())),
                   frozenset(self.glyph_names_requested), frozenset(self.unicodes_requested),
                   frozenset(self.glyph_ids_requested))
            with _LOCK:
                kept = _SUBSETS.get(key)
                if kept is not None:
                    _SUBSETS.move_to_end(key)
            if kept is None:
                kept = _subset_now(super().subset, font)
                with _LOCK:
                    _SUBSETS[key] = kept
                    while len(_SUBSETS) > _SUBSETS_KEPT:
                        _SUBSETS.popitem(last=False)
            font.geoprio_subset = kept
            return None

    return Subsetter


def _subset_now(subset: Any, font: Any) -> tuple[bytes, dict[str, int]]:
    """Subset ``font``'s tables as fpdf2 would (read as at opening first); bytes and ids."""
    for tag in _READ_AT_OPEN:
        font[tag]
    font.getReverseGlyphMap()
    subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue(), {name: i for i, name in enumerate(font.getGlyphOrder())}
