"""Write ``tests/js/fixture.json``: small coverages encoded by geoprio.report.mapcodec, and what
Python's decoder reads back from them, for the JavaScript decoder's tests (``node --test``).

Run ``python tests/js/write_fixture.py`` after a change to the encoding; ``tests/test_js.py``
fails while the committed file differs from what this writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURE = Path(__file__).with_name("fixture.json")


def _frame() -> Any:
    """A: a square with a hole and an extra vertex; B: the enclave in the hole; C: two
    squares, one sharing A's side; D: no geometry. Near Lima (negative coordinates)."""
    import geopandas as gpd
    from shapely import MultiPolygon, Polygon

    def poly(shell, holes=()):
        move = lambda pts: [(-77.0 + x * 0.001, -12.0 + y * 0.001) for x, y in pts]  # noqa: E731
        return Polygon(move(shell), [move(h) for h in holes])

    a = poly([(0, 0), (10, 0), (10, 2), (10, 10), (0, 10)], [[(4, 4), (4, 6), (6, 6), (6, 4)]])
    b = poly([(4, 4), (6, 4), (6, 6), (4, 6)])
    c = MultiPolygon([poly([(10, 0), (12, 0), (12, 2), (10, 2)]),
                      poly([(20, 0), (22, 0), (22, 2), (20, 2)])])
    return gpd.GeoDataFrame({"ubigeo": ["150101", "150102", "150201", "150202"],
                             "dep": ["15", "16", "15", "15"]},
                            geometry=[a, b, c, Polygon()], crs=4326)


def _integers(line: Any, scale: float) -> list[list[int]]:
    return [[round(x * scale), round(y * scale)] for x, y in line.coords]


def fixture_data() -> dict[str, Any]:
    """The cases: the encoding, and the integer grid coordinates Python decodes from it."""
    from geoprio.report.mapcodec import decode_borders, decode_rings, encode_coverage

    frame = _frame()
    cases = []
    for name, options in (("shared arcs with department borders",
                           {"precision": 4, "borders": "dep"}),
                          ("ring by ring", {"precision": 4, "topology": False}),
                          ("shared arcs, 6 decimals", {"precision": 6})):
        encoded = encode_coverage(frame, **options)
        rings = [[[ring.tolist() for ring in poly] for poly in feature]
                 for feature in decode_rings(encoded)]
        scale = 10.0 ** encoded["precision"]
        borders = {group: [_integers(line, scale) for line in decode_borders(encoded, group).geoms]
                   for group in encoded.get("borders", {})}
        cases.append({"name": name, "encoded": encoded, "rings": rings, "borders": borders})
    return {"about": "written by tests/js/write_fixture.py from geoprio.report.mapcodec; do not "
                     "edit",
            "cases": cases}


def text() -> str:
    return json.dumps(fixture_data(), ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    FIXTURE.write_text(text(), encoding="utf-8")
    print(f"wrote {FIXTURE}")
