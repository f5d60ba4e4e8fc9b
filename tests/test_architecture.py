"""The house shows its plan (issue 22): layers enforced, functions short, old paths kept,
the architecture document drawn from the code."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import geoprio
from geoprio._moved import MOVED

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))
import architecture_graph  # noqa: E402


def function_lengths() -> list[tuple[int, str]]:
    """Every function's body length in lines, docstring aside, in geoprio/ and app/."""
    out = []
    for folder in ("geoprio", "app"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                body = node.body
                if isinstance(body[0], ast.Expr) and isinstance(
                        getattr(body[0], "value", None), ast.Constant) and len(body) > 1:
                    body = body[1:]
                out.append((node.end_lineno - body[0].lineno + 1,
                            f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"))
    return sorted(out, reverse=True)


def test_no_function_is_longer_than_80_lines_and_at_most_five_exceed_60():
    lengths = function_lengths()
    assert [f for n, f in lengths if n > 80] == []
    assert len([f for n, f in lengths if n > 60]) <= 5, [f for n, f in lengths if n > 60]


def test_the_layers_hold():
    proc = subprocess.run(["lint-imports"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "0 broken" in proc.stdout


def test_every_public_name_and_every_old_module_path_still_works():
    for name in geoprio.__all__:
        assert getattr(geoprio, name) is not None
    for old, new in MOVED.items():
        assert importlib.import_module(old) is importlib.import_module(new)
    from geoprio.mapping import box_breaks

    from geoprio.data import load_districts
    from geoprio.spatial import hotspots

    assert callable(load_districts) and callable(box_breaks) and callable(hotspots)


def test_the_architecture_document_is_drawn_from_the_code():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert architecture_graph.generated() in text, "run python docs/architecture_graph.py"
    for package in ("geoprio.data", "geoprio.readers", "geoprio.spatial", "geoprio.engine",
                    "geoprio.decide", "geoprio.report", "geoprio.build", "app.views",
                    "app.runtime", "app.widgets", "app.texts"):
        assert f"`{package}`" in text


@pytest.mark.parametrize("package", ["data", "readers", "spatial", "engine", "decide",
                                     "report"])
def test_each_subpackage_says_what_it_owns(package):
    module = importlib.import_module(f"geoprio.{package}")
    assert module.__doc__ and len(module.__doc__) > 200
    for path in (ROOT / "geoprio" / package).glob("*.py"):
        if path.name != "__init__.py":
            assert f"~geoprio.{package}.{path.stem}`" in module.__doc__ or \
                f"geoprio.{package}.{path.stem}" in module.__doc__, path.name
