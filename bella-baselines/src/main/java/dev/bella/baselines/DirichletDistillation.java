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
package dev.bella.baselines;

import ai.djl.metric.Metrics;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.listener.EarlyStoppingListener;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.translate.TranslateException;
import dev.bella.core.InPlace;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Provenance;
import dev.bella.core.train.ParticleTrainer;
import dev.bella.core.train.UpdateRule;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Dirichlet (evidential) distillation of a posterior into one network (SPEC §9, after Nemani,
 * Srijith and Kuśmierczyk): a student — the frozen base, one adapter and a head — learns to output
 * the Dirichlet \( \alpha(x) = \exp z(x) \) under which the teacher's sample probabilities are most
 * likely, so that one forward pass gives the teacher's predictive and a closed-form split of its
 * uncertainty ({@link DirichletStudent}).
 *
 * <pre>{@code
 * DirichletDistillation distillation = DirichletDistillation.builder().optPatience(5).build();
 * try (ParticleBlock network = Bella.wrap(base, studentConfig)) {   // one particle
 *     DirichletStudent student = distillation.fit(
 *             network, teacher, trainInputs,
 *             b -> b.optEpochs(100).optLearningRate(1e-3f).optBatchSize(32).optSeed(0));
 *     List<Prediction> p = student.predict(new NDList(x));          // closed-form MI
 * }
 * }</pre>
 *
 * <p><b>Data.</b> The teacher (any {@link Posterior}: SVGD or ensemble particles, VBL, VI, SGLD, MC
 * dropout) is run once over the training inputs ({@link #teacherSamples}); its \( M \) sample
 * probabilities per input are the labels {@code (N, M, C)} of the distillation's data set. Labels
 * of the task are not used.
 *
 * <p><b>Loss.</b> {@link DirichletLoss}: the negative Dirichlet log-likelihood of the teacher's
 * samples, averaged over the samples and the batch, with the samples smoothed towards the centre of
 * the simplex by \( \varepsilon \) ({@link Builder#optSmoothing}) so no \( \log 0 \) occurs. The
 * student's adapter and head are trained by bella-core's {@link ParticleTrainer} (one particle,
 * gradients passed to the optimizer unchanged, the trainer's prior and optimizer), with every
 * setting of the loop the caller's to choose.
 *
 * <p><b>Early stopping on the training NLL.</b> After each epoch the epoch's mean training loss
 * (the running mean over its batches that DJL's loss accumulator records, in nats per teacher
 * sample) is compared with the best so far: an improvement of more than {@link Builder#optMinDelta
 * minDelta} resets the count, and {@link Builder#optPatience patience} epochs without one stop
 * training (at the latest at the trainer's epoch count). The adapter and head are then set back to
 * their values at the end of the best epoch. There is no held-out set: the student imitates the
 * teacher on the teacher's own training inputs, and the number reported is this training NLL
 * ({@code best_epoch}, {@code best_train_nll} in the provenance).
 *
 * <p>A distillation is an immutable, reusable factory; each {@link #fit} creates its own trainer.
 */
public final class DirichletDistillation {

    /** The default patience in epochs: {@value}. */
    public static final int DEFAULT_PATIENCE = 5;

    /** The default smallest improvement of the training NLL that counts, in nats: {@value}. */
    public static final double DEFAULT_MIN_DELTA = 1e-3;

    /** The default most epochs of {@link #trainer()}: {@value}. */
    public static final int DEFAULT_MAX_EPOCHS = 100;

    /** The default number of inputs per teacher forward pass: {@value}. */
    public static final int DEFAULT_TEACHER_BATCH = 256;

    private final double smoothing;
    private final int patience;
    private final double minDelta;
    private final int teacherBatch;

    private DirichletDistillation(Builder b) {
        this.smoothing = b.smoothing;
        this.patience = b.patience;
        this.minDelta = b.minDelta;
        this.teacherBatch = b.teacherBatch;
    }

    /**
     * Starts a builder with the defaults: smoothing {@value DirichletLoss#DEFAULT_SMOOTHING},
     * patience {@value #DEFAULT_PATIENCE}, min delta {@value #DEFAULT_MIN_DELTA}.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a trainer builder for the student: the Dirichlet loss, a pass-through update rule
     * named {@value DirichletStudent#METHOD}, no accuracy evaluator (the labels are the teacher's
     * samples), at most {@value #DEFAULT_MAX_EPOCHS} epochs; the rest are {@link
     * ParticleTrainer#builder()}'s defaults. {@link #fit} adds the early stopping.
     *
     * @return a new builder
     */
    public ParticleTrainer.Builder trainer() {
        return ParticleTrainer.builder()
                .setUpdateRule(new PassThrough(settings()))
                .optLoss(DirichletLoss.of(smoothing))
                .clearEvaluators()
                .optEpochs(DEFAULT_MAX_EPOCHS);
    }

    /**
     * Runs the teacher over the inputs and returns its sample probabilities, example first.
     *
     * @param teacher the teacher; not closed
     * @param inputs {@code (N, ...)}
     * @return {@code (N, M, C)} float32, in {@code inputs}' manager
     * @throws IllegalArgumentException if there are no inputs
     * @throws IllegalStateException if the teacher's output is not {@code (M, b, C)} or not finite
     */
    public NDArray teacherSamples(Posterior teacher, NDArray inputs) {
        Objects.requireNonNull(teacher, "teacher");
        long n = inputs.getShape().dimension() == 0 ? 0 : inputs.getShape().get(0);
        if (n < 1) {
            throw new IllegalArgumentException(
                    "the training inputs are empty, shape " + inputs.getShape());
        }
        float[] all = null;
        long m = 0;
        long c = 0;
        for (long from = 0; from < n; from += teacherBatch) {
            long to = Math.min(n, from + teacherBatch);
            try (NDManager scope = inputs.getManager().newSubManager()) {
                NDArray x = inputs.get(new NDIndex("{}:{}", from, to));
                x.attach(scope);
                NDArray p = teacher.sampleProbabilities(new NDList(x));
                Shape s = p.getShape();
                if (s.dimension() != 3 || s.get(1) != to - from) {
                    throw new IllegalStateException(
                            "the teacher must return sample probabilities (M, b, C) with b = "
                                    + (to - from)
                                    + ", got "
                                    + s);
                }
                if (all == null) {
                    m = s.get(0);
                    c = s.get(2);
                    all = new float[Math.toIntExact(n * m * c)];
                }
                float[] v = p.transpose(1, 0, 2).toType(DataType.FLOAT32, false).toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    if (!Float.isFinite(v[i])) {
                        throw new IllegalStateException(
                                "the teacher produced a non-finite probability for input "
                                        + (from + i / (m * c))
                                        + ": check the teacher's weights");
                    }
                }
                System.arraycopy(v, 0, all, Math.toIntExact(from * m * c), v.length);
            }
        }
        return inputs.getManager().create(all, new Shape(n, m, c));
    }

    /**
     * Distils with the trainer's defaults ({@link #trainer()}).
     *
     * @param network the student network, one particle; trained in place and owned by the result
     * @param teacher the teacher; only read
     * @param inputs the training inputs {@code (N, ...)}
     * @return the student
     * @throws IOException if training fails to read data
     * @throws TranslateException if a batch cannot be made
     */
    public DirichletStudent fit(ParticleBlock network, Posterior teacher, NDArray inputs)
            throws IOException, TranslateException {
        return fit(network, teacher, inputs, UnaryOperator.identity());
    }

    /**
     * Distils a teacher into a student network.
     *
     * @param network the student network, one particle on the frozen base, whose outputs are the \(
     *     C \) log-concentrations; trained in place, and owned by the returned student
     * @param teacher the teacher; only read
     * @param inputs the training inputs {@code (N, ...)}
     * @param loop sets the trainer's loop (epochs, batch size, learning rate, seed, listeners) on
     *     {@link #trainer()}; the early stopping is added after it
     * @return the student, set to its best epoch, with a provenance of method {@value
     *     DirichletStudent#METHOD} (the trainer's settings and history, plus {@code link}, {@code
     *     smoothing}, {@code patience}, {@code min_delta}, {@code teacher_method}, {@code
     *     teacher_samples}, {@code best_epoch}, {@code best_train_nll}, {@code epochs_run})
     * @throws IllegalArgumentException if the network has more than one particle, or its classes
     *     are not the teacher's
     * @throws IOException if training fails to read data
     * @throws TranslateException if a batch cannot be made
     */
    public DirichletStudent fit(
            ParticleBlock network,
            Posterior teacher,
            NDArray inputs,
            UnaryOperator<ParticleTrainer.Builder> loop)
            throws IOException, TranslateException {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(loop, "loop");
        if (network.getParticleCount() != 1) {
            throw new IllegalArgumentException(
                    "the student is one network, got "
                            + network.getParticleCount()
                            + " particles; wrap the base with BellaConfig.Builder.optParticles(1)");
        }
        NDArray samples = teacherSamples(teacher, inputs);
        try {
            long classes = samples.getShape().get(2);
            try (NDManager scope = inputs.getManager().newSubManager()) {
                NDArray first = inputs.get(new NDIndex("0:1"));
                first.attach(scope);
                long studentClasses = network.predict(new NDList(first)).head().getShape().get(2);
                if (studentClasses != classes) {
                    throw new IllegalArgumentException(
                            "the student outputs "
                                    + studentClasses
                                    + " log-concentrations but the teacher predicts "
                                    + classes
                                    + " classes");
                }
            }
            BestEpoch best = new BestEpoch(network, patience, minDelta);
            ParticleTrainer trainer = loop.apply(trainer()).addTrainingListener(() -> best).build();
            // The data set is ours: it takes the loop's batch size (the trainer would refuse
            // another), or the trainer's default when the loop sets none.
            ArrayDataset data =
                    new ArrayDataset.Builder()
                            .setData(inputs)
                            .optLabels(samples)
                            .setSampling(
                                    trainer.getBatchSize()
                                            .orElse(ParticleTrainer.DEFAULT_BATCH_SIZE),
                                    false)
                            .build();
            ParticlePosterior fit = trainer.fit(network, data, null);
            best.restore();
            Provenance p = fit.getProvenance();
            Map<String, String> s = new LinkedHashMap<>(p.settings());
            s.put("teacher_method", teacher.getProvenance().method());
            s.put("teacher_samples", Long.toString(samples.getShape().get(1)));
            s.put("best_epoch", Integer.toString(best.bestEpoch));
            s.put("best_train_nll", String.format(Locale.ROOT, "%s", best.best));
            s.put("epochs_run", Integer.toString(best.epoch));
            return DirichletStudent.of(
                    network,
                    new Provenance(
                            DirichletStudent.METHOD,
                            s,
                            p.config(),
                            p.seed(),
                            p.libraryVersion(),
                            p.djlVersion(),
                            p.baseSha256(),
                            p.trainExamples(),
                            p.history()));
        } finally {
            samples.close();
        }
    }

    /** The distillation's own settings, recorded in the provenance. */
    private Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("link", "exp");
        s.put("smoothing", String.format(Locale.ROOT, "%s", smoothing));
        s.put("patience", Integer.toString(patience));
        s.put("min_delta", String.format(Locale.ROOT, "%s", minDelta));
        return s;
    }

    /** One particle: the loss gradients go to the optimizer unchanged. */
    private static final class PassThrough implements UpdateRule {
        private final Map<String, String> settings;

        PassThrough(Map<String, String> settings) {
            this.settings = Map.copyOf(settings);
        }

        @Override
        public String name() {
            return DirichletStudent.METHOD;
        }

        @Override
        public Map<String, String> settings() {
            return new java.util.TreeMap<>(settings);
        }

        @Override
        public Update update(StepGradients step) {
            return new Update(step.gradients(), Map.of());
        }
    }

    /**
     * Early stopping on the epoch's training loss, keeping the best epoch's adapter values. Throws
     * DJL's {@link EarlyStoppingListener.EarlyStoppedException}, which {@link ParticleTrainer}
     * turns into a normal end of the fit.
     */
    static final class BestEpoch extends TrainingListenerAdapter {
        private final ParticleBlock network;
        private final int patience;
        private final double minDelta;
        private final Map<String, float[]> bestValues = new LinkedHashMap<>();
        private double best = Double.POSITIVE_INFINITY;
        private int bestEpoch;
        private int epoch;
        private int since;

        BestEpoch(ParticleBlock network, int patience, double minDelta) {
            this.network = network;
            this.patience = patience;
            this.minDelta = minDelta;
        }

        @Override
        public void onEpoch(Trainer trainer) {
            epoch++;
            Metrics m = trainer.getMetrics();
            String name =
                    EvaluatorTrainingListener.metricName(
                            trainer.getLoss(), EvaluatorTrainingListener.TRAIN_EPOCH);
            if (m == null || !m.hasMetric(name)) {
                return;
            }
            double loss = m.latestMetric(name).getValue();
            if (loss < best - minDelta) {
                best = loss;
                bestEpoch = epoch;
                since = 0;
                for (Map.Entry<String, Parameter> e : network.getParticleParameters().entrySet()) {
                    bestValues.put(
                            e.getKey(),
                            e.getValue().getArray().toType(DataType.FLOAT32, false).toFloatArray());
                }
            } else if (++since >= patience) {
                throw new EarlyStoppingListener.EarlyStoppedException(
                        epoch,
                        String.format(
                                Locale.ROOT,
                                "the training NLL has not improved by more than %s for %d epochs;"
                                        + " best %.5f at epoch %d",
                                minDelta,
                                patience,
                                best,
                                bestEpoch));
            }
        }

        /** Sets the network back to the best epoch's values (if any epoch was recorded). */
        void restore() {
            if (bestValues.isEmpty()) {
                return;
            }
            for (Map.Entry<String, Parameter> e : network.getParticleParameters().entrySet()) {
                InPlace.set(e.getValue().getArray(), bestValues.get(e.getKey()));
            }
        }
    }

    /** Configures a {@link DirichletDistillation}. */
    public static final class Builder {
        private double smoothing = DirichletLoss.DEFAULT_SMOOTHING;
        private int patience = DEFAULT_PATIENCE;
        private double minDelta = DEFAULT_MIN_DELTA;
        private int teacherBatch = DEFAULT_TEACHER_BATCH;

        private Builder() {}

        /**
         * Sets the central smoothing \( \varepsilon \) of the teacher's samples ({@link
         * DirichletLoss}). Default {@value DirichletLoss#DEFAULT_SMOOTHING}.
         *
         * @param smoothing in {@code (0, 1)}
         * @return this builder
         */
        public Builder optSmoothing(double smoothing) {
            this.smoothing = smoothing;
            return this;
        }

        /**
         * Sets how many epochs without an improvement stop training. Default {@value
         * #DEFAULT_PATIENCE}.
         *
         * @param patience a positive count
         * @return this builder
         */
        public Builder optPatience(int patience) {
            this.patience = patience;
            return this;
        }

        /**
         * Sets the smallest decrease of the epoch's training NLL (nats per teacher sample) that
         * counts as an improvement. Default {@value #DEFAULT_MIN_DELTA}.
         *
         * @param minDelta finite and {@code >= 0}
         * @return this builder
         */
        public Builder optMinDelta(double minDelta) {
            this.minDelta = minDelta;
            return this;
        }

        /**
         * Sets the number of inputs per teacher forward pass. Default {@value
         * #DEFAULT_TEACHER_BATCH}.
         *
         * @param teacherBatch a positive count
         * @return this builder
         */
        public Builder optTeacherBatch(int teacherBatch) {
            this.teacherBatch = teacherBatch;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the distillation
         * @throws IllegalArgumentException naming the setting and its value
         */
        public DirichletDistillation build() {
            DirichletLoss.of(smoothing); // validates
            if (patience < 1) {
                throw new IllegalArgumentException(
                        "patience should be a positive number of epochs but the value passed is "
                                + patience);
            }
            if (!(minDelta >= 0 && Double.isFinite(minDelta))) {
                throw new IllegalArgumentException(
                        "minDelta should be finite and >= 0 but the value passed is " + minDelta);
            }
            if (teacherBatch < 1) {
                throw new IllegalArgumentException(
                        "teacherBatch should be a positive integer but the value passed is "
                                + teacherBatch);
            }
            return new DirichletDistillation(this);
        }
    }
}
