"""What the decision views share (Comparar, Presupuesto, FONIE gaps, district sheets).

- :func:`plain`: a user's text (a scenario's name from an uploaded file, a district name) made
  inert for Streamlit's Markdown: no link, emphasis, icon or formula can come from it.
- :func:`full_ranked`: a scenario's complete ranking (with the Monte Carlo), cached per
  scenario token, uploads fingerprint and language; each caller gets its own copy.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import geoprio
from app.runtime.state import catalog, districts, full_key, jobs, uploads_key
from app.texts.text import md
from geoprio.engine.scenario import Scenario

__all__ = ["full_ranked", "plain"]



def plain(text: object, limit: int = 300) -> str:
    """``text`` on one short line, escaped for Markdown and HTML (:func:`app.texts.text.md`: also
    no autolinks)."""
    return md(text, limit=limit)


@st.cache_data(max_entries=16, show_spinner=False)
def _full(token: str, fingerprint: str, lang: str, _frame: pd.DataFrame,
          _catalog: pd.DataFrame) -> pd.DataFrame:
    scenario = Scenario.from_token(token)
    try:  # the page's own background job may have it already
        done = jobs().get(full_key(scenario, lang, fingerprint))
    except Exception:  # that job failed: compute it here (its error shows again if real)
        done = None
    if done is not None:  # shared by every session: a copy (a cache miss returns its value)
        return done.copy()
    return geoprio.prioritize(_frame, scenario, catalog=_catalog, lang=lang)


def full_ranked(scenario: Scenario, lang: str) -> pd.DataFrame:
    """The complete ranking of ``scenario`` for this session (a private copy)."""
    return _full(scenario.to_token(), uploads_key(), lang, districts(), catalog())
