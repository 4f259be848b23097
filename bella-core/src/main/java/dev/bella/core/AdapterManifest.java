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

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.bella.metrics.io.BoundedText;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The manifest of an adapter directory: its JSON schema, written and read in this one place.
 *
 * <p>Format {@value #FORMAT} version {@value #FORMAT_VERSION}: {@code format}, {@code
 * format_version}, {@code library_version}, {@code djl_version}, {@code saved_at}, {@code config}
 * ({@link BellaConfig#toJson}), {@code layers} (each low-rank layer's {@code path}, {@code
 * in_features}, {@code out_features}), {@code full_rank_layers} (the same, plus {@code bias}),
 * {@code tensors} (the data file's {@code file}, {@code bytes}, {@code sha256}, {@code dtype}),
 * {@code base} (the {@link BaseFingerprint}), {@code metadata} (string entries, e.g. a checkpoint's
 * position) and, when saved from a trained posterior, {@code provenance} (how it was made).
 *
 * @param config the configuration the adapters were made with
 * @param layers each low-rank layer's path and {@code (d_in, d_out)}, in tree order
 * @param fullRankLayers each full-rank layer's path and {@code (d_in, d_out)}, in tree order
 * @param dataFile the data file's name, relative to the adapter directory
 * @param dataBytes its size
 * @param dataSha256 its SHA-256, hex
 * @param dataType the stored floating-point type ({@code "float32"} or {@code "float16"})
 * @param base the fingerprint of the frozen base
 * @param metadata free-form string entries (trainer, step, ...)
 * @param provenance how the posterior was made, or {@code null}
 * @param libraryVersion the Bella version that wrote it
 */
public record AdapterManifest(
        BellaConfig config,
        Map<String, long[]> layers,
        Map<String, long[]> fullRankLayers,
        String dataFile,
        long dataBytes,
        String dataSha256,
        String dataType,
        BaseFingerprint base,
        Map<String, String> metadata,
        JsonObject provenance,
        String libraryVersion) {

    /**
     * The manifest's file name in an adapter directory. It is not PEFT's {@code
     * adapter_config.json}, so a Bella folder never passes for a PEFT one (see {@code
     * dev.bella.core.peft} for PEFT's layout).
     */
    public static final String FILE_NAME = "bella_adapter.json";

    /**
     * The name manifests had before they were given their own ({@code adapter_config.json}, PEFT's
     * name with another schema); still read from folders saved then, never written.
     */
    public static final String LEGACY_FILE_NAME = "adapter_config.json";

    /** The format this library writes. */
    public static final String FORMAT = "bella-adapters";

    /** The format version this library writes and the newest it reads. */
    public static final int FORMAT_VERSION = 1;

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /** Makes the maps unmodifiable. */
    public AdapterManifest {
        layers = Collections.unmodifiableMap(new LinkedHashMap<>(layers));
        fullRankLayers = Collections.unmodifiableMap(new LinkedHashMap<>(fullRankLayers));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        provenance = provenance == null ? null : provenance.deepCopy();
    }

    /**
     * Returns the provenance record, a copy.
     *
     * @return the provenance JSON, or {@code null} if none was saved
     */
    @Override
    public JsonObject provenance() {
        return provenance == null ? null : provenance.deepCopy();
    }

    /**
     * Describes a model's layers and the data file written for it.
     *
     * @param model the particles
     * @param data the written data file
     * @param dataType the stored type
     * @param metadata string entries
     * @param provenance the provenance record or {@code null}
     * @return the manifest
     */
    static AdapterManifest of(
            ParticleBlock model,
            dev.bella.metrics.io.AtomicFiles.Written data,
            String dataType,
            Map<String, String> metadata,
            JsonObject provenance) {
        Map<String, long[]> lowRank = new LinkedHashMap<>();
        Map<String, long[]> fullRank = new LinkedHashMap<>();
        for (ParticleLinear l : model.getLayers().values()) {
            long[] io = {l.getInFeatures(), l.getOutFeatures()};
            // 'layers' holds the low-rank family (LoRA's A, B or B-LoRA-XS's core; the config's
            // core_only says which), 'full_rank_layers' the full copies.
            (l instanceof FullRankLinear ? fullRank : lowRank).put(l.getPath(), io);
        }
        return new AdapterManifest(
                model.getConfig().toBuilder().optParticles(model.getParticleCount()).build(),
                lowRank,
                fullRank,
                data.path().getFileName().toString(),
                data.bytes(),
                data.sha256(),
                dataType,
                model.getBaseFingerprint(),
                metadata,
                provenance,
                Bella.VERSION);
    }

    /**
     * Writes this manifest as JSON, with the full-rank layers' bias flags taken from {@code model}.
     *
     * @param model the model the manifest describes
     * @param savedAt an ISO-8601 time stamp
     * @param djlVersion DJL's version
     * @return pretty-printed JSON
     */
    String toJson(ParticleBlock model, String savedAt, String djlVersion) {
        JsonObject root = new JsonObject();
        root.addProperty("format", FORMAT);
        root.addProperty("format_version", FORMAT_VERSION);
        root.addProperty("library_version", libraryVersion);
        root.addProperty("djl_version", djlVersion);
        root.addProperty("saved_at", savedAt);
        root.add("config", config.toJson());
        root.add("layers", layerArray(layers, null));
        root.add("full_rank_layers", layerArray(fullRankLayers, model));
        JsonObject data = new JsonObject();
        data.addProperty("file", dataFile);
        data.addProperty("bytes", dataBytes);
        data.addProperty("sha256", dataSha256);
        data.addProperty("dtype", dataType);
        root.add("tensors", data);
        JsonObject b = new JsonObject();
        b.addProperty("sha256", base.sha256());
        JsonArray params = new JsonArray();
        for (BaseFingerprint.Entry e : base.parameters()) {
            JsonObject p = new JsonObject();
            p.addProperty("name", e.name());
            p.add("shape", GSON.toJsonTree(e.shape()));
            p.addProperty("dtype", e.dtype());
            p.addProperty("sha256", e.sha256());
            params.add(p);
        }
        b.add("parameters", params);
        root.add("base", b);
        root.add("metadata", GSON.toJsonTree(new LinkedHashMap<>(metadata)));
        if (provenance != null) {
            root.add("provenance", provenance);
        }
        return GSON.toJson(root);
    }

    private static JsonArray layerArray(Map<String, long[]> layers, ParticleBlock model) {
        JsonArray out = new JsonArray();
        for (Map.Entry<String, long[]> e : layers.entrySet()) {
            JsonObject l = new JsonObject();
            l.addProperty("path", e.getKey());
            l.addProperty("in_features", e.getValue()[0]);
            l.addProperty("out_features", e.getValue()[1]);
            if (model != null) {
                FullRankLinear layer = (FullRankLinear) model.getLayers().get(e.getKey());
                l.addProperty("bias", layer.getBiases() != null);
            }
            out.add(l);
        }
        return out;
    }

    /**
     * Parses and validates a manifest.
     *
     * @param text the file's content
     * @param file the file, for messages
     * @return the manifest
     * @throws IllegalArgumentException if it is malformed or from a newer format; the message names
     *     the file and what is wrong
     */
    static AdapterManifest parse(String text, Path file) {
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(text);
        } catch (JsonParseException | StackOverflowError e) {
            throw bad(
                    file,
                    "is not valid JSON ("
                            + BoundedText.clip(String.valueOf(e.getMessage()), 300)
                            + "); expected a Bella adapter manifest",
                    e instanceof JsonParseException ? e : null);
        }
        if (!parsed.isJsonObject()) {
            throw bad(file, "is not a JSON object; expected a Bella adapter manifest");
        }
        JsonObject root = parsed.getAsJsonObject();
        String format = string(root, "format", file);
        if (!FORMAT.equals(format)) {
            throw bad(
                    file,
                    "field 'format' is "
                            + BoundedText.quote(format)
                            + ", expected '"
                            + FORMAT
                            + "'");
        }
        long version = integer(root, "format_version", file);
        if (version > FORMAT_VERSION) {
            throw bad(
                    file,
                    "was written in format version "
                            + version
                            + " by Bella "
                            + BoundedText.quote(string(root, "library_version", file))
                            + "; this Bella ("
                            + Bella.VERSION
                            + ") reads versions up to "
                            + FORMAT_VERSION
                            + ": upgrade Bella to load it");
        }
        if (version < 1) {
            throw bad(
                    file,
                    "field 'format_version' is " + version + ", expected 1 to " + FORMAT_VERSION);
        }
        BellaConfig config;
        try {
            config = BellaConfig.fromJson(object(root, "config", file));
        } catch (RuntimeException e) {
            throw bad(
                    file,
                    "has an invalid 'config': "
                            + BoundedText.clip(String.valueOf(e.getMessage()), 600),
                    e);
        }
        Map<String, long[]> layers = layerShapes(array(root, "layers", file), "layers", file);
        Map<String, long[]> fullRank =
                root.has("full_rank_layers")
                        ? layerShapes(
                                array(root, "full_rank_layers", file), "full_rank_layers", file)
                        : Map.of();
        JsonObject data = object(root, "tensors", file);
        JsonObject base = object(root, "base", file);
        List<BaseFingerprint.Entry> entries = new ArrayList<>();
        JsonArray params = array(base, "parameters", file);
        for (int i = 0; i < params.size(); i++) {
            String where = "base.parameters[" + i + "]";
            if (!params.get(i).isJsonObject()) {
                throw bad(file, "field '" + where + "' is not a JSON object");
            }
            JsonObject p = params.get(i).getAsJsonObject();
            JsonArray shapeArray = array(p, "shape", file);
            if (shapeArray.size() > 16) {
                throw bad(
                        file,
                        "field '"
                                + where
                                + ".shape' has "
                                + shapeArray.size()
                                + " dimensions, expected at most 16");
            }
            long[] shape = new long[shapeArray.size()];
            for (int k = 0; k < shape.length; k++) {
                shape[k] = nonNegative(shapeArray.get(k), where + ".shape[" + k + "]", file);
            }
            entries.add(
                    new BaseFingerprint.Entry(
                            string(p, "name", file),
                            shape,
                            string(p, "dtype", file),
                            string(p, "sha256", file)));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        if (root.has("metadata")) {
            for (Map.Entry<String, JsonElement> e : object(root, "metadata", file).entrySet()) {
                if (!isString(e.getValue())) {
                    throw bad(
                            file,
                            "field 'metadata."
                                    + BoundedText.clip(e.getKey(), 80)
                                    + "' is "
                                    + kind(e.getValue())
                                    + ", expected a string");
                }
                metadata.put(e.getKey(), e.getValue().getAsString());
            }
        }
        String dtype = data.has("dtype") ? string(data, "dtype", file) : "float32";
        if (!dtype.equals("float32") && !dtype.equals("float16") && !dtype.equals("bfloat16")) {
            throw bad(
                    file,
                    "field 'tensors.dtype' is "
                            + BoundedText.quote(dtype)
                            + ", expected 'float32', 'float16' or 'bfloat16'");
        }
        JsonElement provenance = root.get("provenance");
        if (provenance != null && !provenance.isJsonObject() && !provenance.isJsonNull()) {
            throw bad(file, "field 'provenance' is " + kind(provenance) + ", expected an object");
        }
        return new AdapterManifest(
                config,
                layers,
                fullRank,
                string(data, "file", file),
                nonNegative(data.get("bytes"), "tensors.bytes", file),
                string(data, "sha256", file),
                dtype,
                new BaseFingerprint(entries, string(base, "sha256", file)),
                metadata,
                provenance != null && provenance.isJsonObject()
                        ? provenance.getAsJsonObject()
                        : null,
                string(root, "library_version", file));
    }

    private static Map<String, long[]> layerShapes(JsonArray array, String field, Path file) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (int i = 0; i < array.size(); i++) {
            String where = field + "[" + i + "]";
            if (!array.get(i).isJsonObject()) {
                throw bad(
                        file,
                        "field '" + where + "' is " + kind(array.get(i)) + ", expected an object");
            }
            JsonObject l = array.get(i).getAsJsonObject();
            String path = string(l, "path", file);
            long in = positive(l.get("in_features"), where + ".in_features", file);
            long outFeatures = positive(l.get("out_features"), where + ".out_features", file);
            if (out.put(path, new long[] {in, outFeatures}) != null) {
                throw bad(file, "field '" + where + ".path' repeats " + BoundedText.quote(path));
            }
        }
        return out;
    }

    private static long integer(JsonObject o, String key, Path file) {
        JsonElement e = o.get(key);
        Long v = dev.bella.metrics.io.SafetensorsHeader.exactLong(e);
        if (v == null) {
            throw bad(
                    file,
                    "field '"
                            + key
                            + "' is "
                            + (e == null ? "missing" : BoundedText.clip(e.toString(), 80))
                            + ", expected an integer");
        }
        return v;
    }

    private static long nonNegative(JsonElement e, String field, Path file) {
        Long v = dev.bella.metrics.io.SafetensorsHeader.exactLong(e);
        if (v == null || v < 0) {
            throw bad(
                    file,
                    "field '"
                            + field
                            + "' is "
                            + (e == null ? "missing" : BoundedText.clip(e.toString(), 80))
                            + ", expected a non-negative integer");
        }
        return v;
    }

    private static long positive(JsonElement e, String field, Path file) {
        Long v = dev.bella.metrics.io.SafetensorsHeader.exactLong(e);
        if (v == null || v < 1 || v > Integer.MAX_VALUE) {
            throw bad(
                    file,
                    "field '"
                            + field
                            + "' is "
                            + (e == null ? "missing" : BoundedText.clip(e.toString(), 80))
                            + ", expected an integer from 1 to "
                            + Integer.MAX_VALUE);
        }
        return v;
    }

    private static boolean isString(JsonElement e) {
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
    }

    private static String kind(JsonElement e) {
        if (e == null) {
            return "missing";
        }
        if (e.isJsonNull()) {
            return "null";
        }
        if (e.isJsonObject()) {
            return "an object";
        }
        if (e.isJsonArray()) {
            return "an array";
        }
        return BoundedText.clip(e.toString(), 80);
    }

    private static String string(JsonObject o, String key, Path file) {
        JsonElement e = o.get(key);
        if (!isString(e)) {
            throw bad(file, "field '" + key + "' is " + kind(e) + ", expected a string");
        }
        return e.getAsString();
    }

    private static JsonObject object(JsonObject o, String key, Path file) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonObject()) {
            throw bad(file, "field '" + key + "' is " + kind(e) + ", expected an object");
        }
        return e.getAsJsonObject();
    }

    private static JsonArray array(JsonObject o, String key, Path file) {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonArray()) {
            throw bad(file, "field '" + key + "' is " + kind(e) + ", expected an array");
        }
        return e.getAsJsonArray();
    }

    static IllegalArgumentException bad(Path file, String what) {
        return bad(file, what, null);
    }

    static IllegalArgumentException bad(Path file, String what, Throwable cause) {
        return new IllegalArgumentException(
                BoundedText.clip("adapter manifest " + file + " " + what, 1_950), cause);
    }
}
