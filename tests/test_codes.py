"""Codes and the join: every code accounted for, nothing dropped silently."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import geoprio
from geoprio.codes import normalize_ubigeo
from geoprio.errors import JoinError


def test_normalize_restores_leading_zeros_and_rejects_junk():
    out = normalize_ubigeo([10101, 10101.0, "010101", " 80915 ", "'150101", "1.5", "abc", None,
                            "1234567"])
    assert out.tolist() == ["010101", "010101", "010101", "080915", "150101", None, None, None,
                            None]


def test_one_normaliser_for_tables_points_and_the_build():
    import numpy as np

    from geoprio.build import points as build_points

    values = pd.Series([10101.0, np.nan, "'080915", "abc", 150101, None, "12"],
                       index=list("abcdefg"))
    want = ["010101", None, "080915", None, "150101", None, None]
    assert normalize_ubigeo(values).tolist() == want
    assert normalize_ubigeo(values).index.tolist() == list("abcdefg")
    # the data build's helper is the same function (it padded any text: 'abc' -> '000abc')
    assert build_points._pad(values).tolist() == want
    import geoprio.points

    assert not hasattr(geoprio.points, "_normalize_codes")


MESSY = (
    "Reporte de cobertura - DIRESA\n"
    "Fecha: 2024\n"
    "\n"
    "UBIGEO;Distrito;Cobertura (%)\n"
    "10101;Chachapoyas;85,5\n"        # numeric code, lost its zero
    "250204;Yurúa;12,25\n"
    "010404;Jazán (RENIEC);40,0\n"    # RENIEC code of INEI 010504
    "250204;Yurúa otra vez;13,0\n"    # duplicate
    "999999;Inventado;1,0\n"          # unknown
    "080915;Kumpirushiato;7,5\n"      # created after 2017 -> 080902 Echarate
    ";sin código;3,0\n"               # no code at all
    "150101;Lima;(SD)\n"              # missing value code
)


@pytest.fixture()
def messy_file(tmp_path):
    path = tmp_path / "cobertura.csv"
    path.write_bytes(MESSY.encode("latin-1"))
    return path


def test_messy_table_join_report_counts(districts, messy_file):
    table = geoprio.read_table(messy_file)
    assert table.attrs["read"]["delimiter"] == ";"
    assert table.attrs["read"]["encoding"] == "latin-1"
    assert table.attrs["read"]["header_row"] == 4
    assert table["Cobertura (%)"].tolist()[:2] == [85.5, 12.25]
    assert pd.isna(table["Cobertura (%)"].iloc[-1])
    joined, report = geoprio.join_indicators(districts.drop(columns="geometry"), table)
    assert report.scheme == "inei"
    assert report.rows == 8
    assert report.matched == 6  # 010101, 250204 twice, 010404->010504, 080915->080902, 150101
    assert [u["code"] for u in report.unmatched] == ["999999"]
    assert [i["row"] for i in report.invalid] == [7]
    assert report.duplicates == [{"ubigeo": "250204", "rows": [2, 4]}]
    recoded = {r["code"]: (r["ubigeo"], r["scheme"]) for r in report.recoded}
    assert recoded == {"010404": ("010504", "reniec"), "080915": ("080902", "post2017")}
    assert len(report.missing_districts) == 1874 - 5
    assert len(joined) == 1874
    values = joined.set_index("ubigeo")["Cobertura (%)"]
    assert values["010101"] == 85.5
    assert values["250204"] == 12.25  # first of the duplicates, and the report says so
    assert values["010504"] == 40.0
    assert values["080902"] == 7.5
    assert not report.ok
    counts = report.to_dict()["counts"]
    assert counts == {"rows": 8, "matched": 6, "unmatched": 1, "invalid": 1, "duplicates": 1,
                      "recoded": 2, "missing_districts": 1869}


def test_a_reniec_table_is_read_as_reniec(districts):
    codes = geoprio.data.load_codes()
    reniec = codes[codes["scheme"] == "reniec"].head(300)
    table = pd.DataFrame({"ubigeo_reniec": reniec["code"], "x": range(len(reniec))})
    joined, report = geoprio.join_indicators(districts.drop(columns="geometry"), table)
    assert report.scheme == "reniec"
    assert report.matched == 300
    # RENIEC 010404 is INEI 010504 (Amazonas, Luya)
    row = table.index[table["ubigeo_reniec"] == "010404"][0]
    assert joined.set_index("ubigeo").loc["010504", "x"] == table.loc[row, "x"]


def test_duplicates_can_be_averaged(districts):
    table = pd.DataFrame({"ubigeo": ["010101", "010101", "010102"], "v": [1.0, 3.0, 5.0]})
    joined, report = geoprio.join_indicators(districts.drop(columns="geometry"), table,
                                             duplicates="mean")
    assert joined.set_index("ubigeo").loc["010101", "v"] == 2.0
    assert len(report.duplicates) == 1


def test_missing_key_column_is_named(districts):
    table = pd.DataFrame({"nombre": ["a", "b"], "valor": [1, 2]})
    with pytest.raises(JoinError, match="No column of district codes"):
        geoprio.join_indicators(districts, table)
    with pytest.raises(JoinError, match="key column 'codigo' is not in the table"):
        geoprio.join_indicators(districts, table, key="codigo")


def test_cli_join_strict_exits_non_zero_and_writes_report(messy_file, tmp_path):
    report = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "geoprio.cli", "join", str(messy_file),
                           "--report", str(report), "--strict"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "1 unmatched" in proc.stdout and "999999" in proc.stdout
    import json

    assert json.loads(report.read_text(encoding="utf-8"))["counts"]["duplicates"] == 1


def test_cli_join_bad_file_is_one_clear_line(tmp_path):
    empty = tmp_path / "vacío.csv"
    empty.write_bytes(b"")
    proc = subprocess.run([sys.executable, "-m", "geoprio.cli", "join", str(empty)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "the file is empty" in proc.stderr
    assert "Traceback" not in proc.stderr
