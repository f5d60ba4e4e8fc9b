"""The background job queue (app/runtime/jobs.py) under many planners: one pending job per session,
a bound on the queue, a fair order, failures not kept as results."""

from __future__ import annotations

import threading
import time

import pytest

from app.runtime.jobs import Jobs


def blocker() -> tuple[threading.Event, callable]:
    """A job that holds the only worker until the event is set."""
    gate = threading.Event()

    def hold() -> str:
        gate.wait(10)
        return "held"

    return gate, hold


def test_a_newer_scenario_of_the_same_session_cancels_the_older_one():
    jobs = Jobs(workers=1)
    gate, hold = blocker()
    jobs.submit("busy", hold)  # the worker is taken: what follows waits in the queue
    ran = []
    for i in range(20):  # one planner presses "Aplicar" twenty times
        jobs.submit(("a", i), lambda i=i: ran.append(i) or i, owner="planner A")
    assert jobs.queued() == 2  # the blocker and A's last scenario, not 21 jobs
    gate.set()
    assert jobs.wait(("a", 19), timeout=5) == 19
    assert ran == [19]
    assert jobs.get(("a", 0)) is None and not jobs.pending(("a", 0))


def test_a_job_another_session_waits_for_is_not_cancelled():
    jobs = Jobs(workers=1)
    gate, hold = blocker()
    jobs.submit("busy", hold)
    jobs.submit("dci", lambda: "dci list", owner="A")
    jobs.submit("dci", lambda: "never run twice", owner="B")
    jobs.submit("fonie", lambda: "fonie list", owner="A")  # A moves on; B still waits
    gate.set()
    assert jobs.wait("dci", timeout=5) == "dci list"
    assert jobs.wait("fonie", timeout=5) == "fonie list"


def test_a_pinned_job_is_never_cancelled():
    jobs = Jobs(workers=1)
    gate, hold = blocker()
    jobs.submit("busy", hold)
    jobs.submit("export", lambda: "file")  # an export: no owner
    jobs.submit("export", lambda: "file", owner="A")
    jobs.submit("other", lambda: "x", owner="A")
    gate.set()
    assert jobs.wait("export", timeout=5) == "file"


def test_sessions_are_served_in_the_order_they_asked():
    """Twenty quick "Aplicar" of one planner do not push another planner behind them."""
    jobs = Jobs(workers=1)
    gate, hold = blocker()
    jobs.submit("busy", hold)
    order = []
    for i in range(20):
        jobs.submit(("a", i), lambda i=i: order.append(("a", i)), owner="A")
        if i == 2:
            jobs.submit("b", lambda: order.append("b"), owner="B")
    gate.set()
    jobs.wait("b", timeout=5)
    jobs.wait(("a", 19), timeout=5)
    assert order == ["b", ("a", 19)]


def test_the_queue_is_bounded():
    jobs = Jobs(workers=1, max_pending=3)
    gate, hold = blocker()
    assert jobs.submit("busy", hold)
    assert jobs.submit("x", lambda: 1, owner="A")
    assert jobs.submit("y", lambda: 2, owner="B")
    assert not jobs.submit("z", lambda: 3, owner="C")  # full: C is told to ask again
    assert jobs.submit("y", lambda: 2, owner="C")  # joining a queued job takes no room
    gate.set()
    assert jobs.wait("y", timeout=5) == 2
    assert jobs.submit("z", lambda: 3, owner="C") and jobs.wait("z", timeout=5) == 3


def test_a_failed_job_is_reported_then_computed_again():
    jobs = Jobs(workers=1, retry_after=0.2)
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("out of memory")
        return "ranking"

    jobs.submit("k", flaky, owner="A")
    with pytest.raises(RuntimeError, match="out of memory"):
        jobs.wait("k", timeout=5)
    with pytest.raises(RuntimeError):  # those who wait are told, for a while
        jobs.get("k")
    time.sleep(0.25)
    assert jobs.get("k") is None  # not kept as the key's result
    jobs.submit("k", flaky, owner="A")
    assert jobs.wait("k", timeout=5) == "ranking"
    assert len(calls) == 2


def test_a_page_is_called_back_once_however_often_it_asked():
    jobs = Jobs(workers=1)
    gate, hold = blocker()
    jobs.submit("k", hold, owner="A")
    calls = []
    for _ in range(5):  # five runs of A's page while the job runs
        jobs.when_done("k", lambda: calls.append("A"), tag="A")
    jobs.when_done("k", lambda: calls.append("B"), tag="B")
    gate.set()
    jobs.wait("k", timeout=5)
    time.sleep(0.05)
    assert sorted(calls) == ["A", "B"]


def test_a_cancelled_job_calls_nobody_back():
    jobs = Jobs(workers=1)
    gate, hold = blocker()
    jobs.submit("busy", hold)
    jobs.submit("old", lambda: 1, owner="A")
    calls = []
    jobs.when_done("old", lambda: calls.append("old"), tag="A")
    jobs.submit("new", lambda: 2, owner="A")
    gate.set()
    jobs.wait("new", timeout=5)
    assert calls == []


def test_finished_results_are_evicted_least_recently_used_first():
    jobs = Jobs(workers=1, keep=2)
    for key in ("a", "b"):
        jobs.submit(key, lambda key=key: key.upper())
        jobs.wait(key, timeout=5)
    assert jobs.get("a") == "A"  # a is now the most recently used
    jobs.submit("c", lambda: "C")
    jobs.wait("c", timeout=5)
    assert (jobs.get("a"), jobs.get("b"), jobs.get("c")) == ("A", None, "C")


def test_a_running_job_is_watched_by_the_health_check():
    from app.runtime.watchdog import Watchdog

    dog = Watchdog()
    gate = threading.Event()
    jobs = Jobs(workers=1, guard=lambda: dog.task("monte carlo", 60))
    jobs.submit("k", lambda: gate.wait(5), owner="A")
    for _ in range(100):
        if dog.running():
            break
        time.sleep(0.01)
    assert [task.kind for task in dog.running()] == ["monte carlo"]
    gate.set()
    jobs.wait("k", timeout=5)
    assert dog.running() == []
