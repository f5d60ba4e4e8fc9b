"""Child processes that render a batch of exports in order (issue 24: the ZIP of sheets).

:func:`ordered_map` starts ``python -m geoprio.report.workers`` children: fresh interpreters,
never forks of the caller (a web server's threads and locks stay behind) and never a second
run of the caller's ``__main__`` (as multiprocessing's *spawn* does). Each child reads the
name of a set-up function of geoprio and its arguments once (``setup(*args)`` returns the
function that renders one item), then items, and answers each with bytes. The parent hands
the next item to whichever child is free and yields the answers in the items' order.

The channel is the child's standard input and a copy of its standard output; the child's
own ``print`` and warnings go to standard error. Nothing but geoprio modules is imported.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pickle
import queue
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO

from geoprio.errors import GeoprioError

logger = logging.getLogger(__name__)

__all__ = ["ordered_map"]


class WorkerError(GeoprioError):
    """A child failed to render an item or stopped."""


class _Child:
    """One child process and its channel."""

    def __init__(self, setup: tuple[str, str, tuple]) -> None:
        import geoprio

        root = str(Path(geoprio.__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [root, *filter(None, [os.environ.get("PYTHONPATH")])])}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "geoprio.report.workers"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, env=env)
        self._send(setup)

    def _send(self, message: Any) -> None:
        pickle.dump(message, self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        self.proc.stdin.flush()

    def call(self, item: Any) -> bytes:
        """The child's answer for ``item`` (raises :class:`WorkerError` if it failed)."""
        try:
            self._send(item)
            ok, answer = pickle.load(self.proc.stdout)
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            raise WorkerError(f"a worker process stopped ({exc or type(exc).__name__}); "
                              "run again, or with workers=1") from exc
        if not ok:
            raise WorkerError(answer)
        return answer

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()


def ordered_map(setup: tuple[str, str, tuple], items: list[Any], workers: int
                ) -> Iterator[bytes]:
    """Render ``items`` in ``workers`` child processes; answers in the items' order.

    Parameters
    ----------
    setup : (module, function, args)
        ``module.function(*args)`` (a geoprio module) returns the function of one item.
    items : list
        Picklable items.
    workers : int
        Child processes (at least 1).

    Yields
    ------
    bytes
        The answer for each item, in order. Closing the iterator early stops the children.
    """
    if not setup[0].startswith("geoprio."):
        raise GeoprioError(f"workers run geoprio's own functions; got {setup[0]!r}")
    children = [_Child(setup) for _ in range(max(1, workers))]
    free: queue.Queue[_Child] = queue.Queue()
    for child in children:
        free.put(child)

    def run(item: Any) -> bytes:
        child = free.get()
        try:
            return child.call(item)
        finally:
            free.put(child)

    pool = ThreadPoolExecutor(max_workers=len(children), thread_name_prefix="geoprio-worker")
    try:
        yield from pool.map(run, items)
    finally:
        for child in children:
            child.close()
        pool.shutdown(wait=True, cancel_futures=True)


def _serve(channel_in: BinaryIO, channel_out: BinaryIO) -> None:
    """The child's loop: set up once, then answer each item until the input ends."""
    module, function, args = pickle.load(channel_in)
    if not module.startswith("geoprio."):
        raise SystemExit(f"refusing to run {module}.{function}")
    task: Callable[[Any], bytes] = getattr(importlib.import_module(module), function)(*args)
    while True:
        try:
            item = pickle.load(channel_in)
        except EOFError:
            return
        try:
            answer = (True, task(item))
        except Exception as exc:  # the parent raises it with the child's words
            logger.exception("worker: %r failed", item)
            answer = (False, f"{type(exc).__name__}: {exc}")
        pickle.dump(answer, channel_out, protocol=pickle.HIGHEST_PROTOCOL)
        channel_out.flush()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print cannot break the channel
    _serve(sys.stdin.buffer, out)
