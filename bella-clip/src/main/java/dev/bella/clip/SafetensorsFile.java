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
package dev.bella.clip;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a safetensors file tensor by tensor, converting F32, F16, BF16 and F64 to float32 in Java.
 *
 * <p>The format: an 8-byte little-endian header length, a UTF-8 JSON header mapping each name to
 * {@code dtype}, {@code shape} and {@code data_offsets} (relative to the end of the header), then
 * the raw little-endian data. DJL's {@code NDList.decode} reads the whole file into memory and
 * hands half-precision bytes to the engine (bfloat16 aborts the JVM with DJL 0.36), so it is not
 * used.
 */
public final class SafetensorsFile implements TensorSource {

    private static final long MAX_HEADER = 100L << 20;

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, Info> tensors;
    private final Map<String, long[]> offsets;
    private final Map<String, String> metadata;

    private SafetensorsFile(
            Path path,
            FileChannel channel,
            long dataStart,
            Map<String, Info> tensors,
            Map<String, long[]> offsets,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.offsets = offsets;
        this.metadata = metadata;
    }

    /**
     * Opens a file and parses its header; the data is read later, one tensor at a time.
     *
     * @param path the file
     * @return the open file, to be closed by the caller
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if the file is not a well-formed safetensors file
     */
    public static SafetensorsFile open(Path path) throws IOException {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
        try {
            long size = channel.size();
            if (size < 8) {
                throw bad(path, "the file has " + size + " bytes, fewer than the 8-byte header");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > size) {
                throw bad(
                        path,
                        "header length "
                                + headerLength
                                + " does not fit the file of "
                                + size
                                + " bytes");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            String json = new String(header.array(), StandardCharsets.UTF_8);
            JsonObject root;
            try {
                root = JsonParser.parseString(json).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw new IllegalArgumentException(
                        path + " is not a safetensors file: its header is not a JSON object", e);
            }
            long dataStart = 8 + headerLength;
            long dataSize = size - dataStart;
            Map<String, Info> tensors = new LinkedHashMap<>();
            Map<String, long[]> offsets = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : root.entrySet()) {
                if ("__metadata__".equals(e.getKey())) {
                    if (e.getValue().isJsonObject()) {
                        for (Map.Entry<String, JsonElement> m :
                                e.getValue().getAsJsonObject().entrySet()) {
                            if (m.getValue().isJsonPrimitive()) {
                                metadata.put(m.getKey(), m.getValue().getAsString());
                            }
                        }
                    }
                    continue;
                }
                String name = e.getKey();
                try {
                    JsonObject t = e.getValue().getAsJsonObject();
                    String dtype = t.get("dtype").getAsString();
                    long[] shape = longs(t.getAsJsonArray("shape"));
                    long[] range = longs(t.getAsJsonArray("data_offsets"));
                    Info info = new Info(dtype, shape, isFloat(dtype));
                    if (range.length != 2 || range[0] < 0 || range[1] < range[0]) {
                        throw bad(path, "tensor '" + name + "' has bad data_offsets");
                    }
                    if (range[1] > dataSize) {
                        throw bad(
                                path,
                                "tensor '"
                                        + name
                                        + "' ends at byte "
                                        + range[1]
                                        + " of the data, but the file holds "
                                        + dataSize
                                        + " data bytes (truncated?)");
                    }
                    int width = bytesPerElement(dtype);
                    if (width > 0 && range[1] - range[0] != info.size() * width) {
                        throw bad(
                                path,
                                "tensor '"
                                        + name
                                        + "' of dtype "
                                        + dtype
                                        + " and shape "
                                        + shapeString(shape)
                                        + " needs "
                                        + info.size() * width
                                        + " bytes but data_offsets span "
                                        + (range[1] - range[0]));
                    }
                    tensors.put(name, info);
                    offsets.put(name, range);
                } catch (NullPointerException
                        | ClassCastException
                        | IllegalStateException
                        | UnsupportedOperationException ex) {
                    throw new IllegalArgumentException(
                            path + ": malformed header entry for tensor '" + name + "'", ex);
                }
            }
            return new SafetensorsFile(
                    path,
                    channel,
                    dataStart,
                    Collections.unmodifiableMap(tensors),
                    offsets,
                    Collections.unmodifiableMap(metadata));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Returns whether a file starts like a safetensors file (a plausible length, then '{').
     *
     * @param head the first bytes of the file (at least 9 are needed for a {@code true} answer)
     * @param fileSize the file's size in bytes
     * @return whether the header length fits the file and the header starts a JSON object
     */
    public static boolean looksLike(byte[] head, long fileSize) {
        if (head.length < 9) {
            return false;
        }
        long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return n > 0 && 8 + n <= fileSize && head[8] == '{';
    }

    @Override
    public Map<String, Info> tensors() {
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

    @Override
    public float[] readFloats(String name) throws IOException {
        Info info = tensors.get(name);
        if (info == null) {
            throw new IllegalArgumentException(path + " holds no tensor '" + name + "'");
        }
        long[] range = offsets.get(name);
        long bytes = range[1] - range[0];
        if (bytes > Integer.MAX_VALUE) {
            throw bad(path, "tensor '" + name + "' is larger than 2 GB");
        }
        ByteBuffer data = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, data, dataStart + range[0]);
        data.flip();
        int n = Math.toIntExact(info.size());
        float[] out = new float[n];
        switch (info.dtype()) {
            case "F32":
                data.asFloatBuffer().get(out);
                break;
            case "F16":
                for (int i = 0; i < n; i++) {
                    out[i] = HalfFloats.halfToFloat(data.getShort(2 * i));
                }
                break;
            case "BF16":
                for (int i = 0; i < n; i++) {
                    out[i] = HalfFloats.bfloat16ToFloat(data.getShort(2 * i));
                }
                break;
            case "F64":
                for (int i = 0; i < n; i++) {
                    out[i] = (float) data.getDouble(8 * i);
                }
                break;
            default:
                throw new IllegalArgumentException(
                        path
                                + ": tensor '"
                                + name
                                + "' has dtype "
                                + info.dtype()
                                + "; only F32, F16, BF16 and F64 weights can be read");
        }
        return out;
    }

    @Override
    public String describe() {
        return path.toString();
    }

    @Override
    public void close() throws IOException {
        channel.close();
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
     * Returns whether {@link #readFloats} can convert this dtype.
     *
     * @param dtype the dtype as spelled in the header
     * @return true for F32, F16, BF16 and F64
     */
    public static boolean isFloat(String dtype) {
        return "F32".equals(dtype)
                || "F16".equals(dtype)
                || "BF16".equals(dtype)
                || "F64".equals(dtype);
    }

    private static long[] longs(JsonArray array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).getAsLong();
            if (out[i] < 0) {
                throw new IllegalStateException("negative value");
            }
        }
        return out;
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position)
            throws IOException {
        long p = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, p);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + p);
            }
            p += n;
        }
    }

    private static String shapeString(long[] shape) {
        return Arrays.stream(shape)
                .mapToObj(Long::toString)
                .collect(Collectors.joining(", ", "(", ")"));
    }

    private static IllegalArgumentException bad(Path path, String what) {
        return new IllegalArgumentException(path + " is not a valid safetensors file: " + what);
    }
}
