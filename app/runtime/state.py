"""What the pages share: cached data, the session's uploads, the ranking of a scenario.

Process-wide caches hold one copy for every session; each caller gets its own copy, so no
session can change what another sees (a copy of the 1,874-row table takes about 1 ms). Every
cache is keyed on everything that changes its answer: the scenario's token, the fingerprint of
the session's uploads (values and catalog rows) and the language.

The ranking comes in two steps (:func:`ranking`): the point ranking at once (``prioritize``
without draws, about 0.02 s) and the full one, with the Monte Carlo, from a background job
(:mod:`app.runtime.jobs`); the page shows the first and fills in the rank intervals and
probabilities when the second is ready.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

import geoprio
from app.runtime.jobs import Jobs, PageRuns, session_id
from geoprio.engine.scenario import Scenario
from geoprio.report import mapping

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parents[2] / "static"
#: a Monte Carlo job still running after this is a hang the health check reports
MONTE_CARLO_SECONDS = 120.0


@st.cache_resource
def leaflet_base_url() -> str:
    """Copy the installed Leaflet files where Streamlit serves them; their URL base."""
    STATIC.mkdir(exist_ok=True)
    for path in mapping.leaflet_assets().values():
        target = STATIC / path.name
        if not target.exists() or target.stat().st_size != path.stat().st_size:
            shutil.copyfile(path, target)
    return "/app/static/"


@st.cache_resource
def geometry_url() -> str:
    """The display districts, encoded once per process under ``static/`` (see map_component)."""
    from app.widgets.map_component import publish_geometry

    cols = ["ubigeo", "district", "province", "department", "geometry"]
    STATIC.mkdir(exist_ok=True)  # git ignores it: a fresh clone has none
    return publish_geometry(STATIC, geoprio.load_districts(display=True)[cols])


@st.cache_resource
def _base_districts() -> pd.DataFrame:
    return pd.DataFrame(geoprio.load_districts().drop(columns="geometry"))


def base_districts() -> pd.DataFrame:
    """The shipped indicator table (no geometry): a private copy of the process's table."""
    return _base_districts().copy()


@st.cache_resource
def _display_geometry():
    return geoprio.load_districts(display=True)[["ubigeo", "geometry"]]


def display_geometry():
    """The light display coverage for maps: a private copy."""
    return _display_geometry().copy()


@st.cache_resource
def _display_order():
    order = _display_geometry()["ubigeo"].astype(str).to_numpy()
    order.setflags(write=False)
    return order


def display_order():
    """The ubigeo of each district in the order the map's geometry was published (read-only)."""
    return _display_order()


@st.cache_resource
def _full_geometry():
    return geoprio.load_districts()[["ubigeo", "geometry"]]


def full_geometry():
    """The full district geometry (GIS exports, clusters): a private copy."""
    return _full_geometry().copy()


@st.cache_resource
def _base_catalog() -> pd.DataFrame:
    return geoprio.catalog()


def base_catalog() -> pd.DataFrame:
    """The shipped catalog: a private copy."""
    return _base_catalog().copy()


@st.cache_resource
def _published() -> pd.DataFrame:
    from geoprio.data.shipped import load_published

    return load_published()


def published() -> pd.DataFrame:
    """The sources' own national and department figures: a private copy."""
    return _published().copy()


@st.cache_resource
def _endes() -> pd.DataFrame:
    return geoprio.load_endes()


def endes() -> pd.DataFrame:
    """The ENDES department series: a private copy."""
    return _endes().copy()


@st.cache_resource
def _district_labels() -> dict[str, str]:
    frame = geoprio.load_districts(display=True)
    return {u: f"{d} — {p}, {dep} ({u})" for u, d, p, dep in
            zip(frame["ubigeo"], frame["district"], frame["province"], frame["department"],
                strict=True)}


def district_labels() -> dict[str, str]:
    """ubigeo -> "YURUA — ATALAYA, UCAYALI (250204)", in map order (a private copy)."""
    return dict(_district_labels())


@st.cache_resource
def page_runs() -> PageRuns:
    """The page runs in progress in this process (the entry script enters it)."""
    return PageRuns()


@st.cache_resource
def jobs() -> Jobs:
    """The process's background jobs (Monte Carlo of each scenario); a job waits (at most
    8 s) until no page is being drawn, so that a burst of "Aplicar" gets its colours first."""
    from app.runtime.watchdog import watchdog

    # 10,000 draws of a heavy scenario take about 10 s: ten times that is a hang
    return Jobs(quiet=page_runs().quiet,
                guard=lambda: watchdog().task("monte carlo", MONTE_CARLO_SECONDS))


def uploads() -> dict[str, dict]:
    """Indicators this session added: id -> {"values": Series by ubigeo, "row": catalog row}."""
    return st.session_state.setdefault("uploads", {})


def uploads_key() -> str:
    """Fingerprint of everything this session uploaded: ids, values and catalog rows.

    Every cache that depends on the uploads keys on it: the same values with another
    direction ("higher is worse") or label must give another answer.
    """
    h = hashlib.sha1()
    for key, item in sorted(uploads().items()):
        h.update(key.encode())
        h.update(pd.util.hash_pandas_object(item["values"], index=True).values.tobytes())
        h.update(json.dumps(item["row"], sort_keys=True, default=str).encode())
    return h.hexdigest()


def districts() -> pd.DataFrame:
    """The shipped table plus this session's uploaded indicators."""
    frame = base_districts()
    extra = uploads()
    if not extra:
        return frame
    cols = pd.DataFrame({k: v["values"] for k, v in extra.items()})
    return frame.merge(cols, left_on="ubigeo", right_index=True, how="left")


def catalog() -> pd.DataFrame:
    """The shipped catalog plus this session's uploaded indicators' rows."""
    extra = [v["row"] for v in uploads().values()]
    if not extra:
        return base_catalog()
    return pd.concat([base_catalog(), pd.DataFrame(extra)], ignore_index=True)


def indicator_ids(cat: pd.DataFrame, columns) -> list[str]:
    """Catalog indicators present in ``columns``, in catalog order (uploads last)."""
    cols = set(columns)
    return [i for i, k in zip(cat["id"], cat["kind"], strict=True)
            if k == "indicator" and i in cols]


# ---------------------------------------------------------------------------- ranking
@st.cache_data(max_entries=64, show_spinner=False)
def _point(token: str, uploads_fingerprint: str, lang: str, _frame: pd.DataFrame,
           _catalog: pd.DataFrame) -> pd.DataFrame:
    scenario = Scenario.from_token(token)
    return geoprio.prioritize(_frame, scenario.replace(n_draws=0), catalog=_catalog, lang=lang)


def _full(scenario: Scenario, lang: str, frame: pd.DataFrame, cat: pd.DataFrame):
    t0 = time.process_time()
    out = geoprio.prioritize(frame, scenario, catalog=cat, lang=lang)
    log.info("Monte Carlo of %r (%d draws): %.2f s CPU", scenario.name, scenario.n_draws,
             time.process_time() - t0)
    return out


def full_key(scenario: Scenario, lang: str, fingerprint: str | None = None) -> tuple:
    """What names a full ranking: scenario token, uploads fingerprint, language."""
    return ("ranking", scenario.to_token(), fingerprint or uploads_key(), lang)


@dataclass(frozen=True)
class Ranking:
    """A scenario's ranking as far as it is known.

    Attributes
    ----------
    frame : the full ranking when ``complete``, else the point ranking (scores, ranks,
        eligibility and the list are final; rank intervals equal the rank and probabilities
        are 0 or 1 until the draws are done).
    complete : whether the Monte Carlo is in ``frame``.
    key : the background job's key (:func:`full_key`).
    start : puts the Monte Carlo in the background queue for this session (idempotent;
        a newer scenario of the same session supersedes an older one); False when the queue
        is full (the page says so and asks again).
    error : why the Monte Carlo failed (the point ranking is then all there is), or None.
    """

    frame: pd.DataFrame
    complete: bool
    key: tuple
    start: Callable[[], bool]
    error: Exception | None = None


def _started() -> bool:
    return True


def ranking(scenario: Scenario, lang: str) -> Ranking:
    """The ranking of ``scenario`` for this session (see :class:`Ranking`)."""
    fingerprint = uploads_key()
    frame, cat = districts(), catalog()
    key = full_key(scenario, lang, fingerprint)
    if scenario.n_draws == 0:
        point = _point(scenario.to_token(), fingerprint, lang, frame, cat)
        return Ranking(point, True, key, _started)
    try:
        done = jobs().get(key)
    except Exception as exc:  # the draws failed: the point ranking stands, said so
        point = _point(scenario.to_token(), fingerprint, lang, frame, cat)
        return Ranking(point, True, key, _started, error=exc)
    if done is not None:  # shared by every session with this key: each gets its own copy
        return Ranking(done.copy(), True, key, _started)
    point = _point(scenario.to_token(), fingerprint, lang, frame, cat)
    owner = session_id()
    return Ranking(point, False, key,
                   lambda: jobs().submit(key, lambda: _full(scenario, lang, frame, cat),
                                         owner=owner))


def full_ranking(scenario: Scenario, lang: str, *, frame: pd.DataFrame, cat: pd.DataFrame,
                 fingerprint: str, timeout: float = 300) -> pd.DataFrame:
    """The complete ranking (with the Monte Carlo), waiting for it if needed (exports).

    Takes the session's table, catalog and uploads fingerprint explicitly: a deferred
    download runs outside the page's run, where the session state is not at hand. When the
    queue is full, the export computes it in its own thread rather than fail.
    """
    if scenario.n_draws == 0:
        return _point(scenario.to_token(), fingerprint, lang, frame, cat)
    key = full_key(scenario, lang, fingerprint)
    done = jobs().get(key)
    if done is None and jobs().submit(key, lambda: _full(scenario, lang, frame, cat)):
        done = jobs().wait(key, timeout=timeout)
    if done is None:  # the queue is full
        return _full(scenario, lang, frame, cat)
    return done.copy()


def warm(langs: tuple[str, ...] = ("es",), presets: tuple[str, ...] = ("dci", "fonie",
                                                                        "anemia")) -> float:
    """Fill the process's caches before the first visitor: data, map geometry, presets.

    Called when the server process starts (``deploy/serve.py``). Returns the seconds taken.

    What it loaded lives as long as the process, so it ends by moving every object then alive
    out of the garbage collector's reach (:func:`gc.freeze`): Streamlit runs a full
    collection after every script run (``runner.postScriptGC``), and walking the warmed
    tables, geometries and modules again each time cost about 0.1 s of CPU a run, a third
    of a new session's (issue 24, ``benchmarks/bench_app.py``). Objects made later are
    collected as before; frozen ones are still freed by reference counting when a cache lets
    them go (a reference cycle among them would stay: the warmed caches live as long as the
    process anyway).
    """
    t0 = time.perf_counter()
    leaflet_base_url()
    geometry_url()
    frame, cat = base_districts(), base_catalog()
    _display_geometry()
    _endes()
    import geoprio.report.exporting  # noqa: F401  (first export: no import cost then)
    for lang in langs:
        for name in presets:
            scenario = Scenario.preset(name)
            fingerprint = hashlib.sha1().hexdigest()  # no uploads
            _point(scenario.to_token(), fingerprint, lang, frame, cat)
            key = full_key(scenario, lang, fingerprint)
            jobs().submit(key, lambda s=scenario, la=lang: _full(s, la, frame, cat))
    jobs().wait_all(timeout=600)
    gc.collect()  # what warming left behind goes first, then the rest is frozen
    gc.freeze()
    seconds = time.perf_counter() - t0
    log.info("caches warmed in %.1f s", seconds)
    return seconds
