"""Work that may finish after the page is drawn: the Monte Carlo of a scenario.

``geoprio.prioritize`` with 1,000 draws costs 0.3–0.5 s of CPU; the point ranking (no draws)
about 0.02 s. The app draws the point ranking at once and asks this module for the full one:
:class:`Jobs` runs it on a small thread pool shared by every session of the process
(numpy releases the GIL for most of the draws, so page runs keep going), keeps the finished
results in a bounded LRU and hands the same pending job to every session that asks for the
same key. A session polls with :meth:`Jobs.get` until the result is there.

Keys must name everything that changes the answer (scenario token, uploads fingerprint,
language): two sessions with the same key get the same frame, so results are never mutated
(callers copy before changing).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["Jobs", "PageRuns", "name_thread", "rerun_trigger"]


def name_thread(name: bytes) -> None:
    """Name the calling thread for the operating system (Linux ``comm``, 15 bytes at most), so
    that ``top -H`` and the benchmarks can tell page runs (``geoprio-page``) and the Monte
    Carlo (``geoprio-mc``) from the server's own threads. A no-op elsewhere."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(15, name[:15], 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):  # not Linux
        pass


def _worker_start() -> None:
    """A Monte Carlo worker: named, and lower in priority (nice 15, per thread on
    Linux), so that when the cores are busy the page runs are served first."""
    name_thread(b"geoprio-mc")
    with contextlib.suppress(OSError, AttributeError):  # not Linux: same priority
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 15)


def rerun_trigger() -> Callable[[], None] | None:
    """A function that asks Streamlit to rerun *this* session, callable from any thread.

    Lets a finished background job redraw the page that waits for it without the page
    polling (a poll is a script run: about 0.03 s of CPU each, many of them while 20 sessions
    wait their turn). It uses Streamlit's runtime internals (the session manager and the
    event loop, as Streamlit's own code schedules work on that loop); where they are not
    there (another Streamlit version, AppTest), it returns None and the page polls instead.
    """
    try:
        from streamlit.runtime import exists, get_instance
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is None or not exists():
            return None
        runtime = get_instance()
        loop = runtime._get_async_objs().eventloop
        manager = runtime._session_mgr
        session_id = ctx.session_id
        manager.get_active_session_info  # noqa: B018  (the hook must exist)
    except Exception:  # any change in Streamlit's internals: fall back to polling
        return None

    def on_loop() -> None:
        info = manager.get_active_session_info(session_id)
        if info is not None:  # the planner may have closed the tab
            info.session.request_rerun(None)

    def trigger() -> None:
        with contextlib.suppress(RuntimeError):  # the server is shutting down
            loop.call_soon_threadsafe(on_loop)

    return trigger


class PageRuns:
    """How many page runs are in progress in this process (the entry script counts them).

    Examples
    --------
    >>> runs = PageRuns()
    >>> with runs:
    ...     runs.quiet()
    False
    >>> runs.quiet()
    True
    """

    def __init__(self) -> None:
        self._n = 0
        self._lock = threading.Lock()

    def __enter__(self) -> PageRuns:
        with self._lock:
            self._n += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._n -= 1

    def quiet(self) -> bool:
        return self._n <= 0


class Jobs:
    """A bounded cache of results computed in the background, one job per key.

    Parameters
    ----------
    workers : threads that run jobs (default ``GEOPRIO_MC_WORKERS`` or 1).
    keep : finished results kept (least recently used dropped first), default 48.
    quiet : a job starts when this returns True (e.g. no page run in progress), or after
        ``max_wait`` seconds (default 8) whatever it says.

    Examples
    --------
    >>> jobs = Jobs(workers=1, keep=2)
    >>> jobs.get("a", lambda: 6 * 7) is None  # started: not ready on the first call
    True
    >>> jobs.wait("a", timeout=5)
    42
    >>> jobs.get("a")
    42
    """

    def __init__(self, workers: int | None = None, keep: int = 48,
                 quiet: Callable[[], bool] | None = None, max_wait: float = 8.0) -> None:
        if workers is None:
            workers = int(os.environ.get("GEOPRIO_MC_WORKERS", "1"))
        if workers < 1:
            raise ValueError(f"workers must be at least 1; got {workers}")
        self._quiet, self._max_wait = quiet, max_wait
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="geoprio-mc",
                                        initializer=_worker_start)
        self._lock = threading.Lock()
        self._done: OrderedDict[Hashable, tuple[bool, Any]] = OrderedDict()
        self._pending: dict[Hashable, Future] = {}
        self._keep = keep

    def _when_quiet(self, compute: Callable[[], Any]) -> Any:
        """Run ``compute`` once ``quiet()`` holds (no page is being drawn), or after
        ``max_wait`` seconds: when many planners press "Aplicar" together, their colours
        come first and the draws after."""
        if self._quiet is not None:
            end = time.monotonic() + self._max_wait
            while not self._quiet() and time.monotonic() < end:
                time.sleep(0.02)
        return compute()

    def _finish(self, key: Hashable, future: Future) -> None:
        exc = future.exception()
        if exc is not None:
            log.warning("background job %r failed: %s", key, exc)
        with self._lock:
            self._pending.pop(key, None)
            self._done[key] = (exc is None, future.result() if exc is None else exc)
            self._done.move_to_end(key)
            while len(self._done) > self._keep:
                self._done.popitem(last=False)

    def get(self, key: Hashable, compute: Callable[[], Any] | None = None) -> Any:
        """The result for ``key`` if finished; else start ``compute`` (once) and return None.

        A job that raised re-raises its exception here (once finished).
        """
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                ok, value = self._done[key]
                if not ok:
                    raise value
                return value
            if key in self._pending or compute is None:
                return None
            future = self._pool.submit(self._when_quiet, compute)
            self._pending[key] = future
        future.add_done_callback(lambda f, k=key: self._finish(k, f))
        return None

    def when_done(self, key: Hashable, callback: Callable[[], None]) -> None:
        """Call ``callback()`` once the job for ``key`` is finished (at once if it is, or if
        there is no such job); from the worker thread, so it must be quick and thread-safe."""
        with self._lock:
            future = self._pending.get(key)
        if future is None:
            callback()
            return
        # after _finish (added first) has stored the result: the rerun finds it
        future.add_done_callback(lambda _f: callback())

    def pending(self, key: Hashable) -> bool:
        """Whether a job for ``key`` is queued or running."""
        with self._lock:
            return key in self._pending

    def wait(self, key: Hashable, timeout: float | None = None) -> Any:
        """Block until the job for ``key`` is finished (for exports and tests); its result."""
        with self._lock:
            future = self._pending.get(key)
        if future is not None:
            future.result(timeout=timeout)
            # the done-callback may still be storing the result
            end = threading.Event()
            for _ in range(200):
                with self._lock:
                    if key in self._done:
                        break
                end.wait(0.005)
        return self.get(key)

    def wait_all(self, timeout: float | None = None) -> None:
        """Block until every queued job is finished."""
        with self._lock:
            keys = list(self._pending)
        for key in keys:
            try:
                self.wait(key, timeout)
            except Exception:  # a failed job: its caller shows the error
                continue
