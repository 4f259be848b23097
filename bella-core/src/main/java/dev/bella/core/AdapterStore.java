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
package dev.bella.core;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.JsonObject;
import dev.bella.core.io.AtomicFiles;
import dev.bella.core.io.FileIntegrity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves and loads particle adapters without the base weights.
 *
 * <p>A save directory holds two files:
 *
 * <ul>
 *   <li>{@code adapter_model-<hash>.safetensors}: every per-particle tensor of the model under its
 *       {@link AdapterNames full name} ({@code <path>.lora_A} {@code (n, d_in, r)}, {@code
 *       <path>.lora_B} {@code (n, r, d_out)}, {@code <path>.weight} {@code (n, d_out, d_in)},
 *       {@code <path>.bias} {@code (n, d_out)}); written with DJL's safetensors encoder in float32,
 *       or float16 on request (half the size); the file name carries the first 16 hex digits of its
 *       SHA-256;
 *   <li>{@link AdapterManifest#FILE_NAME}: the {@link AdapterManifest manifest}.
 * </ul>
 *
 * <p>Writes are atomic ({@link AtomicFiles}): the data file is written under a name no earlier save
 * used; then the manifest is renamed over the old one, which is the single commit point. A crash at
 * any moment leaves either the old manifest with its old data file or the new pair; data files no
 * manifest refers to are removed by the next save. Loading checks the data file's size and SHA-256
 * ({@link FileIntegrity}), the base fingerprint, and every tensor's name and shape before the first
 * value changes.
 */
public final class AdapterStore {

    /** The manifest's file name. */
    public static final String MANIFEST = AdapterManifest.FILE_NAME;

    private static final String DATA_PREFIX = "adapter_model-";
    private static final String DATA_SUFFIX = ".safetensors";
    private static final Logger logger = LoggerFactory.getLogger(AdapterStore.class);

    private AdapterStore() {}

    static void save(ParticleBlock model, Path dir) throws IOException {
        save(model, dir, Map.of());
    }

    /**
     * Saves a model's adapters with extra metadata entries.
     *
     * @param model the particle model
     * @param dir the directory, created if missing
     * @param metadata string entries stored under {@code "metadata"} in the manifest
     * @throws IOException if writing fails; the previous save in {@code dir} stays intact
     */
    public static void save(ParticleBlock model, Path dir, Map<String, String> metadata)
            throws IOException {
        save(model, dir, metadata, DataType.FLOAT32, null);
    }

    /**
     * Saves a model's adapters in a chosen floating-point type, with metadata and a provenance
     * record. {@link DataType#FLOAT16} halves the files; values are rounded to the nearest
     * half-precision number (about 3 significant digits, relative error at most 2<sup>-11</sup>)
     * and converted back to the model's type on load.
     *
     * @param model the particle model
     * @param dir the directory, created if missing
     * @param metadata string entries stored under {@code "metadata"} in the manifest
     * @param storage {@link DataType#FLOAT32} or {@link DataType#FLOAT16}
     * @param provenance how the particles were made, or {@code null}
     * @throws IOException if writing fails; the previous save in {@code dir} stays intact
     * @throws IllegalArgumentException if {@code storage} is another type, or a value does not fit
     *     it (beyond float16's largest value, 65504); nothing is written then
     */
    public static void save(
            ParticleBlock model,
            Path dir,
            Map<String, String> metadata,
            DataType storage,
            JsonObject provenance)
            throws IOException {
        if (storage != DataType.FLOAT32 && storage != DataType.FLOAT16) {
            throw new IllegalArgumentException(
                    "adapters can be stored as float32 or float16, got "
                            + storage
                            + " (bfloat16 aborts DJL 0.36's PyTorch engine)");
        }
        try (NDManager scope = model.getManager().newSubManager()) {
            NDList tensors = storageCopies(model, storage, scope);
            AtomicFiles.Written data =
                    AtomicFiles.writeHashNamed(
                            dir,
                            DATA_PREFIX,
                            DATA_SUFFIX,
                            os -> tensors.encode(os, NDList.Encoding.SAFETENSORS));
            AdapterManifest manifest =
                    AdapterManifest.of(model, data, storage.toString(), metadata, provenance);
            String json = manifest.toJson(model, Instant.now().toString(), Engine.getDjlVersion());
            AtomicFiles.write(
                    dir.resolve(MANIFEST),
                    true,
                    os -> os.write(json.getBytes(StandardCharsets.UTF_8)));
            removeStale(dir, data.path().getFileName().toString());
        }
    }

    /** Copies of the particle tensors in the storage type, named as in the file. */
    private static NDList storageCopies(ParticleBlock model, DataType storage, NDManager scope) {
        NDList tensors = new NDList(model.getParticleParameters().size());
        for (Map.Entry<String, Parameter> e : model.getParticleParameters().entrySet()) {
            NDArray value = e.getValue().getArray();
            NDArray copy = value.toType(storage, true);
            copy.attach(scope);
            if (storage != value.getDataType() && !copy.isInfinite().none().getBoolean()) {
                NDArray abs = value.abs();
                abs.attach(scope);
                throw new IllegalArgumentException(
                        "tensor '"
                                + e.getKey()
                                + "' has values beyond the range of "
                                + storage
                                + " (largest magnitude "
                                + abs.max().getFloat()
                                + "); save it as float32");
            }
            copy.setName(e.getKey());
            tensors.add(copy);
        }
        return tensors;
    }

    /**
     * Reads and validates a directory's manifest.
     *
     * @param dir the save directory
     * @return the manifest
     * @throws NoSuchFileException if the directory holds no manifest
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if it is malformed or from a newer format
     */
    public static AdapterManifest readManifest(Path dir) throws IOException {
        Path file = dir.resolve(MANIFEST);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(
                    file.toString(),
                    null,
                    "no adapter manifest: is " + dir + " a Bella adapter directory?");
        }
        return AdapterManifest.parse(text, file);
    }

    static void loadInto(ParticleBlock model, Path dir) throws IOException {
        loadInto(model, dir, readManifest(dir));
    }

    static void loadInto(ParticleBlock model, Path dir, AdapterManifest manifest)
            throws IOException {
        Path manifestFile = dir.resolve(MANIFEST);
        checkCompatible(model, manifest, manifestFile);
        List<String> diff = manifest.base().differences(model.getBaseFingerprint(), 8);
        if (!diff.isEmpty()) {
            throw new IllegalArgumentException(
                    "the adapters in "
                            + dir
                            + " were trained on a different base network: "
                            + String.join("; ", diff));
        }
        Path data = dir.resolve(manifest.dataFile());
        byte[] bytes =
                FileIntegrity.readVerified(
                        data, "adapter data file", manifest.dataBytes(), manifest.dataSha256());
        try (NDManager scope = model.getManager().newSubManager()) {
            NDList list;
            try {
                list = NDList.decode(scope, bytes);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "adapter file " + data + " is not valid safetensors: " + e.getMessage(), e);
            }
            Map<String, NDArray> byName = new LinkedHashMap<>();
            for (NDArray a : list) {
                byName.put(a.getName(), a);
            }
            List<Runnable> assignments = new ArrayList<>();
            for (Map.Entry<String, Parameter> e : model.getParticleParameters().entrySet()) {
                NDArray target = e.getValue().getArray();
                NDArray v = checked(byName, e.getKey(), target.getShape(), data);
                assignments.add(
                        () -> target.set(v.toType(target.getDataType(), false).toByteBuffer()));
            }
            for (String name : byName.keySet()) {
                if (!model.getParticleParameters().containsKey(name)) {
                    throw new IllegalArgumentException(
                            "adapter file " + data + " holds an unexpected tensor '" + name + "'");
                }
            }
            // Everything is validated before the first value changes.
            assignments.forEach(Runnable::run);
        }
    }

    private static void checkCompatible(ParticleBlock model, AdapterManifest m, Path file) {
        BellaConfig c = model.getConfig();
        BellaConfig s = m.config();
        if (c.getRank() != s.getRank()
                || model.getParticleCount() != s.getParticles()
                || Double.compare(c.getAlpha(), s.getAlpha()) != 0) {
            throw AdapterManifest.bad(
                    file,
                    "holds adapters of rank "
                            + s.getRank()
                            + ", alpha "
                            + s.getAlpha()
                            + ", "
                            + s.getParticles()
                            + " particles, but the model has rank "
                            + c.getRank()
                            + ", alpha "
                            + c.getAlpha()
                            + ", "
                            + model.getParticleCount()
                            + " particles");
        }
        Map<String, LowRankLinear> lowRank = model.getLayers(LowRankLinear.class);
        Map<String, FullRankLinear> fullRank = model.getLayers(FullRankLinear.class);
        if (!m.layers().keySet().equals(lowRank.keySet())) {
            throw AdapterManifest.bad(
                    file,
                    "adapts layers "
                            + m.layers().keySet()
                            + " but the model adapts "
                            + lowRank.keySet());
        }
        if (!m.fullRankLayers().keySet().equals(fullRank.keySet())) {
            throw AdapterManifest.bad(
                    file,
                    "copies layers "
                            + m.fullRankLayers().keySet()
                            + " in full per particle but the model copies "
                            + fullRank.keySet());
        }
        checkShapes(m.fullRankLayers(), model, "full-rank layer", file);
        checkShapes(m.layers(), model, "layer", file);
    }

    private static void checkShapes(
            Map<String, long[]> recorded, ParticleBlock model, String kind, Path file) {
        for (Map.Entry<String, long[]> e : recorded.entrySet()) {
            ParticleLinear l = model.getLayers().get(e.getKey());
            long[] io = {l.getInFeatures(), l.getOutFeatures()};
            if (!Arrays.equals(io, e.getValue())) {
                throw AdapterManifest.bad(
                        file,
                        kind
                                + " '"
                                + e.getKey()
                                + "' is "
                                + Arrays.toString(e.getValue())
                                + " (d_in, d_out) in the file but "
                                + Arrays.toString(io)
                                + " in the model");
            }
        }
    }

    private static NDArray checked(
            Map<String, NDArray> byName, String name, Shape expected, Path file) {
        NDArray a = byName.get(name);
        if (a == null) {
            throw new IllegalArgumentException(
                    "adapter file " + file + " has no tensor '" + name + "'");
        }
        if (!a.getShape().equals(expected)) {
            throw new IllegalArgumentException(
                    "tensor '"
                            + name
                            + "' in "
                            + file
                            + " has shape "
                            + a.getShape()
                            + ", expected "
                            + expected);
        }
        if (!a.isNaN().logicalOr(a.isInfinite()).none().getBoolean()) {
            throw new IllegalArgumentException(
                    "tensor '" + name + "' in " + file + " contains NaN or infinite values");
        }
        return a;
    }

    /** Removes data files no manifest names, and temporary files of interrupted saves. */
    private static void removeStale(Path dir, String keep) {
        AtomicFiles.removeTemporary(dir, DATA_PREFIX, MANIFEST + "-", "adapter_config-");
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.startsWith(DATA_PREFIX)
                        && name.endsWith(DATA_SUFFIX)
                        && !name.equals(keep)) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            logger.warn("could not remove stale adapter files in {}: {}", dir, e.toString());
        }
    }
}
