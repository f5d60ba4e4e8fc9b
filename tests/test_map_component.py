"""The district map component (app/widgets/map_component.py): published geometry and the browser.

The plain tests check :func:`publish_geometry` and the arguments :func:`map_args` builds. The
``browser`` test runs a tiny app of its own (written to ``tmp_path``) with ``streamlit run``
and drives Debian's Chromium through Playwright: 1,874 districts drawn, a tooltip, a click
that reaches Python, and a colour change that recolours in place (geometry fetched once,
zoom kept, a small websocket payload).
"""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path

import geopandas as gpd
import pytest

import geoprio
from app.runtime.localserver import CHROMIUM_ARGS, app_server, child_frames, wait_for
from app.widgets.map_component import NAME_COLUMNS, decoder_name, map_args, publish_geometry
from geoprio.errors import InputError
from geoprio.report.mapcodec import DECODER_JS, decode_rings
from geoprio.report.mapping import class_breaks, leaflet_assets

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
N_DISTRICTS = 1874
BRENA = "150105"  # Breña, Lima: a small district with an Ñ


@pytest.fixture(scope="module")
def display() -> gpd.GeoDataFrame:
    return geoprio.load_districts(display=True)


@pytest.fixture(scope="module")
def published(display, tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("static")
    return folder, publish_geometry(folder, display)


# ---------------------------------------------------------------------------- publish
def test_publish_writes_geometry_decoder_and_leaflet(published, display):
    folder, url = published
    name = url.removeprefix("/app/static/")
    assert url.startswith("/app/static/districts.") and name.endswith(".json")
    data = json.loads((folder / name).read_text(encoding="utf-8"))
    rings = decode_rings(data)
    assert len(rings) == N_DISTRICTS
    assert data["n_features"] == N_DISTRICTS
    assert list(data["borders"]) == ["department"]
    assert list(data["table"]) == list(NAME_COLUMNS)
    assert data["table"]["ubigeo"] == display["ubigeo"].tolist()
    row = data["table"]["ubigeo"].index(BRENA)
    assert data["table"]["district"][row] == "BREÑA"
    assert (folder / decoder_name()).read_text(encoding="utf-8") == DECODER_JS
    for path in leaflet_assets().values():
        assert (folder / path.name).read_bytes() == path.read_bytes()


def test_publish_same_content_same_name(published, display):
    folder, url = published
    name = folder / url.removeprefix("/app/static/")
    before = name.stat().st_mtime_ns
    again = publish_geometry(folder, display.copy())
    assert again == url
    assert name.stat().st_mtime_ns == before  # not written twice
    assert len(list(folder.glob("districts.*.json"))) == 1


def test_publish_other_content_other_name(published, display):
    folder, url = published
    fewer = publish_geometry(folder, display.iloc[:10])
    assert fewer != url
    data = json.loads((folder / fewer.removeprefix("/app/static/")).read_text("utf-8"))
    assert len(decode_rings(data)) == 10
    named = publish_geometry(folder, display, columns=["ubigeo"], url_base="/geo/")
    assert named.startswith("/geo/districts.") and named != url


def test_publish_rejects_bad_input(tmp_path, display):
    with pytest.raises(TypeError, match="frame must be a GeoDataFrame; got DataFrame"):
        publish_geometry(tmp_path, display.drop(columns="geometry"))
    with pytest.raises(InputError, match="static_dir must be an existing folder"):
        publish_geometry(tmp_path / "nowhere", display)
    with pytest.raises(InputError, match=r"columns \['altitud'\] are not in the frame"):
        publish_geometry(tmp_path, display, columns=["ubigeo", "altitud"])


# ---------------------------------------------------------------------------- arguments
def test_map_args_from_css_colours(published, display):
    _, url = published
    breaks = class_breaks(display["poverty_2018"], k=5)
    args = map_args(url, colours=breaks.colour_of(), table={"poverty_2018":
                    display["poverty_2018"]}, fields=["district", "poverty_2018"],
                    aliases=["Distrito", "Pobreza"], outline=display["ubigeo"] == BRENA)
    row = display.index[display["ubigeo"] == BRENA][0]
    assert args["palette"][args["colour"][row]] == breaks.colour_of()[row]
    assert len(args["colour"]) == N_DISTRICTS
    assert args["outline"] == [int(row)]
    assert args["table"]["poverty_2018"][row] == 4.0
    assert args["decoder"] == "/app/static/" + decoder_name()
    assert args["leaflet_js"] == "/app/static/leaflet.js"
    assert "geometry" not in json.dumps(args["table"])  # no shapes travel per rerun


def test_map_args_rejects_bad_input(published):
    _, url = published
    with pytest.raises(InputError, match=r"colours must hold one value per district \(1874\);"
                                          r" got 3"):
        map_args(url, colours=["#fff"] * 3)
    with pytest.raises(InputError, match=r"colours must be integers from 0 to 1 .*got \[2\]"):
        map_args(url, colours=[0] * (N_DISTRICTS - 1) + [2], palette=["#fff", "#000"])
    with pytest.raises(InputError, match=r"fields \['rank'\] are neither in table"):
        map_args(url, colours=["#fff"] * N_DISTRICTS, fields=["district", "rank"])
    with pytest.raises(InputError, match=r"aliases must hold one label per field \(1\); got 2"):
        map_args(url, colours=["#fff"] * N_DISTRICTS, fields=["district"], aliases=["a", "b"])
    with pytest.raises(InputError, match=r"encoded_url must be the \.json URL"):
        map_args("/app/static/districts", colours=["#fff"])
    with pytest.raises(InputError, match="height must be an integer from 100 to 4000"):
        map_args(url, colours=["#fff"] * N_DISTRICTS, height=20)


# ---------------------------------------------------------------------- declared once
def test_a_burst_of_sessions_registers_the_component_without_inspecting_modules(monkeypatch):
    """Issue 21: after a restart, a burst of sessions got "RuntimeError: module is None" from
    ``components.declare_component`` (its ``inspect.getmodule`` raced with imports), which
    ran once per session. Declared once at import, the component is only registered with the
    server's registry (Streamlit's own ``LocalComponentRegistry``) by 64 sessions at once,
    even where ``inspect.getmodule`` finds nothing, as in that race."""
    import inspect
    from concurrent.futures import ThreadPoolExecutor

    import streamlit.runtime as runtime
    from streamlit.components.lib.local_component_registry import LocalComponentRegistry

    import app.widgets.map_component as mc

    registry = LocalComponentRegistry()

    class Server:  # the running server, as far as components are concerned
        component_registry = registry

    monkeypatch.setattr(runtime, "exists", lambda: True)
    monkeypatch.setattr(runtime, "get_instance", lambda: Server)
    monkeypatch.setattr(inspect, "getmodule", lambda *args, **kwargs: None)
    with ThreadPoolExecutor(64) as sessions:
        got = list(sessions.map(lambda _: mc._declared(), range(256)))
    assert {id(c) for c in got} == {id(got[0])}
    assert got[0].name == "app.widgets.map_component.district_map" == mc.COMPONENT
    assert registry.get_component_path(mc.COMPONENT) == str(mc.FRONTEND)


# ---------------------------------------------------------------------------- browser
APP = '''
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
import streamlit as st
import geoprio
from geoprio.report import mapping
from app.widgets.map_component import district_map, publish_geometry

@st.cache_resource
def districts():
    return geoprio.load_districts(display=True)

@st.cache_resource
def url():
    return publish_geometry(Path(__file__).parent / "static", districts())

frame = districts()
col = st.selectbox("Indicador", ["poverty_2018", "stunting_u5_2019"], key="indicator")
breaks = mapping.class_breaks(frame[col], k=5)
legend = mapping.legend_html(list(zip(breaks.colours, breaks.labels(), breaks.counts)), col)
clicked = district_map(url(), colours=breaks.colour_of(), table={{col: frame[col]}},
                       fields=["district", "department", "ubigeo", col],
                       aliases=["Distrito", "Departamento", "Ubigeo", col],
                       outline=frame[col] >= frame[col].quantile(0.95), legend_html=legend,
                       height=600, key="dmap")
st.write(f"clicked: {{clicked}}")
'''
STATS = "() => window.geoprioStats ? Object.assign({}, window.geoprioStats) : null"


@pytest.fixture
def server(tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "app.py").write_text(APP.format(root=str(ROOT)), encoding="utf-8")
    with app_server("app.py", cwd=tmp_path, timeout=60,
                    extra_args=("--server.enableStaticServing", "true")) as (base, _p, _l):
        yield base.rstrip("/"), tmp_path


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                    reason=f"{CHROMIUM} not found (runs in CI, where it is installed)")
def test_component_in_chromium(server, display):
    sync_api = pytest.importorskip("playwright.sync_api")
    base, folder = server
    row = int(display.index[display["ubigeo"] == BRENA][0])
    point = display.geometry.iloc[row].representative_point()
    old_colours = class_breaks(display["poverty_2018"], k=5).colour_of()
    new_colours = class_breaks(display["stunting_u5_2019"], k=5).colour_of()
    assert sum(a != b for a, b in zip(old_colours, new_colours, strict=True)) > 500
    fills = "() => window.geoprioLayer.getLayers().map(l => l.options.fillColor)"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            geometry_requests: list[str] = []
            page.on("request", lambda r: geometry_requests.append(r.url)
                    if "/app/static/districts." in r.url else None)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Network.enable")
            received: list[int] = []

            def on_frame(event: dict) -> None:
                resp = event["response"]
                binary = resp["opcode"] == 2
                received.append(len(base64.b64decode(resp["payloadData"])) if binary
                                else len(resp["payloadData"].encode()))

            cdp.on("Network.webSocketFrameReceived", on_frame)
            page.goto(base)
            iframe = page.locator("iframe").first
            iframe.wait_for(timeout=60_000)
            frame = wait_for(lambda: next(iter(child_frames(page, base + "/component/")), None),
                             timeout=60, what="the component frame")
            drawn = wait_for(lambda: frame.evaluate(
                "() => window.geoprioLayer ? window.geoprioLayer.getLayers().length : 0"),
                timeout=60, what="the districts to be drawn")
            assert drawn == N_DISTRICTS
            assert frame.evaluate(fills) == old_colours
            assert frame.evaluate(
                "() => Object.keys(window.geoprioLayers.distritos.borders)") == ["department"]
            assert frame.locator(".geoprio-legend").inner_text().startswith("poverty_2018")

            # zoom to Breña as a user would, hover it, click it
            frame.evaluate(f"""() => {{ const m = window.geoprioLayers.distritos.map;
                m.fitBounds(window.geoprioLayer.getLayers()[{row}].getBounds(),
                            {{animate: false}}); }}""")
            xy = frame.evaluate(f"""() => {{ const m = window.geoprioLayers.distritos.map;
                const p = m.latLngToContainerPoint([{point.y}, {point.x}]);
                return [p.x, p.y]; }}""")
            box = iframe.bounding_box()
            x, y = box["x"] + xy[0], box["y"] + xy[1]
            page.mouse.move(x, y)
            tip = frame.locator(".leaflet-tooltip")
            tip.wait_for(timeout=10_000)
            text = tip.inner_text()
            assert "BREÑA" in text and BRENA in text and "LIMA" in text
            assert "4" in text.split("poverty_2018")[-1]  # Breña's poverty_2018 is 4.0
            page.mouse.click(x, y)
            page.get_by_text(f"clicked: {BRENA}").wait_for(timeout=30_000)
            view = frame.evaluate("""() => { const m = window.geoprioLayers.distritos.map;
                return [m.getZoom(), m.getCenter().lat, m.getCenter().lng]; }""")

            # switch the indicator: recoloured in place, geometry not fetched again
            before = frame.evaluate(STATS)
            received.clear()
            page.locator(".st-key-indicator").click()
            page.get_by_role("option", name="stunting_u5_2019").click()
            wait_for(lambda: frame.evaluate(STATS)["recolours"] == before["recolours"] + 1,
                     timeout=30, what="the recolouring")
            page.get_by_text(f"clicked: {BRENA}").wait_for(timeout=30_000)
            time.sleep(1.0)  # let the rerun's last messages arrive
            after = frame.evaluate(STATS)
            assert frame.evaluate(fills) == new_colours  # Cusco: #ffffb2 -> #feb24c
            assert after["draws"] == 1 and after["fetches"] == 1
            assert len(geometry_requests) == 1
            assert frame.evaluate("""() => { const m = window.geoprioLayers.distritos.map;
                return [m.getZoom(), m.getCenter().lat, m.getCenter().lng]; }""") == view
            assert frame.locator(".geoprio-legend").inner_text().startswith("stunting_u5_2019")
            page.mouse.move(x, box["y"] - 20)  # leave the map, come back: the new tooltip
            page.mouse.move(x, y)
            tip.get_by_text("BREÑA", exact=True).wait_for(timeout=10_000)
            text = tip.inner_text()
            assert "stunting_u5_2019" in text and "poverty_2018" not in text
            geometry_bytes = (folder / "static" / geometry_requests[0].rsplit("/", 1)[1]) \
                .stat().st_size
            assert 0 < sum(received) < geometry_bytes / 5, (sum(received), geometry_bytes)
        finally:
            browser.close()
