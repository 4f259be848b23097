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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SvgdToyCommandTest {

    @Test
    void bothModesFillWithRoughlyTheirWeights() {
        SvgdToyCommand.Result r = SvgdToyCommand.runExample(100, 500, 1);
        // The mixture's mass within 1.5 of each mode, by the normal CDF (erf(1.5/sqrt 2) = 0.866)
        // times the weights: 0.289 and 0.577, plus a little of the other component.
        assertThat(r.nearLeft()).isBetween(0.15, 0.45);
        assertThat(r.nearRight()).isBetween(0.45, 0.75);
        // The mixture's mean: -2/3 + 4/3 = 2/3.
        assertThat(r.mean()).isBetween(0.2, 1.1);
    }

    @Test
    void theCommandPrintsTheSummaryAndRejectsBadCounts() {
        StringWriter text = new StringWriter();
        CommandLine cli = BellaCli.newCommandLine();
        cli.setOut(new PrintWriter(text));
        int code = cli.execute("svgd-toy", "--particles", "50", "--iterations", "200");
        assertThat(code).isZero();
        assertThat(text.toString()).contains("near -2:").contains("target 0.667");
        assertThatThrownBy(() -> SvgdToyCommand.runExample(1, 10, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("particles = 1");
    }
}
