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

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.listener.TrainingListenerAdapter;
import com.google.gson.GsonBuilder;
import dev.bella.core.Scalars;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** Shared pieces of the benchmarks: timing, the ViT-B/32 MLP stack, the GEMM roofline. */
public final class BenchSupport {

    /** CLIP ViT-B/32 width. */
    public static final int WIDTH = 768;

    /** CLIP ViT-B/32 MLP hidden size. */
    public static final int HIDDEN = 3072;

    /** CLIP ViT-B/32 residual attention blocks. */
    public static final int BLOCKS = 12;

    private BenchSupport() {}

    /** Something to time; returns a value so that the work cannot be optimised away. */
    @FunctionalInterface
    public interface Task {
        /**
         * Runs the task once.
         *
         * @return any value derived from the result
         * @throws Exception if the task fails
         */
        double run() throws Exception;
    }

    /**
     * Times a task: {@code warmup} untimed runs, then the median of {@code repeats} timed runs.
     *
     * @param warmup untimed runs
     * @param repeats timed runs
     * @param task the task
     * @return the median wall time in milliseconds
     * @throws Exception if the task fails
     */
    public static double medianMillis(int warmup, int repeats, Task task) throws Exception {
        double sink = 0;
        for (int i = 0; i < warmup; i++) {
            sink += task.run();
        }
        double[] ms = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            sink += task.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        if (Double.isNaN(sink)) {
            throw new IllegalStateException("benchmark produced NaN");
        }
        return median(ms);
    }

    /**
     * Times several tasks side by side: after {@code warmup} untimed rounds, each of {@code
     * repeats} rounds runs every task once, in turn, so that a change in machine load affects all
     * of them alike. Returns each task's median.
     *
     * @param warmup untimed rounds
     * @param repeats timed rounds
     * @param tasks the tasks
     * @return the median wall time of each task in milliseconds, in the tasks' order
     * @throws Exception if a task fails
     */
    public static double[] interleavedMedianMillis(int warmup, int repeats, Task... tasks)
            throws Exception {
        double sink = 0;
        for (int i = 0; i < warmup; i++) {
            for (Task t : tasks) {
                sink += t.run();
            }
        }
        double[][] ms = new double[tasks.length][repeats];
        for (int i = 0; i < repeats; i++) {
            for (int k = 0; k < tasks.length; k++) {
                long t0 = System.nanoTime();
                sink += tasks[k].run();
                ms[k][i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        if (Double.isNaN(sink)) {
            throw new IllegalStateException("benchmark produced NaN");
        }
        double[] medians = new double[tasks.length];
        for (int k = 0; k < tasks.length; k++) {
            medians[k] = median(ms[k]);
        }
        return medians;
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /**
     * The MLPs of CLIP ViT-B/32's 12 residual blocks as one stack, with random weights: {@code
     * [c_fc 768->3072, QuickGELU, c_proj 3072->768] x 12}. Layer paths are {@code "<block>.0"}
     * (c_fc) and {@code "<block>.2"} (c_proj).
     *
     * @param manager the manager that owns the weights
     * @return the initialised stack
     */
    public static SequentialBlock vitMlpStack(NDManager manager) {
        SequentialBlock stack = new SequentialBlock();
        for (int i = 0; i < BLOCKS; i++) {
            stack.add(
                    new SequentialBlock()
                            .add(Linear.builder().setUnits(HIDDEN).build())
                            .add(x -> new ai.djl.ndarray.NDList(quickGelu(x.singletonOrThrow())))
                            .add(Linear.builder().setUnits(WIDTH).build()));
        }
        stack.setInitializer(new NormalInitializer(0.02f), p -> true);
        manager.getEngine().setRandomSeed(0);
        stack.initialize(manager, DataType.FLOAT32, new Shape(1, WIDTH));
        return stack;
    }

    /**
     * CLIP's QuickGELU, \( x \sigma(1.702 x) \).
     *
     * @param x the input
     * @return the activation
     */
    public static NDArray quickGelu(NDArray x) {
        return x.mul(Activation.sigmoid(Scalars.mul(x, 1.702f)));
    }

    /**
     * Measures DJL's plain float GEMM throughput ({@code n x n} times {@code n x n}) on this
     * machine, the roofline the other numbers are compared with.
     *
     * @param manager a manager for the operands
     * @param n the matrix size
     * @return GFLOP/s
     * @throws Exception if the engine fails
     */
    public static double gemmGflops(NDManager manager, int n) throws Exception {
        NDArray a = manager.randomNormal(new Shape(n, n));
        NDArray b = manager.randomNormal(new Shape(n, n));
        double ms =
                medianMillis(
                        3,
                        15,
                        () -> {
                            try (NDManager scope = manager.newSubManager()) {
                                NDArray c = a.matMul(b);
                                c.attach(scope);
                                return c.getFloat(0, 0);
                            }
                        });
        a.close();
        b.close();
        return 2.0 * n * n * n / (ms * 1e6);
    }

    /** nproc, CPU model and Java version, for benchmark records. */
    static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nproc", Runtime.getRuntime().availableProcessors());
        String cpu = "unknown";
        try {
            for (String line :
                    Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException e) {
            // not Linux: leave "unknown"
        }
        m.put("cpu", cpu);
        m.put("java", System.getProperty("java.version"));
        return m;
    }

    /** The process's peak resident set size (VmHWM), or -1 where /proc is missing. */
    static long peakRss() {
        return procStatusBytes("VmHWM:");
    }

    /** The process's resident set size now (VmRSS), or -1 where /proc is missing. */
    static long rss() {
        return procStatusBytes("VmRSS:");
    }

    private static long procStatusBytes(String key) {
        try {
            for (String line :
                    Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith(key)) {
                    String[] f = line.substring(key.length()).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** The 1, 5 and 15 minute load averages, or an empty list where /proc is missing. */
    static List<Double> loadAverage() {
        List<Double> out = new ArrayList<>();
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            for (int i = 0; i < 3 && i < f.length; i++) {
                out.add(Double.parseDouble(f[i]));
            }
        } catch (IOException | NumberFormatException e) {
            out.clear();
        }
        return out;
    }

    /** Records the time between consecutive training batches (the first from construction). */
    static final class StepTimer extends TrainingListenerAdapter {
        final List<Double> durations = new ArrayList<>();
        private long last = System.nanoTime();

        @Override
        public void onTrainingBatch(Trainer trainer, BatchData batchData) {
            long now = System.nanoTime();
            durations.add((now - last) / 1e6);
            last = now;
        }
    }

    /**
     * Prints a benchmark's result: one compact JSON object with {@code --json}, indented JSON
     * otherwise.
     */
    static void print(
            CommandLine.Model.CommandSpec spec, Map<String, Object> result, boolean json) {
        PrintWriter out = spec.commandLine().getOut();
        GsonBuilder gson = new GsonBuilder();
        if (!json) {
            gson.setPrettyPrinting();
        }
        out.println(gson.create().toJson(result));
        out.flush();
    }
}
