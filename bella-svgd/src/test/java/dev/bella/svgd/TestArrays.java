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
package dev.bella.svgd;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Test helpers: seeded random arrays, JSON fixtures, and comparisons with the values shown. */
final class TestArrays {

    private TestArrays() {}

    /**
     * Pins PyTorch to one intra-op thread for these tests (call from {@code @BeforeAll}, before the
     * engine starts). The tensors here are tiny; on a shared, loaded 2-core machine OpenMP barriers
     * made them 5-10x slower with the default thread count.
     */
    static void singleThreaded() {
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", "1");
        }
    }

    static NDArray normal(NDManager manager, Random rng, double std, long... shape) {
        Shape s = new Shape(shape);
        double[] v = new double[Math.toIntExact(s.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = std * rng.nextGaussian();
        }
        return manager.create(v, s);
    }

    static JsonObject fixture(String name) {
        try (InputStream in = TestArrays.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IllegalStateException(
                        "missing fixture " + name + "; run tools/svgd/make_fixtures.py");
            }
            try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                return JsonParser.parseReader(r).getAsJsonObject();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An array stored as {"shape": [...], "data": [...]} (float64). */
    static NDArray array(NDManager manager, JsonElement element) {
        JsonObject o = element.getAsJsonObject();
        JsonArray shapeJson = o.getAsJsonArray("shape");
        long[] shape = new long[shapeJson.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeJson.get(i).getAsLong();
        }
        JsonArray data = o.getAsJsonArray("data");
        double[] v = new double[data.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = data.get(i).getAsDouble();
        }
        return manager.create(v, new Shape(shape));
    }

    static double[] doubles(NDArray x) {
        return x.getDataType() == DataType.FLOAT64
                ? x.toDoubleArray()
                : x.toType(DataType.FLOAT64, true).toDoubleArray();
    }

    /** max |x - y| / max(max |y|, tiny): a relative error on the scale of the reference. */
    static double relativeError(NDArray actual, NDArray expected) {
        assertThat(actual.getShape()).isEqualTo(expected.getShape());
        double[] a = doubles(actual);
        double[] e = doubles(expected);
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - e[i]));
            scale = Math.max(scale, Math.abs(e[i]));
        }
        return diff / Math.max(scale, 1e-300);
    }

    static void assertClose(NDArray actual, NDArray expected, double relTol, String what) {
        double err = relativeError(actual, expected);
        assertThat(err).as(what + ": relative error " + err).isLessThanOrEqualTo(relTol);
    }
}
