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

import static dev.bella.examples.serve.LoopbackService.MAX_BODY;
import static dev.bella.examples.serve.LoopbackService.MAX_INPUTS;
import static dev.bella.examples.serve.LoopbackService.inputs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Drives the service over loopback from several threads: every answer is checked against the
 * predictor called directly, every kind of bad request gets its 4xx and a reason, and the server
 * shuts down cleanly. Memory under load: {@link UncertaintyServerMemoryTest}.
 */
class UncertaintyServerTest {

    private static final int THREADS = 8;
    private static final int PER_THREAD = 150;

    private static LoopbackService service;

    @BeforeAll
    static void start() throws IOException {
        service = new LoopbackService(4);
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    @Test
    void eightThreadsGetCorrectAnswersEqualToThePredictorCalledDirectly() throws Exception {
        long start = System.nanoTime();
        List<String> failures = service.drive(THREADS, PER_THREAD, true);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "serve: %d checked requests from %d threads in %.2f s (%.0f requests/s)%n",
                THREADS * PER_THREAD,
                THREADS,
                seconds,
                THREADS * PER_THREAD / seconds);
        assertThat(failures).isEmpty();
    }

    @Test
    void healthDescribesTheModel() throws Exception {
        HttpResponse<String> r = service.get("/health");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
        assertThat(o.get("status").getAsString()).isEqualTo("ok");
        assertThat(o.get("particles").getAsInt()).isEqualTo(5);
        assertThat(o.get("classes").getAsInt()).isEqualTo(10);
        assertThat(o.get("input_shape").toString()).isEqualTo("[64]");
        assertThat(o.get("max_inputs").getAsInt()).isEqualTo(MAX_INPUTS);
    }

    private static String zeros(int n) {
        return "[" + String.join(",", Collections.nCopies(n, "0")) + "]";
    }

    @Test
    void everyKindOfBadRequestGetsItsStatusAndAReason() throws Exception {
        String ok = zeros(64);
        String utf8 = "application/json";
        Object[][] cases = {
            // path and method
            {"GET", "/nope", null, null, 404, "no such path: /nope"},
            {"GET", "/predict", null, null, 405, "method GET is not allowed on /predict; use POST"},
            {"POST", "/health", utf8, "{}", 405, "use GET"},
            {"DELETE", "/predict", null, null, 405, "method DELETE"},
            // content type
            {"POST", "/predict", "text/plain", "{\"input\":" + ok + "}", 415, "text/plain"},
            {"POST", "/predict", null, "{\"input\":" + ok + "}", 415, "no Content-Type"},
            {"POST", "/predict", "application/json; charset=latin1", "{}", 415, "latin1"},
            // size
            {
                "POST",
                "/predict",
                utf8,
                "{\"input\":" + zeros(MAX_BODY / 2 + 100) + "}",
                413,
                "exceeds the limit of " + MAX_BODY + " bytes"
            },
            {
                "POST",
                "/predict",
                utf8,
                inputs(new float[MAX_INPUTS + 1][64]),
                413,
                "too many inputs: more than " + MAX_INPUTS
            },
            // JSON
            {"POST", "/predict", utf8, "", 400, "the request body is empty"},
            {"POST", "/predict", utf8, "{\"inputs\": [[1, 2", 400, "malformed JSON"},
            {"POST", "/predict", utf8, "{inputs: []}", 400, "malformed JSON"},
            {"POST", "/predict", utf8, "{\"input\":" + ok + "} x", 400, "malformed JSON"},
            {"POST", "/predict", utf8, "[" + ok + "]", 400, "the body is an array"},
            {"POST", "/predict", utf8, "{\"pixels\":" + ok + "}", 400, "unknown field \"pixels\""},
            {"POST", "/predict", utf8, "{}", 400, "no \"inputs\" or \"input\" field"},
            {
                "POST",
                "/predict",
                utf8,
                "{\"input\":" + ok + ",\"inputs\":[" + ok + "]}",
                400,
                "either \"inputs\" or \"input\""
            },
            {"POST", "/predict", utf8, "{\"inputs\": []}", 400, "\"inputs\" is empty"},
            {
                "POST",
                "/predict",
                utf8,
                "{\"inputs\": " + ok + "}",
                400,
                "inputs[0] is a number, expected an array of 64 numbers"
            },
            {
                "POST",
                "/predict",
                utf8,
                "{\"input\": " + zeros(63) + "}",
                400,
                "input has 63 values, expected 64"
            },
            {
                "POST",
                "/predict",
                utf8,
                "{\"inputs\": [" + ok + "," + zeros(65) + "]}",
                400,
                "inputs[1] has more than 64 values, expected 64"
            },
            {
                "POST",
                "/predict",
                utf8,
                "{\"input\": [0, \"abc\"" + ",0".repeat(62) + "]}",
                400,
                "input[1] is a string (\"abc\"), not a number"
            },
            {
                "POST",
                "/predict",
                utf8,
                "{\"input\": [0, 0, null" + ",0".repeat(61) + "]}",
                400,
                "input[2] is null, not a number"
            },
            {
                "POST",
                "/predict",
                utf8,
                "{\"input\": [NaN" + ",0".repeat(63) + "]}",
                400,
                "malformed JSON"
            },
            {
                "POST",
                "/predict",
                utf8,
                "{\"input\": [0, 1e39" + ",0".repeat(62) + "]}",
                400,
                "input[1] = 1e39 is not a finite 32-bit float"
            },
            {
                "POST",
                "/predict",
                utf8,
                "{\"inputs\": [" + ok + ", [2e6" + ",0".repeat(63) + "]]}",
                400,
                "inputs[1][0] = 2000000.0 is outside the accepted range"
            },
            {"POST", "/predict", utf8, new byte[] {'{', (byte) 0xC3, '}'}, 400, "not valid UTF-8"},
        };
        for (Object[] c : cases) {
            byte[] body =
                    c[3] == null
                            ? new byte[0]
                            : c[3] instanceof byte[] bytes
                                    ? bytes
                                    : ((String) c[3]).getBytes(StandardCharsets.UTF_8);
            HttpRequest.Builder b =
                    HttpRequest.newBuilder(service.server.getUri().resolve((String) c[1]))
                            .method(
                                    (String) c[0],
                                    c[3] == null
                                            ? HttpRequest.BodyPublishers.noBody()
                                            : HttpRequest.BodyPublishers.ofByteArray(body));
            if (c[2] != null) {
                b.header("Content-Type", (String) c[2]);
            }
            HttpResponse<String> r = service.send(b);
            String what = c[0] + " " + c[1] + " " + c[2] + " " + clip(c[3]);
            assertThat(r.statusCode()).as(what + " -> " + r.body()).isEqualTo(c[4]);
            JsonElement e = JsonParser.parseString(r.body());
            assertThat(e.getAsJsonObject().get("error").getAsString())
                    .as(what)
                    .contains((String) c[5]);
            if ((int) c[4] == 405) {
                assertThat(r.headers().firstValue("Allow")).as(what).isPresent();
            }
        }
        // the service still answers after all that
        assertThat(service.postJson("{\"input\":" + ok + "}").statusCode()).isEqualTo(200);
    }

    private static String clip(Object body) {
        String s = body instanceof String str ? str : String.valueOf(body);
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    @Test
    void closingStopsTheServerAndItsThreads() throws Exception {
        UncertaintyServer other =
                UncertaintyServer.builder(service.predictor)
                        .optPort(0)
                        .optThreads(2)
                        .build()
                        .start();
        URI uri = other.getUri();
        assertThat(uri.getHost()).isEqualTo("127.0.0.1");
        HttpRequest.Builder health = HttpRequest.newBuilder(uri.resolve("/health"));
        assertThat(service.send(health).statusCode()).isEqualTo(200);
        long start = System.nanoTime();
        other.close();
        other.close(); // idempotent
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(5);
        assertThatThrownBy(() -> service.send(health)).isInstanceOf(ConnectException.class);
        assertThat(other.isTerminated()).isTrue();
        // the shared predictor is not closed by the server
        assertThat(service.predictor.predict(service.digits[0]).classCount()).isEqualTo(10);
    }
}
