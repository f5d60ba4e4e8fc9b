"""What a spreadsheet cell may hold when geoprio writes one.

Every string that an export writes into a CSV or an XLSX cell (values, column names, labels,
units, sources, methodology lines) goes through :func:`spreadsheet_cell`, whatever its origin
(an uploaded header, a typed label, a scenario from a link):

* a text a spreadsheet would run as a formula, one starting with ``=``, ``+``, ``-``, ``@``, a
  tab or a carriage return, gets a leading ``'`` (OWASP's "CSV injection" advice);
* control characters that XML 1.0 cannot carry (all below U+0020 but tab, line feed and
  carriage return), unpaired surrogates and U+FFFE/U+FFFF become U+FFFD, the replacement
  character, instead of making openpyxl fail (``IllegalCharacterError``) or the UTF-8 encoder
  fail;
* a text longer than Excel's :data:`MAX_CELL_CHARS` (32,767 UTF-16 units) is cut, ending with
  :data:`CUT_MARK`, instead of being cut silently by openpyxl or refused by Excel.

Numbers, booleans, dates and missing values are returned as they are: a negative number is a
number, not a formula.

Examples
--------
>>> spreadsheet_cell("=HYPERLINK(\\"http://x\\")"), spreadsheet_cell(-3.5)
('\\'=HYPERLINK("http://x")', -3.5)
>>> spreadsheet_cell("Dist\\x01rito"), spreadsheet_cell("\\tx")
('Dist\\ufffdrito', "'\\tx")
>>> len(spreadsheet_cell("a" * 40_000)), spreadsheet_cell("a" * 40_000)[-12:]
(32767, 'aa…[cortado]')
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["CUT_MARK", "MAX_CELL_CHARS", "spreadsheet_cell"]

#: Most characters (UTF-16 code units, as Excel counts them) a cell may hold.
MAX_CELL_CHARS = 32_767
#: What ends a text cut to :data:`MAX_CELL_CHARS`.
CUT_MARK = "…[cortado]"

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def spreadsheet_cell(value: Any) -> Any:
    """``value`` as a spreadsheet may safely hold it (see the module's docstring).

    Parameters
    ----------
    value : any
        A cell or a column name about to be written; only ``str`` is changed.

    Returns
    -------
    any
        The same object when it is not a string or needs no change; otherwise a new string:
        illegal characters replaced by U+FFFD, ``'`` before a formula-like start, cut to
        :data:`MAX_CELL_CHARS` with :data:`CUT_MARK`.
    """
    if not isinstance(value, str):
        return value
    text = _NOT_XML.sub("\ufffd", value)
    if text.startswith(_FORMULA_START):
        text = "'" + text
    if len(text) > MAX_CELL_CHARS // 2 and _utf16_units(text) > MAX_CELL_CHARS:
        text = _first_units(text, MAX_CELL_CHARS - len(CUT_MARK)) + CUT_MARK
    return text


def _utf16_units(text: str) -> int:
    """Length as Excel counts it: characters beyond U+FFFF take two units."""
    return len(text.encode("utf-16-le")) // 2


def _first_units(text: str, budget: int) -> str:
    """The longest start of ``text`` that takes at most ``budget`` UTF-16 units."""
    if _utf16_units(text[:budget]) == budget:  # no character beyond U+FFFF in it
        return text[:budget]
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > budget:
            return text[:i]
    return text
