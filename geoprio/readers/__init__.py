"""Everything that reads a user's file, as hostile: tables, workbooks, boundaries, rasters'
paths, codes.

- :mod:`~geoprio.readers.tables`: ``read_table`` (CSV/TXT/XLSX as offices write them);
- :mod:`~geoprio.readers.xlsx`: the bounded workbook reader;
- :mod:`~geoprio.readers.boundaries`: ``read_boundaries`` (GeoPackage, GeoJSON, shapefiles);
- :mod:`~geoprio.readers.formats` and :mod:`~geoprio.readers.safety`: a file's format from its
  bytes, GDAL kept offline, paths and messages made safe;
- :mod:`~geoprio.readers.isolated`: a reading child process with memory and time limits;
- :mod:`~geoprio.readers.codes` and :mod:`~geoprio.readers.numbering`: ubigeo codes, INEI or
  RENIEC numbering, ``join_indicators`` and its report;
- :mod:`~geoprio.readers.readreport`, :mod:`~geoprio.readers.textbounds`: what a read found,
  and the bounds on a user's texts.

The bottom layer with :mod:`geoprio.data`: nothing here imports the engine, the spatial
statistics, the decision tools or the reports.
"""
