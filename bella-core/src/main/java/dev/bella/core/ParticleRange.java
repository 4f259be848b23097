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
import ai.djl.ndarray.index.NDIndex;
import java.util.function.Supplier;

/**
 * The range of particles a forward pass on the current thread runs, shared by a {@link
 * ParticleBlock} and its adapted layers. Unset, a forward runs all particles; {@link
 * ParticleBlock#forwardRange} sets it for the duration of one call. Thread-local, so a ranged
 * forward on one thread does not change what another thread's forward computes.
 */
final class ParticleRange {

    private final ThreadLocal<int[]> current = new ThreadLocal<>();

    /** A range no forward ever sets: its layers always run all particles. */
    static final ParticleRange ALL = new ParticleRange();

    /** Returns how many of {@code particles} the running forward on this thread runs. */
    int count(int particles) {
        int[] r = current.get();
        return r == null ? particles : r[1] - r[0];
    }

    /**
     * Rows {@code from..to-1} of a per-particle parameter for the running ranged forward, in {@code
     * like}'s manager (DJL would put the view in the parameter's manager, where it would outlive
     * the forward pass); the whole parameter, or {@code null}, outside a ranged forward.
     */
    NDArray slice(NDArray parameter, NDArray like) {
        int[] r = current.get();
        if (r == null || parameter == null) {
            return parameter;
        }
        NDArray view = parameter.get(new NDIndex("{}:{}", r[0], r[1]));
        view.attach(like.getManager());
        return view;
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
