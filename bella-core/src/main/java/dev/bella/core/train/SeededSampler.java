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
package dev.bella.core.train;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import dev.bella.core.Seeds;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * Batches of a random permutation drawn from a seed (Fisher–Yates), so a data order is fully
 * determined by the seed and independent of the engine's random state. The last batch may be
 * smaller.
 */
final class SeededSampler implements Sampler {

    private final int batchSize;
    private final long seed;
    private final boolean shuffle;

    SeededSampler(int batchSize, long seed, boolean shuffle) {
        this.batchSize = batchSize;
        this.seed = seed;
        this.shuffle = shuffle;
    }

    static long[] permutation(long size, long seed) {
        long[] order = new long[Math.toIntExact(size)];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom rng = Seeds.stream(seed);
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            long t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    @Override
    public Iterator<List<Long>> sample(RandomAccessDataset dataset) {
        long size = dataset.size();
        long[] order;
        if (shuffle) {
            order = permutation(size, seed);
        } else {
            order = new long[Math.toIntExact(size)];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
        }
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < order.length;
            }

            @Override
            public List<Long> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int end = Math.min(order.length, next + batchSize);
                List<Long> batch = new ArrayList<>(end - next);
                for (int i = next; i < end; i++) {
                    batch.add(order[i]);
                }
                next = end;
                return batch;
            }
        };
    }

    @Override
    public int getBatchSize() {
        return batchSize;
    }
}
