"""Load benchmark: twenty planners pressing "Aplicar" at once, on localhost only.

Run from the repository root::

    python benchmarks/bench_load.py                        # this checkout, 1 and 2 processes
    python benchmarks/bench_load.py --baseline /tmp/base   # and an older tree, same run

(``--sessions 20`` by default, at most 40; the whole run stops itself after ``--deadline``
seconds, 1500 by default.) Each setup is measured the same way, one after the other:

- ``baseline``: the older tree's ``streamlit run streamlit_app.py``, one process;
- ``1 process``: this checkout as ``deploy/systemd`` starts it (``deploy/serve.py``), alone;
- ``2 processes + nginx``: two such processes behind ``deploy/nginx/geoprio.conf``.

The sessions open in one Debian Chromium (``/usr/bin/chromium``, one browser context each, so
each is its own Streamlit session; with nginx each gets its own sticky cookie). Then:

- every session sets the anemia weight to its own value (none the preset's, so no two share
  a cached ranking), and all press "Aplicar" one right after the other; for each, the time
  from its click to its map's new colours and to the end of its script run;
- every session switches the map's indicator at once (score ⇄ poverty), as the earlier
  version of this benchmark did;
- memory: resident memory of the app processes (``VmRSS``) after start, after one session,
  after all, after the reruns; per extra session = (all − one) / (sessions − 1);
- errors: exception boxes and error alerts on every page, "Error" in the map frames,
  tracebacks in the server logs.

Prints one Markdown table with a column per setup, and the machine's load.
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
OPTIONS = ("Pobreza monetaria 2018", "Puntaje del escenario")  # map indicator select box


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_s(pids: list[int]) -> float:
    """CPU seconds (user + system, all threads) the processes have used."""
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def settled_rss(pids: list[int], pause: float = 3.0) -> float:
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


def overlapping(pages, start, deadline: Deadline, out_redraw: list, out_end: list,
                out_page: list | None = None) -> int:
    """Start an action on every page (``start(i, page)``) back to back; time each to its
    map's new colours and to the end of its run, as this script sees them (polling the 20
    pages one after the other adds up to a sweep's delay) and, where the map records it
    (``geoprioStats.recoloured_at``), by the page's own clock (``out_page``). Returns how
    many never showed new colours within 300 s (counted, not waited for)."""
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
    pending, ending = set(sent), set()
    end = time.monotonic() + min(300.0, deadline.left())
    while pending or ending:
        if time.monotonic() > end:
            return lost + len(pending) + len(ending)
        for i in sorted(ending):
            if not running(pages[i]):
                out_end.append(time.monotonic() - sent[i])
                ending.discard(i)
        for i in sorted(pending):
            state = redrawn(pages[i], marks[i])
            if state:
                out_redraw.append(time.monotonic() - sent[i])
                at = state.get("recoloured_at") or state.get("drawn_at")
                if out_page is not None and at:
                    out_page.append((at - clicked[i]) / 1000)
                pending.discard(i)
                ending.add(i)
        time.sleep(0.05)
    return lost


def run(setup: str, folder: Path, sessions: int, deadline: Deadline, pw,
        browser_nice: int = 0) -> dict:
    out: dict = {"setup": setup, "sessions": sessions, "open_s": [], "apply_s": [],
                 "apply_end_s": [], "switch_s": [], "switch_end_s": [], "apply_page_s": [],
                 "switch_page_s": []}
    if setup.startswith("2"):
        stack_cm = proxied_apps(2)
    else:
        stack_cm = app_server(entry(folder), cwd=folder, env={"PYTHONPATH": str(folder)},
                              timeout=240)
    with stack_cm as stack:
        if setup.startswith("2"):
            base, pids, logs = stack.url, [p.pid for p in stack.apps], stack.logs
        else:
            base, proc, log = stack
            pids, logs = [proc.pid], [log]
        out["rss_start"] = settled_rss(pids)
        browser = launch(pw, browser_nice)
        try:
            contexts = [browser.new_context(viewport=VIEWPORT) for _ in range(sessions)]
            pages = [c.new_page() for c in contexts]
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
            out["cpu_open"] = (cpu_s(pids) - cpu0) / (sessions - 1)
            out["rss_all"] = settled_rss(pids)
            # every session its own anemia weight (steps 0..; skip the preset's 20%)
            steps = [s for s in range(sessions + 1) if s != 4][:sessions]
            out["weights"] = [set_weight(page, s) for page, s in zip(pages, steps, strict=True)]
            time.sleep(1.5)  # sliders report their values debounced
            for page in pages:
                wait_idle(page, timeout=min(120, deadline.left()), quiet=0.3)
            cpu0 = cpu_s(pids)
            out["lost_apply"] = overlapping(
                pages, lambda i, p: p.locator("[data-testid=stSidebar]").get_by_role(
                    "button", name="Aplicar").click(), deadline, out["apply_s"],
                out["apply_end_s"], out["apply_page_s"])
            for page in pages:
                wait_idle(page, timeout=min(300, deadline.left()))
            # the background Monte Carlo of every session, then its fill-in rerun
            with contextlib.suppress(TimeoutError):
                wait_for(lambda: all(p.get_by_text("Calculando la incertidumbre").count() == 0
                                     for p in pages), timeout=min(180, deadline.left()),
                         step=0.5, what="the rank intervals")
            for page in pages:
                wait_idle(page, timeout=min(300, deadline.left()), quiet=0.5)
            out["cpu_apply"] = (cpu_s(pids) - cpu0) / sessions
            # each page to the map indicator it does not show, all at once
            cpu0 = cpu_s(pids)
            out["lost_switch"] = overlapping(pages, lambda i, p: choose(p, OPTIONS[0]),
                                             deadline, out["switch_s"], out["switch_end_s"],
                                             out["switch_page_s"])
            for page in pages:
                wait_idle(page, timeout=min(300, deadline.left()))
            out["cpu_switch"] = (cpu_s(pids) - cpu0) / sessions
            out["rss_end"] = settled_rss(pids)
            counts = [errors_on(p) for p in pages]
            out["errors"] = {k: sum(c[k] for c in counts) for k in counts[0]}
        finally:
            browser.close()
        text = "".join(Path(log).read_text(errors="replace") for log in logs
                       if Path(log).exists())
        out["tracebacks"] = text.count("Traceback (most recent call last)")
    return out


def report(results: list[dict]) -> str:
    cols = [r["setup"] for r in results]
    rows = ["| measure | " + " | ".join(cols) + " | goal |", "|---|" + "---:|" * len(cols)
            + "---|"]

    def row(name: str, pick, fmt, goal: str = "") -> None:
        rows.append(f"| {name} | " + " | ".join(fmt(pick(r)) for r in results) + f" | {goal} |")

    s = lambda x: f"{x:.2f} s"  # noqa: E731
    mb = lambda x: f"{x:,.1f} MB"  # noqa: E731
    row("sessions open at once", lambda r: r["sessions"], str, "20")
    row("app RSS after start (no session)", lambda r: r["rss_start"], mb)
    row("app RSS after 1 session (map drawn)", lambda r: r["rss_one"], mb)
    row("app RSS after all sessions", lambda r: r["rss_all"], mb)
    row("app RSS after the reruns", lambda r: r["rss_end"], mb)
    row("**memory per extra session**",
        lambda r: (r["rss_all"] - r["rss_one"]) / (r["sessions"] - 1), mb, "< 50 MB")
    row("first session: navigation → map drawn", lambda r: r["first_s"], s)
    row("the others opened together: map drawn, median",
        lambda r: statistics.median(r["open_s"]), s)
    row("the others opened together: map drawn, max", lambda r: max(r["open_s"]), s)
    row("all press Aplicar: → new colours, median",
        lambda r: statistics.median(r["apply_s"]), s)
    row("**all press Aplicar: → new colours, 95th percentile**",
        lambda r: percentile(r["apply_s"], 0.95), s, "≤ 8 s")
    row("all press Aplicar: → new colours, max", lambda r: max(r["apply_s"]), s)
    row("… 95th percentile by the page's own clock (no polling delay)",
        lambda r: percentile(r["apply_page_s"], 0.95) if r["apply_page_s"] else None,
        lambda x: "n/a" if x is None else s(x))
    row("all press Aplicar: → run ended, 95th percentile",
        lambda r: percentile(r["apply_end_s"], 0.95), s)
    row("app CPU per Aplicar (all processes; Monte Carlo and fill-in rerun included)",
        lambda r: r["cpu_apply"], s)
    row("all switch the map's indicator: → new colours, 95th percentile",
        lambda r: percentile(r["switch_s"], 0.95), s)
    row("… 95th percentile by the page's own clock",
        lambda r: percentile(r["switch_page_s"], 0.95) if r["switch_page_s"] else None,
        lambda x: "n/a" if x is None else s(x))
    row("app CPU per indicator switch", lambda r: r["cpu_switch"], s)
    row("sessions whose map never showed the new colours (300 s)",
        lambda r: f"{r['lost_apply']} / {r['lost_switch']}", str, "0 / 0")
    row("exception boxes / error alerts / map errors",
        lambda r: "{exceptions} / {error_alerts} / {map_errors}".format(**r["errors"]), str,
        "0 / 0 / 0")
    row("tracebacks in the server logs", lambda r: r["tracebacks"], str, "0")
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20,
                        help=f"sessions at once (2 to {MAX_SESSIONS}, default 20)")
    parser.add_argument("--baseline", type=Path, help="another geoprio checkout to compare")
    parser.add_argument("--setups", default="1,2",
                        help="this checkout with 1 and/or 2 processes (default '1,2')")
    parser.add_argument("--browser-nice", type=int, default=0,
                        help="run Chromium at this nice level (e.g. 15: the browsers as if on "
                             "the planners' own computers; default 0)")
    parser.add_argument("--deadline", type=float, default=1500.0,
                        help="stop after this many seconds (default 1500)")
    args = parser.parse_args()
    if not 2 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be from 2 to {MAX_SESSIONS}; got {args.sessions}")
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: apt-get install chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    before = load_average()
    t0 = time.monotonic()
    deadline = Deadline(args.deadline)
    setups = []
    if args.baseline:
        setups.append(("baseline (1 process)", args.baseline.resolve()))
    wanted = args.setups.split(",")
    if "1" in wanted:
        setups.append(("1 process", ROOT))
    if "2" in wanted:
        setups.append(("2 processes + nginx", ROOT))
    results = []
    with sync_playwright() as pw:
        for name, folder in setups:
            results.append(run(name, folder, args.sessions, deadline, pw, args.browser_nice))
    print(f"geoprio app under load: {args.sessions} Chromium sessions on 127.0.0.1 (browser "
          f"nice {args.browser_nice}), {time.monotonic() - t0:.0f} s in all; load average "
          f"before {before}, after {load_average()} ({os.cpu_count()} CPUs).\n")
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
