"""Draw the house from the code: the layers' import graph and what each subpackage holds.

Run from the repository root: ``python docs/architecture_graph.py`` rewrites the part of
``docs/architecture.md`` between ``<!-- generated:begin -->`` and ``<!-- generated:end -->``:

- a Mermaid diagram of the subpackages (and the app and the CLI), one arrow per direct import
  between them that no longer path already implies (the transitive reduction), read from the
  import graph that import-linter checks (grimp, its own library);
- one table per subpackage: each module and the first line of its docstring.

``tests/test_architecture.py`` fails when the committed text differs from what this script
writes today, so the document can never describe another house than the code.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- generated:begin -->", "<!-- generated:end -->"
#: the layers, top to bottom (the same as [tool.importlinter] in pyproject.toml)
LAYERS = [["app", "geoprio.cli"], ["geoprio.report"], ["geoprio.decide"], ["geoprio.engine"],
          ["geoprio.build"], ["geoprio.spatial"], ["geoprio.readers"], ["geoprio.data"],
          ["geoprio.fmt"], ["geoprio.errors"]]
PACKAGES = [p for layer in LAYERS for p in layer]


def _edges() -> set[tuple[str, str]]:
    import grimp

    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph("geoprio", "app")
    return {(a, b) for a in PACKAGES for b in PACKAGES if a != b and graph.direct_import_exists(
        importer=a, imported=b, as_packages=True)}


def _reduced(edges: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Keep an arrow only when no longer path joins its two ends."""
    out = []
    for a, b in sorted(edges):
        others = {(x, y) for x, y in edges if (x, y) != (a, b)}
        seen, todo = set(), [a]
        while todo:
            node = todo.pop()
            for x, y in others:
                if x == node and y not in seen:
                    seen.add(y)
                    todo.append(y)
        if b not in seen:
            out.append((a, b))
    return out


def _node(name: str) -> str:
    return name.replace("geoprio.", "").replace(".", "_")


def mermaid() -> str:
    lines = ["```mermaid", "flowchart TD"]
    for name in PACKAGES:
        lines.append(f'    {_node(name)}["{name}"]')
    lines += [f"    {_node(a)} --> {_node(b)}" for a, b in _reduced(_edges())]
    lines.append("```")
    return "\n".join(lines)


def _summary(path: Path) -> str:
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    first = " ".join(doc.split("\n\n")[0].split())
    return first.replace("|", "\\|")


def tables() -> str:
    out = []
    for package in ("geoprio.data", "geoprio.readers", "geoprio.spatial", "geoprio.engine",
                    "geoprio.decide", "geoprio.report", "geoprio.build", "app.views",
                    "app.runtime", "app.widgets", "app.texts"):
        folder = ROOT.joinpath(*package.split("."))
        out.append(f"**`{package}`**\n\n| module | what it holds |\n|---|---|")
        for path in sorted(folder.glob("*.py")):
            if path.name != "__init__.py":
                out.append(f"| `{path.stem}` | {_summary(path)} |")
        out.append("")
    return "\n".join(out)


def generated() -> str:
    return f"{BEGIN}\n{mermaid()}\n\n{tables()}{END}"


def main() -> None:
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOC.write_text(head + generated() + tail, encoding="utf-8")
    print(f"wrote the generated part of {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
