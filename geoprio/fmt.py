"""Numbers as Peru writes them: one convention per language, for every label a person reads.

Spanish follows INEI's publications: a space between thousands and a decimal comma
(``1 874``, ``27,5%``, ``S/ 100 000 000``). The space is a no-break space (U+00A0) so that a
number never wraps across two lines. English uses ``1,874`` and ``27.5%``. Missing values
are never shown as zero: they become ``"sin dato"`` / ``"no data"``.

:func:`break_labels` labels the classes of a map legend with as many decimals as the breaks
need to read as different classes, never two equal labels.

Examples
--------
>>> integer(1874), integer(1874, "en")
('1\\xa0874', '1,874')
>>> number(0.5234, 2), percent(27.46, 1), money(100_000_000)
('0,52', '27,5%', 'S/\\xa0100\\xa0000\\xa0000')
>>> number(float("nan"), 2), number(None, 2, "en")
('sin dato', 'no data')
"""

from __future__ import annotations

import functools
import math
import re
import warnings
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from geoprio.errors import GeoprioError

__all__ = [
    "DECIMAL",
    "MISSING",
    "THOUSANDS",
    "break_labels",
    "decimals_for",
    "integer",
    "money",
    "number",
    "parse_amount",
    "percent",
    "printf_integer",
    "probability",
    "toward_even_odds",
]

#: thousands separator per language (Spanish: a no-break space, as INEI prints a space)
THOUSANDS = {"es": "\u00a0", "en": ","}
#: decimal mark per language
DECIMAL = {"es": ",", "en": "."}
#: what a missing value reads as
MISSING = {"es": "sin dato", "en": "no data"}
_TABLES = {lang: str.maketrans({",": THOUSANDS[lang], ".": DECIMAL[lang]}) for lang in THOUSANDS}


def _lang(lang: str) -> str:
    if lang not in THOUSANDS:
        raise GeoprioError(f"lang must be one of {list(THOUSANDS)}; got {lang!r}")
    return lang


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True
    return not math.isfinite(x)


def number(value: object, decimals: int = 0, lang: str = "es") -> str:
    """``value`` with ``decimals`` decimals, thousands separated, in ``lang``'s convention.

    Parameters
    ----------
    value : a number (int, float, numpy scalar); None, NaN or infinity read as missing.
    decimals : digits after the decimal mark, default=0.
    lang : ``"es"`` (default) or ``"en"``.

    Examples
    --------
    >>> number(25419487), number(-1234.5, 1, "en"), number(0.0, 3)
    ('25\\xa0419\\xa0487', '-1,234.5', '0,000')
    """
    table = _TABLES.get(lang)
    if table is None:
        _lang(lang)
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)) or not (
            0 <= decimals <= 12):
        raise GeoprioError(f"decimals must be a whole number from 0 to 12; got {decimals!r}")
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return MISSING[lang]
    if not math.isfinite(x):
        return MISSING[lang]
    text = f"{x:,.{decimals}f}"
    if text[0] == "-" and not text.strip("-0.,"):
        text = text[1:]  # "-0,0" reads as an error: zero has no sign
    return text.translate(table)


def integer(value: object, lang: str = "es") -> str:
    """A count or a rank: no decimals, thousands separated.

    Examples
    --------
    >>> integer(375), integer(2786087.4, "en")
    ('375', '2,786,087')
    """
    return number(value, 0, lang)


def percent(value: object, decimals: int = 0, lang: str = "es") -> str:
    """A value already in percent (0-100) with a ``%`` sign: ``27,5%`` / ``27.5%``.

    Examples
    --------
    >>> percent(33.3333), percent(0.5, 1, "en")
    ('33%', '0.5%')
    """
    text = number(value, decimals, lang)
    return text if text == MISSING[_lang(lang)] else f"{text}%"


def _old_money_order(func: Callable[..., str]) -> Callable[..., str]:
    """Accept ``money(value, lang[, decimals])``, the order before issue 22, with a
    DeprecationWarning: a language where ``decimals`` now stands is the old order."""
    @functools.wraps(func)
    def wrapper(value: object, *args: object, **kwargs: object) -> str:
        if args and isinstance(args[0], str):
            warnings.warn("money(value, lang, decimals) is deprecated: the order is now "
                          "money(value, decimals, lang), as number() and percent(); pass "
                          "lang= by name", DeprecationWarning, stacklevel=2)
            if "lang" in kwargs:
                raise TypeError("money() got the language twice (by position and lang=)")
            kwargs["lang"] = args[0]
            args = args[1:]
        return func(value, *args, **kwargs)

    return wrapper


@_old_money_order
def money(value: object, decimals: int | None = None, lang: str = "es") -> str:
    """Soles: ``S/ 100 000 000`` (Spanish) or ``S/ 100,000,000`` (English).

    Whole soles read without decimals; an amount with cents keeps them (``S/ 12,50``), so
    that a cost typed as 12.50 is never shown as 12 or 13. ``decimals`` forces a number of
    decimals. The arguments come in the order of :func:`number` and :func:`percent`
    (``money(value, lang)``, the order before, still works with a DeprecationWarning).

    Examples
    --------
    >>> money(2_500_000, lang="en"), money(12.5), money(1234.5, lang="en")
    ('S/ 2,500,000', 'S/\\xa012,50', 'S/ 1,234.50')
    >>> money(2_500_000.6, 0, "en")
    'S/ 2,500,001'
    """
    if decimals is None:
        whole = _missing(value) or _whole_soles(float(value))  # type: ignore[arg-type]
        decimals = 0 if whole else 2
    text = number(value, decimals, lang)
    sep = "\u00a0" if lang == "es" else " "
    return text if text == MISSING[_lang(lang)] else f"S/{sep}{text}"


def toward_even_odds(p: object, decimals: int = 0) -> object:
    """Probabilities (0–1) as percents rounded toward 50%, never toward certainty.

    A probability of 0.897 is 89% or 89.7%, never 90%; 0.103 is 11% or 10.3%, never 10%; 0.999
    is 99%, not 100%: a rounded figure never crosses a line it misses (the 10% and 90% that
    make a selection uncertain) nor looks firmer than the draws say. Works on a number or an
    array; NaN stays NaN.

    Examples
    --------
    >>> toward_even_odds(0.897), toward_even_odds(0.103), toward_even_odds(0.999)
    (89.0, 11.0, 99.0)
    >>> toward_even_odds(0.8975, 1), toward_even_odds(1.0), toward_even_odds(0.0)
    (89.7, 100.0, 0.0)
    """
    x = np.asarray(p, dtype=float) * 100 * 10**decimals
    x = np.round(x, 6)  # 0.29 * 100 is 28.999999999999996: not a rounding to make
    out = np.where(x >= 50 * 10**decimals, np.floor(x), np.ceil(x)) / 10**decimals
    return float(out) if out.ndim == 0 else out


def probability(p: object, decimals: int = 1, lang: str = "es") -> str:
    """A probability (0–1) as a percent rounded toward 50% (:func:`toward_even_odds`).

    Examples
    --------
    >>> probability(0.897), probability(0.897, 0, "en"), probability(None)
    ('89,7%', '89%', 'sin dato')
    """
    if _missing(p):
        return MISSING[_lang(lang)]
    return percent(_toward_even_odds_one(float(p), decimals), decimals, lang)


def _toward_even_odds_one(p: float, decimals: int) -> float:
    """:func:`toward_even_odds` of one finite number in plain Python, step for step numpy's
    (``np.round(x, 6)`` is ``rint(x * 1e6) / 1e6``): the app formats 1,874 of them on every
    map, where numpy's per-call cost was most of the tooltip table's (issue 24)."""
    scale = 10**decimals
    x = round(p * 100 * scale * 1e6) / 1e6
    return (math.floor(x) if x >= 50 * scale else math.ceil(x)) / scale


_GROUPED = re.compile(r"^\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*$")


def parse_amount(text: object) -> float:
    """An amount as a person types it: ``50 000 000``, ``S/ 50 000 000``, ``50.000.000``,
    ``50,000,000``, ``1 234,50``, ``1,234.50`` or ``2.5``. A text that could be read two ways
    (``1.500``: one thousand five hundred, or one and a half?) is refused, not guessed.

    Raises
    ------
    GeoprioError
        With the text at fault and how to write it (Spanish in ``error.text("es")``).

    Examples
    --------
    >>> parse_amount("S/ 50 000 000"), parse_amount("50.000.000"), parse_amount("1 234,5")
    (50000000.0, 50000000.0, 1234.5)
    >>> parse_amount("1,234.50"), parse_amount("2.5"), parse_amount(" 7 ")
    (1234.5, 2.5, 7.0)
    >>> parse_amount("1.500")
    Traceback (most recent call last):
    ...
    geoprio.errors.GeoprioError: '1.500' can be read as 1500 or as 1.5: write 1 500 or 1,5
    """
    from geoprio.errors import GeoprioError

    raw = str(text).strip()
    plain = re.sub(r"^S/\.?", "", raw).replace("\u00a0", "").replace("\u202f", "")
    plain = plain.replace(" ", "").replace("'", "")
    value = _amount(plain)
    if value == "ambiguous":
        whole, small = _spaced(plain), f"{float(plain.replace(',', '.')):g}"
        raise GeoprioError(f"{raw!r} can be read as {whole.replace(' ', '')} or as {small}: "
                           f"write {whole} or {small.replace('.', ',')}",
                           es=f"«{raw}» puede leerse como {whole} o como "
                              f"{small.replace('.', ',')}: escriba una de las dos formas")
    if value is None:
        raise GeoprioError(f"{raw!r} is not an amount; write it as 50 000 000 or 1 234,50",
                           es=f"«{raw}» no es un monto; escríbalo como 50 000 000 o 1 234,50")
    return value


def _spaced(digits: str) -> str:
    whole = digits.replace(",", "").replace(".", "")
    return f"{int(whole):,}".replace(",", " ")


def _amount(plain: str) -> float | str | None:
    """A number from digits and separators, ``"ambiguous"``, or None."""
    if re.fullmatch(r"\d+", plain):
        return float(plain)
    if _GROUPED.match(plain):  # 1.500.000 or 1,500,000; one group (1.500) is ambiguous
        return "ambiguous" if plain.count(plain[_GROUPED.match(plain).start(1)]) == 1 else \
            float(re.sub(r"[.,]", "", plain))
    m = re.fullmatch(r"(\d{1,3}(?:([.,])\d{3})*|\d+)([.,])(\d+)", plain)
    if m and m.group(2) != m.group(3):  # grouped thousands, then the other mark: decimals
        return float(re.sub(r"[.,]", "", m.group(1)) + "." + m.group(4))
    return None


def _whole_soles(x: float) -> bool:
    """True when ``x`` rounds to the cent as a whole number of soles."""
    cents = round(abs(x) * 100)
    return cents % 100 == 0


def printf_integer(lang: str = "es") -> str:
    """A printf format (sprintf-js, as Streamlit's tables use) for integers in ``lang``.

    Streamlit's ``NumberColumn(format=...)`` accepts ``%'X,d``: thousands separated by ``X``.

    Examples
    --------
    >>> printf_integer("es"), printf_integer("en")
    ("%'\\xa0,d", '%,d')
    """
    return f"%'{THOUSANDS['es']},d" if _lang(lang) == "es" else "%,d"


def decimals_for(values: Iterable[float], *, least: int | None = None,
                 most: int = 6) -> int:
    """The fewest decimals (from ``least``) that keep distinct values distinct once rounded.

    ``least`` defaults to what the spread of the values calls for: 0 for a spread of 10 or
    more, 1 from 1, 2 from 0.1, and so on. Values closer than ``10**-most`` stay equal.

    Examples
    --------
    >>> decimals_for([0.3, 0.5012, 0.5049, 0.5101, 0.79])  # 2 decimals: 0,50 0,50 0,51
    3
    >>> decimals_for([12.0, 25.0, 40.0]), decimals_for([0.1, 0.9])
    (0, 2)
    """
    x = np.asarray([v for v in values if not _missing(v)], dtype=float)
    if x.size == 0:
        return least or 0
    spread = float(np.ptp(x))
    if least is None:
        least = 0 if spread == 0 else int(np.clip(1 - math.floor(math.log10(spread)), 0, most))
    distinct = np.unique(x).size
    for d in range(least, most + 1):
        if np.unique(np.round(x, d)).size == distinct:
            return d
    return most


def break_labels(lower: float, bins: Sequence[float], lang: str = "es") -> list[str]:
    """Legend labels ``"lo – hi"`` of classes from ``lower`` up to each of ``bins``.

    As many decimals as the breaks need (:func:`decimals_for`): two classes never read
    the same, and a class whose ends round alike does not read "0,5 – 0,5". A class that
    holds a single value (its ends are equal) reads as that value.

    Examples
    --------
    >>> break_labels(0.4989, [0.5012, 0.5049, 0.5101, 0.79])
    ['0,499 – 0,501', '0,501 – 0,505', '0,505 – 0,510', '0,510 – 0,790']
    >>> break_labels(0, [10, 10, 25], "en")
    ['0 – 10', '10', '10 – 25']
    """
    ends = [float(lower), *map(float, bins)]
    d = decimals_for(ends)
    text = [number(v, d, lang) for v in ends]
    labels = []
    for i in range(1, len(ends)):
        lo, hi = text[i - 1], text[i]
        labels.append(hi if ends[i - 1] == ends[i] else f"{lo} – {hi}")
    return labels
