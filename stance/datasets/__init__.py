"""Corpora: the data root, the domain corpus and its label files (:mod:`.domain`), and the
public stance benchmarks (:mod:`.benchmarks`)."""

from .benchmarks import FNCData, load_fnc1, load_ruw, load_semeval2016
from .labelled import LabelledData
from .domain import (
    DATA_ROOT_ENV,
    DOMAIN_POOLS,
    DOMAIN_STANCES,
    DOMAIN_TOPICS,
    load_domain,
    load_domain_grown,
    load_seed_article,
    read_labelled_jsonl,
    resolve_data_root,
)

__all__ = [
    "DATA_ROOT_ENV",
    "DOMAIN_POOLS",
    "DOMAIN_STANCES",
    "DOMAIN_TOPICS",
    "FNCData",
    "LabelledData",
    "load_domain",
    "load_domain_grown",
    "load_fnc1",
    "load_ruw",
    "load_seed_article",
    "load_semeval2016",
    "read_labelled_jsonl",
    "resolve_data_root",
]
