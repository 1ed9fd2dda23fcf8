"""Parameter rules of the estimators, declared once per class and checked at the start of ``fit``.

Each estimator has a ``_parameter_constraints`` dict mapping every parameter of
``__init__`` to a list of allowed kinds; a value is valid when one kind accepts
it. :func:`validate_params` raises
:class:`~stance.exceptions.InvalidParameterError` in scikit-learn's wording:
"The 'C' parameter of TopicClassifier must be a float in the range (0.0, inf). Got -1 instead."

Kinds: an :class:`Interval`, an :class:`Options`, ``None`` (the value ``None``),
``"boolean"``, ``"random_state"``, ``"ngram_range"``, ``"str"`` (a non-empty
string), ``"str_sequence"`` (a list or tuple of strings) and ``"word_vectors"``
(a word-vector directory or table).

Examples
--------
>>> import numbers
>>> str(Interval(numbers.Real, 0, None, closed="neither"))
'a float in the range (0.0, inf)'
>>> str(Options({"ovr", "two_stage"}))
"a str among {'ovr', 'two_stage'}"
"""

from __future__ import annotations

import numbers
import os

import numpy as np

from ..exceptions import InvalidParameterError

__all__ = ["Interval", "Options", "validate_params"]


def _is_real(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))


class Interval:
    """Numbers of one type (``numbers.Integral`` or ``numbers.Real``) between two bounds.

    ``closed`` is one of ``"left"``, ``"right"``, ``"both"``, ``"neither"``; a
    bound of ``None`` is infinite.
    """

    def __init__(self, type_, left, right, *, closed: str):
        self.type, self.left, self.right, self.closed = type_, left, right, closed

    def is_satisfied_by(self, v) -> bool:
        if not (_is_int(v) if self.type is numbers.Integral else _is_real(v)):
            return False
        if isinstance(v, float) and np.isnan(v):
            return False
        if self.left is not None:
            if v < self.left or (v == self.left and self.closed in ("right", "neither")):
                return False
        if self.right is not None:
            if v > self.right or (v == self.right and self.closed in ("left", "neither")):
                return False
        return True

    def __str__(self) -> str:
        integral = self.type is numbers.Integral
        kind = "an int" if integral else "a float"
        fmt = (lambda b: str(b)) if integral else (lambda b: str(float(b)))
        left = "-inf" if self.left is None else fmt(self.left)
        right = "inf" if self.right is None else fmt(self.right)
        lb = "[" if self.left is not None and self.closed in ("left", "both") else "("
        rb = "]" if self.right is not None and self.closed in ("right", "both") else ")"
        return f"{kind} in the range {lb}{left}, {right}{rb}"


class Options:
    """One of a set of strings."""

    def __init__(self, options):
        self.options = set(options)

    def is_satisfied_by(self, v) -> bool:
        return isinstance(v, str) and v in self.options

    def __str__(self) -> str:
        return "a str among {" + ", ".join(repr(o) for o in sorted(self.options)) + "}"

    @staticmethod
    def weights(n: int) -> _Weights:
        """A sequence of ``n`` non-negative finite floats, one at least positive."""
        return _Weights(n)


class _Weights:
    def __init__(self, n: int):
        self.n = n

    def is_satisfied_by(self, v) -> bool:
        return (isinstance(v, (list, tuple, np.ndarray)) and len(v) == self.n and all(_is_real(w) for w in v)
                and all(np.isfinite(w) and w >= 0 for w in v) and any(w > 0 for w in v))

    def __str__(self) -> str:
        return f"a sequence of {self.n} non-negative floats, one at least positive"


class _Named:
    def __init__(self, test, text: str):
        self.test, self.text = test, text

    def is_satisfied_by(self, v) -> bool:
        return self.test(v)

    def __str__(self) -> str:
        return self.text


def _ngram_range(v) -> bool:
    return (isinstance(v, (tuple, list)) and len(v) == 2 and all(_is_int(x) for x in v) and 1 <= v[0] <= v[1])


_NAMED = {
    None: _Named(lambda v: v is None, "None"),
    "boolean": _Named(lambda v: isinstance(v, (bool, np.bool_)), "an instance of 'bool'"),
    "random_state": _Named(
        lambda v: v is None or (_is_int(v) and 0 <= v <= 2**32 - 1) or isinstance(v, np.random.RandomState),
        "an int in the range [0, 4294967295], an instance of 'numpy.random.mtrand.RandomState' or None"),
    "ngram_range": _Named(_ngram_range, "a tuple (min_n, max_n) of ints with 1 <= min_n <= max_n"),
    "str": _Named(lambda v: isinstance(v, str) and bool(v), "a non-empty str"),
    "word_vectors": _Named(
        lambda v: isinstance(v, (str, os.PathLike)) or callable(getattr(v, "pooled", None))
        or (hasattr(v, "vocabulary") and hasattr(v, "vectors") and callable(getattr(v, "transform", None))),
        "a word-vector directory (str or path), a fitted WordVectors or a PooledVectors"),
    "str_sequence": _Named(
        lambda v: isinstance(v, (list, tuple, np.ndarray)) and all(isinstance(x, str) for x in v),
        "a list of str"),
}


def _kind(constraint):
    if isinstance(constraint, str) or constraint is None:
        return _NAMED[constraint]
    return constraint


def validate_params(estimator) -> None:
    """Check every parameter of ``estimator`` against its class's ``_parameter_constraints``.

    Raises
    ------
    InvalidParameterError
        Naming the parameter, the class, what is allowed and the value given.
    """
    constraints = type(estimator)._parameter_constraints
    params = estimator.get_params(deep=False)
    missing = sorted(set(params) - set(constraints))
    if missing:  # a programming error: every parameter must be declared
        raise RuntimeError(f"{type(estimator).__name__} declares no rule for parameter(s) {missing}")
    for name, value in params.items():
        kinds = [_kind(c) for c in constraints[name]]
        if any(k.is_satisfied_by(value) for k in kinds):
            continue
        texts = [str(k) for k in kinds]
        # None goes last, as in scikit-learn
        texts = [t for t in texts if t != "None"] + (["None"] if "None" in texts else [])
        allowed = texts[0] if len(texts) == 1 else f"{', '.join(texts[:-1])} or {texts[-1]}"
        raise InvalidParameterError(
            f"The {name!r} parameter of {type(estimator).__name__} must be {allowed}. Got {value!r} instead."
        )
