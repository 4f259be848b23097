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
package dev.bella.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class QuickstartCommandTest {

    @Test
    void demoRunsAllParticlesAndReportsUncertainty() {
        QuickstartCommand.Result r = QuickstartCommand.run(5, 4, 3, 0);
        // 64->128 and 128->10 adapted at rank 4: 4 * (64 + 128) + 4 * (128 + 10) per particle.
        assertThat(r.summary().trainablePerParticle()).isEqualTo(4 * (64 + 128) + 4 * (128 + 10));
        assertThat(r.summary().trainableTotal()).isEqualTo(5L * (4 * (64 + 128) + 4 * (128 + 10)));
        assertThat(r.particleProbs()).hasDimensions(5, 3);
        for (float[][] particle : r.particleProbs()) {
            for (float[] row : particle) {
                double sum = 0;
                for (float v : row) {
                    sum += v;
                }
                assertThat(sum).isCloseTo(1.0, within(1e-5));
            }
        }
        // Non-zero B init: particles disagree, so the epistemic part is positive.
        for (int j = 0; j < 3; j++) {
            assertThat(r.uncertainty().mutualInformation()[j]).isGreaterThan(0);
            assertThat(r.uncertainty().predictiveEntropy()[j])
                    .isCloseTo(
                            r.uncertainty().aleatoric()[j] + r.uncertainty().mutualInformation()[j],
                            within(1e-9));
        }
    }

    @Test
    void cliPrintsTheSummaryAndRejectsBadOptions() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code =
                BellaCli.newCommandLine()
                        .setOut(new PrintWriter(out))
                        .setErr(new PrintWriter(err))
                        .execute("quickstart", "--particles", "3", "--inputs", "2");
        assertThat(code).isZero();
        assertThat(out.toString()).contains("2 adapted layers").contains("particle 2:");
        int bad =
                BellaCli.newCommandLine()
                        .setOut(new PrintWriter(new StringWriter()))
                        .setErr(new PrintWriter(err))
                        .execute("quickstart", "--particles", "0");
        assertThat(bad).isEqualTo(2);
        assertThat(err.toString()).contains("--particles").contains("0");
    }
}
