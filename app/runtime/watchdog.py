"""Is this process still doing its work? A health check that notices a hang (issue 21).

Streamlit's ``/_stcore/health`` answers from the server's event loop. A page run or an export
spinning in Python lets that loop have the interpreter every few milliseconds, so the check
said "ok" through hours of a hung process and systemd never restarted it. Here every bounded
unit of work registers itself with its limit (:meth:`Watchdog.task`): a page run (the entry
script), an export built on click (:mod:`app.runtime.exports`), a ZIP of district sheets. The
process's health (:func:`health_route`, ``/geoprio/health``, served by ``deploy/serve.py`` and
asked every 30 s by ``deploy/systemd/geoprio-health@.service``) is 200 while each unit is
within its limit and 503 once one is past it, naming the oldest late one, how long it has run
and how much CPU its thread has burned since; systemd then restarts the process. The answer
also comes from the event loop, so a loop blocked outright (something holding the
interpreter) gives no answer within the health check's 10 s, which counts as a failure too.

Examples
--------
>>> dog = Watchdog()
>>> with dog.task("export", limit=60):
...     dog.verdict()
(True, 'ok: 1 task running, none late')
>>> dog.verdict()
(True, 'ok: 0 tasks running, none late')
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

__all__ = ["HEALTH_PATH", "PAGE_SECONDS", "Task", "Watchdog", "health_route", "watchdog"]

#: where the process's own health answers (not under ``/_stcore/``: Streamlit reserves it)
HEALTH_PATH = "/geoprio/health"
#: a page run still going after this is a hang (the slowest page, Conglomerados on a cold
#: cache, takes a few seconds; a run waiting on another's cached computation, its time)
PAGE_SECONDS = 300.0


@dataclass(frozen=True)
class Task:
    """A unit of work in progress: what it is, its thread, when it began, its limit (s)."""

    kind: str
    thread: str
    thread_id: int
    started: float
    limit: float
    cpu_start: float | None


def _thread_cpu(thread_id: int) -> float | None:
    """CPU seconds of the thread ``thread_id`` (a ``threading`` ident), where Linux tells."""
    try:
        return time.clock_gettime(time.pthread_getcpuclockid(thread_id))
    except (AttributeError, OSError, OverflowError):
        return None


class Watchdog:
    """The units of work in progress in this process, each with the time it may take.

    Parameters
    ----------
    clock : seconds, monotonic (tests pass their own).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._tasks: dict[int, Task] = {}
        self._ids = itertools.count()

    @contextlib.contextmanager
    def task(self, kind: str, limit: float) -> Iterator[None]:
        """Register the calling thread's work as ``kind``, late after ``limit`` seconds."""
        me = threading.current_thread()
        ident = me.ident or 0
        entry = Task(kind, me.name, ident, self._clock(), float(limit), _thread_cpu(ident))
        with self._lock:
            token = next(self._ids)
            self._tasks[token] = entry
        try:
            yield
        finally:
            with self._lock:
                del self._tasks[token]

    def running(self) -> list[Task]:
        """The units of work in progress, oldest first."""
        with self._lock:
            return sorted(self._tasks.values(), key=lambda t: t.started)

    def late(self) -> list[tuple[Task, float]]:
        """(task, seconds it has run) of every unit past its limit, oldest first."""
        now = self._clock()
        return [(t, now - t.started) for t in self.running() if now - t.started > t.limit]

    def verdict(self) -> tuple[bool, str]:
        """(healthy, one line): healthy while no unit of work is past its limit."""
        late = self.late()
        n = len(self.running())
        if not late:
            return True, f"ok: {n} task{'s' if n != 1 else ''} running, none late"
        task, age = late[0]
        cpu_now = _thread_cpu(task.thread_id)
        cpu = ("" if cpu_now is None or task.cpu_start is None else
               f", {cpu_now - task.cpu_start:.1f} s of CPU")
        more = f"; {len(late) - 1} more late" if len(late) > 1 else ""
        return False, (f"stuck: {task.kind} running for {age:.0f} s (limit {task.limit:.0f} s"
                       f"{cpu}) in thread {task.thread}{more}")


_WATCHDOG = Watchdog()


def watchdog() -> Watchdog:
    """The process's watchdog (one per process: every session's work is registered in it)."""
    return _WATCHDOG


def health_route(dog: Watchdog | None = None) -> Any:
    """A Starlette route for :data:`HEALTH_PATH`: 200 and ``ok: ...``, or 503 and ``stuck:
    ...`` (:meth:`Watchdog.verdict`). For ``st.App(..., routes=[health_route()])``."""
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def health(_request: Any) -> PlainTextResponse:
        ok, text = (dog or _WATCHDOG).verdict()
        if not ok:
            log.error("health: %s", text)
        return PlainTextResponse(text + "\n", status_code=200 if ok else 503,
                                 headers={"Cache-Control": "no-store"})

    return Route(HEALTH_PATH, health, methods=["GET", "HEAD"])
