"""``python -m geoprio.build --sources ../shared/peru-data``: regenerate ``data/``."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from geoprio.build import PROJECT_DATA, build
from geoprio.build.validate import to_markdown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m geoprio.build",
        description="Rebuild data/ from the raw public sources and print the validation report.")
    parser.add_argument("--sources", type=Path, default=Path("../shared/peru-data"),
                        help="folder with indicators/, boundaries/, points/ (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=PROJECT_DATA,
                        help="where to write (default: the project's data/)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    start = time.perf_counter()
    report = build(args.sources, args.out)
    print(to_markdown(report))
    print(f"Build finished in {time.perf_counter() - start:.1f} s; written to {args.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
