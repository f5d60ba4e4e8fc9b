"""The app as a server process: ``streamlit run deploy/serve.py --server.port 8501``.

The same pages as ``streamlit_app.py`` (it is the script this serves), plus a start-up hook:
the process loads the data, publishes the map geometry and ranks the three presets (with
their Monte Carlo) *before* it accepts connections, so the first planner after a restart
waits no longer than the next one. Until then ``/_stcore/health`` does not answer, so a proxy
or a process manager never sends a visitor to a cold process.

It also serves ``/geoprio/health`` (:mod:`app.runtime.watchdog`): 503 once a page run, an export
or a ZIP of sheets has run past its limit, which Streamlit's own health check never notices (the
systemd health timer asks this one); gives the event loop a default executor of
:data:`LOOP_THREADS` threads (Streamlit runs download buttons' builds there: sessions waiting
on exports must not starve its other work, see :mod:`app.runtime.exports`); and keeps PROJ off the
network (``PROJ_NETWORK=OFF``, as the systemd unit sets it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ["PROJ_NETWORK"] = "OFF"  # before pyproj loads PROJ: never a grid download

import streamlit as st

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the repository's app/ and geoprio/ come first
    sys.path.insert(0, str(ROOT))

from app.runtime.watchdog import health_route  # noqa: E402

log = logging.getLogger("geoprio.serve")

#: threads of the event loop's default executor (Streamlit's asyncio.to_thread work,
#: download buttons' builds included); Python's default is min(32, cores + 4): 6 on 2 cores
LOOP_THREADS = 64


@contextlib.asynccontextmanager
async def _warm(_app):
    from app.runtime.state import warm

    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(max_workers=LOOP_THREADS,
                                                 thread_name_prefix="geoprio-loop"))
    seconds = await asyncio.to_thread(warm)
    log.warning("geoprio: caches warmed in %.1f s; accepting connections", seconds)
    yield


app = st.App(ROOT / "streamlit_app.py", lifespan=_warm, routes=[health_route()])
