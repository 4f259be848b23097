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
import dev.bella.metrics.io.AtomicFiles;
import dev.bella.metrics.io.BoundedText;
import dev.bella.metrics.io.ContainedFile;
import dev.bella.metrics.io.SafetensorsHeader;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training checkpoints: the adapters in {@link AdapterStore}'s format, whose manifest metadata
 * records the position ({@code epoch}, {@code step}), the rule and the trainer's settings, plus the
 * state of a {@link ResumableAdamW} in {@code optimizer_state-<step>-<hash>.safetensors}, whose
 * size and SHA-256 the manifest metadata records ({@code optimizer_state_bytes}, {@code
 * optimizer_state_sha256}) and resuming verifies.
 *
 * <p>The manifest also carries the {@link dev.bella.core.posterior.Provenance provenance} of the
 * particles as trained so far, so {@code ParticlePosterior.load} on a checkpoint says how it was
 * made. Every file is written atomically ({@link AtomicFiles}); the adapter manifest, written last,
 * commits the checkpoint, and the optimizer states of older checkpoints are removed after it, as
 * are the temporary files of writes interrupted by a kill or a full disk (at the next save or
 * resume). A crash leaves the previous checkpoint intact.
 */
final class Checkpoints {

    private static final Logger logger = LoggerFactory.getLogger(Checkpoints.class);
    private static final String TRAINER = "ParticleTrainer";
    private static final String STATE_PREFIX = "optimizer_state-";
    private static final String STEPS_PREFIX = "optimizer_steps.";
    private static final String STATE_SUFFIX = ".safetensors";
    private static final String STATE = "optimizer_state";
    private static final String STATE_BYTES = "optimizer_state_bytes";
    private static final String STATE_SHA256 = "optimizer_state_sha256";
    private static final String WHAT = "optimizer state file";

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
        // Temporary files of writes interrupted by a kill or a full disk go first.
        AtomicFiles.removeTemporary(dir, STATE_PREFIX);
        Optimizer opt = run.getOptimizer();
        Path written = null;
        if (opt instanceof ResumableAdamW) {
            ResumableAdamW adam = (ResumableAdamW) opt;
            NDList state = new NDList();
            for (Map.Entry<String, NDArray> e : adam.stateArrays().entrySet()) {
                NDArray copy = e.getValue().duplicate();
                copy.setName(e.getKey());
                state.add(copy);
            }
            AtomicFiles.Written w;
            try {
                // Hash-named: never overwrites the state the committed manifest names.
                w =
                        AtomicFiles.writeHashNamed(
                                dir,
                                STATE_PREFIX + run.getStep() + "-",
                                STATE_SUFFIX,
                                os -> state.encode(os, NDList.Encoding.SAFETENSORS));
            } finally {
                state.close();
            }
            written = w.path();
            meta.put(STATE, w.path().getFileName().toString());
            meta.put(STATE_BYTES, Long.toString(w.bytes()));
            meta.put(STATE_SHA256, w.sha256());
            for (Map.Entry<String, Integer> e : adam.stepCounts().entrySet()) {
                meta.put(STEPS_PREFIX + e.getKey(), Integer.toString(e.getValue()));
            }
        }
        try {
            AdapterStore.save(
                    run.getModel(), dir, meta, DataType.FLOAT32, run.provenance().toJson());
        } catch (IOException | RuntimeException e) {
            // The manifest did not commit: remove the new state unless the old manifest names it.
            if (written != null && !committedState(dir).equals(meta.get(STATE))) {
                Files.deleteIfExists(written);
            }
            throw e;
        }
        AtomicFiles.removeTemporary(dir, STATE_PREFIX);
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (name.startsWith(STATE_PREFIX) && !name.equals(meta.get(STATE))) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static String committedState(Path dir) {
        try {
            String s = AdapterStore.readManifest(dir).metadata().get(STATE);
            return s == null ? "" : s;
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /**
     * Restores a run's adapters and optimizer state from a checkpoint. Everything is validated
     * before the first value changes: the manifest's position and step counts, the adapters (see
     * {@link AdapterStore}), and the optimizer state file (a plain name inside {@code dir}, a
     * regular file of the recorded size and SHA-256, a valid safetensors header holding exactly
     * {@code <id>.exp_avg} and {@code <id>.exp_avg_sq} in F32 with each parameter's shape). The
     * state is decoded in Java, never by DJL's native decoder.
     *
     * @param run the fit's state (its model and optimizer are restored)
     * @param dir the checkpoint directory
     * @param quietOptimizer whether a fresh optimizer state is expected (no warning)
     * @return the checkpoint's position
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if the directory holds no checkpoint of this trainer, one of
     *     another update rule or configuration, or a malformed or corrupted file
     */
    static Position resume(TrainingRun run, Path dir, boolean quietOptimizer) throws IOException {
        AdapterManifest manifest = AdapterStore.readManifest(dir);
        Path manifestFile = AdapterStore.manifestFile(dir);
        Map<String, String> meta = manifest.metadata();
        if (!TRAINER.equals(meta.get("trainer"))) {
            throw new IllegalArgumentException(
                    dir + " holds adapters but no " + TRAINER + " checkpoint (no epoch/step)");
        }
        String rule = run.getRule().name();
        if (!rule.equals(meta.get("method"))) {
            throw new IllegalArgumentException(
                    BoundedText.clip(
                            "checkpoint "
                                    + dir
                                    + " was trained with the update rule "
                                    + BoundedText.quote(meta.get("method"))
                                    + ", this trainer uses '"
                                    + rule
                                    + "'",
                            1_900));
        }
        long epoch = number(meta, "epoch", 0, Integer.MAX_VALUE - 1, manifestFile);
        long step = number(meta, "step", 0, Long.MAX_VALUE, manifestFile);
        String stateFile = meta.get(STATE);
        Optimizer opt = run.getOptimizer();
        if (opt instanceof ResumableAdamW && stateFile != null) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : meta.entrySet()) {
                if (e.getKey().startsWith(STEPS_PREFIX)) {
                    counts.put(
                            e.getKey().substring(STEPS_PREFIX.length()),
                            (int) number(meta, e.getKey(), 0, Integer.MAX_VALUE, manifestFile));
                }
            }
            // The adapters first (the clearer message when the configuration differs).
            AdapterStore.verify(run.getModel(), dir);
            Map<String, NDArray> weights = new LinkedHashMap<>();
            Map<String, Parameter> params = run.getModel().getParticleParameters();
            params.forEach((k, p) -> weights.put(k, p.getArray()));
            Map<String, float[]> state = readState(dir, manifestFile, meta, counts, weights);
            // Validated; now the adapters (validated in turn before their first value changes).
            run.getModel().loadAdapters(dir);
            NDManager manager = params.values().iterator().next().getArray().getManager();
            try (NDManager scope = manager.newSubManager()) {
                Map<String, NDArray> arrays = new LinkedHashMap<>();
                for (Map.Entry<String, float[]> e : state.entrySet()) {
                    String id = e.getKey().substring(0, e.getKey().lastIndexOf(".exp_avg"));
                    arrays.put(e.getKey(), scope.create(e.getValue(), weights.get(id).getShape()));
                }
                ((ResumableAdamW) opt).restore(arrays, counts, weights);
            }
        } else {
            run.getModel().loadAdapters(dir);
            if (stateFile != null || !quietOptimizer) {
                logger.warn(
                        "resuming with a fresh optimizer state: the supplied optimizer cannot"
                                + " restore the checkpoint's moments");
            }
        }
        AtomicFiles.removeTemporary(dir, STATE_PREFIX);
        return new Position((int) epoch, step);
    }

    /** Reads and validates the optimizer state file; nothing of the model changes. */
    private static Map<String, float[]> readState(
            Path dir,
            Path manifestFile,
            Map<String, String> meta,
            Map<String, Integer> counts,
            Map<String, NDArray> weights)
            throws IOException {
        String name = meta.get(STATE);
        boolean recorded = meta.containsKey(STATE_SHA256) || meta.containsKey(STATE_BYTES);
        long bytes =
                recorded
                        ? number(meta, STATE_BYTES, 0, Long.MAX_VALUE, manifestFile)
                        : ContainedFile.ANY_SIZE;
        Path real =
                ContainedFile.resolve(dir, name, "metadata." + STATE, WHAT, manifestFile, bytes);
        Map<String, long[]> expected = new LinkedHashMap<>();
        for (String id : counts.keySet()) {
            NDArray w = weights.get(id);
            if (w == null) {
                throw new IllegalArgumentException(
                        BoundedText.clip(
                                "checkpoint manifest "
                                        + manifestFile
                                        + " has step counts for parameter "
                                        + BoundedText.quote(id)
                                        + ", which the model lacks",
                                1_900));
            }
            expected.put(id + ".exp_avg", w.getShape().getShape());
            expected.put(id + ".exp_avg_sq", w.getShape().getShape());
        }
        FileChannel ch;
        if (recorded) {
            ch = ContainedFile.openVerified(real, WHAT, bytes, meta.get(STATE_SHA256));
        } else {
            logger.warn(
                    "{} records no SHA-256 of the optimizer state (written by an older Bella);"
                            + " its header and shapes are still checked",
                    manifestFile);
            ch = FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        }
        try (FileChannel c = ch) {
            Path shown = dir.resolve(name);
            SafetensorsHeader header = SafetensorsHeader.read(c, shown, WHAT);
            header.requireDtypes(
                    Set.of("F32"),
                    "the optimizer state is written in float32, like the parameters");
            header.requireTensors(expected);
            Map<String, float[]> out = new LinkedHashMap<>();
            for (String t : expected.keySet()) {
                float[] v = header.readFloats(c, t);
                for (int i = 0; i < v.length; i++) {
                    if (!Float.isFinite(v[i]) || (t.endsWith("_sq") && v[i] < 0)) {
                        throw new IllegalArgumentException(
                                WHAT
                                        + " "
                                        + shown
                                        + ": tensor "
                                        + BoundedText.quote(t)
                                        + " holds "
                                        + v[i]
                                        + " at element "
                                        + i
                                        + ", expected "
                                        + (t.endsWith("_sq")
                                                ? "finite values >= 0"
                                                : "finite values"));
                    }
                }
                out.put(t, v);
            }
            return out;
        }
    }

    private static long number(
            Map<String, String> meta, String key, long min, long max, Path manifestFile) {
        String v = meta.get(key);
        long n;
        try {
            n = Long.parseLong(v == null ? "" : v);
        } catch (NumberFormatException e) {
            n = Long.MIN_VALUE;
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(
                    BoundedText.clip(
                            "checkpoint manifest "
                                    + manifestFile
                                    + " field 'metadata."
                                    + BoundedText.clip(key, 200)
                                    + "' is "
                                    + (v == null ? "missing" : BoundedText.quote(v))
                                    + ", expected an integer from "
                                    + min
                                    + " to "
                                    + max,
                            1_900));
        }
        return n;
    }
}
