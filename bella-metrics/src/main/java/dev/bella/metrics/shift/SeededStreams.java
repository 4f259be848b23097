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
package dev.bella.metrics.shift;

import java.util.SplittableRandom;

/**
 * Independent, reproducible random streams derived from one seed and a list of integer tags, mixed
 * with SplitMix64's finaliser. The same derivation as bella-core's {@code dev.bella.core.Seeds},
 * repeated here so that this module stays free of bella-core: a seed gives the same corruptions
 * whichever module draws them.
 */
final class SeededStreams {

    private SeededStreams() {}

    /** A well-mixed 64-bit seed from a root seed and tags. */
    static long derive(long seed, long... tags) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L);
        for (long t : tags) {
            h = mix(h + 0x9E3779B97F4A7C15L * (t + 1));
        }
        return h;
    }

    /** A new random stream for the seed and tags. */
    static SplittableRandom stream(long seed, long... tags) {
        return new SplittableRandom(derive(seed, tags));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
