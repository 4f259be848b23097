#!/usr/bin/env python3
"""Reference SVD for bella-core's B-LoRA-XS test, computed with numpy, independently of Java.

Run from the repository root with the system Python (numpy):

    /usr/bin/python3 tools/blora/make_fixture.py

It writes, under bella-core/src/test/resources/blora/:

weight.npy   float32 (d_out = 24, d_in = 40): a DJL Linear weight, W0^T in SPEC §1's orientation,
             with singular values 10 * 0.8^j (j = 0..23) plus noise of scale 1e-3, seed 7
svd_u.npy    float64 (d_in, r = 6): U_r of numpy.linalg.svd(W0), W0 = weight.T as float64
svd_s.npy    float64 (r,): the top r singular values
svd_vt.npy   float64 (r, d_out): V_r^T
"""
import os

import numpy as np

OUT = os.path.join("bella-core", "src", "test", "resources", "blora")
D_OUT, D_IN, R = 24, 40, 6

rng = np.random.default_rng(7)
q1, _ = np.linalg.qr(rng.standard_normal((D_OUT, D_OUT)))
q2, _ = np.linalg.qr(rng.standard_normal((D_IN, D_OUT)))
sigma = 10 * 0.8 ** np.arange(D_OUT)
weight = (q1 @ np.diag(sigma) @ q2.T + 1e-3 * rng.standard_normal((D_OUT, D_IN))).astype(np.float32)

w0 = weight.astype(np.float64).T  # (d_in, d_out)
u, s, vt = np.linalg.svd(w0, full_matrices=False)

os.makedirs(OUT, exist_ok=True)
np.save(os.path.join(OUT, "weight.npy"), weight)
np.save(os.path.join(OUT, "svd_u.npy"), u[:, :R])
np.save(os.path.join(OUT, "svd_s.npy"), s[:R])
np.save(os.path.join(OUT, "svd_vt.npy"), vt[:R, :])
print("top singular values:", s[: R + 1])
