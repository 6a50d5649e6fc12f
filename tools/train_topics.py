"""Train the learned topic classifier (bot/digest/topic_model.json) on the hand labels.

    python tools/train_topics.py [--out PATH] [--no-rules]

Development time only: needs scikit-learn (pyproject's [dev] extra) and the real posts in
../shared/data; the bot scores the written file in pure Python (bot/digest/topic_model.py).
bench/topics.py uses `train` for its leave-one-source-out figures.

Judged as a new source will judge it: a source is a folder of ../shared/data (a publisher's
posts and feeds: bench.topics.source), and what is chosen here is chosen across sources.
- Items: every label of tests/fixtures/topic_labels.tsv whose item is still there.
- Features: topic_model.features, less those found in fewer than MIN_SOURCES sources of the
  training items (a publisher's boilerplate, "AI资讯", "Peon 说", teaches nothing about a new
  source). Each source weighs as much as SOURCE_SHARE of an equal share would say, so the
  three AINews-style sources with half of the labels do not set the vocabulary.
- Model: one logistic regression per topic (liblinear, L2, balanced class weights).
- Thresholds, per topic, on out-of-source scores (each group of sources scored by a model
  trained on the others, see FOLDS): the lowest score whose precision reaches
  MIN_PRECISION with a recall of at least MIN_RECALL, else the one with the best F0.5. A
  wrong alert costs a reader more than a missed one.
- The final model is fitted on all items; small weights are dropped (PRUNE: the file stays
  small and scoring fast) and the rest rounded.
Prints the out-of-source precision and recall per topic.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.topics import Label, labelled_items, read_labels, source
from bot.digest.models import Item
from bot.digest.topic_model import MODEL_FILE, Model, Options, features
from bot.digest.topics import TOPIC_KEYS

OPTIONS = Options(ngrams=(3, 4), title_weight=1.5, body_chars=0, rules=True)
C = 1.0
MIN_SOURCES = 3
SOURCE_SHARE = 0.0  # 0: items weigh alike; 1: every source weighs alike (0 measured best)
FOLDS = 5  # groups of sources for the out-of-source scores
MIN_PRECISION, MIN_RECALL = 0.88, 0.5
# Weights smaller than one of these (in absolute value) are dropped: the largest that keeps
# AGREEMENT of the training items' decisions.
PRUNE = (0.02, 0.05, 0.1, 0.15, 0.2)
AGREEMENT = 0.995
DIGITS = 4  # decimals kept

Pairs = Sequence[tuple[Label, Item]]


def feature_rows(pairs: Pairs, options: Options) -> list[dict[str, float]]:
    return [_row(i.title, i.summary, options) for _, i in pairs]


@cache  # bench/topics.py trains once per source on the same items
def _row(title: str, summary: str, options: Options) -> dict[str, float]:
    return {name: value for name, (value, _, _) in features(title, summary, options).items()}


def carried(rows: list[dict[str, float]], sources: list[str], least: int) -> set[str]:
    """The features found in items of at least `least` sources."""
    seen: dict[str, set[str]] = {}
    for row, src in zip(rows, sources, strict=True):
        for name in row:
            seen.setdefault(name, set()).add(src)
    return {name for name, where in seen.items() if len(where) >= least}


def source_weights(sources: list[str], share: float) -> np.ndarray:
    """Per item: 1 for all when share is 0; the same total per source when share is 1."""
    counts = Counter(sources)
    mean = len(sources) / len(counts)
    weights = np.array([(mean / counts[s]) ** share for s in sources])
    return weights * len(sources) / weights.sum()


def fit(x: csr_matrix, y: np.ndarray, weight: np.ndarray, c: float) -> LogisticRegression:
    model = LogisticRegression(
        C=c, class_weight="balanced", solver="liblinear", dual=True, random_state=0
    )
    with warnings.catch_warnings():  # a few folds stop at max_iter, close enough
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(x, y, sample_weight=weight)


class Fitted:
    """Per-topic logistic regressions over one vocabulary, fitted on some items."""

    def __init__(self, rows, y, sources, c: float, least: int, share: float) -> None:
        keep = carried(rows, sources, least)
        self.vectorizer = DictVectorizer()
        x = self._matrix([{k: v for k, v in r.items() if k in keep} for r in rows], fit=True)
        weight = source_weights(sources, share)
        self.models = [fit(x, y[:, k], weight, c) for k in range(y.shape[1])]
        self.x = x

    def _matrix(self, rows, fit: bool = False) -> csr_matrix:
        m = self.vectorizer.fit_transform(rows) if fit else self.vectorizer.transform(rows)
        m = csr_matrix(m, dtype=np.float64)
        m.indices, m.indptr = m.indices.astype(np.int32), m.indptr.astype(np.int32)
        return m

    def scores(self, rows) -> np.ndarray:
        x = self._matrix(rows)
        return np.column_stack([m.decision_function(x) for m in self.models])


def out_of_source(rows, y, sources, c: float, least: int, share: float) -> np.ndarray:
    """Each item's scores from a model trained without its source (FOLDS groups of sources,
    dealt largest first so the groups are of a like size)."""
    names = [s for s, _ in Counter(sources).most_common()]
    fold_of = {name: i % FOLDS for i, name in enumerate(names)}
    scores = np.zeros(y.shape)
    for fold in range(min(FOLDS, len(names))):
        test = [i for i, s in enumerate(sources) if fold_of[s] == fold]
        train = [i for i, s in enumerate(sources) if fold_of[s] != fold]
        fitted = Fitted(
            [rows[i] for i in train], y[train], [sources[i] for i in train], c, least, share
        )
        scores[test] = fitted.scores([rows[i] for i in test])
    return scores


def choose_thresholds(scores: np.ndarray, y: np.ndarray) -> list[float]:
    """Per topic: the lowest score whose precision reaches MIN_PRECISION with a recall of at
    least MIN_RECALL, else the score with the best F0.5; midway to the next score below."""
    out = []
    for k in range(y.shape[1]):
        order = np.argsort(-scores[:, k], kind="stable")
        ranked, hits = scores[order, k], y[order, k].astype(float)
        tp = np.cumsum(hits)
        n = np.arange(1, len(ranked) + 1)
        precision, recall = tp / n, tp / max(1.0, hits.sum())
        # only where the next score is lower: a threshold takes all of a tied score
        cut = np.append(ranked[1:] < ranked[:-1], True)
        good = cut & (precision >= MIN_PRECISION) & (recall >= MIN_RECALL)
        if good.any():
            at = int(np.nonzero(good)[0][-1])
        else:
            f05 = 1.25 * precision * recall / np.maximum(0.25 * precision + recall, 1e-9)
            at = int(np.argmax(np.where(cut, f05, -1)))
        below = ranked[at + 1] if at + 1 < len(ranked) else ranked[at] - 1.0
        out.append(float((ranked[at] + below) / 2))
    return out


def train(
    pairs: Pairs,
    options: Options = OPTIONS,
    c: float = C,
    least: int = MIN_SOURCES,
    share: float = SOURCE_SHARE,
    prune: bool = True,
) -> dict:
    """The model file's content (see MODEL_FILE) trained on `pairs`, and in "report" the
    out-of-source precision and recall its thresholds were chosen on."""
    rows = feature_rows(pairs, options)
    y = np.array([[key in label.topics for key in TOPIC_KEYS] for label, _ in pairs])
    sources = [source(label.path) for label, _ in pairs]
    oof = out_of_source(rows, y, sources, c, least, share)
    thresholds = choose_thresholds(oof, y)
    chosen = oof >= np.array(thresholds)
    report = {key: figures(chosen[:, k], y[:, k]) for k, key in enumerate(TOPIC_KEYS)}
    report["micro"] = figures(chosen, y)

    fitted = Fitted(rows, y, sources, c, least, share)
    names = fitted.vectorizer.get_feature_names_out()
    coefs = [m.coef_[0] for m in fitted.models]
    biases = [float(m.intercept_[0]) for m in fitted.models]
    limit = largest_prune(fitted.x, coefs, biases, thresholds) if prune else 0.0
    weights = {}
    for key, coef in zip(TOPIC_KEYS, coefs, strict=True):
        kept = np.nonzero(np.abs(coef) >= max(limit, 1e-4))[0]
        weights[key] = {str(names[i]): round(float(coef[i]), DIGITS) for i in sorted(kept)}
    return {
        "about": "Topic classifier weights: made by tools/train_topics.py; read by "
        "bot/digest/topic_model.py",
        "topics": list(TOPIC_KEYS),
        "options": options.to_json(),
        "C": c,
        "min_sources": least,
        "source_share": share,
        "pruned_below": limit,
        "bias": [round(b, DIGITS) for b in biases],
        "threshold": [round(t, DIGITS) for t in thresholds],
        "weights": weights,
        "report": report,
    }


def largest_prune(x, coefs, biases, thresholds) -> float:
    """The largest of PRUNE that changes (nearly) no decision on the training items."""
    full = np.column_stack(
        [x @ c + b >= t for c, b, t in zip(coefs, biases, thresholds, strict=True)]
    )
    best = 0.0
    for limit in PRUNE:
        pruned = np.column_stack(
            [
                x @ np.where(np.abs(c) >= limit, c, 0.0) + b >= t
                for c, b, t in zip(coefs, biases, thresholds, strict=True)
            ]
        )
        if (pruned == full).mean() >= AGREEMENT:
            best = limit
    return best


def model_of(data: dict) -> Model:
    return Model.from_json(data)


def figures(chosen: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    tp = int((chosen & y).sum())
    return tp / max(1, int(chosen.sum())), tp / max(1, int(y.sum()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument("--no-rules", action="store_true", help="words and n-grams only")
    args = parser.parse_args()
    options = Options(**{**OPTIONS.__dict__, "rules": not args.no_rules})
    pairs = labelled_items(read_labels())
    counts = Counter(t for label, _ in pairs for t in label.topics)
    print(f"{len(pairs)} labelled items of {len({source(lb.path) for lb, _ in pairs})} sources")
    print(f"labels per topic: {dict(sorted(counts.items()))}")
    data = train(pairs, options)
    print("out-of-source figures the thresholds were chosen on:")
    for key, (p, r) in data.pop("report").items():
        print(f"  {key:<11} P {p:.2f} R {r:.2f}")
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    kept = sum(len(w) for w in data["weights"].values())
    print(f"wrote {args.out}: {kept} weights, {len(text) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
