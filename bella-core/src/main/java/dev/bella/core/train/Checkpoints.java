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

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import dev.bella.core.AdapterManifest;
import dev.bella.core.AdapterStore;
import dev.bella.core.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training checkpoints: the adapters in {@link AdapterStore}'s format, whose manifest metadata
 * records the position ({@code epoch}, {@code step}), the rule and the trainer's settings, plus the
 * state of a {@link ResumableAdamW} in {@code optimizer_state-<step>.safetensors}.
 *
 * <p>The manifest also carries the {@link dev.bella.core.posterior.Provenance provenance} of the
 * particles as trained so far, so {@code ParticlePosterior.load} on a checkpoint says how it was
 * made. Every file is written atomically ({@link AtomicFiles}); the adapter manifest, written last,
 * commits the checkpoint, and the optimizer states of older checkpoints are removed after it. A
 * crash leaves the previous checkpoint intact.
 */
final class Checkpoints {

    private static final Logger logger = LoggerFactory.getLogger(Checkpoints.class);
    private static final String TRAINER = "ParticleTrainer";
    private static final String STATE_PREFIX = "optimizer_state-";
    private static final String STEPS_PREFIX = "optimizer_steps.";

    private Checkpoints() {}

    /**
     * A checkpoint's position.
     *
     * @param epoch the last finished epoch (0-based)
     * @param step the optimizer steps taken
     */
    record Position(int epoch, long step) {}

    /**
     * Saves the state of a run after its current epoch.
     *
     * @param run the fit's state
     * @param dir the checkpoint directory, created if missing
     * @throws IOException if writing fails; the previous checkpoint stays intact
     */
    static void save(TrainingRun run, Path dir) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(run.getSettings());
        meta.put("trainer", TRAINER);
        meta.put("epoch", Integer.toString(run.getEpoch()));
        meta.put("step", Long.toString(run.getStep()));
        Files.createDirectories(dir);
        Optimizer opt = run.getOptimizer();
        if (opt instanceof ResumableAdamW) {
            ResumableAdamW adam = (ResumableAdamW) opt;
            NDList state = new NDList();
            for (Map.Entry<String, NDArray> e : adam.stateArrays().entrySet()) {
                NDArray copy = e.getValue().duplicate();
                copy.setName(e.getKey());
                state.add(copy);
            }
            String name = STATE_PREFIX + run.getStep() + ".safetensors";
            try {
                AtomicFiles.write(
                        dir.resolve(name),
                        true,
                        os -> state.encode(os, NDList.Encoding.SAFETENSORS));
            } finally {
                state.close();
            }
            meta.put("optimizer_state", name);
            for (Map.Entry<String, Integer> e : adam.stepCounts().entrySet()) {
                meta.put(STEPS_PREFIX + e.getKey(), Integer.toString(e.getValue()));
            }
        }
        AdapterStore.save(run.getModel(), dir, meta, DataType.FLOAT32, run.provenance().toJson());
        AtomicFiles.removeTemporary(dir, STATE_PREFIX);
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.startsWith(STATE_PREFIX) && !name.equals(meta.get("optimizer_state"))) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    /**
     * Restores a run's adapters and optimizer state from a checkpoint.
     *
     * @param run the fit's state (its model and optimizer are restored)
     * @param dir the checkpoint directory
     * @param quietOptimizer whether a fresh optimizer state is expected (no warning)
     * @return the checkpoint's position
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if the directory holds no checkpoint of this trainer, or one
     *     of another update rule or configuration
     */
    static Position resume(TrainingRun run, Path dir, boolean quietOptimizer) throws IOException {
        AdapterManifest manifest = AdapterStore.readManifest(dir);
        Map<String, String> meta = manifest.metadata();
        if (!TRAINER.equals(meta.get("trainer"))) {
            throw new IllegalArgumentException(
                    dir + " holds adapters but no " + TRAINER + " checkpoint (no epoch/step)");
        }
        String rule = run.getRule().name();
        if (!rule.equals(meta.get("method"))) {
            throw new IllegalArgumentException(
                    "checkpoint "
                            + dir
                            + " was trained with the update rule '"
                            + meta.get("method")
                            + "', this trainer uses '"
                            + rule
                            + "'");
        }
        run.getModel().loadAdapters(dir);
        String stateFile = meta.get("optimizer_state");
        Optimizer opt = run.getOptimizer();
        if (opt instanceof ResumableAdamW && stateFile != null) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : meta.entrySet()) {
                if (e.getKey().startsWith(STEPS_PREFIX)) {
                    counts.put(
                            e.getKey().substring(STEPS_PREFIX.length()),
                            Integer.parseInt(e.getValue()));
                }
            }
            Map<String, NDArray> weights = new LinkedHashMap<>();
            Map<String, Parameter> params = run.getModel().getParticleParameters();
            params.forEach((k, p) -> weights.put(k, p.getArray()));
            NDManager manager = params.values().iterator().next().getArray().getManager();
            try (NDManager scope = manager.newSubManager();
                    InputStream in = Files.newInputStream(dir.resolve(stateFile))) {
                NDList state = NDList.decode(scope, in);
                Map<String, NDArray> arrays = new LinkedHashMap<>();
                for (NDArray a : state) {
                    arrays.put(a.getName(), a);
                }
                ((ResumableAdamW) opt).restore(arrays, counts, weights);
            }
        } else if (stateFile != null || !quietOptimizer) {
            logger.warn(
                    "resuming with a fresh optimizer state: the supplied optimizer cannot restore"
                            + " the checkpoint's moments");
        }
        return new Position(Integer.parseInt(meta.get("epoch")), Long.parseLong(meta.get("step")));
    }
}
