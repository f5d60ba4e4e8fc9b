"""Readers run in a child process with limits on memory and time.

A user's file can cost more than its size says: a GeoPackage column that SQLite computes on
every row (a 106 kB file took a server from 0.5 to 3.4 GB), a GeoTIFF of 990 million pixels in
1.1 MB, polygons whose every edge crosses every other. When such a file is read in the
server's own process, the process and every session on it go down together. :func:`run` reads
it in a child process instead:

* the child's address space is capped (``RLIMIT_AS``, :data:`ISOLATED_MEMORY`) and its CPU
  time too (``RLIMIT_CPU``, :data:`ISOLATED_SECONDS`; the parent also stops it after that
  many seconds of wall time); a child that runs out of either is stopped, and the parent gets
  one :class:`~geoprio.errors.GeoprioError` line that names the limit;
* at most :data:`ISOLATED_READERS` children run at once in a process (others wait for a slot
  up to :data:`ISOLATED_SECONDS`), so that the children of several uploads cannot together
  exhaust the server's memory;
* the child answers with plain data, never a pickle: arrays as raw bytes with their dtype,
  text as JSON, geometries as WKB, ``attrs`` (the reader's report) as JSON. A child taken
  over by a hostile file can send wrong data, not code;
* the child runs the same geoprio as the parent, with GDAL's block cache and numeric
  libraries on one thread and small buffers.

:func:`read_table`, :func:`read_boundaries` and :func:`zonal_stats` are the readers the app
uses on uploads; :func:`geoprio.read_boundaries` itself sends every GeoPackage's layer here.

Examples
--------
>>> t = read_table(b"ubigeo;v\\n010101;1,5\\n", name="t.csv")
>>> t["v"].tolist(), t.attrs["read"]["delimiter"]
([1.5], ';')
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geoprio import errors
from geoprio.errors import GeoprioError, InputError
from geoprio.readers.readreport import ReadReport
from geoprio.readers.safety import one_line

__all__ = ["ISOLATED_MEMORY", "ISOLATED_READERS", "ISOLATED_SECONDS", "inside",
           "read_boundaries", "read_table", "reading_slot", "run", "zonal_stats"]

log = logging.getLogger(__name__)

#: Address space (bytes) of a reading child (``GEOPRIO_READER_MEMORY_MB`` overrides it).
ISOLATED_MEMORY = int(os.environ.get("GEOPRIO_READER_MEMORY_MB", "1536")) * 2**20
#: CPU seconds of a reading child, and wall seconds before it is stopped
#: (``GEOPRIO_READER_SECONDS``).
ISOLATED_SECONDS = int(os.environ.get("GEOPRIO_READER_SECONDS", "60"))
#: Reading children that may run at once in one process (``GEOPRIO_READERS``).
ISOLATED_READERS = int(os.environ.get("GEOPRIO_READERS", "1"))

_SLOTS = threading.BoundedSemaphore(max(1, ISOLATED_READERS))
_INSIDE = "GEOPRIO_ISOLATED"
_ROOT = str(Path(__file__).resolve().parents[2])  # the folder that holds geoprio/
_CHILD = r"""
import resource, sys
memory, seconds = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
sys.path.insert(0, sys.argv[3])
from geoprio.readers.isolated import _serve
_serve(sys.argv[4])
"""
_ERRORS = {name: getattr(errors, name) for name in errors.__all__}


def inside() -> bool:
    """True in a reading child (where readers run directly, not in another child)."""
    return os.environ.get(_INSIDE) == "1"


# --------------------------------------------------------------------------- parent
def run(task: str, *, label: str, payload: bytes | None = None,
        error: type[GeoprioError] = InputError, memory: int | None = None,
        seconds: int | None = None, **kwargs: Any) -> Any:
    """Run a reading ``task`` in a child process with limits; its result or its error.

    Parameters
    ----------
    task : str
        One of ``read_table``, ``read_boundaries``, ``zonal_stats`` (the bytes are
        ``payload``) and ``gpkg_layer`` (``path=`` a private copy of a GeoPackage).
    label : str
        The file's name, for messages.
    payload : bytes, optional
        The file's bytes, handed to the child.
    error : GeoprioError subclass, default=InputError
        The class raised when the child is stopped or fails without a geoprio error.
    memory, seconds : int, optional
        Limits (default :data:`ISOLATED_MEMORY`, :data:`ISOLATED_SECONDS`).
    **kwargs
        The task's options (plain JSON data).

    Raises
    ------
    GeoprioError
        The reader's own error (same class and message), or ``error`` naming the limit hit.
    """
    memory = ISOLATED_MEMORY if memory is None else memory
    seconds = ISOLATED_SECONDS if seconds is None else seconds
    with reading_slot(label, error, seconds), \
            tempfile.TemporaryDirectory(prefix="geoprio_iso_") as tmp:
        folder = Path(tmp)
        (folder / "request.json").write_text(json.dumps({"task": task, "kwargs": kwargs}),
                                             encoding="utf-8")
        if payload is not None:
            (folder / "payload").write_bytes(payload)
        returncode = _child(folder, memory, seconds, label, error)
        return _answer(folder, returncode, memory, seconds, label, error)


@contextlib.contextmanager
def reading_slot(label: str, error: type[GeoprioError] = InputError,
                 seconds: int | None = None) -> Iterator[None]:
    """One of the :data:`ISOLATED_READERS` slots for a reading child (``.xls``/``.ods`` readers
    take one too), waited for up to ``seconds``."""
    if not _SLOTS.acquire(timeout=ISOLATED_SECONDS if seconds is None else seconds):
        raise error(f"{label}: the server is reading other files; try again in a minute")
    try:
        yield
    finally:
        _SLOTS.release()


def _child(folder: Path, memory: int, seconds: int, label: str,
           error: type[GeoprioError]) -> int:
    # small reservations: Arrow's own allocator alone reserves 1 GB of address space, and
    # each malloc arena or BLAS thread more
    env = {**os.environ, _INSIDE: "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "GDAL_NUM_THREADS": "1", "GDAL_CACHEMAX": "64",
           "ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_ARENA_MAX": "2",
           "PYTHONHASHSEED": "0"}
    with open(folder / "stderr", "wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(memory), str(seconds), _ROOT, str(folder)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, cwd=folder,
            env=env, start_new_session=True)
        try:
            return proc.wait(timeout=seconds + 5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the child and any reader it started
            proc.wait()
            raise error(f"{label}: reading it took more than {seconds} s and was stopped "
                        "(geoprio.readers.isolated.ISOLATED_SECONDS); send a smaller or simpler "
                        "file"
                        ) from None


def _answer(folder: Path, returncode: int, memory: int, seconds: int, label: str,
            error: type[GeoprioError]) -> Any:
    result = folder / "result.bin"
    if returncode != 0 or not result.is_file():
        with open(folder / "stderr", "rb") as f:
            f.seek(max(0, (folder / "stderr").stat().st_size - 2000))
            tail = f.read().decode("utf-8", "replace").strip().splitlines()[-1:]
        log.info("%s: reading child exited with %s: %s", label, returncode, tail)
        if returncode == -signal.SIGXCPU:
            raise error(f"{label}: reading it took more than {seconds} s of CPU and was "
                        "stopped (geoprio.readers.isolated.ISOLATED_SECONDS); send a smaller or "
                        "simpler file")
        raise error(f"{label}: the reader stopped before the end ({_exit_text(returncode)}): "
                    f"the file needs more than the {memory / 2**20:,.0f} MB of memory a reader "
                    "may use (geoprio.readers.isolated.ISOLATED_MEMORY) or is damaged; send a "
                    "smaller file")
    if result.stat().st_size > memory:
        raise error(f"{label}: the reader's answer is larger than its memory limit")
    try:
        head, blobs = _unpack(result.read_bytes())
        if "error" not in head:
            return _decode(head["value"], blobs)
    except GeoprioError:
        raise
    except (ValueError, KeyError, TypeError, IndexError) as exc:  # a child gone wrong
        raise error(f"{label}: the reader's answer is damaged ({type(exc).__name__})") from None
    if "error" in head:
        cls = _ERRORS.get(str(head["error"]), error)
        if head.get("memory"):
            raise cls(f"{label}: reading it needed more than the {memory / 2**20:,.0f} MB of "
                      "memory a reader may use and was stopped (geoprio.readers.isolated."
                      "ISOLATED_MEMORY); send a smaller or simpler file")
        err = cls(one_line(head["message"]))
        if head.get("problems") is not None:
            err.problems = head["problems"]  # type: ignore[attr-defined]
        raise err
    raise error(f"{label}: the reader's answer is damaged")


def _exit_text(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit status {returncode}"


# --------------------------------------------------------------------------- wire format
def _pack(head: dict[str, Any], blobs: list[bytes]) -> bytes:
    head = {**head, "blobs": [len(b) for b in blobs]}
    text = json.dumps(head, default=_plain_json).encode("utf-8")
    return len(text).to_bytes(8, "big") + text + b"".join(blobs)


def _unpack(data: bytes) -> tuple[dict[str, Any], list[memoryview]]:
    n = int.from_bytes(data[:8], "big")
    head = json.loads(data[8:8 + n].decode("utf-8"))
    view, at, blobs = memoryview(data), 8 + n, []
    for size in head["blobs"]:
        blobs.append(view[at:at + size])
        at += size
    if at != len(data):
        raise InputError("the reader's answer is damaged")
    return head, blobs


def _plain_json(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def _encode(value: Any, blobs: list[bytes]) -> dict[str, Any]:
    """A frame (or a tuple of frames and plain data) as JSON-ready data and blobs."""
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, blobs) for v in value]}
    if isinstance(value, pd.DataFrame):
        return {"frame": _encode_frame(value, blobs)}
    return {"plain": value}


def _decode(spec: dict[str, Any], blobs: list[memoryview]) -> Any:
    if "tuple" in spec:
        return tuple(_decode(s, blobs) for s in spec["tuple"])
    if "frame" in spec:
        return _decode_frame(spec["frame"], blobs)
    return spec["plain"]


def _encode_frame(frame: pd.DataFrame, blobs: list[bytes]) -> dict[str, Any]:
    import shapely

    geometry = frame.geometry.name if hasattr(frame, "geometry") and hasattr(
        frame, "crs") else None
    columns = []
    for i, name in enumerate(frame.columns):
        col = frame.iloc[:, i]
        spec: dict[str, Any] = {"name": name}
        if name == geometry:
            wkb = shapely.to_wkb(np.asarray(col.values, dtype=object))
            sizes = np.array([-1 if w is None else len(w) for w in wkb], dtype="<i8")
            spec.update(kind="geometry", sizes=len(blobs))
            blobs += [sizes.tobytes(), b"".join(w for w in wkb if w is not None)]
        elif isinstance(col.dtype, np.dtype) and col.dtype.kind in "biufmM":
            spec.update(kind="array", dtype=col.dtype.str, data=len(blobs))
            blobs.append(np.ascontiguousarray(col.to_numpy()).tobytes())
        else:
            spec.update(kind="json", dtype=str(col.dtype), values=[
                None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
                else v for v in col.astype(object).tolist()])
        columns.append(spec)
    crs = frame.crs.to_wkt() if geometry is not None and frame.crs is not None else None
    attrs = {k: dict(v) if isinstance(v, ReadReport) else v for k, v in frame.attrs.items()}
    return {"columns": columns, "rows": len(frame), "geometry": geometry, "crs": crs,
            "index": _encode_index(frame.index), "attrs": attrs}


def _encode_index(index: pd.Index) -> Any:
    if isinstance(index, pd.RangeIndex):
        return [index.start, index.stop, index.step]
    return {"values": [v.item() if isinstance(v, np.generic) else v for v in index.tolist()]}


def _decode_frame(spec: dict[str, Any], blobs: list[memoryview]) -> pd.DataFrame:
    n = spec["rows"]
    index = (pd.RangeIndex(*spec["index"]) if isinstance(spec["index"], list)
             else pd.Index(spec["index"]["values"]))
    data: dict[Any, Any] = {}
    for col in spec["columns"]:
        if col["kind"] == "geometry":
            data[col["name"]] = _decode_geometry(blobs[col["sizes"]], blobs[col["sizes"] + 1])
        elif col["kind"] == "array":
            values = np.frombuffer(blobs[col["data"]], dtype=np.dtype(col["dtype"])).copy()
            data[col["name"]] = pd.Series(values, index=index)
        else:
            values = pd.Series(col["values"], index=index, dtype=object)
            if col["dtype"] != "object":  # a dtype pandas cannot rebuild: kept as objects
                with contextlib.suppress(TypeError, ValueError):
                    values = values.astype(col["dtype"])
            data[col["name"]] = values
    if len(data) != len(spec["columns"]):
        raise InputError("the reader's answer repeats a column name")
    frame = pd.DataFrame(data, index=index)
    if len(frame) != n:
        raise InputError("the reader's answer is damaged (row count)")
    if spec["geometry"] is not None:
        import geopandas as gpd

        frame = gpd.GeoDataFrame(frame, geometry=spec["geometry"], crs=spec["crs"])
    frame.attrs = {k: ReadReport(v) if k == "read" else v for k, v in spec["attrs"].items()}
    return frame


def _decode_geometry(sizes: memoryview, data: memoryview) -> np.ndarray:
    import shapely

    lengths = np.frombuffer(sizes, dtype="<i8")
    raw = bytes(data)
    ends = np.cumsum(np.where(lengths < 0, 0, lengths))
    if len(ends) and ends[-1] != len(raw):
        raise InputError("the reader's answer is damaged (geometries)")
    starts = ends - np.where(lengths < 0, 0, lengths)
    wkb = np.array([None if n < 0 else raw[a:b] for n, a, b in zip(lengths, starts, ends,
                                                                     strict=True)],
                   dtype=object)
    return shapely.from_wkb(wkb)


# --------------------------------------------------------------------------- child
def _serve(folder: str) -> None:
    """The child's side: run the task named in ``request.json``, write ``result.bin``."""
    where = Path(folder)
    request = json.loads((where / "request.json").read_text(encoding="utf-8"))
    blobs: list[bytes] = []
    try:
        value = _task(request["task"])(where, **request["kwargs"])
        head: dict[str, Any] = {"value": _encode(value, blobs)}
    except GeoprioError as exc:
        blobs = []
        head = {"error": type(exc).__name__, "message": str(exc), "memory": _out_of_memory(exc),
                "problems": getattr(exc, "problems", None)}
    except MemoryError:
        raise SystemExit(3) from None  # the parent names the memory limit
    (where / "result.bin").write_bytes(_pack(head, blobs))


def _out_of_memory(exc: BaseException) -> bool:
    """Whether an error comes from an allocation that failed (the child's memory limit):
    Python's ``MemoryError``, or a C/C++ library's (GEOS: ``std::bad_alloc``, GDAL)."""
    seen = 0
    exc = exc.__cause__ or exc.__context__  # the library's error, not geoprio's wording
    while exc is not None and seen < 10:
        text = str(exc).lower()
        if isinstance(exc, MemoryError) or "bad_alloc" in text or "out of memory" in text \
                or "cannot allocate memory" in text:
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


#: what a child may be asked to run: name -> "module:function" (``function(where, **kwargs)``,
#: where the request's folder holds the file's bytes as ``payload``). Named by their paths,
#: not imported here: each reader keeps its task beside itself, and this module, under them
#: all, needs none of them until a child runs one.
TASKS = {"read_table": "geoprio.readers.tables:isolated_task",
         "read_boundaries": "geoprio.readers.boundaries:isolated_task",
         "gpkg_layer": "geoprio.readers.boundaries:isolated_layer_task",
         "zonal_stats": "geoprio.spatial.raster:isolated_task"}


def _task(name: str) -> Any:
    """The function a task name stands for (only the tasks of :data:`TASKS`)."""
    import importlib

    module, _, function = TASKS[name].partition(":")
    return getattr(importlib.import_module(module), function)


# --------------------------------------------------------------------------- for uploads
def read_table(data: bytes, *, name: str, **kwargs: Any) -> pd.DataFrame:
    """:func:`geoprio.read_table` of an upload's bytes, in a child with limits."""
    return run("read_table", label=one_line(name, 200), payload=bytes(data), name=name,
               **kwargs)


def read_boundaries(data: bytes, *, name: str, **kwargs: Any) -> pd.DataFrame:
    """:func:`geoprio.read_boundaries` of an upload's bytes, in a child with limits."""
    from geoprio.errors import GeometryError

    return run("read_boundaries", label=one_line(name, 200), payload=bytes(data),
               error=GeometryError, name=name, **kwargs)


def zonal_stats(data: bytes, *, name: str, **kwargs: Any) -> pd.DataFrame:
    """:func:`geoprio.zonal_stats` of an uploaded raster over the shipped districts, in a
    child with limits."""
    from geoprio.errors import RasterError

    return run("zonal_stats", label=one_line(name, 200), payload=bytes(data),
               error=RasterError, name=name, **kwargs)
