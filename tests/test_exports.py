"""Downloads built on click and long exports (issue 21, items 2 and 9).

Where Streamlit runs a download button's callable: its ``DeferredFileHandler`` calls
``MediaFileManager.execute_deferred`` through ``asyncio.to_thread``, on the event loop's
default executor (6 threads on a 2-core server). The first test measures, with Streamlit's own
handler and manager, that six slow builds of one session keep another session's CSV waiting
until they end; the second that through :class:`app.runtime.exports.ExportPool` the other session's
CSV comes while they still hang, and the hanging session's extra clicks are refused at once.
The app's pages hand Streamlit builds that run on the pool, and the ZIP of a list's sheets
runs in the background with its progress, its "Cancelar" and a cap.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

pytest.importorskip("streamlit")
from streamlit.proto.BackMsg_pb2 import BackendOperationRequest, DeferredFileRequestPayload
from streamlit.runtime.backend_operation_handler import DeferredFileHandler
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from test_app import make, page

import geoprio
from app.runtime import exports
from app.runtime.exports import ExportBusy, ExportPool, ExportTimeout, LongExports
from app.runtime.watchdog import Watchdog
from app.views.sheets import MAX_APP_SHEETS
from geoprio.engine.scenario import Scenario

#: Python's default executor on a 2-core server: min(32, 2 + 4)
STREAMLIT_THREADS = 6
CSV = b"ubigeo,score\n150101,0.5\n"


def _clicks(wrap, n_slow: int = 6):
    """Session A clicks ``n_slow`` downloads whose builds hang until released, then session B
    clicks a CSV; all through Streamlit's DeferredFileHandler on a 6-thread default executor.

    Returns (whether B's file came while A's builds hung, B's bytes, A's responses).
    """
    release = threading.Event()

    def slow() -> bytes:
        release.wait(120)
        return b"%PDF-slow"

    async def scenario():
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=STREAMLIT_THREADS))
        manager = MediaFileManager(MemoryMediaFileStorage("/media"))
        handler = DeferredFileHandler(lambda: manager)

        def click(build, session, i):
            file_id = manager.add_deferred(wrap(build, session), "application/octet-stream",
                                           f"{session}-{i}", f"{session}{i}.bin")
            request = BackendOperationRequest(
                request_id=f"{session}{i}", deferred_file=DeferredFileRequestPayload(
                    file_id=file_id))
            return asyncio.ensure_future(handler.handle(request, session))

        slow_ones = [click(slow, "A", i) for i in range(n_slow)]
        await asyncio.sleep(0.5)  # A's clicks have reached their threads
        csv = click(lambda: CSV, "B", 0)
        done, _ = await asyncio.wait([csv], timeout=10)
        came_first = csv in done
        release.set()
        b = await csv
        a = await asyncio.gather(*slow_ones)
        data = manager._storage.get_file(b.deferred_file.url.rsplit("/", 1)[1])
        return came_first, data.content, a

    return asyncio.run(scenario())


def test_six_slow_downloads_of_one_session_hold_every_streamlit_thread():
    """Streamlit as it is: a build runs on the loop's default executor, so six hanging builds
    of session A keep session B's CSV waiting until they end."""
    came_first, data, _ = _clicks(lambda build, session: build)
    assert not came_first
    assert data == CSV  # it came, after the six


def test_through_the_pool_another_sessions_csv_comes_while_six_hang():
    pool = ExportPool(workers=3, seconds=60, queue=2)
    came_first, data, a = _clicks(lambda build, session: pool.deferred(build, session))
    assert came_first and data == CSV
    errors = [r.error_msg for r in a if r.error_msg]
    files = [r for r in a if not r.error_msg]
    # A's first builds, its second waits its turn, the four others are refused at once
    assert len(files) == 2 and len(errors) == 4
    assert pool.notice("A")[0] == "export_busy" and pool.notice("A") is None


# ----------------------------------------------------------------------------- the pool
def test_a_session_builds_one_export_at_a_time():
    pool = ExportPool(workers=4, seconds=30, queue=2)
    started, release = threading.Event(), threading.Event()
    running = []

    def build(tag):
        running.append(tag)
        started.set()
        release.wait(30)
        return tag

    with ThreadPoolExecutor(2) as clients:
        first = clients.submit(pool.run, "A", lambda: build("first"))
        started.wait(10)
        second = clients.submit(pool.run, "A", lambda: build("second"))
        with pytest.raises(ExportBusy):
            pool.run("A", lambda: build("third"))  # two asked for already
        assert pool.run("B", lambda: "other") == "other"  # another session is not kept waiting
        assert running == ["first"]  # A's second waits for its first
        release.set()
        assert first.result(10) == "first" and second.result(10) == "second"
    assert running == ["first", "second"]
    assert not pool.building("A")


def test_a_click_waits_at_most_its_seconds_and_the_build_keeps_the_sessions_turn():
    dog = Watchdog()
    pool = ExportPool(workers=2, seconds=0.3, queue=2, limit=0.5, dog=dog)
    release = threading.Event()
    with pytest.raises(ExportTimeout) as err:
        pool.run("A", lambda: release.wait(30))
    assert str(err.value) == "the file was not ready within 0 s"
    assert pool.building("A")  # the build goes on, still A's one export
    assert dog.running()[0].kind == "export"
    release.wait(0.6)  # past its limit: the process's health says so
    ok, text = dog.verdict()
    assert not ok and text.startswith("stuck: export running for ")
    release.set()
    for _ in range(500):
        if not pool.building("A"):
            break
        threading.Event().wait(0.01)
    assert not pool.building("A") and dog.verdict()[0]


# ----------------------------------------------------------------------- long exports
def test_a_long_export_is_cancelled_between_two_steps():
    jobs = LongExports(queue=2, seconds=60)
    steps = []
    gate = threading.Event()

    def build(step):
        for i in range(100):
            step(i, 100)
            steps.append(i)
            gate.wait(0.01)
        return b"never"

    job = jobs.start("k", build)
    while len(steps) < 3:
        gate.wait(0.01)
    job.cancel()
    assert jobs.wait(job, 10).state == "cancelled"
    assert 3 <= job.done < 100 and job.result is None
    assert jobs.start("k", lambda step: b"ok").state == "queued"  # nothing kept


def test_a_long_export_stops_itself_when_out_of_time_and_the_queue_is_bounded():
    jobs = LongExports(queue=1, seconds=0.2)
    gate = threading.Event()

    def build(step):
        for i in range(1000):
            step(i, 1000)
            gate.wait(0.01)
        return b"never"

    job = jobs.start("slow", build)
    with pytest.raises(ExportBusy):
        jobs.start("other", lambda step: b"zip")
    assert jobs.wait(job, 10).state == "timeout"
    assert job.error == "still running after 0 s" and 0 < job.done < 1000
    assert jobs.wait(jobs.start("other", lambda step: b"zip"), 10).result == b"zip"


# ----------------------------------------------------------------------------- the app
@pytest.fixture
def deferred(monkeypatch) -> dict:
    """file name -> the callable each deferred download button hands Streamlit."""
    got: dict = {}
    add_deferred = MediaFileManager.add_deferred

    def caught(self, fn, mimetype, coordinates, file_name=None, **kw):
        got[file_name] = fn
        return add_deferred(self, fn, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", caught)
    return got


def _built_on(monkeypatch, module, name: str) -> list[str]:
    """Spy on ``module.name`` (the real function runs): the threads it ran on."""
    threads: list[str] = []
    real = getattr(module, name)

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)
    return threads


def test_the_ranking_and_district_downloads_are_built_on_the_export_pool(deferred, monkeypatch):
    import geoprio.report.sheet as sheet

    exported = _built_on(monkeypatch, geoprio, "export")
    sheets = _built_on(monkeypatch, sheet, "_render")
    # a scenario of this test only: no file of it is in the process's caches yet
    own = Scenario(name="hilos", weights={"poverty_2018": 1, "no_water_2017": 0.37},
                   top_n=11, n_draws=0).to_token()
    at = page(make({"s": own}), "ranking")
    csv = next(fn for name, fn in deferred.items() if name and name.endswith(".csv"))
    assert csv().startswith("\ufeffPuesto;Ubigeo;Distrito;Provincia;Departamento;".encode())
    page(make({"distrito": "010102", "s": own}), "distrito")
    pdf = next(fn for name, fn in deferred.items() if name and name.endswith(".pdf"))
    assert pdf()[:5] == b"%PDF-"
    assert exported and all(t.startswith("geoprio-export") for t in exported), exported
    assert sheets and all(t.startswith("geoprio-export") for t in sheets), sheets
    assert not at.exception


def test_a_list_longer_than_the_cap_gets_no_zip_but_a_line_saying_what_to_do():
    every = Scenario(name="todos", weights={"poverty_2018": 1}, n_draws=0)
    at = page(make({"s": every.to_token()}), "ranking")
    assert not [b for b in at.button if b.key == "sheets_prepare"]
    cap = [c.value for c in at.caption if "fichas" in c.value and "ZIP" in c.value]
    assert cap == [f"La lista tiene 1\u00a0874 distritos: la app prepara un ZIP de a lo más "
                   f"{MAX_APP_SHEETS} fichas. Acorte la lista (top N, departamentos) o use la "
                   "línea de comandos: geoprio sheet --scenario escenario.toml --out "
                   "fichas.zip."]


def test_the_zip_of_sheets_runs_in_the_background_with_progress_and_cancel(monkeypatch):
    import app.views.sheets as sheets_view

    # the ZIP is built on the long-export thread (its 40 sheets drawn there or by the
    # processes district_sheets starts from PARALLEL_FROM sheets)
    threads = _built_on(monkeypatch, sheets_view, "district_sheets")
    s = Scenario(name="veinte", weights={"stunting_u5_2022_eb": 1}, top_n=40, n_draws=0)
    at = page(make({"s": s.to_token()}), "ranking")
    next(b for b in at.button if b.key == "sheets_prepare").click().run()
    assert not at.exception
    job = at.session_state["sheets_job"]
    assert job.key[0] == s.to_token() and job.state in ("queued", "running")
    assert not [b for b in at.get("download_button") if "fichas" in str(b.proto.label)]
    while job.done < 2 and not job.finished:
        threading.Event().wait(0.05)
    next(b for b in at.button if b.key == "sheets_cancel").click().run()
    assert not at.exception
    assert exports.long_exports().wait(job, 60).state == "cancelled"
    assert 2 <= job.done < 40 and job.result is None
    assert threads and set(threads) == {"geoprio-long_0"}
    assert [b for b in at.button if b.key == "sheets_prepare"]  # it may be asked again


def test_every_page_run_is_watched_with_its_limit(monkeypatch):
    """The entry script registers each page run with the process's watchdog, whose health
    turns 503 past PAGE_SECONDS (tests/test_deploy.py shows it on a real server)."""
    from app.runtime.watchdog import PAGE_SECONDS
    from app.runtime.watchdog import Watchdog as Dog

    seen: list[tuple[str, float]] = []
    task = Dog.task

    def spy(self, kind, limit):
        seen.append((kind, limit))
        return task(self, kind, limit)

    monkeypatch.setattr(Dog, "task", spy)
    page(make(), "ranking")
    runs = [limit for kind, limit in seen if kind == "page run"]
    assert len(runs) >= 2 and set(runs) == {PAGE_SECONDS}
