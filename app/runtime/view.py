"""What every page receives: the language, the scenario applied, its ranking."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from geoprio.engine.scenario import Scenario


@dataclass(frozen=True)
class View:
    """One page run's context.

    Attributes
    ----------
    lang : ``"es"`` or ``"en"``.
    scenario : the scenario applied (its name says "(modificado)" when it differs from base).
    base : the preset (or link scenario) the applied one is compared with.
    ranked : the ranking: the point ranking while ``complete`` is False, then the full one.
    complete : whether rank intervals and probabilities (the Monte Carlo) are in ``ranked``.
    """

    lang: str
    scenario: Scenario
    base: Scenario
    ranked: pd.DataFrame
    complete: bool


def current() -> View:
    """The view the entry script prepared for this run (``st.session_state["view"]``)."""
    import streamlit as st

    return st.session_state["view"]
