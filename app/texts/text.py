"""Text from a user shown as text: never as Markdown, HTML or a link.

Streamlit renders Markdown (GitHub's flavour) in ``st.markdown``, ``st.caption``, every alert
(``st.error``, ``st.info``...), ``st.toast``, widget labels and ``help``. A scenario's name,
description or rule from a ``?s=`` link, an uploaded file's name, headers and values, and any
error message that quotes them are the user's text: put through :func:`md` before they reach
one of those, they read exactly as typed and can make no link, image, tag or formatting.

How (CommonMark: a backslash before an ASCII punctuation character makes it literal):

* every character that can open an inline construct gets a backslash: ``[`` and ``]`` (links,
  images, Streamlit's ``:red[...]``), ``<`` and ``>`` (HTML, ``<url>`` autolinks), ``&``
  (entities), `````` ` `````` (code), ``*``, ``~`` and ``_`` (emphasis; not a ``_`` between two
  letters or digits, which never emphasises, so ``cobertura_vacunacion_nino`` reads as itself),
  ``$`` (LaTeX) and ``\\`` itself. Without ``[`` and ``<`` no ``(url)`` can become a link, so
  parentheses, ``%``, ``:`` and the rest are left as typed;
* the text is on one line (:func:`geoprio.readers.safety.one_line`), and what would start a heading,
  quote, list or table at the start of a line (``#``, ``>``, ``-``, ``+``, ``=``, ``|``,
  ``1.``, ``1)``) is escaped there;
* GitHub's autolinks: Streamlit's renderer also turns ``http://…``, ``www.…`` and
  ``name@host.tld`` in plain text into links *after* escapes are resolved, so an invisible
  WORD JOINER (U+2060) goes inside ``://``, after ``www`` and after ``@``, which those
  patterns cannot cross.

Examples
--------
>>> md("[Sesión expirada](http://evil.example)")
'\\\\[Sesión expirada\\\\](http:\\u2060//evil.example)'
>>> md("<img src=x onerror=alert(1)>")
'\\\\<img src=x onerror=alert(1)\\\\>'
>>> md("pobreza_2018 >= 40 _x_"), md("Cobertura vacunación niño (%)")
('pobreza_2018 \\\\>= 40 \\\\_x\\\\_', 'Cobertura vacunación niño (%)')
"""

from __future__ import annotations

import re
from typing import Any

from geoprio.errors import GeoprioError
from geoprio.readers.safety import MAX_MESSAGE_CHARS, bare_paths, one_line

__all__ = ["JOINER", "error_text", "md"]

#: U+2060 WORD JOINER: invisible, no line break; stops GitHub's autolink patterns.
JOINER = "\u2060"
#: what opens an inline construct anywhere (``_`` only when not inside a word)
_ESCAPE = re.compile(r"[\\`*~\[\]<>&$]|(?!(?<=[^\W_])_(?=[^\W_]))_")
#: what opens a block at the start of a line: heading, quote, list, table, ordered list
_LINE_START = re.compile(r"^(\s*)(?:([#>+=|-])|(\d{1,9})([.)]))")
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)")


def md(text: Any, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` escaped for any Streamlit element that renders Markdown (see the module).

    Parameters
    ----------
    text : anything; ``str(text)`` is shown.
    limit : longest text kept (on one line; a longer one ends with "…").

    Examples
    --------
    >>> md("a\\nb *c*"), md("# 1. título"), md("1. uno")
    ('a b \\\\*c\\\\*', '\\\\# 1. título', '1\\\\. uno')
    >>> JOINER in md("ana@evil.example") and JOINER in md("www.evil.example")
    True
    >>> md("1\u00a0874 distritos")  # a number's no-break space is kept
    '1\xa0874 distritos'
    """
    # the no-break spaces of numbers as Peru writes them ("9 999") survive the flattening
    kept = str(text).replace("\u00a0", "\x00nb\x00").replace("\u202f", "\x00nn\x00")
    flat = one_line(kept, limit).replace("\x00nb\x00", "\u00a0").replace("\x00nn\x00", "\u202f")
    flat = _AUTOLINK.sub(JOINER, flat)
    flat = _ESCAPE.sub(r"\\\g<0>", flat)
    return _LINE_START.sub(lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2) else
                                                    m.group(3) + "\\" + m.group(4)), flat)


def error_text(exc: Any, lang: str) -> str:
    """An error for the page in ``lang``: its one line (no traceback), escaped; paths cut to
    file names. A geoprio error speaks the page's language (:meth:`GeoprioError.text`).

    Examples
    --------
    >>> error_text(ValueError("/srv/geoprio/tmp/x/raster.tif: not a GeoTIFF"), "en")
    'raster.tif: not a GeoTIFF'
    >>> from geoprio.errors import RuleError
    >>> error_text(RuleError("unknown name 'x'", es="nombre desconocido «x»"), "es")
    'nombre desconocido «x»'
    """
    text = exc.text(lang) if isinstance(exc, GeoprioError) else exc
    return md(bare_paths(one_line(text)))
