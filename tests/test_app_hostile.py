"""The app under attack (issue 13), driven by Streamlit's AppTest.

- Text from a link or a file is text: a scenario name, rule or file name is shown escaped
  (:mod:`app.texts.text`), never as a live Markdown link or HTML tag.
- A hostile ``?s=`` token (100,000 draws, 500-digit weights, deep nesting...) keeps the
  previous scenario, says so in one line, and leaves memory where it was.
- Hostile uploads from the corpus (``tests/data/bad``: VRTs disguised as ``.gpkg``/``.tif``,
  a workbook whose used range reaches the last cell, zip bombs built here) each give one line
  on the page and the app goes on.
- One session's upload never appears in another's.

The static file server (what Streamlit serves over HTTP) is checked in
``tests/test_browser_hostile.py``, which starts a real server.

Expected escaped texts are written by hand from CommonMark's rule that a backslash before any
ASCII punctuation character makes it literal.
"""

from __future__ import annotations

import base64
import gc
import io
import json
import re
import zipfile
import zlib
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest
from test_hostile import _vrt_reading as _ogr_vrt  # an OGR VRT that reads a local file

import geoprio
from app.runtime.state import jobs
from app.texts.text import JOINER, error_text, md
from geoprio.engine.scenario import Scenario
from geoprio.readers import isolated

TIMEOUT = 120
BAD = Path(__file__).resolve().parent / "data" / "bad"
LINK_NAME = "[Sesión expirada: haga clic aquí](http://evil.example)"
TAG = "<img src=x onerror=alert(1)>"
LINK_ERROR = "El enlace no trae un escenario válido"
BAD_FILE = "No se pudo leer el archivo"


def make(query: dict | None = None) -> AppTest:
    at = AppTest.from_file("../streamlit_app.py", default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    jobs().wait_all(timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def page(at: AppTest, name: str) -> AppTest:
    at.switch_page(f"app/pages/{name}.py").run()
    assert not at.exception, at.exception
    return at


def applied(at: AppTest) -> Scenario:
    value = at.query_params["s"]
    return Scenario.from_token(value[0] if isinstance(value, list) else value)


def raw_token(data) -> str:
    """A token as the app writes them (JSON, zlib, URL-safe base64), from any JSON text."""
    raw = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return base64.urlsafe_b64encode(zlib.compress(raw.encode("utf-8"), 9)).decode("ascii")


def shown(at: AppTest) -> list[str]:
    """Every text the page renders as Markdown: markdown, captions, alerts, titles, labels."""
    texts = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "title",
                 "header", "subheader"):
        texts += [str(e.value) for e in getattr(at, kind)]
    for kind in ("selectbox", "slider", "text_area", "text_input", "multiselect", "radio",
                 "number_input", "checkbox", "button"):
        texts += [str(getattr(e, "label", "")) for e in getattr(at, kind)]
    return texts


def live(text: str) -> bool:
    """Whether ``text`` holds a live Markdown link (``](`` with no backslash) or HTML tag."""
    return bool(re.search(r"(?<!\\)\]\(|(?<!\\)<[A-Za-z/!]", text))


#: characters that open an inline construct (CommonMark, GFM, Streamlit's $ and :red[...])
INLINE = set("\\`*~[]<>&$_")


def unescaped(text: str) -> list[str]:
    """Construct-opening characters in ``text`` with no backslash before them (live), and a
    block marker at its start (heading, quote, list, table)."""
    out, i = [], 0
    if re.match(r"\s*(?:[#>+=|-]|\d{1,9}[.)])", text):
        out.append(text[:3])
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            i += 2
            continue
        if text[i] in INLINE and not (
                text[i] == "_" and 0 < i < len(text) - 1 and text[i - 1].isalnum()
                and text[i + 1].isalnum()):
            out.append(text[i])
        i += 1
    return out


# ------------------------------------------------------------------------- the helper
def test_md_escapes_a_link_and_a_tag_by_hand():
    assert live(LINK_NAME) and live(TAG) and not live(md(LINK_NAME)) and not live(md(TAG))
    assert md(LINK_NAME) == ("\\[Sesión expirada: haga clic aquí\\](http:" + JOINER
                             + "//evil.example)")
    assert md(TAG) == "\\<img src=x onerror=alert(1)\\>"
    # GitHub's autolinks fire on plain text after escapes: an invisible joiner breaks them
    assert md("www.evil.example") == "www" + JOINER + ".evil.example"
    assert md("a@evil.example") == "a@" + JOINER + "evil.example"
    assert md("HTTPS://x") == "HTTPS:" + JOINER + "//x"
    # ids and labels read as themselves (an intraword _ never emphasises); one line
    assert md("cobertura_vacunacion_nino") == "cobertura_vacunacion_nino"
    assert md("Cobertura vacunación niño (%)") == "Cobertura vacunación niño (%)"
    assert md("uno\ndos\r\n  tres") == "uno dos tres"
    assert md(":red[rojo] $x$ **b** `c` &amp; ~~t~~ \\") == (
        ":red\\[rojo\\] \\$x\\$ \\*\\*b\\*\\* \\`c\\` \\&amp; \\~\\~t\\~\\~ \\\\")
    # what would open a block at the start of a line
    assert [md(x) for x in ("# título", "> cita", "- ítem", "12. doce", "3) tres", "| a |")] == [
        "\\# título", "\\> cita", "\\- ítem", "12\\. doce", "3\\) tres", "\\| a |"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_md_leaves_no_live_punctuation_and_no_autolink(text):
    out = md(text, limit=10_000)
    assert not unescaped(out)
    assert "\n" not in out
    plain = re.sub(r"\\(.)", r"\1", out)  # what the reader sees (escapes resolved)
    assert not re.search(r"(?i)https?://|www\.|@[-\w]", plain)
    # whitespace collapsed to one space, except the no-break spaces of numbers ("1 874")
    words = [w for w in re.split(r"[^\S\u00a0\u202f]+", text) if w]
    assert plain.replace(JOINER, "") == " ".join(words)


def test_error_text_is_one_line_without_server_paths():
    exc = ValueError("/tmp/geoprio_up_81x/raster.tif: not\na GeoTIFF\n  File \"x.py\"")
    assert error_text(exc, "es") == 'raster.tif: not a GeoTIFF File "x.py"'
    assert len(error_text("x" * 5000, "es")) <= 600


# ---------------------------------------------------------------- text from a link is text
def test_a_link_scenario_name_is_shown_as_text_not_as_a_link():
    evil = f"{LINK_NAME} {TAG}"
    s = Scenario.preset("dci").replace(name=evil, n_draws=0)
    at = make({"s": s.to_token()})
    texts = shown(at)
    line = next(x for x in texts if x.startswith("**Escenario:**"))
    assert line == "**Escenario:** " + md(evil)
    assert "\\[Sesión expirada: haga clic aquí\\](http:" + JOINER + "//evil.example)" in line
    for text in texts:  # no live link or tag anywhere on the page
        assert not live(text), text
    assert applied(at).name == evil  # the scenario itself is kept as the link gave it


def test_an_error_quoting_the_link_is_escaped():
    s = Scenario.preset("dci").to_dict()
    s["weights"] = {f"{LINK_NAME}{TAG}": 1.0}  # not an indicator: refused, quoting the id
    at = make({"s": raw_token(s)})
    errors = [e.value for e in at.sidebar.error]
    assert len(errors) == 1 and errors[0].startswith(LINK_ERROR)
    assert "Sesión expirada" in errors[0]
    assert not live(errors[0])
    assert "\\[Sesión expirada: haga clic aquí\\](http:" + JOINER + "//evil.example)" in errors[0]
    assert applied(at) == Scenario.preset("dci")


def test_a_rule_from_a_link_in_the_district_reasons_is_escaped():
    rule = "poverty_2018 >= 0 or vraem"
    s = Scenario.preset("dci").replace(rule=rule, n_draws=0, name=LINK_NAME)
    at = page(make({"s": s.to_token()}), "distrito")
    assert not any(live(x) for x in shown(at))


# -------------------------------------------------------------------- hostile tokens
def _dci() -> dict:
    return Scenario.preset("dci").to_dict()


HOSTILE_TOKENS = {
    "100000_draws": lambda: raw_token({**_dci(), "n_draws": 100_000}),
    "10_million_draws": lambda: raw_token({**_dci(), "n_draws": 10_000_000}),
    "500_digit_weights": lambda: raw_token({**_dci(), "weights": {
        k: int("9" * 500) for k in _dci()["weights"]}}),
    "500_digit_top_n": lambda: raw_token({**_dci(), "top_n": int("9" * 500)}),
    "weights_all_zero": lambda: raw_token({**_dci(), "weights": {
        k: 0 for k in _dci()["weights"]}}),
    "deep_json": lambda: raw_token('{"name":' + "[" * 100_000 + "]" * 100_000 + "}"),
    "deep_field": lambda: raw_token({**_dci(), "description": json.loads("[" * 60 + "]" * 60)}),
    "huge_list": lambda: raw_token({**_dci(), "departments": ["LIMA"] * 300_000}),
    "deep_rule": lambda: raw_token({**_dci(), "rule": "(" * 5000 + "vraem" + ")" * 5000}),
    "not_base64": lambda: "%%%" + "A" * 50,
    "too_long": lambda: "A" * 200_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TOKENS))
def test_a_hostile_link_keeps_the_scenario_and_says_so_in_one_line(name):
    at = make({"s": HOSTILE_TOKENS[name]()})
    errors = [e.value for e in at.sidebar.error]
    assert len(errors) == 1, errors
    assert errors[0].startswith(LINK_ERROR)
    assert "\n" not in errors[0] and len(errors[0]) < 900
    assert "Traceback" not in errors[0] and "/tmp" not in errors[0]
    assert not at.main.error  # the page itself draws: only the sidebar's one line
    assert applied(at) == Scenario.preset("dci")
    page(at, "ranking")  # and the app goes on
    assert any("reasons" in df.value.columns for df in at.dataframe)


def _rss() -> int:
    """Resident memory of this process in bytes (/proc/self/statm: pages)."""
    import os

    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_hostile_links_leave_memory_where_it_was():
    make()  # caches warm: what stays is the process's level
    gc.collect()
    before = _rss()
    for name in ("100000_draws", "10_million_draws", "500_digit_weights", "deep_json",
                 "huge_list"):
        at = make({"s": HOSTILE_TOKENS[name]()})
        assert applied(at) == Scenario.preset("dci")
        del at
    gc.collect()
    growth = _rss() - before
    # a 100,000-draw link used to leave the process at 7 GB: refused now, before any draw
    assert growth < 200 * 2**20, f"resident memory grew by {growth / 2**20:.0f} MB"


# ------------------------------------------------------------------- hostile uploads
def _outside_secret(tmp_path: Path) -> Path:
    secret = tmp_path / "server" / "secreto.csv"
    secret.parent.mkdir()
    secret.write_text('ubigeo,clave,WKT\n150101,TOPSECRET-7731,"POLYGON((-77.035 -12.05,'
                      '-77.025 -12.05,-77.025 -12.04,-77.035 -12.05))"\n', encoding="utf-8")
    return secret


def _zip_bomb() -> bytes:
    """40 MB of zeros as a shapefile's .dbf, about 40 KB packed (ratio 1000:1)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("distritos.dbf", "w") as member:
            zero = bytes(2**20)
            for _ in range(40):
                member.write(zero)
        zf.writestr("distritos.shp", b"")
        zf.writestr("distritos.shx", b"")
    return buf.getvalue()


def _zip_liar() -> bytes:
    """A zip whose member declares 1 GB in the central directory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("distritos.shp", b"x" * 10)
    data = bytearray(buf.getvalue())
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24:cd + 28] = (2**30).to_bytes(4, "little")
    return bytes(data)


def _xlsx_bomb() -> bytes:
    """A workbook whose sheet XML unpacks to 150 MB of blanks (about 150 KB packed)."""
    src = zipfile.ZipFile(BAD / "last_cell.xlsx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                with zf.open(item.filename, "w") as member:
                    member.write(data.replace(b"<sheetData>", b"<sheetData>", 1)[:-len(
                        b"</worksheet>")])
                    blank = b" " * 2**20
                    for _ in range(150):
                        member.write(blank)
                    member.write(b"</worksheet>")
            else:
                zf.writestr(item, data)
    return buf.getvalue()


#: uploader key -> (file name, bytes): each must give one line and nothing else
UPLOADS = {
    "ogr_vrt_as_gpkg": ("up_bounds", "distritos.gpkg", lambda tmp: _ogr_vrt(
        _outside_secret(tmp))),
    "ogr_vrt_as_geojson": ("up_bounds", "distritos.geojson",
                           lambda tmp: (BAD / "ogr_vrt_named.geojson").read_bytes()),
    "corpus_ogr_vrt_gpkg": ("up_bounds", "ogr_vrt_named.gpkg",
                            lambda tmp: (BAD / "ogr_vrt_named.gpkg").read_bytes()),
    "gdal_vrt_as_tif": ("up_raster", "gdal_vrt_named.tif",
                        lambda tmp: (BAD / "gdal_vrt_named.tif").read_bytes()),
    "truncated_tif": ("up_raster", "truncated.tif",
                      lambda tmp: (BAD / "truncated.tif").read_bytes()),
    "last_cell_xlsx": ("up_table", "last_cell.xlsx",
                       lambda tmp: (BAD / "last_cell.xlsx").read_bytes()),
    "xlsx_bomb": ("up_table", "bomba.xlsx", lambda tmp: _xlsx_bomb()),
    "zip_bomb": ("up_bounds", "bomba.zip", lambda tmp: _zip_bomb()),
    "zip_liar": ("up_bounds", "mentira.zip", lambda tmp: _zip_liar()),
    "unclosed_quote": ("up_table", "unclosed_quote.csv",
                       lambda tmp: (BAD / "unclosed_quote.csv").read_bytes()),
    "vrt_in_zip": ("up_bounds", "vrt_in_zip.zip",
                   lambda tmp: (BAD / "vrt_in_zip.zip").read_bytes()),
    "evil_file_name": ("up_table", f"{LINK_NAME}{TAG}.csv", lambda tmp: b"a;b\n"),
}


@pytest.fixture(scope="module")
def data_page():
    """One session for every hostile upload in turn: each must leave it working."""
    return page(make(), "datos")


def _everything(at: AppTest) -> str:
    """All text of the page: Markdown elements, labels, plain texts and table cells."""
    parts = shown(at) + [str(e.value) for e in at.text]
    for df in at.dataframe:
        parts.append(df.value.to_csv())
    return "\n".join(parts)


@pytest.mark.parametrize("case", sorted(UPLOADS))
def test_a_hostile_upload_gives_one_line_and_the_app_goes_on(data_page, case, tmp_path):
    key, name, make_bytes = UPLOADS[case]
    at = data_page
    at.file_uploader(key=key).set_value((name, make_bytes(tmp_path),
                                         "application/octet-stream")).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.main.error]
    assert len(errors) == 1, errors
    assert errors[0].startswith(BAD_FILE)
    assert "\n" not in errors[0] and len(errors[0]) < 900
    assert "Traceback" not in errors[0]
    assert "/tmp" not in errors[0] and str(tmp_path) not in errors[0]
    text = _everything(at)
    assert "TOPSECRET" not in text and "root:x:0" not in text
    assert not any(live(x) for x in shown(at))
    at.file_uploader(key=key).set_value(None).run()  # clear it; the page goes on
    assert not at.exception and not at.main.error
    page(at, "mapa")
    assert at.selectbox(key="mapa").options[0] == "Puntaje del escenario"
    page(at, "datos")


def test_padded_shared_strings_are_read_in_the_page_not_trusted(data_page):
    # shared strings declaring 2^31 - 1 entries (took 128 s and 4 GB): a valid table, read
    at = data_page
    data = (BAD / "padded_shared_strings.xlsx").read_bytes()
    at.file_uploader(key="up_table").set_value(("padded_shared_strings.xlsx", data,
                                                "application/octet-stream")).run()
    assert not at.exception and not at.main.error
    matched = {m.label: m.value for m in at.metric}["Emparejadas"]
    assert matched == "1"
    at.file_uploader(key="up_table").set_value(None).run()


def test_the_session_still_ranks_after_every_hostile_upload(data_page):
    page(data_page, "ranking")
    table = next(df.value for df in data_page.dataframe if "reasons" in df.value.columns)
    ours = geoprio.prioritize(geoprio.load_districts(), applied(data_page))
    assert list(table["ubigeo"][:10]) == list(ours.sort_values("rank")["ubigeo"][:10])
    page(data_page, "datos")


# ------------------------------------------------------------------- sessions apart
def test_one_sessions_upload_never_appears_in_another():
    rows = "\n".join(f"{u},{i % 89}" for i, u in enumerate(geoprio.load_districts()["ubigeo"]))
    csv = f"ubigeo,Indicador privado de A\n{rows}\n".encode()
    a = page(make(), "datos")
    a.file_uploader(key="up_table").set_value(("privado.csv", csv, "text/csv")).run()
    a.button(key="up_table_add").click().run()
    assert not a.exception
    mine = "Indicador privado de A"
    assert mine in a.selectbox(key="sc_add").options
    b = make()  # another session of the same process: the process caches are shared
    assert mine not in b.selectbox(key="sc_add").options
    page(b, "mapa")
    assert mine not in b.selectbox(key="mapa").options
    page(b, "datos")
    catalog = next(df.value for df in b.dataframe if "Id (para reglas)" in df.value.columns)
    assert "indicador_privado_de_a" not in catalog.to_csv()
    assert mine not in _everything(b)
    page(b, "distrito")
    assert mine not in _everything(b)
    page(b, "ranking")  # a ranking of B is B's own: no column of A's upload
    table = next(df.value for df in b.dataframe if "reasons" in df.value.columns)
    assert "indicador_privado_de_a" not in table.columns
    # and A still has it after B ran
    page(a, "mapa")
    assert mine in a.selectbox(key="mapa").options


def test_the_text_modules_examples_hold():
    import doctest

    import app.texts.text

    assert doctest.testmod(app.texts.text).failed == 0


# ------------------------------------------------------- what the engine did not foresee
def test_an_unexpected_error_reading_an_upload_is_one_line_without_trace(monkeypatch):
    def boom(*args, **kwargs):
        raise ValueError("/srv/geoprio/app/secret_module.py: bad\n  second line "
                         "/srv/geoprio/x.py")

    at = page(make(), "datos")
    monkeypatch.setattr(isolated, "read_table", boom)  # what the page reads uploads with
    at.file_uploader(key="up_table").set_value(("tabla.csv", b"ubigeo,x\n150101,1\n",
                                                "text/csv")).run()
    assert not at.exception, at.exception  # no Streamlit exception box
    errors = [e.value for e in at.main.error]
    assert errors == ["No se pudo leer el archivo: secret_module.py: bad second line x.py"]
    monkeypatch.undo()
    page(at, "mapa")  # and the session goes on


def test_an_unexpected_error_in_a_link_opens_the_preset(monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("internal /srv/geoprio/geoprio/scenario.py")

    monkeypatch.setattr(Scenario, "from_token", boom)
    at = make({"s": Scenario.preset("anemia").to_token()})
    errors = [e.value for e in at.sidebar.error]
    assert len(errors) == 1 and errors[0].startswith(LINK_ERROR)
    assert "/srv" not in errors[0] and "scenario.py" in errors[0]
    monkeypatch.undo()
    assert applied(at) == Scenario.preset("dci")
