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
package dev.bella.examples.cli;

import ai.djl.metric.Metrics;
import ai.djl.training.Trainer;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A progress display for long training runs, e.g. {@code svgd epoch 3/10 [######..............]
 * 1200/4000 steps 41.3 steps/s ETA 1m08s}: the bar and the step count are over the whole run, the
 * rate is the mean since the first step and the ETA the remaining steps at that rate.
 *
 * <p>On a terminal the line is redrawn in place (a carriage return, at most every {@value
 * #TERMINAL_INTERVAL_MILLIS} ms); elsewhere (a CI log, a file) a plain line is printed at most
 * every {@value #PLAIN_INTERVAL_SECONDS} s, so that a log is not flooded. Either way every epoch
 * ends with a line of its own, with the epoch's training loss when known.
 *
 * <p>The clock is injected, so the arithmetic and the formatting can be tested without waiting. Not
 * thread-safe: one bar per training run.
 */
public final class ProgressBar {

    /** How often a terminal line is redrawn at most, in milliseconds. */
    public static final long TERMINAL_INTERVAL_MILLIS = 200;

    /** How often a plain (non-terminal) progress line is printed at most, in seconds. */
    public static final long PLAIN_INTERVAL_SECONDS = 10;

    private static final int WIDTH = 20;

    private final String name;
    private final int epochs;
    private final PrintWriter out;
    private final boolean terminal;
    private final LongSupplier nanoClock;
    private long start = Long.MIN_VALUE;
    private long lastPrint = Long.MIN_VALUE;
    private int lastLength;
    private int epoch;
    private long stepsPerEpoch;
    private long stepInEpoch;
    private long done;
    private long maxSteps = Long.MAX_VALUE;

    /**
     * Creates a bar.
     *
     * @param name what is being trained, the first word of every line
     * @param epochs the number of epochs of the run
     * @param out where the lines go
     * @param terminal whether {@code out} is a terminal (redraw in place) or a log (plain lines)
     * @param nanoClock the time in nanoseconds, e.g. {@code System::nanoTime}
     */
    public ProgressBar(
            String name, int epochs, PrintWriter out, boolean terminal, LongSupplier nanoClock) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        this.name = Objects.requireNonNull(name, "name");
        this.epochs = epochs;
        this.out = Objects.requireNonNull(out, "out");
        this.terminal = terminal;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /**
     * A bar on standard error, redrawn in place when there is a console ({@code System.console() !=
     * null}).
     *
     * @param name what is being trained
     * @param epochs the number of epochs of the run
     * @return the bar
     */
    public static ProgressBar onStderr(String name, int epochs) {
        return new ProgressBar(
                name,
                epochs,
                new PrintWriter(System.err, true),
                System.console() != null,
                System::nanoTime);
    }

    /**
     * Makes a bar for each training run: what a long-running command hands to the code that trains.
     */
    @FunctionalInterface
    public interface Factory {
        /**
         * Makes a bar.
         *
         * @param name what is being trained
         * @param epochs the number of epochs of the run
         * @return the bar
         */
        ProgressBar create(String name, int epochs);

        /**
         * Bars on standard error ({@link #onStderr}).
         *
         * @return the factory
         */
        static Factory stderr() {
            return ProgressBar::onStderr;
        }

        /**
         * Bars on {@code out}, redrawn in place when there is a console ({@code System.console() !=
         * null}), e.g. a command's {@code getErr()}.
         *
         * @param out where the lines go
         * @return the factory
         */
        static Factory on(PrintWriter out) {
            boolean terminal = System.console() != null;
            return (name, epochs) -> new ProgressBar(name, epochs, out, terminal, System::nanoTime);
        }
    }

    /**
     * Caps the run at this many steps in all (a trainer's {@code optMaxSteps}), when that comes
     * before the last epoch ends.
     *
     * @param steps positive
     * @return this bar
     */
    public ProgressBar withMaxSteps(long steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("max steps must be >= 1, got " + steps);
        }
        this.maxSteps = steps;
        return this;
    }

    /** Starts the clock (else the first {@link #step} does). */
    public void start() {
        if (start == Long.MIN_VALUE) {
            start = nanoClock.getAsLong();
        }
    }

    /**
     * Records one finished step and redraws when due.
     *
     * @param stepsInEpoch how many steps an epoch has, or 0 if unknown; read at an epoch's first
     *     step
     */
    public void step(long stepsInEpoch) {
        start();
        if (stepInEpoch == 0 && stepsInEpoch > 0) {
            stepsPerEpoch = stepsInEpoch;
        }
        stepInEpoch++;
        done++;
        long now = nanoClock.getAsLong();
        long interval =
                terminal
                        ? TERMINAL_INTERVAL_MILLIS * 1_000_000L
                        : PLAIN_INTERVAL_SECONDS * 1_000_000_000L;
        if (lastPrint == Long.MIN_VALUE ? now - start >= interval : now - lastPrint >= interval) {
            print(line(now), false);
            lastPrint = now;
        }
    }

    /**
     * Ends the current epoch with a line of its own.
     *
     * @param loss the epoch's training loss, or NaN if unknown
     */
    public void endEpoch(double loss) {
        start();
        long now = nanoClock.getAsLong();
        String stats = Double.isNaN(loss) ? "" : String.format(Locale.ROOT, "  loss %.4f", loss);
        print(line(now) + stats, true);
        lastPrint = now;
        epoch++;
        stepInEpoch = 0;
    }

    /** Ends a partly drawn terminal line (a run stopped within an epoch), so output can follow. */
    public void finish() {
        if (terminal && lastLength > 0) {
            out.println();
            out.flush();
            lastLength = 0;
        }
    }

    /** The steps of the whole run, or 0 while unknown. */
    long total() {
        return Math.min(maxSteps, stepsPerEpoch * epochs);
    }

    /**
     * The current progress line (without the epoch's loss).
     *
     * @param now the clock's time
     * @return the line
     */
    String line(long now) {
        long total = total();
        double seconds = start == Long.MIN_VALUE ? 0 : (now - start) / 1e9;
        double rate = seconds > 0 ? done / seconds : Double.NaN;
        String eta = total > 0 && rate > 0 ? duration(Math.max(0, total - done) / rate) : "--";
        int filled = total > 0 ? (int) Math.min(WIDTH, done * WIDTH / total) : 0;
        return String.format(
                Locale.ROOT,
                "%s  epoch %d/%d  [%s%s] %d/%s steps  %s  ETA %s",
                name,
                Math.min(epoch + 1, epochs),
                epochs,
                "#".repeat(filled),
                ".".repeat(WIDTH - filled),
                done,
                total > 0 ? Long.toString(total) : "?",
                rate(rate),
                eta);
    }

    /**
     * Formats a rate: steps per second, or seconds per step when below one step per second.
     *
     * @param stepsPerSecond the rate, NaN while unknown
     * @return e.g. {@code 41.3 steps/s}, {@code 2.5 s/step}, {@code -- steps/s}
     */
    static String rate(double stepsPerSecond) {
        if (!(stepsPerSecond > 0) || Double.isInfinite(stepsPerSecond)) {
            return "-- steps/s";
        }
        if (stepsPerSecond < 1) {
            return String.format(Locale.ROOT, "%.1f s/step", 1 / stepsPerSecond);
        }
        return String.format(Locale.ROOT, "%.1f steps/s", stepsPerSecond);
    }

    /**
     * Formats a duration, rounded to the second: {@code 42s}, {@code 1m08s}, {@code 2h05m}.
     *
     * @param seconds non-negative
     * @return the text
     */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }

    private void print(String text, boolean endOfEpoch) {
        String line = "  " + text;
        if (terminal) {
            // Pad with spaces to wipe what a longer previous line left.
            String pad = " ".repeat(Math.max(0, lastLength - line.length()));
            out.print("\r" + line + pad);
            if (endOfEpoch) {
                out.println();
                lastLength = 0;
            } else {
                lastLength = line.length();
            }
        } else {
            out.println(line);
        }
        out.flush();
    }

    /**
     * A DJL training listener that drives a bar: a step per training batch, a line per epoch with
     * the epoch's training loss.
     *
     * @return the listener; make one per fit
     */
    public TrainingListener listener() {
        return new TrainingListenerAdapter() {
            @Override
            public void onTrainingBegin(Trainer trainer) {
                start();
            }

            @Override
            public void onTrainingBatch(Trainer trainer, BatchData batchData) {
                step(stepsPerEpoch(batchData.getBatch()));
            }

            @Override
            public void onEpoch(Trainer trainer) {
                endEpoch(trainingLoss(trainer));
            }

            @Override
            public void onTrainingEnd(Trainer trainer) {
                finish();
            }
        };
    }

    /**
     * The steps of an epoch, from its first batch: the dataset's size over the batch's.
     *
     * @param first an epoch's first batch
     * @return the number of batches of the epoch, or 0 if the batch does not tell
     */
    static long stepsPerEpoch(ai.djl.training.dataset.Batch first) {
        long size = first.getSize();
        long examples = first.getProgressTotal();
        return size > 0 && examples > 0 ? (examples + size - 1) / size : 0;
    }

    private static double trainingLoss(Trainer trainer) {
        Metrics m = trainer.getMetrics();
        if (m == null || trainer.getLoss() == null) {
            return Double.NaN;
        }
        String loss =
                EvaluatorTrainingListener.metricName(
                        trainer.getLoss(), EvaluatorTrainingListener.TRAIN_EPOCH);
        return m.hasMetric(loss) ? m.latestMetric(loss).getValue() : Double.NaN;
    }
}
