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

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import dev.bella.svgd.FactorPair;
import dev.bella.svgd.LowRankFactors;
import dev.bella.svgd.LowRankKernel;
import dev.bella.svgd.LowRankSvgd;
import dev.bella.svgd.SvgdUpdate;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./bella bench kernel}: the pairwise squared distances \( D_{ij} = \sum_l \lVert s A_i B_i
 * - s A_j B_j \rVert_F^2 \) of the SVGD kernel, by the trace trick ({@link
 * LowRankKernel#squaredDistances}) versus the dense computation, at the MLP sizes of CLIP ViT-B/32
 * (24 layers alternating 768->3072 and 3072->768), in {@code float32}.
 *
 * <p>The dense computation forms every particle's \( s A_i B_i \) (\( d_{in} \times d_{out} \)),
 * flattens them to \( \Delta \) (\( n \times d_{in} d_{out} \)) and accumulates the Gram matrix \(
 * \Delta \Delta^\top \) layer by layer (each layer under its own sub-manager, freed before the
 * next), then \( D_{ij} = G_{ii} + G_{jj} - 2 G_{ij} \). FLOP counts (multiply-add = 2):
 *
 * <ul>
 *   <li>trace trick, per layer: \( 2 (n r)^2 (d_{in} + d_{out}) \) for the two Gram GEMMs plus \( 2
 *       (n r)^2 \) for the blockwise Hadamard sum;
 *   <li>dense, per layer: \( 2 n d_{in} r d_{out} \) for the products plus \( 2 n^2 d_{in} d_{out}
 *       \) for the Gram matrix.
 * </ul>
 *
 * <p>It also times one full {@link LowRankSvgd#update} with the defaults (kernel-smoothed driving
 * term, \( \gamma = 0.01 \), kernel-gradient repulsion, median bandwidth) on random loss gradients:
 * the per-step SVGD cost a trainer pays on top of the forward and backward passes.
 *
 * <p>Factors: \( A \sim N(0, 1/d_{in}) \), \( B \sim N(0, 1/r) \) (non-zero, so that the distances
 * are not trivially 0), \( s = 1 \), drawn from the engine's generator seeded with {@code --seed}.
 */
@Command(
        name = "kernel",
        mixinStandardHelpOptions = true,
        description =
                "Trace-trick vs dense SVGD kernel distances at the ViT-B/32 MLP sizes"
                        + " (see docs/benchmarks.md).")
public final class KernelBench implements Callable<Integer> {

    /** CLIP ViT-B/32 width. */
    static final int WIDTH = 768;

    /** CLIP ViT-B/32 MLP hidden size. */
    static final int HIDDEN = 3072;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--particles",
            defaultValue = "5",
            description = "particles n (${DEFAULT-VALUE})")
    int particles;

    @Option(names = "--rank", defaultValue = "4", description = "adapter rank r (${DEFAULT-VALUE})")
    int rank;

    @Option(
            names = "--layers",
            defaultValue = "24",
            description = "adapted layers, alternating 768->3072 and 3072->768 (${DEFAULT-VALUE})")
    int layers;

    @Option(names = "--warmup", defaultValue = "1", description = "untimed runs (${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--repeats", defaultValue = "5", description = "timed runs (${DEFAULT-VALUE})")
    int repeats;

    @Option(
            names = "--dense-repeats",
            description = "timed runs of the dense computation (default: --repeats)")
    Integer denseRepeats;

    @Option(names = "--seed", defaultValue = "42", description = "random seed (${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--skip-dense", description = "time only the trace trick")
    boolean skipDense;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    /**
     * The measurements of one run.
     *
     * @param particles the number of particles \( n \)
     * @param rank the rank \( r \)
     * @param layers the number of adapted layers
     * @param traceMillis median wall time of the trace trick, ms
     * @param updateMillis median wall time of one {@link LowRankSvgd#update} (distances, kernel,
     *     driving term and repulsion for every layer), ms
     * @param denseMillis median wall time of the dense computation, ms ({@code NaN} if skipped)
     * @param maxAbsDiff \( \max_{ij} |D^{trace}_{ij} - D^{dense}_{ij}| \) ({@code NaN} if skipped)
     * @param maxDistance \( \max_{ij} D^{dense}_{ij} \), the scale of {@code maxAbsDiff} (or of the
     *     trace-trick distances if the dense run is skipped)
     * @param traceFlops FLOPs of the trace trick
     * @param denseFlops FLOPs of the dense computation
     */
    public record Result(
            int particles,
            int rank,
            int layers,
            double traceMillis,
            double updateMillis,
            double denseMillis,
            double maxAbsDiff,
            double maxDistance,
            double traceError,
            double denseError,
            double traceFlops,
            double denseFlops) {}

    @Override
    public Integer call() {
        if (particles <= 0
                || rank <= 0
                || layers <= 0
                || repeats <= 0
                || warmup < 0
                || (denseRepeats != null && denseRepeats <= 0)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--particles, --rank, --layers, --repeats and --dense-repeats must be positive"
                            + " and --warmup non-negative, got "
                            + particles
                            + ", "
                            + rank
                            + ", "
                            + layers
                            + ", "
                            + repeats
                            + ", "
                            + warmup);
        }
        Result r = run();
        print(spec.commandLine().getOut(), r);
        return 0;
    }

    /**
     * Runs the benchmark with the configured options.
     *
     * @return the measurements
     */
    public Result run() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(Math.toIntExact(seed % Integer.MAX_VALUE));
            List<LowRankFactors> factors = new ArrayList<>(layers);
            for (int l = 0; l < layers; l++) {
                int din = l % 2 == 0 ? WIDTH : HIDDEN;
                int dout = l % 2 == 0 ? HIDDEN : WIDTH;
                NDArray a =
                        manager.randomNormal(
                                0f,
                                (float) (1 / Math.sqrt(din)),
                                new Shape(particles, din, rank),
                                DataType.FLOAT32);
                NDArray b =
                        manager.randomNormal(
                                0f,
                                (float) (1 / Math.sqrt(rank)),
                                new Shape(particles, rank, dout),
                                DataType.FLOAT32);
                factors.add(new LowRankFactors(a, b, 1.0));
            }
            float[][] traceOut = new float[1][];
            double traceMs =
                    medianMillis(
                            () -> {
                                try (NDManager step = manager.newSubManager()) {
                                    NDArray d = LowRankKernel.squaredDistances(factors);
                                    d.attach(step);
                                    traceOut[0] = d.toFloatArray();
                                }
                            });
            List<FactorPair> grads = new ArrayList<>(layers);
            for (LowRankFactors f : factors) {
                grads.add(
                        new FactorPair(
                                manager.randomNormal(f.a().getShape(), DataType.FLOAT32),
                                manager.randomNormal(f.b().getShape(), DataType.FLOAT32)));
            }
            LowRankSvgd svgd = LowRankSvgd.builder().build();
            double updateMs =
                    medianMillis(
                            () -> {
                                try (NDManager step = manager.newSubManager()) {
                                    SvgdUpdate u = svgd.update(factors, grads);
                                    for (FactorPair phi : u.phi()) {
                                        phi.a().attach(step);
                                        phi.b().attach(step);
                                    }
                                    u.kernel().distances().attach(step);
                                    u.kernel().kernel().attach(step);
                                }
                            });
            double[] reference = reference(manager, factors);
            double traceError = maxAbsDiff(traceOut[0], reference);
            double denseMs = Double.NaN;
            double maxAbsDiff = Double.NaN;
            double denseError = Double.NaN;
            double maxDistance = max(traceOut[0]);
            if (!skipDense) {
                float[][] denseOut = new float[1][];
                denseMs =
                        medianMillis(
                                () -> denseOut[0] = dense(manager, factors),
                                denseRepeats == null ? repeats : denseRepeats);
                double[] wide = new double[denseOut[0].length];
                for (int i = 0; i < wide.length; i++) {
                    wide[i] = traceOut[0][i];
                }
                maxAbsDiff = maxAbsDiff(denseOut[0], wide);
                denseError = maxAbsDiff(denseOut[0], reference);
                maxDistance = max(denseOut[0]);
            }
            double traceFlops = 0;
            double denseFlops = 0;
            for (LowRankFactors f : factors) {
                double nr = (double) particles * rank;
                double din = f.inputDim();
                double dout = f.outputDim();
                traceFlops += 2 * nr * nr * (din + dout) + 2 * nr * nr;
                denseFlops +=
                        2.0 * particles * din * rank * dout
                                + 2.0 * particles * particles * din * dout;
            }
            return new Result(
                    particles,
                    rank,
                    layers,
                    traceMs,
                    updateMs,
                    denseMs,
                    maxAbsDiff,
                    maxDistance,
                    traceError,
                    denseError,
                    traceFlops,
                    denseFlops);
        }
    }

    /** Dense D: per layer, Delta = s A_i B_i flattened, G += Delta Delta^T; then the distances. */
    private static float[] dense(NDManager manager, List<LowRankFactors> factors) {
        try (NDManager run = manager.newSubManager()) {
            int n = factors.get(0).particles();
            NDArray gram = run.zeros(new Shape(n, n), DataType.FLOAT32);
            for (LowRankFactors f : factors) {
                try (NDManager layer = run.newSubManager()) {
                    f.a().tempAttach(layer);
                    f.b().tempAttach(layer);
                    NDArray delta = f.a().matMul(f.b()).reshape(n, -1);
                    NDArray g = delta.matMul(delta.transpose()).mul(f.scale() * f.scale());
                    NDArray sum = gram.add(g);
                    sum.attach(run);
                    gram = sum;
                }
            }
            NDArray diag = gram.diagonal();
            NDArray d = diag.reshape(n, 1).add(diag.reshape(1, n)).sub(gram.mul(2)).maximum(0f);
            return d.toFloatArray();
        }
    }

    /** The trace trick in float64 on float64 copies of the factors. */
    private static double[] reference(NDManager manager, List<LowRankFactors> factors) {
        try (NDManager run = manager.newSubManager()) {
            List<LowRankFactors> wide = new ArrayList<>(factors.size());
            for (LowRankFactors f : factors) {
                NDArray a = f.a().toType(DataType.FLOAT64, true);
                NDArray b = f.b().toType(DataType.FLOAT64, true);
                a.attach(run);
                b.attach(run);
                wide.add(new LowRankFactors(a, b, f.scale()));
            }
            return LowRankKernel.squaredDistances(wide).toDoubleArray();
        }
    }

    private static double maxAbsDiff(float[] values, double[] reference) {
        double m = 0;
        for (int i = 0; i < values.length; i++) {
            m = Math.max(m, Math.abs(values[i] - reference[i]));
        }
        return m;
    }

    private double medianMillis(Runnable task) {
        return medianMillis(task, repeats);
    }

    private double medianMillis(Runnable task, int runs) {
        for (int i = 0; i < warmup; i++) {
            task.run();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            task.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        int m = runs / 2;
        return runs % 2 == 1 ? ms[m] : 0.5 * (ms[m - 1] + ms[m]);
    }

    private static double max(float[] values) {
        double m = 0;
        for (float v : values) {
            m = Math.max(m, v);
        }
        return m;
    }

    private void print(PrintWriter out, Result r) {
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("benchmark", "kernel");
            o.put("particles", r.particles());
            o.put("rank", r.rank());
            o.put("layers", r.layers());
            o.put("dtype", "float32");
            o.put("warmup", warmup);
            o.put("repeats", repeats);
            o.put(
                    "dense_repeats",
                    skipDense ? null : denseRepeats == null ? repeats : denseRepeats);
            o.put("cpus", Runtime.getRuntime().availableProcessors());
            o.put("trace_ms", r.traceMillis());
            o.put("update_ms", r.updateMillis());
            o.put("dense_ms", Double.isNaN(r.denseMillis()) ? null : r.denseMillis());
            o.put(
                    "time_ratio",
                    Double.isNaN(r.denseMillis()) ? null : r.denseMillis() / r.traceMillis());
            o.put("trace_flops", r.traceFlops());
            o.put("dense_flops", r.denseFlops());
            o.put("flop_ratio", r.denseFlops() / r.traceFlops());
            o.put("trace_gflops_per_s", r.traceFlops() / r.traceMillis() / 1e6);
            o.put(
                    "dense_gflops_per_s",
                    Double.isNaN(r.denseMillis()) ? null : r.denseFlops() / r.denseMillis() / 1e6);
            o.put("max_abs_diff", Double.isNaN(r.maxAbsDiff()) ? null : r.maxAbsDiff());
            o.put("max_distance", r.maxDistance());
            o.put("trace_max_abs_err_vs_f64", r.traceError());
            o.put("dense_max_abs_err_vs_f64", Double.isNaN(r.denseError()) ? null : r.denseError());
            out.println(new GsonBuilder().serializeNulls().create().toJson(o));
        } else {
            out.printf(
                    "kernel distances, n = %d, r = %d, %d layers (float32, median of %d after %d"
                            + " warm-up)%n",
                    r.particles(), r.rank(), r.layers(), repeats, warmup);
            out.printf(
                    "  trace trick: %10.2f ms  %12.4g FLOP  (%.1f GFLOP/s)%n",
                    r.traceMillis(), r.traceFlops(), r.traceFlops() / r.traceMillis() / 1e6);
            out.printf("  SVGD update (phi, all layers): %.2f ms%n", r.updateMillis());
            if (Double.isNaN(r.denseMillis())) {
                out.printf("  dense:       skipped       %12.4g FLOP%n", r.denseFlops());
                out.printf("  max error vs float64 trace trick: %.3g%n", r.traceError());
            } else {
                out.printf(
                        "  dense:       %10.2f ms  %12.4g FLOP  (%.1f GFLOP/s)%n",
                        r.denseMillis(), r.denseFlops(), r.denseFlops() / r.denseMillis() / 1e6);
                out.printf(
                        "  dense / trace: %.1fx time, %.1fx FLOPs; max |D_trace - D_dense| = %.3g"
                                + " (max D = %.3g)%n",
                        r.denseMillis() / r.traceMillis(),
                        r.denseFlops() / r.traceFlops(),
                        r.maxAbsDiff(),
                        r.maxDistance());
                out.printf(
                        "  max error vs float64 trace trick: trace %.3g, dense %.3g%n",
                        r.traceError(), r.denseError());
            }
        }
        out.flush();
    }
}
