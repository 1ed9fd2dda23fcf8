"""A labelling round on a corpus of your own: choose what to label, label it, compare models, check agreement.

- :mod:`.selection`: :func:`select_for_labelling` (uncertainty with diversity, a random share,
  balance over a field), behind ``stance select``;
- :mod:`.labelling`: :func:`label_records`, the terminal loop behind ``stance label``;
- :mod:`.compare`: :func:`compare_models`, behind ``stance compare``;
- :mod:`.agreement`: :func:`agreement_report` (Cohen's kappa, Krippendorff's alpha), behind
  ``stance agreement``;
- :mod:`.records`: the keys that identify a paragraph across files, and JSON-lines records.
"""

from .agreement import agreement_report, read_label_passes
from .compare import compare_models
from .labelling import label_records
from .records import labelled_keys, read_pool, record_key, text_key
from .selection import select_for_labelling, uncertainty_scores

__all__ = [
    "agreement_report",
    "compare_models",
    "label_records",
    "labelled_keys",
    "read_label_passes",
    "read_pool",
    "record_key",
    "select_for_labelling",
    "text_key",
    "uncertainty_scores",
]
