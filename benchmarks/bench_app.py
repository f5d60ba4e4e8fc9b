"""Benchmark of the app in Debian's Chromium: first map draw, bytes sent, a weight change.

Run from the repository root: ``python benchmarks/bench_app.py`` (``--runs 3`` by default).
It starts ``streamlit run streamlit_app.py`` on a free localhost port (file watching off),
drives ``/usr/bin/chromium`` with Playwright for Python (never downloads a browser) and
prints a Markdown table, one column per run and the median:

- time from navigation to the map showing all 1,874 districts (``window.geoprioLayer`` in
  the map's frame), a new browser context (empty cache, new Streamlit session) each run; the
  very first session after the server starts (data loaded, caches empty) is reported apart;
- bytes the browser received for that first load, read from Chrome DevTools Protocol
  ``Network`` events: HTTP (``loadingFinished.encodedDataLength``: bodies and headers as they
  came over the wire) and websocket frames (decoded payload sizes), and bytes it sent;
- the same after a reload in the same context (browser cache warm: a returning planner);
- a weight change: the anemia slider moved to a value no earlier run used (so the server's
  ranking cache misses), "Aplicar" clicked; time until the map is redrawn or recoloured
  (``window.geoprioStats`` of the map component, or a new layer), time until the script run
  ends, and the bytes of that change.

Figures depend on the machine's load (printed with the table); run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: make the repository's app/ importable
from app.localserver import CHROMIUM_ARGS, app_server, wait_for, wait_idle  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1400, "height": 1000}
N_DISTRICTS = 1874
ANEMIA = "Anemia en niños de 6 a 35 meses"

LAYER_COUNT = "() => window.geoprioLayer ? window.geoprioLayer.getLayers().length : null"
MAP_STATE = """() => window.geoprioLayer ? {n: window.geoprioLayer.getLayers().length,
    marked: !!window.geoprioLayer._geoprioBenchMark,
    draws: (window.geoprioStats || {}).draws || 0,
    recolours: (window.geoprioStats || {}).recolours || 0,
    update_ms: (window.geoprioStats || {}).last_update_ms,
    draw_ms: (window.geoprioStats || {}).draw_ms} : null"""
MAP_MARK = """() => { window.geoprioLayer._geoprioBenchMark = true;
    return {draws: (window.geoprioStats || {}).draws || 0,
            recolours: (window.geoprioStats || {}).recolours || 0}; }"""


# ------------------------------------------------------------------ server and page helpers









def map_frame(page):
    """The Map tab's map frame (the first iframe of the first tab panel), or None."""
    iframe = page.locator("[data-testid=stTabPanel]").first.locator("iframe").first
    if not iframe.count():
        return None
    handle = iframe.element_handle()
    return handle.content_frame() if handle else None


def in_map(page, script: str):
    frame = map_frame(page)
    if frame is None:
        return None
    try:
        return frame.evaluate(script)
    except Exception:  # frame (re)loading
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








def launch(pw):
    return pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# ------------------------------------------------------------------ byte counting (CDP)
class Traffic:
    """Bytes the page received and sent, from DevTools ``Network`` events (all its frames).

    HTTP bytes are also split by where they come from: Streamlit's own front end
    (``/static/``), the app's static files (``/app/static/``: geometry, Leaflet, decoder),
    components (``/component/``), media (``/media/``: download buttons, images), other.
    """

    KINDS = (("/app/static/", "app static"), ("/static/", "streamlit front end"),
             ("/component/", "components"), ("/media/", "media"))

    def __init__(self, context, page) -> None:
        self.cdp = context.new_cdp_session(page)
        self.urls: dict[str, str] = {}
        self.reset()
        self.cdp.on("Network.requestWillBeSent", self._request)
        self.cdp.on("Network.loadingFinished", self._http)
        self.cdp.on("Network.webSocketCreated", self._ws_open)
        self.cdp.on("Network.webSocketFrameReceived", self._ws_in)
        self.cdp.on("Network.webSocketFrameSent", self._ws_out)
        self.cdp.send("Network.enable")

    def reset(self) -> None:
        self.t0 = time.monotonic()
        self.http = 0
        self.requests = 0
        self.ws_in = 0
        self.ws_out = 0
        self.first_frame_s: float | None = None
        self.ws_open_s: float | None = None
        self.by_kind: dict[str, int] = {}
        self.ws_kinds: dict[str, int] = {}
        self.media: list[str] = []

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
        url = self.urls.get(event["requestId"], "")
        kind = self.kind(url)
        self.by_kind[kind] = self.by_kind.get(kind, 0) + size
        if kind == "media":
            self.media.append(f"{urllib.parse.urlparse(url).path} ({size:,} B)")

    def _ws_open(self, event: dict) -> None:
        self.ws_open_s = time.monotonic() - self.t0

    def _ws_in(self, event: dict) -> None:
        size = self._size(event["response"])
        self.ws_in += size
        kind = message_kind(event["response"])
        self.ws_kinds[kind] = self.ws_kinds.get(kind, 0) + size
        if self.first_frame_s is None:
            self.first_frame_s = time.monotonic() - self.t0

    def _ws_out(self, event: dict) -> None:
        self.ws_out += self._size(event["response"])

    def snapshot(self) -> dict:
        return {"http": self.http, "requests": self.requests, "ws_in": self.ws_in,
                "ws_out": self.ws_out, "received": self.http + self.ws_in,
                "ws_open_s": self.ws_open_s, "first_frame_s": self.first_frame_s,
                "ws_kinds": dict(self.ws_kinds), "media": list(self.media),
                **{f"http {k}": v for k, v in self.by_kind.items()}}


def message_kind(frame: dict) -> str:
    """What a websocket message from Streamlit carries: the element type of a delta, else the
    message type (decoded with Streamlit's own protobuf classes)."""
    if frame.get("opcode") != 2:
        return "text"
    try:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = ForwardMsg.FromString(base64.b64decode(frame.get("payloadData", "")))
    except Exception:  # another Streamlit version: count it, unnamed
        return "unknown"
    kind = msg.WhichOneof("type") or "unknown"
    if kind == "delta":
        delta = msg.delta
        part = delta.WhichOneof("type") or "delta"
        if part == "new_element":
            element = delta.new_element.WhichOneof("type") or "element"
            if element == "component_instance":
                return f"component {delta.new_element.component_instance.component_name}"
            return element
        return part
    return kind


# ------------------------------------------------------------------ one run
def first_load(browser, base: str) -> tuple[dict, object, object, Traffic]:
    """A new context and session: navigation to all districts drawn; figures and handles."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    traffic = Traffic(context, page)
    traffic.reset()
    t0 = traffic.t0
    page.goto(base, wait_until="commit", timeout=120_000)
    wait_for(lambda: drawn(page), timeout=180, what="all districts drawn")
    t_draw = time.monotonic() - t0
    t_idle = wait_idle(page, quiet=0.5) - t0
    state = in_map(page, MAP_STATE) or {}
    return ({"draw_s": t_draw, "idle_s": t_idle, "browser_draw_ms": state.get("draw_ms"),
             **traffic.snapshot()}, context, page, traffic)


def reload(page, traffic: Traffic) -> dict:
    traffic.reset()
    t0 = time.monotonic()
    page.reload(wait_until="commit", timeout=120_000)
    wait_for(lambda: drawn(page), timeout=180, what="all districts drawn after a reload")
    t_draw = time.monotonic() - t0
    wait_idle(page, quiet=0.5)
    return {"draw_s": t_draw, **traffic.snapshot()}


def weight_change(page, traffic: Traffic, steps: int) -> dict:
    """Anemia weight to ``0.05 * steps`` and "Aplicar": time to redraw, run end, bytes."""
    slider = page.get_by_role("slider", name=ANEMIA)
    slider.focus()
    page.keyboard.press("Home")
    for _ in range(steps):
        page.keyboard.press("ArrowRight")
    value = slider.get_attribute("aria-valuetext")
    time.sleep(1.0)  # the slider reports its value debounced
    since = mark(page)
    traffic.reset()
    t0 = time.monotonic()
    page.locator("[data-testid=stSidebar]").get_by_role("button", name="Aplicar").click()
    state = wait_for(lambda: redrawn(page, since), timeout=180, what="the map redrawn")
    t_redraw = time.monotonic() - t0
    t_idle = wait_idle(page, quiet=0.5) - t0
    return {"value": value, "redraw_s": t_redraw, "idle_s": t_idle,
            "recolour_ms": state.get("update_ms"), **traffic.snapshot()}


# ------------------------------------------------------------------ report
def kb(n: float) -> str:
    return f"{n / 1000:,.1f} kB"


def seconds(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f} s"


def ms(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0f} ms"


def row(name: str, values: list, fmt, goal: str = "") -> str:
    shown = [fmt(v) for v in values]
    numeric = [v for v in values if v is not None]
    median = fmt(statistics.median(numeric)) if numeric else "n/a"
    return f"| {name} | " + " | ".join(shown) + f" | **{median}** | {goal} |"


def table(cold: dict, loads: list[dict], reloads: list[dict], changes: list[dict]) -> str:
    runs = len(loads)
    head = ("| measure | " + " | ".join(f"run {i + 1}" for i in range(runs))
            + " | median | goal |\n|---|" + "---:|" * runs + "---:|---|")
    lines = [
        head,
        row("first load: navigation → websocket open", [x["ws_open_s"] for x in loads],
            seconds),
        row("first load: navigation → first websocket message",
            [x["first_frame_s"] for x in loads], seconds),
        row("first load: navigation → 1,874 districts drawn", [x["draw_s"] for x in loads],
            seconds, "< 5 s"),
        row("first load: navigation → script run ended", [x["idle_s"] for x in loads],
            seconds),
        row("first load: map draw inside the browser (component)",
            [x["browser_draw_ms"] for x in loads], ms),
        row("first load: bytes received, HTTP", [x["http"] for x in loads], kb),
        row("first load: bytes received, websocket", [x["ws_in"] for x in loads], kb),
        row("first load: bytes received, total", [x["received"] for x in loads], kb),
        *[row(f"first load: bytes received, HTTP {name}", [x.get(f"http {name}", 0)
                                                            for x in loads], kb)
          for _, name in Traffic.KINDS],
        row("first load: HTTP requests", [x["requests"] for x in loads], str),
        row("reload, browser cache warm: → districts drawn", [x["draw_s"] for x in reloads],
            seconds),
        row("reload, browser cache warm: bytes received", [x["received"] for x in reloads],
            kb),
        row("weight change: Aplicar → map redrawn", [x["redraw_s"] for x in changes], seconds,
            "< 1.5 s"),
        row("weight change: Aplicar → script run ended", [x["idle_s"] for x in changes],
            seconds),
        row("weight change: recolour inside the browser", [x["recolour_ms"] for x in changes],
            ms),
        row("weight change: bytes received, HTTP", [x["http"] for x in changes], kb),
        *[row(f"weight change: bytes received, HTTP {name}", [x.get(f"http {name}", 0)
                                                               for x in changes], kb)
          for _, name in Traffic.KINDS if any(x.get(f"http {name}") for x in changes)],
        row("weight change: bytes received, websocket", [x["ws_in"] for x in changes], kb),
        row("weight change: bytes sent, websocket", [x["ws_out"] for x in changes], kb),
    ]
    values = ", ".join(x["value"] for x in changes)

    def parts(kinds: dict[str, int], top: int = 6) -> str:
        big = sorted(kinds.items(), key=lambda kv: -kv[1])[:top]
        return ", ".join(f"{name} {kb(size)}" for name, size in big)

    notes = (f"\nFirst session after the server started (caches empty): districts drawn after "
             f"{cold['draw_s']:.2f} s, script run ended after {cold['idle_s']:.2f} s, "
             f"{kb(cold['received'])} received ({kb(cold['http'])} HTTP, "
             f"{kb(cold['ws_in'])} websocket).\n"
             f"Anemia weights set in the weight-change runs: {values}. Each run is a new "
             f"browser context (empty cache) and a new Streamlit session.\n"
             f"Largest websocket parts, first load (run 1): {parts(loads[0]['ws_kinds'])}.\n"
             f"Largest websocket parts, weight change (run 1): "
             f"{parts(changes[0]['ws_kinds'])}.\n"
             f"Media fetched on the weight change (run 1): "
             f"{', '.join(changes[0]['media']) or 'none'}.")
    return "\n".join(lines) + "\n" + notes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions (default 3)")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: apt-get install chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    loads, reloads, changes = [], [], []
    before = load_average()
    with app_server() as (base, _proc, _log), sync_playwright() as pw:
        browser = launch(pw)
        try:
            cold, context, _page, _traffic = first_load(browser, base)
            context.close()
            for run in range(args.runs):
                load, context, page, traffic = first_load(browser, base)
                loads.append(load)
                # anemia to 0.00, 0.05, 0.10, 0.15, 0.25...: never the preset's 0.20
                changes.append(weight_change(page, traffic, steps=run if run < 4 else run + 1))
                reloads.append(reload(page, traffic))
                context.close()
        finally:
            browser.close()
    print(f"geoprio app in Chromium ({CHROMIUM}), {args.runs} runs, viewport "
          f"{VIEWPORT['width']}×{VIEWPORT['height']}; load average before "
          f"{before}, after {load_average()} ({os.cpu_count()} CPUs).\n")
    print(table(cold, loads, reloads, changes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
