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
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.ArrayDataset;
import com.google.gson.JsonObject;
import dev.bella.core.testing.TrainingFixtures;
import dev.bella.core.train.ParticleTrainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Adapter dropout (PEFT's {@code lora_dropout}): off at {@code p = 0} and in inference, inverted
 * Bernoulli masks on the low-rank branch's input only in training, independent per particle,
 * example and pass, reproducible from the seed, and MC dropout only on request.
 */
class AdapterDropoutTest {

    private NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private static BellaConfig.Builder mlpConfig() {
        return BellaConfig.builder()
                .optTargets("0", "2")
                .optRank(2)
                .optParticles(3)
                .optBInitStd(0.3)
                .optSeed(5);
    }

    private NDArray inputs(int b, int d, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[b * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian();
        }
        return manager.create(x, new Shape(b, d));
    }

    private float[] forward(ParticleBlock p, NDArray x, boolean training) {
        return p.forward(new ParameterStore(manager, false), new NDList(x), training)
                .singletonOrThrow()
                .toFloatArray();
    }

    /**
     * One dense layer {@code d -> d} without bias whose weight is zero, so the output is the
     * branch.
     */
    private SequentialBlock zeroLayer(int d, boolean bias) {
        SequentialBlock base =
                new SequentialBlock().add(Linear.builder().setUnits(d).optBias(bias).build());
        base.initialize(manager, DataType.FLOAT32, new Shape(1, d));
        base.getChildren()
                .get(0)
                .getValue()
                .getParameters()
                .get("weight")
                .getArray()
                .set(new float[d * d]);
        return base;
    }

    @Test
    void withoutDropoutEveryPassIsThePassWithoutTheOption() {
        SequentialBlock base = TestModels.mlp(manager, 4, 6, 3);
        NDArray x = inputs(5, 4, 1);
        try (ParticleBlock plain = Bella.wrap(base, mlpConfig().build());
                ParticleBlock zero = Bella.wrap(base, mlpConfig().optAdapterDropout(0).build());
                ParticleBlock half = Bella.wrap(base, mlpConfig().optAdapterDropout(0.5).build())) {
            float[] reference = forward(plain, x, false);
            // Bit for bit: p = 0 in training, and any p in inference, is the pass without dropout.
            assertThat(forward(zero, x, true)).containsExactly(reference);
            assertThat(forward(zero, x, false)).containsExactly(reference);
            assertThat(forward(plain, x, true)).containsExactly(reference);
            assertThat(forward(half, x, false)).containsExactly(reference);
            assertThat(half.predict(new NDList(x)).singletonOrThrow().toFloatArray())
                    .containsExactly(reference);
            assertThat(
                            half.predictWithAdapterDropout(new NDList(x), 0, 9)
                                    .singletonOrThrow()
                                    .toFloatArray())
                    .containsExactly(reference);
            // ... and dropout is on in a training pass, so the comparisons above can fail.
            assertThat(forward(half, x, true)).isNotEqualTo(reference);
        }
    }

    @Test
    void eachInputValueIsDroppedWithProbabilityPIndependentlyPerParticleExampleAndPass() {
        int d = 16;
        int b = 50;
        int n = 3;
        int passes = 40;
        double p = 0.3;
        float keep = (float) (1 / (1 - p));
        BellaConfig config =
                BellaConfig.builder()
                        .optTargets("0")
                        .optRank(d)
                        .optParticles(n)
                        .optAdapterDropout(p)
                        .build();
        try (ParticleBlock block = Bella.wrap(zeroLayer(d, false), config)) {
            // A_i = B_i = I and s = 1: the output is the dropped-out input itself.
            LowRankLinear layer = block.getLayers(LowRankLinear.class).get("0");
            float[] eye = new float[n * d * d];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < d; k++) {
                    eye[i * d * d + k * d + k] = 1;
                }
            }
            layer.getA().getArray().set(eye);
            layer.getB().getArray().set(eye);
            NDArray ones = manager.ones(new Shape(b, d));
            long dropped = 0;
            double sum = 0;
            long sameParticle = 0;
            long sameExample = 0;
            long samePass = 0;
            float[] previous = null;
            for (int t = 0; t < passes; t++) {
                float[] y = forward(block, ones, true); // (n, b, d)
                for (float v : y) {
                    assertThat(v == 0f || Math.abs(v - keep) < 1e-6).as("value %s", v).isTrue();
                    dropped += v == 0f ? 1 : 0;
                    sum += v;
                }
                for (int k = 0; k < b * d; k++) {
                    sameParticle += (y[k] == 0) == (y[b * d + k] == 0) ? 1 : 0;
                }
                for (int k = 0; k < (b - 1) * d; k++) {
                    sameExample += (y[k] == 0) == (y[d + k] == 0) ? 1 : 0;
                }
                if (previous != null) {
                    for (int k = 0; k < y.length; k++) {
                        samePass += (y[k] == 0) == (previous[k] == 0) ? 1 : 0;
                    }
                }
                previous = y;
            }
            long total = (long) passes * n * b * d;
            double rate = (double) dropped / total;
            // 96,000 Bernoulli(0.3) draws: standard error 0.0015.
            assertThat(rate).as("dropped fraction").isCloseTo(p, offset(0.008));
            assertThat(sum / total).as("mean of mask/(1-p)").isCloseTo(1.0, offset(0.02));
            // Independent masks agree on p^2 + (1-p)^2 = 0.58 of the positions; equal ones on all.
            double agree = p * p + (1 - p) * (1 - p);
            assertThat((double) sameParticle / (passes * b * d))
                    .as("particles 0 and 1")
                    .isCloseTo(agree, offset(0.02));
            assertThat((double) sameExample / (passes * (b - 1) * d))
                    .as("consecutive examples")
                    .isCloseTo(agree, offset(0.02));
            assertThat((double) samePass / ((passes - 1) * (long) n * b * d))
                    .as("consecutive passes")
                    .isCloseTo(agree, offset(0.02));
        }
    }

    @Test
    void theBranchAveragedOverMasksIsTheBranchWithoutDropout() {
        int in = 8;
        int out = 5;
        double p = 0.4;
        int examples = 4;
        int copies = 500; // each example repeated: its copies draw independent masks
        int passes = 6;
        SequentialBlock base =
                new SequentialBlock().add(Linear.builder().setUnits(out).optBias(false).build());
        base.initialize(manager, DataType.FLOAT32, new Shape(1, in));
        base.getChildren()
                .get(0)
                .getValue()
                .getParameters()
                .get("weight")
                .getArray()
                .set(new float[in * out]);
        BellaConfig config =
                BellaConfig.builder()
                        .optTargets("0")
                        .optRank(3)
                        .optAlpha(6)
                        .optParticles(2)
                        .optBInitStd(0.7)
                        .optSeed(11)
                        .optAdapterDropout(p)
                        .build();
        try (ParticleBlock block = Bella.wrap(base, config)) {
            LowRankLinear layer = block.getLayers(LowRankLinear.class).get("0");
            float[] a = layer.getA().getArray().toFloatArray(); // (2, in, 3)
            float[] bb = layer.getB().getArray().toFloatArray(); // (2, 3, out)
            double s = layer.getScale();
            NDArray x = inputs(examples, in, 3);
            float[] xv = x.toFloatArray();
            // The exact branch s x A_i B_i and the variance of one dropped-out pass, in Java.
            double[][][] exact = new double[2][examples][out];
            double[][][] variance = new double[2][examples][out];
            for (int i = 0; i < 2; i++) {
                for (int e = 0; e < examples; e++) {
                    for (int j = 0; j < out; j++) {
                        for (int k = 0; k < in; k++) {
                            double c = 0;
                            for (int r = 0; r < 3; r++) {
                                c += a[i * in * 3 + k * 3 + r] * bb[i * 3 * out + r * out + j];
                            }
                            double term = s * xv[e * in + k] * c;
                            exact[i][e][j] += term;
                            variance[i][e][j] += term * term * p / (1 - p);
                        }
                    }
                }
            }
            float[] rows = new float[copies * examples * in];
            for (int c = 0; c < copies; c++) {
                System.arraycopy(xv, 0, rows, c * examples * in, examples * in);
            }
            NDArray tiled = manager.create(rows, new Shape(copies * examples, in));
            double[][][] mean = new double[2][examples][out];
            for (int t = 0; t < passes; t++) {
                float[] y = forward(block, tiled, true); // (2, copies * examples, out)
                for (int i = 0; i < 2; i++) {
                    for (int row = 0; row < copies * examples; row++) {
                        for (int j = 0; j < out; j++) {
                            mean[i][row % examples][j] +=
                                    y[(i * copies * examples + row) * out + j];
                        }
                    }
                }
            }
            double draws = (double) copies * passes;
            for (int i = 0; i < 2; i++) {
                for (int e = 0; e < examples; e++) {
                    for (int j = 0; j < out; j++) {
                        double m = mean[i][e][j] / draws;
                        double se = Math.sqrt(variance[i][e][j] / draws);
                        assertThat(Math.abs(m - exact[i][e][j]))
                                .as(
                                        "particle %d, example %d, output %d: %s vs %s",
                                        i, e, j, m, exact[i][e][j])
                                .isLessThan(4.5 * se + 1e-5);
                    }
                }
            }
        }
    }

    @Test
    void theFrozenPathIsNeverMasked() {
        SequentialBlock base = TestModels.mlp(manager, 4, 6, 3);
        NDArray x = inputs(7, 4, 2);
        // B = 0 (the default): the branch is zero, so a training pass is the frozen path alone.
        BellaConfig config =
                BellaConfig.builder()
                        .optTargets("0", "2")
                        .optParticles(2)
                        .optRank(2)
                        .optAdapterDropout(0.6)
                        .build();
        try (ParticleBlock block = Bella.wrap(base, config)) {
            float[] frozen = TestModels.run(base, x).toFloatArray();
            for (int t = 0; t < 3; t++) {
                float[] y = forward(block, x, true);
                for (int i = 0; i < 2; i++) {
                    float[] particle =
                            Arrays.copyOfRange(y, i * frozen.length, (i + 1) * frozen.length);
                    for (int k = 0; k < frozen.length; k++) {
                        assertThat(particle[k]).isCloseTo(frozen[k], offset(1e-6f));
                    }
                }
            }
        }
    }

    @Test
    void masksAreReproducibleAndDoNotDependOnHowParticlesAreSplit() {
        SequentialBlock base = TestModels.mlp(manager, 4, 6, 3);
        NDArray x = inputs(5, 4, 4);
        BellaConfig config = mlpConfig().optAdapterDropout(0.3).build();
        try (ParticleBlock one = Bella.wrap(base, config);
                ParticleBlock two = Bella.wrap(base, config)) {
            float[] first = forward(one, x, true);
            assertThat(forward(two, x, true)).containsExactly(first);
            float[] second = forward(one, x, true);
            assertThat(second).isNotEqualTo(first);
            // Chunked training passes draw each particle's own masks: same as one full pass.
            ParameterStore store = new ParameterStore(manager, false);
            float[] a =
                    two.forwardRange(store, new NDList(x), 0, 1, true)
                            .singletonOrThrow()
                            .toFloatArray();
            float[] b =
                    two.forwardRange(store, new NDList(x), 1, 3, true)
                            .singletonOrThrow()
                            .toFloatArray();
            float[] chunked = new float[a.length + b.length];
            System.arraycopy(a, 0, chunked, 0, a.length);
            System.arraycopy(b, 0, chunked, a.length, b.length);
            assertClose(chunked, second);
            // MC dropout: a fixed function of the seed, whatever the inference pass size.
            NDList in = new NDList(x);
            float[] mc =
                    one.predictWithAdapterDropout(in, 0.3, 21).singletonOrThrow().toFloatArray();
            assertThat(one.predictWithAdapterDropout(in, 0.3, 21).singletonOrThrow().toFloatArray())
                    .containsExactly(mc);
            assertThat(one.predictWithAdapterDropout(in, 0.3, 22).singletonOrThrow().toFloatArray())
                    .isNotEqualTo(mc);
            one.setInferenceChunkElements(1);
            assertClose(
                    one.predictWithAdapterDropout(in, 0.3, 21).singletonOrThrow().toFloatArray(),
                    mc);
            // The request ends with the call.
            assertThat(one.predict(in).singletonOrThrow().toFloatArray())
                    .containsExactly(forward(one, x, false));
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int k = 0; k < expected.length; k++) {
            assertThat(actual[k]).as("value %d", k).isCloseTo(expected[k], offset(1e-5f));
        }
    }

    @Test
    void trainingWithDropoutIsReproducibleAndDiffersFromTrainingWithout() throws Exception {
        SequentialBlock base = TrainingFixtures.classifier(manager);
        ArrayDataset train = TrainingFixtures.blobs(manager, 64, 1);
        BellaConfig config =
                BellaConfig.builder()
                        .optTargets("0", "2")
                        .optParticles(2)
                        .optRank(2)
                        .optBInitStd(0.01)
                        .optSeed(3)
                        .optAdapterDropout(0.2)
                        .build();
        List<List<float[]>> runs = new ArrayList<>();
        for (BellaConfig c :
                List.of(config, config, config.toBuilder().optAdapterDropout(0).build())) {
            ParticleTrainer trainer =
                    ParticleTrainer.builder()
                            .setUpdateRule(TrainingFixtures.ownGradient("own"))
                            .optEpochs(2)
                            .optLearningRate(0.02f)
                            .build();
            try (var posterior = trainer.fit(Bella.wrap(base, c), train, null)) {
                runs.add(TrainingFixtures.adapters(posterior.getParticles()));
                assertThat(posterior.getProvenance().config().getAdapterDropout())
                        .isEqualTo(c.getAdapterDropout());
            }
        }
        for (int t = 0; t < runs.get(0).size(); t++) {
            assertThat(runs.get(1).get(t)).containsExactly(runs.get(0).get(t));
        }
        boolean differs = false;
        for (int t = 0; t < runs.get(0).size(); t++) {
            differs |= !Arrays.equals(runs.get(2).get(t), runs.get(0).get(t));
        }
        assertThat(differs).as("dropout changes the fit").isTrue();
    }

    @Test
    void theProbabilityRoundTripsThroughJsonAndOldFilesReadAsZero() {
        BellaConfig config = mlpConfig().optAdapterDropout(0.25).build();
        JsonObject json = config.toJson();
        assertThat(json.get("adapter_dropout").getAsDouble()).isEqualTo(0.25);
        BellaConfig back = BellaConfig.fromJson(json);
        assertThat(back.getAdapterDropout()).isEqualTo(0.25);
        assertThat(back).isEqualTo(config);
        assertThat(back).isNotEqualTo(mlpConfig().build());
        // Without dropout the key is not written: the JSON is the one of earlier versions.
        JsonObject plain = mlpConfig().build().toJson();
        assertThat(plain.has("adapter_dropout")).isFalse();
        assertThat(BellaConfig.fromJson(plain).getAdapterDropout()).isZero();
        assertThat(config.toBuilder().build().getAdapterDropout()).isEqualTo(0.25);
    }

    @Test
    void badProbabilitiesAreRejectedNamingTheValue() {
        for (double p : new double[] {-0.1, 1.0, 1.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> mlpConfig().optAdapterDropout(p).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("adapterDropout")
                    .hasMessageContaining(String.valueOf(p));
        }
        JsonObject one = mlpConfig().build().toJson();
        one.addProperty("adapter_dropout", 1.0);
        assertThatThrownBy(() -> BellaConfig.fromJson(one))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1.0");
        JsonObject text = mlpConfig().build().toJson();
        text.addProperty("adapter_dropout", "half");
        assertThatThrownBy(() -> BellaConfig.fromJson(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("adapter_dropout");
        try (ParticleBlock block =
                Bella.wrap(TestModels.mlp(manager, 4, 6, 3), mlpConfig().build())) {
            NDList x = new NDList(inputs(2, 4, 1));
            assertThatThrownBy(() -> block.predictWithAdapterDropout(x, 1.0, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("1.0");
            assertThatThrownBy(() -> block.predictWithAdapterDropout(x, -0.5, 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-0.5");
        }
    }
}
