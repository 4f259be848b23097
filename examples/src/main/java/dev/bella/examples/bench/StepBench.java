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
import ai.djl.training.dataset.ArrayDataset;
import dev.bella.baselines.SgldRule;
import dev.bella.baselines.ViRule;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.ParticleBlock;
import dev.bella.core.train.ParticleLoss;
import dev.bella.core.train.ParticleTrainer;
import dev.bella.ensemble.EnsembleRule;
import dev.bella.svgd.LowRankSvgd;
import dev.bella.svgd.SvgdRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./bella bench step}: one training step (batched forward, backward, update) of Bella
 * particles trained by SVGD versus as an ensemble (and, with {@code --baselines}, by SGLD, VI, and
 * the single adapter that VBL and MC dropout train, the latter with adapter dropout), on the MLP
 * stack of CLIP ViT-B/32 (24 layers, r = 4, 50 tokens per image). The methods alternate round by
 * round so that machine load affects all alike; the SVGD overhead is reported overall and per
 * round.
 */
@Command(
        name = "step",
        mixinStandardHelpOptions = true,
        description = "SVGD step vs ensemble step at the ViT-B/32 MLP sizes (docs/benchmarks.md).")
public final class StepBench implements Callable<Integer> {

    /**
     * The methods timed against each other, alternating within each round: each makes a fresh
     * trainer builder with its rule (and the optimizer the rule needs) and says how its particles
     * differ from the bench's (the n particles as they are, for most).
     */
    private record Method(
            String id,
            Supplier<ParticleTrainer.Builder> trainer,
            UnaryOperator<BellaConfig.Builder> particles) {
        Method(String id, Supplier<ParticleTrainer.Builder> trainer) {
            this(id, trainer, UnaryOperator.identity());
        }
    }

    private static List<Method> methods(boolean baselines) {
        List<Method> m = new ArrayList<>();
        m.add(new Method("ensemble", EnsembleRule::trainer));
        m.add(new Method("svgd", () -> SvgdRule.trainer(LowRankSvgd.builder().build())));
        if (baselines) {
            m.add(new Method("sgld", () -> SgldRule.of(1e-4, 1).trainer()));
            m.add(new Method("vi", () -> ViRule.builder().setPriorPrecision(1).build().trainer()));
            // VBL trains one adapter to the MAP (then fits the Laplace approximation once).
            m.add(new Method("single", EnsembleRule::trainer, c -> c.optParticles(1)));
            // MC dropout trains one adapter with adapter dropout.
            m.add(
                    new Method(
                            "mc-dropout",
                            EnsembleRule::trainer,
                            c -> c.optParticles(1).optAdapterDropout(0.1)));
        }
        return m;
    }

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
            defaultValue = "2",
            description = "images per step (${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--rounds", defaultValue = "4", description = "alternations (${DEFAULT-VALUE})")
    int rounds;

    @Option(
            names = "--steps",
            defaultValue = "4",
            description = "steps per round (${DEFAULT-VALUE}); the first is discarded")
    int steps;

    @Option(
            names = "--baselines",
            description =
                    "also time SGLD, VI (n particles each), one adapter (VBL's training) and one"
                            + " adapter with dropout 0.1 (MC dropout's) against the ensemble")
    boolean baselines;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (particles <= 0 || rank <= 0 || batch <= 0 || rounds <= 0 || steps < 2) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--particles, --rank, --batch and --rounds must be positive and --steps >= 2,"
                            + " got "
                            + particles
                            + ", "
                            + rank
                            + ", "
                            + batch
                            + ", "
                            + rounds
                            + ", "
                            + steps);
        }
        Map<String, Object> r = run();
        BenchSupport.print(spec, r, json);
        return 0;
    }

    Map<String, Object> run() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock stack = BenchSupport.vitMlpStack(manager);
            manager.getEngine().setRandomSeed(3);
            int size = batch * steps;
            ArrayDataset data =
                    new ArrayDataset.Builder()
                            .setData(manager.randomNormal(new Shape(size, 50, BenchSupport.WIDTH)))
                            .optLabels(manager.zeros(new Shape(size)))
                            .setSampling(batch, false)
                            .build();
            BellaConfig.Builder config =
                    BellaConfig.builder()
                            .optTargetRegex(".*")
                            .optParticles(particles)
                            .optRank(rank)
                            .optBInitStd(0.01);
            List<Method> methods = methods(baselines);
            Map<String, List<Double>> times = new LinkedHashMap<>();
            Map<String, List<Double>> perRound = new LinkedHashMap<>();
            methods.forEach(
                    m -> {
                        times.put(m.id(), new ArrayList<>());
                        perRound.put(m.id(), new ArrayList<>());
                    });
            // One set of particles per method, kept across the rounds (wrapping is not timed).
            Map<String, ParticleBlock> models = new LinkedHashMap<>();
            try {
                for (Method m : methods) {
                    models.put(
                            m.id(),
                            Bella.wrap(
                                    stack,
                                    m.particles().apply(config.build().toBuilder()).build()));
                }
                for (int round = 0; round < rounds; round++) {
                    for (Method m : methods) {
                        spec.commandLine()
                                .getErr()
                                .printf("round %d: %s%n", round + 1, m.id())
                                .flush();
                        BenchSupport.StepTimer timer = new BenchSupport.StepTimer();
                        m.trainer()
                                .get()
                                .optLoss(new MeanSquare())
                                .clearEvaluators()
                                .optBatchSize(batch)
                                .optEpochs(1)
                                .addTrainingListener(() -> timer)
                                .build()
                                .fit(models.get(m.id()), data, null);
                        List<Double> timed = timer.durations.subList(1, timer.durations.size());
                        times.get(m.id()).addAll(timed);
                        perRound.get(m.id()).add(median(timed));
                    }
                }
            } finally {
                for (ParticleBlock model : models.values()) {
                    model.close();
                }
            }
            double ensMs = median(times.get("ensemble"));
            double svgdMs = median(times.get("svgd"));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("particles", particles);
            r.put("rank", rank);
            r.put("batch", batch);
            r.put("tokens", 50);
            r.put("svgd_step_ms", round(svgdMs));
            r.put("ensemble_step_ms", round(ensMs));
            r.put("svgd_overhead", round(svgdMs / ensMs - 1));
            List<Double> overheads = new ArrayList<>();
            for (int k = 0; k < rounds; k++) {
                overheads.add(
                        round(perRound.get("svgd").get(k) / perRound.get("ensemble").get(k) - 1));
            }
            r.put("svgd_overhead_per_round", overheads);
            if (baselines) {
                Map<String, Object> relative = new LinkedHashMap<>();
                for (Method m : methods) {
                    relative.put(m.id(), round(median(times.get(m.id())) / ensMs));
                }
                r.put("step_relative_to_ensemble", relative);
            }
            r.put("samples", times.get("svgd").size());
            return r;
        }
    }

    /** A cheap stand-in loss: the mean square of each particle's outputs. */
    private static final class MeanSquare extends ParticleLoss {
        MeanSquare() {
            super("mean_square");
        }

        @Override
        public NDArray perParticle(NDList labels, NDList predictions) {
            NDArray y = predictions.singletonOrThrow();
            long n = y.getShape().get(0);
            return y.reshape(n, -1).square().mean(new int[] {1});
        }
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).toArray();
        return BenchSupport.median(a);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
