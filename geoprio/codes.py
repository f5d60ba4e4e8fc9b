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

from geoprio.errors import JoinError

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
            "Name the column with key='...' (6-digit INEI or RENIEC code)."
        )
    return best


@dataclass
class JoinReport:
    """What happened to every code of a joined table.

    Attributes
    ----------
    key : the table's code column.
    scheme : ``"inei"`` or ``"reniec"``, the numbering the table was read in.
    rows : rows in the table.
    matched : rows placed on a 2017 district (directly or recoded).
    unmatched : table rows whose code is no 2017 district: ``{"row", "code", "why"}``.
    invalid : table rows whose key is not a code at all (blank, text, wrong length).
    duplicates : codes that appear more than once, with their table rows.
    recoded : codes translated (RENIEC, post-2017, old):
        ``{"row", "code", "ubigeo", "scheme", "note"}``.
    missing_districts : 2017 districts with no row in the table.
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
        }
        return d

    def summary(self) -> str:
        """One paragraph for a terminal or a log."""
        c = self.to_dict()["counts"]
        text = (
            f"{c['rows']} rows read by column {self.key!r} ({self.scheme.upper()} codes): "
            f"{c['matched']} matched, {c['recoded']} recoded, {c['unmatched']} unmatched, "
            f"{c['invalid']} without a valid code, {c['duplicates']} duplicated codes; "
            f"{c['missing_districts']} of the 1,874 districts have no row."
        )
        for item in self.unmatched[:10]:
            text += f"\n  unmatched row {item['row']}: {item['code']} ({item['why']})"
        for item in self.invalid[:10]:
            text += f"\n  invalid row {item['row']}: {item['value']!r}"
        for item in self.duplicates[:10]:
            text += f"\n  duplicate {item['ubigeo']} in rows {item['rows']}"
        return text

    def __repr__(self) -> str:
        c = self.to_dict()["counts"]
        return (f"JoinReport(rows={c['rows']}, matched={c['matched']}, recoded={c['recoded']}, "
                f"unmatched={c['unmatched']}, invalid={c['invalid']}, "
                f"duplicates={c['duplicates']}, missing_districts={c['missing_districts']})")


def _code_table(codes: pd.DataFrame | None) -> pd.DataFrame:
    if codes is not None:
        return codes
    from geoprio.data import load_codes

    return load_codes()


def join_indicators(
    districts: pd.DataFrame,
    table: pd.DataFrame,
    key: str | None = None,
    *,
    scheme: str = "auto",
    duplicates: str = "error_report",
    codes: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, JoinReport]:
    """Join a table of indicators to the districts, reporting every code.

    Parameters
    ----------
    districts : frame with a ``ubigeo`` column (2017 INEI codes), e.g. ``load_districts()``.
    table : the user's table, one row per district.
    key : its code column; found by name or content when None.
    scheme : ``"auto"`` (the numbering that matches more codes), ``"inei"`` or ``"reniec"``.
    duplicates : ``"error_report"`` (default) keeps the first row of a duplicated code in the
        join and lists every duplicate in the report; ``"mean"`` averages numeric columns.
    codes : the code lookup table (``data/indicators/codes.csv`` when None).

    Returns
    -------
    (joined, report) : ``districts`` with the table's other columns added (same rows, same
        order; districts with no data get missing values), and a :class:`JoinReport`.

    Examples
    --------
    >>> import pandas as pd, geoprio
    >>> d = geoprio.load_districts()
    >>> t = pd.DataFrame({"ubigeo": [10101, "250204"], "coverage": [80.5, 12.0]})
    >>> joined, report = geoprio.join_indicators(d, t)
    >>> report.matched, len(report.missing_districts)
    (2, 1872)
    """
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
    if "ubigeo" not in districts.columns:
        raise JoinError("districts has no 'ubigeo' column; use geoprio.load_districts().")
    if scheme not in ("auto", "inei", "reniec"):
        raise JoinError(f"scheme must be one of 'auto', 'inei', 'reniec'; got {scheme!r}")
    if duplicates not in ("error_report", "mean"):
        raise JoinError(f"duplicates must be 'error_report' or 'mean'; got {duplicates!r}")
    if key is None:
        key = find_code_column(table)
    elif key not in table.columns:
        raise JoinError(f"key column {key!r} is not in the table; columns: {list(table.columns)}")

    lookup = _code_table(codes)
    valid = set(districts["ubigeo"].astype(str))
    raw = table[key]
    norm = normalize_ubigeo(raw)
    by_scheme = {s: lookup[lookup["scheme"] == s].set_index("code") for s in
                 ("inei", "reniec", "post2017", "old")}

    if scheme == "auto":
        # Most codes are valid in both numberings: only the codes valid in one of them tell.
        inei_codes = valid | set(by_scheme["post2017"].index) | set(by_scheme["old"].index)
        reniec_codes = set(by_scheme["reniec"].index)
        only_inei = norm.isin(inei_codes - reniec_codes).sum()
        only_reniec = norm.isin(reniec_codes - inei_codes).sum()
        scheme = "reniec" if only_reniec > only_inei else "inei"

    report = JoinReport(key=str(key), scheme=scheme, rows=len(table))
    target: list[str | None] = []
    for row, (value, code) in enumerate(zip(raw.tolist(), norm.tolist(), strict=True), start=1):
        if code is None:
            report.invalid.append({"row": row, "value": _plain(value)})
            target.append(None)
            continue
        if scheme == "inei" and code in valid:
            target.append(code)
            continue
        hit = None
        fallbacks = ("post2017", "old", "reniec") if scheme == "inei" else (
            "reniec", "post2017", "old")
        for s in fallbacks:
            if code in by_scheme[s].index:
                hit = (s, by_scheme[s].loc[code])
                break
        if hit is None:
            why = (f"not a 2017 {scheme.upper()} district code, nor a known RENIEC, "
                   "post-2017 or old code; check the code or its numbering (--scheme)")
            report.unmatched.append({"row": row, "code": code, "why": why})
            target.append(None)
            continue
        s, rec = hit
        ubigeo = str(rec["ubigeo"])
        if s != "reniec" or ubigeo != code:
            report.recoded.append({"row": row, "code": code, "ubigeo": ubigeo, "scheme": s,
                                   "note": str(rec.get("note", "") or "")})
        target.append(ubigeo)

    work = table.drop(columns=[key]).copy()
    work.insert(0, "ubigeo", pd.Series(target, index=table.index, dtype="object"))
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
    if not report.ok:
        log.warning(report.summary())
    return joined, report


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value if isinstance(value, (int, float, str)) else str(value)
