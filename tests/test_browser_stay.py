"""The planner stays where she is while the Monte Carlo runs (issue 19, item 1).

On every page: open a link with a scenario the server has not computed (its rank intervals
come from a background job), change something on that page while the draws run, wait for the
job to finish and the page to be drawn again; the page, its address and its widgets are still
hers. In Debian's Chromium at 1366×768, as the planners' laptops.
"""

from __future__ import annotations

import os
import re
import time
import urllib.parse

import pytest

from app.runtime.localserver import CHROMIUM, wait_for, wait_idle

if not CHROMIUM.exists() and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} not found (browser tests run in CI, where it is installed)",
                allow_module_level=True)
if not os.environ.get("CI"):
    pytest.importorskip("playwright.sync_api")

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from test_browser import query

from geoprio.engine.scenario import Scenario

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
COMPUTING = re.compile("Calculando la incertidumbre")


def slow_scenario(top_n: int) -> str:
    """A DCI variant no one has computed yet; 10,000 draws give the page time to be used."""
    return Scenario.preset("dci").replace(top_n=top_n, n_draws=10_000).to_token()


def open_link(browser, server: str, path: str):
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(server + path, timeout=90_000)
    page.locator("h1").first.wait_for(timeout=90_000)
    wait_for(lambda: page.get_by_text(COMPUTING).count() > 0, timeout=60,
             what="the rank intervals being computed")
    return context, page


def until_done(page) -> None:
    """The draws finished and the page drawn again with them."""
    wait_for(lambda: page.get_by_text(COMPUTING).count() == 0, timeout=180,
             what="the rank intervals filled in")
    wait_idle(page, quiet=1.5)


def path_of(page) -> str:
    return urllib.parse.urlparse(page.evaluate("() => location.href")).path.strip("/")


def pick(page, label: str, option: str) -> None:
    """Choose ``option`` in the select box named ``label``."""
    box = page.get_by_role("combobox", name=label)
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):
        box.click()
        try:
            choice.wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    choice.click()


def shown_value(page, key: str) -> str:
    """What the widget of session key ``key`` shows."""
    return page.locator(f".st-key-{key} input").first.input_value().strip()


def test_ranking_keeps_its_search_while_the_draws_run(server, browser):
    context, page = open_link(browser, server, f"ranking?s={slow_scenario(301)}")
    try:
        box = page.get_by_placeholder(re.compile("Yurúa"))
        box.fill("junin")
        box.press("Enter")
        until_done(page)
        assert path_of(page) == "ranking"
        assert page.get_by_placeholder(re.compile("Yurúa")).input_value() == "junin"
        assert query(page)["buscar"] == "junin"
        assert page.get_by_text("Puesto p5").count() >= 1  # the intervals are there
    finally:
        context.close()


def test_the_map_keeps_its_indicator(server, browser):
    context, page = open_link(browser, server, f"?s={slow_scenario(302)}")
    try:
        pick(page, "Mapa de", "Pobreza monetaria 2018")
        until_done(page)
        assert path_of(page) == ""
        assert query(page)["mapa"] == "poverty_2018"
        assert shown_value(page, "mapa").startswith("Pobreza monetaria 2018")
    finally:
        context.close()


def test_the_district_page_keeps_its_district(server, browser):
    context, page = open_link(browser, server, f"distrito?s={slow_scenario(303)}")
    try:
        box = page.get_by_role("textbox", name=re.compile("^Buscar un distrito"))
        box.fill("120101")
        box.press("Enter")
        until_done(page)
        assert path_of(page) == "distrito"
        assert query(page)["distrito"] == "120101"
        assert page.get_by_role("heading", name=re.compile("HUANCAYO")).count() >= 1
    finally:
        context.close()


@pytest.mark.parametrize(("path", "heading"), [
    ("comparar", "Escenario A"), ("presupuesto", "Presupuesto"),
    ("conglomerados", "Análisis"), ("datos", "Catálogo")])
def test_every_other_page_stays(server, browser, path, heading):
    top_n = 310 + ["comparar", "presupuesto", "conglomerados", "datos"].index(path)
    context, page = open_link(browser, server, f"{path}?s={slow_scenario(top_n)}")
    try:
        until_done(page)
        assert path_of(page) == path
        assert page.get_by_text(re.compile(heading)).count() >= 1
    finally:
        context.close()


def test_aplicar_on_the_ranking_page_stays_there(server, browser):
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    try:
        page.goto(server + "ranking", timeout=90_000)
        page.locator("h1").first.wait_for(timeout=90_000)
        wait_idle(page)
        box = page.get_by_placeholder(re.compile("Yurúa"))
        # a rerun (the first draws ending) may briefly show the old box beside the new one
        wait_for(lambda: box.count() == 1, timeout=60, what="one search box")
        box.fill("ayacucho")
        box.press("Enter")
        wait_idle(page)
        n = page.locator("[data-testid=stSidebar]").get_by_role("spinbutton",
                                                                 name="N distritos")
        n.fill("137")
        n.press("Enter")
        time.sleep(0.5)
        page.locator("[data-testid=stSidebar]").get_by_role("button", name="Aplicar").click()
        wait_for(lambda: page.get_by_text(COMPUTING).count() > 0, timeout=60,
                 what="the new scenario's draws")
        until_done(page)
        assert path_of(page) == "ranking"
        assert page.get_by_placeholder(re.compile("Yurúa")).input_value() == "ayacucho"
        assert Scenario.from_token(query(page)["s"]).top_n == 137
    finally:
        context.close()
