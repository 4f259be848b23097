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

import dev.bella.core.posterior.Prediction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Coalesces concurrent single-input requests to an {@link UncertaintyPredictor} into batches: one
 * forward pass of all particles answers many callers, which is what a service under load wants (one
 * pass over {@code b} inputs costs far less than {@code b} passes over one).
 *
 * <pre>{@code
 * try (UncertaintyPredictor predictor = UncertaintyPredictor.of(posterior, new Shape(64));
 *         CoalescingPredictor coalescer =
 *                 CoalescingPredictor.builder(predictor)
 *                         .optMaxWait(Duration.ofMillis(1))   // default 0: no waiting
 *                         .optMaxBatch(64)                    // default: predictor.getMaxBatch()
 *                         .build()) {
 *     Prediction p = coalescer.predict(pixels);               // blocks; from any thread
 *     CompletableFuture<Prediction> f = coalescer.submit(pixels);
 * }
 * }</pre>
 *
 * <p><b>Batching.</b> A worker thread ({@link Builder#optWorkers one by default}) takes the oldest
 * queued request, then waits at most {@link Builder#optMaxWait maxWait} for more, up to {@link
 * Builder#optMaxBatch maxBatch} inputs, and runs them as one batch with {@link
 * UncertaintyPredictor#predict(float[][])}. A lone request therefore waits at most {@code maxWait}
 * before it runs, never for a full batch; under load, requests that arrive while a batch runs are
 * taken together as the next one without waiting. The default wait is zero: a batch is whatever
 * queued while the previous one ran. That is what pays off when clients wait for their answer
 * before they send again (see {@code docs/benchmarks.md}: on a 0.25 ms model a 2 ms wait cut the
 * throughput of one to four such clients four- to eightfold); a wait helps where independent
 * requests trickle in and one pass costs much more than the wait. Each caller gets its own input's
 * prediction. The numbers are those of the predictor on the batch the request ran in: equal to a
 * lone {@code predict(float[])} up to float rounding (GEMM rounding depends on the batch size;
 * tested to 1e-6), not always to the last bit.
 *
 * <p><b>Failures.</b> An input is validated before it is queued, with {@link
 * UncertaintyPredictor#validate} (the predictor's own checks): a bad input fails only its caller,
 * at once, with {@link IllegalArgumentException}, and never joins a batch. If a batch fails (the
 * model produced non-finite logits, the predictor was closed, ...), every caller in it gets that
 * exception. At most {@link Builder#optQueueCapacity queueCapacity} requests may be accepted and
 * not yet answered (queued or in the running batch); beyond that {@link #submit} fails fast with
 * {@link RejectedExecutionException}, so a service can answer 503 instead of queueing without
 * bound.
 *
 * <p><b>Thread safety.</b> Any number of threads may call {@link #predict} and {@link #submit} at
 * once, and {@link #close} at any time. Only the worker threads call the predictor (which is
 * thread-safe). Futures are completed on the worker thread: do not run long work in their dependent
 * stages ({@code thenApply} ...) without an executor, or it delays the next batch.
 *
 * <p><b>Memory.</b> The queue holds references to the callers' inputs (not copies: do not change an
 * input before its future completes), at most {@code queueCapacity} of them. A batch is copied into
 * one {@code float[maxBatch][]} array of references, and the predictor bounds the native memory of
 * its pass by its own {@code maxBatch}. Nothing else is kept between batches.
 *
 * <p>The coalescer does not own the predictor: {@link #close} stops the worker and fails queued
 * requests, but never closes the predictor; close the coalescer first.
 */
public final class CoalescingPredictor implements AutoCloseable {

    /**
     * Default longest wait for more requests after the first of a batch: zero, a batch is what
     * queued while the previous one ran.
     */
    public static final Duration DEFAULT_MAX_WAIT = Duration.ZERO;

    /** Longest accepted {@code maxWait}: 10 s. */
    public static final Duration MAX_MAX_WAIT = Duration.ofSeconds(10);

    private static final AtomicInteger IDS = new AtomicInteger();

    /**
     * Default number of worker threads: {@value}, the best of 1 to 4 on the 2-core machine of
     * {@code docs/benchmarks.md} at every client count but two.
     */
    public static final int DEFAULT_WORKERS = 2;

    /** Queued by {@link #close} to wake the workers; never run. */
    private static final Request WAKE_UP = new Request(null);

    private final UncertaintyPredictor predictor;
    private final Duration maxWait;
    private final long maxWaitNanos;
    private final int maxBatch;
    private final int queueCapacity;
    private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong predictions = new AtomicLong();
    private final List<Thread> workers;
    private volatile boolean closed;

    private CoalescingPredictor(Builder b) {
        this.predictor = b.predictor;
        this.maxWait = b.maxWait;
        this.maxWaitNanos = b.maxWait.toNanos();
        this.maxBatch = b.maxBatch > 0 ? b.maxBatch : b.predictor.getMaxBatch();
        this.queueCapacity = b.queueCapacity > 0 ? b.queueCapacity : 4 * maxBatch;
        long id = IDS.incrementAndGet();
        List<Thread> made = new ArrayList<>(b.workers);
        for (int w = 0; w < b.workers; w++) {
            Thread t = new Thread(this::work, "bella-coalescer-" + id + "-" + w);
            t.setDaemon(true);
            made.add(t);
        }
        this.workers = List.copyOf(made);
        workers.forEach(Thread::start);
    }

    /**
     * Starts a builder.
     *
     * @param predictor the predictor whose {@code predict(float[][])} runs the batches (not owned)
     * @return a builder
     */
    public static Builder builder(UncertaintyPredictor predictor) {
        return new Builder(predictor);
    }

    /**
     * A coalescer with the default settings: no waiting ({@link #DEFAULT_MAX_WAIT}), batches of at
     * most the predictor's {@code maxBatch}, at most 4 x maxBatch requests accepted.
     *
     * @param predictor the predictor (not owned)
     * @return the coalescer, its worker started
     */
    public static CoalescingPredictor of(UncertaintyPredictor predictor) {
        return builder(predictor).build();
    }

    /**
     * Predicts one input in a coalesced batch, blocking until its prediction is ready.
     *
     * @param input {@code inputShape.size()} finite values, row-major
     * @return the prediction of all particles
     * @throws IllegalArgumentException if the input is bad (named {@code input[j]}, as by the
     *     predictor)
     * @throws RejectedExecutionException if {@code queueCapacity} requests are waiting or running
     * @throws IllegalStateException if the coalescer is closed or closes before the request ran, or
     *     the calling thread is interrupted while waiting (the request is then cancelled)
     * @throws RuntimeException whatever the predictor threw for the request's batch, as is (for
     *     example {@link IllegalStateException} for non-finite logits or a closed predictor)
     */
    public Prediction predict(float[] input) {
        CompletableFuture<Prediction> f = submit(input);
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(false);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the prediction", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new CompletionException(cause);
        }
    }

    /**
     * Queues one input for the next batch and returns at once.
     *
     * <p>The future completes with the input's prediction, or exceptionally with the exception of
     * its batch, or with {@link IllegalStateException} if the coalescer closes before the request
     * ran. Cancelling the future before its batch starts removes the request from that batch.
     *
     * @param input {@code inputShape.size()} finite values, row-major; not copied, do not change it
     *     until the future completes
     * @return the future prediction
     * @throws IllegalArgumentException if the input is bad (named {@code input[j]}, as by the
     *     predictor); nothing is queued
     * @throws RejectedExecutionException if {@code queueCapacity} requests are waiting or running
     * @throws IllegalStateException if the coalescer is closed
     */
    public CompletableFuture<Prediction> submit(float[] input) {
        checkOpen();
        predictor.validate(input, "input");
        if (pending.incrementAndGet() > queueCapacity) {
            pending.decrementAndGet();
            throw new RejectedExecutionException(
                    "the CoalescingPredictor is full: "
                            + queueCapacity
                            + " requests (its queueCapacity) are waiting or running; retry later"
                            + " or raise queueCapacity");
        }
        Request r = new Request(input);
        queue.add(r);
        // close() may have drained the queue between checkOpen() and add(): take it back
        if (closed && queue.remove(r)) {
            fail(r, closedException());
        }
        return r.future;
    }

    /**
     * Returns the predictor the batches run on (not owned).
     *
     * @return the predictor
     */
    public UncertaintyPredictor getPredictor() {
        return predictor;
    }

    /**
     * Returns the longest wait for more requests after the first of a batch.
     *
     * @return maxWait
     */
    public Duration getMaxWait() {
        return maxWait;
    }

    /**
     * Returns the largest number of inputs in one batch.
     *
     * @return maxBatch
     */
    public int getMaxBatch() {
        return maxBatch;
    }

    /**
     * Returns the most requests that may be accepted and not yet answered.
     *
     * @return queueCapacity
     */
    public int getQueueCapacity() {
        return queueCapacity;
    }

    /**
     * Returns how many requests are accepted and not yet answered (queued or in the running batch).
     *
     * @return the count, at most {@code queueCapacity}
     */
    public int getPendingCount() {
        return pending.get();
    }

    /**
     * Returns how many batches have run (successfully or not).
     *
     * @return the count
     */
    public long getBatchCount() {
        return batches.get();
    }

    /**
     * Returns how many requests have run in batches; divided by {@link #getBatchCount()}, the mean
     * batch size.
     *
     * @return the count
     */
    public long getBatchedCount() {
        return predictions.get();
    }

    /**
     * Returns whether {@link #close} has been called (new requests are refused from then on).
     *
     * @return whether the coalescer is closed or closing
     */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Stops the worker: requests still queued fail with {@link IllegalStateException}, a batch
     * already running finishes (its callers get their answers) and this method waits for it; later
     * calls to {@link #submit} throw {@link IllegalStateException}. The predictor is not closed.
     * Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (int w = 0; w < workers.size(); w++) {
            queue.add(WAKE_UP);
        }
        if (workers.contains(Thread.currentThread())) {
            // closed from a future's stage on the worker: it stops after this batch and fails the
            // queue itself
            return;
        }
        boolean interrupted = false;
        for (Thread worker : workers) {
            while (worker.isAlive()) {
                try {
                    worker.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        failQueued();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private static IllegalStateException closedException() {
        return new IllegalStateException("this CoalescingPredictor is closed");
    }

    private static IllegalStateException closedBeforeRun() {
        return new IllegalStateException(
                "the CoalescingPredictor was closed before this request ran");
    }

    private void failQueued() {
        IllegalStateException e = closedBeforeRun();
        for (Request r; (r = queue.poll()) != null; ) {
            fail(r, e);
        }
    }

    private void fail(Request r, Throwable e) {
        if (r == WAKE_UP) {
            return;
        }
        pending.decrementAndGet();
        r.future.completeExceptionally(e);
    }

    /** The worker: takes a first request, gathers more for at most maxWait, runs the batch. */
    private void work() {
        List<Request> batch = new ArrayList<>(maxBatch);
        try {
            while (true) {
                // A bounded poll, not take(): with several workers one may drain another's
                // WAKE_UP, and the others then see the closed flag within this interval.
                Request first = queue.poll(50, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (closed) {
                        break;
                    }
                    continue;
                }
                if (first != WAKE_UP) {
                    batch.add(first);
                }
                long deadline = System.nanoTime() + maxWaitNanos;
                while (!closed && batch.size() < maxBatch) {
                    if (queue.drainTo(batch, maxBatch - batch.size()) > 0) {
                        continue;
                    }
                    long left = deadline - System.nanoTime();
                    Request next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
                    if (next == null || next == WAKE_UP) {
                        break;
                    }
                    batch.add(next);
                }
                batch.removeIf(r -> r == WAKE_UP);
                if (closed) {
                    break;
                }
                run(batch);
                batch.clear();
            }
        } catch (InterruptedException e) {
            // nobody should interrupt the worker; if someone does, it stops, and so must submit
            closed = true;
        }
        // closing: what was gathered but did not run fails like the rest of the queue
        for (Request r : batch) {
            fail(r, closedBeforeRun());
        }
        failQueued();
    }

    private void run(List<Request> batch) {
        // a cancelled request (its caller stopped waiting) does not run
        batch.removeIf(
                r -> {
                    if (r.future.isDone()) {
                        pending.decrementAndGet();
                        return true;
                    }
                    return false;
                });
        if (batch.isEmpty()) {
            return;
        }
        float[][] inputs = new float[batch.size()][];
        for (int k = 0; k < inputs.length; k++) {
            inputs[k] = batch.get(k).input;
        }
        batches.incrementAndGet();
        predictions.addAndGet(inputs.length);
        List<Prediction> out;
        try {
            out = predictor.predict(inputs);
            if (out.size() != inputs.length) {
                throw new IllegalStateException(
                        "the predictor returned "
                                + out.size()
                                + " predictions for a batch of "
                                + inputs.length);
            }
        } catch (RuntimeException | Error e) {
            for (Request r : batch) {
                fail(r, e);
            }
            return;
        }
        for (int k = 0; k < inputs.length; k++) {
            // free the slot before answering, so a caller may submit again at once
            pending.decrementAndGet();
            batch.get(k).future.complete(out.get(k));
        }
    }

    /** One caller's input and its future. */
    private static final class Request {
        final float[] input;
        final CompletableFuture<Prediction> future = new CompletableFuture<>();

        Request(float[] input) {
            this.input = input;
        }
    }

    /** Configures a {@link CoalescingPredictor}; every setting is optional. */
    public static final class Builder {
        private final UncertaintyPredictor predictor;
        private Duration maxWait = DEFAULT_MAX_WAIT;
        private int maxBatch;
        private int queueCapacity;
        private int workers = DEFAULT_WORKERS;

        private Builder(UncertaintyPredictor predictor) {
            if (predictor == null) {
                throw new IllegalArgumentException("predictor must not be null");
            }
            this.predictor = predictor;
        }

        /**
         * Sets how long the worker waits for more requests after it took the first of a batch; zero
         * takes only what is already queued. A lone request waits this long before it runs. Default
         * zero ({@link #DEFAULT_MAX_WAIT}).
         *
         * @param maxWait in {@code [0, 10 s]}
         * @return this builder
         */
        public Builder optMaxWait(Duration maxWait) {
            if (maxWait == null || maxWait.isNegative() || maxWait.compareTo(MAX_MAX_WAIT) > 0) {
                throw new IllegalArgumentException(
                        "maxWait should be a duration in [0, 10 s] but the value passed is "
                                + maxWait);
            }
            this.maxWait = maxWait;
            return this;
        }

        /**
         * Sets the largest number of inputs in one batch. Default: the predictor's {@link
         * UncertaintyPredictor#getMaxBatch() maxBatch} (a larger value runs in the predictor's
         * chunks, one after the other).
         *
         * @param maxBatch a positive count
         * @return this builder
         */
        public Builder optMaxBatch(int maxBatch) {
            if (maxBatch <= 0) {
                throw new IllegalArgumentException(
                        "maxBatch should be a positive integer but the value passed is "
                                + maxBatch);
            }
            this.maxBatch = maxBatch;
            return this;
        }

        /**
         * Sets how many requests may be accepted and not yet answered (queued or in the running
         * batch); beyond it {@link #submit} throws {@link RejectedExecutionException}. Default: 4 x
         * maxBatch. Keep it at least maxBatch, or batches can never fill.
         *
         * @param queueCapacity a positive count
         * @return this builder
         */
        public Builder optQueueCapacity(int queueCapacity) {
            if (queueCapacity <= 0) {
                throw new IllegalArgumentException(
                        "queueCapacity should be a positive integer but the value passed is "
                                + queueCapacity);
            }
            this.queueCapacity = queueCapacity;
            return this;
        }

        /**
         * Sets how many worker threads gather and run batches, each one batch at a time. Default 1:
         * every batch runs alone. On a small model with few concurrent callers one worker runs
         * fewer passes at once than the callers would on their own (docs/benchmarks.md measured
         * 0.34-0.55x the plain predictor at 2-4 clients); two workers let two batches run at once.
         *
         * @param workers in {@code [1, 64]}
         * @return this builder
         */
        public Builder optWorkers(int workers) {
            if (workers < 1 || workers > 64) {
                throw new IllegalArgumentException(
                        "workers should be in [1, 64] but the value passed is " + workers);
            }
            this.workers = workers;
            return this;
        }

        /**
         * Builds the coalescer and starts its worker threads (daemons).
         *
         * @return the coalescer; close it to stop the worker
         */
        public CoalescingPredictor build() {
            return new CoalescingPredictor(this);
        }
    }
}
