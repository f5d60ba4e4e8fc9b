"""The Datos page under issue 21's uploads, driven by Streamlit's AppTest.

- An upload is read once per file (by its SHA-256), in a child process with limits: reruns,
  other widgets and a refused file do not read it again; a new file does.
- A raster finer than the districts need is read coarser, and the page says so.
- An indicator id that geoprio computes (``score``, ``poor_people``...) is refused, not added
  to be silently replaced.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from test_app_hostile import BAD_FILE, make, page  # the same sessions as the other app tests

import geoprio
from geoprio import fmt

BAD = Path(__file__).resolve().parent / "data" / "bad"


@pytest.fixture
def reads(monkeypatch):
    """Every reading child started, by task and file name."""
    from geoprio.readers import isolated

    calls: list[tuple[str, str]] = []
    real = isolated.run

    def counted(task, **kwargs):
        calls.append((task, kwargs.get("name", "")))
        return real(task, **kwargs)

    monkeypatch.setattr(isolated, "run", counted)
    return calls


def _upload(at, key: str, name: str, data: bytes):
    at.file_uploader(key=key).set_value((name, data, "application/octet-stream")).run()
    assert not at.exception, at.exception
    return at


def test_an_upload_is_read_once_per_file(reads):
    at = page(make(), "datos")
    data = (BAD / "repeated_codes.csv").read_bytes()
    _upload(at, "up_table", "repetidos.csv", data)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Emparejadas"], metrics["Duplicadas"]) == (fmt.integer(6978),
                                                                fmt.integer(1874))
    at.run()
    at.text_input(key="up_table_label").set_value("Valor repetido").run()
    at.run()
    assert reads == [("read_table", "repetidos.csv")]  # three reruns, one reading
    other = b"ubigeo,valor\n010101,1\n010102,2\n"
    _upload(at, "up_table", "otra.csv", other)
    assert reads[-1] == ("read_table", "otra.csv") and len(reads) == 2
    # a refused file: one line, and not read again on the next rerun
    _upload(at, "up_table", "ancha.csv", (BAD / "wide_columns.csv").read_bytes())
    errors = [e.value for e in at.main.error]
    assert len(errors) == 1 and errors[0].startswith(BAD_FILE)
    assert "5,000 columns, more than the 1,000" in errors[0]
    at.run()
    assert [e.value for e in at.main.error] == errors and len(reads) == 3


def test_a_hostile_geopackage_upload_is_one_line(reads):
    at = page(make(), "datos")
    _upload(at, "up_bounds", "carga.gpkg", (BAD / "gpkg_generated_column.gpkg").read_bytes())
    errors = [e.value for e in at.main.error]
    assert len(errors) == 1 and errors[0].startswith(BAD_FILE)
    assert "generated column" in errors[0] and "carga" in errors[0]
    assert reads == [("read_boundaries", "carga.gpkg")]


def test_a_raster_finer_than_needed_is_read_coarser_in_the_page(tmp_path, reads):
    import make_corpus

    at = page(make(), "datos")
    data = make_corpus.fine_geotiff(tmp_path / "fino.tif").read_bytes()
    _upload(at, "up_raster", "fino.tif", data)
    assert not at.main.error
    notes = [i.value for i in at.main.info]
    assert any("se leyó 4 veces más grueso" in n for n in notes), notes
    at.selectbox(key="up_stat").set_value("max").run()  # another statistic: not read again
    assert reads == [("zonal_stats", "fino.tif")]


@pytest.mark.parametrize(("typed", "refused"), [("Score", "score"),
                                                ("Poor people", "poor_people"),
                                                ("GEOMETRY", "geometry")])
def test_an_id_geoprio_computes_is_refused(typed, refused):
    rows = "\n".join(f"{u},{i % 7}" for i, u in enumerate(geoprio.load_districts()["ubigeo"]))
    at = page(make(), "datos")
    _upload(at, "up_table", "valores.csv", f"ubigeo,valor\n{rows}\n".encode())
    at.text_input(key="up_table_label").set_value(typed).run()
    at.button(key="up_table_add").click().run()
    assert not at.exception
    errors = [e.value for e in at.main.error]
    assert len(errors) == 1 and f"El id {refused} es el de un resultado" in errors[0], errors
    assert "uploads" not in at.session_state or refused not in at.session_state["uploads"]
    assert typed not in at.selectbox(key="sc_add").options
