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
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.bella.core.Scalars;

/**
 * Multi-head self-attention as CLIP computes it with {@code torch.nn.MultiheadAttention}: one fused
 * input projection {@code in_proj} (width to {@code 3 * width}, queries first, then keys, then
 * values), scaled dot-product attention per head, and the output projection {@code out_proj}.
 *
 * <p>Input and output are {@code (batch, tokens, width)}: the batch stays on axis 0 (OpenAI's
 * {@code (tokens, batch, width)} layout is not used), so Bella's particles, which travel in the
 * batch axis, pass through. No attention mask (the visual tower has none).
 */
public final class ClipAttention extends AbstractBlock {

    private static final byte VERSION = 1;

    private final Linear inProj;
    private final Linear outProj;
    private final int heads;

    /**
     * Creates the attention of one residual block.
     *
     * @param width the token width
     * @param heads the number of heads, dividing the width
     */
    public ClipAttention(int width, int heads) {
        super(VERSION);
        if (heads <= 0 || width % heads != 0) {
            throw new IllegalArgumentException(
                    "width must be a positive multiple of heads, width = "
                            + width
                            + ", heads = "
                            + heads);
        }
        this.heads = heads;
        this.inProj = addChildBlock("in_proj", Linear.builder().setUnits(3L * width).build());
        this.outProj = addChildBlock("out_proj", Linear.builder().setUnits(width).build());
    }

    /**
     * The attention core: splits the fused projections into queries, keys and values, computes \(
     * \mathrm{softmax}(q k^\top / \sqrt{d}) v \) per head and merges the heads.
     *
     * @param qkv {@code (batch, tokens, 3 * width)}, the output of {@code in_proj}
     * @param heads the number of heads
     * @return {@code (batch, tokens, width)}, the input of {@code out_proj}
     */
    public static NDArray selfAttention(NDArray qkv, int heads) {
        Shape s = qkv.getShape();
        long batch = s.get(0);
        long tokens = s.get(1);
        long width = s.get(2) / 3;
        long headDim = width / heads;
        // PtNDArray.split rejects negative axes: the feature axis is 2.
        NDList parts = qkv.split(3, 2);
        NDArray q = heads(parts.get(0), batch, tokens, heads, headDim);
        NDArray k = heads(parts.get(1), batch, tokens, heads, headDim);
        NDArray v = heads(parts.get(2), batch, tokens, heads, headDim);
        // Scale the queries first, as torch.nn.MultiheadAttention does.
        NDArray scores =
                Scalars.mul(q, (float) (1.0 / Math.sqrt(headDim))).matMul(k.transpose(0, 1, 3, 2));
        NDArray context = scores.softmax(3).matMul(v);
        return context.transpose(0, 2, 1, 3).reshape(batch, tokens, width);
    }

    /**
     * The whole attention as a function of its weights (DJL's {@code (out, in)} layout).
     *
     * @param x {@code (batch, tokens, width)}
     * @param inProjWeight {@code (3 * width, width)}
     * @param inProjBias {@code (3 * width)}
     * @param outProjWeight {@code (width, width)}
     * @param outProjBias {@code (width)}
     * @param heads the number of heads
     * @return {@code (batch, tokens, width)}
     */
    public static NDArray attention(
            NDArray x,
            NDArray inProjWeight,
            NDArray inProjBias,
            NDArray outProjWeight,
            NDArray outProjBias,
            int heads) {
        NDArray qkv = Linear.linear(x, inProjWeight, inProjBias).singletonOrThrow();
        return Linear.linear(selfAttention(qkv, heads), outProjWeight, outProjBias)
                .singletonOrThrow();
    }

    private static NDArray heads(NDArray x, long batch, long tokens, int heads, long headDim) {
        return x.reshape(batch, tokens, heads, headDim).transpose(0, 2, 1, 3);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray qkv = inProj.forward(parameterStore, inputs, training).singletonOrThrow();
        return outProj.forward(parameterStore, new NDList(selfAttention(qkv, heads)), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        inProj.initialize(manager, dataType, inputShapes);
        outProj.initialize(manager, dataType, inputShapes);
    }

    /**
     * Returns the fused query/key/value projection, width to {@code 3 * width}.
     *
     * @return {@code in_proj}
     */
    public Linear getInProj() {
        return inProj;
    }

    /**
     * Returns the output projection, width to width.
     *
     * @return {@code out_proj}
     */
    public Linear getOutProj() {
        return outProj;
    }

    /**
     * Returns the number of heads.
     *
     * @return the heads
     */
    public int getHeads() {
        return heads;
    }
}
