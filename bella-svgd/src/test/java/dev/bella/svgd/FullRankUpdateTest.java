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
package dev.bella.svgd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The full-rank branch of {@link LowRankSvgd#update} against the general {@link Svgd} engine. */
class FullRankUpdateTest {

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        manager.getEngine().setRandomSeed(11);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private NDArray random(long... shape) {
        return manager.randomNormal(new Shape(shape)).toType(DataType.FLOAT64, false);
    }

    @Test
    void fullRankTensorsFollowLiuAndWangsSvgd() {
        NDArray x = random(5, 3, 4);
        NDArray g = random(5, 3, 4);
        LowRankSvgd svgd = LowRankSvgd.builder().optGamma(1).build();
        NDArray phi =
                svgd.update(List.of(), List.of(), List.of(x), List.of(g)).fullRankPhi().get(0);
        // Svgd.direction takes the score = -grad L and includes the repulsion with weight 1.
        NDArray expected = Svgd.direction(x, g.neg(), Svgd.rbfKernel(x, Bandwidth.median()));
        assertThat(phi.sub(expected).abs().max().getDouble()).isLessThan(1e-12);
    }

    @Test
    void oneKernelSumsLowRankAndFullRankDistances() {
        NDArray a = random(4, 6, 2);
        NDArray b = random(4, 2, 5);
        NDArray x = random(4, 7);
        LowRankFactors layer = new LowRankFactors(a, b, 1.5);
        SvgdUpdate u =
                LowRankSvgd.builder()
                        .build()
                        .update(
                                List.of(layer),
                                List.of(new FactorPair(random(4, 6, 2), random(4, 2, 5))),
                                List.of(x),
                                List.of(random(4, 7)));
        NDArray lowRank = LowRankKernel.squaredDistances(List.of(layer));
        // Dense squared distances of the full-rank tensor, computed pair by pair.
        double[] xs = x.toDoubleArray();
        double[] d = u.kernel().distances().toDoubleArray();
        double[] lr = lowRank.toDoubleArray();
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                double sq = 0;
                for (int k = 0; k < 7; k++) {
                    double diff = xs[i * 7 + k] - xs[j * 7 + k];
                    sq += diff * diff;
                }
                assertThat(d[i * 4 + j])
                        .isCloseTo(
                                lr[i * 4 + j] + sq, org.assertj.core.api.Assertions.within(1e-9));
            }
        }
        assertThat(u.phi()).hasSize(1);
        assertThat(u.fullRankPhi()).hasSize(1);
        assertThat(u.fullRankPhi().get(0).getShape()).isEqualTo(new Shape(4, 7));
    }

    @Test
    void ensembleSettingsGiveTheOwnGradientBitwise() {
        NDArray x = random(3, 5);
        NDArray g = random(3, 5);
        LowRankSvgd plain =
                LowRankSvgd.builder().optGamma(0).optDrivingTerm(DrivingTerm.OWN_GRADIENT).build();
        NDArray phi =
                plain.update(List.of(), List.of(), List.of(x), List.of(g)).fullRankPhi().get(0);
        assertThat(phi.toDoubleArray()).containsExactly(g.neg().toDoubleArray());
    }

    @Test
    void badFullRankInputIsNamed() {
        LowRankSvgd svgd = LowRankSvgd.builder().build();
        assertThatThrownBy(() -> svgd.update(List.of(), List.of(), List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("both are empty");
        NDArray x = random(3, 5);
        assertThatThrownBy(
                        () -> svgd.update(List.of(), List.of(), List.of(x), List.of(random(3, 4))))
                .hasMessageContaining("dL/dx");
        NDArray bad = x.duplicate();
        bad.set(new ai.djl.ndarray.index.NDIndex("1, 2"), Double.NaN);
        assertThatThrownBy(() -> svgd.update(List.of(), List.of(), List.of(x), List.of(bad)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("full-rank tensor 0");
    }
}
