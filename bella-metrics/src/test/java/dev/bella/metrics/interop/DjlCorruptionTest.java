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
package dev.bella.metrics.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.bella.metrics.shift.Corruption;
import dev.bella.metrics.shift.ImageBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The DJL entry point of the engine-free corruptions of bella-metrics ({@code
 * dev.bella.metrics.shift}): shapes, data types, managers and the errors of the NDArray path. The
 * pixel maths is tested against its references in bella-metrics.
 */
class DjlCorruptionTest {

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /** Smooth values in [0.05, 0.95]. */
    private static float[] ramp(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.5 + 0.45 * Math.sin(0.37 * i));
        }
        return v;
    }

    @ParameterizedTest
    @EnumSource(Corruption.class)
    void keepsShapeTypeManagerAndRangeForEveryRank(Corruption c) {
        Shape[] shapes = {new Shape(2, 3, 9, 7), new Shape(3, 8, 8), new Shape(10, 12)};
        for (Shape shape : shapes) {
            float[] v = ramp((int) shape.size());
            try (NDManager scope = manager.newSubManager()) {
                NDArray images = scope.create(v, shape);
                for (int sev = 1; sev <= 5; sev++) {
                    NDArray out = DjlArrays.corrupt(c, images, sev, 42);
                    assertThat(out.getShape()).isEqualTo(shape);
                    assertThat(out.getDataType()).isEqualTo(DataType.FLOAT32);
                    assertThat(out.getManager()).isSameAs(scope);
                    for (float x : out.toFloatArray()) {
                        assertThat(x).isBetween(0f, 1f);
                    }
                }
                assertThat(images.toFloatArray()).as("input unchanged").containsExactly(v);
            }
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray doubles = scope.create(new double[] {0, 0.25, 0.5, 1}, new Shape(2, 2));
            NDArray out = DjlArrays.corrupt(c, doubles, 5, 1);
            assertThat(out.getDataType()).isEqualTo(DataType.FLOAT64);
            assertThat(out.getShape()).isEqualTo(new Shape(2, 2));
        }
    }

    @Test
    void theNdArrayPathEqualsTheEngineFreePath() {
        float[] v = ramp(2 * 3 * 10 * 11);
        NDArray images = manager.create(v, new Shape(2, 3, 10, 11));
        for (Corruption c : Corruption.values()) {
            float[] expected = c.apply(ImageBatch.of(v, 2, 3, 10, 11), 4, 5, 7);
            assertThat(DjlArrays.corrupt(c, images, 4, 5, 7).toFloatArray())
                    .containsExactly(expected);
        }
    }

    @Test
    void badArgumentsAreNamedInTheError() {
        NDArray ok = manager.create(new float[16], new Shape(1, 1, 4, 4));
        Corruption c = Corruption.GAUSSIAN_NOISE;
        assertThatThrownBy(() -> DjlArrays.corrupt(c, ok, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("severity must be in 1..5, got 0");
        assertThatThrownBy(() -> DjlArrays.corrupt(c, ok, 6, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 6");
        assertThatThrownBy(() -> DjlArrays.corrupt(c, ok, 1, 1, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("firstIndex must be >= 0, got -1");
        float[] v = new float[16];
        v[5] = 1.5f;
        NDArray high = manager.create(v, new Shape(4, 4));
        assertThatThrownBy(() -> DjlArrays.corrupt(c, high, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 1], got 1.5 at flat index 5");
        v[5] = -0.2f;
        NDArray low = manager.create(v, new Shape(4, 4));
        assertThatThrownBy(() -> DjlArrays.corrupt(c, low, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got -0.2");
        v[5] = Float.NaN;
        NDArray nan = manager.create(v, new Shape(4, 4));
        assertThatThrownBy(() -> DjlArrays.corrupt(c, nan, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got NaN");
        v[5] = 1.00001f; // rounding is tolerated and clipped
        assertThat(DjlArrays.corrupt(c, manager.create(v, new Shape(4, 4)), 1, 1).max().getFloat())
                .isLessThanOrEqualTo(1f);
        assertThatThrownBy(() -> DjlArrays.corrupt(c, manager.create(new float[4]), 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got (4) (rank 1)");
        assertThatThrownBy(
                        () ->
                                DjlArrays.corrupt(
                                        c,
                                        manager.create(new float[4], new Shape(1, 1, 1, 2, 2)),
                                        1,
                                        1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rank 5");
        assertThatThrownBy(
                        () ->
                                DjlArrays.corrupt(
                                        c, manager.create(new int[16], new Shape(4, 4)), 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("floating point")
                .hasMessageContaining("int32");
        assertThatThrownBy(
                        () ->
                                DjlArrays.corrupt(
                                        c, manager.create(new float[0], new Shape(2, 0)), 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1 x 1");
    }

    @Test
    void emptyBatchGivesAnEmptyBatch() {
        NDArray empty = manager.create(new float[0], new Shape(0, 3, 4, 4));
        assertThat(DjlArrays.corrupt(Corruption.SPATTER, empty, 3, 1).getShape())
                .isEqualTo(new Shape(0, 3, 4, 4));
    }
}
