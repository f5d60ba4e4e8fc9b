"""The deployment of ``deploy/``: two app processes behind Debian's nginx, in Chromium.

The processes run the ``ExecStart`` of ``deploy/systemd/geoprio@.service`` and nginx runs
``deploy/nginx/geoprio.conf`` itself (only its ports changed, see
``app.localserver.proxied_apps``). Skipped where nginx or Chromium is missing, except in CI
(env ``CI`` set), where ``.ci/run`` installs both and a missing one is a failure.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

from app.localserver import (
    CHROMIUM,
    CHROMIUM_ARGS,
    NGINX,
    NGINX_SITE,
    ROOT,
    UNIT,
    child_frames,
    nginx_config,
    proxied_apps,
    unit_command,
    wait_for,
    wait_idle,
)

IN_CI = bool(os.environ.get("CI"))
SYSTEMD = ROOT / "deploy" / "systemd"
N_DISTRICTS = 1874
LAYER_COUNT = "() => window.geoprioLayer ? window.geoprioLayer.getLayers().length : 0"


def _need(path: Path, what: str) -> None:
    if path.exists():
        return
    if IN_CI:
        pytest.fail(f"CI: {path} not found; .ci/run installs {what}")
    pytest.skip(f"{path} not found (apt-get install {what}); the deployment test runs in CI")


# ----------------------------------------------------------------- the recipe's files
def test_upload_limit_matches_streamlit():
    site = NGINX_SITE.read_text()
    limit = re.search(r"client_max_body_size (\d+)m;", site)
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert limit and int(limit.group(1)) == config["server"]["maxUploadSize"] == 50


def test_unit_starts_the_warming_server_on_its_port():
    argv, env, cwd = unit_command(8502)
    assert env["GEOPRIO_MC_WORKERS"] == "1"
    assert argv[:5] == [sys.executable, "-m", "streamlit", "run", "deploy/serve.py"]
    assert argv[argv.index("--server.port") + 1] == "8502"
    assert argv[argv.index("--server.address") + 1] == "127.0.0.1"  # only nginx faces users
    assert cwd == ROOT and (cwd / "deploy" / "serve.py").exists()
    text = UNIT.read_text()
    assert re.search(r"(?m)^Restart=always$", text)
    target = (SYSTEMD / "geoprio.target").read_text()
    ports = re.findall(r"(?m)^Wants=.*", target)[0]
    ports = re.findall(r"geoprio@(\d+)\.service", ports)
    upstream = re.findall(r"server 127\.0\.0\.1:(\d+) ", NGINX_SITE.read_text())
    assert ports == upstream == ["8501", "8502"]  # the same processes in both files


def test_systemd_units_verify(tmp_path):
    """``systemd-analyze verify`` on the units, install paths mapped to this checkout."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze not found (the unit files are checked where it is)")
    for unit in SYSTEMD.iterdir():
        text = unit.read_text().replace("/opt/geoprio/.venv/bin/python", sys.executable)
        text = text.replace("/opt/geoprio", str(ROOT))
        text = re.sub(r"(?m)^(User|Group)=.*$", "", text)  # no such user here
        (tmp_path / unit.name).write_text(text)
    names = ["geoprio@8501.service", "geoprio.target", "geoprio-health@8501.service",
             "geoprio-health@8501.timer"]
    out = subprocess.run([tool, "verify", *[str(tmp_path / n) for n in names]],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    problems = [line for line in (out.stdout + out.stderr).splitlines()
                if line.strip() and "geoprio" in line]
    assert out.returncode == 0 and not problems, out.stdout + out.stderr


def test_nginx_accepts_the_configuration(tmp_path):
    _need(NGINX, "nginx")
    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_config(NGINX_SITE.read_text(), [8501, 8502], 8080, tmp_path))
    out = subprocess.run([str(NGINX), "-t", "-p", str(tmp_path), "-c", str(conf)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr


# ----------------------------------------------------------------- the running deployment
def _served_by(stack, cookie: str) -> int:
    """Which app process (index) served the browser with ``cookie``; all its requests went
    to that one process (the websocket is logged only when it closes: the others tell)."""
    log = (stack.folder / "access.log").read_text()
    # "$upstream_addr" lists every process tried ("a, b" after a failover): the last answered
    lines = [re.match(r"^(.*?) (\w+) \"", line) for line in log.splitlines()]
    upstreams = {m.group(1).split(", ")[-1] for m in lines
                 if m and m.group(2) == cookie and m.group(1) != "-"}
    assert len(upstreams) == 1, f"requests of {cookie} went to {upstreams}:\n{log[-2000:]}"
    return stack.ports.index(int(upstreams.pop().rsplit(":", 1)[1]))


def _drawn(page) -> int:
    for frame in child_frames(page):
        try:
            n = frame.evaluate(LAYER_COUNT)
        except Exception:  # a frame navigating: try the next
            continue
        if n:
            return n
    return 0


@pytest.mark.browser
def test_two_processes_behind_nginx_survive_one_dying():
    _need(NGINX, "nginx")
    _need(CHROMIUM, "chromium")
    from playwright.sync_api import sync_playwright

    fmt = '$upstream_addr $cookie_geoprio_sticky "$request"'
    with proxied_apps(2, access_log=fmt) as stack, sync_playwright() as pw:
        # Streamlit's front end comes compressed through the proxy
        index = urllib.request.urlopen(stack.url).read().decode()
        script = re.search(r'src="\./(static/js/index\.[^"]+\.js)"', index).group(1)
        req = urllib.request.Request(stack.url + script, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req) as r:
            body = r.read()
            assert r.headers["Content-Encoding"] == "gzip"
        plain = urllib.request.urlopen(stack.app_url(0) + script).read()
        assert gzip.decompress(body) == plain and len(body) < len(plain) / 2

        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            first = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = first.new_page()
            page.goto(stack.url, timeout=90_000)
            assert wait_for(lambda: _drawn(page), timeout=120,
                            what="the map through nginx") == N_DISTRICTS
            wait_idle(page)
            cookie = {c["name"]: c["value"] for c in first.cookies()}["geoprio_sticky"]
            victim = _served_by(stack, cookie)  # and every request of it went there (sticky)

            stack.apps[victim].kill()  # the process that served this browser dies
            stack.apps[victim].wait(timeout=10)
            time.sleep(0.5)
            survivor = 1 - victim

            fresh = browser.new_context(viewport={"width": 1400, "height": 1000})
            page2 = fresh.new_page()
            page2.goto(stack.url, timeout=90_000)
            assert wait_for(lambda: _drawn(page2), timeout=120,
                            what="a new session's map after a process died") == N_DISTRICTS
            wait_idle(page2)
            assert page2.locator("[data-testid=stException]").count() == 0
            cookie2 = {c["name"]: c["value"] for c in fresh.cookies()}["geoprio_sticky"]
            assert _served_by(stack, cookie2) == survivor

            page.reload(timeout=90_000)  # the first browser, its cookie pointing at the dead one
            assert wait_for(lambda: _drawn(page), timeout=120,
                            what="the first browser's map after its process died") == N_DISTRICTS
            with urllib.request.urlopen(stack.url + "_stcore/health") as r:
                assert r.status == 200
        finally:
            browser.close()
