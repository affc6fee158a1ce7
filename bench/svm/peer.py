#!/usr/bin/python3
"""scikit-learn side of `npm run bench:svm` (run by bench/svm/run.ts with OPENBLAS_NUM_THREADS=1).

Reads the same data the TypeScript side used (raw float32 / uint8 files described by a JSON
config), times scikit-learn on it and prints one JSON object with timings (seconds) and primal
objective values of the solutions.
"""
import json
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import balanced_accuracy_score, make_scorer
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.svm import SVC, LinearSVC

warnings.filterwarnings("ignore", category=ConvergenceWarning)


def load(path, rows, cols):
    return np.fromfile(path, dtype=np.float32).reshape(rows, cols).astype(np.float64)


def primal(X, y, coef, intercept, C, regularize_intercept):
    n = len(y)
    cw = np.array([n / (2.0 * (y == 0).sum()), n / (2.0 * (y == 1).sum())])
    ys = np.where(y == 1, 1.0, -1.0)
    xi = np.maximum(0.0, 1.0 - ys * (X @ coef + intercept))
    reg = coef @ coef + (intercept * intercept if regularize_intercept else 0.0)
    return float(0.5 * reg + (C * cw[y] * xi).sum())


def svc(C, tol):
    return SVC(gamma="auto", kernel="linear", C=C, class_weight="balanced", tol=tol)


def linsvc(C, tol, max_iter):
    return LinearSVC(dual=True, loss="hinge", C=C, class_weight="balanced", tol=tol, max_iter=max_iter, random_state=0)


def timed(f, reps=1):
    """Runs f `reps` times; returns its last result and the minimum wall / CPU seconds."""
    wall, cpu, out = [], [], None
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        out = f()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return out, {"wall": min(wall), "cpu": min(cpu)}


def one_fit(cfg):
    X = load(cfg["x"], cfg["rows"], cfg["cols"])
    y = np.fromfile(cfg["y"], dtype=np.uint8).astype(int)
    C, tol = cfg["C"], cfg["tol"]
    out = {}
    m, t = timed(lambda: svc(C, cfg["svcTol"]).fit(X, y), cfg["svcReps"])
    out["svc"] = {"seconds": t, "objective": primal(X, y, m.coef_.ravel(), float(m.intercept_[0]), C, False)}
    m, t = timed(lambda: linsvc(C, tol, cfg["maxIter"]).fit(X, y), cfg["reps"])
    out["linearSVC"] = {"seconds": t, "nIter": int(np.max(m.n_iter_)),
                        "objective": primal(X, y, m.coef_.ravel(), float(m.intercept_[0]), C, True)}
    return out


def paper_pipeline(X, y, Cs, tol):
    """train_per_class_svm(split_and_search=True): per C, cross_val_score(cv=2) then a full fit."""
    scorer = make_scorer(balanced_accuracy_score)
    best_C, best_cv, best = None, -np.inf, None
    for C in Cs:
        clf = svc(C, tol)
        s = float(np.mean(cross_val_score(clf, X, y, cv=2, scoring=scorer)))
        clf.fit(X, y)
        if s > best_cv:
            best_cv, best_C, best = s, C, clf
    return best_C, best


def linear_pipeline(X, y, Cs, tol, max_iter):
    """The same procedure with LinearSVC: per C, 2-fold CV; then one fit at the best C."""
    folds = list(StratifiedKFold(2).split(X, y))
    best_C, best_cv = None, -np.inf
    for C in Cs:
        s = []
        for tr, te in folds:
            m = linsvc(C, tol, max_iter).fit(X[tr], y[tr])
            s.append(balanced_accuracy_score(y[te], m.predict(X[te])))
        s = float(np.mean(s))
        if s > best_cv:
            best_cv, best_C = s, C
    return best_C, linsvc(best_C, tol, max_iter).fit(X, y)


def sweep(cfg):
    Cs = cfg["Cs"]
    classes = []
    for c in cfg["classes"]:
        classes.append((load(c["x"], c["rows"], cfg["cols"]), np.fromfile(c["y"], dtype=np.uint8).astype(int)))
    out = {}
    res, t = timed(lambda: [paper_pipeline(X, y, Cs, cfg["svcTol"]) for X, y in classes], cfg["svcReps"])
    out["svcPipeline"] = {"seconds": t, "C": [r[0] for r in res],
                          "objective": [primal(X, y, m.coef_.ravel(), float(m.intercept_[0]), C, False) for (X, y), (C, m) in zip(classes, res)]}
    res, t = timed(lambda: [linear_pipeline(X, y, Cs, cfg["tol"], cfg["maxIter"]) for X, y in classes], cfg["reps"])
    out["linearSVCPipeline"] = {"seconds": t, "C": [r[0] for r in res],
                                "objective": [primal(X, y, m.coef_.ravel(), float(m.intercept_[0]), C, True) for (X, y), (C, m) in zip(classes, res)]}
    return out


def refit(cfg):
    X = load(cfg["x"], cfg["rows"], cfg["cols"])
    y = np.fromfile(cfg["y"], dtype=np.uint8).astype(int)
    out = {"svc": [], "linearSVC": []}
    for C in cfg["Cs"]:
        out["svc"].append(timed(lambda: svc(C, cfg["svcTol"]).fit(X, y))[1])
        out["linearSVC"].append(timed(lambda: linsvc(C, cfg["tol"], cfg["maxIter"]).fit(X, y), cfg["reps"])[1])
    return out


def main():
    cfg = json.load(open(sys.argv[1]))
    out = {}
    for part, f in [("a", one_fit), ("b", sweep), ("c", refit)]:
        if part in cfg:
            out[part] = f(cfg[part])
            print(f"peer: ({part}) done", file=sys.stderr, flush=True)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
