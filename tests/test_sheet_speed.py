"""The ZIP of sheets made faster (issue 24) gives the bytes the plain route gives.

Every shortcut is checked against the route it replaces: fonts copied from a template
against fpdf2's own ``add_font``; a department's map and trend chart redrawn for its next
district against a figure drawn from scratch; paragraphs wrapped once against wrapping in
every sheet; sheets drawn in worker processes against sheets drawn here.
"""

from __future__ import annotations

import io
import os
import zipfile

import pytest

import geoprio
from geoprio.engine.scenario import Scenario
from geoprio.report import pdffonts, sheet
from geoprio.report.sheet import district_sheet, district_sheets
from geoprio.report.workers import WorkerError, ordered_map


@pytest.fixture(scope="module")
def dci(districts):
    return geoprio.prioritize(districts, Scenario.preset("dci").replace(n_draws=0))


def members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def cold(monkeypatch) -> None:
    """No kept wrapping, measure or font subset: every sheet from scratch."""
    monkeypatch.setattr(sheet, "_WRAPS", sheet._Kept(0))
    monkeypatch.setattr(sheet, "_FITS", sheet._Kept(0))
    monkeypatch.setattr(pdffonts, "_SUBSETS_KEPT", 0)


def test_copied_fonts_give_the_bytes_of_add_font(tmp_path, dci, monkeypatch):
    fast = district_sheet("010102", tmp_path / "a.pdf", result=dci).read_bytes()

    def add_font_each_time(pdf, fonts):
        for family, style, path in fonts:
            pdf.add_font(family, style, str(path))

    monkeypatch.setattr(sheet, "add_fonts", add_font_each_time)
    cold(monkeypatch)
    plain = district_sheet("010102", tmp_path / "b.pdf", result=dci).read_bytes()
    assert fast == plain
    assert fast.count(b"/FontFile2") == 2  # both fonts embedded, as subsets


def test_a_department_drawn_again_gives_each_district_its_own_sheet(tmp_path, dci, districts,
                                                                    monkeypatch):
    # five districts of Amazonas in one ZIP: the map and chart of the department are kept
    # and redrawn for each; each member must be the sheet drawn alone, from scratch
    codes = ["010101", "010102", "010103", "010104", "010105"]
    chosen = dci.assign(selected=dci["ubigeo"].isin(codes))
    zipped = members(district_sheets(chosen, tmp_path / "f.zip", districts=districts,
                                     workers=1))
    cold(monkeypatch)
    alone = {}
    for code in codes:
        alone[code] = district_sheet(code, tmp_path / f"{code}.pdf", result=chosen,
                                     districts=districts).read_bytes()
    by_code = {name.split("_")[1]: data for name, data in zipped.items() if name != "indice.csv"}
    assert set(by_code) == set(codes)
    for code in codes:
        assert by_code[code] == alone[code], code
    # an HTML sheet keeps its PNG figures, redrawn the same way
    html = members(district_sheets(chosen, tmp_path / "h.zip", districts=districts, fmt="html",
                                   workers=1))
    page = next(v for k, v in html.items() if "_010105_" in k)
    assert page == district_sheet("010105", tmp_path / "h.html", result=chosen,
                                  districts=districts).read_bytes()


def test_workers_draw_the_same_zip(tmp_path, dci, districts):
    chosen = dci.assign(selected=(dci["rank"] <= 6).fillna(False).astype(bool))
    here = district_sheets(chosen, tmp_path / "here.zip", districts=districts, workers=1)
    there = district_sheets(chosen, tmp_path / "there.zip", districts=districts, workers=2)
    assert there.read_bytes() == here.read_bytes()
    assert len(members(there)) == 7


def test_a_stopped_zip_stops_its_workers(tmp_path, dci, districts):
    chosen = dci.assign(selected=(dci["rank"] <= 8).fillna(False).astype(bool))
    seen = []

    def progress(done, total):
        seen.append(done)
        if done == 2:
            raise RuntimeError("cancelled")

    before = set(os.listdir("/proc")) if os.path.isdir("/proc") else set()
    with pytest.raises(RuntimeError, match="cancelled"):
        district_sheets(chosen, tmp_path / "s.zip", districts=districts, workers=2,
                        progress=progress)
    assert seen == [0, 1, 2]
    if before:  # no child of ours is left running
        mine = str(os.getpid())
        for pid in set(os.listdir("/proc")) - before:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    assert f.read().split()[3] != mine
            except FileNotFoundError:
                pass


def test_a_worker_failure_is_one_clear_error(dci, districts):
    frame = districts.drop(columns="geometry")
    with pytest.raises(WorkerError, match="KeyError: '999999'"):
        list(ordered_map(("geoprio.report.sheet", "_renderer",
                          (frame, dci, None, "es", ".pdf")), ["010102", "999999"], 2))
    with pytest.raises(geoprio.errors.GeoprioError, match="geoprio's own functions"):
        list(ordered_map(("os", "system", ("true",)), ["x"], 1))


def test_workers_are_counted_from_the_cores_and_bounded():
    assert sheet._workers(None, 10) == 1  # few sheets: starting processes costs more
    cores = len(os.sched_getaffinity(0))
    assert sheet._workers(None, 375) == min(cores, sheet.MAX_WORKERS)
    assert sheet._workers(64, 375) == sheet.MAX_WORKERS
    with pytest.raises(geoprio.errors.GeoprioError, match="positive integer"):
        sheet._workers(0, 375)


def test_pixels_handed_to_the_pdf_are_the_png_pixels():
    from PIL import Image

    from geoprio.decide.monitoring import stunting_trend

    trend = stunting_trend("150101")
    png = sheet._trend_png(trend, sheet._T["es"], "Lima")
    ctx = type("Ctx", (), {"png": False, "cache": {}})()
    pixels = sheet._trend_png(trend, sheet._T["es"], "Lima", ctx)
    decoded = Image.open(io.BytesIO(png))
    assert decoded.size == pixels.size == (1110, 300)
    assert decoded.convert("RGBA").tobytes() == pixels.tobytes()
