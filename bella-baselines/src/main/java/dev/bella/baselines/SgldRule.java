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
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.bella.core.Seeds;
import dev.bella.core.train.Objective;
import dev.bella.core.train.ParticleTrainer;
import dev.bella.core.train.UpdateRule;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Stochastic gradient Langevin dynamics (Welling &amp; Teh, 2011) over the adapters, as an {@link
 * UpdateRule} (SPEC §9): each particle is one chain,
 *
 * <p>\[ \theta \leftarrow \theta - \frac{\eta}{2} \nabla U_N(\theta) + \mathcal{N}(0, \eta I), \]
 *
 * <p>with \( U_N \) the negative log posterior scaled to the data set: the trainer's objective (the
 * mean minibatch loss times \( N \), plus the prior \( \frac{\lambda}{2} \|\theta\|^2 \) of {@code
 * optPriorPrecision}; {@link #trainer} sets {@code Objective.DATA_SET} for it). The rule hands the
 * optimizer \( \nabla U_N + \frac{2}{\sqrt\eta} \xi \), \( \xi \sim \mathcal{N}(0, I) \), and
 * {@link #trainer} pairs it with plain SGD at learning rate \( \eta / 2 \), which makes the step
 * above exactly. The noise is drawn in Java from {@code (seed, step, tensor)}, so a run is
 * reproducible.
 *
 * <p>Samples are kept with a {@link SampleCollector} (a burn-in, then every {@code thinning}
 * steps), which turns them into a posterior that predicts like the particles do.
 *
 * <p>Immutable and thread-safe.
 */
public final class SgldRule implements UpdateRule {

    private final double stepSize;
    private final long seed;

    private SgldRule(double stepSize, long seed) {
        if (!(Double.isFinite(stepSize) && stepSize > 0)) {
            throw new IllegalArgumentException(
                    "the SGLD step size eta must be finite and positive, got " + stepSize);
        }
        this.stepSize = stepSize;
        this.seed = seed;
    }

    /**
     * Creates the rule.
     *
     * @param stepSize \( \eta \), finite and positive
     * @param seed the seed of the injected noise
     * @return the rule
     * @throws IllegalArgumentException if {@code stepSize} is not finite and positive
     */
    public static SgldRule of(double stepSize, long seed) {
        return new SgldRule(stepSize, seed);
    }

    /**
     * Returns a trainer builder with this rule and plain SGD at learning rate \( \eta / 2 \) (no
     * momentum, no weight decay: the prior belongs in {@code optPriorPrecision}), as SGLD needs.
     *
     * @return a {@link ParticleTrainer} builder
     */
    public ParticleTrainer.Builder trainer() {
        float lr = (float) (stepSize / 2);
        return ParticleTrainer.builder()
                .setUpdateRule(this)
                .optObjective(Objective.DATA_SET)
                .optOptimizer(
                        () ->
                                Optimizer.sgd()
                                        .setLearningRateTracker(Tracker.fixed(lr))
                                        .optWeightDecays(0)
                                        .build());
    }

    /**
     * Returns \( \eta \).
     *
     * @return the step size
     */
    public double getStepSize() {
        return stepSize;
    }

    @Override
    public String name() {
        return "sgld";
    }

    @Override
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("step_size", String.format(Locale.ROOT, "%s", stepSize));
        s.put("noise_seed", Long.toString(seed));
        return s;
    }

    @Override
    public Update update(StepGradients step) {
        double scale = 2 / Math.sqrt(stepSize);
        Map<String, NDArray> out = new LinkedHashMap<>();
        int t = 0;
        for (Map.Entry<String, NDArray> e : step.gradients().entrySet()) {
            NDArray g = e.getValue();
            SplittableRandom rng = Seeds.stream(seed, step.step(), t++);
            float[] noise = new float[Math.toIntExact(g.size())];
            for (int i = 0; i < noise.length; i++) {
                noise[i] = (float) (rng.nextGaussian() * scale);
            }
            NDManager m = g.getManager();
            NDArray xi = m.create(noise, g.getShape()).toType(g.getDataType(), false);
            NDArray noisy = g.add(xi);
            xi.close();
            out.put(e.getKey(), noisy);
        }
        return new Update(out, Map.of());
    }
}
