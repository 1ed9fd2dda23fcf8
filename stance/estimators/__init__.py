"""Estimators in scikit-learn style: :class:`TopicClassifier` and :class:`StanceClassifier` (paragraphs,
optionally toward targets) and :class:`ClaimStanceClassifier` (a text toward a claim or headline)."""

from .claims import ClaimStanceClassifier
from .linear import StanceClassifier, TopicClassifier, balanced_sample_weight, topics_to_indicator

__all__ = ["ClaimStanceClassifier", "StanceClassifier", "TopicClassifier", "balanced_sample_weight",
           "topics_to_indicator"]
