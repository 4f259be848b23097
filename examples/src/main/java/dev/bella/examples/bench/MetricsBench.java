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

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.bella.metrics.ClassificationMetrics;
import dev.bella.metrics.ClassificationResult;
import dev.bella.metrics.ProbabilityMatrix;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.function.DoubleSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./bella bench metrics}: ECE + Brier + NLL (and accuracy, MCE, validation) in one pass over
 * N x C float32 probabilities, timed next to plain loops that only sum the same array, the
 * memory-bound floor, in the same run. Reports the median over repeats after warm-up.
 *
 * <p>Two floors are measured: the plain loop {@code for (float v : a) s += v} (one double
 * accumulator, as a user would write it) and the same sum with four independent accumulators
 * (closer to what the memory system allows). The ratio is reported against the faster of the two,
 * the stricter comparison.
 */
@Command(
        name = "metrics",
        mixinStandardHelpOptions = true,
        description = "Metrics throughput: one pass of ECE + Brier + NLL vs a plain summing loop.")
public final class MetricsBench implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--n",
            defaultValue = "1000000",
            description = "examples N (default ${DEFAULT-VALUE})")
    int n;

    @Option(
            names = "--c",
            defaultValue = "100",
            description = "classes C (default ${DEFAULT-VALUE})")
    int c;

    @Option(
            names = "--repeats",
            defaultValue = "9",
            description = "timed runs (default ${DEFAULT-VALUE})")
    int repeats;

    @Option(
            names = "--warmup",
            defaultValue = "3",
            description = "untimed runs first (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(
            names = "--seed",
            defaultValue = "1",
            description = "data seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    /** Keeps results alive so the JIT cannot drop the timed work. */
    private double sink;

    @Override
    public Integer call() {
        if (n <= 0
                || c <= 0
                || repeats <= 0
                || warmup < 0
                || (long) n * c > Integer.MAX_VALUE - 8) {
            spec.commandLine()
                    .getErr()
                    .println(
                            "bella bench metrics: need n, c, repeats > 0, warmup >= 0 and n * c < 2^31");
            return 2;
        }
        float[] probs = new float[n * c];
        int[] labels = new int[n];
        fill(probs, labels, n, c, seed);

        ProbabilityMatrix view = ProbabilityMatrix.of(probs, n, c); // a view: no copy
        double[] plain = new double[repeats];
        double[] unrolled = new double[repeats];
        double[] onePass = new double[repeats];
        ClassificationResult[] result = new ClassificationResult[1];
        DoubleSupplier pass =
                () -> {
                    result[0] = ClassificationMetrics.create().accept(view, labels).result();
                    return result[0].ece() + result[0].brier() + result[0].nll();
                };
        for (int r = 0; r < warmup + repeats; r++) {
            // interleaved, so that the floors and the pass see the same machine state
            double a = time(() -> sumPlain(probs));
            double b = time(() -> sumUnrolled(probs));
            double m = time(pass);
            if (r >= warmup) {
                plain[r - warmup] = a;
                unrolled[r - warmup] = b;
                onePass[r - warmup] = m;
            }
        }
        double plainMs = median(plain);
        double unrolledMs = median(unrolled);
        double passMs = median(onePass);
        double floorMs = Math.min(plainMs, unrolledMs);
        double bytes = 4.0 * n * c;
        JsonObject o = new JsonObject();
        o.addProperty("n", n);
        o.addProperty("c", c);
        o.addProperty(
                "layout",
                "flat float32 row-major, ClassificationMetrics.accept(ProbabilityMatrix.of(float[], N, C), labels)");
        o.addProperty("bins", result[0].bins());
        o.addProperty("repeats", repeats);
        o.addProperty("warmup", warmup);
        o.addProperty("one_pass_ms", passMs);
        o.addProperty("floor_ms", floorMs);
        o.addProperty("floor_plain_ms", plainMs);
        o.addProperty("floor_unrolled_ms", unrolledMs);
        o.addProperty("ratio", passMs / floorMs);
        o.addProperty("ratio_vs_plain_loop", passMs / plainMs);
        o.addProperty("one_pass_gb_per_s", bytes / passMs / 1e6);
        o.addProperty("floor_gb_per_s", bytes / floorMs / 1e6);
        o.addProperty("one_pass_rows_per_s", n / passMs * 1e3);
        o.addProperty("one_pass_ms_all", Arrays.toString(onePass));
        o.addProperty("floor_plain_ms_all", Arrays.toString(plain));
        o.addProperty("floor_unrolled_ms_all", Arrays.toString(unrolled));
        o.addProperty("ece", result[0].ece());
        o.addProperty("brier", result[0].brier());
        o.addProperty("nll", result[0].nll());
        o.addProperty(
                "java",
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        o.addProperty("processors", Runtime.getRuntime().availableProcessors());
        o.addProperty("checksum", sink);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new GsonBuilder().setPrettyPrinting().create().toJson(o));
        } else {
            out.printf(
                    Locale.ROOT,
                    "N = %d, C = %d (float32, %.0f MB), median of %d after %d warm-up runs%n"
                            + "  one pass (accuracy, NLL, Brier, ECE, MCE, checks): %8.1f ms  %6.2f GB/s%n"
                            + "  floor, plain summing loop:                          %8.1f ms  %6.2f GB/s%n"
                            + "  floor, 4-accumulator summing loop:                  %8.1f ms  %6.2f GB/s%n"
                            + "  ratio one pass / fastest floor: %.2f (goal <= 2)%n",
                    n,
                    c,
                    bytes / 1e6,
                    repeats,
                    warmup,
                    passMs,
                    bytes / passMs / 1e6,
                    plainMs,
                    bytes / plainMs / 1e6,
                    unrolledMs,
                    bytes / unrolledMs / 1e6,
                    passMs / floorMs);
        }
        out.flush();
        return 0;
    }

    private double time(DoubleSupplier work) {
        long t0 = System.nanoTime();
        double v = work.getAsDouble();
        long t1 = System.nanoTime();
        sink += v;
        return (t1 - t0) / 1e6;
    }

    /** The plain loop: the memory-bound floor as a user writes it. */
    static double sumPlain(float[] a) {
        double s = 0;
        for (float v : a) {
            s += v;
        }
        return s;
    }

    /** The same sum with four independent accumulators, so the adds overlap. */
    static double sumUnrolled(float[] a) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < a.length; i += 4) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
        }
        for (; i < a.length; i++) {
            s0 += a[i];
        }
        return s0 + s1 + s2 + s3;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** Skewed random distributions (u^4, normalised), labels drawn near the top class. */
    static void fill(float[] probs, int[] labels, int n, int c, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] row = new double[c];
        for (int i = 0; i < n; i++) {
            double s = 0;
            int top = 0;
            for (int k = 0; k < c; k++) {
                double u = rnd.nextDouble();
                row[k] = u * u * u * u;
                s += row[k];
                if (row[k] > row[top]) {
                    top = k;
                }
            }
            for (int k = 0; k < c; k++) {
                probs[i * c + k] = (float) (row[k] / s);
            }
            labels[i] = rnd.nextDouble() < 0.7 ? top : rnd.nextInt(c);
        }
    }
}
