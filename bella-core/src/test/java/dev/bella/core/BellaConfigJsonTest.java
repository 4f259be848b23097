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

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

class BellaConfigJsonTest {

    private static final BellaConfig CONFIG =
            BellaConfig.builder()
                    .optTargets("c_fc", "c_proj")
                    .optTargetRegex(".*mlp.*")
                    .optExcludes("head")
                    .optFullRankTargets("proj")
                    .optRank(8)
                    .optAlpha(16)
                    .optParticles(3)
                    .optSeed(42)
                    .optBInitStd(0.01)
                    .optFullRankInitStd(0.02)
                    .build();

    @Test
    void roundTripsEveryField() {
        JsonObject json = CONFIG.toJson();
        assertThat(json.get("config_version").getAsInt()).isEqualTo(BellaConfig.JSON_VERSION);
        assertThat(json.get("b_init_std").getAsDouble()).isEqualTo(0.01);
        assertThat(json.get("full_rank_targets").getAsJsonArray().get(0).getAsString())
                .isEqualTo("proj");
        assertThat(BellaConfig.fromJson(json)).isEqualTo(CONFIG);
    }

    @Test
    void readsTheFormOfFormatOneManifests() {
        // A manifest of format 1 has no config_version and no target_regex key.
        JsonObject old =
                JsonParser.parseString(
                                "{\"rank\": 2, \"alpha\": 2.0, \"particles\": 4, \"seed\": 1,"
                                        + " \"b_init_std\": 0.0, \"targets\": [\"0\"],"
                                        + " \"excludes\": [], \"full_rank_targets\": []}")
                        .getAsJsonObject();
        BellaConfig c = BellaConfig.fromJson(old);
        assertThat(c.getRank()).isEqualTo(2);
        assertThat(c.getParticles()).isEqualTo(4);
        assertThat(c.getTargets()).containsExactly("0");
        assertThat(c.getTargetRegex()).isNull();
    }

    @Test
    void badFormsAreRejectedNamingTheProblem() {
        JsonObject newer = CONFIG.toJson();
        newer.addProperty("config_version", 9);
        assertThatThrownBy(() -> BellaConfig.fromJson(newer))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("config_version 9");
        JsonObject wrongType = CONFIG.toJson();
        wrongType.addProperty("rank", "four");
        assertThatThrownBy(() -> BellaConfig.fromJson(wrongType))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rank");
        JsonObject zero = CONFIG.toJson();
        zero.addProperty("rank", 0);
        assertThatThrownBy(() -> BellaConfig.fromJson(zero))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0");
    }
}
