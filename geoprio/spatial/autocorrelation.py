"""Hot spots of one indicator, and what they say in words (Spanish and English).

:func:`hotspots` is the front door: it drops districts without a value from the contiguity
(:mod:`geoprio.spatial.contiguity`), runs Local Moran or Gi* (:mod:`geoprio.spatial.localstats`)
and returns a
new frame with label and p-value columns plus a :class:`HotspotResult` whose summary names the
main departments of each significant group.

GeoDa's everyday views on the same weights and permutations: :func:`moran_scatter` (the
Moran scatterplot and the global I), :func:`significance_classes` (the significance map),
:meth:`HotspotResult.stable_labels` (the cluster map, unstable labels apart) and
:func:`bivariate_hotspots` (bivariate Local Moran). The box map is
:func:`geoprio.report.mapping.box_breaks`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

from geoprio._renamed import renamed
from geoprio.errors import InputError
from geoprio.spatial.contiguity import Contiguity, _check_districts, queen_contiguity
from geoprio.spatial.localstats import (
    GetisOrdGiStar,
    Moran,
    MoranBV,
    MoranLocal,
    MoranLocalBV,
    _check_inference,
)

logger = logging.getLogger(__name__)

__all__ = ["SIGNIFICANCE_CUTS", "HotspotResult", "MoranScatter", "bivariate_hotspots",
           "display_names", "hotspots", "moran_scatter", "significance_classes"]

HOTSPOT_METHODS = ("local_moran", "gi_star")
GLOBAL_PERMUTATIONS = 999  # the global Moran's I: its p-value is not the question here
#: GeoDa's significance-map classes (upper bounds of the pseudo p-value)
SIGNIFICANCE_CUTS = (0.0001, 0.001, 0.01, 0.05)


# Short names of the shipped indicators for sentences (the catalog's labels are longer).
_NAMES: dict[str, tuple[str, str]] = {
    "stunting_u5_2019": ("desnutrición crónica infantil", "child stunting"),
    "anemia_6_35m_2019": ("anemia en niños de 6 a 35 meses", "anaemia in children 6-35 months"),
    "poverty_2018": ("pobreza monetaria", "monetary poverty"),
    "extreme_poverty_2013": ("pobreza extrema", "extreme poverty"),
    "hdi_2019": ("IDH", "HDI"),
    "food_vulnerability": ("vulnerabilidad alimentaria", "food vulnerability"),
    "no_water_2017": ("hogares sin agua de red", "households without piped water"),
    "no_sewer_2017": ("hogares sin desagüe", "households without sewer"),
    "no_electricity_2017": ("hogares sin electricidad", "households without electricity"),
    "no_internet_2017": ("hogares sin internet", "households without internet"),
}


def display_names(indicator: str) -> tuple[str, str]:
    """Spanish and English names of an indicator for sentences.

    A built-in table of short names for the shipped indicators, then the catalog's labels,
    then the column name itself.
    """
    if indicator in _NAMES:
        return _NAMES[indicator]
    try:
        from geoprio.data.shipped import catalog

        cat = catalog()
        row = cat.loc[cat["id"] == indicator]
        if len(row):
            return _lower(row["label_es"].iloc[0]), _lower(row["label_en"].iloc[0])
    except Exception:  # the catalog is optional here: fall back to the column name
        logger.debug("catalog unavailable for %s", indicator)
    return indicator, indicator


def _lower(label: Any) -> str:
    """Lower-case the first letter for use inside a sentence, unless it is an acronym."""
    text = str(label)
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


@dataclass(eq=False)
class HotspotResult:
    """What :func:`hotspots` found, with the diagnostics behind it.

    Attributes
    ----------
    method, indicator : str
    local : MoranLocal or GetisOrdGiStar
        The local statistic on the districts with a value.
    moran : Moran
        Global Moran's I of the indicator on the same districts.
    weights : Contiguity
        Contiguity used (after dropping missing values and re-patching).
    dropped : list of str
        Districts left out because the indicator is missing (not set to 0).
    counts : dict of str to int
        Districts per label, counting only stable labels; ``"unstable"`` counts the
        districts whose label changes between runs (every district is counted once).
    stability : pandas.Series
        Share of the runs that agree with each district's label, indexed by district code
        (districts with a value only).
    summary_es, summary_en : str
        One or two sentences for a report, counting stable labels only.
    against : str or None
        For :func:`bivariate_hotspots`, the indicator whose spatial lag ``indicator`` is set
        against; None for :func:`hotspots`.
    """

    method: str
    indicator: str
    local: MoranLocal | GetisOrdGiStar | MoranLocalBV
    moran: Moran | MoranBV
    weights: Contiguity
    dropped: list[str]
    counts: dict[str, int]
    stability: pd.Series
    summary_es: str
    summary_en: str
    against: str | None = None

    def stable_labels(self) -> pd.Series:
        """Each district's label as a cluster map shows it: ``"unstable"`` where the runs
        disagree (fewer than ``min_stability`` of them agree), whatever the pooled label.

        Indexed by district code (districts with a value only); the counts of these labels
        are :attr:`counts`.
        """
        local = self.local
        labels = np.where(local.stable_, local.labels_, "unstable")
        return pd.Series(labels, index=self.stability.index, name="label")

    @property
    def patched(self) -> dict[str, list[str]]:
        """Districts joined to neighbours by distance (islands, cut-off parts)."""
        return self.weights.patched

    @property
    def unstable(self) -> list[str]:
        """Codes of the districts whose label is not stable across runs."""
        return self.stability.index[~self.local.stable_].tolist()

    def __repr__(self) -> str:
        counts = "  ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        local = self.local
        return (
            f"HotspotResult(method={self.method!r}, indicator={self.indicator!r}, "
            f"n={local.n}, dropped={len(self.dropped)}, permutations={local.permutations}, "
            f"runs={local.runs}, alpha={local.alpha}, fdr={local.fdr}, "
            f"min_stability={local.min_stability})\n"
            f"  {self.moran!r}\n  {counts}\n  patched: {sorted(self.patched)}\n"
            f"  {self.summary_en}"
        )


@renamed(weights='spatial_weights')
def hotspots(
    districts: Any,
    indicator: str,
    *,
    method: str = "local_moran",
    permutations: int = 9999,
    runs: int = 20,
    alpha: float = 0.05,
    fdr: bool = True,
    seed: int = 0,
    alternative: str = "directed",
    min_stability: float = 0.9,
    spatial_weights: Contiguity | None = None,
    id_column: str = "ubigeo",
) -> tuple[Any, HotspotResult]:
    """Spatial clusters (Local Moran) or hot and cold spots (Gi*) of one indicator.

    Districts where the indicator is missing are dropped from the weights (never set to
    0), the weights are re-patched so that no district is left without neighbours, and
    the dropped codes are reported. The permutation test runs ``runs`` times with seeds
    spawned from ``seed``; p-values pool every run and a label is *stable* when at least
    ``min_stability`` of the runs agree with it. The new frame gains four columns:
    ``hotspot_<indicator>`` ("HH", "LL", "HL", "LH" for Local Moran, "hot", "cold" for Gi*,
    "ns" when not significant, missing where the indicator is missing),
    ``hotspot_<indicator>_p`` (pooled pseudo p-value), ``hotspot_<indicator>_stat`` (local
    Moran's I or the Gi* z-score) and ``hotspot_<indicator>_stability`` (share of runs that
    agree with the label). Counts and summaries count stable labels only.

    Parameters
    ----------
    districts : geopandas.GeoDataFrame
        One row per district with polygons and the indicator column.
    indicator : str
        Column to analyse.
    method : {"local_moran", "gi_star"}, default="local_moran"
    permutations : int, default=9999
        Conditional permutations per run (the global Moran's I takes at most 999).
    runs : int, default=20
        Independent seeded runs; together 199,980 permutations per district by default.
    alpha : float, default=0.05
        Significance level.
    fdr : bool, default=True
        Benjamini-Hochberg control of the false discovery rate at ``alpha``.
    seed : int, default=0
        Seed from which the runs' seeds are spawned: same seed, same map.
    alternative : {"directed", "two-sided"}, default="directed"
        Pseudo p-value as in esda and GeoDa (one-sided in the observed direction), or
        two-sided (doubled, stricter).
    min_stability : float, default=0.9
        Share of runs that must agree with a label for it to be counted.
    spatial_weights : Contiguity, optional
        Precomputed :func:`queen_contiguity` of ``districts`` (same rows, same order).
    id_column : str, default="ubigeo"

    Returns
    -------
    frame : geopandas.GeoDataFrame
        A copy of ``districts`` with the four columns added.
    result : HotspotResult

    Examples
    --------
    >>> import geoprio
    >>> d = geoprio.load_districts()
    >>> frame, result = geoprio.hotspots(d, "stunting_u5_2019")
    >>> sorted(frame["hotspot_stunting_u5_2019"].dropna().unique())
    ['HH', 'HL', 'LH', 'LL', 'ns']
    >>> stability = frame["hotspot_stunting_u5_2019_stability"]
    >>> int(stability.isna().sum()), bool(stability.dropna().between(0, 1).all())
    (9, True)
    """
    if method not in HOTSPOT_METHODS:
        raise InputError(f"method must be one of {list(HOTSPOT_METHODS)}; got {method!r}")
    _check_inference(permutations, alpha, alternative, runs=runs, min_stability=min_stability,
                     seed=seed)
    values, keep, ids, w, dropped = _prepare(districts, [indicator], spatial_weights, id_column)
    y = values[0][keep]
    cls = MoranLocal if method == "local_moran" else GetisOrdGiStar
    local = cls(y, w, permutations=permutations, runs=runs, seed=seed, alpha=alpha, fdr=fdr,
                alternative=alternative, min_stability=min_stability)
    moran = Moran(y, w, permutations=min(permutations, GLOBAL_PERMUTATIONS), seed=seed)
    stat = local.Is if method == "local_moran" else local.Zs
    out, stability = _with_labels(districts, f"hotspot_{indicator}", local, stat, ids, keep,
                                  id_column)
    es, en = _summary(out, w, keep, indicator, method, local)
    result = HotspotResult(method, indicator, local, moran, w, dropped, local.counts(),
                           stability, es, en)
    return out, result


def _with_labels(districts: Any, col: str, local: MoranLocal | GetisOrdGiStar | MoranLocalBV,
                 stat: np.ndarray, ids: np.ndarray, keep: np.ndarray,
                 id_column: str) -> tuple[Any, pd.Series]:
    """A copy of ``districts`` with the label column ``col`` and its ``_p``, ``_stat`` and
    ``_stability`` (missing where a district was left out), and the stability by code."""
    out = districts.copy()
    label = np.full(len(ids), None, dtype=object)
    label[keep] = local.labels_
    out[col] = pd.array(label, dtype="string")
    for suffix, arr in (("_p", local.p_sim), ("_stat", stat), ("_stability", local.stability_)):
        full = np.full(len(ids), np.nan)
        full[keep] = arr
        out[col + suffix] = full
    stability = pd.Series(local.stability_, index=pd.Index(ids[keep], name=id_column),
                          name=col + "_stability")
    return out, stability


def _prepare(districts: Any, indicators: list[str], weights: Contiguity | None,
             id_column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, Contiguity, list[str]]:
    """Values of ``indicators`` (one row each), the districts where all are present, codes,
    the weights on those districts (re-patched) and the codes left out."""
    geoms = _check_districts(districts, id_column)
    for indicator in indicators:
        if not isinstance(indicator, str) or indicator not in districts.columns:
            raise InputError(f"indicator={indicator!r} is not a column of districts")
    values = np.array([pd.to_numeric(districts[i], errors="coerce").to_numpy(dtype=float)
                       for i in indicators])
    if weights is None:
        weights = queen_contiguity(districts, id_column=id_column)
    elif not isinstance(weights, Contiguity) or weights.n != len(geoms):
        raise InputError("weights must be a Contiguity built from these districts "
                         f"({len(geoms)} rows); got {weights!r}")
    keep = np.isfinite(values).all(axis=0)
    ids = districts[id_column].astype(str).to_numpy()
    dropped = ids[~keep].tolist()
    names = " and ".join(f"indicator={i!r}" for i in indicators)
    if keep.sum() < 3:
        raise InputError(f"{names} {'has' if len(indicators) == 1 else 'have'} "
                         f"{int(keep.sum())} districts with a value; need 3 or more")
    w = weights if keep.all() else weights.subset(keep)
    if dropped:
        logger.info("%d districts without %s dropped from the weights: %s",
                    len(dropped), " or ".join(indicators), dropped[:10])
    return values, keep, ids, w, dropped


_GROUPS = {
    "HH": ("alto-alto", "high-high"), "LL": ("bajo-bajo", "low-low"),
    "hot": ("caliente", "hot-spot"), "cold": ("frío", "cold-spot"),
}


def _summary(out: Any, w: Contiguity, keep: np.ndarray, indicator: str, method: str,
             local: MoranLocal | GetisOrdGiStar) -> tuple[str, str]:
    """Sentences naming the main departments of each group of stable significant labels."""
    name_es, name_en = display_names(indicator)
    labels = np.where(local.stable_, local.labels_, "unstable")
    dept = out["department"].to_numpy()[keep] if "department" in out.columns else None
    es_parts, en_parts = [], []
    for lab in (("HH", "LL") if method == "local_moran" else ("hot", "cold")):
        members = np.flatnonzero(labels == lab)
        if members.size == 0:
            continue
        sub = w.adjacency[members][:, members]
        pieces = connected_components(sub, directed=False)[0]
        g_es, g_en = _GROUPS[lab]
        where_es = where_en = ""
        if dept is not None:
            top = pd.Series(dept[members]).value_counts().head(3)
            items = [f"{d} ({c})" for d, c in top.items()]
            where_es = " en " + _join(items, "y")
            where_en = " in " + _join(items, "and")
        if method == "local_moran":
            word_es = "conglomerado" if pieces == 1 else "conglomerados"
            word_en = "cluster" if pieces == 1 else "clusters"
            art = "un" if pieces == 1 else str(pieces)
            es_parts.append(f"{members.size} distritos forman {art} {word_es} {g_es} de "
                            f"{name_es}{where_es}")
            art_en = "a" if pieces == 1 else str(pieces)
            en_parts.append(f"{members.size} districts form {art_en} {g_en} {word_en} of "
                            f"{name_en}{where_en}")
        else:
            punto = "puntos calientes" if lab == "hot" else "puntos fríos"
            es_parts.append(f"{members.size} distritos son {punto} de {name_es} "
                            f"({pieces} zonas){where_es}")
            en_parts.append(f"{members.size} districts are {g_en}s of {name_en} "
                            f"({pieces} areas){where_en}")
    tail_es, tail_en = _tails(local)
    if not es_parts:
        return (f"Ningún distrito forma un conglomerado significativo y estable de "
                f"{name_es}{tail_es}",
                f"No district forms a significant and stable cluster of {name_en}{tail_en}")
    return "; ".join(es_parts) + tail_es, "; ".join(en_parts) + tail_en


def _tails(local: MoranLocal | GetisOrdGiStar) -> tuple[str, str]:
    """How the labels were tested, and how many were left out as unstable."""
    from geoprio.fmt import integer, number

    # numbers as each language writes them: "α = 0,05", "9 999" (Spanish), "9,999" (English)
    alpha, alpha_es = number(local.alpha, 2, "en"), number(local.alpha, 2, "es")
    fdr_es, fdr_en = (" con FDR", " with FDR") if local.fdr else ("", "")
    perms_es, perms_en = integer(local.permutations, "es"), integer(local.permutations, "en")
    if not local.permutations:
        return (f" (sin permutaciones, α = {alpha_es}{fdr_es}).",
                f" (no permutations, α = {alpha}{fdr_en}).")
    agree = math.ceil(local.min_stability * local.runs - 1e-9)
    unstable = int((~local.stable_).sum())
    es = (f" ({local.runs} corridas de {perms_es} permutaciones, α = {alpha_es}{fdr_es}; se "
          f"cuentan las etiquetas que coinciden en al menos {agree} de {local.runs} corridas")
    en = (f" ({local.runs} runs of {perms_en} permutations, α = {alpha}{fdr_en}; "
          f"labels counted when at least {agree} of {local.runs} runs agree")
    if unstable:
        es += f": {unstable} {'distrito' if unstable == 1 else 'distritos'} con etiqueta " \
              f"inestable no se {'cuenta' if unstable == 1 else 'cuentan'}"
        en += f": {unstable} {'district' if unstable == 1 else 'districts'} with an " \
              f"unstable label {'is' if unstable == 1 else 'are'} not counted"
    return es + ").", en + ")."


def _join(items: list[str], conj: str) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {conj} {items[-1]}"


# ------------------------------------------------------------------ GeoDa's everyday views
@dataclass(eq=False)
class MoranScatter:
    """GeoDa's Moran scatterplot of one indicator (or of one against the lag of another).

    Attributes
    ----------
    indicator : str
        The variable on the x axis (standardised).
    against : str or None
        The variable whose spatial lag is on the y axis; None: ``indicator`` itself.
    I, p_sim : float
        Global Moran's I (bivariate I when ``against``) and its permutation pseudo p-value
        (one-sided in the observed direction, as esda and GeoDa).
    slope, intercept : float
        Least-squares line of the lag on the standardised value. With row-standardised
        weights and no district without neighbours, ``slope`` equals ``I``.
    points : pandas.DataFrame
        Indexed by district code: ``value`` (the indicator), ``z`` (standardised with the
        population standard deviation, as esda), ``lag`` (mean of the neighbours' ``z``, of
        ``against``'s when given) and ``quadrant`` ("HH", "LH", "LL", "HL": sign of ``z``
        then of ``lag``).
    moran : Moran or MoranBV
    weights : Contiguity
    dropped : list of str
        Districts left out because a value is missing.
    """

    indicator: str
    against: str | None
    I: float  # noqa: E741 (esda's name)
    p_sim: float
    slope: float
    intercept: float
    points: pd.DataFrame
    moran: Moran | MoranBV
    weights: Contiguity
    dropped: list[str]

    def __repr__(self) -> str:
        vs = f", against={self.against!r}" if self.against else ""
        return (f"MoranScatter(indicator={self.indicator!r}{vs}, n={len(self.points)}, "
                f"I={self.I:.4f}, p_sim={self.p_sim:.4f}, slope={self.slope:.4f}, "
                f"dropped={len(self.dropped)})")


@renamed(weights='spatial_weights')
def moran_scatter(
    districts: Any,
    indicator: str,
    *,
    against: str | None = None,
    permutations: int = GLOBAL_PERMUTATIONS,
    seed: int = 0,
    spatial_weights: Contiguity | None = None,
    id_column: str = "ubigeo",
) -> MoranScatter:
    """The Moran scatterplot: each district's standardised value against its spatial lag.

    Same weights as :func:`hotspots` (queen contiguity, re-patched without the districts
    where a value is missing, row-standardised). With ``against``, GeoDa's bivariate
    scatterplot: ``indicator`` on x, the lag of standardised ``against`` on y, and the
    bivariate Moran's I (esda's ``Moran_BV``).

    Parameters
    ----------
    districts : geopandas.GeoDataFrame
    indicator : str
    against : str, optional
    permutations : int, default=999
        Random permutations for the pseudo p-value of I (0: none, ``p_sim`` NaN).
    seed : int, default=0
    spatial_weights : Contiguity, optional
        Precomputed :func:`queen_contiguity` of ``districts``.
    id_column : str, default="ubigeo"

    Returns
    -------
    MoranScatter

    Examples
    --------
    >>> import geoprio
    >>> s = geoprio.moran_scatter(geoprio.load_districts(), "stunting_u5_2019")
    >>> round(s.I, 4), s.p_sim, abs(s.slope - s.I) < 1e-12
    (0.5005, 0.001, True)
    >>> s.points["quadrant"].value_counts().to_dict()
    {'LL': 732, 'HH': 722, 'LH': 262, 'HL': 149}
    """
    _check_inference(permutations, 0.05, seed=seed)
    names = [indicator] if against is None else [indicator, against]
    values, keep, ids, w, dropped = _prepare(districts, names, spatial_weights, id_column)
    x = values[0][keep]
    if against is None:
        moran: Moran | MoranBV = Moran(x, w, permutations=permutations, seed=seed)
        y = x
    else:
        y = values[1][keep]
        moran = MoranBV(x, y, w, permutations=permutations, seed=seed)
    z = (x - x.mean()) / x.std()
    zy = (y - y.mean()) / y.std()
    a = w.adjacency.tocsr().astype(float)
    degree = np.asarray(a.sum(axis=1)).ravel()
    lag = np.divide(a @ zy, degree, out=np.zeros(z.size), where=degree > 0)
    slope = float(z @ lag / (z @ z))  # mean(z) = 0: the least-squares slope
    intercept = float(lag.mean())
    quadrant = np.where(z > 0, np.where(lag > 0, "HH", "HL"), np.where(lag > 0, "LH", "LL"))
    points = pd.DataFrame({"value": x, "z": z, "lag": lag, "quadrant": quadrant},
                          index=pd.Index(ids[keep], name=id_column))
    return MoranScatter(indicator, against, float(moran.I), float(moran.p_sim), slope,
                        intercept, points, moran, w, dropped)


def significance_classes(result: HotspotResult) -> pd.Series:
    """GeoDa's significance map: each district's pseudo p-value in classes.

    Classes are the upper bounds ``"0.0001"``, ``"0.001"``, ``"0.01"``, ``"0.05"`` (those
    below ``alpha``, then ``alpha`` itself), ``"ns"`` above ``alpha`` and ``"unstable"``
    where the runs disagree. The p-value classified is the one the labels use: the
    Benjamini-Hochberg adjusted p-value when the result was computed with ``fdr`` (the
    default), the pooled pseudo p-value otherwise. So a district is in a p class exactly
    when :meth:`HotspotResult.stable_labels` gives it a cluster label.

    Returns
    -------
    pandas.Series of str, indexed by district code (districts with a value).

    Examples
    --------
    >>> import geoprio
    >>> _, result = geoprio.hotspots(geoprio.load_districts(), "stunting_u5_2019")
    >>> significance_classes(result).value_counts().sort_index().to_dict()
    {'0.001': 33, '0.01': 87, '0.05': 170, 'ns': 1537, 'unstable': 38}
    """
    local = result.local
    p = local.p_fdr if local.fdr else local.p_sim
    cuts = [c for c in SIGNIFICANCE_CUTS if c < local.alpha] + [local.alpha]
    classes = np.full(local.n, "ns", dtype=object)
    for cut in reversed(cuts):  # the smallest bound a p-value is under wins
        classes[np.nan_to_num(p, nan=2.0) <= cut] = f"{cut:g}"
    classes[~local.stable_] = "unstable"
    return pd.Series(classes, index=result.stability.index, name="significance",
                     dtype=object)


@renamed(weights='spatial_weights')
def bivariate_hotspots(
    districts: Any,
    indicator: str,
    against: str,
    *,
    permutations: int = 9999,
    runs: int = 20,
    alpha: float = 0.05,
    fdr: bool = True,
    seed: int = 0,
    alternative: str = "directed",
    min_stability: float = 0.9,
    spatial_weights: Contiguity | None = None,
    id_column: str = "ubigeo",
) -> tuple[Any, HotspotResult]:
    """Bivariate Local Moran: ``indicator`` in each district against ``against`` around it.

    GeoDa's bivariate LISA (esda's ``Moran_Local_BV(x, y, w)``, x the indicator, y
    ``against``): "HH" a district with high ``indicator`` among neighbours with high
    ``against``, "HL" high ``indicator`` among low ``against`` (e.g. stunting high where the
    surrounding poverty is low), "LH", "LL". Same weights, seeded runs, FDR and stability
    as :func:`hotspots`; districts missing either value are left out. The frame gains the
    columns ``hotspot_<indicator>_vs_<against>`` and its ``_p``, ``_stat`` and
    ``_stability``.

    Parameters
    ----------
    districts : geopandas.GeoDataFrame
    indicator, against : str
        Columns: the variable in the district, and the one whose lag is taken.
    permutations, runs, alpha, fdr, seed, alternative, min_stability, spatial_weights, id_column
        As :func:`hotspots`.

    Returns
    -------
    frame : geopandas.GeoDataFrame
    result : HotspotResult
        ``method`` is ``"bivariate_moran"``, ``local`` a :class:`MoranLocalBV`, ``moran``
        the global bivariate :class:`MoranBV`, ``against`` the second indicator.

    Examples
    --------
    >>> import geoprio
    >>> d = geoprio.load_districts()
    >>> frame, result = geoprio.bivariate_hotspots(d, "stunting_u5_2019", "poverty_2018")
    >>> result.counts
    {'HH': 180, 'HL': 24, 'LH': 36, 'LL': 252, 'ns': 1327, 'unstable': 46}
    """
    _check_inference(permutations, alpha, alternative, runs=runs, min_stability=min_stability,
                     seed=seed)
    if against == indicator:
        raise InputError(f"against={against!r} is the indicator itself: use hotspots() for "
                         "one indicator, or choose a different second indicator")
    values, keep, ids, w, dropped = _prepare(districts, [indicator, against], spatial_weights,
                                             id_column)
    x, y = values[0][keep], values[1][keep]
    local = MoranLocalBV(x, y, w, permutations=permutations, runs=runs, seed=seed,
                         alpha=alpha, fdr=fdr, alternative=alternative,
                         min_stability=min_stability)
    moran = MoranBV(x, y, w, permutations=min(permutations, GLOBAL_PERMUTATIONS), seed=seed)
    out, stability = _with_labels(districts, f"hotspot_{indicator}_vs_{against}", local,
                                  local.Is, ids, keep, id_column)
    es, en = _bivariate_summary(out, keep, indicator, against, local)
    result = HotspotResult("bivariate_moran", indicator, local, moran, w, dropped,
                           local.counts(), stability, es, en, against)
    return out, result


_SIDES = {"H": ("por encima del promedio", "above average"),
          "L": ("por debajo del promedio", "below average")}


def _bivariate_summary(out: Any, keep: np.ndarray, indicator: str, against: str,
                       local: MoranLocalBV) -> tuple[str, str]:
    """Sentences counting each stable bivariate group, with its main departments."""
    x_es, x_en = display_names(indicator)
    y_es, y_en = display_names(against)
    labels = np.where(local.stable_, local.labels_, "unstable")
    dept = out["department"].to_numpy()[keep] if "department" in out.columns else None
    es_parts, en_parts = [], []
    for lab in ("HH", "HL", "LH", "LL"):
        members = np.flatnonzero(labels == lab)
        if members.size == 0:
            continue
        where_es = where_en = ""
        if dept is not None:
            top = pd.Series(dept[members]).value_counts().head(3)
            items = [f"{d} ({c})" for d, c in top.items()]
            where_es, where_en = " en " + _join(items, "y"), " in " + _join(items, "and")
        (sx_es, sx_en), (sy_es, sy_en) = _SIDES[lab[0]], _SIDES[lab[1]]
        word_es = "distrito" if members.size == 1 else "distritos"
        word_en = "district" if members.size == 1 else "districts"
        around = "rodeado" if members.size == 1 else "rodeados"
        es_parts.append(f"{members.size} {word_es} con {x_es} {sx_es} {around} de {y_es} "
                        f"{sy_es}{where_es}")
        en_parts.append(f"{members.size} {word_en} with {x_en} {sx_en} surrounded by {y_en} "
                        f"{sy_en}{where_en}")
    tail_es, tail_en = _tails(local)
    if not es_parts:
        return (f"Ningún distrito muestra una relación local significativa y estable entre "
                f"{x_es} y {y_es}{tail_es}",
                f"No district shows a significant and stable local association between "
                f"{x_en} and {y_en}{tail_en}")
    return "; ".join(es_parts) + tail_es, "; ".join(en_parts) + tail_en
