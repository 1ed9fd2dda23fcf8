"""Estimators in scikit-learn style: :class:`TopicClassifier` and :class:`StanceClassifier`."""

from .linear import StanceClassifier, TopicClassifier, balanced_sample_weight, topics_to_indicator

__all__ = ["StanceClassifier", "TopicClassifier", "balanced_sample_weight", "topics_to_indicator"]
