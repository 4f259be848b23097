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

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code ./bella demo}'s option checks, which fail before any data is read or trained. */
class DemoCommandTest {

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code =
                BellaCli.newCommandLine()
                        .setOut(new PrintWriter(out))
                        .setErr(new PrintWriter(err))
                        .execute(args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void unknownMethodIsAnErrorNamingTheKnownIds() {
        String[] r = run("demo", "--methods", "svgd,nope");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2])
                .contains("unknown method 'nope'")
                .contains("single, ensemble, svgd, full-ensemble")
                .contains("all");
        assertThat(r[1]).doesNotContain("fine-tuning");
    }

    @Test
    void emptyMethodAndBadCountsAreErrors() {
        assertThat(run("demo", "--methods", "svgd,")[2]).contains("empty entry");
        String[] seeds = run("demo", "--seeds", "0");
        assertThat(seeds[0]).isEqualTo("2");
        assertThat(seeds[2]).contains("--seeds must be at least 1, got 0");
        String[] mce = run("demo", "--mce-min-count", "0");
        assertThat(mce[0]).isEqualTo("2");
        assertThat(mce[2]).contains("mceMinCount = 0");
    }

    @Test
    void badGammasAreAnErrorNamingTheValue() {
        String[] r = run("demo", "--gammas", "0,0.05,-1");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("--gammas: every gamma must be finite and >= 0, got -1");
        assertThat(r[1]).doesNotContain("fine-tuning");
    }

    @Test
    void aNegativePriorPrecisionIsAnErrorNamingTheValue() {
        String[] r = run("demo", "--prior-precision", "-1");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("priorPrecision must be finite and >= 0, priorPrecision = -1.0");
    }

    @Test
    void helpListsTheKnownMethods() {
        assertThat(run("demo", "--help")[1])
                .contains("--methods")
                .contains("known: single,")
                .contains("full-ensemble")
                .contains("--seeds")
                .contains("--gammas")
                .contains("--json");
    }
}
