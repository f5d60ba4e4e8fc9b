"""Load benchmark: twenty planners on the app at once, on localhost only.

Run from the repository root: ``python benchmarks/bench_load.py`` (``--sessions 20
--rounds 2`` by default; at most 40 sessions, and the whole run stops itself after
``--deadline`` seconds, 900 by default). It starts ``streamlit run streamlit_app.py`` bound to
127.0.0.1 (file watching off), opens the sessions in one Debian Chromium (``/usr/bin/chromium``,
one browser context each, so each is its own Streamlit session) and prints a Markdown table:

- the app process's resident memory (``VmRSS``; psutil when installed) after start, after one
  session (data loaded, map drawn), after all sessions, and after the reruns; memory per extra
  session = (all − one) / (sessions − 1) (goal < 50 MB: data held once per process);
- the time each session took to draw its map when they all opened together;
- rerun times: each page switches the map's indicator select box (score ⇄ poverty) and waits
  until its map is recoloured; all pages are switched one after the other without waiting
  (so the runs overlap on the server), ``--rounds`` times; median, 95th percentile, max;
- errors: exception boxes (``stException``) and error alerts on every page, "Error" in the
  map frames, and tracebacks in the server log.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_app import (
    CHROMIUM,
    VIEWPORT,
    app_server,
    drawn,
    in_map,
    launch,
    load_average,
    mark,
    redrawn,
    running,
    wait_for,
    wait_idle,
)

MAX_SESSIONS = 40
SERIAL = 5  # reruns timed one at a time, before the overlapping rounds
OPTIONS = ("Pobreza monetaria 2018", "Puntaje del escenario")  # map indicator select box


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (10^6 bytes)."""
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss / 1e6
    except ImportError:
        pass
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) process ``pid`` has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settled_rss(pid: int, pause: float = 3.0) -> float:
    time.sleep(pause)
    return rss_mb(pid)


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
    page.locator(".st-key-map_column").click()
    page.get_by_role("option", name=option, exact=True).click()


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("the benchmark's deadline passed: stopping")
        return left


def run(sessions: int, rounds: int, deadline: Deadline) -> dict:
    from playwright.sync_api import sync_playwright

    out: dict = {"sessions": sessions, "rounds": rounds, "rerun_s": [], "open_s": [],
                 "serial_s": [], "serial_end_s": [], "rerun_end_s": []}
    with app_server() as (base, proc, log), sync_playwright() as pw:
        out["rss_start"] = settled_rss(proc.pid)
        browser = launch(pw)
        try:
            contexts = [browser.new_context(viewport=VIEWPORT) for _ in range(sessions)]
            pages = [c.new_page() for c in contexts]
            # one session: data loaded, caches filled
            t0 = time.monotonic()
            pages[0].goto(base, wait_until="commit", timeout=120_000)
            wait_for(lambda: drawn(pages[0]), timeout=min(180, deadline.left()),
                     what="the first session's map")
            out["first_s"] = time.monotonic() - t0
            wait_idle(pages[0], timeout=min(120, deadline.left()))
            out["rss_one"] = settled_rss(proc.pid)
            # the others all at once
            cpu0 = cpu_s(proc.pid)
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
            out["cpu_open"] = (cpu_s(proc.pid) - cpu0) / (sessions - 1)
            out["rss_all"] = settled_rss(proc.pid)
            # reruns one at a time (the other sessions open but idle): no overlap
            cpu0 = cpu_s(proc.pid)
            current = dict.fromkeys(range(sessions), OPTIONS[1])  # the map shows the score
            for i, page in enumerate(pages[:SERIAL]):
                since = mark(page)
                choose(page, OPTIONS[0])
                current[i] = OPTIONS[0]
                t0 = time.monotonic()
                wait_for(lambda p=page, m=since: redrawn(p, m), timeout=min(120, deadline.left()),
                         what="a map recoloured")
                out["serial_s"].append(time.monotonic() - t0)
                out["serial_end_s"].append(wait_idle(page, timeout=min(120, deadline.left()))
                                           - t0)
            out["cpu_serial"] = (cpu_s(proc.pid) - cpu0) / len(out["serial_s"])
            # reruns: every page switches the map's indicator, runs overlapping
            cpu0 = cpu_s(proc.pid)
            for _ in range(rounds):
                marks, sent = {}, {}
                for i, page in enumerate(pages):  # each page to the indicator it doesn't show
                    marks[i] = mark(page)
                    current[i] = OPTIONS[1] if current[i] == OPTIONS[0] else OPTIONS[0]
                    choose(page, current[i])
                    sent[i] = time.monotonic()
                pending, ending = set(sent), set()
                round_end = time.monotonic() + min(300.0, deadline.left())
                while pending or ending:
                    if time.monotonic() > round_end:
                        raise TimeoutError(f"after 300 s, sessions {sorted(pending)} had not "
                                           f"redrawn and {sorted(ending)} were still running")
                    for i in sorted(ending):
                        if not running(pages[i]):  # the run that recoloured the map ended
                            out["rerun_end_s"].append(time.monotonic() - sent[i])
                            ending.discard(i)
                    for i in sorted(pending):
                        if redrawn(pages[i], marks[i]):
                            out["rerun_s"].append(time.monotonic() - sent[i])
                            pending.discard(i)
                            ending.add(i)
                    time.sleep(0.05)
                for page in pages:
                    wait_idle(page, timeout=min(300, deadline.left()))
            out["cpu_rerun"] = (cpu_s(proc.pid) - cpu0) / (rounds * sessions)
            out["rss_end"] = settled_rss(proc.pid)
            counts = [errors_on(p) for p in pages]
            out["errors"] = {k: sum(c[k] for c in counts) for k in counts[0]}
            out["still_running"] = sum(running(p) for p in pages)
        finally:
            browser.close()
        text = log.read_text(errors="replace")
        out["tracebacks"] = text.count("Traceback (most recent call last)")
        out["log_errors"] = sum("ERROR" in line or "Error" in line for line in text.splitlines())
    return out


def report(r: dict) -> str:
    n = r["sessions"]
    per = (r["rss_all"] - r["rss_one"]) / (n - 1)
    rer = r["rerun_s"]
    opens = r["open_s"]
    e = r["errors"]
    rows = [
        "| measure | value | goal |",
        "|---|---:|---|",
        f"| sessions open at once | {n} | 20 |",
        f"| app RSS after start (no session) | {r['rss_start']:,.1f} MB | |",
        f"| app RSS after 1 session (map drawn) | {r['rss_one']:,.1f} MB | |",
        f"| app RSS after {n} sessions | {r['rss_all']:,.1f} MB | |",
        f"| app RSS after the reruns | {r['rss_end']:,.1f} MB | |",
        f"| memory per extra session ({n} − 1 sessions) | **{per:,.1f} MB** | < 50 MB |",
        f"| first session: navigation → map drawn (alone) | {r['first_s']:.2f} s | |",
        f"| {n - 1} sessions opened together: map drawn, median | "
        f"{statistics.median(opens):.2f} s | |",
        f"| {n - 1} sessions opened together: map drawn, max | {max(opens):.2f} s | |",
        f"| app CPU per session opened | {r['cpu_open']:.2f} s | |",
        f"| rerun alone ({len(r['serial_s'])} pages one at a time, {n} sessions open), median | "
        f"{statistics.median(r['serial_s']):.2f} s | |",
        f"| rerun alone, max | {max(r['serial_s']):.2f} s | |",
        f"| rerun alone: indicator switch → script run ended, median | "
        f"{statistics.median(r['serial_end_s']):.2f} s | |",
        f"| app CPU per rerun (alone) | {r['cpu_serial']:.2f} s | |",
        f"| reruns measured ({r['rounds']} rounds × {n} pages, overlapping) | {len(rer)} | |",
        f"| rerun (overlapping: indicator switch → map recoloured), median | "
        f"{statistics.median(rer):.2f} s | |",
        f"| rerun (overlapping), 95th percentile | **{percentile(rer, 0.95):.2f} s** | |",
        f"| rerun (overlapping), max | {max(rer):.2f} s | |",
        f"| rerun (overlapping): switch → script run ended, median | "
        f"{statistics.median(r['rerun_end_s']):.2f} s | |",
        f"| rerun (overlapping): switch → script run ended, 95th percentile | "
        f"**{percentile(r['rerun_end_s'], 0.95):.2f} s** | |",
        f"| app CPU per rerun (overlapping) | {r['cpu_rerun']:.2f} s | |",
        f"| exception boxes (stException) on all pages | {e['exceptions']} | 0 |",
        f"| error alerts on all pages | {e['error_alerts']} | 0 |",
        f"| map frames showing an error | {e['map_errors']} | 0 |",
        f"| tracebacks in the server log | {r['tracebacks']} | 0 |",
        f"| pages still running at the end | {r['still_running']} | 0 |",
    ]
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20,
                        help=f"sessions at once (2 to {MAX_SESSIONS}, default 20)")
    parser.add_argument("--rounds", type=int, default=2, help="rerun rounds (1 to 5)")
    parser.add_argument("--deadline", type=float, default=900.0,
                        help="stop after this many seconds (default 900)")
    args = parser.parse_args()
    if not 2 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be from 2 to {MAX_SESSIONS}; got {args.sessions}")
    if not 1 <= args.rounds <= 5:
        parser.error(f"--rounds must be from 1 to 5; got {args.rounds}")
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: apt-get install chromium", file=sys.stderr)
        return 1
    before = load_average()
    t0 = time.monotonic()
    result = run(args.sessions, args.rounds, Deadline(args.deadline))
    print(f"geoprio app under load: {args.sessions} Chromium sessions on 127.0.0.1, "
          f"{time.monotonic() - t0:.0f} s in all; load average before {before}, after "
          f"{load_average()} ({os.cpu_count()} CPUs).\n")
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
