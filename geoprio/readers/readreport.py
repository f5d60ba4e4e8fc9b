"""The report of a reader, kept beside the frame it read.

:func:`geoprio.read_table` and :func:`geoprio.read_boundaries` return a frame; what they
decided (encoding, separator, CRS...) and every problem they found is a :class:`ReadReport`,
found with :func:`read_report` or as ``frame.attrs["read"]`` (the same object).

pandas copies ``attrs`` into every frame derived from another one, and pandas 3 deep-copies
them: with the problem list itself in ``attrs``, a 90 kB table whose 1,874 codes each came
four times cost 40 s of CPU in one join (``benchmarks/bench_hostile.py``). A ``ReadReport`` is
shared by the frames derived from its frame, never copied: ``copy.deepcopy`` returns the same
object. It reads like the dict it wraps; treat it as read-only (:meth:`ReadReport.to_dict`
gives a private copy).

Examples
--------
>>> import copy, pandas as pd
>>> r = ReadReport({"file": "t.csv", "rows": 2, "problems": []})
>>> copy.deepcopy(r) is r, r["rows"], r.problems
(True, 2, [])
>>> f = pd.DataFrame({"a": [1, 2]})
>>> f.attrs["read"] = r
>>> read_report(f[["a"]] * 2) is r
True
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["ReadReport", "read_report"]


class ReadReport(Mapping):
    """What a reader decided about a file, and every problem it found (read-only).

    Parameters
    ----------
    info : mapping
        The reader's findings: ``file``, ``format``, ``rows``, ``problems`` (a list of dicts
        with ``kind`` and ``message``)... as documented by each reader.

    Attributes
    ----------
    problems : list of dict
        Every problem, in the order found (``[]`` when none).
    """

    __slots__ = ("_info",)

    def __init__(self, info: Mapping[str, Any]) -> None:
        self._info = dict(info)

    def __getitem__(self, key: str) -> Any:
        return self._info[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._info)

    def __len__(self) -> int:
        return len(self._info)

    @property
    def problems(self) -> list[dict[str, Any]]:
        return self._info.get("problems", [])

    def to_dict(self) -> dict[str, Any]:
        """A private deep copy of the findings, as plain dicts and lists."""
        return copy.deepcopy(self._info)

    def __copy__(self) -> ReadReport:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> ReadReport:
        return self  # shared by every frame derived from the one read: see the module

    def __reduce__(self) -> tuple[type, tuple[dict[str, Any]]]:
        return ReadReport, (self._info,)

    def __repr__(self) -> str:
        return (f"ReadReport({self._info.get('file', '?')!r}: {self._info.get('rows', '?')} "
                f"rows, {len(self.problems)} problem(s))")


def read_report(frame: Any) -> ReadReport | None:
    """The :class:`ReadReport` of a frame returned by a geoprio reader (or derived from one).

    Returns None for a frame no reader returned.
    """
    attrs = getattr(frame, "attrs", None) or {}
    report = attrs.get("read")
    return report if isinstance(report, ReadReport) else None
