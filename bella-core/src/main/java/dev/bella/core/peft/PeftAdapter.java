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
package dev.bella.core.peft;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.bella.metrics.io.AtomicFiles;
import dev.bella.metrics.io.BoundedText;
import dev.bella.metrics.io.SafetensorsHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One PEFT LoRA adapter, in PEFT's layout: a folder holding {@code adapter_config.json} ({@link
 * PeftConfig}) and {@code adapter_model.safetensors}, whose tensors are named {@code
 * base_model.model.<module>.lora_A.weight} \( (r, d_{in}) \) and {@code
 * base_model.model.<module>.lora_B.weight} \( (d_{out}, r) \), so that the module computes \( W_0 x
 * + s B A x \).
 *
 * @param config the configuration
 * @param modules each adapted module's factors, by PEFT module path (without {@code
 *     base_model.model.}), in file order
 */
public record PeftAdapter(PeftConfig config, Map<String, Lora> modules) {

    /** PEFT's file name for the tensors. */
    public static final String TENSORS_FILE = "adapter_model.safetensors";

    /** The prefix PEFT puts before every module path. */
    public static final String PREFIX = "base_model.model.";

    static final String A_SUFFIX = ".lora_A.weight";
    static final String B_SUFFIX = ".lora_B.weight";
    private static final long MAX_CONFIG_BYTES = 1L << 20;
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /**
     * One module's factors, row-major float32, in PEFT's orientation. The arrays are held as given
     * (not copied), and {@code equals} compares them by identity, as records do.
     *
     * @param a {@code lora_A.weight}, {@code (r, in)}
     * @param b {@code lora_B.weight}, {@code (out, r)}
     * @param in the module's input width
     * @param out the module's output width
     */
    public record Lora(float[] a, float[] b, int in, int out) {

        /** Checks the lengths against the widths. */
        public Lora {
            if (in <= 0 || out <= 0 || a.length == 0 || a.length % in != 0) {
                throw new IllegalArgumentException(
                        "lora_A has " + a.length + " values, expected r x in with in = " + in);
            }
            if (b.length != (long) out * (a.length / in)) {
                throw new IllegalArgumentException(
                        "lora_B has "
                                + b.length
                                + " values, expected out x r = "
                                + out
                                + " x "
                                + a.length / in);
            }
        }

        /**
         * Returns the rank.
         *
         * @return {@code r}
         */
        public int rank() {
            return a.length / in;
        }
    }

    /** Validates ranks and copies the map. */
    public PeftAdapter {
        if (modules.isEmpty()) {
            throw new IllegalArgumentException("a PEFT adapter needs at least one module");
        }
        for (Map.Entry<String, Lora> e : modules.entrySet()) {
            if (e.getValue().rank() != config.r()) {
                throw new IllegalArgumentException(
                        "module '"
                                + e.getKey()
                                + "' has rank "
                                + e.getValue().rank()
                                + ", expected r = "
                                + config.r()
                                + " from the configuration");
            }
        }
        modules = Collections.unmodifiableMap(new LinkedHashMap<>(modules));
    }

    /**
     * Reads a PEFT adapter folder.
     *
     * @param dir the folder holding {@code adapter_config.json} and {@code
     *     adapter_model.safetensors}
     * @return the adapter
     * @throws NoSuchFileException if a file is missing
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if the configuration is not a supported LoRA one, or a
     *     tensor is missing, unexpected, of the wrong shape or not finite
     */
    public static PeftAdapter read(Path dir) throws IOException {
        Path configFile = dir.resolve(PeftConfig.FILE_NAME);
        Path tensorsFile = dir.resolve(TENSORS_FILE);
        if (!Files.isRegularFile(configFile)) {
            throw new NoSuchFileException(
                    configFile.toString(), null, "no PEFT adapter configuration in " + dir);
        }
        if (!Files.isRegularFile(tensorsFile)) {
            String hint =
                    Files.exists(dir.resolve("adapter_model.bin"))
                            ? "; only adapter_model.bin (pickle) is there: save with"
                                    + " safe_serialization=True"
                            : "";
            throw new NoSuchFileException(
                    tensorsFile.toString(), null, "no PEFT adapter tensors in " + dir + hint);
        }
        if (Files.size(configFile) > MAX_CONFIG_BYTES) {
            throw new IllegalArgumentException(
                    configFile + " is " + Files.size(configFile) + " bytes, expected at most 1 MB");
        }
        JsonObject json;
        try {
            JsonElement parsed =
                    JsonParser.parseString(Files.readString(configFile, StandardCharsets.UTF_8));
            if (!parsed.isJsonObject()) {
                throw new IllegalArgumentException(configFile + " is not a JSON object");
            }
            json = parsed.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(configFile + " is not valid JSON: " + e, e);
        }
        PeftConfig config = PeftConfig.fromJson(json, configFile.toString());
        return new PeftAdapter(config, readTensors(tensorsFile, config));
    }

    private static Map<String, Lora> readTensors(Path file, PeftConfig config) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            SafetensorsHeader header = SafetensorsHeader.read(ch, file, "PEFT adapter tensors");
            header.requireDtypes(
                    Set.of("F32", "F16", "BF16"), "F16 and BF16 are converted to F32 in Java");
            Map<String, SafetensorsHeader.Tensor> tensors = header.tensors();
            Map<String, Lora> modules = new LinkedHashMap<>();
            for (String name : tensors.keySet()) {
                String module = moduleOf(name, file);
                if (modules.containsKey(module)) {
                    continue;
                }
                String aName = PREFIX + module + A_SUFFIX;
                String bName = PREFIX + module + B_SUFFIX;
                SafetensorsHeader.Tensor a = tensors.get(aName);
                SafetensorsHeader.Tensor b = tensors.get(bName);
                if (a == null || b == null) {
                    throw new IllegalArgumentException(
                            file
                                    + ": module '"
                                    + module
                                    + "' has no tensor "
                                    + BoundedText.quote(a == null ? aName : bName)
                                    + ", expected both lora_A.weight and lora_B.weight");
                }
                long[] as = a.shape();
                long[] bs = b.shape();
                if (as.length != 2 || as[0] != config.r()) {
                    throw new IllegalArgumentException(
                            file
                                    + ": "
                                    + aName
                                    + " has shape "
                                    + SafetensorsHeader.shapeString(as)
                                    + ", expected (r, in) with r = "
                                    + config.r());
                }
                if (bs.length != 2 || bs[1] != config.r()) {
                    throw new IllegalArgumentException(
                            file
                                    + ": "
                                    + bName
                                    + " has shape "
                                    + SafetensorsHeader.shapeString(bs)
                                    + ", expected (out, r) with r = "
                                    + config.r());
                }
                float[] av = finite(header.readFloats(ch, aName), aName, file);
                float[] bv = finite(header.readFloats(ch, bName), bName, file);
                modules.put(
                        module, new Lora(av, bv, Math.toIntExact(as[1]), Math.toIntExact(bs[0])));
            }
            if (modules.isEmpty()) {
                throw new IllegalArgumentException(
                        file + " holds no tensor, expected lora_A/lora_B pairs");
            }
            return modules;
        }
    }

    /** The module path of a tensor name, or an error naming the expected form. */
    private static String moduleOf(String name, Path file) {
        String suffix =
                name.endsWith(A_SUFFIX) ? A_SUFFIX : name.endsWith(B_SUFFIX) ? B_SUFFIX : null;
        if (suffix == null
                || !name.startsWith(PREFIX)
                || name.length() <= PREFIX.length() + suffix.length()) {
            throw new IllegalArgumentException(
                    file
                            + ": tensor "
                            + BoundedText.quote(name)
                            + " is not named base_model.model.<module>.lora_A.weight or"
                            + " .lora_B.weight (only LoRA factors are imported)");
        }
        return name.substring(PREFIX.length(), name.length() - suffix.length());
    }

    private static float[] finite(float[] v, String name, Path file) {
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new IllegalArgumentException(
                        file
                                + ": "
                                + name
                                + " holds "
                                + v[i]
                                + " at element "
                                + i
                                + ", expected finite values");
            }
        }
        return v;
    }

    /**
     * Writes this adapter as a PEFT folder, float32: first the tensors, then the configuration,
     * each atomically ({@link AtomicFiles}).
     *
     * @param dir the folder, created if missing
     * @throws IOException if writing fails
     */
    public void write(Path dir) throws IOException {
        Map<String, float[]> tensors = new TreeMap<>();
        Map<String, long[]> shapes = new TreeMap<>();
        for (Map.Entry<String, Lora> e : modules.entrySet()) {
            Lora l = e.getValue();
            String base = PREFIX + e.getKey();
            tensors.put(base + A_SUFFIX, l.a());
            shapes.put(base + A_SUFFIX, new long[] {l.rank(), l.in()});
            tensors.put(base + B_SUFFIX, l.b());
            shapes.put(base + B_SUFFIX, new long[] {l.out(), l.rank()});
        }
        byte[] data = safetensors(tensors, shapes);
        AtomicFiles.write(dir.resolve(TENSORS_FILE), true, os -> os.write(data));
        String json = GSON.toJson(config.toJson()) + "\n";
        AtomicFiles.write(
                dir.resolve(PeftConfig.FILE_NAME),
                true,
                os -> os.write(json.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Encodes float32 tensors in the safetensors format: an 8-byte little-endian header length, a
     * JSON header (padded with spaces to a multiple of 8) with each tensor's dtype, shape and data
     * offsets, then the raw little-endian values.
     */
    static byte[] safetensors(Map<String, float[]> tensors, Map<String, long[]> shapes) {
        JsonObject header = new JsonObject();
        JsonObject meta = new JsonObject();
        meta.addProperty("format", "pt");
        header.add("__metadata__", meta);
        long offset = 0;
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            JsonObject t = new JsonObject();
            t.addProperty("dtype", "F32");
            JsonArray shape = new JsonArray();
            for (long d : shapes.get(e.getKey())) {
                shape.add(d);
            }
            t.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offset += 4L * e.getValue().length;
            offsets.add(offset);
            t.add("data_offsets", offsets);
            header.add(e.getKey(), t);
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        byte[] h = java.util.Arrays.copyOf(json, (json.length + 7) / 8 * 8);
        java.util.Arrays.fill(h, json.length, h.length, (byte) ' ');
        ByteBuffer buf =
                ByteBuffer.allocate(Math.toIntExact(8 + h.length + offset))
                        .order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h);
        for (float[] v : tensors.values()) {
            for (float x : v) {
                buf.putFloat(x);
            }
        }
        return buf.array();
    }
}
