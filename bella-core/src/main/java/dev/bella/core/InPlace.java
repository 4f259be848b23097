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
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;

/**
 * Overwrites an array's values in place, e.g. a parameter's, through the engine's indexed copy.
 *
 * <p>DJL's {@code NDArray.set(Buffer)} (and {@code set(float[])}, and the default {@code copyTo})
 * reach PyTorch through a JNI function that opens libtorch's deprecated {@code
 * AutoNonVariableTypeMode} guard, so the first call in a process prints {@code [W ...
 * LegacyTypeDispatch.h:74] Warning: AutoNonVariableTypeMode is deprecated ...} on standard error
 * (DJL 0.36, PyTorch 2.7). The methods here write with {@code target.set(new NDIndex("..."),
 * value)} (an {@code index_put_} over the whole array) instead: the same values, bit for bit,
 * without the warning. Like DJL's {@code set}, they are meant for arrays outside a gradient
 * collector.
 */
public final class InPlace {

    private InPlace() {}

    /**
     * Copies {@code source}'s values into {@code target}: same number of elements (the shape may
     * differ, the values are taken in row-major order), converted to {@code target}'s data type.
     *
     * @param source the values
     * @param target the array to overwrite
     * @throws IllegalArgumentException if the sizes differ
     */
    public static void copy(NDArray source, NDArray target) {
        if (source.size() != target.size()) {
            throw new IllegalArgumentException(
                    "cannot copy "
                            + source.getShape()
                            + " ("
                            + source.size()
                            + " values) into "
                            + target.getShape()
                            + " ("
                            + target.size()
                            + " values)");
        }
        List<NDArray> made = new ArrayList<>(2);
        try {
            NDArray value = source;
            if (!value.getShape().equals(target.getShape())) {
                value = value.reshape(target.getShape());
                made.add(value);
            }
            if (value.getDataType() != target.getDataType()) {
                value = value.toType(target.getDataType(), false);
                made.add(value);
            }
            // x[...] = value: an index_put_ over the whole array (an empty index is refused).
            target.set(new NDIndex("..."), value);
        } finally {
            for (NDArray a : made) {
                a.close();
            }
        }
    }

    /**
     * Sets {@code target}'s values, in row-major order, converted to its data type.
     *
     * @param target the array to overwrite
     * @param values one per element
     * @throws IllegalArgumentException if the number of values is not {@code target}'s size
     */
    public static void set(NDArray target, float[] values) {
        if (values.length != target.size()) {
            throw new IllegalArgumentException(
                    values.length
                            + " values for an array of "
                            + target.getShape()
                            + " ("
                            + target.size()
                            + " values)");
        }
        try (NDManager scope = target.getManager().newSubManager()) {
            copy(scope.create(values, target.getShape()), target);
        }
    }
}
