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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.bella.core.Bella;
import dev.bella.core.LowRankLinear;
import dev.bella.core.ParticleBlock;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ClipClassifierTest {

    static NDManager manager;
    static ClipVisionTransformer tower;

    @BeforeAll
    static void setUp() throws Exception {
        manager = NDManager.newBaseManager();
        tower =
                ClipCheckpoints.load(
                        ClipFixtures.resource("tiny_openai_f16.safetensors"),
                        ClipFixtures.TINY,
                        manager);
    }

    @AfterAll
    static void tearDown() {
        manager.close();
    }

    private static float[][] textEmbeddings(int classes, int dim, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] out = new float[classes][dim];
        for (float[] row : out) {
            for (int j = 0; j < dim; j++) {
                row[j] = (float) rng.nextGaussian();
            }
        }
        return out;
    }

    @Test
    void zeroShotHeadComputesScaledCosineSimilarity() {
        float[][] text = textEmbeddings(5, 32, 1);
        ClipClassifier clf = ClipClassifier.fromTextEmbeddings(tower, text, 100f, manager);
        assertThat(clf.isZeroShot()).isTrue();
        assertThat(clf.getClasses()).isEqualTo(5);
        assertThat(clf.getHead().getParameters().contains("bias")).isFalse();
        assertThat(clf.getHead().getParameters().get("weight").requiresGradient()).isFalse();
        try (NDManager scope = manager.newSubManager()) {
            scope.getEngine().setRandomSeed(5);
            NDArray x = scope.randomNormal(new Shape(3, 3, 32, 32));
            float[] logits = ClipFixtures.run(clf, x).toFloatArray();
            float[] emb = ClipFixtures.run(tower, x).toFloatArray();
            for (int b = 0; b < 3; b++) {
                for (int c = 0; c < 5; c++) {
                    double dot = 0;
                    double ni = 0;
                    double nt = 0;
                    for (int j = 0; j < 32; j++) {
                        double e = emb[b * 32 + j];
                        dot += e * text[c][j];
                        ni += e * e;
                        nt += (double) text[c][j] * text[c][j];
                    }
                    double expected = 100 * dot / Math.sqrt(ni * nt);
                    assertThat((double) logits[b * 5 + c])
                            .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-3));
                }
            }
        }
    }

    @Test
    void trainableHeadIsSeededAndTrainable() {
        ClipClassifier a = ClipClassifier.withTrainableHead(tower, 10, 7, manager);
        ClipClassifier b = ClipClassifier.withTrainableHead(tower, 10, 7, manager);
        assertThat(a.isZeroShot()).isFalse();
        Parameter w = a.getHead().getParameters().get("weight");
        assertThat(w.getArray().getShape()).isEqualTo(new Shape(10, 32));
        assertThat(w.requiresGradient()).isTrue();
        assertThat(w.getArray().toFloatArray())
                .containsExactly(
                        b.getHead().getParameters().get("weight").getArray().toFloatArray());
        float bound = (float) (1 / Math.sqrt(32));
        for (float v : w.getArray().toFloatArray()) {
            assertThat(Math.abs(v)).isLessThanOrEqualTo(bound);
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.zeros(new Shape(2, 3, 32, 32));
            assertThat(ClipFixtures.run(a, x).getShape()).isEqualTo(new Shape(2, 10));
        }
    }

    @Test
    void bellaWrapsTheClassifierThroughItsVisualPaths() {
        ClipClassifier clf = ClipClassifier.withTrainableHead(tower, 4, 1, manager);
        try (ParticleBlock particles =
                        Bella.wrap(
                                clf,
                                ClipTargets.bellaConfig()
                                        .optParticles(2)
                                        .optBInitStd(0.1)
                                        .build());
                NDManager scope = manager.newSubManager()) {
            assertThat(particles.getLayers(LowRankLinear.class).keySet())
                    .containsExactly(
                            "visual.transformer.resblocks.0.mlp.c_fc",
                            "visual.transformer.resblocks.0.mlp.c_proj",
                            "visual.transformer.resblocks.1.mlp.c_fc",
                            "visual.transformer.resblocks.1.mlp.c_proj");
            scope.getEngine().setRandomSeed(2);
            NDArray x = scope.randomNormal(new Shape(3, 3, 32, 32));
            NDArray out = particles.predict(new NDList(x)).singletonOrThrow();
            assertThat(out.getShape()).isEqualTo(new Shape(2, 3, 4));
            // With B != 0 the two particles differ.
            assertThat(out.get(0).sub(out.get(1)).abs().max().getFloat()).isGreaterThan(0f);
        }
        for (Pair<String, Parameter> p : clf.getParameters()) {
            assertThat(p.getValue().isInitialized()).isTrue();
        }
    }

    @Test
    void eachParticleCanOwnAFullHead() {
        ClipClassifier clf = ClipClassifier.withTrainableHead(tower, 4, 1, manager);
        try (ParticleBlock particles =
                        Bella.wrap(
                                clf,
                                ClipTargets.bellaConfig()
                                        .optFullRankTargets("head")
                                        .optFullRankInitStd(0.05)
                                        .optParticles(3)
                                        .build());
                NDManager scope = manager.newSubManager()) {
            assertThat(particles.getLayers(LowRankLinear.class)).hasSize(4);
            NDArray x = scope.zeros(new Shape(2, 3, 32, 32));
            NDArray out = particles.predict(new NDList(x)).singletonOrThrow();
            assertThat(out.getShape()).isEqualTo(new Shape(3, 2, 4));
            // B = 0, so only the per-particle heads differ.
            assertThat(out.get(0).sub(out.get(2)).abs().max().getFloat()).isGreaterThan(0f);
        }
    }

    @Test
    void badHeadsAreNamed() {
        assertThatThrownBy(() -> ClipClassifier.withTrainableHead(tower, 0, 1, manager))
                .hasMessageContaining("classes should be a positive integer");
        assertThatThrownBy(
                        () ->
                                ClipClassifier.fromTextEmbeddings(
                                        tower, new float[][] {new float[31]}, 100f, manager))
                .hasMessageContaining("class embedding 0 has 31 values, expected outputDim = 32");
        assertThatThrownBy(
                        () ->
                                ClipClassifier.fromTextEmbeddings(
                                        tower, new float[][] {new float[32]}, 100f, manager))
                .hasMessageContaining("cannot be normalised");
        assertThatThrownBy(
                        () ->
                                ClipClassifier.fromTextEmbeddings(
                                        tower, textEmbeddings(2, 32, 3), 0f, manager))
                .hasMessageContaining("logitScale should be finite and positive");
        assertThatThrownBy(
                        () ->
                                ClipClassifier.withTrainableHead(
                                        new ClipVisionTransformer(ClipFixtures.TINY),
                                        3,
                                        1,
                                        manager))
                .hasMessageContaining("not initialised");
    }
}
