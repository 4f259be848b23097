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

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
import dev.bella.clip.ClipClassifier;
import dev.bella.clip.ClipTargets;
import dev.bella.clip.ClipVisionConfig;
import dev.bella.clip.ClipVisionTransformer;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.ParticleBlock;
import dev.bella.core.train.ParticleTrainer;
import dev.bella.ensemble.Baselines;
import dev.bella.ensemble.EnsembleRule;
import dev.bella.examples.cli.ProgressBar;
import dev.bella.svgd.LowRankSvgd;
import dev.bella.svgd.SvgdRule;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./bella bench clip-train}: training steps of the full-size CLIP ViT-B/32 (random weights)
 * with a 10-class head, in one of four set-ups, one per JVM so that each peak memory is its own:
 *
 * <ul>
 *   <li>{@code lora}: one particle, rank-r adapters on the 24 MLP layers plus a trainable head;
 *   <li>{@code bella}: n such particles trained by SVGD;
 *   <li>{@code full}: n fine-tuned copies of every dense layer (the full-rank ensemble);
 *   <li>{@code one}: one fine-tuned copy of every dense layer (ordinary fine-tuning of one model).
 * </ul>
 *
 * <p>Each step is a batched forward of all particles, a backward pass and an AdamW update through
 * {@link ParticleTrainer}. The first step is a warm-up and is not timed.
 */
@Command(
        name = "clip-train",
        mixinStandardHelpOptions = true,
        description =
                "CLIP ViT-B/32 training step (random weights): time, peak memory and trainable"
                        + " parameters of lora, bella, full or one (see docs/benchmarks.md).")
public final class ClipTrainBench implements Callable<Integer> {

    /** The set-ups. */
    enum Mode {
        LORA,
        BELLA,
        FULL,
        ONE
    }

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--mode",
            required = true,
            description = "lora, bella, full or one",
            converter = ModeConverter.class)
    Mode mode;

    @Option(
            names = "--particles",
            defaultValue = "5",
            description = "particles of bella and copies of full (${DEFAULT-VALUE})")
    int particles;

    @Option(names = "--rank", defaultValue = "4", description = "adapter rank r (${DEFAULT-VALUE})")
    int rank;

    @Option(
            names = "--batch",
            defaultValue = "8",
            description = "images per step (${DEFAULT-VALUE})")
    int batch;

    @Option(
            names = "--steps",
            defaultValue = "4",
            description = "steps, the first untimed (${DEFAULT-VALUE})")
    int steps;

    @Option(
            names = "--particle-chunk",
            defaultValue = "0",
            description =
                    "particles per forward/backward pass, 0 = all at once (${DEFAULT-VALUE}); see"
                            + " ParticleTrainer.Builder#optParticleChunk")
    int particleChunk;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (particles < 1 || rank < 1 || batch < 1 || steps < 2 || particleChunk < 0) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--particles, --rank and --batch must be >= 1, --steps >= 2 and"
                            + " --particle-chunk >= 0, got "
                            + particles
                            + ", "
                            + rank
                            + ", "
                            + batch
                            + ", "
                            + steps
                            + ", "
                            + particleChunk);
        }
        Map<String, Object> r = run();
        BenchSupport.print(spec, r, json);
        return 0;
    }

    Map<String, Object> run() throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("mode", mode.name().toLowerCase(Locale.ROOT));
        r.put("machine", BenchSupport.machine());
        r.put("loadavg_before", BenchSupport.loadAverage());
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipVisionTransformer tower =
                    ClipVisionTransformer.random(ClipVisionConfig.vitB32(), manager, 1);
            ClipClassifier clip = ClipClassifier.withTrainableHead(tower, 10, 2, manager);
            System.gc();
            r.put("rss_model_loaded_bytes", BenchSupport.rss());
            manager.getEngine().setRandomSeed(3);
            int size = batch * steps;
            float[] labels = new float[size];
            for (int i = 0; i < size; i++) {
                labels[i] = i % 10;
            }
            ArrayDataset data =
                    new ArrayDataset.Builder()
                            .setData(manager.randomUniform(0, 1, new Shape(size, 3, 224, 224)))
                            .optLabels(manager.create(labels))
                            .setSampling(batch, false)
                            .build();
            int n = mode == Mode.LORA || mode == Mode.ONE ? 1 : particles;
            BellaConfig config =
                    switch (mode) {
                        case LORA, BELLA ->
                                ClipTargets.bellaConfig()
                                        .optFullRankTargets("head")
                                        .optFullRankInitStd(0.01)
                                        .optBInitStd(0.01)
                                        .optRank(rank)
                                        .optParticles(n)
                                        .build();
                        case FULL, ONE -> Baselines.fullRank(clip, n, 0, 0.01);
                    };
            try (ParticleBlock model = Bella.wrap(clip, config)) {
                BenchSupport.StepTimer timer = new BenchSupport.StepTimer();
                // Progress on stderr: CLIP steps take seconds each.
                ProgressBar bar =
                        (spec != null
                                        ? ProgressBar.Factory.on(spec.commandLine().getErr())
                                        : ProgressBar.Factory.stderr())
                                .create("clip-train " + r.get("mode"), 1)
                                .withMaxSteps(steps);
                ParticleTrainer.builder()
                        .setUpdateRule(
                                mode == Mode.BELLA
                                        ? new SvgdRule(LowRankSvgd.builder().build())
                                        : EnsembleRule.INSTANCE)
                        .clearEvaluators()
                        .optBatchSize(batch)
                        .optMaxSteps(steps)
                        .optParticleChunk(particleChunk)
                        .optLearningRate(1e-4f)
                        .addTrainingListener(() -> timer)
                        .addTrainingListener(bar::listener)
                        .build()
                        .fit(model, data, null);
                List<Double> timed = timer.durations.subList(1, timer.durations.size());
                r.put("particles", n);
                r.put("rank", mode == Mode.LORA || mode == Mode.BELLA ? rank : null);
                r.put("batch", batch);
                r.put("particle_chunk", particleChunk);
                r.put("trainable_parameters", model.summary().trainableTotal());
                r.put("frozen_parameters", model.summary().frozen());
                r.put("steps_timed", timed.size());
                r.put(
                        "step_ms",
                        Math.round(
                                BenchSupport.median(
                                        timed.stream()
                                                .mapToDouble(Double::doubleValue)
                                                .toArray())));
                r.put("peak_rss_bytes", BenchSupport.peakRss());
            }
        }
        r.put("loadavg_after", BenchSupport.loadAverage());
        return r;
    }

    /** Parses {@code lora}, {@code bella}, {@code full}, {@code one}, in any case. */
    static final class ModeConverter implements CommandLine.ITypeConverter<Mode> {
        @Override
        public Mode convert(String value) {
            try {
                return Mode.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(
                        "--mode must be lora, bella, full or one, got " + value);
            }
        }
    }
}
