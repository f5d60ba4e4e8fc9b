"""Where the examples write: a folder you can open afterwards, never a temporary one.

``python examples/fonie_gaps.py`` writes into ``./geoprio_salidas`` (created in the folder you
run it from); ``python examples/fonie_gaps.py mi_carpeta`` into ``mi_carpeta``.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT = "geoprio_salidas"


def output_folder(argv: list[str]) -> Path:
    """The folder named on the command line, or ``./geoprio_salidas``; created if needed."""
    folder = Path(argv[0]) if argv else Path.cwd() / DEFAULT
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def written(*paths: Path) -> str:
    """One line that says where the files are, with the folder's full path."""
    names = ", ".join(p.name for p in paths)
    return f"written {names} in {paths[0].parent.resolve()}" if paths else "nothing written"
