"""Work that may finish after the page is drawn: the Monte Carlo of a scenario.

``geoprio.prioritize`` with 1,000 draws costs 0.3–0.5 s of CPU; the point ranking (no draws)
about 0.02 s. The app draws the point ranking at once and asks this module for the full one:
:class:`Jobs` runs it on a small thread pool shared by every session of the process
(numpy releases the GIL for most of the draws, so page runs keep going), keeps the finished
results in a bounded LRU and hands the same pending job to every session that asks for the
same key. A session polls with :meth:`Jobs.get` until the result is there, or is rerun by
:func:`rerun_trigger` on the page it is on.

Fit for many planners (issues 19 and 21):

- **one pending job per session**: a newer scenario of the same session supersedes the older
  one, which is cancelled if it has not started and no other session waits for it;
- **a bound on the queue** (``max_pending``): beyond it :meth:`Jobs.submit` says no and the
  page says the server is busy, and tries again;
- **no session starves others**: with one job per session, pressing "Aplicar" twenty times
  queues one job, not twenty, so the queue is served in the order sessions asked;
- **a failure is not a result**: a job that raised is reported to those who wait for it for
  ``retry_after`` seconds, then forgotten, so the next request computes it again.

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
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["Jobs", "PageRuns", "name_thread", "rerun_trigger", "session_id"]

#: the owner of jobs no session may cancel (the server's warm-up, exports)
PINNED = "<pinned>"


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


def session_id() -> str | None:
    """The Streamlit session running this thread (None outside a session: AppTest, scripts)."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:  # pragma: no cover (streamlit is the app's dependency)
        return None
    ctx = get_script_run_ctx()
    return None if ctx is None else ctx.session_id


def rerun_trigger(*, patience: float = 600.0) -> Callable[[], None] | None:
    """A function that asks Streamlit to rerun *this* session, callable from any thread.

    Lets a finished background job redraw the page that waits for it without the page
    polling (a poll is a script run: about 0.03 s of CPU each, many of them while 20 sessions
    wait their turn). The rerun keeps the planner where she is: it runs the page and the
    address (query parameters) of the session's last run, as ``st.rerun()`` does, not the
    default page; and while a run of hers is in progress (she typed, clicked or changed page)
    it waits for that run to end (checking every 0.2 s, for ``patience`` seconds at most), so
    that it never replaces a newer page with an older one.

    It uses Streamlit's runtime internals (the session manager, the session's last client
    state and the event loop, as Streamlit's own code schedules work on that loop); where they
    are not there (another Streamlit version, AppTest), it returns None and the page polls.
    """
    try:
        from streamlit.proto.ClientState_pb2 import ClientState
        from streamlit.runtime import exists, get_instance
        from streamlit.runtime.app_session import AppSessionState
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
    give_up = time.monotonic() + patience

    def on_loop() -> None:
        info = manager.get_active_session_info(session_id)
        if info is None:  # the planner closed the tab
            return
        session = info.session
        if session._state == AppSessionState.APP_IS_RUNNING:  # her own run first
            if time.monotonic() < give_up:
                loop.call_later(0.2, on_loop)
            return
        last = session._client_state  # the page and address of her last run
        here = ClientState(query_string=last.query_string,
                           page_script_hash=last.page_script_hash)
        session.request_rerun(here)

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


class Busy(RuntimeError):
    """The queue of background jobs is full: the request should be made again later."""


@dataclass
class _Job:
    future: Future
    owners: set[Hashable] = field(default_factory=set)
    told: set[Hashable] = field(default_factory=set)  # tags of when_done's callbacks


class Jobs:
    """A bounded cache of results computed in the background, one job per key.

    Parameters
    ----------
    workers : threads that run jobs (default ``GEOPRIO_MC_WORKERS`` or 1).
    keep : finished results kept (least recently used dropped first), default 48.
    quiet : a job starts when this returns True (e.g. no page run in progress), or after
        ``max_wait`` seconds (default 8) whatever it says.
    max_pending : jobs queued or running at most (default 32); :meth:`submit` refuses more.
    retry_after : seconds a failure is reported before the key may be computed again
        (default 30).
    guard : a context manager around each run (e.g. :meth:`app.runtime.watchdog.Watchdog.task`);
        none by default.

    Examples
    --------
    >>> jobs = Jobs(workers=1, keep=2)
    >>> jobs.submit("a", lambda: 6 * 7, owner="session 1")
    True
    >>> jobs.wait("a", timeout=5)
    42
    >>> jobs.get("a")
    42
    """

    def __init__(self, workers: int | None = None, keep: int = 48,
                 quiet: Callable[[], bool] | None = None, max_wait: float = 8.0,
                 max_pending: int = 32, retry_after: float = 30.0,
                 guard: Callable[[], contextlib.AbstractContextManager] | None = None) -> None:
        if workers is None:
            workers = int(os.environ.get("GEOPRIO_MC_WORKERS", "1"))
        if workers < 1:
            raise ValueError(f"workers must be at least 1; got {workers}")
        if max_pending < 1:
            raise ValueError(f"max_pending must be at least 1; got {max_pending}")
        self._quiet, self._max_wait = quiet, max_wait
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="geoprio-mc",
                                        initializer=_worker_start)
        self._lock = threading.Lock()
        self._done: OrderedDict[Hashable, Any] = OrderedDict()
        self._failed: dict[Hashable, tuple[float, BaseException]] = {}
        self._pending: dict[Hashable, _Job] = {}
        self._owned: dict[Hashable, Hashable] = {}  # owner -> the key it waits for
        self._keep, self._max_pending, self._retry_after = keep, max_pending, retry_after
        self._guard = guard or contextlib.nullcontext

    def _when_quiet(self, compute: Callable[[], Any]) -> Any:
        """Run ``compute`` once ``quiet()`` holds (no page is being drawn), or after
        ``max_wait`` seconds: when many planners press "Aplicar" together, their colours
        come first and the draws after. The run is watched by ``guard`` (the process's
        health check notices one that hangs)."""
        if self._quiet is not None:
            end = time.monotonic() + self._max_wait
            while not self._quiet() and time.monotonic() < end:
                time.sleep(0.02)
        with self._guard():
            return compute()

    def _finish(self, key: Hashable, future: Future) -> None:
        if future.cancelled():
            return  # _drop took it out of the queue
        exc = future.exception()
        with self._lock:
            job = self._pending.pop(key, None)
            for owner in job.owners if job is not None else ():
                if self._owned.get(owner) == key:
                    del self._owned[owner]
            if exc is not None:
                self._failed[key] = (time.monotonic(), exc)
                return
            self._done[key] = future.result()
            self._done.move_to_end(key)
            while len(self._done) > self._keep:
                self._done.popitem(last=False)
        if exc is not None:
            log.warning("background job %r failed: %s", key, exc)

    def _failure(self, key: Hashable) -> BaseException | None:
        """The failure of ``key`` if recent (lock held); a stale one is forgotten."""
        failed = self._failed.get(key)
        if failed is None:
            return None
        if time.monotonic() - failed[0] > self._retry_after:
            del self._failed[key]
            return None
        return failed[1]

    def get(self, key: Hashable) -> Any:
        """The result for ``key`` if finished, else None; a recent failure is raised."""
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                return self._done[key]
            failure = self._failure(key)
        if failure is not None:
            raise failure
        return None

    def submit(self, key: Hashable, compute: Callable[[], Any], *,
               owner: Hashable | None = None) -> bool:
        """Make sure ``key`` is finished or on its way; False if the queue is full.

        ``owner`` (a session) waits for this key from now on: the job it waited for before,
        if another, is cancelled when no one else waits for it and it has not started. A job
        without an owner (the server's warm-up, an export) is never cancelled.
        """
        owner = PINNED if owner is None else owner
        new = None
        with self._lock:
            if owner != PINNED:
                self._supersede(owner, key)
            if key in self._done or self._failure(key) is not None:
                return True  # a failure is reported to whoever asks, for a while
            job = self._pending.get(key)
            if job is None:
                if len(self._pending) >= self._max_pending:
                    return False
                new = job = self._pending[key] = _Job(self._pool.submit(self._when_quiet,
                                                                        compute))
            job.owners.add(owner)
            if owner != PINNED:
                self._owned[owner] = key
        if new is not None:  # outside the lock: a job already done calls back at once
            new.future.add_done_callback(lambda f: self._finish(key, f))
        return True

    def _supersede(self, owner: Hashable, key: Hashable) -> None:
        """``owner`` now waits for ``key``: let go of what it waited for before (lock held)."""
        before = self._owned.get(owner)
        if before is None or before == key:
            return
        del self._owned[owner]
        job = self._pending.get(before)
        if job is None:
            return
        job.owners.discard(owner)
        if not job.owners and job.future.cancel():
            del self._pending[before]
            log.info("background job %r superseded by %r", before, key)

    def when_done(self, key: Hashable, callback: Callable[[], None], *,
                  tag: Hashable | None = None) -> None:
        """Call ``callback()`` once the job for ``key`` is finished (at once if it is, or if
        there is no such job); from the worker thread, so it must be quick and thread-safe.
        A job cancelled because its session moved on calls nobody. With a ``tag`` (a
        session), a job calls back once per tag, however often its page asked."""
        with self._lock:
            job = self._pending.get(key)
            if job is not None and tag is not None:
                if tag in job.told:
                    return
                job.told.add(tag)
        if job is None:
            callback()
            return
        # after _finish (added first) has stored the result: the rerun finds it
        job.future.add_done_callback(lambda f: None if f.cancelled() else callback())

    def pending(self, key: Hashable) -> bool:
        """Whether a job for ``key`` is queued or running."""
        with self._lock:
            return key in self._pending

    def queued(self) -> int:
        """Jobs queued or running."""
        with self._lock:
            return len(self._pending)

    def wait(self, key: Hashable, timeout: float | None = None) -> Any:
        """Block until the job for ``key`` is finished (for exports and tests); its result.

        A failed job raises its exception; a cancelled one returns None.
        """
        with self._lock:
            job = self._pending.get(key)
        if job is not None:
            try:
                job.future.result(timeout=timeout)
            except TimeoutError:
                raise
            except Exception:  # cancelled (get() says None) or failed (get() raises it)
                pass
            for _ in range(200):  # the done-callback may still be storing the result
                with self._lock:
                    if key not in self._pending:
                        break
                time.sleep(0.005)
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
