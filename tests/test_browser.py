"""The app end to end in Debian's Chromium: ``streamlit run`` on localhost, driven by Playwright.

Every test is marked ``browser``. The module is skipped when ``/usr/bin/chromium`` is missing,
except in CI (env ``CI`` set), where a missing browser is a failure. No browser is ever
downloaded: Playwright launches the system Chromium through ``executable_path``.

One Streamlit server and one Chromium serve the whole module; the export, map and upload tests
share one session (page), the tests that change the scenario open their own.

Set ``GEOPRIO_SCREENSHOTS=1`` to (re)write ``docs/img/app-map.png`` from the map page.
"""

from __future__ import annotations

import os
import re
import time
import unicodedata
import urllib.parse
from pathlib import Path

import pytest

from app.runtime.localserver import (
    CHROMIUM,
    child_frames,
    wait_for,
    wait_idle,
)

ROOT = Path(__file__).resolve().parents[1]
IN_CI = bool(os.environ.get("CI"))

if not CHROMIUM.exists() and not IN_CI:
    pytest.skip(f"{CHROMIUM} not found (browser tests run in CI, where it is installed)",
                allow_module_level=True)
if not IN_CI:
    pytest.importorskip("playwright.sync_api")

from playwright.sync_api import Frame, Page  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

import geoprio  # noqa: E402
from geoprio.engine.scenario import Scenario  # noqa: E402

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1400, "height": 1000}
N_DISTRICTS = 1874
NBSP = "\u00a0"
SCREENSHOT = ROOT / "docs" / "img" / "app-map.png"
LOCAL = re.compile(r"^(?:(?:http|ws)s?://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?/"
                   r"|data:|blob:|about:)")
# Known CDNs folium and friends load from; the standalone HTML map must name none of them.
CDN_HOSTS = ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com", "code.jquery.com",
             "maxcdn.bootstrapcdn.com", "netdna.bootstrapcdn.com", "stackpath.bootstrapcdn.com",
             "rawcdn.githack.com", "fonts.googleapis.com")
# Export formats as the Ranking page's select box names them (label -> extension).
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
ANEMIA = re.compile(r"^Anemia en niños de 6 a 35 meses")
POVERTY = re.compile(r"^Pobreza monetaria 2018")
#: what Streamlit draws itself and offers no way to translate (noted in docs/guia-usuario.md)
STREAMLIT_OWN = ("Browse files", "Drag and drop file here", "Limit 50MB per file",
                 "Running...", "Stop", "Deploy")


# ---------------------------------------------------------------------------- helpers
def map_frame(page: Page) -> Frame | None:
    """The frame that holds the district map (geoprio's own component), or None."""
    for frame in child_frames(page, "district_map"):  # not the cluster maps (st_folium)
        try:
            if frame.evaluate("() => !!window.geoprioLayer"):
                return frame
        except Exception:  # a frame (re)loading or detached: try the next one
            continue
    return None


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
    """Districts drawn since ``mark``: a new layer, or the marked one drawn or recoloured."""
    now = _in_map(page, MAP_STATE)
    if not now:
        return None
    again = (not now["marked"] or now["draws"] > mark["draws"]
             or now["recolours"] > mark["recolours"])
    return now["n"] if again else None


def fill_colours(page: Page) -> list[str]:
    """The drawn districts' fill colours (waits while the map frame is being replaced)."""
    return wait_for(lambda: _in_map(
        page, "() => window.geoprioLayer.getLayers().map(l => l.options.fillColor)"),
        timeout=60, what="the map's colours")


def token(page: Page) -> str:
    """The scenario token in the page's address (``?s=``), read from ``location``."""
    return query(page)["s"]


def query(page: Page) -> dict[str, str]:
    href = page.evaluate("() => window.location.href")
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlparse(href).query).items()}


def open_page(page: Page, name: str) -> None:
    """Click the navigation link of page ``name`` ("Mapa", "Ranking"...) and let it run."""
    page.get_by_role("link", name=re.compile(rf"{name}$")).first.click()
    wait_idle(page)
    if name == "Mapa":
        wait_for(lambda: drawn_districts(page) == N_DISTRICTS, timeout=120,
                 what="the map drawn again")


def settle(page: Page) -> None:
    """Until the background Monte Carlo has filled in the page."""
    wait_for(lambda: page.get_by_text(re.compile("Calculando la incertidumbre")).count() == 0,
             timeout=120, what="the rank intervals filled in")
    wait_idle(page)


def shown_rows(page: Page) -> int:
    """Rows the Ranking page's table shows, read from its caption ("375 de 1 874 ...")."""
    caption = page.get_by_text(re.compile(r"^[\d\u00a0]+ de 1\u00a0874 distritos$"))
    caption.wait_for(timeout=60_000)
    return int(caption.inner_text().split(" de ")[0].replace(NBSP, "").strip())


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
    with page.expect_download(timeout=120_000) as info:
        button.click()
    dl = info.value
    assert dl.failure() is None, dl.failure()
    path = folder / dl.suggested_filename
    dl.save_as(path)
    return path


def apply(page: Page) -> None:
    page.locator("[data-testid=stSidebar]").get_by_role("button", name="Aplicar").click()


def choose_preset(page: Page, name: str) -> None:
    box = page.get_by_role("combobox", name="Punto de partida")
    option = page.get_by_role("option", name=name, exact=True)
    for _ in range(3):
        box.click()
        try:
            option.wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    option.click()
    wait_idle(page)


def read_spanish_csv(path):
    """A CSV the Spanish page exported (one header row of words), with the ids as columns:
    the words are mapped back through the labels geoprio writes (geoprio.data.labels)."""
    import pandas as pd

    from geoprio.data.labels import column_label

    table = pd.read_csv(path, encoding="utf-8-sig", sep=";", decimal=",",
                        dtype={"Ubigeo": str})
    ids = {column_label(c, "es", geoprio.catalog()): c for c in
           [*geoprio.catalog()["id"], "rank", "ubigeo", "p_selected", "selected", "score"]}
    return table.rename(columns=ids)


def expected_ranking(scenario_token: str):
    return geoprio.prioritize(geoprio.load_districts(), Scenario.from_token(scenario_token))


def new_session(browser, server: str, path: str = ""):
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    page.goto(server + path, timeout=90_000)
    if not path or path.startswith("?"):
        wait_for(lambda: drawn_districts(page), timeout=120, what="the first map draw")
    else:
        page.locator("h1").first.wait_for(timeout=90_000)  # the first run has drawn the page
    wait_idle(page)
    return context, page


# ---------------------------------------------------------------------------- fixtures
# server and browser: tests/conftest.py


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
    settle(page)
    yield page, urls
    context.close()


@pytest.fixture(scope="module")
def dci_ranking(session):
    page, _ = session
    return expected_ranking(token(page))


# ---------------------------------------------------------------------------- tests
def test_map_draws_every_district(session, dci_ranking):
    page, _ = session
    assert drawn_districts(page) == N_DISTRICTS
    colours = fill_colours(page)
    assert len(colours) == N_DISTRICTS
    # the default: 5 quantile classes of the score, plus grey for districts without a score
    assert len(set(colours)) == 5 + int(dci_ranking["score"].isna().any())
    legend = map_frame(page).evaluate("() => document.getElementById('legend').innerText")
    rows = [r for r in legend.splitlines() if "–" in r]
    assert len(rows) == 5 and len({r.split(" (")[0] for r in rows}) == 5  # no repeated class
    assert all(re.fullmatch(r"\d+,\d+ – \d+,\d+ \([\d\u00a0]+\)", r.strip()) for r in rows)
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
        open_page(page, name)
    outside = sorted({u for u in urls if not LOCAL.match(u)})
    assert outside == []
    # Leaflet came from the app's own static files, and the map used it
    assert any(urllib.parse.urlparse(u).path == "/app/static/leaflet.js" for u in urls)
    assert drawn_districts(page) == N_DISTRICTS


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_each_export_downloads_and_opens(session, dci_ranking, fmt, tmp_path):
    import geopandas as gpd
    import openpyxl

    page, _ = session
    if "/ranking" not in page.url:
        open_page(page, "Ranking")
    assert page.locator(".st-key-solo input[type=checkbox]").is_checked()
    rows = shown_rows(page)
    selected = dci_ranking[dci_ranking["selected"]]
    assert rows == Scenario.preset("dci").top_n == len(selected)
    first = dci_ranking.loc[dci_ranking["rank"] == 1, "ubigeo"].item()

    path = download(page, fmt, tmp_path)
    assert path.suffix == FORMATS[fmt]
    assert path.name == f"geoprio_midis_desnutricion_cronica{FORMATS[fmt]}"  # its title
    data = path.read_bytes()
    if fmt == "CSV":
        assert data[:3] == b"\xef\xbb\xbf"
        # Spanish page: labelled headers, then the ids; ';' and decimal comma (Excel in Peru)
        assert data[3:].decode("utf-8").startswith("Puesto;Ubigeo;Distrito;")
        table = read_spanish_csv(path)
        assert len(table) == rows
        assert table["ubigeo"].iloc[0] == first
        assert set(table["ubigeo"]) == set(selected["ubigeo"])
        # the complete ranking, with the Monte Carlo's probabilities
        mine = table.set_index("ubigeo")["p_selected"]
        ref = dci_ranking.set_index("ubigeo").loc[mine.index, "p_selected"]
        assert (mine - ref).abs().max() < 1e-9
    elif fmt == "Excel (XLSX)":
        book = openpyxl.load_workbook(path)
        assert {"distritos", "metodologia"} <= set(book.sheetnames)
        sheet = book["distritos"]
        assert sheet.max_row - 1 == rows  # one header row, then a district per row
        assert sheet.cell(1, 1).value == "Puesto" and sheet.cell(1, 2).value == "Ubigeo"
        assert sheet.cell(2, 2).value == first and sheet.cell(2, 1).value == 1
        assert "campos" in book.sheetnames
        method = {r[0]: r[1] for r in book["metodologia"].iter_rows(values_only=True)}
        assert method["Escenario"] == "MIDIS desnutrición crónica"
        assert method["Distritos en el archivo"] == str(rows)
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


def test_upload_with_bad_codes_shows_the_join_report_in_spanish(session, tmp_path):
    page, _ = session
    upload = tmp_path / "tasas.csv"
    # three 2017 district codes and one that is no district at all; 150101 and 250204 are
    # other districts in RENIEC numbering: the names tell the join which numbering this is
    upload.write_text("ubigeo,distrito,tasa\n010101,Chachapoyas,12.5\n150101,Lima,30.0\n"
                      "999999,Inventado,7.0\n250204,Yurúa,4.0\n", encoding="utf-8")
    open_page(page, "Datos")
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
    assert metrics["Distritos sin fila"] == f"1{NBSP}871"
    report = " ".join(page.locator("[data-testid=stText]").all_inner_texts())
    assert report.startswith("4 filas leídas por la columna «ubigeo» (códigos INEI): 3 "
                             "emparejadas")
    assert "--scheme" not in report and "matched" not in report
    assert page.locator("[data-testid=stException]").count() == 0


def test_weight_change_changes_the_ranking_and_the_map(server, browser, tmp_path):

    context, page = new_session(browser, server)
    try:
        settle(page)
        before_token = token(page)
        colours_before = fill_colours(page)
        mark = map_mark(page)

        slider = page.get_by_role("slider", name=ANEMIA)
        slider.focus()
        page.keyboard.press("End")  # anemia from 20% to the slider's maximum, 100%
        assert slider.get_attribute("aria-valuetext") == "100%"
        time.sleep(1.0)  # the slider sends its value debounced: let it land before applying
        wait_idle(page)
        modified = "Anemia en niños de 6 a 35 meses 2022 (suavizada) · modificado"
        assert page.get_by_text(modified).count() == 1
        apply(page)

        after_token = wait_for(lambda: token(page) != before_token and token(page),
                               timeout=90, what="a new scenario in the URL")
        assert wait_for(lambda: redrawn(page, mark), timeout=120,
                        what="the map redrawn") == N_DISTRICTS
        wait_idle(page)
        changed = sum(a != b for a, b in zip(colours_before, fill_colours(page), strict=True))
        assert changed > 0

        new = Scenario.from_token(after_token)
        assert new.name == "dci (modificado)"
        assert new.weights["anemia_6_35m_2022_eb"] == 1.0
        assert {k: v for k, v in new.weights.items() if k != "anemia_6_35m_2022_eb"} == {
            k: v for k, v in Scenario.from_token(before_token).weights.items()
            if k != "anemia_6_35m_2022_eb"}

        settle(page)
        open_page(page, "Ranking")
        (tmp_path / "after").mkdir()
        path = download(page, "CSV", tmp_path / "after")
        assert path.name == "geoprio_midis_desnutricion_cronica_modificado.csv"
        after = read_spanish_csv(path)
        old_rank, new_rank = expected_ranking(before_token), expected_ranking(after_token)
        def top(ranked, n=20):
            return ranked.dropna(subset=["rank"]).sort_values("rank")["ubigeo"].head(n).tolist()

        assert after["ubigeo"].head(20).tolist() == top(new_rank)  # the list the engine gives
        assert top(new_rank) != top(old_rank)  # and the weight change moved the top 20
        assert page.locator("[data-testid=stException]").count() == 0
    finally:
        context.close()


def test_preset_switch_then_aplicar_applies_the_preset(server, browser):
    """Issue 12's blocker: after "FONIE", "Aplicar" applied DCI's shared weights."""
    context, page = new_session(browser, server)
    try:
        choose_preset(page, "FONIE (servicios básicos)")
        fonie = Scenario.preset("fonie")
        wait_for(lambda: Scenario.from_token(token(page)) == fonie, timeout=60,
                 what="FONIE in the URL")
        sliders = [s for s in page.locator("[data-testid=stSidebar]").get_by_role("slider").all()
                   if (s.get_attribute("aria-valuetext") or "").endswith("%")]
        assert len(sliders) == len(fonie.weights)
        assert {s.get_attribute("aria-valuetext") for s in sliders} == {"20%"}
        apply(page)  # without touching anything
        wait_idle(page)
        assert Scenario.from_token(token(page)) == fonie
        assert page.get_by_text("modificado").count() == 0
        # one control moved: it says so, and so does the applied scenario
        slider = page.get_by_role("slider", name=POVERTY)
        slider.focus()
        page.keyboard.press("End")
        time.sleep(1.0)
        wait_idle(page)
        assert page.get_by_text(re.compile(r"Pobreza monetaria 2018 · modificado")).count()
        assert page.get_by_text("Hay cambios sin aplicar: pulse «Aplicar».").count() == 1
        apply(page)
        wait_for(lambda: Scenario.from_token(token(page)).name == "fonie (modificado)",
                 timeout=60, what="the modified scenario in the URL")
        wait_idle(page)
        assert page.get_by_text("Hay cambios sin aplicar: pulse «Aplicar».").count() == 0
    finally:
        context.close()


def _fold(text: str) -> str:
    norm = unicodedata.normalize("NFKD", text)
    return "".join(c for c in norm if not unicodedata.combining(c)).casefold()


def test_search_ignores_accents_and_the_link_keeps_it(server, browser):
    # the address says: Ranking page, every district, searching "rio tambo" without accents
    context, page = new_session(browser, server, "ranking?solo=false&buscar=rio%20tambo")
    try:
        assert page.locator(".st-key-buscar input").input_value() == "rio tambo"
        table = geoprio.load_districts()
        hay = (table["district"] + " " + table["province"] + " " + table["department"]).map(
            _fold)
        want = int((hay.str.contains("rio") & hay.str.contains("tambo")).sum())
        assert want >= 1  # RÍO TAMBO (Satipo, Junín) at least
        assert shown_rows(page) == want
        page.locator(".st-key-buscar input").fill("Yurúa")
        page.keyboard.press("Enter")
        wait_idle(page)
        assert shown_rows(page) == 1  # the data write YURUA
        assert query(page)["buscar"] == "Yurúa"  # and the address keeps the new search
    finally:
        context.close()


def test_a_link_opens_the_same_map(server, browser):
    context, page = new_session(browser, server, "?mapa=poverty_2018&clases=7")
    try:
        settle(page)
        legend = map_frame(page).evaluate("() => document.getElementById('legend').innerText")
        assert legend.startswith("Pobreza monetaria 2018 (%, 2018)")
        assert len([r for r in legend.splitlines() if "–" in r]) == 7
        assert query(page)["mapa"] == "poverty_2018" and query(page)["clases"] == "7"
    finally:
        context.close()


def test_a_click_on_the_map_opens_the_district(server, browser):
    context, page = new_session(browser, server)
    try:
        ids = map_frame(page).evaluate("() => window.geoprioLayer.getLayers().length")
        assert ids == N_DISTRICTS
        order = list(geoprio.load_districts(display=True)["ubigeo"])
        i = order.index("120608")  # Río Tambo
        map_frame(page).evaluate(
            f"() => {{ const l = window.geoprioLayer.getLayers().find(x => x.feature.id === {i});"
            f" l.fire('click', {{latlng: l.getBounds().getCenter()}}, true); }}")
        link = page.get_by_role("link", name=re.compile("Ver la ficha del distrito"))
        link.wait_for(timeout=60_000)
        link.click()
        wait_idle(page)
        assert "/distrito" in page.url and query(page)["distrito"] == "120608"
        page.get_by_role("heading", name=re.compile(r"\(120608\)")).wait_for(timeout=60_000)
    finally:
        context.close()


@pytest.mark.parametrize("name", ["Mapa", "Ranking", "Comparar", "Presupuesto", "Conglomerados",
                                  "Distrito", "Datos"])
def test_spanish_page_shows_no_raw_id_and_no_english_sentence(session, name):
    """What a planner reads on each Spanish page (the visible text of the whole page)."""
    from tests.test_app import ENGLISH, _raw

    page, _ = session
    open_page(page, name)
    settle(page)
    if name == "Conglomerados":
        page.get_by_text("Tipologías de distritos").first.wait_for(timeout=60_000)
        wait_idle(page)
    text = page.locator("body").inner_text()
    frames = child_frames(page)
    for frame in frames:  # the maps' legends and captions
        try:
            text += "\n" + frame.locator("body").inner_text(timeout=5_000)
        except Exception:  # a frame without a body yet
            continue
    ids = set(geoprio.catalog()["id"]) | {"score", "stunted_children", "anemic_children",
                                          "poor_people", "poverty_quintile_2018"}
    problems = []
    for line in text.splitlines():
        line = line.strip()
        if not line or any(line.startswith(s) for s in STREAMLIT_OWN):
            continue
        if line == Scenario.preset("dci").rule:  # the rule box holds a rule
            continue
        raw = _raw(line, ids)
        english = [w for w in ENGLISH.findall(line)
                   if w.lower() not in ("english",)]  # the language switch names itself
        if raw or english:
            problems.append((line[:100], raw + english))
    assert not problems, problems
