"""The ``geoprio`` command: the same functions as the Python API, from the shell.

Run ``geoprio --help`` or ``geoprio COMMAND --help``. Errors a user can fix print one line to
stderr and exit with status 2; nothing prints a traceback for a bad file.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from geoprio.errors import GeoprioError

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
    p.add_argument("--key", help="the code column (found by name or content when omitted)")
    p.add_argument("--scheme", choices=["auto", "inei", "reniec"], default="auto",
                   help="code numbering (default: auto, whichever matches more codes)")
    p.add_argument("--sheet", default=0, help="XLSX sheet name or position (default: first)")
    p.add_argument("--report", type=Path, help="write the join report as JSON here")
    p.add_argument("--out", type=Path, help="write the joined table (CSV, no geometry) here")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when any row did not match or any district has no row")
    p.set_defaults(run=run_join)


def run_join(args: argparse.Namespace) -> int:
    import geoprio

    sheet = int(args.sheet) if str(args.sheet).isdigit() else args.sheet
    table = geoprio.read_table(args.table, sheet=sheet, key=args.key)
    districts = geoprio.load_districts().drop(columns="geometry")
    joined, report = geoprio.join_indicators(districts, table, key=args.key, scheme=args.scheme)
    print(report.summary())
    if args.report:
        args.report.write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False),
                               encoding="utf-8")
    if args.out:
        joined.to_csv(args.out, index=False, encoding="utf-8")
    if args.strict and not report.ok:
        print("strict: the join is not complete (see above)", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geoprio", description="Which Peruvian districts to serve first.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS.values():
        add(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(args) or 0)
    except GeoprioError as exc:
        print(f"geoprio {args.command}: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"geoprio {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
