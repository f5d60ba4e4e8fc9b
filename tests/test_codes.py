"""Codes and the join: every code accounted for, nothing dropped silently."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import geoprio
from geoprio.errors import JoinError
from geoprio.readers.codes import normalize_ubigeo


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
    import geoprio.spatial.points

    assert not hasattr(geoprio.spatial.points, "_normalize_codes")


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
    # 250204 is Yurúa in INEI numbering and Neshuya in RENIEC's; row 4 ("Yurúa otra vez")
    # cannot be settled by its name, and the table points both ways (010404 exists only in
    # RENIEC numbering, 080915 only in INEI's): the join refuses to guess
    with pytest.raises(JoinError, match=r"row 4: 250204 is YURUA .* in INEI numbering and "
                                        r"NESHUYA .* in RENIEC numbering.*points both ways"
                                        r".*scheme='inei' or scheme='reniec'") as caught:
        geoprio.join_indicators(districts.drop(columns="geometry"), table)
    assert caught.value.evidence["only_reniec"] == 1
    assert [a["row"] for a in caught.value.ambiguous] == [4]
    joined, report = geoprio.join_indicators(districts.drop(columns="geometry"), table,
                                             scheme="inei")
    assert report.scheme == "inei" and report.evidence["decided_by"] == "given"
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
                      "recoded": 2, "missing_districts": 1869, "ambiguous": 3,
                      "name_mismatches": 2}
    # RENIEC 010404 is Colcamar (INEI 010504), not Jazán; row 4's name is not Yurúa's
    assert [(m["row"], m["ubigeo"]) for m in report.name_mismatches] == [(3, "010504"),
                                                                          (4, "250204")]
    assert report.name_mismatches[0]["expected"] == {"Distrito": "COLCAMAR"}


def test_a_reniec_table_is_read_as_reniec(districts):
    codes = geoprio.data.shipped.load_codes()
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
    with pytest.raises(JoinError, match="id_column 'codigo' is not in the table"):
        geoprio.join_indicators(districts, table, id_column="codigo")


def test_cli_join_strict_exits_non_zero_and_writes_report(messy_file, tmp_path):
    report = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "geoprio.cli", "join", str(messy_file),
                           "--report", str(report), "--strict", "--scheme", "inei"],
                          capture_output=True, text=True)
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


# ------------------------------------------------------------ numbering: INEI or RENIEC
@pytest.fixture(scope="module")
def plain(districts):
    return districts.drop(columns="geometry")


@pytest.fixture(scope="module")
def reniec_both():
    """RENIEC codes that are also INEI codes of another district (real codes.csv rows)."""
    codes = geoprio.data.shipped.load_codes()
    inei = set(codes.loc[codes["scheme"] == "inei", "code"])
    reniec = codes[(codes["scheme"] == "reniec") & codes["code"].isin(inei)]
    return reniec[reniec["code"] != reniec["ubigeo"]].reset_index(drop=True)


def test_a_reniec_table_of_codes_valid_in_both_numberings_is_refused(plain, reniec_both):
    # the issue: read as INEI, such a table lands every row on another district, "0 recoded"
    table = pd.DataFrame({"ubigeo": reniec_both["code"].head(40), "x": range(40)})
    with pytest.raises(JoinError, match=r"40 codes of column 'ubigeo' are district codes in both "
                                        r"INEI and RENIEC numbering.*nothing in the table tells"
                                        r".*scheme='inei' or scheme='reniec'") as caught:
        geoprio.join_indicators(plain, table)
    assert caught.value.evidence["ambiguous"] == 40
    assert caught.value.evidence["only_inei"] == caught.value.evidence["only_reniec"] == 0
    first = caught.value.ambiguous[0]
    assert (first["code"], first["inei"], first["reniec"]) == (
        reniec_both["code"][0], reniec_both["code"][0], reniec_both["ubigeo"][0])
    # chosen by the user, it lands where RENIEC says, and the report says so
    joined, report = geoprio.join_indicators(plain, table, scheme="reniec")
    placed = joined.dropna(subset=["x"]).set_index("ubigeo")["x"]
    assert {u: int(placed[u]) for u in reniec_both["ubigeo"].head(40)} == dict(
        zip(reniec_both["ubigeo"].head(40), range(40), strict=True))
    assert len(report.recoded) == 40 and len(report.ambiguous) == 40
    assert {a["by"] for a in report.ambiguous} == {"scheme"}
    assert report.evidence["decided_by"] == "given"


def test_names_decide_where_the_codes_do_not(plain, reniec_both):
    names = plain.set_index("ubigeo")
    rows = reniec_both.head(40)
    # the names RENIEC's districts carry, written as an office would: lower case, no accents
    written = [names.loc[u, "district"].lower().translate(str.maketrans("áéíóúñü", "aeiounu"))
               for u in rows["ubigeo"]]
    table = pd.DataFrame({"ubigeo": rows["code"], "Distrito": written, "x": range(40)})
    joined, report = geoprio.join_indicators(plain, table)
    assert report.scheme == "reniec" and report.evidence["decided_by"] == "names"
    assert report.evidence["names_reniec"] == 40 and report.name_columns == {
        "district": "Distrito"}
    assert {a["by"] for a in report.ambiguous} == {"names"}
    assert joined.set_index("ubigeo").loc[rows["ubigeo"], "x"].tolist() == list(range(40))
    assert report.name_mismatches == []
    # department names alone decide too where the two readings lie in different departments
    deps = [names.loc[u, "department"] for u in rows["ubigeo"]]
    by_department = pd.DataFrame({"ubigeo": rows["code"], "Departamento": deps})
    differ = [names.loc[c, "department"] != d for c, d in zip(rows["code"], deps, strict=True)]
    if all(differ):
        _, report = geoprio.join_indicators(plain, by_department)
        assert report.scheme == "reniec"
    # names that contradict the numbering the user chose are reported, row by row
    _, report = geoprio.join_indicators(plain, table, scheme="inei")
    assert len(report.name_mismatches) == 40
    assert report.name_mismatches[0]["names"] == {"Distrito": written[0]}


def test_the_order_codes_are_tried_on_real_codes(plain):
    # 030612: Ahuayro, created after 2017 (INEI numbering, inside 030604 Huaccana), and
    #         RENIEC's code of 030713 Virundo;
    # 150144: old INEI code of Santa María de Huachipa, merged in 150118 Lurigancho;
    # 010404: RENIEC only (INEI 010504 Colcamar); 010513: INEI only; 010101: same in both
    codes = ["030612", "150144", "010404", "010513", "010101"]
    table = pd.DataFrame({"ubigeo": codes, "x": range(5)})
    placed = {}
    for scheme in ("inei", "reniec"):
        _, report = geoprio.join_indicators(plain, table, scheme=scheme)
        placed[scheme] = {r["code"]: (r["ubigeo"], r["scheme"]) for r in report.recoded}
        assert report.matched == 5 and not report.unmatched
    assert placed["inei"] == {"030612": ("030604", "post2017"), "150144": ("150118", "old"),
                              "010404": ("010504", "reniec")}
    assert placed["reniec"] == {"030612": ("030713", "reniec"), "150144": ("150118", "old"),
                                "010404": ("010504", "reniec")}
    # auto: 010404 says RENIEC, 010513 and 150144 say INEI: 030612 cannot be placed
    with pytest.raises(JoinError, match="row 1: 030612 is Ahuayro, in HUACCANA"):
        geoprio.join_indicators(plain, table)


def test_order_of_the_inei_tables_on_a_made_up_code_table(plain):
    lookup = pd.DataFrame({
        "code": ["010101", "010101", "999901", "999901", "999902"],
        "scheme": ["inei", "post2017", "old", "post2017", "old"],
        "ubigeo": ["010101", "010102", "010103", "010104", "010105"],
        "note": ["", "", "", "", ""]})
    table = pd.DataFrame({"ubigeo": ["010101", "999901", "999902"], "x": [1, 2, 3]})
    joined, report = geoprio.join_indicators(plain, table, codes=lookup)
    # a 2017 code before a post-2017 one, a post-2017 code before an old one
    assert [(r["code"], r["ubigeo"], r["scheme"]) for r in report.recoded] == [
        ("999901", "010104", "post2017"), ("999902", "010105", "old")]
    assert joined.set_index("ubigeo").loc["010101", "x"] == 1


def test_whole_tables_are_read_in_their_numbering(plain):
    codes = geoprio.data.shipped.load_codes()
    inei = pd.DataFrame({"ubigeo": plain["ubigeo"], "x": range(len(plain))})
    _, report = geoprio.join_indicators(plain, inei)
    assert report.scheme == "inei" and report.evidence["decided_by"] == "codes"
    assert report.recoded == [] and report.matched == 1874
    assert report.evidence["ambiguous"] == len(report.ambiguous) > 900
    # (codes.csv also holds a RENIEC "code" NA for Santa María de Huachipa: not a code)
    reniec = codes[(codes["scheme"] == "reniec") & codes["code"].str.fullmatch(r"\d{6}")]
    _, report = geoprio.join_indicators(plain, pd.DataFrame({"ubigeo": reniec["code"]}))
    assert report.scheme == "reniec" and report.evidence["decided_by"] == "codes"
    assert not report.unmatched and report.matched == len(reniec)
    # a stray RENIEC-only code in an INEI table: read as INEI, the stray placed and reported
    stray = pd.concat([inei, pd.DataFrame({"ubigeo": ["010404"], "x": [-1]})])
    _, report = geoprio.join_indicators(plain, stray, duplicates="mean")
    assert report.scheme == "inei" and report.evidence["only_reniec"] == 1
    assert [r["code"] for r in report.recoded] == ["010404"]


def test_a_code_outside_the_districts_joined_is_not_recoded_into_them(plain):
    # INEI 140101 is Chiclayo (Lambayeque); RENIEC 140101 is Lima. Joined to Lima's districts
    # only, Chiclayo's row must stay out, not land on Lima.
    lima = plain[plain["department"] == "LIMA"]
    table = pd.DataFrame({"ubigeo": ["140101", "150102"], "distrito": ["Chiclayo", "Ancón"],
                          "x": [1.0, 2.0]})
    joined, report = geoprio.join_indicators(lima, table)
    assert report.scheme == "inei"
    assert [u["code"] for u in report.unmatched] == ["140101"]
    assert f"not among the {len(lima)} districts joined to" in report.unmatched[0]["why"]
    assert joined.set_index("ubigeo").loc["150101", "x"] != 1.0


def test_cli_join_and_check_take_a_scheme(tmp_path):
    path = tmp_path / "reniec.csv"
    path.write_text("ubigeo,x\n010201,1\n010202,2\n", encoding="utf-8")
    for command in ("join", "check"):
        proc = subprocess.run([sys.executable, "-m", "geoprio.cli", command, str(path)],
                              capture_output=True, text=True)
        assert proc.returncode == 2, proc.stderr
        assert "scheme='inei' or scheme='reniec'" in proc.stderr
        assert "Traceback" not in proc.stderr
        proc = subprocess.run([sys.executable, "-m", "geoprio.cli", command, str(path),
                               "--scheme", "reniec"], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "RENIEC numbering (chosen by the user)" in proc.stdout


# ---------------------------------------------------------------- issue 20: codes edge cases
@pytest.mark.parametrize(("raw", "code"), [
    (10101, "010101"), (10101.0, "010101"), ("10101.00", "010101"), ("'150101", "150101"),
    ('"150101"', "150101"), (" 0101 ", "000101"), ("1501", "001501"), ("150101", "150101"),
    ("101", None), ("1501011", None), ("15.0101", None), ("1e5", None), ("", None),
    (None, None), (float("nan"), None), ("15 0101", None), ("abcdef", None),
])
def test_normalize_ubigeo_edge_cases(raw, code):
    assert normalize_ubigeo([raw]).tolist() == [code]


def test_normalize_keeps_index_and_name():
    s = pd.Series([10101, "x"], index=[5, 9], name="codigo")
    out = normalize_ubigeo(s)
    assert out.index.tolist() == [5, 9] and out.name == "codigo"
    assert out.tolist() == ["010101", None] and out.dtype == object


def test_the_code_column_by_name_or_by_its_values():
    from geoprio.readers.codes import find_code_column

    # a column named like a ubigeo wins, whatever its case and spaces
    t = pd.DataFrame({"valor": ["010101"] * 5, " UBIGEO ": [1, 2, 3, 4, 5]})
    assert find_code_column(t) == " UBIGEO "
    assert find_code_column(pd.DataFrame({"x": [1], "Cod_Dist": ["x"]})) == "Cod_Dist"
    # otherwise the column with the most valid codes, if 80% or more are
    four_of_five = pd.DataFrame({"a": ["010101", "010102", "010103", "010104", "zz"],
                                 "b": ["010101", "x", "y", "z", "w"]})
    assert find_code_column(four_of_five) == "a"
    three_of_five = four_of_five.assign(a=["010101", "010102", "010103", "q", "zz"])
    with pytest.raises(JoinError, match=r"^No column of district codes \(ubigeo\) found "
                                        r"among \['a', 'b'\]\. Name the column with "
                                        r"id_column='\.\.\.' \(6-digit INEI or RENIEC code\)\.$"):
        find_code_column(three_of_five)
    with pytest.raises(JoinError, match="No column of district codes"):
        find_code_column(pd.DataFrame({"a": []}))
