"""What each page draws (the files under ``app/pages/`` call these with the run's
:class:`~app.runtime.view.View`): the map, the ranking, a comparison, the budget frontier, the
clusters, a district (its monitoring and its sheet), the data, FONIE's gaps. Views call
:mod:`geoprio` for every number and :mod:`app.texts` for every word."""
