"""Train the learned topic classifier (bot/digest/topic_model.json) on the tuning labels.

    python tools/train_topics.py [--out PATH] [--no-rules] [--folds 5]

Development time only: needs scikit-learn (pyproject's [dev] extra) and the real posts in
../shared/data; the bot scores the written file in pure Python (bot/digest/topic_model.py).

- Items: the labels of tests/fixtures/topic_labels.tsv outside bench/topics.TEST_FILES (the
  held-out files are never read here), less those sharing their link with a held-out item
  (the same story told again the next day).
- Model: one logistic regression per topic (liblinear, L2, balanced class weights) over
  topic_model.features.
- Hyper-parameters (C, the headline's weight, the n-grams) and each topic's threshold are
  chosen by grouped k-fold cross-validation on those items (an item's en/zh twin and the
  items sharing its link are in the same fold): the setting with the best micro F1 of the
  out-of-fold scores; per topic the threshold with the best out-of-fold F1.
- The final model is fitted on all the tuning items; small weights are dropped (see PRUNE:
  the file stays small and scoring fast) and the rest rounded.
Prints the cross-validated precision and recall per topic.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.topics import TEST_FILES, labelled_items, read_labels
from bot.digest.topic_model import MODEL_FILE, Options, features
from bot.digest.topics import TOPIC_KEYS

GRID = {
    "C": (1.0, 4.0, 16.0),
    "title_weight": (1.0, 1.5),
    "ngrams": ((3, 4), (2, 3, 4)),
}
# Weights smaller than one of these (in absolute value) are dropped: the largest that keeps
# AGREEMENT of the tuning items' decisions (fewer weights: a smaller file, faster scoring).
PRUNE = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
AGREEMENT = 0.995
DIGITS = 4  # decimals kept


def tuning_items():
    pairs = labelled_items(read_labels())
    held = {label.fingerprint for label, _ in pairs if label.path in TEST_FILES}
    return [
        (label, item)
        for label, item in pairs
        if label.path not in TEST_FILES and label.fingerprint not in held
    ]


def matrix(rows: list[dict[str, float]], vectorizer: DictVectorizer, fit: bool) -> csr_matrix:
    m = vectorizer.fit_transform(rows) if fit else vectorizer.transform(rows)
    m = csr_matrix(m, dtype=np.float64)
    m.indices, m.indptr = m.indices.astype(np.int32), m.indptr.astype(np.int32)
    return m


def fit(x: csr_matrix, y: np.ndarray, c: float) -> LogisticRegression:
    model = LogisticRegression(C=c, class_weight="balanced", solver="liblinear", random_state=0)
    return model.fit(x, y)


def out_of_fold(rows, y, groups, c: float, folds: int) -> np.ndarray:
    scores = np.zeros(y.shape)
    for train, valid in GroupKFold(folds).split(rows, y, groups):
        vectorizer = DictVectorizer()
        x_train = matrix([rows[i] for i in train], vectorizer, fit=True)
        x_valid = matrix([rows[i] for i in valid], vectorizer, fit=False)
        for k in range(y.shape[1]):
            scores[valid, k] = fit(x_train, y[train, k], c).decision_function(x_valid)
    return scores


def best_thresholds(scores: np.ndarray, y: np.ndarray) -> list[float]:
    """Per topic, the score threshold with the best F1; where several thresholds tie (few
    labels make the curve a staircase), the middle of the tied range."""
    out = []
    for k in range(y.shape[1]):
        candidates = np.unique(np.round(scores[:, k], 3))
        f1s = []
        for t in candidates:
            chosen = scores[:, k] >= t
            tp = int((chosen & y[:, k]).sum())
            f1s.append(2 * tp / max(1, int(chosen.sum()) + int(y[:, k].sum())))
        tied = candidates[np.array(f1s) >= max(f1s) - 1e-9]
        out.append(float((tied.min() + tied.max()) / 2))
    return out


def figures(chosen: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    tp = int((chosen & y).sum())
    p, r = tp / max(1, int(chosen.sum())), tp / max(1, int(y.sum()))
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument("--no-rules", action="store_true", help="words and n-grams only")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    pairs = tuning_items()
    y = np.array([[key in label.topics for key in TOPIC_KEYS] for label, _ in pairs])
    groups = [label.fingerprint for label, _ in pairs]
    counts = dict(zip(TOPIC_KEYS, y.sum(0).tolist(), strict=True))
    print(f"{len(pairs)} tuning items; labels per topic: {counts}")

    best = None
    for c, title_weight, ngrams in itertools.product(*GRID.values()):
        options = Options(ngrams=ngrams, title_weight=title_weight, rules=not args.no_rules)
        rows = [
            {name: value for name, (value, _, _) in features(i.title, i.summary, options).items()}
            for _, i in pairs
        ]
        scores = out_of_fold(rows, y, groups, c, args.folds)
        thresholds = best_thresholds(scores, y)
        p, r, f1 = figures(scores >= np.array(thresholds), y)
        print(f"  C={c:<5} title={title_weight} ngrams={ngrams}: P {p:.3f} R {r:.3f} F1 {f1:.3f}")
        if best is None or f1 > best[0]:
            best = (f1, c, options, rows, scores, thresholds)
    _, c, options, rows, scores, thresholds = best
    chosen = scores >= np.array(thresholds)
    print(f"\nchosen: C={c} {options}; cross-validated, per topic:")
    for k, key in enumerate(TOPIC_KEYS):
        p, r, _ = figures(chosen[:, k], y[:, k])
        print(f"  {key:<11} P {p:.2f} R {r:.2f}  threshold {thresholds[k]:+.3f}")
    p, r, _ = figures(chosen, y)
    print(f"  {'micro':<11} P {p:.2f} R {r:.2f}")

    vectorizer = DictVectorizer()
    x = matrix(rows, vectorizer, fit=True)
    names = vectorizer.get_feature_names_out()
    models = [fit(x, y[:, k], c) for k in range(len(TOPIC_KEYS))]
    full = np.column_stack(
        [m.decision_function(x) >= t for m, t in zip(models, thresholds, strict=True)]
    )
    # The largest pruning that changes (nearly) no decision on the tuning items.
    prune = 0.0
    for candidate in PRUNE:
        pruned = np.column_stack(
            [
                x @ np.where(np.abs(m.coef_[0]) >= candidate, m.coef_[0], 0.0) + m.intercept_[0]
                >= t
                for m, t in zip(models, thresholds, strict=True)
            ]
        )
        if (pruned == full).mean() >= AGREEMENT:
            prune = candidate
    weights, bias = {}, []
    for key, model in zip(TOPIC_KEYS, models, strict=True):
        coef = model.coef_[0]
        kept = np.nonzero(np.abs(coef) >= max(prune, 1e-4))[0]
        weights[key] = {str(names[i]): round(float(coef[i]), DIGITS) for i in sorted(kept)}
        bias.append(round(float(model.intercept_[0]), DIGITS))
    print(f"weights under {prune} dropped (decisions on the tuning items kept: >= {AGREEMENT})")
    data = {
        "about": "Topic classifier weights: made by tools/train_topics.py; read by "
        "bot/digest/topic_model.py",
        "topics": list(TOPIC_KEYS),
        "options": options.to_json(),
        "C": c,
        "pruned_below": prune,
        "bias": bias,
        "threshold": [round(t, DIGITS) for t in thresholds],
        "weights": weights,
    }
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    kept = sum(len(w) for w in weights.values())
    print(f"\nwrote {args.out}: {kept} weights of {len(names)} features, {len(text) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
