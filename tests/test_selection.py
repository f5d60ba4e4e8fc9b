"""Tests of geoprio.engine.selection: ranks and list sizes, the same for the point and the draws."""

from __future__ import annotations

import numpy as np

from geoprio.engine.selection import ranks_of, select


def test_ranks_ties_keep_input_order_and_skip_unranked():
    s = np.array([[0.5, 0.9, 0.5, np.nan], [0.1, 0.2, 0.3, 0.4]])
    ranked = np.array([True, True, True, True])
    assert ranks_of(s, ranked).tolist() == [[2, 1, 3, 0], [4, 3, 2, 1]]


def test_threshold_keeps_scores_equal_to_it():
    score = np.array([0.5, 0.49999, 0.75, 0.5])
    ranked = np.array([True, True, True, False])
    rank = ranks_of(score, ranked)
    assert select(score, ranked, rank, threshold=0.5).tolist() == [True, False, True, False]


def test_top_n_counts_ranked_districts_only():
    score = np.array([0.9, 0.8, 0.7, 0.6])
    ranked = np.array([False, True, True, True])
    rank = ranks_of(score, ranked)
    assert select(score, ranked, rank, top_n=2).tolist() == [False, True, True, False]
    assert select(score, ranked, rank).tolist() == ranked.tolist()


def test_same_function_for_point_and_draws():
    rng = np.random.default_rng(9)
    scores = rng.uniform(size=(7, 30))
    ranked = rng.uniform(size=(7, 30)) > 0.2
    need = rng.uniform(0, 5, size=(7, 30))
    costs = rng.uniform(1, 3, size=30)
    ranks = ranks_of(scores, ranked)
    together = select(scores, ranked, ranks, budget=12.0, need=need, costs=costs)
    for d in range(7):
        alone = select(scores[d], ranked[d], ranks[d], budget=12.0, need=need[d], costs=costs)
        assert together[d].tolist() == alone.tolist()
        assert costs[alone].sum() <= 12.0


def test_many_ties_keep_input_order():
    # numpy's default sort is not stable beyond 16 items: 40 equal scores keep input order
    s = np.r_[np.full(40, 0.5), [0.9]]
    ranks = ranks_of(s, np.ones(41, dtype=bool))
    assert ranks.tolist() == [*range(2, 42), 1]
    assert ranks.dtype == np.int32
    # integer scores rank as numbers; a missing score is never ranked
    assert ranks_of(np.array([3, 1, 2]), np.ones(3, bool)).tolist() == [1, 3, 2]
    assert ranks_of(np.array([1.0, np.inf, np.nan]), np.ones(3, bool)).tolist() == [1, 0, 0]


def test_one_list_size_at_most():
    import pytest

    from geoprio.errors import ScenarioError

    s = np.array([0.5, 0.4])
    ok = np.ones(2, bool)
    r = ranks_of(s, ok)
    for sizes in ({"top_n": 1, "threshold": 0.1}, {"top_n": 1, "budget": 1.0},
                  {"threshold": 0.1, "budget": 1.0}):
        with pytest.raises(ScenarioError, match=r"^give at most one of top_n, threshold, "
                                                r"budget$"):
            select(s, ok, r, **sizes)
    for missing in ({"need": s}, {"costs": s}, {}):
        with pytest.raises(ScenarioError, match=r"^a budget needs the need and the cost of "
                                                r"each district$"):
            select(s, ok, r, budget=1.0, **missing)


def test_budget_list_fills_by_need_per_sol_among_ranked_only():
    score = np.array([0.9, 0.8, 0.7, 0.1])
    ranked = np.array([True, True, False, True])
    rank = ranks_of(score, ranked)
    need = np.array([10.0, 30.0, 100.0, 5.0])
    costs = np.array([1.0, 2.0, 1.0, 1.0])
    # need per sol: 10, 15, (not ranked), 5: b then a fit in 3; d does not
    assert select(score, ranked, rank, budget=3.0, need=need, costs=costs).tolist() == [
        True, True, False, False]
    # per draw: the ranked mask of each draw is used
    draws = np.array([ranked, [True, False, True, True]])
    got = select(np.broadcast_to(score, (2, 4)), draws, rank, budget=2.0, need=need,
                 costs=costs)
    assert got.tolist() == [[False, True, False, False], [True, False, True, False]]
    # a threshold on a missing score is not a selection
    assert select(np.array([np.nan, 0.6]), np.ones(2, bool), rank[:2],
                  threshold=0.5).tolist() == [False, True]


def test_a_mask_given_as_numbers_gives_a_list_of_booleans():
    s = np.array([0.5, 0.4, 0.3])
    got = select(s, np.array([1, 0, 1]), ranks_of(s, np.array([True, False, True])))
    assert got.dtype == bool and got.tolist() == [True, False, True]
