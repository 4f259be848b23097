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
