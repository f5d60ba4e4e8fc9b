"""Run the app on this machine for browser tests, benchmarks and screenshots.

:func:`app_server` starts one ``streamlit run``; :func:`proxied_apps` starts the deployment of
``deploy/``: N app processes (``deploy/serve.py``) behind Debian's nginx with
``deploy/nginx/geoprio.conf`` itself (only its ports changed). Everything listens on
127.0.0.1 only and stops when the ``with`` block ends. Chromium is Debian's
(``/usr/bin/chromium``), launched by Playwright with ``executable_path``: no browser is ever
downloaded.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
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


def _start_streamlit(script: str | Path, port: int, cwd: Path, log: Path,
                     extra_args: tuple[str, ...] = (),
                     env: dict[str, str] | None = None) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script),
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false",
             # sources may change while tests run: no reload prompts mid-run
             "--server.fileWatcherType", "none", "--server.runOnSave", "false", *extra_args],
            cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})})


def healthy(base: str, proc: subprocess.Popen | None = None, log: Path | None = None) -> bool:
    """Whether ``base`` answers ``/_stcore/health`` with 200 (raises if ``proc`` died)."""
    if proc is not None and proc.poll() is not None:
        text = log.read_text(errors="replace") if log else ""
        raise RuntimeError(f"process exited ({proc.returncode}):\n{text[-4000:]}")
    try:
        with urllib.request.urlopen(base + "_stcore/health", timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """Terminate ``proc`` (SIGTERM, then SIGKILL after ``timeout`` seconds)."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextlib.contextmanager
def app_server(script: str | Path = "streamlit_app.py", *, cwd: Path = ROOT,
               timeout: float = 90.0, log: Path | None = None,
               extra_args: tuple[str, ...] = (),
               env: dict[str, str] | None = None
               ) -> Iterator[tuple[str, subprocess.Popen, Path]]:
    """``streamlit run SCRIPT`` on a free local port: (base URL, process, log file)."""
    port = free_port()
    log = log or Path(tempfile.mkdtemp(prefix="geoprio-app-")) / "streamlit.log"
    proc = _start_streamlit(script, port, cwd, log, extra_args, env)
    base = f"http://127.0.0.1:{port}/"
    try:
        wait_for(lambda: healthy(base, proc, log), timeout=timeout, step=0.25,
                 what="the Streamlit health check")
        yield base, proc, log
    finally:
        stop(proc)


NGINX = Path(shutil.which("nginx") or "/usr/sbin/nginx")
NGINX_SITE = ROOT / "deploy" / "nginx" / "geoprio.conf"
UNIT = ROOT / "deploy" / "systemd" / "geoprio@.service"
INSTALL_DIR = "/opt/geoprio"


def unit_command(port: int, unit: Path = UNIT) -> tuple[list[str], dict[str, str], Path]:
    """The ``ExecStart`` of ``deploy/systemd/geoprio@.service`` for instance ``port``.

    Returns (argv, environment, working directory) with the install paths mapped to this
    checkout (``/opt/geoprio`` → the repository, its virtualenv's python → this Python), so
    that tests and benchmarks start the processes exactly as systemd would.
    """
    text = unit.read_text().replace("\\\n", " ")
    env, argv, cwd = {}, None, ROOT
    for line in text.splitlines():
        key, _, value = line.partition("=")
        value = value.strip().replace("%i", str(port))
        if key == "ExecStart":
            argv = value.split()
        elif key == "Environment":
            name, _, val = value.partition("=")
            env[name] = val
        elif key == "WorkingDirectory":
            cwd = Path(value.replace(INSTALL_DIR, str(ROOT)))
    if not argv:
        raise ValueError(f"{unit}: no ExecStart")
    python = f"{INSTALL_DIR}/.venv/bin/python"
    argv = [sys.executable if a == python else a.replace(INSTALL_DIR, str(ROOT)) for a in argv]
    return argv, env, cwd


@dataclass
class Stack:
    """A running deployment: the proxy's URL, the app processes and their ports, nginx."""

    url: str
    apps: list[subprocess.Popen]
    ports: list[int]
    nginx: subprocess.Popen
    folder: Path
    logs: list[Path] = field(default_factory=list)

    def app_url(self, i: int) -> str:
        return f"http://127.0.0.1:{self.ports[i]}/"


def nginx_config(site: str, ports: list[int], listen: int, folder: Path,
                 access_log: str | None = None) -> str:
    """A whole nginx.conf around ``site`` (deploy/nginx/geoprio.conf) with our ports.

    Only the ``server 127.0.0.1:85xx`` lines of the upstream and the ``listen`` line change;
    nginx runs in the foreground with its pid, logs and temporary files in ``folder``.
    """
    lines = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in ports)
    site, n = re.subn(r"(?m)^    server 127\.0\.0\.1:\d+ [^\n]*;\n(?:    server 127\.0\.0\.1:\d+ "
                      r"[^\n]*;\n)*", lines + "\n", site)
    if n != 1:
        raise ValueError("deploy/nginx/geoprio.conf: upstream server lines not found")
    site, n = re.subn(r"(?m)^    listen 80;$", f"    listen 127.0.0.1:{listen};", site)
    if n != 1:
        raise ValueError("deploy/nginx/geoprio.conf: 'listen 80;' not found")
    (folder / "geoprio.conf").write_text(site)
    temps = {name: folder / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temps.values():
        path.mkdir(exist_ok=True)
        path.chmod(0o777)  # nginx's workers may run as another user
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    log = f"access_log {folder}/access.log;"
    if access_log:
        log = f"log_format geoprio '{access_log}';\n    access_log {folder}/access.log geoprio;"
    return f"""worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    {mime}
    default_type application/octet-stream;
    {log}
    client_body_temp_path {temps['body']};
    proxy_temp_path {temps['proxy']};
    fastcgi_temp_path {temps['fastcgi']};
    uwsgi_temp_path {temps['uwsgi']};
    scgi_temp_path {temps['scgi']};
    include {folder}/geoprio.conf;
}}
"""


def start_unit(port: int, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    """One app process started with the unit's own command line (see :func:`unit_command`)."""
    argv, unit_env, cwd = unit_command(port)
    with log.open("wb") as out:
        return subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **unit_env, **(env or {})})


@contextlib.contextmanager
def proxied_apps(n: int = 2, *, timeout: float = 180.0, folder: Path | None = None,
                 env: dict[str, str] | None = None, access_log: str | None = None
                 ) -> Iterator[Stack]:
    """``n`` app processes behind nginx: a :class:`Stack`.

    The processes run the ``ExecStart`` of ``deploy/systemd/geoprio@.service`` and nginx
    runs ``deploy/nginx/geoprio.conf`` (ports changed). ``access_log`` is an nginx
    ``log_format`` for the access log (e.g. with ``$upstream_addr``).
    """
    if not NGINX.exists():
        raise FileNotFoundError(f"{NGINX} not found: apt-get install nginx")
    folder = folder or Path(tempfile.mkdtemp(prefix="geoprio-stack-"))
    folder.chmod(0o755)
    ports = [free_port() for _ in range(n)]
    listen = free_port()
    logs = [folder / f"app-{p}.log" for p in ports]
    apps = [start_unit(p, log, env) for p, log in zip(ports, logs, strict=True)]
    nginx = None
    try:
        for p, proc, log in zip(ports, apps, logs, strict=True):
            base = f"http://127.0.0.1:{p}/"
            wait_for(lambda b=base, pr=proc, lg=log: healthy(b, pr, lg), timeout=timeout,
                     step=0.25, what=f"app process on port {p}")
        conf = folder / "nginx.conf"
        conf.write_text(nginx_config(NGINX_SITE.read_text(), ports, listen, folder,
                                     access_log=access_log))
        nginx_log = folder / "nginx.out"
        with nginx_log.open("wb") as out:
            nginx = subprocess.Popen([str(NGINX), "-p", str(folder), "-c", str(conf)],
                                     stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{listen}/"
        wait_for(lambda: healthy(url, nginx, folder / "error.log"), timeout=30, step=0.1,
                 what="nginx in front of the app")
        yield Stack(url=url, apps=apps, ports=ports, nginx=nginx, folder=folder,
                    logs=[*logs, folder / "error.log"])
    finally:
        if nginx is not None and nginx.poll() is None:
            nginx.send_signal(signal.SIGQUIT)  # graceful: workers finish, then exit
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait(timeout=5)
        for proc in apps:
            stop(proc)


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


def child_frames(page: Any, src: str = "") -> list[Any]:
    """The Playwright frames of the page's iframes whose address contains ``src``.

    Read through each ``<iframe>`` element, not ``page.frames``: with Debian's Chromium 150
    an iframe that React detaches and attaches again (Streamlit does so with components on
    the first runs) is missing from ``page.frames`` although it is drawn and reachable.
    """
    frames = []
    for element in page.query_selector_all("iframe"):
        try:
            frame = element.content_frame()
        except Exception:  # the element went away meanwhile
            continue
        if frame is not None and src in frame.url:
            frames.append(frame)
    return frames
