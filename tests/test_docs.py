"""The documents cannot rot: every example script, Python block and shell command they show runs.

- ``examples/*.py`` run as scripts (exit 0 and the figures they print checked against the data);
- every ```python block of ``README.md`` and ``docs/*.md`` runs, blocks of one file in order in
  one fresh namespace, in a temporary folder holding the files the blocks read
  (``cobertura.xlsx``); a block preceded by ``<!-- skip -->`` is left out;
- every line of a ```bash block that starts with ``geoprio `` or ``python -m geoprio`` runs with
  exit status 0 in a temporary folder holding ``cobertura.csv`` and ``ejemplo.tif``, except
  ``build`` lines (they need the raw sources outside the repository); each ``--out`` file must
  exist afterwards. ``pip install`` and ``streamlit run`` lines are not commands of geoprio and
  are not run.

The tables and the raster written here are test inputs (one made-up value per district), never
shipped data.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import geoprio

REPO = Path(__file__).resolve().parents[1]
DOCS = sorted((REPO / "docs").glob("*.md"))
MARKDOWN = [REPO / "README.md", *DOCS]
FENCE = re.compile(r"(?P<before>[^\n]*)\n```(?P<lang>[a-z]*)[^\n]*\n(?P<body>.*?)\n```", re.S)
SKIP = "<!-- skip -->"
BIN = Path(sys.executable).parent
TIMEOUT = 300


def blocks(path: Path, lang: str) -> list[tuple[int, str]]:
    """Fenced blocks of ``lang`` in ``path`` as (line number, code), skipped ones left out."""
    text = "\n" + path.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        if m.group("lang") != lang or m.group("before").strip() == SKIP:
            continue
        line = text.count("\n", 0, m.start("body"))
        out.append((line, m.group("body")))
    return out


def shell_lines(path: Path) -> list[str]:
    """Lines of bash blocks that call geoprio (build lines excepted)."""
    lines = []
    for _, body in blocks(path, "bash"):
        for line in body.splitlines():
            line = line.strip()
            if not (line.startswith("geoprio ") or line.startswith("python -m geoprio")):
                continue
            if re.match(r"(geoprio build|python -m geoprio\.build)\b", line):
                continue
            lines.append(line)
    return lines


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(REPO)) for p in paths]


def _user_table() -> pd.DataFrame:
    """A made-up test table: one row per district, as an office would send it."""
    codes = geoprio.load_districts()["ubigeo"]
    rng = np.random.default_rng(7)
    return pd.DataFrame({"ubigeo": codes.to_numpy(),
                         "cobertura": rng.uniform(0, 100, len(codes)).round(1)})


def _write_raster(path: Path) -> None:
    import rasterio
    from rasterio.transform import from_origin

    values = np.arange(26 * 38, dtype="float32").reshape(38, 26)
    with rasterio.open(path, "w", driver="GTiff", width=26, height=38, count=1,
                       dtype="float32", crs="EPSG:4326",
                       transform=from_origin(-81.5, 0.5, 0.5, 0.5)) as ds:
        ds.write(values, 1)


# ----------------------------------------------------------------------------- examples
def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONPATH=str(REPO))
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
                          env=env)


def test_rank_with_upload_example(tmp_path):
    proc = _run([sys.executable, str(REPO / "examples" / "rank_with_upload.py")], tmp_path)
    assert proc.returncode == 0, proc.stderr
    d = geoprio.load_districts()
    n = int(d["department"].isin(["AYACUCHO", "HUANCAVELICA"]).sum())
    out = proc.stdout
    # every district of the two departments, plus the post-2017 code recoded to its parent
    assert f"join: {n + 1} matched, 1 recoded, 1 invalid, {1874 - n - 1} districts" in out
    assert "recoded 080915 -> 080902 (post2017)" in out
    # eligible: in the two departments and with a 2022 stunting estimate (the DCI rule):
    # Fay–Herriot gives one to every district, those with no child measured too
    inside = d["department"].isin(["AYACUCHO", "HUANCAVELICA"])
    n_elig = int((inside & d["stunting_u5_2022_fh"].notna()).sum())
    assert n_elig == n and int((inside & d["evaluated_u5_2022"].isna()).sum()) > 0
    assert f"scenario 'dci_con_ejemplo': {n_elig} eligible, 20 selected" in out
    assert "layers ['distritos', 'escenario'], 1874 districts, 20 selected" in out
    # the direction is declared, never assumed; the files stay where the user finds them
    assert "ejemplo_sin_cobertura: a higher value means more need" in out
    folder = tmp_path / "geoprio_salidas"
    assert {p.name for p in folder.iterdir()} == {"ejemplo_cobertura.csv", "prioridad.gpkg"}
    assert f"in {folder.resolve()}" in out
    mine = _run([sys.executable, str(REPO / "examples" / "rank_with_upload.py"),
                 str(folder / "ejemplo_cobertura.csv"), "ejemplo_sin_cobertura"], tmp_path)
    assert mine.returncode != 0 and "peor|mejor" in mine.stderr  # no direction: refused


def test_zonal_into_scenario_example(tmp_path):
    proc = _run([sys.executable, str(REPO / "examples" / "zonal_into_scenario.py")], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "zonal statistics for 1874 districts" in out
    methods = re.search(r"how each got its pixels: (\{.*\})", out).group(1)
    counts = [int(v) for v in re.findall(r": (\d+)", methods)]
    assert sum(counts) == 1874
    # Loreto lies wholly north of 14° S: every district mean is exactly 0
    assert "LORETO: mean of the district means 0.0 (min 0.0, max 0.0)" in out
    assert "scenario 'pobreza_y_ejemplo': 50 selected" in out
    assert "prioridad_zonal.csv (1874 rows)" in out
    assert (tmp_path / "geoprio_salidas" / "prioridad_zonal.gpkg").exists()


def test_compare_2019_2022_example(tmp_path):
    proc = _run([sys.executable, str(REPO / "examples" / "compare_2019_2022.py")], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    # the figures of the methodology (section 9.2), checked independently in test_figures.py
    assert "Spearman 0.926 over 1865 districts ranked in both" in out
    assert "kept 288, entering 87, leaving 87" in out
    # paired draws of the sources both sides draw (methodology section 10.1)
    assert ("paired draws: 200, drawn ['poverty_2018'], held ['anemia_6_35m_2022_eb', "
            "'stunting_u5_2022_fh']") in out
    within = re.search(r"within their interval: (\d+) entering, (\d+) leaving", out)
    assert int(within.group(1)) < 87 and int(within.group(2)) < 87
    # both lists' children counted on the 2022 Fay–Herriot estimate on ENDES's scale
    assert "stunted_children: 2019 list 82,758, 2022 list 84,317" in out
    assert "not ranked -> rank" in out  # a district without a 2019 figure enters
    assert "layers ['distritos', 'escenario']" in out


def test_budget_tradeoff_example(tmp_path):
    proc = _run([sys.executable, str(REPO / "examples" / "budget_tradeoff.py")], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "11 frontier points (stunted_children" in out
    # the ends, checked by hand in test_figures.py: the 50 largest counts; the highest rate
    assert "against the need-weighted mean of stunting_u5_2022_fh_endes" in out
    assert "point  0:    86,771 children, mean rate 16.0%, 50 districts" in out
    assert "point 10:       184 children, mean rate 52.5%, 1 districts" in out
    assert "point 5: 50 districts, 46,229 children at 34.3%" in out
    assert f"written frontera.png, punto.xlsx in {tmp_path / 'geoprio_salidas'}" in out
    assert (tmp_path / "geoprio_salidas" / "punto.xlsx").exists()


def test_fonie_gaps_example(tmp_path):
    proc = _run([sys.executable, str(REPO / "examples" / "fonie_gaps.py")], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "water 22.5% (no_water_2017)" in out and "telecom 34.4% (rural_no_mobile_2017)" in out
    assert "450 of the 800 FONIE districts have 3 or more gaps" in out
    assert "1 160804 YAGUAS: water, sanitation, electricity, telecom" in out
    assert (tmp_path / "geoprio_salidas" / "fonie_3_brechas.gpkg").exists()


def test_district_sheet_example(tmp_path):
    proc = _run([sys.executable, str(REPO / "examples" / "district_sheet.py")], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "same bytes twice: True" in out
    assert ("fichas_dci.zip: 5 sheets and an index: 001_140203_Incahuasi.pdf, "
            "002_140202_Cañaris.pdf") in out
    assert (tmp_path / "geoprio_salidas" / "fichas_dci.zip").exists()


# ------------------------------------------------------------------------ python blocks
PYTHON_FILES = [p for p in MARKDOWN if blocks(p, "python")]
#: ``print(...)  # what it prints``: the comment is the expected output ("..." skips a part)
PRINTED = re.compile(r"^(?P<indent>[ \t]*)(?P<call>print\(.*\))[ \t]+#[ \t]?(?P<expected>.*)$")


def _normal(text: str) -> str:
    return " ".join(text.split())


def printed_as_stated(printed: str, expected: str) -> bool:
    """Whether ``printed`` reads as the comment ``expected`` says: its parts around "..."
    appear in order, the first at the start and the last at the end unless "..." is there.

    Examples: "287 True" states exactly "287 True"; "ScenarioComparison(spearman=0.893, ...,
    kept 270, ...)" states a start, a middle part and an end.
    """
    text, parts = _normal(printed), [_normal(p) for p in expected.split("...")]
    if len(parts) == 1:
        return text == parts[0]
    # the separators around "..." belong to the parts left out: "a, ..., b" reads a, b
    parts = [parts[0].rstrip(" ,;"), *(p.strip(" ,;") for p in parts[1:-1]),
             parts[-1].lstrip(" ,;")]
    if not text.startswith(parts[0]) or not text.endswith(parts[-1]):
        return False
    at = len(parts[0])
    for part in parts[1:-1]:
        found = text.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return at <= len(text) - len(parts[-1])


def with_checked_prints(code: str, label: str) -> str:
    """``code`` with every single-line ``print(...)  # output`` wrapped in a check."""
    import ast

    out = []
    for k, line in enumerate(code.splitlines(), 1):
        m = PRINTED.match(line)
        if m:
            try:
                ast.parse(m.group("call"))
            except SyntaxError:  # a print over several lines: not a stated output
                m = None
        if m is None:
            out.append(line)
            continue
        indent = m.group("indent")
        out.append(f"{indent}with __expect__({m.group('expected')!r}, '{label}+{k}'):")
        out.append(f"{indent}    {m.group('call')}")
    return "\n".join(out)


class _Expect:
    """Captures one print and records it when it differs from its stated output."""

    def __init__(self, sink: io.StringIO, failures: list[str]) -> None:
        self.sink, self.failures = sink, failures

    @contextlib.contextmanager
    def __call__(self, expected: str, where: str):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            yield
        got = buffer.getvalue()
        self.sink.write(got)
        if not printed_as_stated(got, expected):
            self.failures.append(f"{where}: prints {got.strip()!r}, the page says "
                                 f"{expected!r}")


def test_printed_as_stated_reads_the_comments():
    assert printed_as_stated("287 True\n", "287 True")
    assert not printed_as_stated("286 True\n", "287 True")
    assert printed_as_stated("ScenarioComparison(spearman=0.893, kendall=0.7, over 1800; kept "
                             "270, entering 105, leaving 105)",
                             "ScenarioComparison(spearman=0.893, ..., kept 270, entering 105, ...)")
    assert not printed_as_stated("ScenarioComparison(spearman=0.893, kept 271, entering 105)",
                                 "ScenarioComparison(spearman=0.893, ..., kept 270, ...)")
    assert printed_as_stated("[0, 467, 466]\nextra", "[0, 467, ...")
    code = with_checked_prints("x = 2\nprint(x + 1)   # 3\nprint(x)", "f")
    assert code.splitlines()[1] == "with __expect__('3', 'f+2'):"


@pytest.mark.parametrize("path", PYTHON_FILES, ids=_ids(PYTHON_FILES))
def test_python_blocks_run(path, tmp_path, monkeypatch):
    _user_table().to_excel(tmp_path / "cobertura.xlsx", index=False)
    _user_table().to_csv(tmp_path / "cobertura.csv", index=False)
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    failures: list[str] = []
    namespace: dict = {"__name__": "__docs__", "__expect__": _Expect(printed, failures)}
    found = blocks(path, "python")
    assert found
    for line, code in found:
        checked = with_checked_prints(code, f"{path.name}:{line}")
        compiled = compile(checked, f"{path.name}:{line}", "exec")
        with contextlib.redirect_stdout(printed):
            exec(compiled, namespace)
    # every figure a page prints beside a "# ..." comment is the one the comment states
    assert not failures, "\n".join(failures)
    text = printed.getvalue()
    if path.name == "api.md":
        # the figures the page states in its comments
        assert "1874 4326" in text
        assert "800 800 493 253" in text
        assert "{'HH': 95, 'HL': 6, 'LH': 4, 'LL': 185, 'ns': 1537, 'unstable': 38}" in text
        assert "50 stunted_children 86771 0.0" in text
        # a RENIEC table whose codes are INEI codes of other districts: refused, then chosen
        assert "2 010206\nRENIEC numbering (chosen by the user)\n" in text
        assert "RENIEC numbering (district names fit it in 2 rows)" in text


# -------------------------------------------------------------------------- shell lines
SHELL_FILES = [p for p in MARKDOWN if shell_lines(p)]


def _outputs(line: str) -> list[str]:
    """Files a command line says it writes: after --out, --report, --profiles or '>'."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    words = list(lexer)
    return [words[i + 1] for i, w in enumerate(words[:-1])
            if w in ("--out", "--report", "--profiles", ">")]


@pytest.mark.parametrize("path", SHELL_FILES, ids=_ids(SHELL_FILES))
def test_shell_lines_run(path, tmp_path):
    _user_table().to_csv(tmp_path / "cobertura.csv", index=False)
    _write_raster(tmp_path / "ejemplo.tif")
    failures = []
    for line in shell_lines(path):
        command = line
        if command.startswith("python "):
            command = shlex.quote(sys.executable) + command[len("python"):]
        proc = _run(["bash", "-c", command], tmp_path)
        if proc.returncode != 0:
            failures.append(f"{line}\n  exit {proc.returncode}: {proc.stderr.strip()[-500:]}")
            continue
        missing = [o for o in _outputs(line) if not (tmp_path / o).exists()]
        if missing:
            failures.append(f"{line}\n  did not write {missing}")
    assert not failures, "\n".join(failures)


def test_shell_lines_found():
    """The extraction itself: the API guide shows every command of the CLI."""
    api = " ".join(shell_lines(REPO / "docs" / "api.md"))
    from geoprio.cli import COMMANDS

    shown = {c for c in COMMANDS if f"geoprio {c} " in api}
    assert shown == set(COMMANDS) - {"build"}


def test_preset_changes_table_is_current():
    """docs/cambios-presets-2022.md is exactly what docs/presets_changes.py writes."""
    sys.path.insert(0, str(REPO / "docs"))
    try:
        import presets_changes
    finally:
        sys.path.remove(str(REPO / "docs"))
    text = presets_changes.markdown(geoprio.load_districts())
    assert (REPO / "docs" / "cambios-presets-2022.md").read_text(encoding="utf-8") == text
    assert "Se mantienen 362, entran 13 y salen 13" in text  # Bayes empírico -> Fay–Herriot
    assert "Se mantienen 287, entran 88 y salen 88" in text  # 2019 -> 2022, on Bayes empírico


def test_the_readme_counts_the_examples_and_says_how_the_app_starts():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    scripts = sorted(p for p in (REPO / "examples").glob("*.py") if not p.name.startswith("_"))
    words = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}
    assert f"{words[len(scripts)]} scripts to start from" in readme
    assert "It does not open a\nbrowser: it prints the app's address" in readme
    # a fresh clone has the static folder Streamlit serves (no warning at the first start)
    assert (REPO / "static" / "README.md").exists()
