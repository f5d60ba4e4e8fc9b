"""District codes (ubigeo) and the join that loses nothing.

Peru's district code, the *ubigeo*, is six digits ``DDPPdd`` (department, province,
district). Two numbering schemes are in use: INEI's (censuses, poverty maps, this project)
and RENIEC's (identity registry, many municipal files). Districts created after the 2017
census have codes that the 2017 boundaries do not know. :func:`join_indicators` handles all
three and returns a :class:`JoinReport` that lists every code it could not place.

The lookup table lives in ``data/indicators/codes.csv`` (written by the data build):
``code, scheme, ubigeo, note`` where ``scheme`` is ``inei``, ``reniec``, ``post2017`` or
``old`` and ``ubigeo`` is the 2017 INEI district the code belongs to.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from geoprio._renamed import renamed
from geoprio.errors import JoinError
from geoprio.readers.numbering import (
    SCHEMES,
    DistrictNames,
    Evidence,
    Readings,
    choose_scheme,
    fold,
    name_columns,
)

__all__ = ["JoinReport", "find_code_column", "join_indicators", "normalize_ubigeo"]

log = logging.getLogger(__name__)

_CODE_NAMES = ("ubigeo", "ubigeo_inei", "cod_ubigeo", "codigo_ubigeo", "inei", "ubigeo_reniec",
               "reniec", "cod_dist", "codigo", "idubigeo", "id_ubigeo", "coddist", "ubigeo2017")


def normalize_ubigeo(values: pd.Series | list | Any) -> pd.Series:
    """Normalise codes to six-digit text, keeping what cannot be a code as missing.

    geoprio's one normaliser of district codes (tables, boundaries, points and the data
    build all use it). Accepts numbers that lost their leading zero (``10101`` or
    ``10101.0``), text with spaces or apostrophes (``"'150101"``, as spreadsheets keep a
    leading zero) and 4- to 6-digit text. Anything else (blank, text, a decimal, more than six
    digits) becomes ``None``. The index and the name of a Series are kept.

    Examples
    --------
    >>> normalize_ubigeo([10101, "010101", " 80915 ", "15.0101", None, "abc"]).tolist()
    ['010101', '010101', '080915', None, None, None]
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values, dtype="object")
    text = s.astype("string").str.strip().str.strip("'\"").str.strip()
    text = text.str.replace(r"\.0+$", "", regex=True)  # 10101.0 read as a number
    ok = text.str.fullmatch(r"[0-9]{4,6}").fillna(False).to_numpy(dtype=bool)
    out = np.full(len(s), None, dtype=object)
    out[ok] = text[ok].str.zfill(6).to_numpy(dtype=object)
    return pd.Series(out, index=s.index, dtype="object", name=s.name)


def find_code_column(table: pd.DataFrame) -> str:
    """Return the column of ``table`` that holds district codes.

    A column named like a ubigeo wins; otherwise the column whose values are most often
    valid 6-digit codes. Raises :class:`~geoprio.errors.JoinError` listing the columns when
    none looks like codes.
    """
    lowered = {str(c).strip().lower(): c for c in table.columns}
    for name in _CODE_NAMES:
        if name in lowered:
            return lowered[name]
    best, best_share = None, 0.0
    for col in table.columns:
        codes = normalize_ubigeo(table[col].head(500))
        share = codes.notna().mean() if len(codes) else 0.0
        if share > best_share:
            best, best_share = col, share
    if best is None or best_share < 0.8:
        raise JoinError(
            f"No column of district codes (ubigeo) found among {list(table.columns)}. "
            "Name the column with id_column='...' (6-digit INEI or RENIEC code)."
        )
    return best


@dataclass
class JoinReport:
    """What happened to every code of a joined table.

    Every field is plain data (counts, codes, row numbers, names), so that the app can word
    the report in Spanish; :meth:`summary` is the English paragraph for a terminal.

    Attributes
    ----------
    key : the table's code column.
    scheme : ``"inei"`` or ``"reniec"``, the numbering the table was read in.
    rows : rows in the table.
    matched : rows placed on a 2017 district (directly or recoded).
    unmatched : table rows whose code is no 2017 district: ``{"row", "code", "why"}``.
    invalid : table rows whose key is not a code at all (blank, text, wrong length).
    duplicates : codes that appear more than once, with their table rows.
    recoded : rows placed on another code's district (RENIEC, post-2017, old):
        ``{"row", "code", "ubigeo", "scheme", "note"}``.
    missing_districts : 2017 districts with no row in the table.
    evidence : what the codes and names say about the numbering (see
        :class:`geoprio.readers.numbering.Evidence`): ``only_inei``, ``only_reniec``,
        ``same_in_both``, ``ambiguous``, ``names_inei``, ``names_reniec``,
        ``names_neither``, and ``decided_by`` (``given``, ``codes``, ``names``,
        ``codes and names`` or ``unambiguous``).
    ambiguous : rows whose code names one district in INEI numbering and another in RENIEC
        numbering: ``{"row", "code", "inei", "reniec", "placed", "by"}`` (``by``: ``names``
        or ``scheme``).
    name_columns : the table's name columns used, ``{"district"|"province"|"department":
        column}``.
    name_mismatches : placed rows whose names do not fit the district they were placed on:
        ``{"row", "code", "ubigeo", "names", "expected"}``.
    n_districts : districts joined to (1,874 for the whole country).
    """

    key: str
    scheme: str
    rows: int
    matched: int = 0
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    invalid: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    recoded: list[dict[str, Any]] = field(default_factory=list)
    missing_districts: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    ambiguous: list[dict[str, Any]] = field(default_factory=list)
    name_columns: dict[str, str] = field(default_factory=dict)
    name_mismatches: list[dict[str, Any]] = field(default_factory=list)
    n_districts: int = 1874

    @property
    def ok(self) -> bool:
        """True when every row matched exactly one district and no district is left out."""
        return not (self.unmatched or self.invalid or self.duplicates or self.missing_districts)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (JSON-ready), with counts first."""
        d = asdict(self)
        d["counts"] = {
            "rows": self.rows,
            "matched": self.matched,
            "unmatched": len(self.unmatched),
            "invalid": len(self.invalid),
            "duplicates": len(self.duplicates),
            "recoded": len(self.recoded),
            "missing_districts": len(self.missing_districts),
            "ambiguous": len(self.ambiguous),
            "name_mismatches": len(self.name_mismatches),
        }
        return d

    def numbering(self) -> str:
        """How the numbering was chosen, in English."""
        e = self.evidence
        how = {
            "given": "chosen by the user",
            "unambiguous": "no code depends on it",
            "codes": f"{e.get('only_' + self.scheme, 0)} codes exist only in it",
            "names": f"district names fit it in {e.get('names_' + self.scheme, 0)} rows",
            "codes and names": f"{e.get('only_' + self.scheme, 0)} codes exist only in it and "
                               f"district names fit it in {e.get('names_' + self.scheme, 0)} "
                               "rows",
        }.get(e.get("decided_by", ""), "")
        return f"{self.scheme.upper()} numbering" + (f" ({how})" if how else "")

    def summary(self) -> str:
        """One paragraph for a terminal or a log."""
        c = self.to_dict()["counts"]
        text = (
            f"{c['rows']} rows read by column {self.key!r} in {self.numbering()}: "
            f"{c['matched']} matched, {c['recoded']} recoded, {c['unmatched']} unmatched, "
            f"{c['invalid']} without a valid code, {c['duplicates']} duplicated codes; "
            f"{c['missing_districts']} of the {self.n_districts:,} districts have no row."
        )
        if self.ambiguous:
            by_names = sum(a["by"] == "names" for a in self.ambiguous)
            text += (f"\n  {c['ambiguous']} codes name other districts in the other numbering: "
                     f"{by_names} placed by their district names, "
                     f"{c['ambiguous'] - by_names} by the table's numbering")
        for item in self.unmatched[:10]:
            text += f"\n  unmatched row {item['row']}: {item['code']} ({item['why']})"
        for item in self.invalid[:10]:
            text += f"\n  invalid row {item['row']}: {item['value']!r}"
        for item in self.duplicates[:10]:
            text += f"\n  duplicate {item['ubigeo']} in rows {item['rows']}"
        for item in self.name_mismatches[:10]:
            text += (f"\n  names of row {item['row']} do not fit {item['ubigeo']}: "
                     f"{item['names']} against {item['expected']}")
        return text

    def __repr__(self) -> str:
        c = self.to_dict()["counts"]
        return (f"JoinReport(rows={c['rows']}, scheme={self.scheme!r}, matched={c['matched']}, "
                f"recoded={c['recoded']}, unmatched={c['unmatched']}, invalid={c['invalid']}, "
                f"duplicates={c['duplicates']}, ambiguous={c['ambiguous']}, "
                f"name_mismatches={c['name_mismatches']}, "
                f"missing_districts={c['missing_districts']})")


def _code_table(codes: pd.DataFrame | None) -> pd.DataFrame:
    if codes is not None:
        return codes
    from geoprio.data.shipped import load_codes

    return load_codes()


@renamed(key='id_column')
def join_indicators(
    districts: pd.DataFrame,
    table: pd.DataFrame,
    id_column: str | None = None,
    *,
    scheme: str = "auto",
    duplicates: str = "error_report",
    codes: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, JoinReport]:
    """Join a table of indicators to the districts, reporting every code.

    Each code is read in INEI numbering (a 2017 district, else a district created after 2017,
    else an old code, in that order) and in RENIEC numbering (:mod:`geoprio.readers.numbering`).
    Codes with one reading are placed by it. Codes that name *different* districts in the
    two numberings are placed by the table's district names where it has them (columns such
    as ``distrito``, ``provincia``, ``departamento``; accents and case ignored), else by the
    table's numbering: the one chosen with ``scheme``, or the one all of the table's other
    evidence points to. When nothing tells, or the table points both ways, the join refuses
    to guess (:class:`~geoprio.errors.JoinError`). Rows whose names do not fit the district
    they were placed on are listed in ``report.name_mismatches``.

    Parameters
    ----------
    districts : frame with a ``ubigeo`` column (2017 INEI codes), e.g. ``load_districts()``.
    table : the user's table, one row per district.
    id_column : its code column; found by name or content when None (formerly ``key``).
    scheme : ``"auto"`` (default: from the codes and names, refusing when they do not tell),
        ``"inei"`` or ``"reniec"``.
    duplicates : ``"error_report"`` (default) keeps the first row of a duplicated code in the
        join and lists every duplicate in the report; ``"mean"`` averages numeric columns.
    codes : the code lookup table (``data/indicators/codes.csv`` when None).

    Returns
    -------
    (joined, report) : ``districts`` with the table's other columns added (same rows, same
        order; districts with no data get missing values), and a :class:`JoinReport`.

    Raises
    ------
    JoinError
        No code column; a bad option; codes valid in both numberings for different districts
        with nothing in the table to tell which numbering it uses (the exception's
        ``evidence`` and ``ambiguous`` attributes hold the counts and the rows).

    Examples
    --------
    >>> import pandas as pd, geoprio
    >>> d = geoprio.load_districts()
    >>> t = pd.DataFrame({"ubigeo": [10101, "250204"], "distrito": ["Chachapoyas", "Yurúa"],
    ...                   "coverage": [80.5, 12.0]})
    >>> joined, report = geoprio.join_indicators(d, t)
    >>> report.matched, len(report.missing_districts)
    (2, 1872)
    >>> report.scheme, report.evidence["decided_by"]  # 250204 is Neshuya in RENIEC's numbering
    ('inei', 'names')
    """
    id_column = _check_join(districts, table, id_column, scheme, duplicates)
    readings = Readings(_code_table(codes))
    names = DistrictNames()  # the shipped names of all 2017 districts, whatever is joined to
    valid = set(districts["ubigeo"].astype(str))
    norm = normalize_ubigeo(table[id_column]).tolist()
    found = name_columns(table, id_column)
    row_names = _row_names(table, found)
    both = [readings.of(code) for code in norm]

    evidence, verdicts = _weigh_evidence(norm, both, row_names, names)
    undecided = sum(1 for (ri, rr), v in zip(both, verdicts, strict=True)
                    if ri is not None and rr is not None and ri.ubigeo != rr.ubigeo
                    and v not in SCHEMES)
    by_names = scheme == "auto"  # a scheme the user chose is followed, names only checked
    scheme = choose_scheme(scheme, evidence, undecided if by_names else 0, id_column)

    report = JoinReport(key=str(id_column), scheme=scheme, rows=len(table), name_columns=found,
                        n_districts=len(valid))
    target = _place_rows(table, id_column, norm, both, verdicts, row_names, by_names, names, valid,
                         report)
    report.evidence = {**evidence.counts(), "decided_by": evidence.decided_by}
    joined = _merge_placed(districts, table.drop(columns=[id_column]), target, duplicates, report)
    if not report.ok or report.name_mismatches:
        log.warning(report.summary())
    return joined, report


def _check_join(districts: pd.DataFrame, table: pd.DataFrame, key: str | None, scheme: str,
                duplicates: str) -> str:
    """The join's arguments checked; the table's code column (found when ``key`` is None)."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    if "ubigeo" not in districts.columns:
        raise JoinError("districts has no 'ubigeo' column; use geoprio.load_districts().")
    if scheme not in ("auto", *SCHEMES):
        raise JoinError(f"scheme must be one of 'auto', 'inei', 'reniec'; got {scheme!r}")
    if duplicates not in ("error_report", "mean"):
        raise JoinError(f"duplicates must be 'error_report' or 'mean'; got {duplicates!r}")
    if key is None:
        return find_code_column(table)
    if key not in table.columns:
        raise JoinError(f"id_column {key!r} is not in the table; columns: {list(table.columns)}")
    return key


_Pair = tuple[Any, Any]  # a code's (INEI reading, RENIEC reading), either None


def _weigh_evidence(norm: list[str | None], both: list[_Pair], row_names: list[dict[str, str]],
                    names: DistrictNames) -> tuple[Evidence, list[str | None]]:
    """What the codes and names say about the numbering: the counts, and for each row whose
    code names different districts in the two numberings the names' verdict ("inei",
    "reniec", "neither"; None where the row has no names or the code is not ambiguous)."""
    evidence = Evidence()
    verdicts: list[str | None] = []
    for row, (code, (ri, rr), seen) in enumerate(zip(norm, both, row_names, strict=True), 1):
        verdict = None
        if ri is not None and rr is None:
            evidence.only_inei += 1
        elif rr is not None and ri is None:
            evidence.only_reniec += 1
        elif ri is not None and rr is not None and ri.ubigeo == rr.ubigeo:
            evidence.same_in_both += 1
        elif ri is not None and rr is not None:
            evidence.ambiguous += 1
            if seen:
                fits_inei, fits_reniec = names.agrees(seen, ri), names.agrees(seen, rr)
                verdict = "inei" if fits_inei and not fits_reniec else \
                    "reniec" if fits_reniec and not fits_inei else "neither"
                evidence.names_inei += verdict == "inei"
                evidence.names_reniec += verdict == "reniec"
                evidence.names_neither += verdict == "neither"
            if verdict not in SCHEMES and len(evidence.examples) < 20:
                evidence.examples.append({"row": row, "code": code, "inei": ri.ubigeo,
                                          "reniec": rr.ubigeo,
                                          "inei_district": names.describe(ri),
                                          "reniec_district": names.describe(rr)})
        verdicts.append(verdict)
    return evidence, verdicts


def _place_rows(table: pd.DataFrame, key: str, norm: list[str | None], both: list[_Pair],
                verdicts: list[str | None], row_names: list[dict[str, str]], by_names: bool,
                names: DistrictNames, valid: set[str], report: JoinReport) -> list[str | None]:
    """The 2017 district of each row (None where it has none), every decision in ``report``:
    invalid, ambiguous, unmatched and recoded codes, names that do not fit."""
    found = report.name_columns
    target: list[str | None] = []
    rows = zip(table[key].tolist(), norm, both, verdicts, row_names, strict=True)
    for row, (value, code, (ri, rr), verdict, seen) in enumerate(rows, start=1):
        if code is None:
            report.invalid.append({"row": row, "value": _plain(value)})
            target.append(None)
            continue
        first, second = (ri, rr) if report.scheme == "inei" else (rr, ri)
        reading = first or second
        if ri is not None and rr is not None and ri.ubigeo != rr.ubigeo:
            by = "names" if by_names and verdict in SCHEMES else "scheme"
            if by == "names":
                reading = ri if verdict == "inei" else rr
            report.ambiguous.append({"row": row, "code": code, "inei": ri.ubigeo,
                                     "reniec": rr.ubigeo, "placed": reading.ubigeo, "by": by})
        why = _why_unplaced(reading, valid)
        if why:
            report.unmatched.append({"row": row, "code": code, "why": why})
            target.append(None)
            continue
        if reading.ubigeo != code:
            report.recoded.append({"row": row, "code": code, "ubigeo": reading.ubigeo,
                                   "scheme": reading.via, "note": reading.note})
        if seen and not names.agrees(seen, reading):
            expected = names.expected(reading)
            report.name_mismatches.append({
                "row": row, "code": code, "ubigeo": reading.ubigeo,
                "names": {found[k]: _plain(table[found[k]].iloc[row - 1]) for k in seen},
                "expected": {found[k]: expected[k] for k in seen}})
        target.append(reading.ubigeo)
    return target


def _why_unplaced(reading: Any, valid: set[str]) -> str:
    """Why a code's reading places it on no district joined to ("" when it does)."""
    if reading is None:
        return ("not a district code in INEI numbering (2017, post-2017 or old) nor in "
                "RENIEC numbering; check the code")
    if reading.ubigeo not in valid:
        return (f"district {reading.ubigeo} ({reading.via} code), which is not among the "
                f"{len(valid):,} districts joined to")
    return ""


def _merge_placed(districts: pd.DataFrame, values: pd.DataFrame, target: list[str | None],
                  duplicates: str, report: JoinReport) -> pd.DataFrame:
    """``districts`` with the placed rows' columns (``values``) added: duplicates listed and
    kept first or averaged, clashing names suffixed ``_table``, districts without a row
    listed in ``report``."""
    work = values.copy()
    work.insert(0, "ubigeo", pd.Series(target, index=values.index, dtype="object"))
    work["_row"] = np.arange(1, len(work) + 1)
    placed = work[work["ubigeo"].notna()]
    dup_mask = placed["ubigeo"].duplicated(keep=False)
    for code, grp in placed[dup_mask].groupby("ubigeo", sort=True):
        report.duplicates.append({"ubigeo": code, "rows": grp["_row"].tolist()})
    if duplicates == "mean" and dup_mask.any():
        numeric = placed.drop(columns="_row").select_dtypes("number").columns
        agg = {c: ("mean" if c in numeric else "first") for c in placed.columns
               if c not in ("ubigeo", "_row")}
        placed = placed.groupby("ubigeo", sort=False, as_index=False).agg(agg)
    else:
        placed = placed.drop_duplicates("ubigeo", keep="first")
    placed = placed.drop(columns="_row", errors="ignore")
    report.matched = int(work["ubigeo"].notna().sum())

    clash = [c for c in placed.columns if c != "ubigeo" and c in districts.columns]
    if clash:
        placed = placed.rename(columns={c: f"{c}_table" for c in clash})
        log.warning("Columns already in the districts renamed with suffix '_table': %s", clash)
    joined = districts.merge(placed, on="ubigeo", how="left", validate="one_to_one")
    joined.index = districts.index
    present = set(placed["ubigeo"])
    report.missing_districts = [u for u in districts["ubigeo"].astype(str) if u not in present]
    return joined


def _row_names(table: pd.DataFrame, found: dict[str, str]) -> list[dict[str, str]]:
    """Each row's folded names by kind (blank names left out)."""
    seen: dict[Any, str] = {}

    def once(v: Any) -> str:  # a column repeats its names: fold each distinct one once
        try:
            return seen[v] if v in seen else seen.setdefault(v, fold(v))
        except TypeError:  # an unhashable cell
            return fold(v)

    folded = {kind: [once(v) for v in table[col].tolist()] for kind, col in found.items()}
    return [{kind: values[i] for kind, values in folded.items() if values[i]}
            for i in range(len(table))]


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value if isinstance(value, (int, float, str)) else str(value)
