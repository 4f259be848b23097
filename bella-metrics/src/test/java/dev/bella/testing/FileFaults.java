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
package dev.bella.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The fault suite's toolkit (shared through bella-metrics' test jar): seeded mutations of a valid
 * file (truncations, byte flips, lying sizes, header mutations, garbage) and a check that a reader
 * given one fails cleanly: with a documented exception type, a bounded message, a bounded
 * allocation on the Java heap and within a time limit.
 *
 * <p>This is property-based testing without a library: each property runs over a fixed number of
 * cases drawn from a seed, and a failure names the seed and the case so that it can be replayed.
 */
public final class FileFaults {

    /** The longest message a clean failure may carry. */
    public static final int MAX_MESSAGE = 2_000;

    private FileFaults() {}

    /**
     * One mutated file.
     *
     * @param name what was done, e.g. {@code "truncate to 17 bytes"}
     * @param bytes the mutated content
     */
    public record Mutation(String name, byte[] bytes) {
        @Override
        public String toString() {
            return name + " (" + bytes.length + " bytes)";
        }
    }

    /**
     * Draws {@code count} mutations of a valid file from a seed: truncations, single and multiple
     * byte flips, 8-byte little-endian "sizes" of 2^31 - 3 to 2^62 written over the first 8 bytes
     * (a safetensors or length-prefixed header) or at a random offset, zeroed blocks, duplicated
     * and appended garbage.
     *
     * @param valid the valid file
     * @param seed the seed
     * @param count how many mutations
     * @return the mutations, each named
     */
    public static List<Mutation> mutations(byte[] valid, long seed, int count) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Mutation> out = new ArrayList<>(count);
        long[] lies = {(1L << 31) - 3, 1L << 32, 5_000_000_384L, 1L << 40, 1L << 62, -1L};
        for (int k = 0; k < count; k++) {
            byte[] b = valid.clone();
            int kind = k % 7;
            String name;
            switch (kind) {
                case 0 -> {
                    int len = rng.nextInt(Math.max(1, valid.length));
                    b = Arrays.copyOf(valid, len);
                    name = "truncate to " + len + " bytes";
                }
                case 1 -> {
                    int at = rng.nextInt(b.length);
                    b[at] ^= (byte) (1 + rng.nextInt(255));
                    name = "flip byte " + at;
                }
                case 2 -> {
                    int flips = 2 + rng.nextInt(16);
                    for (int i = 0; i < flips; i++) {
                        b[rng.nextInt(b.length)] = (byte) rng.nextInt(256);
                    }
                    name = flips + " random bytes";
                }
                case 3 -> {
                    long lie = lies[rng.nextInt(lies.length)];
                    writeLong(b, 0, lie);
                    name = "first 8 bytes = " + lie;
                }
                case 4 -> {
                    long lie = lies[rng.nextInt(lies.length)];
                    int at = rng.nextInt(Math.max(1, b.length - 8));
                    writeLong(b, at, lie);
                    name = "8 bytes at " + at + " = " + lie;
                }
                case 5 -> {
                    int at = rng.nextInt(b.length);
                    int len = Math.min(b.length - at, 1 + rng.nextInt(64));
                    Arrays.fill(b, at, at + len, (byte) 0);
                    name = "zero " + len + " bytes at " + at;
                }
                default -> {
                    int extra = 1 + rng.nextInt(256);
                    byte[] tail = new byte[extra];
                    for (int i = 0; i < extra; i++) {
                        tail[i] = (byte) rng.nextInt(256);
                    }
                    b = Arrays.copyOf(valid, valid.length + extra);
                    System.arraycopy(tail, 0, b, valid.length, extra);
                    name = "append " + extra + " random bytes";
                }
            }
            out.add(new Mutation(name, b));
        }
        return out;
    }

    private static void writeLong(byte[] b, int at, long v) {
        if (b.length < at + 8) {
            return;
        }
        ByteBuffer.wrap(b, at, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
    }

    /**
     * What a reader did with one input.
     *
     * @param thrown the exception, or {@code null} if the reader accepted the input
     * @param allocatedBytes bytes the reader allocated on the Java heap (its thread only)
     * @param millis wall time
     */
    public record Outcome(Throwable thrown, long allocatedBytes, long millis) {}

    /**
     * Runs a reader on its own thread and measures it; a reader still running after {@code timeout}
     * fails the test (a hang), as does an {@link Error} such as {@link OutOfMemoryError}.
     *
     * @param caseName names the case in failures
     * @param reader the reader
     * @param timeout the time limit
     * @return the outcome
     */
    public static Outcome run(String caseName, Callable<?> reader, Duration timeout) {
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            Future<Outcome> f =
                    one.submit(
                            () -> {
                                com.sun.management.ThreadMXBean mx =
                                        (com.sun.management.ThreadMXBean)
                                                ManagementFactory.getThreadMXBean();
                                long id = Thread.currentThread().getId();
                                long before = mx.getThreadAllocatedBytes(id);
                                long t0 = System.nanoTime();
                                Throwable thrown = null;
                                try {
                                    reader.call();
                                } catch (Exception e) {
                                    thrown = e;
                                }
                                return new Outcome(
                                        thrown,
                                        mx.getThreadAllocatedBytes(id) - before,
                                        (System.nanoTime() - t0) / 1_000_000);
                            });
            try {
                return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                f.cancel(true);
                return fail("%s: no answer after %s (a hang)", caseName, timeout);
            } catch (java.util.concurrent.ExecutionException e) {
                return fail("%s: the reader threw an Error: %s", caseName, e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return fail("%s: interrupted", caseName);
            }
        } finally {
            one.shutdownNow();
        }
    }

    /**
     * Asserts that a reader fails cleanly on a hostile input, or accepts it: if it throws, the type
     * is one of {@code allowed}, the message is non-empty and at most {@link #MAX_MESSAGE}
     * characters; either way it allocates at most {@code maxAllocatedBytes} on the Java heap.
     *
     * @param caseName names the case (seed and mutation) in failures
     * @param reader the reader
     * @param timeout the time limit
     * @param maxAllocatedBytes the allocation bound
     * @param allowed the documented exception types
     * @return the outcome, for further checks
     */
    @SafeVarargs
    public static Outcome assertCleanFailureOrSuccess(
            String caseName,
            Callable<?> reader,
            Duration timeout,
            long maxAllocatedBytes,
            Class<? extends Exception>... allowed) {
        Outcome o = run(caseName, reader, timeout);
        if (o.thrown() != null) {
            Throwable t = o.thrown();
            boolean documented = false;
            for (Class<? extends Exception> c : allowed) {
                documented |= c.isInstance(t);
            }
            if (!documented) {
                throw new AssertionError(
                        caseName + ": undocumented exception " + t.getClass().getName(), t);
            }
            assertThat(t.getMessage()).as("%s: message", caseName).isNotBlank();
            assertThat(t.getMessage().length())
                    .as("%s: message length of %s", caseName, t.getClass().getSimpleName())
                    .isLessThanOrEqualTo(MAX_MESSAGE);
        }
        assertThat(o.allocatedBytes())
                .as("%s: bytes allocated on the Java heap", caseName)
                .isLessThanOrEqualTo(maxAllocatedBytes);
        return o;
    }
}
