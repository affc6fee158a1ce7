#!/usr/bin/python3
"""Writes the scikit-learn parity fixture of DominoSlicer's EM into test/fixtures/domino/gmm-peer.json.

Run with Debian's python3-sklearn (`npm run setup:peers` installs it):  /usr/bin/python3 bench/domino/make_fixture.py
The fixture is committed; the TypeScript test needs no Python.

With both likelihood weights at 0, Domino's mixture is scikit-learn's diagonal GaussianMixture. Started
from the same parameters (computed here from fixed initial responsibilities, as DominoSlicer.fit does
from `options.responsibilities`), both EMs must walk the same path: same iterations, weights, means,
variances, lower bound and posteriors. Data: 4 Gaussian blobs in 5 dims, float32 (as a Matrix holds
them); responsibilities random, rows normalised, float32.
"""
import base64
import json
import os

import numpy as np
import sklearn
from sklearn.mixture import GaussianMixture
from sklearn.mixture._gaussian_mixture import _estimate_gaussian_parameters

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "domino")


def enc(a, dtype):
    a = np.ascontiguousarray(a, dtype=dtype)
    return {"dtype": {np.float32: "float32", np.float64: "float64"}[dtype], "length": int(a.size), "base64": base64.b64encode(a.tobytes()).decode()}


def main():
    rng = np.random.RandomState(7)
    n, d, k = 400, 5, 4
    centres = rng.randn(k, d) * 4
    scales = 0.5 + rng.rand(k, d)
    comp = rng.randint(0, k, size=n)
    X = (centres[comp] + scales[comp] * rng.randn(n, d)).astype(np.float32)
    R = rng.rand(n, k) + 0.05
    R = (R / R.sum(axis=1, keepdims=True)).astype(np.float32)
    X64 = X.astype(np.float64)
    R64 = R.astype(np.float64)
    reg = 1e-6
    nk, means, cov = _estimate_gaussian_parameters(X64, R64, reg, "diag")
    weights = nk / n
    gm = GaussianMixture(n_components=k, covariance_type="diag", tol=1e-3, reg_covar=reg, max_iter=100,
                         weights_init=weights, means_init=means, precisions_init=1.0 / cov, random_state=0)
    gm.fit(X64)
    fixture = {
        "sklearn": sklearn.__version__,
        "n": n, "d": d, "k": k,
        "X": enc(X, np.float32),
        "responsibilities": enc(R, np.float32),
        "weights": enc(gm.weights_, np.float64),
        "means": enc(gm.means_, np.float64),
        "variances": enc(gm.covariances_, np.float64),
        "nIter": int(gm.n_iter_),
        "lowerBound": float(gm.lower_bound_),
        "converged": bool(gm.converged_),
        "posterior": enc(gm.predict_proba(X64), np.float64),
    }
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "gmm-peer.json"), "w") as f:
        json.dump(fixture, f)
        f.write("\n")
    print(f"wrote {os.path.join(OUT, 'gmm-peer.json')}: {gm.n_iter_} iterations, lower bound {gm.lower_bound_:.6f}")


if __name__ == "__main__":
    main()
