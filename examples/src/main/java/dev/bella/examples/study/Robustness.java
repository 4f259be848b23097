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
package dev.bella.examples.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Prediction;
import dev.bella.examples.data.LabeledImages;
import dev.bella.examples.robustness.Fgsm;
import dev.bella.examples.robustness.FgsmCurve;
import dev.bella.metrics.Ranking;
import dev.bella.metrics.Scores;
import dev.bella.metrics.interop.DjlArrays;
import dev.bella.metrics.shift.Corruption;
import java.util.List;

/**
 * Accuracy of the posterior predictive under corruptions and FGSM (paper Figure 2 and Table 4 in
 * miniature), through {@link Corruption} (bella-metrics, {@code dev.bella.metrics.shift}) and
 * {@link Fgsm} (bella-core).
 */
final class Robustness {

    private static final int BATCH = 256;

    private Robustness() {}

    /**
     * What the corruptions do to a method.
     *
     * @param accuracy the mean accuracy over the corruptions per severity, index 0 = severity 1
     * @param shiftAuroc the AUROC of the predictive entropy separating the corrupted test images at
     *     the strongest severity (all corruptions pooled) from the clean ones: how well the
     *     uncertainty flags shifted inputs
     */
    record CorruptionResult(double[] accuracy, double shiftAuroc) {}

    /**
     * Accuracy on corrupted test images, every {@link Corruption} at each severity 1..5, and how
     * well the predictive entropy tells the most corrupted images from clean ones.
     *
     * @param model the particles, taking flat images {@code (b, height * width)}
     * @param test the test images
     * @param seed the seed of the random corruptions
     * @return the accuracies and the shift AUROC
     */
    static CorruptionResult corruptions(Posterior model, LabeledImages test, long seed) {
        int severities = Corruption.MAX_SEVERITY - Corruption.MIN_SEVERITY + 1;
        double[] mean = new double[severities];
        Corruption[] all = Corruption.values();
        int n = test.size();
        double[] entropy = new double[n * (all.length + 1)];
        boolean[] shifted = new boolean[entropy.length];
        float[] flat = test.flatPixels();
        evaluate(model, test, flat, null, 0, seed, entropy, 0);
        for (int k = 0; k < all.length; k++) {
            for (int s = 0; s < severities; s++) {
                int severity = Corruption.MIN_SEVERITY + s;
                boolean last = severity == Corruption.MAX_SEVERITY;
                int offset = (k + 1) * n;
                mean[s] +=
                        evaluate(
                                        model,
                                        test,
                                        flat,
                                        all[k],
                                        severity,
                                        seed,
                                        last ? entropy : null,
                                        offset)
                                / all.length;
                if (last) {
                    java.util.Arrays.fill(shifted, offset, offset + n, true);
                }
            }
        }
        return new CorruptionResult(mean, Ranking.auroc(Scores.of(entropy), shifted));
    }

    /**
     * Accuracy of the posterior predictive on the test images ({@code flat}: their pixels, row by
     * row), corrupted if {@code c} is given; stores each image's predictive entropy into {@code
     * entropy} from {@code offset} if given.
     */
    private static double evaluate(
            Posterior model,
            LabeledImages test,
            float[] flat,
            Corruption c,
            int severity,
            long seed,
            double[] entropy,
            int offset) {
        int h = test.height();
        int w = test.width();
        int d = h * w;
        int[] labels = test.labels();
        long correct = 0;
        for (int from = 0; from < test.size(); from += BATCH) {
            int b = Math.min(BATCH, test.size() - from);
            try (NDManager scope = NDManager.newBaseManager(model.getDevice())) {
                float[] chunk = new float[b * d];
                System.arraycopy(flat, from * d, chunk, 0, b * d);
                NDArray x = scope.create(chunk, new Shape(b, h, w));
                NDArray input = c == null ? x : DjlArrays.corrupt(c, x, severity, seed, from);
                List<Prediction> predictions = model.predict(new NDList(input.reshape(b, d)));
                for (int j = 0; j < b; j++) {
                    Prediction p = predictions.get(j);
                    if (p.predicted() == labels[from + j]) {
                        correct++;
                    }
                    if (entropy != null) {
                        entropy[offset + from + j] = p.entropy();
                    }
                }
            }
        }
        return (double) correct / test.size();
    }

    /**
     * Accuracy of the posterior predictive on FGSM-perturbed test images, pixels clipped to [0, 1].
     *
     * @param model the particles
     * @param test the test images
     * @param eps the perturbation sizes
     * @return the accuracy per perturbation size
     */
    static double[] fgsmAccuracy(Posterior model, LabeledImages test, double[] eps) {
        int d = test.height() * test.width();
        float[] y = new float[test.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = test.labels()[i];
        }
        try (NDManager scope = NDManager.newBaseManager(model.getDevice())) {
            NDArray images = scope.create(test.flatPixels(), new Shape(test.size(), d));
            NDArray labels = scope.create(y, new Shape(test.size()));
            FgsmCurve curve = Fgsm.accuracyCurve(model, images, labels, eps, 0, 1, BATCH);
            double[] out = new double[eps.length];
            for (int e = 0; e < eps.length; e++) {
                out[e] = curve.accuracy(e);
            }
            return out;
        }
    }
}
