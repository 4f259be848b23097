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
package dev.bella.clip;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Transform;
import dev.bella.core.serve.ImagePreprocessor;
import java.util.List;
import java.util.Objects;

/**
 * CLIP's image preprocessing (OpenAI's {@code clip.load(...)[1]}): resize the shorter side to
 * {@code S} with bicubic interpolation, center crop {@code S x S}, scale to [0, 1], normalise with
 * CLIP's mean and standard deviation. Output {@code (3, S, S)} float32, {@code S = 224} for
 * ViT-B/32.
 *
 * <p>Images come through DJL's image API ({@link Image}, e.g. {@code
 * ImageFactory.getInstance().fromFile(path)}) or as {@code (H, W, 3)} RGB arrays ({@link
 * #transform}, so this is a DJL {@link Transform} usable in a {@code Pipeline}).
 *
 * <p>Geometry follows torchvision on a PIL image, as CLIP does: the longer side becomes {@code
 * int(S * long / short)}, the crop starts at {@code round((size - S) / 2)} with Python's
 * round-half-to-even. Resampling:
 *
 * <ul>
 *   <li>{@link Resampling#PIL_BICUBIC} (default): Pillow's bicubic resampling ({@code a = -0.5},
 *       support widened by the downscale factor, i.e. antialiased; 22-bit fixed-point coefficients;
 *       horizontal then vertical pass, each rounded to 8 bits), reimplemented in Java. It
 *       reproduces CLIP's own preprocessing pixel for pixel (tested against Pillow 9.4).
 *   <li>{@link Resampling#ENGINE_BICUBIC}: DJL's {@code NDImageUtils.resize} with {@code
 *       Image.Interpolation.BICUBIC}, i.e. the engine's bicubic ({@code a = -0.75}, no
 *       antialiasing), clamped to [0, 255]. Faster on large images, but it differs from CLIP's
 *       preprocessing when downscaling (tens of grey levels on detailed images).
 * </ul>
 */
public final class ClipPreprocessor implements Transform, ImagePreprocessor {

    /** How pixels are interpolated when resizing. */
    public enum Resampling {
        /** Pillow's antialiased bicubic, as CLIP's own preprocessing (default). */
        PIL_BICUBIC,
        /** The engine's bicubic through DJL's {@code NDImageUtils.resize}, not antialiased. */
        ENGINE_BICUBIC
    }

    private static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};
    private static final int PRECISION_BITS = 22;

    private final int size;
    private final Resampling resampling;
    private final float[] mean;
    private final float[] std;

    private ClipPreprocessor(Builder b) {
        this.size = b.size;
        this.resampling = b.resampling;
        this.mean = b.mean.clone();
        this.std = b.std.clone();
    }

    /**
     * Returns CLIP's preprocessing for 224 x 224 inputs (ViT-B/32) with Pillow-compatible
     * resampling.
     *
     * @return the preprocessor
     */
    public static ClipPreprocessor create() {
        return builder().build();
    }

    /**
     * Returns CLIP's preprocessing for a tower's input size.
     *
     * @param config the tower's configuration
     * @return the preprocessor
     */
    public static ClipPreprocessor forConfig(ClipVisionConfig config) {
        return builder().optImageSize(config.getImageSize()).build();
    }

    /**
     * Creates a builder with CLIP's values (224, Pillow bicubic, CLIP mean/std).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns CLIP's per-channel pixel mean (RGB).
     *
     * @return a copy of {@code (0.48145466, 0.4578275, 0.40821073)}
     */
    public static float[] clipMean() {
        return CLIP_MEAN.clone();
    }

    /**
     * Returns CLIP's per-channel pixel standard deviation (RGB).
     *
     * @return a copy of {@code (0.26862954, 0.26130258, 0.27577711)}
     */
    public static float[] clipStd() {
        return CLIP_STD.clone();
    }

    /**
     * Preprocesses one image.
     *
     * @param image any DJL image (alpha is dropped, grey is replicated to RGB)
     * @param manager the manager of the result
     * @return {@code (3, S, S)} float32
     */
    public NDArray preprocess(Image image, NDManager manager) {
        Objects.requireNonNull(image, "image");
        try (NDManager scope = manager.newSubManager()) {
            NDArray hwc = image.toNDArray(scope, Image.Flag.COLOR);
            NDArray out = transform(hwc);
            out.attach(manager);
            return out;
        }
    }

    /**
     * Preprocesses a batch of images.
     *
     * @param images at least one image
     * @param manager the manager of the result
     * @return {@code (batch, 3, S, S)} float32
     */
    public NDArray preprocess(List<Image> images, NDManager manager) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no image to preprocess");
        }
        try (NDManager scope = manager.newSubManager()) {
            NDList each = new NDList(images.size());
            for (Image image : images) {
                each.add(preprocess(image, scope));
            }
            NDArray out = NDArrays.stack(each);
            out.attach(manager);
            return out;
        }
    }

    /**
     * Preprocesses an {@code (H, W, 3)} RGB image array with values in [0, 255] (uint8, as DJL's
     * {@code Image.toNDArray} gives, or float).
     *
     * @param array {@code (H, W, 3)}
     * @return {@code (3, S, S)} float32, attached to the input's manager
     */
    @Override
    public NDArray transform(NDArray array) {
        Shape s = array.getShape();
        if (s.dimension() != 3 || s.get(2) != 3 || s.get(0) < 1 || s.get(1) < 1) {
            throw new IllegalArgumentException(
                    "expected an RGB image (height, width, 3) but got shape " + s);
        }
        int h = Math.toIntExact(s.get(0));
        int w = Math.toIntExact(s.get(1));
        int[] resized = resizedSize(w, h, size);
        int nw = resized[0];
        int nh = resized[1];
        int left = cropOffset(nw, size);
        int top = cropOffset(nh, size);
        if (resampling == Resampling.ENGINE_BICUBIC) {
            return engineTransform(array, nw, nh, left, top);
        }
        int[] pixels = pixels(array);
        int[] out = resizePil(pixels, w, h, 3, nw, nh);
        float[] chw = new float[3 * size * size];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    float v = out[((y + top) * nw + x + left) * 3 + c];
                    chw[(c * size + y) * size + x] = (v / 255f - mean[c]) / std[c];
                }
            }
        }
        return array.getManager().create(chw, new Shape(3, size, size));
    }

    private NDArray engineTransform(NDArray array, int nw, int nh, int left, int top) {
        NDManager manager = array.getManager();
        try (NDManager scope = manager.newSubManager()) {
            NDArray f = array.toType(DataType.FLOAT32, true);
            f.attach(scope);
            NDArray resized =
                    f.getShape().get(1) == nw && f.getShape().get(0) == nh
                            ? f
                            : NDImageUtils.resize(f, nw, nh, Image.Interpolation.BICUBIC);
            NDArray crop =
                    resized.clip(0, 255)
                            .round()
                            .get(
                                    new NDIndex(
                                            "{}:{}, {}:{}, :", top, top + size, left, left + size));
            NDArray m = scope.create(mean, new Shape(3, 1, 1));
            NDArray sd = scope.create(std, new Shape(3, 1, 1));
            NDArray out = crop.transpose(2, 0, 1).div(255f).sub(m).div(sd);
            out.attach(manager);
            return out;
        }
    }

    /**
     * Returns the size after resizing the shorter side to {@code size} as torchvision does: {@code
     * (size, int(size * h / w))} if {@code w <= h}, else {@code (int(size * w / h), size)}.
     *
     * @param width the image width
     * @param height the image height
     * @param size the target of the shorter side
     * @return {@code {newWidth, newHeight}}
     */
    public static int[] resizedSize(int width, int height, int size) {
        if (width <= height) {
            return new int[] {size, (int) ((double) size * height / width)};
        }
        return new int[] {(int) ((double) size * width / height), size};
    }

    /**
     * Returns torchvision's center-crop offset, {@code int(round((length - size) / 2.0))} with
     * round-half-to-even.
     *
     * @param length the side being cropped
     * @param size the crop side
     * @return the offset of the crop
     */
    public static int cropOffset(int length, int size) {
        return (int) Math.rint((length - size) / 2.0);
    }

    private static int[] pixels(NDArray array) {
        int n = Math.toIntExact(array.size());
        int[] out = new int[n];
        if (array.getDataType() == DataType.UINT8) {
            byte[] b = array.toByteArray();
            for (int i = 0; i < n; i++) {
                out[i] = b[i] & 0xff;
            }
            return out;
        }
        try (NDArray f = array.toType(DataType.FLOAT32, false)) {
            float[] v = f.toFloatArray();
            for (int i = 0; i < n; i++) {
                out[i] = Math.max(0, Math.min(255, Math.round(v[i])));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ Pillow's resampling

    /**
     * Resizes interleaved 8-bit pixels with Pillow's bicubic filter ({@code Image.resize(...,
     * BICUBIC)} of Pillow 9: {@code libImaging/Resample.c}).
     *
     * @param src {@code h * w * channels} values in [0, 255], row-major, channels interleaved
     * @param w source width
     * @param h source height
     * @param channels channels per pixel
     * @param nw target width
     * @param nh target height
     * @return {@code nh * nw * channels} values in [0, 255]
     */
    static int[] resizePil(int[] src, int w, int h, int channels, int nw, int nh) {
        int[] cur = src;
        if (nw != w) {
            Coefficients k = coefficients(w, nw);
            int[] out = new int[h * nw * channels];
            for (int y = 0; y < h; y++) {
                for (int xx = 0; xx < nw; xx++) {
                    int xmin = k.bounds[2 * xx];
                    int xmax = k.bounds[2 * xx + 1];
                    int base = xx * k.size;
                    for (int c = 0; c < channels; c++) {
                        int ss = 1 << (PRECISION_BITS - 1);
                        for (int x = 0; x < xmax; x++) {
                            ss += cur[(y * w + x + xmin) * channels + c] * k.values[base + x];
                        }
                        out[(y * nw + xx) * channels + c] = clip8(ss);
                    }
                }
            }
            cur = out;
        }
        if (nh != h) {
            Coefficients k = coefficients(h, nh);
            int[] out = new int[nh * nw * channels];
            for (int yy = 0; yy < nh; yy++) {
                int ymin = k.bounds[2 * yy];
                int ymax = k.bounds[2 * yy + 1];
                int base = yy * k.size;
                for (int x = 0; x < nw; x++) {
                    for (int c = 0; c < channels; c++) {
                        int ss = 1 << (PRECISION_BITS - 1);
                        for (int y = 0; y < ymax; y++) {
                            ss += cur[((y + ymin) * nw + x) * channels + c] * k.values[base + y];
                        }
                        out[(yy * nw + x) * channels + c] = clip8(ss);
                    }
                }
            }
            cur = out;
        }
        return cur == src ? src.clone() : cur;
    }

    private static int clip8(int ss) {
        int v = ss >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    /** Pillow's bicubic kernel, {@code a = -0.5}, support 2. */
    private static double bicubic(double x) {
        double a = -0.5;
        double t = Math.abs(x);
        if (t < 1.0) {
            return ((a + 2.0) * t - (a + 3.0)) * t * t + 1;
        }
        if (t < 2.0) {
            return (((t - 5) * t + 8) * t - 4) * a;
        }
        return 0.0;
    }

    private static final class Coefficients {
        final int size;
        final int[] bounds;
        final int[] values;

        Coefficients(int size, int[] bounds, int[] values) {
            this.size = size;
            this.bounds = bounds;
            this.values = values;
        }
    }

    /** Pillow's {@code precompute_coeffs} and {@code normalize_coeffs_8bpc}. */
    private static Coefficients coefficients(int inSize, int outSize) {
        double scale = (double) (float) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = 2.0 * filterScale;
        int ksize = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[2 * outSize];
        int[] values = new int[outSize * ksize];
        double[] k = new double[ksize];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterScale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) {
                xmin = 0;
            }
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) {
                xmax = inSize;
            }
            xmax -= xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double v = bicubic((x + xmin - center + 0.5) * ss);
                k[x] = v;
                ww += v;
            }
            for (int x = 0; x < ksize; x++) {
                double v = x < xmax ? (ww != 0.0 ? k[x] / ww : k[x]) : 0.0;
                values[xx * ksize + x] =
                        (int)
                                (v < 0
                                        ? -0.5 + v * (1 << PRECISION_BITS)
                                        : 0.5 + v * (1 << PRECISION_BITS));
            }
            bounds[2 * xx] = xmin;
            bounds[2 * xx + 1] = xmax;
        }
        return new Coefficients(ksize, bounds, values);
    }

    /**
     * Returns the output side {@code S}.
     *
     * @return the image size
     */
    public int getImageSize() {
        return size;
    }

    /**
     * Returns the resampling method.
     *
     * @return the resampling
     */
    public Resampling getResampling() {
        return resampling;
    }

    /** Builds a {@link ClipPreprocessor}; every value starts at CLIP's. */
    public static final class Builder {
        private int size = 224;
        private Resampling resampling = Resampling.PIL_BICUBIC;
        private float[] mean = CLIP_MEAN;
        private float[] std = CLIP_STD;

        private Builder() {}

        /**
         * Sets the output side (default 224).
         *
         * @param size positive
         * @return this builder
         */
        public Builder optImageSize(int size) {
            this.size = size;
            return this;
        }

        /**
         * Sets the resampling method (default {@link Resampling#PIL_BICUBIC}).
         *
         * @param resampling the method
         * @return this builder
         */
        public Builder optResampling(Resampling resampling) {
            this.resampling = Objects.requireNonNull(resampling, "resampling");
            return this;
        }

        /**
         * Sets the per-channel mean and standard deviation (default CLIP's).
         *
         * @param mean three values
         * @param std three positive values
         * @return this builder
         */
        public Builder optNormalization(float[] mean, float[] std) {
            this.mean = mean.clone();
            this.std = std.clone();
            return this;
        }

        /**
         * Validates and builds the preprocessor.
         *
         * @return the preprocessor
         * @throws IllegalArgumentException naming the offending value
         */
        public ClipPreprocessor build() {
            if (size <= 0) {
                throw new IllegalArgumentException(
                        "image size should be a positive integer but the value passed is " + size);
            }
            if (mean.length != 3 || std.length != 3) {
                throw new IllegalArgumentException(
                        "mean and std need 3 values (RGB), mean.length = "
                                + mean.length
                                + ", std.length = "
                                + std.length);
            }
            for (float s : std) {
                if (!(s > 0 && Float.isFinite(s))) {
                    throw new IllegalArgumentException(
                            "std values must be finite and positive, got " + s);
                }
            }
            return new ClipPreprocessor(this);
        }
    }
}
