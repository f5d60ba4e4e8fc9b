"""Mutation testing of geoprio's decision modules, one module at a time (mutmut).

A mutant is a copy of a module with one small change (``<`` for ``<=``, ``and`` for ``or``, a
constant off by one, a string or an argument dropped). A test suite that lets a mutant pass has a
hole: some wrong answer would go unnoticed. The score is the share of mutants the module's own
tests kill; the goal is at least 90% of the non-equivalent ones (``docs/quality.md`` holds the
measured scores and the equivalent mutants, those that cannot change any answer).

Run from the repository root (CPU heavy: one module at a time, one process by default)::

    pip install mutmut            # a test-only tool, in the dev extra
    python benchmarks/mutation.py selection
    python benchmarks/mutation.py rules --max-children 2
    python benchmarks/mutation.py ranking --minutes 30      # a partial score, said so
    python benchmarks/mutation.py ranking --resume --minutes 30
    python benchmarks/mutation.py --list

Each run works in a copy of the repository under ``.mutation/<module>/`` (never in the working
tree), mutates only ``geoprio/<module>.py`` (or ``app/<module>.py``) and selects only that
module's tests (:data:`MODULES`). It prints the counts and writes
``.mutation/<module>/report.md``: the score and the diff of every surviving mutant, to be read
and either killed by a new test or listed as equivalent. Not part of CI: too slow for 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / ".mutation"

#: module -> (file to mutate, the tests that select it)
MODULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "rules": ("geoprio/engine/rules.py", ("tests/test_rules.py",)),
    "derived": ("geoprio/engine/derived.py", ("tests/test_derived.py",)),
    "scoring": ("geoprio/engine/scoring.py", ("tests/test_scoring.py",)),
    "uncertainty": ("geoprio/engine/uncertainty.py", ("tests/test_uncertainty.py",)),
    "selection": ("geoprio/engine/selection.py", ("tests/test_selection.py",)),
    "budget": ("geoprio/engine/budget.py", ("tests/test_budget.py",)),
    "ranking": ("geoprio/engine/ranking.py", ("tests/test_prioritize.py",)),
    "frontier": ("geoprio/decide/frontier.py", ("tests/test_frontier.py",)),
    "comparison": ("geoprio/decide/comparison.py", ("tests/test_comparison.py",)),
    "smoothing": ("geoprio/spatial/smoothing.py", ("tests/test_smoothing.py",)),
    "fonie": ("geoprio/decide/fonie.py", ("tests/test_fonie.py",)),
    "codes": ("geoprio/readers/codes.py", ("tests/test_codes.py",)),
    "numbering": ("geoprio/readers/numbering.py", ("tests/test_codes.py",)),
    "search": ("geoprio/data/search.py", ("tests/test_fmt.py",)),
    "fmt": ("geoprio/fmt.py", ("tests/test_fmt.py",)),
    "state": ("app/runtime/state.py", ("tests/test_app_state.py",)),
    "urlstate": ("app/runtime/urlstate.py", ("tests/test_app_state.py",)),
}
#: copied beside the mutated package: what the tests read
ALSO_COPY = ("data", "app", "streamlit_app.py", "docs", "examples", "geoprio")


def _config(module: str) -> str:
    target, tests = MODULES[module]
    package = target.split("/")[0]
    copy = [c for c in ALSO_COPY if c != package]
    return "\n".join([
        "[tool.mutmut]",
        f"source_paths = [{package!r}]",
        f"only_mutate = [{target!r}]",
        f"also_copy = {json.dumps(copy)}",
        f"pytest_add_cli_args_test_selection = {json.dumps(list(tests))}",
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]',
        "",
    ])


def _copy_repo(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO,
                           check=True, capture_output=True, text=True).stdout.split("\n")
    for name in filter(None, files):
        src = REPO / name
        if not src.is_file() or name.startswith(".mutation/"):
            continue
        out = dest / name
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, out)


def prepare(module: str) -> Path:
    """A fresh copy of the repository with the module's mutmut configuration."""
    dest = WORK / module
    if dest.exists():
        shutil.rmtree(dest)
    _copy_repo(dest)
    pyproject = dest / "pyproject.toml"
    text = pyproject.read_text(encoding="utf-8")
    # the repository's own [tool.mutmut] (every module at once) is replaced by this module's
    text = re.sub(r"\n\[tool\.mutmut\]\n(?:(?!\n\[).)*", "\n", text, flags=re.S)
    pyproject.write_text(text.rstrip("\n") + "\n\n" + _config(module), encoding="utf-8")
    return dest


def _env() -> dict[str, str]:
    # the copy's own package must be imported, not the working tree's
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _mutmut(dest: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mutmut", *args], cwd=dest, env=_env(),
                          capture_output=True, text=True)


def _run(dest: Path, max_children: int, minutes: float | None) -> str:
    """``mutmut run``, stopped after ``minutes`` (its results so far are kept: a later
    ``--resume`` goes on where it stopped)."""
    with open(dest / "run.log", "w", encoding="utf-8") as log:
        proc = subprocess.Popen([sys.executable, "-m", "mutmut", "run", "--max-children",
                                 str(max_children)], cwd=dest, env=_env(), stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.wait(timeout=None if minutes is None else 60 * minutes)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return (dest / "run.log").read_text(encoding="utf-8", errors="replace")


#: survivors that cannot change an answer, recognised from the changed line (-) and its
#: mutant (+); each rule is listed with its reason in docs/quality.md
EQUIVALENT: tuple[tuple[str, re.Pattern[str]], ...] = (
    # a log line's text or arguments: no figure, no message to the user, changes
    ("log line", re.compile(r"^\s*(logger|log|logging)\.(debug|info|warning|error)\(")),
    # which floating-point warnings numpy prints: no value changes
    ("numpy warnings", re.compile(r"np\.errstate\(")),
)
_AXIS = re.compile(r"(, )?axis=-?1(, )?")
_FUNCS = ("take_along_axis", "argsort")  # numpy: axis=-1 by default (not accumulate)


def _tidy(code: str) -> str:
    return re.sub(r",\s*\)", ")", code).replace(" ", "")


def _inside_log_call(diff: str) -> bool:
    """Whether every changed line belongs to one ``logger.x(...)`` call (over several lines)."""
    lines = [line for line in diff.splitlines() if not line.startswith(("---", "+++", "@@"))]
    changed = [i for i, line in enumerate(lines) if line[:1] in "-+"]
    if not changed:
        return False
    start = next((i for i in range(changed[0], -1, -1)
                  if EQUIVALENT[0][1].search(lines[i][1:])), None)
    if start is None:
        return False
    depth = 0
    for i in range(start, len(lines)):
        if lines[i].startswith("+"):
            continue  # count the original call's parentheses
        depth += lines[i].count("(") - lines[i].count(")")
        if depth <= 0:
            added = sum(lines[k].startswith("+") for k in changed)
            return all(start <= k <= i or (lines[k].startswith("+") and k <= i + added)
                       for k in changed)
    return False


def classify(diff: str) -> str | None:
    """The reason a surviving mutant is equivalent, or None when it is a hole in the tests."""
    minus = [line[1:] for line in diff.splitlines()
             if line.startswith("-") and not line.startswith("---")]
    plus = [line[1:] for line in diff.splitlines()
            if line.startswith("+") and not line.startswith("+++")]
    if _inside_log_call(diff):
        return "log line"
    if len(minus) != 1 or len(plus) != 1:
        return None
    old, new = minus[0], plus[0]
    for reason, pattern in EQUIVALENT:
        if pattern.search(old):
            return reason
    # the last axis named or left to numpy's default (-1) on 2-D arrays: the same axis
    if any(f in old for f in _FUNCS) and _tidy(_AXIS.sub(
            lambda m: ", " if m.group(1) and m.group(2) else "", old)) == _tidy(new):
        return "default axis"
    if 'kind="stable"' in old and new == old.replace('kind="stable"', 'kind="STABLE"'):
        return "case of a numpy option"  # numpy reads "STABLE" as "stable"
    return None


def report(module: str, dest: Path) -> dict:
    """Counts, score and the surviving mutants' diffs (``report.md``)."""
    _mutmut(dest, "export-cicd-stats")
    stats = json.loads((dest / "mutants" / "mutmut-cicd-stats.json").read_text())
    listed = _mutmut(dest, "results").stdout.splitlines()
    survivors = [line.split(":")[0].strip() for line in listed if line.strip().endswith(
        ": survived")]
    # mutants a stopped run never reached (mutmut's export leaves them out of every count)
    counted = sum(v for k, v in stats.items() if k != "total" and isinstance(v, int))
    stats["not_checked"] = stats["total"] - counted + stats.pop(
        "check_was_interrupted_by_user", 0)
    tested = stats["total"] - stats.get("skipped", 0) - stats["not_checked"]
    killed = stats["killed"] + stats.get("timeout", 0)
    stats["score"] = round(100 * killed / tested, 1) if tested else None
    diffs = {name: _mutmut(dest, "show", name).stdout.strip() for name in survivors}
    reviewed = json.loads((REPO / "benchmarks" / "mutation_equivalent.json").read_text("utf-8"))
    why = {name: classify(diff) or ("read: " + reviewed[name] if name in reviewed else None)
           for name, diff in diffs.items()}
    equivalent = [n for n in survivors if why[n]]
    stats["equivalent"] = len(equivalent)
    real = tested - len(equivalent)
    stats["score_non_equivalent"] = round(100 * killed / real, 1) if real else None
    lines = [f"# mutation report: {MODULES[module][0]}", "",
             "```json", json.dumps(stats, indent=2), "```", ""]
    for name in survivors:
        tag = f" (equivalent: {why[name]})" if why[name] else ""
        lines += [f"## {name}{tag}", "", "```diff", diffs[name], "```", ""]
    (dest / "report.md").write_text("\n".join(lines), encoding="utf-8")
    stats["survivors"] = survivors
    stats["equivalent_by_reason"] = {
        r: sum(1 for n in equivalent if why[n] == r) for r in sorted({why[n] for n in equivalent})}
    (dest / "summary.json").write_text(json.dumps(stats, indent=2), encoding="utf-8")
    return stats


def table() -> str:
    """The measured modules as a Markdown table (what docs/quality.md records)."""
    rows = ["| module | mutants | checked | killed | survived | without a test | equivalent "
            "| score | score of the non-equivalent |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in MODULES:
        path = WORK / name / "summary.json"
        if not path.exists():
            continue
        s = json.loads(path.read_text(encoding="utf-8"))
        killed = s["killed"] + s.get("timeout", 0)
        checked = killed + sum(s.get(k, 0) for k in ("survived", "no_tests", "suspicious",
                                                      "segfault"))
        real = checked - s["equivalent"]
        rows.append(f"| `{MODULES[name][0]}` | {s['total']} | {checked} | {killed} | "
                    f"{s['survived']} | {s.get('no_tests', 0)} | {s['equivalent']} | "
                    f"{100 * killed / checked:.1f}% | {100 * killed / real:.1f}% |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("module", nargs="?", choices=sorted(MODULES))
    parser.add_argument("--max-children", type=int, default=1,
                        help="mutants tested at once (default 1: the machine is shared)")
    parser.add_argument("--list", action="store_true", help="list the modules and their tests")
    parser.add_argument("--minutes", type=float,
                        help="stop after this many minutes; the score is then partial")
    parser.add_argument("--resume", action="store_true",
                        help="go on with an earlier, stopped run of the same copy")
    parser.add_argument("--table", action="store_true",
                        help="the scores of every module measured, as a Markdown table")
    parser.add_argument("--report-only", action="store_true",
                        help="summarise an earlier (possibly stopped) run")
    args = parser.parse_args(argv)
    if args.table:
        print(table())
        return 0
    if args.list or args.module is None:
        for name, (target, tests) in MODULES.items():
            print(f"{name:12} {target:24} {' '.join(tests)}")
        return 0
    keep = args.report_only or args.resume
    dest = WORK / args.module if keep else prepare(args.module)
    if not args.report_only:
        log = _run(dest, args.max_children, args.minutes)
        if "failed to collect stats" in log:
            print(f"{args.module}: the selected tests do not pass on the unmutated code; "
                  f"see {dest / 'run.log'}", file=sys.stderr)
            return 1
    stats = report(args.module, dest)
    print(f"{args.module}: {stats['killed']} killed, {stats['survived']} survived, "
          f"{stats.get('timeout', 0)} timeout, {stats.get('no_tests', 0)} without tests, "
          f"{stats.get('not_checked', 0)} not checked of {stats['total']}; score "
          f"{stats['score']}%, {stats['equivalent']} survivors equivalent, score of the "
          f"non-equivalent {stats['score_non_equivalent']}% (report: {dest / 'report.md'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
