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
package dev.bella.core.posterior;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.bella.core.BellaConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProvenanceTest {

    @Test
    void roundTripsThroughJsonTextWithNaNAsNull() {
        Provenance p =
                new Provenance(
                        "svgd",
                        Map.of("gamma", "0.01"),
                        BellaConfig.builder().optTargets("0").optParticles(3).build(),
                        7,
                        "1.2.3",
                        "0.36.0",
                        "abc",
                        240,
                        List.of(
                                new EpochStats(
                                        0,
                                        8,
                                        1.5,
                                        0.5,
                                        Double.NaN,
                                        Double.NaN,
                                        Map.of("h2", 0.25),
                                        1.0)));
        String text = p.toJson().toString();
        assertThat(text).contains("\"validation_loss\":null");
        Provenance back = Provenance.fromJson(JsonParser.parseString(text).getAsJsonObject());
        assertThat(back.method()).isEqualTo("svgd");
        assertThat(back.config()).isEqualTo(p.config());
        assertThat(back.settings()).isEqualTo(p.settings());
        assertThat(back.trainExamples()).isEqualTo(240);
        EpochStats e = back.history().get(0);
        assertThat(e.trainLoss()).isEqualTo(1.5);
        assertThat(e.validationLoss()).isNaN();
        assertThat(e.diagnostic("h2")).isEqualTo(0.25);
        assertThat(e.diagnostic("absent")).isNaN();
    }

    @Test
    void aNewerOrBrokenRecordIsRejected() {
        JsonObject newer = new JsonObject();
        newer.addProperty("provenance_version", 5);
        assertThatThrownBy(() -> Provenance.fromJson(newer))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("provenance_version 5");
        assertThatThrownBy(() -> Provenance.fromJson(new JsonObject()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("malformed");
    }
}
