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
package dev.bella.core.posterior;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.bella.core.Bella;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A single network seen as a posterior with one sample (a point mass): its predictive is its own
 * softmax, its mutual information 0. For a merged particle ({@code ParticleBlock.merge(i)}), a soup
 * or any plain classifier that maps {@code (b, ...)} to logits {@code (b, C)}, so that FGSM and the
 * service treat it exactly as they treat particles.
 *
 * <p>It does not own the block: closing it frees nothing.
 */
public final class PointEstimate implements Posterior {

    private final Block block;
    private final Provenance provenance;

    private PointEstimate(Block block, Provenance provenance) {
        this.block = Objects.requireNonNull(block, "block");
        this.provenance = provenance;
    }

    /**
     * Wraps a classifier.
     *
     * @param block an initialised block mapping {@code (b, ...)} to logits {@code (b, C)}
     * @return the point-mass posterior
     */
    public static PointEstimate of(Block block) {
        return new PointEstimate(
                block,
                new Provenance(
                        "point-estimate",
                        Map.of(),
                        null,
                        0,
                        Bella.VERSION,
                        Engine.getDjlVersion(),
                        "",
                        0,
                        List.of()));
    }

    /**
     * Returns the wrapped block.
     *
     * @return the block
     */
    public Block getBlock() {
        return block;
    }

    private NDArray logits(NDList inputs) {
        NDArray x = inputs.head();
        NDList out = block.forward(new ParameterStore(x.getManager(), false), inputs, false);
        long b = x.getShape().get(0);
        Shape s = out.size() == 1 ? out.get(0).getShape() : null;
        if (s == null || s.dimension() != 2 || s.get(0) != b) {
            throw new IllegalArgumentException(
                    "the model's output must be one array of logits of shape ("
                            + b
                            + ", C), got "
                            + (s == null ? out.size() + " arrays" : s.toString()));
        }
        return out.get(0).expandDims(0);
    }

    @Override
    public NDArray sampleProbabilities(NDList inputs) {
        return Predictive.probabilities(logits(inputs).toType(DataType.FLOAT32, false));
    }

    @Override
    public NDArray logPredictive(NDList inputs) {
        return logits(inputs).logSoftmax(-1).squeeze(0);
    }

    @Override
    public int getSampleCount() {
        return 1;
    }

    /** The device of the block's first parameter; a block without parameters is refused. */
    @Override
    public ai.djl.Device getDevice() {
        for (ai.djl.util.Pair<String, ai.djl.nn.Parameter> p : block.getParameters()) {
            if (p.getValue().isInitialized()) {
                return p.getValue().getArray().getDevice();
            }
        }
        throw new IllegalStateException(
                "the wrapped block has no initialised parameter to tell its device");
    }

    @Override
    public Provenance getProvenance() {
        return provenance;
    }

    /**
     * Not supported: a point estimate wraps a plain DJL block.
     *
     * @throws UnsupportedOperationException always, naming what to call instead
     */
    @Override
    public void save(Path dir) {
        throw new UnsupportedOperationException(
                "a PointEstimate wraps a plain DJL block: save the block itself with DJL's"
                        + " Block.saveParameters, or save the particles it came from with"
                        + " ParticlePosterior.save");
    }

    /** Does nothing: the block belongs to the caller. */
    @Override
    public void close() {}
}
