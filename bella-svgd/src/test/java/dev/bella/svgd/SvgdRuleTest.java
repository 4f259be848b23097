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
package dev.bella.svgd;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.dataset.ArrayDataset;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.CoreLinear;
import dev.bella.core.FullRankLinear;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.EpochStats;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.testing.TrainingFixtures;
import dev.bella.core.train.ParticleTrainer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SVGD as the trainer's update rule (the loop itself is tested in bella-core). */
class SvgdRuleTest {

    private NDManager manager;
    private SequentialBlock base;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base = TrainingFixtures.classifier(manager);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    private ArrayDataset blobs(int size, long seed) {
        return TrainingFixtures.blobs(manager, size, seed);
    }

    private static void assertSameAdapters(ParticleBlock a, ParticleBlock b) {
        List<float[]> x = TrainingFixtures.adapters(a);
        List<float[]> y = TrainingFixtures.adapters(b);
        for (int i = 0; i < x.size(); i++) {
            assertThat(y.get(i)).as("adapter %d", i).containsExactly(x.get(i));
        }
    }

    /**
     * B-LoRA-XS particles ({@code optCoreOnly}): SVGD's kernel sees the cores \( R_i \) as plain
     * tensors; the particles learn the task and stay distinct.
     */
    @Test
    void svgdTrainsBLoraXsCores() throws Exception {
        ParticleTrainer trainer = SvgdRule.trainer().optEpochs(6).optLearningRate(0.05f).build();
        ParticleBlock cores =
                Bella.wrap(
                        base,
                        BellaConfig.builder()
                                .optTargets("0", "2")
                                .optParticles(4)
                                .optRank(2)
                                .optBInitStd(0.01)
                                .optSeed(3)
                                .optCoreOnly(true)
                                .build());
        try (ParticlePosterior posterior = trainer.fit(cores, blobs(240, 1), blobs(90, 2))) {
            List<EpochStats> h = posterior.getProvenance().history();
            assertThat(h.get(5).trainLoss()).isLessThan(h.get(0).trainLoss());
            assertThat(h.get(5).diagnostic("h2")).isPositive();
            float[] r =
                    cores.getLayers(CoreLinear.class).get("0").getCore().getArray().toFloatArray();
            assertThat(r[0]).isNotEqualTo(r[4]); // particles 0 and 1 differ
        }
    }

    @Test
    void svgdLearnsTheTaskAndReportsItsKernel() throws Exception {
        ParticleTrainer trainer = SvgdRule.trainer().optEpochs(6).optLearningRate(0.02f).build();
        try (ParticlePosterior posterior =
                trainer.fit(TrainingFixtures.wrap(base, 4), blobs(240, 1), blobs(90, 2))) {
            List<EpochStats> h = posterior.getProvenance().history();
            assertThat(h).hasSize(6);
            assertThat(h.get(5).trainLoss()).isLessThan(h.get(0).trainLoss());
            assertThat(h.get(5).validationAccuracy()).isGreaterThan(0.85);
            assertThat(posterior.getProvenance().method()).isEqualTo("svgd");
            assertThat(posterior.getProvenance().settings()).containsEntry("gamma", "0.01");
            assertThat(h.get(5).diagnostic("h2")).isPositive();
            assertThat(h.get(5).diagnostic("mean_kernel")).isBetween(0.0, 1.0);
        }
    }

    @Test
    void withoutKernelOrRepulsionSvgdIsTheOwnGradientRule() throws Exception {
        ArrayDataset train = blobs(60, 1);
        LowRankSvgd plain =
                LowRankSvgd.builder().optGamma(0).optDrivingTerm(DrivingTerm.OWN_GRADIENT).build();
        ParticleTrainer own =
                ParticleTrainer.builder()
                        .setUpdateRule(TrainingFixtures.ownGradient("own"))
                        .build();
        try (ParticlePosterior ens = own.fit(TrainingFixtures.wrap(base, 3), train, null);
                ParticlePosterior svgd =
                        SvgdRule.trainer(plain)
                                .build()
                                .fit(TrainingFixtures.wrap(base, 3), train, null);
                ParticlePosterior repulsive =
                        SvgdRule.trainer()
                                .build()
                                .fit(TrainingFixtures.wrap(base, 3), train, null)) {
            assertSameAdapters(ens.getParticles(), svgd.getParticles());
            // The default SVGD (kernel smoothing and repulsion) moves the particles differently.
            assertThat(TrainingFixtures.adapters(repulsive.getParticles()).get(0))
                    .isNotEqualTo(TrainingFixtures.adapters(ens.getParticles()).get(0));
        }
    }

    @Test
    void fullRankParticlesTrainBySvgdToo() throws Exception {
        BellaConfig full =
                BellaConfig.builder()
                        .optFullRankTargets("0", "2")
                        .optParticles(3)
                        .optFullRankInitStd(0.01)
                        .build();
        ParticleTrainer trainer = SvgdRule.trainer().optEpochs(4).optLearningRate(0.01f).build();
        try (ParticlePosterior p =
                trainer.fit(Bella.wrap(base, full), blobs(240, 1), blobs(90, 2))) {
            List<EpochStats> h = p.getProvenance().history();
            assertThat(h.get(3).trainLoss()).isLessThan(h.get(0).trainLoss());
            assertThat(h.get(3).validationAccuracy()).isGreaterThan(0.85);
            NDArray w =
                    p.getParticles()
                            .getLayers(FullRankLinear.class)
                            .get("2")
                            .getWeights()
                            .getArray();
            assertThat(w.get(0).sub(w.get(1)).abs().max().getFloat()).isPositive();
        }
    }

    @Test
    void sameSeedGivesBitwiseIdenticalSvgd() throws Exception {
        ArrayDataset train = blobs(120, 1);
        ParticleTrainer trainer = SvgdRule.trainer().optEpochs(2).optSeed(9).build();
        try (ParticlePosterior a = trainer.fit(TrainingFixtures.wrap(base, 3), train, null);
                ParticlePosterior b = trainer.fit(TrainingFixtures.wrap(base, 3), train, null)) {
            assertSameAdapters(a.getParticles(), b.getParticles());
        }
    }

    @Test
    void singleParticleSvgdIsMap() throws Exception {
        try (ParticlePosterior p =
                SvgdRule.trainer()
                        .build()
                        .fit(TrainingFixtures.wrap(base, 1), blobs(32, 1), null)) {
            assertThat(p.getProvenance().history().get(0).diagnostic("mean_kernel")).isEqualTo(1.0);
        }
    }
}
