"""sha256 of the pickles of the models shipped with this version (tools/record_shipped_hashes.py)."""

SHIPPED_PICKLES: dict[str, dict[str, str]] = {
    'default': {
        'stance.joblib': 'cdd7365d7f6c2584923596370c866ec17fc88badd2e951974f51c0d3c08f5180',
        'topic.joblib': 'f535342d8c5ed41523f0c38978439375733a7aaca299caaff37108b380bdacaa',
    },
}
