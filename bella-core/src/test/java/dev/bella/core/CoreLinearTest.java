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
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.ConstantInitializer;
import dev.bella.metrics.npy.Npy;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * B-LoRA-XS layers ({@link CoreLinear}) and the Java SVD behind them, against numpy's SVD of a
 * fixture matrix ({@code tools/blora/make_fixture.py}: a {@code (24, 40)} DJL weight with singular
 * values {@code 10 * 0.8^j}, and numpy's top-6 \( U, s, V^\top \) of \( W_0 = \) weight\(^\top\)).
 */
class CoreLinearTest {

    private static final int OUT = 24;
    private static final int IN = 40;
    private static final int R = 6;

    @TempDir Path dir;

    private NDManager manager;
    private float[] weight;
    private double[][] u;
    private double[] s;
    private double[][] vt;

    @BeforeEach
    void setUp() throws Exception {
        manager = NDManager.newBaseManager();
        weight = Npy.read(fixture("weight.npy")).toFloatArray();
        u = Npy.read(fixture("svd_u.npy")).toDoubleMatrix();
        s = Npy.read(fixture("svd_s.npy")).toDoubleArray();
        vt = Npy.read(fixture("svd_vt.npy")).toDoubleMatrix();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(CoreLinearTest.class.getResource("/blora/" + name).toURI());
    }

    /** {@code Linear(40 -> 24)} with the fixture weight and bias 0.1 * j. */
    private SequentialBlock base() {
        SequentialBlock b = new SequentialBlock().add(Linear.builder().setUnits(OUT).build());
        b.initialize(manager, DataType.FLOAT32, new Shape(1, IN));
        b.getParameters().get(0).getValue().getArray().set(weight);
        float[] bias = new float[OUT];
        for (int j = 0; j < OUT; j++) {
            bias[j] = 0.1f * j;
        }
        b.getParameters().get(1).getValue().getArray().set(bias);
        return b;
    }

    private static BellaConfig core(int particles) {
        return BellaConfig.builder()
                .optTargets("0")
                .optRank(R)
                .optParticles(particles)
                .optCoreOnly(true)
                .build();
    }

    @Test
    void javaSvdMatchesNumpy() {
        // The DJL weight is W0^T = V S U^T: its left vectors are numpy's V, its right numpy's U.
        TruncatedSvd svd = TruncatedSvd.of(weight, OUT, IN, R);
        for (int j = 0; j < R; j++) {
            assertThat(svd.s()[j]).as("s[%s]", j).isCloseTo(s[j], within(1e-9 * s[0]));
            double du = 0;
            for (int i = 0; i < IN; i++) {
                du += svd.v()[i * R + j] * u[i][j];
            }
            double dv = 0;
            for (int o = 0; o < OUT; o++) {
                dv += svd.u()[o * R + j] * vt[j][o];
            }
            // the same vectors up to one common sign
            assertThat(Math.abs(du)).as("|u_%s . u_numpy|", j).isCloseTo(1, within(1e-9));
            assertThat(du * dv).as("signs of u_%s, v_%s agree", j, j).isCloseTo(1, within(1e-9));
        }
    }

    @Test
    void frozenFactorsAreTheSvdAndOnlyTheCoreTrains() {
        try (ParticleBlock model = Bella.wrap(base(), core(3))) {
            CoreLinear l = model.getLayers(CoreLinear.class).get("0");
            assertThat(model.getLayers()).hasSize(1);
            assertThat(l.getCore().getArray().getShape()).isEqualTo(new Shape(3, R, R));
            assertThat(l.getCore().getArray().toFloatArray()).containsOnly(0f);
            assertThat(model.getParticleParameters()).containsOnlyKeys("0.lora_R");
            assertThat(model.summary().trainablePerParticle()).isEqualTo(R * R);
            // A B = U_r S_r V_r^T (sign-free), numpy's rank-6 approximation of W0 (d_in x d_out)
            float[] a = l.getA().getArray().toFloatArray();
            float[] b = l.getB().getArray().toFloatArray();
            for (int i = 0; i < IN; i++) {
                for (int o = 0; o < OUT; o++) {
                    double got = 0;
                    double want = 0;
                    for (int j = 0; j < R; j++) {
                        got += a[i * R + j] * (double) b[j * OUT + o];
                        want += u[i][j] * s[j] * vt[j][o];
                    }
                    assertThat(got).as("(AB)[%s][%s]", i, o).isCloseTo(want, within(2e-6));
                }
            }
            // |A| column norms are the singular values, B's rows orthonormal
            for (int j = 0; j < R; j++) {
                double na = 0;
                double nb = 0;
                for (int i = 0; i < IN; i++) {
                    na += a[i * R + j] * (double) a[i * R + j];
                }
                for (int o = 0; o < OUT; o++) {
                    nb += b[j * OUT + o] * (double) b[j * OUT + o];
                }
                assertThat(Math.sqrt(na)).isCloseTo(s[j], within(1e-5 * s[0]));
                assertThat(nb).isCloseTo(1, within(1e-6));
            }
        }
    }

    /**
     * With \( R_0 = 0 \) the layer is the base; with \( R_1 = I \) (s = 1) it adds numpy's rank-6
     * approximation of \( W_0 \): \( y = x (W_0 + U_r S_r V_r^\top) + b \), computed here in Java
     * from the fixture alone.
     */
    @Test
    void forwardIsTheBasePlusACoreBetweenTheFactors() {
        try (ParticleBlock model = Bella.wrap(base(), core(2))) {
            CoreLinear l = model.getLayers(CoreLinear.class).get("0");
            float[] cores = new float[2 * R * R];
            for (int j = 0; j < R; j++) {
                cores[R * R + j * R + j] = 1;
            }
            l.getCore().getArray().set(cores);
            SplittableRandom rng = new SplittableRandom(3);
            float[] x = new float[2 * IN];
            for (int k = 0; k < x.length; k++) {
                x[k] = (float) rng.nextGaussian();
            }
            NDArray y = model.predict(new NDList(manager.create(x, new Shape(2, IN)))).head();
            assertThat(y.getShape()).isEqualTo(new Shape(2, 2, OUT));
            float[] got = y.toFloatArray();
            for (int p = 0; p < 2; p++) {
                for (int e = 0; e < 2; e++) {
                    for (int o = 0; o < OUT; o++) {
                        double want = 0.1 * o;
                        for (int i = 0; i < IN; i++) {
                            double w0 = weight[o * IN + i];
                            if (p == 1) {
                                for (int j = 0; j < R; j++) {
                                    w0 += u[i][j] * s[j] * vt[j][o];
                                }
                            }
                            want += x[e * IN + i] * w0;
                        }
                        assertThat(got[(p * 2 + e) * OUT + o])
                                .as("particle %s example %s output %s", p, e, o)
                                .isCloseTo((float) want, within(1e-4f));
                    }
                }
            }
            // no dropout on cores, not even MC dropout's
            assertThatThrownBy(
                            () ->
                                    model.predictWithAdapterDropout(
                                            new NDList(manager.create(x, new Shape(2, IN))),
                                            0.1,
                                            1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("p = 0.1");
            // merging particle 1 gives the same dense layer
            try (MergedParticle merged = model.merge(1)) {
                float[] m =
                        merged.predict(new NDList(manager.create(x, new Shape(2, IN))))
                                .head()
                                .toFloatArray();
                for (int k = 0; k < m.length; k++) {
                    assertThat(m[k]).isCloseTo(got[2 * OUT + k], within(1e-4f));
                }
            }
        }
    }

    @Test
    void coresSaveLoadAndSoupAsOneCore() throws Exception {
        SequentialBlock base = base();
        try (ParticleBlock model =
                Bella.wrap(base, core(3).toBuilder().optBInitStd(0.1).optSeed(4).build())) {
            float[] cores =
                    model.getLayers(CoreLinear.class).get("0").getCore().getArray().toFloatArray();
            assertThat(cores[0]).isNotZero();
            model.saveAdapters(dir.resolve("a"));
            try (ParticleBlock back = Bella.load(dir.resolve("a"), base)) {
                assertThat(back.getConfig().isCoreOnly()).isTrue();
                assertThat(
                                back.getLayers(CoreLinear.class)
                                        .get("0")
                                        .getCore()
                                        .getArray()
                                        .toFloatArray())
                        .containsExactly(cores);
            }
            // a LoRA model refuses the cores, naming the kinds
            try (ParticleBlock lora =
                    Bella.wrap(
                            base,
                            BellaConfig.builder()
                                    .optTargets("0")
                                    .optRank(R)
                                    .optParticles(3)
                                    .build())) {
                assertThatThrownBy(() -> lora.loadAdapters(dir.resolve("a")))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("B-LoRA-XS cores");
            }
            // the soup is the mean core (exact: the perturbation is linear in R)
            try (ParticleBlock soup = Soups.asAdapter(model)) {
                float[] mean =
                        soup.getLayers(CoreLinear.class)
                                .get("0")
                                .getCore()
                                .getArray()
                                .toFloatArray();
                for (int k = 0; k < R * R; k++) {
                    double m = (cores[k] + cores[R * R + k] + cores[2 * R * R + k]) / 3.0;
                    assertThat(mean[k]).isCloseTo((float) m, within(1e-6f));
                }
            }
        }
    }

    @Test
    void coreOnlyWithAdapterDropoutIsRefused() {
        assertThatThrownBy(() -> core(1).toBuilder().optAdapterDropout(0.1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("adapterDropout = 0.1");
        assertThat(BellaConfig.fromJson(core(2).toJson())).isEqualTo(core(2));
        assertThat(core(2).toJson().get("core_only").getAsBoolean()).isTrue();
        assertThat(core(2).toBuilder().optCoreOnly(false).build().toJson().has("core_only"))
                .isFalse();
    }

    /**
     * Paper Table 1 counts for B-LoRA-XS on CLIP ViT-B/32's 24 MLP layers: \( r^2 \) per layer,
     * 384, 1,536 and 6,144 values at r = 4, 8, 16 (zero weights keep the SVD cheap; counts depend
     * on shapes only).
     */
    @Test
    void clipMlpCountsAreRSquaredPerLayer() {
        SequentialBlock blocks = new SequentialBlock();
        for (int i = 0; i < 12; i++) {
            blocks.add(
                    new SequentialBlock()
                            .add(Linear.builder().setUnits(3072).build())
                            .add(Linear.builder().setUnits(768).build()));
        }
        blocks.setInitializer(new ConstantInitializer(0f), p -> true);
        blocks.initialize(manager, DataType.FLOAT32, new Shape(1, 768));
        long[][] expected = {{4, 384}, {8, 1_536}, {16, 6_144}};
        for (long[] e : expected) {
            BellaConfig config =
                    BellaConfig.builder()
                            .optTargetRegex(".*")
                            .optRank((int) e[0])
                            .optParticles(1)
                            .optCoreOnly(true)
                            .build();
            try (ParticleBlock p = Bella.wrap(blocks, config)) {
                ParameterSummary summary = p.summary();
                assertThat(summary.layers()).hasSize(24);
                assertThat(summary.trainablePerParticle()).isEqualTo(e[1]);
                assertThat(summary.layers().get(0).trainablePerParticle()).isEqualTo(e[0] * e[0]);
            }
        }
    }
}
