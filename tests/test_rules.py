"""Tests of geoprio.engine.rules: safety, names, vectorised verdicts, reasons, missing values."""

from __future__ import annotations

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
