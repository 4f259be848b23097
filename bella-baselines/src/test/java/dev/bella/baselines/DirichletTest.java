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
package dev.bella.baselines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.bella.core.posterior.Prediction;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The Dirichlet closed forms against independent references: Monte Carlo over NumPy's Dirichlet
 * draws and Python's {@code math.lgamma} (the fixture written by {@code
 * tools/distill/dirichlet_fixture.py}), known values of the digamma function, numerical integration
 * for two classes, and finite differences of the log-density.
 */
class DirichletTest {

    private static JsonObject fixture() throws IOException {
        try (InputStream in = DirichletTest.class.getResourceAsStream("dirichlet-fixture.json")) {
            assertThat(in).as("dirichlet-fixture.json on the test class path").isNotNull();
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8))
                    .getAsJsonObject();
        }
    }

    private static double[] doubles(JsonElement e) {
        JsonArray a = e.getAsJsonArray();
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).getAsDouble();
        }
        return v;
    }

    @Test
    void expectedEntropyAndMutualInformationMatchMonteCarlo() throws IOException {
        JsonArray cases = fixture().getAsJsonArray("cases");
        assertThat(cases.size()).isGreaterThanOrEqualTo(8);
        for (JsonElement e : cases) {
            JsonObject c = e.getAsJsonObject();
            double[] alpha = doubles(c.get("alpha"));
            double se = c.get("standard_error").getAsDouble();
            // Five standard errors of the Monte Carlo mean (plus float rounding of tiny ones).
            double tol = 5 * se + 1e-9;
            assertThat(Dirichlet.totalEntropy(alpha))
                    .as("total entropy of %s", c.get("alpha"))
                    .isCloseTo(c.get("total").getAsDouble(), offset(1e-12));
            assertThat(Dirichlet.expectedEntropy(alpha))
                    .as("expected entropy of %s", c.get("alpha"))
                    .isCloseTo(c.get("expected_entropy").getAsDouble(), offset(tol));
            assertThat(Dirichlet.mutualInformation(alpha))
                    .as("mutual information of %s", c.get("alpha"))
                    .isCloseTo(c.get("mutual_information").getAsDouble(), offset(tol));
            Prediction p = Dirichlet.predict(alpha);
            assertThat(p.entropy()).isCloseTo(Dirichlet.totalEntropy(alpha), offset(1e-15));
            assertThat(p.aleatoric()).isCloseTo(Dirichlet.expectedEntropy(alpha), offset(1e-15));
            assertThat(p.mutualInformation())
                    .isCloseTo(Dirichlet.mutualInformation(alpha), offset(1e-15));
        }
    }

    @Test
    void expectedEntropyOfTwoClassesMatchesNumericalIntegration() {
        // C = 2: p ~ Beta(a, b), E[H] = integral of H(p) Beta(p; a, b) dp (midpoint rule on a
        // substitution that removes the endpoint singularities for a, b >= 1).
        double[][] cases = {{1, 1}, {2, 5}, {3.5, 1.25}, {40, 7}};
        for (double[] ab : cases) {
            double a = ab[0];
            double b = ab[1];
            double logBeta =
                    Dirichlet.logGamma(a) + Dirichlet.logGamma(b) - Dirichlet.logGamma(a + b);
            int steps = 200_000;
            double sum = 0;
            for (int k = 0; k < steps; k++) {
                double p = (k + 0.5) / steps;
                double h = -p * Math.log(p) - (1 - p) * Math.log(1 - p);
                double density =
                        Math.exp((a - 1) * Math.log(p) + (b - 1) * Math.log(1 - p) - logBeta);
                sum += h * density;
            }
            double integral = sum / steps;
            assertThat(Dirichlet.expectedEntropy(ab))
                    .as("E[H] of Beta(%s, %s)", a, b)
                    .isCloseTo(integral, offset(1e-6));
        }
    }

    @Test
    void logDensityMatchesPythonLgamma() throws IOException {
        for (JsonElement e : fixture().getAsJsonArray("densities")) {
            JsonObject c = e.getAsJsonObject();
            assertThat(Dirichlet.logDensity(doubles(c.get("alpha")), doubles(c.get("p"))))
                    .as("log Dir(%s | %s)", c.get("p"), c.get("alpha"))
                    .isCloseTo(c.get("log_density").getAsDouble(), offset(1e-11));
        }
    }

    @Test
    void gradientMatchesFiniteDifferencesOfTheLogDensity() {
        double[] alpha = {0.7, 2.5, 11.0, 0.2};
        double[] p = {0.1, 0.25, 0.6, 0.05};
        double[] g = Dirichlet.logDensityGradient(alpha, p);
        for (int c = 0; c < alpha.length; c++) {
            double h = 1e-6 * alpha[c];
            double[] up = alpha.clone();
            double[] down = alpha.clone();
            up[c] += h;
            down[c] -= h;
            double fd = (Dirichlet.logDensity(up, p) - Dirichlet.logDensity(down, p)) / (2 * h);
            assertThat(g[c]).as("d/d alpha[%d]", c).isCloseTo(fd, offset(1e-6));
        }
    }

    @Test
    void digammaAndLogGammaHitKnownValues() {
        double euler = 0.5772156649015329;
        assertThat(Dirichlet.digamma(1)).isCloseTo(-euler, offset(1e-13));
        assertThat(Dirichlet.digamma(0.5)).isCloseTo(-euler - 2 * Math.log(2), offset(1e-13));
        // psi(n) = H_{n-1} - gamma
        double harmonic = 0;
        for (int n = 1; n <= 30; n++) {
            assertThat(Dirichlet.digamma(n))
                    .as("psi(%d)", n)
                    .isCloseTo(harmonic - euler, offset(1e-12));
            harmonic += 1.0 / n;
        }
        // psi(x) = -1/x - gamma + zeta(2) x - zeta(3) x^2 + O(x^3) near 0
        assertThat(Dirichlet.digamma(1e-3))
                .isCloseTo(-1000 - euler + 1.6449340668 * 1e-3 - 1.2020569 * 1e-6, offset(1e-8));
        assertThat(Dirichlet.logGamma(0.5)).isCloseTo(0.5 * Math.log(Math.PI), offset(1e-14));
        double logFactorial = 0;
        for (int n = 1; n <= 40; n++) {
            assertThat(Dirichlet.logGamma(n))
                    .as("log Gamma(%d)", n)
                    .isCloseTo(logFactorial, offset(1e-12 * Math.max(1, logFactorial)));
            logFactorial += Math.log(n);
        }
    }

    @Test
    void predictFromLogEqualsPredictOfExp() {
        double[] z = {2.0, -1.0, 0.5, -7.0};
        double[] alpha = new double[z.length];
        for (int c = 0; c < z.length; c++) {
            alpha[c] = Math.exp(z[c]);
        }
        Prediction a = Dirichlet.predictFromLog(z);
        Prediction b = Dirichlet.predict(alpha);
        assertThat(a.predicted()).isEqualTo(0).isEqualTo(b.predicted());
        for (int c = 0; c < z.length; c++) {
            assertThat(a.probability(c)).isCloseTo(b.probability(c), offset(1e-15));
        }
        assertThat(a.aleatoric()).isCloseTo(b.aleatoric(), offset(1e-13));
        assertThat(a.mutualInformation()).isCloseTo(b.mutualInformation(), offset(1e-13));
        // More evidence, same proportions: less epistemic uncertainty, same predictive.
        double[] sharper = {z[0] + 5, z[1] + 5, z[2] + 5, z[3] + 5};
        Prediction s = Dirichlet.predictFromLog(sharper);
        assertThat(s.probability(0)).isCloseTo(a.probability(0), offset(1e-14));
        assertThat(s.mutualInformation()).isLessThan(a.mutualInformation() / 10);
    }

    @Test
    void badInputsAreRejectedWithTheValue() {
        assertThatThrownBy(() -> Dirichlet.expectedEntropy(new double[] {1, 0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpha[1] = 0.0");
        assertThatThrownBy(() -> Dirichlet.totalEntropy(new double[] {Double.NaN}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alpha[0] = NaN");
        assertThatThrownBy(() -> Dirichlet.logDensity(new double[] {1, 2}, new double[] {0, 1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("p[0] = 0.0");
        assertThatThrownBy(() -> Dirichlet.logDensity(new double[] {1, 2}, new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("p.length = 1");
        assertThatThrownBy(
                        () -> Dirichlet.predictFromLog(new double[] {1, Double.POSITIVE_INFINITY}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("z[1] = Infinity");
        assertThatThrownBy(() -> Dirichlet.predictFromLog(new double[] {800, 0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max z = 800.0");
        assertThatThrownBy(() -> Dirichlet.digamma(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x = -1.0");
    }
}
