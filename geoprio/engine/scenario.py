"""Scenario: everything that decides a ranking, saved to and loaded from TOML or JSON.

A :class:`Scenario` holds the indicators and their weights, directions and targets, the
normalisation, aggregation and missing-value policy, the eligibility rule, the department
and province filters, the size of the list (top N, a score threshold or a budget with a
cost), the Monte Carlo settings and the seed. The same scenario gives the same result, byte
for byte; every export should carry ``scenario.to_toml()``.

Presets (:meth:`Scenario.preset`): ``"fonie"``, ``"dci"`` and ``"anemia"``, each with its
sources and caveats written in the scenario itself.

Examples
--------
>>> s = Scenario(name="mine", weights={"poverty_2018": 2, "no_water_2017": 1},
...              rule="poverty_2018 >= 40 or vraem", top_n=100)
>>> Scenario.from_toml(s.to_toml()) == s
True
>>> Scenario.preset("fonie").rule
'poverty_quintile_2018 <= 2 or vraem or border'
"""

from __future__ import annotations

import base64
import dataclasses
import difflib
import json
import logging
import re
import sys
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from geoprio.data.columns import RESERVED_NAMES
from geoprio.engine.derived import DERIVED, QUINTILE_METHODS
from geoprio.engine.presets import PRESET_FIELDS, PRESET_TITLES
from geoprio.engine.rules import Rule
from geoprio.engine.scoring import AGGREGATIONS, MISSING_POLICIES, NORMALISATIONS
from geoprio.errors import RuleError, ScenarioError
from geoprio.readers.textbounds import (
    MAX_DESCRIPTION,
    MAX_NAME,
    MAX_NOTE,
    MAX_NOTES,
    MAX_PLACE,
    MAX_PLACES,
    list_problem,
    text_problem,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

logger = logging.getLogger(__name__)

__all__ = ["BASE_COLUMNS", "DERIVED_COLUMNS", "PRESETS", "PRESET_TITLES", "QUINTILE_METHODS",
           "Scenario", "title_of"]

#: columns every district frame has, usable in rules
BASE_COLUMNS: tuple[str, ...] = ("ubigeo", "department", "province", "district")
#: columns :func:`geoprio.prioritize` derives before scoring, usable in rules and as ``need``
DERIVED_COLUMNS: tuple[str, ...] = tuple(DERIVED)
#: bounds on the numbers a scenario (a file or a link) may carry, so none can exhaust the server
MAX_DRAWS = 10_000  # see geoprio.engine.uncertainty.MAX_DRAWS
MAX_WEIGHT = 1e6
MIN_SPREAD = 1e-3
MAX_SEED = 2**32 - 1
MAX_SCENARIO_BYTES = 1_000_000
MAX_NESTING = 20
#: Unknown ids that get "did you mean" suggestions, and unknown ids named, in an error (a link
#: can carry 19,000 unknown ids; difflib over each took 8 s per open).
MAX_SUGGESTED = 5
MAX_UNKNOWN_SHOWN = 10
_FORMAT = "geoprio-scenario/1"


@dataclass
class Scenario:
    """Everything that decides a ranking.

    Parameters
    ----------
    name : str, default="custom"
    description : str, default=""
    weights : dict
        Indicator id -> weight (>= 0, at least one > 0); normalised to sum 1 when used.
    higher_is_worse : dict, default={}
        Direction overrides (id -> bool); otherwise the catalog's ``higher_is_worse``.
    targets : dict, default={}
        Id -> target value, for ``normalisation="target"``.
    normalisation : {"minmax", "zscore", "rank", "target"}, default="minmax"
    aggregation : {"arithmetic", "geometric"}, default="arithmetic"
    missing : {"exclude", "reweight", "impute"}, default="reweight"
        See :mod:`geoprio.engine.scoring`.
    rule : str, default=""
        Eligibility rule (:mod:`geoprio.engine.rules`); empty = every district eligible.
    departments, provinces : list of str, default=[]
        Keep only these (names, accents and case ignored); districts outside stay in the
        output, not eligible, with the reason said.
    top_n : int, optional
        Select the N best-ranked eligible districts.
    threshold : float, optional
        Select eligible districts with ``score >= threshold``.
    budget : float, optional
        Select eligible districts maximising ``need`` within the budget (0–1 knapsack);
        needs ``cost_per_district`` or ``cost_per_beneficiary`` + ``beneficiary_column``.
        With none of ``top_n``, ``threshold``, ``budget``, every eligible district is
        selected.
    cost_per_district, cost_per_beneficiary : float, optional
    beneficiary_column : str, optional
        Count column paid for per beneficiary (e.g. ``"under5_2020"``).
    need : str, default="score"
        What the budget maximises: ``"score"``, people reached (``"stunted_children"``:
        favours large districts even where rates are low), people reached weighted by the
        rate (``"stunted_children_rate_weighted"``: leans to high rates), or any numeric
        column >= 0. See :mod:`geoprio.engine.budget`.
    quintiles : {"districts", "population"}, default="districts"
        How ``poverty_quintile_2018`` is cut: equal numbers of districts, or equal
        population (``pop_2017``).
    n_draws : int, default=1000
        Monte Carlo draws for rank intervals and probabilities (0 = none; at most
        ``MAX_DRAWS`` = 10,000: the Monte Carlo error of a probability is then at most 0.005,
        and more draws only cost time).
    weight_spread : float, default=0.1
        Spread of the weights in the Monte Carlo: Dirichlet concentration
        ``1 / weight_spread**2`` (0 = weights fixed; otherwise at least 0.001, below which
        the concentration overflows). See :mod:`geoprio.engine.uncertainty`.
    seed : int, default=2018
    sources, caveats : list of str, default=[]

    Examples
    --------
    >>> Scenario(weights={"poverty_2018": 1}, top_n=0)
    Traceback (most recent call last):
    ...
    geoprio.errors.ScenarioError: scenario 'custom' is not valid: top_n must be an integer from 1 \
to 1000000; got 0
    """

    name: str = "custom"
    description: str = ""
    weights: dict[str, float] = field(default_factory=dict)
    higher_is_worse: dict[str, bool] = field(default_factory=dict)
    targets: dict[str, float] = field(default_factory=dict)
    normalisation: str = "minmax"
    aggregation: str = "arithmetic"
    missing: str = "reweight"
    rule: str = ""
    departments: list[str] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)
    top_n: int | None = None
    threshold: float | None = None
    budget: float | None = None
    cost_per_district: float | None = None
    cost_per_beneficiary: float | None = None
    beneficiary_column: str | None = None
    need: str = "score"
    quintiles: str = "districts"
    n_draws: int = 1000
    weight_spread: float = 0.1
    seed: int = 2018
    sources: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        problems: list[str | tuple[str, str]] = []
        self._coerce(problems)
        if problems:  # each problem in English, or (English, Spanish); the name may be the
            en = [p if isinstance(p, str) else p[0] for p in problems]  # problem: never whole
            es = [p if isinstance(p, str) else p[1] for p in problems]
            raise ScenarioError(f"scenario {_short(self.name, 60)} is not valid: "
                                + "; ".join(en),
                                es=f"el escenario «{_short(self.name, 60)}» no es válido: "
                                   + "; ".join(es))

    # ------------------------------------------------------------------ checks
    def _coerce(self, problems: list[str | tuple[str, str]]) -> None:
        """Check every field, in field order, and bring the valid ones to their plain types
        (a problem per fault, appended to ``problems``)."""
        for attr in ("name", "description", "rule", "need", "normalisation", "aggregation",
                     "missing", "quintiles"):
            if not isinstance(getattr(self, attr), str):
                problems.append(f"{attr} must be a str; got {_short(getattr(self, attr))}")
        if problems:
            return
        if not self.name.strip():
            problems.append("name must not be empty")
        self._bound_texts(problems)
        self._check_weights(problems)
        self._check_direction_and_targets(problems)
        self._check_methods(problems)
        self._check_rule(problems)
        for attr in ("departments", "provinces", "sources", "caveats"):
            value = getattr(self, attr)
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                problems.append(f"{attr} must be a list of str; got {_short(value)}")
            else:
                setattr(self, attr, list(value))
        self._check_list_size(problems)
        self._check_costs(problems)
        self._check_monte_carlo(problems)

    def _check_weights(self, problems: list[str | tuple[str, str]]) -> None:
        """``weights``: a non-empty table of numbers in [0, MAX_WEIGHT], one at least > 0."""
        if not isinstance(self.weights, dict) or not self.weights:
            problems.append("weights must be a non-empty table id -> weight; got "
                            f"{_short(self.weights)}")
            return
        bad = [f"{k!r}: {_short(v)}" for k, v in self.weights.items()
               if not _is_number(v) or not 0 <= v <= MAX_WEIGHT]
        if bad:
            problems.append((f"weights must be numbers between 0 and {MAX_WEIGHT:g}; "
                             f"got {{{', '.join(bad)}}}",
                             f"los pesos deben ser números entre 0 y {MAX_WEIGHT:g}; "
                             f"se recibió {{{', '.join(bad)}}}"))
        elif sum(self.weights.values()) <= 0:
            problems.append((f"at least one weight must be > 0; got {_short(self.weights)}",
                             "al menos un peso debe ser mayor que 0"))
        else:
            self.weights = {str(k): float(v) for k, v in self.weights.items()}

    def _check_direction_and_targets(self, problems: list[str | tuple[str, str]]) -> None:
        """``higher_is_worse`` (id -> bool) and ``targets`` (id -> number), weighted ids only."""
        for attr, kind in (("higher_is_worse", bool), ("targets", float)):
            table = getattr(self, attr)
            if not isinstance(table, dict):
                problems.append(f"{attr} must be a table id -> value; got {_short(table)}")
                continue
            ok = (lambda v: isinstance(v, bool)) if kind is bool else _is_number
            bad = {k: v for k, v in table.items() if not ok(v)}
            if bad:
                problems.append(f"{attr} values must be {kind.__name__}; got {_short(bad)}")
                continue
            stray = [k for k in table if k not in self.weights]
            if stray and isinstance(self.weights, dict):
                problems.append(
                    f"{attr} names indicators that have no weight: {stray}; "
                    f"weighted: {list(self.weights)}"
                )
            setattr(self, attr, {str(k): kind(v) for k, v in table.items()})

    def _check_methods(self, problems: list[str | tuple[str, str]]) -> None:
        """Normalisation, aggregation, missing policy and quintiles among the known ones."""
        for attr, allowed in (("normalisation", NORMALISATIONS), ("aggregation", AGGREGATIONS),
                              ("missing", MISSING_POLICIES), ("quintiles", QUINTILE_METHODS)):
            if getattr(self, attr) not in allowed:
                problems.append(
                    f"{attr} must be one of {list(allowed)}; got {_short(getattr(self, attr))}"
                )
        if self.normalisation == "target" and isinstance(self.weights, dict):
            lacking = [k for k, v in self.weights.items() if v > 0 and k not in self.targets]
            if lacking:
                problems.append(f"normalisation='target' needs targets for {lacking}")

    def _check_rule(self, problems: list[str | tuple[str, str]]) -> None:
        """The rule parses, and neither it nor a weight names one of geoprio's own columns."""
        try:
            rule_names = Rule(self.rule).names
        except RuleError as exc:
            problems.append((str(exc), exc.text("es")))
            rule_names = []
        reserved = sorted(
            {str(k) for k in (self.weights if isinstance(self.weights, dict) else {})
             if str(k) in RESERVED_NAMES}
            | {n for n in rule_names if n in RESERVED_NAMES and n != "ubigeo"})
        if reserved:
            problems.append((
                f"{reserved} are geoprio's own columns (geometry and results), not indicators: "
                "a weight or a rule cannot use them",
                f"{', '.join(f'«{r}»' for r in reserved)} son columnas propias de geoprio "
                "(geometría y resultados), no indicadores: un peso o una regla no puede usarlas"
            ))

    def _check_list_size(self, problems: list[str | tuple[str, str]]) -> None:
        """At most one of ``top_n`` (an integer in 1..1e6), ``threshold``, ``budget``."""
        sizes = [a for a in ("top_n", "threshold", "budget") if getattr(self, a) is not None]
        if len(sizes) > 1:
            problems.append(f"give at most one of top_n, threshold, budget; got {sizes}")
        if self.top_n is None:
            return
        if not _is_integer(self.top_n) or not 1 <= self.top_n <= 1_000_000:
            problems.append((f"top_n must be an integer from 1 to 1000000; got "
                             f"{_short(self.top_n)}", "el número de distritos debe ser un "
                             f"entero de 1 a 1 000 000; se recibió {_short(self.top_n)}"))
        else:
            self.top_n = int(self.top_n)

    def _check_costs(self, problems: list[str | tuple[str, str]]) -> None:
        """Threshold, budget and costs are numbers (all but the threshold > 0); a budget has
        exactly one cost; a cost per beneficiary names the column of beneficiaries."""
        for attr in ("threshold", "budget", "cost_per_district", "cost_per_beneficiary"):
            v = getattr(self, attr)
            if v is None:
                continue
            if not _is_number(v) or (attr != "threshold" and v <= 0):
                rule = "a number" if attr == "threshold" else "a number > 0"
                regla = "un número" if attr == "threshold" else "un número mayor que 0"
                problems.append((f"{attr} must be {rule}; got {_short(v)}",
                                 f"{_FIELDS_ES[attr]} debe ser {regla}; se recibió {_short(v)}"))
            else:
                setattr(self, attr, float(v))
        costs = [a for a in ("cost_per_district", "cost_per_beneficiary")
                 if getattr(self, a) is not None]
        if self.budget is not None and len(costs) != 1:
            problems.append(
                "budget needs exactly one of cost_per_district, cost_per_beneficiary; "
                f"got {costs or 'none'}"
            )
        if self.cost_per_beneficiary is not None and not self.beneficiary_column:
            problems.append("cost_per_beneficiary needs beneficiary_column (e.g. 'under5_2020')")
        if self.beneficiary_column is not None and not isinstance(self.beneficiary_column, str):
            problems.append("beneficiary_column must be a str; got "
                            f"{_short(self.beneficiary_column)}")

    def _check_monte_carlo(self, problems: list[str | tuple[str, str]]) -> None:
        """``n_draws`` in 0..MAX_DRAWS, ``weight_spread`` 0 or in [MIN_SPREAD, 1), ``seed`` in
        0..MAX_SEED."""
        if not _is_integer(self.n_draws) or not 0 <= self.n_draws <= MAX_DRAWS:
            problems.append(
                f"n_draws must be an integer from 0 to {MAX_DRAWS} (more draws change a "
                f"probability by less than 0.005 and only cost time); got {_short(self.n_draws)}"
            )
        else:
            self.n_draws = int(self.n_draws)
        if not _is_number(self.weight_spread) or not (
            self.weight_spread == 0 or MIN_SPREAD <= self.weight_spread < 1
        ):
            problems.append(f"weight_spread must be 0 (fixed weights) or a number in "
                            f"[{MIN_SPREAD:g}, 1); got {_short(self.weight_spread)}")
        else:
            self.weight_spread = float(self.weight_spread)
        if not _is_integer(self.seed) or not 0 <= self.seed <= MAX_SEED:
            problems.append(f"seed must be an integer from 0 to {MAX_SEED}; got "
                            f"{_short(self.seed)}")
        else:
            self.seed = int(self.seed)

    def _bound_texts(self, problems: list[str]) -> None:
        """Every text of the scenario within its bound (:mod:`geoprio.readers.textbounds`), checked
        before anything reads it: a name of a million characters costs nothing more."""
        for attr, limit in (("name", MAX_NAME), ("description", MAX_DESCRIPTION)):
            problem = text_problem(getattr(self, attr), attr, limit)
            if problem:
                problems.append(problem)
        for attr, most, limit in (("sources", MAX_NOTES, MAX_NOTE),
                                  ("caveats", MAX_NOTES, MAX_NOTE),
                                  ("departments", MAX_PLACES, MAX_PLACE),
                                  ("provinces", MAX_PLACES, MAX_PLACE)):
            value = getattr(self, attr)
            if isinstance(value, (list, tuple)):
                problem = list_problem(value, attr, most, limit)
                if problem:
                    problems.append(problem)

    def names_used(self) -> list[str]:
        """Every column id the scenario refers to, in first-use order.

        Examples
        --------
        >>> Scenario(weights={"poverty_2018": 1}, rule="vraem").names_used()
        ['poverty_2018', 'vraem']
        """
        names = list(self.weights) + Rule(self.rule).names
        if self.need != "score":
            names.append(self.need)
        if self.beneficiary_column:
            names.append(self.beneficiary_column)
        return list(dict.fromkeys(names))

    def validate(
        self, *, catalog: Any = None, columns: Iterable[str] | None = None
    ) -> Scenario:
        """Check every name against a catalog and/or the columns of a districts frame.

        Parameters
        ----------
        catalog : pandas.DataFrame, optional
            ``geoprio.catalog()`` (its ``id`` column).
        columns : iterable of str, optional
            Columns of the frame the scenario will run on (uploaded indicators count).

        Returns
        -------
        Scenario
            ``self``, for chaining.

        Examples
        --------
        >>> Scenario(weights={"povrety_2018": 1}).validate(columns=["poverty_2018"])
        Traceback (most recent call last):
        ...
        geoprio.errors.ScenarioError: scenario 'custom' uses unknown ids: 'povrety_2018' \
(did you mean 'poverty_2018', 'poverty_quintile_2018'?)
        """
        if catalog is None and columns is None:
            return self
        known = set(BASE_COLUMNS) | set(DERIVED_COLUMNS)
        if catalog is not None:
            known |= {str(i) for i in catalog["id"]}
        if columns is not None:
            known |= {str(c) for c in columns}
        unknown = [n for n in self.names_used() if n not in known]
        if unknown:
            raise ScenarioError(f"scenario {_short(self.name)} uses unknown ids: "
                                + _unknown_ids(unknown, sorted(known)),
                                es=f"el escenario «{_short(self.name)}» usa ids que no existen "
                                   f"en los datos: {', '.join(f'«{n}»' for n in unknown[:5])}"
                                   + (f" y {len(unknown) - 5} más" if len(unknown) > 5 else "")
                                   + "; los ids están en la página Datos")
        return self

    # -------------------------------------------------------------- conversions
    def to_dict(self) -> dict[str, Any]:
        """Plain dict of every field (None included), in field order.

        Examples
        --------
        >>> Scenario(weights={"poverty_2018": 1}).to_dict()["weights"]
        {'poverty_2018': 1.0}
        """
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, catalog: Any = None) -> Scenario:
        """Build a scenario from :meth:`to_dict` output (unknown keys are an error)."""
        if not isinstance(data, dict):
            raise ScenarioError(f"a scenario must be a table of fields; got {type(data).__name__}")
        data = dict(data)
        fmt = data.pop("format", _FORMAT)
        if fmt != _FORMAT:
            raise ScenarioError(f"scenario format must be {_FORMAT!r}; got {_short(fmt)}")
        allowed = [f.name for f in dataclasses.fields(cls)]
        stray = [_short(k) for k in data if k not in allowed]
        if stray:
            raise ScenarioError(f"unknown scenario fields [{', '.join(stray[:5])}]; "
                                f"allowed: {allowed}")
        deep = [k for k, v in data.items() if _depth(v) > 2]
        if deep:
            raise ScenarioError(f"scenario fields {deep} are nested too deeply: each holds a "
                                "text, a number, a list or a table id -> value")
        return cls(**data).validate(catalog=catalog)

    def to_json(self) -> str:
        """JSON text (UTF-8, indented, keys in field order)."""
        return json.dumps({"format": _FORMAT, **self.to_dict()}, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str, *, catalog: Any = None) -> Scenario:
        """Scenario from :meth:`to_json` text."""
        return cls.from_dict(_parsed(text, "JSON", json.loads, json.JSONDecodeError),
                             catalog=catalog)

    def to_toml(self) -> str:
        """TOML text; fields that are None are left out (TOML has no null)."""
        import tomli_w

        data = {"format": _FORMAT}
        data.update({k: v for k, v in self.to_dict().items() if v is not None})
        return tomli_w.dumps(data, multiline_strings=False)

    @classmethod
    def from_toml(cls, text: str, *, catalog: Any = None) -> Scenario:
        """Scenario from :meth:`to_toml` text."""
        return cls.from_dict(_parsed(text, "TOML", tomllib.loads, tomllib.TOMLDecodeError),
                             catalog=catalog)

    def save(self, path: str | Path) -> Path:
        """Write ``.toml`` or ``.json`` (by suffix)."""
        path = Path(path)
        if path.suffix.lower() not in (".toml", ".json"):
            raise ScenarioError(f"scenario file must end in .toml or .json; got {path.name!r}")
        text = self.to_toml() if path.suffix.lower() == ".toml" else self.to_json()
        path.write_text(text, encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path, *, catalog: Any = None) -> Scenario:
        """Read a ``.toml`` or ``.json`` scenario file.

        Offices save text as UTF-8 (with or without the byte-order mark Windows Notepad
        writes), UTF-16 or Latin-1 (Windows-1252): all are read. Files over 1 MB are refused.
        """
        path = Path(path)
        if path.suffix.lower() not in (".toml", ".json"):
            raise ScenarioError(f"scenario file must end in .toml or .json; got {path.name!r}")
        if path.is_dir():
            raise ScenarioError(f"{path.name}: is a folder, not a scenario file")
        if not path.exists():
            raise ScenarioError(f"scenario file not found: {path.name}")
        if not path.is_file():
            raise ScenarioError(f"{path.name}: is not a regular file (a pipe or a device?)")
        size = path.stat().st_size
        if size > MAX_SCENARIO_BYTES:
            raise ScenarioError(f"{path.name}: {size:,} bytes; a scenario file is at most "
                                f"{MAX_SCENARIO_BYTES:,} bytes")
        text = decode_text(path.read_bytes())
        try:
            if path.suffix.lower() == ".toml":
                return cls.from_toml(text, catalog=catalog)
            return cls.from_json(text, catalog=catalog)
        except ScenarioError as exc:
            raise ScenarioError(f"{path.name}: {exc}") from None

    def differs_from(self, other: Scenario) -> list[str]:
        """The fields whose values differ from ``other``'s, in field order.

        Examples
        --------
        >>> fonie = Scenario.preset("fonie")
        >>> fonie.replace(seed=1, provinces=["Lima"]).differs_from(fonie)
        ['provinces', 'seed']
        """
        mine, theirs = self.to_dict(), other.to_dict()
        return [k for k in mine if mine[k] != theirs[k]]

    def is_preset(self) -> bool:
        """Whether this is a preset, field by field: a scenario named "fonie" that reverses a
        direction or changes the seed is not the FONIE preset.

        Examples
        --------
        >>> Scenario.preset("fonie").is_preset(), Scenario.preset("fonie").replace(
        ...     higher_is_worse={"poverty_2018": False}).is_preset()
        (True, False)
        """
        key = self.name.strip().lower()
        return key in PRESETS and self == PRESETS[key]()

    def title(self, lang: str = "es") -> str:
        """How the scenario reads in a document: a preset's title ("MIDIS desnutrición
        crónica", never its id "dci"), "… (modificado)" for a preset changed in the panel,
        or the scenario's own name. A scenario that bears a preset's name without being it
        keeps its name, in quotes.

        Examples
        --------
        >>> Scenario.preset("dci").title(), Scenario.preset("dci").title("en")
        ('MIDIS desnutrición crónica', 'MIDIS chronic malnutrition')
        >>> Scenario.preset("dci").replace(name="dci (modificado)", top_n=10).title()
        'MIDIS desnutrición crónica (modificado)'
        >>> Scenario.preset("fonie").replace(seed=1).title(), Scenario(weights={"a": 1}).title()
        ('«fonie»', 'custom')
        """
        return title_of(self.to_dict(), lang)

    def replace(self, **changes: Any) -> Scenario:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_token(self) -> str:
        """A short URL-safe text holding the whole scenario (for links that reproduce a view).

        Examples
        --------
        >>> s = Scenario.preset("dci").replace(top_n=50)
        >>> Scenario.from_token(s.to_token()) == s
        True
        """
        raw = json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))
        return base64.urlsafe_b64encode(zlib.compress(raw.encode("utf-8"), 9)).decode("ascii")

    @classmethod
    def from_token(cls, token: str, *, catalog: Any = None) -> Scenario:
        """The scenario of :meth:`to_token`; a damaged token raises :class:`ScenarioError`."""
        if not isinstance(token, str) or len(token) > 100_000:
            raise ScenarioError("the scenario in the link is too long or not text; open the "
                                "app without it and choose a preset")
        try:
            raw = zlib.decompressobj().decompress(base64.urlsafe_b64decode(token.encode()),
                                                  MAX_SCENARIO_BYTES)
            data = json.loads(raw.decode("utf-8"))
        except (ValueError, zlib.error, UnicodeDecodeError, RecursionError) as exc:
            raise ScenarioError(f"the scenario in the link is damaged ({type(exc).__name__}); "
                                "open the app without it and choose a preset") from None
        return cls.from_dict(data, catalog=catalog)

    # ------------------------------------------------------------------ presets
    @classmethod
    def preset(cls, name: str) -> Scenario:
        """A documented preset: ``"fonie"``, ``"dci"`` or ``"anemia"``.

        See :func:`fonie`, :func:`dci` and :func:`anemia` for the sources and choices.

        Examples
        --------
        >>> sorted(Scenario.preset("dci").weights)[:2]
        ['anemia_6_35m_2022_eb', 'no_sewer_2017']
        """
        key = str(name).strip().lower()
        if key not in PRESETS:
            raise ScenarioError(f"preset must be one of {list(PRESETS)}; got {_short(name)}")
        return PRESETS[key]()


_MODIFIED = re.compile(r"^(.*) \((modificado|modified)\)$")


def title_of(settings: dict[str, Any], lang: str = "es") -> str:
    """:meth:`Scenario.title` of a scenario's settings (``to_dict()``, or the ``attrs`` a
    ranking carries): the preset's title only when the settings are the preset's."""
    name = str(settings.get("name", ""))
    key = name.strip().lower()
    pick = 1 if lang == "en" else 0
    if key in PRESET_TITLES:
        try:
            same = Scenario.from_dict(dict(settings)) == PRESETS[key]()
        except (ScenarioError, RuleError, TypeError, ValueError):
            same = False
        return PRESET_TITLES[key][pick] if same else f"«{name}»"
    root = key.removesuffix("_2019")
    if key.endswith("_2019") and root in PRESET_TITLES:  # comparison.with_2019_rates
        return f"{PRESET_TITLES[root][pick]} ({'2019 data' if lang == 'en' else 'datos 2019'})"
    m = _MODIFIED.match(name.strip())
    if m and m.group(1).strip().lower() in PRESET_TITLES:
        word = "modified" if lang == "en" else "modificado"
        return f"{PRESET_TITLES[m.group(1).strip().lower()][pick]} ({word})"
    return name


#: the fields a planner types, as the app's Spanish names them (messages)
_FIELDS_ES = {"threshold": "el puntaje mínimo", "budget": "el presupuesto",
              "cost_per_district": "el costo por distrito",
              "cost_per_beneficiary": "el costo por beneficiario"}


def decode_text(data: bytes) -> str:
    """Text of a small file as offices save it: UTF-8 (BOM or not), UTF-16 (BOM), Latin-1.

    Examples
    --------
    >>> decode_text("\ufeffname = 'Huánuco'".encode("utf-8"))
    "name = 'Huánuco'"
    >>> decode_text("name = 'Huánuco'".encode("utf-16"))
    "name = 'Huánuco'"
    >>> decode_text("name = 'Huánuco'".encode("cp1252"))
    "name = 'Huánuco'"
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _check_size(text: str) -> None:
    if len(text) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"a scenario is at most {MAX_SCENARIO_BYTES:,} characters; got "
                            f"{len(text):,}")


def _parsed(text: str, kind: str, loads: Callable[[str], Any],
            error: type[Exception]) -> Any:
    """The scenario text ``text`` (``kind``: "JSON" or "TOML") parsed by ``loads``, bounded
    in size; a syntax ``error`` or a nesting too deep for the parser is a ScenarioError."""
    _check_size(text)
    try:
        return loads(text)
    except error as exc:
        raise ScenarioError(f"scenario {kind} cannot be read: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"scenario {kind} is nested too deeply to be a scenario") from None


def _is_number(value: Any) -> bool:
    """Whether ``value`` is a finite int or float (numpy's too), not a bool."""
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
        return False
    try:
        return bool(np.isfinite(float(value)))
    except OverflowError:  # an integer of hundreds of digits
        return False


def _is_integer(value: Any) -> bool:
    """Whether ``value`` is an int (numpy's too), not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _depth(value: Any) -> int:
    """Nesting depth of plain data (iterative, so no recursion limit is reached)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        v, d = stack.pop()
        deepest = max(deepest, d)
        if d > MAX_NESTING:
            break
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend((x, d + 1) for x in v)
    return deepest


def _short(value: Any, limit: int = 40) -> str:
    """``repr`` of a user's value, cut to ``limit`` characters (a 500-digit number stays short)."""
    try:
        text = repr(value)
    except ValueError:  # ints too long for repr
        text = f"<{type(value).__name__} too long to show>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unknown_ids(unknown: list[str], known: list[str]) -> str:
    """The unknown ids for a message: the first few with suggestions, then a count.

    Only the first :data:`MAX_SUGGESTED` are compared with ``known`` (difflib costs time for
    each), and at most :data:`MAX_UNKNOWN_SHOWN` are named.

    Examples
    --------
    >>> _unknown_ids(["povrety_2018"] + [f"z{i}" for i in range(12)], ["poverty_2018"])
    "'povrety_2018' (did you mean 'poverty_2018'?); 'z0'; 'z1'; 'z2'; 'z3'; 'z4'; 'z5'; 'z6'; \
'z7'; 'z8' ... and 3 more (13 unknown ids in all)"
    """
    parts = []
    for i, n in enumerate(unknown[:MAX_UNKNOWN_SHOWN]):
        close = (difflib.get_close_matches(n, known, n=3, cutoff=0.6)
                 if i < MAX_SUGGESTED and len(n) <= 100 else [])
        hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
        parts.append(f"{_short(n, 60)}{hint}")
    rest = len(unknown) - len(parts)
    more = f" ... and {rest:,} more ({len(unknown):,} unknown ids in all)" if rest else ""
    return "; ".join(parts) + more


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _preset(name: str) -> Callable[[], Scenario]:
    def build() -> Scenario:
        return Scenario(**PRESET_FIELDS[name]())

    build.__name__ = name
    build.__doc__ = PRESET_FIELDS[name].__doc__
    return build


#: preset id -> a function that builds it (its fields and reasons: geoprio.engine.presets)
PRESETS = {name: _preset(name) for name in PRESET_FIELDS}
fonie, dci, anemia = PRESETS["fonie"], PRESETS["dci"], PRESETS["anemia"]

