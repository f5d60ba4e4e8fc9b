"""Interface strings in Spanish (default) and English."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "title": {"es": "geoprio: ¿qué distritos atender primero?",
              "en": "geoprio: which districts to serve first?"},
    "subtitle": {"es": "1 874 distritos del Perú (censo 2017) con pobreza, desnutrición crónica, "
                       "anemia y brechas de servicios.",
                 "en": "Peru's 1,874 districts (2017 census) with poverty, stunting, anemia and "
                       "service gaps."},
    "language": {"es": "Idioma", "en": "Language"},
    "indicator": {"es": "Indicador", "en": "Indicator"},
    "scheme": {"es": "Clasificación", "en": "Classification"},
    "classes": {"es": "Número de clases", "en": "Number of classes"},
    "quantiles": {"es": "Cuantiles", "en": "Quantiles"},
    "fisher_jenks": {"es": "Fisher-Jenks", "en": "Fisher-Jenks"},
    "equal_interval": {"es": "Intervalos iguales", "en": "Equal interval"},
    "natural_breaks": {"es": "Cortes naturales", "en": "Natural breaks"},
    "district": {"es": "Distrito", "en": "District"},
    "province": {"es": "Provincia", "en": "Province"},
    "department": {"es": "Departamento", "en": "Department"},
    "ubigeo": {"es": "Ubigeo", "en": "Ubigeo"},
    "missing": {"es": "sin dato", "en": "no data"},
    "source": {"es": "Fuente", "en": "Source"},
    "year": {"es": "Año", "en": "Year"},
    "caveats": {"es": "Advertencias", "en": "Caveats"},
    "districts_missing": {"es": "{n} distritos sin dato (en gris): el dato falta en la fuente, "
                                "no es cero.",
                          "en": "{n} districts without data (grey): missing in the source, "
                                "not zero."},
    "top_table": {"es": "Los 20 distritos con el valor más desfavorable",
                  "en": "The 20 districts with the least favourable value"},
}


def t(key: str, lang: str, **kwargs: object) -> str:
    """The string ``key`` in ``lang`` (falls back to Spanish)."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry["es"]
    return text.format(**kwargs) if kwargs else text
