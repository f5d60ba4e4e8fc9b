"""The app's shared state without a browser: the Monte Carlo job's key, the uploads'
fingerprint, the background jobs' cache and the view kept in the address (issue 20: each a
mutant the suite let through).

Streamlit's session and address are replaced by plain dicts (the functions read them through
``st``); the keys, the cache's eviction order and the address's defaults are checked against
values written by hand.
"""

from __future__ import annotations

import hashlib
import types

import pandas as pd
import pytest

pytest.importorskip("streamlit")

from app.runtime import state, urlstate
from app.runtime.jobs import Jobs
from geoprio.engine.scenario import Scenario


# ------------------------------------------------------------------ the Monte Carlo job's key
def _upload(values: dict[str, float], worse: bool = True) -> dict:
    return {"values": pd.Series(values, name="x"),
            "row": {"id": "x", "label_es": "x", "label_en": "x", "unit": "%",
                    "higher_is_worse": worse, "kind": "indicator"}}


def test_the_job_key_names_scenario_uploads_and_language():
    dci, fonie = Scenario.preset("dci"), Scenario.preset("fonie")
    key = state.full_key(dci, "es", "f1")
    assert key == ("ranking", dci.to_token(), "f1", "es")
    # each part changes the key: another language, other uploads, another scenario
    assert state.full_key(dci, "en", "f1") != key
    assert state.full_key(dci, "es", "f2") != key
    assert state.full_key(fonie, "es", "f1") != key
    assert state.full_key(dci.replace(n_draws=200), "es", "f1") != key


def test_the_uploads_fingerprint_says_which_district_holds_each_value(monkeypatch):
    # the same two values held by the other districts are another upload
    one = {"x": _upload({"010101": 10.0, "010102": 20.0})}
    swapped = {"x": _upload({"010101": 20.0, "010102": 10.0})}
    other_way = {"x": _upload({"010101": 10.0, "010102": 20.0}, worse=False)}
    keys = []
    for uploads in ({}, one, swapped, other_way, one):
        monkeypatch.setattr(state, "uploads", lambda u=uploads: u)
        keys.append(state.uploads_key())
    assert keys[0] == hashlib.sha1().hexdigest()  # nothing uploaded
    assert len(set(keys[:4])) == 4  # values, where they are and their direction all count
    assert keys[4] == keys[1]  # the same upload, the same fingerprint
    # the job key follows the fingerprint the session has
    monkeypatch.setattr(state, "uploads", lambda: one)
    assert state.full_key(Scenario.preset("dci"), "es")[2] == keys[1]


def test_the_point_ranking_is_keyed_on_language_and_uploads(monkeypatch, table):
    # ranking() asks the point ranking with the session's fingerprint and language
    seen = []

    def point(token, fingerprint, lang, frame, cat):
        seen.append((token, fingerprint, lang))
        return frame

    monkeypatch.setattr(state, "_point", point)
    monkeypatch.setattr(state, "uploads_key", lambda: "fp")
    monkeypatch.setattr(state, "districts", lambda: table)
    monkeypatch.setattr(state, "catalog", lambda: None)
    s = Scenario.preset("dci").replace(n_draws=0)
    got = state.ranking(s, "en")
    assert seen == [(s.to_token(), "fp", "en")]
    assert got.complete and got.key == ("ranking", s.to_token(), "fp", "en")


# ------------------------------------------------------------------- the background jobs
def test_the_job_cache_drops_the_least_recently_used_first():
    jobs = Jobs(workers=1, keep=2)
    for key in ("a", "b"):
        jobs.submit(key, lambda k=key: k.upper())
        assert jobs.wait(key, timeout=10) == key.upper()
    assert jobs.get("a") == "A"  # a is now the most recently used
    jobs.submit("c", lambda: "C")
    assert jobs.wait("c", timeout=10) == "C"
    # b, the least recently used, went; a and c stay
    assert jobs.get("b") is None and jobs.get("a") == "A" and jobs.get("c") == "C"
    # a job that failed re-raises its error for every caller (tests/test_jobs.py: for a while)
    jobs.submit("bad", lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        jobs.wait("bad", timeout=10)
    with pytest.raises(ZeroDivisionError):
        jobs.get("bad")


def test_one_job_per_key_and_a_refusal_of_no_workers():
    calls = []
    jobs = Jobs(workers=1, keep=4)
    for _ in range(3):
        jobs.submit("k", lambda: calls.append(1) or len(calls))
    assert jobs.wait("k", timeout=10) == 1 and calls == [1]
    assert not jobs.pending("k")
    with pytest.raises(ValueError, match="workers must be at least 1; got 0"):
        Jobs(workers=0)


# ------------------------------------------------------------------ the view in the address
class _Params(dict):
    """st.query_params as a plain mapping."""


@pytest.fixture()
def fake_st(monkeypatch):
    fake = types.SimpleNamespace(session_state={}, query_params=_Params())
    monkeypatch.setattr(urlstate, "st", fake)
    return fake


def test_address_defaults_and_parsers():
    d = urlstate.DEFAULTS
    assert {k: v[0] for k, v in d.items()} == {
        "lang": "es", "mapa": "score", "clasificacion": "quantiles", "clases": 5,
        "buscar": "", "solo": True, "distrito": "250204", "analisis": "typology",
        "vista": "clusters"}
    assert [d["solo"][1](x) for x in ("1", "true", "Sí", "si", "yes")] == [True] * 5
    assert [d["solo"][1](x) for x in ("0", "FALSE", "no")] == [False] * 3
    assert [d["clases"][1](x) for x in ("3", "7")] == [3, 7]
    assert d["buscar"][1]("x" * 300) == "x" * 200
    for key, text in (("solo", "maybe"), ("clases", "2"), ("clases", "8"), ("lang", "pt")):
        with pytest.raises(ValueError):
            d[key][1](text)


def test_restore_reads_the_address_and_keeps_defaults_for_junk(fake_st):
    fake_st.query_params.update({"lang": "en", "clases": "9", "solo": "no", "mapa": "x"})
    urlstate.restore()
    s = fake_st.session_state
    assert (s["lang"], s["clases"], s["solo"], s["mapa"]) == ("en", 5, False, "x")
    assert s["distrito"] == "250204"  # absent: its default
    # a later run: what the address says anew is read, what we wrote ourselves is not
    s["lang"] = "es"
    urlstate.restore()
    assert s["lang"] == "es"
    fake_st.query_params["lang"] = "es"
    fake_st.query_params["clases"] = "4"
    urlstate.restore()
    assert s["clases"] == 4


def test_publish_writes_only_what_differs_from_the_defaults(fake_st):
    fake_st.session_state.update({"lang": "en", "solo": False, "clases": 5, "mapa": "score"})
    fake_st.query_params["clases"] = "6"  # stale: the value is back to its default
    urlstate.publish()
    assert dict(fake_st.query_params) == {"lang": "en", "solo": "false"}
    assert fake_st.session_state["_url_seen"] == {"lang": "en", "solo": "false"}


def test_valid_puts_an_unknown_value_back_to_its_default(fake_st):
    fake_st.session_state["analisis"] = "nonsense"
    urlstate.valid("analisis", ["typology", "zones", "hotspots"])
    assert fake_st.session_state["analisis"] == "typology"
    fake_st.session_state["mapa"] = "gone"
    urlstate.valid("mapa", ["poverty_2018", "hdi_2019"])  # default not offered: the first
    assert fake_st.session_state["mapa"] == "poverty_2018"
    fake_st.session_state["mapa"] = "hdi_2019"
    urlstate.valid("mapa", ["poverty_2018", "hdi_2019"])
    assert fake_st.session_state["mapa"] == "hdi_2019"


def test_address_parsers_and_their_errors():
    d = urlstate.DEFAULTS
    assert d["lang"][1]("es") == "es" and d["lang"][1]("en") == "en"
    with pytest.raises(ValueError, match=r"^pt$"):
        d["lang"][1]("pt")
    with pytest.raises(ValueError, match=r"^maybe$"):
        d["solo"][1]("maybe")
    with pytest.raises(ValueError, match=r"^9$"):
        d["clases"][1]("9")


def test_what_was_read_is_remembered_and_forgotten_at_the_default(fake_st):
    fake_st.query_params["lang"] = "en"
    urlstate.restore()
    assert fake_st.session_state["_url_seen"] == {"lang": "en"}
    fake_st.session_state["lang"] = "es"  # back to the default: the address forgets it
    urlstate.publish()
    assert "lang" not in fake_st.query_params and fake_st.session_state["_url_seen"] == {}


def test_valid_prefers_the_default_when_offered(fake_st):
    fake_st.session_state["analisis"] = "nonsense"
    urlstate.valid("analisis", ["zones", "typology"])
    assert fake_st.session_state["analisis"] == "typology"


# ------------------------------------------------------------------ warming the process
@pytest.fixture()
def thawed():
    """The collector as it was: whatever a test froze is unfrozen after it."""
    import gc

    yield gc
    gc.unfreeze()


def test_warming_takes_the_cached_tables_out_of_every_later_collection(thawed):
    # Streamlit collects garbage after every script run (runner.postScriptGC); what warm()
    # loaded lives as long as the process and must not be walked each time (issue 24)
    gc = thawed
    gc.unfreeze()
    state.warm(presets=())  # data, catalog, geometry; no Monte Carlo
    cached = [state._base_districts(), state._base_catalog(), state._display_geometry(),
              state._endes()]
    walked = {id(o) for o in gc.get_objects()}
    assert [id(frame) in walked for frame in cached] == [False] * 4
    # everything alive then is frozen: a full collection walks only what came after
    assert gc.get_freeze_count() > 10 * len(walked)
    # and what is made afterwards is collected as before
    later = pd.DataFrame({"a": [1.0]})
    assert id(later) in {id(o) for o in gc.get_objects()}
