"""SIEN-HIS 2022 counts by district, and the 2022 columns derived from them.

``sien_his_2022_indicadores_ninos.xlsx`` (INS/CENAN) counts children measured at MINSA health
facilities in January–December 2022, by the **district of the facility**. Three sheets are read:

- ``EN 0-59m x DISTRITO``: under-5s evaluated for height-for-age and stunted (< −2 SD, WHO);
- ``EN 0-35m x DISTRITO``: the same for under-3s;
- ``Anemia 6-35m x DISTRITO``: children 6–35 months evaluated for haemoglobin and anaemic.

A district absent from a sheet had no child recorded there: its counts stay **missing**, not 0.
The district rows of each sheet must add up to the sheet's national row (``PERÚ``), or the build
stops. Rates are recomputed from the counts; the file's own percentages are only compared.

Derived here: Empirical Bayes rates with a 90% beta-binomial interval
(:mod:`geoprio.spatial.smoothing`, global method), the change 2019→2022, the smallest number of
children that can produce each published 2019 rate, small-number flags, and the children
measured per 100 resident under-5s (INEI 2020), flagged above 100: SIEN-HIS counts a child
where it was measured, so a district whose facility serves its neighbours measures more
children than live there.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from math import floor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geoprio.errors import DataBuildError

__all__ = ["SIEN_CATALOG", "SIEN_COLUMNS", "SIEN_FILE", "min_denominator", "read_sien_2022",
           "sien_columns"]

log = logging.getLogger(__name__)

SIEN_FILE = "sien_his_2022_indicadores_ninos.xlsx"
#: prefix -> (sheet, first data row (0-based), what is counted)
SHEETS = {
    "u5": ("EN 0-59m x DISTRITO", 7, "stunted"),
    "u3": ("EN 0-35m x DISTRITO", 7, "stunted"),
    "6_35m": ("Anemia 6-35m x DISTRITO", 6, "anemic"),
}
SMALL_N = 30  # fewer children than this: the rate is mostly noise

SIEN_HIS = "INS/CENAN, Indicadores nutricionales en niños, SIEN-HIS (MINSA), enero-diciembre 2022"
SIEN_2022_CAVEAT = (
    "Distrito del establecimiento de salud, no de residencia; niños atendidos en "
    "establecimientos del MINSA, no una encuesta. El archivo dice 'PERIODO: ENERO A DICIEMBRE - "
    "2022'; copias posteriores en el mismo repositorio rotulan los mismos valores como 2023 (13 "
    "celdas de rótulo): se toma 2022. Distrito ausente del cuadro = sin registro: faltante, no 0. "
    "/ District of the facility, children seen at MINSA facilities (not a survey); the file is "
    "labelled 2022, later copies relabel the same values 2023: taken as 2022."
)
EB_CAVEAT = (
    "Bayes empírico global (Marshall 1991): la tasa del distrito se acerca a la nacional tanto "
    "más cuanto menos niños se midieron; intervalo al 90% de la posterior beta-binomial "
    "Beta(κm + casos, κ(1−m) + evaluados − casos), κ = m/A. Vacío si no se midió ningún niño. "
    "/ Global Empirical Bayes; 90% beta-binomial posterior interval. "
)

# id, label_es, label_en, unit, year, source, higher_is_worse, kind, aggregate, description,
# caveats
SIEN_CATALOG: list[tuple] = [
    ("evaluated_u5_2022", "Menores de 5 años evaluados (talla/edad) 2022",
     "Children under 5 measured (height-for-age), 2022", "niños", 2022, SIEN_HIS, None, "count",
     "sum", "Niños menores de 5 años evaluados en talla para la edad.", SIEN_2022_CAVEAT),
    ("stunted_u5_2022", "Menores de 5 años con desnutrición crónica 2022",
     "Stunted children under 5, 2022", "niños", 2022, SIEN_HIS, True, "count", "sum",
     "Casos de desnutrición crónica (talla/edad < −2 DE, OMS) entre los evaluados.",
     SIEN_2022_CAVEAT),
    ("stunting_u5_2022", "Desnutrición crónica en menores de 5 años 2022 (tasa bruta)",
     "Stunting, children under 5, 2022 (raw rate)", "%", 2022, SIEN_HIS, True, "indicator",
     "wmean:evaluated_u5_2022", "100 × stunted_u5_2022 / evaluated_u5_2022.",
     SIEN_2022_CAVEAT + " Con pocos niños la tasa bruta es ruido: ver stunting_u5_2022_eb."),
    ("evaluated_u3_2022", "Menores de 3 años evaluados (talla/edad) 2022",
     "Children under 3 measured (height-for-age), 2022", "niños", 2022, SIEN_HIS, None, "count",
     "sum", "Niños menores de 3 años evaluados en talla para la edad.", SIEN_2022_CAVEAT),
    ("stunted_u3_2022", "Menores de 3 años con desnutrición crónica 2022",
     "Stunted children under 3, 2022", "niños", 2022, SIEN_HIS, True, "count", "sum",
     "Casos de desnutrición crónica entre los menores de 3 años evaluados.", SIEN_2022_CAVEAT),
    ("stunting_u3_2022", "Desnutrición crónica en menores de 3 años 2022 (tasa bruta)",
     "Stunting, children under 3, 2022 (raw rate)", "%", 2022, SIEN_HIS, True, "indicator",
     "wmean:evaluated_u3_2022", "100 × stunted_u3_2022 / evaluated_u3_2022.",
     SIEN_2022_CAVEAT),
    ("evaluated_6_35m_2022", "Niños de 6 a 35 meses evaluados (hemoglobina) 2022",
     "Children 6-35 months tested for haemoglobin, 2022", "niños", 2022, SIEN_HIS, None,
     "count", "sum", "Niños de 6 a 35 meses con dosaje de hemoglobina.", SIEN_2022_CAVEAT),
    ("anemic_6_35m_2022", "Niños de 6 a 35 meses con anemia 2022",
     "Anaemic children 6-35 months, 2022", "niños", 2022, SIEN_HIS, True, "count", "sum",
     "Casos de anemia (leve, moderada o severa) entre los evaluados.", SIEN_2022_CAVEAT),
    ("anemia_6_35m_2022", "Anemia en niños de 6 a 35 meses 2022 (tasa bruta)",
     "Anaemia, children 6-35 months, 2022 (raw rate)", "%", 2022, SIEN_HIS, True, "indicator",
     "wmean:evaluated_6_35m_2022", "100 × anemic_6_35m_2022 / evaluated_6_35m_2022.",
     SIEN_2022_CAVEAT + " Muy por debajo de ENDES (29,6% frente a 42,4% nacional) y con pocos "
     "niños en 700 distritos."),
    ("stunting_u5_2022_eb", "Desnutrición crónica en menores de 5 años 2022 (suavizada)",
     "Stunting, children under 5, 2022 (smoothed)", "%", 2022, SIEN_HIS + "; geoprio (Bayes "
     "empírico)", True, "indicator", "wmean:evaluated_u5_2022",
     "Tasa de Bayes empírico global de stunted_u5_2022 / evaluated_u5_2022.",
     EB_CAVEAT + SIEN_2022_CAVEAT),
    ("stunting_u5_2022_eb_lo", "Desnutrición crónica 2022 suavizada, límite inferior IC 90%",
     "Smoothed stunting 2022, 90% interval lower", "%", 2022, SIEN_HIS + "; geoprio", True,
     "bound", "none", "Percentil 5 de la posterior beta-binomial.",
     "No se agrega a provincias: un intervalo no se promedia."),
    ("stunting_u5_2022_eb_hi", "Desnutrición crónica 2022 suavizada, límite superior IC 90%",
     "Smoothed stunting 2022, 90% interval upper", "%", 2022, SIEN_HIS + "; geoprio", True,
     "bound", "none", "Percentil 95 de la posterior beta-binomial.",
     "No se agrega a provincias: un intervalo no se promedia."),
    ("anemia_6_35m_2022_eb", "Anemia en niños de 6 a 35 meses 2022 (suavizada)",
     "Anaemia, children 6-35 months, 2022 (smoothed)", "%", 2022, SIEN_HIS + "; geoprio (Bayes "
     "empírico)", True, "indicator", "wmean:evaluated_6_35m_2022",
     "Tasa de Bayes empírico global de anemic_6_35m_2022 / evaluated_6_35m_2022.",
     EB_CAVEAT + SIEN_2022_CAVEAT),
    ("anemia_6_35m_2022_eb_lo", "Anemia 2022 suavizada, límite inferior IC 90%",
     "Smoothed anaemia 2022, 90% interval lower", "%", 2022, SIEN_HIS + "; geoprio", True,
     "bound", "none", "Percentil 5 de la posterior beta-binomial.",
     "No se agrega a provincias: un intervalo no se promedia."),
    ("anemia_6_35m_2022_eb_hi", "Anemia 2022 suavizada, límite superior IC 90%",
     "Smoothed anaemia 2022, 90% interval upper", "%", 2022, SIEN_HIS + "; geoprio", True,
     "bound", "none", "Percentil 95 de la posterior beta-binomial.",
     "No se agrega a provincias: un intervalo no se promedia."),
    ("stunting_u5_change_2019_2022", "Cambio de la desnutrición crónica 2019→2022 (puntos)",
     "Change in stunting 2019→2022 (points)", "puntos", 2022, "CEPLAN (SIEN 2019); " + SIEN_HIS,
     True, "indicator", "none",
     "stunting_u5_2022 − stunting_u5_2019, tasas brutas de SIEN, en puntos porcentuales "
     "(positivo = aumentó).",
     "Compara tasas brutas: con pocos niños (ver las banderas) el cambio es ruido. 2022 cuenta "
     "por distrito del establecimiento; 2019 según SIEN vía CEPLAN. No se agrega a provincias. "
     "/ Raw rates; noise where few children were measured."),
    ("stunting_u5_2019_min_n", "Mínimo de niños compatible con la tasa 2019",
     "Fewest children consistent with the 2019 rate", "niños", 2019, "geoprio, a partir de "
     "CEPLAN (SIEN 2019)", None, "context", "none",
     "El menor denominador n tal que alguna fracción k/n redondea a la tasa publicada de 2019: "
     "el número real de niños evaluados es al menos este.",
     "2019 solo publica tasas: el número de niños no se conoce; esto es una cota inferior, no "
     "una estimación. / 2019 has rates only: a lower bound, not an estimate."),
    ("stunting_u5_2019_small_n", "Tasa 2019 posiblemente basada en menos de 30 niños",
     "2019 rate may rest on fewer than 30 children", "sí/no", 2019, "geoprio, a partir de "
     "CEPLAN (SIEN 2019)", None, "flag", "none",
     "Verdadero si no puede descartarse que la tasa 2019 se base en menos de 30 niños: "
     "stunting_u5_2019_min_n < 30, o CEPLAN marca (****) (menos de 5) o (SD) (ninguno).",
     "Falso prueba al menos 30 niños; verdadero no prueba menos (20% puede ser 1/5 o 200/1000)."),
    ("stunting_u5_2022_small_n", "Tasa 2022 basada en menos de 30 niños",
     "2022 rate rests on fewer than 30 children", "sí/no", 2022, SIEN_HIS, None, "flag", "none",
     "Verdadero si evaluated_u5_2022 < 30 o si el distrito no tiene registro en 2022.",
     "Con menos de 30 niños use la tasa suavizada y su intervalo."),
    ("measured_per_resident_u5_2022", "Menores de 5 años medidos por cada 100 residentes 2022",
     "Children under 5 measured per 100 residents, 2022", "por 100", 2022,
     SIEN_HIS + "; MINSA REUNIS, población estimada 2020 (INEI)", None, "context", "none",
     "100 × evaluated_u5_2022 / under5_2020: niños medidos en los establecimientos del "
     "distrito por cada 100 menores de 5 años que viven en él. Más de 100: el distrito mide a "
     "niños de otros distritos (su establecimiento atiende a vecinos).",
     "SIEN-HIS cuenta a los niños en el distrito del establecimiento, la población es la de "
     "residencia (2020): donde supera 100, los niños con desnutrición contados pueden superar "
     "la estimación stunted_children (menores de 5 × tasa), y en los distritos vecinos quedar "
     "por debajo. Vacío si no se midió ningún niño. / Facility district against residents."),
    ("measured_above_resident_u5_2022", "Más menores de 5 medidos que residentes 2022",
     "More children under 5 measured than live there, 2022", "sí/no", 2022,
     SIEN_HIS + "; MINSA REUNIS, población estimada 2020 (INEI)", None, "flag", "none",
     "Verdadero si measured_per_resident_u5_2022 > 100.",
     "Falso también donde no se midió ningún niño (no se midió a más de los que viven)."),
]
SIEN_COLUMNS: tuple[str, ...] = tuple(row[0] for row in SIEN_CATALOG)


def _sheet(path: Path, sheet: str, start: int, report: dict[str, Any]) -> pd.DataFrame:
    raw = pd.read_excel(path, sheet_name=sheet, header=None, engine="calamine")
    label = str(raw.iloc[2, 1])
    header = [str(v).strip() for v in raw.iloc[4, 1:6].tolist()]
    if header[:4] != ["DEPARTAMENTO", "PROVINCIA", "DISTRITO", "UBIGEO"] or "2022" not in label:
        raise DataBuildError(f"{path}: sheet {sheet!r} does not look as expected (row 5 "
                             f"{header}, period {label!r})")
    body = raw.iloc[start:]
    national = body[body[1].astype(str).str.strip() == "PERÚ"]
    if len(national) != 1:
        raise DataBuildError(f"{path}: sheet {sheet!r} must have one national row 'PERÚ'")
    body = body.loc[: national.index[0] - 1]
    codes = body[4].astype(str).str.strip()
    if not codes.str.fullmatch(r"\d{6}").all():
        raise DataBuildError(f"{path}: sheet {sheet!r}: codes that are not 6-digit ubigeos "
                             f"{codes[~codes.str.fullmatch(r'[0-9]{6}')].tolist()[:5]}")
    if codes.duplicated().any():
        raise DataBuildError(f"{path}: sheet {sheet!r}: duplicated ubigeo "
                             f"{codes[codes.duplicated()].tolist()[:5]}")
    evaluated = pd.to_numeric(body[5], errors="raise").astype(float)
    cases = pd.to_numeric(body[6], errors="raise").astype(float)
    nat = (float(national.iloc[0, 5]), float(national.iloc[0, 6]))
    sums = (float(evaluated.sum()), float(cases.sum()))
    if sums != nat:
        raise DataBuildError(f"{path}: sheet {sheet!r}: district rows sum to {sums}, the "
                             f"national row says {nat}")
    if (cases > evaluated).any():
        raise DataBuildError(f"{path}: sheet {sheet!r}: more cases than children evaluated")
    file_pct = pd.to_numeric(body[7], errors="coerce").to_numpy()
    ours = 100 * cases.to_numpy() / evaluated.to_numpy()
    report[sheet] = {
        "period_label": label.strip(), "district_rows": len(body),
        "national_row": {"evaluated": nat[0], "cases": nat[1]},
        "district_sum": {"evaluated": sums[0], "cases": sums[1]},
        "max_abs_diff_vs_file_percent": round(float(np.nanmax(np.abs(ours - file_pct))), 9),
        "under_30": int((evaluated < SMALL_N).sum()),
    }
    return pd.DataFrame({"ubigeo": codes.to_numpy(), "evaluated": evaluated.to_numpy(),
                         "cases": cases.to_numpy()})


def read_sien_2022(path: Path, report: dict[str, Any] | None = None) -> pd.DataFrame:
    """Counts per district from the three sheets; one row per ubigeo found in any sheet."""
    report = {} if report is None else report
    out: pd.DataFrame | None = None
    for prefix, (sheet, start, what) in SHEETS.items():
        t = _sheet(path, sheet, start, report).rename(columns={
            "evaluated": f"evaluated_{prefix}_2022", "cases": f"{what}_{prefix}_2022"})
        out = t if out is None else out.merge(t, on="ubigeo", how="outer", validate="1:1")
    return out.sort_values("ubigeo").reset_index(drop=True)


def min_denominator(percent: float, tol: float = 5e-7) -> float:
    """Smallest ``n`` such that some ``k / n`` (as a percentage) lies within ``tol`` of ``percent``.

    The published 2019 rates are fractions k/n written with at least six decimals, so the
    number of children behind a rate is at least this (a lower bound, never an estimate).

    Examples
    --------
    >>> min_denominator(17.647059)   # 3/17
    17
    >>> min_denominator(22.0)        # 11/50
    50
    >>> min_denominator(0.0)
    1
    """
    if percent is None or np.isnan(percent):
        return float("nan")
    if not 0 <= percent <= 100:
        raise ValueError(f"a percentage must lie in 0-100; got {percent}")
    lo = Fraction(percent - tol).limit_denominator(10**12) / 100
    hi = Fraction(percent + tol).limit_denominator(10**12) / 100
    return _simplest(max(lo, Fraction(0)), min(hi, Fraction(1))).denominator


def _simplest(lo: Fraction, hi: Fraction) -> Fraction:
    """The fraction with the smallest denominator in ``[lo, hi]`` (0 <= lo <= hi)."""
    whole = floor(lo)
    if whole == lo or whole + 1 <= hi:
        return Fraction(whole if whole == lo else whole + 1)
    inner = _simplest(1 / (hi - whole), 1 / (lo - whole))
    return whole + 1 / inner


def _measured_per_resident(t: pd.DataFrame, report: dict[str, Any]) -> None:
    """Children measured per 100 resident under-5s, its flag above 100 and their counts."""
    residents = pd.to_numeric(t["under5_2020"], errors="coerce")
    ratio = (100 * t["evaluated_u5_2022"] / residents).where(residents > 0)
    t["measured_per_resident_u5_2022"] = ratio
    t["measured_above_resident_u5_2022"] = (ratio > 100).fillna(False).astype(bool)
    estimate = residents * t["stunting_u5_2022_eb"] / 100
    report["measured_per_resident_u5_2022"] = {
        "above_100": int(t["measured_above_resident_u5_2022"].sum()),
        "stunted_counted_above_estimate": int((t["stunted_u5_2022"] > estimate).sum()),
    }


def sien_columns(counts: pd.DataFrame, base: pd.DataFrame,
                 report: dict[str, Any]) -> pd.DataFrame:
    """All SIEN 2022 columns for the districts of ``base`` (``ubigeo``, ``stunting_u5_2019``,
    ``stunting_u5_2019_code``), in the order of :data:`SIEN_COLUMNS`."""
    from geoprio.spatial.smoothing import smooth_rates

    t = base[["ubigeo", "stunting_u5_2019", "stunting_u5_2019_code", "under5_2020"]].merge(
        counts, on="ubigeo", how="left", validate="1:1")
    outside = sorted(set(counts["ubigeo"]) - set(base["ubigeo"]))
    if outside:
        raise DataBuildError(f"{SIEN_FILE}: codes outside the 2017 set {outside[:10]}")
    for prefix, (_, _, what) in SHEETS.items():
        name = {"u5": "stunting_u5_2022", "u3": "stunting_u3_2022",
                "6_35m": "anemia_6_35m_2022"}[prefix]
        n, y = t[f"evaluated_{prefix}_2022"], t[f"{what}_{prefix}_2022"]
        t[name] = (100 * y / n).where(n > 0)
    for rate, y, n in (("stunting_u5_2022", "stunted_u5_2022", "evaluated_u5_2022"),
                       ("anemia_6_35m_2022", "anemic_6_35m_2022", "evaluated_6_35m_2022")):
        eb = smooth_rates(t, y, n, method="eb", level=0.9, scale=100)
        t[f"{rate}_eb"] = eb["rate"].to_numpy()
        t[f"{rate}_eb_lo"] = eb["lo"].to_numpy()
        t[f"{rate}_eb_hi"] = eb["hi"].to_numpy()
        report[f"{rate}_eb"] = {
            "method": "global Empirical Bayes (Marshall 1991); beta-binomial posterior",
            "prior_mean_percent": round(100 * eb.attrs["global_mean"], 6),
            "between_district_variance": round(eb.attrs["global_var"], 9),
            "kappa_children": round(eb.attrs["global_mean"] / eb.attrs["global_var"], 3),
            "districts_without_children": len(eb.attrs["no_data"]),
        }
    t["stunting_u5_change_2019_2022"] = t["stunting_u5_2022"] - t["stunting_u5_2019"]
    t["stunting_u5_2019_min_n"] = t["stunting_u5_2019"].map(min_denominator).astype(float)
    t["stunting_u5_2019_small_n"] = (
        (t["stunting_u5_2019_min_n"] < SMALL_N)
        | t["stunting_u5_2019_code"].isin(["(SD)", "(****)"])).astype(bool)
    t["stunting_u5_2022_small_n"] = ~(t["evaluated_u5_2022"] >= SMALL_N)
    _measured_per_resident(t, report)
    report["districts"] = {
        "with_under5_counts": int(t["evaluated_u5_2022"].notna().sum()),
        "without_under5_counts": sorted(t.loc[t["evaluated_u5_2022"].isna(), "ubigeo"]),
        "without_any_row": sorted(t.loc[t[[c for c in t if c.startswith("evaluated_")]]
                                        .isna().all(axis=1), "ubigeo"]),
        "under5_small_n_2022": int(t["stunting_u5_2022_small_n"].sum()),
        "under5_small_n_2019_possible": int(t["stunting_u5_2019_small_n"].sum()),
        "change_available": int(t["stunting_u5_change_2019_2022"].notna().sum()),
    }
    both = t["stunting_u5_2019"].notna() & (t["evaluated_u5_2022"] >= 100)
    report["districts"]["corr_2019_2022_n100"] = round(float(np.corrcoef(
        t.loc[both, "stunting_u5_2019"], t.loc[both, "stunting_u5_2022"])[0, 1]), 4)
    return t[["ubigeo", *SIEN_COLUMNS]]
