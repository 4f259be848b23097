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

import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Bounded memory under load: after {@value #WARM_UP} warm-up requests, {@value #MEASURED} more
 * requests from 4 threads leave the native arrays of the model's manager and of the predictor's
 * call manager unchanged and, after System.gc(), grow the process's resident memory outside the
 * Java heap (VmRSS minus the committed heap, read once it has settled) by less than {@value
 * #OFF_HEAP_BOUND_MIB} MiB and VmRSS itself (which includes the collector resizing the heap) by
 * less than {@value #RSS_BOUND_MIB} MiB. Documented in docs/serving.md.
 *
 * <p>Why a warm-up and a bound rather than zero: the C allocator's per-thread arenas (PyTorch's and
 * the JDK's, one set per server and client thread) fill up over the first ~10,000 requests, about
 * 50 MB here, and then stay flat (a 60,000-request run grew by 0.1 MB over its last 30,000). A leak
 * of the forward pass's arrays shows in the exact array counts; the RSS bound catches anything else
 * that grows by more than ~13 KB a request.
 */
class UncertaintyServerMemoryTest {

    private static final int WARM_UP = 4_000;
    private static final int MEASURED = 5_000;
    private static final long OFF_HEAP_BOUND_MIB = 64;
    private static final long RSS_BOUND_MIB = 128;

    @Test
    void fiveThousandRequestsKeepNativeArraysAndResidentMemoryFlat() throws Exception {
        try (LoopbackService service = new LoopbackService(4)) {
            long start = System.nanoTime();
            assertThat(service.drive(4, WARM_UP / 4, false)).isEmpty();
            double warmUpSeconds = (System.nanoTime() - start) / 1e9;
            int modelArrays = service.manager.getManagedArrays().size();
            int callArrays = service.calls.getManagedArrays().size();
            long rssBefore = LoopbackService.settledRssKiB();
            long heapBefore = LoopbackService.heapCommittedKiB();
            start = System.nanoTime();
            assertThat(service.drive(4, MEASURED / 4, false)).isEmpty();
            double seconds = (System.nanoTime() - start) / 1e9;
            long rssAfter = LoopbackService.settledRssKiB();
            long heapAfter = LoopbackService.heapCommittedKiB();
            long offHeapGrowth = (rssAfter - heapAfter) - (rssBefore - heapBefore);
            System.out.printf(
                    Locale.ROOT,
                    "serve: warm-up %d requests in %.2f s; %d requests in %.2f s (%.0f"
                            + " requests/s); VmRSS %d -> %d KiB (%+d KiB), committed heap %d ->"
                            + " %d KiB, outside the heap %+d KiB; native arrays: model %d, calls"
                            + " %d%n",
                    WARM_UP,
                    warmUpSeconds,
                    MEASURED,
                    seconds,
                    MEASURED / seconds,
                    rssBefore,
                    rssAfter,
                    rssAfter - rssBefore,
                    heapBefore,
                    heapAfter,
                    offHeapGrowth,
                    service.manager.getManagedArrays().size(),
                    service.calls.getManagedArrays().size());
            assertThat(service.server.getServedCount()).isEqualTo(WARM_UP + MEASURED);
            assertThat(service.manager.getManagedArrays()).hasSize(modelArrays);
            assertThat(service.calls.getManagedArrays()).hasSize(callArrays).isEmpty();
            assertThat(offHeapGrowth).isLessThan(OFF_HEAP_BOUND_MIB * 1024);
            assertThat(rssAfter - rssBefore).isLessThan(RSS_BOUND_MIB * 1024);
        }
    }
}
