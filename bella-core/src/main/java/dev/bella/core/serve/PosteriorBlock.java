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
package dev.bella.core.serve;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Prediction;
import java.io.DataOutputStream;
import java.util.List;

/**
 * A {@link Posterior} as a DJL block, so that a DJL {@code Model} (and a {@code ZooModel} loaded by
 * {@code Criteria}) can run it. For a batch {@code (b, ...)} its forward pass returns four float64
 * arrays: the posterior predictive {@code (b, C)}, the predictive entropy {@code (b)}, its
 * aleatoric part {@code (b)} and the mutual information {@code (b)}, all from {@link
 * Posterior#predict} (so a closed-form posterior's uncertainty is its own). It has no trainable
 * parameters; closing it closes the posterior.
 *
 * <p>DJL's {@code Model.save} cannot write a posterior (the frozen base, the adapters and the
 * manifest are several files): {@link #saveParameters} says to call {@link
 * ModelDirectory.Builder#save} instead, which writes a directory that {@code Criteria} loads back.
 */
public final class PosteriorBlock extends AbstractBlock implements AutoCloseable {

    private static final byte VERSION = 1;

    private final Posterior posterior;

    /**
     * Wraps a posterior.
     *
     * @param posterior the posterior (owned from now on: {@link #close} closes it)
     */
    public PosteriorBlock(Posterior posterior) {
        super(VERSION);
        if (posterior == null) {
            throw new IllegalArgumentException("posterior must not be null");
        }
        this.posterior = posterior;
    }

    /**
     * Returns the posterior this block runs.
     *
     * @return the posterior
     */
    public Posterior getPosterior() {
        return posterior;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        List<Prediction> predictions = posterior.predict(inputs);
        NDManager manager = inputs.head().getManager();
        int b = predictions.size();
        int c = predictions.get(0).classCount();
        double[] p = new double[b * c];
        double[] entropy = new double[b];
        double[] aleatoric = new double[b];
        double[] mi = new double[b];
        for (int k = 0; k < b; k++) {
            Prediction q = predictions.get(k);
            System.arraycopy(q.probabilities(), 0, p, k * c, c);
            entropy[k] = q.entropy();
            aleatoric[k] = q.aleatoric();
            mi[k] = q.mutualInformation();
        }
        return new NDList(
                manager.create(p, new Shape(b, c)),
                manager.create(entropy),
                manager.create(aleatoric),
                manager.create(mi));
    }

    /** Reads one input's prediction back from this block's outputs for that input. */
    static Prediction prediction(NDList outputs) {
        double[] p = outputs.get(0).toDoubleArray();
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return new Prediction(
                p,
                best,
                p[best],
                scalar(outputs.get(1)),
                scalar(outputs.get(2)),
                scalar(outputs.get(3)));
    }

    private static double scalar(NDArray a) {
        return a.toDoubleArray()[0];
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long b = inputShapes[0].get(0);
        long c = classCount(inputShapes[0].slice(1));
        return new Shape[] {new Shape(b, c), new Shape(b), new Shape(b), new Shape(b)};
    }

    /**
     * Runs one zero input through the posterior to learn its number of classes.
     *
     * @param inputShape one input's shape without the batch axis
     * @return the number of classes C
     */
    long classCount(Shape inputShape) {
        try (NDManager probe = NDManager.newBaseManager(posterior.getDevice())) {
            NDArray zero = probe.zeros(new Shape(1).addAll(inputShape));
            return posterior.sampleProbabilities(new NDList(zero)).getShape().get(2);
        }
    }

    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        // The posterior is loaded initialised.
    }

    @Override
    public boolean isInitialized() {
        return true;
    }

    /**
     * Describes no named inputs: the block is made from initialised parts, never initialised with
     * input shapes of its own.
     *
     * @return an empty list
     */
    @Override
    public ai.djl.util.PairList<String, ai.djl.ndarray.types.Shape> describeInput() {
        return new ai.djl.util.PairList<>();
    }

    /**
     * Refuses: a posterior is several files, which DJL's single parameter stream cannot hold.
     *
     * @throws UnsupportedOperationException always, naming what to call instead
     */
    @Override
    public void saveParameters(DataOutputStream os) {
        throw new UnsupportedOperationException(
                "DJL's Model.save cannot write a Bella posterior (frozen base + adapters +"
                        + " manifest): call ModelDirectory.builder(base, posterior,"
                        + " inputShape).save(dir), which writes a directory Criteria loads back,"
                        + " or Posterior.save(dir) for the adapters alone (the .params file Model.save opened holds DJL's header only:"
                        + " delete it)");
    }

    /** Closes the posterior. */
    @Override
    public void close() {
        posterior.close();
    }
}
