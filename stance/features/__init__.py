"""Features: the TF-IDF specification fitted with scikit-learn (:mod:`.tfidf`) and its
numpy-only compiled transform used at prediction time (:mod:`.compiled`).

This package's ``__init__`` imports nothing, so the prediction path can load
:mod:`.compiled` without importing scikit-learn.
"""
