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

import java.util.SplittableRandom;

/**
 * Derives independent, reproducible random streams from one seed.
 *
 * <p>A stream is identified by the seed and a list of integer tags (for example particle index and
 * layer index), mixed with SplitMix64's finaliser, so adding a layer or a particle never changes
 * the streams of the others.
 */
public final class Seeds {

    private Seeds() {}

    /**
     * Mixes a seed and tags into a new seed.
     *
     * @param seed the root seed
     * @param tags the stream's identifying integers
     * @return a well-mixed 64-bit seed
     */
    public static long derive(long seed, long... tags) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        for (long t : tags) {
            h = mix(h + 0x9E3779B97F4A7C15L * (t + 1));
        }
        return h;
    }

    /**
     * Returns a random stream for the given seed and tags.
     *
     * @param seed the root seed
     * @param tags the stream's identifying integers
     * @return a new stream
     */
    public static SplittableRandom stream(long seed, long... tags) {
        return new SplittableRandom(derive(seed, tags));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
