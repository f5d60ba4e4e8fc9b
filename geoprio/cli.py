"""The ``geoprio`` command: the same functions as the Python API, from the shell.

Run ``geoprio --help`` or ``geoprio COMMAND --help``. Errors a user can fix print one line to
stderr and exit with status 2; nothing prints a traceback for a bad file. Warnings from
numerical libraries are not shown (``-v`` logs them); geoprio's own warnings print as one line.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

from geoprio.engine.presets import PRESET_TITLES
from geoprio.errors import GeoprioError
from geoprio.readers.safety import MAX_MESSAGE_CHARS, one_line

log = logging.getLogger(__name__)

COMMANDS: dict[str, Callable[[argparse._SubParsersAction], None]] = {}


def command(fn: Callable[[argparse._SubParsersAction], None]):
    """Register a function that adds one sub-command to the parser."""
    COMMANDS[fn.__name__.removeprefix("add_")] = fn
    return fn


@command
def add_build(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="rebuild data/ from the raw public sources")
    p.add_argument("--sources", type=Path, default=Path("../shared/peru-data"),
                   help="folder with indicators/, boundaries/, points/ (default: %(default)s)")
    p.add_argument("--out", type=Path, default=None, help="where to write (default: data/)")
    p.set_defaults(run=run_build)


def run_build(args: argparse.Namespace) -> int:
    from geoprio.build import PROJECT_DATA, build
    from geoprio.build.validate import to_markdown

    print(to_markdown(build(args.sources, args.out or PROJECT_DATA)))
    return 0


@command
def add_join(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("join", help="join a CSV/XLSX of indicators to the districts and report "
                                    "every code")
    p.add_argument("table", type=Path, help="CSV or XLSX with one row per district")
    p.add_argument("--id-column", "--key", dest="id_column",
                   help="the code column (found by name or content when omitted)")
    p.add_argument("--scheme", choices=["auto", "inei", "reniec"], default="auto",
                   help="code numbering (default: auto, from the codes and names; refused "
                        "when they do not tell)")
    p.add_argument("--sheet", default=0, help="XLSX sheet name or position (default: first)")
    p.add_argument("--report", type=Path, help="write the join report as JSON here")
    p.add_argument("--out", type=Path, help="write the joined table (.csv or .xlsx, no "
                                            "geometry) here")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when any row did not match or any district has no row")
    p.set_defaults(run=run_join)


def run_join(args: argparse.Namespace) -> int:
    import geoprio

    sheet = int(args.sheet) if str(args.sheet).isdigit() else args.sheet
    table = geoprio.read_table(args.table, sheet=sheet, id_column=args.id_column)
    districts = geoprio.load_districts().drop(columns="geometry")
    joined, report = geoprio.join_indicators(districts, table, id_column=args.id_column,
                                             scheme=args.scheme)
    print(report.summary())
    if args.report:
        args.report.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False),
                               encoding="utf-8")
    if args.out:
        geoprio.export(joined, args.out)  # formula-like cells and names neutralised
    if args.strict and not report.ok:
        print("strict: the join is not complete (see above)", file=sys.stderr)
        return 1
    return 0


@command
def add_check(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="read a table or boundary file and list every problem")
    p.add_argument("file", type=Path, help="CSV, XLSX, GeoPackage, GeoJSON or zipped shapefile")
    p.add_argument("--id-column", "--key", dest="id_column", help="tables: the code column")
    p.add_argument("--layer", help="boundaries: the layer to read")
    p.add_argument("--scheme", choices=["auto", "inei", "reniec"], default="auto",
                   help="tables: code numbering, as for join")
    p.add_argument("--json", action="store_true", help="print everything read, as JSON")
    p.set_defaults(run=run_check)


def _is_boundary_file(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix in (".gpkg", ".geojson", ".json", ".shp"):
        return True
    if suffix == ".zip":  # a zipped shapefile, unless it holds a workbook
        import zipfile

        try:
            with zipfile.ZipFile(path) as zf:
                return "[Content_Types].xml" not in zf.namelist()
        except (zipfile.BadZipFile, OSError):
            return True
    if suffix in (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods"):
        return False
    try:
        from geoprio.readers.safety import read_head, sniff

        return sniff(read_head(path)) in ("sqlite", "json", "shp")
    except OSError:
        return False


def run_check(args: argparse.Namespace) -> int:
    import geoprio

    frame = (geoprio.read_boundaries(args.file, layer=args.layer)
             if _is_boundary_file(args.file) else
             geoprio.read_table(args.file, id_column=args.id_column))
    info = dict(frame.attrs.get("read", {}))  # the report is read-only: a copy to add to
    problems = info.get("problems", [])
    report = None
    if not _is_boundary_file(args.file):  # where the codes land (refused when ambiguous)
        from geoprio.data.shipped import read_indicators

        _, report = geoprio.join_indicators(read_indicators()[["ubigeo"]], frame,
                                            id_column=args.id_column, scheme=args.scheme)
        info["join"] = report.to_dict()
    if args.json:
        print(json.dumps(info, indent=2, ensure_ascii=False, default=str))
    else:
        print(f"{args.file}: {len(frame)} rows read; {len(problems)} problems")
        for p in problems:
            print(f"  {one_line(p.get('message', p), MAX_MESSAGE_CHARS)}")
        if report is not None:
            print(report.summary())
    return 1 if problems or (report and report.unmatched) else 0


def _weights(text: str) -> dict[str, float]:
    out = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        if not sep:
            raise GeoprioError(f"--weights: {part!r} is not id=weight (e.g. poverty_2018=0.5)")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise GeoprioError(f"--weights: {value!r} is not a number in {part!r}") from None
    return out


def _scenario_from(args: argparse.Namespace):
    from geoprio.engine.scenario import Scenario

    scenario = Scenario.load(args.scenario) if args.scenario else Scenario.preset(args.preset)
    changes: dict = {}
    if getattr(args, "weights", None):
        changes["weights"] = _weights(args.weights)
    if getattr(args, "rule", None) is not None:
        changes["rule"] = args.rule
    if getattr(args, "top", None) is not None:
        changes.update(top_n=args.top, threshold=None, budget=None)
    if getattr(args, "threshold", None) is not None:
        changes.update(top_n=None, threshold=args.threshold, budget=None)
    if getattr(args, "budget", None) is not None:
        changes.update(top_n=None, threshold=None, budget=args.budget,
                       cost_per_district=args.cost_per_district,
                       cost_per_beneficiary=args.cost_per_beneficiary,
                       beneficiary_column=args.beneficiary_column)
    if getattr(args, "departments", None):
        changes["departments"] = [d.strip() for d in args.departments.split(",") if d.strip()]
    if getattr(args, "draws", None) is not None:
        changes["n_draws"] = args.draws
    if getattr(args, "seed", None) is not None:
        changes["seed"] = args.seed
    return scenario.replace(**changes) if changes else scenario


#: the presets a command can name (--preset, or compare's A and B)
PRESET_NAMES = tuple(PRESET_TITLES)


def _add_scenario_source(p: argparse.ArgumentParser, *, required: bool, preset_help: str,
                         scenario_help: str) -> None:
    """``--preset`` or ``--scenario`` (a file), one or the other."""
    g = p.add_mutually_exclusive_group(required=required)
    g.add_argument("--preset", choices=PRESET_NAMES, help=preset_help)
    g.add_argument("--scenario", type=Path, help=scenario_help)


def _add_scenario_args(p: argparse.ArgumentParser) -> None:
    _add_scenario_source(p, required=True, preset_help="a documented preset",
                         scenario_help="a scenario file (.toml or .json)")
    p.add_argument("--weights", help="replace the weights: id=w,id=w (catalog ids)")
    p.add_argument("--rule", help="eligibility rule, e.g. \"poverty_2018 >= 40 and vraem\"")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--top", type=int, help="select the N best-ranked eligible districts")
    size.add_argument("--threshold", type=float, help="select eligible districts scoring >= X")
    size.add_argument("--budget", type=float, help="select districts within this budget")
    p.add_argument("--cost-per-district", type=float, help="with --budget")
    p.add_argument("--cost-per-beneficiary", type=float, help="with --budget")
    p.add_argument("--beneficiary-column", help="with --cost-per-beneficiary")
    p.add_argument("--departments", help="only these departments: NAME,NAME")
    p.add_argument("--draws", type=int, help="Monte Carlo draws (0 to skip)")
    p.add_argument("--seed", type=int, help="random seed")


@command
def add_rank(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rank", help="score, rank and select districts for a scenario")
    _add_scenario_args(p)
    p.add_argument("--lang", choices=["es", "en"], default="es", help="language of the reasons")
    p.add_argument("--out", type=Path, required=True,
                   help="every district, selected or not: .csv .xlsx .gpkg .geojson .zip")
    p.set_defaults(run=run_rank)


def run_rank(args: argparse.Namespace) -> int:
    import geoprio

    scenario = _scenario_from(args)
    result = geoprio.prioritize(geoprio.load_districts(), scenario, catalog=geoprio.catalog(),
                                lang=args.lang)
    geoprio.export(result, args.out, scenario=scenario)
    n_sel = int(result["selected"].sum())
    n_unc = int(result.get("selection_uncertain", result["selected"] * 0).sum())
    print(f"{scenario.name}: {int(result['eligible'].sum())} eligible, {n_sel} selected, "
          f"{n_unc} uncertain (0.1 < p_selected < 0.9); written to {args.out}")
    top = result[result["selected"]].sort_values("rank").head(10)
    for r in top.itertuples():
        print(f"  {int(r.rank):>4}  {r.ubigeo}  {r.district} ({r.department})  "
              f"score {r.score:.3f}  90% rank interval {int(r.rank_p05)}–{int(r.rank_p95)}")
    for key, value in result.attrs.get("totals", {}).items():
        print(f"  total {key}: {value:,.0f}" if isinstance(value, (int, float)) else
              f"  total {key}: {value}")
    return 0


@command
def add_scenario(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scenario", help="print a preset scenario to edit (TOML or JSON)")
    p.add_argument("--preset", choices=PRESET_NAMES, required=True)
    p.add_argument("--format", choices=["toml", "json"], default="toml")
    p.set_defaults(run=run_scenario)


def run_scenario(args: argparse.Namespace) -> int:
    from geoprio.engine.scenario import Scenario

    s = Scenario.preset(args.preset)
    sys.stdout.write(s.to_toml() if args.format == "toml" else s.to_json() + "\n")
    return 0


@command
def add_compare(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="compare two scenarios: rank correlation, who enters "
                                       "and who leaves the list, moves within the rank "
                                       "intervals, people reached")
    p.add_argument("a", type=Path, help="scenario file A (.toml/.json) or preset name")
    p.add_argument("b", type=Path, help="scenario file B (.toml/.json) or preset name")
    p.add_argument("--on-2019", choices=["a", "b"], help="run scenario A or B on the SIEN "
                   "2019 rates instead of the 2022 ones")
    p.add_argument("--draws", type=int, help="Monte Carlo draws of both (0: no intervals)")
    p.add_argument("--lang", choices=["es", "en"], default="es", help="language of the reasons")
    p.add_argument("--out", type=Path, help="every district with both ranks, intervals and "
                   "reasons: .csv .xlsx (both scenarios in the methodology sheet) .gpkg "
                   ".geojson .zip")
    p.set_defaults(run=run_compare)


def run_compare(args: argparse.Namespace) -> int:
    import geoprio
    from geoprio.decide.comparison import with_2019_rates
    from geoprio.engine.scenario import Scenario
    from geoprio.report.decisions import export_comparison

    def load(x: Path, side: str) -> Scenario:
        s = Scenario.preset(str(x)) if str(x) in PRESET_NAMES else \
            Scenario.load(x)
        if args.draws is not None:
            s = s.replace(n_draws=args.draws)
        return with_2019_rates(s) if args.on_2019 == side else s

    cmp = geoprio.compare_scenarios(load(args.a, "a"), load(args.b, "b"),
                                    districts=geoprio.load_districts(),
                                    catalog=geoprio.catalog(), lang=args.lang)
    print(f"Spearman {cmp.spearman:.3f}, Kendall {cmp.kendall:.3f} over {cmp.n_common} "
          f"districts ranked in both; kept {cmp.n_kept}, entering {len(cmp.entering)} "
          f"({cmp.n_within('entering')} within their rank intervals), leaving "
          f"{len(cmp.leaving)} ({cmp.n_within('leaving')} within their rank intervals)")
    for people, row in cmp.people.iterrows():
        print(f"  {people}: A {row['a']:,.0f}, B {row['b']:,.0f} ({row['difference']:+,.0f})")
    if args.out:
        export_comparison(cmp, args.out)
        print(f"written to {args.out}")
    return 0


@command
def add_zonal(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("zonal", help="zonal statistics of a GeoTIFF per district")
    p.add_argument("raster", type=Path, help="a GeoTIFF (any CRS; districts are reprojected)")
    p.add_argument("--stat", action="append", dest="stats",
                   choices=["mean", "sum", "min", "max", "median", "count", "majority", "std",
                            "range"], help="statistic (repeat for several; default: mean)")
    p.add_argument("--band", action="append", type=int, dest="bands", help="band (default 1)")
    p.add_argument("--all-touched", action="store_true",
                   help="count every pixel a district touches, not only pixel centres")
    p.add_argument("--population", "--weights", dest="population", type=Path,
                   help="a second raster for a weighted mean (e.g. a population grid)")
    p.add_argument("--nodata", type=float, help="value to treat as missing")
    p.add_argument("--name", help="add the first statistic as an indicator with this id")
    p.add_argument("--label-es", help="with --name: Spanish label")
    p.add_argument("--label-en", help="with --name: English label")
    p.add_argument("--unit", default="", help="with --name: unit (default: none)")
    p.add_argument("--source", default="", help="with --name: where the raster comes from")
    p.add_argument("--year", type=int, help="with --name: year of the data")
    direction = p.add_mutually_exclusive_group()
    direction.add_argument("--higher-is-worse", dest="higher_is_worse", action="store_true",
                           default=True)
    direction.add_argument("--lower-is-worse", dest="higher_is_worse", action="store_false")
    p.add_argument("--out", type=Path, required=True, help="CSV: ubigeo and the statistics "
                   "(with --name: the district table plus FILE.catalog.csv)")
    p.set_defaults(run=run_zonal)


def run_zonal(args: argparse.Namespace) -> int:
    import geoprio
    from geoprio.spatial.raster import add_zonal_indicator

    stats = tuple(args.stats or ["mean"])
    band = args.bands[0] if args.bands and len(args.bands) == 1 else (args.bands or 1)
    districts = geoprio.load_districts()
    table = geoprio.zonal_stats(districts, args.raster, stats=stats, band=band,
                                all_touched=args.all_touched, population=args.population,
                                nodata=args.nodata)
    methods = table["zonal_method"].value_counts().to_dict()
    print(f"{len(table)} districts; how each got its value: {methods}")
    if args.name:
        column = "weighted_mean" if args.population else stats[0]
        new, cat = add_zonal_indicator(
            districts.drop(columns="geometry"), geoprio.catalog(), table, column=column,
            id=args.name, label_es=args.label_es or args.name,
            label_en=args.label_en or args.name, unit=args.unit,
            higher_is_worse=args.higher_is_worse, source=args.source or args.raster.name,
            year=args.year)
        geoprio.export(new, args.out)
        catalog_path = args.out.with_suffix(".catalog.csv")
        geoprio.export(cat, catalog_path)  # user labels neutralised like every export
        print(f"indicator {args.name!r} added; table {args.out}, catalog {catalog_path}")
    else:
        geoprio.export(table, args.out)
        print(f"written to {args.out}")
    return 0


@command
def add_cluster(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("cluster", help="district typologies or contiguous intervention zones")
    p.add_argument("--indicators", required=True, help="catalog ids: a,b,c")
    p.add_argument("--method", choices=["kmeans", "ward", "gmm", "zones"], default="kmeans")
    p.add_argument("--k", default="auto", help="number of groups, or auto (silhouette/BIC)")
    p.add_argument("--min-population", type=float, help="zones: population floor per zone")
    p.add_argument("--missing", choices=["drop", "median"], default="drop")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lang", choices=["es", "en"], default="es")
    p.add_argument("--out", type=Path, required=True, help=".csv .xlsx .gpkg .geojson .zip")
    p.add_argument("--profiles", type=Path, help="write the cluster profiles (CSV) here")
    p.set_defaults(run=run_cluster)


def run_cluster(args: argparse.Namespace) -> int:
    import geoprio

    k = args.k if args.k == "auto" else int(args.k)
    method = "ward" if args.method == "zones" else args.method
    frame, result = geoprio.cluster(
        geoprio.load_districts(), [i.strip() for i in args.indicators.split(",") if i.strip()],
        method=method, k=k, contiguous=args.method == "zones",
        min_population=args.min_population, missing=args.missing, seed=args.seed)
    print(result.summary_es if args.lang == "es" else result.summary_en)
    print(result.profiles.to_string(max_cols=12))
    geoprio.export(frame, args.out)
    if args.profiles:
        geoprio.export(result.profiles.reset_index(), args.profiles)
    return 0


@command
def add_hotspots(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("hotspots", help="Local Moran or Getis-Ord Gi* hot spots of an indicator")
    p.add_argument("indicator", help="catalog id, e.g. stunting_u5_2019")
    p.add_argument("--method", choices=["local_moran", "gi_star"], default="local_moran")
    p.add_argument("--permutations", type=int, default=9999, help="per run (default: 9999)")
    p.add_argument("--runs", type=int, default=20, help="seeded runs whose p-values are pooled")
    p.add_argument("--min-stability", type=float, default=0.9,
                   help="share of runs that must agree for a label to be counted")
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--no-fdr", action="store_true", help="do not control the false discovery "
                                                          "rate (not advised)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lang", choices=["es", "en"], default="es")
    p.add_argument("--out", type=Path, required=True, help=".csv .xlsx .gpkg .geojson .zip")
    p.set_defaults(run=run_hotspots)


def run_hotspots(args: argparse.Namespace) -> int:
    import geoprio

    frame, result = geoprio.hotspots(geoprio.load_districts(), args.indicator,
                                     method=args.method, permutations=args.permutations,
                                     runs=args.runs, min_stability=args.min_stability,
                                     alpha=args.alpha, fdr=not args.no_fdr, seed=args.seed)
    print(result.summary_es if args.lang == "es" else result.summary_en)
    print(repr(result))
    geoprio.export(frame, args.out)
    return 0


def _add_rate_args(p: argparse.ArgumentParser, columns: str) -> None:
    """The options of a command that estimates rates: the user's table (``--table``, its code
    column and numbering), the interval, the unit and the output file."""
    p.add_argument("--table", type=Path, help=f"your own CSV/XLSX with {columns}, one row per "
                                              "district (default: the shipped data)")
    p.add_argument("--id-column", "--key", dest="id_column",
                   help="with --table: the code column")
    p.add_argument("--scheme", choices=["auto", "inei", "reniec"], default="auto",
                   help="with --table: the code numbering (auto refuses an ambiguous table)")
    p.add_argument("--level", type=float, default=0.9, help="interval probability (0.9)")
    p.add_argument("--percent", action="store_true", help="rates in %% (default: 0-1)")
    p.add_argument("--out", type=Path, required=True, help=".csv .xlsx .gpkg .geojson .zip")


def _with_table(districts, args: argparse.Namespace, keep: list[str] | None):
    """``districts[keep]`` joined to the user's ``--table`` (the join's report printed);
    ``keep=None``: every column the table does not bring again."""
    import geoprio

    table = geoprio.read_table(args.table, id_column=args.id_column)
    if keep is None:
        keep = [c for c in districts.columns if c not in set(table.columns) - {"ubigeo"}]
    joined, report = geoprio.join_indicators(districts[keep], table, id_column=args.id_column,
                                             scheme=args.scheme)
    print(report.summary())
    return joined


@command
def add_smooth(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("smooth", help="Empirical Bayes rates from counts (stable where few "
                                      "children were measured), with a 90%% interval")
    p.add_argument("events", help="column of cases, e.g. stunted_u5_2022")
    p.add_argument("population", help="column of the population at risk, e.g. "
                                      "evaluated_u5_2022")
    p.add_argument("--method", choices=["eb", "spatial_eb"], default="eb",
                   help="global (default) or spatial Empirical Bayes (Queen neighbours)")
    _add_rate_args(p, "the two columns")
    p.set_defaults(run=run_smooth)


def run_smooth(args: argparse.Namespace) -> int:
    import geoprio

    districts = geoprio.load_districts()
    if args.table:
        districts = _with_table(districts, args,
                                ["ubigeo", "district", "province", "department", "geometry"])
    result = geoprio.smooth_rates(districts, args.events, args.population, method=args.method,
                                  level=args.level, scale=100 if args.percent else 1)
    out = districts[["ubigeo", "district", "province", "department", "geometry"]].merge(
        result, on="ubigeo", how="left", validate="one_to_one")
    geoprio.export(out, args.out)
    unit = "%" if args.percent else ""
    print(f"{args.method}: {int(result['rate'].notna().sum())} districts smoothed, "
          f"{len(result.attrs['no_data'])} without population; overall rate "
          f"{result.attrs['global_mean'] * (100 if args.percent else 1):.4g}{unit}; "
          f"written to {args.out}")
    return 0


@command
def add_small_area(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("small-area", help="Fay-Herriot small-area estimates from counts, with "
                                          "census covariates and a 90%% interval")
    p.add_argument("events", help="column of cases, e.g. stunted_u5_2022")
    p.add_argument("trials", help="column of children measured, e.g. evaluated_u5_2022")
    p.add_argument("--covariates", help="comma-separated columns or geoprio candidates (e.g. "
                   "poverty_2018,altitude_km,department); default: chosen by BIC")
    p.add_argument("--method", choices=["reml", "ml", "fh"], default="reml",
                   help="how σ²_u is estimated (default: %(default)s)")
    p.add_argument("--transform", choices=["arcsine", "none"], default="arcsine",
                   help="scale of the model (default: %(default)s)")
    p.add_argument("--benchmark", choices=["endes", "endes_anemia"],
                   help="also write estimates benchmarked to ENDES 2022 by department")
    _add_rate_args(p, "the counts")
    p.set_defaults(run=run_small_area)


COMMANDS["small-area"] = COMMANDS.pop("small_area")  # the command's name has a hyphen


def run_small_area(args: argparse.Namespace) -> int:
    import geoprio

    districts = geoprio.load_districts()
    if args.table:
        districts = _with_table(districts, args, None)
    covariates = ([c.strip() for c in args.covariates.split(",") if c.strip()]
                  if args.covariates else None)
    result = geoprio.small_area(districts, args.events, args.trials, covariates,
                                transform=args.transform, level=args.level,
                                scale=100 if args.percent else 1, benchmark=args.benchmark,
                                method=args.method)
    fit = result.attrs["fit"]
    terms = [c for c in fit["covariates"] if not c.startswith("department_")]
    dummies = len(fit["covariates"]) - len(terms)
    terms += [f"department ({dummies} indicators)"] if dummies else []
    out = districts[["ubigeo", "district", "province", "department", "geometry"]].merge(
        result, on="ubigeo", how="left", validate="one_to_one")
    geoprio.export(out, args.out)
    print(f"Fay-Herriot ({args.method}, {args.transform}): {len(result)} districts, "
          f"{int((~result['measured']).sum())} without children measured (synthetic); "
          f"covariates {', '.join(terms)}; sigma2_u {fit['sigma2_u']:.4g}, "
          f"R2 {fit['r2']:.3f}; written to {args.out}")
    return 0


@command
def add_tradeoff(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tradeoff", help="Pareto frontier of children reached against their "
                                        "mean rate, for a budget (exact 0-1 solver)")
    _add_scenario_args(p)
    p.add_argument("--steps", type=int, default=11, help="severity floors per budget "
                   "(default: %(default)s)")
    p.add_argument("--out", type=Path, required=True, help="CSV: one row per frontier point")
    p.set_defaults(run=run_tradeoff)


def run_tradeoff(args: argparse.Namespace) -> int:
    import pandas as pd

    import geoprio

    scenario = _scenario_from(args)
    if scenario.budget is None:
        raise GeoprioError("tradeoff needs --budget (and --cost-per-district, or "
                           "--cost-per-beneficiary with --beneficiary-column)")
    frontier = geoprio.tradeoff(geoprio.load_districts(), scenario, steps=args.steps,
                                catalog=geoprio.catalog())
    table = pd.DataFrame(frontier).assign(
        ubigeos=frontier["ubigeos"].map(" ".join))
    geoprio.export(table, args.out)
    people, rate = frontier.attrs["people"], frontier.attrs["rate"]
    print(f"{scenario.name}: {len(frontier)} frontier points, {people} against the mean "
          f"{rate} (need-weighted), budget {scenario.budget:,.0f}; written to {args.out}")
    for r in frontier.itertuples():
        print(f"  point {r.point:>2}: {r.children_reached:>12,.0f} reached, mean rate "
              f"{r.mean_rate:5.1f}, {r.n_selected:>4} districts, cost {r.cost:,.0f}")
    return 0


@command
def add_fonie_gaps(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fonie-gaps", help="FONIE's simultaneous gaps: per district, the sectors "
                                          "above the national median or a threshold")
    p.add_argument("--reference", default="median", help="'median' (default) or a threshold "
                   "in %% for every sector")
    p.add_argument("--roads", type=Path, help="a CSV/XLSX with your rural-roads gap per "
                   "district (one row per district, higher = larger gap)")
    p.add_argument("--roads-column", help="with --roads: the column holding the gap")
    p.add_argument("--min-gaps", type=int, default=0, help="write only districts with at least "
                   "this many gaps")
    p.add_argument("--out", type=Path, required=True, help=".csv .xlsx .gpkg .geojson .zip")
    p.set_defaults(run=run_fonie_gaps)


COMMANDS["fonie-gaps"] = COMMANDS.pop("fonie_gaps")  # the command's name has a hyphen


def run_fonie_gaps(args: argparse.Namespace) -> int:
    import geoprio

    reference: str | float = args.reference
    if reference != "median":
        try:
            reference = float(reference)
        except ValueError:
            raise GeoprioError(f"--reference must be 'median' or a number; got "
                               f"{args.reference!r}") from None
    districts = geoprio.load_districts()
    roads = None
    if args.roads:
        if not args.roads_column:
            raise GeoprioError("--roads needs --roads-column (the column holding the gap)")
        table = geoprio.read_table(args.roads)
        if args.roads_column not in table.columns:
            raise GeoprioError(f"{args.roads.name}: no column {args.roads_column!r}; columns: "
                               f"{list(table.columns)[:12]}")
        districts, report = geoprio.join_indicators(districts, table)
        print(report.summary())
        roads = args.roads_column
    gaps = geoprio.fonie_gaps(districts, reference, roads=roads)
    counts = gaps["fonie_gap_count"].value_counts().sort_index()
    refs = {k: v["reference"] for k, v in gaps.attrs["fonie_gaps"].items()}
    print("references: " + ", ".join(f"{k} {'-' if v is None else f'{v:.1f}'}"
                                     for k, v in refs.items()))
    print("districts by number of gaps: " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
    out = gaps[gaps["fonie_gap_count"] >= args.min_gaps]
    geoprio.export(out, args.out)
    print(f"{len(out)} districts with at least {args.min_gaps} gaps written to {args.out}")
    return 0


@command
def add_sheet(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sheet", help="one-page district sheet (PDF or HTML), or a ZIP of the "
                                     "sheets of every district of a list")
    p.add_argument("ubigeo", nargs="?", help="the district (omit with a .zip --out: every "
                                             "district of the list)")
    _add_scenario_source(p, required=False, preset_help="rank under a preset",
                         scenario_help="rank under a scenario file (.toml/.json)")
    p.add_argument("--top", type=int, help="with a .zip: only the N first of the list")
    p.add_argument("--draws", type=int, help="Monte Carlo draws (0 to skip)")
    p.add_argument("--lang", choices=["es", "en"], default="es")
    p.add_argument("--out", type=Path, required=True, help=".pdf or .html (one district), "
                   ".zip (the list)")
    p.set_defaults(run=run_sheet)


def run_sheet(args: argparse.Namespace) -> int:
    import geoprio
    from geoprio.report.sheet import district_sheet, district_sheets

    scenario = None
    if args.preset or args.scenario:
        scenario = _scenario_from(args)
    zipped = args.out.suffix.lower() == ".zip"
    if zipped == bool(args.ubigeo):
        raise GeoprioError("give a UBIGEO and a .pdf/.html --out, or a scenario (--preset or "
                           "--scenario) and a .zip --out for every district of the list")
    if zipped:
        if scenario is None:
            raise GeoprioError("a .zip of sheets needs --preset or --scenario (the list)")
        districts = geoprio.load_districts()
        result = geoprio.prioritize(districts, scenario, catalog=geoprio.catalog(),
                                    lang=args.lang)
        district_sheets(result, args.out, lang=args.lang, districts=districts)
        print(f"{int(result['selected'].sum())} sheets of {scenario.name!r} written to "
              f"{args.out}")
        return 0
    district_sheet(args.ubigeo, args.out, scenario, lang=args.lang)
    print(f"sheet of {args.ubigeo} written to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geoprio", description="Which Peruvian districts to serve first.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS.values():
        add(sub)
    return parser


def _warnings_as_lines(command: str, verbose: bool) -> Callable[..., None]:
    """A ``warnings.showwarning``: geoprio's own warnings as one line, the rest logged."""
    import os

    here = os.path.dirname(os.path.abspath(__file__))

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        ours = str(filename).startswith(here) and issubclass(category, UserWarning)
        if ours:
            print(f"geoprio {command}: warning: {one_line(message, 300)}", file=sys.stderr)
        else:  # numpy's RuntimeWarnings and library deprecations are not for planners
            log.log(logging.INFO if verbose else logging.DEBUG, "%s: %s (%s:%s)",
                    category.__name__, one_line(message, 300), filename, lineno)

    return show


def _fail(command: str, message: object) -> int:
    print(one_line(f"geoprio {command}: {message}", MAX_MESSAGE_CHARS), file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        warnings.showwarning = _warnings_as_lines(args.command, args.verbose)
        try:
            from geoprio.engine.budget import native_output_dropped

            with native_output_dropped():  # the solver's debug lines never reach stdout
                return int(args.run(args) or 0)
        except BrokenPipeError:  # e.g. `geoprio rank ... | head`: the reader left, not an error
            sys.stderr.close()
            return 0
        except GeoprioError as exc:
            return _fail(args.command, exc)
        except FileNotFoundError as exc:
            return _fail(args.command, f"{exc.filename or exc}: file not found")
        except IsADirectoryError as exc:
            return _fail(args.command, f"{exc.filename or exc}: is a folder, not a file")
        except PermissionError as exc:
            return _fail(args.command, f"{exc.filename or exc}: permission denied")
        except OSError as exc:
            return _fail(args.command, f"{exc.filename or ''} {exc.strerror or exc}".strip())


if __name__ == "__main__":
    sys.exit(main())
