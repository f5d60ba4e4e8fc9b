"""Take the documents' screenshots from the real app in Debian's Chromium.

Run from the repository root: ``python docs/screenshots.py``. It starts the app on a free
local port, waits for the map (and for the Monte Carlo to fill the page in), and writes
``docs/img/app-map.png`` (README) and the user guide's ``docs/img/guia-*.png``.
``python docs/screenshots.py --decide`` takes only the decision views' images (issue 16:
``guia-brechas.png``, ``guia-ficha.png``, ``guia-comparar.png``, ``guia-presupuesto.png``);
``--geoda`` only GeoDa's views (``guia-geoda-mapas.png``, ``guia-geoda-moran.png``). It uses
Playwright for Python with ``/usr/bin/chromium`` (``apt-get install chromium``); it never
downloads a browser.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img"
sys.path.insert(0, str(ROOT))  # run as a script: make the repository's app/ importable
from app.runtime.localserver import CHROMIUM, CHROMIUM_ARGS, app_server, child_frames, wait_idle  # noqa: E402


def wait_for_map(page: Page, timeout: float = 120) -> None:
    """Until some frame of the page has drawn the 1,874 districts."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for frame in child_frames(page):
            try:
                if frame.evaluate("window.geoprioLayer ? "
                                  "window.geoprioLayer.getLayers().length : 0") == 1874:
                    return
            except Exception:  # frame navigating or detached: try the next one
                continue
        time.sleep(0.5)
    raise TimeoutError("the map did not draw 1,874 districts")


def shoot(page: Page, name: str) -> None:
    time.sleep(1.5)
    page.screenshot(path=str(IMG / name))
    print("wrote", IMG / name)


def open_page(page: Page, name: str) -> None:
    """Click a page's link in the navigation bar and let its run end."""
    page.get_by_role("link", name=re.compile(rf"{name}$")).first.click()
    wait_idle(page)


def settled(page: Page) -> None:
    """Until the background Monte Carlo has filled in the page."""
    end = time.monotonic() + 120
    while page.get_by_text(re.compile("Calculando la incertidumbre")).count():
        if time.monotonic() > end:
            raise TimeoutError("the Monte Carlo did not finish")
        time.sleep(0.25)
    wait_idle(page)


def decide_views(page: Page) -> None:
    """The decision views (issue 16): FONIE gaps, the district sheet, Comparar, Presupuesto."""
    open_page(page, "Mapa")
    page.get_by_text("Brechas simultáneas FONIE", exact=True).first.click()
    wait_idle(page)
    wait_for_map(page)
    shoot(page, "guia-brechas.png")
    page.get_by_text("Brechas simultáneas FONIE", exact=True).first.click()  # back to the map
    wait_idle(page)
    open_page(page, "Distrito")
    page.get_by_text("Ficha (PDF)").first.wait_for(timeout=60_000)
    shoot(page, "guia-ficha.png")
    open_page(page, "Comparar")
    page.get_by_text("Correlación (Spearman)").first.wait_for(timeout=120_000)
    wait_idle(page)
    shoot(page, "guia-comparar.png")
    open_page(page, "Presupuesto")
    page.get_by_role("button", name="Calcular la frontera").click()
    page.get_by_text("Punto de la curva").first.wait_for(timeout=180_000)
    wait_idle(page)
    page.mouse.move(700, 600)
    page.mouse.wheel(0, 350)
    shoot(page, "guia-presupuesto.png")


def geoda_views(page: Page) -> None:
    """GeoDa's views on the Conglomerados page (issue 12): cluster and significance maps, the
    Moran scatterplot."""
    open_page(page, "Conglomerados")
    page.get_by_text("Puntos calientes", exact=True).first.click()
    wait_idle(page)
    page.get_by_text("Conglomerados y significancia", exact=True).first.wait_for(
        timeout=180_000)
    wait_idle(page)
    time.sleep(4)  # the two folium maps draw in their frames (no wheel here: it would zoom)
    shoot(page, "guia-geoda-mapas.png")
    page.get_by_text("Diagrama de dispersión de Moran", exact=True).first.click()
    wait_idle(page)
    page.mouse.move(700, 300)  # over the page, not a map
    page.mouse.wheel(0, 400)
    shoot(page, "guia-geoda-moran.png")


def main() -> int:
    only_decide = "--decide" in sys.argv[1:]
    if "--geoda" in sys.argv[1:]:
        with app_server() as (url, _proc, _log), sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            wait_for_map(page)
            settled(page)
            geoda_views(page)
            browser.close()
        return 0
    with app_server() as (url, _proc, _log), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        wait_for_map(page)
        settled(page)
        if only_decide:
            decide_views(page)
            browser.close()
            return 0
        shoot(page, "app-map.png")
        shoot(page, "guia-mapa.png")
        open_page(page, "Ranking")
        shoot(page, "guia-ranking.png")
        page.get_by_text("Exportar", exact=True).first.scroll_into_view_if_needed()
        shoot(page, "guia-exportar.png")
        open_page(page, "Distrito")
        shoot(page, "guia-distrito.png")
        open_page(page, "Conglomerados")
        page.get_by_text(re.compile("tipologías")).first.wait_for(timeout=60_000)
        wait_idle(page)
        page.mouse.move(700, 150)  # over the controls: a wheel over a map would zoom it
        page.mouse.wheel(0, 500)
        shoot(page, "guia-conglomerados.png")
        geoda_views(page)
        decide_views(page)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
