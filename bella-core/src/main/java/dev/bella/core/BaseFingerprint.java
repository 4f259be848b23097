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
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Identifies a frozen base network: the name, shape, data type and SHA-256 of every frozen
 * parameter's values (in tree order; adapters and the per-particle copies of full-rank layers
 * excluded), and one SHA-256 over all of them.
 *
 * <p>Saved with the adapters so that loading them onto a different base fails clearly.
 *
 * @param parameters one entry per base parameter
 * @param sha256 the hash of all entries, hex
 */
public record BaseFingerprint(List<Entry> parameters, String sha256) {

    /**
     * One base parameter.
     *
     * @param name the parameter's path, e.g. {@code "transformer.resblocks.0.mlp.c_fc.weight"}
     * @param shape its shape
     * @param dtype its data type
     * @param sha256 the SHA-256 of its raw values, hex
     */
    public record Entry(String name, long[] shape, String dtype, String sha256) {
        /** Validates the entry and copies the shape. */
        public Entry {
            Objects.requireNonNull(name, "name");
            shape = shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry
                    && name.equals(((Entry) o).name)
                    && Arrays.equals(shape, ((Entry) o).shape)
                    && dtype.equals(((Entry) o).dtype)
                    && sha256.equals(((Entry) o).sha256);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, Arrays.hashCode(shape), dtype, sha256);
        }

        @Override
        public String toString() {
            return name + " " + Arrays.toString(shape) + " " + dtype;
        }
    }

    /** Makes the entry list unmodifiable. */
    public BaseFingerprint {
        parameters = Collections.unmodifiableList(new ArrayList<>(parameters));
    }

    /**
     * Computes the fingerprint of a wrapped tree's base parameters.
     *
     * @param tree a wrapped model tree (adapters are skipped)
     * @return the fingerprint
     */
    static BaseFingerprint of(Block tree) {
        List<Entry> entries = new ArrayList<>();
        MessageDigest all = newDigest();
        for (Map.Entry<String, Block> e : LayerPaths.walk(tree).entrySet()) {
            Block block = e.getValue();
            for (Parameter p : block.getDirectParameters().values()) {
                if (block instanceof ParticleLinear
                        && ((ParticleLinear) block).getParticleParameters().containsValue(p)) {
                    continue;
                }
                NDArray array = p.getArray();
                MessageDigest one = newDigest();
                ByteBuffer bytes = array.toByteBuffer();
                one.update(bytes);
                Entry entry =
                        new Entry(
                                e.getKey().isEmpty() ? p.getName() : e.getKey() + "." + p.getName(),
                                array.getShape().getShape(),
                                array.getDataType().toString(),
                                HexFormat.of().formatHex(one.digest()));
                entries.add(entry);
                all.update(
                        (entry.name()
                                        + Arrays.toString(entry.shape())
                                        + entry.dtype()
                                        + entry.sha256())
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return new BaseFingerprint(entries, HexFormat.of().formatHex(all.digest()));
    }

    /**
     * Lists how another fingerprint differs from this one (the expected one), one line per
     * parameter, at most {@code limit} lines.
     *
     * @param actual the fingerprint of the base being loaded onto
     * @param limit the maximum number of lines
     * @return the differences; empty if the fingerprints are equal
     */
    public List<String> differences(BaseFingerprint actual, int limit) {
        List<String> out = new ArrayList<>();
        Map<String, Entry> theirs = new java.util.LinkedHashMap<>();
        for (Entry e : actual.parameters) {
            theirs.put(e.name(), e);
        }
        for (Entry mine : parameters) {
            Entry other = theirs.remove(mine.name());
            if (other == null) {
                out.add("missing parameter " + mine);
            } else if (!Arrays.equals(mine.shape(), other.shape())
                    || !mine.dtype().equals(other.dtype())) {
                out.add(
                        "parameter "
                                + mine.name()
                                + ": expected "
                                + Arrays.toString(mine.shape())
                                + " "
                                + mine.dtype()
                                + ", found "
                                + Arrays.toString(other.shape())
                                + " "
                                + other.dtype());
            } else if (!mine.sha256().equals(other.sha256())) {
                out.add("parameter " + mine.name() + ": same shape, different values");
            }
        }
        for (Entry extra : theirs.values()) {
            out.add("unexpected parameter " + extra);
        }
        return out.size() > limit ? out.subList(0, limit) : out;
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}
