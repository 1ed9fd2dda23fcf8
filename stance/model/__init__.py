"""The model users load: :class:`~.stance_model.StanceModel` (classify, analyze, results and article
summaries) over the numpy scoring core (:mod:`.scoring`).

This package's ``__init__`` imports nothing, so loading a model for prediction does not
import scikit-learn.
"""
