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
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SvgdTest {

    private static final double[] MU = {-0.6871, 0.8010};
    private static final double[][] PRECISION = {{0.2260, 0.1652}, {0.1652, 0.6779}};

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

    private NDArray draw(long seed, double mean, double std, int n, int d) {
        Random rng = new Random(seed);
        double[] v = new double[n * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = mean + std * rng.nextGaussian();
        }
        return manager.create(v, new Shape(n, d));
    }

    /** Score of N(mu, P^-1): -(x - mu) P. */
    private static ScoreFunction gaussian(double[] mu, double[][] precision) {
        return x -> {
            NDManager m = x.getManager();
            NDArray mean = m.create(mu).toType(x.getDataType(), false);
            NDArray p = m.create(precision).toType(x.getDataType(), false);
            return x.sub(mean).matMul(p).neg();
        };
    }

    /** Liu & Wang's svgd.py, transcribed by tools/svgd/make_fixtures.py. */
    @Test
    void directionMatchesLiuAndWang() {
        JsonObject fx = TestArrays.fixture("fullrank_svgd.json").getAsJsonObject("direction");
        NDArray x = array(manager, fx.get("particles"));
        NDArray scores = array(manager, fx.get("scores"));
        double h = fx.get("h").getAsDouble();
        NDArray fixed = Svgd.direction(x, scores, Svgd.rbfKernel(x, Bandwidth.fixed(h)));
        assertClose(fixed, array(manager, fx.get("phi_fixed")), 1e-12, "fixed h");
        NDArray median = Svgd.builder().build().direction(x, scores);
        assertClose(median, array(manager, fx.get("phi_median")), 1e-12, "median h");
    }

    @Test
    void adagradRunMatchesLiuAndWang() {
        JsonObject fx = TestArrays.fixture("fullrank_svgd.json").getAsJsonObject("run");
        Svgd svgd =
                Svgd.builder()
                        .optStepSize(fx.get("stepsize").getAsDouble())
                        .optMomentum(fx.get("alpha").getAsDouble())
                        .build();
        NDArray x0 = array(manager, fx.get("initial"));
        NDArray copy = x0.duplicate();
        NDArray out = svgd.sample(x0, gaussian(MU, PRECISION), fx.get("iterations").getAsInt());
        assertClose(out, array(manager, fx.get("final")), 1e-10, "40 AdaGrad iterations");
        assertThat(x0.toDoubleArray()).as("input unchanged").containsExactly(copy.toDoubleArray());
    }

    /** Liu & Wang's 2-D Gaussian: particle mean and covariance match mu and P^-1. */
    @Test
    void gaussianPosteriorMeanAndCovariance() {
        NDArray x0 = draw(1, 0, 1, 100, 2);
        NDArray x =
                Svgd.builder().optStepSize(0.05).build().sample(x0, gaussian(MU, PRECISION), 500);
        double[][] cov = {{5.38381802, -1.31200286}, {-1.31200286, 1.79487074}}; // P^-1
        double[] v = x.toDoubleArray();
        double[] mean = new double[2];
        for (int i = 0; i < 100; i++) {
            mean[0] += v[2 * i] / 100;
            mean[1] += v[2 * i + 1] / 100;
        }
        assertThat(mean[0]).isCloseTo(MU[0], within(0.1));
        assertThat(mean[1]).isCloseTo(MU[1], within(0.1));
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                double c = 0;
                for (int i = 0; i < 100; i++) {
                    c += (v[2 * i + a] - mean[a]) * (v[2 * i + b] - mean[b]) / 99;
                }
                assertThat(c / cov[a][b])
                        .as("cov[%d][%d] = %s vs %s", a, b, c, cov[a][b])
                        .isBetween(0.8, 1.2);
            }
        }
    }

    /** Liu & Wang's 1-D mixture 1/3 N(-2, 1) + 2/3 N(2, 1) from 100 particles at N(-10, 1). */
    @Test
    void mixtureFromFarAwayPopulatesBothModes() {
        ScoreFunction mixture =
                x -> {
                    // d/dx log(w1 N(x; -2) + w2 N(x; 2)) = -(x - m) weighted by responsibilities
                    NDArray a = x.add(2).square().mul(-0.5).add(Math.log(1.0 / 3));
                    NDArray b = x.sub(2).square().mul(-0.5).add(Math.log(2.0 / 3));
                    NDArray ra = b.sub(a).exp().add(1).pow(-1); // sigmoid(a - b)
                    return x.add(2).neg().mul(ra).add(x.sub(2).neg().mul(ra.neg().add(1)));
                };
        NDArray x0 = draw(2, -10, 1, 100, 1);
        double[] x =
                Svgd.builder().optStepSize(0.25).build().sample(x0, mixture, 500).toDoubleArray();
        int right = 0;
        int nearLeft = 0;
        int nearRight = 0;
        double mean = 0;
        for (double v : x) {
            right += v > 0 ? 1 : 0;
            nearLeft += Math.abs(v + 2) < 1.5 ? 1 : 0;
            nearRight += Math.abs(v - 2) < 1.5 ? 1 : 0;
            mean += v / x.length;
        }
        assertThat(nearLeft).as("particles near -2").isGreaterThanOrEqualTo(15);
        assertThat(nearRight).as("particles near +2").isGreaterThanOrEqualTo(40);
        assertThat(right / 100.0).as("fraction x > 0").isBetween(0.5, 0.8);
        assertThat(mean).as("mean, exact 2/3").isCloseTo(2.0 / 3, within(0.35));
    }

    /**
     * Bayesian linear regression with prior N(0, I / alpha) and noise precision beta: the posterior
     * is N(m, S) with S = (alpha I + beta X^T X)^-1, m = beta S X^T y (closed form here).
     */
    @Test
    void bayesianLinearRegressionPosterior() {
        int count = 40;
        int d = 3;
        double alpha = 1;
        double beta = 4;
        double[] wTrue = {0.5, -1.0, 2.0};
        Random rng = new Random(3);
        double[][] xs = new double[count][d];
        double[] y = new double[count];
        for (int k = 0; k < count; k++) {
            for (int j = 0; j < d; j++) {
                xs[k][j] = rng.nextGaussian();
                y[k] += xs[k][j] * wTrue[j];
            }
            y[k] += rng.nextGaussian() / Math.sqrt(beta);
        }
        double[][] prec = new double[d][d];
        double[] xty = new double[d];
        for (int a = 0; a < d; a++) {
            prec[a][a] = alpha;
            for (int k = 0; k < count; k++) {
                xty[a] += beta * xs[k][a] * y[k];
                for (int b = 0; b < d; b++) {
                    prec[a][b] += beta * xs[k][a] * xs[k][b];
                }
            }
        }
        double[][] cov = invert(prec);
        double[] m = new double[d];
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) {
                m[a] += cov[a][b] * xty[b];
            }
        }
        NDArray data = manager.create(xs);
        NDArray targets = manager.create(y).reshape(1, count);
        // score(W) = -alpha W + beta (y - W X^T) X, W: (n, d)
        ScoreFunction score =
                w ->
                        w.mul(-alpha)
                                .add(
                                        targets.sub(w.matMul(data.transpose()))
                                                .matMul(data)
                                                .mul(beta));
        int n = 200;
        NDArray w =
                Svgd.builder()
                        .optStepRule(StepRule.PLAIN)
                        .optStepSize(0.01)
                        .build()
                        .sample(draw(4, 0, 1, n, d), score, 500);
        double[] v = w.toDoubleArray();
        for (int a = 0; a < d; a++) {
            double mean = 0;
            for (int i = 0; i < n; i++) {
                mean += v[i * d + a] / n;
            }
            double var = 0;
            for (int i = 0; i < n; i++) {
                var += Math.pow(v[i * d + a] - mean, 2) / (n - 1);
            }
            double sd = Math.sqrt(cov[a][a]);
            assertThat(Math.abs(mean - m[a]) / sd)
                    .as("mean of w[%d] in posterior sds", a)
                    .isLessThan(0.1);
            assertThat(var / cov[a][a]).as("variance ratio of w[%d]", a).isBetween(0.8, 1.2);
        }
    }

    private static double[][] invert(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][2 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n + i] = 1;
        }
        for (int c = 0; c < n; c++) {
            double p = m[c][c];
            for (int j = 0; j < 2 * n; j++) {
                m[c][j] /= p;
            }
            for (int r = 0; r < n; r++) {
                if (r != c) {
                    double f = m[r][c];
                    for (int j = 0; j < 2 * n; j++) {
                        m[r][j] -= f * m[c][j];
                    }
                }
            }
        }
        double[][] inv = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(m[i], n, inv[i], 0, n);
        }
        return inv;
    }

    @Test
    void oneParticleClimbsToTheMode() {
        NDArray x0 = draw(5, 3, 1, 1, 2);
        NDArray x =
                Svgd.builder()
                        .optStepRule(StepRule.PLAIN)
                        .optStepSize(1.5)
                        .build()
                        .sample(x0, gaussian(MU, PRECISION), 100);
        assertThat(x.toDoubleArray()).containsExactly(new double[] {MU[0], MU[1]}, within(1e-6));
    }

    @Test
    void float32ParticlesStayFloat32() {
        NDArray x0 = draw(6, 0, 1, 20, 2).toType(DataType.FLOAT32, false);
        NDArray x = Svgd.builder().build().sample(x0, gaussian(MU, PRECISION), 5);
        assertThat(x.getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(x.getShape()).isEqualTo(new Shape(20, 2));
    }

    @Test
    void samplingFreesItsIntermediates() {
        NDArray x0 = draw(7, 0, 1, 10, 2);
        int before = manager.getManagedArrays().size();
        NDArray x = Svgd.builder().build().sample(x0, gaussian(MU, PRECISION), 20);
        assertThat(manager.getManagedArrays()).hasSize(before + 1);
        assertThat(x.getManager()).isSameAs(manager);
    }

    @Test
    void rejectsBadScoresAndSettings() {
        NDArray x0 = draw(8, 0, 1, 6, 2);
        ScoreFunction nanAtParticle4 =
                x -> {
                    double[] v = new double[12];
                    v[4 * 2 + 1] = Double.NaN;
                    return x.getManager().create(v, x.getShape());
                };
        assertThatThrownBy(() -> Svgd.builder().build().sample(x0, nanAtParticle4, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("particle 4")
                .hasMessageContaining("iteration 0");
        ScoreFunction wrongShape = x -> x.reshape(12);
        assertThatThrownBy(() -> Svgd.builder().build().sample(x0, wrongShape, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shape");
        assertThatThrownBy(() -> Svgd.builder().optStepSize(0).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Svgd.builder().optStepSize(Double.NaN).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Svgd.builder().optMomentum(1).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Svgd.builder().build().sample(x0, gaussian(MU, PRECISION), -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () -> Svgd.rbfKernel(x0.toType(DataType.INT32, false), Bandwidth.median()))
                .isInstanceOf(IllegalArgumentException.class);
        // zero iterations returns a copy
        NDArray same = Svgd.builder().build().sample(x0, gaussian(MU, PRECISION), 0);
        assertThat(same).isNotSameAs(x0);
        assertThat(doubles(same)).containsExactly(doubles(x0));
    }
}
