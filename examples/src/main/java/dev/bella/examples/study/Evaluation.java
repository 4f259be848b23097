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
import dev.bella.core.CoreLinear;
import dev.bella.core.LowRankLinear;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Prediction;
import dev.bella.examples.data.LabeledImages;
import dev.bella.svgd.LowRankFactors;
import dev.bella.svgd.LowRankKernel;
import java.util.ArrayList;
import java.util.List;

/** Runs particles over a data set and measures how far apart they are. */
public final class Evaluation {

    private Evaluation() {}

    /**
     * Softmax probabilities of every particle on every image, computed in batches.
     *
     * @param model the particles
     * @param images the images
     * @param batchSize images per forward call
     * @return {@code [n][N][C]}
     */
    public static float[][][] particleProbabilities(
            Posterior model, LabeledImages images, int batchSize) {
        int n = model.getSampleCount();
        float[][][] out = new float[n][images.size()][];
        forEachBatch(
                images,
                batchSize,
                model.getDevice(),
                (from, x) -> {
                    NDArray p = model.sampleProbabilities(new NDList(x));
                    int b = Math.toIntExact(p.getShape().get(1));
                    int c = Math.toIntExact(p.getShape().get(2));
                    float[] v = p.toFloatArray();
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < b; j++) {
                            float[] row = new float[c];
                            System.arraycopy(v, (i * b + j) * c, row, 0, c);
                            out[i][from + j] = row;
                        }
                    }
                });
        return out;
    }

    /**
     * The posterior's {@link Posterior#predict} on every image, in batches: the predictive and its
     * uncertainty as the posterior computes it (in closed form, for a Dirichlet student).
     *
     * @param model the posterior
     * @param images the images
     * @param batchSize images per forward call
     * @return one prediction per image, in order
     */
    public static List<Prediction> predictions(
            Posterior model, LabeledImages images, int batchSize) {
        List<Prediction> out = new ArrayList<>(images.size());
        forEachBatch(
                images,
                batchSize,
                model.getDevice(),
                (from, x) -> out.addAll(model.predict(new NDList(x))));
        return out;
    }

    /**
     * The mean squared distance between the particles' weight perturbations, \( \frac{2}{n(n-1)}
     * \sum_{i<j} \sum_l \|s A_i B_i - s A_j B_j\|_F^2 \), over the low-rank layers (a B-LoRA-XS
     * layer's perturbation \( s A R_i B \) enters as the factors \( A R_i \) and \( B \)).
     *
     * @param model the particles
     * @return the mean pairwise squared distance; 0 for one particle
     */
    public static double meanPairwiseDistance(ParticleBlock model) {
        int n = model.getParticleCount();
        if (n < 2 || !hasLowRankLayers(model)) {
            return 0;
        }
        List<LowRankFactors> layers = new ArrayList<>();
        for (LowRankLinear l : model.getLayers(LowRankLinear.class).values()) {
            layers.add(new LowRankFactors(l.getA().getArray(), l.getB().getArray(), l.getScale()));
        }
        try (NDManager scope = NDManager.newBaseManager(model.getDevice())) {
            for (CoreLinear l : model.getLayers(CoreLinear.class).values()) {
                NDArray a = l.getA().getArray().matMul(l.getCore().getArray()); // (n, d_in, r)
                NDArray b = l.getB().getArray().expandDims(0).repeat(0, n); // (n, r, d_out)
                a.attach(scope);
                b.attach(scope);
                layers.add(new LowRankFactors(a, b, l.getScale()));
            }
            return meanOf(layers, n);
        }
    }

    /**
     * Whether the model has layers with a low-rank perturbation per particle (LoRA or B-LoRA-XS).
     *
     * @param model the particles
     * @return true if {@link #meanPairwiseDistance} has layers to measure
     */
    public static boolean hasLowRankLayers(ParticleBlock model) {
        return !model.getLayers(LowRankLinear.class).isEmpty()
                || !model.getLayers(CoreLinear.class).isEmpty();
    }

    private static double meanOf(List<LowRankFactors> layers, int n) {
        try (NDArray d = LowRankKernel.squaredDistances(layers)) {
            double[] v = d.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).toDoubleArray();
            double sum = 0;
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) {
                    sum += v[i * n + j];
                }
            }
            return sum / (n * (n - 1) / 2.0);
        }
    }

    /** Work on one batch of images: its first index and its pixels as a {@code (b, d)} array. */
    @FunctionalInterface
    private interface BatchWork {
        void accept(int from, NDArray x);
    }

    /**
     * Hands the images to {@code work} in batches of at most {@code batchSize}, flattened to {@code
     * (b, height * width)}, each batch's arrays on the posterior's device in a manager closed after
     * it.
     */
    private static void forEachBatch(
            LabeledImages images, int batchSize, ai.djl.Device device, BatchWork work) {
        int d = images.height() * images.width();
        float[] flat = images.flatPixels();
        for (int from = 0; from < images.size(); from += batchSize) {
            int b = Math.min(batchSize, images.size() - from);
            try (NDManager scope = NDManager.newBaseManager(device)) {
                float[] chunk = new float[b * d];
                System.arraycopy(flat, from * d, chunk, 0, b * d);
                work.accept(from, scope.create(chunk, new Shape(b, d)));
            }
        }
    }
}
