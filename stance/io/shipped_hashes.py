"""sha256 of the pickles of the models shipped with this version (tools/record_shipped_hashes.py)."""

SHIPPED_PICKLES: dict[str, dict[str, str]] = {
    'default': {
        'stance.joblib': '121e0d449ccdb91f2d4ade4a07465056e103528772f4127450c3156a29c57021',
        'topic.joblib': '41d94669344632eb57135cc29fd0b894ededaebc7cbab88d1ecf3691a395a07b',
    },
}
