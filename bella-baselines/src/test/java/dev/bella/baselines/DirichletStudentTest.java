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
package dev.bella.baselines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.NormalInitializer;
import dev.bella.core.Bella;
import dev.bella.core.BellaConfig;
import dev.bella.core.ParticleBlock;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Posteriors;
import dev.bella.core.posterior.Prediction;
import dev.bella.core.posterior.Provenance;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distillation from a teacher whose samples are drawn from known Dirichlets: the student's
 * concentrations must approach them; early stopping, the closed-form predictions, saving and
 * loading and bad inputs. The teacher draws its Dirichlet samples here, from Gamma variates
 * (Marsaglia and Tsang), independently of the code under test.
 */
class DirichletStudentTest {

    private static final int GROUPS = 2;
    private static final int CLASSES = 3;
    private static final int PER_GROUP = 100;
    private static final int SAMPLES = 10;
    private static final double[][] TRUE_ALPHA = {{8, 3, 1}, {0.8, 1.5, 6}};

    private NDManager manager;
    private SequentialBlock base;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        base =
                new SequentialBlock()
                        .add(Linear.builder().setUnits(8).build())
                        .add(Activation::relu)
                        .add(Linear.builder().setUnits(CLASSES).build());
        base.setInitializer(new NormalInitializer(0.3f), p -> true);
        manager.getEngine().setRandomSeed(5);
        base.initialize(manager, DataType.FLOAT32, new Shape(1, GROUPS));
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /** The student network: a low-rank adapter on the hidden layer and a full-rank head. */
    private ParticleBlock network() {
        return Bella.wrap(
                base,
                BellaConfig.builder()
                        .optTargets("0")
                        .optFullRankTargets("2")
                        .optParticles(1)
                        .optRank(2)
                        .optSeed(3)
                        .build());
    }

    /** One-hot group features: PER_GROUP inputs of group 0, then PER_GROUP of group 1. */
    private NDArray inputs() {
        float[] x = new float[GROUPS * PER_GROUP * GROUPS];
        for (int i = 0; i < GROUPS * PER_GROUP; i++) {
            x[i * GROUPS + i / PER_GROUP] = 1;
        }
        return manager.create(x, new Shape(GROUPS * PER_GROUP, GROUPS));
    }

    /** Gamma(shape, 1) by Marsaglia and Tsang, boosted below shape 1. */
    static double gamma(double shape, SplittableRandom rng) {
        if (shape < 1) {
            return gamma(shape + 1, rng) * Math.pow(rng.nextDouble(), 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x = rng.nextGaussian();
            double v = Math.pow(1 + c * x, 3);
            if (v <= 0) {
                continue;
            }
            double u = rng.nextDouble();
            if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }

    /**
     * A teacher whose M samples for an input of group g are fresh draws from Dir(TRUE_ALPHA[g]).
     */
    static final class DirichletTeacher implements Posterior {
        private final SplittableRandom rng = new SplittableRandom(77);

        @Override
        public NDArray sampleProbabilities(NDList inputs) {
            NDArray x = inputs.singletonOrThrow();
            int b = Math.toIntExact(x.getShape().get(0));
            float[] features = x.toFloatArray();
            float[] p = new float[SAMPLES * b * CLASSES];
            for (int k = 0; k < b; k++) {
                int g = features[k * GROUPS] > 0.5f ? 0 : 1;
                for (int m = 0; m < SAMPLES; m++) {
                    double[] y = new double[CLASSES];
                    double sum = 0;
                    for (int c = 0; c < CLASSES; c++) {
                        y[c] = gamma(TRUE_ALPHA[g][c], rng);
                        sum += y[c];
                    }
                    for (int c = 0; c < CLASSES; c++) {
                        p[(m * b + k) * CLASSES + c] = (float) (y[c] / sum);
                    }
                }
            }
            return x.getManager().create(p, new Shape(SAMPLES, b, CLASSES));
        }

        @Override
        public NDArray logPredictive(NDList inputs) {
            return sampleProbabilities(inputs).mean(new int[] {0}).log();
        }

        @Override
        public int getSampleCount() {
            return SAMPLES;
        }

        @Override
        public ai.djl.Device getDevice() {
            return ai.djl.Device.cpu();
        }

        @Override
        public Provenance getProvenance() {
            return new Provenance(
                    "known-dirichlet",
                    Map.of(),
                    null,
                    0,
                    "test",
                    Engine.getDjlVersion(),
                    "",
                    0,
                    List.of());
        }

        @Override
        public void save(Path dir) {
            throw new UnsupportedOperationException("a test teacher");
        }

        @Override
        public void close() {}
    }

    private DirichletStudent distil(ParticleBlock network, int epochs, int patience)
            throws Exception {
        return DirichletDistillation.builder()
                .optPatience(patience)
                .build()
                .fit(
                        network,
                        new DirichletTeacher(),
                        inputs(),
                        b ->
                                b.optEpochs(epochs)
                                        .optBatchSize(20)
                                        .optLearningRate(0.05f)
                                        .optPriorPrecision(0)
                                        .optSeed(1));
    }

    @Test
    void recoversTheTeachersDirichlet() throws Exception {
        try (DirichletStudent student = distil(network(), 60, 60)) {
            NDArray alpha = student.concentrations(new NDList(inputs()));
            float[] a = alpha.toFloatArray();
            for (int g = 0; g < GROUPS; g++) {
                int k = g * PER_GROUP; // every input of a group is the same: any one will do
                for (int c = 0; c < CLASSES; c++) {
                    double got = a[k * CLASSES + c];
                    assertThat(Math.log(got))
                            .as(
                                    "log alpha[%d] of group %d (got %s, teacher %s)",
                                    c, g, got, TRUE_ALPHA[g][c])
                            .isCloseTo(Math.log(TRUE_ALPHA[g][c]), offset(0.2));
                }
                Prediction p = student.predict(new NDList(inputs())).get(k);
                Prediction truth = Dirichlet.predict(TRUE_ALPHA[g]);
                assertThat(p.mutualInformation())
                        .as("MI of group %d", g)
                        .isCloseTo(
                                truth.mutualInformation(), offset(0.2 * truth.mutualInformation()));
                assertThat(p.aleatoric()).isCloseTo(truth.aleatoric(), offset(0.05));
            }
            Provenance prov = student.getProvenance();
            assertThat(prov.method()).isEqualTo(DirichletStudent.METHOD);
            assertThat(prov.settings())
                    .containsEntry("link", "exp")
                    .containsEntry("teacher_method", "known-dirichlet")
                    .containsEntry("teacher_samples", Integer.toString(SAMPLES))
                    .containsKey("best_epoch");
            assertThat(prov.trainExamples()).isEqualTo(GROUPS * PER_GROUP);
        }
    }

    @Test
    void stopsEarlyAfterPatienceEpochsWithoutImprovement() throws Exception {
        try (DirichletStudent student = distil(network(), 400, 3)) {
            Map<String, String> s = student.getProvenance().settings();
            int run = Integer.parseInt(s.get("epochs_run"));
            int best = Integer.parseInt(s.get("best_epoch"));
            assertThat(run).as("epochs run").isLessThan(400);
            assertThat(run).isEqualTo(best + 3);
            assertThat(student.getProvenance().history()).hasSize(run);
            double bestLoss = Double.parseDouble(s.get("best_train_nll"));
            assertThat(student.getProvenance().history().get(best - 1).trainLoss())
                    .isCloseTo(bestLoss, offset(1e-6));
        }
    }

    @Test
    void predictIsTheClosedFormOfItsConcentrations() throws Exception {
        try (DirichletStudent student = distil(network(), 2, 5)) {
            NDList x = new NDList(inputs());
            assertThat(student.hasClosedFormUncertainty()).isTrue();
            assertThat(student.getSampleCount()).isEqualTo(1);
            float[] z = student.logConcentrations(x).toFloatArray();
            List<Prediction> predictions = student.predict(x);
            NDArray samples = student.sampleProbabilities(x);
            assertThat(samples.getShape()).isEqualTo(new Shape(1, GROUPS * PER_GROUP, CLASSES));
            float[] p = samples.toFloatArray();
            float[] logp = student.logPredictive(x).toFloatArray();
            for (int k = 0; k < predictions.size(); k += 37) {
                double[] row = new double[CLASSES];
                for (int c = 0; c < CLASSES; c++) {
                    row[c] = z[k * CLASSES + c];
                }
                Prediction expected = Dirichlet.predictFromLog(row);
                Prediction got = predictions.get(k);
                assertThat(got.mutualInformation()).isEqualTo(expected.mutualInformation());
                assertThat(got.mutualInformation()).isPositive();
                for (int c = 0; c < CLASSES; c++) {
                    assertThat((double) p[k * CLASSES + c])
                            .isCloseTo(got.probability(c), offset(1e-6));
                    assertThat(Math.exp(logp[k * CLASSES + c]))
                            .isCloseTo(got.probability(c), offset(1e-6));
                }
            }
        }
    }

    @Test
    void savesAndLoads(@TempDir Path dir) throws Exception {
        Path saved = dir.resolve("student");
        List<Prediction> before;
        Provenance provenance;
        try (DirichletStudent student = distil(network(), 3, 5)) {
            student.save(saved);
            before = student.predict(new NDList(inputs()));
            provenance = student.getProvenance();
        }
        try (DirichletStudent loaded = DirichletStudent.load(saved, base)) {
            assertThat(loaded.predict(new NDList(inputs()))).isEqualTo(before);
            assertThat(loaded.getProvenance().settings()).isEqualTo(provenance.settings());
            assertThat(loaded.getProvenance().history()).isEqualTo(provenance.history());
        }
        try (Posterior any = Posteriors.load(saved, base)) {
            assertThat(any).isInstanceOf(DirichletStudent.class);
            assertThat(any.predict(new NDList(inputs()))).isEqualTo(before);
        }
        Path particles = dir.resolve("particles");
        try (ParticlePosterior p = ParticlePosterior.of(network())) {
            p.save(particles);
        }
        try (Posterior any = Posteriors.load(particles, base)) {
            assertThat(any).isInstanceOf(ParticlePosterior.class);
        }
        assertThatThrownBy(() -> DirichletStudent.load(particles, base))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("method 'unknown', not " + DirichletStudent.METHOD);
        assertThatThrownBy(() -> DirichletStudent.load(dir.resolve("missing"), base))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void badInputsAreRejectedWithTheValue() {
        assertThatThrownBy(() -> DirichletDistillation.builder().optPatience(0).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the value passed is 0");
        assertThatThrownBy(() -> DirichletDistillation.builder().optMinDelta(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1.0");
        assertThatThrownBy(() -> DirichletDistillation.builder().optSmoothing(1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1.0");
        try (ParticleBlock two =
                Bella.wrap(
                        base,
                        BellaConfig.builder().optTargets("0").optRank(2).optParticles(2).build())) {
            assertThatThrownBy(
                            () ->
                                    DirichletDistillation.builder()
                                            .build()
                                            .fit(two, new DirichletTeacher(), inputs()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("got 2 particles");
        }
        try (ParticleBlock one = network()) {
            assertThatThrownBy(
                            () -> DirichletStudent.of(one, new DirichletTeacher().getProvenance()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("method 'known-dirichlet'");
        }
    }
}
