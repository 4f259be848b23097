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
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.bella.clip.ClipTargets;
import dev.bella.clip.ClipVisionConfig;
import dev.bella.clip.ClipVisionTransformer;
import dev.bella.core.Bella;
import dev.bella.core.ParticleBlock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./bella bench clip}: the full-size CLIP ViT-B/32 visual tower with random weights.
 *
 * <ul>
 *   <li>Forward throughput at a batch of images: one model versus {@code n} Bella particles run as
 *       one batched computation (timed round by round, interleaved, so machine load affects both
 *       alike).
 *   <li>Adapter storage on disk ({@code ParticleBlock.saveAdapters}) for several particle counts,
 *       next to the float32 size of the base tower and the paper's Table 1 parameter counts.
 * </ul>
 */
@Command(
        name = "clip",
        mixinStandardHelpOptions = true,
        description =
                "CLIP ViT-B/32 (random weights): forward images/s for 1 model and n batched"
                        + " particles, adapter storage (see docs/benchmarks.md).")
public final class ClipBench implements Callable<Integer> {

    /** The paper's Table 1: trainable parameters of n Bella particles (r = 4, c_fc + c_proj). */
    static final Map<Integer, String> PAPER_TABLE_1 =
            Map.of(3, "1.10M", 5, "1.84M", 20, "7.37M", 100, "36.86M");

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--batch",
            defaultValue = "8",
            description = "images per forward (${DEFAULT-VALUE})")
    int batch;

    @Option(
            names = "--particles",
            defaultValue = "5",
            description = "particles n of the batched forward (${DEFAULT-VALUE})")
    int particles;

    @Option(names = "--rank", defaultValue = "4", description = "adapter rank r (${DEFAULT-VALUE})")
    int rank;

    @Option(
            names = "--storage",
            defaultValue = "3,5,20,100",
            split = ",",
            description = "particle counts of the storage table (${DEFAULT-VALUE})")
    List<Integer> storage;

    @Option(
            names = "--warmup",
            defaultValue = "1",
            description = "untimed rounds (${DEFAULT-VALUE})")
    int warmup;

    @Option(
            names = "--repeats",
            defaultValue = "5",
            description = "timed rounds (${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--seed", defaultValue = "0", description = "weight seed (${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() throws Exception {
        boolean storageOk = storage.stream().allMatch(n -> n != null && n > 0);
        if (batch <= 0 || particles <= 0 || rank <= 0 || repeats <= 0 || warmup < 0 || !storageOk) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--batch, --particles, --rank, --repeats and --storage must be positive and"
                            + " --warmup non-negative, got "
                            + batch
                            + ", "
                            + particles
                            + ", "
                            + rank
                            + ", "
                            + repeats
                            + ", "
                            + storage
                            + ", "
                            + warmup);
        }
        Map<String, Object> result = run();
        BenchSupport.print(spec, result, json);
        return 0;
    }

    Map<String, Object> run() throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", "CLIP ViT-B/32 visual tower, random weights, float32");
        r.put("machine", BenchSupport.machine());
        r.put("loadavg_before", BenchSupport.loadAverage());
        ClipVisionConfig config = ClipVisionConfig.vitB32();
        long baseBytes = config.parameterCount() * Float.BYTES;
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipVisionTransformer vit = ClipVisionTransformer.random(config, manager, seed);
            r.put("base_parameters", config.parameterCount());
            r.put("base_float32_bytes", baseBytes);
            r.put("forward", forward(manager, vit));
            r.put("storage", storage(vit, baseBytes));
        }
        r.put("process_peak_rss_bytes", BenchSupport.peakRss());
        r.put("loadavg_after", BenchSupport.loadAverage());
        return r;
    }

    private Map<String, Object> forward(NDManager manager, ClipVisionTransformer vit)
            throws Exception {
        try (ParticleBlock model =
                Bella.wrap(
                        vit,
                        ClipTargets.bellaConfig()
                                .optParticles(particles)
                                .optRank(rank)
                                .optBInitStd(0.01)
                                .build())) {
            manager.getEngine().setRandomSeed(1);
            NDArray x = manager.randomNormal(vit.inputShape(batch));
            BenchSupport.Task single =
                    () -> {
                        try (NDManager scope = manager.newSubManager()) {
                            NDArray in = x.duplicate();
                            in.attach(scope);
                            return vit.forward(
                                            new ParameterStore(scope, false), new NDList(in), false)
                                    .singletonOrThrow()
                                    .getFloat(0, 0);
                        }
                    };
            BenchSupport.Task batched =
                    () -> {
                        try (NDManager scope = manager.newSubManager()) {
                            NDArray in = x.duplicate();
                            in.attach(scope);
                            return model.predict(new NDList(in))
                                    .singletonOrThrow()
                                    .getFloat(0, 0, 0);
                        }
                    };
            double[] ms = BenchSupport.interleavedMedianMillis(warmup, repeats, single, batched);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("batch", batch);
            f.put("particles", particles);
            f.put("rank", rank);
            f.put("targets", ClipTargets.MLP);
            f.put("warmup", warmup);
            f.put("repeats", repeats);
            f.put("single_ms", round(ms[0]));
            f.put("particles_ms", round(ms[1]));
            f.put("single_images_per_s", round(batch * 1000.0 / ms[0]));
            // An image through all n particles counts once here ...
            f.put("particles_images_per_s", round(batch * 1000.0 / ms[1]));
            // ... and n times here (particle-forwards).
            f.put("particles_image_forwards_per_s", round(particles * batch * 1000.0 / ms[1]));
            // Batched n-particle time over n single-model times: below 1 means batching pays.
            f.put("batched_over_n_single", round(ms[1] / (particles * ms[0])));
            double gflop = gflopPerImage(vit.getConfig());
            f.put("gflop_per_image", round(gflop));
            f.put("single_gflops", round(gflop * batch / (ms[0] / 1000.0)));
            f.put("particles_gflops", round(gflop * batch * particles / (ms[1] / 1000.0)));
            f.put("roofline_gemm_gflops", round(BenchSupport.gemmGflops(manager, 1024)));
            f.put("process_peak_rss_bytes", BenchSupport.peakRss());
            return f;
        }
    }

    private List<Map<String, Object>> storage(ClipVisionTransformer vit, long baseBytes)
            throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        Path root = Files.createTempDirectory("bella-clip-bench");
        try {
            for (int n : storage) {
                Path dir = root.resolve("n" + n);
                Path dir16 = root.resolve("n" + n + "-f16");
                long trainable;
                try (ParticleBlock model =
                        Bella.wrap(
                                vit,
                                ClipTargets.bellaConfig().optParticles(n).optRank(rank).build())) {
                    model.saveAdapters(dir);
                    model.saveAdapters(dir16, DataType.FLOAT16);
                    trainable = model.summary().trainableTotal();
                }
                long total16 = bytes(dir16, "");
                long total = bytes(dir, "");
                long data = bytes(dir, ".safetensors");
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("particles", n);
                row.put("trainable_parameters", trainable);
                row.put("paper_table_1", PAPER_TABLE_1.getOrDefault(n, "-"));
                row.put("adapter_bytes", total);
                row.put("adapter_data_bytes", data);
                row.put("adapter_over_base", round4(total / (double) baseBytes));
                row.put("adapter_float16_bytes", total16);
                row.put("adapter_float16_over_base", round4(total16 / (double) baseBytes));
                row.put("base_plus_adapters_bytes", baseBytes + total);
                row.put("full_copies_bytes", (long) n * baseBytes);
                rows.add(row);
            }
        } finally {
            deleteTree(root);
        }
        return rows;
    }

    /**
     * Floating-point operations (2 per multiply-add) of one image through the tower: patch
     * convolution, per block in_proj, attention scores and values, out_proj, c_fc, c_proj, and the
     * projection (about 8.8 GFLOP for ViT-B/32; LayerNorms and activations left out).
     */
    static double gflopPerImage(ClipVisionConfig c) {
        double t = c.getTokens();
        double w = c.getWidth();
        double m = c.getMlpWidth();
        double patches = t - 1;
        double conv = 2 * patches * w * 3.0 * c.getPatchSize() * c.getPatchSize();
        double attention = 2 * 2 * t * t * w;
        double block = 2 * t * w * (3 * w) + attention + 2 * t * w * w + 2 * 2 * t * w * m;
        return (conv + c.getLayers() * block + 2 * w * c.getOutputDim()) / 1e9;
    }

    /** Bytes of the files in {@code dir} whose names end with {@code suffix}. */
    private static long bytes(Path dir, String suffix) throws IOException {
        long total = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().endsWith(suffix)) {
                    total += Files.size(p);
                }
            }
        }
        return total;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static double round4(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
