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
