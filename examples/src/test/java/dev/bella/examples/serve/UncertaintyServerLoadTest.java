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

import java.net.Socket;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Load with slow clients over loopback: {@value #THREADS} threads x {@value #PER_THREAD} prediction
 * requests (keep-alive, 1 to 4 digits each) to 2 workers while {@value #STALLED} clients hold
 * connections open after sending one byte. Every request must be answered 200, {@code /health} must
 * answer within a second throughout, and memory outside the heap must grow by less than {@value
 * #OFF_HEAP_BOUND_MIB} MiB. Bounded: 4,000 requests, each with a 10 s timeout, the whole load with
 * a 2-minute one. Prints the figures docs/serving.md quotes.
 */
class UncertaintyServerLoadTest {

    private static final int THREADS = 8;
    private static final int PER_THREAD = 500;
    private static final int STALLED = 32;
    private static final long OFF_HEAP_BOUND_MIB = 64;

    @Test
    void eightThreadsTimesFiveHundredRequestsAreAllAnsweredWhileThirtyTwoClientsStall()
            throws Exception {
        try (LoopbackService service = new LoopbackService(2)) {
            // warm-up: the C allocator's per-thread arenas fill over the first few thousand
            // requests (see UncertaintyServerMemoryTest)
            assertThat(service.drive(THREADS, 250, false)).isEmpty();
            long rssBefore = LoopbackService.settledRssKiB();
            long heapBefore = LoopbackService.heapCommittedKiB();
            long servedBefore = service.server.getServedCount();
            List<Socket> stalled = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                for (int i = 0; i < STALLED; i++) {
                    Socket s = RawHttp.connect(service.server.getUri(), 5_000);
                    s.getOutputStream().write('P');
                    stalled.add(s);
                }
                long start = System.nanoTime();
                List<Future<long[]>> results = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    results.add(pool.submit(() -> run(service, thread)));
                }
                double slowestHealth = 0;
                while (!results.stream().allMatch(Future::isDone)) {
                    long h = System.nanoTime();
                    RawHttp.Response r =
                            RawHttp.exchange(
                                    service.server.getUri(),
                                    "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                    1_000);
                    assertThat(r.status()).isEqualTo(200);
                    slowestHealth = Math.max(slowestHealth, (System.nanoTime() - h) / 1e6);
                    Thread.sleep(100);
                }
                long[] latencies = new long[0];
                for (Future<long[]> f : results) {
                    long[] l = f.get(120, TimeUnit.SECONDS);
                    int n = latencies.length;
                    latencies = Arrays.copyOf(latencies, n + l.length);
                    System.arraycopy(l, 0, latencies, n, l.length);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                long failures = Arrays.stream(latencies).filter(l -> l < 0).count();
                long[] ok = Arrays.stream(latencies).filter(l -> l >= 0).sorted().toArray();
                long rssAfter = LoopbackService.settledRssKiB();
                long heapAfter = LoopbackService.heapCommittedKiB();
                long offHeapGrowth = (rssAfter - heapAfter) - (rssBefore - heapBefore);
                System.out.printf(
                        Locale.ROOT,
                        "serve load: %d requests from %d threads with %d stalled clients in %.2f s"
                                + " (%.0f requests/s), %d failures; latency p50 %.2f ms, p99 %.2f"
                                + " ms, max %.2f ms; slowest /health %.1f ms; VmRSS %+d KiB,"
                                + " outside the heap %+d KiB%n",
                        latencies.length,
                        THREADS,
                        STALLED,
                        seconds,
                        latencies.length / seconds,
                        failures,
                        ok[ok.length / 2] / 1e6,
                        ok[(int) (ok.length * 0.99)] / 1e6,
                        ok[ok.length - 1] / 1e6,
                        slowestHealth,
                        rssAfter - rssBefore,
                        offHeapGrowth);
                assertThat(failures).isZero();
                assertThat(latencies).hasSize(THREADS * PER_THREAD);
                assertThat(service.server.getServedCount() - servedBefore)
                        .isEqualTo(THREADS * PER_THREAD);
                assertThat(slowestHealth).isLessThan(1_000);
                assertThat(offHeapGrowth).isLessThan(OFF_HEAP_BOUND_MIB * 1024);
            } finally {
                pool.shutdownNow();
                for (Socket s : stalled) {
                    s.close();
                }
            }
        }
    }

    /** One thread's requests; each entry its latency in ns, or -1 for a failure. */
    private static long[] run(LoopbackService service, int thread) throws Exception {
        long[] latencies = new long[PER_THREAD];
        for (int r = 0; r < PER_THREAD; r++) {
            long start = System.nanoTime();
            HttpResponse<String> response =
                    service.postJson(LoopbackService.inputs(service.request(thread, r)));
            latencies[r] = response.statusCode() == 200 ? System.nanoTime() - start : -1;
        }
        return latencies;
    }
}
