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

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The frozen factors of a B-LoRA-XS layer, \( A = U_r \operatorname{diag}(s_r) \) {@code (d_in, r)}
 * and \( B = V_r^\top \) {@code (r, d_out)}, from the {@link TruncatedSvd} of \( W_0 \) in SPEC
 * §1's orientation ({@code d_in x d_out}, the transpose of DJL's {@code (d_out, d_in)} weight),
 * cached by the SHA-256 of the weight's float32 values and the rank (at most {@value #CAPACITY}
 * entries, least recently used out), so that the SVD runs once per base weight in a JVM.
 */
final class CoreFactors {

    static final int CAPACITY = 256;

    private static final Map<String, float[][]> CACHE =
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, float[][]> eldest) {
                    return size() > CAPACITY;
                }
            };

    private CoreFactors() {}

    /**
     * Returns {@code {A, B}} row-major for a DJL weight {@code (d_out, d_in)}.
     *
     * @param weight the frozen weight
     * @param rank \( r \)
     * @return A {@code (d_in, r)} and B {@code (r, d_out)}, shared: do not modify
     */
    static float[][] of(NDArray weight, int rank) {
        int out = Math.toIntExact(weight.getShape().get(0));
        int in = Math.toIntExact(weight.getShape().get(1));
        float[] wt = weight.toType(DataType.FLOAT32, false).toFloatArray(); // (d_out, d_in)
        String key = sha256(wt) + "/" + out + "x" + in + "/r" + rank;
        synchronized (CACHE) {
            float[][] hit = CACHE.get(key);
            if (hit != null) {
                return hit;
            }
        }
        // W0 = W^T (d_in x d_out) = U S V^T, so W = V S U^T: the SVD of DJL's (d_out, d_in)
        // weight has W0's V as its left and W0's U as its right singular vectors.
        TruncatedSvd svd = TruncatedSvd.of(wt, out, in, rank);
        float[] a = new float[in * rank];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < rank; j++) {
                a[i * rank + j] = (float) (svd.v()[i * rank + j] * svd.s()[j]);
            }
        }
        float[] b = new float[rank * out];
        for (int j = 0; j < rank; j++) {
            for (int o = 0; o < out; o++) {
                b[j * out + o] = (float) svd.u()[o * rank + j];
            }
        }
        float[][] factors = {a, b};
        synchronized (CACHE) {
            CACHE.put(key, factors);
        }
        return factors;
    }

    private static String sha256(float[] values) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                if (buf.remaining() < 4) {
                    buf.flip();
                    md.update(buf);
                    buf.clear();
                }
                buf.putFloat(v);
            }
            buf.flip();
            md.update(buf);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
