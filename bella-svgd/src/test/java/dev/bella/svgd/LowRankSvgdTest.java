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

import static dev.bella.svgd.TestArrays.assertClose;
import static dev.bella.svgd.TestArrays.doubles;
import static dev.bella.svgd.TestArrays.normal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LowRankSvgdTest {

    private NDManager manager;

    @BeforeAll
    static void engine() {
        TestArrays.singleThreaded();
    }

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private record Problem(List<LowRankFactors> layers, List<FactorPair> grads) {}

    /** Two layers of different shape and rank, n particles, with some exact zeros in the grads. */
    private Problem problem(int n, DataType type, long seed) {
        Random rng = new Random(seed);
        long[][] dims = {{7, 5, 3}, {4, 6, 2}};
        List<LowRankFactors> layers = new ArrayList<>();
        List<FactorPair> grads = new ArrayList<>();
        for (long[] d : dims) {
            layers.add(
                    new LowRankFactors(
                            normal(manager, rng, 0.5, n, d[0], d[2]).toType(type, false),
                            normal(manager, rng, 0.5, n, d[2], d[1]).toType(type, false),
                            2.0 / d[2]));
            NDArray ga = normal(manager, rng, 3.0, n, d[0], d[2]);
            NDArray gb = normal(manager, rng, 3.0, n, d[2], d[1]);
            // exact zeros (whose negation is -0.0) and tiny values
            ga = ga.mul(ga.abs().gt(1.0).toType(DataType.FLOAT64, false));
            grads.add(new FactorPair(ga.toType(type, false), gb.mul(1e-30).toType(type, false)));
        }
        return new Problem(layers, grads);
    }

    @ParameterizedTest
    @EnumSource(
            value = DataType.class,
            names = {"FLOAT32", "FLOAT64"})
    void noRepulsionAndNoSmoothingIsExactlyTheEnsembleUpdate(DataType type) {
        Problem p = problem(5, type, 1);
        LowRankSvgd ensemble =
                LowRankSvgd.builder().optGamma(0).optDrivingTerm(DrivingTerm.OWN_GRADIENT).build();
        SvgdUpdate u = ensemble.update(p.layers(), p.grads());
        for (int l = 0; l < p.layers().size(); l++) {
            assertBitwiseNegation(u.phi().get(l).a(), p.grads().get(l).a());
            assertBitwiseNegation(u.phi().get(l).b(), p.grads().get(l).b());
        }
        // with repulsion on the update differs from the ensemble one
        SvgdUpdate repulsive =
                LowRankSvgd.builder()
                        .optGamma(0.5)
                        .optDrivingTerm(DrivingTerm.OWN_GRADIENT)
                        .build()
                        .update(p.layers(), p.grads());
        assertThat(TestArrays.relativeError(repulsive.phi().get(1).b(), u.phi().get(1).b()))
                .isGreaterThan(1e-3);
    }

    private static void assertBitwiseNegation(NDArray phi, NDArray grad) {
        assertThat(phi.getDataType()).isEqualTo(grad.getDataType());
        assertThat(phi.getShape()).isEqualTo(grad.getShape());
        if (grad.getDataType() == DataType.FLOAT32) {
            float[] p = phi.toFloatArray();
            float[] g = grad.toFloatArray();
            for (int i = 0; i < g.length; i++) {
                assertThat(Float.floatToRawIntBits(p[i]))
                        .as("element %d: %s vs -(%s)", i, p[i], g[i])
                        .isEqualTo(Float.floatToRawIntBits(-g[i]));
            }
        } else {
            double[] p = phi.toDoubleArray();
            double[] g = grad.toDoubleArray();
            for (int i = 0; i < g.length; i++) {
                assertThat(Double.doubleToRawLongBits(p[i]))
                        .as("element %d: %s vs -(%s)", i, p[i], g[i])
                        .isEqualTo(Double.doubleToRawLongBits(-g[i]));
            }
        }
    }

    @Test
    void phiIsSmoothedDrivingPlusGammaTimesRepulsion() {
        Problem p = problem(4, DataType.FLOAT64, 2);
        double gamma = 0.3;
        for (Repulsion form : Repulsion.values()) {
            SvgdUpdate u =
                    LowRankSvgd.builder()
                            .optGamma(gamma)
                            .optRepulsion(form)
                            .optBandwidth(Bandwidth.fixed(0.8))
                            .build()
                            .update(p.layers(), p.grads());
            KernelMatrix k = LowRankKernel.evaluate(p.layers(), Bandwidth.fixed(0.8));
            List<FactorPair> rep = LowRankKernel.repulsion(p.layers(), k, form);
            for (int l = 0; l < p.layers().size(); l++) {
                NDArray g = p.grads().get(l).a();
                NDArray driving =
                        k.kernel().matMul(g.reshape(4, -1)).reshape(g.getShape()).mul(-0.25);
                NDArray expected = driving.add(rep.get(l).a().mul(gamma));
                assertClose(u.phi().get(l).a(), expected, 1e-12, form + " layer " + l);
            }
            assertThat(u.stats().squaredBandwidth()).isEqualTo(0.8 * 0.8);
        }
    }

    @Test
    void oneParticleReducesToMap() {
        Problem p = problem(1, DataType.FLOAT64, 3);
        SvgdUpdate u = LowRankSvgd.builder().build().update(p.layers(), p.grads());
        assertThat(doubles(u.kernel().kernel())).containsExactly(1.0);
        assertThat(u.stats().fallback()).isTrue();
        assertThat(u.stats().meanKernel()).isEqualTo(1.0);
        assertThat(u.stats().meanSquaredDistance()).isZero();
        for (int l = 0; l < p.layers().size(); l++) {
            assertClose(u.phi().get(l).a(), p.grads().get(l).a().neg(), 1e-15, "A");
            assertClose(u.phi().get(l).b(), p.grads().get(l).b().neg(), 1e-15, "B");
        }
    }

    @Test
    void zeroInitialisedBGivesAFlatKernelAndNoRepulsion() {
        Problem p = problem(3, DataType.FLOAT32, 4);
        List<LowRankFactors> zeroB = new ArrayList<>();
        for (LowRankFactors f : p.layers()) {
            zeroB.add(new LowRankFactors(f.a(), f.b().zerosLike(), f.scale()));
        }
        SvgdUpdate u =
                LowRankSvgd.builder()
                        .optGamma(1.0)
                        .optDrivingTerm(DrivingTerm.OWN_GRADIENT)
                        .build()
                        .update(zeroB, p.grads());
        assertThat(u.stats().fallback()).isTrue();
        assertThat(u.stats().meanKernel()).isEqualTo(1.0);
        for (int l = 0; l < zeroB.size(); l++) {
            // -g + 1.0 * 0 == -g (the repulsion is exactly zero)
            assertClose(u.phi().get(l).a(), p.grads().get(l).a().neg(), 0, "A");
        }
    }

    @Test
    void rejectsBadGradientsAndSettings() {
        Problem p = problem(4, DataType.FLOAT64, 5);
        LowRankSvgd svgd = LowRankSvgd.builder().build();
        assertThatThrownBy(() -> svgd.update(p.layers(), p.grads().subList(0, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layers = 2, gradients = 1");
        FactorPair wrongShape = new FactorPair(p.grads().get(0).a(), p.grads().get(0).a());
        assertThatThrownBy(() -> svgd.update(p.layers(), List.of(wrongShape, p.grads().get(1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dL/dB of layer 0");
        FactorPair wrongType =
                new FactorPair(
                        p.grads().get(1).a().toType(DataType.FLOAT32, true), p.grads().get(1).b());
        assertThatThrownBy(() -> svgd.update(p.layers(), List.of(p.grads().get(0), wrongType)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dL/dA of layer 1");

        NDArray gb = p.grads().get(1).b();
        double[] v = gb.toDoubleArray();
        v[Math.toIntExact(3 * (gb.getShape().size() / 4) + 2)] = Double.NaN; // particle 3
        FactorPair nan = new FactorPair(p.grads().get(1).a(), manager.create(v, gb.getShape()));
        assertThatThrownBy(() -> svgd.update(p.layers(), List.of(p.grads().get(0), nan)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dL/dB of layer 1")
                .hasMessageContaining("particle 3");

        for (double gamma : new double[] {-0.01, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> LowRankSvgd.builder().optGamma(gamma).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("gamma");
        }
    }

    @Test
    void defaultsAreDocumentedOnes() {
        LowRankSvgd svgd = LowRankSvgd.builder().build();
        assertThat(svgd.gamma()).isEqualTo(0.01);
        assertThat(svgd.drivingTerm()).isEqualTo(DrivingTerm.KERNEL_SMOOTHED);
        assertThat(svgd.repulsion()).isEqualTo(Repulsion.KERNEL_GRADIENT);
        assertThat(svgd.bandwidth()).isEqualTo(Bandwidth.median());
    }

    @Test
    void updateFreesItsIntermediates() {
        Problem p = problem(4, DataType.FLOAT32, 6);
        LowRankSvgd svgd = LowRankSvgd.builder().optGamma(0.1).build();
        int before = manager.getManagedArrays().size();
        for (int step = 0; step < 3; step++) {
            try (NDManager stepManager = manager.newSubManager()) {
                for (LowRankFactors f : p.layers()) {
                    f.a().tempAttach(stepManager);
                    f.b().tempAttach(stepManager);
                }
                for (FactorPair g : p.grads()) {
                    g.a().tempAttach(stepManager);
                    g.b().tempAttach(stepManager);
                }
                SvgdUpdate u = svgd.update(p.layers(), p.grads());
                // 2 arrays per layer (phi) + D + K, all in the step manager
                assertThat(stepManager.getManagedArrays())
                        .hasSize(2 * p.layers().size() + 2 + 4 * p.layers().size());
                assertThat(u.phi().get(0).a().getManager()).isSameAs(stepManager);
            }
            assertThat(manager.getManagedArrays()).hasSize(before);
        }
        assertThat(p.layers().get(0).a().getShape()).isEqualTo(new Shape(4, 7, 3));
    }
}
