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
package dev.bella.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.bella.core.peft.PeftAdapter;
import dev.bella.core.peft.PeftConfig;
import dev.bella.examples.study.StudyModels;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class AdaptersCommandTest {

    @TempDir Path tmp;
    private Path study;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void setUp() throws IOException {
        // A study's base: the MLP 6 -> 8 -> 4, as ./bella demo saves it.
        study = tmp.resolve("study");
        Files.createDirectories(study);
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock mlp =
                    new SequentialBlock()
                            .add(Linear.builder().setUnits(8).build())
                            .add(Activation::relu)
                            .add(Linear.builder().setUnits(4).build());
            mlp.initialize(manager, DataType.FLOAT32, new Shape(1, 6));
            try (DataOutputStream os =
                    new DataOutputStream(Files.newOutputStream(study.resolve("base.params")))) {
                mlp.saveParameters(os);
            }
        }
        Files.writeString(
                study.resolve("base.json"), "{\"inputs\": 6, \"hidden\": 8, \"classes\": 4}");
    }

    private int run(String... args) {
        CommandLine cl = BellaCli.newCommandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    private static PeftAdapter adapter(long seed, String... modules) {
        Random rng = new Random(seed);
        Map<String, PeftAdapter.Lora> m = new LinkedHashMap<>();
        for (String name : modules) {
            int in = name.equals("0") ? 6 : 8;
            int o = name.equals("0") ? 8 : 4;
            float[] a = new float[2 * in];
            float[] b = new float[o * 2];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rng.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) rng.nextGaussian();
            }
            m.put(name, new PeftAdapter.Lora(a, b, in, o));
        }
        return new PeftAdapter(new PeftConfig(2, 4.0, false, List.of(modules), "mlp"), m);
    }

    /**
     * A study's method exported as a DJL model directory loads through Criteria, without the caller
     * knowing the base's architecture (serving.properties names StudyBaseFactory), and predicts
     * what the study's own loader predicts.
     */
    @Test
    void exportDjlWritesADirectoryCriteriaLoads() throws Exception {
        adapter(3, "0", "2").write(tmp.resolve("peft_a"));
        adapter(4, "0", "2").write(tmp.resolve("peft_b"));
        Path bella = study.resolve("adapters").resolve("pair");
        assertThat(
                        run(
                                "adapters",
                                "import-peft",
                                tmp.resolve("peft_a").toString(),
                                tmp.resolve("peft_b").toString(),
                                "--base",
                                study.toString(),
                                "--out",
                                bella.toString()))
                .as(err.toString())
                .isZero();
        Path model = tmp.resolve("djl-model");
        assertThat(
                        run(
                                "adapters",
                                "export-djl",
                                "--study",
                                study.toString(),
                                "--method",
                                "pair",
                                "--out",
                                model.toString()))
                .as(err.toString())
                .isZero();
        assertThat(out.toString()).contains("2 samples");
        ai.djl.repository.zoo.Criteria<float[], dev.bella.core.serve.UncertainClassifications>
                criteria =
                        ai.djl.repository.zoo.Criteria.builder()
                                .setTypes(
                                        float[].class,
                                        dev.bella.core.serve.UncertainClassifications.class)
                                .optModelPath(model)
                                .optTranslatorFactory(
                                        new dev.bella.core.serve.PosteriorTranslatorFactory())
                                .build();
        float[] x = {0.5f, -1f, 2f, 0f, 1.5f, -0.25f};
        try (var zoo = criteria.loadModel();
                var predictor = zoo.newPredictor();
                NDManager manager = NDManager.newBaseManager();
                var posterior = StudyModels.load(study, "pair", manager);
                var reference =
                        dev.bella.core.serve.UncertaintyPredictor.of(posterior, new Shape(6))) {
            var got = predictor.predict(x);
            var want = reference.predict(x);
            assertThat(got.getPrediction().probabilities()).containsExactly(want.probabilities());
            assertThat(got.getMutualInformation()).isEqualTo(want.mutualInformation());
            assertThat(got.getMutualInformation()).isGreaterThan(0);
            assertThat(got.best().getClassName()).isEqualTo(Integer.toString(want.predicted()));
        }
    }

    @Test
    void importThenExportGivesThePeftTensorsBack() throws IOException {
        PeftAdapter first = adapter(1, "0", "2");
        PeftAdapter second = adapter(2, "0", "2");
        first.write(tmp.resolve("peft_0"));
        second.write(tmp.resolve("peft_1"));
        Path bella = study.resolve("adapters").resolve("peft-pair");
        assertThat(
                        run(
                                "adapters",
                                "import-peft",
                                tmp.resolve("peft_0").toString(),
                                tmp.resolve("peft_1").toString(),
                                "--base",
                                study.toString(),
                                "--out",
                                bella.toString()))
                .as(err.toString())
                .isZero();
        assertThat(out.toString()).contains("2 particle(s) of rank 2");
        assertThat(bella.resolve("bella_adapter.json")).exists();

        Path back = tmp.resolve("back");
        assertThat(
                        run(
                                "adapters",
                                "export-peft",
                                "--study",
                                study.toString(),
                                "--method",
                                "peft-pair",
                                "--particle",
                                "1",
                                "--out",
                                back.toString()))
                .as(err.toString())
                .isZero();
        PeftAdapter read = PeftAdapter.read(back);
        assertThat(read.config().r()).isEqualTo(2);
        assertThat(read.config().scale()).isEqualTo(2.0);
        for (String m : List.of("0", "2")) {
            assertThat(read.modules().get(m).a()).containsExactly(second.modules().get(m).a());
            assertThat(read.modules().get(m).b()).containsExactly(second.modules().get(m).b());
        }

        Path soup = tmp.resolve("soup");
        assertThat(
                        run(
                                "adapters",
                                "export-peft",
                                "--study",
                                study.toString(),
                                "--method",
                                "peft-pair",
                                "--soup",
                                "--out",
                                soup.toString()))
                .as(err.toString())
                .isZero();
        PeftAdapter s = PeftAdapter.read(soup);
        assertThat(s.config().r()).isEqualTo(4);
        assertThat(s.config().scale()).isEqualTo(1.0);
    }

    @Test
    void badInputIsExitCodeTwoWithTheMessage() throws IOException {
        adapter(3, "0", "2").write(tmp.resolve("peft"));
        Path bella = study.resolve("adapters").resolve("one");
        assertThat(
                        run(
                                "adapters",
                                "import-peft",
                                tmp.resolve("peft").toString(),
                                "--base",
                                study.toString(),
                                "--out",
                                bella.toString()))
                .isZero();
        assertThat(
                        run(
                                "adapters",
                                "export-peft",
                                "--study",
                                study.toString(),
                                "--method",
                                "one",
                                "--particle",
                                "3",
                                "--out",
                                tmp.resolve("x").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("particle 3 does not exist, expected 0 to 0");
        assertThat(
                        run(
                                "adapters",
                                "export-peft",
                                "--study",
                                study.toString(),
                                "--method",
                                "one",
                                "--particle",
                                "0",
                                "--soup",
                                "--out",
                                tmp.resolve("x").toString()))
                .isEqualTo(2);
        // A module the base does not have.
        PeftAdapter other = adapter(4, "0", "2");
        Map<String, PeftAdapter.Lora> renamed = new LinkedHashMap<>();
        renamed.put("fc1", other.modules().get("0"));
        new PeftAdapter(other.config(), renamed).write(tmp.resolve("stray"));
        assertThat(
                        run(
                                "adapters",
                                "import-peft",
                                tmp.resolve("stray").toString(),
                                "--base",
                                study.toString(),
                                "--out",
                                tmp.resolve("y").toString()))
                .isEqualTo(2);
        assertThat(err.toString()).contains("PEFT module 'fc1' (layer 'fc1') is not in the base");
    }
}
