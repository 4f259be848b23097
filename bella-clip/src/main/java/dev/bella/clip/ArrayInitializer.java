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
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/** An initializer that creates a parameter's array from given float32 values. */
final class ArrayInitializer implements Initializer {

    private final float[] values;
    private final Shape shape;
    private final String name;

    ArrayInitializer(float[] values, Shape shape) {
        this(values, shape, "parameter");
    }

    ArrayInitializer(float[] values, Shape shape, String name) {
        if (values.length != shape.size()) {
            throw new IllegalArgumentException(
                    name + ": " + values.length + " values do not fill shape " + shape);
        }
        this.values = values;
        this.shape = shape;
        this.name = name;
    }

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        if (!this.shape.equals(shape)) {
            throw new IllegalStateException(
                    name
                            + " is prepared with shape "
                            + shape
                            + " but its values have "
                            + this.shape);
        }
        NDArray array = manager.create(values, shape);
        return dataType == DataType.FLOAT32 ? array : array.toType(dataType, false);
    }
}
