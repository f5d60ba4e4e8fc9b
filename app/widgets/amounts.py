"""Amounts typed and shown as Peru writes them: ``50 000 000``, ``0,55``.

Streamlit's number input shows ``50000000`` and ``0.55`` whatever the page's language, and
its steppers invite clicking a budget up a million at a time. :func:`amount_input` is a text
box that shows the number in the page's convention (:mod:`geoprio.fmt`) and reads what the
planner types (:func:`geoprio.fmt.parse_amount`: ``50 000 000``, ``50.000.000`` or
``S/ 50 000 000``; ``1.500``, which reads two ways, is refused). The number itself lives in
the session under ``key``, as the number inputs kept it, so the rest of the panel is unchanged.
"""

from __future__ import annotations

import streamlit as st

from app.texts.i18n import t
from geoprio import fmt
from geoprio.errors import GeoprioError

__all__ = ["amount_input"]


def _shown(value: float, decimals: int, lang: str) -> str:
    whole = float(value).is_integer()
    return fmt.number(value, 0 if whole else decimals, lang)


def _read(key: str, lang: str, low: float, high: float, signed: bool) -> None:
    """The text box changed: its number into ``key``, or a message."""
    text = str(st.session_state[f"{key}_txt"]).strip()
    negative = signed and text.startswith("-")
    try:
        value = fmt.parse_amount(text[1:] if negative else text) * (-1 if negative else 1)
    except GeoprioError as exc:
        st.session_state[f"{key}_msg"] = exc.text(lang)
        return
    if not low <= value <= high:
        st.session_state[f"{key}_msg"] = t("amount_range", lang, low=fmt.number(low, 2, lang),
                                           high=fmt.number(high, 0, lang))
        return
    st.session_state.pop(f"{key}_msg", None)
    st.session_state[key] = value


def amount_input(label: str, key: str, lang: str, *, low: float, high: float,
                 decimals: int = 2, signed: bool = False, help: str | None = None) -> float:
    """A number typed as text in ``lang``'s convention; its value (kept in ``key``)."""
    box = f"{key}_txt"
    value = float(st.session_state[key])
    if st.session_state.get(f"{key}_for") != (value, lang):  # set elsewhere (a preset, a link)
        st.session_state[box] = _shown(value, decimals, lang)
        st.session_state[f"{key}_for"] = (value, lang)
        st.session_state.pop(f"{key}_msg", None)
    st.text_input(label, key=box, on_change=_read, args=(key, lang, low, high, signed),
                  help=help)
    if st.session_state.get(f"{key}_msg"):
        st.error(st.session_state[f"{key}_msg"])
    return value
