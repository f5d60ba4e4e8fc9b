"""What the page shares across tabs: cached data, the session's uploads, the ranked frame."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import streamlit as st

import geoprio
from geoprio import mapping
from geoprio.scenario import Scenario

STATIC = Path(__file__).resolve().parents[1] / "static"


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
    from app.map_component import publish_geometry

    cols = ["ubigeo", "district", "province", "department", "geometry"]
    STATIC.mkdir(exist_ok=True)  # git ignores it: a fresh clone has none
    return publish_geometry(STATIC, geoprio.load_districts(display=True)[cols])


# Process-wide caches hold one copy for every session; each caller gets its own copy, so no
# session can change what another sees (a copy of the 1,874-row table takes about 1 ms).
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
def _base_catalog() -> pd.DataFrame:
    return geoprio.catalog()


def base_catalog() -> pd.DataFrame:
    """The shipped catalog: a private copy."""
    return _base_catalog().copy()


@st.cache_resource
def _endes() -> pd.DataFrame:
    return geoprio.load_endes()


def endes() -> pd.DataFrame:
    """The ENDES department series: a private copy."""
    return _endes().copy()


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
    extra = [v["row"] for v in uploads().values()]
    if not extra:
        return base_catalog()
    return pd.concat([base_catalog(), pd.DataFrame(extra)], ignore_index=True)


@st.cache_data(max_entries=64, show_spinner=False)
def _ranked(token: str, uploads_fingerprint: str, lang: str, _frame: pd.DataFrame,
            _catalog: pd.DataFrame) -> pd.DataFrame:
    return geoprio.prioritize(_frame, Scenario.from_token(token), catalog=_catalog, lang=lang)


def ranked(scenario: Scenario, lang: str) -> pd.DataFrame:
    """``geoprio.prioritize`` on the session's districts, cached per scenario and uploads."""
    return _ranked(scenario.to_token(), uploads_key(), lang, districts(), catalog())
