"""Work on whole corpora: streaming JSON lines (:mod:`.stream`), HTML/CSV reports
(:mod:`.report`) and dask partitions (:mod:`.distributed`)."""
