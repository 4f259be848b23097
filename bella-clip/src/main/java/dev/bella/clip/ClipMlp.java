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
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.bella.core.Scalars;
import java.util.Objects;

/**
 * CLIP's MLP: {@code c_fc} (width to MLP width), the activation, {@code c_proj} (MLP width to
 * width), over the last axis of {@code (batch, tokens, width)}.
 *
 * <p>These two linears are the layers Bella adapts by default (SPEC §1); the fields are declared
 * {@link Linear}, so a wrapped copy calls the low-rank layers that replace them.
 */
public final class ClipMlp extends AbstractBlock {

    private static final byte VERSION = 1;

    private final Linear cFc;
    private final Linear cProj;
    private final ClipVisionConfig.MlpActivation activation;

    /**
     * Creates the MLP of one residual block.
     *
     * @param width the input and output width
     * @param mlpWidth the hidden width
     * @param activation the activation between the two linears
     */
    public ClipMlp(int width, int mlpWidth, ClipVisionConfig.MlpActivation activation) {
        super(VERSION);
        this.activation = Objects.requireNonNull(activation, "activation");
        this.cFc = addChildBlock("c_fc", Linear.builder().setUnits(mlpWidth).build());
        this.cProj = addChildBlock("c_proj", Linear.builder().setUnits(width).build());
    }

    /**
     * CLIP's QuickGELU, \( x \sigma(1.702 x) \).
     *
     * @param x any array
     * @return the activation, same shape
     */
    public static NDArray quickGelu(NDArray x) {
        return x.mul(Activation.sigmoid(Scalars.mul(x, 1.702f)));
    }

    /**
     * Applies an activation.
     *
     * @param x any array
     * @param activation which one
     * @return the activation, same shape
     */
    public static NDArray activate(NDArray x, ClipVisionConfig.MlpActivation activation) {
        return activation == ClipVisionConfig.MlpActivation.GELU
                ? Activation.gelu(x)
                : quickGelu(x);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray hidden = cFc.forward(parameterStore, inputs, training).singletonOrThrow();
        return cProj.forward(parameterStore, new NDList(activate(hidden, activation)), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return cProj.getOutputShapes(cFc.getOutputShapes(inputShapes));
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        cFc.initialize(manager, dataType, inputShapes);
        cProj.initialize(manager, dataType, cFc.getOutputShapes(inputShapes));
    }

    /**
     * Returns the first linear, width to MLP width.
     *
     * @return {@code c_fc}
     */
    public Linear getCFc() {
        return cFc;
    }

    /**
     * Returns the second linear, MLP width to width.
     *
     * @return {@code c_proj}
     */
    public Linear getCProj() {
        return cProj;
    }

    /**
     * Returns the activation.
     *
     * @return the activation
     */
    public ClipVisionConfig.MlpActivation getActivation() {
        return activation;
    }
}
