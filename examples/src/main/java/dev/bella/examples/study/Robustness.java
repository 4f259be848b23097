package dev.bella.examples.study;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.bella.core.ParticleBlock;
import dev.bella.core.robustness.Corruption;
import dev.bella.core.robustness.Fgsm;
import dev.bella.core.robustness.FgsmCurve;
import dev.bella.examples.data.LabeledImages;

/**
 * Accuracy of the posterior predictive under corruptions and FGSM (paper Figure 2 and Table 4 in
 * miniature), through {@link Corruption} and {@link Fgsm} of {@code dev.bella.core.robustness}.
 */
final class Robustness {

    private static final int BATCH = 256;

    private Robustness() {}

    /**
     * Accuracy on corrupted test images: every {@link Corruption} at each severity 1..5, averaged
     * over the corruptions.
     *
     * @param model the particles, taking flat images {@code (b, height * width)}
     * @param test the test images
     * @param seed the seed of the random corruptions
     * @return the mean accuracy per severity, index 0 = severity 1
     */
    static double[] corruptionAccuracy(ParticleBlock model, LabeledImages test, long seed) {
        int severities = Corruption.MAX_SEVERITY - Corruption.MIN_SEVERITY + 1;
        double[] mean = new double[severities];
        Corruption[] all = Corruption.values();
        for (Corruption c : all) {
            for (int s = 0; s < severities; s++) {
                mean[s] += accuracy(model, test, c, Corruption.MIN_SEVERITY + s, seed) / all.length;
            }
        }
        return mean;
    }

    private static double accuracy(
            ParticleBlock model, LabeledImages test, Corruption c, int severity, long seed) {
        int h = test.height();
        int w = test.width();
        int d = h * w;
        float[] flat = test.flatPixels();
        int[] labels = test.labels();
        long correct = 0;
        for (int from = 0; from < test.size(); from += BATCH) {
            int b = Math.min(BATCH, test.size() - from);
            try (NDManager scope = root(model).newSubManager()) {
                float[] chunk = new float[b * d];
                System.arraycopy(flat, from * d, chunk, 0, b * d);
                NDArray x = scope.create(chunk, new Shape(b, h, w));
                NDArray corrupted = c.apply(x, severity, seed, from).reshape(b, d);
                long[] predicted =
                        model.predict(new NDList(corrupted))
                                .singletonOrThrow()
                                .softmax(2)
                                .mean(new int[] {0})
                                .argMax(1)
                                .toLongArray();
                for (int j = 0; j < b; j++) {
                    if (predicted[j] == labels[from + j]) {
                        correct++;
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
    static double[] fgsmAccuracy(ParticleBlock model, LabeledImages test, double[] eps) {
        int d = test.height() * test.width();
        float[] y = new float[test.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = test.labels()[i];
        }
        try (NDManager scope = root(model).newSubManager()) {
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

    private static NDManager root(ParticleBlock model) {
        return model.getAdapterParameters().get(0).getArray().getManager();
    }
}
