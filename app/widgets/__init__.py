"""Controls and pieces the pages share: the scenario panel (:mod:`~app.widgets.sidebar`, with
its values in :mod:`~app.widgets.scenario_form`), the district map component
(:mod:`~app.widgets.map_component`, its JavaScript in ``map_component/``), amounts typed as Peru
writes them, chart axes, and the page's style."""
