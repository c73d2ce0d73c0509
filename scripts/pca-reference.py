"""The corpus map's PCA reference: tests/fixtures/pca/reference.json, from numpy's SVD.

Run with numpy 2.4.6 (the version the committed file was made with):
    python scripts/pca-reference.py > tests/fixtures/pca/reference.json

Each case is a small matrix with a planted spectrum and a large offset (so centring matters),
quantised to multiples of 1/64 so the same numbers are exact in float32, float64 and JSON. The
reference is numpy's SVD of the centred rows: the coordinates on the two leading right singular
vectors (U·S, each axis's sign as numpy gives it: tests compare up to sign) and each axis's share
of the variance. CI reads the JSON only; it never needs Python.
"""

import json

import numpy as np

CASES = [
    # name, rows, features, leading scales (the rest are 0.2), seed
    ("tall", 48, 24, [6.0, 3.0, 1.5, 1.0], 1),
    ("wide", 20, 64, [5.0, 2.5, 1.2], 2),
    ("close", 60, 16, [4.0, 2.0, 1.7, 1.0], 3),
]


def case(name, n, d, scales, seed):
    rng = np.random.default_rng(seed)
    spread = np.full(d, 0.2)
    spread[: len(scales)] = scales
    basis, _ = np.linalg.qr(rng.standard_normal((d, d)))
    x = (rng.standard_normal((n, d)) * spread) @ basis.T + rng.uniform(5, 10, d)
    x = np.round(x * 64) / 64
    centred = x - x.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    return {
        "name": name,
        "rows": n,
        "cols": d,
        "data": x.ravel().tolist(),
        "coords": (u[:, :2] * s[:2]).ravel().tolist(),
        "explained": (s[:2] ** 2 / np.sum(s**2)).tolist(),
        "singularValues": s.tolist(),
    }


print(json.dumps({"numpy": np.__version__, "cases": [case(*c) for c in CASES]}))
