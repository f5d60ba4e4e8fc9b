"""Write docs/cambios-presets-2022.md: who enters and leaves the DCI and anemia lists.

Two changes, newest first. (1) The DCI preset moved from the SIEN-HIS 2022 stunting rate
smoothed by Empirical Bayes to the Fay–Herriot small-area estimate (issue 23; methodology,
sections 3.13–3.14). (2) Before that, the DCI and anemia presets moved from SIEN 2019 rates
(CEPLAN) to SIEN-HIS 2022 rates smoothed by Empirical Bayes. Each table compares a preset's list
(without draws, so that it does not depend on a seed) with the list before the change, and
writes one row per district that enters or leaves, with the figures that moved it; the
Fay–Herriot table adds each district's probability of being on the new list (1,000 draws, the
preset's seed). ``tests/test_docs.py`` checks that the committed file is exactly what this
script writes.

Run: ``python docs/presets_changes.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import geoprio
from geoprio import Scenario

OUT = Path(__file__).resolve().parent / "cambios-presets-2022.md"

#: the DCI preset on the Empirical Bayes rate, as it was before the Fay–Herriot estimate
DCI_EB = {"weights": {"stunting_u5_2022_eb": 0.30, "anemia_6_35m_2022_eb": 0.20,
                      "poverty_2018": 0.20, "no_water_2017": 0.15, "no_sewer_2017": 0.15},
          "rule": "stunting_u5_2022_eb >= 0"}
#: the cut of the DCI list
CUT = 375

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


def _eb_preset(name: str) -> Scenario:
    """The preset as it was on the Empirical Bayes rates (before the Fay–Herriot move)."""
    preset = Scenario.preset(name).replace(n_draws=0)
    return preset.replace(**DCI_EB) if name == "dci" else preset


def changes(name: str, districts: pd.DataFrame) -> tuple[pd.DataFrame, object]:
    """Districts entering and leaving the preset's list when it moved to 2022 rates."""
    weights, rule, cols, word, second = PRESETS_2019[name]
    new = _eb_preset(name)
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


def _fh_reason(d: pd.Series) -> str:
    """Why a district moved when stunting went from Empirical Bayes to Fay–Herriot."""
    n, eb, fh = d["evaluated_u5_2022"], d["stunting_u5_2022_eb"], d["stunting_u5_2022_fh"]
    if pd.isna(n) or n == 0:
        return ("sin niños medidos en 2022: antes sin dato y fuera de la lista; ahora la "
                "estimación de distritos parecidos (covariables), con su intervalo ancho")
    text = f"desnutrición {_pct(eb)} (Bayes empírico) → {_pct(fh)} (Fay–Herriot)"
    if n < 30:
        text += ("; pocos niños medidos: Bayes empírico acercaba la tasa a la nacional, "
                 "Fay–Herriot a la de distritos parecidos")
    elif abs(fh - eb) < 1:
        text += f"; cambio pequeño en un distrito cerca del corte (puesto {CUT})"
    return text


def fh_changes(districts: pd.DataFrame) -> tuple[pd.DataFrame, object]:
    """Districts entering and leaving the DCI list when stunting moved to Fay–Herriot."""
    new = Scenario.preset("dci")
    a = geoprio.prioritize(districts, _eb_preset("dci"))
    b = geoprio.prioritize(districts, new.replace(n_draws=0))
    drawn = geoprio.prioritize(districts, new).set_index("ubigeo")["p_selected"]
    cmp = geoprio.compare_scenarios(a, b)
    data = districts.set_index("ubigeo")
    rows = []
    for kind, table in (("entra", cmp.entering), ("sale", cmp.leaving)):
        for r in table.itertuples():
            d = data.loc[r.ubigeo]
            n = d["evaluated_u5_2022"]
            rows.append({
                "": kind, "ubigeo": r.ubigeo, "distrito": d["district"],
                "departamento": d["department"],
                "niños medidos": "0" if pd.isna(n) else f"{int(n):,}".replace(",", " "),
                "Fay–Herriot (IC 90%)": f"{_pct(d['stunting_u5_2022_fh'])} "
                                       f"({_pct(d['stunting_u5_2022_fh_lo'])}–"
                                       f"{_pct(d['stunting_u5_2022_fh_hi'])})",
                "datos propios (γ)": "—" if pd.isna(n) or n == 0
                else _pct(d["stunting_u5_2022_fh_gamma"]),
                "puesto antes": "—" if pd.isna(r.rank_a) else int(r.rank_a),
                "puesto ahora": "—" if pd.isna(r.rank_b) else int(r.rank_b),
                "en la lista (simulaciones)": geoprio.fmt.probability(
                    float(drawn[r.ubigeo]), 0, "es"),
                "por qué": _fh_reason(d)})
    return pd.DataFrame(rows), cmp


def _fh_section(districts: pd.DataFrame) -> list[str]:
    table, cmp = fh_changes(districts)
    unmeasured = districts["evaluated_u5_2022"].fillna(0).eq(0)
    now_in = table[(table[""] == "entra") & table["niños medidos"].eq("0")]
    return [
        "## Desnutrición crónica infantil (`dci`): de Bayes empírico a Fay–Herriot", "",
        "El preset DCI ordenaba con la desnutrición crónica 2022 suavizada por Bayes empírico "
        "(`stunting_u5_2022_eb`), que acerca a la tasa **nacional** la de un distrito con "
        "pocos niños medidos. Ahora usa la estimación Fay–Herriot (`stunting_u5_2022_fh`, "
        "metodología 3.13), que la acerca a la de **distritos parecidos** según el censo, la "
        "pobreza y la altitud, y que da una cifra con su intervalo a los "
        f"{int(unmeasured.sum())} distritos sin niños medidos: ya no quedan fuera por falta "
        "de dato. Las simulaciones sortean cada distrito en su distribución predictiva. "
        "Los niños con desnutrición que cuenta la necesidad del presupuesto "
        "(`stunted_children`) usan la misma estimación. El resto del preset (pesos, lista de "
        f"{CUT}) no cambió.", "",
        f"Se mantienen {cmp.n_kept}, entran {len(cmp.entering)} y salen {len(cmp.leaving)}; "
        f"correlación de Spearman de los puestos {cmp.spearman:.3f}".replace(".", ",")
        + f". De los distritos sin niños medidos, entran {len(now_in)}. *Datos propios (γ)*: "
        "la parte de la estimación que viene de los niños medidos en el distrito; el resto "
        "viene de distritos parecidos. *En la lista*: en qué parte de 1 000 simulaciones el "
        "distrito está en la lista nueva (entre 10% y 90%: incierto).", "",
        _table(table), ""]


def _table(frame: pd.DataFrame) -> str:
    """A Markdown table (plain, no extra dependency)."""
    head = "| " + " | ".join(frame.columns) + " |"
    right = ("puesto", "niños", "datos", "en la lista")
    rule = "|" + "|".join("---:" if c.startswith(right) else "---" for c in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def markdown(districts: pd.DataFrame) -> str:
    parts = [
        "# Cambios en las listas de los presets",
        "",
        "*Escrito por `python docs/presets_changes.py`; no editar a mano.*",
        "",
        *_fh_section(districts),
        "## Antes: de las tasas SIEN 2019 a las tasas SIEN-HIS 2022",
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
        parts += [f"### {title}", "",
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
