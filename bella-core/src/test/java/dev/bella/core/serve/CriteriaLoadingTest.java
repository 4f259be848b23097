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
package dev.bella.core.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.initializer.NormalInitializer;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Prediction;
import dev.bella.core.testing.TestDevices;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DJL-native deployment: a posterior saved by {@link ModelDirectory} loads through {@code Criteria}
 * into a {@code ZooModel} whose predictors give, for float[], NDList and Image inputs, the
 * predictions {@link UncertaintyPredictor} gives on the posterior in memory.
 */
class CriteriaLoadingTest {

    private static final int FEATURES = 8;
    private static final int CLASSES = 3;
    private static final List<String> NAMES = List.of("ant", "bee", "cat");

    private static NDManager manager;
    private static SequentialBlock base;
    private static ParticlePosterior posterior;
    private static UncertaintyPredictor reference;
    @TempDir static Path tmp;
    private static Path dir;

    /** The base's architecture, uninitialised: what a user gives Criteria.optBlock. */
    static SequentialBlock architecture() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(16).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(CLASSES).build());
    }

    /** Builds the architecture for a directory whose serving.properties names it. */
    public static final class BaseFactory implements BlockFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) {
            return architecture();
        }
    }

    @BeforeAll
    static void save() throws Exception {
        manager = NDManager.newBaseManager(TestDevices.device());
        base = architecture();
        base.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
        base.setInitializer(new NormalInitializer(0.1f), Parameter.Type.BIAS);
        manager.getEngine().setRandomSeed(5);
        base.initialize(manager, DataType.FLOAT32, new Shape(1, FEATURES));
        ParticleBlock particles =
                Bella.wrap(
                        base,
                        BellaConfig.builder()
                                .optTargets("0", "2")
                                .optParticles(4)
                                .optRank(2)
                                .optBInitStd(0.5)
                                .optSeed(9)
                                .build());
        posterior = ParticlePosterior.of(particles);
        reference = UncertaintyPredictor.of(posterior, new Shape(FEATURES));
        dir = tmp.resolve("model");
        ModelDirectory.builder(base, posterior, new Shape(FEATURES))
                .optClasses(NAMES)
                .optBlockFactory(BaseFactory.class.getName())
                .save(dir);
    }

    @AfterAll
    static void close() {
        // Null-safe: on a device the engine lacks, setUp fails before they exist.
        for (AutoCloseable c : new AutoCloseable[] {reference, posterior, manager}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    private static <I> Criteria<I, UncertainClassifications> criteria(Class<I> input) {
        return Criteria.builder()
                .setTypes(input, UncertainClassifications.class)
                .optModelPath(dir)
                .optBlock(architecture())
                .optTranslatorFactory(new PosteriorTranslatorFactory())
                .optDevice(TestDevices.device())
                .build();
    }

    private static float[] input(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
            x[j] = (float) (rng.nextGaussian() * 2);
        }
        return x;
    }

    private static void assertSame(UncertainClassifications got, Prediction want) {
        assertThat(got.getPrediction().probabilities()).containsExactly(want.probabilities());
        assertThat(got.getEntropy()).isEqualTo(want.entropy());
        assertThat(got.getAleatoric()).isEqualTo(want.aleatoric());
        assertThat(got.getMutualInformation()).isEqualTo(want.mutualInformation());
        assertThat(got.best().getClassName()).isEqualTo(NAMES.get(want.predicted()));
        assertThat(got.best().getProbability()).isEqualTo(want.confidence());
    }

    @Test
    void theDirectoryHoldsWhatDjlReads() {
        assertThat(dir.resolve(ModelDirectory.SERVING_PROPERTIES)).isRegularFile();
        assertThat(dir.resolve(ModelDirectory.BASE_PARAMS)).isRegularFile();
        assertThat(dir.resolve(ModelDirectory.SYNSET)).hasContent("ant\nbee\ncat");
        assertThat(dir.resolve("posterior")).isDirectory();
    }

    @Test
    void floatInputsPredictAsTheInMemoryPosterior() throws Exception {
        try (ZooModel<float[], UncertainClassifications> model =
                        criteria(float[].class).loadModel();
                Predictor<float[], UncertainClassifications> predictor = model.newPredictor()) {
            assertThat(model.getBlock()).isInstanceOf(PosteriorBlock.class);
            for (long seed = 0; seed < 5; seed++) {
                float[] x = input(seed);
                UncertainClassifications got = predictor.predict(x);
                assertSame(got, reference.predict(x));
                assertThat(got.getMutualInformation()).isGreaterThan(0);
                assertThat(got.getEntropy())
                        .isCloseTo(
                                got.getAleatoric() + got.getMutualInformation(),
                                org.assertj.core.data.Offset.offset(1e-12));
            }
            float[][] batch = {input(10), input(11), input(12)};
            List<UncertainClassifications> all = predictor.batchPredict(List.of(batch));
            List<Prediction> want = reference.predict(batch);
            for (int k = 0; k < batch.length; k++) {
                assertSame(all.get(k), want.get(k));
            }
        }
    }

    @Test
    void ndListInputsPredictAsTheInMemoryPosterior() throws Exception {
        try (ZooModel<NDList, UncertainClassifications> model = criteria(NDList.class).loadModel();
                Predictor<NDList, UncertainClassifications> predictor = model.newPredictor();
                NDManager scope = NDManager.newBaseManager(TestDevices.device())) {
            float[] x = input(21);
            assertSame(predictor.predict(new NDList(scope.create(x))), reference.predict(x));
            assertSame(
                    predictor.predict(new NDList(scope.create(x, new Shape(2, 4)))),
                    reference.predict(x));
            assertThat(reference.predict(new NDList(scope.create(x))))
                    .isEqualTo(reference.predict(x));
        }
    }

    /** A 4 x 2 grey image; (pixel / 255 - 0.5) / 0.25, worked out here, is the input it means. */
    @Test
    void imagesGoThroughTheirPreprocessor() throws Exception {
        int[] grey = {0, 32, 64, 96, 128, 160, 192, 255};
        int[] argb = new int[grey.length];
        float[] expected = new float[grey.length];
        for (int j = 0; j < grey.length; j++) {
            int g = grey[j];
            argb[j] = 0xff000000 | (g << 16) | (g << 8) | g;
            expected[j] = (g / 255f - 0.5f) / 0.25f;
        }
        Image image = ImageFactory.getInstance().fromPixels(argb, 4, 2);
        ImagePreprocessor pre =
                ImagePreprocessor.tensor(4, 2, true, new float[] {0.5f}, new float[] {0.25f});
        Criteria<Image, UncertainClassifications> c =
                Criteria.builder()
                        .setTypes(Image.class, UncertainClassifications.class)
                        .optModelPath(dir)
                        .optTranslatorFactory(new PosteriorTranslatorFactory())
                        .optArgument("imagePreprocessor", pre)
                        .optDevice(TestDevices.device())
                        .build();
        // No optBlock: the base comes from the blockFactory named in serving.properties.
        try (ZooModel<Image, UncertainClassifications> model = c.loadModel();
                Predictor<Image, UncertainClassifications> predictor = model.newPredictor();
                UncertaintyPredictor withImages =
                        UncertaintyPredictor.builder(posterior, new Shape(FEATURES))
                                .optImagePreprocessor(pre)
                                .build()) {
            Prediction want = reference.predict(expected);
            Prediction viaPredictor = withImages.predict(image);
            assertThat(viaPredictor.probabilities())
                    .containsExactly(
                            want.probabilities(), org.assertj.core.data.Offset.offset(1e-6));
            UncertainClassifications got = predictor.predict(image);
            assertThat(got.getPrediction().probabilities())
                    .containsExactly(viaPredictor.probabilities());
        }
    }

    @Test
    void badInputsAreNamed() throws Exception {
        try (ZooModel<float[], UncertainClassifications> model =
                        criteria(float[].class).loadModel();
                Predictor<float[], UncertainClassifications> predictor = model.newPredictor()) {
            assertThatThrownBy(() -> predictor.predict(new float[3]))
                    .hasStackTraceContaining("has 3 values, expected 8");
            float[] x = input(1);
            x[5] = Float.NaN;
            assertThatThrownBy(() -> predictor.predict(x))
                    .hasStackTraceContaining("input value [5] = NaN");
        }
        try (UncertaintyPredictor plain = UncertaintyPredictor.of(posterior, new Shape(FEATURES))) {
            assertThatThrownBy(
                            () ->
                                    plain.predict(
                                            ImageFactory.getInstance()
                                                    .fromPixels(new int[8], 4, 2)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("optImagePreprocessor");
        }
    }

    @Test
    void loadingSaysWhatIsMissing() throws Exception {
        Path bare = tmp.resolve("bare");
        Files.createDirectories(bare);
        for (String f : List.of(ModelDirectory.BASE_PARAMS, ModelDirectory.SYNSET)) {
            Files.copy(dir.resolve(f), bare.resolve(f));
        }
        Files.writeString(
                bare.resolve(ModelDirectory.SERVING_PROPERTIES),
                "engine=PyTorch\noption.modelName=base\ninputShape=8\n");
        Criteria<float[], UncertainClassifications> noPosterior =
                Criteria.builder()
                        .setTypes(float[].class, UncertainClassifications.class)
                        .optModelPath(bare)
                        .optBlock(architecture())
                        .optTranslatorFactory(new PosteriorTranslatorFactory())
                        .build();
        assertThatThrownBy(noPosterior::loadModel)
                .isInstanceOf(ModelNotFoundException.class)
                .hasStackTraceContaining(
                        "cannot load the posterior in " + bare.resolve("posterior"));
        Criteria<float[], UncertainClassifications> noShape =
                Criteria.builder()
                        .setTypes(float[].class, UncertainClassifications.class)
                        .optModelPath(dir)
                        .optBlock(architecture())
                        .optTranslatorFactory(new PosteriorTranslatorFactory())
                        .optArgument("inputShape", "8,x")
                        .build();
        assertThatThrownBy(noShape::loadModel).hasStackTraceContaining("inputShape = '8,x'");
    }

    @Test
    void djlModelSaveSaysWhatToCallInstead() throws Exception {
        try (Model wrapped = Model.newInstance("wrapped", TestDevices.device())) {
            wrapped.setBlock(posterior.getParticles());
            assertThatThrownBy(() -> wrapped.save(tmp.resolve("djl"), "wrapped"))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining(
                            "ModelDirectory.builder(base, posterior, inputShape).save(dir)");
        }
        try (ZooModel<float[], UncertainClassifications> model =
                criteria(float[].class).loadModel()) {
            assertThatThrownBy(() -> model.save(tmp.resolve("djl2"), "zoo"))
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("ModelDirectory");
        }
    }

    @Test
    void theParticlesLiveOnTheRequestedDevice() throws Exception {
        Device device = TestDevices.device();
        assertThat(posterior.getDevice()).isEqualTo(device);
        for (Parameter p : posterior.getParticles().getParticleParameters().values()) {
            assertThat(p.getArray().getDevice()).isEqualTo(device);
        }
        try (ZooModel<float[], UncertainClassifications> model =
                criteria(float[].class).loadModel()) {
            assertThat(((PosteriorBlock) model.getBlock()).getPosterior().getDevice())
                    .isEqualTo(device);
        }
        Device absent = Device.gpu(manager.getEngine().getGpuCount() + 3);
        assertThatThrownBy(
                        () ->
                                Bella.wrap(
                                        base,
                                        BellaConfig.builder().optTargets("0").build(),
                                        absent))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("device " + absent + " is not available");
    }
}
