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
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ParticleBlockTest {

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private NDArray input(long b, long d, int seed) {
        manager.getEngine().setRandomSeed(seed);
        return manager.randomNormal(new Shape(b, d));
    }

    @Test
    void zeroBInitGivesEveryParticleTheBaseOutput() {
        SequentialBlock base = TestModels.mlp(manager, 6, 8, 4);
        NDArray x = input(3, 6, 1);
        float[] expected = TestModels.run(base, x).toFloatArray();
        BellaConfig config = BellaConfig.builder().optTargets("0", "2").optParticles(4).build();
        try (ParticleBlock particles = Bella.wrap(base, config)) {
            NDArray y = particles.predict(new NDList(x)).singletonOrThrow();
            assertThat(y.getShape()).isEqualTo(new Shape(4, 3, 4));
            for (int i = 0; i < 4; i++) {
                assertThat(y.get(i).toFloatArray()).containsExactly(expected, within(1e-5f));
            }
        }
    }

    @Test
    void particleOutputsMatchTheFormulaComputedByHand() {
        // One Linear layer: y_i = x W0 + b0 + s (x A_i) B_i, evaluated with plain Java loops.
        SequentialBlock base = new SequentialBlock().add(Linear.builder().setUnits(5).build());
        manager.getEngine().setRandomSeed(3);
        base.initialize(manager, DataType.FLOAT32, new Shape(1, 7));
        BellaConfig config =
                BellaConfig.builder()
                        .optTargets("0")
                        .optParticles(3)
                        .optRank(2)
                        .optAlpha(6)
                        .optBInitStd(0.3)
                        .optSeed(11)
                        .build();
        NDArray x = input(4, 7, 2);
        try (ParticleBlock particles = Bella.wrap(base, config)) {
            LowRankLinear layer = particles.getLayers(LowRankLinear.class).get("0");
            double s = 6.0 / 2;
            assertThat(layer.getScale()).isEqualTo(s);
            double[][] w0t = TestModels.matrix(layer.getWeight().getArray()); // (out, in)
            float[] bias = layer.getBias().getArray().toFloatArray();
            double[][] xs = TestModels.matrix(x);
            NDArray y = particles.predict(new NDList(x)).singletonOrThrow();
            for (int i = 0; i < 3; i++) {
                double[][] a = TestModels.matrix(layer.getA().getArray().get(i));
                double[][] b = TestModels.matrix(layer.getB().getArray().get(i));
                double[][] base0 = TestModels.matmul(xs, TestModels.transpose(w0t));
                double[][] low = TestModels.matmul(TestModels.matmul(xs, a), b);
                float[] actual = y.get(i).toFloatArray();
                for (int r = 0; r < 4; r++) {
                    for (int c = 0; c < 5; c++) {
                        double expected = base0[r][c] + bias[c] + s * low[r][c];
                        assertThat((double) actual[r * 5 + c]).isCloseTo(expected, within(1e-4));
                    }
                }
            }
        }
    }

    @Test
    void initialisationFollowsTheSpec() {
        SequentialBlock base = new SequentialBlock().add(Linear.builder().setUnits(64).build());
        base.initialize(manager, DataType.FLOAT32, new Shape(1, 400));
        BellaConfig config =
                BellaConfig.builder().optTargets("0").optParticles(3).optRank(8).build();
        try (ParticleBlock p1 = Bella.wrap(base, config);
                ParticleBlock p2 = Bella.wrap(base, config);
                ParticleBlock p3 = Bella.wrap(base, config.toBuilder().optSeed(1).build())) {
            NDArray a = p1.getLayers(LowRankLinear.class).get("0").getA().getArray();
            // B = 0, A ~ N(0, 1/d_in): variance of 3 * 400 * 8 draws near 1/400.
            assertThat(
                            p1.getLayers(LowRankLinear.class)
                                    .get("0")
                                    .getB()
                                    .getArray()
                                    .abs()
                                    .sum()
                                    .getFloat())
                    .isZero();
            double var = a.pow(2).mean().getFloat();
            assertThat(var).isCloseTo(1.0 / 400, within(0.15 / 400));
            assertThat(a.mean().getFloat()).isCloseTo(0f, within(0.005f));
            // Same seed, same values; particles differ; another seed differs.
            assertThat(a.toFloatArray())
                    .containsExactly(
                            p2.getLayers(LowRankLinear.class)
                                    .get("0")
                                    .getA()
                                    .getArray()
                                    .toFloatArray());
            assertThat(a.get(0).toFloatArray()).isNotEqualTo(a.get(1).toFloatArray());
            assertThat(a.toFloatArray())
                    .isNotEqualTo(
                            p3.getLayers(LowRankLinear.class)
                                    .get("0")
                                    .getA()
                                    .getArray()
                                    .toFloatArray());
        }
    }

    @Test
    void mergedAndSelectedParticlesAgreeWithTheBatchedOutput() {
        SequentialBlock base = TestModels.mlp(manager, 6, 16, 3);
        BellaConfig config =
                BellaConfig.builder()
                        .optTargets("0", "2")
                        .optParticles(5)
                        .optRank(3)
                        .optBInitStd(0.2)
                        .build();
        NDArray x = input(8, 6, 5);
        try (ParticleBlock particles = Bella.wrap(base, config)) {
            NDArray all = particles.predict(new NDList(x)).singletonOrThrow();
            for (int i : new int[] {0, 3, 4}) {
                float[] batched = all.get(i).toFloatArray();
                try (MergedParticle merged = particles.merge(i)) {
                    NDArray y = merged.predict(new NDList(x)).singletonOrThrow();
                    assertThat(y.getShape()).isEqualTo(new Shape(8, 3));
                    assertThat(y.toFloatArray()).containsExactly(batched, within(1e-4f));
                }
                try (ParticleBlock one = particles.select(i)) {
                    NDArray y = one.predict(new NDList(x)).singletonOrThrow();
                    assertThat(y.getShape()).isEqualTo(new Shape(1, 8, 3));
                    assertThat(y.toFloatArray()).containsExactly(batched, within(1e-5f));
                }
            }
            // The merged model differs from the base, so the test above can fail.
            float[] baseOut = TestModels.run(base, x).toFloatArray();
            assertThat(all.get(0).toFloatArray()).isNotEqualTo(baseOut);
            // The particle model is still usable after merges and selections were closed.
            assertThat(particles.predict(new NDList(x)).singletonOrThrow().toFloatArray())
                    .containsExactly(all.toFloatArray());
        }
    }

    @Test
    void mergedModelsOutliveTheParticles() {
        SequentialBlock base = TestModels.mlp(manager, 6, 8, 4);
        BellaConfig config =
                BellaConfig.builder().optTargets("0").optParticles(2).optBInitStd(0.3).build();
        NDArray x = input(3, 6, 2);
        MergedParticle merged;
        float[] expected;
        try (ParticleBlock particles = Bella.wrap(base, config)) {
            expected = particles.predict(new NDList(x)).singletonOrThrow().get(1).toFloatArray();
            merged = particles.merge(1);
        }
        try (merged) {
            assertThat(merged.predict(new NDList(x)).singletonOrThrow().toFloatArray())
                    .containsExactly(expected, within(1e-5f));
        }
    }

    @Test
    void unmergeInvertsMerge() {
        NDArray w = input(5, 7, 1);
        NDArray a = input(7, 2, 2);
        NDArray b = input(2, 5, 3);
        NDArray merged = LowRankLinear.merge(w, a, b, 1.5);
        double[][] delta =
                TestModels.transpose(TestModels.matmul(TestModels.matrix(a), TestModels.matrix(b)));
        double[][] m = TestModels.matrix(merged);
        double[][] w0 = TestModels.matrix(w);
        assertThat(m[2][3]).isCloseTo(w0[2][3] + 1.5 * delta[2][3], within(1e-5));
        assertThat(LowRankLinear.unmerge(merged, a, b, 1.5).toFloatArray())
                .containsExactly(w.toFloatArray(), within(1e-5f));
    }

    @Test
    void customBlocksAreAdaptedThroughTheirFields() {
        TestModels.TwoTower base = new TestModels.TwoTower(6, 2);
        manager.getEngine().setRandomSeed(9);
        base.initialize(manager, DataType.FLOAT32, new Shape(1, 4));
        NDArray x = input(3, 4, 4);
        float[] before = TestModels.run(base, x).toFloatArray();
        BellaConfig config =
                BellaConfig.builder().optTargets("left").optParticles(2).optBInitStd(0.5).build();
        try (ParticleBlock particles = Bella.wrap(base, config)) {
            assertThat(particles.getLayers(LowRankLinear.class)).containsOnlyKeys("left");
            NDArray y = particles.predict(new NDList(x)).singletonOrThrow();
            // Reference: merge particle 1's delta into a copy of the weight by hand.
            LowRankLinear left = particles.getLayers(LowRankLinear.class).get("left");
            NDArray merged = left.mergedWeight(1);
            Linear leftCopy = Linear.builder().setUnits(6).build();
            leftCopy.getParameters().get("weight").setArray(merged);
            leftCopy.getParameters().get("bias").setArray(left.getBias().getArray());
            leftCopy.initialize(manager, DataType.FLOAT32, new Shape(1, 4));
            NDArray l = TestModels.run(leftCopy, x);
            NDArray r = TestModels.run(base.getChildren().get("02right"), x);
            NDArray expected = TestModels.run(base.getChildren().get("03head"), l.mul(r.tanh()));
            assertThat(y.get(1).toFloatArray())
                    .containsExactly(expected.toFloatArray(), within(1e-5f));
            assertThat(y.get(1).toFloatArray()).isNotEqualTo(before);
        }
        // The user's block is unchanged.
        assertThat(TestModels.run(base, x).toFloatArray()).containsExactly(before);
    }

    @Test
    void wrappingNeverChangesTheUsersBlock() {
        SequentialBlock base = TestModels.mlp(manager, 6, 8, 4);
        List<Parameter> params = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        List<Boolean> grads = new ArrayList<>();
        for (Pair<String, Parameter> p : base.getParameters()) {
            params.add(p.getValue());
            values.add(p.getValue().getArray().toFloatArray());
            grads.add(p.getValue().getArray().hasGradient());
        }
        int children = base.getChildren().size();
        BellaConfig config = BellaConfig.builder().optTargets("2").optBInitStd(1).build();
        try (ParticleBlock particles = Bella.wrap(base, config)) {
            particles.getLayers(LowRankLinear.class).get("2").getA().getArray().muli(3);
            particles.predict(new NDList(input(2, 6, 1)));
            assertThat(particles.getModel()).isNotSameAs(base);
            for (Pair<String, Parameter> p : particles.getModel().getParameters()) {
                assertThat(params).doesNotContain(p.getValue());
            }
        }
        int i = 0;
        for (Pair<String, Parameter> p : base.getParameters()) {
            assertThat(p.getValue()).isSameAs(params.get(i));
            assertThat(p.getValue().getArray().toFloatArray()).containsExactly(values.get(i));
            assertThat(p.getValue().getArray().hasGradient()).isEqualTo(grads.get(i));
            i++;
        }
        assertThat(base.getChildren().get(2).getValue()).isInstanceOf(Linear.class);
        assertThat(base.getChildren().size()).isEqualTo(children);
    }

    @Test
    void baseParametersAreFrozenAndOnlyAdaptersTrain() {
        SequentialBlock base = TestModels.mlp(manager, 6, 8, 4);
        BellaConfig config = BellaConfig.builder().optTargets("0", "2").optParticles(2).build();
        try (ParticleBlock particles = Bella.wrap(base, config)) {
            List<Parameter> adapters = List.copyOf(particles.getParticleParameters().values());
            assertThat(adapters).hasSize(4);
            for (Pair<String, Parameter> p : particles.getParameters()) {
                assertThat(p.getValue().requiresGradient())
                        .as(p.getKey())
                        .isEqualTo(adapters.contains(p.getValue()));
            }
        }
    }

    @Test
    void perParticleInputsRunEachParticleOnItsOwnRows() {
        SequentialBlock base = TestModels.mlp(manager, 6, 8, 4);
        BellaConfig config =
                BellaConfig.builder().optTargets("0").optParticles(3).optBInitStd(0.5).build();
        try (ParticleBlock particles = Bella.wrap(base, config)) {
            NDArray xs = input(3 * 2, 6, 8).reshape(3, 2, 6);
            NDArray y =
                    particles
                            .forwardParticles(
                                    new ai.djl.training.ParameterStore(manager, false),
                                    new NDList(xs),
                                    false)
                            .singletonOrThrow();
            for (int i = 0; i < 3; i++) {
                NDArray yi = particles.predict(new NDList(xs.get(i))).singletonOrThrow().get(i);
                assertThat(y.get(i).toFloatArray())
                        .containsExactly(yi.toFloatArray(), within(1e-5f));
            }
        }
    }

    @Test
    void aParticleRangeGivesThoseRowsOfTheFullForward() {
        SequentialBlock base = TestModels.mlp(manager, 6, 8, 4);
        BellaConfig config =
                BellaConfig.builder()
                        .optTargets("0")
                        .optFullRankTargets("2")
                        .optParticles(5)
                        .optBInitStd(0.5)
                        .optFullRankInitStd(0.1)
                        .build();
        try (ParticleBlock particles = Bella.wrap(base, config)) {
            ai.djl.training.ParameterStore store =
                    new ai.djl.training.ParameterStore(manager, false);
            NDArray x = input(3, 6, 9);
            NDArray all = particles.predict(new NDList(x)).singletonOrThrow();
            NDArray xs = input(5 * 3, 6, 10).reshape(5, 3, 6);
            NDArray allOwn = particles.forwardParticles(store, new NDList(xs), false).head();
            int[][] ranges = {{0, 5}, {1, 3}, {4, 5}, {0, 1}};
            for (int[] r : ranges) {
                NDArray y = particles.forwardRange(store, new NDList(x), r[0], r[1], false).head();
                assertThat(y.getShape()).isEqualTo(new Shape(r[1] - r[0], 3, 4));
                NDArray own =
                        particles
                                .forwardParticlesRange(
                                        store,
                                        new NDList(xs.get("{}:{}", r[0], r[1])),
                                        r[0],
                                        r[1],
                                        false)
                                .head();
                for (int i = r[0]; i < r[1]; i++) {
                    assertThat(y.get(i - r[0]).toFloatArray())
                            .as("range %d..%d, particle %d", r[0], r[1], i)
                            .containsExactly(all.get(i).toFloatArray(), within(1e-5f));
                    assertThat(own.get(i - r[0]).toFloatArray())
                            .containsExactly(allOwn.get(i).toFloatArray(), within(1e-5f));
                }
            }
            // The particles differ, so matching rows is not trivial; the range does not stick.
            assertThat(all.get(1).toFloatArray()).isNotEqualTo(all.get(2).toFloatArray());
            assertThat(particles.predict(new NDList(x)).head().getShape())
                    .isEqualTo(new Shape(5, 3, 4));
            for (int[] bad : new int[][] {{-1, 2}, {3, 3}, {2, 6}, {4, 2}}) {
                assertThatThrownBy(
                                () ->
                                        particles.forwardRange(
                                                store, new NDList(x), bad[0], bad[1], false))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("[" + bad[0] + ", " + bad[1] + ")");
            }
            assertThatThrownBy(
                            () ->
                                    particles.forwardParticlesRange(
                                            store, new NDList(xs), 1, 3, false))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("(2, batch, ...)");
        }
    }

    @Test
    void largeInferencePassesAreSplitWithoutChangingTheOutput() {
        SequentialBlock base = TestModels.mlp(manager, 6, 8, 4);
        BellaConfig config =
                BellaConfig.builder().optTargets("0", "2").optParticles(5).optBInitStd(0.5).build();
        try (ParticleBlock particles = Bella.wrap(base, config)) {
            NDArray x = input(3, 6, 11);
            assertThat(particles.getInferenceChunkElements())
                    .isEqualTo(ParticleBlock.DEFAULT_INFERENCE_CHUNK_ELEMENTS);
            particles.setInferenceChunkElements(0);
            float[] onePass = particles.predict(new NDList(x)).head().toFloatArray();
            // 18 input values a particle: limits of 18, 40 and 50 give passes of 1, 2 and 2 + 3.
            for (long limit : new long[] {1, 18, 40, 50}) {
                particles.setInferenceChunkElements(limit);
                NDArray y = particles.predict(new NDList(x)).head();
                assertThat(y.getShape()).isEqualTo(new Shape(5, 3, 4));
                assertThat(y.toFloatArray())
                        .as("limit %d", limit)
                        .containsExactly(onePass, within(1e-5f));
            }
            // The particles differ, so a pass that mixed up particles would be caught.
            assertThat(java.util.Arrays.copyOfRange(onePass, 0, 12))
                    .isNotEqualTo(java.util.Arrays.copyOfRange(onePass, 12, 24));
            assertThatThrownBy(() -> particles.setInferenceChunkElements(-2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-2");
        }
    }

    @Test
    void badInputsFailWithTheValueInTheMessage() {
        SequentialBlock base = TestModels.mlp(manager, 6, 8, 4);
        BellaConfig config = BellaConfig.builder().optTargets("0").optParticles(2).build();
        try (ParticleBlock particles = Bella.wrap(base, config)) {
            assertThatThrownBy(() -> particles.predict(new NDList(input(2, 5, 1))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'0'")
                    .hasMessageContaining("6")
                    .hasMessageContaining("(4, 5)");
            assertThatThrownBy(() -> particles.merge(2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("particle index 2 is outside [0, 2)");
            assertThatThrownBy(() -> particles.select(-1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-1");
            assertThatThrownBy(() -> particles.predict(new NDList()))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
