"""Uploads read once per file, in a child process with limits.

Streamlit reruns the page script on every click; a table, a raster or a boundary file that a
planner uploaded used to be read again on each rerun (a 90 kB table with repeated codes cost
68 s of CPU each time, a hostile GeoTIFF 112 s). Here each upload is read once per file, keyed
by the SHA-256 of its bytes (and its name, which the messages quote), by
:mod:`geoprio.readers.isolated`: in a child process whose memory and time are capped, so that a file
that would exhaust them stops the child, not the server. What came out (the frame, or the
one-line error) is kept in the session, one entry per uploader, and handed out as a private
copy on each rerun; a new file replaces it.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from typing import Any

import streamlit as st

from geoprio.readers import isolated
from geoprio.spatial.raster import UPLOAD_PIXELS

#: statistics an uploaded raster is summarised by, all in one reading
RASTER_STATS = ("mean", "median", "max", "min", "sum", "count")
_KEY = "_parsed_uploads"


def _table(data: bytes, name: str) -> tuple:
    import geoprio
    from app.runtime.state import base_districts

    table = isolated.read_table(data, name=name)
    joined, report = geoprio.join_indicators(base_districts(), table)
    return table, joined, report


def _raster(data: bytes, name: str) -> Any:
    return isolated.zonal_stats(data, name=name, stats=list(RASTER_STATS),
                                pixel_budget=UPLOAD_PIXELS)


def _boundaries(data: bytes, name: str) -> Any:
    return isolated.read_boundaries(data, name=name)


_READERS: dict[str, Callable[[bytes, str], Any]] = {
    "table": _table, "raster": _raster, "boundaries": _boundaries}


def parsed(kind: str, upload: Any) -> Any:
    """The upload read by the ``kind`` reader (``table``: the table, the join and its report;
    ``raster``: zonal statistics; ``boundaries``), read once per file.

    Raises
    ------
    Exception
        What reading the file raised (a ``GeoprioError`` for a file refused), again on each
        rerun without reading the file again.
    """
    data = upload.getvalue()
    key = (hashlib.sha256(data).hexdigest(), str(upload.name))
    store = st.session_state.setdefault(_KEY, {})
    entry = store.get(kind)
    if entry is None or entry[0] != key:
        store.pop(kind, None)  # the previous file's result goes before the new one is read
        try:
            entry = (key, _READERS[kind](data, upload.name), None)
        except Exception as exc:  # kept, so that a refused file is not read again
            entry = (key, None, exc)
        store[kind] = entry
    _, value, error = entry
    if error is not None:
        raise error.with_traceback(None)
    return _private(value)


def _private(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_private(v) for v in value)
    if hasattr(value, "copy") and hasattr(value, "columns"):
        return value.copy()
    return copy.deepcopy(value)
