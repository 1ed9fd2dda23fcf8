"""Tiny made-up corpora shared by the word-vector tests (test_embeddings, test_word_vector_block)."""

#: A made-up unlabelled corpus: two clusters of words that share contexts (military, economy).
CORPUS = [
    "troops gathered near the border on monday",
    "tanks gathered near the border on tuesday",
    "troops and tanks moved near the border",
    "soldiers gathered near the border at night",
    "sanctions hit the banks on monday",
    "new sanctions hit russian banks and exports",
    "tariffs hit the banks and exports on tuesday",
    "sanctions and tariffs hit exports",
] * 12

#: Labelled paragraphs for the estimators (made up).
TEXTS = [
    "Troops gathered near the border, Moscow said.",
    "New sanctions hit Russian banks.",
    "Tanks moved near the border at night.",
    "Tariffs hit exports and banks.",
    "Soldiers gathered near the border.",
    "Sanctions and tariffs hit exports.",
] * 4
TOPICS = [["military_activity"], ["sanctions"]] * 12
STANCES = ["favor", "against", "none", "against", "favor", "none"] * 4
