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
package dev.bella.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * CLIP's pre-norm residual attention block on {@code (batch, tokens, width)}:
 *
 * <pre>
 * x = x + attn(ln_1(x))
 * x = x + mlp(ln_2(x))
 * </pre>
 *
 * <p>Children, in path order: {@code ln_1}, {@code attn} ({@link ClipAttention}), {@code ln_2},
 * {@code mlp} ({@link ClipMlp}).
 */
public final class ClipResidualBlock extends AbstractBlock {

    private static final byte VERSION = 1;

    private final LayerNorm ln1;
    private final ClipAttention attn;
    private final LayerNorm ln2;
    private final ClipMlp mlp;

    /**
     * Creates one residual attention block.
     *
     * @param config the tower's configuration (width, heads, MLP width, activation, epsilon)
     */
    public ClipResidualBlock(ClipVisionConfig config) {
        super(VERSION);
        this.ln1 = addChildBlock("ln_1", layerNorm(config, 2));
        this.attn = addChildBlock("attn", new ClipAttention(config.getWidth(), config.getHeads()));
        this.ln2 = addChildBlock("ln_2", layerNorm(config, 2));
        this.mlp =
                addChildBlock(
                        "mlp",
                        new ClipMlp(
                                config.getWidth(), config.getMlpWidth(), config.getActivation()));
    }

    /** A LayerNorm over axis {@code lastAxis}, the last axis of its input. */
    static LayerNorm layerNorm(ClipVisionConfig config, int lastAxis) {
        return LayerNorm.builder().axis(lastAxis).optEpsilon(config.getLayerNormEpsilon()).build();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray h = ln1.forward(parameterStore, new NDList(x), training).singletonOrThrow();
        x = x.add(attn.forward(parameterStore, new NDList(h), training).singletonOrThrow());
        h = ln2.forward(parameterStore, new NDList(x), training).singletonOrThrow();
        return new NDList(
                x.add(mlp.forward(parameterStore, new NDList(h), training).singletonOrThrow()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        ln1.initialize(manager, dataType, inputShapes);
        attn.initialize(manager, dataType, inputShapes);
        ln2.initialize(manager, dataType, inputShapes);
        mlp.initialize(manager, dataType, inputShapes);
    }

    /**
     * Returns the LayerNorm before the attention.
     *
     * @return {@code ln_1}
     */
    public LayerNorm getLn1() {
        return ln1;
    }

    /**
     * Returns the attention.
     *
     * @return {@code attn}
     */
    public ClipAttention getAttn() {
        return attn;
    }

    /**
     * Returns the LayerNorm before the MLP.
     *
     * @return {@code ln_2}
     */
    public LayerNorm getLn2() {
        return ln2;
    }

    /**
     * Returns the MLP.
     *
     * @return {@code mlp}
     */
    public ClipMlp getMlp() {
        return mlp;
    }
}
