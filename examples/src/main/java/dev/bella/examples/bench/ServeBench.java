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
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.NormalInitializer;
import dev.bella.baselines.DirichletStudent;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Provenance;
import dev.bella.core.serve.CoalescingPredictor;
import dev.bella.core.serve.UncertaintyPredictor;
import dev.bella.examples.study.StudyModels;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./bella bench serve}: the per-request latency of serving an {@code n}-particle posterior
 * (the teacher) and a Dirichlet student (one network, closed-form uncertainty), each through its
 * own {@link UncertaintyPredictor} (validation, batching, forward pass, uncertainty), timed in the
 * same run, alternating request by request so that a change in machine load affects both alike, at
 * batch 1 (the {@code --json} line: {@code {"teacher_ms": …, "student_ms": …, "batch": 1}}) and at
 * batch 32 (printed before it).
 *
 * <p>Models: by default the MLPs of CLIP ViT-B/32 ({@link BenchSupport#vitMlpStack}, 50 tokens of
 * width 768 per image) with a linear head on the class token, random weights, low-rank adapters of
 * rank {@code r} on every layer: {@code n} particles for the teacher, one for the student (the
 * timing does not depend on trained values). With {@code --model study DIR}, a study's MLP: its
 * SVGD Bella particles and its distilled student ({@code ./bella demo --methods svgd,distilled}),
 * on inputs drawn uniformly from [0, 1]. No HTTP: the JSON layer is the same for both.
 *
 * <p>With {@code --coalesce}, instead: the teacher's throughput and latency under {@code K}
 * concurrent single-input clients ({@code --clients 1,4,16,32}), through the plain predictor and
 * through a {@link CoalescingPredictor} on it, side by side in alternating rounds ({@link
 * CoalesceBench}).
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description =
                "Per-request latency of an n-particle predictor versus a Dirichlet student, at"
                        + " batch 1 and 32 (see docs/distillation.md); with --coalesce, the"
                        + " throughput of K concurrent clients with and without request"
                        + " coalescing (see docs/serving.md).")
public final class ServeBench implements Callable<Integer> {

    /** Classes of the random head on the ViT-B/32 MLP stack. */
    static final int CLASSES = 10;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--model",
            arity = "1..2",
            paramLabel = "vit-mlp | study DIR",
            description = "vit-mlp (default: the ViT-B/32 MLP stack) or study DIR")
    List<String> model = List.of("vit-mlp");

    @Option(
            names = "--particles",
            defaultValue = "5",
            description = "particles n of the teacher (vit-mlp) (${DEFAULT-VALUE})")
    int particles;

    @Option(names = "--rank", defaultValue = "4", description = "adapter rank r (${DEFAULT-VALUE})")
    int rank;

    @Option(
            names = "--tokens",
            defaultValue = "50",
            description = "tokens per image (vit-mlp) (${DEFAULT-VALUE})")
    int tokens;

    @Option(
            names = "--large-batch",
            defaultValue = "32",
            description = "the second batch size (${DEFAULT-VALUE})")
    int largeBatch;

    @Option(
            names = "--warmup",
            defaultValue = "2",
            description = "untimed rounds (${DEFAULT-VALUE})")
    int warmup;

    @Option(
            names = "--repeats",
            defaultValue = "15",
            description = "timed rounds at batch 1 (${DEFAULT-VALUE})")
    int repeats;

    @Option(
            names = "--large-repeats",
            defaultValue = "3",
            description = "timed rounds at the large batch (${DEFAULT-VALUE})")
    int largeRepeats;

    @Option(names = "--json", description = "print the batch-1 result as one JSON object, last")
    boolean json;

    @Option(
            names = "--coalesce",
            description =
                    "instead: K concurrent single-input clients through the teacher's plain"
                            + " predictor and through a CoalescingPredictor, side by side")
    boolean coalesce;

    @Option(
            names = "--clients",
            split = ",",
            defaultValue = "1,4,16,32",
            description = "--coalesce: the client counts K (${DEFAULT-VALUE})")
    List<Integer> clients;

    @Option(
            names = "--seconds",
            defaultValue = "2",
            description = "--coalesce: seconds per side per round (${DEFAULT-VALUE})")
    double seconds;

    @Option(
            names = "--rounds",
            defaultValue = "3",
            description = "--coalesce: rounds per K, each runs both sides (${DEFAULT-VALUE})")
    int rounds;

    @Option(
            names = "--coalesce-ms",
            defaultValue = "0",
            description = "--coalesce: the coalescer's longest wait in ms (${DEFAULT-VALUE})")
    double coalesceMs;

    @Option(
            names = "--coalesce-batch",
            defaultValue = "64",
            description = "--coalesce: the coalescer's largest batch (${DEFAULT-VALUE})")
    int coalesceBatch;

    @Option(
            names = "--coalesce-workers",
            defaultValue = "1",
            description = "--coalesce: the coalescer's worker threads (${DEFAULT-VALUE})")
    int coalesceWorkers;

    @Override
    public Integer call() throws Exception {
        if (particles <= 0
                || rank <= 0
                || tokens <= 0
                || largeBatch <= 0
                || warmup < 0
                || repeats <= 0
                || largeRepeats <= 0) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    String.format(
                            Locale.ROOT,
                            "--particles, --rank, --tokens, --large-batch, --repeats and"
                                    + " --large-repeats must be positive and --warmup >= 0, got"
                                    + " %d, %d, %d, %d, %d, %d, %d",
                            particles,
                            rank,
                            tokens,
                            largeBatch,
                            repeats,
                            largeRepeats,
                            warmup));
        }
        boolean study = model.get(0).equals("study");
        if (!(model.size() == 1 && model.get(0).equals("vit-mlp"))
                && !(study && model.size() == 2)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--model must be vit-mlp or study DIR, got " + String.join(" ", model));
        }
        if (coalesce) {
            return coalesce(study ? Path.of(model.get(1)) : null);
        }
        List<Map<String, Object>> results = run(study ? Path.of(model.get(1)) : null);
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> large = results.get(1);
        out.printf(
                Locale.ROOT,
                "batch %d: teacher %.3f ms, student %.3f ms per request%n",
                large.get("batch"),
                (Double) large.get("teacher_ms"),
                (Double) large.get("student_ms"));
        out.flush();
        BenchSupport.print(spec, results.get(0), json);
        return 0;
    }

    private Integer coalesce(Path studyDir) throws Exception {
        if (clients.isEmpty()
                || clients.stream().anyMatch(k -> k == null || k <= 0)
                || !(seconds > 0 && seconds <= 3600)
                || rounds <= 0
                || !(coalesceMs >= 0 && coalesceMs <= 10_000)
                || coalesceBatch <= 0) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    String.format(
                            Locale.ROOT,
                            "--clients must be positive counts, --seconds in (0, 3600], --rounds"
                                    + " and --coalesce-batch positive and --coalesce-ms in [0,"
                                    + " 10000], got %s, %s, %d, %d, %s",
                            clients,
                            seconds,
                            rounds,
                            coalesceBatch,
                            coalesceMs));
        }
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Object> result = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            Shape input;
            Posterior teacher;
            if (studyDir == null) {
                teacher = ParticlePosterior.of(Bella.wrap(vitWithHead(manager), config(particles)));
                input = new Shape(tokens, BenchSupport.WIDTH);
                result.put("model", "vit-mlp");
            } else {
                input = StudyModels.inputShape(StudyModels.readShape(studyDir));
                teacher = StudyModels.load(studyDir, "svgd", manager);
                result.put("model", "study " + studyDir + " (svgd)");
            }
            int maxClients = clients.stream().mapToInt(Integer::intValue).max().getAsInt();
            try (Posterior t = teacher;
                    UncertaintyPredictor predictor =
                            UncertaintyPredictor.builder(t, input).optManager(manager).build();
                    CoalescingPredictor coalescer =
                            CoalescingPredictor.builder(predictor)
                                    .optMaxWait(Duration.ofNanos(Math.round(coalesceMs * 1e6)))
                                    .optMaxBatch(coalesceBatch)
                                    .optQueueCapacity(Math.max(4 * coalesceBatch, maxClients))
                                    .optWorkers(coalesceWorkers)
                                    .build()) {
                result.put("particles", predictor.getParticleCount());
                result.put("input_shape", input.toString());
                result.put("coalesce_ms", coalesceMs);
                result.put("coalesce_batch", coalesceBatch);
                result.put("coalesce_workers", coalesceWorkers);
                result.put("seconds", seconds);
                result.put("rounds", rounds);
                result.put("machine", BenchSupport.machine());
                result.put("load_average_before", BenchSupport.loadAverage());
                out.printf(
                        Locale.ROOT,
                        "%s, %d particles: %s s per side per round, %d rounds, coalescing up to"
                                + " %s ms / %d inputs%n",
                        result.get("model"),
                        predictor.getParticleCount(),
                        seconds,
                        rounds,
                        coalesceMs,
                        coalesceBatch);
                out.flush();
                result.put(
                        "results",
                        new CoalesceBench(predictor, coalescer, seconds, rounds, warmup)
                                .run(clients, out));
                result.put("load_average_after", BenchSupport.loadAverage());
            }
        }
        BenchSupport.print(spec, result, json);
        return 0;
    }

    /** Batch 1, then the large batch. */
    List<Map<String, Object>> run(Path studyDir) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Posterior teacher;
            Posterior student;
            Shape input;
            if (studyDir == null) {
                SequentialBlock net = vitWithHead(manager);
                teacher = ParticlePosterior.of(Bella.wrap(net, config(particles)));
                student = DirichletStudent.of(Bella.wrap(net, config(1)), benchProvenance());
                input = new Shape(tokens, BenchSupport.WIDTH);
            } else {
                input = StudyModels.inputShape(StudyModels.readShape(studyDir));
                teacher = StudyModels.load(studyDir, "svgd", manager);
                try {
                    student = StudyModels.load(studyDir, "distilled", manager);
                } catch (RuntimeException e) {
                    teacher.close();
                    throw e;
                }
            }
            try (Posterior t = teacher;
                    Posterior s = student;
                    UncertaintyPredictor tp =
                            UncertaintyPredictor.builder(t, input).optManager(manager).build();
                    UncertaintyPredictor sp =
                            UncertaintyPredictor.builder(s, input).optManager(manager).build()) {
                return List.of(time(tp, sp, 1, repeats), time(tp, sp, largeBatch, largeRepeats));
            }
        }
    }

    private Map<String, Object> time(
            UncertaintyPredictor teacher, UncertaintyPredictor student, int batch, int rounds)
            throws Exception {
        SplittableRandom rng = new SplittableRandom(batch);
        float[][] requests = new float[batch][teacher.getInputSize()];
        for (float[] r : requests) {
            for (int j = 0; j < r.length; j++) {
                r[j] = (float) rng.nextDouble();
            }
        }
        double[] ms =
                BenchSupport.interleavedMedianMillis(
                        warmup,
                        rounds,
                        () -> teacher.predict(requests).get(0).entropy(),
                        () -> student.predict(requests).get(0).entropy());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("teacher_ms", round(ms[0]));
        r.put("student_ms", round(ms[1]));
        r.put("batch", batch);
        return r;
    }

    private BellaConfig config(int n) {
        return BellaConfig.builder()
                .optTargetRegex(".*")
                .optParticles(n)
                .optRank(rank)
                .optBInitStd(0.01)
                .build();
    }

    /** The ViT-B/32 MLP stack, then the class token's features through a linear head. */
    private SequentialBlock vitWithHead(NDManager manager) {
        SequentialBlock net =
                new SequentialBlock()
                        .add(BenchSupport.vitMlpStack(manager))
                        .add(x -> new NDList(x.singletonOrThrow().get(":, 0, :")))
                        .add(Linear.builder().setUnits(CLASSES).build());
        net.setInitializer(new NormalInitializer(0.02f), p -> true);
        manager.getEngine().setRandomSeed(0);
        net.initialize(manager, DataType.FLOAT32, new Shape(1, tokens, BenchSupport.WIDTH));
        return net;
    }

    private static Provenance benchProvenance() {
        return new Provenance(
                DirichletStudent.METHOD,
                Map.of("bench", "untrained"),
                null,
                0,
                Bella.VERSION,
                Engine.getDjlVersion(),
                "",
                0,
                List.of());
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
