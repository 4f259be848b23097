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

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.translate.TranslateException;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.MergedParticle;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.train.ParticleTrainer;
import dev.bella.ensemble.Baselines;
import dev.bella.ensemble.EnsembleRule;
import dev.bella.examples.data.Digits;
import dev.bella.examples.data.LabeledImages;
import dev.bella.metrics.ClassificationMetrics;
import dev.bella.metrics.ClassificationResult;
import dev.bella.metrics.ParticleProbabilities;
import dev.bella.metrics.ProbabilityMatrix;
import dev.bella.metrics.Uncertainty;
import dev.bella.metrics.UncertaintyResult;
import dev.bella.svgd.LowRankSvgd;
import dev.bella.svgd.SvgdRule;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Single adapter vs Ensemble Bella vs SVGD Bella on scikit-learn's digits, at equal settings: an
 * MLP is pre-trained on one split, then fine-tuned with low-rank adapters on another, and all are
 * evaluated on a held-out split. Reports posterior-predictive NLL and accuracy and the particles'
 * diversity (mean pairwise perturbation distance, mean KL to the mean = mutual information).
 */
public final class DigitsComparison {

    private DigitsComparison() {}

    /**
     * One method's outcome.
     *
     * @param accuracy test accuracy of the posterior predictive
     * @param nll test NLL of the posterior predictive (nats)
     * @param meanPairwiseDistance mean \( \|s A_i B_i - s A_j B_j\|^2 \) summed over layers
     * @param meanKlToMean mean over test images of \( \frac{1}{n} \sum_i KL(p_i \| \bar p) \)
     */
    public record Outcome(
            double accuracy, double nll, double meanPairwiseDistance, double meanKlToMean) {}

    /**
     * Runs the comparison.
     *
     * @param seed the seed of the split, the initialisations and the data order
     * @param particles particles of the two Bella methods
     * @param epochs fine-tuning epochs
     * @return outcomes by method name ({@code single}, {@code ensemble}, {@code svgd})
     * @throws IOException if training fails to read data
     * @throws TranslateException if a batch cannot be made
     */
    public static Map<String, Outcome> run(long seed, int particles, int epochs)
            throws IOException, TranslateException {
        LabeledImages[] parts = Digits.load().split(seed, 0.3, 0.4, 0.3);
        LabeledImages source = parts[0];
        LabeledImages target = parts[1];
        LabeledImages test = parts[2];
        Map<String, Outcome> out = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            ArrayDataset sourceData = source.toDataset(manager, 32);
            ArrayDataset targetData = target.toDataset(manager, 32);
            try (MergedParticle pretrained = pretrain(manager, sourceData, seed)) {
                Block base = pretrained.getBlock();
                BellaConfig.Builder cfg =
                        BellaConfig.builder().optTargets("0", "2").optRank(4).optSeed(seed);
                ParticleTrainer.Builder trainer =
                        ParticleTrainer.builder()
                                .optEpochs(epochs)
                                .optLearningRate(0.01f)
                                .optBatchSize(32)
                                .optSeed(seed);
                out.put(
                        "single",
                        fineTune(
                                base,
                                cfg.optParticles(1).build(),
                                trainer.setUpdateRule(EnsembleRule.INSTANCE),
                                targetData,
                                test));
                out.put(
                        "ensemble",
                        fineTune(
                                base,
                                cfg.optParticles(particles).build(),
                                trainer.setUpdateRule(EnsembleRule.INSTANCE),
                                targetData,
                                test));
                out.put(
                        "svgd",
                        fineTune(
                                base,
                                cfg.optParticles(particles).build(),
                                trainer.setUpdateRule(new SvgdRule(LowRankSvgd.builder().build())),
                                targetData,
                                test));
            }
        }
        return out;
    }

    /** A 64-64-10 MLP trained in full on the source split: the frozen base. */
    static MergedParticle pretrain(NDManager manager, ArrayDataset data, long seed)
            throws IOException, TranslateException {
        SequentialBlock mlp =
                new SequentialBlock()
                        .add(Linear.builder().setUnits(64).build())
                        .add(Activation::relu)
                        .add(Linear.builder().setUnits(10).build());
        mlp.setInitializer(new XavierInitializer(), ai.djl.nn.Parameter.Type.WEIGHT);
        manager.getEngine().setRandomSeed((int) seed);
        mlp.initialize(manager, DataType.FLOAT32, new Shape(1, 64));
        try (ParticleBlock one = Bella.wrap(mlp, Baselines.fullRank(mlp, 1, seed, 0))) {
            EnsembleRule.trainer()
                    .optEpochs(8)
                    .optLearningRate(0.01f)
                    .optSeed(seed)
                    .build()
                    .fit(one, data, null);
            return one.merge(0);
        }
    }

    static Outcome fineTune(
            Block base,
            BellaConfig config,
            ParticleTrainer.Builder trainer,
            ArrayDataset train,
            LabeledImages test)
            throws IOException, TranslateException {
        try (ParticlePosterior p = trainer.build().fit(Bella.wrap(base, config), train, null)) {
            ParticleProbabilities probs =
                    ParticleProbabilities.copyOf(Evaluation.particleProbabilities(p, test, 256));
            ProbabilityMatrix mean = Uncertainty.posteriorPredictive(probs);
            ClassificationResult r = ClassificationMetrics.of(mean, test.labels());
            UncertaintyResult u = Uncertainty.of(probs).means();
            return new Outcome(
                    r.accuracy(),
                    r.nll(),
                    Evaluation.meanPairwiseDistance(p.getParticles()),
                    u.mutualInformation());
        }
    }
}
