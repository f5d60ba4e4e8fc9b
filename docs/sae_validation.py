"""Design-based check of the small-area estimates: subsample districts where many were measured.

Districts where many children were measured in 2022 (1,000 or more for stunting: 382
districts, rate known to about ±1 point; 300 or more for anaemia, 259 districts, ±2.6 points,
as only 73 districts tested 1,000 children) have a rate taken as the truth. In each replicate
``PER_REPLICATE`` of them, drawn at random, keep only ``n_s`` of their children (drawn without
replacement: a hypergeometric draw of the cases), as if the district were small, while every
other district keeps its data. Each method then estimates the subsampled districts from what
is left, and its error and the coverage of its 90% interval are measured against the
full-data rate.

Two Fay–Herriot models are checked: ``fh``, geoprio's default (covariates chosen by BIC from
the census, poverty, altitude, size and department candidates), and ``fh_2019``, chosen the
same way from those candidates plus the 2019 SIEN rates. A small district also has a noisy
2019 rate: for ``fh_2019`` the subsampled districts' 2019 stunting and anaemia rates are
replaced by a binomial draw of ``n_s`` children at their published 2019 rate, so that the model
does not profit from a 2019 figure a small district would not have. Covariates are chosen once
on the full data (the selection is not repeated in each replicate).

Methods: the raw rate (90% Jeffreys interval, Beta(y + ½, n − y + ½)); global and spatial
Empirical Bayes (:func:`geoprio.smooth_rates`, beta-binomial posterior interval); Fay–Herriot
(:func:`geoprio.small_area`, REML, arcsine). Run ``python docs/sae_validation.py`` to print the
table of the methodology (section 3.14); ``tests/test_sae_validation.py`` reruns it with the
same seed and checks the published figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

import geoprio
from geoprio.spatial.contiguity import queen_contiguity
from geoprio.spatial.covariates import (
    DEFAULT_CANDIDATES,
    PRIOR_RATE_CANDIDATES,
    covariate_frame,
    select_covariates,
)
from geoprio.spatial.smallarea import small_area

SEED = 2022
SIZES = (10, 25, 50)
REPLICATES = 25
PER_REPLICATE = 100
LEVEL = 0.9
#: indicator -> (cases, children measured, fewest children for a district to be a "truth")
INDICATORS = {
    "stunting": ("stunted_u5_2022", "evaluated_u5_2022", 1000),
    "anemia": ("anemic_6_35m_2022", "evaluated_6_35m_2022", 300),
}
PRIOR_RATES = {"stunting_u5_2019_asin": "stunting_u5_2019",
               "anemia_6_35m_2019_asin": "anemia_6_35m_2019"}
METHODS = ("raw", "eb", "spatial_eb", "fh", "fh_2019")


def _raw(y: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tail = (1 - LEVEL) / 2
    return (y / n, stats.beta.ppf(tail, y + 0.5, n - y + 0.5),
            stats.beta.ppf(1 - tail, y + 0.5, n - y + 0.5))


def _degraded_covariates(d: pd.DataFrame, chosen: tuple[str, ...], rows: np.ndarray,
                         n_s: int, rng: np.random.Generator) -> pd.DataFrame:
    """The chosen covariates with the subsampled districts' 2019 rates drawn on ``n_s``."""
    d = d.copy()
    for name, column in PRIOR_RATES.items():
        if name not in chosen:
            continue
        p = d[column].to_numpy(float)[rows] / 100
        ok = np.isfinite(p)
        draw = np.full(rows.size, np.nan)
        draw[ok] = rng.binomial(n_s, p[ok]) / n_s * 100
        d.loc[d.index[rows], column] = draw
    return covariate_frame(d, chosen)


def replicate(d: pd.DataFrame, events: str, trials: str, min_truth: int,
              models: dict[str, tuple[str, ...]], w, n_s: int,
              rng: np.random.Generator) -> pd.DataFrame:
    """One replicate: estimates of every method for the subsampled districts."""
    n_full = d[trials].to_numpy(float)
    y_full = d[events].to_numpy(float)
    pool = np.nonzero(n_full >= min_truth)[0]
    rows = np.sort(rng.choice(pool, PER_REPLICATE, replace=False))
    y, n = y_full.copy(), n_full.copy()
    y[rows] = rng.hypergeometric(y_full[rows].astype(int), (n_full - y_full)[rows].astype(int),
                                 n_s)
    n[rows] = n_s
    t = pd.DataFrame({"ubigeo": d["ubigeo"].to_numpy(), "y": y, "n": n})
    est = {"raw": _raw(y[rows], n[rows])}
    for method in ("eb", "spatial_eb"):
        r = geoprio.smooth_rates(t, "y", "n", method=method, spatial_weights=w, level=LEVEL)
        est[method] = tuple(r[c].to_numpy()[rows] for c in ("rate", "lo", "hi"))
    for name, chosen in models.items():
        x = _degraded_covariates(d, chosen, rows, n_s, rng)
        fh = small_area(t, "y", "n", x, level=LEVEL)
        est[name] = tuple(fh[c].to_numpy()[rows] for c in ("estimate", "lo", "hi"))
    truth = y_full[rows] / n_full[rows]
    return pd.DataFrame([
        {"method": m, "ubigeo": u, "truth": tr, "estimate": e, "lo": lo, "hi": hi}
        for m, (es, los, his) in est.items()
        for u, tr, e, lo, hi in zip(d["ubigeo"].to_numpy()[rows], truth, es, los, his,
                                    strict=True)])


def study(d: pd.DataFrame, indicator: str = "stunting", sizes=SIZES,
          replicates: int = REPLICATES, seed: int = SEED) -> pd.DataFrame:
    """Every replicate of every size for one indicator: one row per district and method."""
    events, trials, min_truth = INDICATORS[indicator]
    models = {"fh": select_covariates(d, events, trials).chosen,
              "fh_2019": select_covariates(
                  d, events, trials, [*DEFAULT_CANDIDATES, *PRIOR_RATE_CANDIDATES]).chosen}
    w = queen_contiguity(d)
    rng = np.random.default_rng(seed)
    parts = []
    for n_s in sizes:
        for r in range(replicates):
            part = replicate(d, events, trials, min_truth, models, w, n_s, rng)
            parts.append(part.assign(n_s=n_s, replicate=r))
    return pd.concat(parts, ignore_index=True)


def summary(results: pd.DataFrame) -> pd.DataFrame:
    """RMSE and mean absolute error (points), 90% coverage and mean width, by size and method."""
    r = results.assign(err=100 * (results["estimate"] - results["truth"]),
                       cover=(results["lo"] <= results["truth"])
                       & (results["truth"] <= results["hi"]),
                       width=100 * (results["hi"] - results["lo"]))
    g = r.groupby(["n_s", "method"], sort=False)
    out = pd.DataFrame({
        "rmse": g["err"].apply(lambda e: float(np.sqrt(np.mean(e**2)))),
        "mae": g["err"].apply(lambda e: float(np.mean(np.abs(e)))),
        "coverage": g["cover"].mean(),
        "width": g["width"].mean(),
    }).reset_index()
    out["method"] = pd.Categorical(out["method"], METHODS, ordered=True)
    return out.sort_values(["n_s", "method"]).reset_index(drop=True)


def markdown(table: pd.DataFrame, lang: str = "en") -> str:
    """The summary as the methodology prints it (one decimal; coverage in %)."""
    names = {"raw": ("raw rate", "tasa bruta"), "eb": ("global EB", "BE global"),
             "spatial_eb": ("spatial EB", "BE espacial"), "fh": ("Fay–Herriot", "Fay–Herriot"),
             "fh_2019": ("FH with the 2019 rate", "FH con la tasa 2019")}
    i = 0 if lang == "en" else 1
    head = (("children kept", "method", "RMSE (points)", "mean abs. error", "90% coverage",
             "mean width") if i == 0 else
            ("niños conservados", "método", "RECM (puntos)", "error abs. medio",
             "cobertura 90%", "ancho medio"))
    lines = ["| " + " | ".join(head) + " |", "|---:|---|---:|---:|---:|---:|"]
    for row in table.itertuples():
        cells = [str(row.n_s), names[row.method][i], f"{row.rmse:.1f}", f"{row.mae:.1f}",
                 f"{100 * row.coverage:.0f}%", f"{row.width:.1f}"]
        if i == 1:
            cells = [c.replace(".", ",") for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def model_checks(d: pd.DataFrame, permutations: int = 999, seed: int = SEED) -> dict:
    """Residual checks of the shipped stunting model (methodology, section 3.13).

    Standardised residuals ``z = (direct − synthetic) / √(σ²u + ψ)`` of the districts with
    children measured: their correlation with each covariate and with its square (a straight
    line missed), their mean by department and by quintile of 2018 poverty (1 = the least
    poor fifth of the districts), and Moran's I over Queen
    neighbours (row-standardised), with a permutation p-value.
    """
    events, trials, _ = INDICATORS["stunting"]
    chosen = select_covariates(d, events, trials).chosen
    x = covariate_frame(d, chosen)
    fh = small_area(d, events, trials, x)
    m = fh["measured"].to_numpy()
    psi = fh["direct_var"].to_numpy()
    theta_dir = np.arcsin(np.sqrt(fh["direct"].to_numpy()))
    s2 = fh.attrs["fit"]["sigma2_u"]
    syn = _synthetic_theta(fh, x)
    z = (theta_dir - syn) / np.sqrt(s2 + psi)
    cov = {}
    for c in [c for c in x.columns if not c.startswith("department_")]:
        v = x[c].to_numpy()[m]
        cov[c] = (float(np.corrcoef(z[m], v)[0, 1]),
                  float(np.corrcoef(z[m], (v - v.mean()) ** 2)[0, 1]))
    dept = pd.Series(z[m]).groupby(d["ubigeo"].str[:2].to_numpy()[m]).mean()
    quintile = pd.qcut(d["poverty_2018"].to_numpy()[m], 5, labels=False) + 1
    by_poverty = pd.Series(z[m]).groupby(quintile).mean()
    w = queen_contiguity(d)
    a = w.adjacency.tocsr()[m][:, m]
    rows = np.asarray(a.sum(axis=1)).ravel()
    a = a.multiply(1 / np.where(rows > 0, rows, 1)[:, None]).tocsr()
    zc = z[m] - z[m].mean()
    moran = float(zc @ (a @ zc) / (zc @ zc))
    rng = np.random.default_rng(seed)
    perm = np.array([(p := rng.permutation(zc)) @ (a @ p) / (zc @ zc)
                     for _ in range(permutations)])
    return {"covariates": cov, "department_mean": dept, "poverty_quintile_mean": by_poverty,
            "moran_i": moran, "moran_p": float((np.sum(perm >= moran) + 1) / (permutations + 1)),
            "z": pd.Series(np.where(m, z, np.nan), index=d["ubigeo"].to_numpy())}


def _synthetic_theta(fh: pd.DataFrame, x: pd.DataFrame) -> np.ndarray:
    """x'β̂ of the full model for every district (on the arcsine scale)."""
    coef = fh.attrs["fit"]["coefficients"]["beta"]
    xx = x.assign(**{"(Intercept)": 1.0})[list(coef.index)]
    return xx.to_numpy() @ coef.to_numpy()


def residual_map(d, path) -> None:
    """Map of the standardised residuals (PNG), districts without children in grey."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    z = model_checks(d, permutations=0)["z"]
    g = d[["ubigeo", "geometry"]].assign(z=z.to_numpy().clip(-3, 3))
    fig, ax = plt.subplots(figsize=(6, 8), dpi=110)
    g[g["z"].isna()].plot(ax=ax, color="#cccccc", linewidth=0)
    g.dropna(subset=["z"]).plot(ax=ax, column="z", cmap="RdBu_r", vmin=-3, vmax=3,
                                linewidth=0, legend=True,
                                legend_kwds={"shrink": 0.6, "label": "residuo estandarizado"})
    ax.set_axis_off()
    ax.set_title("Desnutrición crónica 2022: residuos del modelo Fay–Herriot\n"
                 "(tasa propia − predicción de las covariables) / error", fontsize=9)
    fig.savefig(path, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


if __name__ == "__main__":
    districts = geoprio.load_districts()
    for name in INDICATORS:
        print(f"## {name}: {REPLICATES} replicates x {PER_REPLICATE} districts, seed {SEED}")
        print(markdown(summary(study(districts, name))))
    if "--map" in sys.argv:
        residual_map(districts, Path(__file__).resolve().parent / "img" / "fh_residuos.png")
