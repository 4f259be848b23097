/*
 * Copyright 2026 The Bella developers
 *
 * Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file except
 * in compliance with the License. You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software distributed under the License
 * is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express
 * or implied. See the License for the specific language governing permissions and limitations under
 * the License.
 */
package dev.bella.metrics.plot;

/**
 * Equal-width histogram counts of values, split by OOD flag; pure data, no drawing. Bin k covers
 * {@code [lo + k w, lo + (k+1) w)}, the last one closed at the largest value.
 */
record Histogram(
        double lo, double hi, double[] inFractions, double[] oodFractions, int in, int out) {

    static Histogram of(double[] values, boolean[] ood, int bins) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("values is empty: nothing to draw");
        }
        if (ood != null && ood.length != values.length) {
            throw new IllegalArgumentException(
                    "values and ood must have the same length, values.length = "
                            + values.length
                            + ", ood.length = "
                            + ood.length);
        }
        if (bins <= 0) {
            throw new IllegalArgumentException(
                    "bins should be a positive integer but the value passed is " + bins);
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < values.length; i++) {
            double v = values[i];
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("values[" + i + "] = " + v + " is not finite");
            }
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        if (hi == lo) {
            hi = lo + 1e-9; // all values equal: one visible bar
        }
        double[] a = new double[bins];
        double[] b = new double[bins];
        int in = 0;
        int out = 0;
        for (int i = 0; i < values.length; i++) {
            int k = (int) ((values[i] - lo) / (hi - lo) * bins);
            k = Math.min(Math.max(k, 0), bins - 1);
            if (ood != null && ood[i]) {
                b[k]++;
                out++;
            } else {
                a[k]++;
                in++;
            }
        }
        for (int k = 0; k < bins; k++) {
            a[k] = in == 0 ? 0 : a[k] / in;
            b[k] = out == 0 ? 0 : b[k] / out;
        }
        return new Histogram(lo, hi, a, b, in, out);
    }
}
