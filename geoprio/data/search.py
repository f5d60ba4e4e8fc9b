"""Find districts the way people type them: accents and case ignored, in both directions.

"Yurúa" finds YURUA, "rio tambo" finds RÍO TAMBO, "junin" finds JUNÍN, "2502" finds the
ubigeos that start with it (a word of digits is a code: it matches the start of the ubigeo,
never its middle: "2502" does not find 122502). Every other word must appear in the
district's name, province or department (in any order).

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"ubigeo": ["250204", "120608"], "district": ["YURUA", "RÍO TAMBO"],
...                   "province": ["ATALAYA", "SATIPO"], "department": ["UCAYALI", "JUNÍN"]})
>>> f.loc[matches(f, "Yurúa"), "ubigeo"].tolist(), f.loc[matches(f, "rio tambo"), "ubigeo"].tolist()
(['250204'], ['120608'])
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd

from geoprio.errors import InputError

__all__ = ["COLUMNS", "fold", "matches", "safe_id"]

#: where a query is looked for
COLUMNS: tuple[str, ...] = ("district", "province", "department", "ubigeo")


def fold(text: object) -> str:
    """Lower case without accents (ñ becomes n), spaces collapsed; "" for a missing value.

    Examples
    --------
    >>> fold("  Río   TAMBO "), fold("Peñas"), fold(None)
    ('rio tambo', 'penas', '')
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return ""
    norm = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in norm if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def matches(frame: pd.DataFrame, query: str | None,
            columns: Sequence[str] = COLUMNS) -> np.ndarray:
    """Rows of ``frame`` where every word of ``query`` appears in one of ``columns``.

    Parameters
    ----------
    frame : a table with (some of) ``columns``; missing columns are skipped.
    query : what the user typed; empty or None matches every row.
    columns : where to look, default district, province, department and ubigeo.

    Returns
    -------
    numpy.ndarray of bool, one per row.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"district": ["EL TAMBO", "TAMBO"], "department": ["JUNÍN", "AYACUCHO"]})
    >>> matches(f, "tambo junin").tolist(), matches(f, "").tolist()
    ([True, False], [True, True])
    >>> g = pd.DataFrame({"ubigeo": ["250204", "122502"], "district": ["YURUA", "X"]})
    >>> matches(g, "2502").tolist(), matches(g, "yurua 25").tolist()
    ([True, False], [True, False])
    """
    words = fold(query).split()
    if not words:
        return np.ones(len(frame), dtype=bool)
    present = [c for c in columns if c in frame.columns]
    if not present:
        raise InputError(f"none of the columns {list(columns)} is in the table: a search "
                         "needs a district, province, department or ubigeo column")
    names = [c for c in present if c != "ubigeo"]
    hay = pd.Series([""] * len(frame), index=frame.index, dtype=object)
    for c in names:
        hay = hay + " " + frame[c].map(fold)
    codes = (frame["ubigeo"].astype(str) if "ubigeo" in present else
             pd.Series([""] * len(frame), index=frame.index, dtype=object))
    mask = np.ones(len(frame), dtype=bool)
    for w in words:
        if w.isdigit():  # a code: the ubigeos that start with it ("2502": Atalaya)
            mask &= codes.str.startswith(w).to_numpy()
        else:
            mask &= hay.str.contains(w, regex=False).to_numpy()
    return mask


def safe_id(text: object, *, default: str = "indicador") -> str:
    """An id fit for weights and rules from a header a person wrote.

    Lower case ASCII letters, digits and ``_``; accents dropped; never starts with a digit
    or ``_`` (rules refuse names that start with ``_``); at most 60 characters.

    Examples
    --------
    >>> safe_id("Cobertura vacunación niño (%)"), safe_id("2024 Año"), safe_id("¿?")
    ('cobertura_vacunacion_nino', 'x2024_ano', 'indicador')
    """
    folded = fold(text)
    chars = [c if ("a" <= c <= "z" or "0" <= c <= "9") else "_" for c in folded]
    out = "_".join(part for part in "".join(chars).split("_") if part)[:60].strip("_")
    if not out:
        return default
    return f"x{out}" if out[0].isdigit() else out
