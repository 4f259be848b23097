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
package dev.bella.metrics.npy;

/** The element types of {@code .npy} files that {@link Npy} reads and writes. */
public enum NpyType {
    /** {@code bool}, one byte, 0 or 1 ({@code |b1}). */
    BOOL('b', 1),
    /** {@code int8} ({@code |i1}). */
    INT8('i', 1),
    /** {@code uint8} ({@code |u1}). */
    UINT8('u', 1),
    /** {@code int16} ({@code <i2} or {@code >i2}). */
    INT16('i', 2),
    /** {@code uint16}. */
    UINT16('u', 2),
    /** {@code int32}. */
    INT32('i', 4),
    /** {@code uint32}. */
    UINT32('u', 4),
    /** {@code int64}. */
    INT64('i', 8),
    /** {@code float32}. */
    FLOAT32('f', 4),
    /** {@code float64}. */
    FLOAT64('f', 8);

    private final char kind;
    private final int size;

    NpyType(char kind, int size) {
        this.kind = kind;
        this.size = size;
    }

    /**
     * The size of one element in bytes.
     *
     * @return the size
     */
    public int size() {
        return size;
    }

    /**
     * Whether the type holds integers (or booleans).
     *
     * @return {@code true} for every type but float32 and float64
     */
    public boolean isInteger() {
        return kind != 'f';
    }

    /** The type of a NumPy kind character and size, or null. */
    static NpyType of(char kind, int size) {
        for (NpyType t : values()) {
            if (t.kind == kind && t.size == size) {
                return t;
            }
        }
        return null;
    }

    /** The descr string with the given byte order character. */
    String descr(char order) {
        return (size == 1 ? '|' : order) + String.valueOf(kind) + size;
    }
}
