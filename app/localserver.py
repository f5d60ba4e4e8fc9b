"""Run the app on this machine for browser tests, benchmarks and screenshots.

The server listens on 127.0.0.1 only and stops when the ``with`` block ends. Chromium is
Debian's (``/usr/bin/chromium``), launched by Playwright with ``executable_path``: no browser
is ever downloaded.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], Any], *, timeout: float, step: float = 0.05,
             what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something truthy; return that value."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


@contextlib.contextmanager
def app_server(script: str | Path = "streamlit_app.py", *, cwd: Path = ROOT,
               timeout: float = 90.0, log: Path | None = None,
               extra_args: tuple[str, ...] = ()) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    """``streamlit run SCRIPT`` on a free local port: (base URL, process, log file)."""
    port = free_port()
    log = log or Path(tempfile.mkdtemp(prefix="geoprio-app-")) / "streamlit.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             # sources may change while tests run: no reload prompts mid-run
             "--server.fileWatcherType", "none", "--server.runOnSave", "false", *extra_args],
            cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/"

    def healthy() -> bool:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited ({proc.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(base + "_stcore/health", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, OSError):
            return False

    try:
        wait_for(healthy, timeout=timeout, step=0.25, what="the Streamlit health check")
        yield base, proc, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def running(page: Any) -> bool:
    """Whether the page shows Streamlit's "running" status (a script run in progress)."""
    return page.evaluate("() => Array.from(document.querySelectorAll("
                         "'[data-testid=stStatusWidget]')).some(e => /Running|Stop/.test("
                         "e.innerText))")


def wait_idle(page: Any, *, timeout: float = 120.0, quiet: float = 1.0) -> float:
    """Wait until no script run has shown for ``quiet`` seconds; when the last one ended."""
    end = time.monotonic() + timeout
    calm_since = None
    while time.monotonic() < end:
        if running(page):
            calm_since = None
        elif calm_since is None:
            calm_since = time.monotonic()
        elif time.monotonic() - calm_since >= quiet:
            return calm_since
        time.sleep(0.05)
    raise TimeoutError(f"the app was still running after {timeout:.0f} s")
