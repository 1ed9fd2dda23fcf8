"""The fuzzing budget of the property-based (hypothesis) tests.

Each property test runs ``examples(n)`` generated inputs: ``n`` in the normal
suite (CI), or ``$STANCE_FUZZ_EXAMPLES`` when that is larger, for a long
nightly-style run (``benchmarks/fuzz.sh``)::

    STANCE_FUZZ_EXAMPLES=5000 python -m pytest -q -m fuzz
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

#: Environment variable that raises every property test's number of examples.
FUZZ_ENV = "STANCE_FUZZ_EXAMPLES"


def examples(default: int) -> int:
    """Examples for one property test: ``default``, or more when ``$STANCE_FUZZ_EXAMPLES`` asks for more."""
    value = os.environ.get(FUZZ_ENV, "").strip()
    if not value:
        return default
    try:
        wanted = int(value)
    except ValueError:
        raise pytest.UsageError(f"${FUZZ_ENV} must be a whole number of examples, got {value!r}") from None
    return max(default, wanted)


def fuzz(default: int):
    """``@settings`` of a property test with ``examples(default)`` examples, no deadline, marked ``fuzz``."""
    budget = settings(max_examples=examples(default), deadline=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                             HealthCheck.function_scoped_fixture])

    def decorate(test):
        return pytest.mark.fuzz(budget(test))

    return decorate
