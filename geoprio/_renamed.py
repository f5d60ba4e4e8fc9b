"""Keyword arguments that changed name, still accepted for a while (issue 22).

The public API names one thing one way: ``id_column`` for the code column (it was also
``key`` and ``code_column``), ``weights`` only for indicator weights (spatial weights are
``spatial_weights``, population rasters and columns ``population``). Scripts written with the
old names keep running: :func:`renamed` maps each old keyword to its new name and says so
with a :class:`DeprecationWarning` that names the new one.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["renamed"]

F = TypeVar("F", bound=Callable[..., Any])


def renamed(**old_to_new: str) -> Callable[[F], F]:
    """Decorator: accept ``old=`` for ``new=``, with a DeprecationWarning naming ``new``.

    Parameters
    ----------
    **old_to_new : str
        Each old keyword and the parameter that replaces it.

    Returns
    -------
    callable
        The decorator. Passing both names at once is a ``TypeError``, as Python says of a
        keyword given twice.

    Examples
    --------
    >>> import warnings
    >>> @renamed(key="id_column")
    ... def f(*, id_column=None):
    ...     return id_column
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     f(key="codigo"), str(caught[0].message)
    ('codigo', "f(): the keyword 'key' is deprecated; use 'id_column' (same meaning)")
    """
    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old not in kwargs:
                    continue
                if new in kwargs:
                    raise TypeError(f"{func.__name__}() got both {old!r} and {new!r}; "
                                    f"{old!r} is the old name of {new!r}: give only {new!r}")
                warnings.warn(f"{func.__name__}(): the keyword {old!r} is deprecated; use "
                              f"{new!r} (same meaning)", DeprecationWarning, stacklevel=2)
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
