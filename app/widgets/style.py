"""The page's look where Streamlit's defaults get in a planner's way.

Two things, both plain CSS (no script, nothing fetched):

* **the decision above the fold**: at 1366×768, the laptops planners use, Streamlit's top
  padding and a large title pushed the map and the ranking table below the first screen;
  the header is made compact and metrics smaller;
* **Spanish throughout**: Streamlit writes a few words of its own that no parameter
  translates ("Upload", "50MB per file", "Press Enter to apply", "Press Enter to submit
  form"). Their text is hidden and the Spanish is written in its place (``::after``), or the
  hint is hidden where the page already says what to do.
"""

from __future__ import annotations

import streamlit as st

from app.texts.i18n import t

__all__ = ["apply", "css"]

_LAYOUT = """
[data-testid="stMainBlockContainer"] { padding-top: 4.4rem; padding-bottom: 2rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.55rem; padding: 0 0 .1rem 0; }
[data-testid="stMetricValue"] { font-size: 1.6rem; }
[data-testid="stMetric"] { padding: 0; }
[data-testid="stSidebarHeader"] { height: 1.5rem; min-height: 1.5rem; }
"""


def _replace(selector: str, text: str, size: str = ".875rem") -> str:
    """CSS that hides ``selector``'s own words and writes ``text`` instead."""
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    return (f'{selector} {{ font-size: 0 !important; }}\n'
            f'{selector}::after {{ content: "{quoted}"; font-size: {size}; }}\n')


def css(lang: str) -> str:
    """The style sheet for a page in ``lang``."""
    out = _LAYOUT + '[data-testid="InputInstructions"] { display: none; }\n'
    if lang == "es":
        out += _replace('[data-testid="stFileUploaderDropzone"] button p',
                        t("upload_button", lang))
        out += _replace('[data-testid="stFileUploaderDropzoneInstructions"] span',
                        t("upload_limit", lang), ".8rem")
    return out


def apply(lang: str) -> None:
    """Put the style sheet on the page (once per run, before anything is drawn)."""
    st.html(f"<style>{css(lang)}</style>")
