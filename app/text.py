"""Text from a user shown as text: never as Markdown, HTML or a link.

Streamlit renders Markdown (GitHub's flavour) in ``st.markdown``, ``st.caption``, every alert
(``st.error``, ``st.info``...), ``st.toast``, widget labels and ``help``. A scenario's name,
description or rule from a ``?s=`` link, an uploaded file's name, headers and values, and any
error message that quotes them are the user's text: put through :func:`md` before they reach
one of those, they read exactly as typed and can make no link, image, tag or formatting.

How: every ASCII punctuation character gets a backslash (CommonMark: "any ASCII punctuation
character may be backslash-escaped", and is then a literal character) except ``_`` between two
letters or digits, which never emphasises in GitHub's Markdown (so an id such as
``cobertura_vacunacion_nino`` reads and searches as itself); so no ``[text](url)``,
``<tag>``, ``**``, ``$`` (LaTeX), ``:red[...]`` or ``&entity;`` is left. GitHub's autolinks
need more: Streamlit's renderer also turns ``http://…``, ``www.…`` and ``name@host.tld`` in
plain text into links *after* escapes are resolved, so an invisible WORD JOINER (U+2060) is put
inside ``://``, after ``www`` and after ``@``, which those patterns cannot cross. The text is on
one line (:func:`geoprio.safety.one_line`) and cut to a length.

Examples
--------
>>> md("[Sesión expirada](http://evil.example)")
'\\\\[Sesión expirada\\\\]\\\\(http\\\\:\\u2060\\\\/\\\\/evil\\\\.example\\\\)'
>>> md("<img src=x onerror=alert(1)>")
'\\\\<img src\\\\=x onerror\\\\=alert\\\\(1\\\\)\\\\>'
>>> md("pobreza_2018 >= 40 _x_")
'pobreza_2018 \\\\>\\\\= 40 \\\\_x\\\\_'
"""

from __future__ import annotations

import re
import string
from typing import Any

from geoprio.safety import MAX_MESSAGE_CHARS, one_line

__all__ = ["JOINER", "error_text", "md"]

#: U+2060 WORD JOINER: invisible, no line break; stops GitHub's autolink patterns.
JOINER = "\u2060"
#: ASCII punctuation, but not a ``_`` with a letter or digit on both sides.
_ESCAPE = re.compile(r"(?!(?<=[^\W_])_(?=[^\W_]))[" + re.escape(string.punctuation) + "]")
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?<=@)")


def md(text: Any, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` escaped for any Streamlit element that renders Markdown (see the module).

    Parameters
    ----------
    text : anything; ``str(text)`` is shown.
    limit : longest text kept (on one line; a longer one ends with "…").

    Examples
    --------
    >>> md("a\\nb *c*")
    'a b \\\\*c\\\\*'
    >>> JOINER in md("ana@evil.example") and JOINER in md("www.evil.example")
    True
    """
    flat = _AUTOLINK.sub(JOINER, one_line(text, limit))
    return _ESCAPE.sub(r"\\\g<0>", flat)


def error_text(exc: Any) -> str:
    """An error for the page: its one line (no traceback), escaped; paths cut to file names.

    Examples
    --------
    >>> error_text(ValueError("/srv/geoprio/tmp/x/raster.tif: not a GeoTIFF"))
    'raster\\\\.tif\\\\: not a GeoTIFF'
    """
    from geoprio.safety import bare_paths

    return md(bare_paths(one_line(exc)))
