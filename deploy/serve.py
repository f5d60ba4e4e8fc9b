"""The app as a server process: ``streamlit run deploy/serve.py --server.port 8501``.

The same pages as ``streamlit_app.py`` (it is the script this serves), plus a start-up hook:
the process loads the data, publishes the map geometry and ranks the three presets (with
their Monte Carlo) *before* it accepts connections, so the first planner after a restart
waits no longer than the next one. Until then ``/_stcore/health`` does not answer, so a proxy
or a process manager never sends a visitor to a cold process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the repository's app/ and geoprio/ come first
    sys.path.insert(0, str(ROOT))

log = logging.getLogger("geoprio.serve")


@contextlib.asynccontextmanager
async def _warm(_app):
    from app.state import warm

    seconds = await asyncio.to_thread(warm)
    log.warning("geoprio: caches warmed in %.1f s; accepting connections", seconds)
    yield


app = st.App(ROOT / "streamlit_app.py", lifespan=_warm)
