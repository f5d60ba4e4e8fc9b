"""Shared fixtures: the shipped data, loaded once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GEOPRIO_SOURCES", ROOT.parent / "shared" / "peru-data"))


@pytest.fixture(scope="session")
def districts():
    """The 1,874 districts with full geometry and indicators (do not modify in a test)."""
    import geoprio

    return geoprio.load_districts()


@pytest.fixture(scope="session")
def table():
    """The district indicator table without geometry (a plain DataFrame)."""
    import pandas as pd

    import geoprio

    return pd.DataFrame(geoprio.load_districts().drop(columns="geometry"))


@pytest.fixture(scope="session")
def catalog():
    import geoprio

    return geoprio.catalog()


@pytest.fixture(scope="session")
def cat(catalog):
    """Short name for the catalog in the engine's tests."""
    return catalog


@pytest.fixture(scope="session")
def sources() -> Path:
    """The raw public sources (for build tests).

    Skipped where they are not beside the repo, except in CI (env ``CI`` set), where the
    build-equals-committed-data check must run: there a missing folder is a failure.
    """
    if not (SHARED / "indicators").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI: raw sources not found at {SHARED}; the build checks cannot run")
        pytest.skip(f"raw sources not found at {SHARED} (set GEOPRIO_SOURCES)")
    return SHARED


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``streamlit run streamlit_app.py`` on a free localhost port; its base URL (browser
    tests; one server per test module)."""
    from app.runtime.localserver import app_server

    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with app_server(log=log) as (base, _proc, _log):
        yield base


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (browser tests; one per test module)."""
    from playwright.sync_api import sync_playwright

    from app.runtime.localserver import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
