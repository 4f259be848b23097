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

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.translate.TranslateException;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.MergedParticle;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Prediction;
import dev.bella.core.train.ParticleTrainer;
import dev.bella.ensemble.Baselines;
import dev.bella.ensemble.EnsembleRule;
import dev.bella.examples.cli.ProgressBar;
import dev.bella.examples.data.Digits;
import dev.bella.examples.data.LabeledImages;
import dev.bella.metrics.MetricsReport;
import dev.bella.metrics.ParticleProbabilities;
import dev.bella.metrics.ProbabilityMatrix;
import dev.bella.metrics.ReliabilityDiagram;
import dev.bella.metrics.io.AtomicFiles;
import dev.bella.metrics.npy.Npy;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The end-to-end study behind {@code ./bella demo} (paper §5 in miniature).
 *
 * <ol>
 *   <li>Data: the in-distribution classes are split at seeded random into a source split
 *       (pre-training), a target split (fine-tuning) and a test split; images of classes never
 *       trained on are the OOD set (digits: train on 0–7, OOD = 8 and 9; Fashion-MNIST: OOD = MNIST
 *       digits).
 *   <li>Pre-training: an MLP is trained in full on the source split and frozen; it is cached, so a
 *       re-run skips this step.
 *   <li>Fine-tuning on the target split, one run per method of {@link StudySettings#methods()} (see
 *       {@link StudyMethods}; by default a single LoRA adapter, Ensemble Bella and SVGD Bella of
 *       rank {@code r} on both dense layers, and a full-rank ensemble of fine-tuned copies).
 *   <li>Evaluation on the test split and the OOD set: accuracy, NLL, ECE, MCE, Brier, OOD AUROC by
 *       entropy and by mutual information, misclassification AUROC, function-space diversity,
 *       accuracy under corruptions and FGSM, trainable values, bytes stored, training time.
 *   <li>Output: {@code report.md} and plots, {@code results.json} ({@link StudyJson}), the
 *       adapters, and {@code probs-<id>.npy}, {@code labels.npy} and {@code ood.npy} for {@code
 *       ./bella metrics}.
 * </ol>
 */
public final class Study {

    private final StudySettings settings;
    private final PrintWriter progress;
    private final ProgressBar.Factory bars;

    /**
     * Creates a study that shows its training progress on standard error.
     *
     * @param settings what to run
     * @param progress where progress lines go
     */
    public Study(StudySettings settings, PrintWriter progress) {
        this(settings, progress, ProgressBar.Factory.stderr());
    }

    /**
     * Creates a study.
     *
     * @param settings what to run
     * @param progress where progress lines (what is trained, the results) go
     * @param bars makes the progress bar of each training run
     */
    public Study(StudySettings settings, PrintWriter progress, ProgressBar.Factory bars) {
        this.settings = settings;
        this.progress = progress;
        this.bars = bars;
    }

    /** The data of one study: splits and OOD images. */
    record Data(
            LabeledImages source,
            LabeledImages target,
            LabeledImages test,
            LabeledImages ood,
            String idDescription,
            String oodDescription,
            int hidden) {}

    /**
     * Runs the study and writes its report.
     *
     * @return one result per method
     * @throws IOException if data cannot be read or results written
     * @throws TranslateException if a batch cannot be made
     */
    public List<MethodResult> run() throws IOException, TranslateException {
        Data data = load();
        progress.printf(
                Locale.ROOT,
                "data: %s; source %d, target %d, test %d images; OOD: %s, %d images%n",
                data.idDescription(),
                data.source().size(),
                data.target().size(),
                data.test().size(),
                data.oodDescription(),
                data.ood().size());
        progress.flush();
        List<MethodResult> results = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock base = baseNetwork(manager, data);
            ArrayDataset target = data.target().toDataset(manager, settings.batchSize());
            int n = settings.particles();
            BellaConfig lora =
                    BellaConfig.builder()
                            .optTargets("0", "2")
                            .optRank(settings.rank())
                            .optSeed(settings.seed())
                            .build();
            NDArray trainInputs =
                    manager.create(
                            data.target().flatPixels(),
                            new Shape(
                                    data.target().size(),
                                    data.target().height() * data.target().width()));
            for (String id : settings.methods()) {
                StudyMethods.StudyMethod m = StudyMethods.get(id);
                results.add(
                        fineTune(
                                m,
                                base,
                                m.particles().config(base, lora, settings),
                                lora,
                                target,
                                trainInputs,
                                data));
            }
        }
        writeLabels(data);
        StudyReport.write(settings, data, results, progress);
        return results;
    }

    private ParticleTrainer.Builder configure(ParticleTrainer.Builder b) {
        return b.optEpochs(settings.epochs())
                .optBatchSize(settings.batchSize())
                .optLearningRate(settings.learningRate())
                .optSeed(settings.seed());
    }

    private MethodResult fineTune(
            StudyMethods.StudyMethod method,
            SequentialBlock base,
            BellaConfig config,
            BellaConfig lora,
            ArrayDataset target,
            NDArray trainInputs,
            Data data)
            throws IOException, TranslateException {
        String name = method.name().apply(settings);
        progress.printf(Locale.ROOT, "fine-tuning %s ...%n", name);
        progress.flush();
        try (ParticleBlock model = Bella.wrap(base, config)) {
            long t0 = System.nanoTime();
            StudyMethods.FitContext context =
                    new StudyMethods.FitContext(
                            settings,
                            model,
                            target,
                            trainInputs,
                            b ->
                                    configure(b)
                                            .addTrainingListener(
                                                    () ->
                                                            bars.create(name, settings.epochs())
                                                                    .listener()),
                            lora);
            Posterior posterior = method.fit().fit(context);
            double seconds = (System.nanoTime() - t0) / 1e9;
            // The trained particles themselves are closed with the model; a posterior built from
            // them (draws, snapshots, copies) is closed here.
            boolean ownPosterior =
                    !(posterior instanceof ParticlePosterior p && p.getParticles() == model);
            try {
                return evaluateMethod(method, name, model, posterior, seconds, data);
            } finally {
                if (ownPosterior) {
                    posterior.close();
                }
            }
        }
    }

    private MethodResult evaluateMethod(
            StudyMethods.StudyMethod method,
            String name,
            ParticleBlock model,
            Posterior posterior,
            double seconds,
            Data data)
            throws IOException {
        Path adapters = settings.out().resolve("adapters").resolve(slug(name));
        posterior.save(adapters);
        long bytes = directorySize(adapters);
        Evaluated evaluated = evaluate(posterior, data);
        MetricsReport report = evaluated.report();
        float[][][] probs = evaluated.probabilities();
        Npy.write(
                settings.out().resolve(probabilitiesFile(method.id())),
                flatten(probs),
                probs.length,
                probs[0].length,
                probs[0][0].length);
        Optional<ReliabilityDiagram.Bin> mceBin =
                report.classification().reliability().mceBin(settings.mceMinCount());
        // Weight-space spread of the posterior's samples where they are particles (for MC
        // dropout the copies are identical: its spread is in the masks, not the weights).
        ParticleBlock samples = posterior instanceof ParticlePosterior p ? p.getParticles() : null;
        double weightDistance =
                samples == null || !Evaluation.hasLowRankLayers(samples)
                        ? Double.NaN
                        : Evaluation.meanPairwiseDistance(samples);
        double[] eps = StudyReport.FGSM_EPSILONS.clone();
        double[] corruption = new double[0];
        double shiftAuroc = Double.NaN;
        double[] fgsm = new double[0];
        if (settings.robustness()) {
            Robustness.CorruptionResult c =
                    Robustness.corruptions(posterior, data.test(), settings.seed());
            corruption = c.accuracy();
            shiftAuroc = c.shiftAuroc();
            fgsm = Robustness.fgsmAccuracy(posterior, data.test(), eps);
        }
        progress.printf(
                Locale.ROOT,
                "  %s: accuracy %.4f, NLL %.4f, ECE %.4f, %.1f s%n",
                name,
                report.classification().accuracy(),
                report.classification().nll(),
                report.classification().ece(),
                seconds);
        progress.flush();
        return new MethodResult(
                method.id(),
                name,
                posterior.getSampleCount(),
                model.summary().trainablePerParticle(),
                method.trainable().applyAsLong(model),
                bytes,
                seconds,
                report,
                corruption,
                shiftAuroc,
                eps,
                fgsm,
                evaluated.correct(),
                mceBin.map(ReliabilityDiagram.Bin::gap).orElse(Double.NaN),
                mceBin.map(ReliabilityDiagram.Bin::count).orElse(0L),
                weightDistance,
                method.storedValues().applyAsLong(model));
    }

    /** The name of a method's probability file in the output directory. */
    static String probabilitiesFile(String id) {
        return "probs-" + id + ".npy";
    }

    /** The labels file in the output directory: N labels, -1 for the OOD images. */
    static final String LABELS_FILE = "labels.npy";

    /** The OOD flags file in the output directory: N booleans, true for the OOD images. */
    static final String OOD_FILE = "ood.npy";

    /**
     * Writes the labels and OOD flags of the evaluated images (the test split, then the OOD
     * images), in the order of every {@code probs-<method>.npy}, so that {@code ./bella metrics}
     * can score the study's output.
     */
    private void writeLabels(Data data) throws IOException {
        int nId = data.test().size();
        int nOod = data.ood().size();
        int[] labels = new int[nId + nOod];
        boolean[] ood = new boolean[nId + nOod];
        System.arraycopy(data.test().labels(), 0, labels, 0, nId);
        for (int j = nId; j < labels.length; j++) {
            labels[j] = -1;
            ood[j] = true;
        }
        Npy.write(settings.out().resolve(LABELS_FILE), labels, labels.length);
        Npy.write(settings.out().resolve(OOD_FILE), ood, ood.length);
    }

    private static float[] flatten(float[][][] p) {
        int n = p.length;
        int rows = p[0].length;
        int c = p[0][0].length;
        float[] out = new float[n * rows * c];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < rows; j++) {
                System.arraycopy(p[i][j], 0, out, (i * rows + j) * c, c);
            }
        }
        return out;
    }

    /**
     * A method's evaluation.
     *
     * @param report the metrics
     * @param probabilities {@code [n][N][C]}: the test images, then the OOD images
     * @param correct per test image, whether the posterior predictive's class is the label
     */
    record Evaluated(MetricsReport report, float[][][] probabilities, boolean[] correct) {}

    /**
     * Metrics on the test split with the OOD images appended and flagged. A posterior whose
     * uncertainty is in closed form ({@link Posterior#hasClosedFormUncertainty}, a Dirichlet
     * student) is scored on its predictive with the aleatoric part and mutual information of its
     * {@link Posterior#predict}, not on its one sample (whose MI would be 0).
     */
    private Evaluated evaluate(Posterior model, Data data) {
        if (model.hasClosedFormUncertainty()) {
            return evaluateClosedForm(model, data);
        }
        float[][][] id = Evaluation.particleProbabilities(model, data.test(), 512);
        float[][][] ood = Evaluation.particleProbabilities(model, data.ood(), 512);
        int n = id.length;
        int nId = data.test().size();
        int nOod = data.ood().size();
        float[][][] all = new float[n][nId + nOod][];
        for (int i = 0; i < n; i++) {
            System.arraycopy(id[i], 0, all[i], 0, nId);
            System.arraycopy(ood[i], 0, all[i], nId, nOod);
        }
        int[] labels = new int[nId + nOod];
        boolean[] isOod = new boolean[nId + nOod];
        System.arraycopy(data.test().labels(), 0, labels, 0, nId);
        for (int j = nId; j < labels.length; j++) {
            isOod[j] = true;
        }
        MetricsReport report =
                MetricsReport.builder()
                        .setParticleProbabilities(ParticleProbabilities.copyOf(all))
                        .setLabels(labels)
                        .optOod(isOod)
                        .build();
        boolean[] correct = new boolean[nId];
        int c = all[0][0].length;
        for (int j = 0; j < nId; j++) {
            double[] mean = new double[c];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < c; k++) {
                    mean[k] += all[i][j][k];
                }
            }
            int best = 0;
            for (int k = 1; k < c; k++) {
                if (mean[k] > mean[best]) {
                    best = k;
                }
            }
            correct[j] = best == labels[j];
        }
        return new Evaluated(report, all, correct);
    }

    /** {@link #evaluate} for a posterior whose uncertainty is in closed form. */
    private Evaluated evaluateClosedForm(Posterior model, Data data) {
        List<Prediction> predictions = new ArrayList<>();
        predictions.addAll(Evaluation.predictions(model, data.test(), 512));
        predictions.addAll(Evaluation.predictions(model, data.ood(), 512));
        int nId = data.test().size();
        int rows = predictions.size();
        int c = predictions.get(0).classCount();
        float[][][] all = new float[1][rows][c];
        double[] aleatoric = new double[rows];
        double[] mi = new double[rows];
        int[] labels = new int[rows];
        boolean[] isOod = new boolean[rows];
        System.arraycopy(data.test().labels(), 0, labels, 0, nId);
        boolean[] correct = new boolean[nId];
        for (int j = 0; j < rows; j++) {
            Prediction p = predictions.get(j);
            for (int k = 0; k < c; k++) {
                all[0][j][k] = (float) p.probability(k);
            }
            aleatoric[j] = p.aleatoric();
            mi[j] = p.mutualInformation();
            isOod[j] = j >= nId;
            if (j < nId) {
                correct[j] = p.predicted() == labels[j];
            }
        }
        MetricsReport report =
                MetricsReport.builder()
                        .setProbabilities(ProbabilityMatrix.copyOf(all[0]))
                        .setLabels(labels)
                        .optOod(isOod)
                        .optUncertainty(aleatoric, mi)
                        .build();
        return new Evaluated(report, all, correct);
    }

    private Data load() throws IOException {
        if (settings.dataset().equals("digits")) {
            LabeledImages all = Digits.load();
            LabeledImages id = all.firstClasses(8);
            LabeledImages[] parts = id.split(settings.seed(), 0.4, 0.3, 0.3);
            return new Data(
                    parts[0],
                    parts[1],
                    parts[2],
                    all.classesFrom(8),
                    "scikit-learn digits 0-7 (8x8)",
                    "digits 8 and 9, never trained on",
                    128);
        }
        return FashionStudyData.load(settings);
    }

    /** The pre-trained MLP: from the cache, or trained in full on the source split and cached. */
    private SequentialBlock baseNetwork(NDManager manager, Data data)
            throws IOException, TranslateException {
        int inputs = data.source().height() * data.source().width();
        int classes = data.source().classes();
        String key =
                String.format(
                        Locale.ROOT,
                        "%s-mlp%d-%d-%d-seed%d-ep%d.params",
                        settings.dataset(),
                        inputs,
                        data.hidden(),
                        classes,
                        settings.seed(),
                        settings.pretrainEpochs());
        Path cached = settings.cache().resolve(key);
        SequentialBlock base = null;
        if (Files.isRegularFile(cached)) {
            try {
                base = StudyModels.readBase(cached, data.hidden(), classes, manager);
                progress.printf(Locale.ROOT, "pre-trained base loaded from %s%n", cached);
            } catch (MalformedModelException | IOException | RuntimeException e) {
                progress.printf(
                        Locale.ROOT,
                        "cached base %s is unusable (%s); pre-training again%n",
                        cached,
                        e);
            }
            progress.flush();
        }
        if (base == null) {
            pretrain(manager, data, inputs, classes, cached);
            try {
                base = StudyModels.readBase(cached, data.hidden(), classes, manager);
            } catch (MalformedModelException e) {
                throw new IOException("cannot read back the base just cached in " + cached, e);
            }
        }
        StudyModels.saveBase(
                settings.out(), cached, new StudyModels.BaseShape(inputs, data.hidden(), classes));
        return base;
    }

    /** Trains the MLP in full on the source split and writes its parameters to {@code cached}. */
    private void pretrain(NDManager manager, Data data, int inputs, int classes, Path cached)
            throws IOException, TranslateException {
        progress.printf(
                Locale.ROOT,
                "pre-training the base MLP %d-%d-%d on the source split (%d epochs) ...%n",
                inputs,
                data.hidden(),
                classes,
                settings.pretrainEpochs());
        progress.flush();
        SequentialBlock mlp = StudyModels.mlp(data.hidden(), classes);
        mlp.setInitializer(new XavierInitializer(), Parameter.Type.WEIGHT);
        manager.getEngine().setRandomSeed((int) settings.seed());
        mlp.initialize(manager, DataType.FLOAT32, new Shape(1, inputs));
        ArrayDataset source = data.source().toDataset(manager, settings.batchSize());
        try (ParticleBlock one = Bella.wrap(mlp, Baselines.fullRank(mlp, 1, settings.seed(), 0))) {
            EnsembleRule.trainer()
                    .optEpochs(settings.pretrainEpochs())
                    .optBatchSize(settings.batchSize())
                    .optLearningRate(0.005f)
                    .optSeed(settings.seed())
                    .addTrainingListener(
                            () -> bars.create("pre-training", settings.pretrainEpochs()).listener())
                    .build()
                    .fit(one, source, null);
            try (MergedParticle trained = one.merge(0)) {
                AtomicFiles.write(
                        cached,
                        true,
                        os -> {
                            DataOutputStream params = new DataOutputStream(os);
                            trained.getBlock().saveParameters(params);
                            params.flush();
                        });
            }
        }
    }

    static String slug(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("-$", "");
    }

    private static long directorySize(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            long total = 0;
            for (Path f : (Iterable<Path>) files::iterator) {
                total += Files.size(f);
            }
            return total;
        }
    }
}
