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
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.ParticleBlock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./bella bench particles}: one forward of {@code n} particles as one batched computation
 * versus {@code n} forwards of the same model one particle at a time, at the MLP sizes of CLIP
 * ViT-B/32 (24 layers alternating 768->3072 and 3072->768, 50 tokens per image).
 */
@Command(
        name = "particles",
        mixinStandardHelpOptions = true,
        description =
                "Batched vs one-particle-at-a-time forward at the ViT-B/32 MLP sizes"
                        + " (see docs/benchmarks.md).")
public final class ParticlesBench implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--particles",
            defaultValue = "5",
            description = "particles n (${DEFAULT-VALUE})")
    int particles;

    @Option(names = "--rank", defaultValue = "4", description = "adapter rank r (${DEFAULT-VALUE})")
    int rank;

    @Option(
            names = "--batch",
            defaultValue = "1",
            description = "images per call (${DEFAULT-VALUE})")
    int batch;

    @Option(
            names = "--tokens",
            defaultValue = "50",
            description = "tokens per image (${DEFAULT-VALUE})")
    int tokens;

    @Option(names = "--warmup", defaultValue = "3", description = "untimed runs (${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--repeats", defaultValue = "15", description = "timed runs (${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (particles <= 0 || rank <= 0 || batch <= 0 || tokens <= 0 || repeats <= 0) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--particles, --rank, --batch, --tokens and --repeats must be positive, got "
                            + particles
                            + ", "
                            + rank
                            + ", "
                            + batch
                            + ", "
                            + tokens
                            + ", "
                            + repeats);
        }
        Map<String, Object> result = run();
        BenchSupport.print(spec, result, json);
        return 0;
    }

    Map<String, Object> run() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock stack = BenchSupport.vitMlpStack(manager);
            BellaConfig config =
                    BellaConfig.builder()
                            .optTargetRegex(".*")
                            .optParticles(particles)
                            .optRank(rank)
                            .optBInitStd(0.01)
                            .build();
            try (ParticleBlock model = Bella.wrap(stack, config)) {
                List<ParticleBlock> singles = new ArrayList<>();
                for (int i = 0; i < particles; i++) {
                    singles.add(model.select(i));
                }
                manager.getEngine().setRandomSeed(1);
                NDArray x = manager.randomNormal(new Shape(batch, tokens, BenchSupport.WIDTH));
                BenchSupport.Task batched =
                        () -> {
                            try (NDManager scope = manager.newSubManager()) {
                                NDArray in = x.duplicate();
                                in.attach(scope);
                                return model.predict(new NDList(in))
                                        .singletonOrThrow()
                                        .getFloat(0, 0, 0, 0);
                            }
                        };
                BenchSupport.Task sequential =
                        () -> {
                            double sink = 0;
                            try (NDManager scope = manager.newSubManager()) {
                                NDArray in = x.duplicate();
                                in.attach(scope);
                                for (ParticleBlock one : singles) {
                                    sink +=
                                            one.predict(new NDList(in))
                                                    .singletonOrThrow()
                                                    .getFloat(0, 0, 0, 0);
                                }
                            }
                            return sink;
                        };
                double[] ms =
                        BenchSupport.interleavedMedianMillis(warmup, repeats, batched, sequential);
                double batchedMs = ms[0];
                double sequentialMs = ms[1];
                for (ParticleBlock one : singles) {
                    one.close();
                }
                double roofline = BenchSupport.gemmGflops(manager, 1024);
                double flops = flops();
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("particles", particles);
                r.put("rank", rank);
                r.put("batch", batch);
                r.put("tokens", tokens);
                r.put("batched_ms", round(batchedMs));
                r.put("sequential_ms", round(sequentialMs));
                r.put("speedup", round(sequentialMs / batchedMs));
                r.put("gflop", round(flops / 1e9));
                r.put("gflops", round(flops / (batchedMs * 1e6)));
                r.put("sequential_gflops", round(flops / (sequentialMs * 1e6)));
                r.put("roofline_gflops", round(roofline));
                r.put("roofline_fraction", round(flops / (batchedMs * 1e6) / roofline));
                return r;
            }
        }
    }

    /** Multiply-adds x 2 of the batched forward: base GEMMs plus the two low-rank GEMMs. */
    private double flops() {
        double rows = (double) particles * batch * tokens;
        double perLayerPair =
                2 * rows * BenchSupport.WIDTH * BenchSupport.HIDDEN * 2
                        + 2 * rows * rank * (BenchSupport.WIDTH + BenchSupport.HIDDEN) * 2;
        return BenchSupport.BLOCKS * perLayerPair;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
