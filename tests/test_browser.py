"""The app end to end in Debian's Chromium: ``streamlit run`` on localhost, driven by Playwright.

Every test is marked ``browser``. The module is skipped when ``/usr/bin/chromium`` is missing,
except in CI (env ``CI`` set), where a missing browser is a failure. No browser is ever
downloaded: Playwright launches the system Chromium through ``executable_path``.

One Streamlit server and one Chromium serve the whole module; the export, map and upload tests
share one session (page), the weight test opens its own.

Set ``GEOPRIO_SCREENSHOTS=1`` to (re)write ``docs/img/app-map.png`` from the map tab.
"""

from __future__ import annotations

import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from app.localserver import CHROMIUM, CHROMIUM_ARGS, app_server, wait_for, wait_idle

ROOT = Path(__file__).resolve().parents[1]
IN_CI = bool(os.environ.get("CI"))

if not CHROMIUM.exists() and not IN_CI:
    pytest.skip(f"{CHROMIUM} not found (browser tests run in CI, where it is installed)",
                allow_module_level=True)
if not IN_CI:
    pytest.importorskip("playwright.sync_api")

from playwright.sync_api import Frame, Page, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

import geoprio  # noqa: E402
from geoprio.scenario import Scenario  # noqa: E402

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1400, "height": 1000}
N_DISTRICTS = 1874
SCREENSHOT = ROOT / "docs" / "img" / "app-map.png"
LOCAL = re.compile(r"^(?:(?:http|ws)s?://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?/"
                   r"|data:|blob:|about:)")
# Known CDNs folium and friends load from; the standalone HTML map must name none of them.
CDN_HOSTS = ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com", "code.jquery.com",
             "maxcdn.bootstrapcdn.com", "netdna.bootstrapcdn.com", "stackpath.bootstrapcdn.com",
             "rawcdn.githack.com", "fonts.googleapis.com")
# Export formats as the Ranking tab's select box names them (label -> extension).
FORMATS = {"CSV": ".csv", "Excel (XLSX)": ".xlsx", "GeoJSON": ".geojson",
           "GeoPackage": ".gpkg", "Shapefile (ZIP)": ".zip", "Mapa HTML": ".html",
           "Mapa PNG": ".png", "Escenario TOML": ".toml"}
LAYER_COUNT = "() => window.geoprioLayer ? window.geoprioLayer.getLayers().length : null"
MAP_STATE = """() => window.geoprioLayer ? {n: window.geoprioLayer.getLayers().length,
    marked: !!window.geoprioLayer._geoprioTestMark,
    draws: (window.geoprioStats || {}).draws || 0,
    recolours: (window.geoprioStats || {}).recolours || 0} : null"""
MAP_MARK = """() => { window.geoprioLayer._geoprioTestMark = true;
    return {draws: (window.geoprioStats || {}).draws || 0,
            recolours: (window.geoprioStats || {}).recolours || 0}; }"""


# ---------------------------------------------------------------------------- helpers






def map_frame(page: Page) -> Frame | None:
    """The frame of the Map tab's ``st_folium`` iframe (the first tab panel's first iframe)."""
    iframe = page.locator("[data-testid=stTabPanel]").first.locator("iframe").first
    if not iframe.count():
        return None
    handle = iframe.element_handle()
    return handle.content_frame() if handle else None


def _in_map(page: Page, script: str):
    frame = map_frame(page)
    if frame is None:
        return None
    try:
        return frame.evaluate(script)
    except Exception:  # the frame is (re)loading: nothing drawn yet
        return None


def drawn_districts(page: Page) -> int | None:
    """Districts in ``window.geoprioLayer`` of the map frame (None if not drawn yet)."""
    return _in_map(page, LAYER_COUNT)


def map_mark(page: Page) -> dict:
    """Mark the drawn layer; what :func:`redrawn` compares against."""
    return _in_map(page, MAP_MARK)


def redrawn(page: Page, mark: dict) -> int | None:
    """Districts drawn since ``mark``: a new layer, or the marked one drawn or recoloured again.

    The app may rebuild the layer (``st_folium``) or recolour it in place (geoprio's own
    component counts its ``draws`` and ``recolours`` in ``window.geoprioStats``).
    """
    now = _in_map(page, MAP_STATE)
    if not now:
        return None
    again = (not now["marked"] or now["draws"] > mark["draws"]
             or now["recolours"] > mark["recolours"])
    return now["n"] if again else None


def fill_colours(page: Page) -> list[str]:
    return map_frame(page).evaluate(
        "() => window.geoprioLayer.getLayers().map(l => l.options.fillColor)")








def token(page: Page) -> str:
    """The scenario token in the page's address (``?s=``), read from ``location``."""
    href = page.evaluate("() => window.location.href")
    return urllib.parse.parse_qs(urllib.parse.urlparse(href).query)["s"][0]


def open_tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name, exact=True).click()


def shown_rows(page: Page) -> int:
    """Rows the Ranking tab's table shows, read from its caption ("375 / 1,874")."""
    caption = page.get_by_text(re.compile(r"^[\d,]+ / 1,874$"))
    caption.wait_for(timeout=60_000)
    return int(caption.inner_text().split("/")[0].replace(",", "").strip())


def download(page: Page, fmt: str, folder: Path) -> Path:
    """Pick ``fmt`` in the export box, click its download button; the saved file."""
    button = page.get_by_role("button", name=f"Descargar {fmt}", exact=True)
    if not button.count():
        option = page.get_by_role("option", name=fmt, exact=True)
        for _ in range(3):
            page.locator(".st-key-export_format").click()
            try:
                option.wait_for(timeout=10_000)
                break
            except PlaywrightTimeout:
                page.keyboard.press("Escape")
        option.click()
    button.wait_for(timeout=90_000)
    wait_idle(page)
    with page.expect_download(timeout=60_000) as info:
        button.click()
    dl = info.value
    assert dl.failure() is None, dl.failure()
    path = folder / dl.suggested_filename
    dl.save_as(path)
    return path


def expected_ranking(scenario_token: str):
    return geoprio.prioritize(geoprio.load_districts(), Scenario.from_token(scenario_token))


# ---------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``streamlit run streamlit_app.py`` on a free localhost port; its base URL."""
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with app_server(log=log) as (base, _proc, _log):
        yield base


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def session(server, browser):
    """One app session (page) on the DCI preset, map drawn; with every URL it requested."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    urls: list[str] = []
    context.on("request", lambda request: urls.append(request.url))
    page = context.new_page()
    page.on("websocket", lambda ws: urls.append(ws.url))
    page.goto(server, timeout=90_000)
    wait_for(lambda: drawn_districts(page), timeout=120, what="the first map draw")
    wait_idle(page)
    yield page, urls
    context.close()


@pytest.fixture(scope="module")
def dci_ranking(session):
    page, _ = session
    return expected_ranking(token(page))


# ---------------------------------------------------------------------------- tests
def test_map_draws_every_district(session, dci_ranking):
    page, _ = session
    open_tab(page, "Mapa")
    assert drawn_districts(page) == N_DISTRICTS
    colours = fill_colours(page)
    assert len(colours) == N_DISTRICTS
    # the default: 5 quantile classes of the score, plus grey for districts without a score
    assert len(set(colours)) == 5 + int(dci_ranking["score"].isna().any())
    if os.environ.get("GEOPRIO_SCREENSHOTS") == "1":
        wait_idle(page)
        map_frame(page).evaluate("() => new Promise(done => requestAnimationFrame("
                                 "() => requestAnimationFrame(done)))")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))
        assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_request_leaves_localhost(session):
    page, urls = session
    for name in ("Ranking", "Conglomerados", "Distrito", "Datos", "Mapa"):
        open_tab(page, name)
        wait_idle(page)
    outside = sorted({u for u in urls if not LOCAL.match(u)})
    assert outside == []
    # Leaflet came from the app's own static files, and the map used it
    assert any(urllib.parse.urlparse(u).path == "/app/static/leaflet.js" for u in urls)
    assert drawn_districts(page) == N_DISTRICTS


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_each_export_downloads_and_opens(session, dci_ranking, fmt, tmp_path):
    import geopandas as gpd
    import openpyxl
    import pandas as pd

    page, _ = session
    open_tab(page, "Ranking")
    assert page.locator(".st-key-rank_only_selected input[type=checkbox]").is_checked()
    rows = shown_rows(page)
    selected = dci_ranking[dci_ranking["selected"]]
    assert rows == Scenario.preset("dci").top_n == len(selected)
    first = dci_ranking.loc[dci_ranking["rank"] == 1, "ubigeo"].item()

    path = download(page, fmt, tmp_path)
    assert path.suffix == FORMATS[fmt]
    assert path.name == f"geoprio_dci{FORMATS[fmt]}"
    data = path.read_bytes()
    if fmt == "CSV":
        assert data[:3] == b"\xef\xbb\xbf"
        table = pd.read_csv(path, encoding="utf-8-sig", dtype={"ubigeo": str})
        assert len(table) == rows
        assert table["ubigeo"].iloc[0] == first
        assert set(table["ubigeo"]) == set(selected["ubigeo"])
    elif fmt == "Excel (XLSX)":
        book = openpyxl.load_workbook(path)
        assert {"distritos", "metodologia"} <= set(book.sheetnames)
        sheet = book["distritos"]
        assert sheet.max_row - 1 == rows
        header = [c.value for c in sheet[1]]
        assert sheet.cell(2, header.index("ubigeo") + 1).value == first
        method = {r[0]: r[1] for r in book["metodologia"].iter_rows(values_only=True)}
        assert method["escenario.name"] == "dci"
        assert int(method["distritos en el archivo"]) == rows
    elif fmt in ("GeoJSON", "GeoPackage", "Shapefile (ZIP)"):
        kwargs = {"layer": "distritos"} if fmt == "GeoPackage" else {}
        frame = gpd.read_file(path, **kwargs)
        assert len(frame) == rows
        assert frame.crs.to_epsg() == 4326
        assert set(frame["ubigeo"]) == set(selected["ubigeo"])
        assert not frame.geometry.is_empty.any()
        assert frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    elif fmt == "Mapa HTML":
        html = data.decode("utf-8")
        assert not [host for host in CDN_HOSTS if host in html]
        assert re.search(r"<script\b[^>]*\bsrc\s*=", html) is None  # every script inline
        assert re.search(r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//", html) is None
        assert re.search(r"Leaflet 1\.\d+\.\d+", html)  # the library itself, inlined
        assert "geoprioCodec.draw" in html
    elif fmt == "Mapa PNG":
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert width >= 300 and height >= 300
    else:
        assert Scenario.from_toml(data.decode("utf-8")) == Scenario.preset("dci")


def test_upload_with_bad_codes_shows_the_join_report(session, tmp_path):
    page, _ = session
    upload = tmp_path / "tasas.csv"
    # three 2017 district codes and one that is no district at all; 150101 and 250204 are
    # other districts in RENIEC numbering: the names tell the join which numbering this is
    upload.write_text("ubigeo,distrito,tasa\n010101,Chachapoyas,12.5\n150101,Lima,30.0\n"
                      "999999,Inventado,7.0\n250204,Yurúa,4.0\n", encoding="utf-8")
    open_tab(page, "Datos")
    files = page.locator(".st-key-up_table input[type=file]")
    files.wait_for(state="attached", timeout=60_000)
    files.set_input_files(str(upload))
    page.get_by_text("Informe de unión").wait_for(timeout=90_000)
    wait_idle(page)
    metrics = {}
    for metric in page.locator("[data-testid=stMetric]").all():
        if metric.is_visible():
            label, _, value = metric.inner_text().strip().partition("\n")
            metrics[label.strip()] = value.strip()
    assert metrics["Emparejadas"] == "3"
    assert metrics["Sin emparejar"] == "1"
    assert metrics["Distritos sin fila"] == str(N_DISTRICTS - 3)
    report = " ".join(page.locator("[data-testid=stText]").all_inner_texts())
    assert "999999" in report
    assert "010101" not in report
    assert page.locator("[data-testid=stException]").count() == 0


def test_weight_change_changes_the_ranking_and_the_map(server, browser, tmp_path):
    import pandas as pd

    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    try:
        page = context.new_page()
        page.goto(server, timeout=90_000)
        wait_for(lambda: drawn_districts(page), timeout=120, what="the first map draw")
        wait_idle(page)
        before_token = token(page)
        open_tab(page, "Ranking")
        (tmp_path / "before").mkdir()
        before = pd.read_csv(download(page, "CSV", tmp_path / "before"), encoding="utf-8-sig",
                             dtype={"ubigeo": str})
        open_tab(page, "Mapa")
        colours_before = fill_colours(page)
        mark = map_mark(page)

        slider = page.get_by_role("slider", name="Anemia en niños de 6 a 35 meses")
        slider.focus()
        page.keyboard.press("End")  # anemia from 0.20 to the slider's maximum, 1.00
        assert slider.get_attribute("aria-valuetext") == "1.00"
        time.sleep(1.0)  # the slider sends its value debounced: let it land before submitting
        page.locator("[data-testid=stSidebar]").get_by_role("button", name="Aplicar").click()

        after_token = wait_for(lambda: token(page) != before_token and token(page),
                               timeout=90, what="a new scenario in the URL")
        assert wait_for(lambda: redrawn(page, mark), timeout=120,
                        what="the map redrawn") == N_DISTRICTS
        wait_idle(page)
        changed = sum(a != b for a, b in zip(colours_before, fill_colours(page), strict=True))
        assert changed > 0

        new = Scenario.from_token(after_token)
        assert new.weights["anemia_6_35m_2019"] == 1.0
        assert {k: v for k, v in new.weights.items() if k != "anemia_6_35m_2019"} == {
            k: v for k, v in Scenario.from_token(before_token).weights.items()
            if k != "anemia_6_35m_2019"}

        open_tab(page, "Ranking")
        (tmp_path / "after").mkdir()
        after = pd.read_csv(download(page, "CSV", tmp_path / "after"), encoding="utf-8-sig",
                            dtype={"ubigeo": str})
        old_rank, new_rank = expected_ranking(before_token), expected_ranking(after_token)
        assert before["ubigeo"].iloc[0] == old_rank.loc[old_rank["rank"] == 1, "ubigeo"].item()
        assert after["ubigeo"].iloc[0] == new_rank.loc[new_rank["rank"] == 1, "ubigeo"].item()
        assert after["ubigeo"].iloc[0] != before["ubigeo"].iloc[0]
        assert page.locator("[data-testid=stException]").count() == 0
    finally:
        context.close()
