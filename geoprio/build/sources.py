"""One parser per raw source under ``../shared/peru-data/indicators``.

Each function reads one file, checks that it looks as documented (raising
:class:`~geoprio.errors.DataBuildError` naming the file and what differs) and returns a tidy
frame keyed by the 2017 INEI ``ubigeo``. Missing-value codes (``(SD)``, ``(****)``, blanks)
become NaN, never zero.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from geoprio.errors import DataBuildError
from geoprio.readers.codes import normalize_ubigeo

log = logging.getLogger(__name__)

MISSING_CODES = ("(SD)", "(****)", "-", "", "NA", "n.d.", "ND")


def to_number(series: pd.Series) -> pd.Series:
    """Numbers from a column that mixes values and missing-value codes (never 0 for a code)."""
    text = series.astype("object").map(lambda v: v.strip() if isinstance(v, str) else v)
    text = text.map(lambda v: np.nan if isinstance(v, str) and v in MISSING_CODES else v)
    out = pd.to_numeric(text, errors="coerce")
    bad = text.notna() & out.isna()
    if bad.any():
        raise DataBuildError(
            f"column {series.name!r}: values that are neither numbers nor known missing codes "
            f"{MISSING_CODES}: {sorted(set(map(str, text[bad])))[:5]}"
        )
    return out.astype("float64")


def _need(frame: pd.DataFrame, columns: list[str], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataBuildError(
            f"{path}: expected columns {missing} not found; got {list(frame.columns)}")


def read_ubigeo_table(path: Path) -> pd.DataFrame:
    """INEI and RENIEC codes, names, altitude, food-vulnerability index (all 1,893 records)."""
    # the file writes a missing value as "NA" (R's way): never a code
    t = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=["", "NA"])
    _need(t, ["inei", "reniec", "departamento", "provincia", "distrito", "altitude",
              "indice_vulnerabilidad_alimentaria", "superficie"], path)
    return t


def read_ceplan(path: Path) -> pd.DataFrame:
    """District rows of CEPLAN's matrix (sheet ``Distrital``, header on row 9)."""
    raw = pd.read_excel(path, sheet_name="Distrital", header=None, engine="calamine")
    header = [str(h) for h in raw.iloc[8].tolist()]
    if not header[1].startswith("Ubigeo") or "desnutrición" not in header[25]:
        raise DataBuildError(f"{path}: sheet 'Distrital' row 9 is not the expected header")
    rows = raw.iloc[9:]
    rows = rows[rows[0] == "Distrito"]
    out = pd.DataFrame({"ubigeo": normalize_ubigeo(rows[1]).to_numpy()})
    cols = {
        "pop_2017": 4, "stunting_u5_2019": 25, "anemia_6_35m_2019": 26, "hdi_2019": 29,
        "poverty_ceplan_2018": 32, "extreme_poverty_2013": 34,
    }
    for name, idx in cols.items():
        out[name] = to_number(rows[idx].rename(header[idx].split("\n")[0])).to_numpy()
    for name, idx in {"stunting_u5_2019": 25, "anemia_6_35m_2019": 26}.items():
        raw_text = rows[idx].astype(str).str.strip().to_numpy()
        out[f"{name}_code"] = np.where(np.isin(raw_text, ["(SD)", "(****)"]), raw_text, "")
    border = rows[19].astype(str).str.strip()
    out["border_country"] = np.where(border.eq("No"), "", border.str.replace("\n", ", "))
    out["border"] = out["border_country"] != ""
    if out["ubigeo"].isna().any() or out["ubigeo"].duplicated().any():
        raise DataBuildError(f"{path}: district codes missing or duplicated in sheet 'Distrital'")
    return out


#: Rows of the MINSA population file coded outside the 2017 set, and the 2017 district that
#: holds them (the boundaries already merge 150144 into 150118).
POPULATION_ADDED_TO = {"150144*": "150118"}


def read_population_2020(path: Path, report: dict | None = None) -> pd.DataFrame:
    """MINSA REUNIS 2020 population: total, under-5, under-3, children 6–35 months.

    The row coded ``150144*`` (Santa María de Huachipa, created after 2017 inside 150118
    Lurigancho) is added to 150118, and ``report`` (when given) records what was added. Any
    other row whose code is not a 6-digit ubigeo stops the build: nothing is dropped silently.
    """
    raw = pd.read_excel(path, sheet_name="DISTRITAL", header=None, engine="calamine")
    header = raw.iloc[6].tolist()
    if str(header[0]).strip() != "UBIGEO" or str(header[4]).strip() != "Total":
        raise DataBuildError(f"{path}: sheet 'DISTRITAL' row 7 is not the expected header")
    pos = {}
    for i, h in enumerate(header):
        key = str(h).strip()
        if key.replace(".0", "").isdigit() and i < 30:
            pos[int(float(key))] = i
        elif key == "6-11 MESES":
            pos["6-11m"] = i
    rows = raw.iloc[7:]
    rows = rows[pd.to_numeric(rows[4], errors="coerce").notna()]  # data rows carry a total
    text = rows[0].astype(str).str.strip()
    odd = rows[~text.str.fullmatch(r"\d{6}") & ~text.isin(list(POPULATION_ADDED_TO))]
    if len(odd):
        raise DataBuildError(f"{path}: rows with a code that is not a 6-digit ubigeo: "
                             f"{odd[0].astype(str).tolist()[:5]}")
    rows = rows.copy()
    rows[0] = text.replace(POPULATION_ADDED_TO)
    national = rows[rows[0] == "000000"]
    rows = rows[(rows[0] != "000000") & ~rows[0].str.endswith("00")]  # no province/dept totals
    table = _population_columns(rows, pos)
    if report is not None:
        moved = (text.loc[rows.index] != rows[0]).to_numpy()
        report["added_to_2017_district"] = [
            {"code": text[i], "name": str(raw.loc[i, 3]).strip(), "added_to": r.ubigeo,
             "pop_2020": r.pop_2020, "under5_2020": r.under5_2020, "under3_2020": r.under3_2020}
            for i, r in zip(rows.index[moved], table[moved].itertuples(), strict=True)]
        if len(national) == 1:
            nat = _population_columns(national, pos).iloc[0]
            report["national_row"] = {k: float(nat[k]) for k in
                                      ("pop_2020", "under5_2020", "under3_2020")}
    return table.groupby("ubigeo", sort=True, as_index=False).sum()


def _population_columns(rows: pd.DataFrame, pos: dict) -> pd.DataFrame:
    age = {a: to_number(rows[pos[a]]).to_numpy() for a in range(5)}
    return pd.DataFrame({
        "ubigeo": rows[0].to_numpy(),
        "pop_2020": to_number(rows[4]).to_numpy(),
        "under5_2020": age[0] + age[1] + age[2] + age[3] + age[4],
        "under3_2020": age[0] + age[1] + age[2],
        "children_6_35m_2020": to_number(rows[pos["6-11m"]]).to_numpy() + age[1] + age[2],
    })


def read_poverty_2018(path: Path) -> pd.DataFrame:
    """INEI poverty map 2018: midpoint, 95% interval, robust groups, grouping, names."""
    t = pd.read_csv(path, dtype=str)
    _need(t, ["ubigeo", "conf_95_inf", "conf_95_sup", "pobreza_monetaria",
              "grupo_robusto_nacional", "agrupados", "region", "provincia", "distrito"], path)
    lo, hi = to_number(t["conf_95_inf"]), to_number(t["conf_95_sup"])
    return pd.DataFrame({
        "ubigeo": normalize_ubigeo(t["ubigeo"]),
        "poverty_2018": ((lo + hi) / 2).round(2),
        "poverty_2018_lo": lo,
        "poverty_2018_hi": hi,
        "poverty_group_2018": to_number(t["grupo_robusto_nacional"]),
        # INEI estimated some districts jointly: one estimate and one interval per group
        "poverty_joint_2018": to_number(t["agrupados"].fillna("000")).where(
            t["agrupados"].fillna("000").ne("000")),
        "name_department": t["region"].str.strip(),
        "name_province": t["provincia"].str.strip(),
        "name_district": t["distrito"].str.strip(),
    })


def read_census_services(path: Path) -> pd.DataFrame:
    """Census 2017 service coverage, turned into gaps (% of households without)."""
    with open(path, encoding="utf-8") as fh:
        records = json.load(fh)
    t = pd.DataFrame(records)
    _need(t, ["ubigeo", "pob", "agua", "desague", "electricidad", "internet"], path)
    out = pd.DataFrame({"ubigeo": normalize_ubigeo(t["ubigeo"]), "census_pop": t["pob"]})
    for src, name in (("agua", "no_water_2017"), ("desague", "no_sewer_2017"),
                      ("electricidad", "no_electricity_2017"), ("internet", "no_internet_2017")):
        out[name] = (100 - pd.to_numeric(t[src], errors="coerce")).round(2)
    return out


def read_vraem(path: Path) -> pd.DataFrame:
    """VRAEM and NOR-VRAEM district codes (may include post-2017 codes)."""
    t = pd.read_csv(path, dtype=str)
    _need(t, ["ambito", "ubigeo"], path)
    t["ubigeo"] = normalize_ubigeo(t["ubigeo"])
    return t


def read_crosswalk(path: Path) -> pd.DataFrame:
    """Post-2017 districts and the 2017 parent holding most of their area."""
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    _need(t, ["ubigeo_new", "district_new", "parent_ubigeo_2017", "share_in_parent",
              "other_parents"], path)
    t["ubigeo_new"] = normalize_ubigeo(t["ubigeo_new"])
    t["parent_ubigeo_2017"] = normalize_ubigeo(t["parent_ubigeo_2017"])
    return t


def read_endes(path: Path) -> pd.DataFrame:
    """ENDES department series 2009–2025 in long form."""
    t = pd.read_excel(path, sheet_name="Base_series", engine="calamine")
    _need(t, ["año", "ambito", "region_codigo", "region_nombre", "area",
              "dci_menores5_pct", "dci_severa_menores5_pct", "anemia_6_35_comparable_pct",
              "anemia_6_35_nueva_pct", "n_dci", "n_anemia_comparable"], path)
    out = pd.DataFrame({
        "year": t["año"].astype(int),
        "level": t["ambito"].map({"Nacional": "national", "Regional": "department"}),
        "department_code": t["region_codigo"].astype(int).map(lambda c: f"{c:02d}"),
        "department": t["region_nombre"].str.strip(),
        "area": t["area"].map({"Total": "total", "Urbano": "urban", "Rural": "rural"}),
        "stunting_u5": t["dci_menores5_pct"],
        "severe_stunting_u5": t["dci_severa_menores5_pct"],
        "anemia_6_35m": t["anemia_6_35_comparable_pct"],
        "anemia_6_35m_new_method": t["anemia_6_35_nueva_pct"],
        "n_stunting": t["n_dci"],
        "n_anemia": t["n_anemia_comparable"],
    })
    if out["level"].isna().any() or out["area"].isna().any():
        raise DataBuildError(f"{path}: unexpected 'ambito' or 'area' values")
    out.loc[out["level"] == "national", "department_code"] = "00"
    order = {"level": {"national": 0, "department": 1},
             "area": {"total": 0, "urban": 1, "rural": 2}}
    out = out.sort_values(
        ["level", "department_code", "area", "year"],
        key=lambda s: s.map(order[s.name]) if s.name in order else s,
    )
    return out.reset_index(drop=True)
