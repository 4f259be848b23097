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
package dev.bella.core.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Prediction;
import dev.bella.core.posterior.Provenance;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link CoalescingPredictor}: the answers are the plain predictor's, concurrent requests share
 * batches, and a bad input, a failed batch, a full queue and a close each fail whom they should.
 * Nothing here is timed: a test posterior holds the worker inside a batch while the test queues
 * requests behind it, and waits are bounded only by generous timeouts.
 */
class CoalescingPredictorTest {

    private static final int FEATURES = 16;
    private static final int CLASSES = 5;
    private static final int PARTICLES = 5;
    private static final long TIMEOUT_S = 30;

    private static NDManager manager;
    private static ParticleBlock particles;

    @BeforeAll
    static void wrap() {
        manager = NDManager.newBaseManager();
        particles = ServeFixtures.particles(manager, FEATURES, CLASSES, PARTICLES);
    }

    @AfterAll
    static void close() {
        particles.close();
        manager.close();
    }

    private static float[][] inputs(int count, long seed) {
        return ServeFixtures.inputs(count, FEATURES, seed);
    }

    private static UncertaintyPredictor predictor(Posterior posterior, int maxBatch) {
        return UncertaintyPredictor.builder(posterior, new Shape(FEATURES))
                .optMaxBatch(maxBatch)
                .optInputRange(-100, 100)
                .build();
    }

    private static void assertClose(Prediction got, Prediction expected) {
        assertThat(got.predicted()).isEqualTo(expected.predicted());
        assertThat(got.probabilities()).containsExactly(expected.probabilities(), within(1e-6));
        assertThat(got.entropy()).isCloseTo(expected.entropy(), within(1e-6));
        assertThat(got.aleatoric()).isCloseTo(expected.aleatoric(), within(1e-6));
        assertThat(got.mutualInformation()).isCloseTo(expected.mutualInformation(), within(1e-6));
    }

    private static Throwable failureOf(CompletableFuture<Prediction> f) throws Exception {
        try {
            f.get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the future completed normally");
    }

    @Test
    void sixteenThreadsGetThePlainPredictorsAnswerForTheirOwnInput() throws Exception {
        float[][] x = inputs(24, 1);
        RecordingPosterior recording = new RecordingPosterior(ParticlePosterior.of(particles));
        try (UncertaintyPredictor plain = predictor(ParticlePosterior.of(particles), 8);
                UncertaintyPredictor predictor = predictor(recording, 8);
                CoalescingPredictor coalescer =
                        CoalescingPredictor.builder(predictor)
                                .optMaxWait(Duration.ofMillis(5))
                                .build()) {
            List<Prediction> expected = new ArrayList<>();
            for (float[] row : x) {
                expected.add(plain.predict(row));
            }
            int threads = 16;
            int calls = 40;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    results.add(
                            pool.submit(
                                    () -> {
                                        int answered = 0;
                                        for (int call = 0; call < calls; call++) {
                                            int k = (thread * 7 + call * 5) % x.length;
                                            Prediction p = coalescer.predict(x[k]);
                                            assertClose(p, expected.get(k));
                                            answered++;
                                        }
                                        return answered;
                                    }));
                }
                for (Future<Integer> f : results) {
                    assertThat(f.get(120, TimeUnit.SECONDS)).isEqualTo(calls);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(coalescer.getBatchedCount()).isEqualTo((long) threads * calls);
            assertThat(coalescer.getPendingCount()).isZero();
            assertThat(recording.sizes().stream().mapToInt(Integer::intValue).sum())
                    .isEqualTo(threads * calls);
            assertThat(recording.sizes()).allSatisfy(b -> assertThat(b).isBetween(1, 8));
        }
    }

    @Test
    void requestsQueuedBehindARunningBatchRunTogetherInBatchesOfAtMostMaxBatch() throws Exception {
        float[][] x = inputs(12, 2);
        RecordingPosterior recording = new RecordingPosterior(ParticlePosterior.of(particles));
        try (UncertaintyPredictor plain = predictor(ParticlePosterior.of(particles), 64);
                UncertaintyPredictor predictor = predictor(recording, 64);
                CoalescingPredictor coalescer =
                        CoalescingPredictor.builder(predictor)
                                .optWorkers(1) // the batches below are one worker's
                                .optMaxWait(Duration.ofMillis(100))
                                .optMaxBatch(5)
                                .build()) {
            assertThat(coalescer.getMaxBatch()).isEqualTo(5);
            recording.hold = true;
            CompletableFuture<Prediction> first = coalescer.submit(x[0]);
            recording.awaitEntered();
            recording.hold = false;
            List<CompletableFuture<Prediction>> rest = new ArrayList<>();
            for (int k = 1; k < x.length; k++) {
                rest.add(coalescer.submit(x[k]));
            }
            assertThat(coalescer.getPendingCount()).isEqualTo(12);
            recording.release();
            assertClose(first.get(TIMEOUT_S, TimeUnit.SECONDS), plain.predict(x[0]));
            for (int k = 1; k < x.length; k++) {
                assertClose(rest.get(k - 1).get(TIMEOUT_S, TimeUnit.SECONDS), plain.predict(x[k]));
            }
            // the lone first request, then the eleven queued behind it, five at a time
            assertThat(recording.sizes()).containsExactly(1, 5, 5, 1);
            assertThat(coalescer.getBatchCount()).isEqualTo(4);
            assertThat(coalescer.getPendingCount()).isZero();
        }
    }

    @Test
    void concurrentSubmittersShareBatchesOfAtMostMaxBatch() throws Exception {
        float[][] x = inputs(4, 3);
        RecordingPosterior recording = new RecordingPosterior(ParticlePosterior.of(particles));
        int submitters = 12;
        int maxBatch = 4;
        try (UncertaintyPredictor predictor = predictor(recording, 64);
                CoalescingPredictor coalescer =
                        CoalescingPredictor.builder(predictor)
                                .optWorkers(1) // the batches below are one worker's
                                .optMaxWait(Duration.ofMillis(500))
                                .optMaxBatch(maxBatch)
                                .build()) {
            ExecutorService pool = Executors.newFixedThreadPool(submitters);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Prediction>> answers = new ArrayList<>();
                for (int t = 0; t < submitters; t++) {
                    int thread = t;
                    answers.add(
                            pool.submit(
                                    () -> {
                                        start.await();
                                        Prediction last = null;
                                        for (int call = 0; call < 5; call++) {
                                            last = coalescer.predict(x[(thread + call) % 4]);
                                        }
                                        return last;
                                    }));
                }
                start.countDown();
                for (Future<Prediction> f : answers) {
                    assertThat(f.get(120, TimeUnit.SECONDS).classCount()).isEqualTo(CLASSES);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(recording.sizes()).allSatisfy(b -> assertThat(b).isBetween(1, maxBatch));
            assertThat(recording.sizes()).anySatisfy(b -> assertThat(b).isGreaterThan(1));
            assertThat(recording.sizes().stream().mapToInt(Integer::intValue).sum())
                    .isEqualTo(submitters * 5);
        }
    }

    @Test
    void aLoneRequestRunsWithoutWaitingForAFullBatch() throws Exception {
        RecordingPosterior recording = new RecordingPosterior(ParticlePosterior.of(particles));
        try (UncertaintyPredictor predictor = predictor(recording, 64);
                CoalescingPredictor coalescer =
                        CoalescingPredictor.builder(predictor)
                                .optWorkers(1) // the batches below are one worker's
                                .optMaxWait(Duration.ofMillis(200))
                                .build()) {
            assertThat(coalescer.getMaxBatch()).isEqualTo(64);
            // maxBatch = 64 inputs never arrive: the request runs once maxWait has passed
            Prediction p = coalescer.submit(inputs(1, 4)[0]).get(5, TimeUnit.SECONDS);
            assertThat(p.classCount()).isEqualTo(CLASSES);
            assertThat(recording.sizes()).containsExactly(1);
        }
    }

    @Test
    void aBadInputFailsOnlyItsCallerAndNeverJoinsABatch() throws Exception {
        float[][] x = inputs(2, 5);
        RecordingPosterior recording = new RecordingPosterior(ParticlePosterior.of(particles));
        try (UncertaintyPredictor plain = predictor(ParticlePosterior.of(particles), 64);
                UncertaintyPredictor predictor = predictor(recording, 64);
                CoalescingPredictor coalescer =
                        CoalescingPredictor.builder(predictor)
                                .optWorkers(1) // the batches below are one worker's
                                .optMaxWait(Duration.ofMillis(100))
                                .build()) {
            recording.hold = true;
            CompletableFuture<Prediction> first = coalescer.submit(x[0]);
            recording.awaitEntered();
            recording.hold = false;
            float[] nan = x[1].clone();
            nan[3] = Float.NaN;
            float[] far = x[1].clone();
            far[7] = 1000;
            CompletableFuture<Prediction> before = coalescer.submit(x[1]);
            assertThatThrownBy(() -> coalescer.submit(nan))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("input[3] = NaN");
            assertThatThrownBy(() -> coalescer.predict(far))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("input[7] = 1000.0 is outside the accepted range");
            assertThatThrownBy(() -> coalescer.submit(new float[3]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("input has 3 values, expected 16");
            assertThatThrownBy(() -> coalescer.submit(null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("input is null");
            CompletableFuture<Prediction> after = coalescer.submit(x[0]);
            assertThat(coalescer.getPendingCount()).isEqualTo(3);
            recording.release();
            assertClose(first.get(TIMEOUT_S, TimeUnit.SECONDS), plain.predict(x[0]));
            assertClose(before.get(TIMEOUT_S, TimeUnit.SECONDS), plain.predict(x[1]));
            assertClose(after.get(TIMEOUT_S, TimeUnit.SECONDS), plain.predict(x[0]));
            assertThat(recording.sizes()).containsExactly(1, 2);
        }
    }

    @Test
    void aFailedBatchFailsEveryCallerInItAndTheNextBatchRuns() throws Exception {
        float[][] x = inputs(4, 6);
        RecordingPosterior recording = new RecordingPosterior(ParticlePosterior.of(particles));
        try (UncertaintyPredictor predictor = predictor(recording, 64);
                CoalescingPredictor coalescer =
                        CoalescingPredictor.builder(predictor)
                                .optWorkers(1) // the batches below are one worker's
                                .optMaxWait(Duration.ofMillis(100))
                                .build()) {
            recording.hold = true;
            CompletableFuture<Prediction> first = coalescer.submit(x[0]);
            recording.awaitEntered();
            recording.hold = false;
            List<CompletableFuture<Prediction>> doomed = new ArrayList<>();
            for (int k = 1; k < 4; k++) {
                doomed.add(coalescer.submit(x[k]));
            }
            IllegalStateException boom = new IllegalStateException("the model broke");
            recording.failAfterRelease = boom;
            recording.release();
            assertThat(first.get(TIMEOUT_S, TimeUnit.SECONDS).classCount()).isEqualTo(CLASSES);
            for (CompletableFuture<Prediction> f : doomed) {
                assertThat(failureOf(f)).isSameAs(boom);
            }
            assertThat(recording.sizes()).containsExactly(1, 3);
            recording.failAfterRelease = null;
            // the worker survived the failure
            assertThat(coalescer.predict(x[1]).classCount()).isEqualTo(CLASSES);
            assertThat(coalescer.getPendingCount()).isZero();
        }
    }

    @Test
    void aFullQueueRejectsAtOnceUntilRequestsAreAnswered() throws Exception {
        float[][] x = inputs(4, 7);
        RecordingPosterior recording = new RecordingPosterior(ParticlePosterior.of(particles));
        try (UncertaintyPredictor predictor = predictor(recording, 64);
                CoalescingPredictor coalescer =
                        CoalescingPredictor.builder(predictor)
                                .optWorkers(1) // the batches below are one worker's
                                .optMaxWait(Duration.ofMillis(50))
                                .optQueueCapacity(3)
                                .build()) {
            recording.hold = true;
            CompletableFuture<Prediction> running = coalescer.submit(x[0]);
            recording.awaitEntered();
            recording.hold = false;
            CompletableFuture<Prediction> queued1 = coalescer.submit(x[1]);
            CompletableFuture<Prediction> queued2 = coalescer.submit(x[2]);
            assertThatThrownBy(() -> coalescer.submit(x[3]))
                    .isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("full")
                    .hasMessageContaining("3 requests");
            assertThatThrownBy(() -> coalescer.predict(x[3]))
                    .isInstanceOf(RejectedExecutionException.class);
            assertThat(coalescer.getPendingCount()).isEqualTo(3);
            recording.release();
            for (CompletableFuture<Prediction> f : List.of(running, queued1, queued2)) {
                assertThat(f.get(TIMEOUT_S, TimeUnit.SECONDS).classCount()).isEqualTo(CLASSES);
            }
            // answered requests free their places
            assertThat(coalescer.predict(x[3]).classCount()).isEqualTo(CLASSES);
            assertThat(coalescer.getPendingCount()).isZero();
        }
    }

    @Test
    void closeLetsTheRunningBatchFinishAndFailsTheQueuedRequests() throws Exception {
        float[][] x = inputs(3, 8);
        RecordingPosterior recording = new RecordingPosterior(ParticlePosterior.of(particles));
        try (UncertaintyPredictor predictor = predictor(recording, 64)) {
            CoalescingPredictor coalescer =
                    CoalescingPredictor.builder(predictor)
                            .optWorkers(1) // the batches below are one worker's
                            .optMaxWait(Duration.ofMillis(50))
                            .build();
            recording.hold = true;
            CompletableFuture<Prediction> running = coalescer.submit(x[0]);
            recording.awaitEntered();
            recording.hold = false;
            CompletableFuture<Prediction> queued1 = coalescer.submit(x[1]);
            CompletableFuture<Prediction> queued2 = coalescer.submit(x[2]);
            CompletableFuture<Void> closing = CompletableFuture.runAsync(coalescer::close);
            // close() refuses new requests at once, then waits for the batch in progress
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
            while (!coalescer.isClosed() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(coalescer.isClosed()).isTrue();
            assertThat(closing).isNotDone();
            recording.release();
            closing.get(TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(running.get(TIMEOUT_S, TimeUnit.SECONDS).classCount()).isEqualTo(CLASSES);
            for (CompletableFuture<Prediction> f : List.of(queued1, queued2)) {
                assertThat(failureOf(f))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("closed before this request ran");
            }
            assertThat(recording.sizes()).containsExactly(1);
            assertThat(coalescer.getPendingCount()).isZero();
            assertThatThrownBy(() -> coalescer.submit(x[0]))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
            assertThatThrownBy(() -> coalescer.predict(x[0]))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
            coalescer.close(); // idempotent
            // the predictor is not the coalescer's: it still answers
            assertThat(predictor.predict(x[0]).classCount()).isEqualTo(CLASSES);
        }
    }

    /** With two workers a second batch runs while the first is still inside the model. */
    @Test
    void twoWorkersRunTwoBatchesAtOnce() throws Exception {
        float[][] x = inputs(2, 4);
        RecordingPosterior recording = new RecordingPosterior(ParticlePosterior.of(particles));
        try (UncertaintyPredictor plain = predictor(ParticlePosterior.of(particles), 64);
                UncertaintyPredictor predictor = predictor(recording, 64);
                CoalescingPredictor coalescer =
                        CoalescingPredictor.builder(predictor).optWorkers(2).build()) {
            recording.hold = true;
            CompletableFuture<Prediction> first = coalescer.submit(x[0]);
            CompletableFuture<Prediction> second;
            try {
                recording.awaitEntered();
                second = coalescer.submit(x[1]);
                // one worker would still be held in the first batch: this would time out
                recording.awaitEntered();
            } finally {
                // let both batches out, whatever happened, so that closing does not hang
                recording.release();
                recording.release();
            }
            assertClose(first.get(TIMEOUT_S, TimeUnit.SECONDS), plain.predict(x[0]));
            assertClose(second.get(TIMEOUT_S, TimeUnit.SECONDS), plain.predict(x[1]));
            assertThat(recording.sizes()).containsExactly(1, 1);
        }
    }

    @Test
    void closingAnIdleCoalescerEndsItsWorker() throws Exception {
        try (UncertaintyPredictor predictor = predictor(ParticlePosterior.of(particles), 64)) {
            List<String> before = coalescerThreads();
            CoalescingPredictor coalescer = CoalescingPredictor.of(predictor);
            assertThat(coalescerThreads())
                    .hasSize(before.size() + CoalescingPredictor.DEFAULT_WORKERS);
            assertThat(coalescer.predict(inputs(1, 9)[0]).classCount()).isEqualTo(CLASSES);
            CompletableFuture.runAsync(coalescer::close).get(TIMEOUT_S, TimeUnit.SECONDS);
            assertThat(coalescer.isClosed()).isTrue();
            assertThat(coalescerThreads()).containsExactlyInAnyOrderElementsOf(before);
        }
    }

    @Test
    void theBuilderNamesBadValuesAndDefaultsToThePredictorsMaxBatch() {
        try (UncertaintyPredictor predictor = predictor(ParticlePosterior.of(particles), 7);
                CoalescingPredictor coalescer = CoalescingPredictor.of(predictor)) {
            assertThat(coalescer.getPredictor()).isSameAs(predictor);
            assertThat(coalescer.getMaxBatch()).isEqualTo(7);
            assertThat(coalescer.getQueueCapacity()).isEqualTo(28);
            assertThat(coalescer.getMaxWait()).isEqualTo(Duration.ZERO);
            CoalescingPredictor.Builder b = CoalescingPredictor.builder(predictor);
            assertThatThrownBy(() -> b.optMaxWait(Duration.ofMillis(-1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maxWait should be a duration in [0, 10 s]")
                    .hasMessageContaining("PT-0.001S");
            assertThatThrownBy(() -> b.optMaxWait(Duration.ofSeconds(11)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("PT11S");
            assertThatThrownBy(() -> b.optMaxWait(null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maxWait");
            assertThatThrownBy(() -> b.optMaxBatch(0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(
                            "maxBatch should be a positive integer but the value passed is 0");
            assertThatThrownBy(() -> b.optQueueCapacity(-2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(
                            "queueCapacity should be a positive integer but the value passed is"
                                    + " -2");
            assertThatThrownBy(() -> CoalescingPredictor.builder(predictor).optWorkers(0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("workers should be in [1, 64]");
            assertThatThrownBy(() -> CoalescingPredictor.builder(null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("predictor must not be null");
        }
    }

    private static List<String> coalescerThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("bella-coalescer-")) {
                names.add(t.getName());
            }
        }
        return names;
    }

    /**
     * Records the batch size of every {@link #predict} call; on request holds the calling thread
     * inside the call until the test releases it, and fails the calls after a release.
     */
    private static final class RecordingPosterior implements Posterior {
        private final Posterior delegate;
        private final List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
        private final Semaphore entered = new Semaphore(0);
        private final Semaphore gate = new Semaphore(0);
        volatile boolean hold;
        volatile RuntimeException failAfterRelease;

        RecordingPosterior(Posterior delegate) {
            this.delegate = delegate;
        }

        @Override
        public ai.djl.Device getDevice() {
            return delegate.getDevice();
        }

        List<Integer> sizes() {
            synchronized (sizes) {
                return new ArrayList<>(sizes);
            }
        }

        void awaitEntered() throws InterruptedException {
            assertThat(entered.tryAcquire(TIMEOUT_S, TimeUnit.SECONDS))
                    .as("the worker entered the model")
                    .isTrue();
        }

        void release() {
            gate.release();
        }

        @Override
        public List<Prediction> predict(NDList inputs) {
            sizes.add(Math.toIntExact(inputs.get(0).getShape().get(0)));
            if (hold) {
                entered.release();
                gate.acquireUninterruptibly();
                return delegate.predict(inputs);
            }
            RuntimeException failure = failAfterRelease;
            if (failure != null) {
                throw failure;
            }
            return delegate.predict(inputs);
        }

        @Override
        public NDArray sampleProbabilities(NDList inputs) {
            return delegate.sampleProbabilities(inputs);
        }

        @Override
        public NDArray logPredictive(NDList inputs) {
            return delegate.logPredictive(inputs);
        }

        @Override
        public int getSampleCount() {
            return delegate.getSampleCount();
        }

        @Override
        public Provenance getProvenance() {
            return delegate.getProvenance();
        }

        @Override
        public void save(Path dir) {
            throw new UnsupportedOperationException("a test posterior");
        }

        @Override
        public void close() {
            // the particles are the test class's
        }
    }
}
