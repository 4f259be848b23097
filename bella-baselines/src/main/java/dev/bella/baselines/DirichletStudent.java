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
package dev.bella.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.bella.core.AdapterStore;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Prediction;
import dev.bella.core.posterior.Provenance;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Dirichlet (evidential) student (SPEC §9): one network — the frozen base, one adapter and a head
 * (one particle of a {@link ParticleBlock}) — whose \( C \) outputs \( z(x) \) are
 * log-concentrations of a Dirichlet over the class probabilities, \( \alpha(x) = \exp z(x) \). Made
 * by {@link DirichletDistillation} from a teacher posterior.
 *
 * <p><b>Why \( \exp z \) and not \( \mathrm{softplus}(z) + \varepsilon \).</b> With the exponential
 * link the predictive is \( \alpha / \alpha_0 = \mathrm{softmax}(z) \): the student's predictive,
 * its log ({@link #logPredictive}, which FGSM differentiates) and its class are the softmax of its
 * outputs, computed stably, with no \( \varepsilon \) floor to bias them; and a network pre-trained
 * for classification starts as a sensible student (its softmax is its predictive). The precision \(
 * \alpha_0 \) a student must express spans orders of magnitude (near 1 where the teacher's
 * particles disagree, thousands where they agree to three digits); under \( \exp \) a step in \( z
 * \) is a relative change of \( \alpha \) whatever its size, while under softplus, linear for large
 * \( z \), \( \alpha_0 = 10^4 \) needs outputs near \( 10^4 \). The cost, overflow of \( \exp \)
 * for \( z > 709 \) in double precision, is met by checks that name the value ({@link
 * Dirichlet#predictFromLog}); training computes the loss in float64.
 *
 * <p><b>Uncertainty in closed form.</b> {@link #predict} gives, per input, the predictive \( \alpha
 * / \alpha_0 \), the total entropy \( H[\alpha / \alpha_0] \), the expected entropy \( -\sum_c
 * \frac{\alpha_c}{\alpha_0} (\psi(\alpha_c + 1) - \psi(\alpha_0 + 1)) \) as the aleatoric part, and
 * their difference as the mutual information ({@link Dirichlet}), in the fields the particles'
 * predictions use, from one forward pass. The student has no samples: {@link #sampleProbabilities}
 * returns its predictive as the one sample ({@code S = 1}), so averaging the samples gives the
 * right predictive but no epistemic part; {@link #hasClosedFormUncertainty} tells consumers to read
 * the uncertainty from {@link #predict}.
 *
 * <p><b>Saving.</b> {@link #save} writes the one adapter (and head) with the provenance record
 * (method {@value #METHOD}), through {@link AdapterStore} (data under a hash name, then the
 * manifest, each atomically); {@link #load} restores it onto the same frozen base.
 *
 * <p>Thread safety: as {@link ParticleBlock#predict}.
 */
public final class DirichletStudent implements Posterior {

    /** The method name in the provenance. */
    public static final String METHOD = "dirichlet-distillation";

    private final ParticleBlock network;
    private final Provenance provenance;

    private DirichletStudent(ParticleBlock network, Provenance provenance) {
        this.network = network;
        this.provenance = provenance;
    }

    /**
     * Wraps a trained student network.
     *
     * @param network one particle whose outputs are log-concentrations {@code (1, b, C)}; the
     *     student takes ownership (closing it closes the network)
     * @param provenance how it was made, of method {@value #METHOD}
     * @return the student
     * @throws IllegalArgumentException if the network has more than one particle or the provenance
     *     is of another method
     */
    public static DirichletStudent of(ParticleBlock network, Provenance provenance) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(provenance, "provenance");
        if (network.getParticleCount() != 1) {
            throw new IllegalArgumentException(
                    "a Dirichlet student is one network, got "
                            + network.getParticleCount()
                            + " particles; select one with ParticleBlock.select(i)");
        }
        if (!METHOD.equals(provenance.method())) {
            throw new IllegalArgumentException(
                    "the provenance is of method '"
                            + provenance.method()
                            + "', expected '"
                            + METHOD
                            + "'");
        }
        return new DirichletStudent(network, provenance);
    }

    /**
     * A student from a posterior loaded by {@link ParticlePosterior#load} whose provenance says it
     * is one (for loaders that read the method after loading, as the study's does).
     *
     * @param loaded the loaded posterior; the student takes ownership of its particles
     * @return the student
     * @throws IllegalArgumentException if it was not saved by {@link #save}
     */
    public static DirichletStudent of(ParticlePosterior loaded) {
        return of(loaded.getParticles(), loaded.getProvenance());
    }

    /**
     * Loads a student saved by {@link #save} onto the base it was trained on.
     *
     * @param dir the directory
     * @param base the frozen base (its fingerprint is checked)
     * @return the student
     * @throws IOException if a file is missing ({@link java.nio.file.NoSuchFileException}) or
     *     cannot be read
     * @throws IllegalArgumentException if the files are malformed, do not fit the base, or were not
     *     saved by {@link #save} (the message names the method they were saved by)
     */
    public static DirichletStudent load(Path dir, Block base) throws IOException {
        ParticlePosterior loaded = ParticlePosterior.load(dir, base);
        try {
            if (!METHOD.equals(loaded.getProvenance().method())) {
                throw new IllegalArgumentException(
                        dir
                                + " holds a posterior of method '"
                                + loaded.getProvenance().method()
                                + "', not "
                                + METHOD);
            }
            return of(loaded);
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    /**
     * Runs the network and returns its outputs, the log-concentrations \( z = \log \alpha \).
     *
     * @param inputs each {@code (b, ...)}
     * @return {@code (b, C)}, attached to the inputs' manager
     */
    public NDArray logConcentrations(NDList inputs) {
        NDArray z = network.predict(inputs).singletonOrThrow();
        Shape s = z.getShape();
        if (s.dimension() != 3 || s.get(0) != 1) {
            throw new IllegalStateException(
                    "the student's network must output (1, b, C) log-concentrations, got " + s);
        }
        return z.squeeze(0);
    }

    /**
     * Returns the concentrations \( \alpha = \exp z \).
     *
     * @param inputs each {@code (b, ...)}
     * @return {@code (b, C)}, positive
     */
    public NDArray concentrations(NDList inputs) {
        return logConcentrations(inputs).exp();
    }

    /**
     * Returns the predictive \( \alpha / \alpha_0 = \mathrm{softmax}(z) \) as the one sample.
     *
     * @param inputs each {@code (b, ...)}
     * @return {@code (1, b, C)} float32 probabilities
     */
    @Override
    public NDArray sampleProbabilities(NDList inputs) {
        return logConcentrations(inputs).toType(DataType.FLOAT32, false).softmax(-1).expandDims(0);
    }

    /**
     * Returns \( \log(\alpha / \alpha_0) = \mathrm{logsoftmax}(z) \), differentiable w.r.t. the
     * inputs.
     *
     * @param inputs each {@code (b, ...)}
     * @return {@code (b, C)}
     */
    @Override
    public NDArray logPredictive(NDList inputs) {
        return logConcentrations(inputs).logSoftmax(-1);
    }

    /**
     * Predicts with the closed-form uncertainty of \( \mathrm{Dir}(\alpha(x)) \) ({@link
     * Dirichlet#predictFromLog}), in double precision.
     *
     * @param inputs each {@code (b, ...)}
     * @return one prediction per input, unmodifiable
     * @throws IllegalStateException if an output is NaN or infinite, or \( \exp z \) overflows
     */
    @Override
    public List<Prediction> predict(NDList inputs) {
        NDArray z = logConcentrations(inputs);
        int b = Math.toIntExact(z.getShape().get(0));
        int c = Math.toIntExact(z.getShape().get(1));
        double[] v = z.toType(DataType.FLOAT64, false).toDoubleArray();
        List<Prediction> out = new ArrayList<>(b);
        for (int k = 0; k < b; k++) {
            double[] row = new double[c];
            System.arraycopy(v, k * c, row, 0, c);
            try {
                out.add(Dirichlet.predictFromLog(row));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(
                        "the student produced unusable outputs for input "
                                + k
                                + " ("
                                + e.getMessage()
                                + "): check the model's weights and the input's range",
                        e);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Returns {@code true}: the epistemic part is in {@link #predict}, not in the one sample.
     *
     * @return {@code true}
     */
    @Override
    public boolean hasClosedFormUncertainty() {
        return true;
    }

    /**
     * Returns 1: the student's one "sample" is its predictive.
     *
     * @return 1
     */
    @Override
    public int getSampleCount() {
        return 1;
    }

    /**
     * Returns the student's network (owned by the student).
     *
     * @return one particle on the frozen base
     */
    public ParticleBlock getNetwork() {
        return network;
    }

    @Override
    public ai.djl.Device getDevice() {
        return network.getDevice();
    }

    @Override
    public Provenance getProvenance() {
        return provenance;
    }

    /**
     * Saves the adapter and head (float32) with the provenance record.
     *
     * @param dir the directory, created if missing
     * @throws IOException if writing fails; an earlier save in {@code dir} stays intact
     */
    @Override
    public void save(Path dir) throws IOException {
        AdapterStore.save(network, dir, Map.of(), DataType.FLOAT32, provenance.toJson());
    }

    @Override
    public void close() {
        network.close();
    }

    /**
     * Reads a saved Dirichlet student for {@link dev.bella.core.posterior.Posteriors#load};
     * registered with {@link java.util.ServiceLoader}.
     */
    public static final class Format implements dev.bella.core.posterior.PosteriorFormat {

        /** Used by {@link java.util.ServiceLoader}. */
        public Format() {}

        @Override
        public String method() {
            return METHOD;
        }

        @Override
        public Posterior load(Path dir, Block base) throws IOException {
            return DirichletStudent.load(dir, base);
        }
    }
}
