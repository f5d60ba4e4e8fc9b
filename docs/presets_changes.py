"""Write docs/cambios-presets-2022.md: who enters and leaves the DCI and anemia lists in 2022.

The DCI and anemia presets moved from SIEN 2019 rates (CEPLAN) to SIEN-HIS 2022 rates smoothed
by Empirical Bayes. This script compares each preset's list (without draws, so that the table
does not depend on a seed) with the same preset on the 2019 rates, and writes one row per
district that enters or leaves, with the figures that moved it. ``tests/test_docs.py`` checks
that the committed file is exactly what this script writes.

Run: ``python docs/presets_changes.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import geoprio
from geoprio import Scenario

OUT = Path(__file__).resolve().parent / "cambios-presets-2022.md"

#: preset -> (its 2019 weights, its 2019 rule, the rate columns 2019 / raw 2022 / smoothed /
#: children measured 2022, their name, and a second rate 2019 / smoothed 2022 to show)
PRESETS_2019 = {
    "dci": ({"stunting_u5_2019": 0.30, "anemia_6_35m_2019": 0.20, "poverty_2018": 0.20,
             "no_water_2017": 0.15, "no_sewer_2017": 0.15}, "stunting_u5_2019 >= 0",
            ("stunting_u5_2019", "stunting_u5_2022", "stunting_u5_2022_eb",
             "evaluated_u5_2022"), "desnutrición crónica",
            ("anemia_6_35m_2019", "anemia_6_35m_2022_eb")),
    "anemia": ({"anemia_6_35m_2019": 0.5, "poverty_2018": 0.2, "no_water_2017": 0.15,
                "no_sewer_2017": 0.15}, "",
               ("anemia_6_35m_2019", "anemia_6_35m_2022", "anemia_6_35m_2022_eb",
                "evaluated_6_35m_2022"), "anemia", None),
}


def _pct(value: float) -> str:
    return "sin dato" if pd.isna(value) else f"{value:.1f}".replace(".", ",") + "%"


def _reason(row: pd.Series, cols: tuple[str, str, str, str], word: str) -> str:
    old, raw, eb, n = (row[c] for c in cols)
    if pd.isna(n):
        return f"sin niños medidos en 2022: {word} 2022 sin dato"
    measured = f"{int(n):,}".replace(",", " ")
    text = (f"{word} {_pct(old)} (2019) → {_pct(eb)} (2022 suavizada; {_pct(raw)} en "
            f"{measured} niños medidos)")
    if n < 30:
        text += "; pocos niños: la tasa se acerca a la nacional"
    return text


def changes(name: str, districts: pd.DataFrame) -> tuple[pd.DataFrame, object]:
    """Districts entering and leaving the preset's list when it moves to 2022 rates."""
    weights, rule, cols, word, second = PRESETS_2019[name]
    new = Scenario.preset(name).replace(n_draws=0)
    old = new.replace(weights=weights, rule=rule)
    a = geoprio.prioritize(districts, old)
    b = geoprio.prioritize(districts, new)
    cmp = geoprio.compare_scenarios(a, b)
    data = districts.set_index("ubigeo")
    rows = []
    for kind, table in (("entra", cmp.entering), ("sale", cmp.leaving)):
        for r in table.itertuples():
            d = data.loc[r.ubigeo]
            rows.append({"": kind, "ubigeo": r.ubigeo, "distrito": d["district"],
                         "departamento": d["department"],
                         "puesto 2019": "—" if pd.isna(r.rank_a) else int(r.rank_a),
                         "puesto 2022": "—" if pd.isna(r.rank_b) else int(r.rank_b),
                         "por qué": _reason(d, cols, word) + (
                             f"; anemia {_pct(d[second[0]])} → {_pct(d[second[1]])}"
                             if second else "")})
    return pd.DataFrame(rows), cmp


def _table(frame: pd.DataFrame) -> str:
    """A Markdown table (plain, no extra dependency)."""
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---:" if c.startswith("puesto") else "---" for c in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def markdown(districts: pd.DataFrame) -> str:
    parts = [
        "# Listas de los presets: de las tasas SIEN 2019 a las tasas SIEN-HIS 2022",
        "",
        "*Escrito por `python docs/presets_changes.py`; no editar a mano.*",
        "",
        "Los presets DCI y anemia usaban las tasas distritales del SIEN 2019 (matriz de "
        "CEPLAN). Ahora usan las del SIEN-HIS 2022 suavizadas por Bayes empírico "
        "(metodología, secciones 3.8 y 3.9). Cada tabla compara la lista del preset (sin "
        "sorteos) con la misma lista calculada con las tasas 2019: un distrito **entra** si "
        "está en la lista 2022 y no en la 2019, y **sale** en el caso contrario. La columna "
        "*por qué* da las cifras que lo movieron; la pobreza y el censo no cambiaron.",
        "",
    ]
    for name, title in (("dci", "Desnutrición crónica infantil (`dci`), 375 distritos"),
                        ("anemia", "Anemia (`anemia`), 375 distritos")):
        table, cmp = changes(name, districts)
        parts += [f"## {title}", "",
                  f"Se mantienen {cmp.n_kept}, entran {len(cmp.entering)} y salen "
                  f"{len(cmp.leaving)}; correlación de Spearman de los puestos "
                  f"{cmp.spearman:.3f}".replace(".", ",") + ".", "",
                  _table(table), ""]
    return "\n".join(parts)


def main() -> None:
    OUT.write_text(markdown(geoprio.load_districts()), encoding="utf-8")
    print(f"written {OUT}")


if __name__ == "__main__":
    main()
