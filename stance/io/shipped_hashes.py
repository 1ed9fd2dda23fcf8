"""sha256 of the pickles of the models shipped with this version (tools/record_shipped_hashes.py)."""

SHIPPED_PICKLES: dict[str, dict[str, str]] = {
    'default': {
        'stance.joblib': 'e4678d4234bca681ed2452381b749407fa3074efde566ffbb18e40dcc0c7b4de',
        'topic.joblib': '1d80acfaf418a11ffeb7de6208aabbbaadb33c0630646033023702cfb493ac75',
    },
}
