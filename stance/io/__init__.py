"""Model input/output: the joblib and pickle-free formats, manifests and hashes, trust in
pickles (:mod:`.persistence`, :mod:`.shipped_hashes`), atomic writes and the one JSON reader
(:mod:`.files`)."""
