"""Which numbering a table of district codes uses, and what each code means in it.

INEI and RENIEC number the districts differently, and most six-digit codes are valid in both:
991 of RENIEC's 1,893 codes are INEI codes of *another* district (RENIEC 010404 is INEI's
010504; INEI's 010404 is another district). A table read in the wrong numbering puts its rows on
the wrong districts without any code failing to match. So every code is read both ways:

- its **INEI reading**: a 2017 district code, else a district created after 2017 (read as the
  2017 district that holds most of it), else an old code: the tables are tried in that order
  (:data:`INEI_ORDER`);
- its **RENIEC reading**: the 2017 district of that RENIEC code.

A code with one reading tells the numbering; a code whose two readings are the same district
tells nothing; a code whose readings differ is **ambiguous**. District, province and department
names in the table (compared without accents or case) settle an ambiguous row where they
exist; otherwise the table's numbering must be clear from its other codes, or chosen by the
user. :func:`choose_scheme` never guesses: it returns the numbering and why, or raises.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geoprio.errors import JoinError

__all__ = ["INEI_ORDER", "NAME_COLUMNS", "SCHEMES", "STRAY_RATIO", "DistrictNames", "Evidence",
           "Reading", "Readings", "choose_scheme", "fold", "name_columns"]

SCHEMES = ("inei", "reniec")
INEI_ORDER = ("inei", "post2017", "old")  # INEI-numbered tables, tried in this order
# Evidence that points one way at least this many times for each time it points the other is
# read the majority's way: in a genuine table a code valid only in the other numbering is a
# typo or a stray row (about 40% of the codes of either numbering exist only in it, so a whole
# table in the other numbering would point the other way hundreds of times).
STRAY_RATIO = 20

# Column names (folded: no accents, lower case, "_" between words) that hold district names.
NAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "district": ("distrito", "district", "nombre_distrito", "nom_distrito", "nom_dist",
                 "nomdist", "nombdist", "distrito_nombre", "district_name", "name_district",
                 "nombre_del_distrito"),
    "province": ("provincia", "province", "nombre_provincia", "nom_provincia", "nom_prov",
                 "nomprov", "nombprov", "province_name", "nombre_de_la_provincia"),
    "department": ("departamento", "department", "nombre_departamento", "nom_departamento",
                   "nom_dpto", "nomdpto", "nombdep", "dpto", "depto", "region",
                   "department_name", "nombre_del_departamento"),
}
# A district's own name in codes.csv notes, when the code is not the 2017 district's own
# (a district created after 2017, an old code, a RENIEC code of a new district).
_NOTE_NAMES = (re.compile(r"^(.+?) \(creado después de 2017\)"), re.compile(r"^RENIEC de (.+)$"),
               re.compile(r"^código antiguo de (.+?):"), re.compile(r"^(.+?): fusionado en"))


def fold(text: Any) -> str:
    """A name compared without accents, case, punctuation or a note in parentheses.

    Examples
    --------
    >>> fold("  Río Santiago (RENIEC) "), fold("ANCO_HUALLO"), fold(None)
    ('RIO SANTIAGO', 'ANCO HUALLO', '')
    """
    if text is None or (isinstance(text, float) and text != text) or text is pd.NA:
        return ""
    plain = unicodedata.normalize("NFKD", str(text))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    plain = re.sub(r"\([^)]*\)", " ", plain)
    return " ".join(re.sub(r"[^0-9A-Za-z]+", " ", plain).upper().split())


def name_columns(table: pd.DataFrame, key: Any = None) -> dict[str, str]:
    """The table's district, province and department name columns (found by name)."""
    folded = {}
    for col in table.columns:
        if col != key:
            folded.setdefault(fold(col).lower().replace(" ", "_"), col)
    found = {}
    for kind, names in NAME_COLUMNS.items():
        for name in names:
            if name in folded:
                found[kind] = folded[name]
                break
    return found


@dataclass(frozen=True)
class Reading:
    """What one code means in one numbering: the 2017 district, the table it came from
    (``inei``, ``post2017``, ``old`` or ``reniec``), the note, and the district's own name when
    it is not the 2017 district's."""

    ubigeo: str
    via: str
    note: str = ""
    name: str = ""


class Readings:
    """Both readings of every known code, from the code table (``data/indicators/codes.csv``)."""

    def __init__(self, lookup: pd.DataFrame) -> None:
        missing = {"code", "scheme", "ubigeo"} - set(lookup.columns)
        if missing:
            raise JoinError(f"the code table lacks columns {sorted(missing)}; it needs code, "
                            "scheme, ubigeo (and note)")
        self.inei: dict[str, Reading] = {}
        self.reniec: dict[str, Reading] = {}
        notes = lookup["note"] if "note" in lookup.columns else pd.Series("", lookup.index)
        rows = zip(lookup["code"].astype(str), lookup["scheme"].astype(str),
                   lookup["ubigeo"].astype(str), notes.fillna("").astype(str), strict=True)
        by_scheme: dict[str, list[tuple[str, Reading]]] = {}
        for code, scheme, ubigeo, note in rows:
            by_scheme.setdefault(scheme, []).append((code, Reading(ubigeo, scheme, note,
                                                                   _note_name(note))))
        for scheme in INEI_ORDER:  # the first table that knows a code wins
            for code, reading in by_scheme.get(scheme, []):
                self.inei.setdefault(code, reading)
        for code, reading in by_scheme.get("reniec", []):
            self.reniec.setdefault(code, reading)

    def of(self, code: str | None) -> tuple[Reading | None, Reading | None]:
        """The INEI and the RENIEC reading of ``code`` (None where it has none)."""
        if code is None:
            return None, None
        return self.inei.get(code), self.reniec.get(code)


def _note_name(note: str) -> str:
    for pattern in _NOTE_NAMES:
        m = pattern.match(note)
        if m:
            return m.group(1)
    return ""


class DistrictNames:
    """District, province and department names of the 2017 districts, to compare with a table's.

    Built from a frame with ``ubigeo``, ``district``, ``province`` and ``department``
    (by default the shipped district table, cached).
    """

    def __init__(self, frame: pd.DataFrame | None = None) -> None:
        if frame is None:
            from geoprio.data.shipped import _read_indicators

            frame = _read_indicators()
        cols = ["ubigeo", "department", "province", "district"]
        self.raw = {str(u): (d, p, n) for u, d, p, n in frame[cols].itertuples(index=False)}
        self.folded = {u: tuple(fold(x) for x in v) for u, v in self.raw.items()}

    def describe(self, reading: Reading | None) -> str:
        """``DISTRICT (province, department)`` for messages."""
        if reading is None:
            return "no district"
        dep, prov, dist = self.raw.get(reading.ubigeo, ("?", "?", "?"))
        own = f"{reading.name}, in " if reading.name and fold(reading.name) != fold(dist) else ""
        return f"{own}{dist} ({prov}, {dep}) {reading.ubigeo}"

    def expected(self, reading: Reading) -> dict[str, str]:
        """The names a row on this reading's district should carry."""
        dep, prov, dist = self.raw.get(reading.ubigeo, ("", "", ""))
        return {"department": str(dep), "province": str(prov),
                "district": str(reading.name or dist)}

    def agrees(self, names: Mapping[str, str], reading: Reading | None) -> bool:
        """Whether a row's folded names (``{kind: name}``) fit the district of ``reading``."""
        if reading is None or reading.ubigeo not in self.folded:
            return False
        dep, prov, dist = self.folded[reading.ubigeo]
        own = {"department": {dep}, "province": {prov}, "district": {dist, fold(reading.name)}}
        return all(value in own[kind] for kind, value in names.items())


@dataclass
class Evidence:
    """Rows of a table counted by what their codes and names say about its numbering.

    ``only_inei``/``only_reniec``: codes valid in one numbering only; ``same_in_both``: codes
    that name the same district in both; ``ambiguous``: codes that name different districts;
    ``names_inei``/``names_reniec``: ambiguous rows whose names fit one reading only;
    ``names_neither``: ambiguous rows whose names fit neither (or both); ``decided_by``: how
    the numbering was chosen (``given``, ``codes``, ``names``, ``codes and names``, or
    ``unambiguous`` when no row depends on it).
    """

    only_inei: int = 0
    only_reniec: int = 0
    same_in_both: int = 0
    ambiguous: int = 0
    names_inei: int = 0
    names_reniec: int = 0
    names_neither: int = 0
    decided_by: str = ""
    examples: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, int)}


def choose_scheme(scheme: str, evidence: Evidence, undecided: int, key: Any) -> str:
    """The table's numbering: the user's, or the one the table's evidence points to.

    ``undecided`` is the number of ambiguous rows that names do not settle. When there are
    such rows, the evidence (codes valid in one numbering only, names fitting one reading only)
    must point one way, or at least :data:`STRAY_RATIO` times more one way than the other.
    Sets ``evidence.decided_by``; otherwise raises :class:`~geoprio.errors.JoinError` (with
    ``evidence`` and ``ambiguous`` attributes for the app).
    """
    e = evidence
    inei_votes, reniec_votes = e.only_inei + e.names_inei, e.only_reniec + e.names_reniec
    if scheme in SCHEMES:
        e.decided_by = "given"
        return scheme
    if not e.ambiguous:
        e.decided_by = "unambiguous"
        return "reniec" if e.only_reniec > e.only_inei else "inei"
    lopsided = max(inei_votes, reniec_votes) >= STRAY_RATIO * min(inei_votes, reniec_votes)
    if undecided == 0 or (lopsided and inei_votes + reniec_votes > 0):
        chosen = "reniec" if reniec_votes > inei_votes else "inei"
        codes = e.only_reniec if chosen == "reniec" else e.only_inei
        names = e.names_reniec if chosen == "reniec" else e.names_inei
        e.decided_by = "codes and names" if codes and names else "names" if names else "codes"
        return chosen
    why = ("the table points both ways: "
           f"{_rows(inei_votes)} fit only INEI numbering ({e.only_inei} by code, "
           f"{e.names_inei} by name) and {_rows(reniec_votes)} only RENIEC's "
           f"({e.only_reniec} by code, {e.names_reniec} by name)"
           if inei_votes else
           "nothing in the table tells: no code is valid in only one numbering"
           + (" and its names fit neither reading" if e.names_neither else
              " and it has no district names to compare"))
    example = "; ".join(f"row {x['row']}: {x['code']} is {x['inei_district']} in INEI "
                        f"numbering and {x['reniec_district']} in RENIEC numbering"
                        for x in e.examples[:2])
    what = (f"1 code of column {key!r} is a district code" if undecided == 1 else
            f"{undecided} codes of column {key!r} are district codes")
    err = JoinError(
        f"{what} in both INEI and RENIEC numbering for different districts ({example}), and "
        f"{why}. Choose the numbering: "
        "scheme='inei' or scheme='reniec' (geoprio join/check --scheme inei|reniec), or add a "
        "district name column (distrito) so that each row can be checked.")
    err.evidence = e.counts()  # type: ignore[attr-defined]
    err.ambiguous = list(e.examples)  # type: ignore[attr-defined]
    raise err


def _rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"
