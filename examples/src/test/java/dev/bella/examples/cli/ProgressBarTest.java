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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The bar's arithmetic and formatting, on an injected clock: no test waits. */
class ProgressBarTest {

    private static final long SECOND = 1_000_000_000L;

    /** A clock the test moves by hand. */
    private static final class Clock {
        long now = 5 * SECOND; // any origin

        void advance(double seconds) {
            now += (long) (seconds * SECOND);
        }
    }

    private final Clock clock = new Clock();
    private final StringWriter text = new StringWriter();

    private ProgressBar bar(int epochs, boolean terminal) {
        return new ProgressBar("svgd", epochs, new PrintWriter(text), terminal, () -> clock.now);
    }

    @Test
    void lineShowsEpochBarStepsRateAndEta() {
        ProgressBar bar = bar(10, false);
        bar.start();
        for (int e = 0; e < 2; e++) {
            for (int i = 0; i < 400; i++) {
                bar.step(400);
            }
            bar.endEpoch(Double.NaN);
        }
        for (int i = 0; i < 400; i++) {
            bar.step(400);
        }
        // 1200 of 4000 steps in 29.06 s: 41.3 steps/s, 2800 to go at that rate = 67.8 s.
        clock.advance(29.06);
        assertThat(bar.line(clock.now))
                .isEqualTo(
                        "svgd  epoch 3/10  [######..............] 1200/4000 steps"
                                + "  41.3 steps/s  ETA 1m08s");
    }

    @Test
    void beforeAnyTimeHasPassedRateAndEtaAreUnknown() {
        ProgressBar bar = bar(2, false);
        bar.start();
        assertThat(bar.line(clock.now))
                .isEqualTo("svgd  epoch 1/2  [....................] 0/? steps  -- steps/s  ETA --");
    }

    @Test
    void maxStepsCapsTheTotal() {
        ProgressBar bar = bar(1, false).withMaxSteps(50);
        bar.start();
        bar.step(1000);
        clock.advance(2);
        assertThat(bar.total()).isEqualTo(50);
        // slow steps read as seconds per step; 49 steps to go at 2 s each
        assertThat(bar.line(clock.now))
                .isEqualTo(
                        "svgd  epoch 1/1  [....................] 1/50 steps  2.0 s/step  ETA 1m38s");
    }

    @Test
    void stepsPerEpochAreReadAtTheEpochsFirstStep() {
        ProgressBar bar = bar(2, false);
        bar.step(3);
        bar.step(7); // a later value (e.g. from a smaller last batch) is not taken
        assertThat(bar.total()).isEqualTo(6);
        bar.endEpoch(Double.NaN);
        bar.step(4);
        assertThat(bar.total()).isEqualTo(8);
    }

    @Test
    void stepsPerEpochComeFromTheFirstBatch() {
        try (NDManager manager = NDManager.newBaseManager();
                Batch first =
                        new Batch(
                                manager.newSubManager(),
                                new NDList(),
                                new NDList(),
                                32,
                                null,
                                null,
                                32,
                                100);
                Batch unknown =
                        new Batch(
                                manager.newSubManager(),
                                new NDList(),
                                new NDList(),
                                32,
                                null,
                                null,
                                0,
                                0)) {
            assertThat(ProgressBar.stepsPerEpoch(first)).isEqualTo(4);
            assertThat(ProgressBar.stepsPerEpoch(unknown)).isZero();
        }
    }

    @Test
    void durationsAndRates() {
        assertThat(ProgressBar.duration(0)).isEqualTo("0s");
        assertThat(ProgressBar.duration(59.4)).isEqualTo("59s");
        assertThat(ProgressBar.duration(68)).isEqualTo("1m08s");
        assertThat(ProgressBar.duration(3599)).isEqualTo("59m59s");
        assertThat(ProgressBar.duration(7500)).isEqualTo("2h05m");
        assertThat(ProgressBar.rate(41.26)).isEqualTo("41.3 steps/s");
        assertThat(ProgressBar.rate(0.25)).isEqualTo("4.0 s/step");
        assertThat(ProgressBar.rate(Double.NaN)).isEqualTo("-- steps/s");
    }

    @Test
    void aLogGetsAPlainLineAtMostEveryTenSecondsAndOnePerEpoch() {
        ProgressBar bar = bar(2, false);
        bar.start();
        for (int i = 0; i < 100; i++) {
            clock.advance(0.5); // 50 s in all
            bar.step(100);
        }
        bar.endEpoch(0.25);
        String[] lines = text.toString().split("\n", -1);
        // one line at 10, 20, 30, 40 and 50 s, then the epoch's line; nothing is redrawn
        assertThat(lines).hasSize(7);
        assertThat(lines[6]).isEmpty();
        assertThat(text.toString()).doesNotContain("\r");
        assertThat(lines[0]).startsWith("  svgd  epoch 1/2  [##").contains(" 20/200 steps");
        assertThat(lines[5]).contains("100/200 steps").endsWith("  loss 0.2500");
    }

    @Test
    void aTerminalLineIsRedrawnInPlaceAndEndsWithTheEpoch() {
        ProgressBar bar = bar(1, true);
        bar.start();
        clock.advance(1);
        bar.step(2);
        clock.advance(1);
        bar.step(2);
        bar.endEpoch(Double.NaN);
        bar.finish(); // nothing left open: no extra line
        String out = text.toString();
        assertThat(out).startsWith("\r  svgd  epoch 1/1  [##########..........] 1/2 steps");
        assertThat(out.split("\r", -1)).hasSize(4);
        assertThat(out).endsWith("[####################] 2/2 steps  1.0 steps/s  ETA 0s\n");
        assertThat(out.chars().filter(c -> c == '\n').count()).isEqualTo(1);
    }

    @Test
    void aTerminalRunStoppedWithinAnEpochIsEndedByFinish() {
        ProgressBar bar = bar(3, true);
        bar.start();
        clock.advance(1);
        bar.step(10);
        bar.finish();
        assertThat(text.toString()).endsWith("\n").doesNotEndWith("\n\n");
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> bar(0, false)).hasMessageContaining("epochs must be >= 1, got 0");
        assertThatThrownBy(() -> bar(1, false).withMaxSteps(0))
                .hasMessageContaining("max steps must be >= 1, got 0");
    }
}
