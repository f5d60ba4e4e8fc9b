"""The view in the address: what a link must bring back besides the scenario (``?s=``).

The page is in the path (``/ranking``); these parameters carry the rest, by id and not by
label, so that a link opens the same view in either language: ``lang``, the map's indicator
(``mapa``), classification (``clasificacion``) and classes (``clases``), the ranking's search
(``buscar``) and "selected only" switch (``solo``), the district (``distrito``) and the
clusters' analysis (``analisis``).

Each run :func:`restore` reads the address into the widgets' session keys (at the first run,
and whenever the address says something new: a link between pages, an edited address) and
:func:`publish` writes the values back, leaving defaults out. The widgets keep their values
across pages (``persist_state="session"``), so a link made on one page keeps the others' too.
Unknown values are dropped by :func:`valid` before a widget is drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

__all__ = ["DEFAULTS", "publish", "restore", "valid"]


def _bool(text: str) -> bool:
    if text.lower() in ("1", "true", "sí", "si", "yes"):
        return True
    if text.lower() in ("0", "false", "no"):
        return False
    raise ValueError(text)


def _lang(text: str) -> str:
    if text not in ("es", "en"):
        raise ValueError(text)
    return text


def _classes(text: str) -> int:
    k = int(text)
    if not 3 <= k <= 7:
        raise ValueError(text)
    return k


#: parameter -> (default, parser of the address's text)
DEFAULTS: dict[str, tuple[Any, Callable[[str], Any]]] = {
    "lang": ("es", _lang),
    "mapa": ("score", str),
    "clasificacion": ("quantiles", str),
    "clases": (5, _classes),
    "buscar": ("", lambda x: x[:200]),
    "solo": (True, _bool),
    "distrito": ("250204", str),
    "analisis": ("typology", str),
    "vista": ("clusters", str),  # the hot-spot view (GeoDa's four)
}
_SEEN = "_url_seen"  # what the address said when last read or written


def restore() -> None:
    """Read the address into the session: on the first run, and when it changed since."""
    state = st.session_state
    seen: dict[str, str] = state.setdefault(_SEEN, {})
    first = "_url_started" not in state
    state["_url_started"] = True
    for key, (default, parse) in DEFAULTS.items():
        raw = st.query_params.get(key)
        if raw is None:
            if first:
                state.setdefault(key, default)
            continue
        if not first and raw == seen.get(key):
            continue  # what we wrote ourselves
        try:
            state[key] = parse(raw)
        except (ValueError, TypeError):
            state.setdefault(key, default)
        seen[key] = raw


def valid(key: str, options: Iterable[Any]) -> None:
    """Put ``key`` back to its default when its value is not among ``options``."""
    options = list(options)
    if st.session_state.get(key) not in options:
        default = DEFAULTS[key][0]
        st.session_state[key] = default if default in options else options[0]


def publish() -> None:
    """Write the view's values to the address (defaults left out)."""
    seen: dict[str, str] = st.session_state.setdefault(_SEEN, {})
    for key, (default, _) in DEFAULTS.items():
        value = st.session_state.get(key, default)
        if value == default:
            if key in st.query_params:
                del st.query_params[key]
            seen.pop(key, None)
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if st.query_params.get(key) != text:
            st.query_params[key] = text
        seen[key] = text
