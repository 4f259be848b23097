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
package dev.bella.clip;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.bella.core.Bella;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Prediction;
import dev.bella.core.serve.ModelDirectory;
import dev.bella.core.serve.PosteriorTranslatorFactory;
import dev.bella.core.serve.UncertainClassifications;
import dev.bella.core.serve.UncertaintyPredictor;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CLIP posterior (a tiny seeded tower with a head, LoRA particles on its MLPs) saved as a model
 * directory loads through Criteria and answers a DJL {@link Image} through CLIP's preprocessing
 * with the prediction the in-memory posterior gives for the preprocessed pixels.
 */
class ClipCriteriaTest {

    @TempDir Path tmp;

    private static ClipVisionConfig tiny() {
        return ClipVisionConfig.builder()
                .optImageSize(32)
                .optPatchSize(8)
                .optWidth(32)
                .optLayers(2)
                .optHeads(4)
                .optOutputDim(16)
                .build();
    }

    private static Image photo() throws Exception {
        return ImageFactory.getInstance().fromFile(ClipFixtures.resource("preprocess_photo.png"));
    }

    @Test
    void anImageThroughCriteriaMatchesThePreprocessedPixelsInMemory() throws Exception {
        ClipPreprocessor preprocessor = ClipPreprocessor.builder().optImageSize(32).build();
        Shape inputShape = new Shape(3, 32, 32);
        Path dir = tmp.resolve("clip-model");
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipClassifier base =
                    ClipClassifier.withTrainableHead(
                            ClipVisionTransformer.random(tiny(), manager, 7), 3, 11, manager);
            try (ParticlePosterior posterior =
                            ParticlePosterior.of(
                                    Bella.wrap(
                                            base,
                                            ClipTargets.bellaConfig()
                                                    .optParticles(3)
                                                    .optBInitStd(0.3)
                                                    .optSeed(2)
                                                    .build()));
                    UncertaintyPredictor reference =
                            UncertaintyPredictor.builder(posterior, inputShape)
                                    .optImagePreprocessor(preprocessor)
                                    .build()) {
                ModelDirectory.builder(base, posterior, inputShape)
                        .optClasses(List.of("cat", "dog", "car"))
                        .save(dir);
                float[] pixels = preprocessor.preprocess(photo(), manager).toFloatArray();
                Prediction want = reference.predict(pixels);
                assertThat(reference.predict(photo()).probabilities())
                        .containsExactly(want.probabilities());

                // The architecture only: its random values are replaced by base-0000.params.
                ClipClassifier architecture =
                        ClipClassifier.withTrainableHead(
                                ClipVisionTransformer.random(tiny(), manager, 99), 3, 5, manager);
                Criteria<Image, UncertainClassifications> criteria =
                        Criteria.builder()
                                .setTypes(Image.class, UncertainClassifications.class)
                                .optModelPath(dir)
                                .optBlock(architecture)
                                .optTranslatorFactory(new PosteriorTranslatorFactory())
                                .optArgument("imagePreprocessor", preprocessor)
                                .build();
                try (ZooModel<Image, UncertainClassifications> model = criteria.loadModel();
                        Predictor<Image, UncertainClassifications> predictor =
                                model.newPredictor()) {
                    UncertainClassifications got = predictor.predict(photo());
                    assertThat(got.getPrediction().probabilities())
                            .containsExactly(want.probabilities());
                    assertThat(got.getMutualInformation()).isEqualTo(want.mutualInformation());
                    assertThat(got.getMutualInformation()).isGreaterThan(0);
                    assertThat(got.best().getClassName())
                            .isEqualTo(List.of("cat", "dog", "car").get(want.predicted()));
                }
            }
        }
    }
}
