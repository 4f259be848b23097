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

/**
 * A read-only view of N images stored row-major in one {@code float[]} in the layout {@code (N, C,
 * H, W)}, values in {@code [0, 1]}: image {@code i}, channel {@code ch}, row {@code y}, column
 * {@code x} is {@code pixels[((i * C + ch) * H + y) * W + x]}. A grayscale batch has {@code C = 1}.
 *
 * <p>The array is not copied: the view reads the caller's array, so it sees later writes to it.
 * Nothing in this package writes to it. Immutable (as far as the array is not changed) and
 * thread-safe.
 */
public final class ImageBatch {

    private final float[] pixels;
    private final int count;
    private final int channels;
    private final int height;
    private final int width;

    private ImageBatch(float[] pixels, int count, int channels, int height, int width) {
        this.pixels = pixels;
        this.count = count;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    /**
     * A view of {@code count} images of {@code channels x height x width} values.
     *
     * @param pixels {@code count * channels * height * width} values, layout {@code (N, C, H, W)}
     * @param count N, at least 0
     * @param channels C, at least 1
     * @param height H, at least 1
     * @param width W, at least 1
     * @return the view
     * @throws IllegalArgumentException if {@code pixels} is null, a size is out of range, or the
     *     length is not the product of the sizes
     */
    public static ImageBatch of(float[] pixels, int count, int channels, int height, int width) {
        if (pixels == null) {
            throw new IllegalArgumentException("pixels must not be null");
        }
        if (count < 0 || channels < 1) {
            throw new IllegalArgumentException(
                    "count = "
                            + count
                            + " must be >= 0 and channels = "
                            + channels
                            + " must be >= 1");
        }
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException(
                    "images must be at least 1 x 1 pixels, got height = "
                            + height
                            + ", width = "
                            + width);
        }
        long size = (long) count * channels * height * width;
        if (size != pixels.length) {
            throw new IllegalArgumentException(
                    "pixels.length = "
                            + pixels.length
                            + " is not count * channels * height * width = "
                            + count
                            + " * "
                            + channels
                            + " * "
                            + height
                            + " * "
                            + width);
        }
        return new ImageBatch(pixels, count, channels, height, width);
    }

    /**
     * The number of images N.
     *
     * @return N
     */
    public int count() {
        return count;
    }

    /**
     * The number of channels C.
     *
     * @return C
     */
    public int channels() {
        return channels;
    }

    /**
     * The height H in pixels.
     *
     * @return H
     */
    public int height() {
        return height;
    }

    /**
     * The width W in pixels.
     *
     * @return W
     */
    public int width() {
        return width;
    }

    /**
     * The number of values, {@code N * C * H * W}.
     *
     * @return the size
     */
    public int size() {
        return pixels.length;
    }

    /** The backing array, for this package's kernels (which write only to their own copies). */
    float[] data() {
        return pixels;
    }

    /** The same layout over another array of the same size. */
    ImageBatch over(float[] data) {
        return new ImageBatch(data, count, channels, height, width);
    }

    int plane() {
        return height * width;
    }

    int image() {
        return channels * height * width;
    }

    @Override
    public String toString() {
        return "ImageBatch[" + count + " x " + channels + " x " + height + " x " + width + "]";
    }
}
