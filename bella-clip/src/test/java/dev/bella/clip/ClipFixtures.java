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

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The fixtures of tools/clip/make_fixtures.py, and a small safetensors writer for bad files. */
final class ClipFixtures {

    /** The tiny configuration of the fixtures. */
    static final ClipVisionConfig TINY =
            ClipVisionConfig.builder()
                    .optImageSize(32)
                    .optPatchSize(8)
                    .optWidth(64)
                    .optLayers(2)
                    .optHeads(4)
                    .optOutputDim(32)
                    .build();

    private ClipFixtures() {}

    static Path resource(String name) {
        try {
            return Path.of(ClipFixtures.class.getResource("/clip/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource clip/" + name, e);
        }
    }

    static JsonObject referenceJson() throws IOException {
        return new Gson().fromJson(Files.readString(resource("reference.json")), JsonObject.class);
    }

    /** A named float32 tensor. */
    record Tensor(long[] shape, float[] values) {
        NDArray toArray(NDManager manager) {
            return manager.create(values, new Shape(shape));
        }
    }

    /** Reads every float tensor of a safetensors file. */
    static Map<String, Tensor> read(Path file) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (Map.Entry<String, TensorSource.Info> e : f.tensors().entrySet()) {
                if (SafetensorsFile.isFloat(e.getValue().dtype())) {
                    out.put(e.getKey(), new Tensor(e.getValue().shape(), f.readFloats(e.getKey())));
                }
            }
        }
        return out;
    }

    /** Writes tensors as one dtype (F32, F16 or BF16). */
    static void write(Path file, Map<String, Tensor> tensors, String dtype) throws IOException {
        JsonObject header = new JsonObject();
        long offset = 0;
        int width = "F32".equals(dtype) ? 4 : 2;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            JsonObject t = new JsonObject();
            t.addProperty("dtype", dtype);
            com.google.gson.JsonArray shape = new com.google.gson.JsonArray();
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            t.add("shape", shape);
            com.google.gson.JsonArray range = new com.google.gson.JsonArray();
            range.add(offset);
            offset += (long) e.getValue().values().length * width;
            range.add(offset);
            t.add("data_offsets", range);
            header.add(e.getKey(), t);
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(
                    ByteBuffer.allocate(8)
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .putLong(json.length)
                            .array());
            out.write(json);
            for (Tensor t : tensors.values()) {
                ByteBuffer b =
                        ByteBuffer.allocate(t.values().length * width)
                                .order(ByteOrder.LITTLE_ENDIAN);
                for (float v : t.values()) {
                    if (width == 4) {
                        b.putFloat(v);
                    } else if ("BF16".equals(dtype)) {
                        b.putShort((short) (Float.floatToIntBits(v) >>> 16));
                    } else {
                        b.putShort(toHalf(v));
                    }
                }
                out.write(b.array());
            }
        }
    }

    /** float to IEEE half for values that are exactly representable (the fixtures'). */
    static short toHalf(float v) {
        int bits = Float.floatToIntBits(v);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xff) - 127 + 15;
        int mant = bits & 0x7fffff;
        if ((bits & 0x7fffffff) == 0) {
            return (short) sign;
        }
        if (exp <= 0) {
            throw new IllegalArgumentException("subnormal half not needed here: " + v);
        }
        return (short) (sign | (exp << 10) | (mant >>> 13));
    }

    static NDArray run(Block block, NDArray x) {
        return block.forward(new ParameterStore(x.getManager(), false), new NDList(x), false)
                .singletonOrThrow();
    }

    static double maxAbsDiff(NDArray a, float[] expected) {
        float[] v = a.toFloatArray();
        if (v.length != expected.length) {
            throw new AssertionError("length " + v.length + " != " + expected.length);
        }
        double max = 0;
        for (int i = 0; i < v.length; i++) {
            max = Math.max(max, Math.abs(v[i] - expected[i]));
        }
        return max;
    }
}
