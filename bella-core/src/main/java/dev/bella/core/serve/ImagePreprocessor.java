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
package dev.bella.core.serve;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;

/**
 * Turns a DJL {@link Image} into one model input, without the batch axis. CLIP posteriors use
 * {@code dev.bella.clip.ClipPreprocessor} (resize, centre crop, CLIP's normalisation); {@link
 * #tensor} covers the usual resize-and-normalise; any function of the image will do. Used by {@link
 * UncertaintyPredictor#predict(Image)} and {@link PosteriorTranslator}, and named by class in a
 * model directory's {@code serving.properties} ({@code imagePreprocessor=}, a class with a public
 * no-argument constructor).
 */
@FunctionalInterface
public interface ImagePreprocessor {

    /**
     * Preprocesses one image.
     *
     * @param image the image
     * @param manager where the result is created
     * @return one input, whose size is that of the model's input shape (it is reshaped to it)
     */
    NDArray preprocess(Image image, NDManager manager);

    /**
     * Resizes to {@code width x height} (bilinear), scales the pixels to [0, 1], channels first,
     * then normalises: {@code (x - mean[c]) / std[c]}.
     *
     * @param width the width in pixels
     * @param height the height in pixels
     * @param grayscale {@code true} for one channel, {@code false} for RGB
     * @param mean per channel (1 or 3 values)
     * @param std per channel, positive
     * @return the preprocessor; its output is {@code (channels, height, width)}
     */
    static ImagePreprocessor tensor(
            int width, int height, boolean grayscale, float[] mean, float[] std) {
        int channels = grayscale ? 1 : 3;
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException(
                    "width and height must be positive, got " + width + " x " + height);
        }
        if (mean == null || std == null || mean.length != channels || std.length != channels) {
            throw new IllegalArgumentException(
                    "mean and std need "
                            + channels
                            + " value(s) each, got "
                            + Arrays.toString(mean)
                            + " and "
                            + Arrays.toString(std));
        }
        for (float s : std) {
            if (!(s > 0) || !Float.isFinite(s)) {
                throw new IllegalArgumentException(
                        "std must be positive and finite, got " + Arrays.toString(std));
            }
        }
        float[] m = mean.clone();
        float[] s = std.clone();
        Image.Flag flag = grayscale ? Image.Flag.GRAYSCALE : Image.Flag.COLOR;
        return (image, manager) -> {
            NDArray hwc = image.toNDArray(manager, flag);
            NDArray resized = NDImageUtils.resize(hwc, width, height, Image.Interpolation.BILINEAR);
            NDArray chw = NDImageUtils.toTensor(resized);
            ai.djl.ndarray.types.Shape perChannel = new ai.djl.ndarray.types.Shape(channels, 1, 1);
            return chw.sub(manager.create(m, perChannel)).div(manager.create(s, perChannel));
        };
    }
}
