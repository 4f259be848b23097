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
package dev.bella.examples.study;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import dev.bella.baselines.DirichletDistillation;
import dev.bella.baselines.Laplace;
import dev.bella.baselines.McDropout;
import dev.bella.baselines.SampleCollector;
import dev.bella.baselines.SgldRule;
import dev.bella.baselines.SwagCollector;
import dev.bella.baselines.ViRule;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.train.ParticleTrainer;
import dev.bella.ensemble.Baselines;
import dev.bella.ensemble.EnsembleBella;
import dev.bella.ensemble.EnsembleRule;
import dev.bella.svgd.LowRankSvgd;
import dev.bella.svgd.SvgdRule;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;

/**
 * The methods the study knows, by id: what each fine-tunes (its particles on the frozen base) and
 * how it turns them into a {@link Posterior}. A new method is one {@link #register} call in the
 * static block below: an id, a display name, the {@link BellaConfig} of its particles and a {@link
 * Fit} that trains them and returns the posterior the study evaluates. Methods whose posterior is
 * the trained particles themselves use {@link #trainedBy}; methods that build their posterior after
 * training (Laplace, VI, SGLD, MC dropout) do that step in their {@link Fit}. The study then
 * evaluates, reports and exports every method alike.
 *
 * <p>The paper's other posteriors ({@code bella-baselines}), with their settings on the study:
 *
 * <ul>
 *   <li>{@code vbl}: one adapter trained to the MAP as {@code single} is, then {@link Laplace#fit}
 *       (diagonal GGN, {@value #VBL_LABEL_SAMPLES} Monte Carlo labels per training example, prior
 *       precision by marginal likelihood) and {@code S = n} draws.
 *   <li>{@code vi}: mean-field VI ({@link ViRule}), {@code n} Monte Carlo samples a step, prior
 *       precision the study's {@code --prior-precision} (default 1), initial σ 10⁻³, Adam on μ and
 *       ρ with a cosine schedule from {@value #VI_LEARNING_RATE} to {@value
 *       #VI_FINAL_LEARNING_RATE} over the run; {@code S = n} draws of q.
 *   <li>{@code sgld}: {@code n} chains ({@link SgldRule}, step size η = {@value #SGLD_STEP_SIZE},
 *       the study's prior precision, the data-set-scaled objective), for the study's epochs; the
 *       first half of the steps is burn-in, then {@value #SGLD_SNAPSHOTS} evenly spaced snapshots
 *       per chain are kept (the last at the final step): {@code S = }{@value #SGLD_SNAPSHOTS}{@code
 *       n} samples.
 *   <li>{@code mc-dropout}: one adapter trained as {@code single} with adapter dropout {@code p =
 *       }{@value #MC_DROPOUT}, then {@link McDropout} with {@code S = n} stochastic passes.
 *   <li>{@code lora-swag}: LoRA-SWAG, one adapter trained as {@code single} (AdamW at the study's
 *       fixed learning rate and prior) with a {@link SwagCollector} over its {@code A, B} values:
 *       {@value #SWAG_SNAPSHOTS} snapshots {@code max(1, steps / (2 * }{@value
 *       #SWAG_SNAPSHOTS}{@code ))} steps apart, the last at the final step (so within the last half
 *       of the run; every step if the run is shorter than {@value #SWAG_SNAPSHOTS} steps),
 *       deviation rank {@code K = }{@value #SWAG_RANK}; {@code S = n} draws (seed + 1).
 *   <li>{@code blora-xs}: B-LoRA-XS, one adapter of {@link BellaConfig.Builder#optCoreOnly} layers
 *       (frozen SVD factors of each base weight at the study's rank {@code r}, an {@code r x r}
 *       core trained from 0), trained and SWAG-ed exactly as {@code lora-swag}: SWAG over the
 *       cores; {@code S = n} draws.
 *   <li>{@code distilled}: a Dirichlet student ({@link DirichletDistillation}): the teacher (the
 *       study's {@code teacher}, SVGD Bella by default) is trained afresh on its own copy of the
 *       base as that method is, then the student — a rank-{@code r} adapter on the hidden layer and
 *       a full-rank head (the last layer) — learns the teacher's samples on the target split with
 *       the study's loop (at most the study's epochs), early stopping after {@value
 *       #DISTILL_PATIENCE} epochs without improvement of the training NLL. Its uncertainty is in
 *       closed form. It is not part of {@code all}: it trains its teacher a second time.
 * </ul>
 *
 * <p>Storage ({@code stored_values} in the JSON, see {@link StudyJson}): the values a method's
 * posterior holds in its own form beside the frozen base — the particles' adapter values for the
 * particle methods, twice the adapter for {@code vi} (μ, ρ) and {@code vbl} (mean and diagonal
 * precision), the kept snapshots for {@code sgld}, one adapter for {@code mc-dropout}, and {@code
 * (K + 2)} adapters for {@code lora-swag} and {@code blora-xs} (mean, second moment, {@code K}
 * deviations; for {@code blora-xs} an adapter is its \( r^2 \) core values per layer). {@code
 * stored_bytes} is what the study actually writes: the {@code S} drawn adapters for the sampled
 * posteriors.
 */
public final class StudyMethods {

    /** What {@code ./bella demo} runs when {@code --methods} is not given. */
    public static final String DEFAULT = "single,ensemble,svgd,full-ensemble";

    /**
     * The {@code --methods} value that selects every registered method but {@value #DISTILLED}
     * (which trains its teacher again: ask for it by name).
     */
    public static final String ALL = "all";

    /** The id of the Dirichlet student distilled from another method's posterior. */
    public static final String DISTILLED = "distilled";

    /** The method {@value #DISTILLED} distils unless {@code --teacher} says otherwise. */
    public static final String DEFAULT_TEACHER = "svgd";

    /** Monte Carlo labels per training example for the Laplace GGN. */
    static final int VBL_LABEL_SAMPLES = 10;

    /** Examples per backward pass of the Laplace GGN. */
    static final int VBL_CHUNK = 64;

    /** VI's Adam learning rate at the first step. */
    static final float VI_LEARNING_RATE = 0.03f;

    /** VI's Adam learning rate at the last step. */
    static final float VI_FINAL_LEARNING_RATE = 3e-4f;

    /** SGLD's step size η. */
    static final double SGLD_STEP_SIZE = 1e-4;

    /** Snapshots SGLD keeps per chain after the burn-in. */
    static final int SGLD_SNAPSHOTS = 4;

    /** The adapter dropout probability of MC dropout. */
    static final double MC_DROPOUT = 0.1;

    /** SWAG's deviation rank K: the columns of its low-rank covariance factor. */
    static final int SWAG_RANK = 10;

    /** Snapshots SWAG collects, evenly spaced over the last half of the steps. */
    static final int SWAG_SNAPSHOTS = 20;

    /** Epochs without improvement of the student's training NLL before it stops. */
    static final int DISTILL_PATIENCE = 3;

    private static final Map<String, StudyMethod> REGISTRY = new LinkedHashMap<>();

    /**
     * Builds the particles of a method on the frozen base.
     *
     * <p>{@code lora} is the study's adapter configuration (rank {@code r} on both dense layers,
     * seeded), with the particle count still to be set.
     */
    @FunctionalInterface
    public interface Particles {
        /**
         * The particles' configuration.
         *
         * @param base the frozen base network
         * @param lora the study's adapter configuration
         * @param settings the study's settings
         * @return the configuration to wrap the base with
         */
        BellaConfig config(SequentialBlock base, BellaConfig lora, StudySettings settings);
    }

    /**
     * What a method's {@link Fit} gets from the study.
     *
     * @param settings the study's settings
     * @param model the method's particles on the frozen base, freshly wrapped (owned by the study)
     * @param train the training (target) split, batched as the study's settings say
     * @param trainInputs the training split's inputs {@code (N, d)} (e.g. for a Laplace fit)
     * @param loop sets the study's training loop on a trainer builder: epochs, batch size, learning
     *     rate, seed and the progress display; apply it to every trainer the method builds
     * @param lora the study's adapter configuration (as {@link Particles#config} gets it), for a
     *     method that wraps the base again (the student's teacher)
     */
    public record FitContext(
            StudySettings settings,
            ParticleBlock model,
            ArrayDataset train,
            NDArray trainInputs,
            UnaryOperator<ParticleTrainer.Builder> loop,
            BellaConfig lora) {

        /**
         * The number of optimizer steps a fit with the study's loop takes.
         *
         * @return epochs times batches per epoch
         */
        public long steps() {
            long perEpoch = (train.size() + settings.batchSize() - 1) / settings.batchSize();
            return perEpoch * settings.epochs();
        }
    }

    /** Trains a method's particles and returns its posterior. */
    @FunctionalInterface
    public interface Fit {
        /**
         * Trains and returns the posterior the study evaluates. It may be the trained particles
         * themselves (a {@link ParticlePosterior} holding {@code context.model()}, which the study
         * then closes once) or a new posterior built from them, which the study closes.
         *
         * @param context the model, data and training loop
         * @return the posterior
         * @throws IOException if training fails to read data
         * @throws TranslateException if a batch cannot be made
         */
        Posterior fit(FitContext context) throws IOException, TranslateException;
    }

    /**
     * One method of the study.
     *
     * @param id the {@code --methods} id and the JSON key (e.g. {@code svgd})
     * @param name the display name for given settings (e.g. {@code SVGD Bella (n=5)})
     * @param particles the particles it fine-tunes
     * @param fit trains them and returns the posterior
     * @param trainable the values the method trains, given its trained particles (the JSON's {@code
     *     trainable})
     * @param storedValues the values its posterior holds in its own form beside the frozen base,
     *     given its trained particles (the JSON's {@code stored_values})
     */
    public record StudyMethod(
            String id,
            Function<StudySettings, String> name,
            Particles particles,
            Fit fit,
            ToLongFunction<ParticleBlock> trainable,
            ToLongFunction<ParticleBlock> storedValues) {

        /** Checks every part is given. */
        public StudyMethod {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(particles, "particles");
            Objects.requireNonNull(fit, "fit");
            Objects.requireNonNull(trainable, "trainable");
            Objects.requireNonNull(storedValues, "storedValues");
        }

        /**
         * A method whose posterior stores the values it trains.
         *
         * @param id the id
         * @param name the display name
         * @param particles the particles
         * @param fit the fit
         * @param trainable the values it trains and stores
         */
        public StudyMethod(
                String id,
                Function<StudySettings, String> name,
                Particles particles,
                Fit fit,
                ToLongFunction<ParticleBlock> trainable) {
            this(id, name, particles, fit, trainable, trainable);
        }

        /**
         * A method whose trainable values are its particles' (every particle's adapter values).
         *
         * @param id the id
         * @param name the display name
         * @param particles the particles
         * @param fit the fit
         */
        public StudyMethod(
                String id, Function<StudySettings, String> name, Particles particles, Fit fit) {
            this(id, name, particles, fit, m -> m.summary().trainableTotal());
        }
    }

    /**
     * A fit whose posterior is the trained particles: the given trainer with the study's loop and
     * prior precision.
     *
     * @param trainer the trainer builder for given settings (an update rule of its own, or
     *     listeners)
     * @return the fit
     */
    public static Fit trainedBy(Function<StudySettings, ParticleTrainer.Builder> trainer) {
        Objects.requireNonNull(trainer, "trainer");
        return c ->
                c.loop()
                        .apply(
                                trainer.apply(c.settings())
                                        .optPriorPrecision(c.settings().priorPrecision()))
                        .build()
                        .fit(c.model(), c.train(), null);
    }

    static {
        register(
                new StudyMethod(
                        "single",
                        s -> "Single LoRA (r=" + s.rank() + ")",
                        (base, lora, s) -> lora.toBuilder().optParticles(1).build(),
                        trainedBy(s -> EnsembleRule.trainer())));
        register(
                new StudyMethod(
                        "ensemble",
                        s -> "Ensemble Bella (n=" + s.particles() + ")",
                        (base, lora, s) -> lora.toBuilder().optParticles(s.particles()).build(),
                        trainedBy(s -> EnsembleBella.trainer())));
        register(
                new StudyMethod(
                        "svgd",
                        s -> "SVGD Bella (n=" + s.particles() + ")",
                        (base, lora, s) -> lora.toBuilder().optParticles(s.particles()).build(),
                        trainedBy(
                                s ->
                                        SvgdRule.trainer(
                                                LowRankSvgd.builder()
                                                        .optGamma(s.gamma())
                                                        .build()))));
        register(
                new StudyMethod(
                        "full-ensemble",
                        s -> "Full-rank ensemble (n=" + s.particles() + ")",
                        (base, lora, s) -> Baselines.fullRank(base, s.particles(), s.seed(), 0.01),
                        trainedBy(s -> EnsembleBella.trainer())));
        register(
                new StudyMethod(
                        "vbl",
                        s -> "Laplace VBL (S=" + s.particles() + ")",
                        (base, lora, s) -> lora.toBuilder().optParticles(1).build(),
                        StudyMethods::laplace,
                        m -> m.summary().trainableTotal(),
                        // the MAP and the diagonal precision
                        m -> 2 * m.summary().trainableTotal()));
        register(
                new StudyMethod(
                        "vi",
                        s -> "Mean-field VI (S=" + s.particles() + ")",
                        (base, lora, s) -> lora.toBuilder().optParticles(s.particles()).build(),
                        StudyMethods::variational,
                        // mu and rho: two values per adapter value
                        m -> 2 * m.summary().trainablePerParticle()));
        register(
                new StudyMethod(
                        "sgld",
                        s -> "SGLD (" + s.particles() + " chains)",
                        (base, lora, s) -> lora.toBuilder().optParticles(s.particles()).build(),
                        StudyMethods::langevin,
                        m -> m.summary().trainableTotal(),
                        // the kept snapshots of every chain
                        m -> SGLD_SNAPSHOTS * m.summary().trainableTotal()));
        register(
                new StudyMethod(
                        "mc-dropout",
                        s -> "MC dropout (p=" + MC_DROPOUT + ", S=" + s.particles() + ")",
                        (base, lora, s) ->
                                lora.toBuilder()
                                        .optParticles(1)
                                        .optAdapterDropout(MC_DROPOUT)
                                        .build(),
                        StudyMethods::mcDropout));
        register(
                new StudyMethod(
                        "lora-swag",
                        s -> "LoRA-SWAG (K=" + SWAG_RANK + ", S=" + s.particles() + ")",
                        (base, lora, s) -> lora.toBuilder().optParticles(1).build(),
                        StudyMethods::loraSwag,
                        m -> m.summary().trainableTotal(),
                        m -> SwagCollector.storedValues(m.summary().trainableTotal(), SWAG_RANK)));
        register(
                new StudyMethod(
                        "blora-xs",
                        s -> "B-LoRA-XS (r=" + s.rank() + ", K=" + SWAG_RANK + ")",
                        (base, lora, s) ->
                                lora.toBuilder().optParticles(1).optCoreOnly(true).build(),
                        StudyMethods::loraSwag,
                        m -> m.summary().trainableTotal(),
                        m -> SwagCollector.storedValues(m.summary().trainableTotal(), SWAG_RANK)));
        register(
                new StudyMethod(
                        DISTILLED,
                        s -> "Distilled Dirichlet (from " + get(s.teacher()).name().apply(s) + ")",
                        (base, lora, s) ->
                                BellaConfig.builder()
                                        .optTargets("0")
                                        .optFullRankTargets("2")
                                        .optRank(lora.getRank())
                                        .optSeed(lora.getSeed())
                                        .optParticles(1)
                                        .build(),
                        StudyMethods::distilled));
    }

    /**
     * The Dirichlet student: the teacher trained on its own copy of the base, then distilled into
     * the student's adapter and head.
     */
    private static Posterior distilled(FitContext c) throws IOException, TranslateException {
        StudyMethod teacher = get(c.settings().teacher());
        SequentialBlock base = (SequentialBlock) c.model().getBase();
        try (ParticleBlock particles =
                        Bella.wrap(base, teacher.particles().config(base, c.lora(), c.settings()));
                Posterior posterior =
                        teacher.fit()
                                .fit(
                                        new FitContext(
                                                c.settings(),
                                                particles,
                                                c.train(),
                                                c.trainInputs(),
                                                c.loop(),
                                                c.lora()))) {
            return DirichletDistillation.builder()
                    .optPatience(DISTILL_PATIENCE)
                    .build()
                    .fit(c.model(), posterior, c.trainInputs(), c.loop());
        }
    }

    /** VBL: the MAP adapter (trained as {@code single}), a diagonal Laplace fit, S = n draws. */
    private static Posterior laplace(FitContext c) throws IOException, TranslateException {
        trainedBy(s -> EnsembleRule.trainer()).fit(c);
        Laplace.Fit fit =
                Laplace.fit(
                        c.model(),
                        c.trainInputs(),
                        Laplace.Likelihood.CLASSIFICATION,
                        Double.NaN,
                        VBL_LABEL_SAMPLES,
                        VBL_CHUNK,
                        c.settings().seed());
        return fit.sample(c.settings().particles(), c.settings().seed() + 1);
    }

    /** VI: n Monte Carlo samples a step, Adam on mu and rho with a cosine schedule; S = n draws. */
    private static Posterior variational(FitContext c) throws IOException, TranslateException {
        ViRule rule =
                ViRule.builder()
                        .setPriorPrecision(c.settings().priorPrecision())
                        .optLearningRate(
                                Tracker.cosine()
                                        .setBaseValue(VI_LEARNING_RATE)
                                        .optFinalValue(VI_FINAL_LEARNING_RATE)
                                        .setMaxUpdates(Math.toIntExact(c.steps()))
                                        .build())
                        .optSeed(c.settings().seed())
                        .build();
        // The rule's trainer brings its own SGD at rate 1 and prior 0: the study's learning rate
        // does not reach it (a custom optimizer ignores optLearningRate).
        ParticlePosterior fit =
                c.loop().apply(rule.trainer()).build().fit(c.model(), c.train(), null);
        return rule.toPosterior(fit, c.settings().particles(), c.settings().seed() + 1);
    }

    /**
     * SGLD: n chains for the study's epochs; burn-in the first half, then {@link #SGLD_SNAPSHOTS}
     * snapshots per chain.
     */
    private static Posterior langevin(FitContext c) throws IOException, TranslateException {
        long steps = c.steps();
        long thinning = Math.max(1, steps / 2 / SGLD_SNAPSHOTS);
        long burnIn = Math.max(0, steps - SGLD_SNAPSHOTS * thinning);
        SgldRule rule = SgldRule.of(SGLD_STEP_SIZE, c.settings().seed());
        SampleCollector collector = new SampleCollector(c.model(), burnIn, thinning);
        ParticlePosterior fit =
                c.loop()
                        .apply(rule.trainer().optPriorPrecision(c.settings().priorPrecision()))
                        .addTrainingListener(() -> collector)
                        .build()
                        .fit(c.model(), c.train(), null);
        return collector.toPosterior(fit.getProvenance());
    }

    /**
     * LoRA-SWAG (and B-LoRA-XS, on core-only particles): one adapter trained as {@code single},
     * SWAG over the last half of the steps ({@link #SWAG_SNAPSHOTS} snapshots, rank {@link
     * #SWAG_RANK}); S = n draws.
     */
    private static Posterior loraSwag(FitContext c) throws IOException, TranslateException {
        long steps = c.steps();
        long interval = Math.max(1, steps / 2 / SWAG_SNAPSHOTS);
        long start = Math.max(0, steps - SWAG_SNAPSHOTS * interval);
        SwagCollector swag = new SwagCollector(c.model(), start, interval, SWAG_RANK);
        ParticlePosterior fit =
                c.loop()
                        .apply(
                                EnsembleRule.trainer()
                                        .optPriorPrecision(c.settings().priorPrecision()))
                        .addTrainingListener(() -> swag)
                        .build()
                        .fit(c.model(), c.train(), null);
        return swag.toPosterior(
                c.settings().particles(), c.settings().seed() + 1, fit.getProvenance());
    }

    /** MC dropout: one adapter trained with adapter dropout, then S = n stochastic passes. */
    private static Posterior mcDropout(FitContext c) throws IOException, TranslateException {
        trainedBy(s -> EnsembleRule.trainer()).fit(c);
        return McDropout.of(c.model(), c.settings().particles(), c.settings().seed() + 1);
    }

    private StudyMethods() {}

    private static void register(StudyMethod m) {
        if (REGISTRY.putIfAbsent(m.id(), m) != null) {
            throw new IllegalStateException("method id registered twice: " + m.id());
        }
    }

    /**
     * Every registered id, in registration order.
     *
     * @return the ids
     */
    public static List<String> ids() {
        return List.copyOf(REGISTRY.keySet());
    }

    /**
     * One method.
     *
     * @param id its id
     * @return the method
     * @throws IllegalArgumentException if no method has that id (the message lists the known ids)
     */
    public static StudyMethod get(String id) {
        StudyMethod m = REGISTRY.get(id);
        if (m == null) {
            throw new IllegalArgumentException(
                    "unknown method '"
                            + id
                            + "'; known methods: "
                            + String.join(", ", REGISTRY.keySet())
                            + " (or "
                            + ALL
                            + ")");
        }
        return m;
    }

    /**
     * Parses a {@code --methods} value: a comma-separated list of ids, or {@code all}.
     *
     * @param list the value, e.g. {@code "ensemble,svgd"}
     * @return the ids, in the order given, without repeats
     * @throws IllegalArgumentException if the list is empty or names an unknown id (the message
     *     lists the known ids)
     */
    public static List<String> parse(String list) {
        Objects.requireNonNull(list, "list");
        if (list.trim().equals(ALL)) {
            List<String> all = new ArrayList<>(ids());
            all.remove(DISTILLED);
            return Collections.unmodifiableList(all);
        }
        List<String> out = new ArrayList<>();
        for (String part : list.split(",", -1)) {
            String id = part.trim();
            if (id.isEmpty()) {
                throw new IllegalArgumentException(
                        "--methods has an empty entry in '"
                                + list
                                + "'; known methods: "
                                + String.join(", ", REGISTRY.keySet()));
            }
            get(id);
            if (!out.contains(id)) {
                out.add(id);
            }
        }
        return Collections.unmodifiableList(out);
    }
}
