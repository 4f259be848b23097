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
package dev.bella.svgd;

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDArray;
import dev.bella.core.AdapterNames;
import dev.bella.core.CoreLinear;
import dev.bella.core.FullRankLinear;
import dev.bella.core.LowRankLinear;
import dev.bella.core.ParticleBlock;
import dev.bella.core.ParticleLinear;
import dev.bella.core.train.ParticleTrainer;
import dev.bella.core.train.UpdateRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * SVGD as an {@link UpdateRule} of {@link ParticleTrainer}: the loss gradients of all particles go
 * through {@link LowRankSvgd} (one kernel over every per-particle layer: the trace trick on the
 * low-rank layers, squared distances on the full-rank ones) and \( -\phi \) is handed to the
 * optimizer as each particle's gradient.
 *
 * <pre>{@code
 * ParticleTrainer trainer = SvgdRule.trainer().optEpochs(3).build();       // SVGD, gamma 0.01
 * ParticleTrainer tuned = ParticleTrainer.builder()
 *         .setUpdateRule(new SvgdRule(LowRankSvgd.builder().optGamma(0.05).build()))
 *         .build();
 * }</pre>
 *
 * <p>Per step it reports the diagnostics {@code "h2"} (the squared kernel bandwidth) and {@code
 * "mean_kernel"} (the mean off-diagonal kernel value), averaged per epoch in the log and the
 * provenance. Immutable and thread-safe.
 */
public final class SvgdRule implements UpdateRule {

    private final LowRankSvgd svgd;

    /**
     * Creates the rule.
     *
     * @param svgd the SVGD update (gamma, driving term, repulsion, bandwidth)
     */
    public SvgdRule(LowRankSvgd svgd) {
        this.svgd = Objects.requireNonNull(svgd, "svgd");
    }

    /**
     * Returns a trainer builder with SVGD at {@link LowRankSvgd}'s defaults (gamma 0.01,
     * kernel-smoothed driving term, median bandwidth).
     *
     * @return a {@link ParticleTrainer} builder with this rule set
     */
    public static ParticleTrainer.Builder trainer() {
        return trainer(LowRankSvgd.builder().build());
    }

    /**
     * Returns a trainer builder with the given SVGD update.
     *
     * @param svgd the SVGD update
     * @return a {@link ParticleTrainer} builder with this rule set
     */
    public static ParticleTrainer.Builder trainer(LowRankSvgd svgd) {
        return ParticleTrainer.builder().setUpdateRule(new SvgdRule(svgd));
    }

    /**
     * Returns the SVGD update this rule applies.
     *
     * @return the update
     */
    public LowRankSvgd getSvgd() {
        return svgd;
    }

    @Override
    public String name() {
        return "svgd";
    }

    @Override
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("gamma", Double.toString(svgd.gamma()));
        s.put("driving_term", svgd.drivingTerm().name());
        s.put("repulsion", svgd.repulsion().name());
        s.put("bandwidth", svgd.bandwidth().toString());
        return s;
    }

    /**
     * {@inheritDoc}
     *
     * @throws ai.djl.TrainingDivergedException if a value of the update is NaN or infinite (the
     *     kernel distances of particles whose perturbations overflow, say), naming the particle and
     *     the step; the trainer adds that the step was not applied and the last good checkpoint
     */
    @Override
    public Update update(StepGradients step) {
        ParticleBlock model = step.model();
        Map<String, NDArray> grads = step.gradients();
        List<String> factorNames = new ArrayList<>();
        List<LowRankFactors> factors = new ArrayList<>();
        List<FactorPair> factorGrads = new ArrayList<>();
        List<String> tensorNames = new ArrayList<>();
        List<NDArray> tensors = new ArrayList<>();
        List<NDArray> tensorGrads = new ArrayList<>();
        for (ParticleLinear layer : model.getLayers().values()) {
            if (layer instanceof LowRankLinear) {
                LowRankLinear l = (LowRankLinear) layer;
                String a = AdapterNames.of(l.getPath(), AdapterNames.LORA_A);
                String b = AdapterNames.of(l.getPath(), AdapterNames.LORA_B);
                factorNames.add(l.getPath());
                factors.add(
                        new LowRankFactors(l.getA().getArray(), l.getB().getArray(), l.getScale()));
                factorGrads.add(new FactorPair(grads.get(a), grads.get(b)));
            } else if (layer instanceof FullRankLinear || layer instanceof CoreLinear) {
                // Full copies, and B-LoRA-XS cores: the kernel sees their values as they are (for a
                // core, the distance of the R_i, not of the perturbations s A R_i B).
                ParticleLinear f = layer;
                f.getParticleParameters()
                        .forEach(
                                (name, p) -> {
                                    String id = AdapterNames.of(f.getPath(), name);
                                    tensorNames.add(id);
                                    tensors.add(p.getArray());
                                    tensorGrads.add(grads.get(id));
                                });
            } else {
                throw new IllegalArgumentException(
                        "SVGD does not know the layer kind "
                                + layer.getClass().getSimpleName()
                                + " of layer '"
                                + layer.getPath()
                                + "'");
            }
        }
        SvgdUpdate update;
        try {
            update = svgd.update(factors, factorGrads, tensors, tensorGrads);
        } catch (Finite.NonFiniteException e) {
            // The trainer adds that the update was not applied and names the last checkpoint.
            throw new TrainingDivergedException(
                    "SVGD at step " + step.step() + ": " + e.getMessage(), e);
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        try {
            for (int l = 0; l < factors.size(); l++) {
                FactorPair phi = update.phi().get(l);
                out.put(AdapterNames.of(factorNames.get(l), AdapterNames.LORA_A), negate(phi.a()));
                out.put(AdapterNames.of(factorNames.get(l), AdapterNames.LORA_B), negate(phi.b()));
            }
            for (int t = 0; t < tensors.size(); t++) {
                out.put(tensorNames.get(t), negate(update.fullRankPhi().get(t)));
            }
        } finally {
            update.kernel().distances().close();
            update.kernel().kernel().close();
        }
        KernelStats stats = update.stats();
        Map<String, Double> diagnostics = new LinkedHashMap<>();
        diagnostics.put("h2", stats.squaredBandwidth());
        diagnostics.put("mean_kernel", stats.meanKernel());
        return new Update(out, diagnostics);
    }

    /** \( -\phi \), the gradient the optimizer needs; frees \( \phi \). */
    private static NDArray negate(NDArray phi) {
        NDArray g = phi.neg();
        phi.close();
        return g;
    }
}
