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

import ai.djl.ndarray.NDArray;

/**
 * Arithmetic with a Java number that is safe to differentiate: the number is held in memory owned
 * by the engine, not by the JVM.
 *
 * <p>DJL's {@code x.mul(Number)}, {@code x.div(Number)} and {@code x.pow(Number)} (PyTorch engine,
 * 0.36) put the number in a direct {@code ByteBuffer}, wrap it as a 0-d tensor without copying
 * ({@code torch::from_blob}), run the operation and close the wrapper at once. Autograd saves that
 * 0-d tensor for the backward pass (the gradient of {@code x * c} is {@code grad * c}), but nothing
 * keeps the buffer alive: once the JVM collects it and its cleaner frees the memory, a backward
 * pass still to come reads freed memory and the gradients are garbage (seen as NaN, huge, or zero
 * values). Whether it happens depends on whether a garbage collection falls between the forward and
 * the backward pass, so it shows on passes that allocate much on the Java heap (large adapter
 * dropout masks) and hides on small ones.
 *
 * <p>The methods here compute the same values (the same 0-d tensor type as DJL's, so the results
 * are bit for bit DJL's) from an engine-owned copy of the number, which autograd keeps alive for as
 * long as it needs it. Use them for every number that meets an array on a path that is
 * differentiated; it is harmless elsewhere.
 */
public final class Scalars {

    private Scalars() {}

    /**
     * Returns {@code x * value}, differentiable after the JVM frees its buffers.
     *
     * @param x the array
     * @param value the number, typed as DJL's {@code x.mul(value)} would type it
     * @return a new array in {@code x}'s manager
     */
    public static NDArray mul(NDArray x, Number value) {
        try (NDArray c = owned(x, value)) {
            return x.mul(c);
        }
    }

    /**
     * Returns {@code x / value}, differentiable after the JVM frees its buffers.
     *
     * @param x the array
     * @param value the number, typed as DJL's {@code x.div(value)} would type it
     * @return a new array in {@code x}'s manager
     */
    public static NDArray div(NDArray x, Number value) {
        try (NDArray c = owned(x, value)) {
            return x.div(c);
        }
    }

    /** The number as a 0-d array in engine-owned memory (a copy of DJL's wrapped buffer). */
    private static NDArray owned(NDArray x, Number value) {
        try (NDArray wrapped = x.getManager().create(value)) {
            return wrapped.duplicate();
        }
    }
}
