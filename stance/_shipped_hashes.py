"""sha256 of the pickles of the models shipped with this version (tools/record_shipped_hashes.py)."""

SHIPPED_PICKLES: dict[str, dict[str, str]] = {
    'default': {
        'stance.joblib': '19c5c0a058c6cd3e8eca49f134d16572cbb30f21a23d67f88f79b5b35e0d0eec',
        'topic.joblib': '119337240d22cf14d7591050f1ee7a87fc8e9c93755f5e4b98cae12e70e08ec8',
    },
}
