"""Fay–Herriot small-area estimates of stunting 2022 for every district
(:mod:`geoprio.spatial.smallarea`).

The covariates are chosen by the documented rule (forward selection on BIC from
:data:`geoprio.spatial.covariates.DEFAULT_CANDIDATES`), run here at every build, so the
shipped columns always follow the procedure; the chosen list, the fit and the checks go to
``validation.json`` (``sources.small_area``) and ``VALIDATION.md``.

Shipped: the estimate on SIEN-HIS's own scale with its 90% interval, the same benchmarked to
ENDES 2022 by department, γ (the share of the estimate that comes from the district's own
children, in %), and the predictive distribution on the arcsine scale (``_theta``,
``_theta_se``) for Monte Carlo draws. Anaemia 6–35 months is **not** shipped: in the
design-based check FH did not beat Empirical Bayes for anaemia (methodology, section 3.14).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

__all__ = ["SAE_CATALOG", "SAE_COLUMNS", "endes_2022", "endes_comparison", "sae_columns",
           "sae_markdown"]

STUNTING = ("stunted_u5_2022", "evaluated_u5_2022")
SIEN_FH = ("INS/CENAN, SIEN-HIS 2022; geoprio (Fay–Herriot con covariables del censo 2017, "
           "pobreza 2018 y otras)")
FH_CAVEAT = (
    "Modelo Fay–Herriot a nivel de área (REML, escala arcoseno, ψ = 1/(4n)): combina la tasa "
    "del distrito con la que predicen sus covariables, con peso γ = σ²u/(σ²u + ψ). Los 35 "
    "distritos sin niños medidos reciben solo la predicción de las covariables, con su "
    "intervalo más ancho. Escala SIEN-HIS (niños atendidos en el MINSA), no ENDES. "
    "/ Fay–Herriot area-level model; districts with no child measured get the synthetic "
    "estimate. SIEN-HIS scale, not ENDES."
)
ENDES_CAVEAT = (
    "Estimación Fay–Herriot multiplicada, en cada departamento, por la razón que iguala su "
    "promedio ponderado por menores de 5 años (2020) a ENDES 2022 del departamento. Cambia el "
    "nivel, no el orden dentro de un departamento; sí cambia el orden entre departamentos. "
    "/ Ratio-benchmarked to ENDES 2022 by department (weights: under-5s 2020)."
)
BOUND = "No se agrega a provincias: un intervalo no se promedia."

# id, label_es, label_en, unit, year, source, higher_is_worse, kind, aggregate, description,
# caveats
SAE_CATALOG: list[tuple] = [
    ("stunting_u5_2022_fh", "Desnutrición crónica en menores de 5 años 2022 (Fay–Herriot)",
     "Stunting, children under 5, 2022 (Fay–Herriot)", "%", 2022, SIEN_FH, True, "indicator",
     "wmean:under5_2020",
     "Estimación en áreas pequeñas (EBLUP Fay–Herriot, con corrección de sesgo al volver de la "
     "escala arcoseno) a partir de stunted_u5_2022 / evaluated_u5_2022 y covariables elegidas "
     "por BIC; todos los 1 874 distritos.", FH_CAVEAT),
    ("stunting_u5_2022_fh_lo", "Desnutrición crónica 2022 Fay–Herriot, límite inferior IC 90%",
     "Stunting 2022 Fay–Herriot, 90% interval lower", "%", 2022, SIEN_FH, True, "bound", "none",
     "Percentil 5 de la distribución predictiva.", BOUND),
    ("stunting_u5_2022_fh_hi", "Desnutrición crónica 2022 Fay–Herriot, límite superior IC 90%",
     "Stunting 2022 Fay–Herriot, 90% interval upper", "%", 2022, SIEN_FH, True, "bound", "none",
     "Percentil 95 de la distribución predictiva.", BOUND),
    ("stunting_u5_2022_fh_endes",
     "Desnutrición crónica en menores de 5 años 2022 (Fay–Herriot, nivel ENDES)",
     "Stunting, children under 5, 2022 (Fay–Herriot, benchmarked to ENDES)", "%", 2022,
     SIEN_FH + "; INEI, ENDES 2022 (departamentos)", True, "indicator", "wmean:under5_2020",
     "stunting_u5_2022_fh × (ENDES 2022 del departamento / promedio del departamento).",
     ENDES_CAVEAT),
    ("stunting_u5_2022_fh_endes_lo", "Desnutrición crónica 2022 nivel ENDES, límite inferior IC "
     "90%", "Stunting 2022 benchmarked to ENDES, 90% interval lower", "%", 2022,
     SIEN_FH + "; INEI, ENDES 2022", True, "bound", "none",
     "stunting_u5_2022_fh_lo × la razón del departamento (tomada como fija).", BOUND),
    ("stunting_u5_2022_fh_endes_hi", "Desnutrición crónica 2022 nivel ENDES, límite superior IC "
     "90%", "Stunting 2022 benchmarked to ENDES, 90% interval upper", "%", 2022,
     SIEN_FH + "; INEI, ENDES 2022", True, "bound", "none",
     "stunting_u5_2022_fh_hi × la razón del departamento (tomada como fija).", BOUND),
    ("stunting_u5_2022_fh_gamma", "Peso de los datos propios en la estimación Fay–Herriot",
     "Share of the Fay–Herriot estimate from the district's own data", "%", 2022, SIEN_FH, None,
     "context", "none",
     "100 × γ = σ²u/(σ²u + ψ): cuánto de la estimación viene de los niños medidos en el "
     "distrito (0 si no se midió ninguno); el resto viene de las covariables.",
     "En la escala arcoseno del modelo. / On the model's arcsine scale."),
    ("stunting_u5_2022_fh_theta", "Desnutrición crónica 2022 Fay–Herriot, escala arcoseno",
     "Stunting 2022 Fay–Herriot, arcsine scale", "radianes", 2022, SIEN_FH, None, "bound",
     "none", "Media de la distribución predictiva θ ~ N(theta, theta_se²) en la escala "
     "arcsin √p; una simulación toma p = sin²(θ).",
     "Parámetro para simulaciones (Monte Carlo), no un indicador. / For Monte Carlo draws."),
    ("stunting_u5_2022_fh_theta_se", "Desnutrición crónica 2022 Fay–Herriot, error (escala "
     "arcoseno)", "Stunting 2022 Fay–Herriot, root MSE (arcsine scale)", "radianes", 2022,
     SIEN_FH, None, "bound", "none",
     "Raíz del ECM de segundo orden (sae::mseFH, REML) en la escala arcsin √p.",
     "Parámetro para simulaciones (Monte Carlo), no un indicador. / For Monte Carlo draws."),
]
SAE_COLUMNS: tuple[str, ...] = tuple(row[0] for row in SAE_CATALOG)


def endes_2022(endes: pd.DataFrame, indicator: str = "stunting_u5") -> pd.DataFrame:
    """ENDES 2022 department rows (total of urban and rural) from the series the build reads."""
    e = endes[(endes["year"] == 2022) & (endes["level"] == "department")
              & (endes["area"] == "total")]
    return e.sort_values("department_code")[["department_code", "department", indicator,
                                              f"n_{indicator.split('_')[0]}"]]


def sae_columns(table: pd.DataFrame, endes: pd.DataFrame,
                report: dict[str, Any]) -> pd.DataFrame:
    """The Fay–Herriot columns for every district of ``table`` (which holds the counts, the
    covariate candidates and ``under5_2020``), in the order of :data:`SAE_COLUMNS`.

    ``endes`` is the ENDES department series as the build reads it from the raw sources.
    """
    from geoprio.spatial.covariates import covariate_frame, select_covariates
    from geoprio.spatial.smallarea import small_area

    e = endes_2022(endes)
    targets = dict(zip(e["department_code"], e["stunting_u5"], strict=True))
    selection = select_covariates(table, *STUNTING)
    r = small_area(table, *STUNTING, covariate_frame(table, selection.chosen), scale=100,
                   benchmark=targets, population="under5_2020")
    out = pd.DataFrame({
        "ubigeo": table["ubigeo"].to_numpy(),
        "stunting_u5_2022_fh": r["estimate"].to_numpy(),
        "stunting_u5_2022_fh_lo": r["lo"].to_numpy(),
        "stunting_u5_2022_fh_hi": r["hi"].to_numpy(),
        "stunting_u5_2022_fh_endes": r["benchmarked"].to_numpy(),
        "stunting_u5_2022_fh_endes_lo": r["benchmarked_lo"].to_numpy(),
        "stunting_u5_2022_fh_endes_hi": r["benchmarked_hi"].to_numpy(),
        "stunting_u5_2022_fh_gamma": 100 * r["gamma"].to_numpy(),
        "stunting_u5_2022_fh_theta": r["theta"].to_numpy(),
        "stunting_u5_2022_fh_theta_se": np.sqrt(r["theta_mse"].to_numpy()),
    })
    report["stunting_u5_2022_fh"] = _report(selection, r, table, e)
    return out


def _r(x: float, digits: int = 6) -> float:
    return float(f"{x:.{digits}g}")


def _report(selection: Any, r: pd.DataFrame, table: pd.DataFrame,
            endes: pd.DataFrame) -> dict[str, Any]:
    fit = r.attrs["fit"]
    coef = fit["coefficients"]
    resid = fit["standardised_residuals"]
    return {
        "method": "Fay-Herriot, REML, arcsine transform, psi = 1/(4n); covariates by forward "
                  "selection on BIC (ML fit)",
        "selection": [{"step": int(s.step), "added": s.added, "bic": round(float(s.bic), 2),
                       "sigma2_u": _r(s.sigma2_u)} for s in selection.steps.itertuples()],
        "districts_in_selection": selection.districts_used,
        "covariates": list(selection.chosen),
        "sigma2_u": _r(fit["sigma2_u"]),
        "sigma2_u_without_covariates": _r(fit["sigma2_u_without_covariates"]),
        "r2": round(fit["r2"], 4),
        "coefficients": {t: {"beta": _r(row.beta), "std_error": _r(row.std_error)}
                         for t, row in coef.iterrows()},
        "districts_with_data": fit["areas_with_data"],
        "districts_without_data": int((~r["measured"]).sum()),
        "mean_gamma": round(fit["mean_gamma"], 4),
        "standardised_residuals": {k: round(v, 4) for k, v in resid.items()},
        "benchmark_ratio_by_department": {k: round(v, 4) for k, v in
                                          r.attrs["benchmark"]["ratio_by_department"].items()},
        "endes_comparison": endes_comparison(r, table, endes).round(2).to_dict("records"),
    }


def endes_comparison(r: pd.DataFrame, table: pd.DataFrame, endes: pd.DataFrame,
                     level: float = 0.95) -> pd.DataFrame:
    """Each department's under-5-weighted mean of the unbenchmarked estimate beside ENDES 2022.

    ``endes``: the rows of :func:`endes_2022`.

    ENDES's interval is the simple-random-sampling interval from its sample size
    (``p ± z √(p(1 − p)/n)``): the design effect is not in the sources, so ENDES's own
    interval is wider than this one.
    """
    from scipy import stats

    w = table["under5_2020"].to_numpy(float)
    code = table["ubigeo"].str[:2].to_numpy()
    z = stats.norm.ppf(0.5 + level / 2)
    rows = []
    for row in endes.itertuples():
        inside = code == row.department_code
        est = float(np.sum(w[inside] * r["estimate"].to_numpy()[inside]) / w[inside].sum())
        p, n = row.stunting_u5 / 100, row.n_stunting
        half = 100 * z * np.sqrt(p * (1 - p) / n)
        rows.append({"department_code": row.department_code, "department": row.department,
                     "fh_sien_scale": est, "endes": row.stunting_u5, "endes_n": int(n),
                     "endes_lo": row.stunting_u5 - half, "endes_hi": row.stunting_u5 + half,
                     "difference": est - row.stunting_u5})
    return pd.DataFrame(rows)


def sae_markdown(report: dict[str, Any] | None) -> list[str]:
    """The VALIDATION.md section of the small-area fit."""
    if not report:
        return []
    s = report["standardised_residuals"]
    lines = ["", "## Small-area estimates (Fay–Herriot), stunting 2022", "",
             f"- {report['method']}.",
             f"- Covariates chosen ({report['districts_in_selection']} districts with children "
             f"measured and every candidate known): {', '.join(report['covariates'])}.",
             f"- σ²u = {report['sigma2_u']} (without covariates "
             f"{report['sigma2_u_without_covariates']}): the covariates explain "
             f"{100 * report['r2']:.1f}% of the between-district variance; mean γ = "
             f"{report['mean_gamma']}; districts without a child measured: "
             f"{report['districts_without_data']} (synthetic estimate).",
             f"- Standardised residuals (direct − synthetic) / √(σ²u + ψ): mean {s['mean']}, "
             f"sd {s['sd']}, skewness {s['skewness']}, excess kurtosis "
             f"{s['excess_kurtosis']}; beyond ±1.645: {100 * s['share_beyond_1.645']:.1f}% "
             f"(10% expected), beyond ±2.576: {100 * s['share_beyond_2.576']:.1f}% (1%).", "",
             "| department | FH, SIEN scale (%) | ENDES 2022 (%) | ENDES 95% (SRS, from n) "
             "| difference |", "|---|---:|---:|---|---:|"]
    for c in report["endes_comparison"]:
        lines.append(f"| {c['department_code']} {c['department']} | {c['fh_sien_scale']:.1f} "
                     f"| {c['endes']:.1f} | {c['endes_lo']:.1f}–{c['endes_hi']:.1f} "
                     f"(n = {c['endes_n']}) | {c['difference']:+.1f} |")
    return lines
