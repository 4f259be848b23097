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
package dev.bella.metrics.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The one validated reader of safetensors headers, used by the adapter store, the optimizer state
 * of checkpoints and the CLIP loader; it also reads floating-point tensors in Java, so that no file
 * of ours reaches DJL's native decoder ({@code NDList.decode} hands bfloat16 to PyTorch, which
 * aborts the JVM with DJL 0.36, and it narrows 64-bit offsets to 32 bits).
 *
 * <p>The format: an 8-byte little-endian header length, a UTF-8 JSON object mapping each name to
 * {@code dtype}, {@code shape} and {@code data_offsets} (relative to the end of the header) and an
 * optional {@code __metadata__} object of strings, then the raw little-endian data.
 *
 * <p>Before anything of the size the file claims is allocated, {@link #read} checks: the header
 * length lies within the file (and at most {@value #MAX_HEADER} bytes); the header is valid UTF-8
 * and a JSON object; every dtype is one of the known safetensors types; every shape has at most
 * {@value #MAX_RANK} non-negative integer dimensions whose product does not overflow; every {@code
 * data_offsets} is two integers {@code [begin, end]} with {@code begin <= end}, {@code end} within
 * the data section, {@code end - begin} equal to the element count times the dtype's width, and no
 * two tensors overlap. Numbers are read exactly (a 5,000,000,384 offset stays that, a 1.5 is
 * refused). Every failure is an {@link IllegalArgumentException} naming the file, the tensor, the
 * field, the value and what was expected, in at most about 2,000 characters.
 */
public final class SafetensorsHeader {

    /** The largest header accepted, in bytes. */
    public static final long MAX_HEADER = 100L << 20;

    /** The most dimensions a tensor may have. */
    public static final int MAX_RANK = 16;

    private static final String METADATA = "__metadata__";
    private static final int MAX_LISTED = 8;

    /**
     * One tensor of the header.
     *
     * @param name its name
     * @param dtype its safetensors dtype ({@code F32}, {@code BF16}, ...)
     * @param shape its dimensions (a copy is returned by {@link #shape()})
     * @param begin its first byte, relative to the data section
     * @param end one past its last byte, relative to the data section
     */
    public record Tensor(String name, String dtype, long[] shape, long begin, long end) {

        /** Copies the shape. */
        public Tensor {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /**
         * Returns the number of elements (the product of the dimensions; checked not to overflow).
         *
         * @return the element count
         */
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        /**
         * Returns the size of the tensor's data in bytes.
         *
         * @return {@code end - begin}
         */
        public long bytes() {
            return end - begin;
        }
    }

    private final Path file;
    private final String what;
    private final long dataStart;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsHeader(
            Path file,
            String what,
            long dataStart,
            Map<String, Tensor> tensors,
            Map<String, String> metadata) {
        this.file = file;
        this.what = what;
        this.dataStart = dataStart;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /**
     * Reads and validates the header of an open safetensors file; the data is not read.
     *
     * @param channel the file, open for reading
     * @param file its path, for messages
     * @param what what the file is, for messages (e.g. {@code "adapter data file"})
     * @return the validated header
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if the header is malformed or does not fit the file
     */
    public static SafetensorsHeader read(FileChannel channel, Path file, String what)
            throws IOException {
        long size = channel.size();
        if (size < 8) {
            throw bad(what, file, "the file has " + size + " bytes, fewer than the 8-byte header");
        }
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, lengthBytes, 0, what, file);
        long headerLength = lengthBytes.flip().getLong();
        if (headerLength < 2 || headerLength > size - 8 || headerLength > MAX_HEADER) {
            throw bad(
                    what,
                    file,
                    "header length "
                            + headerLength
                            + " (the first 8 bytes, little-endian) does not fit the file of "
                            + size
                            + " bytes: expected 2 to "
                            + Math.min(size - 8, MAX_HEADER));
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerLength);
        readFully(channel, header, 8, what, file);
        header.flip();
        String json;
        try {
            CharBuffer chars =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(header);
            json = chars.toString();
        } catch (CharacterCodingException e) {
            throw bad(what, file, "its " + headerLength + "-byte header is not valid UTF-8");
        }
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(json);
        } catch (JsonParseException | StackOverflowError e) {
            throw bad(
                    what,
                    file,
                    "its header is not valid JSON ("
                            + BoundedText.clip(String.valueOf(e.getMessage()), 300)
                            + ")");
        }
        if (!parsed.isJsonObject()) {
            throw bad(what, file, "its header is not a JSON object");
        }
        long dataStart = 8 + headerLength;
        long dataSize = size - dataStart;
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : parsed.getAsJsonObject().entrySet()) {
            if (METADATA.equals(e.getKey())) {
                if (!e.getValue().isJsonObject()) {
                    throw bad(what, file, "__metadata__ is not a JSON object");
                }
                for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
                    if (!m.getValue().isJsonPrimitive()
                            || !m.getValue().getAsJsonPrimitive().isString()) {
                        throw bad(
                                what,
                                file,
                                "__metadata__ entry "
                                        + BoundedText.quote(m.getKey())
                                        + " is not a string");
                    }
                    metadata.put(m.getKey(), m.getValue().getAsString());
                }
                continue;
            }
            Tensor t = tensor(e.getKey(), e.getValue(), dataSize, what, file);
            tensors.put(t.name(), t);
        }
        checkOverlaps(tensors.values(), what, file);
        return new SafetensorsHeader(file, what, dataStart, tensors, metadata);
    }

    private static Tensor tensor(
            String name, JsonElement value, long dataSize, String what, Path file) {
        String q = "tensor " + BoundedText.quote(name);
        if (!value.isJsonObject()) {
            throw bad(what, file, q + " is not a JSON object");
        }
        JsonObject o = value.getAsJsonObject();
        JsonElement d = o.get("dtype");
        if (d == null || !d.isJsonPrimitive() || !d.getAsJsonPrimitive().isString()) {
            throw bad(what, file, q + " has no string 'dtype'");
        }
        String dtype = d.getAsString();
        int width = bytesPerElement(dtype);
        if (width == 0) {
            throw bad(
                    what,
                    file,
                    q
                            + " has dtype "
                            + BoundedText.quote(dtype)
                            + ", expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U64,"
                            + " U32, U16, U8, BOOL, F8_E4M3, F8_E5M2");
        }
        long[] shape = longs(o.get("shape"), "shape", q, -1, what, file);
        if (shape.length > MAX_RANK) {
            throw bad(
                    what,
                    file,
                    q + " has " + shape.length + " dimensions, expected at most " + MAX_RANK);
        }
        long elements = 1;
        for (long dim : shape) {
            if (dim != 0 && elements > Long.MAX_VALUE / width / dim) {
                throw bad(
                        what,
                        file,
                        q
                                + " has shape "
                                + shapeString(shape)
                                + ", whose size overflows 64 bits; the data section holds "
                                + dataSize
                                + " bytes");
            }
            elements *= dim;
        }
        long[] range = longs(o.get("data_offsets"), "data_offsets", q, 2, what, file);
        if (range[0] > range[1]) {
            throw bad(
                    what,
                    file,
                    q
                            + " has data_offsets ["
                            + range[0]
                            + ", "
                            + range[1]
                            + "] reversed: expected [begin, end] with begin <= end");
        }
        if (range[1] > dataSize) {
            throw bad(
                    what,
                    file,
                    q
                            + " ends at byte "
                            + range[1]
                            + " of the data (data_offsets ["
                            + range[0]
                            + ", "
                            + range[1]
                            + "]), but the file holds "
                            + dataSize
                            + " data bytes (truncated?)");
        }
        long needed = elements * width;
        if (range[1] - range[0] != needed) {
            throw bad(
                    what,
                    file,
                    q
                            + " of dtype "
                            + dtype
                            + " and shape "
                            + shapeString(shape)
                            + " needs "
                            + needed
                            + " bytes but data_offsets ["
                            + range[0]
                            + ", "
                            + range[1]
                            + "] span "
                            + (range[1] - range[0]));
        }
        for (String key : o.keySet()) {
            if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
                throw bad(
                        what,
                        file,
                        q
                                + " has an unknown field "
                                + BoundedText.quote(key)
                                + ", expected only dtype, shape and data_offsets");
            }
        }
        return new Tensor(name, dtype, shape, range[0], range[1]);
    }

    private static long[] longs(
            JsonElement e, String field, String q, int length, String what, Path file) {
        if (e == null || !e.isJsonArray()) {
            throw bad(what, file, q + " has no '" + field + "' array");
        }
        JsonArray a = e.getAsJsonArray();
        if (length >= 0 && a.size() != length) {
            throw bad(
                    what,
                    file,
                    q + " has " + a.size() + " " + field + ", expected " + length + " integers");
        }
        if (a.size() > MAX_RANK) {
            throw bad(
                    what,
                    file,
                    q
                            + " has "
                            + a.size()
                            + " "
                            + field
                            + " entries, expected at most "
                            + MAX_RANK);
        }
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement v = a.get(i);
            Long exact = exactLong(v);
            if (exact == null || exact < 0) {
                throw bad(
                        what,
                        file,
                        q
                                + " has "
                                + field
                                + "["
                                + i
                                + "] = "
                                + BoundedText.clip(v.toString(), 60)
                                + ", expected a non-negative integer below 2^63");
            }
            out[i] = exact;
        }
        return out;
    }

    /**
     * Reads a JSON number as an exact 64-bit integer.
     *
     * @param v the element
     * @return its value, or {@code null} if it is not a number, not integral or out of range
     */
    public static Long exactLong(JsonElement v) {
        if (v == null || !v.isJsonPrimitive()) {
            return null;
        }
        JsonPrimitive p = v.getAsJsonPrimitive();
        if (!p.isNumber()) {
            return null;
        }
        String s = p.getAsString();
        if (s.length() > 40) {
            return null;
        }
        try {
            return new BigDecimal(s).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    private static void checkOverlaps(java.util.Collection<Tensor> all, String what, Path file) {
        List<Tensor> sorted = new ArrayList<>(all);
        sorted.removeIf(t -> t.bytes() == 0);
        sorted.sort(Comparator.comparingLong(Tensor::begin));
        for (int i = 1; i < sorted.size(); i++) {
            Tensor a = sorted.get(i - 1);
            Tensor b = sorted.get(i);
            if (b.begin() < a.end()) {
                throw bad(
                        what,
                        file,
                        "tensors "
                                + BoundedText.quote(a.name())
                                + " ["
                                + a.begin()
                                + ", "
                                + a.end()
                                + "] and "
                                + BoundedText.quote(b.name())
                                + " ["
                                + b.begin()
                                + ", "
                                + b.end()
                                + "] overlap: expected"
                                + " disjoint data_offsets");
            }
        }
    }

    /**
     * Returns the tensors in header order.
     *
     * @return an unmodifiable ordered map by name
     */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /**
     * Returns the string entries of the header's {@code __metadata__} object.
     *
     * @return an unmodifiable ordered map (empty if the header has none)
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Returns the offset of the data section in the file.
     *
     * @return {@code 8 + header length}
     */
    public long dataStart() {
        return dataStart;
    }

    /**
     * Checks that every tensor has one of the allowed dtypes.
     *
     * @param allowed the allowed safetensors dtypes
     * @param why appended to the message, e.g. {@code "adapters are stored as F32 or F16"}
     * @throws IllegalArgumentException naming the first tensor of another dtype
     */
    public void requireDtypes(Set<String> allowed, String why) {
        for (Tensor t : tensors.values()) {
            if (!allowed.contains(t.dtype())) {
                throw bad(
                        what,
                        file,
                        "tensor "
                                + BoundedText.quote(t.name())
                                + " has dtype "
                                + t.dtype()
                                + ", expected one of "
                                + new TreeSet<>(allowed)
                                + " ("
                                + why
                                + ")");
            }
        }
    }

    /**
     * Checks that the file holds exactly the expected tensors with the expected shapes; called
     * before anything of the expected size is allocated.
     *
     * @param expected each expected name and shape
     * @throws IllegalArgumentException naming missing, unexpected or mis-shaped tensors
     */
    public void requireTensors(Map<String, long[]> expected) {
        List<String> missing =
                expected.keySet().stream()
                        .filter(n -> !tensors.containsKey(n))
                        .collect(Collectors.toList());
        if (!missing.isEmpty()) {
            throw bad(
                    what,
                    file,
                    "has no tensor " + listed(missing) + " (it holds " + tensors.size() + ")");
        }
        List<String> extra =
                tensors.keySet().stream()
                        .filter(n -> !expected.containsKey(n))
                        .collect(Collectors.toList());
        if (!extra.isEmpty()) {
            throw bad(what, file, "holds unexpected tensor " + listed(extra));
        }
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            Tensor t = tensors.get(e.getKey());
            if (!Arrays.equals(t.shape, e.getValue())) {
                throw bad(
                        what,
                        file,
                        "tensor "
                                + BoundedText.quote(t.name())
                                + " has shape "
                                + shapeString(t.shape)
                                + ", expected "
                                + shapeString(e.getValue()));
            }
        }
    }

    private static String listed(List<String> names) {
        String shown =
                names.stream()
                        .limit(MAX_LISTED)
                        .map(BoundedText::quote)
                        .collect(Collectors.joining(", "));
        return names.size() > MAX_LISTED
                ? shown + " and " + (names.size() - MAX_LISTED) + " more"
                : shown;
    }

    /**
     * Reads a floating-point tensor (F32, F16, BF16 or F64) as float32, converted in Java.
     *
     * @param channel the file the header was read from
     * @param name the tensor's name
     * @return its values in row-major order
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if there is no such tensor, it is not floating-point or
     *     larger than a Java array
     */
    public float[] readFloats(FileChannel channel, String name) throws IOException {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw bad(what, file, "holds no tensor " + BoundedText.quote(name));
        }
        long n = t.elements();
        if (n > Integer.MAX_VALUE - 8 || t.bytes() > Integer.MAX_VALUE - 8) {
            throw bad(
                    what,
                    file,
                    "tensor "
                            + BoundedText.quote(name)
                            + " has "
                            + n
                            + " elements, more than a Java array holds");
        }
        float[] out = new float[(int) n];
        int width = bytesPerElement(t.dtype());
        // Read in bounded chunks so that a large tensor needs no second copy of its bytes.
        int chunkElements = Math.max(1, (1 << 20) / width);
        ByteBuffer buf =
                ByteBuffer.allocate((int) Math.min(t.bytes(), (long) chunkElements * width))
                        .order(ByteOrder.LITTLE_ENDIAN);
        long pos = dataStart + t.begin();
        int done = 0;
        while (done < n) {
            int count = (int) Math.min(chunkElements, n - done);
            buf.clear().limit(count * width);
            readFully(channel, buf, pos, what, file);
            buf.flip();
            switch (t.dtype()) {
                case "F32":
                    buf.asFloatBuffer().get(out, done, count);
                    break;
                case "F16":
                    for (int i = 0; i < count; i++) {
                        out[done + i] = halfToFloat(buf.getShort(2 * i));
                    }
                    break;
                case "BF16":
                    for (int i = 0; i < count; i++) {
                        out[done + i] = Float.intBitsToFloat(buf.getShort(2 * i) << 16);
                    }
                    break;
                case "F64":
                    for (int i = 0; i < count; i++) {
                        out[done + i] = (float) buf.getDouble(8 * i);
                    }
                    break;
                default:
                    throw bad(
                            what,
                            file,
                            "tensor "
                                    + BoundedText.quote(name)
                                    + " has dtype "
                                    + t.dtype()
                                    + ", expected a floating-point type (F32, F16, BF16, F64)");
            }
            pos += (long) count * width;
            done += count;
        }
        return out;
    }

    /**
     * Converts an IEEE 754 half-precision value to float.
     *
     * @param h the 16 bits
     * @return the value
     */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /**
     * Returns the bytes per element of a safetensors dtype.
     *
     * @param dtype the dtype as spelled in the header ({@code F32}, {@code BF16}, ...)
     * @return the width in bytes, or 0 if the dtype is unknown
     */
    public static int bytesPerElement(String dtype) {
        switch (dtype) {
            case "F64":
            case "I64":
            case "U64":
                return 8;
            case "F32":
            case "I32":
            case "U32":
                return 4;
            case "F16":
            case "BF16":
            case "I16":
            case "U16":
                return 2;
            case "I8":
            case "U8":
            case "BOOL":
            case "F8_E4M3":
            case "F8_E5M2":
                return 1;
            default:
                return 0;
        }
    }

    /**
     * Formats a shape as {@code (a, b, c)}.
     *
     * @param shape the dimensions
     * @return the text
     */
    public static String shapeString(long[] shape) {
        return Arrays.stream(shape)
                .mapToObj(Long::toString)
                .collect(Collectors.joining(", ", "(", ")"));
    }

    private static void readFully(
            FileChannel channel, ByteBuffer buffer, long position, String what, Path file)
            throws IOException {
        long p = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, p);
            if (n < 0) {
                throw new IOException(what + " " + file + ": unexpected end of file at byte " + p);
            }
            p += n;
        }
    }

    /**
     * Makes the exception for a malformed file.
     *
     * @param what what the file is
     * @param file the file
     * @param detail what is wrong (field, value, expectation)
     * @return the exception, its message at most about 2,000 characters
     */
    public static IllegalArgumentException bad(String what, Path file, String detail) {
        return new IllegalArgumentException(
                BoundedText.clip(
                        (what == null ? "" : what + " ")
                                + file
                                + " is not a valid safetensors file: "
                                + detail,
                        1_900));
    }
}
