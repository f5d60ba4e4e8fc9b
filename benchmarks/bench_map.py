"""Benchmark of the compact map layer (geoprio.report.mapcodec) against plain GeoJSON.

Run: ``python benchmarks/bench_map.py`` (add ``--no-browser`` to skip Chromium). Prints
Markdown tables:

- payload bytes of the 1,874 display districts: plain GeoJSON with 4-decimal coordinates
  (as ``mapping.to_geojson`` writes it) vs ``encode_coverage`` ring by ring and as shared
  arcs, without and with department borders; gzip sizes beside (what a compressing link
  would carry);
- the whole map page (``mapping.payload_size``, Leaflet not counted): ``mapping.choropleth``
  (one ``folium.GeoJson`` with tooltip and legend, department polygons on top) vs
  ``CompactChoropleth`` with the same tooltip fields, outlines and department borders (no
  legend: about 1 kB);
- encode and Python decode times (best of 5);
- in Debian's Chromium (``/usr/bin/chromium``): time from navigation start to the first
  painted frame of a standalone page (``mapping.map_html``, Leaflet inlined; median of 3),
  the decoder's own time, and a recolouring of all districts (``setColours``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
from pathlib import Path

import folium
from timing import best_of

import geoprio
from geoprio.report import mapping
from geoprio.report.mapcodec import CompactChoropleth, decode_rings, encode_coverage, payload_bytes

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TOOLTIP = {"district": "Distrito", "province": "Provincia", "department": "Departamento",
           "ubigeo": "Ubigeo", "poverty_2018": "Pobreza 2018 (%)", "rank": "Puesto"}
PAINTED = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(
    () => done(performance.now()))))"""




def kb(n: int) -> str:
    return f"{n / 1000:,.1f} kB"


def sizes(text: str) -> tuple[int, int]:
    raw = text.encode("utf-8")
    return len(raw), len(gzip.compress(raw, 6))


def dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def frames():
    d = geoprio.load_districts(display=True)
    d = d.assign(rank=d["poverty_2018"].rank(ascending=False, method="min"))
    return d, geoprio.load_districts("department")


def folium_map(d, deps) -> folium.Map:
    m, _ = mapping.choropleth(d, "poverty_2018", tooltip=TOOLTIP, outline=d["rank"] <= 50,
                              borders=deps)
    return m


def compact_map(d, enc) -> folium.Map:
    breaks = mapping.class_breaks(d["poverty_2018"], k=5)
    minx, miny, maxx, maxy = d.total_bounds
    m = folium.Map(tiles=None, prefer_canvas=True, control_scale=True)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    CompactChoropleth(enc, colours=breaks.colour_of(), properties=d[list(TOOLTIP)],
                      tooltip_aliases=list(TOOLTIP.values()),
                      outline=(d["rank"] <= 50).to_numpy()).add_to(m)
    return m


def payload_table(d, deps) -> list[str]:
    plain = dumps(mapping.to_geojson(d, ["ubigeo"]))
    plain_deps = plain + dumps(mapping.to_geojson(deps, ["ubigeo"]))
    rows = [("plain GeoJSON (4 decimals)", plain), ("plain GeoJSON + departments", plain_deps)]
    for label, kwargs in [("encoded, ring by ring", {"topology": False}),
                          ("encoded, shared arcs", {}),
                          ("encoded, shared arcs + department borders",
                           {"borders": "department"})]:
        rows.append((label, dumps(encode_coverage(d, **kwargs))))
    out = ["| geometry of 1,874 districts | bytes | gzip |", "|---|---:|---:|"]
    for label, text in rows:
        raw, gz = sizes(text)
        out.append(f"| {label} | {kb(raw)} | {kb(gz)} |")
    return out


def page_table(d, deps, enc) -> tuple[list[str], dict[str, folium.Map]]:
    maps = {"mapping.choropleth (folium.GeoJson)": folium_map(d, deps),
            "CompactChoropleth": compact_map(d, enc)}
    out = ["| map page (tooltip, outlines, department borders; Leaflet not counted) "
           "| bytes | gzip |", "|---|---:|---:|"]
    for label, m in maps.items():
        mapping.serve_assets_from(m, "")
        raw, gz = sizes(m.get_root().render())
        out.append(f"| {label} | {kb(raw)} | {kb(gz)} |")
    return out, maps


def time_table(d) -> list[str]:
    enc = encode_coverage(d, borders="department")
    rows = [("encode_coverage, shared arcs + department borders",
             best_of(lambda: encode_coverage(d, borders="department", cache=False))),
            ("encode_coverage, same call again (cached: WKB hash + copy)",
             best_of(lambda: encode_coverage(d, borders="department"))),
            ("encode_coverage, ring by ring",
             best_of(lambda: encode_coverage(d, topology=False, cache=False))),
            ("decode_rings (Python)", best_of(lambda: decode_rings(enc))),
            ("mapping.to_geojson (for comparison)",
             best_of(lambda: mapping.to_geojson(d, ["ubigeo"]), repeat=3))]
    out = ["| step | seconds (best of 5) |", "|---|---:|"]
    out += [f"| {label} | {t:.3f} |" for label, t in rows]
    return out


def browser_table(maps: dict[str, folium.Map]) -> list[str]:
    from playwright.sync_api import sync_playwright

    out = ["| in Chromium (standalone page, median of 3) | first paint ms | decode ms "
           "| layers ms | recolour ms |", "|---|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for label, m in maps.items():
                path = Path(tmp) / "map.html"
                path.write_text(mapping.map_html(m), encoding="utf-8")
                runs = []
                for _ in range(3):
                    page = browser.new_page(viewport={"width": 1000, "height": 900})
                    page.goto(path.as_uri(), wait_until="load")
                    first = page.evaluate(PAINTED)
                    timing = page.evaluate("""async () => {
                        var g = (window.geoprioLayers || {}).choropleth;
                        if (!g) return null;
                        var t = performance.now();
                        g.setColours(g.data.palette.slice().reverse(), g.data.colour);
                        await new Promise(r => requestAnimationFrame(
                            () => requestAnimationFrame(r)));
                        return [g.timing.decode_ms, g.timing.layers_ms,
                                performance.now() - t]; }""")
                    runs.append((first, *(timing or (float("nan"),) * 3)))
                    page.close()
                med = [statistics.median(col) for col in zip(*runs, strict=True)]
                cells = " | ".join("–" if v != v else f"{v:,.0f}" for v in med)
                out.append(f"| {label} | {cells} |")
        finally:
            browser.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timings")
    args = parser.parse_args()
    d, deps = frames()
    enc = encode_coverage(d, borders="department")
    blocks = [payload_table(d, deps)]
    pages, maps = page_table(d, deps, enc)
    blocks += [pages, time_table(d)]
    if not args.no_browser and Path(CHROMIUM).exists():
        blocks.append(browser_table(maps))
    print(f"Encoded: {enc['n_arcs']:,} arcs for {enc['n_features']:,} districts; "
          f"{payload_bytes(enc):,} bytes.\n")
    print("\n\n".join("\n".join(b) for b in blocks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
