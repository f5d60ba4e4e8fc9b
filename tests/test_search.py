"""District search (geoprio.data.search) on the shipped districts: accents and case ignored, a
number is the start of a ubigeo."""

from __future__ import annotations

import geoprio
from geoprio.data.search import matches


def found(query: str) -> list[str]:
    frame = geoprio.load_districts(display=True)
    return sorted(frame.loc[matches(frame, query), "ubigeo"])


def test_a_name_without_its_accent_finds_the_district():
    assert found("yurua") == ["250204"]
    assert "120608" in found("rio tambo")  # RÍO TAMBO, Satipo


def test_digits_are_the_start_of_a_ubigeo_not_its_middle():
    # Atalaya province (2502) has four districts: Raimondi, Sepahua, Tahuanía and Yurúa
    assert found("2502") == ["250201", "250202", "250203", "250204"]
    # Aija province (0202, Áncash) has five; 010202, 030202... hold 0202 in their middle
    assert found("0202") == ["020201", "020202", "020203", "020204", "020205"]
    assert found("120101") == ["120101"]


def test_every_word_must_match():
    assert found("tambo junin") == sorted(set(found("tambo")) & set(found("junin")))
    assert found("yurua 25") == ["250204"] and found("yurua 12") == []
