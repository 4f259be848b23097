#!/usr/bin/env python3
# Copyright 2026 The Bella developers
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file except
# in compliance with the License. You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software distributed under the License
# is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express
# or implied. See the License for the specific language governing permissions and limitations under
# the License.
"""Writes the fixture DirichletTest reads: Monte Carlo references for the Dirichlet closed forms.

For each concentration vector alpha it draws D probability vectors p ~ Dir(alpha) with NumPy and
records, independently of the Java closed forms,

  total     = H[E p] = H[alpha / alpha_0]                      (exact, no sampling needed)
  expected  = E[H[p]]   estimated as the mean entropy of the draws, with its standard error
  mi        = total - expected, with the same standard error

and, for a few (alpha, p), the Dirichlet log-density log Dir(p | alpha) from math.lgamma.

Usage: python3 tools/distill/dirichlet_fixture.py > \
    bella-baselines/src/test/resources/dev/bella/baselines/dirichlet-fixture.json
Seeded (numpy default_rng(2026)), so the file is reproducible on the same NumPy version.
"""
import json
import math
import sys

import numpy as np

DRAWS = 400_000
CASES = [
    [1.0, 1.0],
    [0.5, 0.5],
    [2.0, 8.0],
    [30.0, 3.0],
    [1.0, 1.0, 1.0],
    [0.2, 0.3, 0.5, 0.1],
    [5.0, 5.0, 5.0, 5.0, 5.0],
    [100.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05],
    [800.0, 2.0, 0.5],
]
DENSITIES = [
    ([1.0, 1.0], [0.3, 0.7]),
    ([2.0, 3.0, 4.0], [0.2, 0.3, 0.5]),
    ([0.5, 0.5, 0.5, 0.5], [0.1, 0.2, 0.3, 0.4]),
    ([50.0, 1.5, 0.7], [0.98, 0.015, 0.005]),
]


def entropy(p):
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(p > 0, p * np.log(p), 0.0)
    return -t.sum(axis=-1)


def main():
    rng = np.random.default_rng(2026)
    out = {"draws": DRAWS, "cases": [], "densities": []}
    for alpha in CASES:
        a = np.array(alpha, dtype=np.float64)
        # Small concentrations make NumPy's Dirichlet draws underflow to exact zeros in some
        # coordinates; their entropy contribution 0 log 0 = 0 is the limit, so that is harmless.
        p = rng.dirichlet(a, size=DRAWS)
        h = entropy(p)
        mean = a / a.sum()
        total = float(entropy(mean))
        expected = float(h.mean())
        se = float(h.std(ddof=1) / math.sqrt(DRAWS))
        out["cases"].append(
            {
                "alpha": alpha,
                "total": total,
                "expected_entropy": expected,
                "mutual_information": total - expected,
                "standard_error": se,
            }
        )
    for alpha, p in DENSITIES:
        a0 = sum(alpha)
        logd = math.lgamma(a0) - sum(math.lgamma(x) for x in alpha)
        logd += sum((x - 1) * math.log(q) for x, q in zip(alpha, p))
        out["densities"].append({"alpha": alpha, "p": p, "log_density": logd})
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
