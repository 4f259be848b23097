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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InPlaceTest {

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void copyOverwritesEveryValueBitForBitIncludingNonFiniteOnes() {
        NDArray target = manager.zeros(new Shape(2, 3));
        float[] values = {1.5f, -0f, Float.NaN, Float.POSITIVE_INFINITY, -3e-38f, 7f};
        NDArray source = manager.create(values, new Shape(2, 3));
        InPlace.copy(source, target);
        float[] got = target.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            assertThat(Float.floatToRawIntBits(got[i]))
                    .as("value %d", i)
                    .isEqualTo(Float.floatToRawIntBits(values[i]));
        }
        // the source is untouched and not shared
        source.set(new ai.djl.ndarray.index.NDIndex("0, 0"), 99f);
        assertThat(target.toFloatArray()[0]).isEqualTo(1.5f);
    }

    @Test
    void copyReshapesAndConvertsToTheTargetsType() {
        NDArray target = manager.zeros(new Shape(2, 2), DataType.FLOAT32);
        NDArray source = manager.create(new double[] {1, 2, 3, 4}, new Shape(4));
        InPlace.copy(source, target);
        assertThat(target.getShape()).isEqualTo(new Shape(2, 2));
        assertThat(target.getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(target.toFloatArray()).containsExactly(1f, 2f, 3f, 4f);
        assertThat(source.getDataType()).isEqualTo(DataType.FLOAT64);
    }

    @Test
    void copyWritesIntoAnArrayThatCollectsGradients() {
        NDArray parameter = manager.zeros(new Shape(3));
        parameter.setRequiresGradient(true);
        InPlace.set(parameter, new float[] {4, 5, 6});
        assertThat(parameter.toFloatArray()).containsExactly(4f, 5f, 6f);
        assertThat(parameter.hasGradient()).isTrue();
    }

    @Test
    void setTakesValuesInRowMajorOrder() {
        NDArray target = manager.zeros(new Shape(2, 1, 2));
        InPlace.set(target, new float[] {1, 2, 3, 4});
        assertThat(target.get("1, 0, 0").getFloat()).isEqualTo(3f);
    }

    @Test
    void aSizeMismatchIsRefused() {
        NDArray target = manager.zeros(new Shape(2, 2));
        assertThatThrownBy(() -> InPlace.set(target, new float[3]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 values for an array of (2, 2) (4 values)");
        assertThatThrownBy(() -> InPlace.copy(manager.zeros(new Shape(5)), target))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot copy (5) (5 values) into (2, 2) (4 values)");
    }
}
