package dev.bella.svgd.train;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.TrainingDivergedException;
import ai.djl.engine.Engine;
import ai.djl.metric.Metrics;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.evaluator.Evaluator;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import dev.bella.core.AdapterStore;
import dev.bella.core.Bella;
import dev.bella.core.DenseParticleLinear;
import dev.bella.core.LowRankLinear;
import dev.bella.core.ParticleBlock;
import dev.bella.svgd.FactorPair;
import dev.bella.svgd.KernelStats;
import dev.bella.svgd.LowRankFactors;
import dev.bella.svgd.LowRankSvgd;
import dev.bella.svgd.SvgdUpdate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the particles of a {@link ParticleBlock} as a posterior, by SVGD or as an ensemble.
 *
 * <p>One step: all particles run in one batched forward pass (each on the same minibatch, or each
 * on its own with {@link Builder#optPerParticleDataOrder}); each particle's loss \( L_j \) is its
 * mean loss scaled to the data set, \( N \cdot \bar\ell_j \), plus \( \frac{\lambda}{2}
 * \|\theta_j\|^2 \) for a Gaussian prior of precision \( \lambda \) ({@link
 * Builder#optPriorPrecision}, default 0); one backward pass gives every particle's gradient; {@link
 * LowRankSvgd} turns them into \( \phi \) (for {@link Method#ENSEMBLE}, \( \phi_j = -\nabla L_j
 * \)); and \( -\phi \) is handed to the optimizer as the gradient. The default optimizer is AdamW
 * (decoupled weight decay 0.01, DJL's default, the MAP analogue of a Gaussian prior) in a resumable
 * form; any DJL {@link Optimizer} may be supplied instead.
 *
 * <p>Training runs through a DJL {@link Trainer}, so DJL's {@link TrainingListener}s and {@link
 * Evaluator}s work as usual ({@code TrainingListener.Defaults.logging()} adds DJL's progress bar).
 * After each epoch the trainer logs one INFO line (loss, accuracy, validation, kernel bandwidth,
 * mean kernel value) and, with a checkpoint directory, saves the adapters atomically in
 * bella-core's format together with the optimizer state.
 *
 * <p><b>Reproducibility.</b> The data order of epoch {@code e} is drawn from {@code (seed, e)}
 * only, so two runs with the same seed, data and model give bitwise-identical adapters on the same
 * CPU, and a run resumed from a checkpoint continues exactly as the uninterrupted run would (with
 * the default optimizer, whose state is checkpointed).
 *
 * <p><b>Faults.</b> A NaN or infinite loss or gradient stops training with a {@link
 * TrainingDivergedException} naming the particle and the step, before the bad update is applied;
 * the last checkpoint written is the last good one.
 *
 * <p>A trainer is immutable and reusable: every {@link #fit} call creates its own optimizer and
 * state. It is safe to share between threads, but one {@link ParticleBlock} must only be trained by
 * one fit at a time.
 */
public final class BellaTrainer {

    private static final Logger logger = LoggerFactory.getLogger(BellaTrainer.class);

    private final Method method;
    private final LowRankSvgd svgd;
    private final ParticleLoss loss;
    private final Supplier<Optimizer> optimizer;
    private final boolean defaultOptimizer;
    private final float learningRate;
    private final ParameterTracker learningRateTracker;
    private final float weightDecay;
    private final float clipGrad;
    private final double priorPrecision;
    private final int epochs;
    private final long maxSteps;
    private final int batchSize;
    private final long seed;
    private final boolean perParticleDataOrder;
    private final int particleChunk;
    private final Path checkpointDir;
    private final Path resumeFrom;
    private final List<Supplier<Evaluator>> evaluators;
    private final List<Supplier<TrainingListener>> listeners;

    private BellaTrainer(Builder b) {
        this.method = b.method;
        this.svgd = b.svgd;
        this.loss = b.loss;
        this.defaultOptimizer = b.optimizer == null;
        this.learningRate = b.learningRate;
        this.learningRateTracker = b.learningRateTracker;
        this.weightDecay = b.weightDecay;
        this.clipGrad = b.clipGrad;
        this.optimizer = b.optimizer == null ? this::newAdamW : b.optimizer;
        this.priorPrecision = b.priorPrecision;
        this.epochs = b.epochs;
        this.maxSteps = b.maxSteps;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.perParticleDataOrder = b.perParticleDataOrder;
        this.particleChunk = b.particleChunk;
        this.checkpointDir = b.checkpointDir;
        this.resumeFrom = b.resumeFrom;
        this.evaluators = List.copyOf(b.evaluators);
        this.listeners = List.copyOf(b.listeners);
    }

    /**
     * Returns a builder: SVGD with {@link LowRankSvgd}'s defaults (gamma 0.01, kernel-smoothed
     * driving term, median bandwidth), softmax cross-entropy, AdamW at 1e-3 with weight decay 0.01,
     * one epoch, batches of 32, seed 0.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the training method.
     *
     * @return SVGD or ENSEMBLE
     */
    public Method getMethod() {
        return method;
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
     * Trains the particles in place and returns them with their provenance.
     *
     * @param model the particles (from {@code Bella.wrap} or {@code Bella.load})
     * @param train the training data: inputs as the model expects them, integer labels
     * @param validation evaluated after each epoch, or {@code null}
     * @return the posterior; it holds {@code model}, so closing it closes the model
     * @throws IOException if reading data or writing a checkpoint fails
     * @throws TranslateException if the dataset cannot produce a batch
     * @throws IllegalArgumentException for an empty training set or a checkpoint from another
     *     configuration
     * @throws TrainingDivergedException if a loss or gradient becomes NaN or infinite
     */
    public Posterior fit(
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
        int n = model.getParticleCount();
        if (method == Method.SVGD && n == 1) {
            logger.warn(
                    "SVGD with a single particle reduces to MAP estimation (no repulsion, kernel"
                            + " 1); use at least 2 particles for a posterior");
        }
        Optimizer opt = optimizer.get();
        Map<String, Parameter> params = adapterParameters(model);
        Device device = params.values().iterator().next().getArray().getDevice();
        int startEpoch = 0;
        long step = 0;
        if (resumeFrom != null) {
            long[] at = resume(model, opt, params);
            startEpoch = (int) at[0] + 1;
            step = at[1];
            logger.info(
                    "resuming from {} after epoch {} (step {})", resumeFrom, startEpoch - 1, step);
        }
        List<EpochStats> history = new ArrayList<>();
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
            for (Supplier<TrainingListener> l : listeners) {
                config.addTrainingListeners(l.get());
            }
            try (Trainer trainer = djl.newTrainer(config)) {
                trainer.setMetrics(new Metrics());
                model.setAdaptersTrainable(true);
                try {
                    for (int epoch = startEpoch; epoch < epochs && step < maxSteps; epoch++) {
                        long t0 = System.nanoTime();
                        double[] kernelSums = new double[3];
                        step =
                                trainEpoch(
                                        trainer,
                                        model,
                                        opt,
                                        params,
                                        train,
                                        epoch,
                                        step,
                                        kernelSums);
                        if (validation != null) {
                            validate(trainer, validation);
                        }
                        trainer.notifyListeners(listener -> listener.onEpoch(trainer));
                        EpochStats stats =
                                epochStats(
                                        trainer, epoch, step, kernelSums, validation != null, t0);
                        history.add(stats);
                        log(stats);
                        if (checkpointDir != null) {
                            checkpoint(model, opt, epoch, step);
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
        Map<String, String> settings = settings();
        return new Posterior(
                model,
                new Posterior.Provenance(
                        method,
                        settings,
                        model.getConfig().toString(),
                        seed,
                        Bella.VERSION,
                        Engine.getDjlVersion(),
                        model.getBaseFingerprint().sha256(),
                        trainSize,
                        history));
    }

    private long trainEpoch(
            Trainer trainer,
            ParticleBlock model,
            Optimizer opt,
            Map<String, Parameter> params,
            RandomAccessDataset train,
            int epoch,
            long step,
            double[] kernelSums)
            throws IOException, TranslateException {
        int n = model.getParticleCount();
        NDManager manager = trainer.getManager();
        List<Iterator<Batch>> sources = new ArrayList<>();
        int streams = perParticleDataOrder ? n : 1;
        for (int i = 0; i < streams; i++) {
            long s = dev.bella.core.Seeds.derive(seed, epoch, perParticleDataOrder ? i + 1 : 0);
            sources.add(train.getData(manager, new SeededSampler(batchSize, s, true)).iterator());
        }
        while (sources.get(0).hasNext() && step < maxSteps) {
            try (Batch batch = nextBatch(sources, manager)) {
                trainStep(trainer, model, opt, params, batch, train.size(), step, kernelSums);
            }
            step++;
        }
        return step;
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
        NDList data = new NDList();
        NDList labels = new NDList();
        for (int k = 0; k < parts.get(0).getData().size(); k++) {
            NDList slices = new NDList();
            for (Batch b : parts) {
                slices.add(b.getData().get(k));
            }
            data.add(NDArrays.stack(slices));
        }
        for (int k = 0; k < parts.get(0).getLabels().size(); k++) {
            NDList slices = new NDList();
            for (Batch b : parts) {
                slices.add(b.getLabels().get(k));
            }
            labels.add(NDArrays.stack(slices));
        }
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

    private void trainStep(
            Trainer trainer,
            ParticleBlock model,
            Optimizer opt,
            Map<String, Parameter> params,
            Batch batch,
            long datasetScale,
            long step,
            double[] kernelSums) {
        NDList data = batch.getData();
        NDList labels = batch.getLabels();
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
                perParticle = loss.perParticle(labels, predictions);
                NDArray objective = perParticle.mul(datasetScale).sum();
                collector.backward(withPrior(objective, params, batch.getManager()));
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
                        NDArray chunkLoss = loss.perParticle(y, out);
                        NDArray objective = chunkLoss.mul(datasetScale).sum();
                        collector.backward(
                                c == 0 ? withPrior(objective, params, scope) : objective);
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
        checkLosses(perParticle, step);
        List<LowRankFactors> factors = new ArrayList<>();
        List<FactorPair> grads = new ArrayList<>();
        for (LowRankLinear layer : model.getLayers().values()) {
            NDArray a = layer.getA().getArray();
            NDArray b = layer.getB().getArray();
            NDArray ga = a.getGradient();
            NDArray gb = b.getGradient();
            checkGradient(ga, layer.getPath() + ".lora_A", step);
            checkGradient(gb, layer.getPath() + ".lora_B", step);
            factors.add(new LowRankFactors(a, b, layer.getScale()));
            grads.add(new FactorPair(ga, gb));
        }
        List<String> denseIds = new ArrayList<>();
        List<NDArray> dense = new ArrayList<>();
        List<NDArray> denseGrads = new ArrayList<>();
        for (Map.Entry<String, DenseParticleLinear> e : model.getDenseLayers().entrySet()) {
            Parameter w = e.getValue().getParticleWeight();
            Parameter b = e.getValue().getParticleBias();
            for (Parameter p : b == null ? List.of(w) : List.of(w, b)) {
                String id = e.getKey() + "." + p.getName();
                NDArray g = p.getArray().getGradient();
                checkGradient(g, id, step);
                denseIds.add(id);
                dense.add(p.getArray());
                denseGrads.add(g);
            }
        }
        List<FactorPair> phi = null;
        List<NDArray> densePhi = null;
        if (method == Method.SVGD) {
            SvgdUpdate update = svgd.update(factors, grads, dense, denseGrads);
            phi = update.phi();
            densePhi = update.fullRankPhi();
            KernelStats stats = update.stats();
            kernelSums[0] += stats.squaredBandwidth();
            kernelSums[1] += stats.meanKernel();
            kernelSums[2] += 1;
            update.kernel().distances().close();
            update.kernel().kernel().close();
        }
        int l = 0;
        for (Map.Entry<String, LowRankLinear> e : model.getLayers().entrySet()) {
            LowRankLinear layer = e.getValue();
            FactorPair g = grads.get(l);
            if (phi == null) {
                opt.update(e.getKey() + ".lora_A", layer.getA().getArray(), g.a());
                opt.update(e.getKey() + ".lora_B", layer.getB().getArray(), g.b());
            } else {
                applyDirection(
                        opt, e.getKey() + ".lora_A", layer.getA().getArray(), phi.get(l).a());
                applyDirection(
                        opt, e.getKey() + ".lora_B", layer.getB().getArray(), phi.get(l).b());
            }
            g.a().subi(g.a());
            g.b().subi(g.b());
            // getGradient() hands out a new native handle each call: release it (not the buffer)
            g.a().close();
            g.b().close();
            l++;
        }
        for (int t = 0; t < dense.size(); t++) {
            if (densePhi == null) {
                opt.update(denseIds.get(t), dense.get(t), denseGrads.get(t));
            } else {
                applyDirection(opt, denseIds.get(t), dense.get(t), densePhi.get(t));
            }
            denseGrads.get(t).subi(denseGrads.get(t));
            denseGrads.get(t).close();
        }
        TrainingListener.BatchData batchData =
                new TrainingListener.BatchData(
                        batch,
                        Collections.singletonMap(data.head().getDevice(), labels),
                        Collections.singletonMap(data.head().getDevice(), predictions));
        trainer.notifyListeners(listener -> listener.onTrainingBatch(trainer, batchData));
    }

    /** Adds \( \frac{\lambda}{2} \sum \|\theta\|^2 \) over the adapters when a prior is set. */
    private NDArray withPrior(NDArray objective, Map<String, Parameter> params, NDManager scope) {
        if (priorPrecision <= 0) {
            return objective;
        }
        for (Parameter p : params.values()) {
            // A result joins its first operand's manager: move the first one to the scope.
            NDArray square = p.getArray().square();
            square.attach(scope);
            objective = objective.add(square.sum().mul(priorPrecision / 2));
        }
        return objective;
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

    /** Hands \( -\phi \) to the optimizer as the gradient, then frees \( \phi \). */
    private static void applyDirection(Optimizer opt, String id, NDArray weight, NDArray phi) {
        try (NDArray negated = phi.neg()) {
            opt.update(id, weight, negated);
        }
        phi.close();
    }

    private void checkLosses(NDArray perParticle, long step) {
        float[] values = perParticle.toType(DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw diverged("the loss of particle " + i + " is " + values[i], step);
            }
        }
    }

    /** One reduction per particle: a sum is finite only if every element is (or overflowed). */
    private void checkGradient(NDArray grad, String name, long step) {
        long n = grad.getShape().get(0);
        float[] sums;
        try (NDManager scope = grad.getManager().newSubManager()) {
            scope.tempAttachAll(grad);
            sums =
                    grad.reshape(n, -1)
                            .sum(new int[] {1})
                            .toType(DataType.FLOAT32, false)
                            .toFloatArray();
        }
        for (int i = 0; i < sums.length; i++) {
            if (!Float.isFinite(sums[i])) {
                throw diverged(
                        "the gradient of particle "
                                + i
                                + " w.r.t. "
                                + name
                                + " has NaN or infinite values",
                        step);
            }
        }
    }

    private TrainingDivergedException diverged(String what, long step) {
        String where =
                checkpointDir == null
                        ? "no checkpoint directory was set"
                        : "the last good checkpoint is in " + checkpointDir;
        return new TrainingDivergedException(
                what
                        + " at step "
                        + step
                        + "; the update was not applied and "
                        + where
                        + " (lower the learning rate or clip gradients)");
    }

    private void validate(Trainer trainer, RandomAccessDataset validation)
            throws IOException, TranslateException {
        for (Batch batch :
                validation.getData(trainer.getManager(), new SeededSampler(batchSize, 0, false))) {
            try (batch) {
                NDList predictions = trainer.evaluate(batch.getData());
                TrainingListener.BatchData batchData =
                        new TrainingListener.BatchData(
                                batch,
                                Collections.singletonMap(
                                        batch.getData().head().getDevice(), batch.getLabels()),
                                Collections.singletonMap(
                                        batch.getData().head().getDevice(), predictions));
                trainer.notifyListeners(listener -> listener.onValidationBatch(trainer, batchData));
            }
        }
    }

    private EpochStats epochStats(
            Trainer trainer,
            int epoch,
            long step,
            double[] kernelSums,
            boolean validated,
            long t0) {
        Metrics m = trainer.getMetrics();
        double trainLoss = metric(m, loss, EvaluatorTrainingListener.TRAIN_EPOCH);
        double valLoss =
                validated ? metric(m, loss, EvaluatorTrainingListener.VALIDATE_EPOCH) : Double.NaN;
        double trainAcc = Double.NaN;
        double valAcc = Double.NaN;
        for (Evaluator e : trainer.getEvaluators()) {
            if (e instanceof PosteriorAccuracy) {
                trainAcc = metric(m, e, EvaluatorTrainingListener.TRAIN_EPOCH);
                if (validated) {
                    valAcc = metric(m, e, EvaluatorTrainingListener.VALIDATE_EPOCH);
                }
            }
        }
        double steps = kernelSums[2];
        return new EpochStats(
                epoch,
                step,
                trainLoss,
                trainAcc,
                valLoss,
                valAcc,
                steps > 0 ? kernelSums[0] / steps : Double.NaN,
                steps > 0 ? kernelSums[1] / steps : Double.NaN,
                (System.nanoTime() - t0) / 1e9);
    }

    private static double metric(Metrics m, Evaluator e, String stage) {
        String name = EvaluatorTrainingListener.metricName(e, stage);
        return m.hasMetric(name) ? m.latestMetric(name).getValue() : Double.NaN;
    }

    private void log(EpochStats s) {
        logger.info(
                "epoch {}: loss {} acc {} | validation loss {} acc {} | h^2 {} mean k {} | {} s",
                s.epoch(),
                fmt(s.trainLoss()),
                fmt(s.trainAccuracy()),
                fmt(s.validationLoss()),
                fmt(s.validationAccuracy()),
                fmt(s.squaredBandwidth()),
                fmt(s.meanKernel()),
                String.format(java.util.Locale.ROOT, "%.1f", s.seconds()));
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(java.util.Locale.ROOT, "%.4g", v);
    }

    private static Map<String, Parameter> adapterParameters(ParticleBlock model) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        for (Map.Entry<String, LowRankLinear> e : model.getLayers().entrySet()) {
            out.put(e.getKey() + ".lora_A", e.getValue().getA());
            out.put(e.getKey() + ".lora_B", e.getValue().getB());
        }
        for (Map.Entry<String, DenseParticleLinear> e : model.getDenseLayers().entrySet()) {
            Parameter w = e.getValue().getParticleWeight();
            out.put(e.getKey() + "." + w.getName(), w);
            Parameter b = e.getValue().getParticleBias();
            if (b != null) {
                out.put(e.getKey() + "." + b.getName(), b);
            }
        }
        return out;
    }

    private void checkpoint(ParticleBlock model, Optimizer opt, int epoch, long step)
            throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(settings());
        meta.put("trainer", "BellaTrainer");
        meta.put("epoch", Integer.toString(epoch));
        meta.put("step", Long.toString(step));
        Files.createDirectories(checkpointDir);
        if (opt instanceof ResumableAdamW) {
            ResumableAdamW adam = (ResumableAdamW) opt;
            NDList state = new NDList();
            for (Map.Entry<String, NDArray> e : adam.stateArrays().entrySet()) {
                NDArray copy = e.getValue().duplicate();
                copy.setName(e.getKey());
                state.add(copy);
            }
            Path tmp = Files.createTempFile(checkpointDir, ".optimizer-", ".tmp");
            try (OutputStream os = Files.newOutputStream(tmp)) {
                state.encode(os, NDList.Encoding.SAFETENSORS);
            } finally {
                state.close();
            }
            String name = "optimizer_state-" + step + ".safetensors";
            Files.move(tmp, checkpointDir.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            meta.put("optimizer_state", name);
            for (Map.Entry<String, Integer> e : adam.stepCounts().entrySet()) {
                meta.put("optimizer_steps." + e.getKey(), Integer.toString(e.getValue()));
            }
        }
        AdapterStore.save(model, checkpointDir, meta);
        try (var files = Files.list(checkpointDir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.startsWith("optimizer_state-")
                        && !name.equals(meta.get("optimizer_state"))) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private long[] resume(ParticleBlock model, Optimizer opt, Map<String, Parameter> params)
            throws IOException {
        AdapterStore.Manifest manifest = AdapterStore.readManifest(resumeFrom);
        Map<String, String> meta = manifest.metadata();
        if (!"BellaTrainer".equals(meta.get("trainer"))) {
            throw new IllegalArgumentException(
                    resumeFrom + " holds adapters but no BellaTrainer checkpoint (no epoch/step)");
        }
        if (!method.name().equals(meta.get("method"))) {
            throw new IllegalArgumentException(
                    "checkpoint "
                            + resumeFrom
                            + " was trained with "
                            + meta.get("method")
                            + ", this trainer uses "
                            + method);
        }
        model.loadAdapters(resumeFrom);
        String stateFile = meta.get("optimizer_state");
        if (opt instanceof ResumableAdamW && stateFile != null) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : meta.entrySet()) {
                if (e.getKey().startsWith("optimizer_steps.")) {
                    counts.put(
                            e.getKey().substring("optimizer_steps.".length()),
                            Integer.parseInt(e.getValue()));
                }
            }
            Map<String, NDArray> weights = new LinkedHashMap<>();
            params.forEach((k, p) -> weights.put(k, p.getArray()));
            NDManager manager = params.values().iterator().next().getArray().getManager();
            try (NDManager scope = manager.newSubManager();
                    InputStream in = Files.newInputStream(resumeFrom.resolve(stateFile))) {
                NDList state = NDList.decode(scope, in);
                Map<String, NDArray> arrays = new LinkedHashMap<>();
                for (NDArray a : state) {
                    arrays.put(a.getName(), a);
                }
                ((ResumableAdamW) opt).restore(arrays, counts, weights);
            }
        } else if (stateFile != null || !defaultOptimizer) {
            logger.warn(
                    "resuming with a fresh optimizer state: the supplied optimizer cannot restore"
                            + " the checkpoint's moments");
        }
        return new long[] {Long.parseLong(meta.get("epoch")), Long.parseLong(meta.get("step"))};
    }

    private Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("method", method.name());
        if (method == Method.SVGD) {
            s.put("gamma", Double.toString(svgd.gamma()));
            s.put("driving_term", svgd.drivingTerm().name());
            s.put("repulsion", svgd.repulsion().name());
            s.put("bandwidth", svgd.bandwidth().toString());
        }
        s.put("optimizer", defaultOptimizer ? "AdamW" : "custom");
        s.put(
                "learning_rate",
                learningRateTracker == null ? Float.toString(learningRate) : "tracker");
        s.put("weight_decay", Float.toString(weightDecay));
        s.put("clip_grad", Float.toString(clipGrad));
        s.put("prior_precision", Double.toString(priorPrecision));
        s.put("epochs", Integer.toString(epochs));
        s.put("batch_size", Integer.toString(batchSize));
        s.put("seed", Long.toString(seed));
        s.put("per_particle_data_order", Boolean.toString(perParticleDataOrder));
        return s;
    }

    /** Builds a {@link BellaTrainer}. */
    public static final class Builder {
        private Method method = Method.SVGD;
        private LowRankSvgd svgd = LowRankSvgd.builder().build();
        private ParticleLoss loss = ParticleLoss.softmaxCrossEntropy();
        private Supplier<Optimizer> optimizer;
        private float learningRate = 1e-3f;
        private ParameterTracker learningRateTracker;
        private float weightDecay = 0.01f;
        private float clipGrad;
        private double priorPrecision;
        private int epochs = 1;
        private long maxSteps = Long.MAX_VALUE;
        private int batchSize = 32;
        private long seed;
        private boolean perParticleDataOrder;
        private int particleChunk;
        private Path checkpointDir;
        private Path resumeFrom;
        private final List<Supplier<Evaluator>> evaluators = new ArrayList<>();
        private final List<Supplier<TrainingListener>> listeners = new ArrayList<>();

        private Builder() {
            evaluators.add(PosteriorAccuracy::new);
        }

        /**
         * Chooses SVGD (default) or an ensemble.
         *
         * @param method the method
         * @return this builder
         */
        public Builder optMethod(Method method) {
            this.method = Objects.requireNonNull(method, "method");
            return this;
        }

        /**
         * Sets the SVGD update (gamma, driving term, bandwidth); ignored for an ensemble.
         *
         * @param svgd the update
         * @return this builder
         */
        public Builder optSvgd(LowRankSvgd svgd) {
            this.svgd = Objects.requireNonNull(svgd, "svgd");
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
         * Sets AdamW's decoupled weight decay (default 0.01).
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
         * Adds a zero-mean Gaussian prior of precision \( \lambda \) on the adapters to every
         * particle's loss (default 0: the prior enters only as AdamW's weight decay).
         *
         * @param precision finite and non-negative
         * @return this builder
         */
        public Builder optPriorPrecision(double precision) {
            this.priorPrecision = precision;
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
         * Sets the minibatch size per particle (default 32).
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
         * the SVGD update, so the update is the same up to floating-point rounding, but only one
         * chunk's activations are in memory at a time: with chunks of 1, training n particles needs
         * about the activation memory of one model. The arithmetic is unchanged (every layer
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
         */
        public BellaTrainer build() {
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
            if (batchSize <= 0) {
                throw new IllegalArgumentException(
                        "batchSize must be positive, batchSize = " + batchSize);
            }
            return new BellaTrainer(this);
        }
    }
}
