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
package dev.bella.core.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Builds hostile safetensors files and manifests for the fault tests: header surgery, dtype
 * relabelling, real BF16/F16 conversions, and "rehashing" (rewriting the size and SHA-256 a
 * manifest records so that a mutated file passes the integrity check and reaches the parser, as a
 * hostile or careless user's file would).
 */
public final class SafetensorsBytes {

    private SafetensorsBytes() {}

    /** The header JSON of a safetensors file. */
    public static JsonObject header(byte[] file) {
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return JsonParser.parseString(new String(file, 8, (int) n, StandardCharsets.UTF_8))
                .getAsJsonObject();
    }

    /** The data section of a safetensors file. */
    public static byte[] data(byte[] file) {
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] out = new byte[file.length - 8 - (int) n];
        System.arraycopy(file, 8 + (int) n, out, 0, out.length);
        return out;
    }

    /** Assembles a file from a header and a data section. */
    public static byte[] assemble(JsonObject header, byte[] data) {
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b =
                ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    /** Rewrites the header, keeping the data. */
    public static byte[] withHeader(byte[] file, UnaryOperator<JsonObject> edit) {
        return assemble(edit.apply(header(file)), data(file));
    }

    /** The names of the tensors (not {@code __metadata__}). */
    public static List<String> tensorNames(byte[] file) {
        List<String> out = new ArrayList<>();
        for (String k : header(file).keySet()) {
            if (!k.equals("__metadata__")) {
                out.add(k);
            }
        }
        return out;
    }

    /** Relabels every tensor's dtype, leaving shapes, offsets and bytes as they are. */
    public static byte[] relabel(byte[] file, String dtype) {
        return withHeader(
                file,
                h -> {
                    for (Map.Entry<String, JsonElement> e : h.entrySet()) {
                        if (!e.getKey().equals("__metadata__")) {
                            e.getValue().getAsJsonObject().addProperty("dtype", dtype);
                        }
                    }
                    return h;
                });
    }

    /**
     * Converts every F32 tensor to a 2-byte type for real: {@code "BF16"} (the upper 16 bits,
     * rounded to nearest even) or {@code "F16"}; offsets recomputed, sizes consistent.
     */
    public static byte[] convert(byte[] file, String dtype) {
        JsonObject h = header(file);
        ByteBuffer in = ByteBuffer.wrap(data(file)).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer out = ByteBuffer.allocate(in.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        JsonObject nh = new JsonObject();
        for (Map.Entry<String, JsonElement> e : h.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                nh.add(e.getKey(), e.getValue());
                continue;
            }
            JsonObject t = e.getValue().getAsJsonObject();
            JsonArray r = t.getAsJsonArray("data_offsets");
            long begin = r.get(0).getAsLong();
            long end = r.get(1).getAsLong();
            int start = out.position();
            for (long p = begin; p < end; p += 4) {
                float f = in.getFloat((int) p);
                out.putShort(dtype.equals("BF16") ? toBf16(f) : toHalf(f));
            }
            JsonObject nt = new JsonObject();
            nt.addProperty("dtype", dtype);
            nt.add("shape", t.get("shape"));
            JsonArray nr = new JsonArray();
            nr.add(start);
            nr.add(out.position());
            nt.add("data_offsets", nr);
            nh.add(e.getKey(), nt);
        }
        byte[] d = new byte[out.position()];
        out.flip().get(d);
        return assemble(nh, d);
    }

    /** Float to bfloat16 bits, round to nearest even. */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** Float to half bits (normal range, round toward zero; enough for small test values). */
    public static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        int mant = (bits >>> 13) & 0x3ff;
        if (exp <= 0) {
            return (short) sign;
        }
        if (exp >= 31) {
            return (short) (sign | 0x7bff);
        }
        return (short) (sign | (exp << 10) | mant);
    }

    /** SHA-256 as lower-case hex. */
    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads a JSON file. */
    public static JsonObject readJson(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    /** Writes a JSON file. */
    public static void writeJson(Path file, JsonObject json) throws IOException {
        Files.writeString(file, json.toString());
    }

    /**
     * Writes {@code bytes} to the adapter data file the manifest names and rewrites the manifest's
     * {@code tensors.bytes} and {@code tensors.sha256} to match (a consistent, hostile pair).
     */
    public static void replaceAdapterData(Path dir, byte[] bytes) throws IOException {
        Path manifest = dir.resolve(dev.bella.core.AdapterStore.MANIFEST);
        JsonObject m = readJson(manifest);
        JsonObject t = m.getAsJsonObject("tensors");
        Files.write(dir.resolve(t.get("file").getAsString()), bytes);
        t.addProperty("bytes", bytes.length);
        t.addProperty("sha256", sha256(bytes));
        writeJson(manifest, m);
    }

    /** The adapter data file a directory's manifest names. */
    public static Path adapterData(Path dir) throws IOException {
        return dir.resolve(
                readJson(dir.resolve(dev.bella.core.AdapterStore.MANIFEST))
                        .getAsJsonObject("tensors")
                        .get("file")
                        .getAsString());
    }

    /** The optimizer state file a checkpoint's manifest names. */
    public static Path optimizerState(Path dir) throws IOException {
        return dir.resolve(
                readJson(dir.resolve(dev.bella.core.AdapterStore.MANIFEST))
                        .getAsJsonObject("metadata")
                        .get("optimizer_state")
                        .getAsString());
    }

    /**
     * Writes {@code bytes} to a checkpoint's optimizer state file and rewrites the size and SHA-256
     * its manifest records to match.
     */
    public static void replaceOptimizerState(Path dir, byte[] bytes) throws IOException {
        Path manifest = dir.resolve(dev.bella.core.AdapterStore.MANIFEST);
        JsonObject m = readJson(manifest);
        JsonObject meta = m.getAsJsonObject("metadata");
        Files.write(dir.resolve(meta.get("optimizer_state").getAsString()), bytes);
        meta.addProperty("optimizer_state_bytes", Long.toString(bytes.length));
        meta.addProperty("optimizer_state_sha256", sha256(bytes));
        writeJson(manifest, m);
    }

    /** Copies every regular file of {@code from} into {@code to} (created), replacing. */
    public static void copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var s = Files.list(to)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                Files.delete(f);
            }
        }
        try (var s = Files.list(from)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    /**
     * Seeded structural mutations of a JSON document: one leaf or object member replaced by a
     * hostile value (wrong kinds, huge, negative, fractional, paths, binary text) or removed.
     */
    public static List<String> jsonMutations(JsonObject valid, long seed, int count) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        List<String> paths = new ArrayList<>();
        collect(valid, "", paths);
        String[] hostile = {
            "-1",
            "0",
            "1e20",
            "2147483648",
            "9223372036854775808",
            "1.5",
            "\"one\"",
            "null",
            "[]",
            "{}",
            "true",
            "\"../x\"",
            "\"/dev/zero\"",
            "\"/etc/passwd\"",
            "1000000",
            "\"\\u0000\\u00ff\"",
            "-9223372036854775808",
            "1e-400",
            "[1,2,3]",
            "\"\""
        };
        List<String> out = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            JsonObject copy = valid.deepCopy();
            String path = paths.get(rng.nextInt(paths.size()));
            String value = hostile[rng.nextInt(hostile.length)];
            boolean remove = rng.nextInt(8) == 0;
            set(copy, path, remove ? null : JsonParser.parseString(value));
            out.add(copy.toString());
        }
        return out;
    }

    private static void collect(JsonElement e, String path, List<String> out) {
        if (!path.isEmpty()) {
            out.add(path);
        }
        if (e.isJsonObject()) {
            for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) {
                collect(m.getValue(), path + "/" + m.getKey(), out);
            }
        } else if (e.isJsonArray()) {
            JsonArray a = e.getAsJsonArray();
            for (int i = 0; i < Math.min(a.size(), 3); i++) {
                collect(a.get(i), path + "/#" + i, out);
            }
        }
    }

    private static void set(JsonObject root, String path, JsonElement value) {
        String[] parts = path.substring(1).split("/");
        JsonElement cur = root;
        for (int i = 0; i < parts.length - 1; i++) {
            cur = child(cur, parts[i]);
        }
        String last = parts[parts.length - 1];
        if (cur.isJsonObject()) {
            if (value == null) {
                cur.getAsJsonObject().remove(last);
            } else {
                cur.getAsJsonObject().add(last, value);
            }
        } else {
            int i = Integer.parseInt(last.substring(1));
            if (value == null) {
                cur.getAsJsonArray().remove(i);
            } else {
                cur.getAsJsonArray().set(i, value);
            }
        }
    }

    private static JsonElement child(JsonElement e, String part) {
        return e.isJsonObject()
                ? e.getAsJsonObject().get(part)
                : e.getAsJsonArray().get(Integer.parseInt(part.substring(1)));
    }
}
