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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.bella.examples.cli.BellaCli;
import dev.bella.examples.cli.ServeCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

    @Test
    void theBannerNamesTheStudysAdapterFolder() {
        assertThat(ServeCommand.modelDescription(Path.of("bella-out"), "ensemble-n-5"))
                .isEqualTo(Path.of("bella-out", "adapters", "ensemble-n-5").toString());
        assertThat(ServeCommand.modelDescription(null, "svgd-bella-n-5"))
                .isEqualTo("a seeded random digits model");
    }

    @Test
    void aNonLoopbackHostNeedsATokenFileOrInsecure() {
        ServeCommand command = new ServeCommand();
        new CommandLine(command).parseArgs("--port", "0", "--host", "0.0.0.0");
        // refused before the model is built or anything is bound
        assertThatThrownBy(command::start)
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--host 0.0.0.0 is not a loopback address")
                .hasMessageContaining("--token-file")
                .hasMessageContaining("--insecure");
    }

    @Test
    void aTokenFileTurnsOnBearerAuthentication(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, "  tok-123456789  \n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        ServeCommand command = new ServeCommand();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setErr(new PrintWriter(err));
        cli.parseArgs(
                "--port",
                "0",
                "--particles",
                "2",
                "--threads",
                "1",
                "--token-file",
                file.toString());
        try (ServeCommand.Running running = command.start()) {
            HttpClient client =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String body = "{\"input\": [" + "0.5,".repeat(63) + "0.5]}";
            HttpRequest.Builder request =
                    HttpRequest.newBuilder(running.server().getUri().resolve("/predict"))
                            .timeout(Duration.ofSeconds(10))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> denied =
                    client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(denied.statusCode()).isEqualTo(401);
            assertThat(denied.headers().firstValue("WWW-Authenticate"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            HttpResponse<String> ok =
                    client.send(
                            request.header("Authorization", "Bearer tok-123456789").build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        }
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void badTokenFilesAreRefusedWithoutPrintingTheToken(@TempDir Path dir) throws Exception {
        Path empty = Files.writeString(dir.resolve("empty"), " \n\t");
        Path spaced = Files.writeString(dir.resolve("spaced"), "my secret");
        Path big = Files.writeString(dir.resolve("big"), "x".repeat(5000));
        Object[][] cases = {
            {dir.resolve("missing"), "no such file"},
            {dir, "is not a regular file"},
            {empty, "the bearer token is empty"},
            {spaced, "space, control or non-ASCII character at index 2"},
            {big, "larger than 4096 bytes"},
        };
        for (Object[] c : cases) {
            ServeCommand command = new ServeCommand();
            new CommandLine(command).parseArgs("--port", "0", "--token-file", c[0].toString());
            assertThatThrownBy(command::start)
                    .as(c[0].toString())
                    .isInstanceOf(CommandLine.ParameterException.class)
                    .hasMessageContaining(c[0].toString())
                    .hasMessageContaining((String) c[1])
                    .hasMessageNotContaining("secret");
        }
        // a token file others can read is accepted with a warning
        Path open = Files.writeString(dir.resolve("open"), "tok-123456789");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        ServeCommand command = new ServeCommand();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setErr(new PrintWriter(err));
        cli.parseArgs("--token-file", open.toString());
        assertThat(command.readToken(open)).isEqualTo("tok-123456789");
        assertThat(err.toString()).contains("can be read by other users; chmod 600");
    }
}
