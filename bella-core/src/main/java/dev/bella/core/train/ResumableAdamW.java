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
package dev.bella.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * AdamW (decoupled weight decay, Loshchilov &amp; Hutter) whose state can be saved and restored, so
 * that a resumed training continues exactly where it stopped.
 *
 * <p>The update is DJL's fused {@code adamUpdate} with {@code adamw = true}, the same arithmetic as
 * {@link ai.djl.training.optimizer.AdamW}; only the moment estimates and step counts live here,
 * keyed by the parameter ids the trainer passes (stable names such as {@code
 * "transformer.resblocks.0.mlp.c_fc.lora_A"}).
 */
public final class ResumableAdamW extends Optimizer implements AutoCloseable {

    private final ParameterTracker learningRate;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final Map<String, NDArray> means = new ConcurrentHashMap<>();
    private final Map<String, NDArray> variances = new ConcurrentHashMap<>();
    private final Map<String, Integer> steps = new ConcurrentHashMap<>();
    private NDManager stateManager;

    private ResumableAdamW(Builder b) {
        super(b);
        this.learningRate = b.learningRate;
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.epsilon = b.epsilon;
    }

    /**
     * Returns a builder: learning rate 1e-3, betas (0.9, 0.999), epsilon 1e-8, weight decay 0.01
     * (DJL's AdamW defaults).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        int t = steps.merge(parameterId, 1, Integer::sum);
        double coef1 = 1.0 - Math.pow(beta1, t);
        double coef2 = 1.0 - Math.pow(beta2, t);
        float lr = learningRate.getNewValue(parameterId, t);
        float wd = getWeightDecay();
        if (!(Float.isFinite(lr) && Float.isFinite(wd))) {
            throw new IllegalStateException(
                    "learning rate " + lr + " or weight decay " + wd + " is not finite");
        }
        NDArray m = means.computeIfAbsent(parameterId, k -> newState(weight));
        NDArray v = variances.computeIfAbsent(parameterId, k -> newState(weight));
        weight.getNDArrayInternal()
                .adamUpdate(
                        new NDList(weight, grad, m, v),
                        new NDList(weight),
                        lr,
                        (float) (lr * Math.sqrt(coef2) / coef1),
                        wd,
                        rescaleGrad,
                        clipGrad,
                        beta1,
                        beta2,
                        epsilon,
                        true,
                        true);
    }

    /** State arrays live in the optimizer's own manager, freed by {@link #close}. */
    private synchronized NDArray newState(NDArray like) {
        if (stateManager == null) {
            stateManager = NDManager.newBaseManager(like.getDevice());
        }
        NDArray z = like.zerosLike();
        z.attach(stateManager);
        return z;
    }

    /** Frees the moment estimates; the optimizer must not be used afterwards. */
    @Override
    public synchronized void close() {
        if (stateManager != null) {
            stateManager.close();
            stateManager = null;
        }
        means.clear();
        variances.clear();
    }

    /**
     * Returns the optimizer state: for every parameter id, {@code "<id>.exp_avg"} and {@code
     * "<id>.exp_avg_sq"} (the arrays themselves, not copies).
     *
     * @return an unmodifiable ordered map
     */
    public Map<String, NDArray> stateArrays() {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String id : new java.util.TreeSet<>(means.keySet())) {
            out.put(id + ".exp_avg", means.get(id));
            out.put(id + ".exp_avg_sq", variances.get(id));
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Returns the number of updates applied to each parameter id.
     *
     * @return an unmodifiable copy
     */
    public Map<String, Integer> stepCounts() {
        return Collections.unmodifiableMap(new java.util.TreeMap<>(steps));
    }

    /**
     * Restores the state saved by {@link #stateArrays} and {@link #stepCounts}; the arrays are
     * copied into arrays shaped like the weights they belong to.
     *
     * @param arrays the saved state arrays by name
     * @param counts the saved step counts by parameter id
     * @param weights the current weights by parameter id (for shape, type and manager)
     * @throws IllegalArgumentException if a state array is missing or mis-shaped
     */
    public void restore(
            Map<String, NDArray> arrays,
            Map<String, Integer> counts,
            Map<String, NDArray> weights) {
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            String id = e.getKey();
            NDArray w = weights.get(id);
            if (w == null) {
                throw new IllegalArgumentException(
                        "optimizer state names parameter '" + id + "', which the model lacks");
            }
            means.put(id, copyLike(arrays, id + ".exp_avg", w));
            variances.put(id, copyLike(arrays, id + ".exp_avg_sq", w));
            steps.put(id, e.getValue());
        }
    }

    private NDArray copyLike(Map<String, NDArray> arrays, String name, NDArray like) {
        NDArray a = arrays.get(name);
        if (a != null && !a.getDataType().isFloating()) {
            throw new IllegalArgumentException(
                    "optimizer state '"
                            + name
                            + "' is of type "
                            + a.getDataType()
                            + ", expected a floating-point type like "
                            + like.getDataType());
        }
        if (a == null || !a.getShape().equals(like.getShape())) {
            throw new IllegalArgumentException(
                    "optimizer state '"
                            + name
                            + "' is "
                            + (a == null ? "missing" : "of shape " + a.getShape())
                            + ", expected shape "
                            + like.getShape());
        }
        NDArray copy = newState(like);
        copy.addi(a.toType(like.getDataType(), false));
        return copy;
    }

    /** Builds a {@link ResumableAdamW}. */
    public static final class Builder extends OptimizerBuilder<Builder> {
        private ParameterTracker learningRate = Tracker.fixed(1e-3f);
        private float beta1 = 0.9f;
        private float beta2 = 0.999f;
        private float epsilon = 1e-8f;

        Builder() {
            optWeightDecays(0.01f);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /**
         * Sets the learning-rate schedule (default fixed 1e-3).
         *
         * @param tracker the schedule, e.g. {@code Tracker.cosine()...}
         * @return this builder
         */
        public Builder optLearningRateTracker(ParameterTracker tracker) {
            this.learningRate = tracker;
            return this;
        }

        /**
         * Sets the betas (default 0.9, 0.999).
         *
         * @param beta1 in [0, 1)
         * @param beta2 in [0, 1)
         * @return this builder
         */
        public Builder optBetas(float beta1, float beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        /**
         * Sets epsilon (default 1e-8).
         *
         * @param epsilon positive
         * @return this builder
         */
        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the optimizer
         */
        public ResumableAdamW build() {
            if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException(
                        "betas must be in [0, 1), beta1 = " + beta1 + ", beta2 = " + beta2);
            }
            if (!(epsilon > 0)) {
                throw new IllegalArgumentException(
                        "epsilon must be positive, epsilon = " + epsilon);
            }
            return new ResumableAdamW(this);
        }
    }
}
