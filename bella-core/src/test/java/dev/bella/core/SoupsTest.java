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
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SoupsTest {

    private NDManager manager;
    private SequentialBlock base;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base =
                new SequentialBlock()
                        .add(Linear.builder().setUnits(12).build())
                        .add(Activation::relu)
                        .add(Linear.builder().setUnits(10).build());
        base.setInitializer(new NormalInitializer(0.3f), p -> true);
        manager.getEngine().setRandomSeed(2);
        base.initialize(manager, DataType.FLOAT32, new Shape(1, 9));
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private ParticleBlock particles() {
        return Bella.wrap(
                base,
                BellaConfig.builder()
                        .optTargets("0", "2")
                        .optParticles(3)
                        .optRank(2)
                        .optAlpha(3)
                        .optBInitStd(0.4)
                        .build());
    }

    /** Plain-Java reference: W0^T + (s/n) sum_i (A_i B_i)^T for one layer, entry (o, k). */
    private static double soupEntry(LowRankLinear l, int o, int k) {
        float[] w = l.getWeight().getArray().toFloatArray();
        float[] a = l.getA().getArray().toFloatArray();
        float[] b = l.getB().getArray().toFloatArray();
        int n = l.getParticles();
        int r = l.getRank();
        long in = l.getInFeatures();
        long out = l.getOutFeatures();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < r; j++) {
                sum += a[(int) (i * in * r + k * r + j)] * b[(int) (i * r * out + j * out + o)];
            }
        }
        return w[(int) (o * in + k)] + l.getScale() / n * sum;
    }

    @Test
    void mergedSoupHoldsTheMeanPerturbationNotTheProductOfMeans() {
        try (ParticleBlock p = particles();
                MergedParticle soup = Soups.merged(p)) {
            LowRankLinear layer = p.getLayers(LowRankLinear.class).get("0");
            NDArray merged =
                    ((SequentialBlock) soup.getBlock())
                            .getChildren()
                            .get(0)
                            .getValue()
                            .getParameters()
                            .get("weight")
                            .getArray();
            float[] m = merged.toFloatArray();
            for (int o = 0; o < 12; o += 5) {
                for (int k = 0; k < 9; k += 4) {
                    assertThat((double) m[o * 9 + k])
                            .isCloseTo(soupEntry(layer, o, k), within(1e-5));
                }
            }
            // mean(A) mean(B) is a different matrix.
            NDArray meanA = layer.getA().getArray().mean(new int[] {0});
            NDArray meanB = layer.getB().getArray().mean(new int[] {0});
            NDArray naive =
                    layer.getWeight()
                            .getArray()
                            .add(meanA.matMul(meanB).transpose().mul(layer.getScale()));
            assertThat(naive.sub(merged).abs().max().getFloat()).isGreaterThan(1e-3f);
        }
    }

    @Test
    void rankNrAdapterEqualsTheMergedSoup() {
        manager.getEngine().setRandomSeed(5);
        NDArray x = manager.randomNormal(new Shape(4, 9));
        try (ParticleBlock p = particles();
                MergedParticle merged = Soups.merged(p);
                ParticleBlock adapter = Soups.asAdapter(p)) {
            assertThat(adapter.getParticleCount()).isEqualTo(1);
            assertThat(adapter.getConfig().getRank()).isEqualTo(6);
            assertThat(adapter.getLayers(LowRankLinear.class).get("0").getScale())
                    .isCloseTo(1.5 / 3, within(1e-12));
            float[] expected = merged.predict(new NDList(x)).singletonOrThrow().toFloatArray();
            float[] actual =
                    adapter.forward(new ParameterStore(manager, false), new NDList(x), false)
                            .singletonOrThrow()
                            .toFloatArray();
            assertThat(actual).containsExactly(expected, within(1e-4f));
        }
    }

    @Test
    void soupAdapterRankMustFitTheLayers() {
        try (ParticleBlock p =
                Bella.wrap(
                        base,
                        BellaConfig.builder().optTargets("2").optParticles(4).optRank(3).build())) {
            assertThatThrownBy(() -> Soups.asAdapter(p))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("rank 12")
                    .hasMessageContaining("min(d_in, d_out) = 10")
                    .hasMessageContaining("Soups.merged");
        }
    }
}
