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
package dev.bella.core.train;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.SequentialBlock;
import dev.bella.core.Bella;
import dev.bella.core.ParticleBlock;
import dev.bella.core.testing.SafetensorsBytes;
import dev.bella.core.testing.TrainingFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The cases of issue 10 that reached DJL's native decoder and aborted the JVM (exit 134): run in a
 * forked JVM by {@link NativeDecoderForkTest}. Prints one line per case, {@code <case>: refused
 * <type>: <message>} or {@code <case>: loaded ...}, and exits 0 if the JVM survived every case.
 */
public final class ForkedFileCases {

    private ForkedFileCases() {}

    /**
     * Runs the named cases.
     *
     * @param args {@code adapter-bf16-relabel}, {@code adapter-bf16-real}, {@code state-bf16}
     * @throws Exception if setting a case up fails
     */
    public static void main(String[] args) throws Exception {
        Path root = Files.createTempDirectory("bella-forked-cases");
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock base = TrainingFixtures.classifier(manager);
            for (String c : args) {
                Path dir = root.resolve(c);
                String outcome;
                try {
                    outcome = run(c, dir, base, manager);
                } catch (IllegalArgumentException | java.io.IOException e) {
                    outcome = "refused " + e.getClass().getSimpleName() + ": " + e.getMessage();
                }
                System.out.println(c + ": " + outcome);
                System.out.flush();
            }
        }
        System.exit(0);
    }

    private static String run(String c, Path dir, SequentialBlock base, NDManager manager)
            throws Exception {
        switch (c) {
            case "adapter-bf16-relabel":
            case "adapter-bf16-real":
                {
                    List<float[]> saved;
                    try (ParticleBlock p = TrainingFixtures.wrap(base, 3)) {
                        p.saveAdapters(dir);
                        saved = TrainingFixtures.adapters(p);
                    }
                    byte[] f32 = Files.readAllBytes(SafetensorsBytes.adapterData(dir));
                    SafetensorsBytes.replaceAdapterData(
                            dir,
                            c.endsWith("relabel")
                                    ? SafetensorsBytes.relabel(f32, "BF16")
                                    : SafetensorsBytes.convert(f32, "BF16"));
                    try (ParticleBlock loaded = Bella.load(dir, base)) {
                        double worst = 0;
                        List<float[]> got = TrainingFixtures.adapters(loaded);
                        for (int i = 0; i < got.size(); i++) {
                            for (int k = 0; k < got.get(i).length; k++) {
                                float want = saved.get(i)[k];
                                worst =
                                        Math.max(
                                                worst,
                                                Math.abs(got.get(i)[k] - want)
                                                        / Math.max(1e-30, Math.abs(want)));
                            }
                        }
                        return "loaded, largest relative error " + worst;
                    }
                }
            case "state-bf16":
                {
                    Path ckpt = dir.resolve("ckpt");
                    UpdateRule rule = TrainingFixtures.ownGradient("own");
                    try (ParticleBlock p = TrainingFixtures.wrap(base, 3)) {
                        ParticleTrainer.builder()
                                .setUpdateRule(rule)
                                .optEpochs(1)
                                .optCheckpointDir(ckpt)
                                .build()
                                .fit(p, TrainingFixtures.blobs(manager, 30, 1), null)
                                .close();
                    }
                    byte[] f32 = Files.readAllBytes(SafetensorsBytes.optimizerState(ckpt));
                    SafetensorsBytes.replaceOptimizerState(
                            ckpt, SafetensorsBytes.convert(f32, "BF16"));
                    try (ParticleBlock p = TrainingFixtures.wrap(base, 3);
                            ResumableAdamW adam = ResumableAdamW.builder().build()) {
                        TrainingRun run = new TrainingRun(p, adam, rule, Map.of(), 30, 0, null);
                        Checkpoints.resume(run, ckpt, true);
                        return "loaded";
                    }
                }
            default:
                throw new IllegalStateException("unknown case " + c);
        }
    }
}
