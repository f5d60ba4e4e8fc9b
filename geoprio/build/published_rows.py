"""The national and department figures the sources publish themselves.

A district sheet's "Perú" and department columns must show what INEI, INS or UNDP published
where they published it, not a mean of district figures; where no published figure exists the
app and the sheet say the figure is a roll-up (``geoprio.data.shipped.aggregate``). This module
reads
the published rows from the raw files the build already reads, and adds the national figures
typed from INEI's reports (:mod:`geoprio.build.published`) whose definition is the indicator's
own. Written to ``data/indicators/published.csv``: ``id, level, code, value, source``.

What is published, and where:

- SIEN-HIS 2022 (INS/CENAN): the ``x DEP`` sheets' department rows and the ``PERÚ`` row, for
  stunting under 5 and under 3 and anaemia 6–35 months (children evaluated, cases, rate);
- CEPLAN's matrix, ``Nacional`` and ``Región`` rows: population 2017 (census) and the Human
  Development Index 2019 (UNDP). Its department stunting and anaemia rows are ENDES (a survey),
  not SIEN: they are not the 2019 district indicator's roll-up and are left out here (the
  Distrito page shows ENDES apart);
- INEI's reports: monetary poverty 2018 (national 20.5%), census 2017 rural population share
  (20.7%) and population without health insurance (24.5%).

Population 2020 and the children counts are sums of the district rows, which the build checks
against MINSA's national row: their roll-up is the published figure.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geoprio.build import published as pub
from geoprio.data.search import fold
from geoprio.errors import DataBuildError

__all__ = ["COLUMNS", "read_published_rows"]

COLUMNS = ["id", "level", "code", "value", "source"]
_SIEN = "INS/CENAN, SIEN-HIS enero-diciembre 2022, cuadro por departamento (fila {row})"
_CEPLAN = "CEPLAN, Matriz de indicadores 2007-2019, fila {row} ({what})"
#: SIEN-HIS 2022 department sheets: sheet -> (rate id, evaluated id, cases id)
_SIEN_SHEETS = {
    "EN 0-59m x DEP": ("stunting_u5_2022", "evaluated_u5_2022", "stunted_u5_2022"),
    "EN 0-35m x DEP": ("stunting_u3_2022", "evaluated_u3_2022", "stunted_u3_2022"),
    "Anemia 6-35m x DEP": ("anemia_6_35m_2022", "evaluated_6_35m_2022", "anemic_6_35m_2022"),
}
#: CEPLAN columns: id -> (column, what the figure is)
_CEPLAN_COLUMNS = {"pop_2017": (4, "censo 2017"), "hdi_2019": (29, "PNUD")}


def _department_codes(sources: Path) -> dict[str, str]:
    """Department name (folded: "ANCASH" and "ÁNCASH" alike) -> its two-digit code."""
    path = sources / "indicators" / "ubigeo_departamento.csv"
    table = pd.read_csv(path, dtype=str)
    code = next(c for c in table.columns if "inei" in c.lower())
    name = next(c for c in table.columns if c.lower() in ("departamento", "department"))
    return {fold(n): str(c).zfill(2)[:2] for n, c in zip(table[name], table[code], strict=True)}


def _sien_rows(path: Path, codes: dict[str, str]) -> list[tuple]:
    rows: list[tuple] = []
    for sheet, ids in _SIEN_SHEETS.items():
        raw = pd.read_excel(path, sheet_name=sheet, header=None, engine="calamine")
        body = raw.iloc[5:]  # the first department row is 7 or 6 (anaemia)
        body = body[body[1].notna() & pd.to_numeric(body[2], errors="coerce").notna()]
        for label, evaluated, cases in zip(body[1], body[2], body[3], strict=True):
            name = str(label).strip()
            code = "00" if name == "PERÚ" else codes.get(fold(name))
            if code is None:
                raise DataBuildError(f"{path}: sheet {sheet!r}: department {name!r} unknown")
            level = "nation" if code == "00" else "department"
            source = _SIEN.format(row=name)
            ev, ca = float(evaluated), float(cases)
            rows += [(ids[0], level, code, round(100 * ca / ev, 6), source),
                     (ids[1], level, code, ev, source), (ids[2], level, code, ca, source)]
        if sum(1 for r in rows if r[0] == ids[0] and r[1] == "department") != 25:
            raise DataBuildError(f"{path}: sheet {sheet!r} must have the 25 departments")
    return rows


def _ceplan_rows(path: Path) -> list[tuple]:
    raw = pd.read_excel(path, sheet_name="Distrital", header=None, engine="calamine")
    level = raw[0].astype(str).str.strip()
    picked = raw[level.isin(["Nacional", "Región"])]
    rows: list[tuple] = []
    for ind, (col, what) in _CEPLAN_COLUMNS.items():
        for kind, ubigeo, name, value in zip(picked[0], picked[1], picked[2], picked[col],
                                             strict=True):
            nation = str(kind).strip() == "Nacional"
            number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
            if pd.isna(number):
                continue
            code = "00" if nation else str(ubigeo).strip()[:2]
            rows.append((ind, "nation" if nation else "department", code, float(number),
                         _CEPLAN.format(row=str(name).strip(), what=what)))
    return rows


def _typed_rows() -> list[tuple]:
    """National figures typed from INEI's reports, whose definition is the indicator's."""
    return [
        ("poverty_2018", "nation", "00", pub.INEI_POVERTY_NATIONAL_2018,
         "INEI, Evolución de la pobreza monetaria 2007-2018 (abr 2019)"),
        ("rural_share_2017", "nation", "00", pub.INEI_RURAL_2017,
         "INEI, Perú: Perfil Sociodemográfico, Censos Nacionales 2017"),
        ("no_health_insurance_2017", "nation", "00", pub.INEI_UNINSURED_2017,
         "INEI, Perú: Perfil Sociodemográfico, Censos Nacionales 2017"),
    ]


def read_published_rows(sources: Path) -> pd.DataFrame:
    """Every published national and department figure of a shipped indicator (see the
    module), sorted by id, level and code."""
    ind = sources / "indicators"
    rows = (_sien_rows(ind / "sien_his_2022_indicadores_ninos.xlsx", _department_codes(sources))
            + _ceplan_rows(ind / "ceplan_matriz_indicadores_2007_2019.xlsx") + _typed_rows())
    out = pd.DataFrame(rows, columns=COLUMNS)
    if out.duplicated(["id", "level", "code"]).any():
        raise DataBuildError("published rows: an indicator has two figures for one place")
    out["value"] = out["value"].astype(float)
    if not np.isfinite(out["value"]).all():
        raise DataBuildError("published rows: a figure is not a number")
    return out.sort_values(["id", "level", "code"], kind="stable").reset_index(drop=True)
