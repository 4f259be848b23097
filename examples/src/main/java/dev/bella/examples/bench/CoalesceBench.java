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

import dev.bella.core.posterior.Prediction;
import dev.bella.core.serve.CoalescingPredictor;
import dev.bella.core.serve.UncertaintyPredictor;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@code ./bella bench serve --coalesce} mode: {@code K} client threads, each sending
 * single-input predictions back to back for a fixed time, through the plain {@link
 * UncertaintyPredictor} (one forward pass per request, concurrent passes) and through a {@link
 * CoalescingPredictor} on the same predictor (concurrent requests share a pass), side by side:
 * every round runs both, in alternating order, so a change in machine load affects both alike.
 * Reports requests per second (all requests of all rounds over their total time) and the p50 and
 * p99 of the per-request latency (over all rounds), and the coalescer's mean batch size. No HTTP:
 * the JSON layer is the same for both.
 */
final class CoalesceBench {

    private final UncertaintyPredictor predictor;
    private final CoalescingPredictor coalescer;
    private final float[][] inputs;
    private final double seconds;
    private final int rounds;
    private final int warmup;

    CoalesceBench(
            UncertaintyPredictor predictor,
            CoalescingPredictor coalescer,
            double seconds,
            int rounds,
            int warmup) {
        this.predictor = predictor;
        this.coalescer = coalescer;
        this.seconds = seconds;
        this.rounds = rounds;
        this.warmup = warmup;
        SplittableRandom rng = new SplittableRandom(1);
        this.inputs = new float[64][predictor.getInputSize()];
        for (float[] r : inputs) {
            for (int j = 0; j < r.length; j++) {
                r[j] = (float) rng.nextDouble();
            }
        }
    }

    /** A client: sends requests until the deadline, recording each latency. */
    private interface Client {
        Prediction predict(float[] input);
    }

    /** One side of one round: requests answered, elapsed nanoseconds, latencies. */
    private record Run(long requests, long nanos, long[] latencies) {}

    /** Runs every client count; prints a line per count as it finishes, returns the rows. */
    List<Map<String, Object>> run(List<Integer> clients, PrintWriter progress) throws Exception {
        checkSameAnswers();
        for (int i = 0; i < warmup; i++) {
            side(this::plain, 4, Math.min(seconds, 0.5));
            side(coalescer::predict, 4, Math.min(seconds, 0.5));
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int k : clients) {
            List<Run> plainRuns = new ArrayList<>();
            List<Run> coalescedRuns = new ArrayList<>();
            long batches0 = coalescer.getBatchCount();
            long batched0 = coalescer.getBatchedCount();
            for (int r = 0; r < rounds; r++) {
                if (r % 2 == 0) {
                    plainRuns.add(side(this::plain, k, seconds));
                    coalescedRuns.add(side(coalescer::predict, k, seconds));
                } else {
                    coalescedRuns.add(side(coalescer::predict, k, seconds));
                    plainRuns.add(side(this::plain, k, seconds));
                }
            }
            long batches = coalescer.getBatchCount() - batches0;
            long batched = coalescer.getBatchedCount() - batched0;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("clients", k);
            double plainRps = rate(plainRuns);
            double coalescedRps = rate(coalescedRuns);
            long[] plainLat = latencies(plainRuns);
            long[] coalescedLat = latencies(coalescedRuns);
            row.put("plain_rps", round1(plainRps));
            row.put("coalesced_rps", round1(coalescedRps));
            row.put("coalesced_over_plain", round3(coalescedRps / plainRps));
            row.put("plain_p50_ms", ms(percentile(plainLat, 0.50)));
            row.put("plain_p99_ms", ms(percentile(plainLat, 0.99)));
            row.put("coalesced_p50_ms", ms(percentile(coalescedLat, 0.50)));
            row.put("coalesced_p99_ms", ms(percentile(coalescedLat, 0.99)));
            row.put("mean_batch", batches == 0 ? 0.0 : round3((double) batched / batches));
            rows.add(row);
            progress.printf(
                    Locale.ROOT,
                    "%2d clients: plain %8.1f req/s (p50 %7.2f ms, p99 %7.2f ms) | coalesced %8.1f"
                            + " req/s (p50 %7.2f ms, p99 %7.2f ms, mean batch %.1f) | x%.2f%n",
                    k,
                    plainRps,
                    row.get("plain_p50_ms"),
                    row.get("plain_p99_ms"),
                    coalescedRps,
                    row.get("coalesced_p50_ms"),
                    row.get("coalesced_p99_ms"),
                    row.get("mean_batch"),
                    coalescedRps / plainRps);
            progress.flush();
        }
        return rows;
    }

    private Prediction plain(float[] input) {
        return predictor.predict(input);
    }

    /** The coalescer answers as the plain predictor does, to float rounding. */
    private void checkSameAnswers() {
        for (int i = 0; i < 4; i++) {
            Prediction a = predictor.predict(inputs[i]);
            Prediction b = coalescer.predict(inputs[i]);
            for (int c = 0; c < a.classCount(); c++) {
                if (Math.abs(a.probability(c) - b.probability(c)) > 1e-6) {
                    throw new IllegalStateException(
                            "the coalesced prediction differs from the plain one: "
                                    + a
                                    + " vs "
                                    + b);
                }
            }
        }
    }

    /** {@code k} client threads, each sending requests back to back until the deadline. */
    private Run side(Client client, int k, double secs) throws Exception {
        CountDownLatch ready = new CountDownLatch(k);
        CountDownLatch go = new CountDownLatch(1);
        long[][] lat = new long[k][];
        int[] counts = new int[k];
        long[] finished = new long[k];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long duration = (long) (secs * 1e9);
        long[] start = new long[1];
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            int id = t;
            Thread thread =
                    new Thread(
                            () -> {
                                long[] mine = new long[1024];
                                int n = 0;
                                ready.countDown();
                                try {
                                    go.await();
                                    long deadline = start[0] + duration;
                                    int next = id * 7;
                                    long now = System.nanoTime();
                                    while (now < deadline) {
                                        float[] x = inputs[next++ % inputs.length];
                                        client.predict(x);
                                        long after = System.nanoTime();
                                        if (n == mine.length) {
                                            mine = Arrays.copyOf(mine, n * 2);
                                        }
                                        mine[n++] = after - now;
                                        now = after;
                                    }
                                    finished[id] = now;
                                } catch (Throwable e) {
                                    failure.compareAndSet(null, e);
                                }
                                lat[id] = Arrays.copyOf(mine, n);
                                counts[id] = n;
                            },
                            "bench-client-" + t);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        ready.await();
        start[0] = System.nanoTime();
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a client failed", failure.get());
        }
        long end = Arrays.stream(finished).max().orElse(start[0]);
        long requests = Arrays.stream(counts).asLongStream().sum();
        long[] all = Arrays.stream(lat).flatMapToLong(Arrays::stream).toArray();
        return new Run(requests, end - start[0], all);
    }

    private static double rate(List<Run> runs) {
        long requests = runs.stream().mapToLong(Run::requests).sum();
        long nanos = runs.stream().mapToLong(Run::nanos).sum();
        return requests / (nanos / 1e9);
    }

    private static long[] latencies(List<Run> runs) {
        long[] all = runs.stream().flatMapToLong(r -> Arrays.stream(r.latencies())).toArray();
        Arrays.sort(all);
        return all;
    }

    /** Nearest-rank percentile of sorted values. */
    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e4) / 100.0;
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
