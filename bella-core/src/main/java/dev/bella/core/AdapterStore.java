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
import ai.djl.nn.Parameter;
import com.google.gson.JsonObject;
import dev.bella.metrics.io.AtomicFiles;
import dev.bella.metrics.io.BoundedText;
import dev.bella.metrics.io.ContainedFile;
import dev.bella.metrics.io.SafetensorsHeader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 *   <li>{@link AdapterManifest#FILE_NAME} ({@code bella_adapter.json}): the {@link AdapterManifest
 *       manifest}. Folders saved before it had that name hold {@code adapter_config.json} instead,
 *       which is still read ({@link #manifestFile}).
 * </ul>
 *
 * <p>Writes are atomic ({@link AtomicFiles}): the data file is written under a name no earlier save
 * used; then the manifest is renamed over the old one, which is the single commit point. A crash at
 * any moment leaves either the old manifest with its old data file or the new pair; data files no
 * manifest refers to are removed by the next save. Loading checks, in this order and before
 * anything of a size the files claim is allocated: the manifest (a regular UTF-8 file of at most 64
 * MB, every field of the right JSON kind); that the data file is a plain name inside the directory,
 * a regular file of the recorded size and SHA-256 ({@link ContainedFile}); its safetensors header
 * ({@link SafetensorsHeader}: offsets, sizes, dtypes F32, F16 or BF16) against the manifest's
 * particles, rank and layers; then the base fingerprint and every tensor's name and shape against
 * the model. The tensors are decoded in Java (BF16 and F16 converted to float32), never by DJL's
 * native decoder, and every value is checked finite before the first one changes.
 */
public final class AdapterStore {

    /** The manifest's file name. */
    public static final String MANIFEST = AdapterManifest.FILE_NAME;

    /**
     * Returns the manifest file of a Bella adapter directory: {@link #MANIFEST}, or, in a folder
     * saved before it was named so and holding no {@link #MANIFEST}, {@link
     * AdapterManifest#LEGACY_FILE_NAME}.
     *
     * @param dir the adapter directory
     * @return the manifest path (which may not exist)
     */
    public static Path manifestFile(Path dir) {
        Path current = dir.resolve(MANIFEST);
        if (!Files.exists(current)) {
            Path legacy = dir.resolve(AdapterManifest.LEGACY_FILE_NAME);
            if (Files.exists(legacy)) {
                return legacy;
            }
        }
        return current;
    }

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
            removeLegacyManifest(dir);
        }
    }

    /**
     * Removes a manifest under the old name once the new one is committed, so a re-saved folder
     * holds one manifest; a PEFT configuration of that name is left alone.
     */
    private static void removeLegacyManifest(Path dir) {
        Path legacy = dir.resolve(AdapterManifest.LEGACY_FILE_NAME);
        try {
            if (Files.isRegularFile(legacy)
                    && Files.size(legacy) <= MAX_MANIFEST_BYTES
                    && Files.readString(legacy).contains("\"" + AdapterManifest.FORMAT + "\"")) {
                Files.delete(legacy);
            }
        } catch (IOException | RuntimeException e) {
            logger.warn("could not remove the old manifest {}: {}", legacy, e.toString());
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

    /** The largest manifest read, in bytes; checked before reading. */
    static final long MAX_MANIFEST_BYTES = 64L << 20;

    private static final Set<String> DTYPES = Set.of("F32", "F16", "BF16");
    private static final String DTYPE_NOTE =
            "adapters are stored as F32 or F16; BF16 is converted to F32 in Java";
    private static final String DATA = "adapter data file";

    /**
     * Reads and validates a directory's manifest.
     *
     * @param dir the save directory
     * @return the manifest
     * @throws NoSuchFileException if the directory holds no manifest
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if it is malformed, not UTF-8 text, not a regular file, too
     *     large or from a newer format
     */
    public static AdapterManifest readManifest(Path dir) throws IOException {
        Path file = manifestFile(dir);
        String text = readText(file, dir);
        if (file.getFileName().toString().equals(AdapterManifest.LEGACY_FILE_NAME)
                && text.contains("\"peft_type\"")) {
            throw AdapterManifest.bad(
                    file,
                    "is a Hugging Face PEFT adapter configuration, not a Bella manifest ("
                            + MANIFEST
                            + "); import it with dev.bella.core.peft.PeftAdapters or"
                            + " './bella adapters import-peft'");
        }
        return AdapterManifest.parse(text, file);
    }

    /** Reads a manifest's bytes as strict UTF-8, refusing non-regular files and huge ones. */
    private static String readText(Path file, Path dir) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(
                    file.toString(),
                    null,
                    "no adapter manifest: is " + dir + " a Bella adapter directory?");
        }
        if (!attrs.isRegularFile()) {
            throw AdapterManifest.bad(
                    file,
                    "is "
                            + (attrs.isDirectory() ? "a directory" : "a FIFO, socket or device")
                            + ", expected a regular file");
        }
        if (attrs.size() > MAX_MANIFEST_BYTES) {
            throw AdapterManifest.bad(
                    file,
                    "is "
                            + attrs.size()
                            + " bytes, expected at most "
                            + MAX_MANIFEST_BYTES
                            + " (a manifest is a small JSON file)");
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes((int) MAX_MANIFEST_BYTES + 1);
        }
        if (bytes.length > MAX_MANIFEST_BYTES) {
            throw AdapterManifest.bad(file, "grew beyond " + MAX_MANIFEST_BYTES + " bytes");
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            int at = firstInvalidUtf8(bytes);
            throw AdapterManifest.bad(
                    file,
                    "is not UTF-8 text: byte "
                            + at
                            + " is 0x"
                            + String.format("%02x", bytes[at] & 0xff)
                            + "; expected a JSON manifest (is this a binary file?)");
        }
    }

    private static int firstInvalidUtf8(byte[] bytes) {
        var decoder =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(4096);
        while (true) {
            var r = decoder.decode(in, out, true);
            if (r.isError()) {
                return Math.min(in.position(), bytes.length - 1);
            }
            if (r.isUnderflow()) {
                return Math.max(0, bytes.length - 1);
            }
            out.clear();
        }
    }

    /**
     * An adapter data file resolved inside its directory, opened, checked against the size and
     * SHA-256 in the manifest, and with a validated header whose tensors fit the manifest.
     */
    static final class Data implements Closeable {
        private final Path file;
        private final FileChannel channel;
        private final SafetensorsHeader header;

        private Data(Path file, FileChannel channel, SafetensorsHeader header) {
            this.file = file;
            this.channel = channel;
            this.header = header;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /**
     * Opens a directory's data file and validates it against the manifest alone, before a model is
     * built: the name is a plain file in {@code dir}, a regular file of the recorded size and hash,
     * its header valid, of allowed dtypes, and holding exactly the tensors the manifest's layers,
     * particle count and rank imply (so a manifest claiming a million particles is refused by the
     * size of the data file, before anything of that size is allocated).
     *
     * @param dir the adapter directory
     * @param manifest its manifest
     * @return the open, validated data file; the caller closes it
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if anything does not fit
     */
    static Data openData(Path dir, AdapterManifest manifest) throws IOException {
        Path manifestFile = manifestFile(dir);
        if (manifest.layers().isEmpty() && manifest.fullRankLayers().isEmpty()) {
            throw AdapterManifest.bad(
                    manifestFile,
                    "lists no layer in 'layers' or 'full_rank_layers', expected at least one");
        }
        Path real =
                ContainedFile.resolve(
                        dir,
                        manifest.dataFile(),
                        "tensors.file",
                        DATA,
                        manifestFile,
                        manifest.dataBytes());
        FileChannel ch =
                ContainedFile.openVerified(real, DATA, manifest.dataBytes(), manifest.dataSha256());
        try {
            Path shown = dir.resolve(manifest.dataFile());
            SafetensorsHeader header = SafetensorsHeader.read(ch, shown, DATA);
            header.requireDtypes(DTYPES, DTYPE_NOTE);
            long n = manifest.config().getParticles();
            long r = manifest.config().getRank();
            Map<String, long[]> expected = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> e : manifest.layers().entrySet()) {
                long[] io = e.getValue();
                if (manifest.config().isCoreOnly()) {
                    expected.put(
                            AdapterNames.of(e.getKey(), AdapterNames.LORA_R), new long[] {n, r, r});
                    continue;
                }
                expected.put(
                        AdapterNames.of(e.getKey(), AdapterNames.LORA_A), new long[] {n, io[0], r});
                expected.put(
                        AdapterNames.of(e.getKey(), AdapterNames.LORA_B), new long[] {n, r, io[1]});
            }
            for (Map.Entry<String, long[]> e : manifest.fullRankLayers().entrySet()) {
                long[] io = e.getValue();
                expected.put(
                        AdapterNames.of(e.getKey(), AdapterNames.WEIGHT),
                        new long[] {n, io[1], io[0]});
                String bias = AdapterNames.of(e.getKey(), AdapterNames.BIAS);
                if (header.tensors().containsKey(bias)) {
                    expected.put(bias, new long[] {n, io[1]});
                }
            }
            try {
                header.requireTensors(expected);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        BoundedText.clip(
                                e.getMessage()
                                        + " (the manifest "
                                        + manifestFile
                                        + " records "
                                        + n
                                        + " particles of rank "
                                        + r
                                        + ")",
                                1_950),
                        e);
            }
            return new Data(shown, ch, header);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    static void loadInto(ParticleBlock model, Path dir) throws IOException {
        AdapterManifest manifest = readManifest(dir);
        try (Data data = openData(dir, manifest)) {
            loadInto(model, dir, manifest, data);
        }
    }

    /**
     * Checks that a directory's adapters fit a model, reading and checking every value, without
     * changing the model (a resume validates every file before the first value changes).
     *
     * @param model the model
     * @param dir the adapter directory
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if a file is malformed or does not fit the model
     */
    public static void verify(ParticleBlock model, Path dir) throws IOException {
        AdapterManifest manifest = readManifest(dir);
        try (Data data = openData(dir, manifest)) {
            read(model, dir, manifest, data);
        }
    }

    static void loadInto(ParticleBlock model, Path dir, AdapterManifest manifest, Data data)
            throws IOException {
        Map<String, float[]> values = read(model, dir, manifest, data);
        try (NDManager scope = model.getManager().newSubManager()) {
            for (Map.Entry<String, Parameter> e : model.getParticleParameters().entrySet()) {
                NDArray target = e.getValue().getArray();
                NDArray v = scope.create(values.get(e.getKey()), target.getShape());
                InPlace.copy(v, target);
            }
        }
    }

    /** Validates everything against the model and decodes the values in Java. */
    private static Map<String, float[]> read(
            ParticleBlock model, Path dir, AdapterManifest manifest, Data data) throws IOException {
        Path manifestFile = manifestFile(dir);
        checkCompatible(model, manifest, manifestFile);
        List<String> diff = manifest.base().differences(model.getBaseFingerprint(), 8);
        if (!diff.isEmpty()) {
            throw new IllegalArgumentException(
                    BoundedText.clip(
                            "the adapters in "
                                    + dir
                                    + " were trained on a different base network: "
                                    + String.join("; ", diff),
                            1_950));
        }
        Map<String, long[]> expected = new LinkedHashMap<>();
        model.getParticleParameters()
                .forEach((k, p) -> expected.put(k, p.getArray().getShape().getShape()));
        data.header.requireTensors(expected);
        // Decoded in Java (no native decoder); every value is checked before the first changes.
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.getParticleParameters().entrySet()) {
            float[] v = data.header.readFloats(data.channel, e.getKey());
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    throw new IllegalArgumentException(
                            "tensor "
                                    + BoundedText.quote(e.getKey())
                                    + " in "
                                    + data.file
                                    + " holds "
                                    + v[i]
                                    + " at element "
                                    + i
                                    + ", expected finite values");
                }
            }
            values.put(e.getKey(), v);
        }
        return values;
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
        if (c.isCoreOnly() != s.isCoreOnly()) {
            throw AdapterManifest.bad(
                    file,
                    "holds "
                            + (s.isCoreOnly() ? "B-LoRA-XS cores (core_only)" : "LoRA factors A, B")
                            + " but the model has "
                            + (c.isCoreOnly() ? "B-LoRA-XS cores (core_only)" : "LoRA factors A, B")
                            + "; wrap the base with the manifest's configuration");
        }
        Map<String, ParticleLinear> lowRank = new java.util.LinkedHashMap<>();
        lowRank.putAll(model.getLayers(LowRankLinear.class));
        lowRank.putAll(model.getLayers(CoreLinear.class));
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

    /** Removes data files no manifest names, and temporary files of interrupted saves. */
    private static void removeStale(Path dir, String keep) {
        AtomicFiles.removeTemporary(
                dir,
                DATA_PREFIX,
                MANIFEST + "-",
                AdapterManifest.LEGACY_FILE_NAME + "-",
                "adapter_config-");
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
