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
package dev.bella.core.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.TrainingDivergedException;
import ai.djl.metric.Metrics;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.evaluator.Evaluator;
import ai.djl.training.listener.EarlyStoppingListener;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import dev.bella.core.InPlace;
import dev.bella.core.ParticleBlock;
import dev.bella.core.Scalars;
import dev.bella.core.Seeds;
import dev.bella.core.posterior.EpochStats;
import dev.bella.core.posterior.ParticlePosterior;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the particles of a {@link ParticleBlock} as a posterior: the one training loop of the
 * library, with a pluggable {@link UpdateRule} (SVGD from {@code bella-svgd}, the independent
 * ensemble from {@code bella-ensemble}).
 *
 * <p>One step: all particles run in one batched forward pass (each on the same minibatch, or each
 * on its own with {@link Builder#optPerParticleDataOrder}); each particle's objective is, by
 * default ({@link Objective#PER_EXAMPLE}), its mean minibatch loss plus the prior term over the
 * data set size, \( U_j = \bar\ell_j + \frac{\lambda}{2N} \|\theta_j\|^2 \), the scale on which the
 * paper's SVGD \( \gamma \) acts; {@link Objective#DATA_SET} gives \( N \) times that, the negative
 * log posterior ({@link Builder#optObjective}). The prior is a zero-mean Gaussian of precision \(
 * \lambda \) on every adapter value, on by default ({@value #DEFAULT_PRIOR_PRECISION}, {@link
 * Builder#optPriorPrecision}). One backward pass gives every particle's gradient; the {@link
 * StepListener}s check them (a {@link DivergenceGuard} always does); the update rule turns them
 * into the gradients handed to the optimizer. The default optimizer is Adam with decoupled weight
 * decay (AdamW) in a resumable form, its decay 0 by default since the prior is in the gradient
 * ({@link Builder#optWeightDecay} restores the paper's AdamW decay); any DJL {@link Optimizer} may
 * be supplied instead.
 *
 * <p>Training runs through a DJL {@link Trainer}, so DJL's {@link TrainingListener}s and {@link
 * Evaluator}s work as usual. The per-epoch log ({@link EpochLog}), the checkpoints ({@link
 * CheckpointListener}) and the divergence guard ({@link DivergenceGuard}) are listeners too, added
 * to every fit after DJL's basic ones. As in DJL's {@code EasyTrain}, a listener that throws DJL's
 * {@link EarlyStoppingListener.EarlyStoppedException} from {@code onEpoch} ends the fit after that
 * epoch (listeners added after it do not see that epoch) and {@link #fit} returns normally.
 *
 * <p><b>Reproducibility.</b> The data order of epoch {@code e} is drawn from {@code (seed, e)}
 * only, so two runs with the same seed, data and model give bitwise-identical adapters on the same
 * CPU, and a run resumed from a checkpoint continues exactly as the uninterrupted run would (with
 * the default optimizer, whose state is checkpointed).
 *
 * <p>A trainer is immutable and reusable: every {@link #fit} call creates its own optimizer and
 * state. It is safe to share between threads, but one {@link ParticleBlock} must only be trained by
 * one fit at a time.
 */
public final class ParticleTrainer {

    private static final Logger logger = LoggerFactory.getLogger(ParticleTrainer.class);

    /**
     * The default precision \( \lambda \) of the Gaussian prior on every adapter value: 1, a unit
     * normal (see {@link Builder#optPriorPrecision}).
     */
    public static final double DEFAULT_PRIOR_PRECISION = 1.0;

    /** The default of {@link Builder#optDivergenceFactor}. */
    public static final double DEFAULT_DIVERGENCE_FACTOR = 1e4;

    /**
     * The batch size used when neither {@link Builder#optBatchSize} nor the dataset's own sampler
     * gives one (the sampler cannot be read, e.g. where DJL's package is not open to reflection).
     */
    public static final int DEFAULT_BATCH_SIZE = 32;

    private final UpdateRule rule;
    private final ParticleLoss loss;
    private final Supplier<Optimizer> optimizer;
    private final boolean defaultOptimizer;
    private final float learningRate;
    private final ParameterTracker learningRateTracker;
    private final float weightDecay;
    private final float clipGrad;
    private final double priorPrecision;
    private final Objective objective;
    private final int epochs;
    private final long maxSteps;
    private final Integer batchSize;
    private final long seed;
    private final boolean perParticleDataOrder;
    private final int particleChunk;
    private final double divergenceFactor;
    private final Path checkpointDir;
    private final Path resumeFrom;
    private final List<Supplier<Evaluator>> evaluators;
    private final List<Supplier<TrainingListener>> listeners;

    private ParticleTrainer(Builder b) {
        this.rule = b.rule;
        this.loss = b.loss;
        this.defaultOptimizer = b.optimizer == null;
        this.learningRate = b.learningRate;
        this.learningRateTracker = b.learningRateTracker;
        this.weightDecay = b.weightDecay;
        this.clipGrad = b.clipGrad;
        this.optimizer = b.optimizer == null ? this::newAdamW : b.optimizer;
        this.priorPrecision = b.priorPrecision;
        this.objective = b.objective;
        this.epochs = b.epochs;
        this.maxSteps = b.maxSteps;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.perParticleDataOrder = b.perParticleDataOrder;
        this.particleChunk = b.particleChunk;
        this.divergenceFactor = b.divergenceFactor;
        this.checkpointDir = b.checkpointDir;
        this.resumeFrom = b.resumeFrom;
        this.evaluators = List.copyOf(b.evaluators);
        this.listeners = List.copyOf(b.listeners);
    }

    /**
     * Returns a builder: softmax cross-entropy, AdamW at 1e-3 with weight decay 0.01, one epoch,
     * the training dataset's own batch size, seed 0. The update rule must be set ({@link
     * Builder#setUpdateRule}); {@code SvgdRule.trainer()} and {@code EnsembleBella.trainer()}
     * return builders with it set.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the update rule.
     *
     * @return the rule
     */
    public UpdateRule getUpdateRule() {
        return rule;
    }

    /**
     * Returns the batch size set with {@link Builder#optBatchSize}, or empty if the trainer takes
     * the training dataset's own.
     *
     * @return the set batch size, if any
     */
    public OptionalInt getBatchSize() {
        return batchSize == null ? OptionalInt.empty() : OptionalInt.of(batchSize);
    }

    private Optimizer newAdamW() {
        ParameterTracker lr =
                learningRateTracker != null ? learningRateTracker : Tracker.fixed(learningRate);
        ResumableAdamW.Builder b =
                ResumableAdamW.builder().optLearningRateTracker(lr).optWeightDecays(weightDecay);
        if (clipGrad > 0) {
            b.optClipGrad(clipGrad);
        }
        return b.build();
    }

    /**
     * Trains the particles in place and returns them as a posterior with its provenance.
     *
     * <p><b>Batches.</b> The trainer draws its own batches, so that a run is reproducible and
     * resumable: of the datasets' own samplers ({@code setSampling(batchSize, random)} when they
     * were built) only the batch size is used. Training batches are the training dataset's batch
     * size unless {@link Builder#optBatchSize} is set, and then the two must agree; their order is
     * always the trainer's seeded shuffle of the whole set, drawn afresh every epoch from the seed
     * and the epoch number, whatever {@code random} flag the dataset was built with; every example
     * is used every epoch, the last batch smaller. Validation batches are the validation dataset's
     * batch size, in the dataset's order. A dataset whose sampler is not a DJL {@link
     * ai.djl.training.dataset.BatchSampler}, or one that drops its last batch, is refused rather
     * than silently ignored.
     *
     * @param model the particles (from {@code Bella.wrap} or {@code Bella.load})
     * @param train the training data: inputs as the model expects them, integer labels
     * @param validation evaluated after each epoch, or {@code null}
     * @return the posterior; it holds {@code model}, so closing it closes the model
     * @throws IOException if reading data or writing a checkpoint fails
     * @throws TranslateException if the dataset cannot produce a batch
     * @throws IllegalArgumentException for an empty training set, a checkpoint from another
     *     configuration, a training dataset sampled in other batches than {@link
     *     Builder#optBatchSize}, or a dataset with a custom sampler or one that drops its last
     *     batch
     * @throws ai.djl.TrainingDivergedException if a loss or gradient becomes NaN or infinite
     */
    public ParticlePosterior fit(
            ParticleBlock model, RandomAccessDataset train, RandomAccessDataset validation)
            throws IOException, TranslateException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(train, "train");
        long trainSize = train.size();
        if (trainSize <= 0) {
            throw new IllegalArgumentException(
                    "the training dataset is empty (size " + trainSize + "); nothing to fit");
        }
        if (validation != null && validation.size() <= 0) {
            throw new IllegalArgumentException(
                    "the validation dataset is empty; pass null to skip validation");
        }
        int trainBatch = DatasetBatches.batchSize(train, "training", batchSize, DEFAULT_BATCH_SIZE);
        int validationBatch =
                validation == null
                        ? trainBatch
                        : DatasetBatches.batchSize(validation, "validation", null, trainBatch);
        rule.prepare(model);
        Optimizer opt = optimizer.get();
        Map<String, Parameter> params = model.getParticleParameters();
        Device device = model.getDevice();
        TrainingRun run =
                new TrainingRun(
                        model, opt, rule, settings(trainBatch), trainSize, seed, checkpointDir);
        int startEpoch = 0;
        if (resumeFrom != null) {
            Checkpoints.Position at = Checkpoints.resume(run, resumeFrom, defaultOptimizer);
            startEpoch = at.epoch() + 1;
            run.setPosition(at.epoch(), at.step());
            run.checkpointed(resumeFrom, at.epoch(), at.step(), true);
            logger.info(
                    "resuming from {} after epoch {} (step {})", resumeFrom, at.epoch(), at.step());
        }
        if (Double.isFinite(divergenceFactor)) {
            // The bound is relative to the particles as this fit starts (initialised or resumed).
            Map<String, NDArray> values = new LinkedHashMap<>();
            params.forEach((k, p) -> values.put(k, p.getArray()));
            double start = DivergenceGuard.maxAbs(values);
            run.setValueLimit(divergenceFactor * (Double.isFinite(start) ? Math.max(1, start) : 1));
        }
        try (Model djl = Model.newInstance("bella-particles", device)) {
            djl.setBlock(model);
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(loss)
                            .optOptimizer(opt)
                            .optDevices(new Device[] {device});
            for (Supplier<Evaluator> e : evaluators) {
                config.addEvaluator(e.get());
            }
            config.addTrainingListeners(TrainingListener.Defaults.basic());
            // Order matters: the record reads the epoch metrics DJL's listeners computed, the log
            // and the checkpoint read the record.
            config.addTrainingListeners(new EpochRecorder(run, loss), new EpochLog(run));
            config.addTrainingListeners(new DivergenceGuard(run));
            if (checkpointDir != null) {
                config.addTrainingListeners(new CheckpointListener(run, checkpointDir));
            }
            for (Supplier<TrainingListener> l : listeners) {
                config.addTrainingListeners(l.get());
            }
            try (Trainer trainer = djl.newTrainer(config)) {
                trainer.setMetrics(new Metrics());
                List<StepListener> stepListeners = new ArrayList<>();
                for (TrainingListener l : config.getTrainingListeners()) {
                    if (l instanceof StepListener) {
                        stepListeners.add((StepListener) l);
                    }
                }
                model.setAdaptersTrainable(true);
                try {
                    for (int epoch = startEpoch;
                            epoch < epochs && run.getStep() < maxSteps;
                            epoch++) {
                        run.setPosition(epoch, run.getStep());
                        trainEpoch(trainer, run, train, trainBatch, stepListeners);
                        if (validation != null) {
                            validate(trainer, run, validation, validationBatch);
                        }
                        try {
                            notifyEpoch(trainer);
                        } catch (EarlyStoppingListener.EarlyStoppedException e) {
                            logger.info("stopped early after epoch {}: {}", epoch, e.getMessage());
                            break;
                        }
                    }
                } finally {
                    model.setAdaptersTrainable(false);
                    if (opt instanceof AutoCloseable) {
                        try {
                            ((AutoCloseable) opt).close();
                        } catch (Exception e) {
                            logger.warn("could not free the optimizer state: {}", e.toString());
                        }
                    }
                }
            }
        }
        return ParticlePosterior.of(model, run.provenance());
    }

    /** Runs the epoch listeners; a checkpoint's IOException comes out as itself. */
    private static void notifyEpoch(Trainer trainer) throws IOException {
        try {
            trainer.notifyListeners(listener -> listener.onEpoch(trainer));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private void trainEpoch(
            Trainer trainer,
            TrainingRun run,
            RandomAccessDataset train,
            int batchSize,
            List<StepListener> stepListeners)
            throws IOException, TranslateException {
        ParticleBlock model = run.getModel();
        int n = model.getParticleCount();
        NDManager manager = trainer.getManager();
        List<Iterator<Batch>> sources = new ArrayList<>();
        int streams = perParticleDataOrder ? n : 1;
        for (int i = 0; i < streams; i++) {
            long s = Seeds.derive(seed, run.getEpoch(), perParticleDataOrder ? i + 1 : 0);
            sources.add(train.getData(manager, new SeededSampler(batchSize, s, true)).iterator());
        }
        while (sources.get(0).hasNext() && run.getStep() < maxSteps) {
            try (Batch batch = nextBatch(sources, manager)) {
                trainStep(trainer, run, batch, train.size(), stepListeners);
            }
            run.setPosition(run.getEpoch(), run.getStep() + 1);
        }
    }

    private Batch nextBatch(List<Iterator<Batch>> sources, NDManager manager) {
        if (sources.size() == 1) {
            return sources.get(0).next();
        }
        List<Batch> parts = new ArrayList<>(sources.size());
        for (Iterator<Batch> it : sources) {
            parts.add(it.next());
        }
        NDManager batchManager = manager.newSubManager();
        NDList data = stackParts(parts, true);
        NDList labels = stackParts(parts, false);
        data.attach(batchManager);
        labels.attach(batchManager);
        Batch first = parts.get(0);
        Batch combined =
                new Batch(
                        batchManager,
                        data,
                        labels,
                        first.getSize(),
                        null,
                        null,
                        first.getProgress(),
                        first.getProgressTotal());
        for (Batch b : parts) {
            b.close();
        }
        return combined;
    }

    private static NDList stackParts(List<Batch> parts, boolean data) {
        NDList first = data ? parts.get(0).getData() : parts.get(0).getLabels();
        NDList out = new NDList(first.size());
        for (int k = 0; k < first.size(); k++) {
            NDList slices = new NDList(parts.size());
            for (Batch b : parts) {
                slices.add((data ? b.getData() : b.getLabels()).get(k));
            }
            out.add(NDArrays.stack(slices));
        }
        return out;
    }

    private void trainStep(
            Trainer trainer,
            TrainingRun run,
            Batch batch,
            long datasetScale,
            List<StepListener> stepListeners) {
        ParticleBlock model = run.getModel();
        Map<String, Parameter> params = model.getParticleParameters();
        // The batch moves to the particles' device (a no-op when it is already there): a dataset
        // read on the CPU trains particles wrapped onto a GPU.
        NDList data = batch.getData().toDevice(model.getDevice(), false);
        NDList labels = batch.getLabels().toDevice(model.getDevice(), false);
        NDList predictions;
        NDArray perParticle;
        int n = model.getParticleCount();
        if (particleChunk == 0 || particleChunk >= n) {
            try (GradientCollector collector = trainer.newGradientCollector()) {
                predictions =
                        perParticleDataOrder
                                ? model.forwardParticles(
                                        new ParameterStore(batch.getManager(), false), data, true)
                                : trainer.forward(data, labels);
                checkLabels(labels, predictions, trainingBatch(run));
                perParticle = loss.perParticle(labels, predictions);
                NDArray total = Scalars.mul(perParticle, objective.lossScale(datasetScale)).sum();
                collector.backward(withPrior(total, params, datasetScale, batch.getManager()));
            }
        } else {
            NDList[] chunkPredictions = new NDList[(n + particleChunk - 1) / particleChunk];
            NDArray[] chunkLosses = new NDArray[chunkPredictions.length];
            try (GradientCollector collector = trainer.newGradientCollector()) {
                for (int c = 0; c < chunkPredictions.length; c++) {
                    int from = c * particleChunk;
                    int to = Math.min(n, from + particleChunk);
                    // Everything a chunk computes lives in its own manager, freed after its
                    // backward pass, so only one chunk's activations are alive at a time.
                    try (NDManager scope = batch.getManager().newSubManager()) {
                        ParameterStore store = new ParameterStore(scope, false);
                        NDList x = copyInto(data, perParticleDataOrder, from, to, scope);
                        NDList y = copyInto(labels, perParticleDataOrder, from, to, scope);
                        NDList out =
                                perParticleDataOrder
                                        ? model.forwardParticlesRange(store, x, from, to, true)
                                        : model.forwardRange(store, x, from, to, true);
                        if (c == 0) {
                            checkLabels(labels, out, trainingBatch(run));
                        }
                        NDArray chunkLoss = loss.perParticle(y, out);
                        NDArray total =
                                Scalars.mul(chunkLoss, objective.lossScale(datasetScale)).sum();
                        collector.backward(
                                c == 0 ? withPrior(total, params, datasetScale, scope) : total);
                        chunkLosses[c] = keep(chunkLoss, batch.getManager());
                        NDList kept = new NDList(out.size());
                        for (NDArray o : out) {
                            kept.add(keep(o, batch.getManager()));
                        }
                        chunkPredictions[c] = kept;
                    }
                }
            }
            perParticle = NDArrays.concat(new NDList(chunkLosses), 0);
            predictions = new NDList(chunkPredictions[0].size());
            for (int k = 0; k < chunkPredictions[0].size(); k++) {
                NDList parts = new NDList(chunkPredictions.length);
                for (NDList p : chunkPredictions) {
                    parts.add(p.get(k));
                }
                predictions.add(NDArrays.concat(parts, 0));
            }
        }
        Map<String, NDArray> grads = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            grads.put(e.getKey(), e.getValue().getArray().getGradient());
        }
        UpdateRule.StepGradients step =
                new UpdateRule.StepGradients(
                        model, run.getStep(), Collections.unmodifiableMap(grads));
        try {
            for (StepListener l : stepListeners) {
                l.beforeUpdate(step, perParticle);
            }
            UpdateRule.Update update;
            try {
                update = rule.update(step);
            } catch (TrainingDivergedException e) {
                throw new TrainingDivergedException(
                        e.getMessage()
                                + "; the update was not applied and "
                                + run.describeLastCheckpoint()
                                + DivergenceGuard.HINT,
                        e);
            }
            run.addDiagnostics(update.diagnostics());
            apply(run, params, grads, update);
        } finally {
            for (NDArray g : grads.values()) {
                g.subi(g);
                // getGradient() hands out a new native handle each call: release it (not the
                // buffer)
                g.close();
            }
        }
        TrainingListener.BatchData batchData =
                new TrainingListener.BatchData(
                        batch,
                        Collections.singletonMap(data.head().getDevice(), labels),
                        Collections.singletonMap(data.head().getDevice(), predictions));
        trainer.notifyListeners(listener -> listener.onTrainingBatch(trainer, batchData));
    }

    /**
     * Hands the rule's directions to the optimizer, unless one is NaN or infinite, and undoes the
     * step if it leaves a NaN, infinite or out-of-bound value ({@link
     * Builder#optDivergenceFactor}): either way a {@link TrainingDivergedException} naming the
     * particle, the tensor, the step and the last good checkpoint, with the particles as they were
     * before the step.
     */
    private void apply(
            TrainingRun run,
            Map<String, Parameter> params,
            Map<String, NDArray> grads,
            UpdateRule.Update update) {
        Set<NDArray> own = Collections.newSetFromMap(new IdentityHashMap<>());
        own.addAll(grads.values());
        Map<String, NDArray> directions = new LinkedHashMap<>();
        try {
            for (String name : params.keySet()) {
                NDArray direction = update.gradients().get(name);
                if (direction == null) {
                    throw new IllegalStateException(
                            "update rule '"
                                    + rule.name()
                                    + "' returned no gradient for '"
                                    + name
                                    + "'");
                }
                directions.put(name, direction);
            }
            DivergenceGuard.Violation bad =
                    DivergenceGuard.find(directions, Double.POSITIVE_INFINITY);
            if (bad != null) {
                throw DivergenceGuard.diverged(
                        "the update rule '"
                                + rule.name()
                                + "' gave particle "
                                + bad.particle()
                                + " a NaN or infinite direction for "
                                + bad.tensor(),
                        run.getStep(),
                        run.describeLastCheckpoint());
            }
            Map<String, NDArray> values = new LinkedHashMap<>();
            params.forEach((k, p) -> values.put(k, p.getArray()));
            NDManager parent = values.values().iterator().next().getManager();
            try (NDManager snapshot = parent.newSubManager()) {
                Map<String, NDArray> before = new LinkedHashMap<>();
                for (Map.Entry<String, NDArray> e : values.entrySet()) {
                    NDArray copy = e.getValue().duplicate();
                    copy.attach(snapshot);
                    before.put(e.getKey(), copy);
                }
                for (Map.Entry<String, NDArray> e : directions.entrySet()) {
                    run.getOptimizer().update(e.getKey(), values.get(e.getKey()), e.getValue());
                }
                double limit = run.getValueLimit();
                DivergenceGuard.Violation exploded = DivergenceGuard.find(values, limit);
                if (exploded != null) {
                    for (Map.Entry<String, NDArray> e : values.entrySet()) {
                        InPlace.copy(before.get(e.getKey()), e.getValue());
                    }
                    throw DivergenceGuard.diverged(
                            "after the optimizer step, " + exploded.describe(limit, "would hold"),
                            run.getStep(),
                            run.describeLastCheckpoint());
                }
            }
        } finally {
            for (NDArray d : update.gradients().values()) {
                if (!own.contains(d)) {
                    d.close();
                }
            }
        }
    }

    private static String trainingBatch(TrainingRun run) {
        return "training step " + run.getStep() + " (epoch " + run.getEpoch() + ")";
    }

    /** Runs the loss's label check, adding where the batch is to the message. */
    private void checkLabels(NDList labels, NDList predictions, String where) {
        try {
            loss.checkLabels(labels, predictions);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    /**
     * Adds the prior term, \( \frac{\lambda}{2} \sum \|\theta\|^2 \) over the adapters times the
     * objective's prior scale, when a prior is set.
     */
    private NDArray withPrior(
            NDArray total, Map<String, Parameter> params, long dataSetSize, NDManager scope) {
        if (priorPrecision <= 0) {
            return total;
        }
        double factor = priorPrecision / 2 * objective.priorScale(dataSetSize);
        for (Parameter p : params.values()) {
            // A result joins its first operand's manager: move the first one to the scope.
            NDArray square = p.getArray().square();
            square.attach(scope);
            total = total.add(Scalars.mul(square.sum(), factor));
        }
        return total;
    }

    /**
     * Copies arrays into {@code scope} (so that every result computed from them lands there too),
     * keeping rows {@code [from, to)} of per-particle arrays.
     */
    private static NDList copyInto(
            NDList arrays, boolean perParticle, int from, int to, NDManager scope) {
        NDList out = new NDList(arrays.size());
        for (NDArray a : arrays) {
            NDArray part = perParticle ? a.get(new NDIndex("{}:{}", from, to)) : a;
            NDArray copy = part.duplicate();
            copy.attach(scope);
            if (part != a) {
                part.close();
            }
            out.add(copy);
        }
        return out;
    }

    /** A copy of {@code a}'s values without its autograd history, in {@code manager}. */
    private static NDArray keep(NDArray a, NDManager manager) {
        NDArray copy = a.stopGradient().duplicate();
        copy.attach(manager);
        return copy;
    }

    private void validate(
            Trainer trainer, TrainingRun run, RandomAccessDataset validation, int batchSize)
            throws IOException, TranslateException {
        int index = 0;
        for (Batch batch :
                validation.getData(trainer.getManager(), new SeededSampler(batchSize, 0, false))) {
            try (batch) {
                Device device = run.getModel().getDevice();
                NDList labels = batch.getLabels().toDevice(device, false);
                NDList predictions = trainer.evaluate(batch.getData().toDevice(device, false));
                checkLabels(
                        labels,
                        predictions,
                        "validation batch "
                                + index++
                                + " after epoch "
                                + run.getEpoch()
                                + " (step "
                                + run.getStep()
                                + ")");
                TrainingListener.BatchData batchData =
                        new TrainingListener.BatchData(
                                batch,
                                Collections.singletonMap(device, labels),
                                Collections.singletonMap(device, predictions));
                trainer.notifyListeners(listener -> listener.onValidationBatch(trainer, batchData));
            }
        }
    }

    private Map<String, String> settings(int batch) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("method", rule.name());
        s.putAll(rule.settings());
        s.put("optimizer", defaultOptimizer ? "AdamW" : "custom");
        s.put(
                "learning_rate",
                learningRateTracker == null ? Float.toString(learningRate) : "tracker");
        s.put("weight_decay", Float.toString(weightDecay));
        s.put("clip_grad", Float.toString(clipGrad));
        s.put("prior_precision", Double.toString(priorPrecision));
        s.put("objective", objective.name().toLowerCase(java.util.Locale.ROOT));
        s.put("epochs", Integer.toString(epochs));
        s.put("batch_size", Integer.toString(batch));
        s.put("seed", Long.toString(seed));
        s.put("per_particle_data_order", Boolean.toString(perParticleDataOrder));
        return s;
    }

    /**
     * Records each epoch's {@link EpochStats} in the run, from the metrics DJL's evaluator listener
     * computed and the rule's averaged diagnostics.
     */
    private static final class EpochRecorder extends TrainingListenerAdapter {
        private final TrainingRun run;
        private final ParticleLoss loss;
        private long started = System.nanoTime();

        EpochRecorder(TrainingRun run, ParticleLoss loss) {
            this.run = run;
            this.loss = loss;
        }

        @Override
        public void onEpoch(Trainer trainer) {
            Metrics m = trainer.getMetrics();
            double trainAcc = Double.NaN;
            double valAcc = Double.NaN;
            for (Evaluator e : trainer.getEvaluators()) {
                if (e instanceof PosteriorAccuracy) {
                    trainAcc = metric(m, e, EvaluatorTrainingListener.TRAIN_EPOCH);
                    valAcc = metric(m, e, EvaluatorTrainingListener.VALIDATE_EPOCH);
                }
            }
            long now = System.nanoTime();
            run.addEpoch(
                    new EpochStats(
                            run.getEpoch(),
                            run.getStep(),
                            metric(m, loss, EvaluatorTrainingListener.TRAIN_EPOCH),
                            trainAcc,
                            metric(m, loss, EvaluatorTrainingListener.VALIDATE_EPOCH),
                            valAcc,
                            run.takeDiagnostics(),
                            (now - started) / 1e9));
            started = now;
        }

        private static double metric(Metrics m, Evaluator e, String stage) {
            String name = EvaluatorTrainingListener.metricName(e, stage);
            return m.hasMetric(name) ? m.latestMetric(name).getValue() : Double.NaN;
        }
    }

    /** Builds a {@link ParticleTrainer}. */
    public static final class Builder {
        private UpdateRule rule;
        private ParticleLoss loss = ParticleLoss.softmaxCrossEntropy();
        private Supplier<Optimizer> optimizer;
        private float learningRate = 1e-3f;
        private ParameterTracker learningRateTracker;
        private float weightDecay;
        private float clipGrad;
        private double priorPrecision = DEFAULT_PRIOR_PRECISION;
        private Objective objective = Objective.PER_EXAMPLE;
        private int epochs = 1;
        private long maxSteps = Long.MAX_VALUE;
        private Integer batchSize;
        private long seed;
        private boolean perParticleDataOrder;
        private int particleChunk;
        private double divergenceFactor = DEFAULT_DIVERGENCE_FACTOR;
        private Path checkpointDir;
        private Path resumeFrom;
        private final List<Supplier<Evaluator>> evaluators = new ArrayList<>();
        private final List<Supplier<TrainingListener>> listeners = new ArrayList<>();

        private Builder() {
            evaluators.add(PosteriorAccuracy::new);
        }

        /**
         * Sets the update rule, e.g. {@code new SvgdRule(LowRankSvgd.builder().build())} or {@code
         * EnsembleRule.INSTANCE}. Required.
         *
         * @param rule the rule
         * @return this builder
         */
        public Builder setUpdateRule(UpdateRule rule) {
            this.rule = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /**
         * Sets the per-particle loss (default softmax cross-entropy).
         *
         * @param loss the loss
         * @return this builder
         */
        public Builder optLoss(ParticleLoss loss) {
            this.loss = Objects.requireNonNull(loss, "loss");
            return this;
        }

        /**
         * Supplies a DJL optimizer per fit instead of the default resumable AdamW; then the
         * learning rate, weight decay and clipping settings here are not used, and a resumed run
         * restarts the optimizer's state.
         *
         * @param optimizer makes a fresh optimizer for each fit
         * @return this builder
         */
        public Builder optOptimizer(Supplier<Optimizer> optimizer) {
            this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
            return this;
        }

        /**
         * Sets AdamW's fixed learning rate (default 1e-3).
         *
         * @param learningRate finite and positive
         * @return this builder
         */
        public Builder optLearningRate(float learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        /**
         * Sets AdamW's learning-rate schedule, e.g. {@code Tracker.cosine()}; overrides the fixed
         * rate.
         *
         * @param tracker the schedule
         * @return this builder
         */
        public Builder optLearningRateTracker(ParameterTracker tracker) {
            this.learningRateTracker = Objects.requireNonNull(tracker, "tracker");
            return this;
        }

        /**
         * Sets AdamW's decoupled weight decay (default 0: the Gaussian prior of {@link
         * #optPriorPrecision} is the regulariser, in the gradient; DJL's AdamW default is 0.01).
         *
         * @param weightDecay finite and non-negative
         * @return this builder
         */
        public Builder optWeightDecay(float weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /**
         * Clips each gradient element to {@code [-clip, clip]} before the AdamW update (default: no
         * clipping).
         *
         * @param clip positive, or 0 for none
         * @return this builder
         */
        public Builder optGradientClip(float clip) {
            this.clipGrad = clip;
            return this;
        }

        /**
         * Sets the precision \( \lambda \) of the zero-mean Gaussian prior on every adapter value
         * (default {@value ParticleTrainer#DEFAULT_PRIOR_PRECISION}, a unit normal; 0 removes the
         * prior). The prior is part of the target: without it, directions the data never constrain
         * (an input feature that is zero in every training example) have no posterior scale, and
         * SVGD's repulsion spreads the particles along them without bound. The default is the
         * largest round precision that does not pull the fit away from the data on the study's
         * digits run: \( \lambda = 10 \) raised the test NLL from 0.042 to 0.060 and \( \lambda =
         * 100 \) shrank every adapter to zero (docs/training.md).
         *
         * @param precision finite and non-negative
         * @return this builder
         */
        public Builder optPriorPrecision(double precision) {
            this.priorPrecision = precision;
            return this;
        }

        /**
         * Sets the scale of each particle's objective ({@link Objective}): {@link
         * Objective#PER_EXAMPLE} (default; \( \bar\ell + \frac{\lambda}{2N}\|\theta\|^2 \), the
         * scale of the paper's SVGD \( \gamma \)) or {@link Objective#DATA_SET} (the negative log
         * posterior, \( N \bar\ell + \frac{\lambda}{2}\|\theta\|^2 \); with SVGD at \( \gamma = 1
         * \) this is exact SVGD on the posterior).
         *
         * @param objective the scale
         * @return this builder
         */
        public Builder optObjective(Objective objective) {
            this.objective = Objects.requireNonNull(objective, "objective");
            return this;
        }

        /**
         * Sets the number of epochs (default 1).
         *
         * @param epochs positive
         * @return this builder
         */
        public Builder optEpochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /**
         * Stops after this many optimizer steps in total, whatever the epochs (default: no limit).
         *
         * @param maxSteps positive
         * @return this builder
         */
        public Builder optMaxSteps(long maxSteps) {
            this.maxSteps = maxSteps;
            return this;
        }

        /**
         * Sets the minibatch size per particle. By default it is the training dataset's own, the
         * {@code batchSize} of the {@code setSampling(batchSize, random)} it was built with (or
         * {@value ParticleTrainer#DEFAULT_BATCH_SIZE} if that cannot be read). When set, it must
         * equal the dataset's: {@link ParticleTrainer#fit} refuses a training dataset sampled in
         * other batches with an {@link IllegalArgumentException} instead of silently ignoring one
         * of the two.
         *
         * <p>Only the batch size is taken from the dataset: the order is always the trainer's own
         * seeded shuffle, drawn afresh every epoch from {@link #optSeed} and the epoch number
         * (whatever {@code random} flag the dataset was built with), so that a run is reproducible
         * and a resumed run continues exactly; every example is used every epoch, the last batch
         * smaller. A dataset with a sampler other than DJL's {@code BatchSampler}, or one that
         * drops its last batch, is refused.
         *
         * @param batchSize positive
         * @return this builder
         */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Sets the seed of the data order (default 0).
         *
         * @param seed any value
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Gives every particle its own data order (its own minibatches) instead of one shared order
         * (default false). Ensemble Bella's "different data order per member".
         *
         * @param perParticle whether each particle draws its own minibatches
         * @return this builder
         */
        public Builder optPerParticleDataOrder(boolean perParticle) {
            this.perParticleDataOrder = perParticle;
            return this;
        }

        /**
         * Runs each training step's forward and backward passes in chunks of this many particles
         * (default 0: all particles in one pass). Gradients are accumulated over the chunks before
         * the update rule runs, so the update is the same up to floating-point rounding, but only
         * one chunk's activations are in memory at a time: with chunks of 1, training n particles
         * needs about the activation memory of one model. The arithmetic is unchanged (every layer
         * already runs on each particle's copy of the batch); smaller chunks only mean smaller
         * matrix products.
         *
         * @param particles particles per chunk, {@code >= 0}; 0 or {@code >= n} for no chunking
         * @return this builder
         * @throws IllegalArgumentException if {@code particles < 0}
         */
        public Builder optParticleChunk(int particles) {
            if (particles < 0) {
                throw new IllegalArgumentException(
                        "particle chunk must be >= 0 (0 = all particles at once), got "
                                + particles);
            }
            this.particleChunk = particles;
            return this;
        }

        /**
         * Sets when a finite but exploded state counts as divergence (default {@value
         * #DEFAULT_DIVERGENCE_FACTOR}): after every optimizer step, and again before every
         * checkpoint, each particle tensor's largest magnitude is compared with {@code factor ×
         * max(1, M0)}, where {@code M0} is the largest magnitude of any particle tensor as the fit
         * starts (after initialisation or resume). A step that would exceed it is undone and
         * training stops with a {@link ai.djl.TrainingDivergedException} naming the particle, the
         * tensor, the step and the last good checkpoint, so an exploded state is never kept or
         * checkpointed. NaN and infinite values are divergence whatever the factor.
         *
         * <p>Why this criterion: an exploding learning rate shows in the parameters first (with
         * AdamW every element moves by up to about the learning rate per step, so lr 1e3 reaches
         * 1e4 within ten steps while the loss, a log-softmax, can stay finite and even small for
         * long); a criterion relative to the first epoch's loss misses a run that explodes in its
         * first epoch. A healthy fit moves a value by at most about {@code lr × steps} (1e-3 × 1e4
         * steps = 10), four orders of magnitude below the default bound, and LoRA factors of
         * magnitude 1e4 make perturbations of 1e8, which no trained network holds.
         *
         * @param factor {@code > 1}, or {@link Double#POSITIVE_INFINITY} to switch the bound off
         *     (only NaN and infinite values then count)
         * @return this builder
         * @throws IllegalArgumentException if {@code factor} is NaN or not above 1
         */
        public Builder optDivergenceFactor(double factor) {
            if (!(factor > 1)) {
                throw new IllegalArgumentException(
                        "divergence factor must be > 1 (or infinite to switch the bound off),"
                                + " factor = "
                                + factor);
            }
            this.divergenceFactor = factor;
            return this;
        }

        /**
         * Saves a checkpoint (adapters and optimizer state, atomically) into this directory after
         * every epoch.
         *
         * @param dir the directory
         * @return this builder
         */
        public Builder optCheckpointDir(Path dir) {
            this.checkpointDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Resumes from a checkpoint written by {@link #optCheckpointDir}: the adapters and
         * optimizer state are restored and training continues with the next epoch.
         *
         * @param dir the checkpoint directory
         * @return this builder
         */
        public Builder optResumeFrom(Path dir) {
            this.resumeFrom = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /**
         * Adds an evaluator (a fresh one is made for each fit). {@link PosteriorAccuracy} is always
         * included.
         *
         * @param evaluator makes the evaluator
         * @return this builder
         */
        public Builder addEvaluator(Supplier<Evaluator> evaluator) {
            evaluators.add(Objects.requireNonNull(evaluator, "evaluator"));
            return this;
        }

        /**
         * Removes every evaluator, including the default {@link PosteriorAccuracy} (for models
         * whose outputs are not class logits); add others with {@link #addEvaluator}.
         *
         * @return this builder
         */
        public Builder clearEvaluators() {
            evaluators.clear();
            return this;
        }

        /**
         * Adds a DJL training listener (made fresh for each fit), e.g. {@code
         * ai.djl.training.listener.LoggingTrainingListener::new} for DJL's progress bar. DJL's
         * basic listeners (epoch, evaluator, divergence check) are always included.
         *
         * @param listener makes the listener
         * @return this builder
         */
        public Builder addTrainingListener(Supplier<TrainingListener> listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /**
         * Validates and builds the trainer.
         *
         * @return the trainer
         * @throws IllegalArgumentException naming the offending value
         * @throws IllegalStateException if no update rule was set
         */
        public ParticleTrainer build() {
            if (rule == null) {
                throw new IllegalStateException(
                        "no update rule: call setUpdateRule(...), or start from"
                                + " SvgdRule.trainer() (bella-svgd) or EnsembleBella.trainer()"
                                + " (bella-ensemble)");
            }
            if (!(Float.isFinite(learningRate) && learningRate > 0)) {
                throw new IllegalArgumentException(
                        "learningRate must be finite and positive, learningRate = " + learningRate);
            }
            if (!(Float.isFinite(weightDecay) && weightDecay >= 0)) {
                throw new IllegalArgumentException(
                        "weightDecay must be finite and >= 0, weightDecay = " + weightDecay);
            }
            if (!(Float.isFinite(clipGrad) && clipGrad >= 0)) {
                throw new IllegalArgumentException(
                        "gradient clip must be finite and >= 0, clip = " + clipGrad);
            }
            if (!(Double.isFinite(priorPrecision) && priorPrecision >= 0)) {
                throw new IllegalArgumentException(
                        "priorPrecision must be finite and >= 0, priorPrecision = "
                                + priorPrecision);
            }
            if (epochs <= 0) {
                throw new IllegalArgumentException("epochs must be positive, epochs = " + epochs);
            }
            if (maxSteps <= 0) {
                throw new IllegalArgumentException(
                        "maxSteps must be positive, maxSteps = " + maxSteps);
            }
            if (batchSize != null && batchSize <= 0) {
                throw new IllegalArgumentException(
                        "batchSize must be positive, batchSize = " + batchSize);
            }
            return new ParticleTrainer(this);
        }
    }
}
