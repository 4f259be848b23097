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

import static dev.bella.svgd.TestArrays.array;
import static dev.bella.svgd.TestArrays.assertClose;
import static dev.bella.svgd.TestArrays.doubles;
import static dev.bella.svgd.TestArrays.normal;
import static dev.bella.svgd.TestArrays.relativeError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LowRankKernelTest {

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

    /** Three layers, n = 4, r = 3, float64, non-zero A and B. */
    private List<LowRankFactors> randomLayers(long seed) {
        Random rng = new Random(seed);
        long[][] dims = {{6, 4}, {5, 7}, {3, 3}};
        double[] scales = {0.7, 1.3, 1.0};
        List<LowRankFactors> layers = new ArrayList<>();
        for (int l = 0; l < dims.length; l++) {
            layers.add(
                    new LowRankFactors(
                            normal(manager, rng, 0.5, 4, dims[l][0], 3),
                            normal(manager, rng, 0.5, 4, 3, dims[l][1]),
                            scales[l]));
        }
        return layers;
    }

    /**
     * Reference distances between the left and right particle sets, from the explicitly formed
     * dense perturbations \( s A B \) and their elementwise differences: shape (n_left, n_right).
     */
    static NDArray denseDistances(
            List<LowRankFactors> layers, List<NDArray[]> left, List<NDArray[]> right) {
        NDArray total = null;
        for (int l = 0; l < layers.size(); l++) {
            double s = layers.get(l).scale();
            NDArray p = left.get(l)[0].matMul(left.get(l)[1]).mul(s);
            NDArray q = right.get(l)[0].matMul(right.get(l)[1]).mul(s);
            NDArray diff = p.expandDims(1).sub(q.expandDims(0));
            NDArray d = diff.square().sum(new int[] {2, 3});
            total = total == null ? d : total.add(d);
        }
        return total;
    }

    private static List<NDArray[]> factors(List<LowRankFactors> layers) {
        List<NDArray[]> out = new ArrayList<>();
        for (LowRankFactors f : layers) {
            out.add(new NDArray[] {f.a(), f.b()});
        }
        return out;
    }

    @Test
    void traceTrickDistancesEqualDenseFrobeniusDistances() {
        List<LowRankFactors> layers = randomLayers(1);
        NDArray trace = LowRankKernel.squaredDistances(layers);
        NDArray dense = denseDistances(layers, factors(layers), factors(layers));
        assertThat(trace.getDataType()).isEqualTo(DataType.FLOAT64);
        assertThat(trace.getShape()).isEqualTo(new Shape(4, 4));
        assertClose(trace, dense, 1e-10, "trace trick vs dense");
        double[] d = doubles(trace);
        for (int i = 0; i < 4; i++) {
            assertThat(d[i * 4 + i]).isZero();
            for (int j = 0; j < 4; j++) {
                assertThat(d[i * 4 + j]).isEqualTo(d[j * 4 + i]);
                if (i != j) {
                    assertThat(d[i * 4 + j]).isGreaterThan(1e-3);
                }
            }
        }
    }

    @Test
    void float32FactorsGiveFloat32ResultsCloseToFloat64() {
        List<LowRankFactors> layers = randomLayers(2);
        List<LowRankFactors> single = new ArrayList<>();
        for (LowRankFactors f : layers) {
            single.add(
                    new LowRankFactors(
                            f.a().toType(DataType.FLOAT32, true),
                            f.b().toType(DataType.FLOAT32, true),
                            f.scale()));
        }
        KernelMatrix k32 = LowRankKernel.evaluate(single, Bandwidth.median());
        KernelMatrix k64 = LowRankKernel.evaluate(layers, Bandwidth.median());
        assertThat(k32.distances().getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(k32.kernel().getDataType()).isEqualTo(DataType.FLOAT32);
        assertClose(k32.distances(), k64.distances(), 1e-5, "float32 distances");
        assertClose(k32.kernel(), k64.kernel(), 1e-5, "float32 kernel");
        List<FactorPair> r32 = LowRankKernel.repulsion(single, k32, Repulsion.KERNEL_GRADIENT);
        List<FactorPair> r64 = LowRankKernel.repulsion(layers, k64, Repulsion.KERNEL_GRADIENT);
        assertThat(r32.get(0).a().getDataType()).isEqualTo(DataType.FLOAT32);
        assertClose(r32.get(1).b(), r64.get(1).b(), 1e-4, "float32 repulsion");
    }

    /** The analytic repulsion equals DJL autograd of the densely computed kernel sum. */
    @Test
    void kernelGradientRepulsionEqualsAutograd() {
        List<LowRankFactors> layers = randomLayers(3);
        double h = 1.7;
        int n = 4;
        KernelMatrix kernel = LowRankKernel.evaluate(layers, Bandwidth.fixed(h));
        assertThat(kernel.squaredBandwidth()).isEqualTo(h * h);
        List<FactorPair> analytic =
                LowRankKernel.repulsion(layers, kernel, Repulsion.KERNEL_GRADIENT);

        List<NDArray[]> vars = new ArrayList<>();
        List<NDArray[]> fixed = new ArrayList<>();
        for (LowRankFactors f : layers) {
            NDArray a = f.a().duplicate();
            NDArray b = f.b().duplicate();
            a.setRequiresGradient(true);
            b.setRequiresGradient(true);
            vars.add(new NDArray[] {a, b});
            fixed.add(new NDArray[] {f.a().duplicate(), f.b().duplicate()});
        }
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            // F = sum_i sum_j k(theta_i, stopgrad(theta_j)); grad_{theta_i} F = sum_j grad_i k_ij
            NDArray f = denseDistances(layers, vars, fixed).mul(-1.0 / (2 * h * h)).exp().sum();
            gc.backward(f);
        }
        for (int l = 0; l < layers.size(); l++) {
            NDArray expectA = vars.get(l)[0].getGradient().mul(-1.0 / n);
            NDArray expectB = vars.get(l)[1].getGradient().mul(-1.0 / n);
            assertThat(maxAbs(expectA)).as("non-trivial reference").isGreaterThan(1e-3);
            assertClose(analytic.get(l).a(), expectA, 1e-10, "dA, layer " + l);
            assertClose(analytic.get(l).b(), expectB, 1e-10, "dB, layer " + l);
        }
        // The two repulsion forms really differ for this kernel, so the checks can tell them apart.
        List<FactorPair> stein = LowRankKernel.repulsion(layers, kernel, Repulsion.STEIN);
        assertThat(relativeError(stein.get(0).a(), analytic.get(0).a())).isGreaterThan(1e-2);
    }

    /** The Stein form equals (1/n) sum_j grad_{theta_j} k(theta_j, theta_i), one backward per i. */
    @Test
    void steinRepulsionEqualsAutograd() {
        List<LowRankFactors> layers = randomLayers(4);
        double h = 2.1;
        int n = 4;
        KernelMatrix kernel = LowRankKernel.evaluate(layers, Bandwidth.fixed(h));
        List<FactorPair> analytic = LowRankKernel.repulsion(layers, kernel, Repulsion.STEIN);
        for (int i = 0; i < n; i++) {
            List<NDArray[]> vars = new ArrayList<>();
            List<NDArray[]> target = new ArrayList<>();
            for (LowRankFactors f : layers) {
                NDArray a = f.a().duplicate();
                NDArray b = f.b().duplicate();
                a.setRequiresGradient(true);
                b.setRequiresGradient(true);
                vars.add(new NDArray[] {a, b});
                target.add(
                        new NDArray[] {
                            f.a().get(i + ":" + (i + 1)).duplicate(),
                            f.b().get(i + ":" + (i + 1)).duplicate()
                        });
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray f =
                        denseDistances(layers, vars, target).mul(-1.0 / (2 * h * h)).exp().sum();
                gc.backward(f);
            }
            for (int l = 0; l < layers.size(); l++) {
                NDArray expectA = vars.get(l)[0].getGradient().sum(new int[] {0}).mul(1.0 / n);
                NDArray expectB = vars.get(l)[1].getGradient().sum(new int[] {0}).mul(1.0 / n);
                assertClose(analytic.get(l).a().get(i), expectA, 1e-10, "A, i=" + i + " l=" + l);
                assertClose(analytic.get(l).b().get(i), expectB, 1e-10, "B, i=" + i + " l=" + l);
            }
        }
    }

    /** Central differences of F_i = sum_j k(theta_i, theta_j) in float64. */
    @Test
    void kernelGradientRepulsionEqualsFiniteDifferences() {
        List<LowRankFactors> layers = randomLayers(5);
        double h = 1.3;
        int n = 4;
        KernelMatrix kernel = LowRankKernel.evaluate(layers, Bandwidth.fixed(h));
        List<FactorPair> analytic =
                LowRankKernel.repulsion(layers, kernel, Repulsion.KERNEL_GRADIENT);
        Random rng = new Random(6);
        double eps = 1e-5;
        for (int probe = 0; probe < 12; probe++) {
            int l = rng.nextInt(layers.size());
            boolean isA = rng.nextBoolean();
            int i = rng.nextInt(n);
            NDArray target = isA ? layers.get(l).a() : layers.get(l).b();
            long[] shape = target.getShape().getShape();
            int flat =
                    i * Math.toIntExact(shape[1] * shape[2])
                            + rng.nextInt((int) (shape[1] * shape[2]));
            double plus = kernelRowSum(layers, l, isA, flat, eps, i, h);
            double minus = kernelRowSum(layers, l, isA, flat, -eps, i, h);
            double numeric = -(plus - minus) / (2 * eps) / n;
            NDArray got = isA ? analytic.get(l).a() : analytic.get(l).b();
            double value = doubles(got)[flat];
            assertThat(value)
                    .as("probe l=%d %s i=%d flat=%d", l, isA ? "A" : "B", i, flat)
                    .isCloseTo(numeric, org.assertj.core.data.Offset.offset(1e-8));
        }
    }

    /** sum_j k(theta_i', theta_j) with one element of particle i perturbed in the left argument. */
    private double kernelRowSum(
            List<LowRankFactors> layers,
            int l,
            boolean isA,
            int flat,
            double delta,
            int i,
            double h) {
        List<NDArray[]> left = new ArrayList<>();
        for (int m = 0; m < layers.size(); m++) {
            NDArray a = layers.get(m).a();
            NDArray b = layers.get(m).b();
            if (m == l) {
                NDArray t = isA ? a : b;
                double[] v = t.toDoubleArray();
                v[flat] += delta;
                NDArray moved = manager.create(v, t.getShape());
                a = isA ? moved : a;
                b = isA ? b : moved;
            }
            left.add(new NDArray[] {a, b});
        }
        NDArray d = denseDistances(layers, left, factors(layers));
        return d.get(i).mul(-1.0 / (2 * h * h)).exp().sum().getDouble();
    }

    /** Java matches tools/svgd/make_fixtures.py (PyTorch dense distances and autograd). */
    @Test
    void matchesPyTorchFixture() {
        JsonObject fx = TestArrays.fixture("lowrank_svgd.json");
        List<LowRankFactors> layers = new ArrayList<>();
        List<FactorPair> grads = new ArrayList<>();
        for (var e : fx.getAsJsonArray("layers")) {
            JsonObject o = e.getAsJsonObject();
            layers.add(
                    new LowRankFactors(
                            array(manager, o.get("a")),
                            array(manager, o.get("b")),
                            o.get("scale").getAsDouble()));
            grads.add(
                    new FactorPair(
                            array(manager, o.get("grad_a")), array(manager, o.get("grad_b"))));
        }
        assertThat(layers.get(0).rank()).isNotEqualTo(layers.get(1).rank());
        KernelMatrix k = LowRankKernel.evaluate(layers, Bandwidth.median());
        assertClose(k.distances(), array(manager, fx.get("distances")), 1e-10, "D");
        assertThat(k.stats().medianSquaredDistance())
                .isCloseTo(
                        fx.get("median").getAsDouble(),
                        org.assertj.core.data.Percentage.withPercentage(1e-10));
        assertThat(k.squaredBandwidth())
                .isCloseTo(
                        fx.get("h2").getAsDouble(),
                        org.assertj.core.data.Percentage.withPercentage(1e-10));
        assertThat(k.stats().fallback()).isFalse();
        assertClose(k.kernel(), array(manager, fx.get("kernel")), 1e-10, "K");

        checkPairs(
                LowRankKernel.repulsion(layers, k, Repulsion.KERNEL_GRADIENT),
                fx.getAsJsonArray("repulsion_kernel_gradient"),
                1e-9,
                "kernel-gradient repulsion");
        checkPairs(
                LowRankKernel.repulsion(layers, k, Repulsion.STEIN),
                fx.getAsJsonArray("repulsion_stein"),
                1e-9,
                "Stein repulsion");
        checkPairs(
                LowRankSvgd.builder().optGamma(0).build().update(layers, grads).phi(),
                fx.getAsJsonArray("driving"),
                1e-10,
                "driving term");
        for (String gamma : new String[] {"0.01", "0.7"}) {
            LowRankSvgd svgd = LowRankSvgd.builder().optGamma(Double.parseDouble(gamma)).build();
            checkPairs(
                    svgd.update(layers, grads).phi(),
                    fx.getAsJsonObject("phi").getAsJsonArray(gamma),
                    1e-9,
                    "phi, gamma = " + gamma);
        }
    }

    private void checkPairs(List<FactorPair> got, JsonArray expected, double tol, String what) {
        assertThat(got).hasSize(expected.size());
        for (int l = 0; l < got.size(); l++) {
            JsonObject o = expected.get(l).getAsJsonObject();
            assertClose(got.get(l).a(), array(manager, o.get("a")), tol, what + " A, layer " + l);
            assertClose(got.get(l).b(), array(manager, o.get("b")), tol, what + " B, layer " + l);
        }
    }

    @Test
    void identicalParticlesFallBackAndFeelNoRepulsion() {
        Random rng = new Random(8);
        NDArray a = normal(manager, rng, 1.0, 1, 6, 2).repeat(0, 3);
        NDArray b = manager.zeros(new Shape(3, 2, 5), DataType.FLOAT64);
        List<LowRankFactors> layers = List.of(new LowRankFactors(a, b, 1.0));
        KernelMatrix k = LowRankKernel.evaluate(layers, Bandwidth.median(0.25));
        assertThat(doubles(k.distances())).containsOnly(0.0);
        assertThat(doubles(k.kernel())).containsOnly(1.0);
        assertThat(k.stats().fallback()).isTrue();
        assertThat(k.squaredBandwidth()).isEqualTo(0.25);
        assertThat(k.stats().meanKernel()).isEqualTo(1.0);
        for (Repulsion form : Repulsion.values()) {
            FactorPair r = LowRankKernel.repulsion(layers, k, form).get(0);
            assertThat(maxAbs(r.a())).as(form.name()).isZero();
            assertThat(maxAbs(r.b())).as(form.name()).isZero();
        }
    }

    @Test
    void medianIsNumpysOverPairsAboveTheDiagonal() {
        // n = 4: six pairs {1, 2, 3, 4, 10, 20}; numpy.median = (3 + 4) / 2 = 3.5
        double[][] m = {
            {0, 1, 2, 3},
            {1, 0, 10, 4},
            {2, 10, 0, 20},
            {3, 4, 20, 0}
        };
        KernelMatrix k = KernelMatrix.fromSquaredDistances(matrix(m), Bandwidth.median());
        assertThat(k.stats().medianSquaredDistance()).isEqualTo(3.5);
        assertThat(k.squaredBandwidth()).isEqualTo(3.5 / (2 * Math.log(5)));
        assertThat(k.stats().meanSquaredDistance()).isEqualTo(40.0 / 6);
        double[] kv = doubles(k.kernel());
        assertThat(kv[1])
                .isCloseTo(
                        Math.exp(-1 * Math.log(5) / 3.5),
                        org.assertj.core.data.Offset.offset(1e-15));
        // n = 3: three pairs {5, 1, 3}, median 3
        double[][] m3 = {{0, 5, 1}, {5, 0, 3}, {1, 3, 0}};
        assertThat(
                        KernelMatrix.fromSquaredDistances(matrix(m3), Bandwidth.median())
                                .stats()
                                .medianSquaredDistance())
                .isEqualTo(3.0);
        // n = 1: no pair, the fallback, K = [1]
        KernelMatrix one =
                KernelMatrix.fromSquaredDistances(
                        matrix(new double[][] {{0}}), Bandwidth.median(2));
        assertThat(one.stats().fallback()).isTrue();
        assertThat(one.squaredBandwidth()).isEqualTo(2.0);
        assertThat(one.stats().medianSquaredDistance()).isNaN();
        assertThat(doubles(one.kernel())).containsExactly(1.0);
        // a fixed bandwidth ignores the median
        KernelMatrix fixed = KernelMatrix.fromSquaredDistances(matrix(m), Bandwidth.fixed(3));
        assertThat(fixed.squaredBandwidth()).isEqualTo(9.0);
        assertThat(fixed.stats().fallback()).isFalse();
    }

    private NDArray matrix(double[][] rows) {
        int n = rows.length;
        double[] flat = new double[n * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows[i], 0, flat, i * n, n);
        }
        return manager.create(flat, new Shape(n, n));
    }

    @Test
    void rejectsLayersThatDisagreeOrHoldNaN() {
        Random rng = new Random(9);
        LowRankFactors four =
                new LowRankFactors(
                        normal(manager, rng, 1, 4, 3, 2), normal(manager, rng, 1, 4, 2, 5), 1);
        LowRankFactors three =
                new LowRankFactors(
                        normal(manager, rng, 1, 3, 3, 2), normal(manager, rng, 1, 3, 2, 5), 1);
        assertThatThrownBy(() -> LowRankKernel.squaredDistances(List.of(four, three)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer 1 has 3");
        assertThatThrownBy(() -> LowRankKernel.squaredDistances(List.of()))
                .isInstanceOf(IllegalArgumentException.class);

        NDArray bad = normal(manager, rng, 1, 4, 3, 2);
        double[] v = bad.toDoubleArray();
        v[2 * 6 + 1] = Double.NaN; // particle 2
        LowRankFactors nan = new LowRankFactors(manager.create(v, bad.getShape()), four.b(), 1);
        assertThatThrownBy(() -> LowRankKernel.evaluate(List.of(four, nan), Bandwidth.median()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("factor A of layer 1")
                .hasMessageContaining("particle 2");
        double[] w = four.b().toDoubleArray();
        w[3 * 10 + 4] = Double.NEGATIVE_INFINITY; // particle 3
        LowRankFactors inf =
                new LowRankFactors(four.a(), manager.create(w, four.b().getShape()), 1);
        assertThatThrownBy(() -> LowRankKernel.squaredDistances(List.of(inf)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("factor B of layer 0")
                .hasMessageContaining("particle 3");
    }

    @Test
    void factorsValidateShapesTypesAndScale() {
        Random rng = new Random(10);
        NDArray a = normal(manager, rng, 1, 4, 3, 2);
        NDArray b = normal(manager, rng, 1, 4, 2, 5);
        assertThatThrownBy(() -> new LowRankFactors(a, normal(manager, rng, 1, 3, 2, 5), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("same number of particles");
        assertThatThrownBy(() -> new LowRankFactors(a, normal(manager, rng, 1, 4, 3, 5), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("same rank");
        assertThatThrownBy(() -> new LowRankFactors(a.reshape(4, 6), b, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LowRankFactors(a, b.toType(DataType.FLOAT32, true), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("same data type");
        assertThatThrownBy(
                        () ->
                                new LowRankFactors(
                                        a.toType(DataType.INT32, true),
                                        b.toType(DataType.INT32, true),
                                        1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("float32 or float64");
        for (double s : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> new LowRankFactors(a, b, s))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("scale");
        }
        LowRankFactors ok = new LowRankFactors(a, b, 0.5);
        assertThat(ok.particles()).isEqualTo(4);
        assertThat(ok.rank()).isEqualTo(2);
        assertThat(ok.inputDim()).isEqualTo(3);
        assertThat(ok.outputDim()).isEqualTo(5);
    }

    @Test
    void bandwidthRejectsNonPositiveOrNaN() {
        for (double h : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY, 1e-200}) {
            assertThatThrownBy(() -> Bandwidth.fixed(h))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("h");
        }
        for (double h2 : new double[] {0, -1, Double.NaN}) {
            assertThatThrownBy(() -> Bandwidth.median(h2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("fallback");
        }
    }

    @Test
    void resultsLiveInTheCallersManagerAndIntermediatesAreFreed() {
        List<LowRankFactors> layers = randomLayers(11);
        int before = manager.getManagedArrays().size();
        KernelMatrix k = LowRankKernel.evaluate(layers, Bandwidth.median());
        assertThat(manager.getManagedArrays().size()).isEqualTo(before + 2); // D and K
        List<FactorPair> r = LowRankKernel.repulsion(layers, k, Repulsion.KERNEL_GRADIENT);
        assertThat(manager.getManagedArrays().size()).isEqualTo(before + 2 + 2 * r.size());
        assertThat(layers.get(0).a().getManager()).isSameAs(manager);
    }

    static double maxAbs(NDArray x) {
        double m = 0;
        for (double v : doubles(x)) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
