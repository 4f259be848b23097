package dev.bella.core;

import java.util.function.Supplier;

/**
 * The range of particles a forward pass on the current thread runs, shared by a {@link
 * ParticleBlock} and its adapted layers. Unset, a forward runs all particles; {@link
 * ParticleBlock#forwardRange} sets it for the duration of one call. Thread-local, so a ranged
 * forward on one thread does not change what another thread's forward computes.
 */
final class ParticleRange {

    private final ThreadLocal<int[]> current = new ThreadLocal<>();

    /** Returns {@code {from, to}} of the running ranged forward, or {@code null} for all. */
    int[] get() {
        return current.get();
    }

    /** Runs {@code body} with particles {@code [from, to)} only. */
    <T> T with(int from, int to, Supplier<T> body) {
        int[] outer = current.get();
        current.set(new int[] {from, to});
        try {
            return body.get();
        } finally {
            if (outer == null) {
                current.remove();
            } else {
                current.set(outer);
            }
        }
    }
}
