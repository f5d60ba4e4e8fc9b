"""The app under attack in Debian's Chromium and over raw HTTP (issue 13, "The app under attack").

- What the server hands out over HTTP: Streamlit's static folder (``static/``: the map's
  geometry, geoprio's decoder and Leaflet, nothing else), the map component's folder and the
  front end; no path traversal (``/../``, ``%2e%2e``, ``%2f``, absolute paths, a symlink planted
  in the static folder) ever returns a file's content: a secret written outside the served
  folders is never in a response.
- A hostile upload (an OGR VRT named ``.gpkg`` pointing at that secret, a workbook whose used
  range reaches the last cell, a zip bomb) gives one line on the page; the server keeps running
  and a second session still draws the map.
- A scenario name from a link that is a Markdown link and an HTML tag shows as text: no ``<a>``
  to the other site and no ``<img>`` in the page.

Marked ``browser`` and skipped like ``tests/test_browser.py`` (same fixtures pattern: one
Streamlit server and one Chromium for the module).
"""

from __future__ import annotations

import http.client
import os
import re
import uuid
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

from app.runtime.localserver import CHROMIUM, app_server, wait_for, wait_idle

ROOT = Path(__file__).resolve().parents[1]
BAD = Path(__file__).resolve().parent / "data" / "bad"
IN_CI = bool(os.environ.get("CI"))

if not CHROMIUM.exists() and not IN_CI:
    pytest.skip(f"{CHROMIUM} not found (browser tests run in CI, where it is installed)",
                allow_module_level=True)
if not IN_CI:
    pytest.importorskip("playwright.sync_api")

from playwright.sync_api import Page  # noqa: E402

from geoprio.engine.scenario import Scenario  # noqa: E402

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1400, "height": 1000}
N_DISTRICTS = 1874
SECRET = "TOPSECRET-" + uuid.uuid4().hex[:12]
STATIC = ROOT / "static"
COMPONENT = "/component/app.widgets.map_component.district_map"
#: what Streamlit's static folder may hold: the map's files and Leaflet (app/runtime/state.py),
#: and the README that says so (tracked in git, public text)
STATIC_FILES = re.compile(r"^(?:README\.md|leaflet\.js|leaflet\.css|"
                          r"geoprio-decoder\.[0-9a-f]{16}\.js|districts\.[0-9a-f]{16}\.json)$")


# ---------------------------------------------------------------------------- helpers
def drawn_districts(page: Page) -> int | None:
    """Districts drawn by the district map component (None while not drawn)."""
    # page.frames is a cached list, updated only when Playwright's event loop runs: a sleep
    # between polls never runs it, so an iframe attached after goto() would never be seen
    page.wait_for_timeout(1)
    for frame in page.frames:
        if "district_map" not in frame.url:
            continue
        try:
            n = frame.evaluate("() => window.geoprioLayer ? "
                               "window.geoprioLayer.getLayers().length : null")
        except Exception:  # a frame (re)loading: try the next one
            continue
        if n:
            return n
    return None


def new_session(browser, server: str, path: str = ""):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(server + path, timeout=90_000)
    page.locator("h1").first.wait_for(timeout=90_000)
    wait_idle(page)
    return context, page


def get(server: str, path: str) -> tuple[int, bytes]:
    """``GET path`` sent byte for byte (no client-side normalisation of ``..`` or ``%2e``)."""
    url = urlparse(server)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def open_page(page: Page, name: str) -> None:
    page.get_by_role("link", name=re.compile(rf"{name}$")).first.click()
    wait_idle(page)


# ---------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def secrets(tmp_path_factory):
    """Secret files outside every served folder: beside the app (reachable by ``../`` from
    ``static/`` and from the component's folder) and in a temporary folder (absolute path)."""
    outside = tmp_path_factory.mktemp("server") / "secreto.txt"
    outside.write_text(SECRET + "\n")
    beside = ROOT / f"secreto-{SECRET}.txt"
    beside.write_text(SECRET + "\n")
    yield beside, outside
    beside.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory, secrets):
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with app_server(log=log) as (base, proc, _log):
        yield base, proc




@pytest.fixture(scope="module")
def first(server, browser):
    """One session on the map (it fills the static folder), kept for the module."""
    base, _ = server
    context, page = new_session(browser, base)
    wait_for(lambda: drawn_districts(page) == N_DISTRICTS, timeout=120, what="the map")
    yield page
    context.close()


# ---------------------------------------------------------------------- static server
def test_static_folder_holds_only_the_map_files_and_leaflet(server, first):
    base, _ = server
    names = sorted(p.name for p in STATIC.iterdir() if not p.name.startswith("."))
    assert names and all(STATIC_FILES.match(n) for n in names), names
    for name in names:  # each is served, with its own bytes
        status, body = get(base, f"/app/static/{name}")
        assert status == 200 and body == (STATIC / name).read_bytes(), name


@pytest.mark.parametrize("template", [
    "/app/static/../{beside}",
    "/app/static/%2e%2e/{beside}",
    "/app/static/%2E%2E%2F{beside}",
    "/app/static/..%2f{beside}",
    "/app/static/..%5c{beside}",
    "/app/static/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/app/static/../../../../../../../../etc/passwd",
    "/app/static//{outside_abs}",
    "/app/static/%2f{outside_abs_enc}",
    "/app/static/{outside_abs_enc}",
    "/app/static/%00../{beside}",
    "/app/static/....//{beside}",
    "/app/static/link-{secret}",
    COMPONENT + "/../../{beside}",
    COMPONENT + "/%2e%2e/%2e%2e/{beside}",
    COMPONENT + "/..%2f..%2f{beside}",
    COMPONENT + "//{outside_abs}",
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/../../{beside}",
    "/media/../{beside}",
    "/{beside}",
])
def test_no_path_outside_the_served_folders_is_ever_served(server, first, secrets, template):
    base, proc = server
    beside, outside = secrets
    link = STATIC / f"link-{SECRET}"  # a symlink planted in the static folder
    link.unlink(missing_ok=True)
    link.symlink_to(outside)
    try:
        path = template.format(beside=beside.name, secret=SECRET,
                               outside_abs=str(outside).lstrip("/"),
                               outside_abs_enc=str(outside).replace("/", "%2f"))
        status, body = get(base, path)
    finally:
        link.unlink(missing_ok=True)
    assert SECRET.encode() not in body, (path, status)
    assert b"root:x:0:0" not in body, (path, status)
    # refused, or Streamlit's own index page for an unknown route: never a file's content
    index = get(base, "/")[1]
    assert status in (400, 403, 404) or (status == 200 and body == index), (path, status)
    assert proc.poll() is None


# --------------------------------------------------------------------- hostile uploads
def _upload(page: Page, key: str, path: Path) -> str:
    """Upload ``path`` with the uploader ``key``; the error line the page shows."""
    files = page.locator(f".st-key-{key} input[type=file]")
    files.wait_for(state="attached", timeout=60_000)
    files.set_input_files(str(path))
    alert = page.locator("[data-testid=stAlertContentError]").filter(
        has_text="No se pudo leer el archivo")
    alert.first.wait_for(timeout=90_000)
    wait_idle(page)
    return alert.first.inner_text()


def test_after_hostile_uploads_a_second_session_still_draws_the_map(server, browser, secrets,
                                                                     tmp_path):
    base, proc = server
    _, outside = secrets
    vrt = tmp_path / "distritos.gpkg"  # an OGR VRT naming the secret as its source
    vrt.write_text(f"""<OGRVRTDataSource><OGRVRTLayer name="secreto">
  <SrcDataSource>CSV:{outside}</SrcDataSource><GeometryType>wkbPolygon</GeometryType>
</OGRVRTLayer></OGRVRTDataSource>""")
    bomb = tmp_path / "bomba.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("distritos.dbf", "w") as member:
            for _ in range(40):
                member.write(bytes(2**20))
        zf.writestr("distritos.shp", b"")
        zf.writestr("distritos.shx", b"")
    last = tmp_path / "last_cell.xlsx"
    last.write_bytes((BAD / "last_cell.xlsx").read_bytes())
    context, page = new_session(browser, base)
    try:
        open_page(page, "Datos")
        lines = []
        for key, path in (("up_bounds", vrt), ("up_table", last), ("up_bounds", bomb)):
            page.reload()  # a fresh page each time: the one error line on it is this file's
            page.locator("h1").first.wait_for(timeout=90_000)
            wait_idle(page)
            lines.append(_upload(page, key, path))
            assert page.locator("[data-testid=stAlertContentError]").count() == 1
        for line in lines:
            assert "\n" not in line.strip() and "Traceback" not in line
            assert "/tmp" not in line and SECRET not in line
        body = page.locator("body").inner_text()
        assert SECRET not in body and "Traceback" not in body
        assert page.locator("[data-testid=stException]").count() == 0
        assert proc.poll() is None  # the server process is alive
        other, second = new_session(browser, base)  # another planner, meanwhile
        try:
            wait_for(lambda: drawn_districts(second) == N_DISTRICTS, timeout=120,
                     what="the second session's map")
        finally:
            other.close()
    finally:
        context.close()


# ---------------------------------------------------------------------- text is text
def test_a_link_name_with_a_link_and_a_tag_shows_as_text(server, browser):
    base, _ = server
    name = "[Sesión expirada: haga clic aquí](http://evil.example) <img src=x onerror=alert(1)>"
    token = Scenario.preset("dci").replace(name=name, n_draws=0).to_token()
    context, page = new_session(browser, base, f"?s={token}")
    try:
        page.get_by_text("Sesión expirada").first.wait_for(timeout=60_000)
        assert page.locator("a[href*='evil.example']").count() == 0
        assert page.locator("img[src='x']").count() == 0
        text = page.locator("[data-testid=stMain]").inner_text().replace("\u2060", "")
        assert name in text  # read exactly as the link wrote it
    finally:
        context.close()

