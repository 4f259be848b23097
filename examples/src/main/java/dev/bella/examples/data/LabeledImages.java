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
package dev.bella.examples.data;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
import dev.bella.core.Seeds;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Images as rows of floats in [0, 1] with integer labels, in memory.
 *
 * @param pixels one row per image, {@code height * width} values in [0, 1]
 * @param labels one label per image, in {@code [0, classes)}
 * @param height image height
 * @param width image width
 * @param classes number of classes
 */
public record LabeledImages(float[][] pixels, int[] labels, int height, int width, int classes) {

    /** Validates the shapes and labels. */
    public LabeledImages {
        if (pixels.length != labels.length) {
            throw new IllegalArgumentException(
                    "pixels and labels must have the same length, pixels.length = "
                            + pixels.length
                            + ", labels.length = "
                            + labels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (pixels[i].length != height * width) {
                throw new IllegalArgumentException(
                        "image "
                                + i
                                + " has "
                                + pixels[i].length
                                + " pixels, expected "
                                + height * width);
            }
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException(
                        "label " + i + " is " + labels[i] + ", expected [0, " + classes + ")");
            }
        }
    }

    /**
     * Returns the number of images.
     *
     * @return the size
     */
    public int size() {
        return labels.length;
    }

    /**
     * Returns the images at the given indices.
     *
     * @param indices the rows to keep
     * @return a new set
     */
    public LabeledImages subset(int[] indices) {
        float[][] p = new float[indices.length][];
        int[] l = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            p[i] = pixels[indices[i]];
            l[i] = labels[indices[i]];
        }
        return new LabeledImages(p, l, height, width, classes);
    }

    /**
     * Returns the images whose label is below {@code classes}, as a set of that many classes
     * (labels unchanged), for example digits 0..7 as an 8-class task.
     *
     * @param classes the number of classes to keep, in {@code [1, classes()]}
     * @return a new set
     */
    public LabeledImages firstClasses(int classes) {
        if (classes < 1 || classes > this.classes) {
            throw new IllegalArgumentException(
                    "classes must be in [1, " + this.classes + "], classes = " + classes);
        }
        int[] keep =
                java.util.stream.IntStream.range(0, size())
                        .filter(i -> labels[i] < classes)
                        .toArray();
        LabeledImages s = subset(keep);
        return new LabeledImages(s.pixels, s.labels, height, width, classes);
    }

    /**
     * Returns the images whose label is at least {@code from}.
     *
     * @param from the first label to keep
     * @return a new set with the same number of classes
     */
    public LabeledImages classesFrom(int from) {
        return subset(
                java.util.stream.IntStream.range(0, size())
                        .filter(i -> labels[i] >= from)
                        .toArray());
    }

    /**
     * Returns a seeded random permutation of the row indices.
     *
     * @param seed the seed
     * @return the permutation
     */
    public int[] shuffledIndices(long seed) {
        int[] idx = new int[size()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        SplittableRandom rng = Seeds.stream(seed, 0x5EED);
        for (int i = idx.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        return idx;
    }

    /**
     * Splits the rows at seeded random into consecutive parts of the given fractions.
     *
     * @param seed the seed
     * @param fractions the parts' fractions, summing to at most 1
     * @return one set per fraction
     */
    public LabeledImages[] split(long seed, double... fractions) {
        int[] idx = shuffledIndices(seed);
        LabeledImages[] out = new LabeledImages[fractions.length];
        int from = 0;
        for (int k = 0; k < fractions.length; k++) {
            int to =
                    k == fractions.length - 1 && Math.abs(Arrays.stream(fractions).sum() - 1) < 1e-9
                            ? idx.length
                            : Math.min(
                                    idx.length, from + (int) Math.round(fractions[k] * idx.length));
            out[k] = subset(Arrays.copyOfRange(idx, from, to));
            from = to;
        }
        return out;
    }

    /**
     * Flattens the images into a {@code (N, height * width)} float array.
     *
     * @return the row-major pixels
     */
    public float[] flatPixels() {
        int d = height * width;
        float[] out = new float[size() * d];
        for (int i = 0; i < size(); i++) {
            System.arraycopy(pixels[i], 0, out, i * d, d);
        }
        return out;
    }

    /**
     * Makes a DJL data set: data {@code (N, height * width)} float32, labels {@code (N)} float32.
     *
     * @param manager owns the arrays
     * @param batchSize the data set's batch size, the one a {@code ParticleTrainer} trains in (its
     *     {@code optBatchSize}, if set, must be the same)
     * @return the data set
     */
    public ArrayDataset toDataset(NDManager manager, int batchSize) {
        float[] l = new float[size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = labels[i];
        }
        return new ArrayDataset.Builder()
                .setData(manager.create(flatPixels(), new Shape(size(), (long) height * width)))
                .optLabels(manager.create(l, new Shape(size())))
                .setSampling(batchSize, false)
                .build();
    }
}
