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
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The service under test on 127.0.0.1 and a free port: the digits model of {@code ./bella serve}, a
 * predictor whose per-call scopes live under their own manager (so the test can count them), a
 * server, and an HTTP/1.1 client with helpers to drive it from several threads.
 */
final class LoopbackService implements AutoCloseable {

    static final int MAX_INPUTS = 16;
    static final int MAX_BODY = 32 * 1024;

    final NDManager manager = NDManager.newBaseManager();
    final NDManager calls = NDManager.newBaseManager();
    final ParticleBlock model;
    final UncertaintyPredictor predictor;
    final UncertaintyServer server;
    final HttpClient client;
    final float[][] digits;

    LoopbackService(int workers) throws IOException {
        model = ServeCommand.digitsModel(manager, 5, 4, 0);
        predictor =
                UncertaintyPredictor.builder(ParticlePosterior.of(model), new Shape(64))
                        .optManager(calls)
                        .optInputRange(-1e6f, 1e6f)
                        .build();
        server =
                UncertaintyServer.builder(predictor)
                        .optPort(0)
                        .optThreads(workers)
                        .optMaxInputs(MAX_INPUTS)
                        .optMaxBodyBytes(MAX_BODY)
                        .build()
                        .start();
        client =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
        digits = Arrays.copyOf(Digits.load().pixels(), 64);
    }

    @Override
    public void close() {
        server.close();
        predictor.close();
        model.close();
        calls.close();
        manager.close();
    }

    HttpResponse<String> send(HttpRequest.Builder request)
            throws IOException, InterruptedException {
        return client.send(
                request.timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> postJson(String json) throws IOException, InterruptedException {
        return send(
                HttpRequest.newBuilder(server.getUri().resolve("/predict"))
                        .header("Content-Type", "application/json")
                        .POST(
                                HttpRequest.BodyPublishers.ofByteArray(
                                        json.getBytes(StandardCharsets.UTF_8))));
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(server.getUri().resolve(path)).GET());
    }

    static String row(float[] x) {
        StringBuilder s = new StringBuilder("[");
        for (int j = 0; j < x.length; j++) {
            s.append(j == 0 ? "" : ",").append(x[j]);
        }
        return s.append(']').toString();
    }

    static String inputs(float[][] xs) {
        StringBuilder s = new StringBuilder("{\"inputs\":[");
        for (int k = 0; k < xs.length; k++) {
            s.append(k == 0 ? "" : ",").append(row(xs[k]));
        }
        return s.append("]}").toString();
    }

    /** The inputs of request {@code r} of a thread: one to four digits. */
    float[][] request(int thread, int r) {
        int count = 1 + (thread + r) % 4;
        float[][] xs = new float[count][];
        for (int k = 0; k < count; k++) {
            xs[k] = digits[(thread * 13 + r * 7 + k) % digits.length];
        }
        return xs;
    }

    /**
     * Checks a 200 answer against the predictor called directly (equal to the last bit, as JSON
     * carries doubles exactly) and the identities every answer must satisfy; returns a description
     * of the first difference, or null.
     */
    static String check(HttpResponse<String> response, List<Prediction> expected) {
        if (response.statusCode() != 200) {
            return "status " + response.statusCode() + ": " + response.body();
        }
        JsonArray got =
                JsonParser.parseString(response.body())
                        .getAsJsonObject()
                        .getAsJsonArray("predictions");
        if (got.size() != expected.size()) {
            return "got " + got.size() + " predictions, expected " + expected.size();
        }
        for (int k = 0; k < got.size(); k++) {
            JsonObject p = got.get(k).getAsJsonObject();
            Prediction e = expected.get(k);
            JsonArray probs = p.getAsJsonArray("probabilities");
            if (probs.size() != e.classCount()) {
                return "input " + k + " has " + probs.size() + " probabilities";
            }
            double sum = 0;
            int argmax = 0;
            for (int c = 0; c < probs.size(); c++) {
                double v = probs.get(c).getAsDouble();
                if (v != e.probability(c)) {
                    return "probability "
                            + c
                            + " of input "
                            + k
                            + " is "
                            + v
                            + ", not "
                            + e.probability(c);
                }
                sum += v;
                argmax = v > probs.get(argmax).getAsDouble() ? c : argmax;
            }
            double h = p.get("entropy").getAsDouble();
            double a = p.get("aleatoric").getAsDouble();
            double mi = p.get("mutual_information").getAsDouble();
            int predicted = p.get("predicted").getAsInt();
            double confidence = p.get("confidence").getAsDouble();
            if (Math.abs(sum - 1) > 1e-6
                    || Math.abs(h - (a + mi)) > 1e-9
                    || predicted != argmax
                    || confidence != probs.get(argmax).getAsDouble()
                    || predicted != e.predicted()
                    || h != e.entropy()
                    || a != e.aleatoric()
                    || mi != e.mutualInformation()) {
                return "input " + k + ": " + p + " differs from " + e;
            }
        }
        return null;
    }

    /**
     * Sends {@code perThread} prediction requests from each of {@code threads} threads (one to four
     * inputs each, as "input" or "inputs"), bounded by a two-minute timeout; checks every answer if
     * {@code verify}, else only its status. Returns the failures (at most three a thread).
     */
    List<String> drive(int threads, int perThread, boolean verify) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<String>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> driveOne(thread, perThread, verify)));
            }
            List<String> failures = new ArrayList<>();
            for (Future<List<String>> f : results) {
                failures.addAll(f.get(120, TimeUnit.SECONDS));
            }
            return failures;
        } finally {
            pool.shutdownNow();
        }
    }

    private List<String> driveOne(int thread, int perThread, boolean verify) throws Exception {
        List<String> failures = new ArrayList<>();
        for (int r = 0; r < perThread && failures.size() < 3; r++) {
            float[][] xs = request(thread, r);
            boolean single = xs.length == 1 && r % 2 == 0;
            HttpResponse<String> response =
                    postJson(single ? "{\"input\":" + row(xs[0]) + "}" : inputs(xs));
            String failure;
            if (!verify) {
                failure =
                        response.statusCode() == 200
                                ? null
                                : "status " + response.statusCode() + ": " + response.body();
            } else {
                List<Prediction> expected =
                        single ? List.of(predictor.predict(xs[0])) : predictor.predict(xs);
                failure = check(response, expected);
            }
            if (failure != null) {
                failures.add("thread " + thread + " request " + r + ": " + failure);
            }
        }
        return failures;
    }

    static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /**
     * Runs the collector and waits (at most 3 s) until VmRSS settles: G1 gives uncommitted heap
     * back to the system concurrently, after System.gc() has returned.
     */
    static long settledRssKiB() throws IOException, InterruptedException {
        System.gc();
        long last = rssKiB();
        for (int i = 0; i < 30; i++) {
            Thread.sleep(100);
            long now = rssKiB();
            if (Math.abs(now - last) < 512) {
                return now;
            }
            last = now;
        }
        return last;
    }

    static long heapCommittedKiB() {
        return java.lang.management.ManagementFactory.getMemoryMXBean()
                        .getHeapMemoryUsage()
                        .getCommitted()
                / 1024;
    }
}
