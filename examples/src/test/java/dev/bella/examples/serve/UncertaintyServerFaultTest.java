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

import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.serve.UncertaintyPredictor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hostile and unlucky clients over loopback (127.0.0.1 only; every test bounded in connections and
 * time): stalled clients, requests an HTTP library would not send, HEAD, a full queue, and a stop
 * under load. See docs/serving.md, "What is promised".
 */
class UncertaintyServerFaultTest {

    private static LoopbackService service;

    @BeforeAll
    static void start() throws IOException {
        service = new LoopbackService(2);
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    private static String ones() {
        return "{\"input\":[" + "0.5,".repeat(63) + "0.5]}";
    }

    private static String post(String path, String body, String extraHeaders) {
        return "POST "
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + extraHeaders
                + "Content-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\nConnection: close\r\n\r\n"
                + body;
    }

    @Test
    void healthAnswersWithinASecondWhileThirtyTwoClientsStall() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 32; i++) {
                Socket s = RawHttp.connect(service.server.getUri(), 5_000);
                s.getOutputStream().write('G');
                s.getOutputStream().flush();
                stalled.add(s);
            }
            Thread.sleep(300); // let the server take them all
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                RawHttp.Response r =
                        RawHttp.exchange(
                                service.server.getUri(),
                                "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                        + "Connection: close\r\n\r\n",
                                1_000);
                double seconds = (System.nanoTime() - start) / 1e9;
                assertThat(r).isNotNull();
                assertThat(r.status()).isEqualTo(200);
                assertThat(seconds).isLessThan(1.0);
                long t = System.nanoTime();
                RawHttp.Response p =
                        RawHttp.exchange(
                                service.server.getUri(), post("/predict", ones(), ""), 1_000);
                assertThat(p.status()).as(p.body()).isEqualTo(200);
                System.out.printf(
                        Locale.ROOT,
                        "serve: with 32 stalled clients, /health in %.1f ms, /predict in %.1f ms%n",
                        seconds * 1e3,
                        (System.nanoTime() - t) / 1e6);
            }
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    @Test
    void refusalsAreJsonOnEveryPathIncludingMalformedRequests() throws Exception {
        String h = "Host: 127.0.0.1\r\nConnection: close\r\n";
        Object[][] cases = {
            {post("//predict", ones(), ""), 404, "no such path: //predict"},
            {"GET /nope HTTP/1.1\r\n" + h + "\r\n", 404, "no such path: /nope"},
            {"GET / HTTP/1.1\r\n" + h + "\r\n", 404, "no such path: /"},
            {"PUT /health HTTP/1.1\r\n" + h + "Content-Length: 0\r\n\r\n", 405, "use GET"},
            {"GET /predict?x=1 HTTP/1.1\r\n" + h + "\r\n", 405, "use POST"},
            {
                "POST /predict HTTP/1.1\r\n"
                        + h
                        + "Content-Type: application/json\r\n"
                        + "Content-Length: abc\r\n\r\n",
                400,
                "Content-Length"
            },
            {
                "POST /predict HTTP/1.1\r\n"
                        + h
                        + "Content-Type: application/json\r\n"
                        + "Content-Length: -5\r\n\r\n",
                400,
                "Content-Length"
            },
            {
                "POST /predict HTTP/1.1\r\n"
                        + h
                        + "Content-Type: application/json\r\n"
                        + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
                400,
                "Content-Length"
            },
            {
                "POST /predict HTTP/1.1\r\n"
                        + h
                        + "Content-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
                400,
                "chunk"
            },
            {"GARBAGE\r\n\r\n", 400, "request line"},
            {"GET /health HTTP/2.0\r\n" + h + "\r\n", 505, "HTTP/2.0"},
            {"GET /health HTTP/1.1\r\nno colon here\r\n\r\n", 400, "header"},
            {
                "GET /health HTTP/1.1\r\n" + h + "X-Big: " + "a".repeat(20_000) + "\r\n\r\n",
                431,
                "headers"
            },
            {"GET /" + "a".repeat(10_000) + " HTTP/1.1\r\n" + h + "\r\n", 414, "request line"},
        };
        for (Object[] c : cases) {
            String request = (String) c[0];
            String what = request.length() > 70 ? request.substring(0, 70) + "..." : request;
            RawHttp.Response r = RawHttp.exchange(service.server.getUri(), request, 5_000);
            assertThat(r).as(what + ": no response").isNotNull();
            assertThat(r.status()).as(what + " -> " + r.body()).isEqualTo(c[1]);
            assertThat(r.header("Content-Type")).as(what).startsWith("application/json");
            assertThat(r.complete()).as(what).isTrue();
            JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
            assertThat(o.get("error").getAsString()).as(what).contains((String) c[2]);
        }
        // a chunked body is read like any other
        String body = ones();
        String chunked =
                "POST /predict HTTP/1.1\r\n"
                        + h
                        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + Integer.toHexString(10)
                        + "\r\n"
                        + body.substring(0, 10)
                        + "\r\n"
                        + Integer.toHexString(body.length() - 10)
                        + ";ext=1\r\n"
                        + body.substring(10)
                        + "\r\n0\r\n\r\n";
        RawHttp.Response r = RawHttp.exchange(service.server.getUri(), chunked, 5_000);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(service.postJson(ones()).statusCode()).isEqualTo(200);
    }

    @Test
    void headRequestsGetHeadersOnlyAndLogNoWarning() throws Exception {
        List<LogRecord> records = new ArrayList<>();
        Handler handler =
                new Handler() {
                    @Override
                    public void publish(LogRecord record) {
                        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                            synchronized (records) {
                                records.add(record);
                            }
                        }
                    }

                    @Override
                    public void flush() {}

                    @Override
                    public void close() {}
                };
        Logger jdk = Logger.getLogger("com.sun.net.httpserver");
        jdk.addHandler(handler);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            String h = " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
            RawHttp.Response health =
                    RawHttp.exchange(service.server.getUri(), "HEAD /health" + h, 5_000);
            assertThat(health.status()).isEqualTo(200);
            assertThat(health.header("Content-Type")).startsWith("application/json");
            RawHttp.Response predict =
                    RawHttp.exchange(service.server.getUri(), "HEAD /predict" + h, 5_000);
            assertThat(predict.status()).isEqualTo(405);
            assertThat(predict.header("Allow")).isEqualTo("POST");
            RawHttp.Response nope =
                    RawHttp.exchange(service.server.getUri(), "HEAD /nope" + h, 5_000);
            assertThat(nope.status()).isEqualTo(404);
            // nothing follows the headers of a HEAD response
            try (Socket s = RawHttp.connect(service.server.getUri(), 5_000)) {
                s.getOutputStream().write(("HEAD /health" + h).getBytes(StandardCharsets.US_ASCII));
                assertThat(RawHttp.read(s.getInputStream(), true).status()).isEqualTo(200);
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
        } finally {
            System.setErr(err);
            jdk.removeHandler(handler);
        }
        String logged = captured.toString(StandardCharsets.UTF_8);
        assertThat(records).extracting(LogRecord::getMessage).isEmpty();
        assertThat(logged).doesNotContain("WARN");
    }

    @Test
    void aFullQueueIsAnswered503InJsonAndCounted() throws Exception {
        try (UncertaintyPredictor slow =
                        UncertaintyPredictor.builder(
                                        new SlowPosterior(ParticlePosterior.of(service.model), 400),
                                        new Shape(64))
                                .optManager(service.calls)
                                .build();
                UncertaintyServer server =
                        UncertaintyServer.builder(slow)
                                .optPort(0)
                                .optThreads(1)
                                .optQueueCapacity(1)
                                .build()
                                .start()) {
            int clients = 6;
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<Future<RawHttp.Response>> answers = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    answers.add(
                            pool.submit(
                                    () ->
                                            RawHttp.exchange(
                                                    server.getUri(),
                                                    post("/predict", ones(), ""),
                                                    10_000)));
                }
                int ok = 0;
                int busy = 0;
                for (Future<RawHttp.Response> f : answers) {
                    RawHttp.Response r = f.get(20, TimeUnit.SECONDS);
                    assertThat(r).as("every request gets an answer").isNotNull();
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
                assertThat(ok).isGreaterThanOrEqualTo(2);
                assertThat(busy).isGreaterThanOrEqualTo(1);
                RawHttp.Response health =
                        RawHttp.exchange(
                                server.getUri(),
                                "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                5_000);
                JsonObject counts =
                        JsonParser.parseString(health.body())
                                .getAsJsonObject()
                                .getAsJsonObject("counts");
                assertThat(counts.get("busy").getAsInt()).isEqualTo(busy);
                assertThat(counts.get("predictions").getAsInt()).isEqualTo(ok);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void stoppingUnderLoadAnswersEveryRequestTheServerTook() throws Exception {
        UncertaintyServer server =
                UncertaintyServer.builder(service.predictor)
                        .optPort(0)
                        .optThreads(2)
                        .build()
                        .start();
        URI uri = server.getUri();
        int threads = 8;
        AtomicBoolean closing = new AtomicBoolean();
        Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                boolean raw = t % 2 == 1;
                clients.add(
                        pool.submit(
                                () -> {
                                    HttpClient client =
                                            HttpClient.newBuilder()
                                                    .version(HttpClient.Version.HTTP_1_1)
                                                    .connectTimeout(Duration.ofSeconds(5))
                                                    .build();
                                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                                    while (System.nanoTime() < end) {
                                        String outcome =
                                                raw ? rawOnce(uri) : clientOnce(client, uri);
                                        outcomes.computeIfAbsent(outcome, k -> new AtomicInteger())
                                                .incrementAndGet();
                                        if (outcome.equals("refused") && closing.get()) {
                                            return null;
                                        }
                                    }
                                    return null;
                                }));
            }
            Thread.sleep(1_000);
            closing.set(true);
            long start = System.nanoTime();
            server.close();
            double closeSeconds = (System.nanoTime() - start) / 1e9;
            for (Future<?> f : clients) {
                f.get(40, TimeUnit.SECONDS);
            }
            System.out.printf(
                    Locale.ROOT,
                    "serve: stop under load took %.3f s; outcomes %s%n",
                    closeSeconds,
                    outcomes);
            assertThat(closeSeconds).isLessThan(10);
            assertThat(outcomes.get("200")).isNotNull();
            assertThat(outcomes.keySet()).as(outcomes.toString()).containsOnly("200", "refused");
        } finally {
            pool.shutdownNow();
            server.close();
        }
    }

    private static String clientOnce(HttpClient client, URI uri) {
        try {
            HttpResponse<String> r =
                    client.send(
                            HttpRequest.newBuilder(uri.resolve("/predict"))
                                    .timeout(Duration.ofSeconds(10))
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(ones()))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return String.valueOf(r.statusCode());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            return "refused";
        } catch (IOException e) {
            return "client: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static String rawOnce(URI uri) {
        Socket s;
        try {
            s = RawHttp.connect(uri, 10_000);
        } catch (IOException e) {
            return "refused";
        }
        try (s) {
            OutputStream out = s.getOutputStream();
            out.write(post("/predict", ones(), "").getBytes(StandardCharsets.UTF_8));
            out.flush();
            RawHttp.Response r = RawHttp.read(s.getInputStream(), false);
            if (r == null) {
                return "raw: closed without an answer";
            }
            return r.complete() ? String.valueOf(r.status()) : "raw: truncated " + r.status();
        } catch (IOException e) {
            return "raw: " + e;
        }
    }
}
