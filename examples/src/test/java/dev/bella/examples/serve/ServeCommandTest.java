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
package dev.bella.examples.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.bella.examples.cli.BellaCli;
import dev.bella.examples.cli.ServeCommand;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ./bella serve}: options parsed by picocli, the digits model served on a free port. */
class ServeCommandTest {

    @Test
    void serveIsRegisteredAndServesTheDigitsModelOnAFreeLoopbackPort() throws Exception {
        assertThat(BellaCli.newCommandLine().getSubcommands()).containsKey("serve");
        ServeCommand command = new ServeCommand();
        new CommandLine(command).parseArgs("--port", "0", "--particles", "3", "--threads", "2");
        try (ServeCommand.Running running = command.start()) {
            UncertaintyServer server = running.server();
            assertThat(server.getPort()).isPositive();
            assertThat(server.getUri().getHost()).isEqualTo("127.0.0.1");
            HttpClient client =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> health =
                    client.send(
                            HttpRequest.newBuilder(server.getUri().resolve("/health"))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            JsonObject h = JsonParser.parseString(health.body()).getAsJsonObject();
            assertThat(h.get("particles").getAsInt()).isEqualTo(3);
            assertThat(h.get("input_shape").toString()).isEqualTo("[64]");
            String body = "{\"input\": [" + "0.5,".repeat(63) + "0.5]}";
            HttpResponse<String> r =
                    client.send(
                            HttpRequest.newBuilder(server.getUri().resolve("/predict"))
                                    .timeout(Duration.ofSeconds(10))
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonObject p =
                    JsonParser.parseString(r.body())
                            .getAsJsonObject()
                            .getAsJsonArray("predictions")
                            .get(0)
                            .getAsJsonObject();
            assertThat(p.getAsJsonArray("probabilities")).hasSize(10);
            // the particles of the demo network disagree: a non-zero epistemic part
            assertThat(p.get("mutual_information").getAsDouble()).isPositive();
        }
    }
}
