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
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * The stack of residual attention blocks, {@code (batch, tokens, width) -> (batch, tokens, width)}.
 * Its one child, {@code resblocks}, is a {@link SequentialBlock} of {@link ClipResidualBlock}s, so
 * the blocks' paths are {@code resblocks.0}, {@code resblocks.1}, ... as in OpenAI's {@code
 * transformer.resblocks}.
 */
public final class ClipTransformer extends AbstractBlock {

    private static final byte VERSION = 1;

    private final SequentialBlock resblocks;

    /**
     * Creates {@code config.getLayers()} residual attention blocks.
     *
     * @param config the tower's configuration
     */
    public ClipTransformer(ClipVisionConfig config) {
        super(VERSION);
        SequentialBlock blocks = new SequentialBlock();
        for (int i = 0; i < config.getLayers(); i++) {
            blocks.add(new ClipResidualBlock(config));
        }
        this.resblocks = addChildBlock("resblocks", blocks);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        return resblocks.forward(parameterStore, inputs, training, params);
    }

    /**
     * Runs the blocks and keeps each one's output.
     *
     * @param parameterStore the parameter store
     * @param x {@code (batch, tokens, width)}
     * @param training whether this is a training pass
     * @return one {@code (batch, tokens, width)} array per block, in order; the last is the stack's
     *     output
     */
    public List<NDArray> forwardEach(ParameterStore parameterStore, NDArray x, boolean training) {
        List<NDArray> out = new ArrayList<>();
        NDArray h = x;
        for (Block block : resblocks.getChildren().values()) {
            h = block.forward(parameterStore, new NDList(h), training).singletonOrThrow();
            out.add(h);
        }
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        resblocks.initialize(manager, dataType, inputShapes);
    }

    /**
     * Returns the residual attention blocks.
     *
     * @return {@code resblocks}, a sequential block of {@link ClipResidualBlock}s
     */
    public SequentialBlock getResblocks() {
        return resblocks;
    }

    /**
     * Returns block {@code i}.
     *
     * @param i the index, in {@code [0, layers)}
     * @return the block
     */
    public ClipResidualBlock getBlock(int i) {
        return (ClipResidualBlock) resblocks.getChildren().valueAt(i);
    }
}
