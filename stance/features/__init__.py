"""Features: the TF-IDF specification fitted with scikit-learn (:mod:`.tfidf`) and its
compiled transform used at prediction time (:mod:`.compiled`: numpy, with optional C loops); word vectors
learned from unlabelled text (:mod:`.embeddings`, scikit-learn) and their numpy-only
pooled block (:mod:`.vectors`).

This package's ``__init__`` imports nothing, so the prediction path can load
:mod:`.compiled` and :mod:`.vectors` without importing scikit-learn.
"""
