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
package dev.bella.core;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * One particle (or a weighted mix of particles, such as a soup) merged into plain dense layers (\(
 * W_0 + s A_i B_i \)): a DJL block tree with the original model's signature, for deployment without
 * the adapter machinery. Closing it frees the merged weights; the particle's adapters are
 * unaffected.
 */
public final class MergedParticle implements AutoCloseable {

    private final int particle;
    private final Block block;
    private final NDManager manager;

    MergedParticle(int particle, Block block, NDManager manager) {
        this.particle = particle;
        this.block = block;
        this.manager = manager;
    }

    /**
     * Returns the index of the merged particle, or -1 for a weighted mix such as a soup.
     *
     * @return the particle index or -1
     */
    public int getParticle() {
        return particle;
    }

    /**
     * Returns the merged model, mapping {@code (b, ...) -> (b, ...)}.
     *
     * @return the block
     */
    public Block getBlock() {
        return block;
    }

    /**
     * Predicts in inference mode; outputs are attached to the inputs' manager.
     *
     * @param inputs each {@code (b, ...)}
     * @return the outputs
     */
    public NDList predict(NDList inputs) {
        return block.forward(new ParameterStore(inputs.get(0).getManager(), false), inputs, false);
    }

    @Override
    public void close() {
        manager.close();
    }
}
