#!/usr/bin/python3
"""Writes the scikit-learn parity fixtures for src/svm and src/directions into test/fixtures/svm/.

Run with Debian's python3-sklearn (`npm run setup:peers` installs it):  /usr/bin/python3 bench/svm/make_fixtures.py
The fixtures are committed; the TypeScript tests need no Python.

Data: synthetic embeddings with realistic structure (a power-law spectrum, a few sub-populations,
a minority subgroup shifted along a planted direction that concentrates the model's errors, label
noise), whitened with train statistics (std with Bessel's correction, as the paper's torch code)
and L2-normalised. Arrays are stored as base64 of little-endian bytes (exact, compact).
"""
import base64
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import balanced_accuracy_score, make_scorer
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.svm import SVC, LinearSVC

warnings.filterwarnings("ignore", category=ConvergenceWarning)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "svm")


def enc(a, dtype):
    a = np.ascontiguousarray(np.asarray(a, dtype=dtype))
    name = {np.float32: "float32", np.float64: "float64", np.int32: "int32", np.uint8: "uint8"}[dtype]
    return {"dtype": name, "length": int(a.size), "base64": base64.b64encode(a.astype("<" + a.dtype.str[1:]).tobytes()).decode()}


def raw_latents(rng, n, d, n_clusters=4, subgroup_frac=0.15, base_err=0.08, subgroup_err=0.6):
    """Raw (unwhitened) latents, 'model correct' labels and the subgroup flag."""
    scale = 1.0 / np.sqrt(1.0 + np.arange(d) / 8.0)
    u = rng.normal(size=d)
    u /= np.linalg.norm(u)
    means = 0.6 * rng.normal(size=(n_clusters, d)) * scale + 0.3  # offset: whitening matters
    group = (rng.random(n) < subgroup_frac).astype(np.uint8)
    cl = rng.integers(0, n_clusters, size=n)
    X = means[cl] + rng.normal(size=(n, d)) * scale * 2.0 + np.outer(group, 1.5 * u) * 2.0
    p_wrong = np.where(group == 1, subgroup_err, base_err)
    correct = (rng.random(n) >= p_wrong).astype(np.uint8)
    return X.astype(np.float32), correct, group


def preprocess(train, X):
    """The paper's SVMPreProcessing: whiten with train mean / std (ddof=1), then L2-normalise."""
    train = train.astype(np.float64)
    mean = train.mean(0)
    std = (train - mean).std(0, ddof=1)
    std[std == 0] = 1.0
    Z = (X.astype(np.float64) - mean) / std
    Z /= np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-300)
    return Z.astype(np.float32)


def primal(X, y, coef, intercept, C, loss, cw, fit_intercept, scaling):
    X = X.astype(np.float64)
    ys = np.where(y == 1, 1.0, -1.0)
    f = X @ coef + intercept
    xi = np.maximum(0.0, 1.0 - ys * f)
    Ci = C * np.where(y == 1, cw[1], cw[0])
    reg = coef @ coef + ((intercept / scaling) ** 2 if fit_intercept else 0.0)
    return 0.5 * reg + float((Ci * (xi if loss == "hinge" else xi * xi)).sum())


def class_weights(cw, y):
    if cw is None:
        return [1.0, 1.0]
    if cw == "balanced":
        n = len(y)
        return [n / (2.0 * (y == 0).sum()), n / (2.0 * (y == 1).sum())]
    return [float(cw.get(0, 1.0)), float(cw.get(1, 1.0))]


def linear_svc_fixture(rng):
    d, n, n_test = 64, 300, 100
    train_raw, _, _ = raw_latents(rng, 1000, d)
    Xr, y, group = raw_latents(rng, n + n_test, d)
    X = preprocess(train_raw, Xr)
    Xtr, ytr, Xte = X[:n], y[:n], X[n:]
    configs = [
        dict(C=0.1, loss="hinge", class_weight="balanced", fit_intercept=True, intercept_scaling=1.0),
        dict(C=1.0, loss="hinge", class_weight={0: 3.0, 1: 0.5}, fit_intercept=True, intercept_scaling=2.0),
        dict(C=0.05, loss="squared_hinge", class_weight="balanced", fit_intercept=True, intercept_scaling=1.0),
        dict(C=1e-3, loss="hinge", class_weight=None, fit_intercept=False, intercept_scaling=1.0),
        dict(C=10.0, loss="hinge", class_weight="balanced", fit_intercept=True, intercept_scaling=1.0),
    ]
    cases = []
    for cfg in configs:
        clf = LinearSVC(dual=True, tol=1e-10, max_iter=1_000_000, random_state=0, **cfg)
        clf.fit(Xtr, ytr)
        coef = clf.coef_.ravel().astype(np.float64)
        intercept = float(clf.intercept_[0]) if cfg["fit_intercept"] else 0.0
        cw = class_weights(cfg["class_weight"], ytr)
        cases.append({
            "params": {
                "C": cfg["C"], "loss": cfg["loss"],
                "classWeight": cfg["class_weight"] if not isinstance(cfg["class_weight"], dict) else {str(k): v for k, v in cfg["class_weight"].items()},
                "fitIntercept": cfg["fit_intercept"], "interceptScaling": cfg["intercept_scaling"],
            },
            "nIter": int(np.max(clf.n_iter_)),
            "coef": enc(coef, np.float64),
            "intercept": intercept,
            "primalObjective": primal(Xtr, ytr, coef, intercept, cfg["C"], cfg["loss"], cw, cfg["fit_intercept"], cfg["intercept_scaling"]),
            "decisionTrain": enc(clf.decision_function(Xtr), np.float64),
            "decisionTest": enc(clf.decision_function(Xte), np.float64),
        })
    # The paper's SVM: libsvm SVC with a linear kernel (unregularised bias).
    svc = []
    for C in [0.01, 0.1, 1.0]:
        s = SVC(kernel="linear", C=C, class_weight="balanced", tol=1e-6).fit(Xtr, ytr)
        svc.append({"C": C, "decisionTrain": enc(s.decision_function(Xtr), np.float64), "decisionTest": enc(s.decision_function(Xte), np.float64)})
    return {
        "sklearnVersion": sklearn.__version__,
        "X": enc(Xtr, np.float32), "rows": n, "cols": d, "y": enc(ytr, np.uint8),
        "Xtest": enc(Xte, np.float32), "rowsTest": n_test,
        "linearSVC": cases, "svc": svc,
    }


def paper_cv(x, gt, Cs, cv=2):
    """train_per_class_svm(split_and_search=True) of MadryLab/failure-directions: strict '>' over an ascending grid.

    Also flags, per C, whether some fold's libsvm solution was degenerate (every alpha at its bound:
    the intercept is then not identified and libsvm's value is an artefact of rounding and its
    stopping rule, so that fold's score cannot be reproduced by any other solver).
    """
    scorer = make_scorer(balanced_accuracy_score)
    best_C, best_cv, scores, degenerate = None, -np.inf, [], []
    for C in Cs:
        clf = SVC(gamma="auto", kernel="linear", C=C, class_weight="balanced")
        s = float(np.mean(cross_val_score(clf, x, gt, cv=cv, scoring=scorer)))
        scores.append(s)
        deg = False
        for tr, _ in StratifiedKFold(cv).split(x, gt):
            m = SVC(gamma="auto", kernel="linear", C=C, class_weight="balanced").fit(x[tr], gt[tr])
            ytr = gt[tr]
            cap = C * len(ytr) / (2.0 * np.bincount(ytr))
            a = np.zeros(len(tr))
            a[m.support_] = np.abs(m.dual_coef_.ravel())
            deg |= bool(np.all(a >= cap[ytr] * (1 - 1e-6)))
        degenerate.append(deg)
        if s > best_cv:
            best_cv, best_C = s, C
    # The choice is determined when the winner itself is not degenerate (a degenerate winner won by
    # a score that libsvm's rounding produced).
    determined = not degenerate[Cs.index(best_C)]
    return best_C, best_cv, scores, degenerate, bool(determined)


def linear_cv(x, gt, Cs, folds):
    """Same folds and scorer with LinearSVC(hinge, balanced), the solver we mirror."""
    scores = []
    for C in Cs:
        fs = []
        for f in range(folds.max() + 1):
            tr, te = folds != f, folds == f
            clf = LinearSVC(dual=True, loss="hinge", C=C, class_weight="balanced", tol=1e-8, max_iter=1_000_000, random_state=0)
            clf.fit(x[tr], gt[tr])
            fs.append(balanced_accuracy_score(gt[te], clf.predict(x[te])))
        scores.append(float(np.mean(fs)))
    best = int(np.argmax(scores))  # first maximum = smallest C
    return Cs[best], scores


def cv_fixture(rng):
    d, n_classes = 64, 6
    Cs = list(np.logspace(-6, 0, 7, endpoint=True))
    train_raw, _, _ = raw_latents(rng, 800, d)
    classes = []
    sizes = [240, 200, 260, 220, 300, 180]
    subgroup = [0.15, 0.2, 0.12, 0.18, 0.25, 0.3]
    for c in range(n_classes):
        Xr, y, group = raw_latents(rng, sizes[c], d, subgroup_frac=subgroup[c])
        X = preprocess(train_raw, Xr)
        folds = np.zeros(len(y), dtype=np.int32)
        for f, (_, te) in enumerate(StratifiedKFold(2).split(X, y)):
            folds[te] = f
        best_C, best_cv, scores, degenerate, determined = paper_cv(X, y, Cs)
        lin_C, lin_scores = linear_cv(X, y, Cs, folds)
        classes.append({
            "rawLatents": enc(Xr, np.float32), "X": enc(X, np.float32), "rows": int(len(y)), "cols": d,
            "y": enc(y, np.uint8), "group": enc(group, np.uint8), "foldIds": enc(folds, np.int32),
            "paperC": float(best_C), "paperScore": best_cv, "paperScores": scores,
            "paperDegenerate": degenerate, "paperDetermined": determined,
            "linearSVCC": float(lin_C), "linearSVCScores": lin_scores,
        })
    return {"sklearnVersion": sklearn.__version__, "Cs": [float(c) for c in Cs], "trainRaw": enc(train_raw, np.float32), "trainRows": int(train_raw.shape[0]), "cols": d, "classes": classes}


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20230501)
    for name, make in [("linear-svc.json", linear_svc_fixture), ("cv.json", cv_fixture)]:
        data = make(rng)
        path = os.path.join(OUT, name)
        tmp = path + ".tmp"
        with open(tmp, "w") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
        print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path) / 1024:.0f} KiB)", file=sys.stderr)
    if "-v" in sys.argv:
        cv = json.load(open(os.path.join(OUT, "cv.json")))
        for k, c in enumerate(cv["classes"]):
            print(k, "paper C", c["paperC"], np.round(c["paperScores"], 4), "degenerate", c["paperDegenerate"], "determined", c["paperDetermined"], "linearSVC C", c["linearSVCC"])


if __name__ == "__main__":
    main()
