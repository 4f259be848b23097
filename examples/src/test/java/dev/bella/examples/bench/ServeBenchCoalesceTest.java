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
package dev.bella.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.bella.examples.cli.BellaCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * {@code ./bella bench serve --coalesce} runs both sides for every client count and reports them
 * (no timing checked).
 */
class ServeBenchCoalesceTest {

    @Test
    void reportsBothSidesForEveryClientCount() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code =
                BellaCli.newCommandLine()
                        .setOut(new PrintWriter(out))
                        .setErr(new PrintWriter(err))
                        .execute(
                                "bench",
                                "serve",
                                "--coalesce",
                                "--json",
                                "--tokens",
                                "1",
                                "--particles",
                                "2",
                                "--clients",
                                "1,3",
                                "--seconds",
                                "0.2",
                                "--rounds",
                                "2",
                                "--warmup",
                                "0");
        assertThat(code).as(err.toString()).isZero();
        String[] lines = out.toString().strip().split("\n");
        assertThat(lines[lines.length - 3]).startsWith(" 1 clients: plain ");
        assertThat(lines[lines.length - 2]).startsWith(" 3 clients: plain ").contains("coalesced");
        JsonObject json = JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        assertThat(json.get("model").getAsString()).isEqualTo("vit-mlp");
        assertThat(json.get("particles").getAsInt()).isEqualTo(2);
        JsonArray results = json.getAsJsonArray("results");
        assertThat(results).hasSize(2);
        int[] clients = {1, 3};
        for (int i = 0; i < 2; i++) {
            JsonObject r = results.get(i).getAsJsonObject();
            assertThat(r.get("clients").getAsInt()).isEqualTo(clients[i]);
            for (String key :
                    new String[] {
                        "plain_rps",
                        "coalesced_rps",
                        "coalesced_over_plain",
                        "plain_p50_ms",
                        "coalesced_p99_ms"
                    }) {
                assertThat(r.get(key).getAsDouble()).as(key).isPositive();
            }
            assertThat(r.get("plain_p99_ms").getAsDouble())
                    .isGreaterThanOrEqualTo(r.get("plain_p50_ms").getAsDouble());
            assertThat(r.get("mean_batch").getAsDouble()).isBetween(1.0, (double) clients[i]);
        }
        assertThat(json.getAsJsonArray("load_average_before")).allSatisfy(JsonElement::getAsDouble);
    }

    @Test
    void rejectsABadClientCountWithTheValue() {
        StringWriter err = new StringWriter();
        int code =
                BellaCli.newCommandLine()
                        .setOut(new PrintWriter(new StringWriter()))
                        .setErr(new PrintWriter(err))
                        .execute("bench", "serve", "--coalesce", "--clients", "4,0");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--clients must be positive").contains("[4, 0]");
    }

    @Test
    void percentilesAreNearestRank() {
        long[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThat(CoalesceBench.percentile(sorted, 0.5)).isEqualTo(5);
        assertThat(CoalesceBench.percentile(sorted, 0.99)).isEqualTo(10);
        assertThat(CoalesceBench.percentile(new long[] {7}, 0.99)).isEqualTo(7);
        assertThat(CoalesceBench.percentile(new long[0], 0.5)).isZero();
    }
}
