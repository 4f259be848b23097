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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.bella.baselines.DirichletStudent;
import dev.bella.core.posterior.ParticlePosterior;
import dev.bella.core.posterior.Posterior;
import dev.bella.core.posterior.Prediction;
import dev.bella.core.serve.UncertaintyPredictor;
import dev.bella.examples.cli.BellaCli;
import dev.bella.examples.cli.ServeCommand;
import dev.bella.examples.data.Digits;
import dev.bella.examples.data.LabeledImages;
import dev.bella.examples.serve.UncertaintyServer;
import dev.bella.metrics.ClassificationMetrics;
import dev.bella.metrics.ParticleProbabilities;
import dev.bella.metrics.ReportMetric;
import dev.bella.metrics.Uncertainty;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A short run of the study (few epochs) checks its protocol, results and report. */
class StudyTest {

    @TempDir Path dir;

    @Test
    void shortDigitsStudyComparesTheFourMethodsAndWritesTheReport() throws Exception {
        StudySettings s =
                new StudySettings(
                        "digits",
                        null,
                        null,
                        dir.resolve("out"),
                        dir.resolve("cache"),
                        3,
                        4,
                        0.01,
                        4,
                        3,
                        32,
                        0.01f,
                        0,
                        true);
        StringWriter console = new StringWriter();
        List<MethodResult> results = new Study(s, new PrintWriter(console)).run();
        assertThat(results)
                .extracting(MethodResult::name)
                .containsExactly(
                        "Single LoRA (r=4)",
                        "Ensemble Bella (n=3)",
                        "SVGD Bella (n=3)",
                        "Full-rank ensemble (n=3)");
        for (MethodResult r : results) {
            assertThat(r.report().classification().accuracy()).as(r.name()).isGreaterThan(0.8);
            assertThat(r.report().get(ReportMetric.OOD_AUROC_ENTROPY).orElseThrow())
                    .isBetween(0.5, 1.0);
            assertThat(r.corruptionAccuracy()).hasSize(5);
            // Stronger corruptions cost accuracy on average, and the entropy flags them better
            // than chance.
            assertThat(r.corruptionAccuracy()[4]).isLessThan(r.corruptionAccuracy()[0]);
            assertThat(r.shiftAuroc()).as(r.name()).isBetween(0.5, 1.0);
            assertThat(r.fgsmAccuracy()).hasSize(4);
            // Robustness can only cost accuracy: the strongest FGSM step is no better than clean.
            assertThat(r.fgsmAccuracy()[3])
                    .isLessThanOrEqualTo(r.report().classification().accuracy());
            assertThat(Files.list(s.out().resolve("adapters").resolve(Study.slug(r.name()))))
                    .isNotEmpty();
        }
        // 64-128-8 MLP at r = 4: 4 (64 + 128) + 4 (128 + 8) values per particle.
        assertThat(results.get(0).trainablePerParticle()).isEqualTo(4 * (64 + 128) + 4 * (128 + 8));
        assertThat(results.get(3).trainablePerParticle()).isEqualTo(64 * 128 + 128 + 128 * 8 + 8);
        assertThat(results.get(1).adapterBytes()).isLessThan(results.get(3).adapterBytes());
        String report = Files.readString(s.out().resolve("report.md"));
        assertThat(report).contains("| SVGD Bella (n=3) |").contains("FGSM 0.03");
        assertThat(s.out().resolve("plots/svgd-bella-n-3/reliability.png")).exists();
        // The study's models load back from its output directory and predict as they did.
        assertThat(StudyModels.methods(s.out()))
                .containsExactlyInAnyOrder(
                        "single-lora-r-4",
                        "ensemble-bella-n-3",
                        "svgd-bella-n-3",
                        "full-rank-ensemble-n-3");
        try (NDManager manager = NDManager.newBaseManager();
                Posterior svgd = StudyModels.load(s.out(), "svgd-bella-n-3", manager)) {
            LabeledImages test = Digits.load().firstClasses(8).split(0, 0.4, 0.3, 0.3)[2];
            float[][][] probs = Evaluation.particleProbabilities(svgd, test, 512);
            double accuracy =
                    ClassificationMetrics.of(
                                    Uncertainty.posteriorPredictive(
                                            ParticleProbabilities.copyOf(probs)),
                                    test.labels())
                            .accuracy();
            assertThat(accuracy).isEqualTo(results.get(2).report().classification().accuracy());
            // The saved posterior says how it was made.
            assertThat(svgd.getProvenance().method()).isEqualTo("svgd");
            assertThat(svgd.getProvenance().history()).isNotEmpty();
        }
        assertThatThrownBy(() -> StudyModels.load(s.out(), "nope", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("svgd-bella-n-3");
        // ./bella serve --study serves them.
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve)
                .parseArgs(
                        "--port", "0", "--study", s.out().toString(), "--method", "svgd-bella-n-3");
        try (ServeCommand.Running running = serve.start()) {
            assertThat(running.predictor().getParticleCount()).isEqualTo(3);
            assertThat(running.predictor().getInputSize()).isEqualTo(64);
            assertThat(running.predictor().getClassCount()).isEqualTo(8);
        }
        // The base was cached: a second run loads it instead of pre-training.
        StringWriter again = new StringWriter();
        new Study(s, new PrintWriter(again)).run();
        assertThat(again.toString()).contains("pre-trained base loaded from");
    }

    @Test
    void distilledStudentIsScoredWithItsClosedFormAndServedLikeParticles() throws Exception {
        StudySettings s =
                new StudySettings(
                                "digits",
                                null,
                                null,
                                dir.resolve("out"),
                                dir.resolve("cache"),
                                3,
                                4,
                                0.01,
                                4,
                                3,
                                32,
                                0.01f,
                                0,
                                false)
                        .withMethods(StudyMethods.parse("svgd,distilled"), 1)
                        .withTeacher("ensemble");
        List<MethodResult> results = new Study(s, new PrintWriter(new StringWriter())).run();
        MethodResult student = results.get(1);
        assertThat(student.name()).isEqualTo("Distilled Dirichlet (from Ensemble Bella (n=3))");
        assertThat(student.particles()).isEqualTo(1);
        assertThat(student.epistemic()).isTrue();
        assertThat(student.report().hasClosedFormUncertainty()).isTrue();
        assertThat(student.report().classification().accuracy()).isGreaterThan(0.8);
        // The closed-form MI is scored: an OOD AUROC by MI exists and beats chance.
        assertThat(student.report().get(ReportMetric.OOD_AUROC_MI).orElseThrow())
                .isBetween(0.5, 1.0);
        JsonObject json = StudyJson.of(results).getAsJsonObject("methods");
        assertThat(json.getAsJsonObject("distilled").get("ood_auroc_mi").isJsonNull()).isFalse();
        assertThat(json.getAsJsonObject("distilled").get("kl_to_mean").isJsonNull()).isFalse();
        assertThat(json.getAsJsonObject("distilled").get("disagreement").isJsonNull()).isTrue();
        assertThat(json.getAsJsonObject("distilled").keySet())
                .isEqualTo(json.getAsJsonObject("svgd").keySet());
        // `all` leaves the student out; it is asked for by name.
        assertThat(StudyMethods.parse("all")).doesNotContain(StudyMethods.DISTILLED);
        // Loaded back by its id as a student, and served with the same JSON fields as particles.
        try (NDManager manager = NDManager.newBaseManager();
                Posterior loaded = StudyModels.load(s.out(), "distilled", manager);
                Posterior particles = StudyModels.load(s.out(), "svgd", manager)) {
            assertThat(loaded).isInstanceOf(DirichletStudent.class);
            assertThat(particles).isInstanceOf(ParticlePosterior.class);
            float[] x = Digits.load().pixels()[0];
            JsonObject fromStudent = serve(loaded, x);
            JsonObject fromParticles = serve(particles, x);
            JsonObject a = fromStudent.getAsJsonArray("predictions").get(0).getAsJsonObject();
            JsonObject b = fromParticles.getAsJsonArray("predictions").get(0).getAsJsonObject();
            assertThat(a.keySet()).isEqualTo(b.keySet()).contains("mutual_information");
            assertThat(fromStudent.keySet()).isEqualTo(fromParticles.keySet());
            Prediction direct =
                    loaded.predict(
                                    new ai.djl.ndarray.NDList(
                                            manager.create(
                                                    x, new ai.djl.ndarray.types.Shape(1, 64))))
                            .get(0);
            assertThat(a.get("mutual_information").getAsDouble())
                    .isEqualTo(direct.mutualInformation())
                    .isPositive();
        }
    }

    /** POSTs one input to a service of the posterior and returns the parsed answer. */
    private static JsonObject serve(Posterior model, float[] x) throws Exception {
        try (UncertaintyPredictor predictor =
                        UncertaintyPredictor.of(model, new ai.djl.ndarray.types.Shape(64));
                UncertaintyServer server =
                        UncertaintyServer.builder(predictor).optPort(0).build().start()) {
            StringBuilder body = new StringBuilder("{\"inputs\":[[");
            for (int j = 0; j < x.length; j++) {
                body.append(j == 0 ? "" : ",").append(x[j]);
            }
            body.append("]]}");
            HttpResponse<String> r =
                    HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(server.getUri().resolve("/predict"))
                                            .header("Content-Type", "application/json")
                                            .POST(
                                                    HttpRequest.BodyPublishers.ofString(
                                                            body.toString()))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return JsonParser.parseString(r.body()).getAsJsonObject();
        }
    }

    @Test
    void demoRejectsBadOptionsWithTheValue() {
        StringWriter err = new StringWriter();
        int code =
                BellaCli.newCommandLine()
                        .setErr(new PrintWriter(err))
                        .setOut(new PrintWriter(new StringWriter()))
                        .execute("demo", "--data", "cifar");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("cifar");
        err.getBuffer().setLength(0);
        code =
                BellaCli.newCommandLine()
                        .setErr(new PrintWriter(err))
                        .setOut(new PrintWriter(new StringWriter()))
                        .execute("demo", "--data", "fashion-mnist");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("IDX");
        err.getBuffer().setLength(0);
        code =
                BellaCli.newCommandLine()
                        .setErr(new PrintWriter(err))
                        .setOut(new PrintWriter(new StringWriter()))
                        .execute("demo", "--particles", "1");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("particles = 1");
    }
}
