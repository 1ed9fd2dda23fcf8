"""Estimators: :class:`TopicClassifier` and :class:`StanceClassifier` in scikit-learn style
(:mod:`.linear`), :class:`ClaimStanceClassifier` (a text toward a claim or headline, :mod:`.claims`), over the numpy scoring core that turns their features into scores and
evidence (:mod:`.scoring`).

The classes are imported on first use (PEP 562), so that the prediction path can import
:mod:`.scoring` without importing scikit-learn.
"""

from __future__ import annotations

__all__ = ["ClaimStanceClassifier", "StanceClassifier", "TopicClassifier", "balanced_sample_weight",
           "topics_to_indicator"]


def __getattr__(name: str):
    if name == "ClaimStanceClassifier":
        from . import claims

        return claims.ClaimStanceClassifier
    if name in __all__:
        from . import linear

        return getattr(linear, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
