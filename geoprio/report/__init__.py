"""What a person reads: exports, maps, district sheets.

- :mod:`~geoprio.report.exporting`: ``export`` (CSV, XLSX, GeoJSON, GeoPackage, shapefile,
  HTML and PNG maps, TOML);
- :mod:`~geoprio.report.planner`: the planner's table and methodology sheet;
- :mod:`~geoprio.report.decisions`: comparisons and trade-off points written out;
- :mod:`~geoprio.report.cells`: every spreadsheet cell made safe;
- :mod:`~geoprio.report.record`: what an export records beside the data;
- :mod:`~geoprio.report.mapping`, :mod:`~geoprio.report.jenks`,
  :mod:`~geoprio.report.mapcodec` (and ``mapcodec.js``): class breaks, offline maps, the
  compact map layer;
- :mod:`~geoprio.report.sheet`: one-page district sheets (PDF, HTML); for the ZIP of a list,
  :mod:`~geoprio.report.pdffonts` (fonts read once per process) and
  :mod:`~geoprio.report.workers` (the sheets drawn in child processes, in order).

The top layer of the library: it may use everything below (the decision tools, the engine,
the spatial statistics, the readers and the data); only the CLI and the app use it.
"""
