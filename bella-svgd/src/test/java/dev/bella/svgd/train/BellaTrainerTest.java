package dev.bella.svgd.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.TrainingDivergedException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.initializer.NormalInitializer;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.ParticleBlock;
import dev.bella.svgd.DrivingTerm;
import dev.bella.svgd.LowRankSvgd;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BellaTrainerTest {

    private static final int FEATURES = 8;
    private static final int CLASSES = 3;

    @TempDir Path dir;
    private NDManager manager;
    private SequentialBlock base;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base =
                new SequentialBlock()
                        .add(Linear.builder().setUnits(16).build())
                        .add(Activation::tanh)
                        .add(Linear.builder().setUnits(CLASSES).build());
        base.setInitializer(new NormalInitializer(0.3f), p -> true);
        manager.getEngine().setRandomSeed(1);
        base.initialize(manager, DataType.FLOAT32, new Shape(1, FEATURES));
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /** Three Gaussian blobs in 8-D, drawn in Java from a seed. */
    private ArrayDataset blobs(int size, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[size * FEATURES];
        float[] y = new float[size];
        for (int i = 0; i < size; i++) {
            int c = i % CLASSES;
            y[i] = c;
            for (int f = 0; f < FEATURES; f++) {
                double center = (f % CLASSES == c) ? 1.5 : -0.5;
                x[i * FEATURES + f] = (float) (center + rng.nextGaussian() * 0.8);
            }
        }
        return new ArrayDataset.Builder()
                .setData(manager.create(x, new Shape(size, FEATURES)))
                .optLabels(manager.create(y, new Shape(size)))
                .setSampling(16, false)
                .build();
    }

    private ParticleBlock wrap(int particles) {
        return Bella.wrap(
                base,
                BellaConfig.builder()
                        .optTargets("0", "2")
                        .optParticles(particles)
                        .optRank(2)
                        .optBInitStd(0.01)
                        .optSeed(3)
                        .build());
    }

    private static List<float[]> adapters(ParticleBlock p) {
        List<float[]> out = new ArrayList<>();
        for (Parameter param : p.getAdapterParameters()) {
            out.add(param.getArray().toFloatArray());
        }
        return out;
    }

    private static void assertSameAdapters(ParticleBlock a, ParticleBlock b) {
        List<float[]> x = adapters(a);
        List<float[]> y = adapters(b);
        for (int i = 0; i < x.size(); i++) {
            assertThat(y.get(i)).as("adapter %d", i).containsExactly(x.get(i));
        }
    }

    @Test
    void bothMethodsLearnTheTask() throws Exception {
        ArrayDataset train = blobs(240, 1);
        ArrayDataset val = blobs(90, 2);
        for (Method method : Method.values()) {
            BellaTrainer trainer =
                    BellaTrainer.builder()
                            .optMethod(method)
                            .optEpochs(6)
                            .optLearningRate(0.02f)
                            .build();
            try (Posterior posterior = trainer.fit(wrap(4), train, val)) {
                List<EpochStats> h = posterior.provenance().history();
                assertThat(h).hasSize(6);
                assertThat(h.get(5).trainLoss()).isLessThan(h.get(0).trainLoss());
                assertThat(h.get(5).validationAccuracy()).isGreaterThan(0.85);
                assertThat(posterior.provenance().method()).isEqualTo(method);
                // 240 examples in batches of 32: 8 steps per epoch.
                assertThat(h.get(5).steps()).isEqualTo(6 * 8);
                if (method == Method.SVGD) {
                    assertThat(h.get(5).squaredBandwidth()).isPositive();
                    assertThat(h.get(5).meanKernel()).isBetween(0.0, 1.0);
                } else {
                    assertThat(h.get(5).meanKernel()).isNaN();
                }
            }
        }
    }

    @Test
    void sameSeedGivesBitwiseIdenticalAdapters() throws Exception {
        ArrayDataset train = blobs(120, 1);
        BellaTrainer trainer = BellaTrainer.builder().optEpochs(2).optSeed(9).build();
        try (Posterior a = trainer.fit(wrap(3), train, null);
                Posterior b = trainer.fit(wrap(3), train, null);
                Posterior c =
                        BellaTrainer.builder()
                                .optEpochs(2)
                                .optSeed(10)
                                .build()
                                .fit(wrap(3), train, null)) {
            assertSameAdapters(a.particles(), b.particles());
            assertThat(adapters(c.particles()).get(1)).isNotEqualTo(adapters(a.particles()).get(1));
        }
    }

    @Test
    void resumingContinuesExactlyAsTheUninterruptedRun() throws Exception {
        ArrayDataset train = blobs(120, 1);
        Path ckpt = dir.resolve("ckpt");
        BellaTrainer full = BellaTrainer.builder().optEpochs(3).optLearningRate(0.01f).build();
        BellaTrainer first =
                BellaTrainer.builder()
                        .optEpochs(1)
                        .optLearningRate(0.01f)
                        .optCheckpointDir(ckpt)
                        .build();
        BellaTrainer rest =
                BellaTrainer.builder()
                        .optEpochs(3)
                        .optLearningRate(0.01f)
                        .optResumeFrom(ckpt)
                        .build();
        try (Posterior straight = full.fit(wrap(3), train, null);
                ParticleBlock resumed = wrap(3)) {
            first.fit(resumed, train, null);
            Posterior after = rest.fit(resumed, train, null);
            assertThat(after.provenance().history()).hasSize(2);
            assertThat(after.provenance().history().get(0).epoch()).isEqualTo(1);
            assertSameAdapters(straight.particles(), resumed);
        }
    }

    @Test
    void ensembleEqualsSvgdWithoutKernelOrRepulsion() throws Exception {
        ArrayDataset train = blobs(60, 1);
        LowRankSvgd plain =
                LowRankSvgd.builder().optGamma(0).optDrivingTerm(DrivingTerm.OWN_GRADIENT).build();
        try (Posterior ens =
                        BellaTrainer.builder()
                                .optMethod(Method.ENSEMBLE)
                                .build()
                                .fit(wrap(3), train, null);
                Posterior svgd =
                        BellaTrainer.builder().optSvgd(plain).build().fit(wrap(3), train, null);
                Posterior repulsive = BellaTrainer.builder().build().fit(wrap(3), train, null)) {
            assertSameAdapters(ens.particles(), svgd.particles());
            // The default SVGD (kernel smoothing and repulsion) moves the particles differently.
            assertThat(adapters(repulsive.particles()).get(0))
                    .isNotEqualTo(adapters(ens.particles()).get(0));
        }
    }

    @Test
    void perParticleDataOrderFeedsEachParticleItsOwnBatches() throws Exception {
        ArrayDataset train = blobs(60, 1);
        BellaTrainer trainer =
                BellaTrainer.builder()
                        .optMethod(Method.ENSEMBLE)
                        .optPerParticleDataOrder(true)
                        .build();
        try (ParticleBlock shared = wrap(3);
                ParticleBlock own = wrap(3)) {
            BellaTrainer.builder().optMethod(Method.ENSEMBLE).build().fit(shared, train, null);
            Posterior p = trainer.fit(own, train, null);
            assertThat(p.provenance().history().get(0).trainAccuracy()).isBetween(0.0, 1.0);
            assertThat(adapters(own).get(1)).isNotEqualTo(adapters(shared).get(1));
        }
    }

    @Test
    void divergenceStopsWithTheParticleAndStepAndKeepsTheLastCheckpoint() throws Exception {
        ArrayDataset train = blobs(64, 1);
        Path ckpt = dir.resolve("ckpt");
        ParticleLoss nanAfterFirstEpoch =
                new ParticleLoss("nan") {
                    private int calls;

                    @Override
                    public NDArray perParticle(NDList labels, NDList predictions) {
                        NDArray l =
                                ParticleLoss.softmaxCrossEntropy().perParticle(labels, predictions);
                        // Each step calls the loss twice (the step, then the evaluator listener),
                        // so call 11 is step 5: epoch 2's second batch (2 steps per epoch).
                        if (++calls == 11) {
                            NDArray mask = l.getManager().create(new float[] {0, Float.NaN, 0});
                            return l.add(mask);
                        }
                        return l;
                    }
                };
        try (ParticleBlock model = wrap(3)) {
            BellaTrainer trainer =
                    BellaTrainer.builder()
                            .optLoss(nanAfterFirstEpoch)
                            .optEpochs(3)
                            .optCheckpointDir(ckpt)
                            .build();
            assertThatThrownBy(() -> trainer.fit(model, train, null))
                    .isInstanceOf(TrainingDivergedException.class)
                    .hasMessageContaining("particle 1")
                    .hasMessageContaining("step 5")
                    .hasMessageContaining(ckpt.toString());
            List<float[]> afterFailure = adapters(model);
            try (ParticleBlock fromCheckpoint = Bella.load(ckpt, base)) {
                assertThat(dev.bella.core.AdapterStore.readManifest(ckpt).metadata())
                        .containsEntry("epoch", "1");
                // The checkpoint holds the state after epoch 1; step 4 (epoch 2's first) succeeded
                // before step 5 failed, so the model has moved on from it.
                assertThat(adapters(fromCheckpoint).get(1)).isNotEqualTo(afterFailure.get(1));
            }
        }
    }

    @Test
    void badInputIsRejectedWithTheValue() throws Exception {
        assertThatThrownBy(() -> BellaTrainer.builder().optLearningRate(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> BellaTrainer.builder().optEpochs(0).build())
                .hasMessageContaining("epochs = 0");
        assertThatThrownBy(() -> BellaTrainer.builder().optBatchSize(0).build())
                .hasMessageContaining("batchSize = 0");
        assertThatThrownBy(() -> BellaTrainer.builder().optPriorPrecision(Double.NaN).build())
                .hasMessageContaining("NaN");
        ArrayDataset empty =
                new ArrayDataset.Builder()
                        .setData(manager.zeros(new Shape(0, FEATURES)))
                        .optLabels(manager.zeros(new Shape(0)))
                        .setSampling(4, false)
                        .build();
        try (ParticleBlock model = wrap(2)) {
            assertThatThrownBy(() -> BellaTrainer.builder().build().fit(model, empty, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("empty");
        }
    }

    @Test
    void resumingIntoAnotherConfigurationIsRejected() throws Exception {
        ArrayDataset train = blobs(32, 1);
        Path ckpt = dir.resolve("ckpt");
        try (ParticleBlock model = wrap(3)) {
            BellaTrainer.builder().optCheckpointDir(ckpt).build().fit(model, train, null);
        }
        try (ParticleBlock other = wrap(2)) {
            assertThatThrownBy(
                            () ->
                                    BellaTrainer.builder()
                                            .optEpochs(2)
                                            .optResumeFrom(ckpt)
                                            .build()
                                            .fit(other, train, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("3 particles")
                    .hasMessageContaining("2 particles");
        }
        try (ParticleBlock model = wrap(3)) {
            assertThatThrownBy(
                            () ->
                                    BellaTrainer.builder()
                                            .optMethod(Method.ENSEMBLE)
                                            .optEpochs(2)
                                            .optResumeFrom(ckpt)
                                            .build()
                                            .fit(model, train, null))
                    .hasMessageContaining("SVGD")
                    .hasMessageContaining("ENSEMBLE");
        }
    }

    @Test
    void fullRankBaselinesTrainThroughTheSameTrainer() throws Exception {
        ArrayDataset train = blobs(240, 1);
        ArrayDataset val = blobs(90, 2);
        BellaConfig full =
                BellaConfig.builder()
                        .optFullRankTargets("0", "2")
                        .optParticles(3)
                        .optFullRankInitStd(0.01)
                        .build();
        for (Method method : Method.values()) {
            BellaTrainer trainer =
                    BellaTrainer.builder()
                            .optMethod(method)
                            .optEpochs(4)
                            .optLearningRate(0.01f)
                            .build();
            try (Posterior p = trainer.fit(Bella.wrap(base, full), train, val)) {
                List<EpochStats> h = p.provenance().history();
                assertThat(h.get(3).trainLoss()).isLessThan(h.get(0).trainLoss());
                assertThat(h.get(3).validationAccuracy()).isGreaterThan(0.85);
                // The copies moved apart from the shared starting point.
                NDArray w = p.particles().getDenseLayers().get("2").getParticleWeight().getArray();
                assertThat(w.get(0).sub(w.get(1)).abs().max().getFloat()).isPositive();
            }
        }
    }

    @Test
    void trainingLeavesNoArraysBehindInTheModel() throws Exception {
        ArrayDataset train = blobs(64, 1);
        BellaConfig config =
                BellaConfig.builder()
                        .optTargets("0")
                        .optFullRankTargets("2")
                        .optParticles(3)
                        .optFullRankInitStd(0.01)
                        .build();
        for (int chunk : new int[] {0, 1}) {
            try (ParticleBlock model = Bella.wrap(base, config)) {
                assertNoLeak(
                        model,
                        BellaTrainer.builder()
                                .optEpochs(2)
                                .optPriorPrecision(0.1)
                                .optParticleChunk(chunk)
                                .build(),
                        train);
            }
        }
    }

    private static void assertNoLeak(ParticleBlock model, BellaTrainer trainer, ArrayDataset train)
            throws Exception {
        NDManager modelManager = model.getAdapterParameters().get(0).getArray().getManager();
        trainer.fit(model, train, null);
        // Arrays the first fit created (e.g. gradient buffers) may stay; later fits add none.
        int afterFirst = modelManager.getManagedArrays().size();
        trainer.fit(model, train, null);
        trainer.fit(model, train, null);
        assertThat(modelManager.getManagedArrays())
                .as("arrays left in the model's manager after two more fits")
                .hasSize(afterFirst);
    }

    @Test
    void particleChunksGiveTheSameTrainingAsOnePass() throws Exception {
        ArrayDataset train = blobs(96, 1);
        BellaConfig config =
                BellaConfig.builder()
                        .optTargets("0")
                        .optFullRankTargets("2")
                        .optParticles(5)
                        .optRank(2)
                        .optBInitStd(0.01)
                        .optFullRankInitStd(0.01)
                        .optSeed(3)
                        .build();
        for (boolean perParticle : new boolean[] {false, true}) {
            BellaTrainer.Builder b =
                    BellaTrainer.builder()
                            .optEpochs(2)
                            .optLearningRate(0.01f)
                            .optPriorPrecision(0.1)
                            .optPerParticleDataOrder(perParticle);
            try (Posterior whole = b.build().fit(Bella.wrap(base, config), train, null);
                    Posterior pairs =
                            b.optParticleChunk(2)
                                    .build()
                                    .fit(Bella.wrap(base, config), train, null);
                    Posterior ones =
                            b.optParticleChunk(1)
                                    .build()
                                    .fit(Bella.wrap(base, config), train, null)) {
                List<float[]> expected = adapters(whole.particles());
                for (Posterior chunked : List.of(pairs, ones)) {
                    List<float[]> actual = adapters(chunked.particles());
                    for (int i = 0; i < expected.size(); i++) {
                        float[] e = expected.get(i);
                        float[] a = actual.get(i);
                        assertThat(a).hasSameSizeAs(e);
                        for (int j = 0; j < e.length; j++) {
                            assertThat(a[j])
                                    .as("perParticle %s, tensor %d, value %d", perParticle, i, j)
                                    .isCloseTo(e[j], org.assertj.core.data.Offset.offset(1e-4f));
                        }
                    }
                    EpochStats w = whole.provenance().history().get(1);
                    EpochStats c = chunked.provenance().history().get(1);
                    assertThat(c.trainLoss()).isCloseTo(w.trainLoss(), within(1e-4));
                    assertThat(c.trainAccuracy()).isEqualTo(w.trainAccuracy());
                }
                // Training moved the adapters, so the comparison above is not between two copies
                // of the initial values.
                try (ParticleBlock fresh = Bella.wrap(base, config)) {
                    assertThat(expected.get(1)).isNotEqualTo(adapters(fresh).get(1));
                }
            }
        }
        assertThatThrownBy(() -> BellaTrainer.builder().optParticleChunk(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    @Test
    void singleParticleSvgdIsMap() throws Exception {
        try (Posterior p = BellaTrainer.builder().build().fit(wrap(1), blobs(32, 1), null)) {
            assertThat(p.provenance().history().get(0).meanKernel()).isEqualTo(1.0);
        }
    }
}
