"""Writes xtask/tests/fixtures/tfidf_lr/: a small synthetic labelled text set (generated here,
seeded) and what scikit-learn's TF-IDF + logistic regression makes of it, so that the Rust
linear floor (xtask/src/reproduce/linear) can be checked against it.

Run from the workspace root, with scikit-learn installed (any venv, e.g. under target/):

    python3 -m venv target/sklearn-venv && target/sklearn-venv/bin/pip install scikit-learn
    target/sklearn-venv/bin/python xtask/python/make_tfidf_lr_fixture.py
"""

import json
import random

import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

OUT = "xtask/tests/fixtures/tfidf_lr"
rng = random.Random(2026)
POS = ["good", "great", "fine", "lovely", "superb", "moving", "witty", "fresh"]
NEG = ["bad", "dull", "awful", "boring", "weak", "flat", "stale", "messy"]
NEUTRAL = ["film", "plot", "actor", "scene", "music", "story", "the", "a", "is", "was",
           "not", "very", "it's", "and", "but", "end"]


def text(label):
    words = []
    for _ in range(rng.randint(4, 12)):
        r = rng.random()
        if r < 0.25:
            words.append(rng.choice(POS if label == 1 else NEG))
        elif r < 0.35:
            words.append(rng.choice(NEG if label == 1 else POS))
        else:
            words.append(rng.choice(NEUTRAL))
    return " ".join(words)


def split(n):
    rows = []
    for _ in range(n):
        label = rng.randint(0, 1)
        rows.append((label, text(label)))
    return rows


train, test = split(200), split(100)
for name, rows in [("train", train), ("test", test)]:
    with open(f"{OUT}/{name}.tsv", "w") as f:
        for label, t in rows:
            f.write(f"{label}\t{t}\n")

vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                      token_pattern=r"(?u)[\w']+")
x_train = vec.fit_transform([t for _, t in train])
x_test = vec.transform([t for _, t in test])
y_train = [l for l, _ in train]
y_test = [l for l, _ in test]
clf = LogisticRegression(C=1.0, solver="lbfgs", tol=1e-10, max_iter=10000)
clf.fit(x_train, y_train)
p = clf.predict_proba(x_test)[:, 1]
acc = float((clf.predict(x_test) == y_test).mean())
with open(f"{OUT}/expected.json", "w") as f:
    json.dump({
        "made_by": "xtask/python/make_tfidf_lr_fixture.py",
        "scikit_learn": sklearn.__version__,
        "vectorizer": "TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r\"(?u)[\\w']+\")",
        "classifier": "LogisticRegression(C=1.0, solver='lbfgs', tol=1e-10, max_iter=10000)",
        "features": len(vec.vocabulary_),
        "test_accuracy": acc,
        "test_probability_1": [round(float(v), 8) for v in p],
    }, f, indent=1)
print(len(vec.vocabulary_), acc)
