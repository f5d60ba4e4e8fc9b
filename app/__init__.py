"""geoprio's Streamlit app: ``streamlit_app.py`` (the entry) and this package.

- ``app/pages/``: one small script per page, run by ``st.navigation``;
- :mod:`app.views`: what each page draws;
- :mod:`app.runtime`: caches, session state, background jobs, the address, exports;
- :mod:`app.widgets`: the scenario panel, the map component, shared controls;
- :mod:`app.texts`: every string, in Spanish and English.

A thin shell: every number comes from :mod:`geoprio` (import-linter keeps the library from
importing the app).
"""
