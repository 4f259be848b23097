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

import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the trainer takes from a dataset's own {@link Sampler}: its batch size. The trainer draws
 * its own seeded batches (so that a run is reproducible and resumable), so the rest of a sampler
 * cannot be honoured; this class refuses what would otherwise be silently ignored.
 *
 * <p>DJL keeps a {@link RandomAccessDataset}'s sampler in a protected field without a getter (the
 * builder requires one, so every dataset has it); it is read reflectively. Where that is not
 * allowed (a module system that does not open DJL's package), the dataset's sampler is unknown and
 * the trainer's own batch size is used, as before.
 */
final class DatasetBatches {

    private static final Logger logger = LoggerFactory.getLogger(DatasetBatches.class);

    private static final Field SAMPLER = field(RandomAccessDataset.class, "sampler");
    private static final Field DROP_LAST = field(BatchSampler.class, "dropLast");

    private DatasetBatches() {}

    private static Field field(Class<?> owner, String name) {
        try {
            Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            logger.debug("cannot read {}.{}: {}", owner.getName(), name, e.toString());
            return null;
        }
    }

    /**
     * Returns the sampler a dataset was built with, or {@code null} if it cannot be read.
     *
     * @param dataset the dataset
     * @return its sampler, or {@code null}
     */
    static Sampler samplerOf(RandomAccessDataset dataset) {
        if (SAMPLER == null) {
            return null;
        }
        try {
            return (Sampler) SAMPLER.get(dataset);
        } catch (IllegalAccessException | RuntimeException e) {
            logger.debug("cannot read the sampler of {}: {}", dataset, e.toString());
            return null;
        }
    }

    /**
     * Returns the batch size to draw the dataset in: the dataset's own ({@link
     * BatchSampler#getBatchSize}) when {@code requested} is {@code null}, else {@code requested},
     * which must then equal the dataset's.
     *
     * @param dataset the dataset
     * @param role what the dataset is, for messages: "training" or "validation"
     * @param requested the trainer's {@code optBatchSize}, or {@code null} if not set
     * @param fallback used when neither is known (the dataset's sampler cannot be read)
     * @return the batch size, positive
     * @throws IllegalArgumentException if the dataset's sampler is not a {@link BatchSampler},
     *     drops the last incomplete batch, or has another batch size than {@code requested}
     */
    static int batchSize(
            RandomAccessDataset dataset, String role, Integer requested, int fallback) {
        Sampler sampler = samplerOf(dataset);
        if (sampler == null) {
            int size = requested != null ? requested : fallback;
            logger.warn(
                    "cannot read the sampler the {} dataset was built with (DJL's"
                            + " RandomAccessDataset.sampler is not open to reflection; open"
                            + " ai.djl.training.dataset to dev.bella.core.train); drawing batches"
                            + " of {} whatever its batch size",
                    role,
                    size);
            return size;
        }
        if (!(sampler instanceof BatchSampler)) {
            throw new IllegalArgumentException(
                    "the "
                            + role
                            + " dataset was built with a custom sampler ("
                            + sampler.getClass().getName()
                            + "), which the trainer cannot honour: it draws its own seeded,"
                            + " resumable batches (a shuffle of the whole set every epoch from"
                            + " optSeed and the epoch number). Build the dataset with"
                            + " setSampling(batchSize, false) instead (its batch size is used,"
                            + " the order is the trainer's)");
        }
        if (dropsLast((BatchSampler) sampler)) {
            throw new IllegalArgumentException(
                    "the "
                            + role
                            + " dataset drops its last incomplete batch (setSampling(batchSize,"
                            + " random, true)), which the trainer cannot honour: it draws its own"
                            + " batches and uses every example every epoch, the last batch"
                            + " smaller. Build the dataset with setSampling(batchSize, false)");
        }
        int own = sampler.getBatchSize();
        if (own <= 0) {
            throw new IllegalArgumentException(
                    "the " + role + " dataset's sampler has batch size " + own + "; expected > 0");
        }
        if (requested != null && requested != own) {
            throw new IllegalArgumentException(
                    "the "
                            + role
                            + " dataset is sampled in batches of "
                            + own
                            + " but the trainer was given optBatchSize("
                            + requested
                            + "): drop optBatchSize to train in the dataset's batches of "
                            + own
                            + ", or build the dataset with setSampling("
                            + requested
                            + ", false)");
        }
        return own;
    }

    private static boolean dropsLast(BatchSampler sampler) {
        if (DROP_LAST == null) {
            return false;
        }
        try {
            return DROP_LAST.getBoolean(sampler);
        } catch (IllegalAccessException | RuntimeException e) {
            return false;
        }
    }
}
