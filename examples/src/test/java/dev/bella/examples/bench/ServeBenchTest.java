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

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.bella.examples.cli.BellaCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * {@code ./bella bench serve} runs both predictors and prints its two lines (no timing checked).
 */
class ServeBenchTest {

    @Test
    void printsTheLargeBatchThenTheBatchOneJsonLine() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code =
                BellaCli.newCommandLine()
                        .setOut(new PrintWriter(out))
                        .setErr(new PrintWriter(err))
                        .execute(
                                "bench",
                                "serve",
                                "--json",
                                "--tokens",
                                "1",
                                "--large-batch",
                                "2",
                                "--warmup",
                                "0",
                                "--repeats",
                                "1",
                                "--large-repeats",
                                "1");
        assertThat(code).as(err.toString()).isZero();
        String[] lines = out.toString().strip().split("\n");
        assertThat(lines[lines.length - 2]).startsWith("batch 2: teacher ");
        JsonObject json = JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        assertThat(json.keySet()).containsExactly("teacher_ms", "student_ms", "batch");
        assertThat(json.get("batch").getAsInt()).isEqualTo(1);
        assertThat(json.get("teacher_ms").getAsDouble()).isPositive();
        assertThat(json.get("student_ms").getAsDouble()).isPositive();
    }

    @Test
    void rejectsABadModelWithTheValue() {
        StringWriter err = new StringWriter();
        int code =
                BellaCli.newCommandLine()
                        .setOut(new PrintWriter(new StringWriter()))
                        .setErr(new PrintWriter(err))
                        .execute("bench", "serve", "--model", "resnet");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("got resnet");
    }
}
