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

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.nio.file.Path;
import java.util.Map;

/**
 * Stops training before a step with a NaN or infinite loss or gradient is applied, with a {@link
 * TrainingDivergedException} naming the particle, the tensor, the step and the last good
 * checkpoint. Added by {@link ParticleTrainer} to every fit.
 *
 * <p>Each gradient is checked with one reduction per particle (a sum is finite only if every
 * element is, or it overflowed, which is as bad), and one read-back.
 *
 * <p>The trainer also uses this class's checks after the update rule (a NaN or infinite update
 * direction, for example SVGD's kernel distances overflowing) and after the optimizer (a NaN,
 * infinite or absurdly large new parameter value, see {@link
 * ParticleTrainer.Builder#optDivergenceFactor}): the step is then undone and the same exception
 * thrown, so a diverged state is never kept and never checkpointed.
 */
public final class DivergenceGuard extends TrainingListenerAdapter implements StepListener {

    /** What every divergence message ends with. */
    static final String HINT = " (lower the learning rate or clip gradients)";

    private final Path checkpointDir;
    private final TrainingRun run;

    /**
     * Creates a guard.
     *
     * @param checkpointDir the fit's checkpoint directory, named in the error, or {@code null}
     */
    public DivergenceGuard(Path checkpointDir) {
        this.checkpointDir = checkpointDir;
        this.run = null;
    }

    /**
     * Creates the guard of one fit, which names the last checkpoint the fit wrote or resumed from.
     *
     * @param run the fit's state
     */
    DivergenceGuard(TrainingRun run) {
        this.checkpointDir = run.getCheckpointDir();
        this.run = run;
    }

    @Override
    public void beforeUpdate(UpdateRule.StepGradients step, NDArray particleLosses) {
        float[] values = particleLosses.toType(DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw diverged(
                        "the loss of particle " + i + " is " + values[i], step.step(), where());
            }
        }
        for (Map.Entry<String, NDArray> e : step.gradients().entrySet()) {
            checkGradient(e.getValue(), e.getKey(), step.step());
        }
    }

    private String where() {
        if (run != null) {
            return run.describeLastCheckpoint();
        }
        return checkpointDir == null
                ? "no checkpoint directory was set"
                : "the last good checkpoint is in " + checkpointDir;
    }

    private void checkGradient(NDArray grad, String name, long step) {
        long n = grad.getShape().get(0);
        float[] sums;
        try (NDManager scope = grad.getManager().newSubManager()) {
            scope.tempAttachAll(grad);
            sums =
                    grad.reshape(n, -1)
                            .sum(new int[] {1})
                            .toType(DataType.FLOAT32, false)
                            .toFloatArray();
        }
        for (int i = 0; i < sums.length; i++) {
            if (!Float.isFinite(sums[i])) {
                throw diverged(
                        "the gradient of particle "
                                + i
                                + " w.r.t. "
                                + name
                                + " has NaN or infinite values",
                        step,
                        where());
            }
        }
    }

    /**
     * The divergence exception of a step that was not applied.
     *
     * @param what what went wrong, naming the particle and the tensor
     * @param step the step
     * @param where {@link TrainingRun#describeLastCheckpoint()}
     * @return the exception
     */
    static TrainingDivergedException diverged(String what, long step, String where) {
        return new TrainingDivergedException(
                what + " at step " + step + "; the update was not applied and " + where + HINT);
    }

    /**
     * The first particle tensor value that is NaN, infinite or larger in magnitude than a bound.
     *
     * @param tensor the tensor's full name
     * @param particle the particle
     * @param maxAbs the largest absolute value of that particle's tensor (NaN or infinite if one
     *     is)
     */
    record Violation(String tensor, int particle, double maxAbs) {

        /** Describes the violation against {@code limit}, with {@code verb} "holds" or so. */
        String describe(double limit, String verb) {
            return Double.isFinite(maxAbs)
                    ? String.format(
                            java.util.Locale.ROOT,
                            "particle %d's %s %s a value of magnitude %.4g, above the"
                                    + " divergence bound %.4g",
                            particle,
                            tensor,
                            verb,
                            maxAbs,
                            limit)
                    : "particle "
                            + particle
                            + "'s "
                            + tensor
                            + " "
                            + verb
                            + " NaN or infinite values";
        }
    }

    /**
     * Finds the first particle (of the first tensor) with a NaN or infinite value, or a value whose
     * magnitude exceeds {@code limit}. When all is well this is one reduction per tensor and a
     * single read-back; only on failure are the tensor and the particle located.
     *
     * @param arrays tensors by name, each with the particles on its first axis
     * @param limit the largest magnitude allowed, possibly infinite (then only NaN and infinite
     *     values are found)
     * @return the violation, or {@code null} if there is none
     */
    static Violation find(Map<String, NDArray> arrays, double limit) {
        if (arrays.isEmpty()) {
            return null;
        }
        NDManager parent = arrays.values().iterator().next().getManager();
        try (NDManager scope = parent.newSubManager()) {
            NDList maxima = new NDList(arrays.size());
            NDList magnitudes = new NDList(arrays.size());
            for (NDArray x : arrays.values()) {
                NDArray abs = x.abs();
                abs.attach(scope);
                magnitudes.add(abs);
                maxima.add(abs.max().toType(DataType.FLOAT64, false).reshape(1));
            }
            double[] max = NDArrays.concat(maxima).toDoubleArray();
            int t = 0;
            for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
                if (exceeds(max[t], limit)) {
                    NDArray abs = magnitudes.get(t);
                    long n = abs.getShape().get(0);
                    double[] perParticle =
                            abs.reshape(n, -1)
                                    .max(new int[] {1})
                                    .toType(DataType.FLOAT64, false)
                                    .toDoubleArray();
                    for (int i = 0; i < perParticle.length; i++) {
                        if (exceeds(perParticle[i], limit)) {
                            return new Violation(e.getKey(), i, perParticle[i]);
                        }
                    }
                    return new Violation(e.getKey(), 0, max[t]);
                }
                t++;
            }
            return null;
        }
    }

    /**
     * Returns the largest magnitude over the tensors (NaN or infinite if a value is).
     *
     * @param arrays the tensors
     * @return {@code max |x|}, 0 for none
     */
    static double maxAbs(Map<String, NDArray> arrays) {
        double m = 0;
        for (NDArray x : arrays.values()) {
            try (NDManager scope = x.getManager().newSubManager()) {
                NDArray abs = x.abs();
                abs.attach(scope);
                double v = abs.max().toType(DataType.FLOAT64, false).getDouble();
                if (Double.isNaN(v)) {
                    return v;
                }
                m = Math.max(m, v);
            }
        }
        return m;
    }

    private static boolean exceeds(double v, double limit) {
        return !Double.isFinite(v) || v > limit;
    }
}
