"""FNC-1 (Fake News Challenge, headline-body stance): our two-stage linear model against peers.

Metrics on the competition test set: the FNC score (0.25 for each right
related/unrelated decision, +0.75 for the exact label of a related pair, as a
percentage of the maximum) and macro-F1 over the four labels (Hanselowski et al., 2018).

Our model is linear throughout, in two stages over headline-body features:

1. related vs unrelated: logistic regression over similarity features
   (TF-IDF cosine of headline and body, of headline and the body's first three
   sentences, of word bigrams and of char 3-5 grams; LSA cosine; the best and
   top-3 headline-sentence cosines and the position of the best sentence;
   word-overlap fractions; lengths), each standardised and also one-hot
   binned by quantile so the linear model can draw a piecewise-linear curve;
2. agree / disagree / discuss on related pairs: logistic regression over the same
   similarity block, refuting / hedging / confirming cue words (in the headline,
   the body and the three body sentences most similar to the headline), TF-IDF of
   the headline (word 1-2), of the body (words) and of the body's first three sentences.

The prediction is ``unrelated`` when P(related) is below a threshold, else the
stage-2 class with the largest weighted probability. The threshold and the
three class weights are chosen on out-of-fold predictions of a *claim-disjoint*
3-fold cross-validation on train + dev: pairs are grouped into claims (connected
components of the headline-body graph of related pairs) and a fold holds out
whole claims, headlines and bodies, as the competition test set does. (The
official hold-out split shares every headline with the training split, so it
rewards memorising headlines; it is reported too.)

Peers on the same split: plain ``TfidfVectorizer()`` + ``LogisticRegression()``
on "headline + body", fastText and spaCy's bag-of-words textcat on the same text.

Usage::

    python benchmarks/fnc1.py [--data-root DIR]

The last line printed is the headline, e.g. ``fnc1 score 82.15 macro_f1 0.631``.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix
from sklearn.preprocessing import KBinsDiscretizer, MaxAbsScaler, StandardScaler
from sklearn.preprocessing import normalize as l2_normalize

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402
from nltk.stem import PorterStemmer  # noqa: E402

from stance.datasets.benchmarks import load_fnc1  # noqa: E402
from stance.evaluation import FNC_LABELS, fnc_score  # noqa: E402
from stance.features.tfidf import preprocess  # noqa: E402
from stance.text.processing import split_sentences, words  # noqa: E402

NAME = "fnc1"
RELATED = np.array(["agree", "disagree", "discuss"], dtype=object)
ANCHORS = [
    ("official baseline (GBDT, hand features)", 75.2, None),
    ("UCL Machine Reading (TF-IDF + MLP)", 81.72, 0.583),
    ("Athene (MLP ensemble)", 81.97, 0.604),
    ("Talos (CNN + GBDT)", 82.02, 0.582),
]
TARGET = {"fnc": 82.1, "macro_f1": 0.62}
STAGE1_C, STAGE2_C = 1.0, 1.0
N_BINS = 20
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)
WEIGHT_GRID = (0.8, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0)
FASTTEXT_PARAMS = {"epoch": 5, "lr": 0.1, "wordNgrams": 2, "dim": 50, "minCount": 2}
SPACY_PARAMS = {"epochs": 2, "ngram_size": 1}
SPACY_MAX_CHARS = 2000

# -- cue lexicons (hand-written, generic English; no corpus text) --------------------------------
REFUTE = """fake fraud hoax false deny denies denied denial not despite nope doubt doubts bogus debunk debunked
debunks prank pranks retract retracted retraction untrue rumor rumors rumour rumours misleading fabricated falsely
satire satirical never no refute refuted refutes dismiss dismissed dismisses unfounded baseless lie lies incorrect
wrong contrary however but neither nor nothing none""".split()
HEDGE = """reportedly allegedly alleged claim claims claimed according report reports reported may might could possibly
possible appears appear seems seem suggest suggests unconfirmed unverified purportedly purported apparently supposedly
rumored speculation speculate believed likely unclear uncertain if would whether say says said sources source
told""".split()
CONFIRM = """confirm confirms confirmed confirmation official officially announced announces indeed verified true
proof evidence revealed reveals shows showed""".split()
CUE_SETS = {"refute": set(REFUTE), "hedge": set(HEDGE), "confirm": set(CONFIRM)}
ALL_CUES = sorted(set(REFUTE) | set(HEDGE) | set(CONFIRM))
CUE_INDEX = {w: i for i, w in enumerate(ALL_CUES)}

_stemmer = PorterStemmer()
_stem_cache: dict[str, str] = {}


def _stem(w: str) -> str:
    s = _stem_cache.get(w)
    if s is None:
        s = _stem_cache[w] = _stemmer.stem(w)
    return s


def tokens(text: str) -> list[str]:
    return words(preprocess(text))


def content_stems(text: str) -> list[str]:
    return [_stem(w) for w in tokens(text) if w not in ENGLISH_STOP_WORDS]


def _rowdot(A, B) -> np.ndarray:
    return np.asarray(A.multiply(B).sum(1)).ravel()


class _Texts:
    """Unique headlines, unique bodies, body sentences and body leads (first ``n_lead`` sentences)."""

    def __init__(self, headlines, bodies: dict[int, str], n_lead: int = 3):
        self.headlines = list(dict.fromkeys(headlines))
        self.h_index = {h: i for i, h in enumerate(self.headlines)}
        self.body_ids = list(bodies)
        self.b_index = {b: i for i, b in enumerate(self.body_ids)}
        self.bodies = [bodies[b] for b in self.body_ids]
        self.sents, owner = [], []
        for j, text in enumerate(self.bodies):
            ss = [s for s in split_sentences(text) if s.strip()] or [text if text.strip() else "empty"]
            self.sents.extend(ss)
            owner.extend([j] * len(ss))
        self.owner = np.asarray(owner)
        self.start = np.searchsorted(self.owner, np.arange(len(self.bodies)))
        self.end = np.searchsorted(self.owner, np.arange(len(self.bodies)), side="right")
        self.lead = [" ".join(self.sents[self.start[j]:min(self.end[j], self.start[j] + n_lead)])
                     for j in range(len(self.bodies))]


class HeadlineBodyFeatures:
    """Featurizer of headline-body pairs; fitted on the texts of the training pairs only."""

    def __init__(self, n_svd: int = 200, n_top: int = 3, random_state: int = C.SEED):
        self.n_svd, self.n_top, self.random_state = n_svd, n_top, random_state

    def fit(self, headlines, bodies: dict[int, str]):
        tx = _Texts(headlines, bodies)
        docs = tx.headlines + tx.bodies
        kw = {"sublinear_tf": True, "dtype": np.float32}
        self.word_ = TfidfVectorizer(analyzer=content_stems, min_df=2, **kw).fit(docs)
        self.bigram_ = TfidfVectorizer(tokenizer=content_stems, token_pattern=None, lowercase=False,
                                       ngram_range=(2, 2), min_df=2, **kw).fit(docs)
        self.char_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), preprocessor=preprocess, min_df=3,
                                     max_features=200_000, **kw).fit(docs)
        self.svd_ = TruncatedSVD(self.n_svd, random_state=self.random_state).fit(self.word_.transform(docs))
        lex = {"tokenizer": tokens, "token_pattern": None, "lowercase": False, **kw}
        self.head_ = TfidfVectorizer(ngram_range=(1, 2), min_df=2, **lex).fit(tx.headlines)
        self.body_ = TfidfVectorizer(min_df=2, max_features=20_000, **lex).fit(tx.bodies)
        self.lead_ = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=50_000, **lex).fit(tx.lead)
        return self

    def transform(self, headlines, body_ids, bodies: dict[int, str]) -> dict:
        tx = _Texts(headlines, bodies)
        hi = np.array([tx.h_index[h] for h in headlines])
        bi = np.array([tx.b_index[b] for b in body_ids])
        n = len(hi)
        Hw, Bw, Lw = (self.word_.transform(x) for x in (tx.headlines, tx.bodies, tx.lead))
        Hs, Bs = (l2_normalize(self.svd_.transform(M)) for M in (Hw, Bw))
        sim = {
            "cos_word": _rowdot(Hw[hi], Bw[bi]),
            "cos_lead": _rowdot(Hw[hi], Lw[bi]),
            "cos_bigram": _rowdot(self.bigram_.transform(tx.headlines)[hi], self.bigram_.transform(tx.bodies)[bi]),
            "cos_char": _rowdot(self.char_.transform(tx.headlines)[hi], self.char_.transform(tx.bodies)[bi]),
            "cos_lsa": np.einsum("ij,ij->i", Hs[hi], Bs[bi]),
        }
        # headline-sentence similarities, body by body
        Sw = self.word_.transform(tx.sents)
        s_max, s_top, s_first, s_pos = (np.zeros(n) for _ in range(4))
        top_sents: list[np.ndarray] = [np.empty(0, int)] * n
        order = np.argsort(bi, kind="stable")
        uniq, first = np.unique(bi[order], return_index=True)
        for j, rows in zip(uniq, np.split(order, first[1:])):
            M = (Hw[hi[rows]] @ Sw[tx.start[j]:tx.end[j]].T).toarray()
            ordered = np.argsort(-M, axis=1)
            srt = np.take_along_axis(M, ordered, axis=1)
            s_max[rows], s_top[rows], s_first[rows] = srt[:, 0], srt[:, :self.n_top].mean(1), M[:, 0]
            s_pos[rows] = ordered[:, 0] / max(1, M.shape[1] - 1)
            for r, top in zip(rows, ordered[:, :self.n_top]):
                top_sents[r] = tx.start[j] + top
        sim.update({"sent_max": s_max, "sent_top": s_top, "sent_first": s_first, "sent_best_pos": s_pos})
        hset = [set(content_stems(h)) for h in tx.headlines]
        bset = [set(content_stems(b)) for b in tx.bodies]
        lset = [set(content_stems(b)) for b in tx.lead]
        hlen = np.array([len(hset[a]) for a in hi], float)
        overlap = np.array([len(hset[a] & bset[b]) for a, b in zip(hi, bi)], float)
        sim["overlap_frac"] = overlap / np.maximum(hlen, 1)
        sim["overlap_log"] = np.log1p(overlap)
        sim["overlap_lead_frac"] = np.array([len(hset[a] & lset[b]) for a, b in zip(hi, bi)], float) / np.maximum(hlen, 1)
        sim["headline_len"] = np.log1p(hlen)
        sim["body_len"] = np.log1p(np.array([len(tx.bodies[b]) for b in bi], float))
        names = list(sim)
        S = np.column_stack([sim[k] for k in names]).astype(np.float64)

        # cue words: per cue, in the headline (0/1), the body (log count), the top-n sentences (0/1)
        def cue_counts(toks):
            v = np.zeros(len(ALL_CUES), np.float32)
            for w in toks:
                k = CUE_INDEX.get(w)
                if k is not None:
                    v[k] += 1
            return v

        Hc = np.array([cue_counts(tokens(h)) > 0 for h in tx.headlines], np.float32)[hi]
        Bc = np.log1p(np.array([cue_counts(tokens(b)) for b in tx.bodies], np.float32))[bi]
        Sc = np.array([cue_counts(tokens(s)) > 0 for s in tx.sents], np.float32)
        Tc = np.zeros((n, len(ALL_CUES)), np.float32)
        for r in range(n):
            if len(top_sents[r]):
                Tc[r] = Sc[top_sents[r]].max(0)

        def by_set(M):
            return np.column_stack([M[:, [CUE_INDEX[w] for w in sorted(ws)]].sum(1) for ws in CUE_SETS.values()])

        Hs_, Bs_, Ts_ = by_set(Hc), by_set(Bc), by_set(Tc)
        question = np.array(["?" in h for h in tx.headlines], np.float32)[hi]
        cue = np.column_stack([Hc, Bc, Tc, question, Hs_, np.log1p(Bs_), np.log1p(Ts_),
                               (Hs_[:, 0] > 0) & (Ts_[:, 0] > 0)]).astype(np.float32)
        return {
            "sim": S, "sim_names": names, "cue": sp.csr_matrix(cue),
            "head": self.head_.transform(tx.headlines)[hi],
            "body": self.body_.transform(tx.bodies)[bi],
            "lead": self.lead_.transform(tx.lead)[bi],
        }

def subset(F: dict, idx) -> dict:
    return {k: (v if k == "sim_names" else v[idx]) for k, v in F.items()}


class TwoStageModel:
    """Stage 1 related/unrelated, stage 2 agree/disagree/discuss; both logistic regression."""

    STAGE2_BLOCKS = ("cue", "head", "body", "lead")

    def __init__(self, threshold=0.5, weights=(1.0, 1.0, 1.0), stage2_blocks=STAGE2_BLOCKS):
        self.threshold, self.weights, self.stage2_blocks = threshold, np.asarray(weights, float), stage2_blocks

    def _sim(self, S, fit=False):
        if fit:
            self.scaler_ = StandardScaler().fit(S)
            self.bins_ = KBinsDiscretizer(n_bins=N_BINS, encode="onehot", strategy="quantile",
                                          quantile_method="averaged_inverted_cdf").fit(S)
        return sp.hstack([sp.csr_matrix(self.scaler_.transform(S)), self.bins_.transform(S)], format="csr")

    def _stage2_design(self, F, sim, fit=False):
        blocks = [sim]
        for b in self.stage2_blocks:
            M = F[b]
            if b == "cue":
                if fit:
                    self.cue_scaler_ = MaxAbsScaler().fit(M)
                M = self.cue_scaler_.transform(M)
            blocks.append(M)
        return sp.hstack(blocks, format="csr")

    def fit(self, F: dict, y):
        y = np.asarray(y, dtype=object)
        related = y != "unrelated"
        sim = self._sim(F["sim"], fit=True)
        self.stage1_ = LogisticRegression(C=STAGE1_C, max_iter=3000, tol=1e-3).fit(sim, related)
        X2 = self._stage2_design(subset(F, related), sim[related], fit=True)
        self.stage2_ = LogisticRegression(C=STAGE2_C, max_iter=3000, tol=1e-3).fit(X2, y[related])
        return self

    def proba(self, F: dict) -> tuple[np.ndarray, np.ndarray]:
        sim = self._sim(F["sim"])
        p_related = self.stage1_.predict_proba(sim)[:, 1]
        p2 = self.stage2_.predict_proba(self._stage2_design(F, sim))
        return p_related, p2[:, [list(self.stage2_.classes_).index(c) for c in RELATED]]

    @staticmethod
    def decide(p_related, p2, threshold, weights) -> np.ndarray:
        return np.where(p_related >= threshold, RELATED[np.argmax(p2 * np.asarray(weights), axis=1)], "unrelated")

    def predict(self, F: dict) -> np.ndarray:
        return self.decide(*self.proba(F), self.threshold, self.weights)


def claim_groups(headlines, body_ids, labels) -> tuple[np.ndarray, np.ndarray]:
    """Claim id of each pair's headline and of its body: components of the related-pair graph."""
    hs = {h: i for i, h in enumerate(dict.fromkeys(headlines))}
    bs = {b: i for i, b in enumerate(dict.fromkeys(body_ids))}
    rel = [k for k, lab in enumerate(labels) if lab != "unrelated"]
    rows = [hs[headlines[k]] for k in rel]
    cols = [len(hs) + bs[body_ids[k]] for k in rel]
    n = len(hs) + len(bs)
    graph = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    return (np.array([comp[hs[h]] for h in headlines]), np.array([comp[len(hs) + bs[b]] for b in body_ids]))


def claim_disjoint_folds(h_claim, b_claim, n_folds=3, seed=C.SEED):
    """Folds that hold out whole claims: a pair is held out when its headline's and its body's claims are.

    Pairs whose headline and body fall on different sides are used neither for training nor for scoring.
    """
    claims = np.unique(np.concatenate([h_claim, b_claim]))
    fold_of = dict(zip(claims, np.random.RandomState(seed).randint(0, n_folds, len(claims))))
    fh = np.array([fold_of[c] for c in h_claim])
    fb = np.array([fold_of[c] for c in b_claim])
    return [(np.flatnonzero((fh != k) & (fb != k)), np.flatnonzero((fh == k) & (fb == k))) for k in range(n_folds)]


def score(y_true, y_pred) -> dict:
    y_true, y_pred = list(y_true), list(y_pred)
    return {
        "fnc_score": round(100 * fnc_score(y_true, y_pred), 2),
        "macro_f1": round(C.macro_f1(y_true, y_pred, FNC_LABELS), 4),
        "per_class": C.per_class(y_true, y_pred, FNC_LABELS),
        "related_accuracy": round(float(np.mean((np.asarray(y_true) != "unrelated")
                                                == (np.asarray(y_pred) != "unrelated"))), 4),
        "confusion": {"labels": list(FNC_LABELS),
                      "matrix": confusion_matrix(y_true, y_pred, labels=list(FNC_LABELS)).tolist()},
    }


def tune_decision(y, p_related, p2) -> tuple[dict, list[dict]]:
    """Threshold and class weights from out-of-fold probabilities.

    Rule: among the settings whose macro-F1 reaches the target, the one with the
    best FNC score; when none does, the best sum FNC/100 + macro-F1.
    """
    trials = []
    for t in THRESHOLDS:
        for wa, wd in itertools.product(WEIGHT_GRID, repeat=2):
            w = (wa, wd, 1.0)  # discuss fixed at 1: only the ratios matter
            pred = TwoStageModel.decide(p_related, p2, t, w)
            trials.append({"threshold": t, "weights": list(w), "fnc": round(100 * fnc_score(y, pred), 3),
                           "macro_f1": round(C.macro_f1(y, pred, FNC_LABELS), 4)})
    ok = [r for r in trials if r["macro_f1"] >= TARGET["macro_f1"]]
    best = max(ok, key=lambda r: r["fnc"]) if ok else max(trials, key=lambda r: r["fnc"] / 100 + r["macro_f1"])
    rule = ("best FNC among settings with CV macro-F1 >= %.2f" % TARGET["macro_f1"]) if ok else \
        "no setting reached the macro-F1 target on CV; best FNC/100 + macro-F1"
    return {**best, "rule": rule}, trials


def main(argv=None) -> int:
    p = C.parser(__doc__.splitlines()[0])
    p.add_argument("--cv-only", action="store_true", help="stop after the claim-disjoint CV (no test evaluation)")
    args = p.parse_args(argv)
    C.seed_everything()
    notes: list[str] = []
    timings = {}
    with C.Timer() as total:
        train, dev, test = (load_fnc1(s, data_root=args.data_root) for s in ("train", "dev", "test"))
        H = train.targets + dev.targets
        B = train.body_ids + dev.body_ids
        y = np.asarray(train.labels + dev.labels, dtype=object)
        bodies = {**train.bodies, **dev.bodies}
        is_dev = np.r_[np.zeros(len(train), bool), np.ones(len(dev), bool)]

        with C.Timer() as t:
            feats = HeadlineBodyFeatures().fit(H, bodies)
            F = feats.transform(H, B, bodies)
        timings["features_train_dev"] = t.seconds
        C.log(f"features of train+dev: {t.seconds}s")

        # 1. claim-disjoint CV on train+dev: out-of-fold probabilities -> threshold and weights
        with C.Timer() as t:
            h_claim, b_claim = claim_groups(H, B, list(y))
            folds = claim_disjoint_folds(h_claim, b_claim)
            p_rel = np.full(len(y), np.nan)
            p2 = np.full((len(y), 3), np.nan)
            for tri, tei in folds:
                m = TwoStageModel().fit(subset(F, tri), y[tri])
                p_rel[tei], p2[tei] = m.proba(subset(F, tei))
            held = np.concatenate([te for _, te in folds])
            chosen, trials = tune_decision(y[held], p_rel[held], p2[held])
            cv_default = score(y[held], TwoStageModel.decide(p_rel[held], p2[held], 0.5, (1, 1, 1)))
            cv_chosen = score(y[held], TwoStageModel.decide(p_rel[held], p2[held], chosen["threshold"],
                                                            chosen["weights"]))
        timings["claim_cv"] = t.seconds
        if args.cv_only:
            for r in sorted(trials, key=lambda r: -r["fnc"])[:15] + sorted(trials, key=lambda r: -r["macro_f1"])[:10]:
                print(r)
            print(chosen, cv_default["fnc_score"], cv_default["macro_f1"], cv_chosen["fnc_score"], cv_chosen["macro_f1"])
            return 0
        C.log(f"claim-disjoint CV: default {cv_default['fnc_score']}/{cv_default['macro_f1']}, "
              f"chosen {chosen} ({t.seconds}s)")

        # 2. the official hold-out split (train -> dev), for reference (features fitted on train+dev text)
        with C.Timer() as t:
            m = TwoStageModel(chosen["threshold"], chosen["weights"]).fit(subset(F, ~is_dev), y[~is_dev])
            pr, pp = m.proba(subset(F, is_dev))
            dev_default = score(y[is_dev], TwoStageModel.decide(pr, pp, 0.5, (1, 1, 1)))
            dev_chosen = score(y[is_dev], TwoStageModel.decide(pr, pp, chosen["threshold"], chosen["weights"]))
        timings["official_dev"] = t.seconds
        C.log(f"official dev: default {dev_default['fnc_score']}/{dev_default['macro_f1']}, chosen "
              f"{dev_chosen['fnc_score']}/{dev_chosen['macro_f1']} ({t.seconds}s)")

        # 3. the finished model: fitted on train+dev, evaluated once on the competition test set
        results: dict = {}
        with C.Timer() as t:
            model = TwoStageModel(chosen["threshold"], chosen["weights"]).fit(F, y)
            Ft = feats.transform(test.targets, test.body_ids, test.bodies)
            pred = model.predict(Ft)
        results["ours"] = {**score(test.labels, pred), "seconds": t.seconds,
                           "params": {"threshold": chosen["threshold"],
                                      "weights_agree_disagree_discuss": chosen["weights"],
                                      "stage1_C": STAGE1_C, "stage2_C": STAGE2_C, "bins": N_BINS,
                                      "stage2_blocks": ["sim", *TwoStageModel.STAGE2_BLOCKS]}}
        C.log(f"ours: {results['ours']['fnc_score']} / {results['ours']['macro_f1']} ({t.seconds}s)")

        joined_train = [f"{h}\n{b}" for h, b in zip(H, [bodies[b] for b in B])]
        joined_test = [f"{h}\n{b}" for h, b in zip(test.targets, test.texts)]
        with C.Timer() as t:
            pred = C.plain_peer(joined_train, y, joined_test)
        results["plain"] = {**score(test.labels, pred), "seconds": t.seconds, "input": "headline + newline + body"}
        C.log(f"plain: {results['plain']['fnc_score']} ({t.seconds}s)")
        if not args.no_fasttext:
            ok, why = C.fasttext_available()
            if ok:
                with C.Timer() as t:
                    pred = C.fasttext_peer(joined_train, y, joined_test, **FASTTEXT_PARAMS)
                results["fasttext"] = {**score(test.labels, pred), "seconds": t.seconds, "params": FASTTEXT_PARAMS,
                                       "input": "headline + body"}
                C.log(f"fasttext: {results['fasttext']['fnc_score']} ({t.seconds}s)")
            else:
                notes.append(why)
                print(f"note: {why}")
        if not args.no_spacy:
            ok, why = C.spacy_available()
            if ok:
                cut = lambda s: s[:SPACY_MAX_CHARS]  # noqa: E731
                with C.Timer() as t:
                    pred = C.spacy_bow_peer([cut(s) for s in joined_train], y, [cut(s) for s in joined_test],
                                            **SPACY_PARAMS)
                results["spacy_bow"] = {**score(test.labels, pred), "seconds": t.seconds, "params": SPACY_PARAMS,
                                        "input": f"headline + body, first {SPACY_MAX_CHARS} characters"}
                C.log(f"spacy_bow: {results['spacy_bow']['fnc_score']} ({t.seconds}s)")
            else:
                notes.append(why)
                print(f"note: {why}")

    payload = {
        "benchmark": NAME, "metric": "FNC score (% of maximum) and macro-F1 over the four labels",
        "date": C.today(), "command": C.command_line(), "seconds": total.seconds, "timings": timings,
        "data": {"train_pairs": len(train), "dev_pairs": len(dev), "test_pairs": len(test),
                 "train_labels": train.label_counts(), "dev_labels": dev.label_counts(),
                 "test_labels": test.label_counts()},
        "selection": {
            "method": "claim-disjoint 3-fold CV on train+dev (claims = connected components of the related "
                      "headline-body graph); threshold and class weights from out-of-fold probabilities",
            "held_out_pairs": int(len(held)), "chosen": chosen,
            "cv_default_decision": cv_default, "cv_chosen_decision": cv_chosen,
            "grid": {"thresholds": list(THRESHOLDS), "weights": list(WEIGHT_GRID), "discuss_weight": 1.0},
            "n_trials": len(trials),
        },
        "official_dev": {"note": "train -> dev (hold_out_ids), features fitted on train+dev text; every dev "
                                 "headline also occurs in train", "default_decision": dev_default,
                         "chosen_decision": dev_chosen},
        "results": results, "anchors": {n: {"fnc": f, "macro_f1": m} for n, f, m in ANCHORS}, "target": TARGET,
        "notes": notes, "environment": C.environment(),
    }
    if not args.no_chart:
        note = chart(payload, Path(args.out_dir))
        if note:
            notes.append(note)
            print(f"note: {note}")
    C.write_results(NAME, payload, render_markdown(payload), args.out_dir)
    ours = results["ours"]
    print(f"{NAME} score {ours['fnc_score']:.2f} macro_f1 {ours['macro_f1']:.3f}")
    return 0


SYSTEM_NAMES = {
    "ours": "**ours**: two-stage linear (similarity + cue + TF-IDF features)",
    "plain": "plain TfidfVectorizer() + LogisticRegression() on headline + body",
    "fasttext": "fastText on headline + body",
    "spacy_bow": f"spaCy TextCatBOW.v3 on headline + body (first {SPACY_MAX_CHARS} chars)",
}


def render_markdown(p: dict) -> str:
    r = p["results"]
    rows = []
    for key, res in r.items():
        f1 = res["per_class"]
        rows.append([SYSTEM_NAMES.get(key, key), f"{res['fnc_score']:.2f}", f"{res['macro_f1']:.3f}",
                     " / ".join(f"{f1[lab]['f1']:.3f}" for lab in FNC_LABELS), res["seconds"]])
    for name, fnc, mf1 in ANCHORS:
        rows.append([f"published: {name}", f"{fnc:.2f}", "" if mf1 is None else f"{mf1:.3f}", "", ""])
    s = p["selection"]
    ch = s["chosen"]
    ours = r["ours"]
    met = ours["fnc_score"] >= p["target"]["fnc"] and ours["macro_f1"] >= p["target"]["macro_f1"]
    dev = p["official_dev"]
    return "\n\n".join([
        "## FNC-1 (competition test set)",
        f"Our model: FNC score **{ours['fnc_score']:.2f}**, macro-F1 **{ours['macro_f1']:.3f}** "
        f"({'meets' if met else 'does not meet'} the target FNC >= {p['target']['fnc']} and macro-F1 >= "
        f"{p['target']['macro_f1']}). Run {p['date']}, {p['seconds']} s in total: `{p['command']}`.",
        C.md_table(["system", "FNC score", "macro-F1", "F1 agree / disagree / discuss / unrelated", "seconds"], rows),
        "Published macro-F1 values are quoted from Hanselowski et al. (COLING 2018) and were not re-checked against the paper here.",
        "### How the decision was chosen",
        f"{s['method']} ({s['held_out_pairs']} held-out pairs, {s['n_trials']} settings tried). Rule: {ch['rule']}. "
        f"Chosen: P(related) threshold {ch['threshold']}, weights agree/disagree/discuss "
        f"{'/'.join(str(w) for w in ch['weights'])}. "
        f"CV with the plain argmax decision: FNC {s['cv_default_decision']['fnc_score']:.2f}, macro-F1 "
        f"{s['cv_default_decision']['macro_f1']:.3f}; with the chosen decision: FNC "
        f"{s['cv_chosen_decision']['fnc_score']:.2f}, macro-F1 {s['cv_chosen_decision']['macro_f1']:.3f}.",
        f"Official hold-out split (train -> dev), for reference: FNC {dev['default_decision']['fnc_score']:.2f} / "
        f"macro-F1 {dev['default_decision']['macro_f1']:.3f} with argmax, {dev['chosen_decision']['fnc_score']:.2f} / "
        f"{dev['chosen_decision']['macro_f1']:.3f} with the chosen decision. Every dev headline also occurs in "
        "train, so this split rewards memorising headlines; the claim-disjoint CV does not.",
        "### What each idea gave",
        EXPLORATION_NOTES,
        ("Notes: " + "; ".join(p["notes"])) if p["notes"] else "",
    ])


EXPLORATION_NOTES = """Measured during development (stage 1 = logistic regression on the similarity block; stage 2
on related pairs, argmax decision). "dev" is the official hold-out split, "claim CV" the claim-disjoint 3-fold CV.

| stage-2 features (all with the similarity block) | dev FNC / macro-F1 | claim CV FNC / macro-F1 |
|---|---|---|
| cue words only | 85.53 / 0.623 | 79.25 / 0.591 |
| cue words, balanced class weights | 82.26 / 0.631 | 75.27 / 0.596 |
| + headline TF-IDF | 88.77 / 0.708 | 79.68 / 0.587 |
| + body TF-IDF (no headline) | 88.64 / 0.690 | 80.75 / 0.594 |
| + headline + body TF-IDF | 90.05 / 0.726 | 80.84 / 0.593 |
| + headline + body + TF-IDF of the 3 sentences most similar to the headline | | 80.99 / 0.592 |
| + headline + body + TF-IDF of the body's first 3 sentences (kept) | | 81.43 / 0.596 |
| C=10 instead of 1 (headline + body) | 90.10 / 0.735 | |
| final blocks, stage-2 C = 0.3 / 1 (kept) / 3, best FNC over the decision grid | | 81.90 / 81.86 / 81.69 |
| final blocks without headline TF-IDF, best FNC over the decision grid | | 81.80 |
| stage-1 C=10 instead of 1 | | no change (81.84) |

Stage 1 (related vs unrelated) accuracy: 99.28% on dev, 98.55% on claim CV. The gap between the two
columns is the headline memorisation that the official split rewards: headline TF-IDF adds 3.2 points on
dev and 0.4 on claim CV."""


def chart(p: dict, out_dir: Path) -> str | None:
    out_dir.mkdir(parents=True, exist_ok=True)
    items = [(SYSTEM_NAMES.get(k, k).replace("**", ""), v["fnc_score"], k == "ours") for k, v in p["results"].items()]
    items += [(f"published: {n}", f, False) for n, f, _ in ANCHORS]
    items.sort(key=lambda x: -x[1])
    conf = p["results"]["ours"]["confusion"]
    C.confusion_chart(out_dir / f"{NAME}_confusion.png", "FNC-1 competition test, ours", conf["labels"],
                      conf["matrix"])
    return C.bar_chart(out_dir / f"{NAME}.png", "FNC-1 competition test, FNC score", [i[0] for i in items],
                       [i[1] for i in items], highlight=[i[2] for i in items], xlabel="FNC score (%)")


if __name__ == "__main__":
    raise SystemExit(main())
