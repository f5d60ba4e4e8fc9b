"""Where a list is decided: the scenario and the steps of ``prioritize``.

- :mod:`~geoprio.engine.scenario` (the ``Scenario``) and :mod:`~geoprio.engine.presets` (the
  FONIE, DCI and anaemia presets, their sources and titles: policy text, not class code);
- :mod:`~geoprio.engine.rules`: the safe rule grammar;
- :mod:`~geoprio.engine.derived`: columns computed for the point and each draw (quintiles,
  people reached);
- :mod:`~geoprio.engine.scoring`: normalisation and aggregation;
- :mod:`~geoprio.engine.uncertainty`: the Monte Carlo draws;
- :mod:`~geoprio.engine.selection` and :mod:`~geoprio.engine.budget`: ranks, the list, the
  budget's knapsack;
- :mod:`~geoprio.engine.ranking`: ``prioritize`` in named steps.
- :mod:`~geoprio.engine.texts`: the user-facing words of the engine, the decisions and the
  reports, in Spanish and English (one place, with the ``text`` accessor).

Above :mod:`geoprio.spatial` (it draws smoothed rates), :mod:`geoprio.readers` and
:mod:`geoprio.data`; below the decision tools and the reports.
"""
