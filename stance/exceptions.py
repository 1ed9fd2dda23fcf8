"""Exceptions raised by :mod:`stance`.

Every exception subclasses :class:`StanceError` and a builtin, so callers can
catch either the library's own type or the builtin they already handle::

    StanceError (Exception)
    ├── InvalidInputError (StanceError, ValueError)   bad text given to classify/split
    ├── InvalidParameterError (StanceError, ValueError, TypeError)
    │                                                  an estimator parameter outside its rules (fit)
    │   └── InputTooLargeError                         an article or paragraph over the size limit
    ├── DataError (StanceError, ValueError)           malformed training/evaluation data
    │   └── LabelError                                 an unknown or missing label
    ├── DataRootNotFoundError (StanceError, FileNotFoundError)
    │                                                  a corpus is not where it is expected
    └── ModelError (StanceError, OSError)             a model directory cannot be used
        ├── ModelNotFoundError (ModelError, FileNotFoundError)
        ├── ModelIntegrityError                        a file's sha256 differs from the manifest, or a
        │                                              file holds a value the model cannot use
        ├── ModelVersionError                          written by an incompatible library version
        └── UntrustedModelError (ModelError, PermissionError)
                                                       a pickle from outside the shipped models,
                                                       loaded without trusted=True

:class:`sklearn.exceptions.NotFittedError` is re-exported unchanged, because
scikit-learn tools already know how to handle it.
"""

from __future__ import annotations

__all__ = [
    "DataError",
    "DataRootNotFoundError",
    "InputTooLargeError",
    "InvalidInputError",
    "InvalidParameterError",
    "LabelError",
    "ModelError",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "ModelVersionError",
    "NotFittedError",
    "StanceError",
    "UntrustedModelError",
]


class StanceError(Exception):
    """Base class of every error raised on purpose by :mod:`stance`."""


class InvalidInputError(StanceError, ValueError):
    """Text given to the library is not usable (not a string, not UTF-8...)."""


class InvalidParameterError(StanceError, ValueError, TypeError):
    """An estimator parameter breaks its rule (raised at the start of ``fit``), in scikit-learn's wording."""


class InputTooLargeError(InvalidInputError):
    """An article or paragraph is larger than the configured limit."""


class DataError(StanceError, ValueError):
    """Training or evaluation data is malformed (bad JSON, missing field, empty set)."""


class LabelError(DataError):
    """A label is unknown, or a label of the label set has no example."""


class DataRootNotFoundError(StanceError, FileNotFoundError):
    """A corpus is not found under the data root."""


class ModelError(StanceError, OSError):
    """A model directory cannot be loaded or written."""


class ModelNotFoundError(ModelError, FileNotFoundError):
    """The model directory, its manifest or one of its files is missing."""


class ModelIntegrityError(ModelError):
    """A model file does not match the sha256 in its manifest, or holds a value the model cannot use.

    The message names the file and, for a bad value, the field (an array's
    dtype, shape or finiteness, a parameter outside its allowed range).
    """


class ModelVersionError(ModelError):
    """A model was written by an incompatible version of stance or scikit-learn."""



class UntrustedModelError(ModelError, PermissionError):
    """A pickled model from outside the shipped models was loaded without ``trusted=True``."""


def __getattr__(name: str):
    # NotFittedError is scikit-learn's own class, imported on first use so that
    # ``import stance`` does not import scikit-learn.
    if name == "NotFittedError":
        from sklearn.exceptions import NotFittedError

        return NotFittedError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
