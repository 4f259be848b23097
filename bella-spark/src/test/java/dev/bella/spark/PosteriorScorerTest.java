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
package dev.bella.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.dataset.ArrayDataset;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Prediction;
import dev.bella.core.serve.UncertaintyPredictor;
import dev.bella.core.testing.TrainingFixtures;
import dev.bella.core.train.ParticleTrainer;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scores a test set on Spark in local mode ({@code local[2]}) with a posterior trained here on the
 * shared fixtures' blobs, saved, and loaded back by the executors, and checks every row against
 * {@link UncertaintyPredictor} on the same posterior.
 */
class PosteriorScorerTest {

    private static final StructType SCHEMA =
            new StructType()
                    .add("id", DataTypes.IntegerType, false)
                    .add("features", DataTypes.createArrayType(DataTypes.FloatType), true);

    @TempDir static Path dir;

    private static SparkSession spark;
    private static NDManager manager;
    private static ParticlePosterior posterior;
    private static String adapters;
    private static String baseParams;

    @BeforeAll
    static void trainAndStart() throws Exception {
        manager = NDManager.newBaseManager();
        SequentialBlock base = TrainingFixtures.classifier(manager);
        Path params = dir.resolve("base.params");
        try (OutputStream out = Files.newOutputStream(params);
                DataOutputStream data = new DataOutputStream(out)) {
            base.saveParameters(data);
        }
        baseParams = params.toString();
        posterior =
                ParticleTrainer.builder()
                        .setUpdateRule(TrainingFixtures.ownGradient("own"))
                        .optEpochs(3)
                        .build()
                        .fit(
                                TrainingFixtures.wrap(base, 3),
                                TrainingFixtures.blobs(manager, 60, 1),
                                null);
        Path saved = dir.resolve("adapters");
        posterior.save(saved);
        adapters = saved.toString();
        spark =
                SparkSession.builder()
                        .master("local[2]")
                        .appName("bella-spark-test")
                        .config("spark.ui.enabled", "false")
                        .config("spark.sql.shuffle.partitions", "2")
                        .config("spark.driver.host", "localhost")
                        .config("spark.driver.bindAddress", "127.0.0.1")
                        .getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        LoadedPosteriors.closeAll();
        if (posterior != null) {
            posterior.close();
        }
        if (manager != null) {
            manager.close();
        }
    }

    /** The architecture of {@link TrainingFixtures#classifier}, uninitialised. */
    static Block architecture() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(16).build())
                .add(Activation::tanh)
                .add(Linear.builder().setUnits(TrainingFixtures.CLASSES).build());
    }

    private static PosteriorScorer.Builder scorer() {
        return PosteriorScorer.builder()
                .setAdapters(adapters)
                .setBase(BaseLoader.fromParameters(baseParams, PosteriorScorerTest::architecture))
                .setInputShape(TrainingFixtures.FEATURES);
    }

    /** The test set: fresh blobs, and a few rows far from every blob. */
    private static List<float[]> testSet() {
        List<float[]> rows = new ArrayList<>();
        ArrayDataset blobs = TrainingFixtures.blobs(manager, 40, 2);
        try (NDManager scope = manager.newSubManager()) {
            for (int i = 0; i < blobs.size(); i++) {
                rows.add(blobs.get(scope, i).getData().head().toFloatArray());
            }
        }
        for (int i = 0; i < 5; i++) {
            float[] far = new float[TrainingFixtures.FEATURES];
            java.util.Arrays.fill(far, 4f * (i - 2));
            rows.add(far);
        }
        return rows;
    }

    @Test
    void theColumnsAreThoseOfTheUncertaintyPredictorRowByRow() {
        List<float[]> inputs = testSet();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Float[] boxed = new Float[inputs.get(i).length];
            for (int j = 0; j < boxed.length; j++) {
                boxed[j] = inputs.get(i)[j];
            }
            rows.add(RowFactory.create(i, boxed));
        }
        // Three partitions over two cores, batches of 4: several batches and tasks per executor.
        Dataset<Row> df = spark.createDataFrame(rows, SCHEMA).repartition(3);
        // The device the suite runs on (-Dbella.test.device), else each executor's default.
        String device = System.getProperty("bella.test.device", "");
        PosteriorScorer scorer =
                (device.isBlank() ? scorer() : scorer().optDevice(device)).optMaxBatch(4).build();
        Dataset<Row> scored = scorer.score(df);

        assertThat(scored.columns())
                .containsExactly(
                        "id",
                        "features",
                        "prediction",
                        "confidence",
                        "entropy",
                        "aleatoric",
                        "mutual_information");
        List<Row> out = scored.orderBy("id").collectAsList();
        assertThat(out).hasSize(inputs.size());

        List<Prediction> expected;
        try (UncertaintyPredictor predictor =
                UncertaintyPredictor.of(posterior, new Shape(TrainingFixtures.FEATURES))) {
            expected = predictor.predict(inputs.toArray(new float[0][]));
        }
        double mi = 0;
        for (int i = 0; i < out.size(); i++) {
            Row r = out.get(i);
            Prediction p = expected.get(i);
            assertThat(r.getInt(0)).isEqualTo(i);
            assertThat(r.<Integer>getAs("prediction")).as("row %d", i).isEqualTo(p.predicted());
            assertThat(r.<Double>getAs("confidence"))
                    .as("row %d", i)
                    .isCloseTo(p.confidence(), within(1e-6));
            assertThat(r.<Double>getAs("entropy"))
                    .as("row %d", i)
                    .isCloseTo(p.entropy(), within(1e-6));
            assertThat(r.<Double>getAs("aleatoric"))
                    .as("row %d", i)
                    .isCloseTo(p.aleatoric(), within(1e-6));
            assertThat(r.<Double>getAs("mutual_information"))
                    .as("row %d", i)
                    .isCloseTo(p.mutualInformation(), within(1e-6));
            mi += r.<Double>getAs("mutual_information");
        }
        // The particles disagree somewhere, so the epistemic column is not trivially zero.
        assertThat(mi).isGreaterThan(0);
        // One executor JVM in local mode: the posterior was loaded once for all tasks.
        assertThat(LoadedPosteriors.size()).isEqualTo(1);
    }

    @Test
    void theScorerIsSerializable() throws Exception {
        try (ObjectOutputStream out = new ObjectOutputStream(new ByteArrayOutputStream())) {
            out.writeObject(scorer().build());
        }
    }

    @Test
    void aMissingOrWrongInputColumnIsNamed() {
        PosteriorScorer scorer = scorer().optInputColumn("pixels").build();
        assertThatThrownBy(() -> scorer.outputSchema(SCHEMA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"pixels\"")
                .hasMessageContaining("optInputColumn");
        PosteriorScorer byId = scorer().optInputColumn("id").build();
        assertThatThrownBy(() -> byId.outputSchema(SCHEMA))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be an array of numbers, got int");
        StructType taken = SCHEMA.add("entropy", DataTypes.DoubleType);
        assertThatThrownBy(() -> scorer().build().outputSchema(taken))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already has a column \"entropy\"");
    }

    @Test
    void theBuilderNamesAMissingSetting() {
        assertThatThrownBy(() -> PosteriorScorer.builder().build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("setAdapters");
        assertThatThrownBy(() -> scorer().setBase(null).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("setBase");
        assertThatThrownBy(() -> scorer().setInputShape(8, 0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[8, 0]");
        assertThatThrownBy(() -> scorer().optDevice("gpu:x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("device 'gpu:x' is not a DJL device name");
        assertThatThrownBy(() -> scorer().optMaxBatch(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0");
    }
}
