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
package dev.bella.metrics;

import java.util.Locale;

/**
 * Argument checks shared by the metrics, with messages that name the offending index and value.
 *
 * <p>Every check throws {@link IllegalArgumentException}; range checks are written so that NaN
 * fails them.
 */
final class Checks {

    private Checks() {}

    static void notNull(Object value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
    }

    static void positiveBins(int bins) {
        if (bins <= 0) {
            throw new IllegalArgumentException(
                    "bins should be a positive integer but the value passed is " + bins);
        }
    }

    static void sameLength(String a, int lengthA, String b, int lengthB) {
        if (lengthA != lengthB) {
            throw new IllegalArgumentException(
                    a
                            + " and "
                            + b
                            + " must have the same length, "
                            + a
                            + ".length = "
                            + lengthA
                            + ", "
                            + b
                            + ".length = "
                            + lengthB);
        }
    }

    static void nonEmpty(String name, int length) {
        if (length == 0) {
            throw new IllegalArgumentException(
                    name + " is empty: the metric is undefined for zero examples");
        }
    }

    static void label(int[] labels, int n, int classes) {
        int y = labels[n];
        if (y < 0 || y >= classes) {
            throw new IllegalArgumentException(
                    "labels["
                            + n
                            + "] = "
                            + y
                            + " is outside [0, "
                            + classes
                            + "): there are "
                            + classes
                            + " classes (columns of probs)");
        }
    }

    /**
     * Checks that a probability matrix is rectangular with at least one column, and returns the
     * number of columns.
     */
    static int columns(float[][] probs, String name) {
        notNull(probs, name);
        if (probs.length == 0) {
            return -1;
        }
        int c = rowLength(probs[0], name, 0);
        for (int n = 1; n < probs.length; n++) {
            int cn = rowLength(probs[n], name, n);
            if (cn != c) {
                throw ragged(name, n, cn, c);
            }
        }
        return c;
    }

    private static int rowLength(Object row, String name, int n) {
        if (row == null) {
            throw new IllegalArgumentException(name + "[" + n + "] is null");
        }
        int c = ((float[]) row).length;
        if (c == 0) {
            throw new IllegalArgumentException(
                    name + "[" + n + "] has no columns: probabilities need at least one class");
        }
        return c;
    }

    private static IllegalArgumentException ragged(String name, int n, int cn, int c) {
        return new IllegalArgumentException(
                "shapes disagree: "
                        + name
                        + "["
                        + n
                        + "].length = "
                        + cn
                        + " but "
                        + name
                        + "[0].length = "
                        + c);
    }

    /**
     * Finds why a row failed the fast check (a NaN or negative entry, or a sum away from 1) and
     * throws the matching exception. Called only on failure, so it may be slow.
     */
    static IllegalArgumentException badRow(
            String where, float[] p, int offset, int classes, double sum) {
        for (int c = 0; c < classes; c++) {
            float v = p[offset + c];
            if (!(v >= 0) || Float.isInfinite(v)) {
                return badValue(where, c, Float.toString(v));
            }
        }
        return badSum(where, sum);
    }

    /** As {@link #badRow(String, float[], int, int, double)} for row {@code n} of a matrix. */
    static IllegalArgumentException badRow(String where, ProbabilityMatrix p, int n, double sum) {
        for (int c = 0; c < p.classes(); c++) {
            double v = p.get(n, c);
            if (!(v >= 0) || Double.isInfinite(v)) {
                return badValue(
                        where,
                        c,
                        p.floats() != null ? Float.toString((float) v) : Double.toString(v));
            }
        }
        return badSum(where, sum);
    }

    /** Checks that there are as many labels as rows. */
    static void labelsMatch(int[] labels, ProbabilityMatrix probs) {
        notNull(probs, "probs");
        notNull(labels, "labels");
        if (labels.length != probs.rows()) {
            throw new IllegalArgumentException(
                    "labels and probs must have the same length, labels.length = "
                            + labels.length
                            + ", probs.rows() = "
                            + probs.rows());
        }
    }

    private static IllegalArgumentException badValue(String where, int c, String v) {
        return new IllegalArgumentException(
                where
                        + "["
                        + c
                        + "] = "
                        + v
                        + ": probabilities must be finite and non-negative (not NaN)");
    }

    private static IllegalArgumentException badSum(String where, double sum) {
        return new IllegalArgumentException(
                String.format(
                        Locale.ROOT,
                        "%s sums to %s, not 1 within the tolerance %s (|sum - 1| = %.3g);"
                                + " pass probabilities (softmax outputs), not logits",
                        where,
                        sum,
                        Probabilities.ROW_SUM_TOLERANCE,
                        Math.abs(sum - 1)));
    }
}
