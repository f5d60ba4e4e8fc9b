"""The engine's user-facing words in one module (issue 22): geoprio.engine.texts."""

from __future__ import annotations

import pytest

from geoprio.engine import texts
from geoprio.errors import InputError


def test_every_table_says_every_message_in_spanish_and_in_english():
    for name, table in {"ranking": texts.RANKING, "sheet": texts.SHEET, "export": texts.EXPORT,
                        "box": texts.BOX_NAMES, "yes_no": texts.YES_NO}.items():
        assert set(table) == {"es", "en"}, name
        es, en = table["es"], table["en"]
        if isinstance(es, dict):
            assert set(es) == set(en), (name, set(es) ^ set(en))
        else:
            assert len(es) == len(en), name
    for name in ("PLANNER_ITEMS", "PLANNER_WORDS", "PLANNER_PARTS", "PLANNER_FIGURES"):
        for key, pair in getattr(texts, name).items():
            assert len(pair) == 2, (name, key)


def test_text_fills_a_message_in_the_language_asked():
    # "puesto {rank} de {total}" with 3 and 1874, worked by hand
    assert texts.text("ranking.rank", "es", rank=3, total=1874) == "puesto 3 de 1874"
    assert texts.text("ranking.rank", "en", rank=3, total=1874) == "rank 3 of 1874"
    assert texts.text("ranking.policy.impute", "es") == "imputar la mediana"
    assert texts.text("planner_words.zscore", "es") == "puntaje z"
    assert texts.text("planner_items.weight", "en", name="x") == "Weight of “x”"
    assert texts.text("yes_no", "es") == ("sí", "no")


def test_text_refuses_an_unknown_language_or_message_by_name():
    with pytest.raises(InputError, match="'fr'"):
        texts.text("sheet.title", "fr")
    with pytest.raises(InputError, match=r"'sheet\.nope'"):
        texts.text("sheet.nope", "es")
    with pytest.raises(InputError, match=r"'nowhere\.title'"):
        texts.text("nowhere.title", "es")


def test_the_modules_read_their_words_from_the_texts_module():
    from geoprio.engine import ranking
    from geoprio.report import exporting, mapping, planner, sheet

    assert ranking._TEXT is texts.RANKING  # decide.frontier imports it from ranking
    assert sheet._T is texts.SHEET
    assert mapping.BOX_NAMES is texts.BOX_NAMES
    assert planner.YES_NO is texts.YES_NO
    assert exporting.EXPORT is texts.EXPORT
    for module in (ranking, sheet, mapping, planner):
        own = {k for k, v in vars(module).items()
               if isinstance(v, dict) and set(v) == {"es", "en"} and not k.isupper()}
        assert own <= {"_TEXT", "_T"}, (module.__name__, own)
