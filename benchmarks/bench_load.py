"""Load benchmark: planners pressing "Aplicar" at once, on localhost or against a server.

Run from the repository root::

    python benchmarks/bench_load.py                        # this checkout, 1 and 2 processes
    python benchmarks/bench_load.py --baseline /tmp/base   # and an older tree, same run
    python benchmarks/bench_load.py --sessions 5,10,20     # a column per number of planners
    python benchmarks/bench_load.py --url http://server:8501/ --server-cores 2 --sessions 5,10

(``--sessions 20`` by default, each count from 2 to 40; the whole run stops itself after
``--deadline`` seconds, 1500 by default.) Each setup is measured the same way, one after the
other, with a fresh server for each number of sessions:

- ``baseline``: the older tree's ``streamlit run streamlit_app.py``, one process;
- ``1 process``: this checkout as ``deploy/systemd`` starts it (``deploy/serve.py``), alone;
- ``2 processes + nginx``: two such processes behind ``deploy/nginx/geoprio.conf``;
- ``--url``: a server already running elsewhere (a process, or nginx in front of several),
  driven from this machine's browser, so that the planners' browsers do not share the
  server's cores. Memory and CPU cannot be read from here: those rows say n/a. Give the
  server's cores with ``--server-cores`` (for the capacity below). One count per run: the
  anemia slider has 20 values besides the preset's, so a second count against the same
  server would find the first's rankings cached; restart the server between runs.

The sessions open in one Debian Chromium (``/usr/bin/chromium``, one browser context each, so
each is its own Streamlit session; with nginx each gets its own sticky cookie). Then:

- every session sets the anemia weight to its own value (none the preset's, so no two share
  a cached ranking), and all press "Aplicar" one right after the other; for each, the time
  from its click to its map's new colours, to the end of its script run, and to its rank
  intervals filled in (the background Monte Carlo done and shown: the complete answer);
- every session switches the map's indicator at once (score ⇄ poverty), as the earlier
  version of this benchmark did;
- memory: resident memory of the app processes (``VmRSS``) after start, after one session,
  after all, after the reruns; per extra session = (all − one) / (sessions − 1);
- errors: exception boxes and error alerts on every page, "Error" in the map frames,
  tracebacks in the server logs.

Prints one Markdown table with a column per setup and number of sessions, the machine's load,
and the capacity: for each setup, the most planners measured whose "Aplicar" got new colours
and rank intervals within 5 s at the 95th percentile, per core of the server, and what 50 and
200 planners pressing "Aplicar" together would need at that rate (one process per core, as
``deploy/README.md`` runs them).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_app import (
    ANEMIA,
    CHROMIUM,
    ROOT,
    VIEWPORT,
    app_server,
    computing,
    drawn,
    entry,
    in_map,
    launch,
    load_average,
    mark,
    redrawn,
    running,
    wait_for,
    wait_idle,
)

from app.runtime.localserver import proxied_apps

MAX_SESSIONS = 40
#: the capacity's bar: new colours and rank intervals within this, at the 95th percentile
CAPACITY_P95_S = 5.0
OPTIONS = ("Pobreza monetaria 2018", "Puntaje del escenario")  # map indicator select box


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_s(pids: list[int]) -> float:
    """CPU seconds (user + system, all threads) the processes have used (0 for none)."""
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def settled_rss(pids: list[int], pause: float = 3.0) -> float | None:
    """Resident memory of the app processes once settled; None for a remote server."""
    if not pids:
        return None
    time.sleep(pause)
    return sum(rss_mb(p) for p in pids)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) by the nearest-rank method."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def errors_on(page) -> dict[str, int]:
    boxes = page.locator("[data-testid=stException]").count()
    alerts = page.locator("[data-testid=stAlertContentError]").count()
    status = in_map(page, "() => { const s = document.getElementById('status'); "
                          "return s && /Error/.test(s.textContent) ? 1 : 0; }") or 0
    return {"exceptions": boxes, "error_alerts": alerts, "map_errors": status}


def choose(page, option: str) -> None:
    page.locator(".st-key-map_column, .st-key-mapa").first.click(timeout=120_000)
    page.get_by_role("option", name=option, exact=True).click(timeout=120_000)


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("the benchmark's deadline passed: stopping")
        return left


def set_weight(page, steps: int) -> str:
    """The anemia slider to ``steps`` steps from 0 (not applied yet); the value it shows."""
    slider = page.get_by_role("slider", name=ANEMIA)
    for _ in range(3):
        slider.focus()
        page.keyboard.press("Home")
        for _ in range(steps):
            page.keyboard.press("ArrowRight")
        value = slider.get_attribute("aria-valuetext") or ""
        if value.rstrip("%") not in ("0.20", "20"):  # the preset's value: the keys were lost
            return value
    raise RuntimeError(f"the anemia slider did not move (shows {value})")


def overlapping(pages, start, deadline: Deadline, out: dict, kind: str,
                ready: bool = False) -> int:
    """Start an action on every page (``start(i, page)``) back to back; time each to its
    map's new colours (``out[kind + "_s"]``) and to the end of its run (``_end_s``) as this
    script sees them (polling the pages one after the other adds up to a sweep's delay),
    where the map records it by the page's own clock (``_page_s``, from
    ``geoprioStats.recoloured_at``), and with ``ready`` to its rank intervals filled in
    (``_ready_s``: the Monte Carlo's notice gone after the run). Returns how many never
    showed new colours within 300 s (counted, not waited for)."""
    marks, sent, lost, clicked = {}, {}, 0, {}
    for i, page in enumerate(pages):
        marks[i] = mark(page)
    for i, page in enumerate(pages):
        try:
            clicked[i] = page.evaluate("() => Date.now()")
            start(i, page)
        except Exception as exc:  # the page could not even be clicked: count it
            print(f"session {i}: {type(exc).__name__}: {str(exc)[:200]}", file=sys.stderr)
            lost += 1
            continue
        sent[i] = time.monotonic()
    pending, ending, filling = set(sent), set(), set()
    end = time.monotonic() + min(300.0, deadline.left())
    while pending or ending or filling:
        if time.monotonic() > end:
            return lost + len(pending) + len(ending)
        for i in sorted(filling):
            if not computing(pages[i]):
                out[f"{kind}_ready_s"].append(time.monotonic() - sent[i])
                filling.discard(i)
        for i in sorted(ending):
            if not running(pages[i]):
                out[f"{kind}_end_s"].append(time.monotonic() - sent[i])
                ending.discard(i)
                if ready:
                    filling.add(i)
        for i in sorted(pending):
            state = redrawn(pages[i], marks[i])
            if state:
                out[f"{kind}_s"].append(time.monotonic() - sent[i])
                at = state.get("recoloured_at") or state.get("drawn_at")
                if at:
                    out[f"{kind}_page_s"].append((at - clicked[i]) / 1000)
                pending.discard(i)
                ending.add(i)
        time.sleep(0.05)
    return lost


@contextlib.contextmanager
def target(setup: str, folder: Path | None, url: str | None):
    """The server a setup measures: ``(base URL, app process ids, log files)``."""
    if url:
        yield url, [], []
    elif setup.startswith("2"):
        with proxied_apps(2) as stack:
            yield stack.url, [p.pid for p in stack.apps], stack.logs
    else:
        with app_server(entry(folder), cwd=folder, env={"PYTHONPATH": str(folder)},
                        timeout=240) as (base, proc, log):
            yield base, [proc.pid], [log]


def open_sessions(pages, base: str, pids: list[int], deadline: Deadline, out: dict) -> None:
    """The first session alone, then all the others at once: times, memory, CPU."""
    t0 = time.monotonic()
    pages[0].goto(base, wait_until="commit", timeout=120_000)
    wait_for(lambda: drawn(pages[0]), timeout=min(180, deadline.left()),
             what="the first session's map")
    out["first_s"] = time.monotonic() - t0
    wait_idle(pages[0], timeout=min(120, deadline.left()))
    out["rss_one"] = settled_rss(pids)
    cpu0 = cpu_s(pids)
    starts = {}
    for i, page in enumerate(pages[1:], start=1):
        starts[i] = time.monotonic()
        page.goto(base, wait_until="commit", timeout=120_000)
    pending = set(starts)
    while pending:
        deadline.left()
        for i in sorted(pending):
            if drawn(pages[i]):
                out["open_s"].append(time.monotonic() - starts[i])
                pending.discard(i)
        time.sleep(0.1)
    for page in pages:
        wait_idle(page, timeout=min(300, deadline.left()))
    out["cpu_open"] = (cpu_s(pids) - cpu0) / (len(pages) - 1) if pids else None
    out["rss_all"] = settled_rss(pids)


def apply_together(pages, pids: list[int], deadline: Deadline, out: dict) -> None:
    """Each session its own anemia weight, then all press "Aplicar": times and CPU."""
    # every session its own anemia weight (steps 0..; skip the preset's 20%)
    steps = [s for s in range(len(pages) + 1) if s != 4][:len(pages)]
    out["weights"] = [set_weight(page, s) for page, s in zip(pages, steps, strict=True)]
    time.sleep(1.5)  # sliders report their values debounced
    for page in pages:
        wait_idle(page, timeout=min(120, deadline.left()), quiet=0.3)
    cpu0 = cpu_s(pids)
    out["lost_apply"] = overlapping(
        pages, lambda i, p: p.locator("[data-testid=stSidebar]").get_by_role(
            "button", name="Aplicar").click(), deadline, out, "apply", ready=True)
    for page in pages:
        wait_idle(page, timeout=min(300, deadline.left()))
    # the background Monte Carlo of every session, then its fill-in rerun
    with contextlib.suppress(TimeoutError):
        wait_for(lambda: all(not computing(p) for p in pages),
                 timeout=min(180, deadline.left()), step=0.5, what="the rank intervals")
    for page in pages:
        wait_idle(page, timeout=min(300, deadline.left()), quiet=0.5)
    out["cpu_apply"] = (cpu_s(pids) - cpu0) / len(pages) if pids else None


def switch_together(pages, pids: list[int], deadline: Deadline, out: dict) -> None:
    """Each page to the map indicator it does not show, all at once: times and CPU."""
    cpu0 = cpu_s(pids)
    out["lost_switch"] = overlapping(pages, lambda i, p: choose(p, OPTIONS[0]), deadline,
                                     out, "switch")
    for page in pages:
        wait_idle(page, timeout=min(300, deadline.left()))
    out["cpu_switch"] = (cpu_s(pids) - cpu0) / len(pages) if pids else None


def run(setup: str, folder: Path | None, sessions: int, deadline: Deadline, pw,
        browser_nice: int = 0, url: str | None = None) -> dict:
    """One setup with ``sessions`` planners (``url``: a server already running)."""
    out: dict = {"setup": setup, "sessions": sessions, "open_s": []}
    for kind in ("apply", "switch"):
        for what in ("_s", "_end_s", "_page_s", "_ready_s"):
            out[kind + what] = []
    with target(setup, folder, url) as (base, pids, logs):
        out["rss_start"] = settled_rss(pids)
        browser = launch(pw, browser_nice)
        try:
            contexts = [browser.new_context(viewport=VIEWPORT) for _ in range(sessions)]
            pages = [c.new_page() for c in contexts]
            open_sessions(pages, base, pids, deadline, out)
            apply_together(pages, pids, deadline, out)
            switch_together(pages, pids, deadline, out)
            out["rss_end"] = settled_rss(pids)
            counts = [errors_on(p) for p in pages]
            out["errors"] = {k: sum(c[k] for c in counts) for k in counts[0]}
        finally:
            browser.close()
        text = "".join(Path(log).read_text(errors="replace") for log in logs
                       if Path(log).exists())
        out["tracebacks"] = text.count("Traceback (most recent call last)") if logs else None
    return out


def _p95(values: list[float]) -> float | None:
    return percentile(values, 0.95) if values else None


def _med(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _extra_mb(r: dict) -> float | None:
    if r["rss_all"] is None:
        return None
    return (r["rss_all"] - r["rss_one"]) / (r["sessions"] - 1)


def report(results: list[dict]) -> str:
    cols = [f"{r['setup']}, {r['sessions']}" for r in results]
    rows = ["| measure | " + " | ".join(cols) + " | goal |", "|---|" + "---:|" * len(cols)
            + "---|"]

    def row(name: str, pick, fmt, goal: str = "") -> None:
        cells = []
        for r in results:
            value = pick(r)
            cells.append("n/a" if value is None else fmt(value))
        rows.append(f"| {name} | " + " | ".join(cells) + f" | {goal} |")

    s = lambda x: f"{x:.2f} s"  # noqa: E731
    mb = lambda x: f"{x:,.1f} MB"  # noqa: E731
    row("sessions open at once", lambda r: r["sessions"], str)
    row("app RSS after start (no session)", lambda r: r["rss_start"], mb)
    row("app RSS after 1 session (map drawn)", lambda r: r["rss_one"], mb)
    row("app RSS after all sessions", lambda r: r["rss_all"], mb)
    row("app RSS after the reruns", lambda r: r["rss_end"], mb)
    row("**memory per extra session**", _extra_mb, mb, "< 50 MB")
    row("first session: navigation → map drawn", lambda r: r["first_s"], s)
    row("the others opened together: map drawn, median", lambda r: _med(r["open_s"]), s)
    row("the others opened together: map drawn, max", lambda r: max(r["open_s"]), s)
    row("app CPU per session opened", lambda r: r["cpu_open"], s)
    row("all press Aplicar: → new colours, median", lambda r: _med(r["apply_s"]), s)
    row("**all press Aplicar: → new colours, 95th percentile**", lambda r: _p95(r["apply_s"]),
        s, "≤ 8 s (20 planners)")
    row("all press Aplicar: → new colours, max", lambda r: max(r["apply_s"]), s)
    row("… 95th percentile by the page's own clock (no polling delay)",
        lambda r: _p95(r["apply_page_s"]), s)
    row("all press Aplicar: → run ended, 95th percentile", lambda r: _p95(r["apply_end_s"]), s)
    row("all press Aplicar: → rank intervals filled in, median",
        lambda r: _med(r["apply_ready_s"]), s)
    row("**all press Aplicar: → rank intervals filled in, 95th percentile**",
        lambda r: _p95(r["apply_ready_s"]), s, f"≤ {CAPACITY_P95_S:.0f} s (capacity)")
    row("app CPU per Aplicar (all processes; Monte Carlo and fill-in rerun included)",
        lambda r: r["cpu_apply"], s)
    row("all switch the map's indicator: → new colours, 95th percentile",
        lambda r: _p95(r["switch_s"]), s)
    row("… 95th percentile by the page's own clock", lambda r: _p95(r["switch_page_s"]), s)
    row("app CPU per indicator switch", lambda r: r["cpu_switch"], s)
    row("sessions whose map never showed the new colours (300 s)",
        lambda r: f"{r['lost_apply']} / {r['lost_switch']}", str, "0 / 0")
    row("exception boxes / error alerts / map errors",
        lambda r: "{exceptions} / {error_alerts} / {map_errors}".format(**r["errors"]), str,
        "0 / 0 / 0")
    row("tracebacks in the server logs", lambda r: r["tracebacks"], str, "0")
    return "\n".join(rows)


def within(r: dict) -> bool:
    """Whether every planner of a run got colours and rank intervals within the bar (p95)."""
    if r["lost_apply"] or len(r["apply_ready_s"]) < r["sessions"]:
        return False
    return _p95(r["apply_ready_s"]) <= CAPACITY_P95_S and _p95(r["apply_s"]) <= CAPACITY_P95_S


def capacity(results: list[dict], cores: dict[str, int]) -> str:
    """Per setup: planners per core within the bar, measured and bounded by the CPU.

    Measured: the largest number of sessions whose "Aplicar" got new colours and rank
    intervals within :data:`CAPACITY_P95_S` at the 95th percentile, divided by the server's
    cores (with the browsers on the same machine, a floor). From the CPU: when all press at
    once and each "Aplicar" costs the server ``c`` CPU-seconds (Monte Carlo and reruns), the
    95th percentile planner waits for at least ``0.95 · N · c / cores``: at most
    ``bar / (0.95 · c)`` planners per core (the server's cores doing nothing else: a ceiling).
    50 and 200 planners need that many times fewer cores, rounded up (one process per core
    behind nginx, each doing the same work).
    """
    bar = CAPACITY_P95_S
    lines = [f"Capacity: planners pressing Aplicar together, new colours and rank intervals "
             f"within {bar:.0f} s at the 95th percentile.", ""]
    for setup in dict.fromkeys(r["setup"] for r in results):
        runs = [r for r in results if r["setup"] == setup]
        n_cores = cores[setup]
        good = [r["sessions"] for r in runs if within(r)]
        if good:
            lines.append(f"- {setup} ({n_cores} cores), measured: {max(good)} planners within "
                         f"the bar, {_need(max(good) / n_cores)}.")
        else:
            least = min(r["sessions"] for r in runs)
            lines.append(f"- {setup} ({n_cores} cores), measured: the fewest measured, {least} "
                         f"planners, missed the bar: under {least / n_cores:.1f} per core.")
        used = [r["cpu_apply"] for r in runs if r.get("cpu_apply")]
        if used:
            c = statistics.median(used)
            lines.append(f"- {setup}, from its CPU ({c:.2f} s per Aplicar): "
                         f"{_need(bar / (0.95 * c))}.")
    return "\n".join(lines)


def _need(per_core: float) -> str:
    need = {n: math.ceil(n / per_core) for n in (50, 200)}
    return (f"**{per_core:.1f} planners per core**; 50 planners at once need {need[50]} "
            f"cores, 200 need {need[200]} (one app process per core)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="20",
                        help=f"sessions at once, or a list (e.g. 5,10,20); each from 2 to "
                             f"{MAX_SESSIONS} (default 20)")
    parser.add_argument("--baseline", type=Path, help="another geoprio checkout to compare")
    parser.add_argument("--setups", default="1,2",
                        help="this checkout with 1 and/or 2 processes (default '1,2')")
    parser.add_argument("--url", help="drive a server already running at this URL instead "
                                      "(no local server is started)")
    parser.add_argument("--server-cores", type=int,
                        help="the --url server's cores (for the capacity per core)")
    parser.add_argument("--browser-nice", type=int, default=0,
                        help="run Chromium at this nice level (e.g. 15: the browsers as if on "
                             "the planners' own computers; default 0)")
    parser.add_argument("--deadline", type=float, default=1500.0,
                        help="stop after this many seconds (default 1500)")
    args = parser.parse_args()
    try:
        counts = [int(x) for x in args.sessions.split(",")]
    except ValueError:
        parser.error(f"--sessions must be numbers separated by commas; got {args.sessions!r}")
    if not all(2 <= n <= MAX_SESSIONS for n in counts):
        parser.error(f"--sessions must be from 2 to {MAX_SESSIONS}; got {args.sessions}")
    if args.url and not args.server_cores:
        parser.error("--url needs --server-cores (the server's cores, for the capacity)")
    if args.url and len(counts) > 1:
        parser.error("--url takes one number of sessions: restart the server between runs "
                     "(a second count would find the first's rankings cached)")
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: apt-get install chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    before = load_average()
    t0 = time.monotonic()
    deadline = Deadline(args.deadline)
    setups = _setups(args)
    local = len(os.sched_getaffinity(0))
    cores = {name: args.server_cores or local for name, _ in setups}
    results = []
    with sync_playwright() as pw:
        for name, folder in setups:
            for n in counts:
                results.append(run(name, folder, n, deadline, pw, args.browser_nice,
                                   url=args.url))
    where = args.url or "127.0.0.1"
    print(f"geoprio app under load: Chromium sessions on {where} (browser nice "
          f"{args.browser_nice}), {time.monotonic() - t0:.0f} s in all; load average here "
          f"before {before}, after {load_average()} ({local} CPUs here).\n")
    print(report(results))
    print("\n" + capacity(results, cores))
    return 0


def _setups(args) -> list[tuple[str, Path | None]]:
    if args.url:
        return [(f"server at {args.url}", None)]
    setups: list[tuple[str, Path | None]] = []
    if args.baseline:
        setups.append(("baseline (1 process)", args.baseline.resolve()))
    wanted = args.setups.split(",")
    if "1" in wanted:
        setups.append(("1 process", ROOT))
    if "2" in wanted:
        setups.append(("2 processes + nginx", ROOT))
    return setups


if __name__ == "__main__":
    sys.exit(main())
