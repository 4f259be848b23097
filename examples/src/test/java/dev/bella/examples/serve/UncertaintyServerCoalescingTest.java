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
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Prediction;
import dev.bella.core.serve.UncertaintyPredictor;
import dev.bella.examples.cli.ServeCommand;
import dev.bella.examples.data.Digits;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@link UncertaintyServer} with {@link UncertaintyServer.Builder#optCoalescing}: single-input
 * requests are answered from coalesced batches with the predictor's numbers (to 1e-6), bad inputs
 * get the same 400s, a full coalescer gets 503, and {@code ./bella serve} turns it on by default.
 */
class UncertaintyServerCoalescingTest {

    private static NDManager manager;
    private static NDManager calls;
    private static ParticleBlock model;
    private static UncertaintyPredictor predictor;
    private static float[][] digits;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
        calls = NDManager.newBaseManager();
        model = ServeCommand.digitsModel(manager, 5, 4, 0);
        predictor =
                UncertaintyPredictor.builder(ParticlePosterior.of(model), new Shape(64))
                        .optManager(calls)
                        .optInputRange(-1e6f, 1e6f)
                        .build();
        digits = Arrays.copyOf(Digits.load().pixels(), 24);
    }

    @AfterAll
    static void stop() {
        predictor.close();
        model.close();
        calls.close();
        manager.close();
    }

    private static String row(float[] x) {
        StringBuilder s = new StringBuilder("[");
        for (int j = 0; j < x.length; j++) {
            s.append(j == 0 ? "" : ",").append(x[j]);
        }
        return s.append(']').toString();
    }

    private static String post(String body) {
        return "POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\nConnection: close\r\n\r\n"
                + body;
    }

    private static JsonObject health(UncertaintyServer server) throws Exception {
        RawHttp.Response health =
                RawHttp.exchange(
                        server.getUri(),
                        "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                        10_000);
        return JsonParser.parseString(health.body()).getAsJsonObject();
    }

    private static void assertAnswers(RawHttp.Response r, List<Prediction> expected) {
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonArray got =
                JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("predictions");
        assertThat(got).hasSize(expected.size());
        for (int k = 0; k < got.size(); k++) {
            JsonObject p = got.get(k).getAsJsonObject();
            Prediction e = expected.get(k);
            JsonArray probs = p.getAsJsonArray("probabilities");
            assertThat(probs).hasSize(e.classCount());
            for (int c = 0; c < probs.size(); c++) {
                assertThat(probs.get(c).getAsDouble()).isCloseTo(e.probability(c), within(1e-6));
            }
            assertThat(p.get("predicted").getAsInt()).isEqualTo(e.predicted());
            assertThat(p.get("entropy").getAsDouble()).isCloseTo(e.entropy(), within(1e-6));
            assertThat(p.get("aleatoric").getAsDouble()).isCloseTo(e.aleatoric(), within(1e-6));
            assertThat(p.get("mutual_information").getAsDouble())
                    .isCloseTo(e.mutualInformation(), within(1e-6));
        }
    }

    @Test
    void sixteenClientsGetThePredictorsAnswersFromCoalescedBatches() throws Exception {
        try (UncertaintyServer server =
                UncertaintyServer.builder(predictor)
                        .optPort(0)
                        .optThreads(2)
                        .optCoalescing(Duration.ofMillis(20), 16)
                        .build()
                        .start()) {
            assertThat(server.isCoalescing()).isTrue();
            int clients = 16;
            int perClient = 6;
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<Future<Integer>> done = new ArrayList<>();
                for (int t = 0; t < clients; t++) {
                    int thread = t;
                    done.add(
                            pool.submit(
                                    () -> {
                                        for (int r = 0; r < perClient; r++) {
                                            int k = (thread * 5 + r) % digits.length;
                                            String body =
                                                    r % 3 == 2
                                                            // several inputs: predicted directly
                                                            ? "{\"inputs\":["
                                                                    + row(digits[k])
                                                                    + ","
                                                                    + row(digits[(k + 1) % 24])
                                                                    + "]}"
                                                            : r % 3 == 1
                                                                    ? "{\"inputs\":["
                                                                            + row(digits[k])
                                                                            + "]}"
                                                                    : "{\"input\":"
                                                                            + row(digits[k])
                                                                            + "}";
                                            List<Prediction> expected =
                                                    r % 3 == 2
                                                            ? predictor.predict(
                                                                    new float[][] {
                                                                        digits[k],
                                                                        digits[(k + 1) % 24]
                                                                    })
                                                            : List.of(predictor.predict(digits[k]));
                                            assertAnswers(
                                                    RawHttp.exchange(
                                                            server.getUri(), post(body), 30_000),
                                                    expected);
                                        }
                                        return perClient;
                                    }));
                }
                for (Future<Integer> f : done) {
                    assertThat(f.get(120, TimeUnit.SECONDS)).isEqualTo(perClient);
                }
            } finally {
                pool.shutdownNow();
            }
            JsonObject h = health(server);
            assertThat(h.get("coalesce_ms").getAsDouble()).isEqualTo(20.0);
            assertThat(h.get("coalesce_batch").getAsInt()).isEqualTo(16);
            JsonObject counts = h.getAsJsonObject("counts");
            assertThat(counts.get("predictions").getAsInt()).isEqualTo(clients * perClient);
            // two requests in three had a single input and went through the coalescer
            assertThat(counts.get("batched_inputs").getAsInt())
                    .isEqualTo(clients * perClient * 2 / 3);
            assertThat(counts.get("batches").getAsInt())
                    .isBetween(1, counts.get("batched_inputs").getAsInt());
            assertThat(counts.get("coalesce_pending").getAsInt()).isZero();
        }
    }

    @Test
    void badSingleInputsGetTheSame400sAsWithoutCoalescing() throws Exception {
        try (UncertaintyServer server =
                UncertaintyServer.builder(predictor)
                        .optPort(0)
                        .optCoalescing(Duration.ofMillis(2), 64)
                        .build()
                        .start()) {
            // an out-of-range value passes the JSON reader and fails the predictor's check
            float[] far = digits[0].clone();
            far[5] = 2e6f;
            RawHttp.Response single =
                    RawHttp.exchange(server.getUri(), post("{\"input\":" + row(far) + "}"), 10_000);
            assertThat(single.status()).isEqualTo(400);
            assertThat(single.body())
                    .contains("input[5] = 2000000.0 is outside the accepted range");
            RawHttp.Response listed =
                    RawHttp.exchange(
                            server.getUri(), post("{\"inputs\":[" + row(far) + "]}"), 10_000);
            assertThat(listed.status()).isEqualTo(400);
            assertThat(listed.body())
                    .contains("inputs[0][5] = 2000000.0 is outside the accepted range");
            RawHttp.Response ok =
                    RawHttp.exchange(
                            server.getUri(), post("{\"input\":" + row(digits[1]) + "}"), 10_000);
            assertAnswers(ok, List.of(predictor.predict(digits[1])));
            JsonObject counts = health(server).getAsJsonObject("counts");
            assertThat(counts.get("client_errors").getAsInt()).isEqualTo(2);
            assertThat(counts.get("batched_inputs").getAsInt()).isEqualTo(1);
        }
    }

    @Test
    void aFullCoalescerIsAnswered503InJsonAndCounted() throws Exception {
        try (UncertaintyPredictor slow =
                        UncertaintyPredictor.builder(
                                        new SlowPosterior(ParticlePosterior.of(model), 400),
                                        new Shape(64))
                                .optManager(calls)
                                .build();
                UncertaintyServer server =
                        UncertaintyServer.builder(slow)
                                .optPort(0)
                                .optThreads(1)
                                .optQueueCapacity(1)
                                .optCoalescing(Duration.ofMillis(2), 64)
                                .build()
                                .start()) {
            int clients = 6;
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<Future<RawHttp.Response>> answers = new ArrayList<>();
                String body = "{\"input\":" + row(digits[2]) + "}";
                for (int i = 0; i < clients; i++) {
                    answers.add(
                            pool.submit(
                                    () -> RawHttp.exchange(server.getUri(), post(body), 20_000)));
                }
                int ok = 0;
                int busy = 0;
                for (Future<RawHttp.Response> f : answers) {
                    RawHttp.Response r = f.get(30, TimeUnit.SECONDS);
                    assertThat(r.complete()).isTrue();
                    assertThat(r.header("Content-Type")).startsWith("application/json");
                    if (r.status() == 503) {
                        busy++;
                        assertThat(r.body()).contains("\"error\"").contains("busy");
                        assertThat(r.header("Retry-After")).isNotNull();
                    } else {
                        assertThat(r.status()).as(r.body()).isEqualTo(200);
                        ok++;
                    }
                }
                // threads + queueCapacity = 2 requests may wait for or be in a batch
                assertThat(ok).isGreaterThanOrEqualTo(1);
                assertThat(busy).isGreaterThanOrEqualTo(1);
                JsonObject counts = health(server).getAsJsonObject("counts");
                assertThat(counts.get("busy").getAsInt()).isEqualTo(busy);
                assertThat(counts.get("predictions").getAsInt()).isEqualTo(ok);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void withoutCoalescingTheHealthHasNoCoalescingFields() throws Exception {
        try (UncertaintyServer server =
                UncertaintyServer.builder(predictor).optPort(0).build().start()) {
            assertThat(server.isCoalescing()).isFalse();
            JsonObject h = health(server);
            assertThat(h.has("coalesce_ms")).isFalse();
            assertThat(h.getAsJsonObject("counts").has("batches")).isFalse();
        }
        assertThatThrownBy(
                        () ->
                                UncertaintyServer.builder(predictor)
                                        .optCoalescing(Duration.ofMillis(-1), 8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxWait should be a duration in [0, 10 s]");
        assertThatThrownBy(
                        () ->
                                UncertaintyServer.builder(predictor)
                                        .optCoalescing(Duration.ofMillis(2), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxBatch should be a positive integer");
    }

    @Test
    void bellaServeCoalescesByDefaultAndNoCoalesceTurnsItOff() throws Exception {
        ServeCommand on = new ServeCommand();
        new CommandLine(on).parseArgs("--port", "0", "--particles", "2", "--threads", "1");
        try (ServeCommand.Running running = on.start()) {
            assertThat(running.server().isCoalescing()).isTrue();
            JsonObject h = health(running.server());
            assertThat(h.get("coalesce_ms").getAsDouble()).isEqualTo(0.0);
            assertThat(h.get("coalesce_batch").getAsInt()).isEqualTo(64);
        }
        ServeCommand off = new ServeCommand();
        new CommandLine(off)
                .parseArgs("--port", "0", "--particles", "2", "--threads", "1", "--no-coalesce");
        try (ServeCommand.Running running = off.start()) {
            assertThat(running.server().isCoalescing()).isFalse();
        }
        ServeCommand bad = new ServeCommand();
        new CommandLine(bad).parseArgs("--port", "0", "--coalesce-batch", "0");
        assertThatThrownBy(bad::start)
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--coalesce-batch positive, got 0.0, 0");
    }

    /**
     * --device puts the model there (the suite's device, -Dbella.test.device); a missing one is
     * named.
     */
    @Test
    void bellaServeRunsOnTheDeviceItIsGiven() throws Exception {
        String name = System.getProperty("bella.test.device", "");
        ai.djl.Device want =
                name.isBlank()
                        ? ai.djl.engine.Engine.getInstance().defaultDevice()
                        : ai.djl.Device.fromName(name);
        ServeCommand on = new ServeCommand();
        new CommandLine(on)
                .parseArgs(
                        "--port",
                        "0",
                        "--particles",
                        "2",
                        "--threads",
                        "1",
                        "--device",
                        name.isBlank()
                                ? want.getDeviceType() + (want.isGpu() ? want.getDeviceId() : "")
                                : name);
        try (ServeCommand.Running running = on.start()) {
            assertThat(running.predictor().getModel().getDevice()).isEqualTo(want);
        }
        int gpus = ai.djl.engine.Engine.getInstance().getGpuCount();
        ServeCommand absent = new ServeCommand();
        new CommandLine(absent).parseArgs("--port", "0", "--device", "gpu" + (gpus + 2));
        assertThatThrownBy(absent::start)
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--device gpu" + (gpus + 2) + " is not available");
        ServeCommand garbled = new ServeCommand();
        new CommandLine(garbled).parseArgs("--port", "0", "--device", "gpu:x");
        assertThatThrownBy(garbled::start)
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("is not a DJL device name");
    }
}
