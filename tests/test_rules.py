"""Tests of geoprio.engine.rules: safety, names, vectorised verdicts, reasons, missing values."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from geoprio.engine.rules import Rule, evaluate_rule, parse_rule
from geoprio.errors import RuleError


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("__import__('os')", "function call at column 1"),
        ("().__class__", "attribute access at column 1"),
        ("open('x')", "function call at column 1"),
        ("lambda: 1", "lambda at column 1"),
        ("poverty_2018 > 1 and (lambda x: x)(1)", "function call at column 22"),
        ("[c for c in vraem]", "comprehension"),
        ("vraem[0]", r"subscript \(indexing\)"),
        ("poverty_2018 ** 2 > 1", r"power operator \*\*"),
        ("vraem & border", "operator & \\(use 'and'\\)"),
        ("vraem is True", "'is' \\(use ==\\)"),
        ("__builtins__", "name '__builtins__' \\(names may not start with '_'\\)"),
        ("(x := 3)", r"assignment expression \(:=\)"),
        ("department in department", "'in' without a \\[list\\]"),
    ],
)
def test_forbidden_syntax_raises_rule_error(text, what):
    with pytest.raises(RuleError, match=f"forbidden in rule: {what}"):
        Rule(text)


def test_syntax_error_names_column_and_hint():
    with pytest.raises(RuleError, match=r"not a valid expression at column \d+.*use ==, not ="):
        Rule("poverty_2018 = 40")


def test_unknown_name_lists_close_matches(table):
    with pytest.raises(RuleError, match=r"unknown name 'povrety_2018' \(did you mean "
                                        r"'poverty_2018'"):
        evaluate_rule(table, "povrety_2018 > 40")
    with pytest.raises(RuleError, match=r"unknown names 'bar'; 'foo' in rule 'foo or bar'"):
        parse_rule("foo or bar", names=["vraem"])


def test_names_collected():
    assert Rule("10 <= poverty_2018 < 40 and not (vraem or border)").names == [
        "border", "poverty_2018", "vraem"]


def test_rule_matches_pandas_filter(table):
    res = evaluate_rule(table, "poverty_2018 >= 40 and (vraem or border)")
    expected = (table["poverty_2018"] >= 40) & (table["vraem"] | table["border"])
    assert res.eligible.tolist() == expected.tolist()
    assert int(res.eligible.sum()) == int(expected.sum()) > 0


def test_chained_arithmetic_and_membership_match_pandas(table):
    rule = "10 <= poverty_2018 < 40 and no_water_2017 + no_sewer_2017 > 100"
    res = evaluate_rule(table, rule)
    p = table["poverty_2018"]
    gaps = table["no_water_2017"] + table["no_sewer_2017"]
    expected = (p >= 10) & (p < 40) & (gaps > 100)
    assert res.eligible.tolist() == expected.tolist()
    # texts ignore case and accents: 'Ancash' finds ÁNCASH
    res = evaluate_rule(table, "department in ['Ayacucho', 'ancash'] and not border")
    expected = table["department"].isin(["AYACUCHO", "ÁNCASH"]) & ~table["border"]
    assert res.eligible.tolist() == expected.tolist()
    res = evaluate_rule(table, "ubigeo not in ['050410', '010101']")
    assert int(res.eligible.sum()) == 1872


def test_missing_values_are_unknown_not_eligible(table):
    nan = table["stunting_u5_2019"].isna()
    res = evaluate_rule(table, "stunting_u5_2019 > 20")
    assert int(res.unknown.sum()) == 9
    assert res.unknown.tolist() == nan.tolist()
    assert not res.eligible[nan].any()
    assert res.reasons[nan].str.startswith("sin dato: stunting_u5_2019 sin dato").all()
    # 'not' over a missing value stays unknown (three-valued logic), not True
    neg = evaluate_rule(table, "not stunting_u5_2019 > 20")
    assert not neg.eligible[nan].any()
    expected = (table["stunting_u5_2019"] <= 20) & ~nan
    assert neg.eligible.tolist() == expected.tolist()
    # False and unknown is False, True or unknown is True
    both = evaluate_rule(table, "stunting_u5_2019 > 20 or poverty_2018 >= 0")
    assert both.eligible.all()


def test_reasons_with_catalog_labels(table, cat):
    res = evaluate_rule(table, "poverty_2018 >= 40 and (vraem or border)", catalog=cat)
    i = table.index[table["ubigeo"] == "050410"][0]  # Uchuraccay, VRAEM, 81.3%
    assert res.reasons[i] == "cumple: Pobreza monetaria 2018 81,3 ≥ 40; en VRAEM"
    j = table.index[table["ubigeo"] == "010101"][0]  # Chachapoyas, 9.05%
    # both sides of the 'and' fail, and both are said
    assert res.reasons[j] == (
        "no cumple: Pobreza monetaria 2018 9,05 < 40; fuera del VRAEM; fuera de zona de frontera"
    )
    en = evaluate_rule(table, "poverty_2018 >= 40 and vraem", catalog=cat, lang="en")
    assert en.reasons[i] == "meets: Monetary poverty 2018 81.3 ≥ 40; in the VRAEM"


def test_reasons_write_numbers_as_the_language_does(table, cat):
    # Spanish: decimal comma and a space between thousands (INEI); English: 1,234.5
    res = evaluate_rule(table, "pop_2017 > 100000 and poverty_2018 in [9.05, 12.5]",
                        catalog=cat)
    j = table.index[table["ubigeo"] == "010101"][0]  # Chachapoyas: 35,868 people, 9.05%
    assert res.reasons[j] == ("no cumple: Población 2017 35\u00a0868 ≤ 100\u00a0000")
    en = evaluate_rule(table, "pop_2017 < 100000 and poverty_2018 in [9.05, 12.5]",
                       catalog=cat, lang="en")
    assert en.reasons[j] == ("meets: Population 2017 35,868 < 100,000; "
                             "Monetary poverty 2018 9.05 in [9.05, 12.5]")
    es = evaluate_rule(table, "poverty_2018 in [9.05, 12.5]", catalog=cat)
    assert es.reasons[j] == "cumple: Pobreza monetaria 2018 9,05 en [9,05; 12,5]"


def test_derived_columns_read_as_words_with_a_catalog(table, cat):
    from geoprio.engine.derived import add_derived

    frame = add_derived(table, ["poverty_quintile_2018"])
    res = evaluate_rule(frame, "poverty_quintile_2018 <= 2", catalog=cat)
    i = frame.index[frame["ubigeo"] == "050410"][0]  # Uchuraccay, 81.3%: quintile 1
    assert res.reasons[i] == "cumple: quintil de pobreza 2018 1 ≤ 2"
    assert evaluate_rule(frame, "poverty_quintile_2018 <= 2").reasons[i] == (
        "cumple: poverty_quintile_2018 1 ≤ 2")  # no catalog: the id, as before


def test_reasons_without_catalog_use_ids(table):
    res = evaluate_rule(table, "poverty_2018 >= 80 or border")
    i = table.index[table["ubigeo"] == "060308"][0]  # Oxamarca 81.0%, not border
    assert res.reasons[i] == "cumple: poverty_2018 81 ≥ 80"
    j = table.index[table["ubigeo"] == "010101"][0]
    assert res.reasons[j] == "no cumple: poverty_2018 9,05 < 80; fuera de zona de frontera"


def test_type_errors_say_what_to_do(table):
    with pytest.raises(RuleError, match="put codes in quotes"):
        evaluate_rule(table, "ubigeo == 50410")
    with pytest.raises(RuleError, match="'poverty_2018' is a number, not a yes/no flag"):
        evaluate_rule(table, "poverty_2018 and vraem")
    with pytest.raises(RuleError, match="texts can only be compared with ==, != or in"):
        evaluate_rule(table, "department > 'A'")


def test_empty_rule_everyone_eligible():
    f = pd.DataFrame({"x": [1.0, np.nan]})
    res = evaluate_rule(f, "")
    assert res.eligible.tolist() == [True, True]
    assert res.reasons.tolist() == ["sin regla: todos elegibles"] * 2


def test_division_by_zero_is_unknown():
    f = pd.DataFrame({"a": [1.0, 1.0], "b": [0.0, 2.0]})
    res = evaluate_rule(f, "a / b < 1")
    assert res.unknown.tolist() == [True, False]
    assert res.eligible.tolist() == [False, True]
    assert res.reasons.tolist()[1] == "cumple: (a / b) 0,5 < 1"
    en = evaluate_rule(f, "a / b < 1", lang="en")
    assert en.reasons.tolist()[1] == "meets: (a / b) 0.5 < 1"


def test_long_rule_refused():
    with pytest.raises(RuleError, match="the limit is 2000"):
        Rule("vraem or " * 300 + "vraem")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("poverty_2018 > 9e9999", "number inf in rule .* is too large for a rule"),
        ("poverty_2018 > 1" + "0" * 400, r"number 10{19}… in rule .* too large"),
        ("poverty_2018 in [1, -9e9999]", "number inf in rule .* too large"),
        ("poverty_2018 > 10 / 0", "has no finite result"),
        ("poverty_2018 > 9e307 * 10 - 9e307 * 10", "has no finite result"),
        ("department in ['A', -'B']", "a list item that is not a number or a text"),
        ("-department == 'A'", "a sign before a text"),
        ("-vraem > 0", "a sign before a flag"),
        ("not " * 400 + "vraem", "nested more than 60 levels"),
        ("-" * 1500 + "poverty_2018 > 1", "nested more than 60 levels|simplify"),
        ("(" * 300 + "vraem" + ")" * 300, "simplify|nested|parenthes"),
    ],
)
def test_hostile_literals_and_nesting_give_one_rule_error(table, text, message):
    with pytest.raises(RuleError, match=message) as caught:
        evaluate_rule(table, text)
    assert len(str(caught.value)) < 400  # one short line, not the whole rule


def test_rule_holds_over_draws_equals_evaluate_on_each_draw(table):
    rule = Rule("poverty_2018 >= 40 and not border or vraem and 10 <= no_water_2017 < 90")
    rng = np.random.default_rng(2)
    drawn = table["poverty_2018"].to_numpy() + rng.normal(0, 8, size=(5, len(table)))
    together = rule.holds(table, {"poverty_2018": drawn})
    assert together.shape == (5, len(table))
    for d in range(5):
        alone = evaluate_rule(table.assign(poverty_2018=drawn[d]), rule).eligible
        assert together[d].tolist() == alone.tolist()


@pytest.mark.parametrize(("rule", "en", "es"), [
    ("poverty_2018 = 40", "at column 14", "error en la columna 14: sintaxis no válida "
                                          "(para comparar use ==, no =)"),
    ("poverty_2018 >= 40 and", "at column 22", "la regla termina antes de tiempo"),
    ("(poverty_2018 >= 40", "'(' was never closed", "un paréntesis «(» no se cierra"),
    ("vraem or len(x)", "function call at column 10", "una llamada a función en la columna 10"),
    ("poverty_2018 ** 2 > 1", "power operator **", "la potencia **"),
    ("x" * 5000, "characters long", "la regla tiene 5000 caracteres"),
])
def test_rule_errors_speak_spanish_with_the_position(rule, en, es):
    with pytest.raises(RuleError) as info:
        Rule(rule)
    assert en in str(info.value)
    assert es in info.value.text("es")


def test_evaluation_errors_speak_spanish_too(table):
    with pytest.raises(RuleError) as info:
        Rule("poverty_2018 == 'alto'").evaluate(table)
    assert "no se puede comparar un texto con un número" in info.value.text("es")
    assert "en la columna 1" in info.value.text("es")
    with pytest.raises(RuleError) as info:
        Rule("poverty_2108 > 40").check_names(table.columns)
    assert info.value.text("es").startswith("nombre desconocido «poverty_2108» (¿quiso decir "
                                            "«poverty_2018»")
# ---------------------------------------------------- issue 20: mutants the suite let through
def _three(text: str, frame: pd.DataFrame) -> list:
    res = evaluate_rule(frame, text)
    return ["U" if u else ("T" if e else "F") for e, u in
            zip(res.eligible.tolist(), res.unknown.tolist(), strict=True)]


def test_a_missing_value_on_either_side_is_unknown():
    f = pd.DataFrame({"ubigeo": ["1", "2", "3", "4"], "x": [5.0, None, 5.0, None],
                      "y": [3.0, 3.0, None, None]})
    for text in ("x > y", "y < x", "x >= y", "x != y", "x == y", "x + 1 > y"):
        states = _three(text, f)
        assert states[1:] == ["U", "U", "U"], text
    assert _three("x > y", f)[0] == "T" and _three("x == y", f)[0] == "F"
    # a constant on one side: only the column can be missing
    assert _three("5 <= x", f) == ["T", "U", "T", "U"]


def test_membership_with_a_missing_value_is_unknown():
    f = pd.DataFrame({"ubigeo": ["1", "2", "3"], "department": ["LIMA", None, "Cusco"],
                      "q": [1.0, None, 3.0]})
    assert _three("department in ['Lima', 'PUNO']", f) == ["T", "U", "F"]
    assert _three("department not in ['Lima', 'PUNO']", f) == ["F", "U", "T"]
    assert _three("q in [1, 2]", f) == ["T", "U", "F"]
    assert _three("q not in [1, 2]", f) == ["F", "U", "T"]
    res = evaluate_rule(f, "q not in [1, 2]")
    assert res.reasons.tolist() == ["no cumple: q 1 en [1; 2]", "sin dato: q sin dato",
                                    "cumple: q 3 no en [1; 2]"]


@pytest.mark.parametrize(("op", "values", "reasons"), [
    ("<", [5.0, 20.0], ["cumple: x 5 < 10", "no cumple: x 20 ≥ 10"]),
    ("<=", [5.0, 20.0], ["cumple: x 5 ≤ 10", "no cumple: x 20 > 10"]),
    (">", [5.0, 20.0], ["no cumple: x 5 ≤ 10", "cumple: x 20 > 10"]),
    (">=", [5.0, 20.0], ["no cumple: x 5 < 10", "cumple: x 20 ≥ 10"]),
    ("==", [10.0, 20.0], ["cumple: x 10 = 10", "no cumple: x 20 ≠ 10"]),
    ("!=", [10.0, 20.0], ["no cumple: x 10 = 10", "cumple: x 20 ≠ 10"]),
])
def test_reasons_write_the_symbol_that_holds(op, values, reasons):
    # issue 20: a failing comparison shows the negated symbol ("20 ≥ 10" for "x < 10")
    f = pd.DataFrame({"ubigeo": ["1", "2"], "x": values})
    assert evaluate_rule(f, f"x {op} 10").reasons.tolist() == reasons


TAIL = ("; rules allow only column ids, numbers, text in quotes, True/False, comparisons "
        "(< <= > >= == != in), and/or/not, + - * / and parentheses")


@pytest.mark.parametrize(("rule", "what", "col", "segment"), [
    ("x ** 2 > 1", "power operator **", 1, "x ** 2"),
    ("x // 2 > 1", "floor division //", 1, "x // 2"),
    ("x % 2 > 1", "modulo %", 1, "x % 2"),
    ("x > 1 & vraem", "operator & (use 'and')", 5, "1 & vraem"),
    ("x > 1 | vraem", "operator | (use 'or')", 5, "1 | vraem"),
    ("x ^ 2 > 1", "operator ^", 1, "x ^ 2"),
    ("x << 2 > 1", "operator <<", 1, "x << 2"),
    ("x >> 2 > 1", "operator >>", 1, "x >> 2"),
    ("x @ x > 1", "operator @", 1, "x @ x"),
    ("~vraem", "operator ~ (use 'not')", 1, "~vraem"),
    ("x > 1 if vraem else x < 1", "conditional expression (x if c else y)", 1,
     "x > 1 if vraem else x < 1"),
    ("x > {1}", "set literal", 5, "{1}"),
    ("x > b'1'", "constant of type bytes", 5, "b'1'"),
])
def test_forbidden_syntax_is_named_with_its_place(rule, what, col, segment):
    with pytest.raises(RuleError) as err:
        parse_rule(rule)
    assert str(err.value) == f"forbidden in rule: {what} at column {col}: `{segment}`{TAIL}"


@pytest.mark.parametrize(("rule", "message"), [
    ("x in [1, 'a']", "a list mixes texts and numbers"),
    ("x + department > 1", "arithmetic on text"),
    ("x + 1", "expected a condition (a comparison, a yes/no column, and/or/not) at column 1: "
              "`x + 1` in rule 'x + 1'"),
    ("x", "column 'x' is a number, not a yes/no flag; compare it (e.g. x >= 40 or x == 'X')"),
    ("vraem > (x > 1)", "expected a value"),
])
def test_meaningless_rules_are_refused(rule, message):
    f = pd.DataFrame({"ubigeo": ["1"], "x": [1.0], "department": ["LIMA"], "vraem": [True]})
    with pytest.raises(RuleError, match=re.escape(message)):
        evaluate_rule(f, rule)


def test_results_keep_the_frames_index_and_names():
    f = pd.DataFrame({"ubigeo": ["1", "2"], "x": [5.0, np.nan]}, index=[30, 10])
    for rule in ("x > 1", "", "True", "False"):
        res = evaluate_rule(f, rule)
        for s, name in ((res.eligible, "eligible"), (res.unknown, "unknown"),
                        (res.reasons, "reasons")):
            assert s.index.tolist() == [30, 10] and s.name == name, rule
    assert evaluate_rule(f, "").eligible.tolist() == [True, True]
    assert evaluate_rule(f, "").unknown.tolist() == [False, False]
    assert evaluate_rule(f, "True").reasons.tolist() == ["cumple: siempre"] * 2
    assert evaluate_rule(f, "False").reasons.tolist() == ["no cumple: nunca"] * 2
    assert evaluate_rule(f, "False", lang="en").reasons.tolist() == ["fails: never"] * 2


def test_text_comparisons_with_a_gap_on_either_side_are_unknown():
    f = pd.DataFrame({"ubigeo": list("abcd"), "department": ["Lima", None, "Cusco", None],
                      "province": ["LIMA", "LIMA", None, None]})
    assert _three("department == 'LIMA'", f) == ["T", "U", "F", "U"]
    assert _three("department != 'lima'", f) == ["F", "U", "T", "U"]
    assert _three("department == province", f) == ["T", "U", "U", "U"]
    assert _three("province != department", f) == ["F", "U", "U", "U"]
    res = evaluate_rule(f, "department == province")
    assert res.reasons.tolist()[:2] == ["cumple: department Lima = province LIMA",
                                        "sin dato: department / province sin dato"]


def test_numbers_in_reasons_as_each_language_writes_them():
    f = pd.DataFrame({"ubigeo": list("abcd"), "x": [1234.5, 0.004, 52.7, -3.0]})
    es = evaluate_rule(f, "x > -10000").reasons.tolist()
    assert es == ["cumple: x 1\u00a0234,5 > -10\u00a0000", "cumple: x 0,004 > -10\u00a0000",
                  "cumple: x 52,7 > -10\u00a0000", "cumple: x -3 > -10\u00a0000"]
    en = evaluate_rule(f, "x > -10000", lang="en").reasons.tolist()
    assert en[0] == "meets: x 1,234.5 > -10,000" and en[1] == "meets: x 0.004 > -10,000"
    # arithmetic reads its result and its constants
    assert evaluate_rule(f, "x * 2 - 1 >= 2468").reasons.tolist()[0].startswith("cumple: ")
    assert evaluate_rule(f, "-x < 0").eligible.tolist() == [True, True, True, False]
    assert evaluate_rule(f, "+x > 0").eligible.tolist() == [True, True, True, False]
