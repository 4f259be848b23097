package dev.bella.core;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
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
 *   <li>{@code adapter_model-<hash>.safetensors}: for every adapted layer, {@code <path>.lora_A}
 *       {@code (n, d_in, r)} and {@code <path>.lora_B} {@code (n, r, d_out)}; for every full-rank
 *       layer, {@code <path>.weight} {@code (n, d_out, d_in)} and {@code <path>.bias} {@code (n,
 *       d_out)}; written with DJL's {@link NDList#encode(OutputStream, NDList.Encoding) safetensors
 *       encoder} in float32, or float16 on request (half the size); the file name carries the first
 *       16 hex digits of its SHA-256;
 *   <li>{@code adapter_config.json}: the manifest (format version, configuration, layer names and
 *       shapes, library and DJL versions, the data file's name, size and SHA-256, and the
 *       fingerprint of the frozen base).
 * </ul>
 *
 * <p>Writes are atomic: the data file is written under a temporary name, synced and renamed to a
 * name no earlier save used; then the manifest is written the same way and renamed over the old
 * one, which is the single commit point. A crash at any moment leaves either the old manifest with
 * its old data file or the new pair; data files no manifest refers to are removed by the next save.
 * Unlike PEFT's fixed {@code adapter_model.safetensors}, the hashed name is what makes this
 * possible.
 */
public final class AdapterStore {

    /** The manifest's file name. */
    public static final String MANIFEST = "adapter_config.json";

    /** The format version this library writes and the newest it reads. */
    public static final int FORMAT_VERSION = 1;

    private static final String FORMAT = "bella-adapters";
    private static final String DATA_PREFIX = "adapter_model-";
    private static final String DATA_SUFFIX = ".safetensors";
    private static final Logger logger = LoggerFactory.getLogger(AdapterStore.class);
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private AdapterStore() {}

    /**
     * The parsed manifest of a save directory.
     *
     * @param config the configuration the adapters were made with
     * @param layers each adapted layer's path and {@code (d_in, d_out)}
     * @param fullRankLayers each full-rank layer's path and {@code (d_in, d_out)}
     * @param dataFile the data file's name
     * @param dataBytes its size
     * @param dataSha256 its SHA-256, hex
     * @param base the base fingerprint
     * @param metadata free-form provenance (trainer, step, ...)
     */
    public record Manifest(
            BellaConfig config,
            Map<String, long[]> layers,
            Map<String, long[]> fullRankLayers,
            String dataFile,
            long dataBytes,
            String dataSha256,
            BaseFingerprint base,
            Map<String, String> metadata) {}

    static void save(ParticleBlock model, Path dir) throws IOException {
        save(model, dir, Map.of());
    }

    /**
     * Saves a model's adapters with extra provenance entries.
     *
     * @param model the particle model
     * @param dir the directory, created if missing
     * @param metadata string entries stored under {@code "metadata"} in the manifest
     * @throws IOException if writing fails; the previous save in {@code dir} stays intact
     */
    public static void save(ParticleBlock model, Path dir, Map<String, String> metadata)
            throws IOException {
        save(model, dir, metadata, DataType.FLOAT32);
    }

    /**
     * Saves a model's adapters in a chosen floating-point type, with extra provenance entries.
     * {@link DataType#FLOAT16} halves the files; values are rounded to the nearest half-precision
     * number (about 3 significant digits, relative error at most 2<sup>-11</sup>) and converted
     * back to the model's type on load.
     *
     * @param model the particle model
     * @param dir the directory, created if missing
     * @param metadata string entries stored under {@code "metadata"} in the manifest
     * @param storage {@link DataType#FLOAT32} or {@link DataType#FLOAT16}
     * @throws IOException if writing fails; the previous save in {@code dir} stays intact
     * @throws IllegalArgumentException if {@code storage} is another type, or a value does not fit
     *     it (beyond float16's largest value, 65504); nothing is written then
     */
    public static void save(
            ParticleBlock model, Path dir, Map<String, String> metadata, DataType storage)
            throws IOException {
        if (storage != DataType.FLOAT32 && storage != DataType.FLOAT16) {
            throw new IllegalArgumentException(
                    "adapters can be stored as float32 or float16, got "
                            + storage
                            + " (bfloat16 aborts DJL 0.36's PyTorch engine)");
        }
        try (NDManager scope = model.getManager().newSubManager()) {
            write(model, dir, metadata, storage, scope);
        }
    }

    private static void write(
            ParticleBlock model,
            Path dir,
            Map<String, String> metadata,
            DataType storage,
            NDManager scope)
            throws IOException {
        Map<String, NDArray> named = new LinkedHashMap<>();
        for (Map.Entry<String, LowRankLinear> e : model.getLayers().entrySet()) {
            named.put(e.getKey() + ".lora_A", e.getValue().getA().getArray());
            named.put(e.getKey() + ".lora_B", e.getValue().getB().getArray());
        }
        for (Map.Entry<String, DenseParticleLinear> e : model.getDenseLayers().entrySet()) {
            named.put(e.getKey() + ".weight", e.getValue().getParticleWeight().getArray());
            if (e.getValue().getParticleBias() != null) {
                named.put(e.getKey() + ".bias", e.getValue().getParticleBias().getArray());
            }
        }
        // Copies in the storage type, named as in the file; the model's own arrays are untouched.
        NDList tensors = new NDList(named.size());
        for (Map.Entry<String, NDArray> e : named.entrySet()) {
            NDArray copy = e.getValue().toType(storage, true);
            copy.attach(scope);
            if (storage != e.getValue().getDataType() && !copy.isInfinite().none().getBoolean()) {
                throw new IllegalArgumentException(
                        "tensor '"
                                + e.getKey()
                                + "' has values beyond the range of "
                                + storage
                                + " (largest magnitude "
                                + largestMagnitude(e.getValue(), scope)
                                + "); save it as float32");
            }
            copy.setName(e.getKey());
            tensors.add(copy);
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".adapter_model-", ".tmp");
        String sha;
        long bytes;
        try {
            MessageDigest digest = sha256();
            try (OutputStream os =
                    new DigestOutputStream(
                            new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20),
                            digest)) {
                tensors.encode(os, NDList.Encoding.SAFETENSORS);
            }
            fsync(tmp);
            sha = HexFormat.of().formatHex(digest.digest());
            bytes = Files.size(tmp);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        String dataName = DATA_PREFIX + sha.substring(0, 16) + DATA_SUFFIX;
        Files.move(tmp, dir.resolve(dataName), StandardCopyOption.ATOMIC_MOVE);

        JsonObject manifest = manifestJson(model, dataName, bytes, sha, storage, metadata);
        Path tmpManifest = Files.createTempFile(dir, ".adapter_config-", ".tmp");
        try {
            Files.writeString(tmpManifest, GSON.toJson(manifest), StandardCharsets.UTF_8);
            fsync(tmpManifest);
            Files.move(
                    tmpManifest,
                    dir.resolve(MANIFEST),
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmpManifest);
            throw e;
        }
        fsync(dir);
        removeStale(dir, dataName);
    }

    private static float largestMagnitude(NDArray a, NDManager scope) {
        NDArray abs = a.abs();
        abs.attach(scope);
        return abs.max().getFloat();
    }

    private static JsonObject manifestJson(
            ParticleBlock model,
            String dataName,
            long bytes,
            String sha,
            DataType storage,
            Map<String, String> metadata) {
        BellaConfig c = model.getConfig();
        JsonObject root = new JsonObject();
        root.addProperty("format", FORMAT);
        root.addProperty("format_version", FORMAT_VERSION);
        root.addProperty("library_version", Bella.VERSION);
        root.addProperty("djl_version", Engine.getDjlVersion());
        root.addProperty("saved_at", Instant.now().toString());
        JsonObject config = new JsonObject();
        config.addProperty("rank", c.getRank());
        config.addProperty("alpha", c.getAlpha());
        config.addProperty("particles", model.getParticleCount());
        config.addProperty("seed", c.getSeed());
        config.addProperty("b_init_std", c.getBInitStd());
        config.add("targets", GSON.toJsonTree(c.getTargets()));
        if (c.getTargetRegex() != null) {
            config.addProperty("target_regex", c.getTargetRegex());
        }
        config.add("excludes", GSON.toJsonTree(c.getExcludes()));
        config.add("full_rank_targets", GSON.toJsonTree(c.getFullRankTargets()));
        config.addProperty("full_rank_init_std", c.getFullRankInitStd());
        root.add("config", config);
        JsonArray layers = new JsonArray();
        for (Map.Entry<String, LowRankLinear> e : model.getLayers().entrySet()) {
            JsonObject l = new JsonObject();
            l.addProperty("path", e.getKey());
            l.addProperty("in_features", e.getValue().getInFeatures());
            l.addProperty("out_features", e.getValue().getOutFeatures());
            layers.add(l);
        }
        root.add("layers", layers);
        JsonArray dense = new JsonArray();
        for (Map.Entry<String, DenseParticleLinear> e : model.getDenseLayers().entrySet()) {
            JsonObject l = new JsonObject();
            l.addProperty("path", e.getKey());
            l.addProperty("in_features", e.getValue().getInFeatures());
            l.addProperty("out_features", e.getValue().getOutFeatures());
            l.addProperty("bias", e.getValue().getParticleBias() != null);
            dense.add(l);
        }
        root.add("full_rank_layers", dense);
        JsonObject data = new JsonObject();
        data.addProperty("file", dataName);
        data.addProperty("bytes", bytes);
        data.addProperty("sha256", sha);
        data.addProperty("dtype", storage.toString());
        root.add("tensors", data);
        BaseFingerprint fp = model.getBaseFingerprint();
        JsonObject base = new JsonObject();
        base.addProperty("sha256", fp.sha256());
        JsonArray params = new JsonArray();
        for (BaseFingerprint.Entry e : fp.parameters()) {
            JsonObject p = new JsonObject();
            p.addProperty("name", e.name());
            p.add("shape", GSON.toJsonTree(e.shape()));
            p.addProperty("dtype", e.dtype());
            p.addProperty("sha256", e.sha256());
            params.add(p);
        }
        base.add("parameters", params);
        root.add("base", base);
        root.add("metadata", GSON.toJsonTree(new LinkedHashMap<>(metadata)));
        return root;
    }

    /**
     * Reads and validates a directory's manifest.
     *
     * @param dir the save directory
     * @return the manifest
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if it is malformed or from a newer format
     */
    public static Manifest readManifest(Path dir) throws IOException {
        Path file = dir.resolve(MANIFEST);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(
                    "no adapter manifest at "
                            + file
                            + ": is "
                            + dir
                            + " a Bella adapter directory?",
                    e);
        }
        try {
            JsonObject root = JsonParser.parseString(text).getAsJsonObject();
            String format = string(root, "format", file);
            if (!FORMAT.equals(format)) {
                throw bad(file, "format is '" + format + "', expected '" + FORMAT + "'");
            }
            int version = root.get("format_version").getAsInt();
            if (version > FORMAT_VERSION) {
                throw bad(
                        file,
                        "was written in format version "
                                + version
                                + " by Bella "
                                + string(root, "library_version", file)
                                + "; this Bella ("
                                + Bella.VERSION
                                + ") reads versions up to "
                                + FORMAT_VERSION
                                + ": upgrade Bella to load it");
            }
            if (version < 1) {
                throw bad(file, "has invalid format_version " + version);
            }
            JsonObject c = object(root, "config", file);
            BellaConfig.Builder b =
                    BellaConfig.builder()
                            .optRank(c.get("rank").getAsInt())
                            .optAlpha(c.get("alpha").getAsDouble())
                            .optParticles(c.get("particles").getAsInt())
                            .optSeed(c.get("seed").getAsLong())
                            .optBInitStd(c.get("b_init_std").getAsDouble())
                            .optTargets(strings(c.getAsJsonArray("targets")));
            if (c.has("target_regex")) {
                b.optTargetRegex(c.get("target_regex").getAsString());
            }
            b.optExcludes(strings(c.getAsJsonArray("excludes")).toArray(new String[0]));
            b.optFullRankTargets(
                    strings(c.getAsJsonArray("full_rank_targets")).toArray(new String[0]));
            if (c.has("full_rank_init_std")) {
                b.optFullRankInitStd(c.get("full_rank_init_std").getAsDouble());
            }
            BellaConfig config = b.build();
            Map<String, long[]> layers = layerShapes(root.getAsJsonArray("layers"));
            Map<String, long[]> dense =
                    root.has("full_rank_layers")
                            ? layerShapes(root.getAsJsonArray("full_rank_layers"))
                            : Map.of();
            JsonObject data = object(root, "tensors", file);
            JsonObject base = object(root, "base", file);
            List<BaseFingerprint.Entry> entries = new ArrayList<>();
            for (JsonElement e : base.getAsJsonArray("parameters")) {
                JsonObject p = e.getAsJsonObject();
                entries.add(
                        new BaseFingerprint.Entry(
                                p.get("name").getAsString(),
                                GSON.fromJson(p.get("shape"), long[].class),
                                p.get("dtype").getAsString(),
                                p.get("sha256").getAsString()));
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            if (root.has("metadata")) {
                for (Map.Entry<String, JsonElement> e :
                        root.getAsJsonObject("metadata").entrySet()) {
                    metadata.put(e.getKey(), e.getValue().getAsString());
                }
            }
            return new Manifest(
                    config,
                    Collections.unmodifiableMap(layers),
                    Collections.unmodifiableMap(dense),
                    string(data, "file", file),
                    data.get("bytes").getAsLong(),
                    string(data, "sha256", file),
                    new BaseFingerprint(entries, string(base, "sha256", file)),
                    Collections.unmodifiableMap(metadata));
        } catch (JsonParseException
                | IllegalStateException
                | NullPointerException
                | UnsupportedOperationException
                | ClassCastException e) {
            throw bad(file, "is not a valid Bella adapter manifest (" + e.getMessage() + ")", e);
        }
    }

    private static Map<String, long[]> layerShapes(JsonArray array) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (JsonElement e : array) {
            JsonObject l = e.getAsJsonObject();
            out.put(
                    l.get("path").getAsString(),
                    new long[] {
                        l.get("in_features").getAsLong(), l.get("out_features").getAsLong()
                    });
        }
        return out;
    }

    static void loadInto(ParticleBlock model, Path dir) throws IOException {
        loadInto(model, dir, readManifest(dir));
    }

    static void loadInto(ParticleBlock model, Path dir, Manifest manifest) throws IOException {
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
        byte[] bytes = readData(data, manifest);
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
            for (Map.Entry<String, LowRankLinear> e : model.getLayers().entrySet()) {
                LowRankLinear layer = e.getValue();
                NDArray target = layer.getA().getArray();
                NDArray a = checked(byName, e.getKey() + ".lora_A", target.getShape(), data);
                NDArray targetB = layer.getB().getArray();
                NDArray b = checked(byName, e.getKey() + ".lora_B", targetB.getShape(), data);
                assignments.add(
                        () -> target.set(a.toType(target.getDataType(), false).toByteBuffer()));
                assignments.add(
                        () -> targetB.set(b.toType(targetB.getDataType(), false).toByteBuffer()));
            }
            Set<String> expected = new java.util.HashSet<>();
            for (String p : model.getLayers().keySet()) {
                expected.add(p + ".lora_A");
                expected.add(p + ".lora_B");
            }
            for (Map.Entry<String, DenseParticleLinear> e : model.getDenseLayers().entrySet()) {
                List<NDArray> targets = new ArrayList<>();
                targets.add(e.getValue().getParticleWeight().getArray());
                if (e.getValue().getParticleBias() != null) {
                    targets.add(e.getValue().getParticleBias().getArray());
                }
                String[] names = {e.getKey() + ".weight", e.getKey() + ".bias"};
                for (int k = 0; k < targets.size(); k++) {
                    NDArray target = targets.get(k);
                    NDArray v = checked(byName, names[k], target.getShape(), data);
                    expected.add(names[k]);
                    assignments.add(
                            () -> target.set(v.toType(target.getDataType(), false).toByteBuffer()));
                }
            }
            for (String name : byName.keySet()) {
                if (!expected.contains(name)) {
                    throw new IllegalArgumentException(
                            "adapter file " + data + " holds an unexpected tensor '" + name + "'");
                }
            }
            // Everything is validated before the first value changes.
            assignments.forEach(Runnable::run);
        }
    }

    private static void checkCompatible(ParticleBlock model, Manifest m, Path file) {
        BellaConfig c = model.getConfig();
        BellaConfig s = m.config();
        if (c.getRank() != s.getRank()
                || model.getParticleCount() != s.getParticles()
                || Double.compare(c.getAlpha(), s.getAlpha()) != 0) {
            throw bad(
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
        if (!m.layers().keySet().equals(model.getLayers().keySet())) {
            throw bad(
                    file,
                    "adapts layers "
                            + m.layers().keySet()
                            + " but the model adapts "
                            + model.getLayers().keySet());
        }
        if (!m.fullRankLayers().keySet().equals(model.getDenseLayers().keySet())) {
            throw bad(
                    file,
                    "copies layers "
                            + m.fullRankLayers().keySet()
                            + " in full per particle but the model copies "
                            + model.getDenseLayers().keySet());
        }
        for (Map.Entry<String, long[]> e : m.fullRankLayers().entrySet()) {
            DenseParticleLinear d = model.getDenseLayers().get(e.getKey());
            long[] io = {d.getInFeatures(), d.getOutFeatures()};
            if (!Arrays.equals(io, e.getValue())) {
                throw bad(
                        file,
                        "full-rank layer '"
                                + e.getKey()
                                + "' is "
                                + Arrays.toString(e.getValue())
                                + " (d_in, d_out) in the file but "
                                + Arrays.toString(io)
                                + " in the model");
            }
        }
        for (Map.Entry<String, long[]> e : m.layers().entrySet()) {
            LowRankLinear l = model.getLayers().get(e.getKey());
            long[] io = {l.getInFeatures(), l.getOutFeatures()};
            if (!Arrays.equals(io, e.getValue())) {
                throw bad(
                        file,
                        "layer '"
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

    private static byte[] readData(Path data, Manifest m) throws IOException {
        if (!Files.exists(data)) {
            throw new IllegalArgumentException(
                    "adapter data file " + data + " named by the manifest is missing");
        }
        long size = Files.size(data);
        if (size != m.dataBytes()) {
            throw new IllegalArgumentException(
                    "adapter data file "
                            + data
                            + " is "
                            + (size < m.dataBytes() ? "truncated" : "too long")
                            + ": "
                            + size
                            + " bytes, the manifest says "
                            + m.dataBytes());
        }
        byte[] bytes;
        try (InputStream in = Files.newInputStream(data)) {
            bytes = in.readAllBytes();
        }
        String sha = HexFormat.of().formatHex(sha256().digest(bytes));
        if (!sha.equals(m.dataSha256())) {
            throw new IllegalArgumentException(
                    "adapter data file "
                            + data
                            + " is corrupted: its SHA-256 is "
                            + sha
                            + ", the manifest says "
                            + m.dataSha256());
        }
        return bytes;
    }

    private static void removeStale(Path dir, String keep) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                boolean oldData =
                        name.startsWith(DATA_PREFIX)
                                && name.endsWith(DATA_SUFFIX)
                                && !name.equals(keep);
                boolean tmp =
                        name.endsWith(".tmp")
                                && (name.startsWith(".adapter_model-")
                                        || name.startsWith(".adapter_config-"));
                if (oldData || tmp) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            logger.warn("could not remove stale adapter files in {}: {}", dir, e.toString());
        }
    }

    private static void fsync(Path path) throws IOException {
        boolean dir = Files.isDirectory(path);
        try (FileChannel ch =
                FileChannel.open(path, dir ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
            ch.force(true);
        } catch (IOException e) {
            if (!dir) {
                throw e;
            }
            // Some file systems cannot sync a directory; the rename is still atomic.
        }
    }

    private static String string(JsonObject o, String key, Path file) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            throw bad(file, "has no '" + key + "'");
        }
        return e.getAsString();
    }

    private static JsonObject object(JsonObject o, String key, Path file) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonObject()) {
            throw bad(file, "has no '" + key + "' object");
        }
        return e.getAsJsonObject();
    }

    private static List<String> strings(JsonArray array) {
        List<String> out = new ArrayList<>();
        if (array != null) {
            for (JsonElement e : array) {
                out.add(e.getAsString());
            }
        }
        return out;
    }

    private static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException("adapter manifest " + file + " " + what);
    }

    private static IllegalArgumentException bad(Path file, String what, Throwable cause) {
        return new IllegalArgumentException("adapter manifest " + file + " " + what, cause);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}
