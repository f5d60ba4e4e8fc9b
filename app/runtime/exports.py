"""Downloads built on click, on a bounded pool of their own (issue 21, item 2).

Where Streamlit runs a download button's ``data=`` callable: the click sends a
``deferred_file`` request; ``streamlit.runtime.backend_operation_handler.DeferredFileHandler``
runs ``MediaFileManager.execute_deferred`` with ``asyncio.to_thread``, that is on the event
loop's default executor: ``min(32, cores + 4)`` threads, 6 on a 2-core server, shared by every
session of the process and by Streamlit's own work. Six slow exports (a PDF sheet fitting a
million-character name) held all six, and another planner's CSV waited behind them
(``tests/test_exports.py`` measures it with Streamlit's own handler).

:func:`download_button` hands Streamlit a callable that only waits; the build runs on
:class:`ExportPool`:

- ``GEOPRIO_EXPORT_WORKERS`` threads (default 3) of its own, not Streamlit's;
- one export per session at a time: a session's second click waits for its first (at most
  :data:`EXPORT_QUEUE` asked at once, more are refused at once), so one session holds one
  worker however often it clicks, and the other sessions keep the rest;
- each click waits at most :data:`EXPORT_SECONDS` (the browser gives up at 180 s); the page
  then says so in one line (:meth:`ExportPool.notice`). A build cannot be stopped from outside
  its thread: it finishes in the background, still counting as its session's one export, and
  the watchdog (:mod:`app.runtime.watchdog`) reports the process stuck if it runs past
  :data:`EXPORT_LIMIT`.

``deploy/serve.py`` also gives the event loop a larger default executor, so that sessions
waiting on exports never leave Streamlit's own work without threads.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from app.runtime.watchdog import Watchdog, watchdog
from geoprio.errors import GeoprioError

log = logging.getLogger(__name__)

__all__ = ["EXPORT_LIMIT", "EXPORT_QUEUE", "EXPORT_SECONDS", "LONG_LIMIT", "LONG_QUEUE",
           "LONG_SECONDS", "ExportBusy", "ExportPool", "ExportTimeout", "LongExport",
           "LongExports", "Stopped", "download_button", "export_pool", "long_exports"]

#: seconds a click waits for its file (Streamlit's browser side gives up at 180 s)
EXPORT_SECONDS = 120.0
#: exports one session may have asked for at once (one runs, the others wait their turn)
EXPORT_QUEUE = 2
#: an export still running after this many seconds means the process is stuck (health 503)
EXPORT_LIMIT = 600.0


class ExportBusy(GeoprioError):
    """The session already has :data:`EXPORT_QUEUE` exports asked for."""


class ExportTimeout(GeoprioError):
    """The file was not ready within :data:`EXPORT_SECONDS`."""


@dataclass
class _Slot:
    """A session's exports: whether one is building, how many clicks wait for their turn."""

    busy: bool = False
    waiting: int = 0


class ExportPool:
    """Threads that build downloads, one build per session at a time, each click bounded.

    Parameters
    ----------
    workers : build threads (default ``GEOPRIO_EXPORT_WORKERS`` or 3).
    seconds : longest a click waits for its file.
    queue : exports one session may have asked for at once.
    limit : seconds after which a build still running makes the process unhealthy.
    dog : the watchdog builds register with (default the process's).

    Examples
    --------
    >>> pool = ExportPool(workers=1, seconds=5)
    >>> pool.run("session-a", lambda: b"csv")
    b'csv'
    """

    def __init__(self, workers: int | None = None, seconds: float = EXPORT_SECONDS,
                 queue: int = EXPORT_QUEUE, limit: float = EXPORT_LIMIT,
                 dog: Watchdog | None = None) -> None:
        if workers is None:
            workers = int(os.environ.get("GEOPRIO_EXPORT_WORKERS", "3"))
        if workers < 1 or queue < 1:
            raise ValueError(f"workers and queue must be at least 1; got {workers}, {queue}")
        self.seconds, self.queue, self.limit = float(seconds), queue, float(limit)
        self._dog = dog or watchdog()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="geoprio-export")
        self._cond = threading.Condition()
        self._slots: dict[str, _Slot] = {}
        self._notes: dict[str, tuple[str, float]] = {}

    def _forget(self, session: str, slot: _Slot) -> None:
        if not slot.busy and not slot.waiting and self._slots.get(session) is slot:
            del self._slots[session]

    def _take_turn(self, session: str, end: float) -> _Slot:
        """Wait (until ``end``) for the session's previous export; then it is this one's."""
        with self._cond:
            slot = self._slots.setdefault(session, _Slot())
            if slot.waiting + slot.busy >= self.queue:
                raise ExportBusy(f"{self.queue} exports of this session are already asked for; "
                                 "wait for them to finish")
            slot.waiting += 1
            try:
                while slot.busy:
                    left = end - time.monotonic()
                    if left <= 0:
                        raise ExportTimeout(f"the session's previous export still runs after "
                                            f"{self.seconds:.0f} s")
                    self._cond.wait(left)
                slot.busy = True
            finally:
                slot.waiting -= 1
        return slot

    def _build(self, session: str, slot: _Slot, build: Callable[[], Any]) -> Any:
        try:
            with self._dog.task("export", self.limit):
                return build()
        finally:
            self._release(session, slot)

    def _release(self, session: str, slot: _Slot) -> None:
        """The session's export is over: the next click of the session may build."""
        with self._cond:
            slot.busy = False
            self._forget(session, slot)
            self._cond.notify_all()

    def run(self, session: str, build: Callable[[], Any]) -> Any:
        """``build()`` on the pool, for ``session``; its result within :attr:`seconds`.

        Raises :class:`ExportBusy` at once when the session has :attr:`queue` exports asked
        for, :class:`ExportTimeout` when the file is not ready in time (the build goes on and
        its result is dropped), and whatever ``build`` raises.
        """
        end = time.monotonic() + self.seconds
        slot = self._take_turn(session, end)
        try:
            future = self._pool.submit(self._build, session, slot, build)
        except BaseException:
            self._release(session, slot)
            raise
        try:
            return future.result(timeout=max(0.0, end - time.monotonic()))
        except FutureTimeout:
            if future.cancel():  # still queued behind other sessions' builds: never run
                self._release(session, slot)
            raise ExportTimeout(f"the file was not ready within {self.seconds:.0f} s") from None

    def deferred(self, build: Callable[[], Any], session: str,
                 rerun: Callable[[], None] | None = None) -> Callable[[], Any]:
        """What a download button gets: runs ``build`` through :meth:`run` for ``session``;
        a refusal or a timeout is noted for the session's page (:meth:`notice`) and
        ``rerun()`` asks the page to show it."""
        def on_click() -> Any:
            try:
                return self.run(session, build)
            except (ExportBusy, ExportTimeout) as exc:
                log.warning("export of session %s: %s", session, exc)
                with self._cond:
                    self._notes[session] = ("export_busy" if isinstance(exc, ExportBusy)
                                            else "export_timeout", self.seconds)
                if rerun is not None:
                    rerun()
                raise

        return on_click

    def notice(self, session: str) -> tuple[str, float] | None:
        """The session's last refusal or timeout (an i18n key and the seconds waited), once."""
        with self._cond:
            return self._notes.pop(session, None)

    def building(self, session: str) -> bool:
        """Whether an export of ``session`` is being built."""
        with self._cond:
            slot = self._slots.get(session)
            return bool(slot and slot.busy)


_POOL: ExportPool | None = None
_POOL_LOCK = threading.Lock()


def export_pool() -> ExportPool:
    """The process's export pool (created on first use)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ExportPool()
        return _POOL


def _session() -> tuple[str, Callable[[], None] | None]:
    """The running session's id and a function that reruns it (None outside a session)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from app.runtime.jobs import rerun_trigger

    ctx = get_script_run_ctx()
    return (ctx.session_id if ctx is not None else "no-session"), rerun_trigger()


def download_button(where: Any, label: str, build: Callable[[], Any], *, lang: str,
                    **options: Any) -> Any:
    """``where.download_button(label, build, ...)`` with ``build`` run on the export pool.

    ``where`` is ``st`` or a column; ``options`` go to Streamlit (``file_name``, ``mime``,
    ``key``...). A refusal or timeout of this session's previous click shows above it.
    """
    from app.texts.i18n import t

    session, rerun = _session()
    pool = export_pool()
    note = pool.notice(session)
    if note is not None:
        key, seconds = note
        where.warning(t(key, lang, s=f"{seconds:.0f}", n=pool.queue))
    return where.download_button(label, pool.deferred(build, session, rerun), **options)


# ------------------------------------------------------------------ long exports, in the back
#: long exports (a ZIP of sheets) queued or running in the process at once; more are refused
LONG_QUEUE = 3
#: a long export stops itself after this many seconds (checked between two steps)
LONG_SECONDS = 900.0
#: a long export still running after this many seconds means the process is stuck (one step
#: hangs: the health check then restarts the process)
LONG_LIMIT = LONG_SECONDS + 300.0


class Stopped(GeoprioError):
    """A long export was cancelled, or ran out of time."""


class LongExport:
    """One long export: its progress, its end (``state``), its file, and a way to stop it.

    ``state`` is ``"queued"``, ``"running"``, ``"done"``, ``"cancelled"``, ``"timeout"`` or
    ``"failed"`` (``error`` then holds the one-line reason).
    """

    def __init__(self, key: Any, seconds: float) -> None:
        self.key, self.seconds = key, seconds
        self.done, self.total = 0, 0
        self.state, self.error = "queued", ""
        self.result: bytes | None = None
        self._cancel = threading.Event()
        self._started: float | None = None

    @property
    def finished(self) -> bool:
        return self.state not in ("queued", "running")

    def cancel(self) -> None:
        """Ask the export to stop at its next step (a queued one never starts)."""
        self._cancel.set()

    def progress(self, done: int, total: int) -> None:
        """Record a step; stop here if cancelled or out of time (``district_sheets``'s
        ``progress=``)."""
        self.done, self.total = done, total
        if self._cancel.is_set():
            raise Stopped("cancelled")
        if self._started is not None and time.monotonic() - self._started > self.seconds:
            raise Stopped(f"still running after {self.seconds:.0f} s")


class LongExports:
    """Exports too long for a click (a ZIP of hundreds of sheets), built in the background.

    One worker thread of their own (never the page's thread, never the export pool's), at
    most ``queue`` of them queued or running in the process (more are refused with
    :class:`ExportBusy`), each stopping itself after ``seconds`` or when cancelled, with its
    progress readable at any time. The last ``keep`` files are kept by key, so a session
    asking for a file another has just built gets it at once.

    Examples
    --------
    >>> jobs = LongExports()
    >>> job = jobs.start("k", lambda step: (step(0, 1), b"zip")[1])
    >>> jobs.wait(job, timeout=5).state, job.result
    ('done', b'zip')
    >>> jobs.start("k", lambda step: b"never run").state  # kept: done at once
    'done'
    """

    def __init__(self, queue: int = LONG_QUEUE, seconds: float = LONG_SECONDS, keep: int = 2,
                 dog: Watchdog | None = None) -> None:
        self.queue, self.seconds, self.keep = queue, float(seconds), keep
        self._dog = dog or watchdog()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="geoprio-long")
        self._lock = threading.Lock()
        self._active: list[LongExport] = []
        self._kept: dict[Any, bytes] = {}

    def start(self, key: Any, build: Callable[[Callable[[int, int], None]], bytes]
              ) -> LongExport:
        """Queue ``build(progress)`` under ``key``; the job (done at once if kept)."""
        job = LongExport(key, self.seconds)
        with self._lock:
            if key in self._kept:
                job.result, job.state = self._kept[key], "done"
                return job
            if len(self._active) >= self.queue:
                raise ExportBusy(f"{self.queue} long exports are already queued or running")
            self._active.append(job)
        self._pool.submit(self._run, job, build)
        return job

    def _run(self, job: LongExport, build: Callable[[Callable[[int, int], None]], bytes]
             ) -> None:
        try:
            if job._cancel.is_set():
                job.state = "cancelled"
                return
            job._started, job.state = time.monotonic(), "running"
            with self._dog.task("long export", self.seconds + LONG_LIMIT - LONG_SECONDS):
                data = build(job.progress)
            with self._lock:
                self._kept[job.key] = data
                while len(self._kept) > self.keep:
                    del self._kept[next(iter(self._kept))]
            job.result, job.state = data, "done"
        except Stopped as exc:
            job.state, job.error = ("cancelled" if str(exc) == "cancelled" else "timeout",
                                    str(exc))
        except Exception as exc:  # the page shows it in one line
            log.warning("long export %r failed", job.key, exc_info=True)
            job.state, job.error = "failed", str(exc)
        finally:
            with self._lock:
                self._active.remove(job)

    def wait(self, job: LongExport, timeout: float) -> LongExport:
        """Block until ``job`` is finished or ``timeout`` seconds pass (tests, the CLI)."""
        end = time.monotonic() + timeout
        while not job.finished and time.monotonic() < end:
            time.sleep(0.02)
        return job


_LONG: LongExports | None = None


def long_exports() -> LongExports:
    """The process's long exports (created on first use)."""
    global _LONG
    with _POOL_LOCK:
        if _LONG is None:
            _LONG = LongExports()
        return _LONG
