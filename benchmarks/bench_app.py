"""Benchmark of the app in Debian's Chromium: loads, reruns, CPU per rerun, bytes.

Run from the repository root::

    python benchmarks/bench_app.py                       # this checkout
    python benchmarks/bench_app.py --baseline /tmp/base  # and an older tree, in the same run
    python benchmarks/bench_app.py --profile 5           # py-spy over 5 new warm sessions

``--baseline DIR`` is another checkout of geoprio (e.g. ``git archive <commit> | tar -x -C
DIR``): it is measured the same way, right before this one, so both columns share the
machine's load (printed). For each app it starts a server on a free localhost port (file
watching off) — this checkout through ``deploy/serve.py`` (as ``deploy/systemd`` starts it:
caches warmed when the process starts), a baseline through its ``streamlit_app.py`` (or its
``deploy/serve.py`` if it has one) — and drives ``/usr/bin/chromium`` with Playwright (never
downloads a browser). Each run is a new browser context (empty cache, new session):

- first load: navigation → 1,874 districts drawn (``window.geoprioLayer`` in a frame of the
  page), → script run ended, bytes received (Chrome DevTools ``Network`` events), and the
  app process's CPU over that time (all its threads: the server sending the front end and
  the page, the script's run); the first session after the server started is reported apart;
- "Aplicar" after a weight change (the anemia slider moved to a value no run used before, so
  the ranking cache misses): → map recoloured, → run ended, → rank intervals filled in (the
  background Monte Carlo), the app process's CPU in page runs and in the Monte Carlo thread
  (``geoprio-mc``, see ``app/runtime/jobs.py``), read per thread from ``/proc``;
- a preset switch (DCI → FONIE): → recoloured, → run ended, CPU;
- a page switch (Map → Ranking: CPU of that run; tabs of an old app switch in the browser);
- this checkout only: the first load through nginx (``deploy/nginx/geoprio.conf``, gzip) vs
  straight from the app process: bytes and time.

``--profile N`` measures nothing else: it starts this checkout's server, opens one session,
then records the server process with ``py-spy`` (every thread, 200 samples a second, only
samples holding the GIL: Python at work, not threads waiting) while N more sessions open one
after the other, and prints where that CPU went: the functions with the most samples of their
own, and the most samples inclusive among the app's, geoprio's and Streamlit's.

Figures depend on the machine's load (printed with the tables): run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import base64
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: make the repository's app/ importable
from app.runtime.localserver import (  # noqa: E402
    CHROMIUM_ARGS,
    app_server,
    child_frames,
    proxied_apps,
    running,
    wait_for,
    wait_idle,
)

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1400, "height": 1000}
N_DISTRICTS = 1874
ANEMIA = re.compile(r"^Anemia en niños de 6 a 35 meses")
FONIE = "FONIE (servicios básicos)"
MC_THREAD = "geoprio-mc"
PAGE_THREAD = "geoprio-page"  # app/runtime/jobs.py names the threads that run the page script

LAYER_COUNT = "() => window.geoprioLayer ? window.geoprioLayer.getLayers().length : null"
MAP_STATE = """() => window.geoprioLayer ? {n: window.geoprioLayer.getLayers().length,
    marked: !!window.geoprioLayer._geoprioBenchMark,
    draws: (window.geoprioStats || {}).draws || 0,
    recolours: (window.geoprioStats || {}).recolours || 0,
    update_ms: (window.geoprioStats || {}).last_update_ms,
    draw_ms: (window.geoprioStats || {}).draw_ms,
    drawn_at: (window.geoprioStats || {}).drawn_at,
    recoloured_at: (window.geoprioStats || {}).recoloured_at} : null"""
MAP_MARK = """() => { window.geoprioLayer._geoprioBenchMark = true;
    return {draws: (window.geoprioStats || {}).draws || 0,
            recolours: (window.geoprioStats || {}).recolours || 0}; }"""


# ------------------------------------------------------------------ page helpers
_FRAMES: dict[int, object] = {}  # page -> its map frame, found once (polling 20 pages is slow)


def map_frame(page):
    """The frame that holds the district map (the app's own component), or None."""
    known = _FRAMES.get(id(page))
    if known is not None and not known.is_detached():
        return known
    for frame in child_frames(page, "district_map"):  # not the cluster maps (st_folium)
        try:
            if frame.evaluate("() => !!window.geoprioLayer"):
                _FRAMES[id(page)] = frame
                return frame
        except Exception:  # a frame (re)loading or detached: try the next one
            continue
    return None


def in_map(page, script: str):
    frame = map_frame(page)
    if frame is None:
        return None
    try:
        return frame.evaluate(script)
    except Exception:  # frame (re)loading: look for it again next time
        _FRAMES.pop(id(page), None)
        return None


def drawn(page) -> int | None:
    n = in_map(page, LAYER_COUNT)
    return n if n == N_DISTRICTS else None


def mark(page) -> dict:
    return in_map(page, MAP_MARK)


def redrawn(page, since: dict) -> dict | None:
    """The map's state once it was rebuilt, redrawn or recoloured after ``since``."""
    now = in_map(page, MAP_STATE)
    if not now or now["n"] != N_DISTRICTS:
        return None
    if (not now["marked"] or now["draws"] > since["draws"]
            or now["recolours"] > since["recolours"]):
        return now
    return None


def computing(page) -> bool:
    """Whether the page says the Monte Carlo is still running (this app's header)."""
    return page.get_by_text(re.compile("Calculando la incertidumbre")).count() > 0


def launch(pw, nice: int = 0):
    """Debian's Chromium; with ``nice`` > 0 at a lower priority than the app, as if the
    planners' browsers ran on their own computers rather than on the server's cores."""
    path = CHROMIUM
    if nice:
        wrapper = Path(tempfile.mkdtemp(prefix="geoprio-chromium-")) / "chromium"
        wrapper.write_text(f'#!/bin/sh\nexec nice -n {int(nice)} {CHROMIUM} "$@"\n')
        wrapper.chmod(0o755)
        path = str(wrapper)
    return pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# ------------------------------------------------------------------ CPU per thread
def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of process ``pid`` by thread: ``mc`` (geoprio-mc), ``script`` (the page
    script's runs, geoprio-page) and ``page`` (all but the Monte Carlo: script runs and the
    server's own threads, which send the page)."""
    out = {"mc": 0.0, "page": 0.0, "script": 0.0}
    tick = os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            comm = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended
            continue
        seconds = (int(fields[11]) + int(fields[12])) / tick
        out["mc" if comm.startswith(MC_THREAD) else "page"] += seconds
        if comm.startswith(PAGE_THREAD):
            out["script"] += seconds
    return out


def process_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` including threads that already ended."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Cpu:
    """CPU of the app process between two points: the Monte Carlo's threads apart, and the
    page script's runs as the app logs them (``GEOPRIO_RUN_LOG``: a run's thread ends with
    the run, so ``/proc`` cannot tell it afterwards)."""

    def __init__(self, pid: int, run_log: Path | None = None) -> None:
        self.pid, self.run_log = pid, run_log
        self.start()

    def _runs(self) -> float:
        if self.run_log is None or not self.run_log.exists():
            return 0.0
        return sum(float(line.split()[-1]) for line in
                   self.run_log.read_text().splitlines() if line.strip())

    def start(self) -> None:
        self.t0, self.all0 = thread_cpu(self.pid), process_cpu(self.pid)
        self.runs0 = self._runs()

    def read(self) -> dict[str, float]:
        t1, all1 = thread_cpu(self.pid), process_cpu(self.pid)
        mc = max(0.0, t1["mc"] - self.t0["mc"])
        total = all1 - self.all0
        return {"mc": mc, "page": max(0.0, total - mc), "total": total,
                "script": self._runs() - self.runs0}


# ------------------------------------------------------------------ byte counting (CDP)
class Traffic:
    """Bytes the page received and sent, from DevTools ``Network`` events (all its frames).

    HTTP bytes are also split by where they come from: Streamlit's own front end
    (``/static/``), the app's static files (``/app/static/``: geometry, Leaflet, decoder),
    components (``/component/``), media (``/media/``), other.
    """

    KINDS = (("/app/static/", "app static"), ("/static/", "streamlit front end"),
             ("/component/", "components"), ("/media/", "media"))

    def __init__(self, context, page) -> None:
        self.cdp = context.new_cdp_session(page)
        self.urls: dict[str, str] = {}
        self.reset()
        self.cdp.on("Network.requestWillBeSent", self._request)
        self.cdp.on("Network.loadingFinished", self._http)
        self.cdp.on("Network.webSocketFrameReceived", self._ws_in)
        self.cdp.on("Network.webSocketFrameSent", self._ws_out)
        self.cdp.send("Network.enable")

    def reset(self) -> None:
        self.t0 = time.monotonic()
        self.http = self.requests = self.ws_in = self.ws_out = 0
        self.by_kind: dict[str, int] = {}

    def kind(self, url: str) -> str:
        path = urllib.parse.urlparse(url).path
        for prefix, name in self.KINDS:
            if path.startswith(prefix):
                return name
        return "other"

    @staticmethod
    def _size(frame: dict) -> int:
        data = frame.get("payloadData", "")
        if frame.get("opcode") == 2:  # binary: base64 in the event
            return len(base64.b64decode(data))
        return len(data.encode("utf-8"))

    def _request(self, event: dict) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]

    def _http(self, event: dict) -> None:
        size = int(event.get("encodedDataLength", 0))
        self.http += size
        self.requests += 1
        kind = self.kind(self.urls.get(event["requestId"], ""))
        self.by_kind[kind] = self.by_kind.get(kind, 0) + size

    def _ws_in(self, event: dict) -> None:
        self.ws_in += self._size(event["response"])

    def _ws_out(self, event: dict) -> None:
        self.ws_out += self._size(event["response"])

    def snapshot(self) -> dict:
        return {"http": self.http, "requests": self.requests, "ws_in": self.ws_in,
                "ws_out": self.ws_out, "received": self.http + self.ws_in,
                **{f"http {k}": v for k, v in self.by_kind.items()}}


# ------------------------------------------------------------------ one session
def first_load(browser, base: str, cpu: Cpu | None = None
               ) -> tuple[dict, object, object, Traffic]:
    """A new context and session: navigation to all districts drawn; figures and handles.

    With ``cpu``, the app process's CPU (all threads) from navigation to the session's first
    run ended: what one more planner opening the app costs the server.
    """
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    traffic = Traffic(context, page)
    traffic.reset()
    if cpu is not None:
        cpu.start()
    t0 = traffic.t0
    page.goto(base, wait_until="commit", timeout=120_000)
    wait_for(lambda: drawn(page), timeout=180, what="all districts drawn")
    t_draw = time.monotonic() - t0
    t_idle = wait_idle(page, quiet=0.5) - t0
    used = cpu.read() if cpu is not None else {}
    state = in_map(page, MAP_STATE) or {}
    return ({"draw_s": t_draw, "idle_s": t_idle, "browser_draw_ms": state.get("draw_ms"),
             "cpu_session": used.get("total"), "cpu_session_script": used.get("script"),
             **traffic.snapshot()}, context, page, traffic)


def _settle(page, timeout: float = 120) -> float | None:
    """Seconds until the background Monte Carlo's notice is gone (None: there was none)."""
    t0 = time.monotonic()
    if not computing(page):
        return None
    wait_for(lambda: not computing(page), timeout=timeout, step=0.05,
             what="the rank intervals filled in")
    return time.monotonic() - t0


def weight_change(page, traffic: Traffic, cpu: Cpu, steps: int) -> dict:
    """Anemia weight moved ``steps`` from 0 and "Aplicar": redraw, run end, CPU, bytes."""
    _settle(page)
    slider = page.get_by_role("slider", name=ANEMIA)
    slider.focus()
    page.keyboard.press("Home")
    for _ in range(steps):
        page.keyboard.press("ArrowRight")
    value = slider.get_attribute("aria-valuetext")
    time.sleep(1.0)  # the slider reports its value debounced
    wait_idle(page, quiet=0.3)
    since = mark(page)
    traffic.reset()
    cpu.start()
    t0 = time.monotonic()
    page.locator("[data-testid=stSidebar]").get_by_role("button", name="Aplicar").click()
    state = wait_for(lambda: redrawn(page, since), timeout=180, what="the map redrawn")
    t_redraw = time.monotonic() - t0
    t_idle = wait_idle(page, quiet=0.5) - t0
    run_cpu = cpu.read()
    filled = _settle(page)
    t_filled = time.monotonic() - t0 if filled is not None else None
    wait_idle(page, quiet=0.5)
    all_cpu = cpu.read()
    return {"value": value, "redraw_s": t_redraw, "idle_s": t_idle, "filled_s": t_filled,
            "cpu_page": run_cpu["page"], "cpu_script": run_cpu["script"],
            "cpu_mc": all_cpu["mc"],
            "cpu_all_page": all_cpu["page"], "recolour_ms": state.get("update_ms"),
            **traffic.snapshot()}


def preset_switch(page, cpu: Cpu, name: str = FONIE) -> dict:
    """"Punto de partida" → ``name``: time to new colours and to the run's end, CPU."""
    _settle(page)
    wait_idle(page, quiet=0.3)
    since = mark(page)
    box = page.get_by_role("combobox", name="Punto de partida")
    option = page.get_by_role("option", name=name, exact=True)
    for _ in range(3):
        box.click()
        try:
            option.wait_for(timeout=5_000)
            break
        except Exception:  # the list did not open: try again
            page.keyboard.press("Escape")
    cpu.start()
    t0 = time.monotonic()  # from the choice, not from opening the list
    option.click()
    wait_for(lambda: redrawn(page, since), timeout=180, what="the map after a preset switch")
    t_redraw = time.monotonic() - t0
    t_idle = wait_idle(page, quiet=0.5) - t0
    c = cpu.read()
    return {"redraw_s": t_redraw, "idle_s": t_idle, "cpu_page": c["page"],
            "cpu_script": c["script"], "cpu_mc": c["mc"]}


def page_switch(page, cpu: Cpu) -> dict:
    """Map → Ranking (a page, or a tab of an old app) and back: CPU and times."""
    _settle(page)
    wait_idle(page, quiet=0.3)
    tab = page.get_by_role("tab", name="Ranking", exact=True)
    target = tab if tab.count() else page.get_by_role("link", name=re.compile("Ranking"))
    cpu.start()
    t0 = time.monotonic()
    target.first.click()
    page.get_by_text(re.compile(r"^Seleccionados$")).first.wait_for(timeout=60_000)
    t_shown = time.monotonic() - t0
    t_idle = (wait_idle(page, quiet=0.5) if running(page) or not tab.count()
              else time.monotonic()) - t0
    c = cpu.read()
    back = page.get_by_role("tab", name="Mapa", exact=True)
    back = back if back.count() else page.get_by_role("link", name=re.compile("Mapa"))
    t1 = time.monotonic()
    back.first.click()
    wait_for(lambda: drawn(page), timeout=120, what="the map again")
    t_back = time.monotonic() - t1
    wait_idle(page, quiet=0.5)
    return {"shown_s": t_shown, "idle_s": t_idle, "cpu_page": c["page"],
            "cpu_script": c["script"], "back_s": t_back}


# ------------------------------------------------------------------ one app
def entry(folder: Path) -> str:
    return "deploy/serve.py" if (folder / "deploy" / "serve.py").exists() else "streamlit_app.py"


def measure(folder: Path, runs: int, pw, label: str) -> dict:
    """Every measure of the app in ``folder``."""
    out: dict = {"label": label, "entry": entry(folder), "loads": [], "changes": [],
                 "presets": [], "pages": []}
    t0 = time.monotonic()
    run_log = Path(tempfile.mkdtemp(prefix="geoprio-runs-")) / "runs.log"
    env = {"PYTHONPATH": str(folder), "GEOPRIO_RUN_LOG": str(run_log)}
    with app_server(entry(folder), cwd=folder, env=env, timeout=240) as (base, proc, _log):
        out["start_s"] = time.monotonic() - t0
        cpu = Cpu(proc.pid, run_log)
        browser = launch(pw)
        try:
            cold, context, _page, _traffic = first_load(browser, base, cpu)
            out["cold"] = cold
            context.close()
            for run in range(runs):
                load, context, page, traffic = first_load(browser, base, cpu)
                out["loads"].append(load)
                # anemia to 0, 5, 10, 15, 25%... of the slider: never the preset's 20%
                out["changes"].append(weight_change(page, traffic, cpu,
                                                    steps=run if run < 4 else run + 1))
                out["pages"].append(page_switch(page, cpu))
                out["presets"].append(preset_switch(page, cpu))
                context.close()
        finally:
            browser.close()
    return out


def through_proxy(runs: int, pw) -> dict:
    """This checkout behind nginx (one process): first-load bytes and time, direct vs proxy."""
    out: dict = {"proxy": [], "direct": []}
    with proxied_apps(1) as stack:
        browser = launch(pw)
        try:
            for _ in range(runs):
                for kind, url in (("direct", stack.app_url(0)), ("proxy", stack.url)):
                    load, context, _page, _t = first_load(browser, url)
                    out[kind].append(load)
                    context.close()
        finally:
            browser.close()
    return out


# ------------------------------------------------------------------ profile
def _collapsed(path: Path) -> list[tuple[list[str], int]]:
    """py-spy's raw output: (frames from the root, samples) per stack."""
    out = []
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            out.append((stack.split(";"), int(count)))
    return out


def _function(frame: str) -> str:
    """``name (file.py:12)`` → ``name (file.py)``: lines of one function counted together."""
    return re.sub(r":\d+\)$", ")", frame)


def profile_table(stacks: list[tuple[list[str], int]], top: int = 25) -> str:
    """Own and inclusive samples per function, as two Markdown tables."""
    own: dict[str, int] = {}
    inclusive: dict[str, int] = {}
    total = sum(n for _, n in stacks) or 1
    for frames, n in stacks:
        names = [_function(f) for f in frames]
        own[names[-1]] = own.get(names[-1], 0) + n
        for name in set(names):
            inclusive[name] = inclusive.get(name, 0) + n
    ours = re.compile(r"\((app|geoprio|streamlit|streamlit_app)[/.]|streamlit_app\.py")
    text = [f"{total} samples.\n", "| own samples | % | function |", "|---:|---:|---|"]
    for name, n in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        text.append(f"| {n} | {100 * n / total:.1f} | `{name}` |")
    text += ["", "| inclusive samples | % | function (app, geoprio, Streamlit) |",
             "|---:|---:|---|"]
    mine = [(k, v) for k, v in inclusive.items() if ours.search(k)]
    for name, n in sorted(mine, key=lambda kv: -kv[1])[:top]:
        text.append(f"| {n} | {100 * n / total:.1f} | `{name}` |")
    return "\n".join(text)


def profile_sessions(n: int, pw) -> str:
    """py-spy over ``n`` new sessions on a warm server of this checkout (see the module doc)."""
    run_log = Path(tempfile.mkdtemp(prefix="geoprio-runs-")) / "runs.log"
    raw = run_log.with_name("pyspy.txt")
    env = {"PYTHONPATH": str(ROOT), "GEOPRIO_RUN_LOG": str(run_log)}
    with app_server(entry(ROOT), cwd=ROOT, env=env, timeout=240) as (base, proc, _log):
        browser = launch(pw)
        try:
            _load, context, _page, _t = first_load(browser, base)
            context.close()
            cpu = Cpu(proc.pid, run_log)
            # --gil: only samples holding the GIL (Python at work, not threads waiting)
            spy = subprocess.Popen(["py-spy", "record", "-p", str(proc.pid), "-r", "200",
                                    "--gil", "-f", "raw", "-o", str(raw)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1.0)  # py-spy attached
            cpu.start()
            for _ in range(n):
                _load, context, _page, _t = first_load(browser, base)
                context.close()
            used = cpu.read()
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        finally:
            browser.close()
    head = (f"{n} new sessions on a warm server: {used['total'] / n:.2f} s of server CPU "
            f"each (all threads; {used['script'] / n:.2f} s in the page script's runs), "
            f"py-spy sampling included.\n")
    return head + "\n" + profile_table(_collapsed(raw))


# ------------------------------------------------------------------ report
def kb(n: float | None) -> str:
    return "n/a" if n is None else f"{n / 1000:,.0f} kB"


def seconds(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f} s"


def med(values: list) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def report(results: list[dict], proxy: dict | None) -> str:
    cols = [r["label"] for r in results]
    head = "| measure (median of runs) | " + " | ".join(cols) + " | goal |\n|---|" + \
        "---:|" * len(cols) + "---|"
    rows = [head]

    def row(name: str, pick, fmt, goal: str = "") -> None:
        rows.append(f"| {name} | " + " | ".join(fmt(pick(r)) for r in results) + f" | {goal} |")

    row("server start → health check answers", lambda r: r["start_s"], seconds)
    row("first session after a start: → 1,874 districts drawn", lambda r: r["cold"]["draw_s"],
        seconds, "≤ 5 s")
    row("new session (warm server): → 1,874 districts drawn",
        lambda r: med([x["draw_s"] for x in r["loads"]]), seconds, "≤ 3 s")
    row("new session: → script run ended", lambda r: med([x["idle_s"] for x in r["loads"]]),
        seconds)
    row("… of which the browser decoding and drawing the 1,874 districts (its clock)",
        lambda r: med([x["browser_draw_ms"] / 1000 for x in r["loads"]
                       if x.get("browser_draw_ms") is not None]), seconds)
    row("first session after a start: server CPU (all threads)",
        lambda r: r["cold"].get("cpu_session"), seconds)
    row("new session (warm server): server CPU (all threads, navigation → run ended)",
        lambda r: med([x.get("cpu_session") for x in r["loads"]]), seconds, "≤ 0.3 s")
    row("… of which the page script's run",
        lambda r: med([x.get("cpu_session_script") for x in r["loads"]]), seconds)
    row("new session: bytes received (HTTP + websocket)",
        lambda r: med([x["received"] for x in r["loads"]]), kb)
    row("new session: Streamlit's front end (HTTP)",
        lambda r: med([x.get("http streamlit front end", 0) for x in r["loads"]]), kb)
    row("Aplicar (weight) → map recoloured",
        lambda r: med([x["redraw_s"] for x in r["changes"]]), seconds)
    row("Aplicar (weight) → script run ended",
        lambda r: med([x["idle_s"] for x in r["changes"]]), seconds)
    row("Aplicar (weight) → rank intervals filled in",
        lambda r: med([x["filled_s"] or x["idle_s"] for x in r["changes"]]), seconds)
    row("Aplicar (weight): CPU of the rerun (all threads but the Monte Carlo)",
        lambda r: med([x["cpu_page"] for x in r["changes"]]), seconds, "≤ 0.3 s")
    row("… of which the page script's run (this checkout logs it)",
        lambda r: med([x["cpu_script"] for x in r["changes"]]), seconds)
    row("Aplicar (weight): CPU of the Monte Carlo (background thread)",
        lambda r: med([x["cpu_mc"] for x in r["changes"]]), seconds)
    row("Aplicar (weight): websocket bytes received",
        lambda r: med([x["ws_in"] for x in r["changes"]]), kb)
    row("preset switch → map recoloured",
        lambda r: med([x["redraw_s"] for x in r["presets"]]), seconds)
    row("preset switch: CPU of the rerun (all threads but the Monte Carlo)",
        lambda r: med([x["cpu_page"] for x in r["presets"]]), seconds, "≤ 0.3 s")
    row("… of which the page script's run", lambda r: med([x["cpu_script"]
                                                            for x in r["presets"]]), seconds)
    row("page (tab) switch Map → Ranking: table shown",
        lambda r: med([x["shown_s"] for x in r["pages"]]), seconds)
    row("page (tab) switch: CPU (all threads)",
        lambda r: med([x["cpu_page"] for x in r["pages"]]), seconds, "≤ 0.3 s")
    row("… of which the page script's run", lambda r: med([x["cpu_script"]
                                                            for x in r["pages"]]), seconds)
    row("back to the map: districts drawn", lambda r: med([x["back_s"] for x in r["pages"]]),
        seconds)
    text = "\n".join(rows)
    values = ", ".join(x["value"] or "?" for x in results[-1]["changes"])
    text += ("\n\nEntry points: " + "; ".join(f"{r['label']}: {r['entry']}" for r in results)
             + f". Anemia weights set in the weight-change runs: {values}.")
    if proxy:
        text += ("\n\n| first load, this checkout, one process | straight from the process | "
                 "through nginx (gzip) |\n|---|---:|---:|\n")
        for name, key, fmt in (("→ 1,874 districts drawn", "draw_s", seconds),
                               ("bytes received, total", "received", kb),
                               ("bytes of Streamlit's front end", "http streamlit front end",
                                kb),
                               ("bytes over HTTP", "http", kb)):
            text += (f"| {name} | {fmt(med([x.get(key, 0) for x in proxy['direct']]))} | "
                     f"{fmt(med([x.get(key, 0) for x in proxy['proxy']]))} |\n")
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="sessions per app (default 3)")
    parser.add_argument("--baseline", type=Path, help="another geoprio checkout to compare")
    parser.add_argument("--no-proxy", action="store_true", help="skip the nginx measure")
    parser.add_argument("--profile", type=int, default=0,
                        help="only profile N new sessions with py-spy (see above)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: apt-get install chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    if args.profile:
        with sync_playwright() as pw:
            print(profile_sessions(args.profile, pw))
        return 0
    before = load_average()
    t0 = time.monotonic()
    results = []
    with sync_playwright() as pw:
        if args.baseline:
            results.append(measure(args.baseline.resolve(), args.runs, pw, "baseline"))
        results.append(measure(ROOT, args.runs, pw, "this checkout"))
        proxy = None if args.no_proxy else through_proxy(args.runs, pw)
    print(f"geoprio app in Chromium ({CHROMIUM}), {args.runs} sessions per app, viewport "
          f"{VIEWPORT['width']}×{VIEWPORT['height']}, {time.monotonic() - t0:.0f} s; load "
          f"average before {before}, after {load_average()} ({os.cpu_count()} CPUs).\n")
    print(report(results, proxy))
    return 0


if __name__ == "__main__":
    sys.exit(main())
