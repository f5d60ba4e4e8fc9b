"""Safe eligibility rules over district columns, with a verdict and reasons per district.

A rule is a small expression over column ids, e.g.
``poverty_2018 >= 40 and (vraem or border)``. It is parsed with :func:`ast.parse` (which
only builds a syntax tree, it executes nothing) and every node is checked against a strict
whitelist; the text is never passed to ``eval`` or ``compile``. Allowed:

- column ids (``poverty_2018``), numbers, text in quotes, ``True`` / ``False``;
- comparisons ``< <= > >= == !=``, chained (``10 <= poverty_2018 < 40``);
- ``in [..]`` / ``not in [..]`` with a list of numbers or texts (codes, departments);
- ``and``, ``or``, ``not``, parentheses, arithmetic ``+ - * /``.

Anything else (calls, attribute access, subscripts, lambdas, comprehensions, ``**``,
``&``, names starting with ``_``...) raises :class:`~geoprio.errors.RuleError` naming what
is forbidden and at which column. Unknown names raise ``RuleError`` with close matches.

Text comparisons ignore case and accents (``"Huánuco" == "HUANUCO"``).

Missing values: the rule is evaluated in three-valued (Kleene) logic. A comparison
involving a missing value is *unknown*; ``x and unknown`` is unknown unless ``x`` is
False, ``x or unknown`` is unknown unless ``x`` is True. A district whose final verdict
is unknown is **not eligible** (as a comparison with a missing value is False) and its
reason says "sin dato" ("no data"), so that it never looks like a real "no".

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"ubigeo": ["1", "2", "3"], "poverty_2018": [52.7, 20.0, None],
...                   "vraem": [True, False, True], "border": [False, True, False]})
>>> res = evaluate_rule(f, "poverty_2018 >= 40 and (vraem or border)")
>>> res.eligible.tolist()
[True, False, False]
>>> res.reasons.tolist()
['cumple: poverty_2018 52,7 ≥ 40; en VRAEM', 'no cumple: poverty_2018 20 < 40', \
'sin dato: poverty_2018 sin dato']
"""

from __future__ import annotations

import ast
import difflib
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geoprio.engine.texts import DERIVED_LABELS, FLAG_PHRASES
from geoprio.engine.texts import RULE_ALLOWED_ES as _ALLOWED_ES
from geoprio.engine.texts import RULE_OPS_TEXT as _OPS_TEXT
from geoprio.engine.texts import RULE_SYNTAX_ES as _SYNTAX_ES
from geoprio.engine.texts import RULE_WHAT_ES as _WHAT_ES
from geoprio.engine.texts import RULE_WORDS as _WORDS
from geoprio.errors import RuleError
from geoprio.fmt import DECIMAL, THOUSANDS

logger = logging.getLogger(__name__)

__all__ = ["Rule", "RuleResult", "evaluate_rule", "parse_rule"]

MAX_RULE_LENGTH = 2000
#: deepest nesting of a rule's syntax tree (a real rule needs fewer than 20 levels)
MAX_RULE_DEPTH = 60

# three-valued truth: F < U < T, so "and" is min, "or" is max, "not" is 2 - x
_F, _U, _T = 0, 1, 2

_FORBIDDEN: dict[type, str] = {
    ast.Call: "function call",
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript (indexing)",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension",
    ast.NamedExpr: "assignment expression (:=)",
    ast.IfExp: "conditional expression (x if c else y)",
    ast.Dict: "dict literal",
    ast.Set: "set literal",
    ast.Starred: "starred expression",
    ast.JoinedStr: "f-string",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "slice",
}
_ARITH = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}
_CMP_SYMBOL = {
    ast.Lt: "<", ast.LtE: "≤", ast.Gt: ">", ast.GtE: "≥", ast.Eq: "=", ast.NotEq: "≠",
}
_CMP_NEGATED = {
    ast.Lt: "≥", ast.LtE: ">", ast.Gt: "≤", ast.GtE: "<", ast.Eq: "≠", ast.NotEq: "=",
}
_CMP_FUNC = {
    ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater,
    ast.GtE: np.greater_equal, ast.Eq: np.equal, ast.NotEq: np.not_equal,
}


def _fold(text: object) -> object:
    """Case- and accent-insensitive form of a text (None stays None)."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    norm = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in norm if not unicodedata.combining(c)).casefold().strip()


def _fmt(v: object, lang: str | None = None) -> str:
    """A number as a reason shows it: at most 2 decimals, in ``lang``'s convention
    (:mod:`geoprio.fmt`; ``None``: plain, as in a rule's text)."""
    if isinstance(v, str):
        return v
    x = float(v)  # type: ignore[arg-type]
    if x == int(x) and abs(x) < 1e15:
        text = f"{int(x):,}"
    else:
        text = f"{x:,.2f}".rstrip("0").rstrip(".") if abs(x) >= 0.01 else f"{x:.3g}"
    if lang is None:
        return text.replace(",", "")
    return text.translate({ord(","): THOUSANDS[lang], ord("."): DECIMAL[lang]})


class Rule:
    """A parsed, checked eligibility rule.

    Parameters
    ----------
    text : str
        The rule, e.g. ``"poverty_2018 >= 40 and (vraem or border)"``. An empty text
        means "every district is eligible".

    Attributes
    ----------
    text : str
    names : list of str
        Column ids the rule uses, sorted.

    Examples
    --------
    >>> Rule("poverty_2018 >= 40 and not vraem").names
    ['poverty_2018', 'vraem']
    >>> Rule("__import__('os')")
    Traceback (most recent call last):
    ...
    geoprio.errors.RuleError: forbidden in rule: function call at column 1: `__import__('os')`; \
rules allow only column ids, numbers, text in quotes, True/False, comparisons \
(< <= > >= == != in), and/or/not, + - * / and parentheses
    """

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"rule must be a str; got {type(text).__name__}")
        if len(text) > MAX_RULE_LENGTH:
            raise RuleError(f"rule is {len(text)} characters long; the limit is {MAX_RULE_LENGTH}",
                            es=f"la regla tiene {len(text)} caracteres; el máximo es "
                               f"{MAX_RULE_LENGTH}")
        self.text = text.strip()
        self._tree: ast.Expression | None = None
        if self.text:
            try:
                tree = ast.parse(self.text, mode="eval")
            except SyntaxError as exc:
                raise _syntax_error(self.text, exc) from None
            except (RecursionError, MemoryError, ValueError) as exc:
                raise RuleError(f"rule cannot be parsed ({type(exc).__name__}); simplify it: "
                                "fewer nested parentheses, signs or 'not'",
                                es="la regla no se puede leer: simplifíquela (menos paréntesis "
                                   "anidados, signos o 'not')") from None
            _check_depth(tree, self.text)
            self._check(tree)
            self._tree = tree
        self.names = sorted(
            {n.id for n in ast.walk(self._tree) if isinstance(n, ast.Name)} if self._tree else set()
        )

    def __repr__(self) -> str:
        return f"Rule({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rule) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    # ------------------------------------------------------------------ checking
    def _forbid(self, node: ast.AST, what: str) -> RuleError:
        segment = ast.get_source_segment(self.text, node) or ""
        col = getattr(node, "col_offset", 0) + 1
        return RuleError(
            f"forbidden in rule: {what} at column {col}: `{_clip(segment)}`; rules allow only "
            "column ids, numbers, text in quotes, True/False, comparisons "
            "(< <= > >= == != in), and/or/not, + - * / and parentheses",
            es=f"no permitido en la regla: {_WHAT_ES.get(what, what)} en la columna {col}: "
               f"«{_clip(segment)}»; {_ALLOWED_ES}",
        )

    def _check(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            kind = type(node)
            if kind in _FORBIDDEN:
                raise self._forbid(node, _FORBIDDEN[kind])
            if isinstance(node, ast.BinOp) and type(node.op) not in _ARITH:
                raise self._forbid(node, _OPS_TEXT.get(type(node.op), "operator"))
            if isinstance(node, ast.UnaryOp) and type(node.op) not in (ast.Not, ast.USub, ast.UAdd):
                raise self._forbid(node, _OPS_TEXT.get(type(node.op), "operator"))
            if isinstance(node, ast.Compare):
                for op, right in zip(node.ops, node.comparators, strict=True):
                    if isinstance(op, (ast.Is, ast.IsNot)):
                        raise self._forbid(node, _OPS_TEXT[type(op)])
                    if isinstance(op, (ast.In, ast.NotIn)) and not isinstance(
                        right, (ast.List, ast.Tuple)
                    ):
                        raise self._forbid(right, "'in' without a [list] on its right")
            if isinstance(node, (ast.List, ast.Tuple)):
                for elt in node.elts:
                    ok = isinstance(elt, ast.Constant) or (
                        isinstance(elt, ast.UnaryOp)
                        and isinstance(elt.op, ast.USub)
                        and isinstance(elt.operand, ast.Constant)
                        and isinstance(elt.operand.value, (int, float))
                        and not isinstance(elt.operand.value, bool)
                    )
                    if not ok:
                        raise self._forbid(elt, "a list item that is not a number or a text")
            if isinstance(node, ast.Name) and node.id.startswith("_"):
                raise self._forbid(node, f"name {node.id!r} (names may not start with '_')")
            if isinstance(node, ast.Constant) and not isinstance(
                node.value, (bool, int, float, str)
            ):
                raise self._forbid(node, f"constant of type {type(node.value).__name__}")
            if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and (
                not isinstance(node.value, bool)
            ):
                _number(node.value, self.text)
            allowed = (
                ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub,
                ast.UAdd, ast.Compare, ast.BinOp, ast.Name, ast.Constant, ast.List, ast.Tuple,
                ast.Load, ast.In, ast.NotIn, *_ARITH, *_CMP_SYMBOL,
            )
            if not isinstance(node, allowed):
                raise self._forbid(node, f"syntax {kind.__name__}")

    def check_names(self, available: Iterable[str], *, source: str = "the districts") -> None:
        """Raise :class:`RuleError` if the rule uses names not in ``available``.

        Examples
        --------
        >>> Rule("poverty_2108 > 40").check_names(["poverty_2018", "vraem"])
        Traceback (most recent call last):
        ...
        geoprio.errors.RuleError: unknown name 'poverty_2108' (did you mean 'poverty_2018'?) \
in rule 'poverty_2108 > 40'; names come from the districts
        """
        avail = list(dict.fromkeys(str(a) for a in available))  # once each, for suggestions
        known = set(avail)
        unknown = [n for n in self.names if n not in known]
        if not unknown:
            return
        parts, partes = [], []
        for n in unknown[:5]:  # only five are named: difflib costs time for each
            close = difflib.get_close_matches(n, avail, n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            pista = f" (¿quiso decir {', '.join(f'«{c}»' for c in close)}?)" if close else ""
            parts.append(f"{n!r}{hint}")
            partes.append(f"«{n}»{pista}")
        more = len(unknown) - len(parts)
        if more:
            parts.append(f"and {more} more")
            partes.append(f"y {more} más")
        noun = "name" if len(unknown) == 1 else "names"
        nombre = "nombre desconocido" if len(unknown) == 1 else "nombres desconocidos"
        raise RuleError(
            f"unknown {noun} {'; '.join(parts)} in rule {_clip(self.text)!r}; names come "
            f"from {source}",
            es=f"{nombre} {'; '.join(partes)} en la regla «{_clip(self.text)}»; los nombres "
               "son los id del catálogo (página Datos) o de los indicadores subidos",
        )

    # ---------------------------------------------------------------- evaluation
    def evaluate(
        self, frame: pd.DataFrame, *, catalog: pd.DataFrame | None = None, lang: str = "es"
    ) -> RuleResult:
        """Evaluate the rule for every row of ``frame`` (see :func:`evaluate_rule`)."""
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"frame must be a pandas DataFrame; got {type(frame).__name__}")
        if lang not in _WORDS:
            raise RuleError(f"lang must be one of {list(_WORDS)}; got {lang!r}")
        n = len(frame)
        words = _WORDS[lang]
        if self._tree is None:
            text = "sin regla: todos elegibles" if lang == "es" else "no rule: all eligible"
            return RuleResult(
                eligible=pd.Series(np.ones(n, dtype=bool), index=frame.index, name="eligible"),
                unknown=pd.Series(np.zeros(n, dtype=bool), index=frame.index, name="unknown"),
                reasons=pd.Series([text] * n, index=frame.index, name="reasons", dtype=object),
                rule="",
            )
        self.check_names(frame.columns, source="the districts frame's columns")
        state, why = self._run(_Evaluator(frame, catalog, lang, self.text))
        prefix = np.array([words["F"], words["U"], words["T"]], dtype=object)[state]
        reasons = [f"{p}: {w}" if w else p for p, w in zip(prefix, why, strict=True)]
        return RuleResult(
            eligible=pd.Series(state == _T, index=frame.index, name="eligible"),
            unknown=pd.Series(state == _U, index=frame.index, name="unknown"),
            reasons=pd.Series(reasons, index=frame.index, name="reasons", dtype=object),
            rule=self.text,
        )

    def holds(self, frame: pd.DataFrame, values: Mapping[str, np.ndarray] | None = None
              ) -> np.ndarray:
        """Where the rule holds (True), vectorised over Monte Carlo draws; no reasons.

        Parameters
        ----------
        frame : pandas.DataFrame
            The districts (columns the rule names).
        values : mapping, optional
            Column id -> values of shape ``(n,)`` or ``(draws, n)`` that replace the frame's
            column (drawn indicators and the columns derived from them).

        Returns
        -------
        numpy.ndarray of bool
            ``(n,)``, or ``(draws, n)`` when any replaced column has draws; unknown (missing
            data) counts as not holding, exactly as in :meth:`evaluate`.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> f = pd.DataFrame({"p": [50.0, 30.0], "vraem": [False, True]})
        >>> Rule("p >= 40 or vraem").holds(f, {"p": np.array([[41.0, 20.0], [39.0, 60.0]])})
        array([[ True,  True],
               [False,  True]])
        """
        n = len(frame)
        if self._tree is None:
            shapes = [np.shape(v) for v in (values or {}).values()]
            shape = max(shapes, key=len) if shapes else (n,)
            return np.ones(shape if len(shape) == 2 else (n,), dtype=bool)
        self.check_names([*frame.columns, *(values or {})],
                         source="the districts frame's columns")
        state, _ = self._run(_Evaluator(frame, None, "es", self.text, values=values,
                                        explain=False))
        return np.asarray(state == _T)

    def _run(self, ev: _Evaluator) -> tuple[np.ndarray, Any]:
        try:
            return ev.truth(self._tree.body)  # type: ignore[union-attr]
        except RecursionError:
            raise RuleError(f"rule is nested too deeply to evaluate; simplify it "
                            f"(rule starts {self.text[:60]!r})") from None


@dataclass
class RuleResult:
    """Verdicts of a rule.

    Attributes
    ----------
    eligible : pandas.Series of bool
        True where the rule holds; False where it fails or is unknown (missing data).
    unknown : pandas.Series of bool
        True where missing data left the verdict unknown.
    reasons : pandas.Series of str
        Human reasons, e.g. ``"cumple: poverty_2018 52.7 ≥ 40; en VRAEM"``.
    rule : str
    """

    eligible: pd.Series
    unknown: pd.Series
    reasons: pd.Series
    rule: str

    def __repr__(self) -> str:
        return (
            f"RuleResult({self.rule!r}: {int(self.eligible.sum())} eligible, "
            f"{int(self.unknown.sum())} unknown, of {len(self.eligible)})"
        )


@dataclass
class _Term:
    kind: str  # "num", "str", "bool"
    values: np.ndarray  # float for num/bool (1.0/0.0/NaN), object (folded) for str
    desc: np.ndarray | None  # display per row (None when not explaining)
    label: str
    is_const: bool = False


def _reduce(func: Any, arrays: list[np.ndarray]) -> np.ndarray:
    """Element-wise min/max over arrays that may be ``(n,)`` or ``(draws, n)``."""
    out = arrays[0]
    for a in arrays[1:]:
        out = func(out, a)
    return out


class _Evaluator:
    """Evaluates a checked rule tree over a frame.

    ``values`` replaces columns by arrays of shape ``(n,)`` or ``(draws, n)`` (drawn values
    in the Monte Carlo); verdicts then broadcast to ``(draws, n)``. Reasons are built only
    when ``explain`` is True (they need one value per district, not per draw).
    """

    def __init__(self, frame: pd.DataFrame, catalog: pd.DataFrame | None, lang: str, text: str,
                 *, values: Mapping[str, np.ndarray] | None = None, explain: bool = True):
        self.frame = frame
        self.n = len(frame)
        self.lang = lang
        self.w = _WORDS[lang]
        self.text = text
        self.values = dict(values or {})
        self.explain = explain
        self.labels: dict[str, str] = {}
        col = "label_es" if lang == "es" else "label_en"
        if catalog is not None and "id" in catalog and col in catalog:
            # columns geoprio derives (not in the catalog) read as words too
            self.labels = {k: v[lang] for k, v in DERIVED_LABELS.items()}
            self.labels.update({
                str(i): str(lab)
                for i, lab in zip(catalog["id"], catalog[col], strict=True)
                if not pd.isna(lab)
            })

    def _err(self, node: ast.AST, msg: str, es: str | None = None) -> RuleError:
        segment = ast.get_source_segment(self.text, node) or ""
        col = node.col_offset + 1
        return RuleError(f"{msg} at column {col}: `{segment}` in rule {self.text!r}",
                         es=f"{es or msg} en la columna {col}: «{segment}» de la regla "
                            f"«{_clip(self.text)}»")

    # ---- boolean nodes -> (state int8 array, why object array or None)
    def truth(self, node: ast.AST) -> tuple[np.ndarray, np.ndarray | None]:
        if isinstance(node, ast.BoolOp):
            parts = [self.truth(v) for v in node.values]
            is_and = isinstance(node.op, ast.And)
            state = _reduce(np.minimum if is_and else np.maximum, [p[0] for p in parts])
            if not self.explain:
                return state.astype(np.int8), None
            states = np.vstack([p[0] for p in parts])
            whys = [p[1] for p in parts]
            keep_all = _T if is_and else _F
            why = np.empty(self.n, dtype=object)
            for i in range(self.n):
                s = state[i]
                why[i] = "; ".join(
                    w[i] for w, st in zip(whys, states[:, i], strict=True)
                    if (s == keep_all or st == s) and w[i]
                )
            return state.astype(np.int8), why
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            state, why = self.truth(node.operand)
            return (2 - state).astype(np.int8), why
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            s = _T if node.value else _F
            word = self.w["always"] if node.value else self.w["never"]
            why = np.full(self.n, word, dtype=object) if self.explain else None
            return np.full(self.n, s, dtype=np.int8), why
        if isinstance(node, ast.Name):
            term = self.term(node)
            if term.kind != "bool":
                kind = "a number" if term.kind == "num" else "a text"
                clase = "un número" if term.kind == "num" else "un texto"
                raise self._err(
                    node,
                    f"column {node.id!r} is {kind}, not a yes/no flag; compare it "
                    f"(e.g. {node.id} >= 40 or {node.id} == 'X')",
                    f"la columna «{node.id}» es {clase}, no un sí/no; compárela (p. ej. "
                    f"{node.id} >= 40 o {node.id} == 'X')",
                )
            v = term.values
            state = np.where(np.isnan(v), _U, np.where(v > 0, _T, _F)).astype(np.int8)
            if not self.explain:
                return state, None
            yes, no = self._flag_phrases(node.id)
            nd = f"{self._label(node.id)} {self.w['no_data']}"
            why = np.where(state == _T, yes, np.where(state == _F, no, nd)).astype(object)
            return state, why
        raise self._err(node, "expected a condition (a comparison, a yes/no column, and/or/not)",
                        "se esperaba una condición (una comparación, una columna sí/no, "
                        "and/or/not)")

    def _flag_phrases(self, name: str) -> tuple[str, str]:
        if name in FLAG_PHRASES:
            return FLAG_PHRASES[name][self.lang]
        label = self._label(name)
        return f"{label}: {self.w['yes']}", f"{label}: {self.w['no']}"

    def _label(self, name: str) -> str:
        return self.labels.get(name, name)

    def compare(self, node: ast.Compare) -> tuple[np.ndarray, np.ndarray | None]:
        left = self.term(node.left)
        states, whys = [], []
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, (ast.In, ast.NotIn)):
                st, wh = self._membership(left, op, right_node)
                right = None
            else:
                right = self.term(right_node)
                st, wh = self._binary(left, op, right, node)
            states.append(st)
            whys.append(wh)
            if right is not None:
                left = right
        if len(states) == 1:
            return states[0], whys[0]
        state = _reduce(np.minimum, states)
        if not self.explain:
            return state.astype(np.int8), None
        stack = np.vstack(states)
        why = np.empty(self.n, dtype=object)
        for i in range(self.n):
            s = state[i]
            why[i] = "; ".join(
                w[i] for w, st in zip(whys, stack[:, i], strict=True) if s == _T or st == s
            )
        return state.astype(np.int8), why

    def _binary(
        self, left: _Term, op: ast.cmpop, right: _Term, node: ast.AST
    ) -> tuple[np.ndarray, np.ndarray | None]:
        kinds = {left.kind, right.kind}
        if "str" in kinds:
            if kinds != {"str"}:
                raise self._err(
                    node,
                    f"cannot compare text with a number ({left.label} vs {right.label}); "
                    "put codes in quotes, e.g. ubigeo == '050101'",
                    f"no se puede comparar un texto con un número ({left.label} con "
                    f"{right.label}); ponga los códigos entre comillas, p. ej. "
                    "ubigeo == '050101'",
                )
            if not isinstance(op, (ast.Eq, ast.NotEq)):
                raise self._err(node, "texts can only be compared with ==, != or in [...]",
                                "los textos solo se comparan con ==, != o in [...]")
            lv, rv = left.values, right.values
            miss = np.array([a is None or b is None for a, b in zip(lv, rv, strict=True)])
            eq = np.array([a == b for a, b in zip(lv, rv, strict=True)])
            res = eq if isinstance(op, ast.Eq) else ~eq
        else:
            lv, rv = left.values, right.values
            miss = np.isnan(lv) | np.isnan(rv)
            with np.errstate(invalid="ignore"):
                res = _CMP_FUNC[type(op)](lv, rv)
        state = np.where(miss, _U, np.where(res, _T, _F)).astype(np.int8)
        if not self.explain:
            return state, None
        sym, neg = _CMP_SYMBOL[type(op)], _CMP_NEGATED[type(op)]
        why = np.empty(self.n, dtype=object)
        nd = self.w["no_data"]
        for i in range(self.n):
            if state[i] == _U:
                gone = [t.label for t in (left, right) if not t.is_const]
                why[i] = f"{' / '.join(gone) or left.label} {nd}"
            else:
                why[i] = f"{left.desc[i]} {sym if state[i] == _T else neg} {right.desc[i]}"
        return state, why

    def _membership(
        self, left: _Term, op: ast.cmpop, right_node: ast.AST
    ) -> tuple[np.ndarray, np.ndarray | None]:
        items = [_literal(e) for e in right_node.elts]  # type: ignore[attr-defined]
        texts = [i for i in items if isinstance(i, str)]
        if texts and len(texts) != len(items):
            raise self._err(right_node, "a list mixes texts and numbers",
                            "la lista mezcla textos y números")
        if left.kind == "str":
            if not texts and items:
                raise self._err(
                    right_node,
                    f"{left.label} is text: put the list items in quotes, e.g. ['050101']",
                    f"{left.label} es texto: ponga los elementos de la lista entre comillas, "
                    "p. ej. ['050101']",
                )
            wanted = {_fold(t) for t in texts}
            miss = np.array([v is None for v in left.values])
            hit = np.array([v in wanted for v in left.values])
        else:
            if texts:
                raise self._err(right_node, f"{left.label} is a number: the list must hold numbers",
                                f"{left.label} es un número: la lista debe tener números")
            miss = np.isnan(left.values)
            hit = np.isin(left.values, np.array(items, dtype=float))
        if isinstance(op, ast.NotIn):
            hit = ~hit
        state = np.where(miss, _U, np.where(hit, _T, _F)).astype(np.int8)
        if not self.explain:
            return state, None
        sep = "; " if self.lang == "es" else ", "  # "1,5" is a number in Spanish
        shown = "[" + sep.join(_fmt(i, self.lang) for i in items) + "]"
        inside, outside = self.w["in"], self.w["not_in"]
        if isinstance(op, ast.NotIn):
            inside, outside = outside, inside
        why = np.empty(self.n, dtype=object)
        for i in range(self.n):
            if state[i] == _U:
                why[i] = f"{left.label} {self.w['no_data']}"
            else:
                why[i] = f"{left.desc[i]} {inside if state[i] == _T else outside} {shown}"
        return state, why

    # ---- value nodes -> _Term
    def term(self, node: ast.AST) -> _Term:
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, str):
                desc = np.full(self.n, repr(v), dtype=object) if self.explain else None
                return _Term("str", np.full(self.n, _fold(v), dtype=object), desc, repr(v), True)
            x = _number(v, self.text)
            desc = np.full(self.n, _fmt(v, self.lang), dtype=object) if self.explain else None
            return _Term("num", np.full(self.n, x), desc, _fmt(v), True)
        if isinstance(node, ast.Name):
            return self._column(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            t = self.term(node.operand)
            if t.kind != "num":
                text = t.kind == "str"
                raise self._err(node, f"a sign before {'a text' if text else 'a flag'}",
                                f"un signo delante de {'un texto' if text else 'un sí/no'}")
            sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
            vals = sign * t.values
            return self._derived(node, vals, t.is_const)
        if isinstance(node, ast.BinOp):
            a, b = self.term(node.left), self.term(node.right)
            if "str" in (a.kind, b.kind):
                raise self._err(node, "arithmetic on text", "operaciones con un texto")
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                vals = _ARITH[type(node.op)](a.values, b.values)
            vals = np.where(np.isfinite(vals), vals, np.nan)
            if a.is_const and b.is_const and np.isnan(vals).all():
                raise self._err(node, "this arithmetic on numbers has no finite result "
                                "(division by zero or overflow); write the number itself",
                                "esta operación no da un número finito (división por cero o "
                                "desborde); escriba el número")
            return self._derived(node, vals, a.is_const and b.is_const)
        raise self._err(node, "expected a value (a column id, a number or a text)",
                        "se esperaba un valor (un id de columna, un número o un texto)")

    def _derived(self, node: ast.AST, vals: np.ndarray, const: bool) -> _Term:
        src = ast.get_source_segment(self.text, node) or ast.unparse(node)
        label = src if const else f"({src})"
        desc = None
        if self.explain:
            desc = np.array(
                [_fmt(v, self.lang) if const else
                 f"{label} {self.w['no_data'] if np.isnan(v) else _fmt(v, self.lang)}"
                 for v in vals],
                dtype=object,
            )
        return _Term("num", vals, desc, label, const)

    def _column(self, node: ast.Name) -> _Term:
        name = node.id
        label = self._label(name)
        nd = self.w["no_data"]
        if name in self.values:
            vals = np.asarray(self.values[name], dtype=float)
            desc = None
            if self.explain:
                desc = np.array([f"{label} {nd}" if np.isnan(v) else
                                 f"{label} {_fmt(v, self.lang)}"
                                 for v in vals], dtype=object)
            return _Term("num", vals, desc, label)
        s = self.frame[name]
        if pd.api.types.is_bool_dtype(s.dtype) or _is_object_bool(s):
            vals = _bool_values(s)
            desc = None
            if self.explain:
                desc = np.array(
                    [f"{label} {nd}" if np.isnan(v) else
                     f"{label} {self.w['yes'] if v else self.w['no']}" for v in vals],
                    dtype=object,
                )
            return _Term("bool", vals, desc, label)
        if pd.api.types.is_numeric_dtype(s.dtype):
            vals = s.astype(float).to_numpy(na_value=np.nan)
            vals = np.where(np.isfinite(vals), vals, np.nan)
            desc = None
            if self.explain:
                desc = np.array(
                    [f"{label} {nd}" if np.isnan(v) else f"{label} {_fmt(v, self.lang)}"
                     for v in vals],
                    dtype=object,
                )
            return _Term("num", vals, desc, label)
        raw = [None if pd.isna(v) else str(v) for v in s]
        desc = None
        if self.explain:
            desc = np.array([f"{label} {nd}" if v is None else f"{label} {v}" for v in raw],
                            dtype=object)
        return _Term("str", np.array([_fold(v) for v in raw], dtype=object), desc, label)


def _number(value: object, text: str) -> float:
    """A numeric literal as a finite float, or a RuleError saying why not."""
    try:
        x = float(value)  # type: ignore[arg-type]
    except OverflowError:
        x = float("inf")
    if not np.isfinite(x):
        shown = str(value) if len(str(value)) <= 20 else str(value)[:20] + "…"
        raise RuleError(f"number {shown} in rule {_clip(text)!r} is too large for a rule "
                        "(largest about 1e308); use a realistic threshold",
                        es=f"el número {shown} de la regla «{_clip(text)}» es demasiado grande; "
                           "use un umbral realista")
    return x


def _syntax_error(text: str, exc: SyntaxError) -> RuleError:
    """A rule Python cannot parse: where, what, and the likely fix (= for ==), both languages."""
    hint = pista = ""
    if re.search(r"(?<![<>=!])=(?!=)", text):  # a lone =, not part of <= >= == !=
        hint, pista = " (to compare use ==, not =)", " (para comparar use ==, no =)"
    msg = str(exc.msg)
    column = exc.offset or len(text)  # Python says 0 when the rule ends too soon
    es = _SYNTAX_ES.get(msg.split(" (")[0], "sintaxis no válida")
    if msg.startswith("invalid syntax") and column >= len(text):
        es = "la regla termina antes de tiempo (¿falta algo tras el último operador?)"
    return RuleError(
        f"rule is not a valid expression at column {column}: {msg}{hint}; "
        f"rule: {_clip(text)!r}",
        es=f"error en la columna {column}: {es}{pista}; regla: «{_clip(text)}»")


def _clip(text: str, limit: int = 80) -> str:
    """A rule or a piece of it, cut for a one-line message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_depth(tree: ast.AST, text: str) -> None:
    """Refuse trees nested deeper than ``MAX_RULE_DEPTH`` (iteratively: no recursion)."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_RULE_DEPTH:
            raise RuleError(f"rule is nested more than {MAX_RULE_DEPTH} levels deep; simplify "
                            f"it (rule starts {text[:60]!r})",
                            es=f"la regla tiene más de {MAX_RULE_DEPTH} niveles anidados; "
                               f"simplifíquela (empieza «{text[:60]}»)")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _bool_values(s: pd.Series) -> np.ndarray:
    """1.0 for true, 0.0 for false, NaN where missing: a yes/no column as numbers."""
    if s.dtype == np.bool_:  # numpy's bool holds no missing value
        return s.to_numpy(dtype=float)
    if pd.api.types.is_bool_dtype(s.dtype):  # pandas' boolean, pyarrow's bool: NA is missing
        return s.to_numpy(dtype=float, na_value=np.nan)
    return np.array([np.nan if pd.isna(v) else float(bool(v)) for v in s], dtype=float)


def _is_object_bool(s: pd.Series) -> bool:
    if s.dtype != object:
        return False
    vals = s.dropna()
    return len(vals) > 0 and all(isinstance(v, (bool, np.bool_)) for v in vals)


def _literal(node: ast.AST) -> object:
    if isinstance(node, ast.Constant):
        return node.value
    return -node.operand.value  # type: ignore[attr-defined,operator]  # checked in _check


def parse_rule(text: str, *, names: Iterable[str] | None = None) -> Rule:
    """Parse and check a rule; optionally check its names against ``names``.

    Examples
    --------
    >>> parse_rule("vraem or border", names=["vraem", "border"]).names
    ['border', 'vraem']
    """
    rule = Rule(text)
    if names is not None:
        rule.check_names(names)
    return rule


def evaluate_rule(
    frame: pd.DataFrame,
    rule: str | Rule,
    *,
    catalog: pd.DataFrame | None = None,
    lang: str = "es",
) -> RuleResult:
    """Evaluate a rule on every district, with a verdict and reasons.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per district.
    rule : str or Rule
        The rule text (see the module docstring) or a parsed :class:`Rule`.
    catalog : pandas.DataFrame, optional
        ``geoprio.catalog()``: its ``label_es`` / ``label_en`` name the columns in reasons.
    lang : {"es", "en"}, default="es"
        Language of the reasons.

    Returns
    -------
    RuleResult
        ``eligible``, ``unknown`` and ``reasons``, indexed like ``frame``.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"department": ["Huánuco", "Lima"]})
    >>> evaluate_rule(f, "department in ['HUANUCO', 'Cusco']", lang="en").reasons.tolist()
    ['meets: department Huánuco in [HUANUCO, Cusco]', \
'fails: department Lima not in [HUANUCO, Cusco]']
    """
    parsed = rule if isinstance(rule, Rule) else Rule(rule)
    return parsed.evaluate(frame, catalog=catalog, lang=lang)
