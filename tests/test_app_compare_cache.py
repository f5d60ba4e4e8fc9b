"""Comparar computes a pair's comparison (its paired Monte Carlo) once per pair, uploads and
language (issue 20): a rerun, a checkbox or a second session reuse it, and what the page
shows is what :func:`geoprio.compare_scenarios` says when run by hand."""

from __future__ import annotations

import pytest

pytest.importorskip("streamlit")
from test_app import page
from test_app_decide import make

import geoprio
import geoprio.decide.comparison as comparison_module
from app.views import compare


@pytest.fixture()
def paired_runs(monkeypatch) -> list[tuple]:
    """Each paired Monte Carlo the app runs: (scenario a, scenario b)."""
    runs: list[tuple] = []
    real = comparison_module.paired_rank_shift

    def counted(districts, a, b, **kw):
        runs.append((a, b))
        return real(districts, a, b, **kw)

    monkeypatch.setattr(comparison_module, "paired_rank_shift", counted)
    compare._comparison.clear()
    return runs


def test_the_paired_draws_run_once_per_pair_across_reruns_and_sessions(paired_runs):
    first = page(make(), "comparar")
    assert len(paired_runs) == 1
    first.checkbox(key="cmp_only").uncheck().run()  # a rerun of the same page
    assert not first.exception
    second = page(make(), "comparar")  # another planner, the same pair
    assert not second.exception
    assert len(paired_runs) == 1
    # the page's counts are the comparison run by hand on the same pair
    a, b = paired_runs[0]
    d = geoprio.load_districts()
    by_hand = geoprio.compare_scenarios(geoprio.prioritize(d, a), geoprio.prioritize(d, b))
    shown = {m.label: m.value for m in second.metric}
    assert shown["Entran"] == str(len(by_hand.entering))
    assert shown["Salen"] == str(len(by_hand.leaving))


def test_another_language_is_another_comparison(paired_runs):
    page(make(), "comparar")
    page(make({"lang": "en"}), "comparar")
    assert len(paired_runs) == 2
