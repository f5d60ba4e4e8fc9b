"""From a ranking to a decision: comparisons, the budget frontier, FONIE's gaps, monitoring.

- :mod:`~geoprio.decide.comparison`: ``compare_scenarios`` (who enters, who leaves, and
  whether it is news);
- :mod:`~geoprio.decide.frontier`: ``tradeoff`` (children reached against their mean rate
  under a budget) and ``tradeoff_list``;
- :mod:`~geoprio.decide.fonie`: ``fonie_gaps`` (simultaneous sector gaps);
- :mod:`~geoprio.decide.monitoring`: ``stunting_trend`` (2019 and 2022 beside ENDES).

Above the engine; the reports (:mod:`geoprio.report`) write what these produce.
"""
