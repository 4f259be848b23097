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
package dev.bella.examples.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The repulsion sweep of {@code ./bella demo --gammas}. */
class GammaSweepTest {

    @TempDir Path dir;

    @Test
    void parseKeepsTheOrderAndNamesEveryBadValue() {
        assertThat(GammaSweep.parse("0, 0.05,0.01")).containsExactly(0, 0.05, 0.01);
        assertThat(GammaSweep.parse(GammaSweep.PAPER_GAMMAS))
                .containsExactly(0, 0.001, 0.005, 0.01, 0.03, 0.05, 0.1);
        assertThatThrownBy(() -> GammaSweep.parse("0,x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'x'");
        assertThatThrownBy(() -> GammaSweep.parse("0,-0.1"))
                .hasMessageContaining("finite and >= 0, got -0.1");
        assertThatThrownBy(() -> GammaSweep.parse("0,NaN")).hasMessageContaining("got NaN");
        assertThatThrownBy(() -> GammaSweep.parse("0.01,0.010"))
                .hasMessageContaining("appears twice");
        assertThatThrownBy(() -> GammaSweep.parse("0,")).hasMessageContaining("''");
    }

    @Test
    void tableHasOneRowPerGammaAndMethodWithTheJsonsValues() {
        JsonObject root =
                JsonParser.parseString(
                                "{\"gammas\": {"
                                        + "\"0\": {\"methods\": {\"svgd\": {\"accuracy\": 0.9,"
                                        + " \"kl_to_mean\": 0.001, \"fgsm\": {\"0.03\": 0.5},"
                                        + " \"std\": {\"accuracy\": 0.01, \"kl_to_mean\": 0.0002,"
                                        + " \"fgsm\": {\"0.03\": 0.02}}}}},"
                                        + "\"0.05\": {\"methods\": {\"svgd\": {\"accuracy\": 0.8,"
                                        + " \"kl_to_mean\": 0.01, \"fgsm\": {\"0.03\": 0.6},"
                                        + " \"std\": {\"accuracy\": 0.03, \"kl_to_mean\": 0.004,"
                                        + " \"fgsm\": {\"0.03\": 0.01}}}}}}}")
                        .getAsJsonObject();
        String md = GammaSweep.table(StudySettings.digits(dir, dir), 3, root);
        List<String> rows = md.lines().filter(l -> l.matches("\\| [0-9.]+ \\| svgd .*")).toList();
        assertThat(rows).hasSize(2);
        // columns: gamma, method, accuracy, NLL, FGSM x4, OOD x2, KL, disagreement, weight
        assertThat(rows.get(0).split("\\|"))
                .extracting(String::strip)
                .containsSubsequence("0", "svgd", "0.9000 ± 0.0100", "—")
                .contains("0.5000 ± 0.0200", "0.00100 ± 0.000200");
        assertThat(rows.get(1)).startsWith("| 0.05 | svgd | 0.8000 ± 0.0300 |");
        assertThat(rows.get(1)).contains("| 0.6000 ± 0.0100 |").contains("| 0.0100 ± 0.00400 |");
        assertThat(md).contains("3 seeds from 0");
    }

    @Test
    void aCellShowsTheStdOnlyWhenThereIsOne() {
        JsonPrimitive mean = new JsonPrimitive(0.12345);
        assertThat(GammaSweep.cell(mean, null, "%.4f")).isEqualTo("0.1235");
        assertThat(GammaSweep.cell(mean, new JsonPrimitive(0.001), "%.3g"))
                .isEqualTo("0.123 ± 0.00100");
        assertThat(GammaSweep.cell(mean, JsonNull.INSTANCE, "%.4f")).isEqualTo("—");
        assertThat(GammaSweep.cell(JsonNull.INSTANCE, null, "%.4f")).isEqualTo("—");
        assertThat(GammaSweep.cell(null, null, "%.4f")).isEqualTo("—");
    }

    @Test
    void sweepRunsTheStudyPerGammaAndCollectsItsResults() throws Exception {
        StudySettings s =
                new StudySettings(
                                "digits",
                                null,
                                null,
                                dir.resolve("out"),
                                dir.resolve("cache"),
                                3,
                                4,
                                0.01,
                                4,
                                2,
                                32,
                                0.01f,
                                0,
                                false)
                        .withMethods(List.of("svgd"), 1);
        StringWriter console = new StringWriter();
        JsonObject sweep = GammaSweep.run(s, new double[] {0, 0.05}, 1, new PrintWriter(console));
        Path out = dir.resolve("out");
        assertThat(sweep.getAsJsonObject("gammas").keySet()).containsExactly("0", "0.05");
        for (String g : List.of("0", "0.05")) {
            JsonObject run =
                    JsonParser.parseString(
                                    Files.readString(
                                            out.resolve("gamma-" + g).resolve("results.json")))
                            .getAsJsonObject();
            assertThat(sweep.getAsJsonObject("gammas").get(g)).as(g).isEqualTo(run);
        }
        assertThat(JsonParser.parseString(Files.readString(out.resolve("sweep.json"))))
                .isEqualTo(sweep);
        assertThat(Files.readString(out.resolve("sweep.md")))
                .contains("| 0 | svgd |")
                .contains("| 0.05 | svgd |");
        assertThat(out.resolve("sweep-diversity.svg")).isRegularFile();
        assertThat(out.resolve("sweep-ood.png")).isRegularFile();
    }
}
