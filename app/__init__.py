"""The Streamlit pages of geoprio: widgets and layout only; all computation is in ``geoprio``."""
