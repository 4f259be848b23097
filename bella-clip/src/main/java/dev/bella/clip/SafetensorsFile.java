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

import dev.bella.metrics.io.SafetensorsHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a safetensors file tensor by tensor, converting F32, F16, BF16 and F64 to float32 in Java.
 *
 * <p>The header is parsed and validated by bella-core's {@link SafetensorsHeader}, the one
 * safetensors parser of the project (header length within the file, UTF-8 JSON, known dtypes,
 * shapes, exact 64-bit offsets within the data section, sizes, no overlaps), before any tensor is
 * read. DJL's {@code NDList.decode} reads the whole file into memory and hands half-precision bytes
 * to the engine (bfloat16 aborts the JVM with DJL 0.36), so it is not used.
 */
public final class SafetensorsFile implements TensorSource {

    private final Path path;
    private final FileChannel channel;
    private final SafetensorsHeader header;
    private final Map<String, Info> tensors;

    private SafetensorsFile(Path path, FileChannel channel, SafetensorsHeader header) {
        this.path = path;
        this.channel = channel;
        this.header = header;
        Map<String, Info> infos = new LinkedHashMap<>();
        for (SafetensorsHeader.Tensor t : header.tensors().values()) {
            infos.put(t.name(), new Info(t.dtype(), t.shape(), isFloat(t.dtype())));
        }
        this.tensors = Collections.unmodifiableMap(infos);
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
            return new SafetensorsFile(path, channel, SafetensorsHeader.read(channel, path, null));
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
        return n > 0 && n <= fileSize - 8 && head[8] == '{';
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
        return header.metadata();
    }

    @Override
    public float[] readFloats(String name) throws IOException {
        if (!tensors.containsKey(name)) {
            throw new IllegalArgumentException(path + " holds no tensor '" + name + "'");
        }
        return header.readFloats(channel, name);
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
        return SafetensorsHeader.bytesPerElement(dtype);
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
}
