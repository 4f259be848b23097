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

import java.io.IOException;
import java.util.Map;

/**
 * Named tensors in a checkpoint file, read one at a time as float32. {@link SafetensorsFile} is the
 * engine-free implementation; model modules add others (bella-clip reads TorchScript archives).
 */
public interface TensorSource extends AutoCloseable {

    /**
     * A tensor's header.
     *
     * @param dtype the stored data type, safetensors spelling ({@code F32}, {@code BF16}, ...)
     * @param shape the shape
     * @param floating whether {@link #readFloats} can convert it to float32
     */
    record Info(String dtype, long[] shape, boolean floating) {

        /**
         * Returns the number of elements.
         *
         * @return the product of the shape's dimensions (1 for a scalar)
         */
        public long size() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /**
     * Returns every tensor's header, in file order.
     *
     * @return an unmodifiable ordered map from name to header
     */
    Map<String, Info> tensors();

    /**
     * Reads one tensor, converted to float32 (row-major).
     *
     * @param name a name from {@link #tensors()}
     * @return the values
     * @throws IOException if reading fails
     */
    float[] readFloats(String name) throws IOException;

    /**
     * Returns a description of the file for messages.
     *
     * @return e.g. the path
     */
    String describe();

    @Override
    void close() throws IOException;
}
