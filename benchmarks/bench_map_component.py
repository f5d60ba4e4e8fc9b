"""Benchmark of a colour change on the map: ``st_folium`` vs geoprio's own component.

Run: ``python benchmarks/bench_map_component.py`` (needs ``/usr/bin/chromium`` and Playwright
for Python; no browser is downloaded). It writes a small Streamlit app to a temporary folder,
starts ``streamlit run`` on a local port (8650–8659), and for each map:

- loads the page (time from navigation to 1,874 districts drawn, websocket bytes received
  and bytes of geometry fetched over HTTP);
- switches the indicator in a select box ``--repeat`` times, each time to one not shown
  before (Streamlit's forward-message cache sends a message the browser already has as a
  short reference, so going back to an earlier indicator would cost almost nothing), and
  measures the websocket bytes the browser receives for that rerun (CDP
  ``Network.webSocketFrameReceived``) and the time from the click to the map showing the new
  colour of a district whose class changes;
- reads the browser's own cost: the component's in-place update (``setColours`` and the
  table) or st_folium's decode plus layer build.

Both maps get the same tooltip (name, department, ubigeo, value, rank, rank interval,
probability), outlines and legend. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import base64
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: make the repository's app/ importable
from app.runtime.localserver import CHROMIUM, CHROMIUM_ARGS, child_frames, free_port, wait_for  # noqa: E402

INDICATORS = ["poverty_2018", "stunting_u5_2019", "anemia_6_35m_2019", "no_water_2017",
              "no_sewer_2017", "no_electricity_2017"]
APP = '''
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
import numpy as np
import streamlit as st
import geoprio
from geoprio.report import mapping

@st.cache_resource
def districts():
    return geoprio.load_districts(display=True)

@st.cache_resource
def url():
    from app.widgets.map_component import publish_geometry
    return publish_geometry(Path(__file__).parent / "static", districts())

mode = st.query_params.get("mode", "component")
geometry_url = url()  # also copies Leaflet to static/, which both maps load
frame = districts().copy()
col = st.selectbox("Indicador", {indicators!r}, key="indicator")
breaks = mapping.class_breaks(frame[col], k=5)
legend = mapping.legend_html(list(zip(breaks.colours, breaks.labels(), breaks.counts)), col)
frame["rank"] = frame[col].rank(ascending=False, method="min")
frame["rank_interval"] = [f"{{max(r - 20, 1):.0f}}–{{r + 20:.0f}}" if r == r else ""
                          for r in frame["rank"]]
frame["p_selected"] = np.clip(1 - frame["rank"] / 600, 0, 1)
outline = frame["rank"] <= 300
tooltip = {{"district": "Distrito", "province": "Provincia", "department": "Departamento",
           "ubigeo": "Ubigeo", col: col, "rank": "Puesto", "rank_interval": "Intervalo",
           "p_selected": "Prob."}}
if mode == "component":
    from app.widgets.map_component import district_map
    extra = [col, "rank", "rank_interval", "p_selected"]
    district_map(geometry_url, colours=breaks.colour_of(), table=frame[extra], fields=list(tooltip),
                 aliases=list(tooltip.values()), outline=outline, legend_html=legend,
                 height=600, key="dmap")
else:
    from streamlit_folium import st_folium
    m, _ = mapping.choropleth(frame, col, tooltip=tooltip, outline=outline, height=600)
    mapping.serve_assets_from(m, "/app/static/")
    st_folium(m, height=600, use_container_width=True,
              returned_objects=["last_object_clicked_tooltip"], key="fmap")
'''
FILL = """row => { const l = window.geoprioLayer;
    return l && l.getLayers().length ? l.getLayers()[row].options.fillColor : null; }"""








def kb(n: float) -> str:
    return f"{n / 1000:,.1f} kB"


def measure(page, cdp_frames: list[int], http: dict, base: str, mode: str,
            colours: dict[str, list[str]], repeat: int) -> dict:
    def fill_in_any_frame(row: int) -> tuple | None:
        for f in child_frames(page):
            try:
                colour = f.evaluate(FILL, row)
            except Exception:  # a frame being replaced
                continue
            if colour:
                return f, colour
        return None

    cdp_frames.clear()
    http.clear()
    start = time.perf_counter()
    page.goto(f"{base}/?mode={mode}")
    wait_for(lambda: (got := fill_in_any_frame(0)) and got[1] == colours[INDICATORS[0]][0],
             timeout=120, what="the first map", step=0.01)
    first_s = time.perf_counter() - start
    time.sleep(2.0)
    first_ws, first_http = sum(cdp_frames), sum(http.values())
    ws, secs, browser_ms = [], [], []
    for i in range(repeat):
        old, target = INDICATORS[i], INDICATORS[i + 1]
        row = next(r for r, (a, b) in enumerate(zip(colours[old], colours[target],
                                                      strict=True)) if a != b)
        time.sleep(1.0)
        cdp_frames.clear()
        page.locator(".st-key-indicator").click()
        option = page.get_by_role("option", name=target, exact=True)
        option.wait_for(timeout=10_000)
        start = time.perf_counter()
        option.click()
        frame, _ = wait_for(lambda r=row, t=target: (got := fill_in_any_frame(r))
                            and got[1] == colours[t][r] and got, timeout=60,
                            what="the new colours", step=0.01)
        secs.append(time.perf_counter() - start)
        time.sleep(2.0)  # the rest of the rerun's messages
        ws.append(sum(cdp_frames))
        if mode == "component":
            browser_ms.append(frame.evaluate("() => window.geoprioStats.last_update_ms"))
        else:
            browser_ms.append(frame.evaluate("""() => { const t = Object.values(
                window.geoprioLayers).pop().timing; return t.decode_ms + t.layers_ms; }"""))
    return {"first_s": first_s, "first_ws": first_ws, "first_http": first_http,
            "ws": statistics.median(ws), "s": statistics.median(secs),
            "browser_ms": statistics.median(browser_ms),
            "geometry_fetches": sum(1 for u in http if "/districts." in u)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, choices=range(1, len(INDICATORS)),
                        help="colour changes per map")
    opts = parser.parse_args()
    from playwright.sync_api import sync_playwright

    import geoprio
    from geoprio.report.mapping import class_breaks

    display = geoprio.load_districts(display=True)
    colours = {c: class_breaks(display[c], k=5).colour_of() for c in INDICATORS}
    folder = Path(tempfile.mkdtemp(prefix="bench_map_component_"))
    (folder / "static").mkdir()
    (folder / "app.py").write_text(APP.format(root=str(ROOT), indicators=INDICATORS),
                                   encoding="utf-8")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.enableStaticServing", "true",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    results = {}
    try:
        def healthy() -> bool:
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2):
                    return True
            except OSError:
                return False

        wait_for(healthy, timeout=60, what="streamlit", step=0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                for mode in ("folium", "component"):
                    # a fresh context each: empty HTTP cache, its own websocket
                    context = browser.new_context(viewport={"width": 1300, "height": 900})
                    page = context.new_page()
                    cdp = context.new_cdp_session(page)
                    cdp.send("Network.enable")
                    frames: list[int] = []
                    http: dict[str, int] = {}
                    cdp.on("Network.webSocketFrameReceived", lambda e, fr=frames: fr.append(
                        len(base64.b64decode(e["response"]["payloadData"]))
                        if e["response"]["opcode"] == 2
                        else len(e["response"]["payloadData"].encode())))
                    page.on("requestfinished", lambda r, h=http: h.__setitem__(
                        r.url, h.get(r.url, 0) + (r.sizes()["responseBodySize"] or 0))
                        if "/app/static/" in r.url else None)
                    results[mode] = measure(page, frames, http, base, mode, colours,
                                            opts.repeat)
                    context.close()
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    f, c = results["folium"], results["component"]
    print(f"## Map colour change: st_folium vs geoprio's component ({opts.repeat} changes, "
          "median)\n")
    print("| measure | st_folium | component |")
    print("|---|---:|---:|")
    print(f"| first load: navigation to 1,874 districts drawn | {f['first_s']:.2f} s | "
          f"{c['first_s']:.2f} s |")
    print(f"| first load: websocket bytes received | {kb(f['first_ws'])} | "
          f"{kb(c['first_ws'])} |")
    print(f"| first load: bytes transferred from /app/static (Leaflet, decoder, geometry) | "
          f"{kb(f['first_http'])} | {kb(c['first_http'])} |")
    print(f"| colour change: websocket bytes received | {kb(f['ws'])} | {kb(c['ws'])} |")
    print(f"| colour change: click to new colour shown | {f['s']:.2f} s | {c['s']:.2f} s |")
    print(f"| colour change: browser work (decode + layers / in-place update) | "
          f"{f['browser_ms']:.0f} ms | {c['browser_ms']:.0f} ms |")
    print(f"| geometry fetches over HTTP (whole run) | {f['geometry_fetches']} | "
          f"{c['geometry_fetches']} |")


if __name__ == "__main__":
    main()
